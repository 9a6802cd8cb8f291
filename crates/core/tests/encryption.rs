//! Encryption at rest on real files: what `sqlite3` and `strings` see of an encrypted store and
//! its photos, a wrong passphrase, encrypting a plain store in place, passphrase changes,
//! backups, and sealed files that were tampered with.
//!
//! Each test runs in its own process (nextest), so the unlocked keys one test keeps do not
//! leak into another.

use dauria_core::encryption::{self, OpenReader};
use dauria_core::media;
use dauria_core::model::*;
use dauria_core::taxa::TaxonIndex;
use dauria_core::{backup, Error, Store};
use dauria_proto::Revision;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

const PASS: &str = "steppe eagle over the Onon";
/// Words and numbers that must never show in an encrypted store's files.
const SECRETS: &[&str] = &[
    "Otocolobus",
    "Marmota",
    "manul den",
    "49.71234",
    "115.51234",
];

fn manul(store: &Store) -> String {
    TaxonIndex::load(store)
        .unwrap()
        .resolve("Otocolobus manul")
        .unwrap()
}

fn den(taxon: &str, count: u32, photos: Vec<String>) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(count),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.71234),
        lon: Some(115.51234),
        uncertainty_m: Some(10.0),
        observed_at: "2026-06-01T07:30:00+09:00".into(),
        observers: vec!["Bat-Erdene".into()],
        detection_method: Some("visual".into()),
        notes: Some("manul den under the rocks".into()),
        photos,
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

fn jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x as u8).wrapping_add(seed), (y as u8) ^ seed, seed])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .unwrap();
    // A JPEG comment with the position, as some cameras and apps write.
    let comment = b"Otocolobus manul den 49.71234 115.51234";
    let mut com = vec![0xFF, 0xFE];
    com.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    com.extend_from_slice(comment);
    out.splice(2..2, com);
    out
}

/// Everything a store holds that encrypting it must keep: revisions, outbox, conflicts, current
/// rows, meta, and each referenced photo's bytes (by hash).
fn snapshot(store: &Store) -> BTreeMap<String, String> {
    let c = store.connection();
    let mut out = BTreeMap::new();
    for (name, sql) in [
        ("revision", "SELECT * FROM revision ORDER BY seq"),
        ("rev_parent", "SELECT * FROM rev_parent ORDER BY 1, 2"),
        ("outbox", "SELECT * FROM outbox ORDER BY device_seq"),
        ("conflict_head", "SELECT * FROM conflict_head ORDER BY 1, 2"),
        ("record", "SELECT * FROM record ORDER BY id"),
        ("observation", "SELECT * FROM observation ORDER BY id"),
        ("meta", "SELECT * FROM meta ORDER BY key"),
    ] {
        let mut stmt = c.prepare(sql).unwrap();
        let columns = stmt.column_count();
        let rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..columns)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(!rows.is_empty() || name == "conflict_head" || name == "outbox");
        out.insert(name.to_string(), rows.join("\n"));
    }
    for obs in store.list(Kind::Observation).unwrap() {
        if let Some(Body::Observation(o)) = obs.body {
            for sha in o.photos {
                let bytes = media::read_blob(store.dir(), &sha).unwrap();
                assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
                out.insert(format!("photo {sha}"), format!("{} bytes", bytes.len()));
            }
        }
    }
    out
}

/// Every file under `dir` with the SHA-256 of its bytes.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    hex::encode(Sha256::digest(&bytes)),
                );
            }
        }
    }
    out
}

/// What `strings` (binutils) finds in every file under `dir` that holds a secret.
fn strings_leaks(dir: &Path) -> Vec<String> {
    let mut leaks = Vec::new();
    for name in files(dir).keys() {
        let out = Command::new("strings")
            .args(["-a", "-n", "6"])
            .arg(dir.join(name))
            .output()
            .expect("`strings` (binutils) is installed");
        let text = String::from_utf8_lossy(&out.stdout);
        for s in SECRETS {
            if text.contains(s) {
                leaks.push(format!("{name}: {s}"));
            }
        }
    }
    leaks
}

fn sqlite3(db: &Path, sql: &str) -> std::process::Output {
    Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 command-line tool is installed (scripts/setup.sh test)")
}

/// A plain store with sightings, an edit, a delete, a conflict and photos.
fn filled_plain_store(dir: &Path) -> Store {
    let mut store = Store::open(dir).unwrap();
    let t = manul(&store);
    let mut photos = Vec::new();
    for seed in [1u8, 2] {
        photos.push(media::store_photo(dir, &jpeg(seed)).unwrap().sha256);
    }
    // A photo larger than one sealed chunk, to cross chunk boundaries.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    photos.push(media::put_blob(dir, &big).unwrap());
    let a = store.create(&den(&t, 1, photos.clone())).unwrap();
    let b = store.create(&den(&t, 2, vec![])).unwrap();
    store.update(&a.id, &a.rev_id, &den(&t, 3, photos)).unwrap();
    store.delete(&b.id, &b.rev_id).unwrap();
    // A conflict: another laptop edits the same sighting.
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Store::open(other_dir.path()).unwrap();
    let revs: Vec<Revision> = store.outbox_after(0, 10_000, usize::MAX).unwrap();
    other.apply_remote(&revs, &[]).unwrap();
    let cur = other.get(&a.id).unwrap().unwrap();
    other
        .update(&a.id, &cur.rev_id, &den(&t, 9, vec![]))
        .unwrap();
    let cur = store.get(&a.id).unwrap().unwrap();
    store
        .update(&a.id, &cur.rev_id, &den(&t, 4, vec![]))
        .unwrap();
    let theirs: Vec<Revision> = other.outbox_after(0, 10_000, usize::MAX).unwrap();
    store.apply_remote(&theirs, &[]).unwrap();
    assert_eq!(
        store.conflicts().unwrap().len(),
        1,
        "the test store has a conflict"
    );
    store
}

#[test]
fn encrypted_store_and_photos_show_no_plaintext_to_sqlite3_or_strings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    encryption::init_encrypted(dir, PASS).unwrap();
    let mut store = Store::open(dir).unwrap();
    let t = manul(&store);
    let photo = media::store_photo(dir, &jpeg(7)).unwrap();
    store
        .create(&den(&t, 2, vec![photo.sha256.clone()]))
        .unwrap();
    // The plaintext of the photo and its thumbnail come back through the store's functions.
    assert_eq!(media::read_blob(dir, &photo.sha256).unwrap(), jpeg(7));
    let thumb = media::read_thumbnail(dir, &photo.sha256).unwrap();
    assert_eq!(
        &thumb[..2],
        &[0xFF, 0xD8],
        "the thumbnail reads back as a JPEG"
    );
    drop(store);

    let db = dir.join(dauria_core::store::DB_FILE);
    let out = sqlite3(&db, "SELECT count(*) FROM revision");
    assert!(
        !out.status.success(),
        "sqlite3 must not read the encrypted store; it printed {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a database"),
        "sqlite3 says: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let leaks = strings_leaks(dir);
    assert!(leaks.is_empty(), "plaintext found in files: {leaks:?}");
    // The key file holds the KDF's salt and parameters, never the key.
    let key_file = std::fs::read_to_string(dir.join(encryption::KEY_FILE)).unwrap();
    assert!(key_file.contains("argon2id") && key_file.contains("65536"));
}

#[test]
fn wrong_passphrase_is_refused_and_changes_no_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    encryption::init_encrypted(dir, PASS).unwrap();
    let mut store = Store::open(dir).unwrap();
    let t = manul(&store);
    let photo = media::store_photo(dir, &jpeg(3)).unwrap();
    store.create(&den(&t, 1, vec![photo.sha256])).unwrap();
    drop(store);
    encryption::forget(dir);
    let before = files(dir);

    assert!(matches!(Store::open(dir), Err(Error::Locked)));
    for wrong in ["steppe eagle over the onon", "", "x", &"a".repeat(10_000)] {
        match encryption::unlock(dir, wrong) {
            Err(Error::WrongPassphrase) => {}
            other => panic!("passphrase {wrong:?}: expected WrongPassphrase, got {other:?}"),
        }
        assert!(matches!(Store::open(dir), Err(Error::Locked)));
    }
    assert_eq!(
        files(dir),
        before,
        "a wrong passphrase must not change any file"
    );

    encryption::unlock(dir, PASS).unwrap();
    let store = Store::open(dir).unwrap();
    assert_eq!(store.list(Kind::Observation).unwrap().len(), 1);
}

#[test]
fn plain_store_encrypted_in_place_keeps_every_revision_outbox_conflict_and_photo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = filled_plain_store(dir);
    let before = snapshot(&store);
    drop(store);
    assert!(
        !strings_leaks(dir).is_empty(),
        "the plain store shows its secrets (the check below can see them)"
    );

    let mut steps = Vec::new();
    let r = encryption::encrypt_store(dir, PASS, &mut |d, t| steps.push((d, t))).unwrap();
    assert_eq!(r.photos, 3);
    assert!(!r.resumed);
    assert_eq!(steps.last(), Some(&(3, 3)));
    let leaks = strings_leaks(dir);
    assert!(
        leaks.is_empty(),
        "plaintext left after encrypting: {leaks:?}"
    );
    assert!(!dir.join("dauria.sqlite3.encrypting").exists());
    assert!(!dir.join(encryption::PENDING_KEY_FILE).exists());

    encryption::forget(dir);
    assert!(matches!(Store::open(dir), Err(Error::Locked)));
    encryption::unlock(dir, PASS).unwrap();
    let store = Store::open(dir).unwrap();
    assert_eq!(
        snapshot(&store),
        before,
        "everything the plain store held is kept"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    // Encrypting again is refused, not done twice.
    drop(store);
    assert!(encryption::encrypt_store(dir, PASS, &mut |_, _| {}).is_err());
}

#[test]
fn passphrase_change_keeps_the_data_and_only_the_new_one_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let store = filled_plain_store(dir);
    let before = snapshot(&store);
    drop(store);
    encryption::encrypt_store(dir, PASS, &mut |_, _| {}).unwrap();
    let db = dir.join(dauria_core::store::DB_FILE);
    let db_before = std::fs::read(&db).unwrap();

    assert!(matches!(
        encryption::change_passphrase(dir, "not the passphrase", "a new passphrase"),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        encryption::change_passphrase(dir, PASS, "short"),
        Err(Error::Invalid(_))
    ));
    encryption::change_passphrase(dir, PASS, "a new passphrase").unwrap();
    assert_eq!(
        std::fs::read(&db).unwrap(),
        db_before,
        "a passphrase change rewrites only the key file"
    );
    encryption::forget(dir);
    assert!(matches!(
        encryption::unlock(dir, PASS),
        Err(Error::WrongPassphrase)
    ));
    encryption::unlock(dir, "a new passphrase").unwrap();
    assert_eq!(snapshot(&Store::open(dir).unwrap()), before);
}

#[test]
fn backup_of_an_encrypted_store_stays_encrypted_and_restores_with_the_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, dest, restored) = (
        tmp.path().join("live"),
        tmp.path().join("backup"),
        tmp.path().join("restored"),
    );
    let store = filled_plain_store(&dir);
    drop(store);
    encryption::encrypt_store(&dir, PASS, &mut |_, _| {}).unwrap();
    let store = Store::open(&dir).unwrap();
    let before = snapshot(&store);
    let r = backup::create(&store, &dest).unwrap();
    assert_eq!(r.photos, 3);
    drop(store);
    assert!(dest.join(encryption::KEY_FILE).is_file());
    assert!(!sqlite3(
        &dest.join(dauria_core::store::DB_FILE),
        "SELECT 1 FROM revision"
    )
    .status
    .success());
    let leaks = strings_leaks(&dest);
    assert!(leaks.is_empty(), "plaintext in the backup: {leaks:?}");

    // Restoring needs the backup unlocked; locked, it changes nothing.
    assert!(matches!(
        backup::restore(&dest, &restored),
        Err(Error::Locked)
    ));
    assert!(!restored.exists());
    encryption::unlock(&dest, PASS).unwrap();
    backup::restore(&dest, &restored).unwrap();
    assert!(matches!(Store::open(&restored), Err(Error::Locked)));
    encryption::unlock(&restored, PASS).unwrap();
    assert_eq!(snapshot(&Store::open(&restored).unwrap()), {
        // Meta differs only where the restored store is the backup's snapshot: identical here.
        before
    });
}

#[test]
fn sealed_files_stream_and_refuse_tampering_truncation_and_another_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    encryption::init_encrypted(&dir, PASS).unwrap();
    let keys = encryption::keys_for(&dir).unwrap();
    for len in [0usize, 1, 65_535, 65_536, 65_537, 300_000] {
        let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        let sealed = encryption::seal_bytes(&keys, &plain).unwrap();
        assert_eq!(encryption::plain_len(sealed.len() as u64), len as u64);
        let mut streamed = Vec::new();
        OpenReader::new(&keys, &sealed[..], sealed.len() as u64, "test")
            .unwrap()
            .read_to_end(&mut streamed)
            .unwrap();
        assert_eq!(streamed, plain, "{len} bytes stream back");
        if len > 0 {
            let mut flipped = sealed.clone();
            let at = flipped.len() / 2;
            flipped[at] ^= 1;
            assert!(encryption::open_bytes(&keys, &flipped, "test").is_err());
        }
        if len > 65_536 {
            // Cut after the first chunk: the first chunk is not marked last, so it is refused.
            let cut = &sealed[..24 + 65_536 + 16];
            assert!(encryption::open_bytes(&keys, cut, "test").is_err());
        }
    }
    let other = tmp.path().join("b");
    encryption::init_encrypted(&other, PASS).unwrap();
    let other_keys = encryption::keys_for(&other).unwrap();
    let sealed = encryption::seal_bytes(&keys, b"Otocolobus manul").unwrap();
    assert!(
        encryption::open_bytes(&other_keys, &sealed, "test").is_err(),
        "the same passphrase on another store makes another data key"
    );
}

#[test]
fn init_encrypted_refuses_a_short_passphrase_and_an_existing_store() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(matches!(
        encryption::init_encrypted(tmp.path(), "1234567"),
        Err(Error::Invalid(_))
    ));
    assert!(!tmp.path().join(encryption::KEY_FILE).exists());
    drop(Store::open(tmp.path()).unwrap());
    let before = files(tmp.path());
    assert!(encryption::init_encrypted(tmp.path(), PASS).is_err());
    assert_eq!(files(tmp.path()), before);
}
