//! IPC commands for sites and country checklists: thin calls into `dauria-core`'s `sites` and
//! `checklists`, so the window, the CLI and tests make the same derivations.

use crate::commands::{with, Reply};
use crate::AppState;
use dauria_core::model::Country;
use dauria_core::places::Place;
use dauria_core::sites::{SiteInput, SiteMerge};
use dauria_core::Saved;
use tauri::State;

/// The country and reserve a position lies in (the site form shows them before saving).
#[tauri::command]
pub(crate) fn place_at(state: State<'_, AppState>, lat: f64, lon: f64) -> Reply<Place> {
    with(&state, |s| s.place_at(lat, lon))
}

/// Adds a site (`id` absent) or edits/moves one.
#[tauri::command]
pub(crate) fn site_save(
    state: State<'_, AppState>,
    id: Option<String>,
    input: SiteInput,
) -> Reply<Saved> {
    with(&state, |s| match &id {
        Some(id) => s.edit_site(id, &input),
        None => s.add_site(&input),
    })
}

/// Deletes a site that no sighting or visit uses.
#[tauri::command]
pub(crate) fn site_delete(state: State<'_, AppState>, id: String) -> Reply<Saved> {
    with(&state, |s| s.delete_site(&id))
}

/// Merges site `gone` into `keep`.
#[tauri::command]
pub(crate) fn site_merge(
    state: State<'_, AppState>,
    keep: String,
    gone: String,
) -> Reply<SiteMerge> {
    with(&state, |s| s.merge_sites(&keep, &gone))
}

/// Puts a taxon on a country's checklist.
#[tauri::command]
pub(crate) fn checklist_add(
    state: State<'_, AppState>,
    country: Country,
    taxon: String,
) -> Reply<Saved> {
    with(&state, |s| s.checklist_add(country, &taxon))
}

/// Takes a taxon off a country's checklist.
#[tauri::command]
pub(crate) fn checklist_remove(
    state: State<'_, AppState>,
    country: Country,
    taxon: String,
) -> Reply<Saved> {
    with(&state, |s| s.checklist_remove(country, &taxon))
}

/// Sets (or, empty, removes) a taxon's name in a locale.
#[tauri::command]
pub(crate) fn taxon_set_name(
    state: State<'_, AppState>,
    taxon: String,
    locale: String,
    name: String,
) -> Reply<Saved> {
    with(&state, |s| s.set_taxon_name(&taxon, &locale, &name))
}
