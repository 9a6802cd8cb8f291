//! Disease samples: laboratory results imported from CSV and matched by barcode, and results
//! summarised by site and host species.

use crate::error::{Error, Result};
use crate::import::{csv_with_headers, mapped_columns, preview_with, CsvPreview, RowError};
use crate::model::{Body, Kind, Sample, SampleResult, Site};
use crate::store::Store;
use crate::validate::parse_date;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use ts_rs::TS;

/// A results row whose barcode matches no sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UnmatchedRow {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub barcode: String,
}

/// What a lab-results import did.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct LabResultReport {
    pub rows: u64,
    /// Samples given a new revision.
    pub updated: u64,
    /// Rows that matched a sample already holding the same result.
    pub unchanged: u64,
    pub unmatched: Vec<UnmatchedRow>,
    pub errors: Vec<RowError>,
}

/// The columns a lab-results CSV may map its headers to.
pub const LAB_COLUMNS: [&str; 6] = [
    "barcode",
    "result",
    "result_date",
    "test",
    "pathogen",
    "lab",
];

fn column_for(header: &str) -> Option<&'static str> {
    let h = header.trim().to_lowercase().replace([' ', '-'], "_");
    Some(match h.as_str() {
        "barcode" | "sample_barcode" | "sample_id" | "sample" | "штрихкод" | "штрих_код"
        | "条形码" | "样本编号" => "barcode",
        "result" | "outcome" | "test_result" | "результат" | "结果" => "result",
        "result_date"
        | "date"
        | "tested_on"
        | "date_tested"
        | "дата"
        | "дата_результата"
        | "日期" => "result_date",
        "test" | "method" | "assay" | "метод" | "检测方法" => "test",
        "pathogen" | "target" | "target_pathogen" | "возбудитель" | "病原体" => {
            "pathogen"
        }
        "lab" | "laboratory" | "лаборатория" | "实验室" => "lab",
        _ => return None,
    })
}

/// Parses a result word as laboratories write it, in English, Russian or Chinese (partner labs
/// send their sheets in their own language).
pub fn parse_result(s: &str) -> Option<SampleResult> {
    Some(match s.trim().to_lowercase().as_str() {
        "pending" | "not tested" | "" | "ожидается" | "не исследовано" | "待检" | "待测" => {
            SampleResult::Pending
        }
        "negative"
        | "neg"
        | "-"
        | "not detected"
        | "отрицательный"
        | "отрицательно"
        | "не обнаружено"
        | "阴性"
        | "未检出" => SampleResult::Negative,
        "positive"
        | "pos"
        | "+"
        | "detected"
        | "положительный"
        | "положительно"
        | "обнаружено"
        | "阳性"
        | "检出" => SampleResult::Positive,
        "inconclusive"
        | "equivocal"
        | "indeterminate"
        | "сомнительный"
        | "сомнительно"
        | "可疑" => SampleResult::Inconclusive,
        _ => return None,
    })
}

/// Imports laboratory results from CSV (columns barcode, result, and optionally result_date,
/// test, pathogen, lab; header names case-insensitive). Each row is matched to a sample by
/// barcode; matched samples get a new revision in one transaction; rows whose barcode matches
/// no sample are listed, and bad rows are reported with line, column and reason.
pub fn import_lab_results(store: &mut Store, input: impl Read) -> Result<LabResultReport> {
    import_lab_results_mapped(store, input, None)
}

/// The header, guessed columns and first `rows` rows of a lab-results CSV, for a mapping
/// preview.
pub fn preview_lab_results(input: impl Read, rows: usize) -> Result<CsvPreview> {
    preview_with(input, rows, column_for, &LAB_COLUMNS)
}

/// Like [`import_lab_results`], with the column of each header given by position (`None`
/// ignores that header) instead of recognised by name. A mapping with the wrong number of
/// columns, an unknown column or a column twice is refused and nothing is written.
pub fn import_lab_results_mapped(
    store: &mut Store,
    input: impl Read,
    columns: Option<&[Option<String>]>,
) -> Result<LabResultReport> {
    let (mut rdr, headers, _format) = csv_with_headers(input)?;
    let cols = match columns {
        Some(columns) => mapped_columns(&headers, columns, &LAB_COLUMNS, "a lab result")?,
        None => {
            let mut cols: HashMap<&'static str, usize> = HashMap::new();
            for (i, h) in headers.iter().enumerate() {
                if let Some(c) = column_for(h) {
                    cols.entry(c).or_insert(i);
                }
            }
            cols
        }
    };
    for needed in ["barcode", "result"] {
        if !cols.contains_key(needed) {
            return Err(Error::invalid(
                "file",
                "missing_column",
                format!(
                    "the CSV has no '{needed}' column (headers found: {})",
                    headers.join(", ")
                ),
            ));
        }
    }
    // Samples by barcode (case and surrounding spaces ignored): (id, rev, body).
    let mut by_barcode: HashMap<String, Vec<(String, String, Sample)>> = HashMap::new();
    for c in store.list(Kind::Sample)? {
        if let Some(Body::Sample(s)) = c.body {
            by_barcode
                .entry(s.barcode.trim().to_lowercase())
                .or_default()
                .push((c.id, c.rev_id, s));
        }
    }
    let header = |col: &str| {
        cols.get(col)
            .map_or(col.to_string(), |i| headers[*i].clone())
    };
    let mut report = LabResultReport::default();
    let mut updates: BTreeMap<String, (String, Sample)> = BTreeMap::new();
    let mut row = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let Some(stop) = crate::import::csv_read_error(&e) {
                    return Err(stop);
                }
                report.rows += 1;
                report.errors.push(RowError::csv_syntax(
                    e.position().map_or(report.rows + 1, |p| p.line()),
                    &e,
                ));
                continue;
            }
        }
        report.rows += 1;
        let line = row.position().map_or(report.rows + 1, |p| p.line());
        let get = |col: &str| {
            cols.get(col)
                .and_then(|i| row.get(*i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let mut err = |col: &str, rule: &str, value: Option<&str>, reason: String| {
            report.errors.push(RowError {
                line,
                ..RowError::problem(header(col), col, rule, value, reason)
            })
        };
        let Some(barcode) = get("barcode") else {
            err("barcode", "required", None, "the barcode is missing".into());
            continue;
        };
        let raw = get("result").unwrap_or("");
        let Some(result) = parse_result(raw) else {
            err(
                "result",
                "unknown_result",
                Some(raw),
                format!("'{raw}' is not one of pending, negative, positive, inconclusive"),
            );
            continue;
        };
        let date = match get("result_date") {
            None => None,
            Some(d) => match parse_date("result_date", d) {
                Ok(d) => Some(d.to_string()),
                Err(e) => {
                    err("result_date", &e.rule, None, e.message);
                    continue;
                }
            },
        };
        let key = barcode.to_lowercase();
        let matches = by_barcode.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let (id, rev, stored) = match matches {
            [] => {
                report.unmatched.push(UnmatchedRow {
                    line,
                    barcode: barcode.to_string(),
                });
                continue;
            }
            [one] => one,
            many => {
                err(
                    "barcode",
                    "ambiguous_barcode",
                    Some(barcode),
                    format!(
                        "barcode {barcode} is on {} samples; fix the labels first",
                        many.len()
                    ),
                );
                continue;
            }
        };
        // A later row for the same barcode wins over an earlier one in the same file.
        let mut s = updates
            .get(id)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| stored.clone());
        s.result = result;
        if date.is_some() {
            s.result_date = date;
        }
        for (col, slot) in [
            ("test", &mut s.test),
            ("pathogen", &mut s.pathogen),
            ("lab", &mut s.lab),
        ] {
            if let Some(v) = get(col) {
                *slot = Some(v.to_string());
            }
        }
        updates.insert(id.clone(), (rev.clone(), s));
    }
    let mut batch = store.batch()?;
    for (id, (rev, s)) in updates {
        let unchanged = by_barcode
            .values()
            .flatten()
            .any(|(i, _, old)| *i == id && *old == s);
        if unchanged {
            report.unchanged += 1;
        } else {
            batch.update(&id, &rev, &Body::Sample(s))?;
            report.updated += 1;
        }
    }
    batch.commit()?;
    Ok(report)
}

/// Counts of results for one site, host species and pathogen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResultSummary {
    pub site_id: Option<String>,
    pub site_name: Option<String>,
    pub host_taxon: Option<String>,
    /// Scientific name of the host, or its free-text name.
    pub host_name: Option<String>,
    pub pathogen: Option<String>,
    pub pending: u64,
    pub negative: u64,
    pub positive: u64,
    pub inconclusive: u64,
}

/// Sample results counted by (site, host species, pathogen), ordered by site name, host name
/// and pathogen. Samples whose host observation is gone are counted without site and host.
pub fn summarize_results(store: &Store) -> Result<Vec<ResultSummary>> {
    let taxa = store.taxon_index()?;
    let sites: HashMap<String, Site> = store
        .list(Kind::Site)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Site(s)) => Some((c.id, s)),
            _ => None,
        })
        .collect();
    type Key = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut groups: BTreeMap<Key, [u64; 4]> = BTreeMap::new();
    let mut hosts = HashMap::new();
    for c in store.list(Kind::Sample)? {
        let Some(Body::Sample(s)) = c.body else {
            continue;
        };
        let host = match hosts.get(&s.host_observation) {
            Some(h) => h,
            None => {
                let h = match store.get(&s.host_observation)?.and_then(|c| c.body) {
                    Some(Body::Observation(o)) => Some(o),
                    _ => None,
                };
                hosts.entry(s.host_observation.clone()).or_insert(h)
            }
        };
        let site_id = host.as_ref().and_then(|o| o.site.clone());
        let site_name = site_id
            .as_ref()
            .and_then(|id| sites.get(id))
            .map(|s| s.name.clone());
        let taxon = host.as_ref().and_then(|o| o.taxon.clone());
        let host_name = taxon
            .as_ref()
            .and_then(|t| taxa.get(t))
            .map(|t| t.scientific_name.clone())
            .or_else(|| host.as_ref().and_then(|o| o.taxon_name.clone()));
        let counts = groups
            .entry((site_name, site_id, host_name, taxon, s.pathogen.clone()))
            .or_default();
        counts[match s.result {
            SampleResult::Pending => 0,
            SampleResult::Negative => 1,
            SampleResult::Positive => 2,
            SampleResult::Inconclusive => 3,
        }] += 1;
    }
    Ok(groups
        .into_iter()
        .map(
            |((site_name, site_id, host_name, host_taxon, pathogen), c)| ResultSummary {
                site_id,
                site_name,
                host_taxon,
                host_name,
                pathogen,
                pending: c[0],
                negative: c[1],
                positive: c[2],
                inconclusive: c[3],
            },
        )
        .collect())
}
