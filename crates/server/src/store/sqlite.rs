//! The SQLite server store (the default): one file in the data folder, WAL, one writer.

use super::{
    code_state, enroll_in_tx, hours_from_now, ingest_in_tx, now, pull_page, push_in_tx,
    random_code, raw_change, register_in_tx, secret_hash, CodeRow, Device, EnrollTx, Enrollment,
    FeedRow, IngestReport, NewChange, PushOutcome, PushTx, Relay, ServerStore,
};
use crate::error::ServerError;
use dauria_core::trust::Identity;
use dauria_proto::{Change, EnrollResponse, HubRegister, PushRequest, Role};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS device (
    device_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      INTEGER NOT NULL DEFAULT 0,
    applied_upto INTEGER NOT NULL DEFAULT 0,
    enrolled_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrollment (
    code_hash  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_by    TEXT
);
-- Each record's identity, fixed by its first stored revision.
CREATE TABLE IF NOT EXISTS record (
    record_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    creator   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS change (
    server_seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     INTEGER NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS change_device ON change(device_id, device_seq);
CREATE TABLE IF NOT EXISTS head (
    record_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (record_id, rev_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch (
    batch_id  TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    response  TEXT NOT NULL
);
";

/// Columns added after the first release, with how to fill them for rows stored before.
const UPGRADES: &[(&str, &str, &str)] = &[
    ("enrollment", "expires_at", "TEXT"),
    ("enrollment", "cancelled", "INTEGER NOT NULL DEFAULT 0"),
    ("enrollment", "device_id", "TEXT"),
    ("change", "generation", "INTEGER"),
    ("change", "role", "TEXT"),
    ("device", "hub", "TEXT"),
];

/// SQLite-backed server store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    let role: String = r.get(2)?;
    Ok(Device {
        device_id: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        revoked: r.get(3)?,
        applied_upto: r.get(4)?,
        enrolled_at: r.get(5)?,
        hub: r.get(6)?,
    })
}

const DEVICE_COLS: &str = "device_id, name, role, revoked, applied_upto, enrolled_at, hub";

impl SqliteStore {
    /// Opens or creates `dauria-server.sqlite3` in `dir`, migrating it to [`SCHEMA_VERSION`].
    ///
    /// A database written by a newer server is refused before anything in it is changed.
    pub fn open(dir: &Path) -> Result<SqliteStore, ServerError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let mut conn = Connection::open(dir.join(DB_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // First, before any pragma or table is written.
        refuse_newer(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        migrate(&mut conn)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('epoch', ?1)",
            [uuid::Uuid::now_v7().to_string()],
        )?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The server database's file in its data folder.
pub const DB_FILE: &str = "dauria-server.sqlite3";

/// The schema this build writes, kept in `PRAGMA user_version`. Version 0 is a database made
/// before versions were kept (its tables and columns added as releases went); version 1 is
/// that schema complete, with the generation and identity of stored revisions filled in.
pub const SCHEMA_VERSION: i64 = 1;

fn refuse_newer(conn: &Connection) -> Result<(), ServerError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(ServerError::NewerDatabase {
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings the database to [`SCHEMA_VERSION`] in one transaction, step by step from the
/// version it has; a failure leaves it as it was.
fn migrate(conn: &mut Connection) -> Result<(), ServerError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Again under the write lock: another server may have migrated it meanwhile.
    refuse_newer(&tx)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found < 1 {
        tx.execute_batch(SCHEMA)?;
        upgrade_unversioned(&tx)?;
    }
    if found < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}

/// Brings a database from before versions were kept up to date: new columns, the
/// generation of stored revisions and the identity of stored records (from their first
/// revision; a stored document that cannot be read is left alone).
fn upgrade_unversioned(tx: &Transaction<'_>) -> Result<(), ServerError> {
    let mut added = false;
    for (table, column, decl) in UPGRADES {
        let has: bool = tx
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
            ))?
            .exists([column])?;
        if !has {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
            added = true;
        }
    }
    if added {
        tx.execute(
            "UPDATE enrollment SET expires_at = ?1 WHERE expires_at IS NULL",
            [super::hours_from_now(super::DEFAULT_CODE_HOURS)],
        )?;
        let rows: Vec<(i64, String, String, String)> = tx
            .prepare("SELECT server_seq, record_id, device_id, doc FROM change WHERE generation IS NULL ORDER BY server_seq")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (seq, record, device, doc) in rows {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&doc) else {
                continue;
            };
            let generation = v["generation"].as_u64().unwrap_or(1);
            tx.execute(
                "UPDATE change SET generation = ?2 WHERE server_seq = ?1",
                params![seq, generation],
            )?;
            if let Some(kind) = v["kind"].as_str() {
                tx.execute(
                    "INSERT OR IGNORE INTO record(record_id, kind, creator) VALUES (?1, ?2, ?3)",
                    params![record, kind, device],
                )?;
            }
        }
    }
    Ok(())
}

struct SqliteTx<'a>(Transaction<'a>);

/// Ids as one JSON array, for `IN (SELECT value FROM json_each(?))`.
fn id_list(ids: &[&str]) -> String {
    serde_json::to_string(ids).expect("strings serialise")
}

impl PushTx for SqliteTx<'_> {
    fn lock_device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        // The IMMEDIATE transaction already holds the write lock.
        Ok(self
            .0
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM device WHERE device_id = ?1"
            ))?
            .query_row([device_id], device_from_row)
            .optional()?)
    }
    fn stored_batch(&mut self, batch_id: &str) -> Result<Option<(String, String)>, ServerError> {
        Ok(self
            .0
            .prepare_cached("SELECT device_id, response FROM batch WHERE batch_id = ?1")?
            .query_row([batch_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
    fn op_hashes(&mut self, rev_ids: &[&str]) -> Result<HashMap<String, String>, ServerError> {
        // One statement per batch: the ids go in as one JSON array, SQLite walks the index.
        let mut stmt = self.0.prepare_cached(
            "SELECT rev_id, payload_sha256 FROM change
             WHERE rev_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([id_list(rev_ids)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn generations(
        &mut self,
        rev_ids: &[&str],
    ) -> Result<HashMap<String, (String, u32)>, ServerError> {
        if rev_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stmt = self.0.prepare_cached(
            "SELECT rev_id, record_id, coalesce(generation, 1) FROM change
             WHERE rev_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([id_list(rev_ids)], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn identities(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Identity>, ServerError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT record_id, kind, creator FROM record
             WHERE record_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([id_list(record_ids)], |r| {
            Ok((
                r.get(0)?,
                Identity {
                    kind: r.get(1)?,
                    creator: r.get(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT record_id, rev_id FROM head
             WHERE record_id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut rows = stmt.query([id_list(record_ids)])?;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        Ok(out)
    }
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError> {
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO change(rev_id, record_id, device_id, device_seq, payload_sha256, doc,
                                generation, role)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut identity = self.0.prepare_cached(
            "INSERT OR IGNORE INTO record(record_id, kind, creator) VALUES (?1, ?2, ?3)",
        )?;
        for c in changes {
            stmt.execute(params![
                c.rev.rev_id,
                c.rev.record_id,
                c.rev.device_id,
                c.rev.device_seq,
                c.payload_sha256,
                c.doc,
                c.rev.generation,
                c.role.as_str()
            ])?;
            if c.creates {
                identity.execute([&c.rev.record_id, &c.rev.kind, &c.rev.device_id])?;
            }
        }
        Ok(())
    }
    fn update_heads(
        &mut self,
        removed: &[(&str, &str)],
        added: &[(&str, &str)],
    ) -> Result<(), ServerError> {
        let mut del = self
            .0
            .prepare_cached("DELETE FROM head WHERE record_id = ?1 AND rev_id = ?2")?;
        for (record, rev) in removed {
            del.execute([record, rev])?;
        }
        let mut ins = self
            .0
            .prepare_cached("INSERT OR IGNORE INTO head(record_id, rev_id) VALUES (?1, ?2)")?;
        for (record, rev) in added {
            ins.execute([record, rev])?;
        }
        Ok(())
    }
    fn set_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.0
            .prepare_cached("UPDATE device SET applied_upto = ?2 WHERE device_id = ?1")?
            .execute(params![device_id, upto])?;
        Ok(())
    }
    fn store_batch(
        &mut self,
        batch_id: &str,
        device_id: &str,
        resp: &str,
    ) -> Result<(), ServerError> {
        self.0
            .prepare_cached("INSERT INTO batch(batch_id, device_id, response) VALUES (?1, ?2, ?3)")?
            .execute([batch_id, device_id, resp])?;
        Ok(())
    }
    fn raise_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.0
            .prepare_cached(
                "UPDATE device SET applied_upto = ?2 WHERE device_id = ?1 AND applied_upto < ?2",
            )?
            .execute(params![device_id, upto])?;
        Ok(())
    }
    fn put_meta(&mut self, key: &str, value: &str) -> Result<(), ServerError> {
        self.0
            .prepare_cached("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)")?
            .execute([key, value])?;
        Ok(())
    }
}

impl EnrollTx for SqliteTx<'_> {
    fn code(&mut self, code_hash: &str) -> Result<Option<CodeRow>, ServerError> {
        Ok(self
            .0
            .query_row(
                "SELECT name, role, expires_at, used_by, cancelled, device_id FROM enrollment
                 WHERE code_hash = ?1",
                [code_hash],
                |r| {
                    let role: String = r.get(1)?;
                    Ok(CodeRow {
                        name: r.get(0)?,
                        role: Role::parse(&role).unwrap_or(Role::Viewer),
                        expires_at: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        used_by: r.get(3)?,
                        cancelled: r.get(4)?,
                        device_id: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }
    fn device_exists(&mut self, device_id: &str) -> Result<bool, ServerError> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM device WHERE device_id = ?1")?
            .exists([device_id])?)
    }
    fn device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        self.lock_device(device_id)
    }
    fn bind_hub(&mut self, device_id: &str, hub: &str) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE device SET hub = ?2 WHERE device_id = ?1",
            [device_id, hub],
        )?;
        Ok(())
    }
    fn insert_device(
        &mut self,
        device_id: &str,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<(), ServerError> {
        self.0.execute(
            "INSERT INTO device(device_id, name, role, token_hash, enrolled_at, applied_upto)
             VALUES (?1, ?2, ?3, ?4, ?5,
                     (SELECT coalesce(max(device_seq), 0) FROM change WHERE device_id = ?1))",
            params![device_id, name, role.as_str(), token_hash, now()],
        )?;
        Ok(())
    }
    fn replace_credential(
        &mut self,
        device_id: &str,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE device SET name = ?2, role = ?3, token_hash = ?4, revoked = 0
             WHERE device_id = ?1",
            params![device_id, name, role.as_str(), token_hash],
        )?;
        Ok(())
    }
    fn mark_used(&mut self, code_hash: &str, device_id: &str) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE enrollment SET used_by = ?2 WHERE code_hash = ?1",
            params![code_hash, device_id],
        )?;
        Ok(())
    }
}

impl ServerStore for SqliteStore {
    fn epoch(&self) -> Result<String, ServerError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
                r.get(0)
            })?)
    }

    fn create_enrollment(
        &self,
        name: &str,
        role: Role,
        hours: u64,
        device_id: Option<&str>,
    ) -> Result<String, ServerError> {
        let code = random_code();
        self.conn().execute(
            "INSERT INTO enrollment(code_hash, name, role, created_at, expires_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                secret_hash(&code),
                name,
                role.as_str(),
                now(),
                hours_from_now(hours),
                device_id
            ],
        )?;
        Ok(code)
    }

    fn enrollments(&self) -> Result<Vec<Enrollment>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT code_hash, name, role, created_at, coalesce(expires_at, ''), used_by,
                    cancelled, device_id
             FROM enrollment ORDER BY created_at DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            let hash: String = r.get(0)?;
            let role: String = r.get(2)?;
            let expires_at: String = r.get(4)?;
            let used_by: Option<String> = r.get(5)?;
            let cancelled: bool = r.get(6)?;
            Ok(Enrollment {
                id: hash[..12].to_string(),
                name: r.get(1)?,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                created_at: r.get(3)?,
                state: code_state(used_by.as_deref(), cancelled, &expires_at).to_string(),
                expires_at,
                device_id: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn cancel_enrollment(&self, id: &str) -> Result<bool, ServerError> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 6 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        Ok(self.conn().execute(
            "UPDATE enrollment SET cancelled = 1
             WHERE substr(code_hash, 1, ?2) = ?1 AND used_by IS NULL AND cancelled = 0",
            params![id, id.len()],
        )? > 0)
    }

    fn enroll_as(
        &self,
        code: &str,
        device_id: &str,
        hub: bool,
    ) -> Result<EnrollResponse, ServerError> {
        let mut conn = self.conn();
        let mut tx = SqliteTx(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
        let resp = enroll_in_tx(&mut tx, code, device_id, hub)?;
        tx.0.commit()?;
        Ok(resp)
    }

    fn register_via_hub(&self, hub_id: &str, reg: &HubRegister) -> Result<Device, ServerError> {
        let mut conn = self.conn();
        let mut tx = SqliteTx(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
        let device = register_in_tx(&mut tx, hub_id, reg)?;
        tx.0.commit()?;
        Ok(device)
    }

    fn hub_devices(&self, hub_id: &str) -> Result<Vec<Device>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {DEVICE_COLS} FROM device WHERE hub = ?1 ORDER BY enrolled_at"
        ))?;
        let rows = stmt.query_map([hub_id], device_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_role(&self, device_id: &str, role: Role) -> Result<bool, ServerError> {
        Ok(self.conn().execute(
            "UPDATE device SET role = ?2 WHERE device_id = ?1",
            [device_id, role.as_str()],
        )? > 0)
    }

    fn set_hub(&self, device_id: &str, hub: Option<&str>) -> Result<bool, ServerError> {
        Ok(self.conn().execute(
            "UPDATE device SET hub = ?2 WHERE device_id = ?1",
            params![device_id, hub],
        )? > 0)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), ServerError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }

    fn ingest(
        &self,
        changes: &[Change],
        meta: &[(&str, &str)],
    ) -> Result<IngestReport, ServerError> {
        let mut conn = self.conn();
        let mut tx = SqliteTx(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
        let report = ingest_in_tx(&mut tx, changes, meta)?;
        tx.0.commit()?;
        Ok(report)
    }

    fn device_by_token(&self, token: &str) -> Result<Option<Device>, ServerError> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM device WHERE token_hash = ?1"
            ))?
            .query_row([secret_hash(token)], device_from_row)
            .optional()?)
    }

    fn devices(&self) -> Result<Vec<Device>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {DEVICE_COLS} FROM device ORDER BY enrolled_at"
        ))?;
        let rows = stmt.query_map([], device_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn revoke(&self, device_id: &str) -> Result<bool, ServerError> {
        Ok(self.conn().execute(
            "UPDATE device SET revoked = 1 WHERE device_id = ?1",
            [device_id],
        )? > 0)
    }

    fn push_relayed(
        &self,
        device: &Device,
        req: &PushRequest,
        relay: Option<Relay<'_>>,
    ) -> Result<PushOutcome, ServerError> {
        let mut conn = self.conn();
        let mut tx = SqliteTx(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
        let out = push_in_tx(&mut tx, device, req, relay)?;
        if matches!(out, PushOutcome::Acked(_)) {
            super::failpoint("push_before_commit");
            tx.0.commit()?;
            super::failpoint("push_after_commit");
        }
        Ok(out)
    }

    fn pull(
        &self,
        after: u64,
        limit: usize,
        max_bytes: usize,
        exclude_device: &str,
    ) -> Result<(Vec<Change>, u64), ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT server_seq, device_id, doc, role FROM change WHERE server_seq > ?1
             ORDER BY server_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, limit as i64], |r| {
            Ok(FeedRow {
                server_seq: r.get(0)?,
                device_id: r.get(1)?,
                doc: r.get(2)?,
                role: r.get(3)?,
            })
        })?;
        pull_page(rows, after, max_bytes, exclude_device)
    }

    fn own_changes(
        &self,
        device_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT server_seq, doc, role FROM change WHERE device_id = ?1 AND device_seq > ?2
             ORDER BY device_seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![device_id, after, limit as i64], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, doc, role) = row?;
            out.extend(raw_change(seq, doc, role.as_deref()));
        }
        Ok(out)
    }

    fn revision_count(&self) -> Result<u64, ServerError> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM change", [], |r| r.get(0))?)
    }

    fn rev_ids_of(&self, device_id: &str) -> Result<Vec<String>, ServerError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT rev_id FROM change WHERE device_id = ?1 ORDER BY device_seq")?;
        let rows = stmt.query_map([device_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record_ids_of_kind(&self, kind: &str) -> Result<Vec<String>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT record_id FROM record WHERE kind = ?1")?;
        let rows = stmt.query_map([kind], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn head_docs(&self, record_ids: &[String]) -> Result<Vec<String>, ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT c.doc FROM head h JOIN change c ON c.rev_id = h.rev_id WHERE h.record_id = ?1",
        )?;
        let mut out = Vec::new();
        for id in record_ids {
            let rows = stmt.query_map([id], |r| r.get(0))?;
            for doc in rows {
                out.push(doc?);
            }
        }
        Ok(out)
    }
}
