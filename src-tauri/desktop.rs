//! What the desktop itself offers: native folder dialogs, "show in folder", one running app per
//! data folder, and the window's remembered size and position. The plugins are used from Rust
//! only, so the webview needs no plugin permissions of its own.

use dauria_app::{AppState, Reply};
use dauria_core::error::ErrorPayload;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tauri::{Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

/// The D-Bus name that makes the app single-instance, one per data folder: a second launch on
/// the same folder focuses the running window, while apps on other folders (a second profile,
/// the tests) run side by side. Without `--data-dir` the app uses the user's own data folder,
/// and the identifier alone names it.
pub fn instance_id(identifier: &str, data_dir: Option<&Path>) -> String {
    let Some(data_dir) = data_dir else {
        return identifier.to_string();
    };
    let canonical = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    // A D-Bus well-known name: elements of [A-Za-z0-9_] separated by dots, none starting with
    // a digit.
    format!("{identifier}.d{}", hex::encode(&digest[..8]))
}

/// The instance id to register: the data folder's ([`instance_id`]), unless a previous run on
/// that folder still holds the name but does not answer (hung, or being killed). Then this run
/// starts on its own instead of failing to hand its arguments to a window that is gone.
fn live_instance_id(identifier: &str, data_dir: Option<&Path>) -> String {
    let id = instance_id(identifier, data_dir);
    #[cfg(target_os = "linux")]
    if !name_free_or_answering(&format!("{id}.SingleInstance")) {
        BESIDE_UNANSWERING.store(true, std::sync::atomic::Ordering::Relaxed);
        return format!("{id}.p{}", std::process::id());
    }
    id
}

/// Set when this run started beside a previous one that does not answer; logged once the log
/// is open (the plugins are made before it).
static BESIDE_UNANSWERING: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Logs what choosing the instance id found, once the log is open.
pub fn log_instance() {
    if BESIDE_UNANSWERING.load(std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            "a previous run on this data folder holds it but does not answer; starting anyway"
        );
    }
}

/// True when no process owns the D-Bus `name`, or its owner answers a ping within 3 s (or
/// there is no session bus to ask: the plugin then starts normally by itself).
#[cfg(target_os = "linux")]
fn name_free_or_answering(name: &str) -> bool {
    let check = || -> zbus::Result<bool> {
        let conn = zbus::blocking::connection::Builder::session()?
            .method_timeout(std::time::Duration::from_secs(3))
            .build()?;
        let bus_name = zbus::names::BusName::try_from(name)?;
        if !zbus::blocking::fdo::DBusProxy::new(&conn)?.name_has_owner(bus_name.clone())? {
            return Ok(true);
        }
        // The path the plugin serves its object at.
        let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
        let peer = zbus::blocking::fdo::PeerProxy::builder(&conn)
            .destination(bus_name)?
            .path(path)?
            .build()?;
        Ok(peer.ping().is_ok())
    };
    check().unwrap_or(true)
}

/// The plugins, registered in the order Tauri needs (single-instance first).
pub fn plugins<R: Runtime>(
    builder: tauri::Builder<R>,
    data_dir: Option<&Path>,
) -> tauri::Builder<R> {
    builder
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(live_instance_id("org.cmrc.dauria", data_dir))
                .callback(|app, _args, _cwd| {
                    tracing::info!("second launch on the same data folder: focusing the window");
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                    use tauri::Emitter;
                    let _ = app.emit("second-launch", ());
                })
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
}

fn io(message: String) -> ErrorPayload {
    ErrorPayload {
        code: "io".into(),
        message,
        fields: Vec::new(),
    }
}

/// Asks for a folder with the system's folder chooser, starting in `start` if it exists.
/// `None` when the user cancels.
#[tauri::command(async)]
pub fn choose_folder(
    app: tauri::AppHandle,
    title: String,
    start: Option<String>,
) -> Reply<Option<String>> {
    let mut dialog = app.dialog().file().set_title(title);
    if let Some(dir) = start.map(PathBuf::from).filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    let picked = dialog.blocking_pick_folder();
    picked
        .map(|p| {
            p.into_path()
                .map(|p| p.display().to_string())
                .map_err(|e| io(format!("the chosen folder cannot be used: {e}")))
        })
        .transpose()
}

/// Shows `path` selected in the system's file manager.
#[tauri::command(async)]
pub fn show_in_folder(app: tauri::AppHandle, path: String) -> Reply<()> {
    let path = PathBuf::from(path);
    if !path.exists() {
        return Err(io(format!("{} no longer exists", path.display())));
    }
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| io(format!("cannot show {} in its folder: {e}", path.display())))
}

/// Opens the folder the app's log files are in.
#[tauri::command(async)]
pub fn open_log_folder(app: tauri::AppHandle, state: State<'_, AppState>) -> Reply<()> {
    std::fs::create_dir_all(&state.log_dir)
        .map_err(|e| io(format!("cannot open {}: {e}", state.log_dir.display())))?;
    app.opener()
        .open_path(state.log_dir.display().to_string(), None::<&str>)
        .map_err(|e| io(format!("cannot open {}: {e}", state.log_dir.display())))
}

#[cfg(test)]
mod tests {
    use super::instance_id;
    use std::path::Path;

    #[test]
    fn instance_id_is_a_dbus_name_and_differs_per_data_folder() {
        let id = |p: &str| instance_id("org.cmrc.dauria", Some(Path::new(p)));
        let a = id("/tmp/a-folder-that-is-not-there");
        assert_ne!(a, id("/tmp/another-folder"));
        assert_eq!(a, id("/tmp/a-folder-that-is-not-there"));
        assert_eq!(instance_id("org.cmrc.dauria", None), "org.cmrc.dauria");
        // Every element starts with a letter and holds only [A-Za-z0-9_].
        for element in a.split('.') {
            assert!(element.chars().next().unwrap().is_ascii_alphabetic(), "{a}");
            assert!(
                element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{a}"
            );
        }
        assert!(a.len() <= 255);
    }
}
