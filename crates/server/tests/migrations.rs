//! Versioned server schemas: a database from before versions were kept is migrated with
//! everything in it, and one written by a newer server is refused with a clear message and
//! left exactly as it was. SQLite always; PostgreSQL when `DAURIA_TEST_PG_URL` is set
//! (`scripts/pg-test.sh`; with `DAURIA_REQUIRE_PG=1` a missing URL fails instead of skipping).

use dauria_core::model::{Body, CountUnit, Observation};
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use dauria_proto::{OpStatus, PushRequest, Revision, Role};
use dauria_server::store::{payload_hash, secret_hash, PushOutcome};
use dauria_server::{PostgresStore, ServerError, ServerStore, SqliteStore};

/// The server's SQLite schema as the first release created it, before versions were kept.
const LEGACY_SQLITE: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE device (
    device_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      INTEGER NOT NULL DEFAULT 0,
    applied_upto INTEGER NOT NULL DEFAULT 0,
    enrolled_at  TEXT NOT NULL
);
CREATE TABLE enrollment (
    code_hash  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_by    TEXT
);
CREATE TABLE change (
    server_seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     INTEGER NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc            TEXT NOT NULL
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
";

/// The same for PostgreSQL.
const LEGACY_POSTGRES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE counter (id INT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counter(id, value) VALUES (1, 1);
CREATE TABLE device (
    device_id    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE,
    applied_upto BIGINT NOT NULL DEFAULT 0,
    enrolled_at  TEXT NOT NULL
);
CREATE TABLE enrollment (
    code_hash  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_by    TEXT
);
CREATE TABLE change (
    server_seq     BIGINT PRIMARY KEY,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     BIGINT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    doc            TEXT NOT NULL
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
";

const TOKEN: &str = "legacy-credential";
const CODE: &str = "ABCD-EFGH-JKMN";

fn sighting(store: &Store) -> Body {
    let t = TaxonIndex::load(store)
        .unwrap()
        .resolve("Marmota sibirica")
        .unwrap();
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: Some(t),
        taxon_name: None,
        count: Some(3),
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

/// A laptop with one sighting, which a server of the first release stored.
struct Legacy {
    _dir: tempfile::TempDir,
    laptop: Store,
    rev: Revision,
    doc: String,
}

fn legacy_laptop() -> Legacy {
    let dir = tempfile::tempdir().unwrap();
    let mut laptop = Store::open(dir.path()).unwrap();
    let body = sighting(&laptop);
    laptop.create(&body).unwrap();
    let rev = laptop.outbox_after(0, 1, usize::MAX).unwrap().remove(0);
    let doc = serde_json::to_string(&rev).unwrap();
    Legacy {
        _dir: dir,
        laptop,
        rev,
        doc,
    }
}

/// An edit of the legacy sighting: its parent is the revision the old server stored.
fn edit_of_legacy(l: &mut Legacy) -> PushRequest {
    let cur = l.laptop.get(&l.rev.record_id).unwrap().unwrap();
    let Some(Body::Observation(mut o)) = cur.body else {
        unreachable!()
    };
    o.count = Some(4);
    l.laptop
        .update(&l.rev.record_id, &cur.rev_id, &Body::Observation(o))
        .unwrap();
    PushRequest {
        batch_id: uuid::Uuid::now_v7().to_string(),
        device_id: l.laptop.device_id().to_string(),
        ops: l.laptop.outbox_after(1, 10, usize::MAX).unwrap(),
    }
}

/// Everything a first-release server held is there after the migration, and works.
fn check_migrated(store: &dyn ServerStore, l: &mut Legacy) {
    let device = store
        .device_by_token(TOKEN)
        .unwrap()
        .expect("the old credential still authenticates");
    assert_eq!(device.device_id, l.laptop.device_id());
    assert_eq!(device.applied_upto, 1);
    let codes = store.enrollments().unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].state, "open", "an open code stays usable");
    assert!(!codes[0].expires_at.is_empty(), "and gets an expiry");
    let (changes, last) = store.pull(0, 100, usize::MAX, "").unwrap();
    assert_eq!(last, 1);
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0].rev.get(),
        l.doc,
        "the stored document is unchanged"
    );
    assert_eq!(
        store.record_ids_of_kind("observation").unwrap(),
        vec![l.rev.record_id.clone()],
        "the record's identity is taken from its first revision"
    );
    // An edit made on the laptop since is judged against the migrated revision and record.
    let req = edit_of_legacy(l);
    let PushOutcome::Acked(resp) = store.push(&device, &req).unwrap() else {
        panic!("the edit continues the device's numbering");
    };
    assert_eq!(resp.results.len(), 1);
    assert_eq!(
        resp.results[0].status,
        OpStatus::Applied,
        "{:?}",
        resp.results[0]
    );
    assert_eq!(store.revision_count().unwrap(), 2);
    // A laptop enrolls with the code the old server made.
    let other = tempfile::tempdir().unwrap();
    let other = Store::open(other.path()).unwrap();
    let enrolled = store.enroll(CODE, other.device_id()).unwrap();
    assert_eq!(enrolled.role, Role::Field);
}

fn is_newer(e: &ServerError) -> bool {
    matches!(e, ServerError::NewerDatabase { found, known } if found > known)
        && e.to_string()
            .contains("written by a newer version of dauria-server")
        && e.to_string().contains("nothing in it was changed")
}

#[test]
fn sqlite_database_from_before_versions_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = legacy_laptop();
    {
        let c = rusqlite::Connection::open(dir.path().join("dauria-server.sqlite3")).unwrap();
        c.execute_batch(LEGACY_SQLITE).unwrap();
        c.execute(
            "INSERT INTO device(device_id, name, role, token_hash, applied_upto, enrolled_at)
             VALUES (?1, 'old laptop', 'lead', ?2, 1, '2025-05-01T00:00:00Z')",
            [l.laptop.device_id(), &secret_hash(TOKEN)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO enrollment(code_hash, name, role, created_at)
             VALUES (?1, 'next laptop', 'field', '2025-05-01T00:00:00Z')",
            [secret_hash(CODE)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO change(rev_id, record_id, device_id, device_seq, payload_sha256, doc)
             VALUES (?1, ?2, ?3, 1, ?4, ?5)",
            [
                &l.rev.rev_id,
                &l.rev.record_id,
                &l.rev.device_id,
                &payload_hash(&l.doc),
                &l.doc,
            ],
        )
        .unwrap();
        c.execute(
            "INSERT INTO head(record_id, rev_id) VALUES (?1, ?2)",
            [&l.rev.record_id, &l.rev.rev_id],
        )
        .unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    check_migrated(&store, &mut l);
    drop(store);
    let version: i64 = rusqlite::Connection::open(dir.path().join("dauria-server.sqlite3"))
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, dauria_server::store::sqlite::SCHEMA_VERSION);
    // Opening again changes nothing.
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.revision_count().unwrap(), 2);
}

#[test]
fn sqlite_database_from_a_newer_server_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dauria-server.sqlite3");
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .create_enrollment("laptop", Role::Field, 72, None)
            .unwrap();
    }
    {
        // A newer server's schema: its own version, a column this one does not know, and one
        // of this version's columns gone.
        let c = rusqlite::Connection::open(&file).unwrap();
        c.execute_batch(
            "ALTER TABLE device ADD COLUMN newer_thing BLOB;
             ALTER TABLE device DROP COLUMN hub;",
        )
        .unwrap();
        c.pragma_update(
            None,
            "user_version",
            dauria_server::store::sqlite::SCHEMA_VERSION + 1,
        )
        .unwrap();
    }
    let before = std::fs::read(&file).unwrap();
    match SqliteStore::open(dir.path()) {
        Ok(_) => panic!("a newer database was opened"),
        Err(e) => assert!(is_newer(&e), "unclear refusal: {e}"),
    }
    assert!(std::fs::read(&file).unwrap() == before, "the file changed");
    // The server command says so and stops.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dauria-server"))
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["devices", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("written by a newer version of dauria-server"),
        "{stderr}"
    );
    assert!(std::fs::read(&file).unwrap() == before, "the file changed");
}

/// A database of its own on the test server, or None when PostgreSQL is not set up.
fn postgres_database() -> Option<(String, String)> {
    let Ok(url) = std::env::var("DAURIA_TEST_PG_URL") else {
        assert!(
            std::env::var("DAURIA_REQUIRE_PG").is_err(),
            "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL is not: start PostgreSQL with scripts/pg-test.sh"
        );
        eprintln!("DAURIA_TEST_PG_URL not set: the PostgreSQL run is in `make pg-test`");
        return None;
    };
    let name = format!("dauria_migrations_{}", uuid::Uuid::now_v7().simple());
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let own = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("DAURIA_TEST_PG_URL has no database name: {url}"),
    };
    Some((own, name))
}

fn pg(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// Every table's columns and rows, as text: what "unchanged" is compared on.
fn postgres_snapshot(url: &str) -> Vec<String> {
    let mut c = pg(url);
    let mut out: Vec<String> = c
        .query(
            "SELECT table_name, column_name, data_type FROM information_schema.columns
             WHERE table_schema = 'public' ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}.{} {}",
                r.get::<_, &str>(0),
                r.get::<_, &str>(1),
                r.get::<_, &str>(2)
            )
        })
        .collect();
    let tables: Vec<String> = c
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in tables {
        for r in c
            .query(
                &format!("SELECT row_to_json(x)::text FROM {t} x ORDER BY 1"),
                &[],
            )
            .unwrap()
        {
            out.push(format!("{t}: {}", r.get::<_, &str>(0)));
        }
    }
    out
}

#[test]
fn postgres_database_from_before_versions_is_migrated() {
    let Some((url, _)) = postgres_database() else {
        return;
    };
    let mut l = legacy_laptop();
    {
        let mut c = pg(&url);
        c.batch_execute(LEGACY_POSTGRES).unwrap();
        c.execute(
            "INSERT INTO device(device_id, name, role, token_hash, applied_upto, enrolled_at)
             VALUES ($1, 'old laptop', 'lead', $2, 1, '2025-05-01T00:00:00Z')",
            &[&l.laptop.device_id(), &secret_hash(TOKEN)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO enrollment(code_hash, name, role, created_at)
             VALUES ($1, 'next laptop', 'field', '2025-05-01T00:00:00Z')",
            &[&secret_hash(CODE)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO change(server_seq, rev_id, record_id, device_id, device_seq,
                                payload_sha256, doc)
             VALUES (1, $1, $2, $3, 1, $4, $5)",
            &[
                &l.rev.rev_id,
                &l.rev.record_id,
                &l.rev.device_id,
                &payload_hash(&l.doc),
                &l.doc,
            ],
        )
        .unwrap();
        c.execute(
            "INSERT INTO head(record_id, rev_id) VALUES ($1, $2)",
            &[&l.rev.record_id, &l.rev.rev_id],
        )
        .unwrap();
    }
    let store = PostgresStore::connect(&url).unwrap();
    check_migrated(&store, &mut l);
    drop(store);
    let version: String = pg(&url)
        .query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        version,
        dauria_server::store::postgres::SCHEMA_VERSION.to_string()
    );
    let store = PostgresStore::connect(&url).unwrap();
    assert_eq!(store.revision_count().unwrap(), 2);
}

#[test]
fn postgres_database_from_a_newer_server_is_refused_and_left_unchanged() {
    let Some((url, _)) = postgres_database() else {
        return;
    };
    {
        let store = PostgresStore::connect(&url).unwrap();
        store
            .create_enrollment("laptop", Role::Field, 72, None)
            .unwrap();
    }
    pg(&url)
        .batch_execute(&format!(
            "ALTER TABLE device ADD COLUMN newer_thing BYTEA;
             ALTER TABLE device DROP COLUMN hub;
             UPDATE meta SET value = '{}' WHERE key = 'schema_version';",
            dauria_server::store::postgres::SCHEMA_VERSION + 1
        ))
        .unwrap();
    let before = postgres_snapshot(&url);
    match PostgresStore::connect(&url) {
        Ok(_) => panic!("a newer database was opened"),
        Err(e) => assert!(is_newer(&e), "unclear refusal: {e}"),
    }
    assert_eq!(postgres_snapshot(&url), before);
    let unused = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dauria-server"))
        .args(["--data-dir"])
        .arg(unused.path())
        .args(["--database", &url, "devices", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("written by a newer version of dauria-server"),
        "{stderr}"
    );
    assert_eq!(postgres_snapshot(&url), before);
}
