//! Self-signed certificates for a field-station server that has no name in a public CA.

use crate::error::ServerError;
use std::io::Write;
use std::path::Path;

/// Writes `out/cert.pem` and `out/key.pem` (mode 0600) for `hosts` (names or IP addresses;
/// `localhost` and `127.0.0.1` when empty) and returns the certificate's SHA-256 fingerprint.
/// An existing certificate is replaced only with `replace`: every laptop pinned to it would
/// have to enroll again.
pub fn init(out: &Path, hosts: &[String], replace: bool) -> Result<String, ServerError> {
    let io = |what: &str, e: std::io::Error| ServerError::Internal(format!("{what}: {e}"));
    if !replace && (out.join("cert.pem").exists() || out.join("key.pem").exists()) {
        return Err(ServerError::BadRequest(format!(
            "{} already holds a certificate; laptops pinned to it would have to enroll again. \
             Give --replace to make a new one anyway",
            out.display()
        )));
    }
    let hosts: Vec<String> = if hosts.is_empty() {
        vec!["localhost".into(), "127.0.0.1".into()]
    } else {
        hosts.to_vec()
    };
    let rcgen::CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(hosts)
        .map_err(|e| ServerError::BadRequest(format!("cannot make the certificate: {e}")))?;
    std::fs::create_dir_all(out).map_err(|e| io("cannot create the folder", e))?;
    std::fs::write(out.join("cert.pem"), cert.pem()).map_err(|e| io("cannot write cert.pem", e))?;
    // The key file is readable only by the server's user.
    let mut key = std::fs::OpenOptions::new();
    key.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut key, 0o600);
    key.open(out.join("key.pem"))
        .and_then(|mut f| {
            // A replaced key file keeps its old mode otherwise.
            #[cfg(unix)]
            f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            f.write_all(signing_key.serialize_pem().as_bytes())
        })
        .map_err(|e| io("cannot write key.pem", e))?;
    Ok(crate::serve::fingerprint(cert.der()))
}

/// How a PostgreSQL URL asks for TLS (`sslmode`, `sslrootcert`, as libpq reads them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTls {
    /// `disable`, `allow`, `prefer`, `require`, `verify-ca` or `verify-full`.
    pub mode: String,
    /// PEM file of the roots that may issue the database server's certificate.
    pub root_cert: Option<std::path::PathBuf>,
}

/// Splits `sslmode` and `sslrootcert` out of a PostgreSQL URL (`postgres://…?sslmode=…`) or
/// key=value connection string, returning the rest for the driver.
pub fn split_pg_tls(url: &str) -> (String, PgTls) {
    let mut tls = PgTls {
        mode: "prefer".into(),
        root_cert: None,
    };
    let mut take = |k: &str, v: &str| match k {
        "sslmode" => {
            tls.mode = v.to_string();
            true
        }
        "sslrootcert" => {
            tls.root_cert = Some(v.into());
            true
        }
        _ => false,
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), tls);
        };
        let rest: Vec<&str> = query
            .split('&')
            .filter(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                !take(k, &percent_decode(v))
            })
            .collect();
        let url = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        (url, tls)
    } else {
        let rest: Vec<&str> = url
            .split_whitespace()
            .filter(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                !take(k.trim(), v.trim().trim_matches('\''))
            })
            .collect();
        (rest.join(" "), tls)
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Accepts any certificate: libpq's `sslmode=require` without a root certificate encrypts
/// but does not authenticate the database server.
#[derive(Debug)]
struct EncryptOnly(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Checks the chain but not the host name (`sslmode=verify-ca`).
#[derive(Debug)]
struct ChainOnly(std::sync::Arc<rustls::client::WebPkiServerVerifier>);

impl rustls::client::danger::ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        e: &rustls::pki_types::CertificateDer<'_>,
        i: &[rustls::pki_types::CertificateDer<'_>],
        n: &rustls::pki_types::ServerName<'_>,
        o: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(e, i, n, o, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(rustls::client::danger::ServerCertVerified::assertion()),
            r => r,
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &rustls::pki_types::CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The driver configuration and TLS connector for a PostgreSQL URL: TLS when `sslmode` is
/// `require`, `verify-ca` or `verify-full` (checked against `sslrootcert`, else the public web
/// PKI; `require` without `sslrootcert` encrypts only, as libpq does); plain TCP otherwise.
pub fn postgres_config(
    url: &str,
) -> Result<(postgres::Config, tokio_postgres_rustls::MakeRustlsConnect), ServerError> {
    use rustls::pki_types::pem::PemObject;
    use std::sync::Arc;
    let (rest, tls) = split_pg_tls(url);
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e| ServerError::BadRequest(format!("bad PostgreSQL URL: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = || -> Result<Arc<rustls::RootCertStore>, ServerError> {
        let mut roots = rustls::RootCertStore::empty();
        match &tls.root_cert {
            Some(path) => {
                let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                    .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| {
                        ServerError::BadRequest(format!(
                            "cannot read sslrootcert {}: {e}",
                            path.display()
                        ))
                    })?;
                roots.add_parsable_certificates(certs);
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(Arc::new(roots))
    };
    let verifier = |roots| {
        rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| ServerError::BadRequest(format!("unusable sslrootcert: {e}")))
    };
    let check: Arc<dyn rustls::client::danger::ServerCertVerifier> = match tls.mode.as_str() {
        "disable" | "allow" | "prefer" => {
            // Plain TCP, as before: TLS to PostgreSQL is asked for explicitly.
            config.ssl_mode(postgres::config::SslMode::Disable);
            Arc::new(EncryptOnly(provider.clone()))
        }
        "require" => {
            config.ssl_mode(postgres::config::SslMode::Require);
            if tls.root_cert.is_some() {
                Arc::new(ChainOnly(verifier(roots()?)?))
            } else {
                Arc::new(EncryptOnly(provider.clone()))
            }
        }
        "verify-ca" => {
            config.ssl_mode(postgres::config::SslMode::Require);
            Arc::new(ChainOnly(verifier(roots()?)?))
        }
        "verify-full" => {
            config.ssl_mode(postgres::config::SslMode::Require);
            verifier(roots()?)?
        }
        other => {
            return Err(ServerError::BadRequest(format!(
                "sslmode '{other}' is not one of disable, prefer, require, verify-ca, verify-full"
            )))
        }
    };
    let client = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Internal(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(check)
        .with_no_client_auth();
    Ok((
        config,
        tokio_postgres_rustls::MakeRustlsConnect::new(client),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_are_taken_out_of_postgres_urls() {
        let (u, t) = split_pg_tls(
            "postgres://u@h:5/db?sslmode=require&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
        );
        assert_eq!(u, "postgres://u@h:5/db?application_name=x");
        assert_eq!(t.mode, "require");
        assert_eq!(t.root_cert, Some("/tmp/ca.pem".into()));
        let (u, t) = split_pg_tls("host=h user=u sslmode=verify-full");
        assert_eq!(u, "host=h user=u");
        assert_eq!(t.mode, "verify-full");
        let (u, t) = split_pg_tls("postgres://u@h/db");
        assert_eq!(
            (u.as_str(), t.mode.as_str()),
            ("postgres://u@h/db", "prefer")
        );
    }

    #[test]
    fn init_writes_a_certificate_the_server_loads() {
        let dir = tempfile::tempdir().unwrap();
        let fp = init(dir.path(), &["field-station.local".into()], false).unwrap();
        assert!(
            init(dir.path(), &[], false).is_err(),
            "an existing certificate is kept"
        );
        let again = init(dir.path(), &[], true).unwrap();
        assert_ne!(again, fp);
        let fp = again;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (_, loaded) =
            crate::serve::load_tls(&dir.path().join("cert.pem"), &dir.path().join("key.pem"))
                .unwrap();
        assert_eq!(fp, loaded);
        assert_eq!(fp.len(), 32 * 3 - 1);
    }
}
