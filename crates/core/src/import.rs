//! CSV import and export of observations.
//!
//! Import maps header names case-insensitively, reports every bad row with its line, column and
//! reason, and writes the valid rows in one transaction (or none, when asked).

use crate::coords::parse_position;
use crate::error::{Error, Result};
use crate::limits;
use crate::model::{Body, CountUnit, Observation, RecordSource};
use crate::sniff::CsvFormat;
use crate::store::query::{ObservationFilter, SiteIndex};
use crate::store::Store;
use crate::taxa::TaxonIndex;
use crate::validate::{parse_time, validate, FieldError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{Read, Write};
use ts_rs::TS;

/// Columns of the observation CSV, in export order.
pub const COLUMNS: [&str; 15] = [
    "id",
    "taxon",
    "count",
    "count_min",
    "count_max",
    "unit",
    "site",
    "lat",
    "lon",
    "uncertainty_m",
    "observed_at",
    "observers",
    "detection_method",
    "behaviour",
    "notes",
];

/// One problem with one row: where it is, what it is as a stable rule the window words in its
/// language, and the same in English words for the command line.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// The file's header of the column the problem is in.
    pub column: String,
    /// The field of the record that column fills (`count`, `observed_at`, `taxon`…).
    pub field: String,
    /// What is wrong: one of `ROW_RULES`, or a validation rule of `field` (`format`, `range`,
    /// `unknown_taxon`…).
    pub rule: String,
    /// The value the words name (`'abc' is not a number`), when they name one.
    pub value: Option<String>,
    /// The problem in English words.
    pub reason: String,
}

/// The rules of row problems that are not validation rules.
pub const ROW_RULES: [&str; 7] = [
    "csv_syntax",
    "not_integer",
    "not_number",
    "too_large",
    "unknown_unit",
    "unknown_result",
    "ambiguous_barcode",
];

impl RowError {
    /// A problem with `field` in `column` by its `rule`; the caller sets the line.
    pub fn problem(
        column: String,
        field: &str,
        rule: &str,
        value: Option<&str>,
        reason: String,
    ) -> RowError {
        RowError {
            line: 0,
            column,
            field: field.to_string(),
            rule: rule.to_string(),
            value: value.map(str::to_string),
            reason,
        }
    }

    /// A line the CSV reader could not read.
    pub fn csv_syntax(line: u64, e: &csv::Error) -> RowError {
        RowError {
            line,
            ..RowError::problem(String::new(), "", "csv_syntax", None, e.to_string())
        }
    }

    /// A validation error of the row's record, found in `column`.
    pub fn from_field(column: String, e: FieldError) -> RowError {
        RowError::problem(column, &e.field, &e.rule, None, e.message)
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportReport {
    pub rows: u64,
    pub imported: u64,
    /// Rows imported from the same dataset before (by occurrenceID, catalogNumber, the record
    /// id of an export, or else the row's content), not added again.
    pub already_imported: u64,
    pub errors: Vec<RowError>,
    /// True when nothing was written because of `all_or_nothing`.
    pub rolled_back: bool,
}

/// Options for [`import_observations`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Write nothing if any row is bad.
    pub all_or_nothing: bool,
    /// The column each header maps to, by position (`None` ignores that header). When absent,
    /// headers are recognised by name as [`preview_csv`] guesses them.
    pub columns: Option<Vec<Option<String>>>,
}

/// The columns an observation CSV may map its headers to: the exported ones, and `position`
/// (one field with both coordinates, in any notation `parse_position` reads).
pub fn mappable_columns() -> Vec<&'static str> {
    COLUMNS
        .iter()
        .copied()
        .chain(["position", "source_id"])
        .collect()
}

/// The first rows of a CSV and the column each header would map to, for a mapping preview.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CsvPreview {
    pub headers: Vec<String>,
    /// The guessed column per header (`null`: ignored).
    pub guessed: Vec<Option<String>>,
    /// Up to the asked number of rows, as text.
    pub rows: Vec<Vec<String>>,
    /// Every column a header may map to.
    pub columns: Vec<String>,
    /// The file's encoding as detected (`UTF-8`, `windows-1251`, `gb18030`, ...).
    pub encoding: String,
    /// The file starts with a byte-order mark.
    pub bom: bool,
    /// The field separator as detected (`,`, `;` or a tab).
    pub separator: String,
    /// Numbers in the file are written with a decimal comma (`49,7`).
    pub decimal_comma: bool,
}

/// Reads the header and the first `rows` rows of a CSV, guessing the column of each header.
pub fn preview_csv(input: impl Read, rows: usize) -> Result<CsvPreview> {
    preview_with(input, rows, column_for, &mappable_columns())
}

/// A preview of any CSV import: `guess` names the column a header stands for, `columns` are
/// the columns a header may be mapped to.
pub(crate) fn preview_with(
    input: impl Read,
    rows: usize,
    guess: fn(&str) -> Option<&'static str>,
    columns: &[&'static str],
) -> Result<CsvPreview> {
    let (mut rdr, headers, format) = csv_with_headers(input)?;
    let mut seen = std::collections::HashSet::new();
    let guessed = headers
        .iter()
        .map(|h| guess(h).filter(|c| seen.insert(*c)).map(str::to_string))
        .collect();
    let mut out = Vec::new();
    for rec in rdr.records().take(rows) {
        let rec = rec.map_err(|e| {
            csv_read_error(&e).unwrap_or_else(|| {
                Error::invalid("file", "format", format!("cannot read the CSV: {e}"))
            })
        })?;
        out.push(rec.iter().map(str::to_string).collect());
    }
    Ok(CsvPreview {
        headers,
        guessed,
        rows: out,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        encoding: format.encoding.to_string(),
        bom: format.bom,
        separator: (format.separator as char).to_string(),
        decimal_comma: format.decimal_comma,
    })
}

/// The column positions from an explicit mapping, checked against the `allowed` columns.
pub(crate) fn mapped_columns(
    headers: &[String],
    columns: &[Option<String>],
    allowed: &[&'static str],
    row_is: &str,
) -> Result<HashMap<&'static str, usize>> {
    if columns.len() != headers.len() {
        return Err(Error::invalid(
            "columns",
            "count",
            format!(
                "the mapping names {} columns but the CSV has {}",
                columns.len(),
                headers.len()
            ),
        ));
    }
    let mut cols = HashMap::new();
    for (i, c) in columns.iter().enumerate() {
        let Some(c) = c.as_deref().filter(|c| !c.is_empty()) else {
            continue;
        };
        let Some(known) = allowed.iter().copied().find(|k| *k == c) else {
            return Err(Error::invalid(
                "columns",
                "unknown_column",
                format!("'{c}' is not a column {row_is} has"),
            ));
        };
        if cols.insert(known, i).is_some() {
            return Err(Error::invalid(
                "columns",
                "duplicate",
                format!("two headers are mapped to '{c}'"),
            ));
        }
    }
    Ok(cols)
}

/// A CSV reader (rows may be short or long: each row is checked on its own), its header, and
/// how the file was written (encoding, separator, decimal mark; see [`crate::sniff`]).
/// The input is read through [`limits::Capped`]: at most [`limits::MAX_CSV_BYTES`], in lines of
/// at most [`limits::MAX_CSV_LINE_BYTES`], so a huge file or one without line breaks is refused
/// instead of held.
pub(crate) type CsvReader<R> = csv::Reader<crate::sniff::DecodeReader<limits::Capped<R>>>;

pub(crate) fn csv_with_headers<R: Read>(
    input: R,
) -> Result<(CsvReader<R>, Vec<String>, CsvFormat)> {
    let input = limits::Capped::new(input, limits::MAX_CSV_BYTES, "the CSV file")
        .max_line(limits::MAX_CSV_LINE_BYTES);
    let (decoded, format) = crate::sniff::decode_csv(input).map_err(|e| {
        limits::over_limit(&e).unwrap_or_else(|| Error::Io {
            context: "cannot read the CSV file".into(),
            source: e,
        })
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(format.separator)
        .from_reader(decoded);
    let headers = rdr
        .headers()
        .map_err(|e| {
            csv_read_error(&e).unwrap_or_else(|| {
                Error::invalid("file", "format", format!("cannot read the CSV header: {e}"))
            })
        })?
        .iter()
        .map(str::to_string)
        .collect();
    Ok((rdr, headers, format))
}

/// A CSV error that ends the import: the file could not be read, or is over the limits. A bad
/// row is not one (it is reported and the import goes on); `None` for those.
pub(crate) fn csv_read_error(e: &csv::Error) -> Option<Error> {
    match e.kind() {
        csv::ErrorKind::Io(io) => Some(limits::over_limit(io).unwrap_or_else(|| Error::Io {
            context: "cannot read the CSV file".into(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        })),
        _ => None,
    }
}

/// Header aliases (lower-case) for each column we understand.
fn column_for(header: &str) -> Option<&'static str> {
    let h = header.trim().to_lowercase().replace([' ', '-'], "_");
    Some(match h.as_str() {
        "taxon" | "species" | "scientific_name" | "scientificname" | "name" => "taxon",
        "count" | "individualcount" | "individual_count" | "n" => "count",
        "count_min" | "min" => "count_min",
        "count_max" | "max" => "count_max",
        "unit" | "units" => "unit",
        "site" | "locality" | "site_name" => "site",
        "lat" | "latitude" | "decimallatitude" => "lat",
        "lon" | "lng" | "long" | "longitude" | "decimallongitude" => "lon",
        "position" | "coordinates" | "coords" => "position",
        "uncertainty_m" | "uncertainty" | "coordinateuncertaintyinmeters" => "uncertainty_m",
        "observed_at" | "time" | "date" | "datetime" | "eventdate" | "event_date" => "observed_at",
        "observers" | "observer" | "recordedby" | "recorded_by" => "observers",
        "detection_method" | "method" | "detection" => "detection_method",
        "behaviour" | "behavior" => "behaviour",
        "notes" | "remarks" | "occurrenceremarks" | "comment" => "notes",
        "id" => "id",
        "occurrenceid" | "occurrence_id" | "catalognumber" | "catalog_number" | "source_id" => {
            "source_id"
        }
        _ => return None,
    })
}

/// Why a name in `field` was not resolved: the first rule, with every message in words.
fn reason(field: &str, e: Error) -> FieldError {
    match e {
        Error::Invalid(errs) => {
            let rule = errs
                .first()
                .map_or("format".to_string(), |e| e.rule.clone());
            let message = errs
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("; ");
            FieldError::new(field, &rule, message)
        }
        other => FieldError::new(field, "format", other.to_string()),
    }
}

struct RowParser<'a> {
    format: CsvFormat,
    cols: HashMap<&'static str, usize>,
    headers: Vec<String>,
    taxa: &'a TaxonIndex,
    sites: &'a SiteIndex,
    taxon_cache: HashMap<String, std::result::Result<String, FieldError>>,
    site_cache: HashMap<String, std::result::Result<String, FieldError>>,
}

impl RowParser<'_> {
    fn get<'r>(&self, row: &'r csv::StringRecord, col: &str) -> Option<&'r str> {
        self.cols
            .get(col)
            .and_then(|i| row.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn header(&self, col: &str) -> String {
        self.cols
            .get(col)
            .map_or(col.to_string(), |i| self.headers[*i].clone())
    }

    fn count(&self, row: &csv::StringRecord, col: &str, errs: &mut Vec<RowError>) -> Option<u32> {
        let v = self.get(row, col)?;
        let rule = match v.parse::<i64>() {
            Ok(n) if n < 0 => ("negative", format!("count {n} is negative")),
            Ok(n) if n > u32::MAX as i64 => ("too_large", format!("count {n} is too large")),
            Ok(n) => return Some(n as u32),
            Err(_) => ("not_integer", format!("'{v}' is not a whole number")),
        };
        errs.push(self.problem(col, rule.0, Some(v), rule.1));
        None
    }

    /// A problem with the column that fills `field`.
    fn problem(&self, field: &str, rule: &str, value: Option<&str>, reason: String) -> RowError {
        RowError::problem(self.header(field), field, rule, value, reason)
    }

    fn parse(
        &mut self,
        row: &csv::StringRecord,
    ) -> std::result::Result<Observation, Vec<RowError>> {
        let mut errs: Vec<RowError> = Vec::new();
        let mut taxon = None;
        match self.get(row, "taxon").map(str::to_string) {
            None => {
                errs.push(self.problem("taxon", "required", None, "the species is missing".into()))
            }
            Some(name) => {
                let col = self.header("taxon");
                let (taxa, cache) = (self.taxa, &mut self.taxon_cache);
                let r = cache
                    .entry(name.clone())
                    .or_insert_with(|| taxa.resolve(&name).map_err(|e| reason("taxon", e)));
                match r {
                    Ok(id) => taxon = Some(id.clone()),
                    Err(e) => errs.push(RowError {
                        value: Some(name.clone()),
                        ..RowError::from_field(col, e.clone())
                    }),
                }
            }
        }
        let mut site = None;
        if let Some(name) = self.get(row, "site").map(str::to_string) {
            let sites = self.sites;
            let col = self.header("site");
            let r = self
                .site_cache
                .entry(name.clone())
                .or_insert_with(|| sites.resolve(&name).map_err(|e| reason("site", e)));
            match r {
                Ok(id) => site = Some(id.clone()),
                Err(e) => errs.push(RowError {
                    value: Some(name.clone()),
                    ..RowError::from_field(col, e.clone())
                }),
            }
        }
        let (mut lat, mut lon) = (None, None);
        if let Some(p) = self.get(row, "position") {
            match parse_position(p) {
                Ok(p) => (lat, lon) = (Some(p.lat), Some(p.lon)),
                Err(e) => errs.push(RowError::from_field(self.header("position"), e)),
            }
        } else {
            for (col, slot) in [("lat", &mut lat), ("lon", &mut lon)] {
                if let Some(v) = self.get(row, col) {
                    match self.format.number(v) {
                        Some(x) => *slot = Some(x),
                        None => errs.push(self.problem(
                            col,
                            "not_number",
                            Some(v),
                            format!("'{v}' is not a number"),
                        )),
                    }
                }
            }
        }
        let unit = match self.get(row, "unit") {
            None => CountUnit::Individuals,
            Some(u) => CountUnit::parse(u).unwrap_or_else(|| {
                errs.push(self.problem(
                    "unit",
                    "unknown_unit",
                    Some(u),
                    format!(
                        "unit '{u}' is not one of individuals, pairs, nests, burrows, colonies"
                    ),
                ));
                CountUnit::Individuals
            }),
        };
        // A time with its offset, else a date as Darwin Core allows it (a day, a month, a year
        // or a range, as the CSV and Darwin Core exports write them).
        let when = match self.get(row, "observed_at") {
            None => {
                errs.push(self.problem(
                    "observed_at",
                    "required",
                    None,
                    "the time is missing".into(),
                ));
                None
            }
            Some(t) => match parse_time("observed_at", t) {
                Ok(t) => Some(crate::dates::ParsedDate {
                    observed_at: t.to_rfc3339(),
                    date_precision: None,
                    observed_until: None,
                }),
                Err(e) => {
                    let partial =
                        crate::dates::from_event_date(t).filter(|d| d.date_precision.is_some());
                    if partial.is_none() {
                        errs.push(RowError::from_field(self.header("observed_at"), e));
                    }
                    partial
                }
            },
        };
        let uncertainty_m = match self.get(row, "uncertainty_m") {
            None => None,
            Some(v) => match self.format.number(v) {
                Some(x) => Some(x),
                None => {
                    errs.push(self.problem(
                        "uncertainty_m",
                        "not_number",
                        Some(v),
                        format!("'{v}' is not a number"),
                    ));
                    None
                }
            },
        };
        let mut o = Observation {
            visit: None,
            site,
            taxon,
            taxon_name: None,
            count: self.count(row, "count", &mut errs),
            count_min: self.count(row, "count_min", &mut errs),
            count_max: self.count(row, "count_max", &mut errs),
            unit,
            sex: None,
            age: None,
            behaviour: self.get(row, "behaviour").map(str::to_string),
            lat,
            lon,
            uncertainty_m,
            observed_at: String::new(),
            observers: self
                .get(row, "observers")
                .map(|s| {
                    s.split(';')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            detection_method: self.get(row, "detection_method").map(str::to_string),
            notes: self.get(row, "notes").map(str::to_string),
            photos: Vec::new(),
            date_precision: None,
            observed_until: None,
            source: None,
            extra: Default::default(),
        };
        if let Some(when) = when {
            when.apply(&mut o);
        }
        if errs.is_empty() {
            if let Err(v) = validate(&Body::Observation(o.clone())) {
                for e in v {
                    let col = match e.field.as_str() {
                        "position" => "lat".to_string(),
                        f => f.to_string(),
                    };
                    errs.push(RowError::from_field(self.header(&col), e));
                }
            }
        }
        if errs.is_empty() {
            Ok(o)
        } else {
            Err(errs)
        }
    }
}

/// Imports observations from CSV. `progress` is called with the bytes read so far. Rows are
/// remembered under an unnamed dataset; [`import_observations_from`] names it.
pub fn import_observations(
    store: &mut Store,
    input: impl Read,
    opts: ImportOptions,
    progress: impl FnMut(u64),
) -> Result<ImportReport> {
    import_observations_from(store, input, "", opts, progress)
}

/// Imports observations from CSV as rows of `dataset` (the file name, or a name the user
/// gave). A row already imported from the same dataset, known by its occurrenceID or
/// catalogNumber (`source_id` column), the record id of an export (`id`), or else by the
/// SHA-256 of its fields, is counted in `already_imported` and not added again.
pub fn import_observations_from(
    store: &mut Store,
    input: impl Read,
    dataset: &str,
    opts: ImportOptions,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport> {
    let taxa = TaxonIndex::load(store)?;
    let sites = SiteIndex::load(store)?;
    let (mut rdr, headers, format) = csv_with_headers(input)?;
    let cols = match &opts.columns {
        Some(columns) => mapped_columns(&headers, columns, &mappable_columns(), "an observation")?,
        None => {
            let mut cols = HashMap::new();
            for (i, h) in headers.iter().enumerate() {
                if let Some(c) = column_for(h) {
                    cols.entry(c).or_insert(i);
                }
            }
            cols
        }
    };
    for needed in ["taxon", "observed_at"] {
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
    if !cols.contains_key("count") && !cols.contains_key("count_min") {
        return Err(Error::invalid(
            "file",
            "missing_column",
            "the CSV has no 'count' column",
        ));
    }
    // Valid rows are written as they are read, in one transaction; it is committed at the end
    // unless `all_or_nothing` and some row was bad.
    let mut report = ImportReport {
        rows: 0,
        imported: 0,
        already_imported: 0,
        errors: Vec::new(),
        rolled_back: false,
    };
    let mut parser = RowParser {
        format,
        cols,
        headers,
        taxa: &taxa,
        sites: &sites,
        taxon_cache: HashMap::new(),
        site_cache: HashMap::new(),
    };
    // A bulk import touches index pages all over the store and keeps every page it writes dirty
    // until its one commit; a page cache of up to 1 GiB for the length of the import keeps them
    // from being spilled to the WAL and read back (a million rows import 1.6 times faster than
    // with 256 MiB). SQLite takes pages only as it needs them, so a small import uses little;
    // the cache is cut back, and its pages freed, afterwards.
    let cache: i64 = store
        .connection()
        .pragma_query_value(None, "cache_size", |r| r.get(0))?;
    store
        .connection()
        .pragma_update(None, "cache_size", cache.min(-1_048_576))?;
    let result = import_rows(
        store,
        &mut rdr,
        &mut parser,
        dataset,
        opts,
        &mut report,
        &mut progress,
    );
    store
        .connection()
        .pragma_update(None, "cache_size", cache)?;
    result?;
    Ok(report)
}

fn import_rows(
    store: &mut Store,
    rdr: &mut csv::Reader<impl Read>,
    parser: &mut RowParser<'_>,
    dataset: &str,
    opts: ImportOptions,
    report: &mut ImportReport,
    progress: &mut impl FnMut(u64),
) -> Result<()> {
    let mut batch = store.batch()?;
    let mut row = csv::StringRecord::new();
    // Identical rows in one file are told apart by their order, so a file with two equal rows
    // keeps both and imports neither a second time.
    let mut same_content: HashMap<String, u32> = HashMap::new();
    // Valid rows are written in chunks (one revision, outbox op and current row each, the
    // species tally once per group of the chunk), all in the import's one transaction. The
    // sources of the rows waiting in the chunk count as imported already.
    let mut chunk: Vec<Body> = Vec::with_capacity(IMPORT_CHUNK);
    let mut in_chunk: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let Some(stop) = csv_read_error(&e) {
                    return Err(stop);
                }
                let line = e.position().map_or(report.rows + 2, |p| p.line());
                report.rows += 1;
                report.errors.push(RowError::csv_syntax(line, &e));
                continue;
            }
        }
        report.rows += 1;
        let line = row.position().map_or(report.rows + 1, |p| p.line());
        let source_id = match parser.get(&row, "source_id").or(parser.get(&row, "id")) {
            Some(id) => id.to_string(),
            None => {
                let hash = row_hash(&row);
                let n = same_content.entry(hash.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    hash
                } else {
                    format!("{hash}#{n}")
                }
            }
        };
        if in_chunk.contains(&source_id) || batch.imported_before(dataset, &source_id)? {
            report.already_imported += 1;
            continue;
        }
        match parser.parse(&row) {
            Ok(mut o) => {
                if !opts.all_or_nothing || report.errors.is_empty() {
                    // The source travels with the record; the import index learns it in the
                    // same transaction (store::current).
                    in_chunk.insert(source_id.clone());
                    o.source = Some(RecordSource {
                        dataset: dataset.to_string(),
                        id: source_id,
                    });
                    chunk.push(Body::Observation(o));
                    report.imported += 1;
                    if chunk.len() == IMPORT_CHUNK {
                        batch.create_trusted_chunk(&chunk)?;
                        chunk.clear();
                        in_chunk.clear();
                    }
                }
            }
            Err(errs) => report
                .errors
                .extend(errs.into_iter().map(|e| RowError { line, ..e })),
        }
        if report.rows.is_multiple_of(4096) {
            progress(row.position().map_or(0, |p| p.byte()));
        }
    }
    if opts.all_or_nothing && !report.errors.is_empty() {
        drop(batch);
        report.rolled_back = true;
        report.imported = 0;
        return Ok(());
    }
    batch.create_trusted_chunk(&chunk)?;
    batch.commit()
}

/// Rows written together by an import: the species tally is updated once per chunk.
const IMPORT_CHUNK: usize = 4096;

/// `sha256:` and the hex SHA-256 of a row's fields (trimmed, joined by the unit separator), so
/// the same row saved in another encoding or with other quoting has the same identifier.
fn row_hash(row: &csv::StringRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (i, f) in row.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(f.trim().as_bytes());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

fn csv_err(e: csv::Error) -> Error {
    Error::Io {
        context: "cannot write the CSV".into(),
        source: std::io::Error::other(e),
    }
}

/// Writes observations matching `filter` as CSV (the import format), returning the row count.
pub fn export_observations(
    store: &Store,
    filter: &ObservationFilter,
    out: impl Write,
) -> Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS).map_err(csv_err)?;
    let guard = crate::sensitive::ExportGuard::load(store)?;
    let mut after: Option<String> = None;
    let mut n = 0;
    loop {
        let page = store.observations(filter, after.as_deref(), 2000)?;
        for r in &page.rows {
            let (o, protection) = guard.protect(&r.observation);
            let o = &*o;
            let num = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
            let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            w.write_record([
                r.id.as_str(),
                r.scientific_name
                    .as_deref()
                    .or(o.taxon_name.as_deref())
                    .unwrap_or(""),
                &num(o.count),
                &num(o.count_min),
                &num(o.count_max),
                o.unit.as_str(),
                match protection {
                    Some(_) => "",
                    None => r.site_name.as_deref().unwrap_or(""),
                },
                &f(o.lat),
                &f(o.lon),
                &f(o.uncertainty_m),
                &crate::sensitive::day_if(&crate::dates::event_date(o), protection),
                &o.observers.join("; "),
                o.detection_method.as_deref().unwrap_or(""),
                o.behaviour.as_deref().unwrap_or(""),
                &protection
                    .map(|p| p.data_generalizations())
                    .or_else(|| o.notes.clone())
                    .unwrap_or_default(),
            ])
            .map_err(csv_err)?;
            n += 1;
        }
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    w.flush().map_err(|source| Error::Io {
        context: "cannot write the CSV".into(),
        source,
    })?;
    Ok(n)
}
