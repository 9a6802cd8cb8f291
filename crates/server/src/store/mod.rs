//! Server storage: one trait, two implementations (SQLite, PostgreSQL), and the push algorithm
//! written once over a small per-transaction interface both implement.

pub mod postgres;
pub mod sqlite;

use crate::error::ServerError;
use dauria_proto::{
    Change, EnrollResponse, GapResponse, OpResult, OpStatus, PushRequest, PushResponse, Revision,
    Role,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub name: String,
    pub role: Role,
    pub revoked: bool,
    pub applied_upto: u64,
    pub enrolled_at: String,
}

/// Result of a push.
#[derive(Debug)]
pub enum PushOutcome {
    /// Committed (or the stored answer to a batch seen before).
    Acked(PushResponse),
    /// The first new op does not follow the device's last applied op.
    Gap(GapResponse),
}

/// Storage behind the sync server. Calls block; the HTTP layer runs them off the async threads.
pub trait ServerStore: Send + Sync + 'static {
    /// The data epoch (changes when the database is re-created or restored from a backup).
    fn epoch(&self) -> Result<String, ServerError>;
    /// Makes a one-time enrollment code.
    fn create_enrollment(&self, name: &str, role: Role) -> Result<String, ServerError>;
    /// Exchanges a code for a credential bound to `device_id`.
    fn enroll(&self, code: &str, device_id: &str) -> Result<EnrollResponse, ServerError>;
    /// The device holding `token`, if any.
    fn device_by_token(&self, token: &str) -> Result<Option<Device>, ServerError>;
    /// All devices.
    fn devices(&self) -> Result<Vec<Device>, ServerError>;
    /// Revokes a device; false if there is no such device.
    fn revoke(&self, device_id: &str) -> Result<bool, ServerError>;
    /// Applies a batch in one transaction (see [`push_in_tx`]).
    fn push(&self, device: &Device, req: &PushRequest) -> Result<PushOutcome, ServerError>;
    /// Changes after `after`, oldest first, leaving out those written by `exclude_device`;
    /// returns them with the highest seq examined.
    fn pull(
        &self,
        after: u64,
        limit: usize,
        exclude_device: &str,
    ) -> Result<(Vec<Change>, u64), ServerError>;
    /// Number of revisions stored.
    fn revision_count(&self) -> Result<u64, ServerError>;
    /// The rev_ids stored for a device, for invariant checks.
    fn rev_ids_of(&self, device_id: &str) -> Result<Vec<String>, ServerError>;
}

/// What the push algorithm needs from one open transaction.
pub trait PushTx {
    /// The device row, locked against concurrent pushes of the same device until commit.
    fn lock_device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError>;
    /// A stored response to `batch_id`, with the device that sent it.
    fn stored_batch(&mut self, batch_id: &str) -> Result<Option<(String, String)>, ServerError>;
    /// The payload hashes of those of `rev_ids` that are stored.
    fn op_hashes(&mut self, rev_ids: &[&str]) -> Result<HashMap<String, String>, ServerError>;
    /// The current heads of each of `record_ids` (a record without heads is absent).
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError>;
    /// Appends revisions to the changefeed, with increasing `server_seq` in this order.
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError>;
    /// Deletes the `removed` and inserts the `added` (record_id, rev_id) heads.
    fn update_heads(
        &mut self,
        removed: &[(&str, &str)],
        added: &[(&str, &str)],
    ) -> Result<(), ServerError>;
    /// Records the device's highest applied seq.
    fn set_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError>;
    /// Keeps the response with the batch id.
    fn store_batch(
        &mut self,
        batch_id: &str,
        device_id: &str,
        response: &str,
    ) -> Result<(), ServerError>;
}

/// A revision to append to the changefeed, with its canonical JSON and that JSON's hash.
pub struct NewChange<'a> {
    pub rev: &'a Revision,
    pub payload_sha256: String,
    pub doc: String,
}

/// SHA-256 (hex) of an op's canonical JSON: equal payloads give equal hashes.
pub fn payload_hash(doc: &str) -> String {
    hex::encode(Sha256::digest(doc.as_bytes()))
}

/// SHA-256 (hex) of a secret; only hashes of tokens and codes are stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A random secret of `bytes` bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS provides randomness");
    hex::encode(buf)
}

/// A one-time enrollment code people can type: 12 characters from an unambiguous alphabet.
pub fn random_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 12];
    getrandom::fill(&mut buf).expect("the OS provides randomness");
    let chars: Vec<char> = buf
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a typed code (case, spaces, dashes) before hashing.
pub fn normalise_code(code: &str) -> String {
    let c: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    c.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Why an op cannot be stored, or None when it can.
fn reject_reason(device: &Device, rev: &Revision) -> Option<String> {
    if rev.device_id != device.device_id {
        return Some(format!(
            "op {} was written by device {}, not by the sender",
            rev.rev_id, rev.device_id
        ));
    }
    if !device.role.may_write(&rev.kind) {
        return Some(format!(
            "a {} device may not change {} records",
            device.role.as_str(),
            rev.kind
        ));
    }
    dauria_core::store::check_remote(rev)
        .err()
        .map(|e| e.to_string())
}

/// The push algorithm, run inside one transaction by every store.
///
/// Ops already applied (seq ≤ applied_upto) are duplicates when their payload matches and
/// rejected otherwise; new ops must continue the device's sequence without a gap; rejected ops
/// still consume their seq so they never block the queue. The response is stored with the
/// batch id before commit, so a retried batch gets the very same answer.
pub fn push_in_tx(
    tx: &mut impl PushTx,
    device: &Device,
    req: &PushRequest,
) -> Result<PushOutcome, ServerError> {
    if req.device_id != device.device_id {
        return Err(ServerError::Forbidden(
            "the batch names another device than the credential".into(),
        ));
    }
    let dev = tx
        .lock_device(&device.device_id)?
        .ok_or_else(|| ServerError::Unauthorized("device not enrolled".into()))?;
    if let Some((owner, response)) = tx.stored_batch(&req.batch_id)? {
        if owner != dev.device_id {
            return Err(ServerError::BadRequest(
                "batch_id already used by another device".into(),
            ));
        }
        let resp: PushResponse = serde_json::from_str(&response)
            .map_err(|e| ServerError::Internal(format!("stored batch response: {e}")))?;
        return Ok(PushOutcome::Acked(resp));
    }
    let mut upto = dev.applied_upto;
    if let Some(first_new) = req.ops.iter().find(|op| op.device_seq > upto) {
        if first_new.device_seq != upto + 1 {
            return Ok(PushOutcome::Gap(GapResponse {
                error: format!(
                    "expected device_seq {} next, got {}",
                    upto + 1,
                    first_new.device_seq
                ),
                device_id: dev.device_id,
                applied_upto: upto,
            }));
        }
    }
    // A batch takes a fixed number of round trips to the database whatever its size: what is
    // stored already and the heads of the records it touches are read once, the new revisions
    // and head changes are worked out here, in order, and written once.
    let payloads: Vec<(String, String)> = req
        .ops
        .iter()
        .map(|op| {
            let doc = serde_json::to_string(op).expect("revisions serialise");
            let hash = payload_hash(&doc);
            (doc, hash)
        })
        .collect();
    let rev_ids: Vec<&str> = req.ops.iter().map(|op| op.rev_id.as_str()).collect();
    let stored = tx.op_hashes(&rev_ids)?;
    let mut record_ids: Vec<&str> = req.ops.iter().map(|op| op.record_id.as_str()).collect();
    record_ids.sort_unstable();
    record_ids.dedup();
    let before = tx.heads_of(&record_ids)?;
    let mut heads = before.clone();
    let mut inserted: HashMap<&str, String> = HashMap::new();
    let mut changes: Vec<NewChange<'_>> = Vec::new();
    let mut results = Vec::with_capacity(req.ops.len());
    for (op, (doc, hash)) in req.ops.iter().zip(payloads) {
        let result = |status, reason: Option<String>| OpResult {
            rev_id: op.rev_id.clone(),
            device_seq: op.device_seq,
            status,
            reason,
        };
        let known = inserted
            .get(op.rev_id.as_str())
            .or_else(|| stored.get(&op.rev_id))
            .map(String::as_str);
        if op.device_seq <= upto {
            match known {
                Some(h) if h == hash => results.push(result(OpStatus::Duplicate, None)),
                Some(_) => results.push(result(
                    OpStatus::Rejected,
                    Some("an op with this id and a different payload is already stored".into()),
                )),
                // Applied seqs that were rejected before stay rejected.
                None => results.push(result(
                    OpStatus::Rejected,
                    Some(format!("device_seq {} was already used", op.device_seq)),
                )),
            }
            continue;
        }
        if op.device_seq != upto + 1 {
            // A gap inside the batch: stop here; the client resends from applied_upto.
            break;
        }
        upto = op.device_seq;
        if let Some(reason) = reject_reason(&dev, op) {
            results.push(result(OpStatus::Rejected, Some(reason)));
            continue;
        }
        match known {
            Some(h) if h == hash => {
                results.push(result(OpStatus::Duplicate, None));
                continue;
            }
            Some(_) => {
                results.push(result(
                    OpStatus::Rejected,
                    Some("an op with this id and a different payload is already stored".into()),
                ));
                continue;
            }
            None => {}
        }
        let record = heads.entry(op.record_id.clone()).or_default();
        record.retain(|h| !op.parents.contains(h));
        if !record.contains(&op.rev_id) {
            record.push(op.rev_id.clone());
        }
        let status = if record.len() > 1 {
            OpStatus::Conflict
        } else {
            OpStatus::Applied
        };
        results.push(result(status, None));
        inserted.insert(op.rev_id.as_str(), hash.clone());
        changes.push(NewChange {
            rev: op,
            payload_sha256: hash,
            doc,
        });
    }
    tx.insert_changes(&changes)?;
    let no_heads = Vec::new();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for (record, now) in &heads {
        let was = before.get(record).unwrap_or(&no_heads);
        removed.extend(
            was.iter()
                .filter(|h| !now.contains(h))
                .map(|h| (record.as_str(), h.as_str())),
        );
        added.extend(
            now.iter()
                .filter(|h| !was.contains(h))
                .map(|h| (record.as_str(), h.as_str())),
        );
    }
    tx.update_heads(&removed, &added)?;
    tx.set_applied_upto(&dev.device_id, upto)?;
    let resp = PushResponse {
        batch_id: req.batch_id.clone(),
        device_id: dev.device_id.clone(),
        results,
        applied_upto: upto,
    };
    let stored = serde_json::to_string(&resp).expect("responses serialise");
    tx.store_batch(&req.batch_id, &dev.device_id, &stored)?;
    Ok(PushOutcome::Acked(resp))
}

/// Failpoints for fault tests: `DAURIA_FAILPOINT=push_before_commit|push_after_commit` makes
/// the server kill itself with SIGKILL at that point of the next push.
pub fn failpoint(name: &str) {
    if std::env::var("DAURIA_FAILPOINT").is_ok_and(|v| v == name) {
        tracing::warn!(failpoint = name, "failpoint reached: killing the server");
        let pid = std::process::id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid])
            .status();
        // Not reached: SIGKILL cannot be caught.
        std::process::abort();
    }
}
