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
use std::io::{Read, Write};
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

fn to_gpx_time(s: &str) -> Option<::gpx::Time> {
    let t = DateTime::parse_from_rfc3339(s.trim()).ok()?;
    let ns = i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(ns)
        .ok()
        .map(Into::into)
}

fn gpx_point(w: &Waypoint) -> ::gpx::Waypoint {
    let mut g = ::gpx::Waypoint::new(geo_types::Point::new(w.lon, w.lat));
    g.name = w.name.clone();
    g.elevation = w.ele;
    g.time = w.time.as_deref().and_then(to_gpx_time);
    g
}

/// Parses GPX 1.0 or 1.1 from `reader`, as GPS units and other programs write it: with or
/// without a byte-order mark, with any optional element (`magvar`, `geoidheight`, `course` and
/// `speed` of GPX 1.0, `extensions` of any vendor), which are skipped. Only what the app keeps
/// is read: routes, waypoints and track segments, each point's position, name, elevation and
/// time.
pub fn read(reader: impl Read) -> Result<GpxData> {
    // Parsed whole, so read at most [`limits::MAX_GPX_BYTES`] of it.
    let bytes = limits::read_capped(reader, limits::MAX_GPX_BYTES, "the GPX file")?;
    parse(&bytes).map_err(|why| {
        Error::invalid(
            "file",
            "gpx",
            format!("this is not a GPX file the app can read: {why}"),
        )
    })
}

/// Where a point being read goes.
#[derive(Clone, Copy, PartialEq)]
enum Owner {
    Waypoint,
    Route,
    Track,
}

fn parse(bytes: &[u8]) -> std::result::Result<GpxData, String> {
    use quick_xml::events::Event;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = quick_xml::Reader::from_reader(bytes);
    r.config_mut().trim_text(true);
    let mut data = GpxData::default();
    // Local names of the open elements, root first.
    let mut path: Vec<String> = Vec::new();
    let mut point: Option<(Owner, Waypoint)> = None;
    let mut segment: Vec<Waypoint> = Vec::new();
    let mut seen_root = false;
    let mut buf = Vec::new();
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.trim().to_string())
            })
    };
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| format!("the XML is broken near byte {} ({e})", r.buffer_position()))?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.local_name().as_ref().to_string();
            if path.is_empty() && name != "gpx" {
                return Err(format!("the file's root element is <{name}>, not <gpx>"));
            }
            seen_root = true;
            let parent = path.last().map(String::as_str);
            let owner = match (name.as_str(), parent) {
                ("wpt", Some("gpx")) => Some(Owner::Waypoint),
                ("rtept", Some("rte")) => Some(Owner::Route),
                ("trkpt", Some("trkseg")) => Some(Owner::Track),
                _ => None,
            };
            match (name.as_str(), parent) {
                ("rte", Some("gpx")) => data.routes.push((None, Vec::new())),
                ("trk", Some("gpx")) => data.tracks.push(TrackData {
                    name: None,
                    segments: Vec::new(),
                }),
                _ => {}
            }
            if let Some(owner) = owner {
                let coord = |n: &str| -> std::result::Result<f64, String> {
                    let v = attr(&e, n).ok_or_else(|| format!("a <{name}> has no {n}"))?;
                    v.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| format!("a <{name}> has {n}=\"{v}\", not a number"))
                };
                let wp = Waypoint {
                    name: None,
                    lat: coord("lat")?,
                    lon: coord("lon")?,
                    time: None,
                    ele: None,
                };
                if empty {
                    finish_point(&mut data, &mut segment, owner, wp);
                } else {
                    point = Some((owner, wp));
                }
            }
            if !empty {
                path.push(name);
            }
            continue;
        }
        match ev {
            Event::Text(t) => {
                let text = t.xml10_content().trim().to_string();
                set_text(&mut data, &mut point, &path, text);
            }
            Event::CData(t) => {
                let text = AsRef::<str>::as_ref(&t).trim().to_string();
                set_text(&mut data, &mut point, &path, text);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                match name.as_str() {
                    "wpt" | "rtept" | "trkpt" => {
                        if let Some((owner, wp)) = point.take() {
                            finish_point(&mut data, &mut segment, owner, wp);
                        }
                    }
                    "trkseg" => {
                        let seg = std::mem::take(&mut segment);
                        if let (false, Some(t)) = (seg.is_empty(), data.tracks.last_mut()) {
                            t.segments.push(seg);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !seen_root {
        return Err("the file holds no <gpx> element".into());
    }
    if !path.is_empty() {
        return Err("the file ends before its last element is closed".into());
    }
    data.tracks.retain(|t| !t.segments.is_empty());
    Ok(data)
}

fn finish_point(data: &mut GpxData, segment: &mut Vec<Waypoint>, owner: Owner, wp: Waypoint) {
    match owner {
        Owner::Waypoint => data.waypoints.push(wp),
        Owner::Route => {
            if let Some(r) = data.routes.last_mut() {
                r.1.push(wp)
            }
        }
        Owner::Track => segment.push(wp),
    }
}

/// Keeps the text of a point's `name`, `ele` and `time`, and a route's or track's `name`.
fn set_text(
    data: &mut GpxData,
    point: &mut Option<(Owner, Waypoint)>,
    path: &[String],
    text: String,
) {
    let n = path.len();
    if n < 2 || text.is_empty() {
        return;
    }
    let (parent, leaf) = (path[n - 2].as_str(), path[n - 1].as_str());
    match (parent, leaf, point.as_mut()) {
        ("wpt" | "rtept" | "trkpt", "name", Some((_, p))) => p.name = Some(text),
        ("wpt" | "rtept" | "trkpt", "ele", Some((_, p))) => p.ele = text.parse().ok(),
        ("wpt" | "rtept" | "trkpt", "time", Some((_, p))) => p.time = gpx_time(&text),
        ("rte", "name", _) => {
            if let Some(r) = data.routes.last_mut() {
                r.0 = Some(text)
            }
        }
        ("trk", "name", _) => {
            if let Some(t) = data.tracks.last_mut() {
                t.name = Some(text)
            }
        }
        _ => {}
    }
}

/// A GPX time in UTC as RFC 3339. Some programs leave out the `Z`; GPX times are UTC, so it
/// is added. A time that cannot be read is dropped rather than guessed.
fn gpx_time(s: &str) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .ok()?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
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

/// Builds the GPX document of a survey: its routes, its visits' tracks and their sightings.
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
    sighting_waypoints(store, survey, &mut g, &mut sum)?;
    Ok((g, sum))
}

/// The survey's sightings with a position, as waypoints named by species and timed. Sensitive
/// species are generalised and written without a time (which a track would turn back into the
/// exact point), or left out when withheld (`crate::sensitive`).
fn sighting_waypoints(
    store: &Store,
    survey: &str,
    g: &mut ::gpx::Gpx,
    sum: &mut ExportSummary,
) -> Result<()> {
    let guard = crate::sensitive::ExportGuard::load(store)?;
    let visits: std::collections::HashSet<String> = bodies(store, Kind::Visit)?
        .into_iter()
        .filter_map(|(id, b)| match b {
            Body::Visit(v) if v.survey.as_deref() == Some(survey) => Some(id),
            _ => None,
        })
        .collect();
    let mut after: Option<String> = None;
    loop {
        let page = store.observations(
            &crate::store::query::ObservationFilter::default(),
            after.as_deref(),
            2000,
        )?;
        for r in &page.rows {
            if !r
                .observation
                .visit
                .as_ref()
                .is_some_and(|v| visits.contains(v))
            {
                continue;
            }
            let (o, protection) = guard.protect(&r.observation);
            let (Some(lat), Some(lon)) = (o.lat, o.lon) else {
                continue;
            };
            let mut w = ::gpx::Waypoint::new(geo_types::Point::new(lon, lat));
            w.name = r.scientific_name.clone().or_else(|| o.taxon_name.clone());
            match protection {
                None => w.time = to_gpx_time(&o.observed_at),
                Some(p) => w.description = Some(p.data_generalizations()),
            }
            g.waypoints.push(w);
            sum.points += 1;
        }
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(())
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
