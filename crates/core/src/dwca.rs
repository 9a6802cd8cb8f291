//! Darwin Core Archive export and import, and GeoJSON export of observations.
//!
//! The exported archive has an **Event core** (`event.txt`) with these extensions, all joined on
//! `eventID`:
//!
//! - `occurrence.txt`: one row per sighting, plus one row per tested sample with a negative or
//!   positive result, the pathogen as an occurrence (`absent` or `present`, basisOfRecord
//!   `MaterialSample`) so a result is a record a biodiversity database can count;
//! - `humboldt.txt`: Humboldt Extension terms (`eco:`) of each event: who sampled, effort
//!   (value, unit, how it was measured, whether it is reported), duration in hours, target
//!   taxonomic scope;
//! - `measurementorfact.txt`: extended MeasurementOrFact, one row per sample with a lab result
//!   (pending ones included), tied to the host occurrence;
//! - `resourcerelationship.txt`: each pathogen occurrence is "pathogen of" its host occurrence.
//!
//! Sightings recorded without a visit still need an event: each gets a **synthetic event per
//! (site, local calendar day)** (`eventID` `incidental:<site id or "nosite">:<day>`, protocol
//! "incidental observation"), so every occurrence sits under an event with a place and a date
//! and the core stays a true list of sampling events. Text files are UTF-8, tab-separated, with
//! no quoting (tabs and line breaks inside values become spaces).

use crate::error::{Error, Result};
use crate::limits;
use crate::model::{
    Body, CountUnit, Kind, Observation, RecordSource, Sample, SampleResult, Site, Survey, Visit,
};
use crate::store::query::ObservationFilter;
use crate::store::Store;
use crate::taxa::TaxonIndex;
use crate::text::fold;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Read, Seek, Write};
use ts_rs::TS;
use zip::write::SimpleFileOptions;

const DWC: &str = "http://rs.tdwg.org/dwc/terms/";
const ECO: &str = "http://rs.tdwg.org/eco/terms/";
const EMOF_ROW: &str = "http://rs.iobis.org/obis/terms/ExtendedMeasurementOrFact";

const EVENT_TERMS: [&str; 16] = [
    "eventID",
    "parentEventID",
    "eventType",
    "samplingProtocol",
    "sampleSizeValue",
    "sampleSizeUnit",
    "samplingEffort",
    "eventDate",
    "eventRemarks",
    "locationID",
    "locality",
    "countryCode",
    "decimalLatitude",
    "decimalLongitude",
    "geodeticDatum",
    "coordinateUncertaintyInMeters",
];

const OCCURRENCE_TERMS: [&str; 27] = [
    "eventID",
    "occurrenceID",
    "basisOfRecord",
    "scientificName",
    "taxonRank",
    "occurrenceStatus",
    "individualCount",
    "organismQuantity",
    "organismQuantityType",
    "sex",
    "lifeStage",
    "behavior",
    "eventDate",
    "decimalLatitude",
    "decimalLongitude",
    "geodeticDatum",
    "coordinateUncertaintyInMeters",
    "locationID",
    "locality",
    "countryCode",
    "recordedBy",
    "identificationVerificationStatus",
    "materialSampleID",
    "associatedMedia",
    "occurrenceRemarks",
    "datasetName",
    "dataGeneralizations",
];

const HUMBOLDT_TERMS: [&str; 9] = [
    "eventID",
    "samplingPerformedBy",
    "samplingEffortValue",
    "samplingEffortUnit",
    "targetTaxonomicScope",
    "isSamplingEffortReported",
    "samplingEffortProtocol",
    "eventDurationValue",
    "eventDurationUnit",
];

const EMOF_TERMS: [&str; 9] = [
    "eventID",
    "occurrenceID",
    "measurementID",
    "measurementType",
    "measurementValue",
    "measurementMethod",
    "measurementDeterminedDate",
    "measurementDeterminedBy",
    "measurementRemarks",
];

const RELATIONSHIP_TERMS: [&str; 6] = [
    "eventID",
    "resourceRelationshipID",
    "resourceID",
    "relatedResourceID",
    "relationshipOfResource",
    "relationshipRemarks",
];

/// What an export wrote.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct DwcaExportReport {
    pub events: u64,
    /// Events made for sightings recorded without a visit.
    pub synthetic_events: u64,
    pub occurrences: u64,
    /// Pathogen occurrences derived from sample results (included in `occurrences`).
    pub pathogen_occurrences: u64,
    pub measurements: u64,
    pub relationships: u64,
}

fn zip_err(e: zip::result::ZipError) -> Error {
    Error::Io {
        context: "cannot write the archive".into(),
        source: std::io::Error::other(e),
    }
}

fn io_err(e: std::io::Error) -> Error {
    Error::Io {
        context: "cannot write the archive".into(),
        source: e,
    }
}

/// A value cleaned for a tab-separated, unquoted file.
fn clean(s: &str) -> String {
    s.replace(['\t', '\r', '\n'], " ")
}

fn num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A tab-separated row writer over any output.
struct Tsv<W: Write> {
    out: W,
    line: String,
    width: usize,
    /// For occurrences: the eventDate column, and the `dataGeneralizations` of the sighting
    /// being written, appended to each of its rows (a protected sighting's rows keep only the
    /// day of their date).
    generalisation: Option<(usize, Option<String>)>,
}

impl<W: Write> Tsv<W> {
    fn new(out: W, terms: &[&str]) -> Result<Tsv<W>> {
        let mut t = Tsv {
            out,
            line: String::new(),
            width: terms.len(),
            generalisation: None,
        };
        t.row(terms.iter().map(|s| s.to_string()).collect())?;
        Ok(t)
    }

    fn row(&mut self, mut values: Vec<String>) -> Result<()> {
        if let (Some((date, g)), true) = (&self.generalisation, values.len() < self.width) {
            if let (Some(_), Some(d)) = (g, values.get_mut(*date)) {
                d.truncate(d.find('T').unwrap_or(d.len()));
            }
            values.push(g.clone().unwrap_or_default());
        }
        self.line.clear();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.line.push('\t');
            }
            self.line.push_str(&clean(v));
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes()).map_err(io_err)
    }
}

struct Context {
    sites: HashMap<String, Site>,
    taxa: TaxonIndex,
    samples: HashMap<String, Vec<(String, Sample)>>,
}

impl Context {
    fn site(&self, id: Option<&String>) -> Option<&Site> {
        id.and_then(|id| self.sites.get(id))
    }
}

/// The local calendar day of an RFC 3339 time (the date the observer wrote down).
fn local_day(t: &str) -> String {
    t.get(0..10).unwrap_or(t).to_string()
}

fn event_date(start: &str, end: Option<&str>) -> String {
    match end {
        Some(e) if !e.is_empty() && e != start => format!("{start}/{e}"),
        _ => start.to_string(),
    }
}

fn body_of<T>(c: &crate::store::Current, f: impl Fn(&Body) -> Option<&T>) -> Option<T>
where
    T: Clone,
{
    c.body.as_ref().and_then(f).cloned()
}

/// Writes a Darwin Core Archive of the store (or of one survey: its visits and their
/// sightings) to `out`.
pub fn export_dwca<W: Write + Seek>(
    store: &Store,
    survey: Option<&str>,
    out: W,
) -> Result<DwcaExportReport> {
    let survey_body = match survey {
        None => None,
        Some(id) => match store.get(id)?.and_then(|c| c.body) {
            Some(Body::Survey(s)) => Some((id.to_string(), s)),
            _ => return Err(Error::NotFound(format!("no survey with id {id}"))),
        },
    };
    let sites: HashMap<String, Site> = store
        .list(Kind::Site)?
        .into_iter()
        .filter_map(|c| {
            let s = body_of(&c, |b| match b {
                Body::Site(s) => Some(s),
                _ => None,
            })?;
            Some((c.id, s))
        })
        .collect();
    let mut visits: BTreeMap<String, Visit> = BTreeMap::new();
    for c in store.list(Kind::Visit)? {
        if let Some(Body::Visit(v)) = c.body {
            if survey.is_none() || v.survey.as_deref() == survey {
                visits.insert(c.id, v);
            }
        }
    }
    let mut samples: HashMap<String, Vec<(String, Sample)>> = HashMap::new();
    for c in store.list(Kind::Sample)? {
        if let Some(Body::Sample(s)) = c.body {
            samples
                .entry(s.host_observation.clone())
                .or_default()
                .push((c.id, s));
        }
    }
    let surveys: HashMap<String, Survey> = store
        .list(Kind::Survey)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Survey(s)) => Some((c.id, s)),
            _ => None,
        })
        .collect();
    let ctx = Context {
        sites,
        taxa: TaxonIndex::load(store)?,
        samples,
    };

    let mut zip = zip::ZipWriter::new(out);
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut report = DwcaExportReport::default();
    let mut measurements: Vec<Vec<String>> = Vec::new();
    let mut relationships: Vec<Vec<String>> = Vec::new();
    // Synthetic events: eventID -> (site id, day).
    let mut synthetic: BTreeMap<String, (Option<String>, String)> = BTreeMap::new();

    zip.start_file("occurrence.txt", opts).map_err(zip_err)?;
    {
        let mut occ = Tsv::new(std::io::BufWriter::new(&mut zip), &OCCURRENCE_TERMS)?;
        // Sensitive species leave with a generalised (or no) position: crate::sensitive.
        let guard = crate::sensitive::ExportGuard::load(store)?;
        let date_col = OCCURRENCE_TERMS
            .iter()
            .position(|t| *t == "eventDate")
            .unwrap_or(0);
        let mut after: Option<String> = None;
        loop {
            let page = store.observations(&ObservationFilter::default(), after.as_deref(), 2000)?;
            for r in &page.rows {
                let outside = r
                    .observation
                    .visit
                    .as_ref()
                    .map_or(survey.is_some(), |v| !visits.contains_key(v));
                if outside {
                    continue;
                }
                let (o, protection) = guard.protect(&r.observation);
                occ.generalisation = Some((date_col, protection.map(|p| p.data_generalizations())));
                let o = &*o;
                let event_id = match &o.visit {
                    Some(v) if visits.contains_key(v) => v.clone(),
                    Some(_) => continue,
                    None if survey.is_some() && protection.is_none() => continue,
                    None => {
                        // A day, or the month, year or range the sighting is known to.
                        let day = match o.date_precision {
                            None => local_day(&o.observed_at),
                            Some(_) => crate::dates::event_date(o),
                        };
                        let id =
                            format!("incidental:{}:{day}", o.site.as_deref().unwrap_or("nosite"));
                        synthetic
                            .entry(id.clone())
                            .or_insert_with(|| (o.site.clone(), day));
                        id
                    }
                };
                let occ_id = occurrence_id(&r.id, o);
                occ.row(occurrence_row(
                    &ctx,
                    &event_id,
                    occ_id,
                    r.scientific_name.as_deref(),
                    o,
                ))?;
                report.occurrences += 1;
                for (sample_id, s) in ctx.samples.get(&r.id).into_iter().flatten() {
                    sample_rows(
                        &ctx,
                        &event_id,
                        occ_id,
                        o,
                        sample_id,
                        s,
                        &mut occ,
                        &mut measurements,
                        &mut relationships,
                        &mut report,
                    )?;
                }
            }
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        occ.out.flush().map_err(io_err)?;
    }

    zip.start_file("event.txt", opts).map_err(zip_err)?;
    let mut humboldt: Vec<Vec<String>> = Vec::new();
    {
        let mut ev = Tsv::new(std::io::BufWriter::new(&mut zip), &EVENT_TERMS)?;
        for (id, v) in &visits {
            let site = ctx.site(v.site.as_ref());
            // Effort as recorded; for a finished visit that recorded none (an older laptop's),
            // what its track, route or times give.
            let computed = crate::visits::effort(store, v)?;
            let (effort_value, effort_unit) = match (v.effort_value, &v.effort_unit) {
                (Some(x), Some(u)) => (Some(x), Some(u.clone())),
                _ => match crate::visits::recorded_effort(&computed) {
                    Some((x, u)) => (Some(x), Some(u.to_string())),
                    None => (v.effort_value, v.effort_unit.clone()),
                },
            };
            let effort_protocol = match (effort_unit.as_deref(), computed.distance_from) {
                (Some("km"), Some(crate::visits::DistanceSource::Track)) => {
                    "distance along the visit's GPS track"
                }
                (Some("km"), Some(crate::visits::DistanceSource::Route)) => {
                    "length of the planned route walked"
                }
                (Some("h"), _) => "time from the visit's start to its end",
                _ => "",
            };
            let effort = match (effort_value, &effort_unit) {
                (Some(x), Some(u)) => format!("{x} {u}"),
                (Some(x), None) => x.to_string(),
                _ => String::new(),
            };
            ev.row(vec![
                id.clone(),
                String::new(),
                "Survey".into(),
                v.protocol.clone().unwrap_or_default(),
                num(effort_value),
                effort_unit.clone().unwrap_or_default(),
                effort,
                event_date(&v.start, v.end.as_deref()),
                v.weather
                    .clone()
                    .map(|w| format!("weather: {w}"))
                    .unwrap_or_default(),
                v.site.clone().unwrap_or_default(),
                site.map(|s| s.name.clone()).unwrap_or_default(),
                site.map(|s| s.country.code().to_string())
                    .unwrap_or_default(),
                num(site.map(|s| s.lat)),
                num(site.map(|s| s.lon)),
                if site.is_some() {
                    "WGS84".into()
                } else {
                    String::new()
                },
                num(site.and_then(|s| s.uncertainty_m)),
            ])?;
            report.events += 1;
            let scope = v
                .survey
                .as_ref()
                .and_then(|s| surveys.get(s))
                .map(|s| {
                    let mut scope: Vec<String> = s
                        .target_taxa
                        .iter()
                        .filter_map(|t| ctx.taxa.get(t).map(|t| t.scientific_name.clone()))
                        .collect();
                    scope.extend(s.target_groups.iter().map(|g| {
                        serde_json::to_value(g)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    }));
                    scope.join(" | ")
                })
                .unwrap_or_default();
            humboldt.push(vec![
                id.clone(),
                v.observers.join(" | "),
                num(effort_value),
                effort_unit.clone().unwrap_or_default(),
                scope,
                (effort_value.is_some() && effort_unit.is_some()).to_string(),
                effort_protocol.into(),
                num(computed.hours.map(|h| (h * 1000.0).round() / 1000.0)),
                if computed.hours.is_some() {
                    "hours".into()
                } else {
                    String::new()
                },
            ]);
        }
        for (id, (site_id, day)) in &synthetic {
            let site = ctx.site(site_id.as_ref());
            ev.row(vec![
                id.clone(),
                String::new(),
                "Incidental".into(),
                "incidental observation".into(),
                String::new(),
                String::new(),
                String::new(),
                day.clone(),
                "made for sightings recorded without a visit".into(),
                site_id.clone().unwrap_or_default(),
                site.map(|s| s.name.clone()).unwrap_or_default(),
                site.map(|s| s.country.code().to_string())
                    .unwrap_or_default(),
                num(site.map(|s| s.lat)),
                num(site.map(|s| s.lon)),
                if site.is_some() {
                    "WGS84".into()
                } else {
                    String::new()
                },
                num(site.and_then(|s| s.uncertainty_m)),
            ])?;
            report.events += 1;
            report.synthetic_events += 1;
        }
        ev.out.flush().map_err(io_err)?;
    }

    for (name, terms, rows) in [
        ("humboldt.txt", &HUMBOLDT_TERMS[..], &humboldt),
        ("measurementorfact.txt", &EMOF_TERMS[..], &measurements),
        (
            "resourcerelationship.txt",
            &RELATIONSHIP_TERMS[..],
            &relationships,
        ),
    ] {
        zip.start_file(name, opts).map_err(zip_err)?;
        let mut t = Tsv::new(std::io::BufWriter::new(&mut zip), terms)?;
        for r in rows {
            t.row(r.clone())?;
        }
        t.out.flush().map_err(io_err)?;
    }
    report.measurements = measurements.len() as u64;
    report.relationships = relationships.len() as u64;

    zip.start_file("meta.xml", opts).map_err(zip_err)?;
    zip.write_all(&meta_xml().map_err(io_err)?)
        .map_err(io_err)?;
    zip.start_file("eml.xml", opts).map_err(zip_err)?;
    let eml = eml_xml(store, survey_body.as_ref(), &visits).map_err(io_err)?;
    zip.write_all(&eml).map_err(io_err)?;
    zip.finish().map_err(zip_err)?;
    Ok(report)
}

/// The occurrenceID of a sighting: the identifier an imported one came with (not a hash of its
/// row, which means nothing elsewhere), else its record id.
fn occurrence_id<'a>(id: &'a str, o: &'a Observation) -> &'a str {
    o.source
        .as_ref()
        .map(|s| s.id.as_str())
        .filter(|s| !s.starts_with("sha256:"))
        .unwrap_or(id)
}

fn occurrence_row(
    ctx: &Context,
    event_id: &str,
    id: &str,
    scientific_name: Option<&str>,
    o: &Observation,
) -> Vec<String> {
    let site = ctx.site(o.site.as_ref());
    let (lat, lon, unc) = match (o.lat, o.lon) {
        (Some(la), Some(lo)) => (Some(la), Some(lo), o.uncertainty_m),
        _ => (
            site.map(|s| s.lat),
            site.map(|s| s.lon),
            site.and_then(|s| s.uncertainty_m),
        ),
    };
    let rank = o
        .taxon
        .as_ref()
        .and_then(|t| ctx.taxa.get(t))
        .map(|t| t.rank.clone())
        .unwrap_or_default();
    // An exact count of individuals is individualCount; other units and min/max estimates go
    // to organismQuantity with its type (an estimate reports its minimum; the range is kept in
    // the remarks).
    let (individual_count, quantity, quantity_type) = match (o.count, o.unit) {
        (Some(n), CountUnit::Individuals) => (n.to_string(), String::new(), String::new()),
        (Some(n), u) => (String::new(), n.to_string(), u.as_str().to_string()),
        (None, u) => (
            String::new(),
            o.count_min
                .or(o.count_max)
                .map(|n| n.to_string())
                .unwrap_or_default(),
            format!("{} (minimum estimate)", u.as_str()),
        ),
    };
    let mut remarks: Vec<String> = Vec::new();
    if o.count.is_none() {
        remarks.push(format!(
            "estimate {}–{} {}",
            o.count_min.map(|n| n.to_string()).unwrap_or_default(),
            o.count_max.map(|n| n.to_string()).unwrap_or_default(),
            o.unit.as_str()
        ));
    }
    if let Some(m) = &o.detection_method {
        remarks.push(format!("detection: {m}"));
    }
    if let Some(n) = &o.notes {
        remarks.push(n.clone());
    }
    vec![
        event_id.to_string(),
        id.to_string(),
        "HumanObservation".into(),
        scientific_name
            .or(o.taxon_name.as_deref())
            .unwrap_or_default()
            .to_string(),
        rank,
        "present".into(),
        individual_count,
        quantity,
        quantity_type,
        o.sex.clone().unwrap_or_default(),
        o.age.clone().unwrap_or_default(),
        o.behaviour.clone().unwrap_or_default(),
        crate::dates::event_date(o),
        num(lat),
        num(lon),
        if lat.is_some() {
            "WGS84".into()
        } else {
            String::new()
        },
        num(unc),
        o.site.clone().unwrap_or_default(),
        site.map(|s| s.name.clone()).unwrap_or_default(),
        site.map(|s| s.country.code().to_string())
            .unwrap_or_default(),
        o.observers.join(" | "),
        if o.taxon.is_some() {
            "verified against the project checklist".into()
        } else {
            "unverified: name not on the checklist".into()
        },
        String::new(),
        o.photos
            .iter()
            .map(|h| format!("sha256:{h}"))
            .collect::<Vec<_>>()
            .join(" | "),
        remarks.join("; "),
        o.source
            .as_ref()
            .map(|s| s.dataset.clone())
            .unwrap_or_default(),
    ]
}

fn result_word(r: SampleResult) -> &'static str {
    match r {
        SampleResult::Pending => "pending",
        SampleResult::Negative => "negative",
        SampleResult::Positive => "positive",
        SampleResult::Inconclusive => "inconclusive",
    }
}

#[allow(clippy::too_many_arguments)]
fn sample_rows<W: Write>(
    ctx: &Context,
    event_id: &str,
    host_id: &str,
    host: &Observation,
    sample_id: &str,
    s: &Sample,
    occ: &mut Tsv<W>,
    measurements: &mut Vec<Vec<String>>,
    relationships: &mut Vec<Vec<String>>,
    report: &mut DwcaExportReport,
) -> Result<()> {
    let pathogen = s.pathogen.clone().unwrap_or_default();
    measurements.push(vec![
        event_id.to_string(),
        host_id.to_string(),
        format!("{sample_id}:result"),
        if pathogen.is_empty() {
            "pathogen test result".into()
        } else {
            format!("{pathogen} test result")
        },
        result_word(s.result).into(),
        s.test.clone().unwrap_or_default(),
        s.result_date.clone().unwrap_or_default(),
        s.lab.clone().unwrap_or_default(),
        format!("{} sample {}", s.sample_type, s.barcode),
    ]);
    let status = match s.result {
        SampleResult::Positive => "present",
        SampleResult::Negative => "absent",
        _ => return Ok(()),
    };
    if pathogen.is_empty() {
        return Ok(());
    }
    let pathogen_occ = format!("{sample_id}:pathogen");
    let mut row = occurrence_row(ctx, event_id, &pathogen_occ, Some(&pathogen), host);
    // Same event, place and time as the host; the rest describes the lab finding.
    row[2] = "MaterialSample".into();
    row[4] = String::new();
    row[5] = status.into();
    for i in [6, 7, 8, 9, 10, 11, 23] {
        row[i] = String::new();
    }
    row[21] = String::new();
    row[22] = s.barcode.clone();
    row[24] = format!(
        "{} of {} sample {}{}",
        s.test.as_deref().unwrap_or("test"),
        s.sample_type,
        s.barcode,
        s.lab
            .as_deref()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default()
    );
    occ.row(row)?;
    report.occurrences += 1;
    report.pathogen_occurrences += 1;
    relationships.push(vec![
        event_id.to_string(),
        format!("{sample_id}:host"),
        pathogen_occ,
        host_id.to_string(),
        "pathogen of".into(),
        format!("{} result of sample {}", result_word(s.result), s.barcode),
    ]);
    Ok(())
}

fn meta_xml() -> std::io::Result<Vec<u8>> {
    let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let files: [(&str, &str, &str, &[&str], &str); 5] = [
        (
            "core",
            "event.txt",
            "http://rs.tdwg.org/dwc/terms/Event",
            &EVENT_TERMS,
            "id",
        ),
        (
            "extension",
            "occurrence.txt",
            "http://rs.tdwg.org/dwc/terms/Occurrence",
            &OCCURRENCE_TERMS,
            "coreid",
        ),
        (
            "extension",
            "humboldt.txt",
            "http://rs.tdwg.org/eco/terms/Event",
            &HUMBOLDT_TERMS,
            "coreid",
        ),
        (
            "extension",
            "measurementorfact.txt",
            EMOF_ROW,
            &EMOF_TERMS,
            "coreid",
        ),
        (
            "extension",
            "resourcerelationship.txt",
            "http://rs.tdwg.org/dwc/terms/ResourceRelationship",
            &RELATIONSHIP_TERMS,
            "coreid",
        ),
    ];
    w.create_element("archive")
        .with_attribute(("xmlns", "http://rs.tdwg.org/dwc/text/"))
        .with_attribute(("metadata", "eml.xml"))
        .write_inner_content(|w| {
            for (tag, file, row_type, terms, id_tag) in files {
                w.create_element(tag)
                    .with_attributes([
                        ("encoding", "UTF-8"),
                        ("fieldsTerminatedBy", "\\t"),
                        ("linesTerminatedBy", "\\n"),
                        ("fieldsEnclosedBy", ""),
                        ("ignoreHeaderLines", "1"),
                        ("rowType", row_type),
                    ])
                    .write_inner_content(|w| {
                        w.create_element("files").write_inner_content(|w| {
                            w.create_element("location")
                                .write_text_content(BytesText::new(file))?;
                            Ok(())
                        })?;
                        w.create_element(id_tag)
                            .with_attribute(("index", "0"))
                            .write_empty()?;
                        for (i, t) in terms.iter().enumerate() {
                            let ns = if file == "humboldt.txt" && i > 0 {
                                ECO
                            } else {
                                DWC
                            };
                            w.create_element("field")
                                .with_attribute(("index", i.to_string().as_str()))
                                .with_attribute(("term", format!("{ns}{t}").as_str()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn eml_xml(
    store: &Store,
    survey: Option<&(String, Survey)>,
    visits: &BTreeMap<String, Visit>,
) -> std::io::Result<Vec<u8>> {
    let title = survey
        .map(|(_, s)| s.title.clone())
        .unwrap_or_else(|| "Dauria Field survey records".into());
    let lead = survey
        .and_then(|(_, s)| s.lead.as_ref())
        .and_then(|id| store.get(id).ok().flatten())
        .and_then(|c| match c.body {
            Some(Body::Person(p)) => Some(p),
            _ => None,
        });
    let mut abstract_ = String::from(
        "Wildlife and disease survey records from the Dauria steppe (Daursky, Mongol Daguur, \
         Dalai Lake), collected with Dauria Field: sampling events, sightings, and laboratory \
         results of samples for pathogens.",
    );
    if let Some((_, s)) = survey {
        if let Some(r) = &s.region {
            abstract_.push_str(&format!(" Region: {r}."));
        }
    }
    let (begin, end) = match survey {
        Some((_, s)) if s.start_date.is_some() => (s.start_date.clone(), s.end_date.clone()),
        _ => (
            visits.values().map(|v| local_day(&v.start)).min(),
            visits.values().map(|v| local_day(&v.start)).max(),
        ),
    };
    let methods: Vec<String> = survey
        .map(|(_, s)| s.methods.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(visits.values().filter_map(|v| v.protocol.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let package = format!(
        "dauria-field:{}",
        survey
            .map(|(id, _)| id.as_str())
            .unwrap_or(store.device_id())
    );
    let text = |w: &mut quick_xml::Writer<Vec<u8>>, tag: &str, v: &str| -> std::io::Result<()> {
        w.create_element(tag)
            .write_text_content(BytesText::new(v))?;
        Ok(())
    };
    let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("eml:eml")
        .with_attributes([
            ("xmlns:eml", "eml://ecoinformatics.org/eml-2.1.1"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "eml://ecoinformatics.org/eml-2.1.1 http://rs.gbif.org/schema/eml-gbif-profile/1.1/eml.xsd",
            ),
            ("packageId", package.as_str()),
            ("system", "http://gbif.org"),
            ("xml:lang", "en"),
        ])
        .write_inner_content(|w| {
            w.create_element("dataset").write_inner_content(|w| {
                text(w, "title", &title)?;
                let party = |w: &mut quick_xml::Writer<Vec<u8>>, tag: &str| {
                    w.create_element(tag).write_inner_content(|w| {
                        match &lead {
                            Some(p) => {
                                w.create_element("individualName").write_inner_content(|w| {
                                    text(w, "surName", &p.name)
                                })?;
                                if let Some(o) = &p.organisation {
                                    text(w, "organizationName", o)?;
                                }
                                if let Some(c) = &p.contact {
                                    text(w, "electronicMailAddress", c)?;
                                }
                            }
                            None => text(w, "organizationName", "CMRC Dauria survey")?,
                        }
                        Ok(())
                    })?;
                    Ok::<_, std::io::Error>(())
                };
                party(w, "creator")?;
                text(w, "pubDate", &chrono::Utc::now().format("%Y-%m-%d").to_string())?;
                text(w, "language", "en")?;
                w.create_element("abstract")
                    .write_inner_content(|w| text(w, "para", &abstract_))?;
                w.create_element("keywordSet").write_inner_content(|w| {
                    for k in ["Occurrence", "Samplingevent", "Dauria", "wildlife disease"] {
                        text(w, "keyword", k)?;
                    }
                    Ok(())
                })?;
                w.create_element("coverage").write_inner_content(|w| {
                    w.create_element("geographicCoverage").write_inner_content(|w| {
                        text(w, "geographicDescription", "Dauria steppe: Russia, Mongolia, China")?;
                        w.create_element("boundingCoordinates").write_inner_content(|w| {
                            text(w, "westBoundingCoordinate", "112")?;
                            text(w, "eastBoundingCoordinate", "120")?;
                            text(w, "northBoundingCoordinate", "52")?;
                            text(w, "southBoundingCoordinate", "46")
                        })?;
                        Ok(())
                    })?;
                    if let (Some(b), Some(e)) = (&begin, &end) {
                        w.create_element("temporalCoverage").write_inner_content(|w| {
                            w.create_element("rangeOfDates").write_inner_content(|w| {
                                w.create_element("beginDate")
                                    .write_inner_content(|w| text(w, "calendarDate", b))?;
                                w.create_element("endDate")
                                    .write_inner_content(|w| text(w, "calendarDate", e))?;
                                Ok(())
                            })?;
                            Ok(())
                        })?;
                    }
                    Ok(())
                })?;
                party(w, "contact")?;
                if !methods.is_empty() {
                    w.create_element("methods").write_inner_content(|w| {
                        for m in &methods {
                            w.create_element("methodStep").write_inner_content(|w| {
                                w.create_element("description")
                                    .write_inner_content(|w| text(w, "para", m))?;
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

/// Writes live observations matching `filter` as a GeoJSON FeatureCollection (points, WGS84;
/// sightings without a position have a null geometry).
pub fn export_geojson(
    store: &Store,
    filter: &ObservationFilter,
    mut out: impl Write,
) -> Result<u64> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")
        .map_err(io_err)?;
    let guard = crate::sensitive::ExportGuard::load(store)?;
    let mut n = 0u64;
    let mut after: Option<String> = None;
    loop {
        let page = store.observations(filter, after.as_deref(), 2000)?;
        for r in &page.rows {
            let (o, protection) = guard.protect(&r.observation);
            let o = &*o;
            let geometry = match (o.lat, o.lon) {
                (Some(lat), Some(lon)) => {
                    serde_json::json!({"type": "Point", "coordinates": [lon, lat]})
                }
                _ => serde_json::Value::Null,
            };
            let mut f = serde_json::json!({
                "type": "Feature",
                "id": r.id,
                "geometry": geometry,
                "properties": {
                    "scientific_name": r.scientific_name.as_deref().or(o.taxon_name.as_deref()),
                    "count": o.count, "count_min": o.count_min, "count_max": o.count_max,
                    "unit": o.unit.as_str(),
                    "site": r.site_name,
                    "observed_at": o.observed_at,
                    "event_date": crate::dates::event_date(o),
                    "dataset": o.source.as_ref().map(|s| &s.dataset),
                    "observers": o.observers,
                    "uncertainty_m": o.uncertainty_m,
                    "photos": o.photos,
                }
            });
            if let Some(p) = protection {
                crate::sensitive::protect_feature_properties(&mut f["properties"], p);
            }
            if n > 0 {
                out.write_all(b",").map_err(io_err)?;
            }
            serde_json::to_writer(&mut out, &f).map_err(|e| io_err(e.into()))?;
            n += 1;
        }
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    out.write_all(b"]}\n").map_err(io_err)?;
    Ok(n)
}

/// One problem with one row of an imported archive.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DwcaRowError {
    /// The data file inside the archive.
    pub file: String,
    /// 1-based line in that file (the header is line 1).
    pub line: u64,
    pub term: String,
    pub reason: String,
}

/// What a Darwin Core Archive import did.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct DwcaImportReport {
    pub rows: u64,
    pub imported: u64,
    /// Occurrences imported from this archive before (by occurrenceID, catalogNumber, or else
    /// the row's content), not added again.
    pub already_imported: u64,
    /// Scientific names not on the checklist, with how many rows used each; those rows were
    /// imported with the name as free text.
    pub unmatched_names: Vec<(String, u64)>,
    pub errors: Vec<DwcaRowError>,
    /// What a checklist (Taxon core) archive added to the species list.
    pub taxa: crate::taxon_archive::TaxonImportReport,
}

struct FileSpec {
    location: String,
    row_type: String,
    delimiter: u8,
    quote: Option<u8>,
    header_lines: u64,
    id_index: Option<usize>,
    terms: HashMap<String, usize>,
    defaults: HashMap<String, String>,
}

fn unescape_delim(s: &str) -> u8 {
    match s {
        "\\t" | "\t" => b'\t',
        "" => b',',
        s => s.as_bytes()[0],
    }
}

fn bad_archive(msg: impl Into<String>) -> Error {
    Error::invalid("file", "dwca", msg)
}

fn parse_meta(xml: &str) -> Result<Vec<FileSpec>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut specs: Vec<FileSpec> = Vec::new();
    let mut in_location = false;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == name)
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
    };
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| bad_archive(format!("meta.xml is not valid XML: {e}")))?;
        match ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                match name.as_str() {
                    "core" | "extension" => specs.push(FileSpec {
                        location: String::new(),
                        row_type: attr(&e, "rowType").unwrap_or_default(),
                        // Left out: told by the file's first line (read_table).
                        delimiter: attr(&e, "fieldsTerminatedBy").map_or(0, |d| unescape_delim(&d)),
                        quote: attr(&e, "fieldsEnclosedBy")
                            .unwrap_or_else(|| "\"".into())
                            .bytes()
                            .next(),
                        header_lines: attr(&e, "ignoreHeaderLines")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                        id_index: None,
                        terms: HashMap::new(),
                        defaults: HashMap::new(),
                    }),
                    "id" | "coreid" => {
                        if let Some(s) = specs.last_mut() {
                            s.id_index = attr(&e, "index").and_then(|v| v.parse().ok());
                        }
                    }
                    "field" => {
                        if let Some(s) = specs.last_mut() {
                            let term = attr(&e, "term").unwrap_or_default();
                            let short = property_name(term.rsplit(['/', '#']).next().unwrap_or(""));
                            match attr(&e, "index").and_then(|v| v.parse().ok()) {
                                Some(i) => {
                                    s.terms.insert(short, i);
                                }
                                None => {
                                    if let Some(d) = attr(&e, "default") {
                                        s.defaults.insert(short, d);
                                    }
                                }
                            }
                        }
                    }
                    "location" => in_location = true,
                    _ => {}
                }
            }
            Event::Text(t) if in_location => {
                if let Some(s) = specs.last_mut() {
                    let v = t.xml10_content();
                    s.location.push_str(v.trim());
                }
            }
            Event::End(e) if e.local_name().as_ref() == "location" => in_location = false,
            _ => {}
        }
    }
    if specs.is_empty() {
        return Err(bad_archive("meta.xml describes no core file"));
    }
    Ok(specs)
}

/// A term's name as Darwin Core spells properties, lower camel case: archives written before the
/// standard settled (2009) spell them `ScientificName`, `DecimalLatitude`.
fn property_name(term: &str) -> String {
    let mut c = term.chars();
    match c.next() {
        Some(f) if f.is_ascii_uppercase() => f.to_ascii_lowercase().to_string() + c.as_str(),
        _ => term.to_string(),
    }
}

/// A data file of an archive, read whole.
pub(crate) struct Table {
    pub(crate) file: String,
    pub(crate) header_lines: u64,
    pub(crate) id_index: Option<usize>,
    terms: HashMap<String, usize>,
    defaults: HashMap<String, String>,
    pub(crate) rows: Vec<csv::StringRecord>,
}

impl Table {
    /// The value of `term` in `row` (or its default), trimmed; `None` when empty.
    pub(crate) fn get<'r>(&'r self, row: &'r csv::StringRecord, term: &str) -> Option<&'r str> {
        self.terms
            .get(term)
            .and_then(|i| row.get(*i))
            .or_else(|| self.defaults.get(term).map(String::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// The metadata document `meta.xml` names (`<archive metadata="eml.xml">`), if any.
fn metadata_of(xml: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "archive" => {
                return e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "metadata")
                    .and_then(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.into_owned())
                    })
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty());
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// `sha256:` and the hex SHA-256 of a row's fields, for rows without an identifier.
fn row_hash(row: &csv::StringRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (i, f) in row.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(f.trim().as_bytes());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// The Darwin Core terms the import reads, as Darwin Core spells them.
const KNOWN_TERMS: [&str; 23] = [
    "occurrenceID",
    "datasetName",
    "catalogNumber",
    "scientificName",
    "vernacularName",
    "eventDate",
    "year",
    "month",
    "day",
    "decimalLatitude",
    "decimalLongitude",
    "coordinateUncertaintyInMeters",
    "individualCount",
    "organismQuantity",
    "organismQuantityType",
    "sex",
    "lifeStage",
    "behavior",
    "recordedBy",
    "samplingProtocol",
    "locality",
    "occurrenceRemarks",
    "occurrenceStatus",
];

/// The description of an archive without meta.xml, which Darwin Core allows for a single data
/// file: its first line names the terms, tab- or comma-separated, and its rows are occurrences.
fn single_file_spec<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    names: &[String],
) -> Result<FileSpec> {
    let data: Vec<&String> = names
        .iter()
        .filter(|n| {
            let n = n.to_lowercase();
            !n.ends_with('/')
                && !n.starts_with("__macosx/")
                && [".csv", ".txt", ".tsv", ".tab"]
                    .iter()
                    .any(|x| n.ends_with(x))
        })
        .collect();
    let [file] = data.as_slice() else {
        return Err(bad_archive(format!(
            "the archive has no meta.xml and {} data files; without meta.xml it must hold \
             exactly one",
            data.len()
        )));
    };
    // Beside the one data file, only its metadata (eml.xml) may be there: with anything else
    // it is not known which file the archive means.
    let other: Vec<&String> = names
        .iter()
        .filter(|n| {
            let l = n.to_lowercase();
            !l.ends_with('/')
                && !l.starts_with("__macosx/")
                && *n != *file
                && l.rsplit('/').next() != Some("eml.xml")
        })
        .collect();
    if !other.is_empty() {
        return Err(bad_archive(format!(
            "the archive has no meta.xml, and beside its data file {file} it holds {}; without \
             meta.xml it must hold one data file (and eml.xml) only",
            other
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let text = read_entry(zip, file)?;
    let header = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('\u{feff}');
    let delimiter = if header.contains('\t') { b'\t' } else { b',' };
    let terms = header
        .split(delimiter as char)
        .enumerate()
        .map(|(i, t)| {
            let t = t.trim().trim_matches('"');
            let t = t.rsplit(['/', '#', ':']).next().unwrap_or(t);
            // GBIF's simple downloads write the terms in lower case.
            let known = KNOWN_TERMS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(t))
                .map_or(t, |k| *k);
            (property_name(known), i)
        })
        .collect::<HashMap<String, usize>>();
    // A file of taxa (a taxonID column, and none of an occurrence's) is a checklist, as GBIF's
    // readers take it.
    let checklist = terms.contains_key("taxonID")
        && ![
            "occurrenceID",
            "eventDate",
            "decimalLatitude",
            "catalogNumber",
        ]
        .iter()
        .any(|t| terms.contains_key(*t));
    Ok(FileSpec {
        location: file.to_string(),
        row_type: if checklist {
            "http://rs.tdwg.org/dwc/terms/Taxon"
        } else {
            "http://rs.tdwg.org/dwc/terms/Occurrence"
        }
        .into(),
        delimiter,
        quote: Some(b'"'),
        header_lines: 1,
        id_index: if checklist {
            terms.get("taxonID").copied()
        } else {
            None
        },
        terms,
        defaults: HashMap::new(),
    })
}

/// Checks what an archive's headers declare against [`crate::limits`]: the number of entries,
/// each entry's and the total uncompressed size, and each entry's compression ratio.
fn check_archive<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<()> {
    if zip.len() > limits::MAX_ARCHIVE_ENTRIES {
        return Err(Error::ArchiveTooLarge(format!(
            "the archive has {} files; Dauria Field reads archives of at most {}",
            zip.len(),
            limits::MAX_ARCHIVE_ENTRIES
        )));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| bad_archive(format!("the archive is damaged: {e}")))?;
        let (size, packed) = (f.size(), f.compressed_size());
        let name = f
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("file {i}"));
        check_entry_size(&name, size)?;
        if size > limits::RATIO_CHECKED_ABOVE_BYTES
            && size / packed.max(1) > limits::MAX_COMPRESSION_RATIO
        {
            return Err(Error::ArchiveTooLarge(format!(
                "{} unpacks from {} to {} (more than {} times); Dauria Field does not open \
                 archives packed like this",
                name,
                limits::human_bytes(packed),
                limits::human_bytes(size),
                limits::MAX_COMPRESSION_RATIO
            )));
        }
        total = total.saturating_add(size);
        if total > limits::MAX_ARCHIVE_TOTAL_BYTES {
            return Err(Error::ArchiveTooLarge(format!(
                "the archive unpacks to more than the {} Dauria Field reads",
                limits::human_bytes(limits::MAX_ARCHIVE_TOTAL_BYTES)
            )));
        }
    }
    Ok(())
}

fn check_entry_size(name: &str, size: u64) -> Result<()> {
    if size > limits::MAX_ARCHIVE_ENTRY_BYTES {
        return Err(Error::ArchiveTooLarge(format!(
            "{name} in the archive unpacks to {}; Dauria Field reads files of at most {} from an \
             archive",
            limits::human_bytes(size),
            limits::human_bytes(limits::MAX_ARCHIVE_ENTRY_BYTES)
        )));
    }
    Ok(())
}

/// Reads one archive entry as UTF-8 text. The read stops one byte past the size its header
/// declares (itself within the limits), so an entry that unpacks to more than it says is
/// refused without being unpacked.
fn read_entry<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<String> {
    let f = zip
        .by_name(name)
        .map_err(|e| bad_archive(format!("the archive has no {name} ({e})")))?;
    let declared = f.size();
    check_entry_size(name, declared)?;
    let mut bytes = Vec::new();
    let read = f.take(declared.saturating_add(1)).read_to_end(&mut bytes);
    // The zip reader itself may stop past the declared size with an error of its own (zip 9
    // does); either way the entry holds more than it says.
    let overran = matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::InvalidData
        && e.to_string().contains("declared uncompressed size"));
    if bytes.len() as u64 > declared || overran {
        return Err(Error::ArchiveTooLarge(format!(
            "{name} unpacks to more than the {} its header declares; the archive is damaged or \
             forged",
            limits::human_bytes(declared)
        )));
    }
    read.map_err(|e| bad_archive(format!("{name} cannot be unpacked: {e}")))?;
    String::from_utf8(bytes).map_err(|e| bad_archive(format!("{name} is not UTF-8 text: {e}")))
}

fn read_table<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, spec: &FileSpec) -> Result<Table> {
    let text = read_entry(zip, &spec.location)?;
    // A descriptor that does not say how fields are separated: tabs when the first line has
    // them, else commas (as python-dwca-reader and GBIF's readers take such files).
    let delimiter = match spec.delimiter {
        0 if text.lines().next().is_some_and(|l| l.contains('\t')) => b'\t',
        0 => b',',
        d => d,
    };
    let mut b = csv::ReaderBuilder::new();
    b.has_headers(false).flexible(true).delimiter(delimiter);
    match spec.quote {
        Some(q) => b.quote(q),
        None => b.quoting(false),
    };
    let mut rows = Vec::new();
    for r in b.from_reader(text.as_bytes()).records() {
        rows.push(r.map_err(|e| bad_archive(format!("{}: {e}", spec.location)))?);
    }
    // A descriptor that puts a term in a column no row of the file has describes another file.
    // Rows that stop early are read with the columns they lack empty: GBIF's own exports drop
    // trailing empty columns.
    if let Some((term, i)) = spec.terms.iter().max_by_key(|(_, i)| **i) {
        let blank = |r: &csv::StringRecord| r.iter().all(|f| f.trim().is_empty());
        let data = || {
            rows.iter()
                .skip(spec.header_lines as usize)
                .filter(|r| !blank(r))
        };
        if let Some(r) = data().max_by_key(|r| r.len()).filter(|r| r.len() <= *i) {
            return Err(bad_archive(format!(
                "meta.xml puts {term} in column {} of {}, but its longest row has {} columns",
                i + 1,
                spec.location,
                r.len()
            )));
        }
    }
    Ok(Table {
        file: spec.location.clone(),
        header_lines: spec.header_lines,
        id_index: spec.id_index,
        terms: spec.terms.clone(),
        defaults: spec.defaults.clone(),
        rows,
    })
}

/// The taxon an archive's scientific name means: an exact name, or the name without its
/// authorship. A partial match is not taken: a genus is not its only listed species.
fn match_taxon(taxa: &TaxonIndex, name: &str) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let mut candidates = vec![name.to_string()];
    if words.len() > 2 {
        candidates.push(words[..2].join(" "));
    }
    for c in candidates {
        if let Ok(id) = taxa.resolve(&c) {
            let t = taxa.get(&id)?;
            let f = fold(&c);
            if fold(&t.scientific_name) == f
                || t.synonyms.iter().any(|s| fold(s) == f)
                || t.names.iter().any(|n| fold(&n.name) == f)
            {
                return Some(id);
            }
        }
    }
    None
}

/// Imports the occurrences of a Darwin Core Archive (occurrence core, or event core with an
/// occurrence extension) as observations, in one transaction. Names are matched to the
/// checklist; an unmatched name is kept as the observation's free-text name and listed in the
/// report. Absence records and rows without a usable date are reported, not imported.
pub fn import_dwca<R: Read + Seek>(store: &mut Store, input: R) -> Result<DwcaImportReport> {
    import_dwca_from(store, input, "")
}

/// Like [`import_dwca`], remembering each occurrence under `dataset` (the file name, or a name
/// the user gave) and its occurrenceID, catalogNumber or content, so the same archive imported
/// again adds nothing (counted in `already_imported`).
pub fn import_dwca_from<R: Read + Seek>(
    store: &mut Store,
    input: R,
    dataset: &str,
) -> Result<DwcaImportReport> {
    let mut input = input;
    let mut magic = [0u8; 2];
    let n = input.read(&mut magic).map_err(io_err)?;
    input.seek(std::io::SeekFrom::Start(0)).map_err(io_err)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(tar_gz_as_zip(input)?))
            .map_err(|e| bad_archive(format!("the .tar.gz archive cannot be read: {e}")))?;
        return import_archive(store, zip, dataset);
    }
    let zip = zip::ZipArchive::new(input)
        .map_err(|e| bad_archive(format!("not a Darwin Core Archive (zip or .tar.gz): {e}")))?;
    import_archive(store, zip, dataset)
}

/// The files of a `.tar.gz` archive, within the same limits as a zip's, packed as a zip (stored,
/// not compressed again) so the rest of the import reads one kind of archive.
fn tar_gz_as_zip(input: impl Read) -> Result<Vec<u8>> {
    let bad = |m: &str| bad_archive(format!("the .tar.gz archive is damaged: {m}"));
    let mut tar = flate2::read::GzDecoder::new(input).take(limits::MAX_ARCHIVE_TOTAL_BYTES + 1);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let (mut total, mut entries) = (0u64, 0usize);
    let mut long_name: Option<String> = None;
    loop {
        let mut header = [0u8; 512];
        if tar.read_exact(&mut header).is_err() || header.iter().all(|b| *b == 0) {
            break;
        }
        let text = |r: std::ops::Range<usize>| {
            let f = &header[r];
            let end = f.iter().position(|b| *b == 0).unwrap_or(f.len());
            String::from_utf8_lossy(&f[..end]).trim().to_string()
        };
        let size = u64::from_str_radix(&text(124..136), 8).map_err(|_| bad("an entry's size"))?;
        let name = match (long_name.take(), text(345..500)) {
            (Some(n), _) => n,
            (None, p) if !p.is_empty() && &header[257..262] == b"ustar" => {
                format!("{p}/{}", text(0..100))
            }
            _ => text(0..100),
        };
        check_entry_size(&name, size)?;
        total = total.saturating_add(size);
        entries += 1;
        if total > limits::MAX_ARCHIVE_TOTAL_BYTES || entries > limits::MAX_ARCHIVE_ENTRIES {
            return Err(Error::ArchiveTooLarge(format!(
                "the archive holds more than the {} files or {} Dauria Field reads",
                limits::MAX_ARCHIVE_ENTRIES,
                limits::human_bytes(limits::MAX_ARCHIVE_TOTAL_BYTES)
            )));
        }
        let mut data = Vec::new();
        (&mut tar)
            .take(size)
            .read_to_end(&mut data)
            .map_err(|e| bad(&e.to_string()))?;
        if data.len() as u64 != size {
            return Err(bad("it ends inside a file"));
        }
        let pad = (512 - size % 512) % 512;
        std::io::copy(&mut (&mut tar).take(pad), &mut std::io::sink()).map_err(io_err)?;
        match header[156] {
            b'0' | 0 => {
                let name = name.trim_start_matches("./");
                if !name.is_empty() {
                    out.start_file(name, opts).map_err(zip_err)?;
                    out.write_all(&data).map_err(io_err)?;
                }
            }
            // A GNU long name: the name of the next entry.
            b'L' => {
                long_name = Some(
                    String::from_utf8_lossy(&data)
                        .trim_end_matches('\0')
                        .to_string(),
                )
            }
            _ => {}
        }
    }
    Ok(out.finish().map_err(zip_err)?.into_inner())
}

fn import_archive<R: Read + Seek>(
    store: &mut Store,
    mut zip: zip::ZipArchive<R>,
    dataset: &str,
) -> Result<DwcaImportReport> {
    check_archive(&mut zip)?;
    // GBIF and IPT put meta.xml at the top; archives zipped from a folder have it one level
    // down, with the data files beside it.
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let meta_name = names
        .iter()
        .filter(|n| *n == "meta.xml" || n.ends_with("/meta.xml"))
        .min_by_key(|n| n.len())
        .cloned();
    let specs = match &meta_name {
        Some(meta_name) => {
            let folder = &meta_name[..meta_name.len() - "meta.xml".len()];
            let meta = read_entry(&mut zip, meta_name)?;
            let mut specs = parse_meta(&meta)?;
            for s in &mut specs {
                if s.location.is_empty() {
                    return Err(bad_archive(format!(
                        "meta.xml describes a {} file without saying where it is (no \
                         <location>); the archive is incomplete",
                        s.row_type.rsplit('/').next().unwrap_or("data")
                    )));
                }
                s.location = format!("{folder}{}", s.location);
            }
            // An archive whose descriptor names a metadata document it does not hold was cut
            // short or put together by hand: what else is missing cannot be known.
            if let Some(eml) = metadata_of(&meta) {
                if !names.iter().any(|n| *n == format!("{folder}{eml}")) {
                    return Err(bad_archive(format!(
                        "meta.xml names {eml} as the archive's metadata, but the archive has no \
                         such file; it is incomplete"
                    )));
                }
            }
            specs
        }
        None => vec![single_file_spec(&mut zip, &names)?],
    };
    // `DarwinCore` is what occurrence cores were called before the standard settled.
    let is_occ =
        |s: &FileSpec| s.row_type.ends_with("/Occurrence") || s.row_type.ends_with("/DarwinCore");
    let core = &specs[0];
    let (occ_spec, event_spec) = if is_occ(core) {
        (core, None)
    } else if core.row_type.ends_with("/Event") {
        let occ = specs[1..].iter().find(|s| is_occ(s)).ok_or_else(|| {
            bad_archive("the archive has an event core but no occurrence extension")
        })?;
        (occ, Some(core))
    } else if core.row_type.ends_with("/Taxon") {
        // A checklist: its taxa join the species list.
        let taxa = read_table(&mut zip, core)?;
        let vernacular = match specs[1..]
            .iter()
            .find(|s| s.row_type.ends_with("/VernacularName"))
        {
            Some(s) => Some(read_table(&mut zip, s)?),
            None => None,
        };
        let taxa =
            crate::taxon_archive::import_taxa(store, &taxa, vernacular.as_ref(), None, dataset)?;
        return Ok(DwcaImportReport {
            taxa,
            ..DwcaImportReport::default()
        });
    } else {
        return Err(bad_archive(format!(
            "the core is {}; only occurrence or event cores can be imported",
            core.row_type
        )));
    };
    let occ = read_table(&mut zip, occ_spec)?;
    let events = match event_spec {
        Some(s) => Some(read_table(&mut zip, s)?),
        None => None,
    };
    // Event rows by id, so an occurrence can inherit its event's date and place.
    let mut event_rows: HashMap<String, usize> = HashMap::new();
    if let Some(ev) = &events {
        for (i, r) in ev.rows.iter().enumerate().skip(ev.header_lines as usize) {
            if let Some(id) = ev.id_index.and_then(|x| r.get(x)) {
                event_rows.insert(id.to_string(), i);
            }
        }
    }
    let taxa = TaxonIndex::load(store)?;
    let mut report = DwcaImportReport::default();
    let mut unmatched: BTreeMap<String, u64> = BTreeMap::new();
    let mut matched_cache: HashMap<String, Option<String>> = HashMap::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut batch = store.batch()?;
    for (i, row) in occ.rows.iter().enumerate().skip(occ.header_lines as usize) {
        let dataset = dataset.to_string();
        let line = i as u64 + 1;
        report.rows += 1;
        let event = occ
            .id_index
            .and_then(|x| row.get(x))
            .filter(|_| events.is_some())
            .and_then(|id| event_rows.get(id))
            .map(|&j| &events.as_ref().expect("events").rows[j]);
        let get = |term: &str| -> Option<String> {
            occ.get(row, term)
                .or_else(|| event.and_then(|e| events.as_ref().expect("events").get(e, term)))
                .map(str::to_string)
        };
        let err = |term: &str, reason: String| DwcaRowError {
            file: occ.file.clone(),
            line,
            term: term.to_string(),
            reason,
        };
        if get("occurrenceStatus").is_some_and(|s| s.eq_ignore_ascii_case("absent")) {
            report.errors.push(err(
                "occurrenceStatus",
                "an absence record; Dauria Field records sightings only, so it was not imported"
                    .into(),
            ));
            continue;
        }
        if let Some(id) = get("occurrenceID") {
            if !seen_ids.insert(id.clone()) {
                report.errors.push(err(
                    "occurrenceID",
                    format!("'{id}' appears twice in the file"),
                ));
                continue;
            }
        }
        let Some(name) = get("scientificName").or_else(|| get("vernacularName")) else {
            report
                .errors
                .push(err("scientificName", "the name is missing".into()));
            continue;
        };
        let taxon = matched_cache
            .entry(name.clone())
            .or_insert_with(|| match_taxon(&taxa, &name))
            .clone();
        // eventDate, or the year, month and day terms that older records use instead.
        let date = get("eventDate").or_else(|| {
            let y = get("year")?;
            Some(match (get("month"), get("day")) {
                (Some(m), Some(d)) => format!("{y}-{m:0>2}-{d:0>2}"),
                (Some(m), None) => format!("{y}-{m:0>2}"),
                _ => y,
            })
        });
        // A record without any date is kept as an undated historical record.
        let date = date.unwrap_or_default();
        let Some(when) = crate::dates::from_event_date(&date) else {
            report.errors.push(err(
                "eventDate",
                format!(
                    "'{date}' is not an ISO 8601 date, date and time, month, year or range of them"
                ),
            ));
            continue;
        };
        let source_id = get("occurrenceID")
            .or_else(|| get("catalogNumber"))
            .unwrap_or_else(|| row_hash(row));
        // The row's own dataset when it names one, else the archive's.
        let dataset = get("datasetName").unwrap_or(dataset);
        if batch.imported_before(&dataset, &source_id)? {
            report.already_imported += 1;
            continue;
        }
        let parse_f = |term: &str| get(term).and_then(|v| v.parse::<f64>().ok());
        let parse_u = |term: &str| {
            get(term)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| *v >= 0.0 && *v <= u32::MAX as f64)
                .map(|v| v.round() as u32)
        };
        let (mut count, mut unit) = (parse_u("individualCount"), CountUnit::Individuals);
        if count.is_none() {
            if let Some(q) = parse_u("organismQuantity") {
                let qt = get("organismQuantityType").unwrap_or_default();
                let u = qt.split_whitespace().next().and_then(CountUnit::parse);
                count = Some(q);
                unit = u.unwrap_or(CountUnit::Individuals);
            }
        }
        let count = count.or(Some(1));
        let mut o = Observation {
            visit: None,
            site: None,
            taxon: taxon.clone(),
            taxon_name: if taxon.is_none() {
                Some(name.clone())
            } else {
                None
            },
            count,
            count_min: None,
            count_max: None,
            unit,
            sex: get("sex"),
            age: get("lifeStage"),
            behaviour: get("behavior"),
            lat: parse_f("decimalLatitude"),
            lon: parse_f("decimalLongitude"),
            uncertainty_m: parse_f("coordinateUncertaintyInMeters"),
            observed_at: String::new(),
            observers: get("recordedBy")
                .map(|s| {
                    s.split(['|', ';'])
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            detection_method: get("samplingProtocol"),
            notes: {
                let n: Vec<String> = [get("locality"), get("occurrenceRemarks")]
                    .into_iter()
                    .flatten()
                    .collect();
                (!n.is_empty()).then(|| n.join("; "))
            },
            photos: Vec::new(),
            date_precision: None,
            observed_until: None,
            source: Some(RecordSource {
                dataset: dataset.clone(),
                id: source_id.clone(),
            }),
            extra: Default::default(),
        };
        when.apply(&mut o);
        // The import index learns the source in the same transaction (store::current).
        match batch.create(&Body::Observation(o)) {
            Ok(_) => {
                report.imported += 1;
                if taxon.is_none() {
                    *unmatched.entry(name).or_insert(0) += 1;
                }
            }
            Err(Error::Invalid(errs)) => {
                for e in errs {
                    report.errors.push(err(&e.field, e.message));
                }
            }
            Err(e) => return Err(e),
        }
    }
    batch.commit()?;
    report.unmatched_names = unmatched.into_iter().collect();
    Ok(report)
}
