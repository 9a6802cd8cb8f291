//! Writes the small store the migration tests start from: `cargo run -p dauria-core --example
//! schema1_fixture -- <folder>`.
//!
//! The committed copy in `crates/core/tests/fixtures/schema1/` was written by the release whose
//! store is schema 1 (migrations 001–003, `user_version` 3). It holds what a migration must keep:
//! sightings with edits, a deletion, an undated one, a conflict between this laptop and another
//! (one head pulled), outbox ops pushed and pending, a photo (the blob and its link in a sighting),
//! an imported row with its source, a change set aside, the sync cursor and the pushed watermark.
//! Run by a later release it writes that release's schema, so regenerate it only to add things the
//! schema-1 code could already write.

use dauria_core::import::{import_observations_from, ImportOptions};
use dauria_core::model::{Body, CountUnit, DatePrecision, Kind, Observation};
use dauria_core::store::Pulled;
use dauria_core::taxa::TaxonIndex;
use dauria_core::{media, Store};
use std::path::PathBuf;

fn sighting(taxon: &str, count: u32, at: &str) -> Observation {
    Observation {
        visit: None,
        site: None,
        taxon: Some(taxon.to_string()),
        taxon_name: None,
        count: Some(count),
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: Some(49.7),
        lon: Some(115.1),
        uncertainty_m: Some(10.0),
        observed_at: at.to_string(),
        observers: vec!["Bat-Erdene".into(), "Иванова".into()],
        detection_method: Some("visual".into()),
        notes: Some("near the burrows on the south slope".into()),
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args()
        .nth(1)
        .ok_or("usage: schema1_fixture <empty folder>")?
        .into();
    if out.join(dauria_core::store::DB_FILE).exists() {
        return Err(format!("{} already holds a store", out.display()).into());
    }
    let mut store = Store::open(&out)?;
    let other_dir = tempfile::tempdir()?;
    let mut other = Store::open(other_dir.path())?;
    let index = TaxonIndex::load(&store)?;
    let marmot = index.resolve("Marmota sibirica")?;
    let crane = index.resolve("Grus vipio")?;
    let site = store
        .list(Kind::Site)?
        .first()
        .ok_or("no seeded site")?
        .id
        .clone();

    // Plain sightings, one at a site, one with a photo.
    let a = store.create(&Body::Observation(sighting(
        &marmot,
        3,
        "2025-06-01T07:30:00+08:00",
    )))?;
    let mut at_site = sighting(&crane, 2, "2025-06-02T18:05:00+09:00");
    at_site.site = Some(site.clone());
    at_site.lat = None;
    at_site.lon = None;
    let b = store.create(&Body::Observation(at_site))?;
    let mut img = image::RgbImage::new(8, 8);
    for (x, y, p) in img.enumerate_pixels_mut() {
        *p = image::Rgb([(x * 30) as u8, (y * 30) as u8, 90]);
    }
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )?;
    let photo = media::store_photo(&out, &jpeg)?;
    let mut with_photo = sighting(&marmot, 1, "2025-06-03T06:00:00+08:00");
    with_photo.photos = vec![photo.sha256.clone()];
    store.create(&Body::Observation(with_photo))?;
    // An undated historical record.
    let mut undated = sighting(&crane, 4, "");
    undated.date_precision = Some(DatePrecision::Undated);
    store.create(&Body::Observation(undated))?;
    // Edits: two in a row on `a`, and a deletion.
    let a2 = store.update(
        &a.id,
        &a.rev_id,
        &Body::Observation(sighting(&marmot, 5, "2025-06-01T07:30:00+08:00")),
    )?;
    store.update(
        &a.id,
        &a2.rev_id,
        &Body::Observation(sighting(&marmot, 6, "2025-06-01T07:35:00+08:00")),
    )?;
    let gone = store.create(&Body::Observation(sighting(
        &marmot,
        9,
        "2025-06-04T08:00:00+08:00",
    )))?;
    store.delete(&gone.id, &gone.rev_id)?;
    // The first ops reached the server; the rest are pending.
    store.mark_pushed(3)?;

    // A conflict: a survey lead's laptop edits `b` from the same parent, and its edit is pulled here.
    let mine = store.outbox_after(0, 1000, usize::MAX)?;
    other.apply_remote(&mine, &[])?;
    let b_here = store.get(&b.id)?.ok_or("b is missing")?;
    let Some(Body::Observation(mut ours)) = b_here.body else {
        return Err("b is not a sighting".into());
    };
    let mut theirs = ours.clone();
    ours.count = Some(7);
    theirs.count = Some(11);
    theirs.notes = Some("counted from the tower".into());
    store.update(&b.id, &b.rev_id, &Body::Observation(ours))?;
    other.update(&b.id, &b.rev_id, &Body::Observation(theirs))?;
    let from_other = other.outbox_after(0, 1000, usize::MAX)?;
    // Pulled with the page's cursor in the same transaction, as dauria-sync does.
    let mut page: Vec<Pulled> = from_other
        .iter()
        .enumerate()
        .map(|(i, r)| Pulled {
            server_seq: Some(40 + i as u64),
            doc: serde_json::to_string(r).expect("revisions serialise"),
            role: Some(dauria_proto::Role::Lead),
        })
        .collect();
    // And a change this laptop cannot read, set aside with its reason.
    page.push(Pulled {
        server_seq: Some(99),
        doc: "{\"not\": \"a revision\"}".into(),
        role: Some(dauria_proto::Role::Field),
    });
    let report = store.apply_pulled(&page, &[("sync.cursor", "1:99")])?;
    if report.applied != from_other.len() || report.rejected.len() != 1 {
        return Err(format!("unexpected pull: {report:?}").into());
    }
    store.set_meta("sync.server", "https://dauria.example.org")?;
    if !store.get(&b.id)?.is_some_and(|c| c.conflict) {
        return Err("the fixture should hold a conflict".into());
    }

    // An imported file: its rows remember their source.
    let csv = "taxon,count,observed_at,lat,lon,occurrenceID\n\
               Marmota sibirica,2,2024-05-10T09:00:00+08:00,49.9,116.2,occ-1\n\
               Grus vipio,1,2019-05,49.8,116.0,occ-2\n";
    import_observations_from(
        &mut store,
        csv.as_bytes(),
        "field-book-2024.csv",
        ImportOptions::default(),
        |_| {},
    )?;

    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")?;
    println!(
        "wrote {} ({} pending ops, user_version {})",
        out.display(),
        store.pending_count()?,
        store
            .connection()
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?
    );
    Ok(())
}
