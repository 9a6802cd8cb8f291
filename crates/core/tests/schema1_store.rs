//! A store written by the release whose schema is 1 (`tests/fixtures/schema1`, made by
//! `examples/schema1_fixture.rs`) migrates to schema 2 in place with everything in it: every
//! revision with its exact body and hash, the outbox and the pushed watermark, the conflict and
//! its heads, the current state of every record, the change set aside, the photo and its link,
//! the imported rows' sources, the sync cursor and every other `meta` value. So does the same
//! store grown to 100,000 sightings, and a process killed with SIGKILL while it migrates leaves
//! the schema-1 store or the schema-2 one, never a mix.

use dauria_core::import::{import_observations_from, ImportOptions};
use dauria_core::model::Body;
use dauria_core::store::query::ObservationFilter;
use dauria_core::{media, Store};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema1")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// One revision as the wire carries it, every field.
type Rev = (
    String,
    String,
    String,
    Vec<String>,
    u32,
    String,
    u64,
    String,
    u32,
    bool,
    Option<String>,
    String,
);

/// What a schema-1 store holds, read with plain SQL from its own tables.
struct Schema1 {
    revisions: Vec<Rev>,
    outbox: Vec<(u64, String)>,
    current: BTreeMap<String, (String, bool, bool)>,
    heads: BTreeMap<String, Vec<String>>,
    set_aside: Vec<(Option<String>, Option<u64>, String, String)>,
    meta: Vec<(String, String)>,
    sources: Vec<(String, String, String)>,
}

fn read_schema1(db: &Path) -> Schema1 {
    let c = Connection::open(db).unwrap();
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 3, "the fixture is a schema-1 store (migrations 001-003)");
    let all = |sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut s = c.prepare(sql).unwrap();
        let n = s.column_count();
        s.query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    use rusqlite::types::Value as V;
    let text = |v: &V| match v {
        V::Text(s) => s.clone(),
        other => panic!("not text: {other:?}"),
    };
    let int = |v: &V| match v {
        V::Integer(i) => *i,
        other => panic!("not an integer: {other:?}"),
    };
    let revisions = all(
        "SELECT rev_id, record_id, kind, parents, generation, device_id, device_seq, hlc,
                schema_version, deleted, body, body_sha256 FROM revision ORDER BY seq",
    )
    .into_iter()
    .map(|r| {
        (
            text(&r[0]),
            text(&r[1]),
            text(&r[2]),
            serde_json::from_str(&text(&r[3])).unwrap(),
            int(&r[4]) as u32,
            text(&r[5]),
            int(&r[6]) as u64,
            text(&r[7]),
            int(&r[8]) as u32,
            int(&r[9]) != 0,
            match &r[10] {
                V::Null => None,
                v => Some(text(v)),
            },
            text(&r[11]),
        )
    })
    .collect();
    let outbox = all(
        "SELECT o.device_seq, r.rev_id FROM outbox o JOIN revision r ON r.seq = o.rev_seq
         ORDER BY o.device_seq",
    )
    .into_iter()
    .map(|r| (int(&r[0]) as u64, text(&r[1])))
    .collect();
    let current = all("SELECT id, rev_id, deleted, conflict FROM record
         UNION ALL SELECT id, rev_id, deleted, conflict FROM observation")
    .into_iter()
    .map(|r| (text(&r[0]), (text(&r[1]), int(&r[2]) != 0, int(&r[3]) != 0)))
    .collect::<BTreeMap<_, _>>();
    let mut heads: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in all("SELECT record_id, rev_id FROM conflict_head ORDER BY rev_id") {
        heads.entry(text(&r[0])).or_default().push(text(&r[1]));
    }
    for (id, others) in heads.iter_mut() {
        others.insert(0, current[id].0.clone());
    }
    let set_aside = all("SELECT rev_id, server_seq, code, reason FROM set_aside ORDER BY id")
        .into_iter()
        .map(|r| {
            (
                match &r[0] {
                    V::Null => None,
                    v => Some(text(v)),
                },
                match &r[1] {
                    V::Null => None,
                    v => Some(int(v) as u64),
                },
                text(&r[2]),
                text(&r[3]),
            )
        })
        .collect();
    let meta = all("SELECT key, value FROM meta ORDER BY key")
        .into_iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect();
    let sources = all("SELECT dataset, source_id, record_id FROM import_source ORDER BY 1, 2")
        .into_iter()
        .map(|r| (text(&r[0]), text(&r[1]), text(&r[2])))
        .collect();
    Schema1 {
        revisions,
        outbox,
        current,
        heads,
        set_aside,
        meta,
        sources,
    }
}

/// Checks that `store` holds everything `old` read from its schema-1 file.
fn assert_holds(store: &Store, old: &Schema1) {
    let revs: Vec<Rev> = store
        .revisions_after(0, usize::MAX >> 1)
        .unwrap()
        .into_iter()
        .map(|(_, r)| {
            (
                r.rev_id,
                r.record_id,
                r.kind,
                r.parents,
                r.generation,
                r.device_id,
                r.device_seq,
                r.hlc,
                r.schema_version,
                r.deleted,
                r.body.map(|b| b.get().to_string()),
                r.body_sha256,
            )
        })
        .collect();
    assert_eq!(revs.len(), old.revisions.len(), "every revision is kept");
    assert!(
        revs == old.revisions,
        "revisions kept byte for byte, in order"
    );
    let outbox: Vec<(u64, String)> = store
        .outbox_after(0, usize::MAX >> 1, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|r| (r.device_seq, r.rev_id))
        .collect();
    assert_eq!(outbox, old.outbox, "the outbox is kept in order");
    for (id, (rev_id, deleted, conflict)) in &old.current {
        let c = store
            .get(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} lost"));
        assert_eq!(
            (&c.rev_id, c.deleted, c.conflict),
            (rev_id, *deleted, *conflict),
            "current state of {id}"
        );
        assert_eq!(c.body.is_some(), !deleted);
        if *conflict {
            let heads: Vec<String> = store
                .heads(id)
                .unwrap()
                .into_iter()
                .map(|h| h.rev_id)
                .collect();
            assert_eq!(Some(&heads), old.heads.get(id), "heads of {id}");
        }
    }
    let conflicts: Vec<String> = store
        .conflicts()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        conflicts,
        old.heads.keys().cloned().collect::<Vec<_>>(),
        "the records in conflict"
    );
    let set_aside: Vec<_> = store
        .set_aside()
        .unwrap()
        .into_iter()
        .map(|s| (s.rev_id, s.server_seq, s.code, s.reason))
        .collect();
    assert_eq!(set_aside, old.set_aside, "changes set aside");
    for (k, v) in &old.meta {
        if k == "taxa_version" {
            continue; // a cache key: rebuilding the species index is allowed
        }
        assert_eq!(store.meta(k).unwrap().as_ref(), Some(v), "meta {k}");
    }
    let mut pending = 0;
    let pushed = store.pushed_seq().unwrap();
    for (seq, _) in &old.outbox {
        if *seq > pushed {
            pending += 1;
        }
    }
    assert_eq!(store.pending_count().unwrap(), pending);
}

#[test]
fn a_schema_1_store_migrates_with_everything_in_it() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), work.path());
    let old = read_schema1(&work.path().join(dauria_core::store::DB_FILE));
    assert!(old.outbox.len() > 3 && !old.heads.is_empty() && !old.set_aside.is_empty());
    assert_eq!(
        old.meta.iter().find(|(k, _)| k == "sync.cursor").unwrap().1,
        "1:99"
    );
    let mut store = Store::open(work.path()).unwrap();
    assert_schema_2(&store);
    assert_holds(&store, &old);
    // The photo link: the sighting lists the hash and the blob is there.
    let page = store
        .observations(&ObservationFilter::default(), None, 100)
        .unwrap();
    let photos: Vec<String> = page
        .rows
        .iter()
        .flat_map(|r| r.observation.photos.clone())
        .collect();
    assert_eq!(photos.len(), 1);
    assert!(media::has_blob(store.dir(), &photos[0]));
    // The imported rows are known by their source: the same file adds nothing.
    assert_eq!(old.sources.len(), 2);
    let csv = "taxon,count,observed_at,lat,lon,occurrenceID\n\
               Marmota sibirica,2,2024-05-10T09:00:00+08:00,49.9,116.2,occ-1\n\
               Grus vipio,1,2019-05,49.8,116.0,occ-2\n";
    let again = import_observations_from(
        &mut store,
        csv.as_bytes(),
        "field-book-2024.csv",
        ImportOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!((again.imported, again.already_imported), (0, 2));
    // And it keeps working: an edit of the record in conflict merges it.
    let pending = store.pending_count().unwrap();
    let (id, _) = store.conflicts().unwrap().remove(0);
    let Some(Body::Observation(o)) = store.get(&id).unwrap().unwrap().body else {
        panic!("the conflict is a sighting");
    };
    store.merge(&id, Some(&Body::Observation(o))).unwrap();
    assert!(store.conflicts().unwrap().is_empty());
    assert_eq!(store.pending_count().unwrap(), pending + 1);
}

fn user_version(c: &Connection) -> i64 {
    c.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// The store is schema 2: the hashes of bodies are not stored, bodies are packed, row hashes
/// are bytes.
fn assert_schema_2(store: &Store) {
    let c = store.connection();
    assert_eq!(user_version(c), dauria_core::store::schema_version());
    let text: i64 = c
        .query_row(
            "SELECT count(*) FROM revision WHERE typeof(body) NOT IN ('blob', 'null')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, 0, "every body is packed");
    let text_ids: i64 = c
        .query_row(
            "SELECT count(*) FROM revision WHERE typeof(rev_id) <> 'blob'
               OR typeof(record_id) <> 'blob' OR typeof(device_id) <> 'blob'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        text_ids, 0,
        "the fixture's ids are UUIDs, kept as their bytes"
    );
    for (table, cols) in [
        ("record", &["id", "rev_id"][..]),
        ("observation", &["id", "site_id", "taxon_id", "visit_id"]),
        (
            "species_tally",
            &["nullif(site_key, '')", "nullif(taxon_key, '')"],
        ),
        ("import_source", &["record_id"]),
    ] {
        let test = cols
            .iter()
            .map(|c| format!("typeof({c}) = 'text'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let text: i64 = c
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE {test}"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(text, 0, "{table}: ids kept as their bytes");
    }
    let stored: i64 = c
        .query_row(
            "SELECT count(*) FROM revision WHERE body IS NOT NULL AND body_sha256 IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0, "no body's own hash is stored");
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v2'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "the new tables took the old names");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// Adds `n` sightings to a schema-1 store as the schema-1 release wrote them (a revision with
/// its body's hash, an outbox op, an `observation` row and the import source of each; every
/// tenth edited once more, with its parent link), straight into its tables.
fn grow_schema_1(db: &Path, n: u64) {
    use sha2::{Digest, Sha256};
    let mut c = Connection::open(db).unwrap();
    assert_eq!(user_version(&c), 3);
    let tx = c.transaction().unwrap();
    let device: String = tx
        .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let taxon: String = tx
        .query_row(
            "SELECT id FROM record WHERE kind = 'taxon' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut seq: u64 = tx
        .query_row("SELECT max(device_seq) FROM outbox", [], |r| r.get(0))
        .unwrap();
    {
        let mut rev = tx
            .prepare(
                "INSERT INTO revision(rev_id, record_id, kind, parents, generation, device_id,
                   device_seq, hlc, schema_version, deleted, body, body_sha256)
                 VALUES (?1, ?2, 'observation', ?3, ?4, ?5, ?6, ?7, 1, 0, ?8, ?9)",
            )
            .unwrap();
        let mut outbox = tx
            .prepare("INSERT INTO outbox(device_seq, rev_seq) VALUES (?1, ?2)")
            .unwrap();
        let mut link = tx
            .prepare("INSERT INTO rev_parent(parent_id, rev_id) VALUES (?1, ?2)")
            .unwrap();
        let mut obs = tx
            .prepare(
                "INSERT INTO observation(id, rev_id, deleted, conflict, taxon_id, count, unit,
                   lat, lon, observed_at, observed_utc, country, search)
                 VALUES (?1, ?2, 0, 0, ?3, ?4, 'individuals', 49.9, 116.2, ?5, ?6, 'CN', '')
                 ON CONFLICT(id) DO UPDATE SET rev_id = excluded.rev_id, count = excluded.count",
            )
            .unwrap();
        let mut source = tx
            .prepare("INSERT INTO import_source(dataset, source_id, record_id) VALUES ('big.csv', ?1, ?2)")
            .unwrap();
        for i in 0..n {
            let id = uuid::Uuid::now_v7().to_string();
            let at = format!("2024-{:02}-{:02}T07:00:00+08:00", i % 12 + 1, i % 28 + 1);
            let utc = chrono::DateTime::parse_from_rfc3339(&at)
                .unwrap()
                .timestamp_millis();
            let edits = if i % 10 == 0 { 2 } else { 1 };
            let mut parent: Option<String> = None;
            for g in 1..=edits {
                let rev_id = uuid::Uuid::now_v7().to_string();
                let body = format!(
                    "{{\"visit\":null,\"site\":null,\"taxon\":\"{taxon}\",\"taxon_name\":null,\"count\":{},\"count_min\":null,\"count_max\":null,\"unit\":\"individuals\",\"sex\":null,\"age\":null,\"behaviour\":null,\"lat\":49.9,\"lon\":116.2,\"uncertainty_m\":null,\"observed_at\":\"{at}\",\"observers\":[],\"detection_method\":null,\"notes\":null,\"photos\":[]}}",
                    i % 50 + g
                );
                let sha = hex::encode(Sha256::digest(body.as_bytes()));
                seq += 1;
                let parents = match &parent {
                    Some(p) => format!("[\"{p}\"]"),
                    None => "[]".into(),
                };
                rev.execute(rusqlite::params![
                    rev_id,
                    id,
                    parents,
                    g,
                    device,
                    seq,
                    format!("{:015}:{:05}", 1_780_000_000_000u64 + seq, 0),
                    body,
                    sha
                ])
                .unwrap();
                outbox
                    .execute(rusqlite::params![seq, tx.last_insert_rowid()])
                    .unwrap();
                if let Some(p) = &parent {
                    link.execute([p, &rev_id]).unwrap();
                }
                obs.execute(rusqlite::params![id, rev_id, taxon, i % 50 + g, at, utc])
                    .unwrap();
                parent = Some(rev_id);
            }
            let row_hash = hex::encode(Sha256::digest(i.to_le_bytes()));
            source
                .execute(rusqlite::params![format!("sha256:{row_hash}"), id])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
}

const BIG: u64 = 100_000;

#[test]
fn a_schema_1_store_of_100000_sightings_migrates_with_everything_in_it() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), work.path());
    let db = work.path().join(dauria_core::store::DB_FILE);
    grow_schema_1(&db, BIG);
    let old = read_schema1(&db);
    assert_eq!(old.outbox.len() as u64, 11 + BIG + BIG / 10);
    let store = Store::open(work.path()).unwrap();
    assert_schema_2(&store);
    assert_holds(&store, &old);
    let n: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM import_source WHERE typeof(source_id) = 'blob'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n as u64, BIG, "row hashes kept as their bytes");
}

/// Run as a child process by the test below: opens (and so migrates) the store and exits.
#[test]
fn migrate_child() {
    if let Ok(dir) = std::env::var("DAURIA_MIGRATE_CHILD") {
        let store = Store::open(Path::new(&dir)).unwrap();
        println!("migrated {}", user_version(store.connection()));
    }
}

/// A seeded generator (SplitMix64), so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

fn spawn_migration(dir: &Path) -> std::process::Child {
    // This very test binary; through /proc where there is one, which still names it if a
    // rebuild replaced the file meanwhile.
    let exe = Path::new("/proc/self/exe");
    let exe = if exe.exists() {
        exe.to_path_buf()
    } else {
        std::env::current_exe().unwrap()
    };
    std::process::Command::new(exe)
        .args([
            "--exact",
            "migrate_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("DAURIA_MIGRATE_CHILD", dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the migrating process")
}

#[test]
fn sigkill_during_migration_leaves_the_old_store_or_the_new_one() {
    let seed: u64 = std::env::var("DAURIA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let ctx = format!("(replay with DAURIA_CRASH_SEED={seed})");
    eprintln!("migration crash seed {seed}");
    let mut rng = Rng(seed);
    let work = tempfile::tempdir().unwrap();
    let original = work.path().join("schema1");
    copy_dir(&fixture(), &original);
    grow_schema_1(&original.join(dauria_core::store::DB_FILE), BIG);
    let old = read_schema1(&original.join(dauria_core::store::DB_FILE));
    // How long a whole migration takes here, so the kills land anywhere in it.
    let full = {
        let dir = work.path().join("timed");
        copy_dir(&original, &dir);
        let t = std::time::Instant::now();
        let out = spawn_migration(&dir).wait_with_output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!(
                "migrated {}",
                dauria_core::store::schema_version()
            )),
            "the child migrates"
        );
        t.elapsed()
    };
    let (mut before, mut after) = (0, 0);
    for round in 0..6 {
        let dir = work.path().join(format!("round{round}"));
        copy_dir(&original, &dir);
        let mut child = spawn_migration(&dir);
        let wait = full.mul_f64(rng.below(1000) as f64 / 1000.0);
        std::thread::sleep(wait);
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let db = dir.join(dauria_core::store::DB_FILE);
        let c = Connection::open(&db).unwrap();
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round} {ctx}");
        let version = user_version(&c);
        let half: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v2'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(half, 0, "no half-made table is left, round {round} {ctx}");
        drop(c);
        match version {
            3 => {
                before += 1;
                let now = read_schema1(&db);
                assert!(
                    now.revisions == old.revisions && now.outbox == old.outbox,
                    "the schema-1 store is untouched, round {round} {ctx}"
                );
            }
            v if v == dauria_core::store::schema_version() => after += 1,
            v => panic!("user_version {v} after a kill, round {round} {ctx}"),
        }
        // Either way the store opens as schema 2 with everything in it.
        let store = Store::open(&dir).unwrap();
        assert_schema_2(&store);
        assert_holds(&store, &old);
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!("killed before the commit {before} times, after it {after} times {ctx}");
}
