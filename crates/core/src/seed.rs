//! Seed data shipped with the app: the Dauria checklist and the partner reserves (`data/`).
//!
//! Seed records have ids and revisions derived from their content key, identical on every
//! laptop, and are not put in the outbox: every replica already has them.

use crate::error::Result;
use crate::model::*;
use crate::store::Store;
use dauria_proto::Revision;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The checklist CSV (scientific_name, taxon_group, rank, en, zh, ru, mn, iucn, source).
pub const CHECKLIST_CSV: &str = include_str!("../../../data/dauria_checklist.csv");
/// The reserves CSV (name_en, name_local, country, lat, lon, area_km2, extent_note, source).
pub const RESERVES_CSV: &str = include_str!("../../../data/dauria_reserves.csv");

/// Kazakhstan's checklist (scientific_name, kk, source): taxa of the Dauria list that occur in
/// Kazakhstan, with Kazakh names; `verify` in the source marks what no cited source backs.
pub const KAZAKHSTAN_CSV: &str = include_str!("../../../data/kazakhstan_checklist.csv");

/// Device id that authors seed revisions.
pub const SEED_DEVICE: &str = "00000000-0000-0000-0000-000000000000";

/// The stable id of a seed record.
pub fn seed_id(key: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("dauria-seed:{key}").as_bytes(),
    )
    .to_string()
}

/// Whether a name in `locale` is backed by a cited source rather than marked `verify`.
fn name_verified(source: &str, locale: &str) -> bool {
    !source.contains("verify")
        || source.contains(&format!("{locale} '"))
        || source.contains(&format!("{locale}: "))
}

/// Scientific synonyms the source mentions (`syn. Grus vipio`, `BirdLife uses Larus relictus`).
fn synonyms(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["syn. ", "uses ", "spells "] {
        for (i, _) in source.match_indices(marker) {
            let words: Vec<&str> = source[i + marker.len()..]
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| !w.is_empty())
                .take(2)
                .collect();
            if words.len() == 2
                && words[0].chars().next().is_some_and(char::is_uppercase)
                && words[1].chars().all(char::is_lowercase)
            {
                out.push(format!("{} {}", words[0], words[1]));
            }
        }
    }
    out
}

/// Parses the checklist CSV into taxa.
pub fn checklist_taxa() -> Vec<Taxon> {
    let mut rdr = csv::Reader::from_reader(CHECKLIST_CSV.as_bytes());
    let mut out = Vec::new();
    for row in rdr.records().flatten() {
        let get = |i: usize| row.get(i).unwrap_or("").trim().to_string();
        let source = get(8);
        let Some(group) = TaxonGroup::parse(&get(1)) else {
            continue;
        };
        let names = [("en", 3), ("zh", 4), ("ru", 5), ("mn", 6)]
            .into_iter()
            .filter(|(_, i)| !get(*i).is_empty())
            .map(|(locale, i)| TaxonName {
                locale: locale.to_string(),
                name: get(i),
                verified: name_verified(&source, locale),
            })
            .collect();
        out.push(Taxon {
            scientific_name: get(0),
            rank: get(2),
            group,
            names,
            synonyms: synonyms(&source),
            iucn_status: Some(get(7)).filter(|s| !s.is_empty()),
            source: Some(source),
        });
    }
    out
}

/// Parses the reserves CSV.
pub fn reserves() -> Vec<ProtectedArea> {
    // The reserves file escapes quotes with a backslash (`47°45'50\"`).
    let mut rdr = csv::ReaderBuilder::new()
        .escape(Some(b'\\'))
        .double_quote(false)
        .from_reader(RESERVES_CSV.as_bytes());
    let mut out = Vec::new();
    for row in rdr.records().flatten() {
        let get = |i: usize| row.get(i).unwrap_or("").trim().to_string();
        let (Some(country), Ok(lat), Ok(lon)) =
            (Country::parse(&get(2)), get(3).parse(), get(4).parse())
        else {
            continue;
        };
        out.push(ProtectedArea {
            name_en: get(0),
            name_local: Some(get(1)).filter(|s| !s.is_empty()),
            country,
            category: None,
            lat,
            lon,
            area_km2: get(5).parse().ok(),
            extent_note: Some(get(6)).filter(|s| !s.is_empty()),
            partnership: PartnershipStatus::Engaged,
            contact: None,
            agreement_date: None,
            source: Some(get(7)).filter(|s| !s.is_empty()),
        });
    }
    out
}

/// Kazakhstan's checklist rows: (scientific name, Kazakh name if any, source).
pub fn kazakhstan_taxa() -> Vec<(String, Option<String>, String)> {
    let mut rdr = csv::Reader::from_reader(KAZAKHSTAN_CSV.as_bytes());
    rdr.records()
        .flatten()
        .map(|row| {
            let get = |i: usize| row.get(i).unwrap_or("").trim().to_string();
            (get(0), Some(get(1)).filter(|s| !s.is_empty()), get(2))
        })
        .collect()
}

/// A seed record: its content key, the key of the seed revision it edits (none for the first),
/// and its body.
struct SeedBody {
    key: String,
    edit: Option<String>,
    body: Body,
}

fn seed_revision(seq: u64, key: &str, edit: Option<&str>, body: &Body) -> Revision {
    let json = body.to_json();
    // Seed data added after a first release (Kazakhstan's list and names) is a second revision
    // on top of the first, so the first keeps its id and body on every replica.
    let (rev_key, parents, generation) = match edit {
        None => (key.to_string(), Vec::new(), 1),
        Some(e) => (e.to_string(), vec![seed_id(&format!("rev:{key}"))], 2),
    };
    Revision {
        rev_id: seed_id(&format!("rev:{rev_key}")),
        record_id: seed_id(key),
        kind: body.kind().as_str().to_string(),
        parents,
        generation,
        device_id: SEED_DEVICE.to_string(),
        device_seq: seq,
        hlc: "000000000000000:00000".to_string(),
        schema_version: body.schema_version(),
        deleted: false,
        body_sha256: hex::encode(Sha256::digest(json.as_bytes())),
        body: Some(RawValue::from_string(json).expect("bodies are JSON")),
    }
}

/// The seed revisions: the checklist, per-country checklists, reserves and a site per reserve,
/// and the sensitive-species rules.
/// Every laptop and the server compute the same ones (the server uses them to know the kind
/// and the author of seed records, which are never pushed).
pub fn seed_revisions() -> Vec<Revision> {
    let mut bodies: Vec<(String, Body)> = Vec::new();
    let taxa = checklist_taxa();
    let taxon_ids: Vec<String> = taxa
        .iter()
        .map(|t| seed_id(&format!("taxon:{}", t.scientific_name)))
        .collect();
    let mut edits: Vec<SeedBody> = Vec::new();
    let kz = kazakhstan_taxa();
    for t in &taxa {
        let Some((_, Some(kk), source)) = kz.iter().find(|r| r.0 == t.scientific_name) else {
            continue;
        };
        let mut named = t.clone();
        named.names.push(TaxonName {
            locale: "kk".to_string(),
            name: kk.clone(),
            verified: name_verified(source, "kk"),
        });
        edits.push(SeedBody {
            key: format!("taxon:{}", t.scientific_name),
            edit: Some(format!("taxon:{}:kk", t.scientific_name)),
            body: Body::Taxon(named),
        });
    }
    let kz_taxa: Vec<String> = kz
        .iter()
        .filter(|r| taxa.iter().any(|t| t.scientific_name == r.0))
        .map(|r| seed_id(&format!("taxon:{}", r.0)))
        .collect();
    edits.push(SeedBody {
        key: "checklist:KZ".to_string(),
        edit: Some("checklist:KZ:kazakhstan".to_string()),
        body: Body::Checklist(Checklist {
            country: Country::KZ,
            taxa: kz_taxa,
            deadlines: Vec::new(),
        }),
    });
    let taxa_for_rules = taxa.clone();
    for t in taxa {
        bodies.push((format!("taxon:{}", t.scientific_name), Body::Taxon(t)));
    }
    for c in Country::ALL {
        let taxa = if c == Country::KZ {
            Vec::new()
        } else {
            taxon_ids.clone()
        };
        bodies.push((
            format!("checklist:{}", c.code()),
            Body::Checklist(Checklist {
                country: c,
                taxa,
                deadlines: Vec::new(),
            }),
        ));
    }
    for r in reserves() {
        let pa_key = format!("protected_area:{}", r.name_en);
        let site = Site {
            name: r.name_en.clone(),
            country: r.country,
            protected_area: Some(seed_id(&pa_key)),
            lat: r.lat,
            lon: r.lon,
            uncertainty_m: None,
            elevation_m: None,
            habitat: None,
        };
        bodies.push((format!("site:{}", r.name_en), Body::Site(site)));
        bodies.push((pa_key, Body::ProtectedArea(r)));
    }
    // Sensitive-species rules (seed 3) come last, so the earlier seed revisions keep their
    // numbers.
    let named: Vec<(String, Taxon)> = taxon_ids.iter().cloned().zip(taxa_for_rules).collect();
    let rules = crate::sensitive::seed_rules(&named)
        .into_iter()
        .map(|r| SeedBody {
            key: format!("sensitivity_rule:{}", r.scientific_name),
            edit: None,
            body: Body::SensitivityRule(r),
        });
    bodies
        .into_iter()
        .map(|(key, body)| SeedBody {
            key,
            edit: None,
            body,
        })
        .chain(edits)
        .chain(rules)
        .enumerate()
        .map(|(i, s)| seed_revision(i as u64 + 1, &s.key, s.edit.as_deref(), &s.body))
        .collect()
}

/// Which seed a store holds: stores seeded before a seed addition get the new revisions when
/// opened (revisions they already have are duplicates and change nothing).
pub const SEED_VERSION: &str = "3";

/// Seeds a new store with [`seed_revisions`].
pub(crate) fn seed(store: &mut Store) -> Result<()> {
    store.apply_remote(&seed_revisions(), &[("seeded", SEED_VERSION)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_marks_names_unverified_unless_the_locale_is_cited() {
        let taxa = checklist_taxa();
        assert_eq!(taxa.len(), 73);
        let marmot = taxa
            .iter()
            .find(|t| t.scientific_name == "Marmota sibirica")
            .unwrap();
        let v = |l: &str| {
            marmot
                .names
                .iter()
                .find(|n| n.locale == l)
                .unwrap()
                .verified
        };
        assert!(v("mn"), "mn name is cited from nationalredlist.org");
        assert!(!v("ru") && !v("en") && !v("zh"));
        let dzeren = taxa
            .iter()
            .find(|t| t.scientific_name == "Procapra gutturosa")
            .unwrap();
        assert!(dzeren.names.iter().all(|n| n.verified));
    }

    #[test]
    fn synonyms_are_read_from_the_source_notes() {
        let taxa = checklist_taxa();
        let crane = taxa
            .iter()
            .find(|t| t.scientific_name == "Antigone vipio")
            .unwrap();
        assert_eq!(crane.synonyms, vec!["Grus vipio".to_string()]);
        let gull = taxa
            .iter()
            .find(|t| t.scientific_name == "Ichthyaetus relictus")
            .unwrap();
        assert_eq!(gull.synonyms, vec!["Larus relictus".to_string()]);
    }
}
