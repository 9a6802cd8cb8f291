//! `dauria-cli survey`, `gpx` and `budget` as a survey lead would use them: the real binary on
//! a real store in a temporary folder.

use std::path::Path;
mod common;
use common::Cli;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/garmin_etrex_daursky.gpx")
}

#[test]
fn a_lead_plans_staffs_and_budgets_a_survey_and_sees_it_in_show_and_budget() {
    let cli = Cli::new();
    assert!(cli.ok(&["survey", "list"]).contains("no surveys yet"));
    let s = cli.id(&[
        "survey",
        "add",
        "--title",
        "Torey lakes cranes",
        "--region",
        "Daursky",
        "--start",
        "2026-06-01",
        "--end",
        "2026-06-15",
        "--method",
        "point count",
        "--method",
        "line transect",
        "--group",
        "bird",
    ]);
    let m = cli.id(&[
        "survey",
        "add",
        "--title",
        "Mongol Daguur marmots",
        "--start",
        "2026-06-10",
        "--end",
        "2026-06-25",
        "--group",
        "small mammal",
    ]);
    let list = cli.ok(&["survey", "list"]);
    assert!(list.contains(&s) && list.contains("Torey lakes cranes") && list.contains("draft"));
    assert!(
        list.find("Torey").unwrap() < list.find("Mongol").unwrap(),
        "by start date\n{list}"
    );

    cli.id(&[
        "survey",
        "assign",
        &s,
        "--person",
        "Olga Kirilyuk",
        "--role",
        "lead",
    ]);
    cli.id(&[
        "survey",
        "assign",
        &s,
        "--person",
        "Bat-Erdene",
        "--to",
        "2026-06-09",
    ]);
    cli.id(&[
        "survey",
        "assign",
        &m,
        "--person",
        "olga kirilyuk",
        "--from",
        "2026-06-12",
    ]);
    cli.ok(&[
        "survey",
        "rate",
        &s,
        "--currency",
        "MNT",
        "--per-usd",
        "3400",
    ]);
    cli.ok(&[
        "survey",
        "rate",
        &s,
        "--currency",
        "cny",
        "--per-usd",
        "7.2",
    ]);
    cli.id(&[
        "survey",
        "budget-line",
        &s,
        "--category",
        "fuel",
        "--quantity",
        "420",
        "--unit-cost",
        "2850.50",
        "--currency",
        "MNT",
        "--actual",
        "1200000",
    ]);
    cli.id(&[
        "survey",
        "budget-line",
        &s,
        "--category",
        "per diem",
        "--quantity",
        "12",
        "--unit-cost",
        "150",
        "--currency",
        "CNY",
    ]);
    cli.id(&[
        "survey",
        "budget-line",
        &s,
        "--category",
        "transport",
        "--quantity",
        "3",
        "--unit-cost",
        "199.995",
        "--currency",
        "USD",
    ]);

    let b = cli.ok(&["budget", "--survey", &s, "--currency", "USD"]);
    // 420 × 2850.50 = 1 197 210 MNT = 352.12 USD; 12 × 150 = 1800 CNY = 250 USD;
    // 3 × 199.995 = 599.985 → 599.99 USD; total 352.1205… + 250 + 599.985 = 1202.1055… → 1202.11.
    for want in [
        "1197210 MNT",
        "1200000 MNT",
        "1800.00 CNY",
        "599.99 USD",
        "352.12 USD",
        "250.00 USD",
        "1202.11 USD",
        "2 line(s) without actual",
    ] {
        assert!(b.contains(want), "budget should show {want}\n{b}");
    }
    let total_line = b.lines().find(|l| l.starts_with("total")).unwrap();
    assert!(total_line.contains("1202.11 USD"), "{total_line}");

    let show = cli.ok(&["survey", "show", &s]);
    for want in [
        "Torey lakes cranes",
        "point count, line transect",
        "bird",
        "Olga Kirilyuk",
        "Bat-Erdene",
        "1197210 MNT",
        "2026-06-09",
        "Double bookings",
        "Mongol Daguur marmots",
        "2026-06-12 to 2026-06-15 (4 days)",
    ] {
        assert!(
            show.contains(want),
            "survey show should mention {want}\n{show}"
        );
    }
    assert_eq!(
        show.matches("warning:").count(),
        1,
        "Bat-Erdene's days do not overlap\n{show}"
    );
}

#[test]
fn budget_and_show_errors_say_what_to_fix() {
    let cli = Cli::new();
    let s = cli.id(&["survey", "add", "--title", "Gazelles"]);
    cli.id(&[
        "survey",
        "budget-line",
        &s,
        "--category",
        "fuel",
        "--quantity",
        "10",
        "--unit-cost",
        "3000",
        "--currency",
        "MNT",
    ]);
    let err = cli.fails(&["budget", "--survey", &s, "--currency", "USD"]);
    assert!(err.contains("no exchange rate for MNT"), "{err}");
    let err = cli.fails(&["budget", "--survey", "nope"]);
    assert!(err.contains("survey list"), "{err}");
    let err = cli.fails(&[
        "survey",
        "budget-line",
        &s,
        "--category",
        "fuel",
        "--quantity",
        "ten",
        "--unit-cost",
        "1",
        "--currency",
        "MNT",
    ]);
    assert!(err.contains("quantity") && err.contains("decimal"), "{err}");
    let err = cli.fails(&[
        "survey",
        "budget-line",
        &s,
        "--category",
        "fuel",
        "--quantity",
        "1",
        "--unit-cost",
        "1",
        "--currency",
        "EUR",
    ]);
    assert!(err.contains("CNY, MNT, RUB, KZT, USD"), "{err}");
    let err = cli.fails(&["survey", "add", "--title", "x", "--group", "fish"]);
    assert!(err.contains("small_mammal"), "{err}");
    let err = cli.fails(&["survey", "add", "--title", "x", "--start", "1 June"]);
    assert!(err.contains("2026-06-01"), "{err}");
}

#[test]
fn gpx_from_a_garmin_unit_imports_into_a_survey_and_exports_again() {
    let cli = Cli::new();
    let s = cli.id(&["survey", "add", "--title", "Torey", "--start", "2026-06-12"]);
    let out = cli.ok(&["gpx", "import", fixture().to_str().unwrap(), "--survey", &s]);
    assert!(
        out.contains("imported 2 route(s) and 1 track(s) (11 points") && out.contains("1.00 h"),
        "{out}"
    );
    let show = cli.ok(&["survey", "show", &s]);
    assert!(show.contains("routes    2 planned"), "{show}");
    assert!(show.contains("1 done of 1"), "{show}");
    assert!(show.contains(" km, 1.0 h"), "{show}");

    let file = cli.dir.path().join("torey.gpx");
    let out = cli.ok(&["gpx", "export", "--survey", &s, file.to_str().unwrap()]);
    assert!(
        out.contains("wrote 2 route(s) and 1 track(s) (11 points)"),
        "{out}"
    );
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("version=\"1.1\"") && xml.contains("Torey lakes transect"));

    // The exported file imports into another survey with the same counts.
    let t = cli.id(&["survey", "add", "--title", "Copy"]);
    let out = cli.ok(&["gpx", "import", file.to_str().unwrap(), "--survey", &t]);
    assert!(
        out.contains("imported 2 route(s) and 1 track(s) (11 points"),
        "{out}"
    );

    let bad = cli.dir.path().join("notes.gpx");
    std::fs::write(&bad, "just some notes").unwrap();
    let err = cli.fails(&["gpx", "import", bad.to_str().unwrap(), "--survey", &s]);
    assert!(err.contains("not a GPX file"), "{err}");
    let err = cli.fails(&["gpx", "import", "/nonexistent.gpx", "--survey", &s]);
    assert!(err.contains("cannot open /nonexistent.gpx"), "{err}");
}
