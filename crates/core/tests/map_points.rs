//! Every live sighting's position for the main map, read from a real store: a sighting's own
//! position, else its site's (following the site when it moves); deleted sightings left out.

use dauria_core::map_points::points_to_le_bytes;
use dauria_core::model::*;
use dauria_core::sites::SiteInput;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;

fn sighting(taxon: &str, site: Option<&str>, at: Option<(f64, f64)>) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: site.map(str::to_string),
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(1),
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

fn pairs(points: &[f32]) -> Vec<(f32, f32)> {
    let mut out: Vec<(f32, f32)> = points.chunks(2).map(|c| (c[0], c[1])).collect();
    out.sort_by(|a, b| a.partial_cmp(b).unwrap());
    out
}

#[test]
fn every_live_sighting_is_a_point_at_its_own_position_or_its_sites() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let wolf = TaxonIndex::load(&store)
        .unwrap()
        .resolve("Canis lupus")
        .unwrap();
    let site = store
        .add_site(&SiteInput {
            name: "Torey east shore".into(),
            lat: 50.1,
            lon: 115.65,
            uncertainty_m: None,
            elevation_m: None,
            habitat: None,
        })
        .unwrap();
    assert!(store.sighting_points().unwrap().is_empty());

    store
        .create(&sighting(&wolf, None, Some((49.84, 115.5))))
        .unwrap();
    store
        .create(&sighting(&wolf, Some(&site.id), None))
        .unwrap();
    // Its own position wins over its site's.
    store
        .create(&sighting(&wolf, Some(&site.id), Some((50.2, 115.7))))
        .unwrap();
    let gone = store
        .create(&sighting(&wolf, None, Some((48.0, 114.5))))
        .unwrap();
    store.delete(&gone.id, &gone.rev_id).unwrap();

    let points = store.sighting_points().unwrap();
    assert_eq!(
        pairs(&points),
        vec![(49.84, 115.5), (50.1, 115.65), (50.2, 115.7)]
    );

    // Moving the site moves the sighting that has no position of its own.
    store
        .edit_site(
            &site.id,
            &SiteInput {
                name: "Torey east shore".into(),
                lat: 50.12,
                lon: 115.66,
                uncertainty_m: None,
                elevation_m: None,
                habitat: None,
            },
        )
        .unwrap();
    assert_eq!(
        pairs(&store.sighting_points().unwrap()),
        vec![(49.84, 115.5), (50.12, 115.66), (50.2, 115.7)]
    );

    let bytes = points_to_le_bytes(&points);
    assert_eq!(bytes.len(), points.len() * 4);
    assert_eq!(
        f32::from_le_bytes(bytes[0..4].try_into().unwrap()),
        points[0]
    );
}
