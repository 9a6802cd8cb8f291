//! One conformance suite for every server store: SQLite always, PostgreSQL when
//! `DAURIA_TEST_PG_URL` is set (`scripts/pg-test.sh` starts a throwaway server and sets it;
//! with `DAURIA_REQUIRE_PG=1` a missing URL fails instead of skipping).

use dauria_core::model::{Body, CountUnit, Observation};
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use dauria_proto::{OpStatus, PushRequest, Revision, Role};
use dauria_server::store::{Device, PushOutcome};
use dauria_server::{PostgresStore, ServerStore, SqliteStore};

fn laptop() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(d.path()).unwrap();
    (d, s)
}

fn log(store: &mut Store, n: u32) -> dauria_core::Saved {
    let t = TaxonIndex::load(store)
        .unwrap()
        .resolve("Canis lupus")
        .unwrap();
    store
        .create(&Body::Observation(Observation {
            visit: None,
            site: None,
            taxon: Some(t),
            taxon_name: None,
            count: Some(n),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: Some(49.0),
            lon: Some(117.0),
            uncertainty_m: None,
            observed_at: "2026-07-01T06:00:00+08:00".into(),
            observers: vec![],
            detection_method: None,
            notes: None,
            photos: vec![],
        }))
        .unwrap()
}

fn enrolled(store: &dyn ServerStore, laptop: &Store, role: Role) -> (Device, String) {
    let code = store.create_enrollment("test laptop", role).unwrap();
    let resp = store
        .enroll(&code.to_lowercase(), laptop.device_id())
        .unwrap();
    let dev = store
        .device_by_token(&resp.token)
        .unwrap()
        .expect("token authenticates");
    (dev, resp.token)
}

fn acked(o: PushOutcome) -> dauria_proto::PushResponse {
    match o {
        PushOutcome::Acked(r) => r,
        PushOutcome::Gap(g) => panic!("unexpected gap: {}", g.error),
    }
}

fn batch(laptop: &Store, id: &str, after: u64, n: usize) -> PushRequest {
    PushRequest {
        batch_id: id.to_string(),
        device_id: laptop.device_id().to_string(),
        ops: laptop.outbox_after(after, n, usize::MAX).unwrap(),
    }
}

fn fresh_batch_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn suite(store: &dyn ServerStore) {
    enrollment_codes_work_once_and_credentials_are_revocable(store);
    push_is_idempotent_per_op_and_per_batch(store);
    gaps_are_refused_without_writing(store);
    bad_and_forbidden_ops_are_rejected_without_blocking(store);
    concurrent_heads_are_reported_as_conflict(store);
    heads_follow_every_op_of_one_batch_in_order(store);
    pull_is_ordered_and_leaves_out_the_callers_own(store);
}

fn enrollment_codes_work_once_and_credentials_are_revocable(store: &dyn ServerStore) {
    let (_d, l) = laptop();
    let code = store
        .create_enrollment("Daursky laptop", Role::Field)
        .unwrap();
    let resp = store.enroll(&code, l.device_id()).unwrap();
    assert_eq!(resp.role, Role::Field);
    assert!(
        store.enroll(&code, l.device_id()).is_err(),
        "a code works once"
    );
    assert!(store.enroll("AAAA-BBBB-CCCC", l.device_id()).is_err());
    assert!(store.device_by_token("not-a-token").unwrap().is_none());
    let dev = store.device_by_token(&resp.token).unwrap().unwrap();
    assert!(!dev.revoked);
    assert!(store.revoke(l.device_id()).unwrap());
    assert!(store.device_by_token(&resp.token).unwrap().unwrap().revoked);
    assert!(!store
        .revoke("00000000-0000-0000-0000-00000000dead")
        .unwrap());
}

fn push_is_idempotent_per_op_and_per_batch(store: &dyn ServerStore) {
    let (_d, mut l) = laptop();
    let (dev, _) = enrolled(store, &l, Role::Field);
    for i in 0..10 {
        log(&mut l, i + 1);
    }
    let b1 = batch(&l, &fresh_batch_id(), 0, 6);
    let r1 = acked(store.push(&dev, &b1).unwrap());
    assert_eq!(r1.applied_upto, 6);
    assert!(r1.results.iter().all(|r| r.status == OpStatus::Applied));
    let again = acked(store.push(&dev, &b1).unwrap());
    assert_eq!(
        serde_json::to_string(&again).unwrap(),
        serde_json::to_string(&r1).unwrap(),
        "stored answer"
    );
    // The same ops in a new batch (a client that lost its batch id) are duplicates.
    let b2 = batch(&l, &fresh_batch_id(), 0, 10);
    let r2 = acked(store.push(&dev, &b2).unwrap());
    let statuses: Vec<OpStatus> = r2.results.iter().map(|r| r.status).collect();
    assert_eq!(&statuses[..6], &[OpStatus::Duplicate; 6]);
    assert_eq!(&statuses[6..], &[OpStatus::Applied; 4]);
    assert_eq!(r2.applied_upto, 10);
    let ids: Vec<String> = l
        .outbox_after(0, 100, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|r| r.rev_id)
        .collect();
    assert_eq!(store.rev_ids_of(l.device_id()).unwrap(), ids);
}

fn gaps_are_refused_without_writing(store: &dyn ServerStore) {
    let (_d, mut l) = laptop();
    let (dev, _) = enrolled(store, &l, Role::Field);
    for i in 0..5 {
        log(&mut l, i + 1);
    }
    match store
        .push(&dev, &batch(&l, &fresh_batch_id(), 2, 5))
        .unwrap()
    {
        PushOutcome::Gap(g) => assert_eq!(g.applied_upto, 0),
        PushOutcome::Acked(_) => {
            panic!("a batch starting at seq 3 was accepted with nothing before it")
        }
    }
    assert!(store.rev_ids_of(l.device_id()).unwrap().is_empty());
}

fn bad_and_forbidden_ops_are_rejected_without_blocking(store: &dyn ServerStore) {
    let (_d, mut l) = laptop();
    let (dev, _) = enrolled(store, &l, Role::Field);
    log(&mut l, 1);
    let list = l
        .list(dauria_core::model::Kind::Checklist)
        .unwrap()
        .remove(0);
    l.update(&list.id, &list.rev_id, list.body.as_ref().unwrap())
        .unwrap();
    log(&mut l, 2);
    let mut req = batch(&l, &fresh_batch_id(), 0, 10);
    req.ops[0].body_sha256 = "0".repeat(64);
    let r = acked(store.push(&dev, &req).unwrap());
    let s: Vec<OpStatus> = r.results.iter().map(|r| r.status).collect();
    assert_eq!(
        s,
        vec![OpStatus::Rejected, OpStatus::Rejected, OpStatus::Applied]
    );
    assert!(r.results[0].reason.as_deref().unwrap().contains("SHA-256"));
    assert!(r.results[1]
        .reason
        .as_deref()
        .unwrap()
        .contains("may not change checklist"));
    assert_eq!(r.applied_upto, 3, "rejected ops consume their seq");
    assert_eq!(store.rev_ids_of(l.device_id()).unwrap().len(), 1);
}

fn concurrent_heads_are_reported_as_conflict(store: &dyn ServerStore) {
    let (_d1, mut a) = laptop();
    let (_d2, mut b) = laptop();
    let (da, _) = enrolled(store, &a, Role::Field);
    let (db, _) = enrolled(store, &b, Role::Field);
    let s = log(&mut a, 1);
    acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    let revs: Vec<Revision> = a.outbox_after(0, 10, usize::MAX).unwrap();
    b.apply_remote(&revs, &[]).unwrap();
    let cur = a.get(&s.id).unwrap().unwrap();
    a.update(&s.id, &cur.rev_id, cur.body.as_ref().unwrap())
        .unwrap();
    b.update(&s.id, &cur.rev_id, cur.body.as_ref().unwrap())
        .unwrap();
    let ra = acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 1, 10))
            .unwrap(),
    );
    assert_eq!(ra.results[0].status, OpStatus::Applied);
    let rb = acked(
        store
            .push(&db, &batch(&b, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    assert_eq!(rb.results[0].status, OpStatus::Conflict);
}

/// A batch's ops are applied in order: a chain of edits, then a merge of a conflict followed by
/// an edit on top of the merge, each in one batch, leave one head.
fn heads_follow_every_op_of_one_batch_in_order(store: &dyn ServerStore) {
    let (_d1, mut a) = laptop();
    let (_d2, mut b) = laptop();
    let (da, _) = enrolled(store, &a, Role::Field);
    let (db, _) = enrolled(store, &b, Role::Field);
    let s = log(&mut a, 1);
    for n in 2..4 {
        let cur = a.get(&s.id).unwrap().unwrap();
        let Some(Body::Observation(mut o)) = cur.body else {
            panic!("an observation")
        };
        o.count = Some(n);
        a.update(&s.id, &cur.rev_id, &Body::Observation(o)).unwrap();
    }
    let r = acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    let statuses: Vec<_> = r.results.iter().map(|x| x.status).collect();
    assert_eq!(
        statuses,
        vec![OpStatus::Applied; 3],
        "create and two edits in one batch"
    );

    // B edits the first version: a second head.
    let first: Vec<Revision> = a.outbox_after(0, 1, usize::MAX).unwrap();
    b.apply_remote(&first, &[]).unwrap();
    let cur = b.get(&s.id).unwrap().unwrap();
    b.update(&s.id, &cur.rev_id, cur.body.as_ref().unwrap())
        .unwrap();
    let rb = acked(
        store
            .push(&db, &batch(&b, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    assert_eq!(rb.results[0].status, OpStatus::Conflict);

    // A receives it, merges, and edits the merged record: one batch, no conflict left.
    let theirs: Vec<Revision> = b.outbox_after(0, 10, usize::MAX).unwrap();
    a.apply_remote(&theirs, &[]).unwrap();
    let winner = a.get(&s.id).unwrap().unwrap();
    assert!(winner.conflict);
    let merged = a.merge(&s.id, winner.body.as_ref()).unwrap();
    let cur = a.get(&s.id).unwrap().unwrap();
    assert_eq!(
        (cur.rev_id.as_str(), cur.conflict),
        (merged.rev_id.as_str(), false)
    );
    a.update(&s.id, &cur.rev_id, cur.body.as_ref().unwrap())
        .unwrap();
    let r = acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 3, 10))
            .unwrap(),
    );
    let statuses: Vec<_> = r.results.iter().map(|x| x.status).collect();
    assert_eq!(
        statuses,
        vec![OpStatus::Applied; 2],
        "the merge and the edit after it"
    );
}

fn pull_is_ordered_and_leaves_out_the_callers_own(store: &dyn ServerStore) {
    let (_d1, mut a) = laptop();
    let (_d2, b) = laptop();
    let (da, _) = enrolled(store, &a, Role::Lead);
    for i in 0..7 {
        log(&mut a, i + 1);
    }
    let (_, start) = store.pull(0, usize::MAX >> 1, "").unwrap();
    acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    let (page, last) = store.pull(start, 4, b.device_id()).unwrap();
    assert_eq!(page.len(), 4);
    assert!(page.windows(2).all(|w| w[0].server_seq < w[1].server_seq));
    let (rest, _) = store.pull(last, 100, b.device_id()).unwrap();
    assert_eq!(rest.len(), 3);
    let (own, _) = store.pull(start, 100, a.device_id()).unwrap();
    assert!(own.is_empty(), "a device does not get its own ops back");
}

#[test]
fn sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    suite(&store);
}

#[test]
fn postgres_store_conforms() {
    let Ok(url) = std::env::var("DAURIA_TEST_PG_URL") else {
        assert!(
            std::env::var("DAURIA_REQUIRE_PG").is_err(),
            "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL is not: start PostgreSQL with scripts/pg-test.sh"
        );
        eprintln!("DAURIA_TEST_PG_URL not set: the PostgreSQL run is in `make pg-test`");
        return;
    };
    // A database of its own: other PostgreSQL tests push to the shared one at the same time.
    let name = format!("dauria_conformance_{}", uuid::Uuid::now_v7().simple());
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let own = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("DAURIA_TEST_PG_URL has no database name: {url}"),
    };
    let store = PostgresStore::connect(&own).unwrap();
    suite(&store);
}
