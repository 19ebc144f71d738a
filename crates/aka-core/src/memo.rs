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
