//! Validation errors that name the field and the rule, and the checks on record bodies.
//!
//! Messages are English; the UI translates by `rule` and shows `field` beside the input.

use crate::coords::check_range;
use crate::model::*;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One failed rule on one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The body field (`lat`, `count`, `observed_at`, ...).
    pub field: String,
    /// The rule code (`range`, `required`, `negative`, `order`, `format`, `unknown_taxon`, ...).
    pub rule: String,
    /// English explanation with the offending value.
    pub message: String,
}

impl FieldError {
    /// Makes an error for `field` breaking `rule`.
    pub fn new(field: &str, rule: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            rule: rule.to_string(),
            message: message.into(),
        }
    }
}

/// Parses an RFC 3339 time with its offset (`2026-06-01T07:30:00+08:00`).
pub fn parse_time(field: &str, s: &str) -> Result<DateTime<FixedOffset>, FieldError> {
    DateTime::parse_from_rfc3339(s.trim()).map_err(|e| {
        FieldError::new(
            field,
            "format",
            format!(
                "'{s}' is not a date and time with offset like 2026-06-01T07:30:00+08:00 ({e})"
            ),
        )
    })
}

/// Parses a calendar date (`2026-06-01`).
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "format",
            format!("'{s}' is not a date like 2026-06-01"),
        )
    })
}

fn opt_date(errs: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<NaiveDate> {
    v.as_deref()
        .and_then(|s| parse_date(field, s).map_err(|e| errs.push(e)).ok())
}

fn required(errs: &mut Vec<FieldError>, field: &str, v: &str) {
    if v.trim().is_empty() {
        errs.push(FieldError::new(
            field,
            "required",
            format!("{field} is required"),
        ));
    }
}

fn position(errs: &mut Vec<FieldError>, lat: f64, lon: f64) {
    if let Err(e) = check_range(lat, lon) {
        errs.push(e);
    }
}

fn non_negative(errs: &mut Vec<FieldError>, field: &str, v: Option<f64>) {
    if let Some(v) = v {
        if !v.is_finite() || v < 0.0 {
            errs.push(FieldError::new(
                field,
                "negative",
                format!("{field} must be zero or more, not {v}"),
            ));
        }
    }
}

fn decimal(errs: &mut Vec<FieldError>, field: &str, v: &str) {
    let ok = {
        let t = v.trim();
        let t = t.strip_prefix('-').unwrap_or(t);
        let mut parts = t.split('.');
        let int = parts.next().unwrap_or("");
        let frac = parts.next();
        parts.next().is_none()
            && !int.is_empty()
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
    };
    if !ok {
        errs.push(FieldError::new(
            field,
            "format",
            format!("'{v}' is not a decimal number like 1250.50"),
        ));
    }
}

fn order_dates(
    errs: &mut Vec<FieldError>,
    field: &str,
    a: Option<NaiveDate>,
    b: Option<NaiveDate>,
) {
    if let (Some(a), Some(b)) = (a, b) {
        if b < a {
            errs.push(FieldError::new(
                field,
                "order",
                format!("{field} {b} is before the start {a}"),
            ));
        }
    }
}

/// Checks a body on its own (references to other records are checked by the store).
pub fn validate(body: &Body) -> Result<(), Vec<FieldError>> {
    let mut e = Vec::new();
    match body {
        Body::Taxon(t) => {
            required(&mut e, "scientific_name", &t.scientific_name);
            required(&mut e, "rank", &t.rank);
        }
        Body::Checklist(c) => {
            for d in &c.deadlines {
                required(&mut e, "deadlines.title", &d.title);
                opt_date(&mut e, "deadlines.due", &Some(d.due.clone()));
            }
        }
        Body::ProtectedArea(p) => {
            required(&mut e, "name_en", &p.name_en);
            position(&mut e, p.lat, p.lon);
            non_negative(&mut e, "area_km2", p.area_km2);
            opt_date(&mut e, "agreement_date", &p.agreement_date);
        }
        Body::Site(s) => {
            required(&mut e, "name", &s.name);
            position(&mut e, s.lat, s.lon);
            non_negative(&mut e, "uncertainty_m", s.uncertainty_m);
        }
        Body::Person(p) => required(&mut e, "name", &p.name),
        Body::Survey(s) => {
            required(&mut e, "title", &s.title);
            let a = opt_date(&mut e, "start_date", &s.start_date);
            let b = opt_date(&mut e, "end_date", &s.end_date);
            order_dates(&mut e, "end_date", a, b);
        }
        Body::Route(r) => {
            required(&mut e, "name", &r.name);
            for w in &r.waypoints {
                position(&mut e, w.lat, w.lon);
            }
            opt_date(&mut e, "planned_date", &r.planned_date);
        }
        Body::Assignment(a) => {
            required(&mut e, "role", &a.role);
            let f = opt_date(&mut e, "from", &a.from);
            let t = opt_date(&mut e, "to", &a.to);
            order_dates(&mut e, "to", f, t);
        }
        Body::BudgetLine(b) => {
            required(&mut e, "category", &b.category);
            decimal(&mut e, "quantity", &b.quantity);
            decimal(&mut e, "unit_cost", &b.unit_cost);
            if !["CNY", "MNT", "RUB", "KZT", "USD"].contains(&b.currency.as_str()) {
                e.push(FieldError::new(
                    "currency",
                    "unknown_currency",
                    format!(
                        "currency '{}' is not one of CNY, MNT, RUB, KZT, USD",
                        b.currency
                    ),
                ));
            }
        }
        Body::Visit(v) => {
            let start = parse_time("start", &v.start).map_err(|x| e.push(x)).ok();
            if let Some(end) = &v.end {
                if let Ok(end) = parse_time("end", end).map_err(|x| e.push(x.clone())) {
                    if let Some(start) = start {
                        if end < start {
                            e.push(FieldError::new(
                                "end",
                                "order",
                                "the end is before the start",
                            ));
                        }
                    }
                }
            }
            non_negative(&mut e, "effort_value", v.effort_value);
            for w in &v.track {
                position(&mut e, w.lat, w.lon);
            }
        }
        Body::Observation(o) => validate_observation(o, &mut e),
        Body::Sample(s) => {
            required(&mut e, "barcode", &s.barcode);
            required(&mut e, "sample_type", &s.sample_type);
            if let Err(x) = parse_time("collected_at", &s.collected_at) {
                e.push(x);
            }
        }
        Body::CooperationAction(c) => {
            required(&mut e, "title", &c.title);
            opt_date(&mut e, "due", &c.due);
        }
        Body::Shipment(s) => validate_shipment(s, &mut e),
        Body::CustodyTransfer(t) => validate_custody_transfer(t, &mut e),
        Body::SensitivityRule(r) => {
            required(&mut e, "taxon", &r.taxon);
            required(&mut e, "scientific_name", &r.scientific_name);
            if r.action == SensitivityAction::Generalise
                && !r.grid_km.is_some_and(|k| (1..=MAX_GRID_KM).contains(&k))
            {
                e.push(FieldError::new(
                    "grid_km",
                    "range",
                    format!("a generalising rule needs a grid of 1 to {MAX_GRID_KM} km"),
                ));
            }
        }
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(e)
    }
}

/// The coarsest grid a sensitive-species rule may ask for, km.
pub const MAX_GRID_KM: u32 = 500;

fn no_repeats(e: &mut Vec<FieldError>, field: &str, ids: &[String]) {
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = ids.iter().find(|id| !seen.insert(id.as_str())) {
        e.push(FieldError::new(
            field,
            "duplicate",
            format!("{dup} is listed twice"),
        ));
    }
}

fn validate_shipment(s: &Shipment, e: &mut Vec<FieldError>) {
    required(e, "reference", &s.reference);
    required(e, "from", &s.from);
    required(e, "to", &s.to);
    if s.samples.is_empty() {
        e.push(FieldError::new(
            "samples",
            "required",
            "a shipment holds at least one sample",
        ));
    }
    no_repeats(e, "samples", &s.samples);
    let packed = opt_date(e, "packed_on", &s.packed_on);
    let expected = opt_date(e, "expected_on", &s.expected_on);
    order_dates(e, "expected_on", packed, expected);
}

fn validate_custody_transfer(t: &CustodyTransfer, e: &mut Vec<FieldError>) {
    required(e, "to_person", &t.to_person);
    if let Err(x) = parse_time("at", &t.at) {
        e.push(x);
    }
    if t.samples.is_empty() && t.receipt.is_empty() {
        e.push(FieldError::new(
            "samples",
            "required",
            "a transfer concerns at least one sample",
        ));
    }
    no_repeats(e, "samples", &t.samples);
    if let Some(c) = t.temperature_c {
        if !c.is_finite() || !(-273.15..=100.0).contains(&c) {
            e.push(FieldError::new(
                "temperature_c",
                "range",
                format!("{c} °C is not a temperature a sample package can have"),
            ));
        }
    }
    for l in &t.receipt {
        required(e, "receipt.barcode", &l.barcode);
    }
}

fn validate_observation(o: &Observation, e: &mut Vec<FieldError>) {
    if o.taxon.is_none() && o.taxon_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        e.push(FieldError::new(
            "taxon",
            "required",
            "name the species, or write a free-text name if it is not on the checklist",
        ));
    }
    match (o.count, o.count_min, o.count_max) {
        (Some(_), None, None) => {}
        (None, Some(a), Some(b)) => {
            if b < a {
                e.push(FieldError::new(
                    "count_max",
                    "order",
                    format!("the maximum {b} is below the minimum {a}"),
                ));
            }
        }
        (None, None, None) => e.push(FieldError::new(
            "count",
            "required",
            "give a count or a minimum and maximum estimate",
        )),
        _ => e.push(FieldError::new(
            "count",
            "exclusive",
            "give either an exact count or a minimum and maximum, not both",
        )),
    }
    match (o.lat, o.lon) {
        (Some(lat), Some(lon)) => position(e, lat, lon),
        (None, None) => {
            if o.site.is_none() {
                e.push(FieldError::new(
                    "position",
                    "required",
                    "choose a site or give coordinates",
                ));
            }
        }
        _ => e.push(FieldError::new(
            "position",
            "incomplete",
            "give both latitude and longitude",
        )),
    }
    non_negative(e, "uncertainty_m", o.uncertainty_m);
    crate::dates::check(o, e);
}
