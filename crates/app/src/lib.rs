//! Every command the desktop window calls, as a plain function: the app's state, the typed
//! arguments, and a reply of `Result<T, ErrorPayload>`. Nothing here depends on Tauri; what the
//! commands need from the desktop (the data and log folders, the documents folder, sending an
//! event to the window, restarting) is the small [`Host`] trait. The Tauri shell (`src-tauri/`)
//! implements it and wraps each function in a one-line `#[tauri::command]`; the tests implement
//! it with temporary folders and a list of the events sent, and call the same functions with
//! no window.
//!
//! Errors cross as [`ErrorPayload`] (`{code, message, fields}`) so the window can branch on the
//! code and word the message in its language.

pub mod backup;
pub mod custody;
pub mod exchange;
pub mod monitoring;
pub mod records;
pub mod security;
pub mod signatures;
pub mod sites;
pub mod sync;
pub mod visits;

use dauria_core::error::ErrorPayload;
use dauria_core::{Error, Store};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A command's reply as the window gets it.
pub type Reply<T> = Result<T, ErrorPayload>;

/// What the commands need from the desktop they run in.
pub trait Host: Send + Sync + 'static {
    /// The folder the store and photos are in.
    fn data_dir(&self) -> PathBuf;
    /// The folder the log files go to.
    fn log_dir(&self) -> PathBuf;
    /// The user's documents folder (else their home), under which exports go by default.
    fn documents_dir(&self) -> Option<PathBuf>;
    /// Sends an event to the window.
    fn emit(&self, event: Event);
    /// Restarts the app (after the store was encrypted, so that it asks for the passphrase).
    fn restart(&self);
}

/// An event the window listens for.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Event {
    /// `sync`: a sync started, went on, finished or failed.
    Sync(sync::SyncEvent),
    /// `encrypt-progress`: photos encrypted so far.
    EncryptProgress(security::EncryptProgress),
}

impl Event {
    /// The name the window listens to.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Sync(_) => "sync",
            Event::EncryptProgress(_) => "encrypt-progress",
        }
    }
}

/// What the app keeps while it runs.
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
    /// The desktop the commands run in.
    pub host: Arc<dyn Host>,
}

/// Page cache of the window's store connections, in KiB. Pages come from the system's file
/// cache when not held here, so a large cache buys little in the window and was most of the
/// app's memory after one count over a million sightings (the store's default is 64 MiB, for
/// imports and the command line).
const WINDOW_CACHE_KIB: i64 = 8 * 1024;

/// Opens the store in `dir` as the window and its sync task use it (see [`WINDOW_CACHE_KIB`]).
pub fn open_store(dir: &std::path::Path) -> dauria_core::Result<Store> {
    let store = Store::open(dir)?;
    store
        .connection()
        .pragma_update(None, "cache_size", -WINDOW_CACHE_KIB)?;
    Ok(store)
}

impl AppState {
    /// Opens the store in the host's data folder (left closed while it is encrypted and
    /// locked: the unlock screen opens it) and starts the sync task.
    pub fn open(host: Arc<dyn Host>) -> dauria_core::Result<AppState> {
        let data_dir = host.data_dir();
        let store = match open_store(&data_dir) {
            Ok(s) => Some(s),
            Err(Error::Locked | Error::EncryptionInterrupted) => None,
            Err(e) => return Err(e),
        };
        Ok(AppState {
            store: Mutex::new(store),
            log_dir: host.log_dir(),
            sync: sync::start(host.clone(), data_dir.clone()),
            data_dir,
            host,
        })
    }
}

/// Runs `f` with the store locked, turning core errors into payloads.
pub fn with<T>(state: &AppState, f: impl FnOnce(&mut Store) -> dauria_core::Result<T>) -> Reply<T> {
    let mut store = state.store.lock().map_err(|_| ErrorPayload {
        code: "internal".into(),
        message: "the store is unavailable after an earlier failure; restart the app".into(),
        fields: Vec::new(),
    })?;
    let store = store
        .as_mut()
        .ok_or_else(|| ErrorPayload::from(&Error::Locked))?;
    f(store).map_err(|e| {
        tracing::warn!(code = e.code(), error = %e, "command failed");
        ErrorPayload::from(&e)
    })
}

/// A core error as the window gets it.
pub fn payload(e: &Error) -> ErrorPayload {
    ErrorPayload::from(e)
}

/// An invalid argument, named with the rule it breaks.
pub(crate) fn invalid(field: &str, rule: &str, message: impl Into<String>) -> ErrorPayload {
    ErrorPayload::from(&Error::invalid(field, rule, message))
}

/// An input/output failure with what was being done.
pub fn io_error(context: String, e: std::io::Error) -> ErrorPayload {
    ErrorPayload::from(&Error::Io { context, source: e })
}

/// `YYYY-MM-DD` today on this laptop's clock, in its time zone: the end of the risk window
/// and the day deadlines are counted from.
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
