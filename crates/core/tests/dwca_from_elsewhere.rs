//! Darwin Core Archives as GBIF, IPT and people zipping a folder make them: data in a
//! subfolder, a single CSV without meta.xml, a checklist (Taxon core), and historical records
//! dated by a year, a month, an interval or year/month/day terms.

use dauria_core::dwca::{export_dwca, import_dwca, import_dwca_from};
use dauria_core::model::{DatePrecision, Kind, TaxonGroup};
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use std::io::{Cursor, Write};

fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// meta.xml as the GBIF IPT writes it, for an occurrence core of tab-separated text.
const META: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml">
  <core encoding="UTF-8" fieldsTerminatedBy="\t" linesTerminatedBy="\n" fieldsEnclosedBy="" ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence">
    <files><location>occurrence.txt</location></files>
    <id index="0" />
    <field index="1" term="http://rs.tdwg.org/dwc/terms/occurrenceID"/>
    <field index="2" term="http://rs.tdwg.org/dwc/terms/scientificName"/>
    <field index="3" term="http://rs.tdwg.org/dwc/terms/eventDate"/>
    <field index="4" term="http://rs.tdwg.org/dwc/terms/year"/>
    <field index="5" term="http://rs.tdwg.org/dwc/terms/month"/>
    <field index="6" term="http://rs.tdwg.org/dwc/terms/decimalLatitude"/>
    <field index="7" term="http://rs.tdwg.org/dwc/terms/decimalLongitude"/>
  </core>
</archive>
"#;

/// The metadata document meta.xml names.
const EML: &str = r#"<eml:eml xmlns:eml="eml://ecoinformatics.org/eml-2.1.1"><dataset><title>ZIN mammals</title></dataset></eml:eml>"#;

const OCCURRENCES: &str =
    "id\toccurrenceID\tscientificName\teventDate\tyear\tmonth\tdecimalLatitude\tdecimalLongitude\n\
1\turn:catalog:ZIN:1\tMarmota sibirica\t1987\t\t\t50.1\t115.7\n\
2\turn:catalog:ZIN:2\tCanis lupus\t1990-06\t\t\t50.0\t115.6\n\
3\turn:catalog:ZIN:3\tCanis lupus\t1991-05-01/1991-05-31\t\t\t50.0\t115.6\n\
4\turn:catalog:ZIN:4\tCanis lupus\t\t1975\t7\t49.9\t115.5\n\
5\turn:catalog:ZIN:5\tCanis lupus\t\t\t\t49.9\t115.5\n\
6\turn:catalog:ZIN:6\tCanis lupus\t2019/2020\t\t\t49.9\t115.5\n";

/// An imported sighting's source id, date, date precision, end of its date range and dataset.
type DatedSource = (
    String,
    String,
    Option<DatePrecision>,
    Option<String>,
    String,
);

/// Each imported sighting's date fields and source, sorted by its identifier.
fn dates_and_sources(store: &Store) -> Vec<DatedSource> {
    let mut v: Vec<_> = store
        .observations(&ObservationFilter::default(), None, 100)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| {
            let o = r.observation;
            let src = o.source.clone().unwrap();
            (
                src.id,
                o.observed_at,
                o.date_precision,
                o.observed_until,
                src.dataset,
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn an_archive_with_its_data_in_a_subfolder_and_partial_dates() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let archive = zip(&[
        ("dwca-zin-mammals-v1.2/meta.xml", META),
        ("dwca-zin-mammals-v1.2/occurrence.txt", OCCURRENCES),
        ("dwca-zin-mammals-v1.2/eml.xml", EML),
    ]);
    let r = import_dwca_from(&mut store, Cursor::new(&archive), "zin-mammals.zip").unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.rows, r.imported), (6, 6));
    let noon = |d: &str| format!("{d}T12:00:00+00:00");
    let ds = "zin-mammals.zip".to_string();
    use DatePrecision::*;
    assert_eq!(
        dates_and_sources(&store),
        vec![
            (
                "urn:catalog:ZIN:1".into(),
                noon("1987-01-01"),
                Some(Year),
                None,
                ds.clone()
            ),
            (
                "urn:catalog:ZIN:2".into(),
                noon("1990-06-01"),
                Some(Month),
                None,
                ds.clone()
            ),
            (
                "urn:catalog:ZIN:3".into(),
                noon("1991-05-01"),
                Some(Day),
                Some("1991-05-31".into()),
                ds.clone()
            ),
            (
                "urn:catalog:ZIN:4".into(),
                noon("1975-07-01"),
                Some(Month),
                None,
                ds.clone()
            ),
            // No date at all: kept, as an undated historical record.
            (
                "urn:catalog:ZIN:5".into(),
                String::new(),
                Some(Undated),
                None,
                ds.clone()
            ),
            (
                "urn:catalog:ZIN:6".into(),
                noon("2019-01-01"),
                Some(Year),
                Some("2020".into()),
                ds.clone()
            ),
        ]
    );
    // The same archive again adds nothing.
    let again = import_dwca_from(&mut store, Cursor::new(&archive), "zin-mammals.zip").unwrap();
    assert_eq!((again.imported, again.already_imported), (0, 6));
    assert_eq!(dates_and_sources(&store).len(), 6);

    // Exported, each date is written back as it came: no precision is added.
    let mut out = Cursor::new(Vec::new());
    export_dwca(&store, None, &mut out).unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(out.into_inner())).unwrap();
    let mut occ = String::new();
    std::io::Read::read_to_string(&mut z.by_name("occurrence.txt").unwrap(), &mut occ).unwrap();
    let header: Vec<&str> = occ.lines().next().unwrap().split('\t').collect();
    let col = |t: &str| header.iter().position(|h| *h == t).unwrap();
    let mut written: Vec<(String, String, String)> = occ
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[col("occurrenceID")].to_string(),
                f[col("eventDate")].to_string(),
                f[col("datasetName")].to_string(),
            )
        })
        .collect();
    written.sort();
    let w = |id: &str, d: &str| (format!("urn:catalog:ZIN:{id}"), d.to_string(), ds.clone());
    assert_eq!(
        written,
        vec![
            w("1", "1987"),
            w("2", "1990-06"),
            w("3", "1991-05-01/1991-05-31"),
            w("4", "1975-07"),
            w("5", ""),
            w("6", "2019/2020"),
        ]
    );
}

#[test]
fn the_same_archive_on_another_laptop_after_a_sync_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Store::open(&dir.path().join("a")).unwrap();
    let mut b = Store::open(&dir.path().join("b")).unwrap();
    let archive = zip(&[
        ("meta.xml", META),
        ("occurrence.txt", OCCURRENCES),
        ("eml.xml", EML),
    ]);
    let first = import_dwca_from(&mut a, Cursor::new(&archive), "zin-mammals.zip").unwrap();
    assert_eq!(first.imported, 6);
    // What a sync carries: a's revisions, applied on b.
    let revs = a.outbox_after(0, 10_000, usize::MAX).unwrap();
    // Sightings with a partial or no date are schema 2; an older laptop sets them aside.
    assert!(
        revs.iter().all(|r| r.schema_version == 2),
        "{:?}",
        revs.iter().map(|r| r.schema_version).collect::<Vec<_>>()
    );
    b.apply_remote(&revs, &[]).unwrap();
    let again = import_dwca_from(&mut b, Cursor::new(&archive), "zin-mammals.zip").unwrap();
    assert_eq!((again.imported, again.already_imported), (0, 6));
    assert_eq!(
        b.stats().unwrap().observations,
        a.stats().unwrap().observations
    );
}

#[test]
fn dates_that_are_not_dates_are_reported_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let occ = "id\toccurrenceID\tscientificName\teventDate\tyear\tmonth\tdecimalLatitude\tdecimalLongitude\n\
1\tx1\tCanis lupus\t2019-13\t\t\t50\t115\n\
2\tx2\tCanis lupus\t2019-05-20/2019-05-01\t\t\t50\t115\n\
3\tx3\tCanis lupus\tspring 1990\t\t\t50\t115\n\
4\tx4\tCanis lupus\t1990-06-01/15\t\t\t50\t115\n";
    let archive = zip(&[
        ("meta.xml", META),
        ("occurrence.txt", occ),
        ("eml.xml", EML),
    ]);
    let r = import_dwca_from(&mut store, Cursor::new(&archive), "bad-dates.zip").unwrap();
    assert_eq!(r.imported, 1, "{:?}", r.errors);
    assert_eq!(
        r.errors
            .iter()
            .map(|e| (e.line, e.term.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "eventDate"), (3, "eventDate"), (4, "eventDate")]
    );
    assert!(r.errors[0].reason.contains("'2019-13'"), "{:?}", r.errors);
    let kept = dates_and_sources(&store);
    assert_eq!(kept[0].3.as_deref(), Some("1990-06-15"), "{kept:?}");
}

#[test]
fn a_single_csv_without_meta_xml() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    // As GBIF's simple download names the terms: in lower case.
    let csv = "\u{feff}occurrenceid,scientificname,eventdate,decimallatitude,decimallongitude,individualcount\r\n\
               obs-1,Procapra gutturosa,2019-09-14,48.6,117.9,210\r\n\
               obs-2,Canis lupus,2019-09-15T06:10:00+08:00,48.7,117.8,2\r\n\
               obs-3,Canis lupus,2019-09-16T06:10+08:00,48.7,117.8,1\r\n";
    let archive = zip(&[("occurrence.csv", csv)]);
    let r = import_dwca(&mut store, Cursor::new(&archive)).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.imported, 3);
    let rows = store
        .observations(&ObservationFilter::default(), None, 10)
        .unwrap()
        .rows;
    assert!(rows.iter().any(|r| r.observation.count == Some(210)
        && r.scientific_name.as_deref() == Some("Procapra gutturosa")));

    let two = zip(&[("a.csv", csv), ("b.csv", csv)]);
    let e = import_dwca(&mut store, Cursor::new(&two))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no meta.xml and 2 data files"), "{e}");
}

#[test]
fn a_checklist_archive_adds_its_taxa_with_names_and_synonyms_and_says_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let meta = r#"<archive xmlns="http://rs.tdwg.org/dwc/text/">
  <core fieldsTerminatedBy="\t" ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Taxon">
    <files><location>taxon.txt</location></files>
    <id index="0"/>
    <field index="1" term="http://rs.tdwg.org/dwc/terms/scientificName"/>
    <field index="2" term="http://rs.tdwg.org/dwc/terms/taxonRank"/>
    <field index="3" term="http://rs.tdwg.org/dwc/terms/kingdom"/>
    <field index="4" term="http://rs.tdwg.org/dwc/terms/class"/>
    <field index="5" term="http://rs.tdwg.org/dwc/terms/order"/>
    <field index="6" term="http://rs.tdwg.org/dwc/terms/taxonomicStatus"/>
    <field index="7" term="http://rs.tdwg.org/dwc/terms/acceptedNameUsage"/>
  </core>
  <extension fieldsTerminatedBy="\t" ignoreHeaderLines="1" rowType="http://rs.gbif.org/terms/1.0/VernacularName">
    <files><location>vernacularname.txt</location></files>
    <coreid index="0"/>
    <field index="1" term="http://rs.tdwg.org/dwc/terms/vernacularName"/>
    <field index="2" term="http://purl.org/dc/terms/language"/>
  </extension>
</archive>"#;
    let taxa = "id\tscientificName\ttaxonRank\tkingdom\tclass\torder\ttaxonomicStatus\tacceptedNameUsage\n\
1\tTetrax tetrax\tspecies\tAnimalia\tAves\tOtidiformes\taccepted\t\n\
2\tAlticola semicanus\tspecies\tAnimalia\tMammalia\tRodentia\taccepted\t\n\
3\tMicrotus semicanus\tspecies\tAnimalia\tMammalia\tRodentia\tsynonym\tAlticola semicanus\n\
4\tMarmota sibirica\tspecies\tAnimalia\tMammalia\tRodentia\taccepted\t\n\
5\tStipa grandis\tspecies\tPlantae\tLiliopsida\tPoales\taccepted\t\n\
6\t\t\t\t\t\t\t\n";
    let names = "id\tvernacularName\tlanguage\n\
1\tLittle bustard\ten\n\
1\tСтрепет\tru\n\
1\tZwergtrappe\tde\n\
4\tТарбаган\trus\n";
    let archive = zip(&[
        ("meta.xml", meta),
        ("taxon.txt", taxa),
        ("vernacularname.txt", names),
    ]);
    let before = store.list(Kind::Taxon).unwrap().len();
    let r = import_dwca_from(&mut store, Cursor::new(&archive), "steppe-checklist.zip")
        .unwrap()
        .taxa;
    assert_eq!(r.rows, 6);
    assert_eq!(r.added_names, vec!["Tetrax tetrax", "Alticola semicanus"]);
    assert_eq!((r.added, r.synonyms, r.already_listed), (2, 1, 1));
    assert_eq!(
        r.skipped
            .iter()
            .map(|s| (s.line, s.term.as_str()))
            .collect::<Vec<_>>(),
        vec![(6, "class"), (7, "scientificName")]
    );
    assert_eq!(store.list(Kind::Taxon).unwrap().len(), before + 2);
    let index = TaxonIndex::load(&store).unwrap();
    let bustard = index
        .get(&index.resolve("Стрепет").unwrap())
        .unwrap()
        .clone();
    assert_eq!(bustard.scientific_name, "Tetrax tetrax");
    assert_eq!(bustard.group, TaxonGroup::Bird);
    assert_eq!(
        bustard.names.len(),
        2,
        "German is not a language the app shows"
    );
    let vole = index
        .get(&index.resolve("Microtus semicanus").unwrap())
        .unwrap()
        .clone();
    assert_eq!(
        (vole.scientific_name.as_str(), vole.group),
        ("Alticola semicanus", TaxonGroup::SmallMammal)
    );
    // The marmot was listed: it only gains the Russian name it lacked, if it lacked it.
    assert!(r.names_added >= 2);
    // The same archive again adds nothing.
    let again = import_dwca_from(&mut store, Cursor::new(&archive), "steppe-checklist.zip")
        .unwrap()
        .taxa;
    assert_eq!((again.added, again.already_listed), (0, 3));
    assert_eq!(store.list(Kind::Taxon).unwrap().len(), before + 2);
}

/// The sample archives of python-dwca-reader's own test suite (copied into
/// `tests/fixtures/dwca-reader` with its licence; folders are zipped here as a person would):
/// python-dwca-reader is asked here and now what it makes of each. What it reads as an
/// occurrence archive is imported with every row accounted for (imported, or reported with its
/// reason) and imported again adds nothing; a checklist (Taxon core) adds its taxa; what it
/// refuses as invalid is refused here too, with a reason.
#[test]
fn every_python_dwca_reader_sample_is_read_as_it_reads_it_or_refused_with_a_reason() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dwca-reader");
    let mut samples: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "zip" || x == "tgz"))
        .collect();
    samples.sort();
    assert!(
        samples.len() >= 30,
        "python-dwca-reader's samples are missing from {}",
        dir.display()
    );
    let script = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from dwca.read import DwCAReader
out = []
for p in sys.argv[1:]:
    try:
        with DwCAReader(p) as a:
            rows = sum(1 for _ in a)
            core = a.descriptor.core.type.rsplit("/", 1)[-1] if a.descriptor else "Occurrence"
            out.append({"core": core, "rows": rows})
    except Exception as e:
        out.append({"error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))
"#;
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let res = std::process::Command::new(&python)
        .args(["-c", script])
        .args(&samples)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run `make setup-test`): {e}",
                python.display()
            )
        });
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let theirs: Vec<serde_json::Value> = serde_json::from_slice(&res.stdout).unwrap();
    for (path, theirs) in samples.iter().zip(theirs) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = if path.is_dir() {
            let mut files: Vec<(String, String)> = Vec::new();
            for e in std::fs::read_dir(path).unwrap() {
                let p = e.unwrap().path();
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                files.push((p.file_name().unwrap().to_string_lossy().into_owned(), text));
            }
            let refs: Vec<(&str, &str)> = files
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            zip(&refs)
        } else {
            std::fs::read(path).unwrap()
        };
        let tmp = tempfile::tempdir().unwrap();
        let mut store = Store::open(tmp.path()).unwrap();
        let before = store.stats().unwrap();
        let ours = import_dwca_from(&mut store, Cursor::new(&bytes), &name);
        match (&theirs["error"], &ours) {
            (serde_json::Value::String(why), Ok(r)) => {
                panic!("{name}: python-dwca-reader refuses it ({why}) but it was imported: {r:?}")
            }
            (serde_json::Value::String(_), Err(e)) => {
                assert!(
                    e.to_string().len() > 20,
                    "{name}: refused without a reason: {e}"
                );
                assert_eq!(
                    store.stats().unwrap().observations,
                    before.observations,
                    "{name}"
                );
            }
            (_, Err(e)) => {
                panic!("{name}: python-dwca-reader reads it ({theirs}) but it was refused: {e}")
            }
            (_, Ok(r)) => {
                let rows = theirs["rows"].as_u64().unwrap();
                if theirs["core"] == "Taxon" {
                    assert_eq!(r.taxa.rows, rows, "{name}: {r:?}");
                    assert_eq!(
                        r.taxa.added
                            + r.taxa.already_listed
                            + r.taxa.synonyms
                            + r.taxa.skipped.len() as u64,
                        rows,
                        "{name}: {r:?}"
                    );
                    assert!(r.taxa.added > 0, "{name}: {r:?}");
                } else {
                    assert_eq!(r.rows, rows, "{name}: {r:?}");
                    assert_eq!(r.imported + r.errors.len() as u64, rows, "{name}: {r:?}");
                    let again = import_dwca_from(&mut store, Cursor::new(&bytes), &name).unwrap();
                    assert_eq!(
                        (again.imported, again.already_imported),
                        (0, r.imported),
                        "{name}"
                    );
                }
            }
        }
    }
}

/// Every sample archive of GBIF's own reader, dwca-io, is read: each with the rows it holds, as
/// occurrences or as checklist taxa. Rows of taxa outside the groups the project keeps (whales,
/// fish, oaks) are skipped one by one with that reason; a sighting without a position is refused
/// with its line; nothing refuses a whole archive.
#[test]
fn every_gbif_dwca_io_sample_is_read() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dwca-io");
    // (sample, is a checklist, data rows, rows imported or added)
    let samples: &[(&str, bool, u64, u64)] = &[
        ("archive-dwc", true, 3248, 0),
        ("archive-occ.zip", false, 1534, 1534),
        ("archive-tax.zip", true, 3248, 0),
        ("checklist_980.zip", true, 356, 0),
        ("csv-json-escaped-quotes", false, 1, 0),
        ("gnub.tab.zip", true, 9, 0),
        ("multiline-header", true, 2, 0),
        ("nullCoreID.zip", true, 3248, 0),
        ("simplest-archive", true, 2, 0),
        ("xml-entity-meta", true, 0, 0),
    ];
    for &(name, checklist, rows, added) in samples {
        let path = dir.join(name);
        let bytes = if path.is_dir() {
            let files: Vec<(String, String)> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| {
                    let p = e.unwrap().path();
                    let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                    (p.file_name().unwrap().to_string_lossy().into_owned(), text)
                })
                .collect();
            let refs: Vec<(&str, &str)> = files
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            zip(&refs)
        } else {
            std::fs::read(&path).unwrap()
        };
        let tmp = tempfile::tempdir().unwrap();
        let mut store = Store::open(tmp.path()).unwrap();
        let taxa_before = store.list(dauria_core::model::Kind::Taxon).unwrap().len();
        let r = import_dwca_from(&mut store, Cursor::new(&bytes), name)
            .unwrap_or_else(|e| panic!("{name}: GBIF's reader reads it, but it was refused: {e}"));
        if checklist {
            assert_eq!(r.taxa.rows, rows, "{name}: {:?}", r.taxa);
            assert_eq!(r.taxa.added, added, "{name}");
            assert_eq!(
                r.taxa.added
                    + r.taxa.already_listed
                    + r.taxa.synonyms
                    + r.taxa.skipped.len() as u64,
                rows,
                "{name}: every row added or skipped with a reason"
            );
            assert!(
                r.taxa.skipped.iter().all(|s| s.reason.len() > 20),
                "{name}: {:?}",
                r.taxa.skipped.first()
            );
            assert_eq!(r.rows, 0, "{name}: a checklist holds no occurrences");
        } else {
            assert_eq!(r.rows, rows, "{name}");
            assert_eq!(r.imported, added, "{name}: {:?}", r.errors.first());
            assert_eq!(r.imported + r.errors.len() as u64, rows, "{name}");
            assert_eq!(store.stats().unwrap().observations, added, "{name}");
        }
        assert_eq!(
            store.list(dauria_core::model::Kind::Taxon).unwrap().len() as u64,
            taxa_before as u64 + r.taxa.added,
            "{name}"
        );
    }
}
