//! The Dauria Field desktop shell: window, plugins, logging, and the IPC commands as one-line
//! wrappers around `dauria-app`, whose [`Host`] this shell implements with Tauri.
//!
//! Everything a user can do is a function in `dauria-app` (over `dauria-core`), tested there
//! without a window.

mod commands;
mod desktop;
mod logs;
mod print;

use dauria_app::{AppState, Event, Host};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

/// When the process started, for the start-up time the UI reports when it is interactive.
pub static STARTED: OnceLock<Instant> = OnceLock::new();

/// The window's side of the commands: its folders, its events, its restart.
struct TauriHost {
    app: AppHandle,
    data_dir: PathBuf,
    log_dir: PathBuf,
}

impl Host for TauriHost {
    fn data_dir(&self) -> PathBuf {
        self.data_dir.clone()
    }

    fn log_dir(&self) -> PathBuf {
        self.log_dir.clone()
    }

    fn documents_dir(&self) -> Option<PathBuf> {
        let path = self.app.path();
        path.document_dir().or_else(|_| path.home_dir()).ok()
    }

    fn emit(&self, event: Event) {
        let _ = self.app.emit(event.name(), &event);
    }

    fn restart(&self) {
        self.app.restart()
    }
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
            let host = TauriHost {
                app: app.handle().clone(),
                data_dir,
                log_dir,
            };
            // An encrypted store waits for the window's unlock screen.
            let state = AppState::open(Arc::new(host)).inspect_err(|e| {
                tracing::error!(error = %e, "cannot open the store");
            })?;
            app.manage(state);
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
