//! Monitoring figures on a small real store, against figures worked out by hand below; and the
//! Wilson intervals against statsmodels' `proportion_confint(method="wilson")`, an
//! implementation nobody here wrote.
//!
//! The store: three sites (A in Mongolia, B in Russia, C in China with nothing at it), five
//! visits, eleven sightings and twenty-one samples.
//!
//! | visit | site | start            | end   | effort value | km | h |
//! |-------|------|------------------|-------|--------------|----|---|
//! | V1    | A    | 2023-06-10 08:00 | 12:00 | 5 km         | 5  | 4 |
//! | V2    | A    | 2024-06-12 08:00 | 10:00 | 2 km         | 2  | 2 |
//! | V3    | A    | 2024-07-01 08:00 | 11:00 | none         | –  | 3 |
//! | V4    | B    | 2024-05-20 06:00 | 08:00 | 4000 m       | 4  | 2 |
//! | V5    | B    | 2023-12-15 09:00 | 10:00 | none         | –  | 1 |
//!
//! Sightings: V1 marmot 10, flea 30; V2 marmot 4, pika 6, marmot 7 burrows; V3 marmot 3;
//! V4 marmot 2, flea 4; V5 pika 2; at A without a visit on 2024-08-01 marmot 5; a crane at A
//! in 2024 without a visit, 2 individuals.

use chrono::NaiveDate;
use dauria_core::model::*;
use dauria_core::monitoring::*;
use dauria_core::planning::datasheet::SheetStatus;
use dauria_core::taxa::TaxonIndex;
use dauria_core::{Error, Store};
use std::path::Path;
use std::process::Command;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    marmot: String,
    pika: String,
    a: String,
    b: String,
    c: String,
}

fn site(store: &mut Store, name: &str, country: Country, lat: f64, lon: f64) -> String {
    store
        .create(&Body::Site(Site {
            name: name.into(),
            country,
            protected_area: None,
            lat,
            lon,
            uncertainty_m: None,
            elevation_m: None,
            habitat: None,
        }))
        .unwrap()
        .id
}

fn visit(
    store: &mut Store,
    site: &str,
    start: &str,
    end: &str,
    effort: Option<(f64, &str)>,
) -> String {
    store
        .create(&Body::Visit(Visit {
            survey: None,
            site: Some(site.into()),
            route: None,
            start: start.into(),
            end: Some(end.into()),
            observers: vec!["B. Tsogt".into()],
            protocol: Some("line transect".into()),
            effort_value: effort.map(|e| e.0),
            effort_unit: effort.map(|e| e.1.to_string()),
            weather: None,
            track: vec![],
        }))
        .unwrap()
        .id
}

#[allow(clippy::too_many_arguments)]
fn sighting(
    store: &mut Store,
    site: &str,
    visit: Option<&str>,
    taxon: &str,
    count: u32,
    unit: CountUnit,
    at: &str,
) -> String {
    store
        .create(&Body::Observation(Observation {
            visit: visit.map(Into::into),
            site: Some(site.into()),
            taxon: Some(taxon.into()),
            taxon_name: None,
            count: Some(count),
            count_min: None,
            count_max: None,
            unit,
            sex: None,
            age: None,
            behaviour: None,
            lat: None,
            lon: None,
            uncertainty_m: None,
            observed_at: at.into(),
            observers: vec![],
            detection_method: None,
            notes: None,
            photos: vec![],
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        }))
        .unwrap()
        .id
}

fn samples(
    store: &mut Store,
    host: &str,
    pathogen: &str,
    at: &str,
    results: &[(SampleResult, usize)],
) {
    for (result, n) in results {
        for i in 0..*n {
            store
                .create(&Body::Sample(Sample {
                    host_observation: host.into(),
                    sample_type: "blood".into(),
                    barcode: format!("{host}-{pathogen}-{result:?}-{i}"),
                    collected_at: at.into(),
                    storage: None,
                    lab: None,
                    test: Some("PCR".into()),
                    pathogen: Some(pathogen.into()),
                    result: *result,
                    result_date: None,
                }))
                .unwrap();
        }
    }
}

fn fixture() -> Fixture {
    use CountUnit::{Burrows, Individuals};
    use SampleResult::*;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let taxa = TaxonIndex::load(&store).unwrap();
    let marmot = taxa.resolve("Marmota sibirica").unwrap();
    let pika = taxa.resolve("Ochotona dauurica").unwrap();
    let flea = taxa.resolve("Oropsylla silantiewi").unwrap();
    let crane = taxa.resolve("Grus japonensis").unwrap();
    let s = &mut store;
    let a = site(s, "A Tarbagan colony", Country::MN, 49.9, 115.2);
    let b = site(s, "B Borzya steppe", Country::RU, 50.4, 116.5);
    let c = site(s, "C Hulun shore", Country::CN, 48.97, 117.43);
    let v1 = visit(
        s,
        &a,
        "2023-06-10T08:00:00+08:00",
        "2023-06-10T12:00:00+08:00",
        Some((5.0, "km")),
    );
    let v2 = visit(
        s,
        &a,
        "2024-06-12T08:00:00+08:00",
        "2024-06-12T10:00:00+08:00",
        Some((2.0, "km")),
    );
    let v3 = visit(
        s,
        &a,
        "2024-07-01T08:00:00+08:00",
        "2024-07-01T11:00:00+08:00",
        None,
    );
    let v4 = visit(
        s,
        &b,
        "2024-05-20T06:00:00+09:00",
        "2024-05-20T08:00:00+09:00",
        Some((4000.0, "m")),
    );
    let v5 = visit(
        s,
        &b,
        "2023-12-15T09:00:00+09:00",
        "2023-12-15T10:00:00+09:00",
        None,
    );
    sighting(
        s,
        &a,
        Some(&v1),
        &marmot,
        10,
        Individuals,
        "2023-06-10T09:00:00+08:00",
    );
    sighting(
        s,
        &a,
        Some(&v1),
        &flea,
        30,
        Individuals,
        "2023-06-10T09:30:00+08:00",
    );
    let marmot_a = sighting(
        s,
        &a,
        Some(&v2),
        &marmot,
        4,
        Individuals,
        "2024-06-12T08:30:00+08:00",
    );
    let pika_a = sighting(
        s,
        &a,
        Some(&v2),
        &pika,
        6,
        Individuals,
        "2024-06-12T09:00:00+08:00",
    );
    sighting(
        s,
        &a,
        Some(&v2),
        &marmot,
        7,
        Burrows,
        "2024-06-12T09:10:00+08:00",
    );
    sighting(
        s,
        &a,
        Some(&v3),
        &marmot,
        3,
        Individuals,
        "2024-07-01T09:00:00+08:00",
    );
    let marmot_b = sighting(
        s,
        &b,
        Some(&v4),
        &marmot,
        2,
        Individuals,
        "2024-05-20T07:00:00+09:00",
    );
    sighting(
        s,
        &b,
        Some(&v4),
        &flea,
        4,
        Individuals,
        "2024-05-20T07:30:00+09:00",
    );
    sighting(
        s,
        &b,
        Some(&v5),
        &pika,
        2,
        Individuals,
        "2023-12-15T09:30:00+09:00",
    );
    sighting(
        s,
        &a,
        None,
        &marmot,
        5,
        Individuals,
        "2024-08-01T10:00:00+08:00",
    );
    sighting(
        s,
        &a,
        None,
        &crane,
        2,
        Individuals,
        "2024-08-02T10:00:00+08:00",
    );
    let yp = "Yersinia pestis";
    let at_a = "2024-06-12T10:00:00+08:00";
    samples(
        s,
        &marmot_a,
        yp,
        at_a,
        &[(Positive, 3), (Negative, 6), (Pending, 1)],
    );
    samples(s, &pika_a, yp, at_a, &[(Negative, 3), (Inconclusive, 1)]);
    samples(
        s,
        &marmot_b,
        "yersinia pestis ",
        "2024-05-20T08:00:00+09:00",
        &[(Positive, 1), (Negative, 4)],
    );
    samples(
        s,
        &pika_a,
        "Francisella tularensis",
        at_a,
        &[(Positive, 1), (Negative, 1)],
    );
    Fixture {
        _dir: dir,
        store,
        marmot,
        pika,
        a,
        b,
        c,
    }
}

fn near(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} should be {b}");
}

fn near_opt(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => near(a, b, what),
        (None, None) => {}
        _ => panic!("{what}: {a:?} should be {b:?}"),
    }
}

/// (period, records, individuals, visits, km, h, per_km, per_hour)
type Expected<'a> = (&'a str, u64, u64, u64, f64, f64, Option<f64>, Option<f64>);

fn assert_trend(points: &[TrendPoint], expected: &[Expected]) {
    let got: Vec<&str> = points.iter().map(|p| p.period.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(got, want, "the periods of the trend");
    for (p, e) in points.iter().zip(expected) {
        let what = |f: &str| format!("{} {f}", e.0);
        assert_eq!(p.records, e.1, "{}", what("records"));
        assert_eq!(p.individuals, e.2, "{}", what("individuals"));
        assert_eq!(p.visits, e.3, "{}", what("visits"));
        near(p.effort_km, e.4, &what("effort km"));
        near(p.effort_h, e.5, &what("effort h"));
        near_opt(p.per_km, e.6, &what("per km"));
        near_opt(p.per_hour, e.7, &what("per hour"));
    }
}

#[test]
fn marmot_trend_per_year_divides_individuals_by_the_effort_of_every_visit_in_scope() {
    let f = fixture();
    let q = TrendQuery {
        taxon: Some(f.marmot.clone()),
        ..TrendQuery::default()
    };
    // 2023: V1 (5 km, 4 h) with 10 marmots and V5 (1 h) with none: 10/5 km, 10/5 h.
    // 2024: V2 (2 km, 2 h, 4 marmots and 7 burrows), V3 (3 h, 3), V4 (4 km, 2 h, 2) and 5
    // marmots seen without a visit: 5 records, 14 individuals; per km (4+2)/6, per hour
    // (4+3+2)/7.
    assert_trend(
        &trends(&f.store, &q).unwrap(),
        &[
            ("2023", 1, 10, 2, 5.0, 5.0, Some(2.0), Some(2.0)),
            ("2024", 5, 14, 3, 6.0, 7.0, Some(1.0), Some(9.0 / 7.0)),
        ],
    );
    // Russia only: V5 found no marmot in 2023, which is a zero per hour, not a missing point.
    let ru = TrendQuery {
        country: Some(Country::RU),
        ..q.clone()
    };
    assert_trend(
        &trends(&f.store, &ru).unwrap(),
        &[
            ("2023", 0, 0, 1, 0.0, 1.0, None, Some(0.0)),
            ("2024", 1, 2, 1, 4.0, 2.0, Some(0.5), Some(1.0)),
        ],
    );
}

#[test]
fn trend_by_season_counts_december_in_the_next_years_winter() {
    let f = fixture();
    let at_a = TrendQuery {
        taxon: Some(f.marmot.clone()),
        site: Some(f.a.clone()),
        by: TrendBy::Season,
        ..TrendQuery::default()
    };
    // Summer 2024 at A: V2 and V3 (2 km; 2 + 3 h), marmots 4 + 3 on them and 5 without a
    // visit, plus the burrows record: 4 records, 12 individuals, 4/2 per km, 7/5 per hour.
    assert_trend(
        &trends(&f.store, &at_a).unwrap(),
        &[
            ("2023-summer", 1, 10, 1, 5.0, 4.0, Some(2.0), Some(2.5)),
            ("2024-summer", 4, 12, 2, 2.0, 5.0, Some(2.0), Some(1.4)),
        ],
    );
    // Small mammals everywhere: the pikas of V5 (15 December 2023) are winter 2024.
    let small = TrendQuery {
        group: Some(TaxonGroup::SmallMammal),
        by: TrendBy::Season,
        ..TrendQuery::default()
    };
    let points = trends(&f.store, &small).unwrap();
    let winter = points.iter().find(|p| p.period == "2024-winter").unwrap();
    assert_eq!(
        (
            winter.year,
            winter.season,
            winter.records,
            winter.individuals,
            winter.visits
        ),
        (2024, Some(Season::Winter), 1, 2, 1)
    );
    near_opt(winter.per_km, None, "winter per km");
    near_opt(winter.per_hour, Some(2.0), "winter per hour");
    // Spring 2024 is V4 alone (20 May): 2 marmots on 4 km.
    let spring = points.iter().find(|p| p.period == "2024-spring").unwrap();
    near_opt(spring.per_km, Some(0.5), "spring per km");
    // A period limits the points.
    let only_2024 = TrendQuery {
        period: Period {
            from: Some("2024-01-01".into()),
            to: Some("2024-12-31".into()),
        },
        ..small
    };
    let labels: Vec<String> = trends(&f.store, &only_2024)
        .unwrap()
        .into_iter()
        .map(|p| p.period)
        .collect();
    // December 2023 is winter 2024 but lies outside the period; seasons come in time order.
    assert_eq!(labels, ["2024-spring", "2024-summer"]);
    let all: Vec<String> = points.into_iter().map(|p| p.period).collect();
    assert_eq!(
        all,
        ["2023-summer", "2024-winter", "2024-spring", "2024-summer"]
    );
}

#[test]
fn site_dashboards_count_richness_records_effort_and_samples() {
    let f = fixture();
    // The seed's reserves are sites too; these three are the test's.
    let ours = |p: &Period| -> Vec<SiteSummary> {
        site_summaries(&f.store, p)
            .unwrap()
            .into_iter()
            .filter(|s| [&f.a, &f.b, &f.c].contains(&&s.site_id))
            .collect()
    };
    let all = ours(&Period::default());
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["A Tarbagan colony", "B Borzya steppe", "C Hulun shore"]
    );
    let (a, b, c) = (&all[0], &all[1], &all[2]);
    // A: marmot, flea, pika, crane; 8 records; 10+30+4+6+3+5+2 individuals (burrows are not).
    assert_eq!(
        (
            a.site_id.as_str(),
            a.richness,
            a.records,
            a.individuals,
            a.visits
        ),
        (f.a.as_str(), 4, 8, 60, 3)
    );
    assert_eq!(a.last_visit.as_deref(), Some("2024-07-01T08:00:00+08:00"));
    near(a.effort_km, 7.0, "A km");
    near(a.effort_h, 9.0, "A h");
    // A's samples: 10 + 4 + 2; tested 9 + 3 + 2, positive 3 + 0 + 1; one pending.
    assert_eq!((a.samples, a.tested, a.positive, a.pending), (16, 14, 4, 1));
    near_opt(a.prevalence, Some(4.0 / 14.0), "A prevalence");
    assert_eq!(
        (b.country, b.richness, b.records, b.individuals, b.visits),
        (Country::RU, 3, 3, 8, 2)
    );
    assert_eq!(b.last_visit.as_deref(), Some("2024-05-20T06:00:00+09:00"));
    near(b.effort_km, 4.0, "B km (4000 m)");
    near(b.effort_h, 3.0, "B h");
    assert_eq!((b.samples, b.tested, b.positive), (5, 5, 1));
    assert_eq!(
        (c.site_id.as_str(), c.records, c.visits),
        (f.c.as_str(), 0, 0)
    );
    assert_eq!((c.last_visit.clone(), c.prevalence), (None, None));

    // 2023 only: A has V1 with its marmots and fleas, and none of the 2024 samples.
    let y2023 = Period {
        from: Some("2023-01-01".into()),
        to: Some("2023-12-31".into()),
    };
    let a23 = ours(&y2023).remove(0);
    assert_eq!(
        (
            a23.richness,
            a23.records,
            a23.individuals,
            a23.visits,
            a23.samples
        ),
        (2, 2, 40, 1, 0)
    );
    assert_eq!(a23.last_visit.as_deref(), Some("2023-06-10T08:00:00+08:00"));
}

#[test]
fn wilson_interval_matches_the_closed_forms() {
    // 0 of n: the lower bound is 0 and the upper z²/(n+z²).
    let z2 = Z_95 * Z_95;
    let (lo, hi) = wilson(0, 10, Z_95).unwrap();
    near(lo, 0.0, "0/10 low");
    near(hi, z2 / (10.0 + z2), "0/10 high");
    // n of n mirrors it.
    let (lo, hi) = wilson(10, 10, Z_95).unwrap();
    near(lo, 10.0 / (10.0 + z2), "10/10 low");
    near(hi, 1.0, "10/10 high");
    assert_eq!(wilson(0, 0, Z_95), None, "nothing tested has no interval");
    assert_eq!(
        wilson(3, 2, Z_95),
        None,
        "more positives than tested is refused"
    );
}

#[test]
fn prevalence_leaves_pending_and_inconclusive_out_of_tested() {
    let f = fixture();
    let by = |by: PrevalenceBy, pathogen: Option<&str>| {
        prevalence(
            &f.store,
            &PrevalenceQuery {
                by,
                pathogen: pathogen.map(Into::into),
                ..PrevalenceQuery::default()
            },
        )
        .unwrap()
    };
    let rows = by(PrevalenceBy::Pathogen, None);
    let summary: Vec<(&str, &str, u64, u64, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.label.as_str(),
                r.positive,
                r.tested,
                r.pending,
                r.inconclusive,
            )
        })
        .collect();
    // "yersinia pestis " from B's lab is the same pathogen, case and spaces aside.
    assert_eq!(
        summary,
        [
            (
                "francisella tularensis",
                "Francisella tularensis",
                1,
                2,
                0,
                0
            ),
            ("yersinia pestis", "Yersinia pestis", 4, 17, 1, 1),
        ]
    );
    let yp = &rows[1];
    near_opt(yp.prevalence, Some(4.0 / 17.0), "Y. pestis prevalence");
    let (lo, hi) = wilson(4, 17, Z_95).unwrap();
    near_opt(yp.wilson_low, Some(lo), "low");
    near_opt(yp.wilson_high, Some(hi), "high");

    let sites: Vec<(String, u64, u64)> = by(PrevalenceBy::Site, Some("Yersinia pestis"))
        .into_iter()
        .map(|r| (r.label, r.positive, r.tested))
        .collect();
    assert_eq!(
        sites,
        [
            ("A Tarbagan colony".to_string(), 3, 12),
            ("B Borzya steppe".to_string(), 1, 5)
        ]
    );
    let hosts: Vec<(String, String, u64, u64)> = by(PrevalenceBy::Host, Some("yersinia pestis"))
        .into_iter()
        .map(|r| (r.key, r.label, r.positive, r.tested))
        .collect();
    assert_eq!(
        hosts,
        [
            (f.marmot.clone(), "Marmota sibirica".to_string(), 4, 14),
            (f.pika.clone(), "Ochotona dauurica".to_string(), 0, 3)
        ]
    );
    let years: Vec<(String, u64, u64)> = by(PrevalenceBy::Period, None)
        .into_iter()
        .map(|r| (r.key, r.positive, r.tested))
        .collect();
    assert_eq!(years, [("2024".to_string(), 5, 19)]);
    // Filters: Russia alone is B's one positive in five.
    let ru = prevalence(
        &f.store,
        &PrevalenceQuery {
            by: PrevalenceBy::Pathogen,
            country: Some(Country::RU),
            ..PrevalenceQuery::default()
        },
    )
    .unwrap();
    assert_eq!((ru.len(), ru[0].positive, ru[0].tested), (1, 1, 5));

    let table: Vec<(String, String, u64, u64)> = hosts_by_pathogen(&f.store, &Period::default())
        .unwrap()
        .into_iter()
        .map(|h| (h.pathogen, h.host_name, h.positive, h.tested))
        .collect();
    assert_eq!(
        table,
        [
            (
                "Francisella tularensis".into(),
                "Ochotona dauurica".into(),
                1,
                2
            ),
            ("Yersinia pestis".into(), "Marmota sibirica".into(), 4, 14),
            ("Yersinia pestis".into(), "Ochotona dauurica".into(), 0, 3),
        ]
    );
}

fn plague(store: &Store) -> RiskSettings {
    risk_settings(store)
        .unwrap()
        .into_iter()
        .find(|s| s.disease == "plague")
        .unwrap()
}

#[test]
fn plague_risk_ranks_sites_by_host_and_vector_rates_and_recent_positivity() {
    let f = fixture();
    let end_2024 = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let ranked = risk(&f.store, &plague(&f.store), end_2024).unwrap();
    // The window is 2024 (12 months to 31 December); V1 and V5 are outside it.
    // A: V2 and V3, 2 km: hosts 4 marmots + 6 pikas on V2 = 5/km → 0.5; no fleas → 0;
    //    Y. pestis 3/12, Wilson low 0.08894 ≥ 0.05 → 1. Score (1·0.5 + 1·0 + 2·1)/4 = 0.625.
    // B: V4, 4 km: 2 marmots = 0.5/km → 0.05; 4 fleas = 1/km → 0.2; 1/5, Wilson low
    //    0.03622 → 0.72448. Score (0.05 + 0.2 + 2·0.72448)/4 = 0.42474.
    // C has no data and is not ranked.
    assert_eq!(ranked.len(), 2, "{ranked:#?}");
    let (a, b) = (&ranked[0], &ranked[1]);
    assert_eq!((a.site_id.as_str(), a.rank, a.visits), (f.a.as_str(), 1, 2));
    assert_eq!(a.per.as_deref(), Some("km"));
    near_opt(a.host_rate, Some(5.0), "A host rate");
    near_opt(a.host_component, Some(0.5), "A host component");
    near_opt(a.vector_rate, Some(0.0), "A vector rate");
    assert_eq!((a.positive, a.tested), (3, 12));
    let a_low = wilson(3, 12, Z_95).unwrap().0;
    assert!((a_low - 0.088_94).abs() < 1e-4, "3/12 low is {a_low}");
    near_opt(a.positivity_component, Some(1.0), "A positivity component");
    near(a.score, 0.625, "A score");
    assert!(a.over_threshold);

    assert_eq!((b.site_id.as_str(), b.rank, b.visits), (f.b.as_str(), 2, 1));
    near_opt(b.host_rate, Some(0.5), "B host rate");
    near_opt(b.vector_rate, Some(1.0), "B vector rate");
    near_opt(b.vector_component, Some(0.2), "B vector component");
    let b_low = wilson(1, 5, Z_95).unwrap().0;
    assert!((b_low - 0.036_22).abs() < 1e-4, "1/5 low is {b_low}");
    near_opt(b.positivity_component, Some(b_low / 0.05), "B positivity");
    near(b.score, (0.05 + 0.2 + 2.0 * b_low / 0.05) / 4.0, "B score");
    assert!(!b.over_threshold, "B scores {} under 0.5", b.score);

    let attention = needs_attention_sites(&f.store, end_2024).unwrap();
    let listed: Vec<(&str, &str)> = attention
        .iter()
        .map(|r| (r.disease.as_str(), r.site_name.as_str()))
        .collect();
    assert_eq!(listed, [("plague", "A Tarbagan colony")]);
}

#[test]
fn a_leads_risk_settings_change_the_threshold_and_are_checked() {
    let f = fixture();
    let end_2024 = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let mut s = plague(&f.store);
    s.threshold = 0.4;
    save_risk_settings(&f.store, &s).unwrap();
    assert_eq!(
        plague(&f.store).threshold,
        0.4,
        "the saved profile is read back"
    );
    let names: Vec<String> = needs_attention_sites(&f.store, end_2024)
        .unwrap()
        .into_iter()
        .map(|r| r.site_name)
        .collect();
    assert_eq!(names, ["A Tarbagan colony", "B Borzya steppe"]);

    // With positivity alone, A's positivity component (1) is its score.
    let mut only_positivity = s.clone();
    only_positivity.host_weight = 0.0;
    only_positivity.vector_weight = 0.0;
    let r = risk(&f.store, &only_positivity, end_2024).unwrap();
    near(r[0].score, 1.0, "A positivity only");

    let mut bad = s.clone();
    bad.threshold = 1.5;
    bad.host_weight = 0.0;
    bad.vector_weight = 0.0;
    bad.positivity_weight = 0.0;
    bad.positivity_ref = 0.0;
    let Err(Error::Invalid(errs)) = save_risk_settings(&f.store, &bad) else {
        panic!("bad settings were saved");
    };
    let mut fields: Vec<(String, String)> = errs.into_iter().map(|e| (e.field, e.rule)).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("host_weight".into(), "required".into()),
            ("positivity_ref".into(), "range".into()),
            ("threshold".into(), "range".into()),
        ]
    );
    reset_risk_settings(&f.store, "plague").unwrap();
    assert_eq!(plague(&f.store).threshold, 0.5, "back to the default");
}

#[test]
fn country_progress_counts_records_per_group_against_the_deadlines() {
    let mut f = fixture();
    let mn = f
        .store
        .list(Kind::Checklist)
        .unwrap()
        .into_iter()
        .find(|c| matches!(&c.body, Some(Body::Checklist(l)) if l.country == Country::MN))
        .unwrap();
    let Some(Body::Checklist(mut list)) = mn.body else {
        unreachable!()
    };
    list.deadlines = vec![
        Deadline {
            title: "2024 data sheet".into(),
            due: "2024-06-10".into(),
            submitted: false,
        },
        Deadline {
            title: "2023 data sheet".into(),
            due: "2023-12-01".into(),
            submitted: true,
        },
    ];
    f.store
        .update(&mn.id, &mn.rev_id, &Body::Checklist(list))
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let rows = country_progress(&f.store, today).unwrap();
    let countries: Vec<Country> = rows.iter().map(|r| r.country).collect();
    assert_eq!(countries, Country::ALL);
    let group = |r: &CountryProgress, g: TaxonGroup| {
        r.by_group
            .iter()
            .find(|x| x.group == Some(g))
            .unwrap()
            .records
    };
    let cn = &rows[0];
    let mn = &rows[1];
    let ru = &rows[2];
    // Mongolia (site A): 6 small-mammal records (burrows included), 1 flea record, 1 crane.
    assert_eq!(mn.records, 8);
    assert_eq!(group(mn, TaxonGroup::SmallMammal), 6);
    assert_eq!(group(mn, TaxonGroup::Vector), 1);
    assert_eq!(group(mn, TaxonGroup::Bird), 1);
    assert_eq!(mn.status, SheetStatus::Due);
    assert_eq!(mn.days_left, Some(9));
    assert_eq!(
        mn.next_deadline.as_ref().map(|d| d.title.as_str()),
        Some("2024 data sheet")
    );
    assert_eq!(mn.deadlines.len(), 2);
    assert_eq!((ru.records, group(ru, TaxonGroup::SmallMammal)), (3, 2));
    assert_eq!((ru.status, ru.days_left), (SheetStatus::OnTrack, None));
    assert_eq!(cn.records, 0);
}

#[test]
fn a_report_after_a_new_sighting_or_a_deletion_counts_it() {
    let mut f = fixture();
    let q = TrendQuery {
        taxon: Some(f.marmot.clone()),
        site: Some(f.b.clone()),
        ..TrendQuery::default()
    };
    let before = trends(&f.store, &q).unwrap();
    assert_eq!(before.last().map(|p| p.individuals), Some(2));
    let id = sighting(
        &mut f.store,
        &f.b.clone(),
        None,
        &f.marmot.clone(),
        9,
        CountUnit::Individuals,
        "2024-09-01T10:00:00+09:00",
    );
    let after = trends(&f.store, &q).unwrap();
    assert_eq!(
        after.last().map(|p| (p.records, p.individuals)),
        Some((2, 11))
    );
    let rev = f.store.get(&id).unwrap().unwrap().rev_id;
    f.store.delete(&id, &rev).unwrap();
    let again = trends(&f.store, &q).unwrap();
    assert_eq!(
        again.last().map(|p| (p.records, p.individuals)),
        Some((1, 2))
    );
}

#[test]
fn a_period_that_is_not_a_date_is_refused() {
    let f = fixture();
    let bad = Period {
        from: Some("last spring".into()),
        to: None,
    };
    assert!(matches!(
        site_summaries(&f.store, &bad),
        Err(Error::Invalid(_))
    ));
}

/// Wilson intervals computed by statsmodels for the same counts.
#[test]
fn wilson_intervals_match_statsmodels_proportion_confint() {
    if std::env::var_os("DAURIA_SKIP_PY").is_some() {
        eprintln!("DAURIA_SKIP_PY is set: the comparison with statsmodels is skipped");
        return;
    }
    let cases: [(u64, u64); 12] = [
        (0, 1),
        (1, 1),
        (0, 10),
        (3, 12),
        (1, 5),
        (4, 17),
        (5, 19),
        (50, 100),
        (1, 1000),
        (999, 1000),
        (7, 50_000),
        (12_345, 50_000),
    ];
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let script = r#"
import json, sys
from statsmodels.stats.proportion import proportion_confint
cases = json.loads(sys.argv[1])
print(json.dumps([list(proportion_confint(x, n, alpha=0.05, method="wilson")) for x, n in cases]))
"#;
    let arg = serde_json::to_string(&cases).unwrap();
    let out = Command::new(&py)
        .args(["-c", script, &arg])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): run scripts/setup.sh test to make the Python test \
                 environment with statsmodels, or set DAURIA_SKIP_PY=1 to skip this comparison",
                py.display()
            )
        });
    assert!(
        out.status.success(),
        "statsmodels in {} could not compute the intervals (run scripts/setup.sh test, or set \
         DAURIA_SKIP_PY=1 to skip): {}",
        py.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<(f64, f64)> = serde_json::from_slice(&out.stdout).unwrap();
    for ((x, n), (lo, hi)) in cases.iter().zip(theirs) {
        let (ours_lo, ours_hi) = wilson(*x, *n, Z_95).unwrap();
        assert!(
            (ours_lo - lo).abs() < 1e-12 && (ours_hi - hi).abs() < 1e-12,
            "{x}/{n}: ours ({ours_lo}, {ours_hi}), statsmodels ({lo}, {hi})"
        );
    }
}
