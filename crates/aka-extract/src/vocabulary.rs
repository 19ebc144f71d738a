//! The extractor's word classes, read once from `data/vocabulary.toml`, and the list of common
//! English words, read once from `data/common_words.txt`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;

/// The text of the compiled-in vocabulary.
const VOCABULARY_TOML: &str = include_str!("../data/vocabulary.toml");

/// Common lower-case English words, one a line, sorted; made by
/// `data/generate_common_words.py` (sources and licences in `data/README.md`).
const COMMON_WORDS_TXT: &str = include_str!("../data/common_words.txt");

/// Contraction endings after an apostrophe: "Didn't", "I'm", "We're", "They've", "It'll", "I'd".
const CONTRACTION_TAILS: [&str; 6] = ["t", "m", "re", "ve", "ll", "d"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    function_words: Vec<String>,
    months: Vec<String>,
    weekdays: Vec<String>,
    org_heads: Vec<String>,
    org_first_heads: Vec<String>,
    event_first_heads: Vec<String>,
    event_heads: Vec<String>,
    other_heads: Vec<String>,
    other_first_heads: Vec<String>,
    place_heads: Vec<String>,
    facility_heads: Vec<String>,
    abbreviations: Vec<String>,
    name_abbreviations: Vec<String>,
    place_prepositions: Vec<String>,
    place_modifiers: Vec<String>,
    connectors: Vec<String>,
    connectors_after_head: Vec<String>,
    connector_articles: Vec<String>,
    title_separators: Vec<String>,
}

/// Word classes as sets of lower-case words.
pub(crate) struct Vocabulary {
    pub function_words: BTreeSet<String>,
    /// Months and weekdays together: both are dates, not names.
    pub dates: BTreeSet<String>,
    pub org_heads: BTreeSet<String>,
    pub org_first_heads: BTreeSet<String>,
    pub event_first_heads: BTreeSet<String>,
    pub event_heads: BTreeSet<String>,
    pub other_heads: BTreeSet<String>,
    pub other_first_heads: BTreeSet<String>,
    pub place_heads: BTreeSet<String>,
    /// Nouns that end names of buildings and sites ("Tarsa plant"), written in lower case.
    pub facility_heads: BTreeSet<String>,
    pub abbreviations: BTreeSet<String>,
    pub name_abbreviations: BTreeSet<String>,
    pub place_prepositions: BTreeSet<String>,
    pub place_modifiers: BTreeSet<String>,
    pub connectors: BTreeSet<String>,
    pub connectors_after_head: BTreeSet<String>,
    pub connector_articles: BTreeSet<String>,
    pub title_separators: BTreeSet<String>,
}

impl Vocabulary {
    /// Whether a folded word is the last word of an organisation, event, place or other
    /// named thing.
    pub fn is_head(&self, folded: &str) -> bool {
        self.org_heads.contains(folded)
            || self.place_heads.contains(folded)
            || self.event_heads.contains(folded)
            || self.other_heads.contains(folded)
    }
}

fn set(words: Vec<String>) -> BTreeSet<String> {
    words.into_iter().map(|w| w.to_lowercase()).collect()
}

/// The compiled-in vocabulary.
pub(crate) fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let file: VocabularyFile = toml::from_str(VOCABULARY_TOML).expect("the compiled-in vocabulary is valid TOML");
        let mut dates = set(file.months);
        dates.extend(set(file.weekdays));
        Vocabulary {
            function_words: set(file.function_words),
            dates,
            org_heads: set(file.org_heads),
            org_first_heads: set(file.org_first_heads),
            event_first_heads: set(file.event_first_heads),
            event_heads: set(file.event_heads),
            other_heads: set(file.other_heads),
            other_first_heads: set(file.other_first_heads),
            place_heads: set(file.place_heads),
            facility_heads: set(file.facility_heads),
            abbreviations: set(file.abbreviations),
            name_abbreviations: set(file.name_abbreviations),
            place_prepositions: set(file.place_prepositions),
            place_modifiers: set(file.place_modifiers),
            connectors: set(file.connectors),
            connectors_after_head: set(file.connectors_after_head),
            connector_articles: set(file.connector_articles),
            title_separators: set(file.title_separators),
        }
    })
}

/// The compiled-in common English words, sorted for binary search.
fn common_words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut words: Vec<&'static str> = COMMON_WORDS_TXT.lines().map(str::trim).filter(|w| !w.is_empty()).collect();
        // The file is sorted by its generator; sorting again keeps the search right if it is
        // ever edited by hand.
        words.sort_unstable();
        words.dedup();
        words
    })
}

/// Whether `lower` (a word in lower case, straight apostrophes, no possessive suffix) is a
/// common English word: in the list, or a contraction ("didn't", "we're").
pub(crate) fn is_common_word(lower: &str) -> bool {
    if let Some((head, tail)) = lower.split_once('\'') {
        return CONTRACTION_TAILS.contains(&tail) || (!head.is_empty() && is_common_word(head));
    }
    common_words().binary_search(&lower).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_parses() {
        let v = vocabulary();
        assert!(v.function_words.contains("according"));
        assert!(v.dates.contains("monday"));
        assert!(v.is_head("party"));
    }

    #[test]
    fn common_words_are_lower_case_english_words() {
        for word in ["details", "headed", "targeting", "parallel", "desperate", "failed", "bush", "didn't", "we're"] {
            assert!(is_common_word(word), "{word}");
        }
        for word in ["tharoor", "sharif", "bhutto", "zardari", "o'brien", "d'souza"] {
            assert!(!is_common_word(word), "{word}");
        }
        assert!(common_words().iter().all(|w| !w.chars().any(char::is_uppercase)));
    }
}
