//! A set of entity ids as bits: ids are handed out in sequence from 1, so a set of them is a
//! few kilobytes that stay in cache, where a hash set costs a probe (and at a million mentions
//! a cache miss) per question. It answers whether an id *may* be in the set: an id past
//! [`IdBits::LIMIT`] (only a hand-made log has them) is not held as a bit, and once one was
//! inserted every id may be; the caller then asks its own table.

use crate::event::EntityId;

#[derive(Clone, Debug, Default)]
pub(crate) struct IdBits {
    words: Vec<u64>,
    /// An id past [`IdBits::LIMIT`] was inserted.
    beyond: bool,
}

impl IdBits {
    /// Ids below this are held as bits; the set takes at most `LIMIT / 8` bytes.
    pub(crate) const LIMIT: u64 = 1 << 32;

    fn place(id: EntityId) -> Option<(usize, u64)> {
        (id.0 < IdBits::LIMIT).then(|| (usize::try_from(id.0 / 64).expect("below LIMIT"), 1 << (id.0 % 64)))
    }

    pub(crate) fn insert(&mut self, id: EntityId) {
        let Some((word, bit)) = IdBits::place(id) else {
            self.beyond = true;
            return;
        };
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= bit;
    }

    /// Removes `id`'s bit (an id past the limit leaves every id possible).
    pub(crate) fn remove(&mut self, id: EntityId) {
        if let Some((word, bit)) = IdBits::place(id)
            && let Some(w) = self.words.get_mut(word)
        {
            *w &= !bit;
        }
    }

    /// False only if `id` was never inserted, or removed since.
    pub(crate) fn may_contain(&self, id: EntityId) -> bool {
        self.beyond || IdBits::place(id).is_some_and(|(word, bit)| self.words.get(word).is_some_and(|w| w & bit != 0))
    }
}

impl FromIterator<EntityId> for IdBits {
    fn from_iter<I: IntoIterator<Item = EntityId>>(ids: I) -> IdBits {
        let mut bits = IdBits::default();
        for id in ids {
            bits.insert(id);
        }
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_held_until_removed_and_an_id_past_the_limit_makes_every_id_possible() {
        let mut bits = IdBits::default();
        assert!(!bits.may_contain(EntityId(0)) && !bits.may_contain(EntityId(5000)), "empty");
        for id in [1, 63, 64, 65, 4097] {
            bits.insert(EntityId(id));
        }
        for id in [1, 63, 64, 65, 4097] {
            assert!(bits.may_contain(EntityId(id)), "{id} held");
        }
        for id in [0, 2, 62, 66, 4096, 4098, 1 << 20] {
            assert!(!bits.may_contain(EntityId(id)), "{id} never inserted");
        }
        bits.remove(EntityId(64));
        assert!(!bits.may_contain(EntityId(64)) && bits.may_contain(EntityId(63)) && bits.may_contain(EntityId(65)));
        bits.remove(EntityId(1 << 40));
        assert!(!bits.may_contain(EntityId(IdBits::LIMIT)), "past the limit, never inserted");
        bits.insert(EntityId(IdBits::LIMIT - 1));
        assert!(bits.may_contain(EntityId(IdBits::LIMIT - 1)), "the last id below the limit");
        assert!(!bits.may_contain(EntityId(64)), "still a bit per id");
        bits.insert(EntityId(IdBits::LIMIT));
        assert!(bits.may_contain(EntityId(IdBits::LIMIT)), "past the limit: not held as a bit");
        assert!(bits.may_contain(EntityId(64)), "so every id may be in the set");
    }
}
