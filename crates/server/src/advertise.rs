//! Advertising a server on the local network with DNS-SD over multicast DNS, so laptops at a
//! field station find their hub without typing its address (docs/SYNC.md §10.6).

use mdns_sd::{ServiceDaemon, ServiceInfo};

/// The DNS-SD service type of a Dauria sync server.
pub const SERVICE_TYPE: &str = "_dauria._tcp.local.";

/// This machine's host name (`station-laptop`), or `dauria` when it has none.
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer it is given.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let name = if ok {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.trim_matches('-').is_empty() {
        "dauria".into()
    } else {
        name
    }
}

/// Announces the server listening on `port` on every interface: the TXT record says whether
/// it speaks TLS (and the certificate's fingerprint, for a person to compare) and whether it
/// relays to a central server. The announcement lasts as long as the returned daemon.
pub fn advertise(
    port: u16,
    fingerprint: Option<&str>,
    relays: bool,
) -> Result<ServiceDaemon, mdns_sd::Error> {
    let daemon = ServiceDaemon::new()?;
    let host = host_name();
    let mut txt = vec![
        (
            "tls",
            if fingerprint.is_some() { "1" } else { "0" }.to_string(),
        ),
        ("relays", if relays { "1" } else { "0" }.to_string()),
        ("version", env!("CARGO_PKG_VERSION").to_string()),
    ];
    if let Some(fp) = fingerprint {
        txt.push(("fp", fp.to_string()));
    }
    let info = ServiceInfo::new(
        SERVICE_TYPE,
        &format!("Dauria {host}"),
        &format!("{host}.local."),
        "",
        port,
        &txt[..],
    )?
    .enable_addr_auto();
    daemon.register(info)?;
    Ok(daemon)
}
