//! The fold that turns a name into a lookup key; the same rule as `aka_core::normalize::fold`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text into a key: NFKC, diacritics removed, lower case, apostrophes removed, every other
/// non-alphanumeric character a space, spaces collapsed and trimmed.
///
/// It is a copy of `aka_core::normalize::fold` (less its possessive handling, which that
/// function applies to surface text only) so that this crate depends on no other of ours; the
/// data generator in `data/generate.py` folds the same way, and the tests check both agree on
/// every name in the data.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let decomposed = text.nfkc().collect::<String>();
    for c in decomposed.nfd().filter(|c| !is_combining_mark(*c)) {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}') {
            // Apostrophes join ("N'Djamena" → "ndjamena", "People's" → "peoples").
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn fold_removes_diacritics_case_apostrophes_and_punctuation() {
        assert_eq!(fold("António  Guterres"), "antonio guterres");
        assert_eq!(fold("Pakistan People’s Party"), "pakistan peoples party");
        assert_eq!(fold("Washington, D.C."), "washington d c");
        assert_eq!(fold("N'Djamena"), "ndjamena");
        assert_eq!(fold("ＵＮ"), "un");
        assert_eq!(fold("  São Tomé  "), "sao tome");
    }
}
