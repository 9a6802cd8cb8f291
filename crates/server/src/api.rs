//! The HTTP API (normative description: docs/SYNC.md).

use crate::blobs::{is_sha256, BlobStore, ChunkOutcome};
use crate::error::ServerError;
use crate::store::{Device, PushOutcome, Relay, ServerStore};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dauria_proto::{
    parse_cursor, BlobMissing, BlobQuery, ChunkAck, DeviceInfo, EnrollRequest, HubDevice,
    HubDevices, HubRegister, MissingBlob, OwnResponse, PullResponse, PushRequest, RelayRequest,
    Role, SyncConfig, HEADER_BLOB_OFFSET, HEADER_BLOB_SIZE, HEADER_CHUNK_SHA256,
    MIN_SCHEMA_VERSION, SCHEMA_VERSION,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// Limits the server advertises and enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_ops: usize,
    pub max_bytes: usize,
    pub max_pull: usize,
}

impl Limits {
    /// Changes in one page: what the caller asked for, within 1..=`max_pull`.
    fn page(&self, asked: Option<usize>) -> usize {
        asked.unwrap_or(self.max_pull).clamp(1, self.max_pull)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ops: 2000,
            max_bytes: 8 << 20,
            max_pull: 5000,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn ServerStore>,
    pub blobs: BlobStore,
    pub limits: Limits,
    /// Failed enrollment attempts per address.
    pub enroll_guard: EnrollGuard,
    /// At a station hub, wakes the relay when a laptop has sent changes.
    pub relay_wake: Option<std::sync::mpsc::SyncSender<()>>,
}

/// Wrong enrollment codes allowed from one address per [`ENROLL_WINDOW`].
pub const ENROLL_FAILURES: u32 = 10;
/// The window over which wrong enrollment codes are counted.
pub const ENROLL_WINDOW: Duration = Duration::from_secs(600);

/// Counts wrong enrollment codes per address, so codes cannot be guessed at speed. Codes have
/// about 59 bits, so this is defence in depth; it also keeps a typo-prone user informed.
#[derive(Clone, Default)]
pub struct EnrollGuard {
    failures: Arc<Mutex<HashMap<IpAddr, (u32, Instant)>>>,
}

impl EnrollGuard {
    fn check(&self, ip: IpAddr) -> Result<(), ServerError> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, since)| since.elapsed() < ENROLL_WINDOW);
        match map.get(&ip) {
            Some((n, since)) if *n >= ENROLL_FAILURES => {
                Err(ServerError::TooManyRequests(format!(
                    "too many wrong enrollment codes from this address; try again in {} minutes",
                    (ENROLL_WINDOW.saturating_sub(since.elapsed()).as_secs() / 60).max(1)
                )))
            }
            _ => Ok(()),
        }
    }

    fn failed(&self, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(ip).or_insert((0, Instant::now())).0 += 1;
    }
}

/// Largest photo chunk accepted in one request.
pub const MAX_CHUNK: usize = 4 << 20;

/// Runs a blocking store call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServerError::Internal(format!("worker failed: {e}")))?
}

/// Reads a JSON body within the size limit, answering 413 or a 400 that names the problem.
async fn json_body<T: DeserializeOwned>(req: Request, limit: usize) -> Result<T, ServerError> {
    // Too large is 413; stalled, cut off or badly encoded is 400 (the client must not halve
    // a batch because a slow link stalled).
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| body_error(e, limit))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ServerError::BadRequest(format!("malformed JSON body: {e}")))
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Device, ServerError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ServerError::Unauthorized("missing device credential".into()))?
        .trim()
        .to_string();
    let store = state.store.clone();
    let device = blocking(move || store.device_by_token(&token))
        .await?
        .ok_or_else(|| ServerError::Unauthorized("unknown device credential".into()))?;
    if device.revoked {
        return Err(ServerError::Revoked);
    }
    Ok(device)
}

async fn health(State(state): State<AppState>) -> Result<Response, ServerError> {
    let store = state.store.clone();
    let epoch = blocking(move || store.epoch()).await?;
    Ok(Json(serde_json::json!({ "ok": true, "epoch": epoch })).into_response())
}

async fn enroll(State(state): State<AppState>, req: Request) -> Result<Response, ServerError> {
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    state.enroll_guard.check(ip)?;
    let body: EnrollRequest = json_body(req, 64 << 10).await?;
    check_device_id(&body.device_id)?;
    let store = state.store.clone();
    let resp = blocking(move || store.enroll_as(&body.code, &body.device_id, body.hub)).await;
    if let Err(ServerError::Unauthorized(_)) = &resp {
        state.enroll_guard.failed(ip);
    }
    Ok(Json(resp?).into_response())
}

/// A device id a laptop may hold: a UUID, and not one of the reserved ones.
fn check_device_id(device_id: &str) -> Result<(), ServerError> {
    match uuid::Uuid::parse_str(device_id) {
        Err(_) => Err(ServerError::BadRequest("device_id must be a UUID".into())),
        // The nil id authors the seed records every laptop ships with: a device holding it
        // would pass for their creator.
        Ok(id) if id.is_nil() || id.is_max() => Err(ServerError::BadRequest(
            "this device_id is reserved; a laptop's store makes its own".into(),
        )),
        Ok(_) => Ok(()),
    }
}

async fn config(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let device = authenticate(&state, &headers).await?;
    let store = state.store.clone();
    let epoch = blocking(move || store.epoch()).await?;
    Ok(Json(SyncConfig {
        max_ops: state.limits.max_ops,
        max_bytes: state.limits.max_bytes,
        min_schema_version: MIN_SCHEMA_VERSION,
        schema_version: SCHEMA_VERSION,
        epoch,
        max_body_bytes: dauria_core::trust::MAX_BODY_BYTES,
        request_encodings: vec!["zstd".into(), "gzip".into()],
        applied_upto: Some(device.applied_upto),
    })
    .into_response())
}

async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ServerError> {
    let d = authenticate(&state, &headers).await?;
    Ok(Json(DeviceInfo {
        device_id: d.device_id,
        name: d.name,
        role: d.role,
        revoked: d.revoked,
        applied_upto: d.applied_upto,
    })
    .into_response())
}

async fn push(State(state): State<AppState>, req: Request) -> Result<Response, ServerError> {
    let device = authenticate(&state, req.headers()).await?;
    match device.role {
        Role::Viewer => {
            return Err(ServerError::Forbidden(
                "this device is enrolled as a viewer and cannot send changes".into(),
            ))
        }
        Role::Hub => {
            return Err(ServerError::Forbidden(
                "a station hub writes nothing of its own; it relays its laptops' changes".into(),
            ))
        }
        Role::Lead | Role::Field => {}
    }
    let body: PushRequest = json_body(req, state.limits.max_bytes).await?;
    check_batch(&state, &body.ops)?;
    let store = state.store.clone();
    let outcome = blocking(move || store.push(&device, &body)).await?;
    if let Some(wake) = &state.relay_wake {
        // Full means a wake-up is pending already.
        let _ = wake.try_send(());
    }
    Ok(push_answer(outcome))
}

/// The limits every batch is held to: op count and schema version.
fn check_batch(state: &AppState, ops: &[dauria_proto::Revision]) -> Result<(), ServerError> {
    if ops.len() > state.limits.max_ops {
        return Err(ServerError::TooLarge(format!(
            "the batch has {} ops; the limit is {}",
            ops.len(),
            state.limits.max_ops
        )));
    }
    if let Some(op) = ops.iter().find(|o| o.schema_version > SCHEMA_VERSION) {
        return Err(ServerError::UpgradeRequired(format!(
            "op {} uses schema version {}; this server accepts {}..{}; upgrade the server",
            op.rev_id, op.schema_version, MIN_SCHEMA_VERSION, SCHEMA_VERSION
        )));
    }
    Ok(())
}

fn push_answer(outcome: PushOutcome) -> Response {
    match outcome {
        PushOutcome::Acked(resp) => Json(resp).into_response(),
        PushOutcome::Gap(gap) => (StatusCode::CONFLICT, Json(gap)).into_response(),
    }
}

/// The calling device, which must be a station hub.
async fn authenticate_hub(state: &AppState, headers: &HeaderMap) -> Result<Device, ServerError> {
    let device = authenticate(state, headers).await?;
    if device.role != Role::Hub {
        return Err(ServerError::Forbidden(
            "only a station hub enrolled with a hub code may do this".into(),
        ));
    }
    Ok(device)
}

fn hub_device(d: Device) -> HubDevice {
    HubDevice {
        device_id: d.device_id,
        name: d.name,
        role: d.role,
        revoked: d.revoked,
        applied_upto: d.applied_upto,
    }
}

/// The laptops registered through the calling hub, with their role and revocation as leads
/// here left them: how changes made here reach the hub.
async fn hub_devices(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let hub = authenticate_hub(&state, &headers).await?;
    let store = state.store.clone();
    let devices = blocking(move || store.hub_devices(&hub.device_id)).await?;
    Ok(Json(HubDevices {
        devices: devices.into_iter().map(hub_device).collect(),
    })
    .into_response())
}

/// A hub registers a laptop enrolled at it (docs/SYNC.md §10).
async fn hub_register(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ServerError> {
    let hub = authenticate_hub(&state, req.headers()).await?;
    let body: HubRegister = json_body(req, 64 << 10).await?;
    check_device_id(&body.device_id)?;
    if body.device_id == hub.device_id {
        return Err(ServerError::BadRequest(
            "a hub cannot register itself".into(),
        ));
    }
    let store = state.store.clone();
    let device = blocking(move || store.register_via_hub(&hub.device_id, &body)).await?;
    Ok(Json(hub_device(device)).into_response())
}

/// A hub relays a batch of one of its laptops, judged as that laptop's own push.
async fn hub_push(State(state): State<AppState>, req: Request) -> Result<Response, ServerError> {
    let hub = authenticate_hub(&state, req.headers()).await?;
    let body: RelayRequest = json_body(req, state.limits.max_bytes).await?;
    check_batch(&state, &body.ops)?;
    let store = state.store.clone();
    let outcome = blocking(move || {
        let push = PushRequest {
            batch_id: body.batch_id,
            device_id: body.device_id,
            ops: body.ops,
        };
        store.push_relayed(
            &hub,
            &push,
            Some(Relay {
                hub: &hub.device_id,
                upto: body.upto,
            }),
        )
    })
    .await?;
    Ok(push_answer(outcome))
}

/// Whether this server relays to a central server, and when it last reached it.
async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    authenticate(&state, &headers).await?;
    let store = state.store.clone();
    let status = blocking(move || crate::relay::status(&*store)).await?;
    Ok(Json(status).into_response())
}

#[derive(Deserialize)]
struct PullQuery {
    cursor: Option<String>,
    limit: Option<usize>,
    /// About how many bytes of changes the page may carry (a slow link asks for less).
    max_bytes: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = q.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let device = authenticate(&state, &headers).await?;
    let limit = state.limits.page(q.limit);
    let max_bytes = q
        .max_bytes
        .unwrap_or(state.limits.max_bytes)
        .clamp(1, state.limits.max_bytes);
    let store = state.store.clone();
    let resp = blocking(move || {
        let epoch = store.epoch()?;
        let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => {
                let (e, seq) = parse_cursor(c).ok_or_else(|| {
                    ServerError::BadRequest(format!("'{c}' is not a cursor (epoch:seq)"))
                })?;
                if e != epoch {
                    return Ok(PullResponse {
                        changes: Vec::new(),
                        cursor: format!("{epoch}:0"),
                        more: true,
                        must_refetch: true,
                    });
                }
                seq
            }
        };
        let (changes, last) = store.pull(after, limit, max_bytes, &device.device_id)?;
        // Viewers receive sensitive species generalised (docs/SYNC.md §5).
        let changes = crate::viewer::generalise_for_viewer(&*store, device.role, changes)?;
        let more = last > after && {
            let (_, next_last) = store.pull(last, 1, 1, "")?;
            next_last > last
        };
        Ok(PullResponse {
            changes,
            cursor: format!("{epoch}:{last}"),
            more,
            must_refetch: false,
        })
    })
    .await?;
    Ok(Json(resp).into_response())
}

#[derive(Deserialize)]
struct OwnQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

/// The caller's own revisions above a device_seq: how a laptop restored from a backup takes
/// back what it had sent since.
async fn own(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<OwnQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = q.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let device = authenticate(&state, &headers).await?;
    let limit = state.limits.page(q.limit);
    let after = q.after.unwrap_or(0);
    let store = state.store.clone();
    let changes = blocking(move || store.own_changes(&device.device_id, after, limit + 1)).await?;
    let more = changes.len() > limit;
    let changes = changes.into_iter().take(limit).collect();
    Ok(Json(OwnResponse { changes, more }).into_response())
}

async fn blobs_missing(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ServerError> {
    authenticate(&state, req.headers()).await?;
    let q: BlobQuery = json_body(req, 4 << 20).await?;
    if let Some(bad) = q.hashes.iter().find(|h| !is_sha256(h)) {
        return Err(ServerError::BadRequest(format!(
            "'{bad}' is not a lower-case hex SHA-256"
        )));
    }
    let blobs = state.blobs.clone();
    let missing = blocking(move || {
        Ok(q.hashes
            .iter()
            .filter_map(|h| {
                blobs.offset(h).map(|offset| MissingBlob {
                    sha256: h.clone(),
                    offset,
                })
            })
            .collect())
    })
    .await?;
    Ok(Json(BlobMissing { missing }).into_response())
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<u64, ServerError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ServerError::BadRequest(format!("missing or bad header {name}")))
}

async fn blob_put(
    State(state): State<AppState>,
    Path(sha): Path<String>,
    req: Request,
) -> Result<Response, ServerError> {
    let device = authenticate(&state, req.headers()).await?;
    if device.role == Role::Viewer {
        return Err(ServerError::Forbidden(
            "a viewer cannot upload photos".into(),
        ));
    }
    if !is_sha256(&sha) {
        return Err(ServerError::BadRequest(format!(
            "'{sha}' is not a lower-case hex SHA-256"
        )));
    }
    let headers = req.headers().clone();
    let size = header_u64(&headers, HEADER_BLOB_SIZE)?;
    let offset = header_u64(&headers, HEADER_BLOB_OFFSET)?;
    let chunk_sha = headers
        .get(HEADER_CHUNK_SHA256)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sha256(v))
        .ok_or_else(|| {
            ServerError::BadRequest(format!("missing or bad header {HEADER_CHUNK_SHA256}"))
        })?
        .to_string();
    // Refuse an oversized photo before reading its body, so nothing of it is kept.
    let max_photo = state.blobs.limits().max_photo_bytes;
    if size > max_photo {
        return Err(ServerError::TooLarge(format!(
            "a photo may be at most {max_photo} bytes; this one declares {size}"
        )));
    }
    let chunk = axum::body::to_bytes(req.into_body(), MAX_CHUNK)
        .await
        .map_err(|e| body_error(e, MAX_CHUNK))?;
    let blobs = state.blobs.clone();
    let sha2 = sha.clone();
    // One writer per upload: a second one waits, then finds the new offset (409).
    let _writer = state.blobs.lock(&sha).lock().await;
    let outcome = blocking(move || {
        blobs.put_chunk(&device.device_id, &sha2, offset, size, &chunk_sha, &chunk)
    })
    .await?;
    Ok(match outcome {
        ChunkOutcome::Complete => Json(ChunkAck {
            sha256: sha,
            offset: size,
            complete: true,
        })
        .into_response(),
        ChunkOutcome::Partial(o) => Json(ChunkAck {
            sha256: sha,
            offset: o,
            complete: false,
        })
        .into_response(),
        ChunkOutcome::WrongOffset(o) => (
            StatusCode::CONFLICT,
            Json(ChunkAck {
                sha256: sha,
                offset: o,
                complete: false,
            }),
        )
            .into_response(),
    })
}

async fn blob_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha): Path<String>,
) -> Result<Response, ServerError> {
    authenticate(&state, &headers).await?;
    if !is_sha256(&sha) {
        return Err(ServerError::BadRequest(format!(
            "'{sha}' is not a lower-case hex SHA-256"
        )));
    }
    let path = state.blobs.path(&sha);
    // Streamed from disk: a large photo never sits whole in memory.
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ServerError::NotFound(format!("no photo {sha} on the server")))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| ServerError::Internal(format!("cannot read photo {sha}: {e}")))?
        .len();
    let body =
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 << 10));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        body,
    )
        .into_response())
}

/// A request body that could not be read: too large (413) or broken, slow or badly encoded
/// (400).
fn body_error(e: axum::Error, limit: usize) -> ServerError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return ServerError::TooLarge(format!("the request body is larger than {limit} bytes"));
        }
        source = err.source();
    }
    ServerError::BadRequest(format!("the request body could not be read: {e}"))
}

/// Gives the bare answers of the layers (a request timeout, an unknown `Content-Encoding`)
/// the `{code, message}` body every error has.
async fn error_bodies(resp: Response) -> Response {
    let bare = !resp.status().is_success() && !resp.headers().contains_key(header::CONTENT_TYPE);
    match resp.status() {
        StatusCode::REQUEST_TIMEOUT if bare => {
            let mut r = ServerError::Timeout(format!(
                "the request took longer than {} minutes",
                REQUEST_TIMEOUT.as_secs() / 60
            ))
            .into_response();
            // Not worth keeping the connection after a request was cut off.
            r.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            r
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE if bare => {
            ServerError::BadRequest("the body's Content-Encoding is not gzip or zstd".into())
                .into_response()
        }
        _ => resp,
    }
}

async fn not_found() -> ServerError {
    ServerError::NotFound("no such endpoint".into())
}

/// The router with every endpoint.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enroll", post(enroll))
        .route("/v1/config", get(config))
        .route("/v1/devices/me", get(me))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/own", get(own))
        .route("/v1/status", get(status))
        .route("/v1/hub/devices", get(hub_devices).post(hub_register))
        .route("/v1/hub/push", post(hub_push))
        .route("/v1/blobs/missing", post(blobs_missing))
        .route(
            "/v1/blobs/{sha}",
            axum::routing::put(blob_put).get(blob_get),
        )
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::disable())
        // Bodies may come compressed; handlers still cap the decompressed size (413).
        .layer(RequestDecompressionLayer::new().gzip(true).zstd(true))
        // Photos are already compressed; everything else is worth compressing.
        .layer(CompressionLayer::new().gzip(true).zstd(true).compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream")),
        ))
        // A slow link only has to keep bytes moving; a stalled body is cut after a minute.
        .layer(RequestBodyTimeoutLayer::new(BODY_IDLE_TIMEOUT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(error_bodies))
        .with_state(state)
}

/// Longest a request body may go without a byte arriving.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest one request may take in all, however steadily its bytes arrive.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15 * 60);
