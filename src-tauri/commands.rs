//! IPC commands. Each is one call into `dauria-core` under the store's lock; errors cross as
//! [`ErrorPayload`] (`{code, message, fields}`) so the UI can branch on the code and translate.

use crate::exchange;
use crate::sync::{self, SyncView};
use crate::AppState;
use dauria_core::coords::{parse_position as parse, Position};
use dauria_core::error::ErrorPayload;
use dauria_core::model::{Body, Country, Kind};
use dauria_core::store::query::{
    CountryChecklist, ObservationFilter, ObservationPage, SpeciesSummary, Stats,
};
use dauria_core::taxa::{SearchOptions, TaxonMatch};
use dauria_core::{Current, Error, RevisionInfo, Saved, Store};
use dauria_sync::discover::FoundServer;
use dauria_sync::{HttpTransport, SyncError};
use std::time::Duration;
use tauri::{Manager, State};

pub(crate) type Reply<T> = Result<T, ErrorPayload>;

/// Runs `f` with the store locked, turning core errors into payloads.
pub(crate) fn with<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Store) -> dauria_core::Result<T>,
) -> Reply<T> {
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

/// Settings the UI may keep in the store's local (never synced) metadata.
fn setting_key(key: &str) -> dauria_core::Result<String> {
    match key {
        "language" | "observer" | "observers" | "last_site" | "export_dir" | "survey" => {
            Ok(format!("ui.{key}"))
        }
        _ => Err(Error::invalid(
            "key",
            "unknown_setting",
            format!("no setting called '{key}'"),
        )),
    }
}

/// The UI calls this once its first screen is interactive. The start-up time goes to the log;
/// with `DAURIA_EXIT_WHEN_READY` set (the start-up benchmark) it is printed and the app exits.
#[tauri::command]
fn ui_ready(app: tauri::AppHandle) {
    let ms = crate::STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    tracing::info!(startup_ms = ms as u64, "window interactive");
    if std::env::var_os("DAURIA_EXIT_WHEN_READY").is_some() {
        println!("ready_ms={ms}");
        app.exit(0);
    }
}

#[tauri::command]
fn data_dir(state: State<'_, AppState>) -> Reply<String> {
    with(&state, |s| Ok(s.dir().display().to_string()))
}

#[tauri::command]
fn log_dir(state: State<'_, AppState>) -> String {
    state.log_dir.display().to_string()
}

#[tauri::command]
fn stats(state: State<'_, AppState>) -> Reply<Stats> {
    with(&state, |s| s.stats())
}

/// Species search for every screen: the store's index, built once and kept up to date as taxa
/// change. `country` (the survey's) ranks its checklist's taxa first among equal matches.
#[tauri::command]
fn search_taxa(
    state: State<'_, AppState>,
    query: String,
    limit: usize,
    country: Option<Country>,
) -> Reply<Vec<TaxonMatch>> {
    with(&state, |s| {
        Ok(s.taxon_index()?
            .search_with(&query, SearchOptions { limit, country }))
    })
}

#[tauri::command]
fn list_records(state: State<'_, AppState>, kind: Kind) -> Reply<Vec<Current>> {
    with(&state, |s| s.list(kind))
}

#[tauri::command]
fn get_record(state: State<'_, AppState>, id: String) -> Reply<Option<Current>> {
    with(&state, |s| s.get(&id))
}

#[tauri::command]
fn create_record(state: State<'_, AppState>, body: Body) -> Reply<Saved> {
    with(&state, |s| s.create(&body))
}

#[tauri::command(rename_all = "snake_case")]
fn update_record(
    state: State<'_, AppState>,
    id: String,
    parent_rev: String,
    body: Body,
) -> Reply<Saved> {
    with(&state, |s| s.update(&id, &parent_rev, &body))
}

#[tauri::command(rename_all = "snake_case")]
fn delete_record(state: State<'_, AppState>, id: String, parent_rev: String) -> Reply<Saved> {
    with(&state, |s| s.delete(&id, &parent_rev))
}

#[tauri::command]
fn merge_record(state: State<'_, AppState>, id: String, body: Option<Body>) -> Reply<Saved> {
    with(&state, |s| s.merge(&id, body.as_ref()))
}

#[tauri::command]
fn record_history(state: State<'_, AppState>, id: String) -> Reply<Vec<RevisionInfo>> {
    with(&state, |s| s.history(&id))
}

#[tauri::command]
fn record_heads(state: State<'_, AppState>, id: String) -> Reply<Vec<RevisionInfo>> {
    with(&state, |s| s.heads(&id))
}

#[tauri::command]
fn conflicts(state: State<'_, AppState>) -> Reply<Vec<(String, Kind)>> {
    with(&state, |s| s.conflicts())
}

#[tauri::command]
fn observations(
    state: State<'_, AppState>,
    filter: ObservationFilter,
    after: Option<String>,
    limit: usize,
) -> Reply<ObservationPage> {
    with(&state, |s| s.observations(&filter, after.as_deref(), limit))
}

/// Every live sighting's position as little-endian `f32` pairs (binary IPC), for the main map.
#[tauri::command(async)]
fn sighting_points(state: State<'_, AppState>) -> Reply<tauri::ipc::Response> {
    with(&state, |s| s.sighting_points())
        .map(|p| tauri::ipc::Response::new(dauria_core::map_points::points_to_le_bytes(&p)))
}

/// A data file of the bundled basemap (`ui/public/basemap/`, embedded with the window's other
/// assets) as bytes: the window's `fetch` cannot read the app's own scheme on Linux.
#[tauri::command(async)]
fn basemap_file(app: tauri::AppHandle, name: String) -> Reply<tauri::ipc::Response> {
    let missing = || ErrorPayload {
        code: "not_found".into(),
        message: format!("the app has no basemap file {name}"),
        fields: Vec::new(),
    };
    if !matches!(name.as_str(), "daur.pmtiles" | "relief.json") {
        return Err(missing());
    }
    // A missing asset resolves to the page itself (the single-page fallback): check the content.
    let magic: &[u8] = if name.ends_with(".pmtiles") {
        b"PMTiles"
    } else {
        b"{"
    };
    match app.asset_resolver().get(format!("/basemap/{name}")) {
        Some(asset) if asset.bytes.starts_with(magic) => Ok(tauri::ipc::Response::new(asset.bytes)),
        _ => Err(missing()),
    }
}

#[tauri::command]
fn species_summary(state: State<'_, AppState>, site: Option<String>) -> Reply<Vec<SpeciesSummary>> {
    with(&state, |s| s.species_summary(site.as_deref()))
}

#[tauri::command]
fn country_checklist(state: State<'_, AppState>, country: Country) -> Reply<CountryChecklist> {
    with(&state, |s| s.country_checklist(country))
}

#[tauri::command]
fn parse_position(text: String) -> Reply<Position> {
    parse(&text).map_err(|e| ErrorPayload::from(&Error::Invalid(vec![e])))
}

#[tauri::command]
fn get_setting(state: State<'_, AppState>, key: String) -> Reply<Option<String>> {
    with(&state, |s| s.meta(&setting_key(&key)?))
}

#[tauri::command]
fn set_setting(state: State<'_, AppState>, key: String, value: String) -> Reply<()> {
    with(&state, |s| s.set_meta(&setting_key(&key)?, &value))
}

#[tauri::command]
fn sync_status(state: State<'_, AppState>) -> Reply<SyncView> {
    let running = state.sync.running();
    with_sync(&state, |s| {
        dauria_sync::status(s).map(|st| sync::view(st, running))
    })
}

#[tauri::command]
fn sync_now(state: State<'_, AppState>) {
    state.sync.now();
}

/// Enrolls with a one-time code (one request, off the main thread), then syncs at once.
#[tauri::command]
async fn sync_enroll(
    app: tauri::AppHandle,
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
    let view = tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let transport = HttpTransport::with_trust(&server, Duration::from_secs(60), &trust)
            .map_err(|e| sync::payload(&SyncError::Unreachable(e.to_string())))?;
        with_sync(&state, |s| {
            dauria_sync::enroll(s, &transport, &server, &code)
                .map_err(|e| dauria_sync::explain_tls(&transport, e))?;
            // Pinned from now on; the pin of an earlier enrollment must not outlive it.
            dauria_sync::set_trust(s, &trust)?;
            dauria_sync::status(s).map(|st| sync::view(st, false))
        })
        .inspect(|_| state.sync.now())
    })
    .await
    .map_err(|e| ErrorPayload {
        code: "internal".into(),
        message: e.to_string(),
        fields: Vec::new(),
    })??;
    Ok(view)
}

/// Looks for sync servers announcing themselves on the local network (a field station's
/// hub), listening for a few seconds.
#[tauri::command]
async fn sync_discover() -> Reply<Vec<FoundServer>> {
    tauri::async_runtime::spawn_blocking(|| {
        dauria_sync::discover::discover(Duration::from_secs(3))
            .map_err(|m| sync::payload(&SyncError::Unreachable(m)))
    })
    .await
    .map_err(|e| ErrorPayload {
        code: "internal".into(),
        message: e.to_string(),
        fields: Vec::new(),
    })?
}

/// Like [`with`] for the sync crate's calls.
fn with_sync<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut Store) -> Result<T, SyncError>,
) -> Reply<T> {
    with(state, |s| Ok(f(s))).and_then(|r| {
        r.map_err(|e| {
            tracing::warn!(code = e.code(), error = %e, "sync command failed");
            sync::payload(&e)
        })
    })
}

/// The handler with every command the UI may call.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        ui_ready,
        data_dir,
        log_dir,
        stats,
        search_taxa,
        list_records,
        get_record,
        create_record,
        update_record,
        delete_record,
        merge_record,
        record_history,
        record_heads,
        conflicts,
        observations,
        sighting_points,
        basemap_file,
        species_summary,
        country_checklist,
        parse_position,
        get_setting,
        set_setting,
        sync_status,
        sync_now,
        sync_enroll,
        sync_discover,
        crate::security::store_lock_state,
        crate::security::store_unlock,
        crate::security::store_encrypt,
        crate::security::store_change_passphrase,
        crate::backup::backup_folder,
        crate::backup::backup_create,
        crate::backup::backup_restore,
        exchange::survey_progress,
        exchange::survey_budget,
        exchange::double_bookings,
        exchange::schedule,
        exchange::data_sheets,
        exchange::gpx_import,
        crate::print::print,
        exchange::photo_store,
        exchange::photo_thumbnail,
        exchange::photo_data,
        exchange::photo_fetch,
        exchange::lab_results_preview,
        exchange::lab_results_import,
        exchange::sample_summary,
        crate::custody::shipment_list,
        crate::custody::shipment_detail,
        crate::custody::shipment_add,
        crate::custody::shipment_send,
        crate::custody::shipment_transfer,
        crate::custody::shipment_receive,
        crate::custody::shipment_manifest_csv,
        crate::custody::sample_history,
        exchange::csv_preview,
        exchange::csv_import,
        exchange::dwca_import,
        exchange::export_file,
        exchange::export_table,
        crate::desktop::choose_folder,
        crate::desktop::show_in_folder,
        crate::desktop::open_log_folder,
        crate::visits::visit_open,
        crate::visits::visit_start,
        crate::visits::visit_end,
        crate::visits::visit_list,
        crate::visits::visit_from_gpx,
        crate::sites::place_at,
        crate::sites::site_save,
        crate::sites::site_delete,
        crate::sites::site_merge,
        crate::sites::checklist_add,
        crate::sites::checklist_remove,
        crate::sites::taxon_set_name,
        crate::monitoring::report_trends,
        crate::monitoring::report_sites,
        crate::monitoring::report_prevalence,
        crate::monitoring::report_hosts_by_pathogen,
        crate::monitoring::report_risk,
        crate::monitoring::risk_settings,
        crate::monitoring::risk_settings_save,
        crate::monitoring::risk_settings_reset,
        crate::monitoring::report_country_progress,
        crate::monitoring::needs_attention_sites,
    ]
}
