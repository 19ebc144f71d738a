//! SplitMix64: a small seeded generator, so that generated data is reproducible from its seed
//! and a failing run can be repeated. Shared by the integration tests (`common::rng`) and the
//! benches (`#[path = "../tests/common/rng.rs"] mod rng;`); no dependency.

#![allow(dead_code)]

/// The generator and its state.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0; modulo bias is far below what matters here).
    pub fn below_u64(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        let n = u64::try_from(n).expect("a usize fits in u64");
        usize::try_from(self.below_u64(n)).expect("below a usize")
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `p` times in a hundred.
    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    /// True `p` times in a thousand.
    pub fn per_mille(&mut self, p: usize) -> bool {
        self.below(1000) < p
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One of `words`.
    pub fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    /// An index in `0..n` biased towards the front: a document names its lead entities more
    /// often than those it mentions in passing.
    pub fn front(&mut self, n: usize) -> usize {
        self.below(n).min(self.below(n))
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}
