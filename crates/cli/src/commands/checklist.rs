//! `dauria-cli checklist ...`: show a country's checklist, add and remove taxa, and set a
//! taxon's local name.

use super::Format;
use crate::output::table;
use anyhow::{anyhow, Result};
use dauria_core::model::Country;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum ChecklistCommand {
    /// List a country's checklist.
    Show {
        /// CN, MN, RU or KZ.
        #[arg(long, value_name = "CODE", value_parser = parse_country)]
        country: Country,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Put a taxon on a country's checklist.
    Add {
        /// CN, MN, RU or KZ.
        #[arg(long, value_name = "CODE", value_parser = parse_country)]
        country: Country,
        /// Any name of the taxon (scientific, synonym, or a common name in any language).
        #[arg(long, value_name = "NAME")]
        taxon: String,
    },
    /// Take a taxon off a country's checklist.
    Remove {
        /// CN, MN, RU or KZ.
        #[arg(long, value_name = "CODE", value_parser = parse_country)]
        country: Country,
        /// Any name of the taxon.
        #[arg(long, value_name = "NAME")]
        taxon: String,
    },
    /// Set (or with an empty --name, remove) a taxon's name in a language.
    Name {
        /// Any name of the taxon.
        #[arg(long, value_name = "NAME")]
        taxon: String,
        /// en, zh, ru, mn or kk.
        #[arg(long, value_name = "LOCALE")]
        locale: String,
        /// The name in that language.
        #[arg(long, value_name = "TEXT")]
        name: String,
    },
}

fn parse_country(s: &str) -> Result<Country, String> {
    Country::parse(s).ok_or_else(|| format!("'{s}' is not one of CN, MN, RU, KZ"))
}

/// Runs a checklist command.
pub fn run(dir: &Path, cmd: ChecklistCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    let index = store.taxon_index()?;
    let taxon = |name: &str| index.resolve(name).map_err(|e| anyhow!(e));
    match cmd {
        ChecklistCommand::Show { country, format } => {
            let list = store.country_checklist(country)?;
            let rows: Vec<Vec<String>> = list
                .taxa
                .iter()
                .map(|e| {
                    let name = |l: &str| {
                        e.taxon
                            .names
                            .iter()
                            .find(|n| n.locale == l)
                            .map(|n| n.name.clone())
                            .unwrap_or_default()
                    };
                    vec![e.taxon.scientific_name.clone(), name("en"), name("kk")]
                })
                .collect();
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                Format::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record(["scientific_name", "en", "kk"])?;
                    for r in &rows {
                        w.write_record(r)?;
                    }
                    w.flush()?;
                }
                Format::Table => print!("{}", table(&["scientific_name", "en", "kk"], &rows)),
            }
        }
        ChecklistCommand::Add { country, taxon: t } => {
            let id = taxon(&t)?;
            store.checklist_add(country, &id)?;
            println!("added {t} to the {} checklist", country.code());
        }
        ChecklistCommand::Remove { country, taxon: t } => {
            let id = taxon(&t)?;
            store.checklist_remove(country, &id)?;
            println!("removed {t} from the {} checklist", country.code());
        }
        ChecklistCommand::Name {
            taxon: t,
            locale,
            name,
        } => {
            let id = taxon(&t)?;
            store.set_taxon_name(&id, &locale, &name)?;
            println!("{t}: {locale} name set");
        }
    }
    Ok(ExitCode::SUCCESS)
}
