//! Size limits on what the app reads from files and laptops it does not control: photos,
//! archives and imported text files.
//!
//! A few megabytes can claim gigabytes: a PNG of 40,000 × 40,000 pixels compresses to about
//! 6 MB, a zip entry of 4 GB of zeros to about 4 MB. Each reader checks the declared size
//! against these limits before it allocates, and reads through [`Read::take`] so a header that
//! lies cannot take more than the limit either.

use crate::error::{Error, Result};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const MIB: u64 = 1024 * 1024;

/// Longest side of a photo the app decodes. Cameras of 12–50 MP are 4,000–8,700 px wide,
/// 100 MP medium format 11,648 px, phone panoramas up to about 16,000 px.
pub const MAX_PHOTO_SIDE: u32 = 16_384;
/// Most pixels of a photo the app decodes (120 megapixels: 360 MB as 8-bit RGB).
pub const MAX_PHOTO_PIXELS: u64 = 120_000_000;
/// Most memory the decoder may take for one photo's pixels (16-bit or alpha photos take more
/// per pixel than 8-bit RGB, so this is checked as well as the pixel count).
pub const MAX_PHOTO_DECODE_BYTES: u64 = 512 * MIB;
/// Largest photo file the app reads into memory (a 100 MP JPEG is 30–60 MB).
pub const MAX_PHOTO_FILE_BYTES: u64 = 256 * MIB;

/// Most entries in an archive (a Darwin Core Archive has a handful of files).
pub const MAX_ARCHIVE_ENTRIES: usize = 10_000;
/// Most uncompressed bytes of one archive entry the app reads (about two million occurrences).
pub const MAX_ARCHIVE_ENTRY_BYTES: u64 = 512 * MIB;
/// Most uncompressed bytes the app reads from one archive, all entries together.
pub const MAX_ARCHIVE_TOTAL_BYTES: u64 = 1024 * MIB;
/// Highest compression ratio accepted for an entry larger than
/// [`RATIO_CHECKED_ABOVE_BYTES`]. Tab-separated text compresses 5–30 times, zeros 1,000 times.
pub const MAX_COMPRESSION_RATIO: u64 = 200;
/// Entries up to this size may have any ratio (a small meta.xml can compress very well).
pub const RATIO_CHECKED_ABOVE_BYTES: u64 = MIB;

/// Largest CSV file the app imports. Rows are streamed into the store, so this bounds the time
/// and the store's growth rather than memory: about ten million rows.
pub const MAX_CSV_BYTES: u64 = 1024 * MIB;
/// Longest line of a CSV file: a row is held whole, so a file with no line breaks would
/// otherwise be held whole.
pub const MAX_CSV_LINE_BYTES: u64 = 4 * MIB;
/// Largest GPX file the app imports. It is parsed whole, into structures several times the size
/// of the text; a GPS unit's trip is a few megabytes.
pub const MAX_GPX_BYTES: u64 = 32 * MIB;

/// Human-readable size for messages: `512 MiB`, `1.5 GiB`.
pub fn human_bytes(n: u64) -> String {
    if n >= 1024 * MIB {
        format!("{:.1} GiB", n as f64 / (1024 * MIB) as f64)
    } else if n >= MIB {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// Reads all of `input` into memory, refusing with [`Error::FileTooLarge`] once it passes
/// `limit` bytes; never holds more than `limit + 1` bytes. `what` names the file in the message.
pub fn read_capped(input: impl Read, limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    input
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| Error::Io {
            context: format!("cannot read {what}"),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(too_large_file(what, limit));
    }
    Ok(buf)
}

/// The refusal of a file over `limit` bytes.
pub fn too_large_file(what: &str, limit: u64) -> Error {
    Error::FileTooLarge(format!(
        "{what} is larger than the {} Dauria Field reads",
        human_bytes(limit)
    ))
}

/// The error a [`Capped`] reader returns past its limit, inside an `io::Error`.
#[derive(Debug)]
struct OverLimit(String);

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OverLimit {}

/// A reader that fails once more than `limit` bytes were read, or (if set) once a line runs
/// longer than `max_line` bytes, so a parser on top never holds more. The failure is an
/// `io::Error` that [`over_limit`] turns back into [`Error::FileTooLarge`], and [`Capped::tripped`]
/// tells it apart from other errors when a parser hides the `io::Error`.
pub struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
    max_line: Option<u64>,
    line: u64,
    what: String,
    tripped: Arc<AtomicBool>,
}

impl<R: Read> Capped<R> {
    /// Reads at most `limit` bytes of `inner`; `what` names the file in the refusal.
    pub fn new(inner: R, limit: u64, what: impl Into<String>) -> Self {
        Capped {
            inner,
            left: limit,
            limit,
            max_line: None,
            line: 0,
            what: what.into(),
            tripped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Also refuses a line longer than `max` bytes.
    pub fn max_line(mut self, max: u64) -> Self {
        self.max_line = Some(max);
        self
    }

    /// Set once the limit was hit; clone it before handing the reader to a parser.
    pub fn tripped(&self) -> Arc<AtomicBool> {
        self.tripped.clone()
    }

    /// The refusal, as the error this reader reports.
    pub fn refusal(&self) -> Error {
        too_large_file(&self.what, self.limit)
    }

    fn fail(&self, message: String) -> std::io::Error {
        self.tripped.store(true, Ordering::Relaxed);
        std::io::Error::other(OverLimit(message))
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the limit: only the end of the file is still acceptable.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(self.fail(self.refusal().to_string())),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        if let Some(max_line) = self.max_line {
            for &b in &buf[..n] {
                self.line = if b == b'\n' { 0 } else { self.line + 1 };
                if self.line > max_line {
                    return Err(self.fail(format!(
                        "{} has a line longer than the {} Dauria Field reads; is it a text file?",
                        self.what,
                        human_bytes(max_line)
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// The refusal inside an `io::Error` from a [`Capped`] reader, if that is what it is.
pub fn over_limit(e: &std::io::Error) -> Option<Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<OverLimit>())
        .map(|o| Error::FileTooLarge(o.0.clone()))
}
