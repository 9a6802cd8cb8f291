//! Double-booking: one person assigned to two places at once.
//!
//! An assignment's days are its own `from`/`to`, falling back to its survey's start/end dates;
//! an assignment with no dates at all cannot overlap anything and is skipped. Ranges are
//! inclusive calendar days.

use super::bodies;
use crate::model::{Assignment, Body, Kind};
use crate::validate::parse_date;
use crate::{Result, Store};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// One person booked in two assignments whose days overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DoubleBooking {
    pub person: String,
    pub person_name: String,
    pub first_assignment: String,
    pub first_survey: String,
    pub first_survey_title: String,
    pub second_assignment: String,
    pub second_survey: String,
    pub second_survey_title: String,
    /// First and last overlapping day, inclusive.
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
}

impl DoubleBooking {
    /// Number of overlapping days.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// A sentence for a person reading the plan.
    pub fn message(&self) -> String {
        let same = self.first_survey == self.second_survey;
        format!(
            "{} is booked {} from {} to {} ({} day{}): \"{}\" and \"{}\"",
            self.person_name,
            if same {
                "twice in one survey"
            } else {
                "in two surveys"
            },
            self.from,
            self.to,
            self.days(),
            if self.days() == 1 { "" } else { "s" },
            self.first_survey_title,
            self.second_survey_title,
        )
    }
}

struct Booked {
    id: String,
    a: Assignment,
    from: NaiveDate,
    to: NaiveDate,
}

/// Every pair of overlapping assignments of the same person, across all surveys, in a stable
/// order (by person name, then first overlapping day).
pub fn double_bookings(store: &Store) -> Result<Vec<DoubleBooking>> {
    let mut surveys: HashMap<String, (String, Option<NaiveDate>, Option<NaiveDate>)> =
        HashMap::new();
    for (id, b) in bodies(store, Kind::Survey)? {
        if let Body::Survey(s) = b {
            let d = |v: &Option<String>| v.as_deref().and_then(|x| parse_date("", x).ok());
            let (f, t) = (d(&s.start_date), d(&s.end_date));
            surveys.insert(id, (s.title, f, t));
        }
    }
    let mut people: HashMap<String, String> = HashMap::new();
    for (id, b) in bodies(store, Kind::Person)? {
        if let Body::Person(p) = b {
            people.insert(id, p.name);
        }
    }
    let mut by_person: HashMap<String, Vec<Booked>> = HashMap::new();
    for (id, b) in bodies(store, Kind::Assignment)? {
        let Body::Assignment(a) = b else { continue };
        let Some((_, sf, st)) = surveys.get(&a.survey) else {
            continue; // the survey was deleted
        };
        let d = |v: &Option<String>| v.as_deref().and_then(|x| parse_date("", x).ok());
        let from = d(&a.from).or(*sf).or(d(&a.to)).or(*st);
        let to = d(&a.to).or(*st).or(from);
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        by_person
            .entry(a.person.clone())
            .or_default()
            .push(Booked { id, a, from, to });
    }
    let mut out = Vec::new();
    for (person, mut list) in by_person {
        list.sort_by(|x, y| (x.from, &x.id).cmp(&(y.from, &y.id)));
        for i in 0..list.len() {
            for j in i + 1..list.len() {
                let (x, y) = (&list[i], &list[j]);
                let from = x.from.max(y.from);
                let to = x.to.min(y.to);
                if from > to {
                    continue;
                }
                let title = |s: &str| surveys.get(s).map(|v| v.0.clone()).unwrap_or_default();
                out.push(DoubleBooking {
                    person_name: people.get(&person).cloned().unwrap_or(person.clone()),
                    person: person.clone(),
                    first_assignment: x.id.clone(),
                    first_survey: x.a.survey.clone(),
                    first_survey_title: title(&x.a.survey),
                    second_assignment: y.id.clone(),
                    second_survey: y.a.survey.clone(),
                    second_survey_title: title(&y.a.survey),
                    from,
                    to,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.person_name, a.from, &a.first_assignment).cmp(&(
            &b.person_name,
            b.from,
            &b.first_assignment,
        ))
    });
    Ok(out)
}

/// The double bookings that involve survey `survey`.
pub fn for_survey(store: &Store, survey: &str) -> Result<Vec<DoubleBooking>> {
    Ok(double_bookings(store)?
        .into_iter()
        .filter(|d| d.first_survey == survey || d.second_survey == survey)
        .collect())
}
