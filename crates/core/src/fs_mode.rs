//! File modes of the data folder: the store holds this laptop's sync credential (`sync.token`
//! in its `meta` table), so on unix only the user who runs the app may read it.

use crate::error::{Error, Result};
use std::path::Path;

/// Makes the data folder `dir` 0700 and the store `db_file` inside it, with its `-wal`, `-shm`
/// and `-journal` files where present, 0600. SQLite gives the journal files it makes later the
/// main file's mode, so they stay private too. Does nothing on other systems, where the data
/// folder is already under the user's own profile.
pub fn restrict_store(dir: &Path, db_file: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |path: &Path, mode: u32| -> Result<()> {
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                // A folder someone else owns (a shared or mounted drive) still opens; its
                // owner decides who reads it.
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    tracing::warn!("cannot make {} private: {e}", path.display());
                    Ok(())
                }
                Err(source) => Err(Error::Io {
                    context: format!("cannot make {} private", path.display()),
                    source,
                }),
            }
        };
        set(dir, 0o700)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            set(&dir.join(format!("{db_file}{suffix}")), 0o600)?;
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, db_file);
    Ok(())
}
