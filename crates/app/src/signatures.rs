//! The window's side of the contract, generated: the TypeScript types of the app's own values
//! (`ui/src/lib/bindings/app.ts`) and the signature of every command
//! (`ui/src/lib/bindings/commands.ts`). Tests in `tests/bindings.rs` fail when the committed
//! files differ.

use crate::backup::BackupDone;
use crate::exchange::{ExportFormat, Exported};
use crate::sync::{SyncEvent, SyncProgress, SyncTotals, SyncView};
use dauria_core::encryption::LockState;
use dauria_sync::discover::FoundServer;
use dauria_sync::{RejectedOp, SyncStatus};
use ts_rs::{Config, TS};

fn config() -> Config {
    Config::new().with_large_int("number")
}

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// `ui/src/lib/bindings/app.ts`: the types declared by this crate and the sync crate that the
/// window uses.
pub fn app_bindings() -> String {
    let cfg = config();
    let mut out = String::from(
        "// Generated from the Rust types of the app by crates/app/src/signatures.rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo nextest run --workspace -E 'test(committed_typescript_bindings)'`.\n\
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
    decl::<BackupDone>(&cfg, &mut out);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// An argument of a command as the window sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The name in Rust (`parent_rev`); the window sends it in camelCase (`parentRev`), or
    /// for a file command as the header `x-dauria-<name with dashes>`.
    pub name: &'static str,
    /// Its TypeScript type.
    pub ts: String,
    /// An `Option`: it may be left out.
    pub optional: bool,
}

/// One command as the window calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: &'static str,
    pub args: Vec<Arg>,
    /// A file command: the file's bytes are the request's body and the arguments go in
    /// headers (all text).
    pub file: bool,
    /// The TypeScript type of the reply (`ArrayBuffer` for bytes sent as binary IPC).
    pub returns: String,
}

/// What a command answers, as TypeScript: the success type of a [`Reply`], or a value a
/// command answers without failing.
pub trait Returns {
    fn ts(cfg: &Config) -> String;
}

impl<T: TS> Returns for crate::Reply<T> {
    fn ts(cfg: &Config) -> String {
        T::name(cfg)
    }
}

macro_rules! infallible {
    ($($t:ty),*) => {$(
        impl Returns for $t {
            fn ts(cfg: &Config) -> String {
                <$t as TS>::name(cfg)
            }
        }
    )*};
}
infallible!(String, (), LockState);

fn arg<T: TS>(cfg: &Config, name: &'static str) -> Arg {
    let ts = T::name(cfg);
    // ts-rs writes an `Option<T>` as `T | null`.
    let optional = ts.ends_with(" | null");
    Arg { name, ts, optional }
}

fn signature<R: Returns>(
    cfg: &Config,
    name: &'static str,
    args: Vec<Arg>,
    file: bool,
) -> Signature {
    Signature {
        name,
        args,
        file,
        returns: reply(R::ts(cfg)),
    }
}

/// A reply of `()` is nothing to the window.
fn reply(ts: String) -> String {
    if ts == "null" {
        "void".into()
    } else {
        ts
    }
}

/// Builds signatures from the command functions themselves, so each argument's and the
/// reply's type is the function's own (a changed type changes the signature; only the
/// argument names are written out, and the contract test checks them against the shell).
struct Signatures {
    cfg: Config,
    out: Vec<Signature>,
}

use crate::AppState;

impl Signatures {
    fn push(&mut self, s: Signature) {
        self.out.push(s);
    }
    fn s0<R: Returns>(&mut self, name: &'static str, _: fn(&AppState) -> R) {
        let s = signature::<R>(&self.cfg, name, vec![], false);
        self.push(s);
    }
    fn s1<A: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(&AppState, A) -> R,
        n: [&'static str; 1],
    ) {
        let args = vec![arg::<A>(&self.cfg, n[0])];
        let s = signature::<R>(&self.cfg, name, args, false);
        self.push(s);
    }
    fn s2<A: TS, B: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(&AppState, A, B) -> R,
        n: [&'static str; 2],
    ) {
        let args = vec![arg::<A>(&self.cfg, n[0]), arg::<B>(&self.cfg, n[1])];
        let s = signature::<R>(&self.cfg, name, args, false);
        self.push(s);
    }
    fn s3<A: TS, B: TS, C: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(&AppState, A, B, C) -> R,
        n: [&'static str; 3],
    ) {
        let args = vec![
            arg::<A>(&self.cfg, n[0]),
            arg::<B>(&self.cfg, n[1]),
            arg::<C>(&self.cfg, n[2]),
        ];
        let s = signature::<R>(&self.cfg, name, args, false);
        self.push(s);
    }
    /// A command that needs no store.
    fn plain1<A: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(A) -> R,
        n: [&'static str; 1],
    ) {
        let args = vec![arg::<A>(&self.cfg, n[0])];
        let s = signature::<R>(&self.cfg, name, args, false);
        self.push(s);
    }
    /// A file command that needs no store.
    fn file0<R: Returns>(&mut self, name: &'static str, _: fn(&[u8]) -> R) {
        let s = signature::<R>(&self.cfg, name, vec![], true);
        self.push(s);
    }
    fn file1<A: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(&AppState, &[u8], A) -> R,
        n: [&'static str; 1],
    ) {
        let args = vec![arg::<A>(&self.cfg, n[0])];
        let s = signature::<R>(&self.cfg, name, args, true);
        self.push(s);
    }
    fn file2<A: TS, B: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(&AppState, &[u8], A, B) -> R,
        n: [&'static str; 2],
    ) {
        let args = vec![arg::<A>(&self.cfg, n[0]), arg::<B>(&self.cfg, n[1])];
        let s = signature::<R>(&self.cfg, name, args, true);
        self.push(s);
    }
    fn file3<A: TS, B: TS, C: TS, R: Returns>(
        &mut self,
        name: &'static str,
        _: fn(&AppState, &[u8], A, B, C) -> R,
        n: [&'static str; 3],
    ) {
        let args = vec![
            arg::<A>(&self.cfg, n[0]),
            arg::<B>(&self.cfg, n[1]),
            arg::<C>(&self.cfg, n[2]),
        ];
        let s = signature::<R>(&self.cfg, name, args, true);
        self.push(s);
    }
    /// The last command's reply is bytes sent as binary IPC.
    fn binary(&mut self) {
        let last = self.out.last_mut().expect("a command");
        assert_eq!(
            last.returns, "Array<number>",
            "{} does not answer bytes",
            last.name
        );
        last.returns = "ArrayBuffer".into();
    }
    /// A command only the window's shell has (it needs the window itself).
    fn shell<R: TS>(&mut self, name: &'static str, args: Vec<Arg>) {
        self.out.push(Signature {
            name,
            args,
            file: false,
            returns: reply(R::name(&self.cfg)),
        });
    }
}

/// Every command the window may call, with its arguments and reply.
pub fn commands() -> Vec<Signature> {
    use crate::{backup, custody, exchange, monitoring, records, security, sites, sync, visits};
    let cfg = config();
    let mut c = Signatures {
        out: Vec::new(),
        cfg: config(),
    };
    // Only the window's shell: start-up, the bundled basemap, dialogs, printing.
    c.shell::<()>("ui_ready", vec![]);
    c.shell::<String>("basemap_file", vec![arg::<String>(&cfg, "name")]);
    c.out.last_mut().unwrap().returns = "ArrayBuffer".into();
    c.shell::<Option<String>>("print", vec![arg::<Option<String>>(&cfg, "name")]);
    c.shell::<Option<String>>(
        "choose_folder",
        vec![
            arg::<String>(&cfg, "title"),
            arg::<Option<String>>(&cfg, "start"),
        ],
    );
    c.shell::<()>("show_in_folder", vec![arg::<String>(&cfg, "path")]);
    c.shell::<()>("open_log_folder", vec![]);

    c.s0("data_dir", records::data_dir);
    c.s0("log_dir", records::log_dir);
    c.s0("stats", records::stats);
    c.s3(
        "search_taxa",
        records::search_taxa,
        ["query", "limit", "country"],
    );
    c.s1("list_records", records::list_records, ["kind"]);
    c.s1("get_record", records::get_record, ["id"]);
    c.s1("create_record", records::create_record, ["body"]);
    c.s3(
        "update_record",
        records::update_record,
        ["id", "parent_rev", "body"],
    );
    c.s2(
        "delete_record",
        records::delete_record,
        ["id", "parent_rev"],
    );
    c.s2("merge_record", records::merge_record, ["id", "body"]);
    c.s1("record_history", records::record_history, ["id"]);
    c.s1("record_heads", records::record_heads, ["id"]);
    c.s0("conflicts", records::conflicts);
    c.s3(
        "observations",
        records::observations,
        ["filter", "after", "limit"],
    );
    c.s0("sighting_points", records::sighting_points);
    c.binary();
    c.s1("species_summary", records::species_summary, ["site"]);
    c.s1("country_checklist", records::country_checklist, ["country"]);
    c.plain1("parse_position", records::parse_position, ["text"]);
    c.s1("get_setting", records::get_setting, ["key"]);
    c.s2("set_setting", records::set_setting, ["key", "value"]);

    c.s0("sync_status", sync::sync_status);
    c.s0("sync_now", sync::sync_now);
    c.s3(
        "sync_enroll",
        sync::sync_enroll,
        ["server", "code", "fingerprint"],
    );
    c.shell::<Vec<FoundServer>>("sync_discover", vec![]);

    c.s0("store_lock_state", security::store_lock_state);
    c.s1("store_unlock", security::store_unlock, ["passphrase"]);
    c.s1("store_encrypt", security::store_encrypt, ["passphrase"]);
    c.s2(
        "store_change_passphrase",
        security::store_change_passphrase,
        ["old", "new"],
    );
    c.s0("backup_folder", backup::backup_folder);
    c.s1("backup_create", backup::backup_create, ["folder"]);
    c.s1("backup_restore", backup::backup_restore, ["path"]);

    c.s1("survey_progress", exchange::survey_progress, ["survey"]);
    c.s2(
        "survey_budget",
        exchange::survey_budget,
        ["survey", "currency"],
    );
    c.s0("double_bookings", exchange::double_bookings);
    c.s1("schedule", exchange::schedule, ["survey"]);
    c.s0("data_sheets", exchange::data_sheets);
    c.file2("gpx_import", exchange::gpx_import, ["survey", "name"]);
    c.file1("photo_store", exchange::photo_store, ["name"]);
    c.s1("photo_thumbnail", exchange::photo_thumbnail, ["sha"]);
    c.s1("photo_data", exchange::photo_data, ["sha"]);
    c.binary();
    c.s1("photo_fetch", exchange::photo_fetch, ["sha"]);
    c.file0("lab_results_preview", exchange::lab_results_preview);
    c.file1(
        "lab_results_import",
        exchange::lab_results_import,
        ["columns"],
    );
    c.s0("sample_summary", exchange::sample_summary);
    c.file0("csv_preview", exchange::csv_preview);
    c.file2(
        "csv_import",
        exchange::csv_import,
        ["columns", "all_or_nothing"],
    );
    c.file1("dwca_import", exchange::dwca_import, ["name"]);
    c.s2("export_file", exchange::export_file, ["format", "survey"]);
    c.s2("export_table", exchange::export_table, ["name", "csv"]);

    c.s0("shipment_list", custody::shipment_list);
    c.s1("shipment_detail", custody::shipment_detail, ["key"]);
    c.s1("shipment_add", custody::shipment_add, ["input"]);
    c.s2("shipment_send", custody::shipment_send, ["key", "handover"]);
    c.s2(
        "shipment_transfer",
        custody::shipment_transfer,
        ["key", "handover"],
    );
    c.s2(
        "shipment_receive",
        custody::shipment_receive,
        ["key", "receipt"],
    );
    c.s1(
        "shipment_manifest_csv",
        custody::shipment_manifest_csv,
        ["key"],
    );
    c.s1("sample_history", custody::sample_history, ["barcode"]);

    c.s0("visit_open", visits::visit_open);
    c.s1("visit_start", visits::visit_start, ["start"]);
    c.s1("visit_end", visits::visit_end, ["at"]);
    c.s1("visit_list", visits::visit_list, ["survey"]);
    c.file3(
        "visit_from_gpx",
        visits::visit_from_gpx,
        ["survey", "protocol", "observers"],
    );

    c.s2("place_at", sites::place_at, ["lat", "lon"]);
    c.s2("site_save", sites::site_save, ["id", "input"]);
    c.s1("site_delete", sites::site_delete, ["id"]);
    c.s2("site_merge", sites::site_merge, ["keep", "gone"]);
    c.s2("checklist_add", sites::checklist_add, ["country", "taxon"]);
    c.s2(
        "checklist_remove",
        sites::checklist_remove,
        ["country", "taxon"],
    );
    c.s3(
        "taxon_set_name",
        sites::taxon_set_name,
        ["taxon", "locale", "name"],
    );

    c.s1("report_trends", monitoring::report_trends, ["query"]);
    c.s1("report_sites", monitoring::report_sites, ["period"]);
    c.s1(
        "report_prevalence",
        monitoring::report_prevalence,
        ["query"],
    );
    c.s1(
        "report_hosts_by_pathogen",
        monitoring::report_hosts_by_pathogen,
        ["period"],
    );
    c.s1("report_risk", monitoring::report_risk, ["disease"]);
    c.s0("risk_settings", monitoring::risk_settings);
    c.s1(
        "risk_settings_save",
        monitoring::risk_settings_save,
        ["settings"],
    );
    c.s1(
        "risk_settings_reset",
        monitoring::risk_settings_reset,
        ["disease"],
    );
    c.s0(
        "report_country_progress",
        monitoring::report_country_progress,
    );
    c.s0("needs_attention_sites", monitoring::needs_attention_sites);
    c.out
}

/// The names `app.ts` declares (everything else a signature names is in `core.ts`).
fn app_names(cfg: &Config) -> Vec<String> {
    vec![
        RejectedOp::ident(cfg),
        SyncStatus::ident(cfg),
        FoundServer::ident(cfg),
        SyncView::ident(cfg),
        SyncTotals::ident(cfg),
        SyncProgress::ident(cfg),
        SyncEvent::ident(cfg),
        ExportFormat::ident(cfg),
        Exported::ident(cfg),
        LockState::ident(cfg),
        BackupDone::ident(cfg),
    ]
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The type names a TypeScript type expression uses.
fn type_names(ts: &str, out: &mut std::collections::BTreeSet<String>) {
    for word in ts.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
        if word.starts_with(|c: char| c.is_ascii_uppercase())
            && !matches!(word, "Array" | "ArrayBuffer" | "Record" | "Partial")
        {
            out.insert(word.to_string());
        }
    }
}

/// `ui/src/lib/bindings/commands.ts`: a typed function per command over the window's own
/// `invoke` and `send`.
pub fn commands_ts() -> String {
    let cfg = config();
    let all = commands();
    let app = app_names(&cfg);
    let mut used = std::collections::BTreeSet::new();
    for s in &all {
        type_names(&s.returns, &mut used);
        for a in &s.args {
            type_names(&a.ts, &mut used);
        }
    }
    let (from_app, from_core): (Vec<_>, Vec<_>) = used.into_iter().partition(|n| app.contains(n));
    let mut out = String::from(
        "// Generated from the command functions of crates/app by crates/app/src/signatures.rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo nextest run --workspace -E 'test(committed_typescript_bindings)'`.\n",
    );
    out.push_str(&format!(
        "import type {{ {} }} from './app';\n",
        from_app.join(", ")
    ));
    out.push_str(&format!(
        "import type {{ {} }} from './core';\n\n",
        from_core.join(", ")
    ));
    out.push_str(
        "/** Calls a command with its arguments, sent as JSON. */\n\
         export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;\n\
         /** Calls a file command: the file's bytes as the body, its arguments as text headers. */\n\
         export type Send = <T>(command: string, bytes: Uint8Array, headers: Record<string, string | undefined>) => Promise<T>;\n\n\
         /** Every command of the shell, by its name in camelCase. */\n\
         export function commands(invoke: Invoke, send: Send) {\n  return {\n",
    );
    for s in &all {
        let fields = |key: &dyn Fn(&str) -> String, ty: &dyn Fn(&Arg) -> String| {
            s.args
                .iter()
                .map(|a| {
                    format!(
                        "{}{}: {}",
                        key(a.name),
                        if a.optional { "?" } else { "" },
                        ty(a)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let name = camel(s.name);
        let line = if s.file {
            let headers = fields(
                &|n| {
                    let h = n.replace('_', "-");
                    if h.contains('-') {
                        format!("'{h}'")
                    } else {
                        h
                    }
                },
                &|_| "string".into(),
            );
            let headers = if headers.is_empty() {
                "Record<string, never>".to_string()
            } else {
                format!("{{ {headers} }}")
            };
            format!(
                "    {name}: (bytes: Uint8Array, headers: {headers}) => send<{}>('{}', bytes, headers),\n",
                s.returns, s.name
            )
        } else if s.args.is_empty() {
            format!("    {name}: () => invoke<{}>('{}'),\n", s.returns, s.name)
        } else {
            let args = fields(&|n| camel(n), &|a| a.ts.clone());
            format!(
                "    {name}: (args: {{ {args} }}) => invoke<{}>('{}', args),\n",
                s.returns, s.name
            )
        };
        out.push_str(&line);
    }
    out.push_str("  };\n}\n\n/** The typed commands. */\nexport type Commands = ReturnType<typeof commands>;\n");
    out
}
