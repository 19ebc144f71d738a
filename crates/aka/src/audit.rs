//! Audit: the observations recorded in the log re-resolved under other rules, in memory only,
//! and the two partitions of mentions compared; with gold entities, both scored (pairwise and
//! B-cubed precision, recall and F1).
//!
//! The log is read, never written: the re-resolution runs on a fresh [`State`] that lives as
//! long as the call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aka_core::{EntityId, Event, Mention, Rules, State};
use serde::Serialize;

use crate::Engine;

/// The audit could not read the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// An event of the log could not be read.
    #[error("reading the log: {0}")]
    Read(#[from] aka_store::ReadError),
}

/// One decision that placed a mention: the link (or new entity) first, then each merge that
/// folded that entity into another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionAt {
    /// The sequence number in the log, for recorded decisions; none for audited ones, which
    /// exist only in memory.
    pub seq: Option<u64>,
    /// The entity the decision put the mention in (for a merge: the survivor).
    pub entity: String,
    /// The rule.
    pub rule: String,
    /// Its score.
    pub score: f64,
    /// What it compared.
    pub evidence: Vec<String>,
}

/// Where one side (recorded or audited) put a mention, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// The entity it resolves to (`E12`; empty if none).
    pub entity: String,
    /// That entity's name.
    pub name: String,
    /// The decisions that put it there, in order.
    pub decisions: Vec<DecisionAt>,
}

/// A mention whose grouping differs between the two sides.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MentionAudit {
    /// The mention.
    pub mention_id: String,
    /// Its document.
    pub doc_id: String,
    /// Its text.
    pub text: String,
    /// What the log says.
    pub recorded: Side,
    /// What the other rules decide.
    pub audited: Side,
}

/// A recorded entity some of whose mentions are grouped otherwise under the other rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DifferingGroup {
    /// The recorded entity.
    pub recorded_entity: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// How many mentions it has.
    pub mention_count: usize,
    /// The audited entities its mentions fall into; more than one: a merge that would not happen.
    pub audited_entities: Vec<String>,
    /// Other recorded entities that share an audited entity with it: merges that would happen.
    pub joined_with: Vec<String>,
    /// Its mentions whose grouping differs.
    pub mentions: Vec<MentionAudit>,
}

/// The outcome of an audit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditReport {
    /// The hash of the rules the audit re-resolved with.
    pub rules_audited: String,
    /// The hashes of the rules the log's decisions were made with, sorted.
    pub rules_recorded: Vec<String>,
    /// Mentions re-resolved.
    pub mentions: usize,
    /// Entities in the log's state.
    pub entities_recorded: usize,
    /// Entities under the other rules.
    pub entities_audited: usize,
    /// Mentions whose group (the set of mentions sharing their entity) differs.
    pub mentions_differing: usize,
    /// Recorded entities the other rules split: merges that would not happen.
    pub merges_not_happening: usize,
    /// Audited entities that join several recorded ones: merges that would happen.
    pub merges_happening: usize,
    /// The differences, by recorded entity in id order.
    pub groups: Vec<DifferingGroup>,
    /// Each mention with its entity on both sides, for scoring.
    #[serde(skip)]
    assignments: Vec<Assignment>,
}

/// A mention and its entity on both sides.
#[derive(Clone, Debug, PartialEq)]
struct Assignment {
    mention_id: String,
    doc_id: String,
    start: u32,
    end: u32,
    recorded: Option<EntityId>,
    audited: Option<EntityId>,
}

/// Re-resolves every observation of the engine's log under `rules`, in log order and in the
/// batches they were ingested in, on an in-memory state, and compares the result with the
/// engine's state. Never appends to the log.
pub fn audit(engine: &Engine, rules: Arc<Rules>) -> Result<AuditReport, AuditError> {
    let rules_audited = rules.hash.clone();
    let replayed = rerun(engine, rules)?;
    let recorded_state = engine.state();
    let audited_state = &replayed.state;
    let assignments: Vec<Assignment> = recorded_state
        .mentions()
        .map(|m| Assignment {
            mention_id: m.mention_id.clone(),
            doc_id: m.doc_id.clone(),
            start: m.start,
            end: m.end,
            recorded: recorded_state.entity_of(&m.mention_id),
            audited: audited_state.entity_of(&m.mention_id),
        })
        .collect();
    let compared = Comparison::new(&assignments);
    let sides = Sides { recorded: (recorded_state, &replayed.recorded), audited: (audited_state, &replayed.audited) };
    let groups = compared.groups(&assignments, recorded_state, &sides);
    Ok(AuditReport {
        rules_audited,
        rules_recorded: replayed.recorded_hashes.into_iter().collect(),
        mentions: assignments.len(),
        entities_recorded: recorded_state.entities().count(),
        entities_audited: audited_state.entities().count(),
        mentions_differing: compared.differing.iter().filter(|d| **d).count(),
        merges_not_happening: compared.splits(),
        merges_happening: compared.joins(),
        groups,
        assignments,
    })
}

/// What one pass over the log gives: the audited state, and the decisions of both sides.
struct Rerun {
    state: State,
    recorded: Decisions,
    audited: Decisions,
    recorded_hashes: BTreeSet<String>,
}

/// Observations waiting to be re-resolved as one batch, as they were ingested.
#[derive(Default)]
struct Batch {
    document: Option<Event>,
    mentions: Vec<Mention>,
    /// A decision followed the observations: the next observation starts a new batch.
    decided: bool,
}

fn rerun(engine: &Engine, rules: Arc<Rules>) -> Result<Rerun, AuditError> {
    let mut out = Rerun {
        state: State::new(rules),
        recorded: Decisions::default(),
        audited: Decisions::default(),
        recorded_hashes: BTreeSet::new(),
    };
    let mut next_seq = 1;
    let mut batch: Option<Batch> = None;
    for item in engine.log().iter_from(1) {
        let (seq, envelope) = item?;
        match envelope.event {
            document @ Event::DocumentIngested { .. } => {
                out.flush(batch.take(), &mut next_seq);
                batch = Some(Batch { document: Some(document), ..Batch::default() });
            }
            Event::MentionObserved { mention } => {
                if batch.as_ref().is_none_or(|b| b.decided) {
                    out.flush(batch.take(), &mut next_seq);
                }
                batch.get_or_insert_with(Batch::default).mentions.push(Arc::unwrap_or_clone(mention));
            }
            decision => {
                if let Some(hash) = decision_of(&decision).map(|d| d.rules.clone()) {
                    out.recorded_hashes.insert(hash);
                }
                out.recorded.record(Some(seq), &decision);
                if let Some(open) = batch.as_mut() {
                    open.decided = true;
                }
            }
        }
    }
    out.flush(batch, &mut next_seq);
    Ok(out)
}

impl Rerun {
    /// Re-resolves one batch on the audited state; the sequence numbers are the in-memory run's own.
    fn flush(&mut self, batch: Option<Batch>, next_seq: &mut u64) {
        let Some(batch) = batch else { return };
        let events = aka_core::resolver::ingest(&mut self.state, *next_seq, batch.document, batch.mentions);
        for event in &events {
            self.audited.record(None, event);
        }
        *next_seq += u64::try_from(events.len()).unwrap_or(u64::MAX);
    }
}

fn decision_of(event: &Event) -> Option<&aka_core::Decision> {
    match event {
        Event::EntityCreated { decision, .. }
        | Event::MentionLinked { decision, .. }
        | Event::EntitiesMerged { decision, .. }
        | Event::EntitySplit { decision, .. } => Some(decision),
        Event::DocumentIngested { .. }
        | Event::MentionObserved { .. }
        | Event::Judged { .. }
        | Event::JudgementRetracted { .. } => None,
    }
}

/// The decisions of one side: the one that placed each mention, and the merges.
#[derive(Default)]
struct Decisions {
    links: BTreeMap<String, (EntityId, DecisionAt)>,
    merges: BTreeMap<EntityId, (EntityId, DecisionAt)>,
}

impl Decisions {
    fn record(&mut self, seq: Option<u64>, event: &Event) {
        let at = |entity: EntityId, d: &aka_core::Decision| DecisionAt {
            seq,
            entity: entity.to_string(),
            rule: d.rule.to_string(),
            score: d.score,
            evidence: d.evidence.clone(),
        };
        match event {
            Event::EntityCreated { entity, mention_id, decision, .. }
            | Event::MentionLinked { mention_id, entity, decision } => {
                self.links.insert(mention_id.clone(), (*entity, at(*entity, decision)));
            }
            Event::EntitiesMerged { survivor, absorbed, decision } => {
                self.merges.insert(*absorbed, (*survivor, at(*survivor, decision)));
            }
            // A judgement's split gives the mentions back to the entity they came through.
            Event::EntitySplit { child, mentions, decision, .. } => {
                self.merges.remove(child);
                for mention_id in mentions {
                    self.links.insert(mention_id.clone(), (*child, at(*child, decision)));
                }
            }
            Event::DocumentIngested { .. }
            | Event::MentionObserved { .. }
            | Event::Judged { .. }
            | Event::JudgementRetracted { .. } => {}
        }
    }

    /// The link of a mention and the merges that carried its entity on, in order.
    fn chain(&self, mention_id: &str) -> Vec<DecisionAt> {
        let Some((entity, link)) = self.links.get(mention_id) else { return Vec::new() };
        let mut out = vec![link.clone()];
        let mut current = *entity;
        // A merge chain is at most as long as the number of merges; the bound guards a cycle.
        for _ in 0..self.merges.len() {
            let Some((survivor, merge)) = self.merges.get(&current) else { break };
            out.push(merge.clone());
            current = *survivor;
        }
        out
    }
}

/// Both sides' states and decisions, to describe a mention.
struct Sides<'a> {
    recorded: (&'a State, &'a Decisions),
    audited: (&'a State, &'a Decisions),
}

fn side(state: &State, decisions: &Decisions, mention_id: &str, entity: Option<EntityId>) -> Side {
    Side {
        entity: entity.map(|id| id.to_string()).unwrap_or_default(),
        name: entity.and_then(|id| state.entity(id)).map(|e| e.name().to_string()).unwrap_or_default(),
        decisions: decisions.chain(mention_id),
    }
}

/// A group of mentions on one side: its entity, or the mention alone when it has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cluster {
    Entity(EntityId),
    Alone(usize),
}

fn cluster(entity: Option<EntityId>, index: usize) -> Cluster {
    entity.map_or(Cluster::Alone(index), Cluster::Entity)
}

/// The two partitions side by side.
struct Comparison {
    recorded: BTreeMap<Cluster, Vec<usize>>,
    audited: BTreeMap<Cluster, Vec<usize>>,
    /// Mentions per (recorded, audited) pair of clusters.
    overlap: BTreeMap<(Cluster, Cluster), usize>,
    differing: Vec<bool>,
}

impl Comparison {
    fn new(assignments: &[Assignment]) -> Comparison {
        let mut recorded: BTreeMap<Cluster, Vec<usize>> = BTreeMap::new();
        let mut audited: BTreeMap<Cluster, Vec<usize>> = BTreeMap::new();
        let mut overlap: BTreeMap<(Cluster, Cluster), usize> = BTreeMap::new();
        for (i, a) in assignments.iter().enumerate() {
            let (r, d) = (cluster(a.recorded, i), cluster(a.audited, i));
            recorded.entry(r).or_default().push(i);
            audited.entry(d).or_default().push(i);
            *overlap.entry((r, d)).or_default() += 1;
        }
        // A mention's group is the same on both sides when its two clusters are the same set,
        // that is when their overlap is as large as each of them.
        let differing = assignments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let (r, d) = (cluster(a.recorded, i), cluster(a.audited, i));
                let both = overlap[&(r, d)];
                both != recorded[&r].len() || both != audited[&d].len()
            })
            .collect();
        Comparison { recorded, audited, overlap, differing }
    }

    /// Recorded clusters spread over several audited ones.
    fn splits(&self) -> usize {
        self.recorded.keys().filter(|r| self.overlap.keys().filter(|(x, _)| x == *r).count() > 1).count()
    }

    /// Audited clusters that gather several recorded ones.
    fn joins(&self) -> usize {
        self.audited.keys().filter(|d| self.overlap.keys().filter(|(_, y)| y == *d).count() > 1).count()
    }

    fn groups(&self, assignments: &[Assignment], recorded_state: &State, sides: &Sides<'_>) -> Vec<DifferingGroup> {
        let mut groups = Vec::new();
        for (r, members) in &self.recorded {
            let differing: Vec<usize> = members.iter().copied().filter(|&i| self.differing[i]).collect();
            if differing.is_empty() {
                continue;
            }
            let audited: BTreeSet<Cluster> = self.overlap.keys().filter(|(x, _)| x == r).map(|(_, y)| *y).collect();
            let joined: BTreeSet<Cluster> =
                self.overlap.keys().filter(|(x, y)| x != r && audited.contains(y)).map(|(x, _)| *x).collect();
            let first = &assignments[members[0]];
            let entity = first.recorded.and_then(|id| recorded_state.entity(id));
            let mentions = differing.iter().map(|&i| describe(&assignments[i], recorded_state, sides)).collect();
            groups.push(DifferingGroup {
                recorded_entity: label(*r, assignments),
                name: entity.as_ref().map(|e| e.name().to_string()).unwrap_or_default(),
                kind: entity.map(|e| e.kind.to_string()).unwrap_or_default(),
                mention_count: members.len(),
                audited_entities: audited.iter().map(|c| label(*c, assignments)).collect(),
                joined_with: joined.iter().map(|c| label(*c, assignments)).collect(),
                mentions,
            });
        }
        groups
    }
}

/// How a cluster is named in the report: its entity id, or its lone mention's id.
fn label(cluster: Cluster, assignments: &[Assignment]) -> String {
    match cluster {
        Cluster::Entity(id) => id.to_string(),
        Cluster::Alone(i) => format!("(none: {})", assignments[i].mention_id),
    }
}

fn describe(a: &Assignment, recorded_state: &State, sides: &Sides<'_>) -> MentionAudit {
    let text = recorded_state.mention(&a.mention_id).map(|m| m.text.clone()).unwrap_or_default();
    let (rs, rd) = sides.recorded;
    let (as_, ad) = sides.audited;
    MentionAudit {
        mention_id: a.mention_id.clone(),
        doc_id: a.doc_id.clone(),
        text,
        recorded: side(rs, rd, &a.mention_id, a.recorded),
        audited: side(as_, ad, &a.mention_id, a.audited),
    }
}

/// A line of a gold file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {detail}")]
pub struct GoldError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it, naming the field.
    pub detail: String,
}

/// Gold entities per mention, from JSON lines `{"mention_id","entity"}` or
/// `{"doc_id","start","end","entity"}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gold {
    by_mention: BTreeMap<String, String>,
    by_span: BTreeMap<(String, u32, u32), String>,
}

impl Gold {
    /// Parses the text of a gold file; blank lines are skipped.
    pub fn parse(text: &str) -> Result<Gold, GoldError> {
        let mut gold = Gold::default();
        for (index, raw) in text.lines().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let line = index + 1;
            let bad = |detail: String| GoldError { line, detail };
            let value: serde_json::Value =
                serde_json::from_str(raw).map_err(|e| bad(format!("not a JSON object: {e}")))?;
            let entity = match value.get("entity") {
                Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => return Err(bad("field \"entity\" is missing or not a non-empty string or number".into())),
            };
            let previous = if let Some(id) = value.get("mention_id") {
                let id = id.as_str().ok_or_else(|| bad("field \"mention_id\" is not a string".into()))?;
                gold.by_mention.insert(id.to_string(), entity.clone())
            } else {
                let doc_id = value.get("doc_id").and_then(|d| d.as_str()).ok_or_else(|| {
                    bad("needs \"mention_id\", or \"doc_id\" (a string) with \"start\" and \"end\"".into())
                })?;
                let offset = |field: &str| {
                    value
                        .get(field)
                        .and_then(serde_json::Value::as_u64)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| bad(format!("field {field:?} is missing or not a character offset")))
                };
                let (start, end) = (offset("start")?, offset("end")?);
                gold.by_span.insert((doc_id.to_string(), start, end), entity.clone())
            };
            if previous.is_some_and(|p| p != entity) {
                return Err(bad("this mention already has another gold entity on an earlier line".into()));
            }
        }
        Ok(gold)
    }

    /// Gold entries that name no mention of `assignments`.
    fn unmatched(&self, assignments: &[Assignment]) -> usize {
        let ids: BTreeSet<&str> = assignments.iter().map(|a| a.mention_id.as_str()).collect();
        let spans: BTreeSet<(&str, u32, u32)> =
            assignments.iter().map(|a| (a.doc_id.as_str(), a.start, a.end)).collect();
        let by_id = self.by_mention.keys().filter(|id| !ids.contains(id.as_str())).count();
        let by_span = self.by_span.keys().filter(|(d, s, e)| !spans.contains(&(d.as_str(), *s, *e))).count();
        by_id + by_span
    }

    fn entity_of(&self, a: &Assignment) -> Option<&String> {
        self.by_mention.get(&a.mention_id).or_else(|| self.by_span.get(&(a.doc_id.clone(), a.start, a.end)))
    }
}

/// Precision, recall and F1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1, their harmonic mean (0 when both are 0).
    pub f1: f64,
}

impl Prf {
    fn new(precision: f64, recall: f64) -> Prf {
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Prf { precision, recall, f1 }
    }
}

/// One partition's scores against the gold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Over pairs of mentions put together. With no pair predicted (or none in the gold),
    /// precision (or recall) is 1: nothing wrong was claimed (nothing was missed).
    pub pairwise: Prf,
    /// B-cubed: per mention, the overlap of its predicted and gold groups, averaged.
    pub bcubed: Prf,
}

/// Both partitions scored against gold entities.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoldScores {
    /// Mentions with a gold entity: the ones scored.
    pub scored: usize,
    /// Mentions of the store with no gold entity, left out of the scores.
    pub without_gold: usize,
    /// Gold lines that name no mention of the store.
    pub gold_unmatched: usize,
    /// The log's partition.
    pub recorded: Scores,
    /// The other rules' partition.
    pub audited: Scores,
}

impl AuditReport {
    /// Scores both partitions against `gold`; mentions without a gold entity are left out.
    pub fn score(&self, gold: &Gold) -> GoldScores {
        let mut scored: Vec<(usize, &String)> = Vec::new();
        for (i, a) in self.assignments.iter().enumerate() {
            if let Some(entity) = gold.entity_of(a) {
                scored.push((i, entity));
            }
        }
        let pick = |side: fn(&Assignment) -> Option<EntityId>| -> Vec<(Cluster, &String)> {
            scored.iter().map(|&(i, g)| (cluster(side(&self.assignments[i]), i), g)).collect()
        };
        GoldScores {
            scored: scored.len(),
            without_gold: self.assignments.len() - scored.len(),
            gold_unmatched: gold.unmatched(&self.assignments),
            recorded: score_partition(&pick(|a| a.recorded)),
            audited: score_partition(&pick(|a| a.audited)),
        }
    }
}

/// Scores a partition given as (predicted cluster, gold entity) per mention.
fn score_partition<K: Ord + Copy, G: Ord>(items: &[(K, G)]) -> Scores {
    let mut predicted: BTreeMap<K, usize> = BTreeMap::new();
    let mut gold: BTreeMap<&G, usize> = BTreeMap::new();
    let mut both: BTreeMap<(K, &G), usize> = BTreeMap::new();
    for (k, g) in items {
        *predicted.entry(*k).or_default() += 1;
        *gold.entry(g).or_default() += 1;
        *both.entry((*k, g)).or_default() += 1;
    }
    let pairs = |n: usize| n * n.saturating_sub(1) / 2;
    let true_pairs: usize = both.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: usize = predicted.values().map(|&n| pairs(n)).sum();
    let gold_pairs: usize = gold.values().map(|&n| pairs(n)).sum();
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { to_f64(a) / to_f64(b) };
    let pairwise = Prf::new(ratio(true_pairs, predicted_pairs), ratio(true_pairs, gold_pairs));
    // B-cubed: each mention of a (predicted, gold) cell of n mentions contributes n / |predicted|
    // to precision and n / |gold| to recall; a cell holds n such mentions.
    let (mut precision, mut recall) = (0.0, 0.0);
    for ((k, g), &n) in &both {
        precision += to_f64(n) * to_f64(n) / to_f64(predicted[k]);
        recall += to_f64(n) * to_f64(n) / to_f64(gold[g]);
    }
    let count = to_f64(items.len());
    let bcubed = if items.is_empty() { Prf::new(1.0, 1.0) } else { Prf::new(precision / count, recall / count) };
    Scores { pairwise, bcubed }
}

/// Counts as floats; exact below 2^53, far beyond any store this scores.
fn to_f64(n: usize) -> f64 {
    u32::try_from(n).map_or_else(|_| f64::from(u32::MAX), f64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(items: &[(u32, &str)], pairwise: (f64, f64), bcubed: (f64, f64)) {
        let scores = score_partition(items);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(
            close(scores.pairwise.precision, pairwise.0) && close(scores.pairwise.recall, pairwise.1),
            "pairwise {:?}",
            scores.pairwise
        );
        assert!(
            close(scores.bcubed.precision, bcubed.0) && close(scores.bcubed.recall, bcubed.1),
            "bcubed {:?}",
            scores.bcubed
        );
    }

    #[test]
    fn a_partition_equal_to_the_gold_scores_one() {
        check(&[(1, "a"), (1, "a"), (2, "b")], (1.0, 1.0), (1.0, 1.0));
    }

    #[test]
    fn everything_in_one_cluster_loses_precision_not_recall() {
        // Gold {x,y} {z}; predicted {x,y,z}: pairs 1 right of 3; B-cubed precision (2/3*2 + 1/3)/3.
        check(&[(1, "a"), (1, "a"), (1, "b")], (1.0 / 3.0, 1.0), (5.0 / 9.0, 1.0));
    }

    #[test]
    fn singletons_lose_recall_not_precision() {
        // Gold {x,y,z}; predicted singletons: no pair claimed, none of 3 found; B-cubed recall 1/3.
        check(&[(1, "a"), (2, "a"), (3, "a")], (1.0, 0.0), (1.0, 1.0 / 3.0));
    }

    #[test]
    fn gold_lines_of_both_forms_parse_and_bad_ones_name_their_line() {
        let gold = Gold::parse(
            "{\"mention_id\":\"a:0-5\",\"entity\":\"P1\"}\n\n{\"doc_id\":\"b\",\"start\":0,\"end\":5,\"entity\":7}\n",
        )
        .unwrap();
        assert_eq!(gold.by_mention["a:0-5"], "P1");
        assert_eq!(gold.by_span[&("b".to_string(), 0, 5)], "7");
        let err =
            Gold::parse("{\"mention_id\":\"a\",\"entity\":\"P\"}\n{\"doc_id\":\"b\",\"entity\":\"P\"}\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.detail.contains("start"), "{err}");
    }
}
