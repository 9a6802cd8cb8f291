//! The TypeScript types of the app's own values (the sync view and events, exports, backups)
//! are generated into `ui/src/lib/bindings/app.ts`; this test fails when that file no longer
//! matches. Run it with `UPDATE_BINDINGS=1` to rewrite the file.

use dauria_app::signatures::app_bindings;
use std::path::PathBuf;

#[test]
fn committed_typescript_bindings_match_the_app_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings/app.ts");
    let fresh = app_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings/app.ts is out of date with the app's Rust types (crates/app). \
         Regenerate it with `UPDATE_BINDINGS=1 cargo nextest run --workspace -E \
         'test(committed_typescript_bindings)'` and commit the result."
    );
}

/// The signature of every command (name, arguments, reply), generated from the command
/// functions into `ui/src/lib/bindings/commands.ts`, which the window's backend calls through.
#[test]
fn committed_typescript_bindings_match_the_command_signatures() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings/commands.ts");
    let fresh = dauria_app::signatures::commands_ts();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings/commands.ts is out of date with the commands of crates/app. \
         Regenerate it with `UPDATE_BINDINGS=1 cargo nextest run --workspace -E \
         'test(committed_typescript_bindings)'` and commit the result."
    );
}

#[test]
fn every_command_is_named_once() {
    let all = dauria_app::signatures::commands();
    let mut names: Vec<_> = all.iter().map(|s| s.name).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "a command is listed twice");
    assert!(n > 80, "only {n} commands");
}
