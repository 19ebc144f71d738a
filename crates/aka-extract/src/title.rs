//! Titles in the text: "Prime Minister", "former foreign ministers", "GAP chairman".

use aka_core::{Rules, Tense};

use crate::token::{Class, Token};
use crate::vocabulary::Vocabulary;

/// A title found in the text.
#[derive(Clone, Debug)]
pub(crate) struct Title {
    /// First token of the phrase, counting "former"-like words before the title.
    pub phrase_first: usize,
    /// First token of the title itself.
    pub first: usize,
    /// Last token of the title, inclusive.
    pub last: usize,
    /// The canonical title, or the lower-cased title as written when the rules do not know it.
    pub name: String,
    /// Held by one person at a time (from the rules).
    pub unique: bool,
    /// Written in the plural ("ministers", "Directors General").
    pub plural: bool,
    /// Former or current.
    pub tense: Tense,
}

/// The singular of a lower-case English noun, if it looks plural.
fn singular(word: &str) -> Option<String> {
    if let Some(stem) = word.strip_suffix("ies") {
        return Some(format!("{stem}y"));
    }
    if let Some(stem) = word.strip_suffix("men") {
        return Some(format!("{stem}man"));
    }
    if word.ends_with("ss") || word.chars().count() <= 3 {
        return None;
    }
    word.strip_suffix('s').map(str::to_string)
}

/// The title matching `words` as written or with its first or last word made singular.
fn lookup<'r>(rules: &'r Rules, words: &[&str]) -> Option<(&'r aka_core::rules::TitleRule, bool)> {
    let joined = words.join(" ");
    if let Some(rule) = rules.title(&joined) {
        return Some((rule, false));
    }
    let last = words.len() - 1;
    for index in [last, 0] {
        if let Some(one) = singular(words[index]) {
            let mut variant: Vec<&str> = words.to_vec();
            variant[index] = &one;
            if let Some(rule) = rules.title(&variant.join(" ")) {
                return Some((rule, true));
            }
        }
    }
    None
}

/// The longest title form starting at token `i`, as (last token, rule, plural).
fn match_at<'r>(
    tokens: &[Token],
    i: usize,
    rules: &'r Rules,
    words_max: usize,
) -> Option<(usize, &'r aka_core::rules::TitleRule, bool)> {
    let mut words: Vec<&str> = Vec::new();
    for k in i..tokens.len().min(i + words_max) {
        let token = &tokens[k];
        let continues = k == i || (!token.newline_before && !tokens[k - 1].possessive);
        if token.class != Class::Word || !continues {
            break;
        }
        words.push(&token.lower);
    }
    (1..=words.len()).rev().find_map(|n| {
        let found = lookup(rules, &words[..n]).or_else(|| {
            // "Secretary-General" is folded to "secretary general" as a form of its own.
            let folded: Vec<&str> = tokens[i..i + n].iter().map(|t| t.folded.as_str()).collect();
            lookup(rules, &folded)
        });
        found.map(|(rule, plural)| (i + n - 1, rule, plural))
    })
}

/// Whether a match is a title here and not a word of a name or a common word.
fn accepted(tokens: &[Token], first: usize, last: usize, vocabulary: &Vocabulary) -> bool {
    let token = &tokens[first];
    // Short forms ("pm", "head", "gen") count only when written with a capital.
    if first == last && token.folded.chars().count() <= 4 && !token.is_capitalised() {
        return false;
    }
    if !token.is_capitalised() {
        return true;
    }
    // "General Assembly", "Prime Minister’s Office": a capitalised title before a head word.
    let before_head = tokens
        .get(last + 1)
        .is_some_and(|next| next.is_capitalised() && !next.newline_before && vocabulary.is_head(&next.folded));
    // "Court of Justice": a capitalised title after a connector inside a name.
    let after_connector =
        first >= 2 && vocabulary.connectors.contains(&tokens[first - 1].lower) && tokens[first - 2].is_capitalised();
    !before_head && !after_connector
}

/// All titles in the text, left to right, longest form first; adjacent titles
/// ("deputy foreign minister") are merged into one title as written.
pub(crate) fn find_titles(tokens: &[Token], rules: &Rules, vocabulary: &Vocabulary) -> Vec<Title> {
    let words_max = rules.title_forms().map(|form| form.split(' ').count()).max().unwrap_or(1);
    let mut titles: Vec<Title> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let Some((last, rule, plural)) = match_at(tokens, i, rules, words_max) else {
            i += 1;
            continue;
        };
        if !accepted(tokens, i, last, vocabulary) {
            i = last + 1;
            continue;
        }
        // "deputy foreign minister" is one title; "Army chief General X" is two, told apart by
        // the capital that starts the second.
        let adjacent = titles.last().is_some_and(|prev| {
            prev.last + 1 == i
                && !tokens[prev.last].possessive
                && !tokens[i].newline_before
                && (tokens[prev.last].is_capitalised() || !tokens[i].is_capitalised())
        });
        if adjacent {
            let prev = titles.last_mut().expect("checked above");
            prev.last = last;
            prev.name = surface(&tokens[prev.first..=last], plural);
            prev.unique = false;
            prev.plural = plural;
        } else {
            let (phrase_first, tense) = tense_before(tokens, i, rules);
            titles.push(Title {
                phrase_first,
                first: i,
                last,
                name: rule.name.clone(),
                unique: rule.unique,
                plural,
                tense,
            });
        }
        i = last + 1;
    }
    titles
}

/// A title the rules do not know, lower case and singular as far as the last word goes.
fn surface(tokens: &[Token], plural: bool) -> String {
    let mut words: Vec<String> = tokens.iter().map(|t| t.lower.clone()).collect();
    if plural
        && let Some(last) = words.last_mut()
        && let Some(one) = singular(last)
    {
        *last = one;
    }
    words.join(" ")
}

/// The "former"/"current" words right before a title: where the phrase starts and its tense.
fn tense_before(tokens: &[Token], first: usize, rules: &Rules) -> (usize, Tense) {
    let mut start = first;
    let mut tense = Tense::Current;
    while start > 0 && !tokens[start].newline_before {
        let word = &tokens[start - 1];
        if word.class != Class::Word || word.possessive {
            break;
        }
        if rules.former_words.contains(&word.lower) {
            tense = Tense::Former;
        } else if !rules.current_words.contains(&word.lower) {
            break;
        }
        start -= 1;
    }
    (start, tense)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;
    use crate::vocabulary::vocabulary;

    fn titles(text: &str) -> Vec<String> {
        let rules = Rules::default_rules();
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize(&chars, &rules, vocabulary());
        find_titles(&tokens, &rules, vocabulary())
            .into_iter()
            .map(|t| {
                format!(
                    "{}{}{}{}",
                    if t.tense == Tense::Former { "former " } else { "" },
                    t.name,
                    if t.plural { " (plural)" } else { "" },
                    if t.unique { " (unique)" } else { "" },
                )
            })
            .collect()
    }

    #[test]
    fn titles_longest_first_with_plurals_and_tense() {
        assert_eq!(
            titles("two former foreign secretaries and the Directors General met PM X"),
            [
                "former foreign secretary (plural) (unique)",
                "director general (plural) (unique)",
                "prime minister (unique)"
            ]
        );
        assert_eq!(titles("the UN General Assembly"), Vec::<String>::new());
        assert_eq!(titles("at 3 pm, the ex-premier"), ["former prime minister (unique)"]);
        assert_eq!(titles("deputy foreign minister"), ["deputy foreign minister"]);
        assert_eq!(titles("Army chief General"), ["army chief (unique)", "general"]);
    }
}
