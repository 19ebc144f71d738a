//! Time travel over the log: the state as it was after any event, every event that changed an
//! entity, and what changed between two points.
//!
//! Everything here reads the log and replays it into fresh [`State`]s; nothing is written.

use std::collections::BTreeMap;

use aka_core::{EntityId, Event, Kind, RuleName, State};
use serde::{Serialize, Serializer};

use crate::Engine;
use crate::error::OpenError;

/// A history or a diff could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The sequence number asked for is past the end of the log.
    #[error("sequence number {seq} is past the end of the log (its last event is #{last})")]
    PastEnd {
        /// The sequence number asked for.
        seq: u64,
        /// The log's last sequence number (0 when empty).
        last: u64,
    },
    /// The earlier point of a diff comes after the later one.
    #[error("--from {from} is after --to {to}: the earlier point must come first")]
    FromAfterTo {
        /// The earlier point asked for.
        from: u64,
        /// The later point asked for.
        to: u64,
    },
    /// No entity ever had this id.
    #[error("no entity {id}")]
    UnknownEntity {
        /// The id asked for.
        id: EntityId,
    },
    /// An event of the log could not be read.
    #[error("reading the log: {0}")]
    Read(#[from] aka_store::ReadError),
    /// The log could not be replayed up to a point.
    #[error(transparent)]
    Replay(#[from] OpenError),
}

fn as_display<T: std::fmt::Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// The state as it was after event `seq` (0: the empty store). A `seq` past the end of the log is
/// an error naming the log's last sequence number.
pub fn state_as_of(engine: &Engine, seq: u64) -> Result<State, HistoryError> {
    let last = engine.log().last_seq();
    if seq > last {
        return Err(HistoryError::PastEnd { seq, last });
    }
    Ok(engine.state_as_of(seq)?)
}

/// A mention as an entry of a history names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MentionRef {
    /// The mention.
    pub mention_id: String,
    /// Its document.
    pub doc_id: String,
    /// Its span's text.
    pub text: String,
}

/// What one event did to an entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A new entity was started for a mention.
    Created {
        /// The new entity.
        #[serde(serialize_with = "as_display")]
        entity: EntityId,
        /// Its kind.
        kind: Kind,
        /// The mention it was created for.
        mention: MentionRef,
    },
    /// A mention was linked to the entity.
    Linked {
        /// The entity, as the event names it.
        #[serde(serialize_with = "as_display")]
        entity: EntityId,
        /// The mention.
        mention: MentionRef,
    },
    /// Two entities were merged.
    Merged {
        /// The entity that remained.
        #[serde(serialize_with = "as_display")]
        survivor: EntityId,
        /// The entity folded into it.
        #[serde(serialize_with = "as_display")]
        absorbed: EntityId,
    },
    /// An entity gave back the mentions of one merged into it (a judgement split them).
    Split {
        /// The entity that kept the rest.
        #[serde(serialize_with = "as_display")]
        parent: EntityId,
        /// The entity that lives again.
        #[serde(serialize_with = "as_display")]
        child: EntityId,
        /// How many mentions moved to the child.
        mentions: usize,
    },
}

/// One event of an entity's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Its sequence number in the log.
    pub seq: u64,
    /// What it did.
    #[serde(flatten)]
    pub change: Change,
    /// The rule that decided it.
    pub rule: RuleName,
    /// The rule's score.
    pub score: f64,
    /// What the rule compared.
    pub evidence: Vec<String>,
}

/// One merge on the way from an id asked for to the entity it resolves to now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergeStep {
    /// The merge's sequence number.
    pub seq: u64,
    /// The id folded away.
    #[serde(serialize_with = "as_display")]
    pub absorbed: EntityId,
    /// The id it was folded into.
    #[serde(serialize_with = "as_display")]
    pub survivor: EntityId,
    /// The rule that decided the merge.
    pub rule: RuleName,
}

/// Every event that changed an entity, in log order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct History {
    /// The id asked for.
    #[serde(serialize_with = "as_display")]
    pub asked: EntityId,
    /// The live entity it resolves to (the same id unless it was merged away).
    #[serde(serialize_with = "as_display")]
    pub entity: EntityId,
    /// The merges that took `asked` to `entity`, in order; empty when they are the same.
    pub merged_into: Vec<MergeStep>,
    /// The events: created, linked and merged, of the entity and of every entity it absorbed.
    pub entries: Vec<HistoryEntry>,
}

/// The history of the entity `id` designates now; an id merged away gives its survivor's
/// history, with the merges that led there.
pub fn history(engine: &Engine, id: EntityId) -> Result<History, HistoryError> {
    let state = engine.state();
    let Some(entity) = state.entity(id) else { return Err(HistoryError::UnknownEntity { id }) };
    let mut entries = Vec::with_capacity(entity.history.len());
    for &seq in &entity.history {
        let Some(envelope) = engine.log().get(seq)? else { continue };
        if let Some(entry) = entry_of(state, seq, envelope.event) {
            entries.push(entry);
        }
    }
    let merged_into = merge_path(&entries, id, entity.id);
    Ok(History { asked: id, entity: entity.id, merged_into, entries })
}

fn entry_of(state: &State, seq: u64, event: Event) -> Option<HistoryEntry> {
    let mention_ref = |mention_id: String| {
        let (doc_id, text) = match state.mention(&mention_id) {
            Some(m) => (m.doc_id.clone(), m.text.clone()),
            None => (String::new(), String::new()),
        };
        MentionRef { mention_id, doc_id, text }
    };
    let (change, decision) = match event {
        Event::EntityCreated { entity, mention_id, kind, decision } => {
            (Change::Created { entity, kind, mention: mention_ref(mention_id) }, decision)
        }
        Event::MentionLinked { mention_id, entity, decision } => {
            (Change::Linked { entity, mention: mention_ref(mention_id) }, decision)
        }
        Event::EntitiesMerged { survivor, absorbed, decision } => (Change::Merged { survivor, absorbed }, decision),
        Event::EntitySplit { parent, child, mentions, decision, .. } => {
            (Change::Split { parent, child, mentions: mentions.len() }, decision)
        }
        Event::DocumentIngested { .. }
        | Event::MentionObserved { .. }
        | Event::Judged { .. }
        | Event::JudgementRetracted { .. } => return None,
    };
    Some(HistoryEntry { seq, change, rule: decision.rule, score: decision.score, evidence: decision.evidence })
}

/// The merges, in log order, that folded `asked` (and then its survivors) away until `live`.
fn merge_path(entries: &[HistoryEntry], asked: EntityId, live: EntityId) -> Vec<MergeStep> {
    let mut path = Vec::new();
    let mut current = asked;
    for entry in entries {
        if current == live {
            break;
        }
        if let Change::Merged { survivor, absorbed } = entry.change
            && absorbed == current
        {
            path.push(MergeStep { seq: entry.seq, absorbed, survivor, rule: entry.rule });
            current = survivor;
        }
    }
    path
}

/// An entity as a diff lists it: at the later point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffEntity {
    /// Its id.
    #[serde(serialize_with = "as_display")]
    pub id: EntityId,
    /// Its kind.
    pub kind: Kind,
    /// Its canonical name.
    pub name: String,
    /// How many mentions it has.
    pub mentions: usize,
}

/// An entity folded into another between the two points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffMerge {
    /// The id folded away.
    #[serde(serialize_with = "as_display")]
    pub absorbed: EntityId,
    /// Its name at the earlier point; empty when it was created after it.
    pub absorbed_name: String,
    /// The entity it resolves to at the later point.
    pub survivor: DiffEntity,
}

/// An entity that was merged into another at the earlier point and lives again at the later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffSplit {
    /// The entity that lives again, at the later point.
    pub entity: DiffEntity,
    /// The entity it was merged into at the earlier point.
    #[serde(serialize_with = "as_display")]
    pub from_entity: EntityId,
}

/// An entity that existed at both points and gained mentions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffGrowth {
    /// The entity at the later point.
    pub entity: DiffEntity,
    /// Its mentions at the earlier point.
    pub mentions_before: usize,
    /// Mentions gained (linked, or brought by merges).
    pub mentions_added: usize,
}

/// Mentions that belonged to one entity at the earlier point and to another at the later one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffMoved {
    /// The entity the mentions belonged to at the earlier point.
    #[serde(serialize_with = "as_display")]
    pub from: EntityId,
    /// The entity they belong to at the later point.
    #[serde(serialize_with = "as_display")]
    pub to: EntityId,
    /// How many mentions.
    pub mentions: usize,
}

/// What changed between the state after event `from` and the state after event `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The earlier point.
    pub from: u64,
    /// The later point.
    pub to: u64,
    /// Entities that exist at `to` and did not at `from`, in id order.
    pub created: Vec<DiffEntity>,
    /// Entities folded into another between the two points, in id order of the absorbed.
    pub merged: Vec<DiffMerge>,
    /// Entities live at `to` that were merged into another at `from` (a judgement split them
    /// off), in id order.
    pub split: Vec<DiffSplit>,
    /// Entities live at both points that gained mentions, in id order.
    pub grew: Vec<DiffGrowth>,
    /// Mentions present at `from` whose entity id at `to` differs, grouped by the two ids.
    pub moved: Vec<DiffMoved>,
}

/// What changed between the state after event `from` and after event `to` (default: the end of
/// the log). Points past the end of the log, then `from > to`, are errors.
pub fn diff(engine: &Engine, from: u64, to: Option<u64>) -> Result<Diff, HistoryError> {
    let last = engine.log().last_seq();
    if let Some(seq) = [Some(from), to].into_iter().flatten().find(|seq| *seq > last) {
        return Err(HistoryError::PastEnd { seq, last });
    }
    let to = to.unwrap_or(last);
    if from > to {
        return Err(HistoryError::FromAfterTo { from, to });
    }
    let before = engine.state_as_of(from)?;
    if to == engine.state().last_seq() {
        return Ok(diff_states(&before, engine.state(), from, to));
    }
    // One replay: carry the earlier state on to the later point.
    let mut after = before.clone();
    for item in engine.log().iter_from(from + 1) {
        let (seq, envelope) = item?;
        if seq > to {
            break;
        }
        after.apply(seq, &envelope.event);
    }
    Ok(diff_states(&before, &after, from, to))
}

/// The differences between two states of one log, `before` an earlier point of `after`.
pub fn diff_states(before: &State, after: &State, from: u64, to: u64) -> Diff {
    let listed = |id: EntityId| {
        after.entity(id).map(|e| DiffEntity {
            id: e.id,
            kind: e.kind,
            name: e.name().to_string(),
            mentions: e.mentions.len(),
        })
    };
    let known_before = |id: EntityId| id < before.next_entity_id();
    let created = after.entities().filter(|e| !known_before(e.id)).filter_map(|e| listed(e.id)).collect();
    let mut merged = Vec::new();
    for raw in 1..after.next_entity_id().0 {
        let id = EntityId(raw);
        let survivor = after.resolve(id);
        let live_before = !known_before(id) || before.resolve(id) == id;
        if survivor == id || !live_before {
            continue;
        }
        let absorbed_name = match before.entity(id) {
            Some(e) if known_before(id) => e.name().to_string(),
            _ => String::new(),
        };
        if let Some(survivor) = listed(survivor) {
            merged.push(DiffMerge { absorbed: id, absorbed_name, survivor });
        }
    }
    let grew = before
        .entities()
        .filter_map(|old| {
            let new = after.entity(old.id).filter(|e| e.id == old.id)?;
            let added = new.mentions.len().checked_sub(old.mentions.len()).filter(|n| *n > 0)?;
            Some(DiffGrowth { entity: listed(new.id)?, mentions_before: old.mentions.len(), mentions_added: added })
        })
        .collect();
    let split = after
        .entities()
        .filter(|e| known_before(e.id) && before.resolve(e.id) != e.id)
        .filter_map(|e| Some(DiffSplit { entity: listed(e.id)?, from_entity: before.resolve(e.id) }))
        .collect();
    Diff { from, to, created, merged, split, grew, moved: moved(before, after) }
}

fn moved(before: &State, after: &State) -> Vec<DiffMoved> {
    let mut groups: BTreeMap<(EntityId, EntityId), usize> = BTreeMap::new();
    for mention in before.mentions() {
        let (Some(old), Some(new)) = (before.entity_of(&mention.mention_id), after.entity_of(&mention.mention_id))
        else {
            continue;
        };
        if old != new {
            *groups.entry((old, new)).or_insert(0) += 1;
        }
    }
    groups.into_iter().map(|((from, to), mentions)| DiffMoved { from, to, mentions }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DocumentInput, EngineConfig, IngestOutcome};

    fn engine_with(dir: &std::path::Path, docs: &[(&str, &str)]) -> (Engine, Vec<u64>) {
        let mut engine = Engine::open(dir, EngineConfig::default()).unwrap();
        let mut ends = Vec::new();
        for (doc_id, text) in docs {
            let input =
                DocumentInput { doc_id: (*doc_id).into(), text: (*text).into(), source: "test".into(), mentions: None };
            let IngestOutcome::Appended { seqs, .. } = engine.ingest_document(input).unwrap() else {
                panic!("{doc_id}")
            };
            ends.push(seqs.end - 1);
        }
        (engine, ends)
    }

    const ROLE_THEN_NAME: [(&str, &str); 2] =
        [("d1", "The GAP chairman spoke in Berlin."), ("d2", "Green Alliance Party (GAP) chairman Omar Hale spoke.")];

    fn merged_pair(engine: &Engine) -> (EntityId, EntityId) {
        let state = engine.state();
        let survivor = state.entities().find(|e| !e.absorbed.is_empty()).expect("a merge happened");
        (survivor.id, survivor.absorbed[0])
    }

    #[test]
    fn an_id_merged_away_gives_its_survivors_history_and_the_merge_that_led_there() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, _) = engine_with(dir.path(), &ROLE_THEN_NAME);
        let (survivor, absorbed) = merged_pair(&engine);
        let h = history(&engine, absorbed).unwrap();
        assert_eq!((h.asked, h.entity), (absorbed, survivor));
        assert_eq!(h.merged_into.len(), 1);
        assert_eq!(h.merged_into[0].rule, RuleName::UniqueRole);
        assert!(matches!(h.entries[0].change, Change::Created { entity, .. } if entity == survivor));
        assert!(matches!(h.entries.last().unwrap().change, Change::Merged { absorbed: a, .. } if a == absorbed));
        assert!(h.entries.windows(2).all(|w| w[0].seq < w[1].seq), "log order");
        assert!(matches!(history(&engine, EntityId(999)), Err(HistoryError::UnknownEntity { .. })));
    }

    #[test]
    fn a_diff_across_the_second_document_lists_its_merge_and_growth_and_no_creation() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, ends) = engine_with(dir.path(), &ROLE_THEN_NAME);
        let (survivor, absorbed) = merged_pair(&engine);
        let d = diff(&engine, ends[0], None).unwrap();
        assert!(d.created.is_empty(), "{d:?}");
        assert_eq!(d.merged.len(), 1);
        assert_eq!((d.merged[0].absorbed, d.merged[0].survivor.id), (absorbed, survivor));
        assert!(d.grew.iter().any(|g| g.entity.id == survivor && g.mentions_added == 1), "{d:?}");
        let whole = diff(&engine, 0, Some(ends[0])).unwrap();
        assert_eq!(whole.created.len(), 3, "{whole:?}");
        assert!(matches!(diff(&engine, 5, Some(4)), Err(HistoryError::FromAfterTo { from: 5, to: 4 })));
        let last = ends[1];
        assert!(matches!(state_as_of(&engine, last + 1), Err(HistoryError::PastEnd { last: l, .. }) if l == last));
    }
}
