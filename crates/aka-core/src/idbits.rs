//! A set of entity ids as bits: ids are handed out in sequence from 1, so a set of them is a
//! few kilobytes that stay in cache, where a hash set costs a probe (and at a million mentions
//! a cache miss) per question. Ids past [`IdBits::LIMIT`] (only a hand-made log has them) are
//! not held: [`IdBits::insert`] says so and the caller asks its own table instead.

use crate::event::EntityId;

#[derive(Clone, Debug, Default)]
pub(crate) struct IdBits(Vec<u64>);

impl IdBits {
    /// Ids below this are held; the set takes at most `LIMIT / 8` bytes.
    pub(crate) const LIMIT: u64 = 1 << 32;

    fn place(id: EntityId) -> Option<(usize, u64)> {
        (id.0 < IdBits::LIMIT).then(|| (usize::try_from(id.0 / 64).expect("below LIMIT"), 1 << (id.0 % 64)))
    }

    /// Adds `id`; false when it is past [`IdBits::LIMIT`] and so not held.
    pub(crate) fn insert(&mut self, id: EntityId) -> bool {
        let Some((word, bit)) = IdBits::place(id) else { return false };
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= bit;
        true
    }

    pub(crate) fn remove(&mut self, id: EntityId) {
        if let Some((word, bit)) = IdBits::place(id)
            && let Some(w) = self.0.get_mut(word)
        {
            *w &= !bit;
        }
    }

    /// Whether `id` was inserted (and not removed since).
    pub(crate) fn contains(&self, id: EntityId) -> bool {
        IdBits::place(id).is_some_and(|(word, bit)| self.0.get(word).is_some_and(|w| w & bit != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_held_until_removed_and_ids_past_the_limit_are_refused() {
        let mut bits = IdBits::default();
        assert!(!bits.contains(EntityId(0)) && !bits.contains(EntityId(5000)), "empty");
        for id in [1, 63, 64, 65, 4097] {
            assert!(bits.insert(EntityId(id)));
        }
        for id in [1, 63, 64, 65, 4097] {
            assert!(bits.contains(EntityId(id)), "{id} held");
        }
        for id in [0, 2, 62, 66, 4096, 4098, 1 << 20] {
            assert!(!bits.contains(EntityId(id)), "{id} never inserted");
        }
        bits.remove(EntityId(64));
        assert!(!bits.contains(EntityId(64)) && bits.contains(EntityId(63)) && bits.contains(EntityId(65)));
        bits.remove(EntityId(1 << 40));
        assert!(!bits.insert(EntityId(IdBits::LIMIT)), "past the limit: not held");
        assert!(!bits.contains(EntityId(IdBits::LIMIT)));
        assert!(bits.insert(EntityId(IdBits::LIMIT - 1)), "the last id below the limit");
        assert!(bits.contains(EntityId(IdBits::LIMIT - 1)));
    }
}
