//! Photos: content-addressed storage, thumbnails, refusal of bad files, EXIF time and position.
//! Every photo is a real JPEG made here with the image crate; the GPS one carries an EXIF APP1
//! segment written with kamadak-exif's writer and is cross-checked with `exifread` (Python).

use dauria_core::media::{
    attach_photo, blob_path, has_blob, photo_info, put_blob, store_photo, thumb_path, THUMB_SIZE,
};
use dauria_core::model::{Body, CountUnit, Observation};
use dauria_core::Store;
use exif::{Field, In, Rational, Tag, Value};
use std::path::{Path, PathBuf};

fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x as u8).wrapping_add(seed), (y as u8) ^ seed, seed])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .unwrap();
    out
}

/// A JPEG with an EXIF APP1 segment: taken 2024-06-01 07:30:15 +09:00 at 50°05'30"N
/// 115°30'00"E (Daursky reserve), 680 m, 12 m horizontal error.
fn jpeg_with_gps() -> Vec<u8> {
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let rat = |v: &[(u32, u32)]| {
        Value::Rational(
            v.iter()
                .map(|&(num, denom)| Rational { num, denom })
                .collect(),
        )
    };
    let fields = [
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: ascii("2024:06:01 07:30:15"),
        },
        Field {
            tag: Tag::OffsetTimeOriginal,
            ifd_num: In::PRIMARY,
            value: ascii("+09:00"),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: ascii("N"),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: rat(&[(50, 1), (5, 1), (3000, 100)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: ascii("E"),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: rat(&[(115, 1), (30, 1), (0, 1)]),
        },
        Field {
            tag: Tag::GPSAltitude,
            ifd_num: In::PRIMARY,
            value: rat(&[(680, 1)]),
        },
        Field {
            tag: Tag::GPSHPositioningError,
            ifd_num: In::PRIMARY,
            value: rat(&[(12, 1)]),
        },
    ];
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let plain = jpeg(64, 48, 7);
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn observation(store: &mut Store) -> String {
    let o = Observation {
        visit: None,
        site: None,
        taxon: None,
        taxon_name: Some("Marmota sibirica".into()),
        count: Some(3),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(50.09),
        lon: Some(115.5),
        uncertainty_m: Some(10.0),
        observed_at: "2024-06-01T07:30:00+09:00".into(),
        observers: vec!["A. Batsaikhan".into()],
        detection_method: Some("direct observation".into()),
        notes: None,
        photos: Vec::new(),
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    };
    store.create(&Body::Observation(o)).unwrap().id
}

fn photos_of(store: &Store, id: &str) -> Vec<String> {
    match store.get(id).unwrap().unwrap().body {
        Some(Body::Observation(o)) => o.photos,
        other => panic!("expected an observation, got {other:?}"),
    }
}

/// Every file under `dir/blobs`, relative names, sorted.
fn blob_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, p: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(p) else { return };
        for e in rd {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            } else {
                out.push(e.path().strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &dir.join("blobs"), &mut out);
    out.sort();
    out
}

#[test]
fn attached_photo_is_stored_by_hash_with_a_thumbnail_and_a_new_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let id = observation(&mut store);
    let bytes = jpeg(1200, 800, 1);
    let file = write(tmp.path(), "IMG_0001.JPG", &bytes);

    let a = attach_photo(&mut store, &id, &file).unwrap();
    let dir = store.dir().to_path_buf();
    let sha = dauria_core::media::sha256_hex(&bytes);
    assert_eq!(a.sha256, sha);
    assert!(a.newly_stored);
    assert_eq!((a.width, a.height), (1200, 800));
    let path = blob_path(&dir, &sha).unwrap();
    assert_eq!(
        path,
        dir.join("blobs")
            .join(&sha[..2])
            .join(&sha[2..4])
            .join(&sha)
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the blob is the file, byte for byte"
    );
    let thumb = image::open(thumb_path(&dir, &sha).unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (THUMB_SIZE, 213));
    assert_eq!(photos_of(&store, &id), vec![sha.clone()]);
    assert_eq!(
        store.history(&id).unwrap().len(),
        2,
        "attaching wrote one revision"
    );
}

#[test]
fn the_same_photo_twice_is_stored_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let first = observation(&mut store);
    let second = observation(&mut store);
    let bytes = jpeg(300, 200, 2);
    let a = write(tmp.path(), "a.jpg", &bytes);
    let b = write(tmp.path(), "copy of a.jpg", &bytes);

    let one = attach_photo(&mut store, &first, &a).unwrap();
    let files = blob_files(store.dir());
    let again = attach_photo(&mut store, &first, &b).unwrap();
    assert!(!again.newly_stored);
    assert!(
        again.saved.is_none(),
        "attaching the same photo again writes no revision"
    );
    assert_eq!(photos_of(&store, &first), vec![one.sha256.clone()]);

    let other = attach_photo(&mut store, &second, &b).unwrap();
    assert!(!other.newly_stored);
    assert_eq!(photos_of(&store, &second), vec![one.sha256.clone()]);
    assert_eq!(
        blob_files(store.dir()),
        files,
        "no second copy, no leftover temp file"
    );
    assert_eq!(files.len(), 2, "one blob and one thumbnail: {files:?}");

    // The sync code's entry point gives the same answer.
    assert_eq!(put_blob(store.dir(), &bytes).unwrap(), one.sha256);
    assert!(has_blob(store.dir(), &one.sha256));
    assert_eq!(blob_files(store.dir()), files);
}

#[test]
fn bad_files_are_refused_with_a_reason_and_nothing_is_saved() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let id = observation(&mut store);
    let good = jpeg(640, 480, 3);
    let mut corrupt = good.clone();
    // Damage the frame header: a frame claiming no colour components at all.
    let sof = corrupt.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    corrupt[sof + 9] = 0;
    let cases = [
        (
            "truncated.jpg",
            good[..good.len() / 2].to_vec(),
            "cut short",
        ),
        (
            "notes.jpg",
            b"field notes, not a photo\n".to_vec(),
            "not a photo",
        ),
        ("empty.jpg", Vec::new(), "empty"),
        ("corrupt.jpg", corrupt, "damaged"),
        // A valid PNG signature and nothing else.
        ("cut.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "PNG"),
    ];
    for (name, bytes, expected) in cases {
        let file = write(tmp.path(), name, &bytes);
        let err = attach_photo(&mut store, &id, &file).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.code(), "invalid", "{name}: {msg}");
        assert!(
            msg.contains(expected),
            "{name}: expected '{expected}' in: {msg}"
        );
        assert!(
            msg.contains(name),
            "{name}: the message names the file: {msg}"
        );
    }
    assert!(
        blob_files(store.dir()).is_empty(),
        "nothing stored: {:?}",
        blob_files(store.dir())
    );
    assert!(photos_of(&store, &id).is_empty());
    assert_eq!(store.history(&id).unwrap().len(), 1);
}

#[test]
fn attaching_to_a_missing_observation_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let file = write(tmp.path(), "a.jpg", &jpeg(32, 32, 4));
    let err = attach_photo(&mut store, "0190f3b2-0000-7000-8000-000000000000", &file).unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
    assert!(blob_files(store.dir()).is_empty());
}

#[test]
fn blob_paths_refuse_anything_but_a_sha256() {
    let dir = Path::new("/data");
    for bad in [
        "../../etc/passwd",
        "abcd",
        &"A".repeat(64),
        &format!("{}/", "a".repeat(63)),
    ] {
        assert!(blob_path(dir, bad).is_err(), "{bad}");
        assert!(!has_blob(dir, bad));
    }
}

#[test]
fn exif_time_with_offset_and_gps_position_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "gps.jpg", &jpeg_with_gps());
    let info = photo_info(&file).unwrap();
    assert_eq!(info.local_time.as_deref(), Some("2024-06-01T07:30:15"));
    assert_eq!(info.utc_offset.as_deref(), Some("+09:00"));
    assert_eq!(info.taken_at.as_deref(), Some("2024-06-01T07:30:15+09:00"));
    let (lat, lon) = (info.lat.unwrap(), info.lon.unwrap());
    assert!(
        (lat - (50.0 + 5.0 / 60.0 + 30.0 / 3600.0)).abs() < 1e-9,
        "lat {lat}"
    );
    assert!((lon - 115.5).abs() < 1e-9, "lon {lon}");
    assert_eq!(info.altitude_m, Some(680.0));
    assert_eq!(info.uncertainty_m, Some(12.0));

    // A reader nobody here wrote sees the same tags.
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let out = std::process::Command::new(&py)
        .args([
            "-c",
            "import sys, exifread\n\
             t = exifread.process_file(open(sys.argv[1], 'rb'), details=False)\n\
             print(t['EXIF DateTimeOriginal'], t['GPS GPSLatitudeRef'], t['GPS GPSLatitude'], t['GPS GPSLongitude'])",
        ])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} (run `make setup-test`): {e}", py.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exifread failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.trim(),
        "2024:06:01 07:30:15 N [50, 5, 30] [115, 30, 0]"
    );

    // The photo with EXIF is still a photo: it attaches.
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let id = observation(&mut store);
    attach_photo(&mut store, &id, &file).unwrap();
}

#[test]
fn a_photo_without_exif_gives_empty_info() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "plain.jpg", &jpeg(16, 16, 5));
    assert_eq!(photo_info(&file).unwrap(), Default::default());
}

#[test]
fn a_photo_stored_from_memory_is_kept_once_with_its_exif_and_bad_bytes_store_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bytes = jpeg_with_gps();
    let first = store_photo(dir, &bytes).unwrap();
    assert!(first.newly_stored);
    assert!(has_blob(dir, &first.sha256));
    assert!(thumb_path(dir, &first.sha256).unwrap().is_file());
    assert_eq!(
        first.info.taken_at.as_deref(),
        Some("2024-06-01T07:30:15+09:00")
    );
    assert!((first.info.lon.unwrap() - 115.5).abs() < 1e-9);
    let again = store_photo(dir, &bytes).unwrap();
    assert_eq!(again.sha256, first.sha256);
    assert!(!again.newly_stored, "the same bytes are stored once");
    assert_eq!(blob_files(dir).len(), 2, "one photo and its thumbnail");

    let good = jpeg(320, 240, 9);
    let err = store_photo(dir, &good[..good.len() / 3]).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(err.to_string().contains("cut short"), "{err}");
    assert_eq!(blob_files(dir).len(), 2, "a refused photo writes nothing");
}
