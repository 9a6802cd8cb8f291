//! The HTTP exchange a sync client needs, behind a trait so tests can swap it.

use std::time::Duration;

/// An HTTP answer, whatever its status.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// The request never got a complete answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    #[error("the server did not answer in time")]
    Timeout,
    #[error("cannot reach the server: {0}")]
    Connect(String),
    #[error("the connection broke: {0}")]
    Broken(String),
}

/// Sends one request to the sync server.
pub trait Transport: Send + Sync {
    /// `path` includes the query string; `token` becomes a bearer credential; `headers` are
    /// sent as given (a body's content type among them).
    fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, TransportError>;

    /// Sends a JSON body (or none).
    fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, TransportError> {
        let json = [("content-type", "application/json".to_string())];
        let headers: &[(&str, String)] = if body.is_some() { &json } else { &[] };
        self.send_raw(method, path, token, headers, body)
    }
}

/// The production transport: reqwest with rustls.
///
/// It drives reqwest's async client on a small runtime of its own, because only the async
/// client times out on progress (no byte for a while) rather than on the whole request.
/// Like any blocking call, `send_raw` must not be called from inside an async task.
pub struct HttpTransport {
    base: String,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    /// Certificates the server presented, to name one that was refused.
    presented: std::sync::Arc<crate::tls::Presented>,
}

impl HttpTransport {
    /// A transport to `base` (`https://host:port`) trusting the public web PKI; a request
    /// fails when no byte arrives for `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Result<HttpTransport, TransportError> {
        Self::with_trust(base, timeout, &crate::tls::Trust::System)
    }

    /// A transport to `base` that trusts the server certificates `trust` names.
    pub fn with_trust(
        base: &str,
        timeout: Duration,
        trust: &crate::tls::Trust,
    ) -> Result<HttpTransport, TransportError> {
        let (tls, presented) = crate::tls::client_config(trust).map_err(TransportError::Connect)?;
        // Timeouts on progress, never on the whole request: a batch on a 2G or satellite link
        // takes long but keeps moving; `timeout` is how long the link may go silent.
        let client = reqwest::Client::builder()
            .read_timeout(timeout)
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .user_agent(concat!("dauria-sync/", env!("CARGO_PKG_VERSION")))
            .use_preconfigured_tls(tls)
            .build()
            .map_err(|e| TransportError::Connect(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                TransportError::Connect(format!("cannot start the network runtime: {e}"))
            })?;
        Ok(HttpTransport {
            base: base.trim_end_matches('/').to_string(),
            client,
            runtime,
            presented,
        })
    }

    /// The fingerprint of the server certificate last refused, if the last handshake failed
    /// on trust.
    pub fn refused_fingerprint(&self) -> Option<String> {
        self.presented.refused()
    }
}

impl Transport for HttpTransport {
    fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, TransportError> {
        let url = format!("{}{}", self.base, path);
        let mut req = match method {
            "POST" => self.client.post(&url),
            "PUT" => self.client.put(&url),
            _ => self.client.get(&url),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let classify = |e: reqwest::Error| {
            if e.is_timeout() {
                TransportError::Timeout
            } else if e.is_connect() {
                TransportError::Connect(e.to_string())
            } else {
                TransportError::Broken(e.to_string())
            }
        };
        self.runtime.block_on(async {
            let resp = req.send().await.map_err(classify)?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp.bytes().await.map_err(classify)?.to_vec();
            Ok(HttpResponse {
                status,
                content_type,
                body,
            })
        })
    }
}
