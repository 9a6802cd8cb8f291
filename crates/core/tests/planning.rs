//! Survey planning on real stores in temporary folders: budget arithmetic, double-booking,
//! progress, timeline, the data-sheet dashboard, GPX import/export, and two laptops merging.

use chrono::NaiveDate;
use dauria_core::model::*;
use dauria_core::planning::budget::{self, Rates};
use dauria_core::planning::datasheet::{self, SheetStatus};
use dauria_core::planning::timeline::{self, Activity};
use dauria_core::planning::{booking, gpx, progress};
use dauria_core::{Error, Store};
use dauria_proto::Revision;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn survey_body(title: &str, start: &str, end: &str) -> Survey {
    Survey {
        title: title.into(),
        region: Some("Dauria".into()),
        target_groups: vec![TaxonGroup::SmallMammal],
        target_taxa: vec![],
        methods: vec!["live trapping".into()],
        start_date: Some(start.into()),
        end_date: Some(end.into()),
        status: SurveyStatus::Draft,
        lead: None,
        exchange_rates: vec![],
    }
}

fn add_survey(store: &mut Store, title: &str, start: &str, end: &str) -> String {
    store
        .create(&Body::Survey(survey_body(title, start, end)))
        .unwrap()
        .id
}

fn add_person(store: &mut Store, name: &str) -> String {
    store
        .create(&Body::Person(Person {
            name: name.into(),
            organisation: Some("Daursky reserve".into()),
            country: Some(Country::RU),
            roles: vec!["zoologist".into()],
            contact: None,
            languages: vec!["ru".into()],
        }))
        .unwrap()
        .id
}

fn assign(store: &mut Store, survey: &str, person: &str, from: Option<&str>, to: Option<&str>) {
    store
        .create(&Body::Assignment(Assignment {
            survey: survey.into(),
            person: person.into(),
            role: "field".into(),
            from: from.map(Into::into),
            to: to.map(Into::into),
        }))
        .unwrap();
}

fn line(survey: &str, category: &str, q: &str, c: &str, cur: &str, actual: Option<&str>) -> Body {
    Body::BudgetLine(BudgetLine {
        survey: survey.into(),
        category: category.into(),
        description: None,
        quantity: q.into(),
        unit_cost: c.into(),
        currency: cur.into(),
        actual: actual.map(Into::into),
    })
}

fn rate(c: &str, v: &str) -> ExchangeRate {
    ExchangeRate {
        currency: c.into(),
        per_usd: v.into(),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A survey with rates and five lines in five currencies (the hand arithmetic is in the test).
fn budgeted_survey(store: &mut Store) -> String {
    let mut s = survey_body("Tarbagan plague 2026", "2026-06-01", "2026-06-20");
    s.exchange_rates = vec![
        rate("MNT", "3400"),
        rate("CNY", "7.2"),
        rate("RUB", "90"),
        rate("KZT", "500"),
    ];
    let id = store.create(&Body::Survey(s)).unwrap().id;
    for b in [
        line(&id, "fuel", "420", "2850.50", "MNT", Some("1200000")),
        line(&id, "per diem", "12", "150", "CNY", None),
        line(
            &id,
            "laboratory tests",
            "30",
            "1450.75",
            "RUB",
            Some("41000.00"),
        ),
        line(&id, "permits", "1", "25000.5", "KZT", None),
        line(&id, "transport", "3", "199.995", "USD", None),
    ] {
        store.create(&b).unwrap();
    }
    id
}

#[test]
fn budget_totals_per_currency_category_and_reporting_currency_match_hand_arithmetic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let id = budgeted_survey(&mut store);

    let b = budget::survey_budget(&store, &id, Some("USD")).unwrap();
    assert_eq!(b.lines, 5);
    let cur: Vec<(&str, Decimal)> = b
        .per_currency
        .iter()
        .map(|t| (t.key.as_str(), t.amounts.planned))
        .collect();
    // 420 × 2850.50 = 1 197 210 MNT; 12 × 150 = 1800 CNY; 30 × 1450.75 = 43 522.50 RUB;
    // 1 × 25 000.5 = 25 000.5 KZT → 25 001 (half-up to whole tenge; banker's would give 25 000);
    // 3 × 199.995 = 599.985 USD → 599.99 (half-up; banker's would give 599.98).
    assert_eq!(
        cur,
        vec![
            ("CNY", d("1800.00")),
            ("KZT", d("25001")),
            ("MNT", d("1197210")),
            ("RUB", d("43522.50")),
            ("USD", d("599.99")),
        ]
    );
    // In USD: 1 197 210 / 3400 = 352.1205…; 1800 / 7.2 = 250; 43 522.5 / 90 = 483.5833…;
    // 25 000.5 / 500 = 50.001; 599.985. Exact sum 1735.68992… → 1735.69.
    let cat: Vec<(&str, Decimal)> = b
        .per_category
        .iter()
        .map(|t| (t.key.as_str(), t.amounts.planned))
        .collect();
    assert_eq!(
        cat,
        vec![
            ("fuel", d("352.12")),
            ("laboratory tests", d("483.58")),
            ("per diem", d("250.00")),
            ("permits", d("50.00")),
            ("transport", d("599.99")),
        ]
    );
    let total = b.reporting.as_ref().unwrap();
    assert_eq!(total.currency, "USD");
    assert_eq!(total.amounts.planned, d("1735.69"));
    // Actual: 1 200 000 / 3400 + 41 000 / 90 = 352.9411… + 455.5555… = 808.4967… → 808.50.
    assert_eq!(total.amounts.actual, d("808.50"));
    assert_eq!(total.amounts.lines_without_actual, 3);

    // In MNT (whole tögrög): 1 197 210 + 850 000 + 1 644 183.33… + 170 003.4 + 2 039 949
    // = 5 901 345.73… → 5 901 346.
    let mnt = budget::survey_budget(&store, &id, Some("mnt")).unwrap();
    assert_eq!(mnt.reporting.unwrap().amounts.planned, d("5901346"));
    // In CNY: cross rates through USD, 12 496.9674… → 12 496.97; permits 360.0072 → 360.01.
    let cny = budget::survey_budget(&store, &id, Some("CNY")).unwrap();
    assert_eq!(cny.reporting.unwrap().amounts.planned, d("12496.97"));
    let permits = cny
        .per_category
        .iter()
        .find(|t| t.key == "permits")
        .unwrap();
    assert_eq!(permits.amounts.planned, d("360.01"));
}

#[test]
fn totals_are_rounded_once_after_summing_not_line_by_line() {
    let rates = Rates::new(&[]).unwrap();
    let half_cent = |s: &str| BudgetLine {
        survey: s.into(),
        category: "equipment".into(),
        description: None,
        quantity: "1".into(),
        unit_cost: "0.005".into(),
        currency: "USD".into(),
        actual: None,
    };
    let b = budget::summarise(&[half_cent("s"), half_cent("s")], &rates, Some("USD")).unwrap();
    assert_eq!(
        b.reporting.unwrap().amounts.planned,
        d("0.01"),
        "0.005 + 0.005 = 0.010, not 0.01 + 0.01"
    );
    assert_eq!(budget::round_money(d("0.005"), "USD"), d("0.01"));
    assert_eq!(budget::round_money(d("2.5"), "KZT"), d("3"));
    assert_eq!(budget::minor_unit("MNT"), 0);
    assert_eq!(budget::minor_unit("RUB"), 2);
}

#[test]
fn reporting_in_a_currency_without_a_rate_says_which_rate_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let id = add_survey(&mut store, "Cranes", "2026-05-01", "2026-05-10");
    store
        .create(&line(&id, "fuel", "10", "3000", "MNT", None))
        .unwrap();
    // Per-currency totals need no rate.
    let b = budget::survey_budget(&store, &id, None).unwrap();
    assert_eq!(b.per_currency[0].amounts.planned, d("30000"));
    let err = budget::survey_budget(&store, &id, Some("USD")).unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(_)) && err.to_string().contains("no exchange rate for MNT"),
        "{err}"
    );
    let err = budget::survey_budget(&store, &id, Some("EUR")).unwrap_err();
    assert!(err.to_string().contains("not one of CNY"), "{err}");
}

#[test]
fn person_booked_on_overlapping_dates_is_reported_with_both_surveys_and_the_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let a = add_survey(&mut store, "Torey lakes cranes", "2026-06-01", "2026-06-15");
    let b = add_survey(
        &mut store,
        "Mongol Daguur marmots",
        "2026-06-10",
        "2026-06-25",
    );
    let c = add_survey(&mut store, "Autumn gazelles", "2026-09-01", "2026-09-10");
    let olga = add_person(&mut store, "Olga Kirilyuk");
    let bat = add_person(&mut store, "Bat-Erdene");
    // Olga: the whole of A (survey dates) and 12–20 June in B → 12–15 June overlap.
    assign(&mut store, &a, &olga, None, None);
    assign(
        &mut store,
        &b,
        &olga,
        Some("2026-06-12"),
        Some("2026-06-20"),
    );
    assign(&mut store, &c, &olga, None, None);
    // Bat-Erdene: A until 9 June, B from 10 June: adjacent, not overlapping.
    assign(&mut store, &a, &bat, None, Some("2026-06-09"));
    assign(&mut store, &b, &bat, Some("2026-06-10"), None);

    let all = booking::double_bookings(&store).unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    let w = &all[0];
    assert_eq!(w.person, olga);
    assert_eq!(
        (w.from, w.to),
        (
            NaiveDate::from_ymd_opt(2026, 6, 12).unwrap(),
            NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
        )
    );
    assert_eq!(w.days(), 4);
    let mut surveys = [w.first_survey.clone(), w.second_survey.clone()];
    surveys.sort();
    let mut want = [a.clone(), b.clone()];
    want.sort();
    assert_eq!(surveys, want);
    let msg = w.message();
    for part in [
        "Olga Kirilyuk",
        "Torey lakes cranes",
        "Mongol Daguur marmots",
        "2026-06-12",
        "2026-06-15",
        "4 days",
    ] {
        assert!(msg.contains(part), "{msg:?} should mention {part}");
    }
    assert_eq!(booking::for_survey(&store, &c).unwrap(), vec![]);
    assert_eq!(booking::for_survey(&store, &b).unwrap().len(), 1);
}

#[test]
fn progress_counts_visits_records_and_effort_of_the_survey_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let s = add_survey(&mut store, "Pikas", "2026-06-01", "2026-06-05");
    let other = add_survey(&mut store, "Other", "2026-06-01", "2026-06-05");
    let visit = |survey: &str, end: Option<&str>, km: f64| {
        Body::Visit(Visit {
            survey: Some(survey.into()),
            site: None,
            route: None,
            start: "2026-06-01T07:00:00+09:00".into(),
            end: end.map(Into::into),
            observers: vec![],
            protocol: Some("line transect".into()),
            effort_value: Some(km),
            effort_unit: Some("km".into()),
            weather: None,
            track: vec![],
        })
    };
    let v1 = store
        .create(&visit(&s, Some("2026-06-01T10:30:00+09:00"), 4.5))
        .unwrap()
        .id;
    store.create(&visit(&s, None, 2.0)).unwrap();
    let v3 = store
        .create(&visit(&other, Some("2026-06-01T09:00:00+09:00"), 9.0))
        .unwrap()
        .id;
    let obs = |visit: &str, count: u32| {
        Body::Observation(Observation {
            visit: Some(visit.into()),
            site: None,
            taxon: None,
            taxon_name: Some("Ochotona dauurica".into()),
            count: Some(count),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: Some(50.1),
            lon: Some(115.2),
            uncertainty_m: None,
            observed_at: "2026-06-01T08:00:00+09:00".into(),
            observers: vec![],
            detection_method: None,
            notes: None,
            photos: vec![],
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        })
    };
    store.create(&obs(&v1, 3)).unwrap();
    store.create(&obs(&v1, 4)).unwrap();
    store.create(&obs(&v3, 100)).unwrap();
    store
        .create(&Body::Route(Route {
            survey: s.clone(),
            name: "north".into(),
            waypoints: vec![wp(50.0, 115.0), wp(50.0, 115.1)],
            planned_date: Some("2026-06-02".into()),
            transport: None,
        }))
        .unwrap();
    let p = progress::progress(&store, &s).unwrap();
    assert_eq!((p.visits, p.visits_done, p.records), (2, 1, 2));
    assert_eq!(p.individuals, 7);
    assert_eq!(p.effort.get("km"), Some(&6.5));
    assert_eq!(p.hours, 3.5);
    assert_eq!(p.routes_planned, 1);
    // 0.1° of longitude at 50° N is about 7.15 km.
    assert!((p.routes_km - 7.15).abs() < 0.05, "{}", p.routes_km);
}

fn wp(lat: f64, lon: f64) -> Waypoint {
    Waypoint {
        name: None,
        lat,
        lon,
        time: None,
        ele: None,
    }
}

#[test]
fn timeline_orders_survey_route_and_assignment_items_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let a = add_survey(&mut store, "Cranes", "2026-06-01", "2026-06-15");
    let b = add_survey(&mut store, "Marmots", "2026-05-20", "2026-05-30");
    let olga = add_person(&mut store, "Olga");
    assign(&mut store, &a, &olga, Some("2026-06-03"), None);
    store
        .create(&Body::Route(Route {
            survey: a.clone(),
            name: "Torey shore".into(),
            waypoints: vec![wp(50.0, 115.0)],
            planned_date: Some("2026-06-02".into()),
            transport: Some("UAZ".into()),
        }))
        .unwrap();
    let all = timeline::schedule(&store, None).unwrap();
    let got: Vec<(&str, Activity, &str, &str)> = all
        .iter()
        .map(|i| {
            (
                i.label.as_str(),
                i.activity,
                i.start.as_str(),
                i.end.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Marmots", Activity::Survey, "2026-05-20", "2026-05-30"),
            ("Cranes", Activity::Survey, "2026-06-01", "2026-06-15"),
            ("Torey shore", Activity::Route, "2026-06-02", "2026-06-02"),
            (
                "Olga (field)",
                Activity::Assignment,
                "2026-06-03",
                "2026-06-15"
            ),
        ]
    );
    let only_b = timeline::schedule(&store, Some(&b)).unwrap();
    assert_eq!(only_b.len(), 1);
}

#[test]
fn data_sheet_dashboard_counts_records_per_country_and_grades_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let deadline = |due: &str, submitted: bool| Deadline {
        title: format!("data sheet {due}"),
        due: due.into(),
        submitted,
    };
    let plan = [
        (
            Country::RU,
            vec![deadline("2026-06-10", false), deadline("2026-09-01", false)],
        ),
        (Country::MN, vec![deadline("2026-05-15", false)]),
        (Country::CN, vec![deadline("2026-05-01", true)]),
        (Country::KZ, vec![deadline("2026-07-01", false)]),
    ];
    for (id, c) in store
        .list(Kind::Checklist)
        .unwrap()
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Checklist(b)) => Some((c.id, (c.rev_id, b))),
            _ => None,
        })
        .collect::<Vec<_>>()
    {
        let (rev, mut body) = c;
        if let Some((_, ds)) = plan.iter().find(|(country, _)| *country == body.country) {
            body.deadlines = ds.clone();
            store.update(&id, &rev, &Body::Checklist(body)).unwrap();
        }
    }
    let sites: Vec<(String, Country)> = store
        .list(Kind::Site)
        .unwrap()
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Site(s)) => Some((c.id, s.country)),
            _ => None,
        })
        .collect();
    let ru_site = sites.iter().find(|s| s.1 == Country::RU).unwrap().0.clone();
    for _ in 0..3 {
        store
            .create(&Body::Observation(Observation {
                visit: None,
                site: Some(ru_site.clone()),
                taxon: None,
                taxon_name: Some("Grus japonensis".into()),
                count: Some(2),
                count_min: None,
                count_max: None,
                unit: CountUnit::Pairs,
                sex: None,
                age: None,
                behaviour: None,
                lat: None,
                lon: None,
                uncertainty_m: None,
                observed_at: "2026-05-20T06:00:00+09:00".into(),
                observers: vec![],
                detection_method: None,
                notes: None,
                photos: vec![],
                date_precision: None,
                observed_until: None,
                source: None,
                extra: Default::default(),
            }))
            .unwrap();
    }
    let rows = datasheet::dashboard(&store, today).unwrap();
    let row = |c: Country| rows.iter().find(|r| r.country == c).unwrap();
    assert_eq!(row(Country::RU).records, 3);
    assert_eq!(row(Country::MN).records, 0);
    assert_eq!(row(Country::RU).status, SheetStatus::Due, "9 days away");
    assert_eq!(
        row(Country::RU).next_deadline.as_ref().unwrap().due,
        "2026-06-10"
    );
    assert_eq!(row(Country::MN).status, SheetStatus::Overdue);
    assert_eq!(row(Country::CN).status, SheetStatus::Submitted);
    assert_eq!(
        row(Country::KZ).status,
        SheetStatus::OnTrack,
        "30 days away"
    );
    // The edge: exactly 14 days ahead is due, 15 is on track.
    let (_, st) = datasheet::status(&[deadline("2026-06-15", false)], today);
    assert_eq!(st, SheetStatus::Due);
    let (_, st) = datasheet::status(&[deadline("2026-06-16", false)], today);
    assert_eq!(st, SheetStatus::OnTrack);
}

#[test]
fn garmin_gpx_with_extensions_imports_routes_waypoints_and_a_track_as_a_visit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let s = add_survey(&mut store, "Torey lakes", "2026-06-12", "2026-06-20");
    let file = std::fs::File::open(fixture("garmin_etrex_daursky.gpx")).unwrap();
    let sum = gpx::import(&mut store, &s, file, "garmin_etrex_daursky").unwrap();
    assert_eq!(
        sum.routes.len(),
        2,
        "one <rte> and one route of loose waypoints"
    );
    assert_eq!(sum.visits.len(), 1);
    assert_eq!(sum.points, 3 + 2 + 6);

    let route = match store.get(&sum.routes[0]).unwrap().unwrap().body {
        Some(Body::Route(r)) => r,
        other => panic!("expected a route, got {other:?}"),
    };
    assert_eq!(route.name, "Torey lakes transect");
    let names: Vec<_> = route
        .waypoints
        .iter()
        .map(|w| w.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["T0", "T1", "T2"]);
    let wpts = match store.get(&sum.routes[1]).unwrap().unwrap().body {
        Some(Body::Route(r)) => r,
        other => panic!("expected a route, got {other:?}"),
    };
    assert_eq!(wpts.waypoints[0].name.as_deref(), Some("TRB-01"));
    assert_eq!(wpts.waypoints[0].ele, Some(612.4));

    let v = match store.get(&sum.visits[0]).unwrap().unwrap().body {
        Some(Body::Visit(v)) => v,
        other => panic!("expected a visit, got {other:?}"),
    };
    assert_eq!(v.survey.as_deref(), Some(s.as_str()));
    assert_eq!(v.track.len(), 6);
    assert_eq!(v.start, "2026-06-12T23:05:12Z");
    assert_eq!(v.end.as_deref(), Some("2026-06-13T00:05:12Z"));
    assert_eq!(sum.track_hours, 1.0);
    // Distance within each segment, not across the gap between them.
    let seg_km = dauria_core::planning::length_km(&v.track[..3])
        + dauria_core::planning::length_km(&v.track[3..]);
    let joined_km = dauria_core::planning::length_km(&v.track);
    assert!(joined_km > seg_km);
    assert_eq!(v.effort_unit.as_deref(), Some("km"));
    let effort = v.effort_value.unwrap();
    assert!((effort - seg_km).abs() < 0.001, "{effort} vs {seg_km}");
    assert!(
        effort > 0.5 && effort < 2.0,
        "{effort} km is not plausible here"
    );
    let p = progress::progress(&store, &s).unwrap();
    assert_eq!(p.hours, 1.0);
}

#[test]
fn a_file_that_is_not_gpx_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let s = add_survey(&mut store, "x", "2026-06-12", "2026-06-20");
    let err = gpx::import(&mut store, &s, &b"<html>captive portal</html>"[..], "x").unwrap_err();
    assert!(err.to_string().contains("not a GPX file"), "{err}");
    assert_eq!(progress::progress(&store, &s).unwrap().routes_planned, 0);
}

fn survey_with_route_and_track(store: &mut Store) -> String {
    let s = add_survey(store, "Round trip", "2026-06-01", "2026-06-03");
    store
        .create(&Body::Route(Route {
            survey: s.clone(),
            name: "Ulz river".into(),
            waypoints: vec![
                Waypoint {
                    name: Some("start".into()),
                    ..wp(49.937_212_5, 115.512_345_678)
                },
                wp(49.95, 115.55),
                Waypoint {
                    name: Some("ford".into()),
                    ele: Some(640.5),
                    ..wp(49.961, 115.601)
                },
            ],
            planned_date: Some("2026-06-02".into()),
            transport: None,
        }))
        .unwrap();
    let track: Vec<Waypoint> = (0..25)
        .map(|i| Waypoint {
            time: Some(format!(
                "2026-06-02T0{}:{:02}:00Z",
                1 + i / 12,
                (i % 12) * 5
            )),
            ele: Some(600.0 + i as f64),
            ..wp(49.93 + i as f64 * 0.001, 115.5 + i as f64 * 0.0013)
        })
        .collect();
    store
        .create(&Body::Visit(Visit {
            survey: Some(s.clone()),
            site: None,
            route: None,
            start: "2026-06-02T01:00:00Z".into(),
            end: Some("2026-06-02T03:00:00Z".into()),
            observers: vec![],
            protocol: Some("line transect".into()),
            effort_value: None,
            effort_unit: None,
            weather: None,
            track,
        }))
        .unwrap();
    s
}

fn same_point(a: &Waypoint, b: &Waypoint) -> bool {
    let t = |w: &Waypoint| {
        w.time
            .as_deref()
            .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap())
    };
    a.lat == b.lat && a.lon == b.lon && a.ele == b.ele && a.name == b.name && t(a) == t(b)
}

#[test]
fn gpx_export_then_import_gives_the_same_points() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Store::open(d1.path()).unwrap();
    let s = survey_with_route_and_track(&mut a);
    let mut bytes = Vec::new();
    let out = gpx::export(&a, &s, &mut bytes).unwrap();
    assert_eq!((out.routes, out.tracks, out.points), (1, 1, 28));

    let mut b = Store::open(d2.path()).unwrap();
    let s2 = add_survey(&mut b, "Imported", "2026-06-01", "2026-06-03");
    let sum = gpx::import(&mut b, &s2, &bytes[..], "export").unwrap();
    assert_eq!((sum.routes.len(), sum.visits.len(), sum.points), (1, 1, 28));

    let route = |st: &Store, id: &str| match st.get(id).unwrap().unwrap().body {
        Some(Body::Route(r)) => r,
        other => panic!("{other:?}"),
    };
    let original = a
        .list(Kind::Route)
        .unwrap()
        .into_iter()
        .find_map(|c| match c.body {
            Some(Body::Route(r)) if r.survey == s => Some(r),
            _ => None,
        })
        .unwrap();
    let back = route(&b, &sum.routes[0]);
    assert_eq!(back.name, original.name);
    assert_eq!(back.waypoints.len(), original.waypoints.len());
    for (x, y) in original.waypoints.iter().zip(&back.waypoints) {
        assert!(same_point(x, y), "route point changed: {x:?} → {y:?}");
    }
    let visit = |st: &Store, survey: &str| {
        st.list(Kind::Visit)
            .unwrap()
            .into_iter()
            .find_map(|c| match c.body {
                Some(Body::Visit(v)) if v.survey.as_deref() == Some(survey) => Some(v),
                _ => None,
            })
            .unwrap()
    };
    let (v1, v2) = (visit(&a, &s), visit(&b, &s2));
    assert_eq!(v1.track.len(), v2.track.len());
    for (x, y) in v1.track.iter().zip(&v2.track) {
        assert!(same_point(x, y), "track point changed: {x:?} → {y:?}");
    }
    assert_eq!(v2.start, "2026-06-02T01:00:00Z");
    assert_eq!(v2.end.as_deref(), Some("2026-06-02T03:00:00Z"));
}

/// The project's Python environment with gpxpy (as scripts/setup.sh makes it).
fn python_with_gpxpy() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join(".venv/bin/python");
    let has = |py: &Path| {
        Command::new(py)
            .args(["-c", "import gpxpy"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has(&py) {
        if !py.exists() {
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(root.join(".venv"))
                .status()
                .expect("python3 is needed to check GPX with gpxpy");
            assert!(ok.success(), "python3 -m venv .venv failed");
        }
        let ok = Command::new(root.join(".venv/bin/pip"))
            .args(["install", "-q", "gpxpy"])
            .status()
            .unwrap();
        assert!(ok.success(), "pip install gpxpy failed");
    }
    py
}

#[test]
fn exported_gpx_is_read_by_gpxpy_with_matching_point_counts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let s = survey_with_route_and_track(&mut store);
    let file = dir.path().join("survey.gpx");
    let out = gpx::export(&store, &s, std::fs::File::create(&file).unwrap()).unwrap();
    let script = "import sys, gpxpy\n\
        g = gpxpy.parse(open(sys.argv[1], encoding='utf-8'))\n\
        print(g.version, len(g.routes), sum(len(r.points) for r in g.routes), len(g.tracks), \
        sum(len(s.points) for t in g.tracks for s in t.segments), \
        g.tracks[0].segments[0].points[0].time.isoformat(), g.routes[0].points[2].name)";
    let res = Command::new(python_with_gpxpy())
        .args(["-c", script])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&res.stdout);
    assert!(
        res.status.success(),
        "gpxpy could not read the export:\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert_eq!(out.points, 28);
    assert_eq!(
        stdout.trim(),
        "1.1 1 3 1 25 2026-06-02T01:00:00+00:00 ford",
        "gpxpy saw different counts than were exported"
    );
}

fn copy_to(from: &Store, to: &mut Store) {
    let revs: Vec<Revision> = from.outbox_after(0, 10_000, usize::MAX).unwrap();
    to.apply_remote(&revs, &[]).unwrap();
}

#[test]
fn planning_edits_on_two_laptops_merge_and_concurrent_survey_edits_show_a_conflict() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Store::open(d1.path()).unwrap();
    let mut b = Store::open(d2.path()).unwrap();
    let s = a
        .create(&Body::Survey(survey_body(
            "Joint survey",
            "2026-06-01",
            "2026-06-15",
        )))
        .unwrap();
    copy_to(&a, &mut b);
    // Lead A budgets, lead B staffs, on separate laptops.
    a.create(&line(&s.id, "fuel", "100", "2850", "MNT", None))
        .unwrap();
    let olga = add_person(&mut b, "Olga");
    assign(&mut b, &s.id, &olga, None, None);
    // Both change the survey's exchange rates and status at once.
    let mut sa = survey_body("Joint survey", "2026-06-01", "2026-06-15");
    sa.exchange_rates = vec![rate("MNT", "3400")];
    a.update(&s.id, &s.rev_id, &Body::Survey(sa.clone()))
        .unwrap();
    let mut sb = survey_body("Joint survey", "2026-06-01", "2026-06-15");
    sb.status = SurveyStatus::Approved;
    b.update(&s.id, &s.rev_id, &Body::Survey(sb)).unwrap();
    copy_to(&a, &mut b);
    copy_to(&b, &mut a);

    for st in [&a, &b] {
        assert_eq!(budget::lines(st, &s.id).unwrap().len(), 1);
        assert_eq!(progress::progress(st, &s.id).unwrap().team, 1);
        let cur = st.get(&s.id).unwrap().unwrap();
        assert!(
            cur.conflict,
            "concurrent survey edits are kept as a conflict"
        );
        assert_eq!(st.heads(&s.id).unwrap().len(), 2);
    }
    // A lead merges: rates from A, status from B.
    let mut merged = sa;
    merged.status = SurveyStatus::Approved;
    a.merge(&s.id, Some(&Body::Survey(merged))).unwrap();
    copy_to(&a, &mut b);
    for st in [&a, &b] {
        assert!(!st.get(&s.id).unwrap().unwrap().conflict);
        let total = budget::survey_budget(st, &s.id, Some("USD")).unwrap();
        // 100 × 2850 = 285 000 MNT / 3400 = 83.8235… → 83.82 USD.
        assert_eq!(total.reporting.unwrap().amounts.planned, d("83.82"));
        let sv = dauria_core::planning::survey(st, &s.id).unwrap();
        assert_eq!(sv.status, SurveyStatus::Approved);
    }
}
