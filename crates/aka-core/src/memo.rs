//! A memo of values derived from the rules alone (a name's folded tokens, a mention's
//! normalised attributes): what the resolver would otherwise recompute for every candidate of
//! every mention. It never changes a decision, so a clone of the state starts it empty.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Entries remembered at most; past that the memo starts again.
const MEMO_MAX: usize = 1 << 20;

/// Values by string key, shared by reference count.
pub(crate) struct Memo<V: ?Sized>(Mutex<HashMap<String, Arc<V>>>);

impl<V: ?Sized> Memo<V> {
    /// The value under `key`, made by `make` (and remembered) the first time; `None`, and
    /// nothing remembered, when `make` gives none.
    pub(crate) fn get_or(&self, key: &str, make: impl FnOnce() -> Option<Arc<V>>) -> Option<Arc<V>> {
        // A poisoned memo only means another thread panicked mid-insert: its content is whole.
        let mut memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = memo.get(key) {
            return Some(Arc::clone(value));
        }
        let value = make()?;
        if memo.len() >= MEMO_MAX {
            memo.clear();
        }
        memo.insert(key.to_string(), Arc::clone(&value));
        Some(value)
    }
}

impl<V: ?Sized> Default for Memo<V> {
    fn default() -> Memo<V> {
        Memo(Mutex::new(HashMap::new()))
    }
}

impl<V: ?Sized> Clone for Memo<V> {
    fn clone(&self) -> Memo<V> {
        Memo::default()
    }
}

impl<V: ?Sized> fmt::Debug for Memo<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}
