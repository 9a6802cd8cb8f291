//! `dauria-cli import ...` and `dauria-cli export ...`: CSV in and out.

use super::obs::FilterArgs;
use anyhow::{Context, Result};
use dauria_core::import::{export_observations, import_observations_from, ImportOptions};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code when the valid rows were imported but some rows were rejected.
pub const SOME_ROWS_REJECTED: u8 = 2;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Import observations from a CSV file.
    ///
    /// Header names are matched case-insensitively (taxon/species/scientificName, count,
    /// count_min, count_max, unit, site, lat/latitude, lon/longitude or position,
    /// uncertainty_m, observed_at/eventDate, observers (separated by `;`), detection_method,
    /// behaviour, notes). Every bad row is reported with its line, column and reason. The valid
    /// rows are written in one transaction; with --all-or-nothing, none are written if any row
    /// is bad. Exit status: 0 all rows imported, 2 valid rows imported and some rejected,
    /// 1 nothing imported.
    ///
    /// The encoding (UTF-8 with or without a byte-order mark, Windows-1251, GB18030), the
    /// separator (`,` or `;`) and decimal commas are detected. Importing the same file again
    /// adds nothing: rows are known by occurrenceID/catalogNumber, the `id` of an export, or
    /// their content, within the dataset (the file name unless --dataset is given).
    #[command(verbatim_doc_comment)]
    Observations {
        /// The CSV file.
        file: PathBuf,
        /// Import nothing if any row is bad.
        #[arg(long)]
        all_or_nothing: bool,
        /// The dataset the rows belong to (default: the file name).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Import occurrences from a Darwin Core Archive (occurrence core, or event core with an
    /// occurrence extension). Names not on the checklist are imported as free text and listed.
    Dwca(super::dwca::ImportArgs),
}

#[derive(clap::Subcommand)]
pub enum ExportCommand {
    /// Export observations to a CSV file in the format `import observations` reads.
    Observations {
        /// The CSV file to write (`-` for standard output).
        file: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Export a Darwin Core Archive: visits as events, sightings as occurrences, sample results
    /// as measurements, pathogen results linked to their hosts, with EML metadata.
    Dwca(super::dwca::ExportArgs),
}

/// Runs an `import` subcommand.
pub fn import(dir: &Path, cmd: ImportCommand) -> Result<ExitCode> {
    let (file, all_or_nothing, dataset) = match cmd {
        ImportCommand::Observations {
            file,
            all_or_nothing,
            dataset,
        } => (file, all_or_nothing, dataset),
        ImportCommand::Dwca(args) => return super::dwca::import(dir, args),
    };
    let mut store = super::open_existing(dir)?;
    let f = File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} importing {bytes}/{total_bytes} [{bar:40}] {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let dataset = dataset.unwrap_or_else(|| {
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let report = import_observations_from(
        &mut store,
        BufReader::with_capacity(1 << 16, f),
        &dataset,
        ImportOptions {
            all_or_nothing,
            ..ImportOptions::default()
        },
        |bytes| {
            if let Some(b) = &bar {
                b.set_position(bytes);
            }
        },
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report.with_context(|| format!("cannot import {}", file.display()))?;
    for e in &report.errors {
        if e.column.is_empty() {
            eprintln!("line {}: {}", e.line, e.reason);
        } else {
            eprintln!("line {}, column {}: {}", e.line, e.column, e.reason);
        }
    }
    let bad_rows = {
        let mut lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    };
    if report.rolled_back {
        eprintln!(
            "imported nothing: {} of {} have problems (listed above) and --all-or-nothing was \
             given; fix those rows and import the file again",
            rows(bad_rows as u64),
            report.rows
        );
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "imported {} of {} rows from {}",
        report.imported,
        report.rows,
        file.display()
    );
    if report.already_imported > 0 {
        println!(
            "{} already imported from dataset '{dataset}', not added again",
            rows(report.already_imported)
        );
    }
    if bad_rows > 0 {
        eprintln!(
            "{} not imported (listed above); fix them and import the file again: the rows \
             already imported are not added twice",
            rows(bad_rows as u64)
        );
        return Ok(ExitCode::from(SOME_ROWS_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// "1 row" or "N rows".
fn rows(n: u64) -> String {
    if n == 1 {
        "1 row".to_string()
    } else {
        format!("{n} rows")
    }
}

/// Runs an `export` subcommand.
pub fn export(dir: &Path, cmd: ExportCommand) -> Result<ExitCode> {
    let (file, filter) = match cmd {
        ExportCommand::Observations { file, filter } => (file, filter),
        ExportCommand::Dwca(args) => return super::dwca::export(dir, args),
    };
    let store = super::open_existing(dir)?;
    let filter = filter.resolve(&store)?;
    if file.as_os_str() == "-" {
        let n = export_observations(&store, &filter, std::io::stdout().lock())?;
        eprintln!("exported {n} observations");
        return Ok(ExitCode::SUCCESS);
    }
    // Written beside the target and renamed, so a failed export leaves no half file behind.
    let partial = file.with_extension("csv.partial");
    let write = || -> Result<u64> {
        let out = File::create(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        let mut out = BufWriter::new(out);
        let n = export_observations(&store, &filter, &mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&partial, &file)
            .with_context(|| format!("cannot write {}", file.display()))?;
        Ok(n)
    };
    match write() {
        Ok(n) => {
            println!("exported {n} observations to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}
