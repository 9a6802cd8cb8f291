//! Sync benchmarks (`make bench`): push and pull of 100,000 observations against a loopback
//! `dauria-server` (SQLite, and PostgreSQL when `DAURIA_TEST_PG_URL` is set), each against the
//! server database's raw insert rate measured in the same run; and 50 laptops pushing 2,000
//! observations each at once; photo upload throughput on loopback against a raw TCP copy of
//! the same bytes; and a station hub relaying a laptop's observations to the central server,
//! against the same laptop pushing them to the central server directly.
//!
//! `DAURIA_BENCH_SYNC_N` (observations, 100,000) and `DAURIA_BENCH_RUNS` (3) size it;
//! `DAURIA_BENCH_PARTS` picks parts, comma-separated: `push` (push and pull per backend),
//! `many` (50 laptops at once), `wire`, `photos`, `relay`; all when unset.

use dauria_core::model::Body;
use dauria_core::{media, Store};
use dauria_proto::OpStatus;
use dauria_server::store::PushOutcome;
use dauria_server::{PostgresStore, ServerStore, SqliteStore};
use dauria_sync::{HttpTransport, SyncClient, SyncOptions};
use dauria_system_tests::proxy::FaultProxy;
use dauria_system_tests::{sighting, Laptop, ServerProcess};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn laptop_with(n: u32) -> Laptop {
    let mut l = Laptop::new("bench");
    let taxon = dauria_core::taxa::TaxonIndex::load(&l.store)
        .unwrap()
        .resolve("Procapra gutturosa")
        .unwrap();
    let mut b = l.store.batch().unwrap();
    for i in 0..n {
        b.create(&sighting(&taxon, i % 100 + 1)).unwrap();
    }
    b.commit().unwrap();
    l
}

fn opts() -> SyncOptions {
    SyncOptions {
        pull_limit: 5000,
        ..SyncOptions::default()
    }
}

/// Inserts the same documents into a bare table with one prepared statement in one transaction.
fn raw_sqlite(docs: &[String]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let mut c = rusqlite::Connection::open(dir.path().join("raw.sqlite3")).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.execute_batch("CREATE TABLE raw(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
        .unwrap();
    let t = Instant::now();
    let tx = c.transaction().unwrap();
    {
        let mut st = tx.prepare("INSERT INTO raw(doc) VALUES (?1)").unwrap();
        for d in docs {
            st.execute([d]).unwrap();
        }
    }
    tx.commit().unwrap();
    docs.len() as f64 / t.elapsed().as_secs_f64()
}

fn raw_postgres(url: &str, docs: &[String]) -> f64 {
    let mut c = postgres_client(url);
    c.batch_execute("DROP TABLE IF EXISTS raw_bench; CREATE TABLE raw_bench(seq BIGSERIAL PRIMARY KEY, doc TEXT NOT NULL)").unwrap();
    let t = Instant::now();
    let mut tx = c.transaction().unwrap();
    let st = tx
        .prepare("INSERT INTO raw_bench(doc) VALUES ($1)")
        .unwrap();
    for d in docs {
        tx.execute(&st, &[d]).unwrap();
    }
    tx.commit().unwrap();
    let rate = docs.len() as f64 / t.elapsed().as_secs_f64();
    c.batch_execute("DROP TABLE raw_bench").unwrap();
    rate
}

fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// A fresh database for each PostgreSQL run.
fn fresh_pg(url: &str, run: usize) -> String {
    let name = format!("dauria_bench_{run}");
    let mut c = postgres_client(url);
    // DROP/CREATE DATABASE may not share a transaction: one statement per call.
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => url.to_string(),
    }
}

struct Row {
    what: String,
    value: String,
    baseline: String,
    ratio: String,
    goal: String,
}

/// Pseudo-random bytes (photos do not compress).
fn noise(size: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A laptop with `count` sightings, each with one photo of `size` bytes.
fn laptop_with_photos(count: usize, size: usize) -> (Laptop, Vec<Vec<u8>>) {
    let mut l = Laptop::new("photographer");
    let mut photos = Vec::new();
    for i in 0..count {
        let bytes = noise(size, 7 + i as u64);
        let sha = media::put_blob(l.store.dir(), &bytes).unwrap();
        let saved = l.log("Otocolobus manul", 1);
        let cur = l.store.get(&saved.id).unwrap().unwrap();
        let Some(Body::Observation(mut o)) = cur.body else {
            unreachable!()
        };
        o.photos.push(sha);
        l.store
            .update(&saved.id, &cur.rev_id, &Body::Observation(o))
            .unwrap();
        photos.push(bytes);
    }
    (l, photos)
}

/// Bytes per second of sending `photos` over a plain loopback TCP connection to a reader that
/// discards them: the raw copy speed of the same bytes, without HTTP, hashing or fsync.
fn raw_tcp_copy(photos: &[Vec<u8>]) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let total: usize = photos.iter().map(Vec::len).sum();
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 256 << 10];
        let mut got = 0;
        while got < total {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "the sender closed early");
            got += n;
        }
        s.write_all(b"k").unwrap();
    });
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    for p in photos {
        s.write_all(p).unwrap();
    }
    let mut ack = [0u8; 1];
    s.read_exact(&mut ack).unwrap();
    let secs = start.elapsed().as_secs_f64();
    reader.join().unwrap();
    total as f64 / secs
}

/// Rate (obs/s) of the server's store alone taking `ops` in batches of the server's largest
/// size, in this process: the push without the laptop, HTTP or JSON on the wire.
fn push_to_store(ops: &[dauria_proto::Revision], db: Option<&str>) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store: Box<dyn ServerStore> = match db {
        None => Box::new(SqliteStore::open(dir.path()).unwrap()),
        Some(url) => Box::new(PostgresStore::connect(url).unwrap()),
    };
    let device_id = &ops[0].device_id;
    let code = store
        .create_enrollment("bench", dauria_proto::Role::Lead, 1, None)
        .unwrap();
    let token = store.enroll(&code, device_id).unwrap().token;
    let device = store.device_by_token(&token).unwrap().unwrap();
    let batches: Vec<dauria_proto::PushRequest> = ops
        .chunks(dauria_server::Limits::default().max_ops)
        .map(|c| dauria_proto::PushRequest {
            batch_id: uuid::Uuid::now_v7().to_string(),
            device_id: device_id.clone(),
            ops: c.to_vec(),
        })
        .collect();
    let start = Instant::now();
    for b in &batches {
        match store.push(&device, b).unwrap() {
            PushOutcome::Acked(r) => {
                assert!(r.results.iter().all(|x| x.status == OpStatus::Applied))
            }
            PushOutcome::Gap(g) => panic!("{}", g.error),
        }
    }
    ops.len() as f64 / start.elapsed().as_secs_f64()
}

/// A copy of `source` that has pushed nothing, enrolled with a fresh `server`.
fn pusher(source: &Laptop, server: &ServerProcess) -> Laptop {
    let l = Laptop {
        store: Store::open(source.dir.path()).unwrap(),
        dir: tempfile::tempdir().unwrap(),
        name: "source".into(),
    };
    l.store.set_pushed(0).unwrap();
    l.store.set_meta("sync.inflight", "").unwrap();
    l.enroll(server, "lead");
    l
}

/// Push and pull rates (obs/s) of `n` observations against `server`.
fn push_pull(source: &Laptop, server: &ServerProcess, n: u32) -> (f64, f64) {
    let mut l = pusher(source, server);
    let t = HttpTransport::new(&server.url(), Duration::from_secs(120)).unwrap();
    let mut summary = Default::default();
    let start = Instant::now();
    SyncClient::new(&t, opts())
        .push(&mut l.store, &mut |_| {}, &mut summary)
        .unwrap();
    let push = n as f64 / start.elapsed().as_secs_f64();
    assert_eq!(summary.pushed, n as u64, "every op applied");
    let mut fresh = Laptop::new("fresh");
    fresh.enroll(server, "viewer");
    let mut s2 = Default::default();
    let start = Instant::now();
    SyncClient::new(&t, opts())
        .pull(&mut fresh.store, &mut |_| {}, &mut s2)
        .unwrap();
    let pull = n as f64 / start.elapsed().as_secs_f64();
    assert_eq!(s2.pulled, n as u64, "every op pulled");
    (push, pull)
}

/// Bytes per observation on the wire (through a counting proxy), with and without
/// compression, and the time to sync 5,000 observations over a 64 kbit/s link.
fn bench_wire(rows: &mut Vec<Row>) {
    let n = 5000u32;
    let source = laptop_with(n);
    let mut per_obs = Vec::new();
    for compress in [false, true] {
        let sdir = tempfile::tempdir().unwrap();
        let server = ServerProcess::start(sdir.path(), None, None, &[]);
        let proxy = FaultProxy::start(server.addr);
        let options = SyncOptions { compress, ..opts() };
        let mut l = pusher(&source, &server);
        let t = HttpTransport::new(&proxy.url(), Duration::from_secs(60)).unwrap();
        let mut summary = Default::default();
        SyncClient::new(&t, options.clone())
            .push(&mut l.store, &mut |_| {}, &mut summary)
            .unwrap();
        let (up, _) = proxy.bytes();
        let mut fresh = Laptop::new("fresh");
        fresh.enroll(&server, "viewer");
        let mut s2 = Default::default();
        SyncClient::new(&t, options)
            .pull(&mut fresh.store, &mut |_| {}, &mut s2)
            .unwrap();
        let (_, down) = proxy.bytes();
        assert_eq!(s2.pulled, n as u64);
        per_obs.push((up as f64 / n as f64, down as f64 / n as f64));
    }
    let ((raw_up, raw_down), (up, down)) = (per_obs[0], per_obs[1]);
    rows.push(Row {
        what: format!("bytes per observation up ({n} obs, zstd)"),
        value: format!("{up:.0} B"),
        baseline: format!("uncompressed {raw_up:.0} B"),
        ratio: format!("{:.2}×", up / raw_up),
        goal: "≤ 120 B".into(),
    });
    rows.push(Row {
        what: format!("bytes per observation down ({n} obs, zstd)"),
        value: format!("{down:.0} B"),
        baseline: format!("uncompressed {raw_down:.0} B"),
        ratio: format!("{:.2}×", down / raw_down),
        goal: "≤ 120 B".into(),
    });
    // 5,000 observations over 64 kbit/s: pushed by one laptop, pulled by another.
    let sdir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(sdir.path(), None, None, &[]);
    let proxy = FaultProxy::start(server.addr);
    proxy.throttle(64_000);
    let mut l = pusher(&source, &server);
    let t = HttpTransport::new(&proxy.url(), Duration::from_secs(60)).unwrap();
    let start = Instant::now();
    let mut summary = Default::default();
    SyncClient::new(&t, SyncOptions::default())
        .push(&mut l.store, &mut |_| {}, &mut summary)
        .unwrap();
    let push = start.elapsed().as_secs_f64();
    let mut fresh = Laptop::new("fresh");
    fresh.enroll(&server, "viewer");
    let start = Instant::now();
    let mut s2 = Default::default();
    SyncClient::new(&t, SyncOptions::default())
        .pull(&mut fresh.store, &mut |_| {}, &mut s2)
        .unwrap();
    let pull = start.elapsed().as_secs_f64();
    assert_eq!(s2.pulled, n as u64);
    let (up, down) = proxy.bytes();
    let line = 64_000.0 / 8.0;
    rows.push(Row {
        what: format!("sync {n} obs at 64 kbit/s (push, then pull)"),
        value: format!("{push:.1} s + {pull:.1} s"),
        baseline: format!("line rate {:.1} s", (up + down) as f64 / line),
        ratio: format!("{:.2}×", (up + down) as f64 / line / (push + pull)),
        goal: "finishes".into(),
    });
}

/// Photo upload throughput (bytes/s) to a fresh SQLite server, and the raw copy baseline.
fn bench_photos(runs: usize, rows: &mut Vec<Row>) {
    let (count, size) = (40, 4 << 20);
    let (source, photos) = laptop_with_photos(count, size);
    let total = (count * size) as f64;
    let (mut upload, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let sdir = tempfile::tempdir().unwrap();
        let server = ServerProcess::start(sdir.path(), None, None, &[]);
        let l = Laptop {
            store: Store::open(source.dir.path()).unwrap(),
            dir: tempfile::tempdir().unwrap(),
            name: "photographer".into(),
        };
        l.enroll(&server, "field");
        let t = HttpTransport::new(&server.url(), Duration::from_secs(120)).unwrap();
        let c = SyncClient::new(&t, opts());
        let mut summary = Default::default();
        let start = Instant::now();
        c.push_blobs(&l.store, &mut |_| {}, &mut summary).unwrap();
        upload.push(total / start.elapsed().as_secs_f64());
        let stored = std::fs::read_dir(sdir.path().join("blobs"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(stored > 0, "the server kept the photos");
        raw.push(raw_tcp_copy(&photos));
    }
    let (u, r) = (median(upload), median(raw));
    let mbs = |b: f64| b / (1 << 20) as f64;
    rows.push(Row {
        what: format!("photo upload {count} × 4 MiB → SQLite server"),
        value: format!("{:.1} MiB/s", mbs(u)),
        baseline: format!("raw TCP copy {:.0} MiB/s", mbs(r)),
        ratio: format!("{:.2}×", u / r),
        goal: "(no number set)".into(),
    });
}

fn main() {
    let n: u32 = std::env::var("DAURIA_BENCH_SYNC_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("DAURIA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let pg = std::env::var("DAURIA_TEST_PG_URL").ok();
    let parts = std::env::var("DAURIA_BENCH_PARTS").unwrap_or_default();
    let part = |p: &str| parts.trim().is_empty() || parts.split(',').any(|x| x.trim() == p);
    eprintln!(
        "sync bench: {n} observations, {runs} runs each, PostgreSQL: {}",
        pg.is_some()
    );
    let source = laptop_with(n);
    let ops = source
        .store
        .outbox_after(0, n as usize, usize::MAX)
        .unwrap();
    let docs: Vec<String> = ops
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    let mut rows = Vec::new();
    let backends: Vec<(&str, Option<String>)> = std::iter::once(("SQLite", None))
        .chain(pg.iter().map(|u| ("PostgreSQL", Some(u.clone()))))
        .collect();
    for (name, url) in backends.iter().filter(|_| part("push")) {
        let (mut push, mut pull, mut raw) = (Vec::new(), Vec::new(), Vec::new());
        let mut store_push = Vec::new();
        for run in 0..runs {
            let sdir = tempfile::tempdir().unwrap();
            let db = url.as_ref().map(|u| fresh_pg(u, run));
            let server = ServerProcess::start(sdir.path(), db.as_deref(), None, &[]);
            let mut l = Laptop {
                store: Store::open(source.dir.path()).unwrap(),
                dir: tempfile::tempdir().unwrap(),
                name: "source".into(),
            };
            // Each run pushes everything again to a fresh server.
            l.store.set_pushed(0).unwrap();
            l.store.set_meta("sync.inflight", "").unwrap();
            l.enroll(&server, "lead");
            let t = HttpTransport::new(&server.url(), Duration::from_secs(120)).unwrap();
            let c = SyncClient::new(&t, opts());
            let mut summary = Default::default();
            let start = Instant::now();
            c.push(&mut l.store, &mut |_| {}, &mut summary).unwrap();
            push.push(n as f64 / start.elapsed().as_secs_f64());
            assert_eq!(summary.pushed, n as u64, "every op applied");
            let mut fresh = Laptop::new("fresh");
            fresh.enroll(&server, "viewer");
            let t2 = HttpTransport::new(&server.url(), Duration::from_secs(120)).unwrap();
            let c2 = SyncClient::new(&t2, opts());
            let mut s2 = Default::default();
            let start = Instant::now();
            c2.pull(&mut fresh.store, &mut |_| {}, &mut s2).unwrap();
            pull.push(n as f64 / start.elapsed().as_secs_f64());
            assert_eq!(s2.pulled, n as u64, "every op pulled");
            raw.push(match url {
                None => raw_sqlite(&docs),
                Some(u) => raw_postgres(u, &docs),
            });
            let db = url.as_ref().map(|u| fresh_pg(u, run + 200));
            store_push.push(push_to_store(&ops, db.as_deref()));
        }
        let (p, r, q) = (median(push), median(raw), median(pull));
        let s = median(store_push);
        rows.push(Row {
            what: format!("push {n} obs → {name} store, no HTTP"),
            value: format!("{s:.0} obs/s"),
            baseline: format!("raw insert {r:.0} rows/s"),
            ratio: format!("{:.2}×", s / r),
            goal: "the server's own share".into(),
        });
        // The previous release's server, same laptop build, same data, same run.
        if let Ok(bin) = std::env::var("DAURIA_BASELINE_SERVER") {
            let (mut old_push, mut old_pull) = (Vec::new(), Vec::new());
            for run in 0..runs {
                let sdir = tempfile::tempdir().unwrap();
                let db = url.as_ref().map(|u| fresh_pg(u, run + 100));
                let server = ServerProcess::start_bin(
                    std::path::Path::new(&bin),
                    sdir.path(),
                    db.as_deref(),
                );
                let (a, b) = push_pull(&source, &server, n);
                old_push.push(a);
                old_pull.push(b);
            }
            let (op, oq) = (median(old_push), median(old_pull));
            rows.push(Row {
                what: format!("push {n} obs → {name}, checked (this release)"),
                value: format!("{p:.0} obs/s"),
                baseline: format!("previous release {op:.0}"),
                ratio: format!("{:.2}×", p / op),
                goal: "validation costs little".into(),
            });
            rows.push(Row {
                what: format!("pull {n} obs ← {name} (this release)"),
                value: format!("{q:.0} obs/s"),
                baseline: format!("previous release {oq:.0}"),
                ratio: format!("{:.2}×", q / oq),
                goal: "".into(),
            });
        }
        rows.push(Row {
            what: format!("push {n} obs → {name} server"),
            value: format!("{p:.0} obs/s"),
            baseline: format!("raw insert {r:.0} rows/s"),
            ratio: format!("{:.2}×", p / r),
            goal: if *name == "SQLite" {
                "≥ 50,000 obs/s".into()
            } else {
                "≥ 20,000 obs/s".into()
            },
        });
        rows.push(Row {
            what: format!("pull {n} obs ← {name} server (fresh laptop)"),
            value: format!("{q:.0} obs/s"),
            baseline: format!("raw insert {r:.0} rows/s"),
            ratio: format!("{:.2}×", q / r),
            goal: "≥ 50,000 obs/s".into(),
        });
    }
    if part("many") {
        bench_many(&mut rows);
    }
    if part("wire") {
        bench_wire(&mut rows);
    }
    if part("photos") {
        bench_photos(runs, &mut rows);
    }
    if part("relay") {
        bench_relay(&source, n, runs, &mut rows);
    }
    println!(
        "\n{:<48} {:>18} {:>24} {:>10}  goal",
        "sync benchmark", "median", "baseline (same run)", "ratio"
    );
    for r in rows {
        println!(
            "{:<48} {:>18} {:>24} {:>10}  {}",
            r.what, r.value, r.baseline, r.ratio, r.goal
        );
    }
}

/// 50 laptops × 2,000 observations pushing at once to one SQLite server.
fn bench_many(rows: &mut Vec<Row>) {
    let sdir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(sdir.path(), None, None, &[]);
    let laptops: Vec<Laptop> = (0..50)
        .map(|_| {
            let l = laptop_with(2000);
            l.enroll(&server, "field");
            l
        })
        .collect();
    let start = Instant::now();
    let errors: usize = std::thread::scope(|s| {
        let handles: Vec<_> = laptops
            .into_iter()
            .map(|mut l| {
                let url = server.url();
                s.spawn(move || {
                    let t = HttpTransport::new(&url, Duration::from_secs(300)).unwrap();
                    let mut summary = Default::default();
                    SyncClient::new(&t, opts())
                        .push(&mut l.store, &mut |_| {}, &mut summary)
                        .map(|_| summary.pushed)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|r| !matches!(r, Ok(2000)))
            .count()
    });
    let total = start.elapsed();
    let stored = server.store().revision_count().unwrap();
    rows.push(Row {
        what: "50 laptops × 2,000 obs at once → SQLite server".into(),
        value: format!("{:.2} s, {errors} errors", total.as_secs_f64()),
        baseline: format!("{stored} stored"),
        ratio: format!("{:.0} obs/s", 100_000.0 / total.as_secs_f64()),
        goal: "zero errors".into(),
    });
}

/// Runs `dauria-server` on a data folder without serving (`upstream enroll`, `upstream sync`);
/// panics when it fails.
fn server_cli(dir: &std::path::Path, args: &[&str]) {
    let out = dauria_system_tests::server_cli(dir, None, args, None);
    assert!(
        out.status.success(),
        "dauria-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A station hub relaying `n` observations (pushed to it by a field laptop) to the central
/// server in one `upstream sync` cycle, against the same laptop pushing them to a central server
/// directly, both SQLite, alternating in each run.
fn bench_relay(source: &Laptop, n: u32, runs: usize, rows: &mut Vec<Row>) {
    let (mut direct, mut relayed) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let dc = tempfile::tempdir().unwrap();
        let central = ServerProcess::start(dc.path(), None, None, &[]);
        let (rate, _) = push_pull(source, &central, n);
        direct.push(rate);
        drop(central);

        let dc = tempfile::tempdir().unwrap();
        let central = ServerProcess::start(dc.path(), None, None, &[]);
        let dh = tempfile::tempdir().unwrap();
        let code = central.enrollment_code("station hub", "hub");
        server_cli(
            dh.path(),
            &["upstream", "enroll", "--server", &central.url(), &code],
        );
        let hub = ServerProcess::start(dh.path(), None, None, &["--no-relay", "--no-advertise"]);
        let mut l = Laptop {
            store: Store::open(source.dir.path()).unwrap(),
            dir: tempfile::tempdir().unwrap(),
            name: "field".into(),
        };
        l.store.set_pushed(0).unwrap();
        l.store.set_meta("sync.inflight", "").unwrap();
        l.enroll(&hub, "field");
        let t = HttpTransport::new(&hub.url(), Duration::from_secs(120)).unwrap();
        let mut summary = Default::default();
        SyncClient::new(&t, opts())
            .push(&mut l.store, &mut |_| {}, &mut summary)
            .unwrap();
        assert_eq!(summary.pushed, n as u64, "every op reached the hub");
        let start = Instant::now();
        server_cli(dh.path(), &["upstream", "sync"]);
        relayed.push(n as f64 / start.elapsed().as_secs_f64());
        let stored = central.store().revision_count().unwrap();
        assert!(
            stored >= n as u64,
            "the central server holds {stored} revisions after the relay, not {n}"
        );
    }
    let (d, r) = (median(direct), median(relayed));
    rows.push(Row {
        what: format!("relay {n} obs hub → central (SQLite)"),
        value: format!("{r:.0} obs/s"),
        baseline: format!("direct push {d:.0}"),
        ratio: format!("{:.2}×", r / d),
        goal: "relaying costs little".into(),
    });
}
