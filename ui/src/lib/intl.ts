// Dates, times and numbers as a language writes them, read back the same way. The order of day,
// month and year, the separators and the day periods are learned from `Intl.DateTimeFormat`
// (`formatToParts`), so every language the runtime knows works without a table of our own.

const pad = (n: number) => String(n).padStart(2, '0');

const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: string, time: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${time}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = make(locale, time)));
  return f;
}
function make(locale: string, time: boolean): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(time ? { hour: '2-digit', minute: '2-digit' } : {}),
    timeZone: 'UTC',
  });
}

/** The order of the date's fields in `locale`, e.g. `['day', 'month', 'year']` in Russian. */
export function dateOrder(locale: string): ('year' | 'month' | 'day')[] {
  return dateFormat(locale, false)
    .formatToParts(Date.UTC(2026, 10, 30))
    .flatMap((p) => (p.type === 'year' || p.type === 'month' || p.type === 'day' ? [p.type] : []));
}

/** What a date looks like in `locale`, for a placeholder: `30.11.2026` in Russian. */
export function dateExample(locale: string): string {
  return dateFormat(locale, false).format(Date.UTC(2026, 10, 30));
}

function ymd(iso: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function utc(y: number, mo: number, d: number, h = 0, mi = 0): Date {
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi));
  t.setUTCFullYear(y);
  return t;
}

/** `YYYY-MM-DD` written the way `locale` writes dates; anything else is returned as it is. */
export function formatDate(iso: string, locale: string): string {
  const p = ymd(iso);
  return p ? dateFormat(locale, false).format(utc(...p)) : iso;
}

/** `YYYY-MM-DDTHH:MM` (a wall-clock time) written the way `locale` writes date and time. */
export function formatDateTime(local: string, locale: string): string {
  const p = ymd(local);
  const c = /T(\d{2}):(\d{2})/.exec(local);
  if (!p || !c) return local;
  return dateFormat(locale, true).format(utc(...p, Number(c[1]), Number(c[2])));
}

/** `HH:MM` written the way `locale` writes a time of day (`07:30 AM` in English). */
export function formatClock(hhmm: string, locale: string): string {
  const c = /^(\d{2}):(\d{2})/.exec(hhmm);
  if (!c) return hhmm;
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(
    utc(2026, 11, 30, Number(c[1]), Number(c[2])),
  );
}

function valid(y: number, mo: number, d: number): string | null {
  if (y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1) return null;
  const t = utc(y, mo, d);
  if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return `${y}-${pad(mo)}-${pad(d)}`;
}

/**
 * A date typed in `locale` as `YYYY-MM-DD`, or null. Read: the language's own numeric order
 * (`30.11.2026` in Russian, `11/30/2026` in English, `2026/11/30` in Chinese) with any
 * separators, ISO `2026-11-30` in every language, and `2026年11月30日`. A year is four digits,
 * and a date that does not exist (31 April) is refused.
 */
export function parseDate(text: string, locale: string): string | null {
  const s = text.trim();
  const cjk = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$/.exec(s);
  if (cjk) return valid(Number(cjk[1]), Number(cjk[2]), Number(cjk[3]));
  if (!/^[\d\s./\-,]+$/.test(s)) return null;
  const nums = s.match(/\d+/g) ?? [];
  if (nums.length !== 3) return null;
  // A four-digit first field is a year in every language (ISO, and what Chinese writes).
  const order = nums[0].length === 4 ? (['year', 'month', 'day'] as const) : dateOrder(locale);
  const at = (f: 'year' | 'month' | 'day') => nums[order.indexOf(f)];
  if (at('year')?.length !== 4 || at('month').length > 2 || at('day').length > 2) return null;
  return valid(Number(at('year')), Number(at('month')), Number(at('day')));
}

/** The words `locale` writes for morning and afternoon on a 12-hour clock, lower-cased. */
function dayPeriods(locale: string): { am: string[]; pm: string[] } {
  const f = new Intl.DateTimeFormat(locale, { hour: 'numeric', hour12: true, timeZone: 'UTC' });
  const word = (h: number) =>
    f
      .formatToParts(utc(2026, 11, 30, h))
      .find((p) => p.type === 'dayPeriod')
      ?.value.toLowerCase();
  return { am: ['am', 'a.m.', word(1) ?? 'am'], pm: ['pm', 'p.m.', word(13) ?? 'pm'] };
}

/** A time of day typed in `locale` (`7:30`, `07.30`, `7:30 PM`, `下午7:30`) as `HH:MM`, or null. */
export function parseClock(text: string, locale: string): string | null {
  let s = text.trim().toLowerCase().replace(/[\s\u202f\u00a0]+/g, ' ');
  const { am, pm } = dayPeriods(locale);
  let period: 'am' | 'pm' | null = null;
  for (const [p, words] of [['pm', pm], ['am', am]] as const) {
    const w = words.find((x) => x && s.includes(x));
    if (w) {
      period = p;
      s = s.replace(w, ' ').trim();
      break;
    }
  }
  const m = /^(\d{1,2})(?:[:.h ](\d{2}))?(?::\d{2})?$/.exec(s);
  if (!m) return null;
  let h = Number(m[1]);
  const mi = Number(m[2] ?? '0');
  if (period) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (period === 'pm' ? 12 : 0);
  }
  if (h > 23 || mi > 59) return null;
  return `${pad(h)}:${pad(mi)}`;
}

/**
 * A date and time typed in `locale` as `YYYY-MM-DDTHH:MM`, or null: the date as `parseDate`
 * reads it, then the time of day (with a colon) as `parseClock` reads it.
 */
export function parseDateTime(text: string, locale: string): string | null {
  const s = text.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2})?$/.exec(s);
  if (iso) return valid(...(ymd(iso[1]) as [number, number, number])) && parseClock(iso[2], locale) ? `${iso[1]}T${iso[2]}` : null;
  // The time is the part with a colon, the date what comes before it; a day-period word may
  // stand on either side of the time.
  const clock = /(\d{1,2}:\d{2}(?::\d{2})?)/.exec(s);
  if (!clock) return null;
  const before = s.slice(0, clock.index);
  const d = /^(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?|\d[\d./\-\s]*\d)/.exec(before);
  if (!d) return null;
  const date = parseDate(d[1], locale);
  const rest = before.slice(d[0].length).replace(/^[,\s]+/, '');
  const time = parseClock(`${rest} ${clock[1]} ${s.slice(clock.index + clock[1].length)}`, locale);
  return date && time ? `${date}T${time}` : null;
}

/** The decimal separator `locale` writes (`,` in Russian). */
export function decimalSeparator(locale: string): string {
  return new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/**
 * A number typed in `locale`, or null: the language's decimal separator or a point, group
 * separators (spaces, and a comma before each three digits where the point is the decimal
 * separator) left out. `12,5` is 12.5 in Russian; `1,250.5` is 1250.5 and `12,5` 12.5 in
 * English.
 */
export function parseNumber(text: string, locale: string): number | null {
  let s = text.trim().replace(/[\s\u202f\u00a0']/g, '').replace(/^[−–]/, '-');
  if (decimalSeparator(locale) === ',') {
    if ((s.match(/[.,]/g) ?? []).length > 1) return null;
    s = s.replace(',', '.');
  } else if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) {
    s = s.replace(/,/g, '');
  } else if (/^-?\d*,\d+$/.test(s)) {
    s = s.replace(',', '.'); // a decimal comma, as a spreadsheet in another language writes it
  }
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  return Number(s);
}

/** A number written the way `locale` writes it, without grouping (for a field to edit). */
export function formatNumberInput(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: 10 }).format(n);
}
