//! Acronyms defined in the text: "Green Alliance Party (GAP)".

use aka_core::normalize::{acronym_form, fold, initials};

use crate::name::Name;
use crate::token::Token;

/// An acronym defined for a name: indexes of the long name and of the acronym.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Definition {
    pub long: usize,
    pub short: usize,
}

/// Whether `short` can abbreviate `long`: it spells the initials, or starts with the same
/// letter and takes its letters in order from the name.
fn abbreviates(short: &str, long: &str) -> bool {
    let Some(letters) = acronym_form(short) else {
        return false;
    };
    if initials(long).contains(&letters) {
        return true;
    }
    let folded: String = fold(long).chars().filter(|c| *c != ' ').collect();
    if folded.chars().next() != letters.chars().next() {
        return false;
    }
    let mut rest = folded.chars();
    letters.chars().all(|c| rest.any(|d| d == c))
}

/// Every "Name (ACR)" in the text; `names` are sorted by their first token.
pub(crate) fn definitions(tokens: &[Token], names: &[Name]) -> Vec<Definition> {
    let mut by_first = std::collections::BTreeMap::new();
    for (index, name) in names.iter().enumerate() {
        by_first.entry(name.first).or_insert(index);
    }
    let punct = |k: usize, c: &str| tokens.get(k).is_some_and(|t| t.is_punct(c));
    let mut out = Vec::new();
    for (long, name) in names.iter().enumerate() {
        if !punct(name.last + 1, "(") {
            continue;
        }
        let Some(&short) = by_first.get(&(name.last + 2)) else {
            continue;
        };
        let acronym = &names[short];
        if acronym.first == acronym.last && punct(acronym.last + 1, ")") && abbreviates(&acronym.text, &name.text) {
            out.push(Definition { long, short });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_abbreviate_their_names() {
        assert!(abbreviates("PPP", "Pakistan People’s Party"));
        assert!(abbreviates("FO", "Foreign Office"));
        assert!(abbreviates("PoK", "Pakistan-occupied Kashmir"));
        assert!(abbreviates("NADRA", "National Database and Registration Authority"));
        assert!(!abbreviates("AFP", "Shehbaz Sharif"));
        assert!(!abbreviates("Congress", "Shashi Tharoor"));
    }
}
