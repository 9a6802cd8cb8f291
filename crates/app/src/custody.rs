//! Commands for the chain of custody of samples: thin calls into `dauria-core`'s
//! `custody`, so the window, the CLI and tests keep the same log.

use crate::{with, AppState, Reply};
use dauria_core::custody::{
    self, Handover, NewShipment, Receipt, ReceiptReport, SampleHistory, ShipmentDetail,
    ShipmentSummary,
};
use dauria_core::Saved;

/// Every shipment with its status.
pub fn shipment_list(state: &AppState) -> Reply<Vec<ShipmentSummary>> {
    with(state, |s| custody::shipments(s))
}

/// A shipment's manifest, transfers and discrepancies, by id or reference.
pub fn shipment_detail(state: &AppState, key: String) -> Reply<ShipmentDetail> {
    with(state, |s| custody::shipment_detail(s, &key))
}

/// Packs a shipment; answers its reference.
pub fn shipment_add(state: &AppState, input: NewShipment) -> Reply<String> {
    with(state, |s| custody::add_shipment(s, input).map(|(_, r)| r))
}

/// Hands a shipment to the carrier.
pub fn shipment_send(state: &AppState, key: String, handover: Handover) -> Reply<Saved> {
    with(state, |s| custody::send(s, &key, handover))
}

/// Logs a change of hands on the way.
pub fn shipment_transfer(state: &AppState, key: String, handover: Handover) -> Reply<Saved> {
    with(state, |s| custody::transfer(s, &key, handover))
}

/// Receives a shipment: the barcodes scanned checked against the manifest.
pub fn shipment_receive(state: &AppState, key: String, receipt: Receipt) -> Reply<ReceiptReport> {
    with(state, |s| custody::receive(s, &key, receipt))
}

/// The manifest as CSV text (the window saves it through `export_table`).
pub fn shipment_manifest_csv(state: &AppState, key: String) -> Reply<String> {
    with(state, |s| {
        custody::manifest_csv(&custody::shipment_detail(s, &key)?)
    })
}

/// A sample's custody history by barcode.
pub fn sample_history(state: &AppState, barcode: String) -> Reply<SampleHistory> {
    with(state, |s| custody::sample_history(s, &barcode))
}
