//! A surface form as an entity keeps it (a name or a role phrase as written), its bytes in
//! place when short; also the key of the state's tables by string (the blocking index, the
//! memos by name) and of its mentions by id.
//!
//! An entity's names are an ordered map searched at every mention linked to it. With `String`
//! keys each key compared is a pointer followed to bytes elsewhere: at a large history a likely
//! cache miss per key, a dozen per search of a popular entity's names. A [`Surface`] of up to
//! [`INLINE`] bytes (most names) holds them in the map's node itself, so a search reads the
//! node's lines one after another. It is archived exactly as a `String` is (an
//! `ArchivedString`), so snapshots are unchanged; it orders and compares as `str`, and maps of
//! surfaces are searched by bytes.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use rkyv::rancor::{Fallible, Source};
use rkyv::string::{ArchivedString, StringResolver};
use rkyv::{Archive, Deserialize, Place, Serialize, SerializeUnsized};

/// Bytes held in place: a surface this long or shorter takes no allocation.
pub const INLINE: usize = 22;

/// A surface form: a string, held in place when it is at most [`INLINE`] bytes.
#[derive(Clone)]
pub struct Surface(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Surface {
    /// The string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("a surface is made of a str")
            }
            Repr::Heap(text) => text,
        }
    }

    /// Its bytes, read without checking them again.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(text) => text.as_bytes(),
        }
    }
}

impl From<&str> for Surface {
    fn from(text: &str) -> Surface {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Surface(Repr::Inline { len, bytes })
            }
            _ => Surface(Repr::Heap(Box::from(text))),
        }
    }
}

impl From<String> for Surface {
    fn from(text: String) -> Surface {
        if text.len() <= INLINE { Surface::from(text.as_str()) } else { Surface(Repr::Heap(text.into_boxed_str())) }
    }
}

/// The bytes of a string (as the `Borrow<[u8]>` below gives them back): what a memo asked by
/// bytes keeps as its key.
impl From<Vec<u8>> for Surface {
    fn from(bytes: Vec<u8>) -> Surface {
        Surface::from(String::from_utf8(bytes).expect("a surface is made of a string's bytes"))
    }
}

impl From<Surface> for String {
    fn from(surface: Surface) -> String {
        match surface.0 {
            Repr::Heap(text) => text.into_string(),
            Repr::Inline { .. } => surface.as_str().to_string(),
        }
    }
}

impl Deref for Surface {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Surface {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Maps of surfaces are searched by bytes (`text.as_bytes()`), which orders, compares and hashes
/// as a surface does; a search by `&str` would check each key compared to be UTF-8 again.
impl Borrow<[u8]> for Surface {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// Byte order, which is `str`'s.
impl Ord for Surface {
    fn cmp(&self, other: &Surface) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for Surface {
    fn partial_cmp(&self, other: &Surface) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Surface {
    fn eq(&self, other: &Surface) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Surface {}

impl PartialEq<str> for Surface {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Surface {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// As its bytes hash, so that a surface and its `&[u8]` hash alike.
impl Hash for Surface {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Surface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Surface {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Archived as a `String` is.
impl Archive for Surface {
    type Archived = ArchivedString;
    type Resolver = StringResolver;

    fn resolve(&self, resolver: StringResolver, out: Place<ArchivedString>) {
        ArchivedString::resolve_from_str(self.as_str(), resolver, out);
    }
}

impl<S: Fallible + ?Sized> Serialize<S> for Surface
where
    S::Error: Source,
    str: SerializeUnsized<S>,
{
    fn serialize(&self, serializer: &mut S) -> Result<StringResolver, S::Error> {
        ArchivedString::serialize_from_str(self.as_str(), serializer)
    }
}

impl<D: Fallible + ?Sized> Deserialize<Surface, D> for ArchivedString {
    fn deserialize(&self, _: &mut D) -> Result<Surface, D::Error> {
        Ok(Surface::from(self.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::hash::BuildHasher;

    use proptest::prelude::*;

    use super::*;
    use crate::hash::FoldState;

    proptest! {
        /// A surface is its string: the same text back, the same order and equality as `str`,
        /// the same hash as its bytes (short and long, ASCII or not), and a map of surfaces is
        /// searched by bytes.
        #[test]
        fn a_surface_is_its_string_in_order_equality_hash_and_lookup(
            a in "\\PC{0,30}",
            b in "\\PC{0,30}",
        ) {
            let (sa, sb) = (Surface::from(a.as_str()), Surface::from(b.clone()));
            prop_assert_eq!(sa.as_str(), a.as_str());
            prop_assert_eq!(&*sb, b.as_str());
            prop_assert_eq!(sa.cmp(&sb), a.cmp(&b));
            prop_assert_eq!(sa == sb, a == b);
            let hash = |v: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                v(&mut h);
                h.finish()
            };
            prop_assert_eq!(hash(&|h| sa.hash(h)), hash(&|h| a.as_bytes().hash(h)));
            let hasher = FoldState::default();
            prop_assert_eq!(hasher.hash_one(&sa), hasher.hash_one(a.as_bytes()));
            let table: HashMap<Surface, u8, FoldState> = [(sa.clone(), 1)].into_iter().collect();
            prop_assert_eq!(table.get(a.as_bytes()), Some(&1));
            prop_assert_eq!(table.contains_key(b.as_bytes()), a == b);
            prop_assert_eq!(Surface::from(b.as_bytes().to_vec()), sb.clone());
            let map: BTreeMap<Surface, u32> = [(sa.clone(), 1), (sb.clone(), 2)].into_iter().collect();
            prop_assert_eq!(map.get(b.as_bytes()), Some(&2));
            prop_assert_eq!(map.get(a.as_bytes()).copied(), Some(if a == b { 2 } else { 1 }));
        }

        /// Archived, a surface is the `ArchivedString` of its text, and reads back as itself.
        #[test]
        fn a_surface_is_archived_as_its_string_is(text in "\\PC{0,40}") {
            let surface = Surface::from(text.as_str());
            let as_surface = rkyv::to_bytes::<rkyv::rancor::Error>(&surface).expect("archived");
            let as_string = rkyv::to_bytes::<rkyv::rancor::Error>(&text).expect("archived");
            prop_assert_eq!(&as_surface[..], &as_string[..]);
            let archived = rkyv::access::<ArchivedString, rkyv::rancor::Error>(&as_surface).expect("valid");
            let back: Surface = rkyv::deserialize::<Surface, rkyv::rancor::Error>(archived).expect("read back");
            prop_assert_eq!(back, surface);
        }
    }

    #[test]
    fn surfaces_up_to_the_inline_length_are_held_in_place() {
        assert!(matches!(Surface::from("a".repeat(INLINE).as_str()).0, Repr::Inline { .. }));
        assert!(matches!(Surface::from("a".repeat(INLINE + 1)).0, Repr::Heap(_)));
        assert!(matches!(Surface::from("é".repeat(INLINE / 2)).0, Repr::Inline { .. }));
        assert_eq!(std::mem::size_of::<Surface>(), 24);
    }
}
