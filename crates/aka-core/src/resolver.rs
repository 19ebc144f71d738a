//! The resolver: `decide` holds every rule. Given the state and one observed mention it returns
//! the decision events (a link, a new entity, merges), each naming its rule, score and evidence.
//! The cascade runs in order of precision: exact name, acronym and alias, unique role,
//! name containment, fuzzy name; no candidate means a new entity. Candidates come only from
//! blocking keys, never from a scan.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use strsim::{jaro_winkler, normalized_levenshtein};

use crate::attrs::{Profile, Weighed, is_record, weigh};
use crate::entity::Entity;
use crate::event::{Decision, EntityId, Event, RuleName};
use crate::idbits::IdBits;
use crate::memo::DocNumber;
use crate::mention::{Form, Kind, Mention, Role, Tense};
use crate::normalize::{
    acronym_form, given_names_match, has_short_forms, initials, is_acronym, mention_acronym, name_key,
};
use crate::rules::AttrKind;
use crate::state::{ANY_QUALIFIER, State, fuzzy_key, key, role_key};
use crate::tokens::{CanonicalTokens, EntityTokens, NameTokens, first_bytes};

/// The order in which a document's mentions are resolved: names of organisations and places
/// first (so that role qualifiers can be found), then other names, then role-only mentions;
/// within each group longer names first (so that a short form meets the full name of its
/// document), then text order. A batch of several documents is resolved document by
/// document, in the order they first appear. Returns indices into `mentions`.
pub fn resolution_order(mentions: &[Mention]) -> Vec<usize> {
    // A batch of several documents (records, each its own) keeps its documents in the order
    // given, each resolved on its own.
    let mut docs: BTreeMap<&str, usize> = BTreeMap::new();
    for m in mentions {
        let next = docs.len();
        docs.entry(m.doc_id.as_str()).or_insert(next);
    }
    let group = |m: &Mention| match (m.form, m.kind) {
        (Form::RoleOnly, _) => 3,
        (Form::Description, _) => 2,
        (Form::Name, Kind::Person | Kind::Other) => 1,
        (Form::Name, _) => 0,
    };
    let words = |m: &Mention| match m.form {
        Form::RoleOnly | Form::Description => 0,
        Form::Name => m.name_text().split_whitespace().count(),
    };
    let mut order: Vec<usize> = (0..mentions.len()).collect();
    // Each key made once, not at every comparison: a document has dozens of mentions.
    order.sort_by_cached_key(|&i| {
        let m = &mentions[i];
        (docs[m.doc_id.as_str()], group(m), std::cmp::Reverse(words(m)), m.start, m.end, i)
    });
    order
}

/// Resolves one document (or one batch of upstream mentions) against `state`: applies the
/// document event and the mention observations, then decides each mention in
/// [`resolution_order`] and applies the decisions as it goes. Returns every event in log order;
/// event `i` has sequence number `first_seq + i`. The caller appends them atomically; if that
/// fails, the caller must rebuild the state from the log, since `state` already holds them.
pub fn ingest(state: &mut State, first_seq: u64, document: Option<Event>, mentions: Vec<Mention>) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::with_capacity(1 + mentions.len() * 2);
    let push = |state: &mut State, events: &mut Vec<Event>, event: Event| {
        let seq = first_seq + u64::try_from(events.len()).expect("a batch fits in u64");
        state.apply(seq, &event);
        events.push(event);
    };
    if let Some(document) = document {
        push(state, &mut events, document);
    }
    let order = resolution_order(&mentions);
    // The mentions move into their events, whose mentions the state's rows share (a record's
    // attributes are not copied), and are read back from there.
    let observed_at = events.len();
    for mention in mentions {
        push(state, &mut events, Event::MentionObserved { mention: Arc::new(mention) });
    }
    let mut context = DocContext::default();
    let mut previous: Option<usize> = None;
    for index in order {
        let at = observed_at + index;
        // What one document resolved says nothing about the names of another.
        if previous.is_none_or(|p| observed(&events, p).doc_id != observed(&events, at).doc_id) {
            context = DocContext::default();
        }
        previous = Some(at);
        let decided = decide_in(state, &context, observed(&events, at));
        for event in decided {
            push(state, &mut events, event);
        }
        let mention = observed(&events, at);
        if let Some(entity) = state.linked_id(&mention.mention_id) {
            context.add(state, mention, entity);
        }
    }
    events
}

/// The mention of event `at`, a [`Event::MentionObserved`] of [`ingest`]'s own making.
fn observed(events: &[Event], at: usize) -> &Mention {
    match &events[at] {
        Event::MentionObserved { mention } => mention,
        other => unreachable!("event {at} of the batch is {other:?}, not the mention observed there"),
    }
}

/// The names a document has resolved so far, for the mentions that follow in it: within one
/// document a short form ("Okoye", "the Saints") means the one named in full there.
#[derive(Debug, Default)]
pub struct DocContext {
    /// Name tokens, kind and entity of each resolved named mention.
    names: Vec<(Arc<[String]>, Kind, EntityId)>,
    /// Last name token → indices into `names`.
    by_last: BTreeMap<String, Vec<usize>>,
    /// First name token → indices into `names`.
    by_first: BTreeMap<String, Vec<usize>>,
}

impl DocContext {
    /// Records that `mention` resolved to `entity`.
    pub fn add(&mut self, state: &State, mention: &Mention, entity: EntityId) {
        if mention.form != Form::Name || mention_acronym(mention).is_some() {
            return;
        }
        let tokens = state.mention_tokens(mention);
        let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else { return };
        let index = self.names.len();
        self.by_last.entry(last.clone()).or_default().push(index);
        self.by_first.entry(first.clone()).or_default().push(index);
        self.names.push((tokens, mention.kind, entity));
    }
}

/// A link the cascade found.
struct Found {
    /// Other entities the mention shows to be the same one: merged into it.
    also: Vec<(EntityId, String)>,
    entity: EntityId,
    rule: RuleName,
    score: f64,
    evidence: Vec<String>,
}

/// Decides what an observed mention (already applied to `state`) refers to, with no other
/// mention of its document resolved.
pub fn decide(state: &State, mention: &Mention) -> Vec<Event> {
    decide_in(state, &DocContext::default(), mention)
}

/// Decides what an observed mention (already applied to `state`) refers to, given the names
/// its document has resolved before it.
pub fn decide_in(state: &State, context: &DocContext, mention: &Mention) -> Vec<Event> {
    let found = match mention.form {
        Form::Name if is_record(state.rules(), mention) => resolve_record(state, mention),
        Form::Name => resolve_name(state, context, mention),
        Form::RoleOnly => resolve_role_only(state, context, mention),
        Form::Description => resolve_description(state, mention),
    };
    let rules = state.rules().hash.clone();
    let mut events = Vec::new();
    let mut also = Vec::new();
    let entity = match found {
        Ok(found) => {
            also = found.also;
            events.push(Event::MentionLinked {
                mention_id: mention.mention_id.clone(),
                entity: found.entity,
                decision: Decision {
                    rule: found.rule,
                    score: found.score,
                    evidence: found.evidence,
                    rules: rules.clone(),
                },
            });
            found.entity
        }
        Err(evidence) => {
            let entity = state.next_entity_id();
            events.push(Event::EntityCreated {
                entity,
                mention_id: mention.mention_id.clone(),
                kind: mention.kind,
                decision: Decision { rule: RuleName::NewEntity, score: 1.0, evidence, rules: rules.clone() },
            });
            entity
        }
    };
    if mention.form == Form::Name {
        events.extend(absorb_role_only_holders(state, mention, entity, &rules));
    }
    for (other, why) in also {
        let (survivor, absorbed) = if other < entity { (other, entity) } else { (entity, other) };
        events.push(Event::EntitiesMerged {
            survivor,
            absorbed,
            decision: Decision { rule: RuleName::RecordMatch, score: 1.0, evidence: vec![why], rules: rules.clone() },
        });
    }
    events
}

fn resolve_name(state: &State, context: &DocContext, m: &Mention) -> Result<Found, Vec<String>> {
    let tokens = state.mention_tokens(m);
    if tokens.is_empty() {
        return Err(vec![format!("{:?} has no name tokens", m.name_text())]);
    }
    let key = tokens.join(" ");
    // Capitals spell an acronym unless the name is known written as a word ("CHIEFS" in a
    // headline, "Chiefs" in the text).
    let is_acronym = mention_acronym(m).is_some() && !known_as_word(state, &key);
    if !is_acronym && let Some(found) = same_document(state, context, m, &tokens) {
        return Ok(found);
    }
    // A lone name of a person is a surname or a given name: decided by containment below, so
    // that two known people it fits keep it apart. A lone name of unknown kind is taken the
    // same way when the entity it names exactly is a person.
    // A lone name of a person looks for its exact name only if containment finds no one.
    let deferred = tokens.len() == 1 && m.kind == Kind::Person;
    let mut exact_found = if deferred { None } else { exact(state, m, &key) };
    let lone_person = tokens.len() == 1
        && (m.kind == Kind::Person
            || (m.kind == Kind::Other
                && exact_found
                    .as_ref()
                    .is_some_and(|f| state.entity_summary(f.entity).is_some_and(|(kind, _)| kind == Kind::Person))));
    if !lone_person && let Some(found) = exact_found.take() {
        return Ok(found);
    }
    if let Some(found) = acronym(state, context, m) {
        return Ok(found);
    }
    if is_acronym || !(m.kind.compatible(Kind::Person) || m.kind == Kind::Org) {
        return Err(vec![format!("no entity named {key:?}")]);
    }
    match containment(state, context, m, &tokens) {
        Containment::One(found) => return Ok(found),
        Containment::Ambiguous(evidence) => return Err(evidence),
        Containment::None => {}
    }
    if lone_person && let Some(found) = exact_found.or_else(|| if deferred { exact(state, m, &key) } else { None }) {
        return Ok(found);
    }
    if !m.kind.compatible(Kind::Person) {
        return Err(vec![format!("no entity named {key:?}")]);
    }
    fuzzy(state, m, &tokens).ok_or_else(|| vec![format!("no entity named like {key:?}")])
}

/// A record with attributes: the candidates its blocking keys give (those sharing the most keys
/// first, at most `records.candidates_max`) are weighed attribute by attribute
/// ([`crate::attrs::weigh`]); the best whose weight reaches `records.link_min` and that no
/// conflict vetoes takes it. No candidate reaching it means a new entity.
fn resolve_record(state: &State, m: &Mention) -> Result<Found, Vec<String>> {
    let rules = state.rules();
    let attrs = state.known_attrs(m);
    let name = state.mention_tokens(m).join(" ");
    // Each entity listed under the record's keys, once per key: counted by sorting.
    let mut listed: Vec<EntityId> = Vec::new();
    for key in state.record_keys(m).iter() {
        state.candidates_into(key, &mut listed);
    }
    listed.sort_unstable();
    // One key in common (a frequent surname, a postcode) is what unrelated records share; two
    // or more is a candidate worth weighing. Those are ranked (the most keys in common first,
    // then by id); most listed entities share one key only and are not ranked at all.
    let mut ranked: Vec<(EntityId, usize)> = Vec::new();
    for run in listed.chunk_by(|a, b| a == b) {
        if run.len() >= rules.records.shared_keys_min {
            ranked.push((run[0], run.len()));
        }
    }
    ranked.sort_unstable_by_key(|&(id, count)| (std::cmp::Reverse(count), id));
    let link_min = rules.records.link_min;
    let with_names = !attrs.iter().any(|a| a.rule.kind == AttrKind::Name);
    // Each candidate weighed, with the profile it was weighed against (for the evidence).
    let mut weighed: Vec<(EntityId, Weighed, Profile)> = Vec::new();
    let ids: Vec<EntityId> = ranked.into_iter().take(rules.records.candidates_max).map(|(id, _)| id).collect();
    for id in ids {
        let Some(entity) = state.entity(id).filter(|e| e.kind.compatible(m.kind)) else { continue };
        let profile = Profile::of(state, &entity, with_names);
        weighed.push((id, weigh(rules, &attrs, &name, &profile), profile));
    }
    let best = weighed.iter().filter(|(_, w, _)| !w.vetoed && w.score >= link_min).fold(
        None::<&(EntityId, Weighed, Profile)>,
        |best, candidate| match best {
            Some((_, b, _)) if b.score >= candidate.1.score => best,
            _ => Some(candidate),
        },
    );
    if let Some((entity, w, profile)) = best {
        let entity = *entity;
        let mut evidence = vec![format!(
            "attributes weigh {:.1} for {entity} {:?}, at least {link_min:.1}",
            w.score,
            state.entity_name(entity)
        )];
        evidence.extend(w.explain(&attrs, &name, profile).evidence);
        // Every other candidate the record matches as well is the same one: records link
        // transitively, as pairs that each clear the bar do.
        let also = weighed
            .iter()
            .filter(|(id, w, _)| {
                *id != entity && !w.vetoed && w.score >= link_min && state.judged_different(*id, entity).is_none()
            })
            .map(|(id, w, _)| {
                let why = format!(
                    "{:?} ({}) weighs {:.1} for {id} too, at least {link_min:.1}: {id} is {entity}",
                    name, m.mention_id, w.score
                );
                (*id, why)
            })
            .collect();
        return Ok(Found { also, entity, rule: RuleName::RecordMatch, score: w.score, evidence });
    }
    if weighed.is_empty() {
        return Err(vec![format!(
            "no entity of a compatible kind shares {} blocking keys with {name:?}",
            rules.records.shared_keys_min
        )]);
    }
    // The closest refused candidate, and why; the next ones by their weight.
    weighed.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
    let mut evidence: Vec<String> = Vec::new();
    if let Some((id, w, profile)) = weighed.first() {
        let score = w.score;
        let explained = w.explain(&attrs, &name, profile);
        evidence.push(match &explained.veto {
            Some(veto) => format!("{id} weighs {score:.1} but is vetoed: {veto}"),
            None => format!("{id} weighs {score:.1}, under {link_min:.1}"),
        });
        evidence.extend(explained.evidence.into_iter().map(|line| format!("  {line}")));
    }
    let others: Vec<String> = weighed
        .iter()
        .skip(1)
        .take(4)
        .map(|(id, w, _)| format!("{id} {:.1}{}", w.score, if w.vetoed { " (vetoed)" } else { "" }))
        .collect();
    if !others.is_empty() {
        evidence.push(format!("next: {}{}", others.join(", "), if weighed.len() > 5 { ", ..." } else { "" }));
    }
    Err(evidence)
}

/// Whether name tokens joined by spaces are `key`.
fn tokens_spell<'a>(tokens: impl IntoIterator<Item = &'a str>, key: &str) -> bool {
    let mut rest = key;
    for (i, token) in tokens.into_iter().enumerate() {
        if i > 0 {
            let Some(after) = rest.strip_prefix(' ') else { return false };
            rest = after;
        }
        let Some(after) = rest.strip_prefix(token) else { return false };
        rest = after;
    }
    rest.is_empty()
}

/// Whether an entity is named `key` written as a word, not in capitals.
fn known_as_word(state: &State, key: &str) -> bool {
    state.candidates(&format!("{}{key}", key::NAME)).into_iter().any(|id| {
        let Some(entity) = state.entity(id) else { return false };
        // Spelling first, of the distinct names: it fails at the first token for nearly every
        // name of a popular entity, where the capitals would be counted in each.
        let spelling = |names: &EntityTokens| names.names_where(|tokens| tokens_spell(tokens.iter(), key));
        let spelling = state.read_entity_tokens(id, spelling).unwrap_or_default();
        let mut names = entity.names.keys().enumerate();
        spelling.iter().any(|place| names.find(|(at, _)| at == place).is_some_and(|(_, n)| !is_acronym(n)))
    })
}

/// A name that a mention earlier in the same document gives in full or in short: for a
/// person, the same last name with the tokens in order ("Okoye" after "Jamal Okoye") or a
/// lone first name; for an organisation the same last words ("Saints" after "New Orleans
/// Saints"); for a place only the same name ("Kashmir" is not "Norland-held Kashmir"). Only
/// when exactly one entity of the document fits.
fn same_document(state: &State, context: &DocContext, m: &Mention, tokens: &[String]) -> Option<Found> {
    let (first, last) = (tokens.first()?, tokens.last()?);
    let lone = tokens.len() == 1;
    let mut indices: BTreeSet<usize> = context.by_last.get(last).into_iter().flatten().copied().collect();
    if m.kind == Kind::Person && lone {
        indices.extend(context.by_first.get(first).into_iter().flatten().copied());
    }
    // Keyed by the entity now; the value keeps the id the name was linked to, so that a split
    // can give this mention back with it.
    let mut fits: BTreeMap<EntityId, (&[String], EntityId)> = BTreeMap::new();
    for index in indices {
        let (other, kind, entity) = &context.names[index];
        if !kind.compatible(m.kind) {
            continue;
        }
        let fits_name = match kind.refine(m.kind) {
            Kind::Person => {
                (other.last() == Some(last)
                    && (tokens_fit(tokens, other.iter(), false) || tokens_fit(other.iter(), tokens, false)))
                    || (m.kind == Kind::Person && lone && other.len() > 1 && other.first() == Some(first))
            }
            Kind::Org => other.ends_with(tokens) || tokens.ends_with(other),
            _ => **other == *tokens,
        };
        // A full name fits a short form named earlier only if it also fits the full names of
        // the entity that short form went to: "Ingrid Wirth" is not "Wirth" when that "Wirth"
        // is "Omar Wirth".
        if fits_name && (other.len() >= tokens.len() || full_names_admit(state, state.resolve(*entity), tokens)) {
            fits.insert(state.resolve(*entity), (other, *entity));
        }
    }
    if fits.len() != 1 {
        return None;
    }
    let (live, (other, entity)) = fits.into_iter().next()?;
    if !state.entity_summary(live).is_some_and(|(kind, _)| kind.compatible(m.kind)) {
        return None;
    }
    let (short, long) =
        if tokens.len() <= other.len() { (tokens.len(), other.len()) } else { (other.len(), tokens.len()) };
    let evidence = vec![format!(
        "{} fits {}, named earlier in document {}, and no other name there",
        Quoted(&tokens.join(" ")),
        Quoted(&other.join(" ")),
        Quoted(&m.doc_id)
    )];
    Some(Found { also: Vec::new(), entity, rule: RuleName::SameDocument, score: ratio(short, long), evidence })
}

/// Whether `tokens` (a name of several words) fits one of the entity's names of several words,
/// or the entity has none.
fn full_names_admit(state: &State, id: EntityId, tokens: &[String]) -> bool {
    let last = tokens.last().map(String::as_str);
    let admit = |names: &EntityTokens| {
        !names.has_full_name()
            || names.distinct().filter(|n| n.len() > 1).any(|n| {
                last.is_some_and(|last| n.last_is(last))
                    && (tokens_fit(tokens, n.byte_tokens(), false) || tokens_fit(n.byte_tokens(), tokens, false))
            })
    };
    state.read_entity_tokens(id, admit).unwrap_or(false)
}

/// Exact normalised name or a name the document gave as an alias.
fn exact(state: &State, m: &Mention, key: &str) -> Option<Found> {
    let rules = state.rules();
    let mut keys = vec![(key.to_string(), RuleName::ExactName)];
    for alias in &m.aliases {
        let alias = name_key(alias, rules);
        if !alias.is_empty() && alias != key {
            keys.push((alias, RuleName::AcronymAlias));
        }
    }
    for (k, rule) in keys {
        if let Some(entity) = best_named(state, m, state.candidates(&format!("{}{k}", key::NAME))) {
            let name = state.entity_name(entity);
            let evidence = vec![format!("name {} is a name of {entity} {}", Quoted(&k), Quoted(&name))];
            return Some(Found { also: Vec::new(), entity, rule, score: 1.0, evidence });
        }
    }
    None
}

/// An acronym matched to an entity's initials, or a full name whose initials are an acronym
/// the entity is known by.
fn acronym(state: &State, context: &DocContext, m: &Mention) -> Option<Found> {
    if m.kind == Kind::Person {
        return None;
    }
    if let Some(acr) = acronym_form(m.name_text()) {
        // Initials are shared by many names: only one known entity, or the one its document
        // names, can be meant.
        let mut candidates = compatible(state, m, state.candidates(&format!("{}{acr}", key::INITIALS)));
        if candidates.len() > 1 {
            candidates.retain(|id| context.names.iter().any(|(_, _, e)| state.resolve(*e) == *id));
        }
        let [entity] = candidates.as_slice() else { return None };
        let entity = *entity;
        let name = state.entity_name(entity);
        let evidence = vec![format!("{:?} spells the initials of {entity} {name:?}", m.name_text())];
        return Some(Found { also: Vec::new(), entity, rule: RuleName::AcronymAlias, score: 1.0, evidence });
    }
    for ini in initials(m.name_text()) {
        let spells = |e: &Entity| e.names.keys().any(|n| acronym_form(n).as_deref() == Some(&ini));
        if let Some(entity) = best(state, m, state.candidates(&format!("{}{ini}", key::INITIALS)), spells) {
            let evidence = vec![format!("the initials of {:?} spell {ini:?}, a name of {entity}", m.name_text())];
            return Some(Found { also: Vec::new(), entity, rule: RuleName::AcronymAlias, score: 1.0, evidence });
        }
    }
    None
}

enum Containment {
    None,
    One(Found),
    Ambiguous(Vec<String>),
}

/// A person's name whose tokens are an ordered part of a known person's name, or the other way
/// round, with the same last token: "Roe", "Okafor Mensah", "Amara Mensah", "J. Roe", "Fred
/// Roe" for "Frederick Roe". An organisation's name that ends another's: "Saints" for "New
/// Orleans Saints".
fn containment(state: &State, context: &DocContext, m: &Mention, tokens: &[String]) -> Containment {
    let Fits { fits, more } = containment_fits(state, m, tokens);
    if more {
        // More fit than the company they keep can tell apart, and the mention gives no role.
        return Containment::Ambiguous(vec![format!(
            "{:?} fits more than {CO_MENTION_FITS_MAX} known names, among them {}, and gives no role: kept apart",
            tokens.join(" "),
            listed(state, &fits)
        )]);
    }
    match fits.as_slice() {
        [] => Containment::None,
        [(entity, full)] => {
            let (short, long) =
                if tokens.len() <= full.len() { (tokens.len(), full.len()) } else { (full.len(), tokens.len()) };
            let evidence = vec![format!(
                "{:?} and {:?} share the tokens in order and the last name",
                tokens.join(" "),
                full.joined(state, *entity)
            )];
            Containment::One(Found {
                also: Vec::new(),
                entity: *entity,
                rule: RuleName::NameContainment,
                score: ratio(short, long),
                evidence,
            })
        }
        _ => choose_among(state, context, m, tokens, &fits),
    }
}

/// A name of an entity that a mention's tokens fit: how many tokens it has, and where they
/// are among the entity's remembered tokens (read again only for the evidence).
struct Fit {
    len: usize,
    place: (usize, usize),
}

impl Fit {
    fn len(&self) -> usize {
        self.len
    }

    /// The name's tokens joined by spaces: `entity` is the one it is a name of, and the state
    /// the one it was found in.
    fn joined(&self, state: &State, entity: EntityId) -> String {
        state.read_entity_tokens(entity, |names| names.at(self.place).joined()).unwrap_or_default()
    }
}

/// The entities whose names a mention's tokens fit, each with the name it fits best.
struct Fits {
    fits: Vec<(EntityId, Fit)>,
    /// The scan stopped once more than [`CO_MENTION_FITS_MAX`] entities fitted by a name of
    /// several words and the mention gave no role: nothing but a role decides among so many,
    /// so the rest of a frequent surname's entities are not looked at.
    more: bool,
}

fn containment_fits(state: &State, m: &Mention, tokens: &[String]) -> Fits {
    let Some(last) = tokens.last() else { return Fits { fits: Vec::new(), more: false } };
    let org = m.kind == Kind::Org;
    let mask = first_bytes(tokens);
    // A person's name of several tokens, none of them a given name with short forms, fits
    // only names whose first bytes hold its own or are held by them, nicknames or not: a
    // candidate whose names cannot is passed over by what the memo holds beside them
    // (`EntityTokens::may_fit`), its names neither read nor brought to the cache.
    let by_firsts = !org && tokens.len() > 1 && !tokens.iter().any(|token| has_short_forms(token));
    let wanted = |entity_tokens: &EntityTokens| {
        entity_tokens.kind.compatible(m.kind)
            && org == (entity_tokens.kind == Kind::Org)
            && (!by_firsts || entity_tokens.may_fit(mask))
    };
    // Each fit with its candidate's index.
    let mut fits: Vec<(usize, EntityId, Fit)> = Vec::new();
    let mut full_fits = 0;
    // Entities known only by lone names fit only by a lone name, and such fits count only when
    // no one named in full fits: they are passed over by what the memo holds beside their
    // names, and their names read after the others', only if no one named in full fitted.
    let mut lone_only: Vec<usize> = Vec::new();
    let candidates = state.candidates(&format!("{}{last}", key::SURNAME));
    let named_in_full = |entity_tokens: &EntityTokens| wanted(entity_tokens) && entity_tokens.has_full_name();
    // The remembered tokens carry the kind: one lookup per candidate, not three.
    let more = state.read_each_entity_tokens(&candidates, named_in_full, |index, entity_tokens| {
        if !wanted(entity_tokens) {
            return ControlFlow::Continue(());
        }
        if !entity_tokens.has_full_name() {
            lone_only.push(index);
            return ControlFlow::Continue(());
        }
        let Some(full) = fit_of(entity_tokens, tokens, mask, org) else { return ControlFlow::Continue(()) };
        if full.len() > 1 {
            full_fits += 1;
        }
        fits.push((index, candidates[index], full));
        if full_fits > CO_MENTION_FITS_MAX && m.roles.is_empty() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let ids_and_fits = |fits: Vec<(usize, EntityId, Fit)>| fits.into_iter().map(|(_, id, fit)| (id, fit)).collect();
    // Entities known only by a lone name are such names kept apart before: the people named in
    // full are the ones to choose between.
    if more.is_some() || full_fits > 0 {
        fits.retain(|(_, _, full)| full.len() > 1);
        return Fits { fits: ids_and_fits(fits), more: more.is_some() };
    }
    // No one named in full fits: every fit counts, in the candidates' order.
    let lone_ids: Vec<EntityId> = lone_only.iter().map(|index| candidates[*index]).collect();
    state.read_each_entity_tokens(&lone_ids, wanted, |k, entity_tokens| {
        if let Some(fit) = fit_of(entity_tokens, tokens, mask, org) {
            fits.push((lone_only[k], lone_ids[k], fit));
        }
        ControlFlow::<()>::Continue(())
    });
    fits.sort_unstable_by_key(|(index, _, _)| *index);
    Fits { fits: ids_and_fits(fits), more: false }
}

/// The name of an entity (its tokens `entity_tokens`) that a mention's `tokens` fit best, if
/// one does; `mask` is the tokens' [`first_bytes`], made once for all the candidates.
fn fit_of(entity_tokens: &EntityTokens, tokens: &[String], mask: u64, org: bool) -> Option<Fit> {
    let last = tokens.last()?.as_str();
    let fitting = |nicknames: bool| {
        // A lone token fits every name that ends in it: the longest of them is known.
        if tokens.len() == 1 {
            return entity_tokens.longest_ending_with(last);
        }
        // A name of several words must fit one of the entity's names of several words, not
        // only a short one it was also called: "Salman Roe" does not fit an entity named
        // "Tariq Roe" and "Roe".
        let has_full = entity_tokens.has_full_name();
        entity_tokens
            .ending_with(last)
            .filter(|full| !has_full || full.len() > 1)
            .filter(|full| {
                if org {
                    // One ends the other: the shorter is the last words of the longer.
                    full.byte_tokens().rev().zip(tokens.iter().rev()).all(|(a, b)| a == b.as_bytes())
                } else {
                    // Without nicknames, tokens fit only tokens with their first bytes: the names
                    // whose first bytes neither hold the mention's nor are held by them are passed
                    // over without comparing a token.
                    let theirs = full.first_bytes();
                    (nicknames || mask & !theirs == 0 || theirs & !mask == 0)
                        && (tokens_fit(tokens, full.byte_tokens(), nicknames)
                            || tokens_fit(full.byte_tokens(), tokens, nicknames))
                }
            })
            .max_by_key(NameTokens::len)
    };
    // A given name's usual short form fits only when it fits every full name the entity has
    // ("Bill" is a short form of both "William" and "Robert": it does not join them).
    let by_nickname = || {
        let first = tokens.first().filter(|_| !org && tokens.len() > 1)?;
        let consistent = entity_tokens
            .distinct()
            .filter(|n| n.len() > 1)
            .all(|n| n.first().is_some_and(|given| token_fits(first, given, true)));
        if consistent { fitting(true) } else { None }
    };
    fitting(false).or_else(by_nickname).map(|n| Fit { len: n.len(), place: n.place() })
}

/// Several entities fit: a role the mention shares with one of them decides, else the company
/// they keep (the one the document's other entities appear with more); else none is guessed.
fn choose_among(
    state: &State,
    context: &DocContext,
    m: &Mention,
    tokens: &[String],
    fits: &[(EntityId, Fit)],
) -> Containment {
    // A mention without roles shares none: no entity need be looked up.
    let with_role: Vec<&(EntityId, Fit)> = fits
        .iter()
        .filter(|(id, _)| !m.roles.is_empty() && state.entity(*id).is_some_and(|e| shares_role(&m.roles, &e)))
        .collect();
    if let [(entity, full)] = with_role.as_slice() {
        let evidence = vec![
            format!("{:?} fits {} known names; a shared role decides", tokens.join(" "), fits.len()),
            format!("{:?} holds a role the mention gives", full.joined(state, *entity)),
        ];
        return Containment::One(Found {
            also: Vec::new(),
            entity: *entity,
            rule: RuleName::NameContainment,
            score: 0.5,
            evidence,
        });
    }
    let shared: Vec<Vec<EntityId>> = if fits.len() <= CO_MENTION_FITS_MAX {
        let here = Here::of(state, context);
        let ids: Vec<EntityId> = fits.iter().map(|(id, _)| *id).collect();
        co_mentioned(state, &here, &ids)
    } else {
        vec![Vec::new(); fits.len()]
    };
    let mut ranked: Vec<usize> = (0..fits.len()).collect();
    ranked.sort_by_key(|&i| std::cmp::Reverse(shared[i].len()));
    let (top, runner_up) = (shared[ranked[0]].len(), shared.get(ranked[1]).map_or(0, Vec::len));
    if top > runner_up {
        let (entity, full) = &fits[ranked[0]];
        let with: Vec<String> = shared[ranked[0]].iter().take(5).map(ToString::to_string).collect();
        let evidence = vec![
            format!("{:?} fits {} known names; the document's other entities decide", tokens.join(" "), fits.len()),
            format!(
                "{:?} appears with {top} of them ({}), the next fit with {runner_up}",
                full.joined(state, *entity),
                with.join(", ")
            ),
        ];
        let score = ratio(top, top + runner_up + 1);
        return Containment::One(Found {
            also: Vec::new(),
            entity: *entity,
            rule: RuleName::NameContainment,
            score,
            evidence,
        });
    }
    Containment::Ambiguous(vec![format!(
        "{:?} fits {} and no role or co-mentioned entity decides: kept apart",
        tokens.join(" "),
        listed(state, fits)
    )])
}

/// Fits as evidence names them: `E3 "jane roe", E7 "j roe"`, written in one string (a lone
/// surname at a large history fits many).
fn listed(state: &State, fits: &[(EntityId, Fit)]) -> String {
    use std::fmt::Write as _;
    let (mut out, mut name) = (String::new(), String::new());
    for (i, (id, full)) in fits.iter().enumerate() {
        name.clear();
        state.read_entity_tokens(*id, |names| names.at(full.place).join_into(&mut name));
        let separator = if i > 0 { ", " } else { "" };
        write!(out, "{separator}{id} {}", Quoted(&name)).expect("a String takes any write");
    }
    out
}

/// A string as `{:?}` writes it, quoted and escaped, without going through the escapes one
/// character at a time when it has nothing to escape (evidence quotes names all the time).
struct Quoted<'a>(&'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Printable ASCII but for the quote and the backslash is written as it is by `{:?}`.
        if self.0.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
            f.write_str("\"")?;
            f.write_str(self.0)?;
            f.write_str("\"")
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

/// Fits weighed by the company they keep at most; more fits than this stay apart.
const CO_MENTION_FITS_MAX: usize = 8;

/// The entities of the current document so far (merges followed), asked of every entity of
/// up to [`ENTITY_DOCS_MAX`](crate::state::ENTITY_DOCS_MAX) documents per fit: the bits
/// answer nearly every question, the set the few they cannot.
struct Here {
    ids: BTreeSet<EntityId>,
    bits: IdBits,
}

impl Here {
    fn of(state: &State, context: &DocContext) -> Here {
        let ids: BTreeSet<EntityId> = context.names.iter().map(|(_, _, e)| state.resolve(*e)).collect();
        let bits = ids.iter().copied().collect();
        Here { ids, bits }
    }

    fn contains(&self, id: EntityId) -> bool {
        self.bits.may_contain(id) && self.ids.contains(&id)
    }
}

/// For each of `ids`, the entities `here` (the current document's, so far) other than it that
/// also appear in its latest documents ([`State::entity_docs`], [`State::doc_entities`]:
/// bounded, so that a popular entity costs no more than a rare one). The documents of all of
/// them are read in one pass, a block at a time ([`State::read_each_doc_entities`]): at a large
/// history most were not asked about in a long while.
fn co_mentioned(state: &State, here: &Here, ids: &[EntityId]) -> Vec<Vec<EntityId>> {
    // Each document to read, and whose it is (an index in `ids`).
    let (mut docs, mut whose): (Vec<DocNumber>, Vec<usize>) = (Vec::new(), Vec::new());
    for (i, id) in ids.iter().enumerate() {
        if here.ids.iter().all(|e| e == id) {
            continue;
        }
        for doc in state.entity_doc_numbers(*id).iter().flat_map(|docs| docs.iter()) {
            docs.push(*doc);
            whose.push(i);
        }
    }
    let mut shared: Vec<BTreeSet<EntityId>> = vec![BTreeSet::new(); ids.len()];
    state.read_each_doc_entities(&docs, |k, entities| {
        let (i, id) = (whose[k], ids[whose[k]]);
        for other in entities.iter().map(|e| state.resolve(*e)) {
            if other != id && here.contains(other) {
                shared[i].insert(other);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    shared.into_iter().map(|set| set.into_iter().collect()).collect()
}

/// Close spellings of a person's name: Jaro-Winkler over the whole name and over the last name.
fn fuzzy(state: &State, m: &Mention, tokens: &[String]) -> Option<Found> {
    let (first, last) = (tokens.first()?, tokens.last()?);
    if tokens.len() < 2 {
        return None;
    }
    let rules = state.rules();
    let joined = tokens.join(" ");
    let mut best: Option<(f64, EntityId, String)> = None;
    let ids = compatible(state, m, state.candidates(&fuzzy_key(first, last)));
    // Each candidate's canonical name, as tokens: read a block at a time, their misses
    // overlapping (a fuzzy step at a large history compares names not read in a long while),
    // but only of names of two tokens or more starting with the mention's first character:
    // the others are passed over by what the memo holds beside the name.
    let first_char = first.chars().next();
    let wanted = |full: &CanonicalTokens| full.len() >= 2 && full.first_char() == first_char;
    state.read_each_canonical_tokens(&ids, wanted, |index, full| {
        if !wanted(full) {
            return ControlFlow::<()>::Continue(());
        }
        let Some(other_last) = full.last() else { return ControlFlow::Continue(()) };
        let other = full.joined();
        // Each measure only if those before it pass: the edit distance, the dearest, is
        // computed for the few names close enough by the other two.
        let score = jaro_winkler(&joined, other);
        if score < rules.thresholds.fuzzy_name_min || best.as_ref().is_some_and(|(s, _, _)| score <= *s) {
            return ControlFlow::Continue(());
        }
        if jaro_winkler(last, other_last) >= rules.thresholds.fuzzy_surname_min
            && normalized_levenshtein(&joined, other) >= rules.thresholds.fuzzy_levenshtein_min
        {
            best = Some((score, ids[index], other.to_string()));
        }
        ControlFlow::Continue(())
    });
    let (score, entity, other) = best?;
    let evidence = vec![
        format!("jaro_winkler({joined:?}, {other:?}) = {score:.3}"),
        format!("normalized_levenshtein = {:.3}", normalized_levenshtein(&joined, &other)),
    ];
    Some(Found { also: Vec::new(), entity, rule: RuleName::FuzzyName, score, evidence })
}

/// A description resolves only to an entity known by the same description.
fn resolve_description(state: &State, m: &Mention) -> Result<Found, Vec<String>> {
    let key = state.mention_tokens(m).join(" ");
    let Some(entity) = best_named(state, m, state.candidates(&format!("{}{key}", key::DESCRIPTION))) else {
        return Err(vec![format!("{:?} describes rather than names, and no entity has that description", m.text)]);
    };
    let evidence = vec![format!("{entity} was described as {key:?} before")];
    Ok(Found { also: Vec::new(), entity, rule: RuleName::ExactName, score: 1.0, evidence })
}

/// A role-only mention ("the GAP chairman") resolves to the holder of the role its document
/// names, else to the latest known holder of the role; a holder since called former no
/// longer counts. An unqualified role ("the prime minister") with no holder in its document
/// resolves only when one person is known to hold that title at all.
fn resolve_role_only(state: &State, context: &DocContext, m: &Mention) -> Result<Found, Vec<String>> {
    let current = |id: &EntityId, role: &Role| {
        state.entity(*id).is_some_and(|e| {
            e.kind.compatible(Kind::Person)
                && !e.roles.iter().any(|r| r.tense == Tense::Former && r.title == role.title && same_role(r, role))
        })
    };
    for role in unique_current(state, &m.roles) {
        let mut in_document: Vec<EntityId> = Vec::new();
        for (_, _, id) in &context.names {
            let id = state.resolve(*id);
            let holds = state.entity(id).is_some_and(|e| {
                e.roles.iter().any(|r| r.tense == Tense::Current && r.title == role.title && same_role(r, role))
            });
            if holds && current(&id, role) && !in_document.contains(&id) {
                in_document.push(id);
            }
        }
        if let [entity] = in_document.as_slice() {
            let name = state.entity_name(*entity);
            let evidence = vec![format!("{entity} {name:?}, named in this document, holds the unique role {role}")];
            return Ok(Found { also: Vec::new(), entity: *entity, rule: RuleName::UniqueRole, score: 1.0, evidence });
        }
        let mut holders: Vec<EntityId> = Vec::new();
        // An unqualified role is looked up under any qualifier below, never under the
        // unqualified key alone: that lists whoever such a mention was linked to before.
        let keys = if role.of.is_some() { role_keys(state, role) } else { Vec::new() };
        for k in &keys {
            for id in state.candidates(k) {
                if current(&id, role) && !holders.contains(&id) {
                    holders.push(id);
                }
            }
        }
        // A named holder is preferred; among several, the one that took the role last.
        let named: Vec<EntityId> =
            holders.iter().copied().filter(|id| state.entity(*id).is_some_and(|e| e.is_named())).collect();
        if let Some(&entity) = named.last().or(holders.last()) {
            let name = state.entity_name(entity);
            let evidence = vec![format!("{entity} {name:?} holds the unique role {role}")];
            return Ok(Found { also: Vec::new(), entity, rule: RuleName::UniqueRole, score: 1.0, evidence });
        }
        if role.of.is_none() {
            let anywhere: Vec<EntityId> = state
                .candidates(&role_key(&role.title, ANY_QUALIFIER))
                .into_iter()
                .filter(|id| current(id, role) && state.entity(*id).is_some_and(|e| e.is_named()))
                .collect();
            match anywhere.as_slice() {
                [entity] => {
                    let name = state.entity_name(*entity);
                    let evidence =
                        vec![format!("{entity} {name:?} is the one known holder of the unique role {}", role.title)];
                    return Ok(Found {
                        also: Vec::new(),
                        entity: *entity,
                        rule: RuleName::UniqueRole,
                        score: 0.5,
                        evidence,
                    });
                }
                [] => {}
                many => {
                    let ids: Vec<String> = many.iter().map(ToString::to_string).collect();
                    return Err(vec![format!(
                        "{:?} names no qualifier and {} hold {}: kept apart",
                        m.text,
                        ids.join(", "),
                        role.title
                    )]);
                }
            }
        }
    }
    Err(vec![format!("no known holder of {:?}", m.text)])
}

/// When a named mention carries a unique current role that an entity known only by that role
/// holds, the two are one: merge them, the older id surviving.
fn absorb_role_only_holders(state: &State, m: &Mention, entity: EntityId, rules_hash: &str) -> Vec<Event> {
    let mut seen: BTreeSet<EntityId> = BTreeSet::new();
    let mut events = Vec::new();
    for role in unique_current(state, &m.roles) {
        for k in role_keys(state, role) {
            for id in state.candidates(&k) {
                let Some(other) = state.entity(id) else { continue };
                // A person's "different" judgement keeps them apart, in this run and in replays.
                if id == entity || other.is_named() || !seen.insert(id) || state.judged_different(id, entity).is_some()
                {
                    continue;
                }
                let (survivor, absorbed) = if id < entity { (id, entity) } else { (entity, id) };
                events.push(Event::EntitiesMerged {
                    survivor,
                    absorbed,
                    decision: Decision {
                        rule: RuleName::UniqueRole,
                        score: 1.0,
                        evidence: vec![format!(
                            "{:?} holds the unique role {role}, known so far only as {:?}",
                            m.text,
                            other.name()
                        )],
                        rules: rules_hash.to_string(),
                    },
                });
            }
        }
    }
    events
}

fn unique_current<'a>(state: &'a State, roles: &'a [Role]) -> impl Iterator<Item = &'a Role> + 'a {
    roles.iter().filter(|r| r.tense == Tense::Current && state.rules().is_unique(&r.title))
}

/// The role keys of a role, with its qualifier expanded to every name of the entity the
/// qualifier resolves to ("GAP" → also "green alliance party").
fn role_keys(state: &State, role: &Role) -> Vec<String> {
    let rules = state.rules();
    let Some(of) = role.of.as_deref() else { return vec![role_key(&role.title, "")] };
    let of_key = name_key(of, rules);
    let mut qualifiers: BTreeSet<String> = BTreeSet::from([of_key.clone()]);
    let mut owners = state.candidates(&format!("{}{of_key}", key::NAME));
    if let Some(acr) = acronym_form(of) {
        owners.extend(state.candidates(&format!("{}{acr}", key::INITIALS)));
    }
    for id in owners {
        if let Some(owner) = state.entity(id) {
            qualifiers.extend(owner.names.keys().map(|n| name_key(n, rules)));
        }
    }
    qualifiers.into_iter().filter(|q| !q.is_empty()).map(|q| role_key(&role.title, &q)).collect()
}

fn compatible(state: &State, m: &Mention, candidates: Vec<EntityId>) -> Vec<EntityId> {
    candidates
        .into_iter()
        .filter(|id| state.entity_summary(*id).is_some_and(|(kind, _)| kind.compatible(m.kind)))
        .collect()
}

/// [`best`] of the candidates, each let in: for a mention without roles (none can be shared)
/// their kinds and mention counts decide, and no entity is looked up.
fn best_named(state: &State, m: &Mention, candidates: Vec<EntityId>) -> Option<EntityId> {
    if !m.roles.is_empty() {
        return best(state, m, candidates, |_| true);
    }
    candidates
        .into_iter()
        .filter_map(|id| {
            let (kind, mentions) = state.entity_summary(id)?;
            kind.compatible(m.kind).then_some((mentions, std::cmp::Reverse(id)))
        })
        .max()
        .map(|(_, std::cmp::Reverse(id))| id)
}

/// The best of the candidates of a compatible kind that `admit` lets in (each entity looked up
/// once): the one sharing most roles with the mention, then the one with most mentions, then
/// the oldest.
fn best(state: &State, m: &Mention, candidates: Vec<EntityId>, admit: impl Fn(&Entity) -> bool) -> Option<EntityId> {
    candidates
        .into_iter()
        .filter_map(|id| {
            let e = state.entity(id)?;
            if !e.kind.compatible(m.kind) || !admit(&e) {
                return None;
            }
            let shared_roles = m.roles.iter().filter(|r| e.roles.iter().any(|er| same_role(r, er))).count();
            Some((shared_roles, e.mentions.len(), std::cmp::Reverse(id)))
        })
        .max()
        .map(|(_, _, std::cmp::Reverse(id))| id)
}

fn shares_role(roles: &[Role], entity: &Entity) -> bool {
    roles.iter().any(|r| entity.roles.iter().any(|er| same_role(r, er)))
}

fn same_role(a: &Role, b: &Role) -> bool {
    a.title == b.title && (a.of.is_none() || b.of.is_none() || a.of == b.of)
}

/// Whether the tokens of `short` stand in `long` in order, each equal to its match or an
/// initial or short form of it ("j" or "fred" for "frederick"), and with `nicknames` also a
/// usual short form of a given name ("bill" for "william").
fn tokens_fit<S: AsRef<[u8]>, L: AsRef<[u8]>>(
    short: impl IntoIterator<Item = S>,
    long: impl IntoIterator<Item = L>,
    nicknames: bool,
) -> bool {
    let mut rest = long.into_iter();
    short.into_iter().all(|token| rest.any(|t| token_fits(token.as_ref(), t.as_ref(), nicknames)))
}

/// A token equal to another, an initial of it, a short form of three or more letters that it
/// starts with ("fred" for "frederick"), or with `nicknames` a usual short form of a given name
/// ("bill" for "william"); either way round. Compared as bytes (a candidate's remembered tokens
/// are read as bytes, not made strings again), which for UTF-8 is comparing the text.
fn token_fits(a: &(impl AsRef<[u8]> + ?Sized), b: &(impl AsRef<[u8]> + ?Sized), nicknames: bool) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // A prefix of one letter, or of three and more: counted only as far as three.
    a == b
        || (long.starts_with(short) && matches!(chars_up_to_three(short), 1 | 3))
        || (nicknames && given_names_match(text(a), text(b)))
}

/// How many characters a token's UTF-8 bytes hold, counted only as far as three: the bytes
/// that do not continue a character (a continuation byte is `10xxxxxx`).
fn chars_up_to_three(token: &[u8]) -> usize {
    token.iter().filter(|byte| **byte & 0xc0 != 0x80).take(3).count()
}

/// A token's bytes as the text they are.
fn text(token: &[u8]) -> &str {
    std::str::from_utf8(token).expect("a token is a string")
}

fn ratio(part: usize, whole: usize) -> f64 {
    let part = u32::try_from(part).unwrap_or(u32::MAX);
    let whole = u32::try_from(whole).unwrap_or(u32::MAX).max(1);
    f64::from(part) / f64::from(whole)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::rules::Rules;
    use crate::testing::{m, role};

    proptest! {
        /// Name containment passes over a name whose tokens' first bytes neither hold a
        /// mention's nor are held by them: a list of tokens fits into another only if its first
        /// bytes are among the other's (tokens with a shared start, initials, empty tokens and
        /// characters of several bytes included).
        #[test]
        fn tokens_fit_into_a_name_only_if_their_first_bytes_are_among_its(
            short in prop::collection::vec(prop::sample::select(FIT_TOKENS.to_vec()), 0..4),
            long in prop::collection::vec(prop::sample::select(FIT_TOKENS.to_vec()), 0..5),
        ) {
            if tokens_fit(&short, &long, false) {
                prop_assert_eq!(first_bytes(&short) & !first_bytes(&long), 0);
            }
        }

        /// A token's characters counted from its bytes, as far as three, are those its text
        /// has, whatever it holds.
        #[test]
        fn characters_counted_from_bytes_are_the_texts_as_far_as_three(s in "(?s).{0,6}") {
            prop_assert_eq!(chars_up_to_three(s.as_bytes()), s.chars().take(3).count());
        }

        /// Evidence quotes a name as `{:?}` would, whatever it holds: quotes, backslashes,
        /// control characters, characters outside ASCII.
        #[test]
        fn a_quoted_name_is_written_as_debug_writes_it(
            s in "(?s).{0,24}",
            plain in "[ -~]{0,24}",
            ascii in "[\\x00-\\x7f]{0,24}",
        ) {
            prop_assert_eq!(Quoted(&s).to_string(), format!("{s:?}"));
            prop_assert_eq!(Quoted(&plain).to_string(), format!("{plain:?}"));
            prop_assert_eq!(Quoted(&ascii).to_string(), format!("{ascii:?}"));
        }
    }

    /// Tokens that fit one another in every way `token_fits` allows.
    const FIT_TOKENS: [&str; 14] = ["a", "an", "ann", "annabel", "ab", "b", "bo", "bob", "é", "éa", "ée", "ß", "x", ""];

    fn role_only(doc: &str, n: u32, phrase: &str, title: &str, of: &str) -> Mention {
        let mut mention = role(m(doc, n, &format!("PERSON {phrase}")), title, Some(of), Tense::Current);
        mention.form = Form::RoleOnly;
        mention
    }

    fn alias(mut mention: Mention, alias: &str) -> Mention {
        mention.aliases.push(alias.into());
        mention
    }

    /// Resolves the documents in order and returns the entity of every mention, by mention id.
    fn resolve(docs: Vec<Vec<Mention>>) -> (State, BTreeMap<String, EntityId>) {
        let mut state = State::new(Arc::new(Rules::default_rules()));
        for mentions in docs {
            let first = state.last_seq() + 1;
            let doc_id = mentions.first().map(|m| m.doc_id.clone()).unwrap_or_default();
            let document = Event::DocumentIngested {
                doc_id: doc_id.clone(),
                content_hash: crate::event::content_hash(doc_id.as_bytes()),
                source: String::new(),
                text: String::new(),
            };
            ingest(&mut state, first, Some(document), mentions);
        }
        let map = state.mentions().map(|m| (m.mention_id.clone(), state.entity_of(&m.mention_id).unwrap())).collect();
        (state, map)
    }

    fn same(map: &BTreeMap<String, EntityId>, a: &str, b: &str) -> bool {
        map[a] == map[b]
    }

    /// A person record `id` (its own document) with `attrs`.
    fn record(id: &str, name: &str, attrs: &[(&str, &str)]) -> Mention {
        let mut mention = m(id, 0, &format!("PERSON {name}"));
        mention.mention_id = id.to_string();
        mention.attrs = attrs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        mention
    }

    #[test]
    fn a_record_weighs_the_candidates_sharing_the_most_keys_and_none_sharing_one() {
        let mut rules = Rules::default_rules();
        rules.records.candidates_max = 1;
        let mut state = State::new(Arc::new(rules));
        // E1 shares two keys with the record below (postcode, address), E2 eleven (its name's
        // keys and those of its date of birth and identifier): only E2 is weighed.
        let blue = record("r1", "Ann Blue", &[("postcode", "2600"), ("address", "1 Main St")]);
        let green = record("r2", "Ann Green", &[("date_of_birth", "19700102"), ("identifier", "1234567")]);
        for (seq, mention) in [blue, green].into_iter().enumerate() {
            ingest(&mut state, u64::try_from(seq * 3 + 1).unwrap(), None, vec![mention]);
        }
        let (e1, e2) = (state.entity_of("r1").unwrap(), state.entity_of("r2").unwrap());
        assert!(e1 < e2);
        let both = record(
            "q",
            "Ann Green",
            &[("date_of_birth", "19700102"), ("identifier", "1234567"), ("postcode", "2600"), ("address", "1 Main St")],
        );
        let found = resolve_record(&state, &both).map_err(|e| e.join("; ")).unwrap();
        assert_eq!(found.entity, e2, "{:?}", found.evidence);
        // One key in common (the postcode) is no candidate at all.
        let one = record("q2", "Cy Black", &[("postcode", "2600")]);
        let refused = resolve_record(&state, &one).err().expect("no candidate").join("; ");
        assert!(refused.contains("shares 2 blocking keys"), "{refused}");
    }

    #[test]
    fn a_token_fits_itself_its_initial_a_prefix_of_three_letters_or_a_usual_short_form() {
        assert!(token_fits("frederick", "frederick", false));
        assert!(token_fits("j", "jane", false) && token_fits("jane", "j", false), "an initial, either way");
        assert!(token_fits("fred", "frederick", false) && token_fits("fre", "frederick", false));
        assert!(!token_fits("fr", "frederick", false), "two letters are neither an initial nor a short form");
        assert!(!token_fits("", "frederick", false));
        assert!(!token_fits("fred", "alfred", false), "a prefix only");
        assert!(!token_fits("bill", "william", false) && token_fits("bill", "william", true), "a usual short form");
        // Letters, not bytes: "é" is one letter of two bytes, "él" two letters of three.
        assert!(token_fits("é", "élise", false));
        assert!(!token_fits("él", "élise", false));
        assert!(token_fits("éli", "élise", false));
    }

    #[test]
    fn exact_names_link_across_documents() {
        let (_, map) = resolve(vec![vec![m("a", 0, "PERSON Jane Roe")], vec![m("b", 0, "PERSON Jane Roe's")]]);
        assert!(same(&map, "a:0", "b:0"));
    }

    #[test]
    fn a_surname_or_a_shorter_form_links_to_the_one_person_it_fits() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON Amara Okafor Mensah"), m("a", 1, "PERSON Lena Vogt")],
            vec![m("b", 0, "PERSON Mensah"), m("b", 1, "PERSON Okafor Mensah"), m("b", 2, "PERSON Amara Mensah")],
        ]);
        assert!(same(&map, "a:0", "b:0"));
        assert!(same(&map, "a:0", "b:1"));
        assert!(same(&map, "a:0", "b:2"));
        assert!(!same(&map, "a:0", "a:1"));
    }

    #[test]
    fn a_full_name_does_not_join_another_person_through_a_surname_named_earlier_in_its_document() {
        // Bare mentions all start at 0, so "Judge Wirth" (ends first) resolves before "Ingrid
        // Wirth" and goes to Omar Wirth; Ingrid must not follow it there.
        let mut omar = m("a", 0, "PERSON Judge Omar Wirth");
        let mut judge = m("a", 1, "PERSON Judge Wirth");
        let mut ingrid = m("a", 2, "PERSON Ingrid Wirth");
        for (mention, end) in [(&mut omar, 16), (&mut judge, 11), (&mut ingrid, 12)] {
            (mention.start, mention.end) = (0, end);
        }
        let (_, map) = resolve(vec![vec![omar, judge, ingrid]]);
        assert!(same(&map, "a:0", "a:1"), "the titled surname is Omar's");
        assert!(!same(&map, "a:2", "a:0"), "Ingrid Wirth is someone else");
    }

    #[test]
    fn honorifics_do_not_count_as_name_tokens() {
        let (_, map) =
            resolve(vec![vec![m("a", 0, "PERSON Syed Omar Ali Rizvi")], vec![m("b", 0, "PERSON Omar Rizvi")]]);
        assert!(same(&map, "a:0", "b:0"));
    }

    #[test]
    fn family_names_are_not_identity() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON Peter Brandt Olsen"), m("a", 1, "PERSON Karl Olsen")],
            vec![m("b", 0, "PERSON Olsen")],
        ]);
        assert!(!same(&map, "a:0", "a:1"));
        // Two people fit "Olsen" and nothing decides: it stays its own entity.
        assert!(!same(&map, "b:0", "a:0"));
        assert!(!same(&map, "b:0", "a:1"));
    }

    #[test]
    fn a_shared_role_decides_between_two_people_with_one_surname() {
        let (_, map) = resolve(vec![
            vec![
                role(m("a", 0, "PERSON Tomas Berg"), "prime minister", None, Tense::Current),
                role(m("a", 1, "PERSON Nils Berg"), "senator", None, Tense::Current),
            ],
            vec![role(m("b", 0, "PERSON Berg"), "prime minister", None, Tense::Current)],
        ]);
        assert!(same(&map, "b:0", "a:0"));
        assert!(!same(&map, "a:0", "a:1"));
    }

    #[test]
    fn similar_surnames_of_different_people_stay_apart_and_typos_link() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON Mira Sultani Khar"), m("a", 1, "PERSON Kamran Dost Khan")],
            vec![m("b", 0, "PERSON Mira Sultany Khar")],
        ]);
        assert!(!same(&map, "a:0", "a:1"));
        assert!(same(&map, "a:0", "b:0"));
    }

    #[test]
    fn a_longer_surname_sharing_a_prefix_is_not_a_typo() {
        // Jaro-Winkler alone would link these (0.95 on the name, 0.93 on the surname): it
        // rewards the shared prefix. Edit distance (0.76) keeps the two families apart.
        let (_, map) =
            resolve(vec![vec![m("a", 0, "PERSON Maria Petrova")], vec![m("b", 0, "PERSON Maria Petrovskaya")]]);
        assert!(!same(&map, "a:0", "b:0"));
    }

    #[test]
    fn acronyms_link_to_initials_and_defined_aliases() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PLACE United States"), m("a", 1, "ORG United Nations")],
            vec![m("b", 0, "PLACE US"), m("b", 1, "ORG UN"), alias(m("b", 2, "ORG NDF"), "National Democratic Front")],
            vec![m("c", 0, "ORG National Democratic Front")],
        ]);
        assert!(same(&map, "a:0", "b:0"));
        assert!(same(&map, "a:1", "b:1"));
        assert!(!same(&map, "a:0", "a:1"));
        assert!(same(&map, "b:2", "c:0"));
    }

    #[test]
    fn an_organisation_is_not_its_subdivision_nor_a_place_within_its_name() {
        let (_, map) = resolve(vec![vec![
            m("a", 0, "ORG UN"),
            m("a", 1, "ORG UN General Assembly"),
            m("a", 2, "PLACE Norland"),
            m("a", 3, "ORG Norland Labour Party"),
        ]]);
        assert!(!same(&map, "a:0", "a:1"));
        assert!(!same(&map, "a:2", "a:3"));
    }

    #[test]
    fn a_unique_role_alone_resolves_to_its_named_holder() {
        let holder = role(m("a", 1, "PERSON Rosa Lind"), "chairman", Some("Green Alliance Party"), Tense::Current);
        let (_, map) = resolve(vec![
            vec![alias(m("a", 0, "ORG Green Alliance Party"), "GAP"), holder],
            vec![m("b", 0, "ORG GAP"), role_only("b", 1, "GAP chairman", "chairman", "GAP")],
        ]);
        assert!(same(&map, "b:1", "a:1"));
        assert!(same(&map, "b:0", "a:0"));
    }

    #[test]
    fn a_role_seen_before_its_holder_is_merged_into_the_holder() {
        let (state, map) = resolve(vec![
            vec![
                m("a", 0, "ORG Green Alliance Party"),
                role_only("a", 1, "chairman of the Green Alliance Party", "chairman", "Green Alliance Party"),
            ],
            vec![role(m("b", 0, "PERSON Rosa Lind"), "chairman", Some("Green Alliance Party"), Tense::Current)],
        ]);
        assert!(same(&map, "a:1", "b:0"));
        assert_eq!(state.entity(map["b:0"]).unwrap().name(), "Rosa Lind");
    }

    #[test]
    fn former_and_shared_roles_never_merge_two_names() {
        let (_, map) = resolve(vec![vec![
            role(m("a", 0, "PERSON Rosa Lind"), "foreign minister", None, Tense::Former),
            role(m("a", 1, "PERSON Ines Ward"), "foreign minister", None, Tense::Former),
            role(m("a", 2, "PERSON Omar Hale"), "senator", None, Tense::Current),
            role(m("a", 3, "PERSON Ada Finch"), "senator", None, Tense::Current),
        ]]);
        let ids: BTreeSet<EntityId> = map.values().copied().collect();
        assert_eq!(ids.len(), 4);
    }

    #[test]
    fn kinds_that_disagree_do_not_link_but_unknown_kinds_take_the_known_one() {
        let (state, map) =
            resolve(vec![vec![m("a", 0, "OTHER Tarsa"), m("a", 1, "PLACE Tarsa"), m("a", 2, "PERSON Veld")]]);
        assert!(same(&map, "a:0", "a:1"));
        assert_eq!(state.entity(map["a:0"]).unwrap().kind, Kind::Place);
    }

    #[test]
    fn every_decision_names_its_rule_and_the_rules_hash() {
        let mut state = State::new(Arc::new(Rules::default_rules()));
        let mut events = ingest(&mut state, 1, None, vec![m("a", 0, "PERSON Jane Roe"), m("a", 1, "PERSON Roe")]);
        let next = state.last_seq() + 1;
        events.extend(ingest(&mut state, next, None, vec![m("b", 0, "PERSON Roe")]));
        let rules: Vec<RuleName> = events
            .iter()
            .filter_map(|e| match e {
                Event::EntityCreated { decision, .. } | Event::MentionLinked { decision, .. } => {
                    assert_eq!(decision.rules, state.rules().hash);
                    assert!(!decision.evidence.is_empty());
                    Some(decision.rule)
                }
                _ => None,
            })
            .collect();
        assert_eq!(rules, [RuleName::NewEntity, RuleName::SameDocument, RuleName::NameContainment]);
    }

    #[test]
    fn a_short_form_means_the_one_its_document_names_in_full() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON Esther Roe")],
            vec![m("b", 0, "PERSON Jamal Roe"), m("b", 1, "PERSON Roe"), m("b", 2, "ORG New Tarsa Saints")],
            vec![m("c", 0, "ORG Saints"), m("c", 1, "ORG New Tarsa Saints")],
        ]);
        assert!(same(&map, "b:1", "b:0"), "the document named Jamal Roe");
        assert!(!same(&map, "b:1", "a:0"));
        assert!(same(&map, "c:0", "c:1") && same(&map, "c:0", "b:2"), "an organisation's last words");
    }

    #[test]
    fn an_organisations_last_words_name_it_in_another_document_but_a_shared_last_word_does_not() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "ORG New Tarsa Saints")],
            vec![m("b", 0, "ORG Tarsa Saints")],
            vec![m("c", 0, "ORG Harbour Saints")],
            vec![m("d", 0, "ORG Saints of New Tarsa")],
        ]);
        assert!(same(&map, "b:0", "a:0"), "the last words of its name");
        assert!(!same(&map, "c:0", "a:0"), "only the last word in common");
        assert!(!same(&map, "d:0", "a:0") && !same(&map, "d:0", "c:0"), "a name that ends in another word");
    }

    #[test]
    fn a_place_is_not_the_place_it_is_part_of_even_in_one_document() {
        let (_, map) = resolve(vec![vec![m("a", 0, "PLACE Norland-held Kashmir"), m("a", 1, "PLACE Kashmir")]]);
        assert!(!same(&map, "a:0", "a:1"));
    }

    #[test]
    fn a_description_links_only_to_the_same_description() {
        let description = |doc: &str, n: u32, text: &str| {
            let mut mention = m(doc, n, &format!("PLACE {text}"));
            mention.form = Form::Description;
            mention
        };
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PLACE Paris"), description("a", 1, "jewellery store in Paris")],
            vec![description("b", 0, "jewellery store in Paris"), description("b", 1, "Paris and Lyon")],
        ]);
        assert!(!same(&map, "a:1", "a:0"), "not the place named inside it");
        assert!(same(&map, "a:1", "b:0"));
        assert!(!same(&map, "b:1", "a:0"));
    }

    #[test]
    fn a_shared_surname_goes_to_the_person_whose_company_the_document_keeps() {
        let (state, map) = resolve(vec![
            vec![m("a", 0, "PERSON Jamal Roe"), m("a", 1, "ORG Tarsa Chargers"), m("a", 2, "PLACE Vale")],
            vec![m("b", 0, "PERSON Esther Roe"), m("b", 1, "ORG Norland Film Academy")],
            vec![m("c", 0, "ORG Tarsa Chargers"), m("c", 1, "PERSON Roe")],
            vec![m("d", 0, "PERSON Roe")],
        ]);
        assert!(same(&map, "c:1", "a:0"), "the Chargers appear with Jamal Roe only");
        assert!(!same(&map, "d:0", "a:0") && !same(&map, "d:0", "b:0"), "no company: kept apart");
        let decision = state.entity(map["c:1"]).map(|e| e.mentions.iter().any(|m| m == "c:1")).unwrap_or_default();
        assert!(decision);
    }

    #[test]
    fn a_surname_of_more_people_than_their_company_can_tell_apart_stays_apart_unless_a_role_decides() {
        let given = ["Amara", "Bello", "Chidi", "Dayo", "Ekene", "Femi", "Gozie", "Hadiza", "Ifeoma", "Jide"];
        let mut docs: Vec<Vec<Mention>> = given
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mention = m(&format!("p{i}"), 0, &format!("PERSON {g} Roe"));
                vec![if *g == "Hadiza" { role(mention, "minister", Some("Vale"), Tense::Current) } else { mention }]
            })
            .collect();
        assert!(given.len() > CO_MENTION_FITS_MAX, "more people than the company they keep is weighed for");
        docs.push(vec![m("x", 0, "PERSON Roe")]);
        docs.push(vec![role(m("y", 0, "PERSON Roe"), "minister", Some("Vale"), Tense::Current)]);
        let (state, map) = resolve(docs);
        for i in 0..given.len() {
            assert!(!same(&map, "x:0", &format!("p{i}:0")), "a bare surname fitting {} people joins none", given.len());
        }
        let created = state.entity(map["x:0"]).is_some_and(|e| e.mentions == ["x:0"]);
        assert!(created, "the bare surname is an entity of its own");
        assert!(same(&map, "y:0", "p7:0"), "the role only one of them holds decides, however many fit");
        for i in (0..given.len()).filter(|&i| i != 7) {
            assert!(!same(&map, "y:0", &format!("p{i}:0")));
        }
    }

    #[test]
    fn a_name_of_several_words_must_fit_a_full_name_not_only_a_short_one() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON Tariq Roe"), m("a", 1, "PERSON Roe")],
            vec![m("b", 0, "PERSON Salman Roe")],
            vec![m("c", 0, "PERSON Fred Vogt")],
            vec![m("d", 0, "PERSON Frederick C. Vogt"), m("d", 1, "PERSON J. Okoye")],
            vec![m("e", 0, "PERSON Jamal Okoye")],
        ]);
        assert!(!same(&map, "b:0", "a:0"));
        assert!(same(&map, "d:0", "c:0"), "a short form of a given name");
        assert!(same(&map, "e:0", "d:1"), "an initial");
    }

    #[test]
    fn an_unqualified_role_resolves_only_to_the_one_known_holder() {
        let unqualified = |doc: &str, n: u32| {
            let mut mention = role(m(doc, n, "PERSON prime minister"), "prime minister", None, Tense::Current);
            mention.form = Form::RoleOnly;
            mention
        };
        let (_, map) = resolve(vec![
            vec![role(m("a", 0, "PERSON Adil Rana"), "prime minister", Some("Norland"), Tense::Current)],
            vec![unqualified("b", 0)],
            vec![role(m("c", 0, "PERSON Ines Ward"), "prime minister", Some("Tarsa"), Tense::Current)],
            vec![unqualified("d", 0)],
        ]);
        assert!(same(&map, "b:0", "a:0"), "one holder known");
        assert!(!same(&map, "d:0", "a:0") && !same(&map, "d:0", "c:0"), "two holders known: kept apart");
    }

    #[test]
    fn a_holder_since_called_former_is_not_the_current_one() {
        let (_, map) = resolve(vec![
            vec![role(m("a", 0, "PERSON Adil Rana"), "prime minister", Some("Norland"), Tense::Current)],
            vec![role(m("b", 0, "PERSON Adil Rana"), "prime minister", Some("Norland"), Tense::Former)],
            vec![role_only("c", 0, "Norland's prime minister", "prime minister", "Norland")],
        ]);
        assert!(same(&map, "a:0", "b:0"));
        assert!(!same(&map, "c:0", "a:0"));
    }

    #[test]
    fn a_name_in_capitals_is_no_acronym_when_it_is_known_as_a_word() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON Mark Okoye"), m("a", 1, "ORG Tarsa Chiefs")],
            vec![m("b", 0, "PERSON OKOYE"), m("b", 1, "ORG CHIEFS"), m("b", 2, "ORG Chiefs")],
            vec![m("c", 0, "ORG NORLAND")],
        ]);
        assert!(same(&map, "b:0", "a:0"), "a person's surname in capitals");
        assert!(same(&map, "b:1", "b:2"), "the document writes it as a word too");
        assert!(!same(&map, "c:0", "a:1"));
    }

    /// A name in capitals is an acronym when every entity of that name was only ever written
    /// in capitals: it does not take the word its document gave in full ("Tarsa Chiefs"). Once
    /// the entity is also written as a word, the capitals are a word too, and the document's
    /// full name takes them.
    #[test]
    fn a_name_in_capitals_is_an_acronym_unless_one_of_its_entitys_names_is_the_word() {
        let acronym_only =
            vec![vec![m("a", 0, "ORG CHIEFS")], vec![m("b", 0, "ORG Tarsa Chiefs"), m("b", 1, "ORG CHIEFS")]];
        let (_, map) = resolve(acronym_only.clone());
        assert!(same(&map, "b:1", "a:0"), "the capitals name the entity known in capitals");
        assert!(!same(&map, "b:1", "b:0"));
        let mut also_a_word = acronym_only;
        also_a_word[0].push(m("a", 1, "ORG Chiefs"));
        let (_, map) = resolve(also_a_word);
        assert!(same(&map, "a:1", "a:0"));
        assert!(same(&map, "b:1", "b:0"), "the capitals are the word the document gave in full");
    }

    #[test]
    fn a_usual_short_form_of_a_given_name_fits_with_the_same_surname() {
        let (_, map) = resolve(vec![
            vec![m("a", 0, "PERSON William Okafor")],
            vec![m("b", 0, "PERSON Bill Okafor")],
            vec![m("c", 0, "PERSON Robert Okafor")],
            vec![m("d", 0, "PERSON Kate Mensah")],
            vec![m("e", 0, "PERSON Katherine Mensah")],
        ]);
        assert!(same(&map, "b:0", "a:0"));
        assert!(!same(&map, "c:0", "a:0"), "Bill is also Robert's short form: no chain from Robert to William");
        assert!(same(&map, "e:0", "d:0"));
    }
}
