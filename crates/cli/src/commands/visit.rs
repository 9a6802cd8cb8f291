//! `dauria-cli visit start|end|list|from-gpx`: sampling visits and their effort.

use super::Format;
use crate::output::table;
use anyhow::{bail, Context, Result};
use dauria_core::model::{Body, Kind};
use dauria_core::visits::{self, VisitStart, VisitSummary};
use dauria_core::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum VisitCommand {
    /// Start a visit on this laptop and print its id. Sightings recorded with `obs add` until
    /// `visit end` belong to it. Only one visit can be open on a laptop at a time.
    Start {
        /// The survey's id (see `dauria-cli survey list`); taken from --route when absent.
        #[arg(long, value_name = "ID")]
        survey: Option<String>,
        /// The site sampled, by name (or a unique part of it) or id.
        #[arg(long, value_name = "NAME", conflicts_with = "route")]
        site: Option<String>,
        /// The planned route walked, by name or id; its length is the distance effort.
        #[arg(long, value_name = "NAME")]
        route: Option<String>,
        /// How the team samples: line transect, point count, trap line, ...
        #[arg(long)]
        protocol: String,
        /// Observers, comma-separated.
        #[arg(long, alias = "observer", value_delimiter = ',', required = true)]
        observers: Vec<String>,
        /// Start time, RFC 3339 with the UTC offset (default: now, with this computer's offset).
        #[arg(long, value_name = "TIME")]
        time: Option<String>,
        /// Weather at the start.
        #[arg(long)]
        weather: Option<String>,
    },
    /// End the visit open on this laptop and print its effort.
    End {
        /// End time, RFC 3339 with the UTC offset (default: now).
        #[arg(long, value_name = "TIME")]
        time: Option<String>,
    },
    /// List visits with their effort, newest first.
    List {
        /// Only the visits of this survey.
        #[arg(long, value_name = "ID")]
        survey: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Make a finished visit from each track of a GPX file: start and end from the first and last
    /// point times, the track kept with the visit, the distance along it as effort.
    FromGpx {
        /// The .gpx file, with point times (as GPS units record them).
        file: PathBuf,
        /// The survey's id.
        #[arg(long, value_name = "ID")]
        survey: Option<String>,
        /// How the team sampled.
        #[arg(long)]
        protocol: Option<String>,
        /// Observers, comma-separated.
        #[arg(long, alias = "observer", value_delimiter = ',')]
        observers: Vec<String>,
    },
}

/// Runs a `visit` subcommand.
pub fn run(dir: &Path, cmd: VisitCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        VisitCommand::Start {
            survey,
            site,
            route,
            protocol,
            observers,
            time,
            weather,
        } => {
            if let Some(s) = &survey {
                super::survey::find_survey(&store, s)?;
            }
            let site = site.map(|s| resolve(&store, Kind::Site, &s)).transpose()?;
            let route = route
                .map(|r| resolve(&store, Kind::Route, &r))
                .transpose()?;
            let saved = visits::start(
                &mut store,
                VisitStart {
                    survey,
                    site,
                    route,
                    protocol,
                    observers,
                    start: time,
                    weather,
                },
            )?;
            println!("{}", saved.id);
        }
        VisitCommand::End { time } => {
            let saved = visits::end(&mut store, time.as_deref())?;
            let v = visits::list(&store, None)?
                .into_iter()
                .find(|v| v.id == saved.id)
                .context("the ended visit is missing")?;
            println!("{}  {}", v.id, effort_text(&v));
        }
        VisitCommand::List { survey, format } => {
            if let Some(s) = &survey {
                super::survey::find_survey(&store, s)?;
            }
            let list = visits::list(&store, survey.as_deref())?;
            print_list(&list, format)?;
        }
        VisitCommand::FromGpx {
            file,
            survey,
            protocol,
            observers,
        } => {
            if let Some(s) = &survey {
                super::survey::find_survey(&store, s)?;
            }
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let ids = visits::from_gpx(
                &mut store,
                f,
                survey.as_deref(),
                protocol.as_deref(),
                &observers,
            )
            .with_context(|| format!("cannot make visits from {}", file.display()))?;
            let all = visits::list(&store, None)?;
            for id in ids {
                if let Some(v) = all.iter().find(|v| v.id == id) {
                    println!("{}  {}", v.id, effort_text(v));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A site or route by id, exact name (any case) or a unique part of its name.
fn resolve(store: &Store, kind: Kind, wanted: &str) -> Result<String> {
    if kind == Kind::Site {
        if store.get(wanted)?.is_some_and(|c| c.kind == Kind::Site) {
            return Ok(wanted.to_string());
        }
        return Ok(store.resolve_site(wanted)?);
    }
    let routes: Vec<(String, String)> = store
        .list(Kind::Route)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Route(r)) => Some((c.id, r.name)),
            _ => None,
        })
        .collect();
    let w = wanted.trim().to_lowercase();
    if let Some((id, _)) = routes
        .iter()
        .find(|(id, n)| *id == wanted || n.to_lowercase() == w)
    {
        return Ok(id.clone());
    }
    let partial: Vec<&(String, String)> = routes
        .iter()
        .filter(|(_, n)| n.to_lowercase().contains(&w))
        .collect();
    match partial.as_slice() {
        [(id, _)] => Ok(id.clone()),
        [] => bail!(
            "no route is called '{wanted}'; `dauria-cli survey show ID` lists a survey's routes"
        ),
        _ => bail!(
            "'{wanted}' matches {} routes; be more specific",
            partial.len()
        ),
    }
}

fn effort_text(v: &VisitSummary) -> String {
    let mut parts = Vec::new();
    if let Some(h) = v.effort.hours {
        parts.push(format!("{h:.2} h"));
    }
    if let Some(km) = v.effort.km {
        let from = match v.effort.distance_from {
            Some(visits::DistanceSource::Track) => "track",
            _ => "route",
        };
        parts.push(format!("{km:.3} km ({from})"));
    }
    if parts.is_empty() {
        if v.open {
            "open".into()
        } else {
            "no effort".into()
        }
    } else {
        parts.join(", ")
    }
}

fn print_list(list: &[VisitSummary], format: Format) -> Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(list)?),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            w.write_record([
                "id",
                "start",
                "end",
                "protocol",
                "observers",
                "survey",
                "hours",
                "km",
                "km_from",
            ])?;
            for v in list {
                w.write_record([
                    v.id.clone(),
                    v.visit.start.clone(),
                    v.visit.end.clone().unwrap_or_default(),
                    v.visit.protocol.clone().unwrap_or_default(),
                    v.visit.observers.join("; "),
                    v.visit.survey.clone().unwrap_or_default(),
                    v.effort
                        .hours
                        .map(|h| format!("{h:.3}"))
                        .unwrap_or_default(),
                    v.effort.km.map(|k| format!("{k:.3}")).unwrap_or_default(),
                    v.effort
                        .distance_from
                        .map(|d| format!("{d:?}").to_lowercase())
                        .unwrap_or_default(),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|v| {
                    vec![
                        v.id.clone(),
                        v.visit.start.clone(),
                        v.visit.end.clone().unwrap_or_else(|| "(open)".into()),
                        v.visit.protocol.clone().unwrap_or_default(),
                        v.visit.observers.join(", "),
                        effort_text(v),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &["id", "start", "end", "protocol", "observers", "effort"],
                    &rows
                )
            );
        }
    }
    Ok(())
}
