//! Which server certificates a laptop trusts: the public web PKI, one pinned certificate
//! (a field station's self-signed one, by its SHA-256 fingerprint) or the roots in a CA file.
//!
//! The verifier remembers the fingerprint each server presented, so that a refusal can name
//! it and a person can compare it with what the server printed.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Which server certificates to trust.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// Certificates from the public web PKI.
    #[default]
    System,
    /// Exactly the certificate with this SHA-256 fingerprint (hex, colons and case ignored).
    Fingerprint(String),
    /// Certificates issued by a root in this PEM file.
    CaFile(PathBuf),
}

/// Upper-case, colon-separated hex SHA-256 of a certificate's DER bytes, as the server prints it.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The 32 bytes of a fingerprint written in hex, with or without colons or spaces.
pub fn parse_fingerprint(s: &str) -> Option<[u8; 32]> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let hex = hex.to_ascii_lowercase();
    let bytes = hex::decode(hex.trim_start_matches("sha256")).ok()?;
    bytes.try_into().ok()
}

/// What the last TLS handshake presented, and whether it was trusted.
#[derive(Debug, Default)]
pub struct Presented {
    last: Mutex<Option<(String, bool)>>,
}

impl Presented {
    /// The fingerprint of the last certificate that was presented and refused.
    pub fn refused(&self) -> Option<String> {
        match &*self.last.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((fp, false)) => Some(fp.clone()),
            _ => None,
        }
    }

    fn record(&self, fp: String, trusted: bool) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((fp, trusted));
    }
}

#[derive(Debug)]
enum Check {
    Pinned([u8; 32]),
    WebPki(Arc<WebPkiServerVerifier>),
}

#[derive(Debug)]
struct Verifier {
    check: Check,
    provider: Arc<CryptoProvider>,
    presented: Arc<Presented>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = match &self.check {
            // A pin names one certificate: its name and dates were checked by the person who
            // compared the fingerprint.
            Check::Pinned(want) => {
                if Sha256::digest(end_entity.as_ref()).as_slice() == want {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::InvalidCertificate(
                        CertificateError::ApplicationVerificationFailure,
                    ))
                }
            }
            Check::WebPki(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
        };
        self.presented
            .record(fingerprint(end_entity.as_ref()), result.is_ok());
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn ca_roots(path: &Path) -> Result<RootCertStore, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!(
            "the CA file {} holds no usable certificate",
            path.display()
        ));
    }
    Ok(roots)
}

/// A rustls client configuration for `trust`, and where it records presented certificates.
pub fn client_config(trust: &Trust) -> Result<(rustls::ClientConfig, Arc<Presented>), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let check = match trust {
        Trust::Fingerprint(fp) => Check::Pinned(parse_fingerprint(fp).ok_or_else(|| {
            format!("'{fp}' is not a SHA-256 fingerprint (64 hex digits, colons allowed)")
        })?),
        Trust::System | Trust::CaFile(_) => {
            let roots = match trust {
                Trust::CaFile(path) => ca_roots(path)?,
                _ => RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                },
            };
            Check::WebPki(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| format!("cannot set up certificate checks: {e}"))?,
            )
        }
    };
    let presented = Arc::new(Presented::default());
    let verifier = Verifier {
        check,
        provider: provider.clone(),
        presented: presented.clone(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, presented))
}

/// The sentence shown when the server's certificate was refused: it names the fingerprint
/// the server presented, for comparison with the one the server printed.
pub fn untrusted_message(presented: &str) -> String {
    format!(
        "the server's certificate is not trusted; it presented fingerprint sha256 {presented}. \
         If this is the fingerprint `dauria-server serve` printed, enroll again with \
         --fingerprint {presented}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_with_or_without_colons() {
        let fp = fingerprint(b"cert");
        let bytes = parse_fingerprint(&fp).unwrap();
        assert_eq!(
            parse_fingerprint(&fp.replace(':', "").to_lowercase()),
            Some(bytes)
        );
        assert_eq!(parse_fingerprint("AB:CD"), None);
        assert!(client_config(&Trust::Fingerprint("nope".into())).is_err());
        assert!(client_config(&Trust::System).is_ok());
    }
}
