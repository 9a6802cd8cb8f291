//! `dauria-cli gpx import|export`: routes, waypoints and tracks to and from GPS units.

use anyhow::{Context, Result};
use dauria_core::planning::gpx;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum GpxCommand {
    /// Read a GPX file into a survey: routes and waypoints become routes, each track a visit
    /// with its distance (km) and time span as effort.
    Import {
        /// The .gpx file (GPX 1.0 or 1.1, as written by Garmin and other GPS units).
        file: PathBuf,
        /// The survey's id (see `dauria-cli survey list`).
        #[arg(long, value_name = "ID")]
        survey: String,
    },
    /// Write a survey's routes and visit tracks to a GPX 1.1 file.
    Export {
        /// The survey's id.
        #[arg(long, value_name = "ID")]
        survey: String,
        /// Where to write the .gpx file.
        file: PathBuf,
    },
}

/// Runs a `gpx` subcommand.
pub fn run(dir: &Path, cmd: GpxCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        GpxCommand::Import { file, survey } => {
            super::survey::find_survey(&store, &survey)?;
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let name = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "GPX".into());
            let sum = gpx::import(&mut store, &survey, f, &name)
                .with_context(|| format!("cannot import {}", file.display()))?;
            println!(
                "imported {} route(s) and {} track(s) ({} points; tracks {:.2} km, {:.2} h)",
                sum.routes.len(),
                sum.visits.len(),
                sum.points,
                sum.track_km,
                sum.track_hours
            );
        }
        GpxCommand::Export { survey, file } => {
            super::survey::find_survey(&store, &survey)?;
            // Write beside the target and rename, so a failed export never leaves half a file.
            let tmp = file.with_extension("gpx.part");
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let sum = gpx::export(&store, &survey, &mut w)?;
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &file)
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!(
                "wrote {} route(s) and {} track(s) ({} points) to {}",
                sum.routes,
                sum.tracks,
                sum.points,
                file.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
