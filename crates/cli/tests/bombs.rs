//! `dauria-cli photo attach` of a decompression bomb, run as a person would: the real binary
//! against a real store. It must end with a clear refusal, not an allocation abort.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
        .env("DAURIA_DATA_DIR", dir)
        .args(args)
        .output()
        .unwrap()
}

/// A 40,000 × 40,000 grayscale PNG of zeros (1.6 GB of pixels), streamed: a few MB on disk.
fn png_bomb(path: &Path) {
    let side = 40_000u32;
    let f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut enc = png::Encoder::new(f, side, side);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    let mut w = enc.write_header().unwrap().into_stream_writer().unwrap();
    let row = vec![0u8; side as usize];
    for _ in 0..side {
        w.write_all(&row).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn photo_attach_of_a_decompression_bomb_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert!(run(&data, &["init"]).status.success());
    let out = run(
        &data,
        &[
            "obs",
            "add",
            "--taxon",
            "Marmota sibirica",
            "--count",
            "1",
            "--site",
            "daursky",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let bomb = tmp.path().join("IMG_BOMB.png");
    png_bomb(&bomb);

    let out = run(&data, &["photo", "attach", &id, bomb.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exits with the failure code, not a signal or an abort: {err}"
    );
    assert!(err.contains("40000 × 40000"), "names the dimensions: {err}");
    assert!(err.contains("16384"), "names the limit: {err}");
    let blobs = data.join("blobs");
    assert!(
        !blobs.exists() || std::fs::read_dir(&blobs).unwrap().next().is_none(),
        "nothing was stored"
    );
}
