//! One module per command. Each is a plain function over a data folder.
//!
//! Sync commands (`enroll`, `sync`, `conflicts`, `obs merge`) will sit beside these, in their own
//! modules, once the sync client exists.

pub mod budget;
pub mod checklist;
pub mod dwca;
pub mod encrypt;
pub mod gpx;
pub mod init;
pub mod obs;
pub mod photo;
pub mod report;
pub mod sample;
pub mod save_loop;
pub mod shipment;
pub mod site;
pub mod stats;
pub mod survey;
pub mod sync;
pub mod transfer;
pub mod visit;

use anyhow::{bail, Context, Result};
use dauria_core::Store;
use std::path::Path;

/// Opens an existing store; a missing one is an error so a mistyped folder is noticed.
pub fn open_existing(dir: &Path) -> Result<Store> {
    if !dir.join(dauria_core::store::DB_FILE).exists() {
        bail!(
            "there is no Dauria Field store in {}; run `dauria-cli init` to create one, or pass \
             --data-dir with the folder that holds your data",
            dir.display()
        );
    }
    open(dir)
}

/// Opens (creating and seeding if needed) the store in `dir`.
pub fn open(dir: &Path) -> Result<Store> {
    Store::open(dir).with_context(|| format!("cannot open the store in {}", dir.display()))
}

/// The output formats of listing commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading.
    #[default]
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// A JSON document.
    Json,
}
