//! (g) Every monitoring report over a store of `rows` observations on visits and `rows / 20`
//! samples (1,000,000 and 50,000 by default), against a plain `SELECT count(*)` over the same
//! observation rows in the same run.

use crate::{line, ms, p50_p95, Line, SplitMix};
use anyhow::Result;
use chrono::NaiveDate;
use dauria_core::model::*;
use dauria_core::monitoring::{self, Period, PrevalenceBy, PrevalenceQuery, TrendBy, TrendQuery};
use dauria_core::Store;
use std::path::Path;
use std::time::{Duration, Instant};

/// Sightings per visit: a trap line or a transect records a few dozen.
const PER_VISIT: usize = 20;
const SITES: usize = 200;

fn site(i: usize, rng: &mut SplitMix) -> Body {
    let (country, lat, lon) = match i % 3 {
        0 => (Country::MN, 49.0 + rng.below(900) as f64 / 1000.0, 113.0),
        1 => (Country::RU, 50.3 + rng.below(900) as f64 / 1000.0, 116.5),
        _ => (Country::CN, 48.5 + rng.below(900) as f64 / 1000.0, 117.5),
    };
    Body::Site(Site {
        name: format!("Bench site {i:03}"),
        country,
        protected_area: None,
        lat,
        lon,
        uncertainty_m: None,
        elevation_m: None,
        habitat: Some("steppe".into()),
    })
}

/// Builds the store: sites, visits over eleven years with effort in km or hours, sightings
/// weighted towards the plague hosts and fleas, and samples from small-mammal sightings.
fn build(dir: &Path, rows: usize) -> Result<(Store, usize)> {
    let mut store = Store::open(dir)?;
    let mut rng = SplitMix(0x5eed_2026);
    let taxa: Vec<(String, TaxonGroup)> = store
        .list(Kind::Taxon)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Taxon(t)) if t.group != TaxonGroup::Pathogen => Some((c.id, t.group)),
            _ => None,
        })
        .collect();
    let mut sites = Vec::new();
    {
        let mut b = store.batch()?;
        for i in 0..SITES {
            sites.push(b.create(&site(i, &mut rng))?.id);
        }
        b.commit()?;
    }
    let visits = rows.div_ceil(PER_VISIT);
    let mut hosts: Vec<String> = Vec::new();
    let mut made = 0;
    let chunk = 2_000; // visits per transaction
    for start in (0..visits).step_by(chunk) {
        let mut b = store.batch()?;
        for _ in start..(start + chunk).min(visits) {
            let site = &sites[rng.below(SITES as u64) as usize];
            let year = 2015 + rng.below(11);
            let month = 1 + rng.below(12);
            let day = 1 + rng.below(28);
            let hours = 1 + rng.below(6);
            let by_km = rng.below(2) == 0;
            let visit = b
                .create(&Body::Visit(Visit {
                    survey: None,
                    site: Some(site.clone()),
                    route: None,
                    start: format!("{year}-{month:02}-{day:02}T07:00:00+08:00"),
                    end: Some(format!(
                        "{year}-{month:02}-{day:02}T{:02}:00:00+08:00",
                        7 + hours
                    )),
                    observers: vec!["Bat-Erdene".into()],
                    protocol: Some(if by_km { "line transect" } else { "trap line" }.into()),
                    effort_value: Some(if by_km {
                        1.0 + rng.below(80) as f64 / 10.0
                    } else {
                        hours as f64
                    }),
                    effort_unit: Some(if by_km { "km" } else { "h" }.into()),
                    weather: None,
                    track: vec![],
                }))?
                .id;
            for k in 0..PER_VISIT {
                if made == rows {
                    break;
                }
                made += 1;
                let (taxon, group) = &taxa[rng.below(taxa.len() as u64) as usize];
                let id = b
                    .create(&Body::Observation(Observation {
                        visit: Some(visit.clone()),
                        site: Some(site.clone()),
                        taxon: Some(taxon.clone()),
                        taxon_name: None,
                        count: Some(rng.below(12) as u32 + 1),
                        count_min: None,
                        count_max: None,
                        unit: if k % 10 == 9 {
                            CountUnit::Burrows
                        } else {
                            CountUnit::Individuals
                        },
                        sex: None,
                        age: None,
                        behaviour: None,
                        lat: None,
                        lon: None,
                        uncertainty_m: None,
                        observed_at: format!(
                            "{year}-{month:02}-{day:02}T{:02}:{:02}:00+08:00",
                            7 + rng.below(hours),
                            rng.below(60)
                        ),
                        observers: vec!["Bat-Erdene".into()],
                        detection_method: Some("visual".into()),
                        notes: None,
                        photos: vec![],
                        date_precision: None,
                        observed_until: None,
                        source: None,
                        extra: Default::default(),
                    }))?
                    .id;
                if *group == TaxonGroup::SmallMammal {
                    hosts.push(id);
                }
            }
        }
        b.commit()?;
    }
    let samples = rows / 20;
    let pathogens = [
        "Yersinia pestis",
        "Yersinia pestis",
        "Francisella tularensis",
        "Orthohantavirus hantanense",
    ];
    let mut b = store.batch()?;
    for i in 0..samples {
        let host = &hosts[rng.below(hosts.len() as u64) as usize];
        let result = match rng.below(100) {
            0..=4 => SampleResult::Positive,
            5..=14 => SampleResult::Pending,
            15..=16 => SampleResult::Inconclusive,
            _ => SampleResult::Negative,
        };
        b.create(&Body::Sample(Sample {
            host_observation: host.clone(),
            sample_type: "blood".into(),
            barcode: format!("B-{i:06}"),
            collected_at: format!(
                "{}-{:02}-15T10:00:00+08:00",
                2015 + rng.below(11),
                1 + rng.below(12)
            ),
            storage: None,
            lab: None,
            test: Some("PCR".into()),
            pathogen: Some(pathogens[i % pathogens.len()].into()),
            result,
            result_date: None,
        }))?;
    }
    b.commit()?;
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")?;
    Ok((store, samples))
}

fn time(runs: usize, mut f: impl FnMut() -> Result<usize>) -> Result<(Duration, Duration, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        n = f()?;
        times.push(t.elapsed());
    }
    let (p50, p95) = p50_p95(times);
    Ok((p50, p95, n))
}

/// Builds the store (in `keep`, when given and not built yet, so repeated runs reuse it) and
/// times each report `runs` times.
pub fn bench_reports(
    work: &Path,
    keep: Option<&Path>,
    rows: usize,
    runs: usize,
    out: &mut Vec<Line>,
) -> Result<()> {
    let dir = keep.map_or_else(|| work.join("monitoring"), Path::to_path_buf);
    let built = dir.join("built");
    let store = if built.exists() {
        Store::open(&dir)?
    } else {
        let t = Instant::now();
        let (store, samples) = build(&dir, rows)?;
        std::fs::write(&built, rows.to_string())?;
        eprintln!(
            "(g) store with {rows} observations and {samples} samples made in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        store
    };
    let count = |sql: &str| -> Result<usize> {
        Ok(store
            .connection()
            .query_row(sql, [], |r| r.get::<_, i64>(0))? as usize)
    };
    let (base50, base95, n) = time(runs, || {
        count("SELECT count(*) FROM observation WHERE deleted = 0")
    })?;
    anyhow::ensure!(n == rows, "the store holds {n} observations, not {rows}");
    out.push(line(
        format!("(g) baseline: SELECT count(*) over {rows} observations, p50 / p95"),
        format!("{:.2} / {:.2} ms", ms(base50), ms(base95)),
        "",
        None,
    ));
    let marmot = dauria_core::taxa::TaxonIndex::load(&store)?.resolve("Marmota sibirica")?;
    let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).expect("a date");
    let plague = monitoring::risk_settings(&store)?
        .into_iter()
        .find(|s| s.disease == "plague")
        .expect("plague has a default profile");
    let all = Period::default();
    type Report<'a> = (&'a str, Box<dyn Fn() -> Result<usize> + 'a>);
    let reports: Vec<Report> = vec![
        (
            "trends, one taxon, by year",
            Box::new(|| {
                let q = TrendQuery {
                    taxon: Some(marmot.clone()),
                    ..TrendQuery::default()
                };
                Ok(monitoring::trends(&store, &q)?.len())
            }),
        ),
        (
            "trends, small mammals, by season",
            Box::new(|| {
                let q = TrendQuery {
                    group: Some(TaxonGroup::SmallMammal),
                    by: TrendBy::Season,
                    ..TrendQuery::default()
                };
                Ok(monitoring::trends(&store, &q)?.len())
            }),
        ),
        (
            "trends, every taxon, one country, by year",
            Box::new(|| {
                let q = TrendQuery {
                    country: Some(Country::MN),
                    ..TrendQuery::default()
                };
                Ok(monitoring::trends(&store, &q)?.len())
            }),
        ),
        (
            "site dashboards",
            Box::new(|| Ok(monitoring::site_summaries(&store, &all)?.len())),
        ),
        (
            "prevalence by site",
            Box::new(|| {
                let q = PrevalenceQuery {
                    by: PrevalenceBy::Site,
                    ..PrevalenceQuery::default()
                };
                Ok(monitoring::prevalence(&store, &q)?.len())
            }),
        ),
        (
            "prevalence by host, Y. pestis",
            Box::new(|| {
                let q = PrevalenceQuery {
                    by: PrevalenceBy::Host,
                    pathogen: Some("Yersinia pestis".into()),
                    ..PrevalenceQuery::default()
                };
                Ok(monitoring::prevalence(&store, &q)?.len())
            }),
        ),
        (
            "prevalence by season",
            Box::new(|| {
                let q = PrevalenceQuery {
                    by: PrevalenceBy::Period,
                    period_by: TrendBy::Season,
                    ..PrevalenceQuery::default()
                };
                Ok(monitoring::prevalence(&store, &q)?.len())
            }),
        ),
        (
            "hosts by pathogen",
            Box::new(|| Ok(monitoring::hosts_by_pathogen(&store, &all)?.len())),
        ),
        (
            "risk, plague",
            Box::new(|| Ok(monitoring::risk(&store, &plague, as_of)?.len())),
        ),
        (
            "needs attention (every disease)",
            Box::new(|| Ok(monitoring::needs_attention_sites(&store, as_of)?.len())),
        ),
        (
            "country progress",
            Box::new(|| Ok(monitoring::country_progress(&store, as_of)?.len())),
        ),
    ];
    // The first report after a change reads the store into the snapshot the others share.
    let (cold50, cold95, _) = time(runs.min(5), || {
        monitoring::forget_snapshot();
        let q = TrendQuery {
            taxon: Some(marmot.clone()),
            ..TrendQuery::default()
        };
        Ok(monitoring::trends(&store, &q)?.len())
    })?;
    eprintln!(
        "(g) first report after a change: p50 {:.1} ms, p95 {:.1} ms",
        ms(cold50),
        ms(cold95)
    );
    out.push(line(
        "(g) first report after a change (reads the snapshot), p50 / p95",
        format!(
            "{:.1} / {:.1} ms ({:.1}× count(*))",
            ms(cold50),
            ms(cold95),
            ms(cold95) / ms(base95).max(1e-3)
        ),
        "",
        None,
    ));
    for (what, f) in &reports {
        let (p50, p95, n) = time(runs, f)?;
        eprintln!("(g) {what}: p50 {:.1} ms, p95 {:.1} ms", ms(p50), ms(p95));
        out.push(line(
            format!("(g) {what} ({n} rows), p50 / p95"),
            format!(
                "{:.1} / {:.1} ms ({:.3}× count(*))",
                ms(p50),
                ms(p95),
                ms(p95) / ms(base95).max(1e-3)
            ),
            "p95 <= 300 ms",
            Some(p95 <= Duration::from_millis(300)),
        ));
    }
    Ok(())
}
