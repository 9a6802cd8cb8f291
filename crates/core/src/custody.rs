//! Chain of custody for samples: shipments with a manifest, every change of hands logged
//! (person, time, place, condition, temperature), the receiving lab's check of the barcodes it
//! scans against the manifest with what is missing, extra or damaged, and each sample's full
//! history.
//!
//! A shipment is a record written once by whoever packs it; sending, handing over and receiving
//! are each a [`CustodyTransfer`] record of their own, written by whoever holds the samples then.
//! So the field laptop and the lab's laptop never edit the same record, and two people logging
//! at the same time both keep what they wrote.

use crate::error::{Error, Result};
use crate::model::{
    Body, ColdChain, Condition, CustodyAction, CustodyTransfer, Kind, ReceiptLine, ReceiptStatus,
    Sample, Shipment,
};
use crate::store::{Saved, Store};
use crate::taxa::TaxonIndex;
use crate::validate::parse_time;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use ts_rs::TS;

/// A barcode as compared: case and surrounding spaces ignored (scanners and people differ).
pub fn barcode_key(barcode: &str) -> String {
    barcode.trim().to_lowercase()
}

/// What a person fills in to pack a shipment.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct NewShipment {
    /// The barcodes of the samples packed, in manifest order.
    pub barcodes: Vec<String>,
    pub from: String,
    pub to: String,
    pub carrier: Option<String>,
    pub cold_chain: ColdChain,
    pub packed_on: Option<String>,
    pub expected_on: Option<String>,
    pub notes: Option<String>,
}

/// A change of hands as a person logs it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Handover {
    /// RFC 3339 with offset.
    pub at: String,
    pub from_person: Option<String>,
    pub to_person: String,
    pub place: Option<String>,
    pub condition: Condition,
    pub temperature_c: Option<f64>,
    pub notes: Option<String>,
}

/// A receipt at the lab: the handover, the barcodes scanned (in the order scanned, repeats
/// allowed) and those found damaged.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Receipt {
    pub handover: Handover,
    pub scanned: Vec<String>,
    #[serde(default)]
    pub damaged: Vec<String>,
}

/// Where a shipment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Packed, not yet handed to a carrier.
    Packed,
    InTransit,
    Received,
}

/// A shipment in a list.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ShipmentSummary {
    pub id: String,
    pub reference: String,
    pub from: String,
    pub to: String,
    pub cold_chain: ColdChain,
    pub samples: u32,
    pub status: ShipmentStatus,
    /// Receipt lines that are not `received`: missing, extra or damaged.
    pub discrepancies: u32,
    pub conflict: bool,
}

/// One sample of a manifest.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ManifestItem {
    pub sample: String,
    pub barcode: String,
    pub sample_type: String,
    /// The host's scientific name (or free-text name).
    pub host: Option<String>,
    pub collected_at: String,
    /// What the receiving lab found, once received.
    pub receipt: Option<ReceiptStatus>,
}

/// A logged change of hands, as listed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TransferRow {
    pub id: String,
    pub transfer: CustodyTransfer,
}

/// A shipment with its manifest, transfers and what the receipt found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ShipmentDetail {
    pub id: String,
    pub rev_id: String,
    pub conflict: bool,
    pub shipment: Shipment,
    pub status: ShipmentStatus,
    pub items: Vec<ManifestItem>,
    /// Oldest first.
    pub transfers: Vec<TransferRow>,
    /// Receipt lines other than `received`, from every receipt.
    pub discrepancies: Vec<ReceiptLine>,
}

/// What a receipt found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReceiptReport {
    pub saved: crate::Saved,
    pub lines: Vec<ReceiptLine>,
    /// Scans of a barcode already scanned, which count once.
    pub repeated_scans: u32,
}

/// One entry of a sample's custody history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryEntry {
    pub at: String,
    /// `collected`, or a [`CustodyAction`] name.
    pub event: String,
    pub shipment: Option<String>,
    pub shipment_reference: Option<String>,
    pub from_person: Option<String>,
    pub to_person: Option<String>,
    pub place: Option<String>,
    pub condition: Option<Condition>,
    pub temperature_c: Option<f64>,
    /// For a receipt: what the lab found for this sample.
    pub receipt: Option<ReceiptStatus>,
    pub notes: Option<String>,
}

/// A sample and everything that happened to it, oldest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SampleHistory {
    pub sample_id: String,
    pub sample: Sample,
    pub entries: Vec<HistoryEntry>,
}

/// Live samples by barcode key.
fn samples_by_barcode(store: &Store) -> Result<HashMap<String, Vec<(String, Sample)>>> {
    let mut out: HashMap<String, Vec<(String, Sample)>> = HashMap::new();
    for c in store.list(Kind::Sample)? {
        if let Some(Body::Sample(s)) = c.body {
            out.entry(barcode_key(&s.barcode))
                .or_default()
                .push((c.id, s));
        }
    }
    Ok(out)
}

/// The one sample with this barcode; an error naming the barcode when there is none or several.
fn one_sample<'a>(
    by_barcode: &'a HashMap<String, Vec<(String, Sample)>>,
    field: &str,
    barcode: &str,
) -> Result<&'a (String, Sample)> {
    match by_barcode
        .get(&barcode_key(barcode))
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        [one] => Ok(one),
        [] => Err(Error::invalid(
            field,
            "unknown_barcode",
            format!("no sample has barcode {}", barcode.trim()),
        )),
        many => Err(Error::invalid(
            field,
            "duplicate_barcode",
            format!(
                "barcode {} is on {} samples; fix the labels first",
                barcode.trim(),
                many.len()
            ),
        )),
    }
}

/// A new shipment reference: the packing date and four random hex digits.
fn new_reference(packed_on: Option<&str>) -> String {
    let day = packed_on
        .map(|d| d.replace('-', ""))
        .unwrap_or_else(|| chrono::Utc::now().format("%Y%m%d").to_string());
    // The last digits of a UUIDv7 are random.
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!("SHP-{day}-{}", id[28..].to_uppercase())
}

/// Packs a shipment: the barcodes are resolved to samples (an unknown or repeated barcode is
/// refused, nothing written) and the manifest saved with a new reference.
pub fn add_shipment(store: &mut Store, input: NewShipment) -> Result<(Saved, String)> {
    let by_barcode = samples_by_barcode(store)?;
    let mut samples = Vec::new();
    let mut seen = HashSet::new();
    for b in input.barcodes.iter().filter(|b| !b.trim().is_empty()) {
        if !seen.insert(barcode_key(b)) {
            return Err(Error::invalid(
                "samples",
                "duplicate",
                format!("barcode {} is listed twice", b.trim()),
            ));
        }
        samples.push(one_sample(&by_barcode, "samples", b)?.0.clone());
    }
    let reference = new_reference(input.packed_on.as_deref());
    let saved = store.create(&Body::Shipment(Shipment {
        reference: reference.clone(),
        samples,
        from: input.from.trim().to_string(),
        to: input.to.trim().to_string(),
        carrier: input.carrier.filter(|c| !c.trim().is_empty()),
        cold_chain: input.cold_chain,
        packed_on: input.packed_on,
        expected_on: input.expected_on,
        notes: input.notes.filter(|n| !n.trim().is_empty()),
    }))?;
    Ok((saved, reference))
}

/// The shipment with this id or reference (case ignored).
pub fn find_shipment(store: &Store, key: &str) -> Result<(crate::Current, Shipment)> {
    let key = key.trim();
    let mut found = Vec::new();
    for c in store.list(Kind::Shipment)? {
        if let Some(Body::Shipment(s)) = &c.body {
            if c.id == key || s.reference.eq_ignore_ascii_case(key) {
                let s = s.clone();
                found.push((c, s));
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::NotFound(format!("no shipment {key}"))),
        n => Err(Error::invalid(
            "shipment",
            "ambiguous",
            format!("{n} shipments have the reference {key}; use the id"),
        )),
    }
}

/// Every transfer of a shipment, oldest first.
fn transfers_of(store: &Store, shipment: &str) -> Result<Vec<TransferRow>> {
    let mut out: Vec<TransferRow> = store
        .list(Kind::CustodyTransfer)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::CustodyTransfer(t)) if t.shipment.as_deref() == Some(shipment) => {
                Some(TransferRow {
                    id: c.id,
                    transfer: t,
                })
            }
            _ => None,
        })
        .collect();
    sort_by_time(&mut out, |r| &r.transfer.at);
    Ok(out)
}

fn sort_by_time<T>(rows: &mut [T], at: impl Fn(&T) -> &str) {
    rows.sort_by_cached_key(|r| {
        parse_time("at", at(r))
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MIN)
    });
}

fn status_of(transfers: &[TransferRow]) -> ShipmentStatus {
    let has = |a| transfers.iter().any(|t| t.transfer.action == a);
    if has(CustodyAction::Received) {
        ShipmentStatus::Received
    } else if has(CustodyAction::Sent) || has(CustodyAction::Transferred) {
        ShipmentStatus::InTransit
    } else {
        ShipmentStatus::Packed
    }
}

fn log_transfer(
    store: &mut Store,
    key: &str,
    action: CustodyAction,
    h: Handover,
    receipt: Vec<ReceiptLine>,
) -> Result<Saved> {
    let (c, s) = find_shipment(store, key)?;
    let status = status_of(&transfers_of(store, &c.id)?);
    let refuse = |rule: &str, msg: String| Err(Error::invalid("shipment", rule, msg));
    match (action, status) {
        (_, ShipmentStatus::Received) => {
            return refuse(
                "already_received",
                format!("shipment {} has been received", s.reference),
            )
        }
        (CustodyAction::Sent, ShipmentStatus::InTransit) => {
            return refuse(
                "already_sent",
                format!("shipment {} has been sent", s.reference),
            )
        }
        (CustodyAction::Transferred, ShipmentStatus::Packed) => {
            return refuse(
                "not_sent",
                format!("shipment {} has not been sent yet", s.reference),
            )
        }
        _ => {}
    }
    let condition = if receipt.iter().any(|l| l.status == ReceiptStatus::Damaged) {
        Condition::Damaged
    } else {
        h.condition
    };
    let trim = |o: Option<String>| {
        o.map(|v| v.trim().to_string())
            .filter(|v: &String| !v.is_empty())
    };
    store.create(&Body::CustodyTransfer(CustodyTransfer {
        shipment: Some(c.id),
        samples: s.samples,
        action,
        at: h.at.trim().to_string(),
        from_person: trim(h.from_person),
        to_person: h.to_person.trim().to_string(),
        place: trim(h.place),
        condition,
        temperature_c: h.temperature_c,
        notes: trim(h.notes),
        receipt,
    }))
}

/// Hands a packed shipment to the carrier.
pub fn send(store: &mut Store, shipment: &str, h: Handover) -> Result<Saved> {
    log_transfer(store, shipment, CustodyAction::Sent, h, Vec::new())
}

/// Logs a change of hands of a shipment on its way.
pub fn transfer(store: &mut Store, shipment: &str, h: Handover) -> Result<Saved> {
    log_transfer(store, shipment, CustodyAction::Transferred, h, Vec::new())
}

/// The receipt lines for the barcodes scanned against a manifest: each manifest sample
/// received, damaged or missing, then each barcode scanned that the manifest does not list
/// (extra), in the order first scanned. Repeated scans count once; a barcode marked damaged
/// counts as scanned. Returns the lines and the number of repeated scans.
pub fn receipt_lines(
    manifest: &[(String, String)],
    scanned: &[String],
    damaged: &[String],
    known: impl Fn(&str) -> Option<String>,
) -> (Vec<ReceiptLine>, u32) {
    let damaged: HashSet<String> = damaged.iter().map(|b| barcode_key(b)).collect();
    let mut order: Vec<(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mut repeats = 0;
    for b in scanned.iter().filter(|b| !b.trim().is_empty()) {
        if seen.insert(barcode_key(b)) {
            order.push((barcode_key(b), b.trim().to_string()));
        } else {
            repeats += 1;
        }
    }
    for b in &damaged {
        if seen.insert(b.clone()) {
            order.push((b.clone(), b.clone()));
        }
    }
    let in_manifest: HashSet<String> = manifest.iter().map(|(_, b)| barcode_key(b)).collect();
    let mut lines: Vec<ReceiptLine> = manifest
        .iter()
        .map(|(id, b)| {
            let k = barcode_key(b);
            ReceiptLine {
                barcode: b.clone(),
                sample: Some(id.clone()),
                status: if damaged.contains(&k) {
                    ReceiptStatus::Damaged
                } else if seen.contains(&k) {
                    ReceiptStatus::Received
                } else {
                    ReceiptStatus::Missing
                },
                note: None,
            }
        })
        .collect();
    for (k, shown) in order {
        if !in_manifest.contains(&k) {
            lines.push(ReceiptLine {
                sample: known(&k),
                barcode: shown,
                status: ReceiptStatus::Extra,
                note: None,
            });
        }
    }
    (lines, repeats)
}

/// Receives a shipment at the lab: the barcodes scanned are checked against the manifest and
/// the receipt saved with every discrepancy (missing, extra, damaged).
pub fn receive(store: &mut Store, shipment: &str, r: Receipt) -> Result<ReceiptReport> {
    let (_, s) = find_shipment(store, shipment)?;
    let by_barcode = samples_by_barcode(store)?;
    let by_id: HashMap<&str, &Sample> = by_barcode
        .values()
        .flatten()
        .map(|(id, s)| (id.as_str(), s))
        .collect();
    let manifest: Vec<(String, String)> = s
        .samples
        .iter()
        .map(|id| {
            let barcode = by_id
                .get(id.as_str())
                .map_or_else(|| format!("(sample {id})"), |sample| sample.barcode.clone());
            (id.clone(), barcode)
        })
        .collect();
    let (lines, repeated_scans) = receipt_lines(&manifest, &r.scanned, &r.damaged, |k| {
        match by_barcode.get(k).map(Vec::as_slice) {
            Some([(id, _)]) => Some(id.clone()),
            _ => None,
        }
    });
    let saved = log_transfer(
        store,
        shipment,
        CustodyAction::Received,
        r.handover,
        lines.clone(),
    )?;
    Ok(ReceiptReport {
        saved,
        lines,
        repeated_scans,
    })
}

/// Every shipment, newest reference first.
pub fn shipments(store: &Store) -> Result<Vec<ShipmentSummary>> {
    let mut transfers: HashMap<String, Vec<TransferRow>> = HashMap::new();
    for c in store.list(Kind::CustodyTransfer)? {
        if let Some(Body::CustodyTransfer(t)) = c.body {
            if let Some(s) = t.shipment.clone() {
                transfers.entry(s).or_default().push(TransferRow {
                    id: c.id,
                    transfer: t,
                });
            }
        }
    }
    let mut out: Vec<ShipmentSummary> = store
        .list(Kind::Shipment)?
        .into_iter()
        .filter_map(|c| {
            let Some(Body::Shipment(s)) = c.body else {
                return None;
            };
            let ts = transfers.remove(&c.id).unwrap_or_default();
            Some(ShipmentSummary {
                status: status_of(&ts),
                discrepancies: discrepancies(&ts).len() as u32,
                id: c.id,
                reference: s.reference,
                from: s.from,
                to: s.to,
                cold_chain: s.cold_chain,
                samples: s.samples.len() as u32,
                conflict: c.conflict,
            })
        })
        .collect();
    out.sort_by(|a, b| b.reference.cmp(&a.reference));
    Ok(out)
}

fn discrepancies(transfers: &[TransferRow]) -> Vec<ReceiptLine> {
    transfers
        .iter()
        .flat_map(|t| &t.transfer.receipt)
        .filter(|l| l.status != ReceiptStatus::Received)
        .cloned()
        .collect()
}

/// The host's name of each sample's host observation.
fn host_name(store: &Store, taxa: &TaxonIndex, observation: &str) -> Result<Option<String>> {
    Ok(match store.get(observation)?.and_then(|c| c.body) {
        Some(Body::Observation(o)) => o
            .taxon
            .as_deref()
            .and_then(|t| taxa.get(t))
            .map(|t| t.scientific_name.clone())
            .or(o.taxon_name),
        _ => None,
    })
}

/// A shipment with its manifest, transfers and discrepancies.
pub fn shipment_detail(store: &Store, key: &str) -> Result<ShipmentDetail> {
    let (c, s) = find_shipment(store, key)?;
    let transfers = transfers_of(store, &c.id)?;
    let taxa = TaxonIndex::load(store)?;
    let found: HashMap<&str, ReceiptStatus> = transfers
        .iter()
        .flat_map(|t| &t.transfer.receipt)
        .filter_map(|l| l.sample.as_deref().map(|id| (id, l.status)))
        .collect();
    let mut items = Vec::new();
    for id in &s.samples {
        let sample = match store.get(id)?.and_then(|c| c.body) {
            Some(Body::Sample(x)) => x,
            _ => continue,
        };
        items.push(ManifestItem {
            sample: id.clone(),
            host: host_name(store, &taxa, &sample.host_observation)?,
            barcode: sample.barcode,
            sample_type: sample.sample_type,
            collected_at: sample.collected_at,
            receipt: found.get(id.as_str()).copied(),
        });
    }
    Ok(ShipmentDetail {
        id: c.id,
        rev_id: c.rev_id,
        conflict: c.conflict,
        status: status_of(&transfers),
        discrepancies: discrepancies(&transfers),
        shipment: s,
        items,
        transfers,
    })
}

/// Snake-case name of a serialisable enum value (`deep_frozen`).
pub fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The manifest as CSV: a line per sample with the shipment's reference, sender, receiver,
/// carrier and cold chain, and what the receipt found.
pub fn manifest_csv(d: &ShipmentDetail) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Io {
        context: "cannot write the manifest CSV".into(),
        source: std::io::Error::other(e),
    };
    w.write_record([
        "shipment",
        "from",
        "to",
        "carrier",
        "cold_chain",
        "packed_on",
        "expected_on",
        "barcode",
        "sample_type",
        "host",
        "collected_at",
        "receipt",
    ])
    .map_err(csv_err)?;
    let s = &d.shipment;
    for i in &d.items {
        w.write_record([
            s.reference.as_str(),
            &s.from,
            &s.to,
            s.carrier.as_deref().unwrap_or(""),
            &word(&s.cold_chain),
            s.packed_on.as_deref().unwrap_or(""),
            s.expected_on.as_deref().unwrap_or(""),
            &i.barcode,
            &i.sample_type,
            i.host.as_deref().unwrap_or(""),
            &i.collected_at,
            &i.receipt.map(|r| word(&r)).unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    for l in d
        .discrepancies
        .iter()
        .filter(|l| l.status == ReceiptStatus::Extra)
    {
        w.write_record([
            s.reference.as_str(),
            &s.from,
            &s.to,
            s.carrier.as_deref().unwrap_or(""),
            &word(&s.cold_chain),
            s.packed_on.as_deref().unwrap_or(""),
            s.expected_on.as_deref().unwrap_or(""),
            &l.barcode,
            "",
            "",
            "",
            "extra",
        ])
        .map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Io {
        context: "cannot write the manifest CSV".into(),
        source: e.into_error(),
    })?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
}

/// A sample's custody history by barcode: its collection, then every transfer that moved it,
/// oldest first, with what the receiving lab found.
pub fn sample_history(store: &Store, barcode: &str) -> Result<SampleHistory> {
    let by_barcode = samples_by_barcode(store)?;
    let (id, sample) = one_sample(&by_barcode, "barcode", barcode)?.clone();
    let references: HashMap<String, String> = store
        .list(Kind::Shipment)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Shipment(s)) => Some((c.id, s.reference)),
            _ => None,
        })
        .collect();
    let mut entries = vec![HistoryEntry {
        at: sample.collected_at.clone(),
        event: "collected".into(),
        shipment: None,
        shipment_reference: None,
        from_person: None,
        to_person: None,
        place: None,
        condition: None,
        temperature_c: None,
        receipt: None,
        notes: sample.storage.clone(),
    }];
    for c in store.list(Kind::CustodyTransfer)? {
        let Some(Body::CustodyTransfer(t)) = c.body else {
            continue;
        };
        let line = t.receipt.iter().find(|l| l.sample.as_deref() == Some(&id));
        if !t.samples.contains(&id) && line.is_none() {
            continue;
        }
        entries.push(HistoryEntry {
            at: t.at,
            event: word(&t.action),
            shipment_reference: t.shipment.as_ref().and_then(|s| references.get(s).cloned()),
            shipment: t.shipment,
            from_person: t.from_person,
            to_person: Some(t.to_person),
            place: t.place,
            condition: Some(t.condition),
            temperature_c: t.temperature_c,
            receipt: line.map(|l| l.status),
            notes: t.notes,
        });
    }
    sort_by_time(&mut entries[1..], |e| &e.at);
    Ok(SampleHistory {
        sample_id: id,
        sample,
        entries,
    })
}
