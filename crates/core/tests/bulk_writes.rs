//! The bulk path (imports in chunks, pulled pages) keeps the same store as saving each record
//! on its own: every revision with its outbox op and current row, and a species tally equal to
//! a recount, ties between equal first or last sightings included.

use dauria_core::import::{import_observations, ImportOptions};
use dauria_core::model::*;
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use std::collections::BTreeMap;

type Key = (Option<String>, Option<String>);
type Group = (u64, u64, String, String);

fn summary(store: &Store) -> BTreeMap<Key, Group> {
    store
        .species_summary(None)
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

/// Every live observation's body, in id order.
fn bodies(store: &Store) -> Vec<Observation> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .observations(&ObservationFilter::default(), after.as_deref(), 1000)
            .unwrap();
        out.extend(page.rows.into_iter().map(|r| r.observation));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.sort_by(|a, b| {
        serde_json::to_string(a)
            .unwrap()
            .cmp(&serde_json::to_string(b).unwrap())
    });
    out
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn an_import_in_chunks_keeps_the_same_store_as_saving_each_row() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut bulk = Store::open(d1.path()).unwrap();
    let mut one_by_one = Store::open(d2.path()).unwrap();
    let idx = TaxonIndex::load(&bulk).unwrap();
    let taxa = ["Marmota sibirica", "Canis lupus", "Antigone vipio"];
    let sites = ["", "Daursky", "Dalai"];
    let units = ["individuals", "individuals", "pairs"];
    // More rows than a chunk holds, few distinct times so first and last sightings tie, some
    // rows known to a year or a month only, and a repeated occurrenceID.
    let mut csv = String::from("taxon,site,lat,lon,count,unit,observed_at,occurrenceID\n");
    let mut rng = Lcg(11);
    let rows = 5_000;
    for i in 0..rows {
        let site = sites[rng.next(3) as usize];
        let (lat, lon) = if site.is_empty() {
            ("49.9", "116.2")
        } else {
            ("", "")
        };
        let when = match rng.next(10) {
            0 => "2019".to_string(),
            1 => format!("2025-{:02}", rng.next(12) + 1),
            _ => format!("2025-06-{:02}T07:00:00+08:00", rng.next(3) + 1),
        };
        let occ = if i == 4500 { 4499 } else { i };
        csv.push_str(&format!(
            "{},{site},{lat},{lon},{},{},{when},occ-{occ}\n",
            taxa[rng.next(3) as usize],
            rng.next(30),
            units[rng.next(3) as usize],
        ));
    }
    let report =
        import_observations(&mut bulk, csv.as_bytes(), ImportOptions::default(), |_| {}).unwrap();
    assert!(report.errors.is_empty(), "{:?}", &report.errors[..3]);
    assert_eq!((report.imported, report.already_imported), (rows - 1, 1));
    // The same rows saved one at a time, in the same order.
    let imported = bodies(&bulk);
    assert_eq!(imported.len(), rows as usize - 1);
    let mut in_file_order: Vec<&Observation> = imported.iter().collect();
    in_file_order.sort_by_key(|o| {
        o.source.as_ref().unwrap().id[4..]
            .parse::<u64>()
            .expect("occ-<n>")
    });
    for o in &in_file_order {
        one_by_one.create(&Body::Observation((*o).clone())).unwrap();
    }
    assert_eq!(summary(&bulk), summary(&one_by_one));
    assert!(!summary(&bulk).is_empty());
    let _ = idx;
    for s in [&bulk, &one_by_one] {
        let stats = s.stats().unwrap();
        assert_eq!(stats.observations, rows - 1);
        assert_eq!(s.pending_count().unwrap(), rows - 1);
        assert_eq!(
            s.outbox_after(0, usize::MAX >> 1, usize::MAX)
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(i, r)| r.device_seq == *i as u64 + 1)
                .count(),
            rows as usize - 1,
            "one outbox op per row, numbered from 1 without a gap"
        );
    }
}

#[test]
fn a_pulled_page_keeps_the_same_tally_as_the_laptop_that_wrote_it() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut writer = Store::open(d1.path()).unwrap();
    let mut reader = Store::open(d2.path()).unwrap();
    let idx = TaxonIndex::load(&writer).unwrap();
    let taxa = ["Marmota sibirica", "Canis lupus"].map(|n| idx.resolve(n).unwrap());
    let site = writer.resolve_site("Daursky").unwrap();
    let mut rng = Lcg(5);
    let mut live: Vec<(String, String)> = Vec::new();
    for _ in 0..400 {
        let body = Body::Observation(Observation {
            visit: None,
            site: (rng.next(2) == 0).then(|| site.clone()),
            taxon: Some(taxa[rng.next(2) as usize].clone()),
            taxon_name: None,
            count: Some(rng.next(9) as u32),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: Some(49.9),
            lon: Some(116.2),
            uncertainty_m: None,
            observed_at: format!("2025-06-0{}T07:00:00+08:00", rng.next(3) + 1),
            observers: vec![],
            detection_method: None,
            notes: None,
            photos: vec![],
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        });
        match if live.is_empty() { 0 } else { rng.next(4) } {
            0 | 1 => {
                let s = writer.create(&body).unwrap();
                live.push((s.id, s.rev_id));
            }
            2 => {
                let i = rng.next(live.len() as u64) as usize;
                let s = writer.update(&live[i].0, &live[i].1, &body).unwrap();
                live[i].1 = s.rev_id;
            }
            _ => {
                let (id, rev) = live.swap_remove(rng.next(live.len() as u64) as usize);
                writer.delete(&id, &rev).unwrap();
            }
        }
    }
    let revs = writer.outbox_after(0, 10_000, usize::MAX).unwrap();
    // Creations, edits and deletions of the same records in one page.
    let report = reader
        .apply_remote(&revs, &[("sync.cursor", "1:400")])
        .unwrap();
    assert_eq!(report.applied, revs.len());
    assert_eq!(summary(&reader), summary(&writer));
    assert_eq!(bodies(&reader), bodies(&writer));
    assert_eq!(
        reader.meta("sync.cursor").unwrap().as_deref(),
        Some("1:400")
    );
}
