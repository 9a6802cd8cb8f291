//! A fault-injecting TCP proxy for loopback tests: each accepted connection is relayed to the
//! server cleanly or with one fault (a cut at a byte offset of the request or of the response,
//! a delay, a reset, or a canned answer such as a captive portal's HTML).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A captive portal: 200 OK with a login page.
pub const CAPTIVE_PORTAL: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 58\r\nConnection: close\r\n\r\n<html><body><form>Log in to Steppe-WiFi</form></body></html>";
/// A gateway failing.
pub const BAD_GATEWAY: &str = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nbad gateway";
/// A bare 200 with no body.
pub const BARE_OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// What happens to one connection.
#[derive(Debug, Clone)]
pub enum Fault {
    Pass,
    /// Forward this many bytes of the request, then close both sides.
    CutRequest(usize),
    /// Forward this many bytes of the response, then close both sides.
    CutResponse(usize),
    /// Wait before relaying.
    Delay(Duration),
    /// Close the client's connection at once.
    Reset,
    /// Answer with these raw bytes instead of the server.
    Respond(&'static str),
}

/// How faults are chosen.
pub enum Mode {
    Clean,
    Always(Fault),
    /// Faults on a share of connections, drawn from a seeded generator.
    Random {
        rng: Box<StdRng>,
        rate: f64,
        max_offset: usize,
    },
    /// Every connection's request stream is cut somewhere in `min..max` bytes.
    CutRequests {
        rng: Box<StdRng>,
        min: usize,
        max: usize,
    },
}

/// The link the proxy simulates: an optional bandwidth shared by all connections (like one
/// 2G or satellite modem), and the bytes that crossed it each way.
#[derive(Default)]
pub struct Link {
    /// Bytes per second each way; 0 is unlimited.
    rate: AtomicU64,
    up_free: Mutex<Option<Instant>>,
    down_free: Mutex<Option<Instant>>,
    /// Bytes sent from the client to the server.
    pub up: AtomicU64,
    /// Bytes sent from the server to the client.
    pub down: AtomicU64,
}

impl Link {
    /// Holds `n` bytes back until the simulated link has carried them: each direction is a
    /// queue that transmits at the link's rate.
    fn pace(&self, upstream: bool, n: usize) {
        let counter = if upstream { &self.up } else { &self.down };
        counter.fetch_add(n as u64, Ordering::SeqCst);
        let rate = self.rate.load(Ordering::SeqCst);
        if rate == 0 {
            return;
        }
        let free = if upstream {
            &self.up_free
        } else {
            &self.down_free
        };
        let done = {
            let mut free = free.lock().unwrap();
            let now = Instant::now();
            let start = free.map_or(now, |f| f.max(now));
            let done = start + Duration::from_secs_f64(n as f64 / rate as f64);
            *free = Some(done);
            done
        };
        // The bytes are "on the wire" until then: this is the link's speed, not a wait for
        // another thread.
        thread::sleep(done.saturating_duration_since(Instant::now()));
    }
}

/// A running proxy.
pub struct FaultProxy {
    pub addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    stop: Arc<AtomicBool>,
    /// Connections that got a fault.
    pub faults: Arc<AtomicU64>,
    /// The simulated link and its byte counters.
    pub link: Arc<Link>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream`.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(Mode::Clean));
        let stop = Arc::new(AtomicBool::new(false));
        let faults = Arc::new(AtomicU64::new(0));
        let link = Arc::new(Link::default());
        let (m, s, f, l) = (mode.clone(), stop.clone(), faults.clone(), link.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let fault = match &mut *m.lock().unwrap() {
                    Mode::Clean => Fault::Pass,
                    Mode::Always(f) => f.clone(),
                    Mode::Random {
                        rng,
                        rate,
                        max_offset,
                    } => pick(rng, *rate, *max_offset),
                    Mode::CutRequests { rng, min, max } => {
                        Fault::CutRequest(rng.random_range(*min..*max))
                    }
                };
                if !matches!(fault, Fault::Pass) {
                    f.fetch_add(1, Ordering::SeqCst);
                }
                let l = l.clone();
                thread::spawn(move || relay(client, upstream, fault, &l));
            }
        });
        FaultProxy {
            addr,
            mode,
            stop,
            faults,
            link,
        }
    }

    /// Limits the link to `bits_per_second` each way (0: unlimited).
    pub fn throttle(&self, bits_per_second: u64) {
        self.link.rate.store(bits_per_second / 8, Ordering::SeqCst);
    }

    /// Bytes that crossed the link (client to server, server to client) so far.
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.link.up.load(Ordering::SeqCst),
            self.link.down.load(Ordering::SeqCst),
        )
    }

    /// The proxy's URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes how faults are chosen for new connections.
    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Random faults on `rate` of the connections, reproducible from `seed`, cutting within
    /// the first 2,000 bytes (sync requests and answers are small).
    pub fn random(&self, seed: u64, rate: f64) {
        self.random_cuts(seed, rate, 2000);
    }

    /// Cuts every connection's request somewhere between `min` and `max` bytes.
    pub fn cut_every_request(&self, seed: u64, min: usize, max: usize) {
        self.set_mode(Mode::CutRequests {
            rng: Box::new(StdRng::seed_from_u64(seed)),
            min,
            max,
        });
    }

    /// Random faults cutting anywhere within the first `max_offset` bytes of a connection.
    pub fn random_cuts(&self, seed: u64, rate: f64, max_offset: usize) {
        self.set_mode(Mode::Random {
            rng: Box::new(StdRng::seed_from_u64(seed)),
            rate,
            max_offset,
        });
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn pick(rng: &mut StdRng, rate: f64, max_offset: usize) -> Fault {
    if !rng.random_bool(rate) {
        return Fault::Pass;
    }
    match rng.random_range(0..7) {
        0 | 1 => Fault::CutRequest(rng.random_range(0..max_offset)),
        2 | 3 => Fault::CutResponse(rng.random_range(0..max_offset)),
        4 => Fault::Delay(Duration::from_millis(rng.random_range(1..30))),
        5 => Fault::Reset,
        _ => Fault::Respond(if rng.random_bool(0.5) {
            CAPTIVE_PORTAL
        } else {
            BAD_GATEWAY
        }),
    }
}

fn relay(mut client: TcpStream, upstream: SocketAddr, fault: Fault, link: &Arc<Link>) {
    match fault {
        Fault::Reset => {
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        Fault::Respond(raw) => {
            let mut buf = [0u8; 4096];
            let _ = client.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = client.read(&mut buf);
            let _ = client.write_all(raw.as_bytes());
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        Fault::Delay(d) => thread::sleep(d),
        _ => {}
    }
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (req_limit, resp_limit) = match fault {
        Fault::CutRequest(n) => (Some(n), None),
        Fault::CutResponse(n) => (None, Some(n)),
        _ => (None, None),
    };
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let l2 = link.clone();
    let up = thread::spawn(move || copy(c2, s2, req_limit, &l2, true));
    copy(server, client, resp_limit, link, false);
    let _ = up.join();
}

/// Copies until EOF or `limit` bytes; then closes both sockets so the peer sees a cut.
fn copy(mut from: TcpStream, mut to: TcpStream, limit: Option<usize>, link: &Link, up: bool) {
    let mut sent = 0usize;
    // Small reads on a throttled link, so bytes trickle through as on a real one.
    let mut buf = [0u8; 8192];
    let chunk = if link.rate.load(Ordering::SeqCst) > 0 {
        1024
    } else {
        buf.len()
    };
    loop {
        let n = match from.read(&mut buf[..chunk]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        link.pace(up, n);
        let n = match limit {
            Some(l) if sent + n >= l => {
                let _ = to.write_all(&buf[..l - sent]);
                let _ = to.shutdown(Shutdown::Both);
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
            _ => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let _ = to.shutdown(Shutdown::Write);
}
