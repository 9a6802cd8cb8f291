//! Visits as a field team runs them: one is started when the team begins sampling and ended when
//! it stops; sightings logged in between belong to it. A visit is an ordinary record, so the open
//! one is simply this laptop's visit without an end time, and it survives a restart or a crash.
//!
//! Effort is worked out here, from the record alone: the duration from start to end, and the
//! distance along the visit's own GPS track or, without one, along the planned route it walked.
//! A visit can also be made afterwards from a GPX track (start and end from the first and last
//! point times).

use crate::model::{Body, Kind, Route, Visit, Waypoint};
use crate::planning::{gpx, length_km};
use crate::{Error, Result, Saved, Store};
use chrono::{DateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use std::io::Read;
use ts_rs::TS;

/// Where a visit's distance comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DistanceSource {
    /// The visit's own GPS track.
    Track,
    /// The length of the planned route the visit followed.
    Route,
}

/// A visit's effort, computed from its record.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Effort {
    /// Hours from start to end; absent while the visit is open.
    pub hours: Option<f64>,
    /// Kilometres walked or driven; absent without a track or a route.
    pub km: Option<f64>,
    pub distance_from: Option<DistanceSource>,
}

/// A visit with its id and effort, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VisitSummary {
    pub id: String,
    pub rev_id: String,
    pub conflict: bool,
    /// No end time yet.
    pub open: bool,
    pub visit: Visit,
    pub effort: Effort,
}

/// What a person gives when starting a visit.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct VisitStart {
    pub survey: Option<String>,
    pub site: Option<String>,
    pub route: Option<String>,
    pub protocol: String,
    pub observers: Vec<String>,
    /// RFC 3339 with the team's offset; now when absent.
    pub start: Option<String>,
    pub weather: Option<String>,
}

/// Now, with this computer's UTC offset, to the second.
pub fn now() -> String {
    chrono::Local::now()
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The effort of `v`, with `route` the body of its route when it has one.
pub fn effort_of(v: &Visit, route: Option<&Route>) -> Effort {
    let hours = v.end.as_deref().and_then(|end| {
        let a = DateTime::parse_from_rfc3339(&v.start).ok()?;
        let b = DateTime::parse_from_rfc3339(end).ok()?;
        Some((b - a).num_seconds().max(0) as f64 / 3600.0)
    });
    let (km, distance_from) = if v.track.len() >= 2 {
        (Some(length_km(&v.track)), Some(DistanceSource::Track))
    } else if let Some(r) = route.filter(|r| r.waypoints.len() >= 2) {
        (Some(length_km(&r.waypoints)), Some(DistanceSource::Route))
    } else {
        (None, None)
    };
    Effort {
        hours,
        km,
        distance_from,
    }
}

/// The effort of `v`, looking its route up in `store`.
pub fn effort(store: &Store, v: &Visit) -> Result<Effort> {
    let route = match &v.route {
        Some(id) => match store.get(id)?.and_then(|c| c.body) {
            Some(Body::Route(r)) => Some(r),
            _ => None,
        },
        None => None,
    };
    Ok(effort_of(v, route.as_ref()))
}

/// The effort value and unit a visit records: the distance in km when there is one (what a
/// transect count is normalised by), else the duration in hours.
pub fn recorded_effort(e: &Effort) -> Option<(f64, &'static str)> {
    // Metre and second resolution: GPS noise and clocks are coarser than that.
    match (e.km, e.hours) {
        (Some(km), _) => Some(((km * 1000.0).round() / 1000.0, "km")),
        (None, Some(h)) => Some(((h * 1000.0).round() / 1000.0, "h")),
        _ => None,
    }
}

fn summary(store: &Store, c: crate::Current) -> Result<Option<VisitSummary>> {
    let Some(Body::Visit(v)) = c.body else {
        return Ok(None);
    };
    let effort = effort(store, &v)?;
    Ok(Some(VisitSummary {
        id: c.id,
        rev_id: c.rev_id,
        conflict: c.conflict,
        open: v.end.is_none(),
        visit: v,
        effort,
    }))
}

/// Every live visit (of one survey, when given), newest start first.
pub fn list(store: &Store, survey: Option<&str>) -> Result<Vec<VisitSummary>> {
    let mut out = Vec::new();
    for c in store.list(Kind::Visit)? {
        if let Some(s) = summary(store, c)? {
            if survey.is_none() || s.visit.survey.as_deref() == survey {
                out.push(s);
            }
        }
    }
    let instant = |s: &VisitSummary| DateTime::parse_from_rfc3339(&s.visit.start).ok();
    out.sort_by(|a, b| instant(b).cmp(&instant(a)).then(b.id.cmp(&a.id)));
    Ok(out)
}

/// The visit open on this laptop: started here and not ended. Visits other laptops started stay
/// theirs to end, so a team's open visits never block each other after a sync.
pub fn open_visit(store: &Store) -> Result<Option<VisitSummary>> {
    for c in store.list(Kind::Visit)? {
        if !matches!(&c.body, Some(Body::Visit(v)) if v.end.is_none()) {
            continue;
        }
        let first = store.history(&c.id)?.into_iter().next();
        if first.is_some_and(|r| r.device_id == store.device_id()) {
            return summary(store, c);
        }
    }
    Ok(None)
}

fn expect_kind(store: &Store, field: &str, id: &str, kind: Kind) -> Result<Option<Body>> {
    match store.get(id)?.and_then(|c| c.body) {
        Some(b) if b.kind() == kind => Ok(Some(b)),
        _ => Err(Error::invalid(
            field,
            "unknown",
            format!("there is no {} {id}", kind.as_str().replace('_', " ")),
        )),
    }
}

/// Starts a visit on this laptop. Refused while another visit is open here.
pub fn start(store: &mut Store, s: VisitStart) -> Result<Saved> {
    if let Some(open) = open_visit(store)? {
        return Err(Error::invalid(
            "visit",
            "already_open",
            format!(
                "visit {} started at {} is still open; end it before starting another",
                open.id, open.visit.start
            ),
        ));
    }
    let mut errs = Vec::new();
    let protocol = s.protocol.trim().to_string();
    if protocol.is_empty() {
        errs.push(crate::validate::FieldError::new(
            "protocol",
            "required",
            "say how the team samples (transect, point count, trap line, ...)",
        ));
    }
    let observers: Vec<String> = s
        .observers
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if observers.is_empty() {
        errs.push(crate::validate::FieldError::new(
            "observers",
            "required",
            "name at least one observer",
        ));
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let clean = |v: Option<String>| v.map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
    let (mut survey, site, route) = (clean(s.survey), clean(s.site), clean(s.route));
    if let Some(id) = &survey {
        expect_kind(store, "survey", id, Kind::Survey)?;
    }
    if let Some(id) = &site {
        expect_kind(store, "site", id, Kind::Site)?;
    }
    if let Some(id) = &route {
        if let Some(Body::Route(r)) = expect_kind(store, "route", id, Kind::Route)? {
            match &survey {
                // A route belongs to one survey; walking it is sampling for that survey.
                None => survey = Some(r.survey.clone()),
                Some(sv) if *sv != r.survey => {
                    return Err(Error::invalid(
                        "route",
                        "other_survey",
                        format!("route {} belongs to another survey", r.name),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    let visit = Visit {
        survey,
        site,
        route,
        start: clean(s.start).unwrap_or_else(now),
        end: None,
        observers,
        protocol: Some(protocol),
        effort_value: None,
        effort_unit: None,
        weather: clean(s.weather),
        track: vec![],
    };
    store.create(&Body::Visit(visit))
}

/// Ends the visit open on this laptop at `at` (now when absent) and records its effort.
pub fn end(store: &mut Store, at: Option<&str>) -> Result<Saved> {
    let Some(open) = open_visit(store)? else {
        return Err(Error::invalid(
            "visit",
            "none_open",
            "no visit is open on this laptop",
        ));
    };
    let mut v = open.visit;
    v.end = Some(at.map_or_else(now, |t| t.trim().to_string()));
    if let Some((value, unit)) = recorded_effort(&effort(store, &v)?) {
        v.effort_value = Some(value);
        v.effort_unit = Some(unit.into());
    }
    // validate() refuses an end before the start, naming the field; nothing is written then.
    store.update(&open.id, &open.rev_id, &Body::Visit(v))
}

/// Makes one finished visit per track of a GPX file: start and end from the first and last point
/// times, the track kept with the visit, the distance along it as effort. All or nothing.
pub fn from_gpx(
    store: &mut Store,
    reader: impl Read,
    survey: Option<&str>,
    protocol: Option<&str>,
    observers: &[String],
) -> Result<Vec<String>> {
    if let Some(id) = survey {
        expect_kind(store, "survey", id, Kind::Survey)?;
    }
    let data = gpx::read(reader)?;
    if data.tracks.is_empty() {
        return Err(Error::invalid(
            "file",
            "no_tracks",
            "the GPX file has no tracks; record the walk as a track on the GPS unit",
        ));
    }
    let mut bodies = Vec::new();
    for (i, t) in data.tracks.iter().enumerate() {
        let label = t.name.clone().unwrap_or_else(|| (i + 1).to_string());
        let Some((a, b)) = t.span() else {
            return Err(Error::invalid(
                "file",
                "no_times",
                format!(
                    "track {label} has no point times, so the visit's start and end are unknown; \
                     export the track with times from the GPS unit"
                ),
            ));
        };
        let points: Vec<Waypoint> = t.segments.iter().flatten().cloned().collect();
        let mut v = Visit {
            survey: survey.map(str::to_string),
            site: None,
            route: None,
            start: a.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            end: Some(b.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            observers: observers.to_vec(),
            protocol: protocol.map(str::to_string),
            effort_value: None,
            effort_unit: None,
            weather: None,
            track: points,
        };
        // Distance within segments only: a gap in reception adds no distance.
        let km = t.km();
        let mut e = effort_of(&v, None);
        e.km = Some(km);
        if let Some((value, unit)) = recorded_effort(&e) {
            v.effort_value = Some(value);
            v.effort_unit = Some(unit.into());
        }
        bodies.push(Body::Visit(v));
    }
    let mut batch = store.batch()?;
    let mut ids = Vec::new();
    for b in &bodies {
        ids.push(batch.create(b)?.id);
    }
    batch.commit()?;
    Ok(ids)
}
