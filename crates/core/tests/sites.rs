//! Sites made, moved, merged and deleted on a real store, and countries derived from positions
//! a few kilometres either side of the borders of the Daur region.

use dauria_core::model::*;
use dauria_core::places::country_at;
use dauria_core::sites::SiteInput;
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::{Error, Store};

/// Points about 5 km either side of a border, checked against the bundled Natural Earth 10 m
/// borders (where each border crosses the line the pair lies on is in the comment).
const BORDER_POINTS: [(&str, f64, f64, Country); 8] = [
    // China–Russia on the Argun: at 50.1°N the border is at 119.33°E.
    ("Argun, Russian bank", 50.1, 119.26, Country::RU),
    ("Argun, Chinese bank", 50.1, 119.40, Country::CN),
    // Mongolia–Russia between Mongol Daguur and Daursky: at 115.5°E the border is at 49.89°N.
    ("south of the Daursky border", 49.84, 115.5, Country::MN),
    (
        "north of the Mongol Daguur border",
        49.94,
        115.5,
        Country::RU,
    ),
    // China–Mongolia west of Hulun Lake: at 117.5°E the border is at 47.78°N.
    ("Mongolian side, west of Hulun", 47.73, 117.5, Country::MN),
    ("Chinese side, west of Hulun", 47.83, 117.5, Country::CN),
    // Mongolia–Russia–China corner, Russian side: at 117.5°E Russia begins at 49.61°N.
    (
        "Chinese side, south of Zabaykalsk",
        49.56,
        117.5,
        Country::CN,
    ),
    ("Russian side, Zabaykalsk", 49.66, 117.5, Country::RU),
];

fn input(name: &str, lat: f64, lon: f64) -> SiteInput {
    SiteInput {
        name: name.to_string(),
        lat,
        lon,
        uncertainty_m: Some(50.0),
        elevation_m: None,
        habitat: Some("steppe".into()),
    }
}

fn site(store: &Store, id: &str) -> Site {
    match store.get(id).unwrap().unwrap().body {
        Some(Body::Site(s)) => s,
        other => panic!("{id} is not a live site: {other:?}"),
    }
}

fn sighting(taxon: &str, site: Option<&str>, at: Option<(f64, f64)>) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: site.map(str::to_string),
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(2),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: at.map(|p| p.0),
        lon: at.map(|p| p.1),
        uncertainty_m: None,
        observed_at: "2026-06-01T08:00:00+09:00".into(),
        observers: vec![],
        detection_method: None,
        notes: None,
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

fn wolf(store: &Store) -> String {
    TaxonIndex::load(store)
        .unwrap()
        .resolve("Canis lupus")
        .unwrap()
}

fn countries_of(store: &Store, country: Country) -> usize {
    let filter = ObservationFilter {
        country: Some(country),
        ..Default::default()
    };
    store.observations(&filter, None, 100).unwrap().rows.len()
}

#[test]
fn sites_either_side_of_each_border_get_the_country_they_lie_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    for (name, lat, lon, want) in BORDER_POINTS {
        assert_eq!(country_at(lat, lon), Some(want), "{name} ({lat}, {lon})");
        let saved = store.add_site(&input(name, lat, lon)).unwrap();
        let s = site(&store, &saved.id);
        assert_eq!(s.country, want, "site {name} at ({lat}, {lon})");
        assert_eq!(s.name, name);
    }
}

#[test]
fn sightings_by_coordinates_count_for_the_country_they_lie_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let wolf = wolf(&store);
    store
        .create(&sighting(&wolf, None, Some((50.1, 119.26))))
        .unwrap();
    store
        .create(&sighting(&wolf, None, Some((50.1, 119.40))))
        .unwrap();
    store
        .create(&sighting(&wolf, None, Some((49.84, 115.5))))
        .unwrap();
    assert_eq!(countries_of(&store, Country::RU), 1);
    assert_eq!(countries_of(&store, Country::CN), 1);
    assert_eq!(countries_of(&store, Country::MN), 1);
}

#[test]
fn a_site_in_a_reserve_is_filed_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let daursky =
        dauria_core::seed::seed_id("protected_area:Daursky State Nature Biosphere Reserve");
    // About 10 km from the Torey Lakes point, inside the 25.8 km radius of 2,086 km².
    let inside = store
        .add_site(&input("Torey east shore", 50.1, 115.65))
        .unwrap();
    assert_eq!(
        site(&store, &inside.id).protected_area.as_deref(),
        Some(daursky.as_str())
    );
    let outside = store.add_site(&input("Borzya", 50.39, 116.52)).unwrap();
    assert_eq!(site(&store, &outside.id).protected_area, None);
}

#[test]
fn bad_sites_are_refused_naming_the_problem_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let before = store.stats().unwrap();
    let cases = [
        (input("  ", 50.0, 115.0), "name", "required"),
        (input("Off the map", 95.0, 115.0), "lat", "range"),
        (
            input("Sea of Japan", 40.0, 130.5),
            "position",
            "outside_countries",
        ),
    ];
    for (bad, field, rule) in cases {
        match store.add_site(&bad) {
            Err(Error::Invalid(errs)) => assert!(
                errs.iter().any(|e| e.field == field && e.rule == rule),
                "{:?} should be refused on {field}/{rule}, got {errs:?}",
                bad.name
            ),
            other => panic!("{:?} was not refused: {other:?}", bad.name),
        }
    }
    let after = store.stats().unwrap();
    assert_eq!(
        before.revisions, after.revisions,
        "a refused site wrote a revision"
    );
    assert_eq!(store.pending_count().unwrap(), 0);
}

#[test]
fn moving_a_site_across_a_border_moves_its_sightings_country() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let wolf = wolf(&store);
    let saved = store.add_site(&input("Ford", 50.1, 119.26)).unwrap();
    store
        .create(&sighting(&wolf, Some(&saved.id), None))
        .unwrap();
    assert_eq!(countries_of(&store, Country::RU), 1);
    let moved = store
        .edit_site(&saved.id, &input("Ford", 50.1, 119.40))
        .unwrap();
    assert_eq!(site(&store, &saved.id).country, Country::CN);
    assert_eq!(countries_of(&store, Country::RU), 0);
    assert_eq!(countries_of(&store, Country::CN), 1);
    let history = store.history(&saved.id).unwrap();
    assert!(history.iter().any(|h| h.rev_id == moved.rev_id));
}

#[test]
fn merging_sites_moves_sightings_and_visits_as_new_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let wolf = wolf(&store);
    let keep = store.add_site(&input("Torey north", 50.12, 115.6)).unwrap();
    let gone = store
        .add_site(&input("Torey N (typo)", 50.121, 115.601))
        .unwrap();
    let o1 = store
        .create(&sighting(&wolf, Some(&gone.id), None))
        .unwrap();
    let o2 = store
        .create(&sighting(&wolf, Some(&gone.id), None))
        .unwrap();
    let untouched = store
        .create(&sighting(&wolf, Some(&keep.id), None))
        .unwrap();
    let visit = store
        .create(&Body::Visit(Visit {
            survey: None,
            site: Some(gone.id.clone()),
            route: None,
            start: "2026-06-01T07:00:00+09:00".into(),
            end: None,
            observers: vec![],
            protocol: None,
            effort_value: None,
            effort_unit: None,
            weather: None,
            track: vec![],
        }))
        .unwrap();

    let report = store.merge_sites(&keep.id, &gone.id).unwrap();
    assert_eq!((report.observations, report.visits), (2, 1));
    assert!(store.get(&gone.id).unwrap().unwrap().deleted);
    for (id, old_rev) in [
        (&o1.id, &o1.rev_id),
        (&o2.id, &o2.rev_id),
        (&visit.id, &visit.rev_id),
    ] {
        let c = store.get(id).unwrap().unwrap();
        assert_ne!(&c.rev_id, old_rev, "{id} has no new revision");
        let at = match c.body.unwrap() {
            Body::Observation(o) => o.site,
            Body::Visit(v) => v.site,
            other => panic!("{other:?}"),
        };
        assert_eq!(at.as_deref(), Some(keep.id.as_str()));
        let h = store.history(id).unwrap();
        assert_eq!(
            h.len(),
            2,
            "the merge adds one revision on top of the old one"
        );
    }
    assert_eq!(store.history(&untouched.id).unwrap().len(), 1);
    let summary = store.species_summary(Some(&keep.id)).unwrap();
    assert_eq!(summary.iter().map(|s| s.records).sum::<u64>(), 3);
    assert!(store.merge_sites(&keep.id, &keep.id).is_err());
}

#[test]
fn a_used_site_is_not_deleted_and_an_unused_one_comes_back_on_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let wolf = wolf(&store);
    let used = store.add_site(&input("Used", 50.0, 115.4)).unwrap();
    store
        .create(&sighting(&wolf, Some(&used.id), None))
        .unwrap();
    match store.delete_site(&used.id) {
        Err(Error::Invalid(errs)) => assert_eq!(errs[0].rule, "site_in_use"),
        other => panic!("a used site was deleted: {other:?}"),
    }
    assert!(!store.get(&used.id).unwrap().unwrap().deleted);

    let unused = store.add_site(&input("Unused", 50.0, 115.45)).unwrap();
    let body = store.get(&unused.id).unwrap().unwrap().body.unwrap();
    let gone = store.delete_site(&unused.id).unwrap();
    assert!(store.get(&unused.id).unwrap().unwrap().deleted);
    // Undo writes the body back on top of the deletion.
    store.update(&unused.id, &gone.rev_id, &body).unwrap();
    assert_eq!(site(&store, &unused.id).name, "Unused");
}

#[test]
fn kazakhstan_is_seeded_with_its_checklist_names_and_reserves() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let kz = store.country_checklist(Country::KZ).unwrap();
    assert!(kz.taxa.len() >= 40, "Kazakhstan has {} taxa", kz.taxa.len());
    assert!(kz
        .taxa
        .iter()
        .any(|t| t.taxon.scientific_name == "Otis tarda"));
    assert!(
        !kz.taxa
            .iter()
            .any(|t| t.taxon.scientific_name == "Marmota sibirica"),
        "the tarbagan does not occur in Kazakhstan"
    );
    let wolf = kz
        .taxa
        .iter()
        .find(|t| t.taxon.scientific_name == "Canis lupus")
        .unwrap();
    let kk = wolf.taxon.names.iter().find(|n| n.locale == "kk").unwrap();
    assert_eq!(kk.name, "Қасқыр");
    assert!(!kk.verified, "a name no source cites is unverified");
    let reserves: Vec<ProtectedArea> = store
        .list(Kind::ProtectedArea)
        .unwrap()
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::ProtectedArea(p)) if p.country == Country::KZ => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(reserves.len(), 2);
    for r in &reserves {
        assert_eq!(
            country_at(r.lat, r.lon),
            Some(Country::KZ),
            "{} is not in Kazakhstan",
            r.name_en
        );
        assert!(r.source.is_some());
    }
    // The other countries' lists are as they were.
    assert_eq!(store.country_checklist(Country::RU).unwrap().taxa.len(), 73);
}

#[test]
fn leads_add_and_remove_taxa_and_edit_local_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let marmot = TaxonIndex::load(&store)
        .unwrap()
        .resolve("Marmota sibirica")
        .unwrap();
    let n = store.country_checklist(Country::KZ).unwrap().taxa.len();
    store.checklist_add(Country::KZ, &marmot).unwrap();
    assert_eq!(
        store.country_checklist(Country::KZ).unwrap().taxa.len(),
        n + 1
    );
    assert!(
        store.checklist_add(Country::KZ, &marmot).is_err(),
        "added twice"
    );
    store.set_taxon_name(&marmot, "kk", "Тарбаған").unwrap();
    let t = store.country_checklist(Country::KZ).unwrap();
    let entry = t.taxa.iter().find(|e| e.id == marmot).unwrap();
    assert!(entry
        .taxon
        .names
        .iter()
        .any(|n| n.locale == "kk" && n.name == "Тарбаған"));
    assert!(store.set_taxon_name(&marmot, "xx", "?").is_err());
    store.checklist_remove(Country::KZ, &marmot).unwrap();
    assert_eq!(store.country_checklist(Country::KZ).unwrap().taxa.len(), n);
    match store.checklist_remove(Country::KZ, &marmot) {
        Err(Error::Invalid(errs)) => assert_eq!(errs[0].rule, "not_listed"),
        other => panic!("{other:?}"),
    }
    match store.checklist_add(Country::KZ, "no-such-taxon") {
        Err(Error::Invalid(errs)) => assert_eq!(errs[0].rule, "unknown_taxon"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.pending_count().unwrap(),
        3,
        "each change is one outbox op"
    );
}

#[test]
fn a_store_seeded_before_kazakhstan_gets_it_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.set_meta("seeded", "1").unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.meta("seeded").unwrap().as_deref(),
        Some(dauria_core::seed::SEED_VERSION)
    );
    assert!(!store
        .country_checklist(Country::KZ)
        .unwrap()
        .taxa
        .is_empty());
    assert_eq!(store.pending_count().unwrap(), 0);
}

#[test]
fn imported_sightings_with_coordinates_count_for_the_country_they_lie_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let csv = "Species,COUNT,Latitude,Longitude,Observed_At\n\
               Canis lupus,1,50.1,119.26,2026-06-01T07:30:00+09:00\n\
               Canis lupus,1,50.1,119.40,2026-06-01T07:40:00+08:00\n\
               Canis lupus,1,47.73,117.5,2026-06-01T07:50:00+08:00\n\
               Canis lupus,1,51.17,71.45,2026-06-01T07:50:00+06:00\n";
    let r = dauria_core::import::import_observations(
        &mut store,
        csv.as_bytes(),
        dauria_core::import::ImportOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(r.imported, 4, "{:?}", r.errors);
    for c in [Country::RU, Country::CN, Country::MN, Country::KZ] {
        assert_eq!(countries_of(&store, c), 1, "sightings counted for {c:?}");
    }
}
