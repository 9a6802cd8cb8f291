//! `dauria-cli site` and `dauria-cli checklist` used as a person would: the real binary against
//! a real store in a temporary folder.

use std::process::{Command, Output};

struct Cli {
    dir: tempfile::TempDir,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Cli {
    fn new() -> Cli {
        let cli = Cli {
            dir: tempfile::tempdir().unwrap(),
        };
        cli.ok(&["init"]);
        cli
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
            .env("DAURIA_DATA_DIR", self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "dauria-cli {} failed\nstdout:\n{}\nstderr:\n{}",
            args.join(" "),
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "dauria-cli {} should have failed\nstdout:\n{}",
            args.join(" "),
            text(&out.stdout)
        );
        text(&out.stderr)
    }

    fn sites(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["site", "list", "--format", "json"])).unwrap()
    }

    fn site(&self, name: &str) -> serde_json::Value {
        self.sites()
            .into_iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no site {name} in the list"))
    }
}

#[test]
fn sites_are_added_moved_merged_and_deleted_from_the_command_line() {
    let cli = Cli::new();
    let seeded = cli.sites().len();

    // Either side of the Argun (China–Russia) and of the Mongolia–Russia border.
    let out = cli.ok(&[
        "site",
        "add",
        "--name",
        "Argun ford RU",
        "--at",
        "50.1 119.26",
        "--habitat",
        "floodplain",
        "--uncertainty",
        "30",
    ]);
    assert!(out.contains("\tRU"), "{out}");
    cli.ok(&[
        "site",
        "add",
        "--name",
        "Argun ford CN",
        "--at",
        "50.1, 119.40",
    ]);
    cli.ok(&[
        "site",
        "add",
        "--name",
        "Ulz steppe",
        "--at",
        "49°50'N 115°30'E",
    ]);
    cli.ok(&[
        "site",
        "add",
        "--name",
        "Torey shore",
        "--at",
        "50.1 115.65",
    ]);
    assert_eq!(cli.site("Argun ford RU")["country"], "RU");
    assert_eq!(cli.site("Argun ford RU")["habitat"], "floodplain");
    assert_eq!(cli.site("Argun ford CN")["country"], "CN");
    assert_eq!(cli.site("Ulz steppe")["country"], "MN");
    assert_eq!(
        cli.site("Torey shore")["reserve"],
        "Daursky State Nature Biosphere Reserve"
    );
    assert_eq!(cli.sites().len(), seeded + 4);

    // Moving a site across the border changes its country, and its sightings' too.
    cli.ok(&[
        "obs",
        "add",
        "--taxon",
        "Canis lupus",
        "--count",
        "1",
        "--site",
        "Argun ford RU",
        "--time",
        "2026-06-01T08:00:00+09:00",
    ]);
    cli.ok(&["site", "edit", "Argun ford RU", "--at", "50.1 119.40"]);
    assert_eq!(cli.site("Argun ford RU")["country"], "CN");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["obs", "list", "--format", "json"])).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].to_string().contains("\"CN\""),
        "the sighting's country did not follow its site: {}",
        rows[0]
    );

    // A used site is not deleted; merged, its sighting moves and it is gone.
    let err = cli.fails(&["site", "delete", "Argun ford RU"]);
    assert!(err.contains("merge it into another site"), "{err}");
    let out = cli.ok(&["site", "merge", "Argun ford RU", "--into", "Argun ford CN"]);
    assert!(out.contains("1 sightings"), "{out}");
    assert!(!cli.sites().iter().any(|s| s["name"] == "Argun ford RU"));
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["obs", "list", "--format", "json"])).unwrap();
    assert!(rows[0].to_string().contains("Argun ford CN"), "{}", rows[0]);

    cli.ok(&["site", "delete", "Ulz steppe"]);
    assert_eq!(cli.sites().len(), seeded + 2);
}

#[test]
fn bad_sites_are_refused_with_the_reason_and_nothing_changes() {
    let cli = Cli::new();
    let before = cli.sites();
    let err = cli.fails(&["site", "add", "--name", "", "--at", "50 115"]);
    assert!(err.contains("name"), "{err}");
    let err = cli.fails(&["site", "add", "--name", "Nowhere", "--at", "95 115"]);
    assert!(err.contains("lat"), "{err}");
    let err = cli.fails(&["site", "add", "--name", "At sea", "--at", "40 130.5"]);
    assert!(
        err.contains("not in China, Mongolia, Russia or Kazakhstan"),
        "{err}"
    );
    let err = cli.fails(&["site", "edit", "no such site", "--name", "x"]);
    assert!(err.contains("no site is called"), "{err}");
    assert_eq!(cli.sites(), before);
}

#[test]
fn a_lead_edits_kazakhstans_checklist_from_the_command_line() {
    let cli = Cli::new();
    let before = cli.ok(&["checklist", "show", "--country", "KZ", "--format", "csv"]);
    assert!(before.contains("Otis tarda"), "{before}");
    assert!(!before.contains("Marmota sibirica"));
    cli.ok(&["checklist", "add", "--country", "KZ", "--taxon", "тарбаган"]);
    cli.ok(&[
        "checklist",
        "name",
        "--taxon",
        "Marmota sibirica",
        "--locale",
        "kk",
        "--name",
        "Тарбаған",
    ]);
    let after = cli.ok(&["checklist", "show", "--country", "kz", "--format", "csv"]);
    assert!(after.contains("Marmota sibirica"), "{after}");
    assert!(after.contains("Тарбаған"), "{after}");
    let err = cli.fails(&[
        "checklist",
        "add",
        "--country",
        "KZ",
        "--taxon",
        "Marmota sibirica",
    ]);
    assert!(err.contains("already on the KZ checklist"), "{err}");
    let err = cli.fails(&[
        "checklist",
        "add",
        "--country",
        "KZ",
        "--taxon",
        "Unicornis fabulosa",
    ]);
    assert!(err.to_lowercase().contains("unicornis"), "{err}");
    let err = cli.fails(&[
        "checklist",
        "add",
        "--country",
        "FR",
        "--taxon",
        "Canis lupus",
    ]);
    assert!(err.contains("not one of CN, MN, RU, KZ"), "{err}");
    cli.ok(&[
        "checklist",
        "remove",
        "--country",
        "KZ",
        "--taxon",
        "Marmota sibirica",
    ]);
    let last = cli.ok(&["checklist", "show", "--country", "KZ", "--format", "csv"]);
    assert!(!last.contains("Marmota sibirica"));
}
