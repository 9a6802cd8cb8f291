//! Chain of custody on a real store: a shipment packed, sent, handed over and received at the
//! lab by the barcodes scanned, with what is missing, extra and damaged; each sample's history;
//! the manifest CSV; and the refusals that keep the log honest.

use dauria_core::custody::{self, Handover, NewShipment, Receipt, ShipmentStatus};
use dauria_core::model::*;
use dauria_core::taxa::TaxonIndex;
use dauria_core::{Error, Store};
use dauria_proto::Role;

/// A host sighting (built from JSON, so fields added to observations later take their
/// defaults) and a blood sample with each barcode.
fn samples(store: &mut Store, barcodes: &[&str]) -> Vec<String> {
    let marmot = TaxonIndex::load(store)
        .unwrap()
        .resolve("Marmota sibirica")
        .unwrap();
    let o: Observation = serde_json::from_value(serde_json::json!({
        "visit": null, "site": null, "taxon": marmot, "taxon_name": null,
        "count": 1, "count_min": null, "count_max": null, "unit": "individuals",
        "sex": null, "age": null, "behaviour": null,
        "lat": 49.91, "lon": 115.23, "uncertainty_m": 10.0,
        "observed_at": "2026-06-01T07:30:00+08:00", "observers": [],
        "detection_method": null, "notes": null, "photos": []
    }))
    .unwrap();
    let host = store.create(&Body::Observation(o)).unwrap().id;
    barcodes
        .iter()
        .map(|b| {
            store
                .create(&Body::Sample(Sample {
                    host_observation: host.clone(),
                    sample_type: "blood".into(),
                    barcode: b.to_string(),
                    collected_at: "2026-06-01T08:00:00+08:00".into(),
                    storage: Some("cryovial, dry shipper".into()),
                    lab: None,
                    test: None,
                    pathogen: Some("Yersinia pestis".into()),
                    result: SampleResult::Pending,
                    result_date: None,
                }))
                .unwrap()
                .id
        })
        .collect()
}

fn packed(barcodes: &[&str]) -> NewShipment {
    NewShipment {
        barcodes: barcodes.iter().map(|b| b.to_string()).collect(),
        from: "Daursky field station".into(),
        to: "Chita anti-plague station".into(),
        carrier: Some("Station vehicle".into()),
        cold_chain: ColdChain::DeepFrozen,
        packed_on: Some("2026-06-02".into()),
        expected_on: Some("2026-06-04".into()),
        notes: None,
    }
}

fn hand(at: &str, from: &str, to: &str, place: &str, t: f64) -> Handover {
    Handover {
        at: at.into(),
        from_person: Some(from.into()),
        to_person: to.into(),
        place: Some(place.into()),
        condition: Condition::Intact,
        temperature_c: Some(t),
        notes: None,
    }
}

fn rule(e: Error) -> String {
    match e {
        Error::Invalid(errs) => errs[0].rule.clone(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_shipment_received_at_the_lab_flags_missing_extra_and_damaged_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let ids = samples(&mut store, &["PL-0001", "PL-0002", "PL-0003", "PL-0004"]);
    let (_, reference) =
        custody::add_shipment(&mut store, packed(&["PL-0001", "PL-0002", "PL-0003"])).unwrap();
    assert!(reference.starts_with("SHP-20260602-"), "{reference}");
    let d = custody::shipment_detail(&store, &reference).unwrap();
    assert_eq!(d.status, ShipmentStatus::Packed);
    assert_eq!(d.shipment.samples, ids[..3].to_vec());
    assert_eq!(d.items[0].host.as_deref(), Some("Marmota sibirica"));

    custody::send(
        &mut store,
        &reference,
        hand(
            "2026-06-02T09:00:00+09:00",
            "A. Ivanov",
            "Driver P. Sokolov",
            "Nizhny Tsasuchei",
            -78.5,
        ),
    )
    .unwrap();
    custody::transfer(
        &mut store,
        &reference.to_lowercase(),
        hand(
            "2026-06-03T15:00:00+09:00",
            "Driver P. Sokolov",
            "Courier desk",
            "Chita",
            -75.0,
        ),
    )
    .unwrap();
    assert_eq!(
        custody::shipment_detail(&store, &reference).unwrap().status,
        ShipmentStatus::InTransit
    );

    // The scanner types each code; one is scanned twice, one in lower case with a space, one
    // belongs to another shipment, one to no sample at all. PL-0002 never comes.
    let r = custody::receive(
        &mut store,
        &reference,
        Receipt {
            handover: hand(
                "2026-06-04T10:00:00+09:00",
                "Courier desk",
                "Dr. N. Petrova",
                "Chita lab reception",
                -72.0,
            ),
            scanned: vec![
                " pl-0001".into(),
                "PL-0001".into(),
                "PL-0003".into(),
                "PL-0004".into(),
                "ZZ-999".into(),
            ],
            damaged: vec!["PL-0003".into()],
        },
    )
    .unwrap();
    assert_eq!(r.repeated_scans, 1);
    let found: Vec<(String, ReceiptStatus, Option<String>)> = r
        .lines
        .iter()
        .map(|l| (l.barcode.clone(), l.status, l.sample.clone()))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "PL-0001".into(),
                ReceiptStatus::Received,
                Some(ids[0].clone())
            ),
            (
                "PL-0002".into(),
                ReceiptStatus::Missing,
                Some(ids[1].clone())
            ),
            (
                "PL-0003".into(),
                ReceiptStatus::Damaged,
                Some(ids[2].clone())
            ),
            ("PL-0004".into(), ReceiptStatus::Extra, Some(ids[3].clone())),
            ("ZZ-999".into(), ReceiptStatus::Extra, None),
        ]
    );
    let d = custody::shipment_detail(&store, &reference).unwrap();
    assert_eq!(d.status, ShipmentStatus::Received);
    assert_eq!(d.discrepancies.len(), 4);
    assert_eq!(d.transfers.len(), 3);
    assert_eq!(d.transfers[2].transfer.condition, Condition::Damaged);
    assert_eq!(
        d.items.iter().map(|i| i.receipt).collect::<Vec<_>>(),
        vec![
            Some(ReceiptStatus::Received),
            Some(ReceiptStatus::Missing),
            Some(ReceiptStatus::Damaged)
        ]
    );
    let list = custody::shipments(&store).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].discrepancies, 4);

    // Nothing more can be logged on a received shipment.
    let again = custody::send(
        &mut store,
        &reference,
        hand("2026-06-05T10:00:00+09:00", "x", "y", "z", 0.0),
    )
    .unwrap_err();
    assert_eq!(rule(again), "already_received");
}

#[test]
fn each_sample_has_its_full_custody_history_in_time_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    samples(&mut store, &["PL-0101", "PL-0102"]);
    let (_, reference) =
        custody::add_shipment(&mut store, packed(&["PL-0101", "PL-0102"])).unwrap();
    // Logged out of order: the receipt first, then the sending (a laptop that synced late).
    custody::send(
        &mut store,
        &reference,
        hand(
            "2026-06-02T09:00:00+09:00",
            "A. Ivanov",
            "Driver",
            "Station",
            -80.0,
        ),
    )
    .unwrap();
    custody::receive(
        &mut store,
        &reference,
        Receipt {
            handover: hand(
                "2026-06-04T10:00:00+08:00",
                "Driver",
                "Dr. N. Petrova",
                "Lab",
                -70.0,
            ),
            scanned: vec!["PL-0101".into()],
            damaged: vec![],
        },
    )
    .unwrap();
    let h = custody::sample_history(&store, "pl-0102").unwrap();
    assert_eq!(h.sample.barcode, "PL-0102");
    let events: Vec<(&str, Option<ReceiptStatus>, Option<f64>)> = h
        .entries
        .iter()
        .map(|e| (e.event.as_str(), e.receipt, e.temperature_c))
        .collect();
    assert_eq!(
        events,
        vec![
            ("collected", None, None),
            ("sent", None, Some(-80.0)),
            ("received", Some(ReceiptStatus::Missing), Some(-70.0)),
        ]
    );
    assert_eq!(
        h.entries[1].shipment_reference.as_deref(),
        Some(reference.as_str())
    );
    assert_eq!(h.entries[2].to_person.as_deref(), Some("Dr. N. Petrova"));
    assert!(matches!(
        custody::sample_history(&store, "NOPE-1").unwrap_err(),
        Error::Invalid(_)
    ));
}

#[test]
fn the_manifest_csv_has_a_line_per_sample_that_a_csv_reader_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    samples(&mut store, &["PL-1", "PL-2, \"boxed\"", "PL-3"]);
    let (_, reference) =
        custody::add_shipment(&mut store, packed(&["PL-1", "PL-2, \"boxed\"", "PL-3"])).unwrap();
    let csv_text =
        custody::manifest_csv(&custody::shipment_detail(&store, &reference).unwrap()).unwrap();
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "shipment");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[1][7], "PL-2, \"boxed\"");
    assert_eq!(&rows[0][4], "deep_frozen");
    assert_eq!(&rows[2][0], reference);
}

#[test]
fn bad_shipments_and_transfers_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    samples(&mut store, &["PL-7", "PL-8"]);
    let before = store.pending_count().unwrap();
    assert_eq!(
        rule(custody::add_shipment(&mut store, packed(&["PL-7", "PL-9"])).unwrap_err()),
        "unknown_barcode"
    );
    assert_eq!(
        rule(custody::add_shipment(&mut store, packed(&["PL-7", " pl-7"])).unwrap_err()),
        "duplicate"
    );
    assert_eq!(
        rule(custody::add_shipment(&mut store, packed(&[])).unwrap_err()),
        "required"
    );
    let mut late = packed(&["PL-7"]);
    late.expected_on = Some("2026-06-01".into());
    assert_eq!(
        rule(custody::add_shipment(&mut store, late).unwrap_err()),
        "order"
    );
    assert_eq!(store.pending_count().unwrap(), before);

    let (_, reference) = custody::add_shipment(&mut store, packed(&["PL-7", "PL-8"])).unwrap();
    let before = store.pending_count().unwrap();
    assert_eq!(
        rule(
            custody::transfer(
                &mut store,
                &reference,
                hand("2026-06-02T09:00:00+09:00", "a", "b", "c", 1.0)
            )
            .unwrap_err()
        ),
        "not_sent"
    );
    let mut hot = hand("2026-06-02T09:00:00+09:00", "a", "b", "c", 1.0);
    hot.temperature_c = Some(f64::NAN);
    assert_eq!(
        rule(custody::send(&mut store, &reference, hot).unwrap_err()),
        "range"
    );
    let mut undated = hand("yesterday", "a", "b", "c", 1.0);
    undated.to_person = " ".into();
    let e = custody::send(&mut store, &reference, undated).unwrap_err();
    let Error::Invalid(errs) = e else {
        panic!("expected field errors")
    };
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"at") && fields.contains(&"to_person"),
        "{fields:?}"
    );
    assert!(matches!(
        custody::send(
            &mut store,
            "SHP-NONE",
            hand("2026-06-02T09:00:00+09:00", "a", "b", "c", 1.0)
        )
        .unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(store.pending_count().unwrap(), before);
}

#[test]
fn field_laptops_log_custody_but_only_leads_set_sensitive_species_rules() {
    for kind in ["shipment", "custody_transfer"] {
        assert!(Role::Field.may_write(kind), "{kind}");
        assert!(!Role::Viewer.may_write(kind), "{kind}");
    }
    assert!(Role::Lead.may_write("sensitivity_rule"));
    assert!(!Role::Field.may_write("sensitivity_rule"));
    for k in Kind::ALL {
        assert_eq!(Kind::parse(k.as_str()), Some(k));
    }
}
