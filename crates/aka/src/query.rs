//! Reading the state: finding entities by id or name, mentions in their sentences, export rows.

use aka_core::normalize::{name_key, name_tokens};
use aka_core::{CharOffsets, EntityId, Mention, State};
use serde::Serialize;

pub use aka_core::attrs::Similarity;

/// Finds entities by id (`E12`, which also finds the survivor of a merged id), by the id of one
/// of their mentions (a record's id), by exact name or alias, or failing that by names that
/// contain the query's tokens in order. In id order.
pub fn find(state: &State, query: &str) -> Vec<EntityId> {
    if let Ok(id) = query.trim().parse::<EntityId>() {
        return state.entity(id).map(|e| vec![e.id]).unwrap_or_default();
    }
    if let Some(id) = state.entity_of(query.trim()) {
        return vec![id];
    }
    let rules = state.rules();
    let key = name_key(query, rules);
    if key.is_empty() {
        return Vec::new();
    }
    let mut ids = state.candidates(&format!("n:{key}"));
    if ids.is_empty() {
        let tokens = name_tokens(query, rules);
        ids = state
            .entity_names()
            .filter(|e| e.names.iter().any(|n| contains_in_order(&name_tokens(n, rules), &tokens)))
            .map(|e| e.id)
            .collect();
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn contains_in_order(long: &[String], short: &[String]) -> bool {
    let mut rest = long.iter();
    !short.is_empty() && short.iter().all(|t| rest.any(|l| l == t))
}

/// The sentence (or line) of `text` that holds the mention, trimmed; None without text.
pub fn sentence_of<'a>(text: &'a str, mention: &Mention) -> Option<&'a str> {
    let range = CharOffsets::new(text).byte_range(mention.start, mention.end)?;
    let (start, end) = (range.start, range.end);
    let is_break = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let from = text[..start].rfind(is_break).map_or(0, |i| i + 1);
    let to = text[end..].find(is_break).map_or(text.len(), |i| end + i + 1);
    Some(text[from..to].trim())
}

/// One line of `aka export mentions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// The mention.
    pub mention_id: String,
    /// Its document.
    pub doc_id: String,
    /// First character.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// The span's text.
    pub text: String,
    /// Its kind.
    pub kind: String,
    /// The entity it resolves to now.
    pub entity: String,
}

/// Every mention with the entity it resolves to now, in document then span order.
pub fn export_rows(state: &State) -> Vec<ExportRow> {
    let mut rows: Vec<ExportRow> = state
        .mentions()
        .map(|m| ExportRow {
            mention_id: m.mention_id.clone(),
            doc_id: m.doc_id.clone(),
            start: m.start,
            end: m.end,
            text: m.text.clone(),
            kind: m.kind.to_string(),
            entity: state.entity_of(&m.mention_id).map(|id| id.to_string()).unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| (&a.doc_id, a.start, a.end, &a.mention_id).cmp(&(&b.doc_id, b.start, b.end, &b.mention_id)));
    rows
}
