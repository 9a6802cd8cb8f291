//! How the store keeps a revision's body: packed with zstd against a dictionary of typical
//! bodies, so the field names, nulls and common values every body repeats cost a few bits
//! instead of most of its bytes.
//!
//! The packed form is a BLOB: one tag byte naming the dictionary, then a zstd frame (with the
//! body's length, without a checksum or dictionary id). A body kept as TEXT (stores from before
//! schema 3) is read as it is. Unpacking gives back the exact bytes that were packed, so a
//! revision's SHA-256 and the JSON the wire carries never change.
//!
//! `bodies-1.dict` is part of the store format: stores hold bodies packed against it, so it
//! must never change. A better dictionary gets a new tag and file, and tag 1 stays readable.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, Value, ValueRef};
use rusqlite::ToSql;
use std::cell::RefCell;
use zstd::bulk::{Compressor, Decompressor};
use zstd::zstd_safe::CParameter;

/// Tag byte of a body packed with zstd against [`DICT_1`].
const TAG_ZSTD_DICT_1: u8 = 1;
/// Raw-content dictionary: bodies of each kind as the app writes them.
const DICT_1: &[u8] = include_bytes!("bodies-1.dict");
/// zstd level: 3 packs observations about as small as 19 at a tenth of the time.
const LEVEL: i32 = 3;
/// The largest body unpacked (the server refuses bigger revisions long before this).
const MAX_BODY: usize = 64 << 20;

struct Codec {
    packer: Compressor<'static>,
    unpacker: Decompressor<'static>,
}

impl Codec {
    fn new() -> std::io::Result<Codec> {
        let mut packer = Compressor::with_dictionary(LEVEL, DICT_1)?;
        packer.set_parameter(CParameter::DictIdFlag(false))?;
        packer.set_parameter(CParameter::ChecksumFlag(false))?;
        packer.set_parameter(CParameter::ContentSizeFlag(true))?;
        Ok(Codec {
            packer,
            unpacker: Decompressor::with_dictionary(DICT_1)?,
        })
    }
}

thread_local! {
    static CODEC: RefCell<Option<Codec>> = const { RefCell::new(None) };
}

fn with_codec<T>(f: impl FnOnce(&mut Codec) -> std::io::Result<T>) -> std::io::Result<T> {
    CODEC.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(Codec::new()?);
        }
        f(c.as_mut().expect("made above"))
    })
}

/// The packed form of a body.
pub(crate) fn pack(json: &str) -> Value {
    let packed = with_codec(|c| {
        let frame = c.packer.compress(json.as_bytes())?;
        let mut out = Vec::with_capacity(frame.len() + 1);
        out.push(TAG_ZSTD_DICT_1);
        out.extend_from_slice(&frame);
        Ok(Value::Blob(out))
    });
    // zstd fails only when it cannot allocate: the body is then kept as text.
    packed.unwrap_or_else(|_| Value::Text(json.to_string()))
}

/// Unpacks a stored body: TEXT as it is, a packed BLOB by its tag.
pub(crate) fn unpack(v: ValueRef<'_>) -> FromSqlResult<String> {
    match v {
        ValueRef::Text(t) => {
            String::from_utf8(t.to_vec()).map_err(|e| FromSqlError::Other(e.into()))
        }
        ValueRef::Blob(b) => match b.split_first() {
            Some((&TAG_ZSTD_DICT_1, frame)) => {
                let size = zstd::zstd_safe::get_frame_content_size(frame)
                    .ok()
                    .flatten()
                    .filter(|&n| n as usize <= MAX_BODY)
                    .ok_or_else(|| FromSqlError::Other("a packed body without its length".into()))?
                    as usize;
                let bytes = with_codec(|c| c.unpacker.decompress(frame, size))
                    .map_err(|e| FromSqlError::Other(e.into()))?;
                String::from_utf8(bytes).map_err(|e| FromSqlError::Other(e.into()))
            }
            Some((tag, _)) => Err(FromSqlError::Other(
                format!("a body packed in an unknown way (tag {tag}): written by a newer version")
                    .into(),
            )),
            None => Err(FromSqlError::Other("an empty packed body".into())),
        },
        _ => Err(FromSqlError::InvalidType),
    }
}

/// A body to store, packed.
pub(crate) struct Packed<'a>(pub &'a str);

impl ToSql for Packed<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(pack(self.0)))
    }
}

/// A stored body, unpacked.
pub(crate) struct BodyText(pub String);

impl FromSql for BodyText {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        unpack(v).map(BodyText)
    }
}

/// A stored body or none (a tombstone), unpacked.
pub(crate) fn body_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(r.get::<_, Option<BodyText>>(i)?.map(|b| b.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(json: &str) -> Vec<u8> {
        match pack(json) {
            Value::Blob(b) => b,
            v => panic!("not packed: {v:?}"),
        }
    }

    #[test]
    fn packed_bodies_unpack_to_the_same_bytes_and_text_reads_as_it_is() {
        let bodies = [
            r#"{"visit":null,"site":null,"taxon":"1deb70a1-e599-551d-9127-7ced88d4345c","taxon_name":null,"count":3,"count_min":null,"count_max":null,"unit":"individuals","sex":null,"age":null,"behaviour":null,"lat":49.7,"lon":115.1,"uncertainty_m":10.0,"observed_at":"2025-06-01T07:30:00+08:00","observers":["Bat-Erdene","Иванова"],"detection_method":"visual","notes":"near the burrows","photos":[]}"#,
            "{}",
            "",
            "{\"name\":\"达乌尔黄鼠\",\"x\":\"\\u0000\"}",
        ];
        for b in bodies {
            let p = packed(b);
            assert_eq!(p[0], TAG_ZSTD_DICT_1);
            assert_eq!(unpack(ValueRef::Blob(&p)).unwrap(), b);
            assert_eq!(unpack(ValueRef::Text(b.as_bytes())).unwrap(), b);
        }
        let long = "x".repeat(1 << 20);
        assert_eq!(unpack(ValueRef::Blob(&packed(&long))).unwrap(), long);
        // The dictionary is what makes a typical body small.
        let small = packed(bodies[0]).len();
        assert!(small * 3 < bodies[0].len(), "{small} bytes");
    }

    #[test]
    fn damaged_or_unknown_packed_bodies_are_errors_not_garbage() {
        let mut p = packed(r#"{"notes":"a"}"#);
        p[0] = 9;
        assert!(unpack(ValueRef::Blob(&p)).is_err());
        assert!(unpack(ValueRef::Blob(&[])).is_err());
        assert!(unpack(ValueRef::Blob(&[TAG_ZSTD_DICT_1, 1, 2, 3])).is_err());
        let mut cut = packed(&"y".repeat(5000));
        cut.truncate(cut.len() / 2);
        assert!(unpack(ValueRef::Blob(&cut)).is_err());
    }
}
