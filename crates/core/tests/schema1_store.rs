//! A store written by the release whose schema is 1 (`tests/fixtures/schema1`, made by
//! `examples/schema1_fixture.rs`) opens in this build with everything in it: every revision
//! with its exact body, the outbox and the pushed watermark, the conflict and its heads, the
//! current state of every record, the change set aside, the photo and its link, the imported
//! rows' sources, the sync cursor and every other `meta` value.

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
fn a_schema_1_store_opens_with_everything_in_it() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), work.path());
    let old = read_schema1(&work.path().join(dauria_core::store::DB_FILE));
    assert!(old.outbox.len() > 3 && !old.heads.is_empty() && !old.set_aside.is_empty());
    assert_eq!(
        old.meta.iter().find(|(k, _)| k == "sync.cursor").unwrap().1,
        "1:99"
    );
    let mut store = Store::open(work.path()).unwrap();
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
