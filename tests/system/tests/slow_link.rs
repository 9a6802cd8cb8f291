//! Sync over a 64 kbit/s link (a 2G modem, a busy satellite terminal): a throttling proxy in
//! front of a real server. Every batch and page must finish, with nothing lost or duplicated.
//!
//! `make test` runs 500 sightings and 4 photos; `DAURIA_SLOW_LINK_FULL=1` runs the full
//! 5,000 sightings and 20 photos (about four minutes).

use dauria_core::media;
use dauria_core::model::Body;
use dauria_sync::{HttpTransport, SyncClient, SyncOptions};
use dauria_system_tests::proxy::FaultProxy;
use dauria_system_tests::*;
use std::time::{Duration, Instant};

/// 64 kbit/s each way.
const LINK_BITS: u64 = 64_000;

fn sync_slow(l: &mut Laptop, url: &str) -> dauria_sync::SyncSummary {
    // Production settings: a request fails only when the link is silent for a minute.
    let t = HttpTransport::new(url, Duration::from_secs(60)).unwrap();
    SyncClient::new(&t, SyncOptions::default())
        .sync(&mut l.store, &mut |_| {})
        .unwrap_or_else(|e| panic!("laptop {} did not finish over the slow link: {e}", l.name))
}

/// A small photo of pseudo-random (incompressible) bytes.
fn photo(seed: u64, size: usize) -> Vec<u8> {
    let mut x = seed * 2 + 1;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn sightings_and_photos_finish_syncing_at_64_kbit_s() {
    let full = std::env::var("DAURIA_SLOW_LINK_FULL").is_ok_and(|v| v == "1");
    let (sightings, photos) = if full { (5000, 20) } else { (500, 4) };
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let mut field = Laptop::new("field");
    let mut lead = Laptop::new("lead");
    field.enroll(&server, "field");
    lead.enroll(&server, "lead");
    let taxa = [
        "Marmota sibirica",
        "Procapra gutturosa",
        "Vulpes corsac",
        "Otis tarda",
        "Grus japonensis",
    ];
    let mut photo_shas = Vec::new();
    for i in 0..sightings {
        let s = field.log(taxa[i % taxa.len()], (i % 37 + 1) as u32);
        if i < photos {
            let sha = media::put_blob(field.store.dir(), &photo(i as u64 + 7, 8 << 10)).unwrap();
            let cur = field.store.get(&s.id).unwrap().unwrap();
            let Some(Body::Observation(mut o)) = cur.body else {
                panic!("an observation")
            };
            o.photos.push(sha.clone());
            field
                .store
                .update(&s.id, &cur.rev_id, &Body::Observation(o))
                .unwrap();
            photo_shas.push(sha);
        }
    }
    let proxy = FaultProxy::start(server.addr);
    proxy.throttle(LINK_BITS);

    let started = Instant::now();
    let up = sync_slow(&mut field, &proxy.url());
    let push_secs = started.elapsed().as_secs_f64();
    let (bytes_up, _) = proxy.bytes();
    assert_eq!(up.photo_error, None);
    assert_eq!(up.photos_uploaded as usize, photos);
    assert_eq!(field.store.pending_count().unwrap(), 0);

    let started = Instant::now();
    let (_, before) = proxy.bytes();
    let down = sync_slow(&mut lead, &proxy.url());
    let pull_secs = started.elapsed().as_secs_f64();
    let (_, after) = proxy.bytes();
    assert_eq!(down.pulled as usize, sightings + photos);

    let photo_bytes = (photos * (8 << 10)) as f64;
    println!(
        "64 kbit/s: {sightings} sightings + {photos} photos pushed in {push_secs:.1} s, pulled in {pull_secs:.1} s; \
         {:.0} bytes per sighting up (photos excluded), {:.0} down",
        (bytes_up as f64 - photo_bytes) / sightings as f64,
        (after - before) as f64 / sightings as f64
    );
    for sha in &photo_shas {
        let p = server
            .data_dir
            .join("blobs")
            .join(&sha[0..2])
            .join(&sha[2..4])
            .join(sha);
        assert!(p.exists(), "photo {sha} is on the server");
    }
    sync_slow(&mut field, &proxy.url());
    assert_all_on_server_once(&server, &[&field, &lead]);
    assert_converged(&[&field, &lead]);
}
