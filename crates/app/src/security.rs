//! The store's passphrase: the unlock screen at start, encrypting a plain store and changing
//! the passphrase from Settings. Each command is a call into `dauria_core::encryption`.

use crate::{AppState, Event, Reply};
use dauria_core::encryption::{self, LockState};
use dauria_core::error::ErrorPayload;
use dauria_core::Error;
use serde::Serialize;

fn payload(e: Error) -> ErrorPayload {
    tracing::warn!(code = e.code(), "passphrase command failed");
    ErrorPayload::from(&e)
}

/// Whether the store is encrypted and still locked.
pub fn store_lock_state(state: &AppState) -> LockState {
    let mut s = encryption::lock_state(&state.data_dir);
    // Unlocked in this process but not yet opened (a failed open) counts as locked.
    s.locked |= state.store.lock().map(|g| g.is_none()).unwrap_or(true);
    s
}

/// Unlocks the encrypted store and opens it (an interrupted encryption is finished first).
/// A wrong passphrase gets `wrong_passphrase` and changes nothing.
pub fn store_unlock(state: &AppState, passphrase: String) -> Reply<()> {
    let dir = state.data_dir.clone();
    if encryption::is_interrupted(&dir) {
        encryption::encrypt_store(&dir, &passphrase, &mut |_, _| {}).map_err(payload)?;
    } else {
        encryption::unlock(&dir, &passphrase).map_err(payload)?;
    }
    let store = crate::open_store(&dir).map_err(payload)?;
    *state.store.lock().map_err(|_| payload(Error::Locked))? = Some(store);
    tracing::info!("store unlocked");
    // Wakes the sync task, which waits for the store to be unlocked.
    state.sync.now();
    Ok(())
}

/// Progress of encrypting the photos, sent to the window as `encrypt-progress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncryptProgress {
    pub done: usize,
    pub total: usize,
}

/// Encrypts the plain store and its photos in place with a new passphrase, then restarts the
/// app, which asks for it. The sync task's connection is closed first, and the window's is
/// held, so nothing writes to the store while it is copied.
pub fn store_encrypt(state: &AppState, passphrase: String) -> Reply<()> {
    let dir = state.data_dir.clone();
    if encryption::is_encrypted(&dir) {
        return Err(payload(Error::invalid(
            "store",
            "already_encrypted",
            "the store is already encrypted",
        )));
    }
    let mut guard = state.store.lock().map_err(|_| payload(Error::Locked))?;
    state.sync.release_store();
    drop(guard.take());
    let result = encryption::encrypt_store(&dir, &passphrase, &mut |done, total| {
        state
            .host
            .emit(Event::EncryptProgress(EncryptProgress { done, total }));
    });
    match result {
        Ok(_) => {
            tracing::info!("store encrypted; restarting");
            encryption::forget(&dir);
            drop(guard);
            state.host.restart();
            Ok(())
        }
        Err(e) => {
            // The plain store is still whole (an interrupted run is finished on unlock).
            *guard = crate::open_store(&dir).ok();
            Err(payload(e))
        }
    }
}

/// Changes the passphrase; the store and photos are not rewritten.
pub fn store_change_passphrase(state: &AppState, old: String, new: String) -> Reply<()> {
    encryption::change_passphrase(&state.data_dir, &old, &new).map_err(payload)
}
