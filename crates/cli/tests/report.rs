//! `dauria-cli report` on the real binary and a real store made with the CLI itself: a site, a
//! four-hour visit with eight marmots, four samples with lab results, then each report in each
//! format against figures worked out by hand.

mod common;
use common::Cli;

/// A site in Mongol Daguur, one visit 08:00–12:00 on 1 June 2025 with 8 marmots, and four
/// samples from them for Yersinia pestis: one positive, two negative, one pending.
fn surveyed() -> Cli {
    let cli = Cli::new();
    cli.ok(&[
        "site",
        "add",
        "--name",
        "Tarbagan colony 3",
        "--at",
        "49.9 115.2",
    ]);
    cli.ok(&[
        "visit",
        "start",
        "--site",
        "Tarbagan colony 3",
        "--protocol",
        "trap line",
        "--observers",
        "B. Tsogt",
        "--time",
        "2025-06-01T08:00:00+08:00",
    ]);
    let obs = cli.ok(&[
        "obs",
        "add",
        "--taxon",
        "Marmota sibirica",
        "--count",
        "8",
        "--site",
        "Tarbagan colony 3",
        "--time",
        "2025-06-01T09:00:00+08:00",
    ]);
    let obs = obs.trim().to_string();
    cli.ok(&["visit", "end", "--time", "2025-06-01T12:00:00+08:00"]);
    for barcode in ["MN-1", "MN-2", "MN-3", "MN-4"] {
        cli.ok(&[
            "sample",
            "add",
            "--host",
            &obs,
            "--type",
            "blood",
            "--barcode",
            barcode,
            "--collected-at",
            "2025-06-01T10:00:00+08:00",
            "--pathogen",
            "Yersinia pestis",
        ]);
    }
    let results = cli.dir.path().join("results.csv");
    std::fs::write(
        &results,
        "barcode,result\nMN-1,positive\nMN-2,negative\nMN-3,negative\nMN-4,pending\n",
    )
    .unwrap();
    cli.ok(&["sample", "import-results", results.to_str().unwrap()]);
    cli
}

#[test]
fn report_trends_prints_individuals_per_hour_of_the_visit() {
    let cli = surveyed();
    let csv = cli.ok(&[
        "report",
        "trends",
        "--taxon",
        "Marmota sibirica",
        "--format",
        "csv",
    ]);
    // One visit of 4 h, no distance: 8 marmots, 2 per hour, no per-km figure.
    assert_eq!(
        csv,
        "period,records,individuals,visits,effort_km,effort_h,per_km,per_hour\n\
         2025,1,8,1,0.000,4.000,,2.0000\n"
    );
    let table = cli.ok(&["report", "trends", "--taxon", "тарбаган", "--by", "season"]);
    assert!(table.starts_with("period"), "{table}");
    assert!(table.contains("2025-summer"), "{table}");
    let json: serde_json::Value = serde_json::from_str(&cli.ok(&[
        "report",
        "trends",
        "--group",
        "small-mammal",
        "--country",
        "MN",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json[0]["per_hour"], 2.0, "{json}");
    assert_eq!(json[0]["visits"], 1, "{json}");
}

#[test]
fn report_prevalence_gives_the_wilson_interval_of_one_in_three() {
    let cli = surveyed();
    let csv = cli.ok(&["report", "prevalence", "--format", "csv"]);
    // The pending sample is not tested: 1 positive of 3. Wilson 95% (statsmodels gives
    // 0.06149194472039626, 0.7923403991979523).
    assert_eq!(
        csv,
        "pathogen,positive,tested,pending,inconclusive,prevalence,wilson_low,wilson_high\n\
         Yersinia pestis,1,3,1,0,0.333333,0.061492,0.792340\n"
    );
    let table = cli.ok(&["report", "prevalence", "--by", "site"]);
    assert!(
        table.contains("Tarbagan colony 3") && table.contains("33.3%"),
        "{table}"
    );
    let hosts = cli.ok(&["report", "hosts", "--format", "csv"]);
    assert!(
        hosts.contains("Yersinia pestis,Marmota sibirica,1,3,0.333333"),
        "{hosts}"
    );
}

#[test]
fn report_sites_and_risk_show_the_surveyed_site() {
    let cli = surveyed();
    let sites: serde_json::Value =
        serde_json::from_str(&cli.ok(&["report", "sites", "--format", "json"])).unwrap();
    let site = sites
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Tarbagan colony 3")
        .unwrap_or_else(|| panic!("no site in {sites}"));
    assert_eq!(
        (
            &site["country"],
            &site["richness"],
            &site["individuals"],
            &site["tested"],
            &site["positive"],
            &site["effort_h"]
        ),
        (
            &serde_json::json!("MN"),
            &serde_json::json!(1),
            &serde_json::json!(8),
            &serde_json::json!(3),
            &serde_json::json!(1),
            &serde_json::json!(4.0)
        )
    );
    // Plague, 2025: 8 hosts in 4 h = 2/h → 2/5 = 0.4; no fleas → 0; Wilson low 0.0615 over
    // the 0.05 reference → 1. Score (0.4 + 0 + 2·1) / 4 = 0.6, over the 0.5 threshold.
    let risk = cli.ok(&["report", "risk", "--as-of", "2025-12-31", "--format", "csv"]);
    assert_eq!(
        risk,
        "rank,site,country,score,host_rate,vector_rate,per,positive,tested,positivity_low,visits,attention\n\
         1,Tarbagan colony 3,MN,0.600,2.000,0.000,h,1,3,0.0615,1,yes\n"
    );
    // A year later the window holds nothing.
    let later = cli.ok(&["report", "risk", "--as-of", "2027-01-01", "--attention"]);
    assert_eq!(later.lines().count(), 1, "only the header: {later}");
    let progress = cli.ok(&[
        "report",
        "progress",
        "--today",
        "2025-06-02",
        "--format",
        "csv",
    ]);
    assert!(progress.contains("\nMN,1,0,0,1,0,0,0,"), "{progress}");
}

#[test]
fn report_refuses_unknown_filters_in_words() {
    let cli = surveyed();
    let err = cli.fails(&["report", "trends", "--country", "XX"]);
    assert!(err.contains("'XX' is not one of CN, MN, RU, KZ"), "{err}");
    let err = cli.fails(&["report", "risk", "--disease", "rabies"]);
    assert!(
        err.contains("no risk profile is called 'rabies'") && err.contains("plague"),
        "{err}"
    );
    let err = cli.fails(&["report", "sites", "--from", "June"]);
    assert!(err.contains("from"), "{err}");
}

#[test]
fn a_lead_lowers_the_plague_threshold_from_a_json_profile() {
    let cli = surveyed();
    let all: serde_json::Value =
        serde_json::from_str(&cli.ok(&["report", "risk-settings"])).unwrap();
    let mut plague = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["disease"] == "plague")
        .unwrap()
        .clone();
    assert_eq!(plague["threshold"], 0.5);
    // Positivity alone: the site scores 1 (its Wilson lower bound is over the reference).
    plague["host_weight"] = 0.0.into();
    plague["vector_weight"] = 0.0.into();
    plague["threshold"] = 0.95.into();
    let file = cli.dir.path().join("plague.json");
    std::fs::write(&file, plague.to_string()).unwrap();
    let saved = cli.ok(&["report", "risk-settings", "--save", file.to_str().unwrap()]);
    assert_eq!(saved.trim(), "saved the plague profile");
    let risk = cli.ok(&["report", "risk", "--as-of", "2025-12-31", "--format", "csv"]);
    assert!(risk.contains(",1.000,"), "{risk}");
    assert!(risk.trim_end().ends_with(",yes"), "{risk}");

    plague["threshold"] = 2.0.into();
    std::fs::write(&file, plague.to_string()).unwrap();
    let err = cli.fails(&["report", "risk-settings", "--save", file.to_str().unwrap()]);
    assert!(err.contains("threshold"), "{err}");

    cli.ok(&["report", "risk-settings", "--reset", "plague"]);
    let risk = cli.ok(&["report", "risk", "--as-of", "2025-12-31", "--format", "csv"]);
    assert!(risk.contains(",0.600,"), "{risk}");
}
