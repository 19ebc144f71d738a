//! Fellegi-Sunter weights estimated from the records themselves, as Splink does: for each
//! attribute, how likely each comparison level ([`Level`]) is for two records of one person
//! (`m`) and for two records of two people (`u`); a level's weight is `log2(m / u)`.
//!
//! - `u`: the probability that two records drawn at random agree on an attribute is counted
//!   exactly from the frequencies of its values; how the rest split into close and different is
//!   counted on a fixed-seed random sample of [`U_SAMPLE_PAIRS`] record pairs. Random pairs are
//!   almost all of two people.
//! - `m`: expectation-maximisation with `u` held fixed, attributes independent given the class,
//!   a missing value skipped, in sessions as Splink trains: one on the pairs of records that agree
//!   exactly on each identifier or date attribute, one on those that agree on every name part;
//!   the attributes a session's pairs were chosen by are left out of it (their agreement is how
//!   the pairs were chosen, not evidence; trained on pairs chosen by a shared postcode and
//!   surname, expectation-maximisation takes every pair from one town for a match). The
//!   sessions' expected counts of matches are pooled.
//! - `λ`, the share of matches among the candidate pairs (records sharing at least
//!   `records.shared_keys_min` of the blocking keys resolution uses, [`State::keys_of`]): the
//!   same with `m` fixed too; the share among random pairs ([`Estimate::prior`]) follows, and
//!   from it the weight at which a record links ([`Estimate::link_min`]).
//!
//! Everything is deterministic: integer counts where order could matter, hash maps only where
//! their order cannot reach the result, a fixed seed. The pairs are compared on the machine's
//! cores in contiguous chunks whose integer counts are added up, so the number of threads
//! cannot reach the result either. Nothing here knows a column: the
//! attributes are the rules'. Candidate pairs come from keys held by at most
//! `limits.candidates_per_key_max` records (64 in the default rules): a key held by more (a
//! frequent surname) pairs nothing, as it stops growing in resolution.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use crate::attrs::{Level, compare};
use crate::hash::FoldState;
use crate::mention::Mention;
use crate::rules::{AttrKind, Rules, RulesError};
use crate::state::State;

/// Random record pairs compared to estimate how `u` splits between close and different.
pub const U_SAMPLE_PAIRS: usize = 50_000;
/// The seed of the random pairs.
pub const SEED: u64 = 0x00A4_A5EE_D5EE_D001;
/// Iterations of expectation-maximisation at most.
pub const ITERATIONS_MAX: usize = 500;
/// Expectation-maximisation has converged when no probability moves by more than this.
pub const CONVERGED: f64 = 1e-7;
/// Weights are clamped to ±this (a level never seen among non-matches would weigh infinitely).
pub const WEIGHT_MAX: f64 = 20.0;
/// A vetoing attribute keeps its veto only when matches differ on it at most this often.
pub const VETO_DIFFER_MAX: f64 = 0.01;
/// The probability of a match at or above which a record links ([`Estimate::link_min`]).
pub const MATCH_POSTERIOR_MIN: f64 = 0.9;
/// Pseudo-count added to every level of every attribute (matches and random pairs alike), so
/// that a level never observed keeps a small probability.
const PSEUDO: f64 = 0.5;
/// A level code for an attribute one of the two records lacks.
const MISSING: u8 = 3;
/// Threads that compare record pairs at most, however many cores there are.
const THREADS_MAX: usize = 8;

/// What was estimated for one attribute. Arrays are by level: `[differ, close, agree]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeEstimate {
    /// The attribute's canonical name.
    pub name: String,
    /// Probability of each level for two records of one person.
    pub m: [f64; 3],
    /// Probability of each level for two records of two people.
    pub u: [f64; 3],
    /// `log2(m / u)` of each level, clamped to ±[`WEIGHT_MAX`], rounded to hundredths.
    pub weights: [f64; 3],
    /// Whether a different value still forbids a merge: the base rules say so and matches
    /// differ on it at most [`VETO_DIFFER_MAX`] of the time.
    pub veto: bool,
    /// Candidate pairs at each level (pairs where a record lacks the attribute are not counted).
    pub pairs: [u64; 3],
    /// Random pairs in which both records have the attribute.
    pub sampled: u64,
}

/// Weights estimated from records, to render as a rules file ([`Estimate::to_toml`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Records read.
    pub records: usize,
    /// Candidate pairs (records sharing enough blocking keys) the weights were trained on.
    pub candidate_pairs: usize,
    /// Random pairs compared for `u`.
    pub sampled_pairs: usize,
    /// Records at most under one blocking key for it to pair them (`limits.candidates_per_key_max`):
    /// a key held by more (a frequent surname) pairs nothing.
    pub key_records_max: usize,
    /// The estimated share of matches among the candidate pairs.
    pub lambda: f64,
    /// Iterations of expectation-maximisation run to find `lambda` (`m` fixed).
    pub iterations: usize,
    /// Whether they converged before [`ITERATIONS_MAX`].
    pub converged: bool,
    /// The probability that two records drawn at random are of one person:
    /// `lambda × candidate_pairs / (records × (records - 1) / 2)` (the matches outside the
    /// candidate pairs taken as few). It is the prior the weights go with: `u` is measured on
    /// random pairs, so Bayes' rule with `m` and `u` needs the share of matches among random
    /// pairs, as Splink's `probability_two_random_records_match`. (`lambda`, the share among
    /// candidate pairs, would overstate the evidence of a pair that blocking chose because its
    /// names agree: the weights do not know it was chosen for that.)
    pub prior: f64,
    /// The total weight at which a record links, from [`MATCH_POSTERIOR_MIN`] `P` and `prior`
    /// `π`: a pair whose weights sum to `S` is a match with posterior probability
    /// `p = 1 / (1 + 2^-S (1 - π) / π)`, so `p ≥ P` when
    /// `S ≥ log2(P / (1 - P)) - log2(π / (1 - π))`; rounded up to hundredths. With no candidate
    /// pair, the base rules' value.
    pub link_min: f64,
    /// The attributes seen in at least one training pair and one random pair, in the rules'
    /// order; the others keep their base weights.
    pub attributes: Vec<AttributeEstimate>,
    /// The training sessions that estimated `m`.
    pub sessions: Vec<Session>,
}

/// One session of training: the pairs of records that agree exactly on `on`.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The attributes the pairs agree on (left out of the session's likelihood).
    pub on: Vec<String>,
    /// Pairs trained on (a value held by more than `key_records_max` records pairs none).
    pub pairs: usize,
    /// The share of matches among them.
    pub lambda: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Whether they converged before [`ITERATIONS_MAX`].
    pub converged: bool,
}

/// The SplitMix64 generator: small, fast, the same numbers everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        usize::try_from(self.next() % n64).unwrap_or(0)
    }
}

fn code(level: Level) -> u8 {
    match level {
        Level::Differ => 0,
        Level::Close => 1,
        Level::Agree => 2,
    }
}

/// The records' normalised values, attribute by attribute, and how two records compare.
struct Table<'r> {
    rules: &'r Rules,
    /// `values[record * width + attribute]`.
    values: Vec<Option<Arc<str>>>,
    /// The value's number among its attribute's distinct values, as `values` (equal values have
    /// equal numbers; `u32::MAX` for none).
    ids: Vec<u32>,
    width: usize,
    /// The characters of each value, as `values`: what bounds how alike two values can be.
    sigs: Vec<Sig>,
    /// Whether `sigs` counted the value (it was not too long).
    usable: Vec<bool>,
    /// The two name-part attributes, compared crosswise when that fits better (as
    /// [`crate::attrs::weigh`] does with given name and surname typed in each other's columns).
    name_parts: Option<(usize, usize)>,
}

/// Which characters a value has (each digit, each ASCII letter, and all others as one class)
/// and its length in characters, in one word: what bounds how alike two values can be, small
/// enough that the values of every record stay in the processor's cache.
#[derive(Clone, Copy, Default)]
struct Sig(u64);

/// The bits of [`Sig`] that mark the classes of characters present (37 classes).
const SIG_CLASSES: u64 = (1 << 37) - 1;
/// Where [`Sig`] keeps the length.
const SIG_LEN_SHIFT: u32 = 40;

impl Sig {
    /// `None` for a value too long to count (no bound is then used).
    fn of(value: &str) -> Option<Sig> {
        let (mut classes, mut len) = (0u64, 0u64);
        for c in value.chars() {
            let k = match c {
                '0'..='9' => u32::from(c) - u32::from('0'),
                'a'..='z' => 10 + u32::from(c) - u32::from('a'),
                _ => 36,
            };
            classes |= 1 << k;
            len += 1;
        }
        (len < 1 << (64 - SIG_LEN_SHIFT)).then_some(Sig(classes | len << SIG_LEN_SHIFT))
    }

    fn classes(self) -> u64 {
        self.0 & SIG_CLASSES
    }

    fn len(self) -> u32 {
        u32::try_from(self.0 >> SIG_LEN_SHIFT).unwrap_or(u32::MAX)
    }
}

impl Table<'_> {
    /// Whether two different values at `x` and `y` of `values` surely compare as
    /// [`Level::Differ`], by bounds from their characters alone: an edit changes at most two
    /// characters of the multiset (a transposition none), and Jaro matches at most the characters
    /// the two share. Most random pairs are told apart so, without the costlier comparison.
    fn surely_differ(&self, kind: AttrKind, x: usize, y: usize) -> bool {
        let (a, b) = (self.sigs[x], self.sigs[y]);
        // A class of characters one value has and the other has not holds at least one
        // character the two do not share, so each shares at most its length less the number
        // of such classes (the class of all other characters counts only when the other value
        // has none of them). Those not shared are then at least the two lengths less twice that.
        let only_a = (a.classes() & !b.classes()).count_ones();
        let only_b = (b.classes() & !a.classes()).count_ones();
        let common = (a.len() - only_a).min(b.len() - only_b);
        let apart = a.len() + b.len() - 2 * common;
        let records = &self.rules.records;
        let edits = usize::try_from(apart.div_ceil(2)).unwrap_or(usize::MAX);
        match kind {
            AttrKind::Identifier | AttrKind::Date => edits > records.close_edits_max,
            AttrKind::Code => edits > 1,
            AttrKind::Name | AttrKind::Text => {
                crate::attrs::jaro_winkler_surely_under(common, a.len(), b.len(), records.close_min)
            }
        }
    }
}

impl Table<'_> {
    fn level(&self, i: usize, j: usize, a: usize, b: usize) -> Option<Level> {
        let kind = self.rules.attributes[b].1.kind;
        let (x, y) = (i * self.width + a, j * self.width + b);
        let (va, vb) = (self.values[x].as_deref()?, self.values[y].as_deref()?);
        if if a == b { self.ids[x] == self.ids[y] } else { va == vb } {
            return Some(Level::Agree);
        }
        if self.usable[x] && self.usable[y] && self.surely_differ(kind, x, y) {
            return Some(Level::Differ);
        }
        Some(compare(kind, va, vb, &self.rules.records))
    }

    /// The level code of each attribute for records `i` and `j`, into `out`.
    fn levels(&self, i: usize, j: usize, out: &mut Vec<u8>) {
        out.clear();
        out.extend((0..self.width).map(|a| self.level(i, j, a, a).map_or(MISSING, code)));
        if let Some((a, b)) = self.name_parts
            && out[a] != MISSING
            && out[b] != MISSING
            && let (Some(ab), Some(ba)) = (self.level(i, j, a, b), self.level(i, j, b, a))
            && code(ab) + code(ba) > out[a] + out[b]
        {
            out[a] = code(ba);
            out[b] = code(ab);
        }
    }
}

/// Estimates the weights of `rules`' attributes from `records` (mentions carrying attributes;
/// see the module documentation for how), comparing pairs on `threads` threads (at most
/// eight; one starts none). The thread count reaches only the time taken: each split
/// of the work adds up to the same integers.
pub fn estimate(rules: &Rules, records: &[Mention], threads: usize) -> Estimate {
    let width = rules.attributes.len();
    let n = records.len();
    // Each record's normalised attributes and the blocking keys resolution would make of it.
    let (mut values, mut record_keys): (Vec<Option<Arc<str>>>, Vec<HashedKeys>) =
        (vec![None; n * width], Vec::with_capacity(n));
    for (r, (attrs, keys)) in attrs_and_keys(rules, records, threads).into_iter().enumerate() {
        for (index, value) in attrs {
            values[r * width + index] = Some(value);
        }
        record_keys.push(keys);
    }
    let names: Vec<usize> = (0..width).filter(|&a| rules.attributes[a].1.kind == AttrKind::Name).collect();
    let name_parts = if let [a, b] = names[..] { Some((a, b)) } else { None };
    let counted =
        in_chunks(&values, threads, |chunk| chunk.iter().map(|v| v.as_deref().and_then(Sig::of)).collect::<Vec<_>>());
    let usable = counted.iter().flatten().map(Option::is_some).collect();
    let sigs = counted.into_iter().flatten().map(Option::unwrap_or_default).collect();
    let attrs: Vec<usize> = (0..width).collect();
    let numbered =
        in_chunks(&attrs, threads, |chunk| chunk.iter().map(|&a| value_numbers(&values, width, a)).collect::<Vec<_>>());
    let mut ids = vec![u32::MAX; n * width];
    for (a, numbers) in numbered.into_iter().flatten().enumerate() {
        for (r, number) in numbers.into_iter().enumerate() {
            ids[r * width + a] = number;
        }
    }
    let table = Table { rules, values, ids, width, sigs, usable, name_parts };

    // Candidate pairs: records sharing at least `shared_keys_min` blocking keys.
    let key_records_max = rules.limits.candidates_per_key_max;
    let groups = key_groups(&record_keys, key_records_max, threads);
    drop(record_keys);
    // Each record's groups; the records sharing enough of them with a record after it are
    // counted in a dense array.
    let mut of_record: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (g, holders) in groups.iter().enumerate() {
        let g = u32::try_from(g).unwrap_or(u32::MAX);
        for &r in holders {
            of_record[usize::try_from(r).unwrap_or(0)].push(g);
        }
    }
    let shared_min = u32::try_from(rules.records.shared_keys_min).unwrap_or(u32::MAX);
    let mut shared = vec![0u32; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut pairs: Vec<u64> = Vec::new();
    for (i, record_groups) in of_record.iter().enumerate() {
        let i32 = u32::try_from(i).unwrap_or(u32::MAX);
        for &g in record_groups {
            for &j in &groups[usize::try_from(g).unwrap_or(0)] {
                if j > i32 {
                    let count = &mut shared[usize::try_from(j).unwrap_or(0)];
                    if *count == 0 {
                        touched.push(j);
                    }
                    *count += 1;
                }
            }
        }
        for j in touched.drain(..) {
            let count = &mut shared[usize::try_from(j).unwrap_or(0)];
            if *count >= shared_min {
                pairs.push((u64::from(i32) << 32) | u64::from(j));
            }
            *count = 0;
        }
    }
    pairs.sort_unstable();
    let split = |p: u64| (usize::try_from(p >> 32).unwrap_or(0), usize::try_from(p & 0xFFFF_FFFF).unwrap_or(0));
    let pairs: Vec<(usize, usize)> = pairs.into_iter().map(split).collect();

    // The candidate pairs by comparison pattern.
    let patterns = pattern_counts(&table, &pairs, &[], threads);
    let mut pair_counts = vec![[0u64; 3]; width];
    for (pattern, count) in &patterns {
        for (a, &l) in pattern.iter().enumerate() {
            if l != MISSING {
                pair_counts[a][usize::from(l)] += count;
            }
        }
    }

    // u: agreement exactly from value frequencies; close or different from random pairs.
    let sample = random_pairs(n);
    let sampled_pairs = sample.len();
    let sampled = level_counts(&table, &sample, threads);
    drop(sample);
    let agreeing: Vec<(u64, u64)> =
        in_chunks(&attrs, threads, |chunk| chunk.iter().map(|&a| agreeing_pairs(&table, n, a)).collect::<Vec<_>>())
            .concat();
    let u: Vec<[f64; 3]> = (0..width)
        .map(|a| {
            let (same, all) = agreeing[a];
            let agree = (to_f64(same) + PSEUDO) / (to_f64(all) + 1.0);
            let [differ, close, _] = sampled[a];
            let rest = to_f64(differ + close) + 2.0 * PSEUDO;
            [(1.0 - agree) * (to_f64(differ) + PSEUDO) / rest, (1.0 - agree) * (to_f64(close) + PSEUDO) / rest, agree]
        })
        .collect();

    // m: expectation-maximisation with u fixed, in sessions as Splink trains: the pairs that
    // agree exactly on one strong attribute (an identifier, a date) or on the whole name, that
    // attribute left out of the session (its agreement is how the pairs were chosen, not
    // evidence). The expected counts of matches of all sessions are pooled.
    let mut expected = vec![[0.0f64; 3]; width];
    let mut sessions = Vec::new();
    let strong: Vec<Vec<usize>> = (0..width)
        .filter(|&a| matches!(rules.attributes[a].1.kind, AttrKind::Identifier | AttrKind::Date))
        .map(|a| vec![a])
        .chain((!names.is_empty()).then(|| names.clone()))
        .collect();
    let session_pairs = in_chunks(&strong, threads, |chunk| {
        chunk.iter().map(|on| pairs_agreeing(&table, n, on, key_records_max)).collect::<Vec<_>>()
    });
    for (on, session_pairs) in strong.into_iter().zip(session_pairs.into_iter().flatten()) {
        let pairs = session_pairs.len();
        let patterns = pattern_counts(&table, &session_pairs, &on, threads);
        let patterns: Vec<(Vec<u8>, f64)> = patterns.into_iter().map(|(p, c)| (p, to_f64(c))).collect();
        let fit = em(&patterns, &u, None);
        for (a, counts) in fit.expected.iter().enumerate() {
            for l in 0..3 {
                expected[a][l] += counts[l];
            }
        }
        sessions.push(Session {
            on: on.iter().map(|&a| rules.attributes[a].0.clone()).collect(),
            pairs,
            lambda: fit.lambda,
            iterations: fit.iterations,
            converged: fit.converged,
        });
    }
    let m: Vec<[f64; 3]> = expected.iter().map(smoothed).collect();

    // λ: the share of matches among the candidate pairs, m and u fixed.
    let patterns: Vec<(Vec<u8>, f64)> = patterns.into_iter().map(|(p, c)| (p, to_f64(c))).collect();
    let fit = em(&patterns, &u, Some(&m));
    let (lambda, iterations, converged) = (fit.lambda, fit.iterations, fit.converged);

    let attributes = (0..width)
        .filter(|&a| expected[a].iter().sum::<f64>() > 0.0 && sampled[a].iter().sum::<u64>() > 0)
        .map(|a| {
            let (name, rule) = &rules.attributes[a];
            let weights = [0, 1, 2].map(|l| round(log2_ratio(m[a][l], u[a][l])));
            AttributeEstimate {
                name: name.clone(),
                m: m[a],
                u: u[a],
                weights,
                veto: rule.veto && m[a][0] <= VETO_DIFFER_MAX,
                pairs: pair_counts[a],
                sampled: sampled[a].iter().sum(),
            }
        })
        .collect();
    let odds = |p: f64| (p / (1.0 - p)).log2();
    let all =
        to_f64(u64::try_from(n).unwrap_or(u64::MAX)) * to_f64(u64::try_from(n.saturating_sub(1)).unwrap_or(0)) / 2.0;
    let prior = (lambda * to_f64(u64::try_from(pairs.len()).unwrap_or(u64::MAX)) / all.max(1.0)).clamp(1e-12, 0.5);
    let link_min = if pairs.is_empty() {
        rules.records.link_min
    } else {
        ((odds(MATCH_POSTERIOR_MIN) - odds(prior)) * 100.0).ceil() / 100.0
    };
    Estimate {
        records: n,
        candidate_pairs: pairs.len(),
        sampled_pairs,
        key_records_max,
        lambda,
        iterations,
        converged,
        prior,
        link_min,
        attributes,
        sessions,
    }
}

/// `work` done on `items` in at most `threads` contiguous chunks (at most [`THREADS_MAX`]),
/// each on a thread of its own but the first, which this thread does; the results in the
/// chunks' order. One chunk, or none, starts no thread.
fn in_chunks<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let size = items.len().div_ceil(threads.clamp(1, THREADS_MAX)).max(1);
    let mut chunks = items.chunks(size);
    let Some(first) = chunks.next() else {
        return vec![work(items)];
    };
    std::thread::scope(|scope| {
        let work = &work;
        let others: Vec<_> = chunks.map(|chunk| scope.spawn(move || work(chunk))).collect();
        let mut out = vec![work(first)];
        // A panic in a chunk is the caller's, as if no thread had been started.
        out.extend(
            others.into_iter().map(|other| other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
        );
        out
    })
}

/// The number of each record's value of attribute `a` among the attribute's distinct values,
/// in the order they come in `values` (`u32::MAX` for none); `values` are by record, `width`
/// attributes each.
fn value_numbers(values: &[Option<Arc<str>>], width: usize, a: usize) -> Vec<u32> {
    let mut numbers: HashMap<&str, u32, FoldState> = HashMap::default();
    let column = values.iter().skip(a).step_by(width);
    column
        .map(|v| match v.as_deref() {
            Some(v) => {
                let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                *numbers.entry(v).or_insert(next)
            }
            None => u32::MAX,
        })
        .collect()
}

/// The pairs of the `n` records that agree exactly on every attribute of `on`, by a value (or
/// values) held by at most `key_records_max` records. Records are grouped by sorting them on
/// their values' numbers (equal values, equal numbers), in no order a result depends on.
fn pairs_agreeing(table: &Table, n: usize, on: &[usize], key_records_max: usize) -> Vec<(usize, usize)> {
    let numbers = |r: usize| on.iter().map(move |&a| table.ids[r * table.width + a]);
    let mut holding: Vec<usize> = (0..n).filter(|&r| numbers(r).all(|id| id != u32::MAX)).collect();
    holding.sort_unstable_by(|&x, &y| numbers(x).cmp(numbers(y)).then(x.cmp(&y)));
    let mut pairs = Vec::new();
    for holders in holding.chunk_by(|&x, &y| numbers(x).eq(numbers(y))) {
        if (2..=key_records_max).contains(&holders.len()) {
            for (x, &i) in holders.iter().enumerate() {
                pairs.extend(holders[x + 1..].iter().map(|&j| (i, j)));
            }
        }
    }
    pairs
}

/// A record's distinct blocking keys, each beside its hash.
type HashedKeys = Vec<(u64, String)>;

/// A record's normalised attributes (position, value) and its blocking keys.
type AttrsAndKeys = (Vec<(usize, Arc<str>)>, HashedKeys);

/// The records holding each blocking key, for the keys held by two to `key_records_max` records
/// (each list in record order; the lists in no order a result depends on). `record_keys` are each
/// record's distinct keys beside their hashes: records are grouped by sorting (hash, record)
/// numbers, and the keys of one hash are compared as strings, so that two keys of one hash are
/// still told apart. The hashes are split in `threads` shares (at most [`THREADS_MAX`]), each
/// sorted and grouped on a thread of its own: a key's records are all in its hash's share.
fn key_groups(record_keys: &[HashedKeys], key_records_max: usize, threads: usize) -> Vec<Vec<u32>> {
    let shares: Vec<u64> = (0..u64::try_from(threads.clamp(1, THREADS_MAX)).unwrap_or(1)).collect();
    let count = u128::from(u64::try_from(shares.len()).unwrap_or(1));
    // A hash's share, from its high bits.
    let share_of = |hash: u64| u64::try_from((u128::from(hash) * count) >> 64).unwrap_or(0);
    let parts = in_chunks(&shares, threads, |chunk| {
        let groups = |&share: &u64| share_groups(record_keys, key_records_max, |hash| share_of(hash) == share);
        chunk.iter().map(groups).collect::<Vec<_>>()
    });
    parts.into_iter().flatten().flatten().collect::<Vec<Vec<u32>>>()
}

/// [`key_groups`] of the keys whose hash is `in_share`.
fn share_groups(record_keys: &[HashedKeys], key_records_max: usize, in_share: impl Fn(u64) -> bool) -> Vec<Vec<u32>> {
    let mut held: Vec<(u64, u32, u32)> = Vec::new();
    for (r, keys) in record_keys.iter().enumerate() {
        let r = u32::try_from(r).unwrap_or(u32::MAX);
        for (k, (hash, _)) in keys.iter().enumerate() {
            if in_share(*hash) {
                held.push((*hash, r, u32::try_from(k).unwrap_or(u32::MAX)));
            }
        }
    }
    held.sort_unstable();
    let key = |&(_, r, k): &(u64, u32, u32)| {
        record_keys[usize::try_from(r).unwrap_or(0)][usize::try_from(k).unwrap_or(0)].1.as_str()
    };
    let mut groups = Vec::new();
    for run in held.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        let first = key(&run[0]);
        if run[1..].iter().all(|h| key(h) == first) {
            if run.len() <= key_records_max {
                groups.push(run.iter().map(|h| h.1).collect());
            }
            continue;
        }
        // Different keys of one hash: each apart, its records in order.
        let mut by_key: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for h in run {
            by_key.entry(key(h)).or_default().push(h.1);
        }
        groups.extend(by_key.into_values().filter(|holders| (2..=key_records_max).contains(&holders.len())));
    }
    groups
}

/// Each record's normalised attributes (position, value) and blocking keys (sorted, each once,
/// with their hashes), in record order, made on `threads` threads. Each record is seen once, so
/// nothing of it is remembered: its attributes are made here and its keys by
/// [`State::keys_once`], which leaves the state's memos alone (one state serves every thread).
fn attrs_and_keys(rules: &Rules, records: &[Mention], threads: usize) -> Vec<AttrsAndKeys> {
    let state = State::new(Arc::new(rules.clone()));
    let parts = in_chunks(records, threads, |chunk| {
        let made = chunk.iter().map(|mention| {
            let known = crate::attrs::known_attrs(rules, mention);
            let mut keys = state.keys_once(mention, &known);
            let attrs = known.into_iter().map(|a| (a.index, a.value)).collect();
            keys.sort_unstable();
            keys.dedup();
            (attrs, keys.into_iter().map(|key| (crate::hash::fold_hash(key.as_str()), key)).collect())
        });
        made.collect::<Vec<_>>()
    });
    parts.into_iter().flatten().collect()
}

/// The comparison patterns of `pairs` (of record numbers) and how many pairs show each, with
/// the attributes `left_out` as missing; compared on `threads` threads.
fn pattern_counts(
    table: &Table,
    pairs: &[(usize, usize)],
    left_out: &[usize],
    threads: usize,
) -> BTreeMap<Vec<u8>, u64> {
    let parts = in_chunks(pairs, threads, |chunk| {
        let mut patterns: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        let mut levels = Vec::with_capacity(table.width);
        for &(i, j) in chunk {
            table.levels(i, j, &mut levels);
            for &a in left_out {
                levels[a] = MISSING;
            }
            if let Some(count) = patterns.get_mut(&levels) {
                *count += 1;
            } else {
                patterns.insert(levels.clone(), 1);
            }
        }
        patterns
    });
    let mut parts = parts.into_iter();
    let mut patterns = parts.next().unwrap_or_default();
    for part in parts {
        for (pattern, count) in part {
            *patterns.entry(pattern).or_default() += count;
        }
    }
    patterns
}

/// The random pairs for `u`: [`U_SAMPLE_PAIRS`] pairs of two different records of `n`, drawn
/// with [`SEED`]; none when there are fewer than two records.
fn random_pairs(n: usize) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    if n < 2 {
        return pairs;
    }
    pairs.reserve_exact(U_SAMPLE_PAIRS);
    let mut rng = SplitMix64(SEED);
    while pairs.len() < U_SAMPLE_PAIRS {
        let (i, j) = (rng.below(n), rng.below(n));
        if i != j {
            pairs.push((i, j));
        }
    }
    pairs
}

/// How many of `pairs` compare at each level of each attribute (a pair where a record lacks
/// the attribute is not counted); compared on `threads` threads.
fn level_counts(table: &Table, pairs: &[(usize, usize)], threads: usize) -> Vec<[u64; 3]> {
    let parts = in_chunks(pairs, threads, |chunk| {
        let mut counts = vec![[0u64; 3]; table.width];
        let mut levels = Vec::with_capacity(table.width);
        for &(i, j) in chunk {
            table.levels(i, j, &mut levels);
            for (a, &l) in levels.iter().enumerate() {
                if l != MISSING {
                    counts[a][usize::from(l)] += 1;
                }
            }
        }
        counts
    });
    let mut counts = vec![[0u64; 3]; table.width];
    for part in parts {
        for (sum, part) in counts.iter_mut().zip(part) {
            for (s, p) in sum.iter_mut().zip(part) {
                *s += p;
            }
        }
    }
    counts
}

/// Of the pairs of the `n` records that both have attribute `a`: how many agree exactly, and
/// how many there are (counted by the values' numbers: equal values, equal numbers).
fn agreeing_pairs(table: &Table, n: usize, a: usize) -> (u64, u64) {
    let mut counts: Vec<u64> = Vec::new();
    for r in 0..n {
        let id = table.ids[r * table.width + a];
        if id != u32::MAX {
            let id = usize::try_from(id).unwrap_or(usize::MAX);
            if id >= counts.len() {
                counts.resize(id + 1, 0);
            }
            counts[id] += 1;
        }
    }
    let present: u64 = counts.iter().sum();
    let same: u64 = counts.iter().map(|c| c * c.saturating_sub(1) / 2).sum();
    (same, present * present.saturating_sub(1) / 2)
}

/// What one run of expectation-maximisation found.
struct Fit {
    lambda: f64,
    /// Expected counts of matches at each level of each attribute.
    expected: Vec<[f64; 3]>,
    iterations: usize,
    converged: bool,
}

/// Probabilities of the levels from counts, with [`PSEUDO`] added to each.
fn smoothed(counts: &[f64; 3]) -> [f64; 3] {
    let sum: f64 = counts.iter().sum::<f64>() + 3.0 * PSEUDO;
    counts.map(|c| (c + PSEUDO) / sum)
}

/// Expectation-maximisation over `patterns` (level codes and how many pairs show them) with `u`
/// fixed: of `m` and λ, or of λ alone when `m` is given.
fn em(patterns: &[(Vec<u8>, f64)], u: &[[f64; 3]], fixed: Option<&[[f64; 3]]>) -> Fit {
    let width = u.len();
    let total: f64 = patterns.iter().map(|(_, c)| c).sum();
    let mut m: Vec<[f64; 3]> = fixed.map_or_else(|| vec![[0.05, 0.05, 0.9]; width], <[[f64; 3]]>::to_vec);
    let mut lambda = 0.5;
    let mut fit = Fit { lambda, expected: vec![[0.0; 3]; width], iterations: 0, converged: false };
    if patterns.is_empty() {
        return fit;
    }
    while fit.iterations < ITERATIONS_MAX {
        fit.iterations += 1;
        let mut expected = vec![[0.0f64; 3]; width];
        let mut matches = 0.0;
        for (pattern, count) in patterns {
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (a, &l) in pattern.iter().enumerate() {
                if l != MISSING {
                    pm *= m[a][usize::from(l)];
                    pu *= u[a][usize::from(l)];
                }
            }
            let posterior = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            let weight = count * posterior;
            matches += weight;
            for (a, &l) in pattern.iter().enumerate() {
                if l != MISSING {
                    expected[a][usize::from(l)] += weight;
                }
            }
        }
        let mut moved: f64 = 0.0;
        if fixed.is_none() {
            for (a, counts) in expected.iter().enumerate() {
                let next = smoothed(counts);
                for l in 0..3 {
                    moved = moved.max((next[l] - m[a][l]).abs());
                }
                m[a] = next;
            }
        }
        let next = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        moved = moved.max((next - lambda).abs());
        lambda = next;
        fit.expected = expected;
        if moved < CONVERGED {
            fit.converged = true;
            break;
        }
    }
    fit.lambda = lambda;
    fit
}

fn to_f64(count: u64) -> f64 {
    // Counts of pairs stay far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    let value = count as f64;
    value
}

fn log2_ratio(m: f64, u: f64) -> f64 {
    (m / u).log2().clamp(-WEIGHT_MAX, WEIGHT_MAX)
}

fn round(weight: f64) -> f64 {
    (weight * 100.0).round() / 100.0
}

impl Estimate {
    /// The rules file `base` (the text of a rules file) with `records.link_min` and each
    /// estimated attribute's `agree`, `close`, `differ` and `veto` replaced, after a comment
    /// saying how they were estimated. Other comments of `base` are not kept. The text parses
    /// back with [`Rules::from_toml`]; an error means `base` is not valid rules.
    pub fn to_toml(&self, base: &str) -> Result<String, RulesError> {
        let mut table: toml::Table = base.parse()?;
        let invalid = |what: &str| RulesError::Invalid(format!("the base rules have no {what} table"));
        let records =
            table.get_mut("records").and_then(toml::Value::as_table_mut).ok_or_else(|| invalid("[records]"))?;
        records.insert("link_min".into(), toml::Value::Float(self.link_min));
        let attributes =
            table.get_mut("attributes").and_then(toml::Value::as_table_mut).ok_or_else(|| invalid("[attributes]"))?;
        for a in &self.attributes {
            let rule = attributes
                .get_mut(&a.name)
                .and_then(toml::Value::as_table_mut)
                .ok_or_else(|| invalid(&format!("[attributes.{}]", a.name)))?;
            let [differ, close, agree] = a.weights;
            rule.insert("agree".into(), toml::Value::Float(agree));
            rule.insert("close".into(), toml::Value::Float(close));
            rule.insert("differ".into(), toml::Value::Float(differ));
            rule.insert("veto".into(), toml::Value::Boolean(a.veto));
        }
        let body = toml::to_string(&table).map_err(|e| RulesError::Invalid(e.to_string()))?;
        let text = format!("{}\n{body}", self.comment());
        Rules::from_toml(&text)?;
        Ok(text)
    }

    /// The leading comment of [`Estimate::to_toml`].
    fn comment(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Rules with Fellegi-Sunter weights estimated by `aka estimate` from {} records: {} candidate \
             pairs\n# (sharing at least the blocking keys a candidate needs; a key held by more than {} records \
             pairs none),\n# {} random pairs for u; match share among candidate pairs λ = {:.6} after {} \
             iterations of expectation-maximisation{};\n# among random pairs {:.3e}. A weight is log2(m/u) of its \
             level; link_min is the total at which a pair is a match\n# with probability {MATCH_POSTERIOR_MIN} \
             given that prior. Attributes not listed below keep the base rules' weights.\n# m was trained on the \
             pairs agreeing on: {}.\n#",
            self.records,
            self.candidate_pairs,
            self.key_records_max,
            self.sampled_pairs,
            self.lambda,
            self.iterations,
            if self.converged { " (converged)" } else { " (not converged: the iteration cap)" },
            self.prior,
            self.sessions
                .iter()
                .map(|s| format!(
                    "{} ({} pairs, λ {:.4}, {} iterations{})",
                    s.on.join(" and "),
                    s.pairs,
                    s.lambda,
                    s.iterations,
                    if s.converged { "" } else { ", not converged" }
                ))
                .collect::<Vec<_>>()
                .join("; "),
        );
        let _ = writeln!(
            out,
            "# attribute        m agree/close/differ      u agree/close/differ       candidate pairs a/c/d  veto"
        );
        for a in &self.attributes {
            let _ = writeln!(
                out,
                "# {:<16} {:.4} {:.4} {:.4}   {:.2e} {:.2e} {:.2e}   {}/{}/{}  {}",
                a.name, a.m[2], a.m[1], a.m[0], a.u[2], a.u[1], a.u[0], a.pairs[2], a.pairs[1], a.pairs[0], a.veto
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mention::{Form, Kind};

    #[test]
    fn records_are_grouped_by_key_even_where_two_keys_share_a_hash() {
        // Hashes in the high bits, so that the keys fall in different shares of the threads.
        let keyed = |keys: &[(u64, &str)]| keys.iter().map(|(h, k)| (*h << 60, (*k).to_string())).collect::<Vec<_>>();
        // "x" and "y" are given one hash, as a collision would; "z" is held by one record only,
        // "w" by more than the limit of three.
        let records = vec![
            keyed(&[(7, "x"), (9, "z"), (15, "w")]),
            keyed(&[(7, "y"), (15, "w")]),
            keyed(&[(7, "x"), (15, "w")]),
            keyed(&[(7, "y"), (15, "w")]),
            keyed(&[(7, "y")]),
        ];
        for threads in [1, 2, 3] {
            let mut groups = key_groups(&records, 3, threads);
            groups.sort();
            assert_eq!(groups, vec![vec![0, 2], vec![1, 3, 4]], "{threads} threads");
            // Without the limit, "w" is a group too.
            let mut groups = key_groups(&records, 4, threads);
            groups.sort();
            assert_eq!(groups, vec![vec![0, 1, 2, 3], vec![0, 2], vec![1, 3, 4]], "{threads} threads");
        }
    }

    /// A table of `rows` (two attributes each) for the functions that count agreement: values and
    /// their numbers, as [`estimate`] makes them.
    fn table_of<'r>(rules: &'r Rules, rows: &[[Option<&str>; 2]]) -> Table<'r> {
        let values: Vec<Option<Arc<str>>> = rows.iter().flatten().map(|v| v.map(Arc::from)).collect();
        let columns = [value_numbers(&values, 2, 0), value_numbers(&values, 2, 1)];
        let ids = (0..rows.len()).flat_map(|r| [columns[0][r], columns[1][r]]).collect();
        let (sigs, usable) = (vec![Sig::default(); values.len()], vec![false; values.len()]);
        Table { rules, values, ids, width: 2, sigs, usable, name_parts: None }
    }

    #[test]
    fn pairs_agree_where_every_attribute_holds_one_value_and_few_records_hold_it() {
        let rules = Rules::default_rules();
        let rows = [
            [Some("a"), Some("1")],
            [Some("a"), Some("1")],
            [Some("a"), Some("2")],
            [Some("a"), None],
            [Some("b"), Some("1")],
        ];
        let table = table_of(&rules, &rows);
        let sorted = |mut pairs: Vec<(usize, usize)>| {
            pairs.sort_unstable();
            pairs
        };
        assert_eq!(sorted(pairs_agreeing(&table, 5, &[0, 1], 64)), vec![(0, 1)]);
        assert_eq!(sorted(pairs_agreeing(&table, 5, &[0], 64)), vec![(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
        assert_eq!(sorted(pairs_agreeing(&table, 5, &[1], 64)), vec![(0, 1), (0, 4), (1, 4)]);
        // "a" is held by four records, more than the limit: none of its pairs.
        assert_eq!(pairs_agreeing(&table, 5, &[0], 3), vec![]);
        // Of the pairs that both have the attribute: how many agree, and how many there are.
        assert_eq!(agreeing_pairs(&table, 5, 0), (6, 10));
        assert_eq!(agreeing_pairs(&table, 5, 1), (3, 6));
    }

    #[test]
    fn a_pair_told_apart_by_its_characters_alone_compares_as_different() {
        let rules = Rules::default_rules();
        let mut rng = SplitMix64(11);
        let kinds = [AttrKind::Identifier, AttrKind::Date, AttrKind::Name, AttrKind::Text, AttrKind::Code];
        let (mut told_apart, mut close) = (0, 0);
        let fresh = |rng: &mut SplitMix64, letters: bool| {
            let len = rng.below(4);
            if letters { word(rng, 1 + len) } else { digits(rng, 3 + 2 * len) }
        };
        for round in 0..20_000 {
            let mut a = fresh(&mut rng, round % 2 == 0);
            if round % 5 == 0 {
                a.push(['é', '-', 'ß'][rng.below(3)]);
            }
            // Half the time the other value is the first with an edit or two, else a new one.
            let b = if rng.below(2) == 0 {
                let mut b: Vec<char> = a.chars().collect();
                for _ in 0..1 + rng.below(2) {
                    let at = rng.below(b.len());
                    match rng.below(4) {
                        0 => b[at] = char::from(b'a' + u8::try_from(rng.below(26)).unwrap()),
                        1 => b.insert(at, char::from(b'0' + u8::try_from(rng.below(10)).unwrap())),
                        // Characters of the class of all others.
                        2 => b.insert(at, ['é', '-', 'ß'][rng.below(3)]),
                        _ if b.len() > 1 => drop(b.remove(at)),
                        _ => {}
                    }
                }
                b.into_iter().collect()
            } else {
                fresh(&mut rng, round % 2 == 0)
            };
            let values = vec![Some(Arc::<str>::from(a.as_str())), Some(Arc::<str>::from(b.as_str()))];
            let sigs = vec![Sig::of(&a).unwrap(), Sig::of(&b).unwrap()];
            let table = Table {
                rules: &rules,
                values,
                ids: vec![0, 1],
                width: 1,
                sigs,
                usable: vec![true; 2],
                name_parts: None,
            };
            for kind in kinds {
                let level = compare(kind, &a, &b, &rules.records);
                if table.surely_differ(kind, 0, 1) {
                    told_apart += 1;
                    assert_eq!(level, Level::Differ, "{kind:?} {a:?} {b:?}");
                } else if level == Level::Close {
                    close += 1;
                }
            }
        }
        // The bound tells most pairs apart, and close pairs are among those it leaves.
        assert!(told_apart > 20_000 && close > 10_000, "{told_apart} told apart, {close} close");
    }

    /// A made-up word of `syllables` syllables.
    fn word(rng: &mut SplitMix64, syllables: usize) -> String {
        const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
        const VOWELS: &[u8] = b"aeiou";
        let mut w = String::new();
        for _ in 0..syllables {
            w.push(char::from(CONSONANTS[rng.below(CONSONANTS.len())]));
            w.push(char::from(VOWELS[rng.below(VOWELS.len())]));
        }
        w
    }

    fn digits(rng: &mut SplitMix64, len: usize) -> String {
        (0..len).map(|_| char::from(b'0' + u8::try_from(rng.below(10)).unwrap())).collect()
    }

    /// One typo: a letter replaced.
    fn typo(rng: &mut SplitMix64, value: &str) -> String {
        let mut chars: Vec<char> = value.chars().collect();
        let at = rng.below(chars.len());
        chars[at] = if chars[at] == 'x' { 'y' } else { 'x' };
        chars.into_iter().collect()
    }

    fn record(id: String, attrs: &[(&str, String)]) -> Mention {
        let attrs: BTreeMap<String, String> = attrs.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect();
        let text = format!("{} {}", attrs["given_name"], attrs["surname"]);
        Mention {
            mention_id: id.clone(),
            doc_id: id,
            start: 0,
            end: u32::try_from(text.chars().count()).unwrap(),
            text,
            name: None,
            kind: Kind::Person,
            form: Form::Name,
            roles: Vec::new(),
            aliases: Vec::new(),
            attrs,
        }
    }

    /// 400 made-up people, each with one to three records; duplicates carry typos in names,
    /// never a different identifier, and a different date of birth two times in five.
    fn people() -> Vec<Mention> {
        let mut rng = SplitMix64(7);
        let towns: Vec<String> = (0..40).map(|_| word(&mut rng, 3)).collect();
        let mut out = Vec::new();
        for p in 0..400 {
            let given = word(&mut rng, 2);
            let surname = word(&mut rng, 3);
            let identifier = digits(&mut rng, 7);
            let dob = format!("19{}", digits(&mut rng, 6));
            let town = rng.below(towns.len());
            let copies = 1 + rng.below(3);
            for c in 0..copies {
                let mut given = given.clone();
                let mut surname = surname.clone();
                let mut dob = dob.clone();
                if c > 0 {
                    if rng.below(3) == 0 {
                        given = typo(&mut rng, &given);
                    }
                    if rng.below(3) == 0 {
                        surname = typo(&mut rng, &surname);
                    }
                    if rng.below(5) < 2 {
                        dob = format!("19{}", digits(&mut rng, 6));
                    }
                }
                out.push(record(
                    format!("p{p}-{c}"),
                    &[
                        ("given_name", given),
                        ("surname", surname),
                        ("soc_sec_id", identifier.clone()),
                        ("date_of_birth", dob),
                        ("suburb", towns[town].clone()),
                        ("postcode", format!("{}", 2000 + town)),
                    ],
                ));
            }
        }
        out
    }

    fn attribute<'e>(estimate: &'e Estimate, name: &str) -> &'e AttributeEstimate {
        estimate.attributes.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("{name} not estimated"))
    }

    #[test]
    fn an_identifier_that_matches_share_weighs_for_agreement_and_against_difference() {
        let estimate = estimate(&Rules::default_rules(), &people(), 2);
        let id = attribute(&estimate, "identifier");
        let [differ, _, agree] = id.weights;
        assert!(agree > 0.0 && differ < 0.0, "{id:?}");
        assert!(estimate.candidate_pairs > 0 && estimate.lambda > 0.0 && estimate.lambda < 1.0, "{estimate:?}");
    }

    #[test]
    fn the_veto_stays_on_an_attribute_matches_never_differ_on_and_goes_from_one_often_replaced() {
        let estimate = estimate(&Rules::default_rules(), &people(), 2);
        let id = attribute(&estimate, "identifier");
        assert!(id.veto, "duplicates never differ on their identifier: {id:?}");
        let dob = attribute(&estimate, "date_of_birth");
        assert!(!dob.veto, "duplicates often have another date of birth: {dob:?}");
        assert!(dob.m[0] > 0.2, "{dob:?}");
    }

    #[test]
    fn the_same_records_give_the_same_rules_byte_for_byte() {
        let records = people();
        let rules = Rules::default_rules();
        let first = estimate(&rules, &records, 2).to_toml(crate::rules::DEFAULT_RULES_TOML).unwrap();
        let second = estimate(&rules, &records, 2).to_toml(crate::rules::DEFAULT_RULES_TOML).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn the_rendered_rules_parse_back_with_the_estimated_weights() {
        let rules = Rules::default_rules();
        let estimate = estimate(&rules, &people(), 2);
        let text = estimate.to_toml(crate::rules::DEFAULT_RULES_TOML).unwrap();
        assert!(text.starts_with("# Rules with Fellegi-Sunter weights estimated"), "{text}");
        let parsed = Rules::from_toml(&text).unwrap();
        assert_eq!(parsed.records.link_min, estimate.link_min);
        let (_, _, id) = parsed.attribute("identifier").unwrap();
        let [differ, close, agree] = attribute(&estimate, "identifier").weights;
        assert_eq!((id.agree, id.close, id.differ), (agree, close, differ));
        let (_, _, dob) = parsed.attribute("date_of_birth").unwrap();
        assert!(!dob.veto);
        // What the records do not have keeps the base weights.
        let (_, _, street) = parsed.attribute("address").unwrap();
        let (_, _, base) = rules.attribute("address").unwrap();
        assert_eq!(street, base);
        assert_eq!(parsed.titles, rules.titles);
    }

    #[test]
    fn the_estimate_is_the_same_on_one_thread_and_on_several() {
        let records = people();
        let rules = Rules::default_rules();
        let one = estimate(&rules, &records, 1);
        // Every pair counted once: each random pair has an identifier, and so has every
        // candidate pair.
        let id = attribute(&one, "identifier");
        assert_eq!(id.sampled, u64::try_from(U_SAMPLE_PAIRS).unwrap());
        assert_eq!(id.pairs.iter().sum::<u64>(), u64::try_from(one.candidate_pairs).unwrap());
        let text = one.to_toml(crate::rules::DEFAULT_RULES_TOML).unwrap();
        for threads in [2, 3, 8] {
            let several = estimate(&rules, &records, threads);
            assert_eq!(several, one, "{threads} threads");
            assert_eq!(several.to_toml(crate::rules::DEFAULT_RULES_TOML).unwrap(), text, "{threads} threads");
        }
    }

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        for len in [0, 1, 2, 7, 100] {
            let items: Vec<usize> = (0..len).collect();
            for threads in [0, 1, 2, 3, 8, 100] {
                let chunks = in_chunks(&items, threads, <[usize]>::to_vec);
                assert!(chunks.len() <= threads.clamp(1, THREADS_MAX), "{len} items, {threads} threads");
                assert_eq!(chunks.concat(), items, "{len} items, {threads} threads");
            }
        }
    }

    #[test]
    fn no_records_give_rules_that_still_parse() {
        let estimate = estimate(&Rules::default_rules(), &[], 2);
        assert!(estimate.attributes.is_empty());
        Rules::from_toml(&estimate.to_toml(crate::rules::DEFAULT_RULES_TOML).unwrap()).unwrap();
    }
}
