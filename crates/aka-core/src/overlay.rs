//! An overlay: what changed in one table of the state since its base archive. Reads look in the
//! overlay first and fall back to the archive; the first write to a row copies it from the
//! archive into the overlay; a removal of a row the archive holds is a tombstone.

use std::borrow::{Borrow, Cow};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::iter::Peekable;

use crate::hash::FoldState;

/// The rows of one table changed since the base: `Some` replaces (or adds) a row, `None`
/// removes the archive's row. A hash map: a lookup costs the same at a million rows as at a
/// thousand (an ordered map compares long keys with shared prefixes, mention ids, at every
/// level). Nothing iterates the map in its own order: [`Overlay::merged`] sorts the keys first,
/// so the state stays a function of the log, byte for byte (and the hasher's per-process key
/// never shows).
#[derive(Clone, Debug)]
pub(crate) struct Overlay<K, V, S = FoldState>(HashMap<K, Option<V>, S>);

impl<K: Ord + Hash + Clone, V: Clone, S: BuildHasher + Default> Overlay<K, V, S> {
    pub(crate) fn new() -> Overlay<K, V, S> {
        Overlay(HashMap::default())
    }

    /// The row under `key`: the overlay's, else the one `base` gives.
    pub(crate) fn get<Q>(&self, key: &Q, base: impl FnOnce() -> Option<V>) -> Option<Cow<'_, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.0.get(key) {
            Some(Some(value)) => Some(Cow::Borrowed(value)),
            Some(None) => None,
            None => base().map(Cow::Owned),
        }
    }

    /// The row changed since the archive, if it is one and was not removed; the archive is
    /// not asked.
    pub(crate) fn live<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get(key).and_then(Option::as_ref)
    }

    /// [`Overlay::live`], to change in place.
    pub(crate) fn live_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.get_mut(key).and_then(Option::as_mut)
    }

    /// Takes the row changed since the archive, if it is one and was not removed; a removal
    /// stays, and the archive is not asked.
    pub(crate) fn take_live<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.live(key)?;
        self.0.remove(key).flatten()
    }

    /// The rows changed since the archive and not removed, in no order.
    pub(crate) fn live_rows(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().filter_map(|(key, row)| Some((key, row.as_ref()?)))
    }

    /// Whether a row is under `key`, asking `base` only when the overlay does not know.
    pub(crate) fn contains<Q>(&self, key: &Q, base: impl FnOnce() -> bool) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.0.get(key) {
            Some(row) => row.is_some(),
            None => base(),
        }
    }

    /// The row under `key` to change, copied from `base` into the overlay on first use.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q, base: impl FnOnce() -> Option<V>) -> Option<&mut V>
    where
        K: Borrow<Q> + From<Q::Owned>,
        Q: Hash + Eq + ToOwned + ?Sized,
    {
        if !self.0.contains_key(key) {
            let value = base()?;
            self.0.insert(K::from(key.to_owned()), Some(value));
        }
        self.0.get_mut(key).and_then(Option::as_mut)
    }

    /// Sets the row under `key`.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.0.insert(key, Some(value));
    }

    /// Removes the row under `key` and returns it; `in_base` says whether the archive holds the
    /// key, which then needs a tombstone.
    pub(crate) fn remove(&mut self, key: &K, in_base: bool, base: impl FnOnce() -> Option<V>) -> Option<V> {
        let current = match self.0.remove(key) {
            Some(row) => row,
            None => base(),
        };
        if in_base {
            self.0.insert(key.clone(), None);
        }
        current
    }

    /// Rows changed since the base.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Every row in key order: the archive's rows (`base`, in key order, turned into values by
    /// `load` only when the overlay does not replace them) merged with the overlay's.
    pub(crate) fn merged<'a, A: 'a>(
        &'a self,
        base: impl Iterator<Item = (K, &'a A)> + 'a,
        load: impl Fn(&A) -> V + 'a,
    ) -> impl Iterator<Item = (K, Cow<'a, V>)> + 'a {
        self.merged_rows(base).map(move |(key, row)| match row {
            Row::Archived(archived) => (key, Cow::Owned(load(archived))),
            Row::Live(value) => (key, Cow::Borrowed(value)),
        })
    }

    /// Every row in key order, as [`Overlay::merged`] gives them, but each where it is: an
    /// archive's row is not turned into a value, for a caller that reads a little of each.
    pub(crate) fn merged_rows<'a, A: 'a>(
        &'a self,
        base: impl Iterator<Item = (K, &'a A)> + 'a,
    ) -> impl Iterator<Item = (K, Row<'a, A, V>)> + 'a {
        let mut rows: Vec<(&'a K, &'a Option<V>)> = self.0.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Merged { over: rows.into_iter().peekable(), base: base.peekable() }
    }
}

/// A row of [`Overlay::merged_rows`]: the archive's, or the overlay's live value.
pub(crate) enum Row<'a, A, V> {
    Archived(&'a A),
    Live(&'a V),
}

struct Merged<'a, K, V, A: 'a, B: Iterator<Item = (K, &'a A)>> {
    over: Peekable<std::vec::IntoIter<(&'a K, &'a Option<V>)>>,
    base: Peekable<B>,
}

impl<'a, K: Ord + Clone, V, A: 'a, B: Iterator<Item = (K, &'a A)>> Iterator for Merged<'a, K, V, A, B> {
    type Item = (K, Row<'a, A, V>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let order = match (self.over.peek(), self.base.peek()) {
                (None, None) => return None,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some((over_key, _)), Some((base_key, _))) => (*over_key).cmp(base_key),
            };
            if order == std::cmp::Ordering::Greater {
                let (key, archived) = self.base.next()?;
                return Some((key, Row::Archived(archived)));
            }
            if order == std::cmp::Ordering::Equal {
                self.base.next();
            }
            let (key, row) = self.over.next()?;
            if let Some(value) = row {
                return Some((key.clone(), Row::Live(value)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_rows() -> Vec<(u32, &'static str)> {
        vec![(1, "one"), (3, "three"), (5, "five")]
    }

    fn listed(overlay: &Overlay<u32, String>, rows: &[(u32, &'static str)]) -> Vec<(u32, String)> {
        overlay
            .merged(rows.iter().map(|(k, v)| (*k, v)), |v: &&str| v.to_string())
            .map(|(k, v)| (k, v.into_owned()))
            .collect()
    }

    #[test]
    fn the_overlay_replaces_adds_and_removes_archive_rows_in_key_order() {
        let rows = base_rows();
        let lookup = |k: u32| rows.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string());
        let mut overlay: Overlay<u32, String> = Overlay::new();
        overlay.insert(2, "two".into());
        if let Some(v) = overlay.get_mut(&3, || lookup(3)) {
            v.push('!');
        }
        assert_eq!(overlay.remove(&5, true, || lookup(5)).as_deref(), Some("five"));
        assert_eq!(overlay.get(&1, || lookup(1)).as_deref().map(String::as_str), Some("one"));
        assert_eq!(overlay.get(&5, || lookup(5)), None, "a tombstone hides the archive's row");
        assert!(!overlay.contains(&5, || true));
        let want: Vec<(u32, String)> = vec![(1, "one".into()), (2, "two".into()), (3, "three!".into())];
        assert_eq!(listed(&overlay, &rows), want);
    }

    #[test]
    fn removing_a_row_the_archive_lacks_leaves_no_tombstone() {
        let mut overlay: Overlay<u32, String> = Overlay::new();
        overlay.insert(7, "seven".into());
        assert_eq!(overlay.remove(&7, false, || None).as_deref(), Some("seven"));
        assert_eq!(overlay.len(), 0);
    }
}
