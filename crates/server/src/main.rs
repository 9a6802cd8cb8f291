//! `dauria-server`: run the sync server and manage enrolled devices.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use dauria_proto::Role;
use dauria_server::blobs::{BlobLimits, BlobStore};
use dauria_server::serve::ServeOptions;
use dauria_server::store::DEFAULT_CODE_HOURS;
use dauria_server::{open_store, router, AppState, Limits};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "dauria-server", version, about = "Dauria Field sync server")]
struct Cli {
    /// Folder for the SQLite database (ignored with --database).
    #[arg(
        long,
        env = "DAURIA_SERVER_DATA_DIR",
        default_value = "dauria-server-data",
        global = true
    )]
    data_dir: PathBuf,
    /// PostgreSQL URL (postgres://user@host:port/db); SQLite in --data-dir when absent.
    #[arg(long, env = "DAURIA_DATABASE_URL", global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API.
    Serve {
        /// Address to listen on; port 0 picks a free port (the chosen address is printed).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// PEM certificate chain for HTTPS.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for HTTPS.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Allow plain HTTP on an address other than loopback (credentials travel in clear).
        #[arg(long)]
        insecure_http: bool,
        /// Most ops accepted in one push.
        #[arg(long, default_value_t = Limits::default().max_ops)]
        max_ops: usize,
        /// Largest push body in bytes.
        #[arg(long, default_value_t = Limits::default().max_bytes)]
        max_bytes: usize,
        /// Most connections open at once; more are closed as they arrive.
        #[arg(long, default_value_t = ServeOptions::default().max_connections)]
        max_connections: usize,
        /// Seconds a client has to send a request's headers, also on an idle connection.
        #[arg(long, default_value_t = ServeOptions::default().header_read_timeout.as_secs_f64())]
        header_timeout_secs: f64,
        /// Largest photo accepted, by its declared size in bytes.
        #[arg(long, default_value_t = BlobLimits::default().max_photo_bytes)]
        max_photo_bytes: u64,
        /// Bytes of photos (complete and partial) one device may have uploaded.
        #[arg(long, default_value_t = BlobLimits::default().quota_bytes)]
        photo_quota_bytes: u64,
        /// Hours after its last chunk that an unfinished photo upload is deleted (fractions allowed).
        #[arg(long, default_value_t = 72.0)]
        partial_expiry_hours: f64,
        /// At a station hub: seconds between relays to the central server when no laptop
        /// sends anything (a laptop's push starts one at once).
        #[arg(long, default_value_t = 30.0)]
        relay_every_secs: f64,
        /// At a station hub: do not relay from `serve`; `dauria-server upstream sync` (run by
        /// hand or by a timer) relays instead.
        #[arg(long)]
        no_relay: bool,
        /// Advertise this server on the local network (DNS-SD `_dauria._tcp`); on by
        /// default at a station hub.
        #[arg(long)]
        advertise: bool,
        /// Do not advertise this server on the local network, even at a hub.
        #[arg(long, conflicts_with = "advertise")]
        no_advertise: bool,
    },
    /// A field-station hub's link to its central server.
    Upstream {
        #[command(subcommand)]
        command: UpstreamCommand,
    },
    /// TLS certificates for a field station.
    Tls {
        #[command(subcommand)]
        command: TlsCommand,
    },
    /// Print a one-time enrollment code for a new laptop; `enroll list|cancel` manage codes.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Enroll {
        /// Who or what the laptop is ("Daursky team laptop 2").
        #[arg(long, required = true)]
        name: Option<String>,
        /// lead, field or viewer.
        #[arg(long, value_parser = parse_role, required = true)]
        role: Option<Role>,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = DEFAULT_CODE_HOURS)]
        expires_in: u64,
        #[command(subcommand)]
        command: Option<EnrollCommand>,
    },
    /// Manage enrolled devices.
    Devices {
        #[command(subcommand)]
        command: DevicesCommand,
    },
}

#[derive(Subcommand)]
enum TlsCommand {
    /// Write a self-signed certificate and key (cert.pem, key.pem) and print its fingerprint.
    Init {
        /// Folder for cert.pem and key.pem.
        #[arg(long)]
        out: PathBuf,
        /// Host names or IP addresses laptops use to reach the server (repeatable).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Replace an existing certificate (laptops pinned to it must enroll again).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
enum UpstreamCommand {
    /// Enroll this server as a station hub at a central server, with a code made there with
    /// `--role hub`; from then on `serve` relays to it.
    Enroll {
        /// The central server's address (https://central:8787).
        #[arg(long)]
        server: String,
        /// Trust exactly the certificate with this SHA-256 fingerprint (as the central
        /// server printed it).
        #[arg(long, conflicts_with = "ca_file")]
        fingerprint: Option<String>,
        /// Trust certificates issued by a root in this PEM file.
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// The one-time code.
        code: String,
    },
    /// Relay now: one full exchange with the central server (also while `serve` runs);
    /// prints what it did as JSON.
    Sync,
    /// Whether this server relays, where to, and when it last reached the central server.
    Status,
}

#[derive(Subcommand)]
enum EnrollCommand {
    /// List enrollment codes (open, used, expired, cancelled).
    List,
    /// Cancel an open code by the id `enroll list` shows.
    Cancel { id: String },
}

#[derive(Subcommand)]
enum DevicesCommand {
    /// List enrolled devices.
    List,
    /// Revoke a device: it can no longer sync; its data on the server stays.
    Revoke { device_id: String },
    /// Print a one-time code that gives an enrolled laptop which lost its credential a new
    /// one, keeping its history and numbering (and lifting a revocation).
    Reenroll {
        device_id: String,
        /// Role for the laptop from now on (default: the role it has).
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = DEFAULT_CODE_HOURS)]
        expires_in: u64,
    },
    /// Give a device another role (at a central server, its hub takes it on its next
    /// contact).
    Role {
        device_id: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Let a station hub relay a device's changes (a laptop enrolled here that moves to the
    /// hub), or with `--none` only the device itself.
    HandOver {
        device_id: String,
        /// The hub's device id (`devices list` shows it with role hub).
        #[arg(long, required_unless_present = "none")]
        hub: Option<String>,
        #[arg(long)]
        none: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("'{s}' is not a role; use lead, field, viewer or hub"))
}

/// At a station hub, a role the hub may not give (docs/SYNC.md §10).
fn check_hub_grant(store: &dyn dauria_server::ServerStore, role: Role) -> anyhow::Result<()> {
    if dauria_server::relay::upstream(store)?.is_some() && !role.grantable_by_hub() {
        bail!(
            "this server is a station hub: it enrolls laptops as field or viewer, not {}; a lead's laptop enrolls at the central server",
            role.as_str()
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "dauria_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Making a certificate needs no database.
    if let Command::Tls {
        command:
            TlsCommand::Init {
                out,
                hosts,
                replace,
            },
    } = &cli.command
    {
        let fp = dauria_server::tls::init(out, hosts, *replace)?;
        println!("tls fingerprint sha256 {fp}");
        eprintln!(
            "Wrote {0}/cert.pem and {0}/key.pem. Serve with --tls-cert {0}/cert.pem --tls-key {0}/key.pem; laptops enroll with --fingerprint {fp}",
            out.display()
        );
        return Ok(());
    }
    let store = open_store(&cli.data_dir, cli.database.as_deref())
        .context("cannot open the server database")?;
    match cli.command {
        Command::Enroll {
            command: Some(EnrollCommand::List),
            ..
        } => {
            println!(
                "{:<12} {:<8} {:<10} {:<20} {:<20}  NAME",
                "ID", "ROLE", "STATE", "CREATED", "EXPIRES"
            );
            for e in store.enrollments()? {
                let name = match &e.device_id {
                    Some(d) => format!("{} (re-enrolls {d})", e.name),
                    None => e.name.clone(),
                };
                println!(
                    "{:<12} {:<8} {:<10} {:<20} {:<20}  {}",
                    e.id,
                    e.role.as_str(),
                    e.state,
                    e.created_at,
                    e.expires_at,
                    name
                );
            }
        }
        Command::Enroll {
            command: Some(EnrollCommand::Cancel { id }),
            ..
        } => {
            if !store.cancel_enrollment(&id)? {
                bail!("no open enrollment code with id {id}; see `dauria-server enroll list`");
            }
            println!("cancelled {id}");
        }
        Command::Enroll {
            name,
            role,
            expires_in,
            command: None,
        } => {
            let (Some(name), Some(role)) = (name, role) else {
                bail!("give --name and --role");
            };
            check_hub_grant(&*store, role)?;
            let code = store.create_enrollment(&name, role, expires_in, None)?;
            println!("{code}");
            eprintln!("One-time enrollment code for '{name}' ({}), valid for {expires_in} hours. On the laptop: dauria-cli enroll --server URL {code}", role.as_str());
        }
        Command::Devices {
            command: DevicesCommand::List,
        } => {
            println!(
                "{:<38} {:<8} {:<8} {:>10}  NAME",
                "DEVICE", "ROLE", "STATE", "OPS"
            );
            for d in store.devices()? {
                println!(
                    "{:<38} {:<8} {:<8} {:>10}  {}",
                    d.device_id,
                    d.role.as_str(),
                    if d.revoked { "revoked" } else { "active" },
                    d.applied_upto,
                    d.name
                );
            }
        }
        Command::Devices {
            command: DevicesCommand::Revoke { device_id },
        } => {
            if !store.revoke(&device_id)? {
                bail!("no device with id {device_id}; see `dauria-server devices list`");
            }
            println!("revoked {device_id}");
        }
        Command::Devices {
            command:
                DevicesCommand::Reenroll {
                    device_id,
                    role,
                    expires_in,
                },
        } => {
            let Some(device) = store
                .devices()?
                .into_iter()
                .find(|d| d.device_id == device_id)
            else {
                bail!("no device with id {device_id}; see `dauria-server devices list`");
            };
            let role = role.unwrap_or(device.role);
            check_hub_grant(&*store, role)?;
            let code = store.create_enrollment(&device.name, role, expires_in, Some(&device_id))?;
            println!("{code}");
            eprintln!("One-time code that re-enrolls '{}' ({device_id}) as {}, valid for {expires_in} hours. On that laptop: dauria-cli enroll --server URL {code}", device.name, role.as_str());
        }
        Command::Devices {
            command: DevicesCommand::Role { device_id, role },
        } => {
            check_hub_grant(&*store, role)?;
            if !store.set_role(&device_id, role)? {
                bail!("no device with id {device_id}; see `dauria-server devices list`");
            }
            println!("{device_id} is now {}", role.as_str());
        }
        Command::Devices {
            command:
                DevicesCommand::HandOver {
                    device_id,
                    hub,
                    none: _,
                },
        } => {
            let devices = store.devices()?;
            if let Some(hub) = &hub {
                if !devices
                    .iter()
                    .any(|d| &d.device_id == hub && d.role == Role::Hub)
                {
                    bail!("no hub with id {hub}; `devices list` shows hubs with role hub");
                }
            }
            if !store.set_hub(&device_id, hub.as_deref())? {
                bail!("no device with id {device_id}; see `dauria-server devices list`");
            }
            match hub {
                Some(h) => println!("hub {h} may now relay the changes of {device_id}"),
                None => println!("only {device_id} itself may now send its changes"),
            }
        }
        Command::Upstream {
            command:
                UpstreamCommand::Enroll {
                    server,
                    fingerprint,
                    ca_file,
                    code,
                },
        } => {
            let trust = match (fingerprint, ca_file) {
                (Some(fp), _) => dauria_server::relay::Trust::Fingerprint(fp),
                (None, Some(ca)) => dauria_server::relay::Trust::CaFile(ca),
                (None, None) => dauria_server::relay::Trust::System,
            };
            let resp = dauria_server::relay::enroll(&*store, &server, &trust, &code)?;
            println!("{}", resp.device_id);
            eprintln!(
                "Enrolled as station hub '{}' at {server}. `dauria-server serve` now relays to it; laptops enroll here with codes from `dauria-server enroll --role field`.",
                resp.name
            );
        }
        Command::Upstream {
            command: UpstreamCommand::Sync,
        } => {
            let blobs = BlobStore::new(&cli.data_dir)?;
            match dauria_server::relay::cycle_locked(&cli.data_dir, &*store, &blobs)? {
                Some(summary) => println!("{}", serde_json::to_string(&summary)?),
                None => bail!("this server is not enrolled at a central server; run `dauria-server upstream enroll`"),
            }
        }
        Command::Upstream {
            command: UpstreamCommand::Status,
        } => {
            let status = dauria_server::relay::status(&*store)?;
            match dauria_server::relay::upstream(&*store)? {
                Some(up) => {
                    println!("relays to {} as hub {}", up.server, up.device_id);
                    println!(
                        "last reached {}",
                        status.upstream_contact.as_deref().unwrap_or("never")
                    );
                    if let Some(e) = status.upstream_error {
                        println!("last error: {e}");
                    }
                }
                None => println!("not a hub: this server relays to nobody"),
            }
        }
        // Handled above, before the database is opened.
        Command::Tls { .. } => {}
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            insecure_http,
            max_ops,
            max_bytes,
            max_connections,
            header_timeout_secs,
            max_photo_bytes,
            photo_quota_bytes,
            partial_expiry_hours,
            relay_every_secs,
            no_relay,
            advertise,
            no_advertise,
        } => {
            if !(relay_every_secs.is_finite() && relay_every_secs > 0.0) {
                bail!("--relay-every-secs must be a positive number of seconds");
            }
            if tls_cert.is_none() && !listen.ip().is_loopback() && !insecure_http {
                bail!("refusing plain HTTP on {listen}: give --tls-cert and --tls-key, or --insecure-http if the network is trusted");
            }
            if !(header_timeout_secs.is_finite() && header_timeout_secs > 0.0) {
                bail!("--header-timeout-secs must be a positive number of seconds");
            }
            if !(partial_expiry_hours.is_finite() && partial_expiry_hours > 0.0) {
                bail!("--partial-expiry-hours must be a positive number of hours");
            }
            let limits = Limits {
                max_ops,
                max_bytes,
                ..Limits::default()
            };
            let blobs = BlobStore::with_limits(
                &cli.data_dir,
                BlobLimits {
                    max_photo_bytes,
                    quota_bytes: photo_quota_bytes,
                    partial_expiry: Duration::from_secs_f64(partial_expiry_hours * 3600.0),
                },
            )?;
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(dauria_server::serve::load_tls(&cert, &key)?),
                _ => None,
            };
            dauria_server::serve::raise_open_file_limit();
            let hub = dauria_server::relay::upstream(&*store)?.is_some();
            let relay_wake = (hub && !no_relay).then(|| {
                dauria_server::relay::spawn(
                    cli.data_dir.clone(),
                    store.clone(),
                    blobs.clone(),
                    Duration::from_secs_f64(relay_every_secs),
                )
            });
            let advertise = advertise || (hub && !no_advertise);
            let app = router(AppState {
                store,
                blobs: blobs.clone(),
                limits,
                enroll_guard: Default::default(),
                relay_wake,
            });
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                // Kept for as long as the server runs: dropping it ends the announcement.
                let _announced = advertise
                    .then(|| {
                        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
                        let fp = tls.as_ref().map(|(_, fp)| fp.as_str());
                        dauria_server::advertise::advertise(port, fp, hub)
                            .inspect_err(|e| tracing::warn!(error = %e, "cannot advertise this server on the local network"))
                            .ok()
                    })
                    .flatten();
                tokio::spawn(blobs.sweep_forever());
                let opts = ServeOptions {
                    max_connections,
                    header_read_timeout: Duration::from_secs_f64(header_timeout_secs),
                    ..ServeOptions::default()
                };
                dauria_server::serve::serve(
                    listener,
                    app,
                    tls,
                    opts,
                    dauria_server::serve::shutdown_signal(),
                )
                .await?;
                anyhow::Ok(())
            })?;
            // Blocking store calls still queued must not keep a stopped server alive.
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
    Ok(())
}
