//! IPC commands for visits: the one open on this laptop, starting and ending it, the list with
//! effort, and visits made from a GPX track. Each is one call into `dauria_core::visits`.

use crate::commands::{with, Reply};
use crate::exchange::{bytes, header};
use crate::AppState;
use dauria_core::visits::{self, VisitStart, VisitSummary};
use dauria_core::Saved;
use tauri::ipc::Request;
use tauri::State;

#[tauri::command]
pub fn visit_open(state: State<'_, AppState>) -> Reply<Option<VisitSummary>> {
    with(&state, |s| visits::open_visit(s))
}

#[tauri::command]
pub fn visit_start(state: State<'_, AppState>, start: VisitStart) -> Reply<Saved> {
    with(&state, |s| visits::start(s, start))
}

#[tauri::command]
pub fn visit_end(state: State<'_, AppState>, at: Option<String>) -> Reply<Saved> {
    with(&state, |s| visits::end(s, at.as_deref()))
}

#[tauri::command]
pub fn visit_list(state: State<'_, AppState>, survey: Option<String>) -> Reply<Vec<VisitSummary>> {
    with(&state, |s| visits::list(s, survey.as_deref()))
}

/// The GPX file's bytes as the raw body; survey, protocol and observers (JSON list) in headers.
#[tauri::command(async)]
pub fn visit_from_gpx(state: State<'_, AppState>, request: Request<'_>) -> Reply<Vec<String>> {
    let survey = header(&request, "x-dauria-survey")?.filter(|s| !s.is_empty());
    let protocol = header(&request, "x-dauria-protocol")?.filter(|s| !s.is_empty());
    let observers: Vec<String> = header(&request, "x-dauria-observers")?
        .map(|o| serde_json::from_str(&o).unwrap_or_else(|_| vec![o]))
        .unwrap_or_default();
    let data = bytes(&request)?;
    with(&state, |s| {
        visits::from_gpx(s, data, survey.as_deref(), protocol.as_deref(), &observers)
    })
}
