//! The keys and rows of the state's tables by string, kept in the table's bucket when small:
//! the blocking index (a key and the entities listed under it) and the memos by name or
//! mention id.
//!
//! At a large history a key is looked up once in a long while: its bucket, a key held in an
//! allocation of its own, and a list held in another are each a likely miss of the last-level
//! cache. Most keys are short ("s:roe", "jane roe") and most lists hold one entity (an exact
//! name is nearly always one entity's), so both are kept in the bucket: a lookup of the index
//! reads the table's control bytes and its bucket, and follows no pointer.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use crate::event::EntityId;

/// Bytes of a key kept in place.
const SHORT_MAX: usize = 22;

/// A key by string, its bytes in place when it has at most [`SHORT_MAX`] of them. It compares
/// and orders as the `str` it holds, and hashes as the string's bytes.
#[derive(Clone)]
pub(crate) enum ShortKey {
    Short { len: u8, bytes: [u8; SHORT_MAX] },
    Long(Box<str>),
}

impl ShortKey {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            ShortKey::Short { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("a key's bytes are those of a str")
            }
            ShortKey::Long(key) => key,
        }
    }

    /// Its bytes, those of [`ShortKey::as_str`] without checking them again.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            ShortKey::Short { len, bytes } => &bytes[..usize::from(*len)],
            ShortKey::Long(key) => key.as_bytes(),
        }
    }
}

impl From<&str> for ShortKey {
    fn from(key: &str) -> ShortKey {
        if key.len() > SHORT_MAX {
            return ShortKey::Long(key.into());
        }
        let mut bytes = [0; SHORT_MAX];
        bytes[..key.len()].copy_from_slice(key.as_bytes());
        ShortKey::Short { len: u8::try_from(key.len()).expect("at most SHORT_MAX"), bytes }
    }
}

/// The bytes of a string (as [`ShortKey`]'s `Borrow<[u8]>` gives them back).
impl From<Vec<u8>> for ShortKey {
    fn from(key: Vec<u8>) -> ShortKey {
        ShortKey::from(String::from_utf8(key).expect("a key is made of a string's bytes"))
    }
}

impl From<String> for ShortKey {
    fn from(key: String) -> ShortKey {
        if key.len() <= SHORT_MAX { ShortKey::from(key.as_str()) } else { ShortKey::Long(key.into_boxed_str()) }
    }
}

/// A table of keys is asked by a string's bytes: comparing them needs no check that they are
/// UTF-8, which asking by `&str` would make of every key compared.
impl Borrow<[u8]> for ShortKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// As `[u8]` hashes (its length, then its bytes), for the lookups by bytes.
impl Hash for ShortKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for ShortKey {
    fn eq(&self, other: &ShortKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for ShortKey {}

impl PartialOrd for ShortKey {
    fn partial_cmp(&self, other: &ShortKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ShortKey {
    fn cmp(&self, other: &ShortKey) -> Ordering {
        // Strings order as their bytes do.
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::fmt::Debug for ShortKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// The entities listed under a key, in the order they were listed: one in place, more in a
/// vector.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Listed {
    One([EntityId; 1]),
    Many(Vec<EntityId>),
}

impl Listed {
    /// Lists one more.
    pub(crate) fn push(&mut self, id: EntityId) {
        match self {
            Listed::One([first]) => *self = Listed::Many(vec![*first, id]),
            Listed::Many(ids) => ids.push(id),
        }
    }
}

impl Deref for Listed {
    type Target = [EntityId];

    fn deref(&self) -> &[EntityId] {
        match self {
            Listed::One(one) => one,
            Listed::Many(ids) => ids,
        }
    }
}

/// The ids in the order given (an archived row's, read in place).
impl FromIterator<EntityId> for Listed {
    fn from_iter<I: IntoIterator<Item = EntityId>>(ids: I) -> Listed {
        Listed::from(ids.into_iter().collect::<Vec<EntityId>>())
    }
}

impl From<Vec<EntityId>> for Listed {
    fn from(ids: Vec<EntityId>) -> Listed {
        match ids.as_slice() {
            [one] => Listed::One([*one]),
            _ => Listed::Many(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::BuildHasher;

    use proptest::prelude::*;

    use super::*;
    use crate::hash::FoldState;

    proptest! {
        /// A key kept in place or not gives back its string, hashes as its string's bytes do (a
        /// table of keys is looked up by them), and compares and orders as its string does (the
        /// index is written in the order of its strings).
        #[test]
        fn a_key_hashes_compares_and_orders_as_its_string(a in "[a-zé:|ß ]{0,30}", b in "[a-zé:|ß ]{0,30}") {
            let (ka, kb) = (ShortKey::from(a.as_str()), ShortKey::from(b.clone()));
            prop_assert_eq!(ka.as_str(), a.as_str());
            prop_assert_eq!(kb.as_str(), b.as_str());
            prop_assert_eq!(matches!(ka, ShortKey::Short { .. }), a.len() <= SHORT_MAX);
            prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            prop_assert_eq!(ka == kb, a == b);
            let hasher = FoldState::default();
            prop_assert_eq!(hasher.hash_one(&ka), hasher.hash_one(a.as_bytes()));
            let std_hasher = std::hash::RandomState::new();
            prop_assert_eq!(std_hasher.hash_one(&ka), std_hasher.hash_one(a.as_bytes()));
            let table: HashMap<ShortKey, u8, FoldState> = [(ka.clone(), 1)].into_iter().collect();
            prop_assert_eq!(table.get(a.as_bytes()), Some(&1));
            prop_assert_eq!(table.contains_key(b.as_bytes()), a == b);
        }
    }

    #[test]
    fn a_list_of_one_grows_into_a_vector_in_the_order_listed() {
        let ids = |n: &[u64]| n.iter().map(|n| EntityId(*n)).collect::<Vec<_>>();
        let mut listed = Listed::from(ids(&[7]));
        assert!(matches!(listed, Listed::One(_)));
        assert_eq!(&*listed, ids(&[7]).as_slice());
        listed.push(EntityId(3));
        listed.push(EntityId(9));
        assert_eq!(&*listed, ids(&[7, 3, 9]).as_slice());
        assert_eq!(&*Listed::from(ids(&[])), ids(&[]).as_slice());
        assert_eq!(&*Listed::from(ids(&[1, 2])), ids(&[1, 2]).as_slice());
    }
}
