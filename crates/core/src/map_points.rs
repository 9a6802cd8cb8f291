//! Every live sighting's position for the main map, in one compact array, so the map can cluster
//! all of them (a million positions are 8 MB here, against hundreds of MB as observation rows).

use crate::error::Result;
use crate::store::Store;
use std::collections::HashMap;

impl Store {
    /// The position of every live sighting as `[lat, lon, lat, lon, …]` in `f32` (a metre or
    /// two at these latitudes): its own position, else its site's. A sighting with neither is
    /// left out. Rows come in storage order; the map needs no order.
    pub fn sighting_points(&self) -> Result<Vec<f32>> {
        let conn = self.connection();
        let mut sites: HashMap<String, (f64, f64)> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT id, json_extract(body, '$.lat'), json_extract(body, '$.lon') FROM record
             WHERE kind = 'site' AND deleted = 0 AND body IS NOT NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let (Some(lat), Some(lon)) =
                (r.get::<_, Option<f64>>(1)?, r.get::<_, Option<f64>>(2)?)
            {
                sites.insert(crate::store::ids::id_column(r, 0)?, (lat, lon));
            }
        }
        let mut out = Vec::new();
        let mut stmt =
            conn.prepare_cached("SELECT lat, lon, site_id FROM observation WHERE deleted = 0")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let own = match (r.get::<_, Option<f64>>(0)?, r.get::<_, Option<f64>>(1)?) {
                (Some(lat), Some(lon)) => Some((lat, lon)),
                _ => None,
            };
            let mut buf = [0u8; 36];
            let site = crate::store::ids::id_str(r.get_ref(2)?, &mut buf);
            let at = own.or_else(|| site.and_then(|s| sites.get(s).copied()));
            if let Some((lat, lon)) = at {
                out.push(lat as f32);
                out.push(lon as f32);
            }
        }
        Ok(out)
    }
}

/// Positions as little-endian `f32` bytes, what the window reads into a `Float32Array`.
pub fn points_to_le_bytes(points: &[f32]) -> Vec<u8> {
    points.iter().flat_map(|v| v.to_le_bytes()).collect()
}
