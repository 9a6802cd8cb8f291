//! Two laptops and a server used through the command lines, as a new user would.

use dauria_system_tests::{cargo_bin, ServerProcess};
use std::path::Path;
use std::process::Command;

fn cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(cargo_bin("dauria-cli", "dauria-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("dauria-cli runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (success, out, err) = cli(dir, args);
    assert!(success, "dauria-cli {args:?} failed: {err}");
    out
}

#[test]
fn enroll_log_sync_conflict_merge_through_the_cli() {
    let sdir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(sdir.path(), None, None, &[]);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // b is the survey lead's laptop: a field laptop changes only the records it created.
    for (dir, name, role) in [
        (a.path(), "Daursky laptop", "field"),
        (b.path(), "Mongol Daguur laptop", "lead"),
    ] {
        ok(dir, &["init"]);
        let (success, _, err) = cli(dir, &["sync"]);
        assert!(!success && err.contains("not enrolled"), "{err}");
        let code = server.enrollment_code(name, role);
        let out = ok(dir, &["enroll", "--server", &server.url(), &code]);
        assert!(out.contains("enrolled as"), "{out}");
    }
    // A plain code never takes over an enrolled laptop; a lead's re-enrollment code does.
    let code = server.enrollment_code("again", "field");
    let (success, _, err) = cli(a.path(), &["enroll", "--server", &server.url(), &code]);
    assert!(
        !success && err.contains("enrolled already") && err.contains("reenroll"),
        "{err}"
    );
    let status = ok(a.path(), &["sync", "status"]);
    let device = status.lines().find(|l| l.starts_with("device:")).unwrap()[15..].trim();
    let code = server.reenrollment_code(device);
    ok(a.path(), &["enroll", "--server", &server.url(), &code]);
    let (success, _, err) = cli(b.path(), &["enroll", "--server", &server.url(), &code]);
    assert!(
        !success && err.contains("already used"),
        "a code works once: {err}"
    );

    let id = ok(
        a.path(),
        &[
            "obs",
            "add",
            "--taxon",
            "тарбаган",
            "--count",
            "4",
            "--at",
            "N49 42.000 E115 06.000",
        ],
    )
    .trim()
    .to_string();
    ok(
        b.path(),
        &[
            "obs",
            "add",
            "--taxon",
            "Otis tarda",
            "--count",
            "2",
            "--site",
            "Dalai",
        ],
    );
    let out = ok(a.path(), &["sync"]);
    assert!(out.contains("sent 1 changes"), "{out}");
    let out = ok(b.path(), &["sync"]);
    assert!(
        out.contains("sent 1 changes") && out.contains("received 1"),
        "{out}"
    );
    ok(a.path(), &["sync"]);
    let list = ok(b.path(), &["obs", "list", "--format", "csv"]);
    assert!(list.contains(&id), "b received a's sighting: {list}");

    ok(a.path(), &["obs", "edit", &id, "--count", "5"]);
    ok(b.path(), &["obs", "edit", &id, "--count", "6"]);
    ok(a.path(), &["sync"]);
    let out = ok(b.path(), &["sync"]);
    assert!(out.contains("1 conflicts"), "{out}");
    ok(a.path(), &["sync"]);
    for dir in [a.path(), b.path()] {
        let c = ok(dir, &["conflicts"]);
        assert!(
            c.contains(&id) && c.contains("count 5") && c.contains("count 6"),
            "{c}"
        );
    }
    let (success, _, err) = cli(b.path(), &["obs", "merge", &id]);
    assert!(!success && err.contains("--take"), "{err}");
    let heads = ok(b.path(), &["conflicts"]);
    let take = heads
        .lines()
        .find(|l| l.contains("count 6"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    ok(b.path(), &["obs", "merge", &id, "--take", &take]);
    ok(b.path(), &["sync"]);
    ok(a.path(), &["sync"]);
    for dir in [a.path(), b.path()] {
        assert_eq!(ok(dir, &["conflicts"]).trim(), "no conflicts");
        let json = ok(dir, &["obs", "list", "--format", "json"]);
        assert!(
            json.contains("\"count\": 6") || json.contains("\"count\":6"),
            "{json}"
        );
    }
    let status = ok(a.path(), &["sync", "status"]);
    assert!(
        status.contains("unsent:        0") && status.contains("last error:    none"),
        "{status}"
    );
    assert!(server
        .store()
        .revoke(&status.lines().find(|l| l.starts_with("device:")).unwrap()[15..])
        .unwrap());
    ok(
        a.path(),
        &[
            "obs",
            "add",
            "--taxon",
            "Canis lupus",
            "--count",
            "1",
            "--at",
            "49.7, 115.1",
        ],
    );
    let (success, _, err) = cli(a.path(), &["sync"]);
    assert!(!success && err.contains("revoked"), "{err}");
    assert!(
        ok(a.path(), &["obs", "list"]).contains("Canis lupus"),
        "local data intact"
    );
}
