//! `dauria-cli export dwca` and `dauria-cli import dwca`: Darwin Core Archives.

use anyhow::{Context, Result};
use dauria_core::dwca::{export_dwca, import_dwca_from};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `export dwca`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The archive to write (.zip).
    pub file: PathBuf,
    /// Export only this survey's visits and their sightings (survey id).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,
}

/// Arguments of `import dwca`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The archive to read (.zip with meta.xml; occurrence core, or event core with occurrences).
    pub file: PathBuf,
    /// The dataset the occurrences belong to (default: the file name). The same archive
    /// imported again into the same dataset adds nothing.
    #[arg(long)]
    pub dataset: Option<String>,
}

/// Writes the archive beside the target and renames it, so a failed export leaves no half file.
pub fn export(dir: &Path, args: ExportArgs) -> Result<ExitCode> {
    let store = super::open_existing(dir)?;
    let partial = args.file.with_extension("zip.partial");
    let write = || -> Result<_> {
        let out = File::create(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        let mut out = BufWriter::new(out);
        let report = export_dwca(&store, args.survey.as_deref(), &mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&partial, &args.file)
            .with_context(|| format!("cannot write {}", args.file.display()))?;
        Ok(report)
    };
    match write() {
        Ok(r) => {
            println!(
                "exported {} events ({} for sightings without a visit), {} occurrences ({} \
                 pathogen results), {} measurements and {} relationships to {}",
                r.events,
                r.synthetic_events,
                r.occurrences,
                r.pathogen_occurrences,
                r.measurements,
                r.relationships,
                args.file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Imports an archive's occurrences and reports unmatched names and rejected rows.
pub fn import(dir: &Path, args: ImportArgs) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    let f =
        File::open(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let dataset = args.dataset.clone().unwrap_or_else(|| {
        args.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let report = import_dwca_from(&mut store, BufReader::new(f), &dataset)
        .with_context(|| format!("cannot import {}", args.file.display()))?;
    for e in &report.errors {
        eprintln!("{} line {}, {}: {}", e.file, e.line, e.term, e.reason);
    }
    if !report.unmatched_names.is_empty() {
        println!("names not on the checklist, imported as free text:");
        for (name, n) in &report.unmatched_names {
            println!("  {name} ({n})");
        }
    }
    let t = &report.taxa;
    if t.rows > 0 {
        // A checklist (Taxon core) archive: its taxa joined the species list.
        for e in &t.skipped {
            eprintln!("{} line {}, {}: {}", e.file, e.line, e.term, e.reason);
        }
        println!(
            "checklist archive {}: {} taxa added, {} already listed, {} synonyms, {} vernacular \
             names added, {} rows skipped",
            args.file.display(),
            t.added,
            t.already_listed,
            t.synonyms,
            t.names_added,
            t.skipped.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "imported {} of {} occurrences from {}",
        report.imported,
        report.rows,
        args.file.display()
    );
    if report.already_imported > 0 {
        println!(
            "{} occurrences already imported from dataset '{dataset}', not added again",
            report.already_imported
        );
    }
    if !report.errors.is_empty() {
        return Ok(ExitCode::from(super::transfer::SOME_ROWS_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}
