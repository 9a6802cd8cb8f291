import * as dn from 'dnum';
import { describe, expect, it } from 'vitest';
import { MissingRate, convert, decimalText, isDecimal, lineAmount, missingRates, normaliseDecimal, rateTable, roundMoney, showMoney, summarise } from './money';
import type { BudgetLine } from '../bindings/core';

const line = (currency: string, quantity: string, unit_cost: string, category = 'transport', actual: string | null = null): BudgetLine => ({
  survey: 's',
  category,
  description: null,
  quantity,
  unit_cost,
  currency,
  actual,
});

describe('money rounding (the backend rule)', () => {
  it('rounds half away from zero to the minor unit of the currency', () => {
    expect(roundMoney(dn.from('10.005'), 'USD')).toBe('10.01');
    expect(roundMoney(dn.from('10.004'), 'USD')).toBe('10.00');
    expect(roundMoney(dn.from('-10.005'), 'CNY')).toBe('-10.01');
    expect(roundMoney(dn.from('1500.5'), 'MNT')).toBe('1501');
    expect(roundMoney(dn.from('1500.49'), 'KZT')).toBe('1500');
    expect(roundMoney(dn.from('2.5'), 'MNT')).toBe('3');
    expect(roundMoney(dn.from('1800'), 'CNY')).toBe('1800.00');
  });

  it('keeps every decimal when a whole amount comes first in a sum', () => {
    // 1900 + 0.005 = 1900.005, which rounds half away from zero to 1900.01.
    const s = summarise([line('CNY', '1', '1900'), line('CNY', '1', '0.005')], [], null);
    expect(s.per_currency.map((t) => t.amounts.planned)).toEqual(['1900.01']);
  });

  it('multiplies exactly where floating point would not', () => {
    // 0.1 × 3 is 0.30000000000000004 in floating point.
    expect(decimalText(lineAmount('3', '0.1')!)).toBe('0.3');
    expect(decimalText(lineAmount('1,5', '1000.10')!)).toBe('1500.15');
    expect(lineAmount('x', '1')).toBeNull();
  });

  it('reads what people type', () => {
    expect(normaliseDecimal(' 1 250,50 ')).toBe('1250.50');
    expect(isDecimal('1250.50')).toBe(true);
    expect(isDecimal('1e3')).toBe(false);
    expect(isDecimal('.5')).toBe(false);
  });

  it('groups digits for reading without touching the digits', () => {
    expect(showMoney('1234567.50', 'CNY', 'en')).toBe('1,234,567.50 CNY');
    expect(showMoney('-1000', 'MNT', 'en')).toBe('-1,000 MNT');
  });
});

describe('conversion and totals', () => {
  const rates = [
    { currency: 'CNY', per_usd: '7.2' },
    { currency: 'MNT', per_usd: '3400' },
  ];

  it('converts through USD, exactly', () => {
    const t = rateTable(rates);
    expect(decimalText(convert(dn.from('720'), 'CNY', 'USD', t))).toBe('100');
    expect(decimalText(convert(dn.from('100'), 'USD', 'MNT', t))).toBe('340000');
    expect(decimalText(convert(dn.from('7.2'), 'CNY', 'MNT', t))).toBe('3400');
    expect(() => convert(dn.from(1), 'RUB', 'USD', t)).toThrow(MissingRate);
  });

  it('sums before rounding, per currency, per category and overall', () => {
    const s = summarise(
      [line('CNY', '2', '1000.50', 'transport', '1900'), line('MNT', '1', '340000', 'per_diem'), line('CNY', '1', '0.004', 'other'), line('CNY', '1', '0.004', 'other')],
      rates,
      'USD',
    );
    expect(s.lines).toBe(4);
    expect(s.per_currency.map((t) => [t.key, t.amounts.planned])).toEqual([
      ['CNY', '2001.01'],
      ['MNT', '340000'],
    ]);
    expect(s.per_category.map((t) => [t.key, t.amounts.planned])).toEqual([
      ['other', '0.00'],
      ['per_diem', '100.00'],
      ['transport', '277.92'],
    ]);
    // 2001.008 / 7.2 + 100 = 377.9177…
    expect(s.reporting?.amounts.planned).toBe('377.92');
    expect(s.reporting?.amounts.actual).toBe('263.89');
    expect(s.reporting?.amounts.lines_without_actual).toBe(3);
  });

  it('names the currencies that have no rate', () => {
    expect(missingRates([line('RUB', '1', '1'), line('CNY', '1', '1')], rates, 'USD')).toEqual(['RUB']);
    expect(missingRates([line('CNY', '1', '1')], rates, 'KZT')).toEqual(['KZT']);
    expect(missingRates([], rates, 'KZT')).toEqual([]);
  });
});
