//! Two survey leads plan the same season on two laptops and sync through a real server: edits to
//! different records merge, edits to the same record show a conflict until a lead merges it,
//! and nothing vanishes.

use dauria_core::model::{
    Assignment, Body, BudgetLine, ExchangeRate, Person, Route, Survey, SurveyStatus, Waypoint,
};
use dauria_core::planning::{booking, budget};
use dauria_core::Store;
use dauria_system_tests::*;

fn survey(title: &str) -> Survey {
    Survey {
        title: title.into(),
        region: Some("Dauria".into()),
        target_groups: vec![],
        target_taxa: vec![],
        methods: vec!["line_transect".into()],
        start_date: Some("2027-06-01".into()),
        end_date: Some("2027-06-20".into()),
        status: SurveyStatus::Draft,
        lead: None,
        exchange_rates: vec![],
    }
}

fn line(survey: &str, category: &str, q: &str, cost: &str, currency: &str) -> Body {
    Body::BudgetLine(BudgetLine {
        survey: survey.into(),
        category: category.into(),
        description: None,
        quantity: q.into(),
        unit_cost: cost.into(),
        currency: currency.into(),
        actual: None,
    })
}

fn survey_of(store: &Store, id: &str) -> (String, Survey) {
    let c = store.get(id).unwrap().expect("the survey is there");
    match c.body {
        Some(Body::Survey(s)) => (c.rev_id, s),
        other => panic!("not a survey: {other:?}"),
    }
}

fn sync(l: &mut Laptop, server: &ServerProcess) {
    l.sync_via(&server.url(), quick_options())
        .unwrap_or_else(|e| panic!("{} syncs: {e}", l.name));
}

#[test]
fn two_leads_plan_on_two_laptops_and_nothing_vanishes() {
    let sdir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(sdir.path(), None, None, &[]);
    let mut a = Laptop::new("lead in Chita");
    let mut b = Laptop::new("lead in Choibalsan");
    a.enroll(&server, "lead");
    b.enroll(&server, "lead");

    // Lead A sets up the survey, a person and one budget line; lead B gets them.
    let s = a
        .store
        .create(&Body::Survey(survey("Gazelle count 2027")))
        .unwrap();
    let p = a
        .store
        .create(&Body::Person(Person {
            name: "Bayarmaa".into(),
            organisation: Some("Mongol Daguur".into()),
            country: None,
            roles: vec!["field".into()],
            contact: None,
            languages: vec!["mn".into(), "ru".into()],
        }))
        .unwrap();
    a.store
        .create(&line(&s.id, "fuel", "300", "8.25", "CNY"))
        .unwrap();
    sync(&mut a, &server);
    sync(&mut b, &server);
    assert_eq!(survey_of(&b.store, &s.id).1.title, "Gazelle count 2027");

    // Offline, both edit the same survey (A the title, B the exchange rates) and different
    // records (A a budget line, B a route and two overlapping assignments).
    let (rev, mut sa) = survey_of(&a.store, &s.id);
    sa.title = "Gazelle and crane count 2027".into();
    a.store.update(&s.id, &rev, &Body::Survey(sa)).unwrap();
    a.store
        .create(&line(&s.id, "per_diem", "12", "45000", "MNT"))
        .unwrap();
    let (rev, mut sb) = survey_of(&b.store, &s.id);
    sb.exchange_rates = vec![
        ExchangeRate {
            currency: "CNY".into(),
            per_usd: "7.2".into(),
        },
        ExchangeRate {
            currency: "MNT".into(),
            per_usd: "3400".into(),
        },
    ];
    b.store.update(&s.id, &rev, &Body::Survey(sb)).unwrap();
    b.store
        .create(&Body::Route(Route {
            survey: s.id.clone(),
            name: "Torey lakes transect".into(),
            waypoints: vec![
                Waypoint {
                    name: Some("start".into()),
                    lat: 50.05,
                    lon: 115.6,
                    time: None,
                    ele: None,
                },
                Waypoint {
                    name: Some("end".into()),
                    lat: 50.2,
                    lon: 115.9,
                    time: None,
                    ele: None,
                },
            ],
            planned_date: Some("2027-06-03".into()),
            transport: Some("UAZ".into()),
        }))
        .unwrap();
    let other = b
        .store
        .create(&Body::Survey(survey("Crane nests 2027")))
        .unwrap();
    for (sv, from, to) in [
        (&s.id, "2027-06-01", "2027-06-10"),
        (&other.id, "2027-06-08", "2027-06-15"),
    ] {
        b.store
            .create(&Body::Assignment(Assignment {
                survey: sv.clone(),
                person: p.id.clone(),
                role: "field".into(),
                from: Some(from.into()),
                to: Some(to.into()),
            }))
            .unwrap();
    }

    for _ in 0..2 {
        sync(&mut a, &server);
        sync(&mut b, &server);
    }
    assert_all_on_server_once(&server, &[&a, &b]);
    assert_converged(&[&a, &b]);

    // The two edits of the survey are both kept, as a conflict on either laptop.
    for l in [&a, &b] {
        let heads = l.store.heads(&s.id).unwrap();
        assert_eq!(
            heads.len(),
            2,
            "{}: both edits of the survey are heads",
            l.name
        );
        let titles: Vec<_> = heads
            .iter()
            .map(|h| match &h.body {
                Some(Body::Survey(s)) => (s.title.clone(), s.exchange_rates.len()),
                _ => panic!("a survey head"),
            })
            .collect();
        assert!(titles.contains(&("Gazelle and crane count 2027".into(), 0)));
        assert!(titles.contains(&("Gazelle count 2027".into(), 2)));
        assert!(l
            .store
            .conflicts()
            .unwrap()
            .iter()
            .any(|(id, _)| id == &s.id));
        // The other planning records merged without a conflict: both budget lines, the route,
        // and the double booking B made is seen on A's laptop too.
        assert_eq!(budget::lines(&l.store, &s.id).unwrap().len(), 2);
        let bookings = booking::double_bookings(&l.store).unwrap();
        assert_eq!(bookings.len(), 1, "{}: {bookings:?}", l.name);
        assert_eq!(bookings[0].person_name, "Bayarmaa");
        assert_eq!(
            (bookings[0].from.to_string(), bookings[0].to.to_string()),
            ("2027-06-08".into(), "2027-06-10".into())
        );
    }

    // Lead B merges: A's title with B's rates. After a sync both laptops agree.
    let heads = b.store.heads(&s.id).unwrap();
    let mut merged = heads
        .iter()
        .find_map(|h| match &h.body {
            Some(Body::Survey(s)) if !s.exchange_rates.is_empty() => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    merged.title = "Gazelle and crane count 2027".into();
    b.store.merge(&s.id, Some(&Body::Survey(merged))).unwrap();
    sync(&mut b, &server);
    sync(&mut a, &server);
    assert_converged(&[&a, &b]);
    for l in [&a, &b] {
        assert_eq!(l.store.heads(&s.id).unwrap().len(), 1);
        let (_, sv) = survey_of(&l.store, &s.id);
        assert_eq!(sv.title, "Gazelle and crane count 2027");
        assert_eq!(sv.exchange_rates.len(), 2);
        // 300 × 8.25 CNY = 2475 CNY = 343.75 USD; 12 × 45000 MNT = 540000 MNT = 158.8235… USD.
        let total = budget::survey_budget(&l.store, &s.id, Some("USD")).unwrap();
        let usd = total.reporting.expect("a USD total").amounts.planned;
        assert_eq!(usd.to_string(), "502.57", "{}", l.name);
    }
}
