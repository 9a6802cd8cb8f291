//! (e) Darwin Core Archive export of the imported store, against a CSV export of the same
//! observations in the same run; (f) thumbnails of 12-megapixel JPEGs, against decoding alone.

use crate::{line, mib, Line};
use anyhow::Result;
use dauria_core::media::{decode_photo, thumbnail_jpeg};
use dauria_core::store::query::ObservationFilter;
use dauria_core::Store;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

/// Exports the store as a DwC-A and as CSV, and reports time, size and their ratio.
pub fn bench_dwca(store: &Store, work: &Path, rows: usize, out: &mut Vec<Line>) -> Result<()> {
    let csv_path = work.join("export.csv");
    let t = Instant::now();
    dauria_core::import::export_observations(
        store,
        &ObservationFilter::default(),
        BufWriter::new(File::create(&csv_path)?),
    )?;
    let csv_time = t.elapsed();
    let zip_path = work.join("export.zip");
    let t = Instant::now();
    let report =
        dauria_core::dwca::export_dwca(store, None, BufWriter::new(File::create(&zip_path)?))?;
    let dwca_time = t.elapsed();
    anyhow::ensure!(
        report.occurrences as usize == rows,
        "the archive holds {} occurrences, not {rows}",
        report.occurrences
    );
    out.push(line(
        format!("(e) baseline: CSV export, {rows} observations"),
        format!(
            "{:.2} s, {}",
            csv_time.as_secs_f64(),
            mib(std::fs::metadata(&csv_path)?.len())
        ),
        "",
        None,
    ));
    out.push(line(
        format!(
            "(e) Darwin Core Archive export, {rows} observations ({} events)",
            report.events
        ),
        format!(
            "{:.2} s, {} zipped",
            dwca_time.as_secs_f64(),
            mib(std::fs::metadata(&zip_path)?.len())
        ),
        "",
        None,
    ));
    out.push(line(
        "(e) DwC-A / CSV export time",
        format!("{:.2}x", dwca_time.as_secs_f64() / csv_time.as_secs_f64()),
        "",
        None,
    ));
    Ok(())
}

/// Makes `photos` thumbnails of a 12-megapixel (4000 x 3000) JPEG.
pub fn bench_thumbnails(photos: usize, out: &mut Vec<Line>) -> Result<()> {
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_with_encoder(
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90),
    )?;
    let t = Instant::now();
    for _ in 0..photos {
        decode_photo(&jpeg)?;
    }
    let decode = t.elapsed().as_secs_f64() / photos as f64;
    let t = Instant::now();
    for _ in 0..photos {
        thumbnail_jpeg(&decode_photo(&jpeg)?)?;
    }
    let thumb = t.elapsed().as_secs_f64() / photos as f64;
    out.push(line(
        format!(
            "(f) baseline: decode a 12 MP JPEG ({}), {photos} times",
            mib(jpeg.len() as u64)
        ),
        format!("{:.2} photos/s", 1.0 / decode),
        "",
        None,
    ));
    out.push(line(
        "(f) decode + 320 px thumbnail + JPEG encode",
        format!("{:.2} photos/s", 1.0 / thumb),
        "",
        None,
    ));
    out.push(line(
        "(f) thumbnail / decode time",
        format!("{:.2}x", thumb / decode),
        "",
        None,
    ));
    Ok(())
}
