//! An entity's names as the resolver compares them, laid out to be read in few cache lines.
//!
//! A candidate of a mention is read once in a long while at a large history: each pointer
//! followed to read it is a likely miss of the last-level cache. Every number the comparisons
//! need (hashes of last tokens, where each name and token starts) and then the names' tokens
//! are kept in one allocation, so that reading a candidate's names follows one pointer, not one
//! per name and one per token.

use std::collections::HashMap;

use crate::hash::FoldState;
use crate::memo::Touch;
use crate::mention::Kind;

/// An entity's names as the resolver compares them: the folded tokens of each name.
#[derive(Debug, PartialEq)]
pub struct EntityTokens {
    /// The entity's kind (a mention that refines it forgets these tokens too).
    pub kind: Kind,
    /// Whether one of its names has several tokens.
    full: bool,
    /// How many distinct names it has.
    distinct: u32,
    /// The [`first_bytes`] of the names a name of several tokens is compared with (those of
    /// several tokens if it has any, else all): in any of them, and in every one of them. A
    /// candidate is passed over by them without reading its tokens ([`EntityTokens::may_fit`]).
    firsts_any: u64,
    firsts_every: u64,
    /// Numbers (each four bytes, little-endian), then the tokens of the distinct names one
    /// after another. The numbers are four runs of `distinct`, then one more, then one per
    /// token:
    /// - a hash of each distinct name's last token, ordered by hash, then token, then place
    ///   (an entry), so that a surname is compared with the names that end in it, found by
    ///   comparing numbers rather than strings;
    /// - the distinct name at each entry;
    /// - beside each entry, the longest name (the last of equals) of the entries with its last
    ///   token up to it: at a token's last entry, the longest name that ends in it;
    /// - the first token of each distinct name, and the number of tokens after them;
    /// - where each token ends among the tokens' bytes (it starts where the one before it ends).
    data: Box<[u8]>,
    /// Which distinct name each of the names it was made of (in code-point order of the names)
    /// folds to: where a new name goes in, and which names a distinct one stands for.
    of_names: Box<[u32]>,
}

/// An entity's canonical name as the fuzzy step compares it: its folded tokens joined by
/// spaces, in one allocation, with what the comparison asks of them.
#[derive(Debug, PartialEq)]
pub struct CanonicalTokens {
    /// The tokens joined by spaces.
    joined: Box<str>,
    /// How many tokens.
    count: usize,
    /// The length of the last token, at the end of `joined`.
    last_len: usize,
    /// The first character of the first token.
    first_char: Option<char>,
}

impl CanonicalTokens {
    /// The canonical name's folded tokens.
    pub(crate) fn new(tokens: &[String]) -> CanonicalTokens {
        CanonicalTokens {
            joined: tokens.join(" ").into_boxed_str(),
            count: tokens.len(),
            last_len: tokens.last().map_or(0, String::len),
            first_char: tokens.first().and_then(|t| t.chars().next()),
        }
    }

    /// The tokens joined by spaces.
    pub fn joined(&self) -> &str {
        &self.joined
    }

    /// How many tokens it has.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Its last token (`None` without tokens).
    pub fn last(&self) -> Option<&str> {
        (self.count > 0).then(|| &self.joined[self.joined.len() - self.last_len..])
    }

    /// The first character of its first token.
    pub fn first_char(&self) -> Option<char> {
        self.first_char
    }
}

/// Its numbers and tokens, one allocation, brought to the cache ahead of reading them
/// ([`crate::memo::IdCells::read_each`]).
impl Touch for EntityTokens {
    fn touched_bytes(&self) -> &[u8] {
        &self.data
    }
}

/// The joined tokens, as [`EntityTokens`]' are.
impl Touch for CanonicalTokens {
    fn touched_bytes(&self) -> &[u8] {
        self.joined.as_bytes()
    }
}

/// One of an entity's distinct names: where its tokens are among its entity's.
#[derive(Clone, Copy)]
pub struct NameTokens<'a> {
    of: &'a EntityTokens,
    /// Its first token and the one after its last.
    tokens: (usize, usize),
}

impl EntityTokens {
    /// The tokens of an entity of `kind` with these names (in code-point order of the names).
    pub(crate) fn new<N: AsRef<[String]>>(kind: Kind, names: &[N]) -> EntityTokens {
        let mut last_place: HashMap<&[String], usize, FoldState> =
            HashMap::with_capacity_and_hasher(names.len(), FoldState::default());
        for (place, tokens) in names.iter().enumerate() {
            last_place.insert(tokens.as_ref(), place);
        }
        // Each distinct token sequence once, in the order of its last place in `names`: many
        // spellings of a popular entity fold alike, and a question asked of every name ("the
        // longest that fits, the last of equals") has the same answer here.
        let distinct: Vec<(u32, &[String])> = names
            .iter()
            .enumerate()
            .filter(|(place, tokens)| last_place.get(tokens.as_ref()) == Some(place))
            .map(|(place, tokens)| (number(place), tokens.as_ref()))
            .collect();
        // A name's distinct one is the one at its token sequence's last place (they are in the
        // order of their places).
        let of_names = names
            .iter()
            .map(|tokens| {
                let place = number(last_place[tokens.as_ref()]);
                number(distinct.partition_point(|(p, _)| *p < place))
            })
            .collect();
        let distinct: Vec<&[String]> = distinct.into_iter().map(|(_, name)| name).collect();
        EntityTokens::of_distinct(kind, &distinct, of_names)
    }

    /// These tokens with one more name, `tokens`, put at `at` among the names they were made
    /// of: what [`EntityTokens::new`] gives of those names, made from these tokens (one
    /// allocation) rather than from every name's.
    pub(crate) fn with_name(self, at: usize, tokens: &[String]) -> EntityTokens {
        // The distinct names' tokens one after another, and where each name starts.
        let mut flat: Vec<&str> = Vec::new();
        let mut starts: Vec<usize> = Vec::with_capacity(self.distinct_count() + 2);
        for i in 0..self.distinct_count() {
            starts.push(flat.len());
            flat.extend(self.name(i).iter());
        }
        starts.push(flat.len());
        let same = |i: usize| flat[starts[i]..starts[i + 1]].iter().copied().eq(tokens.iter().map(String::as_str));
        let known = (0..self.distinct_count()).find(|&i| same(i));
        let count = self.distinct_count() + usize::from(known.is_none());
        let mut of_names: Vec<u32> = self.of_names.to_vec();
        of_names.insert(at, number(known.unwrap_or(count - 1)));
        // Each distinct name's last place, and the distinct names in the order of it.
        let mut last = vec![0; count];
        for (place, i) in of_names.iter().enumerate() {
            last[as_usize(*i)] = number(place);
        }
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_unstable_by_key(|i| last[*i]);
        if known.is_some() && order.iter().enumerate().all(|(new, old)| new == *old) {
            // The same distinct names in the same order: the same tokens, in the same allocation.
            return EntityTokens { of_names: of_names.into(), ..self };
        }
        if known.is_none() {
            flat.extend(tokens.iter().map(String::as_str));
            starts.push(flat.len());
        }
        let mut new_index = vec![0; count];
        for (new, old) in order.iter().enumerate() {
            new_index[*old] = number(new);
        }
        let distinct: Vec<&[&str]> = order.iter().map(|i| &flat[starts[*i]..starts[*i + 1]]).collect();
        let of_names = of_names.iter().map(|i| new_index[as_usize(*i)]).collect();
        EntityTokens::of_distinct(self.kind, &distinct, of_names)
    }

    /// The tokens of the distinct names, in the order of their last places among the names;
    /// `of_names` gives each name's distinct one.
    fn of_distinct<T: AsRef<str>>(kind: Kind, distinct: &[&[T]], of_names: Box<[u32]>) -> EntityTokens {
        let last_of = |i: usize| distinct[i].last().map(AsRef::as_ref);
        let mut by_last: Vec<(u32, usize)> = (0..distinct.len()).map(|i| (last_hash(last_of(i)), i)).collect();
        by_last.sort_by(|(h, a), (g, b)| h.cmp(g).then_with(|| last_of(*a).cmp(&last_of(*b))).then(a.cmp(b)));
        let mut longest: Vec<usize> = Vec::with_capacity(by_last.len());
        for (k, &(_, i)) in by_last.iter().enumerate() {
            let longer_before = (k > 0 && last_of(by_last[k - 1].1) == last_of(i))
                .then(|| longest[k - 1])
                .filter(|&before| distinct[before].len() > distinct[i].len());
            longest.push(longer_before.unwrap_or(i));
        }
        let all_tokens = || distinct.iter().flat_map(|name| name.iter().map(AsRef::as_ref));
        let token_count: usize = distinct.iter().map(|name| name.len()).sum();
        let mut numbers: Vec<u32> = Vec::with_capacity(4 * distinct.len() + 1 + token_count);
        numbers.extend(by_last.iter().map(|(hash, _)| *hash));
        numbers.extend(by_last.iter().map(|(_, i)| number(*i)));
        numbers.extend(longest.iter().map(|i| number(*i)));
        let mut first = 0;
        for name in distinct {
            numbers.push(number(first));
            first += name.len();
        }
        numbers.push(number(first));
        let text_len: usize = all_tokens().map(|token| token.len()).sum();
        let mut end = 0;
        for token in all_tokens() {
            end += token.len();
            numbers.push(number(end));
        }
        let mut data: Vec<u8> = Vec::with_capacity(4 * numbers.len() + text_len);
        data.extend(numbers.iter().flat_map(|n| n.to_le_bytes()));
        for token in all_tokens() {
            data.extend_from_slice(token.as_bytes());
        }
        let full = distinct.iter().any(|name| name.len() > 1);
        let (firsts_any, firsts_every) = distinct
            .iter()
            .filter(|name| !full || name.len() > 1)
            .map(|name| first_bytes(name.iter()))
            .fold((0, u64::MAX), |(any, every), firsts| (any | firsts, every & firsts));
        EntityTokens {
            kind,
            full,
            distinct: number(distinct.len()),
            firsts_any,
            firsts_every,
            data: data.into_boxed_slice(),
            of_names,
        }
    }

    /// Whether a name of several tokens whose [`first_bytes`] are `firsts` may fit one of these
    /// names without nicknames, as far as first bytes tell. Tokens fit only tokens with their
    /// first bytes, so a name fits another, one way or the other, only if the set of one's
    /// first bytes holds the other's; the names such a name is compared with (those of several
    /// tokens, if there are any) are passed over together when `firsts` is in none of them
    /// (not in their union) and none is in `firsts` (their intersection is not).
    pub fn may_fit(&self, firsts: u64) -> bool {
        firsts & !self.firsts_any == 0 || self.firsts_every & !firsts == 0
    }

    /// How many names it was made of, equal ones included.
    pub fn names(&self) -> usize {
        self.of_names.len()
    }

    /// The places among the names it was made of of those whose tokens `keep` keeps, in order.
    pub fn names_where(&self, mut keep: impl FnMut(NameTokens<'_>) -> bool) -> Vec<usize> {
        let kept: Vec<bool> = self.distinct().map(&mut keep).collect();
        (0..self.of_names.len()).filter(|place| kept[as_usize(self.of_names[*place])]).collect()
    }

    /// Whether one of its names has several tokens.
    pub fn has_full_name(&self) -> bool {
        self.full
    }

    /// Each distinct token sequence of its names once, in the order of its last place among
    /// the names it was made of.
    pub fn distinct(&self) -> impl Iterator<Item = NameTokens<'_>> + '_ {
        (0..self.distinct_count()).map(|i| self.name(i))
    }

    fn distinct_count(&self) -> usize {
        as_usize(self.distinct)
    }

    /// The `i`th number.
    fn number(&self, i: usize) -> usize {
        let bytes: [u8; 4] = self.data[4 * i..4 * i + 4].try_into().expect("four bytes");
        as_usize(u32::from_le_bytes(bytes))
    }

    /// The `i`th distinct name.
    fn name(&self, i: usize) -> NameTokens<'_> {
        let firsts = 3 * self.distinct_count();
        NameTokens { of: self, tokens: (self.number(firsts + i), self.number(firsts + i + 1)) }
    }

    /// The name whose tokens are at `place` ([`NameTokens::place`]).
    pub(crate) fn at(&self, place: (usize, usize)) -> NameTokens<'_> {
        NameTokens { of: self, tokens: place }
    }

    /// Where the bytes of the `t`th token of the distinct names are in `data`.
    fn token_bytes(&self, t: usize) -> std::ops::Range<usize> {
        let ends = 4 * self.distinct_count() + 1;
        // The tokens' bytes follow the numbers: one end per token after the `ends` before them.
        let text = 4 * (ends + self.number(ends - 1));
        let start = if t == 0 { 0 } else { self.number(ends + t - 1) };
        text + start..text + self.number(ends + t)
    }

    /// The bytes of the `t`th token of the distinct names: what is read of it without making a
    /// string of it (making one checks that they are UTF-8 again).
    fn token_slice(&self, t: usize) -> &[u8] {
        &self.data[self.token_bytes(t)]
    }

    /// The first byte of the `t`th token of the distinct names (`None` for an empty one).
    fn token_first_byte(&self, t: usize) -> Option<u8> {
        self.token_slice(t).first().copied()
    }

    /// Whether the `t`th token of the distinct names is `token`, its bytes compared.
    fn token_is(&self, t: usize, token: &str) -> bool {
        self.token_slice(t) == token.as_bytes()
    }

    /// The `t`th token of the distinct names.
    fn token(&self, t: usize) -> &str {
        std::str::from_utf8(self.token_slice(t)).expect("a token is a string")
    }

    /// The entries whose hash is that of `last`: its names, and those of any other token with
    /// the same hash.
    fn hashed_like(&self, last: &str) -> std::ops::Range<usize> {
        let hash = as_usize(last_hash(Some(last)));
        self.first_entry(|h| h >= hash)..self.first_entry(|h| h > hash)
    }

    /// The first entry whose hash is `past` (or the number of entries): entries are ordered
    /// by hash, so a binary search (`partition_point` over the hashes among the numbers).
    fn first_entry(&self, past: impl Fn(usize) -> bool) -> usize {
        let (mut low, mut high) = (0, self.distinct_count());
        while low < high {
            let middle = low + (high - low) / 2;
            if past(self.number(middle)) { high = middle } else { low = middle + 1 }
        }
        low
    }

    /// The distinct name at an entry.
    fn entry(&self, entry: usize) -> NameTokens<'_> {
        self.name(self.number(self.distinct_count() + entry))
    }

    /// The distinct names whose last token is `last`, in [`EntityTokens::distinct`] order.
    pub fn ending_with<'a>(&'a self, last: &'a str) -> impl Iterator<Item = NameTokens<'a>> + 'a {
        self.hashed_like(last).map(|k| self.entry(k)).filter(move |name| name.last_is(last))
    }

    /// The longest distinct name whose last token is `last` (the last of equals), as
    /// `ending_with(last).max_by_key(|n| n.len())` gives it, without going through them all.
    pub fn longest_ending_with<'a>(&'a self, last: &'a str) -> Option<NameTokens<'a>> {
        let entries = self.hashed_like(last);
        let (first, end) = (entries.start, entries.end);
        // Entries of one hash are ordered by token: the first and the last being `last`, all are.
        if first < end && self.entry(first).last_is(last) && self.entry(end - 1).last_is(last) {
            return Some(self.name(self.number(2 * self.distinct_count() + end - 1)));
        }
        self.ending_with(last).max_by_key(NameTokens::len)
    }
}

impl<'a> NameTokens<'a> {
    /// How many tokens it has.
    pub fn len(&self) -> usize {
        self.tokens.1 - self.tokens.0
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where its tokens are among its entity's ([`EntityTokens::at`]).
    pub(crate) fn place(&self) -> (usize, usize) {
        self.tokens
    }

    /// Its tokens, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &'a str> + ExactSizeIterator + Clone + use<'a> {
        let of = self.of;
        (self.tokens.0..self.tokens.1).map(move |t| of.token(t))
    }

    /// Its tokens' bytes, in order: [`NameTokens::iter`] without making strings (which checks
    /// that the bytes are UTF-8 again).
    pub fn byte_tokens(&self) -> impl DoubleEndedIterator<Item = &'a [u8]> + ExactSizeIterator + Clone + use<'a> {
        let of = self.of;
        (self.tokens.0..self.tokens.1).map(move |t| of.token_slice(t))
    }

    /// Its first token.
    pub fn first(&self) -> Option<&'a str> {
        self.iter().next()
    }

    /// Its last token.
    pub fn last(&self) -> Option<&'a str> {
        self.iter().next_back()
    }

    /// Whether its last token is `token` (as `last() == Some(token)`, without making a string).
    pub fn last_is(&self, token: &str) -> bool {
        self.tokens.1 > self.tokens.0 && self.of.token_is(self.tokens.1 - 1, token)
    }

    /// [`first_bytes`] of its tokens, read without making strings of them.
    pub fn first_bytes(&self) -> u64 {
        (self.tokens.0..self.tokens.1).fold(0, |mask, t| mask | first_byte_bit(self.of.token_first_byte(t)))
    }

    /// Its tokens, copied.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// Its tokens joined by spaces.
    pub fn joined(&self) -> String {
        let mut out = String::new();
        self.join_into(&mut out);
        out
    }

    /// Its tokens joined by spaces, written at the end of `out`.
    pub fn join_into(&self, out: &mut String) {
        for (i, token) in self.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(token);
        }
    }
}

impl PartialEq for NameTokens<'_> {
    fn eq(&self, other: &NameTokens<'_>) -> bool {
        self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for NameTokens<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The first bytes of some tokens as a set of 64 (a bit each, bytes sharing a bit): two
/// tokens fit one another ([`crate::resolver`]'s `token_fits` without nicknames: equal, or one
/// the other's initial or start) only if their first bytes are the same, so a list of tokens
/// fits into another only if its set is in the other's. Cheaper to compare than the tokens.
pub fn first_bytes<S: AsRef<str>>(tokens: impl IntoIterator<Item = S>) -> u64 {
    tokens.into_iter().fold(0, |mask, t| mask | first_byte_bit(t.as_ref().bytes().next()))
}

/// The bit of [`first_bytes`] for a token's first byte (`None`: an empty token).
fn first_byte_bit(byte: Option<u8>) -> u64 {
    byte.map_or(1, |b| 1 << (b % 63 + 1))
}

/// A position or a length within one entity's names, as held in [`EntityTokens`].
fn number(n: usize) -> u32 {
    u32::try_from(n).expect("an entity's names hold fewer than 2^32 tokens and bytes")
}

fn as_usize(n: u32) -> usize {
    usize::try_from(n).expect("a u32 fits in usize")
}

/// The hash entries are ordered by (the process's key: only the grouping of equal tokens, never
/// an order between different ones, reaches a result).
fn last_hash(last: Option<&str>) -> u32 {
    let [a, b, c, d, ..] = crate::hash::fold_hash(&last).to_le_bytes();
    u32::from_le_bytes([a, b, c, d])
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::rules::Rules;

    fn folded(names: &[&str]) -> Vec<Arc<[String]>> {
        let rules = Rules::default_rules();
        names.iter().map(|n| crate::normalize::name_tokens(n, &rules).into()).collect()
    }

    fn copied<'a>(names: impl Iterator<Item = NameTokens<'a>>) -> Vec<Vec<String>> {
        names.map(|n| n.to_vec()).collect()
    }

    #[test]
    fn names_ending_with_a_token_are_those_a_filter_gives_in_the_same_order() {
        let names = folded(&["jane roe", "roe", "ann rowe", "j roe", "rowe", "ann roe", "li"]);
        let tokens = EntityTokens::new(Kind::Person, &names);
        for last in ["roe", "rowe", "li", "ro", "zz", ""] {
            let by_filter: Vec<Vec<String>> =
                names.iter().filter(|n| n.last().map(String::as_str) == Some(last)).map(|n| n.to_vec()).collect();
            assert_eq!(copied(tokens.ending_with(last)), by_filter, "{last:?}");
        }
    }

    #[test]
    fn the_longest_name_ending_with_a_token_is_the_last_of_the_longest_a_filter_gives() {
        // Names of one length ending alike ("ann roe", "jim roe"): the last of them is the one.
        let names = folded(&[
            "ann roe",
            "roe",
            "jane ann roe",
            "jim roe",
            "j roe",
            "rowe",
            "ann rowe",
            "li",
            "jo ann roe",
            "roe",
        ]);
        for kept in 0..=names.len() {
            let tokens = EntityTokens::new(Kind::Person, &names[..kept]);
            for last in ["roe", "rowe", "li", "ann", "ro", ""] {
                let by_filter = tokens.distinct().filter(|n| n.last() == Some(last));
                let expected = by_filter.max_by_key(NameTokens::len);
                assert_eq!(tokens.longest_ending_with(last), expected, "{last:?} among the first {kept} names");
                assert_eq!(tokens.longest_ending_with(last), tokens.ending_with(last).max_by_key(NameTokens::len));
            }
        }
    }

    #[test]
    fn distinct_names_keep_each_token_sequence_at_its_last_place() {
        // "Dr. Jane Roe" folds as "Jane Roe" does; "JANE ROE" too.
        let names = folded(&["Dr. Jane Roe", "J. Roe", "JANE ROE", "Jane Roe", "Roe"]);
        let tokens = EntityTokens::new(Kind::Person, &names);
        assert_eq!(copied(tokens.distinct()), [vec!["j", "roe"], vec!["jane", "roe"], vec!["roe"]]);
        // The last of the longest is the same name whichever list is asked.
        let longest = tokens.distinct().max_by_key(NameTokens::len).map(|n| n.to_vec());
        assert_eq!(longest, names.iter().max_by_key(|n| n.len()).map(|n| n.to_vec()));
        assert_eq!(tokens.ending_with("roe").count(), 3);
        assert_eq!(tokens.names(), 5, "every name counted, equal ones too");
    }

    /// Tokens from a few letters (and a few outside ASCII), so that names share tokens, end
    /// alike and repeat.
    fn token() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "an", "ann", "roe", "rowe", "é", "ßo", "li", "jo", "x"]).prop_map(str::to_string)
    }

    proptest! {
        /// What the resolver asks of an entity's names in one string and one array is what the
        /// names as lists of tokens answer: the distinct names in the order of their last place,
        /// those ending in a token in that order, the longest of them (the last of equals), and
        /// whether any has several tokens.
        #[test]
        fn names_held_in_one_string_answer_as_their_lists_of_tokens_do(
            names in prop::collection::vec(prop::collection::vec(token(), 0..4), 0..12),
        ) {
            let arcs: Vec<Arc<[String]>> = names.iter().map(|n| n.clone().into()).collect();
            let tokens = EntityTokens::new(Kind::Person, &arcs);
            let distinct: Vec<Vec<String>> = names
                .iter()
                .enumerate()
                .filter(|(place, n)| !names[place + 1..].contains(n))
                .map(|(_, n)| n.clone())
                .collect();
            prop_assert_eq!(copied(tokens.distinct()), distinct.clone());
            prop_assert_eq!(tokens.has_full_name(), names.iter().any(|n| n.len() > 1));
            // The names a distinct one stands for: those of its tokens, every one.
            prop_assert_eq!(tokens.names(), names.len());
            for listed in &distinct {
                let places: Vec<usize> = (0..names.len()).filter(|place| names[*place] == *listed).collect();
                prop_assert_eq!(tokens.names_where(|name| name.to_vec() == *listed), places);
            }
            for last in ["a", "an", "roe", "é", "ßo", "x", "zz", ""] {
                let ending: Vec<Vec<String>> =
                    distinct.iter().filter(|n| n.last().map(String::as_str) == Some(last)).cloned().collect();
                prop_assert_eq!(copied(tokens.ending_with(last)), ending.clone());
                let longest = ending.iter().max_by_key(|n| n.len()).cloned();
                prop_assert_eq!(tokens.longest_ending_with(last).map(|n| n.to_vec()), longest);
            }
            // Each name read from the one allocation, against its list of tokens.
            for (name, listed) in tokens.distinct().zip(&distinct) {
                prop_assert_eq!(name.first(), listed.first().map(String::as_str));
                prop_assert_eq!(name.last(), listed.last().map(String::as_str));
                // Compared by bytes: a token only its prefix, or longer, is not it.
                for token in ["a", "an", "ann", "ro", "roe", "rowe", "ß", "ßo", "é", "x", ""] {
                    prop_assert_eq!(name.last_is(token), listed.last().map(String::as_str) == Some(token), "{:?}", token);
                }
                prop_assert_eq!(name.joined(), listed.join(" "));
                prop_assert_eq!(name.first_bytes(), first_bytes(listed));
                prop_assert_eq!((name.len(), name.is_empty()), (listed.len(), listed.is_empty()));
                prop_assert_eq!(name.iter().rev().collect::<Vec<_>>(), listed.iter().rev().map(String::as_str).collect::<Vec<_>>());
                prop_assert_eq!(name.byte_tokens().rev().collect::<Vec<_>>(), listed.iter().rev().map(String::as_bytes).collect::<Vec<_>>());
            }
        }

        /// A name added to an entity's tokens gives the tokens of its names with that name put
        /// in at its place, as if made again from every name: the same distinct names in the
        /// same order, the same places, whether the new name is one already there or not.
        #[test]
        fn a_name_added_in_place_gives_the_tokens_made_from_every_name(
            names in prop::collection::vec(prop::collection::vec(token(), 0..4), 0..12),
            added in prop::collection::vec(token(), 0..4),
            at in any::<prop::sample::Index>(),
        ) {
            let arcs: Vec<Arc<[String]>> = names.iter().map(|n| n.clone().into()).collect();
            let at = at.index(arcs.len() + 1);
            let mut with: Vec<Arc<[String]>> = arcs.clone();
            with.insert(at, added.clone().into());
            let grown = EntityTokens::new(Kind::Person, &arcs).with_name(at, &added);
            prop_assert_eq!(&grown, &EntityTokens::new(Kind::Person, &with));
            prop_assert_eq!(grown.names(), names.len() + 1);
            // Grown again, from the grown one.
            let again = grown.with_name(0, &added);
            with.insert(0, added.clone().into());
            prop_assert_eq!(&again, &EntityTokens::new(Kind::Person, &with));
        }

        /// A name of several tokens is kept by `may_fit` whenever one of the names it is
        /// compared with (those of several tokens, if there are any) holds its first bytes or
        /// has its first bytes among them; and passed over when the first bytes of each are
        /// neither.
        #[test]
        fn a_name_is_passed_over_by_first_bytes_only_when_no_name_compared_could_fit(
            names in prop::collection::vec(prop::collection::vec(token(), 0..4), 0..8),
            mention in prop::collection::vec(token(), 2..4),
        ) {
            let arcs: Vec<Arc<[String]>> = names.iter().map(|n| n.clone().into()).collect();
            let tokens = EntityTokens::new(Kind::Person, &arcs);
            let mask = first_bytes(&mention);
            let full = names.iter().any(|n| n.len() > 1);
            let compared: Vec<u64> = names.iter().filter(|n| !full || n.len() > 1).map(first_bytes).collect();
            if compared.iter().any(|theirs| mask & !theirs == 0 || theirs & !mask == 0) {
                prop_assert!(tokens.may_fit(mask), "{:?} among {:?}", mention, names);
            }
            // None of them holding the mention's first bytes (not their union) nor held by them
            // (not their intersection).
            if mask & !compared.iter().fold(0, |any, theirs| any | theirs) != 0
                && compared.iter().fold(u64::MAX, |every, theirs| every & theirs) & !mask != 0
            {
                prop_assert!(!tokens.may_fit(mask), "{:?} among {:?}", mention, names);
            }
        }
    }
}
