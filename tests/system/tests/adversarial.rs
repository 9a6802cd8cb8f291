//! A careless or hostile laptop against a real `dauria-server` process: hand-made requests
//! with a valid low-privilege credential, rows written straight into the server's database as
//! a buggy older server would have stored them, a laptop restored from an old copy of its
//! store. Every scenario runs on SQLite and, when `DAURIA_TEST_PG_URL` is set, on a
//! throwaway PostgreSQL database of its own, and ends by checking that every honest laptop
//! still syncs and converges and that nothing honest was changed or lost.

use dauria_core::model::{Body, Kind};
use dauria_proto::{OpStatus, PushRequest, PushResponse, Revision};
use dauria_system_tests::{
    assert_all_on_server_once, assert_converged, quick_options, Laptop, ServerProcess,
};
use serde_json::value::RawValue;
use std::path::Path;

/// Runs `scenario` against a SQLite server and, when configured, a PostgreSQL one.
fn on_every_store(scenario: impl Fn(&ServerProcess)) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    scenario(&server);
    drop(server);
    let Ok(url) = std::env::var("DAURIA_TEST_PG_URL") else {
        assert!(
            std::env::var("DAURIA_REQUIRE_PG").is_err(),
            "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL is not"
        );
        return;
    };
    let name = format!("dauria_adversarial_{}", uuid::Uuid::now_v7().simple());
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (base, _) = url.rsplit_once('/').expect("a database name in the URL");
    let own = format!("{base}/{name}");
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), Some(&own), None, &[]);
    scenario(&server);
}

fn sync(l: &mut Laptop, server: &ServerProcess) -> dauria_sync::SyncSummary {
    l.sync_via(&server.url(), quick_options())
        .unwrap_or_else(|e| panic!("laptop {} cannot sync: {e}", l.name))
}

fn settle(server: &ServerProcess, laptops: &mut [&mut Laptop]) {
    for _ in 0..2 {
        for l in laptops.iter_mut() {
            sync(l, server);
        }
    }
}

fn token(l: &Laptop) -> String {
    l.store.meta("sync.token").unwrap().expect("enrolled")
}

/// A push made by hand, as a hostile program holding `l`'s credential would send it.
fn hand_push(server: &ServerProcess, l: &Laptop, ops: Vec<Revision>) -> PushResponse {
    let req = PushRequest {
        batch_id: uuid::Uuid::now_v7().to_string(),
        device_id: l.store.device_id().to_string(),
        ops,
    };
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/push", server.url()))
        .bearer_auth(token(l))
        .json(&req)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
    r.json().unwrap()
}

/// A revision by `l`, numbered after its last pushed op, with a raw body.
fn forged(l: &Laptop, seq: u64, record_id: &str, kind: &str, parents: Vec<String>) -> Revision {
    let body = l
        .store
        .outbox_after(0, 1, usize::MAX)
        .unwrap()
        .remove(0)
        .body
        .expect("a live first op");
    Revision {
        rev_id: uuid::Uuid::now_v7().to_string(),
        record_id: record_id.to_string(),
        kind: kind.to_string(),
        generation: if parents.is_empty() { 1 } else { 2 },
        parents,
        device_id: l.store.device_id().to_string(),
        device_seq: seq,
        hlc: "001780000000000:00000".into(),
        schema_version: 1,
        deleted: false,
        body_sha256: String::new(),
        body: Some(body),
    }
}

fn live_count(l: &Laptop, kind: Kind) -> usize {
    l.store
        .list(kind)
        .unwrap()
        .into_iter()
        .filter(|c| !c.deleted)
        .count()
}

#[test]
fn a_field_laptop_cannot_delete_or_overwrite_what_it_did_not_create() {
    on_every_store(|server| {
        let mut honest = Laptop::new("honest");
        let mut hostile = Laptop::new("hostile");
        let mut other = Laptop::new("other");
        honest.enroll(server, "field");
        hostile.enroll(server, "field");
        other.enroll(server, "viewer");
        let sighting = honest.log("Marmota sibirica", 12);
        hostile.log("Vulpes corsac", 1);
        settle(server, &mut [&mut honest, &mut hostile, &mut other]);
        let taxa = live_count(&other, Kind::Taxon);
        let taxon = honest.store.list(Kind::Taxon).unwrap().remove(0);
        let obs_rev = honest.store.get(&sighting.id).unwrap().unwrap().rev_id;

        // A tombstone for a checklist species, calling it an observation to pass the role rule;
        // the same calling it a taxon; an overwrite of another laptop's sighting; a tombstone
        // of it; a body of another kind under the sighting's id.
        let mut delete_taxon = forged(&hostile, 2, &taxon.id, "observation", vec![taxon.rev_id]);
        delete_taxon.deleted = true;
        delete_taxon.body = None;
        let mut as_taxon = delete_taxon.clone();
        as_taxon.rev_id = uuid::Uuid::now_v7().to_string();
        as_taxon.device_seq = 3;
        as_taxon.kind = "taxon".into();
        let overwrite = forged(
            &hostile,
            4,
            &sighting.id,
            "observation",
            vec![obs_rev.clone()],
        );
        let mut tombstone = overwrite.clone();
        tombstone.rev_id = uuid::Uuid::now_v7().to_string();
        tombstone.device_seq = 5;
        tombstone.deleted = true;
        tombstone.body = None;
        let mut other_kind = forged(&hostile, 6, &sighting.id, "site", vec![obs_rev]);
        other_kind.body = Some(
            RawValue::from_string(
                r#"{"name":"Mine","country":"MN","lat":49.0,"lon":115.0}"#.to_string(),
            )
            .unwrap(),
        );
        let r = hand_push(
            server,
            &hostile,
            vec![delete_taxon, as_taxon, overwrite, tombstone, other_kind],
        );
        let codes: Vec<_> = r.results.iter().map(|x| x.code.as_deref()).collect();
        assert_eq!(
            codes,
            vec![
                Some("kind_mismatch"),
                Some("role_forbidden"),
                Some("not_creator"),
                Some("not_creator"),
                Some("kind_mismatch")
            ],
            "{:?}",
            r.results
        );
        assert!(r.results.iter().all(|x| x.status == OpStatus::Rejected));
        assert_eq!(r.applied_upto, 6, "refused ops consume their numbers");

        settle(server, &mut [&mut honest, &mut hostile, &mut other]);
        for l in [&honest, &other] {
            assert_eq!(live_count(l, Kind::Taxon), taxa, "laptop {}", l.name);
            let s = l.store.get(&sighting.id).unwrap().unwrap();
            assert!(
                !s.deleted && !s.conflict,
                "laptop {}: sighting intact",
                l.name
            );
            let Some(Body::Observation(o)) = s.body else {
                panic!("an observation")
            };
            assert_eq!(o.count, Some(12));
        }
        assert_converged(&[&honest, &other]);
    });
}

/// A change row stored by a buggy or older server: written straight into its database (as
/// written by a device that no longer exists).
fn inject(server: &ServerProcess, doc: &str) {
    let device_id = uuid::Uuid::now_v7().to_string();
    let rev_id = uuid::Uuid::now_v7().to_string();
    let record_id = uuid::Uuid::now_v7().to_string();
    let hash = "0".repeat(64);
    match &server.database {
        None => {
            let c = rusqlite::Connection::open(
                Path::new(&server.data_dir).join("dauria-server.sqlite3"),
            )
            .unwrap();
            c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
            c.execute(
                "INSERT INTO change(rev_id, record_id, device_id, device_seq, payload_sha256, doc)
                 VALUES (?1, ?2, ?3, 999999, ?4, ?5)",
                rusqlite::params![rev_id, record_id, device_id, hash, doc],
            )
            .unwrap();
        }
        Some(url) => {
            let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let mut tx = c.transaction().unwrap();
            let seq: i64 = tx
                .query_one(
                    "UPDATE counter SET value = value + 1 WHERE id = 1 RETURNING value",
                    &[],
                )
                .unwrap()
                .get(0);
            tx.execute(
                "INSERT INTO change(server_seq, rev_id, record_id, device_id, device_seq, payload_sha256, doc)
                 VALUES ($1, $2, $3, $4, 999999, $5, $6)",
                &[&seq, &rev_id, &record_id, &device_id, &hash, &doc],
            )
            .unwrap();
            tx.commit().unwrap();
        }
    }
}

#[test]
fn a_stored_change_no_laptop_can_apply_never_stops_anyone_s_pull() {
    on_every_store(|server| {
        let mut a = Laptop::new("a");
        let mut b = Laptop::new("b");
        a.enroll(server, "field");
        b.enroll(server, "lead");
        a.log("Marmota sibirica", 1);
        settle(server, &mut [&mut a, &mut b]);
        let good = a.store.outbox_after(0, 1, usize::MAX).unwrap().remove(0);
        let fresh = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = serde_json::to_value(&good).unwrap();
            v["rev_id"] = uuid::Uuid::now_v7().to_string().into();
            v["record_id"] = uuid::Uuid::now_v7().to_string().into();
            f(&mut v);
            v.to_string()
        };
        // A body that does not fit its record ("missing field"), an unknown kind, a newer
        // schema, a change calling a sighting a taxon, a document missing fields, and one
        // that is not JSON at all.
        let missing_field = fresh(&|v| {
            let body = r#"{"taxon":null}"#;
            v["body"] = serde_json::from_str(body).unwrap();
            v["body_sha256"] = "".into();
        });
        let unknown_kind = fresh(&|v| v["kind"] = "unicorn".into());
        let newer_schema = fresh(&|v| v["schema_version"] = 99.into());
        let mismatch = {
            let mut v = serde_json::to_value(&good).unwrap();
            v["rev_id"] = uuid::Uuid::now_v7().to_string().into();
            v["kind"] = "site".into();
            v["body"] =
                serde_json::json!({"name": "Mine", "country": "MN", "lat": 49.0, "lon": 115.0});
            v["body_sha256"] = "".into();
            v["parents"] = serde_json::json!([good.rev_id]);
            v["generation"] = 2.into();
            v.to_string()
        };
        let not_a_revision = r#"{"rev_id":"x"}"#.to_string();
        for doc in [
            &missing_field,
            &unknown_kind,
            &newer_schema,
            &mismatch,
            &not_a_revision,
        ] {
            inject(server, doc);
        }
        inject(server, "this is not JSON {");
        // Honest work after the damage.
        let after = a.log("Vulpes corsac", 2);
        sync(&mut a, server);
        // The laptop already there and a laptop enrolled afterwards both get everything else.
        let mut c = Laptop::new("c");
        c.enroll(server, "viewer");
        for l in [&mut b, &mut c] {
            let s = sync(l, server);
            assert!(s.photo_error.is_none(), "{:?}", s.photo_error);
            assert!(
                l.store.get(&after.id).unwrap().is_some(),
                "laptop {} got the honest change after the damaged ones",
                l.name
            );
            let status = dauria_sync::status(&l.store).unwrap();
            let codes: Vec<_> = status
                .needs_attention
                .iter()
                .filter(|r| r.incoming)
                .filter_map(|r| r.code.clone())
                .collect();
            assert_eq!(
                codes,
                vec![
                    "bad_body",
                    "unknown_kind",
                    "unsupported_schema",
                    "kind_mismatch",
                    "bad_revision"
                ],
                "laptop {} sets each aside with its reason",
                l.name
            );
            // A second sync finds nothing new and no error: the cursor moved past them.
            let again = sync(l, server);
            assert_eq!(again.pulled, 0);
        }
        assert_all_on_server_once(server, &[&a]);
        assert_converged(&[&b, &c]);
    });
}

#[test]
fn enrollment_never_takes_over_a_laptop_and_guessing_codes_is_stopped() {
    on_every_store(|server| {
        let mut a = Laptop::new("a");
        let mut b = Laptop::new("b");
        a.enroll(server, "field");
        b.enroll(server, "field");
        a.log("Otis tarda", 1);
        settle(server, &mut [&mut a, &mut b]);
        // A valid code, used to claim a's device id.
        let code = server.enrollment_code("thief", "lead");
        let client = reqwest::blocking::Client::new();
        let r = client
            .post(format!("{}/v1/enroll", server.url()))
            .json(&serde_json::json!({ "code": code, "device_id": a.store.device_id() }))
            .send()
            .unwrap();
        assert_eq!(r.status(), 409);
        let body: serde_json::Value = r.json().unwrap();
        assert_eq!(body["code"], "device_exists");
        // The seed records' author: holding its id would make a laptop their creator.
        let r = client
            .post(format!("{}/v1/enroll", server.url()))
            .json(&serde_json::json!({
                "code": code,
                "device_id": dauria_core::seed::SEED_DEVICE
            }))
            .send()
            .unwrap();
        assert_eq!(r.status(), 400);
        // a keeps syncing in its own name.
        a.log("Otis tarda", 2);
        sync(&mut a, server);
        // Wrong codes from one address are refused after a few tries, even a right one.
        let mut statuses = Vec::new();
        for _ in 0..12 {
            let r = client
                .post(format!("{}/v1/enroll", server.url()))
                .json(&serde_json::json!({
                    "code": "AAAA-BBBB-CCCC",
                    "device_id": uuid::Uuid::now_v7().to_string()
                }))
                .send()
                .unwrap();
            statuses.push(r.status().as_u16());
        }
        assert_eq!(&statuses[..10], &[401; 10]);
        assert_eq!(&statuses[10..], &[429; 2]);
        let code = server.enrollment_code("late", "field");
        let r = client
            .post(format!("{}/v1/enroll", server.url()))
            .json(
                &serde_json::json!({ "code": code, "device_id": uuid::Uuid::now_v7().to_string() }),
            )
            .send()
            .unwrap();
        assert_eq!(r.status(), 429);
        settle(server, &mut [&mut a, &mut b]);
        assert_all_on_server_once(server, &[&a, &b]);
        assert_converged(&[&a, &b]);
    });
}

#[test]
fn a_laptop_restored_from_last_week_takes_back_its_changes_and_loses_nothing() {
    on_every_store(|server| {
        let mut a = Laptop::new("a");
        let mut b = Laptop::new("b");
        a.enroll(server, "field");
        b.enroll(server, "field");
        for i in 0..3 {
            a.log("Marmota sibirica", i + 1);
        }
        sync(&mut a, server);
        // Last week's copy of a's store.
        let backup = tempfile::tempdir().unwrap();
        let copy = backup.path().join(dauria_core::store::DB_FILE);
        a.store
            .connection()
            .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
        let mut lost = Vec::new();
        for i in 0..4 {
            lost.push(a.log("Procapra gutturosa", i + 10).id);
        }
        sync(&mut a, server);
        // The disk dies; the copy is put back, and new sightings are logged before a sync.
        let old = std::mem::replace(&mut a.dir, backup);
        a.store = dauria_core::Store::open(a.dir.path()).unwrap();
        drop(old);
        let mut new = Vec::new();
        for i in 0..2 {
            new.push(a.log("Vulpes corsac", i + 20).id);
        }
        let s = sync(&mut a, server);
        assert_eq!(s.recovered, 4, "{s:?}");
        assert_eq!(s.rejected, 0, "nothing refused after the restore: {s:?}");
        let status = dauria_sync::status(&a.store).unwrap();
        assert!(status.needs_attention.is_empty(), "{status:?}");
        for id in lost.iter().chain(&new) {
            assert!(a.store.get(id).unwrap().is_some(), "a has {id}");
        }
        settle(server, &mut [&mut a, &mut b]);
        for id in lost.iter().chain(&new) {
            assert!(b.store.get(id).unwrap().is_some(), "b has {id}");
        }
        assert_eq!(a.store.stats().unwrap().observations, 9);
        assert_all_on_server_once(server, &[&a, &b]);
        assert_converged(&[&a, &b]);
    });
}

#[test]
fn odd_requests_get_a_clear_refusal_and_change_nothing() {
    on_every_store(|server| {
        let mut a = Laptop::new("a");
        let mut v = Laptop::new("viewer");
        a.enroll(server, "field");
        v.enroll(server, "viewer");
        a.log("Marmota sibirica", 1);
        settle(server, &mut [&mut a, &mut v]);
        let before = server.store().revision_count().unwrap();
        // A merge naming a thousand parents, and a kind of 100,000 characters.
        let mut many = forged(
            &a,
            2,
            &uuid::Uuid::now_v7().to_string(),
            "observation",
            vec![],
        );
        many.parents = (0..1000)
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        let mut long_kind = forged(&a, 3, &uuid::Uuid::now_v7().to_string(), "x", vec![]);
        long_kind.kind = "k".repeat(100_000);
        let r = hand_push(server, &a, vec![many, long_kind]);
        let codes: Vec<_> = r.results.iter().map(|x| x.code.as_deref()).collect();
        assert_eq!(codes, vec![Some("bad_parents"), Some("unknown_kind")]);
        assert!(
            r.results[1].reason.as_ref().unwrap().len() < 200,
            "a refusal does not echo megabytes back"
        );
        let client = reqwest::blocking::Client::new();
        let get = |path: &str, token: &str| {
            client
                .get(format!("{}{path}", server.url()))
                .bearer_auth(token)
                .send()
                .unwrap()
        };
        for path in [
            "/v1/pull?cursor=nonsense",
            "/v1/pull?limit=-1",
            "/v1/own?after=abc",
        ] {
            let r = get(path, &token(&a));
            assert_eq!(r.status(), 400, "{path}");
            let body: serde_json::Value = r.json().unwrap();
            assert_eq!(body["code"], "bad_request", "{path}: {body}");
        }
        let post = |body: Vec<u8>, encoding: Option<&str>, token: &str| {
            let mut req = client
                .post(format!("{}/v1/push", server.url()))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body);
            if let Some(e) = encoding {
                req = req.header("content-encoding", e);
            }
            req.send().unwrap()
        };
        let r = post(b"{".to_vec(), None, &token(&a));
        assert_eq!(r.status(), 400);
        let r = post(b"not zstd at all".to_vec(), Some("zstd"), &token(&a));
        assert!(r.status().is_client_error(), "{}", r.status());
        let r = post(b"{}".to_vec(), None, &token(&v));
        assert_eq!(r.status(), 403, "a viewer cannot push");
        let r = post(b"{}".to_vec(), None, "not-a-token");
        assert_eq!(r.status(), 401);
        assert_eq!(server.store().revision_count().unwrap(), before);
        settle(server, &mut [&mut a, &mut v]);
        assert_converged(&[&a, &v]);
    });
}
