//! The Dauria Field desktop shell: window, app state, logging and the IPC commands.
//!
//! Everything a user can do is a function in `dauria-core`; the commands here only take the
//! store's lock and call it.

mod backup;
#[cfg(test)]
mod bindings;
mod commands;
mod custody;
mod desktop;
mod exchange;
mod logs;
mod monitoring;
mod print;
mod security;
mod sites;
pub mod sync;
mod visits;

use dauria_core::Store;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

/// When the process started, for the start-up time the UI reports when it is interactive.
pub static STARTED: OnceLock<Instant> = OnceLock::new();

/// What the shell keeps for the lifetime of the window.
pub struct AppState {
    /// The local store (none until an encrypted store is unlocked). SQLite writes are
    /// serialised anyway; one lock keeps it simple.
    pub store: Mutex<Option<Store>>,
    /// The data folder.
    pub data_dir: PathBuf,
    /// Folder the log files go to.
    pub log_dir: PathBuf,
    /// The background sync task.
    pub sync: sync::SyncTask,
}

/// `--data-dir DIR` (or `--data-dir=DIR`) from the command line, if given.
pub fn data_dir_arg(args: impl IntoIterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(v));
        }
    }
    None
}

/// Starts the app and blocks until the window closes.
pub fn run() {
    STARTED.get_or_init(Instant::now);
    let data_dir_given = data_dir_arg(std::env::args().skip(1));
    desktop::plugins(tauri::Builder::default(), data_dir_given.as_deref())
        .setup(|app| {
            let log_dir = app.path().app_log_dir()?;
            logs::init(&log_dir)?;
            desktop::log_instance();
            let data_dir = match data_dir_arg(std::env::args().skip(1)) {
                Some(d) => d,
                None => app.path().app_data_dir()?,
            };
            tracing::info!(data_dir = %data_dir.display(), version = env!("CARGO_PKG_VERSION"), "starting");
            // An encrypted store waits for the window's unlock screen.
            let store = match Store::open(&data_dir) {
                Ok(s) => Some(s),
                Err(dauria_core::Error::Locked | dauria_core::Error::EncryptionInterrupted) => None,
                Err(e) => {
                    tracing::error!(error = %e, "cannot open the store");
                    return Err(Box::new(e));
                }
            };
            let sync = sync::start(app.handle().clone(), data_dir.clone());
            app.manage(AppState {
                store: Mutex::new(store),
                data_dir,
                log_dir,
                sync,
            });
            // The window is made here rather than from the config alone so that the benchmark
            // can open the same window on an empty page (DAURIA_BASELINE=1) as its baseline.
            let mut window = app.config().app.windows[0].clone();
            if std::env::var_os("DAURIA_BASELINE").is_some() {
                window.url = WebviewUrl::App("baseline.html".into());
            }
            WebviewWindowBuilder::from_config(app.handle(), &window)?.build()?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the window could not be started");
}

#[cfg(test)]
mod tests {
    use super::data_dir_arg;
    use std::path::PathBuf;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn data_dir_argument_is_read_in_both_spellings() {
        assert_eq!(
            data_dir_arg(args(&["--data-dir", "/tmp/x"])),
            Some(PathBuf::from("/tmp/x"))
        );
        assert_eq!(
            data_dir_arg(args(&["-v", "--data-dir=/tmp/y"])),
            Some(PathBuf::from("/tmp/y"))
        );
        assert_eq!(data_dir_arg(args(&["--other"])), None);
    }
}
