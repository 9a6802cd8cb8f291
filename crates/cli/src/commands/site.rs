//! `dauria-cli site ...`: add, list, edit (or move), merge and delete sites. A site's country and
//! reserve come from its position, by the same core functions the app uses.

use super::Format;
use crate::output::table;
use anyhow::{bail, Result};
use dauria_core::coords::parse_position;
use dauria_core::model::{Body, Kind, Site};
use dauria_core::sites::SiteInput;
use dauria_core::Store;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SiteCommand {
    /// Add a site and print its id, country and reserve (derived from the position).
    Add {
        /// The site's name.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Position: decimal (`50.07 115.52`), degrees-minutes or degrees-minutes-seconds.
        #[arg(long, value_name = "COORDS", allow_hyphen_values = true)]
        at: String,
        #[command(flatten)]
        extra: Extra,
    },
    /// List live sites.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Rename or move a site (a new revision; country and reserve are derived again).
    Edit {
        /// The site's id or name.
        site: String,
        /// New name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// New position.
        #[arg(long, value_name = "COORDS", allow_hyphen_values = true)]
        at: Option<String>,
        #[command(flatten)]
        extra: Extra,
    },
    /// Delete a site no sighting or visit uses (merge a used one instead).
    Delete {
        /// The site's id or name.
        site: String,
    },
    /// Merge a site into another: its sightings and visits move to the kept site, then it is
    /// deleted.
    Merge {
        /// The site merged away (id or name).
        site: String,
        /// The site kept (id or name).
        #[arg(long, value_name = "SITE")]
        into: String,
    },
}

/// Optional fields of a site.
#[derive(clap::Args, Debug, Default)]
pub struct Extra {
    /// Habitat (free text).
    #[arg(long, value_name = "TEXT")]
    habitat: Option<String>,
    /// Position uncertainty in metres.
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    uncertainty: Option<f64>,
    /// Elevation in metres.
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    elevation: Option<f64>,
}

/// A site by id, or by name as `obs add --site` resolves it.
fn resolve(store: &Store, s: &str) -> Result<String> {
    if let Some(c) = store.get(s)? {
        if c.kind == Kind::Site && !c.deleted {
            return Ok(c.id);
        }
    }
    Ok(store.resolve_site(s)?)
}

fn live(store: &Store, id: &str) -> Result<Site> {
    match store.get(id)?.and_then(|c| c.body) {
        Some(Body::Site(s)) => Ok(s),
        _ => bail!("no site with id {id}"),
    }
}

fn reserve_name(store: &Store, id: Option<&str>) -> Result<String> {
    let Some(id) = id else {
        return Ok(String::new());
    };
    Ok(match store.get(id)?.and_then(|c| c.body) {
        Some(Body::ProtectedArea(p)) => p.name_en,
        _ => String::new(),
    })
}

fn describe(store: &Store, id: &str) -> Result<String> {
    let s = live(store, id)?;
    let reserve = reserve_name(store, s.protected_area.as_deref())?;
    Ok(format!(
        "{id}\t{}\t{}{}",
        s.name,
        s.country.code(),
        if reserve.is_empty() {
            String::new()
        } else {
            format!("\t{reserve}")
        }
    ))
}

/// Runs a site command.
pub fn run(dir: &Path, cmd: SiteCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        SiteCommand::Add { name, at, extra } => {
            let p = parse_position(&at).map_err(|e| dauria_core::Error::Invalid(vec![e]))?;
            let saved = store.add_site(&SiteInput {
                name,
                lat: p.lat,
                lon: p.lon,
                uncertainty_m: extra.uncertainty,
                elevation_m: extra.elevation,
                habitat: extra.habitat,
            })?;
            println!("{}", describe(&store, &saved.id)?);
        }
        SiteCommand::List { format } => list(&store, format)?,
        SiteCommand::Edit {
            site,
            name,
            at,
            extra,
        } => {
            let id = resolve(&store, &site)?;
            let old = live(&store, &id)?;
            let (lat, lon) = match at {
                Some(at) => {
                    let p =
                        parse_position(&at).map_err(|e| dauria_core::Error::Invalid(vec![e]))?;
                    (p.lat, p.lon)
                }
                None => (old.lat, old.lon),
            };
            store.edit_site(
                &id,
                &SiteInput {
                    name: name.unwrap_or(old.name),
                    lat,
                    lon,
                    uncertainty_m: extra.uncertainty.or(old.uncertainty_m),
                    elevation_m: extra.elevation.or(old.elevation_m),
                    habitat: extra.habitat.or(old.habitat),
                },
            )?;
            println!("{}", describe(&store, &id)?);
        }
        SiteCommand::Delete { site } => {
            let id = resolve(&store, &site)?;
            store.delete_site(&id)?;
            println!("deleted {id}");
        }
        SiteCommand::Merge { site, into } => {
            let gone = resolve(&store, &site)?;
            let keep = resolve(&store, &into)?;
            let m = store.merge_sites(&keep, &gone)?;
            println!(
                "merged {gone} into {keep}: {} sightings and {} visits moved",
                m.observations, m.visits
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(store: &Store, format: Format) -> Result<()> {
    let mut rows = Vec::new();
    for c in store.list(Kind::Site)? {
        if let Some(Body::Site(s)) = c.body {
            let reserve = reserve_name(store, s.protected_area.as_deref())?;
            rows.push((c.id, s, reserve));
        }
    }
    rows.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    match format {
        Format::Json => {
            let docs: Vec<serde_json::Value> = rows
                .iter()
                .map(|(id, s, reserve)| {
                    serde_json::json!({
                        "id": id, "name": s.name, "country": s.country.code(),
                        "reserve": if reserve.is_empty() { None } else { Some(reserve) },
                        "lat": s.lat, "lon": s.lon, "uncertainty_m": s.uncertainty_m,
                        "habitat": s.habitat,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&docs)?);
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            w.write_record(["id", "name", "country", "reserve", "lat", "lon"])?;
            for (id, s, reserve) in &rows {
                w.write_record([
                    id.as_str(),
                    &s.name,
                    s.country.code(),
                    reserve,
                    &s.lat.to_string(),
                    &s.lon.to_string(),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|(id, s, reserve)| {
                    vec![
                        id.clone(),
                        s.name.clone(),
                        s.country.code().to_string(),
                        reserve.clone(),
                        format!("{:.5}", s.lat),
                        format!("{:.5}", s.lon),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["id", "name", "country", "reserve", "lat", "lon"], &body)
            );
        }
    }
    Ok(())
}
