//! `enroll`, `sync`, `sync status`, `conflicts` and `obs merge`: the sync side of the CLI.

use super::{open, open_existing};
use anyhow::{bail, Context, Result};
use dauria_core::model::Body;
use dauria_core::Store;
use dauria_sync::{HttpTransport, Progress, SyncClient, SyncOptions, Trust};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// `dauria-cli sync [status]`.
#[derive(clap::Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    command: Option<SyncCommand>,
}

#[derive(clap::Subcommand)]
enum SyncCommand {
    /// Show the server, unsent changes, the last success and the last error.
    Status,
}

fn transport(server: &str, trust: &Trust) -> Result<HttpTransport> {
    HttpTransport::with_trust(server, Duration::from_secs(60), trust)
        .with_context(|| format!("cannot set up a connection to {server}"))
}

/// Exchanges a one-time code for this laptop's credential. The server's certificate is
/// trusted by `fingerprint`, by the roots in `ca_file`, or by the public web PKI, and that
/// choice is kept for every later sync.
pub fn enroll(
    dir: &Path,
    server: &str,
    code: &str,
    fingerprint: Option<&str>,
    ca_file: Option<&Path>,
) -> Result<ExitCode> {
    let store = open(dir)?;
    let server = server.trim_end_matches('/');
    let trust = match (fingerprint, ca_file) {
        (Some(fp), _) => Trust::Fingerprint(fp.trim().to_string()),
        (None, Some(ca)) => Trust::CaFile(
            std::path::absolute(ca).with_context(|| format!("cannot use {}", ca.display()))?,
        ),
        (None, None) => Trust::System,
    };
    let t = transport(server, &trust)?;
    let resp = dauria_sync::enroll(&store, &t, server, code)
        .map_err(|e| dauria_sync::explain_tls(&t, e))?;
    dauria_sync::set_trust(&store, &trust)?;
    println!(
        "enrolled as '{}' ({}) with {server}; run `dauria-cli sync` to send and receive changes",
        resp.name,
        resp.role.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// Pushes then pulls, with a progress bar on a terminal and a summary at the end.
pub fn sync(dir: &Path, args: SyncArgs) -> Result<ExitCode> {
    let mut store = open_existing(dir)?;
    if let Some(SyncCommand::Status) = args.command {
        return status(&store);
    }
    let Some(server) = dauria_sync::server_of(&store)? else {
        bail!("this store is not enrolled with a sync server; run `dauria-cli enroll --server URL CODE` with a code from the survey lead");
    };
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Some(b)
    } else {
        None
    };
    let t = transport(&server, &dauria_sync::trust_of(&store)?)?;
    let summary = SyncClient::new(&t, SyncOptions::default()).sync(&mut store, &mut |p| {
        if let Some(b) = &bar {
            match p {
                Progress::Push { done, total } => {
                    b.set_message("sending");
                    b.set_length(total);
                    b.set_position(done);
                }
                Progress::Pull { received } => {
                    b.set_message("received");
                    b.set_length(received);
                    b.set_position(received);
                }
                Progress::Photos { done, total } => {
                    b.set_message("photos");
                    b.set_length(total);
                    b.set_position(done);
                }
            }
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let s = summary.map_err(|e| dauria_sync::explain_tls(&t, e))?;
    println!(
        "sent {} changes ({} already on the server, {} rejected) in {} batches; received {}; {} conflicts to merge",
        s.pushed,
        s.duplicates,
        s.rejected,
        s.batches,
        s.pulled,
        store.conflicts()?.len()
    );
    if s.photos_uploaded > 0 {
        println!(
            "sent {} photos ({} bytes)",
            s.photos_uploaded, s.photo_bytes
        );
    }
    if let Some(e) = &s.photo_error {
        println!("photos not sent this time: {e}");
    }
    if s.rejected > 0 {
        println!("rejected changes are listed by `dauria-cli sync status`");
    }
    Ok(ExitCode::SUCCESS)
}

fn status(store: &Store) -> Result<ExitCode> {
    let st = dauria_sync::status(store)?;
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    println!("server:        {}", or(&st.server, "not enrolled"));
    if let (Some(n), Some(r)) = (&st.device_name, &st.role) {
        println!("enrolled as:   {n} ({r})");
    }
    println!("device:        {}", store.device_id());
    println!("unsent:        {} changes", st.pending_ops);
    println!("last success:  {}", or(&st.last_success, "never"));
    println!("last error:    {}", or(&st.last_error, "none"));
    println!("conflicts:     {}", st.conflicts);
    let (incoming, rejected): (Vec<_>, Vec<_>) =
        st.needs_attention.iter().partition(|r| r.incoming);
    if !rejected.is_empty() {
        println!(
            "needs attention ({} changes the server rejected):",
            rejected.len()
        );
        for r in &rejected {
            println!("  #{} {}: {}", r.device_seq, r.rev_id, r.reason);
        }
    }
    if !incoming.is_empty() {
        println!(
            "needs attention ({} changes from other laptops set aside; tried again after an upgrade):",
            incoming.len()
        );
        for r in &incoming {
            let id = if r.rev_id.is_empty() { "?" } else { &r.rev_id };
            println!(
                "  {id} [{}]: {}",
                r.code.as_deref().unwrap_or("unknown"),
                r.reason
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(body: &Option<Body>) -> String {
    match body {
        None => "deleted".to_string(),
        Some(Body::Observation(o)) => format!(
            "count {} at {}{}",
            o.count.map(|c| c.to_string()).unwrap_or_else(|| format!(
                "{}–{}",
                o.count_min.unwrap_or(0),
                o.count_max.unwrap_or(0)
            )),
            o.observed_at,
            o.notes
                .as_deref()
                .map(|n| format!(", notes: {n}"))
                .unwrap_or_default()
        ),
        Some(b) => serde_json::to_string(b).unwrap_or_default(),
    }
}

/// Lists records in conflict with their heads side by side.
pub fn conflicts(dir: &Path) -> Result<ExitCode> {
    let store = open_existing(dir)?;
    let list = store.conflicts()?;
    if list.is_empty() {
        println!("no conflicts");
        return Ok(ExitCode::SUCCESS);
    }
    for (id, kind) in list {
        println!("{} {id}", kind.as_str());
        for (i, h) in store.heads(&id)?.iter().enumerate() {
            let mark = if i == 0 { "shown" } else { "other" };
            println!(
                "  {mark:<5} {}  by {} at {}: {}",
                h.rev_id,
                h.device_id,
                h.written_at,
                describe(&h.body)
            );
        }
    }
    println!("resolve one with `dauria-cli obs merge ID --take REV_ID` (or --delete)");
    Ok(ExitCode::SUCCESS)
}

/// Resolves a conflict by keeping one head's content (or deleting), as a merge revision.
pub fn merge(store: &mut Store, id: &str, take: Option<&str>, delete: bool) -> Result<()> {
    let heads = store.heads(id)?;
    if heads.len() < 2 {
        bail!("record {id} is not in conflict; nothing to merge");
    }
    let body = match (take, delete) {
        (_, true) => None,
        (Some(rev), false) => {
            let h = heads.iter().find(|h| h.rev_id == rev).with_context(|| {
                format!("{rev} is not one of the heads of {id}; `dauria-cli conflicts` lists them")
            })?;
            if h.body.is_none() {
                bail!("{rev} is a deletion; use --delete to keep the record deleted");
            }
            h.body.clone()
        }
        (None, false) => bail!(
            "choose which version to keep with --take REV_ID (one of: {}) or --delete",
            heads
                .iter()
                .map(|h| h.rev_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let saved = store.merge(id, body.as_ref())?;
    println!("merged {id}: new revision {}", saved.rev_id);
    Ok(())
}
