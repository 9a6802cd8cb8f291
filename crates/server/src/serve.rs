//! The one serving path: a TCP accept loop with optional TLS, a cap on open connections,
//! header-read timeouts against idle and slowloris connections, the peer address for handlers
//! (`ConnectInfo<SocketAddr>`) and a graceful shutdown on SIGTERM/SIGINT that lets requests in
//! flight (a push batch) finish.

use crate::error::ServerError;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How the server accepts connections.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Most connections open at once; a connection over the cap is closed at once.
    pub max_connections: usize,
    /// Time a client has to send a request's headers (also on an idle kept-alive connection).
    pub header_read_timeout: Duration,
    /// Time a TLS handshake may take.
    pub handshake_timeout: Duration,
    /// After a shutdown signal, how long requests in flight may still run.
    pub shutdown_deadline: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_connections: 8192,
            header_read_timeout: Duration::from_secs(20),
            handshake_timeout: Duration::from_secs(20),
            shutdown_deadline: Duration::from_secs(30),
        }
    }
}

/// Upper-case, colon-separated hex SHA-256 of a certificate's DER bytes, as people compare it.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A TLS configuration loaded from PEM files, and the fingerprint of its leaf certificate.
pub fn load_tls(cert: &Path, key: &Path) -> Result<(rustls::ServerConfig, String), ServerError> {
    let bad = |what: &str, p: &Path, e: String| {
        ServerError::BadRequest(format!("cannot read the {what} {}: {e}", p.display()))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad("certificate", cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad("certificate", cert, e.to_string()))?;
    let leaf = certs
        .first()
        .ok_or_else(|| bad("certificate", cert, "no certificate in the file".into()))?;
    let fp = fingerprint(leaf);
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("key", key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Internal(format!("TLS setup: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            ServerError::BadRequest(format!("the TLS certificate or key is unusable: {e}"))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((config, fp))
}

/// Raises the soft limit on open files to the hard limit, so the connection cap, not the
/// process limit, decides how many laptops can be connected at once.
pub fn raise_open_file_limit() -> libc::rlim_t {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
        lim.rlim_cur
    }
}

/// Resolves when the process gets SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and gives the
/// requests in flight up to `opts.shutdown_deadline` to finish. Prints the listening line (and
/// with TLS the certificate fingerprint) as the first stdout lines.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<(rustls::ServerConfig, String)>,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let acceptor = match tls {
        Some((config, fp)) => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on https://{local}")?;
            writeln!(out, "tls fingerprint sha256 {fp}")?;
            out.flush()?;
            Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
        }
        None => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening on http://{local}")?;
            out.flush()?;
            None
        }
    };
    // The protocol is fixed before the first byte (plain TCP: HTTP/1.1; TLS: by ALPN), so no
    // connection waits unguarded while the server sniffs its version: an idle or slow client
    // meets the header-read timeout.
    let mut h1 = Builder::new(TokioExecutor::new()).http1_only();
    h1.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout);
    let mut h2 = Builder::new(TokioExecutor::new()).http2_only();
    h2.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(opts.header_read_timeout)
        .keep_alive_timeout(opts.header_read_timeout);
    let (h1, h2) = (Arc::new(h1), Arc::new(h2));
    let permits = Arc::new(Semaphore::new(opts.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Over the cap: closing at once keeps the established connections served.
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let watcher = graceful.watcher();
        match acceptor.clone() {
            None => {
                let builder = h1.clone();
                tokio::spawn(async move {
                    let conn = builder.serve_connection(TokioIo::new(tcp), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                    drop(permit);
                });
            }
            Some(acceptor) => {
                let handshake_timeout = opts.handshake_timeout;
                let (h1, h2) = (h1.clone(), h2.clone());
                tokio::spawn(async move {
                    let tls =
                        match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                            Ok(Ok(s)) => s,
                            _ => return,
                        };
                    let builder = match tls.get_ref().1.alpn_protocol() {
                        Some(b"h2") => h2,
                        _ => h1,
                    };
                    let conn = builder.serve_connection(TokioIo::new(tls), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(opts.shutdown_deadline) => {
            tracing::warn!("requests still in flight after the shutdown deadline; exiting");
        }
    }
    Ok(())
}
