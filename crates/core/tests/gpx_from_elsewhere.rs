//! GPX files as other programs write them: GPX 1.0 from GPSBabel and older Garmin software
//! (with `course` and `speed`, which GPX 1.1 dropped), GPX 1.1 with every optional element and
//! vendor extensions, and a file saved with a UTF-8 byte-order mark.

use dauria_core::planning::gpx::read;

/// As GPSBabel 1.4 writes GPX 1.0 from a Garmin unit.
const GPSBABEL_GPX10: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx
  version="1.0"
  creator="GPSBabel - http://www.gpsbabel.org"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://www.topografix.com/GPX/1/0"
  xsi:schemaLocation="http://www.topografix.com/GPX/1/0 http://www.topografix.com/GPX/1/0/gpx.xsd">
<time>2009-06-12T09:15:44Z</time>
<bounds minlat="49.950000000" minlon="115.450000000" maxlat="50.120000000" maxlon="115.720000000"/>
<wpt lat="50.120000000" lon="115.720000000">
  <ele>612.400000</ele>
  <time>2009-06-10T03:12:00Z</time>
  <name>KORDON</name>
  <cmt>Кордон Кулусутай</cmt>
  <desc>Кордон Кулусутай</desc>
  <sym>Flag</sym>
</wpt>
<rte>
  <name>TOREI</name>
  <number>1</number>
<rtept lat="50.100000000" lon="115.600000000">
  <name>R001</name>
  <sym>Waypoint</sym>
</rtept>
<rtept lat="49.950000000" lon="115.450000000">
  <name>R002</name>
</rtept>
</rte>
<trk>
  <name>ACTIVE LOG</name>
  <number>1</number>
<trkseg>
<trkpt lat="50.001000000" lon="115.500000000">
  <ele>601.0</ele>
  <time>2009-06-11T00:30:00Z</time>
  <course>45.000000</course>
  <speed>1.250000</speed>
  <fix>3d</fix>
  <sat>7</sat>
</trkpt>
<trkpt lat="50.010000000" lon="115.510000000">
  <ele>603.5</ele>
  <time>2009-06-11T01:30:00Z</time>
  <course>44.000000</course>
  <speed>1.100000</speed>
</trkpt>
</trkseg>
</trk>
</gpx>
"#;

/// GPX 1.1 with the optional elements of a point and vendor extensions, as a Garmin unit,
/// OsmAnd or a converter writes them, saved with a byte-order mark.
fn gpx11_with_everything() -> String {
    format!(
        "\u{feff}{}",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="OsmAnd 4.6"
     xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
     xmlns:osmand="https://osmand.net">
  <metadata>
    <name>Дальний маршрут</name>
    <author><name>Ivanova</name></author>
    <copyright author="CMRC"><year>2026</year></copyright>
    <time>2026-06-01T00:00:00Z</time>
    <bounds minlat="49.9" minlon="115.4" maxlat="50.2" maxlon="115.8"/>
    <extensions><osmand:color>#ff0000</osmand:color></extensions>
  </metadata>
  <wpt lat="49.9501" lon="115.4502">
    <ele>620.5</ele>
    <time>2026-06-01T01:02:03.500Z</time>
    <magvar>8.4</magvar>
    <geoidheight>-31.2</geoidheight>
    <name><![CDATA[Сурчина №3]]></name>
    <cmt>колония</cmt>
    <link href="https://example.org"><text>photo</text></link>
    <sym>Flag, Blue</sym>
    <type>colony</type>
    <fix>3d</fix><sat>9</sat><hdop>0.8</hdop><vdop>1.1</vdop><pdop>1.4</pdop>
    <ageofdgpsdata>2</ageofdgpsdata><dgpsid>12</dgpsid>
    <extensions><osmand:icon>special_star</osmand:icon></extensions>
  </wpt>
  <trk>
    <name>Track 2026-06-01</name>
    <extensions><osmand:width>bold</osmand:width></extensions>
    <trkseg>
      <trkpt lat="49.95" lon="115.45"><ele>620</ele><time>2026-06-01T00:00:00Z</time>
        <magvar>8.4</magvar><geoidheight>-31.2</geoidheight>
        <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>98</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>
      </trkpt>
      <trkpt lat="49.96" lon="115.46"><ele>622</ele><time>2026-06-01T02:00:00Z</time></trkpt>
    </trkseg>
    <trkseg></trkseg>
  </trk>
  <trk><name>empty</name></trk>
  <extensions><osmand:points_groups/></extensions>
</gpx>
"#
    )
}

#[test]
fn gpx_1_0_as_gpsbabel_writes_it() {
    let g = read(GPSBABEL_GPX10.as_bytes()).unwrap();
    assert_eq!(g.waypoints.len(), 1);
    let w = &g.waypoints[0];
    assert_eq!(w.name.as_deref(), Some("KORDON"));
    assert_eq!((w.lat, w.lon, w.ele), (50.12, 115.72, Some(612.4)));
    assert_eq!(w.time.as_deref(), Some("2009-06-10T03:12:00Z"));
    assert_eq!(g.routes.len(), 1);
    assert_eq!(g.routes[0].0.as_deref(), Some("TOREI"));
    assert_eq!(g.routes[0].1.len(), 2);
    assert_eq!(g.tracks.len(), 1);
    assert_eq!(g.tracks[0].name.as_deref(), Some("ACTIVE LOG"));
    assert_eq!(g.tracks[0].segments[0].len(), 2);
    assert!((g.tracks[0].hours() - 1.0).abs() < 1e-9);
}

#[test]
fn gpx_1_1_with_optional_elements_extensions_and_a_byte_order_mark() {
    let g = read(gpx11_with_everything().as_bytes()).unwrap();
    let w = &g.waypoints[0];
    assert_eq!(w.name.as_deref(), Some("Сурчина №3"));
    assert_eq!((w.lat, w.lon, w.ele), (49.9501, 115.4502, Some(620.5)));
    assert_eq!(w.time.as_deref(), Some("2026-06-01T01:02:03.500Z"));
    // The empty segment and the empty track are left out.
    assert_eq!(g.tracks.len(), 1);
    assert_eq!(g.tracks[0].segments.len(), 1);
    assert_eq!(g.tracks[0].segments[0].len(), 2);
    assert!((g.tracks[0].hours() - 2.0).abs() < 1e-9);
}

#[test]
fn broken_gpx_is_refused_with_the_reason() {
    let cut = &GPSBABEL_GPX10[..GPSBABEL_GPX10.len() / 2];
    let e = read(cut.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("not a GPX file"), "{e}");
    let e = read("<kml></kml>".as_bytes()).unwrap_err().to_string();
    assert!(e.contains("<kml>"), "{e}");
    let e = read(r#"<gpx><wpt lat="north" lon="115"/></gpx>"#.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("lat=\"north\""), "{e}");
}

/// The project's Python environment (scripts/setup.sh makes it, with gpxpy).
fn python() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

/// Every file of gpxpy's own test suite (copied into `tests/fixtures/gpxpy` with its licence)
/// is read, with the same number of waypoints, routes, route points, tracks and track points
/// as gpxpy itself reports for it, asked here and now. Tracks without a point are not counted:
/// a track with no point cannot become a visit, so the reader leaves it out.
#[test]
fn every_gpxpy_test_file_is_read_with_gpxpys_point_counts() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpxpy");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "gpx"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 28,
        "gpxpy's test files are missing from {}",
        dir.display()
    );
    let script = "import sys, json, gpxpy\n\
        out = []\n\
        for p in sys.argv[1:]:\n\
        \x20   g = gpxpy.parse(open(p, encoding='utf-8'))\n\
        \x20   out.append([len(g.waypoints), len(g.routes), sum(len(r.points) for r in g.routes), \
        len([t for t in g.tracks if any(s.points for s in t.segments)]), \
        sum(len(s.points) for t in g.tracks for s in t.segments)])\n\
        print(json.dumps(out))";
    let res = std::process::Command::new(python())
        .args(["-c", script])
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run `make setup-test`): {e}",
                python().display()
            )
        });
    assert!(
        res.status.success(),
        "gpxpy could not read its own test files: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let expected: Vec<[usize; 5]> = serde_json::from_slice(&res.stdout).unwrap();
    for (p, want) in files.iter().zip(expected) {
        let g = read(std::fs::File::open(p).unwrap())
            .unwrap_or_else(|e| panic!("{} is read by gpxpy but refused here: {e}", p.display()));
        let got = [
            g.waypoints.len(),
            g.routes.len(),
            g.routes.iter().map(|(_, r)| r.len()).sum(),
            g.tracks.len(),
            g.tracks
                .iter()
                .flat_map(|t| &t.segments)
                .map(Vec::len)
                .sum(),
        ];
        assert_eq!(
            got,
            want,
            "{}: [waypoints, routes, route points, tracks, track points] differ from gpxpy's",
            p.file_name().unwrap().to_string_lossy()
        );
    }
}
