//! `dauria-server`: run the sync server and manage enrolled devices.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use dauria_proto::Role;
use dauria_server::{open_store, router, AppState, Limits};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    },
    /// Print a one-time enrollment code for a new laptop.
    Enroll {
        /// Who or what the laptop is ("Daursky team laptop 2").
        #[arg(long)]
        name: String,
        /// lead, field or viewer.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Manage enrolled devices.
    Devices {
        #[command(subcommand)]
        command: DevicesCommand,
    },
}

#[derive(Subcommand)]
enum DevicesCommand {
    /// List enrolled devices.
    List,
    /// Revoke a device: it can no longer sync; its data on the server stays.
    Revoke { device_id: String },
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
    let store = open_store(&cli.data_dir, cli.database.as_deref())
        .context("cannot open the server database")?;
    match cli.command {
        Command::Enroll { name, role } => {
            let code = store.create_enrollment(&name, role)?;
            println!("{code}");
            eprintln!("One-time enrollment code for '{name}' ({}). On the laptop: dauria-cli enroll --server URL {code}", role.as_str());
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
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            insecure_http,
            max_ops,
            max_bytes,
        } => {
            if tls_cert.is_none() && !listen.ip().is_loopback() && !insecure_http {
                bail!("refusing plain HTTP on {listen}: give --tls-cert and --tls-key, or --insecure-http if the network is trusted");
            }
            let limits = Limits {
                max_ops,
                max_bytes,
                ..Limits::default()
            };
            let blobs = dauria_server::blobs::BlobStore::new(&cli.data_dir)?;
            let app = router(AppState {
                store,
                blobs,
                limits,
            });
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                match (tls_cert, tls_key) {
                    (Some(cert), Some(key)) => {
                        let _ = rustls::crypto::ring::default_provider().install_default();
                        let config =
                            axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                                .await
                                .with_context(|| {
                                    format!("cannot read {} / {}", cert.display(), key.display())
                                })?;
                        let listener = std::net::TcpListener::bind(listen)?;
                        println!("listening on https://{}", listener.local_addr()?);
                        axum_server::from_tcp_rustls(listener, config)?
                            .serve(app.into_make_service())
                            .await?;
                    }
                    _ => {
                        let listener = tokio::net::TcpListener::bind(listen)
                            .await
                            .with_context(|| format!("cannot listen on {listen}"))?;
                        println!("listening on http://{}", listener.local_addr()?);
                        axum::serve(listener, app).await?;
                    }
                }
                anyhow::Ok(())
            })?;
        }
    }
    Ok(())
}
