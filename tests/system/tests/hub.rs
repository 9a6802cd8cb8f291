//! Field-station hubs relaying to a central server, with real `dauria-server` processes on
//! loopback: a central server, two hubs (one SQLite; the other PostgreSQL under `make
//! pg-test`, SQLite otherwise), two laptops on each hub and laptops enrolled centrally. The
//! links from the hubs to the central server go through the fault-injecting proxy.
//!
//! The hubs' relay is run with `dauria-server upstream sync` (the same cycle `serve` runs by
//! itself), so each step is known to have happened; one test checks that `serve` relays on
//! its own. Every scenario ends by comparing full revision sets: every laptop, every hub and
//! the central server hold the same revisions, each laptop's exactly once and in its order.

use dauria_core::media;
use dauria_core::model::Body;
use dauria_proto::{HubRegister, PushResponse, RelayRequest, Revision, ServerStatus};
use dauria_sync::{SyncClient, SyncError, SyncSummary};
use dauria_system_tests::proxy::{Fault, FaultProxy, Mode};
use dauria_system_tests::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

fn cli_ok(server: &ServerProcess, args: &[&str]) -> String {
    let out = server_cli(&server.data_dir, server.database.as_deref(), args, None);
    assert!(
        out.status.success(),
        "dauria-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// One relay cycle of `hub`; the JSON summary, or the error it printed.
fn relay(hub: &ServerProcess) -> Result<serde_json::Value, String> {
    relay_with(hub, None)
}

fn relay_with(hub: &ServerProcess, failpoint: Option<&str>) -> Result<serde_json::Value, String> {
    let out = server_cli(
        &hub.data_dir,
        hub.database.as_deref(),
        &["upstream", "sync"],
        failpoint,
    );
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("the relay prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn relay_ok(hub: &ServerProcess) -> serde_json::Value {
    relay(hub).unwrap_or_else(|e| panic!("relay failed: {e}"))
}

/// A hub: enrolled at `upstream_url` (the central server, or a proxy in front of it) with a
/// hub code, then serving without relaying by itself: the test relays with `upstream sync`.
fn start_hub(
    dir: &Path,
    db: Option<&str>,
    central: &ServerProcess,
    upstream_url: &str,
) -> (ServerProcess, String) {
    let code = central.enrollment_code("station hub", "hub");
    let out = server_cli(
        dir,
        db,
        &["upstream", "enroll", "--server", upstream_url, &code],
        None,
    );
    assert!(
        out.status.success(),
        "upstream enroll failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hub_id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let hub = ServerProcess::start(dir, db, None, &["--no-relay", "--no-advertise"]);
    (hub, hub_id)
}

fn sync(l: &mut Laptop, server: &ServerProcess) -> SyncSummary {
    l.sync_via(&server.url(), quick_options())
        .unwrap_or_else(|e| panic!("laptop {} cannot sync: {e}", l.name))
}

fn token_of(l: &Laptop) -> String {
    l.store.meta("sync.token").unwrap().expect("enrolled")
}

/// `GET /v1/status` as laptop `l` sees it.
fn server_status(server: &ServerProcess, l: &Laptop) -> ServerStatus {
    reqwest::blocking::Client::new()
        .get(format!("{}/v1/status", server.url()))
        .bearer_auth(token_of(l))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// Every revision in a server's changefeed.
fn changefeed(server: &ServerProcess) -> BTreeSet<String> {
    let (changes, _) = server
        .store()
        .pull(0, usize::MAX >> 2, usize::MAX, "")
        .unwrap();
    changes
        .iter()
        .map(|c| {
            serde_json::from_str::<Revision>(c.rev.get())
                .unwrap()
                .rev_id
        })
        .collect()
}

/// A laptop's revisions other than the seed records every laptop ships with.
fn laptop_revisions(l: &Laptop) -> BTreeSet<String> {
    let seeds: BTreeSet<String> = dauria_core::seed::seed_revisions()
        .into_iter()
        .map(|r| r.rev_id)
        .collect();
    l.state()
        .1
        .into_iter()
        .filter(|r| !seeds.contains(r))
        .collect()
}

/// A sighting with a photo of `size` pseudo-random bytes.
fn log_with_photo(l: &mut Laptop, seed: u64) -> (String, String) {
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let sha = media::put_blob(l.store.dir(), &bytes).unwrap();
    let s = l.log("Otocolobus manul", 1);
    let cur = l.store.get(&s.id).unwrap().unwrap();
    let Some(Body::Observation(mut o)) = cur.body else {
        panic!("a live sighting")
    };
    o.photos.push(sha.clone());
    l.store
        .update(&s.id, &cur.rev_id, &Body::Observation(o))
        .unwrap();
    (s.id, sha)
}

fn fetch_photo(l: &Laptop, server: &ServerProcess, sha: &str) -> Result<Vec<u8>, SyncError> {
    let t = dauria_sync::transport_for(&l.store, &server.url(), Duration::from_secs(10))?;
    let path = SyncClient::new(&t, quick_options()).fetch_blob(&l.store, sha)?;
    Ok(std::fs::read(path).unwrap())
}

/// A database of its own on the PostgreSQL server `url` names.
fn pg_database(url: &str) -> String {
    let name = format!("dauria_hub_{}", uuid::Uuid::now_v7().simple());
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap()
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (base, _) = url.rsplit_once('/').expect("a database name in the URL");
    format!("{base}/{name}")
}

/// Everything relays and every laptop syncs until nothing moves any more.
fn settle(
    hubs: &[&ServerProcess],
    central: &ServerProcess,
    at: &mut [(&mut Laptop, &ServerProcess)],
) {
    for _ in 0..2 {
        for (l, s) in at.iter_mut() {
            sync(l, s);
        }
        for h in hubs {
            relay_ok(h);
        }
    }
    for (l, s) in at.iter_mut() {
        sync(l, s);
    }
    let _ = central;
}

fn two_hubs(hub_b_database: Option<String>) {
    let dc = tempfile::tempdir().unwrap();
    let central = ServerProcess::start(dc.path(), None, None, &[]);
    let link_a = FaultProxy::start(central.addr);
    let link_b = FaultProxy::start(central.addr);
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (hub_a, hub_a_id) = start_hub(da.path(), None, &central, &link_a.url());
    let (hub_b, hub_b_id) = start_hub(
        db.path(),
        hub_b_database.as_deref(),
        &central,
        &link_b.url(),
    );

    let mut a1 = Laptop::new("a1");
    let mut a2 = Laptop::new("a2");
    let mut b1 = Laptop::new("b1");
    let mut b2 = Laptop::new("b2");
    let mut c = Laptop::new("c");
    a1.enroll(&hub_a, "field");
    a2.enroll(&hub_a, "field");
    b1.enroll(&hub_b, "field");
    b2.enroll(&hub_b, "field");
    c.enroll(&central, "lead");

    // Everyone logs; the hubs register their laptops and relay both ways.
    let x = a1.log("Marmota sibirica", 3).id;
    for i in 0..5 {
        a2.log("Procapra gutturosa", i + 1);
        b1.log("Vulpes corsac", i + 1);
        b2.log("Otis tarda", i + 1);
        c.log("Grus japonensis", i + 1);
    }
    let (_, photo_a) = log_with_photo(&mut a1, 7);
    let (_, photo_c) = log_with_photo(&mut c, 8);
    settle(
        &[&hub_a, &hub_b],
        &central,
        &mut [
            (&mut a1, &hub_a),
            (&mut a2, &hub_a),
            (&mut b1, &hub_b),
            (&mut b2, &hub_b),
            (&mut c, &central),
        ],
    );
    let hubs_known = central.store().devices().unwrap();
    for l in [&a1, &a2, &b1, &b2] {
        let d = hubs_known
            .iter()
            .find(|d| d.device_id == l.store.device_id())
            .unwrap_or_else(|| panic!("laptop {} is not known centrally", l.name));
        assert!(d.hub.is_some(), "{} is registered through its hub", l.name);
    }
    assert_all_on_server_once(&central, &[&a1, &a2, &b1, &b2, &c]);
    assert_converged(&[&a1, &a2, &b1, &b2, &c]);
    // Photos both ways: a hub laptop's photo reached the other hub and the central laptop,
    // and the central laptop's photo reached the hubs, where their laptops fetch them.
    sync(&mut a1, &hub_a);
    relay_ok(&hub_a);
    sync(&mut c, &central);
    relay_ok(&hub_a);
    relay_ok(&hub_b);
    let original_a = std::fs::read(media::blob_path(a1.store.dir(), &photo_a).unwrap()).unwrap();
    assert_eq!(fetch_photo(&b1, &hub_b, &photo_a).unwrap(), original_a);
    assert_eq!(fetch_photo(&c, &central, &photo_a).unwrap(), original_a);
    let original_c = std::fs::read(media::blob_path(c.store.dir(), &photo_c).unwrap()).unwrap();
    assert_eq!(fetch_photo(&a2, &hub_a, &photo_c).unwrap(), original_c);
    assert_eq!(fetch_photo(&b2, &hub_b, &photo_c).unwrap(), original_c);

    // The status a laptop sees: its hub relays and when it last reached the central server.
    let st = server_status(&hub_a, &a1);
    assert!(st.relays && st.upstream_contact.is_some() && st.upstream_error.is_none());
    assert!(!server_status(&central, &c).relays);
    let s = dauria_sync::status(&a1.store).unwrap();
    assert!(s.relays, "the laptop's sync status says its server relays");
    assert!(s.upstream_contact.is_some());

    // Faults on hub A's link, and hub A killed mid-relay: after the push was acknowledged
    // and before the hub knew, and mid-pull between fetching a page and storing it.
    link_a.random(17, 0.5);
    for i in 0..24 {
        let l = if i % 2 == 0 { &mut a1 } else { &mut a2 };
        l.log("Canis lupus", i + 1);
        sync(l, &hub_a);
        c.log("Lynx lynx", i + 1);
        sync(&mut c, &central);
        let failpoint = match i % 6 {
            2 => Some("relay_after_push"),
            4 => Some("relay_mid_pull"),
            _ => None,
        };
        let _ = relay_with(&hub_a, failpoint);
        assert_all_on_server_once(&hub_a, &[&a1, &a2]);
    }
    link_a.set_mode(Mode::Clean);

    // Hub B offline for a month: the link is down, its laptops log for weeks (their clocks
    // a month on), everyone else goes on.
    link_b.set_mode(Mode::Always(Fault::Reset));
    let month_ms = 30 * 24 * 3600 * 1000;
    b1.store.set_clock_offset_ms(month_ms);
    b2.store.set_clock_offset_ms(month_ms);
    let before_month = server_status(&hub_b, &b1).upstream_contact;
    for i in 0..250 {
        b1.log("Marmota sibirica", i % 40 + 1);
        b2.log("Ochotona dauurica", i % 30 + 1);
        if i % 50 == 49 {
            sync(&mut b1, &hub_b);
            sync(&mut b2, &hub_b);
            assert!(relay(&hub_b).is_err(), "the link is down");
        }
    }
    for i in 0..40 {
        a1.log("Vulpes vulpes", i + 1);
        c.log("Cygnus cygnus", i + 1);
    }
    sync(&mut a1, &hub_a);
    sync(&mut c, &central);
    relay_ok(&hub_a);
    let st = server_status(&hub_b, &b1);
    assert!(st.relays);
    assert_eq!(
        st.upstream_contact, before_month,
        "no contact while the link is down"
    );
    assert!(st.upstream_error.is_some(), "the failure is reported");
    sync(&mut b1, &hub_b);
    assert_eq!(
        dauria_sync::status(&b1.store).unwrap().upstream_contact,
        before_month,
        "the laptop sees when its hub last reached the central server"
    );
    link_b.set_mode(Mode::Clean);
    b1.store.set_clock_offset_ms(0);
    b2.store.set_clock_offset_ms(0);
    settle(
        &[&hub_a, &hub_b],
        &central,
        &mut [
            (&mut a1, &hub_a),
            (&mut a2, &hub_a),
            (&mut b1, &hub_b),
            (&mut b2, &hub_b),
            (&mut c, &central),
        ],
    );
    assert_all_on_server_once(&central, &[&a1, &a2, &b1, &b2, &c]);
    assert_converged(&[&a1, &a2, &b1, &b2, &c]);

    // A lead's laptop moves from the central server to hub B (a lead there hands it over),
    // and field laptop a2 from hub A to the central server (a lead re-enrolls it there):
    // neither sends anything twice.
    let mut lead = Laptop::new("lead");
    lead.enroll(&central, "lead");
    for i in 0..6 {
        lead.log("Procapra gutturosa", i + 1);
    }
    sync(&mut lead, &central);
    relay_ok(&hub_b);
    cli_ok(
        &central,
        &[
            "devices",
            "hand-over",
            lead.store.device_id(),
            "--hub",
            &hub_b_id,
        ],
    );
    relay_ok(&hub_b);
    lead.enroll(&hub_b, "field");
    relay_ok(&hub_b);
    let moved = sync(&mut lead, &hub_b);
    assert_eq!(
        (moved.pushed, moved.duplicates),
        (0, 0),
        "nothing sent twice after moving to the hub"
    );
    let a2_more = a2.log("Procapra gutturosa", 99).id;
    sync(&mut a2, &hub_a);
    // Not relayed yet when a2 moves: the central server lacks it, so a2 sends it there.
    let code = cli_ok(&central, &["devices", "reenroll", a2.store.device_id()]);
    let t = dauria_sync::HttpTransport::new(&central.url(), Duration::from_secs(5)).unwrap();
    dauria_sync::enroll(&a2.store, &t, &central.url(), &code).unwrap();
    let moved = sync(&mut a2, &central);
    assert_eq!(
        (moved.pushed, moved.duplicates),
        (1, 0),
        "only what the central server lacked was sent"
    );
    assert!(central
        .store()
        .rev_ids_of(a2.store.device_id())
        .unwrap()
        .contains(&a2.store.get(&a2_more).unwrap().unwrap().rev_id));
    // Hub A still relays a2's leftovers: the central server answers them as duplicates.
    let r = relay_ok(&hub_a);
    assert_eq!(r["pushed"], 0, "{r}");

    // A conflict made across hubs: a1 (hub A, the sighting's creator) and the lead (hub B)
    // change the same sighting offline.
    settle(
        &[&hub_a, &hub_b],
        &central,
        &mut [(&mut a1, &hub_a), (&mut lead, &hub_b), (&mut b1, &hub_b)],
    );
    a1.edit_count(&x, 9);
    lead.edit_count(&x, 7);
    settle(
        &[&hub_a, &hub_b],
        &central,
        &mut [
            (&mut a1, &hub_a),
            (&mut b1, &hub_b),
            (&mut b2, &hub_b),
            (&mut lead, &hub_b),
            (&mut a2, &central),
            (&mut c, &central),
        ],
    );
    for l in [&a1, &a2, &b1, &b2, &c, &lead] {
        assert!(
            l.store.get(&x).unwrap().unwrap().conflict,
            "laptop {} sees the conflict",
            l.name
        );
    }
    // Merged at hub A by its creator; the merge reaches everyone.
    let merged = a1.store.get(&x).unwrap().unwrap().body;
    a1.store.merge(&x, merged.as_ref()).unwrap();

    // Changes made centrally reach the hub: b1 made a viewer and back, b2 revoked.
    cli_ok(
        &central,
        &["devices", "role", b1.store.device_id(), "viewer"],
    );
    cli_ok(&central, &["devices", "revoke", b2.store.device_id()]);
    let r = relay_ok(&hub_b);
    assert_eq!(
        (r["revoked"].as_u64(), r["roles_changed"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    b2.log("Otis tarda", 1);
    match b2.sync_via(&hub_b.url(), quick_options()) {
        Err(SyncError::Revoked(_)) => {}
        other => panic!("a laptop revoked centrally is stopped at its hub: {other:?}"),
    }
    b1.log("Vulpes corsac", 2);
    match b1.sync_via(&hub_b.url(), quick_options()) {
        Err(SyncError::Forbidden(_)) => {}
        other => panic!("a viewer cannot send changes at its hub: {other:?}"),
    }
    cli_ok(
        &central,
        &["devices", "role", b1.store.device_id(), "field"],
    );
    relay_ok(&hub_b);

    settle(
        &[&hub_a, &hub_b],
        &central,
        &mut [
            (&mut a1, &hub_a),
            (&mut b1, &hub_b),
            (&mut lead, &hub_b),
            (&mut a2, &central),
            (&mut c, &central),
        ],
    );
    for l in [&a1, &a2, &b1, &c, &lead] {
        assert!(
            !l.store.get(&x).unwrap().unwrap().conflict,
            "laptop {} sees the merge",
            l.name
        );
    }
    // Nothing lost or duplicated: each honest laptop's changes on every server exactly once
    // and in its order; every laptop, hub and the central server hold the same revisions.
    assert_all_on_server_once(&central, &[&a1, &a2, &b1, &c, &lead]);
    assert_all_on_server_once(&hub_a, &[&a1, &a2, &b1, &c, &lead]);
    assert_all_on_server_once(&hub_b, &[&a1, &a2, &b1, &c, &lead]);
    assert_converged(&[&a1, &a2, &b1, &c, &lead]);
    let everything = changefeed(&central);
    assert_eq!(
        changefeed(&hub_a),
        everything,
        "hub A holds what the centre holds"
    );
    assert_eq!(
        changefeed(&hub_b),
        everything,
        "hub B holds what the centre holds"
    );
    for l in [&a1, &a2, &b1, &c, &lead] {
        assert_eq!(
            laptop_revisions(l),
            everything,
            "laptop {} holds what the centre holds",
            l.name
        );
    }
    // The revoked laptop's changes up to its revocation arrived; the later one did not.
    let b2_central = central.store().rev_ids_of(b2.store.device_id()).unwrap();
    let b2_own = b2.outbox_rev_ids();
    assert_eq!(b2_central[..], b2_own[..b2_own.len() - 1]);
    drop(hub_a_id);
}

#[test]
fn two_hubs_relay_through_faults_kills_and_a_month_offline_and_everyone_converges() {
    two_hubs(None);
}

#[test]
fn postgres_hub_relays_through_faults_kills_and_a_month_offline_and_everyone_converges() {
    let Ok(url) = std::env::var("DAURIA_TEST_PG_URL") else {
        assert!(
            std::env::var("DAURIA_REQUIRE_PG").is_err(),
            "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL is not"
        );
        eprintln!("DAURIA_TEST_PG_URL not set: the PostgreSQL hub runs in `make pg-test`");
        return;
    };
    two_hubs(Some(pg_database(&url)));
}

#[test]
fn serve_at_a_hub_relays_by_itself_when_a_laptop_sends() {
    let dc = tempfile::tempdir().unwrap();
    let central = ServerProcess::start(dc.path(), None, None, &[]);
    let dh = tempfile::tempdir().unwrap();
    let code = central.enrollment_code("hub", "hub");
    let out = server_cli(
        dh.path(),
        None,
        &["upstream", "enroll", "--server", &central.url(), &code],
        None,
    );
    assert!(out.status.success());
    // A long interval: only the laptop's push can start the relay in time.
    let hub = ServerProcess::start(
        dh.path(),
        None,
        None,
        &["--relay-every-secs", "3600", "--no-advertise"],
    );
    let mut l = Laptop::new("l");
    l.enroll(&hub, "field");
    let rev = l.log("Marmota sibirica", 4).rev_id;
    sync(&mut l, &hub);
    let deadline = Instant::now() + Duration::from_secs(60);
    let store = central.store();
    while !store
        .rev_ids_of(l.store.device_id())
        .unwrap()
        .contains(&rev)
    {
        assert!(
            Instant::now() < deadline,
            "the hub's serve did not relay the laptop's change"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A hand-made relay as a hostile hub holding a valid hub credential would send it.
fn hand_relay(
    central: &ServerProcess,
    hub_token: &str,
    device: &str,
    ops: Vec<Revision>,
    upto: u64,
) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .post(format!("{}/v1/hub/push", central.url()))
        .bearer_auth(hub_token)
        .json(&RelayRequest {
            batch_id: uuid::Uuid::now_v7().to_string(),
            device_id: device.to_string(),
            ops,
            upto,
        })
        .send()
        .unwrap()
}

#[test]
fn a_hub_cannot_relay_forged_changes_or_raise_a_role_and_a_laptop_cannot_become_a_hub() {
    let dc = tempfile::tempdir().unwrap();
    let central = ServerProcess::start(dc.path(), None, None, &[]);
    let dh = tempfile::tempdir().unwrap();
    let (hub, _) = start_hub(dh.path(), None, &central, &central.url());
    let hub_token = hub
        .store()
        .meta(dauria_server::relay::K_TOKEN)
        .unwrap()
        .unwrap();
    let mut f = Laptop::new("field at hub");
    f.enroll(&hub, "field");
    let mut lead = Laptop::new("central lead");
    lead.enroll(&central, "lead");
    let lead_record = lead.log("Grus japonensis", 2).id;
    sync(&mut lead, &central);
    f.log("Marmota sibirica", 1);
    sync(&mut f, &hub);
    relay_ok(&hub);
    relay_ok(&hub);
    sync(&mut f, &hub);

    // Relaying for a laptop enrolled centrally (not through this hub) is refused whole.
    let mut forged = lead.store.outbox_after(0, 1, usize::MAX).unwrap().remove(0);
    forged.rev_id = uuid::Uuid::now_v7().to_string();
    forged.record_id = uuid::Uuid::now_v7().to_string();
    forged.device_seq = 2;
    let r = hand_relay(
        &central,
        &hub_token,
        lead.store.device_id(),
        vec![forged.clone()],
        2,
    );
    assert_eq!(r.status(), 403, "{}", r.text().unwrap_or_default());
    // A change forged for another device inside a batch of the hub's own laptop, a field
    // laptop's change to the lead's record, and a checklist change are each refused by the
    // rules for the laptop that wrote it, judged by its role at the central server.
    let fid = f.store.device_id().to_string();
    let mut other_device = forged.clone();
    other_device.device_seq = 2;
    let mut edit_lead = f.store.outbox_after(0, 1, usize::MAX).unwrap().remove(0);
    let lead_head = lead.store.get(&lead_record).unwrap().unwrap().rev_id;
    edit_lead.rev_id = uuid::Uuid::now_v7().to_string();
    edit_lead.record_id = lead_record.clone();
    edit_lead.parents = vec![lead_head];
    edit_lead.generation = 2;
    edit_lead.device_seq = 3;
    let checklist = f
        .store
        .list(dauria_core::model::Kind::Checklist)
        .unwrap()
        .remove(0);
    let mut list_edit = edit_lead.clone();
    list_edit.rev_id = uuid::Uuid::now_v7().to_string();
    list_edit.record_id = checklist.id.clone();
    list_edit.kind = "checklist".into();
    list_edit.parents = vec![checklist.rev_id.clone()];
    list_edit.device_seq = 4;
    let list_body = f
        .store
        .get(&checklist.id)
        .unwrap()
        .and_then(|c| c.body)
        .expect("the checklist has a body")
        .to_json();
    list_edit.body = Some(serde_json::value::RawValue::from_string(list_body).unwrap());
    list_edit.body_sha256 = String::new();
    let r = hand_relay(
        &central,
        &hub_token,
        &fid,
        vec![other_device, edit_lead, list_edit],
        4,
    );
    assert_eq!(r.status(), 200);
    let ack: PushResponse = r.json().unwrap();
    let codes: Vec<Option<String>> = ack.results.iter().map(|r| r.code.clone()).collect();
    assert_eq!(
        codes,
        vec![
            Some("wrong_device".into()),
            Some("not_creator".into()),
            Some("role_forbidden".into())
        ]
    );
    // A hub cannot register a laptop as lead (or as another hub), nor claim a laptop
    // enrolled centrally.
    for (role, device) in [
        (dauria_proto::Role::Lead, uuid::Uuid::now_v7().to_string()),
        (dauria_proto::Role::Hub, uuid::Uuid::now_v7().to_string()),
    ] {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}/v1/hub/devices", central.url()))
            .bearer_auth(&hub_token)
            .json(&HubRegister {
                device_id: device,
                name: "raised".into(),
                role,
            })
            .send()
            .unwrap();
        assert_eq!(r.status(), 403, "role {role:?}");
    }
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/hub/devices", central.url()))
        .bearer_auth(&hub_token)
        .json(&HubRegister {
            device_id: lead.store.device_id().to_string(),
            name: "mine now".into(),
            role: dauria_proto::Role::Field,
        })
        .send()
        .unwrap();
    assert_eq!(r.status(), 409);
    // The hub itself issues no code above field.
    for role in ["lead", "hub"] {
        let out = server_cli(
            dh.path(),
            None,
            &["enroll", "--name", "x", "--role", role],
            None,
        );
        assert!(!out.status.success(), "a hub made a {role} code");
    }
    // A field laptop's credential opens no hub endpoint, and a hub code does not enroll a
    // laptop (nor a laptop's code a hub); the refused codes stay unused.
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/v1/hub/devices", central.url()))
        .bearer_auth(token_of(&lead))
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let hub_code = central.enrollment_code("not a laptop", "hub");
    let l = Laptop::new("would-be hub");
    let t = dauria_sync::HttpTransport::new(&central.url(), Duration::from_secs(5)).unwrap();
    match dauria_sync::enroll(&l.store, &t, &central.url(), &hub_code) {
        Err(SyncError::Forbidden(m)) => assert!(m.contains("hub"), "{m}"),
        other => panic!("a laptop enrolled with a hub code: {other:?}"),
    }
    let field_code = central.enrollment_code("a laptop", "field");
    let dx = tempfile::tempdir().unwrap();
    let out = server_cli(
        dx.path(),
        None,
        &[
            "upstream",
            "enroll",
            "--server",
            &central.url(),
            &field_code,
        ],
        None,
    );
    assert!(!out.status.success(), "a hub enrolled with a laptop's code");
    // Both codes still work for what they were made for.
    dauria_sync::enroll(&l.store, &t, &central.url(), &field_code).unwrap();
    let out = server_cli(
        dx.path(),
        None,
        &["upstream", "enroll", "--server", &central.url(), &hub_code],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And nothing honest changed: the honest laptops converge with everything on the centre.
    relay_ok(&hub);
    sync(&mut f, &hub);
    sync(&mut lead, &central);
    assert_all_on_server_once(&central, &[&lead, &f]);
    assert_converged(&[&f, &lead]);
    let kept = lead.store.get(&lead_record).unwrap().unwrap();
    assert!(
        !kept.conflict,
        "the forged edit of the lead's record never applied"
    );
    match kept.body {
        Some(Body::Observation(o)) => assert_eq!(o.count, Some(2)),
        other => panic!("the lead's sighting changed: {other:?}"),
    }
}

#[test]
fn a_hub_announces_itself_and_a_laptop_finds_it_on_the_local_network() {
    let dc = tempfile::tempdir().unwrap();
    let central = ServerProcess::start(dc.path(), None, None, &[]);
    let dh = tempfile::tempdir().unwrap();
    let code = central.enrollment_code("hub", "hub");
    let out = server_cli(
        dh.path(),
        None,
        &["upstream", "enroll", "--server", &central.url(), &code],
        None,
    );
    assert!(out.status.success());
    let tls = tempfile::tempdir().unwrap();
    let out = server_cli(
        dh.path(),
        None,
        &["tls", "init", "--out", tls.path().to_str().unwrap()],
        None,
    );
    assert!(out.status.success());
    // Announced by default at a hub, on every interface.
    let cert = tls.path().join("cert.pem");
    let key = tls.path().join("key.pem");
    let hub = ServerProcess::start(
        dh.path(),
        None,
        None,
        &[
            "--no-relay",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let found = dauria_sync::discover::discover(Duration::from_secs(4)).unwrap();
    let me = found
        .iter()
        .find(|f| f.url.ends_with(&format!(":{}", hub.addr.port())))
        .unwrap_or_else(|| panic!("the hub was not found on the network: {found:?}"));
    assert!(me.relays, "{me:?}");
    assert!(me.url.starts_with("https://"), "{me:?}");
    assert_eq!(me.fingerprint.as_deref(), hub.fingerprint.as_deref());
}
