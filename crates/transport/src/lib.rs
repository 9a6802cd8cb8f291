//! The HTTP client of a Dauria Field sync exchange, shared by laptops (`dauria-sync`) and by a
//! station hub relaying to its central server (`dauria-server`): one request at a time behind
//! the [`Transport`] trait, timeouts on progress, and the server certificates a device trusts
//! (the public web PKI, one pinned certificate, or the roots of a CA file).

mod http;
pub mod tls;

pub use http::{HttpResponse, HttpTransport, Transport, TransportError};
pub use tls::Trust;
