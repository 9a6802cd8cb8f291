//! `dauria-cli sample ...`: disease samples, lab results and their summary.

use anyhow::{Context, Result};
use dauria_core::model::{Body, Sample, SampleResult};
use dauria_core::samples::{import_lab_results, summarize_results};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SampleCommand {
    /// Record a sample taken from a host observation; prints the new id.
    Add {
        /// The host observation's id.
        #[arg(long, value_name = "OBS_ID")]
        host: String,
        /// blood, tissue, swab, faeces, ectoparasite pool, ...
        #[arg(long = "type", value_name = "TYPE")]
        sample_type: String,
        #[arg(long)]
        barcode: String,
        /// When it was taken, RFC 3339 with offset (2026-06-01T07:30:00+08:00).
        #[arg(long, value_name = "TIME")]
        collected_at: String,
        #[arg(long)]
        storage: Option<String>,
        #[arg(long)]
        lab: Option<String>,
        #[arg(long)]
        test: Option<String>,
        /// The target pathogen.
        #[arg(long)]
        pathogen: Option<String>,
    },
    /// Import laboratory results from CSV (barcode, result, and optionally result_date, test,
    /// pathogen, lab; header names case-insensitive), matched to samples by barcode. Rows whose
    /// barcode matches no sample are listed. Exit status 2 when some rows were not used.
    ImportResults {
        /// The CSV file.
        file: PathBuf,
    },
    /// Results counted by site, host species and pathogen.
    Summary,
}

/// Runs a `sample` subcommand.
pub fn run(dir: &Path, cmd: SampleCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        SampleCommand::Add {
            host,
            sample_type,
            barcode,
            collected_at,
            storage,
            lab,
            test,
            pathogen,
        } => {
            let saved = store.create(&Body::Sample(Sample {
                host_observation: host,
                sample_type,
                barcode,
                collected_at,
                storage,
                lab,
                test,
                pathogen,
                result: SampleResult::Pending,
                result_date: None,
            }))?;
            println!("{}", saved.id);
        }
        SampleCommand::ImportResults { file } => {
            let f = File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let r = import_lab_results(&mut store, BufReader::new(f))
                .with_context(|| format!("cannot import {}", file.display()))?;
            for e in &r.errors {
                eprintln!("line {}, column {}: {}", e.line, e.column, e.reason);
            }
            for u in &r.unmatched {
                eprintln!("line {}: no sample has barcode {}", u.line, u.barcode);
            }
            println!(
                "{} rows: {} samples updated, {} already up to date, {} unmatched, {} with problems",
                r.rows,
                r.updated,
                r.unchanged,
                r.unmatched.len(),
                r.errors.len()
            );
            if !r.errors.is_empty() || !r.unmatched.is_empty() {
                return Ok(ExitCode::from(super::transfer::SOME_ROWS_REJECTED));
            }
        }
        SampleCommand::Summary => {
            let rows: Vec<Vec<String>> = summarize_results(&store)?
                .into_iter()
                .map(|r| {
                    vec![
                        r.site_name.unwrap_or_else(|| "(no site)".into()),
                        r.host_name.unwrap_or_else(|| "(unknown host)".into()),
                        r.pathogen.unwrap_or_default(),
                        r.positive.to_string(),
                        r.negative.to_string(),
                        r.inconclusive.to_string(),
                        r.pending.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                crate::output::table(
                    &[
                        "site",
                        "host",
                        "pathogen",
                        "positive",
                        "negative",
                        "inconclusive",
                        "pending"
                    ],
                    &rows
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
