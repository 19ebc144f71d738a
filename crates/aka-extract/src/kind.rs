//! Kinds of names: what the words of a name and the text around it say it is.

use aka_core::normalize::fold;
use aka_core::{Kind, Rules};
use aka_gazetteer::Gazetteer;

use crate::name::Name;
use crate::token::{Class, Token};
use crate::vocabulary::Vocabulary;

/// How sure a kind is: strong kinds come from the words of the name, a title, the gazetteer
/// or an acronym; weak ones from position or shape alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    Weak,
    Strong,
}

/// What the text around a name says about it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Clues {
    /// A title or appositive names it as a person.
    pub person: bool,
    /// It qualifies a role ("GAP" in "GAP chairman").
    pub qualifier: bool,
    /// An acronym is defined for it.
    pub has_acronym: bool,
    /// It follows "in", "at", "from" ... directly or in a coordination.
    pub after_place_preposition: bool,
}

/// The context kinds are judged in.
pub(crate) struct Judge<'a> {
    pub tokens: &'a [Token],
    pub rules: &'a Rules,
    pub vocabulary: &'a Vocabulary,
    pub gazetteer: &'a Gazetteer,
}

impl Judge<'_> {
    fn words<'t>(&'t self, name: &Name) -> &'t [Token] {
        &self.tokens[name.first..=name.last]
    }

    /// The kind the head words of a name give: "... Party" ORG, "Operation ..." EVENT,
    /// "... Treaty" OTHER, "Ministry of ..." ORG.
    pub fn head_kind(&self, name: &Name) -> Option<Kind> {
        let v = self.vocabulary;
        let words = self.words(name);
        let first = &words[0].folded;
        let last = &words[words.len() - 1].folded;
        if words.len() >= 2 && v.event_first_heads.contains(first) {
            return Some(Kind::Event);
        }
        if words.len() >= 2 || !words[0].is_acronym() {
            if v.org_heads.contains(last) {
                return Some(Kind::Org);
            }
            if v.place_heads.contains(last) {
                return Some(Kind::Place);
            }
            if v.event_heads.contains(last) {
                return Some(Kind::Event);
            }
            if v.other_heads.contains(last) {
                return Some(Kind::Other);
            }
        }
        // "Ministry of Defence", "Supreme Court of Pakistan": the word before the first "of".
        let of_at = words.iter().position(|t| t.is_word("of")).filter(|&p| p >= 1)?;
        let head = &words[of_at - 1].folded;
        let first_word = of_at == 1;
        if v.org_heads.contains(head) || (first_word && v.org_first_heads.contains(head)) {
            return Some(Kind::Org);
        }
        if v.event_heads.contains(head) {
            return Some(Kind::Event);
        }
        if v.other_heads.contains(head) || (first_word && v.other_first_heads.contains(head)) {
            return Some(Kind::Other);
        }
        None
    }

    /// A word of the name is a lower-case part after a hyphen ("Russian-occupied").
    fn has_lower_hyphen_part(&self, name: &Name) -> bool {
        self.words(name).iter().any(|t| {
            t.text
                .split(['-', '\u{2010}', '\u{2011}'])
                .skip(1)
                .any(|part| part.chars().next().is_some_and(char::is_lowercase))
        })
    }

    /// A lower-case word other than a name particle joins the words ("Line of Control").
    fn has_connector(&self, name: &Name) -> bool {
        self.words(name).iter().any(|t| ["of", "for", "on", "the", "and", "&"].contains(&t.lower.as_str()))
    }

    fn is_place(&self, folded: &str) -> bool {
        self.gazetteer.place(folded).is_some()
    }

    /// Whether a name may name a person: not a place, an organisation, an acronym or a
    /// phrase with connectors.
    pub fn person_ok(&self, name: &Name) -> bool {
        let words = self.words(name);
        let single_acronym = words.len() == 1 && words[0].is_acronym();
        !self.is_place(&name.folded)
            && self.head_kind(name).is_none()
            && !single_acronym
            && !self.has_connector(name)
            && !self.has_lower_hyphen_part(name)
    }

    /// A place name made from a place: "Russian-occupied Crimea", "North Waziristan".
    fn is_derived_place(&self, name: &Name) -> bool {
        let words = self.words(name);
        if words.len() < 2 {
            return false;
        }
        let modified = self.vocabulary.place_modifiers.contains(&words[0].folded);
        let last = &words[words.len() - 1];
        let last_place = self.is_place(&last.folded) || self.is_place(&fold(&last.text));
        // "Russian-occupied Crimea", "Indian-administered Kashmir": a place or its people
        // and a participle.
        let place_participle = words.iter().any(|t| {
            let mut parts = t.text.split(['-', '\u{2010}', '\u{2011}']);
            let head = fold(parts.next().unwrap_or_default());
            let participle = parts.any(|p| p.chars().next().is_some_and(char::is_lowercase));
            participle && (self.is_place(&head) || self.gazetteer.demonym(&head).is_some())
        });
        modified || place_participle || (last_place && self.has_lower_hyphen_part(name))
    }

    /// The kind of a name and how sure it is.
    pub fn kind(&self, name: &Name, clues: Clues) -> (Kind, Strength) {
        use Strength::{Strong, Weak};
        if clues.person {
            return (Kind::Person, Strong);
        }
        let words = self.words(name);
        if words.len() >= 2 && self.rules.is_honorific(&words[0].folded) {
            return (Kind::Person, Strong);
        }
        if self.is_place(&name.folded) {
            return (Kind::Place, Strong);
        }
        if let Some(kind) = self.head_kind(name) {
            return (kind, Strong);
        }
        if words.len() == 1 && words[0].is_acronym() {
            return (Kind::Org, Strong);
        }
        if self.is_derived_place(name) {
            return (Kind::Place, Strong);
        }
        if clues.qualifier || clues.has_acronym {
            return (Kind::Org, Strong);
        }
        // "St. Petersburg", "Mt. Everest".
        if words.len() >= 2 && self.vocabulary.name_abbreviations.contains(&words[0].folded) {
            return (Kind::Place, Weak);
        }
        let lower_hyphen = self.has_lower_hyphen_part(name);
        if clues.after_place_preposition && (words.len() == 1 || lower_hyphen) {
            return (Kind::Place, Weak);
        }
        // Full stops after initials ("J. K. Rowling") are not words.
        let word_count = words.iter().filter(|t| t.class == Class::Word).count();
        let plain = (2..=4).contains(&word_count)
            && !lower_hyphen
            && words
                .iter()
                .filter(|t| t.class == Class::Word)
                .all(|t| t.is_capitalised() && !t.is_acronym() && !t.text.chars().any(|c| c.is_numeric()));
        if plain {
            return (Kind::Person, Weak);
        }
        (Kind::Other, Weak)
    }
}
