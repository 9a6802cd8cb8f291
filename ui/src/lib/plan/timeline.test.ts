import { describe, expect, it } from 'vitest';
import { barGeometry, dateOf, dayNumber, daysInclusive, monthTicks, overlap, spanOf } from './timeline';

describe('timeline arithmetic', () => {
  it('counts whole calendar days', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dateOf(dayNumber('2026-06-30'))).toBe('2026-06-30');
    expect(daysInclusive('2026-06-01', '2026-06-30')).toBe(30);
    expect(daysInclusive('2026-02-27', '2026-03-01')).toBe(3);
    expect(dayNumber('June 1')).toBeNaN();
  });

  it('spans the items and places bars in proportion', () => {
    const span = spanOf([
      { start: '2026-06-01', end: '2026-06-10' },
      { start: '2026-06-05', end: '2026-06-05' },
    ])!;
    expect(span.days).toBe(10);
    expect(barGeometry({ start: '2026-06-01', end: '2026-06-10' }, span)).toEqual({ left: 0, width: 100 });
    expect(barGeometry({ start: '2026-06-05', end: '2026-06-05' }, span)).toEqual({ left: 40, width: 10 });
    expect(spanOf([])).toBeNull();
  });

  it('puts a tick at each month start', () => {
    const span = spanOf([{ start: '2026-05-20', end: '2026-07-10' }])!;
    expect(monthTicks(span).map((t) => t.date)).toEqual(['2026-05-20', '2026-06-01', '2026-07-01']);
  });

  it('finds the shared days of two ranges', () => {
    expect(overlap({ from: '2026-06-01', to: '2026-06-20' }, { from: '2026-06-15', to: '2026-07-01' })).toEqual({ from: '2026-06-15', to: '2026-06-20' });
    expect(overlap({ from: '2026-06-01', to: '2026-06-14' }, { from: '2026-06-15', to: '2026-07-01' })).toBeNull();
  });
});
