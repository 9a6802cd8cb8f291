//! Photo blobs on the server: content-addressed files, uploaded resumably in chunks.
//!
//! A partial upload lives in `blobs/partial/<sha>`; each chunk is appended only at the current
//! end and only when its own SHA-256 matches; the finished file is checked against its name
//! before it is renamed into `blobs/ab/cd/<sha>`. Blobs are independent of records: a record
//! may arrive before its photos.

use crate::error::ServerError;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where the server keeps blobs.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
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

impl BlobStore {
    /// A blob store under `dir/blobs`.
    pub fn new(dir: &Path) -> Result<BlobStore, ServerError> {
        let root = dir.join("blobs");
        fs::create_dir_all(root.join("partial"))
            .map_err(|e| io("cannot create the blob folder", e))?;
        Ok(BlobStore { root })
    }

    /// Path of a complete blob.
    pub fn path(&self, sha: &str) -> PathBuf {
        self.root.join(&sha[0..2]).join(&sha[2..4]).join(sha)
    }

    fn partial(&self, sha: &str) -> PathBuf {
        self.root.join("partial").join(sha)
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

    /// Appends a chunk at `offset` of a blob of `size` bytes; returns the new offset. Finishes
    /// the blob when complete, after checking the whole SHA-256.
    pub fn put_chunk(
        &self,
        sha: &str,
        offset: u64,
        size: u64,
        chunk_sha: &str,
        chunk: &[u8],
    ) -> Result<ChunkOutcome, ServerError> {
        if self.path(sha).exists() {
            return Ok(ChunkOutcome::Complete);
        }
        if sha_hex(chunk) != chunk_sha {
            return Err(ServerError::BadRequest(
                "the chunk does not match its checksum; send it again".into(),
            ));
        }
        let partial = self.partial(sha);
        let have = fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
        if offset != have {
            return Ok(ChunkOutcome::WrongOffset(have));
        }
        if offset + chunk.len() as u64 > size {
            return Err(ServerError::BadRequest(format!(
                "the chunk goes past the declared size {size}"
            )));
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)
            .map_err(|e| io("cannot open the partial blob", e))?;
        f.write_all(chunk)
            .map_err(|e| io("cannot write the blob", e))?;
        f.sync_data().map_err(|e| io("cannot sync the blob", e))?;
        let now = offset + chunk.len() as u64;
        if now < size {
            return Ok(ChunkOutcome::Partial(now));
        }
        let mut hasher = Sha256::new();
        let mut file = File::open(&partial).map_err(|e| io("cannot read the blob", e))?;
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
        if hex::encode(hasher.finalize()) != sha {
            let _ = fs::remove_file(&partial);
            return Err(ServerError::BadRequest(
                "the uploaded photo does not match its SHA-256; it was discarded, upload it again"
                    .into(),
            ));
        }
        let dest = self.path(sha);
        fs::create_dir_all(dest.parent().expect("blob paths have parents"))
            .map_err(|e| io("cannot create the blob folder", e))?;
        fs::rename(&partial, &dest).map_err(|e| io("cannot keep the blob", e))?;
        Ok(ChunkOutcome::Complete)
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
