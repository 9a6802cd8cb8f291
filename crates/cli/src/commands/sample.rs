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
    /// A sample's full custody history: collection, shipments, every change of hands and what
    /// the receiving lab found.
    History {
        barcode: String,
        #[arg(long, value_enum, default_value_t = super::Format::Table)]
        format: super::Format,
    },
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
        SampleCommand::History { barcode, format } => {
            let h = dauria_core::custody::sample_history(&store, &barcode)?;
            if format == super::Format::Json {
                println!("{}", serde_json::to_string_pretty(&h)?);
                return Ok(ExitCode::SUCCESS);
            }
            use dauria_core::custody::word;
            let rows: Vec<Vec<String>> = h
                .entries
                .iter()
                .map(|e| {
                    vec![
                        e.at.clone(),
                        e.event.clone(),
                        e.shipment_reference.clone().unwrap_or_default(),
                        e.from_person.clone().unwrap_or_default(),
                        e.to_person.clone().unwrap_or_default(),
                        e.place.clone().unwrap_or_default(),
                        e.condition.map(|c| word(&c)).unwrap_or_default(),
                        e.temperature_c.map(|c| c.to_string()).unwrap_or_default(),
                        e.receipt.map(|r| word(&r)).unwrap_or_default(),
                    ]
                })
                .collect();
            if format == super::Format::Csv {
                let mut w = csv::Writer::from_writer(std::io::stdout());
                w.write_record([
                    "at",
                    "event",
                    "shipment",
                    "from",
                    "to",
                    "place",
                    "condition",
                    "temperature_c",
                    "receipt",
                ])?;
                for r in &rows {
                    w.write_record(r)?;
                }
                w.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} ({}, {})",
                h.sample.barcode, h.sample.sample_type, h.sample_id
            );
            print!(
                "{}",
                crate::output::table(
                    &[
                        "at",
                        "event",
                        "shipment",
                        "from",
                        "to",
                        "place",
                        "condition",
                        "°C",
                        "receipt"
                    ],
                    &rows
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
