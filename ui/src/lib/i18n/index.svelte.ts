// The current language and `t()`. Reading `i18n.locale` inside `t` makes every call reactive,
// so switching the language re-renders at once.
import en, { type MessageKey, type Messages } from './en';
import mn from './mn';
import ru from './ru';
import zh from './zh-CN';
import kk from './kk';
import type { ErrorPayload, FieldError } from '../bindings/core';

export type Locale = 'en' | 'zh-CN' | 'ru' | 'mn' | 'kk';
export const LOCALES: Locale[] = ['en', 'zh-CN', 'ru', 'mn', 'kk'];
export const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zh, ru, mn, kk };
/** Locale codes of taxon names (`zh`) for each UI locale. */
export const NAME_LOCALE: Record<Locale, string> = { en: 'en', 'zh-CN': 'zh', ru: 'ru', mn: 'mn', kk: 'kk' };
/**
 * The taxon-name locales to try, in order, for each UI locale: its own, then one its readers
 * also read (Kazakh readers read Russian), then English.
 */
export const NAME_FALLBACK: Record<Locale, string[]> = {
  en: ['en'],
  'zh-CN': ['zh', 'en'],
  ru: ['ru', 'en'],
  mn: ['mn', 'en'],
  kk: ['kk', 'ru', 'en'],
};

export const i18n = $state({ locale: 'en' as Locale });

export function isLocale(s: string | null | undefined): s is Locale {
  return !!s && (LOCALES as string[]).includes(s);
}

export function setLocale(l: Locale): void {
  i18n.locale = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

export type Params = Record<string, string | number>;

/**
 * The message `key` in the current language, with `{name}` placeholders filled and plural
 * blocks chosen (see `plural`).
 */
export function t(key: MessageKey, params?: Params): string {
  return fill(MESSAGES[i18n.locale][key] ?? en[key] ?? key, i18n.locale, params);
}

/** `text` in `locale` with its plural blocks chosen and its `{name}` placeholders filled. */
export function fill(text: string, locale: string, params?: Params): string {
  if (!params) return text;
  return plural(text, locale, params).replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
}

/**
 * Chooses the plural forms of a message, written as in ICU MessageFormat:
 * `{n, plural, one {# особь} few {# особи} many {# особей} other {# особи}}`. The form is the
 * category `Intl.PluralRules` gives for the number `params[n]` in `locale` (an exact `=0 {…}`
 * form wins); `#` is that number written the locale's way, or `params.shown` when given (an
 * estimate "10–15" chooses its form by 15).
 */
export function plural(text: string, locale: string, params: Params): string {
  let out = '';
  let i = 0;
  for (const block of pluralBlocks(text)) {
    out += text.slice(i, block.start);
    i = block.end;
    const n = Number(params[block.name]);
    if (!Number.isFinite(n)) {
      out += text.slice(block.start, block.end);
      continue;
    }
    const form = block.forms[`=${n}`] ?? block.forms[rules(locale).select(n)] ?? block.forms.other ?? '';
    const shown = params.shown !== undefined ? String(params.shown) : new Intl.NumberFormat(locale).format(n);
    out += form.replace(/#/g, shown);
  }
  return out + text.slice(i);
}

const ruleCache = new Map<string, Intl.PluralRules>();
function rules(locale: string): Intl.PluralRules {
  let r = ruleCache.get(locale);
  if (!r) ruleCache.set(locale, (r = new Intl.PluralRules(locale)));
  return r;
}

/** The plural blocks of a message: the parameter, the forms by category, where the block lies. */
export function pluralBlocks(text: string): { name: string; forms: Record<string, string>; start: number; end: number }[] {
  const found = [];
  const head = /\{(\w+),\s*plural,/g;
  let m: RegExpExecArray | null;
  while ((m = head.exec(text))) {
    const forms: Record<string, string> = {};
    let j = m.index + m[0].length;
    for (;;) {
      const sel = /^\s*(=?\w+)\s*\{/.exec(text.slice(j));
      if (!sel) break;
      const open = j + sel[0].length;
      const close = text.indexOf('}', open);
      if (close < 0) break;
      forms[sel[1]] = text.slice(open, close);
      j = close + 1;
    }
    const end = text.indexOf('}', j);
    if (end < 0) break;
    found.push({ name: m[1], forms, start: m.index, end: end + 1 });
    head.lastIndex = end + 1;
  }
  return found;
}

/** Whether `key` is a message key. */
export function has(key: string): key is MessageKey {
  return key in en;
}

/** A field error in words: the field-specific rule if there is one, else the rule. */
export function fieldMessage(e: FieldError): string {
  const specific = `rule.${e.field}.${e.rule}`;
  if (has(specific)) return t(specific);
  const general = `rule.${e.rule}`;
  if (has(general)) return t(general);
  return e.message;
}

/** A backend error in words for the current language. */
export function errorMessage(p: ErrorPayload): string {
  const key = `error.code.${p.code}`;
  if (!has(key)) return p.message;
  // Unexpected failures keep the English detail, for the person the log goes to.
  return p.code === 'internal' ? `${t(key)} (${p.message})` : t(key);
}

/** Formats a number the way the current language writes it. */
export function num(n: number): string {
  return new Intl.NumberFormat(i18n.locale).format(n);
}
