//! How schema 2 keeps ids and hashes: a canonical lower-case UUID as its 16 bytes and a
//! lower-case hex SHA-256 as its 32 bytes; anything else (an id some older or buggy laptop
//! made up, a damaged hash) is kept as its text, so no revision is ever refused or altered
//! for its ids and every one reads back exactly as it was sent.
//!
//! SQLite tells the two apart by the value's type (a BLOB is the binary form, TEXT is the
//! text); PostgreSQL keeps both in one `bytea` column, the text as its UTF-8 bytes with a 0xFF
//! byte after it when that would make it exactly as long as the binary form (UTF-8 never ends
//! in 0xFF). The same rules are written in SQL for the migration and for the `change` view's
//! insert trigger ([`sqlite_encode`], [`POSTGRES_FUNCTIONS`]).

use rusqlite::types::{ToSql, ToSqlOutput, Value, ValueRef};

/// The two kinds of value schema 2 keeps in binary when they are in their canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case hex: 16 bytes.
    Uuid,
    /// 64 lower-case hex digits: 32 bytes.
    Sha256,
}

impl Form {
    fn len(self) -> usize {
        match self {
            Form::Uuid => 16,
            Form::Sha256 => 32,
        }
    }
}

fn lower_hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// The binary form of `s`, or None when `s` is not canonical for `form`.
pub fn binary(s: &str, form: Form) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let digits: Vec<u8> = match form {
        Form::Uuid => {
            if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
                return None;
            }
            b.iter().copied().filter(|&c| c != b'-').collect()
        }
        Form::Sha256 => b.to_vec(),
    };
    if digits.len() != form.len() * 2 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| Some(lower_hex(p[0])? << 4 | lower_hex(p[1])?))
        .collect()
}

/// The text of a binary form.
pub fn text_of(bytes: &[u8], form: Form) -> String {
    let h = hex::encode(bytes);
    match form {
        Form::Uuid => format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ),
        Form::Sha256 => h,
    }
}

/// A value as SQLite keeps it: the binary form as a BLOB, anything else as TEXT.
pub struct Sq<'a>(pub &'a str, pub Form);

impl ToSql for Sq<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match binary(self.0, self.1) {
            Some(b) => ToSqlOutput::Owned(Value::Blob(b)),
            None => ToSqlOutput::Borrowed(ValueRef::Text(self.0.as_bytes())),
        })
    }
}

/// A UUID-shaped id as SQLite keeps it.
pub fn sq_id(s: &str) -> Sq<'_> {
    Sq(s, Form::Uuid)
}

/// Reads back a value SQLite keeps with [`Sq`].
pub fn from_sqlite(v: ValueRef<'_>, form: Form) -> rusqlite::Result<String> {
    match v {
        ValueRef::Blob(b) if b.len() == form.len() => Ok(text_of(b, form)),
        ValueRef::Text(t) => Ok(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        ValueRef::Integer(i) => Ok(i.to_string()),
        ValueRef::Real(f) => Ok(f.to_string()),
        ValueRef::Null => Ok(String::new()),
    }
}

/// Reads column `i` of a row as a UUID-shaped id.
pub fn sq_get_id(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    from_sqlite(r.get_ref(i)?, Form::Uuid)
}

/// A value as PostgreSQL keeps it (see the module's documentation).
pub fn pg_bytes(s: &str, form: Form) -> Vec<u8> {
    match binary(s, form) {
        Some(b) => b,
        None => {
            let mut b = s.as_bytes().to_vec();
            if b.len() == form.len() {
                b.push(0xFF);
            }
            b
        }
    }
}

/// A UUID-shaped id as PostgreSQL keeps it.
pub fn pg_id(s: &str) -> Vec<u8> {
    pg_bytes(s, Form::Uuid)
}

/// Reads back a value PostgreSQL keeps with [`pg_bytes`].
pub fn from_pg(b: &[u8], form: Form) -> String {
    if b.len() == form.len() {
        return text_of(b, form);
    }
    let t = match b.last() {
        Some(0xFF) => &b[..b.len() - 1],
        _ => b,
    };
    String::from_utf8_lossy(t).into_owned()
}

/// The SQL (SQLite) for the stored form of the text expression `x`, as [`Sq`] makes it.
pub fn sqlite_encode(x: &str, form: Form) -> String {
    let hex = "[0-9a-f]";
    match form {
        Form::Uuid => {
            let g = |n: usize| hex.repeat(n);
            let pattern = format!("{}-{}-{}-{}-{}", g(8), g(4), g(4), g(4), g(12));
            format!(
                "(CASE WHEN typeof({x}) = 'text' AND {x} GLOB '{pattern}' \
                 THEN unhex(replace({x}, '-', '')) ELSE {x} END)"
            )
        }
        Form::Sha256 => format!(
            "(CASE WHEN typeof({x}) = 'text' AND {x} GLOB '{}' THEN unhex({x}) ELSE {x} END)",
            hex.repeat(64)
        ),
    }
}

/// The same rules in PostgreSQL: `dauria_id(text)` and `dauria_sha(text)` give the stored
/// form, `dauria_id_text(bytea)` and `dauria_sha_text(bytea)` read it back.
pub const POSTGRES_FUNCTIONS: &str = r#"
CREATE OR REPLACE FUNCTION dauria_id(t TEXT) RETURNS BYTEA LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN t ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      THEN decode(replace(t, '-', ''), 'hex')
    WHEN octet_length(t) = 16 THEN convert_to(t, 'UTF8') || '\xff'::bytea
    ELSE convert_to(t, 'UTF8') END
$$;
CREATE OR REPLACE FUNCTION dauria_sha(t TEXT) RETURNS BYTEA LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN t ~ '^[0-9a-f]{64}$' THEN decode(t, 'hex')
    WHEN octet_length(t) = 32 THEN convert_to(t, 'UTF8') || '\xff'::bytea
    ELSE convert_to(t, 'UTF8') END
$$;
CREATE OR REPLACE FUNCTION dauria_text(b BYTEA, n INT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN length(b) = n THEN NULL
    WHEN length(b) = 0 THEN ''
    WHEN get_byte(b, length(b) - 1) = 255 THEN convert_from(substring(b FROM 1 FOR length(b) - 1), 'UTF8')
    ELSE convert_from(b, 'UTF8') END
$$;
CREATE OR REPLACE FUNCTION dauria_id_text(b BYTEA) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(dauria_text(b, 16), encode(b, 'hex')::uuid::text)
$$;
CREATE OR REPLACE FUNCTION dauria_sha_text(b BYTEA) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT coalesce(dauria_text(b, 32), encode(b, 'hex'))
$$;
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_values_are_binary_and_everything_reads_back() {
        let id = "0190f5e2-7c1a-7b3e-9f00-0123456789ab";
        assert_eq!(binary(id, Form::Uuid).unwrap().len(), 16);
        for s in [
            id,
            "0190F5E2-7C1A-7B3E-9F00-0123456789AB",
            "0190f5e27c1a7b3e9f000123456789ab",
            "seed-taxon-1",
            "exactly16bytes!!",
            "",
            "ünïcödé",
        ] {
            let b = pg_bytes(s, Form::Uuid);
            assert_eq!(from_pg(&b, Form::Uuid), s, "{s}");
        }
        assert!(binary("0190F5E2-7C1A-7B3E-9F00-0123456789AB", Form::Uuid).is_none());
        let sha = "ab".repeat(32);
        assert_eq!(pg_bytes(&sha, Form::Sha256).len(), 32);
        assert_eq!(from_pg(&pg_bytes(&sha, Form::Sha256), Form::Sha256), sha);
        let odd = "x".repeat(32);
        assert_eq!(from_pg(&pg_bytes(&odd, Form::Sha256), Form::Sha256), odd);
    }
}
