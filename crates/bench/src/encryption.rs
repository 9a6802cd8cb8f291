//! (h) The encrypted store against the plain one, measured in the same run: durable saves
//! (alternating one save on each, so both see the same disk and the same moment) and a CSV
//! import into a fresh store of each kind.

use super::{line, ms, p50_p95, sighting, taxon_ids, write_csv, Line, SplitMix};
use anyhow::Result;
use dauria_core::import::{import_observations, ImportOptions};
use dauria_core::model::{Body, Kind};
use dauria_core::{encryption, Store};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

const PASSPHRASE: &str = "benchmark passphrase";
/// The goal: encryption costs at most this factor on saves and on imports.
const GOAL: f64 = 1.3;

fn encrypted_store(dir: &Path) -> Result<Store> {
    encryption::init_encrypted(dir, PASSPHRASE)?;
    Ok(Store::open(dir)?)
}

fn ratio_line(out: &mut Vec<Line>, what: &str, ratio: f64) {
    out.push(line(
        format!("(h) {what}: encrypted / plain, same run"),
        format!("{ratio:.2}x"),
        "<= 1.3x",
        Some(ratio <= GOAL),
    ));
}

/// Runs (h): `saves` durable saves on each store and an import of `rows` CSV rows into each
/// (in ten parts, alternating the stores).
pub fn bench_encryption(work: &Path, saves: usize, rows: usize, out: &mut Vec<Line>) -> Result<()> {
    eprintln!("(h) encrypted store: {saves} saves on each kind ...");
    let mut plain = Store::open(&work.join("h-plain-saves"))?;
    let mut sealed = encrypted_store(&work.join("h-encrypted-saves"))?;
    let taxa = taxon_ids(&plain)?;
    let mut rng = SplitMix(7);
    const WARM_UP: usize = 200;
    for i in 0..WARM_UP {
        let body = sighting(&taxa[i % taxa.len()].0, &mut rng);
        plain.create(&body)?;
        sealed.create(&body)?;
    }
    let (mut tp, mut te) = (Vec::with_capacity(saves), Vec::with_capacity(saves));
    for i in 0..saves {
        let body = sighting(&taxa[i % taxa.len()].0, &mut rng);
        // Alternating which goes first, so neither always follows the other's fsync.
        let order: [(&mut Store, &mut Vec<Duration>); 2] = if i % 2 == 0 {
            [(&mut plain, &mut tp), (&mut sealed, &mut te)]
        } else {
            [(&mut sealed, &mut te), (&mut plain, &mut tp)]
        };
        for (store, times) in order {
            let t = Instant::now();
            store.create(&body)?;
            times.push(t.elapsed());
        }
    }
    drop((plain, sealed));
    let (p50, p95) = p50_p95(tp);
    let (e50, e95) = p50_p95(te);
    out.push(line(
        format!("(h) durable save, plain store, p50 / p95 over {saves}"),
        format!("{:.3} / {:.3} ms", ms(p50), ms(p95)),
        "",
        None,
    ));
    out.push(line(
        format!("(h) durable save, encrypted store, p50 / p95 over {saves}"),
        format!("{:.3} / {:.3} ms", ms(e50), ms(e95)),
        "",
        None,
    ));
    ratio_line(
        out,
        "durable save p95",
        e95.as_secs_f64() / p95.as_secs_f64(),
    );

    eprintln!("(h) encrypted store: importing {rows} CSV rows into each kind ...");
    let plain_dir = work.join("h-plain-import");
    let sealed_dir = work.join("h-encrypted-import");
    let mut plain = Store::open(&plain_dir)?;
    let mut sealed = encrypted_store(&sealed_dir)?;
    let names: Vec<String> = taxa.iter().map(|(_, n)| n.clone()).collect();
    let sites: Vec<String> = plain
        .list(Kind::Site)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Site(s)) => Some(s.name),
            _ => None,
        })
        .collect();
    // The rows go in as PARTS imports, alternating which store goes first, so both see the
    // same machine load; the times are summed per store.
    const PARTS: usize = 10;
    let part_rows = (rows / PARTS).max(1);
    let (mut plain_time, mut sealed_time) = (Duration::ZERO, Duration::ZERO);
    let all = work.join("h-observations.csv");
    write_csv(&all, part_rows * PARTS, &names, &sites)?;
    let text = std::fs::read_to_string(&all)?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let body: Vec<&str> = lines.collect();
    for part in 0..PARTS {
        let csv_path = work.join(format!("h-observations-{part}.csv"));
        let chunk = &body[part * part_rows..(part + 1) * part_rows];
        std::fs::write(&csv_path, format!("{header}\n{}\n", chunk.join("\n")))?;
        let import = |store: &mut Store| -> Result<Duration> {
            let t = Instant::now();
            let r = import_observations(
                store,
                BufReader::with_capacity(1 << 16, File::open(&csv_path)?),
                ImportOptions::default(),
                |_| {},
            )?;
            anyhow::ensure!(r.imported as usize == part_rows, "the import rejected rows");
            Ok(t.elapsed())
        };
        if part % 2 == 0 {
            plain_time += import(&mut plain)?;
            sealed_time += import(&mut sealed)?;
        } else {
            sealed_time += import(&mut sealed)?;
            plain_time += import(&mut plain)?;
        }
    }
    let rows = part_rows * PARTS;
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    out.push(line(
        format!("(h) CSV import, plain store, {rows} rows"),
        format!(
            "{:.0} rows/s ({:.2} s)",
            rate(plain_time),
            plain_time.as_secs_f64()
        ),
        "",
        None,
    ));
    out.push(line(
        format!("(h) CSV import, encrypted store, {rows} rows"),
        format!(
            "{:.0} rows/s ({:.2} s)",
            rate(sealed_time),
            sealed_time.as_secs_f64()
        ),
        "",
        None,
    ));
    ratio_line(
        out,
        "CSV import time",
        sealed_time.as_secs_f64() / plain_time.as_secs_f64(),
    );
    Ok(())
}
