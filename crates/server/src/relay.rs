//! A field-station hub's link to its central server (docs/SYNC.md §10).
//!
//! A hub is an ordinary server for the laptops enrolled at it. Once enrolled at a central
//! server with a `hub` code, it relays: each cycle registers its laptops there by their own
//! ids, takes the central server's word on their roles and revocations, pushes their changes
//! unchanged (each judged centrally as its author's own), pulls everyone else's changes into
//! its own changefeed, and carries photos both ways.
//!
//! Nothing the hub keeps about the relay can make it send a change twice or lose one: what
//! to push is worked out afresh each cycle from what the central server says it has of each
//! laptop, and each pulled page is stored in one transaction with its cursor. A hub killed
//! at any point starts again from what is committed on both sides.

use crate::blobs::BlobStore;
use crate::error::ServerError;
use crate::store::{Device, ServerStore};
use dauria_proto::{
    BlobMissing, BlobQuery, ChunkAck, EnrollRequest, EnrollResponse, ErrorBody, GapResponse,
    HubDevice, HubDevices, HubRegister, PullResponse, PushResponse, RelayRequest, Revision, Role,
    ServerStatus, SyncConfig, HEADER_BLOB_OFFSET, HEADER_BLOB_SIZE, HEADER_CHUNK_SHA256,
};
pub use dauria_transport::Trust;
use dauria_transport::{HttpResponse, HttpTransport, Transport};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

/// The central server's address.
pub const K_SERVER: &str = "upstream.server";
/// The hub's credential there.
pub const K_TOKEN: &str = "upstream.token";
/// The hub's device id there (kept from the first attempt, so a retry enrolls the same id).
pub const K_DEVICE: &str = "upstream.device_id";
/// The name the central server knows the hub by.
pub const K_NAME: &str = "upstream.name";
/// A pinned certificate fingerprint, or a CA file, as the enrollment chose.
pub const K_FINGERPRINT: &str = "upstream.tls_fingerprint";
pub const K_CA_FILE: &str = "upstream.tls_ca_file";
/// The cursor in the central server's changefeed.
pub const K_CURSOR: &str = "relay.cursor";
/// When a request last got an answer from the central server.
pub const K_LAST_CONTACT: &str = "relay.last_contact";
/// Why the last cycle failed ("" when it did not).
pub const K_LAST_ERROR: &str = "relay.last_error";
/// Photos named by pulled sightings that are not here yet (a JSON array of hashes).
pub const K_PHOTOS_WANTED: &str = "relay.photos_wanted";

/// Changes per pull page and per relayed batch.
const PAGE: usize = 2000;
/// Bytes of a photo sent in one chunk.
const CHUNK: usize = 1 << 20;
/// How long the link to the central server may stay silent.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts per request before the cycle gives up (the next cycle tries again).
const ATTEMPTS: u32 = 4;

/// Why a relay step failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(
        "this server is not enrolled at a central server; run `dauria-server upstream enroll`"
    )]
    NotEnrolled,
    #[error("cannot reach the central server: {0}")]
    Unreachable(String),
    #[error("the central server refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] ServerError),
}

/// The central server this hub relays to.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub server: String,
    pub token: String,
    pub device_id: String,
    pub trust: Trust,
}

fn non_empty(store: &dyn ServerStore, key: &str) -> Result<Option<String>, ServerError> {
    Ok(store.meta(key)?.filter(|v| !v.is_empty()))
}

/// The central server this server relays to, if it is a hub.
pub fn upstream(store: &dyn ServerStore) -> Result<Option<Upstream>, ServerError> {
    let (Some(server), Some(token), Some(device_id)) = (
        non_empty(store, K_SERVER)?,
        non_empty(store, K_TOKEN)?,
        non_empty(store, K_DEVICE)?,
    ) else {
        return Ok(None);
    };
    let trust = match (
        non_empty(store, K_FINGERPRINT)?,
        non_empty(store, K_CA_FILE)?,
    ) {
        (Some(fp), _) => Trust::Fingerprint(fp),
        (None, Some(ca)) => Trust::CaFile(ca.into()),
        (None, None) => Trust::System,
    };
    Ok(Some(Upstream {
        server,
        token,
        device_id,
        trust,
    }))
}

/// What `GET /v1/status` answers.
pub fn status(store: &dyn ServerStore) -> Result<ServerStatus, ServerError> {
    Ok(ServerStatus {
        relays: upstream(store)?.is_some(),
        upstream_contact: non_empty(store, K_LAST_CONTACT)?,
        upstream_error: non_empty(store, K_LAST_ERROR)?,
    })
}

fn error_of(r: &HttpResponse) -> RelayError {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(&r.body) {
        Ok(e) => (e.code, e.message),
        Err(_) => (
            String::new(),
            String::from_utf8_lossy(&r.body).chars().take(200).collect(),
        ),
    };
    RelayError::Refused {
        status: r.status,
        code,
        message,
    }
}

/// Enrolls this server as a hub at `server` with a `hub` code and keeps the credential.
pub fn enroll(
    store: &dyn ServerStore,
    server: &str,
    trust: &Trust,
    code: &str,
) -> Result<EnrollResponse, RelayError> {
    let server = server.trim_end_matches('/');
    let t = HttpTransport::with_trust(server, TIMEOUT, trust)
        .map_err(|e| RelayError::Unreachable(e.to_string()))?;
    // The id is kept before asking: a retry after a lost answer enrolls the same hub.
    let device_id = match non_empty(store, K_DEVICE)? {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            store.set_meta(K_DEVICE, &id)?;
            id
        }
    };
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.trim().to_string(),
        device_id,
        hub: true,
    })
    .expect("requests serialise");
    let r = t
        .send("POST", "/v1/enroll", None, Some(body))
        .map_err(|e| match t.refused_fingerprint() {
            Some(fp) => RelayError::Unreachable(dauria_transport::tls::untrusted_message(&fp)),
            None => RelayError::Unreachable(e.to_string()),
        })?;
    if r.status != 200 {
        return Err(error_of(&r));
    }
    let resp: EnrollResponse = serde_json::from_slice(&r.body).map_err(|_| {
        RelayError::Unreachable(format!("{server} did not answer like a Dauria sync server"))
    })?;
    if resp.role != Role::Hub {
        return Err(RelayError::Refused {
            status: 200,
            code: "not_hub".into(),
            message: format!(
                "the central server enrolled this hub as {}",
                resp.role.as_str()
            ),
        });
    }
    let (fp, ca) = match trust {
        Trust::System => (String::new(), String::new()),
        Trust::Fingerprint(fp) => (fp.clone(), String::new()),
        Trust::CaFile(p) => (String::new(), p.to_string_lossy().into_owned()),
    };
    store.set_meta(K_FINGERPRINT, &fp)?;
    store.set_meta(K_CA_FILE, &ca)?;
    store.set_meta(K_NAME, &resp.name)?;
    store.set_meta(K_TOKEN, &resp.token)?;
    store.set_meta(K_SERVER, server)?;
    // Another central server (or the same one enrolled again) has another changefeed.
    store.set_meta(K_CURSOR, "")?;
    store.set_meta(K_LAST_ERROR, "")?;
    Ok(resp)
}

/// What one relay cycle did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RelaySummary {
    /// Laptops registered at the central server now.
    pub registered: u64,
    /// Laptops the central server would not let this hub relay (enrolled there directly or
    /// through another hub), by id.
    pub not_relayed: Vec<String>,
    /// Laptops revoked here because the central server revoked them.
    pub revoked: u64,
    /// Laptops whose role here changed to the central server's.
    pub roles_changed: u64,
    /// Changes the central server stored now.
    pub pushed: u64,
    /// Changes it had already (sent before, or by the laptop itself).
    pub duplicates: u64,
    /// Changes it refused.
    pub rejected: u64,
    /// Changes stored here from the central server.
    pub pulled: u64,
    pub photos_up: u64,
    pub photos_down: u64,
}

/// One hub's relay: the store, its photos and the link to the central server.
pub struct Relay<'a> {
    store: &'a dyn ServerStore,
    blobs: &'a BlobStore,
    up: Upstream,
    link: Box<dyn Transport + 'a>,
    contacted: bool,
}

impl<'a> Relay<'a> {
    /// The relay of `store`, or None when this server is not a hub.
    pub fn new(
        store: &'a dyn ServerStore,
        blobs: &'a BlobStore,
    ) -> Result<Option<Relay<'a>>, RelayError> {
        let Some(up) = upstream(store)? else {
            return Ok(None);
        };
        let link = HttpTransport::with_trust(&up.server, TIMEOUT, &up.trust)
            .map_err(|e| RelayError::Unreachable(e.to_string()))?;
        Ok(Some(Relay {
            store,
            blobs,
            up,
            link: Box::new(link),
            contacted: false,
        }))
    }

    /// One request with retries: a transport failure, a 5xx or an answer that is not the
    /// sync server's (a captive portal) is tried again; any other answer is returned.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<HttpResponse, RelayError> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(50 << attempt.min(6)));
            }
            match self.link.send_raw(
                method,
                path,
                Some(&self.up.token),
                headers,
                body.map(<[u8]>::to_vec),
            ) {
                Err(e) => last = e.to_string(),
                Ok(r) if r.status >= 500 => {
                    last = format!("the central server answered {}", r.status)
                }
                Ok(r)
                    if !(method == "GET" && path.starts_with("/v1/blobs/")
                        || r.content_type
                            .as_deref()
                            .is_some_and(|c| c.starts_with("application/json"))) =>
                {
                    last = format!(
                        "the answer ({} {}) is not from the central server",
                        r.status,
                        r.content_type.as_deref().unwrap_or("no content type")
                    )
                }
                Ok(r) => {
                    self.contacted = true;
                    self.store.set_meta(K_LAST_CONTACT, &crate::store::now())?;
                    return Ok(r);
                }
            }
        }
        Err(RelayError::Unreachable(format!(
            "gave up after {ATTEMPTS} attempts: {last}"
        )))
    }

    fn json<T: DeserializeOwned>(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, RelayError> {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("requests serialise"));
        let headers = [("content-type", "application/json".to_string())];
        // A body that is not what was asked for is no answer: try again.
        for _ in 0..ATTEMPTS {
            let r = self.call(method, path, &headers, bytes.as_deref())?;
            if r.status != 200 {
                return Err(error_of(&r));
            }
            if let Ok(v) = serde_json::from_slice(&r.body) {
                return Ok(v);
            }
        }
        Err(RelayError::Unreachable(format!(
            "{path}: the central server's answers could not be read"
        )))
    }

    /// One full cycle: register, take roles and revocations, push, pull, photos. Records
    /// when the central server was last reached and the error, if any, for `/v1/status`.
    pub fn cycle(&mut self) -> Result<RelaySummary, RelayError> {
        let mut summary = RelaySummary::default();
        let result = self.run(&mut summary);
        let error = match &result {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        };
        self.store.set_meta(K_LAST_ERROR, &error)?;
        result.map(|()| summary)
    }

    fn run(&mut self, summary: &mut RelaySummary) -> Result<(), RelayError> {
        let central = self.devices(summary)?;
        self.push(&central, summary)?;
        self.pull(summary)?;
        // Photos travel after the records and never make them fail.
        if let Err(e) = self.photos(summary) {
            tracing::warn!(error = %e, "photos not relayed this time");
        }
        Ok(())
    }

    /// Registers this hub's laptops at the central server and takes its word on their roles
    /// and revocations. Returns what the central server has of each.
    fn devices(
        &mut self,
        summary: &mut RelaySummary,
    ) -> Result<HashMap<String, HubDevice>, RelayError> {
        let listed: HubDevices = self.json("GET", "/v1/hub/devices", None::<&()>)?;
        let mut central: HashMap<String, HubDevice> = listed
            .devices
            .into_iter()
            .map(|d| (d.device_id.clone(), d))
            .collect();
        for local in self.store.devices()? {
            if !central.contains_key(&local.device_id) && !local.revoked {
                let reg = HubRegister {
                    device_id: local.device_id.clone(),
                    name: local.name.clone(),
                    role: local.role,
                };
                match self.json::<HubDevice>("POST", "/v1/hub/devices", Some(&reg)) {
                    Ok(d) => {
                        summary.registered += 1;
                        central.insert(d.device_id.clone(), d);
                    }
                    Err(RelayError::Refused {
                        status, message, ..
                    }) if status == 403 || status == 409 => {
                        tracing::warn!(device = %local.device_id, %message, "the central server will not take this laptop's changes from this hub");
                        summary.not_relayed.push(local.device_id.clone());
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let Some(c) = central.get(&local.device_id) else {
                continue;
            };
            if c.revoked && !local.revoked {
                tracing::warn!(device = %local.device_id, "revoked at the central server: revoked here");
                self.store.revoke(&local.device_id)?;
                summary.revoked += 1;
            }
            if c.role != local.role {
                tracing::info!(device = %local.device_id, role = c.role.as_str(), "role changed at the central server");
                self.store.set_role(&local.device_id, c.role)?;
                summary.roles_changed += 1;
            }
        }
        Ok(central)
    }

    /// Pushes each laptop's changes the central server does not have, in device order.
    fn push(
        &mut self,
        central: &HashMap<String, HubDevice>,
        summary: &mut RelaySummary,
    ) -> Result<(), RelayError> {
        let config: SyncConfig = self.json("GET", "/v1/config", None::<&()>)?;
        let max_ops = config.max_ops.clamp(1, PAGE);
        let local: Vec<Device> = self.store.devices()?;
        for d in local {
            let Some(c) = central.get(&d.device_id) else {
                continue;
            };
            if d.revoked || c.revoked {
                continue;
            }
            let mut after = c.applied_upto;
            let mut batch = max_ops;
            while after < d.applied_upto {
                let changes = self.store.own_changes(&d.device_id, after, batch)?;
                let ops: Vec<Revision> = changes
                    .iter()
                    .filter_map(|c| serde_json::from_str(c.rev.get()).ok())
                    .collect();
                // Numbers up to `upto` that are missing were refused here.
                let upto = if changes.len() < batch {
                    d.applied_upto
                } else {
                    ops.last().map_or(d.applied_upto, |o| o.device_seq)
                };
                let req = RelayRequest {
                    batch_id: uuid::Uuid::now_v7().to_string(),
                    device_id: d.device_id.clone(),
                    ops,
                    upto,
                };
                let body = serde_json::to_vec(&req).expect("requests serialise");
                let headers = [("content-type", "application/json".to_string())];
                let r = self.call("POST", "/v1/hub/push", &headers, Some(&body))?;
                match r.status {
                    200 => {
                        let Ok(ack) = serde_json::from_slice::<PushResponse>(&r.body) else {
                            return Err(RelayError::Unreachable(
                                "the central server's acknowledgement could not be read".into(),
                            ));
                        };
                        if ack.batch_id != req.batch_id || ack.device_id != req.device_id {
                            return Err(RelayError::Unreachable(
                                "the acknowledgement was for another batch".into(),
                            ));
                        }
                        crate::store::failpoint("relay_after_push");
                        for res in &ack.results {
                            match res.status {
                                dauria_proto::OpStatus::Applied
                                | dauria_proto::OpStatus::Conflict => summary.pushed += 1,
                                dauria_proto::OpStatus::Duplicate => summary.duplicates += 1,
                                dauria_proto::OpStatus::Rejected => {
                                    tracing::warn!(device = %d.device_id, rev = %res.rev_id, code = ?res.code, reason = ?res.reason, "the central server refused a relayed change");
                                    summary.rejected += 1;
                                }
                            }
                        }
                        if ack.applied_upto <= after {
                            return Err(RelayError::Unreachable(format!(
                                "the central server did not move on from device_seq {after} of {}",
                                d.device_id
                            )));
                        }
                        after = ack.applied_upto;
                    }
                    409 => match serde_json::from_slice::<GapResponse>(&r.body) {
                        Ok(g) if g.applied_upto > after => after = g.applied_upto,
                        _ => return Err(error_of(&r)),
                    },
                    413 if batch > 1 => batch /= 2,
                    403 => {
                        // Revoked or handed elsewhere meanwhile: the next cycle's device
                        // list says so; the other laptops go on.
                        tracing::warn!(device = %d.device_id, error = %error_of(&r), "relay refused for this laptop");
                        break;
                    }
                    _ => return Err(error_of(&r)),
                }
            }
        }
        Ok(())
    }

    /// Pulls the central server's changefeed into this hub's, one page and its cursor per
    /// transaction.
    fn pull(&mut self, summary: &mut RelaySummary) -> Result<(), RelayError> {
        loop {
            let cursor = self.store.meta(K_CURSOR)?.unwrap_or_default();
            let path = format!("/v1/pull?cursor={cursor}&limit={PAGE}");
            let page: PullResponse = self.json("GET", &path, None::<&()>)?;
            if page.must_refetch {
                tracing::warn!("the central server's changefeed was reset; reading it again");
                self.store.set_meta(K_CURSOR, &page.cursor)?;
                continue;
            }
            crate::store::failpoint("relay_mid_pull");
            let mut wanted = self.wanted()?;
            for c in &page.changes {
                wanted.extend(photos_of(c.rev.get()));
            }
            let wanted = serde_json::to_string(&wanted).expect("serialises");
            let report = self.store.ingest(
                &page.changes,
                &[(K_CURSOR, &page.cursor), (K_PHOTOS_WANTED, &wanted)],
            )?;
            summary.pulled += report.stored;
            if !page.more {
                return Ok(());
            }
        }
    }

    fn wanted(&self) -> Result<BTreeSet<String>, ServerError> {
        Ok(self
            .store
            .meta(K_PHOTOS_WANTED)?
            .and_then(|w| serde_json::from_str(&w).ok())
            .unwrap_or_default())
    }

    /// Uploads the photos the central server lacks, then fetches those pulled sightings name.
    fn photos(&mut self, summary: &mut RelaySummary) -> Result<(), RelayError> {
        let here = self.blobs.complete()?;
        for part in here.chunks(1000) {
            let m: BlobMissing = self.json(
                "POST",
                "/v1/blobs/missing",
                Some(&BlobQuery {
                    hashes: part.to_vec(),
                }),
            )?;
            for missing in m.missing {
                if self.upload(&missing.sha256, missing.offset)? {
                    summary.photos_up += 1;
                }
            }
        }
        let mut wanted = self.wanted()?;
        let mut fetched = Vec::new();
        for sha in wanted.iter() {
            if self.blobs.offset(sha).is_none() {
                fetched.push(sha.clone());
                continue;
            }
            let r = self.call("GET", &format!("/v1/blobs/{sha}"), &[], None)?;
            match r.status {
                200 => {
                    let _writer = self.blobs.lock(sha).blocking_lock();
                    match self.blobs.keep(sha, &r.body) {
                        Ok(()) => {
                            summary.photos_down += 1;
                            fetched.push(sha.clone());
                        }
                        Err(e) => {
                            tracing::warn!(%sha, error = %e, "a fetched photo was damaged; fetched again next time")
                        }
                    }
                }
                // Not uploaded yet by the laptop that took it: asked for again next time.
                404 => {}
                _ => return Err(error_of(&r)),
            }
        }
        for sha in fetched {
            wanted.remove(&sha);
        }
        self.store.set_meta(
            K_PHOTOS_WANTED,
            &serde_json::to_string(&wanted).expect("serialises"),
        )?;
        Ok(())
    }

    /// Uploads one photo from `offset` in checksummed chunks; false if the central server
    /// refused it (too large, or past the hub's quota there).
    fn upload(&mut self, sha: &str, mut offset: u64) -> Result<bool, RelayError> {
        let bytes = std::fs::read(self.blobs.path(sha))
            .map_err(|e| ServerError::Internal(format!("cannot read photo {sha}: {e}")))?;
        let size = bytes.len() as u64;
        let path = format!("/v1/blobs/{sha}");
        while offset < size {
            let end = (offset as usize + CHUNK).min(bytes.len());
            let chunk = &bytes[offset as usize..end];
            let headers = [
                ("content-type", "application/octet-stream".to_string()),
                (HEADER_BLOB_SIZE, size.to_string()),
                (HEADER_BLOB_OFFSET, offset.to_string()),
                (HEADER_CHUNK_SHA256, hex::encode(Sha256::digest(chunk))),
            ];
            let r = self.call("PUT", &path, &headers, Some(chunk))?;
            match (r.status, serde_json::from_slice::<ChunkAck>(&r.body)) {
                (200, Ok(a)) if a.complete => return Ok(true),
                (200 | 409, Ok(a)) => offset = a.offset.min(size),
                // Damaged on the way: the same chunk again.
                (400, _) => {}
                (413, _) => {
                    tracing::warn!(%sha, error = %error_of(&r), "the central server refused a photo");
                    return Ok(false);
                }
                _ => return Err(error_of(&r)),
            }
        }
        Ok(true)
    }
}

/// The photo hashes a stored revision's body names.
fn photos_of(doc: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        kind: String,
        body: Option<Body>,
    }
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        photos: Vec<String>,
    }
    match serde_json::from_str::<Doc>(doc) {
        Ok(Doc {
            kind,
            body: Some(b),
        }) if kind == "observation" => b
            .photos
            .into_iter()
            .filter(|h| crate::blobs::is_sha256(h))
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs one relay cycle under the hub's relay lock (a file in the data folder), so the
/// relay of `serve` and `upstream sync` never run at once. None when this server is not a
/// hub.
pub fn cycle_locked(
    data_dir: &Path,
    store: &dyn ServerStore,
    blobs: &BlobStore,
) -> Result<Option<RelaySummary>, RelayError> {
    let _lock = RelayLock::take(data_dir)?;
    match Relay::new(store, blobs)? {
        None => Ok(None),
        Some(mut relay) => relay.cycle().map(Some),
    }
}

/// An exclusive lock on `relay.lock` in the data folder, released when dropped (or when the
/// process dies).
struct RelayLock(std::fs::File);

impl RelayLock {
    fn take(dir: &Path) -> Result<RelayLock, ServerError> {
        use std::os::fd::AsRawFd;
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("relay.lock"))
            .map_err(|e| ServerError::Internal(format!("cannot open the relay lock: {e}")))?;
        // SAFETY: flock on a descriptor this File owns.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(ServerError::Internal(format!(
                "cannot take the relay lock: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(RelayLock(f))
    }
}

impl Drop for RelayLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Starts the relay of `serve` on a thread of its own: a cycle at once, then whenever a
/// laptop has pushed (the returned sender wakes it) and at least every `every`. Does nothing
/// for a server that is not a hub until it becomes one.
pub fn spawn(
    data_dir: std::path::PathBuf,
    store: std::sync::Arc<dyn ServerStore>,
    blobs: BlobStore,
    every: Duration,
) -> std::sync::mpsc::SyncSender<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("relay".into())
        .spawn(move || loop {
            match cycle_locked(&data_dir, &*store, &blobs) {
                Ok(Some(s)) => tracing::info!(
                    pushed = s.pushed,
                    pulled = s.pulled,
                    registered = s.registered,
                    revoked = s.revoked,
                    photos_up = s.photos_up,
                    photos_down = s.photos_down,
                    "relayed"
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "relay to the central server failed; trying again later"),
            }
            match rx.recv_timeout(every) {
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        })
        .expect("the relay thread starts");
    tx
}
