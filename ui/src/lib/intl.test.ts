import { describe, expect, it } from 'vitest';
import { dateExample, formatClock, formatDate, formatDateTime, parseClock, parseDate, parseDateTime, parseNumber } from './intl';

describe('dates in each language', () => {
  it('are written the way the language writes them', () => {
    expect(formatDate('2026-11-30', 'ru')).toBe('30.11.2026');
    expect(formatDate('2026-11-30', 'kk')).toBe('30.11.2026');
    expect(formatDate('2026-11-30', 'en')).toBe('11/30/2026');
    expect(formatDate('2026-11-30', 'zh-CN')).toBe('2026/11/30');
    expect(formatDate('2026-11-30', 'mn')).toBe('2026.11.30');
    expect(formatDate('not a date', 'ru')).toBe('not a date');
    expect(dateExample('ru')).toBe('30.11.2026');
  });

  it('are read back the way the language writes them', () => {
    expect(parseDate('30.11.2026', 'ru')).toBe('2026-11-30');
    expect(parseDate('1.2.2027', 'ru')).toBe('2027-02-01');
    expect(parseDate('30.11.2026', 'kk')).toBe('2026-11-30');
    expect(parseDate('11/30/2026', 'en')).toBe('2026-11-30');
    expect(parseDate('2/1/2027', 'en')).toBe('2027-02-01');
    expect(parseDate('2026/11/30', 'zh-CN')).toBe('2026-11-30');
    expect(parseDate('2026年11月30日', 'zh-CN')).toBe('2026-11-30');
    expect(parseDate('2026 年 2 月 1 日', 'zh-CN')).toBe('2026-02-01');
    expect(parseDate('2026.11.30', 'mn')).toBe('2026-11-30');
  });

  it('take ISO dates, and a year first, in every language', () => {
    for (const l of ['en', 'ru', 'zh-CN', 'mn', 'kk']) {
      expect(parseDate('2026-11-30', l), l).toBe('2026-11-30');
      expect(parseDate('2026.11.30', l), l).toBe('2026-11-30');
    }
  });

  it('refuse what is not a date', () => {
    expect(parseDate('31.04.2026', 'ru'), '31 April').toBeNull();
    expect(parseDate('30.11.26', 'ru'), 'a two-digit year').toBeNull();
    expect(parseDate('13/30/2026', 'en'), 'month 13').toBeNull();
    expect(parseDate('30.11', 'ru')).toBeNull();
    expect(parseDate('tomorrow', 'en')).toBeNull();
    expect(parseDate('', 'en')).toBeNull();
    expect(parseDate('29.02.2027', 'ru')).toBeNull();
    expect(parseDate('29.02.2028', 'ru')).toBe('2028-02-29');
  });

  it('round-trip every day of a year in every language', () => {
    for (const l of ['en', 'ru', 'zh-CN', 'mn', 'kk']) {
      for (let d = new Date(Date.UTC(2028, 0, 1)); d.getUTCFullYear() === 2028; d.setUTCDate(d.getUTCDate() + 1)) {
        const iso = d.toISOString().slice(0, 10);
        expect(parseDate(formatDate(iso, l), l), `${l} ${iso}`).toBe(iso);
      }
    }
  });
});

describe('times in each language', () => {
  it('are written and read on the clock the language uses', () => {
    expect(formatDateTime('2026-11-30T07:05', 'ru')).toBe('30.11.2026, 07:05');
    expect(formatDateTime('2026-11-30T19:05', 'en')).toMatch(/^11\/30\/2026, 07:05\sPM$/);
    expect(formatClock('19:05', 'zh-CN')).toBe('19:05');
    expect(parseClock('7:05', 'ru')).toBe('07:05');
    expect(parseClock('07.05', 'ru')).toBe('07:05');
    expect(parseClock('7:05 PM', 'en')).toBe('19:05');
    expect(parseClock('12:30 am', 'en')).toBe('00:30');
    expect(parseClock('25:00', 'ru')).toBeNull();
    expect(parseClock('13:00 PM', 'en')).toBeNull();
  });

  it('read a date and a time typed together', () => {
    expect(parseDateTime('30.11.2026 7:30', 'ru')).toBe('2026-11-30T07:30');
    expect(parseDateTime('30.11.2026, 07:30', 'kk')).toBe('2026-11-30T07:30');
    expect(parseDateTime('11/30/2026, 7:30 PM', 'en')).toBe('2026-11-30T19:30');
    expect(parseDateTime('2026-11-30T07:30', 'en')).toBe('2026-11-30T07:30');
    expect(parseDateTime('2026-11-30 07:30', 'mn')).toBe('2026-11-30T07:30');
    expect(parseDateTime('2026年11月30日 07:30', 'zh-CN')).toBe('2026-11-30T07:30');
    expect(parseDateTime('2026/11/30 19:30', 'zh-CN')).toBe('2026-11-30T19:30');
    expect(parseDateTime('30.11.2026', 'ru'), 'no time').toBeNull();
    expect(parseDateTime('31.11.2026 07:30', 'ru'), '31 November').toBeNull();
  });

  it('round-trip what they write in every language', () => {
    for (const l of ['en', 'ru', 'zh-CN', 'mn', 'kk']) {
      for (const v of ['2026-01-02T00:00', '2026-06-01T07:30', '2026-11-30T12:00', '2026-12-31T23:59']) {
        expect(parseDateTime(formatDateTime(v, l), l), `${l} ${formatDateTime(v, l)}`).toBe(v);
      }
    }
  });
});

describe('numbers in each language', () => {
  it('take the decimal comma where the language writes one, and a point everywhere', () => {
    expect(parseNumber('12,5', 'ru')).toBe(12.5);
    expect(parseNumber('12,5', 'kk')).toBe(12.5);
    expect(parseNumber('12.5', 'ru')).toBe(12.5);
    expect(parseNumber('1 250,5', 'ru')).toBe(1250.5);
    expect(parseNumber('1\u00a0250,5', 'ru')).toBe(1250.5);
    expect(parseNumber('1,250.5', 'en')).toBe(1250.5);
    expect(parseNumber('12.5', 'en')).toBe(12.5);
    expect(parseNumber('12,5', 'mn')).toBe(12.5);
    expect(parseNumber('-3', 'en')).toBe(-3);
  });
  it('refuse what is not one number', () => {
    expect(parseNumber('1,2,3', 'ru')).toBeNull();
    expect(parseNumber('1.2.3', 'en')).toBeNull();
    expect(parseNumber('12 m', 'ru')).toBeNull();
    expect(parseNumber('', 'ru')).toBeNull();
  });
});
