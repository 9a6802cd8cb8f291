//! Store behaviour on a real SQLite file in a temporary folder.

use dauria_core::import::{export_observations, import_observations, preview_csv, ImportOptions};
use dauria_core::model::*;
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::{Error, Store};
use dauria_proto::Revision;

fn marmot(store: &Store) -> String {
    TaxonIndex::load(store)
        .unwrap()
        .resolve("тарбаган")
        .unwrap()
}

fn sighting(taxon: &str, count: u32, at: &str) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(count),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.7),
        lon: Some(115.1),
        uncertainty_m: Some(10.0),
        observed_at: at.to_string(),
        observers: vec!["Bat-Erdene".into()],
        detection_method: Some("visual".into()),
        notes: Some("near burrows".into()),
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

#[test]
fn first_open_seeds_checklist_reserves_and_sites() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.list(Kind::Taxon).unwrap().len(), 73);
    assert_eq!(store.list(Kind::ProtectedArea).unwrap().len(), 5);
    assert_eq!(store.list(Kind::Site).unwrap().len(), 5);
    let ru = store.country_checklist(Country::RU).unwrap();
    assert_eq!(ru.taxa.len(), 73);
    assert_eq!(store.pending_count().unwrap(), 0, "seed data is not pushed");
    drop(store);
    // Reopening does not seed twice.
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.list(Kind::Taxon).unwrap().len(), 73);
}

#[test]
fn taxon_is_found_by_any_name_in_any_language() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let idx = TaxonIndex::load(&store).unwrap();
    let id = idx.resolve("Marmota sibirica").unwrap();
    for q in ["тарбаган", "ТАРБАГАН", "marmota", "Монгол тарвага"] {
        assert_eq!(idx.resolve(q).unwrap(), id, "query {q}");
    }
    assert_eq!(idx.search("旱獭", 5)[0].id, id);
    // "Marmot flea" starts with the word too: both are found, the shorter name first.
    let marmots: Vec<String> = idx.search("marmot", 5).into_iter().map(|m| m.id).collect();
    assert!(marmots.contains(&id), "{marmots:?}");
    assert_eq!(idx.search("tarbagan marmot", 5)[0].id, id);
    assert_eq!(
        idx.resolve("Grus vipio").unwrap(),
        idx.resolve("Antigone vipio").unwrap()
    );
    assert!(matches!(idx.resolve("unicorn"), Err(Error::Invalid(_))));
}

#[test]
fn save_edit_delete_keep_every_revision_and_outbox_op() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let t = marmot(&store);
    let a = store
        .create(&sighting(&t, 3, "2026-06-01T07:30:00+08:00"))
        .unwrap();
    let b = store
        .update(
            &a.id,
            &a.rev_id,
            &sighting(&t, 5, "2026-06-01T07:30:00+08:00"),
        )
        .unwrap();
    assert_eq!(store.pending_count().unwrap(), 2);
    let cur = store.get(&a.id).unwrap().unwrap();
    assert_eq!(cur.rev_id, b.rev_id);
    assert!(matches!(cur.body, Some(Body::Observation(ref o)) if o.count == Some(5)));
    let d = store.delete(&a.id, &b.rev_id).unwrap();
    let cur = store.get(&a.id).unwrap().unwrap();
    assert!(cur.deleted && cur.body.is_none());
    let hist = store.history(&a.id).unwrap();
    assert_eq!(hist.len(), 3);
    assert_eq!(hist[2].rev_id, d.rev_id);
    assert!(hist[2].deleted && hist[2].head);
    assert_eq!(hist[1].parents, vec![a.rev_id.clone()]);
    assert_eq!(store.outbox_after(0, 100, 1 << 20).unwrap().len(), 3);
    let page = store
        .observations(&ObservationFilter::default(), None, 10)
        .unwrap();
    assert!(page.rows.is_empty(), "deleted records are not listed");
}

#[test]
fn invalid_sightings_are_refused_naming_field_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let t = marmot(&store);
    let mut bad = sighting(&t, 1, "yesterday");
    if let Body::Observation(o) = &mut bad {
        o.lat = Some(95.0);
        o.taxon = Some("no-such-taxon".into());
    }
    let Err(Error::Invalid(errs)) = store.create(&bad) else {
        panic!("accepted a bad sighting")
    };
    let pairs: Vec<(&str, &str)> = errs
        .iter()
        .map(|e| (e.field.as_str(), e.rule.as_str()))
        .collect();
    assert!(pairs.contains(&("lat", "range")), "{pairs:?}");
    assert!(pairs.contains(&("observed_at", "format")), "{pairs:?}");
    assert!(pairs.contains(&("taxon", "unknown_taxon")), "{pairs:?}");
    assert_eq!(store.pending_count().unwrap(), 0, "nothing half-saved");
}

fn copy_to(from: &Store, to: &mut Store) {
    let revs: Vec<Revision> = from.outbox_after(0, 10_000, usize::MAX).unwrap();
    to.apply_remote(&revs, &[]).unwrap();
}

#[test]
fn concurrent_edits_conflict_with_the_same_winner_everywhere_and_merge_resolves() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Store::open(d1.path()).unwrap();
    let mut b = Store::open(d2.path()).unwrap();
    let t = marmot(&a);
    let s = a
        .create(&sighting(&t, 1, "2026-06-01T07:30:00+08:00"))
        .unwrap();
    copy_to(&a, &mut b);
    a.update(
        &s.id,
        &s.rev_id,
        &sighting(&t, 2, "2026-06-01T07:30:00+08:00"),
    )
    .unwrap();
    b.update(
        &s.id,
        &s.rev_id,
        &sighting(&t, 7, "2026-06-01T07:30:00+08:00"),
    )
    .unwrap();
    copy_to(&a, &mut b);
    copy_to(&b, &mut a);
    let (ca, cb) = (
        a.get(&s.id).unwrap().unwrap(),
        b.get(&s.id).unwrap().unwrap(),
    );
    assert!(ca.conflict && cb.conflict);
    assert_eq!(ca.rev_id, cb.rev_id, "same provisional winner on both");
    assert_eq!(a.heads(&s.id).unwrap().len(), 2);
    assert_eq!(a.conflicts().unwrap().len(), 1);
    a.merge(&s.id, Some(&sighting(&t, 9, "2026-06-01T07:30:00+08:00")))
        .unwrap();
    copy_to(&a, &mut b);
    let cb = b.get(&s.id).unwrap().unwrap();
    assert!(!cb.conflict);
    assert!(matches!(cb.body, Some(Body::Observation(ref o)) if o.count == Some(9)));
    assert!(b.conflicts().unwrap().is_empty());
}

#[test]
fn edit_against_delete_keeps_the_edit_visible_as_a_conflict() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Store::open(d1.path()).unwrap();
    let mut b = Store::open(d2.path()).unwrap();
    let t = marmot(&a);
    let s = a
        .create(&sighting(&t, 1, "2026-06-01T07:30:00+08:00"))
        .unwrap();
    copy_to(&a, &mut b);
    a.delete(&s.id, &s.rev_id).unwrap();
    b.update(
        &s.id,
        &s.rev_id,
        &sighting(&t, 4, "2026-06-01T07:30:00+08:00"),
    )
    .unwrap();
    copy_to(&a, &mut b);
    copy_to(&b, &mut a);
    for st in [&a, &b] {
        let c = st.get(&s.id).unwrap().unwrap();
        assert!(
            c.conflict && !c.deleted,
            "the edit wins provisionally and the conflict shows"
        );
        // Counted from the conflict heads and the species tally, as the home screen shows them.
        assert_eq!(
            st.conflicts().unwrap(),
            vec![(s.id.clone(), Kind::Observation)]
        );
        let stats = st.stats().unwrap();
        assert_eq!((stats.conflicts, stats.observations), (1, 1));
    }
    // Merged as deleted: no conflict, no live sighting.
    a.merge(&s.id, None).unwrap();
    assert!(a.conflicts().unwrap().is_empty());
    let stats = a.stats().unwrap();
    assert_eq!((stats.conflicts, stats.observations), (0, 0));
}

#[test]
fn store_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let path = dir.path().join(dauria_core::store::DB_FILE);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    match Store::open(dir.path()) {
        Err(e @ Error::TooNew { .. }) => assert!(e.to_string().contains("newer version")),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("opened a store from a newer version"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn keyset_pages_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let t = marmot(&store);
    let wolf = TaxonIndex::load(&store)
        .unwrap()
        .resolve("Canis lupus")
        .unwrap();
    for i in 0..25 {
        let taxon = if i % 5 == 0 { &wolf } else { &t };
        store
            .create(&sighting(
                taxon,
                i + 1,
                &format!("2026-06-{:02}T07:30:00+08:00", i + 1),
            ))
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let p = store
            .observations(&ObservationFilter::default(), after.as_deref(), 10)
            .unwrap();
        seen.extend(p.rows.iter().map(|r| r.observation.count.unwrap()));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, (1..=25).rev().collect::<Vec<_>>());
    let f = ObservationFilter {
        taxon: Some(wolf.clone()),
        ..Default::default()
    };
    assert_eq!(store.observations(&f, None, 100).unwrap().rows.len(), 5);
    let f = ObservationFilter {
        text: Some("волк".into()),
        ..Default::default()
    };
    assert_eq!(store.observations(&f, None, 100).unwrap().rows.len(), 5);
    let f = ObservationFilter {
        from: Some("2026-06-10".into()),
        to: Some("2026-06-12".into()),
        ..Default::default()
    };
    assert_eq!(store.observations(&f, None, 100).unwrap().rows.len(), 3);
    let f = ObservationFilter {
        bbox: Some([115.0, 49.0, 116.0, 50.0]),
        ..Default::default()
    };
    assert_eq!(store.observations(&f, None, 100).unwrap().rows.len(), 25);
    let f = ObservationFilter {
        bbox: Some([100.0, 40.0, 101.0, 41.0]),
        ..Default::default()
    };
    assert!(store.observations(&f, None, 100).unwrap().rows.is_empty());
    let summary = store.species_summary(None).unwrap();
    let w = summary
        .iter()
        .find(|s| s.taxon_id.as_deref() == Some(&wolf))
        .unwrap();
    assert_eq!((w.records, w.individuals), (5, 1 + 6 + 11 + 16 + 21));
}

#[test]
fn csv_import_reports_bad_rows_and_keeps_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let csv = "Species,COUNT,Latitude,Longitude,Observed_At,Site\n\
               Тарбаган,3,49.7,115.1,2026-06-01T07:30:00+08:00,\n\
               Unicorn,1,49.7,115.1,2026-06-01T07:30:00+08:00,\n\
               Canis lupus,-2,49.7,115.1,2026-06-01T07:30:00+08:00,\n\
               Canis lupus,2,95,115.1,2026-06-01T07:30:00+08:00,\n\
               Canis lupus,2,,,2026-06-01T08:00:00+08:00,Daursky\n";
    let r = import_observations(
        &mut store,
        csv.as_bytes(),
        ImportOptions {
            all_or_nothing: true,
            ..ImportOptions::default()
        },
        |_| {},
    )
    .unwrap();
    assert!(r.rolled_back);
    assert_eq!(store.stats().unwrap().observations, 0);
    let r =
        import_observations(&mut store, csv.as_bytes(), ImportOptions::default(), |_| {}).unwrap();
    assert_eq!((r.rows, r.imported), (5, 2));
    let lines: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![(3, "Species"), (4, "COUNT"), (5, "Latitude")],
        "{:?}",
        r.errors
    );
    let mut out = Vec::new();
    assert_eq!(
        export_observations(&store, &ObservationFilter::default(), &mut out).unwrap(),
        2
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("Marmota sibirica") && text.contains("Daursky"),
        "{text}"
    );
}

#[test]
fn csv_headers_nobody_guesses_can_be_mapped_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    // A historical sheet with headers in Russian: nothing is recognised by name.
    let csv = "Вид,Кол-во,Широта,Долгота,Дата,Примечание\n\
               Canis lupus,2,49.7,115.1,2026-06-01T07:30:00+08:00,у дороги\n\
               Canis lupus,x,49.7,115.1,2026-06-01T08:30:00+08:00,\n";
    let p = preview_csv(csv.as_bytes(), 8).unwrap();
    assert_eq!(p.headers.len(), 6);
    assert!(p.guessed.iter().all(Option::is_none), "{:?}", p.guessed);
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0][5], "у дороги");
    assert!(p.columns.iter().any(|c| c == "position"));
    let err = import_observations(&mut store, csv.as_bytes(), ImportOptions::default(), |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("no 'taxon' column"), "{err}");

    let map = |cols: &[&str]| ImportOptions {
        columns: Some(
            cols.iter()
                .map(|c| (!c.is_empty()).then(|| c.to_string()))
                .collect(),
        ),
        ..ImportOptions::default()
    };
    let bad = [
        (
            vec!["taxon", "count"],
            "mapping names 2 columns but the CSV has 6",
        ),
        (
            vec!["taxon", "count", "lat", "lat", "observed_at", ""],
            "two headers are mapped to 'lat'",
        ),
        (
            vec!["taxon", "count", "lat", "lon", "observed_at", "colour"],
            "'colour' is not a column",
        ),
    ];
    for (cols, want) in bad {
        let err = import_observations(&mut store, csv.as_bytes(), map(&cols), |_| {}).unwrap_err();
        assert!(err.to_string().contains(want), "{cols:?}: {err}");
    }
    assert_eq!(
        store.stats().unwrap().observations,
        0,
        "a bad mapping writes nothing"
    );

    let r = import_observations(
        &mut store,
        csv.as_bytes(),
        map(&["taxon", "count", "lat", "lon", "observed_at", "notes"]),
        |_| {},
    )
    .unwrap();
    assert_eq!((r.rows, r.imported), (2, 1));
    assert_eq!(
        (r.errors[0].line, r.errors[0].column.as_str()),
        (3, "Кол-во")
    );
    let page = store
        .observations(&ObservationFilter::default(), None, 10)
        .unwrap();
    assert_eq!(page.rows[0].observation.notes.as_deref(), Some("у дороги"));
    assert_eq!(page.rows[0].observation.count, Some(2));
}
