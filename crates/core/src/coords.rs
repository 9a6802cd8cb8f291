//! Parsing of WGS84 positions typed by people: decimal degrees, degrees-minutes and
//! degrees-minutes-seconds, with hemisphere letters before or after, `°′″` or ASCII quotes.

use crate::validate::FieldError;

/// A WGS84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

/// Parses `49.7, 115.1`, `N49 42.000 E115 06.000`, `49°42′N 115°06′E` or `49°42'30"N 115°6'E`.
///
/// The error names the field `position` and says what was wrong.
pub fn parse_position(input: &str) -> Result<Position, FieldError> {
    let bad = |why: &str| {
        FieldError::new(
            "position",
            "format",
            format!("cannot read the position '{input}': {why}. Write it as 49.7, 115.1 or N49 42.000 E115 06.000 or 49°42′N 115°06′E"),
        )
    };
    let norm: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '′' | '’' | '‘' | '`' | '´' => '\'',
            '″' | '”' | '“' => '"',
            'º' | '˚' => '°',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if norm.is_empty() {
        return Err(bad("it is empty"));
    }
    let (a, b) = split_halves(&norm).ok_or_else(|| bad("expected a latitude and a longitude"))?;
    let (va, ha) = parse_part(a).map_err(|e| bad(&e))?;
    let (vb, hb) = parse_part(b).map_err(|e| bad(&e))?;
    let (lat, lon) = match (ha, hb) {
        (Some('E' | 'W'), Some('N' | 'S')) => (vb, va),
        (Some('N' | 'S') | None, Some('E' | 'W') | None) => (va, vb),
        _ => {
            return Err(bad(
                "the hemisphere letters do not make a latitude and a longitude",
            ))
        }
    };
    check_range(lat, lon)?;
    Ok(Position { lat, lon })
}

/// Checks that a position lies on the globe.
pub fn check_range(lat: f64, lon: f64) -> Result<(), FieldError> {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(FieldError::new(
            "lat",
            "range",
            format!("latitude {lat} is outside -90..90"),
        ));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(FieldError::new(
            "lon",
            "range",
            format!("longitude {lon} is outside -180..180"),
        ));
    }
    Ok(())
}

fn split_halves(s: &str) -> Option<(&str, &str)> {
    // Languages that write a decimal comma (Russian, Kazakh) separate the two numbers with a
    // semicolon (`49,7; 115,1`), a comma and a space (`49,7, 115,1`) or a space (`49,7 115,1`);
    // a single comma is the separator (`49.7, 115.1`).
    if let Some((a, b)) = s.split_once(';') {
        return Some((a.trim(), b.trim()));
    }
    let separator = match s.matches(',').count() {
        1 => s.split_once(','),
        _ if s.matches(", ").count() == 1 => s.split_once(", "),
        _ => None,
    };
    if let Some((a, b)) = separator {
        return Some((a.trim(), b.trim()));
    }
    let is_hemi = |c: char| matches!(c, 'N' | 'S' | 'E' | 'W');
    let letters: Vec<(usize, char)> = s.char_indices().filter(|(_, c)| is_hemi(*c)).collect();
    if letters.len() == 2 {
        let first_is_prefix = s.starts_with(is_hemi);
        let cut = if first_is_prefix {
            letters[1].0
        } else {
            letters[0].0 + 1
        };
        let (a, b) = s.split_at(cut);
        return Some((a.trim(), b.trim()));
    }
    if !letters.is_empty() {
        return None;
    }
    let tokens: Vec<&str> = s.split_whitespace().collect();
    if !tokens.len().is_multiple_of(2) || tokens.is_empty() || tokens.len() > 6 {
        return None;
    }
    // Find the byte offset of the middle token to keep each half as a slice.
    let half = tokens.len() / 2;
    let mut idx = 0;
    let mut seen = 0;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() && i > 0 && !s[..i].ends_with(char::is_whitespace) {
            seen += 1;
            if seen == half {
                idx = i;
                break;
            }
        }
    }
    Some((s[..idx].trim(), s[idx..].trim()))
}

/// Parses one coordinate: hemisphere letter (prefix or suffix) and 1–3 numbers.
fn parse_part(part: &str) -> Result<(f64, Option<char>), String> {
    let mut hemi = None;
    let mut body = String::new();
    for c in part.chars() {
        match c {
            'N' | 'S' | 'E' | 'W' => {
                if hemi.replace(c).is_some() {
                    return Err(format!("'{part}' has two hemisphere letters"));
                }
            }
            '°' | '\'' | '"' => body.push(' '),
            c => body.push(c),
        }
    }
    let nums: Vec<f64> = body
        .split_whitespace()
        .map(|t| {
            t.replace(',', ".")
                .parse::<f64>()
                .map_err(|_| format!("'{t}' is not a number"))
        })
        .collect::<Result<_, _>>()?;
    let value = match nums.as_slice() {
        [d] => *d,
        [d, m] => {
            check_minutes(*m, "minutes")?;
            whole(*d)?;
            d.abs() + m / 60.0
        }
        [d, m, s] => {
            check_minutes(*m, "minutes")?;
            whole(*m)?;
            check_minutes(*s, "seconds")?;
            whole(*d)?;
            d.abs() + m / 60.0 + s / 3600.0
        }
        [] => return Err(format!("'{part}' has no number")),
        _ => return Err(format!("'{part}' has too many numbers")),
    };
    let negative = matches!(hemi, Some('S' | 'W')) || (nums.len() > 1 && nums[0] < 0.0);
    if hemi.is_some() && nums[0] < 0.0 {
        return Err(format!(
            "'{part}' has both a minus sign and a hemisphere letter"
        ));
    }
    Ok((if negative { -value } else { value }, hemi))
}

fn check_minutes(v: f64, what: &str) -> Result<(), String> {
    if (0.0..60.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{what} must be between 0 and 60, not {v}"))
    }
}

fn whole(v: f64) -> Result<(), String> {
    if v.fract() == 0.0 {
        Ok(())
    } else {
        Err(format!(
            "{v} has a fraction, but it is followed by minutes or seconds"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(p: Position, lat: f64, lon: f64) {
        assert!(
            (p.lat - lat).abs() < 1e-9 && (p.lon - lon).abs() < 1e-9,
            "got {p:?}, expected {lat}, {lon}"
        );
    }

    #[test]
    fn decimal_degrees_with_comma_or_space() {
        close(parse_position("49.7, 115.1").unwrap(), 49.7, 115.1);
        close(parse_position("49.7 115.1").unwrap(), 49.7, 115.1);
        close(parse_position("-33.5, -70.25").unwrap(), -33.5, -70.25);
    }

    #[test]
    fn decimal_commas_as_russian_and_kazakh_write_them() {
        close(parse_position("49,7; 115,1").unwrap(), 49.7, 115.1);
        close(parse_position("49,7, 115,1").unwrap(), 49.7, 115.1);
        close(parse_position("49,7 115,1").unwrap(), 49.7, 115.1);
        close(parse_position("-33,5; -70,25").unwrap(), -33.5, -70.25);
        close(
            parse_position("N49 42,000 E115 06,000").unwrap(),
            49.7,
            115.1,
        );
        close(parse_position("49.7,115.1").unwrap(), 49.7, 115.1);
        assert!(parse_position("49,7,115,1").is_err(), "ambiguous");
        assert!(parse_position("49,7,1; 115").is_err());
    }

    #[test]
    fn degrees_minutes_with_prefix_hemispheres() {
        close(
            parse_position("N49 42.000 E115 06.000").unwrap(),
            49.7,
            115.1,
        );
        close(parse_position("S10 30 W20 15").unwrap(), -10.5, -20.25);
    }

    #[test]
    fn degrees_minutes_seconds_unicode_and_ascii() {
        close(parse_position("49°42′N 115°06′E").unwrap(), 49.7, 115.1);
        close(parse_position("49°42'N 115°06'E").unwrap(), 49.7, 115.1);
        close(
            parse_position("49°42'36\"N 115°06'18\"E").unwrap(),
            49.71,
            115.105,
        );
        close(parse_position("115°06′E 49°42′N").unwrap(), 49.7, 115.1);
    }

    #[test]
    fn impossible_positions_name_the_problem() {
        let e = parse_position("91, 10").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.as_str()), ("lat", "range"));
        let e = parse_position("10, 181").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.as_str()), ("lon", "range"));
        let e = parse_position("N49 75 E115 06").unwrap_err();
        assert!(e.message.contains("minutes"), "{}", e.message);
        let e = parse_position("steppe").unwrap_err();
        assert_eq!(e.rule, "format");
        assert!(parse_position("").is_err());
        assert!(parse_position("N49 N115").is_err());
    }
}
