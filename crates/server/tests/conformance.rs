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
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        }))
        .unwrap()
}

fn enrolled(store: &dyn ServerStore, laptop: &Store, role: Role) -> (Device, String) {
    let code = store
        .create_enrollment("test laptop", role, 72, None)
        .unwrap();
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
    identity_is_fixed_and_bodies_are_checked(store);
    enrollment_never_takes_over_a_device(store);
}

fn op_codes(r: &dauria_proto::PushResponse) -> Vec<Option<&str>> {
    r.results.iter().map(|x| x.code.as_deref()).collect()
}

/// A record's kind and creator are fixed by its first revision; bodies, parents and
/// generations are checked; each refusal names its rule and the rest of the batch goes on.
fn identity_is_fixed_and_bodies_are_checked(store: &dyn ServerStore) {
    let (_d1, mut a) = laptop();
    let (_d2, mut f) = laptop();
    let (da, _) = enrolled(store, &a, Role::Field);
    let (df, _) = enrolled(store, &f, Role::Field);
    let s = log(&mut a, 1);
    acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    let obs_rev = a.get(&s.id).unwrap().unwrap().rev_id;
    // F writes five ops: each is then made hostile in its own way.
    for i in 0..6 {
        log(&mut f, i + 1);
    }
    let mut req = batch(&f, &fresh_batch_id(), 0, 10);
    let taxon = f.list(dauria_core::model::Kind::Taxon).unwrap().remove(0);
    // 1: a seed taxon called an observation, to slip past the role rule.
    req.ops[0].record_id = taxon.id.clone();
    req.ops[0].parents = vec![taxon.rev_id.clone()];
    req.ops[0].generation = 2;
    // 2: an edit of A's observation by F (a field device that did not create it).
    req.ops[1].record_id = s.id.clone();
    req.ops[1].parents = vec![obs_rev.clone()];
    req.ops[1].generation = 2;
    // 3: an edit of a record nobody knows.
    req.ops[2].parents = vec![uuid::Uuid::now_v7().to_string()];
    req.ops[2].generation = 2;
    // 4: a wrong generation on a new record.
    req.ops[3].generation = 7;
    // 5: a body that breaks the laptop's own rules (latitude 123), hash left out.
    let bad = req.ops[4]
        .body
        .as_ref()
        .unwrap()
        .get()
        .replace("\"lat\":49.0", "\"lat\":123.0");
    assert!(bad.contains("123.0"));
    req.ops[4].body = Some(serde_json::value::RawValue::from_string(bad).unwrap());
    req.ops[4].body_sha256 = String::new();
    // 6: honest, with the body hash left out (the receiver computes it).
    req.ops[5].body_sha256 = String::new();
    let r = acked(store.push(&df, &req).unwrap());
    assert_eq!(
        op_codes(&r),
        vec![
            Some("kind_mismatch"),
            Some("not_creator"),
            Some("unknown_record"),
            Some("bad_generation"),
            Some("invalid_body"),
            None
        ],
        "{:?}",
        r.results
    );
    assert_eq!(r.results[5].status, OpStatus::Applied);
    assert_eq!(r.applied_upto, 6);
    // A lead may change A's observation, but not by calling it another kind.
    let (_d3, l) = laptop();
    let (dl, _) = enrolled(store, &l, Role::Lead);
    let mut op = req.ops[1].clone();
    op.device_id = l.device_id().to_string();
    op.device_seq = 1;
    op.rev_id = uuid::Uuid::now_v7().to_string();
    op.body_sha256 = String::new();
    let mut wrong_kind = op.clone();
    wrong_kind.rev_id = uuid::Uuid::now_v7().to_string();
    wrong_kind.device_seq = 2;
    wrong_kind.kind = "site".into();
    wrong_kind.body = Some(
        serde_json::value::RawValue::from_string(
            r#"{"name":"Mine","country":"MN","lat":49.0,"lon":115.0}"#.into(),
        )
        .unwrap(),
    );
    let mut unknown_parent = op.clone();
    unknown_parent.rev_id = uuid::Uuid::now_v7().to_string();
    unknown_parent.device_seq = 3;
    unknown_parent.parents = vec![uuid::Uuid::now_v7().to_string()];
    let mut foreign_parent = op.clone();
    foreign_parent.rev_id = uuid::Uuid::now_v7().to_string();
    foreign_parent.device_seq = 4;
    foreign_parent.parents = vec![req.ops[5].rev_id.clone()];
    let r = acked(
        store
            .push(
                &dl,
                &PushRequest {
                    batch_id: fresh_batch_id(),
                    device_id: l.device_id().to_string(),
                    ops: vec![op, wrong_kind, unknown_parent, foreign_parent],
                },
            )
            .unwrap(),
    );
    assert_eq!(
        op_codes(&r),
        vec![
            None,
            Some("kind_mismatch"),
            Some("unknown_parent"),
            Some("foreign_parent")
        ]
    );
}

/// Enrollment never takes over an enrolled device; a lead's re-enrollment code does, for
/// that device only, keeping its numbering; expired and cancelled codes do nothing.
fn enrollment_never_takes_over_a_device(store: &dyn ServerStore) {
    let (_d, mut l) = laptop();
    let (dev, token) = enrolled(store, &l, Role::Field);
    log(&mut l, 1);
    acked(
        store
            .push(&dev, &batch(&l, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    let code = store
        .create_enrollment("thief", Role::Lead, 72, None)
        .unwrap();
    let err = store.enroll(&code, l.device_id()).unwrap_err();
    assert!(
        matches!(err, dauria_server::ServerError::DeviceExists(_)),
        "{err}"
    );
    assert!(
        store.device_by_token(&token).unwrap().is_some(),
        "the real laptop keeps its credential"
    );
    // A re-enrollment code works for its device only.
    let (_d2, other) = laptop();
    let re = store
        .create_enrollment("again", Role::Field, 72, Some(l.device_id()))
        .unwrap();
    assert!(store.enroll(&re, other.device_id()).is_err());
    let resp = store.enroll(&re, l.device_id()).unwrap();
    assert!(store.device_by_token(&token).unwrap().is_none());
    let again = store.device_by_token(&resp.token).unwrap().unwrap();
    assert_eq!(again.applied_upto, 1, "history and numbering are kept");
    // Expired and cancelled codes.
    let expired = store
        .create_enrollment("late", Role::Field, 0, None)
        .unwrap();
    let (_d3, late) = laptop();
    let err = store.enroll(&expired, late.device_id()).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    let code = store
        .create_enrollment("cancel me", Role::Field, 72, None)
        .unwrap();
    let listed = store.enrollments().unwrap();
    let entry = listed.iter().find(|e| e.name == "cancel me").unwrap();
    assert_eq!(entry.state, "open");
    assert!(store.cancel_enrollment(&entry.id).unwrap());
    let err = store.enroll(&code, late.device_id()).unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    let mut states: Vec<_> = store
        .enrollments()
        .unwrap()
        .into_iter()
        .filter(|e| ["late", "cancel me"].contains(&e.name.as_str()))
        .map(|e| e.state)
        .collect();
    states.sort();
    assert_eq!(states, vec!["cancelled", "expired"]);
}

fn enrollment_codes_work_once_and_credentials_are_revocable(store: &dyn ServerStore) {
    let (_d, l) = laptop();
    let code = store
        .create_enrollment("Daursky laptop", Role::Field, 72, None)
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
    // Only a lead may change a record another device created.
    let (db, _) = enrolled(store, &b, Role::Lead);
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
    // Only a lead may change a record another device created.
    let (db, _) = enrolled(store, &b, Role::Lead);
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
    let (_, start) = store.pull(0, usize::MAX >> 1, usize::MAX, "").unwrap();
    acked(
        store
            .push(&da, &batch(&a, &fresh_batch_id(), 0, 10))
            .unwrap(),
    );
    let (page, last) = store.pull(start, 4, usize::MAX, b.device_id()).unwrap();
    assert_eq!(page.len(), 4);
    assert!(page.windows(2).all(|w| w[0].server_seq < w[1].server_seq));
    let (rest, _) = store.pull(last, 100, usize::MAX, b.device_id()).unwrap();
    assert_eq!(rest.len(), 3);
    let (own, _) = store.pull(start, 100, usize::MAX, a.device_id()).unwrap();
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
