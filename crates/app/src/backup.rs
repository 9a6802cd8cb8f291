//! Backups from Settings: a copy of the store and its photos made into a folder the person
//! chose, and a restore from one. Each command is a call into `dauria_core::backup`.

use crate::{AppState, Reply};
use dauria_core::backup;
use dauria_core::error::ErrorPayload;
use dauria_core::Error;
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// A backup made or restored.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupDone {
    /// The backup's folder.
    pub path: String,
    pub store_bytes: u64,
    pub photos: usize,
}

fn payload(e: Error) -> ErrorPayload {
    tracing::warn!(code = e.code(), "backup command failed");
    ErrorPayload::from(&e)
}

/// Where backups go unless the person chooses another folder: `Backups` in the export folder.
pub fn backup_folder(state: &AppState) -> Reply<String> {
    Ok(crate::exchange::export_dir(state)?
        .join("Backups")
        .to_string_lossy()
        .into_owned())
}

/// Makes a backup in a new folder `dauria-backup-<date>-<time>` inside `folder`; the app may
/// go on saving meanwhile.
pub fn backup_create(state: &AppState, folder: String) -> Reply<BackupDone> {
    let name = format!(
        "dauria-backup-{}",
        chrono::Local::now().format("%Y-%m-%d-%H%M%S")
    );
    let dest: PathBuf = Path::new(folder.trim()).join(name);
    let guard = state.store.lock().map_err(|_| payload(Error::Locked))?;
    let store = guard.as_ref().ok_or_else(|| payload(Error::Locked))?;
    let r = backup::create(store, &dest).map_err(payload)?;
    tracing::info!(path = %dest.display(), "backup made");
    Ok(BackupDone {
        path: dest.to_string_lossy().into_owned(),
        store_bytes: r.store_bytes,
        photos: r.photos,
    })
}

/// Replaces the store and photos with the backup in `path`. The store is closed first (the
/// sync task's connection too) and opened again after, whether the restore succeeded or was
/// refused (a damaged or newer backup changes nothing).
pub fn backup_restore(state: &AppState, path: String) -> Reply<BackupDone> {
    let dir = state.data_dir.clone();
    let mut guard = state.store.lock().map_err(|_| payload(Error::Locked))?;
    state.sync.release_store();
    drop(guard.take());
    let result = backup::restore(Path::new(path.trim()), &dir);
    *guard = Some(crate::open_store(&dir).map_err(payload)?);
    drop(guard);
    dauria_core::monitoring::forget_snapshot();
    state.sync.now();
    let r = result.map_err(payload)?;
    tracing::info!(path = %path, "restored from a backup");
    Ok(BackupDone {
        path,
        store_bytes: r.store_bytes,
        photos: r.photos,
    })
}
