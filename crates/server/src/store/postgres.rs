//! The PostgreSQL server store, for deployments where one machine is not enough.
//!
//! `server_seq` comes from a counter row updated inside the push transaction: the row lock
//! makes seqs commit in order, so a reader never skips a change committed late (which a plain
//! SEQUENCE would allow).

use super::ids::{from_pg, pg_bytes, pg_id, Form, POSTGRES_FUNCTIONS};
use super::{
    hours_from_now, now, Backend, CodeRow, Device, DeviceFilter, DeviceUpdate, EnrollTx, FeedRow,
    NewChange, PushTx, Serialise, StoreTx,
};
use crate::error::ServerError;
use dauria_core::trust::Identity;
use dauria_proto::Role;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Schema 1, which databases from before versions were kept are first brought to.
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
/// filled in; version 2 keys records, writers and revisions by integers inside the database
/// and keeps UUIDs and hashes in binary ([`SCHEMA_2`]).
pub const SCHEMA_VERSION: i64 = 2;

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
    if found < 2 {
        upgrade_to_2(tx)?;
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

/// Schema 2's tables for what is stored per revision, as in SQLite (`sqlite::SCHEMA_2`):
/// integer keys for records and writers, UUIDs and hashes in binary, documents as they came.
const SCHEMA_2: &str = "
CREATE TABLE writer (
    id        BIGSERIAL PRIMARY KEY,
    device_id BYTEA NOT NULL UNIQUE
);
CREATE TABLE record (
    id        BIGSERIAL PRIMARY KEY,
    record_id BYTEA NOT NULL UNIQUE,
    kind      TEXT,
    creator   BIGINT
);
CREATE TABLE revision (
    server_seq     BIGINT PRIMARY KEY,
    rev_id         BYTEA NOT NULL UNIQUE,
    record         BIGINT NOT NULL,
    writer         BIGINT NOT NULL,
    device_seq     BIGINT NOT NULL,
    generation     BIGINT,
    role           TEXT,
    payload_sha256 BYTEA NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX revision_writer ON revision(writer, device_seq);
CREATE TABLE head (
    record BIGINT NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (record, seq)
);
";

/// Schema 1's `change` table as a view of schema 2, with an insert trigger, so tools and
/// scripts written against schema 1 read and write changes as they did.
const CHANGE_VIEW: &str = "
CREATE VIEW change AS
    SELECT v.server_seq, dauria_id_text(v.rev_id) AS rev_id,
           dauria_id_text(r.record_id) AS record_id, dauria_id_text(w.device_id) AS device_id,
           v.device_seq, dauria_sha_text(v.payload_sha256) AS payload_sha256, v.doc,
           v.generation, v.role
    FROM revision v JOIN record r ON r.id = v.record JOIN writer w ON w.id = v.writer;
CREATE OR REPLACE FUNCTION change_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO writer(device_id) VALUES (dauria_id(NEW.device_id)) ON CONFLICT DO NOTHING;
    INSERT INTO record(record_id) VALUES (dauria_id(NEW.record_id)) ON CONFLICT DO NOTHING;
    INSERT INTO revision(server_seq, rev_id, record, writer, device_seq, generation, role,
                         payload_sha256, doc)
    VALUES (NEW.server_seq, dauria_id(NEW.rev_id),
            (SELECT id FROM record WHERE record_id = dauria_id(NEW.record_id)),
            (SELECT id FROM writer WHERE device_id = dauria_id(NEW.device_id)),
            NEW.device_seq, NEW.generation, NEW.role, dauria_sha(NEW.payload_sha256), NEW.doc);
    RETURN NEW;
END
$$;
CREATE TRIGGER change_insert INSTEAD OF INSERT ON change
    FOR EACH ROW EXECUTE FUNCTION change_insert();
";

/// Schema 1 to 2: every revision (same seq, same document, same role and generation), every
/// record's identity and every head copied into the new tables, inside the migration's
/// transaction; devices, codes, batches, `meta` and the seq counter are kept as they are.
fn upgrade_to_2(tx: &mut postgres::Transaction<'_>) -> Result<(), ServerError> {
    tx.batch_execute(POSTGRES_FUNCTIONS)?;
    tx.batch_execute(
        "ALTER TABLE change RENAME TO change_v1;
         ALTER TABLE record RENAME TO record_v1;
         ALTER TABLE record_v1 RENAME CONSTRAINT record_pkey TO record_v1_pkey;
         ALTER TABLE head RENAME TO head_v1;
         ALTER TABLE head_v1 RENAME CONSTRAINT head_pkey TO head_v1_pkey;",
    )?;
    tx.batch_execute(SCHEMA_2)?;
    tx.batch_execute(
        "INSERT INTO writer(device_id)
             SELECT dauria_id(device_id) FROM change_v1 GROUP BY 1 ORDER BY min(server_seq)
             ON CONFLICT DO NOTHING;
         INSERT INTO writer(device_id) SELECT DISTINCT dauria_id(creator) FROM record_v1
             ON CONFLICT DO NOTHING;
         INSERT INTO record(record_id, kind, creator)
             SELECT dauria_id(r.record_id), r.kind, w.id FROM record_v1 r
             JOIN writer w ON w.device_id = dauria_id(r.creator);
         INSERT INTO record(record_id)
             SELECT dauria_id(record_id) FROM change_v1 GROUP BY 1 ORDER BY min(server_seq)
             ON CONFLICT DO NOTHING;
         INSERT INTO revision(server_seq, rev_id, record, writer, device_seq, generation, role,
                              payload_sha256, doc)
             SELECT c.server_seq, dauria_id(c.rev_id), r.id, w.id, c.device_seq, c.generation,
                    c.role, dauria_sha(c.payload_sha256), c.doc
             FROM change_v1 c
             JOIN record r ON r.record_id = dauria_id(c.record_id)
             JOIN writer w ON w.device_id = dauria_id(c.device_id)
             ORDER BY c.server_seq;
         INSERT INTO head(record, seq)
             SELECT r.id, v.server_seq FROM head_v1 h
             JOIN record r ON r.record_id = dauria_id(h.record_id)
             JOIN revision v ON v.rev_id = dauria_id(h.rev_id)
             ON CONFLICT DO NOTHING;
         DROP TABLE change_v1;
         DROP TABLE record_v1;
         DROP TABLE head_v1;",
    )?;
    tx.batch_execute(CHANGE_VIEW)?;
    Ok(())
}

/// One open transaction, with the integer keys it has learnt (a batch reads its records,
/// parents and heads first, then writes by key).
pub struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    /// Record key by record id.
    records: HashMap<String, i64>,
    /// Revision seq by rev id.
    revs: HashMap<String, i64>,
    /// Writer key by device id.
    writers: HashMap<String, i64>,
}

fn pg_ids(ids: &[&str]) -> Vec<Vec<u8>> {
    ids.iter().map(|i| pg_id(i)).collect()
}

fn id_at(r: &postgres::Row, i: usize) -> String {
    from_pg(r.get(i), Form::Uuid)
}

impl PgTx<'_> {
    fn writer(&mut self, device_id: &str) -> Result<Option<i64>, ServerError> {
        if let Some(k) = self.writers.get(device_id) {
            return Ok(Some(*k));
        }
        let k: Option<i64> = self
            .tx
            .query_opt(
                "SELECT id FROM writer WHERE device_id = $1",
                &[&pg_id(device_id)],
            )?
            .map(|r| r.get(0));
        if let Some(k) = k {
            self.writers.insert(device_id.to_string(), k);
        }
        Ok(k)
    }

    /// Writer keys for every one of `device_ids`, made for those that wrote nothing yet.
    fn writers_or_new(&mut self, device_ids: &[&str]) -> Result<(), ServerError> {
        let mut missing: Vec<&str> = device_ids
            .iter()
            .copied()
            .filter(|d| !self.writers.contains_key(*d))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let ids = pg_ids(&missing);
        self.tx.execute(
            "INSERT INTO writer(device_id) SELECT * FROM UNNEST($1::bytea[])
             ON CONFLICT DO NOTHING",
            &[&ids],
        )?;
        for r in self.tx.query(
            "SELECT id, device_id FROM writer WHERE device_id = ANY($1)",
            &[&ids],
        )? {
            self.writers.insert(id_at(&r, 1), r.get(0));
        }
        Ok(())
    }

    fn rev_seq(&mut self, rev_id: &str) -> Result<Option<i64>, ServerError> {
        if let Some(s) = self.revs.get(rev_id) {
            return Ok(Some(*s));
        }
        Ok(self
            .tx
            .query_opt(
                "SELECT server_seq FROM revision WHERE rev_id = $1",
                &[&pg_id(rev_id)],
            )?
            .map(|r| r.get(0)))
    }

    fn record_key(&mut self, record_id: &str) -> Result<Option<i64>, ServerError> {
        if let Some(k) = self.records.get(record_id) {
            return Ok(Some(*k));
        }
        Ok(self
            .tx
            .query_opt(
                "SELECT id FROM record WHERE record_id = $1",
                &[&pg_id(record_id)],
            )?
            .map(|r| r.get(0)))
    }

    /// Keys for the `(record, seq)` heads named by ids.
    fn head_keys(&mut self, heads: &[(&str, &str)]) -> Result<(Vec<i64>, Vec<i64>), ServerError> {
        let mut records = Vec::with_capacity(heads.len());
        let mut seqs = Vec::with_capacity(heads.len());
        for (record, rev) in heads {
            let (Some(k), Some(seq)) = (self.record_key(record)?, self.rev_seq(rev)?) else {
                return Err(ServerError::Internal(format!(
                    "head {rev} of record {record} is not stored"
                )));
            };
            records.push(k);
            seqs.push(seq);
        }
        Ok((records, seqs))
    }
}

impl PushTx for PgTx<'_> {
    fn lock_device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        let row = self.tx.query_opt(
            &format!("SELECT {DEVICE_COLS} FROM device WHERE device_id = $1 FOR UPDATE"),
            &[&device_id],
        )?;
        Ok(row.as_ref().map(device_from_row))
    }
    fn stored_batch(&mut self, batch_id: &str) -> Result<Option<(String, String)>, ServerError> {
        let row = self.tx.query_opt(
            "SELECT device_id, response FROM batch WHERE batch_id = $1",
            &[&batch_id],
        )?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
    fn op_hashes(&mut self, rev_ids: &[&str]) -> Result<HashMap<String, String>, ServerError> {
        Ok(self
            .tx
            .query(
                "SELECT rev_id, payload_sha256 FROM revision WHERE rev_id = ANY($1)",
                &[&pg_ids(rev_ids)],
            )?
            .iter()
            .map(|r| (id_at(r, 0), from_pg(r.get(1), Form::Sha256)))
            .collect())
    }
    fn generations(
        &mut self,
        rev_ids: &[&str],
    ) -> Result<HashMap<String, (String, u32)>, ServerError> {
        let mut out = HashMap::new();
        for r in self.tx.query(
            "SELECT v.rev_id, r.record_id, coalesce(v.generation, 1), v.server_seq
             FROM revision v JOIN record r ON r.id = v.record WHERE v.rev_id = ANY($1)",
            &[&pg_ids(rev_ids)],
        )? {
            let rev = id_at(&r, 0);
            self.revs.insert(rev.clone(), r.get(3));
            out.insert(rev, (id_at(&r, 1), r.get::<_, i64>(2) as u32));
        }
        Ok(out)
    }
    fn identities(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Identity>, ServerError> {
        let mut out = HashMap::new();
        for r in self.tx.query(
            "SELECT r.id, r.record_id, r.kind, w.device_id
             FROM record r LEFT JOIN writer w ON w.id = r.creator WHERE r.record_id = ANY($1)",
            &[&pg_ids(record_ids)],
        )? {
            let record = id_at(&r, 1);
            self.records.insert(record.clone(), r.get(0));
            if let Some(kind) = r.get::<_, Option<String>>(2) {
                let creator = r
                    .get::<_, Option<&[u8]>>(3)
                    .map(|b| from_pg(b, Form::Uuid))
                    .unwrap_or_default();
                out.insert(record, Identity { kind, creator });
            }
        }
        Ok(out)
    }
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for r in self.tx.query(
            "SELECT r.id, r.record_id, v.rev_id, v.server_seq
             FROM record r JOIN head h ON h.record = r.id
             JOIN revision v ON v.server_seq = h.seq
             WHERE r.record_id = ANY($1)",
            &[&pg_ids(record_ids)],
        )? {
            let record = id_at(&r, 1);
            let rev = id_at(&r, 2);
            self.records.insert(record.clone(), r.get(0));
            self.revs.insert(rev.clone(), r.get(3));
            out.entry(record).or_default().push(rev);
        }
        Ok(out)
    }
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError> {
        if changes.is_empty() {
            return Ok(());
        }
        let devices: Vec<&str> = changes.iter().map(|c| c.rev.device_id.as_str()).collect();
        self.writers_or_new(&devices)?;
        // Records new here get keys from their sequence and are written with one COPY; a
        // record known only by id until now gets the identity of the first change that
        // creates it. (Another push storing the same new record id at once makes this one
        // fail on the unique index and be retried, never store it twice.)
        let mut new: Vec<(&str, Option<(&str, i64)>)> = Vec::new();
        let mut pending: HashMap<&str, usize> = HashMap::new();
        for c in changes {
            let id = c.rev.record_id.as_str();
            let identity = c
                .creates
                .then(|| (c.rev.kind.as_str(), self.writers[c.rev.device_id.as_str()]));
            if let Some(&k) = self.records.get(id) {
                if let Some((kind, creator)) = identity {
                    self.tx.execute(
                        "UPDATE record SET kind = $2, creator = $3 WHERE id = $1 AND kind IS NULL",
                        &[&k, &kind, &creator],
                    )?;
                }
                continue;
            }
            match pending.get(id) {
                Some(&i) => {
                    if new[i].1.is_none() {
                        new[i].1 = identity;
                    }
                }
                None => {
                    pending.insert(id, new.len());
                    new.push((id, identity));
                }
            }
        }
        if !new.is_empty() {
            let keys: Vec<i64> = self
                .tx
                .query(
                    "SELECT nextval('record_id_seq') FROM generate_series(1, $1)",
                    &[&(new.len() as i32)],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let sink = self
                .tx
                .copy_in("COPY record(id, record_id, kind, creator) FROM STDIN (FORMAT binary)")?;
            let mut rows =
                BinaryCopyInWriter::new(sink, &[Type::INT8, Type::BYTEA, Type::TEXT, Type::INT8]);
            for ((id, identity), key) in new.iter().zip(&keys) {
                rows.write(&[
                    key,
                    &pg_id(id),
                    &identity.map(|(k, _)| k),
                    &identity.map(|(_, c)| c),
                ])?;
            }
            rows.finish()?;
            for ((id, _), key) in new.iter().zip(keys) {
                self.records.insert(id.to_string(), key);
            }
        }
        // One counter bump reserves the batch's server_seqs; one COPY writes the rows.
        let last: i64 = self
            .tx
            .query_one(
                "UPDATE counter SET value = value + $1 WHERE id = 1 RETURNING value",
                &[&(changes.len() as i64)],
            )?
            .get(0);
        let first = last - changes.len() as i64 + 1;
        // COPY in the binary format: the documents go over as they are, without an array
        // parameter per column or a statement per row.
        let sink = self.tx.copy_in(
            "COPY revision(server_seq, rev_id, record, writer, device_seq, generation, role,
                           payload_sha256, doc) FROM STDIN (FORMAT binary)",
        )?;
        let mut rows = BinaryCopyInWriter::new(
            sink,
            &[
                Type::INT8,
                Type::BYTEA,
                Type::INT8,
                Type::INT8,
                Type::INT8,
                Type::INT8,
                Type::TEXT,
                Type::BYTEA,
                Type::TEXT,
            ],
        );
        for (c, seq) in changes.iter().zip(first..) {
            rows.write(&[
                &seq,
                &pg_id(&c.rev.rev_id),
                &self.records[c.rev.record_id.as_str()],
                &self.writers[c.rev.device_id.as_str()],
                &(c.rev.device_seq as i64),
                &(c.rev.generation as i64),
                &c.role.as_str(),
                &pg_bytes(&c.payload_sha256, Form::Sha256),
                &c.doc,
            ])?;
        }
        rows.finish()?;
        for (c, seq) in changes.iter().zip(first..) {
            self.revs.insert(c.rev.rev_id.clone(), seq);
        }
        Ok(())
    }
    fn update_heads(
        &mut self,
        removed: &[(&str, &str)],
        added: &[(&str, &str)],
    ) -> Result<(), ServerError> {
        if !removed.is_empty() {
            let (records, seqs) = self.head_keys(removed)?;
            self.tx.execute(
                "DELETE FROM head WHERE (record, seq) IN
                 (SELECT * FROM UNNEST($1::int8[], $2::int8[]))",
                &[&records, &seqs],
            )?;
        }
        if !added.is_empty() {
            // Each added head is a revision new in this transaction: one COPY writes them.
            let (records, seqs) = self.head_keys(added)?;
            let sink = self
                .tx
                .copy_in("COPY head(record, seq) FROM STDIN (FORMAT binary)")?;
            let mut rows = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8]);
            for (record, seq) in records.iter().zip(&seqs) {
                rows.write(&[record, seq])?;
            }
            rows.finish()?;
        }
        Ok(())
    }
    fn set_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.tx.execute(
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
        self.tx.execute(
            "INSERT INTO batch(batch_id, device_id, response) VALUES ($1, $2, $3)",
            &[&batch_id, &device_id, &resp],
        )?;
        Ok(())
    }
    fn raise_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.tx.execute(
            "UPDATE device SET applied_upto = $2 WHERE device_id = $1 AND applied_upto < $2",
            &[&device_id, &(upto as i64)],
        )?;
        Ok(())
    }
    fn put_meta(&mut self, key: &str, value: &str) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO meta(key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )?;
        Ok(())
    }
}

const CODE_COLS: &str = "name, role, coalesce(expires_at, ''), used_by, cancelled, device_id";

fn code_from_row(r: &postgres::Row) -> CodeRow {
    CodeRow {
        name: r.get(0),
        role: Role::parse(r.get(1)).unwrap_or(Role::Viewer),
        expires_at: r.get(2),
        used_by: r.get(3),
        cancelled: r.get(4),
        device_id: r.get(5),
    }
}

impl EnrollTx for PgTx<'_> {
    fn code(&mut self, code_hash: &str) -> Result<Option<CodeRow>, ServerError> {
        let row = self.tx.query_opt(
            &format!("SELECT {CODE_COLS} FROM enrollment WHERE code_hash = $1 FOR UPDATE"),
            &[&code_hash],
        )?;
        Ok(row.as_ref().map(code_from_row))
    }
    fn device_exists(&mut self, device_id: &str) -> Result<bool, ServerError> {
        Ok(self
            .tx
            .query_opt("SELECT 1 FROM device WHERE device_id = $1", &[&device_id])?
            .is_some())
    }
    fn device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        self.lock_device(device_id)
    }
    fn bind_hub(&mut self, device_id: &str, hub: &str) -> Result<(), ServerError> {
        self.update_device(device_id, DeviceUpdate::Hub(Some(hub)))?;
        Ok(())
    }
    fn insert_device(
        &mut self,
        device_id: &str,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO device(device_id, name, role, token_hash, enrolled_at, applied_upto)
             VALUES ($1, $2, $3, $4, $5,
                     (SELECT coalesce(max(device_seq), 0) FROM revision
                      WHERE writer = (SELECT id FROM writer WHERE device_id = $6)))",
            &[
                &device_id,
                &name,
                &role.as_str(),
                &token_hash,
                &now(),
                &pg_id(device_id),
            ],
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
        self.tx.execute(
            "UPDATE device SET name = $2, role = $3, token_hash = $4, revoked = FALSE
             WHERE device_id = $1",
            &[&device_id, &name, &role.as_str(), &token_hash],
        )?;
        Ok(())
    }
    fn mark_used(&mut self, code_hash: &str, device_id: &str) -> Result<(), ServerError> {
        self.tx.execute(
            "UPDATE enrollment SET used_by = $2 WHERE code_hash = $1",
            &[&code_hash, &device_id],
        )?;
        Ok(())
    }
}

impl StoreTx for PgTx<'_> {
    fn serialise(&mut self, what: Serialise<'_>) -> Result<(), ServerError> {
        match what {
            Serialise::Registration(device_id) => self.tx.execute(
                "SELECT pg_advisory_xact_lock(7274252, hashtext($1))",
                &[&device_id],
            )?,
            Serialise::Ingest => self
                .tx
                .execute("SELECT pg_advisory_xact_lock(7274253)", &[])?,
        };
        Ok(())
    }
    fn meta_value(&mut self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(self
            .tx
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| r.get(0)))
    }
    fn insert_code(
        &mut self,
        code_hash: &str,
        name: &str,
        role: Role,
        expires_at: &str,
        device_id: Option<&str>,
    ) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO enrollment(code_hash, name, role, created_at, expires_at, device_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &code_hash,
                &name,
                &role.as_str(),
                &now(),
                &expires_at,
                &device_id,
            ],
        )?;
        Ok(())
    }
    fn codes(&mut self) -> Result<Vec<(String, String, CodeRow)>, ServerError> {
        Ok(self
            .tx
            .query(
                &format!(
                    "SELECT {CODE_COLS}, code_hash, created_at FROM enrollment
                     ORDER BY created_at DESC"
                ),
                &[],
            )?
            .iter()
            .map(|r| (r.get(6), r.get(7), code_from_row(r)))
            .collect())
    }
    fn cancel_codes(&mut self, prefix: &str) -> Result<bool, ServerError> {
        Ok(self.tx.execute(
            "UPDATE enrollment SET cancelled = TRUE
             WHERE starts_with(code_hash, $1) AND used_by IS NULL AND NOT cancelled",
            &[&prefix],
        )? > 0)
    }
    fn find_devices(&mut self, which: DeviceFilter<'_>) -> Result<Vec<Device>, ServerError> {
        let (filter, arg) = match which {
            DeviceFilter::All => ("$1::TEXT IS NULL", None),
            DeviceFilter::TokenHash(h) => ("token_hash = $1", Some(h)),
            DeviceFilter::Hub(h) => ("hub = $1", Some(h)),
        };
        Ok(self
            .tx
            .query(
                &format!("SELECT {DEVICE_COLS} FROM device WHERE {filter} ORDER BY enrolled_at"),
                &[&arg],
            )?
            .iter()
            .map(device_from_row)
            .collect())
    }
    fn update_device(
        &mut self,
        device_id: &str,
        update: DeviceUpdate<'_>,
    ) -> Result<bool, ServerError> {
        let n = match update {
            DeviceUpdate::Role(role) => self.tx.execute(
                "UPDATE device SET role = $2 WHERE device_id = $1",
                &[&device_id, &role.as_str()],
            )?,
            DeviceUpdate::Hub(hub) => self.tx.execute(
                "UPDATE device SET hub = $2 WHERE device_id = $1",
                &[&device_id, &hub],
            )?,
            DeviceUpdate::Revoke => self.tx.execute(
                "UPDATE device SET revoked = TRUE WHERE device_id = $1",
                &[&device_id],
            )?,
        };
        Ok(n > 0)
    }
    fn feed(
        &mut self,
        after: u64,
        limit: usize,
        exclude_device: &str,
        each: &mut dyn FnMut(FeedRow) -> bool,
    ) -> Result<(), ServerError> {
        let excluded = self.writer(exclude_device)?.unwrap_or(0);
        // Rows are taken as they arrive rather than collected first.
        let mut rows = self.tx.query_raw(
            "SELECT server_seq, writer, doc, role FROM revision WHERE server_seq > $1
             ORDER BY server_seq LIMIT $2",
            [after as i64, limit.min(i64::MAX as usize) as i64],
        )?;
        while let Some(r) = rows.next()? {
            let row = FeedRow {
                server_seq: r.get::<_, i64>(0) as u64,
                excluded: r.get::<_, i64>(1) == excluded,
                doc: r.get(2),
                role: r.get(3),
            };
            if !each(row) {
                break;
            }
        }
        Ok(())
    }
    fn device_changes(
        &mut self,
        device_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<FeedRow>, ServerError> {
        let Some(writer) = self.writer(device_id)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .tx
            .query(
                "SELECT server_seq, doc, role FROM revision WHERE writer = $1 AND device_seq > $2
                 ORDER BY device_seq LIMIT $3",
                &[
                    &writer,
                    &(after as i64),
                    &(limit.min(i64::MAX as usize) as i64),
                ],
            )?
            .into_iter()
            .map(|r| FeedRow {
                server_seq: r.get::<_, i64>(0) as u64,
                excluded: false,
                doc: r.get(1),
                role: r.get(2),
            })
            .collect())
    }
    fn count_revisions(&mut self) -> Result<u64, ServerError> {
        Ok(self
            .tx
            .query_one("SELECT count(*) FROM revision", &[])?
            .get::<_, i64>(0) as u64)
    }
    fn device_rev_ids(&mut self, device_id: &str) -> Result<Vec<String>, ServerError> {
        let Some(writer) = self.writer(device_id)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .tx
            .query(
                "SELECT rev_id FROM revision WHERE writer = $1 ORDER BY device_seq",
                &[&writer],
            )?
            .iter()
            .map(|r| id_at(r, 0))
            .collect())
    }
    fn kind_record_ids(&mut self, kind: &str) -> Result<Vec<String>, ServerError> {
        Ok(self
            .tx
            .query("SELECT record_id FROM record WHERE kind = $1", &[&kind])?
            .iter()
            .map(|r| id_at(r, 0))
            .collect())
    }
    fn docs_of_heads(&mut self, record_ids: &[String]) -> Result<Vec<String>, ServerError> {
        if record_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = record_ids.iter().map(String::as_str).collect();
        Ok(self
            .tx
            .query(
                "SELECT v.doc FROM record r JOIN head h ON h.record = r.id
                 JOIN revision v ON v.server_seq = h.seq WHERE r.record_id = ANY($1)",
                &[&pg_ids(&ids)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}

impl Backend for PostgresStore {
    type Tx<'t> = PgTx<'t>;
    fn run<T>(
        &self,
        _write: bool,
        work: impl FnOnce(&mut PgTx<'_>) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let mut c = self.pool.get()?;
        let mut tx = PgTx {
            tx: c.transaction()?,
            records: HashMap::new(),
            revs: HashMap::new(),
            writers: HashMap::new(),
        };
        let out = work(&mut tx)?;
        tx.tx.commit()?;
        Ok(out)
    }
}
