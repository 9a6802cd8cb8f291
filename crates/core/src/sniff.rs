//! How a text file was written: its encoding, its field separator and its decimal mark.
//!
//! Spreadsheets save CSV in the system's code page unless told otherwise: Excel in a Russian
//! locale writes Windows-1251 with `;` between fields and `49,7` for a decimal, in a Chinese
//! locale GB18030 (GBK); newer versions write UTF-8 with a byte-order mark. The file says none of
//! this, so it is read from the first [`SNIFF_BYTES`] and the whole file is then decoded as that.

use encoding_rs::{Decoder, Encoding, GB18030, GBK, UTF_8};
use std::io::{Chain, Cursor, Read};

/// How much of the start of a file the guess is made on. Enough for a few hundred rows; the
/// statistical guess settles on Cyrillic or Chinese text within a few lines.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What was detected about a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFormat {
    /// The encoding's name as the WHATWG Encoding Standard spells it (`UTF-8`, `windows-1251`,
    /// `gb18030`).
    pub encoding: &'static str,
    /// The file starts with a byte-order mark (which is not part of the first header).
    pub bom: bool,
    /// The field separator.
    pub separator: u8,
    /// Numbers are written with a decimal comma (`49,7`), as they are wherever the separator is
    /// not a comma.
    pub decimal_comma: bool,
}

impl CsvFormat {
    /// Parses a number as this file writes it: with a decimal comma when the separator is not a
    /// comma (a lone comma in a `;` file can only be a decimal mark), and always with a point.
    pub fn number(&self, v: &str) -> Option<f64> {
        let v = v.trim();
        if let Ok(x) = v.parse::<f64>() {
            return Some(x);
        }
        if self.separator != b',' && v.matches(',').count() == 1 && !v.contains('.') {
            return v.replace(',', ".").parse().ok();
        }
        None
    }
}

/// Reads `input` decoded to UTF-8 from the detected encoding, with what was detected.
pub fn decode_csv<R: Read>(mut input: R) -> std::io::Result<(DecodeReader<R>, CsvFormat)> {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    (&mut input)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut prefix)?;
    let complete = prefix.len() < SNIFF_BYTES;
    let (encoding, bom) = detect_encoding(&prefix, complete);
    let decoder = if bom {
        encoding.new_decoder_with_bom_removal()
    } else {
        encoding.new_decoder_without_bom_handling()
    };
    let (text, _, _) = encoding.decode(&prefix);
    let separator = detect_separator(&text);
    let format = CsvFormat {
        encoding: if encoding == GBK {
            GB18030.name()
        } else {
            encoding.name()
        },
        bom,
        separator,
        decimal_comma: separator != b',' && has_decimal_comma(&text, separator),
    };
    Ok((
        DecodeReader {
            inner: Cursor::new(prefix).chain(input),
            decoder,
            input: vec![0; 16 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            out: vec![0; 64 * 1024],
            out_start: 0,
            out_end: 0,
            finished: false,
        },
        format,
    ))
}

/// The encoding of a file starting with `prefix` (all of it when `complete`), and whether it
/// starts with a byte-order mark.
pub fn detect_encoding(prefix: &[u8], complete: bool) -> (&'static Encoding, bool) {
    if let Some((enc, _)) = Encoding::for_bom(prefix) {
        return (enc, true);
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => return (UTF_8, false),
        // Cut in the middle of a character by the sniff window: still UTF-8.
        Err(e) if e.error_len().is_none() && !complete => return (UTF_8, false),
        Err(_) => {}
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(prefix, complete);
    // Chinese files are read as GB18030, the superset of GBK that encoding_rs decodes GBK with.
    let enc = det.guess(None, true);
    (if enc == GBK { GB18030 } else { enc }, false)
}

/// The separator of the first line: `;` or a tab when they outnumber commas (outside quotes).
fn detect_separator(text: &str) -> u8 {
    let (mut commas, mut semis, mut tabs, mut quoted) = (0, 0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > commas && tabs > semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// Whether any field of the sampled rows is a number with a decimal comma (`49,7`, `-0,5`).
fn has_decimal_comma(text: &str, separator: u8) -> bool {
    text.lines().skip(1).any(|line| {
        line.split(separator as char).any(|f| {
            let f = f.trim().trim_matches('"').trim_start_matches('-');
            matches!(f.split_once(','), Some((a, b)) if !a.is_empty() && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()))
        })
    })
}

/// A reader giving UTF-8 from a file in another encoding; malformed bytes become U+FFFD, as
/// a spreadsheet shows them, rather than stopping the import.
pub struct DecodeReader<R> {
    inner: Chain<Cursor<Vec<u8>>, R>,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            if self.finished {
                return Ok(0);
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.out,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            // The decoder is told of the end once and must not be called after it has flushed.
            self.finished = self.eof && result == encoding_rs::CoderResult::InputEmpty;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> (String, CsvFormat) {
        let (mut r, f) = decode_csv(bytes).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        (s, f)
    }

    #[test]
    fn windows_1251_with_semicolons_and_decimal_commas() {
        let text = "Вид;Широта\nСурок монгольский;49,7\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let (s, f) = decoded(&bytes);
        assert_eq!(s, text);
        assert_eq!(f.encoding, "windows-1251");
        assert_eq!(f.separator, b';');
        assert!(f.decimal_comma);
        assert_eq!(f.number("49,7"), Some(49.7));
    }

    #[test]
    fn utf8_bom_is_removed_and_commas_stay_separators() {
        let (s, f) = decoded("\u{feff}taxon,lat\nVulpes,49.5\n".as_bytes());
        assert_eq!(s, "taxon,lat\nVulpes,49.5\n");
        assert_eq!((f.encoding, f.bom, f.separator), ("UTF-8", true, b','));
        assert!(!f.decimal_comma);
        assert_eq!(f.number("1,5"), None);
    }
}
