//! Migration 4: schema 2 of the local store (`migrations/004_schema2.sql` makes the tables).
//!
//! The rows are copied here, in the migration's transaction, because the copy needs SHA-256:
//! a revision's `body_sha256` is kept only where it is not the hash of its body, and an import
//! source that is a row hash is kept as its 32 bytes. Then the schema-1 tables are dropped and
//! the new ones take their names. rusqlite_migration commits this with `user_version` 4, so a
//! store killed half-way through is still schema 1 and migrates again when next opened.

use rusqlite::types::Value;
use rusqlite::{params, Transaction};
use sha2::{Digest, Sha256};

/// The SHA-256 of a body, in hex, as revisions carry it.
pub(crate) fn body_hash(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// What `revision.body_sha256` stores for a revision: nothing when it is the hash of its body.
pub(crate) fn stored_hash<'a>(body: Option<&str>, sha: &'a str) -> Option<&'a str> {
    match body {
        Some(b) if sha.is_empty() || sha == body_hash(b) => None,
        _ => Some(sha),
    }
}

/// `revision.body_sha256` as the wire carries it.
pub(crate) fn read_hash(body: Option<&str>, stored: Option<String>) -> String {
    match (stored, body) {
        (Some(s), _) => s,
        (None, Some(b)) => body_hash(b),
        (None, None) => String::new(),
    }
}

/// How `import_source.source_id` stores an identifier: a row hash (`sha256:` and 64 lower-case
/// hex digits) as its 32 bytes, anything else as text.
pub(crate) fn source_key(source_id: &str) -> Value {
    if let Some(hex) = source_id.strip_prefix("sha256:") {
        if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            if let Ok(bytes) = hex::decode(hex) {
                return Value::Blob(bytes);
            }
        }
    }
    Value::Text(source_id.to_string())
}

/// Copies the schema-1 rows into the schema-2 tables and puts these in their place.
pub(crate) fn copy(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    {
        let mut read = tx.prepare(
            "SELECT seq, rev_id, record_id, kind, parents, generation, device_id, device_seq,
                    hlc, schema_version, deleted, body, body_sha256 FROM revision ORDER BY seq",
        )?;
        let mut write = tx.prepare(
            "INSERT INTO revision_v2 (seq, rev_id, record_id, kind, parents, generation,
               device_id, device_seq, hlc, schema_version, deleted, body, body_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            let body: Option<String> = r.get(11)?;
            let sha: String = r.get(12)?;
            write.execute(params![
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, i64>(10)?,
                body,
                stored_hash(body.as_deref(), &sha),
            ])?;
        }
    }
    {
        let mut read = tx.prepare("SELECT dataset, source_id, record_id FROM import_source")?;
        let mut write = tx.prepare(
            "INSERT INTO import_source_v2 (dataset, source_id, record_id) VALUES (?1, ?2, ?3)",
        )?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            let source: String = r.get(1)?;
            write.execute(params![
                r.get::<_, String>(0)?,
                source_key(&source),
                r.get::<_, String>(2)?
            ])?;
        }
    }
    // outbox.rev_seq refers to revision(seq) by name, so it refers to the new table once that
    // has the name; the migration checks every foreign key before it commits.
    tx.execute_batch(
        "DROP TABLE revision;
         ALTER TABLE revision_v2 RENAME TO revision;
         CREATE INDEX revision_record ON revision(record_id);
         DROP TABLE import_source;
         ALTER TABLE import_source_v2 RENAME TO import_source;",
    )?;
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        return Err(rusqlite_migration::HookError::Hook(format!(
            "{broken} rows refer to rows the copy lost"
        )));
    }
    Ok(())
}

/// Migration 5: packs every revision body still kept as JSON text, a few thousand at a time.
pub(crate) fn pack_bodies(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    let mut read = tx.prepare(
        "SELECT seq, body FROM revision WHERE seq > ?1 AND typeof(body) = 'text'
         ORDER BY seq LIMIT 4096",
    )?;
    let mut write = tx.prepare("UPDATE revision SET body = ?2 WHERE seq = ?1")?;
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, String)> = read
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(&(last, _)) = page.last() else {
            return Ok(());
        };
        for (seq, body) in &page {
            write.execute(params![seq, super::packed::Packed(body)])?;
        }
        after = last;
    }
}

/// Migration 7: the revision table's ids as 16 bytes where they are canonical UUIDs.
pub(crate) fn ids_as_bytes(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    rewrite_ids(
        tx,
        &[("revision", &["seq"], &["rev_id", "record_id", "device_id"])],
    )
}

/// Migration 8: the current-state tables' ids as 16 bytes where they are canonical UUIDs.
pub(crate) fn current_ids_as_bytes(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    // The species tally's ids are its key: a row rewritten moves on in key order and is read
    // once more, unchanged the second time.
    rewrite_ids(
        tx,
        &[
            ("record", &["rowid"], &["id", "rev_id"]),
            (
                "observation",
                &["rowid_"],
                &["id", "visit_id", "site_id", "taxon_id"],
            ),
            (
                "species_tally",
                &["site_key", "taxon_key"],
                &["site_key", "taxon_key"],
            ),
            ("import_source", &["dataset", "source_id"], &["record_id"]),
        ],
    )
}

/// (table, its key columns, the id columns to rewrite).
type IdColumns<'a> = (&'a str, &'a [&'a str], &'a [&'a str]);

/// Rewrites id columns as [`super::ids`] keeps them, a few thousand rows at a time in each
/// table's key order; only rows with an id that changes are written.
fn rewrite_ids(tx: &Transaction<'_>, tables: &[IdColumns<'_>]) -> rusqlite_migration::HookResult {
    for &(table, keys, cols) in tables {
        let n = keys.len();
        let key_list = keys.join(", ");
        let params: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        let mut first = tx.prepare(&format!(
            "SELECT {key_list}, {} FROM {table} ORDER BY {key_list} LIMIT 4096",
            cols.join(", ")
        ))?;
        let mut next = tx.prepare(&format!(
            "SELECT {key_list}, {} FROM {table} WHERE ({key_list}) > ({}) ORDER BY {key_list}
             LIMIT 4096",
            cols.join(", "),
            params.join(", ")
        ))?;
        let sets: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", n + i + 1))
            .collect();
        let wheres: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k} = ?{}", i + 1))
            .collect();
        let mut write = tx.prepare(&format!(
            "UPDATE {table} SET {} WHERE {}",
            sets.join(", "),
            wheres.join(" AND ")
        ))?;
        let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Vec<Value>> {
            (0..n + cols.len()).map(|i| r.get::<_, Value>(i)).collect()
        };
        let mut after: Option<Vec<Value>> = None;
        loop {
            let page: Vec<Vec<Value>> = match &after {
                None => first
                    .query_map([], read)?
                    .collect::<rusqlite::Result<_>>()?,
                Some(k) => next
                    .query_map(rusqlite::params_from_iter(k), read)?
                    .collect::<rusqlite::Result<_>>()?,
            };
            let Some(last) = page.last() else {
                break;
            };
            let last_key = last[..n].to_vec();
            for row in &page {
                let mut args: Vec<Value> = row[..n].to_vec();
                let mut changed = false;
                for v in &row[n..] {
                    args.push(match v {
                        Value::Text(t) => {
                            let k = super::ids::key_value(t);
                            changed |= matches!(k, Value::Blob(_));
                            k
                        }
                        other => other.clone(),
                    });
                }
                if changed {
                    write.execute(rusqlite::params_from_iter(args))?;
                }
            }
            after = Some(last_key);
        }
    }
    Ok(())
}
