//! Harness for system tests: real `dauria-server` processes on loopback, laptops with real
//! stores, a fault-injecting TCP proxy, and the invariants checked after every run.

pub mod proxy;

use dauria_core::model::{Body, CountUnit, Observation};
use dauria_core::taxa::TaxonIndex;
use dauria_core::Store;
use dauria_sync::{HttpTransport, SyncClient, SyncError, SyncOptions, SyncSummary};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Path of a workspace binary, building it when it is missing.
///
/// `cargo test --workspace` / `cargo nextest run --workspace` build every package's binaries
/// before running tests, so normally this only finds the file.
pub fn cargo_bin(package: &str, name: &str) -> PathBuf {
    // target/debug/deps/<test> or target/debug/<bin> → target/debug/<name>
    let exe = std::env::current_exe().expect("test executable path");
    let mut dir = exe.parent().expect("target dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let path = dir.join(name);
    if !path.exists() {
        let release = dir.ends_with("release");
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", package, "--bin", name])
            .args(release.then_some("--release"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {name} failed");
    }
    path
}

/// Runs `dauria-server` on a data folder (and database) without serving.
pub fn server_cli(
    dir: &Path,
    db: Option<&str>,
    args: &[&str],
    failpoint: Option<&str>,
) -> std::process::Output {
    let mut cmd = Command::new(cargo_bin("dauria-server", "dauria-server"));
    cmd.arg("--data-dir").arg(dir);
    if let Some(db) = db {
        cmd.arg("--database").arg(db);
    }
    cmd.args(args).env_remove("DAURIA_FAILPOINT");
    if let Some(fp) = failpoint {
        cmd.env("DAURIA_FAILPOINT", fp);
    }
    cmd.output().expect("dauria-server runs")
}

/// A `dauria-server` child process.
pub struct ServerProcess {
    child: Child,
    /// The `dauria-server` binary it runs (this build's, or another release's in benchmarks).
    bin: PathBuf,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database: Option<String>,
    /// With TLS: the certificate fingerprint the server printed.
    pub fingerprint: Option<String>,
    extra: Vec<String>,
}

impl ServerProcess {
    /// Starts a server on a free loopback port with the given store and failpoint.
    pub fn start(
        data_dir: &Path,
        database: Option<&str>,
        failpoint: Option<&str>,
        extra: &[&str],
    ) -> ServerProcess {
        Self::spawn(
            cargo_bin("dauria-server", "dauria-server"),
            data_dir,
            database,
            failpoint,
            "127.0.0.1:0".parse().unwrap(),
            extra.iter().map(|s| s.to_string()).collect(),
        )
    }

    /// Starts another `dauria-server` binary (an earlier release, for benchmarks).
    pub fn start_bin(bin: &Path, data_dir: &Path, database: Option<&str>) -> ServerProcess {
        Self::spawn(
            bin.to_path_buf(),
            data_dir,
            database,
            None,
            "127.0.0.1:0".parse().unwrap(),
            Vec::new(),
        )
    }

    fn spawn(
        bin: PathBuf,
        data_dir: &Path,
        database: Option<&str>,
        failpoint: Option<&str>,
        listen: SocketAddr,
        extra: Vec<String>,
    ) -> ServerProcess {
        let mut cmd = Command::new(&bin);
        cmd.arg("--data-dir").arg(data_dir);
        if let Some(db) = database {
            cmd.arg("--database").arg(db);
        }
        cmd.arg("serve")
            .arg("--listen")
            .arg(listen.to_string())
            .args(&extra);
        cmd.env_remove("DAURIA_FAILPOINT");
        if let Some(fp) = failpoint {
            cmd.env("DAURIA_FAILPOINT", fp);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("server prints its address");
        // With TLS the next line is the certificate's fingerprint.
        let fingerprint = line.starts_with("listening on https://").then(|| {
            let mut fp = String::new();
            stdout
                .read_line(&mut fp)
                .expect("server prints its fingerprint");
            fp.trim()
                .strip_prefix("tls fingerprint sha256 ")
                .unwrap_or_else(|| panic!("expected the fingerprint line, got '{fp}'"))
                .to_string()
        });
        let addr = line
            .trim()
            .rsplit("//")
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("server did not print its address, got '{line}'"));
        ServerProcess {
            child,
            bin,
            addr,
            data_dir: data_dir.to_path_buf(),
            database: database.map(str::to_string),
            fingerprint,
            extra,
        }
    }

    /// The base URL.
    pub fn url(&self) -> String {
        match self.fingerprint {
            Some(_) => format!("https://{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server has exited, and how.
    pub fn try_exit(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("server status")
    }

    /// SIGKILLs the server (if still running) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the server to exit by itself (a failpoint) and returns whether it was killed.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for server")
    }

    /// Starts the server again on the same port and store, with another failpoint.
    pub fn restart(&mut self, failpoint: Option<&str>) {
        self.kill();
        let next = Self::spawn(
            self.bin.clone(),
            &self.data_dir,
            self.database.as_deref(),
            failpoint,
            self.addr,
            self.extra.clone(),
        );
        *self = next;
    }

    /// Runs `dauria-server enroll` against the same store and returns the code.
    pub fn enrollment_code(&self, name: &str, role: &str) -> String {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--data-dir").arg(&self.data_dir);
        if let Some(db) = &self.database {
            cmd.arg("--database").arg(db);
        }
        let out = cmd
            .args(["enroll", "--name", name, "--role", role])
            .output()
            .expect("enroll runs");
        assert!(
            out.status.success(),
            "enroll failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Runs `dauria-server devices reenroll` against the same store and returns the code.
    pub fn reenrollment_code(&self, device_id: &str) -> String {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--data-dir").arg(&self.data_dir);
        if let Some(db) = &self.database {
            cmd.arg("--database").arg(db);
        }
        let out = cmd
            .args(["devices", "reenroll", device_id])
            .output()
            .expect("reenroll runs");
        assert!(
            out.status.success(),
            "reenroll failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Opens the server's store for checks.
    pub fn store(&self) -> std::sync::Arc<dyn dauria_server::ServerStore> {
        dauria_server::open_store(&self.data_dir, self.database.as_deref())
            .expect("server store opens")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A laptop: a store in its own folder.
pub struct Laptop {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub name: String,
}

/// Fast retries for tests: failures are expected and should not slow the suite down.
pub fn quick_options() -> SyncOptions {
    SyncOptions {
        max_attempts: 3,
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        pull_limit: 50,
        ..SyncOptions::default()
    }
}

impl Laptop {
    /// A fresh laptop.
    pub fn new(name: &str) -> Laptop {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        Laptop {
            dir,
            store,
            name: name.to_string(),
        }
    }

    /// Enrolls against `server` with a code for `role`.
    pub fn enroll(&self, server: &ServerProcess, role: &str) {
        let code = server.enrollment_code(&self.name, role);
        // A TLS server is trusted by the fingerprint it printed, as a person would.
        let trust = match &server.fingerprint {
            Some(fp) => dauria_sync::Trust::Fingerprint(fp.clone()),
            None => dauria_sync::Trust::System,
        };
        let t = HttpTransport::with_trust(&server.url(), Duration::from_secs(10), &trust).unwrap();
        dauria_sync::enroll(&self.store, &t, &server.url(), &code).expect("enrollment works");
        dauria_sync::set_trust(&self.store, &trust).unwrap();
    }

    /// One sync through `url` (the server or a proxy in front of it).
    pub fn sync_via(&mut self, url: &str, opts: SyncOptions) -> Result<SyncSummary, SyncError> {
        let t = dauria_sync::transport_for(&self.store, url, Duration::from_secs(5))?;
        SyncClient::new(&t, opts).sync(&mut self.store, &mut |_| {})
    }

    /// Logs a sighting of the taxon called `name`.
    pub fn log(&mut self, name: &str, count: u32) -> dauria_core::Saved {
        let taxon = TaxonIndex::load(&self.store)
            .unwrap()
            .resolve(name)
            .unwrap();
        self.store.create(&sighting(&taxon, count)).unwrap()
    }

    /// Edits an observation's count on top of its current winner.
    pub fn edit_count(&mut self, id: &str, count: u32) -> dauria_core::Saved {
        let cur = self.store.get(id).unwrap().expect("record exists");
        let Some(Body::Observation(mut o)) = cur.body else {
            panic!("not a live observation")
        };
        o.count = Some(count);
        self.store
            .update(id, &cur.rev_id, &Body::Observation(o))
            .unwrap()
    }

    /// rev_ids of this laptop's own outbox, in device_seq order.
    pub fn outbox_rev_ids(&self) -> Vec<String> {
        self.store
            .outbox_after(0, usize::MAX >> 1, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|r| r.rev_id)
            .collect()
    }

    /// (record, winner, conflict) for every record, and every revision id: equal on replicas
    /// that have converged.
    pub fn state(&self) -> (Vec<(String, String, bool)>, Vec<String>) {
        let records = self.store.record_states().unwrap();
        let mut revs: Vec<String> = self
            .store
            .revisions_after(0, usize::MAX >> 1)
            .unwrap()
            .into_iter()
            .map(|(_, r)| r.rev_id)
            .collect();
        revs.sort();
        (records, revs)
    }
}

/// A sighting body.
pub fn sighting(taxon: &str, count: u32) -> Body {
    Body::Observation(Observation {
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
        uncertainty_m: None,
        observed_at: "2026-06-01T07:30:00+08:00".into(),
        observers: vec!["Tserendorj".into()],
        detection_method: None,
        notes: None,
        photos: vec![],
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    })
}

/// Every op committed on every laptop is on the server exactly once, in device order.
pub fn assert_all_on_server_once(server: &ServerProcess, laptops: &[&Laptop]) {
    let store = server.store();
    for l in laptops {
        let on_server = store.rev_ids_of(l.store.device_id()).unwrap();
        let local = l.outbox_rev_ids();
        assert_eq!(
            on_server, local,
            "laptop {}: the server's copy of its ops differs from its outbox ({} on server, {} local)",
            l.name,
            on_server.len(),
            local.len()
        );
    }
}

/// Every op a laptop had acknowledged is on the server.
pub fn assert_acked_on_server(server: &ServerProcess, laptop: &Laptop) {
    let on_server: std::collections::HashSet<String> = server
        .store()
        .rev_ids_of(laptop.store.device_id())
        .unwrap()
        .into_iter()
        .collect();
    let pushed = laptop.store.pushed_seq().unwrap() as usize;
    for (i, rev) in laptop.outbox_rev_ids().iter().enumerate().take(pushed) {
        assert!(
            on_server.contains(rev),
            "laptop {}: op #{} ({rev}) was acknowledged but is not on the server",
            laptop.name,
            i + 1
        );
    }
}

/// All laptops hold the same revisions and the same winners.
pub fn assert_converged(laptops: &[&Laptop]) {
    let first = laptops[0].state();
    for l in &laptops[1..] {
        let s = l.state();
        assert_eq!(
            s.1.len(),
            first.1.len(),
            "laptop {} has {} revisions, {} has {}",
            l.name,
            s.1.len(),
            laptops[0].name,
            first.1.len()
        );
        assert!(
            s == first,
            "laptop {} did not converge with {}",
            l.name,
            laptops[0].name
        );
    }
}
