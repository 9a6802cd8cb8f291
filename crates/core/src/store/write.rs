//! The write path: one revision + current-state row + outbox op per write, in one transaction.

use super::current::{self, Winner};
use super::{set_meta, Store};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::model::{Body, Kind};
use crate::validate::{validate, FieldError};
use dauria_proto::{Revision, MIN_SCHEMA_VERSION, SCHEMA_VERSION};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

/// What a local write produced.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Saved {
    pub id: String,
    pub rev_id: String,
    pub device_seq: u64,
}

/// What applying revisions from elsewhere did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub applied: usize,
    pub duplicates: usize,
    /// Revisions that were malformed and not stored: (rev_id, reason).
    pub rejected: Vec<(String, String)>,
}

/// A transaction of local writes. Dropped without [`Batch::commit`], nothing is kept.
pub struct Batch<'s> {
    tx: Transaction<'s>,
    device_id: &'s str,
    clock: &'s mut Hlc,
    clock_offset_ms: i64,
    next_seq: u64,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl<'s> Batch<'s> {
    /// Creates a new record.
    pub fn create(&mut self, body: &Body) -> Result<Saved> {
        self.check(body)?;
        let id = uuid::Uuid::now_v7().to_string();
        self.append(&id, body.kind(), &[], 1, Some(body), true)
    }

    /// Creates a new record from a body the caller has already validated against this store
    /// (bulk import resolves taxa and sites itself).
    pub fn create_trusted(&mut self, body: &Body) -> Result<Saved> {
        let id = uuid::Uuid::now_v7().to_string();
        self.append(&id, body.kind(), &[], 1, Some(body), true)
    }

    /// Writes a new revision of `id` on top of `parent_rev`.
    ///
    /// If `parent_rev` is no longer a head (someone else edited meanwhile) the record ends up
    /// in conflict rather than losing either edit.
    pub fn update(&mut self, id: &str, parent_rev: &str, body: &Body) -> Result<Saved> {
        self.check(body)?;
        let (kind, generation) = self.parent(id, parent_rev)?;
        if kind != body.kind() {
            return Err(Error::invalid(
                "kind",
                "mismatch",
                format!(
                    "record {id} is a {} , not a {}",
                    kind.as_str(),
                    body.kind().as_str()
                ),
            ));
        }
        self.append(
            id,
            kind,
            &[parent_rev.to_string()],
            generation + 1,
            Some(body),
            false,
        )
    }

    /// Deletes `id` with a tombstone revision on top of `parent_rev`.
    pub fn delete(&mut self, id: &str, parent_rev: &str) -> Result<Saved> {
        let (kind, generation) = self.parent(id, parent_rev)?;
        self.append(
            id,
            kind,
            &[parent_rev.to_string()],
            generation + 1,
            None,
            false,
        )
    }

    /// Resolves a conflict: a revision whose parents are all current heads. `None` deletes.
    pub fn merge(&mut self, id: &str, body: Option<&Body>) -> Result<Saved> {
        let heads = current::heads(&self.tx, id)?;
        if heads.is_empty() {
            return Err(Error::NotFound(format!("no record with id {id}")));
        }
        let mut kind = None;
        let mut generation = 0;
        for h in &heads {
            let (k, g) = self.parent(id, h)?;
            kind = Some(k);
            generation = generation.max(g);
        }
        let kind = kind.expect("heads is not empty");
        if let Some(b) = body {
            self.check(b)?;
            if b.kind() != kind {
                return Err(Error::invalid(
                    "kind",
                    "mismatch",
                    "merged body is of another kind",
                ));
            }
        }
        self.append(id, kind, &heads, generation + 1, body, false)
    }

    /// Makes the transaction durable.
    pub fn commit(self) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }

    /// Validates a body and the records it refers to.
    fn check(&self, body: &Body) -> Result<()> {
        let mut errs = match validate(body) {
            Ok(()) => Vec::new(),
            Err(e) => e,
        };
        if let Body::Observation(o) = body {
            if let Some(t) = &o.taxon {
                if !self.exists(t, Kind::Taxon)? {
                    errs.push(FieldError::new(
                        "taxon",
                        "unknown_taxon",
                        format!("no taxon with id {t} on the checklist"),
                    ));
                }
            }
            if let Some(s) = &o.site {
                if !self.exists(s, Kind::Site)? {
                    errs.push(FieldError::new(
                        "site",
                        "unknown_site",
                        format!("no site with id {s}"),
                    ));
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errs))
        }
    }

    fn exists(&self, id: &str, kind: Kind) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM record WHERE id = ?1 AND kind = ?2 AND deleted = 0")?
            .query_row([id, kind.as_str()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The kind and generation of a revision of `id`.
    fn parent(&self, id: &str, rev: &str) -> Result<(Kind, u32)> {
        let row: Option<(String, u32)> = self
            .tx
            .prepare_cached(
                "SELECT kind, generation FROM revision WHERE rev_id = ?1 AND record_id = ?2",
            )?
            .query_row([rev, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (kind, generation) =
            row.ok_or_else(|| Error::NotFound(format!("record {id} has no revision {rev}")))?;
        Ok((
            Kind::parse(&kind).expect("stored kinds are valid"),
            generation,
        ))
    }

    fn append(
        &mut self,
        id: &str,
        kind: Kind,
        parents: &[String],
        generation: u32,
        body: Option<&Body>,
        fresh: bool,
    ) -> Result<Saved> {
        let rev_id = uuid::Uuid::now_v7().to_string();
        let json = body.map(Body::to_json);
        let sha = json
            .as_deref()
            .map(|j| sha256_hex(j.as_bytes()))
            .unwrap_or_default();
        let hlc = self.clock.tick(now_ms() + self.clock_offset_ms).to_string();
        let device_seq = self.next_seq;
        let parents_json = serde_json::to_string(parents).expect("strings serialise");
        self.tx
            .prepare_cached(
                "INSERT INTO revision(rev_id, record_id, kind, parents, generation, device_id,
                   device_seq, hlc, schema_version, deleted, body, body_sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                rev_id,
                id,
                kind.as_str(),
                parents_json,
                generation,
                self.device_id,
                device_seq,
                hlc,
                SCHEMA_VERSION,
                body.is_none(),
                json,
                sha
            ])?;
        let rev_seq = self.tx.last_insert_rowid();
        self.tx
            .prepare_cached("INSERT INTO outbox(device_seq, rev_seq) VALUES (?1, ?2)")?
            .execute(params![device_seq, rev_seq])?;
        self.next_seq += 1;
        integrate(&self.tx, id, kind, &rev_id, parents, body, fresh)?;
        Ok(Saved {
            id: id.to_string(),
            rev_id,
            device_seq,
        })
    }
}

/// Inserts parent links and recomputes the record's heads and current row after a new revision.
fn integrate(
    tx: &Transaction<'_>,
    id: &str,
    kind: Kind,
    rev_id: &str,
    parents: &[String],
    body: Option<&Body>,
    fresh: bool,
) -> Result<()> {
    if fresh {
        let winner = Winner {
            rev_id,
            deleted: body.is_none(),
            body,
        };
        return current::write(tx, id, kind, &winner, &[], true);
    }
    {
        let mut link = tx.prepare_cached(
            "INSERT OR IGNORE INTO rev_parent(parent_id, rev_id) VALUES (?1, ?2)",
        )?;
        for p in parents {
            link.execute([p.as_str(), rev_id])?;
        }
    }
    // Arrived after one of its descendants: the heads do not change.
    let superseded = tx
        .prepare_cached("SELECT 1 FROM rev_parent WHERE parent_id = ?1 LIMIT 1")?
        .query_row([rev_id], |_| Ok(()))
        .optional()?
        .is_some();
    if superseded {
        return Ok(());
    }
    let mut heads = current::heads(tx, id)?;
    heads.retain(|h| !parents.contains(h) && h != rev_id);
    heads.push(rev_id.to_string());
    // Provisional winner: a live head over a tombstone, then the longer history, then rev_id.
    // Deterministic on every replica; never wall-clock time.
    let mut ranked = Vec::with_capacity(heads.len());
    for h in &heads {
        let (deleted, generation): (bool, u32) = tx
            .prepare_cached("SELECT deleted, generation FROM revision WHERE rev_id = ?1")?
            .query_row([h], |r| Ok((r.get(0)?, r.get(1)?)))?;
        ranked.push((!deleted, generation, h.clone()));
    }
    ranked.sort();
    let (live, _, winner_id) = ranked.pop().expect("at least the new revision");
    let others: Vec<String> = ranked.into_iter().map(|(_, _, h)| h).collect();
    let loaded;
    let winner_body = if winner_id == rev_id {
        body
    } else if live {
        let json: String = tx
            .prepare_cached("SELECT body FROM revision WHERE rev_id = ?1")?
            .query_row([&winner_id], |r| r.get(0))?;
        loaded = Body::from_json(kind, &json).map_err(|e| Error::BadRevision {
            rev_id: winner_id.clone(),
            reason: e.to_string(),
        })?;
        Some(&loaded)
    } else {
        None
    };
    let winner = Winner {
        rev_id: &winner_id,
        deleted: !live,
        body: winner_body,
    };
    current::write(tx, id, kind, &winner, &others, false)
}

impl Store {
    /// Starts a transaction of local writes.
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let next_seq: u64 = tx.query_row(
            "SELECT coalesce(max(device_seq), 0) + 1 FROM outbox",
            [],
            |r| r.get(0),
        )?;
        Ok(Batch {
            tx,
            device_id: &self.device_id,
            clock: &mut self.clock,
            clock_offset_ms: self.clock_offset_ms,
            next_seq,
        })
    }

    /// Creates a record in its own transaction.
    pub fn create(&mut self, body: &Body) -> Result<Saved> {
        let mut b = self.batch()?;
        let s = b.create(body)?;
        b.commit()?;
        Ok(s)
    }

    /// Edits a record in its own transaction (see [`Batch::update`]).
    pub fn update(&mut self, id: &str, parent_rev: &str, body: &Body) -> Result<Saved> {
        let mut b = self.batch()?;
        let s = b.update(id, parent_rev, body)?;
        b.commit()?;
        Ok(s)
    }

    /// Deletes a record in its own transaction (see [`Batch::delete`]).
    pub fn delete(&mut self, id: &str, parent_rev: &str) -> Result<Saved> {
        let mut b = self.batch()?;
        let s = b.delete(id, parent_rev)?;
        b.commit()?;
        Ok(s)
    }

    /// Merges a record's heads in its own transaction (see [`Batch::merge`]).
    pub fn merge(&mut self, id: &str, body: Option<&Body>) -> Result<Saved> {
        let mut b = self.batch()?;
        let s = b.merge(id, body)?;
        b.commit()?;
        Ok(s)
    }

    /// Applies revisions written elsewhere (a pulled page) and stores `meta` pairs (the page's
    /// cursor) in the same transaction. Revisions already known are counted as duplicates;
    /// malformed ones are skipped and listed in the report, so one bad op never blocks a page.
    pub fn apply_remote(
        &mut self,
        revs: &[Revision],
        meta: &[(&str, &str)],
    ) -> Result<ApplyReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = ApplyReport::default();
        let mut newest = self.clock;
        for rev in revs {
            let known = tx
                .prepare_cached("SELECT 1 FROM revision WHERE rev_id = ?1")?
                .query_row([&rev.rev_id], |_| Ok(()))
                .optional()?
                .is_some();
            if known {
                report.duplicates += 1;
                continue;
            }
            let (kind, body) = match check_remote(rev) {
                Ok(v) => v,
                Err(e) => {
                    report.rejected.push((rev.rev_id.clone(), e.to_string()));
                    continue;
                }
            };
            tx.prepare_cached(
                "INSERT INTO revision(rev_id, record_id, kind, parents, generation, device_id,
                   device_seq, hlc, schema_version, deleted, body, body_sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                rev.rev_id,
                rev.record_id,
                rev.kind,
                serde_json::to_string(&rev.parents).expect("strings serialise"),
                rev.generation,
                rev.device_id,
                rev.device_seq,
                rev.hlc,
                rev.schema_version,
                rev.deleted,
                rev.body.as_ref().map(|b| b.get()),
                rev.body_sha256
            ])?;
            let fresh = rev.parents.is_empty() && current::heads(&tx, &rev.record_id)?.is_empty();
            integrate(
                &tx,
                &rev.record_id,
                kind,
                &rev.rev_id,
                &rev.parents,
                body.as_ref(),
                fresh,
            )?;
            if let Some(h) = Hlc::parse(&rev.hlc) {
                newest.observe(h, now_ms() + self.clock_offset_ms);
            }
            report.applied += 1;
        }
        if newest != self.clock {
            set_meta(&tx, "hlc_seen", &newest.to_string())?;
        }
        for (k, v) in meta {
            set_meta(&tx, k, v)?;
        }
        tx.commit()?;
        self.clock = newest;
        Ok(report)
    }
}

/// Checks a revision from elsewhere: known kind, supported schema, body hash, parseable body.
pub fn check_remote(rev: &Revision) -> Result<(Kind, Option<Body>)> {
    let bad = |reason: String| Error::BadRevision {
        rev_id: rev.rev_id.clone(),
        reason,
    };
    let kind = Kind::parse(&rev.kind).ok_or_else(|| bad(format!("unknown kind '{}'", rev.kind)))?;
    if !(MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&rev.schema_version) {
        return Err(bad(format!(
            "unsupported schema version {}",
            rev.schema_version
        )));
    }
    match (&rev.body, rev.deleted) {
        (None, true) => Ok((kind, None)),
        (Some(b), false) => {
            let sha = sha256_hex(b.get().as_bytes());
            if sha != rev.body_sha256 {
                return Err(bad("body does not match its SHA-256".to_string()));
            }
            let body = Body::from_json(kind, b.get()).map_err(|e| bad(e.to_string()))?;
            Ok((kind, Some(body)))
        }
        (Some(_), true) => Err(bad("a tombstone must not carry a body".to_string())),
        (None, false) => Err(bad("a live revision must carry a body".to_string())),
    }
}
