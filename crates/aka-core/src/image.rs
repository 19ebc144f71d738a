//! The state at one sequence number as a single rkyv archive (the payload of a snapshot), and
//! [`Base`]: such an archive validated once and then read in place, never deserialised whole.
//!
//! Every table of an [`Image`] is a vector sorted by its key, so the archive is searched in place
//! by binary search; only the rows a lookup asks for are turned back into owned values.

use std::cmp::Ordering;
use std::fmt;

use rkyv::rancor;
use rkyv::util::AlignedVec;

use crate::entity::Entity;
use crate::event::EntityId;
use crate::mention::Mention;
use crate::state::{DocRecord, Judgement};

/// The derived state at a sequence number, in a form rkyv can archive. Built by
/// [`crate::State::image`]; every table sorted by its key, without duplicates.
#[derive(Clone, Debug, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Image {
    /// The sequence number of the last event it holds.
    pub last_seq: u64,
    /// The number the next new entity gets.
    pub next_entity: u64,
    /// The number the next judgement gets.
    pub next_judgement: u64,
    /// Live entities.
    pub entity_count: u64,
    /// Documents by id.
    pub docs: Vec<(String, DocRecord)>,
    /// Mentions, by mention id.
    pub mentions: Vec<Mention>,
    /// The id each mention was linked to, by mention id.
    pub mention_entity: Vec<(String, EntityId)>,
    /// Live entities, by id.
    pub entities: Vec<Entity>,
    /// Absorbed id to the id that absorbed it.
    pub redirects: Vec<(EntityId, EntityId)>,
    /// The blocking index: key to entity ids in the order they were listed.
    pub index: Vec<(String, Vec<EntityId>)>,
    /// Judgements by id.
    pub judgements: Vec<(String, Judgement)>,
}

impl Image {
    /// The archive of this image: bytes that [`Base::new`] accepts.
    pub fn encode(&self) -> AlignedVec {
        // Serialising owned strings, vectors and maps into a growable buffer has no failure
        // other than running out of memory, which aborts anyway.
        rkyv::to_bytes::<rancor::Error>(self).expect("an image always serialises")
    }
}

/// Bytes that hold an archived [`Image`]: a memory-mapped file, or a buffer. They must start at
/// an address aligned to 16 bytes (a page-aligned mapping or an [`AlignedVec`] is).
pub trait Bytes: Send + Sync {
    /// The bytes.
    fn bytes(&self) -> &[u8];
}

impl Bytes for AlignedVec {
    fn bytes(&self) -> &[u8] {
        self
    }
}

type ImageRef<'a> = &'a ArchivedImage;

self_cell::self_cell!(
    struct Cell {
        owner: Box<dyn Bytes>,
        #[covariant]
        dependent: ImageRef,
    }
);

/// An archived [`Image`], validated once when made, then read in place.
pub struct Base(Cell);

/// Bytes that are not a valid archived image.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid archived state: {0}")]
pub struct InvalidImage(pub String);

impl Base {
    /// Validates `bytes` as an archived image (every offset, length, string and enum tag is
    /// checked) and keeps them. Bytes that fail are refused, never read.
    pub fn new(bytes: Box<dyn Bytes>) -> Result<Base, InvalidImage> {
        Cell::try_new(bytes, |b| rkyv::access::<ArchivedImage, rancor::Error>(b.bytes()))
            .map(Base)
            .map_err(|e| InvalidImage(e.to_string()))
    }

    /// The archived image.
    pub fn image(&self) -> &ArchivedImage {
        self.0.borrow_dependent()
    }

    /// The sequence number of the last event the archive holds.
    pub fn last_seq(&self) -> u64 {
        self.image().last_seq.to_native()
    }

    /// The archive's size in bytes.
    pub fn len(&self) -> usize {
        self.0.borrow_owner().bytes().len()
    }

    /// Whether the archive holds no bytes (never, for a valid one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Base").field("last_seq", &self.last_seq()).field("bytes", &self.len()).finish()
    }
}

/// Turns an archived row back into its owned value.
pub(crate) fn owned<T>(archived: &T::Archived) -> T
where
    T: rkyv::Archive,
    T::Archived: rkyv::Deserialize<T, rkyv::api::high::HighDeserializer<rancor::Error>>,
{
    // The archive was validated when the Base was made, and these types (strings, vectors,
    // maps, integers, enums) have no deserialisation that can fail on valid bytes.
    rkyv::deserialize::<T, rancor::Error>(archived).expect("a validated archive deserialises")
}

/// The row of a sorted archived table whose key compares equal, by binary search.
pub(crate) fn find<T>(rows: &[T], by: impl Fn(&T) -> Ordering) -> Option<&T> {
    rows.binary_search_by(by).ok().map(|i| &rows[i])
}

/// An archived entity id as a native one.
pub(crate) fn id(archived: &crate::event::ArchivedEntityId) -> EntityId {
    EntityId(archived.0.to_native())
}
