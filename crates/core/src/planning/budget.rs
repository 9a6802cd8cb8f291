//! Budget arithmetic in exact decimals (`rust_decimal`); money never passes through a float.
//!
//! **Rounding rule.** Line totals (quantity × unit cost) and conversions are kept exact (28
//! significant digits). Rounding happens once, when a total is reported: each reported total is
//! rounded half away from zero ("half-up", as on a paper ledger) to the minor unit of its
//! currency: 2 decimals for CNY, RUB and USD; 0 for MNT and KZT, whose subunits (möngö, tiyn) are
//! not used in practice. Sums are taken before rounding, so a total is never the sum of rounded
//! parts.
//!
//! **Conversion.** A survey's [`ExchangeRate`]s say how many units of a currency buy one US
//! dollar (USD is 1 by definition). An amount in currency A is worth `amount / per_usd(A) ×
//! per_usd(C)` in currency C.

use super::bodies;
use crate::model::{Body, BudgetLine, ExchangeRate, Kind};
use crate::{Error, Result, Store};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use ts_rs::TS;

/// The currencies a budget line may use.
pub const CURRENCIES: [&str; 5] = ["CNY", "MNT", "RUB", "KZT", "USD"];

/// Decimal places a reported amount in `currency` is rounded to.
pub fn minor_unit(currency: &str) -> u32 {
    match currency {
        "MNT" | "KZT" => 0,
        _ => 2,
    }
}

/// Rounds `amount` to the minor unit of `currency`, half away from zero.
/// The result always carries exactly that many decimals, so `1800` CNY prints as `1800.00`.
pub fn round_money(amount: Decimal, currency: &str) -> Decimal {
    let mut r =
        amount.round_dp_with_strategy(minor_unit(currency), RoundingStrategy::MidpointAwayFromZero);
    r.rescale(minor_unit(currency));
    r
}

/// Parses a decimal string from a record, naming the field when it is not one.
pub fn parse_decimal(field: &str, s: &str) -> Result<Decimal> {
    Decimal::from_str(s.trim()).map_err(|_| {
        Error::invalid(
            field,
            "format",
            format!("'{s}' is not a decimal number like 1250.50"),
        )
    })
}

/// Planned cost of a line: quantity × unit cost, exact.
pub fn line_total(line: &BudgetLine) -> Result<Decimal> {
    let q = parse_decimal("quantity", &line.quantity)?;
    let c = parse_decimal("unit_cost", &line.unit_cost)?;
    q.checked_mul(c).ok_or_else(|| {
        Error::invalid(
            "quantity",
            "overflow",
            format!("{} × {} is too large", line.quantity, line.unit_cost),
        )
    })
}

/// Exchange rates of one survey, checked.
#[derive(Debug, Clone)]
pub struct Rates {
    per_usd: BTreeMap<String, Decimal>,
}

impl Rates {
    /// Reads and checks the rates (positive decimals, known currencies).
    pub fn new(rates: &[ExchangeRate]) -> Result<Rates> {
        let mut per_usd = BTreeMap::from([("USD".to_string(), Decimal::ONE)]);
        for r in rates {
            let code = r.currency.trim().to_ascii_uppercase();
            if !CURRENCIES.contains(&code.as_str()) {
                return Err(Error::invalid(
                    "exchange_rates.currency",
                    "unknown_currency",
                    format!(
                        "currency '{}' is not one of {}",
                        r.currency,
                        CURRENCIES.join(", ")
                    ),
                ));
            }
            let v = parse_decimal("exchange_rates.per_usd", &r.per_usd)?;
            if v <= Decimal::ZERO {
                return Err(Error::invalid(
                    "exchange_rates.per_usd",
                    "positive",
                    format!(
                        "the rate for {code} must be more than zero, not {}",
                        r.per_usd
                    ),
                ));
            }
            per_usd.insert(code, v);
        }
        Ok(Rates { per_usd })
    }

    /// Converts `amount` from currency `from` to `to`, exactly (not rounded).
    pub fn convert(&self, amount: Decimal, from: &str, to: &str) -> Result<Decimal> {
        if from == to {
            return Ok(amount);
        }
        let rate = |c: &str| {
            self.per_usd.get(c).copied().ok_or_else(|| {
                Error::invalid(
                    "exchange_rates",
                    "missing_rate",
                    format!(
                        "the survey has no exchange rate for {c}; set how many {c} buy one USD"
                    ),
                )
            })
        };
        let (a, b) = (rate(from)?, rate(to)?);
        // Multiply first so that a rate that divides evenly stays exact.
        amount
            .checked_mul(b)
            .and_then(|x| x.checked_div(a))
            .ok_or_else(|| Error::invalid("exchange_rates", "overflow", "amount too large"))
    }
}

/// Planned and actual amounts, rounded for reporting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Amounts {
    /// Planned (quantity × unit cost).
    #[ts(type = "string")]
    pub planned: Decimal,
    /// Actually spent, over the lines that have an actual figure.
    #[ts(type = "string")]
    pub actual: Decimal,
    /// Lines totalled, and those without an actual figure yet.
    pub lines: usize,
    pub lines_without_actual: usize,
}

/// One row of a per-category or per-currency table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Total {
    /// The category or currency this row totals.
    pub key: String,
    pub currency: String,
    pub amounts: Amounts,
}

/// A survey's budget summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BudgetSummary {
    pub lines: usize,
    /// Per currency, in that currency.
    pub per_currency: Vec<Total>,
    /// Per category, in the reporting currency (absent when no reporting currency was given).
    pub per_category: Vec<Total>,
    /// Everything in the reporting currency.
    pub reporting: Option<Total>,
}

#[derive(Default, Clone, Copy)]
struct Acc {
    planned: Decimal,
    actual: Decimal,
    lines: usize,
    missing: usize,
}

impl Acc {
    fn add(&mut self, planned: Decimal, actual: Option<Decimal>) {
        self.planned += planned;
        self.lines += 1;
        match actual {
            Some(a) => self.actual += a,
            None => self.missing += 1,
        }
    }
    fn report(self, key: &str, currency: &str) -> Total {
        Total {
            key: key.to_string(),
            currency: currency.to_string(),
            amounts: Amounts {
                planned: round_money(self.planned, currency),
                actual: round_money(self.actual, currency),
                lines: self.lines,
                lines_without_actual: self.missing,
            },
        }
    }
}

/// The budget lines of survey `survey`.
pub fn lines(store: &Store, survey: &str) -> Result<Vec<(String, BudgetLine)>> {
    Ok(bodies(store, Kind::BudgetLine)?
        .into_iter()
        .filter_map(|(id, b)| match b {
            Body::BudgetLine(l) if l.survey == survey => Some((id, l)),
            _ => None,
        })
        .collect())
}

/// Totals `lines` per currency, and, given a reporting currency, per category and overall in it.
pub fn summarise(
    lines: &[BudgetLine],
    rates: &Rates,
    reporting: Option<&str>,
) -> Result<BudgetSummary> {
    let mut per_currency: BTreeMap<String, Acc> = BTreeMap::new();
    let mut per_category: BTreeMap<String, Acc> = BTreeMap::new();
    let mut all = Acc::default();
    for l in lines {
        let planned = line_total(l)?;
        let actual = l
            .actual
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(|a| parse_decimal("actual", a))
            .transpose()?;
        per_currency
            .entry(l.currency.clone())
            .or_default()
            .add(planned, actual);
        if let Some(to) = reporting {
            let p = rates.convert(planned, &l.currency, to)?;
            let a = actual
                .map(|a| rates.convert(a, &l.currency, to))
                .transpose()?;
            per_category
                .entry(l.category.clone())
                .or_default()
                .add(p, a);
            all.add(p, a);
        }
    }
    Ok(BudgetSummary {
        lines: lines.len(),
        per_currency: per_currency.iter().map(|(c, a)| a.report(c, c)).collect(),
        per_category: reporting
            .map(|to| per_category.iter().map(|(k, a)| a.report(k, to)).collect())
            .unwrap_or_default(),
        reporting: reporting.map(|to| all.report("total", to)),
    })
}

/// The budget summary of a stored survey, in `reporting` currency when given.
pub fn survey_budget(
    store: &Store,
    survey: &str,
    reporting: Option<&str>,
) -> Result<BudgetSummary> {
    let s = super::survey(store, survey)?;
    let rates = Rates::new(&s.exchange_rates)?;
    let reporting = reporting.map(|c| c.trim().to_ascii_uppercase());
    if let Some(c) = &reporting {
        if !CURRENCIES.contains(&c.as_str()) {
            return Err(Error::invalid(
                "currency",
                "unknown_currency",
                format!("currency '{c}' is not one of {}", CURRENCIES.join(", ")),
            ));
        }
    }
    let lines: Vec<BudgetLine> = lines(store, survey)?.into_iter().map(|(_, l)| l).collect();
    summarise(&lines, &rates, reporting.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_the_minor_unit() {
        assert_eq!(round_money(d("10.005"), "USD"), d("10.01"));
        assert_eq!(round_money(d("10.004"), "USD"), d("10.00"));
        assert_eq!(round_money(d("-10.005"), "CNY"), d("-10.01"));
        assert_eq!(round_money(d("1500.5"), "MNT"), d("1501"));
        assert_eq!(round_money(d("1500.49"), "KZT"), d("1500"));
        assert_eq!(
            round_money(d("2.5"), "MNT"),
            d("3"),
            "not banker's rounding"
        );
    }
}
