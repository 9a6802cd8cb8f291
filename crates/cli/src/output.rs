//! Printing: error messages that say what to fix, and plain-text tables.

use std::process::ExitCode;

/// The command-line flag that sets a body field, to point people at what to change.
fn flag_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "taxon" | "taxon_name" => "--taxon",
        "count" => "--count",
        "count_min" => "--min",
        "count_max" => "--max",
        "unit" => "--unit",
        "site" => "--site",
        "lat" | "lon" => "--at",
        "position" => "--site or --at",
        "observed_at" => "--time",
        "observers" => "--observer",
        "uncertainty_m" => "--uncertainty",
        _ => return None,
    })
}

/// Prints an error for a person and returns the failure exit code.
pub fn fail(e: &anyhow::Error) -> ExitCode {
    match e.downcast_ref::<dauria_core::Error>() {
        Some(dauria_core::Error::Invalid(errs)) => {
            for fe in errs {
                match flag_for(&fe.field) {
                    Some(flag) => eprintln!("error: {} ({flag}): {}", fe.field, fe.message),
                    None => eprintln!("error: {}: {}", fe.field, fe.message),
                }
            }
        }
        _ => eprintln!("error: {e:#}"),
    }
    ExitCode::FAILURE
}

/// Lays out rows under headers in columns two spaces apart.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(cell);
            l.extend(std::iter::repeat_n(
                ' ',
                widths[i].saturating_sub(width(cell)),
            ));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}
