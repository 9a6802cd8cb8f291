// The current language and `t()`. Reading `i18n.locale` inside `t` makes every call reactive,
// so switching the language re-renders at once.
import en, { type MessageKey, type Messages } from './en';
import mn from './mn';
import ru from './ru';
import zh from './zh-CN';
import type { ErrorPayload, FieldError } from '../bindings/core';

export type Locale = 'en' | 'zh-CN' | 'ru' | 'mn';
export const LOCALES: Locale[] = ['en', 'zh-CN', 'ru', 'mn'];
export const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zh, ru, mn };
/** Locale codes of taxon names (`zh`) for each UI locale. */
export const NAME_LOCALE: Record<Locale, string> = { en: 'en', 'zh-CN': 'zh', ru: 'ru', mn: 'mn' };

export const i18n = $state({ locale: 'en' as Locale });

export function isLocale(s: string | null | undefined): s is Locale {
  return !!s && (LOCALES as string[]).includes(s);
}

export function setLocale(l: Locale): void {
  i18n.locale = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/** The message `key` in the current language, with `{name}` placeholders filled. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = MESSAGES[i18n.locale][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
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
