// Times as people enter and read them: entered in the laptop's zone, stored as RFC 3339 with
// that offset, shown in the zone they were recorded in.
import type { Observation, Taxon } from './bindings/core';

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

/** `2026-06-01 07:30 UTC+08:00`: the time in the zone it was recorded in. */
export function showTime(s: string): string {
  const { local, offset } = splitRfc3339(s);
  return `${local.replace('T', ' ')} UTC${offset}`;
}

/** The taxon's name in a name locale (`en`, `zh`, `ru`, `mn`), with whether it is verified. */
export function vernacular(t: Taxon, nameLocale: string): { name: string; verified: boolean } | null {
  const n = t.names.find((x) => x.locale === nameLocale) ?? t.names.find((x) => x.locale === 'en');
  return n ? { name: n.name, verified: n.verified } : null;
}

/** `12`, or `10–15` for an estimate. */
export function countText(o: Observation): string {
  if (o.count !== null) return String(o.count);
  if (o.count_min !== null && o.count_max !== null) return `${o.count_min}–${o.count_max}`;
  return '?';
}
