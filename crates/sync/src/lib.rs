//! Dauria Field sync client (protocol: docs/SYNC.md).
//!
//! Pushes the oldest contiguous outbox prefix in batches (one in flight, its id kept on disk so
//! a retry after a crash is the same batch), then pulls the changefeed page by page, applying
//! each page and its cursor in one local transaction. Anything that is not a well-formed
//! acknowledgement for the batch sent is not an acknowledgement.

mod blobs;
pub mod discover;
pub use dauria_transport::tls;
/// The HTTP exchange, behind a trait so tests can swap it.
pub mod transport {
    pub use dauria_transport::{HttpResponse, HttpTransport, Transport, TransportError};
}

use dauria_core::store::Pulled;
use dauria_core::Store;
use dauria_proto::{
    Change, EnrollRequest, EnrollResponse, ErrorBody, GapResponse, OpStatus, OwnResponse,
    PullResponse, PushRequest, PushResponse, ServerStatus, SyncConfig,
};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::time::{Duration, Instant};
pub use tls::Trust;
pub use transport::{HttpResponse, HttpTransport, Transport, TransportError};
use ts_rs::TS;

const K_SERVER: &str = "sync.server";
const K_TOKEN: &str = "sync.token";
const K_ROLE: &str = "sync.role";
const K_NAME: &str = "sync.name";
const K_INFLIGHT: &str = "sync.inflight";
const K_CURSOR: &str = "sync.cursor";
const K_LAST_OK: &str = "sync.last_success";
const K_LAST_ERR: &str = "sync.last_error";
const K_LAST_ERR_CODE: &str = "sync.last_error_code";
const K_REJECTED: &str = "sync.rejected";
const K_RELAYS: &str = "sync.server_relays";
const K_UPSTREAM_CONTACT: &str = "sync.upstream_contact";

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this laptop is not enrolled with a sync server; enroll it with a code from the survey lead")]
    NotEnrolled,
    #[error("{0}")]
    Revoked(String),
    #[error("the server refused: {0}")]
    Forbidden(String),
    #[error("{0}")]
    UpgradeRequired(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    NotAnAck(String),
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
    #[error("change {0} is larger than the server accepts in one request")]
    OpTooLarge(String),
    #[error("the server refused a photo: {0}")]
    PhotoRefused(String),
    #[error(transparent)]
    Store(#[from] dauria_core::Error),
}

impl SyncError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::Revoked(_) => "revoked",
            SyncError::Forbidden(_) => "forbidden",
            SyncError::UpgradeRequired(_) => "upgrade_required",
            SyncError::Unreachable(_) => "unreachable",
            SyncError::NotAnAck(_) => "not_an_ack",
            SyncError::Server { .. } => "server",
            SyncError::OpTooLarge(_) => "op_too_large",
            SyncError::PhotoRefused(_) => "photo_refused",
            SyncError::Store(_) => "store",
        }
    }
}

/// A change that needs a person's attention: an op of this laptop the server rejected, or
/// (`incoming`) a change from elsewhere this laptop set aside. Neither blocks sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RejectedOp {
    pub rev_id: String,
    pub device_seq: u64,
    pub reason: String,
    /// Stable code of the rule it broke (`kind_mismatch`, `not_creator`, ...), for the window
    /// to word it in its own language.
    #[serde(default)]
    pub code: Option<String>,
    /// A change pulled from the server that this laptop could not apply; it is tried again
    /// after an upgrade.
    #[serde(default)]
    pub incoming: bool,
}

/// What the user sees about sync.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub device_name: Option<String>,
    pub role: Option<String>,
    pub pending_ops: u64,
    pub last_success: Option<String>,
    /// In words, as the engine put it (English).
    pub last_error: Option<String>,
    /// The stable code of that error ([`SyncError::code`]), for a window to word it in its
    /// own language.
    #[serde(default)]
    pub last_error_code: Option<String>,
    pub conflicts: u64,
    pub needs_attention: Vec<RejectedOp>,
    /// The server is a station hub that relays to a central server (as of the last sync).
    #[serde(default)]
    pub relays: bool,
    /// When that hub last reached the central server (RFC 3339 UTC), as it said.
    #[serde(default)]
    pub upstream_contact: Option<String>,
}

/// Totals of one sync.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncSummary {
    pub pushed: u64,
    pub duplicates: u64,
    pub conflicts: u64,
    pub rejected: u64,
    pub pulled: u64,
    pub batches: u64,
    pub retries: u64,
    /// This laptop's own changes taken back from the server after a restore from a backup.
    pub recovered: u64,
    /// Photos uploaded completely during this sync.
    pub photos_uploaded: u64,
    /// Photo bytes sent.
    pub photo_bytes: u64,
    /// Why photos could not be sent, if they could not; records are synced regardless.
    pub photo_error: Option<String>,
}

/// Progress reports while syncing.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// `done` of `total` pending ops acknowledged.
    Push { done: u64, total: u64 },
    /// `received` changes applied so far.
    Pull { received: u64 },
    /// `done` of `total` photo bytes uploaded.
    Photos { done: u64, total: u64 },
}

/// Retry and size settings.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Attempts per request before giving up for this sync.
    pub max_attempts: u32,
    /// First backoff; doubled per attempt with jitter, capped at `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Most changes per pull page.
    pub pull_limit: usize,
    /// Batches and pages are sized so that one takes about this long on the measured link:
    /// short enough to finish on a 2G or satellite link, long enough to be efficient.
    pub target_request: Duration,
    /// Record bytes (JSON) of the first batch or page, before the link is measured.
    pub first_request_bytes: usize,
    /// Compress request bodies and ask for compressed answers (on unless measuring).
    pub compress: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            max_attempts: 8,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            pull_limit: 2000,
            target_request: Duration::from_secs(10),
            first_request_bytes: 64 << 10,
            compress: true,
        }
    }
}

/// Smallest batch or page asked for, in record bytes (JSON).
const MIN_REQUEST_BYTES: usize = 4 << 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Inflight {
    batch_id: String,
    from_seq: u64,
    count: usize,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn error_message(r: &HttpResponse) -> String {
    serde_json::from_slice::<ErrorBody>(&r.body)
        .map(|e| e.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&r.body).chars().take(200).collect())
}

fn is_json(r: &HttpResponse) -> bool {
    r.content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/json"))
}

/// Enrolls this laptop with a one-time code and keeps the credential in the store.
pub fn enroll(
    store: &Store,
    transport: &dyn Transport,
    server: &str,
    code: &str,
) -> Result<EnrollResponse, SyncError> {
    let body = serde_json::to_vec(&EnrollRequest {
        code: code.trim().to_string(),
        device_id: store.device_id().to_string(),
        hub: false,
    })
    .expect("requests serialise");
    let r = transport
        .send("POST", "/v1/enroll", None, Some(body))
        .map_err(|e| SyncError::Unreachable(e.to_string()))?;
    if r.status != 200 {
        return Err(match r.status {
            401 | 403 => SyncError::Forbidden(error_message(&r)),
            s => SyncError::Server {
                status: s,
                message: error_message(&r),
            },
        });
    }
    let resp: EnrollResponse = serde_json::from_slice(&r.body).map_err(|_| {
        SyncError::NotAnAck(format!(
            "the address {server} did not answer like a Dauria sync server"
        ))
    })?;
    store.set_meta(K_SERVER, server)?;
    store.set_meta(K_TOKEN, &resp.token)?;
    store.set_meta(K_ROLE, resp.role.as_str())?;
    store.set_meta(K_NAME, &resp.name)?;
    // A new server means a new changefeed.
    store.set_meta(K_CURSOR, "")?;
    store.set_meta(K_RELAYS, "")?;
    store.set_meta(K_UPSTREAM_CONTACT, "")?;
    store.set_meta(K_LAST_ERR, "")?;
    store.set_meta(K_LAST_ERR_CODE, "")?;
    Ok(resp)
}

/// The server address this laptop is enrolled with.
pub fn server_of(store: &Store) -> Result<Option<String>, SyncError> {
    Ok(store.meta(K_SERVER)?.filter(|s| !s.is_empty()))
}

/// The sync status shown to people.
pub fn status(store: &Store) -> Result<SyncStatus, SyncError> {
    let non_empty = |k| -> Result<Option<String>, SyncError> {
        Ok(store.meta(k)?.filter(|s: &String| !s.is_empty()))
    };
    Ok(SyncStatus {
        server: non_empty(K_SERVER)?,
        device_name: non_empty(K_NAME)?,
        role: non_empty(K_ROLE)?,
        pending_ops: store.pending_count()?,
        last_success: non_empty(K_LAST_OK)?,
        last_error: non_empty(K_LAST_ERR)?,
        last_error_code: non_empty(K_LAST_ERR_CODE)?,
        conflicts: store.conflicts()?.len() as u64,
        needs_attention: needs_attention(store)?,
        relays: non_empty(K_RELAYS)?.is_some(),
        upstream_contact: non_empty(K_UPSTREAM_CONTACT)?,
    })
}

/// Rejected own ops, then changes from elsewhere set aside.
fn needs_attention(store: &Store) -> Result<Vec<RejectedOp>, SyncError> {
    let mut all = rejected(store)?;
    all.extend(store.set_aside()?.into_iter().map(|a| RejectedOp {
        rev_id: a.rev_id.unwrap_or_default(),
        device_seq: 0,
        reason: a.reason,
        code: Some(a.code),
        incoming: true,
    }));
    Ok(all)
}

fn rejected(store: &Store) -> Result<Vec<RejectedOp>, SyncError> {
    Ok(store
        .meta(K_REJECTED)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// The sync engine over one transport.
pub struct SyncClient<'t> {
    transport: &'t dyn Transport,
    opts: SyncOptions,
    /// Record bytes (JSON) per second the link carried in the last exchange with a body.
    rate: Cell<Option<f64>>,
}

/// One request for [`SyncClient::exchange`].
struct Req<'a> {
    method: &'a str,
    path: &'a str,
    headers: &'a [(&'a str, String)],
    body: Option<&'a [u8]>,
}

fn json() -> [(&'static str, String); 1] {
    [("content-type", "application/json".to_string())]
}

enum Attempt<T> {
    Done(T),
    Retry(String),
    /// Something answered that is not the sync server (a captive portal, a proxy): retry, and
    /// say so if it never stops.
    NotAnAck(String),
}

impl<'t> SyncClient<'t> {
    /// An engine over `transport`.
    pub fn new(transport: &'t dyn Transport, opts: SyncOptions) -> SyncClient<'t> {
        SyncClient {
            transport,
            opts,
            rate: Cell::new(None),
        }
    }

    /// Record bytes for the next batch or page: what the measured link carries in
    /// [`SyncOptions::target_request`], within `[MIN_REQUEST_BYTES, cap]`.
    fn request_bytes(&self, cap: usize) -> usize {
        let want = match self.rate.get() {
            Some(rate) => (rate * self.opts.target_request.as_secs_f64()) as usize,
            None => self.opts.first_request_bytes,
        };
        want.clamp(MIN_REQUEST_BYTES.min(cap), cap.max(1))
    }

    /// Takes a measurement of the link: `bytes` of records moved in `elapsed`. Small
    /// exchanges say more about latency than about the link, so they only ever raise it.
    fn measured(&self, bytes: usize, elapsed: Duration) {
        let secs = elapsed.as_secs_f64().max(0.001);
        let rate = bytes as f64 / secs;
        let next = match self.rate.get() {
            Some(old) if bytes < MIN_REQUEST_BYTES => old.max(rate),
            // Move halfway to the new reading: one odd exchange does not swing the size.
            Some(old) => (old + rate) / 2.0,
            None => rate,
        };
        self.rate.set(Some(next));
    }

    fn backoff(&self, attempt: u32) {
        let base = self.opts.base_backoff.as_millis() as u64;
        let cap = self.opts.max_backoff.as_millis() as u64;
        let exp = base.saturating_mul(1 << attempt.min(16)).min(cap);
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).expect("the OS provides randomness");
        // Full jitter: anywhere between half and all of the exponential delay.
        let jitter = u64::from_le_bytes(r) % (exp / 2 + 1);
        std::thread::sleep(Duration::from_millis(exp / 2 + jitter));
    }

    /// Sends a request, retrying transport failures, 5xx and non-JSON answers with backoff;
    /// `accept` turns a response into a result or asks for a retry.
    fn exchange<T>(
        &self,
        store: &Store,
        req: Req<'_>,
        summary: &mut SyncSummary,
        accept: impl FnMut(&HttpResponse) -> Result<Attempt<T>, SyncError>,
    ) -> Result<T, SyncError> {
        self.exchange_tries(store, req, summary, self.opts.max_attempts, accept)
    }

    /// [`SyncClient::exchange`] with at most `attempts` tries.
    fn exchange_tries<T>(
        &self,
        store: &Store,
        req: Req<'_>,
        summary: &mut SyncSummary,
        attempts: u32,
        mut accept: impl FnMut(&HttpResponse) -> Result<Attempt<T>, SyncError>,
    ) -> Result<T, SyncError> {
        let mut refreshed = false;
        let mut last = String::new();
        let mut last_not_ack = false;
        for attempt in 0..attempts {
            last_not_ack = false;
            if attempt > 0 {
                summary.retries += 1;
                self.backoff(attempt);
            }
            let token = store
                .meta(K_TOKEN)?
                .filter(|t| !t.is_empty())
                .ok_or(SyncError::NotEnrolled)?;
            let plain;
            let headers = if self.opts.compress {
                req.headers
            } else {
                plain = [req.headers, &[("accept-encoding", "identity".to_string())]].concat();
                &plain[..]
            };
            let r = match self.transport.send_raw(
                req.method,
                req.path,
                Some(&token),
                headers,
                req.body.map(<[u8]>::to_vec),
            ) {
                Ok(r) => r,
                Err(e) => {
                    last = e.to_string();
                    tracing::info!(error = %e, "sync request failed; retrying");
                    continue;
                }
            };
            match r.status {
                401 if !refreshed => {
                    // The credential may have been replaced by a re-enrollment meanwhile.
                    refreshed = true;
                    last = error_message(&r);
                    continue;
                }
                401 => {
                    return Err(SyncError::Forbidden(format!(
                        "the server does not accept this laptop's credential ({}); enroll again",
                        error_message(&r)
                    )))
                }
                403 => {
                    let body: Option<ErrorBody> = serde_json::from_slice(&r.body).ok();
                    return Err(match body {
                        Some(b) if b.code == "revoked" => SyncError::Revoked(b.message),
                        Some(b) => SyncError::Forbidden(b.message),
                        None => SyncError::Forbidden(error_message(&r)),
                    });
                }
                426 => return Err(SyncError::UpgradeRequired(error_message(&r))),
                s if s >= 500 => {
                    last = format!("the server answered {s}: {}", error_message(&r));
                    continue;
                }
                _ => {}
            }
            match accept(&r)? {
                Attempt::Done(v) => return Ok(v),
                Attempt::Retry(why) => last = why,
                Attempt::NotAnAck(why) => {
                    last = why;
                    last_not_ack = true;
                }
            }
        }
        let why = format!("gave up after {attempts} attempts: {last}");
        Err(if last_not_ack {
            SyncError::NotAnAck(why)
        } else {
            SyncError::Unreachable(why)
        })
    }

    fn config(&self, store: &Store, summary: &mut SyncSummary) -> Result<SyncConfig, SyncError> {
        self.exchange(
            store,
            Req {
                method: "GET",
                path: "/v1/config",
                headers: &[],
                body: None,
            },
            summary,
            |r| {
                if r.status == 200 && is_json(r) {
                    if let Ok(c) = serde_json::from_slice::<SyncConfig>(&r.body) {
                        return Ok(Attempt::Done(c));
                    }
                }
                Ok(not_sync_server(r))
            },
        )
    }

    /// Pushes every pending op. Stops with an error when the server cannot be reached; what
    /// was acknowledged stays acknowledged and the rest stays pending.
    pub fn push(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(Progress),
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        let config = self.config(store, summary)?;
        let pushed = store.pushed_seq()?;
        match config.applied_upto {
            Some(upto) if upto > pushed => self.take_back_own(store, upto, summary)?,
            // Another server acknowledged them (this laptop moved from a station hub that has
            // not relayed them yet, or back), or this one was restored: it lacks them, so they
            // go to it from there. With a batch in flight the gap answer does the same.
            Some(upto)
                if upto < pushed && store.meta(K_INFLIGHT)?.unwrap_or_default().is_empty() =>
            {
                tracing::info!(
                    upto,
                    pushed,
                    "the server has fewer of this laptop's changes than were acknowledged; sending the rest to it"
                );
                store.set_pushed(upto)?;
            }
            _ => {}
        }
        let mut max_ops = config.max_ops.max(1);
        let mut cap = config.max_bytes.max(1);
        let zstd = self.opts.compress && config.request_encodings.iter().any(|e| e == "zstd");
        let total = store.pending_count()?;
        let mut done = 0u64;
        progress(Progress::Push { done, total });
        loop {
            let inflight: Option<Inflight> = store
                .meta(K_INFLIGHT)?
                .and_then(|s| serde_json::from_str(&s).ok());
            let (batch_id, ops) = match inflight {
                Some(inf) => {
                    let ops = store.outbox_after(inf.from_seq - 1, inf.count, usize::MAX)?;
                    (inf.batch_id, ops)
                }
                None => {
                    let ops = store.outbox_after(
                        store.pushed_seq()?,
                        max_ops,
                        self.request_bytes(cap),
                    )?;
                    if ops.is_empty() {
                        return Ok(());
                    }
                    let inf = Inflight {
                        batch_id: uuid::Uuid::now_v7().to_string(),
                        from_seq: ops[0].device_seq,
                        count: ops.len(),
                    };
                    // Durable before sending: after a crash the same batch goes again.
                    store.set_meta(
                        K_INFLIGHT,
                        &serde_json::to_string(&inf).expect("serialises"),
                    )?;
                    (inf.batch_id, ops)
                }
            };
            if ops.is_empty() {
                store.set_meta(K_INFLIGHT, "")?;
                continue;
            }
            let last_seq = ops.last().map_or(0, |o| o.device_seq);
            let mut req = PushRequest {
                batch_id: batch_id.clone(),
                device_id: store.device_id().to_string(),
                ops,
            };
            if config.max_body_bytes > 0 {
                // The server computes the body hash itself: 64 bytes of noise per op saved.
                for op in &mut req.ops {
                    op.body_sha256.clear();
                }
            }
            let json_body = serde_json::to_vec(&req).expect("requests serialise");
            let json_len = json_body.len();
            let (body, headers) = if zstd {
                let packed = zstd::bulk::compress(&json_body, ZSTD_LEVEL)
                    .map_err(|e| SyncError::Unreachable(format!("cannot compress: {e}")))?;
                let headers = vec![
                    ("content-type", "application/json".to_string()),
                    ("content-encoding", "zstd".to_string()),
                ];
                (packed, headers)
            } else {
                (json_body, json().to_vec())
            };
            let device_id = store.device_id().to_string();
            enum Answer {
                Ack(PushResponse),
                Gap(u64),
                TooLarge,
            }
            let started = Instant::now();
            let answer = self.exchange(
                store,
                Req {
                    method: "POST",
                    path: "/v1/push",
                    headers: &headers,
                    body: Some(&body),
                },
                summary,
                |r| match r.status {
                    200 if is_json(r) => match serde_json::from_slice::<PushResponse>(&r.body) {
                        Ok(a) if a.batch_id == batch_id && a.device_id == device_id => {
                            Ok(Attempt::Done(Answer::Ack(a)))
                        }
                        Ok(_) => Ok(Attempt::Retry(
                            "the acknowledgement was for another batch".into(),
                        )),
                        Err(_) => Ok(not_sync_server(r)),
                    },
                    409 => match serde_json::from_slice::<GapResponse>(&r.body) {
                        Ok(g) if g.device_id == device_id => {
                            Ok(Attempt::Done(Answer::Gap(g.applied_upto)))
                        }
                        _ => Ok(not_sync_server(r)),
                    },
                    413 => Ok(Attempt::Done(Answer::TooLarge)),
                    400 => Err(SyncError::Server {
                        status: 400,
                        message: error_message(r),
                    }),
                    _ => Ok(not_sync_server(r)),
                },
            )?;
            match answer {
                Answer::Ack(a) => {
                    self.measured(json_len, started.elapsed());
                    let mut rejected_now = Vec::new();
                    for res in &a.results {
                        match res.status {
                            OpStatus::Applied => summary.pushed += 1,
                            OpStatus::Conflict => {
                                summary.pushed += 1;
                                summary.conflicts += 1;
                            }
                            OpStatus::Duplicate => summary.duplicates += 1,
                            OpStatus::Rejected => {
                                summary.rejected += 1;
                                rejected_now.push(RejectedOp {
                                    rev_id: res.rev_id.clone(),
                                    device_seq: res.device_seq,
                                    reason: res.reason.clone().unwrap_or_default(),
                                    code: res.code.clone(),
                                    incoming: false,
                                });
                            }
                        }
                    }
                    if !rejected_now.is_empty() {
                        let mut all = rejected(store)?;
                        for r in rejected_now {
                            if !all.iter().any(|x| x.rev_id == r.rev_id) {
                                all.push(r);
                            }
                        }
                        store.set_meta(
                            K_REJECTED,
                            &serde_json::to_string(&all).expect("serialises"),
                        )?;
                    }
                    store.mark_pushed(a.applied_upto.min(last_seq))?;
                    store.set_meta(K_INFLIGHT, "")?;
                    summary.batches += 1;
                    done += a.results.len() as u64;
                    progress(Progress::Push {
                        done: done.min(total),
                        total,
                    });
                }
                Answer::Gap(upto) => {
                    tracing::warn!(
                        upto,
                        "server has a different idea of what was pushed; resending from there"
                    );
                    store.set_pushed(upto)?;
                    store.set_meta(K_INFLIGHT, "")?;
                }
                Answer::TooLarge => {
                    if req.ops.len() == 1 {
                        return Err(SyncError::OpTooLarge(req.ops[0].rev_id.clone()));
                    }
                    max_ops = (req.ops.len() / 2).max(1);
                    cap = (json_len / 2).max(1);
                    store.set_meta(K_INFLIGHT, "")?;
                }
            }
        }
    }

    /// A laptop restored from an older copy of its store: the server has more of its own
    /// changes than it does. Takes them back and numbers its newer changes after them
    /// ([`Store::take_back_own`]); when the server simply has ops whose acknowledgement was
    /// lost (or another server acknowledged them), they count as acknowledged.
    fn take_back_own(
        &self,
        store: &mut Store,
        server_upto: u64,
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        // Most often only an acknowledgement was lost: the server's newest own revision is on
        // this laptop already. One small request says so before fetching them all.
        if let Some(newest) = self
            .own_page(store, server_upto - 1, 1, summary)?
            .changes
            .first()
        {
            let rev: Result<dauria_proto::Revision, _> = serde_json::from_str(newest.rev.get());
            if rev.is_ok_and(|r| store.has_revision(&r.rev_id).unwrap_or(false)) {
                // Acknowledged there already (or by the station hub that relayed them):
                // nothing is sent twice.
                store.mark_pushed(server_upto)?;
                return Ok(());
            }
        }
        let mut own: Vec<Pulled> = Vec::new();
        let mut after = store.pushed_seq()?;
        loop {
            let page = self.own_page(store, after, self.opts.pull_limit, summary)?;
            let n = page.changes.len();
            for c in page.changes {
                let seq = serde_json::from_str::<dauria_proto::Revision>(c.rev.get())
                    .map(|r| r.device_seq)
                    .unwrap_or(after);
                after = after.max(seq);
                own.push(pulled(c));
            }
            if !page.more || n == 0 {
                break;
            }
        }
        let mut lost = false;
        for p in &own {
            if let Ok(r) = serde_json::from_str::<dauria_proto::Revision>(&p.doc) {
                lost |= !store.has_revision(&r.rev_id)?;
            }
        }
        if !lost {
            store.mark_pushed(server_upto)?;
            return Ok(());
        }
        let taken = store.take_back_own(server_upto, &own)?;
        store.set_meta(K_INFLIGHT, "")?;
        tracing::warn!(
            recovered = taken.recovered,
            renumbered = taken.renumbered,
            "this laptop's store is older than what the server has of it (restored from a backup?): took its own changes back"
        );
        summary.recovered += taken.recovered as u64;
        Ok(())
    }

    /// One page of this laptop's own revisions on the server, above `after`.
    fn own_page(
        &self,
        store: &Store,
        after: u64,
        limit: usize,
        summary: &mut SyncSummary,
    ) -> Result<OwnResponse, SyncError> {
        let path = format!("/v1/own?after={after}&limit={limit}");
        self.exchange(
            store,
            Req {
                method: "GET",
                path: &path,
                headers: &[],
                body: None,
            },
            summary,
            |r| {
                if r.status == 200 && is_json(r) {
                    if let Ok(p) = serde_json::from_slice::<OwnResponse>(&r.body) {
                        return Ok(Attempt::Done(p));
                    }
                }
                Ok(not_sync_server(r))
            },
        )
    }

    /// Pulls the changefeed until it is exhausted, one local transaction per page. Changes
    /// this laptop cannot apply are set aside and the cursor moves on; changes set aside by
    /// an earlier version are tried again first.
    pub fn pull(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(Progress),
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        let retried = store.retry_set_aside()?;
        if retried > 0 {
            tracing::info!(retried, "changes set aside before now apply");
            summary.pulled += retried as u64;
        }
        loop {
            let cursor = store.meta(K_CURSOR)?.unwrap_or_default();
            let path = format!(
                "/v1/pull?cursor={cursor}&limit={}&max_bytes={}",
                self.opts.pull_limit,
                self.request_bytes(usize::MAX >> 1)
            );
            let started = Instant::now();
            let mut page_bytes = 0;
            let page: PullResponse = self.exchange(
                store,
                Req {
                    method: "GET",
                    path: &path,
                    headers: &[],
                    body: None,
                },
                summary,
                |r| {
                    if r.status == 200 && is_json(r) {
                        if let Ok(p) = serde_json::from_slice::<PullResponse>(&r.body) {
                            page_bytes = r.body.len();
                            return Ok(Attempt::Done(p));
                        }
                    }
                    if r.status == 400 {
                        return Err(SyncError::Server {
                            status: 400,
                            message: error_message(r),
                        });
                    }
                    Ok(not_sync_server(r))
                },
            )?;
            self.measured(page_bytes, started.elapsed());
            if page.must_refetch {
                tracing::warn!("the server's changefeed was reset; fetching everything again");
                store.set_meta(K_CURSOR, &page.cursor)?;
                continue;
            }
            let changes: Vec<Pulled> = page.changes.into_iter().map(pulled).collect();
            let report = store.apply_pulled(&changes, &[(K_CURSOR, &page.cursor)])?;
            summary.pulled += report.applied as u64;
            for (rev_id, reason) in report.rejected {
                tracing::warn!(%rev_id, %reason, "set aside a change this laptop cannot apply");
            }
            progress(Progress::Pull {
                received: summary.pulled,
            });
            if !page.more {
                return Ok(());
            }
        }
    }

    /// Asks whether the server relays to a central server and when it last reached it, for
    /// [`status`]. One attempt: an older server without `/v1/status` relays nothing.
    fn server_status(&self, store: &Store) -> Result<(), SyncError> {
        let Some(token) = store.meta(K_TOKEN)?.filter(|t| !t.is_empty()) else {
            return Ok(());
        };
        let status = match self.transport.send("GET", "/v1/status", Some(&token), None) {
            Ok(r) if r.status == 200 => serde_json::from_slice::<ServerStatus>(&r.body).ok(),
            Ok(r) if r.status == 404 => Some(ServerStatus::default()),
            _ => None,
        };
        if let Some(s) = status {
            store.set_meta(K_RELAYS, if s.relays { "1" } else { "" })?;
            store.set_meta(
                K_UPSTREAM_CONTACT,
                s.upstream_contact.as_deref().unwrap_or(""),
            )?;
        }
        Ok(())
    }

    /// Push then pull; records the outcome for [`status`].
    pub fn sync(
        &self,
        store: &mut Store,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SyncSummary, SyncError> {
        let mut summary = SyncSummary::default();
        let result = self
            .push(store, progress, &mut summary)
            .and_then(|()| self.pull(store, progress, &mut summary));
        if result.is_ok() {
            self.server_status(store)?;
            // Photos go after the records and never make the record sync fail.
            if let Err(e) = self.push_blobs(store, progress, &mut summary) {
                tracing::warn!(error = %e, "photos not sent this time");
                summary.photo_error = Some(e.to_string());
            }
        }
        match &result {
            Ok(()) => {
                store.set_meta(K_LAST_OK, &now())?;
                store.set_meta(K_LAST_ERR, "")?;
                store.set_meta(K_LAST_ERR_CODE, "")?;
            }
            Err(e) => {
                store.set_meta(K_LAST_ERR, &e.to_string())?;
                store.set_meta(K_LAST_ERR_CODE, e.code())?;
            }
        }
        result.map(|()| summary)
    }
}

/// zstd level for request bodies: zstd's default, most of the gain of higher levels at a
/// fraction of their CPU.
const ZSTD_LEVEL: i32 = 3;

fn pulled(c: Change) -> Pulled {
    Pulled {
        server_seq: Some(c.server_seq),
        doc: c.rev.get().to_string(),
        role: c.role,
    }
}

fn not_sync_server<T>(r: &HttpResponse) -> Attempt<T> {
    Attempt::NotAnAck(format!(
        "the answer ({} {}) is not from the Dauria sync server — a captive portal or proxy may be in the way",
        r.status,
        r.content_type.as_deref().unwrap_or("no content type")
    ))
}

const K_TLS_FINGERPRINT: &str = "sync.tls_fingerprint";
const K_TLS_CA_FILE: &str = "sync.tls_ca_file";

/// The server certificates this laptop trusts, as pinned at enrollment.
pub fn trust_of(store: &Store) -> Result<Trust, SyncError> {
    let get = |k| -> Result<Option<String>, SyncError> {
        Ok(store.meta(k)?.filter(|s: &String| !s.is_empty()))
    };
    Ok(match (get(K_TLS_FINGERPRINT)?, get(K_TLS_CA_FILE)?) {
        (Some(fp), _) => Trust::Fingerprint(fp),
        (None, Some(ca)) => Trust::CaFile(ca.into()),
        (None, None) => Trust::System,
    })
}

/// Pins the server certificates this laptop trusts (at enrollment).
pub fn set_trust(store: &Store, trust: &Trust) -> Result<(), SyncError> {
    let (fp, ca) = match trust {
        Trust::System => (String::new(), String::new()),
        Trust::Fingerprint(fp) => (fp.clone(), String::new()),
        Trust::CaFile(p) => (String::new(), p.to_string_lossy().into_owned()),
    };
    store.set_meta(K_TLS_FINGERPRINT, &fp)?;
    store.set_meta(K_TLS_CA_FILE, &ca)?;
    Ok(())
}

/// A transport to the server this laptop is enrolled with, trusting what it pinned.
pub fn transport_for(
    store: &Store,
    server: &str,
    timeout: Duration,
) -> Result<HttpTransport, SyncError> {
    HttpTransport::with_trust(server, timeout, &trust_of(store)?)
        .map_err(|e| SyncError::Unreachable(e.to_string()))
}

/// Names the refused certificate's fingerprint in an unreachable-server error, so a person
/// can compare it with the one the server printed.
pub fn explain_tls(transport: &HttpTransport, e: SyncError) -> SyncError {
    match (&e, transport.refused_fingerprint()) {
        (SyncError::Unreachable(_) | SyncError::NotAnAck(_), Some(fp)) => {
            SyncError::Unreachable(tls::untrusted_message(&fp))
        }
        _ => e,
    }
}
