//! Monitoring figures computed from the store: abundance over time with counts per unit of
//! effort, site dashboards, disease prevalence with Wilson intervals, a risk index per site and
//! disease, and country progress against the data-sheet deadlines. The app, the CLI and the
//! tests all read these same functions; docs/RISK.md explains the risk index.
//!
//! Everything here is read-only. The reports share one snapshot of the store: sightings read in
//! one pass over the typed `observation` rows (never their JSON bodies, which a million
//! sightings make slow) and kept as 24-byte rows with integer keys, beside the visits with their
//! effort, the sites, taxa and samples. It is kept until the store has a new revision, so the
//! Reports screen opening four reports reads the store once.
//!
//! Dates are the local calendar dates people wrote (the first ten characters of an RFC 3339
//! time), so a sighting at 00:30 on 1 January in Chita counts for the new year, as its observer
//! would expect.

use crate::error::{Error, Result};
use crate::model::{Body, Country, Deadline, Kind, Route, SampleResult, Taxon, TaxonGroup, Visit};
use crate::planning::datasheet::{self, SheetStatus};
use crate::store::ids::{id_str, IdKey};
use crate::store::Store;
use crate::validate::FieldError;
use chrono::{Months, NaiveDate};
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// The z value of a two-sided 95% interval (the 97.5th percentile of the standard normal).
pub const Z_95: f64 = 1.959_963_984_540_054;

// ---------------------------------------------------------------------------------------------
// Query and result types
// ---------------------------------------------------------------------------------------------

/// An inclusive range of local calendar dates (`YYYY-MM-DD`); either end may be open.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(optional_fields)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// How figures over time are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TrendBy {
    #[default]
    Year,
    /// Meteorological seasons: spring March–May, summer June–August, autumn September–November,
    /// winter December–February, counted in the year its January falls in (December 2024 is
    /// winter 2025), so one winter is one point.
    Season,
}

/// A meteorological season.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    Winter,
    Spring,
    Summer,
    Autumn,
}

impl Season {
    fn name(self) -> &'static str {
        match self {
            Season::Winter => "winter",
            Season::Spring => "spring",
            Season::Summer => "summer",
            Season::Autumn => "autumn",
        }
    }
}

/// What an abundance trend covers. Filters combine with AND; with neither taxon nor group every
/// sighting counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(optional_fields)]
pub struct TrendQuery {
    pub taxon: Option<String>,
    pub group: Option<TaxonGroup>,
    pub site: Option<String>,
    pub country: Option<Country>,
    #[serde(default)]
    pub by: TrendBy,
    #[serde(default)]
    pub period: Period,
}

/// One point of an abundance trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrendPoint {
    /// `2024`, or `2024-spring` when by season.
    pub period: String,
    pub year: i32,
    pub season: Option<Season>,
    /// Sightings of the taxa in scope.
    pub records: u64,
    /// Individuals counted (sightings counted in individuals; pairs, nests, burrows and colonies
    /// are records but not individuals).
    pub individuals: u64,
    /// Visits to the sites in scope in this period, whether or not the taxa were seen: the
    /// sampling behind the point, so a thin year shows as thin.
    pub visits: u64,
    /// Kilometres walked on the visits that recorded a distance.
    pub effort_km: f64,
    /// Hours spent on the visits that recorded a duration.
    pub effort_h: f64,
    /// Individuals seen on visits with a distance, per kilometre of those visits.
    pub per_km: Option<f64>,
    /// Individuals seen on visits with a duration, per hour of those visits.
    pub per_hour: Option<f64>,
}

/// The dashboard figures of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteSummary {
    pub site_id: String,
    pub name: String,
    pub country: Country,
    pub lat: f64,
    pub lon: f64,
    /// Distinct checklist taxa seen.
    pub richness: u64,
    pub records: u64,
    pub individuals: u64,
    pub visits: u64,
    /// Start of the latest visit (as written), or the latest sighting when no visit was made.
    pub last_visit: Option<String>,
    pub effort_km: f64,
    pub effort_h: f64,
    pub samples: u64,
    /// Samples with a positive or negative result.
    pub tested: u64,
    pub positive: u64,
    pub pending: u64,
    pub prevalence: Option<f64>,
}

/// What prevalence rows are grouped by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PrevalenceBy {
    Site,
    Host,
    #[default]
    Pathogen,
    Period,
}

/// What a prevalence table covers. Filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(optional_fields)]
pub struct PrevalenceQuery {
    #[serde(default)]
    pub by: PrevalenceBy,
    /// Pathogen as labs write it; matched ignoring case and surrounding spaces.
    pub pathogen: Option<String>,
    /// Host taxon id.
    pub host: Option<String>,
    pub site: Option<String>,
    pub country: Option<Country>,
    /// Collection dates.
    #[serde(default)]
    pub period: Period,
    /// Year or season, when grouping by period.
    #[serde(default)]
    pub period_by: TrendBy,
}

/// Prevalence in one group: positive among tested, with a 95% Wilson score interval. Pending and
/// inconclusive results are not tested: they say nothing either way yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PrevalenceRow {
    /// Site id, host taxon id (or `name:` and the free-text host), pathogen (lower case) or
    /// period; empty for samples without one.
    pub key: String,
    /// What a person reads: site name, scientific name, pathogen as first written, period.
    pub label: String,
    pub positive: u64,
    pub negative: u64,
    pub tested: u64,
    pub pending: u64,
    pub inconclusive: u64,
    pub prevalence: Option<f64>,
    pub wilson_low: Option<f64>,
    pub wilson_high: Option<f64>,
}

/// One cell of the hosts-by-pathogen table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HostPathogen {
    pub pathogen: String,
    pub host_taxon: Option<String>,
    pub host_name: String,
    pub positive: u64,
    pub tested: u64,
    pub prevalence: Option<f64>,
    pub wilson_low: Option<f64>,
    pub wilson_high: Option<f64>,
}

/// A lead-editable risk profile of one disease (docs/RISK.md). Stored on this laptop; the
/// defaults are in [`default_risk_settings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RiskSettings {
    /// Short key: `plague`, `tick_borne`, `hantavirus`.
    pub disease: String,
    pub label: String,
    /// Names labs use for the pathogen; a sample counts when its pathogen is one of these
    /// (ignoring case and surrounding spaces).
    pub pathogens: Vec<String>,
    /// Scientific names of the reservoir hosts.
    pub hosts: Vec<String>,
    /// Scientific names of the vectors.
    pub vectors: Vec<String>,
    /// The window every component looks back over, in months before the day of the report.
    pub months: u32,
    pub host_weight: f64,
    pub vector_weight: f64,
    pub positivity_weight: f64,
    /// Host individuals per km (per hour) at which the host component reaches 1.
    pub host_ref_per_km: f64,
    pub host_ref_per_hour: f64,
    /// Vector individuals per km (per hour) at which the vector component reaches 1.
    pub vector_ref_per_km: f64,
    pub vector_ref_per_hour: f64,
    /// Lower Wilson bound of positivity at which the positivity component reaches 1.
    pub positivity_ref: f64,
    /// Score (0–1) from which a site needs attention.
    pub threshold: f64,
}

/// The risk of one disease at one site. Each component is between 0 and 1, absent without the
/// data to compute it; the score is their weighted mean over the components present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteRisk {
    pub disease: String,
    pub site_id: String,
    pub site_name: String,
    pub country: Country,
    pub lat: f64,
    pub lon: f64,
    /// 1 for the riskiest site.
    pub rank: u32,
    pub score: f64,
    /// Host individuals per km (or per hour, see `per`), and its component.
    pub host_rate: Option<f64>,
    pub host_component: Option<f64>,
    pub vector_rate: Option<f64>,
    pub vector_component: Option<f64>,
    /// `km` or `h`: the effort both rates are divided by.
    pub per: Option<String>,
    /// Visits in the window.
    pub visits: u64,
    pub positive: u64,
    pub tested: u64,
    pub positivity_low: Option<f64>,
    pub positivity_component: Option<f64>,
    pub over_threshold: bool,
}

/// Sightings of one taxon group in one country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GroupRecords {
    /// Absent for sightings not identified against the checklist.
    pub group: Option<TaxonGroup>,
    pub records: u64,
}

/// A country's records against its data-sheet deadlines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CountryProgress {
    pub country: Country,
    pub records: u64,
    pub by_group: Vec<GroupRecords>,
    pub deadlines: Vec<Deadline>,
    /// The earliest unsubmitted deadline, or the last submitted one when all are in.
    pub next_deadline: Option<Deadline>,
    /// Days from today to the next deadline (negative when overdue).
    pub days_left: Option<i64>,
    pub status: SheetStatus,
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

/// The Wilson score interval of `positive` successes in `tested` trials at normal quantile `z`
/// (Wilson 1927). Unlike the normal approximation it stays inside 0..1 and is not empty at 0 or
/// `tested` positives, which matters for the small samples field labs test.
pub fn wilson(positive: u64, tested: u64, z: f64) -> Option<(f64, f64)> {
    if tested == 0 || positive > tested {
        return None;
    }
    let n = tested as f64;
    let p = positive as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

// ---------------------------------------------------------------------------------------------
// What every report reads: one snapshot of sites, visits, taxa, sightings and samples
// ---------------------------------------------------------------------------------------------

/// No visit, site or taxon.
const NONE: u32 = u32::MAX;

struct SiteInfo {
    id: String,
    name: String,
    country: Country,
    lat: f64,
    lon: f64,
}

struct VisitInfo {
    site: u32,
    start: String,
    /// Local start date as `yyyymmdd`.
    day: u32,
    km: Option<f64>,
    hours: Option<f64>,
}

/// One live sighting, reduced to what the reports use (28 bytes, so a million fit in 28 MB and
/// a report walks them in milliseconds).
struct Obs {
    visit: u32,
    /// Its own site, else its visit's.
    site: u32,
    taxon: u32,
    /// Local date as `yyyymmdd`: the first day it may lie on (0 when undated).
    day: u32,
    /// The last day it may lie on: `day` for a sighting dated to the day, later for one known
    /// to a month, a year or a range (0 when undated).
    last: u32,
    individuals: u32,
    /// 1 + index in `Country::ALL`: its site's country, else the one its coordinates lie in;
    /// 0 for none.
    country: u8,
}

struct SampleInfo {
    result: SampleResult,
    pathogen: Option<String>,
    day: u32,
    /// The host sighting's site (or its visit's), its taxon and free-text name, its country.
    site: u32,
    host_taxon: u32,
    host_name: Option<String>,
    country: u8,
}

/// Everything the reports read, taken in one pass over the store. It is kept between reports
/// and taken again when the store has a revision it did not see: every change to a current
/// row comes with a new revision, so the newest revision's number says when it is stale.
struct Snapshot {
    key: (std::path::PathBuf, String, i64),
    sites: Vec<SiteInfo>,
    site_idx: HashMap<String, u32>,
    visits: Vec<VisitInfo>,
    taxa: Vec<(String, Taxon)>,
    taxon_idx: HashMap<String, u32>,
    obs: Vec<Obs>,
    samples: Vec<SampleInfo>,
}

static SNAPSHOT: std::sync::Mutex<Option<std::sync::Arc<Snapshot>>> = std::sync::Mutex::new(None);

fn snapshot_key(store: &Store) -> Result<(std::path::PathBuf, String, i64)> {
    let seq: i64 =
        store
            .connection()
            .query_row("SELECT coalesce(max(seq), 0) FROM revision", [], |r| {
                r.get(0)
            })?;
    Ok((
        store.dir().to_path_buf(),
        store.device_id().to_string(),
        seq,
    ))
}

/// The snapshot of `store`, taken now unless the cached one is current.
fn snapshot(store: &Store) -> Result<std::sync::Arc<Snapshot>> {
    let key = snapshot_key(store)?;
    let mut cache = SNAPSHOT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = cache.as_ref().filter(|s| s.key == key) {
        return Ok(s.clone());
    }
    let s = std::sync::Arc::new(take_snapshot(store, key)?);
    *cache = Some(s.clone());
    Ok(s)
}

/// Drops the kept snapshot, so the next report reads the store again and its memory (about
/// 24 bytes a sighting) is freed meanwhile.
pub fn forget_snapshot() {
    *SNAPSHOT.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// `YYYY-MM-DD...` as `yyyymmdd`; 0 when it is not a date.
fn day_of(s: &str) -> u32 {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return 0;
    }
    let mut n = 0u32;
    for &c in b[..10].iter().filter(|c| **c != b'-') {
        if !c.is_ascii_digit() {
            return 0;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    n
}

/// The first and last `yyyymmdd` day of an `observation.observed_at` column, which holds the
/// date as Darwin Core writes it (a time, a day, a month, a year or a range); (0, 0) when
/// undated.
fn days_of(s: &str) -> (u32, u32) {
    let b = s.as_bytes();
    // A time or a day: the common case, read without parsing.
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && !s.contains('/') {
        let d = day_of(s);
        return (d, d);
    }
    match crate::dates::event_date_span(s) {
        Some(span) => {
            let n = |d: NaiveDate| day_of(&d.format("%Y-%m-%d").to_string());
            (n(span.first), n(span.last))
        }
        None => (0, 0),
    }
}

fn country_code(c: Option<&str>) -> u8 {
    c.and_then(Country::parse)
        .and_then(|c| Country::ALL.iter().position(|x| *x == c))
        .map_or(0, |i| i as u8 + 1)
}

fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// The fields of a visit body the reports use; a GPS track is only counted here.
#[derive(Deserialize)]
struct VisitFields {
    site: Option<String>,
    route: Option<String>,
    start: String,
    end: Option<String>,
    effort_value: Option<f64>,
    effort_unit: Option<String>,
    #[serde(default)]
    track: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct SampleFields {
    host_observation: String,
    collected_at: String,
    pathogen: Option<String>,
    result: SampleResult,
}

fn take_snapshot(store: &Store, key: (std::path::PathBuf, String, i64)) -> Result<Snapshot> {
    let conn = store.connection();
    let mut sites = Vec::new();
    let mut site_idx = HashMap::new();
    for c in store.list(Kind::Site)? {
        if let Some(Body::Site(s)) = c.body {
            site_idx.insert(c.id.clone(), sites.len() as u32);
            sites.push(SiteInfo {
                id: c.id,
                name: s.name,
                country: s.country,
                lat: s.lat,
                lon: s.lon,
            });
        }
    }
    // A site where a sensitive species was recorded is shown (and printed) in reports at its
    // generalised position (crate::sensitive).
    let protected = crate::sensitive::protected_sites(store)?;
    for s in &mut sites {
        if let Some(p) = protected.get(&s.id) {
            (s.lat, s.lon) = crate::sensitive::report_position(*p, s.lat, s.lon);
        }
    }
    let mut taxa = Vec::new();
    let mut taxon_idx = HashMap::new();
    for c in store.list(Kind::Taxon)? {
        if let Some(Body::Taxon(t)) = c.body {
            taxon_idx.insert(c.id.clone(), taxa.len() as u32);
            taxa.push((c.id, t));
        }
    }

    // Visits with their effort. A visit's recorded effort value wins (a team may have measured
    // it better than the app can); otherwise hours come from start and end, and kilometres from
    // its GPS track or the planned route it followed, as `visits::effort` does.
    let mut visits = Vec::new();
    let mut visit_idx: HashMap<String, u32> = HashMap::new();
    let mut routes: HashMap<String, Option<Route>> = HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT id, body FROM record WHERE kind = 'visit' AND deleted = 0")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let mut id_buf = [0u8; 36];
        let (Some(id), Some(body)) = (id_str(r.get_ref(0)?, &mut id_buf), text(r.get_ref(1)?))
        else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<VisitFields>(body) else {
            continue;
        };
        let recorded = |units: &[(&str, f64)]| {
            let u = v.effort_unit.as_deref()?.trim().to_ascii_lowercase();
            let factor = units.iter().find(|(n, _)| *n == u)?.1;
            v.effort_value
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| x * factor)
        };
        let mut km = recorded(&[("km", 1.0), ("m", 0.001)]);
        let mut hours = recorded(&[("h", 1.0), ("hours", 1.0), ("min", 1.0 / 60.0)]);
        if hours.is_none() {
            hours = v.end.as_deref().and_then(|end| {
                let a = chrono::DateTime::parse_from_rfc3339(&v.start).ok()?;
                let b = chrono::DateTime::parse_from_rfc3339(end).ok()?;
                Some((b - a).num_seconds().max(0) as f64 / 3600.0)
            });
        }
        if km.is_none() && (v.track.len() >= 2 || v.route.is_some()) {
            // Only the few visits that need it are read whole, with their route.
            let full: Option<Visit> = serde_json::from_str(body).ok();
            if let Some(full) = full {
                let route = match &full.route {
                    Some(rid) => {
                        if !routes.contains_key(rid) {
                            let body = match store.get(rid)?.and_then(|c| c.body) {
                                Some(Body::Route(r)) => Some(r),
                                _ => None,
                            };
                            routes.insert(rid.clone(), body);
                        }
                        routes.get(rid).and_then(Option::as_ref)
                    }
                    None => None,
                };
                km = crate::visits::effort_of(&full, route).km;
            }
        }
        visit_idx.insert(id.to_string(), visits.len() as u32);
        visits.push(VisitInfo {
            site: v
                .site
                .as_deref()
                .and_then(|s| site_idx.get(s).copied())
                .unwrap_or(NONE),
            day: day_of(&v.start),
            start: v.start,
            // A visit that lasted no time, or walked nowhere, carries no effort.
            km: km.filter(|k| *k > 0.0),
            hours: hours.filter(|h| *h > 0.0),
        });
    }
    drop(rows);

    // Samples, and the host sightings they need, found in the pass over sightings below
    // instead of one lookup each.
    let mut samples = Vec::new();
    let mut wanted: HashMap<String, Vec<usize>> = HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT body FROM record WHERE kind = 'sample' AND deleted = 0")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(Ok(s)) = text(r.get_ref(0)?).map(serde_json::from_str::<SampleFields>) else {
            continue;
        };
        wanted
            .entry(s.host_observation)
            .or_default()
            .push(samples.len());
        samples.push(SampleInfo {
            result: s.result,
            pathogen: s
                .pathogen
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            day: day_of(&s.collected_at),
            site: NONE,
            host_taxon: NONE,
            host_name: None,
            country: 0,
        });
    }
    drop(rows);

    let mut obs = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT id, visit_id, site_id, taxon_id, observed_at,
                CASE unit WHEN 'individuals' THEN coalesce(count, count_min, 0) ELSE 0 END,
                country, taxon_name
         FROM observation WHERE deleted = 0",
    )?;
    let mut rows = stmt.query([])?;
    // A visit's sightings are usually stored together, so the last lookups are kept.
    let mut last_visit = (String::new(), NONE);
    let mut last_site = (String::new(), NONE);
    while let Some(r) = rows.next()? {
        let mut bufs = [[0u8; 36]; 4];
        let [id_buf, visit_buf, site_buf, taxon_buf] = &mut bufs;
        let visit = match id_str(r.get_ref(1)?, visit_buf) {
            None => NONE,
            Some(v) if v == last_visit.0 => last_visit.1,
            Some(v) => {
                let i = visit_idx.get(v).copied().unwrap_or(NONE);
                last_visit = (v.to_string(), i);
                i
            }
        };
        let own_site = match id_str(r.get_ref(2)?, site_buf) {
            None => NONE,
            Some(s) if s == last_site.0 => last_site.1,
            Some(s) => {
                let i = site_idx.get(s).copied().unwrap_or(NONE);
                last_site = (s.to_string(), i);
                i
            }
        };
        let site = if own_site == NONE && visit != NONE {
            visits[visit as usize].site
        } else {
            own_site
        };
        let taxon = id_str(r.get_ref(3)?, taxon_buf)
            .and_then(|t| taxon_idx.get(t).copied())
            .unwrap_or(NONE);
        let country = if site != NONE {
            country_code(Some(sites[site as usize].country.code()))
        } else {
            country_code(text(r.get_ref(6)?))
        };
        let (day, last) = days_of(text(r.get_ref(4)?).unwrap_or(""));
        let o = Obs {
            visit,
            site,
            taxon,
            day,
            last,
            individuals: r.get::<_, i64>(5)?.clamp(0, i64::from(u32::MAX)) as u32,
            country,
        };
        if !wanted.is_empty() {
            if let Some(ix) = id_str(r.get_ref(0)?, id_buf).and_then(|id| wanted.get(id)) {
                let name = text(r.get_ref(7)?).map(str::to_string);
                for i in ix {
                    let s = &mut samples[*i];
                    s.site = o.site;
                    s.host_taxon = o.taxon;
                    s.host_name.clone_from(&name);
                    s.country = o.country;
                }
            }
        }
        obs.push(o);
    }
    drop(rows);
    Ok(Snapshot {
        key,
        sites,
        site_idx,
        visits,
        taxa,
        taxon_idx,
        obs,
        samples,
    })
}

/// An inclusive range of `yyyymmdd` days.
struct Days(u32, u32);

impl Days {
    fn of(p: &Period) -> Result<Days> {
        let bound = |field: &str, v: &Option<String>, open: u32| -> Result<u32> {
            match v {
                None => Ok(open),
                Some(v) => {
                    crate::validate::parse_date(field, v).map_err(|e| Error::Invalid(vec![e]))?;
                    Ok(day_of(v))
                }
            }
        };
        Ok(Days(
            bound("from", &p.from, 0)?,
            bound("to", &p.to, u32::MAX)?,
        ))
    }

    fn has(&self, day: u32) -> bool {
        (self.0..=self.1).contains(&day)
    }

    /// Whether every day a sighting may lie on is in the range: one known only to a month, a
    /// year or a range counts only where all of it falls, and an undated one nowhere.
    fn covers(&self, o: &Obs) -> bool {
        o.day != 0 && self.has(o.day) && self.has(o.last)
    }
}

/// The year and season of a `yyyymmdd` day, by `by`.
fn period_of(day: u32, by: TrendBy) -> Option<(i32, Option<Season>)> {
    if day == 0 {
        return None;
    }
    let year = (day / 10_000) as i32;
    let month = day / 100 % 100;
    match by {
        TrendBy::Year => Some((year, None)),
        TrendBy::Season => Some(match month {
            12 => (year + 1, Some(Season::Winter)),
            1 | 2 => (year, Some(Season::Winter)),
            3..=5 => (year, Some(Season::Spring)),
            6..=8 => (year, Some(Season::Summer)),
            _ => (year, Some(Season::Autumn)),
        }),
    }
}

/// `2024`, or `2024-spring`.
fn period_label(year: i32, season: Option<Season>) -> String {
    match season {
        None => year.to_string(),
        Some(s) => format!("{year}-{}", s.name()),
    }
}

impl Snapshot {
    fn site(&self, id: &Option<String>) -> Option<u32> {
        id.as_ref()
            .map(|id| self.site_idx.get(id).copied().unwrap_or(NONE))
    }

    /// Which taxa a filter keeps, by index; `None` keeps every sighting.
    fn taxon_mask(&self, keep: impl Fn(&str, &Taxon) -> bool) -> Vec<bool> {
        self.taxa.iter().map(|(id, t)| keep(id, t)).collect()
    }
}

fn masked(mask: &Option<Vec<bool>>, taxon: u32) -> bool {
    match mask {
        None => true,
        Some(m) => m.get(taxon as usize).copied().unwrap_or(false),
    }
}

// ---------------------------------------------------------------------------------------------
// Abundance over time
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct TrendAcc {
    year: i32,
    season: Option<Season>,
    records: u64,
    individuals: u64,
    visits: u64,
    effort_km: f64,
    effort_h: f64,
    ind_km: u64,
    ind_h: u64,
}

/// Counts of the taxa in scope per year or season, with the visits and effort behind each point
/// and individuals per km and per hour where visits carry effort. A sighting on a visit counts
/// in its visit's period, so it is divided by the effort it was seen with; visits in scope count
/// whether or not the taxa were seen (a visit that found nothing is effort too).
pub fn trends(store: &Store, q: &TrendQuery) -> Result<Vec<TrendPoint>> {
    let days = Days::of(&q.period)?;
    let snap = snapshot(store)?;
    let mask = match (&q.taxon, q.group) {
        (Some(t), _) => Some(snap.taxon_mask(|id, _| id == t)),
        (None, Some(g)) => Some(snap.taxon_mask(|_, t| t.group == g)),
        (None, None) => None,
    };
    let want_site = snap.site(&q.site);
    let want_country = q.country.map(|c| country_code(Some(c.code())));
    let site_in_scope = |site: u32| -> bool {
        want_site.is_none_or(|w| w == site)
            && want_country.is_none_or(|c| {
                site != NONE && country_code(Some(snap.sites[site as usize].country.code())) == c
            })
    };
    // Keyed by (year, season): seasons sort winter, spring, summer, autumn within a year.
    let mut points: BTreeMap<(i32, Option<Season>), TrendAcc> = BTreeMap::new();
    fn point<'a>(
        points: &'a mut BTreeMap<(i32, Option<Season>), TrendAcc>,
        days: &Days,
        by: TrendBy,
        day: u32,
    ) -> Option<&'a mut TrendAcc> {
        if !days.has(day) {
            return None;
        }
        let (year, season) = period_of(day, by)?;
        Some(points.entry((year, season)).or_insert_with(|| TrendAcc {
            year,
            season,
            ..TrendAcc::default()
        }))
    }
    for v in &snap.visits {
        if !site_in_scope(v.site) {
            continue;
        }
        if let Some(p) = point(&mut points, &days, q.by, v.day) {
            p.visits += 1;
            p.effort_km += v.km.unwrap_or(0.0);
            p.effort_h += v.hours.unwrap_or(0.0);
        }
    }
    for o in &snap.obs {
        if !masked(&mask, o.taxon) {
            continue;
        }
        let in_scope = if o.site == NONE && want_site.is_none() {
            // A sighting by coordinates alone has the country it lies in.
            want_country.is_none_or(|c| o.country == c)
        } else {
            site_in_scope(o.site)
        };
        if !in_scope {
            continue;
        }
        let visit = (o.visit != NONE).then(|| &snap.visits[o.visit as usize]);
        // A sighting on a visit counts on the visit's day; one without a visit by its own date,
        // and only when the whole of it (a month, a year, a range) lies in one period: a
        // sighting known only to 2019 is no sighting of spring 2019, nor of 1 January.
        let day = match visit {
            Some(v) => v.day,
            None if days.covers(o) && period_of(o.day, q.by) == period_of(o.last, q.by) => o.day,
            None => continue,
        };
        let Some(p) = point(&mut points, &days, q.by, day) else {
            continue;
        };
        p.records += 1;
        p.individuals += u64::from(o.individuals);
        if let Some(v) = visit.filter(|v| site_in_scope(v.site)) {
            if v.km.is_some() {
                p.ind_km += u64::from(o.individuals);
            }
            if v.hours.is_some() {
                p.ind_h += u64::from(o.individuals);
            }
        }
    }
    Ok(points
        .into_values()
        .map(|a| TrendPoint {
            period: period_label(a.year, a.season),
            year: a.year,
            season: a.season,
            records: a.records,
            individuals: a.individuals,
            visits: a.visits,
            effort_km: a.effort_km,
            effort_h: a.effort_h,
            per_km: (a.effort_km > 0.0).then(|| a.ind_km as f64 / a.effort_km),
            per_hour: (a.effort_h > 0.0).then(|| a.ind_h as f64 / a.effort_h),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Site dashboards
// ---------------------------------------------------------------------------------------------

/// The dashboard of every live site over `period` (visits by their start, sightings by their
/// date, samples by their collection date), by site name.
pub fn site_summaries(store: &Store, period: &Period) -> Result<Vec<SiteSummary>> {
    let days = Days::of(period)?;
    let snap = snapshot(store)?;
    let mut out: Vec<SiteSummary> = snap
        .sites
        .iter()
        .map(|s| SiteSummary {
            site_id: s.id.clone(),
            name: s.name.clone(),
            country: s.country,
            lat: s.lat,
            lon: s.lon,
            richness: 0,
            records: 0,
            individuals: 0,
            visits: 0,
            last_visit: None,
            effort_km: 0.0,
            effort_h: 0.0,
            samples: 0,
            tested: 0,
            positive: 0,
            pending: 0,
            prevalence: None,
        })
        .collect();
    let mut last: Vec<Option<(i64, &str)>> = vec![None; out.len()];
    for v in &snap.visits {
        if v.site == NONE || !days.has(v.day) {
            continue;
        }
        let s = &mut out[v.site as usize];
        s.visits += 1;
        s.effort_km += v.km.unwrap_or(0.0);
        s.effort_h += v.hours.unwrap_or(0.0);
        let at = utc_ms(&v.start);
        if last[v.site as usize].is_none_or(|(t, _)| at > t) {
            last[v.site as usize] = Some((at, &v.start));
        }
    }
    for (s, l) in out.iter_mut().zip(&last) {
        s.last_visit = l.map(|(_, at)| at.to_string());
    }
    // Richness: which taxa each site has, as one flag per site and taxon.
    let n_taxa = snap.taxa.len();
    let mut seen = vec![false; out.len() * n_taxa];
    for o in &snap.obs {
        if o.site == NONE || !days.covers(o) {
            continue;
        }
        let s = &mut out[o.site as usize];
        s.records += 1;
        s.individuals += u64::from(o.individuals);
        if o.taxon != NONE {
            let flag = &mut seen[o.site as usize * n_taxa + o.taxon as usize];
            if !*flag {
                *flag = true;
                s.richness += 1;
            }
        }
    }
    // A site sighted but never visited shows its latest sighting instead.
    let mut latest = store.connection().prepare_cached(
        "SELECT observed_at FROM observation
         WHERE site_id = ?1 AND deleted = 0 AND substr(observed_at, 1, 10) BETWEEN ?2 AND ?3
         ORDER BY observed_utc DESC LIMIT 1",
    )?;
    for s in out.iter_mut().filter(|s| s.visits == 0 && s.records > 0) {
        let from = period.from.clone().unwrap_or_default();
        let to = period.to.clone().unwrap_or_else(|| "9999-99-99".into());
        s.last_visit = latest
            .query_row(rusqlite::params![IdKey(&s.site_id), from, to], |r| r.get(0))
            .ok();
    }
    for smp in &snap.samples {
        if smp.site == NONE || !days.has(smp.day) {
            continue;
        }
        let s = &mut out[smp.site as usize];
        s.samples += 1;
        match smp.result {
            SampleResult::Positive => {
                s.positive += 1;
                s.tested += 1;
            }
            SampleResult::Negative => s.tested += 1,
            SampleResult::Pending => s.pending += 1,
            SampleResult::Inconclusive => {}
        }
    }
    for s in &mut out {
        s.prevalence = (s.tested > 0).then(|| s.positive as f64 / s.tested as f64);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.site_id.cmp(&b.site_id)));
    Ok(out)
}

/// An RFC 3339 time as epoch milliseconds, for comparing instants; unparsable times sort first.
fn utc_ms(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).map_or(i64::MIN, |t| t.timestamp_millis())
}

// ---------------------------------------------------------------------------------------------
// Disease surveillance
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Tally {
    label: String,
    /// Time order of a period group.
    order: (i32, Option<Season>),
    positive: u64,
    negative: u64,
    pending: u64,
    inconclusive: u64,
}

impl Tally {
    fn add(&mut self, result: SampleResult) {
        match result {
            SampleResult::Positive => self.positive += 1,
            SampleResult::Negative => self.negative += 1,
            SampleResult::Pending => self.pending += 1,
            SampleResult::Inconclusive => self.inconclusive += 1,
        }
    }

    fn row(self, key: String) -> PrevalenceRow {
        let tested = self.positive + self.negative;
        let ci = wilson(self.positive, tested, Z_95);
        PrevalenceRow {
            key,
            label: self.label,
            positive: self.positive,
            negative: self.negative,
            tested,
            pending: self.pending,
            inconclusive: self.inconclusive,
            prevalence: (tested > 0).then(|| self.positive as f64 / tested as f64),
            wilson_low: ci.map(|c| c.0),
            wilson_high: ci.map(|c| c.1),
        }
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Prevalence (positive / tested) with a 95% Wilson interval, grouped by site, host species,
/// pathogen or period. A sample's site is its host sighting's (or that sighting's visit's);
/// its period is its collection date.
pub fn prevalence(store: &Store, q: &PrevalenceQuery) -> Result<Vec<PrevalenceRow>> {
    let days = Days::of(&q.period)?;
    let snap = snapshot(store)?;
    let want_site = snap.site(&q.site);
    let want_host = q
        .host
        .as_ref()
        .map(|h| snap.taxon_idx.get(h).copied().unwrap_or(NONE));
    let want_country = q.country.map(|c| country_code(Some(c.code())));
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    for s in &snap.samples {
        if let Some(p) = &q.pathogen {
            if !s.pathogen.as_deref().is_some_and(|sp| same_name(sp, p)) {
                continue;
            }
        }
        if want_host.is_some_and(|h| h != s.host_taxon)
            || want_site.is_some_and(|w| w != s.site)
            || want_country.is_some_and(|c| c != s.country)
            || !days.has(s.day)
        {
            continue;
        }
        let (key, label) = match q.by {
            PrevalenceBy::Site if s.site != NONE => {
                let site = &snap.sites[s.site as usize];
                (site.id.clone(), site.name.clone())
            }
            PrevalenceBy::Host if s.host_taxon != NONE => {
                let (id, t) = &snap.taxa[s.host_taxon as usize];
                (id.clone(), t.scientific_name.clone())
            }
            PrevalenceBy::Host => match &s.host_name {
                Some(n) => (format!("name:{n}"), n.clone()),
                None => (String::new(), String::new()),
            },
            PrevalenceBy::Pathogen => match &s.pathogen {
                Some(p) => (p.to_lowercase(), p.clone()),
                None => (String::new(), String::new()),
            },
            PrevalenceBy::Period => match period_of(s.day, q.period_by) {
                Some((y, season)) => (period_label(y, season), period_label(y, season)),
                None => (String::new(), String::new()),
            },
            PrevalenceBy::Site => (String::new(), String::new()),
        };
        let order = match q.by {
            PrevalenceBy::Period => period_of(s.day, q.period_by).unwrap_or((i32::MIN, None)),
            _ => (0, None),
        };
        match groups.get_mut(&key) {
            Some(t) => t.add(s.result),
            None => {
                let mut t = Tally {
                    label,
                    order,
                    ..Tally::default()
                };
                t.add(s.result);
                groups.insert(key, t);
            }
        }
    }
    let mut groups: Vec<(String, Tally)> = groups.into_iter().collect();
    groups.sort_by_key(|(_, t)| t.order);
    let mut rows: Vec<PrevalenceRow> = groups.into_iter().map(|(k, t)| t.row(k)).collect();
    if q.by != PrevalenceBy::Period {
        rows.sort_by(|a, b| {
            a.label
                .to_lowercase()
                .cmp(&b.label.to_lowercase())
                .then(a.key.cmp(&b.key))
        });
    }
    Ok(rows)
}

/// Positive and tested samples by pathogen and host species, for the hosts-by-pathogen table;
/// ordered by pathogen, then by positives (most first), then host name.
pub fn hosts_by_pathogen(store: &Store, period: &Period) -> Result<Vec<HostPathogen>> {
    let days = Days::of(period)?;
    let snap = snapshot(store)?;
    let mut cells: BTreeMap<(String, u32, String), Tally> = BTreeMap::new();
    let mut labels: HashMap<String, String> = HashMap::new();
    for s in &snap.samples {
        if !days.has(s.day) {
            continue;
        }
        let Some(p) = &s.pathogen else { continue };
        let key = p.to_lowercase();
        labels.entry(key.clone()).or_insert_with(|| p.clone());
        let host_name = match s.host_taxon {
            NONE => s.host_name.clone().unwrap_or_default(),
            t => snap.taxa[t as usize].1.scientific_name.clone(),
        };
        cells
            .entry((key, s.host_taxon, host_name))
            .or_default()
            .add(s.result);
    }
    let mut out: Vec<HostPathogen> = cells
        .into_iter()
        .map(|((p, host, host_name), t)| {
            let tested = t.positive + t.negative;
            let ci = wilson(t.positive, tested, Z_95);
            HostPathogen {
                pathogen: labels.get(&p).cloned().unwrap_or(p),
                host_taxon: (host != NONE).then(|| snap.taxa[host as usize].0.clone()),
                host_name,
                positive: t.positive,
                tested,
                prevalence: (tested > 0).then(|| t.positive as f64 / tested as f64),
                wilson_low: ci.map(|c| c.0),
                wilson_high: ci.map(|c| c.1),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.pathogen
            .to_lowercase()
            .cmp(&b.pathogen.to_lowercase())
            .then(b.positive.cmp(&a.positive))
            .then(a.host_name.cmp(&b.host_name))
    });
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Risk by site
// ---------------------------------------------------------------------------------------------

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The risk profiles the app starts with (docs/RISK.md gives the reasons). A lead's edits,
/// saved with [`save_risk_settings`], replace them one disease at a time.
pub fn default_risk_settings() -> Vec<RiskSettings> {
    vec![
        RiskSettings {
            disease: "plague".into(),
            label: "Plague (Yersinia pestis)".into(),
            pathogens: strings(&["Yersinia pestis", "Y. pestis", "plague"]),
            hosts: strings(&[
                "Marmota sibirica",
                "Ochotona dauurica",
                "Lasiopodomys brandtii",
                "Stenocranius gregalis",
                "Alexandromys fortis",
                "Spermophilus dauricus",
                "Meriones unguiculatus",
            ]),
            vectors: strings(&[
                "Oropsylla silantiewi",
                "Citellophilus tesquorum",
                "Frontopsylla luculenta",
            ]),
            months: 12,
            host_weight: 1.0,
            vector_weight: 1.0,
            positivity_weight: 2.0,
            host_ref_per_km: 10.0,
            host_ref_per_hour: 5.0,
            vector_ref_per_km: 5.0,
            vector_ref_per_hour: 2.5,
            positivity_ref: 0.05,
            threshold: 0.5,
        },
        RiskSettings {
            disease: "tick_borne".into(),
            label: "Tick-borne encephalitis and borreliosis".into(),
            pathogens: strings(&[
                "Orthoflavivirus encephalitidis",
                "TBEV",
                "tick-borne encephalitis virus",
                "Borreliella garinii",
                "Borrelia garinii",
                "Anaplasma phagocytophilum",
                "Rickettsia sibirica",
            ]),
            hosts: strings(&[
                "Clethrionomys rutilus",
                "Apodemus agrarius",
                "Tamias sibiricus",
                "Alexandromys fortis",
            ]),
            vectors: strings(&[
                "Ixodes persulcatus",
                "Dermacentor nuttalli",
                "Dermacentor silvarum",
                "Haemaphysalis concinna",
            ]),
            months: 12,
            host_weight: 1.0,
            vector_weight: 2.0,
            positivity_weight: 2.0,
            host_ref_per_km: 10.0,
            host_ref_per_hour: 5.0,
            vector_ref_per_km: 5.0,
            vector_ref_per_hour: 2.5,
            positivity_ref: 0.05,
            threshold: 0.5,
        },
        RiskSettings {
            disease: "hantavirus".into(),
            label: "Hantavirus (Hantaan, Seoul)".into(),
            pathogens: strings(&[
                "Orthohantavirus hantanense",
                "Hantaan virus",
                "Orthohantavirus seoulense",
                "Seoul virus",
            ]),
            hosts: strings(&["Apodemus agrarius", "Rattus norvegicus"]),
            vectors: Vec::new(),
            months: 12,
            host_weight: 1.0,
            vector_weight: 0.0,
            positivity_weight: 2.0,
            host_ref_per_km: 10.0,
            host_ref_per_hour: 5.0,
            vector_ref_per_km: 5.0,
            vector_ref_per_hour: 2.5,
            positivity_ref: 0.05,
            threshold: 0.5,
        },
    ]
}

const RISK_META: &str = "risk.settings.";

/// The risk profile of every disease: the lead's saved one where there is one, else the default.
/// Saved profiles for diseases without a default follow the defaults, by key.
pub fn risk_settings(store: &Store) -> Result<Vec<RiskSettings>> {
    let mut out = default_risk_settings();
    let mut stmt = store.connection().prepare_cached(
        "SELECT key, value FROM meta WHERE key LIKE 'risk.settings.%' ORDER BY key",
    )?;
    let saved = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (key, value) in saved {
        let Ok(s) = serde_json::from_str::<RiskSettings>(&value) else {
            // A profile this version cannot read keeps its default rather than failing reports.
            continue;
        };
        let disease = key.trim_start_matches(RISK_META);
        match out.iter_mut().find(|d| d.disease == disease) {
            Some(d) => *d = s,
            None => out.push(s),
        }
    }
    Ok(out)
}

/// Checks a profile: a key, non-negative weights not all zero, positive reference levels, a
/// window of 1 to 120 months and a threshold between 0 and 1.
pub fn check_risk_settings(s: &RiskSettings) -> Result<()> {
    let mut errors = Vec::new();
    let mut err = |field: &str, rule: &str, message: String| {
        errors.push(FieldError {
            field: field.to_string(),
            rule: rule.to_string(),
            message,
        })
    };
    let key_ok = !s.disease.is_empty()
        && s.disease
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        err(
            "disease",
            "format",
            "the disease key is lower-case letters, digits and '_'".into(),
        );
    }
    let weights = [
        ("host_weight", s.host_weight),
        ("vector_weight", s.vector_weight),
        ("positivity_weight", s.positivity_weight),
    ];
    for (f, w) in weights {
        if !w.is_finite() || w < 0.0 {
            err(f, "range", format!("{f} must be 0 or more"));
        }
    }
    if weights.iter().map(|(_, w)| w.max(0.0)).sum::<f64>() <= 0.0 {
        err(
            "host_weight",
            "required",
            "at least one weight must be above 0".into(),
        );
    }
    for (f, v) in [
        ("host_ref_per_km", s.host_ref_per_km),
        ("host_ref_per_hour", s.host_ref_per_hour),
        ("vector_ref_per_km", s.vector_ref_per_km),
        ("vector_ref_per_hour", s.vector_ref_per_hour),
        ("positivity_ref", s.positivity_ref),
    ] {
        if !v.is_finite() || v <= 0.0 {
            err(f, "range", format!("{f} must be above 0"));
        }
    }
    if s.positivity_ref > 1.0 {
        err(
            "positivity_ref",
            "range",
            "positivity_ref is a proportion, at most 1".into(),
        );
    }
    if !(1..=120).contains(&s.months) {
        err("months", "range", "the window is 1 to 120 months".into());
    }
    if !s.threshold.is_finite() || !(0.0..=1.0).contains(&s.threshold) {
        err(
            "threshold",
            "range",
            "the threshold is between 0 and 1".into(),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// Saves a lead's risk profile on this laptop (it replaces the default of that disease).
pub fn save_risk_settings(store: &Store, s: &RiskSettings) -> Result<()> {
    check_risk_settings(s)?;
    let json = serde_json::to_string(s).expect("risk settings always serialise");
    store.set_meta(&format!("{RISK_META}{}", s.disease), &json)
}

/// Goes back to the default profile of a disease.
pub fn reset_risk_settings(store: &Store, disease: &str) -> Result<()> {
    store.connection().execute(
        "DELETE FROM meta WHERE key = ?1",
        [format!("{RISK_META}{disease}")],
    )?;
    Ok(())
}

#[derive(Default, Clone)]
struct RiskAcc {
    visits: u64,
    km: f64,
    hours: f64,
    host_km: u64,
    host_h: u64,
    vector_km: u64,
    vector_h: u64,
    positive: u64,
    negative: u64,
    tested_any: bool,
}

/// The risk of one disease at every site with data in the window ending on `as_of`, riskiest
/// first. Sites without visits or tested samples in the window are left out: no data is not
/// low risk, and the site dashboards show them.
pub fn risk(store: &Store, s: &RiskSettings, as_of: NaiveDate) -> Result<Vec<SiteRisk>> {
    check_risk_settings(s)?;
    let since = as_of
        .checked_sub_months(Months::new(s.months))
        .unwrap_or(NaiveDate::MIN)
        .succ_opt()
        .unwrap_or(NaiveDate::MIN);
    let window = Days::of(&Period {
        from: Some(since.format("%Y-%m-%d").to_string()),
        to: Some(as_of.format("%Y-%m-%d").to_string()),
    })?;
    let snap = snapshot(store)?;
    let named =
        |names: &[String], t: &Taxon| names.iter().any(|n| same_name(n, &t.scientific_name));
    let hosts = snap.taxon_mask(|_, t| named(&s.hosts, t));
    let vectors = snap.taxon_mask(|_, t| named(&s.vectors, t));
    let has_hosts = hosts.iter().any(|h| *h);
    let has_vectors = vectors.iter().any(|v| *v);
    let mut acc = vec![RiskAcc::default(); snap.sites.len()];
    let mut any = vec![false; snap.sites.len()];
    for v in &snap.visits {
        if v.site == NONE || !window.has(v.day) {
            continue;
        }
        let a = &mut acc[v.site as usize];
        any[v.site as usize] = true;
        a.visits += 1;
        a.km += v.km.unwrap_or(0.0);
        a.hours += v.hours.unwrap_or(0.0);
    }
    for o in &snap.obs {
        // Rates divide sightings made on visits by those visits' effort, so only sightings on a
        // visit at a site in the window count.
        if o.visit == NONE || o.taxon == NONE {
            continue;
        }
        let t = o.taxon as usize;
        let (is_host, is_vector) = (hosts[t], vectors[t]);
        if !is_host && !is_vector {
            continue;
        }
        let v = &snap.visits[o.visit as usize];
        if v.site == NONE || !window.has(v.day) {
            continue;
        }
        let a = &mut acc[v.site as usize];
        let n = u64::from(o.individuals);
        let (km, h) = if is_host {
            (&mut a.host_km, &mut a.host_h)
        } else {
            (&mut a.vector_km, &mut a.vector_h)
        };
        if v.km.is_some() {
            *km += n;
        }
        if v.hours.is_some() {
            *h += n;
        }
    }
    for smp in &snap.samples {
        if smp.site == NONE || !window.has(smp.day) {
            continue;
        }
        if !smp
            .pathogen
            .as_deref()
            .is_some_and(|p| s.pathogens.iter().any(|n| same_name(n, p)))
        {
            continue;
        }
        let a = &mut acc[smp.site as usize];
        match smp.result {
            SampleResult::Positive => a.positive += 1,
            SampleResult::Negative => a.negative += 1,
            _ => continue,
        }
        a.tested_any = true;
        any[smp.site as usize] = true;
    }
    let mut out = Vec::new();
    for (i, a) in acc.into_iter().enumerate() {
        if !any[i] {
            continue;
        }
        let info = &snap.sites[i];
        let (per, host_rate, vector_rate, host_ref, vector_ref) = if a.km > 0.0 {
            (
                Some("km"),
                Some(a.host_km as f64 / a.km),
                Some(a.vector_km as f64 / a.km),
                s.host_ref_per_km,
                s.vector_ref_per_km,
            )
        } else if a.hours > 0.0 {
            (
                Some("h"),
                Some(a.host_h as f64 / a.hours),
                Some(a.vector_h as f64 / a.hours),
                s.host_ref_per_hour,
                s.vector_ref_per_hour,
            )
        } else {
            (None, None, None, 1.0, 1.0)
        };
        // A profile without hosts (or vectors) has no such component at all.
        let host_rate = host_rate.filter(|_| has_hosts);
        let vector_rate = vector_rate.filter(|_| has_vectors);
        let host_component = host_rate.map(|r| (r / host_ref).min(1.0));
        let vector_component = vector_rate.map(|r| (r / vector_ref).min(1.0));
        let tested = a.positive + a.negative;
        let positivity_low = wilson(a.positive, tested, Z_95).map(|c| c.0);
        let positivity_component = positivity_low.map(|l| (l / s.positivity_ref).min(1.0));
        let parts = [
            (host_component, s.host_weight),
            (vector_component, s.vector_weight),
            (positivity_component, s.positivity_weight),
        ];
        let weight: f64 = parts
            .iter()
            .filter(|(c, w)| c.is_some() && *w > 0.0)
            .map(|(_, w)| w)
            .sum();
        if weight <= 0.0 {
            continue;
        }
        let score = parts
            .iter()
            .filter_map(|(c, w)| c.map(|c| c * w))
            .sum::<f64>()
            / weight;
        out.push(SiteRisk {
            disease: s.disease.clone(),
            site_id: info.id.clone(),
            site_name: info.name.clone(),
            country: info.country,
            lat: info.lat,
            lon: info.lon,
            rank: 0,
            score,
            host_rate,
            host_component,
            vector_rate,
            vector_component,
            per: per.map(str::to_string),
            visits: a.visits,
            positive: a.positive,
            tested,
            positivity_low,
            positivity_component,
            over_threshold: score >= s.threshold,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.site_name.cmp(&b.site_name))
            .then(a.site_id.cmp(&b.site_id))
    });
    for (i, r) in out.iter_mut().enumerate() {
        r.rank = i as u32 + 1;
    }
    Ok(out)
}

/// Sites over the threshold of any disease's profile as of `as_of`, highest score first: what
/// Home lists under "needs attention".
pub fn needs_attention_sites(store: &Store, as_of: NaiveDate) -> Result<Vec<SiteRisk>> {
    let mut out = Vec::new();
    for s in risk_settings(store)? {
        out.extend(
            risk(store, &s, as_of)?
                .into_iter()
                .filter(|r| r.over_threshold),
        );
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.site_name.cmp(&b.site_name))
            .then(a.disease.cmp(&b.disease))
    });
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Country progress
// ---------------------------------------------------------------------------------------------

/// Per country: sightings (by taxon group) against the data-sheet deadlines of its checklist, as
/// of `today`. A sighting counts for the country it was recorded in (its site's, or the one its
/// coordinates lie in).
pub fn country_progress(store: &Store, today: NaiveDate) -> Result<Vec<CountryProgress>> {
    let snap = snapshot(store)?;
    const GROUPS: [Option<TaxonGroup>; 6] = [
        Some(TaxonGroup::LargeMammal),
        Some(TaxonGroup::Bird),
        Some(TaxonGroup::SmallMammal),
        Some(TaxonGroup::Vector),
        Some(TaxonGroup::Pathogen),
        None,
    ];
    let group_of: Vec<usize> = snap
        .taxa
        .iter()
        .map(|(_, t)| GROUPS.iter().position(|g| *g == Some(t.group)).unwrap_or(5))
        .collect();
    let mut counts = [[0u64; 6]; 5];
    for o in &snap.obs {
        let g = if o.taxon == NONE {
            5
        } else {
            group_of[o.taxon as usize]
        };
        counts[usize::from(o.country).min(4)][g] += 1;
    }
    let mut deadlines: HashMap<Country, Vec<Deadline>> = HashMap::new();
    for c in store.list(Kind::Checklist)? {
        if let Some(Body::Checklist(list)) = c.body {
            deadlines
                .entry(list.country)
                .or_default()
                .extend(list.deadlines);
        }
    }
    Ok(Country::ALL
        .into_iter()
        .map(|country| {
            let mut dl = deadlines.remove(&country).unwrap_or_default();
            dl.sort_by(|a, b| a.due.cmp(&b.due));
            let (next_deadline, status) = datasheet::status(&dl, today);
            let days_left = next_deadline
                .as_ref()
                .filter(|_| status != SheetStatus::Submitted)
                .and_then(|d| NaiveDate::parse_from_str(&d.due, "%Y-%m-%d").ok())
                .map(|d| (d - today).num_days());
            let row = &counts[usize::from(country_code(Some(country.code())))];
            let by_group: Vec<GroupRecords> = GROUPS
                .iter()
                .zip(row)
                .map(|(g, n)| GroupRecords {
                    group: *g,
                    records: *n,
                })
                .collect();
            CountryProgress {
                country,
                records: by_group.iter().map(|g| g.records).sum(),
                by_group,
                deadlines: dl,
                next_deadline,
                days_left,
                status,
            }
        })
        .collect())
}
