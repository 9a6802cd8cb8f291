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
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("'{s}' is not a role; use lead, field or viewer"))
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
            let code = store.create_enrollment(&device.name, role, expires_in, Some(&device_id))?;
            println!("{code}");
            eprintln!("One-time code that re-enrolls '{}' ({device_id}) as {}, valid for {expires_in} hours. On that laptop: dauria-cli enroll --server URL {code}", device.name, role.as_str());
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
        } => {
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
            let app = router(AppState {
                store,
                blobs: blobs.clone(),
                limits,
                enroll_guard: Default::default(),
            });
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
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
