//! Chain of custody and sensitive species through a real server on loopback: a field station
//! ships samples, a lab laptop receives them by barcode, and everyone sees the same custody
//! history; a viewer laptop receives sensitive sightings only generalised (or not at all), while
//! a lead's laptop and the recording laptop keep the exact positions.

use dauria_core::custody::{self, Handover, NewShipment, Receipt, ShipmentStatus};
use dauria_core::model::*;
use dauria_core::sensitive::generalise;
use dauria_core::taxa::TaxonIndex;
use dauria_system_tests::*;

fn sync(l: &mut Laptop, server: &ServerProcess) {
    l.sync_via(&server.url(), quick_options())
        .unwrap_or_else(|e| panic!("{} syncs: {e}", l.name));
    assert!(
        l.store.set_aside().unwrap().is_empty(),
        "{} set nothing aside: {:?}",
        l.name,
        l.store.set_aside().unwrap()
    );
}

fn hand(at: &str, to: &str) -> Handover {
    Handover {
        at: at.into(),
        from_person: Some("B. Bold".into()),
        to_person: to.into(),
        place: Some("Choibalsan".into()),
        condition: Condition::Intact,
        temperature_c: Some(-20.0),
        notes: None,
    }
}

fn observation(l: &Laptop, id: &str) -> Observation {
    match l.store.get(id).unwrap().and_then(|c| c.body) {
        Some(Body::Observation(o)) => o,
        other => panic!("{} has no sighting {id}: {other:?}", l.name),
    }
}

#[test]
fn samples_shipped_from_the_field_are_received_at_the_lab_and_every_laptop_sees_the_history() {
    let sdir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(sdir.path(), None, None, &[]);
    let mut station = Laptop::new("field station");
    let mut lab = Laptop::new("lab reception");
    let mut lead = Laptop::new("survey lead");
    station.enroll(&server, "field");
    lab.enroll(&server, "field");
    lead.enroll(&server, "lead");

    let host = station.log("Marmota sibirica", 1).id;
    for b in ["MN-0101", "MN-0102", "MN-0103"] {
        station
            .store
            .create(&Body::Sample(Sample {
                host_observation: host.clone(),
                sample_type: "blood".into(),
                barcode: b.into(),
                collected_at: "2026-06-01T08:00:00+08:00".into(),
                storage: None,
                lab: None,
                test: None,
                pathogen: Some("Yersinia pestis".into()),
                result: SampleResult::Pending,
                result_date: None,
            }))
            .unwrap();
    }
    let (_, reference) = custody::add_shipment(
        &mut station.store,
        NewShipment {
            barcodes: vec!["MN-0101".into(), "MN-0102".into(), "MN-0103".into()],
            from: "Mongol Daguur station".into(),
            to: "NCZD Ulaanbaatar".into(),
            carrier: Some("MIAT cargo".into()),
            cold_chain: ColdChain::Frozen,
            packed_on: Some("2026-06-02".into()),
            expected_on: None,
            notes: None,
        },
    )
    .unwrap();
    custody::send(
        &mut station.store,
        &reference,
        hand("2026-06-02T09:00:00+08:00", "MIAT cargo desk"),
    )
    .unwrap();
    sync(&mut station, &server);

    // The lab's laptop, written by another device, receives the shipment it never created.
    sync(&mut lab, &server);
    assert_eq!(
        custody::shipment_detail(&lab.store, &reference)
            .unwrap()
            .status,
        ShipmentStatus::InTransit
    );
    custody::receive(
        &mut lab.store,
        &reference,
        Receipt {
            handover: hand("2026-06-03T11:00:00+08:00", "Dr. O. Tsend"),
            scanned: vec!["MN-0101".into(), "MN-0102".into(), "MN-0103".into()],
            damaged: vec!["MN-0103".into()],
        },
    )
    .unwrap();
    // Meanwhile, before hearing of the receipt, the station logs a courier's handover.
    custody::transfer(
        &mut station.store,
        &reference,
        hand("2026-06-03T08:00:00+08:00", "Courier in Ulaanbaatar"),
    )
    .unwrap();
    sync(&mut lab, &server);
    sync(&mut station, &server);
    sync(&mut lab, &server);
    sync(&mut lead, &server);

    for l in [&station, &lab, &lead] {
        let d = custody::shipment_detail(&l.store, &reference).unwrap();
        assert_eq!(d.status, ShipmentStatus::Received, "{}", l.name);
        assert_eq!(d.transfers.len(), 3, "{} has every transfer", l.name);
        let h = custody::sample_history(&l.store, "MN-0103").unwrap();
        let events: Vec<(&str, Option<ReceiptStatus>)> = h
            .entries
            .iter()
            .map(|e| (e.event.as_str(), e.receipt))
            .collect();
        assert_eq!(
            events,
            vec![
                ("collected", None),
                ("sent", None),
                ("transferred", None),
                ("received", Some(ReceiptStatus::Damaged))
            ],
            "{}",
            l.name
        );
    }
    assert_converged(&[&station, &lab, &lead]);
}

#[test]
fn a_viewer_laptop_receives_sensitive_sightings_only_generalised_and_a_lead_exact() {
    let sdir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(sdir.path(), None, None, &[]);
    let mut field = Laptop::new("field team");
    let mut lead = Laptop::new("survey lead");
    let mut viewer = Laptop::new("ministry viewer");
    field.enroll(&server, "field");
    lead.enroll(&server, "lead");
    viewer.enroll(&server, "viewer");

    let taxa = TaxonIndex::load(&field.store).unwrap();
    let exact = |name: &str, lat: f64, lon: f64, notes: &str| {
        let Body::Observation(mut o) = sighting(&taxa.resolve(name).unwrap(), 1) else {
            unreachable!()
        };
        o.lat = Some(lat);
        o.lon = Some(lon);
        o.uncertainty_m = Some(8.0);
        o.observed_at = "2026-06-01T05:47:00+08:00".into();
        o.notes = Some(notes.into());
        o.photos = vec!["ab".repeat(32)];
        o
    };
    let manul = exact(
        "Otocolobus manul",
        49.71234,
        115.12345,
        "den at 49.71234 115.12345",
    );
    let saker = exact("Falco cherrug", 49.9001, 116.0002, "eyrie on the cliff");
    let wolf = exact("Canis lupus", 50.1, 116.3, "tracks");
    let ids: Vec<String> = [&manul, &saker, &wolf]
        .iter()
        .map(|o| {
            field
                .store
                .create(&Body::Observation((*o).clone()))
                .unwrap()
                .id
        })
        .collect();
    sync(&mut field, &server);
    sync(&mut lead, &server);
    sync(&mut viewer, &server);

    // The lead and the recording laptop: exact.
    for l in [&field, &lead] {
        assert_eq!(observation(l, &ids[0]), manul, "{}", l.name);
        assert_eq!(observation(l, &ids[1]), saker, "{}", l.name);
    }
    // The viewer: the manul at the centre of its 10 km cell, nothing that places it better.
    let seen = observation(&viewer, &ids[0]);
    let cell = generalise(49.71234, 115.12345, Some(8.0), 10);
    assert_eq!((seen.lat, seen.lon), (Some(cell.lat), Some(cell.lon)));
    assert!(seen.uncertainty_m.unwrap() >= 5000.0 * std::f64::consts::SQRT_2);
    assert_eq!(seen.notes, None);
    assert!(seen.photos.is_empty());
    assert_eq!(seen.observed_at, "2026-06-01T12:00:00+08:00");
    // The saker falcon is withheld: the viewer never hears of it.
    assert!(viewer.store.get(&ids[1]).unwrap().is_none());
    // A wolf is not sensitive.
    assert_eq!(observation(&viewer, &ids[2]), wolf);

    // The lead makes wolves sensitive (50 km); the next wolf reaches the viewer generalised.
    let wolf_taxon = taxa.resolve("Canis lupus").unwrap();
    lead.store
        .create(&Body::SensitivityRule(SensitivityRule {
            taxon: wolf_taxon,
            scientific_name: "Canis lupus".into(),
            action: SensitivityAction::Generalise,
            grid_km: Some(50),
            reason: Some("den poisoning".into()),
            source: None,
            verified: true,
        }))
        .unwrap();
    sync(&mut lead, &server);
    let second = field
        .store
        .create(&Body::Observation(exact("Canis lupus", 50.2, 116.4, "den")))
        .unwrap()
        .id;
    sync(&mut field, &server);
    sync(&mut viewer, &server);
    let seen = observation(&viewer, &second);
    let cell = generalise(50.2, 116.4, Some(8.0), 50);
    assert_eq!((seen.lat, seen.lon), (Some(cell.lat), Some(cell.lon)));
    sync(&mut lead, &server);
    assert_eq!(observation(&lead, &second).lat, Some(50.2));

    // A field laptop may not set rules: the server refuses it, and nobody receives it.
    let before = server.store().revision_count().unwrap();
    field
        .store
        .create(&Body::SensitivityRule(SensitivityRule {
            taxon: taxa.resolve("Otocolobus manul").unwrap(),
            scientific_name: "Otocolobus manul".into(),
            action: SensitivityAction::Exact,
            grid_km: None,
            reason: None,
            source: None,
            verified: false,
        }))
        .unwrap();
    field.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(server.store().revision_count().unwrap(), before);
}
