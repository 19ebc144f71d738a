//! What callers hand the engine: documents, optionally with mentions found upstream, and bare
//! mentions. Validation lives here, so every entry point refuses bad input the same way.

use std::collections::BTreeMap;

use aka_core::{Kind, Role, Rules, Tense};
use serde::Deserialize;

/// A document to ingest. Fields other than these (a topic, a date) are ignored, so lines from
/// other tools can be fed as they are.
#[derive(Clone, Debug, Deserialize)]
pub struct DocumentInput {
    /// Unique id of the document in the store.
    pub doc_id: String,
    /// Its full text.
    pub text: String,
    /// Where it came from (a file and line, "api"); not part of its identity.
    #[serde(default)]
    pub source: String,
    /// Mentions found upstream. When present the extractor adds none; these keep their spans.
    #[serde(default)]
    pub mentions: Option<Vec<MentionInput>>,
}

/// A mention found upstream inside a document: a span and a kind.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionInput {
    /// First character (Unicode scalar values).
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// PERSON, ORG, PLACE, EVENT, OTHER or a spaCy label.
    #[serde(default)]
    pub kind: Option<String>,
    /// Roles: `"former foreign minister"`, or objects `{"title", "of", "tense"}`.
    #[serde(default)]
    pub roles: Vec<RoleInput>,
    /// Structured attributes.
    #[serde(default)]
    pub attrs: BTreeMap<String, serde_json::Value>,
    /// An id to keep; by default `doc_id:start-end`.
    #[serde(default)]
    pub mention_id: Option<String>,
}

/// A mention with no document text: a name and what is known about it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BareMention {
    /// The document (or record source) it belongs to.
    pub doc_id: String,
    /// The name as written.
    pub text: String,
    /// PERSON, ORG, PLACE, EVENT, OTHER or a spaCy label.
    #[serde(default)]
    pub kind: Option<String>,
    /// Roles, as for [`MentionInput`].
    #[serde(default)]
    pub roles: Vec<RoleInput>,
    /// Structured attributes.
    #[serde(default)]
    pub attrs: BTreeMap<String, serde_json::Value>,
    /// An id to keep; by default one is derived from the sequence number.
    #[serde(default)]
    pub mention_id: Option<String>,
}

/// A role as given upstream.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RoleInput {
    /// `"former chairman of the Example Party"`.
    Text(String),
    /// `{"title": "chairman", "of": "Example Party", "tense": "former"}`.
    Structured(Role),
}

impl RoleInput {
    /// The role, with its title mapped to the rules' canonical name where the rules know it.
    pub fn to_role(&self, rules: &Rules) -> Role {
        let mut role = match self {
            RoleInput::Structured(role) => role.clone(),
            RoleInput::Text(text) => parse_role(text, rules),
        };
        let lower = role.title.trim().to_lowercase();
        role.title = rules.title(&lower).map_or(lower, |t| t.name.clone());
        role
    }
}

fn parse_role(text: &str, rules: &Rules) -> Role {
    let lower = text.trim().to_lowercase();
    let mut rest = lower.as_str();
    let mut tense = Tense::Current;
    if let Some((first, tail)) = rest.split_once(' ')
        && rules.former_words.iter().any(|w| w == first)
    {
        tense = Tense::Former;
        rest = tail;
    }
    let (title, of) = match rest.split_once(" of ") {
        Some((title, of)) if rules.title(title).is_some() => {
            (title.to_string(), Some(of.trim_start_matches("the ").to_string()))
        }
        _ => (rest.to_string(), None),
    };
    Role { title, of, tense }
}

/// Parses an optional kind, naming the field on error.
pub(crate) fn parse_kind(kind: Option<&str>, default: Kind) -> Result<Kind, String> {
    match kind {
        None => Ok(default),
        Some(text) => text.parse().map_err(|e: aka_core::mention::UnknownKind| e.to_string()),
    }
}

/// Attributes as strings: strings stay as they are, other JSON values are written as JSON.
pub(crate) fn attrs_to_strings(attrs: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, String> {
    attrs
        .iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_roles_map_to_canonical_titles_with_tense_and_qualifier() {
        let rules = Rules::default_rules();
        let role = RoleInput::Text("Former FM".into()).to_role(&rules);
        assert_eq!((role.title.as_str(), role.tense, role.of), ("foreign minister", Tense::Former, None));
        let role = RoleInput::Text("chairman of the Example Party".into()).to_role(&rules);
        assert_eq!(role.of.as_deref(), Some("example party"));
        assert_eq!(role.tense, Tense::Current);
    }
}
