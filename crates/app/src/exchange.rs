//! Planning reports, photos, samples and data exchange. A file chosen in the window arrives
//! as its bytes (`file`), with any other argument as text (the shell sends them in
//! `x-dauria-*` headers beside the bytes, so each is named after its header).

use crate::{invalid, io_error, today, with, AppState, Reply};
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
use ts_rs::TS;

/// What an export can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
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

/// The longest file name kept, in bytes (file systems take 255; room is left for " (n).pdf").
const NAME_BYTES: usize = 200;

/// A file name (without extension) for a document titled `title`: characters that a file system
/// refuses or that would make a path are replaced by `_`, and long titles are cut.
pub fn file_stem(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let mut stem = String::new();
    for c in cleaned.trim().trim_start_matches('.').chars() {
        if stem.len() + c.len_utf8() > NAME_BYTES {
            break;
        }
        stem.push(c);
    }
    let stem = stem.trim_end().trim_end_matches('.').to_string();
    if stem.is_empty() {
        "Dauria Field".into()
    } else {
        stem
    }
}

/// The column per header the person chose (JSON), when they chose one.
fn mapping(columns: Option<String>) -> Reply<Option<Vec<Option<String>>>> {
    columns
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

/// A survey's progress against its plan.
pub fn survey_progress(state: &AppState, survey: String) -> Reply<Progress> {
    with(state, |s| progress::progress(s, &survey))
}

/// A survey's budget, totalled (in `currency`, or each line's own).
pub fn survey_budget(
    state: &AppState,
    survey: String,
    currency: Option<String>,
) -> Reply<BudgetSummary> {
    with(state, |s| {
        budget::survey_budget(s, &survey, currency.as_deref())
    })
}

/// People and vehicles booked twice at once.
pub fn double_bookings(state: &AppState) -> Reply<Vec<DoubleBooking>> {
    with(state, |s| booking::double_bookings(s))
}

/// The schedule of one survey or of all.
pub fn schedule(state: &AppState, survey: Option<String>) -> Reply<Vec<ScheduleItem>> {
    with(state, |s| timeline::schedule(s, survey.as_deref()))
}

/// Each country's data sheets against their deadlines.
pub fn data_sheets(state: &AppState) -> Reply<Vec<CountrySheet>> {
    with(state, |s| datasheet::dashboard(s, today()))
}

/// Adds a GPX file's routes and waypoints to a survey (`name`: the file's name).
pub fn gpx_import(
    state: &AppState,
    file: &[u8],
    survey: String,
    name: Option<String>,
) -> Reply<ImportSummary> {
    let name = name.unwrap_or_else(|| "GPX".into());
    with(state, |s| gpx::import(s, &survey, file, &name))
}

/// Keeps a photo (its EXIF time and position read, a thumbnail made); `name` is the file's
/// name, put before the reason when it is refused.
pub fn photo_store(state: &AppState, file: &[u8], name: Option<String>) -> Reply<StoredPhoto> {
    let name = name.unwrap_or_default();
    // The blob store needs no lock: writes are atomic renames of content-addressed files.
    let dir = with(state, |s| Ok(s.dir().to_path_buf()))?;
    media::store_photo(&dir, file).map_err(|e| {
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

/// A kept photo's thumbnail as a `data:` URL, or none when the photo is not on this laptop.
pub fn photo_thumbnail(state: &AppState, sha: String) -> Reply<Option<String>> {
    let dir = with(state, |s| Ok(s.dir().to_path_buf()))?;
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
pub fn photo_data(state: &AppState, sha: String) -> Reply<Vec<u8>> {
    let dir = with(state, |s| Ok(s.dir().to_path_buf()))?;
    media::read_blob(&dir, &sha).map_err(|e| ErrorPayload::from(&e))
}

/// Downloads a photo from the sync server (blocking); false when there is no server or it
/// does not have the photo.
pub fn photo_fetch(state: &AppState, sha: String) -> Reply<bool> {
    if !media::is_sha256(&sha) {
        return Err(invalid(
            "sha",
            "format",
            format!("'{sha}' is not a SHA-256"),
        ));
    }
    // A connection of its own, so that a slow download never holds the UI's store lock.
    let dir = with(state, |s| Ok(s.dir().to_path_buf()))?;
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
        // Not uploaded yet by the laptop that took it (the server answers 404).
        Err(dauria_sync::SyncError::Store(Error::NotFound(_)))
        | Err(dauria_sync::SyncError::Server { status: 404, .. }) => Ok(false),
        Err(e) => Err(crate::sync::payload(&e)),
    }
}

/// The first rows of a lab's results file, with the columns guessed.
pub fn lab_results_preview(file: &[u8]) -> Reply<CsvPreview> {
    samples::preview_lab_results(file, 8).map_err(|e| ErrorPayload::from(&e))
}

pub fn lab_results_import(
    state: &AppState,
    file: &[u8],
    columns: Option<String>,
) -> Reply<LabResultReport> {
    let columns = mapping(columns)?;
    with(state, |s| {
        samples::import_lab_results_mapped(s, file, columns.as_deref())
    })
}

/// Each sample's results, summarised.
pub fn sample_summary(state: &AppState) -> Reply<Vec<ResultSummary>> {
    with(state, |s| samples::summarize_results(s))
}

/// The first rows of a CSV file, with its encoding, delimiter and columns guessed.
pub fn csv_preview(file: &[u8]) -> Reply<CsvPreview> {
    preview_csv(file, 8).map_err(|e| ErrorPayload::from(&e))
}

/// Imports sightings from a CSV file with the column per header the person chose (`columns`,
/// JSON); `all_or_nothing` (`"true"`) imports nothing when a row is refused.
pub fn csv_import(
    state: &AppState,
    file: &[u8],
    columns: Option<String>,
    all_or_nothing: Option<String>,
) -> Reply<ImportReport> {
    let Some(columns) = mapping(columns)? else {
        return Err(invalid("columns", "required", "no column mapping was sent"));
    };
    let all_or_nothing = all_or_nothing.as_deref() == Some("true");
    let opts = ImportOptions {
        all_or_nothing,
        columns: Some(columns),
    };
    with(state, |s| import_observations(s, file, opts, |_| {}))
}

/// Imports a Darwin Core Archive (`name`: the file's name).
pub fn dwca_import(state: &AppState, file: &[u8], name: Option<String>) -> Reply<DwcaImportReport> {
    // The file's name names the dataset of rows that name none (docs/SYNC.md §1.2).
    let name = name.unwrap_or_default();
    with(state, |s| import_dwca_from(s, Cursor::new(file), &name))
}

/// The folder exports go to: the `export_dir` setting, else `Documents/Dauria Field`.
pub fn export_dir(state: &AppState) -> Reply<PathBuf> {
    if let Some(d) = with(state, |s| s.meta("ui.export_dir"))?.filter(|d| !d.trim().is_empty()) {
        return Ok(PathBuf::from(d.trim()));
    }
    let base = state.host.documents_dir().ok_or_else(|| ErrorPayload {
        code: "internal".into(),
        message: "no folder to export to: neither a documents folder nor a home".into(),
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

/// Writes an export into the export folder as `dauria-<what>-<time>.<ext>`.
pub fn export_file(
    state: &AppState,
    format: ExportFormat,
    survey: Option<String>,
) -> Reply<Exported> {
    let dir = export_dir(state)?;
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
        with(state, |s| match format {
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
pub fn export_table(state: &AppState, name: String, csv: String) -> Reply<Exported> {
    let dir = export_dir(state)?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let path = dir.join(format!("{}-{stamp}.csv", file_stem(&name)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_readable() {
        assert_eq!(file_stem("达乌尔黄羊调查 2027"), "达乌尔黄羊调查 2027");
        assert_eq!(file_stem("Torey/Kharanor: plan?"), "Torey_Kharanor_ plan_");
        assert_eq!(file_stem("  ../..  "), "_");
        assert_eq!(file_stem("\t\n"), "__");
        assert_eq!(file_stem("   "), "Dauria Field");
        assert_eq!(file_stem("..."), "Dauria Field");
        let long = file_stem(&"黄".repeat(200));
        assert!(long.len() <= NAME_BYTES && long.chars().all(|c| c == '黄'));
        assert_eq!(long.chars().count(), NAME_BYTES / 3);
    }
}
