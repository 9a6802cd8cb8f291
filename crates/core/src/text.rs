//! Text folding for search.
//!
//! [`fold`] is the stored form of free text (observation notes, site names): lower case in
//! every script, `ё` = `е`. [`search_form`] is what species search compares: it also drops
//! diacritics and turns punctuation into spaces, so `Huáng yáng`, `Pallas's cat` and
//! `Заяц-толай` compare like `huang yang`, `pallass cat` and `заяц толаи`.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-cases and folds a string for comparison.
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// The form species search compares: compatibility-decomposed (full-width letters become
/// ASCII), combining marks dropped (`ё` → `е`, `á` → `a`, `й` → `и`), lower case, apostrophes
/// dropped, and every other run of punctuation, symbols or spaces one space. Letters and digits
/// of every script are kept as they are.
pub fn search_form(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfkd() {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | 'ʼ' | '`' | '´' | 'ʻ') {
            continue;
        }
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// Whether `s` has a letter of the Cyrillic script.
pub fn has_cyrillic(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}'))
}

/// Whether `c` is a Han (Chinese) character.
pub fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_in_every_script() {
        assert_eq!(fold(" Полёвка "), "полевка");
        assert_eq!(fold("MARMOTA"), "marmota");
        assert_eq!(fold("Монгол ТАРВАГА"), "монгол тарвага");
    }

    #[test]
    fn search_form_drops_marks_and_punctuation() {
        assert_eq!(search_form(" Полёвка Брандта "), "полевка брандта");
        assert_eq!(search_form("huáng  yáng"), "huang yang");
        assert_eq!(search_form("Pallas's cat (manul)"), "pallass cat manul");
        assert_eq!(search_form("Заяц-толай"), "заяц толаи");
        assert_eq!(search_form("蒙原羚（黄羊）"), "蒙原羚 黄羊");
        assert_eq!(search_form("ＭＡＮＵＬ"), "manul");
        assert_eq!(search_form("Қасқыр"), "қасқыр");
        assert_eq!(search_form("!!! ... 🦊"), "");
    }
}
