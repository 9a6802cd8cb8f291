//! `dauria-cli backup` and `restore` on the real binary: a backup put back after more work, and
//! a damaged backup refused with nothing changed.

mod common;
use common::Cli;

fn count(cli: &Cli) -> usize {
    let v: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["obs", "list", "--format", "json"])).unwrap();
    v.len()
}

fn add(cli: &Cli, n: &str) {
    cli.ok(&[
        "obs",
        "add",
        "--taxon",
        "Otis tarda",
        "--count",
        n,
        "--at",
        "49.7, 115.1",
    ]);
}

#[test]
fn a_backup_is_put_back_and_a_damaged_one_changes_nothing() {
    let cli = Cli::new();
    add(&cli, "1");
    add(&cli, "2");
    let backups = tempfile::tempdir().unwrap();
    let dest = backups.path().join("monday");
    let out = cli.ok(&["backup", dest.to_str().unwrap()]);
    assert!(out.contains("Backed up"), "{out}");
    let again = cli.fails(&["backup", dest.to_str().unwrap()]);
    assert!(again.contains("not empty"), "{again}");
    add(&cli, "3");
    assert_eq!(count(&cli), 3);

    // A damaged backup is refused and the store is left as it is.
    let bad = backups.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("dauria.sqlite3"), b"not a database at all").unwrap();
    let err = cli.fails(&["restore", bad.to_str().unwrap()]);
    assert!(
        err.contains("cannot be read") || err.contains("damaged"),
        "{err}"
    );
    assert_eq!(count(&cli), 3, "nothing changed");

    let out = cli.ok(&["restore", dest.to_str().unwrap()]);
    assert!(out.contains("Restored"), "{out}");
    assert_eq!(count(&cli), 2, "back to the backup");
    assert!(cli
        .dir
        .path()
        .join("dauria.sqlite3.before-restore")
        .exists());
}
