//! The window's side of the contract, generated from Rust and committed: the TypeScript types
//! of the app's own values (the sync view and events, exports, backups) in
//! `ui/src/lib/bindings/app.ts`, and the signature of every command in
//! `ui/src/lib/bindings/commands.ts`, which the window's backend calls through. These tests
//! fail when a committed file no longer matches; run them with `UPDATE_BINDINGS=1` to rewrite.

mod common;

use common::check_committed;

#[test]
fn committed_typescript_bindings_match_the_app_types() {
    check_committed(
        "ui/src/lib/bindings/app.ts",
        &dauria_app::signatures::app_bindings(),
        "the app's Rust types (crates/app)",
    );
}

#[test]
fn committed_typescript_bindings_match_the_command_signatures() {
    check_committed(
        "ui/src/lib/bindings/commands.ts",
        &dauria_app::signatures::commands_ts(),
        "the command functions of crates/app",
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
