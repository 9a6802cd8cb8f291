// Times as people enter and read them: entered in the laptop's zone, stored as RFC 3339 with
// that offset, shown in the zone they were recorded in, written the way the UI language writes
// dates and times (`intl.ts`).
import type { Observation, Taxon } from './bindings/core';
import { i18n, t } from './i18n/index.svelte';
import { formatClock, formatDate, formatDateTime } from './intl';

const pad = (n: number) => String(n).padStart(2, '0');

/** `+08:00` for an offset in minutes east of UTC. */
export function offsetString(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const m = Math.abs(minutesEast);
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** The laptop's offset at a local wall-clock time `YYYY-MM-DDTHH:MM`. */
export function localOffset(local: string): string {
  const d = new Date(local);
  return offsetString(Number.isNaN(d.getTime()) ? -new Date().getTimezoneOffset() : -d.getTimezoneOffset());
}

/** Now, as a `datetime-local` value in the laptop's zone. */
export function nowLocalInput(now = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
}

/** Today's date in the laptop's zone, `YYYY-MM-DD`. */
export function todayLocal(now = new Date()): string {
  return nowLocalInput(now).slice(0, 10);
}

/** A `datetime-local` value plus an offset as RFC 3339. */
export function toRfc3339(local: string, offset: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(local)) return local;
  const withSeconds = local.length === 16 ? `${local}:00` : local.slice(0, 19);
  return `${withSeconds}${offset}`;
}

/** Splits a stored time into the wall-clock value it was entered as and its offset. */
export function splitRfc3339(s: string): { local: string; offset: string } {
  const m = s.match(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/);
  if (!m) return { local: s.slice(0, 16), offset: '+00:00' };
  return { local: m[1], offset: m[2] === 'Z' ? '+00:00' : m[2] };
}

/**
 * The time in the zone it was recorded in, written in `locale`: `01.06.2026, 07:30 UTC+08:00` in
 * Russian, `06/01/2026, 07:30 AM UTC+08:00` in English.
 */
export function showTime(s: string, locale: string = i18n.locale): string {
  const { local, offset } = splitRfc3339(s);
  return `${formatDateTime(local, locale)} UTC${offset}`;
}

/** The date of a stored time (or of `YYYY-MM-DD`) in the zone it was recorded in, written in `locale`. */
export function showDate(s: string, locale: string = i18n.locale): string {
  return formatDate(splitRfc3339(s).local.slice(0, 10), locale);
}

/** The time of day of a stored time in the zone it was recorded in, written in `locale`. */
export function showClock(s: string, locale: string = i18n.locale): string {
  return formatClock(splitRfc3339(s).local.slice(11, 16), locale);
}

/**
 * The taxon's name in the first of `nameLocales` (`kk`, `ru`, `en`) it has, with whether it is
 * verified; a single locale falls back to English.
 */
export function vernacular(t: Taxon, nameLocales: string | readonly string[]): { name: string; verified: boolean } | null {
  const order = typeof nameLocales === 'string' ? [nameLocales, 'en'] : nameLocales;
  for (const l of order) {
    const n = t.names.find((x) => x.locale === l);
    if (n) return { name: n.name, verified: n.verified };
  }
  return null;
}

/** `12`, or `10–15` for an estimate, written in `locale`. */
export function countText(o: Observation, locale: string = i18n.locale): string {
  const n = (x: number) => new Intl.NumberFormat(locale).format(x);
  if (o.count !== null) return n(o.count);
  if (o.count_min !== null && o.count_max !== null) return `${n(o.count_min)}–${n(o.count_max)}`;
  return '?';
}

/**
 * The count with its unit, in the plural form the UI language needs: `1 individual`,
 * `2 individuals`; `1 особь`, `2 особи`, `5 особей`; an estimate takes the form of its maximum.
 */
export function countWithUnit(o: Observation): string {
  const n = o.count ?? o.count_max;
  if (n === null) return `? ${t(`unit.${o.unit}`)}`;
  return t(`count.${o.unit}`, { n, shown: countText(o) });
}
