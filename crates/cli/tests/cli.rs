//! `dauria-cli` used as a person would: the real binary against a real store in a temp folder.

use std::path::Path;
use std::process::{Command, Output};

struct Cli {
    dir: tempfile::TempDir,
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dauria-cli"));
    c.env_remove("DAURIA_DATA_DIR");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn describe(args: &[&str], out: &Output) -> String {
    format!(
        "dauria-cli {}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

impl Cli {
    /// A fresh, initialised store.
    fn new() -> Cli {
        let cli = Cli {
            dir: tempfile::tempdir().unwrap(),
        };
        cli.ok(&["init"]);
        cli
    }

    fn run(&self, args: &[&str]) -> Output {
        bin()
            .env("DAURIA_DATA_DIR", self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed and returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "expected success\n{}",
            describe(args, &out)
        );
        text(&out.stdout)
    }

    /// Runs a command that must fail and returns its standard error.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "expected a failure\n{}",
            describe(args, &out)
        );
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error") && !err.contains("panicked") && !err.contains("Error {"),
            "the message should be a plain error for a person\n{}",
            describe(args, &out)
        );
        err
    }

    fn add(&self, args: &[&str]) -> String {
        let mut all = vec!["obs", "add"];
        all.extend_from_slice(args);
        let id = self.ok(&all).trim().to_string();
        assert_eq!(id.len(), 36, "obs add prints the new id, got {id:?}");
        id
    }

    fn list_json(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = vec!["obs", "list", "--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("obs list --format json prints JSON")
    }

    fn observation_count(&self) -> usize {
        self.list_json(&["--limit", "0"]).len()
    }
}

fn field<'a>(row: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &row["observation"][name]
}

#[test]
fn init_creates_a_seeded_store_that_stats_describes() {
    let cli = Cli::new();
    assert!(cli.dir.path().join("dauria.sqlite3").exists());
    let again = cli.ok(&["init"]);
    assert!(
        again.contains("73 taxa, 5 protected areas, 5 sites"),
        "{again}"
    );
    let stats = cli.ok(&["stats"]);
    assert!(stats.contains("taxon") && stats.contains("73"), "{stats}");
    let json: serde_json::Value = serde_json::from_str(&cli.ok(&["stats", "--json"])).unwrap();
    assert_eq!(json["observations"], 0);
}

#[test]
fn data_dir_flag_wins_over_the_environment() {
    let cli = Cli::new();
    let other = tempfile::tempdir().unwrap();
    let out = bin()
        .env("DAURIA_DATA_DIR", cli.dir.path())
        .args(["--data-dir", other.path().to_str().unwrap(), "init"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        describe(&["--data-dir", "...", "init"], &out)
    );
    assert!(other.path().join("dauria.sqlite3").exists());
}

#[test]
fn default_data_dir_is_the_apps_data_folder() {
    let home = tempfile::tempdir().unwrap();
    let out = bin()
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&["init"], &out));
    assert!(home
        .path()
        .join("data/org.cmrc.dauria/dauria.sqlite3")
        .exists());
}

#[test]
fn commands_refuse_a_folder_without_a_store_and_say_to_run_init() {
    let empty = tempfile::tempdir().unwrap();
    let cli = Cli { dir: empty };
    let err = cli.fails(&["stats"]);
    assert!(err.contains("dauria-cli init"), "{err}");
    assert!(
        !cli.dir.path().join("dauria.sqlite3").exists(),
        "a mistyped folder gets no store"
    );
}

#[test]
fn add_reads_decimal_degrees_minutes_and_degrees_minutes_seconds() {
    let cli = Cli::new();
    let cases: [(&str, f64, f64); 5] = [
        ("49.7, 115.1", 49.7, 115.1),
        ("N49 42.000 E115 06.000", 49.7, 115.1),
        ("49°42′N 115°06′E", 49.7, 115.1),
        ("49°42'30\"N 115°6'E", 49.708_333, 115.1),
        ("-33.9, -70.65", -33.9, -70.65),
    ];
    let mut ids = Vec::new();
    for (at, _, _) in &cases {
        ids.push(cli.add(&["--taxon", "Marmota sibirica", "--count", "2", "--at", at]));
    }
    let rows = cli.list_json(&[]);
    for (id, (at, lat, lon)) in ids.iter().zip(cases) {
        let row = rows
            .iter()
            .find(|r| r["id"] == id.as_str())
            .expect("the new observation is listed");
        let (got_lat, got_lon) = (
            field(row, "lat").as_f64().unwrap(),
            field(row, "lon").as_f64().unwrap(),
        );
        assert!(
            (got_lat - lat).abs() < 1e-5 && (got_lon - lon).abs() < 1e-5,
            "{at} was stored as {got_lat}, {got_lon}"
        );
    }
}

#[test]
fn add_finds_the_species_by_any_name_and_the_site_by_name() {
    let cli = Cli::new();
    for name in ["тарбаган", "MARMOTA SIBIRICA", "Монгол тарвага"] {
        cli.add(&["--taxon", name, "--count", "1", "--site", "daursky"]);
    }
    cli.add(&[
        "--taxon",
        "Grus vipio",
        "--min",
        "3",
        "--max",
        "5",
        "--unit",
        "pairs",
        "--site",
        "Daursky",
        "--time",
        "2026-06-01T07:30:00+09:00",
        "--observer",
        "Ivanova",
        "--observer",
        "Li Wei",
        "--notes",
        "feeding in the wet meadow",
    ]);
    let rows = cli.list_json(&[]);
    assert_eq!(rows.len(), 4);
    let crane = rows
        .iter()
        .find(|r| r["scientific_name"] == "Antigone vipio")
        .expect("synonym resolved");
    assert_eq!(field(crane, "count_min"), 3);
    assert_eq!(field(crane, "count_max"), 5);
    assert_eq!(field(crane, "unit"), "pairs");
    assert_eq!(
        field(crane, "observed_at"),
        "2026-06-01T07:30:00+09:00",
        "the time keeps its offset"
    );
    assert_eq!(
        field(crane, "observers"),
        &serde_json::json!(["Ivanova", "Li Wei"])
    );
    assert_eq!(crane["country"], "RU", "the site's country");
    let marmots = rows
        .iter()
        .filter(|r| r["scientific_name"] == "Marmota sibirica")
        .count();
    assert_eq!(marmots, 3);
    // Without --time the observation is stamped now, with an offset.
    let now = field(&rows[0], "observed_at").as_str().unwrap().to_string();
    assert!(chrono_like(&now), "{now}");
}

fn chrono_like(s: &str) -> bool {
    s.len() >= 25 && (s.ends_with("+00:00") || s[19..].starts_with(['+', '-']))
}

#[test]
fn bad_input_is_refused_with_a_message_that_says_what_to_fix() {
    let cli = Cli::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--taxon", "unicorn", "--count", "1", "--at", "49.7, 115.1"],
            "no species on the checklist is called 'unicorn'",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "-2",
                "--at",
                "49.7, 115.1",
            ],
            "a count cannot be negative",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "many",
                "--at",
                "49.7, 115.1",
            ],
            "'many' is not a whole number",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "1",
                "--at",
                "95, 115.1",
            ],
            "latitude 95 is outside -90..90",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "1",
                "--at",
                "somewhere",
            ],
            "Write it as 49.7, 115.1",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "1",
                "--at",
                "49.7, 115.1",
                "--time",
                "2026-06-01 07:30",
            ],
            "like 2026-06-01T07:30:00+08:00",
        ),
        (
            &["--taxon", "Marmota sibirica", "--count", "1"],
            "--site or --at",
        ),
        (
            &["--taxon", "Marmota sibirica", "--at", "49.7, 115.1"],
            "give a count or a minimum and maximum",
        ),
        (&["--count", "1", "--at", "49.7, 115.1"], "name the species"),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "1",
                "--site",
                "Atlantis",
            ],
            "no site is called 'Atlantis'",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--min",
                "9",
                "--max",
                "3",
                "--at",
                "49.7, 115.1",
            ],
            "the maximum 3 is below the minimum 9",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "2",
                "--min",
                "1",
                "--max",
                "3",
                "--at",
                "49.7, 115.1",
            ],
            "cannot be used with",
        ),
        (
            &[
                "--taxon",
                "Marmota sibirica",
                "--count",
                "2",
                "--unit",
                "herds",
                "--at",
                "49.7, 115.1",
            ],
            "not one of individuals, pairs",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["obs", "add"];
        all.extend_from_slice(args);
        let err = cli.fails(&all);
        assert!(
            err.contains(expected),
            "dauria-cli {}\nshould say {expected:?}, said:\n{err}",
            all.join(" ")
        );
    }
    assert_eq!(cli.observation_count(), 0, "nothing bad was saved");
    let err = cli.fails(&["obs", "list", "--country", "US"]);
    assert!(err.contains("not one of CN, MN, RU, KZ"), "{err}");
    let err = cli.fails(&["obs", "list", "--bbox", "115,49,114"]);
    assert!(err.contains("MIN_LON,MIN_LAT,MAX_LON,MAX_LAT"), "{err}");
    let err = cli.fails(&["obs", "list", "--from", "June"]);
    assert!(err.contains("not a date like 2026-06-01"), "{err}");
}

/// Adds a marmot and two wolves at different sites and times; returns their ids.
fn three_sightings(cli: &Cli) -> [String; 3] {
    [
        cli.add(&[
            "--taxon",
            "Marmota sibirica",
            "--count",
            "4",
            "--site",
            "Daursky",
            "--time",
            "2026-06-01T07:30:00+09:00",
            "--observer",
            "Ivanova",
            "--notes",
            "at the colony burrows",
        ]),
        cli.add(&[
            "--taxon",
            "Canis lupus",
            "--count",
            "2",
            "--at",
            "47.9, 118.0",
            "--time",
            "2026-06-03T20:00:00+08:00",
        ]),
        cli.add(&[
            "--taxon",
            "волк",
            "--count",
            "1",
            "--site",
            "Mongol Daguur",
            "--time",
            "2026-07-10T05:00:00+08:00",
        ]),
    ]
}

#[test]
fn list_filters_and_prints_table_csv_and_json() {
    let cli = Cli::new();
    let [marmot, wolf_at, wolf_site] = three_sightings(&cli);
    let table = cli.ok(&["obs", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("id") && lines[0].contains("taxon") && lines[0].contains("site"),
        "{table}"
    );
    assert_eq!(
        lines.len(),
        4,
        "header and three rows, newest first:\n{table}"
    );
    assert!(
        lines[1].starts_with(&wolf_site) && lines[3].starts_with(&marmot),
        "{table}"
    );
    assert!(
        lines[3].contains("Marmota sibirica") && lines[3].contains("Daursky"),
        "{table}"
    );

    let csv = cli.ok(&["obs", "list", "--format", "csv"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    let taxon_col = headers.iter().position(|h| h == "taxon").unwrap();
    assert_eq!(&records[2][taxon_col], "Marmota sibirica");

    let ids = |args: &[&str]| -> Vec<String> {
        cli.list_json(args)
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&["--taxon", "Canis lupus"]),
        vec![wolf_site.clone(), wolf_at.clone()]
    );
    assert_eq!(ids(&["--site", "daursky"]), vec![marmot.clone()]);
    // The wolf logged by coordinates (47.9, 118.0) counts for Mongolia, where the point lies.
    assert_eq!(
        ids(&["--country", "mn"]),
        vec![wolf_site.clone(), wolf_at.clone()]
    );
    assert_eq!(
        ids(&["--from", "2026-06-02", "--to", "2026-06-30"]),
        vec![wolf_at.clone()]
    );
    assert_eq!(
        ids(&["--bbox", "117.5,47.5,118.5,48.5"]),
        vec![wolf_at.clone()]
    );
    assert_eq!(ids(&["--text", "burrows"]), vec![marmot.clone()]);
    assert_eq!(ids(&["--text", "Ivanova"]), vec![marmot.clone()]);
    assert_eq!(ids(&["--limit", "1"]), vec![wolf_site.clone()]);
    let out = cli.run(&["obs", "list", "--limit", "2"]);
    assert!(
        text(&out.stderr).contains("--limit"),
        "says how to see the rest"
    );
    let out = cli.run(&["obs", "list", "--taxon", "Procapra gutturosa"]);
    assert!(out.status.success() && text(&out.stderr).contains("no observations match"));
}

#[test]
fn edit_writes_a_new_revision_and_history_shows_every_one() {
    let cli = Cli::new();
    let [marmot, ..] = three_sightings(&cli);
    let out = cli.ok(&[
        "obs",
        "edit",
        &marmot,
        "--count",
        "7",
        "--notes",
        "recounted",
        "--at",
        "N49 42.000 E115 06.000",
    ]);
    let rev = out
        .split_whitespace()
        .nth(1)
        .expect("edit prints the id and new revision")
        .to_string();
    let row = cli.list_json(&["--site", "Daursky"]).remove(0);
    assert_eq!(row["rev_id"], rev.as_str());
    assert_eq!(field(&row, "count"), 7);
    assert_eq!(field(&row, "notes"), "recounted");
    assert_eq!(
        field(&row, "observers"),
        &serde_json::json!(["Ivanova"]),
        "fields not given are kept"
    );
    assert!((field(&row, "lat").as_f64().unwrap() - 49.7).abs() < 1e-9);
    cli.ok(&["obs", "edit", &marmot, "--min", "5", "--max", "9"]);
    let row = cli.list_json(&["--site", "Daursky"]).remove(0);
    assert_eq!(
        (
            field(&row, "count").is_null(),
            field(&row, "count_min").as_u64()
        ),
        (true, Some(5))
    );

    let history = cli.ok(&["obs", "history", &marmot]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 4, "header and three revisions:\n{history}");
    assert!(
        lines[1].contains("created") && lines[2].contains("edited") && lines[3].contains("edited"),
        "{history}"
    );
    assert!(
        lines[3].contains("head") && !lines[1].contains("head"),
        "{history}"
    );
    assert!(
        lines[1].contains(" 4 ") && lines[2].contains(" 7 ") && lines[3].contains("5-9"),
        "{history}"
    );
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["obs", "history", &marmot, "--format", "json"])).unwrap();
    assert_eq!(json.len(), 3);
    assert_eq!(json[1]["parents"][0], json[0]["rev_id"]);
    assert_eq!(json[1]["rev_id"], rev.as_str());

    let err = cli.fails(&["obs", "edit", &marmot]);
    assert!(err.contains("nothing to change"), "{err}");
    let err = cli.fails(&["obs", "edit", &marmot, "--count", "-1"]);
    assert!(err.contains("cannot be negative"), "{err}");
    let err = cli.fails(&[
        "obs",
        "edit",
        "0190aaaa-0000-7000-8000-000000000000",
        "--count",
        "1",
    ]);
    assert!(
        err.contains("no observation with id") && err.contains("obs list"),
        "{err}"
    );
    let err = cli.fails(&["obs", "history", "nope"]);
    assert!(err.contains("no record with id nope"), "{err}");
}

#[test]
fn delete_hides_the_observation_and_keeps_its_history() {
    let cli = Cli::new();
    let [marmot, wolf, _] = three_sightings(&cli);
    cli.ok(&["obs", "delete", &wolf]);
    let ids: Vec<String> = cli
        .list_json(&[])
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&wolf) && ids.contains(&marmot));
    let history = cli.ok(&["obs", "history", &wolf]);
    assert!(
        history.contains("created") && history.contains("deleted"),
        "{history}"
    );
    let err = cli.fails(&["obs", "delete", &wolf]);
    assert!(err.contains("is deleted"), "{err}");
    let err = cli.fails(&["obs", "edit", &wolf, "--count", "3"]);
    assert!(err.contains("is deleted"), "{err}");
    let stats: serde_json::Value = serde_json::from_str(&cli.ok(&["stats", "--json"])).unwrap();
    assert_eq!(
        (
            stats["observations"].as_u64(),
            stats["pending_ops"].as_u64()
        ),
        (Some(2), Some(4))
    );
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_str().unwrap().to_string()
}

const CSV_WITH_BAD_ROWS: &str = "\
Species,COUNT,Latitude,Longitude,Observed_At,Site,Observers
Тарбаган,3,49.7,115.1,2026-06-01T07:30:00+08:00,,Ivanova; Li Wei
Unicorn,1,49.7,115.1,2026-06-01T07:30:00+08:00,,
Canis lupus,-2,49.7,115.1,2026-06-01T07:30:00+08:00,,
Canis lupus,2,95,115.1,2026-06-01T07:30:00+08:00,,
Canis lupus,2,,,2026-06-01T08:00:00+08:00,Daursky,
Canis lupus,2,49.7,115.1,yesterday,,
";

#[test]
fn import_reports_every_bad_row_and_keeps_the_good_ones() {
    let cli = Cli::new();
    let file = write(cli.dir.path(), "field.csv", CSV_WITH_BAD_ROWS);

    let out = cli.run(&["import", "observations", &file, "--all-or-nothing"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        describe(&["import", "--all-or-nothing"], &out)
    );
    assert!(
        text(&out.stderr).contains("imported nothing"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(cli.observation_count(), 0);

    let out = cli.run(&["import", "observations", &file]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "some rows rejected\n{}",
        describe(&["import"], &out)
    );
    assert!(
        text(&out.stdout).contains("imported 2 of 6 rows"),
        "{}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    for expected in [
        "line 3, column Species: no species on the checklist is called 'Unicorn'",
        "line 4, column COUNT: count -2 is negative",
        "line 5, column Latitude: latitude 95 is outside -90..90",
        "line 7, column Observed_At: 'yesterday' is not a date and time",
    ] {
        assert!(err.contains(expected), "should report {expected:?}:\n{err}");
    }
    assert!(
        !err.contains("iB/") && !err.contains("=>"),
        "no progress bar when stderr is not a terminal:\n{err}"
    );
    let rows = cli.list_json(&[]);
    assert_eq!(rows.len(), 2);
    let marmot = rows
        .iter()
        .find(|r| r["scientific_name"] == "Marmota sibirica")
        .unwrap();
    assert_eq!(
        field(marmot, "observers"),
        &serde_json::json!(["Ivanova", "Li Wei"])
    );

    let good = write(
        cli.dir.path(),
        "good.csv",
        "taxon,count,site,observed_at\nCanis lupus,1,Dalai,2026-06-02T06:00:00+08:00\n",
    );
    let out = cli.ok(&["import", "observations", &good]);
    assert!(out.contains("imported 1 of 1 rows"), "{out}");

    let err = cli.fails(&["import", "observations", "/nonexistent/file.csv"]);
    assert!(err.contains("cannot read /nonexistent/file.csv"), "{err}");
    let headerless = write(cli.dir.path(), "bad.csv", "what,ever\n1,2\n");
    let err = cli.fails(&["import", "observations", &headerless]);
    assert!(err.contains("no 'taxon' column"), "{err}");
}

#[test]
fn export_writes_a_csv_that_import_reads_back() {
    let cli = Cli::new();
    three_sightings(&cli);
    // A lead has set the seeded sensitive-species rules to exact positions, so the marmots
    // leave as they were logged (sensitive species: crates/core/tests/sensitive_exports.rs).
    {
        use dauria_core::model::{Body, Kind, SensitivityAction};
        let mut store = dauria_core::Store::open(cli.dir.path()).unwrap();
        for c in store.list(Kind::SensitivityRule).unwrap() {
            let Some(Body::SensitivityRule(mut r)) = c.body else {
                continue;
            };
            r.action = SensitivityAction::Exact;
            store
                .update(&c.id, &c.rev_id, &Body::SensitivityRule(r))
                .unwrap();
        }
    }
    let file = cli.dir.path().join("out.csv");
    let out = cli.ok(&["export", "observations", file.to_str().unwrap()]);
    assert!(out.contains("exported 3 observations"), "{out}");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("id,taxon,count"), "{csv}");
    assert!(!cli.dir.path().join("out.csv.partial").exists());

    let other = Cli::new();
    let out = other.ok(&["import", "observations", file.to_str().unwrap()]);
    assert!(out.contains("imported 3 of 3 rows"), "{out}");
    let mut a = cli.list_json(&[]);
    let mut b = other.list_json(&[]);
    for rows in [&mut a, &mut b] {
        for r in rows.iter_mut() {
            r["observation"]["photos"] = serde_json::Value::Null;
        }
    }
    // Each imported record names where it came from: the file, and the record's id in it.
    let ids: Vec<&serde_json::Value> = a.iter().map(|r| &r["id"]).collect();
    for r in b.iter_mut() {
        let source = r["observation"]
            .as_object_mut()
            .unwrap()
            .remove("source")
            .expect("an imported record keeps its source");
        assert_eq!(source["dataset"], "out.csv", "{source}");
        assert!(
            ids.contains(&&source["id"]),
            "{source} is not an exported id"
        );
    }
    let strip = |rows: &[serde_json::Value]| -> Vec<serde_json::Value> {
        rows.iter().map(|r| r["observation"].clone()).collect()
    };
    assert_eq!(strip(&a), strip(&b), "the round trip keeps every field");

    let only_wolves = cli.ok(&["export", "observations", "-", "--taxon", "Canis lupus"]);
    assert_eq!(
        only_wolves.lines().count(),
        3,
        "header and two wolves:\n{only_wolves}"
    );
}

#[cfg(unix)]
#[test]
fn output_piped_into_a_reader_that_stops_ends_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let cli = Cli::new();
    let mut csv = String::from("taxon,count,lat,lon,observed_at\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "Canis lupus,{},49.7,115.1,2026-06-01T07:{:02}:00+08:00\n",
            i % 9 + 1,
            i % 60
        ));
    }
    let file = write(cli.dir.path(), "many.csv", &csv);
    cli.ok(&["import", "observations", &file]);
    // As `dauria-cli obs list --limit 0 | head -c 100`: the reader stops after a few bytes.
    let mut child = bin()
        .env("DAURIA_DATA_DIR", cli.dir.path())
        .args(["obs", "list", "--limit", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(text(&first).starts_with("id"), "{}", text(&first));
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "ended by the closed pipe: {:?}",
        out.status
    );
    assert!(
        !text(&out.stderr).contains("panicked"),
        "no panic on a closed pipe: {}",
        text(&out.stderr)
    );
}

#[test]
fn importing_the_same_file_again_adds_nothing_and_says_so() {
    let cli = Cli::new();
    let csv = "occurrenceID,taxon,count,site,observed_at\n\
               urn:dauria:1,Canis lupus,1,Dalai,2026-06-02T06:00:00+08:00\n\
               urn:dauria:2,Canis lupus,3,Dalai,2026-06-03T06:00:00+08:00\n";
    let file = write(cli.dir.path(), "wolves.csv", csv);
    let out = cli.ok(&["import", "observations", &file]);
    assert!(out.contains("imported 2 of 2 rows"), "{out}");
    let out = cli.ok(&["import", "observations", &file]);
    assert!(out.contains("imported 0 of 2 rows"), "{out}");
    assert!(
        out.contains("2 rows already imported from dataset 'wolves.csv'"),
        "{out}"
    );
    assert_eq!(cli.observation_count(), 2);
    // Another dataset is another set of records.
    let out = cli.ok(&[
        "import",
        "observations",
        &file,
        "--dataset",
        "Dalai 2026 copy",
    ]);
    assert!(out.contains("imported 2 of 2 rows"), "{out}");
    assert_eq!(cli.observation_count(), 4);
}
