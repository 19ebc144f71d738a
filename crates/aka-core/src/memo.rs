//! A memo of values derived from the rules and the state (a name's folded tokens, a mention's
//! normalised attributes, an entity's names as tokens): what the resolver would otherwise
//! recompute for every candidate of every mention. It never changes a decision, so a clone of
//! the state starts it empty; a value that depends on the state is forgotten whenever what it
//! was made from changes.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use crate::event::EntityId;
use crate::hash::FoldState;

/// Entries remembered at most; past that the memo starts again.
const MEMO_MAX: usize = 1 << 20;

/// Values by key (a string unless said), shared by reference count.
pub(crate) struct Memo<V: ?Sized, K = String>(Mutex<HashMap<K, Arc<V>, FoldState>>);

impl<V: ?Sized, K: Hash + Eq> Memo<V, K> {
    /// The value under `key`, made by `make` (and remembered) the first time; `None`, and
    /// nothing remembered, when `make` gives none.
    pub(crate) fn get_or<Q>(&self, key: &Q, make: impl FnOnce() -> Option<Arc<V>>) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        // A poisoned memo only means another thread panicked mid-insert: its content is whole.
        let mut memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = memo.get(key) {
            return Some(Arc::clone(value));
        }
        let value = make()?;
        remember(&mut memo, key.to_owned(), Arc::clone(&value));
        Some(value)
    }

    /// The value under `key` if one is remembered, to replace in place.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner).get_mut(key)
    }

    /// Remembers `value` under `key`, made by whoever changed what it was made from.
    pub(crate) fn insert(&mut self, key: K, value: Arc<V>) {
        remember(self.0.get_mut().unwrap_or_else(PoisonError::into_inner), key, value);
    }

    /// Takes the value under `key` out of the memo, for its last use.
    pub(crate) fn take<Q>(&mut self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner).remove(key)
    }

    /// Forgets the value under `key`, made from what has just changed.
    pub(crate) fn forget<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner).remove(key);
    }

    /// Forgets everything, after a change that can touch any value.
    pub(crate) fn clear(&mut self) {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// Puts `value` under `key`, starting the memo again if it is full.
fn remember<V: ?Sized, K: Hash + Eq>(memo: &mut HashMap<K, Arc<V>, FoldState>, key: K, value: Arc<V>) {
    if memo.len() >= MEMO_MAX {
        memo.clear();
    }
    memo.insert(key, value);
}

impl<V: ?Sized, K> Default for Memo<V, K> {
    fn default() -> Memo<V, K> {
        Memo(Mutex::new(HashMap::default()))
    }
}

impl<V: ?Sized, K> Clone for Memo<V, K> {
    fn clone(&self) -> Memo<V, K> {
        Memo::default()
    }
}

impl<V: ?Sized, K> fmt::Debug for Memo<V, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}

/// A memo keyed by entity id. Ids are handed out in sequence from 1, so a vector indexed by id
/// finds a value with one load, where a hash table probes its control bytes and then its
/// bucket: at a million mentions each is a cache miss, and the resolver asks these memos for
/// every candidate. Ids from [`IdMemo::DENSE`] on (only a hand-made log has them) are kept in
/// a hash memo instead, so that one large id cannot make the vector large.
pub(crate) struct IdMemo<V: ?Sized> {
    dense: Mutex<Vec<Option<Arc<V>>>>,
    sparse: Memo<V, EntityId>,
}

impl<V: ?Sized> IdMemo<V> {
    /// Ids below this are slots of the vector, which takes at most 8 bytes for each.
    pub(crate) const DENSE: u64 = 1 << 24;

    fn slot(id: EntityId) -> Option<usize> {
        (id.0 < IdMemo::<V>::DENSE).then(|| usize::try_from(id.0).expect("below DENSE"))
    }

    fn dense(&mut self) -> &mut Vec<Option<Arc<V>>> {
        self.dense.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value remembered for `id`, or the one `make` gives, remembered (not if it gives none).
    pub(crate) fn get_or(&self, id: &EntityId, make: impl FnOnce() -> Option<Arc<V>>) -> Option<Arc<V>> {
        let Some(at) = IdMemo::<V>::slot(*id) else { return self.sparse.get_or(id, make) };
        let mut dense = self.dense.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(Some(value)) = dense.get(at) {
            return Some(Arc::clone(value));
        }
        let value = make()?;
        put(&mut dense, at, Arc::clone(&value));
        Some(value)
    }

    pub(crate) fn get_mut(&mut self, id: &EntityId) -> Option<&mut Arc<V>> {
        match IdMemo::<V>::slot(*id) {
            Some(at) => self.dense().get_mut(at).and_then(Option::as_mut),
            None => self.sparse.get_mut(id),
        }
    }

    pub(crate) fn insert(&mut self, id: EntityId, value: Arc<V>) {
        let Some(at) = IdMemo::<V>::slot(id) else { return self.sparse.insert(id, value) };
        put(self.dense(), at, value);
    }

    pub(crate) fn take(&mut self, id: &EntityId) -> Option<Arc<V>> {
        match IdMemo::<V>::slot(*id) {
            Some(at) => self.dense().get_mut(at).and_then(Option::take),
            None => self.sparse.take(id),
        }
    }

    pub(crate) fn forget(&mut self, id: &EntityId) {
        self.take(id);
    }
}

/// Puts `value` in slot `at`, the vector grown to hold it.
fn put<V: ?Sized>(dense: &mut Vec<Option<Arc<V>>>, at: usize, value: Arc<V>) {
    if at >= dense.len() {
        dense.resize(at + 1, None);
    }
    dense[at] = Some(value);
}

impl<V: ?Sized> Default for IdMemo<V> {
    fn default() -> IdMemo<V> {
        IdMemo { dense: Mutex::new(Vec::new()), sparse: Memo::default() }
    }
}

/// A clone starts empty, as a [`Memo`]'s does.
impl<V: ?Sized> Clone for IdMemo<V> {
    fn clone(&self) -> IdMemo<V> {
        IdMemo::default()
    }
}

impl<V: ?Sized> fmt::Debug for IdMemo<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdMemo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_memo_remembers_takes_and_forgets_ids_in_the_vector_and_past_it_alike() {
        let far = EntityId(IdMemo::<str>::DENSE + 7);
        for id in [EntityId(1), EntityId(1000), far] {
            let mut memo: IdMemo<str> = IdMemo::default();
            let made = memo.get_or(&id, || Some(Arc::from("first")));
            assert_eq!(made.as_deref(), Some("first"), "{id} made");
            let again = memo.get_or(&id, || Some(Arc::from("second")));
            assert_eq!(again.as_deref(), Some("first"), "{id} remembered, not made again");
            assert_eq!(memo.get_or(&EntityId(id.0 + 1), || None), None, "a neighbour of {id} is not held");
            *memo.get_mut(&id).expect("held") = Arc::from("changed");
            assert_eq!(memo.take(&id).as_deref(), Some("changed"), "{id} taken as changed");
            assert_eq!(memo.take(&id), None, "{id} gone once taken");
            memo.insert(id, Arc::from("inserted"));
            assert_eq!(memo.get_or(&id, || None).as_deref(), Some("inserted"), "{id} inserted");
            memo.forget(&id);
            assert_eq!(memo.get_or(&id, || Some(Arc::from("remade"))).as_deref(), Some("remade"), "{id} forgotten");
        }
    }
}
