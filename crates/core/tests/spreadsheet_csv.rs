//! CSV files as spreadsheets save them: Excel in a Russian locale (Windows-1251, `;`, decimal
//! commas), in a Chinese locale (GB18030), and UTF-8 with a byte-order mark. The bytes are made
//! here with encoding_rs exactly as those code pages write the text.

use dauria_core::import::{import_observations, preview_csv, ImportOptions};
use dauria_core::store::query::ObservationFilter;
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use encoding_rs::{GB18030, WINDOWS_1251};

/// Excel's line ends.
fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

fn observations(store: &Store) -> Vec<dauria_core::model::Observation> {
    store
        .observations(&ObservationFilter::default(), None, 100)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.observation)
        .collect()
}

#[test]
fn russian_excel_csv_in_windows_1251_with_semicolons_and_decimal_commas() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let text = crlf(
        "Вид;Количество;Широта;Долгота;Точность;Время;Заметки\n\
         Тарбаган;3;49,7;115,25;25,5;2026-06-01T07:30:00+09:00;\"Колония у озера Барун-Торей; 3 норы\"\n\
         Дзерен;120;50,1;116,02;;2026-06-02T06:00:00+09:00;Стадо, шли на юг\n",
    );
    let (bytes, _, unmappable) = WINDOWS_1251.encode(&text);
    assert!(!unmappable);
    assert!(
        bytes.iter().any(|b| *b >= 0xC0),
        "Cyrillic is one byte each"
    );

    let p = preview_csv(&bytes[..], 8).unwrap();
    assert_eq!(p.encoding, "windows-1251");
    assert_eq!(p.separator, ";");
    assert!(p.decimal_comma);
    assert!(!p.bom);
    assert_eq!(p.headers[0], "Вид");
    assert_eq!(p.rows[0][0], "Тарбаган");
    assert_eq!(p.rows[1][6], "Стадо, шли на юг");

    // Russian headers are not recognised by name; they are mapped as the preview's user would.
    let cols = [
        "taxon",
        "count",
        "lat",
        "lon",
        "uncertainty_m",
        "observed_at",
        "notes",
    ]
    .map(|c| Some(c.to_string()))
    .to_vec();
    let r = import_observations(
        &mut store,
        &bytes[..],
        ImportOptions {
            columns: Some(cols),
            ..ImportOptions::default()
        },
        |_| {},
    )
    .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.imported, 2);
    let taxa = TaxonIndex::load(&store).unwrap();
    let obs = observations(&store);
    let marmot = obs
        .iter()
        .find(|o| o.taxon == Some(taxa.resolve("Marmota sibirica").unwrap()))
        .expect("the Cyrillic name resolved");
    assert_eq!(
        (marmot.lat, marmot.lon, marmot.uncertainty_m),
        (Some(49.7), Some(115.25), Some(25.5))
    );
    // Excel quotes a field holding the separator.
    assert_eq!(
        marmot.notes.as_deref(),
        Some("Колония у озера Барун-Торей; 3 норы")
    );
    let gazelle = obs.iter().find(|o| o.count == Some(120)).unwrap();
    assert_eq!(gazelle.notes.as_deref(), Some("Стадо, шли на юг"));
    assert_eq!(gazelle.lon, Some(116.02));
}

#[test]
fn chinese_excel_csv_in_gb18030() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let text = crlf(
        "species,count,lat,lon,observed_at,notes\n\
         狼,2,48.9,117.4,2026-06-03T19:10:00+08:00,在达赉湖北岸看到两只狼\n\
         蒙原羚（黄羊）,45,48.6,117.9,2026-06-04T06:40:00+08:00,草原上的一群黄羊，向东移动\n",
    );
    let (bytes, _, unmappable) = GB18030.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let p = preview_csv(&bytes[..], 8).unwrap();
    assert_eq!(p.encoding, "gb18030");
    assert_eq!(p.separator, ",");
    assert!(!p.decimal_comma);
    assert_eq!(p.rows[0][5], "在达赉湖北岸看到两只狼");

    let r = import_observations(&mut store, &bytes[..], ImportOptions::default(), |_| {}).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.imported, 2);
    let taxa = TaxonIndex::load(&store).unwrap();
    let obs = observations(&store);
    let wolf = obs
        .iter()
        .find(|o| o.taxon == Some(taxa.resolve("Canis lupus").unwrap()))
        .unwrap();
    assert_eq!(wolf.notes.as_deref(), Some("在达赉湖北岸看到两只狼"));
    let gazelle = obs
        .iter()
        .find(|o| o.taxon == Some(taxa.resolve("Procapra gutturosa").unwrap()))
        .unwrap();
    assert_eq!(gazelle.count, Some(45));
    assert_eq!(gazelle.notes.as_deref(), Some("草原上的一群黄羊，向东移动"));
}

#[test]
fn utf8_with_a_byte_order_mark_keeps_its_first_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let text = "\u{feff}taxon;count;lat;lon;observed_at\r\n\
                Тарбаган;1;49,5;115,1;2026-06-05T08:00:00+08:00\r\n";
    let p = preview_csv(text.as_bytes(), 8).unwrap();
    assert_eq!((p.encoding.as_str(), p.bom), ("UTF-8", true));
    assert_eq!(p.headers[0], "taxon", "the mark is not part of the header");
    assert_eq!(p.guessed[0].as_deref(), Some("taxon"));
    let r = import_observations(
        &mut store,
        text.as_bytes(),
        ImportOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!((r.imported, r.errors.len()), (1, 0), "{:?}", r.errors);
    let o = &observations(&store)[0];
    assert_eq!((o.lat, o.lon), (Some(49.5), Some(115.1)));
}

#[test]
fn the_same_rows_imported_again_are_not_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    // No identifier column: rows are known by their content, two equal rows by their order.
    let text = "taxon,count,lat,lon,observed_at,notes\n\
                狼,1,48.9,117.4,2026-06-03T19:10:00+08:00,在达赉湖北岸的草原上\n\
                狼,1,48.9,117.4,2026-06-03T19:10:00+08:00,在达赉湖北岸的草原上\n\
                狼,2,48.8,117.5,2026-06-04T19:10:00+08:00,夜间在湖边听到叫声\n";
    let (gb, _, _) = GB18030.encode(text);
    let first = dauria_core::import::import_observations_from(
        &mut store,
        &gb[..],
        "dalai.csv",
        ImportOptions::default(),
        |_| {},
    )
    .unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert_eq!((first.imported, first.already_imported), (3, 0));
    // The same rows saved as UTF-8 with a mark and `;` are the same rows.
    let again = format!("\u{feff}{}", text.replace(',', ";"));
    let second = dauria_core::import::import_observations_from(
        &mut store,
        again.as_bytes(),
        "dalai.csv",
        ImportOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!((second.imported, second.already_imported), (0, 3));
    assert_eq!(observations(&store).len(), 3);
    // A reopened store still knows them.
    drop(store);
    let mut store = Store::open(dir.path()).unwrap();
    let third = dauria_core::import::import_observations_from(
        &mut store,
        &gb[..],
        "dalai.csv",
        ImportOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!((third.imported, third.already_imported), (0, 3));
}
