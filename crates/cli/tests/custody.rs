//! `dauria-cli shipment ...` and `dauria-cli sample history`: the real binary on a store in a
//! temporary folder, a scanner's barcodes given on standard input.

mod common;
use common::{text, Cli};
use std::io::Write;
use std::process::{Command, Stdio};

fn three_samples(cli: &Cli) {
    let host = cli.id(&[
        "obs",
        "add",
        "--taxon",
        "Marmota sibirica",
        "--count",
        "1",
        "--at",
        "49.91, 115.23",
        "--time",
        "2026-06-01T07:30:00+08:00",
    ]);
    for b in ["MN-0001", "MN-0002", "MN-0003"] {
        cli.id(&[
            "sample",
            "add",
            "--host",
            &host,
            "--type",
            "blood",
            "--barcode",
            b,
            "--collected-at",
            "2026-06-01T08:00:00+08:00",
        ]);
    }
}

#[test]
fn a_shipment_is_packed_sent_received_by_scanning_and_each_sample_has_its_history() {
    let cli = Cli::new();
    three_samples(&cli);
    let reference = cli
        .ok(&[
            "shipment",
            "add",
            "--sample",
            "MN-0001",
            "--sample",
            "MN-0002",
            "--sample",
            "MN-0003",
            "--from",
            "Mongol Daguur station",
            "--to",
            "NCZD Ulaanbaatar",
            "--carrier",
            "MIAT cargo",
            "--cold-chain",
            "frozen",
            "--packed-on",
            "2026-06-02",
        ])
        .trim()
        .to_string();
    assert!(reference.starts_with("SHP-20260602-"), "{reference}");
    cli.ok(&[
        "shipment",
        "send",
        &reference,
        "--at",
        "2026-06-02T09:00:00+08:00",
        "--from",
        "B. Bold",
        "--to",
        "MIAT cargo desk",
        "--place",
        "Choibalsan airport",
        "--temperature",
        "-21.5",
    ]);
    let shown = cli.ok(&["shipment", "list"]);
    assert!(
        shown.contains(&reference) && shown.contains("in_transit"),
        "{shown}"
    );

    // The lab's scanner types each code and Enter; MN-0002 is scanned twice, MN-0003 never.
    let args = [
        "shipment",
        "receive",
        &reference,
        "--at",
        "2026-06-03T11:00:00+08:00",
        "--from",
        "MIAT cargo desk",
        "--to",
        "Dr. O. Tsend",
        "--place",
        "NCZD reception",
        "--temperature",
        "-18",
        "--scans-from",
        "-",
        "--damaged",
        "MN-0002",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
        .env("DAURIA_DATA_DIR", cli.dir.path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"MN-0001\nMN-0002\nmn-0002\nXX-404\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 received, 1 damaged, 1 missing, 1 extra (1 repeated scans)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("missing: MN-0003") && stderr.contains("extra: XX-404"),
        "{stderr}"
    );

    let csv_text = cli.ok(&["shipment", "show", &reference, "--format", "csv"]);
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let receipts: Vec<(String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[7].to_string(), r[11].to_string())
        })
        .collect();
    assert_eq!(
        receipts,
        vec![
            ("MN-0001".to_string(), "received".to_string()),
            ("MN-0002".into(), "damaged".into()),
            ("MN-0003".into(), "missing".into()),
            ("XX-404".into(), "extra".into()),
        ]
    );

    let history: serde_json::Value =
        serde_json::from_str(&cli.ok(&["sample", "history", "mn-0002", "--format", "json"]))
            .unwrap();
    let events: Vec<(&str, &str)> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap(),
                e["receipt"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        vec![("collected", ""), ("sent", ""), ("received", "damaged")]
    );
    let table = cli.ok(&["sample", "history", "MN-0002"]);
    assert!(
        table.contains("Choibalsan airport") && table.contains("-21.5"),
        "{table}"
    );

    // A received shipment takes no more transfers.
    let err = cli.fails(&[
        "shipment",
        "send",
        &reference,
        "--at",
        "2026-06-04T09:00:00+08:00",
        "--to",
        "x",
    ]);
    assert!(err.contains("has been received"), "{err}");
}

#[test]
fn unknown_barcodes_and_shipments_are_refused_with_what_to_fix() {
    let cli = Cli::new();
    three_samples(&cli);
    let err = cli.fails(&[
        "shipment",
        "add",
        "--sample",
        "MN-0001",
        "--sample",
        "MN-9999",
        "--from",
        "a",
        "--to",
        "b",
        "--cold-chain",
        "chilled",
    ]);
    assert!(err.contains("no sample has barcode MN-9999"), "{err}");
    assert!(!cli.ok(&["shipment", "list"]).contains("SHP-"));
    let err = cli.fails(&["shipment", "show", "SHP-NOPE"]);
    assert!(err.contains("no shipment SHP-NOPE"), "{err}");
    let err = cli.fails(&["sample", "history", "MN-9999"]);
    assert!(err.contains("no sample has barcode MN-9999"), "{err}");
}
