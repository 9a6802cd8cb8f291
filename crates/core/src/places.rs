//! Where a position lies: its country, by point-in-polygon on bundled borders, and the partner
//! reserve around it.
//!
//! The borders are Natural Earth 1:10m admin-0 (public domain) for China, Mongolia, Russia and
//! Kazakhstan, clipped to lon 45–135, lat 35–60 (`data/boundaries.geojson`, made by
//! `scripts/extract-boundaries.mjs`). Their vertices sit on world-atlas's quantisation grid
//! (0.0036° of longitude, 0.0017° of latitude: about 260 m by 190 m at 50°N), so a point a few
//! hundred metres from a border can fall on the wrong side; a kilometre or more away it cannot.
//!
//! Reserves are points with an area in the seed data, not polygons, so a position lies in a
//! reserve when it is within the radius of a circle of that area around the reserve's point
//! (the nearest such reserve wins).

use crate::model::{Country, ProtectedArea, RecordId};
use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Rect};
use std::sync::OnceLock;

/// The bundled borders (GeoJSON FeatureCollection, one MultiPolygon per country).
pub const BOUNDARIES_GEOJSON: &str = include_str!("../../../data/boundaries.geojson");

/// What the borders say about a position.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Place {
    /// The country the position lies in, if it is one of the project's four.
    pub country: Option<Country>,
    /// The partner reserve the position lies in (see the module's note on reserve extents).
    pub protected_area: Option<RecordId>,
}

struct Border {
    country: Country,
    /// The polygons themselves; positions are placed with `bands`, checked against this.
    #[cfg_attr(not(test), allow(dead_code))]
    shape: MultiPolygon<f64>,
    bbox: Rect<f64>,
    bands: Bands,
}

/// The edges of a border's rings sorted into horizontal bands, so a point is tested against
/// the few edges of its band (an even-odd ray cast) instead of every vertex of the border: a
/// bulk import places hundreds of thousands of positions. Same answer as `geo`'s `contains`
/// for every point not on the border line itself.
struct Bands {
    y0: f64,
    height: f64,
    /// Per band, the edges `[x1, y1, x2, y2]` whose latitude range meets it.
    edges: Vec<Vec<[f64; 4]>>,
}

const BANDS: usize = 1024;

impl Bands {
    fn new(shape: &MultiPolygon<f64>, bbox: &Rect<f64>) -> Bands {
        let y0 = bbox.min().y;
        let height = (bbox.height() / BANDS as f64).max(f64::MIN_POSITIVE);
        let mut edges = vec![Vec::new(); BANDS];
        let band = |y: f64| (((y - y0) / height).floor().max(0.0) as usize).min(BANDS - 1);
        for poly in &shape.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for l in ring.lines() {
                    let (a, b) = (l.start, l.end);
                    if a.y == b.y {
                        continue; // a horizontal edge never crosses a horizontal ray
                    }
                    for e in &mut edges[band(a.y.min(b.y))..=band(a.y.max(b.y))] {
                        e.push([a.x, a.y, b.x, b.y]);
                    }
                }
            }
        }
        Bands { y0, height, edges }
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        let i = ((y - self.y0) / self.height).floor();
        if !(0.0..BANDS as f64).contains(&i) {
            return false;
        }
        let mut inside = false;
        for &[x1, y1, x2, y2] in &self.edges[i as usize] {
            if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
                inside = !inside;
            }
        }
        inside
    }
}

fn borders() -> &'static [Border] {
    static BORDERS: OnceLock<Vec<Border>> = OnceLock::new();
    BORDERS.get_or_init(|| parse(BOUNDARIES_GEOJSON))
}

fn ring(v: &serde_json::Value) -> LineString<f64> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some(Coord {
                x: p.get(0)?.as_f64()?,
                y: p.get(1)?.as_f64()?,
            })
        })
        .collect()
}

fn parse(json: &str) -> Vec<Border> {
    let doc: serde_json::Value =
        serde_json::from_str(json).expect("data/boundaries.geojson is JSON");
    let mut out = Vec::new();
    for f in doc["features"].as_array().into_iter().flatten() {
        let Some(country) = f["properties"]["code"].as_str().and_then(Country::parse) else {
            continue;
        };
        let polygons: Vec<Polygon<f64>> = f["geometry"]["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|poly| {
                let rings = poly.as_array()?;
                let (outer, holes) = rings.split_first()?;
                Some(Polygon::new(ring(outer), holes.iter().map(ring).collect()))
            })
            .collect();
        let shape = MultiPolygon(polygons);
        let Some(bbox) = shape.bounding_rect() else {
            continue;
        };
        let bands = Bands::new(&shape, &bbox);
        out.push(Border {
            country,
            shape,
            bbox,
            bands,
        });
    }
    out
}

/// The country whose bundled border contains the position, or `None` outside the four
/// countries (or outside the bundled box).
pub fn country_at(lat: f64, lon: f64) -> Option<Country> {
    if !(lat.is_finite() && lon.is_finite()) {
        return None;
    }
    let p = Point::new(lon, lat);
    borders()
        .iter()
        .filter(|b| b.bbox.contains(&p))
        .find(|b| b.bands.contains(lon, lat))
        .map(|b| b.country)
}

/// Great-circle distance in kilometres (haversine on a sphere of radius 6371 km).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

/// The radius in kilometres of a circle of the reserve's area, the extent used when a reserve
/// has a point and an area but no polygon.
pub fn reserve_radius_km(area: &ProtectedArea) -> Option<f64> {
    area.area_km2
        .filter(|a| *a > 0.0)
        .map(|a| (a / std::f64::consts::PI).sqrt())
}

/// The nearest reserve whose extent (see [`reserve_radius_km`]) contains the position.
pub fn reserve_at<'a>(
    lat: f64,
    lon: f64,
    reserves: impl IntoIterator<Item = (&'a RecordId, &'a ProtectedArea)>,
) -> Option<RecordId> {
    reserves
        .into_iter()
        .filter_map(|(id, r)| {
            let d = distance_km(lat, lon, r.lat, r.lon);
            (d <= reserve_radius_km(r)?).then_some((d, id))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_borders_hold_all_four_countries() {
        let codes: Vec<Country> = borders().iter().map(|b| b.country).collect();
        for c in Country::ALL {
            assert!(
                codes.contains(&c),
                "no border for {c:?} in the bundled file"
            );
        }
    }

    #[test]
    fn the_banded_test_agrees_with_geo_everywhere_in_the_bundled_box() {
        // A grid over the region (about 24,000 points, off the borders' quantisation grid so
        // none lies on a border line, where the two may differ), and points a few metres
        // either side of every 100th vertex.
        let mut points = Vec::new();
        for i in 0..=200 {
            for j in 0..=120 {
                points.push(Point::new(
                    45.000_123 + i as f64 * 0.45,
                    35.000_077 + j as f64 * 0.208,
                ));
            }
        }
        for b in borders() {
            for poly in &b.shape.0 {
                for c in poly.exterior().coords().step_by(100) {
                    for d in [-0.0007, 0.0007] {
                        points.push(Point::new(c.x + d, c.y + d / 3.0));
                    }
                }
            }
        }
        for p in points {
            for b in borders() {
                assert_eq!(
                    b.bbox.contains(&p) && b.bands.contains(p.x(), p.y()),
                    b.bbox.contains(&p) && b.shape.contains(&p),
                    "{:?} at {p:?}",
                    b.country
                );
            }
        }
    }

    #[test]
    fn capitals_and_the_sea_fall_where_they_should() {
        assert_eq!(country_at(47.92, 106.92), Some(Country::MN), "Ulaanbaatar");
        assert_eq!(country_at(52.29, 104.30), Some(Country::RU), "Irkutsk");
        assert_eq!(country_at(51.17, 71.45), Some(Country::KZ), "Astana");
        assert_eq!(country_at(39.90, 116.40), Some(Country::CN), "Beijing");
        assert_eq!(country_at(40.0, 130.5), None, "Sea of Japan");
        assert_eq!(country_at(10.0, 100.0), None, "outside the bundled box");
    }

    #[test]
    fn a_reserve_contains_points_within_the_radius_of_its_area() {
        let r = ProtectedArea {
            name_en: "R".into(),
            name_local: None,
            country: Country::RU,
            category: None,
            lat: 50.0,
            lon: 115.0,
            area_km2: Some(std::f64::consts::PI * 100.0),
            extent_note: None,
            partnership: crate::model::PartnershipStatus::Engaged,
            contact: None,
            agreement_date: None,
            source: None,
        };
        let id = "r".to_string();
        // 0.08° of latitude is about 8.9 km, inside the 10 km radius; 0.1° (11.1 km) is not.
        assert_eq!(reserve_at(50.08, 115.0, [(&id, &r)]), Some(id.clone()));
        assert_eq!(reserve_at(50.1, 115.0, [(&id, &r)]), None);
    }
}
