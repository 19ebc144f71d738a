//! The append-only event log of aka, on sled, and the rkyv snapshots of the state derived from
//! it: the only crate that touches sled or files.
//!
//! The log is the truth; everything else is a cache rebuilt from it. Events get sequence numbers
//! from 1 upwards, are written in atomic batches and are never rewritten or deleted.

mod error;
mod log;
pub mod snapshot;

pub use crate::error::{AppendError, OpenError, ReadError, SnapshotError};
pub use crate::log::{Durability, FORMAT_MARKER, Log, LogConfig, SLED_CACHE_BYTES, open_sled_when_free};
