//! Dauria Field sync wire types (normative description: `docs/SYNC.md`).
//!
//! This crate depends on nothing else of the project: it is the contract between laptops and the
//! server. Every change here that a peer can observe bumps [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The record body schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;
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

/// Roles a device can be enrolled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Plans surveys, keeps checklists and sensitive-species rules: may write every kind.
    Lead,
    /// Logs sightings, samples and their custody: may not change checklists, taxa, surveys or
    /// sensitive-species rules.
    Field,
    /// Reads only: may not push.
    Viewer,
    /// A field-station hub (docs/SYNC.md §10): relays the changes of the laptops enrolled at
    /// it, each judged by its author's role; writes nothing of its own.
    Hub,
}

impl Role {
    /// Parses `lead`, `field` or `viewer`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "lead" => Some(Role::Lead),
            "field" => Some(Role::Field),
            "viewer" => Some(Role::Viewer),
            "hub" => Some(Role::Hub),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Lead => "lead",
            Role::Field => "field",
            Role::Viewer => "viewer",
            Role::Hub => "hub",
        }
    }

    /// Whether this role may write records of `kind`.
    pub fn may_write(self, kind: &str) -> bool {
        match self {
            Role::Lead => true,
            Role::Field => !matches!(
                kind,
                "checklist"
                    | "survey"
                    | "taxon"
                    | "route"
                    | "assignment"
                    | "budget_line"
                    | "sensitivity_rule"
            ),
            Role::Viewer | Role::Hub => false,
        }
    }

    /// Whether a hub may give this role to a laptop enrolled at it: `field` and `viewer`
    /// only, so a hub never makes a device more than its lead at the central server did.
    pub fn grantable_by_hub(self) -> bool {
        matches!(self, Role::Field | Role::Viewer)
    }
}

/// `POST /v1/enroll`: exchanges a one-time code for a device credential.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    /// The laptop's own device id (its store's id), so its revisions stay attributable.
    pub device_id: String,
    /// Set by a station hub enrolling at the central server; a `hub` code enrolls only a hub
    /// and a hub only with a `hub` code, so a laptop cannot become a hub by mistake.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hub: bool,
}

/// Reply to an enrollment.
#[derive(Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    pub name: String,
    pub role: Role,
    /// Bearer credential; the server keeps only its hash.
    pub token: String,
}

// Written by hand so the credential never reaches a log through `{:?}`.
impl std::fmt::Debug for EnrollResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollResponse")
            .field("device_id", &self.device_id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// `GET /v1/config`: limits and versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncConfig {
    pub max_ops: usize,
    pub max_bytes: usize,
    pub min_schema_version: u32,
    pub schema_version: u32,
    /// Changes when the server's data was re-created or restored; cursors from another epoch
    /// must refetch.
    pub epoch: String,
    /// Largest record body accepted, in bytes of JSON.
    #[serde(default)]
    pub max_body_bytes: usize,
    /// Content encodings the server accepts on request bodies (`zstd`, `gzip`).
    #[serde(default)]
    pub request_encodings: Vec<String>,
    /// The calling device's highest device_seq the server has (absent from older servers); a
    /// laptop that knows less was restored from a backup (docs/SYNC.md §4.1), a laptop that
    /// knows more had them acknowledged by another server (§10.4) and sends them here too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_upto: Option<u64>,
}

/// `POST /v1/push`: a contiguous run of one device's outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    /// Idempotency key: the same batch sent again gets the stored response.
    pub batch_id: String,
    pub device_id: String,
    pub ops: Vec<Revision>,
}

/// What happened to one op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Stored now.
    Applied,
    /// Already stored with the same payload.
    Duplicate,
    /// Stored, and its record now has more than one head.
    Conflict,
    /// Not stored; `reason` says why. It never blocks the ops after it.
    Rejected,
}

/// Result for one op of a push.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpResult {
    pub rev_id: String,
    pub device_seq: u64,
    pub status: OpStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Stable code of the rule a rejected op broke (`kind_mismatch`, `not_creator`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The acknowledgement of a push, sent only after the batch is committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub batch_id: String,
    pub device_id: String,
    pub results: Vec<OpResult>,
    /// The device's highest device_seq the server has, after this batch.
    pub applied_upto: u64,
}

/// Body of a 409 answer to a push whose first new op does not follow what the server has.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GapResponse {
    pub error: String,
    pub device_id: String,
    pub applied_upto: u64,
}

/// One entry of the changefeed.
///
/// The revision travels as raw JSON: a receiver parses each one on its own, so a revision it
/// cannot read (written by a newer or a broken peer) is set aside without failing the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub server_seq: u64,
    /// A [`Revision`] as JSON.
    pub rev: Box<RawValue>,
    /// Role of the device that wrote it when it was stored (absent from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `GET /v1/pull?cursor=EPOCH:SEQ&limit=N&max_bytes=B`: a page of the changefeed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Cursor after this page (`epoch:seq`).
    pub cursor: String,
    /// More changes follow.
    pub more: bool,
    /// The given cursor is from another epoch or too old: start again from `cursor`.
    #[serde(default)]
    pub must_refetch: bool,
}

/// `GET /v1/devices/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_id: String,
    pub name: String,
    pub role: Role,
    pub revoked: bool,
    pub applied_upto: u64,
}

/// `GET /v1/own?after=SEQ&limit=N`: the calling device's own revisions with `device_seq`
/// above `after`, in device order, for a laptop restored from a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OwnResponse {
    pub changes: Vec<Change>,
    /// More follow.
    pub more: bool,
}

/// Every non-2xx answer carries this body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code: `bad_request`, `unauthorized`, `revoked`, `forbidden`, `too_large`, `gap`,
    /// `upgrade_required`, `internal`.
    pub code: String,
    pub message: String,
}

/// Parses a pull cursor `epoch:seq`.
pub fn parse_cursor(s: &str) -> Option<(&str, u64)> {
    let (epoch, seq) = s.rsplit_once(':')?;
    Some((epoch, seq.parse().ok()?))
}

/// `POST /v1/blobs/missing`: which of these photo hashes does the server lack?
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobQuery {
    pub hashes: Vec<String>,
}

/// A blob the server lacks, with the bytes it already has of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MissingBlob {
    pub sha256: String,
    pub offset: u64,
}

/// Answer to [`BlobQuery`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobMissing {
    pub missing: Vec<MissingBlob>,
}

/// Answer to `PUT /v1/blobs/{sha256}`: the offset to continue from, or complete.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChunkAck {
    pub sha256: String,
    pub offset: u64,
    pub complete: bool,
}

/// Header with the total size of a blob being uploaded.
pub const HEADER_BLOB_SIZE: &str = "x-dauria-blob-size";
/// Header with the offset of the chunk in the blob.
pub const HEADER_BLOB_OFFSET: &str = "x-dauria-blob-offset";
/// Header with the lower-case hex SHA-256 of the chunk.
pub const HEADER_CHUNK_SHA256: &str = "x-dauria-chunk-sha256";

/// `GET /v1/status`: what a laptop shows about the server it uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServerStatus {
    /// The server is a station hub that relays to a central server.
    pub relays: bool,
    /// When the hub last reached the central server (RFC 3339 UTC), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_contact: Option<String>,
    /// Why the last attempt to reach the central server failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_error: Option<String>,
}

/// A laptop enrolled at a hub, as the central server knows it (`/v1/hub/devices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubDevice {
    pub device_id: String,
    pub name: String,
    /// The role the central server judges its changes by.
    pub role: Role,
    pub revoked: bool,
    /// Its highest device_seq the central server has (applied or refused).
    pub applied_upto: u64,
}

/// `GET /v1/hub/devices`: the laptops registered through the calling hub.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HubDevices {
    pub devices: Vec<HubDevice>,
}

/// `POST /v1/hub/devices`: a hub registers a laptop enrolled at it, by the laptop's own id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HubRegister {
    pub device_id: String,
    pub name: String,
    /// At most what a hub may grant ([`Role::grantable_by_hub`]).
    pub role: Role,
}

/// `POST /v1/hub/push`: a hub relays a contiguous run of one laptop's changes, unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelayRequest {
    /// Idempotency key, as for a push.
    pub batch_id: String,
    /// The laptop that wrote the ops (not the hub).
    pub device_id: String,
    pub ops: Vec<Revision>,
    /// The laptop's highest device_seq the hub has: numbers up to it that are not among the
    /// ops were refused at the hub, and are used up at the central server too.
    pub upto: u64,
}
