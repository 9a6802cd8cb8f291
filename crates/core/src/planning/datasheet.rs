//! The country data-sheet dashboard: per country, records collected, the next submission
//! deadline, and where that deadline stands.

use super::bodies;
use crate::model::{Body, Country, Deadline, Kind};
use crate::validate::parse_date;
use crate::{Result, Store};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// Days before a deadline from which a data sheet counts as due.
pub const DUE_WITHIN_DAYS: i64 = 14;

/// Where a country's data sheet stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SheetStatus {
    /// The next deadline is more than 14 days away, or none is set.
    OnTrack,
    /// The next deadline is today or within 14 days.
    Due,
    /// The next unsubmitted deadline has passed.
    Overdue,
    /// Every deadline has been submitted.
    Submitted,
}

/// One row of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CountrySheet {
    pub country: Country,
    /// Observations whose site (or whose visit's site) is in this country.
    pub records: usize,
    /// The earliest unsubmitted deadline, or the last submitted one when all are in.
    pub next_deadline: Option<Deadline>,
    pub status: SheetStatus,
}

/// Status of a country's deadlines on `today`.
pub fn status(deadlines: &[Deadline], today: NaiveDate) -> (Option<Deadline>, SheetStatus) {
    let day = |d: &Deadline| parse_date("due", &d.due).ok();
    let mut open: Vec<&Deadline> = deadlines.iter().filter(|d| !d.submitted).collect();
    open.sort_by_key(|d| day(d));
    if let Some(next) = open.first() {
        let st = match day(next) {
            Some(due) if due < today => SheetStatus::Overdue,
            Some(due) if (due - today).num_days() <= DUE_WITHIN_DAYS => SheetStatus::Due,
            _ => SheetStatus::OnTrack,
        };
        return (Some((*next).clone()), st);
    }
    match deadlines.iter().max_by_key(|d| day(d)) {
        Some(last) => (Some(last.clone()), SheetStatus::Submitted),
        None => (None, SheetStatus::OnTrack),
    }
}

/// The dashboard for every country, as of `today`.
pub fn dashboard(store: &Store, today: NaiveDate) -> Result<Vec<CountrySheet>> {
    let mut site_country = HashMap::new();
    for (id, b) in bodies(store, Kind::Site)? {
        if let Body::Site(s) = b {
            site_country.insert(id, s.country);
        }
    }
    let mut visit_site = HashMap::new();
    for (id, b) in bodies(store, Kind::Visit)? {
        if let Body::Visit(v) = b {
            if let Some(s) = v.site {
                visit_site.insert(id, s);
            }
        }
    }
    let mut records: HashMap<Country, usize> = HashMap::new();
    for (_, b) in bodies(store, Kind::Observation)? {
        let Body::Observation(o) = b else { continue };
        let site = o
            .site
            .or_else(|| o.visit.and_then(|v| visit_site.get(&v).cloned()));
        if let Some(c) = site.and_then(|s| site_country.get(&s).copied()) {
            *records.entry(c).or_default() += 1;
        }
    }
    let mut deadlines: HashMap<Country, Vec<Deadline>> = HashMap::new();
    for (_, b) in bodies(store, Kind::Checklist)? {
        if let Body::Checklist(c) = b {
            deadlines.entry(c.country).or_default().extend(c.deadlines);
        }
    }
    Ok(Country::ALL
        .into_iter()
        .map(|country| {
            let (next_deadline, status) = status(
                deadlines.get(&country).map_or(&[][..], |v| v.as_slice()),
                today,
            );
            CountrySheet {
                country,
                records: records.get(&country).copied().unwrap_or(0),
                next_deadline,
                status,
            }
        })
        .collect())
}
