//! Survey planning: budget totals, double-booking of people, progress against the plan, the
//! schedule, the country data-sheet dashboard, and GPX import/export of routes and tracks.
//!
//! Every function reads the current state of a [`Store`]; writes go through the store like any
//! other edit, so plans sync and merge like field data.

pub mod booking;
pub mod budget;
pub mod datasheet;
pub mod gpx;
pub mod progress;
pub mod timeline;

use crate::model::{Body, Kind, Survey};
use crate::{Error, Result, Store};

/// The current body of survey `id`, or a `not_found` error naming it.
pub fn survey(store: &Store, id: &str) -> Result<Survey> {
    match store.get(id)?.and_then(|c| c.body) {
        Some(Body::Survey(s)) => Ok(s),
        Some(other) => Err(Error::NotFound(format!(
            "{id} is a {}, not a survey",
            other.kind().as_str()
        ))),
        None => Err(Error::NotFound(format!("there is no survey {id}"))),
    }
}

/// Every live record of `kind` with its id and body.
pub(crate) fn bodies(store: &Store, kind: Kind) -> Result<Vec<(String, Body)>> {
    Ok(store
        .list(kind)?
        .into_iter()
        .filter_map(|c| c.body.map(|b| (c.id, b)))
        .collect())
}

/// Length of a path along the ground in kilometres (haversine on a sphere of the mean Earth
/// radius, 6371.0088 km; good to about 0.5 % and plenty for survey effort).
pub fn length_km(points: &[crate::model::Waypoint]) -> f64 {
    const R: f64 = 6371.0088;
    points
        .windows(2)
        .map(|w| {
            let (p1, p2) = (w[0].lat.to_radians(), w[1].lat.to_radians());
            let dp = p2 - p1;
            let dl = (w[1].lon - w[0].lon).to_radians();
            let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
            2.0 * R * h.sqrt().min(1.0).asin()
        })
        .sum()
}
