//! Finding taxa by any of their names: scientific, synonyms and vernacular names in every
//! language, case-insensitively.

use crate::error::{Error, Result};
use crate::model::{Kind, Taxon};
use crate::store::Store;
use crate::text::fold;
use serde::Serialize;
use ts_rs::TS;

/// One match of a species search.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TaxonMatch {
    pub id: String,
    pub taxon: Taxon,
    /// The name that matched, as written.
    pub matched: String,
    /// Locale of the matched name (`sci` for scientific names and synonyms).
    pub locale: String,
    /// False when the matched name is marked as needing verification.
    pub verified: bool,
}

struct Entry {
    folded: String,
    name: String,
    locale: String,
    verified: bool,
    taxon: usize,
}

/// An in-memory index of every taxon name (the checklist is small).
pub struct TaxonIndex {
    taxa: Vec<(String, Taxon)>,
    entries: Vec<Entry>,
}

/// Splits `Тарбаган (монгольский сурок)` or `Изюбрь / марал` into the whole and its parts.
fn aliases(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let parts: Vec<&str> = name
        .split(['(', ')', '（', '）', '/', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 1 {
        out.extend(parts.into_iter().map(str::to_string));
    }
    out
}

impl TaxonIndex {
    /// Builds the index from the store's live taxa.
    pub fn load(store: &Store) -> Result<TaxonIndex> {
        let mut taxa = Vec::new();
        for c in store.list(Kind::Taxon)? {
            if let Some(crate::model::Body::Taxon(t)) = c.body {
                taxa.push((c.id, t));
            }
        }
        Ok(TaxonIndex::new(taxa))
    }

    /// Builds the index from (id, taxon) pairs.
    pub fn new(taxa: Vec<(String, Taxon)>) -> TaxonIndex {
        let mut entries = Vec::new();
        for (i, (_, t)) in taxa.iter().enumerate() {
            let mut push = |name: &str, locale: &str, verified: bool| {
                for a in aliases(name) {
                    entries.push(Entry {
                        folded: fold(&a),
                        name: name.to_string(),
                        locale: locale.to_string(),
                        verified,
                        taxon: i,
                    });
                }
            };
            push(&t.scientific_name, "sci", true);
            for s in &t.synonyms {
                push(s, "sci", true);
            }
            for n in &t.names {
                push(&n.name, &n.locale, n.verified);
            }
        }
        TaxonIndex { taxa, entries }
    }

    /// Ranked matches for what someone typed: exact name, then name prefix, then a word
    /// prefix, then anywhere in a name. One result per taxon.
    pub fn search(&self, query: &str, limit: usize) -> Vec<TaxonMatch> {
        let q = fold(query);
        if q.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(u8, usize, &Entry)> = Vec::new();
        for (n, e) in self.entries.iter().enumerate() {
            let score = if e.folded == q {
                0
            } else if e.folded.starts_with(&q) {
                1
            } else if e.folded.split_whitespace().any(|w| w.starts_with(&q)) {
                2
            } else if e.folded.contains(&q) {
                3
            } else {
                continue;
            };
            scored.push((score, n, e));
        }
        scored.sort_by_key(|(s, n, _)| (*s, *n));
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (_, _, e) in scored {
            if seen.insert(e.taxon) {
                let (id, t) = &self.taxa[e.taxon];
                out.push(TaxonMatch {
                    id: id.clone(),
                    taxon: t.clone(),
                    matched: e.name.clone(),
                    locale: e.locale.clone(),
                    verified: e.verified,
                });
                if out.len() == limit {
                    break;
                }
            }
        }
        out
    }

    /// The one taxon a name means: an exact name in any language, or a unique partial match.
    pub fn resolve(&self, name: &str) -> Result<String> {
        let q = fold(name);
        let exact: std::collections::BTreeSet<usize> = self
            .entries
            .iter()
            .filter(|e| e.folded == q)
            .map(|e| e.taxon)
            .collect();
        if exact.len() == 1 {
            return Ok(self.taxa[*exact.iter().next().expect("one")].0.clone());
        }
        let hits = self.search(name, 6);
        match hits.len() {
            1 if exact.is_empty() => Ok(hits[0].id.clone()),
            0 => Err(Error::invalid(
                "taxon",
                "unknown_taxon",
                format!("no species on the checklist is called '{name}'; check the spelling or use the scientific name"),
            )),
            _ => Err(Error::invalid(
                "taxon",
                "ambiguous_taxon",
                format!(
                    "'{name}' could be {}; be more specific",
                    hits.iter().map(|h| h.taxon.scientific_name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    /// The taxon with this id.
    pub fn get(&self, id: &str) -> Option<&Taxon> {
        self.taxa.iter().find(|(i, _)| i == id).map(|(_, t)| t)
    }

    /// Number of taxa.
    pub fn len(&self) -> usize {
        self.taxa.len()
    }

    /// Whether there are no taxa.
    pub fn is_empty(&self) -> bool {
        self.taxa.is_empty()
    }
}
