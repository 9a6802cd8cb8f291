//! The record commands: create, update, delete, merge, history, queries, species search and
//! settings. Each is one call into `dauria-core` under the store's lock.

use crate::{with, AppState, Reply};
use dauria_core::coords::{parse_position as parse, Position};
use dauria_core::error::ErrorPayload;
use dauria_core::model::{Body, Country, Kind};
use dauria_core::store::query::{
    CountryChecklist, ObservationFilter, ObservationPage, SpeciesSummary, Stats,
};
use dauria_core::taxa::{SearchOptions, TaxonMatch};
use dauria_core::{Current, Error, RevisionInfo, Saved};

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

/// The data folder of the open store.
pub fn data_dir(state: &AppState) -> Reply<String> {
    with(state, |s| Ok(s.dir().display().to_string()))
}

/// The folder the log files go to.
pub fn log_dir(state: &AppState) -> String {
    state.log_dir.display().to_string()
}

/// Counts for the home screen.
pub fn stats(state: &AppState) -> Reply<Stats> {
    with(state, |s| s.stats())
}

/// Species search for every screen: the store's index, built once and kept up to date as taxa
/// change. `country` (the survey's) ranks its checklist's taxa first among equal matches.
pub fn search_taxa(
    state: &AppState,
    query: String,
    limit: usize,
    country: Option<Country>,
) -> Reply<Vec<TaxonMatch>> {
    with(state, |s| {
        Ok(s.taxon_index()?
            .search_with(&query, SearchOptions { limit, country }))
    })
}

/// Every current record of a kind.
pub fn list_records(state: &AppState, kind: Kind) -> Reply<Vec<Current>> {
    with(state, |s| s.list(kind))
}

/// One record's current state, if there is such a record.
pub fn get_record(state: &AppState, id: String) -> Reply<Option<Current>> {
    with(state, |s| s.get(&id))
}

/// Saves a new record.
pub fn create_record(state: &AppState, body: Body) -> Reply<Saved> {
    with(state, |s| s.create(&body))
}

/// Saves an edit of the revision `parent_rev`.
pub fn update_record(state: &AppState, id: String, parent_rev: String, body: Body) -> Reply<Saved> {
    with(state, |s| s.update(&id, &parent_rev, &body))
}

/// Deletes a record as of the revision `parent_rev`.
pub fn delete_record(state: &AppState, id: String, parent_rev: String) -> Reply<Saved> {
    with(state, |s| s.delete(&id, &parent_rev))
}

/// Resolves a conflict: keeps `body`, or deletes the record when there is none.
pub fn merge_record(state: &AppState, id: String, body: Option<Body>) -> Reply<Saved> {
    with(state, |s| s.merge(&id, body.as_ref()))
}

/// Every revision of a record, oldest first.
pub fn record_history(state: &AppState, id: String) -> Reply<Vec<RevisionInfo>> {
    with(state, |s| s.history(&id))
}

/// The competing versions of a record in conflict.
pub fn record_heads(state: &AppState, id: String) -> Reply<Vec<RevisionInfo>> {
    with(state, |s| s.heads(&id))
}

/// Every record in conflict, with its kind.
pub fn conflicts(state: &AppState) -> Reply<Vec<(String, Kind)>> {
    with(state, |s| s.conflicts())
}

/// A page of sightings, newest first; `after` is the previous page's cursor.
pub fn observations(
    state: &AppState,
    filter: ObservationFilter,
    after: Option<String>,
    limit: usize,
) -> Reply<ObservationPage> {
    with(state, |s| s.observations(&filter, after.as_deref(), limit))
}

/// Every live sighting's position as little-endian `f32` pairs (latitude, longitude), for the
/// main map.
pub fn sighting_points(state: &AppState) -> Reply<Vec<u8>> {
    with(state, |s| s.sighting_points()).map(|p| dauria_core::map_points::points_to_le_bytes(&p))
}

/// The species seen, per site or everywhere.
pub fn species_summary(state: &AppState, site: Option<String>) -> Reply<Vec<SpeciesSummary>> {
    with(state, |s| s.species_summary(site.as_deref()))
}

/// A country's checklist with what was seen of it.
pub fn country_checklist(state: &AppState, country: Country) -> Reply<CountryChecklist> {
    with(state, |s| s.country_checklist(country))
}

/// A position as typed (decimal, degrees-minutes or degrees-minutes-seconds).
pub fn parse_position(text: String) -> Reply<Position> {
    parse(&text).map_err(|e| ErrorPayload::from(&Error::Invalid(vec![e])))
}

/// A setting of the window (language, observer, export folder…).
pub fn get_setting(state: &AppState, key: String) -> Reply<Option<String>> {
    with(state, |s| s.meta(&setting_key(&key)?))
}

/// Keeps a setting of the window.
pub fn set_setting(state: &AppState, key: String, value: String) -> Reply<()> {
    with(state, |s| s.set_meta(&setting_key(&key)?, &value))
}
