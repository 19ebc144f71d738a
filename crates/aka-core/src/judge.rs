//! Judgements: a person says two entities are the same or different, or withdraws what they
//! said. Like the resolver, `judge` and `retract` only decide: they return the events (the
//! judgement, and the merge or split it causes) for the caller to append and apply.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::event::{Decision, EntityId, Event, RuleName, Verdict};
use crate::state::State;

/// Who judges, when and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judge {
    /// Who.
    pub by: String,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// Why.
    pub reason: String,
}

/// A judgement the store refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeError {
    /// An entity id the store never handed out.
    #[error("no entity {0}")]
    UnknownEntity(EntityId),
    /// Both ids are the same.
    #[error("{0} and {0} are one id: judge two entities")]
    SameId(EntityId),
    /// The judgement contradicts standing ones.
    #[error("contradicts standing judgements: {0}")]
    Contradiction(String),
    /// No such judgement.
    #[error("no judgement {0} (see `aka log`)")]
    UnknownJudgement(String),
    /// The judgement was withdrawn already.
    #[error("judgement {0} was withdrawn already")]
    AlreadyRetracted(String),
}

/// Judges `a` and `b` the same or different. Same: they merge (if apart) and stay merged.
/// Different: an entity holding both gives back the mentions of the one merged into it, and the
/// resolver never merges them again. Refused when it contradicts standing judgements.
pub fn judge(state: &State, verdict: Verdict, a: EntityId, b: EntityId, who: &Judge) -> Result<Vec<Event>, JudgeError> {
    for id in [a, b] {
        if state.entity(id).is_none() {
            return Err(JudgeError::UnknownEntity(id));
        }
    }
    if a == b {
        return Err(JudgeError::SameId(a));
    }
    check_consistent(state, verdict, a, b)?;
    let judgement = state.next_judgement_id();
    let mut events = vec![Event::Judged {
        judgement: judgement.clone(),
        verdict,
        a,
        b,
        by: who.by.clone(),
        at: who.at,
        reason: who.reason.clone(),
    }];
    let evidence = vec![format!("{judgement}: {} judged {a} and {b} {verdict}: {}", who.by, who.reason)];
    let (ra, rb) = (state.resolve(a), state.resolve(b));
    match verdict {
        Verdict::Same if ra != rb => events.push(merge(ra, rb, &judgement, evidence, state)),
        Verdict::Different if ra == rb => events.push(split(state, a, b, Some(judgement), evidence)),
        _ => {}
    }
    Ok(events)
}

/// Withdraws a judgement. A withdrawn "same" splits what it merged, unless other standing
/// "same" judgements still join the two; a withdrawn "different" that split an entity merges it
/// back, as the resolver had it.
pub fn retract(state: &State, judgement: &str, who: &Judge) -> Result<Vec<Event>, JudgeError> {
    let record = state.judgements().get(judgement).ok_or_else(|| JudgeError::UnknownJudgement(judgement.into()))?;
    if record.retracted {
        return Err(JudgeError::AlreadyRetracted(judgement.into()));
    }
    let mut events = vec![Event::JudgementRetracted {
        judgement: judgement.into(),
        by: who.by.clone(),
        at: who.at,
        reason: who.reason.clone(),
    }];
    let (a, b) = (record.a, record.b);
    let (ra, rb) = (state.resolve(a), state.resolve(b));
    let evidence = vec![format!("{} withdrew {judgement} ({a} {} {b}): {}", who.by, record.verdict, who.reason)];
    match record.verdict {
        Verdict::Same if ra == rb && same_path(state, a, b, Some(judgement)).is_none() => {
            events.push(split(state, a, b, None, evidence));
        }
        Verdict::Different if ra != rb && record.split => events.push(merge(ra, rb, judgement, evidence, state)),
        _ => {}
    }
    Ok(events)
}

fn merge(x: EntityId, y: EntityId, judgement: &str, mut evidence: Vec<String>, state: &State) -> Event {
    let (survivor, absorbed) = if x < y { (x, y) } else { (y, x) };
    evidence.push(format!("judgement {judgement}: {absorbed} merges into the older {survivor}"));
    Event::EntitiesMerged {
        survivor,
        absorbed,
        decision: Decision { rule: RuleName::Judgement, score: 1.0, evidence, rules: state.rules().hash.clone() },
    }
}

/// The split of the entity holding `a` and `b`: the one of the two that is not the live id
/// (the later, when neither is) takes back the mentions that came to the entity through it.
fn split(state: &State, a: EntityId, b: EntityId, judgement: Option<String>, mut evidence: Vec<String>) -> Event {
    let parent = state.resolve(a);
    let child = if b != parent { b } else { a };
    let mentions: Vec<String> = state
        .entity(parent)
        .map(|e| e.mentions.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|m| state.linked_id(m).is_some_and(|linked| state.merged_through(linked, child)))
        .map(String::from)
        .collect();
    evidence.push(format!("{child} takes back its {} mention(s) from {parent}", mentions.len()));
    Event::EntitySplit {
        parent,
        child,
        mentions,
        judgement,
        decision: Decision { rule: RuleName::Judgement, score: 1.0, evidence, rules: state.rules().hash.clone() },
    }
}

/// Refuses a judgement that standing ones contradict: "different" between ids that "same"
/// judgements join, or "same" that joins two ids judged different.
fn check_consistent(state: &State, verdict: Verdict, a: EntityId, b: EntityId) -> Result<(), JudgeError> {
    match verdict {
        Verdict::Different => match same_path(state, a, b, None) {
            Some(chain) => Err(JudgeError::Contradiction(format!("{chain}, so {a} different {b} cannot stand"))),
            None => Ok(()),
        },
        Verdict::Same => {
            for (id, j) in state.judgements().iter().filter(|(_, j)| j.verdict == Verdict::Different && !j.retracted) {
                // With a = b added, is j.a joined to j.b?
                let ends = [(j.a, a, b, j.b), (j.a, b, a, j.b)];
                for (x, near, far, y) in ends {
                    let left = if x == near { Some(String::new()) } else { same_path(state, x, near, None) };
                    let right = if far == y { Some(String::new()) } else { same_path(state, far, y, None) };
                    if let (Some(left), Some(right)) = (left, right) {
                        let parts: Vec<String> =
                            [left, format!("new: {a} same {b}"), right].into_iter().filter(|p| !p.is_empty()).collect();
                        return Err(JudgeError::Contradiction(format!(
                            "{} join {} and {}, which {id} judged different",
                            parts.join("; "),
                            j.a,
                            j.b
                        )));
                    }
                }
            }
            Ok(())
        }
    }
}

/// The chain of standing "same" judgements from `from` to `to` ("J1: E1 same E2; J2: E2 same
/// E3"), leaving out `except`; `None` when none joins them.
fn same_path(state: &State, from: EntityId, to: EntityId, except: Option<&str>) -> Option<String> {
    let mut edges: BTreeMap<EntityId, Vec<(EntityId, &str)>> = BTreeMap::new();
    for (id, j) in state.judgements() {
        if j.verdict == Verdict::Same && !j.retracted && Some(id.as_str()) != except {
            edges.entry(j.a).or_default().push((j.b, id));
            edges.entry(j.b).or_default().push((j.a, id));
        }
    }
    let mut came_from: BTreeMap<EntityId, (EntityId, &str)> = BTreeMap::new();
    let mut seen: BTreeSet<EntityId> = BTreeSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut steps = Vec::new();
            let mut cur = to;
            while let Some((prev, id)) = came_from.get(&cur) {
                steps.push(format!("{id}: {prev} same {cur}"));
                cur = *prev;
            }
            steps.reverse();
            return Some(steps.join("; "));
        }
        for (next, id) in edges.get(&at).into_iter().flatten() {
            if seen.insert(*next) {
                came_from.insert(*next, (at, id));
                queue.push_back(*next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::mention::{Form, Mention, Tense};
    use crate::resolver::ingest;
    use crate::rules::Rules;
    use crate::testing::{m, role};

    /// A person's name, as the GAP chairman when `chairman`.
    fn person(doc: &str, n: u32, text: &str, chairman: bool) -> Mention {
        let mention = m(doc, n, &format!("PERSON {text}"));
        if chairman { role(mention, "chairman", Some("GAP"), Tense::Current) } else { mention }
    }

    fn apply(state: &mut State, events: &[Event]) {
        for event in events {
            let seq = state.last_seq() + 1;
            state.apply(seq, event);
        }
    }

    /// Doc a: "the GAP chairman" (an entity known only by its role); doc b: "GAP chairman Omar
    /// Hale", which absorbs it. Returns the state and the two ids (survivor, absorbed).
    fn merged_by_role() -> (State, EntityId, EntityId) {
        let mut state = State::new(Arc::new(Rules::default_rules()));
        let mut role_only = person("a", 0, "GAP chairman", true);
        role_only.form = Form::RoleOnly;
        let a = vec![role_only];
        let b = vec![person("b", 0, "Omar Hale", true), person("b", 1, "Hale", false)];
        for batch in [a, b] {
            let first = state.last_seq() + 1;
            ingest(&mut state, first, None, batch);
        }
        let survivor = state.entity_of("a:0").unwrap();
        assert_eq!(state.entity_of("b:0"), Some(survivor), "the resolver merged them");
        let absorbed = state.linked_id("b:0").unwrap();
        assert_ne!(absorbed, survivor);
        (state, survivor, absorbed)
    }

    fn who(reason: &str) -> Judge {
        Judge { by: "tester".into(), at: 1, reason: reason.into() }
    }

    #[test]
    fn different_splits_what_the_resolver_merged_and_keeps_it_apart() {
        let (mut state, survivor, absorbed) = merged_by_role();
        let events = judge(&state, Verdict::Different, survivor, absorbed, &who("two people")).unwrap();
        // "Hale" was linked after the merge, to the name its document gave in full: it goes
        // with that name.
        let moved = ["b:0".to_string(), "b:1".to_string()];
        assert!(matches!(&events[1], Event::EntitySplit { mentions, .. } if mentions == &moved), "{events:?}");
        apply(&mut state, &events);
        assert_eq!(state.entity_of("a:0"), Some(survivor));
        assert_eq!(state.entity_of("b:0"), Some(absorbed));
        assert_eq!(state.entity_of("b:1"), Some(absorbed));
        assert!(state.judged_different(survivor, absorbed).is_some());
        // The same name with the same role again: the resolver links it to Omar Hale and does
        // not absorb the role-only entity the judgement keeps apart.
        let first = state.last_seq() + 1;
        let again = vec![person("c", 0, "Omar Hale", true)];
        let events = ingest(&mut state, first, None, again);
        assert!(!events.iter().any(|e| matches!(e, Event::EntitiesMerged { .. })), "{events:?}");
        assert_ne!(state.entity_of("a:0"), state.entity_of("b:0"));
    }

    #[test]
    fn retracting_different_merges_back_and_retracting_same_splits_again() {
        let (mut state, survivor, absorbed) = merged_by_role();
        let events = judge(&state, Verdict::Different, survivor, absorbed, &who("two")).unwrap();
        apply(&mut state, &events);
        let events = retract(&state, "J1", &who("one after all")).unwrap();
        assert!(matches!(events[1], Event::EntitiesMerged { .. }));
        apply(&mut state, &events);
        assert_eq!(state.entity_of("b:0"), state.entity_of("a:0"));
        assert_eq!(retract(&state, "J1", &who("again")), Err(JudgeError::AlreadyRetracted("J1".into())));

        let (mut state, survivor, absorbed) = merged_by_role();
        let events = judge(&state, Verdict::Different, survivor, absorbed, &who("two")).unwrap();
        apply(&mut state, &events);
        let events = retract(&state, "J1", &who("undo")).unwrap();
        apply(&mut state, &events);
        let events = judge(&state, Verdict::Same, survivor, absorbed, &who("one")).unwrap();
        apply(&mut state, &events);
        assert_eq!(state.entity_of("b:0"), state.entity_of("a:0"));
        let events = retract(&state, "J2", &who("not sure")).unwrap();
        assert!(matches!(events[1], Event::EntitySplit { .. }), "{events:?}");
    }

    #[test]
    fn contradicting_judgements_are_refused_naming_the_chain() {
        let mut state = State::new(Arc::new(Rules::default_rules()));
        let people: Vec<Mention> = ["Ada Finch", "Ines Ward", "Omar Hale"]
            .iter()
            .enumerate()
            .map(|(n, name)| person("a", u32::try_from(n).unwrap(), name, false))
            .collect();
        ingest(&mut state, 1, None, people);
        let [x, y, z] = ["a:0", "a:1", "a:2"].map(|m| state.entity_of(m).unwrap());
        for (a, b) in [(x, y), (y, z)] {
            let events = judge(&state, Verdict::Same, a, b, &who("same")).unwrap();
            apply(&mut state, &events);
        }
        let err = judge(&state, Verdict::Different, x, z, &who("apart")).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!("J1: {x} same {y}")) && message.contains(&format!("J2: {y} same {z}")),
            "{message}"
        );
        assert_eq!(judge(&state, Verdict::Same, x, x, &who("self")), Err(JudgeError::SameId(x)));
        assert_eq!(
            judge(&state, Verdict::Same, x, EntityId(999), &who("?")),
            Err(JudgeError::UnknownEntity(EntityId(999)))
        );
    }

    /// One step of a random history: a document naming people, or a judgement, or a withdrawal.
    #[derive(Clone, Debug)]
    enum Step {
        Document(Vec<(usize, bool)>),
        Judge(bool, usize, usize),
        Retract(usize),
    }

    const NAMES: [&str; 5] = ["Ada Finch", "Finch", "Omar Hale", "Hale", "Ines Ward"];

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            prop::collection::vec((0..NAMES.len(), any::<bool>()), 1..4).prop_map(Step::Document),
            (any::<bool>(), 1..8usize, 1..8usize).prop_map(|(same, a, b)| Step::Judge(same, a, b)),
            (1..6usize).prop_map(Step::Retract),
        ]
    }

    /// The state read in place from the archive of `state`'s image, as a snapshot gives it.
    fn rebased(state: &State) -> State {
        let base = crate::image::Base::new(Box::new(state.image().encode())).expect("an image's archive validates");
        State::on_base(Arc::new(Rules::default_rules()), Arc::new(base))
    }

    /// Runs the steps and returns the state and every event decided; with `rebase_every`, the
    /// state is swapped for one read from its own archive after every so many steps.
    fn run(steps: &[Step], rebase_every: Option<usize>) -> (State, Vec<Event>) {
        let mut state = State::new(Arc::new(Rules::default_rules()));
        let mut log: Vec<Event> = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            let events = match step {
                Step::Document(people) => {
                    let doc = format!("d{n}");
                    let mentions = people
                        .iter()
                        .enumerate()
                        .map(|(i, (p, chairman))| person(&doc, u32::try_from(i).unwrap(), NAMES[*p], *chairman))
                        .collect();
                    let first = state.last_seq() + 1;
                    let mut scratch = state.clone();
                    ingest(&mut scratch, first, None, mentions)
                }
                Step::Judge(same, a, b) => {
                    let verdict = if *same { Verdict::Same } else { Verdict::Different };
                    let (a, b) = (EntityId(u64::try_from(*a).unwrap()), EntityId(u64::try_from(*b).unwrap()));
                    judge(&state, verdict, a, b, &who("random")).unwrap_or_default()
                }
                Step::Retract(j) => retract(&state, &format!("J{j}"), &who("random")).unwrap_or_default(),
            };
            apply(&mut state, &events);
            log.extend(events);
            if rebase_every.is_some_and(|every| (n + 1) % every == 0) {
                state = rebased(&state);
            }
        }
        (state, log)
    }

    /// What point lookups give: every id ever handed out resolved and its entity, every
    /// mention's entity and document, every blocking key's candidates.
    fn lookups(state: &State) -> Vec<String> {
        let image = state.image();
        let mut out = Vec::new();
        for id in (0..=state.next_entity_id().0).map(EntityId) {
            out.push(format!("{id} -> {} {:?}", state.resolve(id), state.entity(id)));
        }
        for m in &image.mentions {
            let doc = state.doc(&m.doc_id).map(|d| d.mentions.clone());
            out.push(format!(
                "{} -> {:?} {:?} {:?}",
                m.mention_id,
                state.entity_of(&m.mention_id),
                state.mention(&m.mention_id),
                doc
            ));
        }
        for (key, _) in &image.index {
            out.push(format!("{key} -> {:?}", state.candidates(key)));
        }
        out
    }

    /// A state read from its archive answers lookups as the state did: merged-away ids lead to
    /// the survivor, and a new mention links as it would have.
    #[test]
    fn a_state_read_from_its_archive_follows_merges_and_links_alike() {
        let (state, survivor, absorbed) = merged_by_role();
        let archived = rebased(&state);
        assert_eq!(archived.base_seq(), Some(state.last_seq()));
        assert_eq!(archived.overlay_rows(), 0, "nothing is copied out of the archive on open");
        assert_eq!(archived.resolve(absorbed), survivor);
        assert_eq!(archived.entity(absorbed).map(|e| e.id), Some(survivor));
        assert_eq!(lookups(&archived), lookups(&state));
        let later = || vec![person("c", 0, "Hale", false)];
        let (mut a, mut b) = (state.clone(), archived);
        let first = a.last_seq() + 1;
        assert_eq!(ingest(&mut a, first, None, later()), ingest(&mut b, first, None, later()));
        assert_eq!(b.entity_of("c:0"), Some(survivor));
        assert_eq!(b.image(), a.image());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever documents and judgements come in whatever order, every standing judgement
        /// holds (same: one entity; different: two), and replaying the events gives the state
        /// the live run held.
        #[test]
        fn standing_judgements_hold_and_replay_gives_the_live_state(steps in proptest::collection::vec(step(), 1..12)) {
            let (state, log) = run(&steps, None);
            for j in state.judgements().values().filter(|j| !j.retracted) {
                let together = state.resolve(j.a) == state.resolve(j.b);
                proptest::prop_assert_eq!(together, j.verdict == Verdict::Same, "{:?}", j);
            }
            let mut replayed = State::new(Arc::new(Rules::default_rules()));
            apply(&mut replayed, &log);
            proptest::prop_assert_eq!(format!("{:?}", replayed.entities().collect::<Vec<_>>()), format!("{:?}", state.entities().collect::<Vec<_>>()));
        }

        /// A state read from a snapshot's archive decides exactly as the state it was made
        /// from: rebasing after every few steps changes no event and no part of the final state.
        /// And a snapshot at any event plus the replay of the events after it gives the state a
        /// full replay gives, judgements included.
        #[test]
        fn a_snapshot_plus_the_tail_equals_the_full_replay(
            steps in proptest::collection::vec(step(), 1..12),
            every in 1..4usize,
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let (live, log) = run(&steps, None);
            let (on_bases, rebased_log) = run(&steps, Some(every));
            proptest::prop_assert_eq!(&rebased_log, &log);
            proptest::prop_assert_eq!(on_bases.image(), live.image());
            proptest::prop_assert_eq!(lookups(&on_bases), lookups(&live));

            let cut = cut.index(log.len() + 1);
            let mut head = State::new(Arc::new(Rules::default_rules()));
            apply(&mut head, &log[..cut]);
            let mut from_snapshot = rebased(&head);
            proptest::prop_assert_eq!(from_snapshot.image(), head.image(), "the archive holds the whole state");
            apply(&mut from_snapshot, &log[cut..]);
            proptest::prop_assert_eq!(from_snapshot.image(), live.image());
            proptest::prop_assert_eq!(from_snapshot.judgements(), live.judgements());
            proptest::prop_assert_eq!(from_snapshot.entity_count(), u64::try_from(live.entities().count()).unwrap());
        }
    }
}
