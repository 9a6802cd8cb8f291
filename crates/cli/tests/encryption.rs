//! `dauria-cli init --encrypt`, `encrypt` and `passphrase` on real data folders, and kill -9 of
//! a real `dauria-cli encrypt` at each of its steps: after every kill the store either opens as
//! it was or says to run `encrypt` again, and the run that finishes keeps every revision,
//! outbox op, conflict and photo.
//!
//! The process is stopped at a named step by `DAURIA_ENCRYPT_STOP_AT`: it writes the file
//! named by `DAURIA_ENCRYPT_STOP_FILE` there and waits, and the test kills it once that file
//! exists.

mod common;

use common::{text, Cli};
use dauria_core::model::*;
use dauria_core::{encryption, media, Store};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASS: &str = "argali on the ridge";

fn cli(dir: &Path, pass: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dauria-cli"));
    c.env("DAURIA_DATA_DIR", dir)
        .args(args)
        .stdin(Stdio::null());
    c.env_remove("DAURIA_PASSPHRASE");
    if let Some(p) = pass {
        c.env("DAURIA_PASSPHRASE", p);
    }
    c.output().unwrap()
}

fn ok(dir: &Path, pass: Option<&str>, args: &[&str]) -> String {
    let out = cli(dir, pass, args);
    assert!(out.status.success(), "{}", Cli::describe(args, &out));
    text(&out.stdout)
}

fn jpeg(seed: u8) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut out))
        .unwrap();
    out
}

fn sighting(taxon: &str, count: u32, photos: Vec<String>) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: Some(taxon.into()),
        taxon_name: None,
        count: Some(count),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(50.12345),
        lon: Some(116.54321),
        uncertainty_m: None,
        observed_at: "2026-06-02T06:00:00+09:00".into(),
        observers: vec![],
        detection_method: None,
        notes: Some("saker falcon eyrie".into()),
        photos,
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

/// A plain store with sightings, an edit, a delete, a conflict with another laptop and photos.
fn plain_store(dir: &Path) {
    let mut s = Store::open(dir).unwrap();
    let t = dauria_core::taxa::TaxonIndex::load(&s)
        .unwrap()
        .resolve("Falco cherrug")
        .unwrap();
    let photos: Vec<String> = (1..=3)
        .map(|i| media::store_photo(dir, &jpeg(i)).unwrap().sha256)
        .collect();
    let a = s.create(&sighting(&t, 1, photos)).unwrap();
    let b = s.create(&sighting(&t, 2, vec![])).unwrap();
    s.delete(&b.id, &b.rev_id).unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Store::open(other_dir.path()).unwrap();
    let mine = s.outbox_after(0, 1000, usize::MAX).unwrap();
    other.apply_remote(&mine, &[]).unwrap();
    other
        .update(&a.id, &a.rev_id, &sighting(&t, 5, vec![]))
        .unwrap();
    s.update(&a.id, &a.rev_id, &sighting(&t, 4, vec![]))
        .unwrap();
    let theirs = other.outbox_after(0, 1000, usize::MAX).unwrap();
    s.apply_remote(&theirs, &[]).unwrap();
    assert_eq!(s.conflicts().unwrap().len(), 1);
}

/// Revisions, outbox, conflict heads and every photo's bytes (by hash).
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let store = Store::open(dir).unwrap();
    let c = store.connection();
    let mut out = BTreeMap::new();
    for (name, sql) in [
        (
            "revision",
            // Ids and packed bodies are bytes: compared as hex.
            "SELECT seq || hex(rev_id) || hex(record_id) || parents || device_seq || hlc || \
             deleted || hex(ifnull(body, '')) FROM revision ORDER BY seq",
        ),
        (
            "outbox",
            "SELECT device_seq || ':' || rev_seq FROM outbox ORDER BY 1",
        ),
        (
            "conflict",
            "SELECT record_id || rev_id FROM conflict_head ORDER BY 1",
        ),
    ] {
        let rows: Vec<String> = c
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        out.insert(name.into(), rows.join("\n"));
    }
    let mut shas: Vec<String> = Vec::new();
    for o in store.list(Kind::Observation).unwrap() {
        for r in store.history(&o.id).unwrap() {
            if let Some(Body::Observation(b)) = r.body {
                shas.extend(b.photos);
            }
        }
    }
    for sha in shas {
        let bytes = media::read_blob(dir, &sha).unwrap();
        out.insert(sha, media::sha256_hex(&bytes));
    }
    out
}

#[test]
fn init_encrypt_then_every_command_takes_the_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = ok(dir, Some(PASS), &["init", "--encrypt"]);
    assert!(
        out.contains("encrypted") && out.contains("passphrase"),
        "{out}"
    );
    assert!(dir.join(encryption::KEY_FILE).is_file());
    let id = ok(
        dir,
        Some(PASS),
        &[
            "obs",
            "add",
            "--taxon",
            "Otocolobus manul",
            "--count",
            "1",
            "--site",
            "daursky",
        ],
    );
    assert_eq!(id.trim().len(), 36, "{id}");

    let files_before: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.display().to_string(),
                std::fs::read(&p).unwrap_or_default(),
            )
        })
        .collect();
    let out = cli(dir, Some("not the passphrase"), &["obs", "list"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("wrong passphrase"), "{err}");
    for (p, bytes) in &files_before {
        assert_eq!(&std::fs::read(p).unwrap_or_default(), bytes, "{p} changed");
    }
    let list = ok(dir, Some(PASS), &["obs", "list"]);
    assert!(list.contains(id.trim()), "{list}");

    // A second init --encrypt over the store is refused.
    let out = cli(dir, Some(PASS), &["init", "--encrypt"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("dauria-cli encrypt"));
}

#[test]
fn passphrase_command_changes_it_and_keeps_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, Some(PASS), &["init", "--encrypt"]);
    let mut c = Command::new(env!("CARGO_BIN_EXE_dauria-cli"));
    let out = c
        .env("DAURIA_DATA_DIR", dir)
        .env("DAURIA_PASSPHRASE", PASS)
        .env("DAURIA_NEW_PASSPHRASE", "a brand new passphrase")
        .arg("passphrase")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        Cli::describe(&["passphrase"], &out)
    );
    assert!(!cli(dir, Some(PASS), &["stats"]).status.success());
    let stats = ok(dir, Some("a brand new passphrase"), &["stats"]);
    assert!(!stats.is_empty());
}

#[test]
fn encrypt_refuses_a_missing_store_and_a_plain_one_stays_plain_after_a_short_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let out = cli(tmp.path(), Some(PASS), &["encrypt"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no store"),
        "{}",
        text(&out.stderr)
    );
    ok(tmp.path(), None, &["init"]);
    let out = cli(tmp.path(), Some("short"), &["encrypt"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("at least 8"),
        "{}",
        text(&out.stderr)
    );
    assert!(!tmp.path().join(encryption::KEY_FILE).exists());
    assert!(!tmp.path().join(encryption::PENDING_KEY_FILE).exists());
    ok(tmp.path(), None, &["stats"]);
}

/// Runs `dauria-cli encrypt` until it reaches `step`, then kills it with SIGKILL.
fn encrypt_killed_at(dir: &Path, step: &str) {
    let marker = dir.parent().unwrap().join(format!("reached-{step}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
        .env("DAURIA_DATA_DIR", dir)
        .env("DAURIA_PASSPHRASE", PASS)
        .env("DAURIA_ENCRYPT_STOP_AT", step)
        .env("DAURIA_ENCRYPT_STOP_FILE", &marker)
        .arg("encrypt")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the process to say it is at the step (or to end without getting there).
    loop {
        if marker.exists() {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "encrypt ended ({status}) before reaching {step}: {}",
                text(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn kill_9_at_each_step_of_encrypt_loses_nothing_and_a_rerun_finishes() {
    for step in [
        "key_written",
        "store_exported",
        "photo_sealed_before_rename",
        "first_photo_sealed",
        "photos_sealed",
        "store_replaced",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        plain_store(&dir);
        let before = snapshot(&dir);
        encrypt_killed_at(&dir, step);

        // Interrupted: every command says so and changes nothing; the data is all there.
        let out = cli(&dir, Some(PASS), &["stats"]);
        assert!(
            !out.status.success(),
            "{step}: stats must refuse a half-encrypted store"
        );
        assert!(
            text(&out.stderr).contains("dauria-cli encrypt"),
            "{step}: {}",
            text(&out.stderr)
        );
        // A wrong passphrase cannot finish it.
        let out = cli(&dir, Some("another passphrase"), &["encrypt"]);
        assert!(!out.status.success(), "{step}");
        assert!(text(&out.stderr).contains("wrong passphrase"), "{step}");

        let done = ok(&dir, Some(PASS), &["encrypt"]);
        assert!(done.contains("Finished encrypting"), "{step}: {done}");
        assert!(encryption::is_encrypted(&dir));
        encryption::unlock(&dir, PASS).unwrap();
        assert_eq!(snapshot(&dir), before, "{step}: everything is kept");
        encryption::forget(&dir);
        // Nothing is left in the clear.
        for entry in walk(&dir) {
            let bytes = std::fs::read(&entry).unwrap();
            for secret in [&b"saker falcon"[..], b"50.12345", b"Falco cherrug"] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret),
                    "{step}: {} holds {}",
                    entry.display(),
                    String::from_utf8_lossy(secret)
                );
            }
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
