//! The append-only event log of aka, on sled: the only crate that touches sled or files.
//!
//! The log is the truth; everything else is a cache rebuilt from it. Events get sequence numbers
//! from 1 upwards, are written in atomic batches and are never rewritten or deleted.

mod error;
mod log;

pub use crate::error::{AppendError, OpenError, ReadError};
pub use crate::log::{Durability, FORMAT_MARKER, Log, LogConfig};
