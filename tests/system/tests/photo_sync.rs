//! Photo sync through a cutting network: resumable checksummed chunks, verified on arrival.

use dauria_core::media;
use dauria_core::model::Body;
use dauria_sync::{HttpResponse, HttpTransport, SyncClient, Transport, TransportError};
use dauria_system_tests::proxy::FaultProxy;
use dauria_system_tests::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A laptop with one sighting carrying a photo of `size` pseudo-random bytes.
fn laptop_with_photo(server: &ServerProcess, size: usize, seed: u64) -> (Laptop, String) {
    let mut l = Laptop::new("photographer");
    l.enroll(server, "field");
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..size)
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
        panic!()
    };
    o.photos.push(sha.clone());
    l.store
        .update(&s.id, &cur.rev_id, &Body::Observation(o))
        .unwrap();
    (l, sha)
}

fn server_copy(server: &ServerProcess, sha: &str) -> Option<Vec<u8>> {
    let p = server
        .data_dir
        .join("blobs")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(sha);
    std::fs::read(p).ok()
}

#[test]
fn photo_upload_cut_many_times_still_arrives_intact() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (mut l, sha) = laptop_with_photo(&server, 4 << 20, 42);
    let proxy = FaultProxy::start(server.addr);
    // Every connection is cut after 300–900 kB: mid-chunk, many times over a 4 MB photo.
    proxy.cut_every_request(5, 300_000, 900_000);
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts < 200, "the photo never arrived");
        match l.sync_via(&proxy.url(), quick_options()) {
            Ok(s) if s.photo_error.is_none() => break,
            _ => continue,
        }
    }
    assert!(
        proxy.faults.load(Ordering::SeqCst) > 5,
        "the network was cut along the way"
    );
    let local = std::fs::read(media::blob_path(l.store.dir(), &sha).unwrap()).unwrap();
    assert_eq!(
        server_copy(&server, &sha).expect("the server kept the photo"),
        local
    );
    // A second laptop gets the record first and the photo lazily by hash.
    let mut other = Laptop::new("other");
    other.enroll(&server, "viewer");
    other.sync_via(&server.url(), quick_options()).unwrap();
    assert!(
        !media::has_blob(other.store.dir(), &sha),
        "photos are not pulled eagerly"
    );
    let t = HttpTransport::new(&server.url(), Duration::from_secs(10)).unwrap();
    let path = SyncClient::new(&t, quick_options())
        .fetch_blob(&other.store, &sha)
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap(), local);
}

/// Damages the first two chunks it carries, like a flaky link.
struct Corrupting(HttpTransport, AtomicU32);

impl Transport for Corrupting {
    fn send_raw(
        &self,
        m: &str,
        p: &str,
        t: Option<&str>,
        h: &[(&str, String)],
        mut b: Option<Vec<u8>>,
    ) -> Result<HttpResponse, TransportError> {
        if m == "PUT" && self.1.fetch_add(1, Ordering::SeqCst) < 2 {
            if let Some(body) = b.as_mut() {
                body[0] ^= 0xff;
            }
        }
        self.0.send_raw(m, p, t, h, b)
    }
}

#[test]
fn corrupted_chunk_is_refused_and_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (mut l, sha) = laptop_with_photo(&server, 600_000, 9);
    let t = Corrupting(
        HttpTransport::new(&server.url(), Duration::from_secs(10)).unwrap(),
        AtomicU32::new(0),
    );
    let s = SyncClient::new(&t, quick_options())
        .sync(&mut l.store, &mut |_| {})
        .unwrap();
    assert_eq!(s.photo_error, None);
    assert_eq!(s.photos_uploaded, 1);
    assert!(
        s.retries >= 2,
        "the damaged chunks were retried ({} retries)",
        s.retries
    );
    let local = std::fs::read(media::blob_path(l.store.dir(), &sha).unwrap()).unwrap();
    assert_eq!(server_copy(&server, &sha).unwrap(), local);
}

#[test]
fn records_sync_even_when_photos_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (mut l, sha) = laptop_with_photo(&server, 100_000, 3);
    // A broken blob folder on the server makes every upload fail; records still go.
    std::fs::remove_dir_all(server.data_dir.join("blobs")).unwrap();
    std::fs::write(server.data_dir.join("blobs"), b"not a folder").unwrap();
    let s = l.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(s.pushed, 2, "the sighting and its edit were sent");
    assert!(s.photo_error.is_some(), "the photo failure is reported");
    assert_eq!(l.store.pending_count().unwrap(), 0);
    assert!(server_copy(&server, &sha).is_none());
}

/// Runs a tool that `make test` installs, failing with what to do when it is missing.
fn tool(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (run `make setup-test`): {e}"));
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 12-megapixel JPEG with the tags a GPS camera writes: encoded by ImageMagick, tagged by
/// exiftool (neither of them ours), so the EXIF is not shaped by this project's own writer.
fn camera_photo(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("DSCN0417.JPG");
    let path = file.to_str().unwrap();
    tool(
        "convert",
        &[
            "-seed",
            "42",
            "-size",
            "4000x3000",
            "plasma:fractal",
            "-quality",
            "92",
            path,
        ],
    );
    tool(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-Make=NIKON",
            "-Model=COOLPIX P950",
            "-DateTimeOriginal=2026:06:01 07:42:10",
            "-OffsetTimeOriginal=+08:00",
            "-GPSLatitude=49.7133",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=115.12",
            "-GPSLongitudeRef=E",
            "-GPSAltitude=612",
            "-GPSAltitudeRef=0",
            path,
        ],
    );
    file
}

#[test]
fn camera_photo_with_gps_synced_through_cuts_keeps_its_exif() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let photo = camera_photo(dir.path());
    let original = std::fs::read(&photo).unwrap();
    assert!(original.len() > 2 << 20, "a camera-sized photo");

    // A field laptop attaches the photo to a sighting, as the app's Log and `photo attach` do.
    let mut field = Laptop::new("field");
    field.enroll(&server, "field");
    let s = field.log("Procapra gutturosa", 14);
    let attached = media::attach_photo(&mut field.store, &s.id, &photo).unwrap();
    assert_eq!((attached.width, attached.height), (4000, 3000));
    let sha = attached.sha256.clone();
    let read_here = media::photo_info(&photo).unwrap();
    assert_eq!(
        read_here.taken_at.as_deref(),
        Some("2026-06-01T07:42:10+08:00")
    );
    assert!((read_here.lat.unwrap() - 49.7133).abs() < 1e-6);
    assert!((read_here.lon.unwrap() - 115.12).abs() < 1e-6);

    // Every connection is cut after 300–900 kB, so the 4 MB upload is cut mid-chunk many times.
    let proxy = FaultProxy::start(server.addr);
    proxy.cut_every_request(17, 300_000, 900_000);
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts < 200, "the photo never arrived");
        match field.sync_via(&proxy.url(), quick_options()) {
            Ok(s) if s.photo_error.is_none() => break,
            _ => continue,
        }
    }
    assert!(
        proxy.faults.load(Ordering::SeqCst) > 3,
        "the network was cut"
    );
    assert_eq!(server_copy(&server, &sha).as_deref(), Some(&original[..]));

    // A lead's laptop gets the sighting with the photo's hash, then the photo by that hash:
    // the same bytes, so the same time and position.
    let mut lead = Laptop::new("lead");
    lead.enroll(&server, "lead");
    lead.sync_via(&server.url(), quick_options()).unwrap();
    let cur = lead
        .store
        .get(&s.id)
        .unwrap()
        .expect("the sighting arrived");
    let Some(Body::Observation(o)) = cur.body else {
        panic!("not an observation")
    };
    assert_eq!(o.photos, vec![sha.clone()]);
    let t = HttpTransport::new(&server.url(), Duration::from_secs(10)).unwrap();
    let fetched = SyncClient::new(&t, quick_options())
        .fetch_blob(&lead.store, &sha)
        .unwrap();
    assert_eq!(std::fs::read(&fetched).unwrap(), original);
    let read_there = media::photo_info(&fetched).unwrap();
    assert_eq!(read_there.taken_at, read_here.taken_at);
    assert_eq!(
        (read_there.lat, read_there.lon, read_there.altitude_m),
        (read_here.lat, read_here.lon, read_here.altitude_m)
    );
    assert_eq!(read_there.altitude_m, Some(612.0));
}

#[test]
fn a_photo_the_server_refuses_is_reported_and_the_others_still_go() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &["--max-photo-bytes", "100000"]);
    let (mut l, big) = laptop_with_photo(&server, 300_000, 5);
    // A second, small photo on another sighting.
    let small = media::put_blob(l.store.dir(), &[7u8; 5000]).unwrap();
    let s = l.log("Vulpes corsac", 1);
    let cur = l.store.get(&s.id).unwrap().unwrap();
    let Some(Body::Observation(mut o)) = cur.body else {
        panic!()
    };
    o.photos.push(small.clone());
    l.store
        .update(&s.id, &cur.rev_id, &Body::Observation(o))
        .unwrap();
    let summary = l.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(l.store.pending_count().unwrap(), 0, "the records went");
    let why = summary.photo_error.expect("the refusal is reported");
    assert!(why.contains("100000"), "{why}");
    assert_eq!(summary.photos_uploaded, 1);
    assert!(
        server_copy(&server, &small).is_some(),
        "the small photo went"
    );
    assert!(
        server_copy(&server, &big).is_none(),
        "the large one did not"
    );
}
