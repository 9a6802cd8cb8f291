//! Size limits on what the app reads from files and laptops it does not control: photos,
//! archives and imported text files.
//!
//! A few megabytes can claim gigabytes: a PNG of 40,000 × 40,000 pixels compresses to about
//! 6 MB, a zip entry of 4 GB of zeros to about 4 MB. Each reader checks the declared size
//! against these limits before it allocates, and reads through [`Read::take`] so a header that
//! lies cannot take more than the limit either.

use crate::error::{Error, Result};
use std::io::Read;

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

/// Largest CSV or GPX file the app imports (some million rows; a GPS unit's year of tracks).
pub const MAX_TEXT_FILE_BYTES: u64 = 256 * MIB;

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
