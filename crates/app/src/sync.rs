//! Sync: the background task, which syncs by itself every little while when the laptop is
//! enrolled and the server answers, or at once when asked, and tells the window by `sync`
//! events; and the commands of the Sync screen (status, sync now, enroll, find servers).
//!
//! The task keeps its own connection to the store so that a slow network never holds the lock
//! the window's commands take; SQLite serialises the writes of the two connections.

use crate::{with, AppState, Event, Host, Reply};
use dauria_core::error::ErrorPayload;
use dauria_core::Store;
use dauria_sync::discover::FoundServer;
use dauria_sync::{
    HttpTransport, Progress, SyncClient, SyncError, SyncOptions, SyncStatus, SyncSummary,
};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ts_rs::TS;

/// How often the task tries on its own.
const EVERY: Duration = Duration::from_secs(30);
/// How long the link may stay silent before a request fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the Sync screen shows: the engine's status, and whether a sync is running now.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub status: SyncStatus,
    /// A sync is running now.
    pub running: bool,
}

/// Totals of one finished sync.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncTotals {
    pub pushed: u64,
    pub pulled: u64,
    pub conflicts: u64,
    pub rejected: u64,
}

/// How far a running sync has got.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SyncProgress {
    /// `done` of `total` changes sent and acknowledged.
    Push { done: u64, total: u64 },
    /// Changes received so far.
    Pull { received: u64 },
    /// `done` of `total` photo bytes uploaded.
    Photos { done: u64, total: u64 },
}

impl From<Progress> for SyncProgress {
    fn from(p: Progress) -> Self {
        match p {
            Progress::Push { done, total } => SyncProgress::Push { done, total },
            Progress::Pull { received } => SyncProgress::Pull { received },
            Progress::Photos { done, total } => SyncProgress::Photos { done, total },
        }
    }
}

/// The payload of a `sync` event.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum SyncEvent {
    Started,
    Progress {
        progress: SyncProgress,
    },
    Finished {
        totals: SyncTotals,
        status: Box<SyncView>,
    },
    Failed {
        error: ErrorPayload,
        status: Box<SyncView>,
    },
}

/// The handle the commands use to reach the task.
pub struct SyncTask {
    trigger: Mutex<Sender<()>>,
    running: Arc<AtomicBool>,
    /// Set to make the task close its connection to the store (before the store is encrypted
    /// in place or a backup restored over it); the task answers on `released`.
    release: Arc<AtomicBool>,
    released: Mutex<Receiver<()>>,
}

impl SyncTask {
    /// Asks for a sync now (no-op if one is queued already).
    pub fn now(&self) {
        if let Ok(t) = self.trigger.lock() {
            let _ = t.send(());
        }
    }

    /// Whether a sync is running.
    pub fn running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Closes the task's connection to the store once any sync under way has finished; the
    /// task opens it again at the next [`SyncTask::now`].
    pub fn release_store(&self) {
        self.release.store(true, Ordering::SeqCst);
        self.now();
        if let Ok(r) = self.released.lock() {
            // Either the task's answer or its end (a task that never opened the store).
            let _ = r.recv();
        }
    }
}

/// A sync error as the UI gets it.
pub fn payload(e: &SyncError) -> ErrorPayload {
    match e {
        SyncError::Store(inner) => ErrorPayload::from(inner),
        other => ErrorPayload {
            code: format!("sync.{}", other.code()),
            message: other.to_string(),
            fields: Vec::new(),
        },
    }
}

/// The status for the UI.
pub fn view(status: SyncStatus, running: bool) -> SyncView {
    SyncView { status, running }
}

fn totals(s: &SyncSummary) -> SyncTotals {
    SyncTotals {
        pushed: s.pushed,
        pulled: s.pulled,
        conflicts: s.conflicts,
        rejected: s.rejected,
    }
}

/// Starts the task on its own thread.
pub fn start(host: Arc<dyn Host>, data_dir: PathBuf) -> SyncTask {
    let (tx, rx) = channel::<()>();
    let (released_tx, released_rx) = channel::<()>();
    let running = Arc::new(AtomicBool::new(false));
    let release = Arc::new(AtomicBool::new(false));
    let task = SyncTask {
        trigger: Mutex::new(tx),
        running: running.clone(),
        release: release.clone(),
        released: Mutex::new(released_rx),
    };
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || {
            'open: loop {
                // An encrypted store opens once the window has unlocked it (which wakes this
                // task).
                let mut store = loop {
                    match crate::open_store(&data_dir) {
                        Ok(s) => break s,
                        Err(
                            dauria_core::Error::Locked | dauria_core::Error::EncryptionInterrupted,
                        ) if rx.recv().is_ok() && !release.load(Ordering::SeqCst) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "the sync task cannot open the store");
                            return;
                        }
                    }
                };
                loop {
                    if release.load(Ordering::SeqCst) {
                        drop(store);
                        let _ = released_tx.send(());
                        // The window asks for a sync once the store is back (a restored
                        // backup); the store is opened again then.
                        if rx.recv().is_err() {
                            return;
                        }
                        release.store(false, Ordering::SeqCst);
                        continue 'open;
                    }
                    if let Ok(Some(server)) = dauria_sync::server_of(&store) {
                        run_once(&*host, &mut store, &server, &running);
                    }
                    match rx.recv_timeout(EVERY) {
                        Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            }
        })
        .expect("the sync thread starts");
    task
}

fn run_once(host: &dyn Host, store: &mut Store, server: &str, running: &AtomicBool) {
    running.store(true, Ordering::SeqCst);
    host.emit(Event::Sync(SyncEvent::Started));
    // The certificate trust pinned at enrollment.
    let result = dauria_sync::transport_for(store, server, TIMEOUT).and_then(|t| {
        // Few attempts: the task tries again on its own soon, and "Sync now" is not kept
        // waiting behind a long backoff.
        let opts = SyncOptions {
            max_attempts: 3,
            ..SyncOptions::default()
        };
        SyncClient::new(&t, opts)
            .sync(store, &mut |p| {
                host.emit(Event::Sync(SyncEvent::Progress { progress: p.into() }));
            })
            .map_err(|e| dauria_sync::explain_tls(&t, e))
    });
    running.store(false, Ordering::SeqCst);
    let status = Box::new(
        dauria_sync::status(store)
            .map(|s| view(s, false))
            .unwrap_or_else(|_| view(empty_status(), false)),
    );
    let event = match result {
        Ok(summary) => {
            tracing::info!(pushed = summary.pushed, pulled = summary.pulled, "synced");
            SyncEvent::Finished {
                totals: totals(&summary),
                status,
            }
        }
        Err(e) => {
            tracing::warn!(code = e.code(), error = %e, "sync failed");
            SyncEvent::Failed {
                error: payload(&e),
                status,
            }
        }
    };
    host.emit(Event::Sync(event));
}

fn empty_status() -> SyncStatus {
    SyncStatus {
        server: None,
        device_name: None,
        role: None,
        pending_ops: 0,
        last_success: None,
        last_error: None,
        last_error_code: None,
        conflicts: 0,
        needs_attention: Vec::new(),
        relays: false,
        upstream_contact: None,
    }
}

/// The Sync screen's status.
pub fn sync_status(state: &AppState) -> Reply<SyncView> {
    let running = state.sync.running();
    with_sync(state, |s| {
        dauria_sync::status(s).map(|st| view(st, running))
    })
}

/// Asks the task for a sync now.
pub fn sync_now(state: &AppState) {
    state.sync.now();
}

/// Enrolls with a one-time code (one request; blocking), then asks for a sync at once.
pub fn sync_enroll(
    state: &AppState,
    server: String,
    code: String,
    fingerprint: Option<String>,
) -> Reply<SyncView> {
    let server = server.trim().trim_end_matches('/').to_string();
    // A field station's self-signed certificate is trusted by the fingerprint its server
    // printed; without one, the public web PKI.
    let trust = match fingerprint.map(|f| f.trim().to_string()) {
        Some(f) if !f.is_empty() => dauria_sync::Trust::Fingerprint(f),
        _ => dauria_sync::Trust::System,
    };
    let transport = HttpTransport::with_trust(&server, TIMEOUT, &trust)
        .map_err(|e| payload(&SyncError::Unreachable(e.to_string())))?;
    with_sync(state, |s| {
        dauria_sync::enroll(s, &transport, &server, &code)
            .map_err(|e| dauria_sync::explain_tls(&transport, e))?;
        // Pinned from now on; the pin of an earlier enrollment must not outlive it.
        dauria_sync::set_trust(s, &trust)?;
        dauria_sync::status(s).map(|st| view(st, false))
    })
    .inspect(|_| state.sync.now())
}

/// Looks for sync servers announcing themselves on the local network (a field station's hub),
/// listening for `listen` (blocking).
pub fn sync_discover(listen: Duration) -> Reply<Vec<FoundServer>> {
    dauria_sync::discover::discover(listen).map_err(|m| payload(&SyncError::Unreachable(m)))
}

/// Like [`with`] for the sync crate's calls.
pub fn with_sync<T>(
    state: &AppState,
    f: impl FnOnce(&mut Store) -> Result<T, SyncError>,
) -> Reply<T> {
    with(state, |s| Ok(f(s))).and_then(|r| {
        r.map_err(|e| {
            tracing::warn!(code = e.code(), error = %e, "sync command failed");
            payload(&e)
        })
    })
}
