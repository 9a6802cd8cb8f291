//! The PostgreSQL server store, for deployments where one machine is not enough.
//!
//! `server_seq` comes from a counter row updated inside the push transaction: the row lock
//! makes seqs commit in order, so a reader never skips a change committed late (which a plain
//! SEQUENCE would allow).

use super::{
    code_state, enroll_in_tx, hours_from_now, ingest_in_tx, now, pull_page, push_in_tx,
    random_code, raw_change, register_in_tx, secret_hash, CodeRow, Device, EnrollTx, Enrollment,
    FeedRow, IngestReport, NewChange, PushOutcome, PushTx, Relay, ServerStore,
};
use crate::error::ServerError;
use dauria_core::trust::Identity;
use dauria_proto::{Change, EnrollResponse, HubRegister, PushRequest, Role};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use tokio_postgres_rustls::MakeRustlsConnect;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counter (id INT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counter(id, value) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS device (
    device_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE,
    applied_upto BIGINT NOT NULL DEFAULT 0,
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
    server_seq     BIGINT PRIMARY KEY,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     BIGINT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS change_device ON change(device_id, device_seq);
CREATE TABLE IF NOT EXISTS head (
    record_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (record_id, rev_id)
);
CREATE TABLE IF NOT EXISTS batch (
    batch_id  TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    response  TEXT NOT NULL
);
-- Each record's identity, fixed by its first stored revision.
CREATE TABLE IF NOT EXISTS record (
    record_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    creator   TEXT NOT NULL
);
ALTER TABLE enrollment ADD COLUMN IF NOT EXISTS expires_at TEXT;
ALTER TABLE enrollment ADD COLUMN IF NOT EXISTS cancelled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enrollment ADD COLUMN IF NOT EXISTS device_id TEXT;
ALTER TABLE change ADD COLUMN IF NOT EXISTS generation BIGINT;
ALTER TABLE change ADD COLUMN IF NOT EXISTS role TEXT;
ALTER TABLE device ADD COLUMN IF NOT EXISTS hub TEXT;
";

type Pool = r2d2::Pool<PostgresConnectionManager<MakeRustlsConnect>>;

/// PostgreSQL-backed server store.
pub struct PostgresStore {
    pool: Pool,
}

const DEVICE_COLS: &str = "device_id, name, role, revoked, applied_upto, enrolled_at, hub";

fn device_from_row(r: &postgres::Row) -> Device {
    let role: String = r.get(2);
    Device {
        device_id: r.get(0),
        name: r.get(1),
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        revoked: r.get(3),
        applied_upto: r.get::<_, i64>(4) as u64,
        enrolled_at: r.get(5),
        hub: r.get(6),
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and creates or migrates the schema
    /// to [`SCHEMA_VERSION`]. A database written by a newer server is refused before anything
    /// in it is changed.
    ///
    /// Must not be called from an async task (the postgres client blocks).
    pub fn connect(url: &str) -> Result<PostgresStore, ServerError> {
        // TLS as the URL's sslmode/sslrootcert ask (crate::tls::postgres_config).
        let (config, tls) = crate::tls::postgres_config(url)?;
        let manager = PostgresConnectionManager::new(config, tls);
        let pool = r2d2::Pool::builder().max_size(16).build(manager)?;
        let mut c = pool.get()?;
        // Concurrent `CREATE TABLE IF NOT EXISTS` can collide in PostgreSQL; serialise setup.
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(7274251)", &[])?;
        migrate(&mut tx)?;
        tx.commit()?;
        c.execute(
            "INSERT INTO meta(key, value) VALUES ('epoch', $1) ON CONFLICT DO NOTHING",
            &[&uuid::Uuid::now_v7().to_string()],
        )?;
        Ok(PostgresStore { pool })
    }
}

/// The schema this build writes, kept in `meta` under `schema_version`. Version 0 is a
/// database made before versions were kept (its tables and columns added as releases went);
/// version 1 is that schema complete, with the generation and identity of stored revisions
/// filled in.
pub const SCHEMA_VERSION: i64 = 1;

/// The schema version a database holds: 0 for an empty one or one from before versions were
/// kept. Reads only.
fn stored_version(tx: &mut postgres::Transaction<'_>) -> Result<i64, ServerError> {
    let has_meta: bool = tx
        .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?
        .get(0);
    if !has_meta {
        return Ok(0);
    }
    let Some(row) = tx.query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
    else {
        return Ok(0);
    };
    let value: String = row.get(0);
    value.trim().parse().map_err(|_| {
        ServerError::Internal(format!(
            "the database's schema_version ({value:?}) is not a number; it was not changed"
        ))
    })
}

/// Brings the database to [`SCHEMA_VERSION`] inside the caller's transaction, step by step
/// from the version it has; refuses a newer one before changing anything.
fn migrate(tx: &mut postgres::Transaction<'_>) -> Result<(), ServerError> {
    let found = stored_version(tx)?;
    if found > SCHEMA_VERSION {
        return Err(ServerError::NewerDatabase {
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found < 1 {
        tx.batch_execute(SCHEMA)?;
        upgrade_unversioned(tx)?;
    }
    if found < SCHEMA_VERSION {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&SCHEMA_VERSION.to_string()],
        )?;
    }
    Ok(())
}

/// Fills what a database from before versions were kept lacks: the expiry of open codes, the
/// generation of stored revisions and the identity of stored records (from their first
/// revision; a stored document that cannot be read is left alone).
fn upgrade_unversioned(tx: &mut postgres::Transaction<'_>) -> Result<(), ServerError> {
    let done = tx
        .query_opt("SELECT 1 FROM meta WHERE key = 'identity_backfilled'", &[])?
        .is_some();
    if done {
        return Ok(());
    }
    tx.execute(
        "UPDATE enrollment SET expires_at = $1 WHERE expires_at IS NULL",
        &[&hours_from_now(super::DEFAULT_CODE_HOURS)],
    )?;
    let rows = tx.query(
        "SELECT server_seq, record_id, device_id, doc FROM change WHERE generation IS NULL
         ORDER BY server_seq",
        &[],
    )?;
    for r in rows {
        let seq: i64 = r.get(0);
        let Ok(v) = serde_json::from_str::<serde_json::Value>(r.get(3)) else {
            continue;
        };
        let generation = v["generation"].as_i64().unwrap_or(1);
        tx.execute(
            "UPDATE change SET generation = $2 WHERE server_seq = $1",
            &[&seq, &generation],
        )?;
        if let Some(kind) = v["kind"].as_str() {
            tx.execute(
                "INSERT INTO record(record_id, kind, creator) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&r.get::<_, &str>(1), &kind, &r.get::<_, &str>(2)],
            )?;
        }
    }
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('identity_backfilled', '1') ON CONFLICT DO NOTHING",
        &[],
    )?;
    Ok(())
}

struct PgTx<'a>(postgres::Transaction<'a>);

impl PushTx for PgTx<'_> {
    fn lock_device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        let row = self.0.query_opt(
            &format!("SELECT {DEVICE_COLS} FROM device WHERE device_id = $1 FOR UPDATE"),
            &[&device_id],
        )?;
        Ok(row.as_ref().map(device_from_row))
    }
    fn stored_batch(&mut self, batch_id: &str) -> Result<Option<(String, String)>, ServerError> {
        let row = self.0.query_opt(
            "SELECT device_id, response FROM batch WHERE batch_id = $1",
            &[&batch_id],
        )?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
    fn op_hashes(&mut self, rev_ids: &[&str]) -> Result<HashMap<String, String>, ServerError> {
        Ok(self
            .0
            .query(
                "SELECT rev_id, payload_sha256 FROM change WHERE rev_id = ANY($1)",
                &[&rev_ids],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }
    fn generations(
        &mut self,
        rev_ids: &[&str],
    ) -> Result<HashMap<String, (String, u32)>, ServerError> {
        Ok(self
            .0
            .query(
                "SELECT rev_id, record_id, coalesce(generation, 1) FROM change
                 WHERE rev_id = ANY($1)",
                &[&rev_ids],
            )?
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get::<_, i64>(2) as u32)))
            .collect())
    }
    fn identities(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Identity>, ServerError> {
        Ok(self
            .0
            .query(
                "SELECT record_id, kind, creator FROM record WHERE record_id = ANY($1)",
                &[&record_ids],
            )?
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    Identity {
                        kind: r.get(1),
                        creator: r.get(2),
                    },
                )
            })
            .collect())
    }
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for r in self.0.query(
            "SELECT record_id, rev_id FROM head WHERE record_id = ANY($1)",
            &[&record_ids],
        )? {
            out.entry(r.get(0)).or_default().push(r.get(1));
        }
        Ok(out)
    }
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError> {
        if changes.is_empty() {
            return Ok(());
        }
        // One counter bump reserves the batch's server_seqs; one COPY writes the rows.
        let last: i64 = self
            .0
            .query_one(
                "UPDATE counter SET value = value + $1 WHERE id = 1 RETURNING value",
                &[&(changes.len() as i64)],
            )?
            .get(0);
        let first = last - changes.len() as i64 + 1;
        // COPY in the binary format: the documents go over as they are, without an array
        // parameter per column or a statement per row.
        let sink = self.0.copy_in(
            "COPY change(server_seq, rev_id, record_id, device_id, device_seq, payload_sha256,
                         doc, generation, role) FROM STDIN (FORMAT binary)",
        )?;
        let mut rows = BinaryCopyInWriter::new(
            sink,
            &[
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
                Type::TEXT,
            ],
        );
        for (c, seq) in changes.iter().zip(first..) {
            rows.write(&[
                &seq,
                &c.rev.rev_id,
                &c.rev.record_id,
                &c.rev.device_id,
                &(c.rev.device_seq as i64),
                &c.payload_sha256,
                &c.doc,
                &(c.rev.generation as i64),
                &c.role.as_str(),
            ])?;
        }
        rows.finish()?;
        let creating: Vec<&NewChange<'_>> = changes.iter().filter(|c| c.creates).collect();
        if !creating.is_empty() {
            let records: Vec<&str> = creating.iter().map(|c| c.rev.record_id.as_str()).collect();
            let kinds: Vec<&str> = creating.iter().map(|c| c.rev.kind.as_str()).collect();
            let creators: Vec<&str> = creating.iter().map(|c| c.rev.device_id.as_str()).collect();
            self.0.execute(
                "INSERT INTO record(record_id, kind, creator)
                 SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[]) ON CONFLICT DO NOTHING",
                &[&records, &kinds, &creators],
            )?;
        }
        Ok(())
    }
    fn update_heads(
        &mut self,
        removed: &[(&str, &str)],
        added: &[(&str, &str)],
    ) -> Result<(), ServerError> {
        if !removed.is_empty() {
            let (records, revs): (Vec<&str>, Vec<&str>) = removed.iter().copied().unzip();
            self.0.execute(
                "DELETE FROM head WHERE (record_id, rev_id) IN
                 (SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[]))",
                &[&records, &revs],
            )?;
        }
        if !added.is_empty() {
            let (records, revs): (Vec<&str>, Vec<&str>) = added.iter().copied().unzip();
            self.0.execute(
                "INSERT INTO head(record_id, rev_id) SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[])
                 ON CONFLICT DO NOTHING",
                &[&records, &revs],
            )?;
        }
        Ok(())
    }
    fn set_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE device SET applied_upto = $2 WHERE device_id = $1",
            &[&device_id, &(upto as i64)],
        )?;
        Ok(())
    }
    fn store_batch(
        &mut self,
        batch_id: &str,
        device_id: &str,
        resp: &str,
    ) -> Result<(), ServerError> {
        self.0.execute(
            "INSERT INTO batch(batch_id, device_id, response) VALUES ($1, $2, $3)",
            &[&batch_id, &device_id, &resp],
        )?;
        Ok(())
    }
    fn raise_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE device SET applied_upto = $2 WHERE device_id = $1 AND applied_upto < $2",
            &[&device_id, &(upto as i64)],
        )?;
        Ok(())
    }
    fn put_meta(&mut self, key: &str, value: &str) -> Result<(), ServerError> {
        self.0.execute(
            "INSERT INTO meta(key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )?;
        Ok(())
    }
}

impl EnrollTx for PgTx<'_> {
    fn code(&mut self, code_hash: &str) -> Result<Option<CodeRow>, ServerError> {
        let row = self.0.query_opt(
            "SELECT name, role, coalesce(expires_at, ''), used_by, cancelled, device_id
             FROM enrollment WHERE code_hash = $1 FOR UPDATE",
            &[&code_hash],
        )?;
        Ok(row.map(|r| CodeRow {
            name: r.get(0),
            role: Role::parse(r.get(1)).unwrap_or(Role::Viewer),
            expires_at: r.get(2),
            used_by: r.get(3),
            cancelled: r.get(4),
            device_id: r.get(5),
        }))
    }
    fn device_exists(&mut self, device_id: &str) -> Result<bool, ServerError> {
        Ok(self
            .0
            .query_opt("SELECT 1 FROM device WHERE device_id = $1", &[&device_id])?
            .is_some())
    }
    fn device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        self.lock_device(device_id)
    }
    fn bind_hub(&mut self, device_id: &str, hub: &str) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE device SET hub = $2 WHERE device_id = $1",
            &[&device_id, &hub],
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
             VALUES ($1, $2, $3, $4, $5,
                     (SELECT coalesce(max(device_seq), 0) FROM change WHERE device_id = $1))",
            &[&device_id, &name, &role.as_str(), &token_hash, &now()],
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
            "UPDATE device SET name = $2, role = $3, token_hash = $4, revoked = FALSE
             WHERE device_id = $1",
            &[&device_id, &name, &role.as_str(), &token_hash],
        )?;
        Ok(())
    }
    fn mark_used(&mut self, code_hash: &str, device_id: &str) -> Result<(), ServerError> {
        self.0.execute(
            "UPDATE enrollment SET used_by = $2 WHERE code_hash = $1",
            &[&code_hash, &device_id],
        )?;
        Ok(())
    }
}

impl ServerStore for PostgresStore {
    fn epoch(&self) -> Result<String, ServerError> {
        Ok(self
            .pool
            .get()?
            .query_one("SELECT value FROM meta WHERE key = 'epoch'", &[])?
            .get(0))
    }

    fn create_enrollment(
        &self,
        name: &str,
        role: Role,
        hours: u64,
        device_id: Option<&str>,
    ) -> Result<String, ServerError> {
        let code = random_code();
        self.pool.get()?.execute(
            "INSERT INTO enrollment(code_hash, name, role, created_at, expires_at, device_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &secret_hash(&code),
                &name,
                &role.as_str(),
                &now(),
                &hours_from_now(hours),
                &device_id,
            ],
        )?;
        Ok(code)
    }

    fn enrollments(&self) -> Result<Vec<Enrollment>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT code_hash, name, role, created_at, coalesce(expires_at, ''), used_by,
                        cancelled, device_id
                 FROM enrollment ORDER BY created_at DESC",
                &[],
            )?
            .iter()
            .map(|r| {
                let hash: &str = r.get(0);
                let expires_at: String = r.get(4);
                let used_by: Option<String> = r.get(5);
                Enrollment {
                    id: hash[..12].to_string(),
                    name: r.get(1),
                    role: Role::parse(r.get(2)).unwrap_or(Role::Viewer),
                    created_at: r.get(3),
                    state: code_state(used_by.as_deref(), r.get(6), &expires_at).to_string(),
                    expires_at,
                    device_id: r.get(7),
                }
            })
            .collect())
    }

    fn cancel_enrollment(&self, id: &str) -> Result<bool, ServerError> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 6 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        Ok(self.pool.get()?.execute(
            "UPDATE enrollment SET cancelled = TRUE
             WHERE starts_with(code_hash, $1) AND used_by IS NULL AND NOT cancelled",
            &[&id],
        )? > 0)
    }

    fn enroll_as(
        &self,
        code: &str,
        device_id: &str,
        hub: bool,
    ) -> Result<EnrollResponse, ServerError> {
        let mut c = self.pool.get()?;
        let mut tx = PgTx(c.transaction()?);
        let resp = enroll_in_tx(&mut tx, code, device_id, hub)?;
        tx.0.commit()?;
        Ok(resp)
    }

    fn register_via_hub(&self, hub_id: &str, reg: &HubRegister) -> Result<Device, ServerError> {
        let mut c = self.pool.get()?;
        let mut tx = PgTx(c.transaction()?);
        // Two registrations of one new laptop at once: the second waits, then finds it.
        tx.0.execute(
            "SELECT pg_advisory_xact_lock(7274252, hashtext($1))",
            &[&reg.device_id],
        )?;
        let device = register_in_tx(&mut tx, hub_id, reg)?;
        tx.0.commit()?;
        Ok(device)
    }

    fn hub_devices(&self, hub_id: &str) -> Result<Vec<Device>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query(
                &format!("SELECT {DEVICE_COLS} FROM device WHERE hub = $1 ORDER BY enrolled_at"),
                &[&hub_id],
            )?
            .iter()
            .map(device_from_row)
            .collect())
    }

    fn set_role(&self, device_id: &str, role: Role) -> Result<bool, ServerError> {
        Ok(self.pool.get()?.execute(
            "UPDATE device SET role = $2 WHERE device_id = $1",
            &[&device_id, &role.as_str()],
        )? > 0)
    }

    fn set_hub(&self, device_id: &str, hub: Option<&str>) -> Result<bool, ServerError> {
        Ok(self.pool.get()?.execute(
            "UPDATE device SET hub = $2 WHERE device_id = $1",
            &[&device_id, &hub],
        )? > 0)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| r.get(0)))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), ServerError> {
        self.pool.get()?.execute(
            "INSERT INTO meta(key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn ingest(
        &self,
        changes: &[Change],
        meta: &[(&str, &str)],
    ) -> Result<IngestReport, ServerError> {
        let mut c = self.pool.get()?;
        let mut tx = PgTx(c.transaction()?);
        // One ingest at a time: two would both find a change new and store it twice.
        tx.0.execute("SELECT pg_advisory_xact_lock(7274253)", &[])?;
        let report = ingest_in_tx(&mut tx, changes, meta)?;
        tx.0.commit()?;
        Ok(report)
    }

    fn device_by_token(&self, token: &str) -> Result<Option<Device>, ServerError> {
        let row = self.pool.get()?.query_opt(
            &format!("SELECT {DEVICE_COLS} FROM device WHERE token_hash = $1"),
            &[&secret_hash(token)],
        )?;
        Ok(row.as_ref().map(device_from_row))
    }

    fn devices(&self) -> Result<Vec<Device>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query(
                &format!("SELECT {DEVICE_COLS} FROM device ORDER BY enrolled_at"),
                &[],
            )?
            .iter()
            .map(device_from_row)
            .collect())
    }

    fn revoke(&self, device_id: &str) -> Result<bool, ServerError> {
        Ok(self.pool.get()?.execute(
            "UPDATE device SET revoked = TRUE WHERE device_id = $1",
            &[&device_id],
        )? > 0)
    }

    fn push_relayed(
        &self,
        device: &Device,
        req: &PushRequest,
        relay: Option<Relay<'_>>,
    ) -> Result<PushOutcome, ServerError> {
        let mut c = self.pool.get()?;
        let mut tx = PgTx(c.transaction()?);
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
        let mut c = self.pool.get()?;
        // Rows are taken as they arrive rather than collected first.
        let mut rows = c.query_raw(
            "SELECT server_seq, device_id, doc, role FROM change WHERE server_seq > $1
             ORDER BY server_seq LIMIT $2",
            [after as i64, limit as i64],
        )?;
        let rows = std::iter::from_fn(|| {
            rows.next().transpose().map(|r| {
                r.map(|r| FeedRow {
                    server_seq: r.get::<_, i64>(0) as u64,
                    device_id: r.get(1),
                    doc: r.get(2),
                    role: r.get(3),
                })
            })
        });
        pull_page(rows, after, max_bytes, exclude_device)
    }

    fn own_changes(
        &self,
        device_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT server_seq, doc, role FROM change WHERE device_id = $1 AND device_seq > $2
                 ORDER BY device_seq LIMIT $3",
                &[&device_id, &(after as i64), &(limit as i64)],
            )?
            .into_iter()
            .filter_map(|r| raw_change(r.get::<_, i64>(0) as u64, r.get(1), r.get(2)))
            .collect())
    }

    fn revision_count(&self) -> Result<u64, ServerError> {
        Ok(self
            .pool
            .get()?
            .query_one("SELECT count(*) FROM change", &[])?
            .get::<_, i64>(0) as u64)
    }

    fn rev_ids_of(&self, device_id: &str) -> Result<Vec<String>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT rev_id FROM change WHERE device_id = $1 ORDER BY device_seq",
                &[&device_id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn record_ids_of_kind(&self, kind: &str) -> Result<Vec<String>, ServerError> {
        Ok(self
            .pool
            .get()?
            .query("SELECT record_id FROM record WHERE kind = $1", &[&kind])?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn head_docs(&self, record_ids: &[String]) -> Result<Vec<String>, ServerError> {
        if record_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT c.doc FROM head h JOIN change c ON c.rev_id = h.rev_id
                 WHERE h.record_id = ANY($1)",
                &[&record_ids],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}
