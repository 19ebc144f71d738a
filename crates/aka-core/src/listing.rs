//! The rows of the blocking index (the entities listed under a key), kept in the table's
//! bucket when small.
//!
//! At a large history a key is looked up once in a long while: its bucket, a key held in an
//! allocation of its own, and a list held in another are each a likely miss of the last-level
//! cache. Most keys are short ("s:roe", "jane roe") and most lists hold one entity (an exact
//! name is nearly always one entity's), so both are kept in the bucket (the key as a
//! [`crate::surface::Surface`]): a lookup of the index reads the table's control bytes and its
//! bucket, and follows no pointer.

use std::ops::Deref;

use crate::event::EntityId;

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
    use super::*;

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
