//! Changes from elsewhere that a laptop cannot apply are set aside with their reason, the rest
//! of the page applies, and what was set aside by an older version is tried again.

use dauria_core::model::{Body, CountUnit, Kind, Observation};
use dauria_core::store::Pulled;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use dauria_proto::Role;

fn store() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(d.path()).unwrap();
    (d, s)
}

fn sighting(store: &mut Store, count: u32) -> dauria_core::Saved {
    let taxon = TaxonIndex::load(store)
        .unwrap()
        .resolve("Marmota sibirica")
        .unwrap();
    store
        .create(&Body::Observation(Observation {
            visit: None,
            site: None,
            taxon: Some(taxon),
            taxon_name: None,
            count: Some(count),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: Some(49.7),
            lon: Some(115.1),
            uncertainty_m: None,
            observed_at: "2026-06-01T07:30:00+08:00".into(),
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

fn doc(store: &Store, seq: u64) -> String {
    let rev = store
        .outbox_after(seq - 1, 1, usize::MAX)
        .unwrap()
        .remove(0);
    serde_json::to_string(&rev).unwrap()
}

#[test]
fn a_page_with_changes_that_cannot_apply_sets_them_aside_and_applies_the_rest() {
    let (_a, mut a) = store();
    let (_b, mut b) = store();
    let first = sighting(&mut a, 1);
    sighting(&mut a, 2);
    // An edit by a field laptop of a record someone else created, a body of the wrong shape,
    // an unknown kind and a document that is not a revision, between two honest changes.
    let mut foreign: serde_json::Value = serde_json::from_str(&doc(&a, 1)).unwrap();
    foreign["rev_id"] = uuid::Uuid::now_v7().to_string().into();
    foreign["device_id"] = uuid::Uuid::now_v7().to_string().into();
    foreign["parents"] = serde_json::json!([first.rev_id]);
    foreign["generation"] = 2.into();
    // Re-serialised through a map, the body's bytes change: the hash is left to the receiver.
    foreign["body_sha256"] = "".into();
    let mut unknown: serde_json::Value = serde_json::from_str(&doc(&a, 2)).unwrap();
    unknown["rev_id"] = uuid::Uuid::now_v7().to_string().into();
    unknown["record_id"] = uuid::Uuid::now_v7().to_string().into();
    unknown["kind"] = "unicorn".into();
    let page = vec![
        Pulled {
            server_seq: Some(1),
            doc: doc(&a, 1),
            role: Some(Role::Field),
        },
        Pulled {
            server_seq: Some(2),
            doc: foreign.to_string(),
            role: Some(Role::Field),
        },
        Pulled {
            server_seq: Some(3),
            doc: unknown.to_string(),
            role: Some(Role::Lead),
        },
        Pulled {
            server_seq: Some(4),
            doc: "{\"rev_id\": 12}".into(),
            role: None,
        },
        Pulled {
            server_seq: Some(5),
            doc: doc(&a, 2),
            role: Some(Role::Field),
        },
    ];
    let report = b.apply_pulled(&page, &[("sync.cursor", "e:5")]).unwrap();
    assert_eq!(report.applied, 2);
    let codes: Vec<String> = b.set_aside().unwrap().into_iter().map(|s| s.code).collect();
    assert_eq!(codes, vec!["not_creator", "unknown_kind", "bad_revision"]);
    assert_eq!(b.meta("sync.cursor").unwrap().as_deref(), Some("e:5"));
    let live = b.list(Kind::Observation).unwrap().len();
    assert_eq!(live, 2, "both honest sightings applied");
    let c = b.get(&first.id).unwrap().unwrap();
    assert!(!c.conflict, "the foreign edit did not become a head");
    // The same version tries nothing again.
    assert_eq!(b.retry_set_aside().unwrap(), 0);
    assert_eq!(b.set_aside().unwrap().len(), 3);
}

#[test]
fn what_an_older_version_set_aside_is_tried_again_after_an_upgrade() {
    let (_a, mut a) = store();
    let (_b, mut b) = store();
    sighting(&mut a, 3);
    let good = doc(&a, 1);
    // An older version could not read this change and set it aside.
    b.connection()
        .execute(
            "INSERT INTO set_aside(rev_id, server_seq, doc, role, code, reason, app_version, set_at)
             VALUES ('x', 1, ?1, 'field', 'unknown_kind', 'unknown kind', '0.0.1', '2026-01-01T00:00:00Z')",
            [&good],
        )
        .unwrap();
    assert_eq!(b.retry_set_aside().unwrap(), 1);
    assert!(b.set_aside().unwrap().is_empty());
    assert_eq!(b.list(Kind::Observation).unwrap().len(), 1);
}
