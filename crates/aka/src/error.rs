//! The engine's errors, one enum per boundary.

/// The engine could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The store could not be opened (in use, not a store, IO).
    #[error(transparent)]
    Store(#[from] aka_store::OpenError),
    /// An event of the log could not be read while replaying.
    #[error("replaying the log: {0}")]
    Replay(#[from] aka_store::ReadError),
}

/// A document or batch was refused or could not be appended. Nothing was appended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The document id is unusable.
    #[error("field \"doc_id\" {doc_id:?} {problem}")]
    InvalidDocId {
        /// The id (cut to 80 characters).
        doc_id: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The text is empty or only whitespace.
    #[error("document {doc_id:?}: field \"text\" is empty")]
    EmptyText {
        /// The document.
        doc_id: String,
    },
    /// The text is over the limit.
    #[error("document {doc_id:?}: field \"text\" is {len} bytes, over the limit of {max}")]
    DocumentTooLarge {
        /// The document.
        doc_id: String,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The same id was ingested before with other text.
    #[error("document {doc_id:?} was already ingested with other content ({existing}); this text is {new}")]
    ContentConflict {
        /// The document.
        doc_id: String,
        /// Hash of what is stored.
        existing: String,
        /// Hash of what was offered.
        new: String,
    },
    /// A mention given upstream is invalid.
    #[error("mention {at}: {detail}")]
    InvalidMention {
        /// Its position in the input (0-based).
        at: usize,
        /// What is wrong, naming the field.
        detail: String,
    },
    /// A mention id is already used by another mention.
    #[error("mention {mention_id:?} was already ingested with other content")]
    MentionConflict {
        /// The id.
        mention_id: String,
    },
    /// Too many mentions in one document or batch.
    #[error("document {doc_id:?} has {count} mentions, over the limit of {max}")]
    TooManyMentions {
        /// The document.
        doc_id: String,
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The log refused the append.
    #[error("appending to the log: {0}")]
    Append(#[source] aka_store::AppendError),
    /// After a failed append, the state could not be rebuilt: reopen the engine.
    #[error("rebuilding the state after a failed append: {0}")]
    Rebuild(#[source] Box<OpenError>),
}

/// A judgement that could not be recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeError {
    /// The store refuses it (unknown ids, a contradiction, an unknown or withdrawn judgement).
    #[error(transparent)]
    Refused(#[from] aka_core::judge::JudgeError),
    /// The log refused the append.
    #[error("appending to the log: {0}")]
    Append(#[source] aka_store::AppendError),
    /// After a failed append, the state could not be rebuilt: reopen the engine.
    #[error("rebuilding the state after a failed append: {0}")]
    Rebuild(#[source] Box<OpenError>),
}

/// A snapshot could not be taken. The log is untouched; the state stays as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The log holds no event yet.
    #[error("nothing to snapshot: the log is empty")]
    EmptyLog,
    /// Writing, reading back or pruning snapshot files failed.
    #[error(transparent)]
    Store(#[from] aka_store::SnapshotError),
    /// The log could not be made durable first.
    #[error("flushing the log before the snapshot: {0}")]
    Flush(#[from] aka_store::AppendError),
    /// The log could not be read.
    #[error("reading the log: {0}")]
    Read(#[from] aka_store::ReadError),
}
