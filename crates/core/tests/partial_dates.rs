//! Sightings dated to a day, a month, a year or a range, and undated historical records: kept
//! with their precision, listed, counted by reports only where the whole of their date lies,
//! exported as they came, and marked so older laptops set them aside instead of misreading them.

use dauria_core::dates::{event_date, from_event_date, span};
use dauria_core::model::*;
use dauria_core::monitoring::{trends, Period, TrendBy, TrendQuery};
use dauria_core::store::query::ObservationFilter;
use dauria_core::Store;

fn sighting(site: &str, count: u32, date: &str) -> Observation {
    let mut o = Observation {
        visit: None,
        site: Some(site.to_string()),
        taxon: None,
        taxon_name: Some("Otis tarda".into()),
        count: Some(count),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: None,
        lon: None,
        uncertainty_m: None,
        observed_at: String::new(),
        observers: vec![],
        detection_method: None,
        notes: None,
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    };
    from_event_date(date)
        .unwrap_or_else(|| panic!("{date} reads"))
        .apply(&mut o);
    o
}

fn a_site(store: &Store) -> String {
    store.list(Kind::Site).unwrap()[0].id.clone()
}

#[test]
fn darwin_core_dates_are_read_with_their_precision_and_written_back_unchanged() {
    for (given, precision, until, written) in [
        (
            "2019-05-02T07:10:00+08:00",
            None,
            None,
            "2019-05-02T07:10:00+08:00",
        ),
        ("2019-05-02", Some(DatePrecision::Day), None, "2019-05-02"),
        ("2019-05", Some(DatePrecision::Month), None, "2019-05"),
        ("2019", Some(DatePrecision::Year), None, "2019"),
        (
            "2019-05-01/2019-05-15",
            Some(DatePrecision::Day),
            Some("2019-05-15"),
            "2019-05-01/2019-05-15",
        ),
        (
            "2019-05-01/15",
            Some(DatePrecision::Day),
            Some("2019-05-15"),
            "2019-05-01/2019-05-15",
        ),
        (
            "2019/2020",
            Some(DatePrecision::Year),
            Some("2020"),
            "2019/2020",
        ),
        (
            "2019-05/2019-07",
            Some(DatePrecision::Month),
            Some("2019-07"),
            "2019-05/2019-07",
        ),
        // The finer end decides: the same days, at a day's precision.
        (
            "2019-05/2019-06-15",
            Some(DatePrecision::Day),
            Some("2019-06-15"),
            "2019-05-01/2019-06-15",
        ),
        ("", Some(DatePrecision::Undated), None, ""),
    ] {
        let d = from_event_date(given).unwrap_or_else(|| panic!("{given} does not read"));
        assert_eq!(d.date_precision, precision, "{given}");
        assert_eq!(d.observed_until.as_deref(), until, "{given}");
        let o = sighting("x", 1, given);
        assert_eq!(event_date(&o), written, "{given}");
        assert!(
            dauria_core::validate::validate(&Body::Observation(o)).is_ok(),
            "{given}"
        );
    }
    for bad in [
        "2019-13",
        "2019-05-20/2019-05-01",
        "spring 1990",
        "19",
        "2019-02-30",
    ] {
        assert!(from_event_date(bad).is_none(), "{bad} should not read");
    }
    let s = span(&sighting("x", 1, "2019-02")).unwrap();
    assert_eq!(
        (s.first.to_string(), s.last.to_string()),
        ("2019-02-01".into(), "2019-02-28".into())
    );
    assert!(span(&sighting("x", 1, "")).is_none());
}

#[test]
fn inconsistent_date_fields_are_refused_naming_the_field() {
    let rules = |o: Observation| -> Vec<(String, String)> {
        dauria_core::validate::validate(&Body::Observation(o))
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    };
    let mut o = sighting("x", 1, "");
    o.observed_at = "2019-05-01T12:00:00+00:00".into();
    assert_eq!(rules(o), vec![("observed_at".into(), "undated".into())]);
    let mut o = sighting("x", 1, "2019-05-01T08:00:00+08:00");
    o.observed_until = Some("2019-05-02".into());
    assert_eq!(
        rules(o),
        vec![("observed_until".into(), "precision".into())]
    );
    let mut o = sighting("x", 1, "2019");
    o.observed_until = Some("2019-05".into());
    assert_eq!(rules(o), vec![("observed_until".into(), "format".into())]);
    let mut o = sighting("x", 1, "2019");
    o.observed_until = Some("2017".into());
    assert_eq!(rules(o), vec![("observed_until".into(), "order".into())]);
}

#[test]
fn undated_records_are_listed_last_and_never_a_first_or_last_sighting() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let site = a_site(&store);
    let undated = store
        .create(&Body::Observation(sighting(&site, 3, "")))
        .unwrap();
    store
        .create(&Body::Observation(sighting(&site, 2, "1987")))
        .unwrap();
    store
        .create(&Body::Observation(sighting(
            &site,
            1,
            "2019-05-02T07:10:00+08:00",
        )))
        .unwrap();
    let page = store
        .observations(&ObservationFilter::default(), None, 2)
        .unwrap();
    let next = store
        .observations(&ObservationFilter::default(), page.next.as_deref(), 2)
        .unwrap();
    assert_eq!(
        next.rows.last().unwrap().id,
        undated.id,
        "undated sorts last"
    );
    // A date filter leaves undated records out.
    let in_range = store
        .observations(
            &ObservationFilter {
                from: Some("1900-01-01".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap();
    assert_eq!(in_range.rows.len(), 2);
    let tally = store.species_summary(Some(&site)).unwrap();
    let row = tally
        .iter()
        .find(|r| r.scientific_name.as_deref() == Some("Otis tarda"))
        .unwrap();
    assert_eq!((row.records, row.individuals), (3, 6));
    assert_eq!(row.first_seen, "1987");
    assert_eq!(row.last_seen, "2019-05-02T07:10:00+08:00");
    // Deleting the dated ones leaves an undated group with no first or last sighting.
    for r in page
        .rows
        .iter()
        .chain(&next.rows)
        .filter(|r| r.id != undated.id)
    {
        store.delete(&r.id, &r.rev_id).unwrap();
    }
    let row = store
        .species_summary(Some(&site))
        .unwrap()
        .into_iter()
        .find(|r| r.scientific_name.as_deref() == Some("Otis tarda"))
        .unwrap();
    assert_eq!(
        (row.records, row.first_seen.as_str(), row.last_seen.as_str()),
        (1, "", "")
    );
}

#[test]
fn trends_count_a_sighting_only_in_a_period_its_whole_date_lies_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let site = a_site(&store);
    for (n, date) in [
        (1, "2019-05-02T07:10:00+08:00"),
        (10, "2019-05"),
        (100, "2019"),
        (1000, "2019-11/2020-02"),
        (10000, ""),
    ] {
        store
            .create(&Body::Observation(sighting(&site, n, date)))
            .unwrap();
    }
    let q = |by: TrendBy| TrendQuery {
        taxon: None,
        group: None,
        site: Some(site.clone()),
        country: None,
        by,
        period: Period::default(),
    };
    let by_year: Vec<(String, u64)> = trends(&store, &q(TrendBy::Year))
        .unwrap()
        .into_iter()
        .map(|p| (p.period, p.individuals))
        .collect();
    // The year knows the day, the month and the year; the range across New Year and the
    // undated record are in no year.
    assert_eq!(by_year, vec![("2019".to_string(), 111)]);
    let by_season: Vec<(String, u64)> = trends(&store, &q(TrendBy::Season))
        .unwrap()
        .into_iter()
        .map(|p| (p.period, p.individuals))
        .collect();
    // Spring 2019 has the day and May; "2019" is in no season; Nov–Feb spans two.
    assert_eq!(by_season, vec![("2019-spring".to_string(), 11)]);
    // A period that holds all of May counts it; one that holds part of it does not.
    let mut may = q(TrendBy::Year);
    may.period = Period {
        from: Some("2019-05-01".into()),
        to: Some("2019-05-31".into()),
    };
    assert_eq!(trends(&store, &may).unwrap()[0].individuals, 11);
    may.period.to = Some("2019-05-20".into());
    assert_eq!(trends(&store, &may).unwrap()[0].individuals, 1);
}

#[test]
fn revisions_say_which_schema_reads_them_and_a_mismarked_one_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let site = a_site(&store);
    store
        .create(&Body::Observation(sighting(
            &site,
            1,
            "2019-05-02T07:10:00+08:00",
        )))
        .unwrap();
    store
        .create(&Body::Observation(sighting(&site, 1, "2019-05")))
        .unwrap();
    let revs = store.outbox_after(0, 100, usize::MAX).unwrap();
    assert_eq!(
        revs.iter().map(|r| r.schema_version).collect::<Vec<_>>(),
        vec![1, 2],
        "a sighting a schema-1 laptop reads right stays schema 1"
    );
    // A revision that needs schema 2 but claims 1 is refused by the rules every receiver runs.
    let mut lying = revs[1].clone();
    lying.schema_version = 1;
    let e = dauria_core::trust::check_revision(&lying).unwrap_err();
    assert_eq!(e.code, "unsupported_schema", "{}", e.reason);
    // Fields from a newer version are kept and written back as they came.
    let json = r#"{"visit":null,"site":null,"taxon":null,"taxon_name":"x","count":1,"count_min":null,"count_max":null,"unit":"individuals","sex":null,"age":null,"behaviour":null,"lat":50.0,"lon":115.0,"uncertainty_m":null,"observed_at":"2019-05-02T07:10:00+08:00","observers":[],"detection_method":null,"notes":null,"photos":[],"habitat_code":"S2","weather":{"wind":3}}"#;
    let body = Body::from_json(Kind::Observation, json).unwrap();
    let back: serde_json::Value = serde_json::from_str(&body.to_json()).unwrap();
    assert_eq!(back["habitat_code"], "S2");
    assert_eq!(back["weather"]["wind"], 3);
}
