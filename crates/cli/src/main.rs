//! `dauria-cli`: headless use of a local Dauria Field store.
//!
//! Every command opens the store in the data folder, does one thing through `dauria-core`, and
//! exits non-zero with a message that says what to fix when it cannot.

mod commands;
mod data_dir;
mod output;

use clap::{CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Dauria Field on the command line: record, list, import and export observations in a local
/// store without the desktop app.
#[derive(Parser)]
#[command(name = "dauria-cli", version, propagate_version = true)]
#[command(after_help = data_dir::HELP)]
struct Cli {
    /// The data folder holding the store (default: the app's data folder, see below).
    #[arg(long, global = true, env = "DAURIA_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the store (seeded with the Dauria checklist, reserves and sites) if it is missing.
    Init {
        /// Encrypt the new store with a passphrase (from DAURIA_PASSPHRASE or a prompt).
        #[arg(long)]
        encrypt: bool,
    },
    /// Encrypt the existing store and its photos in place with a new passphrase (from
    /// DAURIA_PASSPHRASE or a prompt); run again to finish an interrupted run.
    Encrypt,
    /// Change the passphrase of an encrypted store (old from DAURIA_PASSPHRASE or a prompt, new
    /// from DAURIA_NEW_PASSPHRASE or a prompt).
    Passphrase,
    /// Show counts of records, revisions, unsynced changes and conflicts, and the store's size.
    Stats(commands::stats::Args),
    /// Copy the store and its photos into a new folder, safely while the app runs.
    Backup {
        /// A new (or empty) folder for the backup.
        dest: std::path::PathBuf,
    },
    /// Put a backup back (the app must be closed); the store it replaces is kept beside it.
    Restore {
        /// The backup's folder.
        src: std::path::PathBuf,
    },
    /// Record, list, edit, delete observations and show their history.
    #[command(subcommand)]
    Obs(commands::obs::ObsCommand),
    /// Add, list, edit (or move), merge and delete sites; country and reserve come from the
    /// position.
    #[command(subcommand)]
    Site(commands::site::SiteCommand),
    /// Show a country's checklist, add and remove taxa, set local names.
    #[command(subcommand)]
    Checklist(commands::checklist::ChecklistCommand),
    /// Import records from a file.
    #[command(subcommand)]
    Import(commands::transfer::ImportCommand),
    /// Export records to a file.
    #[command(subcommand)]
    Export(commands::transfer::ExportCommand),
    /// Read a photo's EXIF time and position, or attach a photo to an observation.
    #[command(subcommand)]
    Photo(commands::photo::PhotoCommand),
    /// Record disease samples, import lab results by barcode, summarise results, and show a
    /// sample's custody history.
    #[command(subcommand)]
    Sample(commands::sample::SampleCommand),
    /// Ship samples to a lab: manifest, custody transfers, receipt checked by barcode.
    #[command(subcommand)]
    Shipment(commands::shipment::ShipmentCommand),
    /// Exchange a one-time enrollment code for this laptop's sync credential.
    Enroll {
        /// The sync server's address (https://host:port).
        #[arg(long, value_name = "URL")]
        server: String,
        /// Trust exactly the server certificate with this SHA-256 fingerprint (the one
        /// `dauria-server serve` prints).
        #[arg(long, value_name = "HEX", conflicts_with = "ca_file")]
        fingerprint: Option<String>,
        /// Trust server certificates issued by a root in this PEM file.
        #[arg(long, value_name = "PATH")]
        ca_file: Option<PathBuf>,
        /// The code printed by `dauria-server enroll`.
        code: String,
    },
    /// Send unsent changes to the server, then receive everyone else's.
    Sync(commands::sync::SyncArgs),
    /// List records in conflict, with each version.
    Conflicts,
    /// Plan surveys: add, list, show, assign people, budget lines and exchange rates.
    #[command(subcommand)]
    Survey(commands::survey::SurveyCommand),
    /// Import GPX routes and tracks into a survey, or export a survey's as GPX.
    #[command(subcommand)]
    Gpx(commands::gpx::GpxCommand),
    /// Show a survey's budget totals per category and currency, and in one currency.
    Budget(commands::budget::Args),
    /// Start and end sampling visits, list them with their effort, or make one from a GPX track.
    #[command(subcommand)]
    Visit(commands::visit::VisitCommand),
    /// Monitoring tables: trends, sites, prevalence, hosts by pathogen, risk, country progress.
    #[command(subcommand)]
    Report(commands::report::ReportCommand),
    /// Print shell completions (`dauria-cli completions bash > /etc/bash_completion.d/dauria-cli`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (`dauria-cli man > dauria-cli.1`).
    Man,
    /// Saves observations in a loop, printing each after it is committed (crash-safety tests).
    #[command(hide = true)]
    SaveLoop(commands::save_loop::Args),
}

fn main() -> ExitCode {
    // Output piped into `head` and the like ends when the reader stops reading, as for any
    // command-line tool, instead of a panic on the broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // Completions and the manual need no store.
    match &cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "dauria-cli",
                &mut std::io::stdout(),
            );
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            return match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => output::fail(&anyhow::anyhow!("cannot write the manual: {e}")),
            };
        }
        _ => {}
    }
    let dir = match cli.data_dir.map_or_else(data_dir::default_dir, Ok) {
        Ok(d) => d,
        Err(e) => return output::fail(&e),
    };
    // An encrypted store is unlocked first, with the same passphrase source for every command.
    let unlocked = match &cli.command {
        Command::Init { encrypt: true } | Command::Encrypt | Command::Passphrase => Ok(()),
        Command::Restore { src } => commands::encrypt::unlock_if_needed(src)
            .and_then(|()| commands::encrypt::unlock_if_needed(&dir)),
        _ => commands::encrypt::unlock_if_needed(&dir),
    };
    if let Err(e) = unlocked {
        return output::fail(&e);
    }
    let result = match cli.command {
        Command::Init { encrypt: false } => commands::init::run(&dir),
        Command::Init { encrypt: true } => commands::encrypt::init_encrypted(&dir),
        Command::Encrypt => commands::encrypt::encrypt(&dir),
        Command::Passphrase => commands::encrypt::change(&dir),
        Command::Stats(a) => commands::stats::run(&dir, a),
        Command::Backup { dest } => commands::init::backup(&dir, &dest),
        Command::Restore { src } => commands::init::restore(&dir, &src),
        Command::Obs(c) => commands::obs::run(&dir, c),
        Command::Site(c) => commands::site::run(&dir, c),
        Command::Checklist(c) => commands::checklist::run(&dir, c),
        Command::Import(c) => commands::transfer::import(&dir, c),
        Command::Export(c) => commands::transfer::export(&dir, c),
        Command::Photo(c) => commands::photo::run(&dir, c),
        Command::Sample(c) => commands::sample::run(&dir, c),
        Command::Shipment(c) => commands::shipment::run(&dir, c),
        Command::Enroll {
            server,
            fingerprint,
            ca_file,
            code,
        } => commands::sync::enroll(
            &dir,
            &server,
            &code,
            fingerprint.as_deref(),
            ca_file.as_deref(),
        ),
        Command::Sync(a) => commands::sync::sync(&dir, a),
        Command::Conflicts => commands::sync::conflicts(&dir),
        Command::Survey(c) => commands::survey::run(&dir, c),
        Command::Gpx(c) => commands::gpx::run(&dir, c),
        Command::Budget(a) => commands::budget::run(&dir, a),
        Command::Visit(c) => commands::visit::run(&dir, c),
        Command::Report(c) => commands::report::run(&dir, c),
        Command::Completions { .. } | Command::Man => Ok(ExitCode::SUCCESS),
        Command::SaveLoop(a) => commands::save_loop::run(&dir, a),
    };
    match result {
        Ok(code) => code,
        Err(e) => output::fail(&e),
    }
}
