//! The derived state: documents, mentions, entities and the blocking index, built only by
//! [`State::apply`] from the events of the log. `apply` holds no rule: it records what the
//! events say. Ordered collections everywhere, so the same log gives byte-identical state.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::entity::Entity;
use crate::event::{EntityId, Event, Verdict};
use crate::mention::{Form, Kind, Mention, Tense};
use crate::normalize::{initials, mention_acronym, mention_tokens, name_key};
use crate::rules::Rules;

/// What the state keeps of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct DocRecord {
    /// `sha256:` hex of its text.
    pub content_hash: String,
    /// Where it came from.
    pub source: String,
    /// Its text (kept for showing mentions in their sentences).
    pub text: String,
    /// The sequence number of its `DocumentIngested` event.
    pub seq: u64,
    /// Its mentions in text order.
    pub mentions: Vec<String>,
}

/// A judgement as the state keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    /// Same or different.
    pub verdict: Verdict,
    /// One entity, by the id the person gave.
    pub a: EntityId,
    /// The other.
    pub b: EntityId,
    /// Who judged.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The sequence number of its `Judged` event.
    pub seq: u64,
    /// Withdrawn since.
    pub retracted: bool,
    /// It split an entity (a "different" judgement on two merged entities).
    pub split: bool,
}

/// The state derived from the log.
#[derive(Clone, Debug)]
pub struct State {
    rules: Arc<Rules>,
    docs: BTreeMap<String, DocRecord>,
    mentions: BTreeMap<String, Mention>,
    mention_entity: BTreeMap<String, EntityId>,
    entities: BTreeMap<EntityId, Entity>,
    redirects: BTreeMap<EntityId, EntityId>,
    index: BTreeMap<String, Vec<EntityId>>,
    judgements: BTreeMap<String, Judgement>,
    next_judgement: u64,
    next_entity: u64,
    last_seq: u64,
}

/// Blocking-key prefixes. A key is a prefix and a normalised string.
pub(crate) mod key {
    /// Exact normalised name or alias.
    pub const NAME: &str = "n:";
    /// A description's normalised words.
    pub const DESCRIPTION: &str = "d:";
    /// Acronym or initials.
    pub const INITIALS: &str = "i:";
    /// The last name token of a person or an organisation.
    pub const SURNAME: &str = "s:";
    /// Fuzzy block: first initial and the first three letters of the last token.
    pub const FUZZY: &str = "f:";
    /// A unique role: title, `|`, the qualifier's normalised name (empty when none).
    pub const ROLE: &str = "r:";
}

impl State {
    /// An empty state that normalises names with `rules`.
    pub fn new(rules: Arc<Rules>) -> State {
        State {
            rules,
            docs: BTreeMap::new(),
            mentions: BTreeMap::new(),
            mention_entity: BTreeMap::new(),
            entities: BTreeMap::new(),
            redirects: BTreeMap::new(),
            index: BTreeMap::new(),
            judgements: BTreeMap::new(),
            next_judgement: 1,
            next_entity: 1,
            last_seq: 0,
        }
    }

    /// The rules the state normalises with.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The sequence number of the last event applied (0 when none).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The id the next new entity gets.
    pub fn next_entity_id(&self) -> EntityId {
        EntityId(self.next_entity)
    }

    /// A document by id.
    pub fn doc(&self, doc_id: &str) -> Option<&DocRecord> {
        self.docs.get(doc_id)
    }

    /// All documents in id order.
    pub fn docs(&self) -> impl Iterator<Item = (&String, &DocRecord)> {
        self.docs.iter()
    }

    /// A mention by id.
    pub fn mention(&self, mention_id: &str) -> Option<&Mention> {
        self.mentions.get(mention_id)
    }

    /// All mentions in id order.
    pub fn mentions(&self) -> impl Iterator<Item = &Mention> {
        self.mentions.values()
    }

    /// The entity a mention resolves to now (following merges).
    pub fn entity_of(&self, mention_id: &str) -> Option<EntityId> {
        self.mention_entity.get(mention_id).map(|id| self.resolve(*id))
    }

    /// Follows merges: the surviving id for any id ever handed out.
    pub fn resolve(&self, mut id: EntityId) -> EntityId {
        while let Some(next) = self.redirects.get(&id) {
            id = *next;
        }
        id
    }

    /// A live entity by id (an absorbed id gives its survivor).
    pub fn entity(&self, id: EntityId) -> Option<&Entity> {
        self.entities.get(&self.resolve(id))
    }

    /// All live entities in id order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.entities.values()
    }

    /// Live entities listed under a blocking key, resolved, deduplicated, in the order they
    /// were first listed.
    pub fn candidates(&self, key: &str) -> Vec<EntityId> {
        let mut out: Vec<EntityId> = Vec::new();
        for id in self.index.get(key).into_iter().flatten() {
            let id = self.resolve(*id);
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    /// Applies one event at sequence number `seq`. Holds no rule and cannot fail on an event
    /// that `decide` produced; events that refer to unknown ids are recorded as far as they can be.
    pub fn apply(&mut self, seq: u64, event: &Event) {
        self.last_seq = self.last_seq.max(seq);
        match event {
            Event::DocumentIngested { doc_id, content_hash, source, text } => {
                let record = DocRecord {
                    content_hash: content_hash.clone(),
                    source: source.clone(),
                    text: text.clone(),
                    seq,
                    mentions: Vec::new(),
                };
                self.docs.insert(doc_id.clone(), record);
            }
            Event::MentionObserved { mention } => {
                if let Some(doc) = self.docs.get_mut(&mention.doc_id) {
                    doc.mentions.push(mention.mention_id.clone());
                }
                self.mentions.insert(mention.mention_id.clone(), mention.clone());
            }
            Event::EntityCreated { entity, mention_id, kind, .. } => {
                self.next_entity = self.next_entity.max(entity.0 + 1);
                self.entities.insert(*entity, Entity::new(*entity, *kind));
                self.link(seq, mention_id, *entity);
            }
            Event::MentionLinked { mention_id, entity, .. } => self.link(seq, mention_id, *entity),
            Event::EntitiesMerged { survivor, absorbed, .. } => self.merge(seq, *survivor, *absorbed),
            Event::Judged { judgement, verdict, a, b, by, reason, .. } => {
                let number = judgement.strip_prefix('J').and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
                self.next_judgement = self.next_judgement.max(number.saturating_add(1));
                let record = Judgement {
                    verdict: *verdict,
                    a: *a,
                    b: *b,
                    by: by.clone(),
                    reason: reason.clone(),
                    seq,
                    retracted: false,
                    split: false,
                };
                self.judgements.insert(judgement.clone(), record);
            }
            Event::JudgementRetracted { judgement, .. } => {
                if let Some(record) = self.judgements.get_mut(judgement) {
                    record.retracted = true;
                }
            }
            Event::EntitySplit { parent, child, mentions, judgement, .. } => {
                if let Some(record) = judgement.as_ref().and_then(|j| self.judgements.get_mut(j)) {
                    record.split = true;
                }
                self.split(seq, *parent, *child, mentions);
            }
        }
    }

    /// Judgements by id, withdrawn ones included.
    pub fn judgements(&self) -> &BTreeMap<String, Judgement> {
        &self.judgements
    }

    /// The id the next judgement gets.
    pub fn next_judgement_id(&self) -> String {
        format!("J{}", self.next_judgement)
    }

    /// The standing "different" judgement that keeps two live entities apart, if any.
    pub fn judged_different(&self, x: EntityId, y: EntityId) -> Option<&str> {
        let (x, y) = (self.resolve(x), self.resolve(y));
        self.judgements.iter().find_map(|(id, j)| {
            let ends = (self.resolve(j.a), self.resolve(j.b));
            let apart = j.verdict == Verdict::Different && !j.retracted && (ends == (x, y) || ends == (y, x));
            apart.then_some(id.as_str())
        })
    }

    /// The id a mention was linked to (before any merge), if it was.
    pub fn linked_id(&self, mention_id: &str) -> Option<EntityId> {
        self.mention_entity.get(mention_id).copied()
    }

    /// Whether following merges from `id` passes through `through` (or starts there).
    pub fn merged_through(&self, mut id: EntityId, through: EntityId) -> bool {
        loop {
            if id == through {
                return true;
            }
            match self.redirects.get(&id) {
                Some(next) => id = *next,
                None => return false,
            }
        }
    }

    /// Adds a mention to the entity `named` designates now, remembering `named` itself: a split
    /// gives a mention back to the entity it was linked to, even if that one had been merged.
    fn link(&mut self, seq: u64, mention_id: &str, named: EntityId) {
        let id = self.resolve(named);
        let Some(mention) = self.mentions.get(mention_id).cloned() else { return };
        let Some(entity) = self.entities.get_mut(&id) else { return };
        entity.kind = entity.kind.refine(mention.kind);
        entity.mentions.push(mention_id.to_string());
        entity.history.push(seq);
        entity.count(&mention);
        self.mention_entity.insert(mention_id.to_string(), named);
        for key in self.keys_of(&mention) {
            self.add_key(key, id);
        }
    }

    fn merge(&mut self, seq: u64, survivor: EntityId, absorbed: EntityId) {
        let (survivor, absorbed) = (self.resolve(survivor), self.resolve(absorbed));
        if survivor == absorbed {
            return;
        }
        let Some(gone) = self.entities.remove(&absorbed) else { return };
        let Some(kept) = self.entities.get_mut(&survivor) else {
            self.entities.insert(absorbed, gone);
            return;
        };
        kept.kind = kept.kind.refine(gone.kind);
        for (name, count) in gone.names {
            *kept.names.entry(name).or_insert(0) += count;
        }
        for (phrase, count) in gone.role_phrases {
            *kept.role_phrases.entry(phrase).or_insert(0) += count;
        }
        kept.roles.extend(gone.roles);
        kept.mentions.extend(gone.mentions);
        kept.absorbed.push(absorbed);
        kept.absorbed.extend(gone.absorbed);
        kept.history.extend(gone.history);
        kept.history.push(seq);
        kept.history.sort_unstable();
        self.redirects.insert(absorbed, survivor);
    }

    /// Gives `mentions` of `parent` to `child`, which lives again: its id no longer redirects,
    /// so the ids once merged into it follow it. Names, roles and blocking keys of both are
    /// rebuilt from their mentions.
    fn split(&mut self, seq: u64, parent: EntityId, child: EntityId, mentions: &[String]) {
        let parent = self.resolve(parent);
        let Some(kind) = self.entities.get(&parent).map(|e| e.kind) else { return };
        if child == parent || self.entities.contains_key(&child) {
            return;
        }
        self.redirects.remove(&child);
        let moving: std::collections::BTreeSet<&str> = mentions.iter().map(String::as_str).collect();
        let mut child_entity = Entity::new(child, kind);
        let mut kept = Vec::new();
        if let Some(p) = self.entities.get_mut(&parent) {
            for m in std::mem::take(&mut p.mentions) {
                if moving.contains(m.as_str()) { child_entity.mentions.push(m) } else { kept.push(m) }
            }
            p.mentions = kept;
            p.absorbed.retain(|id| *id != child);
            p.history.push(seq);
        }
        child_entity.history.push(seq);
        self.entities.insert(child, child_entity);
        for m in mentions {
            self.mention_entity.insert(m.clone(), child);
        }
        for id in [parent, child] {
            self.rebuild(id);
        }
        // Keys of the moved mentions list the parent no more, unless its own mentions give them.
        let parent_keys: std::collections::BTreeSet<String> = self
            .entities
            .get(&parent)
            .map(|p| p.mentions.clone())
            .unwrap_or_default()
            .iter()
            .filter_map(|m| self.mentions.get(m))
            .flat_map(|m| self.keys_of(m))
            .collect();
        let moved: Vec<Mention> = mentions.iter().filter_map(|m| self.mentions.get(m)).cloned().collect();
        for mention in &moved {
            for key in self.keys_of(mention) {
                if !parent_keys.contains(&key)
                    && let Some(list) = self.index.get(&key)
                {
                    let kept: Vec<EntityId> = list.iter().copied().filter(|id| self.resolve(*id) != parent).collect();
                    self.index.insert(key.clone(), kept);
                }
                self.add_key(key, child);
            }
        }
    }

    /// Recounts an entity's names, role phrases and roles from its mentions.
    fn rebuild(&mut self, id: EntityId) {
        let mentions = &self.mentions;
        let Some(entity) = self.entities.get_mut(&id) else { return };
        entity.names.clear();
        entity.role_phrases.clear();
        entity.roles.clear();
        let ids = std::mem::take(&mut entity.mentions);
        for mention in ids.iter().filter_map(|m| mentions.get(m)) {
            entity.count(mention);
        }
        entity.mentions = ids;
    }

    fn add_key(&mut self, key: String, id: EntityId) {
        let limit = self.rules.limits.candidates_per_key_max;
        let list = self.index.entry(key).or_default();
        if !list.contains(&id) && list.len() < limit {
            list.push(id);
        }
    }

    /// The blocking keys a mention contributes to the entity it belongs to.
    pub fn keys_of(&self, mention: &Mention) -> Vec<String> {
        let rules = &*self.rules;
        let mut keys = Vec::new();
        if mention.form == Form::Name {
            let tokens = mention_tokens(mention, rules);
            if !tokens.is_empty() {
                keys.push(format!("{}{}", key::NAME, tokens.join(" ")));
            }
            for alias in &mention.aliases {
                let alias = name_key(alias, rules);
                if !alias.is_empty() {
                    keys.push(format!("{}{alias}", key::NAME));
                }
            }
            let acronym = mention_acronym(mention);
            if let Some(acronym) = &acronym {
                keys.push(format!("{}{acronym}", key::INITIALS));
            } else if mention.kind != Kind::Person {
                keys.extend(initials(mention.name_text()).into_iter().map(|i| format!("{}{i}", key::INITIALS)));
            }
            if acronym.is_none()
                && let (Some(first), Some(last)) = (tokens.first(), tokens.last())
            {
                if mention.kind.compatible(Kind::Person) {
                    keys.push(format!("{}{last}", key::SURNAME));
                    keys.push(fuzzy_key(first, last));
                } else if mention.kind == Kind::Org {
                    keys.push(format!("{}{last}", key::SURNAME));
                }
            }
        }
        if mention.form == Form::Description {
            let tokens = mention_tokens(mention, rules);
            if !tokens.is_empty() {
                keys.push(format!("{}{}", key::DESCRIPTION, tokens.join(" ")));
            }
        }
        for role in &mention.roles {
            if role.tense == Tense::Current && rules.is_unique(&role.title) {
                let of = role.of.as_deref().map(|of| name_key(of, rules)).unwrap_or_default();
                keys.push(role_key(&role.title, &of));
                keys.push(role_key(&role.title, ANY_QUALIFIER));
            }
        }
        keys
    }
}

/// The fuzzy blocking key of a person's first and last name tokens.
pub(crate) fn fuzzy_key(first: &str, last: &str) -> String {
    let initial: String = first.chars().take(1).collect();
    let stem: String = last.chars().take(3).collect();
    format!("{}{initial}{stem}", key::FUZZY)
}

/// The qualifier of the role key that lists the holders of a title whatever their qualifier.
pub(crate) const ANY_QUALIFIER: &str = "*";

/// The blocking key of a unique role and its qualifier's normalised name.
pub(crate) fn role_key(title: &str, of: &str) -> String {
    format!("{}{title}|{of}", key::ROLE)
}
