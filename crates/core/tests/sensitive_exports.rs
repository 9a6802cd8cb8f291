//! Sensitive species in every export, read back by readers nobody here wrote
//! (python-dwca-reader, gpxpy, the Python geojson package, Python's csv): no sensitive sighting
//! is placed more precisely than its rule, withheld ones have no position, and nothing else in
//! the row (site, locality, notes, photos, time of day, the visit's event) gives the point away.

use dauria_core::model::*;
use dauria_core::planning::gpx;
use dauria_core::sensitive::generalise;
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

fn run_python(script: &str, file: &Path) -> Json {
    let out = std::process::Command::new(python())
        .args(["-c", script])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run `make setup-test`): {e}",
                python().display()
            )
        });
    assert!(
        out.status.success(),
        "the reader could not read {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A true position, and what the rule allows of it.
struct Truth {
    name: &'static str,
    lat: f64,
    lon: f64,
    uncertainty: f64,
    /// None: withheld; Some(0): exact.
    grid_km: Option<u32>,
}

const SITE: (f64, f64) = (49.95432, 115.56789);

fn truths() -> Vec<Truth> {
    vec![
        Truth {
            name: "Otocolobus manul",
            lat: 49.71234,
            lon: 115.12345,
            uncertainty: 8.0,
            grid_km: Some(10),
        },
        // At the site, with no position of its own.
        Truth {
            name: "Otocolobus manul",
            lat: SITE.0,
            lon: SITE.1,
            uncertainty: 8.0,
            grid_km: Some(10),
        },
        Truth {
            name: "Marmota sibirica",
            lat: 49.33333,
            lon: 116.44444,
            uncertainty: 8.0,
            grid_km: Some(10),
        },
        Truth {
            name: "Aquila heliaca",
            lat: 49.51234,
            lon: 116.01234,
            uncertainty: 8.0,
            grid_km: Some(10),
        },
        Truth {
            name: "Falco cherrug",
            lat: 49.9001,
            lon: 116.0002,
            uncertainty: 8.0,
            grid_km: None,
        },
        Truth {
            name: "Canis lupus",
            lat: 50.10001,
            lon: 116.30001,
            uncertainty: 8.0,
            grid_km: Some(0),
        },
    ]
}

struct Fixture {
    _tmp: tempfile::TempDir,
    store: Store,
    survey: String,
}

/// A survey with a visit at a site; the sightings of [`truths`] in that visit (the second
/// manul at the site, with no position of its own), notes with coordinates and photos; a
/// tested sample of the marmot.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let taxa = TaxonIndex::load(&store).unwrap();
    let survey = store
        .create(&Body::Survey(Survey {
            title: "Den survey".into(),
            region: None,
            target_groups: vec![],
            target_taxa: vec![],
            methods: vec![],
            start_date: None,
            end_date: None,
            status: SurveyStatus::InField,
            lead: None,
            exchange_rates: vec![],
        }))
        .unwrap()
        .id;
    let site = store
        .create(&Body::Site(Site {
            name: "Manul valley den 3".into(),
            country: Country::RU,
            protected_area: None,
            lat: SITE.0,
            lon: SITE.1,
            uncertainty_m: Some(8.0),
            elevation_m: None,
            habitat: None,
        }))
        .unwrap()
        .id;
    let visit: Json = json!({
        "survey": survey, "site": site, "start": "2026-06-01T05:00:00+09:00",
        "end": "2026-06-01T09:00:00+09:00", "observers": ["A. Ivanov"], "protocol": "transect",
        "effort_value": null, "effort_unit": null, "weather": null,
        "track": [{"name": null, "lat": 49.7, "lon": 115.1, "time": "2026-06-01T05:00:00+09:00"},
                  {"name": null, "lat": 49.72, "lon": 115.13, "time": "2026-06-01T06:00:00+09:00"}]
    });
    let visit = store
        .create(&Body::Visit(serde_json::from_value(visit).unwrap()))
        .unwrap()
        .id;
    for (i, t) in truths().iter().enumerate() {
        let at_site = i == 1;
        let o: Observation = serde_json::from_value(json!({
            "visit": visit, "site": if at_site { Some(&site) } else { None },
            "taxon": taxa.resolve(t.name).unwrap(), "taxon_name": null,
            "count": 1, "count_min": null, "count_max": null, "unit": "individuals",
            "sex": null, "age": null, "behaviour": null,
            "lat": if at_site { None } else { Some(t.lat) },
            "lon": if at_site { None } else { Some(t.lon) },
            "uncertainty_m": t.uncertainty,
            "observed_at": "2026-06-01T05:47:13+09:00", "observers": ["A. Ivanov"],
            "detection_method": null,
            "notes": format!("den at {} {}", t.lat, t.lon),
            "photos": ["ab".repeat(32)]
        }))
        .unwrap();
        let id = store.create(&Body::Observation(o)).unwrap().id;
        if t.name == "Marmota sibirica" {
            store
                .create(&Body::Sample(Sample {
                    host_observation: id,
                    sample_type: "blood".into(),
                    barcode: "MN-1".into(),
                    collected_at: "2026-06-01T05:55:00+09:00".into(),
                    storage: None,
                    lab: None,
                    test: Some("PCR".into()),
                    pathogen: Some("Yersinia pestis".into()),
                    result: SampleResult::Positive,
                    result_date: Some("2026-06-20".into()),
                }))
                .unwrap();
        }
    }
    Fixture {
        _tmp: tmp,
        store,
        survey,
    }
}

/// Checks one exported sighting of `name` against the rule: exact ones unchanged, generalised
/// ones at the centre of the true point's cell with an uncertainty that covers the cell,
/// withheld ones without a position.
fn check_point(what: &str, name: &str, lat: Option<f64>, lon: Option<f64>, unc: Option<f64>) {
    let candidates: Vec<Truth> = truths().into_iter().filter(|t| t.name == name).collect();
    assert!(!candidates.is_empty(), "{what}: unexpected taxon {name}");
    let Some(grid) = candidates[0].grid_km else {
        assert!(
            lat.is_none() && lon.is_none(),
            "{what}: {name} is withheld but has {lat:?},{lon:?}"
        );
        return;
    };
    let (lat, lon) = (
        lat.unwrap_or_else(|| panic!("{what}: {name} has no latitude")),
        lon.unwrap(),
    );
    let matches = candidates.iter().any(|t| {
        let (tlat, tlon) = (t.lat, t.lon);
        if grid == 0 {
            (lat - tlat).abs() < 1e-9 && (lon - tlon).abs() < 1e-9
        } else {
            let g = generalise(tlat, tlon, Some(t.uncertainty), grid);
            (lat - g.lat).abs() < 1e-9
                && (lon - g.lon).abs() < 1e-9
                && unc.is_some_and(|u| u >= g.uncertainty_m)
        }
    });
    assert!(
        matches,
        "{what}: {name} at {lat},{lon} (±{unc:?}) is not what its rule allows"
    );
    if grid > 0 {
        // Never the true point, to any precision a reader could use.
        for t in &candidates {
            assert!(
                (lat - t.lat).abs() > 1e-4 || (lon - t.lon).abs() > 1e-4,
                "{what}: {name} exact"
            );
        }
        assert!(
            unc.unwrap() >= f64::from(grid) * 1000.0 / 2.0,
            "{what}: {name} uncertainty too small"
        );
    }
}

fn sensitive(name: &str) -> bool {
    name != "Canis lupus"
}

/// No value of a protected row holds the true coordinates, the site's, the site name or a
/// time of day.
fn no_leak(what: &str, values: &[String]) {
    for v in values {
        for t in truths().iter().filter(|t| t.grid_km != Some(0)) {
            for needle in [t.lat.to_string(), t.lon.to_string()] {
                if needle.len() < 7 {
                    continue;
                }
                assert!(!v.contains(&needle), "{what}: '{v}' gives away {needle}");
            }
        }
        for needle in [
            SITE.0.to_string(),
            SITE.1.to_string(),
            "Manul valley".into(),
            "05:47".into(),
            "05:55".into(),
            "ababab".into(),
        ] {
            assert!(!v.contains(&needle), "{what}: '{v}' gives away {needle}");
        }
    }
}

#[test]
fn darwin_core_archives_generalise_sensitive_species_as_python_dwca_reader_reads_them() {
    let f = fixture();
    for survey in [None, Some(f.survey.as_str())] {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("export.zip");
        dauria_core::dwca::export_dwca(&f.store, survey, std::fs::File::create(&path).unwrap())
            .unwrap();
        let read = run_python(
            r#"
import json, sys
from dwca.read import DwCAReader
with DwCAReader(sys.argv[1]) as a:
    out = []
    for r in a:
        ev = {k.rsplit("/", 1)[-1]: v for k, v in r.data.items()}
        for e in r.extensions:
            if e.rowtype.endswith("Occurrence"):
                out.append({"event": ev, "occ": {k.rsplit("/", 1)[-1]: v for k, v in e.data.items()}})
    print(json.dumps(out))
"#,
            &path,
        );
        let rows = read.as_array().unwrap();
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        for r in rows {
            let occ = &r["occ"];
            let name = occ["scientificName"].as_str().unwrap().to_string();
            if occ["basisOfRecord"] == "MaterialSample" {
                // A pathogen found in a sensitive host: dated to the day, no place of its own.
                assert_eq!(occ["eventDate"], "2026-06-01", "{occ}");
                no_leak(
                    "pathogen occurrence",
                    &[occ.to_string(), r["event"].to_string()],
                );
                continue;
            }
            *seen.entry(name.clone()).or_default() += 1;
            let num = |k: &str| {
                occ[k]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<f64>().unwrap())
            };
            check_point(
                "DwC-A",
                &name,
                num("decimalLatitude"),
                num("decimalLongitude"),
                num("coordinateUncertaintyInMeters"),
            );
            if sensitive(&name) {
                let g = occ["dataGeneralizations"].as_str().unwrap();
                assert!(g.starts_with("Sensitive species"), "{g}");
                assert_eq!(occ["eventDate"], "2026-06-01");
                no_leak(
                    &format!("DwC-A {name}"),
                    &[occ.to_string(), r["event"].to_string()],
                );
            } else {
                assert_eq!(occ["dataGeneralizations"], "");
                assert!(occ["occurrenceRemarks"]
                    .as_str()
                    .unwrap()
                    .contains("den at"));
            }
        }
        assert_eq!(
            seen.values().sum::<usize>(),
            truths().len(),
            "every sighting is in the archive (withheld ones without a position): {seen:?}"
        );
    }
}

#[test]
fn csv_geojson_and_gpx_exports_generalise_sensitive_species_as_other_readers_read_them() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();

    let csv_path = tmp.path().join("sightings.csv");
    dauria_core::import::export_observations(
        &f.store,
        &ObservationFilter::default(),
        std::fs::File::create(&csv_path).unwrap(),
    )
    .unwrap();
    let rows = run_python(
        "import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))))",
        &csv_path,
    );
    assert_eq!(rows.as_array().unwrap().len(), truths().len());
    for r in rows.as_array().unwrap() {
        let get = |k: &str| {
            let key = r
                .as_object()
                .unwrap()
                .keys()
                .find(|c| c.as_str() == k)
                .unwrap_or_else(|| panic!("no {k} column in {r}"));
            r[key]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let name = get("taxon").unwrap();
        let f64_of = |k: &str| get(k).map(|v| v.parse::<f64>().unwrap());
        check_point(
            "CSV",
            &name,
            f64_of("lat"),
            f64_of("lon"),
            f64_of("uncertainty_m"),
        );
        if sensitive(&name) {
            no_leak(
                &format!("CSV {name}"),
                &r.as_object()
                    .unwrap()
                    .values()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>(),
            );
        }
    }

    let geo_path = tmp.path().join("sightings.geojson");
    dauria_core::dwca::export_geojson(
        &f.store,
        &ObservationFilter::default(),
        std::fs::File::create(&geo_path).unwrap(),
    )
    .unwrap();
    let features = run_python(
        r#"
import geojson, json, sys
fc = geojson.load(open(sys.argv[1], encoding="utf-8"))
assert fc.is_valid, fc.errors()
out = []
for f in fc["features"]:
    g = f["geometry"]
    out.append({"coords": list(geojson.utils.coords(g)) if g else [], "props": f["properties"]})
print(json.dumps(out))
"#,
        &geo_path,
    );
    assert_eq!(features.as_array().unwrap().len(), truths().len());
    for feat in features.as_array().unwrap() {
        let props = &feat["props"];
        let name = props["scientific_name"].as_str().unwrap();
        let coords = feat["coords"].as_array().unwrap();
        let (lat, lon) = match coords.first() {
            Some(c) => (c[1].as_f64(), c[0].as_f64()),
            None => (None, None),
        };
        check_point("GeoJSON", name, lat, lon, props["uncertainty_m"].as_f64());
        if sensitive(name) {
            assert!(props["data_generalizations"]
                .as_str()
                .unwrap()
                .starts_with("Sensitive"));
            no_leak(&format!("GeoJSON {name}"), &[props.to_string()]);
        }
    }

    let gpx_path = tmp.path().join("survey.gpx");
    gpx::export(
        &f.store,
        &f.survey,
        std::fs::File::create(&gpx_path).unwrap(),
    )
    .unwrap();
    let wpts = run_python(
        r#"
import gpxpy, json, sys
g = gpxpy.parse(open(sys.argv[1], encoding="utf-8"))
print(json.dumps([{"name": w.name, "lat": w.latitude, "lon": w.longitude,
                   "time": w.time.isoformat() if w.time else None,
                   "desc": w.description} for w in g.waypoints]))
"#,
        &gpx_path,
    );
    let wpts = wpts.as_array().unwrap();
    // Every sighting but the withheld falcon is a waypoint.
    assert_eq!(wpts.len(), truths().len() - 1, "{wpts:?}");
    for w in wpts {
        let name = w["name"].as_str().unwrap();
        assert_ne!(name, "Falco cherrug");
        // GPX has no uncertainty: the point must be the cell centre itself.
        let truth = truths()
            .into_iter()
            .filter(|t| t.name == name)
            .map(|t| t.grid_km)
            .next()
            .unwrap();
        let unc = truth.filter(|g| *g > 0).map(|g| f64::from(g) * 1e6);
        check_point("GPX", name, w["lat"].as_f64(), w["lon"].as_f64(), unc);
        if sensitive(name) {
            assert!(
                w["time"].is_null(),
                "a track would place a timed sighting: {w}"
            );
            assert!(w["desc"].as_str().unwrap().starts_with("Sensitive"));
        }
    }
}

#[test]
fn reports_place_a_site_where_a_sensitive_species_was_seen_at_its_generalised_position() {
    let f = fixture();
    let period = dauria_core::monitoring::Period::default();
    let sites = dauria_core::monitoring::site_summaries(&f.store, &period).unwrap();
    let den = sites
        .iter()
        .find(|s| s.name == "Manul valley den 3")
        .unwrap();
    let g = generalise(SITE.0, SITE.1, None, 10);
    assert_eq!(
        (den.lat, den.lon),
        (g.lat, g.lon),
        "the den site is shown at its 10 km cell centre"
    );
    // A site where nothing sensitive was seen keeps its position.
    let other = sites
        .iter()
        .find(|s| s.name != "Manul valley den 3")
        .unwrap();
    let stored = f
        .store
        .get(&other.site_id)
        .unwrap()
        .and_then(|c| match c.body {
            Some(Body::Site(s)) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!((other.lat, other.lon), (stored.lat, stored.lon));
}
