//! `dauria-cli visit` as a field team uses it: the real binary on a real store in a temporary
//! folder. A visit is started, sightings are logged into it, it is ended with its effort; a visit
//! is made from a GPX track afterwards; bad input is refused with nothing changed.

mod common;
use common::Cli;

impl Cli {
    fn visits(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["visit", "list", "--format", "json"])).unwrap()
    }

    fn file(&self, name: &str, content: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.to_string_lossy().into_owned()
    }
}

fn survey(cli: &Cli) -> String {
    cli.id(&[
        "survey",
        "add",
        "--title",
        "Torey lakes cranes",
        "--start",
        "2026-06-01",
        "--end",
        "2026-06-15",
    ])
}

#[test]
fn a_visit_started_holds_the_sightings_logged_until_it_ends_with_its_effort() {
    let cli = Cli::new();
    let s = survey(&cli);
    let v = cli.id(&[
        "visit",
        "start",
        "--survey",
        &s,
        "--site",
        "daursky",
        "--protocol",
        "line transect",
        "--observers",
        "O. Goroshko,A. Batsaikhan",
        "--time",
        "2026-06-03T06:00:00+09:00",
    ]);
    let second = cli.fails(&[
        "visit",
        "start",
        "--protocol",
        "point count",
        "--observers",
        "X",
    ]);
    assert!(
        second.contains("still open") && second.contains(&v),
        "{second}"
    );

    let mut sightings = Vec::new();
    for (taxon, n, at) in [
        ("Grus japonensis", "2", "2026-06-03T06:30:00+09:00"),
        ("Grus vipio", "4", "2026-06-03T07:10:00+09:00"),
        ("Anser cygnoides", "30", "2026-06-03T08:05:00+09:00"),
    ] {
        sightings.push(cli.id(&[
            "obs", "add", "--taxon", taxon, "--count", n, "--site", "daursky", "--time", at,
        ]));
    }
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["obs", "list", "--format", "json"])).unwrap();
    for id in &sightings {
        let row = list.iter().find(|r| r["id"] == *id.as_str()).unwrap();
        assert_eq!(
            row["observation"]["visit"],
            *v.as_str(),
            "{id} belongs to the visit"
        );
    }

    let before_end = cli.fails(&["visit", "end", "--time", "2026-06-03T05:00:00+09:00"]);
    assert!(before_end.contains("before the start"), "{before_end}");
    assert!(
        cli.visits()[0]["open"].as_bool().unwrap(),
        "still open after a refused end"
    );

    let ended = cli.ok(&["visit", "end", "--time", "2026-06-03T09:30:00+09:00"]);
    assert!(ended.contains(&v) && ended.contains("3.50 h"), "{ended}");
    let after = cli.id(&[
        "obs",
        "add",
        "--taxon",
        "Grus vipio",
        "--count",
        "1",
        "--site",
        "daursky",
        "--time",
        "2026-06-03T10:00:00+09:00",
    ]);
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&cli.ok(&["obs", "list", "--format", "json"])).unwrap();
    let row = list.iter().find(|r| r["id"] == *after.as_str()).unwrap();
    assert!(
        row["observation"]["visit"].is_null(),
        "after the end, no visit"
    );

    let visits = cli.visits();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0]["visit"]["effort_value"], 3.5);
    assert_eq!(visits[0]["visit"]["effort_unit"], "h");
    assert_eq!(visits[0]["visit"]["protocol"], "line transect");
    let table = cli.ok(&["visit", "list"]);
    assert!(
        table.contains("line transect") && table.contains("O. Goroshko, A. Batsaikhan"),
        "{table}"
    );
    let show = cli.ok(&["survey", "show", &s]);
    assert!(
        show.contains("3.5"),
        "survey progress shows the effort:\n{show}"
    );
    assert!(cli.fails(&["visit", "end"]).contains("no visit is open"));
}

#[test]
fn a_visit_along_a_planned_route_takes_its_length() {
    let cli = Cli::new();
    let s = survey(&cli);
    let gpx = cli.file(
        "route.gpx",
        r#"<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
  <rte><name>North shore</name>
    <rtept lat="49.5" lon="117.5"/><rtept lat="49.5" lon="117.52"/><rtept lat="49.52" lon="117.52"/>
  </rte></gpx>"#,
    );
    cli.ok(&["gpx", "import", &gpx, "--survey", &s]);
    let v = cli.id(&[
        "visit",
        "start",
        "--route",
        "north shore",
        "--protocol",
        "line transect",
        "--observers",
        "O. Goroshko",
        "--time",
        "2026-06-04T06:00:00+09:00",
    ]);
    let ended = cli.ok(&["visit", "end", "--time", "2026-06-04T08:00:00+09:00"]);
    // 1.444309 km east along 49.5° N plus 2.223902 km north (haversine, worked by hand).
    assert!(
        ended.contains("3.668 km (route)") && ended.contains("2.00 h"),
        "{ended}"
    );
    let visits = cli.visits();
    let row = visits.iter().find(|r| r["id"] == *v.as_str()).unwrap();
    assert_eq!(row["visit"]["survey"], *s.as_str(), "the route's survey");
    assert_eq!(row["visit"]["effort_unit"], "km");
}

#[test]
fn a_visit_is_made_from_a_gpx_track_afterwards_and_bad_tracks_change_nothing() {
    let cli = Cli::new();
    let s = survey(&cli);
    let gpx = cli.file(
        "walk.gpx",
        r#"<?xml version="1.0"?>
<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Morning transect</name><trkseg>
    <trkpt lat="49.0" lon="117.0"><time>2026-06-02T22:00:00Z</time></trkpt>
    <trkpt lat="49.01" lon="117.0"><time>2026-06-02T22:40:00Z</time></trkpt>
    <trkpt lat="49.01" lon="117.01"><time>2026-06-02T23:15:00Z</time></trkpt>
  </trkseg></trk></gpx>"#,
    );
    let untimed = cli.file(
        "drawn.gpx",
        r#"<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Drawn</name><trkseg><trkpt lat="49" lon="117"/><trkpt lat="49.1" lon="117"/></trkseg></trk></gpx>"#,
    );
    let err = cli.fails(&["visit", "from-gpx", &untimed, "--survey", &s]);
    assert!(err.contains("track Drawn has no point times"), "{err}");
    assert!(cli.visits().is_empty(), "nothing saved");

    let out = cli.ok(&[
        "visit",
        "from-gpx",
        &gpx,
        "--survey",
        &s,
        "--protocol",
        "line transect",
        "--observers",
        "O. Goroshko",
    ]);
    // 1.111951 km north plus 0.729359 km east along 49.01° N, in 1 h 15 min.
    assert!(
        out.contains("1.25 h") && out.contains("1.841 km (track)"),
        "{out}"
    );
    let v = &cli.visits()[0];
    assert_eq!(v["visit"]["start"], "2026-06-02T22:00:00Z");
    assert_eq!(v["visit"]["end"], "2026-06-02T23:15:00Z");
    assert_eq!(v["visit"]["track"].as_array().unwrap().len(), 3);
    assert_eq!(v["open"], false);
    // A visit from a file leaves no visit open.
    assert!(cli.fails(&["visit", "end"]).contains("no visit is open"));
}
