//! `dauria-cli report ...`: the monitoring tables the app's Reports screen shows, from the same
//! core functions (`dauria_core::monitoring`): abundance trends, site dashboards, prevalence,
//! hosts by pathogen, risk by site and country progress.

use super::Format;
use crate::output::table;
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::ValueEnum;
use dauria_core::model::{Country, Kind, TaxonGroup};
use dauria_core::monitoring::{
    self, Period, PrevalenceBy, PrevalenceQuery, RiskSettings, TrendBy, TrendQuery,
};
use dauria_core::Store;
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Dates {
    /// First local date included, YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Last local date included, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
}

impl Dates {
    fn period(self) -> Period {
        Period {
            from: self.from,
            to: self.to,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum By {
    Year,
    Season,
}

impl From<By> for TrendBy {
    fn from(b: By) -> TrendBy {
        match b {
            By::Year => TrendBy::Year,
            By::Season => TrendBy::Season,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Group {
    LargeMammal,
    Bird,
    SmallMammal,
    Vector,
    Pathogen,
}

impl From<Group> for TaxonGroup {
    fn from(g: Group) -> TaxonGroup {
        match g {
            Group::LargeMammal => TaxonGroup::LargeMammal,
            Group::Bird => TaxonGroup::Bird,
            Group::SmallMammal => TaxonGroup::SmallMammal,
            Group::Vector => TaxonGroup::Vector,
            Group::Pathogen => TaxonGroup::Pathogen,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrevalenceGroup {
    Site,
    Host,
    Pathogen,
    Period,
}

#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// Abundance per year or season: records, individuals, the visits and effort behind each
    /// point, and individuals per km and per hour where visits carry effort.
    Trends {
        /// A taxon by any of its names.
        #[arg(long)]
        taxon: Option<String>,
        #[arg(long, value_enum)]
        group: Option<Group>,
        /// A site by id or name.
        #[arg(long)]
        site: Option<String>,
        /// CN, MN, RU or KZ.
        #[arg(long)]
        country: Option<String>,
        #[arg(long, value_enum, default_value = "year")]
        by: By,
        #[command(flatten)]
        dates: Dates,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Per site: richness, records, individuals, visits, last visit, effort, samples, results.
    Sites {
        #[command(flatten)]
        dates: Dates,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Prevalence (positive / tested) with a 95% Wilson interval. Pending and inconclusive
    /// results are not counted as tested.
    Prevalence {
        #[arg(long, value_enum, default_value = "pathogen")]
        by: PrevalenceGroup,
        /// The pathogen as labs write it (any case).
        #[arg(long)]
        pathogen: Option<String>,
        /// The host taxon by any of its names.
        #[arg(long)]
        host: Option<String>,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        country: Option<String>,
        /// Year or season, with `--by period`.
        #[arg(long, value_enum, default_value = "year")]
        period_by: By,
        #[command(flatten)]
        dates: Dates,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Positive and tested samples by pathogen and host species.
    Hosts {
        #[command(flatten)]
        dates: Dates,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Sites ranked by the risk index of a disease (docs/RISK.md), over the settings' window
    /// ending on --as-of.
    Risk {
        /// The disease key of a risk profile: plague, tick_borne, hantavirus, ...
        #[arg(long, default_value = "plague")]
        disease: String,
        /// The last day of the window, YYYY-MM-DD; today when absent.
        #[arg(long)]
        as_of: Option<String>,
        /// Only the sites over the threshold.
        #[arg(long)]
        attention: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Print every risk profile as JSON, save one from a JSON file, or go back to a default
    /// (docs/RISK.md).
    RiskSettings {
        /// A JSON file holding one profile, as printed (a list of one is accepted too).
        #[arg(long, value_name = "FILE", conflicts_with = "reset")]
        save: Option<std::path::PathBuf>,
        /// The disease key whose saved profile to forget.
        #[arg(long, value_name = "DISEASE")]
        reset: Option<String>,
    },
    /// Records per country and taxon group against the data-sheet deadlines.
    Progress {
        /// The day deadlines are counted from, YYYY-MM-DD; today when absent.
        #[arg(long)]
        today: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

fn country(s: Option<String>) -> Result<Option<Country>> {
    match s {
        None => Ok(None),
        Some(s) => match Country::parse(&s) {
            Some(c) => Ok(Some(c)),
            None => bail!("'{s}' is not one of CN, MN, RU, KZ"),
        },
    }
}

fn site(store: &Store, s: Option<String>) -> Result<Option<String>> {
    match s {
        None => Ok(None),
        Some(s) if store.get(&s)?.is_some_and(|c| c.kind == Kind::Site) => Ok(Some(s)),
        Some(s) => Ok(Some(store.resolve_site(&s)?)),
    }
}

fn taxon(store: &Store, s: Option<String>) -> Result<Option<String>> {
    match s {
        None => Ok(None),
        Some(s) => Ok(Some(store.taxon_index()?.resolve(&s)?)),
    }
}

fn day(s: Option<String>) -> Result<NaiveDate> {
    match s {
        None => Ok(chrono::Local::now().date_naive()),
        Some(s) => Ok(dauria_core::validate::parse_date("date", &s)
            .map_err(|e| dauria_core::Error::Invalid(vec![e]))?),
    }
}

/// A number with `d` decimals, empty when absent.
fn num(v: Option<f64>, d: usize) -> String {
    v.map(|v| format!("{v:.d$}")).unwrap_or_default()
}

/// A proportion as a percentage with one decimal, for tables.
fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_default()
}

/// Prints `rows` as a table or CSV under `headers`, or `json` as JSON.
fn print(
    format: Format,
    json: &impl Serialize,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(json)?),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            w.write_record(headers)?;
            for r in rows {
                w.write_record(r)?;
            }
            w.flush()?;
        }
        Format::Table => print!("{}", table(headers, &rows)),
    }
    Ok(())
}

/// Runs a `report` subcommand.
pub fn run(dir: &Path, cmd: ReportCommand) -> Result<ExitCode> {
    let store = super::open_existing(dir)?;
    match cmd {
        ReportCommand::Trends {
            taxon: t,
            group,
            site: s,
            country: c,
            by,
            dates,
            format,
        } => {
            let q = TrendQuery {
                taxon: taxon(&store, t)?,
                group: group.map(Into::into),
                site: site(&store, s)?,
                country: country(c)?,
                by: by.into(),
                period: dates.period(),
            };
            let points = monitoring::trends(&store, &q)?;
            let rows = points
                .iter()
                .map(|p| {
                    vec![
                        p.period.clone(),
                        p.records.to_string(),
                        p.individuals.to_string(),
                        p.visits.to_string(),
                        format!("{:.3}", p.effort_km),
                        format!("{:.3}", p.effort_h),
                        num(p.per_km, 4),
                        num(p.per_hour, 4),
                    ]
                })
                .collect();
            print(
                format,
                &points,
                &[
                    "period",
                    "records",
                    "individuals",
                    "visits",
                    "effort_km",
                    "effort_h",
                    "per_km",
                    "per_hour",
                ],
                rows,
            )?;
        }
        ReportCommand::Sites { dates, format } => {
            let sites = monitoring::site_summaries(&store, &dates.period())?;
            let rows = sites
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.country.code().to_string(),
                        s.richness.to_string(),
                        s.records.to_string(),
                        s.individuals.to_string(),
                        s.visits.to_string(),
                        s.last_visit.clone().unwrap_or_default(),
                        format!("{:.3}", s.effort_km),
                        format!("{:.3}", s.effort_h),
                        s.samples.to_string(),
                        s.tested.to_string(),
                        s.positive.to_string(),
                        if format == Format::Table {
                            pct(s.prevalence)
                        } else {
                            num(s.prevalence, 6)
                        },
                    ]
                })
                .collect();
            print(
                format,
                &sites,
                &[
                    "site",
                    "country",
                    "richness",
                    "records",
                    "individuals",
                    "visits",
                    "last_visit",
                    "effort_km",
                    "effort_h",
                    "samples",
                    "tested",
                    "positive",
                    "prevalence",
                ],
                rows,
            )?;
        }
        ReportCommand::Prevalence {
            by,
            pathogen,
            host,
            site: s,
            country: c,
            period_by,
            dates,
            format,
        } => {
            let q = PrevalenceQuery {
                by: match by {
                    PrevalenceGroup::Site => PrevalenceBy::Site,
                    PrevalenceGroup::Host => PrevalenceBy::Host,
                    PrevalenceGroup::Pathogen => PrevalenceBy::Pathogen,
                    PrevalenceGroup::Period => PrevalenceBy::Period,
                },
                pathogen,
                host: taxon(&store, host)?,
                site: site(&store, s)?,
                country: country(c)?,
                period: dates.period(),
                period_by: period_by.into(),
            };
            let rows = monitoring::prevalence(&store, &q)?;
            let table_rows = rows
                .iter()
                .map(|r| {
                    let fmt = |v| {
                        if format == Format::Table {
                            pct(v)
                        } else {
                            num(v, 6)
                        }
                    };
                    vec![
                        r.label.clone(),
                        r.positive.to_string(),
                        r.tested.to_string(),
                        r.pending.to_string(),
                        r.inconclusive.to_string(),
                        fmt(r.prevalence),
                        fmt(r.wilson_low),
                        fmt(r.wilson_high),
                    ]
                })
                .collect();
            let first = match by {
                PrevalenceGroup::Site => "site",
                PrevalenceGroup::Host => "host",
                PrevalenceGroup::Pathogen => "pathogen",
                PrevalenceGroup::Period => "period",
            };
            print(
                format,
                &rows,
                &[
                    first,
                    "positive",
                    "tested",
                    "pending",
                    "inconclusive",
                    "prevalence",
                    "wilson_low",
                    "wilson_high",
                ],
                table_rows,
            )?;
        }
        ReportCommand::Hosts { dates, format } => {
            let cells = monitoring::hosts_by_pathogen(&store, &dates.period())?;
            let rows = cells
                .iter()
                .map(|h| {
                    let fmt = |v| {
                        if format == Format::Table {
                            pct(v)
                        } else {
                            num(v, 6)
                        }
                    };
                    vec![
                        h.pathogen.clone(),
                        h.host_name.clone(),
                        h.positive.to_string(),
                        h.tested.to_string(),
                        fmt(h.prevalence),
                        fmt(h.wilson_low),
                        fmt(h.wilson_high),
                    ]
                })
                .collect();
            print(
                format,
                &cells,
                &[
                    "pathogen",
                    "host",
                    "positive",
                    "tested",
                    "prevalence",
                    "wilson_low",
                    "wilson_high",
                ],
                rows,
            )?;
        }
        ReportCommand::Risk {
            disease,
            as_of,
            attention,
            format,
        } => {
            let settings = monitoring::risk_settings(&store)?;
            let Some(s) = settings.iter().find(|s| s.disease == disease) else {
                let known: Vec<&str> = settings.iter().map(|s| s.disease.as_str()).collect();
                bail!(
                    "no risk profile is called '{disease}'; there are: {}",
                    known.join(", ")
                );
            };
            let mut ranked = monitoring::risk(&store, s, day(as_of)?)?;
            if attention {
                ranked.retain(|r| r.over_threshold);
            }
            let rows = ranked
                .iter()
                .map(|r| {
                    vec![
                        r.rank.to_string(),
                        r.site_name.clone(),
                        r.country.code().to_string(),
                        format!("{:.3}", r.score),
                        num(r.host_rate, 3),
                        num(r.vector_rate, 3),
                        r.per.clone().unwrap_or_default(),
                        r.positive.to_string(),
                        r.tested.to_string(),
                        num(r.positivity_low, 4),
                        r.visits.to_string(),
                        if r.over_threshold { "yes" } else { "" }.to_string(),
                    ]
                })
                .collect();
            print(
                format,
                &ranked,
                &[
                    "rank",
                    "site",
                    "country",
                    "score",
                    "host_rate",
                    "vector_rate",
                    "per",
                    "positive",
                    "tested",
                    "positivity_low",
                    "visits",
                    "attention",
                ],
                rows,
            )?;
        }
        ReportCommand::RiskSettings { save, reset } => {
            if let Some(path) = save {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let one: RiskSettings = match serde_json::from_str(&text) {
                    Ok(s) => s,
                    Err(first) => match serde_json::from_str::<Vec<RiskSettings>>(&text) {
                        Ok(list) if list.len() == 1 => list.into_iter().next().expect("one"),
                        _ => bail!(
                            "{} is not one risk profile as `report risk-settings` prints it: \
                             {first}",
                            path.display()
                        ),
                    },
                };
                monitoring::save_risk_settings(&store, &one)?;
                println!("saved the {} profile", one.disease);
            } else if let Some(disease) = reset {
                monitoring::reset_risk_settings(&store, &disease)?;
                println!("the {disease} profile is back to its default");
            } else {
                let all = monitoring::risk_settings(&store)?;
                println!("{}", serde_json::to_string_pretty(&all)?);
            }
        }
        ReportCommand::Progress { today, format } => {
            let progress = monitoring::country_progress(&store, day(today)?)?;
            let group = |p: &monitoring::CountryProgress, g: Option<TaxonGroup>| {
                p.by_group
                    .iter()
                    .find(|x| x.group == g)
                    .map_or(0, |x| x.records)
                    .to_string()
            };
            let rows = progress
                .iter()
                .map(|p| {
                    vec![
                        p.country.code().to_string(),
                        p.records.to_string(),
                        group(p, Some(TaxonGroup::LargeMammal)),
                        group(p, Some(TaxonGroup::Bird)),
                        group(p, Some(TaxonGroup::SmallMammal)),
                        group(p, Some(TaxonGroup::Vector)),
                        group(p, Some(TaxonGroup::Pathogen)),
                        group(p, None),
                        p.next_deadline
                            .as_ref()
                            .map(|d| format!("{} ({})", d.due, d.title))
                            .unwrap_or_default(),
                        p.days_left.map(|d| d.to_string()).unwrap_or_default(),
                        serde_json::to_value(p.status)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            print(
                format,
                &progress,
                &[
                    "country",
                    "records",
                    "large_mammal",
                    "bird",
                    "small_mammal",
                    "vector",
                    "pathogen",
                    "unidentified",
                    "next_deadline",
                    "days_left",
                    "status",
                ],
                rows,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
