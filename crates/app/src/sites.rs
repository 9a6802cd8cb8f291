//! Commands for sites and country checklists: thin calls into `dauria-core`'s `sites` and
//! `checklists`, so the window, the CLI and tests make the same derivations.

use crate::{with, AppState, Reply};
use dauria_core::model::Country;
use dauria_core::places::Place;
use dauria_core::sites::{SiteInput, SiteMerge};
use dauria_core::Saved;

/// The country and reserve a position lies in (the site form shows them before saving).
pub fn place_at(state: &AppState, lat: f64, lon: f64) -> Reply<Place> {
    with(state, |s| s.place_at(lat, lon))
}

/// Adds a site (`id` absent) or edits/moves one.
pub fn site_save(state: &AppState, id: Option<String>, input: SiteInput) -> Reply<Saved> {
    with(state, |s| match &id {
        Some(id) => s.edit_site(id, &input),
        None => s.add_site(&input),
    })
}

/// Deletes a site that no sighting or visit uses.
pub fn site_delete(state: &AppState, id: String) -> Reply<Saved> {
    with(state, |s| s.delete_site(&id))
}

/// Merges site `gone` into `keep`.
pub fn site_merge(state: &AppState, keep: String, gone: String) -> Reply<SiteMerge> {
    with(state, |s| s.merge_sites(&keep, &gone))
}

/// Puts a taxon on a country's checklist.
pub fn checklist_add(state: &AppState, country: Country, taxon: String) -> Reply<Saved> {
    with(state, |s| s.checklist_add(country, &taxon))
}

/// Takes a taxon off a country's checklist.
pub fn checklist_remove(state: &AppState, country: Country, taxon: String) -> Reply<Saved> {
    with(state, |s| s.checklist_remove(country, &taxon))
}

/// Sets (or, empty, removes) a taxon's name in a locale.
pub fn taxon_set_name(
    state: &AppState,
    taxon: String,
    locale: String,
    name: String,
) -> Reply<Saved> {
    with(state, |s| s.set_taxon_name(&taxon, &locale, &name))
}
