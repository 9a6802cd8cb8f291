import { describe, expect, it } from 'vitest';
import { countText, offsetString, showTime, splitRfc3339, toRfc3339 } from './format';

describe('times', () => {
  it('writes offsets east and west of UTC', () => {
    expect(offsetString(480)).toBe('+08:00');
    expect(offsetString(540)).toBe('+09:00');
    expect(offsetString(-330)).toBe('-05:30');
  });
  it('stores the wall-clock time with the offset it was entered in and shows it back unchanged', () => {
    const s = toRfc3339('2026-06-01T07:30', '+09:00');
    expect(s).toBe('2026-06-01T07:30:00+09:00');
    expect(splitRfc3339(s)).toEqual({ local: '2026-06-01T07:30', offset: '+09:00' });
    expect(showTime(s, 'ru')).toBe('01.06.2026, 07:30 UTC+09:00');
    expect(showTime(s, 'zh-CN')).toBe('2026/06/01 07:30 UTC+09:00');
    expect(showTime(s, 'en')).toMatch(/^06\/01\/2026, 07:30\sAM UTC\+09:00$/);
  });
});

describe('counts', () => {
  it('shows an exact count or a min–max estimate', () => {
    const base = { count: null, count_min: null, count_max: null } as never as Parameters<typeof countText>[0];
    expect(countText({ ...base, count: 4 })).toBe('4');
    expect(countText({ ...base, count_min: 10, count_max: 15 })).toBe('10–15');
  });
});
