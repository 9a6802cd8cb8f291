//! Sensitive species: positions of threatened taxa generalised to a grid, or withheld, before
//! they leave the team — in every export, the printed report and what viewer laptops receive.
//!
//! A survey lead sets a rule per taxon ([`SensitivityRule`], a synced record only leads may
//! write); the shipped rules are seed records (`data/sensitive_species.csv`, and the checklist's
//! IUCN categories). When several live rules name one taxon, the strictest holds: withhold, then
//! the coarsest grid.
//!
//! Generalising is deterministic: the point is replaced by the centre of its cell of a grid of
//! N km (rows of N km of latitude, each cut into cells about N km wide), so every copy of a
//! record, and every record in the same cell, shows the same point. Nothing else may give the
//! exact point away, so a protected sighting also loses its site (whose position is exact), its
//! visit (whose GPS track and times would place it), its notes (which may hold coordinates or
//! directions), its photos (whose EXIF may hold GPS) and its time of day (the day is kept).

use crate::error::Result;
use crate::model::{
    Body, Kind, Observation, SensitivityAction, SensitivityRule, Site, Taxon, TaxonGroup,
};
use crate::store::Store;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// The rules shipped with the app (scientific_name, action, grid_km, reason, source); `verify`
/// in the source marks a rule no cited source backs.
pub const SENSITIVE_CSV: &str = include_str!("../../../data/sensitive_species.csv");

/// Metres in a degree of latitude (mean, WGS84).
const M_PER_DEG: f64 = 111_320.0;

/// What a rule does to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Protection {
    /// Snapped to the centre of a cell of this many km.
    Generalise { grid_km: u32 },
    /// No position at all.
    Withhold,
}

impl Protection {
    /// Strictness, for picking the strictest of several rules.
    fn rank(self) -> u64 {
        match self {
            Protection::Generalise { grid_km } => u64::from(grid_km),
            Protection::Withhold => u64::MAX,
        }
    }

    /// The Darwin Core `dataGeneralizations` sentence.
    pub fn data_generalizations(self) -> String {
        match self {
            Protection::Generalise { grid_km } => format!(
                "Sensitive species: coordinates generalised to the centre of a {grid_km} km grid \
                 cell; time of day, locality, site, event, remarks and media withheld"
            ),
            Protection::Withhold => "Sensitive species: coordinates withheld; time of day, \
                 locality, site, event, remarks and media withheld"
                .to_string(),
        }
    }
}

/// A generalised position: the cell centre and how far the true point may be from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generalised {
    pub lat: f64,
    pub lon: f64,
    /// Half the cell's diagonal plus the original uncertainty, metres (rounded up).
    pub uncertainty_m: f64,
}

fn round5(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

/// The centre of the cell of a grid of `grid_km` that holds (`lat`, `lon`), and the distance
/// within which the true point lies (half the cell's diagonal, plus `uncertainty_m`).
pub fn generalise(lat: f64, lon: f64, uncertainty_m: Option<f64>, grid_km: u32) -> Generalised {
    let km = f64::from(grid_km.max(1));
    let dlat = km * 1000.0 / M_PER_DEG;
    let rows = (180.0 / dlat).ceil();
    let row = ((lat + 90.0) / dlat).floor().clamp(0.0, rows - 1.0);
    let south = -90.0 + row * dlat;
    let north = (south + dlat).min(90.0);
    let clat = (south + north) / 2.0;
    // Cells of a row are as wide as N km at the row's middle; the widest edge (nearer the
    // equator) bounds the diagonal.
    let dlon = (km * 1000.0 / (M_PER_DEG * clat.to_radians().cos().max(1e-6))).min(360.0);
    let col = ((lon + 180.0) / dlon).floor();
    let mut clon = -180.0 + (col + 0.5) * dlon;
    if clon > 180.0 {
        clon -= 360.0;
    }
    let widest = south.abs().min(north.abs());
    let widest = if south <= 0.0 && north >= 0.0 {
        0.0
    } else {
        widest
    };
    let h = (north - south) * M_PER_DEG;
    let w = dlon * M_PER_DEG * widest.to_radians().cos();
    let half_diag = (h * h + w * w).sqrt() / 2.0;
    Generalised {
        lat: round5(clat),
        // Rounding moves the centre by at most a metre; that metre is added below.
        lon: round5(clon),
        uncertainty_m: (half_diag + 2.0 + uncertainty_m.unwrap_or(0.0).max(0.0)).ceil(),
    }
}

/// The rules in force, by taxon and by scientific name.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    by_taxon: HashMap<String, Protection>,
    by_name: HashMap<String, Protection>,
}

impl Rules {
    /// The rules from these rule bodies (the strictest per taxon holds).
    pub fn from_rules<'a>(rules: impl IntoIterator<Item = &'a SensitivityRule>) -> Rules {
        let mut out = Rules::default();
        for r in rules {
            let p = match r.action {
                SensitivityAction::Exact => None,
                SensitivityAction::Withhold => Some(Protection::Withhold),
                SensitivityAction::Generalise => r
                    .grid_km
                    .filter(|k| *k > 0)
                    .map(|grid_km| Protection::Generalise { grid_km }),
            };
            let Some(p) = p else { continue };
            for (map, key) in [
                (&mut out.by_taxon, r.taxon.clone()),
                (&mut out.by_name, name_key(&r.scientific_name)),
            ] {
                let e = map.entry(key).or_insert(p);
                if p.rank() > e.rank() {
                    *e = p;
                }
            }
        }
        out
    }

    /// The live rules of a store.
    pub fn load(store: &Store) -> Result<Rules> {
        let rules: Vec<SensitivityRule> = store
            .list(Kind::SensitivityRule)?
            .into_iter()
            .filter_map(|c| match c.body {
                Some(Body::SensitivityRule(r)) => Some(r),
                _ => None,
            })
            .collect();
        Ok(Rules::from_rules(&rules))
    }

    /// Whether no rule protects anything.
    pub fn is_empty(&self) -> bool {
        self.by_taxon.is_empty()
    }

    /// The protection of a sighting: by its taxon, or by a free-text name that is a protected
    /// taxon's scientific name.
    pub fn for_observation(&self, o: &Observation) -> Option<Protection> {
        let by_taxon = o.taxon.as_ref().and_then(|t| self.by_taxon.get(t));
        let by_name = o
            .taxon_name
            .as_deref()
            .and_then(|n| self.by_name.get(&name_key(n)));
        match (by_taxon, by_name) {
            (Some(a), Some(b)) => Some(if b.rank() > a.rank() { *b } else { *a }),
            (a, b) => a.or(b).copied(),
        }
    }

    /// The protection of a taxon, if any.
    pub fn for_taxon(&self, taxon: &str) -> Option<Protection> {
        self.by_taxon.get(taxon).copied()
    }

    /// Protects a sighting in place, as it may leave the team: for a protected taxon the
    /// position (its own, else its site's) becomes the cell centre with a widened uncertainty,
    /// and the site, visit, notes, photos and time of day go. Returns the protection applied,
    /// or `None` when the sighting is not protected (then nothing changes). A withheld
    /// sighting is left with no position at all: the caller leaves it out or writes it without
    /// coordinates.
    pub fn protect(&self, o: &mut Observation, site: Option<&Site>) -> Option<Protection> {
        let p = self.for_observation(o)?;
        let (point, uncertainty) = match (o.lat, o.lon) {
            (Some(lat), Some(lon)) => (Some((lat, lon)), o.uncertainty_m),
            _ => (
                site.map(|s| (s.lat, s.lon)),
                site.and_then(|s| s.uncertainty_m),
            ),
        };
        match (p, point) {
            (Protection::Generalise { grid_km }, Some((lat, lon))) => {
                let g = generalise(lat, lon, uncertainty, grid_km);
                o.lat = Some(g.lat);
                o.lon = Some(g.lon);
                o.uncertainty_m = Some(g.uncertainty_m);
            }
            _ => {
                o.lat = None;
                o.lon = None;
                o.uncertainty_m = None;
            }
        }
        o.site = None;
        o.visit = None;
        o.notes = None;
        o.photos.clear();
        o.observed_at = day_of(&o.observed_at);
        Some(p)
    }
}

/// The local day of an RFC 3339 time at noon, with its offset (`2026-06-01T12:00:00+08:00`),
/// so the day the observer wrote stays the day in every time zone of the region.
pub fn day_of(t: &str) -> String {
    match crate::validate::parse_time("observed_at", t) {
        Ok(dt) => format!("{}T12:00:00{}", dt.format("%Y-%m-%d"), dt.format("%:z")),
        Err(_) => t.to_string(),
    }
}

/// The date part of a time (`2026-06-01`) when a sighting is protected; else the time.
pub fn day_if(t: &str, protection: Option<Protection>) -> String {
    match protection {
        Some(_) => t.split('T').next().unwrap_or(t).to_string(),
        None => t.to_string(),
    }
}

/// The rules and the sites, loaded once for an export.
pub struct ExportGuard {
    rules: Rules,
    sites: HashMap<String, Site>,
}

impl ExportGuard {
    /// Loads the store's rules and sites.
    pub fn load(store: &Store) -> Result<ExportGuard> {
        let rules = Rules::load(store)?;
        let sites = if rules.is_empty() {
            HashMap::new()
        } else {
            store
                .list(Kind::Site)?
                .into_iter()
                .filter_map(|c| match c.body {
                    Some(Body::Site(s)) => Some((c.id, s)),
                    _ => None,
                })
                .collect()
        };
        Ok(ExportGuard { rules, sites })
    }

    /// A sighting as it may leave the team (see [`Rules::protect`]), and its protection.
    pub fn protect<'a>(
        &self,
        o: &'a Observation,
    ) -> (std::borrow::Cow<'a, Observation>, Option<Protection>) {
        if self.rules.for_observation(o).is_none() {
            return (std::borrow::Cow::Borrowed(o), None);
        }
        let mut copy = o.clone();
        let site = o.site.as_ref().and_then(|s| self.sites.get(s));
        let p = self.rules.protect(&mut copy, site);
        (std::borrow::Cow::Owned(copy), p)
    }
}

/// Protects the properties of a GeoJSON feature of a protected sighting: no site, the day
/// only, and the `data_generalizations` sentence.
pub fn protect_feature_properties(props: &mut serde_json::Value, p: Protection) {
    if let Some(m) = props.as_object_mut() {
        m.insert("site".into(), serde_json::Value::Null);
        for key in ["observed_at", "event_date"] {
            if let Some(serde_json::Value::String(t)) = m.get(key) {
                let day = day_if(t, Some(p));
                m.insert(key.into(), day.into());
            }
        }
        m.insert(
            "data_generalizations".into(),
            p.data_generalizations().into(),
        );
    }
}

/// The grid a site is placed on in reports when a sighting there is withheld: reports show
/// sites, so a withheld species' site is still shown, but only to within 100 km.
pub const WITHHELD_REPORT_GRID_KM: u32 = 100;

/// The strictest protection of each site where a protected taxon was recorded (from the
/// per-site species tally, so no sighting is read).
pub fn protected_sites(store: &Store) -> Result<HashMap<String, Protection>> {
    let rules = Rules::load(store)?;
    let mut out: HashMap<String, Protection> = HashMap::new();
    if rules.is_empty() {
        return Ok(out);
    }
    let mut stmt = store
        .connection()
        .prepare_cached("SELECT site_key, taxon_key FROM species_tally WHERE site_key <> ''")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (site, taxon) = (
            crate::store::ids::id_column(r, 0)?,
            crate::store::ids::id_column(r, 1)?,
        );
        if let Some(p) = rules.for_taxon(&taxon) {
            let e = out.entry(site).or_insert(p);
            if p.rank() > e.rank() {
                *e = p;
            }
        }
    }
    Ok(out)
}

/// Where a protected site is shown in a report: its cell centre.
pub fn report_position(p: Protection, lat: f64, lon: f64) -> (f64, f64) {
    let km = match p {
        Protection::Generalise { grid_km } => grid_km,
        Protection::Withhold => WITHHELD_REPORT_GRID_KM,
    };
    let g = generalise(lat, lon, None, km);
    (g.lat, g.lon)
}

fn name_key(n: &str) -> String {
    n.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The grid for an IUCN category when no listed rule names the taxon: critically endangered
/// and endangered taxa 10 km, vulnerable 5 km (GBIF's best practice for generalising sensitive
/// species occurrence data, Chapman 2020, doi:10.15468/doc-5jp4-5g10, recommends 10 km for
/// species at high risk and 1–5 km below that; the choice per category is the project's).
fn iucn_grid(category: &str) -> Option<u32> {
    match category.trim() {
        "CR" | "EN" => Some(10),
        "VU" => Some(5),
        _ => None,
    }
}

/// The shipped rules: every row of `data/sensitive_species.csv`, then a rule by IUCN category
/// for each other threatened animal of the checklist (pathogens and vectors have none).
pub fn seed_rules(taxa: &[(String, Taxon)]) -> Vec<SensitivityRule> {
    let mut out = Vec::new();
    let mut listed = std::collections::HashSet::new();
    let mut rdr = csv::Reader::from_reader(SENSITIVE_CSV.as_bytes());
    for row in rdr.records() {
        let row = row.expect("the shipped sensitive species list is valid CSV");
        let name = row[0].trim();
        let Some((id, _)) = taxa.iter().find(|(_, t)| t.scientific_name == name) else {
            continue;
        };
        let action = match row[1].trim() {
            "withhold" => SensitivityAction::Withhold,
            "generalise" => SensitivityAction::Generalise,
            _ => SensitivityAction::Exact,
        };
        let source = row[4].trim().to_string();
        listed.insert(name.to_string());
        out.push(SensitivityRule {
            taxon: id.clone(),
            scientific_name: name.to_string(),
            action,
            grid_km: row[2].trim().parse().ok(),
            reason: Some(row[3].trim().to_string()).filter(|r| !r.is_empty()),
            verified: !source.contains("verify"),
            source: Some(source),
        });
    }
    for (id, t) in taxa {
        if listed.contains(&t.scientific_name)
            || matches!(t.group, TaxonGroup::Pathogen | TaxonGroup::Vector)
        {
            continue;
        }
        let Some(cat) = t.iucn_status.as_deref() else {
            continue;
        };
        let Some(grid_km) = iucn_grid(cat) else {
            continue;
        };
        out.push(SensitivityRule {
            taxon: id.clone(),
            scientific_name: t.scientific_name.clone(),
            action: SensitivityAction::Generalise,
            grid_km: Some(grid_km),
            reason: Some(format!("IUCN Red List {cat}")),
            source: Some(format!(
                "checklist IUCN category {cat}; grid per GBIF best practice (Chapman 2020, \
                 doi:10.15468/doc-5jp4-5g10); verify"
            )),
            verified: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (la1, lo1, la2, lo2) = (
            a.0.to_radians(),
            a.1.to_radians(),
            b.0.to_radians(),
            b.1.to_radians(),
        );
        let h = ((la2 - la1) / 2.0).sin().powi(2)
            + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }

    #[test]
    fn every_point_lies_within_the_uncertainty_of_its_cell_centre_and_cells_are_shared() {
        for grid in [1, 5, 10, 50] {
            let mut shared = 0;
            for i in 0..400 {
                let lat = 35.0 + f64::from(i) * 0.0617 % 25.0;
                let lon = 45.0 + f64::from(i) * 0.2291 % 90.0;
                let g = generalise(lat, lon, None, grid);
                let d = metres((lat, lon), (g.lat, g.lon));
                assert!(
                    d <= g.uncertainty_m,
                    "{lat},{lon} is {d} m from its {grid} km centre, beyond {} m",
                    g.uncertainty_m
                );
                assert!(g.uncertainty_m >= f64::from(grid) * 1000.0 / 2.0);
                assert_eq!(
                    g,
                    generalise(g.lat, g.lon, None, grid),
                    "centre is a fixed point"
                );
                // A point about 50 m away is usually in the same cell, so shows the same.
                let near = generalise(lat + 0.0003, lon + 0.0004, None, grid);
                if (near.lat, near.lon) == (g.lat, g.lon) {
                    shared += 1;
                }
            }
            assert!(
                shared >= 300,
                "{grid} km: only {shared} of 400 nearby pairs share a cell"
            );
        }
    }

    #[test]
    fn the_day_is_kept_and_the_time_of_day_dropped() {
        assert_eq!(
            day_of("2026-06-01T23:45:10+09:00"),
            "2026-06-01T12:00:00+09:00"
        );
    }
}
