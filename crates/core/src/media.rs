//! Photos: a content-addressed blob store under the data folder, thumbnails, and what a photo's
//! EXIF says about when and where it was taken.
//!
//! Blobs live at `<data dir>/blobs/ab/cd/<sha256>` and thumbnails at
//! `<data dir>/blobs/thumbs/ab/<sha256>.jpg`. Every file is written to a temporary name in its
//! final folder, fsynced and renamed, so a crash leaves either the whole file or none. The same
//! bytes are stored once. In an encrypted data folder (`encryption.rs`) both are sealed with the
//! folder's data key; a photo's name stays the SHA-256 of its plaintext. Every function here is
//! plain and blocking, so the app runs them on a worker thread, never the UI thread.

use crate::encryption;
use crate::error::{Error, Result};
use crate::limits;
use crate::model::Body;
use crate::store::{Saved, Store};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Folder of the blob store inside the data folder.
pub const BLOBS_DIR: &str = "blobs";
/// Longest side of a thumbnail, in pixels.
pub const THUMB_SIZE: u32 = 320;

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `s` is a lower-case hex SHA-256 (the only names the blob store accepts, so a hash
/// from the network can never point outside it).
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_sha(sha: &str) -> Result<()> {
    if is_sha256(sha) {
        Ok(())
    } else {
        Err(Error::invalid(
            "sha256",
            "format",
            format!("'{sha}' is not a lower-case hex SHA-256"),
        ))
    }
}

/// Where the blob with this hash lives (whether or not it is there).
pub fn blob_path(dir: &Path, sha: &str) -> Result<PathBuf> {
    check_sha(sha)?;
    Ok(dir
        .join(BLOBS_DIR)
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(sha))
}

/// Where the thumbnail of the blob with this hash lives (whether or not it is there).
pub fn thumb_path(dir: &Path, sha: &str) -> Result<PathBuf> {
    check_sha(sha)?;
    Ok(dir
        .join(BLOBS_DIR)
        .join("thumbs")
        .join(&sha[0..2])
        .join(format!("{sha}.jpg")))
}

/// Whether the blob with this hash is stored.
pub fn has_blob(dir: &Path, sha: &str) -> bool {
    blob_path(dir, sha).is_ok_and(|p| p.is_file())
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// Writes `bytes` to `path` through a temporary file in the same folder: write, fsync, rename,
/// fsync the folder. In an encrypted data folder `dir` the file is sealed with its data key.
fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = path.parent().expect("blob paths have a folder");
    std::fs::create_dir_all(folder).map_err(io(format!("cannot create {}", folder.display())))?;
    match encryption::keys_for(dir) {
        Some(keys) => encryption::write_file_atomic(path, &encryption::seal_bytes(&keys, bytes)?),
        None => encryption::write_file_atomic(path, bytes),
    }
}

/// Reads a blob-store file (a photo or a thumbnail), decrypting it in an encrypted data folder.
fn read_stored(dir: &Path, path: &Path, what: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!("no {what}")),
        _ => io(format!("cannot read {}", path.display()))(e),
    })?;
    match encryption::keys_for(dir) {
        Some(keys) => encryption::open_bytes(&keys, &bytes, what),
        None => Ok(bytes),
    }
}

/// Opens a stored blob for reading as a stream (decrypted chunk by chunk in an encrypted data
/// folder), with its plaintext size.
pub fn open_blob(dir: &Path, sha: &str) -> Result<(Box<dyn std::io::Read + Send>, u64)> {
    let path = blob_path(dir, sha)?;
    let f = File::open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!("no photo with hash {sha}")),
        _ => io(format!("cannot read {}", path.display()))(e),
    })?;
    let len = f
        .metadata()
        .map_err(io(format!("cannot read {}", path.display())))?
        .len();
    match encryption::keys_for(dir) {
        Some(keys) => {
            let name = format!("the photo {sha}");
            let r = encryption::OpenReader::new(&keys, std::io::BufReader::new(f), len, &name)?;
            Ok((Box::new(r), encryption::plain_len(len)))
        }
        None => Ok((Box::new(f), len)),
    }
}

/// The size in bytes of a stored photo (of its plaintext, in an encrypted data folder).
pub fn blob_size(dir: &Path, sha: &str) -> Result<u64> {
    let path = blob_path(dir, sha)?;
    let len = std::fs::metadata(&path)
        .map_err(io(format!("cannot read {}", path.display())))?
        .len();
    Ok(if encryption::keys_for(dir).is_some() {
        encryption::plain_len(len)
    } else {
        len
    })
}

/// Stores `bytes` in the blob store and returns their SHA-256. Storing bytes already present
/// does nothing (the first copy is kept).
pub fn put_blob(dir: &Path, bytes: &[u8]) -> Result<String> {
    let sha = sha256_hex(bytes);
    let path = blob_path(dir, &sha)?;
    if !path.is_file() {
        write_atomic(dir, &path, bytes)?;
    }
    Ok(sha)
}

/// Reads a stored blob.
pub fn read_blob(dir: &Path, sha: &str) -> Result<Vec<u8>> {
    read_stored(
        dir,
        &blob_path(dir, sha)?,
        &format!("photo with hash {sha}"),
    )
}

/// Reads the JPEG thumbnail of a stored photo, making it first if it is missing.
pub fn read_thumbnail(dir: &Path, sha: &str) -> Result<Vec<u8>> {
    let path = ensure_thumbnail(dir, sha)?;
    read_stored(dir, &path, &format!("thumbnail of {sha}"))
}

fn photo_error(rule: &str, message: String) -> Error {
    Error::invalid("photo", rule, message)
}

/// A JPEG ends with an EOI marker after its last scan; a file cut short in transfer does not.
/// The decoder tolerates a missing end (it fills the rest grey), so look for it ourselves.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    // Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so an
    // FF D9 after the last start-of-scan (FF DA) is the real end of image.
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_sos {
        None => false,
        Some(i) => bytes[i..].windows(2).any(|w| w == [0xFF, 0xD9]),
    }
}

/// Decodes `bytes` as an image (JPEG, PNG, WebP, TIFF or GIF), turned upright as its EXIF
/// orientation says. A file that is not an image, is cut short or is corrupt gets an
/// `Error::Invalid` on the field `photo` whose message names the problem.
///
/// The dimensions are read from the header first: a photo over the limits of
/// [`crate::limits`] (a decompression bomb, or a header claiming huge dimensions) gets
/// [`Error::ImageTooLarge`] before any pixel is allocated, and the decoder itself runs with
/// `image::Limits` so a header that lies is stopped too.
pub fn decode_photo(bytes: &[u8]) -> Result<DynamicImage> {
    if bytes.is_empty() {
        return Err(photo_error("empty", "the file is empty".into()));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(io("cannot read the photo"))?;
    let Some(format) = reader.format() else {
        return Err(photo_error(
            "unsupported_format",
            "the file is not a photo in a format Dauria Field reads (JPEG, PNG, WebP, TIFF, GIF)"
                .into(),
        ));
    };
    let name = format!("{format:?}").to_uppercase();
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(photo_error(
            "truncated",
            "the JPEG is cut short (it has no end-of-image marker); copy it from the camera again"
                .into(),
        ));
    }
    let decode_error = |e: image::ImageError| match e {
        image::ImageError::Limits(l) => Error::ImageTooLarge(format!(
            "the {name} needs more memory to open than Dauria Field allows ({} at most): {l}",
            limits::human_bytes(limits::MAX_PHOTO_DECODE_BYTES)
        )),
        image::ImageError::Unsupported(u) => photo_error(
            "unsupported_format",
            format!("this {name} uses a feature Dauria Field cannot read: {u}"),
        ),
        image::ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            photo_error("truncated", format!("the {name} file is cut short"))
        }
        other => photo_error(
            "corrupt",
            format!("the {name} file is damaged and cannot be read: {other}"),
        ),
    };
    // Dimensions are checked below, where the refusal can name them; only the allocation
    // limit applies while the header is read.
    let mut reader = reader;
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(limits::MAX_PHOTO_DECODE_BYTES);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large_image(&name, None),
        other => decode_error(other),
    })?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if width > limits::MAX_PHOTO_SIDE
        || height > limits::MAX_PHOTO_SIDE
        || pixels > limits::MAX_PHOTO_PIXELS
        || decoder.total_bytes() > limits::MAX_PHOTO_DECODE_BYTES
    {
        return Err(too_large_image(&name, Some((width, height))));
    }
    decoder.set_limits(photo_limits()).map_err(decode_error)?;
    let decoded = (|| {
        let orientation = decoder.orientation()?;
        let mut img = DynamicImage::from_decoder(decoder)?;
        img.apply_orientation(orientation);
        Ok::<_, image::ImageError>(img)
    })();
    decoded.map_err(decode_error)
}

/// The decoder's own limits: the same as checked on the header, so a format whose header
/// understates what it holds is stopped inside the decoder.
fn photo_limits() -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits::MAX_PHOTO_SIDE);
    l.max_image_height = Some(limits::MAX_PHOTO_SIDE);
    l.max_alloc = Some(limits::MAX_PHOTO_DECODE_BYTES);
    l
}

fn too_large_image(name: &str, dims: Option<(u32, u32)>) -> Error {
    let size = match dims {
        Some((w, h)) => format!("{w} × {h} pixels"),
        None => "larger than the limit".into(),
    };
    Error::ImageTooLarge(format!(
        "the {name} is {size}; Dauria Field opens photos of at most {} pixels a side, {} \
         megapixels and {} of decoded pixels",
        limits::MAX_PHOTO_SIDE,
        limits::MAX_PHOTO_PIXELS / 1_000_000,
        limits::human_bytes(limits::MAX_PHOTO_DECODE_BYTES)
    ))
}

/// A JPEG thumbnail of `img`, at most [`THUMB_SIZE`] pixels on its longest side.
pub fn thumbnail_jpeg(img: &DynamicImage) -> Result<Vec<u8>> {
    let thumb = img.thumbnail(THUMB_SIZE, THUMB_SIZE).into_rgb8();
    let mut out = Vec::new();
    thumb
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 80,
        ))
        .map_err(|e| Error::Io {
            context: "cannot encode the thumbnail".into(),
            source: std::io::Error::other(e),
        })?;
    Ok(out)
}

/// Makes (if missing) the thumbnail of a stored blob and returns its path (read it with
/// [`read_thumbnail`]: in an encrypted data folder the file is sealed).
pub fn ensure_thumbnail(dir: &Path, sha: &str) -> Result<PathBuf> {
    let path = thumb_path(dir, sha)?;
    if path.is_file() {
        return Ok(path);
    }
    let img = decode_photo(&read_blob(dir, sha)?)?;
    write_atomic(dir, &path, &thumbnail_jpeg(&img)?)?;
    Ok(path)
}

/// What attaching a photo did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AttachedPhoto {
    pub sha256: String,
    /// False when the same bytes were already in the blob store.
    pub newly_stored: bool,
    /// The observation's new revision; absent when the photo was already attached to it.
    pub saved: Option<Saved>,
    pub width: u32,
    pub height: u32,
}

/// Attaches the photo at `path` to an observation: checks that it decodes as an image, stores
/// it by hash, makes its thumbnail, and writes a new revision of the observation with the hash
/// appended. A bad file is refused before anything is written.
pub fn attach_photo(store: &mut Store, observation_id: &str, path: &Path) -> Result<AttachedPhoto> {
    let current = store
        .get(observation_id)?
        .filter(|c| !c.deleted)
        .ok_or_else(|| Error::NotFound(format!("no observation with id {observation_id}")))?;
    let Some(Body::Observation(mut obs)) = current.body else {
        return Err(Error::invalid(
            "observation",
            "kind",
            format!(
                "record {observation_id} is a {}, not an observation",
                current.kind.as_str()
            ),
        ));
    };
    let bytes = read_photo_file(path)?;
    let stored = store_photo(store.dir(), &bytes).map_err(|e| match e {
        Error::Invalid(mut errs) => {
            for fe in &mut errs {
                fe.message = format!("{}: {}", path.display(), fe.message);
            }
            Error::Invalid(errs)
        }
        Error::ImageTooLarge(m) => Error::ImageTooLarge(format!("{}: {m}", path.display())),
        other => other,
    })?;
    let StoredPhoto {
        sha256: sha,
        newly_stored,
        width,
        height,
        ..
    } = stored;
    // A blob whose revision then fails to save is harmless: it is content-addressed and is
    // simply found already stored on the next attempt.
    let saved = if obs.photos.contains(&sha) {
        None
    } else {
        obs.photos.push(sha.clone());
        Some(store.update(observation_id, &current.rev_id, &Body::Observation(obs))?)
    };
    Ok(AttachedPhoto {
        sha256: sha,
        newly_stored,
        saved,
        width,
        height,
    })
}

/// Reads a photo file into memory, refusing one larger than [`limits::MAX_PHOTO_FILE_BYTES`]
/// without reading it all.
fn read_photo_file(path: &Path) -> Result<Vec<u8>> {
    let f = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    limits::read_capped(
        f,
        limits::MAX_PHOTO_FILE_BYTES,
        &format!("the photo {}", path.display()),
    )
}

/// A photo kept in the blob store, with what its EXIF says.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StoredPhoto {
    pub sha256: String,
    /// False when the same bytes were stored already (the first copy is kept).
    pub newly_stored: bool,
    pub width: u32,
    pub height: u32,
    pub info: PhotoInfo,
}

/// Checks that `bytes` decode as an image, stores them by hash and makes the thumbnail. A bad
/// file is refused before anything is written; nothing refers to the photo until a record lists
/// its hash, so storing it ahead of the record is harmless.
pub fn store_photo(dir: &Path, bytes: &[u8]) -> Result<StoredPhoto> {
    let img = decode_photo(bytes)?;
    let sha = sha256_hex(bytes);
    let newly_stored = !has_blob(dir, &sha);
    put_blob(dir, bytes)?;
    let thumb = thumb_path(dir, &sha)?;
    if !thumb.is_file() {
        write_atomic(dir, &thumb, &thumbnail_jpeg(&img)?)?;
    }
    Ok(StoredPhoto {
        sha256: sha,
        newly_stored,
        width: img.width(),
        height: img.height(),
        info: photo_info_bytes(bytes),
    })
}

/// What a photo's EXIF says about when and where it was taken, to prefill a sighting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct PhotoInfo {
    /// DateTimeOriginal as the camera's clock showed it, `YYYY-MM-DDTHH:MM:SS`, no offset.
    pub local_time: Option<String>,
    /// OffsetTimeOriginal (`+09:00`) when the camera recorded it.
    pub utc_offset: Option<String>,
    /// RFC 3339 time, present only when both the time and its offset are known.
    pub taken_at: Option<String>,
    /// WGS84 decimal degrees, south and west negative.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub altitude_m: Option<f64>,
    /// GPSHPositioningError, when the receiver recorded it.
    pub uncertainty_m: Option<f64>,
}

fn ascii(exif: &exif::Exif, tag: exif::Tag) -> Option<Vec<u8>> {
    match &exif.get_field(tag, exif::In::PRIMARY)?.value {
        exif::Value::Ascii(v) => v.first().cloned(),
        _ => None,
    }
}

fn rationals(exif: &exif::Exif, tag: exif::Tag) -> Option<Vec<f64>> {
    match &exif.get_field(tag, exif::In::PRIMARY)?.value {
        exif::Value::Rational(v) if v.iter().all(|r| r.denom != 0) => {
            Some(v.iter().map(|r| r.to_f64()).collect())
        }
        _ => None,
    }
}

fn degrees(exif: &exif::Exif, tag: exif::Tag, ref_tag: exif::Tag, negative: u8) -> Option<f64> {
    let v = rationals(exif, tag)?;
    let mut d = v.first()? + v.get(1).unwrap_or(&0.0) / 60.0 + v.get(2).unwrap_or(&0.0) / 3600.0;
    let r = ascii(exif, ref_tag)?;
    if r.first().is_some_and(|c| c.eq_ignore_ascii_case(&negative)) {
        d = -d;
    }
    Some(d)
}

/// Reads the time and GPS position from the EXIF of the photo at `path`. A photo without EXIF
/// (or without those tags) gives empty fields, not an error.
pub fn photo_info(path: &Path) -> Result<PhotoInfo> {
    let f = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    // Some containers (TIFF) are read whole to find their EXIF.
    let size = f
        .metadata()
        .map_err(io(format!("cannot read {}", path.display())))?
        .len();
    if size > limits::MAX_PHOTO_FILE_BYTES {
        return Err(limits::too_large_file(
            &format!("the photo {}", path.display()),
            limits::MAX_PHOTO_FILE_BYTES,
        ));
    }
    let exif = match exif::Reader::new().read_from_container(&mut BufReader::new(f)) {
        Ok(e) => e,
        Err(exif::Error::Io(e)) => return Err(io(format!("cannot read {}", path.display()))(e)),
        // No EXIF, or a container kamadak-exif does not know: nothing to prefill.
        Err(_) => return Ok(PhotoInfo::default()),
    };
    read_info(&exif)
}

/// Like [`photo_info`] for a photo in memory; unreadable EXIF gives empty fields.
pub fn photo_info_bytes(bytes: &[u8]) -> PhotoInfo {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
        .and_then(|exif| read_info(&exif).ok())
        .unwrap_or_default()
}

fn read_info(exif: &exif::Exif) -> Result<PhotoInfo> {
    let mut info = PhotoInfo::default();
    let time = ascii(exif, exif::Tag::DateTimeOriginal)
        .or_else(|| ascii(exif, exif::Tag::DateTime))
        .and_then(|raw| exif::DateTime::from_ascii(&raw).ok());
    if let Some(mut t) = time {
        info.local_time = Some(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        ));
        if let Some(raw) = ascii(exif, exif::Tag::OffsetTimeOriginal) {
            if t.parse_offset(&raw).is_ok() {
                let off = t.offset.unwrap_or(0);
                let sign = if off < 0 { '-' } else { '+' };
                let off = off.unsigned_abs();
                let offset = format!("{sign}{:02}:{:02}", off / 60, off % 60);
                let rfc = format!("{}{offset}", info.local_time.as_deref().unwrap_or(""));
                if chrono::DateTime::parse_from_rfc3339(&rfc).is_ok() {
                    info.taken_at = Some(rfc);
                }
                info.utc_offset = Some(offset);
            }
        }
    }
    info.lat = degrees(
        exif,
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLatitudeRef,
        b'S',
    );
    info.lon = degrees(
        exif,
        exif::Tag::GPSLongitude,
        exif::Tag::GPSLongitudeRef,
        b'W',
    );
    if info.lat.is_some_and(|v| !(-90.0..=90.0).contains(&v))
        || info.lon.is_some_and(|v| !(-180.0..=180.0).contains(&v))
    {
        info.lat = None;
        info.lon = None;
    }
    if let Some(alt) = rationals(exif, exif::Tag::GPSAltitude).and_then(|v| v.first().copied()) {
        let below = matches!(
            exif.get_field(exif::Tag::GPSAltitudeRef, exif::In::PRIMARY).map(|f| &f.value),
            Some(exif::Value::Byte(b)) if b.first() == Some(&1)
        );
        info.altitude_m = Some(if below { -alt } else { alt });
    }
    info.uncertainty_m =
        rationals(exif, exif::Tag::GPSHPositioningError).and_then(|v| v.first().copied());
    Ok(info)
}
