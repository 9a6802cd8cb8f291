//! Every command the window calls, run through the `Host` trait with no window: a test host
//! with temporary folders and the events it was sent, real SQLite stores, real files, and a
//! real `dauria-server` on loopback for the sync commands.

mod common;

use common::{app, body, from, sighting, TestHost};
use dauria_app::exchange::ExportFormat;
use dauria_app::sync::SyncEvent;
use dauria_app::{
    backup, custody, exchange, monitoring, records, security, sites, sync, visits, AppState, Event,
};
use dauria_core::model::{Body, Country, Kind, SampleResult};
use dauria_system_tests::ServerProcess;
use std::sync::Arc;
use std::time::Duration;

/// The id of a taxon by its scientific name, found as the window finds it.
fn taxon(state: &AppState, name: &str) -> String {
    let found = records::search_taxa(state, name.into(), 5, None).unwrap();
    assert_eq!(
        found[0].taxon.scientific_name, name,
        "{name} is not the first match: {found:?}"
    );
    found[0].id.clone()
}

fn code<T: std::fmt::Debug>(r: dauria_app::Reply<T>) -> String {
    r.expect_err("the command should have been refused").code
}

fn field_rule<T: std::fmt::Debug>(r: dauria_app::Reply<T>) -> (String, String) {
    let e = r.expect_err("the command should have been refused");
    assert_eq!(e.code, "invalid", "{e:?}");
    (e.fields[0].field.clone(), e.fields[0].rule.clone())
}

fn survey(state: &AppState, title: &str, from: &str, to: &str) -> String {
    records::create_record(
        state,
        body(serde_json::json!({"kind": "survey", "body": {
            "title": title, "region": "Dauria", "start_date": from, "end_date": to,
            "status": "approved", "lead": null,
            "exchange_rates": [{"currency": "RUB", "per_usd": "90"}]
        }})),
    )
    .unwrap()
    .id
}

/// A JPEG with an EXIF time and GPS position: 2024-06-01 07:30:15 +09:00 at 50°05'30"N
/// 115°30'00"E.
fn jpeg_with_gps() -> Vec<u8> {
    let exif = common::gps_exif(
        "2024:06:01 07:30:15",
        "+09:00",
        [50, 5, 3000],
        [115, 30, 0],
        None,
    );
    common::jpeg(64, 48, 7, &exif)
}

const GPX: &[u8] = include_bytes!("../../core/tests/fixtures/garmin_etrex_daursky.gpx");

#[test]
fn folders_come_from_the_host() {
    let (host, state) = app();
    let data = records::data_dir(&state).unwrap();
    assert_eq!(
        std::fs::canonicalize(data).unwrap(),
        std::fs::canonicalize(host.root.path().join("data")).unwrap()
    );
    assert_eq!(
        records::log_dir(&state),
        host.root.path().join("logs").display().to_string()
    );
}

#[test]
fn a_sighting_saved_is_counted_listed_paged_and_mapped() {
    let (_host, state) = app();
    let before = records::stats(&state).unwrap();
    let marmot = taxon(&state, "Marmota sibirica");
    let a = records::create_record(
        &state,
        sighting(&marmot, 3, 50.09, 115.5, "2024-06-01T07:30:00+09:00"),
    )
    .unwrap();
    records::create_record(
        &state,
        sighting(&marmot, 2, 49.5, 116.0, "2024-06-02T07:30:00+09:00"),
    )
    .unwrap();
    let stats = records::stats(&state).unwrap();
    assert_eq!(stats.observations, before.observations + 2);
    assert_eq!(stats.pending_ops, before.pending_ops + 2);

    let got = records::get_record(&state, a.id.clone()).unwrap().unwrap();
    assert_eq!(got.rev_id, a.rev_id);
    assert!(matches!(got.body, Some(Body::Observation(ref o)) if o.count == Some(3)));
    assert!(records::get_record(&state, "no-such-record".into())
        .unwrap()
        .is_none());

    // Newest first, one per page, the cursor leading to the second.
    let filter: dauria_core::store::query::ObservationFilter =
        from(serde_json::json!({ "taxon": marmot }));
    let first = records::observations(&state, filter.clone(), None, 1).unwrap();
    assert_eq!(first.rows.len(), 1);
    assert_eq!(first.rows[0].observation.count, Some(2));
    let second = records::observations(&state, filter, first.next.clone(), 1).unwrap();
    assert_eq!(second.rows[0].id, a.id);

    // Two positions, as little-endian f32 latitude and longitude pairs.
    let points = records::sighting_points(&state).unwrap();
    assert_eq!(points.len(), 2 * 8);
    let f = |i: usize| f32::from_le_bytes(points[i * 4..i * 4 + 4].try_into().unwrap());
    let mut pairs = [(f(0), f(1)), (f(2), f(3))];
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!((pairs[0].0 - 49.5).abs() < 1e-4 && (pairs[0].1 - 116.0).abs() < 1e-4);
    assert!((pairs[1].0 - 50.09).abs() < 1e-4 && (pairs[1].1 - 115.5).abs() < 1e-4);

    let summary = records::species_summary(&state, None).unwrap();
    let row = summary
        .iter()
        .find(|s| s.taxon_id.as_deref() == Some(marmot.as_str()))
        .unwrap();
    assert_eq!((row.records, row.individuals), (2, 5));
}

#[test]
fn an_invalid_body_is_refused_with_its_field_and_rule() {
    let (_host, state) = app();
    let marmot = taxon(&state, "Marmota sibirica");
    let (field, rule) = field_rule(records::create_record(
        &state,
        sighting(&marmot, 1, 95.0, 115.5, "2024-06-01T07:30:00+09:00"),
    ));
    assert_eq!(field, "lat");
    assert!(!rule.is_empty());
    assert_eq!(records::stats(&state).unwrap().pending_ops, 0);
}

#[test]
fn edits_deletes_conflicts_and_merges_go_through_the_store() {
    let (_host, state) = app();
    let marmot = taxon(&state, "Marmota sibirica");
    let at = "2024-06-01T07:30:00+09:00";
    let saved = records::create_record(&state, sighting(&marmot, 1, 50.0, 115.5, at)).unwrap();
    let edit = records::update_record(
        &state,
        saved.id.clone(),
        saved.rev_id.clone(),
        sighting(&marmot, 4, 50.0, 115.5, at),
    )
    .unwrap();
    assert_eq!(
        records::record_history(&state, saved.id.clone())
            .unwrap()
            .len(),
        2
    );
    // A second edit of the first revision: both edits are kept, as a conflict.
    records::update_record(
        &state,
        saved.id.clone(),
        saved.rev_id.clone(),
        sighting(&marmot, 7, 50.0, 115.5, at),
    )
    .unwrap();
    assert_eq!(
        records::conflicts(&state).unwrap(),
        vec![(saved.id.clone(), Kind::Observation)]
    );
    let heads = records::record_heads(&state, saved.id.clone()).unwrap();
    assert_eq!(heads.len(), 2);
    assert!(heads.iter().any(|h| h.rev_id == edit.rev_id));
    records::merge_record(
        &state,
        saved.id.clone(),
        Some(sighting(&marmot, 5, 50.0, 115.5, at)),
    )
    .unwrap();
    assert!(records::conflicts(&state).unwrap().is_empty());
    let now = records::get_record(&state, saved.id.clone())
        .unwrap()
        .unwrap();
    assert!(matches!(now.body, Some(Body::Observation(ref o)) if o.count == Some(5)));

    records::delete_record(&state, saved.id.clone(), now.rev_id).unwrap();
    let gone = records::get_record(&state, saved.id.clone())
        .unwrap()
        .unwrap();
    assert!(gone.deleted && gone.body.is_none());
    assert_eq!(
        code(records::update_record(
            &state,
            saved.id,
            "not-a-revision".into(),
            sighting(&marmot, 1, 50.0, 115.5, at),
        )),
        "not_found"
    );
}

#[test]
fn species_search_names_settings_and_positions() {
    let (_host, state) = app();
    let marmot = taxon(&state, "Marmota sibirica");
    // A Latin spelling of the Russian name finds the marmot.
    let found = records::search_taxa(&state, "tarbagan".into(), 5, Some(Country::MN)).unwrap();
    assert_eq!(found[0].id, marmot);

    sites::taxon_set_name(
        &state,
        marmot.clone(),
        "en".into(),
        "Steppe whistler".into(),
    )
    .unwrap();
    let found = records::search_taxa(&state, "steppe whistler".into(), 5, None).unwrap();
    assert_eq!(found[0].id, marmot);

    records::set_setting(&state, "language".into(), "ru".into()).unwrap();
    assert_eq!(
        records::get_setting(&state, "language".into()).unwrap(),
        Some("ru".into())
    );
    assert_eq!(
        records::get_setting(&state, "observer".into()).unwrap(),
        None
    );
    assert_eq!(
        field_rule(records::set_setting(&state, "colour".into(), "red".into())),
        ("key".into(), "unknown_setting".into())
    );

    let p = records::parse_position("50°05'30\"N 115°30'E".into()).unwrap();
    assert!((p.lat - 50.091_666).abs() < 1e-5 && (p.lon - 115.5).abs() < 1e-9);
    assert_eq!(
        code(records::parse_position("north-east".into())),
        "invalid"
    );
}

#[test]
fn sites_are_placed_saved_merged_and_deleted() {
    let (_host, state) = app();
    let place = sites::place_at(&state, 50.067, 115.517).unwrap();
    assert_eq!(place.country, Some(Country::RU));
    assert!(place.protected_area.is_some(), "Daursky: {place:?}");
    assert_eq!(
        sites::place_at(&state, 47.9, 106.9).unwrap().country,
        Some(Country::MN)
    );

    let input = |name: &str, lat: f64| -> dauria_core::sites::SiteInput {
        from(serde_json::json!({"name": name, "lat": lat, "lon": 115.5,
            "uncertainty_m": null, "elevation_m": null, "habitat": "steppe"}))
    };
    let keep = sites::site_save(&state, None, input("Torey north", 50.1)).unwrap();
    let gone = sites::site_save(&state, None, input("Torey north (dup)", 50.11)).unwrap();
    // Moved across the border into Mongolia: the country follows.
    sites::site_save(&state, Some(gone.id.clone()), input("Moved", 48.0)).unwrap();
    let listed = records::list_records(&state, Kind::Site).unwrap();
    let moved = listed.iter().find(|c| c.id == gone.id).unwrap();
    assert!(
        matches!(&moved.body, Some(Body::Site(s)) if s.country == Country::MN && s.name == "Moved")
    );

    let marmot = taxon(&state, "Marmota sibirica");
    let mut o = sighting(&marmot, 1, 48.0, 115.5, "2024-06-01T07:30:00+09:00");
    if let Body::Observation(ref mut o) = o {
        o.site = Some(gone.id.clone());
    }
    records::create_record(&state, o).unwrap();
    assert_eq!(
        field_rule(sites::site_delete(&state, gone.id.clone())).1,
        "site_in_use"
    );
    let merged = sites::site_merge(&state, keep.id.clone(), gone.id.clone()).unwrap();
    assert_eq!((merged.observations, merged.visits), (1, 0));
    let empty = sites::site_save(&state, None, input("Unused", 50.2)).unwrap();
    sites::site_delete(&state, empty.id.clone()).unwrap();
    assert!(
        records::get_record(&state, empty.id)
            .unwrap()
            .unwrap()
            .deleted
    );
}

#[test]
fn checklists_gain_and_lose_taxa() {
    let (_host, state) = app();
    let jerboa = records::create_record(
        &state,
        body(serde_json::json!({"kind": "taxon", "body": {
            "scientific_name": "Allactaga testensis", "rank": "species", "group": "small_mammal",
            "names": [], "synonyms": [], "iucn_status": "VU", "source": null
        }})),
    )
    .unwrap()
    .id;
    let has = |state: &AppState| {
        records::country_checklist(state, Country::KZ)
            .unwrap()
            .taxa
            .iter()
            .any(|e| e.id == jerboa)
    };
    assert!(!has(&state));
    sites::checklist_add(&state, Country::KZ, jerboa.clone()).unwrap();
    assert!(has(&state));
    sites::checklist_remove(&state, Country::KZ, jerboa.clone()).unwrap();
    assert!(!has(&state));
}

#[test]
fn a_survey_is_planned_budgeted_scheduled_and_its_gpx_imported_and_exported() {
    let (host, state) = app();
    let id = survey(&state, "Torey lakes 2027", "2027-05-01", "2027-05-20");
    let other = survey(&state, "Onon 2027", "2027-05-10", "2027-05-30");
    let person = records::create_record(
        &state,
        body(serde_json::json!({"kind": "person", "body": {
            "name": "A. Batsaikhan", "organisation": null, "country": "MN", "roles": [],
            "contact": null, "languages": []
        }})),
    )
    .unwrap()
    .id;
    for s in [&id, &other] {
        records::create_record(
            &state,
            body(serde_json::json!({"kind": "assignment", "body": {
                "survey": s, "person": person, "role": "observer",
                "from": null, "to": null
            }})),
        )
        .unwrap();
    }
    let bookings = exchange::double_bookings(&state).unwrap();
    assert_eq!(bookings.len(), 1, "{bookings:?}");
    assert_eq!(bookings[0].person, person);

    records::create_record(
        &state,
        body(serde_json::json!({"kind": "budget_line", "body": {
            "survey": id, "category": "fuel", "description": null,
            "quantity": "3", "unit_cost": "1500.50", "currency": "RUB"
        }})),
    )
    .unwrap();
    let budget = exchange::survey_budget(&state, id.clone(), Some("USD".into())).unwrap();
    assert_eq!(budget.lines, 1);
    assert_eq!(
        budget.per_currency[0].amounts.planned.to_string(),
        "4501.50"
    );
    assert!(budget.reporting.is_some());

    let imported = exchange::gpx_import(&state, GPX, id.clone(), Some("etrex.gpx".into())).unwrap();
    assert!(imported.points > 0);
    assert!(!imported.routes.is_empty() || !imported.visits.is_empty());
    let progress = exchange::survey_progress(&state, id.clone()).unwrap();
    assert_eq!(progress.routes_planned, imported.routes.len());
    assert_eq!(progress.team, 1);
    assert!(!exchange::schedule(&state, Some(id.clone()))
        .unwrap()
        .is_empty());
    assert!(!exchange::data_sheets(&state).unwrap().is_empty());
    assert_eq!(
        field_rule(exchange::gpx_import(&state, b"<gpx>", id.clone(), None)).0,
        "file"
    );

    // The routes written back out, into the export folder under the documents folder.
    let gpx = exchange::export_file(&state, ExportFormat::Gpx, Some(id)).unwrap();
    assert!(gpx
        .path
        .starts_with(&host.documents().join("Dauria Field").display().to_string()));
    let text = std::fs::read_to_string(&gpx.path).unwrap();
    assert!(text.contains("<gpx") && gpx.records > 0);
    assert_eq!(
        field_rule(exchange::export_file(&state, ExportFormat::Gpx, None)),
        ("survey".into(), "required".into())
    );
}

#[test]
fn sightings_exported_as_csv_geojson_and_dwca_import_into_another_laptop() {
    let (host, state) = app();
    let marmot = taxon(&state, "Marmota sibirica");
    for (i, day) in ["01", "02", "03"].iter().enumerate() {
        records::create_record(
            &state,
            sighting(
                &marmot,
                i as u32 + 1,
                50.0,
                115.5,
                &format!("2024-06-{day}T07:30:00+09:00"),
            ),
        )
        .unwrap();
    }
    let folder = host.root.path().join("chosen");
    records::set_setting(&state, "export_dir".into(), folder.display().to_string()).unwrap();
    let csv = exchange::export_file(&state, ExportFormat::Csv, None).unwrap();
    let geojson = exchange::export_file(&state, ExportFormat::Geojson, None).unwrap();
    let dwca = exchange::export_file(&state, ExportFormat::Dwca, None).unwrap();
    for e in [&csv, &geojson, &dwca] {
        assert!(e.path.starts_with(&folder.display().to_string()), "{e:?}");
        assert_eq!(e.records, 3, "{e:?}");
        assert_eq!(std::fs::metadata(&e.path).unwrap().len(), e.size_bytes);
    }
    let features: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&geojson.path).unwrap()).unwrap();
    assert_eq!(features["features"].as_array().unwrap().len(), 3);

    // Another laptop: the CSV previewed, imported with the guessed columns, then again.
    let (_h2, other) = app();
    let bytes = std::fs::read(&csv.path).unwrap();
    let preview = exchange::csv_preview(&bytes).unwrap();
    assert_eq!(preview.rows.len(), 3);
    let columns = serde_json::to_string(&preview.guessed).unwrap();
    let report =
        exchange::csv_import(&other, &bytes, Some(columns.clone()), Some("true".into())).unwrap();
    assert_eq!((report.rows, report.imported), (3, 3), "{report:?}");
    let again = exchange::csv_import(&other, &bytes, Some(columns), None).unwrap();
    assert_eq!((again.imported, again.already_imported), (0, 3));
    assert_eq!(
        field_rule(exchange::csv_import(&other, &bytes, None, None)),
        ("columns".into(), "required".into())
    );
    assert_eq!(
        field_rule(exchange::csv_import(&other, &bytes, Some("{".into()), None)),
        ("columns".into(), "format".into())
    );

    let (_h3, third) = app();
    let archive = std::fs::read(&dwca.path).unwrap();
    let report = exchange::dwca_import(&third, &archive, Some("torey.zip".into())).unwrap();
    assert_eq!(report.imported, 3, "{report:?}");
    assert_eq!(records::stats(&third).unwrap().observations, 3);

    // A report table the window made, with a byte-order mark for spreadsheets.
    let table =
        exchange::export_table(&state, "Тренды: 2024".into(), "a,b\n1,2\n3,4\n".into()).unwrap();
    assert_eq!(table.records, 2);
    assert!(table.path.contains("Тренды_ 2024-"), "{}", table.path);
    assert_eq!(
        std::fs::read(&table.path).unwrap(),
        "\u{feff}a,b\n1,2\n3,4\n".as_bytes()
    );
}

#[test]
fn a_photo_is_kept_with_its_exif_thumbnail_and_bytes() {
    let (_host, state) = app();
    let jpeg = jpeg_with_gps();
    let stored = exchange::photo_store(&state, &jpeg, Some("IMG_0001.JPG".into())).unwrap();
    assert!(stored.newly_stored);
    assert_eq!((stored.width, stored.height), (64, 48));
    assert_eq!(
        stored.info.taken_at.as_deref(),
        Some("2024-06-01T07:30:15+09:00")
    );
    assert!((stored.info.lat.unwrap() - 50.091_666).abs() < 1e-4);
    let again = exchange::photo_store(&state, &jpeg, None).unwrap();
    assert!(!again.newly_stored && again.sha256 == stored.sha256);

    let thumb = exchange::photo_thumbnail(&state, stored.sha256.clone())
        .unwrap()
        .unwrap();
    assert!(thumb.starts_with("data:image/jpeg;base64,"));
    assert_eq!(
        exchange::photo_data(&state, stored.sha256.clone()).unwrap(),
        jpeg
    );
    let unknown = "0".repeat(64);
    assert_eq!(
        exchange::photo_thumbnail(&state, unknown.clone()).unwrap(),
        None
    );
    assert_eq!(
        field_rule(exchange::photo_thumbnail(&state, "../etc/passwd".into())),
        ("sha".into(), "format".into())
    );
    // No sync server: nothing to fetch from.
    assert!(!exchange::photo_fetch(&state, unknown).unwrap());

    let refused = exchange::photo_store(&state, b"not a photo", Some("notes.txt".into()))
        .expect_err("not a photo");
    assert!(refused.message.starts_with("notes.txt: "), "{refused:?}");
}

fn host_with_samples(state: &AppState, barcodes: &[&str]) -> (String, String) {
    let marmot = taxon(state, "Marmota sibirica");
    let site = sites::site_save(
        state,
        None,
        from(
            serde_json::json!({"name": "Torey", "lat": 50.07, "lon": 115.5,
            "uncertainty_m": null, "elevation_m": null, "habitat": null}),
        ),
    )
    .unwrap()
    .id;
    let mut o = sighting(&marmot, 1, 50.07, 115.5, "2026-06-01T07:30:00+08:00");
    if let Body::Observation(ref mut o) = o {
        o.site = Some(site.clone());
    }
    let host_obs = records::create_record(state, o).unwrap().id;
    for b in barcodes {
        records::create_record(
            state,
            body(serde_json::json!({"kind": "sample", "body": {
                "host_observation": host_obs, "sample_type": "blood", "barcode": b,
                "collected_at": "2026-06-01T08:00:00+08:00", "storage": null, "lab": null,
                "test": null, "pathogen": "Yersinia pestis", "result": "pending",
                "result_date": null
            }})),
        )
        .unwrap();
    }
    (marmot, site)
}

#[test]
fn samples_travel_with_their_custody_log() {
    let (_host, state) = app();
    host_with_samples(&state, &["PL-0001", "PL-0002", "PL-0003"]);
    let reference = custody::shipment_add(
        &state,
        from(serde_json::json!({
            "barcodes": ["PL-0001", "PL-0002", "PL-0003"],
            "from": "Daursky field station", "to": "Chita anti-plague station",
            "carrier": null, "cold_chain": "deep_frozen", "packed_on": "2026-06-02",
            "expected_on": null, "notes": null
        })),
    )
    .unwrap();
    let hand = |at: &str, to: &str| -> dauria_core::custody::Handover {
        from(
            serde_json::json!({"at": at, "from_person": "A. Ivanov", "to_person": to,
            "place": "Chita", "condition": "intact", "temperature_c": -70.0, "notes": null}),
        )
    };
    custody::shipment_send(
        &state,
        reference.clone(),
        hand("2026-06-02T09:00:00+09:00", "Driver"),
    )
    .unwrap();
    custody::shipment_transfer(
        &state,
        reference.clone(),
        hand("2026-06-03T09:00:00+09:00", "Courier"),
    )
    .unwrap();
    let report = custody::shipment_receive(
        &state,
        reference.clone(),
        from(serde_json::json!({
            "handover": {"at": "2026-06-04T09:00:00+09:00", "from_person": "Courier",
                "to_person": "Lab", "place": "Chita", "condition": "intact",
                "temperature_c": -68.0, "notes": null},
            "scanned": ["PL-0001", "PL-0002", "PL-9999"],
            "damaged": ["PL-0002"]
        })),
    )
    .unwrap();
    assert_eq!(report.lines.len(), 4, "{report:?}");
    let list = custody::shipment_list(&state).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].reference, reference);
    assert_eq!(list[0].samples, 3);
    let detail = custody::shipment_detail(&state, reference.clone()).unwrap();
    assert_eq!(detail.items.len(), 3);
    let csv = custody::shipment_manifest_csv(&state, reference.clone()).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains("PL-000")).count(),
        3,
        "{csv}"
    );
    let history = custody::sample_history(&state, "PL-0001".into()).unwrap();
    assert!(history.entries.len() >= 3, "{history:?}");
    assert_eq!(
        code(custody::shipment_detail(&state, "SHP-NONE".into())),
        "not_found"
    );
}

#[test]
fn lab_results_are_matched_by_barcode_and_feed_the_reports() {
    let (_host, state) = app();
    let (marmot, site) = host_with_samples(&state, &["MN-0001", "MN-0002"]);
    let csv = b"Sample code;Outcome\nMN-0001;positive\nMN-0002;negative\nMN-9999;positive\n";
    let preview = exchange::lab_results_preview(csv).unwrap();
    assert_eq!(preview.headers, vec!["Sample code", "Outcome"]);
    let columns = serde_json::to_string(&[Some("barcode"), Some("result")]).unwrap();
    let report = exchange::lab_results_import(&state, csv, Some(columns)).unwrap();
    assert_eq!((report.rows, report.updated), (3, 2), "{report:?}");
    assert_eq!(report.unmatched.len(), 1);

    let summary = exchange::sample_summary(&state).unwrap();
    assert!(!summary.is_empty());
    let samples = records::list_records(&state, Kind::Sample).unwrap();
    assert!(samples.iter().any(
        |c| matches!(&c.body, Some(Body::Sample(s)) if s.barcode == "MN-0001" && s.result == SampleResult::Positive)
    ));

    let rows =
        monitoring::report_prevalence(&state, from(serde_json::json!({"by": "pathogen"}))).unwrap();
    assert_eq!((rows[0].positive, rows[0].tested), (1, 2), "{rows:?}");
    let hosts = monitoring::report_hosts_by_pathogen(&state, from(serde_json::json!({}))).unwrap();
    assert_eq!(hosts[0].host_taxon.as_deref(), Some(marmot.as_str()));

    let trends = monitoring::report_trends(
        &state,
        from(serde_json::json!({"taxon": marmot, "by": "year", "period": {}})),
    )
    .unwrap();
    assert_eq!(trends.iter().map(|t| t.records).sum::<u64>(), 1);
    let sites_seen = monitoring::report_sites(&state, from(serde_json::json!({}))).unwrap();
    assert!(sites_seen.iter().any(|s| s.site_id == site));
    let progress = monitoring::report_country_progress(&state).unwrap();
    assert!(progress
        .iter()
        .any(|p| p.country == Country::RU && p.records == 1));

    // Risk: the settings kept, changed, used, and put back.
    let settings = monitoring::risk_settings(&state).unwrap();
    let mut plague = settings
        .iter()
        .find(|s| s.disease == "plague")
        .unwrap()
        .clone();
    let default_threshold = plague.threshold;
    plague.threshold = 0.0;
    monitoring::risk_settings_save(&state, plague).unwrap();
    let risk = monitoring::report_risk(&state, "plague".into()).unwrap();
    assert!(risk.iter().any(|r| r.site_id == site), "{risk:?}");
    assert!(monitoring::needs_attention_sites(&state)
        .unwrap()
        .iter()
        .any(|r| r.site_id == site));
    monitoring::risk_settings_reset(&state, "plague".into()).unwrap();
    let back = monitoring::risk_settings(&state).unwrap();
    assert_eq!(
        back.iter()
            .find(|s| s.disease == "plague")
            .unwrap()
            .threshold,
        default_threshold
    );
    assert_eq!(
        code(monitoring::report_risk(&state, "scurvy".into())),
        "not_found"
    );
}

#[test]
fn a_visit_is_started_ended_listed_and_made_from_a_gpx_track() {
    let (_host, state) = app();
    let id = survey(&state, "Torey lakes 2027", "2027-05-01", "2027-05-20");
    assert!(visits::visit_open(&state).unwrap().is_none());
    let start: dauria_core::visits::VisitStart = from(serde_json::json!({
        "survey": id, "site": null, "route": null, "protocol": "transect",
        "observers": ["A. Batsaikhan"], "start": "2027-05-02T08:00:00+09:00", "weather": null
    }));
    let saved = visits::visit_start(&state, start.clone()).unwrap();
    assert_eq!(visits::visit_open(&state).unwrap().unwrap().id, saved.id);
    assert_eq!(code(visits::visit_start(&state, start)), "invalid");
    visits::visit_end(&state, Some("2027-05-02T11:00:00+09:00".into())).unwrap();
    assert!(visits::visit_open(&state).unwrap().is_none());
    let listed = visits::visit_list(&state, Some(id.clone())).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].open);

    let made = visits::visit_from_gpx(
        &state,
        GPX,
        Some(id.clone()),
        Some("".into()),
        Some(r#"["A. Batsaikhan","B. Dorj"]"#.into()),
    )
    .unwrap();
    assert!(!made.is_empty());
    let listed = visits::visit_list(&state, Some(id)).unwrap();
    assert_eq!(listed.len(), 1 + made.len());
    let from_track = listed.iter().find(|v| v.id == made[0]).unwrap();
    assert_eq!(from_track.visit.observers, vec!["A. Batsaikhan", "B. Dorj"]);
    assert!(!from_track.visit.track.is_empty());
}

#[test]
fn a_backup_is_made_and_restored_and_a_damaged_one_changes_nothing() {
    let (host, state) = app();
    assert_eq!(
        backup::backup_folder(&state).unwrap(),
        host.documents()
            .join("Dauria Field")
            .join("Backups")
            .display()
            .to_string()
    );
    let marmot = taxon(&state, "Marmota sibirica");
    let kept = records::create_record(
        &state,
        sighting(&marmot, 1, 50.0, 115.5, "2024-06-01T07:30:00+09:00"),
    )
    .unwrap();
    exchange::photo_store(&state, &jpeg_with_gps(), None).unwrap();
    let folder = host.root.path().join("backups");
    let made = backup::backup_create(&state, folder.display().to_string()).unwrap();
    assert!(made.path.starts_with(&folder.display().to_string()));
    assert!(made.photos > 0 && made.store_bytes > 0, "{made:?}");

    records::delete_record(&state, kept.id.clone(), kept.rev_id).unwrap();
    let restored = backup::backup_restore(&state, made.path.clone()).unwrap();
    assert_eq!(restored.photos, made.photos);
    assert!(
        !records::get_record(&state, kept.id.clone())
            .unwrap()
            .unwrap()
            .deleted
    );

    let empty = host.root.path().join("not-a-backup");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(backup::backup_restore(&state, empty.display().to_string()).is_err());
    // The store is open again and unchanged.
    assert!(
        !records::get_record(&state, kept.id)
            .unwrap()
            .unwrap()
            .deleted
    );
}

#[test]
fn the_store_is_encrypted_restarted_unlocked_and_its_passphrase_changed() {
    let (host, state) = app();
    let lock = security::store_lock_state(&state);
    assert!(!lock.encrypted && !lock.locked);
    let marmot = taxon(&state, "Marmota sibirica");
    let kept = records::create_record(
        &state,
        sighting(&marmot, 1, 50.0, 115.5, "2024-06-01T07:30:00+09:00"),
    )
    .unwrap();
    exchange::photo_store(&state, &jpeg_with_gps(), None).unwrap();

    security::store_encrypt(&state, "steppe eagle 2027".into()).unwrap();
    assert_eq!(host.restarts.load(std::sync::atomic::Ordering::SeqCst), 1);
    let progress: Vec<_> = host
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::EncryptProgress(p) => Some((p.done, p.total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress.last(), Some(&(1, 1)), "{progress:?}");
    assert_eq!(
        code(security::store_encrypt(&state, "again".into())),
        "invalid"
    );
    drop(state);

    // The restarted app: locked until the passphrase is given.
    let state = AppState::open(host.clone()).unwrap();
    assert!(security::store_lock_state(&state).locked);
    assert_eq!(code(records::stats(&state)), "locked");
    assert_eq!(
        code(security::store_unlock(&state, "wrong".into())),
        "wrong_passphrase"
    );
    security::store_unlock(&state, "steppe eagle 2027".into()).unwrap();
    let lock = security::store_lock_state(&state);
    assert!(lock.encrypted && !lock.locked);
    assert!(records::get_record(&state, kept.id).unwrap().is_some());

    assert_eq!(
        code(security::store_change_passphrase(
            &state,
            "wrong".into(),
            "a long enough passphrase".into()
        )),
        "wrong_passphrase"
    );
    security::store_change_passphrase(&state, "steppe eagle 2027".into(), "saker falcon".into())
        .unwrap();
    dauria_core::encryption::forget(&state.data_dir);
    assert_eq!(
        code(security::store_unlock(&state, "steppe eagle 2027".into())),
        "wrong_passphrase"
    );
    security::store_unlock(&state, "saker falcon".into()).unwrap();
}

/// Two laptops and a real server: enrolled with codes, synced by the background task (its
/// events sent to the host), a photo fetched by the laptop that did not take it.
#[test]
fn laptops_enroll_sync_by_the_background_task_and_fetch_photos() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(server_dir.path(), None, None, &[]);

    let (host_a, a) = app();
    let status = sync::sync_status(&a).unwrap();
    assert!(status.status.server.is_none() && !status.running);
    let refused = code(sync::sync_enroll(
        &a,
        server.url(),
        "NOT-A-CODE".into(),
        None,
    ));
    assert!(
        refused.starts_with("sync.") && refused != "sync.unreachable",
        "{refused}"
    );
    assert_eq!(
        code(sync::sync_enroll(
            &a,
            "http://127.0.0.1:9".into(),
            "X".into(),
            None
        )),
        "sync.unreachable"
    );
    let view = sync::sync_enroll(
        &a,
        format!("{}/", server.url()),
        server.enrollment_code("a", "field"),
        None,
    )
    .unwrap();
    assert_eq!(view.status.server.as_deref(), Some(server.url().as_str()));

    let marmot = taxon(&a, "Marmota sibirica");
    let photo = exchange::photo_store(&a, &jpeg_with_gps(), None).unwrap();
    let mut o = sighting(&marmot, 6, 50.0, 115.5, "2024-06-01T07:30:00+09:00");
    if let Body::Observation(ref mut o) = o {
        o.photos = vec![photo.sha256.clone()];
    }
    let saved = records::create_record(&a, o).unwrap();
    sync::sync_now(&a);
    // Enrolling starts a sync of its own; the one that pushes the sighting is waited for.
    let finished = |e: &Event| {
        matches!(e, Event::Sync(SyncEvent::Finished { totals, status })
            if totals.pushed > 0 && status.status.pending_ops == 0)
    };
    host_a.wait_for(Duration::from_secs(60), finished);
    assert!(host_a
        .events()
        .iter()
        .any(|e| matches!(e, Event::Sync(SyncEvent::Started))));
    assert_eq!(sync::sync_status(&a).unwrap().status.pending_ops, 0);

    let (host_b, b) = app();
    sync::sync_enroll(
        &b,
        server.url(),
        server.enrollment_code("b", "field"),
        Some(" ".into()),
    )
    .unwrap();
    host_b.wait_for(
        Duration::from_secs(60),
        |e| matches!(e, Event::Sync(SyncEvent::Finished { totals, .. }) if totals.pulled > 0),
    );
    let pulled = records::get_record(&b, saved.id).unwrap().unwrap();
    assert!(matches!(pulled.body, Some(Body::Observation(ref o)) if o.count == Some(6)));
    assert!(exchange::photo_fetch(&b, photo.sha256.clone()).unwrap());
    assert_eq!(
        exchange::photo_data(&b, photo.sha256).unwrap(),
        jpeg_with_gps()
    );
    assert!(!exchange::photo_fetch(&b, "1".repeat(64)).unwrap());
}

#[test]
fn an_announced_server_is_discovered_on_the_local_network() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(server_dir.path(), None, None, &["--advertise"]);
    let found = sync::sync_discover(Duration::from_secs(4)).unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.url.ends_with(&format!(":{}", server.addr.port()))),
        "the server was not found: {found:?}"
    );
}

#[test]
fn commands_on_a_closed_store_answer_locked() {
    let host = TestHost::new();
    let state = AppState::open(host.clone() as Arc<dyn dauria_app::Host>).unwrap();
    state.store.lock().unwrap().take();
    assert_eq!(code(records::stats(&state)), "locked");
    assert_eq!(code(exchange::sample_summary(&state)), "locked");
    assert!(security::store_lock_state(&state).locked);
}

/// Restoring a backup closes the background sync's connection while the files are replaced;
/// the task opens the store again afterwards and goes on syncing.
#[test]
fn the_background_sync_goes_on_after_a_backup_is_restored() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(server_dir.path(), None, None, &[]);
    let (host, state) = app();
    sync::sync_enroll(
        &state,
        server.url(),
        server.enrollment_code("a", "field"),
        None,
    )
    .unwrap();
    host.wait_for(Duration::from_secs(60), |e| {
        matches!(e, Event::Sync(SyncEvent::Finished { .. }))
    });
    let folder = host.root.path().join("backups");
    let made = backup::backup_create(&state, folder.display().to_string()).unwrap();
    backup::backup_restore(&state, made.path).unwrap();

    let marmot = taxon(&state, "Marmota sibirica");
    records::create_record(
        &state,
        sighting(&marmot, 2, 50.0, 115.5, "2024-06-01T07:30:00+09:00"),
    )
    .unwrap();
    sync::sync_now(&state);
    host.wait_for(
        Duration::from_secs(60),
        |e| matches!(e, Event::Sync(SyncEvent::Finished { totals, .. }) if totals.pushed > 0),
    );
    assert_eq!(sync::sync_status(&state).unwrap().status.pending_ops, 0);
}
