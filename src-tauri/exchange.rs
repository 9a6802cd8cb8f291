//! Commands for planning reports, photos, samples and data exchange. Files chosen in the UI
//! arrive as raw IPC bodies (their bytes), with any other argument in `x-dauria-*` headers;
//! heavy work runs off the main thread (`async`) so the window stays responsive.

use crate::commands::{with, Reply};
use crate::AppState;
use base64::Engine as _;
use dauria_core::dwca::{export_dwca, export_geojson, import_dwca_from, DwcaImportReport};
use dauria_core::error::ErrorPayload;
use dauria_core::import::{
    export_observations, import_observations, preview_csv, CsvPreview, ImportOptions, ImportReport,
};
use dauria_core::media::{self, StoredPhoto};
use dauria_core::planning::booking::DoubleBooking;
use dauria_core::planning::budget::BudgetSummary;
use dauria_core::planning::datasheet::CountrySheet;
use dauria_core::planning::gpx::ImportSummary;
use dauria_core::planning::progress::Progress;
use dauria_core::planning::timeline::ScheduleItem;
use dauria_core::planning::{booking, budget, datasheet, gpx, progress, timeline};
use dauria_core::samples::{self, LabResultReport, ResultSummary};
use dauria_core::store::query::ObservationFilter;
use dauria_core::Error;
use serde::{Deserialize, Serialize};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use tauri::ipc::{InvokeBody, Request};
use tauri::{Manager, State};
use ts_rs::TS;

/// What an export can write.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Darwin Core Archive (Event core with occurrences, measurements and relationships).
    Dwca,
    Csv,
    Geojson,
    /// A survey's routes and tracks.
    Gpx,
}

/// A file an export wrote.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Exported {
    pub path: String,
    pub size_bytes: u64,
    /// Rows, features or points written (occurrences for an archive).
    pub records: u64,
}

pub(crate) fn io_error(context: String, e: std::io::Error) -> ErrorPayload {
    ErrorPayload::from(&Error::Io { context, source: e })
}

fn invalid(field: &str, rule: &str, message: impl Into<String>) -> ErrorPayload {
    ErrorPayload::from(&Error::invalid(field, rule, message))
}

/// The raw bytes of a request (a file the user chose).
pub(crate) fn bytes<'a>(request: &'a Request<'_>) -> Reply<&'a [u8]> {
    match request.body() {
        InvokeBody::Raw(b) => Ok(b),
        InvokeBody::Json(_) => Err(invalid(
            "file",
            "format",
            "expected the file's bytes, got JSON",
        )),
    }
}

/// A percent-encoded header (file names may be in any script).
pub(crate) fn header(request: &Request<'_>, name: &str) -> Reply<Option<String>> {
    let Some(v) = request.headers().get(name) else {
        return Ok(None);
    };
    let raw = v
        .to_str()
        .map_err(|_| invalid(name, "format", format!("header {name} is not text")))?;
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| Some(s.into_owned()))
        .map_err(|_| invalid(name, "format", format!("header {name} is not UTF-8")))
}

fn required_header(request: &Request<'_>, name: &str) -> Reply<String> {
    header(request, name)?
        .ok_or_else(|| invalid(name, "required", format!("header {name} is missing")))
}

/// `YYYY-MM-DD` today on this laptop's clock, in its time zone.
fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command]
pub fn survey_progress(state: State<'_, AppState>, survey: String) -> Reply<Progress> {
    with(&state, |s| progress::progress(s, &survey))
}

#[tauri::command]
pub fn survey_budget(
    state: State<'_, AppState>,
    survey: String,
    currency: Option<String>,
) -> Reply<BudgetSummary> {
    with(&state, |s| {
        budget::survey_budget(s, &survey, currency.as_deref())
    })
}

#[tauri::command]
pub fn double_bookings(state: State<'_, AppState>) -> Reply<Vec<DoubleBooking>> {
    with(&state, |s| booking::double_bookings(s))
}

#[tauri::command]
pub fn schedule(state: State<'_, AppState>, survey: Option<String>) -> Reply<Vec<ScheduleItem>> {
    with(&state, |s| timeline::schedule(s, survey.as_deref()))
}

#[tauri::command]
pub fn data_sheets(state: State<'_, AppState>) -> Reply<Vec<CountrySheet>> {
    with(&state, |s| datasheet::dashboard(s, today()))
}

#[tauri::command(async)]
pub fn gpx_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<ImportSummary> {
    let survey = required_header(&request, "x-dauria-survey")?;
    let name = header(&request, "x-dauria-name")?.unwrap_or_else(|| "GPX".into());
    let data = bytes(&request)?;
    with(&state, |s| gpx::import(s, &survey, data, &name))
}

#[tauri::command(async)]
pub fn photo_store(state: State<'_, AppState>, request: Request<'_>) -> Reply<StoredPhoto> {
    let name = header(&request, "x-dauria-name")?.unwrap_or_default();
    let data = bytes(&request)?;
    // The blob store needs no lock: writes are atomic renames of content-addressed files.
    let dir = with(&state, |s| Ok(s.dir().to_path_buf()))?;
    media::store_photo(&dir, data).map_err(|e| {
        let mut p = ErrorPayload::from(&e);
        if !name.is_empty() {
            p.message = format!("{name}: {}", p.message);
            for f in &mut p.fields {
                f.message = format!("{name}: {}", f.message);
            }
        }
        p
    })
}

#[tauri::command(async)]
pub fn photo_thumbnail(state: State<'_, AppState>, sha: String) -> Reply<Option<String>> {
    let dir = with(&state, |s| Ok(s.dir().to_path_buf()))?;
    if !media::is_sha256(&sha) {
        return Err(invalid(
            "sha",
            "format",
            format!("'{sha}' is not a SHA-256"),
        ));
    }
    if !media::has_blob(&dir, &sha) {
        return Ok(None);
    }
    let jpeg = media::read_thumbnail(&dir, &sha).map_err(|e| ErrorPayload::from(&e))?;
    Ok(Some(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )))
}

/// The full photo's bytes (binary IPC, no JSON), for viewing it at full size.
#[tauri::command(async)]
pub fn photo_data(state: State<'_, AppState>, sha: String) -> Reply<tauri::ipc::Response> {
    let dir = with(&state, |s| Ok(s.dir().to_path_buf()))?;
    media::read_blob(&dir, &sha)
        .map(tauri::ipc::Response::new)
        .map_err(|e| ErrorPayload::from(&e))
}

#[tauri::command(async)]
pub fn photo_fetch(app: tauri::AppHandle, sha: String) -> Reply<bool> {
    let state = app.state::<AppState>();
    if !media::is_sha256(&sha) {
        return Err(invalid(
            "sha",
            "format",
            format!("'{sha}' is not a SHA-256"),
        ));
    }
    // A connection of its own, so that a slow download never holds the UI's store lock.
    let dir = with(&state, |s| Ok(s.dir().to_path_buf()))?;
    let store = dauria_core::Store::open(&dir).map_err(|e| ErrorPayload::from(&e))?;
    let server = dauria_sync::server_of(&store).map_err(|e| crate::sync::payload(&e))?;
    let Some(server) = server else {
        return Ok(false);
    };
    let transport = dauria_sync::transport_for(&store, &server, std::time::Duration::from_secs(60))
        .map_err(|e| crate::sync::payload(&e))?;
    let client = dauria_sync::SyncClient::new(&transport, dauria_sync::SyncOptions::default());
    match client.fetch_blob(&store, &sha) {
        Ok(_) => Ok(true),
        Err(dauria_sync::SyncError::Store(Error::NotFound(_))) => Ok(false),
        Err(e) => Err(crate::sync::payload(&e)),
    }
}

#[tauri::command(async)]
pub fn lab_results_preview(request: Request<'_>) -> Reply<CsvPreview> {
    samples::preview_lab_results(bytes(&request)?, 8).map_err(|e| ErrorPayload::from(&e))
}

#[tauri::command(async)]
pub fn lab_results_import(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> Reply<LabResultReport> {
    let columns = mapping(&request)?;
    let data = bytes(&request)?;
    with(&state, |s| {
        samples::import_lab_results_mapped(s, data, columns.as_deref())
    })
}

/// The column per header the person chose (`x-dauria-columns`, JSON), when they chose one.
fn mapping(request: &Request<'_>) -> Reply<Option<Vec<Option<String>>>> {
    header(request, "x-dauria-columns")?
        .map(|json| {
            serde_json::from_str(&json).map_err(|e| {
                invalid(
                    "columns",
                    "format",
                    format!("the column mapping is not valid: {e}"),
                )
            })
        })
        .transpose()
}

#[tauri::command]
pub fn sample_summary(state: State<'_, AppState>) -> Reply<Vec<ResultSummary>> {
    with(&state, |s| samples::summarize_results(s))
}

#[tauri::command(async)]
pub fn csv_preview(request: Request<'_>) -> Reply<CsvPreview> {
    preview_csv(bytes(&request)?, 8).map_err(|e| ErrorPayload::from(&e))
}

#[tauri::command(async)]
pub fn csv_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<ImportReport> {
    let Some(columns) = mapping(&request)? else {
        return Err(invalid("columns", "required", "no column mapping was sent"));
    };
    let all_or_nothing = header(&request, "x-dauria-all-or-nothing")?.as_deref() == Some("true");
    let data = bytes(&request)?;
    let opts = ImportOptions {
        all_or_nothing,
        columns: Some(columns),
    };
    with(&state, |s| import_observations(s, data, opts, |_| {}))
}

#[tauri::command(async)]
pub fn dwca_import(state: State<'_, AppState>, request: Request<'_>) -> Reply<DwcaImportReport> {
    let data = bytes(&request)?;
    // The file's name names the dataset of rows that name none (docs/SYNC.md §1.2).
    let name = header(&request, "x-dauria-name")?.unwrap_or_default();
    with(&state, |s| import_dwca_from(s, Cursor::new(data), &name))
}

/// The folder exports go to: the `export_dir` setting, else `Documents/Dauria Field`.
pub(crate) fn export_dir(app: &tauri::AppHandle, state: &State<'_, AppState>) -> Reply<PathBuf> {
    if let Some(d) = with(state, |s| s.meta("ui.export_dir"))?.filter(|d| !d.trim().is_empty()) {
        return Ok(PathBuf::from(d.trim()));
    }
    let base = app
        .path()
        .document_dir()
        .or_else(|_| app.path().home_dir())
        .map_err(|e| ErrorPayload {
            code: "internal".into(),
            message: format!("no folder to export to: {e}"),
            fields: Vec::new(),
        })?;
    Ok(base.join("Dauria Field"))
}

/// Writes `path` through a temporary file renamed into place, so a failed export leaves no
/// half-written file behind.
fn write_file(path: &Path, f: impl FnOnce(&mut std::fs::File) -> Reply<u64>) -> Reply<u64> {
    let io = |e: std::io::Error| io_error(format!("cannot write {}", path.display()), e);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("partial");
    let result = (|| {
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        let n = f(&mut file)?;
        file.flush().map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(n)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[tauri::command(async)]
pub fn export_file(
    app: tauri::AppHandle,
    format: ExportFormat,
    survey: Option<String>,
) -> Reply<Exported> {
    let state = app.state::<AppState>();
    let dir = export_dir(&app, &state)?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let (stem, ext) = match format {
        ExportFormat::Dwca => ("dwca", "zip"),
        ExportFormat::Csv => ("observations", "csv"),
        ExportFormat::Geojson => ("observations", "geojson"),
        ExportFormat::Gpx => ("routes", "gpx"),
    };
    let path = dir.join(format!("dauria-{stem}-{stamp}.{ext}"));
    let all = ObservationFilter::default();
    let records = write_file(&path, |file| {
        with(&state, |s| match format {
            ExportFormat::Dwca => Ok(export_dwca(s, survey.as_deref(), &mut *file)?.occurrences),
            ExportFormat::Csv => export_observations(s, &all, &mut *file),
            ExportFormat::Geojson => export_geojson(s, &all, &mut *file),
            ExportFormat::Gpx => {
                let id = survey.as_deref().ok_or_else(|| {
                    Error::invalid("survey", "required", "choose a survey to export its routes")
                })?;
                Ok(gpx::export(s, id, &mut *file)?.points as u64)
            }
        })
    })?;
    let size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    tracing::info!(path = %path.display(), records, "exported");
    Ok(Exported {
        path: path.display().to_string(),
        size_bytes,
        records,
    })
}

/// Writes a report table the window made (CSV text, headers in the user's language) into the
/// export folder as `<name>-<time>.csv`. A UTF-8 byte-order mark goes first so spreadsheet
/// programs read Chinese, Russian and Mongolian text correctly.
#[tauri::command(async)]
pub fn export_table(app: tauri::AppHandle, name: String, csv: String) -> Reply<Exported> {
    let state = app.state::<AppState>();
    let dir = export_dir(&app, &state)?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let path = dir.join(format!("{}-{stamp}.csv", crate::print::file_stem(&name)));
    write_file(&path, |file| {
        file.write_all("\u{feff}".as_bytes())
            .and_then(|_| file.write_all(csv.as_bytes()))
            .map_err(|e| io_error(format!("cannot write {}", path.display()), e))?;
        Ok(csv.lines().count().saturating_sub(1) as u64)
    })
    .map(|records| {
        let size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        tracing::info!(path = %path.display(), records, "report table exported");
        Exported {
            path: path.display().to_string(),
            size_bytes,
            records,
        }
    })
}
