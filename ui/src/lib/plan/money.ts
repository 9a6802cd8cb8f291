// Budget arithmetic in exact decimals (dnum: a bigint and a count of decimals, no prototype
// patching), by the backend's rule: amounts stay exact while they are summed and converted; a
// reported total is rounded once, half away from zero, to the minor unit of its currency
// (2 decimals for CNY, RUB and USD; 0 for MNT and KZT).
import * as dn from 'dnum';
import type { BudgetLine, BudgetSummary, ExchangeRate, Total } from '../bindings/core';

/** An exact decimal amount. */
export type Amount = dn.Dnum;

/** Decimal places kept by a conversion (as many as the backend's decimal type carries). */
const CONVERSION_PLACES = 28;

/** `a + b`, exact (dnum would otherwise keep only the first operand's decimals). */
function plus(a: Amount, b: Amount): Amount {
  return dn.add(a, b, Math.max(a[1], b[1]));
}

/** `a × b`, exact. */
function times(a: Amount, b: Amount): Amount {
  return dn.multiply(a, b, a[1] + b[1]);
}

/** An amount written out in full, without trailing zeros (`0.3`, `100`). */
export function decimalText(amount: Amount): string {
  return dn.toString(amount);
}

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
export function roundMoney(amount: Amount, currency: string): string {
  const places = minorUnit(currency);
  return dn.toString(dn.setDecimals(amount, places, { rounding: 'ROUND_HALF' }), { digits: places, trailingZeros: true });
}

/** Quantity × unit cost, exact; null when either is not a decimal number. */
export function lineAmount(quantity: string, unitCost: string): Amount | null {
  const q = normaliseDecimal(quantity);
  const c = normaliseDecimal(unitCost);
  if (!isDecimal(q) || !isDecimal(c)) return null;
  return times(dn.from(q), dn.from(c));
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
export function rateTable(rates: readonly ExchangeRate[]): Map<string, Amount> {
  const m = new Map<string, Amount>([['USD', dn.from(1)]]);
  for (const r of rates) {
    const v = normaliseDecimal(r.per_usd);
    if (isDecimal(v) && dn.greaterThan(dn.from(v), 0)) m.set(r.currency.trim().toUpperCase(), dn.from(v));
  }
  return m;
}

/** `amount` in `from` as `to`, exact: amount × per_usd(to) / per_usd(from). */
export function convert(amount: Amount, from: string, to: string, rates: Map<string, Amount>): Amount {
  if (from === to) return amount;
  const a = rates.get(from);
  if (!a) throw new MissingRate(from);
  const b = rates.get(to);
  if (!b) throw new MissingRate(to);
  return dn.divide(times(amount, b), a, { decimals: CONVERSION_PLACES, rounding: 'ROUND_HALF' });
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
  planned: Amount;
  actual: Amount;
  lines: number;
  missing: number;
}
const acc = (): Acc => ({ planned: dn.from(0), actual: dn.from(0), lines: 0, missing: 0 });
function add(a: Acc, planned: Amount, actual: Amount | null) {
  a.planned = plus(a.planned, planned);
  a.lines += 1;
  if (actual) a.actual = plus(a.actual, actual);
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
    const planned = lineAmount(l.quantity, l.unit_cost) ?? dn.from(0);
    const a = l.actual && l.actual.trim() && isDecimal(normaliseDecimal(l.actual)) ? dn.from(normaliseDecimal(l.actual)) : null;
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
