//! `dauria-cli stats`: what the store holds.

use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of aligned text.
    #[arg(long)]
    json: bool,
}

/// Prints counts per kind, revisions, pending ops, conflicts and the size on disk.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let store = super::open_existing(dir)?;
    let s = store.stats()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("data folder      {}", dir.display());
    println!("device           {}", s.device_id);
    for (kind, n) in &s.records {
        if *n > 0 {
            println!("{:<16} {n}", kind.as_str());
        }
    }
    println!("revisions        {}", s.revisions);
    println!("not yet synced   {}", s.pending_ops);
    println!("conflicts        {}", s.conflicts);
    println!(
        "size on disk     {:.1} MiB",
        s.size_bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(ExitCode::SUCCESS)
}
