//! `dauria-cli init --encrypt`, `encrypt` and `passphrase`: an encrypted store, and the
//! passphrase every other command needs to open one.
//!
//! The passphrase comes from `DAURIA_PASSPHRASE`, else from a prompt on the terminal (no echo).
//! A new passphrase (`passphrase`) comes from `DAURIA_NEW_PASSPHRASE`, else from a prompt asked
//! twice.

use anyhow::{bail, Context, Result};
use dauria_core::encryption;
use std::path::Path;
use std::process::ExitCode;

/// Shown whenever a passphrase is set: there is no way around a lost one.
const NO_RECOVERY: &str = "Keep the passphrase safe: without it nobody, including the \
project's developers, can read this store, its photos or its backups.";

fn prompt(label: &str) -> Result<String> {
    rpassword::prompt_password(label).with_context(|| {
        "cannot read the passphrase from the terminal; set DAURIA_PASSPHRASE to give it".to_string()
    })
}

/// The passphrase of an existing store.
fn passphrase() -> Result<String> {
    match std::env::var("DAURIA_PASSPHRASE") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => prompt("Passphrase: "),
    }
}

/// A new passphrase: from the variable `var`, else asked twice.
fn new_passphrase(var: &str) -> Result<String> {
    if let Ok(p) = std::env::var(var) {
        if !p.is_empty() {
            return Ok(p);
        }
    }
    eprintln!("{NO_RECOVERY}");
    let first = prompt("New passphrase: ")?;
    let again = prompt("New passphrase again: ")?;
    if first != again {
        bail!("the two passphrases differ; nothing was changed");
    }
    Ok(first)
}

/// Unlocks the store in `dir` when it is encrypted (or its encryption was interrupted), so
/// the command that follows can open it.
pub fn unlock_if_needed(dir: &Path) -> Result<()> {
    if !encryption::is_locked(dir) {
        return Ok(());
    }
    let p = passphrase()?;
    encryption::unlock(dir, &p)?;
    Ok(())
}

/// `init --encrypt`: a new store, encrypted from its first byte.
pub fn init_encrypted(dir: &Path) -> Result<ExitCode> {
    let p = new_passphrase("DAURIA_PASSPHRASE")?;
    encryption::init_encrypted(dir, &p)?;
    let code = super::init::run(dir)?;
    println!("The store is encrypted. {NO_RECOVERY}");
    Ok(code)
}

/// `encrypt`: encrypts the existing plain store and its photos in place (or finishes an
/// interrupted run).
pub fn encrypt(dir: &Path) -> Result<ExitCode> {
    let resuming = encryption::is_interrupted(dir);
    let p = if resuming {
        eprintln!("Finishing an interrupted encryption: give the passphrase it was started with.");
        passphrase()?
    } else {
        new_passphrase("DAURIA_PASSPHRASE")?
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("Encrypting photos {pos}/{len} {wide_bar}")
            .expect("valid template"),
    );
    let r = encryption::encrypt_store(dir, &p, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    println!(
        "{} the store in {} and {} photos. {NO_RECOVERY}",
        if r.resumed {
            "Finished encrypting"
        } else {
            "Encrypted"
        },
        dir.display(),
        r.photos
    );
    Ok(ExitCode::SUCCESS)
}

/// `passphrase`: changes the passphrase (the store and photos are not rewritten).
pub fn change(dir: &Path) -> Result<ExitCode> {
    if !encryption::is_encrypted(dir) {
        bail!(
            "the store in {} is not encrypted; encrypt it with `dauria-cli encrypt`",
            dir.display()
        );
    }
    let old = passphrase()?;
    let new = new_passphrase("DAURIA_NEW_PASSPHRASE")?;
    encryption::change_passphrase(dir, &old, &new)?;
    println!(
        "Changed the passphrase of the store in {}. {NO_RECOVERY}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
