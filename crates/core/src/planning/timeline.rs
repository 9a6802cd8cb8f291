//! Schedule items derived from surveys' dates, routes' planned dates and assignments, per survey
//! and across surveys.

use super::bodies;
use crate::model::{Body, Kind};
use crate::{Result, Store};
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// What a schedule item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// The survey's own date range.
    Survey,
    /// A route planned for a day.
    Route,
    /// A person assigned for a date range.
    Assignment,
}

/// One bar or point on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ScheduleItem {
    pub survey: String,
    pub survey_title: String,
    pub activity: Activity,
    /// The record this item comes from (survey, route or assignment id).
    pub record: String,
    /// What to show: the route's name, or the person's name and role.
    pub label: String,
    /// For an assignment: the role as stored (a standard role's key, or free text), so that a
    /// window can show it in its own language next to `label`'s person.
    pub role: Option<String>,
    /// For an assignment: the person's name.
    pub person: Option<String>,
    /// Calendar dates, `YYYY-MM-DD`, inclusive.
    pub start: String,
    pub end: String,
}

/// The schedule of every survey (or only `survey`), ordered by start date, survey, activity.
pub fn schedule(store: &Store, survey: Option<&str>) -> Result<Vec<ScheduleItem>> {
    let mut items = Vec::new();
    let mut titles = HashMap::new();
    let mut ranges = HashMap::new();
    for (id, b) in bodies(store, Kind::Survey)? {
        let Body::Survey(s) = b else { continue };
        titles.insert(id.clone(), s.title.clone());
        ranges.insert(id.clone(), (s.start_date.clone(), s.end_date.clone()));
        if let Some(start) = s.start_date.clone().or(s.end_date.clone()) {
            items.push(ScheduleItem {
                survey: id.clone(),
                survey_title: s.title.clone(),
                activity: Activity::Survey,
                record: id,
                label: s.title,
                role: None,
                person: None,
                end: s.end_date.unwrap_or(start.clone()),
                start,
            });
        }
    }
    let title = |id: &str| titles.get(id).cloned().unwrap_or_default();
    for (id, b) in bodies(store, Kind::Route)? {
        let Body::Route(r) = b else { continue };
        if let (Some(day), true) = (r.planned_date, titles.contains_key(&r.survey)) {
            items.push(ScheduleItem {
                survey_title: title(&r.survey),
                survey: r.survey,
                activity: Activity::Route,
                record: id,
                label: r.name,
                role: None,
                person: None,
                start: day.clone(),
                end: day,
            });
        }
    }
    let mut people = HashMap::new();
    for (id, b) in bodies(store, Kind::Person)? {
        if let Body::Person(p) = b {
            people.insert(id, p.name);
        }
    }
    for (id, b) in bodies(store, Kind::Assignment)? {
        let Body::Assignment(a) = b else { continue };
        let Some((sf, st)) = ranges.get(&a.survey) else {
            continue;
        };
        let start = a.from.clone().or(sf.clone());
        let end = a.to.clone().or(st.clone()).or(start.clone());
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        let who = people.get(&a.person).cloned().unwrap_or(a.person.clone());
        items.push(ScheduleItem {
            survey_title: title(&a.survey),
            survey: a.survey,
            activity: Activity::Assignment,
            record: id,
            label: format!("{who} ({})", a.role),
            role: Some(a.role),
            person: Some(who),
            start,
            end,
        });
    }
    items.retain(|i| survey.is_none_or(|s| i.survey == s));
    items.sort_by(|a, b| {
        (&a.start, &a.survey_title, a.activity, &a.label).cmp(&(
            &b.start,
            &b.survey_title,
            b.activity,
            &b.label,
        ))
    });
    Ok(items)
}
