//! Monitoring figures computed from the store: abundance over time with counts per unit of
//! effort, site dashboards, disease prevalence with Wilson intervals, a risk index per site and
//! disease, and country progress against the data-sheet deadlines. The app, the CLI and the
//! tests all read these same functions; docs/RISK.md explains the risk index.
//!
//! Everything here is read-only. Observations are read from the typed `observation` rows in one
//! pass (never their JSON bodies, which a million sightings make slow); visits, sites, taxa,
//! checklists and samples are few enough to read whole.
//!
//! Dates are the local calendar dates people wrote (the first ten characters of an RFC 3339
//! time), so a sighting at 00:30 on 1 January in Chita counts for the new year, as its observer
//! would expect.

use crate::error::{Error, Result};
use crate::model::{Body, Country, Deadline, Kind, Route, Taxon, TaxonGroup, Visit};
use crate::planning::datasheet::{self, SheetStatus};
use crate::store::Store;
use crate::validate::FieldError;
use chrono::{Months, NaiveDate};
use rusqlite::types::ValueRef;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
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
// What every report reads: sites, visits with their effort, taxa
// ---------------------------------------------------------------------------------------------

struct SiteInfo {
    name: String,
    country: Country,
    lat: f64,
    lon: f64,
}

struct VisitInfo {
    site: Option<String>,
    start: String,
    km: Option<f64>,
    hours: Option<f64>,
}

impl VisitInfo {
    fn date(&self) -> &str {
        date_of(&self.start)
    }
}

fn date_of(s: &str) -> &str {
    s.get(..10).unwrap_or(s)
}

fn sites(store: &Store) -> Result<BTreeMap<String, SiteInfo>> {
    let mut stmt = store.connection().prepare_cached(
        "SELECT id, json_extract(body, '$.name'), json_extract(body, '$.country'),
                json_extract(body, '$.lat'), json_extract(body, '$.lon')
         FROM record WHERE kind = 'site' AND deleted = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<f64>>(3)?,
            r.get::<_, Option<f64>>(4)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (id, name, country, lat, lon) = row?;
        let Some(country) = country.as_deref().and_then(Country::parse) else {
            continue;
        };
        out.insert(
            id,
            SiteInfo {
                name: name.unwrap_or_default(),
                country,
                lat: lat.unwrap_or(0.0),
                lon: lon.unwrap_or(0.0),
            },
        );
    }
    Ok(out)
}

/// Every live visit with its effort. A visit's recorded effort value wins (a team may have
/// measured it better than the app can); otherwise hours come from start and end, and
/// kilometres from its GPS track or the planned route it followed, as `visits::effort` does.
fn visits(store: &Store) -> Result<HashMap<String, VisitInfo>> {
    let conn = store.connection();
    let mut stmt = conn.prepare_cached(
        "SELECT id, json_extract(body, '$.site'), json_extract(body, '$.start'),
                json_extract(body, '$.end'), json_extract(body, '$.effort_value'),
                json_extract(body, '$.effort_unit'), json_extract(body, '$.route'),
                coalesce(json_array_length(body, '$.track'), 0)
         FROM record WHERE kind = 'visit' AND deleted = 0",
    )?;
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<f64>,
        Option<String>,
        Option<String>,
        i64,
    );
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut routes: HashMap<String, Option<Route>> = HashMap::new();
    let mut out = HashMap::with_capacity(rows.len());
    for (id, site, start, end, value, unit, route, track_len) in rows {
        let Some(start) = start else { continue };
        let recorded = |units: &[(&str, f64)]| {
            let u = unit.as_deref()?.trim().to_ascii_lowercase();
            let factor = units.iter().find(|(n, _)| *n == u)?.1;
            value
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| v * factor)
        };
        let mut km = recorded(&[("km", 1.0), ("m", 0.001)]);
        let mut hours = recorded(&[("h", 1.0), ("hours", 1.0), ("min", 1.0 / 60.0)]);
        if hours.is_none() {
            hours = end.as_deref().and_then(|end| {
                let a = chrono::DateTime::parse_from_rfc3339(&start).ok()?;
                let b = chrono::DateTime::parse_from_rfc3339(end).ok()?;
                Some((b - a).num_seconds().max(0) as f64 / 3600.0)
            });
        }
        if km.is_none() && (track_len >= 2 || route.is_some()) {
            // Only the few visits that need it have their track or route read whole.
            let v: Option<Visit> = match store.get(&id)?.and_then(|c| c.body) {
                Some(Body::Visit(v)) => Some(v),
                _ => None,
            };
            if let Some(v) = v {
                let r = match &v.route {
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
                km = crate::visits::effort_of(&v, r).km;
            }
        }
        // A visit that has ended but lasted no time, or walked nowhere, carries no effort.
        let km = km.filter(|k| *k > 0.0);
        let hours = hours.filter(|h| *h > 0.0);
        out.insert(
            id,
            VisitInfo {
                site,
                start,
                km,
                hours,
            },
        );
    }
    Ok(out)
}

fn taxa(store: &Store) -> Result<HashMap<String, Taxon>> {
    Ok(store
        .list(Kind::Taxon)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Taxon(t)) => Some((c.id, t)),
            _ => None,
        })
        .collect())
}

fn in_period(date: &str, p: &Period) -> bool {
    p.from.as_deref().is_none_or(|f| date >= f) && p.to.as_deref().is_none_or(|t| date <= t)
}

fn check_period(p: &Period) -> Result<()> {
    for (field, v) in [("from", &p.from), ("to", &p.to)] {
        if let Some(v) = v {
            crate::validate::parse_date(field, v).map_err(|e| Error::Invalid(vec![e]))?;
        }
    }
    Ok(())
}

/// The year and season of a local date (`YYYY-MM-DD...`), by `by`.
fn period_of(date: &str, by: TrendBy) -> Option<(i32, Option<Season>)> {
    let year: i32 = date.get(..4)?.parse().ok()?;
    let month: u32 = date.get(5..7)?.parse().ok()?;
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

/// One live observation row, borrowed from SQLite while it is read.
struct ObsRow<'a> {
    taxon: Option<&'a str>,
    site: Option<&'a str>,
    visit: Option<&'a str>,
    observed_at: &'a str,
    individuals: u64,
    country: Option<&'a str>,
}

fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// Calls `f` on every live observation (of `only` taxa, when given), in one pass over the typed
/// rows; nothing is allocated per row.
fn scan(store: &Store, only: Option<&[String]>, mut f: impl FnMut(&ObsRow)) -> Result<()> {
    let conn = store.connection();
    let cols = "taxon_id, site_id, visit_id, observed_at,
                CASE unit WHEN 'individuals' THEN coalesce(count, count_min, 0) ELSE 0 END, country
                FROM observation";
    let mut run = |mut rows: rusqlite::Rows<'_>| -> Result<()> {
        while let Some(r) = rows.next()? {
            let row = ObsRow {
                taxon: text(r.get_ref(0)?),
                site: text(r.get_ref(1)?),
                visit: text(r.get_ref(2)?),
                observed_at: text(r.get_ref(3)?).unwrap_or(""),
                individuals: r.get::<_, i64>(4)?.max(0) as u64,
                country: text(r.get_ref(5)?),
            };
            f(&row);
        }
        Ok(())
    };
    match only {
        None => {
            let mut stmt = conn.prepare_cached(&format!("SELECT {cols} WHERE deleted = 0"))?;
            let done = run(stmt.query([])?);
            done
        }
        Some(ids) => {
            // One range of the taxon index per taxon.
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {cols} WHERE taxon_id = ?1 AND deleted = 0"
            ))?;
            for id in ids {
                run(stmt.query([id])?)?;
            }
            Ok(())
        }
    }
}

/// The site a sighting counts for: its own, else its visit's.
fn site_of<'a>(row: &'a ObsRow, visits: &'a HashMap<String, VisitInfo>) -> Option<&'a str> {
    row.site.or_else(|| {
        row.visit
            .and_then(|v| visits.get(v))
            .and_then(|v| v.site.as_deref())
    })
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
    check_period(&q.period)?;
    let sites = sites(store)?;
    let visits = visits(store)?;
    let only: Option<Vec<String>> = match (&q.taxon, q.group) {
        (Some(t), _) => Some(vec![t.clone()]),
        (None, Some(g)) => Some(
            taxa(store)?
                .into_iter()
                .filter(|(_, t)| t.group == g)
                .map(|(id, _)| id)
                .collect(),
        ),
        (None, None) => None,
    };
    let site_in_scope = |site: Option<&str>| -> bool {
        if let Some(want) = &q.site {
            if site != Some(want.as_str()) {
                return false;
            }
        }
        if let Some(c) = q.country {
            if site.and_then(|s| sites.get(s)).map(|s| s.country) != Some(c) {
                return false;
            }
        }
        true
    };
    // Keyed by (year, season): seasons sort winter, spring, summer, autumn within a year.
    let mut points: BTreeMap<(i32, Option<Season>), TrendAcc> = BTreeMap::new();
    fn point<'a>(
        points: &'a mut BTreeMap<(i32, Option<Season>), TrendAcc>,
        q: &TrendQuery,
        date: &str,
    ) -> Option<&'a mut TrendAcc> {
        if !in_period(date, &q.period) {
            return None;
        }
        let (year, season) = period_of(date, q.by)?;
        Some(points.entry((year, season)).or_insert_with(|| TrendAcc {
            year,
            season,
            ..TrendAcc::default()
        }))
    }
    for v in visits.values() {
        if !site_in_scope(v.site.as_deref()) {
            continue;
        }
        if let Some(p) = point(&mut points, q, v.date()) {
            p.visits += 1;
            p.effort_km += v.km.unwrap_or(0.0);
            p.effort_h += v.hours.unwrap_or(0.0);
        }
    }
    scan(store, only.as_deref(), |row| {
        let visit = row.visit.and_then(|v| visits.get(v));
        let site = site_of(row, &visits);
        let in_scope = if q.site.is_none() && q.country.is_some() && site.is_none() {
            // A sighting by coordinates alone has the country it lies in.
            row.country == q.country.map(|c| c.code())
        } else {
            site_in_scope(site)
        };
        if !in_scope {
            return;
        }
        let date = visit.map_or(date_of(row.observed_at), |v| v.date());
        if let Some(p) = point(&mut points, q, date) {
            p.records += 1;
            p.individuals += row.individuals;
            if let Some(v) = visit {
                if v.km.is_some() && site_in_scope(v.site.as_deref()) {
                    p.ind_km += row.individuals;
                }
                if v.hours.is_some() && site_in_scope(v.site.as_deref()) {
                    p.ind_h += row.individuals;
                }
            }
        }
    })?;
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
    check_period(period)?;
    let sites = sites(store)?;
    let visits = visits(store)?;
    let mut out: HashMap<&str, SiteSummary> = sites
        .iter()
        .map(|(id, s)| {
            (
                id.as_str(),
                SiteSummary {
                    site_id: id.clone(),
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
                },
            )
        })
        .collect();
    let later = |slot: &mut Option<String>, at: &str| {
        let newer = slot.as_deref().is_none_or(|old| utc_key(at) > utc_key(old));
        if newer {
            *slot = Some(at.to_string());
        }
    };
    for v in visits.values() {
        let Some(s) = v.site.as_deref().and_then(|s| out.get_mut(s)) else {
            continue;
        };
        if !in_period(v.date(), period) {
            continue;
        }
        s.visits += 1;
        s.effort_km += v.km.unwrap_or(0.0);
        s.effort_h += v.hours.unwrap_or(0.0);
        later(&mut s.last_visit, &v.start);
    }
    // Taxa seen per site; looked up by borrowed text, so only a new pair allocates.
    let mut seen: HashMap<String, HashSet<String>> = HashMap::new();
    let mut last_seen: HashMap<String, String> = HashMap::new();
    scan(store, None, |row| {
        if !in_period(date_of(row.observed_at), period) {
            return;
        }
        let Some(site) = site_of(row, &visits) else {
            return;
        };
        let Some(s) = out.get_mut(site) else { return };
        s.records += 1;
        s.individuals += row.individuals;
        if let Some(t) = row.taxon {
            let taxa = match seen.get_mut(site) {
                Some(set) => set,
                None => seen.entry(site.to_string()).or_default(),
            };
            if !taxa.contains(t) {
                taxa.insert(t.to_string());
                s.richness += 1;
            }
        }
        if s.visits == 0 {
            match last_seen.get_mut(site) {
                Some(old) if utc_key(old) >= utc_key(row.observed_at) => {}
                Some(old) => *old = row.observed_at.to_string(),
                None => {
                    last_seen.insert(site.to_string(), row.observed_at.to_string());
                }
            }
        }
    })?;
    for (site, at) in last_seen {
        if let Some(s) = out.get_mut(site.as_str()) {
            if s.last_visit.is_none() {
                s.last_visit = Some(at);
            }
        }
    }
    for smp in samples(store)? {
        if !in_period(date_of(&smp.collected_at), period) {
            continue;
        }
        let site = smp.site.as_deref().or_else(|| {
            smp.visit
                .as_deref()
                .and_then(|v| visits.get(v)?.site.as_deref())
        });
        let Some(s) = site.and_then(|s| out.get_mut(s)) else {
            continue;
        };
        s.samples += 1;
        match smp.result.as_str() {
            "positive" => {
                s.positive += 1;
                s.tested += 1;
            }
            "negative" => s.tested += 1,
            "pending" => s.pending += 1,
            _ => {}
        }
    }
    let mut out: Vec<SiteSummary> = out
        .into_values()
        .map(|mut s| {
            s.prevalence = (s.tested > 0).then(|| s.positive as f64 / s.tested as f64);
            s
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.site_id.cmp(&b.site_id)));
    Ok(out)
}

/// An RFC 3339 time as a UTC instant for comparison; unparsable times compare as written.
fn utc_key(s: &str) -> (i64, String) {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => (t.timestamp_millis(), String::new()),
        Err(_) => (i64::MIN, s.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Disease surveillance
// ---------------------------------------------------------------------------------------------

/// A sample with its host sighting's site, visit and taxon.
struct SampleRow {
    result: String,
    pathogen: Option<String>,
    collected_at: String,
    site: Option<String>,
    visit: Option<String>,
    host_taxon: Option<String>,
    host_name: Option<String>,
    country: Option<String>,
}

fn samples(store: &Store) -> Result<Vec<SampleRow>> {
    let mut stmt = store.connection().prepare_cached(
        "SELECT json_extract(s.body, '$.result'), json_extract(s.body, '$.pathogen'),
                json_extract(s.body, '$.collected_at'), o.site_id, o.visit_id, o.taxon_id,
                o.taxon_name, o.country
         FROM record s
         LEFT JOIN observation o ON o.id = json_extract(s.body, '$.host_observation')
              AND o.deleted = 0
         WHERE s.kind = 'sample' AND s.deleted = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SampleRow {
            result: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            pathogen: r
                .get::<_, Option<String>>(1)?
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            collected_at: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            site: r.get(3)?,
            visit: r.get(4)?,
            host_taxon: r.get(5)?,
            host_name: r.get(6)?,
            country: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

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
    fn add(&mut self, result: &str) {
        match result {
            "positive" => self.positive += 1,
            "negative" => self.negative += 1,
            "pending" => self.pending += 1,
            _ => self.inconclusive += 1,
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
    check_period(&q.period)?;
    let sites = sites(store)?;
    let visits = visits(store)?;
    let taxa = taxa(store)?;
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    for s in samples(store)? {
        if let Some(p) = &q.pathogen {
            if !s.pathogen.as_deref().is_some_and(|sp| same_name(sp, p)) {
                continue;
            }
        }
        if q.host.is_some() && s.host_taxon != q.host {
            continue;
        }
        let date = date_of(&s.collected_at);
        if !in_period(date, &q.period) {
            continue;
        }
        let site = s
            .site
            .clone()
            .or_else(|| s.visit.as_deref().and_then(|v| visits.get(v)?.site.clone()));
        if q.site.is_some() && site != q.site {
            continue;
        }
        if let Some(c) = q.country {
            let country = site
                .as_deref()
                .and_then(|id| sites.get(id))
                .map(|s| s.country.code())
                .or(s.country.as_deref());
            if country != Some(c.code()) {
                continue;
            }
        }
        let (key, label) = match q.by {
            PrevalenceBy::Site => match site.as_deref() {
                Some(id) => (
                    id.to_string(),
                    sites.get(id).map_or(id.to_string(), |s| s.name.clone()),
                ),
                None => (String::new(), String::new()),
            },
            PrevalenceBy::Host => match (&s.host_taxon, &s.host_name) {
                (Some(t), _) => (
                    t.clone(),
                    taxa.get(t).map_or(t.clone(), |t| t.scientific_name.clone()),
                ),
                (None, Some(n)) => (format!("name:{n}"), n.clone()),
                (None, None) => (String::new(), String::new()),
            },
            PrevalenceBy::Pathogen => match &s.pathogen {
                Some(p) => (p.to_lowercase(), p.clone()),
                None => (String::new(), String::new()),
            },
            PrevalenceBy::Period => match period_of(date, q.period_by) {
                Some((y, season)) => (period_label(y, season), period_label(y, season)),
                None => (String::new(), String::new()),
            },
        };
        let order = match q.by {
            PrevalenceBy::Period => period_of(date, q.period_by).unwrap_or((i32::MIN, None)),
            _ => (0, None),
        };
        let t = groups.entry(key).or_insert_with(|| Tally {
            label,
            order,
            ..Tally::default()
        });
        t.add(&s.result);
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
    check_period(period)?;
    let taxa = taxa(store)?;
    let mut cells: BTreeMap<(String, Option<String>, String), Tally> = BTreeMap::new();
    let mut labels: HashMap<String, String> = HashMap::new();
    for s in samples(store)? {
        if !in_period(date_of(&s.collected_at), period) {
            continue;
        }
        let Some(p) = &s.pathogen else { continue };
        let key = p.to_lowercase();
        labels.entry(key.clone()).or_insert_with(|| p.clone());
        let host_name = match &s.host_taxon {
            Some(t) => taxa.get(t).map_or(t.clone(), |t| t.scientific_name.clone()),
            None => s.host_name.clone().unwrap_or_default(),
        };
        cells
            .entry((key, s.host_taxon.clone(), host_name))
            .or_default()
            .add(&s.result);
    }
    let mut out: Vec<HostPathogen> = cells
        .into_iter()
        .map(|((p, host_taxon, host_name), t)| {
            let tested = t.positive + t.negative;
            let ci = wilson(t.positive, tested, Z_95);
            HostPathogen {
                pathogen: labels.get(&p).cloned().unwrap_or(p),
                host_taxon,
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

#[derive(Default)]
struct RiskAcc {
    visits: u64,
    km: f64,
    hours: f64,
    host_km: u64,
    host_h: u64,
    vector_km: u64,
    vector_h: u64,
    samples: Tally,
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
    let window = Period {
        from: Some(since.format("%Y-%m-%d").to_string()),
        to: Some(as_of.format("%Y-%m-%d").to_string()),
    };
    let sites = sites(store)?;
    let visits = visits(store)?;
    let taxa = taxa(store)?;
    let ids_of = |names: &[String]| -> Vec<String> {
        taxa.iter()
            .filter(|(_, t)| names.iter().any(|n| same_name(n, &t.scientific_name)))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let hosts: HashSet<String> = ids_of(&s.hosts).into_iter().collect();
    let vectors: HashSet<String> = ids_of(&s.vectors).into_iter().collect();
    let mut acc: HashMap<String, RiskAcc> = HashMap::new();
    for v in visits.values() {
        let Some(site) = v.site.as_deref().filter(|id| sites.contains_key(*id)) else {
            continue;
        };
        if !in_period(v.date(), &window) {
            continue;
        }
        let a = acc.entry(site.to_string()).or_default();
        a.visits += 1;
        a.km += v.km.unwrap_or(0.0);
        a.hours += v.hours.unwrap_or(0.0);
    }
    let only: Vec<String> = hosts.iter().chain(vectors.iter()).cloned().collect();
    scan(store, Some(&only), |row| {
        // Rates divide sightings made on visits by those visits' effort, so only sightings on a
        // visit at a site in the window count.
        let Some(v) = row.visit.and_then(|v| visits.get(v)) else {
            return;
        };
        let Some(site) = v.site.as_deref() else {
            return;
        };
        if !in_period(v.date(), &window) {
            return;
        }
        let Some(a) = acc.get_mut(site) else { return };
        let Some(t) = row.taxon else { return };
        let (km, h) = if hosts.contains(t) {
            (&mut a.host_km, &mut a.host_h)
        } else if vectors.contains(t) {
            (&mut a.vector_km, &mut a.vector_h)
        } else {
            return;
        };
        if v.km.is_some() {
            *km += row.individuals;
        }
        if v.hours.is_some() {
            *h += row.individuals;
        }
    })?;
    for smp in samples(store)? {
        if !smp
            .pathogen
            .as_deref()
            .is_some_and(|p| s.pathogens.iter().any(|n| same_name(n, p)))
        {
            continue;
        }
        if !in_period(date_of(&smp.collected_at), &window) {
            continue;
        }
        let site = smp.site.clone().or_else(|| {
            smp.visit
                .as_deref()
                .and_then(|v| visits.get(v)?.site.clone())
        });
        let Some(site) = site.filter(|id| sites.contains_key(id)) else {
            continue;
        };
        acc.entry(site).or_default().samples.add(&smp.result);
    }
    let mut out = Vec::new();
    for (site_id, a) in acc {
        let info = &sites[&site_id];
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
        let host_rate = host_rate.filter(|_| !hosts.is_empty());
        let vector_rate = vector_rate.filter(|_| !vectors.is_empty());
        let host_component = host_rate.map(|r| (r / host_ref).min(1.0));
        let vector_component = vector_rate.map(|r| (r / vector_ref).min(1.0));
        let tested = a.samples.positive + a.samples.negative;
        let positivity_low = wilson(a.samples.positive, tested, Z_95).map(|c| c.0);
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
            site_id,
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
            positive: a.samples.positive,
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
    let taxa = taxa(store)?;
    let mut stmt = store.connection().prepare_cached(
        "SELECT country, taxon_id, count(*) FROM observation
         WHERE deleted = 0 AND country IS NOT NULL GROUP BY country, taxon_id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut counts: HashMap<(Country, Option<TaxonGroup>), u64> = HashMap::new();
    for (country, taxon, n) in rows {
        let Some(c) = Country::parse(&country) else {
            continue;
        };
        let group = taxon.as_deref().and_then(|t| taxa.get(t)).map(|t| t.group);
        *counts.entry((c, group)).or_default() += n as u64;
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
    const GROUPS: [Option<TaxonGroup>; 6] = [
        Some(TaxonGroup::LargeMammal),
        Some(TaxonGroup::Bird),
        Some(TaxonGroup::SmallMammal),
        Some(TaxonGroup::Vector),
        Some(TaxonGroup::Pathogen),
        None,
    ];
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
            let by_group: Vec<GroupRecords> = GROUPS
                .iter()
                .map(|g| GroupRecords {
                    group: *g,
                    records: counts.get(&(country, *g)).copied().unwrap_or(0),
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
