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
        let wanted: Vec<Vec<String>> = tokens.iter().map(|t| spelled_as(t, rules)).collect();
        let mut lowered = String::new();
        ids = state
            .entity_names()
            .filter(|e| {
                e.names.iter().any(|n| {
                    may_contain(n, &wanted, &mut lowered) && contains_in_order(&name_tokens(n, rules), &tokens)
                })
            })
            .map(|e| e.id)
            .collect();
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The words of a name that become `token` among its [`name_tokens`]: the token itself, unless
/// the rules spell it another way, and each word the rules spell as it.
fn spelled_as(token: &str, rules: &aka_core::Rules) -> Vec<String> {
    let mut words: Vec<String> =
        rules.spellings.iter().filter(|(_, to)| *to == token).map(|(from, _)| from.clone()).collect();
    if rules.spellings.get(token).is_none_or(|to| to == token) {
        words.push(token.to_string());
    }
    words
}

/// Whether a name may hold, for each of the query's tokens, a word that becomes it (`wanted`,
/// by [`spelled_as`]): without folding the name into tokens, which the scan of every name cannot
/// afford. A word of an ASCII name folded is a run of its letters and digits lower-cased,
/// apostrophes dropped, so it is found in the name lower-cased without apostrophes (`lowered`,
/// a buffer); a name of other text may hold anything.
fn may_contain(name: &str, wanted: &[Vec<String>], lowered: &mut String) -> bool {
    if !name.is_ascii() {
        return true;
    }
    lowered.clear();
    lowered.extend(name.chars().filter(|c| !matches!(c, '\'' | '`')).map(|c| c.to_ascii_lowercase()));
    wanted.iter().all(|words| words.iter().any(|word| lowered.contains(word.as_str())))
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        // The scan by name passes over a name only when its tokens cannot hold the query's:
        // the words of a name are found in it (spelling variants, apostrophes, hyphens, case,
        // honorifics and connectors included), or the name is not ASCII.
        #[test]
        fn a_name_passed_over_by_the_scan_does_not_hold_the_querys_tokens(
            name in "(Centre|center|Mr|of|O'Bri|[a-cA-C'`é-]{1,4})( (Centre|center|Mr|of|[a-cA-C'`é-]{1,4})){0,3}",
            query in "(centre|Center|Mr|of|obri|[a-cA-C'-]{1,3})( (centre|Center|[a-cA-C'-]{1,3})){0,2}",
        ) {
            let rules = aka_core::Rules::default_rules();
            let tokens = name_tokens(&query, &rules);
            let wanted: Vec<Vec<String>> = tokens.iter().map(|t| spelled_as(t, &rules)).collect();
            if contains_in_order(&name_tokens(&name, &rules), &tokens) {
                prop_assert!(may_contain(&name, &wanted, &mut String::new()), "{name:?} holds {tokens:?}");
            }
        }
    }

    #[test]
    fn the_scan_passes_over_names_without_the_querys_words_and_keeps_spelling_variants() {
        let rules = aka_core::Rules::default_rules();
        let wanted = |query: &str| -> Vec<Vec<String>> {
            name_tokens(query, &rules).iter().map(|t| spelled_as(t, &rules)).collect()
        };
        let mut lowered = String::new();
        assert!(may_contain("Lincoln Centre", &wanted("lincoln center"), &mut lowered));
        assert!(may_contain("Dr. Seán O'Brien", &wanted("obrien"), &mut lowered), "not ASCII: kept");
        assert!(may_contain("Pat O'Brien-Smith", &wanted("obrien smith"), &mut lowered));
        assert!(!may_contain("Pat Smith", &wanted("obrien"), &mut lowered));
        assert!(!may_contain("Lincoln Theatre", &wanted("lincoln center"), &mut lowered));
    }
}
