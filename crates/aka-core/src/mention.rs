//! A mention: one place in one document where a name, acronym or role phrase refers to something.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of thing a mention names.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Kind {
    /// A person.
    Person,
    /// An organisation: a party, ministry, company, news outlet, international body.
    Org,
    /// A place: a country, city, region, landmark.
    Place,
    /// A named event: a military operation, an attack, a summit.
    Event,
    /// Anything else with a name (treaties, laws, works) or a kind not yet known.
    Other,
}

impl Kind {
    /// The upper-case label used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "PERSON",
            Kind::Org => "ORG",
            Kind::Place => "PLACE",
            Kind::Event => "EVENT",
            Kind::Other => "OTHER",
        }
    }

    /// Two kinds may describe one entity when they are equal or one of them is `Other`,
    /// which the extractor uses when the text does not tell.
    pub fn compatible(self, other: Kind) -> bool {
        self == other || self == Kind::Other || other == Kind::Other
    }

    /// The more specific of two compatible kinds.
    pub fn refine(self, other: Kind) -> Kind {
        if self == Kind::Other { other } else { self }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind label that is neither one of ours nor one of spaCy's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown kind {0:?}: expected PERSON, ORG, PLACE, EVENT or OTHER (or a spaCy label such as GPE, LOC, FAC, NORP)"
)]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    /// Accepts our labels and spaCy's: GPE, LOC and FAC are places; NORP, LAW,
    /// WORK_OF_ART, PRODUCT and LANGUAGE are `Other`; PER and ORGANIZATION as other tools write them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let kind = match s.trim().to_ascii_uppercase().as_str() {
            "PERSON" | "PER" => Kind::Person,
            "ORG" | "ORGANIZATION" | "ORGANISATION" => Kind::Org,
            "PLACE" | "GPE" | "LOC" | "LOCATION" | "FAC" => Kind::Place,
            "EVENT" => Kind::Event,
            "OTHER" | "MISC" | "NORP" | "LAW" | "WORK_OF_ART" | "PRODUCT" | "LANGUAGE" => Kind::Other,
            _ => return Err(UnknownKind(s.to_string())),
        };
        Ok(kind)
    }
}

/// Whether the text says a role is held now, was held before, or does not say.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[rkyv(derive(PartialEq, Eq, PartialOrd, Ord))]
#[serde(rename_all = "lowercase")]
pub enum Tense {
    /// "current federal minister", or a title with no qualifier of time.
    #[default]
    Current,
    /// "former foreign minister", "ex-premier".
    Former,
}

/// A role the text attaches to a mention: "former foreign minister",
/// "chairman of the Green Alliance Party", "MP" of "Congress".
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[rkyv(derive(PartialEq, Eq, PartialOrd, Ord))]
pub struct Role {
    /// The canonical title from the rules ("foreign minister", "chairman", "prime minister"),
    /// or the lower-cased title as written when the rules do not know it.
    pub title: String,
    /// The organisation or place the role belongs to, as the text names it ("GAP", "the Senate").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    /// Current or former.
    #[serde(default)]
    pub tense: Tense,
}

impl Role {
    /// A current role with no qualifier.
    pub fn new(title: impl Into<String>) -> Role {
        Role { title: title.into(), of: None, tense: Tense::Current }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tense == Tense::Former {
            f.write_str("former ")?;
        }
        f.write_str(&self.title)?;
        if let Some(of) = &self.of {
            write!(f, " of {of}")?;
        }
        Ok(())
    }
}

/// How a mention refers to its entity.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// By name: "Jane Roe", "Green Alliance Party", "GAP".
    #[default]
    Name,
    /// By a role alone, with no name: "the GAP chairman". The mention's text is the role
    /// phrase and `roles` holds the role; it resolves to the role's holder.
    RoleOnly,
    /// By a description that holds a name but names something else or several things ("a
    /// jewellery store in Paris", "Italy and Egypt"). Linked only to an entity known by the same
    /// description, never by the names inside it.
    Description,
}

/// One mention of a named thing in a document. Offsets are character offsets (Unicode scalar
/// values) into the document text, end exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Mention {
    /// Unique within the store; `"{doc_id}:{start}-{end}"` unless given upstream.
    pub mention_id: String,
    /// The document the mention is in.
    pub doc_id: String,
    /// First character, counted in Unicode scalar values.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// The text of the span, as written.
    pub text: String,
    /// The name inside the span, when the span holds more than a name: "Gulf of Aden" in
    /// "in the Gulf of Aden", "Jamal Okoye" in "defensive tackle Jamal Okoye". Names are
    /// compared by this; `None` means the text is the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the mention names.
    pub kind: Kind,
    /// Name or role phrase.
    #[serde(default, skip_serializing_if = "is_default")]
    pub form: Form,
    /// Roles the text attaches to the mention.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Other names the same document gives this mention: the expansion of an acronym
    /// ("Green Alliance Party" for "GAP") or the acronym defined for a name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Structured attributes given upstream (dates of birth, identifiers, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Mention {
    /// The name the resolver compares: [`Mention::name`] when set, else the text.
    pub fn name_text(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.text)
    }

    /// The id a mention gets when none is given: its document and span.
    pub fn default_id(doc_id: &str, start: u32, end: u32) -> String {
        format!("{doc_id}:{start}-{end}")
    }
}

/// The byte offset of every character of a text (and of its end), built once per text, to turn
/// character spans into string slices without rescanning the text for every span.
#[derive(Clone, Debug)]
pub struct CharOffsets(Vec<usize>);

impl CharOffsets {
    /// Indexes `text`.
    pub fn new(text: &str) -> CharOffsets {
        CharOffsets(text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect())
    }

    /// The number of characters of the text.
    pub fn chars(&self) -> usize {
        self.0.len() - 1
    }

    /// The byte range of the character span `start..end`; None unless `start < end <= chars()`.
    pub fn byte_range(&self, start: u32, end: u32) -> Option<std::ops::Range<usize>> {
        let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
        (start < end && end <= self.chars()).then(|| self.0[start]..self.0[end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_spans_map_to_byte_ranges_of_multibyte_text() {
        let text = "Pakistan’s FO";
        let offsets = CharOffsets::new(text);
        assert_eq!(offsets.chars(), 13);
        assert_eq!(&text[offsets.byte_range(11, 13).unwrap()], "FO");
        assert_eq!(offsets.byte_range(5, 5), None);
        assert_eq!(offsets.byte_range(12, 14), None);
    }
}
