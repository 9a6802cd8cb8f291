//! `dauria-cli photo ...`, `export dwca` and `import dwca` run as a person would: the real binary
//! against a real store in a temp folder.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
        .env("DAURIA_DATA_DIR", dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "dauria-cli {} failed ({:?}):\n{}{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn jpeg(path: &Path) {
    let img = image::RgbImage::from_fn(200, 100, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut out))
        .unwrap();
    std::fs::write(path, out).unwrap();
}

#[test]
fn photo_attach_and_info_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&data, &["init"]);
    let id = ok(
        &data,
        &[
            "obs",
            "add",
            "--taxon",
            "Marmota sibirica",
            "--count",
            "2",
            "--site",
            "daursky",
        ],
    )
    .trim()
    .to_string();
    let photo = tmp.path().join("IMG_0001.JPG");
    jpeg(&photo);
    let out = ok(&data, &["photo", "attach", &id, photo.to_str().unwrap()]);
    assert!(out.contains("attached"), "{out}");
    let again = ok(&data, &["photo", "attach", &id, photo.to_str().unwrap()]);
    assert!(again.contains("already attached"), "{again}");
    let info = ok(&data, &["photo", "info", photo.to_str().unwrap()]);
    assert!(info.contains("taken at: not recorded"), "{info}");
    assert!(info.contains("position: not recorded"), "{info}");

    let notes = tmp.path().join("notes.jpg");
    std::fs::write(&notes, "not a photo").unwrap();
    let out = run(&data, &["photo", "attach", &id, notes.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a photo"), "{err}");
}

#[test]
fn dwca_export_then_import_into_another_store() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    ok(&a, &["init"]);
    for name in ["Marmota sibirica", "Grus leucogeranus"] {
        ok(
            &a,
            &[
                "obs", "add", "--taxon", name, "--count", "3", "--site", "daursky",
            ],
        );
    }
    let zip = tmp.path().join("survey.zip");
    let out = ok(&a, &["export", "dwca", zip.to_str().unwrap()]);
    assert!(out.contains("2 occurrences"), "{out}");
    assert!(!tmp.path().join("survey.zip.partial").exists());

    let b = tmp.path().join("b");
    ok(&b, &["init"]);
    let out = ok(&b, &["import", "dwca", zip.to_str().unwrap()]);
    assert!(out.contains("imported 2 of 2 occurrences"), "{out}");
    let out = ok(&b, &["import", "dwca", zip.to_str().unwrap()]);
    assert!(out.contains("imported 0 of 2 occurrences"), "{out}");
    assert!(
        out.contains("2 occurrences already imported from dataset 'survey.zip'"),
        "{out}"
    );

    let missing = run(
        &b,
        &["export", "dwca", zip.to_str().unwrap(), "--survey", "nope"],
    );
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no survey with id nope"));
}

#[test]
fn samples_added_then_lab_results_imported_and_summarised() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&data, &["init"]);
    let host = ok(
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
    )
    .trim()
    .to_string();
    for barcode in ["RU-001", "RU-002"] {
        let id = ok(
            &data,
            &[
                "sample",
                "add",
                "--host",
                &host,
                "--type",
                "blood",
                "--barcode",
                barcode,
                "--collected-at",
                "2026-06-01T08:00:00+09:00",
                "--pathogen",
                "Yersinia pestis",
            ],
        );
        assert_eq!(id.trim().len(), 36, "sample add prints the new id: {id}");
    }
    let csv = tmp.path().join("lab.csv");
    std::fs::write(
        &csv,
        "BARCODE,Result,Result_Date\nRU-001,positive,2026-06-20\nRU-002,negative,2026-06-20\nRU-404,positive,2026-06-20\n",
    )
    .unwrap();
    let out = run(&data, &["sample", "import-results", csv.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unmatched row gives exit status 2"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 4: no sample has barcode RU-404"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 samples updated"));
    let summary = ok(&data, &["sample", "summary"]);
    let line = summary
        .lines()
        .find(|l| l.contains("Marmota sibirica"))
        .expect(&summary);
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert!(cells.ends_with(&["1", "1", "0", "0"]), "{summary}");
}
