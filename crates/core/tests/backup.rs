//! Backups made while another connection keeps saving, and restores that refuse what this
//! version cannot take (a backup from a newer version) with nothing changed.

use dauria_core::model::*;
use dauria_core::{backup, Error, Store};

fn sighting(n: u32) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: None,
        taxon_name: Some(format!("sighting {n}")),
        count: Some(n),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.9),
        lon: Some(115.5),
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
    })
}

#[test]
fn a_backup_made_while_another_connection_saves_is_whole_and_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let mut store = Store::open(&live).unwrap();
    for n in 0..50 {
        store.create(&sighting(n)).unwrap();
    }
    let before = store.stats().unwrap().observations;
    // A second connection, as the app's window and its sync task have, saves all the while.
    let writer_dir = live.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_w = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut w = Store::open(&writer_dir).unwrap();
        let mut n = 0u32;
        while !stop_w.load(std::sync::atomic::Ordering::SeqCst) || n < 20 {
            w.create(&sighting(1000 + n)).unwrap();
            n += 1;
        }
        n
    });
    let mut reports = Vec::new();
    for i in 0..3 {
        let dest = tmp.path().join(format!("backup-{i}"));
        reports.push((dest.clone(), backup::create(&store, &dest).unwrap()));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.join().unwrap();
    let after = store.stats().unwrap().observations;
    assert_eq!(after, before + u64::from(written));
    for (i, (dest, _)) in reports.iter().enumerate() {
        // Each copy restores into a data folder of its own and opens as a whole store: every
        // save it holds is there with its outbox op, and it holds a count between the two.
        let restored = tmp.path().join(format!("restored-{i}"));
        backup::restore(dest, &restored).unwrap();
        let copy = Store::open(&restored).unwrap();
        let ok: String = copy
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let n = copy.stats().unwrap().observations;
        assert!(
            (before..=after).contains(&n),
            "backup {i} holds {n}, not within {before}..{after}"
        );
        let outbox = copy.outbox_after(0, 100_000, usize::MAX).unwrap();
        let seqs: Vec<u64> = outbox.iter().map(|r| r.device_seq).collect();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u64).collect::<Vec<_>>(),
            "the outbox has no gap"
        );
    }
}

#[test]
fn a_backup_from_a_newer_version_is_refused_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let live = tmp.path().join("live");
    let mut store = Store::open(&live).unwrap();
    store.create(&sighting(1)).unwrap();
    let dest = tmp.path().join("from-the-future");
    backup::create(&store, &dest).unwrap();
    store.create(&sighting(2)).unwrap();
    let newer = dauria_core::store::schema_version() + 1;
    rusqlite::Connection::open(dest.join("dauria.sqlite3"))
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();
    drop(store);
    match backup::restore(&dest, &live) {
        Err(Error::TooNew { found, known }) => {
            assert_eq!((found, known), (newer, newer - 1));
        }
        other => panic!("a newer backup was not refused as newer: {other:?}"),
    }
    assert!(
        !live.join("dauria.sqlite3.before-restore").exists(),
        "nothing was moved aside"
    );
    assert_eq!(Store::open(&live).unwrap().stats().unwrap().observations, 2);
}
