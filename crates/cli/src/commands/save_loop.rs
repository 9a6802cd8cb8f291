//! A hidden command for the crash-safety test: saves observations one transaction at a time and
//! reports each only after its commit returned, so a test can kill it and check nothing reported
//! was lost.

use anyhow::Result;
use dauria_core::model::{Body, CountUnit, Observation};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Stop after this many saves (default: until killed).
    #[arg(long)]
    count: Option<u64>,
}

/// Creates observations (and edits every third one) printing `committed ID REV_ID DEVICE_SEQ`.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let mut store = super::open(dir)?;
    let taxon = store.taxon_index()?.resolve("Marmota sibirica")?;
    let mut out = std::io::stdout().lock();
    let mut last: Option<(String, String)> = None;
    let mut n: u64 = 0;
    while args.count.is_none_or(|c| n < c) {
        let body = Body::Observation(Observation {
            visit: None,
            site: None,
            taxon: Some(taxon.clone()),
            taxon_name: None,
            count: Some((n % 40) as u32 + 1),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: Some(49.7 + (n % 100) as f64 * 0.001),
            lon: Some(115.1),
            uncertainty_m: Some(10.0),
            observed_at: "2026-06-01T07:30:00+08:00".to_string(),
            observers: vec!["Crash Test".to_string()],
            detection_method: Some("visual".to_string()),
            notes: Some(format!("save {n}")),
            photos: Vec::new(),
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        });
        let saved = match &last {
            Some((id, rev)) if n % 3 == 2 => store.update(id, rev, &body)?,
            _ => store.create(&body)?,
        };
        // Written only after the commit returned: every line is a promise the store must keep.
        writeln!(
            out,
            "committed {} {} {}",
            saved.id, saved.rev_id, saved.device_seq
        )?;
        out.flush()?;
        last = Some((saved.id, saved.rev_id));
        n += 1;
    }
    Ok(ExitCode::SUCCESS)
}
