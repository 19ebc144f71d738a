//! Records with attributes: how two values of an attribute compare, the blocking keys a value
//! gives, and the weighed comparison of a record with an entity (a Fellegi-Sunter sum: each
//! attribute both sides have adds the weight the rules give its outcome; a missing one adds
//! nothing). All of it is data-driven by [`Rules::attributes`]; nothing here knows a column.

use std::fmt::Write as _;
use std::sync::Arc;

use strsim::{jaro_winkler, osa_distance};

use crate::entity::Entity;
use crate::mention::Mention;
use crate::normalize::fold;
use crate::rules::{AttrKind, AttributeRule, RecordRules, Rules};
use crate::state::State;

/// How two values of one attribute compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Neither equal nor close.
    Differ,
    /// Within the typos of values typed by hand.
    Close,
    /// Equal once normalised.
    Agree,
}

impl Level {
    fn sign(self) -> &'static str {
        match self {
            Level::Agree => "=",
            Level::Close => "~",
            Level::Differ => "≠",
        }
    }
}

/// A value as compared: folded (lower case, no diacritics), letters and digits only. Spaces go
/// too: "ebden s treet" is "ebden street" typed badly. A date keeps only its digits.
pub fn normalize(kind: AttrKind, value: &str) -> String {
    let keep = |c: &char| if kind == AttrKind::Date { c.is_ascii_digit() } else { c.is_alphanumeric() };
    if value.is_ascii() {
        // Most values: no need for Unicode folding.
        return value.chars().filter(keep).map(|c| c.to_ascii_lowercase()).collect();
    }
    fold(value).chars().filter(keep).collect()
}

/// Compares two normalised values of an attribute of `kind`.
pub fn compare(kind: AttrKind, a: &str, b: &str, rules: &RecordRules) -> Level {
    if a == b {
        return Level::Agree;
    }
    let within = |max: usize| !surely_more_edits(a, b, max) && osa_distance(a, b) <= max;
    let close = match kind {
        AttrKind::Identifier => a.len().min(b.len()) >= 4 && within(rules.close_edits_max),
        AttrKind::Date => within(rules.close_edits_max) || day_month_swapped(a, b),
        AttrKind::Code => within(1),
        AttrKind::Name | AttrKind::Text => {
            !surely_apart(a, b, rules.close_min) && jaro_winkler(a, b) >= rules.close_min
        }
    };
    if close { Level::Close } else { Level::Differ }
}

/// Whether the Jaro-Winkler similarity of two ASCII strings is surely under `min`, by the bound
/// of [`jaro_winkler_surely_under`] from the characters they share. Most values of two
/// different records (a given name in the surname's column) are told apart so, without the
/// costlier comparison. `false` when unsure, or for other text.
fn surely_apart(a: &str, b: &str, min: f64) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let Some(common) = shared_ascii(a, b) else { return false };
    let (Ok(common), Ok(la), Ok(lb)) = (u32::try_from(common), u32::try_from(a.len()), u32::try_from(b.len())) else {
        return false;
    };
    jaro_winkler_surely_under(common, la, lb, min)
}

/// How many characters two ASCII strings share, as multisets; `None` for other text.
fn shared_ascii(a: &str, b: &str) -> Option<usize> {
    if !a.is_ascii() || !b.is_ascii() {
        return None;
    }
    Some(shared_with(ascii_counts(a), b.bytes()))
}

/// How many of each character an ASCII text has.
fn ascii_counts(text: &str) -> [u32; 128] {
    let mut counts = [0u32; 128];
    for byte in text.bytes() {
        counts[usize::from(byte)] += 1;
    }
    counts
}

/// How many of the ASCII `bytes` the text of `counts` shares with them, as multisets.
fn shared_with(mut counts: [u32; 128], bytes: impl Iterator<Item = u8>) -> usize {
    let mut common = 0;
    for byte in bytes {
        let count = &mut counts[usize::from(byte)];
        if *count > 0 {
            *count -= 1;
            common += 1;
        }
    }
    common
}

/// Whether two strings of `a_len` and `b_len` characters, `common` of which they share as
/// multisets, surely have a Jaro-Winkler similarity under `min`: Jaro matches at most the
/// shared characters, and Winkler's prefix adds at most four tenths of what Jaro lacks.
pub(crate) fn jaro_winkler_surely_under(common: u32, a_len: u32, b_len: u32, min: f64) -> bool {
    if common == 0 || a_len == 0 || b_len == 0 {
        return true;
    }
    let c = f64::from(common);
    let jaro = (c / f64::from(a_len) + c / f64::from(b_len) + 1.0) / 3.0;
    jaro + 0.4 * (1.0 - jaro) < min - 1e-9
}

/// Jaro-Winkler similarity of a query to names, each lower-cased as [`str::to_lowercase`]
/// lower-cases it: what a search ranks names by. A name whose characters alone show that it
/// cannot reach the minimum asked for ([`jaro_winkler_surely_under`]) is passed over without
/// the comparison or a lower-cased copy: the bound is used for ASCII text, other text is always
/// compared.
pub struct Similarity {
    query: String,
    /// How many of each ASCII character the lower-cased query has, and its length (`None` for
    /// other text).
    ascii: Option<([u32; 128], u32)>,
}

impl Similarity {
    /// The similarity to `query`.
    pub fn new(query: &str) -> Similarity {
        let query = query.to_lowercase();
        let len = u32::try_from(query.len()).ok().filter(|_| query.is_ascii());
        let ascii = len.map(|len| (ascii_counts(&query), len));
        Similarity { query, ascii }
    }

    /// The Jaro-Winkler similarity of the query and `name` lower-cased, when it is at least `min`.
    pub fn at_least(&self, name: &str, min: f64) -> Option<f64> {
        if let Some((counts, len)) = &self.ascii
            && name.is_ascii()
            && !name.is_empty()
            && *len > 0
            && min > 0.0
        {
            let common = shared_with(*counts, name.bytes().map(|byte| byte.to_ascii_lowercase()));
            if let (Ok(common), Ok(name_len)) = (u32::try_from(common), u32::try_from(name.len()))
                && jaro_winkler_surely_under(common, *len, name_len, min)
            {
                return None;
            }
        }
        let score = jaro_winkler(&self.query, &name.to_lowercase());
        (score >= min).then_some(score)
    }
}

/// Whether two ASCII strings surely need more than `max` edits (optimal string alignment) to
/// turn one into the other: each edit changes by at most one how many characters the longer
/// has beyond those the two share as multisets, and a transposition changes nothing, so that
/// number bounds the distance from below. Two different identifiers or dates usually share too
/// few digits, known without the distance's table. `false` when unsure, or for other text.
fn surely_more_edits(a: &str, b: &str, max: usize) -> bool {
    shared_ascii(a, b).is_some_and(|common| a.len().max(b.len()) - common > max)
}

/// Whether two eight-digit dates (year first) differ only by day and month swapped.
fn day_month_swapped(a: &str, b: &str) -> bool {
    a.len() == 8 && b.len() == 8 && a[..4] == b[..4] && a[4..6] == b[6..8] && a[6..8] == b[4..6]
}

/// The prefix of attribute blocking keys.
pub(crate) const KEY: &str = "a:";

/// The blocking keys of one normalised value: the value itself; for identifiers and dates
/// also each half of it and its characters sorted, so that one typo, a transposition or a
/// swapped day and month still meets the right record.
pub fn block_keys(name: &str, rule: &AttributeRule, value: &str) -> Vec<String> {
    let key = |separator: &str, part: &str| [KEY, name, separator, part].concat();
    let mut keys = vec![key("=", value)];
    if matches!(rule.kind, AttrKind::Identifier | AttrKind::Date) && value.len() >= 4 {
        let mid = value.char_indices().nth(value.chars().count() / 2).map_or(value.len(), |(i, _)| i);
        keys.push(key("<", &value[..mid]));
        keys.push(key(">", &value[mid..]));
        let mut sorted: Vec<char> = value.chars().collect();
        sorted.sort_unstable();
        keys.push(key("#", &sorted.into_iter().collect::<String>()));
    }
    keys
}

/// One attribute of a record, as the rules know it.
pub struct Attr<'r> {
    /// Its position among the rules' attributes.
    pub index: usize,
    /// The canonical attribute name.
    pub name: &'r str,
    /// Its rule.
    pub rule: &'r AttributeRule,
    /// Its normalised value.
    pub value: Arc<str>,
}

/// The attributes of a mention the rules know, with non-empty values, in name order; of two
/// columns that are aliases of one attribute, the first in column order counts.
pub fn known_attrs<'r>(rules: &'r Rules, mention: &Mention) -> Vec<Attr<'r>> {
    let mut out: Vec<Attr<'r>> = mention
        .attrs
        .iter()
        .filter_map(|(column, value)| {
            let (index, name, rule) = rules.attribute(column)?;
            let value = normalize(rule.kind, value);
            (!value.is_empty()).then(|| Attr { index, name, rule, value: Arc::from(value) })
        })
        .collect();
    out.sort_by_key(|a| a.index);
    out.dedup_by_key(|a| a.index);
    out
}

/// Whether a mention is a record: it carries an attribute the rules know other than a part of
/// its name.
pub fn is_record(rules: &Rules, mention: &Mention) -> bool {
    mention.attrs.iter().any(|(column, value)| {
        rules.attribute(column).is_some_and(|(_, _, rule)| rule.kind != AttrKind::Name) && !value.trim().is_empty()
    })
}

/// A record weighed against one entity: the score and each comparison that made it, from
/// which [`Weighed::explain`] writes the evidence of the one decision that needs it.
#[derive(Debug)]
pub struct Weighed {
    /// The sum of the weights.
    pub score: f64,
    /// Whether a conflicting attribute forbids the merge.
    pub vetoed: bool,
    compared: Vec<Compared>,
}

/// One comparison of a weighing: which of the record's attributes, against which of the
/// entity's (another one when name parts were typed in each other's columns), the entity's
/// closest value and the outcome.
#[derive(Debug)]
struct Compared {
    /// What was compared.
    what: Subject,
    /// Position of the closest value in the profile's list (of `against`'s values, or of names).
    other: usize,
    level: Level,
    weight: f64,
}

/// What a comparison compared.
#[derive(Debug)]
enum Subject {
    /// The record's attribute at `attr` (its position among the record's attributes) with the
    /// entity's values of the attribute at `against` (another one when name parts were typed
    /// in each other's columns).
    Attr { attr: usize, against: usize },
    /// The record's whole name with the entity's names.
    Name,
}

/// The evidence of a weighing: one line per comparison and the reason of a veto.
#[derive(Debug)]
pub struct Explained {
    /// One line per attribute compared: `date_of_birth "19560409" ~ "19560490" (+4.0)`.
    pub evidence: Vec<String>,
    /// Why the merge is forbidden, if it is.
    pub veto: Option<String>,
}

impl Weighed {
    /// The evidence of this weighing of `attrs` and `name` against `profile` (the same ones it
    /// was weighed with).
    pub fn explain(&self, attrs: &[Attr<'_>], name: &str, profile: &Profile) -> Explained {
        let mut evidence = Vec::with_capacity(self.compared.len());
        let mut conflicts: Vec<&str> = Vec::new();
        for c in &self.compared {
            let weight = c.weight;
            let Subject::Attr { attr, against } = c.what else {
                let other = &profile.names[c.other];
                evidence.push(format!("name {name:?} {} {other:?} ({weight:+.1})", c.level.sign()));
                continue;
            };
            let (attr, against) = (&attrs[attr], &attrs[against]);
            let other = &profile.values_of(against.index)[c.other].1;
            let conflict = if attr.rule.veto && c.level == Level::Differ {
                conflicts.push(attr.name);
                ", a conflict"
            } else {
                ""
            };
            // `name "value" ~ "other" (its column) (+1.0), a conflict`, written piece by piece:
            // one line per attribute of every decision on records.
            let mut line = String::with_capacity(attr.name.len() + attr.value.len() + other.len() + 32);
            line.push_str(attr.name);
            line.push(' ');
            push_quoted(&mut line, &attr.value);
            line.push(' ');
            line.push_str(c.level.sign());
            line.push(' ');
            push_quoted(&mut line, other);
            if against.index != attr.index {
                line.push_str(" (its ");
                line.push_str(against.name);
                line.push(')');
            }
            let _ = write!(line, " ({weight:+.1})");
            line.push_str(conflict);
            evidence.push(line);
        }
        let veto = self
            .vetoed
            .then(|| format!("{} in conflict and no other strong attribute agrees", conflicts.join(" and ")));
        Explained { evidence, veto }
    }
}

/// Appends `text` as `{:?}` writes it: within quotes, escaped. Values that need no escape (most
/// normalised values: letters and digits) are copied as they are.
fn push_quoted(out: &mut String, text: &str) {
    if text.bytes().all(|b| (b.is_ascii_graphic() || b == b' ') && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        let _ = write!(out, "{text:?}");
    }
}

/// The values an entity's records hold, by attribute, and its names: what a record is weighed
/// against.
pub struct Profile {
    /// (attribute position, value), ordered by position, each attribute's values distinct and
    /// in mention order: one allocation, where a list per attribute took one each, for every
    /// candidate of every record.
    values: Vec<(usize, Arc<str>)>,
    names: Vec<String>,
}

impl Profile {
    /// The profile of `entity` from its first `profile_mentions_max` mentions; its names only
    /// `with_names` (a record without name attributes is compared by its whole name).
    pub fn of(state: &State, entity: &Entity, with_names: bool) -> Profile {
        let rules = state.rules();
        let mut values: Vec<(usize, Arc<str>)> = Vec::new();
        for mention_id in entity.mentions.iter().take(rules.records.profile_mentions_max) {
            for (index, value) in state.mention_attrs(mention_id).iter() {
                if !values.iter().any(|(i, v)| i == index && v == value) {
                    values.push((*index, Arc::clone(value)));
                }
            }
        }
        // Stable: each attribute's values stay in mention order.
        values.sort_by_key(|(index, _)| *index);
        let names = if with_names {
            entity.names.keys().map(|n| state.name_tokens(n).join(" ")).filter(|n| !n.is_empty()).collect()
        } else {
            Vec::new()
        };
        Profile { values, names }
    }

    /// The entity's values of the attribute at `index`, in mention order.
    fn values_of(&self, index: usize) -> &[(usize, Arc<str>)] {
        let start = self.values.partition_point(|(i, _)| *i < index);
        let end = self.values.partition_point(|(i, _)| *i <= index);
        &self.values[start..end]
    }
}

/// The entity's value closest to `value` (its position in `theirs`), and how close; the first
/// of equals, in mention order. `None` when the entity has no value.
fn closest(kind: AttrKind, value: &str, theirs: &[(usize, Arc<str>)], records: &RecordRules) -> Option<(Level, usize)> {
    let mut best: Option<(Level, usize)> = None;
    for (i, (_, other)) in theirs.iter().enumerate() {
        let level = compare(kind, value, other, records);
        if best.is_none_or(|(b, _)| level > b) {
            best = Some((level, i));
            if level == Level::Agree {
                break;
            }
        }
    }
    best
}

/// The weight a rule gives a level.
fn level_weight(rule: &AttributeRule, level: Level) -> f64 {
    match level {
        Level::Agree => rule.agree,
        Level::Close => rule.close,
        Level::Differ => rule.differ,
    }
}

/// A name part of a record as weighed: its position, the position of the attribute it is
/// compared against, and the closest value found there.
type NamePart = (usize, usize, Option<(Level, usize)>);

/// Weighs a record (its known attributes and normalised name) against an entity's profile.
pub fn weigh(rules: &Rules, attrs: &[Attr<'_>], name: &str, profile: &Profile) -> Weighed {
    let records = &rules.records;
    let mut score = 0.0;
    let mut compared = Vec::with_capacity(attrs.len());
    let mut conflict = false;
    let mut corroborated = false;
    // Name parts typed in each other's columns ("berry", "emily" for "emily", "berry") are
    // compared crosswise when that fits better.
    let parts: Vec<usize> = (0..attrs.len()).filter(|&i| attrs[i].rule.kind == AttrKind::Name).collect();
    let closest_to = |mine: usize, theirs: usize| {
        let rule = attrs[theirs].rule;
        closest(rule.kind, &attrs[mine].value, profile.values_of(attrs[theirs].index), records)
    };
    // For two name parts: each one's closest value straight and crossed, each made once; and
    // the attribute each is compared against (the other one when crossed fits better).
    let mut names: Option<[NamePart; 2]> = None;
    if let [a, b] = parts[..] {
        let weight = |theirs: usize, found: Option<(Level, usize)>| {
            found.map_or(0.0, |(level, _)| level_weight(attrs[theirs].rule, level))
        };
        let (aa, bb, ab, ba) = (closest_to(a, a), closest_to(b, b), closest_to(a, b), closest_to(b, a));
        let straight = weight(a, aa) + weight(b, bb);
        let crossed = weight(b, ab) + weight(a, ba);
        names = Some(if crossed > straight { [(a, b, ab), (b, a, ba)] } else { [(a, a, aa), (b, b, bb)] });
    }
    for (i, attr) in attrs.iter().enumerate() {
        // The attribute of the entity this value is compared with, and the closest value.
        let (against, found) = match names.as_ref().and_then(|n| n.iter().find(|(mine, _, _)| *mine == i)) {
            Some(&(_, against, found)) => (against, found),
            None => (i, closest_to(i, i)),
        };
        let rule = attrs[against].rule;
        let Some((level, other)) = found else {
            continue;
        };
        let weight = level_weight(rule, level);
        score += weight;
        if attr.rule.veto {
            match level {
                Level::Differ => conflict = true,
                // A close identifier still corroborates: one typo in seven digits is not
                // another person's number.
                Level::Agree | Level::Close => corroborated = true,
            }
        }
        compared.push(Compared { what: Subject::Attr { attr: i, against }, other, level, weight });
    }
    if !attrs.iter().any(|a| a.rule.kind == AttrKind::Name) && !name.is_empty() {
        let mut best: Option<(f64, usize)> = None;
        for (i, other) in profile.names.iter().enumerate() {
            let similarity = if other == name { 1.0 } else { jaro_winkler(name, other) };
            if best.is_none_or(|(b, _)| similarity > b) {
                best = Some((similarity, i));
            }
        }
        if let Some((similarity, other)) = best {
            let (level, weight) = if similarity >= 1.0 {
                (Level::Agree, records.name_agree)
            } else if similarity >= records.close_min {
                (Level::Close, records.name_close)
            } else {
                (Level::Differ, records.name_differ)
            };
            score += weight;
            compared.push(Compared { what: Subject::Name, other, level, weight });
        }
    }
    Weighed { score, vetoed: conflict && !corroborated, compared }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn values_sharing_few_characters_are_surely_apart_and_a_transposition_is_not() {
        assert!(surely_more_edits("1804975", "2335127", 2), "three digits shared of seven");
        assert!(!surely_more_edits("19831127", "19831172", 2), "the same digits, moved");
        assert!(!surely_more_edits("1804975", "1804976", 2), "one typo");
        assert!(!surely_more_edits("smïth", "smyth", 0), "not ASCII: unsure");
    }

    proptest! {
        // The bound may only say "surely" where the distance agrees: a wrong bound would turn
        // close identifiers and dates into different ones.
        #[test]
        fn more_edits_is_said_only_of_values_more_edits_apart(
            a in "[0-9a-c]{0,9}",
            b in "[0-9a-c]{0,9}",
            max in 0usize..4,
        ) {
            if surely_more_edits(&a, &b, max) {
                prop_assert!(osa_distance(&a, &b) > max, "{a:?} {b:?} are {} edits apart", osa_distance(&a, &b));
            }
        }
    }

    proptest! {
        // The names a search passes over without comparing are those the comparison would
        // refuse, and every other name gets the score the comparison gives.
        #[test]
        fn a_name_passed_over_by_its_characters_is_one_the_comparison_refuses(
            query in "[a-cA-C é]{0,8}",
            name in "[a-dA-D é-]{0,10}",
            min in 0.0f64..1.0,
        ) {
            let exact = jaro_winkler(&query.to_lowercase(), &name.to_lowercase());
            let similarity = Similarity::new(&query);
            prop_assert_eq!(similarity.at_least(&name, min), (exact >= min).then_some(exact));
        }
    }

    #[test]
    fn a_far_name_is_told_apart_by_its_characters_and_a_near_one_is_scored() {
        let similarity = Similarity::new("Jane Roe");
        assert_eq!(similarity.at_least("JANE ROE", 0.85), Some(1.0));
        assert!(similarity.at_least("Jane Rowe", 0.85).is_some());
        // This far name is one the bound on its characters alone tells apart.
        let (la, lb) = (u32::try_from("jane roe".len()).unwrap(), u32::try_from("Mustafa Kemal".len()).unwrap());
        let common = u32::try_from(shared_ascii("jane roe", "mustafa kemal").unwrap()).unwrap();
        assert!(jaro_winkler_surely_under(common, la, lb, 0.85));
        assert_eq!(similarity.at_least("Mustafa Kemal", 0.85), None);
    }

    fn rules() -> Rules {
        Rules::default_rules()
    }

    fn level(column: &str, a: &str, b: &str) -> Level {
        let rules = rules();
        let (_, _, rule) = rules.attribute(column).expect("a known attribute");
        compare(rule.kind, &normalize(rule.kind, a), &normalize(rule.kind, b), &rules.records)
    }

    #[test]
    fn identifiers_typed_with_a_typo_are_close_and_others_differ() {
        assert_eq!(level("soc_sec_id", "1804974", "1804974"), Level::Agree);
        assert_eq!(level("soc_sec_id", "1804974", "1809474"), Level::Close, "a transposition");
        assert_eq!(level("soc_sec_id", "1804974", "1804975"), Level::Close, "one digit");
        assert_eq!(level("soc_sec_id", "1804974", "8587561"), Level::Differ);
    }

    #[test]
    fn dates_compare_by_digits_and_a_swapped_day_and_month_is_close() {
        assert_eq!(level("date_of_birth", "1956-04-09", "19560409"), Level::Agree);
        assert_eq!(level("dob", "19560409", "19560904"), Level::Close);
        assert_eq!(level("dob", "19560409", "19560490"), Level::Close);
        assert_eq!(level("dob", "19560409", "19831127"), Level::Differ);
    }

    #[test]
    fn free_text_ignores_spaces_and_tolerates_misspellings() {
        assert_eq!(level("address_1", "ebden s treet", "Ebden Street"), Level::Agree);
        assert_eq!(level("address_1", "pridhamstreet", "pridham stret"), Level::Close);
        assert_eq!(level("suburb", "coffs harbour", "kotara"), Level::Differ);
    }

    #[test]
    fn column_names_map_to_attributes_through_aliases_in_any_case() {
        let rules = rules();
        assert_eq!(rules.attribute("DOB").map(|(_, n, _)| n), Some("date_of_birth"));
        assert_eq!(rules.attribute("zip").map(|(_, n, _)| n), Some("postcode"));
        assert!(rules.attribute("favourite_colour").is_none());
    }

    /// A record's known attributes from (column, raw value) pairs, as the resolver sees them.
    fn record<'r>(rules: &'r Rules, columns: &[(&str, &str)]) -> Vec<Attr<'r>> {
        let mut attrs: Vec<Attr<'r>> = columns
            .iter()
            .map(|(column, value)| {
                let (index, name, rule) = rules.attribute(column).expect("a known attribute");
                Attr { index, name, rule, value: Arc::from(normalize(rule.kind, value)) }
            })
            .collect();
        attrs.sort_by_key(|a| a.index);
        attrs
    }

    /// The profile of an entity whose records held these values.
    fn profile(rules: &Rules, columns: &[(&str, &str)]) -> Profile {
        let mut values = Vec::new();
        for attr in record(rules, columns) {
            values.push((attr.index, attr.value));
        }
        values.sort_by_key(|(index, _)| *index);
        Profile { values, names: Vec::new() }
    }

    #[test]
    fn a_weighing_explains_each_comparison_its_score_and_its_veto() {
        let rules = rules();
        let weight = |name: &str, level: Level| level_weight(rules.attribute(name).unwrap().2, level);
        // Given name and surname typed in each other's columns; identifier and date both differ.
        let mine = record(
            &rules,
            &[("given_name", "berry"), ("surname", "emily"), ("soc_sec_id", "1804974"), ("dob", "19560409")],
        );
        let theirs = profile(
            &rules,
            &[("given_name", "emily"), ("surname", "berry"), ("soc_sec_id", "8587561"), ("dob", "19831127")],
        );
        let w = weigh(&rules, &mine, "berry emily", &theirs);
        let expected = weight("given_name", Level::Agree)
            + weight("surname", Level::Agree)
            + weight("soc_sec_id", Level::Differ)
            + weight("dob", Level::Differ);
        assert!((w.score - expected).abs() < 1e-9, "score {} for {expected}", w.score);
        assert!(w.vetoed, "two conflicting strong attributes and none agreeing veto");
        let explained = w.explain(&mine, "berry emily", &theirs);
        assert_eq!(explained.evidence.len(), 4, "{:?}", explained.evidence);
        assert!(explained.evidence.iter().any(|l| l.starts_with("given_name \"berry\" = \"berry\" (its surname)")));
        assert!(
            explained
                .evidence
                .iter()
                .any(|l| l.starts_with("identifier \"1804974\" ≠ \"8587561\"") && l.ends_with(", a conflict"))
        );
        assert_eq!(
            explained.veto.as_deref(),
            Some("date_of_birth and identifier in conflict and no other strong attribute agrees")
        );

        // A close identifier corroborates: no veto, however the date differs.
        let theirs = profile(&rules, &[("soc_sec_id", "1804975"), ("dob", "19831127")]);
        let w = weigh(&rules, &mine, "berry emily", &theirs);
        assert!(!w.vetoed);
        assert_eq!(w.explain(&mine, "berry emily", &theirs).veto, None);
    }

    #[test]
    fn values_told_apart_by_their_characters_are_those_jaro_winkler_puts_under_the_bar() {
        // Every pair of a small alphabet's words: the bound never says "apart" for a pair
        // Jaro-Winkler finds close, and it does say so for some.
        let words: Vec<String> = (0..400usize)
            .map(|i| {
                let len = 1 + i % 7;
                (0..len).map(|j| char::from(b"abcdef"[(i * 7 + j * 3) % 6])).collect()
            })
            .chain(["emily", "berry", "ebdenstreet", "pridhamstreet", "kotara", "coffsharbour"].map(String::from))
            .collect();
        let mut apart = 0;
        for min in [0.5, 0.8, 0.9] {
            for a in &words {
                for b in &words {
                    if surely_apart(a, b, min) {
                        apart += 1;
                        assert!(jaro_winkler(a, b) < min, "{a} {b} at {min}: {}", jaro_winkler(a, b));
                    }
                }
            }
        }
        assert!(apart > 1000, "the bound tells few pairs apart: {apart}");
        assert!(!surely_apart("zoë", "zoe", 0.9), "non-ASCII text is left to Jaro-Winkler");
    }

    #[test]
    fn values_are_quoted_as_debug_formatting_quotes_them() {
        for text in
            ["1804974", "ebden street", "", "o'brien", "say \"hi\"", "back\\slash", "tab\there", "zoë", "line\n"]
        {
            let mut out = String::new();
            push_quoted(&mut out, text);
            assert_eq!(out, format!("{text:?}"), "{text}");
        }
    }

    #[test]
    fn identifier_blocking_keys_survive_one_typo() {
        let rules = rules();
        let (_, name, rule) = rules.attribute("ssn").unwrap();
        let a = block_keys(name, rule, "1804974");
        for typo in ["1804975", "2804974", "1809474"] {
            let b = block_keys(name, rule, typo);
            assert!(a.iter().any(|k| b.contains(k)), "{typo} shares no key with 1804974");
        }
    }
}
