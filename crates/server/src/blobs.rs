//! Photo blobs on the server: content-addressed files, uploaded resumably in chunks.
//!
//! A partial upload lives in `blobs/partial/<sha>`; each chunk is appended only at the current
//! end and only when its own SHA-256 matches. Chunks are not synced one by one: the whole
//! file's SHA-256 is kept up to date as chunks arrive (read back from the file once after a
//! restart), and the finished file is checked against its name, synced once and renamed into
//! `blobs/ab/cd/<sha>`. What a crash of the machine loses of a partial upload only shortens
//! it: the server reports the bytes it holds, so the client resumes exactly there, and a file
//! damaged by the crash fails the final check and is uploaded again. Blobs are independent of
//! records: a record may arrive before its photos.
//!
//! A ledger (`blobs/ledger.sqlite3`) keeps, per upload, the device that started it, the size
//! its first chunk declared and when it last progressed: the size is then fixed, each device's
//! photos count against its quota, and uploads abandoned for longer than the expiry are swept.

use crate::error::ServerError;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Limits on photo uploads.
#[derive(Debug, Clone, Copy)]
pub struct BlobLimits {
    /// Largest declared size of one photo.
    pub max_photo_bytes: u64,
    /// Bytes of complete and partial photos one device may have uploaded.
    pub quota_bytes: u64,
    /// An unfinished upload with no chunk for this long is deleted.
    pub partial_expiry: Duration,
}

impl Default for BlobLimits {
    fn default() -> Self {
        BlobLimits {
            max_photo_bytes: 64 << 20,
            quota_bytes: 10 << 30,
            partial_expiry: Duration::from_secs(72 * 3600),
        }
    }
}

/// Number of upload locks; uploads whose hashes share a lock wait for each other briefly.
const LOCK_STRIPES: usize = 64;

/// Where the server keeps blobs.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    limits: BlobLimits,
    ledger: Arc<Mutex<Connection>>,
    locks: Arc<Vec<tokio::sync::Mutex<()>>>,
    /// The SHA-256 of each partial upload's bytes so far, with their count: valid while the
    /// file is that long, so a chunk adds its own bytes and the finished file is not read back.
    hashing: Arc<Mutex<HashMap<String, (u64, Sha256)>>>,
}

/// Whether `s` is a lower-case hex SHA-256.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn io(context: &str, e: std::io::Error) -> ServerError {
    ServerError::Internal(format!("{context}: {e}"))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const LEDGER_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS upload (
    sha256     TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    size       INTEGER NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    touched_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS upload_device ON upload(device_id);
";

/// What the ledger knows of one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub device_id: String,
    pub size: u64,
    pub complete: bool,
    pub started_at: i64,
    pub touched_at: i64,
}

impl BlobStore {
    /// A blob store under `dir/blobs` with the default limits.
    pub fn new(dir: &Path) -> Result<BlobStore, ServerError> {
        Self::with_limits(dir, BlobLimits::default())
    }

    /// A blob store under `dir/blobs`.
    pub fn with_limits(dir: &Path, limits: BlobLimits) -> Result<BlobStore, ServerError> {
        let root = dir.join("blobs");
        fs::create_dir_all(root.join("partial"))
            .map_err(|e| io("cannot create the blob folder", e))?;
        let ledger = Connection::open(root.join("ledger.sqlite3"))?;
        ledger.busy_timeout(Duration::from_secs(10))?;
        ledger.pragma_update(None, "journal_mode", "WAL")?;
        ledger.pragma_update(None, "synchronous", "FULL")?;
        ledger.execute_batch(LEDGER_SCHEMA)?;
        Ok(BlobStore {
            root,
            limits,
            ledger: Arc::new(Mutex::new(ledger)),
            locks: Arc::new(
                (0..LOCK_STRIPES)
                    .map(|_| tokio::sync::Mutex::new(()))
                    .collect(),
            ),
            hashing: Arc::default(),
        })
    }

    /// The limits this store enforces.
    pub fn limits(&self) -> BlobLimits {
        self.limits
    }

    /// Path of a complete blob.
    pub fn path(&self, sha: &str) -> PathBuf {
        self.root.join(&sha[0..2]).join(&sha[2..4]).join(sha)
    }

    /// Path of an unfinished upload.
    pub fn partial(&self, sha: &str) -> PathBuf {
        self.root.join("partial").join(sha)
    }

    /// The lock one writer of `sha` holds while it checks and appends a chunk, so two
    /// concurrent uploads of one photo cannot both append at the same offset.
    pub fn lock(&self, sha: &str) -> &tokio::sync::Mutex<()> {
        let stripe = usize::from_str_radix(&sha[..2], 16).unwrap_or(0) % LOCK_STRIPES;
        &self.locks[stripe]
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn hashing(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Sha256)>> {
        self.hashing.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The running SHA-256 of the first `have` bytes of a partial upload: kept from the
    /// chunks before, or read from the file (after a restart, or a lost in-memory state).
    fn hash_so_far(&self, sha: &str, partial: &Path, have: u64) -> Result<Sha256, ServerError> {
        if let Some((n, h)) = self.hashing().remove(sha) {
            if n == have {
                return Ok(h);
            }
        }
        let mut hasher = Sha256::new();
        if have > 0 {
            let file = File::open(partial).map_err(|e| io("cannot read the blob", e))?;
            let mut file = file.take(have);
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = file
                    .read(&mut buf)
                    .map_err(|e| io("cannot read the blob", e))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
        }
        Ok(hasher)
    }

    /// The ledger's row for an upload.
    pub fn upload(&self, sha: &str) -> Result<Option<Upload>, ServerError> {
        Ok(self
            .ledger()
            .query_row(
                "SELECT device_id, size, complete, started_at, touched_at FROM upload
                 WHERE sha256 = ?1",
                [sha],
                |r| {
                    Ok(Upload {
                        device_id: r.get(0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        complete: r.get(2)?,
                        started_at: r.get(3)?,
                        touched_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Bytes of complete and partial photos `device_id` has uploaded.
    pub fn used_by(&self, device_id: &str) -> Result<u64, ServerError> {
        let used: i64 = self.ledger().query_row(
            "SELECT COALESCE(SUM(size), 0) FROM upload WHERE device_id = ?1",
            [device_id],
            |r| r.get(0),
        )?;
        Ok(used as u64)
    }

    /// For a hash: None when the blob is complete, else the bytes already received.
    pub fn offset(&self, sha: &str) -> Option<u64> {
        if self.path(sha).exists() {
            return None;
        }
        Some(
            fs::metadata(self.partial(sha))
                .map(|m| m.len())
                .unwrap_or(0),
        )
    }

    /// Appends a chunk at `offset` of a blob of `size` bytes sent by `device_id`; returns the
    /// new offset. The first chunk fixes the size (within the photo cap and the device's
    /// quota). Finishes the blob when complete, after checking the whole SHA-256. The caller
    /// holds [`BlobStore::lock`] for `sha`.
    pub fn put_chunk(
        &self,
        device_id: &str,
        sha: &str,
        offset: u64,
        size: u64,
        chunk_sha: &str,
        chunk: &[u8],
    ) -> Result<ChunkOutcome, ServerError> {
        if self.path(sha).exists() {
            // A photo sent whole is kept before its ledger row is written: if the machine
            // stopped in between, the sender got no answer and sends it again, and the row is
            // written now, before the answer.
            self.ledger().execute(
                "INSERT INTO upload(sha256, device_id, size, complete, started_at, touched_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?4) ON CONFLICT(sha256) DO NOTHING",
                params![sha, device_id, size as i64, unix_now()],
            )?;
            return Ok(ChunkOutcome::Complete);
        }
        if size > self.limits.max_photo_bytes {
            return Err(ServerError::TooLarge(format!(
                "a photo may be at most {} bytes; this one declares {size}",
                self.limits.max_photo_bytes
            )));
        }
        let chunk_hash = sha_hex(chunk);
        if chunk_hash != chunk_sha {
            return Err(ServerError::BadRequest(
                "the chunk does not match its checksum; send it again".into(),
            ));
        }
        let partial = self.partial(sha);
        let have = fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
        let now = unix_now();
        let upload = self.upload(sha)?;
        match &upload {
            Some(u) if u.size != size => {
                return Err(ServerError::BadRequest(format!(
                    "this upload was started with size {}; a chunk declaring {size} is refused",
                    u.size
                )));
            }
            Some(_) => {}
            None => {
                if offset != have {
                    return Ok(ChunkOutcome::WrongOffset(have));
                }
                let used = self.used_by(device_id)?;
                if used.saturating_add(size) > self.limits.quota_bytes {
                    return Err(ServerError::QuotaExceeded(format!(
                        "this device has {used} bytes of photos on the server; {size} more \
                         would pass its quota of {} bytes",
                        self.limits.quota_bytes
                    )));
                }
                // A photo sent whole gets its ledger row once, when it is kept (one write
                // of the ledger instead of two); a partial upload is noted now, for resume
                // and the expiry sweep.
                if !(offset == 0 && chunk.len() as u64 == size) {
                    self.ledger().execute(
                        "INSERT INTO upload(sha256, device_id, size, complete, started_at,
                                            touched_at)
                         VALUES (?1, ?2, ?3, 0, ?4, ?4)",
                        params![sha, device_id, size as i64, now],
                    )?;
                }
            }
        }
        if offset != have {
            return Ok(ChunkOutcome::WrongOffset(have));
        }
        if offset + chunk.len() as u64 > size {
            return Err(ServerError::BadRequest(format!(
                "the chunk goes past the declared size {size}"
            )));
        }
        // A photo sent whole in one chunk is its chunk: its hash is known already.
        let whole = offset == 0 && chunk.len() as u64 == size;
        let mut hasher = if whole {
            None
        } else {
            Some(self.hash_so_far(sha, &partial, have)?)
        };
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)
            .map_err(|e| io("cannot open the partial blob", e))?;
        // Not synced here: a crash of the machine can only shorten the file, and the client
        // resumes from what is there (see the module's documentation).
        f.write_all(chunk)
            .map_err(|e| io("cannot write the blob", e))?;
        let end = offset + chunk.len() as u64;
        if let Some(h) = hasher.as_mut() {
            h.update(chunk);
        }
        if end < size {
            if let Some(h) = hasher {
                self.hashing().insert(sha.to_string(), (end, h));
            }
            // Progress is noted for the expiry sweep, not for every chunk.
            let touched = upload.as_ref().map_or(now, |u| u.touched_at);
            if now - touched >= self.touch_every() {
                self.ledger().execute(
                    "UPDATE upload SET touched_at = ?2 WHERE sha256 = ?1",
                    params![sha, now],
                )?;
            }
            return Ok(ChunkOutcome::Partial(end));
        }
        let full = hasher.map_or(chunk_hash, |h| hex::encode(h.finalize()));
        if full != sha {
            drop(f);
            let _ = fs::remove_file(&partial);
            self.ledger()
                .execute("DELETE FROM upload WHERE sha256 = ?1", [sha])?;
            return Err(ServerError::BadRequest(
                "the uploaded photo does not match its SHA-256; it was discarded, upload it again"
                    .into(),
            ));
        }
        // The one sync of the upload, before the photo is kept.
        f.sync_all().map_err(|e| io("cannot sync the blob", e))?;
        drop(f);
        let dest = self.path(sha);
        let folder = dest.parent().expect("blob paths have parents");
        fs::create_dir_all(folder).map_err(|e| io("cannot create the blob folder", e))?;
        fs::rename(&partial, &dest).map_err(|e| io("cannot keep the blob", e))?;
        if let Ok(d) = File::open(folder) {
            let _ = d.sync_all();
        }
        self.ledger().execute(
            "INSERT INTO upload(sha256, device_id, size, complete, started_at, touched_at)
             VALUES (?1, ?2, ?3, 1, ?4, ?4)
             ON CONFLICT(sha256) DO UPDATE SET complete = 1, touched_at = ?4",
            params![sha, device_id, size as i64, now],
        )?;
        Ok(ChunkOutcome::Complete)
    }

    /// How often (seconds) an upload's progress is written to the ledger: well inside the
    /// expiry, so an upload that progresses is never swept.
    fn touch_every(&self) -> i64 {
        ((self.limits.partial_expiry.as_secs() / 4) as i64).clamp(0, 60)
    }

    /// Hashes of the complete photos here, in hash order.
    pub fn complete(&self) -> Result<Vec<String>, ServerError> {
        let c = self.ledger();
        let mut s = c.prepare("SELECT sha256 FROM upload WHERE complete = 1 ORDER BY 1")?;
        let rows = s.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keeps a whole photo a hub fetched from its central server: checked against its name,
    /// written to a file of its own, synced and renamed into place. It counts against no
    /// laptop's quota. The caller holds [`BlobStore::lock`] for `sha`.
    pub fn keep(&self, sha: &str, bytes: &[u8]) -> Result<(), ServerError> {
        if sha_hex(bytes) != sha {
            return Err(ServerError::BadRequest(format!(
                "the photo fetched as {sha} does not match its SHA-256"
            )));
        }
        let dest = self.path(sha);
        if !dest.exists() {
            let tmp = self.root.join("partial").join(format!("{sha}.fetched"));
            let mut f = File::create(&tmp).map_err(|e| io("cannot write the blob", e))?;
            f.write_all(bytes)
                .map_err(|e| io("cannot write the blob", e))?;
            f.sync_all().map_err(|e| io("cannot sync the blob", e))?;
            fs::create_dir_all(dest.parent().expect("blob paths have parents"))
                .map_err(|e| io("cannot create the blob folder", e))?;
            fs::rename(&tmp, &dest).map_err(|e| io("cannot keep the blob", e))?;
        }
        let now = unix_now();
        self.ledger().execute(
            "INSERT INTO upload(sha256, device_id, size, complete, started_at, touched_at)
             VALUES (?1, '', ?2, 1, ?3, ?3)
             ON CONFLICT(sha256) DO UPDATE SET complete = 1, touched_at = ?3",
            params![sha, bytes.len() as i64, now],
        )?;
        Ok(())
    }

    /// Deletes unfinished uploads that made no progress for the expiry, as of `now` (Unix
    /// seconds), with their ledger rows; also partial files the ledger does not know, by age.
    /// Returns how many were deleted.
    pub fn sweep(&self, now: i64) -> Result<usize, ServerError> {
        let cutoff = now - self.limits.partial_expiry.as_secs_f64().ceil() as i64;
        let stale: Vec<String> = {
            let c = self.ledger();
            let mut s =
                c.prepare("SELECT sha256 FROM upload WHERE complete = 0 AND touched_at < ?1")?;
            let rows = s.query_map([cutoff], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut removed = 0;
        for sha in &stale {
            self.ledger().execute(
                "DELETE FROM upload WHERE sha256 = ?1 AND complete = 0",
                [sha],
            )?;
            let _ = fs::remove_file(self.partial(sha));
            self.hashing().remove(sha);
            removed += 1;
        }
        // Partial files from before the ledger, or whose row was lost.
        if let Ok(dir) = fs::read_dir(self.root.join("partial")) {
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if !is_sha256(&name) || self.upload(&name)?.is_some() {
                    continue;
                }
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                if modified < cutoff && fs::remove_file(entry.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Sweeps at start and then regularly (hourly, or as often as the expiry when shorter).
    pub async fn sweep_forever(self) {
        let every = self.limits.partial_expiry.min(Duration::from_secs(3600));
        let every = every.max(Duration::from_millis(100));
        loop {
            let store = self.clone();
            match tokio::task::spawn_blocking(move || store.sweep(unix_now())).await {
                Ok(Ok(n)) if n > 0 => {
                    tracing::info!(removed = n, "expired unfinished photo uploads")
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "sweeping unfinished uploads failed"),
                _ => {}
            }
            tokio::time::sleep(every).await;
        }
    }
}

/// Result of one chunk.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Received up to this offset.
    Partial(u64),
    /// The blob is complete and verified.
    Complete,
    /// The chunk was not at the end of what the server has; resume from here.
    WrongOffset(u64),
}
