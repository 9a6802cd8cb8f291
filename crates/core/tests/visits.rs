//! Visits started and ended on a real store, their effort from a GPS track or a route, visits
//! made from a GPX track afterwards, and merges of every record kind after concurrent edits.

use dauria_core::model::*;
use dauria_core::visits::{self, DistanceSource, VisitStart};
use dauria_core::{Error, Store};
use dauria_proto::Revision;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn survey(store: &mut Store) -> String {
    store
        .create(&Body::Survey(Survey {
            title: "Torey lakes cranes".into(),
            region: Some("Daursky".into()),
            target_groups: vec![TaxonGroup::Bird],
            target_taxa: vec![],
            methods: vec!["line transect".into()],
            start_date: Some("2026-06-01".into()),
            end_date: Some("2026-06-10".into()),
            status: SurveyStatus::InField,
            lead: None,
            exchange_rates: vec![],
        }))
        .unwrap()
        .id
}

fn start(survey: Option<&str>, route: Option<&str>, at: &str) -> VisitStart {
    VisitStart {
        survey: survey.map(Into::into),
        site: None,
        route: route.map(Into::into),
        protocol: "line transect".into(),
        observers: vec!["O. Goroshko".into(), "A. Batsaikhan".into()],
        start: Some(at.into()),
        weather: None,
    }
}

fn rules(e: Error) -> Vec<(String, String)> {
    match e {
        Error::Invalid(errs) => errs.into_iter().map(|f| (f.field, f.rule)).collect(),
        other => panic!("expected a validation error, got {other}"),
    }
}

fn near(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-6, "{what}: {a} should be {b}");
}

// Three points: 0.01° north along the 117° E meridian, then 0.01° east along 49.01° N.
// By hand: R = 6371.0088 km; north leg R·0.01·π/180 = 1.111951 km; east leg
// 2R·asin(cos 49.01°·sin(0.005°)) = 0.729359 km; 1.841310 km in all, in 1 h 15 min.
const TRACK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Morning transect</name><trkseg>
    <trkpt lat="49.0" lon="117.0"><time>2026-06-02T22:00:00Z</time></trkpt>
    <trkpt lat="49.01" lon="117.0"><time>2026-06-02T22:40:00Z</time></trkpt>
    <trkpt lat="49.01" lon="117.01"><time>2026-06-02T23:15:00Z</time></trkpt>
  </trkseg></trk>
</gpx>"#;

#[test]
fn visit_from_a_gpx_track_has_its_times_track_and_haversine_distance() {
    let (_d, mut store) = store();
    let s = survey(&mut store);
    let ids = visits::from_gpx(
        &mut store,
        TRACK.as_bytes(),
        Some(&s),
        Some("line transect"),
        &["O. Goroshko".into()],
    )
    .unwrap();
    assert_eq!(ids.len(), 1);
    let v = visits::list(&store, Some(&s)).unwrap().remove(0);
    assert_eq!(v.id, ids[0]);
    assert!(!v.open);
    assert_eq!(v.visit.start, "2026-06-02T22:00:00Z");
    assert_eq!(v.visit.end.as_deref(), Some("2026-06-02T23:15:00Z"));
    assert_eq!(v.visit.track.len(), 3, "the track is kept with the visit");
    near(v.effort.km.unwrap(), 1.841310, "track km");
    near(v.effort.hours.unwrap(), 1.25, "hours");
    assert_eq!(v.effort.distance_from, Some(DistanceSource::Track));
    assert_eq!(v.visit.effort_value, Some(1.841));
    assert_eq!(v.visit.effort_unit.as_deref(), Some("km"));
    // Opening a visit from a file is not leaving one open on this laptop.
    assert!(visits::open_visit(&store).unwrap().is_none());
}

#[test]
fn gpx_without_times_or_tracks_is_refused_and_nothing_is_saved() {
    let (_d, mut store) = store();
    let before = store.pending_count().unwrap();
    let no_times = r#"<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Drawn</name><trkseg><trkpt lat="49" lon="117"/><trkpt lat="49.1" lon="117"/></trkseg></trk>
</gpx>"#;
    let err = visits::from_gpx(&mut store, no_times.as_bytes(), None, None, &[]).unwrap_err();
    assert!(err.to_string().contains("no point times"), "{err}");
    assert_eq!(rules(err), vec![("file".into(), "no_times".into())]);
    let waypoints_only = r#"<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="49" lon="117"/></gpx>"#;
    let err = visits::from_gpx(&mut store, waypoints_only.as_bytes(), None, None, &[]).unwrap_err();
    assert_eq!(rules(err), vec![("file".into(), "no_tracks".into())]);
    assert_eq!(store.pending_count().unwrap(), before, "nothing saved");
    assert!(visits::list(&store, None).unwrap().is_empty());
}

#[test]
fn visit_along_a_route_takes_the_route_length_and_its_duration() {
    let (_d, mut store) = store();
    let s = survey(&mut store);
    let wp = |lat: f64, lon: f64| Waypoint {
        name: None,
        lat,
        lon,
        time: None,
        ele: None,
    };
    // By hand: 0.02° east along 49.5° N is 2R·asin(cos 49.5°·sin 0.01°) = 1.444309 km, then
    // 0.02° north is R·0.02·π/180 = 2.223902 km; 3.668210 km in all.
    let route = store
        .create(&Body::Route(Route {
            survey: s.clone(),
            name: "Torey north shore".into(),
            waypoints: vec![wp(49.5, 117.5), wp(49.5, 117.52), wp(49.52, 117.52)],
            planned_date: None,
            transport: Some("foot".into()),
        }))
        .unwrap()
        .id;
    // The route names its survey, so the visit belongs to it without saying so.
    let started = visits::start(
        &mut store,
        start(None, Some(&route), "2026-06-03T06:00:00+09:00"),
    )
    .unwrap();
    let open = visits::open_visit(&store).unwrap().expect("open");
    assert_eq!(open.id, started.id);
    assert_eq!(open.visit.survey.as_deref(), Some(s.as_str()));
    assert_eq!(open.effort.hours, None, "an open visit has no duration yet");
    visits::end(&mut store, Some("2026-06-03T09:30:00+09:00")).unwrap();
    assert!(visits::open_visit(&store).unwrap().is_none());
    let v = visits::list(&store, Some(&s)).unwrap().remove(0);
    near(v.effort.km.unwrap(), 3.668210, "route km");
    near(v.effort.hours.unwrap(), 3.5, "hours");
    assert_eq!(v.effort.distance_from, Some(DistanceSource::Route));
    assert_eq!(v.visit.effort_value, Some(3.668));
    assert_eq!(v.visit.effort_unit.as_deref(), Some("km"));
    // Without a track or a route, effort is the time spent.
    visits::start(
        &mut store,
        start(Some(&s), None, "2026-06-04T06:00:00+09:00"),
    )
    .unwrap();
    visits::end(&mut store, Some("2026-06-04T08:15:00+09:00")).unwrap();
    let v = visits::list(&store, Some(&s)).unwrap().remove(0);
    assert_eq!(
        (v.visit.effort_value, v.visit.effort_unit.as_deref()),
        (Some(2.25), Some("h"))
    );
    let p = dauria_core::planning::progress::progress(&store, &s).unwrap();
    assert_eq!((p.visits, p.visits_done), (2, 2));
    near(p.effort["km"], 3.668, "progress km");
    near(p.hours, 5.75, "progress hours");
}

#[test]
fn one_open_visit_per_laptop_and_bad_ends_are_refused_without_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let first = visits::start(&mut store, start(None, None, "2026-06-03T06:00:00+08:00")).unwrap();
    let pending = store.pending_count().unwrap();
    let err =
        visits::start(&mut store, start(None, None, "2026-06-03T07:00:00+08:00")).unwrap_err();
    assert!(err.to_string().contains("still open"), "{err}");
    assert_eq!(rules(err), vec![("visit".into(), "already_open".into())]);
    let err = visits::end(&mut store, Some("2026-06-03T05:00:00+08:00")).unwrap_err();
    assert!(err.to_string().contains("before the start"), "{err}");
    assert_eq!(rules(err), vec![("end".into(), "order".into())]);
    assert_eq!(store.pending_count().unwrap(), pending, "nothing saved");
    drop(store);

    // The open visit is a record, so it is still open after a restart.
    let mut store = Store::open(dir.path()).unwrap();
    let open = visits::open_visit(&store).unwrap().expect("still open");
    assert_eq!(
        (open.id.as_str(), open.rev_id.as_str()),
        (first.id.as_str(), first.rev_id.as_str())
    );
    visits::end(&mut store, Some("2026-06-03T08:00:00+08:00")).unwrap();
    let err = visits::end(&mut store, None).unwrap_err();
    assert_eq!(rules(err), vec![("visit".into(), "none_open".into())]);
    let mut bad = start(None, None, "2026-06-03T09:00:00+08:00");
    bad.protocol = " ".into();
    bad.observers = vec![];
    let mut r = rules(visits::start(&mut store, bad).unwrap_err());
    r.sort();
    assert_eq!(
        r,
        vec![
            ("observers".into(), "required".into()),
            ("protocol".into(), "required".into())
        ]
    );
    let err = visits::start(
        &mut store,
        start(Some("nope"), None, "2026-06-03T06:00:00+08:00"),
    )
    .unwrap_err();
    assert_eq!(rules(err), vec![("survey".into(), "unknown".into())]);
}

fn copy_to(from: &Store, to: &mut Store) {
    let revs: Vec<Revision> = from.outbox_after(0, 10_000, usize::MAX).unwrap();
    to.apply_remote(&revs, &[]).unwrap();
}

#[test]
fn a_visit_open_on_another_laptop_is_not_this_laptops() {
    let (_d1, mut a) = store();
    let (_d2, mut b) = store();
    visits::start(&mut a, start(None, None, "2026-06-03T06:00:00+08:00")).unwrap();
    copy_to(&a, &mut b);
    assert!(visits::open_visit(&b).unwrap().is_none());
    visits::start(&mut b, start(None, None, "2026-06-03T06:10:00+08:00")).unwrap();
    assert_eq!(
        visits::list(&b, None)
            .unwrap()
            .iter()
            .filter(|v| v.open)
            .count(),
        2
    );
}

/// One text-ish field of each kind changed to `tag`.
fn edited(body: &Body, tag: &str) -> Body {
    let mut b = body.clone();
    let t = Some(tag.to_string());
    match &mut b {
        Body::Taxon(x) => x.source = t,
        Body::Checklist(x) => x.deadlines.push(Deadline {
            title: tag.into(),
            due: "2026-09-01".into(),
            submitted: false,
        }),
        Body::ProtectedArea(x) => x.contact = t,
        Body::Site(x) => x.habitat = t,
        Body::Person(x) => x.contact = t,
        Body::Survey(x) => x.region = t,
        Body::Route(x) => x.transport = t,
        Body::Assignment(x) => x.role = tag.into(),
        Body::BudgetLine(x) => x.description = t,
        Body::Visit(x) => x.weather = t,
        Body::Observation(x) => x.notes = t,
        Body::Sample(x) => x.storage = t,
        Body::CooperationAction(x) => x.notes = t,
        Body::Shipment(x) => x.notes = t,
        Body::CustodyTransfer(x) => x.notes = t,
        Body::SensitivityRule(x) => x.reason = t,
    }
    b
}

/// A record of every kind, made on `a`.
fn one_of_each(a: &mut Store) -> Vec<String> {
    let first = |a: &Store, k: Kind| a.list(k).unwrap().remove(0).id;
    let (taxon, checklist, area, site) = (
        first(a, Kind::Taxon),
        first(a, Kind::Checklist),
        first(a, Kind::ProtectedArea),
        first(a, Kind::Site),
    );
    let s = survey(a);
    let person = a
        .create(&Body::Person(Person {
            name: "Oleg Goroshko".into(),
            organisation: Some("Daursky reserve".into()),
            country: Some(Country::RU),
            roles: vec!["ornithologist".into()],
            contact: None,
            languages: vec!["ru".into()],
        }))
        .unwrap()
        .id;
    let route = a
        .create(&Body::Route(Route {
            survey: s.clone(),
            name: "North shore".into(),
            waypoints: vec![],
            planned_date: None,
            transport: None,
        }))
        .unwrap()
        .id;
    let assignment = a
        .create(&Body::Assignment(Assignment {
            survey: s.clone(),
            person: person.clone(),
            role: "observer".into(),
            from: None,
            to: None,
        }))
        .unwrap()
        .id;
    let line = a
        .create(&Body::BudgetLine(BudgetLine {
            survey: s.clone(),
            category: "fuel".into(),
            description: None,
            quantity: "200".into(),
            unit_cost: "65".into(),
            currency: "RUB".into(),
            actual: None,
        }))
        .unwrap()
        .id;
    let visit = visits::start(
        a,
        start(Some(&s), Some(&route), "2026-06-03T06:00:00+09:00"),
    )
    .unwrap()
    .id;
    let obs = a
        .create(&Body::Observation(Observation {
            visit: Some(visit.clone()),
            site: Some(site.clone()),
            taxon: Some(taxon.clone()),
            taxon_name: None,
            count: Some(3),
            count_min: None,
            count_max: None,
            unit: CountUnit::Individuals,
            sex: None,
            age: None,
            behaviour: None,
            lat: None,
            lon: None,
            uncertainty_m: None,
            observed_at: "2026-06-03T07:00:00+09:00".into(),
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
        .id;
    let sample = a
        .create(&Body::Sample(Sample {
            host_observation: obs.clone(),
            sample_type: "blood".into(),
            barcode: "DAU-0001".into(),
            collected_at: "2026-06-03T07:10:00+09:00".into(),
            storage: None,
            lab: None,
            test: None,
            pathogen: None,
            result: SampleResult::Pending,
            result_date: None,
        }))
        .unwrap()
        .id;
    let action = a
        .create(&Body::CooperationAction(CooperationAction {
            title: "Joint crane count".into(),
            countries: vec![Country::CN, Country::RU],
            owner: None,
            due: None,
            status: ActionStatus::Planned,
            notes: None,
        }))
        .unwrap()
        .id;
    let shipment = a
        .create(&Body::Shipment(Shipment {
            reference: "SHP-20260603-0001".into(),
            samples: vec![sample.clone()],
            from: "Daursky field station".into(),
            to: "Chita anti-plague station".into(),
            carrier: None,
            cold_chain: ColdChain::Frozen,
            packed_on: None,
            expected_on: None,
            notes: None,
        }))
        .unwrap()
        .id;
    let transfer = a
        .create(&Body::CustodyTransfer(CustodyTransfer {
            shipment: Some(shipment.clone()),
            samples: vec![sample.clone()],
            action: CustodyAction::Sent,
            at: "2026-06-04T09:00:00+09:00".into(),
            from_person: None,
            to_person: "Driver".into(),
            place: None,
            condition: Condition::Intact,
            temperature_c: Some(-20.0),
            notes: None,
            receipt: vec![],
        }))
        .unwrap()
        .id;
    let rule = a
        .create(&Body::SensitivityRule(SensitivityRule {
            taxon: taxon.clone(),
            scientific_name: "any".into(),
            action: SensitivityAction::Generalise,
            grid_km: Some(10),
            reason: None,
            source: None,
            verified: false,
        }))
        .unwrap()
        .id;
    vec![
        taxon, checklist, area, site, person, s, route, assignment, line, visit, obs, sample,
        action, shipment, transfer, rule,
    ]
}

/// Two laptops edit every record at once; after both sync each record has two heads.
fn conflicted() -> (
    tempfile::TempDir,
    Store,
    tempfile::TempDir,
    Store,
    Vec<String>,
) {
    let (d1, mut a) = store();
    let (d2, mut b) = store();
    let ids = one_of_each(&mut a);
    copy_to(&a, &mut b);
    for id in &ids {
        for (s, tag) in [(&mut a, "from A"), (&mut b, "from B")] {
            let c = s.get(id).unwrap().unwrap();
            s.update(id, &c.rev_id, &edited(c.body.as_ref().unwrap(), tag))
                .unwrap();
        }
    }
    copy_to(&a, &mut b);
    copy_to(&b, &mut a);
    (d1, a, d2, b, ids)
}

#[test]
fn every_kind_in_conflict_merges_to_the_fields_picked_from_each_head() {
    let (_d1, mut a, _d2, mut b, ids) = conflicted();
    let kinds: Vec<Kind> = ids
        .iter()
        .map(|id| a.get(id).unwrap().unwrap().kind)
        .collect();
    assert_eq!(kinds.len(), Kind::ALL.len());
    for k in Kind::ALL {
        assert!(kinds.contains(&k), "{} is covered", k.as_str());
    }
    assert_eq!(a.conflicts().unwrap().len(), ids.len());
    for id in &ids {
        let heads = a.heads(id).unwrap();
        assert_eq!(heads.len(), 2, "{id} has both edits as heads");
        // A field from one head, written as the merge; every head becomes its parent.
        let picked = edited(heads[1].body.as_ref().unwrap(), "from A and B");
        let saved = a.merge(id, Some(&picked)).unwrap();
        let cur = a.get(id).unwrap().unwrap();
        assert!(!cur.conflict, "{} is resolved", cur.kind.as_str());
        assert_eq!(cur.rev_id, saved.rev_id);
        assert_eq!(cur.body.as_ref(), Some(&picked));
    }
    copy_to(&a, &mut b);
    assert!(
        b.conflicts().unwrap().is_empty(),
        "the merge resolves the other laptop too"
    );
    for id in &ids {
        assert_eq!(
            a.get(id).unwrap().unwrap().body,
            b.get(id).unwrap().unwrap().body
        );
    }
}

#[test]
fn a_conflict_can_keep_one_head_whole_or_delete_the_record() {
    let (_d1, mut a, _d2, _b, ids) = conflicted();
    let survey = &ids[5];
    let heads = a.heads(survey).unwrap();
    let theirs = heads
        .iter()
        .find(|h| matches!(&h.body, Some(Body::Survey(s)) if s.region.as_deref() == Some("from B")))
        .unwrap();
    a.merge(survey, theirs.body.as_ref()).unwrap();
    let cur = a.get(survey).unwrap().unwrap();
    assert!(!cur.conflict);
    assert!(matches!(cur.body, Some(Body::Survey(ref s)) if s.region.as_deref() == Some("from B")));

    let action = &ids[12];
    a.merge(action, None).unwrap();
    let cur = a.get(action).unwrap().unwrap();
    assert!(cur.deleted && !cur.conflict);
    // A merged body of another kind is refused and the conflict stays.
    let site = &ids[3];
    let person = a.get(&ids[4]).unwrap().unwrap().body.unwrap();
    let err = a.merge(site, Some(&person)).unwrap_err();
    assert!(err.to_string().contains("another kind"), "{err}");
    assert!(a.get(site).unwrap().unwrap().conflict);
}

/// The Humboldt extension rows of each event, as python-dwca-reader (a reader nobody here
/// wrote) reads them from the archive.
fn humboldt_rows(archive: &std::path::Path) -> serde_json::Value {
    let script = r#"
import json, sys
from dwca.read import DwCAReader
with DwCAReader(sys.argv[1]) as a:
    out = {}
    for r in a:
        for e in r.extensions:
            if e.rowtype == "http://rs.tdwg.org/eco/terms/Event":
                out[r.id] = {"event": {k.rsplit("/", 1)[-1]: v for k, v in r.data.items()},
                             "eco": {k: v for k, v in e.data.items()}}
    print(json.dumps(out))
"#;
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let out = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(archive)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (run `make setup-test`): {e}",
                python.display()
            )
        });
    assert!(
        out.status.success(),
        "python-dwca-reader could not read the archive: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn exported_archive_carries_each_visits_effort_as_humboldt_terms() {
    let (dir, mut store) = store();
    let s = survey(&mut store);
    let tracked = visits::from_gpx(
        &mut store,
        TRACK.as_bytes(),
        Some(&s),
        Some("line transect"),
        &[],
    )
    .unwrap()
    .remove(0);
    let timed = visits::start(
        &mut store,
        start(Some(&s), None, "2026-06-04T06:00:00+09:00"),
    )
    .unwrap()
    .id;
    visits::end(&mut store, Some("2026-06-04T08:15:00+09:00")).unwrap();
    let path = dir.path().join("dwca.zip");
    dauria_core::dwca::export_dwca(&store, Some(&s), std::fs::File::create(&path).unwrap())
        .unwrap();
    let rows = humboldt_rows(&path);
    const ECO: &str = "http://rs.tdwg.org/eco/terms/";
    let eco = |id: &str, term: &str| rows[id]["eco"][format!("{ECO}{term}")].clone();
    assert_eq!(eco(&tracked, "samplingEffortValue"), "1.841");
    assert_eq!(eco(&tracked, "samplingEffortUnit"), "km");
    assert_eq!(eco(&tracked, "isSamplingEffortReported"), "true");
    assert_eq!(
        eco(&tracked, "samplingEffortProtocol"),
        "distance along the visit's GPS track"
    );
    assert_eq!(eco(&tracked, "eventDurationValue"), "1.25");
    assert_eq!(eco(&tracked, "eventDurationUnit"), "hours");
    assert_eq!(
        rows[&tracked]["event"]["eventDate"],
        "2026-06-02T22:00:00Z/2026-06-02T23:15:00Z"
    );
    assert_eq!(rows[&tracked]["event"]["samplingProtocol"], "line transect");
    assert_eq!(eco(&timed, "samplingEffortValue"), "2.25");
    assert_eq!(eco(&timed, "samplingEffortUnit"), "h");
    assert_eq!(
        eco(&timed, "samplingPerformedBy"),
        "O. Goroshko | A. Batsaikhan"
    );
    assert_eq!(
        rows[&timed]["event"]["eventDate"],
        "2026-06-04T06:00:00+09:00/2026-06-04T08:15:00+09:00"
    );
}
