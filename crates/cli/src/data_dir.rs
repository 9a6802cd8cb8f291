//! Where the store lives when `--data-dir` is not given: the desktop app's data folder, so the
//! command line and the app share one store.

use anyhow::{anyhow, Result};
use std::path::PathBuf;

/// The app's identifier in `tauri.conf.json`; Tauri names the app's data folder after it.
pub const APP_IDENTIFIER: &str = "org.cmrc.dauria";

/// Shown at the end of `--help`.
pub const HELP: &str = "\
Data folder: --data-dir DIR, else $DAURIA_DATA_DIR, else the desktop app's data folder
(Linux: $XDG_DATA_HOME/org.cmrc.dauria, by default ~/.local/share/org.cmrc.dauria;
macOS: ~/Library/Application Support/org.cmrc.dauria; Windows: %APPDATA%\\org.cmrc.dauria).";

/// The desktop app's data folder for this user (Tauri's `app_data_dir`).
pub fn default_dir() -> Result<PathBuf> {
    directories::BaseDirs::new()
        .map(|b| b.data_dir().join(APP_IDENTIFIER))
        .ok_or_else(|| {
            anyhow!(
                "cannot find your home folder to put the data folder in; pass --data-dir DIR \
                 or set DAURIA_DATA_DIR"
            )
        })
}
