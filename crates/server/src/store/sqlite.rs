//! The SQLite server store (the default): one file in the data folder, WAL, one writer.

use super::ids::{from_sqlite, sq_get_id, sq_id, sqlite_encode, Form, Sq};
use super::{
    now, Backend, CodeRow, Device, DeviceFilter, DeviceUpdate, EnrollTx, FeedRow, NewChange,
    PushTx, Serialise, StoreTx,
};
use crate::error::ServerError;
use dauria_core::trust::Identity;
use dauria_proto::Role;
use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// Schema 1, which databases from before versions were kept are first brought to.
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
        // Every statement of a push stays prepared, multi-row inserts of each size included.
        conn.set_prepared_statement_cache_capacity(64);
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
/// that schema complete, with the generation and identity of stored revisions filled in;
/// version 2 keys records, writers and revisions by integers inside the database and keeps
/// UUIDs and hashes in binary ([`SCHEMA_2`]).
pub const SCHEMA_VERSION: i64 = 2;

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
    if found < 2 {
        upgrade_to_2(&tx)?;
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

/// Schema 2's tables for what is stored per revision. Records and the devices that wrote
/// changes get integer keys, by which revisions and heads refer to them; a revision's id, its
/// record's and writer's ids and its payload hash are kept in binary when canonical
/// ([`super::ids`]); the stored document is kept as it came, byte for byte.
const SCHEMA_2: &str = "
-- Every device that wrote a stored change, enrolled here or not.
CREATE TABLE writer (
    id        INTEGER PRIMARY KEY,
    device_id BLOB NOT NULL UNIQUE
);
-- Each record; its identity (kind and creator) is fixed by its first stored revision, and
-- NULL for a record known only from changes that did not create it (seed records).
CREATE TABLE record (
    id        INTEGER PRIMARY KEY,
    record_id BLOB NOT NULL UNIQUE,
    kind      TEXT,
    creator   INTEGER
);
CREATE TABLE revision (
    server_seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    rev_id         BLOB NOT NULL UNIQUE,
    record         INTEGER NOT NULL,
    writer         INTEGER NOT NULL,
    device_seq     INTEGER NOT NULL,
    generation     INTEGER,
    role           TEXT,
    payload_sha256 BLOB NOT NULL,
    doc            TEXT NOT NULL
);
-- A device's own changes in its order (own changes, its highest seq).
CREATE INDEX revision_writer ON revision(writer, device_seq);
CREATE TABLE head (
    record INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (record, seq)
) WITHOUT ROWID;
";

/// SQL reading back a UUID-shaped id kept as [`Sq`] keeps it.
fn sql_id_text(x: &str) -> String {
    let h = format!("hex({x})");
    format!(
        "(CASE WHEN typeof({x}) = 'blob' AND length({x}) = 16 THEN lower(substr({h}, 1, 8) || '-' || \
         substr({h}, 9, 4) || '-' || substr({h}, 13, 4) || '-' || substr({h}, 17, 4) || '-' || \
         substr({h}, 21)) ELSE {x} END)"
    )
}

/// Schema 1's `change` table as a view of schema 2, with an insert trigger, so tools and
/// scripts written against schema 1 read and write changes as they did.
fn change_view() -> String {
    let id = |x: &str| sqlite_encode(x, Form::Uuid);
    let sha = sqlite_encode("NEW.payload_sha256", Form::Sha256);
    format!(
        "CREATE VIEW change(server_seq, rev_id, record_id, device_id, device_seq, payload_sha256,
                            doc, generation, role) AS
         SELECT v.server_seq, {rev}, {rec}, {dev}, v.device_seq,
                CASE WHEN typeof(v.payload_sha256) = 'blob' THEN lower(hex(v.payload_sha256))
                     ELSE v.payload_sha256 END,
                v.doc, v.generation, v.role
         FROM revision v JOIN record r ON r.id = v.record JOIN writer w ON w.id = v.writer;
         CREATE TRIGGER change_insert INSTEAD OF INSERT ON change BEGIN
             INSERT OR IGNORE INTO writer(device_id) VALUES ({new_dev});
             INSERT OR IGNORE INTO record(record_id) VALUES ({new_rec});
             INSERT INTO revision(server_seq, rev_id, record, writer, device_seq, generation,
                                  role, payload_sha256, doc)
             VALUES (NEW.server_seq, {new_rev},
                     (SELECT id FROM record WHERE record_id = {new_rec}),
                     (SELECT id FROM writer WHERE device_id = {new_dev}),
                     NEW.device_seq, NEW.generation, NEW.role, {sha}, NEW.doc);
         END;",
        rev = sql_id_text("v.rev_id"),
        rec = sql_id_text("r.record_id"),
        dev = sql_id_text("w.device_id"),
        new_dev = id("NEW.device_id"),
        new_rec = id("NEW.record_id"),
        new_rev = id("NEW.rev_id"),
    )
}

/// Schema 1 to 2: every revision (same seq, same document, same role and generation), every
/// record's identity and every head copied into the new tables, inside the migration's
/// transaction; devices, codes, batches and `meta` are kept as they are.
fn upgrade_to_2(tx: &Transaction<'_>) -> Result<(), ServerError> {
    let id = |x: &str| sqlite_encode(x, Form::Uuid);
    tx.execute_batch(&format!(
        "ALTER TABLE change RENAME TO change_v1;
         ALTER TABLE record RENAME TO record_v1;
         ALTER TABLE head RENAME TO head_v1;
         {SCHEMA_2}
         INSERT OR IGNORE INTO writer(device_id)
             SELECT {c_dev} FROM change_v1 c ORDER BY c.server_seq;
         INSERT OR IGNORE INTO writer(device_id) SELECT {r_creator} FROM record_v1 r;
         INSERT INTO record(record_id, kind, creator)
             SELECT {r_rec}, r.kind, w.id FROM record_v1 r
             JOIN writer w ON w.device_id = {r_creator};
         INSERT OR IGNORE INTO record(record_id)
             SELECT {c_rec} FROM change_v1 c ORDER BY c.server_seq;
         INSERT INTO revision(server_seq, rev_id, record, writer, device_seq, generation, role,
                              payload_sha256, doc)
             SELECT c.server_seq, {c_rev}, r.id, w.id, c.device_seq, c.generation, c.role,
                    {c_sha}, c.doc
             FROM change_v1 c
             JOIN record r ON r.record_id = {c_rec}
             JOIN writer w ON w.device_id = {c_dev}
             ORDER BY c.server_seq;
         INSERT OR IGNORE INTO head(record, seq)
             SELECT r.id, v.server_seq FROM head_v1 h
             JOIN record r ON r.record_id = {h_rec}
             JOIN revision v ON v.rev_id = {h_rev};
         INSERT INTO sqlite_sequence(name, seq)
             SELECT 'revision', 0 WHERE NOT EXISTS
                 (SELECT 1 FROM sqlite_sequence WHERE name = 'revision');
         UPDATE sqlite_sequence SET seq = max(seq,
             (SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'change_v1'))
             WHERE name = 'revision';
         DROP TABLE change_v1;
         DROP TABLE record_v1;
         DROP TABLE head_v1;
         {view}",
        c_dev = id("c.device_id"),
        c_rec = id("c.record_id"),
        c_rev = id("c.rev_id"),
        c_sha = sqlite_encode("c.payload_sha256", Form::Sha256),
        r_rec = id("r.record_id"),
        r_creator = id("r.creator"),
        h_rec = id("h.record_id"),
        h_rev = id("h.rev_id"),
        view = change_view(),
    ))?;
    let (old, new): (i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'change_v1'),
                (SELECT count(*) FROM revision)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    debug_assert_eq!(old, 0);
    tracing::info!(revisions = new, "server database migrated to schema 2");
    Ok(())
}

/// Rows written by one INSERT statement at most.
const ROWS: usize = 100;

/// Inserts `values.len() / cols` rows with one statement (`head` names the table and columns);
/// returns the rowid of the last.
fn insert_rows(
    tx: &Transaction<'_>,
    head: &str,
    cols: usize,
    values: &[&dyn ToSql],
) -> Result<i64, ServerError> {
    let row = format!("({})", vec!["?"; cols].join(","));
    let sql = format!("{head} VALUES {}", vec![row; values.len() / cols].join(","));
    tx.prepare_cached(&sql)?.execute(values)?;
    Ok(tx.last_insert_rowid())
}

/// One open transaction, with the integer keys it has learnt (a batch reads its records,
/// parents and heads first, then writes by key).
pub struct SqliteTx<'a> {
    tx: Transaction<'a>,
    /// Record key by record id.
    records: HashMap<String, i64>,
    /// Revision seq by rev id.
    revs: HashMap<String, i64>,
    /// Writer key by device id.
    writers: HashMap<String, i64>,
}

/// Ids for [`IN_IDS`], in their stored form: the hex of those kept in binary as one JSON array
/// (`?1`) and the text of the others as another (`?2`).
fn id_list(ids: &[&str]) -> [String; 2] {
    let mut binary = String::with_capacity(ids.len() * 35 + 2);
    let mut text = Vec::new();
    binary.push('[');
    for id in ids {
        match super::ids::binary(id, Form::Uuid) {
            Some(b) => {
                if binary.len() > 1 {
                    binary.push(',');
                }
                binary.push('"');
                binary.push_str(&hex::encode(b));
                binary.push('"');
            }
            None => text.push(*id),
        }
    }
    binary.push(']');
    [
        binary,
        serde_json::to_string(&text).expect("strings serialise"),
    ]
}

/// `IN (...)` over the two lists of [`id_list`]: one statement per batch, SQLite walks the
/// index for each id.
const IN_IDS: &str =
    "(SELECT unhex(value) FROM json_each(?1) UNION ALL SELECT value FROM json_each(?2))";

impl SqliteTx<'_> {
    /// The writer key of a device, if it wrote anything stored.
    fn writer(&mut self, device_id: &str) -> Result<Option<i64>, ServerError> {
        if let Some(k) = self.writers.get(device_id) {
            return Ok(Some(*k));
        }
        let k: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM writer WHERE device_id = ?1")?
            .query_row([sq_id(device_id)], |r| r.get(0))
            .optional()?;
        if let Some(k) = k {
            self.writers.insert(device_id.to_string(), k);
        }
        Ok(k)
    }

    fn writer_or_new(&mut self, device_id: &str) -> Result<i64, ServerError> {
        if let Some(k) = self.writer(device_id)? {
            return Ok(k);
        }
        self.tx
            .prepare_cached("INSERT INTO writer(device_id) VALUES (?1)")?
            .execute([sq_id(device_id)])?;
        let k = self.tx.last_insert_rowid();
        self.writers.insert(device_id.to_string(), k);
        Ok(k)
    }

    /// The seq of a stored revision.
    fn rev_seq(&mut self, rev_id: &str) -> Result<Option<i64>, ServerError> {
        if let Some(s) = self.revs.get(rev_id) {
            return Ok(Some(*s));
        }
        Ok(self
            .tx
            .prepare_cached("SELECT server_seq FROM revision WHERE rev_id = ?1")?
            .query_row([sq_id(rev_id)], |r| r.get(0))
            .optional()?)
    }

    /// The key of a stored record.
    fn record_key(&mut self, record_id: &str) -> Result<Option<i64>, ServerError> {
        if let Some(k) = self.records.get(record_id) {
            return Ok(Some(*k));
        }
        Ok(self
            .tx
            .prepare_cached("SELECT id FROM record WHERE record_id = ?1")?
            .query_row([sq_id(record_id)], |r| r.get(0))
            .optional()?)
    }
}

impl PushTx for SqliteTx<'_> {
    fn lock_device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError> {
        // The IMMEDIATE transaction already holds the write lock.
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM device WHERE device_id = ?1"
            ))?
            .query_row([device_id], device_from_row)
            .optional()?)
    }
    fn stored_batch(&mut self, batch_id: &str) -> Result<Option<(String, String)>, ServerError> {
        Ok(self
            .tx
            .prepare_cached("SELECT device_id, response FROM batch WHERE batch_id = ?1")?
            .query_row([batch_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
    fn op_hashes(&mut self, rev_ids: &[&str]) -> Result<HashMap<String, String>, ServerError> {
        if rev_ids.is_empty() {
            return Ok(HashMap::new());
        }
        // One statement per batch: the ids go in as one JSON array, SQLite walks the index.
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT rev_id, payload_sha256 FROM revision WHERE rev_id IN {IN_IDS}"
        ))?;
        let rows = stmt.query_map(id_list(rev_ids), |r| {
            Ok((sq_get_id(r, 0)?, from_sqlite(r.get_ref(1)?, Form::Sha256)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn generations(
        &mut self,
        rev_ids: &[&str],
    ) -> Result<HashMap<String, (String, u32)>, ServerError> {
        if rev_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT v.rev_id, r.record_id, coalesce(v.generation, 1), v.server_seq
             FROM revision v JOIN record r ON r.id = v.record WHERE v.rev_id IN {IN_IDS}"
        ))?;
        let mut rows = stmt.query(id_list(rev_ids))?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let rev = sq_get_id(r, 0)?;
            self.revs.insert(rev.clone(), r.get(3)?);
            out.insert(rev, (sq_get_id(r, 1)?, r.get(2)?));
        }
        Ok(out)
    }
    fn identities(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Identity>, ServerError> {
        if record_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT r.id, r.record_id, r.kind, w.device_id
             FROM record r LEFT JOIN writer w ON w.id = r.creator
             WHERE r.record_id IN {IN_IDS}"
        ))?;
        let mut rows = stmt.query(id_list(record_ids))?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let record = sq_get_id(r, 1)?;
            self.records.insert(record.clone(), r.get(0)?);
            if let Some(kind) = r.get::<_, Option<String>>(2)? {
                let creator = sq_get_id(r, 3)?;
                out.insert(record, Identity { kind, creator });
            }
        }
        Ok(out)
    }
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError> {
        if record_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT r.id, r.record_id, v.rev_id, v.server_seq
             FROM record r JOIN head h ON h.record = r.id
             JOIN revision v ON v.server_seq = h.seq
             WHERE r.record_id IN {IN_IDS}"
        ))?;
        let mut rows = stmt.query(id_list(record_ids))?;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let record = sq_get_id(r, 1)?;
            let rev = sq_get_id(r, 2)?;
            self.records.insert(record.clone(), r.get(0)?);
            self.revs.insert(rev.clone(), r.get(3)?);
            out.entry(record).or_default().push(rev);
        }
        Ok(out)
    }
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut writers = Vec::with_capacity(changes.len());
        for c in changes {
            writers.push(self.writer_or_new(&c.rev.device_id)?);
        }
        // Records new here get their rows first, many to a statement; a record known only by
        // id until now gets the identity of the first change that creates it.
        let mut new: Vec<(&str, Option<(&str, i64)>)> = Vec::new();
        let mut pending: HashMap<&str, usize> = HashMap::new();
        for (c, &writer) in changes.iter().zip(&writers) {
            let id = c.rev.record_id.as_str();
            let identity = c.creates.then_some((c.rev.kind.as_str(), writer));
            if let Some(&k) = self.records.get(id) {
                if let Some((kind, creator)) = identity {
                    self.tx
                        .prepare_cached(
                            "UPDATE record SET kind = ?2, creator = ?3
                             WHERE id = ?1 AND kind IS NULL",
                        )?
                        .execute(params![k, kind, creator])?;
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
        for part in new.chunks(ROWS) {
            let ids: Vec<Sq<'_>> = part.iter().map(|(id, _)| sq_id(id)).collect();
            let kinds: Vec<Option<&str>> = part.iter().map(|(_, i)| i.map(|(k, _)| k)).collect();
            let creators: Vec<Option<i64>> = part.iter().map(|(_, i)| i.map(|(_, c)| c)).collect();
            let mut values: Vec<&dyn ToSql> = Vec::with_capacity(part.len() * 3);
            for i in 0..part.len() {
                values.extend([&ids[i] as &dyn ToSql, &kinds[i], &creators[i]]);
            }
            let last = insert_rows(
                &self.tx,
                "INSERT INTO record(record_id, kind, creator)",
                3,
                &values,
            )?;
            // One statement under the write lock: its rows have consecutive keys.
            let first = last - part.len() as i64 + 1;
            for ((id, _), k) in part.iter().zip(first..) {
                self.records.insert(id.to_string(), k);
            }
        }
        // The revisions, many to a statement; their seqs follow each other in this order.
        let items: Vec<(&NewChange<'_>, i64)> = changes.iter().zip(writers).collect();
        for part in items.chunks(ROWS) {
            let cols: Vec<[Box<dyn ToSql + '_>; 8]> = part
                .iter()
                .map(|(c, writer)| -> [Box<dyn ToSql + '_>; 8] {
                    [
                        Box::new(sq_id(&c.rev.rev_id)),
                        Box::new(self.records[c.rev.record_id.as_str()]),
                        Box::new(*writer),
                        Box::new(c.rev.device_seq),
                        Box::new(c.rev.generation),
                        Box::new(c.role.as_str()),
                        Box::new(Sq(&c.payload_sha256, Form::Sha256)),
                        Box::new(c.doc.as_str()),
                    ]
                })
                .collect();
            let values: Vec<&dyn ToSql> = cols.iter().flatten().map(|b| &**b).collect();
            let last = insert_rows(
                &self.tx,
                "INSERT INTO revision(rev_id, record, writer, device_seq, generation, role,
                                      payload_sha256, doc)",
                8,
                &values,
            )?;
            let first = last - part.len() as i64 + 1;
            for ((c, _), seq) in part.iter().zip(first..) {
                self.revs.insert(c.rev.rev_id.clone(), seq);
            }
        }
        Ok(())
    }
    fn update_heads(
        &mut self,
        removed: &[(&str, &str)],
        added: &[(&str, &str)],
    ) -> Result<(), ServerError> {
        let mut keys = |list: &[(&str, &str)]| -> Result<Vec<i64>, ServerError> {
            let mut out = Vec::with_capacity(list.len() * 2);
            for (record, rev) in list {
                let (Some(k), Some(seq)) = (self.record_key(record)?, self.rev_seq(rev)?) else {
                    return Err(ServerError::Internal(format!(
                        "head {rev} of record {record} is not stored"
                    )));
                };
                out.extend([k, seq]);
            }
            Ok(out)
        };
        let gone = keys(removed)?;
        let new = keys(added)?;
        let mut del = self
            .tx
            .prepare_cached("DELETE FROM head WHERE record = ?1 AND seq = ?2")?;
        for pair in gone.chunks(2) {
            del.execute([pair[0], pair[1]])?;
        }
        drop(del);
        for part in new.chunks(ROWS * 2) {
            let values: Vec<&dyn ToSql> = part.iter().map(|v| v as &dyn ToSql).collect();
            insert_rows(
                &self.tx,
                "INSERT OR IGNORE INTO head(record, seq)",
                2,
                &values,
            )?;
        }
        Ok(())
    }
    fn set_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.tx
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
        self.tx
            .prepare_cached("INSERT INTO batch(batch_id, device_id, response) VALUES (?1, ?2, ?3)")?
            .execute([batch_id, device_id, resp])?;
        Ok(())
    }
    fn raise_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError> {
        self.tx
            .prepare_cached(
                "UPDATE device SET applied_upto = ?2 WHERE device_id = ?1 AND applied_upto < ?2",
            )?
            .execute(params![device_id, upto])?;
        Ok(())
    }
    fn put_meta(&mut self, key: &str, value: &str) -> Result<(), ServerError> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)")?
            .execute([key, value])?;
        Ok(())
    }
}

fn code_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CodeRow> {
    let role: String = r.get(1)?;
    Ok(CodeRow {
        name: r.get(0)?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        expires_at: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        used_by: r.get(3)?,
        cancelled: r.get(4)?,
        device_id: r.get(5)?,
    })
}

const CODE_COLS: &str = "name, role, expires_at, used_by, cancelled, device_id";

impl EnrollTx for SqliteTx<'_> {
    fn code(&mut self, code_hash: &str) -> Result<Option<CodeRow>, ServerError> {
        Ok(self
            .tx
            .query_row(
                &format!("SELECT {CODE_COLS} FROM enrollment WHERE code_hash = ?1"),
                [code_hash],
                code_from_row,
            )
            .optional()?)
    }
    fn device_exists(&mut self, device_id: &str) -> Result<bool, ServerError> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM device WHERE device_id = ?1")?
            .exists([device_id])?)
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
             VALUES (?1, ?2, ?3, ?4, ?5,
                     (SELECT coalesce(max(device_seq), 0) FROM revision
                      WHERE writer = (SELECT id FROM writer WHERE device_id = ?6)))",
            params![
                device_id,
                name,
                role.as_str(),
                token_hash,
                now(),
                sq_id(device_id)
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
            "UPDATE device SET name = ?2, role = ?3, token_hash = ?4, revoked = 0
             WHERE device_id = ?1",
            params![device_id, name, role.as_str(), token_hash],
        )?;
        Ok(())
    }
    fn mark_used(&mut self, code_hash: &str, device_id: &str) -> Result<(), ServerError> {
        self.tx.execute(
            "UPDATE enrollment SET used_by = ?2 WHERE code_hash = ?1",
            params![code_hash, device_id],
        )?;
        Ok(())
    }
}

impl StoreTx for SqliteTx<'_> {
    fn serialise(&mut self, _what: Serialise<'_>) -> Result<(), ServerError> {
        // Every writing transaction is IMMEDIATE: it holds the database's one write lock.
        Ok(())
    }
    fn meta_value(&mut self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![code_hash, name, role.as_str(), now(), expires_at, device_id],
        )?;
        Ok(())
    }
    fn codes(&mut self) -> Result<Vec<(String, String, CodeRow)>, ServerError> {
        let mut stmt = self.tx.prepare(&format!(
            "SELECT {CODE_COLS}, code_hash, created_at FROM enrollment ORDER BY created_at DESC"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(6)?, r.get(7)?, code_from_row(r)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn cancel_codes(&mut self, prefix: &str) -> Result<bool, ServerError> {
        Ok(self.tx.execute(
            "UPDATE enrollment SET cancelled = 1
             WHERE substr(code_hash, 1, ?2) = ?1 AND used_by IS NULL AND cancelled = 0",
            params![prefix, prefix.len()],
        )? > 0)
    }
    fn find_devices(&mut self, which: DeviceFilter<'_>) -> Result<Vec<Device>, ServerError> {
        let (filter, arg) = match which {
            DeviceFilter::All => ("1 OR ?1 IS NULL", None),
            DeviceFilter::TokenHash(h) => ("token_hash = ?1", Some(h)),
            DeviceFilter::Hub(h) => ("hub = ?1", Some(h)),
        };
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {DEVICE_COLS} FROM device WHERE {filter} ORDER BY enrolled_at"
        ))?;
        let rows = stmt.query_map([arg], device_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn update_device(
        &mut self,
        device_id: &str,
        update: DeviceUpdate<'_>,
    ) -> Result<bool, ServerError> {
        let n = match update {
            DeviceUpdate::Role(role) => self.tx.execute(
                "UPDATE device SET role = ?2 WHERE device_id = ?1",
                [device_id, role.as_str()],
            )?,
            DeviceUpdate::Hub(hub) => self.tx.execute(
                "UPDATE device SET hub = ?2 WHERE device_id = ?1",
                params![device_id, hub],
            )?,
            DeviceUpdate::Revoke => self.tx.execute(
                "UPDATE device SET revoked = 1 WHERE device_id = ?1",
                [device_id],
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
        let mut stmt = self.tx.prepare_cached(
            "SELECT server_seq, writer, doc, role FROM revision WHERE server_seq > ?1
             ORDER BY server_seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, limit.min(i64::MAX as usize) as i64])?;
        while let Some(r) = rows.next()? {
            let row = FeedRow {
                server_seq: r.get(0)?,
                excluded: r.get::<_, i64>(1)? == excluded,
                doc: r.get(2)?,
                role: r.get(3)?,
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
        let mut stmt = self.tx.prepare_cached(
            "SELECT server_seq, doc, role FROM revision WHERE writer = ?1 AND device_seq > ?2
             ORDER BY device_seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![writer, after, limit.min(i64::MAX as usize) as i64],
            |r| {
                Ok(FeedRow {
                    server_seq: r.get(0)?,
                    excluded: false,
                    doc: r.get(1)?,
                    role: r.get(2)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn count_revisions(&mut self) -> Result<u64, ServerError> {
        Ok(self
            .tx
            .query_row("SELECT count(*) FROM revision", [], |r| r.get(0))?)
    }
    fn device_rev_ids(&mut self, device_id: &str) -> Result<Vec<String>, ServerError> {
        let Some(writer) = self.writer(device_id)? else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .tx
            .prepare("SELECT rev_id FROM revision WHERE writer = ?1 ORDER BY device_seq")?;
        let rows = stmt.query_map([writer], |r| sq_get_id(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn kind_record_ids(&mut self, kind: &str) -> Result<Vec<String>, ServerError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT record_id FROM record WHERE kind = ?1")?;
        let rows = stmt.query_map([kind], |r| sq_get_id(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
    fn docs_of_heads(&mut self, record_ids: &[String]) -> Result<Vec<String>, ServerError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT v.doc FROM record r JOIN head h ON h.record = r.id
             JOIN revision v ON v.server_seq = h.seq WHERE r.record_id = ?1",
        )?;
        let mut out = Vec::new();
        for id in record_ids {
            let rows = stmt.query_map([sq_id(id)], |r| r.get(0))?;
            for doc in rows {
                out.push(doc?);
            }
        }
        Ok(out)
    }
}

impl Backend for SqliteStore {
    type Tx<'t> = SqliteTx<'t>;
    fn run<T>(
        &self,
        write: bool,
        work: impl FnOnce(&mut SqliteTx<'_>) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let mut conn = self.conn();
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let mut tx = SqliteTx {
            tx: conn.transaction_with_behavior(behavior)?,
            records: HashMap::new(),
            revs: HashMap::new(),
            writers: HashMap::new(),
        };
        let out = work(&mut tx)?;
        tx.tx.commit()?;
        Ok(out)
    }
}
