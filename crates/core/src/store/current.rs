//! Current-state rows: derived from the winning head revision of each record.

use super::ids::{id_column, IdKey};
use super::Current;
use crate::error::{Error, Result};
use crate::model::{Body, Kind, Observation};
use rusqlite::{params, Connection, OptionalExtension};

/// The winning head of a record, as the current-state tables need it.
pub(crate) struct Winner<'a> {
    pub rev_id: &'a str,
    /// The revision's key (`revision.seq`).
    pub seq: i64,
    pub deleted: bool,
    pub body: Option<&'a Body>,
}

fn bad(id: &str, e: impl std::fmt::Display) -> Error {
    Error::BadRevision {
        rev_id: id.to_string(),
        reason: e.to_string(),
    }
}

/// Loads the current state of a record.
pub(crate) fn load(conn: &Connection, id: &str) -> Result<Option<Current>> {
    let row: Option<(String, String, bool, bool, Option<String>)> = conn
        .prepare_cached(
            "SELECT kind, rev_id, deleted, conflict, body FROM record WHERE id = ?1
             UNION ALL
             SELECT 'observation', r.rev_id, o.deleted, o.conflict, r.body
             FROM observation o JOIN revision r ON r.seq = o.rev_seq WHERE o.id = ?1",
        )?
        .query_row([IdKey(id)], |r| {
            Ok((
                r.get(0)?,
                id_column(r, 1)?,
                r.get(2)?,
                r.get(3)?,
                super::packed::body_column(r, 4)?,
            ))
        })
        .optional()?;
    let Some((kind, rev_id, deleted, conflict, body)) = row else {
        return Ok(None);
    };
    let kind = Kind::parse(&kind).ok_or_else(|| bad(&rev_id, format!("unknown kind {kind}")))?;
    let body = match body {
        Some(b) if !deleted => Some(Body::from_json(kind, &b).map_err(|e| bad(&rev_id, e))?),
        _ => None,
    };
    Ok(Some(Current {
        id: id.to_string(),
        kind,
        rev_id,
        deleted,
        conflict,
        body,
    }))
}

/// Live records of a kind.
pub(crate) fn list(conn: &Connection, kind: Kind) -> Result<Vec<Current>> {
    let mut out = Vec::new();
    if kind == Kind::Observation {
        let mut stmt = conn.prepare_cached(
            "SELECT o.id, r.rev_id, o.conflict, r.body FROM observation o
             JOIN revision r ON r.seq = o.rev_seq WHERE o.deleted = 0 ORDER BY o.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                id_column(r, 0)?,
                id_column(r, 1)?,
                r.get(2)?,
                r.get::<_, super::packed::BodyText>(3)?.0,
            ))
        })?;
        for row in rows {
            let (id, rev_id, conflict, body): (String, String, bool, String) = row?;
            let body = Body::from_json(kind, &body).map_err(|e| bad(&rev_id, e))?;
            out.push(Current {
                id,
                kind,
                rev_id,
                deleted: false,
                conflict,
                body: Some(body),
            });
        }
        return Ok(out);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, rev_id, conflict, body FROM record WHERE kind = ?1 AND deleted = 0 ORDER BY id",
    )?;
    let rows = stmt.query_map([kind.as_str()], |r| {
        Ok((
            id_column(r, 0)?,
            id_column(r, 1)?,
            r.get(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (id, rev_id, conflict, body): (String, String, bool, String) = row?;
        let body = Body::from_json(kind, &body).map_err(|e| bad(&rev_id, e))?;
        out.push(Current {
            id,
            kind,
            rev_id,
            deleted: false,
            conflict,
            body: Some(body),
        });
    }
    Ok(out)
}

/// The heads of a record: the provisional winner first, then the others in rev_id order.
pub(crate) fn heads(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let winner: Option<String> = conn
        .prepare_cached(
            "SELECT rev_id FROM record WHERE id = ?1
             UNION ALL SELECT r.rev_id FROM observation o JOIN revision r ON r.seq = o.rev_seq
             WHERE o.id = ?1",
        )?
        .query_row([IdKey(id)], |r| id_column(r, 0))
        .optional()?;
    let Some(winner) = winner else {
        return Ok(Vec::new());
    };
    let mut out = vec![winner];
    let mut stmt = conn
        .prepare_cached("SELECT rev_id FROM conflict_head WHERE record_id = ?1 ORDER BY rev_id")?;
    for r in stmt.query_map([id], |r| r.get::<_, String>(0))? {
        out.push(r?);
    }
    Ok(out)
}

/// Records in conflict.
pub(crate) fn conflicts(conn: &Connection) -> Result<Vec<(String, Kind)>> {
    // A record is in conflict exactly when it has heads besides its winner, and those are the
    // few rows of conflict_head: no scan of every observation's flag.
    let ids: Vec<String> = conn
        .prepare_cached("SELECT DISTINCT record_id FROM conflict_head ORDER BY 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut kind_of = conn.prepare_cached(
        "SELECT kind FROM record WHERE id = ?1 AND conflict = 1
         UNION ALL SELECT 'observation' FROM observation WHERE id = ?1 AND conflict = 1",
    )?;
    let mut out = Vec::new();
    for id in ids {
        let kind: Option<String> = kind_of.query_row([IdKey(&id)], |r| r.get(0)).optional()?;
        if let Some(kind) = kind.as_deref().and_then(Kind::parse) {
            out.push((id, kind));
        }
    }
    Ok(out)
}

/// What a transaction of many writes keeps between them: the species tally's changes, added up
/// per (site, taxon) group and written once per group when the chunk ends ([`Derived::flush`]),
/// and the sites' countries read so far. A transaction must flush before it commits.
#[derive(Default)]
pub(crate) struct Derived {
    tally: std::collections::HashMap<(String, String), tally::Group>,
    site_country: std::collections::HashMap<String, Option<String>>,
    /// Groups written since the savepoint began, given back if it is rolled back.
    journal: Option<Vec<((String, String), tally::Group)>>,
}

impl Derived {
    /// Writes the tally changes added up so far.
    pub(crate) fn flush(&mut self, conn: &Connection) -> Result<()> {
        let journal = &mut self.journal;
        for (key, g) in self.tally.drain() {
            tally::add_group(conn, &key.0, &key.1, &g)?;
            if let Some(j) = journal {
                j.push((key, g));
            }
        }
        Ok(())
    }

    /// A savepoint begins: what is written from now on is noted.
    pub(crate) fn savepoint(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// The savepoint was released: what it wrote stays.
    pub(crate) fn release(&mut self) {
        self.journal = None;
    }

    /// The savepoint was rolled back: the groups written inside it are pending again (only a
    /// successful write adds to the tally, so none of them is the failed write's).
    pub(crate) fn rollback(&mut self) {
        self.site_country.clear();
        for (key, g) in self.journal.take().unwrap_or_default() {
            match self.tally.remove(&key) {
                Some(later) => {
                    let mut g = g;
                    g.merge(later);
                    self.tally.insert(key, g);
                }
                None => {
                    self.tally.insert(key, g);
                }
            }
        }
    }

    fn country_of_site(&mut self, conn: &Connection, site: &str) -> Result<Option<String>> {
        if let Some(c) = self.site_country.get(site) {
            return Ok(c.clone());
        }
        let c: Option<String> = conn
            .prepare_cached(
                "SELECT json_extract(body, '$.country') FROM record WHERE id = ?1 AND kind = 'site'",
            )?
            .query_row([IdKey(site)], |r| r.get(0))
            .optional()?
            .flatten();
        self.site_country.insert(site.to_string(), c.clone());
        Ok(c)
    }
}

/// Writes the current-state row of a record from its winning head, and its other heads.
///
/// A new live observation's share of the species tally is added to `derived` and written when
/// it is flushed; any other change to an observation flushes first, so the tally it reads and
/// updates is exact.
pub(crate) fn write(
    conn: &Connection,
    id: &str,
    kind: Kind,
    winner: &Winner<'_>,
    others: &[String],
    fresh: bool,
    derived: &mut Derived,
) -> Result<()> {
    let conflict = !others.is_empty();
    if matches!(kind, Kind::Taxon | Kind::Checklist) {
        // The species index (taxa.rs) compares this to the version it was built at. A random
        // value, not a counter: a rolled-back change cannot leave a version that a later,
        // different change reuses.
        conn.prepare_cached(
            "INSERT INTO meta(key, value) VALUES (?1, hex(randomblob(8)))
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )?
        .execute([crate::taxa::TAXA_VERSION])?;
    }
    if !fresh {
        conn.prepare_cached("DELETE FROM conflict_head WHERE record_id = ?1")?
            .execute([id])?;
        let mut ins =
            conn.prepare_cached("INSERT INTO conflict_head(record_id, rev_id) VALUES (?1, ?2)")?;
        for h in others {
            ins.execute([id, h.as_str()])?;
        }
    }
    if kind != Kind::Observation {
        conn.prepare_cached(
            "INSERT INTO record(id, kind, rev_id, deleted, conflict, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET rev_id = excluded.rev_id, deleted = excluded.deleted,
               conflict = excluded.conflict, body = excluded.body",
        )?
        .execute(params![
            IdKey(id),
            kind.as_str(),
            IdKey(winner.rev_id),
            winner.deleted,
            conflict,
            winner.body.filter(|_| !winner.deleted).map(Body::to_json)
        ])?;
        if kind == Kind::Site {
            derived.site_country.remove(id);
        }
        // A moved site can change country: the sightings at it follow, in this transaction.
        if let (Some(Body::Site(site)), false) = (winner.body, winner.deleted) {
            conn.prepare_cached(
                "UPDATE observation SET country = ?2 WHERE site_id = ?1 AND country IS NOT ?2",
            )?
            .execute(params![IdKey(id), site.country.code()])?;
        }
        return Ok(());
    }
    let obs = match winner.body {
        Some(Body::Observation(o)) => Some(o),
        _ => None,
    };
    let before = if fresh {
        None
    } else {
        derived.flush(conn)?;
        tally::live_entry(conn, id)?
    };
    let row = obs
        .map(|o| ObservationRow::from(conn, o, derived))
        .transpose()?;
    let sql = if fresh {
        "INSERT INTO observation(id, rev_seq, deleted, conflict, visit_id, site_id, taxon_id,
           taxon_name, count, count_min, count_max, unit, lat, lon, observed_at, observed_utc,
           country, search)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    } else {
        "INSERT INTO observation(id, rev_seq, deleted, conflict, visit_id, site_id, taxon_id,
           taxon_name, count, count_min, count_max, unit, lat, lon, observed_at, observed_utc,
           country, search)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT(id) DO UPDATE SET rev_seq = excluded.rev_seq, deleted = excluded.deleted,
           conflict = excluded.conflict, visit_id = excluded.visit_id, site_id = excluded.site_id,
           taxon_id = excluded.taxon_id, taxon_name = excluded.taxon_name, count = excluded.count,
           count_min = excluded.count_min, count_max = excluded.count_max, unit = excluded.unit,
           lat = excluded.lat, lon = excluded.lon, observed_at = excluded.observed_at,
           observed_utc = excluded.observed_utc, country = excluded.country, search = excluded.search"
    };
    let r = row.unwrap_or_default();
    conn.prepare_cached(sql)?.execute(params![
        IdKey(id),
        winner.seq,
        winner.deleted || obs.is_none(),
        conflict,
        r.visit.map(IdKey),
        r.site.map(IdKey),
        r.taxon.map(IdKey),
        r.taxon_name,
        r.count,
        r.count_min,
        r.count_max,
        r.unit,
        r.lat,
        r.lon,
        r.observed_at,
        r.observed_utc,
        r.country,
        r.search,
    ])?;
    // The import index learns the sources of records from anywhere (this laptop's imports and
    // other laptops' after a sync), so importing the same file again adds nothing.
    if let Some(src) = obs.and_then(|o| o.source.as_ref()) {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO import_source (dataset, source_id, record_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            src.dataset,
            super::schema2::source_key(&src.id),
            IdKey(id)
        ])?;
    }
    if let Some(old) = before {
        tally::remove(conn, &old)?;
    }
    if !(winner.deleted || obs.is_none()) {
        let e = tally::Entry::from(&r);
        if fresh {
            derived
                .tally
                .entry((e.site.clone(), e.taxon.clone()))
                .or_default()
                .add(&e);
        } else {
            tally::add(conn, &e)?;
        }
    }
    Ok(())
}

/// The species tally: per (site, taxon) counts kept in step with the observation rows.
mod tally {
    use super::super::ids::{opt_id_column, IdKey};
    use super::ObservationRow;
    use crate::error::Result;
    use rusqlite::{params, Connection, OptionalExtension};

    /// What one live observation contributes to its (site, taxon) group.
    pub(super) struct Entry {
        pub(super) site: String,
        pub(super) taxon: String,
        individuals: i64,
        utc: i64,
        at: String,
    }

    /// Several live observations of one (site, taxon) group, added up before they are written.
    pub(crate) struct Group {
        records: i64,
        individuals: i64,
        first_utc: i64,
        first_at: String,
        last_utc: i64,
        last_at: String,
    }

    impl Default for Group {
        fn default() -> Group {
            Group {
                records: 0,
                individuals: 0,
                first_utc: i64::MAX,
                first_at: String::new(),
                last_utc: super::UNDATED_UTC,
                last_at: String::new(),
            }
        }
    }

    impl Group {
        /// As [`add`] would change the stored row, in the same order: the earlier of equal
        /// first or last sightings is kept.
        pub(super) fn add(&mut self, e: &Entry) {
            let first = if e.utc == super::UNDATED_UTC {
                i64::MAX
            } else {
                e.utc
            };
            if self.records == 0 {
                self.first_at = e.at.clone();
                self.last_at = e.at.clone();
                self.first_utc = first;
                self.last_utc = e.utc;
            } else {
                if first < self.first_utc {
                    self.first_utc = first;
                    self.first_at = e.at.clone();
                }
                if e.utc > self.last_utc {
                    self.last_utc = e.utc;
                    self.last_at = e.at.clone();
                }
            }
            self.records += 1;
            self.individuals += e.individuals;
        }

        /// Adds a group whose records came after this one's.
        pub(super) fn merge(&mut self, later: Group) {
            if self.records == 0 {
                *self = later;
                return;
            }
            if later.records == 0 {
                return;
            }
            if later.first_utc < self.first_utc {
                self.first_utc = later.first_utc;
                self.first_at = later.first_at;
            }
            if later.last_utc > self.last_utc {
                self.last_utc = later.last_utc;
                self.last_at = later.last_at;
            }
            self.records += later.records;
            self.individuals += later.individuals;
        }
    }

    /// Adds a group of live observations to its tally row.
    pub(super) fn add_group(conn: &Connection, site: &str, taxon: &str, g: &Group) -> Result<()> {
        conn.prepare_cached(
            "INSERT INTO species_tally VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(site_key, taxon_key) DO UPDATE SET
               records = records + excluded.records,
               individuals = individuals + excluded.individuals,
               first_at = CASE WHEN excluded.first_utc < first_utc THEN excluded.first_at ELSE first_at END,
               first_utc = min(first_utc, excluded.first_utc),
               last_at = CASE WHEN excluded.last_utc > last_utc THEN excluded.last_at ELSE last_at END,
               last_utc = max(last_utc, excluded.last_utc)",
        )?
        .execute(params![
            IdKey(site),
            IdKey(taxon),
            g.records,
            g.individuals,
            g.first_utc,
            g.first_at,
            g.last_utc,
            g.last_at
        ])?;
        Ok(())
    }

    impl From<&ObservationRow<'_>> for Entry {
        fn from(r: &ObservationRow<'_>) -> Entry {
            Entry {
                site: r.site.unwrap_or("").to_string(),
                taxon: r.taxon.unwrap_or("").to_string(),
                individuals: individuals(r.unit, r.count.or(r.count_min)),
                utc: r.observed_utc,
                at: r.observed_at.clone(),
            }
        }
    }

    fn individuals(unit: &str, n: Option<u32>) -> i64 {
        if unit == "individuals" {
            n.map_or(0, i64::from)
        } else {
            0
        }
    }

    /// The current row of `id` as the tally counts it, if it is live.
    pub(super) fn live_entry(conn: &Connection, id: &str) -> Result<Option<Entry>> {
        Ok(conn
            .prepare_cached(
                "SELECT site_id, taxon_id, unit, coalesce(count, count_min), observed_utc, observed_at
                 FROM observation WHERE id = ?1 AND deleted = 0",
            )?
            .query_row([IdKey(id)], |r| {
                Ok(Entry {
                    site: opt_id_column(r, 0)?.unwrap_or_default(),
                    taxon: opt_id_column(r, 1)?.unwrap_or_default(),
                    individuals: individuals(&r.get::<_, String>(2)?, r.get(3)?),
                    utc: r.get(4)?,
                    at: r.get(5)?,
                })
            })
            .optional()?)
    }

    pub(super) fn add(conn: &Connection, e: &Entry) -> Result<()> {
        // SET expressions see the row as it was before this update. An undated record counts,
        // but is neither the first nor the last sighting.
        let first = if e.utc == super::UNDATED_UTC {
            i64::MAX
        } else {
            e.utc
        };
        conn.prepare_cached(
            "INSERT INTO species_tally VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?5)
             ON CONFLICT(site_key, taxon_key) DO UPDATE SET
               records = records + 1,
               individuals = individuals + excluded.individuals,
               first_at = CASE WHEN excluded.first_utc < first_utc THEN excluded.first_at ELSE first_at END,
               first_utc = min(first_utc, excluded.first_utc),
               last_at = CASE WHEN excluded.last_utc > last_utc THEN excluded.last_at ELSE last_at END,
               last_utc = max(last_utc, excluded.last_utc)",
        )?
        .execute(params![
            IdKey(&e.site),
            IdKey(&e.taxon),
            e.individuals,
            first,
            e.at,
            e.utc
        ])?;
        Ok(())
    }

    /// Takes a replaced or deleted row out of its group. Must run after the observation row
    /// was rewritten, so a recomputed first/last sees the table as it now is.
    pub(super) fn remove(conn: &Connection, e: &Entry) -> Result<()> {
        let left: Option<(i64, i64, i64)> = conn
            .prepare_cached(
                "UPDATE species_tally SET records = records - 1, individuals = individuals - ?3
                 WHERE site_key = ?1 AND taxon_key = ?2 RETURNING records, first_utc, last_utc",
            )?
            .query_row(
                params![IdKey(&e.site), IdKey(&e.taxon), e.individuals],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((records, first, last)) = left else {
            return Ok(());
        };
        if records <= 0 {
            conn.prepare_cached(
                "DELETE FROM species_tally WHERE site_key = ?1 AND taxon_key = ?2",
            )?
            .execute([IdKey(&e.site), IdKey(&e.taxon)])?;
            return Ok(());
        }
        if e.utc != first && e.utc != last {
            return Ok(());
        }
        // The removed row was the first or last sighting: find the new ones (an index range).
        let site = Some(e.site.as_str()).filter(|s| !s.is_empty());
        let taxon = Some(e.taxon.as_str()).filter(|s| !s.is_empty());
        let bound = |order: &str| -> Result<Option<(i64, String)>> {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT observed_utc, observed_at FROM observation
                     WHERE taxon_id IS ?1 AND site_id IS ?2 AND deleted = 0 AND observed_utc > ?3
                     ORDER BY observed_utc {order} LIMIT 1"
                ))?
                .query_row(
                    params![taxon.map(IdKey), site.map(IdKey), super::UNDATED_UTC],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        };
        // Only undated records left: no first or last sighting.
        let (first_utc, first_at) = bound("ASC")?.unwrap_or((i64::MAX, String::new()));
        let (last_utc, last_at) = bound("DESC")?.unwrap_or((super::UNDATED_UTC, String::new()));
        conn.prepare_cached(
            "UPDATE species_tally SET first_utc = ?3, first_at = ?4, last_utc = ?5, last_at = ?6
             WHERE site_key = ?1 AND taxon_key = ?2",
        )?
        .execute(params![
            IdKey(&e.site),
            IdKey(&e.taxon),
            first_utc,
            first_at,
            last_utc,
            last_at
        ])?;
        Ok(())
    }
}

/// `observed_utc` of an undated record: it sorts after every dated one in the newest-first
/// lists, falls outside every date filter, and is never a first or last sighting.
pub(crate) const UNDATED_UTC: i64 = i64::MIN;

/// The typed columns of an observation row.
#[derive(Default)]
struct ObservationRow<'a> {
    visit: Option<&'a str>,
    site: Option<&'a str>,
    taxon: Option<&'a str>,
    taxon_name: Option<&'a str>,
    count: Option<u32>,
    count_min: Option<u32>,
    count_max: Option<u32>,
    unit: &'a str,
    lat: Option<f64>,
    lon: Option<f64>,
    observed_at: String,
    observed_utc: i64,
    country: Option<String>,
    search: String,
}

impl<'a> ObservationRow<'a> {
    fn from(conn: &Connection, o: &'a Observation, derived: &mut Derived) -> Result<Self> {
        let country = match (&o.site, o.lat, o.lon) {
            (Some(site), _, _) => derived.country_of_site(conn, site)?,
            // A sighting logged by coordinates alone (or imported) counts for the country its
            // position lies in.
            (None, Some(lat), Some(lon)) => {
                crate::places::country_at(lat, lon).map(|c| c.code().to_string())
            }
            _ => None,
        };
        let mut search = String::new();
        for part in [o.notes.as_deref(), o.taxon_name.as_deref()]
            .into_iter()
            .flatten()
        {
            search.push_str(&crate::text::fold(part));
            search.push('\n');
        }
        for obs in &o.observers {
            search.push_str(&crate::text::fold(obs));
            search.push('\n');
        }
        Ok(ObservationRow {
            visit: o.visit.as_deref(),
            site: o.site.as_deref(),
            taxon: o.taxon.as_deref(),
            taxon_name: o.taxon_name.as_deref(),
            count: o.count,
            count_min: o.count_min,
            count_max: o.count_max,
            unit: o.unit.as_str(),
            lat: o.lat,
            lon: o.lon,
            // The date as Darwin Core writes it: the time as written, or the day, month, year or
            // range it is known to (empty when undated), so reports read its precision here.
            observed_at: crate::dates::event_date(o),
            observed_utc: if o.date_precision == Some(crate::model::DatePrecision::Undated) {
                UNDATED_UTC
            } else {
                chrono::DateTime::parse_from_rfc3339(&o.observed_at)
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(0)
            },
            country,
            search,
        })
    }
}
