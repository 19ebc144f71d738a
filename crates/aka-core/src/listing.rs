//! The rows of the blocking index as the state holds them: a key and the entities listed under
//! it, each kept in the table's bucket when it is small.
//!
//! At a large history a key is looked up once in a long while: its bucket, a key held in an
//! allocation of its own, and a list held in another are each a likely miss of the last-level
//! cache. Most keys are short ("s:roe") and most lists hold one entity (an exact name is
//! nearly always one entity's), so both are kept in the bucket: a lookup reads the table's
//! control bytes and its bucket, and follows no pointer.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use crate::event::EntityId;

/// Bytes of a key kept in place.
const SHORT_MAX: usize = 22;

/// A blocking key, its bytes in place when it has at most [`SHORT_MAX`] of them. It hashes,
/// compares and orders as the `str` it holds.
#[derive(Clone)]
pub(crate) enum IndexKey {
    Short { len: u8, bytes: [u8; SHORT_MAX] },
    Long(Box<str>),
}

impl IndexKey {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            IndexKey::Short { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("a key's bytes are those of a str")
            }
            IndexKey::Long(key) => key,
        }
    }
}

impl From<&str> for IndexKey {
    fn from(key: &str) -> IndexKey {
        match u8::try_from(key.len()) {
            Ok(len) if key.len() <= SHORT_MAX => {
                let mut bytes = [0; SHORT_MAX];
                bytes[..key.len()].copy_from_slice(key.as_bytes());
                IndexKey::Short { len, bytes }
            }
            _ => IndexKey::Long(key.into()),
        }
    }
}

impl From<String> for IndexKey {
    fn from(key: String) -> IndexKey {
        if key.len() <= SHORT_MAX { IndexKey::from(key.as_str()) } else { IndexKey::Long(key.into_boxed_str()) }
    }
}

impl Borrow<str> for IndexKey {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for IndexKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for IndexKey {
    fn eq(&self, other: &IndexKey) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for IndexKey {}

impl PartialOrd for IndexKey {
    fn partial_cmp(&self, other: &IndexKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IndexKey {
    fn cmp(&self, other: &IndexKey) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::fmt::Debug for IndexKey {
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
        /// A key kept in place or not hashes, compares and orders as its string does, so that a
        /// table of keys is looked up by `&str` and the index is written in the order of its
        /// strings.
        #[test]
        fn a_key_hashes_compares_and_orders_as_its_string(a in "[a-zé:|ß ]{0,30}", b in "[a-zé:|ß ]{0,30}") {
            let (ka, kb) = (IndexKey::from(a.as_str()), IndexKey::from(b.clone()));
            prop_assert_eq!(ka.as_str(), a.as_str());
            prop_assert_eq!(kb.as_str(), b.as_str());
            prop_assert_eq!(matches!(ka, IndexKey::Short { .. }), a.len() <= SHORT_MAX);
            prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            prop_assert_eq!(ka == kb, a == b);
            let hasher = FoldState::default();
            prop_assert_eq!(hasher.hash_one(&ka), hasher.hash_one(a.as_str()));
            let table: HashMap<IndexKey, u8, FoldState> = [(ka.clone(), 1)].into_iter().collect();
            prop_assert_eq!(table.get(a.as_str()), Some(&1));
            prop_assert_eq!(table.contains_key(b.as_str()), a == b);
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
