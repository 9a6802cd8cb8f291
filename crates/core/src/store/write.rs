//! The write path: one revision + current-state row + outbox op per write, in one transaction.

use super::current::{self, Derived, Winner};
use super::ids::{id_column, IdKey};
use super::packed::{BodyText, Packed};
use super::{set_meta, Store};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::model::{Body, Kind};
use crate::trust;
use crate::validate::{validate, FieldError};
use dauria_proto::{Revision, Role};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
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
    derived: Derived,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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

    /// Creates records from bodies the caller has already validated against this store, as one
    /// chunk of a bulk write (an import): each is a revision, an outbox op and a current row as
    /// with [`Batch::create_trusted`], and the species tally is written once per (site, taxon)
    /// group of the chunk instead of once per record.
    pub fn create_trusted_chunk(&mut self, bodies: &[Body]) -> Result<()> {
        for body in bodies {
            let id = uuid::Uuid::now_v7().to_string();
            self.append(&id, body.kind(), &[], 1, Some(body), true)?;
        }
        self.derived.flush(&self.tx)
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

    /// Whether a row with this identifier was imported from this dataset before.
    pub fn imported_before(&self, dataset: &str, source_id: &str) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM import_source WHERE dataset = ?1 AND source_id = ?2")?
            .exists(rusqlite::params![
                dataset,
                super::schema2::source_key(source_id)
            ])?)
    }

    /// Notes that a row of a dataset was imported as `record_id`, in this transaction.
    pub fn note_imported(&self, dataset: &str, source_id: &str, record_id: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO import_source (dataset, source_id, record_id) \
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(rusqlite::params![
                dataset,
                super::schema2::source_key(source_id),
                IdKey(record_id)
            ])?;
        Ok(())
    }

    /// Makes the transaction durable.
    pub fn commit(mut self) -> Result<()> {
        self.derived.flush(&self.tx)?;
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
        match body {
            Body::Shipment(s) => self.check_samples(&s.samples, &mut errs)?,
            Body::CustodyTransfer(t) => {
                self.check_samples(&t.samples, &mut errs)?;
                if let Some(s) = &t.shipment {
                    if !self.exists(s, Kind::Shipment)? {
                        errs.push(FieldError::new(
                            "shipment",
                            "unknown_shipment",
                            format!("no shipment with id {s}"),
                        ));
                    }
                }
            }
            Body::SensitivityRule(r) if !self.exists(&r.taxon, Kind::Taxon)? => {
                errs.push(FieldError::new(
                    "taxon",
                    "unknown_taxon",
                    format!("no taxon with id {} on the checklist", r.taxon),
                ));
            }
            _ => {}
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errs))
        }
    }

    fn check_samples(&self, ids: &[String], errs: &mut Vec<FieldError>) -> Result<()> {
        for id in ids {
            if !self.exists(id, Kind::Sample)? {
                errs.push(FieldError::new(
                    "samples",
                    "unknown_sample",
                    format!("no sample with id {id}"),
                ));
            }
        }
        Ok(())
    }

    fn exists(&self, id: &str, kind: Kind) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM record WHERE id = ?1 AND kind = ?2 AND deleted = 0")?
            .query_row(params![IdKey(id), kind.as_str()], |_| Ok(()))
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
            .query_row([IdKey(rev), IdKey(id)], |r| Ok((r.get(0)?, r.get(1)?)))
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
        // Stored as NULL: it is the SHA-256 of the body (a tombstone's is empty), computed
        // when the revision is read for the wire.
        let sha: Option<&str> = if json.is_some() { None } else { Some("") };
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
                IdKey(&rev_id),
                IdKey(id),
                kind.as_str(),
                parents_json,
                generation,
                IdKey(self.device_id),
                device_seq,
                hlc,
                // The lowest version that reads this body fully, so older laptops set aside
                // only what they would misread.
                body.map_or(1, Body::schema_version),
                body.is_none(),
                json.as_deref().map(Packed),
                sha
            ])?;
        let rev_seq = self.tx.last_insert_rowid();
        self.tx
            .prepare_cached("INSERT INTO outbox(device_seq, rev_seq) VALUES (?1, ?2)")?
            .execute(params![device_seq, rev_seq])?;
        self.next_seq += 1;
        integrate(
            &self.tx,
            id,
            kind,
            (&rev_id, rev_seq),
            parents,
            body,
            fresh,
            &mut self.derived,
        )?;
        Ok(Saved {
            id: id.to_string(),
            rev_id,
            device_seq,
        })
    }
}

/// Inserts parent links and recomputes the record's heads and current row after a new revision.
#[allow(clippy::too_many_arguments)]
fn integrate(
    tx: &Transaction<'_>,
    id: &str,
    kind: Kind,
    (rev_id, rev_seq): (&str, i64),
    parents: &[String],
    body: Option<&Body>,
    fresh: bool,
    derived: &mut Derived,
) -> Result<()> {
    if fresh {
        let winner = Winner {
            rev_id,
            seq: rev_seq,
            deleted: body.is_none(),
            body,
        };
        return current::write(tx, id, kind, &winner, &[], true, derived);
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
        let (deleted, generation, seq): (bool, u32, i64) = tx
            .prepare_cached("SELECT deleted, generation, seq FROM revision WHERE rev_id = ?1")?
            .query_row([IdKey(h)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        ranked.push((!deleted, generation, h.clone(), seq));
    }
    ranked.sort();
    let (live, _, winner_id, winner_seq) = ranked.pop().expect("at least the new revision");
    let others: Vec<String> = ranked.into_iter().map(|(_, _, h, _)| h).collect();
    let loaded;
    let winner_body = if winner_id == rev_id {
        body
    } else if live {
        let json: String = tx
            .prepare_cached("SELECT body FROM revision WHERE rev_id = ?1")?
            .query_row([IdKey(&winner_id)], |r| r.get::<_, BodyText>(0))?
            .0;
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
        seq: winner_seq,
        deleted: !live,
        body: winner_body,
    };
    current::write(tx, id, kind, &winner, &others, false, derived)
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
            derived: Derived::default(),
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

    /// Applies revisions written elsewhere and stores `meta` pairs in the same transaction
    /// (see [`Store::apply_pulled`]); used for seeds and tests, with no writer role known.
    pub fn apply_remote(
        &mut self,
        revs: &[Revision],
        meta: &[(&str, &str)],
    ) -> Result<ApplyReport> {
        let page: Vec<Pulled> = revs
            .iter()
            .map(|r| Pulled {
                server_seq: None,
                doc: serde_json::to_string(r).expect("revisions serialise"),
                role: None,
            })
            .collect();
        self.apply_pulled(&page, meta)
    }

    /// Applies a pulled page and stores `meta` pairs (the page's cursor) in the same
    /// transaction. Revisions already known are counted as duplicates. A revision this laptop
    /// cannot apply — not a revision, unknown kind, newer schema, a body that does not fit,
    /// a change that breaks its record's kind or creator, or that its writer's role forbids —
    /// is set aside with its reason ([`Store::set_aside`]) and the rest of the page applies:
    /// nothing one laptop sends can stop another's pull.
    pub fn apply_pulled(&mut self, page: &[Pulled], meta: &[(&str, &str)]) -> Result<ApplyReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = ApplyReport::default();
        let mut newest = self.clock;
        // The page is one chunk: the species tally is written once per group, at its end.
        let mut derived = Derived::default();
        for item in page {
            let rev: Revision = match serde_json::from_str(&item.doc) {
                Ok(r) => r,
                Err(e) => {
                    let reason = format!("not a revision: {e}");
                    set_aside(&tx, None, item, "bad_revision", &reason)?;
                    report.rejected.push((String::new(), reason));
                    continue;
                }
            };
            let known = tx
                .prepare_cached("SELECT 1 FROM revision WHERE rev_id = ?1")?
                .query_row([IdKey(&rev.rev_id)], |_| Ok(()))
                .optional()?
                .is_some();
            if known {
                report.duplicates += 1;
                continue;
            }
            let checked = trust::check_revision(&rev).and_then(|(kind, body)| {
                let identity = identity_of(&tx, &rev.record_id).map_err(|e| trust::Refusal {
                    code: "storage",
                    reason: e.to_string(),
                })?;
                trust::check_identity(&rev, identity.as_ref(), item.role.unwrap_or(Role::Lead))?;
                Ok((kind, body))
            });
            let (kind, body) = match checked {
                Ok(v) => v,
                Err(r) => {
                    set_aside(&tx, Some(&rev.rev_id), item, r.code, &r.reason)?;
                    report.rejected.push((rev.rev_id.clone(), r.to_string()));
                    continue;
                }
            };
            // Each revision in a savepoint: one that fails half-way leaves nothing behind (and
            // the tally changes of earlier revisions written inside it are pending again).
            tx.prepare_cached("SAVEPOINT apply_one")?.execute([])?;
            derived.savepoint();
            match insert_remote(&tx, &rev, kind, body.as_ref(), &mut derived) {
                Ok(()) => {
                    tx.prepare_cached("RELEASE apply_one")?.execute([])?;
                    derived.release();
                }
                Err(e) => {
                    tx.execute_batch("ROLLBACK TO apply_one; RELEASE apply_one")?;
                    derived.rollback();
                    let reason = e.to_string();
                    set_aside(&tx, Some(&rev.rev_id), item, "cannot_apply", &reason)?;
                    report.rejected.push((rev.rev_id.clone(), reason));
                    continue;
                }
            }
            if let Some(h) = Hlc::parse(&rev.hlc) {
                newest.observe(h, now_ms() + self.clock_offset_ms);
            }
            report.applied += 1;
        }
        derived.flush(&tx)?;
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

    /// Revisions set aside because this laptop could not apply them, oldest first.
    pub fn set_aside(&self) -> Result<Vec<SetAside>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rev_id, server_seq, code, reason, app_version, set_at FROM set_aside ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SetAside {
                rev_id: r.get(0)?,
                server_seq: r.get(1)?,
                code: r.get(2)?,
                reason: r.get(3)?,
                app_version: r.get(4)?,
                set_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Tries the set-aside revisions again if this build is not the one that set them aside
    /// (an upgrade may know their kind or schema now); returns how many now applied.
    pub fn retry_set_aside(&mut self) -> Result<usize> {
        let version = env!("CARGO_PKG_VERSION");
        let page: Vec<(i64, Pulled)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, server_seq, doc, role FROM set_aside WHERE app_version <> ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([version], |r| {
                let role: Option<String> = r.get(3)?;
                Ok((
                    r.get(0)?,
                    Pulled {
                        server_seq: r.get(1)?,
                        doc: r.get(2)?,
                        role: role.as_deref().and_then(Role::parse),
                    },
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if page.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
        let docs: Vec<Pulled> = page.into_iter().map(|(_, p)| p).collect();
        // Out of the list first: what still cannot be applied goes back in, with this
        // version's reason.
        {
            let tx = self.conn.transaction()?;
            for id in &ids {
                tx.execute("DELETE FROM set_aside WHERE id = ?1", [id])?;
            }
            tx.commit()?;
        }
        let report = self.apply_pulled(&docs, &[])?;
        Ok(report.applied)
    }
}

/// One change of a pulled page, as the server sent it.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// Its place in the server's changefeed.
    pub server_seq: Option<u64>,
    /// The revision as JSON (it may not even be one).
    pub doc: String,
    /// The writer's role as the server stated it; None when unknown (older servers).
    pub role: Option<Role>,
}

/// A revision from elsewhere that this laptop set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SetAside {
    /// None when the document was not a revision at all.
    pub rev_id: Option<String>,
    pub server_seq: Option<u64>,
    /// Stable code of the rule it broke (`unknown_kind`, `kind_mismatch`, ...).
    pub code: String,
    /// In words (English).
    pub reason: String,
    /// The app version that set it aside.
    pub app_version: String,
    pub set_at: String,
}

fn set_aside(
    tx: &Transaction<'_>,
    rev_id: Option<&str>,
    item: &Pulled,
    code: &str,
    reason: &str,
) -> Result<()> {
    tracing::warn!(
        rev_id,
        code,
        reason,
        "set aside a change this laptop cannot apply"
    );
    tx.prepare_cached(
        "INSERT INTO set_aside(rev_id, server_seq, doc, role, code, reason, app_version, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(rev_id) DO UPDATE SET code = excluded.code, reason = excluded.reason,
           app_version = excluded.app_version, set_at = excluded.set_at",
    )?
    .execute(params![
        rev_id,
        item.server_seq,
        item.doc,
        item.role.map(Role::as_str),
        code,
        reason,
        env!("CARGO_PKG_VERSION"),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ])?;
    Ok(())
}

/// The identity of a record as this laptop knows it: the kind and author of its first
/// revision.
fn identity_of(tx: &Transaction<'_>, record_id: &str) -> Result<Option<trust::Identity>> {
    Ok(tx
        .prepare_cached(
            "SELECT kind, device_id FROM revision WHERE record_id = ?1
             ORDER BY parents <> '[]', seq LIMIT 1",
        )?
        .query_row([IdKey(record_id)], |r| {
            Ok(trust::Identity {
                kind: r.get(0)?,
                creator: id_column(r, 1)?,
            })
        })
        .optional()?)
}

/// Stores a checked revision from elsewhere and brings its record's current state up to date.
fn insert_remote(
    tx: &Transaction<'_>,
    rev: &Revision,
    kind: Kind,
    body: Option<&Body>,
    derived: &mut Derived,
) -> Result<()> {
    let sha = super::schema2::stored_hash(rev.body.as_ref().map(|b| b.get()), &rev.body_sha256);
    tx.prepare_cached(
        "INSERT INTO revision(rev_id, record_id, kind, parents, generation, device_id,
           device_seq, hlc, schema_version, deleted, body, body_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        IdKey(&rev.rev_id),
        IdKey(&rev.record_id),
        rev.kind,
        serde_json::to_string(&rev.parents).expect("strings serialise"),
        rev.generation,
        IdKey(&rev.device_id),
        rev.device_seq,
        rev.hlc,
        rev.schema_version,
        rev.deleted,
        rev.body.as_ref().map(|b| Packed(b.get())),
        sha
    ])?;
    let rev_seq = tx.last_insert_rowid();
    let fresh = rev.parents.is_empty() && current::heads(tx, &rev.record_id)?.is_empty();
    integrate(
        tx,
        &rev.record_id,
        kind,
        (&rev.rev_id, rev_seq),
        &rev.parents,
        body,
        fresh,
        derived,
    )
}

/// What [`Store::take_back_own`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TakenBack {
    /// This laptop's own revisions it had lost (restored from an older copy) and got back.
    pub recovered: usize,
    /// Changes written since the restore, numbered again after the server's.
    pub renumbered: usize,
}

impl Store {
    /// Brings a laptop restored from an older copy of its store level with what the server
    /// holds of its own writing: `server_upto` is the highest device_seq the server has of
    /// this device and `own` its revisions above [`Store::pushed_seq`] (docs/SYNC.md §4.1).
    ///
    /// The revisions it lost are stored again as its own (current state, outbox and all);
    /// changes written since the restore, which reused numbers the server has, get the numbers
    /// after `server_upto`, in order (nobody else has seen them yet); the pushed watermark
    /// becomes `server_upto`. One transaction: nothing is lost if it stops half-way.
    pub fn take_back_own(&mut self, server_upto: u64, own: &[Pulled]) -> Result<TakenBack> {
        let pushed = self.pushed_seq()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut server_revs = Vec::new();
        for item in own {
            let rev: Revision =
                serde_json::from_str(&item.doc).map_err(|e| Error::BadRevision {
                    rev_id: String::new(),
                    reason: format!("the server's copy of an own revision is not readable: {e}"),
                })?;
            if rev.device_id != self.device_id {
                return Err(Error::BadRevision {
                    rev_id: rev.rev_id,
                    reason: "the server sent another device's revision as this laptop's".into(),
                });
            }
            server_revs.push(rev);
        }
        let on_server: std::collections::HashSet<&str> =
            server_revs.iter().map(|r| r.rev_id.as_str()).collect();
        // Local changes the server does not have, in order: they move after server_upto.
        let local: Vec<(u64, String, i64)> = tx
            .prepare(
                "SELECT o.device_seq, r.rev_id, r.seq FROM outbox o JOIN revision r ON r.seq = o.rev_seq
                 WHERE o.device_seq > ?1 ORDER BY o.device_seq",
            )?
            .query_map([pushed], |r| Ok((r.get(0)?, id_column(r, 1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let moving: Vec<&(u64, String, i64)> = local
            .iter()
            .filter(|(_, rev_id, _)| !on_server.contains(rev_id.as_str()))
            .collect();
        for (seq, _, _) in &moving {
            tx.execute("DELETE FROM outbox WHERE device_seq = ?1", [seq])?;
        }
        let mut report = TakenBack::default();
        let mut derived = Derived::default();
        for rev in &server_revs {
            let known = tx
                .prepare_cached("SELECT 1 FROM revision WHERE rev_id = ?1")?
                .exists([IdKey(&rev.rev_id)])?;
            if known {
                continue;
            }
            let kind = Kind::parse(&rev.kind).ok_or_else(|| Error::BadRevision {
                rev_id: rev.rev_id.clone(),
                reason: format!("unknown kind '{}'", rev.kind),
            })?;
            let body = match &rev.body {
                Some(b) => {
                    Some(
                        Body::from_json(kind, b.get()).map_err(|e| Error::BadRevision {
                            rev_id: rev.rev_id.clone(),
                            reason: e.to_string(),
                        })?,
                    )
                }
                None => None,
            };
            insert_remote(&tx, rev, kind, body.as_ref(), &mut derived)?;
            // Not last_insert_rowid: bringing the current state up to date inserts rows too.
            let rev_seq: i64 = tx.query_row(
                "SELECT seq FROM revision WHERE rev_id = ?1",
                [IdKey(&rev.rev_id)],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO outbox(device_seq, rev_seq) VALUES (?1, ?2)",
                params![rev.device_seq, rev_seq],
            )?;
            report.recovered += 1;
        }
        for (i, (_, _, rev_seq)) in moving.iter().enumerate() {
            let seq = server_upto + 1 + i as u64;
            tx.execute(
                "UPDATE revision SET device_seq = ?2 WHERE seq = ?1",
                params![rev_seq, seq],
            )?;
            tx.execute(
                "INSERT INTO outbox(device_seq, rev_seq) VALUES (?1, ?2)",
                params![seq, rev_seq],
            )?;
        }
        report.renumbered = moving.len();
        derived.flush(&tx)?;
        set_meta(&tx, "pushed_seq", &server_upto.max(pushed).to_string())?;
        tx.commit()?;
        Ok(report)
    }
}
