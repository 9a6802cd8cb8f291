//! The SQLite server store (the default): one file in the data folder, WAL, one writer.

use super::{
    normalise_code, push_in_tx, random_code, random_hex, secret_hash, Device, NewChange,
    PushOutcome, PushTx, ServerStore,
};
use crate::error::ServerError;
use dauria_proto::{Change, EnrollResponse, PushRequest, Revision, Role};
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

/// SQLite-backed server store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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
    })
}

const DEVICE_COLS: &str = "device_id, name, role, revoked, applied_upto, enrolled_at";

impl SqliteStore {
    /// Opens or creates `dauria-server.sqlite3` in `dir`.
    pub fn open(dir: &Path) -> Result<SqliteStore, ServerError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let conn = Connection::open(dir.join("dauria-server.sqlite3"))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.execute_batch(SCHEMA)?;
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

struct SqliteTx<'a>(Transaction<'a>);

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
        let mut stmt = self
            .0
            .prepare_cached("SELECT payload_sha256 FROM change WHERE rev_id = ?1")?;
        let mut out = HashMap::new();
        for id in rev_ids {
            if let Some(h) = stmt.query_row([id], |r| r.get(0)).optional()? {
                out.insert(id.to_string(), h);
            }
        }
        Ok(out)
    }
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT rev_id FROM head WHERE record_id = ?1")?;
        let mut out = HashMap::new();
        for id in record_ids {
            let heads: Vec<String> = stmt
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if !heads.is_empty() {
                out.insert(id.to_string(), heads);
            }
        }
        Ok(out)
    }
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError> {
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO change(rev_id, record_id, device_id, device_seq, payload_sha256, doc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for c in changes {
            stmt.execute(params![
                c.rev.rev_id,
                c.rev.record_id,
                c.rev.device_id,
                c.rev.device_seq,
                c.payload_sha256,
                c.doc
            ])?;
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
}

impl ServerStore for SqliteStore {
    fn epoch(&self) -> Result<String, ServerError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
                r.get(0)
            })?)
    }

    fn create_enrollment(&self, name: &str, role: Role) -> Result<String, ServerError> {
        let code = random_code();
        self.conn().execute(
            "INSERT INTO enrollment(code_hash, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![secret_hash(&code), name, role.as_str(), now()],
        )?;
        Ok(code)
    }

    fn enroll(&self, code: &str, device_id: &str) -> Result<EnrollResponse, ServerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, String, Option<String>)> = tx
            .query_row(
                "SELECT name, role, used_by FROM enrollment WHERE code_hash = ?1",
                [secret_hash(&normalise_code(code))],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (name, role, used) = row.ok_or_else(|| {
            ServerError::Unauthorized(
                "this enrollment code is not known; check it with the survey lead".into(),
            )
        })?;
        if used.is_some() {
            return Err(ServerError::Unauthorized(
                "this enrollment code was already used; ask the survey lead for a new one".into(),
            ));
        }
        let role = Role::parse(&role).unwrap_or(Role::Viewer);
        let token = random_hex(32);
        // Re-enrolling a known laptop replaces its credential and keeps its sequence.
        tx.execute(
            "INSERT INTO device(device_id, name, role, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(device_id) DO UPDATE SET name = excluded.name, role = excluded.role,
               token_hash = excluded.token_hash, revoked = 0",
            params![device_id, name, role.as_str(), secret_hash(&token), now()],
        )?;
        tx.execute(
            "UPDATE enrollment SET used_by = ?2 WHERE code_hash = ?1",
            params![secret_hash(&normalise_code(code)), device_id],
        )?;
        tx.commit()?;
        Ok(EnrollResponse {
            device_id: device_id.to_string(),
            name,
            role,
            token,
        })
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

    fn push(&self, device: &Device, req: &PushRequest) -> Result<PushOutcome, ServerError> {
        let mut conn = self.conn();
        let mut tx = SqliteTx(conn.transaction_with_behavior(TransactionBehavior::Immediate)?);
        let out = push_in_tx(&mut tx, device, req)?;
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
        exclude_device: &str,
    ) -> Result<(Vec<Change>, u64), ServerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT server_seq, device_id, doc FROM change WHERE server_seq > ?1
             ORDER BY server_seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, limit as i64])?;
        let mut out = Vec::new();
        let mut last = after;
        while let Some(r) = rows.next()? {
            let seq: u64 = r.get(0)?;
            last = seq;
            let dev: String = r.get(1)?;
            if dev == exclude_device {
                continue;
            }
            let doc: String = r.get(2)?;
            let rev: Revision = serde_json::from_str(&doc)
                .map_err(|e| ServerError::Internal(format!("stored change {seq}: {e}")))?;
            out.push(Change {
                server_seq: seq,
                rev,
            });
        }
        Ok((out, last))
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
}
