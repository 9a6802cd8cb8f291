//! Where the store lives when `--data-dir` is not given.

use anyhow::{anyhow, Result};
use std::path::PathBuf;

/// Shown at the end of `--help`.
pub const HELP: &str = "\
Data folder: --data-dir DIR, else $DAURIA_DATA_DIR, else the app's data folder
(Linux: $XDG_DATA_HOME/dauriafield or ~/.local/share/dauriafield;
macOS: ~/Library/Application Support/org.CMRC.Dauria-Field;
Windows: %APPDATA%\\CMRC\\Dauria Field\\data).";

/// The desktop app's data folder for this user.
pub fn default_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("org", "CMRC", "Dauria Field")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            anyhow!("cannot find your home folder to put the data folder in; pass --data-dir DIR or set DAURIA_DATA_DIR")
        })
}
