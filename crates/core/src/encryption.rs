//! Encryption at rest: the store (SQLCipher), the photos and their thumbnails, unlocked by a
//! passphrase.
//!
//! A random 256-bit data key encrypts everything. It is kept in the key file `dauria.key`
//! beside the store, sealed (XChaCha20-Poly1305) by a key derived from the passphrase with
//! argon2id; the key file holds the salt and the KDF parameters, never a key in the clear.
//! SQLCipher is keyed with the raw data key (`PRAGMA key = "x'…'"`, no second KDF), and each
//! photo file is sealed in 64 KiB chunks with a random per-file nonce prefix, so a photo of
//! any size is encrypted and decrypted as a stream. A photo keeps its name, the SHA-256 of its
//! plaintext, so sync with other laptops does not change.
//!
//! Changing the passphrase re-seals the data key and replaces the key file in one atomic
//! rename: nothing else is rewritten, and a cut leaves the old passphrase or the new one
//! working, never neither.
//!
//! The keys of an unlocked data folder are kept in this process (see [`unlock`]) so that
//! [`crate::Store::open`] and [`crate::media`] find them by folder.

use crate::error::{Error, Result};
use crate::store::DB_FILE;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The key file beside the store: KDF salt and parameters and the sealed data key.
pub const KEY_FILE: &str = "dauria.key";
/// The key file of an encryption that has not finished (see [`encrypt_store`]).
pub const PENDING_KEY_FILE: &str = "dauria.key.pending";
/// The encrypted copy of the store being made by [`encrypt_store`].
const ENCRYPTING_DB: &str = "dauria.sqlite3.encrypting";

/// argon2id memory in KiB (64 MiB): about half a second on a field laptop, and 64 MiB of
/// memory for each guess an attacker makes.
pub const KDF_MEMORY_KIB: u32 = 65_536;
/// argon2id passes over the memory.
pub const KDF_ITERATIONS: u32 = 3;
/// argon2id lanes.
pub const KDF_PARALLELISM: u32 = 1;
/// Shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Plaintext bytes per sealed chunk of a photo file.
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
/// The first bytes of every sealed file.
const MAGIC: &[u8; 8] = b"DAURIAE1";
const HEADER: usize = MAGIC.len() + 16;

/// The unlocked data key of one data folder.
pub struct Keys {
    data_key: Zeroizing<[u8; 32]>,
}

impl Keys {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.data_key[..]))
    }

    /// The SQLCipher key pragma value: the raw key in hex, so SQLCipher runs no KDF of its own.
    fn sqlcipher_key(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(&self.data_key[..])))
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    kdf: Kdf,
    /// XChaCha20-Poly1305 nonce (24 bytes) and the sealed 32-byte data key with its tag, hex.
    nonce: String,
    sealed_key: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Kdf {
    algorithm: String,
    version: u32,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

const KEY_FILE_FORMAT: &str = "dauria-key-1";

fn registry() -> &'static Mutex<HashMap<PathBuf, Arc<Keys>>> {
    static UNLOCKED: std::sync::OnceLock<Mutex<HashMap<PathBuf, Arc<Keys>>>> =
        std::sync::OnceLock::new();
    UNLOCKED.get_or_init(Default::default)
}

fn folder_key(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// The keys of `dir` if it was unlocked in this process.
pub fn keys_for(dir: &Path) -> Option<Arc<Keys>> {
    let map = registry().lock().unwrap_or_else(|e| e.into_inner());
    if map.is_empty() {
        return None;
    }
    map.get(&folder_key(dir)).cloned()
}

fn remember(dir: &Path, keys: Arc<Keys>) {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(folder_key(dir), keys);
}

/// Forgets the keys of `dir` in this process (the app's "lock").
pub fn forget(dir: &Path) {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&folder_key(dir));
}

/// Whether the store in `dir` is encrypted (its key file is there).
pub fn is_encrypted(dir: &Path) -> bool {
    dir.join(KEY_FILE).is_file()
}

/// Whether an encryption of the store in `dir` was started and has not finished.
pub fn is_interrupted(dir: &Path) -> bool {
    dir.join(PENDING_KEY_FILE).is_file() && !is_encrypted(dir)
}

/// Whether the store in a data folder is encrypted and whether it is open, as the window's
/// unlock screen and Settings need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LockState {
    /// The store is encrypted (or its encryption was begun).
    pub encrypted: bool,
    /// It needs the passphrase before anything can be shown.
    pub locked: bool,
    /// An encryption was cut before it finished; unlocking finishes it.
    pub interrupted: bool,
}

/// The [`LockState`] of the store in `dir`.
pub fn lock_state(dir: &Path) -> LockState {
    LockState {
        encrypted: is_encrypted(dir) || is_interrupted(dir),
        locked: is_locked(dir),
        interrupted: is_interrupted(dir),
    }
}

/// Whether a store in `dir` needs a passphrase to open that this process has not been given.
pub fn is_locked(dir: &Path) -> bool {
    (is_encrypted(dir) || is_interrupted(dir)) && keys_for(dir).is_none()
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Io {
        context: "cannot get random bytes from the system".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(b)
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

fn derive(passphrase: &str, kdf: &Kdf) -> Result<Zeroizing<[u8; 32]>> {
    let bad = |m: String| Error::invalid("key_file", "damaged", m);
    if kdf.algorithm != "argon2id" || kdf.version != 0x13 {
        return Err(bad(format!(
            "the key file names an unknown KDF ({} version {})",
            kdf.algorithm, kdf.version
        )));
    }
    // Bounds keep a tampered key file from asking for terabytes of memory.
    if !(8_192..=4_194_304).contains(&kdf.memory_kib)
        || !(1..=64).contains(&kdf.iterations)
        || !(1..=16).contains(&kdf.parallelism)
    {
        return Err(bad("the key file's KDF parameters are out of range".into()));
    }
    let salt = hex::decode(&kdf.salt).map_err(|_| bad("the key file's salt is not hex".into()))?;
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| bad(format!("the key file's KDF parameters are refused: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, &mut out[..])
        .map_err(|e| bad(format!("cannot derive the key: {e}")))?;
    Ok(out)
}

fn new_kdf() -> Result<Kdf> {
    Ok(Kdf {
        algorithm: "argon2id".into(),
        version: 0x13,
        memory_kib: KDF_MEMORY_KIB,
        iterations: KDF_ITERATIONS,
        parallelism: KDF_PARALLELISM,
        salt: hex::encode(random::<16>()?),
    })
}

fn seal_key(passphrase: &str, keys: &Keys) -> Result<KeyFile> {
    let kdf = new_kdf()?;
    let kek = derive(passphrase, &kdf)?;
    let nonce = random::<24>()?;
    let sealed = XChaCha20Poly1305::new(Key::from_slice(&kek[..]))
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &keys.data_key[..],
                aad: KEY_FILE_FORMAT.as_bytes(),
            },
        )
        .expect("sealing 32 bytes cannot fail");
    Ok(KeyFile {
        format: KEY_FILE_FORMAT.into(),
        kdf,
        nonce: hex::encode(nonce),
        sealed_key: hex::encode(sealed),
    })
}

fn read_key_file(path: &Path) -> Result<KeyFile> {
    let text = std::fs::read(path).map_err(io(format!("cannot read {}", path.display())))?;
    let kf: KeyFile = serde_json::from_slice(&text).map_err(|e| {
        Error::invalid(
            "key_file",
            "damaged",
            format!("{} is damaged: {e}", path.display()),
        )
    })?;
    if kf.format != KEY_FILE_FORMAT {
        return Err(Error::invalid(
            "key_file",
            "damaged",
            format!("{} has an unknown format '{}'", path.display(), kf.format),
        ));
    }
    Ok(kf)
}

fn open_key_file(kf: &KeyFile, passphrase: &str) -> Result<Keys> {
    let kek = derive(passphrase, &kf.kdf)?;
    let nonce = hex::decode(&kf.nonce).ok().filter(|n| n.len() == 24);
    let sealed = hex::decode(&kf.sealed_key).ok();
    let (Some(nonce), Some(sealed)) = (nonce, sealed) else {
        return Err(Error::invalid(
            "key_file",
            "damaged",
            "the key file's sealed key is not valid hex",
        ));
    };
    let plain = XChaCha20Poly1305::new(Key::from_slice(&kek[..]))
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &sealed,
                aad: KEY_FILE_FORMAT.as_bytes(),
            },
        )
        .map_err(|_| Error::WrongPassphrase)?;
    let plain = Zeroizing::new(plain);
    let mut data_key = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        return Err(Error::invalid(
            "key_file",
            "damaged",
            "the key file's data key has the wrong length",
        ));
    }
    data_key.copy_from_slice(&plain);
    Ok(Keys { data_key })
}

/// Writes `bytes` to `path` through a temporary file in the same folder: write, fsync,
/// rename, fsync the folder.
pub(crate) fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = path.parent().expect("paths here have a folder");
    let tmp = folder.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        uuid::Uuid::now_v7().simple()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        File::open(folder)?.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(format!("cannot write {}", path.display()))(e)
    })
}

fn write_key_file(path: &Path, kf: &KeyFile) -> Result<()> {
    let json = serde_json::to_vec_pretty(kf).expect("serialises");
    write_file_atomic(path, &json)?;
    crate::fs_mode::restrict_store(path.parent().expect("has a folder"), KEY_FILE)
}

fn check_new_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(
            "passphrase",
            "too_short",
            format!("the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Unlocks the encrypted store in `dir` with `passphrase` and keeps its keys in this process.
/// A wrong passphrase gets [`Error::WrongPassphrase`]; nothing in the folder is opened for
/// writing, so the store stays byte-identical.
pub fn unlock(dir: &Path, passphrase: &str) -> Result<()> {
    let path = if is_encrypted(dir) {
        dir.join(KEY_FILE)
    } else if is_interrupted(dir) {
        dir.join(PENDING_KEY_FILE)
    } else {
        return Err(Error::invalid(
            "store",
            "not_encrypted",
            format!("the store in {} is not encrypted", dir.display()),
        ));
    };
    let keys = open_key_file(&read_key_file(&path)?, passphrase)?;
    remember(dir, Arc::new(keys));
    Ok(())
}

/// Prepares a new, encrypted store in `dir` (no store may be there yet): writes the key file
/// and keeps the keys, so the next [`crate::Store::open`] creates the store encrypted.
pub fn init_encrypted(dir: &Path, passphrase: &str) -> Result<()> {
    check_new_passphrase(passphrase)?;
    if dir.join(DB_FILE).exists() || is_encrypted(dir) || is_interrupted(dir) {
        return Err(Error::invalid(
            "store",
            "exists",
            format!(
                "{} already holds a store; encrypt it with `dauria-cli encrypt` instead",
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let keys = Keys {
        data_key: Zeroizing::new(random::<32>()?),
    };
    write_key_file(&dir.join(KEY_FILE), &seal_key(passphrase, &keys)?)?;
    remember(dir, Arc::new(keys));
    Ok(())
}

/// Changes the passphrase of the encrypted store in `dir`. The data key stays, so neither
/// the store nor the photos are rewritten; the key file is replaced in one atomic rename.
pub fn change_passphrase(dir: &Path, old: &str, new: &str) -> Result<()> {
    check_new_passphrase(new)?;
    if !is_encrypted(dir) {
        return Err(Error::invalid(
            "store",
            "not_encrypted",
            format!("the store in {} is not encrypted", dir.display()),
        ));
    }
    let path = dir.join(KEY_FILE);
    let keys = open_key_file(&read_key_file(&path)?, old)?;
    write_key_file(&path, &seal_key(new, &keys)?)?;
    remember(dir, Arc::new(keys));
    Ok(())
}

/// Keys a freshly opened connection to the store in `dir`: with the folder's data key when
/// the store is encrypted, refusing when it is encrypted and locked. Must run before anything
/// else reads the connection.
pub(crate) fn key_connection(conn: &rusqlite::Connection, dir: &Path) -> Result<()> {
    if is_interrupted(dir) {
        return Err(Error::EncryptionInterrupted);
    }
    if !is_encrypted(dir) {
        return Ok(());
    }
    let keys = keys_for(dir).ok_or(Error::Locked)?;
    apply_key(conn, &keys)
}

fn apply_key(conn: &rusqlite::Connection, keys: &Keys) -> Result<()> {
    conn.pragma_update(None, "key", &*keys.sqlcipher_key())?;
    // The key is checked only when a page is read.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|_| Error::WrongPassphrase)?;
    Ok(())
}

// --- sealed files -------------------------------------------------------------------------

fn chunk_nonce(prefix: &[u8], index: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..16].copy_from_slice(prefix);
    n[16..20].copy_from_slice(&index.to_be_bytes());
    n[20] = u8::from(last);
    XNonce::clone_from_slice(&n)
}

/// Encrypts what `src` yields into `dst`, chunk by chunk (STREAM construction: each chunk's
/// nonce holds its index and whether it is the last, so chunks cannot be reordered, dropped
/// or the file cut short unnoticed).
pub fn seal_stream(keys: &Keys, mut src: impl Read, mut dst: impl Write) -> Result<()> {
    let cipher = keys.cipher();
    let prefix = random::<16>()?;
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&prefix);
    let write_err = io("cannot write an encrypted file");
    dst.write_all(&header).map_err(write_err)?;
    let mut buf = vec![0u8; CHUNK];
    let mut next = vec![0u8; CHUNK];
    let mut filled = read_full(&mut src, &mut buf)?;
    let mut index = 0u32;
    loop {
        let next_filled = if filled == CHUNK {
            read_full(&mut src, &mut next)?
        } else {
            0
        };
        let last = next_filled == 0;
        let mut chunk = buf[..filled].to_vec();
        chunk.reserve(TAG);
        cipher
            .encrypt_in_place(&chunk_nonce(&prefix, index, last), &header, &mut chunk)
            .map_err(|_| Error::Io {
                context: "cannot encrypt".into(),
                source: std::io::Error::other("encryption failed"),
            })?;
        dst.write_all(&chunk)
            .map_err(io("cannot write an encrypted file"))?;
        if last {
            return Ok(());
        }
        std::mem::swap(&mut buf, &mut next);
        filled = next_filled;
        index = index
            .checked_add(1)
            .ok_or_else(|| Error::FileTooLarge("the file is too large to encrypt".into()))?;
    }
}

fn read_full(src: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io("cannot read a file to encrypt")(e)),
        }
    }
    Ok(n)
}

/// Encrypts `bytes` as a sealed file's contents.
pub fn seal_bytes(keys: &Keys, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + HEADER + TAG * (bytes.len() / CHUNK + 1));
    seal_stream(keys, bytes, &mut out)?;
    Ok(out)
}

/// The plaintext size of a sealed file of `sealed_len` bytes.
pub fn plain_len(sealed_len: u64) -> u64 {
    let body = sealed_len.saturating_sub(HEADER as u64);
    let chunks = body.div_ceil((CHUNK + TAG) as u64).max(1);
    body.saturating_sub(chunks * TAG as u64)
}

fn damaged(what: &str) -> Error {
    Error::invalid(
        "file",
        "damaged",
        format!("{what} cannot be decrypted: it is damaged or was encrypted with another key"),
    )
}

/// Reads a sealed file as its plaintext, one chunk at a time.
pub struct OpenReader<R: Read> {
    src: R,
    cipher: XChaCha20Poly1305,
    header: [u8; HEADER],
    remaining: u64,
    index: u32,
    plain: Vec<u8>,
    pos: usize,
    name: String,
}

impl<R: Read> OpenReader<R> {
    /// Starts reading the sealed `src` of `len` bytes (its whole size, header included).
    pub fn new(keys: &Keys, mut src: R, len: u64, name: &str) -> Result<Self> {
        let mut header = [0u8; HEADER];
        if len < (HEADER + TAG) as u64 {
            return Err(damaged(name));
        }
        src.read_exact(&mut header)
            .map_err(io(format!("cannot read {name}")))?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err(damaged(name));
        }
        Ok(OpenReader {
            src,
            cipher: keys.cipher(),
            header,
            remaining: len - HEADER as u64,
            index: 0,
            plain: Vec::new(),
            pos: 0,
            name: name.to_string(),
        })
    }

    fn next_chunk(&mut self) -> Result<bool> {
        if self.remaining == 0 {
            return Ok(false);
        }
        let take = self.remaining.min((CHUNK + TAG) as u64) as usize;
        let last = self.remaining == take as u64;
        let mut chunk = vec![0u8; take];
        self.src
            .read_exact(&mut chunk)
            .map_err(io(format!("cannot read {}", self.name)))?;
        let nonce = chunk_nonce(&self.header[MAGIC.len()..], self.index, last);
        self.cipher
            .decrypt_in_place(&nonce, &self.header, &mut chunk)
            .map_err(|_| damaged(&self.name))?;
        self.remaining -= take as u64;
        self.index = self.index.wrapping_add(1);
        self.plain = chunk;
        self.pos = 0;
        Ok(true)
    }
}

impl<R: Read> Read for OpenReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.plain.len() {
            match self.next_chunk() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e.to_string())),
            }
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Decrypts a whole sealed file held in memory.
pub fn open_bytes(keys: &Keys, sealed: &[u8], name: &str) -> Result<Vec<u8>> {
    let mut r = OpenReader::new(keys, sealed, sealed.len() as u64, name)?;
    let mut out = Vec::with_capacity(plain_len(sealed.len() as u64) as usize);
    while r.next_chunk()? {
        out.extend_from_slice(&r.plain);
    }
    Ok(out)
}

/// Encrypts the file at `path` in place: sealed into a temporary file beside it, fsynced and
/// renamed over it, so a cut leaves the plain file or the sealed one.
fn seal_file_in_place(keys: &Keys, path: &Path) -> Result<()> {
    let folder = path.parent().expect("has a folder");
    let tmp = folder.join(format!(
        ".{}.sealing",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    let run = || -> Result<()> {
        let src = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
        let mut dst = std::io::BufWriter::new(
            File::create(&tmp).map_err(io(format!("cannot write {}", tmp.display())))?,
        );
        seal_stream(keys, std::io::BufReader::new(src), &mut dst)?;
        let f = dst
            .into_inner()
            .map_err(|e| io(format!("cannot write {}", tmp.display()))(e.into_error()))?;
        f.sync_all()
            .map_err(io(format!("cannot write {}", tmp.display())))?;
        drop(f);
        stop_point("photo_sealed_before_rename");
        std::fs::rename(&tmp, path).map_err(io(format!("cannot replace {}", path.display())))?;
        File::open(folder)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("cannot sync {}", folder.display())))
    };
    run().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Whether the blob file at `path` is still plain: its contents hash to its name. A sealed
/// file never does, so an interrupted encryption knows which photos are left.
fn blob_is_plain(path: &Path) -> Result<bool> {
    use sha2::{Digest, Sha256};
    let mut f = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io(format!("cannot read {}", path.display())))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    Ok(hex::encode(h.finalize()) == name)
}

// --- encrypting an existing store ---------------------------------------------------------

/// For crash tests: when `DAURIA_ENCRYPT_STOP_AT` names this step, write the file named by
/// `DAURIA_ENCRYPT_STOP_FILE` and wait there until the process is killed.
fn stop_point(step: &str) {
    if std::env::var("DAURIA_ENCRYPT_STOP_AT").as_deref() == Ok(step) {
        if let Ok(marker) = std::env::var("DAURIA_ENCRYPT_STOP_FILE") {
            let _ = std::fs::write(marker, step);
        }
        loop {
            std::thread::park();
        }
    }
}

/// What encrypting a store did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EncryptReport {
    /// Photo files sealed by this run (those sealed by an interrupted run are not counted).
    pub photos: usize,
    /// Whether this run finished an encryption an earlier run had begun.
    pub resumed: bool,
}

fn blob_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let root = dir.join(crate::media::BLOBS_DIR);
    if !root.is_dir() {
        return Ok(out);
    }
    for a in std::fs::read_dir(&root).map_err(io(format!("cannot read {}", root.display())))? {
        let a = a
            .map_err(io(format!("cannot read {}", root.display())))?
            .path();
        let name = a
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !a.is_dir() || name == "thumbs" {
            continue;
        }
        for b in std::fs::read_dir(&a).map_err(io(format!("cannot read {}", a.display())))? {
            let b = b
                .map_err(io(format!("cannot read {}", a.display())))?
                .path();
            if !b.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&b).map_err(io(format!("cannot read {}", b.display())))? {
                let f = f
                    .map_err(io(format!("cannot read {}", b.display())))?
                    .path();
                let name = f
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                if crate::media::is_sha256(&name) && f.is_file() {
                    out.push(f);
                } else if name.ends_with(".sealing") {
                    // A sealed copy cut before its rename: the plain file is still there.
                    let _ = std::fs::remove_file(&f);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn store_is_plain(db: &Path) -> bool {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())))
        .is_ok()
}

/// Encrypts the plain store in `dir` and its photos in place, with a new passphrase; or, when
/// an earlier run was cut, finishes it (the passphrase must then be the one that run was
/// given). The app must not be running on `dir`.
///
/// Steps, each safe to cut: the key file is written as `dauria.key.pending`; the store is
/// copied encrypted (`sqlcipher_export`) into `dauria.sqlite3.encrypting`; each photo is sealed
/// into a file beside it and renamed over it (a photo still hashing to its name is plain and
/// left to do); thumbnails are removed (they are made again, encrypted, when shown); the
/// encrypted copy is renamed over the store; the key file is renamed to `dauria.key`. Until
/// that last rename the store refuses to open and says to run this again.
pub fn encrypt_store(
    dir: &Path,
    passphrase: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<EncryptReport> {
    if is_encrypted(dir) {
        return Err(Error::invalid(
            "store",
            "already_encrypted",
            format!("the store in {} is already encrypted", dir.display()),
        ));
    }
    let db = dir.join(DB_FILE);
    let pending = dir.join(PENDING_KEY_FILE);
    let resumed = pending.is_file();
    let keys = if resumed {
        open_key_file(&read_key_file(&pending)?, passphrase)?
    } else {
        check_new_passphrase(passphrase)?;
        if !db.is_file() {
            return Err(Error::NotFound(format!(
                "no store in {} to encrypt",
                dir.display()
            )));
        }
        let keys = Keys {
            data_key: Zeroizing::new(random::<32>()?),
        };
        write_key_file(&pending, &seal_key(passphrase, &keys)?)?;
        keys
    };
    stop_point("key_written");
    let encrypting = dir.join(ENCRYPTING_DB);
    if store_is_plain(&db) {
        let _ = std::fs::remove_file(&encrypting);
        let conn = rusqlite::Connection::open(&db)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let target = encrypting.to_str().ok_or_else(|| {
            Error::invalid(
                "data_dir",
                "path",
                "the data folder's path is not valid text",
            )
        })?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![target, &*keys.sqlcipher_key()],
        )?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        conn.execute("DETACH DATABASE encrypted", [])?;
        drop(conn);
        File::open(&encrypting)
            .and_then(|f| f.sync_all())
            .map_err(io(format!("cannot sync {}", encrypting.display())))?;
        crate::fs_mode::restrict_store(dir, ENCRYPTING_DB)?;
    }
    stop_point("store_exported");
    let blobs = blob_files(dir)?;
    let mut sealed = 0;
    for (i, path) in blobs.iter().enumerate() {
        progress(i, blobs.len());
        if blob_is_plain(path)? {
            seal_file_in_place(&keys, path)?;
            sealed += 1;
            if sealed == 1 {
                stop_point("first_photo_sealed");
            }
        }
    }
    progress(blobs.len(), blobs.len());
    let thumbs = dir.join(crate::media::BLOBS_DIR).join("thumbs");
    if thumbs.exists() {
        std::fs::remove_dir_all(&thumbs)
            .map_err(io(format!("cannot remove {}", thumbs.display())))?;
    }
    stop_point("photos_sealed");
    if store_is_plain(&db) {
        // The plain store's journal is folded in and removed, so no stale -wal sits beside the
        // encrypted copy once it takes the store's name.
        let conn = rusqlite::Connection::open(&db)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        drop(conn);
        for side in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{side}")));
        }
        std::fs::rename(&encrypting, &db)
            .map_err(io(format!("cannot replace {}", db.display())))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("cannot sync {}", dir.display())))?;
    }
    stop_point("store_replaced");
    // The store must open with the key before the key file makes it official.
    let check = rusqlite::Connection::open(&db)?;
    apply_key(&check, &keys)?;
    drop(check);
    std::fs::rename(&pending, dir.join(KEY_FILE)).map_err(io(format!(
        "cannot finish the key file in {}",
        dir.display()
    )))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(format!("cannot sync {}", dir.display())))?;
    remember(dir, Arc::new(keys));
    Ok(EncryptReport {
        photos: sealed,
        resumed,
    })
}

/// Copies the key file of `dir` into `dest` (a backup of an encrypted store carries it, so the
/// same passphrase opens the backup).
pub(crate) fn copy_key_file(dir: &Path, dest: &Path) -> Result<bool> {
    let src = dir.join(KEY_FILE);
    if !src.is_file() {
        return Ok(false);
    }
    let bytes = std::fs::read(&src).map_err(io(format!("cannot read {}", src.display())))?;
    write_file_atomic(&dest.join(KEY_FILE), &bytes)?;
    Ok(true)
}
