//! Photo sync: ask which hashes the server lacks, upload them resumably in checksummed chunks,
//! and fetch photos lazily by hash.

use crate::{json, Attempt, Progress, Req, SyncClient, SyncError, SyncSummary};
use dauria_core::{media, Store};
use dauria_proto::{
    BlobMissing, BlobQuery, ChunkAck, HEADER_BLOB_OFFSET, HEADER_BLOB_SIZE, HEADER_CHUNK_SHA256,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Largest chunk sent until chunks of that size have gone through: small enough that a cut
/// costs little.
pub const CHUNK: usize = 256 << 10;
/// Largest chunk the server takes (docs/SYNC.md §6); sent on a link that carries a chunk
/// quickly and has not cut one.
pub const MAX_CHUNK: usize = 4 << 20;
/// Smallest photo chunk sent, whatever the link.
const MIN_CHUNK: usize = 16 << 10;

/// Hashes of the photos attached to live observations.
fn referenced_photos(store: &Store) -> Result<Vec<String>, SyncError> {
    Ok(store.referenced_photos()?)
}

impl SyncClient<'_> {
    /// Uploads every photo this laptop has that the server lacks, resuming partial uploads.
    pub fn push_blobs(
        &self,
        store: &Store,
        progress: &mut dyn FnMut(Progress),
        summary: &mut SyncSummary,
    ) -> Result<(), SyncError> {
        let local: Vec<String> = referenced_photos(store)?
            .into_iter()
            .filter(|h| media::has_blob(store.dir(), h))
            .collect();
        let mut missing = Vec::new();
        for part in local.chunks(1000) {
            let body = serde_json::to_vec(&BlobQuery {
                hashes: part.to_vec(),
            })
            .expect("serialises");
            let m: BlobMissing = self.exchange(
                store,
                Req {
                    method: "POST",
                    path: "/v1/blobs/missing",
                    headers: &json(),
                    body: Some(&body),
                },
                summary,
                |r| {
                    Ok(match serde_json::from_slice(&r.body) {
                        Ok(m) if r.status == 200 => Attempt::Done(m),
                        _ => crate::not_sync_server(r),
                    })
                },
            )?;
            missing.extend(m.missing);
        }
        let mut sizes = Vec::with_capacity(missing.len());
        for m in &missing {
            sizes.push(media::blob_size(store.dir(), &m.sha256).unwrap_or(0));
        }
        let total: u64 = sizes
            .iter()
            .zip(&missing)
            .map(|(s, m)| s - m.offset.min(*s))
            .sum();
        let mut done = 0u64;
        progress(Progress::Photos { done, total });
        // Photo bytes do not compress, so their link rate is measured apart from the records'.
        let mut rate: Option<f64> = None;
        // The largest chunk to send: doubled after a chunk that went through in well under
        // the target time, halved after a larger one was cut, never below CHUNK (which is
        // retried as before, so a poor link behaves as it always did).
        let mut cap = CHUNK;
        let mut refused: Vec<String> = Vec::new();
        for m in missing {
            let bytes = media::read_blob(store.dir(), &m.sha256)?;
            let size = bytes.len() as u64;
            let mut offset = m.offset.min(size);
            while offset < size {
                // A chunk takes about the target time on the link as measured: on a 2G link a
                // chunk still arrives well inside the timeout, on a LAN it is the cap.
                let want = rate.map_or(MIN_CHUNK * 4, |r| {
                    (r * self.opts.target_request.as_secs_f64()) as usize
                });
                let end = (offset as usize + want.clamp(MIN_CHUNK, cap)).min(bytes.len());
                let chunk = &bytes[offset as usize..end];
                let headers = [
                    ("content-type", "application/octet-stream".to_string()),
                    (HEADER_BLOB_SIZE, size.to_string()),
                    (HEADER_BLOB_OFFSET, offset.to_string()),
                    // A photo sent whole is its own chunk, and its name is its SHA-256.
                    (
                        HEADER_CHUNK_SHA256,
                        if offset == 0 && chunk.len() as u64 == size {
                            m.sha256.clone()
                        } else {
                            hex::encode(Sha256::digest(chunk))
                        },
                    ),
                ];
                let path = format!("/v1/blobs/{}", m.sha256);
                let started = std::time::Instant::now();
                // A chunk larger than CHUNK gets one try: when it is cut, a smaller one goes
                // next, from the offset the server reports.
                let large = chunk.len() > CHUNK;
                let tries = if large { 1 } else { self.opts.max_attempts };
                let sent = self.exchange_tries(
                    store,
                    Req {
                        method: "PUT",
                        path: &path,
                        headers: &headers,
                        body: Some(chunk),
                    },
                    summary,
                    tries,
                    |r| {
                        Ok(
                            match (r.status, serde_json::from_slice::<ChunkAck>(&r.body)) {
                                // 409: the server has a different amount; resume from its offset.
                                (200 | 409, Ok(a)) if a.sha256 == m.sha256 => {
                                    Attempt::Done(Some(a))
                                }
                                // The chunk arrived damaged: send it again.
                                (400, _) => Attempt::Retry(crate::error_message(r)),
                                // Too large, or the device's photo quota is used up: this
                                // photo cannot go now; the others still can.
                                (413, _) if crate::is_json(r) => {
                                    refused.push(crate::error_message(r));
                                    Attempt::Done(None)
                                }
                                _ => crate::not_sync_server(r),
                            },
                        )
                    },
                );
                let ack: Option<ChunkAck> = match sent {
                    Ok(ack) => ack,
                    Err(SyncError::Unreachable(_) | SyncError::NotAnAck(_)) if large => {
                        // Sent again smaller from the same offset: if the server did take it,
                        // it answers 409 with its end and the upload goes on from there.
                        summary.retries += 1;
                        cap = (cap / 2).max(CHUNK);
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let Some(ack) = ack else {
                    break;
                };
                let secs = started.elapsed().as_secs_f64().max(0.001);
                let now = chunk.len() as f64 / secs;
                rate = Some(rate.map_or(now, |r| (r + now) / 2.0));
                if chunk.len() >= cap && secs * 8.0 < self.opts.target_request.as_secs_f64() {
                    cap = (cap * 2).min(MAX_CHUNK);
                }
                let next = if ack.complete {
                    size
                } else {
                    ack.offset.min(size)
                };
                if next > offset {
                    summary.photo_bytes += next - offset;
                    done += next - offset;
                }
                offset = next;
                progress(Progress::Photos {
                    done: done.min(total),
                    total,
                });
            }
            if offset >= size {
                summary.photos_uploaded += 1;
            }
        }
        if !refused.is_empty() {
            // Reported like any photo problem: the records are synced regardless.
            return Err(SyncError::PhotoRefused(refused.join("; ")));
        }
        Ok(())
    }

    /// Fetches a photo this laptop lacks (pulled lazily when someone opens it); returns its path.
    pub fn fetch_blob(&self, store: &Store, sha: &str) -> Result<PathBuf, SyncError> {
        let path = media::blob_path(store.dir(), sha)?;
        if path.exists() {
            return Ok(path);
        }
        let mut summary = SyncSummary::default();
        let bytes: Vec<u8> = self.exchange(
            store,
            Req {
                method: "GET",
                path: &format!("/v1/blobs/{sha}"),
                headers: &[],
                body: None,
            },
            &mut summary,
            |r| {
                Ok(match r.status {
                    200 if hex::encode(Sha256::digest(&r.body)) == sha => {
                        Attempt::Done(r.body.clone())
                    }
                    200 => Attempt::Retry("the photo arrived damaged".into()),
                    404 => {
                        return Err(SyncError::Server {
                            status: 404,
                            message: crate::error_message(r),
                        });
                    }
                    _ => crate::not_sync_server(r),
                })
            },
        )?;
        media::put_blob(store.dir(), &bytes).map_err(SyncError::Store)?;
        Ok(path)
    }
}
