//! `dauria-cli init`, `backup` and `restore`: create, copy and put back the store.

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

/// Writes a backup of the store and its photos into `dest`.
pub fn backup(dir: &Path, dest: &Path) -> Result<ExitCode> {
    let store = super::open(dir)?;
    let r = dauria_core::backup::create(&store, dest)?;
    println!(
        "Backed up the store ({} bytes) and {} photos to {}",
        r.store_bytes,
        r.photos,
        dest.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Puts the backup in `src` back into the data folder.
pub fn restore(dir: &Path, src: &Path) -> Result<ExitCode> {
    let r = dauria_core::backup::restore(src, dir)?;
    println!(
        "Restored the store ({} bytes) and {} photos from {}; the store it replaced is kept as {}.before-restore. The next sync takes back from the server what this laptop sent since the backup.",
        r.store_bytes,
        r.photos,
        src.display(),
        dauria_core::store::DB_FILE
    );
    Ok(ExitCode::SUCCESS)
}
