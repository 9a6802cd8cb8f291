import { describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.svelte';
import { heat, interval, pct, seasonPeriod, toCsv } from './report';

describe('report helpers', () => {
  it('gives the dates of a season, winter starting in the December before', () => {
    expect(seasonPeriod(2025, 'winter')).toEqual({ from: '2024-12-01', to: '2025-02-28' });
    expect(seasonPeriod(2024, 'winter')).toEqual({ from: '2023-12-01', to: '2024-02-29' });
    expect(seasonPeriod(2026, 'summer')).toEqual({ from: '2026-06-01', to: '2026-08-31' });
  });
  it('writes percentages and intervals in the UI language', () => {
    setLocale('en');
    expect(pct(0.125)).toBe('12.5%');
    expect(interval(0.031, 0.214)).toBe('3.1–21.4%');
    setLocale('ru');
    expect(pct(0.125)).toBe('12,5\u00a0%');
    expect(interval(0.031, 0.214)).toBe('3,1–21,4\u00a0%');
    setLocale('en');
  });
  it('quotes CSV fields that need it', () => {
    expect(toCsv(['a', 'b'], [['x, y', 1.5], ['say "hi"', null]])).toBe('a,b\r\n"x, y",1.5\r\n"say ""hi""",\r\n');
  });
  it('colours low figures pale and high ones dark', () => {
    expect(heat(0)).toBe('rgb(255, 237, 160)');
    expect(heat(1)).toBe('rgb(128, 0, 38)');
  });
});
