//! The local SQLite store: revisions, current state, outbox.
//!
//! One write is one transaction that appends an immutable revision, updates the record's
//! current-state row and appends an outbox op. See docs/ARCHITECTURE.md for the schema.

mod current;
pub(crate) mod ids;
mod packed;
pub mod query;
mod schema2;
mod write;

use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::model::{Body, Kind};
use dauria_proto::Revision;
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

pub use write::{ApplyReport, Pulled, Saved, SetAside, TakenBack};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "dauria.sqlite3";

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/001_initial.sql")),
        M::up(include_str!("../../migrations/002_set_aside.sql")),
        M::up(include_str!("../../migrations/003_import_source.sql")),
        M::up_with_hook(
            include_str!("../../migrations/004_schema2.sql"),
            schema2::copy,
        ),
        M::up_with_hook(
            include_str!("../../migrations/005_packed_bodies.sql"),
            schema2::pack_bodies,
        ),
        M::up(include_str!("../../migrations/006_observation_rev_seq.sql")),
        M::up_with_hook(
            include_str!("../../migrations/007_revision_ids.sql"),
            schema2::ids_as_bytes,
        ),
        M::up_with_hook(
            include_str!("../../migrations/008_current_ids.sql"),
            schema2::current_ids_as_bytes,
        ),
    ])
}

/// Number of migrations this build knows (the store schema version it writes): 3 is the
/// layout called schema 1 in the docs, 4 to 7 are schema 2 (4: no stored body hashes, 5: packed
/// revision bodies, 6: observations name their revision by its key, 7 and 8: ids as bytes).
pub fn schema_version() -> i64 {
    8
}

/// The current state of one record.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Current {
    pub id: String,
    pub kind: Kind,
    /// The provisional winner among the heads.
    pub rev_id: String,
    pub deleted: bool,
    /// More than one head: someone must merge.
    pub conflict: bool,
    /// Absent for a deleted record.
    pub body: Option<Body>,
}

/// A revision as shown in a record's history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RevisionInfo {
    pub rev_id: String,
    pub parents: Vec<String>,
    pub generation: u32,
    pub device_id: String,
    pub device_seq: u64,
    pub hlc: String,
    /// Wall-clock time of the writer, from the HLC, RFC 3339 UTC.
    pub written_at: String,
    pub deleted: bool,
    pub body: Option<Body>,
    /// Whether this revision is currently a head.
    pub head: bool,
}

/// A local SQLite store in a data folder.
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    device_id: String,
    clock: Hlc,
    /// Added to the wall clock; non-zero only to simulate a laptop whose clock is wrong.
    clock_offset_ms: i64,
    /// The species index, built on first use (see [`Store::taxon_index`]).
    taxa: std::cell::RefCell<crate::taxa::TaxonCache>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, migrating it and seeding it on first use.
    ///
    /// Refuses a store written by a newer version without touching it.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            context: format!("cannot create the data folder {}", dir.display()),
            source,
        })?;
        if crate::encryption::is_interrupted(dir) {
            return Err(Error::EncryptionInterrupted);
        }
        if crate::encryption::is_locked(dir) {
            return Err(Error::Locked);
        }
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        // First, before any page is read: an encrypted store is keyed here.
        crate::encryption::key_connection(&conn, dir)?;
        crate::fs_mode::restrict_store(dir, DB_FILE)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > schema_version() {
            return Err(Error::TooNew {
                found,
                known: schema_version(),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Foreign keys are enforced once the schema is current: a migration that rebuilds a
        // table others refer to checks them itself before it commits.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        migrations().to_latest(&mut conn)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let device_id = match get_meta(&conn, "device_id")? {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('device_id', ?1)",
                    [&id],
                )?;
                id
            }
        };
        let mut store = Store {
            conn,
            dir: dir.to_path_buf(),
            device_id,
            clock: Hlc::default(),
            clock_offset_ms: 0,
            taxa: Default::default(),
        };
        store.clock = store.load_clock()?;
        if get_meta(&store.conn, "seeded")?.as_deref() != Some(crate::seed::SEED_VERSION) {
            crate::seed::seed(&mut store)?;
        }
        Ok(store)
    }

    /// Shifts this store's wall clock, as on a laptop whose clock is set wrong. Revisions carry
    /// the shifted time in their HLC; nothing is decided by it.
    pub fn set_clock_offset_ms(&mut self, offset: i64) {
        self.clock_offset_ms = offset;
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This laptop's device id (UUIDv7, made on first open).
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub(crate) fn taxa_cache(&self) -> &std::cell::RefCell<crate::taxa::TaxonCache> {
        &self.taxa
    }

    /// The underlying connection, for read-only queries in sibling modules and benchmarks.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn load_clock(&self) -> Result<Hlc> {
        let own: Option<String> = self
            .conn
            .query_row(
                "SELECT r.hlc FROM outbox o JOIN revision r ON r.seq = o.rev_seq
                 ORDER BY o.device_seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let seen = get_meta(&self.conn, "hlc_seen")?;
        Ok([own, seen]
            .into_iter()
            .flatten()
            .filter_map(|s| Hlc::parse(&s))
            .max()
            .unwrap_or_default())
    }

    /// Reads a value from the store's key/value metadata.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        get_meta(&self.conn, key)
    }

    /// Writes a value to the store's key/value metadata.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        set_meta(&self.conn, key, value)
    }

    /// The current state of a record, if it exists.
    pub fn get(&self, id: &str) -> Result<Option<Current>> {
        current::load(&self.conn, id)
    }

    /// Every live (not deleted) record of a kind, in id order.
    pub fn list(&self, kind: Kind) -> Result<Vec<Current>> {
        current::list(&self.conn, kind)
    }

    /// All revisions of a record, oldest first.
    pub fn history(&self, id: &str) -> Result<Vec<RevisionInfo>> {
        let heads = current::heads(&self.conn, id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT rev_id, kind, parents, generation, device_id, device_seq, hlc, deleted, body
             FROM revision WHERE record_id = ?1 ORDER BY generation, hlc, rev_id",
        )?;
        let rows = stmt.query_map([ids::IdKey(id)], |r| {
            Ok((
                ids::id_column(r, 0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                ids::id_column(r, 4)?,
                r.get::<_, u64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, bool>(7)?,
                packed::body_column(r, 8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (rev_id, kind, parents, generation, device_id, device_seq, hlc, deleted, body) =
                row?;
            let kind = Kind::parse(&kind).ok_or_else(|| Error::BadRevision {
                rev_id: rev_id.clone(),
                reason: format!("unknown kind {kind}"),
            })?;
            let body = body
                .map(|b| Body::from_json(kind, &b))
                .transpose()
                .map_err(|e| Error::BadRevision {
                    rev_id: rev_id.clone(),
                    reason: e.to_string(),
                })?;
            let written_at = Hlc::parse(&hlc)
                .and_then(|h| chrono::DateTime::from_timestamp_millis(h.ms))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            out.push(RevisionInfo {
                head: heads.contains(&rev_id),
                rev_id,
                parents: serde_json::from_str(&parents).unwrap_or_default(),
                generation,
                device_id,
                device_seq,
                hlc,
                written_at,
                deleted,
                body,
            });
        }
        if out.is_empty() {
            return Err(Error::NotFound(format!("no record with id {id}")));
        }
        Ok(out)
    }

    /// The heads of a record with their bodies (one unless in conflict); winner first.
    pub fn heads(&self, id: &str) -> Result<Vec<RevisionInfo>> {
        let heads = current::heads(&self.conn, id)?;
        let mut all: Vec<RevisionInfo> = self.history(id)?.into_iter().filter(|r| r.head).collect();
        all.sort_by_key(|r| heads.iter().position(|h| *h == r.rev_id));
        Ok(all)
    }

    /// Ids of records in conflict, with their kind.
    pub fn conflicts(&self) -> Result<Vec<(String, Kind)>> {
        current::conflicts(&self.conn)
    }

    /// Number of outbox ops not yet acknowledged by the server.
    pub fn pending_count(&self) -> Result<u64> {
        let pushed = self.pushed_seq()?;
        let n: u64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE device_seq > ?1",
            [pushed],
            |r| r.get(0),
        )?;
        Ok(n)
    }

    /// The highest device_seq the server has acknowledged.
    pub fn pushed_seq(&self) -> Result<u64> {
        Ok(self
            .meta("pushed_seq")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// Records that everything up to `device_seq` is acknowledged by the server.
    pub fn mark_pushed(&self, device_seq: u64) -> Result<()> {
        let current = self.pushed_seq()?;
        if device_seq > current {
            self.set_meta("pushed_seq", &device_seq.to_string())?;
        }
        Ok(())
    }

    /// Sets the acknowledged watermark, also backwards: when the server answers that it has less
    /// than we thought (it was restored from a backup), the ops after it are sent again.
    pub fn set_pushed(&self, device_seq: u64) -> Result<()> {
        self.set_meta("pushed_seq", &device_seq.to_string())
    }

    /// Whether this laptop has the revision.
    pub fn has_revision(&self, rev_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM revision WHERE rev_id = ?1")?
            .exists([ids::IdKey(rev_id)])?)
    }

    /// Outbox ops after `after_seq`, oldest first, at most `max_ops` and about `max_bytes`
    /// (always at least one op, so an oversized op is still offered and can be rejected).
    pub fn outbox_after(
        &self,
        after_seq: u64,
        max_ops: usize,
        max_bytes: usize,
    ) -> Result<Vec<Revision>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.rev_id, r.record_id, r.kind, r.parents, r.generation, r.device_id,
                    o.device_seq, r.hlc, r.schema_version, r.deleted, r.body, r.body_sha256
             FROM outbox o JOIN revision r ON r.seq = o.rev_seq
             WHERE o.device_seq > ?1 ORDER BY o.device_seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after_seq, max_ops as i64])?;
        let mut out = Vec::new();
        let mut bytes = 0usize;
        while let Some(r) = rows.next()? {
            let rev = revision_from_row(r)?;
            let size = rev.body.as_ref().map_or(0, |b| b.get().len()) + 300;
            if !out.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            out.push(rev);
        }
        Ok(out)
    }

    /// Every revision in the store in local arrival order after `after_seq` (for hubs and tests).
    pub fn revisions_after(&self, after_seq: i64, limit: usize) -> Result<Vec<(i64, Revision)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rev_id, record_id, kind, parents, generation, device_id,
                    device_seq, hlc, schema_version, deleted, body, body_sha256, seq
             FROM revision WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after_seq, limit as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push((r.get(12)?, revision_from_row(r)?));
        }
        Ok(out)
    }

    /// The SHA-256 of every photo attached to a live observation, sorted, each once.
    pub fn referenced_photos(&self) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct Photos {
            #[serde(default)]
            photos: Vec<String>,
        }
        let mut stmt = self.conn.prepare(
            "SELECT r.body FROM observation o JOIN revision r ON r.seq = o.rev_seq
             WHERE o.deleted = 0",
        )?;
        let mut rows = stmt.query([])?;
        let mut found = std::collections::BTreeSet::new();
        while let Some(r) = rows.next()? {
            let Some(body) = packed::body_column(r, 0)? else {
                continue;
            };
            // Only bodies that mention photos are parsed.
            if body.contains("\"photos\":[\"") {
                if let Ok(p) = serde_json::from_str::<Photos>(&body) {
                    found.extend(p.photos);
                }
            }
        }
        Ok(found.into_iter().collect())
    }

    /// Every record's winning revision and whether it is in conflict, deleted records
    /// included, in id order: what two replicas that have converged agree on.
    pub fn record_states(&self) -> Result<Vec<(String, String, bool)>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.id, r.rev_id, o.conflict FROM observation o
               JOIN revision r ON r.seq = o.rev_seq
             UNION ALL SELECT id, rev_id, conflict FROM record",
        )?;
        let mut out = stmt
            .query_map([], |r| {
                Ok((ids::id_column(r, 0)?, ids::id_column(r, 1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
    }

    /// Runs `PRAGMA integrity_check` and returns its first line (`ok` when healthy).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn revision_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Revision> {
    let body = packed::body_column(r, 10)?;
    let body_sha256 = schema2::read_hash(body.as_deref(), r.get(11)?);
    Ok(Revision {
        rev_id: ids::id_column(r, 0)?,
        record_id: ids::id_column(r, 1)?,
        kind: r.get(2)?,
        parents: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
        generation: r.get(4)?,
        device_id: ids::id_column(r, 5)?,
        device_seq: r.get(6)?,
        hlc: r.get(7)?,
        schema_version: r.get(8)?,
        deleted: r.get(9)?,
        body: body.and_then(|b| serde_json::value::RawValue::from_string(b).ok()),
        body_sha256,
    })
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}
