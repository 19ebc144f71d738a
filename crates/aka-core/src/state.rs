//! The derived state: documents, mentions, entities and the blocking index, built only by
//! [`State::apply`] from the events of the log. `apply` holds no rule: it records what the
//! events say. Ordered collections everywhere, so the same log gives byte-identical state.
//!
//! A state may stand on a [`Base`], the validated archive of a snapshot read in place: each
//! table is then an [`Overlay`] of what changed since, and lookups read the overlay first, then
//! the archive. Reads of archived rows give owned copies ([`Cow::Owned`]); the first change to
//! a row copies it into the overlay.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::{Bound, ControlFlow};
use std::sync::Arc;

use crate::entity::Entity;
use crate::event::{EntityId, Event, Verdict};
use crate::hash::IdState;
use crate::idbits::IdBits;
use crate::image::{Base, Image, find, id as archived_id, owned};
use crate::listing::Listed;
use crate::memo::{DocMemo, DocNumber, DocNumbers, IdCells, IdMemo, Memo, Touch};
use crate::mention::{Form, Kind, Mention, Tense};
use crate::normalize::{initials, mention_acronym, name_key};
use crate::overlay::Overlay;
use crate::rules::Rules;
use crate::surface::Surface;
use crate::tokens::{CanonicalTokens, EntityTokens};

/// What the state keeps of a document. Its text stays in the log, in its `DocumentIngested`
/// event at `seq`: snapshots stay small and the text is read only when shown.
#[derive(Clone, Debug, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct DocRecord {
    /// `sha256:` hex of its text.
    pub content_hash: String,
    /// Where it came from.
    pub source: String,
    /// The sequence number of its `DocumentIngested` event.
    pub seq: u64,
    /// Its mentions in text order.
    pub mentions: Vec<Surface>,
}

/// A judgement as the state keeps it.
#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
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
    base: Option<Arc<Base>>,
    docs: Overlay<String, DocRecord>,
    /// Boxed: a bucket of this table (the largest, a row per mention) holds a pointer, not a
    /// whole mention, so adding one writes a cache line, not four, and growing it moves an
    /// eighth of the bytes. Hashed so that a document's mentions numbered in turn share lines
    /// of the table ([`IdState`]): each is looked up when checked to be new, when observed and
    /// when linked.
    mentions: Overlay<Surface, Box<MentionRow>, IdState>,
    /// Links not kept in a mention's row: of the archive's mentions, linked again since, and
    /// of mentions not yet observed (a hand-made log). A row's link, once it has one, stands
    /// over the archive's.
    mention_entity: Overlay<String, EntityId>,
    entities: Overlay<EntityId, Entity>,
    redirects: Overlay<EntityId, EntityId>,
    /// The ids that have a row in `redirects` (or in the base's): an id not here follows no
    /// merge, known without a lookup (most ids never merged, and merges are followed many
    /// times per mention).
    redirected: IdBits,
    index: Overlay<Surface, Listed>,
    judgements: BTreeMap<String, Judgement>,
    entity_count: u64,
    next_judgement: u64,
    next_entity: u64,
    last_seq: u64,
    /// The folded tokens of every name seen.
    names: Memo<[String]>,
    /// The tokens of every name seen as a person's, leading titles dropped.
    person_names: Memo<[String]>,
    /// The normalised known attributes of every mention weighed.
    attrs: Memo<[(usize, Arc<str>)]>,
    /// The names of every live entity compared, as tokens; forgotten when the entity changes.
    entity_tokens: IdCells<EntityTokens>,
    /// The canonical name of every live entity asked for, kept up to date as names are counted.
    canonical: IdMemo<str>,
    /// The canonical name's tokens of every live entity the fuzzy step compared: forgotten
    /// whenever its canonical name is forgotten or changes.
    canonical_tokens: IdCells<CanonicalTokens>,
    /// The kind and mention count of every live entity asked about or linked to, kept up to
    /// date as mentions are linked: what choosing among candidates reads of most of them.
    summaries: IdCells<(Kind, usize)>,
    /// The blocking keys of each record weighed and not yet linked: made to find its
    /// candidates, taken when it is linked to index it.
    record_keys: Memo<[String]>,
    /// The entities (as linked, merges not followed) of the first [`DOC_ENTITIES_MENTIONS_MAX`]
    /// mentions of every document asked about: forgotten when one of its mentions is linked,
    /// and all of them when mentions move to another entity.
    doc_entities: DocMemo<[EntityId]>,
    /// The latest documents of every entity asked about: forgotten whenever its mentions change.
    entity_docs: IdMemo<[DocNumber]>,
    /// The documents of the latest mentions of every entity whose documents were asked for:
    /// one more mention pushes its document, so the list above is made again from this, not
    /// from the mentions (a lookup each in the largest table); forgotten when the entity's
    /// mentions change any other way.
    latest_docs: IdMemo<LatestDocs>,
    /// The numbers of the documents mentions were linked in and of those asked about, for the
    /// three memos above (of this state's life).
    doc_numbers: DocNumbers,
    /// The blocking keys of each entity's latest mention, under which it is listed (or the list
    /// was full), in one allocation ([`KeyBytes`]): forgotten when the entity merges, splits or
    /// is made again.
    linked_keys: IdMemo<[u8]>,
}

/// Blocking keys written into one allocation, each its length (four bytes, little-endian)
/// then its bytes: an entity's latest keys compared with a mention's read one or two lines,
/// not one per key.
struct KeyBytes;

impl KeyBytes {
    /// `keys` written out.
    fn of(keys: &[String]) -> Arc<[u8]> {
        let mut bytes = Vec::with_capacity(keys.iter().map(|key| 4 + key.len()).sum());
        for key in keys {
            bytes.extend_from_slice(&u32::try_from(key.len()).expect("a key is shorter than 4 GiB").to_le_bytes());
            bytes.extend_from_slice(key.as_bytes());
        }
        Arc::from(bytes)
    }

    /// Whether `bytes` are `keys` written out, read in place.
    fn hold(bytes: &[u8], keys: &[String]) -> bool {
        let mut rest = bytes;
        for key in keys {
            let Some((len, after)) = rest.split_first_chunk::<4>() else { return false };
            let Some((written, after)) =
                after.split_at_checked(usize::try_from(u32::from_le_bytes(*len)).unwrap_or(usize::MAX))
            else {
                return false;
            };
            if written != key.as_bytes() {
                return false;
            }
            rest = after;
        }
        rest.is_empty()
    }
}

/// Mentions of a document whose entities [`State::doc_entities`] gives.
pub const DOC_ENTITIES_MENTIONS_MAX: usize = 128;
/// Documents [`State::entity_docs`] gives at most.
pub const ENTITY_DOCS_MAX: usize = 32;
/// An entity's latest mentions whose documents [`State::entity_docs`] gives.
pub const ENTITY_DOCS_MENTIONS_MAX: usize = 128;

/// An entity's id, kind and names ([`State::entity_names`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityNames<'a> {
    /// Its id.
    pub id: EntityId,
    /// Its kind.
    pub kind: Kind,
    /// Its surface names, then its role phrases, in the order of [`Entity::names`] and
    /// [`Entity::role_phrases`].
    pub names: Vec<&'a str>,
}

/// The documents of an entity's latest [`ENTITY_DOCS_MENTIONS_MAX`] mentions, the oldest first,
/// by number, or none for a mention without a record.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LatestDocs(VecDeque<Option<DocNumber>>);

impl LatestDocs {
    /// One more mention, in `doc`.
    fn push(&mut self, doc: DocNumber) {
        self.0.push_back(Some(doc));
        if self.0.len() > ENTITY_DOCS_MENTIONS_MAX {
            self.0.pop_front();
        }
    }

    /// The documents, the latest first, each once, at most [`ENTITY_DOCS_MAX`].
    fn documents(&self) -> Arc<[DocNumber]> {
        let mut docs: Vec<DocNumber> = Vec::with_capacity(ENTITY_DOCS_MAX);
        for doc in self.0.iter().rev().flatten() {
            if !docs.contains(doc) {
                docs.push(*doc);
                if docs.len() == ENTITY_DOCS_MAX {
                    break;
                }
            }
        }
        Arc::from(docs)
    }
}

/// What resolving a mention computes of the mention alone (its normalised attributes, its
/// blocking keys, its name's tokens), made by [`State::prepare`] off the thread that resolves,
/// where a record is read, and handed to [`State::remember`]. Each is a function of the mention
/// and the rules alone, so remembering them changes no decision.
#[derive(Debug)]
pub struct Prepared {
    /// The rules it was made under.
    rules: Arc<Rules>,
    mention_id: String,
    name: String,
    attrs: Option<Attrs>,
    keys: Arc<[String]>,
    tokens: Arc<[String]>,
    person_tokens: Option<Arc<[String]>>,
    /// The mention itself, when it was handed over ([`State::prepare_owned`]).
    mention: Option<Mention>,
}

impl Prepared {
    /// The id of the mention it was made of.
    pub fn mention_id(&self) -> &str {
        &self.mention_id
    }

    /// The mention it was made of, if it was handed over and made under `rules` (a mention is
    /// made of its input by the rules, so one made under others is not the mention these make).
    pub fn take_mention(&mut self, rules: &Arc<Rules>) -> Option<Mention> {
        if self.made_under(rules) { self.mention.take() } else { None }
    }

    /// Whether it was made under `rules` (the same rules, or rules of the same hash).
    fn made_under(&self, rules: &Arc<Rules>) -> bool {
        Arc::ptr_eq(&self.rules, rules) || self.rules.hash == rules.hash
    }
}

/// Known attributes as (attribute position, normalised value).
pub type Attrs = Arc<[(usize, Arc<str>)]>;

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
            base: None,
            docs: Overlay::new(),
            mentions: Overlay::new(),
            mention_entity: Overlay::new(),
            entities: Overlay::new(),
            redirects: Overlay::new(),
            redirected: IdBits::default(),
            index: Overlay::new(),
            judgements: BTreeMap::new(),
            entity_count: 0,
            next_judgement: 1,
            next_entity: 1,
            last_seq: 0,
            names: Memo::default(),
            person_names: Memo::default(),
            attrs: Memo::default(),
            entity_tokens: IdCells::default(),
            canonical: IdMemo::default(),
            canonical_tokens: IdCells::default(),
            summaries: IdCells::default(),
            record_keys: Memo::default(),
            doc_entities: DocMemo::default(),
            entity_docs: IdMemo::default(),
            latest_docs: IdMemo::default(),
            doc_numbers: DocNumbers::default(),
            linked_keys: IdMemo::default(),
        }
    }

    /// The known attributes of a mention ([`crate::attrs::known_attrs`]) as (attribute
    /// position, normalised value), remembered; empty for an unknown mention.
    pub fn mention_attrs(&self, mention_id: &str) -> Attrs {
        let known = || self.mention(mention_id).map(|mention| self.attr_values(&mention));
        self.attrs.get_or(mention_id.as_bytes(), known).unwrap_or_else(|| Arc::from(Vec::new()))
    }

    /// What the attribute memo remembers of a mention: its known attributes' positions and values.
    fn attr_values(&self, mention: &Mention) -> Attrs {
        crate::attrs::known_attrs(&self.rules, mention).into_iter().map(|a| (a.index, a.value)).collect()
    }

    /// What resolving `mention` computes of it alone ([`Prepared`]), made by this state (one of
    /// its own, where the record is read) for another to [`State::remember`].
    pub fn prepare(&self, mention: &Mention) -> Prepared {
        // Each is made once, here, and nothing is remembered in this state: a mention is
        // prepared once, and the state that resolves it remembers what it is handed.
        let rules = &*self.rules;
        let name = mention.name_text();
        let known = crate::attrs::known_attrs(rules, mention);
        let tokens: Arc<[String]> = crate::normalize::name_tokens(name, rules).into();
        let person_tokens: Option<Arc<[String]>> = (mention.kind == Kind::Person)
            .then(|| crate::normalize::without_titles(mention, tokens.to_vec(), rules).into());
        let keys = self.keys_from(mention, &known, || person_tokens.clone().unwrap_or_else(|| Arc::clone(&tokens)));
        Prepared {
            rules: Arc::clone(&self.rules),
            mention_id: mention.mention_id.clone(),
            name: name.to_string(),
            attrs: (!mention.attrs.is_empty()).then(|| known.into_iter().map(|a| (a.index, a.value)).collect()),
            keys: Arc::from(keys),
            tokens,
            person_tokens,
            mention: None,
        }
    }

    /// [`State::prepare`], keeping the mention too ([`Prepared::take_mention`]): the thread that
    /// made it from its input need not be the one that resolves it.
    pub fn prepare_owned(&self, mention: Mention) -> Prepared {
        let mut prepared = self.prepare(&mention);
        prepared.mention = Some(mention);
        prepared
    }

    /// Remembers what another state [`State::prepare`]d of a mention about to be resolved here,
    /// as this state would have made it (nothing, if it was prepared under other rules). The
    /// blocking keys are taken when the mention is linked, as those made here are.
    pub fn remember(&self, prepared: Prepared) {
        if !prepared.made_under(&self.rules) {
            return;
        }
        let id = prepared.mention_id.as_str();
        if let Some(attrs) = prepared.attrs {
            self.attrs.get_or(id.as_bytes(), || Some(attrs));
        }
        self.record_keys.get_or(id.as_bytes(), || Some(prepared.keys));
        self.names.get_or(prepared.name.as_bytes(), || Some(prepared.tokens));
        if let Some(tokens) = prepared.person_tokens {
            self.person_names.get_or(prepared.name.as_bytes(), || Some(tokens));
        }
    }

    /// [`crate::attrs::known_attrs`] of a mention of this state, its normalised values
    /// remembered under its id (a record's are asked for to resolve it and again to index it).
    pub fn known_attrs(&self, mention: &Mention) -> Vec<crate::attrs::Attr<'_>> {
        if mention.attrs.is_empty() {
            // Most news mentions: nothing to remember.
            return Vec::new();
        }
        let known = || Some(self.attr_values(mention));
        let values = self.attrs.get_or(mention.mention_id.as_bytes(), known).expect("values are always made");
        values
            .iter()
            .filter_map(|(index, value)| {
                let (name, rule) = self.rules.attributes.get(*index)?;
                Some(crate::attrs::Attr { index: *index, name, rule, value: Arc::clone(value) })
            })
            .collect()
    }

    /// A mention's name tokens ([`crate::normalize::mention_tokens`]), remembered: a person's
    /// name without its leading titles, any other name's tokens as they are.
    pub fn mention_tokens(&self, mention: &Mention) -> Arc<[String]> {
        let name = mention.name_text();
        if mention.kind != Kind::Person {
            return self.name_tokens(name);
        }
        let untitled =
            || Some(crate::normalize::without_titles(mention, self.name_tokens(name).to_vec(), &self.rules).into());
        self.person_names.get_or(name.as_bytes(), untitled).expect("folding always gives tokens")
    }

    /// The name tokens of `name` under the state's rules ([`crate::normalize::name_tokens`]),
    /// remembered.
    pub fn name_tokens(&self, name: &str) -> Arc<[String]> {
        let fold = || Some(crate::normalize::name_tokens(name, &self.rules).into());
        self.names.get_or(name.as_bytes(), fold).expect("folding always gives tokens")
    }

    /// `read` of the names of a live entity as tokens, remembered until its names change;
    /// `None` for an unknown id (an absorbed id gives its survivor's). `read` may not ask for
    /// an entity's tokens again (it runs under the memo's lock).
    pub fn read_entity_tokens<R>(&self, id: EntityId, read: impl FnOnce(&EntityTokens) -> R) -> Option<R> {
        let id = self.resolve(id);
        let make = || self.make_entity_tokens(id);
        #[cfg(debug_assertions)]
        let fresh = make();
        self.entity_tokens.read_or(&id, make, |tokens| {
            #[cfg(debug_assertions)]
            assert_eq!(Some(tokens), fresh.as_ref(), "remembered tokens of {id}");
            read(tokens)
        })
    }

    /// [`State::read_entity_tokens`] of each of `ids` in turn (`read` is given the index in
    /// `ids`), until it breaks; unknown ids are passed over. The names of a few ids ahead are
    /// brought to the cache together, so that their misses overlap: those of the ids whose
    /// tokens `wanted` keeps (it is asked of what the memo holds beside the names, read without
    /// them). `read` may not ask for an entity's tokens (it runs under the memo's lock).
    pub fn read_each_entity_tokens<B>(
        &self,
        ids: &[EntityId],
        wanted: impl Fn(&EntityTokens) -> bool,
        read: impl FnMut(usize, &EntityTokens) -> ControlFlow<B>,
    ) -> Option<B> {
        let make = |id: EntityId| self.make_entity_tokens(id);
        self.read_each_in(&self.entity_tokens, "tokens", ids, make, wanted, read)
    }

    /// `read` of the tokens of each of `ids`' canonical names ([`State::entity_name`], folded as
    /// [`State::name_tokens`] folds it) in turn (`read` is given the index in `ids`), until it
    /// breaks; unknown ids are passed over. As [`State::read_each_entity_tokens`], a few ids
    /// ahead are brought to the cache together, those `wanted` keeps (asked of what the memo
    /// holds beside the joined tokens); `read` may not ask for canonical tokens.
    pub fn read_each_canonical_tokens<B>(
        &self,
        ids: &[EntityId],
        wanted: impl Fn(&CanonicalTokens) -> bool,
        read: impl FnMut(usize, &CanonicalTokens) -> ControlFlow<B>,
    ) -> Option<B> {
        let make = |id: EntityId| {
            self.entity_exists(id).then(|| CanonicalTokens::new(&self.name_tokens(&self.entity_name(id))))
        };
        self.read_each_in(&self.canonical_tokens, "canonical tokens", ids, make, wanted, read)
    }

    /// `read` of what `cells` remember of each of `ids` (merges followed), made by `make` where
    /// nothing is, a block at a time ([`IdCells::read_each`]), the values `wanted` keeps
    /// touched ahead; in debug builds each value read is checked against one made
    /// afresh (`what` names it in the message).
    fn read_each_in<T: PartialEq + std::fmt::Debug + Touch, B>(
        &self,
        cells: &IdCells<T>,
        what: &str,
        ids: &[EntityId],
        make: impl Fn(EntityId) -> Option<T>,
        wanted: impl Fn(&T) -> bool,
        mut read: impl FnMut(usize, &T) -> ControlFlow<B>,
    ) -> Option<B> {
        let resolved: Vec<EntityId> = ids.iter().map(|id| self.resolve(*id)).collect();
        let touch = |value: &T| {
            if wanted(value) {
                value.touch();
            }
        };
        cells.read_each(&resolved, &make, touch, |index, value| {
            if cfg!(debug_assertions) {
                let id = resolved[index];
                assert_eq!(Some(value), make(id).as_ref(), "remembered {what} of {id}");
            }
            read(index, value)
        })
    }

    /// The names of a live entity as tokens, made from its names.
    fn make_entity_tokens(&self, id: EntityId) -> Option<EntityTokens> {
        let entity = self.entity(id)?;
        let names: Vec<Arc<[String]>> = entity.names.keys().map(|n| self.name_tokens(n)).collect();
        Some(EntityTokens::new(entity.kind, &names))
    }

    /// Forgets what is remembered of an entity whose names changed other than by one more
    /// mention.
    fn forget_entity(&mut self, id: EntityId) {
        self.entity_tokens.forget(&id);
        self.linked_keys.forget(&id);
        self.entity_docs.forget(&id);
        self.latest_docs.forget(&id);
        self.canonical.forget(&id);
        self.canonical_tokens.forget(&id);
        self.summaries.forget(&id);
    }

    /// The state a snapshot's archive holds, read in place: nothing is copied but the
    /// judgements and counters. The caller checks that the archive was made under `rules`.
    pub fn on_base(rules: Arc<Rules>, base: Arc<Base>) -> State {
        let image = base.image();
        let judgements = image.judgements.iter().map(|row| (row.0.to_string(), owned(&row.1))).collect();
        State {
            judgements,
            redirected: image.redirects.iter().map(|row| archived_id(&row.0)).collect(),
            entity_count: image.entity_count.to_native(),
            next_judgement: image.next_judgement.to_native(),
            next_entity: image.next_entity.to_native(),
            last_seq: image.last_seq.to_native(),
            base: Some(Arc::clone(&base)),
            ..State::new(rules)
        }
    }

    /// The sequence number of the archive the state stands on, if any.
    pub fn base_seq(&self) -> Option<u64> {
        self.base.as_ref().map(|b| b.last_seq())
    }

    /// Rows changed since the archive (all rows, without one): what memory holds.
    pub fn overlay_rows(&self) -> usize {
        self.docs.len()
            + self.mentions.len()
            + self.mention_entity.len()
            + self.entities.len()
            + self.redirects.len()
            + self.index.len()
    }

    /// The whole state as an owned image, every table sorted: what a snapshot archives, and
    /// what two states are compared by.
    pub fn image(&self) -> Image {
        Image {
            last_seq: self.last_seq,
            next_entity: self.next_entity,
            next_judgement: self.next_judgement,
            entity_count: self.entity_count,
            docs: self.docs_with_ids().map(|(id, d)| (id, d.into_owned())).collect(),
            mentions: self.mentions().map(Cow::into_owned).collect(),
            mention_entity: self.mention_entity_rows(),
            entities: self.entities().map(Cow::into_owned).collect(),
            redirects: self.redirect_rows().map(|(a, b)| (a, b.into_owned())).collect(),
            index: self.index_rows().map(|(k, ids)| (k.as_str().to_string(), ids.to_vec())).collect(),
            judgements: self.judgements.iter().map(|(k, j)| (k.clone(), j.clone())).collect(),
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

    /// How many entities are live.
    pub fn entity_count(&self) -> u64 {
        self.entity_count
    }

    /// A document by id.
    pub fn doc(&self, doc_id: &str) -> Option<Cow<'_, DocRecord>> {
        self.docs.get(doc_id, || base_doc(&self.base, doc_id))
    }

    fn docs_with_ids(&self) -> impl Iterator<Item = (String, Cow<'_, DocRecord>)> {
        let rows = self.base.as_deref().map(|b| b.image().docs.as_slice()).unwrap_or_default();
        self.docs.merged(rows.iter().map(|r| (r.0.to_string(), &r.1)), owned)
    }

    /// The entities the first [`DOC_ENTITIES_MENTIONS_MAX`] mentions of a document are linked
    /// to, each once, in id order; merges are not followed ([`State::resolve`] them). Remembered:
    /// the company an entity keeps is asked of the same documents again and again.
    pub fn doc_entities(&self, doc_id: &str) -> Option<Arc<[EntityId]>> {
        self.doc_entities_of(self.doc_numbers.number(doc_id))
    }

    /// [`State::doc_entities`] of the document numbered `doc`.
    pub(crate) fn doc_entities_of(&self, doc: DocNumber) -> Option<Arc<[EntityId]>> {
        let ids = self.doc_entities.get_or(doc, || self.make_doc_entities(doc));
        debug_assert_eq!(ids, self.make_doc_entities(doc), "the remembered entities of document {doc:?}");
        ids
    }

    /// [`State::doc_entities_of`] each of `docs` in turn, read by `read` (given the document's
    /// index in `docs`; documents the state does not hold are passed over) until it breaks:
    /// under one lock, and a block of documents touched before any is read, so that the misses
    /// of documents not asked about in a long while overlap.
    pub(crate) fn read_each_doc_entities<B>(
        &self,
        docs: &[DocNumber],
        mut read: impl FnMut(usize, &[EntityId]) -> ControlFlow<B>,
    ) -> Option<B> {
        let make = |doc| self.make_doc_entities(doc);
        let touch = |ids: &[EntityId]| {
            std::hint::black_box((ids.first().copied(), ids.last().copied()));
        };
        self.doc_entities.read_each(docs, make, touch, |index, ids| {
            debug_assert_eq!(
                Some(ids),
                make(docs[index]).as_deref(),
                "the remembered entities of document {:?}",
                docs[index]
            );
            read(index, ids)
        })
    }

    /// The entities of a document's first [`DOC_ENTITIES_MENTIONS_MAX`] mentions, made from its
    /// record.
    fn make_doc_entities(&self, doc: DocNumber) -> Option<Arc<[EntityId]>> {
        let doc = self.doc(&self.doc_numbers.id(doc)?)?;
        let mut ids: Vec<EntityId> =
            doc.mentions.iter().take(DOC_ENTITIES_MENTIONS_MAX).filter_map(|m| self.linked_id(m)).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(Arc::from(ids))
    }

    /// The documents of an entity's latest [`ENTITY_DOCS_MENTIONS_MAX`] mentions, the latest
    /// first, at most [`ENTITY_DOCS_MAX`] of them.
    pub fn entity_docs(&self, id: EntityId) -> Option<Vec<String>> {
        let docs = self.entity_doc_numbers(id)?;
        docs.iter().map(|doc| self.doc_numbers.id(*doc).map(|d| d.to_string())).collect()
    }

    /// [`State::entity_docs`] by number. Remembered until the entity's mentions change.
    pub(crate) fn entity_doc_numbers(&self, id: EntityId) -> Option<Arc<[DocNumber]>> {
        let id = self.resolve(id);
        let make = || {
            let latest = self.latest_docs.get_or(&id, || self.latest_docs_of(id).map(Arc::new))?;
            Some(latest.documents())
        };
        let docs = self.entity_docs.get_or(&id, make);
        #[cfg(debug_assertions)]
        {
            let latest = self.latest_docs_of(id);
            assert_eq!(self.latest_docs.get_or(&id, || None).as_deref(), latest.as_ref(), "latest documents of {id}");
            assert_eq!(docs, latest.map(|l| l.documents()), "the remembered documents of {id}");
        }
        docs
    }

    /// The documents of a live entity's latest mentions, read from the mentions.
    fn latest_docs_of(&self, id: EntityId) -> Option<LatestDocs> {
        let entity = self.entity(id)?;
        let mut latest = LatestDocs::default();
        let from = entity.mentions.len().saturating_sub(ENTITY_DOCS_MENTIONS_MAX);
        for mention_id in &entity.mentions[from..] {
            match self.mention(mention_id) {
                Some(mention) => latest.push(self.doc_numbers.number(&mention.doc_id)),
                None => latest.0.push_back(None),
            }
        }
        Some(latest)
    }

    /// A mention by id.
    pub fn mention(&self, mention_id: &str) -> Option<Cow<'_, Mention>> {
        self.mentions
            .get(mention_id.as_bytes(), || base_mention(&self.base, mention_id).map(MentionRow::unlinked))
            .map(unboxed)
    }

    /// All mentions in id order.
    pub fn mentions(&self) -> impl Iterator<Item = Cow<'_, Mention>> {
        let rows = self.base.as_deref().map(|b| b.image().mentions.as_slice()).unwrap_or_default();
        self.mentions
            .merged(rows.iter().map(|m| (Surface::from(m.mention_id.as_str()), m)), |m| MentionRow::unlinked(owned(m)))
            .map(|(_, m)| unboxed(m))
    }

    /// Every mention's link, in mention id order: those kept in mention rows, and the others
    /// (where a row and the archive both have one, the row's).
    fn mention_entity_rows(&self) -> Vec<(String, EntityId)> {
        let rows = self.base.as_deref().map(|b| b.image().mention_entity.as_slice()).unwrap_or_default();
        let mut others =
            self.mention_entity.merged(rows.iter().map(|r| (r.0.to_string(), &r.1)), archived_id).peekable();
        let mut in_rows: Vec<(&Surface, EntityId)> =
            self.mentions.live_rows().filter_map(|(id, row)| Some((id, row.linked?))).collect();
        in_rows.sort_unstable();
        let mut in_rows = in_rows.into_iter().peekable();
        let mut out = Vec::new();
        loop {
            let order = match (in_rows.peek(), others.peek()) {
                (None, None) => return out,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some((row_id, _)), Some((other_id, _))) => row_id.as_str().cmp(other_id.as_str()),
            };
            if order == std::cmp::Ordering::Equal {
                // The row's link stands over the archive's.
                others.next();
            }
            if order == std::cmp::Ordering::Greater {
                let (id, entity) = others.next().expect("peeked");
                out.push((id, *entity));
            } else {
                let (id, entity) = in_rows.next().expect("peeked");
                out.push((id.to_string(), entity));
            }
        }
    }

    fn redirect_rows(&self) -> impl Iterator<Item = (EntityId, Cow<'_, EntityId>)> {
        let rows = self.base.as_deref().map(|b| b.image().redirects.as_slice()).unwrap_or_default();
        self.redirects.merged(rows.iter().map(|r| (archived_id(&r.0), &r.1)), archived_id)
    }

    fn index_rows(&self) -> impl Iterator<Item = (Surface, Cow<'_, Listed>)> {
        let rows = self.base.as_deref().map(|b| b.image().index.as_slice()).unwrap_or_default();
        self.index.merged(rows.iter().map(|r| (Surface::from(r.0.as_str()), &r.1)), |ids| {
            ids.iter().map(archived_id).collect::<Listed>()
        })
    }

    /// The entity a mention resolves to now (following merges).
    pub fn entity_of(&self, mention_id: &str) -> Option<EntityId> {
        self.linked_id(mention_id).map(|id| self.resolve(id))
    }

    /// Follows merges: the surviving id for any id ever handed out.
    pub fn resolve(&self, mut id: EntityId) -> EntityId {
        while let Some(next) = self.redirect(id) {
            id = next;
        }
        id
    }

    fn redirect(&self, id: EntityId) -> Option<EntityId> {
        if !self.redirected.may_contain(id) {
            debug_assert!(self.redirects.get(&id, || base_redirect(&self.base, id)).is_none(), "{id} redirects");
            return None;
        }
        self.redirects.get(&id, || base_redirect(&self.base, id)).map(|c| *c)
    }

    /// A live entity by id (an absorbed id gives its survivor).
    pub fn entity(&self, id: EntityId) -> Option<Cow<'_, Entity>> {
        let id = self.resolve(id);
        self.entities.get(&id, || base_entity(&self.base, id))
    }

    /// The kind of a live entity and how many mentions it has; `None` for an unknown id (an
    /// absorbed id gives its survivor's).
    pub fn entity_summary(&self, id: EntityId) -> Option<(Kind, usize)> {
        let id = self.resolve(id);
        let make = || self.entity(id).map(|e| (e.kind, e.mentions.len()));
        let summary = self.summaries.read_or(&id, make, |summary| *summary);
        debug_assert_eq!(summary, make(), "summary of {id}");
        summary
    }

    /// The canonical name of a live entity ("" for an unknown id).
    pub fn entity_name(&self, id: EntityId) -> String {
        let id = self.resolve(id);
        let name = self.canonical.get_or(&id, || self.entity(id).map(|e| Arc::from(e.name())));
        debug_assert_eq!(name.as_deref(), self.entity(id).as_deref().map(Entity::name), "canonical name of {id}");
        name.map(|n| n.to_string()).unwrap_or_default()
    }

    /// All live entities in id order.
    pub fn entities(&self) -> impl Iterator<Item = Cow<'_, Entity>> {
        let rows = self.base.as_deref().map(|b| b.image().entities.as_slice()).unwrap_or_default();
        self.entities.merged(rows.iter().map(|e| (archived_id(&e.id), e)), owned).map(|(_, e)| e)
    }

    /// Each live entity's id, kind and names, in id order: what a search by name reads of
    /// every entity. The archive's entities are read where they are, not made owned as
    /// [`State::entities`] makes them (an owned entity copies each of its mentions' ids).
    pub fn entity_names(&self) -> impl Iterator<Item = EntityNames<'_>> {
        let rows = self.base.as_deref().map(|b| b.image().entities.as_slice()).unwrap_or_default();
        self.entities.merged_rows(rows.iter().map(|e| (archived_id(&e.id), e))).map(|(id, row)| match row {
            crate::overlay::Row::Archived(e) => EntityNames {
                id,
                kind: owned(&e.kind),
                names: e.names.keys().chain(e.role_phrases.keys()).map(|n| n.as_str()).collect(),
            },
            crate::overlay::Row::Live(e) => EntityNames {
                id,
                kind: e.kind,
                names: e.names.keys().chain(e.role_phrases.keys()).map(Surface::as_str).collect(),
            },
        })
    }

    /// The ids listed under a blocking key, as listed (not resolved).
    // A Cow of the Vec, not of a slice: the overlay holds its rows as the owned type.
    #[allow(clippy::owned_cow)]
    fn listed(&self, key: &str) -> Option<Cow<'_, Listed>> {
        self.index.get(key.as_bytes(), || base_listed(&self.base, key))
    }

    /// Live entities listed under a blocking key, resolved, deduplicated, in the order they
    /// were first listed.
    pub fn candidates(&self, key: &str) -> Vec<EntityId> {
        let mut out = Vec::new();
        self.candidates_into(key, &mut out);
        out
    }

    /// [`State::candidates`] of `key`, appended to `out` (deduplicated among themselves, not
    /// against what `out` held): a record asks for those of each of its keys.
    pub fn candidates_into(&self, key: &str, out: &mut Vec<EntityId>) {
        let Some(listed) = self.listed(key) else { return };
        // A list holds each id once (`add_key`): only ids that follow merges can meet again.
        if !listed.iter().any(|id| self.redirected.may_contain(*id)) {
            debug_assert!(
                listed.iter().enumerate().all(|(i, id)| !listed[..i].contains(id)),
                "{key:?} lists an id twice"
            );
            out.extend_from_slice(&listed);
            return;
        }
        let start = out.len();
        for id in listed.iter() {
            let id = self.resolve(*id);
            if !out[start..].contains(&id) {
                out.push(id);
            }
        }
    }

    /// Applies one event at sequence number `seq`. Holds no rule and cannot fail on an event
    /// that `decide` produced; events that refer to unknown ids are recorded as far as they can be.
    pub fn apply(&mut self, seq: u64, event: &Event) {
        self.last_seq = self.last_seq.max(seq);
        match event {
            Event::DocumentIngested { doc_id, content_hash, source, .. } => {
                let record =
                    DocRecord { content_hash: content_hash.clone(), source: source.clone(), seq, mentions: Vec::new() };
                self.docs.insert(doc_id.clone(), record);
                if let Some(doc) = self.doc_numbers.find(doc_id) {
                    self.doc_entities.forget(doc);
                }
            }
            Event::MentionObserved { mention } => {
                let base = &self.base;
                if let Some(doc) = self.docs.get_mut(&mention.doc_id, || base_doc(base, &mention.doc_id)) {
                    doc.mentions.push(Surface::from(mention.mention_id.as_str()));
                }
                // A link made since the archive, before the mention was observed (only a
                // hand-made log has one), moves into its row; one in the archive stays there,
                // under the row's (`linked_id`), and the archive is not searched for it here.
                let linked = self.mention_entity.take_live(mention.mention_id.as_str());
                let row = MentionRow { mention: Arc::clone(mention), linked };
                self.mentions.insert(Surface::from(mention.mention_id.as_str()), Box::new(row));
            }
            Event::EntityCreated { entity, mention_id, kind, .. } => {
                self.next_entity = self.next_entity.max(entity.0 + 1);
                let existed = self.entity_exists(*entity);
                self.forget_entity(*entity);
                self.entities.insert(*entity, Entity::new(*entity, *kind));
                if !existed {
                    self.entity_count += 1;
                }
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
        match self.mentions.live(mention_id.as_bytes()).and_then(|row| row.linked) {
            Some(linked) => Some(linked),
            None => self.mention_entity.get(mention_id, || base_linked(&self.base, mention_id)).map(|c| *c),
        }
    }

    /// Records that `mention_id` is linked to `entity`: in its row, if it has one.
    fn set_link(&mut self, mention_id: &str, entity: EntityId) {
        match self.mentions.live_mut(mention_id.as_bytes()) {
            Some(row) => row.linked = Some(entity),
            None => self.mention_entity.insert(mention_id.to_string(), entity),
        }
    }

    /// Whether following merges from `id` passes through `through` (or starts there).
    pub fn merged_through(&self, mut id: EntityId, through: EntityId) -> bool {
        loop {
            if id == through {
                return true;
            }
            match self.redirect(id) {
                Some(next) => id = next,
                None => return false,
            }
        }
    }

    fn entity_exists(&self, id: EntityId) -> bool {
        self.entities.contains(&id, || base_entity_exists(&self.base, id))
    }

    /// An entity to change. Whoever changes its names forgets its [`State::entity_tokens`].
    fn entity_mut(&mut self, id: EntityId) -> Option<&mut Entity> {
        self.summaries.forget(&id);
        let base = &self.base;
        self.entities.get_mut(&id, || base_entity(base, id))
    }

    /// Adds a mention to the entity `named` designates now, remembering `named` itself: a split
    /// gives a mention back to the entity it was linked to, even if that one had been merged.
    fn link(&mut self, seq: u64, mention_id: &str, named: EntityId) {
        let id = self.resolve(named);
        // The mention and the entity borrowed through their fields, so that the memos beside
        // them can change; the keys first, which need the whole state.
        let base = &self.base;
        let Some(mention) = self
            .mentions
            .get(mention_id.as_bytes(), || base_mention(base, mention_id).map(MentionRow::unlinked))
            .map(unboxed)
        else {
            return;
        };
        let keys = match self.record_keys.take(mention_id.as_bytes()) {
            Some(keys) => keys,
            None => Arc::from(self.keys_of(&mention)),
        };
        let Some(entity) = self.entities.get_mut(&id, || base_entity(base, id)) else { return };
        let kind_before = entity.kind;
        entity.kind = entity.kind.refine(mention.kind);
        entity.mentions.push(Surface::from(mention_id));
        let first_mention = entity.mentions.len() == 1;
        let summary = (entity.kind, entity.mentions.len());
        entity.history.push(seq);
        let names = entity.names.len();
        entity.count(&mention);
        let (kind, surface) = (entity.kind, crate::normalize::strip_possessive_suffix(mention.name_text().trim()));
        // One new spelling and nothing else changed (a popular entity gains spellings all the
        // time): its remembered tokens take it in at its place instead of being made again from
        // every name. Any other change forgets them.
        let new_name_at = (kind == kind_before
            && entity.names.len() == names + 1
            && entity.names.get(surface.as_bytes()) == Some(&1))
        .then(|| entity.names.range::<[u8], _>((Bound::Unbounded, Bound::Excluded(surface.as_bytes()))).count());
        if new_name_at.is_none() && (kind != kind_before || entity.names.len() != names) {
            self.entity_tokens.forget(&id);
        }
        // Counting raised one name's rank and no other's: the canonical name is the one it
        // was or the one just counted (ties go to the first in code-point order, as in
        // `Entity::name`). An entity still without names is named by its role phrases.
        if !entity.is_named() {
            self.canonical.forget(&id);
            self.canonical_tokens.forget(&id);
        } else if let Some(current) = self.canonical.get_mut(&id) {
            let rank = |name: &str| entity.names.get(name.as_bytes()).map(|count| Entity::rank(name, *count));
            if let Some(counted) = rank(surface)
                && rank(current).is_none_or(|c| counted > c || (counted == c && surface < &**current))
            {
                *current = Arc::from(surface);
                self.canonical_tokens.forget(&id);
            }
        }
        if let Some(at) = new_name_at
            && let Some(old) = self.entity_tokens.take(&id)
        {
            let tokens = old.with_name(at, &self.name_tokens(surface));
            #[cfg(debug_assertions)]
            if let Some(fresh) = self.make_entity_tokens(id) {
                assert_eq!(tokens, fresh, "tokens of {id} after {mention_id}");
            }
            self.entity_tokens.insert(&id, tokens);
        }
        self.summaries.insert(&id, summary);
        // The document's number, looked up once for the two memos by document.
        let doc = self.doc_numbers.number(&mention.doc_id);
        self.doc_entities.forget(doc);
        self.entity_docs.forget(&id);
        if let Some(latest) = self.latest_docs.get_mut(&id) {
            Arc::make_mut(latest).push(doc);
        } else if first_mention {
            // A new entity's latest documents are its one mention's: kept from the start, and
            // carried along from here, so that they are never read back from its mentions.
            let mut latest = LatestDocs::default();
            latest.push(doc);
            self.latest_docs.insert(id, Arc::new(latest));
        }
        self.set_link(mention_id, named);
        // The keys of the entity's mention before, again (a popular entity is named the same way
        // over and over): it is listed under each already, or the list was full and still is.
        let before = self.linked_keys.take(&id);
        let again = before.as_deref().is_some_and(|before| KeyBytes::hold(before, &keys));
        if !again {
            for key in keys.iter() {
                self.add_key(key, id);
            }
        }
        #[cfg(debug_assertions)]
        for key in keys.iter() {
            let listed = self
                .listed(key)
                .is_some_and(|ids| ids.contains(&id) || ids.len() >= self.rules.limits.candidates_per_key_max);
            assert!(listed, "{id} is listed under {key:?} after {mention_id}");
        }
        let remembered = match before {
            Some(before) if again => before,
            _ => KeyBytes::of(&keys),
        };
        self.linked_keys.insert(id, remembered);
    }

    fn merge(&mut self, seq: u64, survivor: EntityId, absorbed: EntityId) {
        let (survivor, absorbed) = (self.resolve(survivor), self.resolve(absorbed));
        if survivor == absorbed || !self.entity_exists(survivor) {
            return;
        }
        let in_base = base_entity_exists(&self.base, absorbed);
        let base = &self.base;
        let Some(gone) = self.entities.remove(&absorbed, in_base, || base_entity(base, absorbed)) else { return };
        self.forget_entity(absorbed);
        self.forget_entity(survivor);
        let Some(kept) = self.entity_mut(survivor) else { return };
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
        self.entity_count = self.entity_count.saturating_sub(1);
        self.redirects.insert(absorbed, survivor);
        self.redirected.insert(absorbed);
    }

    /// Gives `mentions` of `parent` to `child`, which lives again: its id no longer redirects,
    /// so the ids once merged into it follow it. Names, roles and blocking keys of both are
    /// rebuilt from their mentions.
    fn split(&mut self, seq: u64, parent: EntityId, child: EntityId, mentions: &[String]) {
        let parent = self.resolve(parent);
        let Some(kind) = self.entity(parent).map(|e| e.kind) else { return };
        if child == parent || self.entity_exists(child) {
            return;
        }
        let redirected = base_redirect(&self.base, child).is_some();
        self.redirects.remove(&child, redirected, || None);
        self.redirected.remove(child);
        let moving: BTreeSet<&str> = mentions.iter().map(String::as_str).collect();
        let mut child_entity = Entity::new(child, kind);
        let mut kept = Vec::new();
        if let Some(p) = self.entity_mut(parent) {
            for m in std::mem::take(&mut p.mentions) {
                if moving.contains(m.as_str()) { child_entity.mentions.push(m) } else { kept.push(m) }
            }
            p.mentions = kept;
            p.absorbed.retain(|id| *id != child);
            p.history.push(seq);
        }
        child_entity.history.push(seq);
        self.forget_entity(child);
        self.entities.insert(child, child_entity);
        self.entity_count += 1;
        for m in mentions {
            self.set_link(m, child);
        }
        self.doc_entities.clear();
        for id in [parent, child] {
            self.rebuild(id);
        }
        // Keys of the moved mentions list the parent no more, unless its own mentions give them.
        let parent_mentions = self.entity(parent).map(|p| p.mentions.clone()).unwrap_or_default();
        let parent_keys: BTreeSet<String> =
            parent_mentions.iter().filter_map(|m| self.mention(m)).flat_map(|m| self.keys_of(&m)).collect();
        let moved: Vec<Mention> = mentions.iter().filter_map(|m| self.mention(m)).map(Cow::into_owned).collect();
        for mention in &moved {
            for key in self.keys_of(mention) {
                if !parent_keys.contains(&key)
                    && let Some(list) = self.listed(&key)
                {
                    let kept: Vec<EntityId> = list.iter().copied().filter(|id| self.resolve(*id) != parent).collect();
                    if kept.len() < list.len() {
                        // A list may have room now that was full when an entity's latest keys
                        // were remembered (`link` skips keys it was given before: listed, or the
                        // list was full). Every entity's are forgotten, as a state opened from a
                        // snapshot has none: splits are rare, and its next mention lists it anew.
                        self.linked_keys = IdMemo::default();
                    }
                    self.index.insert(Surface::from(key.as_str()), Listed::from(kept));
                }
                self.add_key(&key, child);
            }
        }
    }

    /// Recounts an entity's names, role phrases and roles from its mentions.
    fn rebuild(&mut self, id: EntityId) {
        let Some(ids) = self.entity(id).map(|e| e.mentions.clone()) else { return };
        let mentions: Vec<Mention> = ids.iter().filter_map(|m| self.mention(m)).map(Cow::into_owned).collect();
        self.forget_entity(id);
        let Some(entity) = self.entity_mut(id) else { return };
        entity.names.clear();
        entity.role_phrases.clear();
        entity.roles.clear();
        for mention in &mentions {
            entity.count(mention);
        }
    }

    fn add_key(&mut self, key: &str, id: EntityId) {
        let limit = self.rules.limits.candidates_per_key_max;
        let base = &self.base;
        match self.index.get_mut(key.as_bytes(), || base_listed(base, key)) {
            Some(list) => {
                // A full list (a frequent key) is not read through.
                if list.len() < limit && !list.contains(&id) {
                    list.push(id);
                }
            }
            None => {
                if limit > 0 {
                    self.index.insert(Surface::from(key), Listed::One([id]));
                }
            }
        }
    }

    /// [`State::keys_of`] a record, remembered until it is linked (which indexes it under them).
    pub fn record_keys(&self, mention: &Mention) -> Arc<[String]> {
        let keys = || Some(Arc::from(self.keys_of(mention)));
        self.record_keys.get_or(mention.mention_id.as_bytes(), keys).expect("keys are always made")
    }

    /// The blocking keys a mention contributes to the entity it belongs to.
    pub fn keys_of(&self, mention: &Mention) -> Vec<String> {
        self.keys_with(mention, &self.known_attrs(mention))
    }

    /// [`State::keys_of`] a mention whose known attributes are `attrs` (as
    /// [`crate::attrs::known_attrs`] makes them), for a caller that has them already.
    pub fn keys_with(&self, mention: &Mention, attrs: &[crate::attrs::Attr<'_>]) -> Vec<String> {
        self.keys_from(mention, attrs, || self.mention_tokens(mention))
    }

    /// [`State::keys_with`] for a mention seen once (as `aka estimate` sees each record): its
    /// name tokens are made and dropped, not remembered in the state's memos.
    pub fn keys_once(&self, mention: &Mention, attrs: &[crate::attrs::Attr<'_>]) -> Vec<String> {
        self.keys_from(mention, attrs, || crate::normalize::mention_tokens(mention, &self.rules).into())
    }

    /// The keys of [`State::keys_with`], the mention's name tokens made by `tokens`.
    fn keys_from(
        &self,
        mention: &Mention,
        attrs: &[crate::attrs::Attr<'_>],
        tokens: impl Fn() -> Arc<[String]>,
    ) -> Vec<String> {
        let rules = &*self.rules;
        let mut keys = Vec::new();
        if mention.form == Form::Name {
            let tokens = tokens();
            if !tokens.is_empty() {
                keys.push(joined_key(key::NAME, &tokens));
            }
            for alias in &mention.aliases {
                let alias = name_key(alias, rules);
                if !alias.is_empty() {
                    keys.push([key::NAME, &alias].concat());
                }
            }
            let acronym = mention_acronym(mention);
            if let Some(acronym) = &acronym {
                keys.push([key::INITIALS, acronym].concat());
            } else if mention.kind != Kind::Person {
                keys.extend(initials(mention.name_text()).into_iter().map(|i| [key::INITIALS, &i].concat()));
            }
            if acronym.is_none()
                && let (Some(first), Some(last)) = (tokens.first(), tokens.last())
            {
                if mention.kind.compatible(Kind::Person) {
                    keys.push([key::SURNAME, last].concat());
                    keys.push(fuzzy_key(first, last));
                } else if mention.kind == Kind::Org {
                    keys.push([key::SURNAME, last].concat());
                }
            }
        }
        if mention.form == Form::Description {
            let tokens = tokens();
            if !tokens.is_empty() {
                keys.push(joined_key(key::DESCRIPTION, &tokens));
            }
        }
        for attr in attrs {
            if attr.rule.block {
                keys.extend(crate::attrs::block_keys(attr.name, attr.rule, &attr.value));
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

/// A blocking key: `prefix` then the tokens joined by spaces.
fn joined_key(prefix: &str, tokens: &[String]) -> String {
    let mut key = String::with_capacity(prefix.len() + tokens.iter().map(|t| t.len() + 1).sum::<usize>());
    key.push_str(prefix);
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(token);
    }
    key
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

fn base_doc(base: &Option<Arc<Base>>, doc_id: &str) -> Option<DocRecord> {
    let rows = &base.as_deref()?.image().docs;
    find(rows, |r| r.0.as_str().cmp(doc_id)).map(|r| owned(&r.1))
}

/// A mention as the state holds it since the archive, and the entity it was linked to (before
/// any merge): a new mention is linked as soon as it is observed, and its link written in the
/// row just written is a cache line already at hand, where a table of its own as large as
/// this one costs a miss per mention at a million of them.
#[derive(Clone, Debug)]
struct MentionRow {
    /// Shared with the event that observed it: the state holds the event's mention, not a copy.
    mention: Arc<Mention>,
    linked: Option<EntityId>,
}

impl MentionRow {
    /// A row of the archive's (whose link the archive keeps apart).
    // Boxed as the table holds it.
    #[allow(clippy::unnecessary_box_returns)]
    fn unlinked(mention: Mention) -> Box<MentionRow> {
        Box::new(MentionRow { mention: Arc::new(mention), linked: None })
    }
}

/// A row as the mention it holds.
fn unboxed(row: Cow<'_, Box<MentionRow>>) -> Cow<'_, Mention> {
    match row {
        Cow::Borrowed(row) => Cow::Borrowed(&row.mention),
        Cow::Owned(row) => Cow::Owned(Arc::unwrap_or_clone(row.mention)),
    }
}

fn base_mention(base: &Option<Arc<Base>>, mention_id: &str) -> Option<Mention> {
    let rows = &base.as_deref()?.image().mentions;
    find(rows, |m| m.mention_id.as_str().cmp(mention_id)).map(owned)
}

fn base_linked(base: &Option<Arc<Base>>, mention_id: &str) -> Option<EntityId> {
    let rows = &base.as_deref()?.image().mention_entity;
    find(rows, |r| r.0.as_str().cmp(mention_id)).map(|r| archived_id(&r.1))
}

fn base_redirect(base: &Option<Arc<Base>>, id: EntityId) -> Option<EntityId> {
    let rows = &base.as_deref()?.image().redirects;
    find(rows, |r| archived_id(&r.0).cmp(&id)).map(|r| archived_id(&r.1))
}

fn base_entity_row(base: &Option<Arc<Base>>, id: EntityId) -> Option<&crate::entity::ArchivedEntity> {
    let rows = &base.as_deref()?.image().entities;
    find(rows, |e| archived_id(&e.id).cmp(&id))
}

fn base_entity(base: &Option<Arc<Base>>, id: EntityId) -> Option<Entity> {
    base_entity_row(base, id).map(owned)
}

fn base_entity_exists(base: &Option<Arc<Base>>, id: EntityId) -> bool {
    base_entity_row(base, id).is_some()
}

fn base_listed(base: &Option<Arc<Base>>, key: &str) -> Option<Listed> {
    let rows = &base.as_deref()?.image().index;
    find(rows, |r| r.0.as_str().cmp(key)).map(|r| r.1.iter().map(archived_id).collect())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::event::{Decision, RuleName};
    use crate::testing::m;

    proptest! {
        /// Keys written into one allocation hold exactly those keys, in that order: a list that
        /// differs by a key, a byte, a split between keys or an empty key does not match.
        #[test]
        fn keys_written_out_hold_those_keys_and_no_others(
            a in prop::collection::vec("[ab:]{0,3}", 0..4),
            b in prop::collection::vec("[ab:]{0,3}", 0..4),
        ) {
            prop_assert!(KeyBytes::hold(&KeyBytes::of(&a), &a));
            prop_assert_eq!(KeyBytes::hold(&KeyBytes::of(&a), &b), a == b, "{:?} against {:?}", a, b);
        }
    }

    fn decision() -> Decision {
        Decision { rule: RuleName::ExactName, score: 1.0, evidence: vec![], rules: String::new() }
    }

    /// Each live entity's remembered tokens against its names folded afresh.
    fn assert_tokens_current(state: &State) {
        for entity in state.entities() {
            let fresh = state.make_entity_tokens(entity.id).expect("a live entity");
            let kept = state.read_entity_tokens(entity.id, |t| *t == fresh);
            assert_eq!(kept, Some(true), "tokens of {}", entity.id);
            assert_eq!(state.entity_name(entity.id), entity.name(), "canonical name of {}", entity.id);
            let canonical = state.name_tokens(entity.name()).join(" ");
            let kept = state.read_each_canonical_tokens(
                &[entity.id],
                |_| true,
                |_, t| ControlFlow::Break(t.joined().to_string()),
            );
            assert_eq!(kept, Some(canonical), "canonical name's tokens of {}", entity.id);
        }
    }

    /// Mentions of every shape a state makes keys and tokens of: a titled person with a role, a
    /// record with attributes, a description, an organisation with an acronym, a place.
    fn mentions_of_every_shape() -> [Mention; 5] {
        let mut titled = m("a", 0, "PERSON Foreign Minister Jane Q. Roe-Smith");
        titled.roles.push(crate::mention::Role::new("foreign minister"));
        let mut record = m("a", 1, "PERSON Jane Roe");
        record.attrs.insert("date_of_birth".into(), "1970-01-02".into());
        record.attrs.insert("postcode".into(), "2600".into());
        let mut described = m("a", 2, "PERSON the party's chairman");
        described.form = Form::Description;
        [titled, record, described, m("a", 3, "ORG Foreign Office (FO)"), m("a", 4, "GPE United States")]
    }

    #[test]
    fn keys_of_a_mention_seen_once_are_the_remembered_keys_and_leave_the_memos_alone() {
        let rules = Arc::new(Rules::default_rules());
        let mut state = State::new(Arc::clone(&rules));
        let mentions = mentions_of_every_shape();
        for mention in &mentions {
            let attrs = crate::attrs::known_attrs(&rules, mention);
            let once = state.keys_once(mention, &attrs);
            assert!(state.names.get_mut(mention.name_text().as_bytes()).is_none(), "{}", mention.text);
            assert!(state.person_names.get_mut(mention.name_text().as_bytes()).is_none(), "{}", mention.text);
            assert!(!once.is_empty(), "{}", mention.text);
            assert_eq!(once, state.keys_with(mention, &attrs), "{}", mention.text);
        }
    }

    #[test]
    fn a_prepared_mention_holds_what_the_state_makes_of_it_and_leaves_the_memos_alone() {
        let rules = Arc::new(Rules::default_rules());
        let mut scratch = State::new(Arc::clone(&rules));
        let state = State::new(Arc::clone(&rules));
        let mentions = mentions_of_every_shape();
        for mention in &mentions {
            let prepared = scratch.prepare(mention);
            let name = mention.name_text();
            assert!(
                scratch.names.get_mut(name.as_bytes()).is_none()
                    && scratch.person_names.get_mut(name.as_bytes()).is_none(),
                "{name}"
            );
            assert!(scratch.attrs.get_mut(mention.mention_id.as_bytes()).is_none(), "{name}");
            assert_eq!(prepared.name, name);
            assert_eq!(*prepared.keys, *state.keys_of(mention), "{name}");
            assert_eq!(prepared.tokens, state.name_tokens(name), "{name}");
            let person = (mention.kind == Kind::Person).then(|| state.mention_tokens(mention));
            assert_eq!(prepared.person_tokens, person, "{name}");
            let attrs = (!mention.attrs.is_empty()).then(|| state.attr_values(mention));
            assert_eq!(prepared.attrs, attrs, "{name}");
        }
        assert!(!mentions[0].roles.is_empty() && mentions[1].attrs.len() == 2);
    }

    /// Events applied in order, numbered from 1, as a log replays them.
    struct Replay {
        state: State,
        seq: u64,
    }

    impl Replay {
        fn new() -> Replay {
            Replay { state: State::new(Arc::new(Rules::default_rules())), seq: 0 }
        }

        fn apply(&mut self, event: Event) -> &State {
            self.seq += 1;
            self.state.apply(self.seq, &event);
            &self.state
        }
    }

    fn document(doc_id: &str) -> Event {
        let content_hash = crate::event::content_hash(doc_id.as_bytes());
        Event::DocumentIngested { doc_id: doc_id.into(), content_hash, source: String::new(), text: String::new() }
    }

    fn observed(mention: Mention) -> Event {
        Event::MentionObserved { mention: Arc::new(mention) }
    }

    fn created(entity: EntityId, mention_id: &str) -> Event {
        Event::EntityCreated { entity, mention_id: mention_id.into(), kind: Kind::Person, decision: decision() }
    }

    fn linked(mention_id: &str, entity: EntityId) -> Event {
        Event::MentionLinked { mention_id: mention_id.into(), entity, decision: decision() }
    }

    fn merged(survivor: EntityId, absorbed: EntityId) -> Event {
        Event::EntitiesMerged { survivor, absorbed, decision: decision() }
    }

    fn split(parent: EntityId, child: EntityId, mentions: &[&str]) -> Event {
        let mentions = mentions.iter().map(ToString::to_string).collect();
        Event::EntitySplit { parent, child, mentions, judgement: None, decision: decision() }
    }

    /// A split that takes a full list of an index key below its limit lets the next entity
    /// linked under that key in, whether or not its latest keys were the same before: as a
    /// state opened from a snapshot (its memos empty) does. The remembered keys of an entity's
    /// latest mention may not stand for "listed, or the list was full" once a split shrank it.
    #[test]
    fn an_entity_is_listed_under_a_key_a_split_made_room_in_even_if_its_keys_are_the_same_as_before() {
        let mut rules = Rules::default_rules();
        rules.limits.candidates_per_key_max = 2;
        let mut replay = Replay { state: State::new(Arc::new(rules)), seq: 0 };
        let (b, e, c, d) = (EntityId(2), EntityId(5), EntityId(3), EntityId(4));
        for n in 1..=4 {
            replay.apply(observed(m("d", n, "PERSON Roe")));
        }
        // Two entities fill the keys of "Roe"; a third is not listed; the two merge.
        for event in [created(b, "d:1"), created(e, "d:2"), created(c, "d:3"), merged(b, e)] {
            replay.apply(event);
        }
        let keys = replay.state.keys_of(&m("d", 4, "PERSON Roe"));
        assert!(!keys.is_empty());
        for key in &keys {
            assert_eq!(replay.state.listed(key).map(|l| l.len()), Some(2), "{key:?} is full");
        }
        // All of the merged entity's mentions move to a new one: each list holds one id now.
        replay.apply(split(b, d, &["d:1", "d:2"]));
        for key in &keys {
            assert_eq!(replay.state.listed(key).map(|l| l.len()), Some(1), "{key:?} after the split");
        }
        // The third entity is named again with the same keys: it goes in.
        let state = replay.apply(linked("d:4", c));
        for key in &keys {
            let listed: Vec<EntityId> = state.listed(key).map(|l| l.iter().copied().collect()).unwrap_or_default();
            assert!(listed.contains(&c), "{c} is listed under {key:?}: {listed:?}");
        }
    }

    #[test]
    fn entity_tokens_and_canonical_names_follow_new_names_counts_kinds_merges_and_splits() {
        let mut replay = Replay::new();
        let (a, b) = (EntityId(1), EntityId(2));
        let mentions = [
            m("d", 0, "PERSON Jane Roe"),
            m("d", 1, "PERSON Roe"),
            m("d", 2, "PERSON J. Roe"),
            m("d", 3, "PERSON Jane Rowe"),
            m("d", 4, "PERSON Jane Rowe"),
        ];
        let mut events: Vec<Event> = mentions.into_iter().map(observed).collect();
        events.extend([created(a, "d:0"), linked("d:1", a)]);
        for event in events {
            // Asked after every event, so that a stale memo would be seen at once.
            assert_tokens_current(replay.apply(event));
        }
        let names = |state: &State, id: EntityId| state.read_entity_tokens(id, EntityTokens::names).unwrap();
        assert_eq!(names(&replay.state, a), 2);
        assert_tokens_current(replay.apply(created(b, "d:2")));
        assert_tokens_current(replay.apply(merged(a, b)));
        assert_eq!(names(&replay.state, b), 3, "an absorbed id gives its survivor's names");
        let state = replay.apply(split(a, b, &["d:2"]));
        assert_tokens_current(state);
        assert_eq!(names(state, a), 2);
        assert_eq!(names(state, b), 1);
        // A name of as many words seen more often becomes the canonical one, which was
        // remembered before the count changed.
        assert_eq!(state.entity_name(a), "Jane Roe");
        for n in [3, 4] {
            assert_tokens_current(replay.apply(linked(&format!("d:{n}"), a)));
        }
        assert_eq!(replay.state.entity_name(a), "Jane Rowe");
        // A name seen again under a more specific kind refines the entity: its tokens carry the
        // kind, so they are made again.
        let c = EntityId(3);
        let created_other =
            Event::EntityCreated { entity: c, mention_id: "e:0".into(), kind: Kind::Other, decision: decision() };
        for event in [observed(m("e", 0, "OTHER Okafor")), observed(m("e", 1, "PERSON Okafor")), created_other] {
            assert_tokens_current(replay.apply(event));
        }
        assert_eq!(replay.state.read_entity_tokens(c, |t| t.kind), Some(Kind::Other));
        assert_tokens_current(replay.apply(linked("e:1", c)));
        assert_eq!(replay.state.read_entity_tokens(c, |t| t.kind), Some(Kind::Person));
    }

    #[test]
    fn the_entities_of_a_document_follow_its_mentions_as_they_are_linked_merged_and_moved() {
        let mut replay = Replay::new();
        // Asked after every event (a stale memo also fails the check in `doc_entities` itself in
        // debug builds), resolved as the resolver reads them.
        let mut apply = |event: Event| -> Vec<EntityId> {
            let state = replay.apply(event);
            let ids = state.doc_entities("d").unwrap_or_default();
            let mut resolved: Vec<EntityId> = ids.iter().map(|id| state.resolve(*id)).collect();
            resolved.sort_unstable();
            resolved.dedup();
            resolved
        };
        assert_eq!(apply(document("d")), []);
        for n in 0..3 {
            assert_eq!(apply(observed(m("d", n, "PERSON Jane Roe"))), []);
        }
        let (a, b, c) = (EntityId(1), EntityId(2), EntityId(3));
        assert_eq!(apply(created(a, "d:0")), [a]);
        assert_eq!(apply(created(b, "d:1")), [a, b], "a mention linked after the document was asked about");
        assert_eq!(apply(linked("d:2", b)), [a, b]);
        assert_eq!(apply(merged(a, b)), [a], "merges are followed");
        assert_eq!(apply(split(a, c, &["d:2"])), [a, c], "a mention moved to another entity");
    }

    #[test]
    fn the_latest_documents_of_an_entity_follow_its_mentions_as_they_are_linked_merged_and_moved() {
        let mut replay = Replay::new();
        // Asked after every change (a stale memo also fails the check in `entity_docs` itself in
        // debug builds).
        let docs = |state: &State, id: EntityId| -> Vec<String> { state.entity_docs(id).unwrap_or_default().to_vec() };
        for doc_id in ["d1", "d2"] {
            replay.apply(document(doc_id));
        }
        for mention in [m("d1", 0, "PERSON Jane Roe"), m("d2", 0, "PERSON Jane Roe"), m("d2", 1, "PERSON Roe")] {
            replay.apply(observed(mention));
        }
        let (a, b, c) = (EntityId(1), EntityId(2), EntityId(3));
        assert_eq!(docs(replay.apply(created(a, "d1:0")), a), ["d1"]);
        assert_eq!(docs(replay.apply(created(b, "d2:0")), b), ["d2"]);
        assert_eq!(docs(replay.apply(linked("d2:1", a)), a), ["d2", "d1"], "a new mention's document comes first");
        let mut merged_docs = docs(replay.apply(merged(a, b)), b);
        merged_docs.sort();
        assert_eq!(merged_docs, ["d1", "d2"], "an absorbed id gives its survivor's documents");
        let state = replay.apply(split(a, c, &["d1:0"]));
        assert_eq!(docs(state, a), ["d2"], "a moved mention's document goes with it");
        assert_eq!(docs(state, c), ["d1"]);
    }

    #[test]
    fn an_entitys_latest_documents_are_those_of_its_latest_mentions_as_its_mentions_pass_the_bound() {
        // A hundred mentions in documents of their own, then a hundred in one document: the
        // latest ENTITY_DOCS_MENTIONS_MAX mentions reach back to the 28 last of the first
        // hundred's documents, not further, and fewer than ENTITY_DOCS_MAX documents are given.
        let mut replay = Replay::new();
        let a = EntityId(1);
        let doc_of = |i: u32| if i < 100 { format!("a{i}") } else { "z".to_string() };
        let mut asked = Vec::new();
        for i in 0..200u32 {
            let doc = doc_of(i);
            if i <= 100 {
                replay.apply(document(&doc));
            }
            replay.apply(observed(m(&doc, i, "PERSON Jane Roe")));
            let mention_id = format!("{doc}:{i}");
            let state = replay.apply(if i == 0 { created(a, &mention_id) } else { linked(&mention_id, a) });
            // Asked as the mentions come, so that the remembered list is carried along.
            asked = state.entity_docs(a).unwrap().to_vec();
        }
        assert_eq!(ENTITY_DOCS_MENTIONS_MAX, 128, "the expectation below counts on this bound");
        let expected: Vec<String> =
            std::iter::once("z".to_string()).chain((72..100).rev().map(|i| format!("a{i}"))).collect();
        assert_eq!(asked, expected, "carried along mention by mention");
        let fresh = replay.state.clone();
        assert_eq!(fresh.entity_docs(a).unwrap().to_vec(), expected, "made from the mentions");
    }

    #[test]
    fn entity_names_are_the_entities_names_live_on_a_base_and_on_changes_to_a_base() {
        let rules = Arc::new(Rules::default_rules());
        let resolve = |state: &mut State, doc: &str, specs: &[&str]| {
            let mentions = specs.iter().enumerate().map(|(n, spec)| m(doc, u32::try_from(n).unwrap(), spec)).collect();
            let content_hash = crate::event::content_hash(doc.as_bytes());
            let document = Event::DocumentIngested {
                doc_id: doc.into(),
                content_hash,
                source: String::new(),
                text: String::new(),
            };
            crate::resolver::ingest(state, state.last_seq() + 1, Some(document), mentions);
        };
        let names_of = |state: &State| -> Vec<(EntityId, Kind, Vec<String>)> {
            state.entity_names().map(|e| (e.id, e.kind, e.names.iter().map(|n| (*n).to_string()).collect())).collect()
        };
        let from_entities = |state: &State| -> Vec<(EntityId, Kind, Vec<String>)> {
            state
                .entities()
                .map(|e| (e.id, e.kind, e.names.keys().chain(e.role_phrases.keys()).map(ToString::to_string).collect()))
                .collect()
        };
        let mut state = State::new(Arc::clone(&rules));
        resolve(&mut state, "a", &["PERSON Jane Roe", "ORG Foreign Office (FO)", "GPE United States"]);
        resolve(&mut state, "b", &["PERSON Roe", "PERSON Ann Blue", "ORG FO"]);
        let live = names_of(&state);
        assert_eq!(live, from_entities(&state), "live");
        assert!(live.len() >= 4 && live.iter().any(|(_, _, names)| names.len() > 1), "{live:?}");
        let base = crate::image::Base::new(Box::new(state.image().encode())).expect("an image's archive validates");
        let mut on_base = State::on_base(Arc::clone(&rules), Arc::new(base));
        assert_eq!(names_of(&on_base), live, "on a base");
        // A new spelling of an archived entity (its row now the overlay's), and new entities.
        resolve(&mut on_base, "c", &["PERSON Jane A. Roe", "PERSON Cy Black", "GPE Lima"]);
        let changed = names_of(&on_base);
        assert_eq!(changed, from_entities(&on_base), "on changes to a base");
        assert_ne!(changed, live);
        // An archived entity merged into another: gone from the names too.
        let persons: Vec<EntityId> = live.iter().filter(|(_, k, _)| *k == Kind::Person).map(|(id, ..)| *id).collect();
        let seq = on_base.last_seq() + 1;
        on_base.apply(seq, &merged(persons[0], persons[1]));
        let after = names_of(&on_base);
        assert_eq!(after, from_entities(&on_base), "after a merge on a base");
        assert!(!after.iter().any(|(id, ..)| *id == persons[1]), "{after:?}");
    }

    #[test]
    fn a_mentions_link_is_the_same_live_in_an_image_and_on_a_base_wherever_it_is_kept() {
        let rebased = |state: &State| {
            let base = crate::image::Base::new(Box::new(state.image().encode())).expect("an image's archive validates");
            State::on_base(Arc::new(Rules::default_rules()), Arc::new(base))
        };
        let (a, c, d) = (EntityId(1), EntityId(3), EntityId(4));
        let mut replay = Replay::new();
        replay.apply(document("d"));
        replay.apply(observed(m("d", 0, "PERSON Jane Roe")));
        replay.apply(created(a, "d:0"));
        replay.apply(observed(m("d", 1, "PERSON Jane Roe")));
        replay.apply(linked("d:1", a));
        // A hand-made log: a split names mentions not yet observed; x:9 is observed after it,
        // y:5 only once the state stands on an archive.
        replay.apply(split(a, c, &["d:1", "x:9", "y:5"]));
        replay.apply(document("x"));
        let state = replay.apply(observed(m("x", 9, "PERSON Jane Roe")));
        let ids = ["d:0", "d:1", "x:9", "y:5", "z:0"];
        let links = |state: &State| -> Vec<Option<EntityId>> { ids.iter().map(|m| state.linked_id(m)).collect() };
        let image_links = |state: &State| state.image().mention_entity;
        let as_image = |links: &[Option<EntityId>]| -> Vec<(String, EntityId)> {
            ids.iter().zip(links).filter_map(|(m, e)| Some((m.to_string(), (*e)?))).collect()
        };
        let mut want = vec![Some(a), Some(c), Some(c), Some(c), None];
        assert_eq!(links(state), want, "live");
        assert_eq!(image_links(state), as_image(&want), "in the image, once each, in id order");
        let mut on_base = Replay { state: rebased(state), seq: replay.seq };
        assert_eq!(links(&on_base.state), want, "on a base");
        // On the base: y:5 observed at last (its link is the archive's), a mention of the
        // archive observed again, then both of them and one more linked again.
        on_base.apply(document("y"));
        on_base.apply(observed(m("y", 5, "PERSON Jane Roe")));
        let state = on_base.apply(observed(m("d", 0, "PERSON Jane Roe")));
        assert_eq!(links(state), want, "observed on a base, linked as in the archive");
        let state = on_base.apply(split(c, d, &["d:1", "y:5"]));
        want[1] = Some(d);
        want[3] = Some(d);
        assert_eq!(links(state), want, "linked again on a base");
        assert_eq!(image_links(state), as_image(&want), "the image of a base and its changes, once each");
        assert_eq!(links(&rebased(state)), want, "on the base of a base");
    }

    #[test]
    fn a_name_given_again_after_a_split_took_its_mentions_away_lists_the_entity_under_its_keys_again() {
        let mut replay = Replay::new();
        replay.apply(document("d"));
        for mention in [m("d", 0, "PERSON Roe"), m("d", 1, "PERSON Jane Roe"), m("d", 2, "PERSON Jane Roe")] {
            replay.apply(observed(mention));
        }
        let (a, c) = (EntityId(1), EntityId(3));
        let full_name = format!("{}jane roe", key::NAME);
        replay.apply(created(a, "d:0"));
        assert_eq!(replay.apply(linked("d:1", a)).candidates(&full_name), [a]);
        let state = replay.apply(split(a, c, &["d:1"]));
        assert_eq!(state.candidates(&full_name), [c], "the split took the full name to the child");
        let state = replay.apply(linked("d:2", a));
        assert_eq!(state.candidates(&full_name), [c, a], "the name given again lists the parent again");
    }

    #[test]
    fn merged_ids_follow_their_survivor_live_and_on_a_base_and_a_split_child_is_itself_again() {
        let rebased = |state: &State| {
            let base = crate::image::Base::new(Box::new(state.image().encode())).expect("an image's archive validates");
            State::on_base(Arc::new(Rules::default_rules()), Arc::new(base))
        };
        let replay_of = |ids: &[EntityId]| {
            let mut replay = Replay::new();
            replay.apply(document("d"));
            for (i, entity) in (0..).zip(ids) {
                replay.apply(observed(m("d", i, "PERSON Jane Roe")));
                replay.apply(created(*entity, &format!("d:{i}")));
            }
            replay
        };
        let (a, b, c) = (EntityId(1), EntityId(2), EntityId(3));
        let mut replay = replay_of(&[a, b, c]);
        replay.apply(merged(b, c));
        let state = replay.apply(merged(a, b));
        let follows = |state: &State| [a, b, c].map(|id| state.resolve(id));
        assert_eq!(follows(state), [a; 3], "merges followed");
        replay.state = rebased(state);
        assert_eq!(follows(&replay.state), [a; 3], "merges followed on a base");
        let state = replay.apply(split(a, b, &["d:1"]));
        assert_eq!(follows(state), [a, b, b], "the child lives again, and what merged into it follows it");
        assert_eq!(state.resolve(EntityId(99)), EntityId(99), "an id never merged is itself");

        // An id past what the bits hold: looked up, live and on a base.
        let far = EntityId(IdBits::LIMIT + 7);
        let mut replay = replay_of(&[a, far]);
        let state = replay.apply(merged(a, far));
        assert_eq!(state.resolve(far), a, "merges followed, past the ids the bits hold too");
        assert_eq!(rebased(state).resolve(far), a, "merges followed on a base");
    }
}
