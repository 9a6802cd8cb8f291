//! The in-memory mock backend the UI's tests run against does not read photos itself: it serves
//! the replies the real commands gave for a fixed set of files, recorded here through the
//! `Host` trait into `ui/src/lib/backend/recorded/photos.json` (the files' bytes, what
//! `photo_store` answered or refused, and the thumbnail). This test fails when the committed
//! recording no longer matches what the commands answer; run it with `UPDATE_BINDINGS=1` to
//! record again.

mod common;

use base64::Engine as _;
use common::{app, gps_exif, jpeg};
use dauria_app::exchange;
use std::path::PathBuf;

/// The files the UI's tests use, by the name they ask for.
fn photos() -> Vec<(&'static str, Vec<u8>)> {
    // A camera photo taken on 1 June 2026 at 07:42 (+08:00) at 49°42'36"N 115°07'12"E, with a
    // GPS error of 12 m.
    let exif = gps_exif(
        "2026:06:01 07:42:00",
        "+08:00",
        [49, 42, 3600],
        [115, 7, 1200],
        Some(12),
    );
    let mut cut = jpeg(64, 48, 9, &[]);
    cut.truncate(cut.len() - 2); // no end-of-image marker: copied off the card too early
    vec![
        ("camera", jpeg(160, 120, 0, &exif)),
        ("plain-1", jpeg(48, 32, 1, &[])),
        ("plain-2", jpeg(48, 32, 2, &[])),
        ("plain-3", jpeg(48, 32, 3, &[])),
        ("plain-4", jpeg(48, 32, 4, &[])),
        ("cut", cut),
        ("text", b"not a photo".to_vec()),
        ("empty", Vec::new()),
    ]
}

fn record() -> String {
    let (_host, state) = app();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut out = serde_json::Map::new();
    for (name, bytes) in photos() {
        let entry = match exchange::photo_store(&state, &bytes, None) {
            Ok(stored) => {
                let thumbnail = exchange::photo_thumbnail(&state, stored.sha256.clone()).unwrap();
                assert!(thumbnail.is_some(), "{name} has no thumbnail");
                serde_json::json!({ "file": b64(&bytes), "stored": stored, "thumbnail": thumbnail })
            }
            Err(error) => serde_json::json!({ "file": b64(&bytes), "error": error }),
        };
        out.insert(name.to_string(), entry);
    }
    let mut text = serde_json::to_string_pretty(&out).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_typescript_bindings_match_the_recorded_photo_replies() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/src/lib/backend/recorded/photos.json");
    let fresh = record();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/backend/recorded/photos.json no longer holds what the photo commands answer. \
         Record it again with `UPDATE_BINDINGS=1 cargo nextest run --workspace -E \
         'test(committed_typescript_bindings)'` and commit the result."
    );
}
