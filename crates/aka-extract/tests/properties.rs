//! Laws of `extract` over arbitrary text: it never panics, its spans are the text at their
//! character offsets in order, it is deterministic, and `annotate` keeps what it is given.

mod support;

use aka_core::Rules;
use aka_extract::{ExtractConfig, annotate, extract};
use proptest::prelude::*;

/// Words and marks that exercise names, titles, possessives, acronyms and sentence starts.
const PIECES: &[&str] = &[
    "Pakistan",
    "People’s",
    "Party",
    "(PPP)",
    "PPP",
    "chairman",
    "former",
    "foreign",
    "ministers",
    "Prime",
    "Minister",
    "PM",
    "Shehbaz",
    "Sharif's",
    "Syed",
    "and",
    "of",
    "the",
    "UN",
    "US",
    ",",
    ".",
    "—",
    "\n",
    "“",
    "”",
    "’s",
    "'",
    "-",
    "post-",
    "Line",
    "Control",
    "in",
    "June",
    "Monday",
    "Pakistani",
    "I",
    "Secretary-General",
    "Directors",
    "General",
    "ex-",
    "Dr.",
    "(",
    ")",
    "é",
    "İstanbul",
    "ß",
    "DGMO-level",
    "Operation",
    "Treaty",
    "to",
    "a",
    "x",
];

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|words| words.join(" ")),
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|words| words.concat()),
        ".{0,200}",
    ]
}

proptest! {
    #[test]
    fn spans_are_the_text_in_order_and_runs_repeat(text in text_strategy()) {
        let rules = Rules::default_rules();
        let config = ExtractConfig::default();
        let mentions = extract("d", &text, &rules, &config);
        let chars: Vec<char> = text.chars().collect();
        for m in &mentions {
            let (start, end) = (usize::try_from(m.start).unwrap(), usize::try_from(m.end).unwrap());
            prop_assert!(start < end && end <= chars.len());
            let slice: String = chars[start..end].iter().collect();
            prop_assert_eq!(&slice, &m.text);
        }
        prop_assert!(mentions.windows(2).all(|w| (w[0].start, w[0].end) < (w[1].start, w[1].end)));
        prop_assert_eq!(&mentions, &extract("d", &text, &rules, &config));

        let mut annotated = mentions.clone();
        annotate(&text, &mut annotated, &rules);
        for (a, b) in mentions.iter().zip(&annotated) {
            prop_assert_eq!((&a.mention_id, a.start, a.end, a.kind), (&b.mention_id, b.start, b.end, b.kind));
        }
    }
}
