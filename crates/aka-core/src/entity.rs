//! An entity: the thing many mentions name, with its names, roles and mentions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::event::EntityId;
use crate::mention::{Form, Kind, Mention, Role};
use crate::normalize::{is_acronym, strip_possessive_suffix};
use crate::surface::Surface;

/// One resolved entity as the state holds it.
#[derive(Clone, Debug, PartialEq, Serialize, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Entity {
    /// Its id; stable while it grows.
    pub id: EntityId,
    /// The most specific kind its mentions gave.
    pub kind: Kind,
    /// Surface names (possessives stripped) and how often each was seen.
    pub names: BTreeMap<Surface, u32>,
    /// Role phrases of role-only mentions ("GAP chairman") and how often each was seen.
    pub role_phrases: BTreeMap<Surface, u32>,
    /// Roles the text attached to its mentions.
    pub roles: BTreeSet<Role>,
    /// Its mentions, in the order they were resolved.
    pub mentions: Vec<Surface>,
    /// Entities merged into it.
    pub absorbed: Vec<EntityId>,
    /// Sequence numbers of the decisions that built it, in order.
    pub history: Vec<u64>,
}

impl Entity {
    /// An entity with nothing in it yet.
    pub fn new(id: EntityId, kind: Kind) -> Entity {
        Entity {
            id,
            kind,
            names: BTreeMap::new(),
            role_phrases: BTreeMap::new(),
            roles: BTreeSet::new(),
            mentions: Vec::new(),
            absorbed: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Counts a mention's surface (possessive stripped) as a name or a role phrase, and takes
    /// its roles.
    pub(crate) fn count(&mut self, mention: &Mention) {
        let surface = strip_possessive_suffix(mention.name_text().trim());
        if !surface.is_empty() {
            let counts = match mention.form {
                Form::Name => &mut self.names,
                Form::RoleOnly | Form::Description => &mut self.role_phrases,
            };
            // A name seen before (most are) is counted without a copy of it.
            match counts.get_mut(surface.as_bytes()) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(Surface::from(surface), 1);
                }
            }
        }
        self.roles.extend(mention.roles.iter().cloned());
    }

    /// The canonical name: the fullest name that is not an acronym, then the most frequent,
    /// then the first in code-point order; a role phrase when no name was ever given.
    pub fn name(&self) -> &str {
        // Each name ranked once: a popular entity has dozens of names, and the canonical name is
        // asked for every decision's evidence.
        let mut best: Option<((bool, usize, u32), &Surface)> = None;
        for (name, count) in &self.names {
            let rank = Entity::rank(name, *count);
            // Ties go to the first in code-point order, which iteration meets first.
            if best.as_ref().is_none_or(|(b, _)| rank > *b) {
                best = Some((rank, name));
            }
        }
        if let Some((_, name)) = best {
            return name;
        }
        self.role_phrases
            .iter()
            .max_by(|(a, ca), (b, cb)| ca.cmp(cb).then_with(|| b.cmp(a)))
            .map_or("", |(phrase, _)| phrase.as_str())
    }

    /// How a name seen `count` times ranks for the canonical name: a name that is not an
    /// acronym first, then the one of more words, then the more frequent.
    pub fn rank(name: &str, count: u32) -> (bool, usize, u32) {
        (!is_acronym(name), name.split_whitespace().count(), count)
    }

    /// Whether any mention named it (rather than only describing a role).
    pub fn is_named(&self) -> bool {
        !self.names.is_empty()
    }

    /// Other names than the canonical one, in code-point order.
    pub fn aliases(&self) -> Vec<&str> {
        let name = self.name();
        self.names.keys().map(Surface::as_str).filter(|n| *n != name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_name_prefers_full_names_over_acronyms_and_short_forms() {
        let mut e = Entity::new(EntityId(1), Kind::Org);
        e.names.insert("PPP".into(), 5);
        e.names.insert("Pakistan Peoples Party".into(), 1);
        assert_eq!(e.name(), "Pakistan Peoples Party");
        let mut p = Entity::new(EntityId(2), Kind::Person);
        p.names.insert("Tharoor".into(), 3);
        p.names.insert("Shashi Tharoor".into(), 1);
        assert_eq!(p.name(), "Shashi Tharoor");
        assert_eq!(p.aliases(), ["Tharoor"]);
    }

    #[test]
    fn an_entity_known_only_by_role_is_named_by_its_role_phrase() {
        let mut e = Entity::new(EntityId(3), Kind::Person);
        e.role_phrases.insert("PPP chairman".into(), 1);
        assert_eq!(e.name(), "PPP chairman");
        assert!(!e.is_named());
    }
}
