//! Sync under faults, against real `dauria-server` processes on loopback.
//!
//! Each test ends by checking the invariants: every op committed on every laptop is on the
//! server exactly once, all laptops converge to the same heads, no acknowledged op disappears.
//! `DAURIA_FAULT_ITERATIONS` lengthens the random-fault run (default 200).

use dauria_core::model::Body;
use dauria_proto::{PushRequest, PushResponse};
use dauria_sync::SyncError;
use dauria_system_tests::proxy::{Fault, FaultProxy, Mode, BARE_OK, CAPTIVE_PORTAL};
use dauria_system_tests::*;
use std::process::{Command, Stdio};
use std::time::Duration;

fn server() -> (tempfile::TempDir, ServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let s = ServerProcess::start(dir.path(), None, None, &[]);
    (dir, s)
}

fn settle(server: &ServerProcess, laptops: &mut [&mut Laptop]) {
    // Two rounds: the first pushes everything, the second pulls what others pushed after.
    for _ in 0..2 {
        for l in laptops.iter_mut() {
            l.sync_via(&server.url(), quick_options())
                .expect("clean sync succeeds");
        }
    }
}

#[test]
fn random_cuts_delays_and_resets_lose_and_duplicate_nothing() {
    let iterations: u64 = std::env::var("DAURIA_FAULT_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("DAURIA_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    eprintln!("fault seed {seed} (rerun with DAURIA_FAULT_SEED={seed})");
    let (_d, server) = server();
    let proxy = FaultProxy::start(server.addr);
    proxy.random(seed, 0.5);
    let mut a = Laptop::new("a");
    let mut b = Laptop::new("b");
    a.enroll(&server, "field");
    b.enroll(&server, "field");
    let mut ids = Vec::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for i in 0..iterations {
            let l = if i % 2 == 0 { &mut a } else { &mut b };
            ids.push(l.log("Marmota sibirica", (i % 50) as u32 + 1).id);
            if i % 5 == 4 {
                // Edit something the laptop may or may not have received yet.
                let id = &ids[(i as usize * 7) % ids.len()];
                if l.store.get(id).unwrap().is_some() {
                    l.edit_count(id, i as u32);
                }
            }
            let _ = l.sync_via(&proxy.url(), quick_options());
            assert_acked_on_server(&server, l);
        }
        proxy.set_mode(Mode::Clean);
        settle(&server, &mut [&mut a, &mut b]);
        assert_all_on_server_once(&server, &[&a, &b]);
        assert_converged(&[&a, &b]);
        assert_eq!(a.store.pending_count().unwrap(), 0);
    }));
    if let Err(e) = result {
        eprintln!("FAILED with fault seed {seed}: rerun with DAURIA_FAULT_SEED={seed}");
        std::panic::resume_unwind(e);
    }
    assert!(
        proxy.faults.load(std::sync::atomic::Ordering::SeqCst) > iterations / 4,
        "the proxy injected too few faults to mean anything"
    );
}

#[test]
fn server_killed_after_commit_before_reply_then_retry_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), None, Some("push_after_commit"), &[]);
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    for i in 0..5 {
        a.log("Canis lupus", i + 1);
    }
    let err = a.sync_via(&server.url(), quick_options()).unwrap_err();
    assert!(matches!(err, SyncError::Unreachable(_)), "{err}");
    assert!(
        !server.wait_exit().success(),
        "the failpoint killed the server"
    );
    assert_eq!(
        a.store.pending_count().unwrap(),
        5,
        "no ack, so nothing is marked pushed"
    );
    assert_eq!(
        server.store().revision_count().unwrap(),
        5,
        "but the server committed them"
    );
    server.restart(None);
    // The retried batch (same batch_id) gets the answer stored at commit; nothing is re-applied.
    a.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(server.store().revision_count().unwrap(), 5);
    assert_all_on_server_once(&server, &[&a]);
    assert_eq!(a.store.pending_count().unwrap(), 0);
}

#[test]
fn server_killed_before_commit_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), None, Some("push_before_commit"), &[]);
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    for i in 0..5 {
        a.log("Canis lupus", i + 1);
    }
    assert!(a.sync_via(&server.url(), quick_options()).is_err());
    server.wait_exit();
    server.restart(None);
    assert_eq!(
        server.store().revision_count().unwrap(),
        0,
        "the killed transaction left nothing"
    );
    let s = a.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(s.pushed, 5);
    assert_all_on_server_once(&server, &[&a]);
}

#[test]
fn client_killed_mid_push_and_mid_pull_then_restarted_converges() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    let mut b = Laptop::new("b");
    a.enroll(&server, "field");
    b.enroll(&server, "field");
    for i in 0..300 {
        a.log("Procapra gutturosa", i % 40 + 1);
    }
    // b has its own work, and pulls a's in pages of 7 while being killed.
    for i in 0..50 {
        b.log("Otocolobus manul", i + 1);
    }
    a.sync_via(&server.url(), quick_options()).unwrap();
    let child = cargo_bin("dauria-system-tests", "sync-child");
    let b_dir = b.dir.path().to_path_buf();
    drop(b.store);
    use rand::{Rng, SeedableRng};
    let seed = 7;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for _ in 0..12 {
        let mut c = Command::new(&child)
            .arg(&b_dir)
            .arg(server.url())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(5..120)));
        c.kill().unwrap();
        c.wait().unwrap();
    }
    b.store = dauria_core::Store::open(&b_dir).unwrap();
    assert_eq!(b.store.integrity_check().unwrap(), "ok");
    assert_acked_on_server(&server, &b);
    settle(&server, &mut [&mut a, &mut b]);
    assert_all_on_server_once(&server, &[&a, &b]);
    assert_converged(&[&a, &b]);
}

fn raw_push(server: &ServerProcess, token: &str, req: &PushRequest) -> (u16, String) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/push", server.url()))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(req).unwrap())
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn same_batch_sent_twice_at_once_is_applied_once() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    for i in 0..20 {
        a.log("Canis lupus", i + 1);
    }
    let token = a.store.meta("sync.token").unwrap().unwrap();
    let req = PushRequest {
        batch_id: "0190e8f0-0000-7000-8000-000000000001".into(),
        device_id: a.store.device_id().into(),
        ops: a.store.outbox_after(0, 100, usize::MAX).unwrap(),
    };
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let h: Vec<_> = (0..2)
            .map(|_| s.spawn(|| raw_push(&server, &token, &req)))
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers[0].0, 200);
    assert_eq!(answers[0], answers[1], "both get the same stored answer");
    let resp: PushResponse = serde_json::from_str(&answers[0].1).unwrap();
    assert_eq!(resp.applied_upto, 20);
    assert_eq!(server.store().revision_count().unwrap(), 20);
    // The client's own push afterwards sends nothing twice.
    a.sync_via(&server.url(), quick_options()).unwrap();
    assert_all_on_server_once(&server, &[&a]);
}

#[test]
fn batch_out_of_order_gets_409_with_what_was_applied() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    for i in 0..6 {
        a.log("Canis lupus", i + 1);
    }
    let token = a.store.meta("sync.token").unwrap().unwrap();
    let ops = a.store.outbox_after(3, 100, usize::MAX).unwrap();
    let req = PushRequest {
        batch_id: "b-gap".into(),
        device_id: a.store.device_id().into(),
        ops,
    };
    let (status, body) = raw_push(&server, &token, &req);
    assert_eq!(status, 409, "{body}");
    let gap: dauria_proto::GapResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(gap.applied_upto, 0);
    assert_eq!(server.store().revision_count().unwrap(), 0);
    // A laptop that believes it pushed more than the server has (restored server) resends.
    a.store.mark_pushed(3).unwrap();
    a.sync_via(&server.url(), quick_options()).unwrap();
    assert_all_on_server_once(&server, &[&a]);
}

#[test]
fn captive_portal_and_bare_200_are_not_acks() {
    let (_d, server) = server();
    let proxy = FaultProxy::start(server.addr);
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    a.log("Canis lupus", 2);
    for canned in [CAPTIVE_PORTAL, BARE_OK] {
        proxy.set_mode(Mode::Always(Fault::Respond(canned)));
        let err = a.sync_via(&proxy.url(), quick_options()).unwrap_err();
        assert!(
            err.to_string().contains("captive portal"),
            "message explains: {err}"
        );
        assert_eq!(
            a.store.pending_count().unwrap(),
            1,
            "nothing taken as acknowledged"
        );
        let status = dauria_sync::status(&a.store).unwrap();
        assert!(status.last_error.unwrap().contains("captive portal"));
        assert_eq!(status.last_error_code.as_deref(), Some("not_an_ack"));
    }
    proxy.set_mode(Mode::Clean);
    a.sync_via(&proxy.url(), quick_options()).unwrap();
    let status = dauria_sync::status(&a.store).unwrap();
    assert_eq!((status.last_error, status.last_error_code), (None, None));
    assert_eq!(a.store.pending_count().unwrap(), 0);
    assert_all_on_server_once(&server, &[&a]);
}

/// A transport that advertises a larger byte limit than the server enforces, as after a server
/// configuration change, so the server answers 413.
struct Overstating(dauria_sync::HttpTransport, std::sync::atomic::AtomicU32);

impl dauria_sync::Transport for Overstating {
    fn send_raw(
        &self,
        m: &str,
        p: &str,
        t: Option<&str>,
        h: &[(&str, String)],
        b: Option<Vec<u8>>,
    ) -> Result<dauria_sync::HttpResponse, dauria_sync::TransportError> {
        let mut r = self.0.send_raw(m, p, t, h, b)?;
        if r.status == 413 {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        if p == "/v1/config" {
            let mut c: dauria_proto::SyncConfig = serde_json::from_slice(&r.body).unwrap();
            c.max_bytes = usize::MAX >> 1;
            r.body = serde_json::to_vec(&c).unwrap();
        }
        Ok(r)
    }
}

#[test]
fn too_large_batch_gets_413_and_the_client_halves_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &["--max-bytes", "20000"]);
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    for i in 0..200 {
        a.log("Canis lupus", i + 1);
    }
    let t = Overstating(
        dauria_sync::HttpTransport::new(&server.url(), Duration::from_secs(5)).unwrap(),
        Default::default(),
    );
    let s = dauria_sync::SyncClient::new(&t, quick_options())
        .sync(&mut a.store, &mut |_| {})
        .unwrap();
    assert_eq!(s.pushed, 200);
    assert!(
        t.1.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the server answered 413"
    );
    assert!(s.batches > 1, "the batch was split ({} batches)", s.batches);
    assert_all_on_server_once(&server, &[&a]);
}

#[test]
fn rejected_op_is_kept_for_attention_and_does_not_block_the_queue() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    a.log("Canis lupus", 1);
    // A field laptop may not change a country checklist: the server rejects that op.
    let list = a
        .store
        .list(dauria_core::model::Kind::Checklist)
        .unwrap()
        .remove(0);
    let Some(Body::Checklist(mut c)) = list.body.clone() else {
        panic!()
    };
    c.taxa.pop();
    let poison = a
        .store
        .update(&list.id, &list.rev_id, &Body::Checklist(c))
        .unwrap();
    a.log("Canis lupus", 3);
    let s = a.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!((s.pushed, s.rejected), (2, 1));
    assert_eq!(a.store.pending_count().unwrap(), 0, "the queue moved on");
    let st = dauria_sync::status(&a.store).unwrap();
    assert_eq!(st.needs_attention.len(), 1);
    assert_eq!(st.needs_attention[0].rev_id, poison.rev_id);
    assert!(
        st.needs_attention[0]
            .reason
            .contains("field device may not change checklist"),
        "{}",
        st.needs_attention[0].reason
    );
    a.log("Canis lupus", 4);
    let s = a.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(s.pushed, 1);
}

#[test]
fn revoked_device_stops_with_a_clear_message_and_keeps_its_data() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    a.enroll(&server, "field");
    a.log("Canis lupus", 1);
    a.sync_via(&server.url(), quick_options()).unwrap();
    a.log("Canis lupus", 2);
    assert!(server.store().revoke(a.store.device_id()).unwrap());
    let err = a.sync_via(&server.url(), quick_options()).unwrap_err();
    assert!(matches!(err, SyncError::Revoked(_)), "{err:?}");
    assert!(err.to_string().contains("revoked"), "{err}");
    assert_eq!(a.store.pending_count().unwrap(), 1, "unsent work stays");
    assert_eq!(
        a.store.stats().unwrap().observations,
        2,
        "local data intact"
    );
}

#[test]
fn offline_edits_on_two_laptops_conflict_and_a_merge_on_either_resolves_everywhere() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    let mut b = Laptop::new("b");
    a.enroll(&server, "field");
    // A lead: a field laptop may change only the records it created.
    b.enroll(&server, "lead");
    let x = a.log("Marmota sibirica", 3).id;
    let y = a.log("Marmota sibirica", 4).id;
    settle(&server, &mut [&mut a, &mut b]);
    // Offline: both edit x; a deletes y while b edits it.
    a.edit_count(&x, 5);
    b.edit_count(&x, 6);
    let yr = a.store.get(&y).unwrap().unwrap().rev_id;
    a.store.delete(&y, &yr).unwrap();
    b.edit_count(&y, 9);
    settle(&server, &mut [&mut a, &mut b]);
    for l in [&a, &b] {
        let ids: Vec<String> = l
            .store
            .conflicts()
            .unwrap()
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert!(
            ids.contains(&x) && ids.contains(&y),
            "laptop {} sees both conflicts: {ids:?}",
            l.name
        );
        let yc = l.store.get(&y).unwrap().unwrap();
        assert!(!yc.deleted, "the edit is not silently lost to the delete");
    }
    assert_converged(&[&a, &b]);
    // Merge x on b, y on a.
    let heads = b.store.heads(&x).unwrap();
    assert_eq!(heads.len(), 2);
    b.store.merge(&x, heads[1].body.as_ref()).unwrap();
    a.store.merge(&y, None).unwrap();
    settle(&server, &mut [&mut a, &mut b]);
    for l in [&a, &b] {
        assert!(
            l.store.conflicts().unwrap().is_empty(),
            "laptop {} still has conflicts",
            l.name
        );
        assert!(l.store.get(&y).unwrap().unwrap().deleted);
    }
    assert_all_on_server_once(&server, &[&a, &b]);
    assert_converged(&[&a, &b]);
}

#[test]
fn laptop_with_a_clock_a_year_off_syncs_and_conflicts_are_not_decided_by_time() {
    let (_d, server) = server();
    let mut a = Laptop::new("a");
    let mut b = Laptop::new("b");
    a.store.set_clock_offset_ms(365 * 24 * 3600 * 1000);
    // A lead: a field laptop may change only the records it created.
    a.enroll(&server, "lead");
    b.enroll(&server, "field");
    let x = b.log("Vulpes corsac", 1).id;
    settle(&server, &mut [&mut a, &mut b]);
    a.edit_count(&x, 2);
    b.edit_count(&x, 3);
    settle(&server, &mut [&mut a, &mut b]);
    for l in [&a, &b] {
        assert!(
            l.store.get(&x).unwrap().unwrap().conflict,
            "laptop {}: the future clock did not win silently",
            l.name
        );
    }
    // b's clock is not dragged a year ahead by a's revisions.
    let newest_b = b
        .store
        .history(&x)
        .unwrap()
        .into_iter()
        .filter(|r| r.device_id == b.store.device_id())
        .map(|r| r.hlc)
        .max()
        .unwrap();
    let year_ms = 300 * 24 * 3600 * 1000_i64;
    let b_ms: i64 = newest_b.split(':').next().unwrap().parse().unwrap();
    assert!(
        b_ms < std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            + year_ms
    );
    assert_all_on_server_once(&server, &[&a, &b]);
    assert_converged(&[&a, &b]);
}

#[test]
fn postgres_server_survives_faults_and_kills() {
    let Ok(url) = std::env::var("DAURIA_TEST_PG_URL") else {
        assert!(
            std::env::var("DAURIA_REQUIRE_PG").is_err(),
            "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL is not"
        );
        eprintln!("DAURIA_TEST_PG_URL not set: this runs in `make pg-test`");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), Some(&url), Some("push_after_commit"), &[]);
    let mut a = Laptop::new("a");
    let mut b = Laptop::new("b");
    a.enroll(&server, "lead");
    b.enroll(&server, "field");
    for i in 0..20 {
        a.log("Grus japonensis", i + 1);
    }
    assert!(a.sync_via(&server.url(), quick_options()).is_err());
    server.wait_exit();
    server.restart(None);
    let proxy = FaultProxy::start(server.addr);
    proxy.random(11, 0.5);
    for i in 0..60 {
        let l = if i % 2 == 0 { &mut a } else { &mut b };
        l.log("Otis tarda", i + 1);
        let _ = l.sync_via(&proxy.url(), quick_options());
        assert_acked_on_server(&server, l);
    }
    settle(&server, &mut [&mut a, &mut b]);
    assert_all_on_server_once(&server, &[&a, &b]);
    assert_converged(&[&a, &b]);
}
