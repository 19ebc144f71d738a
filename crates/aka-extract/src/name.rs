//! Names: runs of capitalised words joined by connectors, cut at possessives of known names,
//! with sentence-initial common words (seen in lower case in the document, or in the list of
//! common English words), dates and demonyms left out.

use std::collections::BTreeSet;

use aka_core::Rules;
use aka_core::normalize::fold;
use aka_gazetteer::Gazetteer;

use crate::token::{Class, Token};
use crate::vocabulary::{Vocabulary, is_common_word};

/// Tokens in one run at most; a longer run is cut (it is noise, and the cap keeps time linear).
const RUN_TOKENS_MAX: usize = 32;

/// A candidate name: a range of tokens and its text.
#[derive(Clone, Debug)]
pub(crate) struct Name {
    /// First token, inclusive.
    pub first: usize,
    /// Last token, inclusive.
    pub last: usize,
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The text of the span.
    pub text: String,
    /// `fold` of the text.
    pub folded: String,
}

impl Name {
    /// The name covering tokens `first..=last`.
    pub fn new(chars: &[char], tokens: &[Token], first: usize, last: usize) -> Name {
        let start = tokens[first].start;
        let end = tokens[last].end;
        let text: String = chars[start..end].iter().collect();
        let folded = fold(&text);
        Name { first, last, start, end, text, folded }
    }
}

/// What the run finder needs to know about the document.
pub(crate) struct Finder<'a> {
    pub chars: &'a [char],
    pub tokens: &'a [Token],
    /// Tokens that belong to a title phrase and so to no name.
    pub in_title: &'a [bool],
    pub rules: &'a Rules,
    pub vocabulary: &'a Vocabulary,
    pub gazetteer: &'a Gazetteer,
    /// Folded words written capitalised somewhere other than at a sentence start.
    mid_capitalised: BTreeSet<String>,
    /// Folded words written in lower case somewhere.
    lower_seen: BTreeSet<String>,
    /// How the line of each token is written.
    lines: Vec<Casing>,
}

impl<'a> Finder<'a> {
    /// A finder over one document.
    pub fn new(
        chars: &'a [char],
        tokens: &'a [Token],
        in_title: &'a [bool],
        rules: &'a Rules,
        vocabulary: &'a Vocabulary,
        gazetteer: &'a Gazetteer,
    ) -> Finder<'a> {
        let mut mid_capitalised = BTreeSet::new();
        let mut lower_seen = BTreeSet::new();
        for (token, &title) in tokens.iter().zip(in_title) {
            if token.class != Class::Word {
                continue;
            }
            if token.is_capitalised() {
                if !token.sentence_start && !title {
                    mid_capitalised.insert(token.folded.clone());
                }
            } else {
                lower_seen.insert(token.folded.clone());
            }
        }
        let lines = line_casings(tokens, vocabulary);
        Finder { chars, tokens, in_title, rules, vocabulary, gazetteer, mid_capitalised, lower_seen, lines }
    }

    fn is_name_token(&self, k: usize) -> bool {
        k < self.tokens.len() && self.tokens[k].is_capitalised() && !self.in_title[k]
    }

    fn is_place(&self, folded: &str) -> bool {
        self.gazetteer.place(folded).is_some()
    }

    fn folded_span(&self, first: usize, last: usize) -> String {
        let start = self.tokens[first].start;
        let end = self.tokens[last].end;
        fold(&self.chars[start..end].iter().collect::<String>())
    }

    /// All names, left to right.
    pub fn find(&self, mention_len_max: usize) -> Vec<Name> {
        let mut names = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut headline_tokens: Vec<usize> = Vec::new();
        let mut k = 0;
        while k < self.tokens.len() {
            if !self.is_name_token(k) {
                k += 1;
                continue;
            }
            if self.lines[k] != Casing::Sentence {
                headline_tokens.push(k);
                k += 1;
                continue;
            }
            let last = self.run_end(k, &seen);
            if let Some((a, b)) = self.trim(k, last) {
                let name = Name::new(self.chars, self.tokens, a, b);
                if name.end - name.start <= mention_len_max {
                    seen.insert(name.folded.clone());
                    names.push(name);
                }
            }
            k = last + 1;
        }
        names.extend(self.headline_names(&headline_tokens, &names));
        names.sort_by_key(|n| (n.first, n.last));
        names
    }

    /// Names in lines written in title case or in capitals ("Jane Roe Wins Vote In Norland",
    /// "NORLAND SENDS DELEGATION"), where capitals tell nothing: the names the rest of the
    /// document writes in sentences, or the last words of one ("Roe"); otherwise only known
    /// places and, in title case, acronyms.
    fn headline_names(&self, candidates: &[usize], body: &[Name]) -> Vec<Name> {
        let mut known: BTreeSet<String> = BTreeSet::new();
        for name in body {
            for first in name.first..=name.last {
                if self.tokens[first].class == Class::Word {
                    known.insert(self.folded_span(first, name.last));
                }
            }
        }
        let mut out = Vec::new();
        let mut next_free = 0;
        for &k in candidates {
            if k < next_free {
                continue;
            }
            let longest = (k..self.tokens.len().min(k + 6))
                .take_while(|&j| j == k || (self.is_name_token(j) && !self.tokens[j].newline_before))
                .filter(|&j| known.contains(&self.folded_span(k, j)))
                .last();
            if let Some(j) = longest {
                out.push(Name::new(self.chars, self.tokens, k, j));
                next_free = j + 1;
                continue;
            }
            let token = &self.tokens[k];
            let acronym = self.lines[k] == Casing::Title && token.is_acronym();
            if acronym || self.is_place(&token.folded) {
                out.push(Name::new(self.chars, self.tokens, k, k));
            }
        }
        out
    }

    /// The last token of the run starting at `first`.
    fn run_end(&self, first: usize, seen: &BTreeSet<String>) -> usize {
        let mut last = first;
        while last - first < RUN_TOKENS_MAX {
            let next = last + 1;
            if self.tokens[last].possessive {
                // "Norland’s Metro News" splits; "Green Alliance Party" does not.
                if !self.is_name_token(next) || self.tokens[next].newline_before {
                    break;
                }
                // An organisation's possessive splits too ("the Labour Party’s Jane Roe").
                let possessor = self.folded_span(first, last);
                let org = self.vocabulary.org_heads.contains(&self.tokens[last].folded);
                if org || self.is_place(&possessor) || seen.contains(&possessor) {
                    break;
                }
                last = next;
                continue;
            }
            match self.joined_at(first, last) {
                Some(end) => last = end,
                None => break,
            }
        }
        last
    }

    /// The token a run ending at `last` continues to, if any.
    fn joined_at(&self, first: usize, last: usize) -> Option<usize> {
        let tokens = self.tokens;
        let next = last + 1;
        let token = tokens.get(next)?;
        if token.newline_before {
            return None;
        }
        if self.is_name_token(next) {
            return Some(next);
        }
        // "Philadelphia 76ers": a word that starts with digits continues a name.
        if token.class == Class::Number && token.text.chars().any(char::is_alphabetic) {
            return Some(next);
        }
        let v = self.vocabulary;
        // "Dr. Jane Roe", "J. K. Rowling".
        let prefix = &tokens[last];
        let joins_over_dot = prefix.text.chars().count() == 1
            || self.rules.is_honorific(&prefix.folded)
            || v.name_abbreviations.contains(&prefix.folded);
        if token.abbrev_dot && joins_over_dot && self.is_name_token(next + 1) && !tokens[next + 1].newline_before {
            return Some(next + 1);
        }
        let after_head = v.org_heads.contains(&tokens[last].folded);
        let connector =
            v.connectors.contains(&token.lower) || (after_head && v.connectors_after_head.contains(&token.lower));
        if connector {
            let mut m = next + 1;
            if tokens.get(m).is_some_and(|t| v.connector_articles.contains(&t.lower)) {
                m += 1;
            }
            if !self.is_name_token(m) || tokens[m].newline_before {
                return None;
            }
            let right = &tokens[m].folded;
            // "from Islamabad to Washington" is two places, "May" after "on" is a date.
            let two_places = self.is_place(&self.folded_span(first, last)) && self.is_place(right);
            if two_places || v.dates.contains(right) {
                return None;
            }
            return Some(m);
        }
        // "Trinidad and Tobago" joins only when the whole is a known place.
        if token.is_word("and") && self.is_name_token(next + 1) {
            let joined = format!("{} and {}", self.folded_span(first, last), tokens[next + 1].folded);
            if self.is_place(&joined) {
                return Some(next + 1);
            }
        }
        None
    }

    /// Whether a capitalised word is known to name something.
    fn known(&self, k: usize) -> bool {
        let token = &self.tokens[k];
        self.is_place(&token.folded) || token.is_acronym() || self.mid_capitalised.contains(&token.folded)
    }

    /// Whether a capitalised word looks like a common word written with a capital.
    fn common(&self, k: usize) -> bool {
        let folded = &self.tokens[k].folded;
        self.lower_seen.contains(folded) || (folded.ends_with("ing") && folded.chars().count() >= 6)
    }

    /// A common English word opening a sentence before a connector, with no head word to make
    /// it a name's first word: "Residents of Tarsa", but not "Bank of Norland".
    fn common_before_connector(&self, k: usize, last: usize) -> bool {
        let v = self.vocabulary;
        let token = &self.tokens[k];
        k < last
            && v.connectors.contains(&self.tokens[k + 1].lower)
            && is_common_word(&token.lower)
            && !v.is_head(&token.folded)
            && !v.org_first_heads.contains(&token.folded)
            && !v.other_first_heads.contains(&token.folded)
            && !v.event_first_heads.contains(&token.folded)
    }

    fn is_function_word(&self, k: usize) -> bool {
        let token = &self.tokens[k];
        !token.is_acronym() && self.vocabulary.function_words.contains(&token.folded)
    }

    /// The next name token after `k` within `..=last`.
    fn next_name_token(&self, k: usize, last: usize) -> Option<usize> {
        (k + 1..=last).find(|&m| self.is_name_token(m))
    }

    /// Cuts what is not part of a name off both ends of a run; `None` when nothing is left.
    fn trim(&self, first: usize, last: usize) -> Option<(usize, usize)> {
        let v = self.vocabulary;
        let has_head = (first..=last)
            .any(|k| v.is_head(&self.tokens[k].folded) || v.event_first_heads.contains(&self.tokens[k].folded));
        let mut a = first;
        let mut b = last;
        if !has_head {
            // A demonym or a date is not part of a name without a head word ("Pakistani
            // delegation", "June 2"); a demonym ends the name before it.
            let is_demonym = |k: usize| self.gazetteer.demonym(&self.tokens[k].folded).is_some();
            while is_demonym(a) || v.dates.contains(&self.tokens[a].folded) {
                a = self.next_name_token(a, b)?;
            }
            if let Some(d) = (a..=b).find(|&k| is_demonym(k)) {
                b = d - 1;
            }
            while v.dates.contains(&self.tokens[b].folded) || !self.is_name_token(b) {
                if b == a {
                    return None;
                }
                b -= 1;
            }
        }
        if a == first && self.tokens[a].sentence_start {
            while self.is_function_word(a) {
                a = self.next_name_token(a, b)?;
            }
            if a == first && !self.known(a) {
                if a == b {
                    // A lone word at a sentence start is a name only when it is no English
                    // word ("Okafor rejected it.", not "Details were not given.").
                    if self.common(a) || is_common_word(&self.tokens[a].lower) {
                        return None;
                    }
                } else if self.common(a) || self.common_before_connector(a, b) {
                    a = self.next_name_token(a, b)?;
                }
            }
        }
        if a == b {
            let token = &self.tokens[a];
            let lone_letter = token.text.chars().count() < 2;
            if lone_letter || self.rules.is_honorific(&token.folded) || self.is_function_word(a) {
                return None;
            }
        }
        Some((a, b))
    }
}

/// How a line is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Casing {
    /// Ordinary text.
    Sentence,
    /// At least three words and no lower-case letter.
    Capitals,
    /// At least four words, all capitalised, one of them a function word after the first:
    /// a headline in title case.
    Title,
}

/// Per token: how its line is written.
fn line_casings(tokens: &[Token], vocabulary: &Vocabulary) -> Vec<Casing> {
    let mut out = vec![Casing::Sentence; tokens.len()];
    let mut line_start = 0;
    for end in 1..=tokens.len() {
        if end < tokens.len() && !tokens[end].newline_before {
            continue;
        }
        let line = &tokens[line_start..end];
        let words: Vec<&Token> = line.iter().filter(|t| t.class == Class::Word).collect();
        let no_lower = line.iter().all(|t| !t.text.chars().any(char::is_lowercase));
        let all_capitalised = words.iter().all(|t| t.is_capitalised());
        let function_word = words.iter().skip(1).any(|t| vocabulary.function_words.contains(&t.folded));
        let casing = if words.len() >= 3 && no_lower {
            Casing::Capitals
        } else if words.len() >= 4 && all_capitalised && function_word {
            Casing::Title
        } else {
            Casing::Sentence
        };
        for flag in &mut out[line_start..end] {
            *flag = casing;
        }
        line_start = end;
    }
    out
}
