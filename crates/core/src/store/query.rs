//! Read-side queries: observation pages (keyset), species summaries, country checklists, stats.

use super::ids::{id_column, key_value, opt_id_column, IdKey};
use super::Store;
use crate::error::{Error, Result};
use crate::model::{Body, Country, Deadline, Kind, Observation, Taxon};
use crate::taxa::MatchKind;
use crate::text::fold;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Filters for the observation list. All are optional and combine with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(optional_fields)]
pub struct ObservationFilter {
    pub taxon: Option<String>,
    pub site: Option<String>,
    pub country: Option<Country>,
    /// Inclusive lower bound, RFC 3339 or `YYYY-MM-DD` (UTC midnight).
    pub from: Option<String>,
    /// Exclusive upper bound, RFC 3339 or `YYYY-MM-DD` (the whole day included).
    pub to: Option<String>,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Matches notes, free-text names, observers and any name of the taxon.
    pub text: Option<String>,
}

/// One row of the observation list.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ObservationRow {
    pub id: String,
    pub rev_id: String,
    pub conflict: bool,
    pub scientific_name: Option<String>,
    pub site_name: Option<String>,
    pub country: Option<Country>,
    pub observation: Observation,
}

/// A page of observations, newest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ObservationPage {
    pub rows: Vec<ObservationRow>,
    /// Pass back as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// Species summary for one site (or for records without a site).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SpeciesSummary {
    pub site_id: Option<String>,
    pub site_name: Option<String>,
    pub taxon_id: Option<String>,
    pub scientific_name: Option<String>,
    pub records: u64,
    /// Sum of exact counts (or minimum estimates) in individuals.
    pub individuals: u64,
    pub first_seen: String,
    pub last_seen: String,
}

/// A country's checklist with names and deadlines.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CountryChecklist {
    pub id: String,
    pub rev_id: String,
    pub country: Country,
    pub taxa: Vec<ChecklistEntry>,
    pub deadlines: Vec<Deadline>,
}

/// A taxon on a checklist.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ChecklistEntry {
    pub id: String,
    pub taxon: Taxon,
}

/// Counts shown by `dauria-cli stats` and the home screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Stats {
    pub device_id: String,
    pub records: Vec<(Kind, u64)>,
    pub observations: u64,
    pub revisions: u64,
    pub pending_ops: u64,
    pub conflicts: u64,
    pub size_bytes: u64,
}

fn bound(field: &str, s: &str, end: bool) -> Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.timestamp_millis());
    }
    let d = crate::validate::parse_date(field, s).map_err(|e| Error::Invalid(vec![e]))?;
    let d = if end { d.succ_opt().unwrap_or(d) } else { d };
    Ok(d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_millis())
}

fn parse_cursor(after: &str) -> Result<(i64, i64)> {
    let bad = || Error::invalid("after", "format", format!("'{after}' is not a page cursor"));
    let (a, b) = after.split_once(':').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

impl Store {
    /// A page of live observations matching `filter`, newest first, after the cursor `after`.
    ///
    /// Pages by keyset on (observed instant, row) so the thousandth page costs the same as the
    /// first.
    pub fn observations(
        &self,
        filter: &ObservationFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<ObservationPage> {
        let mut sql = String::from(
            "SELECT o.id, r.rev_id, o.conflict, json_extract(t.body, '$.scientific_name'),
                    json_extract(s.body, '$.name'), o.country, r.body, o.observed_utc, o.rowid_
             FROM observation o
             JOIN revision r ON r.seq = o.rev_seq
             LEFT JOIN record t ON t.id = o.taxon_id
             LEFT JOIN record s ON s.id = o.site_id
             WHERE o.deleted = 0",
        );
        let mut args: Vec<Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: Value| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(t) = &filter.taxon {
            arg(&mut sql, " AND o.taxon_id = ?", key_value(t));
        }
        if let Some(s) = &filter.site {
            arg(&mut sql, " AND o.site_id = ?", key_value(s));
        }
        if let Some(c) = filter.country {
            arg(&mut sql, " AND o.country = ?", c.code().to_string().into());
        }
        if let Some(f) = &filter.from {
            arg(
                &mut sql,
                " AND o.observed_utc >= ?",
                bound("from", f, false)?.into(),
            );
        }
        if let Some(t) = &filter.to {
            arg(
                &mut sql,
                " AND o.observed_utc < ?",
                bound("to", t, true)?.into(),
            );
        }
        if let Some([x0, y0, x1, y1]) = filter.bbox {
            arg(&mut sql, " AND o.lon BETWEEN ?", x0.into());
            arg(&mut sql, " AND ?", x1.into());
            arg(&mut sql, " AND o.lat BETWEEN ?", y0.into());
            arg(&mut sql, " AND ?", y1.into());
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
            // The species index's matches, near misses only when nothing closer matched (a
            // filter should not widen to every name a typo away).
            let found = self.taxon_index()?.search(text, 100);
            let close = found.iter().any(|m| m.how != MatchKind::Fuzzy);
            let ids: Vec<String> = found
                .into_iter()
                .filter(|m| !close || m.how != MatchKind::Fuzzy)
                .map(|m| m.id)
                .collect();
            arg(&mut sql, " AND (instr(o.search, ?) > 0", fold(text).into());
            sql.push_str(" OR o.taxon_id IN (");
            for (i, id) in ids.iter().enumerate() {
                arg(&mut sql, if i == 0 { "?" } else { ", ?" }, key_value(id));
            }
            sql.push_str("))");
        }
        if let Some(after) = after {
            let (utc, row) = parse_cursor(after)?;
            arg(&mut sql, " AND (o.observed_utc, o.rowid_) < (?", utc.into());
            arg(&mut sql, ", ?)", row.into());
        }
        sql.push_str(" ORDER BY o.observed_utc DESC, o.rowid_ DESC LIMIT ");
        sql.push_str(&(limit + 1).to_string());
        let mut stmt = self.connection().prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        let mut next = None;
        let mut has_more = false;
        while let Some(r) = rows.next()? {
            if out.len() == limit {
                has_more = true;
                break;
            }
            let rev_id = id_column(r, 1)?;
            let body = r.get::<_, super::packed::BodyText>(6)?.0;
            let Body::Observation(observation) = Body::from_json(Kind::Observation, &body)
                .map_err(|e| Error::BadRevision {
                    rev_id: rev_id.clone(),
                    reason: e.to_string(),
                })?
            else {
                unreachable!("parsed as an observation")
            };
            let utc: i64 = r.get(7)?;
            let rowid: i64 = r.get(8)?;
            out.push(ObservationRow {
                id: id_column(r, 0)?,
                rev_id,
                conflict: r.get(2)?,
                scientific_name: r.get(3)?,
                site_name: r.get(4)?,
                country: r
                    .get::<_, Option<String>>(5)?
                    .and_then(|c| Country::parse(&c)),
                observation,
            });
            next = Some(format!("{utc}:{rowid}"));
        }
        Ok(ObservationPage {
            rows: out,
            next: if has_more { next } else { None },
        })
    }

    /// Per site and taxon: number of records, sum of individuals, first and last seen.
    pub fn species_summary(&self, site: Option<&str>) -> Result<Vec<SpeciesSummary>> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT nullif(g.site_key, ''), json_extract(s.body, '$.name'), nullif(g.taxon_key, ''),
                    coalesce(json_extract(t.body, '$.scientific_name'),
                             (SELECT min(o.taxon_name) FROM observation o
                              WHERE o.taxon_id IS NULL AND o.deleted = 0
                                AND o.site_id IS nullif(g.site_key, ''))),
                    g.records, g.individuals, g.first_at, g.last_at
             FROM species_tally g
             LEFT JOIN record s ON s.id = g.site_key
             LEFT JOIN record t ON t.id = g.taxon_key
             WHERE ?1 IS NULL OR g.site_key = ?1
             ORDER BY 2, 4",
        )?;
        let rows = stmt.query_map([site.map(IdKey)], |r| {
            Ok(SpeciesSummary {
                site_id: opt_id_column(r, 0)?,
                site_name: r.get(1)?,
                taxon_id: opt_id_column(r, 2)?,
                scientific_name: r.get(3)?,
                records: r.get(4)?,
                individuals: r.get::<_, i64>(5)?.max(0) as u64,
                first_seen: r.get(6)?,
                last_seen: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The checklist of a country with every taxon and the data-sheet deadlines.
    pub fn country_checklist(&self, country: Country) -> Result<CountryChecklist> {
        let index = self.taxon_index()?;
        for c in self.list(Kind::Checklist)? {
            if let Some(Body::Checklist(list)) = c.body {
                if list.country == country {
                    let taxa = list
                        .taxa
                        .iter()
                        .filter_map(|id| {
                            index.get(id).map(|t| ChecklistEntry {
                                id: id.clone(),
                                taxon: t.clone(),
                            })
                        })
                        .collect();
                    return Ok(CountryChecklist {
                        id: c.id,
                        rev_id: c.rev_id,
                        country,
                        taxa,
                        deadlines: list.deadlines,
                    });
                }
            }
        }
        Err(Error::NotFound(format!(
            "no checklist for {}",
            country.code()
        )))
    }

    /// The id of the site called `name` (see [`SiteIndex::resolve`]).
    pub fn resolve_site(&self, name: &str) -> Result<String> {
        SiteIndex::load(self)?.resolve(name)
    }

    /// Counts of records, revisions, pending ops and conflicts, and the store's size.
    pub fn stats(&self) -> Result<Stats> {
        let c = self.connection();
        let mut records = Vec::new();
        for k in Kind::ALL {
            let n: u64 = if k == Kind::Observation {
                // The species tally holds every live observation in exactly one group: a few
                // hundred rows to add up instead of a count over every observation.
                c.query_row(
                    "SELECT coalesce(sum(records), 0) FROM species_tally",
                    [],
                    |r| r.get(0),
                )?
            } else {
                c.query_row(
                    "SELECT count(*) FROM record WHERE kind = ?1 AND deleted = 0",
                    [k.as_str()],
                    |r| r.get(0),
                )?
            };
            records.push((k, n));
        }
        let observations = records
            .iter()
            .find(|(k, _)| *k == Kind::Observation)
            .map_or(0, |r| r.1);
        let revisions: u64 = c.query_row("SELECT max(seq) FROM revision", [], |r| {
            r.get::<_, Option<u64>>(0).map(Option::unwrap_or_default)
        })?;
        let mut size_bytes = 0;
        for suffix in ["", "-wal"] {
            let p = self.dir().join(format!("{}{suffix}", super::DB_FILE));
            size_bytes += std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        }
        Ok(Stats {
            device_id: self.device_id().to_string(),
            records,
            observations,
            revisions,
            pending_ops: self.pending_count()?,
            conflicts: self.conflicts()?.len() as u64,
            size_bytes,
        })
    }
}

/// Site names for resolving what people type.
pub struct SiteIndex {
    sites: Vec<(String, String)>,
}

impl SiteIndex {
    /// Loads every live site.
    pub fn load(store: &Store) -> Result<SiteIndex> {
        let sites = store
            .list(Kind::Site)?
            .into_iter()
            .filter_map(|c| match c.body {
                Some(Body::Site(s)) => Some((c.id, fold(&s.name))),
                _ => None,
            })
            .collect();
        Ok(SiteIndex { sites })
    }

    /// Case-insensitive exact name, or a unique partial match.
    pub fn resolve(&self, name: &str) -> Result<String> {
        let q = fold(name);
        if let Some((id, _)) = self.sites.iter().find(|(_, n)| *n == q) {
            return Ok(id.clone());
        }
        let partial: Vec<&(String, String)> =
            self.sites.iter().filter(|(_, n)| n.contains(&q)).collect();
        match partial.as_slice() {
            [(id, _)] => Ok(id.clone()),
            [] => Err(Error::invalid(
                "site",
                "unknown_site",
                format!("no site is called '{name}'"),
            )),
            _ => Err(Error::invalid(
                "site",
                "ambiguous_site",
                format!("'{name}' matches {} sites; be more specific", partial.len()),
            )),
        }
    }
}
