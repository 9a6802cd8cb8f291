//! The TypeScript types of the shell's own values (the sync view and events) are generated into
//! `ui/src/lib/bindings/app.ts`; this test fails when that file no longer matches. Run it with
//! `UPDATE_BINDINGS=1` to rewrite the file.

use crate::exchange::{ExportFormat, Exported};
use crate::sync::{SyncEvent, SyncProgress, SyncTotals, SyncView};
use dauria_core::encryption::LockState;
use dauria_sync::discover::FoundServer;
use dauria_sync::{RejectedOp, SyncStatus};
use std::path::PathBuf;
use ts_rs::{Config, TS};

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

fn generate() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types of the desktop shell by src-tauri/bindings.rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p dauria bindings`.\n\
         import type { ErrorPayload } from './core';\n\n",
    );
    decl::<RejectedOp>(&cfg, &mut out);
    decl::<SyncStatus>(&cfg, &mut out);
    decl::<FoundServer>(&cfg, &mut out);
    decl::<SyncView>(&cfg, &mut out);
    decl::<SyncTotals>(&cfg, &mut out);
    decl::<SyncProgress>(&cfg, &mut out);
    decl::<SyncEvent>(&cfg, &mut out);
    decl::<ExportFormat>(&cfg, &mut out);
    decl::<Exported>(&cfg, &mut out);
    decl::<LockState>(&cfg, &mut out);
    decl::<crate::backup::BackupDone>(&cfg, &mut out);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn committed_typescript_bindings_match_the_shell_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings/app.ts");
    let fresh = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings/app.ts is out of date with the shell's Rust types (src-tauri/sync.rs). \
         Regenerate it with `UPDATE_BINDINGS=1 cargo test -p dauria bindings` and commit the result."
    );
}
