// What the report screen needs around the figures the backend computes: the scope a report
// covers, number formats in the UI's language, CSV text and the colour of a figure on the map.
import type { Country, Period, Season } from '../bindings/core';
import { i18n } from '../i18n/index.svelte';

/** Fewer visits than this behind a point and the point is drawn as thin. */
export const THIN_VISITS = 3;

export type ScopeKind = 'all' | 'survey' | 'season' | 'country';

/** What one report covers: a period of dates and, for a country report, the country. */
export interface Scope {
  period: Period;
  country: Country | null;
}

const SEASON_MONTHS: Record<Season, [number, number]> = { winter: [12, 2], spring: [3, 5], summer: [6, 8], autumn: [9, 11] };
export const SEASONS: Season[] = ['spring', 'summer', 'autumn', 'winter'];

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * The dates of a meteorological season; winter `year` runs from December of the year before to
 * February (as the core counts it, so one winter is one point).
 */
export function seasonPeriod(year: number, season: Season): Period {
  const [a, b] = SEASON_MONTHS[season];
  const fromYear = season === 'winter' ? year - 1 : year;
  return { from: `${fromYear}-${pad(a)}-01`, to: `${year}-${pad(b)}-${pad(lastDay(year, b))}` };
}

/** A fraction as a percentage in the UI's language (`12.5%`). */
export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return new Intl.NumberFormat(i18n.locale, { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(x);
}

/** A decimal number in the UI's language with at most `digits` decimals. */
export function dec(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return new Intl.NumberFormat(i18n.locale, { maximumFractionDigits: digits }).format(x);
}

/** A 95% interval as `3.1–21.4%`. */
export function interval(low: number | null | undefined, high: number | null | undefined): string {
  if (low === null || low === undefined || high === null || high === undefined) return '—';
  return `${pct(low).replace(/\s?%$/, '')}–${pct(high)}`;
}

/** One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6)) : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV text: a header line, then one line per row; numbers are written plainly for spreadsheets. */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** A colour from pale yellow (0) to dark red (1) for a figure on the map. */
export function heat(t: number): string {
  const x = Math.max(0, Math.min(1, t));
  const stops = [
    [255, 237, 160],
    [254, 178, 76],
    [240, 59, 32],
    [128, 0, 38],
  ];
  const at = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(at));
  const f = at - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
