//! `annotate`: roles and aliases for mentions given upstream, with spans, kinds and ids kept.

mod support;

use aka_core::{Form, Kind, Mention, Rules};
use aka_extract::annotate;

/// Mentions for every occurrence of each `(text, kind)` in `text`, ids made up upstream-style.
fn given(text: &str, spans: &[(&str, Kind)]) -> Vec<Mention> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for (needle, kind) in spans {
        let needle: Vec<char> = needle.chars().collect();
        for start in 0..chars.len().saturating_sub(needle.len() - 1) {
            if chars[start..start + needle.len()] == needle[..] {
                let end = start + needle.len();
                out.push(Mention {
                    mention_id: format!("up-{start}"),
                    doc_id: "doc".into(),
                    start: u32::try_from(start).unwrap(),
                    end: u32::try_from(end).unwrap(),
                    text: needle.iter().collect(),
                    kind: *kind,
                    form: Form::Name,
                    roles: Vec::new(),
                    aliases: Vec::new(),
                    name: None,
                    attrs: Default::default(),
                });
            }
        }
    }
    out.sort_by_key(|m| (m.start, m.end));
    out
}

fn check(text: &str, spans: &[(&str, Kind)], expected: &str) {
    let mut mentions = given(text, spans);
    let before = mentions.clone();
    annotate(text, &mut mentions, &Rules::default_rules());
    for (a, b) in before.iter().zip(&mentions) {
        assert_eq!(
            (&a.mention_id, a.start, a.end, &a.text, a.kind, a.form),
            (&b.mention_id, b.start, b.end, &b.text, b.kind, b.form)
        );
    }
    let actual = support::listing(&mentions);
    let expected: String =
        expected.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| format!("{l}\n")).collect();
    assert_eq!(actual, expected, "\nactual:\n{actual}");
}

#[test]
fn annotate_fills_roles_and_acronym_aliases() {
    check(
        "Headed by Pakistan People’s Party (PPP) chairman and former foreign minister Bilawal \
         Bhutto Zardari, the team met Congress MP Shashi Tharoor. The PPP said so.",
        &[
            ("Pakistan People’s Party", Kind::Org),
            ("PPP", Kind::Org),
            ("Bilawal Bhutto Zardari", Kind::Person),
            ("Congress", Kind::Org),
            ("Shashi Tharoor", Kind::Person),
        ],
        "ORG Pakistan People’s Party aka PPP
         ORG PPP aka Pakistan People’s Party
         PERSON Bilawal Bhutto Zardari [chairman of Pakistan People’s Party; former foreign minister]
         ORG Congress
         PERSON Shashi Tharoor [member of parliament of Congress]
         ORG PPP aka Pakistan People’s Party",
    );
}

#[test]
fn annotate_reads_titles_inside_and_around_spans() {
    check(
        "Prime Minister Shehbaz Sharif met Hina Rabbani Khar, former FM.",
        &[("Prime Minister Shehbaz Sharif", Kind::Person), ("Hina Rabbani Khar", Kind::Person)],
        "PERSON Prime Minister Shehbaz Sharif (name Shehbaz Sharif) [prime minister]
         PERSON Hina Rabbani Khar [former foreign minister]",
    );
    // A place given upstream is not a person a title may name.
    check("President Pakistan said so.", &[("Pakistan", Kind::Place)], "PLACE Pakistan");
}

#[test]
fn annotate_survives_bad_spans() {
    let text = "Sherry Rehman, former minister.";
    let mut mentions = given(text, &[("Sherry Rehman", Kind::Person)]);
    let mut bad = mentions[0].clone();
    bad.start = 500;
    bad.end = 400;
    mentions.push(bad.clone());
    bad.start = 3;
    bad.end = 4000;
    mentions.push(bad);
    annotate(text, &mut mentions, &Rules::default_rules());
    assert_eq!(mentions[0].roles.len(), 1);
    assert!(mentions[1].roles.is_empty() && mentions[2].roles.is_empty());
    annotate("", &mut mentions, &Rules::default_rules());
}

/// On the seeds, annotating the extractor's own spans with roles and aliases removed gives the
/// roles and aliases back: acronyms the text defines and the gazetteer's names of places ("US"
/// → "United States", "Washington DC" → "Washington").
#[test]
fn annotate_agrees_with_extract_on_the_seeds() {
    let rules = Rules::default_rules();
    for text in [
        include_str!("../../../seeds/000_bf4631e2ac8ff430.txt"),
        include_str!("../../../seeds/001_6da153642baa8a9e.txt"),
    ] {
        let extracted: Vec<Mention> = support::run(text).into_iter().filter(|m| m.form == Form::Name).collect();
        let mut bare = extracted.clone();
        for m in &mut bare {
            m.roles.clear();
            m.aliases.clear();
        }
        annotate(text, &mut bare, &rules);
        for (a, b) in extracted.iter().zip(&bare) {
            assert_eq!((&a.text, &a.roles), (&b.text, &b.roles));
            assert_eq!(a.aliases, b.aliases, "{}", a.text);
        }
    }
}

/// The name annotate finds inside one given span, and whether the span is a description.
fn name_within(text: &str, span: &str, kind: Kind) -> (Option<String>, Form) {
    let mut mentions = given(text, &[(span, kind)]);
    assert_eq!(mentions.len(), 1, "{span:?} occurs once in {text:?}");
    annotate(text, &mut mentions, &Rules::default_rules());
    (mentions[0].name.clone(), mentions[0].form)
}

#[test]
fn spans_given_upstream_are_compared_by_the_name_inside_them() {
    let name = |text: &str, span: &str, kind: Kind| name_within(text, span, kind);
    let named = |n: &str| (Some(n.to_string()), Form::Name);
    assert_eq!(
        name("Pirates struck in the Gulf of Tarsa again.", "in the Gulf of Tarsa", Kind::Place),
        named("Gulf of Tarsa")
    );
    assert_eq!(
        name("The team signed defensive tackle Jamal Okoye on Monday.", "defensive tackle Jamal Okoye", Kind::Person),
        named("Jamal Okoye")
    );
    assert_eq!(
        name(
            "She entered the Vale Clinic in Port Tarsa, Calif. on Friday.",
            "the Vale Clinic in Port Tarsa, Calif.",
            Kind::Place
        ),
        named("Vale Clinic")
    );
    assert_eq!(name("Dr. Mira Osei, MD, was named.", "Mira Osei, MD", Kind::Person), named("Mira Osei"));
    assert_eq!(name("It hit Iran's Qeshm island at dawn.", "Iran's Qeshm island", Kind::Place), named("Qeshm island"));
    assert_eq!(name("The quake shook southern Iran today.", "southern Iran", Kind::Place), (None, Form::Name));
    assert_eq!(name("Senator Rafiq Awan spoke.", "Senator Rafiq Awan", Kind::Person), named("Rafiq Awan"));
    assert_eq!(name("He died in Vale prison on Friday.", "in Vale prison", Kind::Place), named("Vale prison"));
    // A full stop that ends no abbreviation the extractor knows is punctuation, not name.
    assert_eq!(name("Shares of Tarsa Corp. fell.", "Tarsa Corp.", Kind::Org), named("Tarsa Corp"));
}

#[test]
fn spans_that_describe_rather_than_name_are_descriptions() {
    let form = |text: &str, span: &str| name_within(text, span, Kind::Place).1;
    assert_eq!(
        form(
            "Robbers hit an upmarket jewellery store in central Paris.",
            "an upmarket jewellery store in central Paris"
        ),
        Form::Description
    );
    assert_eq!(form("A cable between Italy and Egypt was cut.", "between Italy and Egypt"), Form::Description);
    assert_eq!(form("Police sealed the scene in Queens overnight.", "the scene in Queens"), Form::Description);
    assert_eq!(form("Robbers hit a Paris jewellery store.", "a Paris jewellery store"), Form::Description);
    assert_eq!(form("Police patrolled in Queens overnight.", "in Queens"), Form::Name);
}
