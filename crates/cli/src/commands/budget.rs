//! `dauria-cli budget --survey ID [--currency C]`: a survey's budget totals.

use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The survey's id (see `dauria-cli survey list`).
    #[arg(long, value_name = "ID")]
    survey: String,
    /// Also total per category and overall in this currency (CNY, MNT, RUB, KZT, USD), using the
    /// survey's exchange rates (`dauria-cli survey rate`).
    #[arg(long, value_name = "C")]
    currency: Option<String>,
}

/// Prints totals per currency, and per category and overall in the reporting currency.
/// Totals are rounded half away from zero to the currency's minor unit (MNT and KZT whole).
pub fn run(dir: &Path, a: Args) -> Result<ExitCode> {
    let store = super::open_existing(dir)?;
    let (_, s) = super::survey::find_survey(&store, &a.survey)?;
    println!("{}", s.title);
    super::survey::print_budget(&store, &a.survey, a.currency.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
