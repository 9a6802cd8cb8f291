//! How the revision table keeps ids: a canonical UUID (lower-case, hyphenated, as every
//! laptop and the server write them) as its 16 bytes, anything else as the text it is. The
//! mapping depends on the id alone, so lookups and joins stay exact, and reading gives back
//! the very string that was stored: a revision reads back byte for byte.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::ToSql;

/// An id as a query parameter or a value to store.
pub(crate) struct IdKey<'a>(pub &'a str);

/// The 16 bytes of `id` when it is a canonical UUID.
fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    if id.len() != 36 {
        return None;
    }
    let u = uuid::Uuid::try_parse(id).ok()?;
    let mut buf = [0u8; 36];
    (u.hyphenated().encode_lower(&mut buf).as_bytes() == id.as_bytes()).then(|| u.into_bytes())
}

impl ToSql for IdKey<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match uuid_bytes(self.0) {
            Some(b) => ToSqlOutput::Owned(rusqlite::types::Value::Blob(b.to_vec())),
            None => ToSqlOutput::Borrowed(ValueRef::Text(self.0.as_bytes())),
        })
    }
}

/// An id read from the store.
pub(crate) struct Id(pub String);

impl FromSql for Id {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        match v {
            ValueRef::Blob(b) => {
                let u = uuid::Uuid::from_slice(b).map_err(|e| FromSqlError::Other(e.into()))?;
                Ok(Id(u.hyphenated().to_string()))
            }
            ValueRef::Text(t) => String::from_utf8(t.to_vec())
                .map(Id)
                .map_err(|e| FromSqlError::Other(e.into())),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// An id as a dynamic query value (for queries built at run time).
pub(crate) fn key_value(id: &str) -> rusqlite::types::Value {
    match uuid_bytes(id) {
        Some(b) => rusqlite::types::Value::Blob(b.to_vec()),
        None => rusqlite::types::Value::Text(id.to_string()),
    }
}

/// An id column read without allocating: a UUID's bytes written out into `buf`, text as it
/// is; None for NULL or anything that is not an id.
pub(crate) fn id_str<'a>(v: ValueRef<'a>, buf: &'a mut [u8; 36]) -> Option<&'a str> {
    match v {
        ValueRef::Blob(b) => {
            let u = uuid::Uuid::from_slice(b).ok()?;
            Some(u.hyphenated().encode_lower(buf))
        }
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// Reads column `i` as an id, if it is not NULL.
pub(crate) fn opt_id_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(r.get::<_, Option<Id>>(i)?.map(|id| id.0))
}

/// Reads column `i` as an id.
pub(crate) fn id_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    Ok(r.get::<_, Id>(i)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uuids_are_bytes_and_every_id_reads_back_as_written() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t(id BLOB)").unwrap();
        let ids = [
            "01a22ea3-657d-708d-a9fb-86f3dab00f99",
            "01A22EA3-657D-708D-A9FB-86F3DAB00F99",
            "01a22ea3657d708da9fb86f3dab00f99",
            "{01a22ea3-657d-708d-a9fb-86f3dab00f99}",
            "seed:taxon:1",
            "",
            "达乌尔",
        ];
        for id in ids {
            c.execute("INSERT INTO t VALUES (?1)", [IdKey(id)]).unwrap();
        }
        let kinds: Vec<String> = c
            .prepare("SELECT typeof(id) FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kinds[0], "blob");
        assert!(kinds[1..].iter().all(|k| k == "text"), "{kinds:?}");
        for id in ids {
            let back: String = c
                .query_row("SELECT id FROM t WHERE id = ?1", [IdKey(id)], |r| {
                    id_column(r, 0)
                })
                .unwrap();
            assert_eq!(back, id);
        }
    }
}
