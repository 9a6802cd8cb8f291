//! `dauria-cli obs ...`: record, list, edit, delete observations and show their history.

use super::Format;
use crate::output::table;
use anyhow::{bail, Result};
use chrono::SecondsFormat;
use dauria_core::coords::{parse_position, Position};
use dauria_core::model::{Body, CountUnit, Country, Kind, Observation};
use dauria_core::store::query::{ObservationFilter, ObservationRow};
use dauria_core::{Current, Error, Store};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum ObsCommand {
    /// Record an observation and print its id.
    ///
    /// Needs a species (--taxon), a count (--count, or --min and --max) and a place (--site,
    /// --at, or both). The time defaults to now, with this computer's UTC offset.
    Add(Fields),
    /// List observations, newest first.
    List(ListArgs),
    /// Change fields of an observation (a new revision on top of its current one).
    Edit {
        /// The observation's id, as printed by `obs add` or `obs list`.
        id: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Delete an observation (a tombstone revision; its history is kept).
    Delete {
        /// The observation's id.
        id: String,
    },
    /// Resolve a conflict: keep one version (--take REV_ID) or delete (--delete).
    Merge {
        /// The observation's id.
        id: String,
        /// The revision whose content to keep (see `dauria-cli conflicts`).
        #[arg(long, value_name = "REV_ID", conflicts_with = "delete")]
        take: Option<String>,
        /// Resolve by deleting the observation.
        #[arg(long)]
        delete: bool,
    },
    /// Show every revision of an observation, oldest first.
    History {
        /// The observation's id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// The fields of an observation a person can set from the command line.
#[derive(clap::Args, Debug, Default)]
pub struct Fields {
    /// Species: scientific name, synonym, or a common name in English, Chinese, Russian or
    /// Mongolian, any case (`Marmota sibirica`, `тарбаган`, `旱獭`).
    #[arg(long, value_name = "NAME")]
    taxon: Option<String>,
    /// Exact number counted.
    #[arg(long, value_name = "N", value_parser = parse_count, allow_negative_numbers = true,
          conflicts_with_all = ["min", "max"])]
    count: Option<u32>,
    /// Lower bound of an estimate (with --max).
    #[arg(long, value_name = "A", value_parser = parse_count, allow_negative_numbers = true,
          requires = "max")]
    min: Option<u32>,
    /// Upper bound of an estimate (with --min).
    #[arg(long, value_name = "B", value_parser = parse_count, allow_negative_numbers = true,
          requires = "min")]
    max: Option<u32>,
    /// What was counted: individuals (default), pairs, nests, burrows or colonies.
    #[arg(long, value_name = "U", value_parser = parse_unit)]
    unit: Option<CountUnit>,
    /// A site by name (case-insensitive; a unique part of the name is enough).
    #[arg(long, value_name = "NAME")]
    site: Option<String>,
    /// Position, WGS84: `49.7, 115.1` or `N49 42.000 E115 06.000` or `49°42′N 115°06′E`.
    #[arg(long, value_name = "COORDS", value_parser = parse_at, allow_hyphen_values = true)]
    at: Option<Position>,
    /// Position uncertainty in metres.
    #[arg(long, value_name = "METRES")]
    uncertainty: Option<f64>,
    /// When, RFC 3339 with the UTC offset you were in (`2026-06-01T07:30:00+08:00`).
    #[arg(long, value_name = "RFC3339", value_parser = parse_when)]
    time: Option<String>,
    /// Who observed; repeat for each person.
    #[arg(long = "observer", value_name = "NAME")]
    observers: Vec<String>,
    /// How it was detected (visual, call, tracks, camera trap, ...).
    #[arg(long, value_name = "METHOD")]
    method: Option<String>,
    /// Free-text notes (an empty value clears them when editing).
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
}

/// Filters shared by `obs list` and `export observations`.
#[derive(clap::Args, Debug, Default)]
pub struct FilterArgs {
    /// Only this species (any of its names).
    #[arg(long, value_name = "NAME")]
    taxon: Option<String>,
    /// Only this site (by name).
    #[arg(long, value_name = "NAME")]
    site: Option<String>,
    /// Only sites in this country: CN, MN, RU or KZ.
    #[arg(long, value_name = "CODE", value_parser = parse_country)]
    country: Option<Country>,
    /// From this date (`2026-06-01`, UTC) or instant (RFC 3339), inclusive.
    #[arg(long, value_name = "WHEN")]
    from: Option<String>,
    /// Up to this date (the whole day included) or instant.
    #[arg(long, value_name = "WHEN")]
    to: Option<String>,
    /// Only inside a box: `MIN_LON,MIN_LAT,MAX_LON,MAX_LAT` in decimal degrees.
    #[arg(long, value_name = "BOX", value_parser = parse_bbox, allow_hyphen_values = true)]
    bbox: Option<[f64; 4]>,
    /// Words in notes, observers or any name of the species.
    #[arg(long, value_name = "TEXT")]
    text: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Show at most this many (0 for all).
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn parse_count(s: &str) -> Result<u32, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("a count cannot be negative ({n}); give 0 or more")),
        Ok(n) => u32::try_from(n).map_err(|_| format!("{n} is too large for a count")),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

fn parse_unit(s: &str) -> Result<CountUnit, String> {
    CountUnit::parse(s)
        .ok_or_else(|| format!("'{s}' is not one of individuals, pairs, nests, burrows, colonies"))
}

fn parse_at(s: &str) -> Result<Position, String> {
    parse_position(s).map_err(|e| e.message)
}

fn parse_when(s: &str) -> Result<String, String> {
    dauria_core::validate::parse_time("time", s)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        .map_err(|e| e.message)
}

fn parse_country(s: &str) -> Result<Country, String> {
    Country::parse(s).ok_or_else(|| format!("'{s}' is not one of CN, MN, RU, KZ"))
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let bad =
        || format!("'{s}' is not MIN_LON,MIN_LAT,MAX_LON,MAX_LAT (e.g. 114.5,49.0,118.0,50.5)");
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [x0, y0, x1, y1] = <[f64; 4]>::try_from(parts).map_err(|_| bad())?;
    if x0 > x1 || y0 > y1 {
        return Err(format!(
            "'{s}': the minimum must come before the maximum of each axis"
        ));
    }
    Ok([x0, y0, x1, y1])
}

/// Runs an `obs` subcommand.
pub fn run(dir: &Path, cmd: ObsCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        ObsCommand::Add(fields) => add(&mut store, fields),
        ObsCommand::List(args) => list(&store, args),
        ObsCommand::Edit { id, fields } => edit(&mut store, &id, fields),
        ObsCommand::Delete { id } => delete(&mut store, &id),
        ObsCommand::History { id, format } => history(&store, &id, format),
        ObsCommand::Merge { id, take, delete } => {
            super::sync::merge(&mut store, &id, take.as_deref(), delete)
        }
    }?;
    Ok(ExitCode::SUCCESS)
}

fn now_with_offset() -> String {
    chrono::Local::now()
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn add(store: &mut Store, fields: Fields) -> Result<()> {
    let mut o = Observation {
        visit: None,
        site: None,
        taxon: None,
        taxon_name: None,
        count: None,
        count_min: None,
        count_max: None,
        unit: CountUnit::Individuals,
        sex: None,
        age: None,
        behaviour: None,
        lat: None,
        lon: None,
        uncertainty_m: None,
        observed_at: now_with_offset(),
        observers: Vec::new(),
        detection_method: None,
        notes: None,
        photos: Vec::new(),
        date_precision: None,
        observed_until: None,
        source: None,
        extra: Default::default(),
    };
    fields.apply(store, &mut o)?;
    // A sighting made while a visit is open on this laptop is part of that sampling event.
    o.visit = dauria_core::visits::open_visit(store)?.map(|v| v.id);
    // The core validates what is missing or out of range, naming each field.
    let saved = store.create(&Body::Observation(o))?;
    println!("{}", saved.id);
    Ok(())
}

impl Fields {
    fn is_empty(&self) -> bool {
        self.taxon.is_none()
            && self.count.is_none()
            && self.min.is_none()
            && self.unit.is_none()
            && self.site.is_none()
            && self.at.is_none()
            && self.uncertainty.is_none()
            && self.time.is_none()
            && self.observers.is_empty()
            && self.method.is_none()
            && self.notes.is_none()
    }

    /// Sets the given fields on `o`, resolving species and site names in the store.
    fn apply(self, store: &Store, o: &mut Observation) -> Result<()> {
        let mut errors = Vec::new();
        if let Some(name) = &self.taxon {
            match store.taxon_index()?.resolve(name) {
                Ok(id) => {
                    o.taxon = Some(id);
                    o.taxon_name = None;
                }
                Err(Error::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(name) = &self.site {
            match store.resolve_site(name) {
                Ok(id) => o.site = Some(id),
                Err(Error::Invalid(e)) => errors.extend(e),
                Err(e) => return Err(e.into()),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors).into());
        }
        if let Some(n) = self.count {
            (o.count, o.count_min, o.count_max) = (Some(n), None, None);
        }
        if let (Some(a), Some(b)) = (self.min, self.max) {
            (o.count, o.count_min, o.count_max) = (None, Some(a), Some(b));
        }
        if let Some(u) = self.unit {
            o.unit = u;
        }
        if let Some(p) = self.at {
            (o.lat, o.lon) = (Some(p.lat), Some(p.lon));
        }
        if let Some(u) = self.uncertainty {
            o.uncertainty_m = Some(u);
        }
        if let Some(t) = self.time {
            o.observed_at = t;
        }
        if !self.observers.is_empty() {
            o.observers = self.observers;
        }
        if let Some(m) = self.method {
            o.detection_method = Some(m).filter(|m| !m.trim().is_empty());
        }
        if let Some(n) = self.notes {
            o.notes = Some(n).filter(|n| !n.trim().is_empty());
        }
        Ok(())
    }
}

/// The live observation `id`, or an error saying why it cannot be changed.
fn current_observation(store: &Store, id: &str) -> Result<(Current, Observation)> {
    let Some(cur) = store.get(id)? else {
        bail!("there is no observation with id {id}; `dauria-cli obs list` shows the ids");
    };
    if cur.kind != Kind::Observation {
        bail!("{id} is a {}, not an observation", cur.kind.as_str());
    }
    if cur.deleted {
        bail!("observation {id} is deleted; `dauria-cli obs history {id}` shows what it was");
    }
    let Some(Body::Observation(o)) = cur.body.clone() else {
        bail!("observation {id} has no body to edit");
    };
    Ok((cur, o))
}

fn conflict_note(cur: &Current) {
    if cur.conflict {
        eprintln!(
            "note: observation {} has edits from more than one device (a conflict); this change \
             applies to the version shown by `obs list`, and the conflict stays until merged",
            cur.id
        );
    }
}

fn edit(store: &mut Store, id: &str, fields: Fields) -> Result<()> {
    if fields.is_empty() {
        bail!(
            "nothing to change: give at least one of --taxon, --count, --min/--max, --unit, \
             --site, --at, --uncertainty, --time, --observer, --method, --notes"
        );
    }
    let (cur, mut o) = current_observation(store, id)?;
    conflict_note(&cur);
    fields.apply(store, &mut o)?;
    let saved = store.update(id, &cur.rev_id, &Body::Observation(o))?;
    println!("{} {}", saved.id, saved.rev_id);
    Ok(())
}

fn delete(store: &mut Store, id: &str) -> Result<()> {
    let (cur, _) = current_observation(store, id)?;
    conflict_note(&cur);
    let saved = store.delete(id, &cur.rev_id)?;
    println!("{} {}", saved.id, saved.rev_id);
    Ok(())
}

impl FilterArgs {
    /// Turns names into ids for the core filter.
    pub fn resolve(&self, store: &Store) -> Result<ObservationFilter> {
        let taxon = match &self.taxon {
            Some(t) => Some(store.taxon_index()?.resolve(t)?),
            None => None,
        };
        let site = match &self.site {
            Some(s) => Some(store.resolve_site(s)?),
            None => None,
        };
        Ok(ObservationFilter {
            taxon,
            site,
            country: self.country,
            from: self.from.clone(),
            to: self.to.clone(),
            bbox: self.bbox,
            text: self.text.clone(),
        })
    }
}

fn count_text(o: &Observation) -> String {
    match (o.count, o.count_min, o.count_max) {
        (Some(n), _, _) => n.to_string(),
        (None, Some(a), Some(b)) => format!("{a}-{b}"),
        _ => String::new(),
    }
}

fn coord(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.5}")).unwrap_or_default()
}

fn list(store: &Store, args: ListArgs) -> Result<()> {
    let filter = args.filter.resolve(store)?;
    let limit = if args.limit == 0 {
        usize::MAX
    } else {
        args.limit
    };
    let mut rows: Vec<ObservationRow> = Vec::new();
    let mut after: Option<String> = None;
    let mut more = false;
    while rows.len() < limit {
        let want = (limit - rows.len()).min(1000);
        let page = store.observations(&filter, after.as_deref(), want)?;
        rows.extend(page.rows);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
        more = rows.len() >= limit;
    }
    let stdout = std::io::stdout();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(stdout.lock(), &rows)?;
            println!();
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(stdout.lock());
            w.write_record([
                "id",
                "observed_at",
                "taxon",
                "count",
                "count_min",
                "count_max",
                "unit",
                "site",
                "country",
                "lat",
                "lon",
                "uncertainty_m",
                "observers",
                "detection_method",
                "notes",
                "rev_id",
                "conflict",
            ])?;
            for r in &rows {
                let o = &r.observation;
                let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
                w.write_record([
                    r.id.as_str(),
                    &o.observed_at,
                    r.scientific_name
                        .as_deref()
                        .or(o.taxon_name.as_deref())
                        .unwrap_or(""),
                    &n(o.count),
                    &n(o.count_min),
                    &n(o.count_max),
                    o.unit.as_str(),
                    r.site_name.as_deref().unwrap_or(""),
                    r.country.map_or("", |c| c.code()),
                    &o.lat.map(|v| v.to_string()).unwrap_or_default(),
                    &o.lon.map(|v| v.to_string()).unwrap_or_default(),
                    &o.uncertainty_m.map(|v| v.to_string()).unwrap_or_default(),
                    &o.observers.join("; "),
                    o.detection_method.as_deref().unwrap_or(""),
                    o.notes.as_deref().unwrap_or(""),
                    &r.rev_id,
                    if r.conflict { "true" } else { "false" },
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            if rows.is_empty() {
                eprintln!("no observations match");
                return Ok(());
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let o = &r.observation;
                    vec![
                        r.id.clone(),
                        o.observed_at.clone(),
                        r.scientific_name
                            .clone()
                            .or(o.taxon_name.clone())
                            .unwrap_or_default(),
                        count_text(o),
                        o.unit.as_str().to_string(),
                        r.site_name.clone().unwrap_or_default(),
                        coord(o.lat),
                        coord(o.lon),
                        o.observers.join("; "),
                        if r.conflict {
                            "conflict".into()
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "id",
                        "observed_at",
                        "taxon",
                        "count",
                        "unit",
                        "site",
                        "lat",
                        "lon",
                        "observers",
                        ""
                    ],
                    &cells
                )
            );
            if more {
                eprintln!(
                    "showing the newest {}; use --limit N (0 for all) to see more",
                    rows.len()
                );
            }
        }
    }
    Ok(())
}

fn history(store: &Store, id: &str, format: Format) -> Result<()> {
    let revs = match store.history(id) {
        Err(Error::NotFound(_)) => {
            bail!("there is no record with id {id}; `dauria-cli obs list` shows the ids")
        }
        r => r?,
    };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(std::io::stdout().lock(), &revs)?;
            println!();
        }
        Format::Csv | Format::Table => {
            let taxa = store.taxon_index()?;
            let headers = [
                "rev_id",
                "generation",
                "written_at",
                "device",
                "change",
                "head",
                "taxon",
                "count",
                "observed_at",
            ];
            let cells: Vec<Vec<String>> = revs
                .iter()
                .map(|r| {
                    let change = match (r.parents.len(), r.deleted) {
                        (_, true) => "deleted",
                        (0, false) => "created",
                        (1, false) => "edited",
                        _ => "merged",
                    };
                    let (taxon, count, at) = match &r.body {
                        Some(Body::Observation(o)) => (
                            o.taxon
                                .as_deref()
                                .and_then(|t| taxa.get(t))
                                .map(|t| t.scientific_name.clone())
                                .or(o.taxon_name.clone())
                                .unwrap_or_default(),
                            count_text(o),
                            o.observed_at.clone(),
                        ),
                        _ => Default::default(),
                    };
                    vec![
                        r.rev_id.clone(),
                        r.generation.to_string(),
                        r.written_at.clone(),
                        r.device_id.clone(),
                        change.to_string(),
                        if r.head { "head".into() } else { String::new() },
                        taxon,
                        count,
                        at,
                    ]
                })
                .collect();
            if format == Format::Csv {
                let mut w = csv::Writer::from_writer(std::io::stdout().lock());
                w.write_record(headers)?;
                for row in &cells {
                    w.write_record(row)?;
                }
                w.flush()?;
            } else {
                print!("{}", table(&headers, &cells));
            }
        }
    }
    Ok(())
}
