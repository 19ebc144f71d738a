//! What callers hand the engine: documents, optionally with mentions found upstream, and bare
//! mentions. Validation lives here, so every entry point refuses bad input the same way.

use std::collections::BTreeMap;

use aka_core::{Form, Kind, Mention, Role, Rules, Tense};
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

/// What both shapes of upstream mention carry besides their place: one conversion for both.
pub(crate) struct Upstream<'a> {
    kind: Option<&'a str>,
    roles: &'a [RoleInput],
    attrs: &'a BTreeMap<String, serde_json::Value>,
}

impl MentionInput {
    pub(crate) fn upstream(&self) -> Upstream<'_> {
        Upstream { kind: self.kind.as_deref(), roles: &self.roles, attrs: &self.attrs }
    }
}

impl BareMention {
    pub(crate) fn upstream(&self) -> Upstream<'_> {
        Upstream { kind: self.kind.as_deref(), roles: &self.roles, attrs: &self.attrs }
    }

    /// The mention it stands for: its trimmed text spans the whole of it, its id is its own
    /// or `default_id`'s. An error names the field that is wrong.
    pub fn to_mention(&self, default_id: impl FnOnce() -> String, rules: &Rules) -> Result<Mention, String> {
        let mention_id = self.mention_id.clone().unwrap_or_else(default_id);
        let place = Place::whole(mention_id, self.doc_id.clone(), self.text.trim().to_string());
        self.upstream().mention(place, rules)
    }

    /// [`BareMention::to_mention`] of a bare mention no longer needed: its strings are moved into
    /// the mention, not copied. `default_id` is given the document id.
    pub fn into_mention(mut self, default_id: impl FnOnce(&str) -> String, rules: &Rules) -> Result<Mention, String> {
        let attrs = std::mem::take(&mut self.attrs).into_iter().map(|(k, v)| (k, attr_text(v))).collect();
        let mut text = std::mem::take(&mut self.text);
        if text.trim().len() != text.len() {
            text = text.trim().to_string();
        }
        let mention_id = self.mention_id.take().unwrap_or_else(|| default_id(&self.doc_id));
        let place = Place::whole(mention_id, std::mem::take(&mut self.doc_id), text);
        self.upstream().mention_with(place, rules, attrs)
    }
}

/// An attribute's value as text: a string as it is, any other JSON value written as JSON.
fn attr_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Where an upstream mention is: its id, document, character span and text.
pub(crate) struct Place {
    pub mention_id: String,
    pub doc_id: String,
    pub start: u32,
    pub end: u32,
    pub text: String,
}

impl Place {
    /// A bare mention's place: its (trimmed) text spans the whole of it.
    fn whole(mention_id: String, doc_id: String, text: String) -> Place {
        let end = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        Place { mention_id, doc_id, start: 0, end, text }
    }
}

impl Upstream<'_> {
    /// The name mention at `place`, or what is wrong, naming the field. A missing kind is
    /// `Other`; roles get the rules' canonical titles; attributes become strings (strings stay as
    /// they are, other JSON values are written as JSON).
    pub(crate) fn mention(&self, place: Place, rules: &Rules) -> Result<Mention, String> {
        let attrs = self.attrs.iter().map(|(k, v)| (k.clone(), attr_text(v.clone()))).collect();
        self.mention_with(place, rules, attrs)
    }

    /// [`Upstream::mention`] with its attributes already made text.
    fn mention_with(&self, place: Place, rules: &Rules, attrs: BTreeMap<String, String>) -> Result<Mention, String> {
        let kind = match self.kind {
            None => Kind::Other,
            Some(text) => text.parse().map_err(|e: aka_core::mention::UnknownKind| format!("field \"kind\": {e}"))?,
        };
        Ok(Mention {
            mention_id: place.mention_id,
            doc_id: place.doc_id,
            start: place.start,
            end: place.end,
            text: place.text,
            name: None,
            kind,
            form: Form::Name,
            roles: self.roles.iter().map(|r| r.to_role(rules)).collect(),
            aliases: Vec::new(),
            attrs,
        })
    }
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

    #[test]
    fn a_bare_mention_moved_into_its_mention_gives_the_mention_a_copy_gives() {
        let rules = Rules::default_rules();
        let bare = |mention_id: Option<&str>, text: &str| BareMention {
            doc_id: "d1".into(),
            text: text.into(),
            kind: Some("PERSON".into()),
            roles: vec![RoleInput::Text("former FM".into())],
            attrs: BTreeMap::from([
                ("postcode".into(), serde_json::json!("2600")),
                ("street_number".into(), serde_json::json!(12)),
                ("flags".into(), serde_json::json!([true, null])),
            ]),
            mention_id: mention_id.map(str::to_string),
        };
        for (id, text) in [(Some("r7"), "Jane Roe"), (None, "  Jane  Roe \t"), (Some("r8"), "")] {
            let copied = bare(id, text).to_mention(|| "d1:m3".into(), &rules).unwrap();
            let moved = bare(id, text).into_mention(|doc| format!("{doc}:m3"), &rules).unwrap();
            assert_eq!(moved, copied, "{id:?} {text:?}");
        }
        let moved = bare(None, " Jane Roe ").into_mention(|doc| format!("{doc}:m3"), &rules).unwrap();
        assert_eq!((moved.mention_id.as_str(), moved.text.as_str(), moved.end), ("d1:m3", "Jane Roe", 8));
        assert_eq!(moved.attrs["street_number"], "12");
        assert_eq!(moved.attrs["flags"], "[true,null]");
        let unknown = BareMention { kind: Some("PLANET".into()), ..bare(None, "Mars") };
        assert!(unknown.into_mention(str::to_string, &rules).unwrap_err().contains("field \"kind\""));
    }
}
