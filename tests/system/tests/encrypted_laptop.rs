//! An encrypted laptop syncs like any other: its photos reach the server and other laptops as
//! their plaintext (named by its hash), while on its own disk the photo, the store and the sync
//! credential stay sealed; a second encrypted laptop keeps what it fetches sealed under its own
//! key.

use dauria_core::model::Body;
use dauria_core::{encryption, media, Store};
use dauria_sync::{HttpTransport, SyncClient};
use dauria_system_tests::*;
use std::time::Duration;

fn encrypted_laptop(name: &str, passphrase: &str) -> Laptop {
    let dir = tempfile::tempdir().unwrap();
    encryption::init_encrypted(dir.path(), passphrase).unwrap();
    let store = Store::open(dir.path()).unwrap();
    Laptop {
        dir,
        store,
        name: name.to_string(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every file of the laptop's data folder, with its bytes.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            out.push((p, bytes));
        }
    }
    out
}

#[test]
fn encrypted_laptops_sync_photos_as_plaintext_by_hash_and_keep_them_sealed_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path(), None, None, &[]);
    let mut a = encrypted_laptop("sealed field laptop", "first laptop passphrase");
    a.enroll(&server, "field");
    let marker = b"Otocolobus manul den at 49.71234 115.51234";
    let photo: Vec<u8> = marker.iter().copied().cycle().take(300_000).collect();
    let sha = media::put_blob(a.store.dir(), &photo).unwrap();
    assert_eq!(sha, media::sha256_hex(&photo), "named by its plaintext");
    let s = a.log("Otocolobus manul", 1);
    let cur = a.store.get(&s.id).unwrap().unwrap();
    let Some(Body::Observation(mut o)) = cur.body else {
        panic!("an observation")
    };
    o.photos.push(sha.clone());
    a.store
        .update(&s.id, &cur.rev_id, &Body::Observation(o))
        .unwrap();
    let summary = a.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(summary.photo_error, None);
    assert_eq!(summary.photos_uploaded, 1);

    // The server holds the plaintext under the same hash.
    let on_server = server
        .data_dir
        .join("blobs")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(&sha);
    assert_eq!(std::fs::read(on_server).unwrap(), photo);

    // A plain laptop and a second encrypted one both get the sighting and the photo.
    let t = HttpTransport::new(&server.url(), Duration::from_secs(10)).unwrap();
    let mut plain = Laptop::new("plain viewer");
    plain.enroll(&server, "viewer");
    plain.sync_via(&server.url(), quick_options()).unwrap();
    assert!(plain.store.get(&s.id).unwrap().is_some());
    let path = SyncClient::new(&t, quick_options())
        .fetch_blob(&plain.store, &sha)
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), photo);

    let mut b = encrypted_laptop("second sealed laptop", "second laptop passphrase");
    b.enroll(&server, "viewer");
    b.sync_via(&server.url(), quick_options()).unwrap();
    SyncClient::new(&t, quick_options())
        .fetch_blob(&b.store, &sha)
        .unwrap();
    assert_eq!(media::read_blob(b.store.dir(), &sha).unwrap(), photo);

    // On the encrypted laptops' disks: no photo bytes, no position, no sync credential.
    let token = a.store.meta("sync.token").unwrap().expect("enrolled");
    for laptop in [&a, &b] {
        for (path, bytes) in files(laptop.store.dir()) {
            assert!(
                !contains(&bytes, &marker[..20]),
                "{} holds the photo",
                path.display()
            );
            assert!(
                !contains(&bytes, b"49.71234"),
                "{} holds the position",
                path.display()
            );
            assert!(
                !contains(&bytes, token.as_bytes()),
                "{} holds the credential",
                path.display()
            );
        }
    }
}
