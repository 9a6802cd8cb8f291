//! `dauria-cli photo ...`: what a photo's EXIF says, and attaching photos to observations.

use anyhow::{Context, Result};
use dauria_core::media::{attach_photo, photo_info};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum PhotoCommand {
    /// Show when and where a photo was taken, as its EXIF says (time with offset, GPS position).
    Info {
        /// The photo file.
        file: PathBuf,
        /// Print JSON instead of lines of text.
        #[arg(long)]
        json: bool,
    },
    /// Attach a photo to an observation. The file must be a readable image; it is stored once
    /// by its SHA-256 however many times it is attached, with a thumbnail.
    Attach {
        /// The observation's id.
        observation: String,
        /// The photo file.
        file: PathBuf,
    },
}

/// Runs a `photo` subcommand.
pub fn run(dir: &Path, cmd: PhotoCommand) -> Result<ExitCode> {
    match cmd {
        PhotoCommand::Info { file, json } => {
            let info = photo_info(&file)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
                return Ok(ExitCode::SUCCESS);
            }
            match (&info.taken_at, &info.local_time) {
                (Some(t), _) => println!("taken at: {t}"),
                (None, Some(t)) => println!("taken at: {t} (the camera recorded no UTC offset)"),
                (None, None) => println!("taken at: not recorded"),
            }
            match (info.lat, info.lon) {
                (Some(lat), Some(lon)) => {
                    print!("position: {lat:.6}, {lon:.6} (WGS84)");
                    if let Some(u) = info.uncertainty_m {
                        print!(" ±{u} m");
                    }
                    println!();
                }
                _ => println!("position: not recorded"),
            }
            if let Some(a) = info.altitude_m {
                println!("altitude: {a} m");
            }
            Ok(ExitCode::SUCCESS)
        }
        PhotoCommand::Attach { observation, file } => {
            let mut store = super::open_existing(dir)?;
            let a = attach_photo(&mut store, &observation, &file)
                .with_context(|| format!("cannot attach {}", file.display()))?;
            match &a.saved {
                Some(_) => println!(
                    "attached {} ({}x{}) to observation {observation} as {}",
                    file.display(),
                    a.width,
                    a.height,
                    a.sha256
                ),
                None => println!(
                    "{} is already attached to observation {observation} ({})",
                    file.display(),
                    a.sha256
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
