//! Lab results imported from CSV and matched by barcode; results summarised by site and host.

use dauria_core::model::*;
use dauria_core::samples::{
    import_lab_results, import_lab_results_mapped, preview_lab_results, summarize_results,
    UnmatchedRow,
};
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;

fn setup(store: &mut Store) -> (String, Vec<String>) {
    let marmot = TaxonIndex::load(store)
        .unwrap()
        .resolve("Marmota sibirica")
        .unwrap();
    let site = store
        .create(&Body::Site(Site {
            name: "Tarbagan colony 3".into(),
            country: Country::MN,
            protected_area: None,
            lat: 49.9,
            lon: 115.2,
            uncertainty_m: None,
            elevation_m: None,
            habitat: None,
        }))
        .unwrap()
        .id;
    let mut host = |taxon: Option<&str>, name: Option<&str>| {
        let o = Observation {
            visit: None,
            site: Some(site.clone()),
            taxon: taxon.map(str::to_string),
            taxon_name: name.map(str::to_string),
            count: Some(1),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: None,
            lon: None,
            uncertainty_m: None,
            observed_at: "2024-06-01T07:30:00+08:00".into(),
            observers: vec![],
            detection_method: None,
            notes: None,
            photos: vec![],
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        };
        store.create(&Body::Observation(o)).unwrap().id
    };
    let m1 = host(Some(&marmot), None);
    let m2 = host(Some(&marmot), None);
    let vole = host(None, Some("Microtus sp."));
    let mut ids = Vec::new();
    for (host, barcode) in [
        (&m1, "MN-0001"),
        (&m1, "MN-0002"),
        (&m2, "MN-0003"),
        (&vole, "MN-0004"),
    ] {
        let s = Sample {
            host_observation: host.clone(),
            sample_type: "blood".into(),
            barcode: barcode.into(),
            collected_at: "2024-06-01T08:00:00+08:00".into(),
            storage: None,
            lab: None,
            test: None,
            pathogen: Some("Yersinia pestis".into()),
            result: SampleResult::Pending,
            result_date: None,
        };
        ids.push(store.create(&Body::Sample(s)).unwrap().id);
    }
    (site, ids)
}

fn sample(store: &Store, id: &str) -> Sample {
    match store.get(id).unwrap().unwrap().body {
        Some(Body::Sample(s)) => s,
        other => panic!("not a sample: {other:?}"),
    }
}

#[test]
fn lab_results_match_by_barcode_and_unmatched_rows_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let (_, ids) = setup(&mut store);
    let csv = "Barcode,RESULT,Result_Date,Test,Lab\n\
               MN-0001,positive,2024-06-20,PCR,Chita plague station\n\
               mn-0002 ,neg,2024-06-20,PCR,\n\
               MN-9999,positive,2024-06-20,PCR,\n\
               MN-0003,maybe,2024-06-20,,\n\
               MN-0004,inconclusive,20.06.2024,,\n";
    let r = import_lab_results(&mut store, csv.as_bytes()).unwrap();
    assert_eq!(r.rows, 5);
    assert_eq!(r.updated, 2, "{r:?}");
    assert_eq!(
        r.unmatched,
        vec![UnmatchedRow {
            line: 4,
            barcode: "MN-9999".into()
        }]
    );
    let bad: Vec<(u64, &str)> = r
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(bad, vec![(5, "RESULT"), (6, "Result_Date")]);

    let s1 = sample(&store, &ids[0]);
    assert_eq!(s1.result, SampleResult::Positive);
    assert_eq!(s1.result_date.as_deref(), Some("2024-06-20"));
    assert_eq!(s1.test.as_deref(), Some("PCR"));
    assert_eq!(s1.lab.as_deref(), Some("Chita plague station"));
    assert_eq!(sample(&store, &ids[1]).result, SampleResult::Negative);
    assert_eq!(sample(&store, &ids[2]).result, SampleResult::Pending);
    assert_eq!(
        store.history(&ids[0]).unwrap().len(),
        2,
        "the update is a new revision"
    );

    // The same file again changes nothing.
    let again = import_lab_results(&mut store, csv.as_bytes()).unwrap();
    assert_eq!((again.updated, again.unchanged), (0, 2));
    assert_eq!(store.history(&ids[0]).unwrap().len(), 2);
}

#[test]
fn a_file_without_a_barcode_column_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let err =
        import_lab_results(&mut store, "sample_no,result\n1,positive\n".as_bytes()).unwrap_err();
    assert!(err.to_string().contains("no 'barcode' column"), "{err}");
}

#[test]
fn results_are_summarised_by_site_and_host_species() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let (site, _) = setup(&mut store);
    let csv =
        "barcode,result\nMN-0001,positive\nMN-0002,negative\nMN-0003,positive\nMN-0004,negative\n";
    import_lab_results(&mut store, csv.as_bytes()).unwrap();
    let s = summarize_results(&store).unwrap();
    type Row<'a> = (Option<&'a str>, Option<&'a str>, u64, u64, u64);
    let rows: Vec<Row> = s
        .iter()
        .map(|r| {
            (
                r.site_name.as_deref(),
                r.host_name.as_deref(),
                r.pending,
                r.negative,
                r.positive,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (Some("Tarbagan colony 3"), Some("Marmota sibirica"), 0, 1, 2),
            (Some("Tarbagan colony 3"), Some("Microtus sp."), 0, 1, 0),
        ]
    );
    assert!(s
        .iter()
        .all(|r| r.site_id.as_deref() == Some(site.as_str())));
    assert!(s
        .iter()
        .all(|r| r.pathogen.as_deref() == Some("Yersinia pestis")));
}

#[test]
fn lab_columns_nobody_guesses_are_mapped_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    setup(&mut store);
    // A laboratory's own sheet: nothing is recognised by name.
    let csv = "Probe,Befund,Bemerkung\nMN-0001,positive,Ausstrich\nMN-9999,negative,\n";
    let p = preview_lab_results(csv.as_bytes(), 8).unwrap();
    assert_eq!(p.headers, ["Probe", "Befund", "Bemerkung"]);
    assert!(p.guessed.iter().all(Option::is_none), "{:?}", p.guessed);
    assert_eq!(p.rows.len(), 2);
    assert!(p.columns.iter().any(|c| c == "barcode") && p.columns.iter().any(|c| c == "result"));
    let err = import_lab_results(&mut store, csv.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("no 'barcode' column"), "{err}");

    let map = |cols: &[&str]| -> Vec<Option<String>> {
        cols.iter()
            .map(|c| (!c.is_empty()).then(|| c.to_string()))
            .collect()
    };
    for (cols, want) in [
        (
            map(&["barcode", "result"]),
            "mapping names 2 columns but the CSV has 3",
        ),
        (
            map(&["barcode", "barcode", ""]),
            "two headers are mapped to 'barcode'",
        ),
        (
            map(&["barcode", "result", "notes"]),
            "'notes' is not a column a lab result has",
        ),
    ] {
        let err = import_lab_results_mapped(&mut store, csv.as_bytes(), Some(&cols)).unwrap_err();
        assert!(err.to_string().contains(want), "{cols:?}: {err}");
    }
    let r = import_lab_results_mapped(
        &mut store,
        csv.as_bytes(),
        Some(&map(&["barcode", "result", ""])),
    )
    .unwrap();
    assert_eq!((r.rows, r.updated), (2, 1), "{r:?}");
    assert_eq!(r.unmatched.len(), 1);
    assert_eq!(r.unmatched[0].barcode, "MN-9999");
    let positive: u64 = summarize_results(&store)
        .unwrap()
        .iter()
        .map(|s| s.positive)
        .sum();
    assert_eq!(positive, 1);
}

#[test]
fn lab_results_from_a_russian_excel_file_in_windows_1251() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let (_, ids) = setup(&mut store);
    // As Excel in a Russian locale saves "CSV (разделители — точки с запятой)".
    let text = "Штрихкод;Результат;Дата;Метод;Возбудитель;Лаборатория\r\n\
                MN-0001;положительный;2024-06-20;ПЦР;Yersinia pestis;\"Читинская ПЧС; отдел 2\"\r\n\
                MN-0002;отрицательный;2024-06-21;ПЦР;Yersinia pestis;Читинская ПЧС\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!unmappable);
    let p = preview_lab_results(&bytes[..], 5).unwrap();
    assert_eq!(
        (p.encoding.as_str(), p.separator.as_str()),
        ("windows-1251", ";")
    );
    assert_eq!(p.guessed[0].as_deref(), Some("barcode"));
    assert_eq!(p.guessed[5].as_deref(), Some("lab"));
    let r = import_lab_results(&mut store, &bytes[..]).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.updated, 2);
    let s1 = sample(&store, &ids[0]);
    assert_eq!(s1.result, SampleResult::Positive);
    assert_eq!(s1.test.as_deref(), Some("ПЦР"));
    assert_eq!(s1.lab.as_deref(), Some("Читинская ПЧС; отдел 2"));
    assert_eq!(sample(&store, &ids[1]).result, SampleResult::Negative);
}
