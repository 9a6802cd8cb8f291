//! Commands for visits: the one open on this laptop, starting and ending it, the list with
//! effort, and visits made from a GPX track. Each is one call into `dauria_core::visits`.

use crate::{with, AppState, Reply};
use dauria_core::visits::{self, VisitStart, VisitSummary};
use dauria_core::Saved;

/// The visit open on this laptop, if any.
pub fn visit_open(state: &AppState) -> Reply<Option<VisitSummary>> {
    with(state, |s| visits::open_visit(s))
}

/// Starts a visit (ending none: one is open at a time).
pub fn visit_start(state: &AppState, start: VisitStart) -> Reply<Saved> {
    with(state, |s| visits::start(s, start))
}

/// Ends the open visit, at `at` or now.
pub fn visit_end(state: &AppState, at: Option<String>) -> Reply<Saved> {
    with(state, |s| visits::end(s, at.as_deref()))
}

/// Visits with their effort, of one survey or all.
pub fn visit_list(state: &AppState, survey: Option<String>) -> Reply<Vec<VisitSummary>> {
    with(state, |s| visits::list(s, survey.as_deref()))
}

/// Visits made from a GPX file's tracks; `survey`, `protocol` and `observers` (a JSON list, or
/// one name) as the window sends them, empty for none.
pub fn visit_from_gpx(
    state: &AppState,
    file: &[u8],
    survey: Option<String>,
    protocol: Option<String>,
    observers: Option<String>,
) -> Reply<Vec<String>> {
    let survey = survey.filter(|s| !s.is_empty());
    let protocol = protocol.filter(|s| !s.is_empty());
    let observers: Vec<String> = observers
        .map(|o| serde_json::from_str(&o).unwrap_or_else(|_| vec![o]))
        .unwrap_or_default();
    with(state, |s| {
        visits::from_gpx(s, file, survey.as_deref(), protocol.as_deref(), &observers)
    })
}
