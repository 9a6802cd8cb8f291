// What the report charts draw: one point per period or per group, built by the screen from the
// figures the backend computed (the charts compute nothing of their own).

/** One point of a chart. */
export interface ChartPoint {
  /** The category on the x axis (a period, a site, a host). */
  label: string;
  value: number;
  /** How many visits (or samples) stand behind the value; sizes the point. */
  n?: number;
  /** Too little behind it to read much into: drawn hollow. */
  thin?: boolean;
  /** A 95% interval, drawn as an error bar. */
  low?: number;
  high?: number;
}

/** Radius of a point with `n` behind it, relative to the largest `max` in the chart. */
export function pointRadius(n: number | undefined, max: number): number {
  if (!n || max <= 0) return 3;
  return 3 + 6 * Math.sqrt(n / max);
}

/** A column of a report table: what the table shows and what its CSV holds. */
export interface Column<R> {
  header: string;
  /** What the table shows (formatted in the UI's language). */
  text: (r: R) => string;
  /** What the CSV holds (plain numbers, codes). */
  csv: (r: R) => string | number | null | undefined;
  numeric?: boolean;
}

/** A site with one figure, for the coloured map. */
export interface SiteFigure {
  id: string;
  name: string;
  lat: number;
  lon: number;
  value: number | null;
  /** The figure as the table shows it. */
  text: string;
}
