//! Tokens: the words, numbers and punctuation of a text with their character offsets.

use aka_core::Rules;
use aka_core::normalize::fold;

use crate::vocabulary::Vocabulary;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Letters and digits starting with a letter, with inner apostrophes and hyphens.
    Word,
    /// Starts with a digit.
    Number,
    /// One character that is neither a letter, a digit nor white space.
    Punct,
}

/// One token. Offsets are character offsets into the text, end exclusive; a possessive
/// suffix is not part of the token.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
    /// The surface text, without a possessive suffix.
    pub text: String,
    /// Lower case, curly apostrophes made straight.
    pub lower: String,
    /// `fold` of the text.
    pub folded: String,
    pub class: Class,
    /// Followed by "'s", "’s" or (after s) a lone apostrophe.
    pub possessive: bool,
    /// First token of a sentence, a quotation, a line or the text.
    pub sentence_start: bool,
    /// A line break lies between this token and the one before.
    pub newline_before: bool,
    /// A full stop that ends an abbreviation ("Dr.", "J."), not a sentence.
    pub abbrev_dot: bool,
}

impl Token {
    /// A word whose first letter is upper case.
    pub fn is_capitalised(&self) -> bool {
        self.class == Class::Word && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// A word written in capitals as an acronym ("UN", "PoK", "U.S.").
    pub fn is_acronym(&self) -> bool {
        self.class == Class::Word && aka_core::normalize::acronym_form(&self.text).is_some()
    }

    /// Punctuation equal to `c`.
    pub fn is_punct(&self, c: &str) -> bool {
        self.class == Class::Punct && self.text == c
    }

    /// A word whose lower-case text is `word`.
    pub fn is_word(&self, word: &str) -> bool {
        self.class == Class::Word && self.lower == word
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Punctuation after which a new sentence (or quotation) starts.
fn starts_sentence_after(c: &str) -> bool {
    matches!(c, "." | "!" | "?" | "\u{201C}" | "\"" | "\u{2014}")
}

/// Splits `chars` into tokens, then repairs hyphenated words and marks sentence starts.
pub(crate) fn tokenize(chars: &[char], rules: &Rules, vocabulary: &Vocabulary) -> Vec<Token> {
    let mut raw = Vec::new();
    let mut i = 0;
    let mut newline = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            newline |= c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}';
            i += 1;
            continue;
        }
        let (token, next) =
            if c.is_alphanumeric() { read_word(chars, i) } else { (plain(chars, i, i + 1, Class::Punct), i + 1) };
        let mut token = token;
        token.newline_before = newline;
        newline = false;
        raw.push(token);
        i = next;
    }
    let tokens = split_hyphenated(chars, raw, rules);
    mark_sentences(tokens, rules, vocabulary)
}

fn plain(chars: &[char], start: usize, end: usize, class: Class) -> Token {
    let text: String = chars[start..end].iter().collect();
    let lower = text.to_lowercase().replace(['\u{2019}', '\u{02BC}'], "'");
    // Only words are ever compared folded; folding is the costly step of tokenising.
    let folded = if class == Class::Word { fold(&text) } else { String::new() };
    Token {
        start,
        end,
        text,
        lower,
        folded,
        class,
        possessive: false,
        sentence_start: false,
        newline_before: false,
        abbrev_dot: false,
    }
}

/// Reads a word or number starting at `start`; returns it and the index after it (past any
/// possessive suffix).
fn read_word(chars: &[char], start: usize) -> (Token, usize) {
    if let Some(end) = dotted_acronym_end(chars, start) {
        return (plain(chars, start, end, Class::Word), end);
    }
    let class = if chars[start].is_ascii_digit() || chars[start].is_numeric() { Class::Number } else { Class::Word };
    let alnum = |k: usize| chars.get(k).is_some_and(|c| c.is_alphanumeric());
    let mut j = start;
    let mut possessive = false;
    let mut after = None;
    loop {
        while alnum(j) {
            j += 1;
        }
        let Some(&c) = chars.get(j) else { break };
        if is_apostrophe(c) && class == Class::Word {
            let next = chars.get(j + 1).copied();
            if matches!(next, Some('s' | 'S')) && !alnum(j + 2) {
                possessive = true;
                after = Some(j + 2);
                break;
            }
            if next.is_some_and(char::is_alphabetic) {
                j += 1;
                continue;
            }
            if matches!(chars[j - 1], 's' | 'S') {
                possessive = true;
                after = Some(j + 1);
            }
            break;
        }
        if is_hyphen(c) && alnum(j + 1) {
            j += 1;
            continue;
        }
        break;
    }
    let mut token = plain(chars, start, j, class);
    token.possessive = possessive;
    (token, after.unwrap_or(j))
}

/// "U.S.", "U.K.": single capitals each followed by a full stop, at least two.
fn dotted_acronym_end(chars: &[char], start: usize) -> Option<usize> {
    let mut k = start;
    let mut letters = 0;
    while chars.get(k).is_some_and(|c| c.is_uppercase())
        && chars.get(k + 1) == Some(&'.')
        && !chars.get(k + 2).is_some_and(|c| c.is_alphanumeric() && !c.is_uppercase())
    {
        letters += 1;
        k += 2;
        if !chars.get(k).is_some_and(|c| c.is_uppercase()) {
            break;
        }
    }
    (letters >= 2).then_some(k)
}

/// The hyphen-separated parts of a word as (start, end) character ranges.
fn parts(chars: &[char], token: &Token) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut begin = token.start;
    for (k, &c) in chars[token.start..token.end].iter().enumerate() {
        if is_hyphen(c) {
            out.push((begin, token.start + k));
            begin = token.start + k + 1;
        }
    }
    out.push((begin, token.end));
    out
}

fn upper_at(chars: &[char], k: usize) -> bool {
    chars[k].is_uppercase()
}

/// "post-Tarsa" → "post" + "Tarsa"; "ex-premier" → "ex" + "premier";
/// "NATO-level talks" → "NATO"; "Russian-occupied Crimea" stays one word before a name.
fn split_hyphenated(chars: &[char], raw: Vec<Token>, rules: &Rules) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(raw.len());
    let mut pending = raw.into_iter().peekable();
    while let Some(token) = pending.next() {
        if token.class != Class::Word || !token.text.chars().any(is_hyphen) {
            out.push(token);
            continue;
        }
        let spans = parts(chars, &token);
        let (first_start, first_end) = spans[0];
        let first_lower: String = chars[first_start..first_end].iter().collect::<String>().to_lowercase();
        let split_at = if upper_at(chars, first_start) {
            None
        } else if let Some(k) = spans.iter().position(|&(s, _)| upper_at(chars, s)) {
            Some(k)
        } else if rules.former_words.contains(&first_lower) || rules.current_words.contains(&first_lower) {
            Some(1)
        } else {
            None
        };
        if let Some(k) = split_at {
            let mut head = plain(chars, token.start, spans[k - 1].1, Class::Word);
            head.newline_before = token.newline_before;
            let mut tail = plain(chars, spans[k].0, token.end, Class::Word);
            tail.possessive = token.possessive;
            out.push(head);
            out.push(trim_lower_tail(chars, tail, pending.peek()));
            continue;
        }
        let next = pending.peek();
        out.push(trim_lower_tail(chars, token, next));
    }
    out
}

/// Cuts trailing lower-case parts off a capitalised hyphenated word unless a capitalised word
/// follows it ("NATO-level talks" → "NATO", "Russian-occupied Crimea" kept).
fn trim_lower_tail(chars: &[char], token: Token, next: Option<&Token>) -> Token {
    let spans = parts(chars, &token);
    if spans.len() < 2 || !upper_at(chars, spans[0].0) {
        return token;
    }
    let last = spans[spans.len() - 1];
    if upper_at(chars, last.0) || last.0 == last.1 {
        return token;
    }
    let next_is_name = next.is_some_and(|n| n.is_capitalised() && !n.newline_before);
    if next_is_name {
        return token;
    }
    let keep = spans.iter().rposition(|&(s, _)| upper_at(chars, s)).unwrap_or(0);
    let mut trimmed = plain(chars, token.start, spans[keep].1, Class::Word);
    trimmed.newline_before = token.newline_before;
    trimmed
}

/// Marks abbreviation full stops and sentence starts.
fn mark_sentences(mut tokens: Vec<Token>, rules: &Rules, vocabulary: &Vocabulary) -> Vec<Token> {
    for k in 1..tokens.len() {
        if !tokens[k].is_punct(".") {
            continue;
        }
        let prev = &tokens[k - 1];
        let adjacent = prev.end == tokens[k].start;
        let short = prev.folded.chars().count() <= 4;
        let abbreviation = prev.is_capitalised()
            && adjacent
            && (prev.text.chars().count() == 1
                || vocabulary.abbreviations.contains(&prev.folded)
                || (short && (rules.is_honorific(&prev.folded) || rules.title(&prev.folded).is_some())));
        tokens[k].abbrev_dot = abbreviation;
    }
    for k in 0..tokens.len() {
        let start = k == 0
            || tokens[k].newline_before
            || (tokens[k - 1].class == Class::Punct
                && !tokens[k - 1].abbrev_dot
                && starts_sentence_after(&tokens[k - 1].text)
                && (tokens[k - 1].text != "\"" || opens_quote(&tokens, k - 1)));
        tokens[k].sentence_start = start;
    }
    tokens
}

/// Whether the straight quote at `q` opens a quotation: space (or nothing) before it and a
/// word right after it. A closing quote (`,"`) starts nothing.
fn opens_quote(tokens: &[Token], q: usize) -> bool {
    let space_before = q == 0 || tokens[q - 1].end < tokens[q].start || tokens[q].newline_before;
    let word_after = tokens.get(q + 1).is_some_and(|t| t.start == tokens[q].end);
    space_before && word_after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        tokenize(&chars, &Rules::default_rules(), crate::vocabulary::vocabulary())
            .into_iter()
            .map(|t| {
                let mut s = t.text.clone();
                if t.possessive {
                    s.push_str("+'s");
                }
                if t.sentence_start {
                    s.insert(0, '^');
                }
                s
            })
            .collect()
    }

    #[test]
    fn possessives_hyphens_and_sentences() {
        assert_eq!(
            texts("Islamabad’s post-Pahalgam DGMO-level talks, Pakistan-occupied Kashmir. O'Brien ex-premier"),
            [
                "^Islamabad+'s",
                "post",
                "Pahalgam",
                "DGMO",
                "talks",
                ",",
                "Pakistan-occupied",
                "Kashmir",
                ".",
                "^O'Brien",
                "ex",
                "premier"
            ]
        );
        assert_eq!(
            texts("Dr. Jane met the U.S. envoy.\nDelegations’ outreach"),
            ["^Dr", ".", "Jane", "met", "the", "U.S.", "envoy", ".", "^Delegations+'s", "outreach"]
        );
    }
}
