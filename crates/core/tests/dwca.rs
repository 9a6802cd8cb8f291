//! Darwin Core Archive export, read back by python-dwca-reader (a reader nobody here wrote), and
//! imported again into a fresh store.

use dauria_core::dwca::{export_dwca, export_geojson, import_dwca};
use dauria_core::model::*;
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use serde_json::Value as Json;
use std::path::Path;

fn python() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

/// Reads the archive with python-dwca-reader and returns, per core row, its id, data and
/// extension rows, as JSON.
fn read_with_dwca_reader(archive: &Path) -> Json {
    let script = r#"
import json, sys
from dwca.read import DwCAReader
with DwCAReader(sys.argv[1]) as a:
    out = {"core": a.descriptor.core.type,
           "extensions": sorted(e.type for e in a.descriptor.extensions),
           "title": a.metadata.find("dataset/title").text if a.metadata is not None else None,
           "rows": []}
    for r in a:
        out["rows"].append({"id": r.id,
            "data": {k.rsplit("/", 1)[-1]: v for k, v in r.data.items()},
            "ext": [{"type": e.rowtype.rsplit("/", 1)[-1],
                     "data": {k.rsplit("/", 1)[-1]: v for k, v in e.data.items()}}
                    for e in r.extensions]})
    print(json.dumps(out))
"#;
    let out = std::process::Command::new(python())
        .args(["-c", script])
        .arg(archive)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run `make setup-test`): {e}",
                python().display()
            )
        });
    assert!(
        out.status.success(),
        "python-dwca-reader could not read the archive: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

struct Fixture {
    survey: String,
    visit: String,
    site: String,
    marmot: String,
    counted: String,
    estimated: String,
    burrows: String,
    unlisted: String,
    incidental: String,
    positive: String,
    negative: String,
    pending: String,
}

fn obs(
    visit: Option<&str>,
    site: Option<&str>,
    taxon: Option<&str>,
    name: Option<&str>,
) -> Observation {
    Observation {
        visit: visit.map(str::to_string),
        site: site.map(str::to_string),
        taxon: taxon.map(str::to_string),
        taxon_name: name.map(str::to_string),
        count: Some(4),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(50.1),
        lon: Some(115.6),
        uncertainty_m: Some(15.0),
        observed_at: "2024-06-01T07:30:00+09:00".into(),
        observers: vec!["A. Batsaikhan".into(), "O. Goroshko".into()],
        detection_method: Some("direct observation".into()),
        notes: None,
        photos: Vec::new(),
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    }
}

fn sample(host: &str, barcode: &str, result: SampleResult) -> Body {
    Body::Sample(Sample {
        host_observation: host.into(),
        sample_type: "blood".into(),
        barcode: barcode.into(),
        collected_at: "2024-06-01T08:00:00+09:00".into(),
        storage: Some("liquid nitrogen".into()),
        lab: Some("Chita plague station".into()),
        test: Some("PCR".into()),
        pathogen: Some("Yersinia pestis".into()),
        result,
        result_date: Some("2024-06-20".into()),
    })
}

fn fill(store: &mut Store) -> Fixture {
    // These archives are about events, effort and samples: a lead has set the seeded
    // sensitive-species rules to exact positions (sensitive species: sensitive_exports.rs).
    for c in store.list(Kind::SensitivityRule).unwrap() {
        let Some(Body::SensitivityRule(mut r)) = c.body else {
            continue;
        };
        r.action = SensitivityAction::Exact;
        store
            .update(&c.id, &c.rev_id, &Body::SensitivityRule(r))
            .unwrap();
    }
    let taxa = TaxonIndex::load(store).unwrap();
    let marmot = taxa.resolve("Marmota sibirica").unwrap();
    let site = store
        .create(&Body::Site(Site {
            name: "Tarbagan colony 3".into(),
            country: Country::MN,
            protected_area: None,
            lat: 49.9,
            lon: 115.2,
            uncertainty_m: Some(50.0),
            elevation_m: None,
            habitat: Some("steppe".into()),
        }))
        .unwrap()
        .id;
    let survey = store
        .create(&Body::Survey(Survey {
            title: "Plague in marmots, Mongol Daguur 2024".into(),
            region: Some("Mongol Daguur".into()),
            target_groups: vec![TaxonGroup::SmallMammal],
            target_taxa: vec![marmot.clone()],
            methods: vec!["burrow count transect".into()],
            start_date: Some("2024-06-01".into()),
            end_date: Some("2024-06-10".into()),
            status: SurveyStatus::InField,
            lead: None,
            exchange_rates: Vec::new(),
        }))
        .unwrap()
        .id;
    let visit = store
        .create(&Body::Visit(Visit {
            survey: Some(survey.clone()),
            site: Some(site.clone()),
            route: None,
            start: "2024-06-01T07:00:00+08:00".into(),
            end: Some("2024-06-01T11:00:00+08:00".into()),
            observers: vec!["A. Batsaikhan".into()],
            protocol: Some("line transect".into()),
            effort_value: Some(2.5),
            effort_unit: Some("km".into()),
            weather: Some("clear".into()),
            track: Vec::new(),
        }))
        .unwrap()
        .id;
    let mut create = |o: Observation| store.create(&Body::Observation(o)).unwrap().id;
    let counted = create(obs(Some(&visit), Some(&site), Some(&marmot), None));
    let mut e = obs(Some(&visit), Some(&site), Some(&marmot), None);
    (e.count, e.count_min, e.count_max) = (None, Some(12), Some(20));
    let estimated = create(e);
    let mut b = obs(Some(&visit), Some(&site), Some(&marmot), None);
    (b.count, b.unit, b.lat, b.lon, b.uncertainty_m) =
        (Some(31), CountUnit::Burrows, None, None, None);
    let burrows = create(b);
    let unlisted = create(obs(
        Some(&visit),
        Some(&site),
        None,
        Some("Spermophilus sp. (unidentified)"),
    ));
    let mut i = obs(None, Some(&site), Some(&marmot), None);
    i.observed_at = "2024-06-03T18:10:00+08:00".into();
    let incidental = create(i);
    let positive = store
        .create(&sample(&counted, "MN-24-0001", SampleResult::Positive))
        .unwrap()
        .id;
    let negative = store
        .create(&sample(&counted, "MN-24-0002", SampleResult::Negative))
        .unwrap()
        .id;
    let pending = store
        .create(&sample(&estimated, "MN-24-0003", SampleResult::Pending))
        .unwrap()
        .id;
    Fixture {
        survey,
        visit,
        site,
        marmot,
        counted,
        estimated,
        burrows,
        unlisted,
        incidental,
        positive,
        negative,
        pending,
    }
}

fn ext<'a>(row: &'a Json, kind: &str) -> Vec<&'a Json> {
    row["ext"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| &e["data"])
        .collect()
}

#[test]
fn exported_archive_is_read_by_python_dwca_reader_with_every_row_and_term() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let f = fill(&mut store);
    let path = tmp.path().join("dauria.zip");
    let report = export_dwca(&store, None, std::fs::File::create(&path).unwrap()).unwrap();
    assert_eq!(report.events, 2, "{report:?}");
    assert_eq!(report.synthetic_events, 1);
    assert_eq!(
        report.occurrences,
        5 + 2,
        "five sightings, two pathogen results"
    );
    assert_eq!(report.measurements, 3);
    assert_eq!(report.relationships, 2);

    let a = read_with_dwca_reader(&path);
    assert_eq!(a["core"], "http://rs.tdwg.org/dwc/terms/Event");
    let exts: Vec<&str> = a["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for t in [
        "http://rs.tdwg.org/dwc/terms/Occurrence",
        "http://rs.tdwg.org/dwc/terms/ResourceRelationship",
        "http://rs.iobis.org/obis/terms/ExtendedMeasurementOrFact",
        "http://rs.tdwg.org/eco/terms/Event",
    ] {
        assert!(exts.contains(&t), "missing extension {t}: {exts:?}");
    }
    assert_eq!(a["title"], "Dauria Field survey records");
    let rows = a["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);

    // The visit.
    let v = rows
        .iter()
        .find(|r| r["id"] == f.visit.as_str())
        .expect("the visit is an event");
    let d = &v["data"];
    assert_eq!(d["eventID"], f.visit.as_str());
    assert_eq!(d["samplingProtocol"], "line transect");
    assert_eq!(d["sampleSizeValue"], "2.5");
    assert_eq!(d["sampleSizeUnit"], "km");
    assert_eq!(d["samplingEffort"], "2.5 km");
    assert_eq!(
        d["eventDate"],
        "2024-06-01T07:00:00+08:00/2024-06-01T11:00:00+08:00"
    );
    assert_eq!(d["locationID"], f.site.as_str());
    assert_eq!(d["locality"], "Tarbagan colony 3");
    assert_eq!(d["countryCode"], "MN");
    assert_eq!(d["decimalLatitude"], "49.9");
    assert_eq!(d["geodeticDatum"], "WGS84");
    assert_eq!(d["coordinateUncertaintyInMeters"], "50");
    let h = ext(v, "Event");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["samplingPerformedBy"], "A. Batsaikhan");
    assert_eq!(h[0]["samplingEffortValue"], "2.5");
    assert_eq!(
        h[0]["targetTaxonomicScope"],
        "Marmota sibirica | small_mammal"
    );

    let occ = ext(v, "Occurrence");
    assert_eq!(
        occ.len(),
        4 + 2,
        "four sightings and two pathogen results under the visit"
    );
    let by_id = |id: &str| {
        *occ.iter()
            .find(|o| o["occurrenceID"] == id)
            .unwrap_or_else(|| panic!("no occurrence {id}"))
    };
    for id in [&f.counted, &f.estimated, &f.burrows, &f.unlisted] {
        let o = by_id(id);
        assert_eq!(o["eventID"], f.visit.as_str());
        assert_eq!(o["occurrenceStatus"], "present");
        assert_eq!(o["basisOfRecord"], "HumanObservation");
        assert_eq!(o["eventDate"], "2024-06-01T07:30:00+09:00");
        assert_eq!(o["geodeticDatum"], "WGS84");
        assert_eq!(o["recordedBy"], "A. Batsaikhan | O. Goroshko");
    }
    let c = by_id(&f.counted);
    assert_eq!(c["scientificName"], "Marmota sibirica");
    assert_eq!(c["individualCount"], "4");
    assert_eq!(c["organismQuantity"], "");
    assert_eq!(c["decimalLatitude"], "50.1");
    assert_eq!(c["decimalLongitude"], "115.6");
    assert_eq!(c["coordinateUncertaintyInMeters"], "15");
    let e = by_id(&f.estimated);
    assert_eq!(e["individualCount"], "");
    assert_eq!(e["organismQuantity"], "12");
    assert_eq!(e["organismQuantityType"], "individuals (minimum estimate)");
    assert!(e["occurrenceRemarks"]
        .as_str()
        .unwrap()
        .contains("estimate 12–20 individuals"));
    let b = by_id(&f.burrows);
    assert_eq!(b["organismQuantity"], "31");
    assert_eq!(b["organismQuantityType"], "burrows");
    assert_eq!(
        b["decimalLatitude"], "49.9",
        "no position of its own: the site's"
    );
    assert_eq!(b["coordinateUncertaintyInMeters"], "50");
    assert_eq!(
        by_id(&f.unlisted)["scientificName"],
        "Spermophilus sp. (unidentified)"
    );

    let p = by_id(&format!("{}:pathogen", f.positive));
    assert_eq!(p["scientificName"], "Yersinia pestis");
    assert_eq!(p["occurrenceStatus"], "present");
    assert_eq!(p["basisOfRecord"], "MaterialSample");
    assert_eq!(p["materialSampleID"], "MN-24-0001");
    assert_eq!(
        by_id(&format!("{}:pathogen", f.negative))["occurrenceStatus"],
        "absent"
    );

    let mof = ext(v, "ExtendedMeasurementOrFact");
    assert_eq!(mof.len(), 3);
    for (sample, host, value) in [
        (&f.positive, &f.counted, "positive"),
        (&f.negative, &f.counted, "negative"),
        (&f.pending, &f.estimated, "pending"),
    ] {
        let m = mof
            .iter()
            .find(|m| m["measurementID"] == format!("{sample}:result").as_str())
            .unwrap();
        assert_eq!(m["occurrenceID"], host.as_str());
        assert_eq!(m["measurementType"], "Yersinia pestis test result");
        assert_eq!(m["measurementValue"], value);
        assert_eq!(m["measurementMethod"], "PCR");
        assert_eq!(m["measurementDeterminedDate"], "2024-06-20");
    }
    let rel = ext(v, "ResourceRelationship");
    assert_eq!(rel.len(), 2);
    for r in rel {
        assert_eq!(r["relatedResourceID"], f.counted.as_str());
        assert_eq!(r["relationshipOfResource"], "pathogen of");
        assert!(r["resourceID"].as_str().unwrap().ends_with(":pathogen"));
    }

    // The sighting without a visit sits under an event made for its site and day.
    let s = rows.iter().find(|r| r["id"] != f.visit.as_str()).unwrap();
    assert_eq!(
        s["id"],
        format!("incidental:{}:2024-06-03", f.site).as_str()
    );
    assert_eq!(s["data"]["eventDate"], "2024-06-03");
    assert_eq!(s["data"]["samplingProtocol"], "incidental observation");
    let so = ext(s, "Occurrence");
    assert_eq!(so.len(), 1);
    assert_eq!(so[0]["occurrenceID"], f.incidental.as_str());
    assert_eq!(so[0]["eventDate"], "2024-06-03T18:10:00+08:00");
    let _ = (&f.survey, &f.marmot);
}

#[test]
fn survey_export_holds_only_that_surveys_visits_and_its_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let f = fill(&mut store);
    let path = tmp.path().join("survey.zip");
    let report = export_dwca(
        &store,
        Some(&f.survey),
        std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    assert_eq!((report.events, report.synthetic_events), (1, 0));
    let a = read_with_dwca_reader(&path);
    assert_eq!(a["title"], "Plague in marmots, Mongol Daguur 2024");
    let rows = a["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], f.visit.as_str());
    assert!(export_dwca(&store, Some("nope"), std::io::Cursor::new(Vec::new())).is_err());
}

#[test]
fn archive_round_trips_with_unmatched_names_kept_as_free_text() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("a")).unwrap();
    let f = fill(&mut store);
    let path = tmp.path().join("dauria.zip");
    export_dwca(&store, None, std::fs::File::create(&path).unwrap()).unwrap();

    let mut fresh = Store::open(&tmp.path().join("b")).unwrap();
    let report = import_dwca(&mut fresh, std::fs::File::open(&path).unwrap()).unwrap();
    // Five sightings and the positive pathogen result come in; the absence does not.
    assert_eq!(report.rows, 7, "{report:?}");
    assert_eq!(report.imported, 6, "{report:?}");
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].term, "occurrenceStatus");
    assert_eq!(
        report.unmatched_names,
        vec![("Spermophilus sp. (unidentified)".to_string(), 1)]
    );
    let imported: Vec<Observation> = fresh
        .list(Kind::Observation)
        .unwrap()
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Observation(o)) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(imported.len(), 6);
    // Each keeps its occurrenceID as the identifier of its source.
    let by_id = |id: &str| {
        imported
            .iter()
            .find(|o| o.source.as_ref().is_some_and(|s| s.id == id))
            .unwrap()
    };
    let c = by_id(&f.counted);
    assert_eq!(
        c.taxon.as_deref(),
        Some(f.marmot.as_str()),
        "the seeded checklist gives the same taxon id"
    );
    assert_eq!((c.count, c.unit), (Some(4), CountUnit::Individuals));
    assert_eq!(
        (c.lat, c.lon, c.uncertainty_m),
        (Some(50.1), Some(115.6), Some(15.0))
    );
    assert_eq!(c.observed_at, "2024-06-01T07:30:00+09:00");
    assert_eq!(c.observers, vec!["A. Batsaikhan", "O. Goroshko"]);
    let b = by_id(&f.burrows);
    assert_eq!((b.count, b.unit), (Some(31), CountUnit::Burrows));
    let u = by_id(&f.unlisted);
    assert_eq!(
        (u.taxon.as_deref(), u.taxon_name.as_deref()),
        (None, Some("Spermophilus sp. (unidentified)"))
    );
    let i = by_id(&f.incidental);
    assert_eq!(i.observed_at, "2024-06-03T18:10:00+08:00");
    let p = by_id(&format!("{}:pathogen", f.positive));
    assert!(p.taxon.is_some(), "Yersinia pestis is on the checklist");
}

#[test]
fn occurrence_core_archive_with_quoted_csv_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("occ.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("meta.xml", o).unwrap();
        std::io::Write::write_all(&mut z, br#"<archive xmlns="http://rs.tdwg.org/dwc/text/"><core encoding="UTF-8" fieldsTerminatedBy="," linesTerminatedBy="\n" fieldsEnclosedBy='"' ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence"><files><location>occ.csv</location></files><id index="0"/><field index="0" term="http://rs.tdwg.org/dwc/terms/occurrenceID"/><field index="1" term="http://rs.tdwg.org/dwc/terms/scientificName"/><field index="2" term="http://rs.tdwg.org/dwc/terms/eventDate"/><field index="3" term="http://rs.tdwg.org/dwc/terms/individualCount"/><field index="4" term="http://rs.tdwg.org/dwc/terms/decimalLatitude"/><field index="5" term="http://rs.tdwg.org/dwc/terms/decimalLongitude"/><field term="http://rs.tdwg.org/dwc/terms/country" default="Russia"/></core></archive>"#).unwrap();
        z.start_file("occ.csv", o).unwrap();
        std::io::Write::write_all(&mut z, "occurrenceID,scientificName,eventDate,individualCount,decimalLatitude,decimalLongitude\n\
            h1,\"Marmota sibirica (Radde, 1862)\",1998-07-14,3,50.2,116.1\n\
            h2,Grus leucogeranus,1998-07-15T06:00:00+09:00,2,50.3,116.0\n\
            h3,\"Ochotona dauurica, ssp.?\",not a date,1,,\n\
            h4,Nonexistus fictus,1998-07-16,1,50.1,115.9\n".as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let report = import_dwca(&mut store, std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!((report.rows, report.imported), (4, 3), "{report:?}");
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        (report.errors[0].line, report.errors[0].term.as_str()),
        (4, "eventDate")
    );
    assert_eq!(
        report.unmatched_names,
        vec![("Nonexistus fictus".to_string(), 1)]
    );
}

#[test]
fn geojson_export_has_a_point_per_positioned_sighting() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    fill(&mut store);
    let mut out = Vec::new();
    let n = export_geojson(&store, &ObservationFilter::default(), &mut out).unwrap();
    assert_eq!(n, 5);
    let g: Json = serde_json::from_slice(&out).unwrap();
    assert_eq!(g["type"], "FeatureCollection");
    let features = g["features"].as_array().unwrap();
    assert_eq!(features.len(), 5);
    let points: Vec<&Json> = features
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .collect();
    assert_eq!(
        points.len(),
        4,
        "the burrow count has no position of its own"
    );
    assert_eq!(
        points[0]["geometry"]["coordinates"],
        serde_json::json!([115.6, 50.1])
    );
}
