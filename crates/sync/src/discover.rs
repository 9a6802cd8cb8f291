//! Finding sync servers on the local network (a field station's hub) by DNS-SD over
//! multicast DNS: the service type `_dauria._tcp` that `dauria-server serve` announces.

use mdns_sd::{ServiceDaemon, ServiceEvent};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use ts_rs::TS;

/// The DNS-SD service type of a Dauria sync server.
pub const SERVICE_TYPE: &str = "_dauria._tcp.local.";

/// A sync server announced on the local network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FoundServer {
    /// Its instance name (`Dauria station-laptop`).
    pub name: String,
    /// The address to enroll with (`https://192.168.1.20:8787`).
    pub url: String,
    /// It relays to a central server (a station hub).
    pub relays: bool,
    /// The fingerprint of its certificate as it announces it: to compare with the one the
    /// server printed, never to trust unseen.
    pub fingerprint: Option<String>,
}

/// Listens for `wait` and returns the servers that answered, IPv4 addresses first, each
/// once, by name.
pub fn discover(wait: Duration) -> Result<Vec<FoundServer>, String> {
    let daemon = ServiceDaemon::new().map_err(|e| format!("cannot listen on the network: {e}"))?;
    let events = daemon
        .browse(SERVICE_TYPE)
        .map_err(|e| format!("cannot look for servers: {e}"))?;
    let deadline = Instant::now() + wait;
    let mut found: Vec<FoundServer> = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(event) = events.recv_timeout(left) else {
            break;
        };
        let ServiceEvent::ServiceResolved(s) = event else {
            continue;
        };
        let mut ips: Vec<std::net::IpAddr> = s.addresses.iter().map(|a| a.to_ip_addr()).collect();
        ips.sort_by_key(|ip| (ip.is_ipv6(), ip.is_loopback()));
        let Some(ip) = ips.first() else { continue };
        let tls = s.txt_properties.get_property_val_str("tls") == Some("1");
        let host = match ip {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let server = FoundServer {
            name: s
                .fullname
                .strip_suffix(&format!(".{SERVICE_TYPE}"))
                .unwrap_or(&s.fullname)
                .replace("\\032", " ")
                .replace("\\ ", " "),
            url: format!("{}://{host}:{}", if tls { "https" } else { "http" }, s.port),
            relays: s.txt_properties.get_property_val_str("relays") == Some("1"),
            fingerprint: s
                .txt_properties
                .get_property_val_str("fp")
                .filter(|f| !f.is_empty())
                .map(str::to_string),
        };
        match found.iter_mut().find(|f| f.name == server.name) {
            Some(f) => *f = server,
            None => found.push(server),
        }
    }
    let _ = daemon.stop_browse(SERVICE_TYPE);
    let _ = daemon.shutdown();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}
