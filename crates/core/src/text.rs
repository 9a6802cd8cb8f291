//! Text folding for search: case-insensitive in every script, `ё` = `е`.

/// Lower-cases and folds a string for comparison.
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_case_in_every_script() {
        assert_eq!(super::fold(" Полёвка "), "полевка");
        assert_eq!(super::fold("MARMOTA"), "marmota");
        assert_eq!(super::fold("Монгол ТАРВАГА"), "монгол тарвага");
    }
}
