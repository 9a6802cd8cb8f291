//! `make bench`: the store's speed on this machine, beside a raw SQLite baseline run in the same
//! process.
//!
//! (a) one durable save through the core API (revision + current row + outbox, fsync'd);
//! (b) importing a CSV of observations, against the same rows inserted raw into a bare table;
//! (c) keyset pages and species summaries on the imported store; (d) its size on disk;
//! (e) Darwin Core Archive export; (f) thumbnails; (g) the monitoring reports; (h) the encrypted
//! store against the plain one; (i) species search per keystroke.

mod encryption;
mod exchange;
mod monitoring;
mod taxon_search;

use anyhow::{Context, Result};
use clap::Parser;
use dauria_core::import::{import_observations, ImportOptions};
use dauria_core::model::{Body, CountUnit, Country, Kind, Observation};
use dauria_core::store::query::ObservationFilter;
use dauria_core::Store;
use rusqlite::Connection;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Benchmarks of the Dauria Field local store.
#[derive(Parser)]
struct Args {
    /// CSV rows to import; the queries run on the store they make.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Durable saves to time one by one.
    #[arg(long, default_value_t = 2_000)]
    saves: usize,
    /// Repetitions of each page query.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// 12-megapixel JPEGs to thumbnail.
    #[arg(long, default_value_t = 10)]
    photos: usize,
    /// Repetitions of each monitoring report.
    #[arg(long, default_value_t = 20)]
    report_runs: usize,
    /// Only the monitoring reports (g), on a store of --rows observations.
    #[arg(long)]
    reports_only: bool,
    /// Only species search (i), over a checklist grown to --taxon-names names.
    #[arg(long)]
    taxa_only: bool,
    /// Names (scientific, synonyms, vernacular) on the checklist species search runs over.
    #[arg(long, default_value_t = 10_000)]
    taxon_names: usize,
    /// Names typed letter by letter, each keystroke one search.
    #[arg(long, default_value_t = 400)]
    typed_names: usize,
    /// CSV rows imported into a plain and an encrypted store for (h).
    #[arg(long, default_value_t = 200_000)]
    encryption_rows: usize,
    /// Only the encrypted store against the plain one (h).
    #[arg(long)]
    encryption_only: bool,
    /// Only the CSV import against its raw baseline (b) and the store's size (d).
    #[arg(long)]
    import_only: bool,
    /// Keep the store of the monitoring reports in this folder and reuse it on the next run.
    #[arg(long)]
    reports_store: Option<PathBuf>,
    /// Folder for the temporary stores and CSV (default: the system's temporary folder).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// One line of the result table.
struct Line {
    what: String,
    result: String,
    goal: String,
    met: Option<bool>,
}

fn line(what: impl Into<String>, result: String, goal: &str, met: Option<bool>) -> Line {
    Line {
        what: what.into(),
        result,
        goal: goal.to_string(),
        met,
    }
}

/// A small deterministic generator, so every run imports the same rows.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn p50_p95(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (percentile(&v, 0.50), percentile(&v, 0.95))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn store_size(dir: &Path) -> u64 {
    let db = dir.join(dauria_core::store::DB_FILE);
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    file_size(&db) + file_size(Path::new(&wal))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn taxon_ids(store: &Store) -> Result<Vec<(String, String)>> {
    Ok(store
        .list(Kind::Taxon)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Taxon(t)) => Some((c.id, t.scientific_name)),
            _ => None,
        })
        .collect())
}

fn sighting(taxon: &str, rng: &mut SplitMix) -> Body {
    Body::Observation(Observation {
        visit: None,
        site: None,
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(rng.below(30) as u32 + 1),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.0 + rng.below(20_000) as f64 / 10_000.0),
        lon: Some(114.5 + rng.below(40_000) as f64 / 10_000.0),
        uncertainty_m: Some(10.0),
        observed_at: format!(
            "2026-06-{:02}T07:{:02}:00+08:00",
            rng.below(28) + 1,
            rng.below(60)
        ),
        observers: vec!["Bat-Erdene".into(), "Ivanova".into()],
        detection_method: Some("visual".into()),
        notes: Some("near the burrows on the south slope".into()),
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

/// (a) Durable saves one at a time through `Store::create`.
fn bench_saves(work: &Path, saves: usize, out: &mut Vec<Line>) -> Result<()> {
    let mut store = Store::open(&work.join("saves"))?;
    let taxa = taxon_ids(&store)?;
    let mut rng = SplitMix(1);
    // Untimed warm-up, so both sides are measured with a WAL file that has already grown.
    const WARM_UP: usize = 200;
    for i in 0..WARM_UP {
        store.create(&sighting(&taxa[i % taxa.len()].0, &mut rng))?;
    }
    let mut times = Vec::with_capacity(saves);
    for i in 0..saves {
        let body = sighting(&taxa[i % taxa.len()].0, &mut rng);
        let t = Instant::now();
        store.create(&body)?;
        times.push(t.elapsed());
    }
    drop(store);
    // The floor this disk sets: one small row per durable transaction into a bare table, same
    // journal mode and sync setting as the store.
    let conn = Connection::open(work.join("raw-saves.sqlite3"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE raw_save(id TEXT, body TEXT)")?;
    let mut raw_times = Vec::with_capacity(saves);
    let body = sighting(&taxa[0].0, &mut rng).to_json();
    for i in 0..WARM_UP {
        conn.prepare_cached("INSERT INTO raw_save VALUES (?1, ?2)")?
            .execute(rusqlite::params![i.to_string(), body])?;
    }
    for i in 0..saves {
        let t = Instant::now();
        conn.prepare_cached("INSERT INTO raw_save VALUES (?1, ?2)")?
            .execute(rusqlite::params![i.to_string(), body])?;
        raw_times.push(t.elapsed());
    }
    let (r50, r95) = p50_p95(raw_times);
    let (p50, p95) = p50_p95(times);
    out.push(line(
        format!("(a) raw baseline: one-row INSERT + commit, WAL, synchronous=FULL, over {saves}"),
        format!("{:.3} / {:.3} ms", ms(r50), ms(r95)),
        "",
        None,
    ));
    out.push(line(
        format!("(a) durable save, core API, p50 / p95 over {saves}"),
        format!("{:.3} / {:.3} ms", ms(p50), ms(p95)),
        "p95 <= 1 ms",
        Some(p95 <= Duration::from_millis(1)),
    ));
    Ok(())
}

/// Writes `rows` observation rows in the import format, names in several languages.
fn write_csv(path: &Path, rows: usize, taxa: &[String], sites: &[String]) -> Result<()> {
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, File::create(path)?));
    w.write_record([
        "taxon",
        "count",
        "unit",
        "site",
        "lat",
        "lon",
        "observed_at",
        "observers",
        "detection_method",
        "notes",
    ])?;
    let mut rng = SplitMix(42);
    let units = [
        "individuals",
        "individuals",
        "individuals",
        "pairs",
        "burrows",
    ];
    let methods = ["visual", "call", "tracks", "camera trap"];
    let observers = [
        "Bat-Erdene; Ivanova",
        "Li Wei",
        "Tsetseg; Petrov; Zhang Min",
        "Dorj",
    ];
    for i in 0..rows {
        let taxon = &taxa[rng.below(taxa.len() as u64) as usize];
        let (site, lat, lon) = if i % 3 == 0 {
            (
                sites[rng.below(sites.len() as u64) as usize].as_str(),
                String::new(),
                String::new(),
            )
        } else {
            (
                "",
                format!("{:.5}", 47.5 + rng.below(400_000) as f64 / 100_000.0),
                format!("{:.5}", 114.0 + rng.below(600_000) as f64 / 100_000.0),
            )
        };
        let offset = if rng.below(2) == 0 {
            "+08:00"
        } else {
            "+09:00"
        };
        let when = format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}{offset}",
            2024 + rng.below(3),
            rng.below(12) + 1,
            rng.below(28) + 1,
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
        let count = (rng.below(50) + 1).to_string();
        let notes = if i % 4 == 0 {
            "near the burrows on the south slope"
        } else {
            ""
        };
        w.write_record([
            taxon.as_str(),
            &count,
            units[rng.below(units.len() as u64) as usize],
            site,
            &lat,
            &lon,
            &when,
            observers[rng.below(observers.len() as u64) as usize],
            methods[rng.below(methods.len() as u64) as usize],
            notes,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The baseline: the same CSV rows read with the csv crate and inserted with one prepared
/// statement in one transaction into a bare table. Returns the time taken.
fn raw_insert(csv_path: &Path, dir: &Path) -> Result<(Duration, u64)> {
    std::fs::create_dir_all(dir)?;
    let db = dir.join("raw.sqlite3");
    let mut conn = Connection::open(&db)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE raw_observation(taxon TEXT, count INTEGER, unit TEXT, site TEXT, lat REAL,
           lon REAL, observed_at TEXT, observers TEXT, detection_method TEXT, notes TEXT)",
    )?;
    let t = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO raw_observation VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut rdr =
            csv::Reader::from_reader(BufReader::with_capacity(1 << 16, File::open(csv_path)?));
        let mut r = csv::StringRecord::new();
        while rdr.read_record(&mut r)? {
            let num = |i: usize| r.get(i).and_then(|s| s.parse::<f64>().ok());
            stmt.execute(rusqlite::params![
                &r[0],
                r[1].parse::<i64>().ok(),
                &r[2],
                &r[3],
                num(4),
                num(5),
                &r[6],
                &r[7],
                &r[8],
                &r[9]
            ])?;
        }
    }
    tx.commit()?;
    let took = t.elapsed();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok((took, file_size(&db)))
}

/// Walks pages of `limit` from the start and returns cursors found at depths past `skip` rows.
fn deep_cursors(
    store: &Store,
    filter: &ObservationFilter,
    skip: usize,
    want: usize,
) -> Result<Vec<String>> {
    let mut after: Option<String> = None;
    let mut seen = 0;
    let mut out = Vec::new();
    while out.len() < want {
        let page = store.observations(filter, after.as_deref(), 1000)?;
        seen += page.rows.len();
        let Some(next) = page.next else { break };
        if seen >= skip {
            out.push(next.clone());
        }
        after = Some(next);
    }
    Ok(out)
}

fn time_pages(
    store: &Store,
    runs: usize,
    mut query: impl FnMut(usize) -> (ObservationFilter, Option<String>),
) -> Result<(Duration, Duration, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for i in 0..runs {
        let (filter, after) = query(i);
        let t = Instant::now();
        let page = store.observations(&filter, after.as_deref(), 50)?;
        times.push(t.elapsed());
        rows += page.rows.len();
    }
    let (p50, p95) = p50_p95(times);
    Ok((p50, p95, rows / runs.max(1)))
}

fn page_line(out: &mut Vec<Line>, what: &str, (p50, p95, rows): (Duration, Duration, usize)) {
    out.push(line(
        format!("(c) {what} ({rows} rows), p50 / p95"),
        format!("{:.2} / {:.2} ms", ms(p50), ms(p95)),
        "p95 <= 10 ms",
        Some(p95 <= Duration::from_millis(10)),
    ));
}

/// (d) The store's size on disk, all revisions and indexes included, beside the CSV it came from.
fn size_lines(store_dir: &Path, csv_path: &Path, raw_size: u64, rows: usize, out: &mut Vec<Line>) {
    let size = store_size(store_dir);
    let per_row = size / rows.max(1) as u64;
    out.push(line(
        format!("(d) store size, {rows} observations"),
        format!("{} ({per_row} bytes/row)", mib(size)),
        "<= 420 bytes/row",
        Some(per_row <= 420),
    ));
    out.push(line(
        "(d) for scale: the CSV / the raw table",
        format!("{} / {}", mib(file_size(csv_path)), mib(raw_size)),
        "",
        None,
    ));
}

/// (d) Where the store's bytes are, per table and index (SQLite's `dbstat`), per observation.
fn size_by_table(store: &Store, rows: usize, out: &mut Vec<Line>) {
    let parts: rusqlite::Result<Vec<(String, i64)>> = store
        .connection()
        .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    let Ok(parts) = parts else {
        return; // a SQLite built without dbstat
    };
    let text = parts
        .iter()
        .filter(|(_, bytes)| *bytes as usize >= rows.max(1) * 8)
        .map(|(name, bytes)| format!("{name} {}", *bytes as usize / rows.max(1)))
        .collect::<Vec<_>>()
        .join(", ");
    out.push(line("(d) bytes/row by table and index", text, "", None));
}

fn main() -> Result<()> {
    let args = Args::parse();
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base)?;
    let work = tempfile::Builder::new()
        .prefix("dauria-bench-")
        .tempdir_in(&base)?;
    let mut out = Vec::new();
    if args.taxa_only {
        taxon_search::bench_taxon_search(
            work.path(),
            args.taxon_names,
            args.typed_names,
            &mut out,
        )?;
        print_table(&out);
        return Ok(());
    }
    if args.reports_only {
        monitoring::bench_reports(
            work.path(),
            args.reports_store.as_deref(),
            args.rows,
            args.report_runs,
            &mut out,
        )?;
        print_table(&out);
        return Ok(());
    }

    if args.encryption_only {
        encryption::bench_encryption(work.path(), args.saves, args.encryption_rows, &mut out)?;
        print_table(&out);
        return Ok(());
    }
    if !args.import_only {
        eprintln!("(a) {} durable saves ...", args.saves);
        bench_saves(work.path(), args.saves, &mut out)?;
    }

    let store_dir = work.path().join("import");
    let mut store = Store::open(&store_dir)?;
    let taxa = taxon_ids(&store)?;
    let names: Vec<String> = {
        // Scientific names mostly, and every third row a vernacular name in another language.
        let mut v: Vec<String> = taxa.iter().map(|(_, n)| n.clone()).collect();
        for c in store.list(Kind::Taxon)? {
            if let Some(Body::Taxon(t)) = c.body {
                v.extend(
                    t.names
                        .iter()
                        .filter(|n| n.locale == "ru")
                        .map(|n| n.name.clone())
                        .take(1),
                );
            }
        }
        let index = dauria_core::taxa::TaxonIndex::load(&store)?;
        v.retain(|n| index.resolve(n).is_ok());
        v
    };
    let sites: Vec<String> = store
        .list(Kind::Site)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Site(s)) => Some(s.name),
            _ => None,
        })
        .collect();
    let csv_path = work.path().join("observations.csv");
    eprintln!("(b) writing {} CSV rows ...", args.rows);
    write_csv(&csv_path, args.rows, &names, &sites)?;

    eprintln!("(b) raw baseline ...");
    let (raw_time, raw_size) = raw_insert(&csv_path, &work.path().join("raw"))?;
    let raw_rate = args.rows as f64 / raw_time.as_secs_f64();

    eprintln!("(b) import through the core ...");
    let t = Instant::now();
    let report = import_observations(
        &mut store,
        BufReader::with_capacity(1 << 16, File::open(&csv_path)?),
        ImportOptions::default(),
        |_| {},
    )?;
    let import_time = t.elapsed();
    anyhow::ensure!(
        report.imported as usize == args.rows,
        "the import rejected rows: {:?}",
        report.errors.iter().take(3).collect::<Vec<_>>()
    );
    let rate = args.rows as f64 / import_time.as_secs_f64();
    let ratio = rate / raw_rate;
    out.push(line(
        format!(
            "(b) raw baseline: {} rows, csv + one prepared INSERT, one tx",
            args.rows
        ),
        format!("{raw_rate:.0} rows/s ({:.2} s)", raw_time.as_secs_f64()),
        "",
        None,
    ));
    out.push(line(
        format!(
            "(b) import_observations: {} rows (revision + current row + outbox)",
            args.rows
        ),
        format!("{rate:.0} rows/s ({:.2} s)", import_time.as_secs_f64()),
        ">= 150000 rows/s",
        Some(rate >= 150_000.0),
    ));
    out.push(line(
        "(b) import / raw",
        format!("{ratio:.2}x"),
        ">= 0.5x",
        Some(ratio >= 0.5),
    ));

    if args.import_only {
        store
            .connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .context("cannot checkpoint the store")?;
        size_lines(&store_dir, &csv_path, raw_size, args.rows, &mut out);
        size_by_table(&store, args.rows, &mut out);
        print_table(&out);
        return Ok(());
    }
    eprintln!("(c) queries ...");
    let n = args.queries;
    let by_taxon = |i: usize| ObservationFilter {
        taxon: Some(taxa[i % taxa.len()].0.clone()),
        ..Default::default()
    };
    page_line(
        &mut out,
        "first page, filtered by taxon",
        time_pages(&store, n, |i| (by_taxon(i), None))?,
    );
    let countries = [Country::CN, Country::MN, Country::RU];
    page_line(
        &mut out,
        "first page, country + one month",
        time_pages(&store, n, |i| {
            let month = i % 12 + 1;
            let f = ObservationFilter {
                country: Some(countries[i % 3]),
                from: Some(format!("2025-{month:02}-01")),
                to: Some(format!("2025-{month:02}-28")),
                ..Default::default()
            };
            (f, None)
        })?,
    );
    page_line(
        &mut out,
        "first page, text search 'burrows'",
        time_pages(&store, n.min(50), |_| {
            (
                ObservationFilter {
                    text: Some("burrows".into()),
                    ..Default::default()
                },
                None,
            )
        })?,
    );
    let deep = deep_cursors(&store, &ObservationFilter::default(), args.rows / 2, 20)?;
    if !deep.is_empty() {
        page_line(
            &mut out,
            &format!("page at row {}, no filter", args.rows / 2),
            time_pages(&store, n, |i| {
                (
                    ObservationFilter::default(),
                    Some(deep[i % deep.len()].clone()),
                )
            })?,
        );
    }
    let taxon_rows = args.rows / taxa.len().max(1);
    let deep_taxon = deep_cursors(&store, &by_taxon(0), taxon_rows / 2, 5)?;
    if !deep_taxon.is_empty() {
        page_line(
            &mut out,
            &format!("page at row ~{}, filtered by taxon", taxon_rows / 2),
            time_pages(&store, n, |i| {
                (by_taxon(0), Some(deep_taxon[i % deep_taxon.len()].clone()))
            })?,
        );
    }
    let site_id = store.resolve_site(&sites[0])?;
    for (what, site) in [("one site", Some(site_id.as_str())), ("all sites", None)] {
        let mut times = Vec::new();
        let mut groups = 0;
        for _ in 0..5 {
            let t = Instant::now();
            groups = store.species_summary(site)?.len();
            times.push(t.elapsed());
        }
        let (p50, _) = p50_p95(times.clone());
        let worst = *times.iter().max().expect("five runs");
        out.push(line(
            format!("(c) species summary, {what} ({groups} rows), median / max of 5"),
            format!("{:.1} / {:.1} ms", ms(p50), ms(worst)),
            "<= 200 ms",
            Some(worst <= Duration::from_millis(200)),
        ));
    }

    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .context("cannot checkpoint the store")?;
    size_lines(&store_dir, &csv_path, raw_size, args.rows, &mut out);
    eprintln!("(e) Darwin Core Archive export ...");
    exchange::bench_dwca(&store, work.path(), args.rows, &mut out)?;
    drop(store);
    eprintln!("(f) thumbnails ...");
    exchange::bench_thumbnails(args.photos, &mut out)?;
    eprintln!("(i) species search ...");
    taxon_search::bench_taxon_search(work.path(), args.taxon_names, args.typed_names, &mut out)?;
    eprintln!("(g) monitoring reports ...");
    monitoring::bench_reports(
        work.path(),
        args.reports_store.as_deref(),
        args.rows,
        args.report_runs,
        &mut out,
    )?;
    encryption::bench_encryption(work.path(), args.saves, args.encryption_rows, &mut out)?;

    print_table(&out);
    Ok(())
}

fn print_table(lines: &[Line]) {
    let w0 = lines
        .iter()
        .map(|l| l.what.chars().count())
        .max()
        .unwrap_or(0);
    let w1 = lines
        .iter()
        .map(|l| l.result.chars().count())
        .max()
        .unwrap_or(0);
    let w2 = lines
        .iter()
        .map(|l| l.goal.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut o = std::io::stdout().lock();
    let _ = writeln!(
        o,
        "| {:w0$} | {:w1$} | {:w2$} | met |",
        "measurement", "result", "goal"
    );
    let _ = writeln!(
        o,
        "|{}|{}|{}|-----|",
        "-".repeat(w0 + 2),
        "-".repeat(w1 + 2),
        "-".repeat(w2 + 2)
    );
    for l in lines {
        let met = match l.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        let _ = writeln!(
            o,
            "| {:w0$} | {:w1$} | {:w2$} | {met:3} |",
            l.what, l.result, l.goal
        );
    }
}
