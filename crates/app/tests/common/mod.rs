//! A desktop for the commands with no window: temporary data, log and documents folders, the
//! events sent kept in a list, restarts counted.

#![allow(dead_code)]

use dauria_app::{AppState, Event, Host};
use dauria_core::model::Body;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub struct TestHost {
    pub root: tempfile::TempDir,
    events: Mutex<Vec<Event>>,
    arrived: Condvar,
    pub restarts: AtomicUsize,
}

impl TestHost {
    pub fn new() -> Arc<TestHost> {
        let root = tempfile::tempdir().unwrap();
        for d in ["data", "logs", "Documents"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        Arc::new(TestHost {
            root,
            events: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            restarts: AtomicUsize::new(0),
        })
    }

    pub fn documents(&self) -> PathBuf {
        self.root.path().join("Documents")
    }

    /// The events sent so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// Waits until an event sent satisfies `pred`, and returns it; fails after `within`.
    pub fn wait_for(&self, within: Duration, pred: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + within;
        let mut events = self.events.lock().unwrap();
        loop {
            if let Some(e) = events.iter().find(|e| pred(e)) {
                return e.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no such event within {within:?}; sent: {:?}",
                *events
            );
            events = self.arrived.wait_timeout(events, left).unwrap().0;
        }
    }
}

impl Host for TestHost {
    fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn log_dir(&self) -> PathBuf {
        self.root.path().join("logs")
    }

    fn documents_dir(&self) -> Option<PathBuf> {
        Some(self.documents())
    }

    fn emit(&self, event: Event) {
        self.events.lock().unwrap().push(event);
        self.arrived.notify_all();
    }

    fn restart(&self) {
        self.restarts.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh app on a new store (seeded with taxa, checklists and reserves).
pub fn app() -> (Arc<TestHost>, AppState) {
    let host = TestHost::new();
    let state = AppState::open(host.clone()).expect("the store opens");
    (host, state)
}

/// A body as the window sends it (JSON), so fields added later take their defaults.
pub fn body(json: serde_json::Value) -> Body {
    serde_json::from_value(json).expect("a valid body")
}

/// A sighting of `taxon` (an id) at a position and time.
pub fn sighting(taxon: &str, count: u32, lat: f64, lon: f64, at: &str) -> Body {
    body(serde_json::json!({
        "kind": "observation",
        "body": {
            "visit": null, "site": null, "taxon": taxon, "taxon_name": null,
            "count": count, "count_min": null, "count_max": null, "unit": "individuals",
            "sex": null, "age": null, "behaviour": null,
            "lat": lat, "lon": lon, "uncertainty_m": 10.0,
            "observed_at": at, "observers": ["A. Batsaikhan"],
            "detection_method": null, "notes": "near the burrows", "photos": []
        }
    }))
}

/// A value as the window sends it.
pub fn from<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> T {
    serde_json::from_value(json).expect("valid JSON for the type")
}

/// A JPEG of `width`×`height` whose pixels depend on `seed`, with `exif` (if any) in an APP1
/// segment.
pub fn jpeg(width: u32, height: u32, seed: u8, exif: &[exif::Field]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x as u8).wrapping_add(seed), (y as u8) ^ seed, seed])
    });
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut plain, 90,
        ))
        .unwrap();
    if exif.is_empty() {
        return plain;
    }
    let mut writer = exif::experimental::Writer::new();
    for f in exif {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    out
}

/// EXIF fields of a camera with a GPS: the time (`2024:06:01 07:30:15`) with its offset, and
/// a position north and east in degrees, minutes and hundredths of seconds, with the
/// receiver's horizontal error in metres.
pub fn gps_exif(
    time: &str,
    offset: &str,
    lat: [u32; 3],
    lon: [u32; 3],
    error_m: Option<u32>,
) -> Vec<exif::Field> {
    use exif::{Field, In, Rational, Tag, Value};
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let dms = |v: [u32; 3]| {
        Value::Rational(vec![
            Rational {
                num: v[0],
                denom: 1,
            },
            Rational {
                num: v[1],
                denom: 1,
            },
            Rational {
                num: v[2],
                denom: 100,
            },
        ])
    };
    let mut fields = vec![
        (Tag::DateTimeOriginal, ascii(time)),
        (Tag::OffsetTimeOriginal, ascii(offset)),
        (Tag::GPSLatitudeRef, ascii("N")),
        (Tag::GPSLatitude, dms(lat)),
        (Tag::GPSLongitudeRef, ascii("E")),
        (Tag::GPSLongitude, dms(lon)),
    ];
    if let Some(m) = error_m {
        fields.push((
            Tag::GPSHPositioningError,
            Value::Rational(vec![Rational { num: m, denom: 1 }]),
        ));
    }
    fields
        .into_iter()
        .map(|(tag, value)| Field {
            tag,
            ifd_num: In::PRIMARY,
            value,
        })
        .collect()
}

/// Compares a file generated from the Rust side with the one committed under the repository
/// root, or rewrites it when `UPDATE_BINDINGS` is set; `what` says what it holds.
pub fn check_committed(path: &str, fresh: &str, what: &str) {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&full, fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        committed == fresh,
        "{path} no longer matches {what}. Generate it again with `UPDATE_BINDINGS=1 cargo \
         nextest run --workspace -E 'test(committed_typescript_bindings)'` and commit the result."
    );
}
