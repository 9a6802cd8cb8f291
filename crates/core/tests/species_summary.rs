//! The species summary is read from a tally the write path keeps; after any mix of saves, edits
//! and deletes it must equal a count made from scratch over the live observations.

use dauria_core::model::*;
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use std::collections::BTreeMap;

fn sighting(taxon: &str, site: Option<&str>, count: u32, unit: CountUnit, at: &str) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: site.map(str::to_string),
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(count),
        count_min: None,
        count_max: None,
        unit,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.7),
        lon: Some(115.1),
        uncertainty_m: None,
        observed_at: at.to_string(),
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

type Group = (u64, u64, String, String);
type Key = (Option<String>, Option<String>);
/// Records, individuals, and the (instant, as written) of the first and last sighting.
type Tally = (u64, u64, (i64, String), (i64, String));

/// (site, taxon) -> (records, individuals, first seen, last seen), counted from the live rows.
fn from_scratch(
    store: &Store,
    site: Option<&str>,
) -> BTreeMap<(Option<String>, Option<String>), Group> {
    let mut out: BTreeMap<Key, Tally> = BTreeMap::new();
    let page = store
        .observations(&ObservationFilter::default(), None, 10_000)
        .unwrap();
    for r in page.rows {
        let o = r.observation;
        if site.is_some() && o.site.as_deref() != site {
            continue;
        }
        let utc = chrono::DateTime::parse_from_rfc3339(&o.observed_at)
            .unwrap()
            .timestamp_millis();
        let ind = if o.unit == CountUnit::Individuals {
            o.count.unwrap_or(0) as u64
        } else {
            0
        };
        let e = out.entry((o.site.clone(), o.taxon.clone())).or_insert((
            0,
            0,
            (i64::MAX, String::new()),
            (i64::MIN, String::new()),
        ));
        e.0 += 1;
        e.1 += ind;
        if utc < e.2 .0 {
            e.2 = (utc, o.observed_at.clone());
        }
        if utc > e.3 .0 {
            e.3 = (utc, o.observed_at.clone());
        }
    }
    out.into_iter()
        .map(|(k, (n, i, f, l))| (k, (n, i, f.1, l.1)))
        .collect()
}

fn summarised(
    store: &Store,
    site: Option<&str>,
) -> BTreeMap<(Option<String>, Option<String>), Group> {
    store
        .species_summary(site)
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                (s.site_id, s.taxon_id),
                (s.records, s.individuals, s.first_seen, s.last_seen),
            )
        })
        .collect()
}

#[test]
fn summary_stays_equal_to_a_recount_through_edits_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let idx = TaxonIndex::load(&store).unwrap();
    let taxa =
        ["Marmota sibirica", "Canis lupus", "Antigone vipio"].map(|n| idx.resolve(n).unwrap());
    let sites: Vec<Option<String>> = vec![
        None,
        Some(store.resolve_site("Daursky").unwrap()),
        Some(store.resolve_site("Dalai").unwrap()),
    ];
    let units = [
        CountUnit::Individuals,
        CountUnit::Individuals,
        CountUnit::Pairs,
    ];
    let mut live: Vec<(String, String)> = Vec::new();
    let mut seed = 7u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for step in 0..300 {
        let body = sighting(
            &taxa[next(3) as usize],
            sites[next(3) as usize].as_deref(),
            next(20) as u32,
            units[next(3) as usize],
            &format!(
                "2026-{:02}-{:02}T{:02}:00:00+0{}:00",
                next(12) + 1,
                next(28) + 1,
                next(24),
                8 + next(2)
            ),
        );
        let action = if live.is_empty() { 0 } else { next(4) };
        match action {
            0 | 1 => {
                let s = store.create(&body).unwrap();
                live.push((s.id, s.rev_id));
            }
            2 => {
                let i = next(live.len() as u64) as usize;
                let (id, rev) = live[i].clone();
                let s = store.update(&id, &rev, &body).unwrap();
                live[i].1 = s.rev_id;
            }
            _ => {
                let (id, rev) = live.swap_remove(next(live.len() as u64) as usize);
                store.delete(&id, &rev).unwrap();
            }
        }
        if step % 25 == 24 {
            assert_eq!(
                summarised(&store, None),
                from_scratch(&store, None),
                "after step {step}"
            );
            for site in sites.iter().flatten() {
                assert_eq!(
                    summarised(&store, Some(site)),
                    from_scratch(&store, Some(site)),
                    "site {site}, step {step}"
                );
            }
        }
    }
    for (id, rev) in live.drain(..) {
        store.delete(&id, &rev).unwrap();
    }
    assert!(
        store.species_summary(None).unwrap().is_empty(),
        "no live observations, no groups"
    );
}
