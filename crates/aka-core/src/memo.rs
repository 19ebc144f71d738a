//! A memo of values derived from the rules and the state (a name's folded tokens, a mention's
//! normalised attributes, an entity's names as tokens): what the resolver would otherwise
//! recompute for every candidate of every mention. It never changes a decision, so a clone of
//! the state starts it empty; a value that depends on the state is forgotten whenever what it
//! was made from changes.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, PoisonError};

use crate::event::EntityId;
use crate::hash::FoldState;
use crate::surface::Surface;

/// Entries remembered at most; past that the memo starts again.
const MEMO_MAX: usize = 1 << 20;

/// Values by key (a string unless said, its bytes in place when short), shared by reference
/// count.
pub(crate) struct Memo<V: ?Sized, K = Surface>(Mutex<HashMap<K, Arc<V>, FoldState>>);

impl<V: ?Sized, K: Hash + Eq> Memo<V, K> {
    /// The value under `key`, made by `make` (and remembered) the first time; `None`, and
    /// nothing remembered, when `make` gives none.
    pub(crate) fn get_or<Q>(&self, key: &Q, make: impl FnOnce() -> Option<Arc<V>>) -> Option<Arc<V>>
    where
        K: Borrow<Q> + From<Q::Owned>,
        Q: Hash + Eq + ToOwned + ?Sized,
    {
        // A poisoned memo only means another thread panicked mid-insert: its content is whole.
        let mut memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = memo.get(key) {
            return Some(Arc::clone(value));
        }
        let value = make()?;
        remember(&mut memo, K::from(key.to_owned()), Arc::clone(&value));
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
    dense: Cells<Arc<V>>,
    sparse: Memo<V, EntityId>,
}

impl<V: ?Sized> IdMemo<V> {
    /// Ids below this are slots of the vector, which takes at most 8 bytes for each.
    pub(crate) const DENSE: u64 = 1 << 24;

    fn slot(id: EntityId) -> Option<usize> {
        (id.0 < IdMemo::<V>::DENSE).then(|| usize::try_from(id.0).expect("below DENSE"))
    }

    /// The value remembered for `id`, or the one `make` gives, remembered (not if it gives none).
    pub(crate) fn get_or(&self, id: &EntityId, make: impl FnOnce() -> Option<Arc<V>>) -> Option<Arc<V>> {
        match IdMemo::<V>::slot(*id) {
            Some(at) => self.dense.read_or(at, make, Arc::clone),
            None => self.sparse.get_or(id, make),
        }
    }

    pub(crate) fn get_mut(&mut self, id: &EntityId) -> Option<&mut Arc<V>> {
        match IdMemo::<V>::slot(*id) {
            Some(at) => self.dense.get_mut(at),
            None => self.sparse.get_mut(id),
        }
    }

    pub(crate) fn insert(&mut self, id: EntityId, value: Arc<V>) {
        match IdMemo::<V>::slot(id) {
            Some(at) => self.dense.insert(at, value),
            None => self.sparse.insert(id, value),
        }
    }

    pub(crate) fn take(&mut self, id: &EntityId) -> Option<Arc<V>> {
        match IdMemo::<V>::slot(*id) {
            Some(at) => self.dense.take(at),
            None => self.sparse.take(id),
        }
    }

    pub(crate) fn forget(&mut self, id: &EntityId) {
        self.take(id);
    }
}

impl<V: ?Sized> Default for IdMemo<V> {
    fn default() -> IdMemo<V> {
        IdMemo { dense: Cells::default(), sparse: Memo::default() }
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

/// Values by entity id, each in place in a vector and read under its lock by a closure: a
/// value asked of every candidate (an entity's names as tokens, its kind and mention count) is
/// found with one load of the line it is on, no reference count touched and no pointer followed
/// to it. Ids from [`IdMemo::DENSE`] on are not remembered: `make` answers for them every time.
pub(crate) struct IdCells<T>(Cells<T>);

impl<T> IdCells<T> {
    /// `read` of the value remembered for `id`, or of the one `make` gives, remembered (`None`,
    /// and nothing remembered, when it gives none). `make` and `read` run under the memo's
    /// lock: neither may ask this memo again.
    pub(crate) fn read_or<R>(
        &self,
        id: &EntityId,
        make: impl FnOnce() -> Option<T>,
        read: impl FnOnce(&T) -> R,
    ) -> Option<R> {
        read_slot(&mut self.0.locked(), IdMemo::<T>::slot(*id), make, read)
    }

    /// [`IdCells::read_or`] of each of `ids` in turn, under one lock, until `read` (given the
    /// id's index in `ids`) breaks; ids `make` gives no value for are passed over. The values
    /// of each block of [`TOUCHED_AHEAD`] ids are first touched one after another (`touch`
    /// loads from them), so that the cache misses of reading a block's values overlap instead
    /// of following one another: at a large history a candidate's value is rarely in cache.
    pub(crate) fn read_each<B>(
        &self,
        ids: &[EntityId],
        make: impl Fn(EntityId) -> Option<T>,
        touch: impl Fn(&T),
        read: impl FnMut(usize, &T) -> ControlFlow<B>,
    ) -> Option<B> {
        read_each_cell(&mut self.0.locked(), ids, |id| IdMemo::<T>::slot(*id), make, touch, read)
    }

    /// Takes the value of `id` out, for its last use.
    pub(crate) fn take(&mut self, id: &EntityId) -> Option<T> {
        self.0.take(IdMemo::<T>::slot(*id)?)
    }

    /// Remembers `value` for `id`, made by whoever changed what it was made from.
    pub(crate) fn insert(&mut self, id: &EntityId, value: T) {
        if let Some(at) = IdMemo::<T>::slot(*id) {
            self.0.insert(at, value);
        }
    }

    pub(crate) fn forget(&mut self, id: &EntityId) {
        self.take(id);
    }
}

impl<T> Default for IdCells<T> {
    fn default() -> IdCells<T> {
        IdCells(Cells::default())
    }
}

/// A clone starts empty, as a [`Memo`]'s does.
impl<T> Clone for IdCells<T> {
    fn clone(&self) -> IdCells<T> {
        IdCells::default()
    }
}

impl<T> fmt::Debug for IdCells<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdCells")
    }
}

/// A value that can bring the lines it will be read from to the cache ahead of reading them,
/// for [`IdCells::read_each`]'s callers.
pub(crate) trait Touch {
    /// The allocation it is read from.
    fn touched_bytes(&self) -> &[u8];

    /// Loads the first and the last byte of [`Touch::touched_bytes`], their results unused.
    fn touch(&self) {
        let bytes = self.touched_bytes();
        std::hint::black_box((bytes.first().copied(), bytes.last().copied()));
    }
}

/// Values read ahead of their use by [`IdCells::read_each`]: enough cache misses to overlap
/// for a processor that keeps ten or more in flight, few enough that a scan stopped early has
/// touched little it does not read.
const TOUCHED_AHEAD: usize = 8;

/// Values by index in a vector, for keys handed out in sequence (entity ids, document
/// numbers): the memos by such keys are these.
struct Cells<T>(Mutex<Vec<Option<T>>>);

impl<T> Cells<T> {
    fn locked(&self) -> std::sync::MutexGuard<'_, Vec<Option<T>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cells(&mut self) -> &mut Vec<Option<T>> {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// `read` of the value in cell `at`, or of the one `make` gives, put there (not if it gives
    /// none); both under the lock.
    fn read_or<R>(&self, at: usize, make: impl FnOnce() -> Option<T>, read: impl FnOnce(&T) -> R) -> Option<R> {
        read_cell(&mut self.locked(), at, make, read)
    }

    fn get_mut(&mut self, at: usize) -> Option<&mut T> {
        self.cells().get_mut(at).and_then(Option::as_mut)
    }

    fn insert(&mut self, at: usize, value: T) {
        put(self.cells(), at, value);
    }

    fn take(&mut self, at: usize) -> Option<T> {
        self.cells().get_mut(at).and_then(Option::take)
    }

    fn clear(&mut self) {
        self.cells().clear();
    }
}

/// `read` of the value in cell `at`, or of the one `make` gives, put there (not if it gives none).
fn read_cell<T, R>(
    cells: &mut Vec<Option<T>>,
    at: usize,
    make: impl FnOnce() -> Option<T>,
    read: impl FnOnce(&T) -> R,
) -> Option<R> {
    if let Some(Some(value)) = cells.get(at) {
        return Some(read(value));
    }
    let value = make()?;
    Some(read(put(cells, at, value)))
}

/// [`read_cell`] of cell `slot`; without a cell (a key kept out of the vector), `read` of what
/// `make` gives, remembered nowhere.
fn read_slot<T, R>(
    cells: &mut Vec<Option<T>>,
    slot: Option<usize>,
    make: impl FnOnce() -> Option<T>,
    read: impl FnOnce(&T) -> R,
) -> Option<R> {
    match slot {
        Some(at) => read_cell(cells, at, make, read),
        None => make().map(|value| read(&value)),
    }
}

/// `read` of the value of each of `keys` in turn (`slot` gives its cell; a key without one is
/// made every time), until `read` (given the key's index in `keys`) breaks; keys `make` gives
/// no value for are passed over. The values of each block of [`TOUCHED_AHEAD`] keys are first
/// touched one after another (`touch` loads from them), so that the cache misses of reading a
/// block's values overlap instead of following one another.
fn read_each_cell<K: Copy, T, B>(
    cells: &mut Vec<Option<T>>,
    keys: &[K],
    slot: impl Fn(&K) -> Option<usize>,
    make: impl Fn(K) -> Option<T>,
    touch: impl Fn(&T),
    mut read: impl FnMut(usize, &T) -> ControlFlow<B>,
) -> Option<B> {
    for (block, chunk) in keys.chunks(TOUCHED_AHEAD).enumerate() {
        for key in chunk {
            if let Some(Some(value)) = slot(key).and_then(|at| cells.get(at)) {
                touch(value);
            }
        }
        for (i, key) in chunk.iter().enumerate() {
            let index = block * TOUCHED_AHEAD + i;
            let flow = read_slot(cells, slot(key), || make(*key), |value| read(index, value));
            if let Some(ControlFlow::Break(done)) = flow {
                return Some(done);
            }
        }
    }
    None
}

/// Puts `value` in cell `at`, the vector grown to hold it.
fn put<T>(cells: &mut Vec<Option<T>>, at: usize, value: T) -> &T {
    if at >= cells.len() {
        cells.resize_with(at + 1, || None);
    }
    cells[at].insert(value)
}

impl<T> Default for Cells<T> {
    fn default() -> Cells<T> {
        Cells(Mutex::new(Vec::new()))
    }
}

/// A document's number in one state's [`DocNumbers`]: numbers are given from 0 in the order
/// documents are first asked about, so a memo by document is a vector indexed by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct DocNumber(u64);

impl DocNumber {
    fn at(self) -> usize {
        usize::try_from(self.0).expect("a document number is an index of a vector in memory")
    }
}

/// The numbers of the documents a state's memos hold something of (every document a mention
/// was linked in). A document's id is looked up (a string hashed, then compared) once per
/// mention linked, and the documents an
/// entity appears in are kept as numbers: the company an entity keeps is then asked of each
/// with one load, not a string lookup. A clone starts empty, as the memos holding the numbers do.
pub(crate) struct DocNumbers(Mutex<Numbering>);

#[derive(Default)]
struct Numbering {
    by_id: HashMap<Arc<str>, DocNumber, FoldState>,
    ids: Vec<Arc<str>>,
}

impl DocNumbers {
    /// The number of `doc`, given now if it has none.
    pub(crate) fn number(&self, doc: &str) -> DocNumber {
        let mut numbering = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(number) = numbering.by_id.get(doc) {
            return *number;
        }
        let next = u64::try_from(numbering.ids.len()).expect("a count of documents held fits in u64");
        let id: Arc<str> = Arc::from(doc);
        numbering.ids.push(Arc::clone(&id));
        numbering.by_id.insert(id, DocNumber(next));
        DocNumber(next)
    }

    /// The number of `doc` if it has one.
    pub(crate) fn find(&self, doc: &str) -> Option<DocNumber> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).by_id.get(doc).copied()
    }

    /// The id of the document numbered `number`.
    pub(crate) fn id(&self, number: DocNumber) -> Option<Arc<str>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).ids.get(number.at()).cloned()
    }
}

impl Default for DocNumbers {
    fn default() -> DocNumbers {
        DocNumbers(Mutex::new(Numbering::default()))
    }
}

impl Clone for DocNumbers {
    fn clone(&self) -> DocNumbers {
        DocNumbers::default()
    }
}

impl fmt::Debug for DocNumbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DocNumbers")
    }
}

/// A memo keyed by document number: a vector indexed by it, one load per document.
pub(crate) struct DocMemo<V: ?Sized>(Cells<Arc<V>>);

impl<V: ?Sized> DocMemo<V> {
    /// The value remembered for `doc`, or the one `make` gives, remembered (not if it gives none).
    pub(crate) fn get_or(&self, doc: DocNumber, make: impl FnOnce() -> Option<Arc<V>>) -> Option<Arc<V>> {
        self.0.read_or(doc.at(), make, Arc::clone)
    }

    /// [`DocMemo::get_or`] of each of `docs` in turn, under one lock, read by `read` (given
    /// the document's index in `docs`) until it breaks, as [`IdCells::read_each`] reads: the
    /// values of a block of documents are touched (`touch`) before any is read, so that their
    /// misses overlap.
    pub(crate) fn read_each<B>(
        &self,
        docs: &[DocNumber],
        make: impl Fn(DocNumber) -> Option<Arc<V>>,
        touch: impl Fn(&V),
        mut read: impl FnMut(usize, &V) -> ControlFlow<B>,
    ) -> Option<B> {
        let slot = |doc: &DocNumber| Some(doc.at());
        read_each_cell(&mut self.0.locked(), docs, slot, make, |value| touch(value), |index, value| read(index, value))
    }

    pub(crate) fn forget(&mut self, doc: DocNumber) {
        self.0.take(doc.at());
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

impl<V: ?Sized> Default for DocMemo<V> {
    fn default() -> DocMemo<V> {
        DocMemo(Cells::default())
    }
}

/// A clone starts empty, as a [`Memo`]'s does.
impl<V: ?Sized> Clone for DocMemo<V> {
    fn clone(&self) -> DocMemo<V> {
        DocMemo::default()
    }
}

impl<V: ?Sized> fmt::Debug for DocMemo<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DocMemo")
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

    #[test]
    fn doc_memo_reads_each_document_in_turn_touching_a_block_ahead_and_stops_when_asked() {
        // Ten documents (two blocks), one asked twice, one without a value.
        let docs: Vec<DocNumber> = [0, 1, 2, 3, 4, 5, 6, 7, 2, 9].map(DocNumber).to_vec();
        let mut memo: DocMemo<[u64]> = DocMemo::default();
        memo.0.insert(1, Arc::from([100]));
        let made = std::cell::RefCell::new(Vec::new());
        let make = |doc: DocNumber| {
            made.borrow_mut().push(doc);
            (doc != DocNumber(6)).then(|| Arc::from([doc.0, doc.0 + 1]))
        };
        let touched = std::cell::RefCell::new(Vec::new());
        let touch = |value: &[u64]| touched.borrow_mut().push(value.to_vec());
        let mut read = Vec::new();
        let stopped: Option<()> = memo.read_each(&docs, make, touch, |index, value| {
            read.push((index, value.to_vec()));
            ControlFlow::Continue(())
        });
        assert_eq!(stopped, None);
        let expected: Vec<(usize, Vec<u64>)> = docs
            .iter()
            .enumerate()
            .filter(|(_, doc)| **doc != DocNumber(6))
            .map(|(index, doc)| (index, if doc.0 == 1 { vec![100] } else { vec![doc.0, doc.0 + 1] }))
            .collect();
        assert_eq!(read, expected, "each document in order, with its index; one without a value passed over");
        // Before each block is read, the values remembered for it are touched: the one inserted
        // in the first, the one made for document 2 in the first in the second.
        assert_eq!(*touched.borrow(), vec![vec![100], vec![2, 3]]);
        assert_eq!(made.borrow().iter().filter(|doc| **doc == DocNumber(2)).count(), 1, "made once, then remembered");
        assert!(!made.borrow().contains(&DocNumber(1)), "a remembered value is not made");
        assert_eq!(memo.get_or(DocNumber(4), || None).as_deref(), Some(&[4, 5][..]), "what was made is remembered");

        // Stopped at the fourth: nothing after it read or made.
        made.borrow_mut().clear();
        let memo: DocMemo<[u64]> = DocMemo::default();
        let stopped = memo.read_each(
            &docs,
            make,
            |_| {},
            |index, _| {
                if index == 3 { ControlFlow::Break(index) } else { ControlFlow::Continue(()) }
            },
        );
        assert_eq!(stopped, Some(3));
        assert_eq!(*made.borrow(), [0, 1, 2, 3].map(DocNumber).to_vec());
    }

    #[test]
    fn cells_read_each_id_in_turn_touching_a_block_ahead_and_stop_when_asked() {
        let far = EntityId(IdMemo::<u64>::DENSE + 3);
        // Twenty ids (more than two blocks), one past the vector, one with no value.
        let ids: Vec<EntityId> = (1..=18).map(EntityId).chain([far, EntityId(5), EntityId(404)]).collect();
        let mut cells: IdCells<u64> = IdCells::default();
        cells.insert(&EntityId(2), 200);
        let made = std::cell::RefCell::new(Vec::new());
        let make = |id: EntityId| {
            made.borrow_mut().push(id);
            (id != EntityId(404)).then_some(id.0 * 10)
        };
        let touched = std::cell::RefCell::new(Vec::new());
        let touch = |value: &u64| touched.borrow_mut().push(*value);
        let mut read = Vec::new();
        let stopped: Option<()> = cells.read_each(&ids, make, touch, |index, value| {
            read.push((index, *value));
            ControlFlow::Continue(())
        });
        assert_eq!(stopped, None);
        let expected: Vec<(usize, u64)> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| **id != EntityId(404))
            .map(|(index, id)| (index, if *id == EntityId(2) { 200 } else { id.0 * 10 }))
            .collect();
        assert_eq!(read, expected, "each id in order, with its index; one without a value passed over");
        // Remembered values are touched before their block is read: here only the one inserted
        // (ids 1-8), and in the third block the one made for 5 in the first.
        assert_eq!(*touched.borrow(), vec![200, 50]);
        assert!(!made.borrow().contains(&EntityId(2)), "a remembered value is not made");
        assert_eq!(made.borrow().iter().filter(|id| **id == EntityId(5)).count(), 1, "made once, then remembered");
        assert_eq!(made.borrow().iter().filter(|id| **id == far).count(), 1);

        // Stopped at the third id: nothing after it read or made.
        made.borrow_mut().clear();
        let mut cells: IdCells<u64> = IdCells::default();
        let mut read = Vec::new();
        let stopped = cells.read_each(
            &ids,
            make,
            |_| {},
            |index, value| {
                read.push(*value);
                if index == 2 { ControlFlow::Break(index) } else { ControlFlow::Continue(()) }
            },
        );
        assert_eq!(stopped, Some(2));
        assert_eq!(read, vec![10, 20, 30]);
        assert_eq!(*made.borrow(), vec![EntityId(1), EntityId(2), EntityId(3)]);
        assert_eq!(cells.take(&EntityId(3)), Some(30), "what was made is remembered");
    }

    #[test]
    fn documents_are_numbered_once_in_the_order_first_asked_and_their_memo_forgets_one_or_all() {
        let numbers = DocNumbers::default();
        assert_eq!(numbers.find("a"), None, "finding gives no number");
        let (a, b) = (numbers.number("a"), numbers.number("b"));
        assert_eq!((a, b), (DocNumber(0), DocNumber(1)));
        assert_eq!(numbers.number("a"), a, "asked again, the same number");
        assert_eq!(numbers.find("b"), Some(b));
        assert_eq!(numbers.id(b).as_deref(), Some("b"));
        assert_eq!(numbers.id(DocNumber(2)), None);
        assert_eq!(numbers.clone().find("a"), None, "a clone starts empty, as the memos do");

        let mut memo: DocMemo<str> = DocMemo::default();
        assert_eq!(memo.get_or(b, || Some(Arc::from("of b"))).as_deref(), Some("of b"));
        assert_eq!(memo.get_or(a, || None), None, "nothing made, nothing remembered");
        assert_eq!(memo.get_or(b, || Some(Arc::from("again"))).as_deref(), Some("of b"), "remembered");
        memo.forget(a);
        assert_eq!(memo.get_or(b, || None).as_deref(), Some("of b"), "forgetting another leaves it");
        memo.forget(b);
        assert_eq!(memo.get_or(b, || None), None, "forgotten");
        memo.get_or(a, || Some(Arc::from("of a")));
        memo.clear();
        assert_eq!(memo.get_or(a, || None), None, "cleared");
    }
}
