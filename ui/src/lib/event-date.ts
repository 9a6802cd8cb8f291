// An observation's date as it is known: a moment, a day, a month, a year, a range of them, or
// none. The core writes it as Darwin Core's eventDate (`2019`, `2019-05`, `2019-05-01/2019-05-15`,
// an RFC 3339 time, or empty when undated); this writes that in the UI language through
// `Intl.DateTimeFormat`, so no precision is added: "2019", "May 2019", "1–15 May 2019".
import type { Observation } from './bindings/core';
import { showTime } from './format';
import { i18n, t } from './i18n/index.svelte';

type Part = { y: number; m?: number; d?: number };

function part(s: string): Part | null {
  const r = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(s.trim());
  if (!r) return null;
  return { y: Number(r[1]), m: r[2] ? Number(r[2]) : undefined, d: r[3] ? Number(r[3]) : undefined };
}

function at(p: Part, last = false): Date {
  const month = p.m ?? (last ? 12 : 1);
  // Day 0 of the next month is the last day of this one.
  const day = p.d ?? (last ? 0 : 1);
  const t = new Date(Date.UTC(2000, p.d === undefined && last ? month : month - 1, day));
  t.setUTCFullYear(p.y);
  return t;
}

function options(p: Part): Intl.DateTimeFormatOptions {
  if (p.d !== undefined) return { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' };
  if (p.m !== undefined) return { year: 'numeric', month: 'long', timeZone: 'UTC' };
  return { year: 'numeric', timeZone: 'UTC' };
}

/** The eventDate an observation's date fields stand for (as the core's `dates::event_date`). */
export function eventDateOf(o: Observation): string {
  const p = o.date_precision;
  if (!p) return o.observed_at;
  if (p === 'undated') return '';
  const day = o.observed_at.slice(0, 10);
  const start = p === 'year' ? day.slice(0, 4) : p === 'month' ? day.slice(0, 7) : day;
  return o.observed_until ? `${start}/${o.observed_until}` : start;
}

/** A Darwin Core eventDate written in `locale`: "undated" when empty, a time as `showTime`. */
export function showEventDate(s: string, locale: string = i18n.locale): string {
  if (!s.trim()) return t('date.undated');
  const [a, b] = s.split('/');
  const first = part(a);
  if (!first) return /T\d{2}:\d{2}/.test(a) ? showTime(a, locale) : s;
  const f = new Intl.DateTimeFormat(locale, options(first));
  if (b === undefined) return f.format(at(first));
  const last = part(b);
  if (!last) return s;
  return f.formatRange(at(first), at(last, true));
}

/** An observation's date in `locale`, at the precision it is known to. */
export function showObservationDate(o: Observation, locale: string = i18n.locale): string {
  return showEventDate(eventDateOf(o), locale);
}
