//! The name inside a span given upstream. Annotators mark phrases, not names: "in the Gulf of
//! Aden", "defensive tackle Jamal Okoye", "Tarsa Clinic in Port Vale, Calif.", "Mira Osei, MD".
//! The resolver compares the name; the span stays as given.

use crate::Document;
use crate::token::{Class, Token};

/// Lower-case words after which a span goes on about where or what its name is ("X in Y",
/// "X near Y", "X off Y"): the name ends before them.
const POSTMODIFIERS: &[&str] =
    &["in", "at", "near", "on", "off", "between", "along", "outside", "inside", "from", "by"];

/// Punctuation that ends a name inside a span: an apposition, a parenthesis, a clause.
const POST_PUNCT: &[&str] = &[",", "(", ";", ":", "\u{2014}", "\u{2013}"];

/// Quotation marks that may stand inside a name (a nickname: Vincent "The Chin" Gigante).
const QUOTES: &[&str] = &["\"", "'", "\u{201C}", "\u{201D}", "\u{2018}", "\u{2019}"];

/// The tokens `(first, last)` of the name inside the span of tokens `first..=last`, when it is
/// narrower than the span (`None` when the span is a name as it stands), and whether the span
/// is a description rather than a name ("a jewellery store in Paris", "the scene in Queens",
/// "Italy and Egypt"): a description loses only its leading prepositions and articles.
pub(crate) fn name_within(doc: &Document<'_>, first: usize, last: usize) -> (Option<(usize, usize)>, bool) {
    let tokens = &doc.tokens;
    let all_caps =
        tokens[first..=last].iter().filter(|t| t.class == Class::Word).all(|t| !t.text.chars().any(char::is_lowercase));
    let (mut a, b) = (first, last);
    // Leading prepositions, articles and punctuation: "in the", "at", a quotation mark.
    while a < b && (tokens[a].class == Class::Punct || doc.vocabulary.function_words.contains(&tokens[a].lower)) {
        a += 1;
    }
    let narrowed = name_in(doc, a, b, all_caps);
    let described = narrowed.is_none();
    let found = narrowed.or(Some((a, b)).filter(|_| a > first));
    (found.filter(|&range| range != (first, last)), described)
}

/// The name inside tokens `a..=b` (leading prepositions and articles already dropped).
fn name_in(doc: &Document<'_>, mut a: usize, mut b: usize, all_caps: bool) -> Option<(usize, usize)> {
    let tokens = &doc.tokens;
    // Trailing punctuation other than an abbreviation's full stop.
    while b > a && tokens[b].class == Class::Punct && !tokens[b].abbrev_dot {
        b -= 1;
    }
    // One of `words`, written in lower case (or in a span all in capitals).
    let lower_one_of = |t: &Token, words: &[&str]| {
        t.class == Class::Word && (all_caps || t.text == t.lower) && words.contains(&t.lower.as_str())
    };
    // The name ends at an apposition, a parenthesis or a place after it.
    if let Some(cut) = (a + 1..=b).find(|&j| {
        let t = &tokens[j];
        let post = (t.class == Class::Punct && POST_PUNCT.contains(&t.text.as_str())) || lower_one_of(t, POSTMODIFIERS);
        post && tokens[a..j].iter().any(Token::is_capitalised)
    }) {
        b = cut - 1;
    }
    // A list names several things.
    if tokens[a..=b].iter().any(|t| lower_one_of(t, &["and", "or"])) {
        return None;
    }
    // A place that owns the name: "Iran's Qeshm Island", "Palermo's Pagliarelli prison".
    let owned_after = (a..b).rev().find(|&k| {
        if !(tokens[k].possessive && tokens[k].is_capitalised()) {
            return false;
        }
        let mut owner_first = k;
        while owner_first > a && tokens[owner_first - 1].is_capitalised() {
            owner_first -= 1;
        }
        let owner: Vec<&str> = tokens[owner_first..=k].iter().map(|t| t.folded.as_str()).collect();
        doc.gazetteer.place(&owner.join(" ")).is_some()
    });
    if let Some(k) = owned_after {
        a = k + 1;
    }
    // Titles before the name: "defensive tackle", "Senator", "Former AMA trustee Dr.".
    for title in &doc.titles {
        if title.phrase_first >= a && title.last < b && tokens[title.last + 1].is_capitalised() {
            a = a.max(title.last + 1);
        }
    }
    let (mut run_first, run_last) = last_run(doc, a, b)?;
    // A noun and a preposition before the name make the span a description of something
    // there: "the scene in Queens", "a mountain in New Zealand" (but "the waters of the Gulf"
    // are the gulf).
    if (a + 1..run_first).any(|j| lower_one_of(&tokens[j], POSTMODIFIERS)) {
        return None;
    }
    // "southern Iran" is a part of Iran, not Iran.
    while run_first > a && doc.vocabulary.place_modifiers.contains(&tokens[run_first - 1].lower) {
        run_first -= 1;
    }
    if run_last < b {
        // Lower-case words after the run: a noun that ends names of places, organisations or
        // buildings continues the name ("Qeshm island", "Pagliarelli prison", "Tarsa plant");
        // any other ("jewellery store", "Mafia boss") makes the span a description.
        let v = doc.vocabulary;
        let rest = &tokens[run_last + 1..=b];
        let heads = |t: &Token| {
            t.class == Class::Word
                && (v.place_heads.contains(&t.folded)
                    || v.org_heads.contains(&t.folded)
                    || v.facility_heads.contains(&t.folded))
        };
        if !rest.iter().all(heads) {
            return None;
        }
    }
    Some((run_first, b))
}

/// The last run of name tokens in `a..=b`: capitalised words, acronyms, numbers ("76ers"),
/// abbreviation dots, and connectors or quotation marks between them.
fn last_run(doc: &Document<'_>, a: usize, b: usize) -> Option<(usize, usize)> {
    let tokens = &doc.tokens;
    let namey = |t: &Token| {
        t.is_capitalised() || t.class == Class::Number || (t.class == Class::Word && t.is_acronym()) || t.abbrev_dot
    };
    let joiner = |t: &Token| {
        (t.class == Class::Word && (doc.vocabulary.connectors.contains(&t.lower) || t.lower == "the"))
            || (t.class == Class::Punct && (QUOTES.contains(&t.text.as_str()) || t.text == "-" || t.text == "."))
    };
    let mut end = (a..=b).rev().find(|&j| namey(&tokens[j]))?;
    // An abbreviation dot is part of the name only after a name token ("Dr." "M.").
    while tokens[end].class == Class::Punct && end > a {
        end -= 1;
    }
    if !namey(&tokens[end]) {
        return None;
    }
    let mut start = end;
    while start > a {
        let prev = &tokens[start - 1];
        if namey(prev) {
            start -= 1;
            continue;
        }
        // A joiner belongs to the name when a name token stands before it too.
        let mut k = start - 1;
        while k > a && joiner(&tokens[k]) && !namey(&tokens[k]) {
            k -= 1;
        }
        if k < start - 1 && namey(&tokens[k]) && joiner(&tokens[start - 1]) {
            start = k;
            continue;
        }
        break;
    }
    // A trailing abbreviation dot ("Jr.", "Calif.") stays with its word.
    let mut last = end;
    while last < b && tokens[last + 1].abbrev_dot {
        last += 1;
    }
    Some((start, last))
}
