//! aka-extract: English news text in, mentions with kinds, roles and aliases out. Pure: no IO,
//! no clock, no randomness; the same text and rules give the same mentions.
//!
//! The pipeline: `token` splits the text, `title` finds titles, `name` finds runs of
//! capitalised words, `role` binds titles to names (or keeps them as role-only mentions),
//! `acronym` reads "Name (ACR)" definitions and `kind` judges what each name is. The word
//! classes it relies on are data, in `data/vocabulary.toml`.

mod acronym;
mod kind;
mod name;
mod role;
mod span;
mod title;
mod token;
mod vocabulary;

use std::collections::{BTreeMap, BTreeSet};

use aka_core::normalize::fold;
use aka_core::{Form, Kind, Mention, Role, Rules};
use aka_gazetteer::{Gazetteer, PlaceKind};

use crate::acronym::{Definition, definitions};
use crate::kind::{Clues, Judge, Strength};
use crate::name::{Finder, Name};
use crate::role::{Binder, Bindings};
use crate::title::{Title, find_titles};
use crate::token::{Class, Token, tokenize};
use crate::vocabulary::{Vocabulary, vocabulary};

/// Limits of one extraction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractConfig {
    /// Candidates longer than this many characters are skipped.
    pub mention_len_max: usize,
    /// Mentions kept per document at most; the first ones in text order are kept.
    pub mentions_per_doc_max: usize,
}

impl Default for ExtractConfig {
    fn default() -> ExtractConfig {
        ExtractConfig { mention_len_max: 120, mentions_per_doc_max: 10_000 }
    }
}

/// One document as the stages see it.
struct Document<'a> {
    chars: Vec<char>,
    tokens: Vec<Token>,
    titles: Vec<Title>,
    rules: &'a Rules,
    vocabulary: &'static Vocabulary,
    gazetteer: &'static Gazetteer,
}

impl<'a> Document<'a> {
    fn new(text: &str, rules: &'a Rules) -> Document<'a> {
        let chars: Vec<char> = text.chars().collect();
        let vocabulary = vocabulary();
        let tokens = tokenize(&chars, rules, vocabulary);
        let mut titles = find_titles(&tokens, rules, vocabulary);
        titles.retain(|t| !names_a_team(&tokens, t));
        Document { chars, tokens, titles, rules, vocabulary, gazetteer: aka_gazetteer::gazetteer() }
    }

    fn judge(&self) -> Judge<'_> {
        Judge { tokens: &self.tokens, rules: self.rules, vocabulary: self.vocabulary, gazetteer: self.gazetteer }
    }

    /// Tokens that belong to a title phrase.
    fn title_mask(&self) -> Vec<bool> {
        let mut mask = vec![false; self.tokens.len()];
        for title in &self.titles {
            for flag in &mut mask[title.phrase_first..=title.last] {
                *flag = true;
            }
        }
        mask
    }

    fn bind(&self, names: &[Name], person_ok: &[bool]) -> Bindings {
        Binder::new(&self.tokens, &self.titles, names, person_ok, self.vocabulary, self.gazetteer).bind()
    }

    /// Per name: it follows a place preposition, directly or in a coordination
    /// ("in Ukraine and Russian-occupied Crimea").
    fn after_place_preposition(&self, names: &[Name]) -> Vec<bool> {
        let tokens = &self.tokens;
        let mut out: Vec<bool> = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let f = name.first;
            let direct = f > 0
                && !tokens[f].newline_before
                && tokens[f - 1].class == Class::Word
                && self.vocabulary.place_prepositions.contains(&tokens[f - 1].lower);
            // "in Pakistan and Kashmir", "in Lahore, Karachi and Quetta"; not "in Karachi,
            // Bilawal said".
            let listed =
                tokens.get(name.last + 1).is_some_and(|t| t.is_punct(",") || t.is_word("and") || t.is_word("or"));
            let coordinated = i > 0
                && out[i - 1]
                && names[i - 1].last + 2 == f
                && (tokens[f - 1].is_word("and")
                    || tokens[f - 1].is_word("or")
                    || (tokens[f - 1].is_punct(",") && listed));
            out.push(direct || coordinated);
        }
        out
    }
}

impl Document<'_> {
    /// The kind and the aliases of every name, from its words, its clues, the other names of
    /// the document and its acronym definitions.
    fn kinds_and_aliases(
        &self,
        names: &[Name],
        bindings: &Bindings,
        defs: &[Definition],
    ) -> (Vec<Kind>, Vec<Vec<String>>) {
        let prepositions = self.after_place_preposition(names);
        let mut clues: Vec<Clues> = (0..names.len())
            .map(|i| Clues {
                person: bindings.person[i],
                qualifier: bindings.qualifier[i],
                has_acronym: false,
                after_place_preposition: prepositions[i],
            })
            .collect();
        for def in defs {
            clues[def.long].has_acronym = true;
        }
        let judge = self.judge();
        let mut judged: Vec<(Kind, Strength)> =
            names.iter().zip(&clues).map(|(name, clue)| judge.kind(name, *clue)).collect();
        propagate_kinds(names, &self.tokens, &mut judged);
        let mut kinds: Vec<Kind> = judged.iter().map(|(kind, _)| *kind).collect();
        let mut aliases = acronym_aliases(names, defs, &mut kinds);
        gazetteer_aliases(names, &kinds, &self.tokens, self.gazetteer, &mut aliases);
        (kinds, aliases)
    }
}

/// Finds the mentions of `text`: names with kinds, roles and aliases, and role-only mentions
/// ("the GAP chairman"), sorted by (start, end). Offsets count characters.
pub fn extract(doc_id: &str, text: &str, rules: &Rules, config: &ExtractConfig) -> Vec<Mention> {
    let doc = Document::new(text, rules);
    let mask = doc.title_mask();
    let names =
        Finder::new(&doc.chars, &doc.tokens, &mask, rules, doc.vocabulary, doc.gazetteer).find(config.mention_len_max);
    let judge = doc.judge();
    let person_ok: Vec<bool> = names.iter().map(|n| judge.person_ok(n)).collect();
    let bindings = doc.bind(&names, &person_ok);
    let defs = definitions(&doc.tokens, &names);
    let (kinds, mut aliases) = doc.kinds_and_aliases(&names, &bindings, &defs);

    let mut mentions = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let roles = bindings.roles[i].clone();
        let aliases = std::mem::take(&mut aliases[i]);
        let span = (name.start, name.end);
        let found = mention(doc_id, &doc.chars, span, kinds[i], Form::Name, roles, aliases);
        mentions.extend(found.map(|mut m| {
            m.name = region_named_like_a_city(&doc, &names, i);
            m
        }));
    }
    let country = sole_country(&names, &kinds, doc.gazetteer);
    for role_only in &bindings.role_only {
        let span = (doc.tokens[role_only.first].start, doc.tokens[role_only.last].end);
        if span.1 - span.0 > config.mention_len_max {
            continue;
        }
        let mut role = role_only.role.clone();
        if role.of.is_none() {
            // "The prime minister said" in a text that names one country: that country's.
            role.of = country.map(str::to_string);
        }
        let roles = vec![role];
        let form = Form::RoleOnly;
        mentions.extend(mention(doc_id, &doc.chars, span, Kind::Person, form, roles, Vec::new()));
    }
    // Stable: a name and a role phrase on the same span keep the name.
    mentions.sort_by_key(|m| (m.start, m.end));
    mentions.dedup_by_key(|m| (m.start, m.end));
    mentions.truncate(config.mentions_per_doc_max);
    mentions
}

/// A name the gazetteer knows as a city, written so that it is the region of that name:
/// "Tarsa state", or after another city ("Vale, Tarsa"). Returns the region's name ("Tarsa
/// state"), which keeps it apart from the city.
fn region_named_like_a_city(doc: &Document<'_>, names: &[Name], i: usize) -> Option<String> {
    let name = &names[i];
    let tokens = &doc.tokens;
    let place = doc.gazetteer.place(&name.folded)?;
    if place.kind != PlaceKind::City {
        return None;
    }
    let state_after = tokens.get(name.last + 1).is_some_and(|t| t.class == Class::Word && t.text == "state");
    // "Vale, Tarsa" with both cities of one country, and no list around them ("Vale, Tarsa and
    // Mora" are three cities).
    let after_city = i > 0 && name.first >= 2 && tokens[name.first - 1].is_punct(",") && {
        let previous = &names[i - 1];
        let same_country = doc.gazetteer.place(&previous.folded).is_some_and(|p| {
            p.kind == PlaceKind::City && p != place && p.country.is_some() && p.country == place.country
        });
        let listed_before = previous.first > 0 && tokens[previous.first - 1].is_punct(",");
        let listed_after = tokens.get(name.last + 1).is_some_and(|t| {
            t.is_word("and")
                || t.is_word("or")
                || (t.is_punct(",") && tokens.get(name.last + 2).is_some_and(Token::is_capitalised))
        });
        previous.last + 2 == name.first && same_country && !listed_before && !listed_after
    };
    (state_after || after_city).then(|| format!("{} state", name.text))
}

/// A capitalised plural title that names no one: after a capitalised word ("Kansas City
/// Chiefs") or after no determiner ("beat Chiefs"), with no name after it. It is a name's word
/// (a team's, a body's), not a role.
fn names_a_team(tokens: &[Token], title: &Title) -> bool {
    let capitalised = (title.first..=title.last).all(|k| tokens[k].is_capitalised());
    if !title.plural || !capitalised || title.phrase_first != title.first {
        return false;
    }
    let named_after = tokens.get(title.last + 1).is_some_and(|t| t.is_capitalised() && !t.newline_before);
    let before = title.first.checked_sub(1).map(|k| &tokens[k]).filter(|_| !tokens[title.first].newline_before);
    let determiner = before.is_some_and(|t| ["the", "its", "their", "his", "her", "our"].contains(&t.lower.as_str()));
    let after_name = !determiner && before.is_some_and(Token::is_capitalised);
    !named_after && (after_name || !determiner)
}

/// The one country a text names, if it names exactly one (cities and demonyms do not count:
/// "a visit to Kabul" says where, not whose).
fn sole_country(names: &[Name], kinds: &[Kind], gazetteer: &Gazetteer) -> Option<&'static str> {
    let mut found: BTreeSet<&'static str> = BTreeSet::new();
    for (name, kind) in names.iter().zip(kinds) {
        if *kind != Kind::Place {
            continue;
        }
        if let Some(place) = gazetteer.place(&name.folded)
            && place.kind == PlaceKind::Country
        {
            found.insert(place.canonical);
        }
    }
    let mut found = found.into_iter();
    match (found.next(), found.next()) {
        (Some(country), None) => Some(country),
        _ => None,
    }
}

/// A mention of the span `(start, end)`; `None` when an offset does not fit in `u32`.
fn mention(
    doc_id: &str,
    chars: &[char],
    (start, end): (usize, usize),
    kind: Kind,
    form: Form,
    roles: Vec<Role>,
    aliases: Vec<String>,
) -> Option<Mention> {
    let start32 = u32::try_from(start).ok()?;
    let end32 = u32::try_from(end).ok()?;
    Some(Mention {
        mention_id: Mention::default_id(doc_id, start32, end32),
        doc_id: doc_id.to_string(),
        start: start32,
        end: end32,
        text: chars[start..end].iter().collect(),
        kind,
        form,
        roles,
        aliases,
        name: None,
        attrs: BTreeMap::new(),
    })
}

/// Gives weak kinds the strong kind the same name has elsewhere in the document, and makes a
/// lone first or last name of a person in the document a person.
fn propagate_kinds(names: &[Name], tokens: &[Token], judged: &mut [(Kind, Strength)]) {
    let mut strong: BTreeMap<&str, Option<Kind>> = BTreeMap::new();
    let mut person_words: BTreeSet<&str> = BTreeSet::new();
    for (name, &(kind, strength)) in names.iter().zip(judged.iter()) {
        if strength != Strength::Strong {
            continue;
        }
        strong
            .entry(name.folded.as_str())
            .and_modify(|k| {
                if *k != Some(kind) {
                    *k = None;
                }
            })
            .or_insert(Some(kind));
        if kind == Kind::Person && name.last > name.first {
            person_words.insert(tokens[name.first].folded.as_str());
            person_words.insert(tokens[name.last].folded.as_str());
        }
    }
    for (name, judged) in names.iter().zip(judged.iter_mut()) {
        if judged.1 == Strength::Strong {
            continue;
        }
        if let Some(Some(kind)) = strong.get(name.folded.as_str()) {
            judged.0 = *kind;
        } else if name.first == name.last && person_words.contains(name.folded.as_str()) {
            judged.0 = Kind::Person;
        }
    }
    // "post-Tarsa" says nothing, "in Tarsa" a little: a weak kind other than `Other`
    // that every weak occurrence agrees on fills in the rest.
    let mut weak: BTreeMap<&str, Option<Kind>> = BTreeMap::new();
    for (name, &(kind, _)) in names.iter().zip(judged.iter()) {
        if kind != Kind::Other {
            weak.entry(name.folded.as_str())
                .and_modify(|k| {
                    if *k != Some(kind) {
                        *k = None;
                    }
                })
                .or_insert(Some(kind));
        }
    }
    for (name, judged) in names.iter().zip(judged.iter_mut()) {
        if judged.0 == Kind::Other
            && judged.1 == Strength::Weak
            && let Some(Some(kind)) = weak.get(name.folded.as_str())
        {
            judged.0 = *kind;
        }
    }
}

/// Aliases from "Name (ACR)" definitions, given to every occurrence of the name and of the
/// acronym in the document; occurrences of the acronym take the kind of the name.
fn acronym_aliases(names: &[Name], defs: &[Definition], kinds: &mut [Kind]) -> Vec<Vec<String>> {
    let mut by_short: BTreeMap<String, (String, Kind)> = BTreeMap::new();
    let mut by_long: BTreeMap<String, String> = BTreeMap::new();
    for def in defs {
        let long = &names[def.long];
        let short = &names[def.short];
        let kind = kinds[def.long];
        by_short.entry(short.folded.clone()).or_insert_with(|| (long.text.clone(), kind));
        by_long.entry(long.folded.clone()).or_insert_with(|| short.text.clone());
    }
    let mut aliases = vec![Vec::new(); names.len()];
    for (i, name) in names.iter().enumerate() {
        if name.first == name.last
            && let Some((long, kind)) = by_short.get(&name.folded)
        {
            aliases[i].push(long.clone());
            kinds[i] = *kind;
            continue;
        }
        if let Some(short) = by_long.get(&name.folded) {
            aliases[i].push(short.clone());
        }
    }
    aliases
}

/// An acronym the document does not define, or another name of a place, gets the
/// gazetteer's name for it ("US" → "United States", "Washington DC" → "Washington").
fn gazetteer_aliases(
    names: &[Name],
    kinds: &[Kind],
    tokens: &[Token],
    gazetteer: &Gazetteer,
    aliases: &mut [Vec<String>],
) {
    for ((name, kind), aliases) in names.iter().zip(kinds).zip(aliases.iter_mut()) {
        let acronym = name.first == name.last && tokens[name.first].is_acronym();
        if !aliases.is_empty() || !(acronym || *kind == Kind::Place) {
            continue;
        }
        if let Some(place) = gazetteer.place(&name.folded)
            && fold(place.canonical) != name.folded
        {
            aliases.push(place.canonical.to_string());
        }
    }
}

/// For mentions given upstream (spans fixed): fills in roles and aliases the text gives around
/// each span, and the name inside a span that holds more than a name ([`Mention::name`]),
/// never changing spans, kinds or ids. Role-only mentions are left alone.
pub fn annotate(text: &str, mentions: &mut [Mention], rules: &Rules) {
    let doc = Document::new(text, rules);
    let (names, owners) = given_names(&doc, mentions);
    let person_ok: Vec<bool> = owners.iter().map(|&m| matches!(mentions[m].kind, Kind::Person | Kind::Other)).collect();
    let bindings = doc.bind(&names, &person_ok);
    let defs = definitions(&doc.tokens, &names);
    let mut kinds: Vec<Kind> = owners.iter().map(|&m| mentions[m].kind).collect();
    let mut aliases = acronym_aliases(&names, &defs, &mut kinds);
    gazetteer_aliases(&names, &kinds, &doc.tokens, doc.gazetteer, &mut aliases);
    for (i, &m) in owners.iter().enumerate() {
        let mention = &mut mentions[m];
        let (within, described) = span::name_within(&doc, names[i].first, names[i].last);
        if let Some((first, last)) = within {
            let name: String = doc.chars[doc.tokens[first].start..doc.tokens[last].end].iter().collect();
            if name != mention.text.trim() {
                mention.name = Some(name);
            }
        }
        if described {
            mention.form = Form::Description;
        }
        let inner = inner_title_roles(&doc.titles, &names[i]);
        for role in bindings.roles[i].iter().chain(&inner) {
            if !mention.roles.contains(role) {
                mention.roles.push(role.clone());
            }
        }
        for alias in &aliases[i] {
            if !mention.aliases.contains(alias) && *alias != mention.text {
                mention.aliases.push(alias.clone());
            }
        }
    }
}

/// Names for the given mentions, sorted by token, and the index of the mention of each.
fn given_names(doc: &Document<'_>, mentions: &[Mention]) -> (Vec<Name>, Vec<usize>) {
    let mut found: Vec<(Name, usize)> = Vec::new();
    for (m, mention) in mentions.iter().enumerate() {
        if mention.form == Form::RoleOnly {
            continue;
        }
        let (Ok(start), Ok(end)) = (usize::try_from(mention.start), usize::try_from(mention.end)) else {
            continue;
        };
        if start >= end || end > doc.chars.len() {
            continue;
        }
        let first = doc.tokens.partition_point(|t| t.end <= start);
        let after = doc.tokens.partition_point(|t| t.start < end);
        if first >= after {
            continue;
        }
        let mut name = Name::new(&doc.chars, &doc.tokens, first, after - 1);
        name.start = start;
        name.end = end;
        name.text = doc.chars[start..end].iter().collect();
        name.folded = fold(&name.text);
        found.push((name, m));
    }
    found.sort_by_key(|(name, m)| (name.first, name.last, *m));
    found.into_iter().unzip()
}

/// Roles of titles written inside a given span before its name ("Prime Minister X" given
/// as one span).
fn inner_title_roles(titles: &[Title], name: &Name) -> Vec<Role> {
    titles
        .iter()
        .filter(|t| t.phrase_first >= name.first && t.last < name.last && !t.plural)
        .map(|t| Role { title: t.name.clone(), of: None, tense: t.tense })
        .collect()
}
