//! Checklist archives (Darwin Core Taxon core) imported as taxa: each row's name and rank, its
//! group from its classification, its vernacular names (VernacularName extension, in the
//! languages the app shows), and synonym rows as synonyms of their accepted name. Names the
//! checklist has already gain only the vernacular names and synonyms they lacked; rows outside
//! the groups Dauria Field surveys are reported, not added.

use crate::dwca::{DwcaRowError, Table};
use crate::error::Result;
use crate::model::{Body, Country, Taxon, TaxonGroup, TaxonName};
use crate::store::Store;
use crate::taxa::TaxonIndex;
use crate::text::fold;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// What a checklist archive added.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct TaxonImportReport {
    /// Rows of the Taxon core.
    pub rows: u64,
    /// Taxa added to the species list.
    pub added: u64,
    /// Rows naming a taxon the list has already (only missing names were added to it).
    pub already_listed: u64,
    /// Synonym rows, added as synonyms of their accepted name.
    pub synonyms: u64,
    /// Vernacular names added, to new taxa and to taxa listed before.
    pub names_added: u64,
    /// The scientific names added, in file order.
    pub added_names: Vec<String>,
    /// Rows not added, each with its reason.
    pub skipped: Vec<DwcaRowError>,
}

/// The app's name locale for a Darwin Core `language` (ISO 639-1 or -2, or the English name).
fn locale_of(language: &str) -> Option<&'static str> {
    match language.trim().to_ascii_lowercase().as_str() {
        "en" | "eng" | "english" => Some("en"),
        "ru" | "rus" | "russian" => Some("ru"),
        "zh" | "zho" | "chi" | "chinese" | "zh-cn" | "zh-hans" => Some("zh"),
        "mn" | "mon" | "mongolian" => Some("mn"),
        "kk" | "kaz" | "kazakh" => Some("kk"),
        _ => None,
    }
}

const SMALL_MAMMAL_ORDERS: [&str; 6] = [
    "rodentia",
    "lagomorpha",
    "eulipotyphla",
    "soricomorpha",
    "erinaceomorpha",
    "chiroptera",
];

/// The survey group of a classification, if it is one Dauria Field surveys.
fn group_of(get: &dyn Fn(&str) -> Option<String>) -> Option<TaxonGroup> {
    let low = |t: &str| get(t).map(|v| v.to_ascii_lowercase()).unwrap_or_default();
    let (kingdom, class, order) = (low("kingdom"), low("class"), low("order"));
    if ["bacteria", "viruses", "virus", "protozoa"].contains(&kingdom.as_str()) {
        return Some(TaxonGroup::Pathogen);
    }
    match class.as_str() {
        "aves" => Some(TaxonGroup::Bird),
        "mammalia" if SMALL_MAMMAL_ORDERS.contains(&order.as_str()) => {
            Some(TaxonGroup::SmallMammal)
        }
        "mammalia" => Some(TaxonGroup::LargeMammal),
        "arachnida" | "insecta" => Some(TaxonGroup::Vector),
        _ => None,
    }
}

/// A row's name and rank: `scientificName`, else the epithets, else its lowest named rank.
fn name_of(get: &dyn Fn(&str) -> Option<String>) -> Option<(String, String)> {
    let rank = get("taxonRank").map(|r| r.to_ascii_lowercase());
    if let Some(n) = get("scientificName") {
        return Some((n, rank.unwrap_or_else(|| "species".into())));
    }
    if let (Some(g), Some(s)) = (get("genus"), get("specificEpithet")) {
        return Some(match get("infraspecificEpithet") {
            Some(i) => (
                format!("{g} {s} {i}"),
                rank.unwrap_or_else(|| "subspecies".into()),
            ),
            None => (format!("{g} {s}"), rank.unwrap_or_else(|| "species".into())),
        });
    }
    ["genus", "family", "order", "class"]
        .into_iter()
        .find_map(|t| get(t).map(|n| (n, t.to_string())))
}

fn is_synonym(status: &str) -> bool {
    let s = status.to_ascii_lowercase();
    s.contains("synonym") || s == "misapplied"
}

/// Imports the Taxon core `core` (with its VernacularName extension, if any) into the species
/// list, in one transaction; taxa added are also put on `country`'s checklist when one is
/// given.
pub(crate) fn import_taxa(
    store: &mut Store,
    core: &Table,
    vernacular: Option<&Table>,
    country: Option<Country>,
    dataset: &str,
) -> Result<TaxonImportReport> {
    let mut report = TaxonImportReport::default();
    // Vernacular names by core id, in the languages the app has.
    let mut names: HashMap<String, Vec<TaxonName>> = HashMap::new();
    if let Some(v) = vernacular {
        for row in v.rows.iter().skip(v.header_lines as usize) {
            let (Some(id), Some(name)) = (
                v.id_index.and_then(|i| row.get(i)).map(str::trim),
                v.get(row, "vernacularName"),
            ) else {
                continue;
            };
            if let Some(locale) = v.get(row, "language").and_then(locale_of) {
                names.entry(id.to_string()).or_default().push(TaxonName {
                    locale: locale.to_string(),
                    name: name.to_string(),
                    verified: true,
                });
            }
        }
    }
    let index = TaxonIndex::load(store)?;
    let known = |name: &str| -> Option<String> {
        let id = index.resolve(name).ok()?;
        let t = index.get(&id)?;
        (fold(&t.scientific_name) == fold(name)).then_some(id)
    };
    // Taxa as they will be written: new ones by name, listed ones by id.
    let mut new_taxa: BTreeMap<String, (usize, Taxon)> = BTreeMap::new();
    let mut changed: HashMap<String, (String, Taxon)> = HashMap::new();
    // Listed taxa that gained a name or a synonym: only these are written.
    let mut dirty: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut synonym_rows: Vec<(u64, String, String)> = Vec::new();
    let mut accepted_by_id: HashMap<String, String> = HashMap::new();
    for (i, row) in core
        .rows
        .iter()
        .enumerate()
        .skip(core.header_lines as usize)
    {
        report.rows += 1;
        let line = i as u64 + 1;
        let get = |t: &str| core.get(row, t).map(str::to_string);
        let skip = |term: &str, reason: String| DwcaRowError {
            file: core.file.clone(),
            line,
            term: term.to_string(),
            reason,
        };
        let Some((name, rank)) = name_of(&get) else {
            report.skipped.push(skip(
                "scientificName",
                "no name (neither scientificName nor genus, family, order or class)".into(),
            ));
            continue;
        };
        let row_id = core.id_index.and_then(|x| row.get(x)).map(str::trim);
        if let Some(id) = row_id {
            accepted_by_id.insert(id.to_string(), name.clone());
        }
        if get("taxonomicStatus").is_some_and(|s| is_synonym(&s)) {
            if known(&name).is_some() {
                report.skipped.push(skip(
                    "taxonomicStatus",
                    format!("{name} is a taxon of its own on the species list, not a synonym here"),
                ));
                continue;
            }
            let accepted = get("acceptedNameUsage").or_else(|| {
                get("acceptedNameUsageID").and_then(|a| accepted_by_id.get(&a).cloned())
            });
            match accepted {
                Some(a) => synonym_rows.push((line, name, a)),
                None => report.skipped.push(skip(
                    "acceptedNameUsage",
                    format!("{name} is a synonym, but the row does not name its accepted name"),
                )),
            }
            continue;
        }
        let row_names = row_id
            .and_then(|id| names.get(id))
            .cloned()
            .unwrap_or_default();
        if let Some(id) = known(&name) {
            report.already_listed += 1;
            let entry = match changed.entry(id.clone()) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let Some(c) = store.get(&id)? else { continue };
                    let Some(Body::Taxon(t)) = c.body else {
                        continue;
                    };
                    e.insert((c.rev_id, t))
                }
            };
            for n in row_names {
                if !entry
                    .1
                    .names
                    .iter()
                    .any(|x| x.locale == n.locale && x.name == n.name)
                {
                    entry.1.names.push(n);
                    report.names_added += 1;
                    dirty.insert(id.clone());
                }
            }
            continue;
        }
        let Some(group) = group_of(&get) else {
            report.skipped.push(skip(
                "class",
                format!(
                    "{name} ({}) is not a bird, mammal, vector or pathogen, the groups Dauria \
                     Field keeps",
                    get("class")
                        .or_else(|| get("kingdom"))
                        .unwrap_or_else(|| "no class given".into())
                ),
            ));
            continue;
        };
        if new_taxa.contains_key(&name) {
            report.already_listed += 1;
            continue;
        }
        report.names_added += row_names.len() as u64;
        let order = new_taxa.len();
        new_taxa.insert(
            name.clone(),
            (
                order,
                Taxon {
                    scientific_name: name,
                    rank,
                    group,
                    names: row_names,
                    synonyms: Vec::new(),
                    iucn_status: None,
                    source: Some(if dataset.is_empty() {
                        "Darwin Core checklist archive".to_string()
                    } else {
                        dataset.to_string()
                    }),
                },
            ),
        );
    }
    for (line, synonym, accepted) in synonym_rows {
        let target = if let Some((_, t)) = new_taxa.get_mut(&accepted) {
            Some(t)
        } else if let Some(id) = known(&accepted) {
            dirty.insert(id.clone());
            if !changed.contains_key(&id) {
                if let Some(c) = store.get(&id)? {
                    if let Some(Body::Taxon(t)) = c.body {
                        changed.insert(id.clone(), (c.rev_id, t));
                    }
                }
            }
            changed.get_mut(&id).map(|(_, t)| t)
        } else {
            None
        };
        match target {
            Some(t) => {
                if !t.synonyms.iter().any(|s| fold(s) == fold(&synonym)) {
                    t.synonyms.push(synonym);
                }
                report.synonyms += 1;
            }
            None => report.skipped.push(DwcaRowError {
                file: core.file.clone(),
                line,
                term: "acceptedNameUsage".into(),
                reason: format!(
                    "{synonym} is a synonym of {accepted}, which is neither on the species list \
                     nor in the archive"
                ),
            }),
        }
    }
    let mut added: Vec<(usize, Taxon)> = new_taxa.into_values().collect();
    added.sort_by_key(|(i, _)| *i);
    let checklist = match country {
        Some(c) => store
            .list(crate::model::Kind::Checklist)?
            .into_iter()
            .find_map(|r| match r.body {
                Some(Body::Checklist(l)) if l.country == c => Some((r.id, r.rev_id, l)),
                _ => None,
            }),
        None => None,
    };
    let mut batch = store.batch()?;
    let mut ids = Vec::new();
    for (_, t) in added {
        report.added += 1;
        report.added_names.push(t.scientific_name.clone());
        ids.push(batch.create(&Body::Taxon(t))?.id);
    }
    for (id, (rev, t)) in changed.into_iter().filter(|(id, _)| dirty.contains(id)) {
        batch.update(&id, &rev, &Body::Taxon(t))?;
    }
    if let Some((id, rev, mut list)) = checklist {
        list.taxa.extend(ids);
        batch.update(&id, &rev, &Body::Checklist(list))?;
    }
    batch.commit()?;
    Ok(report)
}
