//! A survey's progress against its plan: visits done, records collected, effort spent.

use super::{bodies, length_km};
use crate::model::{Body, Kind};
use crate::{Result, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use ts_rs::TS;

/// Progress of one survey.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Progress {
    /// Planned routes, and their total length in km.
    pub routes_planned: usize,
    pub routes_km: f64,
    /// Visits recorded, and those finished (with an end time).
    pub visits: usize,
    pub visits_done: usize,
    /// Observations made on this survey's visits.
    pub records: usize,
    /// Individuals counted (exact counts, or the minimum of an estimate).
    pub individuals: u64,
    /// Effort summed per unit (`km`, `h`, `trap-nights`, ...).
    pub effort: BTreeMap<String, f64>,
    /// Hours in the field, from visits' start and end times.
    pub hours: f64,
    /// People assigned.
    pub team: usize,
}

/// Computes the progress of survey `survey`.
pub fn progress(store: &Store, survey: &str) -> Result<Progress> {
    super::survey(store, survey)?;
    let mut p = Progress {
        routes_planned: 0,
        routes_km: 0.0,
        visits: 0,
        visits_done: 0,
        records: 0,
        individuals: 0,
        effort: BTreeMap::new(),
        hours: 0.0,
        team: 0,
    };
    for (_, b) in bodies(store, Kind::Route)? {
        if let Body::Route(r) = b {
            if r.survey == survey {
                p.routes_planned += 1;
                p.routes_km += length_km(&r.waypoints);
            }
        }
    }
    let mut visits = HashSet::new();
    for (id, b) in bodies(store, Kind::Visit)? {
        let Body::Visit(v) = b else { continue };
        if v.survey.as_deref() != Some(survey) {
            continue;
        }
        visits.insert(id);
        p.visits += 1;
        if let Some(end) = &v.end {
            p.visits_done += 1;
            let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
            if let (Some(a), Some(b)) = (t(&v.start), t(end)) {
                p.hours += (b - a).num_seconds().max(0) as f64 / 3600.0;
            }
        }
        if let (Some(value), Some(unit)) = (v.effort_value, v.effort_unit) {
            *p.effort.entry(unit).or_default() += value;
        }
    }
    for (_, b) in bodies(store, Kind::Observation)? {
        let Body::Observation(o) = b else { continue };
        if o.visit.as_ref().is_some_and(|v| visits.contains(v)) {
            p.records += 1;
            p.individuals += u64::from(o.count.or(o.count_min).unwrap_or(0));
        }
    }
    let mut team = HashSet::new();
    for (_, b) in bodies(store, Kind::Assignment)? {
        if let Body::Assignment(a) = b {
            if a.survey == survey {
                team.insert(a.person);
            }
        }
    }
    p.team = team.len();
    Ok(p)
}
