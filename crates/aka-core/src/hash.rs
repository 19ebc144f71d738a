//! The hasher of the state's in-memory tables (overlays and memos): a folded multiply over
//! eight bytes at a time, keyed once per process.
//!
//! The standard library's SipHash-1-3 took about a tenth of the resolver's time at a million
//! mentions (docs/BENCHMARKS.md): every candidate costs several lookups by mention id, entity
//! id or name. This is the construction of rustc's FxHash and of foldhash (a 64×64→128-bit
//! multiply whose halves are xored), with a random key so that colliding keys cannot be
//! prepared without it. Nothing iterates these tables in hash order (`Overlay::merged` sorts),
//! so the key never shows in a result.

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
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" and "ab\0" apart.
            self.acc = fold(self.acc ^ u64::from_le_bytes(word), K[1] ^ self.key ^ rest.len() as u64);
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
