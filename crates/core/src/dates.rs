//! Dates as Darwin Core allows them: a moment, a day, a month, a year, a range of them, or none.
//!
//! An observation's `observed_at` is an RFC 3339 time. When less is known, `date_precision`
//! says how much (`day`, `month`, `year`) and `observed_at` holds noon UTC of the first day
//! (the same calendar day in every time zone of the region), which orders the record among
//! others; a range ends at `observed_until`, written at the same precision (`2019-05-15`,
//! `2019-07`, `2020`). A record without any date has `date_precision` `undated` and an empty
//! `observed_at`. [`event_date`] writes the date back as Darwin Core's `eventDate`, with no
//! precision added; [`span`] gives the calendar days a record may lie on, which is all that
//! reports may count it by (docs/ARCHITECTURE.md, "Monitoring").

use crate::model::{DatePrecision, Observation};
use crate::validate::FieldError;
use chrono::{Datelike, NaiveDate};

/// A date read from a file: what goes into an observation's date fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDate {
    pub observed_at: String,
    pub date_precision: Option<DatePrecision>,
    pub observed_until: Option<String>,
}

impl ParsedDate {
    /// A record without a date.
    pub fn undated() -> ParsedDate {
        ParsedDate {
            observed_at: String::new(),
            date_precision: Some(DatePrecision::Undated),
            observed_until: None,
        }
    }

    /// Sets the observation's date fields.
    pub fn apply(self, o: &mut Observation) {
        o.observed_at = self.observed_at;
        o.date_precision = self.date_precision;
        o.observed_until = self.observed_until;
    }
}

/// The calendar days a record covers, first and last inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

fn rank(p: Option<DatePrecision>) -> u8 {
    match p {
        None => 0,
        Some(DatePrecision::Day) => 1,
        Some(DatePrecision::Month) => 2,
        Some(DatePrecision::Year) => 3,
        Some(DatePrecision::Undated) => 4,
    }
}

/// One end of a Darwin Core date: its first day, its last day, its precision (`None`: a moment,
/// kept as RFC 3339 in the `String`).
fn read_end(s: &str) -> Option<(NaiveDate, NaiveDate, Option<DatePrecision>, Option<String>)> {
    let s = s.trim();
    if let Some(t) = moment(s) {
        let d = chrono::DateTime::parse_from_rfc3339(&t).ok()?.date_naive();
        return Some((d, d, None, Some(t)));
    }
    if let Some(d) = java_date(s) {
        return Some((d, d, Some(DatePrecision::Day), None));
    }
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            Some((d, d, Some(DatePrecision::Day), None))
        }
        7 if b[4] == b'-' && digits(0..4) && digits(5..7) => {
            let first = NaiveDate::from_ymd_opt(s[..4].parse().ok()?, s[5..].parse().ok()?, 1)?;
            Some((first, month_end(first), Some(DatePrecision::Month), None))
        }
        4 if digits(0..4) => {
            let y: i32 = s.parse().ok()?;
            Some((
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
                Some(DatePrecision::Year),
                None,
            ))
        }
        _ => None,
    }
}

/// An ISO 8601 date and time as RFC 3339: with seconds added when they are left out, and UTC
/// when no offset is given.
fn moment(s: &str) -> Option<String> {
    if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
        return Some(s.to_string());
    }
    // ISO 8601 allows a time without seconds (`2011-10-22T00:00Z`); RFC 3339 does not.
    if s.len() > 16 && s.as_bytes()[13] == b':' && s.as_bytes()[16] != b':' {
        let with_seconds = format!("{}:00{}", &s[..16], &s[16..]);
        if chrono::DateTime::parse_from_rfc3339(&with_seconds).is_ok() {
            return Some(with_seconds);
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(format!("{}+00:00", t.format("%Y-%m-%dT%H:%M:%S")));
        }
    }
    None
}

/// Older GBIF downloads wrote dates as Java prints them: `Tue Apr 01 00:00:00 CET 1930`. The
/// time is midnight in the publisher's zone, so only the day is taken.
fn java_date(s: &str) -> Option<NaiveDate> {
    let w: Vec<&str> = s.split_whitespace().collect();
    match w.as_slice() {
        [_, mon, d, _, _, y] => {
            NaiveDate::parse_from_str(&format!("{y} {mon} {d}"), "%Y %b %d").ok()
        }
        _ => None,
    }
}

fn month_end(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("a month has a next") - chrono::Days::new(1)
}

/// `date` at `precision`: `2019-05-15`, `2019-05` or `2019`.
fn at_precision(date: NaiveDate, precision: DatePrecision) -> String {
    match precision {
        DatePrecision::Year => format!("{:04}", date.year()),
        DatePrecision::Month => format!("{:04}-{:02}", date.year(), date.month()),
        _ => date.format("%Y-%m-%d").to_string(),
    }
}

fn noon_utc(d: NaiveDate) -> String {
    format!("{}T12:00:00+00:00", d.format("%Y-%m-%d"))
}

/// Reads a Darwin Core `eventDate` (ISO 8601): a date and time, a day, a month (`1990-06`), a
/// year (`1987`), or a range of them (`2019-05-01/2019-05-15`, `2019/2020`, and the short form
/// `2019-05-01/15`). An empty value is undated. `None` when it is none of these, or a range
/// that ends before it starts.
pub fn from_event_date(s: &str) -> Option<ParsedDate> {
    let s = s.trim();
    if s.is_empty() {
        return Some(ParsedDate::undated());
    }
    let (a, b) = match s.split_once('/') {
        None => (s, None),
        Some((a, b)) => (a, Some(b.trim())),
    };
    let (first, _, p, time) = read_end(a)?;
    let Some(b) = b.filter(|b| !b.is_empty() && *b != a.trim()) else {
        // A single value. A moment is kept as it is; a day, a month or a year at its precision.
        return Some(match p {
            None => ParsedDate {
                observed_at: time.expect("a moment has its time"),
                date_precision: None,
                observed_until: None,
            },
            Some(_) => ParsedDate {
                observed_at: noon_utc(first),
                date_precision: p,
                observed_until: None,
            },
        });
    };
    // `2019-05-01/15` and `2019-05-01/06-02`: the end leaves out what it shares with the start.
    let end = read_end(b).or_else(|| {
        let a = a.trim();
        (b.len() < a.len()).then(|| read_end(&format!("{}{b}", &a[..a.len() - b.len()])))?
    })?;
    let (_, end_last, end_p, _) = end;
    if end_last < first {
        return None;
    }
    // The finer of the two precisions, and never finer than a day: a range of times is a range
    // of the days they fall on, and its first time is kept.
    let precision = if rank(p) <= rank(end_p) { p } else { end_p }.unwrap_or(DatePrecision::Day);
    let until = at_precision(end_last, precision);
    let observed_at = match (p, time) {
        (None, Some(t)) => t,
        _ => noon_utc(first),
    };
    if at_precision(first, precision) == until {
        return Some(ParsedDate {
            observed_at,
            date_precision: Some(precision),
            observed_until: None,
        });
    }
    Some(ParsedDate {
        observed_at,
        date_precision: Some(precision),
        observed_until: Some(until),
    })
}

/// The calendar days a Darwin Core `eventDate` covers (as [`event_date`] writes it); `None`
/// when it is empty or does not read.
pub fn event_date_span(s: &str) -> Option<DaySpan> {
    let (a, b) = match s.trim().split_once('/') {
        None => (s.trim(), None),
        Some((a, b)) => (a, Some(b)),
    };
    let (first, last, _, _) = read_end(a)?;
    let last = match b {
        None => last,
        Some(b) => read_end(b)?.1,
    };
    Some(DaySpan { first, last })
}

/// The first local calendar day of `observed_at` (the date the observer wrote down).
fn first_day(o: &Observation) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(o.observed_at.trim())
        .ok()
        .map(|t| t.date_naive())
}

/// The end of a range written at `precision`, as its last day.
fn until_day(s: &str, precision: DatePrecision) -> Option<NaiveDate> {
    let (_, last, p, _) = read_end(s)?;
    (p == Some(precision)).then_some(last)
}

/// The calendar days an observation may lie on; `None` when it is undated (or its date does
/// not read, which validation refuses).
pub fn span(o: &Observation) -> Option<DaySpan> {
    let first = first_day(o)?;
    let p = match o.date_precision {
        None => return Some(DaySpan { first, last: first }),
        Some(DatePrecision::Undated) => return None,
        Some(p) => p,
    };
    let (first, mut last) = match p {
        DatePrecision::Year => (
            NaiveDate::from_ymd_opt(first.year(), 1, 1)?,
            NaiveDate::from_ymd_opt(first.year(), 12, 31)?,
        ),
        DatePrecision::Month => {
            let f = first.with_day(1)?;
            (f, month_end(f))
        }
        _ => (first, first),
    };
    if let Some(u) = &o.observed_until {
        last = until_day(u, p)?;
    }
    Some(DaySpan { first, last })
}

/// The observation's date as Darwin Core's `eventDate`: the time as written for a moment, else
/// the day, month or year with no precision added, a range as `start/end`, and empty when
/// undated.
pub fn event_date(o: &Observation) -> String {
    let p = match o.date_precision {
        None => return o.observed_at.clone(),
        Some(DatePrecision::Undated) => return String::new(),
        Some(p) => p,
    };
    let Some(first) = first_day(o) else {
        return o.observed_at.clone();
    };
    let start = at_precision(first, p);
    match &o.observed_until {
        Some(u) => format!("{start}/{u}"),
        None => start,
    }
}

/// The rules on an observation's date fields (`validate`).
pub fn check(o: &Observation, e: &mut Vec<FieldError>) {
    match o.date_precision {
        Some(DatePrecision::Undated) => {
            if !o.observed_at.trim().is_empty() || o.observed_until.is_some() {
                e.push(FieldError::new(
                    "observed_at",
                    "undated",
                    "an undated record has no time and no end date",
                ));
            }
            return;
        }
        None if o.observed_until.is_some() => e.push(FieldError::new(
            "observed_until",
            "precision",
            "a date range needs its precision (day, month or year)",
        )),
        _ => {}
    }
    if let Err(x) = crate::validate::parse_time("observed_at", &o.observed_at) {
        e.push(x);
        return;
    }
    if let (Some(p), Some(u)) = (o.date_precision, &o.observed_until) {
        match until_day(u, p) {
            None => e.push(FieldError::new(
                "observed_until",
                "format",
                format!(
                    "'{u}' is not a {} like {}",
                    match p {
                        DatePrecision::Year => "year",
                        DatePrecision::Month => "month",
                        _ => "date",
                    },
                    at_precision(NaiveDate::from_ymd_opt(2019, 5, 15).expect("a date"), p)
                ),
            )),
            Some(last) => {
                if first_day(o).is_some_and(|f| last < f) {
                    e.push(FieldError::new(
                        "observed_until",
                        "order",
                        format!("the end {u} is before the start"),
                    ));
                }
            }
        }
    }
}
