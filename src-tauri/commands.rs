//! The IPC commands: each is a one-line call into `dauria-app`, where the command is a plain
//! function tested without a window. What only the window has stays here: the start-up signal,
//! the bundled basemap's files and, in `desktop.rs` and `print.rs`, dialogs, the file manager
//! and printing. A file the person chose arrives as the raw IPC body, its bytes, with the other
//! arguments in percent-encoded `x-dauria-*` headers; work on files and reports runs off the
//! window's thread (`async`).

use dauria_app::exchange::{ExportFormat, Exported};
use dauria_app::sync::SyncView;
use dauria_app::{
    backup, custody, exchange, monitoring, records, security, sites, sync, visits, AppState, Reply,
};
use dauria_core::coords::Position;
use dauria_core::custody::{
    Handover, NewShipment, Receipt, ReceiptReport, SampleHistory, ShipmentDetail, ShipmentSummary,
};
use dauria_core::dwca::DwcaImportReport;
use dauria_core::encryption::LockState;
use dauria_core::error::ErrorPayload;
use dauria_core::import::{CsvPreview, ImportReport};
use dauria_core::media::StoredPhoto;
use dauria_core::model::{Body, Country, Kind};
use dauria_core::monitoring::{
    CountryProgress, HostPathogen, Period, PrevalenceQuery, PrevalenceRow, RiskSettings, SiteRisk,
    SiteSummary, TrendPoint, TrendQuery,
};
use dauria_core::places::Place;
use dauria_core::planning::booking::DoubleBooking;
use dauria_core::planning::budget::BudgetSummary;
use dauria_core::planning::datasheet::CountrySheet;
use dauria_core::planning::gpx::ImportSummary;
use dauria_core::planning::progress::Progress;
use dauria_core::planning::timeline::ScheduleItem;
use dauria_core::samples::{LabResultReport, ResultSummary};
use dauria_core::sites::{SiteInput, SiteMerge};
use dauria_core::store::query::{
    CountryChecklist, ObservationFilter, ObservationPage, SpeciesSummary, Stats,
};
use dauria_core::taxa::TaxonMatch;
use dauria_core::visits::{VisitStart, VisitSummary};
use dauria_core::{Current, Error, RevisionInfo, Saved};
use dauria_sync::discover::FoundServer;
use std::time::Duration;
use tauri::ipc::{InvokeBody, Request, Response};
use tauri::{AppHandle, Manager, State};

/// The raw bytes of a request (a file the user chose).
fn bytes<'a>(request: &'a Request<'_>) -> Reply<&'a [u8]> {
    match request.body() {
        InvokeBody::Raw(b) => Ok(b),
        InvokeBody::Json(_) => Err(ErrorPayload::from(&Error::invalid(
            "file",
            "format",
            "expected the file's bytes, got JSON",
        ))),
    }
}

/// A percent-encoded header (file names may be in any script).
fn header(request: &Request<'_>, name: &str) -> Reply<Option<String>> {
    let invalid = |m: String| ErrorPayload::from(&Error::invalid(name, "format", m));
    let Some(v) = request.headers().get(name) else {
        return Ok(None);
    };
    let raw = v
        .to_str()
        .map_err(|_| invalid(format!("header {name} is not text")))?;
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| Some(s.into_owned()))
        .map_err(|_| invalid(format!("header {name} is not UTF-8")))
}

fn required_header(request: &Request<'_>, name: &str) -> Reply<String> {
    header(request, name)?.ok_or_else(|| {
        ErrorPayload::from(&Error::invalid(
            name,
            "required",
            format!("header {name} is missing"),
        ))
    })
}

/// Runs a blocking command on a thread of its own, so the async runtime keeps answering.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Reply<T> + Send + 'static) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ErrorPayload {
            code: "internal".into(),
            message: e.to_string(),
            fields: Vec::new(),
        })?
}

/// The UI calls this once its first screen is interactive. The start-up time goes to the log;
/// with `DAURIA_EXIT_WHEN_READY` set (the start-up benchmark) it is printed and the app exits.
#[tauri::command]
fn ui_ready(app: AppHandle) {
    let ms = crate::STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    tracing::info!(startup_ms = ms as u64, "window interactive");
    if std::env::var_os("DAURIA_EXIT_WHEN_READY").is_some() {
        println!("ready_ms={ms}");
        app.exit(0);
    }
}

/// A data file of the bundled basemap (`ui/public/basemap/`, embedded with the window's other
/// assets) as bytes: the window's `fetch` cannot read the app's own scheme on Linux.
#[tauri::command(async)]
fn basemap_file(app: AppHandle, name: String) -> Reply<Response> {
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
        Some(asset) if asset.bytes.starts_with(magic) => Ok(Response::new(asset.bytes)),
        _ => Err(missing()),
    }
}

// Records, queries and settings.

#[tauri::command]
fn data_dir(state: State<'_, AppState>) -> Reply<String> {
    records::data_dir(&state)
}

#[tauri::command]
fn log_dir(state: State<'_, AppState>) -> String {
    records::log_dir(&state)
}

/// Counts over every row: off the window's thread (as are `conflicts` and `sync_status`).
#[tauri::command]
async fn stats(app: AppHandle) -> Reply<Stats> {
    blocking(move || records::stats(&app.state::<AppState>())).await
}

#[tauri::command]
fn search_taxa(
    state: State<'_, AppState>,
    query: String,
    limit: usize,
    country: Option<Country>,
) -> Reply<Vec<TaxonMatch>> {
    records::search_taxa(&state, query, limit, country)
}

#[tauri::command]
fn list_records(state: State<'_, AppState>, kind: Kind) -> Reply<Vec<Current>> {
    records::list_records(&state, kind)
}

#[tauri::command]
fn get_record(state: State<'_, AppState>, id: String) -> Reply<Option<Current>> {
    records::get_record(&state, id)
}

#[tauri::command]
fn create_record(state: State<'_, AppState>, body: Body) -> Reply<Saved> {
    records::create_record(&state, body)
}

#[tauri::command]
fn update_record(
    state: State<'_, AppState>,
    id: String,
    parent_rev: String,
    body: Body,
) -> Reply<Saved> {
    records::update_record(&state, id, parent_rev, body)
}

#[tauri::command]
fn delete_record(state: State<'_, AppState>, id: String, parent_rev: String) -> Reply<Saved> {
    records::delete_record(&state, id, parent_rev)
}

#[tauri::command]
fn merge_record(state: State<'_, AppState>, id: String, body: Option<Body>) -> Reply<Saved> {
    records::merge_record(&state, id, body)
}

#[tauri::command]
fn record_history(state: State<'_, AppState>, id: String) -> Reply<Vec<RevisionInfo>> {
    records::record_history(&state, id)
}

#[tauri::command]
fn record_heads(state: State<'_, AppState>, id: String) -> Reply<Vec<RevisionInfo>> {
    records::record_heads(&state, id)
}

#[tauri::command]
async fn conflicts(app: AppHandle) -> Reply<Vec<(String, Kind)>> {
    blocking(move || records::conflicts(&app.state::<AppState>())).await
}

#[tauri::command]
fn observations(
    state: State<'_, AppState>,
    filter: ObservationFilter,
    after: Option<String>,
    limit: usize,
) -> Reply<ObservationPage> {
    records::observations(&state, filter, after, limit)
}

/// Binary IPC: the positions as little-endian `f32` pairs.
#[tauri::command(async)]
fn sighting_points(state: State<'_, AppState>) -> Reply<Response> {
    records::sighting_points(&state).map(Response::new)
}

#[tauri::command]
fn species_summary(state: State<'_, AppState>, site: Option<String>) -> Reply<Vec<SpeciesSummary>> {
    records::species_summary(&state, site)
}

#[tauri::command]
fn country_checklist(state: State<'_, AppState>, country: Country) -> Reply<CountryChecklist> {
    records::country_checklist(&state, country)
}

#[tauri::command]
fn parse_position(text: String) -> Reply<Position> {
    records::parse_position(text)
}

#[tauri::command]
fn get_setting(state: State<'_, AppState>, key: String) -> Reply<Option<String>> {
    records::get_setting(&state, key)
}

#[tauri::command]
fn set_setting(state: State<'_, AppState>, key: String, value: String) -> Reply<()> {
    records::set_setting(&state, key, value)
}

// Sync.

#[tauri::command]
async fn sync_status(app: AppHandle) -> Reply<SyncView> {
    blocking(move || sync::sync_status(&app.state::<AppState>())).await
}

#[tauri::command]
fn sync_now(state: State<'_, AppState>) {
    sync::sync_now(&state)
}

#[tauri::command]
async fn sync_enroll(
    app: AppHandle,
    server: String,
    code: String,
    fingerprint: Option<String>,
) -> Reply<SyncView> {
    blocking(move || sync::sync_enroll(&app.state::<AppState>(), server, code, fingerprint)).await
}

#[tauri::command]
async fn sync_discover() -> Reply<Vec<FoundServer>> {
    blocking(|| sync::sync_discover(Duration::from_secs(3))).await
}

// The store's passphrase and backups.

#[tauri::command]
fn store_lock_state(state: State<'_, AppState>) -> LockState {
    security::store_lock_state(&state)
}

#[tauri::command(async)]
fn store_unlock(state: State<'_, AppState>, passphrase: String) -> Reply<()> {
    security::store_unlock(&state, passphrase)
}

#[tauri::command(async)]
fn store_encrypt(state: State<'_, AppState>, passphrase: String) -> Reply<()> {
    security::store_encrypt(&state, passphrase)
}

#[tauri::command(async)]
fn store_change_passphrase(state: State<'_, AppState>, old: String, new: String) -> Reply<()> {
    security::store_change_passphrase(&state, old, new)
}

#[tauri::command]
fn backup_folder(state: State<'_, AppState>) -> Reply<String> {
    backup::backup_folder(&state)
}

#[tauri::command(async)]
fn backup_create(state: State<'_, AppState>, folder: String) -> Reply<backup::BackupDone> {
    backup::backup_create(&state, folder)
}

#[tauri::command(async)]
fn backup_restore(state: State<'_, AppState>, path: String) -> Reply<backup::BackupDone> {
    backup::backup_restore(&state, path)
}

// Planning, photos, samples and data exchange.

#[tauri::command]
fn survey_progress(state: State<'_, AppState>, survey: String) -> Reply<Progress> {
    exchange::survey_progress(&state, survey)
}

#[tauri::command]
fn survey_budget(
    state: State<'_, AppState>,
    survey: String,
    currency: Option<String>,
) -> Reply<BudgetSummary> {
    exchange::survey_budget(&state, survey, currency)
}

#[tauri::command]
fn double_bookings(state: State<'_, AppState>) -> Reply<Vec<DoubleBooking>> {
    exchange::double_bookings(&state)
}

#[tauri::command]
fn schedule(state: State<'_, AppState>, survey: Option<String>) -> Reply<Vec<ScheduleItem>> {
    exchange::schedule(&state, survey)
}

#[tauri::command]
fn data_sheets(state: State<'_, AppState>) -> Reply<Vec<CountrySheet>> {
    exchange::data_sheets(&state)
}

#[tauri::command(async)]
fn gpx_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<ImportSummary> {
    let survey = required_header(&request, "x-dauria-survey")?;
    let name = header(&request, "x-dauria-name")?;
    exchange::gpx_import(&state, bytes(&request)?, survey, name)
}

#[tauri::command(async)]
fn photo_store(state: State<'_, AppState>, request: Request<'_>) -> Reply<StoredPhoto> {
    let name = header(&request, "x-dauria-name")?;
    exchange::photo_store(&state, bytes(&request)?, name)
}

#[tauri::command(async)]
fn photo_thumbnail(state: State<'_, AppState>, sha: String) -> Reply<Option<String>> {
    exchange::photo_thumbnail(&state, sha)
}

/// Binary IPC: the photo's bytes.
#[tauri::command(async)]
fn photo_data(state: State<'_, AppState>, sha: String) -> Reply<Response> {
    exchange::photo_data(&state, sha).map(Response::new)
}

#[tauri::command(async)]
fn photo_fetch(state: State<'_, AppState>, sha: String) -> Reply<bool> {
    exchange::photo_fetch(&state, sha)
}

#[tauri::command(async)]
fn lab_results_preview(request: Request<'_>) -> Reply<CsvPreview> {
    exchange::lab_results_preview(bytes(&request)?)
}

#[tauri::command(async)]
fn lab_results_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<LabResultReport> {
    let columns = header(&request, "x-dauria-columns")?;
    exchange::lab_results_import(&state, bytes(&request)?, columns)
}

#[tauri::command]
fn sample_summary(state: State<'_, AppState>) -> Reply<Vec<ResultSummary>> {
    exchange::sample_summary(&state)
}

#[tauri::command(async)]
fn csv_preview(request: Request<'_>) -> Reply<CsvPreview> {
    exchange::csv_preview(bytes(&request)?)
}

#[tauri::command(async)]
fn csv_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<ImportReport> {
    let columns = header(&request, "x-dauria-columns")?;
    let all_or_nothing = header(&request, "x-dauria-all-or-nothing")?;
    exchange::csv_import(&state, bytes(&request)?, columns, all_or_nothing)
}

#[tauri::command(async)]
fn dwca_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<DwcaImportReport> {
    let name = header(&request, "x-dauria-name")?;
    exchange::dwca_import(&state, bytes(&request)?, name)
}

#[tauri::command(async)]
fn export_file(
    state: State<'_, AppState>,
    format: ExportFormat,
    survey: Option<String>,
) -> Reply<Exported> {
    exchange::export_file(&state, format, survey)
}

#[tauri::command(async)]
fn export_table(state: State<'_, AppState>, name: String, csv: String) -> Reply<Exported> {
    exchange::export_table(&state, name, csv)
}

// Chain of custody.

#[tauri::command]
fn shipment_list(state: State<'_, AppState>) -> Reply<Vec<ShipmentSummary>> {
    custody::shipment_list(&state)
}

#[tauri::command]
fn shipment_detail(state: State<'_, AppState>, key: String) -> Reply<ShipmentDetail> {
    custody::shipment_detail(&state, key)
}

#[tauri::command]
fn shipment_add(state: State<'_, AppState>, input: NewShipment) -> Reply<String> {
    custody::shipment_add(&state, input)
}

#[tauri::command]
fn shipment_send(state: State<'_, AppState>, key: String, handover: Handover) -> Reply<Saved> {
    custody::shipment_send(&state, key, handover)
}

#[tauri::command]
fn shipment_transfer(state: State<'_, AppState>, key: String, handover: Handover) -> Reply<Saved> {
    custody::shipment_transfer(&state, key, handover)
}

#[tauri::command]
fn shipment_receive(
    state: State<'_, AppState>,
    key: String,
    receipt: Receipt,
) -> Reply<ReceiptReport> {
    custody::shipment_receive(&state, key, receipt)
}

#[tauri::command]
fn shipment_manifest_csv(state: State<'_, AppState>, key: String) -> Reply<String> {
    custody::shipment_manifest_csv(&state, key)
}

#[tauri::command]
fn sample_history(state: State<'_, AppState>, barcode: String) -> Reply<SampleHistory> {
    custody::sample_history(&state, barcode)
}

// Visits.

#[tauri::command]
fn visit_open(state: State<'_, AppState>) -> Reply<Option<VisitSummary>> {
    visits::visit_open(&state)
}

#[tauri::command]
fn visit_start(state: State<'_, AppState>, start: VisitStart) -> Reply<Saved> {
    visits::visit_start(&state, start)
}

#[tauri::command]
fn visit_end(state: State<'_, AppState>, at: Option<String>) -> Reply<Saved> {
    visits::visit_end(&state, at)
}

#[tauri::command]
fn visit_list(state: State<'_, AppState>, survey: Option<String>) -> Reply<Vec<VisitSummary>> {
    visits::visit_list(&state, survey)
}

#[tauri::command(async)]
fn visit_from_gpx(state: State<'_, AppState>, request: Request<'_>) -> Reply<Vec<String>> {
    let survey = header(&request, "x-dauria-survey")?;
    let protocol = header(&request, "x-dauria-protocol")?;
    let observers = header(&request, "x-dauria-observers")?;
    visits::visit_from_gpx(&state, bytes(&request)?, survey, protocol, observers)
}

// Sites and checklists.

#[tauri::command]
fn place_at(state: State<'_, AppState>, lat: f64, lon: f64) -> Reply<Place> {
    sites::place_at(&state, lat, lon)
}

#[tauri::command]
fn site_save(state: State<'_, AppState>, id: Option<String>, input: SiteInput) -> Reply<Saved> {
    sites::site_save(&state, id, input)
}

#[tauri::command]
fn site_delete(state: State<'_, AppState>, id: String) -> Reply<Saved> {
    sites::site_delete(&state, id)
}

#[tauri::command]
fn site_merge(state: State<'_, AppState>, keep: String, gone: String) -> Reply<SiteMerge> {
    sites::site_merge(&state, keep, gone)
}

#[tauri::command]
fn checklist_add(state: State<'_, AppState>, country: Country, taxon: String) -> Reply<Saved> {
    sites::checklist_add(&state, country, taxon)
}

#[tauri::command]
fn checklist_remove(state: State<'_, AppState>, country: Country, taxon: String) -> Reply<Saved> {
    sites::checklist_remove(&state, country, taxon)
}

#[tauri::command]
fn taxon_set_name(
    state: State<'_, AppState>,
    taxon: String,
    locale: String,
    name: String,
) -> Reply<Saved> {
    sites::taxon_set_name(&state, taxon, locale, name)
}

// Monitoring reports.

#[tauri::command(async)]
fn report_trends(state: State<'_, AppState>, query: TrendQuery) -> Reply<Vec<TrendPoint>> {
    monitoring::report_trends(&state, query)
}

#[tauri::command(async)]
fn report_sites(state: State<'_, AppState>, period: Period) -> Reply<Vec<SiteSummary>> {
    monitoring::report_sites(&state, period)
}

#[tauri::command(async)]
fn report_prevalence(
    state: State<'_, AppState>,
    query: PrevalenceQuery,
) -> Reply<Vec<PrevalenceRow>> {
    monitoring::report_prevalence(&state, query)
}

#[tauri::command(async)]
fn report_hosts_by_pathogen(
    state: State<'_, AppState>,
    period: Period,
) -> Reply<Vec<HostPathogen>> {
    monitoring::report_hosts_by_pathogen(&state, period)
}

#[tauri::command(async)]
fn report_risk(state: State<'_, AppState>, disease: String) -> Reply<Vec<SiteRisk>> {
    monitoring::report_risk(&state, disease)
}

#[tauri::command(async)]
fn risk_settings(state: State<'_, AppState>) -> Reply<Vec<RiskSettings>> {
    monitoring::risk_settings(&state)
}

#[tauri::command(async)]
fn risk_settings_save(state: State<'_, AppState>, settings: RiskSettings) -> Reply<()> {
    monitoring::risk_settings_save(&state, settings)
}

#[tauri::command(async)]
fn risk_settings_reset(state: State<'_, AppState>, disease: String) -> Reply<()> {
    monitoring::risk_settings_reset(&state, disease)
}

#[tauri::command(async)]
fn report_country_progress(state: State<'_, AppState>) -> Reply<Vec<CountryProgress>> {
    monitoring::report_country_progress(&state)
}

#[tauri::command(async)]
fn needs_attention_sites(state: State<'_, AppState>) -> Reply<Vec<SiteRisk>> {
    monitoring::needs_attention_sites(&state)
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
        store_lock_state,
        store_unlock,
        store_encrypt,
        store_change_passphrase,
        backup_folder,
        backup_create,
        backup_restore,
        survey_progress,
        survey_budget,
        double_bookings,
        schedule,
        data_sheets,
        gpx_import,
        crate::print::print,
        photo_store,
        photo_thumbnail,
        photo_data,
        photo_fetch,
        lab_results_preview,
        lab_results_import,
        sample_summary,
        shipment_list,
        shipment_detail,
        shipment_add,
        shipment_send,
        shipment_transfer,
        shipment_receive,
        shipment_manifest_csv,
        sample_history,
        csv_preview,
        csv_import,
        dwca_import,
        export_file,
        export_table,
        crate::desktop::choose_folder,
        crate::desktop::show_in_folder,
        crate::desktop::open_log_folder,
        visit_open,
        visit_start,
        visit_end,
        visit_list,
        visit_from_gpx,
        place_at,
        site_save,
        site_delete,
        site_merge,
        checklist_add,
        checklist_remove,
        taxon_set_name,
        report_trends,
        report_sites,
        report_prevalence,
        report_hosts_by_pathogen,
        report_risk,
        risk_settings,
        risk_settings_save,
        risk_settings_reset,
        report_country_progress,
        needs_attention_sites,
    ]
}
