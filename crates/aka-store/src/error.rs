//! The errors of the log, one enum per boundary: opening, appending and reading.

use std::path::PathBuf;

use aka_core::event::DecodeError;

/// Why a log could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Another process (or another [`crate::Log`] in this one) holds the directory.
    #[error(
        "data directory {} is in use by another aka process (lock on {} is held)",
        dir.display(),
        dir.join("LOCK").display()
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
    },
    /// A file or directory of the store could not be created, listed or opened.
    #[error("cannot open {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// sled refused to open or initialise the database.
    #[error("cannot open the event database in {}: {source}", path.display())]
    Sled {
        /// The sled database directory.
        path: PathBuf,
        /// The underlying error.
        source: sled::Error,
    },
    /// The directory holds files but no aka store; they are left untouched.
    #[error("{} is not an aka data directory: found {found}", dir.display())]
    NotAStore {
        /// The directory.
        dir: PathBuf,
        /// What was found there, in words.
        found: String,
    },
    /// The directory holds a store of another format.
    #[error(
        "{} holds a store of format {found:?}, this build reads {}",
        dir.display(),
        crate::log::FORMATS_READ
    )]
    WrongFormat {
        /// The directory.
        dir: PathBuf,
        /// The format marker found, or a description of its absence.
        found: String,
    },
    /// The last event of the log cannot be read.
    #[error("the log in {} is corrupt: event {seq} cannot be decoded: {source}", dir.display())]
    Corrupt {
        /// The directory.
        dir: PathBuf,
        /// The sequence number of the unreadable event.
        seq: u64,
        /// Why it cannot be decoded.
        source: DecodeError,
    },
    /// The last key of the event tree is not a sequence number.
    #[error("the log in {} is corrupt: key {key:02x?} is not a sequence number", dir.display())]
    CorruptKey {
        /// The directory.
        dir: PathBuf,
        /// The key found.
        key: Vec<u8>,
    },
}

/// Why events could not be appended or flushed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// sled failed to apply or flush the batch.
    #[error("cannot write to the event log in {}: {source}", dir.display())]
    Sled {
        /// The data directory.
        dir: PathBuf,
        /// The underlying error.
        source: sled::Error,
    },
    /// The disk refused a write or an fsync.
    #[error("cannot write to the event log in {}: {source}", path.display())]
    Io {
        /// The sled database directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An insert queued on the log's append thread failed; it and the batches after it are not
    /// in the log.
    #[error("cannot write to the event log in {}: {message} (the batches appended since are not in the log)", dir.display())]
    Background {
        /// The data directory.
        dir: PathBuf,
        /// What sled said.
        message: String,
    },
    /// The sequence numbers are used up: the log holds `u64::MAX - 1` events.
    #[error("the event log in {} has no sequence numbers left", dir.display())]
    Exhausted {
        /// The data directory.
        dir: PathBuf,
    },
}

/// Why an event could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// sled failed to read.
    #[error("cannot read the event log in {}: {source}", dir.display())]
    Sled {
        /// The data directory.
        dir: PathBuf,
        /// The underlying error.
        source: sled::Error,
    },
    /// The stored bytes of an event are not a readable event.
    #[error("event {seq} cannot be decoded: {source}")]
    Decode {
        /// The sequence number of the event.
        seq: u64,
        /// Why it cannot be decoded.
        source: DecodeError,
    },
    /// A key of the event tree is not a sequence number.
    #[error("the log in {} is corrupt: key {key:02x?} is not a sequence number", dir.display())]
    CorruptKey {
        /// The data directory.
        dir: PathBuf,
        /// The key found.
        key: Vec<u8>,
    },
}

/// Why a snapshot could not be written, listed, or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// A snapshot file or folder could not be created, read, written or deleted.
    #[error("snapshot {}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file fails a check (header, checksum, log, rules or rkyv's validation).
    #[error("snapshot {} is not usable: {why}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Which check failed.
        why: String,
    },
    /// The rules hash does not fit the header.
    #[error("rules hash {hash:?} is longer than a snapshot header holds")]
    RulesHashTooLong {
        /// The hash.
        hash: String,
    },
    /// The log could not be read to make or check a snapshot.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The log could not be flushed before a snapshot was written.
    #[error(transparent)]
    Flush(#[from] AppendError),
}
