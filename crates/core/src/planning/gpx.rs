//! GPX 1.1 import and export of a survey's routes, waypoints and tracks.
//!
//! Import: each `<rte>` becomes a route of the survey; loose `<wpt>`s become one route named
//! after the file; each `<trk>` becomes a visit whose track is its points (segments joined),
//! whose start and end are the first and last point times, and whose effort is the distance
//! walked in km (summed within segments, so a gap in reception adds no distance). Hours of effort
//! are the visit's end minus its start. Vendor extensions (Garmin `TrackPointExtension` and the
//! like) are skipped by the parser, so files straight from a handheld unit import.
//!
//! Export: the survey's routes as `<rte>` and its visits' tracks as `<trk>`, times in UTC.

use super::{bodies, length_km};
use crate::model::{Body, Kind, Route, Visit, Waypoint};
use crate::{limits, Error, Result, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{BufReader, Read, Write};
use time::OffsetDateTime;
use ts_rs::TS;

/// What an import created.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "GpxImportSummary")]
pub struct ImportSummary {
    /// Ids of the routes created (GPX routes, then loose waypoints).
    pub routes: Vec<String>,
    /// Ids of the visits created from tracks.
    pub visits: Vec<String>,
    /// Points read, over routes, waypoints and tracks.
    pub points: usize,
    /// Kilometres and hours of the imported tracks.
    pub track_km: f64,
    pub track_hours: f64,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(rename = "GpxExportSummary")]
pub struct ExportSummary {
    pub routes: usize,
    pub tracks: usize,
    pub points: usize,
}

/// A track read from a file, before it is saved.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackData {
    pub name: Option<String>,
    pub segments: Vec<Vec<Waypoint>>,
}

impl TrackData {
    /// Distance along the segments in km.
    pub fn km(&self) -> f64 {
        self.segments.iter().map(|s| length_km(s)).sum()
    }

    /// First and last point times, when the unit recorded times.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let times: Vec<DateTime<Utc>> = self
            .segments
            .iter()
            .flatten()
            .filter_map(|p| p.time.as_deref())
            .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .collect();
        Some((*times.iter().min()?, *times.iter().max()?))
    }

    /// Hours between the first and last point time (0 without times).
    pub fn hours(&self) -> f64 {
        self.span()
            .map_or(0.0, |(a, b)| (b - a).num_seconds() as f64 / 3600.0)
    }
}

/// The content of a GPX file in the app's terms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GpxData {
    pub routes: Vec<(Option<String>, Vec<Waypoint>)>,
    pub waypoints: Vec<Waypoint>,
    pub tracks: Vec<TrackData>,
}

fn to_chrono(t: ::gpx::Time) -> Option<DateTime<Utc>> {
    let ns = OffsetDateTime::from(t).unix_timestamp_nanos();
    let secs = i64::try_from(ns.div_euclid(1_000_000_000)).ok()?;
    DateTime::from_timestamp(secs, ns.rem_euclid(1_000_000_000) as u32)
}

fn to_gpx_time(s: &str) -> Option<::gpx::Time> {
    let t = DateTime::parse_from_rfc3339(s.trim()).ok()?;
    let ns = i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(ns)
        .ok()
        .map(Into::into)
}

fn point(w: &::gpx::Waypoint) -> Waypoint {
    let p = w.point();
    Waypoint {
        name: w.name.clone(),
        lat: p.y(),
        lon: p.x(),
        time: w
            .time
            .and_then(to_chrono)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        ele: w.elevation,
    }
}

fn gpx_point(w: &Waypoint) -> ::gpx::Waypoint {
    let mut g = ::gpx::Waypoint::new(geo_types::Point::new(w.lon, w.lat));
    g.name = w.name.clone();
    g.elevation = w.ele;
    g.time = w.time.as_deref().and_then(to_gpx_time);
    g
}

/// Parses GPX 1.0 or 1.1 from `reader`.
pub fn read(reader: impl Read) -> Result<GpxData> {
    // Parsed whole, so read at most [`limits::MAX_GPX_BYTES`] of it.
    let capped = limits::Capped::new(reader, limits::MAX_GPX_BYTES, "the GPX file");
    let (tripped, refusal) = (capped.tripped(), capped.refusal());
    let g = ::gpx::read(BufReader::new(capped)).map_err(|e| {
        if tripped.load(std::sync::atomic::Ordering::Relaxed) {
            return refusal;
        }
        Error::invalid(
            "file",
            "gpx",
            format!("this is not a GPX file the app can read ({e}); export GPX 1.1 from the GPS unit or its software"),
        )
    })?;
    Ok(GpxData {
        routes: g
            .routes
            .iter()
            .map(|r| (r.name.clone(), r.points.iter().map(point).collect()))
            .collect(),
        waypoints: g.waypoints.iter().map(point).collect(),
        tracks: g
            .tracks
            .iter()
            .map(|t| TrackData {
                name: t.name.clone(),
                segments: t
                    .segments
                    .iter()
                    .map(|s| s.points.iter().map(point).collect::<Vec<_>>())
                    .filter(|s| !s.is_empty())
                    .collect(),
            })
            .filter(|t| !t.segments.is_empty())
            .collect(),
    })
}

/// Imports a GPX file into survey `survey`: routes and waypoints become routes, tracks become
/// visits. `source_name` (the file's name) names the loose waypoints' route. All records are
/// saved in one transaction.
pub fn import(
    store: &mut Store,
    survey: &str,
    reader: impl Read,
    source_name: &str,
) -> Result<ImportSummary> {
    let s = super::survey(store, survey)?;
    let data = read(reader)?;
    if data.routes.is_empty() && data.waypoints.is_empty() && data.tracks.is_empty() {
        return Err(Error::invalid(
            "file",
            "empty",
            "the GPX file has no routes, waypoints or tracks",
        ));
    }
    let mut sum = ImportSummary {
        routes: vec![],
        visits: vec![],
        points: 0,
        track_km: 0.0,
        track_hours: 0.0,
    };
    let mut bodies = Vec::new();
    for (i, (name, points)) in data.routes.into_iter().enumerate() {
        sum.points += points.len();
        bodies.push(Body::Route(Route {
            survey: survey.to_string(),
            name: name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("{source_name} route {}", i + 1)),
            waypoints: points,
            planned_date: None,
            transport: None,
        }));
    }
    let n_routes = bodies.len() + usize::from(!data.waypoints.is_empty());
    if !data.waypoints.is_empty() {
        sum.points += data.waypoints.len();
        bodies.push(Body::Route(Route {
            survey: survey.to_string(),
            name: format!("{source_name} waypoints"),
            waypoints: data.waypoints,
            planned_date: None,
            transport: None,
        }));
    }
    for (i, t) in data.tracks.into_iter().enumerate() {
        let label = t.name.clone().unwrap_or_else(|| (i + 1).to_string());
        let km = t.km();
        let (start, end) = match t.span() {
            Some((a, b)) => (
                a.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                Some(b.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            ),
            None => match &s.start_date {
                Some(d) => (format!("{d}T00:00:00Z"), None),
                None => {
                    return Err(Error::invalid(
                        "file",
                        "no_times",
                        format!(
                            "track {} has no point times, so the visit has no start; set the survey's start date and import again",
                            label
                        ),
                    ))
                }
            },
        };
        sum.track_km += km;
        sum.track_hours += t.hours();
        let points: Vec<Waypoint> = t.segments.into_iter().flatten().collect();
        sum.points += points.len();
        bodies.push(Body::Visit(Visit {
            survey: Some(survey.to_string()),
            site: None,
            route: None,
            start,
            end,
            observers: vec![],
            // A unit's track name is a timestamp or a label, not a sampling protocol.
            protocol: None,
            // Metre resolution: GPS noise is larger than that.
            effort_value: Some((km * 1000.0).round() / 1000.0),
            effort_unit: Some("km".into()),
            weather: None,
            track: points,
        }));
    }
    let mut batch = store.batch()?;
    for (i, b) in bodies.iter().enumerate() {
        let saved = batch.create(b)?;
        if i < n_routes {
            sum.routes.push(saved.id);
        } else {
            sum.visits.push(saved.id);
        }
    }
    batch.commit()?;
    Ok(sum)
}

/// Builds the GPX document of a survey: its routes and its visits' tracks.
pub fn survey_gpx(store: &Store, survey: &str) -> Result<(::gpx::Gpx, ExportSummary)> {
    let s = super::survey(store, survey)?;
    let mut g = ::gpx::Gpx {
        version: ::gpx::GpxVersion::Gpx11,
        creator: Some("Dauria Field".into()),
        ..Default::default()
    };
    g.metadata = Some(::gpx::Metadata {
        name: Some(s.title.clone()),
        ..Default::default()
    });
    let mut sum = ExportSummary {
        routes: 0,
        tracks: 0,
        points: 0,
    };
    let mut routes: Vec<(String, Route)> = bodies(store, Kind::Route)?
        .into_iter()
        .filter_map(|(id, b)| match b {
            Body::Route(r) if r.survey == survey => Some((id, r)),
            _ => None,
        })
        .collect();
    routes.sort_by(|a, b| (&a.1.name, &a.0).cmp(&(&b.1.name, &b.0)));
    for (_, r) in routes {
        let mut rte = ::gpx::Route::new();
        rte.name = Some(r.name);
        rte.points = r.waypoints.iter().map(gpx_point).collect();
        sum.routes += 1;
        sum.points += rte.points.len();
        g.routes.push(rte);
    }
    let mut visits: Vec<(String, Visit)> = bodies(store, Kind::Visit)?
        .into_iter()
        .filter_map(|(id, b)| match b {
            Body::Visit(v) if v.survey.as_deref() == Some(survey) && !v.track.is_empty() => {
                Some((id, v))
            }
            _ => None,
        })
        .collect();
    visits.sort_by(|a, b| (&a.1.start, &a.0).cmp(&(&b.1.start, &b.0)));
    for (_, v) in visits {
        let mut trk = ::gpx::Track::new();
        let protocol = v.protocol.as_deref().unwrap_or("visit");
        trk.name = Some(format!("{protocol} {}", v.start));
        let mut seg = ::gpx::TrackSegment::new();
        seg.points = v.track.iter().map(gpx_point).collect();
        sum.tracks += 1;
        sum.points += seg.points.len();
        trk.segments.push(seg);
        g.tracks.push(trk);
    }
    Ok((g, sum))
}

/// Writes survey `survey`'s routes and tracks as GPX 1.1 to `writer`.
pub fn export(store: &Store, survey: &str, writer: impl Write) -> Result<ExportSummary> {
    let (g, sum) = survey_gpx(store, survey)?;
    ::gpx::write(&g, writer).map_err(|e| Error::Io {
        context: "cannot write the GPX file".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(sum)
}
