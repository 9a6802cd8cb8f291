//! The rules every receiver applies to a revision written elsewhere (docs/SYNC.md §4, §5).
//!
//! The server checks each pushed op with them before storing it, and laptops check each pulled
//! revision with them before applying it, so a laptop that is old, buggy or in hostile hands
//! can neither break a record nor stop anyone else's sync. Each refusal has a stable code.

use crate::hlc::Hlc;
use crate::model::{Body, Kind};
use crate::validate::validate;
use dauria_proto::{Revision, Role, MIN_SCHEMA_VERSION, SCHEMA_VERSION};
use sha2::{Digest, Sha256};

/// Largest record body accepted, in bytes of JSON. The largest real bodies (a checklist of a
/// few thousand taxa, a long route) stay well below it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Most parents a revision may name: a merge names every head of its record, and records with
/// more than a handful of concurrent heads do not occur.
pub const MAX_PARENTS: usize = 64;

/// A value from the sender, cut short for a message (a hostile sender may send megabytes).
fn shown(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(40).collect::<String>())
    }
}

/// Why a revision is refused: a stable code for programs and words for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code (`kind_mismatch`, `not_creator`, `invalid_body`, ...; docs/SYNC.md §4).
    pub code: &'static str,
    /// English explanation naming the rule and the value.
    pub reason: String,
}

impl Refusal {
    fn new(code: &'static str, reason: impl Into<String>) -> Refusal {
        Refusal {
            code,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.reason, self.code)
    }
}

/// What a receiver knows of a record: fixed when its first revision was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The record's kind.
    pub kind: String,
    /// The device that created it.
    pub creator: String,
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok()
}

/// Checks what can be checked on a revision alone: ids, kind, schema version, clock, the body's
/// size, hash, shape and validity (with the laptop's own rules). Returns the parsed body.
pub fn check_revision(rev: &Revision) -> Result<(Kind, Option<Body>), Refusal> {
    if !is_uuid(&rev.rev_id) || !is_uuid(&rev.record_id) || !is_uuid(&rev.device_id) {
        return Err(Refusal::new(
            "bad_id",
            "rev_id, record_id and device_id must be UUIDs",
        ));
    }
    if rev.parents.len() > MAX_PARENTS {
        return Err(Refusal::new(
            "bad_parents",
            format!(
                "{} parents; a revision names at most {MAX_PARENTS}",
                rev.parents.len()
            ),
        ));
    }
    if let Some(p) = rev.parents.iter().find(|p| !is_uuid(p)) {
        return Err(Refusal::new(
            "bad_id",
            format!("parent '{}' is not a revision id", shown(p)),
        ));
    }
    let kind = Kind::parse(&rev.kind).ok_or_else(|| {
        Refusal::new(
            "unknown_kind",
            format!("unknown kind '{}'", shown(&rev.kind)),
        )
    })?;
    if !(MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&rev.schema_version) {
        return Err(Refusal::new(
            "unsupported_schema",
            format!(
                "schema version {} is not supported (this version reads {MIN_SCHEMA_VERSION}..{SCHEMA_VERSION})",
                rev.schema_version
            ),
        ));
    }
    if Hlc::parse(&rev.hlc).is_none() || rev.hlc.len() > 32 {
        return Err(Refusal::new(
            "bad_clock",
            format!(
                "'{}' is not a clock reading (MMMMMMMMMMMMMMM:CCCCC)",
                rev.hlc
            ),
        ));
    }
    if rev.generation == 0 {
        return Err(Refusal::new("bad_generation", "generation starts at 1"));
    }
    match (&rev.body, rev.deleted) {
        (None, true) => {
            if rev.parents.is_empty() {
                return Err(Refusal::new(
                    "bad_tombstone",
                    "a tombstone must replace a revision",
                ));
            }
            Ok((kind, None))
        }
        (Some(b), false) => {
            let json = b.get();
            if json.len() > MAX_BODY_BYTES {
                return Err(Refusal::new(
                    "body_too_large",
                    format!(
                        "the body has {} bytes; the limit is {MAX_BODY_BYTES}",
                        json.len()
                    ),
                ));
            }
            if !rev.body_sha256.is_empty()
                && hex::encode(Sha256::digest(json.as_bytes())) != rev.body_sha256
            {
                return Err(Refusal::new(
                    "body_hash",
                    "the body does not match its SHA-256",
                ));
            }
            let body = Body::from_json(kind, json).map_err(|e| {
                Refusal::new(
                    "bad_body",
                    format!("the body is not a {} record: {e}", kind.as_str()),
                )
            })?;
            if let Err(errs) = validate(&body) {
                return Err(Refusal::new(
                    "invalid_body",
                    errs.iter()
                        .map(|e| format!("{} [{}]", e, e.rule))
                        .collect::<Vec<_>>()
                        .join("; "),
                ));
            }
            // A body a schema-1 reader would misread must say so, or older laptops would
            // take it in as something it is not.
            if body.schema_version() > rev.schema_version {
                return Err(Refusal::new(
                    "unsupported_schema",
                    format!(
                        "the body needs schema version {} but is marked {}",
                        body.schema_version(),
                        rev.schema_version
                    ),
                ));
            }
            Ok((kind, Some(body)))
        }
        (Some(_), true) => Err(Refusal::new(
            "bad_tombstone",
            "a tombstone must not carry a body",
        )),
        (None, false) => Err(Refusal::new(
            "missing_body",
            "a live revision must carry a body",
        )),
    }
}

/// Checks a revision against the identity of its record (None: the record is new to the
/// receiver) and the role of the device that wrote it.
///
/// A record's kind and creator are fixed by its first revision; a `field` device may change
/// only records it created and never the lead-only kinds; a `viewer` writes nothing.
pub fn check_identity(
    rev: &Revision,
    identity: Option<&Identity>,
    writer_role: Role,
) -> Result<(), Refusal> {
    match identity {
        Some(id) if id.kind != rev.kind => {
            return Err(Refusal::new(
                "kind_mismatch",
                format!(
                    "record {} is a {} record; this change calls it {}",
                    rev.record_id, id.kind, rev.kind
                ),
            ))
        }
        Some(_) if rev.parents.is_empty() => {
            return Err(Refusal::new(
                "record_exists",
                format!(
                    "record {} exists already; a change to it must name its parents",
                    rev.record_id
                ),
            ))
        }
        None if !rev.parents.is_empty() => {
            return Err(Refusal::new(
                "unknown_record",
                format!(
                    "record {} is not known here, so it cannot be changed",
                    rev.record_id
                ),
            ))
        }
        _ => {}
    }
    if !writer_role.may_write(&rev.kind) {
        return Err(Refusal::new(
            "role_forbidden",
            format!(
                "a {} device may not change {} records",
                writer_role.as_str(),
                rev.kind
            ),
        ));
    }
    if writer_role == Role::Field {
        if let Some(id) = identity {
            if id.creator != rev.device_id {
                return Err(Refusal::new(
                    "not_creator",
                    format!(
                        "a field device may change only records it created; {} was created by {}",
                        rev.record_id, id.creator
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Checks a revision's parents: each must be a known revision of the same record, and the
/// generation must be one more than the largest parent's. `parent` looks a parent up and gives
/// its record id and generation.
pub fn check_parents(
    rev: &Revision,
    mut parent: impl FnMut(&str) -> Option<(String, u32)>,
) -> Result<(), Refusal> {
    let mut largest = 0;
    for p in &rev.parents {
        let (record, generation) = parent(p).ok_or_else(|| {
            Refusal::new(
                "unknown_parent",
                format!("parent revision {p} is not known here"),
            )
        })?;
        if record != rev.record_id {
            return Err(Refusal::new(
                "foreign_parent",
                format!("parent revision {p} belongs to another record"),
            ));
        }
        largest = largest.max(generation);
    }
    if rev.generation != largest + 1 {
        return Err(Refusal::new(
            "bad_generation",
            format!(
                "generation {} should be {} (one more than the largest parent's)",
                rev.generation,
                largest + 1
            ),
        ));
    }
    Ok(())
}
