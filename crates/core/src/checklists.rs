//! Per-country checklists as survey leads keep them: taxa added and removed, and the local
//! names of a taxon edited per locale (`en`, `zh`, `ru`, `mn`, `kk`).

use crate::error::{Error, Result};
use crate::model::{Body, Checklist, Country, Kind, TaxonName};
use crate::store::{Saved, Store};

/// Locales a taxon may have a name in.
pub const NAME_LOCALES: [&str; 5] = ["en", "zh", "ru", "mn", "kk"];

impl Store {
    fn checklist_of(&self, country: Country) -> Result<(String, String, Checklist)> {
        for c in self.list(Kind::Checklist)? {
            if let Some(Body::Checklist(list)) = c.body {
                if list.country == country {
                    return Ok((c.id, c.rev_id, list));
                }
            }
        }
        Err(Error::NotFound(format!(
            "no checklist for {}",
            country.code()
        )))
    }

    fn live_taxon(&self, taxon: &str) -> Result<(String, crate::model::Taxon)> {
        match self.get(taxon)? {
            Some(c) if !c.deleted => match c.body {
                Some(Body::Taxon(t)) => Ok((c.rev_id, t)),
                _ => Err(unknown_taxon(taxon)),
            },
            _ => Err(unknown_taxon(taxon)),
        }
    }

    /// Puts a taxon on a country's checklist. A taxon already on it is refused, so a lead
    /// sees that nothing changed.
    pub fn checklist_add(&mut self, country: Country, taxon: &str) -> Result<Saved> {
        let (_, t) = self.live_taxon(taxon)?;
        let (id, rev, mut list) = self.checklist_of(country)?;
        if list.taxa.iter().any(|x| x == taxon) {
            return Err(Error::invalid(
                "taxon",
                "already_listed",
                format!(
                    "{} is already on the {} checklist",
                    t.scientific_name,
                    country.code()
                ),
            ));
        }
        list.taxa.push(taxon.to_string());
        self.update(&id, &rev, &Body::Checklist(list))
    }

    /// Takes a taxon off a country's checklist (the taxon itself and its sightings stay).
    pub fn checklist_remove(&mut self, country: Country, taxon: &str) -> Result<Saved> {
        let (id, rev, mut list) = self.checklist_of(country)?;
        let before = list.taxa.len();
        list.taxa.retain(|x| x != taxon);
        if list.taxa.len() == before {
            return Err(Error::invalid(
                "taxon",
                "not_listed",
                format!("taxon {taxon} is not on the {} checklist", country.code()),
            ));
        }
        self.update(&id, &rev, &Body::Checklist(list))
    }

    /// Sets (or, with an empty name, removes) a taxon's name in `locale`. A name typed here is
    /// marked unverified, as the seed marks names no cited source gives.
    pub fn set_taxon_name(&mut self, taxon: &str, locale: &str, name: &str) -> Result<Saved> {
        if !NAME_LOCALES.contains(&locale) {
            return Err(Error::invalid(
                "locale",
                "unknown_locale",
                format!("'{locale}' is not one of {}", NAME_LOCALES.join(", ")),
            ));
        }
        let (rev, mut t) = self.live_taxon(taxon)?;
        let name = name.trim();
        let pos = t.names.iter().position(|n| n.locale == locale);
        match (pos, name.is_empty()) {
            (Some(i), true) => {
                t.names.remove(i);
            }
            (Some(i), false) if t.names[i].name == name => {
                return Err(Error::invalid(
                    "name",
                    "unchanged",
                    format!("the {locale} name is already '{name}'"),
                ));
            }
            (Some(i), false) => {
                t.names[i] = TaxonName {
                    locale: locale.to_string(),
                    name: name.to_string(),
                    verified: false,
                };
            }
            (None, true) => {
                return Err(Error::invalid(
                    "name",
                    "required",
                    format!("{} has no {locale} name to remove", t.scientific_name),
                ))
            }
            (None, false) => t.names.push(TaxonName {
                locale: locale.to_string(),
                name: name.to_string(),
                verified: false,
            }),
        }
        self.update(taxon, &rev, &Body::Taxon(t))
    }
}

fn unknown_taxon(taxon: &str) -> Error {
    Error::invalid(
        "taxon",
        "unknown_taxon",
        format!("no taxon with id {taxon} on the checklist"),
    )
}
