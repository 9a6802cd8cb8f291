//! Dauria Field sync wire types (normative description: `docs/SYNC.md`).
//!
//! This crate depends on nothing else of the project: it is the contract between laptops and the
//! server. Every change here that a peer can observe bumps [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The record body schema version this build writes.
pub const SCHEMA_VERSION: u32 = 1;
/// The oldest body schema version this build still accepts.
pub const MIN_SCHEMA_VERSION: u32 = 1;

/// One immutable revision of a record: the unit of storage, of the outbox and of sync.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    /// UUIDv7 of this revision.
    pub rev_id: String,
    /// UUID of the record it belongs to.
    pub record_id: String,
    /// Record kind (`observation`, `site`, ...).
    pub kind: String,
    /// Revisions this one replaces: none for a new record, one for an edit, several for a merge.
    pub parents: Vec<String>,
    /// 1 + the largest parent generation; used only to pick a provisional winner.
    pub generation: u32,
    /// Device that wrote it.
    pub device_id: String,
    /// Per-device sequence number, contiguous from 1.
    pub device_seq: u64,
    /// Hybrid logical clock of the writer (informational ordering, never used to resolve).
    pub hlc: String,
    /// Body schema version.
    pub schema_version: u32,
    /// A tombstone.
    pub deleted: bool,
    /// The record body as JSON; absent for a tombstone.
    pub body: Option<Box<RawValue>>,
    /// Lower-case hex SHA-256 of the body's bytes (empty string for a tombstone).
    pub body_sha256: String,
}
