//! `dauria-cli init`: create and seed the store.

use anyhow::Result;
use dauria_core::model::Kind;
use std::path::Path;
use std::process::ExitCode;

/// Creates the store if it is missing and says what it holds.
pub fn run(dir: &Path) -> Result<ExitCode> {
    let existed = dir.join(dauria_core::store::DB_FILE).exists();
    let store = super::open(dir)?;
    let count = |k: Kind| -> Result<usize> { Ok(store.list(k)?.len()) };
    println!(
        "{} the store in {} (device {}): {} taxa, {} protected areas, {} sites",
        if existed { "Opened" } else { "Created" },
        dir.display(),
        store.device_id(),
        count(Kind::Taxon)?,
        count(Kind::ProtectedArea)?,
        count(Kind::Site)?,
    );
    Ok(ExitCode::SUCCESS)
}
