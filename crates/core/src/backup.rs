//! Backups of a laptop's data folder, made safely while the app runs, and restoring one.
//!
//! A backup is a folder: a consistent copy of the store made by SQLite itself (`VACUUM INTO`,
//! a snapshot that readers and writers of the live store do not disturb) and every photo.
//! Restoring checks the copy before touching anything, keeps the store it replaces beside it,
//! and leaves sync to notice that the laptop knows less than the server (docs/SYNC.md §4.1).
//! The backup of an encrypted store stays encrypted: the copy is made under the same key, the
//! photos are copied sealed, and the key file goes with them, so the same passphrase opens it.

use crate::encryption;
use crate::error::{Error, Result};
use crate::media::BLOBS_DIR;
use crate::store::{schema_version, Store, DB_FILE};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a backup or a restore copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    /// Bytes of the store copied.
    pub store_bytes: u64,
    /// Photo files copied (thumbnails are made again on demand).
    pub photos: usize,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

/// Copies every file under `from` to `to`, keeping the relative paths; returns the count.
fn copy_tree(from: &Path, to: &Path) -> Result<usize> {
    let mut n = 0;
    if !from.exists() {
        return Ok(0);
    }
    for entry in std::fs::read_dir(from).map_err(io(format!("cannot read {}", from.display())))? {
        let entry = entry.map_err(io(format!("cannot read {}", from.display())))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            n += copy_tree(&path, &dest)?;
        } else {
            std::fs::create_dir_all(to).map_err(io(format!("cannot create {}", to.display())))?;
            std::fs::copy(&path, &dest).map_err(io(format!("cannot copy {}", path.display())))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Writes a backup of `store` into the folder `dest`, which must not exist or be empty.
pub fn create(store: &Store, dest: &Path) -> Result<BackupReport> {
    if dest.exists()
        && std::fs::read_dir(dest)
            .map_err(io(format!("cannot read {}", dest.display())))?
            .next()
            .is_some()
    {
        return Err(Error::invalid(
            "dest",
            "not_empty",
            format!(
                "{} is not empty; choose a new folder for the backup",
                dest.display()
            ),
        ));
    }
    std::fs::create_dir_all(dest).map_err(io(format!("cannot create {}", dest.display())))?;
    let db = dest.join(DB_FILE);
    let target = db
        .to_str()
        .ok_or_else(|| Error::invalid("dest", "path", "the backup path is not valid text"))?;
    // A snapshot in one read transaction: the app may go on saving meanwhile. SQLCipher
    // writes it under the store's own key when the store is encrypted.
    store.connection().execute("VACUUM INTO ?1", [target])?;
    encryption::copy_key_file(store.dir(), dest)?;
    let store_bytes = std::fs::metadata(&db)
        .map_err(io(format!("cannot read {}", db.display())))?
        .len();
    let photos = copy_tree(&store.dir().join(BLOBS_DIR), &dest.join(BLOBS_DIR))?;
    Ok(BackupReport {
        store_bytes,
        photos,
    })
}

/// Checks that `db`, the store of the backup in `src`, is a whole Dauria Field store this
/// version can open (with the backup's key, unlocked beforehand, when it is encrypted).
fn check_copy(src: &Path, db: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    encryption::key_connection(&conn, src)?;
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| {
            Error::invalid(
                "backup",
                "damaged",
                format!("the backup's store cannot be read: {e}"),
            )
        })?;
    if ok != "ok" {
        return Err(Error::invalid(
            "backup",
            "damaged",
            format!("the backup's store is damaged: {ok}"),
        ));
    }
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > schema_version() {
        return Err(Error::TooNew {
            found,
            known: schema_version(),
        });
    }
    let has_device: bool = conn
        .prepare("SELECT 1 FROM meta WHERE key = 'device_id'")
        .and_then(|mut s| s.exists([]))
        .unwrap_or(false);
    if !has_device {
        return Err(Error::invalid(
            "backup",
            "not_a_store",
            "the backup does not hold a Dauria Field store",
        ));
    }
    Ok(())
}

/// Restores the backup in `src` into the data folder `dir`. The app must not be running on
/// `dir`. The store it replaces is kept as `dauria.sqlite3.before-restore`; photos are added,
/// never removed. Nothing is changed when the backup is damaged or from a newer version.
pub fn restore(src: &Path, dir: &Path) -> Result<BackupReport> {
    let copy = src.join(DB_FILE);
    if !copy.exists() {
        return Err(Error::invalid(
            "backup",
            "not_a_store",
            format!("{} holds no {DB_FILE}", src.display()),
        ));
    }
    check_copy(src, &copy)?;
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let live = dir.join(DB_FILE);
    if live.exists() {
        let kept: PathBuf = dir.join(format!("{DB_FILE}.before-restore"));
        // Folded into one file first, so the copy kept beside it is whole.
        // An encrypted store must be unlocked to fold its journal in (refused otherwise).
        let conn = Connection::open(&live)?;
        encryption::key_connection(&conn, dir)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        drop(conn);
        std::fs::rename(&live, &kept).map_err(io(format!("cannot keep {}", live.display())))?;
        for side in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{side}")));
        }
    }
    // Copied under another name and renamed: a cut leaves the old store or the new, whole.
    let partial = dir.join(format!("{DB_FILE}.restoring"));
    let store_bytes =
        std::fs::copy(&copy, &partial).map_err(io(format!("cannot copy {}", copy.display())))?;
    // The key file goes with the store: the backup's (an encrypted backup), or none (a plain
    // one), the replaced one kept beside it.
    let key = dir.join(encryption::KEY_FILE);
    if key.exists() {
        let kept = dir.join(format!("{}.before-restore", encryption::KEY_FILE));
        std::fs::rename(&key, &kept).map_err(io(format!("cannot keep {}", key.display())))?;
    }
    encryption::copy_key_file(src, dir)?;
    std::fs::rename(&partial, &live).map_err(io(format!("cannot restore {}", live.display())))?;
    encryption::forget(dir);
    let photos = copy_tree(&src.join(BLOBS_DIR), &dir.join(BLOBS_DIR))?;
    Ok(BackupReport {
        store_bytes,
        photos,
    })
}
