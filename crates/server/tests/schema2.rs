//! Schema 1 to schema 2 on both backends: a database laid out and filled as a schema-1 server
//! left it (revisions of a real laptop, a change with ids that are not canonical UUIDs and a
//! hash that is not hex, heads, devices with a hub, a code, a stored batch, the pull cursor,
//! a seq counter past its last row, a photo) is migrated with every revision read back byte
//! for byte at its seq, and goes on working: edits of migrated revisions, duplicates, replayed
//! batches, new seqs after the old ones. SQLite always; PostgreSQL when `DAURIA_TEST_PG_URL`
//! is set (`scripts/pg-test.sh`; with `DAURIA_REQUIRE_PG=1` a missing URL fails).

use dauria_core::model::{Body, CountUnit, Observation};
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use dauria_proto::{OpStatus, PushRequest, Revision, Role};
use dauria_server::blobs::BlobStore;
use dauria_server::store::{canonical_doc, payload_hash, secret_hash, PushOutcome};
use dauria_server::{PostgresStore, ServerStore, SqliteStore};

/// Schema 1 as the last schema-1 release created it in SQLite.
const SCHEMA1_SQLITE: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE device (
    device_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      INTEGER NOT NULL DEFAULT 0,
    applied_upto INTEGER NOT NULL DEFAULT 0,
    enrolled_at  TEXT NOT NULL,
    hub          TEXT
);
CREATE TABLE enrollment (
    code_hash  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_by    TEXT,
    expires_at TEXT,
    cancelled  INTEGER NOT NULL DEFAULT 0,
    device_id  TEXT
);
CREATE TABLE record (
    record_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    creator   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE change (
    server_seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     INTEGER NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc            TEXT NOT NULL,
    generation     INTEGER,
    role           TEXT
);
CREATE INDEX change_device ON change(device_id, device_seq);
CREATE TABLE head (
    record_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (record_id, rev_id)
) WITHOUT ROWID;
CREATE TABLE batch (
    batch_id  TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    response  TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// The same in PostgreSQL.
const SCHEMA1_POSTGRES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE counter (id INT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE device (
    device_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE,
    applied_upto BIGINT NOT NULL DEFAULT 0,
    enrolled_at  TEXT NOT NULL,
    hub          TEXT
);
CREATE TABLE enrollment (
    code_hash  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_by    TEXT,
    expires_at TEXT,
    cancelled  BOOLEAN NOT NULL DEFAULT FALSE,
    device_id  TEXT
);
CREATE TABLE change (
    server_seq     BIGINT PRIMARY KEY,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     BIGINT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc            TEXT NOT NULL,
    generation     BIGINT,
    role           TEXT
);
CREATE INDEX change_device ON change(device_id, device_seq);
CREATE TABLE head (
    record_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (record_id, rev_id)
);
CREATE TABLE batch (
    batch_id  TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    response  TEXT NOT NULL
);
CREATE TABLE record (
    record_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    creator   TEXT NOT NULL
);
INSERT INTO meta(key, value) VALUES ('schema_version', '1'), ('identity_backfilled', '1');
";

const TOKEN: &str = "schema-1-credential";
const HUB_TOKEN: &str = "schema-1-hub-credential";
const CODE: &str = "ABCD-EFGH-JKMN";
const CURSOR_KEY: &str = "upstream.cursor";
const CURSOR: &str = "0190f5e2-0000-7000-8000-000000000001:5";
const EPOCH: &str = "0190f5e2-0000-7000-8000-0000000000e0";
const BATCH: &str = "0190f5e2-0000-7000-8000-0000000000b1";
/// A change stored from a device that is not enrolled here, with ids that are not canonical
/// UUIDs and a hash that is not hex.
const ODD_REV: &str = "Legacy-Rev-1";
const ODD_RECORD: &str = "0190F5E2-7C1A-7B3E-9F00-0123456789AB";
const ODD_DEVICE: &str = "old laptop";
const ODD_HASH: &str = "not a hash";
const ODD_DOC: &str = r#"{"rev_id":"Legacy-Rev-1", "note":"kept as it came"}"#;
/// The counter stood past the last stored row.
const COUNTER: i64 = 7;

fn sighting(store: &Store, count: u32) -> Body {
    let t = TaxonIndex::load(store)
        .unwrap()
        .resolve("Marmota sibirica")
        .unwrap();
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: Some(t),
        taxon_name: None,
        count: Some(count),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.5),
        lon: Some(116.9),
        uncertainty_m: None,
        observed_at: "2026-06-02T07:30:00+08:00".into(),
        observers: vec![],
        detection_method: None,
        notes: None,
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

/// What a schema-1 server held: a laptop's create and edit (seqs 1 and 2), and the odd change
/// (seq 3).
struct Fixture {
    _dir: tempfile::TempDir,
    laptop: Store,
    revs: Vec<Revision>,
    /// (server_seq, document, role) of every stored change.
    stored: Vec<(u64, String, Option<&'static str>)>,
    hub_id: String,
    registered_id: String,
    photo: (String, Vec<u8>),
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = Store::open(dir.path()).unwrap();
    let saved = laptop.create(&sighting(&laptop, 3)).unwrap();
    let cur = laptop.get(&saved.id).unwrap().unwrap();
    laptop
        .update(&saved.id, &cur.rev_id, &sighting(&laptop, 4))
        .unwrap();
    let revs = laptop.outbox_after(0, 10, usize::MAX).unwrap();
    assert_eq!(revs.len(), 2);
    let mut stored: Vec<(u64, String, Option<&'static str>)> = revs
        .iter()
        .zip(1..)
        .map(|(r, seq)| (seq, canonical_doc(r), Some("lead")))
        .collect();
    stored.push((3, ODD_DOC.to_string(), None));
    let photo = b"a photo the schema-1 server kept".to_vec();
    Fixture {
        _dir: dir,
        laptop,
        revs,
        stored,
        hub_id: uuid::Uuid::now_v7().to_string(),
        registered_id: uuid::Uuid::now_v7().to_string(),
        photo: (payload_hash(std::str::from_utf8(&photo).unwrap()), photo),
    }
}

/// The rows of the fixture, as one parameterised statement each: (SQL with `?n`, values).
fn rows(f: &Fixture) -> Vec<(&'static str, Vec<Option<String>>)> {
    let s = |v: &str| Some(v.to_string());
    let me = f.laptop.device_id().to_string();
    let response =
        format!(r#"{{"batch_id":"{BATCH}","device_id":"{me}","results":[],"applied_upto":2}}"#);
    let mut out: Vec<(&'static str, Vec<Option<String>>)> =
        vec![
        (
            "INSERT INTO meta(key, value) VALUES (?1, ?2)",
            vec![s("epoch"), s(EPOCH)],
        ),
        (
            "INSERT INTO meta(key, value) VALUES (?1, ?2)",
            vec![s(CURSOR_KEY), s(CURSOR)],
        ),
        (
            "INSERT INTO device(device_id, name, role, token_hash, applied_upto, enrolled_at)
             VALUES (?1, 'lead laptop', 'lead', ?2, 2, '2026-05-01T00:00:00Z')",
            vec![s(&me), s(&secret_hash(TOKEN))],
        ),
        (
            "INSERT INTO device(device_id, name, role, token_hash, applied_upto, enrolled_at)
             VALUES (?1, 'station', 'hub', ?2, 0, '2026-05-02T00:00:00Z')",
            vec![s(&f.hub_id), s(&secret_hash(HUB_TOKEN))],
        ),
        (
            "INSERT INTO device(device_id, name, role, token_hash, applied_upto, enrolled_at, hub)
             VALUES (?1, 'field laptop', 'field', ?2, 0, '2026-05-03T00:00:00Z', ?3)",
            vec![s(&f.registered_id), s(&secret_hash("unusable")), s(&f.hub_id)],
        ),
        (
            "INSERT INTO enrollment(code_hash, name, role, created_at, expires_at)
             VALUES (?1, 'next laptop', 'field', '2026-05-01T00:00:00Z', '2999-01-01T00:00:00Z')",
            vec![s(&secret_hash(CODE))],
        ),
        (
            "INSERT INTO record(record_id, kind, creator) VALUES (?1, 'observation', ?2)",
            vec![s(&f.revs[0].record_id), s(&me)],
        ),
        (
            "INSERT INTO batch(batch_id, device_id, response) VALUES (?1, ?2, ?3)",
            vec![s(BATCH), s(&me), s(&response)],
        ),
        (
            "INSERT INTO head(record_id, rev_id) VALUES (?1, ?2)",
            vec![s(&f.revs[1].record_id), s(&f.revs[1].rev_id)],
        ),
        (
            "INSERT INTO head(record_id, rev_id) VALUES (?1, ?2)",
            vec![s(ODD_RECORD), s(ODD_REV)],
        ),
    ];
    for (r, (seq, doc, role)) in f.revs.iter().zip(&f.stored) {
        out.push((
            "INSERT INTO change(server_seq, rev_id, record_id, device_id, device_seq,
                                payload_sha256, doc, generation, role)
             VALUES (CAST(?1 AS INTEGER), ?2, ?3, ?4, CAST(?5 AS INTEGER), ?6, ?7,
                     CAST(?8 AS INTEGER), ?9)",
            vec![
                s(&seq.to_string()),
                s(&r.rev_id),
                s(&r.record_id),
                s(&r.device_id),
                s(&r.device_seq.to_string()),
                s(&payload_hash(doc)),
                s(doc),
                s(&r.generation.to_string()),
                role.map(str::to_string),
            ],
        ));
    }
    out.push((
        "INSERT INTO change(server_seq, rev_id, record_id, device_id, device_seq,
                            payload_sha256, doc, generation, role)
         VALUES (3, ?1, ?2, ?3, 1, ?4, ?5, NULL, NULL)",
        vec![
            s(ODD_REV),
            s(ODD_RECORD),
            s(ODD_DEVICE),
            s(ODD_HASH),
            s(ODD_DOC),
        ],
    ));
    out
}

/// Everything the schema-1 server held is there after the migration, and works.
fn check_migrated(store: &dyn ServerStore, f: &mut Fixture, data_dir: &std::path::Path) {
    let me = f.laptop.device_id().to_string();
    assert_eq!(store.epoch().unwrap(), EPOCH);
    assert_eq!(store.meta(CURSOR_KEY).unwrap().as_deref(), Some(CURSOR));
    // Every stored change, at its seq, byte for byte, with its role.
    let (changes, last) = store.pull(0, 100, usize::MAX, "").unwrap();
    assert_eq!(last, 3);
    let read: Vec<(u64, String, Option<&str>)> = changes
        .iter()
        .map(|c| {
            (
                c.server_seq,
                c.rev.get().to_string(),
                c.role.map(|r| r.as_str()),
            )
        })
        .collect();
    assert_eq!(read, f.stored);
    let (theirs, _) = store.pull(0, 100, usize::MAX, &me).unwrap();
    assert_eq!(theirs.len(), 1, "the laptop's own changes are left out");
    let own: Vec<u64> = store
        .own_changes(&me, 0, 10)
        .unwrap()
        .iter()
        .map(|c| c.server_seq)
        .collect();
    assert_eq!(own, vec![1, 2]);
    assert_eq!(
        store.rev_ids_of(&me).unwrap(),
        vec![f.revs[0].rev_id.clone(), f.revs[1].rev_id.clone()]
    );
    assert_eq!(store.rev_ids_of(ODD_DEVICE).unwrap(), vec![ODD_REV]);
    assert_eq!(
        store.record_ids_of_kind("observation").unwrap(),
        vec![f.revs[0].record_id.clone()]
    );
    assert_eq!(
        store.head_docs(&[f.revs[0].record_id.clone()]).unwrap(),
        vec![f.stored[1].1.clone()]
    );
    assert_eq!(
        store.head_docs(&[ODD_RECORD.to_string()]).unwrap(),
        vec![ODD_DOC]
    );
    // Devices, with their credentials, numbering and hub.
    let devices = store.devices().unwrap();
    assert_eq!(devices.len(), 3);
    let device = store.device_by_token(TOKEN).unwrap().unwrap();
    assert_eq!(
        (device.device_id.as_str(), device.role, device.applied_upto),
        (me.as_str(), Role::Lead, 2)
    );
    let hub = store.device_by_token(HUB_TOKEN).unwrap().unwrap();
    assert_eq!(hub.role, Role::Hub);
    let registered = store.hub_devices(&hub.device_id).unwrap();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].device_id, f.registered_id);
    assert_eq!(store.enrollments().unwrap()[0].state, "open");
    // The stored batch answers its retry.
    let replay = PushRequest {
        batch_id: BATCH.into(),
        device_id: me.clone(),
        ops: f.revs.clone(),
    };
    let PushOutcome::Acked(r) = store.push(&device, &replay).unwrap() else {
        panic!("a stored batch is answered")
    };
    assert_eq!(r.applied_upto, 2);
    assert!(r.results.is_empty(), "the stored answer, not a new one");
    // An edit of the migrated head, sent with a duplicate of what was stored.
    let cur = f.laptop.get(&f.revs[0].record_id).unwrap().unwrap();
    f.laptop
        .update(&f.revs[0].record_id, &cur.rev_id, &sighting(&f.laptop, 5))
        .unwrap();
    let ops = f.laptop.outbox_after(1, 10, usize::MAX).unwrap();
    assert_eq!(ops.len(), 2);
    let req = PushRequest {
        batch_id: uuid::Uuid::now_v7().to_string(),
        device_id: me.clone(),
        ops,
    };
    let PushOutcome::Acked(r) = store.push(&device, &req).unwrap() else {
        panic!("the edit continues the device's numbering")
    };
    let statuses: Vec<OpStatus> = r.results.iter().map(|x| x.status).collect();
    assert_eq!(statuses, vec![OpStatus::Duplicate, OpStatus::Applied]);
    let (new, _) = store.pull(3, 10, usize::MAX, "").unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(
        new[0].server_seq,
        COUNTER as u64 + 1,
        "seqs go on after the old counter"
    );
    assert_eq!(
        store
            .head_docs(&[f.revs[0].record_id.clone()])
            .unwrap()
            .len(),
        1
    );
    // A laptop enrolls with the code the old server made.
    let other = tempfile::tempdir().unwrap();
    let other = Store::open(other.path()).unwrap();
    assert_eq!(
        store.enroll(CODE, other.device_id()).unwrap().role,
        Role::Field
    );
    // The photo is where it was.
    let blobs = BlobStore::new(data_dir).unwrap();
    assert_eq!(std::fs::read(blobs.path(&f.photo.0)).unwrap(), f.photo.1);
    assert_eq!(store.revision_count().unwrap(), 4);
}

#[test]
fn sqlite_schema_1_database_is_migrated_to_schema_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture();
    {
        let c = rusqlite::Connection::open(dir.path().join("dauria-server.sqlite3")).unwrap();
        c.execute_batch(SCHEMA1_SQLITE).unwrap();
        for (sql, values) in rows(&f) {
            c.execute(sql, rusqlite::params_from_iter(values)).unwrap();
        }
        c.execute(
            "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'change'",
            [COUNTER],
        )
        .unwrap();
    }
    BlobStore::new(dir.path())
        .unwrap()
        .keep(&f.photo.0, &f.photo.1)
        .unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    check_migrated(&store, &mut f, dir.path());
    drop(store);
    let c = rusqlite::Connection::open(dir.path().join("dauria-server.sqlite3")).unwrap();
    let version: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // Schema 1's table is still there to read, as a view.
    let odd: String = c
        .query_row(
            "SELECT record_id FROM change WHERE rev_id = ?1",
            [ODD_REV],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(odd, ODD_RECORD);
    drop(c);
    // Opening again changes nothing.
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.revision_count().unwrap(), 4);
}

/// A database of its own on the test server, or None when PostgreSQL is not set up.
fn postgres_database() -> Option<String> {
    let Ok(url) = std::env::var("DAURIA_TEST_PG_URL") else {
        assert!(
            std::env::var("DAURIA_REQUIRE_PG").is_err(),
            "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL is not: start PostgreSQL with scripts/pg-test.sh"
        );
        eprintln!("DAURIA_TEST_PG_URL not set: the PostgreSQL run is in `make pg-test`");
        return None;
    };
    let name = format!("dauria_schema2_{}", uuid::Uuid::now_v7().simple());
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (base, _) = url.rsplit_once('/').expect("a database name in the URL");
    Some(format!("{base}/{name}"))
}

#[test]
fn postgres_schema_1_database_is_migrated_to_schema_2() {
    let Some(url) = postgres_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture();
    {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(SCHEMA1_POSTGRES).unwrap();
        c.execute("INSERT INTO counter(id, value) VALUES (1, $1)", &[&COUNTER])
            .unwrap();
        for (sql, values) in rows(&f) {
            // The same statements with PostgreSQL's placeholders and casts.
            let mut sql = sql.replace("AS INTEGER", "AS BIGINT");
            for n in (1..=9).rev() {
                sql = sql.replace(&format!("?{n}"), &format!("${n}::TEXT"));
            }
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values
                .iter()
                .map(|v| v as &(dyn postgres::types::ToSql + Sync))
                .collect();
            c.execute(sql.as_str(), &params).unwrap();
        }
    }
    BlobStore::new(dir.path())
        .unwrap()
        .keep(&f.photo.0, &f.photo.1)
        .unwrap();
    let store = PostgresStore::connect(&url).unwrap();
    check_migrated(&store, &mut f, dir.path());
    drop(store);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let version: String = c
        .query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, "2");
    let odd: String = c
        .query_one(
            "SELECT record_id FROM change WHERE rev_id = $1",
            &[&ODD_REV],
        )
        .unwrap()
        .get(0);
    assert_eq!(odd, ODD_RECORD);
    let store = PostgresStore::connect(&url).unwrap();
    assert_eq!(store.revision_count().unwrap(), 4);
}
