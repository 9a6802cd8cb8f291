// Calendar arithmetic for the schedule: whole days between `YYYY-MM-DD` dates (in UTC, so a
// time-zone change never shifts a bar), the span of a set of items, and the month ticks.

const DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar date `YYYY-MM-DD`; NaN when it is not one. */
export function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return NaN;
  return Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY);
}

/** The calendar date of a day number. */
export function dateOf(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Inclusive number of days from `start` to `end`. */
export function daysInclusive(start: string, end: string): number {
  return dayNumber(end) - dayNumber(start) + 1;
}

export interface Span {
  first: number;
  last: number;
  days: number;
}

/** The first and last day covered by `items` (inclusive), or null when there are none. */
export function spanOf(items: readonly { start: string; end: string }[]): Span | null {
  let first = Infinity;
  let last = -Infinity;
  for (const i of items) {
    const a = dayNumber(i.start);
    const b = dayNumber(i.end);
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    first = Math.min(first, a, b);
    last = Math.max(last, a, b);
  }
  return first === Infinity ? null : { first, last, days: last - first + 1 };
}

/** Left edge and width of an item's bar as percentages of the span. */
export function barGeometry(item: { start: string; end: string }, span: Span): { left: number; width: number } {
  const a = dayNumber(item.start);
  const b = Math.max(a, dayNumber(item.end));
  return { left: ((a - span.first) / span.days) * 100, width: ((b - a + 1) / span.days) * 100 };
}

/** The first day of every month that starts inside the span (and the span's own first day), with its position in %. */
export function monthTicks(span: Span): { date: string; left: number }[] {
  const out: { date: string; left: number }[] = [{ date: dateOf(span.first), left: 0 }];
  const d = new Date(span.first * DAY);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth() + 1;
  for (;;) {
    if (m > 11) {
      m = 0;
      y += 1;
    }
    const day = Math.round(Date.UTC(y, m, 1) / DAY);
    if (day > span.last) break;
    out.push({ date: dateOf(day), left: ((day - span.first) / span.days) * 100 });
    m += 1;
  }
  return out;
}

/** Whether two inclusive date ranges share a day; the shared days when they do. */
export function overlap(a: { from: string; to: string }, b: { from: string; to: string }): { from: string; to: string } | null {
  const from = a.from > b.from ? a.from : b.from;
  const to = a.to < b.to ? a.to : b.to;
  return from <= to ? { from, to } : null;
}
