//! The server under load and abuse: idle connection floods, oversized and competing photo
//! uploads, abandoned uploads, large downloads, shutdown with a push in flight, and HTTPS with
//! a field station's self-signed certificate.

use dauria_server::blobs::{unix_now, BlobLimits, BlobStore};
use dauria_system_tests::{cargo_bin, quick_options, Laptop, ServerProcess};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BLOB_SIZE: &str = "x-dauria-blob-size";
const BLOB_OFFSET: &str = "x-dauria-blob-offset";
const CHUNK_SHA: &str = "x-dauria-chunk-sha256";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Polls `cond` until it holds or `within` passes.
fn eventually(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An enrolled laptop and its bearer credential.
fn enrolled(server: &ServerProcess, name: &str, role: &str) -> (Laptop, String) {
    let laptop = Laptop::new(name);
    laptop.enroll(server, role);
    let token = laptop
        .store
        .meta("sync.token")
        .unwrap()
        .expect("a credential");
    (laptop, token)
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Sends one photo chunk; returns the status and the JSON body.
fn put_chunk(
    server: &ServerProcess,
    token: &str,
    blob: &str,
    size: u64,
    offset: u64,
    chunk: &[u8],
) -> (u16, serde_json::Value) {
    let r = client()
        .put(format!("{}/v1/blobs/{blob}", server.url()))
        .bearer_auth(token)
        .header(BLOB_SIZE, size.to_string())
        .header(BLOB_OFFSET, offset.to_string())
        .header(CHUNK_SHA, sha(chunk))
        .body(chunk.to_vec())
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let body = r.bytes().unwrap();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

/// Uploads a whole photo in chunks, following the server's offsets.
fn upload(server: &ServerProcess, token: &str, bytes: &[u8], chunk: usize) {
    let blob = sha(bytes);
    let mut offset = 0usize;
    loop {
        let end = (offset + chunk).min(bytes.len());
        let (status, ack) = put_chunk(
            server,
            token,
            &blob,
            bytes.len() as u64,
            offset as u64,
            &bytes[offset..end],
        );
        assert!(status == 200 || status == 409, "upload: {status} {ack}");
        if ack["complete"] == true {
            return;
        }
        offset = ack["offset"].as_u64().unwrap() as usize;
    }
}

fn photo(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect()
}

fn partial_files(data_dir: &Path) -> Vec<String> {
    std::fs::read_dir(data_dir.join("blobs/partial"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("ledger"))
        .collect()
}

/// Raises this process's open-file limit so it can hold thousands of connections.
fn raise_nofile() {
    // SAFETY: plain getrlimit/setrlimit on a local struct.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
}

fn vm_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

#[test]
fn idle_connection_flood_leaves_health_and_push_working() {
    raise_nofile();
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (mut laptop, _) = enrolled(&server, "flooded laptop", "field");
    laptop.log("Marmota sibirica", 3);
    let idle: Vec<TcpStream> = (0..2000)
        .map(|_| TcpStream::connect(server.addr).expect("idle connection opens"))
        .collect();
    let r = client()
        .get(format!("{}/v1/health", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let summary = laptop
        .sync_via(&server.url(), quick_options())
        .expect("a push gets through the flood");
    assert_eq!(summary.pushed, 1);
    assert_eq!(idle.len(), 2000);
    dauria_system_tests::assert_all_on_server_once(&server, &[&laptop]);
}

#[test]
fn connections_over_the_cap_are_closed_and_the_rest_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &["--max-connections", "4"]);
    let held: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // The server closes a connection over the cap at once: reading it ends.
    let mut extra = TcpStream::connect(server.addr).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = [0u8; 16];
    let closed = matches!(extra.read(&mut buf), Ok(0) | Err(_));
    assert!(closed, "a connection over the cap is closed");
    drop(held);
    eventually(Duration::from_secs(30), "a free slot", || {
        client()
            .get(format!("{}/v1/health", server.url()))
            .send()
            .is_ok_and(|r| r.status() == 200)
    });
}

#[test]
fn idle_and_slow_header_connections_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &["--header-timeout-secs", "0.5"]);
    let idle = TcpStream::connect(server.addr).unwrap();
    let mut slow = TcpStream::connect(server.addr).unwrap();
    // Headers that never end (a slowloris).
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    for mut s in [idle, slow] {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = Vec::new();
        // The server closes the connection (possibly after a 408); a read timeout fails here.
        s.read_to_end(&mut buf)
            .expect("the server closes the connection");
        let text = String::from_utf8_lossy(&buf);
        assert!(buf.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    let r = client()
        .get(format!("{}/v1/health", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn photo_uploads_are_capped_by_declared_size_and_quota() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &["--photo-quota-bytes", "150000"]);
    let (laptop, token) = enrolled(&server, "greedy laptop", "field");
    let device = laptop.store.device_id().to_string();

    // 100 TB declared: refused before anything is written.
    let chunk = photo(1000, 1);
    let blob = sha(&chunk);
    let (status, body) = put_chunk(&server, &token, &blob, 100_000_000_000_000, 0, &chunk);
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "too_large");
    assert!(partial_files(dir.path()).is_empty());
    let ledger = BlobStore::new(dir.path()).unwrap();
    assert_eq!(ledger.upload(&blob).unwrap(), None);

    // Within the quota: kept. Past it: refused, nothing written.
    let a = photo(100_000, 2);
    upload(&server, &token, &a, 40_000);
    assert_eq!(ledger.used_by(&device).unwrap(), 100_000);
    let b = photo(100_000, 3);
    let (status, body) = put_chunk(&server, &token, &sha(&b), 100_000, 0, &b[..10_000]);
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "quota_exceeded");
    assert!(partial_files(dir.path()).is_empty());
    assert_eq!(ledger.used_by(&device).unwrap(), 100_000);

    // The first chunk fixes the size: another size for the same upload is refused.
    let c = photo(40_000, 4);
    let (status, _) = put_chunk(&server, &token, &sha(&c), 40_000, 0, &c[..20_000]);
    assert_eq!(status, 200);
    let (status, body) = put_chunk(&server, &token, &sha(&c), 50_000, 20_000, &c[20_000..]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "bad_request");
    let (status, body) = put_chunk(&server, &token, &sha(&c), 40_000, 20_000, &c[20_000..]);
    assert_eq!((status, &body["complete"]), (200, &serde_json::json!(true)));
    assert_eq!(ledger.used_by(&device).unwrap(), 140_000);

    // Viewers cannot upload; requests without a credential are refused.
    let (_, viewer) = enrolled(&server, "viewer laptop", "viewer");
    let (status, _) = put_chunk(&server, &viewer, &sha(&b), 100_000, 0, &b[..10]);
    assert_eq!(status, 403);
    let url = format!("{}/v1/blobs/{}", server.url(), sha(&a));
    assert_eq!(client().get(&url).send().unwrap().status(), 401);
    let r = client()
        .put(&url)
        .header(BLOB_SIZE, "10")
        .header(BLOB_OFFSET, "0")
        .header(CHUNK_SHA, sha(b"0123456789"))
        .body("0123456789")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .post(format!("{}/v1/blobs/missing", server.url()))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "hashes": [sha(&a)] }).to_string())
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client().get(&url).bearer_auth(&token).send().unwrap();
    assert_eq!(r.bytes().unwrap().as_ref(), a.as_slice());
}

#[test]
fn abandoned_partial_uploads_expire_with_their_quota_share() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (laptop, token) = enrolled(&server, "abandoning laptop", "field");
    let device = laptop.store.device_id().to_string();
    let p = photo(30_000, 5);
    let (status, _) = put_chunk(&server, &token, &sha(&p), 30_000, 0, &p[..10_000]);
    assert_eq!(status, 200);
    let kept = photo(5_000, 6);
    upload(&server, &token, &kept, 5_000);
    assert_eq!(partial_files(dir.path()), vec![sha(&p)]);

    // Not yet stale: kept.
    let store = BlobStore::with_limits(dir.path(), BlobLimits::default()).unwrap();
    assert_eq!(store.sweep(unix_now()).unwrap(), 0);
    assert_eq!(store.used_by(&device).unwrap(), 35_000);
    // 73 hours later: the partial and its share of the quota are gone; the photo stays.
    assert_eq!(store.sweep(unix_now() + 73 * 3600).unwrap(), 1);
    assert!(partial_files(dir.path()).is_empty());
    assert_eq!(store.upload(&sha(&p)).unwrap(), None);
    assert_eq!(store.used_by(&device).unwrap(), 5_000);
    assert!(store.path(&sha(&kept)).exists());
}

#[test]
fn the_running_server_sweeps_expired_partials_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    // 0.0005 h = 1.8 s.
    let server = ServerProcess::start(
        dir.path(),
        None,
        None,
        &["--partial-expiry-hours", "0.0005"],
    );
    let (_, token) = enrolled(&server, "slow laptop", "field");
    let p = photo(30_000, 7);
    let (status, _) = put_chunk(&server, &token, &sha(&p), 30_000, 0, &p[..10_000]);
    assert_eq!(status, 200);
    assert_eq!(partial_files(dir.path()).len(), 1);
    let ledger = BlobStore::new(dir.path()).unwrap();
    eventually(Duration::from_secs(60), "the sweep", || {
        partial_files(dir.path()).is_empty() && ledger.upload(&sha(&p)).unwrap().is_none()
    });
    // The upload starts again from zero.
    let (status, ack) = put_chunk(&server, &token, &sha(&p), 30_000, 10_000, &p[10_000..]);
    assert_eq!((status, ack["offset"].as_u64()), (409, Some(0)));
}

#[test]
fn concurrent_writers_to_one_upload_do_not_corrupt_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (_, token) = enrolled(&server, "two-window laptop", "field");
    let p = photo(2_000_000, 8);
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| upload(&server, &token, &p, 64 << 10));
        }
    });
    let r = client()
        .get(format!("{}/v1/blobs/{}", server.url(), sha(&p)))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sha(&r.bytes().unwrap()), sha(&p));
}

#[test]
fn large_photo_downloads_are_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (_, token) = enrolled(&server, "photo laptop", "field");
    let p = photo(50_000_000, 9);
    upload(&server, &token, &p, 4 << 20);
    let pid = server.pid();
    let peak_before = vm_kib(pid, "VmHWM:");
    let rss_before = vm_kib(pid, "VmRSS:");
    let mut r = client()
        .get(format!("{}/v1/blobs/{}", server.url(), sha(&p)))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.content_length(), Some(50_000_000));
    // Read slowly at first: the server holds what it sent so far, not the file.
    let mut got = vec![0u8; 1 << 20];
    r.read_exact(&mut got).unwrap();
    let rss_mid = vm_kib(pid, "VmRSS:");
    r.read_to_end(&mut got).unwrap();
    assert_eq!(sha(&got), sha(&p));
    let peak_after = vm_kib(pid, "VmHWM:");
    assert!(
        rss_mid < rss_before + 20_000,
        "server RSS grew from {rss_before} to {rss_mid} KiB during a 50 MB download"
    );
    assert!(
        peak_after < peak_before.max(rss_before) + 20_000,
        "server peak RSS grew from {peak_before} to {peak_after} KiB for a 50 MB download"
    );
}

/// Sends a push whose body is held back until `hold` returns; the server has started the
/// handler (it asked for the body with `100 Continue`) before `hold` runs.
fn push_with_held_body(
    server: &ServerProcess,
    token: &str,
    body: &[u8],
    hold: impl FnOnce(),
) -> (u16, serde_json::Value) {
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST /v1/push HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        server.addr,
        body.len()
    )
    .unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("HTTP/1.1 100"),
        "expected 100 Continue, got {line}"
    );
    reader.read_line(&mut line).unwrap();
    hold();
    s.write_all(body).unwrap();
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let code: u16 = status.split(' ').nth(1).unwrap().parse().unwrap();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        if h.trim().is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut resp = vec![0u8; len];
    reader.read_exact(&mut resp).unwrap();
    (code, serde_json::from_slice(&resp).unwrap_or_default())
}

#[test]
fn sigterm_lets_a_push_in_flight_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), None, None, &[]);
    let (mut laptop, token) = enrolled(&server, "last-minute laptop", "field");
    for n in 1..=3 {
        laptop.log("Marmota sibirica", n);
    }
    let ops = laptop.store.outbox_after(0, 100, usize::MAX).unwrap();
    let batch_id = uuid::Uuid::now_v7().to_string();
    // Written out by hand: the bodies must keep their exact bytes (their hashes are sent).
    let body = format!(
        r#"{{"batch_id":"{batch_id}","device_id":"{}","ops":{}}}"#,
        laptop.store.device_id(),
        serde_json::to_string(&ops).unwrap()
    )
    .into_bytes();
    let addr = server.addr;
    let pid = server.pid();
    let (status, ack) = push_with_held_body(&server, &token, &body, || {
        // SAFETY: signalling our own child process.
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGTERM) }, 0);
        // The server stops accepting once it has the signal.
        eventually(Duration::from_secs(30), "the listener to close", || {
            TcpStream::connect(addr).is_err()
        });
    });
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["batch_id"], batch_id.as_str());
    let results = ack["results"].as_array().expect("results");
    assert_eq!(results.len(), 3, "{ack}");
    assert!(results.iter().all(|r| r["status"] == "applied"), "{ack}");
    let mut exit = None;
    eventually(Duration::from_secs(40), "the server to exit", || {
        exit = server.try_exit();
        exit.is_some()
    });
    assert!(exit.unwrap().success(), "exit status {:?}", exit);
    let on_server = server.store().rev_ids_of(laptop.store.device_id()).unwrap();
    assert_eq!(on_server, laptop.outbox_rev_ids());
}

fn dauria_cli(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(cargo_bin("dauria-cli", "dauria-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("dauria-cli runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn tls_init(out: &Path) -> String {
    let o = Command::new(cargo_bin("dauria-server", "dauria-server"))
        .args(["tls", "init", "--out"])
        .arg(out)
        .args(["--host", "127.0.0.1", "--host", "field-station.local"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .trim()
        .strip_prefix("tls fingerprint sha256 ")
        .expect("tls init prints the fingerprint")
        .to_string()
}

#[test]
fn https_with_a_self_signed_certificate_is_trusted_by_fingerprint_or_ca_file() {
    let certs = tempfile::tempdir().unwrap();
    let fp = tls_init(certs.path());
    let cert = certs.path().join("cert.pem");
    let key = certs.path().join("key.pem");
    let dir = tempfile::tempdir().unwrap();
    let tls = [
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    let server = ServerProcess::start(dir.path(), None, None, &tls);
    assert!(server.url().starts_with("https://"));
    assert_eq!(server.fingerprint.as_deref(), Some(fp.as_str()));

    // Pinned by the printed fingerprint, through the command line.
    let a = tempfile::tempdir().unwrap();
    dauria_cli(a.path(), &["init"]);
    let code = server.enrollment_code("station laptop", "field");
    let (ok, out) = dauria_cli(
        a.path(),
        &[
            "enroll",
            "--server",
            &server.url(),
            "--fingerprint",
            &fp,
            &code,
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = dauria_cli(
        a.path(),
        &[
            "obs",
            "add",
            "--taxon",
            "тарбаган",
            "--count",
            "2",
            "--at",
            "N49 42.000 E115 06.000",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = dauria_cli(a.path(), &["sync"]);
    assert!(ok && out.contains("sent 1 changes"), "{out}");

    // A wrong pin, or no pin at all, is refused and names what the server presented.
    let wrong = format!(
        "{}{}",
        if fp.starts_with("00") { "11" } else { "00" },
        &fp[2..]
    );
    let url = server.url();
    for pin in [Some(wrong.as_str()), None] {
        let b = tempfile::tempdir().unwrap();
        dauria_cli(b.path(), &["init"]);
        let code = server.enrollment_code("impostor check", "field");
        let mut args = vec!["enroll", "--server", url.as_str()];
        if let Some(p) = pin {
            args.extend(["--fingerprint", p]);
        }
        args.push(&code);
        let (ok, out) = dauria_cli(b.path(), &args);
        assert!(!ok, "an untrusted certificate is refused");
        assert!(
            out.contains("not trusted") && out.contains(&fp),
            "the refusal names the presented fingerprint: {out}"
        );
    }

    // Trusted through a CA file, through the command line...
    let e = tempfile::tempdir().unwrap();
    dauria_cli(e.path(), &["init"]);
    let code = server.enrollment_code("CA-file laptop", "field");
    let (ok, out) = dauria_cli(
        e.path(),
        &[
            "enroll",
            "--server",
            &url,
            "--ca-file",
            cert.to_str().unwrap(),
            &code,
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = dauria_cli(e.path(), &["sync"]);
    assert!(ok && out.contains("received 1"), "{out}");

    // ...and in the library, as the app uses it.
    let mut c = Laptop::new("CA laptop");
    let code = server.enrollment_code("CA laptop", "field");
    let trust = dauria_sync::Trust::CaFile(cert.clone());
    let t = dauria_sync::HttpTransport::with_trust(&server.url(), Duration::from_secs(10), &trust)
        .unwrap();
    dauria_sync::enroll(&c.store, &t, &server.url(), &code).expect("enrolls over HTTPS");
    dauria_sync::set_trust(&c.store, &trust).unwrap();
    c.log("Marmota sibirica", 1);
    let s = c.sync_via(&server.url(), quick_options()).unwrap();
    assert_eq!(s.pushed, 1);
    assert!(s.pulled >= 1, "receives the first laptop's sighting");

    // And the harness's own fingerprint-pinned laptop.
    let mut d = Laptop::new("pinned laptop");
    d.enroll(&server, "field");
    assert!(d.sync_via(&server.url(), quick_options()).unwrap().pulled >= 2);
}

#[test]
fn compressed_requests_are_read_and_decompression_bombs_refused() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), None, None, &[]);
    let (_, token) = enrolled(&server, "gzip laptop", "field");
    let gzip = |bytes: &[u8]| {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let missing = |body: Vec<u8>, encoding: &str| {
        let r = client()
            .post(format!("{}/v1/blobs/missing", server.url()))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(body)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = serde_json::from_slice(&r.bytes().unwrap()).unwrap();
        (status, body)
    };
    let hash = sha(b"photo");
    let query = serde_json::json!({ "hashes": [hash] }).to_string();
    let (status, body) = missing(gzip(query.as_bytes()), "gzip");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["missing"][0]["sha256"], hash.as_str());

    // 64 MB of spaces packed into a few kilobytes: refused once past the limit.
    let mut bomb = b"{\"hashes\":[".to_vec();
    bomb.resize(64 << 20, b' ');
    let packed = gzip(&bomb);
    assert!(packed.len() < 1 << 20);
    let (status, body) = missing(packed, "gzip");
    assert_eq!((status, body["code"].as_str()), (413, Some("too_large")));

    let (status, body) = missing(query.into_bytes(), "br-unknown");
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
}
