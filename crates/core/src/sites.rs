//! Sites as a field team makes them: added by name and position, edited, moved, merged into one
//! another and deleted. A site's country and partner reserve are derived from its position
//! ([`crate::places`]), never typed, so a site a few kilometres across a border is filed with
//! the right country's data sheet.

use crate::error::{Error, Result};
use crate::model::{Body, Kind, ProtectedArea, RecordId, Site};
use crate::places::{self, Place};
use crate::store::{Saved, Store};
use crate::validate::{validate, FieldError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a person gives for a site; the country and reserve are worked out from the position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SiteInput {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub uncertainty_m: Option<f64>,
    pub elevation_m: Option<f64>,
    pub habitat: Option<String>,
}

/// What merging two sites did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SiteMerge {
    /// The kept site.
    pub kept: RecordId,
    /// Observations and visits that now point at the kept site (one new revision each).
    pub observations: u32,
    pub visits: u32,
    /// The deletion of the merged-away site.
    pub deleted: Saved,
}

/// A record that points at a site: its id, current revision and body.
type SiteUser = (String, String, Body);

impl Store {
    fn reserves(&self) -> Result<Vec<(RecordId, ProtectedArea)>> {
        Ok(self
            .list(Kind::ProtectedArea)?
            .into_iter()
            .filter_map(|c| match c.body {
                Some(Body::ProtectedArea(p)) => Some((c.id, p)),
                _ => None,
            })
            .collect())
    }

    /// The country and partner reserve of a position.
    pub fn place_at(&self, lat: f64, lon: f64) -> Result<Place> {
        crate::coords::check_range(lat, lon).map_err(|e| Error::Invalid(vec![e]))?;
        let reserves = self.reserves()?;
        Ok(Place {
            country: places::country_at(lat, lon),
            protected_area: places::reserve_at(lat, lon, reserves.iter().map(|(i, r)| (i, r))),
        })
    }

    /// The site body for `input`, with its country and reserve derived from the position.
    /// Refuses an empty name, a position off the map, and a position outside the project's
    /// four countries, each naming the field.
    pub fn site_body(&self, input: &SiteInput) -> Result<Site> {
        let name = input.name.trim().to_string();
        let habitat = input
            .habitat
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string);
        let mut site = Site {
            name,
            // Replaced below; validation needs a whole body to check the other fields.
            country: crate::model::Country::CN,
            protected_area: None,
            lat: input.lat,
            lon: input.lon,
            uncertainty_m: input.uncertainty_m,
            elevation_m: input.elevation_m,
            habitat,
        };
        let mut errs = validate(&Body::Site(site.clone()))
            .err()
            .unwrap_or_default();
        let in_range = crate::coords::check_range(input.lat, input.lon).is_ok();
        if in_range {
            let place = self.place_at(input.lat, input.lon)?;
            match place.country {
                Some(c) => site.country = c,
                None => errs.push(FieldError::new(
                    "position",
                    "outside_countries",
                    format!(
                        "{:.5}, {:.5} is not in China, Mongolia, Russia or Kazakhstan",
                        input.lat, input.lon
                    ),
                )),
            }
            site.protected_area = place.protected_area;
        }
        if errs.is_empty() {
            Ok(site)
        } else {
            Err(Error::Invalid(errs))
        }
    }

    fn live_site(&self, id: &str) -> Result<(String, Site)> {
        match self.get(id)? {
            Some(c) if !c.deleted => match c.body {
                Some(Body::Site(s)) => Ok((c.rev_id, s)),
                _ => Err(Error::NotFound(format!("record {id} is not a site"))),
            },
            _ => Err(Error::NotFound(format!("no site with id {id}"))),
        }
    }

    /// Adds a site.
    pub fn add_site(&mut self, input: &SiteInput) -> Result<Saved> {
        let site = self.site_body(input)?;
        self.create(&Body::Site(site))
    }

    /// Edits (or moves) a site: a new revision with the country and reserve derived again.
    pub fn edit_site(&mut self, id: &str, input: &SiteInput) -> Result<Saved> {
        let (rev, _) = self.live_site(id)?;
        let site = self.site_body(input)?;
        self.update(id, &rev, &Body::Site(site))
    }

    /// Observations and visits whose current state points at `site`.
    fn site_users(&self, site: &str) -> Result<(Vec<SiteUser>, Vec<SiteUser>)> {
        let mut obs = Vec::new();
        let ids: Vec<String> = self
            .connection()
            .prepare("SELECT id FROM observation WHERE site_id = ?1 AND deleted = 0")?
            .query_map([crate::store::ids::IdKey(site)], |r| {
                crate::store::ids::id_column(r, 0)
            })?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            if let Some(c) = self.get(&id)? {
                if let Some(b) = c.body {
                    obs.push((c.id, c.rev_id, b));
                }
            }
        }
        let visits = self
            .list(Kind::Visit)?
            .into_iter()
            .filter_map(|c| match &c.body {
                Some(Body::Visit(v)) if v.site.as_deref() == Some(site) => {
                    Some((c.id.clone(), c.rev_id.clone(), c.body.clone()?))
                }
                _ => None,
            })
            .collect();
        Ok((obs, visits))
    }

    /// Deletes a site no sighting or visit points at; one that is used is refused (merge it
    /// into another site instead), so no sighting loses its place.
    pub fn delete_site(&mut self, id: &str) -> Result<Saved> {
        let (rev, _) = self.live_site(id)?;
        let (obs, visits) = self.site_users(id)?;
        if !obs.is_empty() || !visits.is_empty() {
            return Err(Error::invalid(
                "site",
                "site_in_use",
                format!(
                    "{} sightings and {} visits are at this site; merge it into another site instead of deleting it",
                    obs.len(),
                    visits.len()
                ),
            ));
        }
        self.delete(id, &rev)
    }

    /// Merges site `gone` into `keep`: every observation and visit at `gone` gets a new revision
    /// pointing at `keep`, then `gone` is deleted, all in one transaction.
    pub fn merge_sites(&mut self, keep: &str, gone: &str) -> Result<SiteMerge> {
        if keep == gone {
            return Err(Error::invalid(
                "site",
                "same_site",
                "a site cannot be merged into itself",
            ));
        }
        self.live_site(keep)?;
        let (gone_rev, _) = self.live_site(gone)?;
        let (obs, visits) = self.site_users(gone)?;
        let mut batch = self.batch()?;
        let (mut n_obs, mut n_visits) = (0, 0);
        for (id, rev, body) in obs.into_iter().chain(visits) {
            let body = match body {
                Body::Observation(mut o) => {
                    o.site = Some(keep.to_string());
                    n_obs += 1;
                    Body::Observation(o)
                }
                Body::Visit(mut v) => {
                    v.site = Some(keep.to_string());
                    n_visits += 1;
                    Body::Visit(v)
                }
                other => other,
            };
            batch.update(&id, &rev, &body)?;
        }
        let deleted = batch.delete(gone, &gone_rev)?;
        batch.commit()?;
        Ok(SiteMerge {
            kept: keep.to_string(),
            observations: n_obs,
            visits: n_visits,
            deleted,
        })
    }
}
