// Budget arithmetic in exact decimals (big.js), by the backend's rule: amounts stay exact while
// they are summed and converted; a reported total is rounded once, half away from zero, to the
// minor unit of its currency (2 decimals for CNY, RUB and USD; 0 for MNT and KZT).
import Big from 'big.js';
import type { BudgetLine, BudgetSummary, ExchangeRate, Total } from '../bindings/core';

export const CURRENCIES = ['CNY', 'MNT', 'RUB', 'KZT', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const CATEGORIES = ['transport', 'fuel', 'per_diem', 'equipment', 'lab_tests', 'permits', 'other'] as const;

/** Decimal places a reported amount in `currency` is rounded to. */
export function minorUnit(currency: string): number {
  return currency === 'MNT' || currency === 'KZT' ? 0 : 2;
}

/** Whether `s` is a decimal number the backend accepts (`1250`, `1250.50`, `-3.5`). */
export function isDecimal(s: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(s.trim());
}

/** What a person typed as an amount, as the backend wants it: trimmed, a comma read as the point, no spaces. */
export function normaliseDecimal(s: string): string {
  return s.trim().replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
}

/** `amount` rounded to the minor unit of `currency`, half away from zero, with that many decimals. */
export function roundMoney(amount: Big, currency: string): string {
  return amount.round(minorUnit(currency), Big.roundHalfUp).toFixed(minorUnit(currency));
}

/** Quantity × unit cost, exact; null when either is not a decimal number. */
export function lineAmount(quantity: string, unitCost: string): Big | null {
  const q = normaliseDecimal(quantity);
  const c = normaliseDecimal(unitCost);
  if (!isDecimal(q) || !isDecimal(c)) return null;
  return new Big(q).times(new Big(c));
}

/** A reported amount with its currency, digits grouped for reading: `1 800.00 CNY` → `1,800.00 CNY` in English. */
export function showMoney(amount: string, currency: string, locale = 'en'): string {
  const neg = amount.startsWith('-');
  const [int, frac] = amount.replace('-', '').split('.');
  const group = new Intl.NumberFormat(locale).formatToParts(1000).find((p) => p.type === 'group')?.value ?? ',';
  const dec = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${neg ? '-' : ''}${grouped}${frac !== undefined ? dec + frac : ''} ${currency}`;
}

/** A missing exchange rate, named the way the backend names it. */
export class MissingRate extends Error {
  constructor(readonly currency: string) {
    super(`the survey has no exchange rate for ${currency}; set how many ${currency} buy one USD`);
  }
}

/** Exchange rates as units per USD (USD is 1). */
export function rateTable(rates: readonly ExchangeRate[]): Map<string, Big> {
  const m = new Map<string, Big>([['USD', new Big(1)]]);
  for (const r of rates) {
    const v = normaliseDecimal(r.per_usd);
    if (isDecimal(v) && new Big(v).gt(0)) m.set(r.currency.trim().toUpperCase(), new Big(v));
  }
  return m;
}

/** `amount` in `from` as `to`, exact: amount × per_usd(to) / per_usd(from). */
export function convert(amount: Big, from: string, to: string, rates: Map<string, Big>): Big {
  if (from === to) return amount;
  const a = rates.get(from);
  if (!a) throw new MissingRate(from);
  const b = rates.get(to);
  if (!b) throw new MissingRate(to);
  const dp = Big.DP;
  Big.DP = 28;
  try {
    return amount.times(b).div(a);
  } finally {
    Big.DP = dp;
  }
}

/** Currencies used by `lines` (and the reporting currency) that have no rate. */
export function missingRates(lines: readonly { currency: string }[], rates: readonly ExchangeRate[], reporting: string | null): string[] {
  if (!reporting) return [];
  const table = rateTable(rates);
  const used = new Set(lines.map((l) => l.currency));
  if (used.size === 0) return [];
  used.add(reporting);
  return [...used].filter((c) => !table.has(c)).sort();
}

interface Acc {
  planned: Big;
  actual: Big;
  lines: number;
  missing: number;
}
const acc = (): Acc => ({ planned: new Big(0), actual: new Big(0), lines: 0, missing: 0 });
function add(a: Acc, planned: Big, actual: Big | null) {
  a.planned = a.planned.plus(planned);
  a.lines += 1;
  if (actual) a.actual = a.actual.plus(actual);
  else a.missing += 1;
}
function report(a: Acc, key: string, currency: string): Total {
  return {
    key,
    currency,
    amounts: { planned: roundMoney(a.planned, currency), actual: roundMoney(a.actual, currency), lines: a.lines, lines_without_actual: a.missing },
  };
}
const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

/** Totals per currency and, given a reporting currency, per category and overall in it. */
export function summarise(lines: readonly BudgetLine[], rates: readonly ExchangeRate[], reporting: string | null): BudgetSummary {
  const table = rateTable(rates);
  const perCurrency = new Map<string, Acc>();
  const perCategory = new Map<string, Acc>();
  const all = acc();
  for (const l of lines) {
    const planned = lineAmount(l.quantity, l.unit_cost) ?? new Big(0);
    const a = l.actual && l.actual.trim() && isDecimal(normaliseDecimal(l.actual)) ? new Big(normaliseDecimal(l.actual)) : null;
    if (!perCurrency.has(l.currency)) perCurrency.set(l.currency, acc());
    add(perCurrency.get(l.currency)!, planned, a);
    if (reporting) {
      const p = convert(planned, l.currency, reporting, table);
      const x = a ? convert(a, l.currency, reporting, table) : null;
      if (!perCategory.has(l.category)) perCategory.set(l.category, acc());
      add(perCategory.get(l.category)!, p, x);
      add(all, p, x);
    }
  }
  return {
    lines: lines.length,
    per_currency: byKey(perCurrency).map(([c, a]) => report(a, c, c)),
    per_category: reporting ? byKey(perCategory).map(([k, a]) => report(a, k, reporting)) : [],
    reporting: reporting ? report(all, 'total', reporting) : null,
  };
}
