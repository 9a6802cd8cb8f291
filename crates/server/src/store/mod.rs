//! Server storage: one trait, two implementations (SQLite, PostgreSQL). Everything the server
//! does with its data (push, enrollment, devices, the changefeed) is written once here, over a
//! small per-transaction interface ([`StoreTx`]) both backends implement with their own SQL.

pub mod ids;
pub mod postgres;
pub mod sqlite;

use crate::error::ServerError;
use dauria_core::trust::{check_identity, check_parents, check_revision, Identity};
use dauria_proto::{
    Change, EnrollResponse, GapResponse, HubRegister, OpResult, OpStatus, PushRequest,
    PushResponse, Revision, Role,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub name: String,
    pub role: Role,
    pub revoked: bool,
    pub applied_upto: u64,
    pub enrolled_at: String,
    /// The station hub it is registered through, which may relay its changes (docs/SYNC.md
    /// §10); none for a device enrolled here directly.
    pub hub: Option<String>,
}

/// An enrollment code as a lead sees it (the code itself is not stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The first 12 hex digits of the code's hash: names the code for `enroll cancel`.
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub expires_at: String,
    /// `open`, `used`, `expired` or `cancelled`.
    pub state: String,
    /// For a re-enrollment code, the device it re-enrolls.
    pub device_id: Option<String>,
}

/// A code stored for enrollment.
#[derive(Debug, Clone)]
pub struct CodeRow {
    pub name: String,
    pub role: Role,
    pub expires_at: String,
    pub used_by: Option<String>,
    pub cancelled: bool,
    pub device_id: Option<String>,
}

/// How long an enrollment code stays valid unless the lead says otherwise.
pub const DEFAULT_CODE_HOURS: u64 = 72;

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
    /// Makes a one-time enrollment code valid for `hours`; with `device_id`, a code that
    /// re-enrolls that device (keeping its history and numbering) and nothing else.
    fn create_enrollment(
        &self,
        name: &str,
        role: Role,
        hours: u64,
        device_id: Option<&str>,
    ) -> Result<String, ServerError>;
    /// Codes, newest first.
    fn enrollments(&self) -> Result<Vec<Enrollment>, ServerError>;
    /// Cancels the open code whose id starts with `id`; false if none.
    fn cancel_enrollment(&self, id: &str) -> Result<bool, ServerError>;
    /// Exchanges a code for a credential bound to `device_id` (see [`enroll_in_tx`]).
    fn enroll(&self, code: &str, device_id: &str) -> Result<EnrollResponse, ServerError> {
        self.enroll_as(code, device_id, false)
    }
    /// [`ServerStore::enroll`], saying whether a station hub is enrolling: a `hub` code
    /// enrolls only a hub, and a hub only with a `hub` code.
    fn enroll_as(
        &self,
        code: &str,
        device_id: &str,
        hub: bool,
    ) -> Result<EnrollResponse, ServerError>;
    /// Registers a laptop enrolled at the hub `hub_id` (see [`register_in_tx`]).
    fn register_via_hub(&self, hub_id: &str, reg: &HubRegister) -> Result<Device, ServerError>;
    /// The devices registered through the hub `hub_id`.
    fn hub_devices(&self, hub_id: &str) -> Result<Vec<Device>, ServerError>;
    /// Gives a device another role; false if there is no such device.
    fn set_role(&self, device_id: &str, role: Role) -> Result<bool, ServerError>;
    /// Names the hub that may relay a device's changes (none: only the device itself);
    /// false if there is no such device.
    fn set_hub(&self, device_id: &str, hub: Option<&str>) -> Result<bool, ServerError>;
    /// A value kept by the server for itself (a hub's link to its central server).
    fn meta(&self, key: &str) -> Result<Option<String>, ServerError>;
    /// Keeps a value for [`ServerStore::meta`].
    fn set_meta(&self, key: &str, value: &str) -> Result<(), ServerError>;
    /// Stores changes pulled from the central server, and `meta` (the pull cursor), in one
    /// transaction (see [`ingest_in_tx`]).
    fn ingest(
        &self,
        changes: &[Change],
        meta: &[(&str, &str)],
    ) -> Result<IngestReport, ServerError>;
    /// The device holding `token`, if any.
    fn device_by_token(&self, token: &str) -> Result<Option<Device>, ServerError>;
    /// All devices.
    fn devices(&self) -> Result<Vec<Device>, ServerError>;
    /// Revokes a device; false if there is no such device.
    fn revoke(&self, device_id: &str) -> Result<bool, ServerError>;
    /// Applies a batch in one transaction (see [`push_in_tx`]).
    fn push(&self, device: &Device, req: &PushRequest) -> Result<PushOutcome, ServerError> {
        self.push_relayed(device, req, None)
    }
    /// [`ServerStore::push`]; with `relay`, a batch the hub `device` relays for the laptop
    /// the batch names (see [`push_in_tx`]).
    fn push_relayed(
        &self,
        device: &Device,
        req: &PushRequest,
        relay: Option<Relay<'_>>,
    ) -> Result<PushOutcome, ServerError>;
    /// Changes after `after`, oldest first, at most `limit` of them and about `max_bytes`
    /// (at least one), leaving out those written by `exclude_device`; returns them with the
    /// highest seq examined. Stored documents are passed on as they are: a receiver that
    /// cannot read one sets it aside, so no stored row can stop the feed.
    fn pull(
        &self,
        after: u64,
        limit: usize,
        max_bytes: usize,
        exclude_device: &str,
    ) -> Result<(Vec<Change>, u64), ServerError>;
    /// The device's own changes with `device_seq` above `after`, in device order.
    fn own_changes(
        &self,
        device_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>, ServerError>;
    /// Number of revisions stored.
    fn revision_count(&self) -> Result<u64, ServerError>;
    /// The rev_ids stored for a device, for invariant checks.
    fn rev_ids_of(&self, device_id: &str) -> Result<Vec<String>, ServerError>;
    /// The ids of the records of a kind (by their first stored revision).
    fn record_ids_of_kind(&self, kind: &str) -> Result<Vec<String>, ServerError>;
    /// The stored documents of the current heads of these records.
    fn head_docs(&self, record_ids: &[String]) -> Result<Vec<String>, ServerError>;
}

/// What the push algorithm needs from one open transaction.
pub trait PushTx {
    /// The device row, locked against concurrent pushes of the same device until commit.
    fn lock_device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError>;
    /// A stored response to `batch_id`, with the device that sent it.
    fn stored_batch(&mut self, batch_id: &str) -> Result<Option<(String, String)>, ServerError>;
    /// The payload hashes of those of `rev_ids` that are stored.
    fn op_hashes(&mut self, rev_ids: &[&str]) -> Result<HashMap<String, String>, ServerError>;
    /// Record id and generation of those of `rev_ids` that are stored.
    fn generations(
        &mut self,
        rev_ids: &[&str],
    ) -> Result<HashMap<String, (String, u32)>, ServerError>;
    /// The stored identity of those of `record_ids` that are known.
    fn identities(&mut self, record_ids: &[&str])
        -> Result<HashMap<String, Identity>, ServerError>;
    /// The current heads of each of `record_ids` (a record without heads is absent).
    fn heads_of(
        &mut self,
        record_ids: &[&str],
    ) -> Result<HashMap<String, Vec<String>>, ServerError>;
    /// Appends revisions to the changefeed, with increasing `server_seq` in this order, and
    /// fixes the identity of the records they create.
    fn insert_changes(&mut self, changes: &[NewChange<'_>]) -> Result<(), ServerError>;
    /// Deletes the `removed` and inserts the `added` (record_id, rev_id) heads.
    fn update_heads(
        &mut self,
        removed: &[(&str, &str)],
        added: &[(&str, &str)],
    ) -> Result<(), ServerError>;
    /// Records the device's highest applied seq.
    fn set_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError>;
    /// Raises an enrolled device's highest applied seq to `upto` if it is lower (its changes
    /// came down from the central server); nothing for a device not enrolled here.
    fn raise_applied_upto(&mut self, device_id: &str, upto: u64) -> Result<(), ServerError>;
    /// Keeps a value for [`ServerStore::meta`] in this transaction.
    fn put_meta(&mut self, key: &str, value: &str) -> Result<(), ServerError>;
    /// Keeps the response with the batch id.
    fn store_batch(
        &mut self,
        batch_id: &str,
        device_id: &str,
        response: &str,
    ) -> Result<(), ServerError>;
}

/// A batch a station hub relays for a laptop registered through it.
#[derive(Debug, Clone, Copy)]
pub struct Relay<'a> {
    /// The hub's device id.
    pub hub: &'a str,
    /// The laptop's highest device_seq the hub has ([`dauria_proto::RelayRequest::upto`]).
    pub upto: u64,
}

/// A revision to append to the changefeed, with its canonical JSON and that JSON's hash.
pub struct NewChange<'a> {
    pub rev: &'a Revision,
    pub payload_sha256: String,
    pub doc: String,
    /// Role of the writer when it was stored.
    pub role: Role,
    /// The revision creates its record: its kind and writer become the record's identity.
    pub creates: bool,
}

/// Seed records: identical on every laptop, never pushed, so the server knows them by
/// computing them (their kind, their author and their revisions, which edits name as parents).
struct Seeds {
    identities: HashMap<String, Identity>,
    revisions: HashMap<String, (String, u32)>,
}

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let revs = dauria_core::seed::seed_revisions();
        Seeds {
            identities: revs
                .iter()
                .map(|r| {
                    (
                        r.record_id.clone(),
                        Identity {
                            kind: r.kind.clone(),
                            creator: r.device_id.clone(),
                        },
                    )
                })
                .collect(),
            revisions: revs
                .iter()
                .map(|r| (r.rev_id.clone(), (r.record_id.clone(), r.generation)))
                .collect(),
        }
    })
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

/// A rejected op's result.
fn refused(op: &Revision, code: &str, reason: String) -> OpResult {
    OpResult {
        rev_id: op.rev_id.clone(),
        device_seq: op.device_seq,
        status: OpStatus::Rejected,
        reason: Some(reason),
        code: Some(code.to_string()),
    }
}

/// The push algorithm, run inside one transaction by every store.
///
/// Ops already applied (seq ≤ applied_upto) are duplicates when their payload matches and
/// rejected otherwise; new ops must continue the device's sequence without a gap. Each new op
/// is checked (docs/SYNC.md §4: its body with the laptop's own rules, its record's fixed kind
/// and creator, the sender's role, its parents and generation); a refused op still consumes
/// its seq, so it never blocks the ops after it. The response is stored with the batch id
/// before commit, so a retried batch gets the very same answer.
///
/// With `relay`, the hub `device` relays the batch for the laptop it names (docs/SYNC.md
/// §10), which must be registered through that hub and not revoked. The ops are judged
/// exactly as if the laptop had sent them (its id, its role here), but numbers the hub
/// refused are missing from the batch, so a jump in `device_seq` is not a gap, and every
/// number up to the hub's `upto` is used up.
pub fn push_in_tx(
    tx: &mut impl PushTx,
    device: &Device,
    req: &PushRequest,
    relay: Option<Relay<'_>>,
) -> Result<PushOutcome, ServerError> {
    if relay.is_none() && req.device_id != device.device_id {
        return Err(ServerError::Forbidden(
            "the batch names another device than the credential".into(),
        ));
    }
    let relay_upto = relay.map(|r| r.upto);
    let Some(dev) = tx.lock_device(&req.device_id)? else {
        return Err(match relay {
            None => ServerError::Unauthorized("device not enrolled".into()),
            Some(_) => ServerError::Forbidden(format!(
                "device {} is not registered through this hub",
                req.device_id
            )),
        });
    };
    if let Some(r) = relay {
        if dev.hub.as_deref() != Some(r.hub) {
            return Err(ServerError::Forbidden(format!(
                "device {} is not registered through this hub; a hub relays only the laptops enrolled at it",
                dev.device_id
            )));
        }
        if dev.revoked {
            return Err(ServerError::Forbidden(format!(
                "device {} was revoked; its changes are not accepted",
                dev.device_id
            )));
        }
        if !dev.role.grantable_by_hub() && dev.role != Role::Lead {
            return Err(ServerError::Forbidden(format!(
                "device {} is a {} and writes nothing",
                dev.device_id,
                dev.role.as_str()
            )));
        }
    }
    if dev.revoked {
        return Err(ServerError::Revoked);
    }
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
        if first_new.device_seq != upto + 1 && relay_upto.is_none() {
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
    // stored already, the parents, identities and heads of the records it touches are read
    // once, the new revisions and head changes are worked out here, in order, and written once.
    let payloads: Vec<(String, String)> = req
        .ops
        .iter()
        .map(|op| {
            let doc = canonical_doc(op);
            let hash = payload_hash(&doc);
            (doc, hash)
        })
        .collect();
    let rev_ids: Vec<&str> = req.ops.iter().map(|op| op.rev_id.as_str()).collect();
    let stored = tx.op_hashes(&rev_ids)?;
    let mut parent_ids: Vec<&str> = req
        .ops
        .iter()
        .flat_map(|op| op.parents.iter().map(String::as_str))
        .collect();
    parent_ids.sort_unstable();
    parent_ids.dedup();
    let mut generations = tx.generations(&parent_ids)?;
    let mut record_ids: Vec<&str> = req.ops.iter().map(|op| op.record_id.as_str()).collect();
    record_ids.sort_unstable();
    record_ids.dedup();
    let mut identities = tx.identities(&record_ids)?;
    let before = tx.heads_of(&record_ids)?;
    let mut heads = before.clone();
    let mut inserted: HashMap<&str, String> = HashMap::new();
    let mut changes: Vec<NewChange<'_>> = Vec::new();
    let mut results = Vec::with_capacity(req.ops.len());
    let seeds = seeds();
    for (op, (doc, hash)) in req.ops.iter().zip(payloads) {
        let result = |status| OpResult {
            rev_id: op.rev_id.clone(),
            device_seq: op.device_seq,
            status,
            reason: None,
            code: None,
        };
        let known = inserted
            .get(op.rev_id.as_str())
            .or_else(|| stored.get(&op.rev_id))
            .map(String::as_str);
        if op.device_seq <= upto {
            match known {
                Some(h) if h == hash => results.push(result(OpStatus::Duplicate)),
                Some(_) => results.push(refused(
                    op,
                    "payload_mismatch",
                    "an op with this id and a different payload is already stored".into(),
                )),
                // Applied seqs that were rejected before stay rejected.
                None => results.push(refused(
                    op,
                    "seq_used",
                    format!("device_seq {} was already used", op.device_seq),
                )),
            }
            continue;
        }
        if op.device_seq != upto + 1 && relay_upto.is_none() {
            // A gap inside the batch: stop here; the client resends from applied_upto.
            break;
        }
        upto = op.device_seq;
        if op.device_id != dev.device_id {
            results.push(refused(
                op,
                "wrong_device",
                format!(
                    "op {} was written by device {}, not by the sender",
                    op.rev_id, op.device_id
                ),
            ));
            continue;
        }
        match known {
            Some(h) if h == hash => {
                results.push(result(OpStatus::Duplicate));
                continue;
            }
            Some(_) => {
                results.push(refused(
                    op,
                    "payload_mismatch",
                    "an op with this id and a different payload is already stored".into(),
                ));
                continue;
            }
            None => {}
        }
        let identity = identities
            .get(&op.record_id)
            .or_else(|| seeds.identities.get(&op.record_id));
        let checked = check_revision(op)
            .and_then(|_| check_identity(op, identity, dev.role))
            .and_then(|()| {
                check_parents(op, |p| {
                    generations
                        .get(p)
                        .or_else(|| seeds.revisions.get(p))
                        .cloned()
                })
            });
        if let Err(r) = checked {
            results.push(refused(op, r.code, r.reason));
            continue;
        }
        let creates = identity.is_none();
        if creates {
            identities.insert(
                op.record_id.clone(),
                Identity {
                    kind: op.kind.clone(),
                    creator: op.device_id.clone(),
                },
            );
        }
        generations.insert(op.rev_id.clone(), (op.record_id.clone(), op.generation));
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
        results.push(result(status));
        inserted.insert(op.rev_id.as_str(), hash.clone());
        changes.push(NewChange {
            rev: op,
            payload_sha256: hash,
            doc,
            role: dev.role,
            creates,
        });
    }
    tx.insert_changes(&changes)?;
    write_heads(tx, &before, &heads)?;
    if let Some(hub_upto) = relay_upto {
        upto = upto.max(hub_upto);
    }
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

/// Writes the difference between the heads before and after a batch.
fn write_heads(
    tx: &mut impl PushTx,
    before: &HashMap<String, Vec<String>>,
    heads: &HashMap<String, Vec<String>>,
) -> Result<(), ServerError> {
    let no_heads = Vec::new();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for (record, now) in heads {
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
    tx.update_heads(&removed, &added)
}

/// What [`ingest_in_tx`] did with a page from the central server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Changes stored now.
    pub stored: u64,
    /// Changes this server had already (its own laptops' changes coming back).
    pub duplicates: u64,
    /// Documents that are not revisions, left out.
    pub unreadable: u64,
}

/// Stores a page of the central server's changefeed at a hub, in one transaction with `meta`
/// (the cursor), so a hub killed mid-pull neither loses nor repeats a change.
///
/// The central server judged each change; the hub stores it as it came (its document, its
/// writer's role as the central server states it) so its laptops receive it and judge it
/// again on pull. A change already here is skipped; an enrolled laptop whose own changes came
/// down (it moved here from the central server) has its applied seq raised, so it need not
/// send them again.
pub fn ingest_in_tx(
    tx: &mut impl PushTx,
    changes: &[Change],
    meta: &[(&str, &str)],
) -> Result<IngestReport, ServerError> {
    let mut report = IngestReport::default();
    let mut revs: Vec<(Revision, &Change)> = Vec::with_capacity(changes.len());
    for c in changes {
        match serde_json::from_str::<Revision>(c.rev.get()) {
            Ok(r) => revs.push((r, c)),
            Err(e) => {
                tracing::warn!(server_seq = c.server_seq, error = %e, "a change from the central server is not a revision; left out");
                report.unreadable += 1;
            }
        }
    }
    let rev_ids: Vec<&str> = revs.iter().map(|(r, _)| r.rev_id.as_str()).collect();
    let stored = tx.op_hashes(&rev_ids)?;
    let mut record_ids: Vec<&str> = revs.iter().map(|(r, _)| r.record_id.as_str()).collect();
    record_ids.sort_unstable();
    record_ids.dedup();
    let mut identities = tx.identities(&record_ids)?;
    let before = tx.heads_of(&record_ids)?;
    let mut heads = before.clone();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut upto: HashMap<&str, u64> = HashMap::new();
    let mut new = Vec::new();
    let seeds = seeds();
    for (rev, c) in &revs {
        let e = upto.entry(rev.device_id.as_str()).or_default();
        *e = (*e).max(rev.device_seq);
        if stored.contains_key(&rev.rev_id) || !seen.insert(rev.rev_id.as_str()) {
            report.duplicates += 1;
            continue;
        }
        let creates = !identities.contains_key(&rev.record_id)
            && !seeds.identities.contains_key(&rev.record_id);
        if creates {
            identities.insert(
                rev.record_id.clone(),
                Identity {
                    kind: rev.kind.clone(),
                    creator: rev.device_id.clone(),
                },
            );
        }
        let record = heads.entry(rev.record_id.clone()).or_default();
        record.retain(|h| !rev.parents.contains(h));
        record.push(rev.rev_id.clone());
        let doc = c.rev.get().to_string();
        new.push(NewChange {
            rev,
            payload_sha256: payload_hash(&doc),
            doc,
            role: c.role.unwrap_or(Role::Viewer),
            creates,
        });
    }
    report.stored = new.len() as u64;
    tx.insert_changes(&new)?;
    write_heads(tx, &before, &heads)?;
    for (device, seq) in upto {
        tx.raise_applied_upto(device, seq)?;
    }
    for (k, v) in meta {
        tx.put_meta(k, v)?;
    }
    Ok(report)
}

/// A stored change as a store reads it for the changefeed.
pub struct FeedRow {
    pub server_seq: u64,
    /// Written by the device the feed leaves out.
    pub excluded: bool,
    pub doc: String,
    pub role: Option<String>,
}

/// A pull page, written once for every store: the stored changes after `after` in
/// `server_seq` order are taken one at a time as the database returns them. Reading stops once
/// the page holds about `max_bytes` (at least one change), so no more of the feed is read or
/// held than is sent; changes written by `exclude_device` are passed over. Returns the page
/// with the highest seq examined.
pub fn pull_in_tx(
    tx: &mut impl StoreTx,
    after: u64,
    limit: usize,
    max_bytes: usize,
    exclude_device: &str,
) -> Result<(Vec<Change>, u64), ServerError> {
    let mut out = Vec::new();
    let mut last = after;
    let mut bytes = 0;
    tx.feed(after, limit, exclude_device, &mut |r| {
        if bytes >= max_bytes {
            return false;
        }
        last = r.server_seq;
        if !r.excluded {
            bytes += r.doc.len();
            out.extend(raw_change(r.server_seq, r.doc, r.role.as_deref()));
        }
        true
    })?;
    Ok((out, last))
}

/// A stored document as a changefeed entry. A document that is not even JSON (which no release
/// stores, but a damaged database might hold) cannot be embedded in a page: it is logged and
/// left out, and the feed goes on.
pub(crate) fn raw_change(seq: u64, doc: String, role: Option<&str>) -> Option<Change> {
    match serde_json::value::RawValue::from_string(doc) {
        Ok(rev) => Some(Change {
            server_seq: seq,
            rev,
            role: role.and_then(Role::parse),
        }),
        Err(e) => {
            tracing::error!(server_seq = seq, error = %e, "stored change is not JSON; left out of the feed");
            None
        }
    }
}

/// The stored form of an op: its JSON with the body hash filled in (a sender may leave it
/// out, since the receiver can compute it), so equal revisions have equal documents.
pub fn canonical_doc(op: &Revision) -> String {
    if op.body_sha256.is_empty() {
        if let Some(b) = &op.body {
            let mut full = op.clone();
            full.body_sha256 = hex::encode(Sha256::digest(b.get().as_bytes()));
            return serde_json::to_string(&full).expect("revisions serialise");
        }
    }
    serde_json::to_string(op).expect("revisions serialise")
}

/// What enrollment needs from one open transaction.
pub trait EnrollTx {
    /// The code with this hash, locked until commit.
    fn code(&mut self, code_hash: &str) -> Result<Option<CodeRow>, ServerError>;
    /// Whether a device with this id is enrolled.
    fn device_exists(&mut self, device_id: &str) -> Result<bool, ServerError>;
    /// The device with this id.
    fn device(&mut self, device_id: &str) -> Result<Option<Device>, ServerError>;
    /// Names the hub that may relay the device's changes.
    fn bind_hub(&mut self, device_id: &str, hub: &str) -> Result<(), ServerError>;
    /// Enrolls a new device. Its applied seq starts at the highest of its changes stored
    /// here already (a laptop that moves to a hub whose changes came down from the central
    /// server).
    fn insert_device(
        &mut self,
        device_id: &str,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<(), ServerError>;
    /// Gives an enrolled device a new credential and role, keeping its history and numbering.
    fn replace_credential(
        &mut self,
        device_id: &str,
        name: &str,
        role: Role,
        token_hash: &str,
    ) -> Result<(), ServerError>;
    /// Marks the code used by `device_id`.
    fn mark_used(&mut self, code_hash: &str, device_id: &str) -> Result<(), ServerError>;
}

/// Enrollment, run inside one transaction by every store.
///
/// A code works once, before it expires, unless cancelled. Device identity belongs to the
/// server: a plain code never takes over an enrolled device id; only a re-enrollment code a
/// lead made for that very device replaces its credential (keeping history and numbering).
///
/// A `hub` code enrolls a station hub and nothing else, and a hub enrolls only with one; a
/// refused code stays unused.
pub fn enroll_in_tx(
    tx: &mut impl EnrollTx,
    code: &str,
    device_id: &str,
    hub: bool,
) -> Result<EnrollResponse, ServerError> {
    let code_hash = secret_hash(&normalise_code(code));
    let row = tx.code(&code_hash)?.ok_or_else(|| {
        ServerError::Unauthorized(
            "this enrollment code is not known; check it with the survey lead".into(),
        )
    })?;
    if row.cancelled {
        return Err(ServerError::Unauthorized(
            "this enrollment code was cancelled; ask the survey lead for a new one".into(),
        ));
    }
    if row.used_by.is_some() {
        return Err(ServerError::Unauthorized(
            "this enrollment code was already used; ask the survey lead for a new one".into(),
        ));
    }
    if row.expires_at.as_str() <= now().as_str() {
        return Err(ServerError::Unauthorized(format!(
            "this enrollment code expired at {}; ask the survey lead for a new one",
            row.expires_at
        )));
    }
    match (row.role == Role::Hub, hub) {
        (true, false) => {
            return Err(ServerError::Forbidden(
                "this code enrolls a station hub (dauria-server upstream enroll), not a laptop; ask the survey lead for a laptop's code".into(),
            ))
        }
        (false, true) => {
            return Err(ServerError::Forbidden(format!(
                "this code enrolls a laptop as {}; a station hub needs a code made with --role hub",
                row.role.as_str()
            )))
        }
        _ => {}
    }
    let token = random_hex(32);
    let token_hash = secret_hash(&token);
    match &row.device_id {
        Some(bound) if bound != device_id => {
            return Err(ServerError::Unauthorized(
                "this code re-enrolls another laptop; ask the survey lead for a code for this one"
                    .into(),
            ))
        }
        Some(_) => tx.replace_credential(device_id, &row.name, row.role, &token_hash)?,
        None => {
            if tx.device_exists(device_id)? {
                return Err(ServerError::DeviceExists(format!(
                    "a laptop with id {device_id} is enrolled already; if this is that laptop and it lost its credential, a survey lead can re-enroll it (dauria-server devices reenroll {device_id})"
                )));
            }
            tx.insert_device(device_id, &row.name, row.role, &token_hash)?
        }
    }
    tx.mark_used(&code_hash, device_id)?;
    Ok(EnrollResponse {
        device_id: device_id.to_string(),
        name: row.name,
        role: row.role,
        token,
    })
}

/// Registers a laptop enrolled at the hub `hub_id`, run inside one transaction by every
/// store (docs/SYNC.md §10).
///
/// The role is at most what a hub may grant. A new device is stored with that role and an
/// unusable credential (it syncs here only after a lead re-enrolls it), bound to the hub, so
/// only that hub may relay its changes. A device registered through the same hub before
/// gets its state here (the role and revocation a lead here may have changed since); any
/// other enrolled device is not the hub's to claim.
pub fn register_in_tx(
    tx: &mut impl EnrollTx,
    hub_id: &str,
    reg: &HubRegister,
) -> Result<Device, ServerError> {
    if !reg.role.grantable_by_hub() {
        return Err(ServerError::Forbidden(format!(
            "a hub may enroll laptops as field or viewer, not as {}",
            reg.role.as_str()
        )));
    }
    if let Some(d) = tx.device(&reg.device_id)? {
        if d.hub.as_deref() == Some(hub_id) {
            return Ok(d);
        }
        return Err(ServerError::DeviceExists(format!(
            "device {} is enrolled here and not through this hub; a lead here can hand it to the hub (dauria-server devices hand-over {} --hub {hub_id})",
            reg.device_id, reg.device_id
        )));
    }
    tx.insert_device(
        &reg.device_id,
        &reg.name,
        reg.role,
        &secret_hash(&random_hex(32)),
    )?;
    tx.bind_hub(&reg.device_id, hub_id)?;
    tx.device(&reg.device_id)?
        .ok_or_else(|| ServerError::Internal("registered device not found".into()))
}

/// Now, as stored (RFC 3339 UTC, seconds): such strings compare in time order.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `hours` from now, as stored.
pub fn hours_from_now(hours: u64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours.min(24 * 365 * 10) as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// State of a code for listing.
pub fn code_state(used_by: Option<&str>, cancelled: bool, expires_at: &str) -> &'static str {
    if cancelled {
        "cancelled"
    } else if used_by.is_some() {
        "used"
    } else if expires_at <= now().as_str() {
        "expired"
    } else {
        "open"
    }
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

/// Which devices to read.
#[derive(Debug, Clone, Copy)]
pub enum DeviceFilter<'a> {
    /// Every device, in enrollment order.
    All,
    /// The device whose credential has this hash.
    TokenHash(&'a str),
    /// The devices registered through this hub, in enrollment order.
    Hub(&'a str),
}

/// A change to an enrolled device.
#[derive(Debug, Clone, Copy)]
pub enum DeviceUpdate<'a> {
    Role(Role),
    Hub(Option<&'a str>),
    Revoke,
}

/// What a transaction must keep from running beside another of the same kind (PostgreSQL
/// takes an advisory lock; SQLite's write transaction holds the only write lock already).
#[derive(Debug, Clone, Copy)]
pub enum Serialise<'a> {
    /// Registrations of this device id.
    Registration(&'a str),
    /// Pages ingested from the central server.
    Ingest,
}

/// Everything the server does with its data, on one open transaction. Each backend writes
/// these in its own SQL; the rules are written once, over this interface.
pub trait StoreTx: PushTx + EnrollTx {
    /// Waits for any other transaction doing `what` to end.
    fn serialise(&mut self, what: Serialise<'_>) -> Result<(), ServerError>;
    /// A value kept by the server for itself.
    fn meta_value(&mut self, key: &str) -> Result<Option<String>, ServerError>;
    /// Stores a new enrollment code (by its hash).
    fn insert_code(
        &mut self,
        code_hash: &str,
        name: &str,
        role: Role,
        expires_at: &str,
        device_id: Option<&str>,
    ) -> Result<(), ServerError>;
    /// Codes, newest first: each with its hash and creation time.
    fn codes(&mut self) -> Result<Vec<(String, String, CodeRow)>, ServerError>;
    /// Cancels the open codes whose hash starts with `prefix`; whether there was one.
    fn cancel_codes(&mut self, prefix: &str) -> Result<bool, ServerError>;
    /// The devices `which` names.
    fn find_devices(&mut self, which: DeviceFilter<'_>) -> Result<Vec<Device>, ServerError>;
    /// Changes an enrolled device; false if there is no such device.
    fn update_device(
        &mut self,
        device_id: &str,
        update: DeviceUpdate<'_>,
    ) -> Result<bool, ServerError>;
    /// Hands the stored changes after `after` to `each` in `server_seq` order, at most `limit`
    /// of them, as the database returns them, until `each` says stop (false).
    fn feed(
        &mut self,
        after: u64,
        limit: usize,
        exclude_device: &str,
        each: &mut dyn FnMut(FeedRow) -> bool,
    ) -> Result<(), ServerError>;
    /// The device's own stored changes with `device_seq` above `after`, in device order.
    fn device_changes(
        &mut self,
        device_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<FeedRow>, ServerError>;
    /// Number of revisions stored.
    fn count_revisions(&mut self) -> Result<u64, ServerError>;
    /// The rev_ids stored for a device, in device order.
    fn device_rev_ids(&mut self, device_id: &str) -> Result<Vec<String>, ServerError>;
    /// The ids of the records of a kind.
    fn kind_record_ids(&mut self, kind: &str) -> Result<Vec<String>, ServerError>;
    /// The stored documents of the current heads of these records.
    fn docs_of_heads(&mut self, record_ids: &[String]) -> Result<Vec<String>, ServerError>;
}

/// A database the server keeps its data in: runs work in one transaction of it.
pub trait Backend: Send + Sync + 'static {
    type Tx<'t>: StoreTx
    where
        Self: 't;
    /// Runs `work` in one transaction, committed when it returns `Ok`, rolled back otherwise.
    /// `write` says it writes (SQLite then takes the write lock at once).
    fn run<T>(
        &self,
        write: bool,
        work: impl FnOnce(&mut Self::Tx<'_>) -> Result<T, ServerError>,
    ) -> Result<T, ServerError>;
}

/// The server's storage, written once over [`Backend`].
impl<B: Backend> ServerStore for B {
    fn epoch(&self) -> Result<String, ServerError> {
        self.run(false, |tx| {
            tx.meta_value("epoch")?
                .ok_or_else(|| ServerError::Internal("the database has no epoch".into()))
        })
    }

    fn create_enrollment(
        &self,
        name: &str,
        role: Role,
        hours: u64,
        device_id: Option<&str>,
    ) -> Result<String, ServerError> {
        let code = random_code();
        self.run(true, |tx| {
            tx.insert_code(
                &secret_hash(&code),
                name,
                role,
                &hours_from_now(hours),
                device_id,
            )
        })?;
        Ok(code)
    }

    fn enrollments(&self) -> Result<Vec<Enrollment>, ServerError> {
        let codes = self.run(false, |tx| tx.codes())?;
        Ok(codes
            .into_iter()
            .map(|(hash, created_at, c)| Enrollment {
                id: hash.chars().take(12).collect(),
                state: code_state(c.used_by.as_deref(), c.cancelled, &c.expires_at).to_string(),
                name: c.name,
                role: c.role,
                created_at,
                expires_at: c.expires_at,
                device_id: c.device_id,
            })
            .collect())
    }

    fn cancel_enrollment(&self, id: &str) -> Result<bool, ServerError> {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 6 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        self.run(true, |tx| tx.cancel_codes(&id))
    }

    fn enroll_as(
        &self,
        code: &str,
        device_id: &str,
        hub: bool,
    ) -> Result<EnrollResponse, ServerError> {
        self.run(true, |tx| enroll_in_tx(tx, code, device_id, hub))
    }

    fn register_via_hub(&self, hub_id: &str, reg: &HubRegister) -> Result<Device, ServerError> {
        self.run(true, |tx| {
            // Two registrations of one new laptop at once: the second waits, then finds it.
            tx.serialise(Serialise::Registration(&reg.device_id))?;
            register_in_tx(tx, hub_id, reg)
        })
    }

    fn hub_devices(&self, hub_id: &str) -> Result<Vec<Device>, ServerError> {
        self.run(false, |tx| tx.find_devices(DeviceFilter::Hub(hub_id)))
    }

    fn set_role(&self, device_id: &str, role: Role) -> Result<bool, ServerError> {
        self.run(true, |tx| {
            tx.update_device(device_id, DeviceUpdate::Role(role))
        })
    }

    fn set_hub(&self, device_id: &str, hub: Option<&str>) -> Result<bool, ServerError> {
        self.run(true, |tx| {
            tx.update_device(device_id, DeviceUpdate::Hub(hub))
        })
    }

    fn meta(&self, key: &str) -> Result<Option<String>, ServerError> {
        self.run(false, |tx| tx.meta_value(key))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), ServerError> {
        self.run(true, |tx| tx.put_meta(key, value))
    }

    fn ingest(
        &self,
        changes: &[Change],
        meta: &[(&str, &str)],
    ) -> Result<IngestReport, ServerError> {
        self.run(true, |tx| {
            // One ingest at a time: two would both find a change new and store it twice.
            tx.serialise(Serialise::Ingest)?;
            ingest_in_tx(tx, changes, meta)
        })
    }

    fn device_by_token(&self, token: &str) -> Result<Option<Device>, ServerError> {
        let hash = secret_hash(token);
        let found = self.run(false, |tx| tx.find_devices(DeviceFilter::TokenHash(&hash)))?;
        Ok(found.into_iter().next())
    }

    fn devices(&self) -> Result<Vec<Device>, ServerError> {
        self.run(false, |tx| tx.find_devices(DeviceFilter::All))
    }

    fn revoke(&self, device_id: &str) -> Result<bool, ServerError> {
        self.run(true, |tx| tx.update_device(device_id, DeviceUpdate::Revoke))
    }

    fn push_relayed(
        &self,
        device: &Device,
        req: &PushRequest,
        relay: Option<Relay<'_>>,
    ) -> Result<PushOutcome, ServerError> {
        let out = self.run(true, |tx| {
            let out = push_in_tx(tx, device, req, relay)?;
            if matches!(out, PushOutcome::Acked(_)) {
                failpoint("push_before_commit");
            }
            Ok(out)
        })?;
        if matches!(out, PushOutcome::Acked(_)) {
            failpoint("push_after_commit");
        }
        Ok(out)
    }

    fn pull(
        &self,
        after: u64,
        limit: usize,
        max_bytes: usize,
        exclude_device: &str,
    ) -> Result<(Vec<Change>, u64), ServerError> {
        self.run(false, |tx| {
            pull_in_tx(tx, after, limit, max_bytes, exclude_device)
        })
    }

    fn own_changes(
        &self,
        device_id: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Change>, ServerError> {
        let rows = self.run(false, |tx| tx.device_changes(device_id, after, limit))?;
        Ok(rows
            .into_iter()
            .filter_map(|r| raw_change(r.server_seq, r.doc, r.role.as_deref()))
            .collect())
    }

    fn revision_count(&self) -> Result<u64, ServerError> {
        self.run(false, |tx| tx.count_revisions())
    }

    fn rev_ids_of(&self, device_id: &str) -> Result<Vec<String>, ServerError> {
        self.run(false, |tx| tx.device_rev_ids(device_id))
    }

    fn record_ids_of_kind(&self, kind: &str) -> Result<Vec<String>, ServerError> {
        self.run(false, |tx| tx.kind_record_ids(kind))
    }

    fn head_docs(&self, record_ids: &[String]) -> Result<Vec<String>, ServerError> {
        self.run(false, |tx| tx.docs_of_heads(record_ids))
    }
}
