//! The resolver's rules as data: titles, honorifics, which roles are unique, thresholds, limits.
//!
//! The default rules are compiled in from `rules/default.toml`; another file can replace them.
//! The SHA-256 of the file's bytes identifies the rules in every decision they make.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::event::content_hash;

/// The text of the default rules.
pub const DEFAULT_RULES_TOML: &str = include_str!("../rules/default.toml");

/// A title from the rules.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleRule {
    /// The canonical role name.
    pub name: String,
    /// Lower-case singular forms as news writes them.
    pub forms: Vec<String>,
    /// Held by one person at a time for a given organisation or country.
    #[serde(default)]
    pub unique: bool,
}

/// Thresholds of the similarity rules.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Jaro-Winkler of normalised full names at or above which the fuzzy rule links.
    pub fuzzy_name_min: f64,
    /// Jaro-Winkler of last name tokens that the fuzzy rule also requires.
    pub fuzzy_surname_min: f64,
    /// Normalised Levenshtein similarity of the names that the fuzzy rule also requires.
    pub fuzzy_levenshtein_min: f64,
}

/// Limits on what grows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Entities kept under one blocking key.
    pub candidates_per_key_max: usize,
    /// Name tokens considered in a mention.
    pub name_tokens_max: usize,
}

/// How records with attributes are weighed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRules {
    /// The total weight at or above which a record joins a candidate.
    pub link_min: f64,
    /// Weight of equal whole names, for records with no name attribute.
    pub name_agree: f64,
    /// Weight of close whole names.
    pub name_close: f64,
    /// Weight of different whole names.
    pub name_differ: f64,
    /// Jaro-Winkler similarity at or above which names and free text are close.
    pub close_min: f64,
    /// Edits at or under which identifiers and dates are close.
    pub close_edits_max: usize,
    /// Mentions of a candidate entity compared at most.
    pub profile_mentions_max: usize,
    /// Candidates weighed at most per record: those sharing the most blocking keys.
    pub candidates_max: usize,
    /// Blocking keys a candidate shares with a record at least, to be weighed.
    pub shared_keys_min: usize,
}

/// How values of an attribute are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrKind {
    /// Letters and digits as typed: an identifier number.
    Identifier,
    /// A date: its digits.
    Date,
    /// A part of a person's name.
    Name,
    /// Free text: an address, a town.
    Text,
    /// A short code: a postcode, a state.
    Code,
}

/// How one attribute counts.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeRule {
    /// How its values compare.
    pub kind: AttrKind,
    /// Other column names of the same attribute.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Weight of equal values.
    pub agree: f64,
    /// Weight of close values.
    pub close: f64,
    /// Weight of different values.
    pub differ: f64,
    /// A different value forbids the merge unless another vetoing attribute agrees.
    #[serde(default)]
    pub veto: bool,
    /// Records sharing the value are candidates.
    #[serde(default)]
    pub block: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    thresholds: Thresholds,
    limits: Limits,
    records: RecordRules,
    #[serde(default)]
    attributes: BTreeMap<String, AttributeRule>,
    words: Words,
    #[serde(default)]
    spellings: BTreeMap<String, String>,
    titles: Vec<TitleRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    honorifics: Vec<String>,
    #[serde(default)]
    name_suffixes: Vec<String>,
    former_words: Vec<String>,
    current_words: Vec<String>,
}

/// Rules that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// Not valid TOML or not the expected fields.
    #[error("invalid rules file: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value that makes no sense.
    #[error("invalid rules: {0}")]
    Invalid(String),
}

/// The rules in force, with lookup tables built once.
#[derive(Clone, Debug)]
pub struct Rules {
    /// `sha256:` and the hex digest of the rules file.
    pub hash: String,
    /// Similarity thresholds.
    pub thresholds: Thresholds,
    /// Limits.
    pub limits: Limits,
    /// Words of address dropped from names.
    pub honorifics: Vec<String>,
    /// Words after a name that are not part of it ("Jr", "MD", "Corp"): dropped from its end.
    pub name_suffixes: Vec<String>,
    /// Words that make a title former.
    pub former_words: Vec<String>,
    /// Words that mark a title current.
    pub current_words: Vec<String>,
    /// Spelling variants and abbreviations of name words, folded, to the form compared
    /// ("centre" → "center", "mt" → "mount").
    pub spellings: BTreeMap<String, String>,
    /// The titles.
    pub titles: Vec<TitleRule>,
    /// How records with attributes are weighed.
    pub records: RecordRules,
    /// The attribute rules by canonical name, in name order.
    pub attributes: Vec<(String, AttributeRule)>,
    /// Lower-case form → index into `titles`.
    forms: BTreeMap<String, usize>,
    /// `honorifics` and `name_suffixes`, for lookups.
    honorific_set: std::collections::HashSet<String>,
    suffix_set: std::collections::HashSet<String>,
    /// Lower-case column name or alias → position of its attribute in `attributes`.
    attribute_names: BTreeMap<String, usize>,
}

impl Rules {
    /// The compiled-in default rules.
    pub fn default_rules() -> Rules {
        Rules::from_toml(DEFAULT_RULES_TOML).expect("the default rules are valid")
    }

    /// Parses rules from the text of a TOML file.
    pub fn from_toml(text: &str) -> Result<Rules, RulesError> {
        let file: RulesFile = toml::from_str(text)?;
        let t = &file.thresholds;
        for (name, value) in [
            ("fuzzy_name_min", t.fuzzy_name_min),
            ("fuzzy_surname_min", t.fuzzy_surname_min),
            ("fuzzy_levenshtein_min", t.fuzzy_levenshtein_min),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(RulesError::Invalid(format!("thresholds.{name} = {value} is outside [0, 1]")));
            }
        }
        if file.limits.candidates_per_key_max == 0 {
            return Err(RulesError::Invalid("limits.candidates_per_key_max must be at least 1".into()));
        }
        let r = &file.records;
        if !(0.0..=1.0).contains(&r.close_min) {
            return Err(RulesError::Invalid(format!("records.close_min = {} is outside [0, 1]", r.close_min)));
        }
        let mut attribute_names: BTreeMap<String, usize> = BTreeMap::new();
        let names: Vec<&String> = file.attributes.keys().collect();
        for (index, (name, rule)) in file.attributes.iter().enumerate() {
            for weight in [rule.agree, rule.close, rule.differ] {
                if !weight.is_finite() {
                    return Err(RulesError::Invalid(format!("attributes.{name}: weight {weight} is not finite")));
                }
            }
            for column in rule.aliases.iter().chain(std::iter::once(name)) {
                let column = column.to_lowercase();
                if let Some(previous) = attribute_names.insert(column.clone(), index)
                    && previous != index
                {
                    return Err(RulesError::Invalid(format!(
                        "attribute column {column:?} belongs to both {:?} and {name:?}",
                        names[previous]
                    )));
                }
            }
        }
        let mut forms = BTreeMap::new();
        for (index, title) in file.titles.iter().enumerate() {
            for form in title.forms.iter().chain(std::iter::once(&title.name)) {
                let form = form.to_lowercase();
                if let Some(previous) = forms.insert(form.clone(), index)
                    && previous != index
                {
                    return Err(RulesError::Invalid(format!(
                        "title form {form:?} belongs to both {:?} and {:?}",
                        file.titles[previous].name, title.name
                    )));
                }
            }
        }
        let honorifics = lower_all(file.words.honorifics);
        let name_suffixes = lower_all(file.words.name_suffixes);
        Ok(Rules {
            honorific_set: honorifics.iter().cloned().collect(),
            suffix_set: name_suffixes.iter().cloned().collect(),
            hash: content_hash(text.as_bytes()),
            thresholds: file.thresholds,
            limits: file.limits,
            honorifics,
            name_suffixes,
            former_words: lower_all(file.words.former_words),
            current_words: lower_all(file.words.current_words),
            spellings: file.spellings.into_iter().map(|(k, v)| (k.to_lowercase(), v.to_lowercase())).collect(),
            titles: file.titles,
            records: file.records,
            attributes: file.attributes.into_iter().collect(),
            forms,
            attribute_names,
        })
    }

    /// The title a lower-case form names ("pm" → prime minister), if the rules know it.
    pub fn title(&self, form: &str) -> Option<&TitleRule> {
        self.forms.get(form).map(|&index| &self.titles[index])
    }

    /// All title forms, lower case, in order.
    pub fn title_forms(&self) -> impl Iterator<Item = &str> {
        self.forms.keys().map(String::as_str)
    }

    /// The attribute a column name stands for, if the rules know it (matched lower case,
    /// aliases included): its position among the attributes, its canonical name and its rule.
    pub fn attribute(&self, column: &str) -> Option<(usize, &str, &AttributeRule)> {
        let index = match self.attribute_names.get(column) {
            Some(index) => *index,
            None => *self.attribute_names.get(&column.to_lowercase())?,
        };
        self.attributes.get(index).map(|(name, rule)| (index, name.as_str(), rule))
    }

    /// Whether a canonical role name is held by one person at a time.
    pub fn is_unique(&self, role: &str) -> bool {
        self.title(role).is_some_and(|title| title.unique)
    }

    /// Whether a folded token ends names without being part of them ("jr", "corp").
    pub fn is_name_suffix(&self, token: &str) -> bool {
        self.suffix_set.contains(token)
    }

    /// Whether a folded token is an honorific.
    pub fn is_honorific(&self, token: &str) -> bool {
        self.honorific_set.contains(token)
    }
}

fn lower_all(words: Vec<String>) -> Vec<String> {
    words.into_iter().map(|w| w.to_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_parse_and_know_generic_titles() {
        let rules = Rules::default_rules();
        assert_eq!(rules.title("pm").unwrap().name, "prime minister");
        assert_eq!(rules.title("fm").unwrap().name, "foreign minister");
        assert!(rules.is_unique("chairman"));
        assert!(!rules.is_unique("senator"));
        assert!(!rules.is_unique("minister"));
        assert!(rules.is_honorific("syed"));
        assert!(rules.hash.starts_with("sha256:"));
    }

    #[test]
    fn a_form_claimed_by_two_titles_is_refused() {
        let text = DEFAULT_RULES_TOML.replace("forms = [\"mayor\"]", "forms = [\"mayor\", \"pm\"]");
        let err = Rules::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains("\"pm\""), "{err}");
    }

    #[test]
    fn a_threshold_outside_the_unit_interval_is_refused() {
        let text = DEFAULT_RULES_TOML.replace("fuzzy_name_min = 0.94", "fuzzy_name_min = 1.5");
        assert!(Rules::from_toml(&text).unwrap_err().to_string().contains("fuzzy_name_min"));
    }
}
