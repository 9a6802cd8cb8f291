//! The in-memory mock backend the UI's tests run against reads no file itself: it serves the
//! replies the real commands gave for a fixed set of files, recorded here through the `Host`
//! trait into `ui/src/lib/backend/recorded/` (the files' bytes and what the commands answered
//! or refused). These tests fail when a committed recording no longer matches what the
//! commands answer; run them with `UPDATE_BINDINGS=1` to record again.

mod common;

use base64::Engine as _;
use common::{app, check_committed, gps_exif, jpeg};
use dauria_app::{exchange, records};
use dauria_core::model::Kind;
use std::io::Write;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn pretty(v: serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(&v).unwrap();
    text.push('\n');
    text
}

/// The photos the UI's tests use, by the name they ask for.
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

#[test]
fn committed_typescript_bindings_match_the_recorded_photo_replies() {
    let (_host, state) = app();
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
    check_committed(
        "ui/src/lib/backend/recorded/photos.json",
        &pretty(out.into()),
        "what the photo commands answer",
    );
}

/// Every sighting in the store, each with its taxon's scientific name (the mock's taxa have
/// other ids), in a stable order.
fn sightings(state: &dauria_app::AppState) -> Vec<serde_json::Value> {
    let page = records::observations(state, Default::default(), None, 1000).unwrap();
    let mut rows: Vec<_> = page
        .rows
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "scientific_name": r.scientific_name,
                "observation": r.observation,
            })
        })
        .collect();
    rows.sort_by_key(|r| r.to_string());
    rows
}

/// A zip archive of `files` as an exporting tool writes it.
fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, text) in files {
        w.start_file(*name, opts).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The Darwin Core Archives the UI's tests import, by name.
fn archives() -> Vec<(&'static str, Vec<u8>)> {
    let meta = r#"<archive xmlns="http://rs.tdwg.org/dwc/text/"><core rowType="http://rs.tdwg.org/dwc/terms/Occurrence" fieldsTerminatedBy="\t" ignoreHeaderLines="1"><files><location>occurrence.txt</location></files><id index="0"/><field index="1" term="http://rs.tdwg.org/dwc/terms/scientificName"/><field index="2" term="http://rs.tdwg.org/dwc/terms/eventDate"/><field index="3" term="http://rs.tdwg.org/dwc/terms/decimalLatitude"/><field index="4" term="http://rs.tdwg.org/dwc/terms/decimalLongitude"/></core></archive>"#;
    let occurrences = [
        "id\tscientificName\teventDate\tdecimalLatitude\tdecimalLongitude",
        "o1\tMarmota sibirica\t2018-06-01\t49.7\t115.1",
        "o2\tMarmota nomenclatura-nova\t2018-06-01\t49.7\t115.1",
        "o3\tMarmota nomenclatura-nova\t2018-06-02\t49.7\t115.1",
        "o4\tProcapra gutturosa\t2018-13-45\t49.7\t115.1",
    ]
    .join("\n");
    vec![
        (
            "hulun-2018",
            zip(&[("meta.xml", meta), ("occurrence.txt", &occurrences)]),
        ),
        ("not-an-archive", b"hello".to_vec()),
    ]
}

/// For each archive: its bytes, and the report with the sightings it added (each with the
/// scientific name of its taxon, as the mock's own taxa have other ids), or the refusal.
#[test]
fn committed_typescript_bindings_match_the_recorded_archive_imports() {
    let mut out = serde_json::Map::new();
    for (name, bytes) in archives() {
        let (_host, state) = app();
        let entry = match exchange::dwca_import(&state, &bytes, Some(format!("{name}.zip"))) {
            Ok(report) => {
                let rows = sightings(&state);
                serde_json::json!({ "file": b64(&bytes), "report": report, "imported": rows })
            }
            Err(error) => serde_json::json!({ "file": b64(&bytes), "error": error }),
        };
        out.insert(name.to_string(), entry);
    }
    check_committed(
        "ui/src/lib/backend/recorded/archives.json",
        &pretty(out.into()),
        "what the Darwin Core Archive import answers",
    );
}

/// The GPX files the UI's tests import, by name.
fn gpx_files() -> Vec<(&'static str, Vec<u8>)> {
    let day1 = r#"<?xml version="1.0"?><gpx version="1.1" creator="eTrex 32x" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="49.7" lon="115.1"><name>Camp</name></wpt>
  <rte><name>Lake loop</name><rtept lat="50.0" lon="115.0"/><rtept lat="50.0" lon="116.0"/></rte>
  <trk><name>Day 1</name><trkseg>
    <trkpt lat="50.1" lon="115.2"><time>2026-06-02T00:00:00Z</time></trkpt>
    <trkpt lat="50.2" lon="115.2"><time>2026-06-02T02:00:00Z</time></trkpt>
  </trkseg></trk></gpx>
"#;
    vec![
        ("day1", day1.as_bytes().to_vec()),
        ("not-gpx", b"<html></html>".to_vec()),
    ]
}

/// A body as recorded: its survey (an id of the recording store) left for the mock to fill.
fn without_survey(body: dauria_core::model::Body) -> serde_json::Value {
    let mut v = serde_json::to_value(body).unwrap();
    if let Some(s) = v["body"].get_mut("survey") {
        if !s.is_null() {
            *s = "<survey>".into();
        }
    }
    v
}

fn bodies(state: &dauria_app::AppState, ids: &[String]) -> Vec<serde_json::Value> {
    ids.iter()
        .map(|id| {
            let current = records::get_record(state, id.clone()).unwrap().unwrap();
            without_survey(current.body.unwrap())
        })
        .collect()
}

/// For each GPX file: what a survey's import answered, with the routes and visits it made in
/// the order of its summary; and the visits made from its tracks on the Home screen.
#[test]
fn committed_typescript_bindings_match_the_recorded_gpx_imports() {
    let mut out = serde_json::Map::new();
    for (name, bytes) in gpx_files() {
        let (_host, state) = app();
        let survey = records::create_record(
            &state,
            common::body(serde_json::json!({"kind": "survey", "body": {
                "title": "Torey lakes 2026", "region": null, "start_date": null,
                "end_date": null, "status": "draft", "lead": null
            }})),
        )
        .unwrap()
        .id;
        let import = match exchange::gpx_import(&state, &bytes, survey, Some(format!("{name}.gpx")))
        {
            Ok(summary) => {
                let ids: Vec<String> = summary
                    .routes
                    .iter()
                    .chain(&summary.visits)
                    .cloned()
                    .collect();
                let created = bodies(&state, &ids);
                // The ids are the recording store's: the mock answers with its own.
                let mut summary = serde_json::to_value(summary).unwrap();
                for key in ["routes", "visits"] {
                    for (i, id) in summary[key].as_array_mut().unwrap().iter_mut().enumerate() {
                        *id = format!("<{key} {}>", i + 1).into();
                    }
                }
                serde_json::json!({ "summary": summary, "created": created })
            }
            Err(error) => serde_json::json!({ "error": error }),
        };
        let (_host, state) = app();
        let visits = match dauria_app::visits::visit_from_gpx(&state, &bytes, None, None, None) {
            Ok(ids) => serde_json::json!({ "created": bodies(&state, &ids) }),
            Err(error) => serde_json::json!({ "error": error }),
        };
        out.insert(
            name.to_string(),
            serde_json::json!({ "file": b64(&bytes), "import": import, "visits": visits }),
        );
    }
    check_committed(
        "ui/src/lib/backend/recorded/gpx.json",
        &pretty(out.into()),
        "what the GPX imports answer",
    );
}

/// A column mapping (the column per header, as JSON) and whether a bad row stops everything.
type Mapping = (serde_json::Value, bool);

/// A historical CSV with headers nobody guesses all of, and the column mappings the UI's tests
/// import it with.
fn csv_files() -> Vec<(&'static str, &'static str, Vec<Mapping>)> {
    let dauria_2019 = "Species,Wann,N,Latitude,Longitude,Remarks\n\
        Procapra gutturosa,2019-05-02T07:10:00+08:00,120,49.70,115.10,herd at the well\n\
        Canis lupus,2019-05-02T09:00:00+08:00,2,49.71,115.12,\n\
        Unheard-of beast,2019-05-03T10:00:00+08:00,1,49.72,115.13,\n\
        Antigone vipio,2019-05-04T06:00:00+08:00,many,49.73,115.14,\n";
    let all = serde_json::json!(["taxon", "observed_at", "count", "lat", "lon", "notes"]);
    let no_notes = serde_json::json!(["taxon", "observed_at", "count", "lat", "lon", null]);
    vec![(
        "dauria-2019",
        dauria_2019,
        vec![(all.clone(), false), (all, true), (no_notes, false)],
    )]
}

/// For each CSV: its preview, and for each mapping the report with the sightings it added
/// (each with its taxon's scientific name).
#[test]
fn committed_typescript_bindings_match_the_recorded_csv_imports() {
    let mut out = serde_json::Map::new();
    for (name, text, mappings) in csv_files() {
        let bytes = text.as_bytes();
        let preview = exchange::csv_preview(bytes).unwrap();
        let imports: Vec<_> = mappings
            .into_iter()
            .map(|(columns, all_or_nothing)| {
                let (_host, state) = app();
                let report = exchange::csv_import(
                    &state,
                    bytes,
                    Some(columns.to_string()),
                    Some(all_or_nothing.to_string()),
                )
                .unwrap();
                let rows = sightings(&state);
                serde_json::json!({
                    "columns": columns, "all_or_nothing": all_or_nothing,
                    "report": report, "imported": rows,
                })
            })
            .collect();
        out.insert(
            name.to_string(),
            serde_json::json!({ "file": b64(bytes), "preview": preview, "imports": imports }),
        );
    }
    check_committed(
        "ui/src/lib/backend/recorded/csv.json",
        &pretty(out.into()),
        "what the CSV preview and import answer",
    );
}

/// A lab's results file: the samples on the laptop before it is imported (barcode, result,
/// result date), and the column mappings the UI's tests import it with.
struct LabFile {
    name: &'static str,
    text: &'static str,
    samples: &'static [(&'static str, &'static str, Option<&'static str>)],
    mappings: Vec<serde_json::Value>,
}

/// One sample, DAU-2026-0001, waiting for its result.
const ONE_PENDING: &[(&str, &str, Option<&str>)] = &[("DAU-2026-0001", "pending", None)];

fn lab_files() -> Vec<LabFile> {
    vec![
        LabFile {
            name: "results",
            text: "Sample ID,Result,Date tested\n\
                DAU-2026-0001,positive,2026-06-20\n\
                dau-2026-0002,NEG,2026-06-20\n\
                DAU-2026-0003,negative,2026-06-20\n\
                DAU-2026-0099,positive,2026-06-20\n\
                DAU-2026-0002,maybe,2026-06-21\n",
            samples: &[
                ("DAU-2026-0001", "pending", None),
                ("DAU-2026-0002", "pending", None),
                ("DAU-2026-0003", "negative", Some("2026-06-20")),
            ],
            mappings: vec![serde_json::json!(["barcode", "result", "result_date"])],
        },
        LabFile {
            name: "unguessed",
            text: "code,outcome\nX,positive\n",
            samples: &[],
            mappings: vec![],
        },
        LabFile {
            name: "empty",
            text: "",
            samples: &[],
            mappings: vec![],
        },
        LabFile {
            name: "befunde-typo",
            text: "Probe,Befund,Erreger\nDAU-2026-0001,positiv,Yersinia pestis\n",
            samples: ONE_PENDING,
            mappings: vec![serde_json::json!(["barcode", "result", null])],
        },
        LabFile {
            name: "befunde",
            text: "Probe,Befund,Erreger\nDAU-2026-0001,positive,Yersinia pestis\n",
            samples: ONE_PENDING,
            mappings: vec![serde_json::json!(["barcode", "result", "pathogen"])],
        },
        LabFile {
            name: "two-columns",
            text: "Probe,Befund\nDAU-2026-0001,positive\n",
            samples: ONE_PENDING,
            mappings: vec![
                serde_json::json!(["barcode", null]),
                serde_json::json!(["barcode", "barcode"]),
                serde_json::json!(["barcode", "colour"]),
                serde_json::json!(["barcode", "result"]),
            ],
        },
    ]
}

/// For each lab file: its preview, and for each mapping the report (or refusal) with every
/// sample as it is after the import.
#[test]
fn committed_typescript_bindings_match_the_recorded_lab_result_imports() {
    let mut out = serde_json::Map::new();
    for lab in lab_files() {
        let bytes = lab.text.as_bytes();
        let preview = match exchange::lab_results_preview(bytes) {
            Ok(p) => serde_json::json!({ "preview": p }),
            Err(error) => serde_json::json!({ "error": error }),
        };
        let imports: Vec<_> = lab
            .mappings
            .iter()
            .map(|columns| {
                let (_host, state) = app();
                let marmot = records::search_taxa(&state, "Marmota sibirica".into(), 1, None)
                    .unwrap()[0]
                    .id
                    .clone();
                let host = records::create_record(
                    &state,
                    common::sighting(&marmot, 1, 50.0, 115.5, "2026-06-01T07:30:00+09:00"),
                )
                .unwrap()
                .id;
                for (barcode, result, result_date) in lab.samples {
                    records::create_record(
                        &state,
                        common::body(serde_json::json!({"kind": "sample", "body": {
                            "host_observation": host, "sample_type": "blood",
                            "barcode": barcode, "collected_at": "2026-06-01T08:00:00+08:00",
                            "storage": null, "lab": "Chita plague station", "test": "PCR",
                            "pathogen": "Yersinia pestis", "result": result,
                            "result_date": result_date
                        }})),
                    )
                    .unwrap();
                }
                let reply =
                    match exchange::lab_results_import(&state, bytes, Some(columns.to_string())) {
                        Ok(report) => serde_json::json!({ "report": report }),
                        Err(error) => serde_json::json!({ "error": error }),
                    };
                let mut samples: Vec<_> = records::list_records(&state, Kind::Sample)
                    .unwrap()
                    .into_iter()
                    .filter_map(|c| match c.body {
                        Some(dauria_core::model::Body::Sample(s)) => Some(serde_json::json!({
                            "barcode": s.barcode, "result": s.result,
                            "result_date": s.result_date, "test": s.test,
                            "pathogen": s.pathogen, "lab": s.lab,
                        })),
                        _ => None,
                    })
                    .collect();
                samples.sort_by_key(|s| s.to_string());
                serde_json::json!({ "columns": columns, "reply": reply, "samples": samples })
            })
            .collect();
        out.insert(
            lab.name.to_string(),
            serde_json::json!({ "file": b64(bytes), "preview": preview, "imports": imports }),
        );
    }
    check_committed(
        "ui/src/lib/backend/recorded/lab-results.json",
        &pretty(out.into()),
        "what the lab results preview and import answer",
    );
}
