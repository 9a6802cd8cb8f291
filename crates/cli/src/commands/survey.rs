//! `dauria-cli survey ...`: plan surveys, staff them, budget them, and see how they are going.

use crate::output::table;
use anyhow::{bail, Context, Result};
use dauria_core::model::{
    Assignment, Body, BudgetLine, ExchangeRate, Kind, Person, Survey, SurveyStatus, TaxonGroup,
};
use dauria_core::planning::{booking, budget, progress, timeline};
use dauria_core::Store;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SurveyCommand {
    /// Plan a survey and print its id.
    Add(AddArgs),
    /// List surveys by start date.
    List,
    /// Show a survey: plan, progress, team, budget, schedule and double-booking warnings.
    Show {
        /// The survey's id, as printed by `survey add` or `survey list`.
        id: String,
        /// Also total the budget in this currency (CNY, MNT, RUB, KZT, USD).
        #[arg(long, value_name = "C")]
        currency: Option<String>,
    },
    /// Assign a person to a survey (the person is added to the registry if new) and print the
    /// assignment's id.
    Assign {
        /// The survey's id.
        id: String,
        /// The person's name, as in the registry (a new name adds a person).
        #[arg(long, value_name = "NAME")]
        person: String,
        /// Their role on this survey.
        #[arg(long, value_name = "ROLE", default_value = "field")]
        role: String,
        /// First day (YYYY-MM-DD); defaults to the survey's start.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day (YYYY-MM-DD); defaults to the survey's end.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
    },
    /// Add a budget line (quantity × unit cost in a currency) and print its id.
    BudgetLine {
        /// The survey's id.
        id: String,
        /// transport, fuel, per diem, equipment, laboratory tests, permits, ...
        #[arg(long, value_name = "CATEGORY")]
        category: String,
        #[arg(long, value_name = "Q")]
        quantity: String,
        #[arg(long, value_name = "COST")]
        unit_cost: String,
        /// CNY, MNT, RUB, KZT or USD.
        #[arg(long, value_name = "C")]
        currency: String,
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        /// What was actually spent on this line, in its currency.
        #[arg(long, value_name = "AMOUNT")]
        actual: Option<String>,
    },
    /// Set how many units of a currency buy one US dollar for this survey's budget.
    Rate {
        /// The survey's id.
        id: String,
        /// CNY, MNT, RUB or KZT.
        #[arg(long, value_name = "C")]
        currency: String,
        /// Units of the currency per US dollar, as a decimal (`3400`, `7.2`).
        #[arg(long, value_name = "RATE")]
        per_usd: String,
    },
}

/// The fields of `survey add`.
#[derive(clap::Args)]
pub struct AddArgs {
    /// What the survey is called.
    #[arg(long, value_name = "T")]
    title: String,
    /// Where it takes place (free text).
    #[arg(long, value_name = "R")]
    region: Option<String>,
    /// First day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    start: Option<String>,
    /// Last day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    end: Option<String>,
    /// A method (repeat): line transect, point count, live trapping, camera trap, ...
    #[arg(long = "method", value_name = "M")]
    methods: Vec<String>,
    /// A target group (repeat): large_mammal, bird, small_mammal, vector, pathogen.
    #[arg(long = "group", value_name = "G", value_parser = parse_group)]
    groups: Vec<TaxonGroup>,
}

fn parse_group(s: &str) -> Result<TaxonGroup, String> {
    TaxonGroup::parse(&s.replace([' ', '-'], "_")).ok_or_else(|| {
        format!(
            "'{s}' is not a taxon group; use large_mammal, bird, small_mammal, vector or pathogen"
        )
    })
}

/// Runs a `survey` subcommand.
pub fn run(dir: &Path, cmd: SurveyCommand) -> Result<ExitCode> {
    let mut store = super::open_existing(dir)?;
    match cmd {
        SurveyCommand::Add(a) => {
            let saved = store.create(&Body::Survey(Survey {
                title: a.title,
                region: a.region,
                target_groups: a.groups,
                target_taxa: vec![],
                methods: a.methods,
                start_date: a.start,
                end_date: a.end,
                status: SurveyStatus::Draft,
                lead: None,
                exchange_rates: vec![],
            }))?;
            println!("{}", saved.id);
        }
        SurveyCommand::List => list(&store)?,
        SurveyCommand::Show { id, currency } => show(&store, &id, currency.as_deref())?,
        SurveyCommand::Assign {
            id,
            person,
            role,
            from,
            to,
        } => {
            find_survey(&store, &id)?;
            let person = person_id(&mut store, &person)?;
            let saved = store.create(&Body::Assignment(Assignment {
                survey: id,
                person,
                role,
                from,
                to,
            }))?;
            println!("{}", saved.id);
        }
        SurveyCommand::BudgetLine {
            id,
            category,
            quantity,
            unit_cost,
            currency,
            description,
            actual,
        } => {
            find_survey(&store, &id)?;
            if let Some(a) = &actual {
                budget::parse_decimal("actual", a)?;
            }
            let saved = store.create(&Body::BudgetLine(BudgetLine {
                survey: id,
                category,
                description,
                quantity,
                unit_cost,
                currency: currency.trim().to_ascii_uppercase(),
                actual,
            }))?;
            println!("{}", saved.id);
        }
        SurveyCommand::Rate {
            id,
            currency,
            per_usd,
        } => {
            let (rev, mut s) = find_survey(&store, &id)?;
            let currency = currency.trim().to_ascii_uppercase();
            s.exchange_rates.retain(|r| r.currency != currency);
            s.exchange_rates.push(ExchangeRate { currency, per_usd });
            budget::Rates::new(&s.exchange_rates)?;
            store.update(&id, &rev, &Body::Survey(s))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The survey's current revision and body, or an error that says how to find the id.
pub fn find_survey(store: &Store, id: &str) -> Result<(String, Survey)> {
    match store.get(id)? {
        Some(c) if c.conflict => {
            let s = dauria_core::planning::survey(store, id)?;
            eprintln!("warning: survey {id} has conflicting edits; showing the provisional winner");
            Ok((c.rev_id, s))
        }
        Some(c) => match c.body {
            Some(Body::Survey(s)) => Ok((c.rev_id, s)),
            Some(b) => bail!(
                "{id} is a {}, not a survey; see `dauria-cli survey list`",
                b.kind().as_str()
            ),
            None => bail!("survey {id} was deleted"),
        },
        None => bail!("there is no survey {id}; `dauria-cli survey list` shows the ids"),
    }
}

fn person_id(store: &mut Store, name: &str) -> Result<String> {
    let wanted = name.trim();
    if wanted.is_empty() {
        bail!("--person needs a name");
    }
    for c in store.list(Kind::Person)? {
        if let Some(Body::Person(p)) = &c.body {
            if p.name.trim().eq_ignore_ascii_case(wanted) {
                return Ok(c.id);
            }
        }
    }
    let saved = store.create(&Body::Person(Person {
        name: wanted.to_string(),
        organisation: None,
        country: None,
        roles: vec![],
        contact: None,
        languages: vec![],
    }))?;
    Ok(saved.id)
}

fn status(s: SurveyStatus) -> &'static str {
    match s {
        SurveyStatus::Draft => "draft",
        SurveyStatus::Approved => "approved",
        SurveyStatus::InField => "in field",
        SurveyStatus::Done => "done",
    }
}

fn list(store: &Store) -> Result<()> {
    let mut rows: Vec<(String, Survey)> = store
        .list(Kind::Survey)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Survey(s)) => Some((c.id, s)),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        println!("no surveys yet; plan one with `dauria-cli survey add --title ...`");
        return Ok(());
    }
    rows.sort_by(|a, b| (&a.1.start_date, &a.1.title).cmp(&(&b.1.start_date, &b.1.title)));
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(id, s)| {
            vec![
                id,
                s.title,
                s.region.unwrap_or_default(),
                s.start_date.unwrap_or_default(),
                s.end_date.unwrap_or_default(),
                status(s.status).into(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(&["id", "title", "region", "start", "end", "status"], &rows)
    );
    Ok(())
}

fn show(store: &Store, id: &str, currency: Option<&str>) -> Result<()> {
    let (_, s) = find_survey(store, id)?;
    println!("{}", s.title);
    println!("id        {id}");
    println!("status    {}", status(s.status));
    if let Some(r) = &s.region {
        println!("region    {r}");
    }
    println!(
        "dates     {} – {}",
        s.start_date.as_deref().unwrap_or("?"),
        s.end_date.as_deref().unwrap_or("?")
    );
    if !s.target_groups.is_empty() {
        let g: Vec<String> = s
            .target_groups
            .iter()
            .map(|g| serde_json::to_value(g).map(|v| v.as_str().unwrap_or("").to_string()))
            .collect::<Result<_, _>>()?;
        println!("groups    {}", g.join(", "));
    }
    if !s.methods.is_empty() {
        println!("methods   {}", s.methods.join(", "));
    }

    let p = progress::progress(store, id)?;
    println!("\nProgress");
    println!(
        "routes    {} planned, {:.1} km",
        p.routes_planned, p.routes_km
    );
    println!("visits    {} done of {} recorded", p.visits_done, p.visits);
    println!("records   {} ({} individuals)", p.records, p.individuals);
    let mut effort: Vec<String> = p
        .effort
        .iter()
        .map(|(u, v)| format!("{v:.1} {u}"))
        .collect();
    effort.push(format!("{:.1} h", p.hours));
    println!("effort    {}", effort.join(", "));

    println!("\nTeam");
    let mut people = std::collections::HashMap::new();
    for c in store.list(Kind::Person)? {
        if let Some(Body::Person(p)) = c.body {
            people.insert(c.id, p.name);
        }
    }
    let mut team: Vec<Vec<String>> = store
        .list(Kind::Assignment)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Assignment(a)) if a.survey == id => Some(vec![
                people.get(&a.person).cloned().unwrap_or(a.person),
                a.role,
                a.from.or(s.start_date.clone()).unwrap_or_default(),
                a.to.or(s.end_date.clone()).unwrap_or_default(),
            ]),
            _ => None,
        })
        .collect();
    team.sort();
    if team.is_empty() {
        println!("nobody assigned yet (`dauria-cli survey assign {id} --person NAME`)");
    } else {
        print!("{}", table(&["person", "role", "from", "to"], &team));
    }

    println!("\nBudget");
    print_budget(store, id, currency)?;

    let items = timeline::schedule(store, Some(id))?;
    if !items.is_empty() {
        println!("\nSchedule");
        let rows: Vec<Vec<String>> = items
            .into_iter()
            .map(|i| {
                let what = match i.activity {
                    timeline::Activity::Survey => "survey",
                    timeline::Activity::Route => "route",
                    timeline::Activity::Assignment => "team",
                };
                vec![i.start, i.end, what.into(), i.label]
            })
            .collect();
        print!("{}", table(&["from", "to", "what", ""], &rows));
    }

    let warnings = booking::for_survey(store, id)?;
    if !warnings.is_empty() {
        println!("\nDouble bookings");
        for w in warnings {
            println!("warning: {}", w.message());
        }
    }
    Ok(())
}

/// Prints per-currency totals, and per-category and overall totals in `currency` when given.
pub fn print_budget(store: &Store, id: &str, currency: Option<&str>) -> Result<()> {
    let b = budget::survey_budget(store, id, currency)
        .with_context(|| format!("cannot total the budget of survey {id}"))?;
    if b.lines == 0 {
        println!(
            "no budget lines yet (`dauria-cli survey budget-line {id} --category ... --quantity ... --unit-cost ... --currency ...`)"
        );
        return Ok(());
    }
    let row = |t: &budget::Total| {
        vec![
            t.key.clone(),
            format!("{} {}", t.amounts.planned, t.currency),
            if t.amounts.lines_without_actual == t.amounts.lines {
                "-".to_string()
            } else {
                format!("{} {}", t.amounts.actual, t.currency)
            },
            if t.amounts.lines_without_actual > 0 {
                format!("{} line(s) without actual", t.amounts.lines_without_actual)
            } else {
                String::new()
            },
        ]
    };
    let rows: Vec<Vec<String>> = b.per_currency.iter().map(row).collect();
    print!("{}", table(&["currency", "planned", "actual", ""], &rows));
    if let Some(total) = &b.reporting {
        println!();
        let mut rows: Vec<Vec<String>> = b.per_category.iter().map(row).collect();
        rows.push(row(total));
        print!(
            "{}",
            table(
                &[
                    &format!("category (in {})", total.currency),
                    "planned",
                    "actual",
                    ""
                ],
                &rows
            )
        );
    }
    Ok(())
}
