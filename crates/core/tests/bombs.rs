//! Size limits and file modes: a decompression-bomb PNG, a JPEG claiming huge dimensions and a
//! zip bomb are refused with their codes, without the process's memory growing; real photos
//! and archives still go through; the data folder and store are private after open.
//!
//! Every bomb is a real file, streamed to disk so the test never holds its payload either. The
//! memory check reads the process's peak resident size (VmHWM), so each test should run in its
//! own process (as nextest runs them).

use dauria_core::dwca::import_dwca;
use dauria_core::limits;
use dauria_core::media::{decode_photo, store_photo, thumb_path, THUMB_SIZE};
use dauria_core::{Error, Store};
use std::io::Write;
use std::path::Path;

/// Peak resident memory of this process so far, in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .expect("VmHWM in kB");
    kb / 1024
}

/// Refusing must not allocate the pixels or the unpacked archive: gigabytes would show here.
fn assert_memory_stayed_small() {
    let peak = peak_rss_mib();
    assert!(
        peak < 300,
        "peak resident memory reached {peak} MiB while refusing"
    );
}

/// A 40,000 × 40,000 grayscale PNG of zeros (1.6 GB of pixels) streamed row by row: a few MB.
fn png_bomb(path: &Path) {
    let side = 40_000u32;
    let f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut enc = png::Encoder::new(f, side, side);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Balanced);
    let mut w = enc.write_header().unwrap().into_stream_writer().unwrap();
    let row = vec![0u8; side as usize];
    for _ in 0..side {
        w.write_all(&row).unwrap();
    }
    w.finish().unwrap();
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 85,
        ))
        .unwrap();
    out
}

/// A small real JPEG whose frame header (SOF0) claims 60,000 × 60,000 pixels (10.8 GB as RGB).
fn jpeg_claiming_huge_dimensions() -> Vec<u8> {
    let mut bytes = jpeg(64, 48);
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has an SOF0 marker");
    // Marker, length (2), precision (1), then height and width, big-endian.
    bytes[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    bytes
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    if dir.is_dir() {
        for e in walk(dir) {
            names.push(e);
        }
    }
    names.sort();
    names
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn png_decompression_bomb_is_refused_before_its_pixels_are_allocated() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bomb.png");
    png_bomb(&path);
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.len() < 16 * 1024 * 1024,
        "the bomb is a small file ({} bytes)",
        bytes.len()
    );

    let err = decode_photo(&bytes).unwrap_err();
    assert_eq!(err.code(), "image_too_large", "{err}");
    let msg = err.to_string();
    assert!(msg.contains("40000 × 40000"), "names the dimensions: {msg}");
    assert!(
        msg.contains(&limits::MAX_PHOTO_SIDE.to_string()),
        "names the limit: {msg}"
    );

    // Storing it (import, or a photo arriving from another laptop) writes nothing.
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let err = store_photo(&data, &bytes).unwrap_err();
    assert_eq!(err.code(), "image_too_large");
    assert!(files_in(&data).is_empty(), "{:?}", files_in(&data));
    assert_memory_stayed_small();
}

#[test]
fn jpeg_claiming_huge_dimensions_is_refused_with_its_code() {
    let bytes = jpeg_claiming_huge_dimensions();
    let err = decode_photo(&bytes).unwrap_err();
    assert!(matches!(err, Error::ImageTooLarge(_)), "{err:?}");
    assert_eq!(err.code(), "image_too_large");
    assert!(err.to_string().contains("60000 × 60000"), "{err}");
    assert_memory_stayed_small();
}

#[test]
fn a_12_megapixel_camera_photo_still_decodes_and_thumbnails() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = jpeg(4000, 3000);
    let img = decode_photo(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (4000, 3000));
    drop(img);
    let stored = store_photo(tmp.path(), &bytes).unwrap();
    assert_eq!((stored.width, stored.height), (4000, 3000));
    let thumb = image::open(thumb_path(tmp.path(), &stored.sha256).unwrap()).unwrap();
    assert_eq!(thumb.width().max(thumb.height()), THUMB_SIZE);
}

/// A Darwin Core Archive whose occurrence file is `zeros` bytes of zeros, streamed into the
/// zip writer a megabyte at a time.
fn dwca_with_zeros(path: &Path, zeros: u64) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(zeros >= u64::from(u32::MAX));
    z.start_file("meta.xml", o).unwrap();
    z.write_all(OCC_META.as_bytes()).unwrap();
    z.start_file("occ.csv", o).unwrap();
    let chunk = vec![0u8; 1024 * 1024];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        z.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    z.finish().unwrap();
}

const OCC_META: &str = r#"<archive xmlns="http://rs.tdwg.org/dwc/text/"><core encoding="UTF-8" fieldsTerminatedBy="," linesTerminatedBy="\n" fieldsEnclosedBy='"' ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence"><files><location>occ.csv</location></files><id index="0"/><field index="0" term="http://rs.tdwg.org/dwc/terms/occurrenceID"/><field index="1" term="http://rs.tdwg.org/dwc/terms/scientificName"/><field index="2" term="http://rs.tdwg.org/dwc/terms/eventDate"/><field index="3" term="http://rs.tdwg.org/dwc/terms/individualCount"/><field index="4" term="http://rs.tdwg.org/dwc/terms/decimalLatitude"/><field index="5" term="http://rs.tdwg.org/dwc/terms/decimalLongitude"/></core></archive>"#;

/// Overwrites the uncompressed size of every entry named `name` in the central directory,
/// as a forged archive would.
fn forge_declared_size(path: &Path, name: &str, size: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    let mut i = 0;
    let mut forged = 0;
    while i + 46 <= bytes.len() {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            let name_len = u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]) as usize;
            if &bytes[i + 46..i + 46 + name_len] == name.as_bytes() {
                bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                forged += 1;
            }
        }
        i += 1;
    }
    assert_eq!(forged, 1, "the central directory names {name} once");
    std::fs::write(path, bytes).unwrap();
}

fn observation_count(store: &Store) -> usize {
    store
        .observations(&Default::default(), None, 10_000)
        .unwrap()
        .rows
        .len()
}

#[test]
fn zip_bomb_is_refused_without_unpacking_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bomb.zip");
    // 2 GiB of zeros: a couple of megabytes packed.
    dwca_with_zeros(&path, 2 * 1024 * 1024 * 1024);
    let packed = std::fs::metadata(&path).unwrap().len();
    assert!(packed < 16 * 1024 * 1024, "{packed} bytes packed");

    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let before = observation_count(&store);
    let err = import_dwca(&mut store, std::fs::File::open(&path).unwrap()).unwrap_err();
    assert_eq!(err.code(), "archive_too_large", "{err}");
    assert!(err.to_string().contains("occ.csv"), "{err}");
    assert_eq!(observation_count(&store), before, "nothing was imported");
    assert_memory_stayed_small();
}

#[test]
fn zip_entry_packed_far_beyond_text_is_refused_by_its_ratio() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("dense.zip");
    // Under the size limits, but zeros pack about 1,000 to 1; text does not.
    dwca_with_zeros(&path, 64 * 1024 * 1024);
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let err = import_dwca(&mut store, std::fs::File::open(&path).unwrap()).unwrap_err();
    assert_eq!(err.code(), "archive_too_large", "{err}");
    assert!(err.to_string().contains("times"), "{err}");
    assert_memory_stayed_small();
}

#[test]
fn zip_entry_that_unpacks_to_more_than_its_header_says_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("forged.zip");
    dwca_with_zeros(&path, 200 * 1024 * 1024);
    // The header now says 100 bytes: no size or ratio check can see the 200 MiB.
    forge_declared_size(&path, "occ.csv", 100);
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let err = import_dwca(&mut store, std::fs::File::open(&path).unwrap()).unwrap_err();
    assert_eq!(err.code(), "archive_too_large", "{err}");
    assert!(err.to_string().contains("header"), "{err}");
    assert_memory_stayed_small();
}

#[test]
fn a_normal_darwin_core_archive_still_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("occ.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("meta.xml", o).unwrap();
        z.write_all(OCC_META.as_bytes()).unwrap();
        z.start_file("occ.csv", o).unwrap();
        let mut csv = String::from(
            "occurrenceID,scientificName,eventDate,individualCount,decimalLatitude,decimalLongitude\n",
        );
        for i in 0..2_000 {
            csv.push_str(&format!(
                "h{i},Grus leucogeranus,1998-07-{:02},{},50.{:03},116.{:03}\n",
                1 + i % 28,
                1 + i % 7,
                i % 1000,
                (i * 7) % 1000
            ));
        }
        z.write_all(csv.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let report = import_dwca(&mut store, std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!((report.rows, report.imported), (2_000, 2_000), "{report:?}");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn assert_private(dir: &Path) {
    use dauria_core::store::DB_FILE;
    assert_eq!(mode(dir), 0o700, "data folder {}", dir.display());
    let db = dir.join(DB_FILE);
    assert_eq!(mode(&db), 0o600, "{}", db.display());
    let mut journals = 0;
    for suffix in ["-wal", "-shm"] {
        let p = dir.join(format!("{DB_FILE}{suffix}"));
        if p.exists() {
            journals += 1;
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
    assert!(
        journals > 0,
        "an open WAL store has its -wal and -shm files"
    );
}

#[cfg(unix)]
#[test]
fn data_folder_and_store_are_private_after_create_and_after_open() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    {
        let store = Store::open(&dir).unwrap();
        // A written credential, as sync enrollment leaves it.
        store.set_meta("sync.token", "secret-token").unwrap();
        assert_private(&dir);
    }
    // A store left readable by others (an older version, a copy) is made private on open.
    let db = dir.join(dauria_core::store::DB_FILE);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = Store::open(&dir).unwrap();
    assert_private(&dir);
}

#[test]
fn the_enrollment_reply_prints_without_its_credential() {
    let resp = dauria_proto::EnrollResponse {
        device_id: "d1".into(),
        name: "laptop 1".into(),
        role: dauria_proto::Role::Field,
        token: "s3cret-bearer-credential".into(),
    };
    let shown = format!("{resp:?} {resp:#?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("laptop 1"), "{shown}");
}

#[test]
fn a_10_gb_csv_without_line_breaks_is_refused_without_being_held() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.csv");
    // Sparse: 10 GB that read as zeros and take no disk.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(10 * 1024 * 1024 * 1024)
        .unwrap();
    let mut store = Store::open(&tmp.path().join("data")).unwrap();
    let err = dauria_core::import::import_observations(
        &mut store,
        std::fs::File::open(&path).unwrap(),
        Default::default(),
        |_| {},
    )
    .unwrap_err();
    assert_eq!(err.code(), "file_too_large", "{err}");
    assert!(err.to_string().contains("line longer"), "{err}");
    assert_memory_stayed_small();
}

#[test]
fn reading_past_a_file_limit_is_refused_with_its_code() {
    use std::io::Read;
    let mut capped = limits::Capped::new(std::io::repeat(b'a'), 1_000_000, "the test file");
    let mut sink = Vec::new();
    let e = capped.read_to_end(&mut sink).unwrap_err();
    assert!(sink.len() <= 1_000_000, "{} bytes held", sink.len());
    let err = limits::over_limit(&e).expect("the limit's own error");
    assert_eq!(err.code(), "file_too_large");
    // Exactly at the limit is fine.
    let mut exact = limits::Capped::new(&[7u8; 1000][..], 1000, "the test file");
    assert_eq!(exact.read_to_end(&mut Vec::new()).unwrap(), 1000);
}

/// A GPX file that never ends: its header, then spaces forever.
struct EndlessGpx {
    header: std::io::Cursor<&'static [u8]>,
}

impl std::io::Read for EndlessGpx {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.header.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        buf.fill(b' ');
        Ok(buf.len())
    }
}

#[test]
fn a_gpx_stream_past_its_limit_is_refused() {
    let endless = EndlessGpx {
        header: std::io::Cursor::new(
            br#"<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="50.1" lon="115.9"><name>a</name></wpt>"#,
        ),
    };
    let err = dauria_core::planning::gpx::read(endless).unwrap_err();
    assert_eq!(err.code(), "file_too_large", "{err}");
    assert_memory_stayed_small();
}
