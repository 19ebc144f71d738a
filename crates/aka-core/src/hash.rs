//! The hasher of the state's in-memory tables (overlays and memos): a folded multiply over
//! eight bytes at a time, keyed once per process.
//!
//! The standard library's SipHash-1-3 took about a tenth of the resolver's time at a million
//! mentions (docs/BENCHMARKS.md): every candidate costs several lookups by mention id, entity
//! id or name. This is the construction of rustc's FxHash and of foldhash (a 64×64→128-bit
//! multiply whose halves are xored), with a random key so that colliding keys cannot be
//! prepared without it. Nothing iterates these tables in hash order (`Overlay::merged` sorts),
//! so the key never shows in a result.
//!
//! The table of mentions, a row per mention, hashes its ids with [`IdState`] instead, which
//! keeps ids numbered in turn (a document's mentions) in neighbouring buckets.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// Odd constants with well-mixed bits (the fractional parts of π, as in foldhash).
const K: [u64; 4] = [0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344, 0xa409_3822_299f_31d0, 0x082e_fa98_ec4e_6c89];

/// The high and low halves of a full product, xored: every input bit reaches every output bit.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    // Both halves are wanted: the truncation is the point.
    #[allow(clippy::cast_possible_truncation)]
    let (low, high) = (product as u64, (product >> 64) as u64);
    low ^ high
}

/// Four bytes as a little-endian number.
#[inline]
fn le_u32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// A process-wide random key, drawn once from the standard library's random state.
fn process_key() -> u64 {
    static KEY: OnceLock<u64> = OnceLock::new();
    *KEY.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0x0061_6b61_u64))
}

/// The hash of `value` under the process's key: for grouping equal values, never for an order
/// between different ones that could reach a result.
pub(crate) fn fold_hash<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    FoldState::default().hash_one(value)
}

/// Builds [`FoldHasher`]s with the process's key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FoldState(u64);

impl Default for FoldState {
    fn default() -> FoldState {
        FoldState(process_key())
    }
}

impl BuildHasher for FoldState {
    type Hasher = FoldHasher;

    fn build_hasher(&self) -> FoldHasher {
        FoldHasher { acc: self.0, key: self.0 }
    }
}

/// A keyed folded-multiply hasher. Not for anything that leaves the process.
#[derive(Clone, Debug)]
pub(crate) struct FoldHasher {
    acc: u64,
    key: u64,
}

impl FoldHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.acc = fold(self.acc ^ word, K[0] ^ self.key);
    }
}

impl Hasher for FoldHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The last bytes read in place, not copied out (a copy of a length not known
            // beforehand is a call): four and four, overlapping, or the first, middle and last
            // byte of three or fewer. With the count of them, which keeps "ab" and "ab\0"
            // apart, they are all the word says.
            let r = rest.len();
            let word = if r >= 4 {
                u64::from(le_u32(&rest[..4])) | u64::from(le_u32(&rest[r - 4..])) << 32
            } else {
                u64::from(rest[0]) | u64::from(rest[r / 2]) << 8 | u64::from(rest[r - 1]) << 16
            };
            self.acc = fold(self.acc ^ word, K[1] ^ self.key ^ r as u64);
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.acc = fold(self.acc ^ u64::from(n), K[2] ^ self.key);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.acc, K[3] ^ self.key)
    }
}

/// Builds [`IdHasher`]s with the process's key: for tables keyed by mention id, where ids that
/// differ only in a trailing number counted up one at a time (a document's mentions as the
/// engine numbers them, `doc:m17`, `doc:m18`, ...) are looked up one after another.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdState(FoldState);

impl BuildHasher for IdState {
    type Hasher = IdHasher;

    fn build_hasher(&self) -> IdHasher {
        IdHasher { whole: self.0.build_hasher(), near: None, written: false, length: 0 }
    }
}

/// Ids counted in a run of [`ID_RUN`] share a run of buckets: hashbrown takes the bucket from a
/// hash's low bits and a tag from its top seven. The low bits are the run's place (a hash of
/// what comes before the number and of the number's run) with the number's place in the run
/// below it; the tag and the bits between come from the whole id as usual. So a document's
/// mentions, looked up in turn, share a cache line of the table's control bytes and of its
/// slots eight at a time, not one line each; ids apart in the run or in their first part are
/// spread as any others, and a run never holds two ids in one bucket (of a table of eight
/// buckets or more). Runs count the last two
/// digits, so they never cross a hundred (the last of a hundred holds four).
const ID_RUN: u64 = 8;

/// Bits of a hash that place an id: the run's (hashed) and its number's place in the run.
const PLACE_BITS: u32 = 32;

/// A keyed hasher of mention ids that keeps ids of one run together (see [`IdState`]).
#[derive(Clone, Debug)]
pub(crate) struct IdHasher {
    whole: FoldHasher,
    /// The place of an id that ends in a number, from the one `write` of its bytes; `None`
    /// for any other id, or anything written otherwise.
    near: Option<u64>,
    /// Whether any bytes or number but a length were written: only a first `write` places an id.
    written: bool,
    /// Lengths written before the bytes (a slice's), mixed in at the end: in the run's hash
    /// they would set ids of one run apart.
    length: u64,
}

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if self.written {
            self.whole.write(bytes);
            self.near = None;
            return;
        }
        self.written = true;
        // The id's last two digits, if it ends in any: runs never cross a hundred, so the run
        // and the place in it are told by them and by what comes before them, which
        // is hashed once for both the run's place and the whole id's hash.
        let n = bytes.len();
        let digit = |at: usize| bytes[at].is_ascii_digit().then(|| u64::from(bytes[at] - b'0'));
        let (digits, last) = match (n.checked_sub(1).and_then(digit), n.checked_sub(2).and_then(digit)) {
            (Some(units), Some(tens)) => (2, tens * 10 + units),
            (Some(units), None) => (1, units),
            (None, _) => (0, 0),
        };
        self.whole.write(&bytes[..n - digits]);
        if digits == 0 {
            return;
        }
        let at = fold(self.whole.acc ^ (last / ID_RUN), K[2] ^ self.whole.key);
        // The number's place turned by the run's hash, so that numbers alike in their last
        // bits (offsets counted in steps of four) do not all take the first bucket of a run.
        self.near = Some((at & !(ID_RUN - 1)) | (last.wrapping_add(at) & (ID_RUN - 1)));
        // With the count of digits, which keeps "m07" and "m7" apart.
        self.whole.mix(last | (digits as u64) << 8);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.whole.write_u8(n);
        (self.near, self.written) = (None, true);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.whole.write_u64(n);
        (self.near, self.written) = (None, true);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        if self.written {
            self.whole.write_usize(n);
            self.near = None;
        } else {
            self.length = self.length.rotate_left(17) ^ n as u64;
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        let whole = fold(self.whole.acc ^ self.length, K[3] ^ self.whole.key);
        match self.near {
            Some(place) => {
                let low = (1u64 << PLACE_BITS) - 1;
                (whole & !low) | (place & low)
            }
            None => whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn hash(state: &FoldState, value: &str) -> u64 {
        state.hash_one(value)
    }

    #[test]
    fn equal_keys_hash_equal_and_nearby_keys_apart() {
        let state = FoldState::default();
        assert_eq!(hash(&state, "doc-1:17"), hash(&state, "doc-1:17"));
        // Mention ids that differ in one character, names that differ in a trailing byte or
        // only in length: no two of 100,000 alike.
        let mut seen = HashSet::new();
        for i in 0..100_000u32 {
            assert!(seen.insert(hash(&state, &format!("doc-{}:{}", i / 37, i % 37))));
        }
        assert_ne!(hash(&state, "ab"), hash(&state, "ab\0"));
        assert_ne!(hash(&state, ""), hash(&state, "\0"));
    }

    #[test]
    fn ids_numbered_in_turn_share_a_run_of_buckets_and_keep_their_tags_and_runs_apart() {
        let state = IdState::default();
        let low = (1u64 << PLACE_BITS) - 1;
        let ids: Vec<u64> = (0..4_000).map(|n| state.hash_one(format!("doc-17:m{n}").as_bytes())).collect();
        // Ids by run: eight to a run, the last of each hundred four.
        let mut by_run: std::collections::BTreeMap<(usize, usize), Vec<u64>> = Default::default();
        for (n, h) in ids.iter().enumerate() {
            by_run.entry((n / 100, n % 100 / 8)).or_default().push(*h);
        }
        let mut runs = HashSet::new();
        for run in by_run.values() {
            // The run's place above the lowest bits, its numbers' places in them.
            let places: HashSet<u64> = run.iter().map(|h| h & low & !(ID_RUN - 1)).collect();
            assert_eq!(places.len(), 1, "{run:x?}");
            let within: HashSet<u64> = run.iter().map(|h| h & (ID_RUN - 1)).collect();
            assert_eq!(within.len(), run.len(), "{run:x?}");
            runs.extend(places);
        }
        // Runs are spread as hashes are (no two of 520 in one place, in 2^32), and the tag
        // hashbrown compares (the top seven bits) comes from the whole id.
        assert_eq!(by_run.len(), 520);
        assert_eq!(runs.len(), 520);
        let tags: HashSet<u64> = ids.iter().map(|h| h >> 57).collect();
        assert!(tags.len() > 120, "{} tags of 128", tags.len());
        let alike = by_run.values().filter(|run| run.iter().all(|h| h >> 57 == run[0] >> 57)).count();
        assert!(alike < 3, "{alike} runs of 520 with one tag for all their ids");
        // The same id hashes the same as bytes and as a surface (a map is searched by bytes).
        let surface = crate::surface::Surface::from("doc-17:m3");
        assert_eq!(state.hash_one(&surface), ids[3]);
        assert_eq!(state.hash_one(b"doc-17:m3".as_slice()), ids[3]);
    }

    #[test]
    fn ids_alike_but_not_equal_hash_apart_and_ids_of_every_shape_spread_over_the_buckets() {
        let ids = IdState::default();
        let all = ["doc-17a", "doc:3-", "", "rec-4-org", "m", "doc:m7", "doc:m07", "doc:m70", "doc:m", "doc:n7"];
        let hashes: HashSet<u64> = all.iter().map(|id| ids.hash_one(id.as_bytes())).collect();
        assert_eq!(hashes.len(), all.len());
        // Mentions of 6,400 documents numbered in turn, and ids of the engine's other default
        // (a span's offsets): the lowest bits, which pick the bucket, are used evenly.
        let mut low = [0u32; 256];
        for doc in 0..6_400u32 {
            for k in 0..20u32 {
                let engine = format!("scale-{doc:08}:m{}", doc * 20 + k);
                let spans = format!("news-{doc}:{}-{}", k * 40, k * 40 + 12);
                let named = format!("rec-{}-org", doc * 20 + k);
                for id in [engine, spans, named] {
                    low[usize::try_from(ids.hash_one(id.as_bytes()) & 0xff).unwrap()] += 1;
                }
            }
        }
        // 1,500 expected per slot.
        assert!(low.iter().all(|&n| (1200..1800).contains(&n)), "{low:?}");
    }

    #[test]
    fn the_buckets_low_bits_spread_like_the_high_bits() {
        // hashbrown takes the bucket from the low bits and a tag from the top seven: both must
        // spread sequential ids over their range.
        let state = FoldState::default();
        let mut low = [0u32; 256];
        let mut top = [0u32; 128];
        for i in 0..256_000u64 {
            let h = state.hash_one(i);
            low[usize::try_from(h & 0xff).unwrap()] += 1;
            top[usize::try_from(h >> 57).unwrap()] += 1;
        }
        // 1,000 and 2,000 expected per slot; a poor mix leaves slots empty or doubled.
        assert!(low.iter().all(|&n| (700..1300).contains(&n)), "{low:?}");
        assert!(top.iter().all(|&n| (1500..2500).contains(&n)), "{top:?}");
    }
}
