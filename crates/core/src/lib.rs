//! Dauria Field core: the record model, validation, the local SQLite store with revisions and
//! an outbox, queries, seed data, and CSV import/export.
//!
//! Nothing here knows about windows or the network; every user action is a function a test can
//! call.

pub mod backup;
pub mod checklists;
pub mod coords;
pub mod custody;
pub mod dates;
pub mod dwca;
pub mod encryption;
pub mod error;
pub mod fs_mode;
pub mod hlc;
pub mod import;
pub mod limits;
pub mod map_points;
pub mod media;
pub mod model;
pub mod monitoring;
pub mod places;
pub mod planning;
pub mod samples;
pub mod seed;
pub mod sensitive;
pub mod sites;
pub mod sniff;
pub mod store;
pub mod taxa;
pub mod taxon_archive;
pub mod text;
pub mod trust;
pub mod validate;
pub mod visits;

pub use error::{Error, Result};
pub use store::{Current, RevisionInfo, Saved, Store};
