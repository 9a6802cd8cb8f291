//! Darwin Core Archives as GBIF, IPT and people zipping a folder make them: data in a
//! subfolder, a single CSV without meta.xml, a checklist (Taxon core), and historical records
//! dated by a year, a month, an interval or year/month/day terms.

use dauria_core::dwca::{import_dwca, import_dwca_from};
use dauria_core::store::query::ObservationFilter;
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

const OCCURRENCES: &str =
    "id\toccurrenceID\tscientificName\teventDate\tyear\tmonth\tdecimalLatitude\tdecimalLongitude\n\
1\turn:catalog:ZIN:1\tMarmota sibirica\t1987\t\t\t50.1\t115.7\n\
2\turn:catalog:ZIN:2\tCanis lupus\t1990-06\t\t\t50.0\t115.6\n\
3\turn:catalog:ZIN:3\tCanis lupus\t1991-05-01/1991-05-31\t\t\t50.0\t115.6\n\
4\turn:catalog:ZIN:4\tCanis lupus\t\t1975\t7\t49.9\t115.5\n\
5\turn:catalog:ZIN:5\tCanis lupus\t\t\t\t49.9\t115.5\n";

fn notes_and_times(store: &Store) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = store
        .observations(&ObservationFilter::default(), None, 100)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| {
            (
                r.observation.observed_at,
                r.observation.notes.unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn an_archive_with_its_data_in_a_subfolder_and_partial_dates() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let archive = zip(&[
        ("dwca-zin-mammals-v1.2/meta.xml", META),
        ("dwca-zin-mammals-v1.2/occurrence.txt", OCCURRENCES),
    ]);
    let r = import_dwca_from(&mut store, Cursor::new(&archive), "zin-mammals.zip").unwrap();
    assert_eq!((r.rows, r.imported), (5, 4), "{:?}", r.errors);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].line, 6);
    assert!(r.errors[0].reason.contains("no date"), "{:?}", r.errors);
    assert_eq!(
        notes_and_times(&store),
        vec![
            (
                "1975-07-01T12:00:00+00:00".into(),
                "occurrenceID urn:catalog:ZIN:4; eventDate 1975-07".into()
            ),
            (
                "1987-01-01T12:00:00+00:00".into(),
                "occurrenceID urn:catalog:ZIN:1; eventDate 1987".into()
            ),
            (
                "1990-06-01T12:00:00+00:00".into(),
                "occurrenceID urn:catalog:ZIN:2; eventDate 1990-06".into()
            ),
            (
                "1991-05-01T12:00:00+00:00".into(),
                "occurrenceID urn:catalog:ZIN:3; eventDate 1991-05-01/1991-05-31".into()
            ),
        ]
    );
    // The same archive again adds nothing.
    let again = import_dwca_from(&mut store, Cursor::new(&archive), "zin-mammals.zip").unwrap();
    assert_eq!((again.imported, again.already_imported), (0, 4));
    assert_eq!(notes_and_times(&store).len(), 4);
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
fn a_checklist_archive_is_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let meta = r#"<archive xmlns="http://rs.tdwg.org/dwc/text/">
  <core fieldsTerminatedBy="\t" ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Taxon">
    <files><location>taxon.txt</location></files>
    <id index="0"/>
    <field index="1" term="http://rs.tdwg.org/dwc/terms/scientificName"/>
  </core>
</archive>"#;
    let archive = zip(&[
        ("meta.xml", meta),
        ("taxon.txt", "id\tscientificName\n1\tMarmota sibirica\n"),
    ]);
    let before = store.stats().unwrap();
    let e = import_dwca(&mut store, Cursor::new(&archive))
        .unwrap_err()
        .to_string();
    assert!(e.contains("checklist archive (Taxon core)"), "{e}");
    assert_eq!(store.stats().unwrap().observations, before.observations);
}

/// The sample archives of python-dwca-reader, when a copy is given (they are not kept in this
/// repository): every archive it reads as valid is imported or refused with a reason, and
/// occurrence archives import rows.
#[test]
fn python_dwca_reader_samples_when_present() {
    let Ok(dir) = std::env::var("DWCA_READER_SAMPLES") else {
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    paths.sort();
    for p in paths {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = Store::open(tmp.path()).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        match import_dwca_from(&mut store, Cursor::new(&bytes), &name) {
            Ok(r) => {
                println!(
                    "{name}: {} rows, {} imported, {} errors {:?}",
                    r.rows,
                    r.imported,
                    r.errors.len(),
                    r.errors.first().map(|e| &e.reason)
                );
                let again = import_dwca_from(&mut store, Cursor::new(&bytes), &name).unwrap();
                assert_eq!(again.imported, 0, "{name}");
                assert_eq!(again.already_imported, r.imported, "{name}");
            }
            Err(e) => println!("{name}: refused: {e}"),
        }
    }
}
