//! Normalisation of names: Unicode NFKC, diacritics, case, apostrophes and punctuation,
//! honorifics dropped, and the keys derived from a name (initials, acronym form).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::hash::FoldState;
use crate::mention::{Kind, Mention};
use crate::rules::Rules;

/// Words that are not name tokens inside multi-word names ("Line of Control", "the UN").
const CONNECTORS: &[&str] = &["of", "the", "and", "for", "de", "la", "du", "del", "&", "on", "in", "at"];

/// Folds text for comparison: NFKC, diacritics removed, lower case, apostrophes (straight or
/// curly) removed, every other non-alphanumeric character a space, spaces collapsed. Possessives
/// are the caller's business ([`strip_possessive_suffix`] on surface text first).
///
/// "António  Guterres" → "antonio guterres"; "Pakistan People’s Party" → "pakistan peoples party".
/// `aka-gazetteer` keys its data with this function too.
pub fn fold(text: &str) -> String {
    // ASCII is its own NFKC and NFD and holds no combining mark: most names skip both passes.
    let decomposed: String = if text.is_ascii() {
        text.to_string()
    } else {
        text.nfkc().collect::<String>().nfd().filter(|c| !is_combining_mark(*c)).collect()
    };
    let mut out = String::with_capacity(decomposed.len());
    let mut pending_space = false;
    for c in decomposed.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}') {
            // Apostrophes join ("People's" → "peoples", "O'Brien" → "obrien").
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

/// Removes a trailing possessive ("'s", "’s", or a lone apostrophe after s) from surface text.
pub fn strip_possessive_suffix(text: &str) -> &str {
    for suffix in ["'s", "’s", "'S", "’S"] {
        if let Some(stem) = text.strip_suffix(suffix) {
            return stem;
        }
    }
    for suffix in ["s'", "s’"] {
        if text.ends_with(suffix) {
            return &text[..text.len() - suffix.len() + 1];
        }
    }
    text
}

/// The tokens of a name as the resolver compares them: folded, honorifics and connectors dropped,
/// spelling variants made one ("centre" → "center"), hyphenated parts split, name suffixes ("Jr", "Corp.") dropped from the end, at most
/// `name_tokens_max`.
pub fn name_tokens(text: &str, rules: &Rules) -> Vec<String> {
    let mut tokens: Vec<String> = fold(strip_possessive_suffix(text.trim()))
        .split(' ')
        .filter(|token| !token.is_empty())
        .filter(|token| !rules.is_honorific(token) && !CONNECTORS.contains(token))
        .map(|token| rules.spellings.get(token).map_or_else(|| token.to_string(), Clone::clone))
        .collect();
    while tokens.len() > 1 && tokens.last().is_some_and(|t| rules.is_name_suffix(t)) {
        tokens.pop();
    }
    tokens.truncate(rules.limits.name_tokens_max);
    tokens
}

/// The name tokens of a mention as the resolver compares them: [`name_tokens`] of its name
/// and, for a person, without the titles and "former"-like words written before the name
/// ("Senator Jane Roe" → "jane roe", "former Prime Minister Roe" → "roe").
pub fn mention_tokens(mention: &Mention, rules: &Rules) -> Vec<String> {
    without_titles(mention, name_tokens(mention.name_text(), rules), rules)
}

/// A mention's name tokens without the titles and "former"-like words written before a
/// person's name: the second half of [`mention_tokens`].
pub fn without_titles(mention: &Mention, mut tokens: Vec<String>, rules: &Rules) -> Vec<String> {
    if mention.kind != Kind::Person {
        return tokens;
    }
    let mut skip = 0;
    'outer: while tokens.len() > skip + 1 {
        if rules.former_words.contains(&tokens[skip]) || rules.current_words.contains(&tokens[skip]) {
            skip += 1;
            continue;
        }
        for len in (1..=3.min(tokens.len() - skip - 1)).rev() {
            if rules.title(&tokens[skip..skip + len].join(" ")).is_some() {
                skip += len;
                continue 'outer;
            }
        }
        break;
    }
    tokens.drain(..skip);
    tokens
}

/// The key of a name: its tokens joined by spaces. Empty when nothing of a name is left.
pub fn name_key(text: &str, rules: &Rules) -> String {
    name_tokens(text, rules).join(" ")
}

/// The acronym a mention's text spells, if it is one: two to eight letters written in capitals
/// ("UN", "NATO", "DoD" with inner lower case letters allowed, "U.S." with dots). Lower case.
pub fn acronym_form(text: &str) -> Option<String> {
    is_acronym(text)
        .then(|| strip_possessive_suffix(text.trim()).chars().filter(|c| *c != '.').collect::<String>().to_lowercase())
}

/// Whether `text` is written as an acronym ([`acronym_form`] is `Some`), without allocating:
/// asked of every name of every candidate.
pub fn is_acronym(text: &str) -> bool {
    let letters = || strip_possessive_suffix(text.trim()).chars().filter(|c| *c != '.');
    let count = letters().count();
    if !(2..=8).contains(&count) || !letters().all(char::is_alphabetic) {
        return false;
    }
    let first_upper = letters().next().is_some_and(char::is_uppercase);
    let uppers = letters().filter(|c| c.is_uppercase()).count();
    // At least two capitals, starting with one, and capitals the majority or at both ends.
    let last_upper = letters().next_back().is_some_and(char::is_uppercase);
    first_upper && uppers >= 2 && (uppers * 2 > count || last_upper)
}

/// The former body of [`acronym_form`], kept to check [`is_acronym`] against in tests.
#[cfg(test)]
fn acronym_form_reference(text: &str) -> Option<String> {
    let text = strip_possessive_suffix(text.trim());
    let letters: String = text.chars().filter(|c| *c != '.').collect();
    let count = letters.chars().count();
    if !(2..=8).contains(&count) || !letters.chars().all(char::is_alphabetic) {
        return None;
    }
    let first_upper = letters.chars().next().is_some_and(char::is_uppercase);
    let uppers = letters.chars().filter(|c| c.is_uppercase()).count();
    // At least two capitals, starting with one, and capitals the majority or at both ends.
    let last_upper = letters.chars().last().is_some_and(char::is_uppercase);
    if first_upper && uppers >= 2 && (uppers * 2 > count || last_upper) { Some(letters.to_lowercase()) } else { None }
}

/// The acronym a mention spells, if it is one. A person's name never is: "TEIXEIRA" in a
/// headline is a surname written in capitals.
pub fn mention_acronym(mention: &Mention) -> Option<String> {
    if mention.kind == Kind::Person { None } else { acronym_form(mention.name_text()) }
}

/// English given names and their short forms (`data/given_names.csv`, see `data/README.md`).
const GIVEN_NAMES_CSV: &str = include_str!("../data/given_names.csv");

/// Whether two folded given names are one the short form of the other ("bill" and "william",
/// "fred" and "frederick"), by the compiled-in list.
pub fn given_names_match(a: &str, b: &str) -> bool {
    short_forms().get(a).is_some_and(|related| related.contains(b))
}

/// Whether a folded token is a given name with a short form, or a short form, in the compiled-in
/// list: a token that is not matches no other by [`given_names_match`], either way round.
pub fn has_short_forms(token: &str) -> bool {
    short_forms().contains_key(token)
}

/// Each folded given name or short form of the compiled-in list, with those it is related to
/// (both ways: every name related to one is a key too).
fn short_forms() -> &'static HashMap<String, BTreeSet<String>, FoldState> {
    // Hashed: asked for every pair of given names compared, where a tree would compare the
    // name with a dozen others on the way.
    static SHORT_FORMS: OnceLock<HashMap<String, BTreeSet<String>, FoldState>> = OnceLock::new();
    SHORT_FORMS.get_or_init(|| {
        let mut forms: HashMap<String, BTreeSet<String>, FoldState> = HashMap::default();
        for line in GIVEN_NAMES_CSV.lines().skip(1) {
            let mut fields = line.split(',');
            if let (Some(name), Some("has_nickname"), Some(short)) = (fields.next(), fields.next(), fields.next()) {
                let (name, short) = (fold(name), fold(short));
                forms.entry(short.clone()).or_default().insert(name.clone());
                forms.entry(name).or_default().insert(short);
            }
        }
        forms
    })
}

/// The initials of a multi-word name, lower case: "United States" → "us",
/// "Pakistan-occupied Kashmir" → "pok", "Line of Control" → "lc" and "loc".
/// Returns the initials without connectors first, then with them if different.
pub fn initials(text: &str) -> Vec<String> {
    let folded = fold(strip_possessive_suffix(text.trim()));
    let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.len() < 2 {
        return Vec::new();
    }
    let without: String = tokens.iter().filter(|t| !CONNECTORS.contains(t)).filter_map(|t| t.chars().next()).collect();
    let with: String = tokens.iter().filter_map(|t| t.chars().next()).collect();
    let mut out = Vec::new();
    if without.chars().count() >= 2 {
        out.push(without.clone());
    }
    if with != without {
        out.push(with);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_acronym_agrees_with_the_reference_acronym_form() {
        for text in [
            "FO",
            "F.O.",
            "PPP",
            "PPP's",
            "U.S.",
            "US",
            "Us",
            "us",
            "NATO",
            "NaTO",
            "NAtO",
            "ABCDEFGHI",
            "A",
            "IMF’s",
            "McDonald",
            "iPhone",
            "UNESCO",
            "N.A.T.O.",
            "AbC",
            "ABc",
            "A1",
            "ÉU",
            "  GAP  ",
            "",
        ] {
            assert_eq!(acronym_form(text), acronym_form_reference(text), "{text:?}");
            assert_eq!(is_acronym(text), acronym_form_reference(text).is_some(), "{text:?}");
        }
    }

    fn rules() -> Rules {
        Rules::default_rules()
    }

    #[test]
    fn fold_removes_diacritics_case_and_punctuation() {
        assert_eq!(fold("António  Guterres"), "antonio guterres");
        assert_eq!(fold("Pakistan People’s Party"), "pakistan peoples party");
        assert_eq!(fold("Secretary-General"), "secretary general");
        assert_eq!(fold("ＵＮ"), "un");
    }

    #[test]
    fn possessives_are_stripped_from_surface_text() {
        assert_eq!(strip_possessive_suffix("Sharif's"), "Sharif");
        assert_eq!(strip_possessive_suffix("Islamabad’s"), "Islamabad");
        assert_eq!(strip_possessive_suffix("Brussels"), "Brussels");
        assert_eq!(strip_possessive_suffix("Wales'"), "Wales");
    }

    #[test]
    fn name_tokens_drop_honorifics_and_connectors() {
        assert_eq!(name_tokens("Syed Faisal Ali Subzwari", &rules()), ["faisal", "ali", "subzwari"]);
        assert_eq!(name_tokens("Dr. Jane Roe", &rules()), ["jane", "roe"]);
        assert_eq!(name_tokens("Line of Control", &rules()), ["line", "control"]);
        assert_eq!(name_key("Shehbaz Sharif's", &rules()), "shehbaz sharif");
    }

    #[test]
    fn name_suffixes_are_dropped_from_the_end_only() {
        assert_eq!(name_tokens("Arcade Joseph Comeaux Jr.", &rules()), ["arcade", "joseph", "comeaux"]);
        assert_eq!(name_tokens("Acme Corp.", &rules()), ["acme"]);
        assert_eq!(name_tokens("Co", &rules()), ["co"]);
        assert_eq!(name_tokens("Jr Walker Band", &rules()), ["jr", "walker", "band"]);
    }

    #[test]
    fn given_names_match_their_short_forms_both_ways() {
        assert!(given_names_match("bill", "william"));
        assert!(given_names_match("william", "bill"));
        assert!(given_names_match("kate", "katherine"));
        assert!(given_names_match("bill", "robert"), "an old short form of Robert too");
        assert!(!given_names_match("bob", "william"));
        assert!(!given_names_match("kate", "kathy"), "two short forms of one name are not each other");
    }

    #[test]
    fn spelling_variants_and_abbreviations_compare_as_one() {
        assert_eq!(name_key("Tarsa Treatment Centre", &rules()), name_key("Tarsa Treatment Center", &rules()));
        assert_eq!(name_key("Mt Vale", &rules()), name_key("Mount Vale", &rules()));
        assert_ne!(name_key("Mount Vale", &rules()), name_key("Vale", &rules()));
    }

    #[test]
    fn a_persons_titles_are_not_name_tokens_but_an_organisations_words_are() {
        let mention = |kind: Kind, text: &str| crate::testing::m("d", 0, &format!("{kind} {text}"));
        assert_eq!(mention_tokens(&mention(Kind::Person, "Senator Rafiq Awan"), &rules()), ["rafiq", "awan"]);
        assert_eq!(mention_tokens(&mention(Kind::Person, "former Prime Minister Awan"), &rules()), ["awan"]);
        assert_eq!(mention_tokens(&mention(Kind::Person, "General Imran Butt"), &rules()), ["imran", "butt"]);
        assert_eq!(mention_tokens(&mention(Kind::Person, "President"), &rules()), ["president"]);
        assert_eq!(mention_tokens(&mention(Kind::Org, "General Motors"), &rules()), ["general", "motors"]);
    }

    #[test]
    fn acronym_form_accepts_capitals_and_dotted_forms_only() {
        assert_eq!(acronym_form("UN").as_deref(), Some("un"));
        assert_eq!(acronym_form("U.S.").as_deref(), Some("us"));
        assert_eq!(acronym_form("PoK").as_deref(), Some("pok"));
        assert_eq!(acronym_form("PPP’s").as_deref(), Some("ppp"));
        assert_eq!(acronym_form("Paris"), None);
        assert_eq!(acronym_form("A"), None);
        assert_eq!(acronym_form("Mr"), None);
    }

    #[test]
    fn initials_split_hyphens_and_skip_connectors() {
        assert_eq!(initials("United States"), ["us"]);
        assert_eq!(initials("Pakistan-occupied Kashmir"), ["pok"]);
        assert_eq!(initials("Line of Control"), ["lc", "loc"]);
        assert!(initials("Moscow").is_empty());
    }
}
