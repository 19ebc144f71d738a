//! The log: envelopes under sequence numbers in a sled tree, appended in atomic batches.
//!
//! Layout of a data directory: `DIR/LOCK`, a lock file held while a [`Log`] is open, and
//! `DIR/log/`, the sled database. In it the tree `meta` holds the format marker under `format`,
//! and the tree `events` holds the events, keyed by sequence number (u64, big-endian, so that
//! key order is log order):
//! - format `aka-log-3` (stores created now): one record per appended batch, under the sequence
//!   number of its first event: the batch's plain form (below), compressed as one LZ4 block
//!   with its plain length first (4 bytes, little-endian: `lz4_flex`'s size-prepended block).
//!   A document's events repeat their field names, document id and rules hash, so a record is
//!   about a ninth of its plain size, and sled writes, caches and flushes that much less.
//! - format `aka-log-2` (stores created before): the same records, plain: the event count in
//!   decimal, a newline, then each event's [`Envelope::encode`] followed by a newline (compact
//!   JSON holds no raw newline). One sled insert per batch, not per event: sled's cost is per
//!   key, so this is what lets a document of a hundred events cost about one insert.
//! - format `aka-log-1` (stores created before that): one event per key.
//!
//! Stores of the older formats are still read and appended to in their own layout.
//!
//! Events are never rewritten or deleted.

use std::borrow::Cow;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

use aka_core::event::DecodeError;
use aka_core::{Envelope, Event};
use tracing::{debug, info};

use crate::error::{AppendError, OpenError, ReadError};

/// The format marker of the stores this build creates, stored under `format` in the `meta`
/// tree; a store with a marker this build does not read is refused rather than misread.
pub const FORMAT_MARKER: &[u8] = b"aka-log-3";
/// The marker of stores of plain (uncompressed) records, still read and appended to.
const FORMAT_PLAIN: &[u8] = b"aka-log-2";
/// The marker of stores of one event per key, still read and appended to.
const FORMAT_SINGLE: &[u8] = b"aka-log-1";

/// An event read back with its sequence number, or why it could not be.
type Item = Result<(u64, Envelope), ReadError>;

/// Every format marker this build reads, newest first, for messages.
pub(crate) const FORMATS_READ: &str = "aka-log-3, aka-log-2 and aka-log-1";

/// How the events tree holds events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `aka-log-1`: one event per key.
    Single,
    /// `aka-log-2` (plain) and `aka-log-3` (compressed): one record of events per appended batch.
    Batched(Codec),
}

/// How a batch's record is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    /// `aka-log-2`: the plain form.
    Plain,
    /// `aka-log-3`: the plain form as one size-prepended LZ4 block.
    Lz4,
}

/// sled's page cache for the log, in bytes. The log is appended to and mostly read in order
/// (a lookup by sequence number is an auditor's, one at a time), so a cache mostly holds pages
/// just written: sled's default (1 GiB) held about 400 MiB of them at a million mentions, and
/// the scale bench measured no ingest slower with 64 MiB (docs/BENCHMARKS.md).
pub const SLED_CACHE_BYTES: u64 = 64 << 20;

const LOCK_FILE: &str = "LOCK";
const DB_DIR: &str = "log";
const EVENTS_TREE: &str = "events";
const META_TREE: &str = "meta";
const FORMAT_KEY: &str = "format";

/// When appended events reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every append is flushed (fsynced) before it returns: an acknowledged event survives a
    /// crash.
    #[default]
    Flush,
    /// Appends are flushed when the caller calls [`Log::flush`] (or by sled in the background
    /// and on drop); a crash may lose the latest batches, but never part of one. The sled
    /// inserts run on a thread of the log's own, beside the caller (a new store's layout), so
    /// an append returns once its record is encoded and queued; every read, and `flush`, waits
    /// for the queue first. An insert that fails there is reported by the next `append` or
    /// `flush`: the batches from it on are not in the log, and every later append fails too.
    Deferred,
}

/// How a [`Log`] is opened.
#[derive(Clone, Debug, Default)]
pub struct LogConfig {
    /// When appended events reach the disk.
    pub durability: Durability,
}

/// The append-only event log of one data directory, held exclusively while open.
pub struct Log {
    // Fields drop in order: the appender finishes its queue, then sled closes (and flushes),
    // then the directory lock is released.
    appender: Option<Appender>,
    events: sled::Tree,
    db: sled::Db,
    /// Held, never read: the lock on `DIR/LOCK` lasts as long as this handle.
    _lock: File,
    dir: PathBuf,
    config: LogConfig,
    layout: Layout,
    next_seq: u64,
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not derived: sled's Debug for a tree prints its contents.
        f.debug_struct("Log")
            .field("dir", &self.dir)
            .field("config", &self.config)
            .field("layout", &self.layout)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl Log {
    /// Opens the log in `dir`, creating the directory and an empty log if missing.
    ///
    /// Refuses a directory in use by another [`Log`], one holding files but no aka store, and a
    /// store of another format.
    pub fn open(dir: &Path, config: LogConfig) -> Result<Log, OpenError> {
        let dir = dir.to_path_buf();
        fs::create_dir_all(&dir).map_err(|source| OpenError::Io { path: dir.clone(), source })?;
        check_layout(&dir)?;
        let lock = lock_dir(&dir)?;
        let db = open_db(&dir)?;
        let events = db.open_tree(EVENTS_TREE).map_err(|source| open_sled_error(&dir, source))?;
        let layout = check_format(&dir, &db, &events)?;
        let last_seq = last_seq_on_open(&dir, &events, layout)?;
        info!(dir = %dir.display(), last_seq, "opened event log");
        // last_seq_on_open refuses u64::MAX, so this cannot overflow.
        let next_seq = last_seq.saturating_add(1);
        let appender = match layout {
            Layout::Batched(codec) if config.durability == Durability::Deferred => {
                Some(Appender::start(events.clone(), next_seq, codec))
            }
            _ => None,
        };
        Ok(Log { appender, events, db, _lock: lock, dir, config, layout, next_seq })
    }

    /// Appends `events` under the next sequence numbers, all or none of them, and returns the
    /// numbers given. An empty slice appends nothing and returns an empty range.
    ///
    /// If the flush of [`Durability::Flush`] fails, the events are already applied and visible
    /// (the numbering moves on) but may not survive a crash.
    pub fn append(&mut self, events: &[Envelope]) -> Result<Range<u64>, AppendError> {
        self.append_record(Record::Borrowed(events))
    }

    /// [`Log::append`] of events of the current schema that the log may keep, each stored as
    /// its [`Envelope::new`] would be: a [`Durability::Deferred`] log encodes them on its append
    /// thread, beside the caller's next work, instead of before it returns.
    pub fn append_owned(&mut self, events: Vec<Event>) -> Result<Range<u64>, AppendError> {
        self.append_record(Record::Owned(events))
    }

    fn append_record(&mut self, record: Record<'_>) -> Result<Range<u64>, AppendError> {
        let events = record.events();
        let first = self.next_seq;
        if events.is_empty() {
            return Ok(first..first);
        }
        let end = u64::try_from(events.len())
            .ok()
            .and_then(|count| first.checked_add(count))
            .ok_or_else(|| AppendError::Exhausted { dir: self.dir.clone() })?;
        if let Some(appender) = &self.appender {
            if let Some(error) = appender.failure() {
                // Nothing after the failed insert reached the log: number on from what did.
                self.next_seq = appender.applied_end();
                return Err(AppendError::Background { dir: self.dir.clone(), message: error });
            }
            appender.queue(first, end, record.into_job(appender.codec));
            self.next_seq = end;
            debug!(dir = %self.dir.display(), first, end, "queued events");
            return Ok(first..end);
        }
        match self.layout {
            // One insert holds the whole call, so a crash leaves all of it or none.
            Layout::Batched(codec) => {
                self.events
                    .insert(first.to_be_bytes(), encode_batch(events, codec))
                    .map_err(|source| self.append_error(source))?;
            }
            Layout::Single => {
                // One sled batch, so that a crash leaves the whole call or none of it.
                let mut batch = sled::Batch::default();
                for (seq, at) in (first..end).zip(0..events.len()) {
                    let mut bytes = Vec::new();
                    events.encode_into(at, &mut bytes);
                    batch.insert(&seq.to_be_bytes()[..], bytes);
                }
                self.events.apply_batch(batch).map_err(|source| self.append_error(source))?;
            }
        }
        self.next_seq = end;
        debug!(dir = %self.dir.display(), first, end, "appended events");
        if self.config.durability == Durability::Flush {
            self.flush()?;
        }
        Ok(first..end)
    }

    /// Writes every appended event to the disk and fsyncs.
    pub fn flush(&self) -> Result<(), AppendError> {
        if let Some(error) = self.settle() {
            return Err(AppendError::Background { dir: self.dir.clone(), message: error });
        }
        self.db.flush().map(drop).map_err(|source| self.append_error(source))
    }

    /// Waits until every queued append reached sled; the failure of one, if any.
    fn settle(&self) -> Option<String> {
        self.appender.as_ref().and_then(Appender::settle)
    }

    /// The sequence number the next appended event gets; 1 on an empty log.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The sequence number of the last event; 0 on an empty log.
    pub fn last_seq(&self) -> u64 {
        // next_seq starts at 1 and only grows.
        self.next_seq.saturating_sub(1)
    }

    /// The event under `seq`, or `None` if there is none.
    pub fn get(&self, seq: u64) -> Result<Option<Envelope>, ReadError> {
        let Some(bytes) = self.get_raw(seq)? else {
            return Ok(None);
        };
        Envelope::decode(&bytes).map(Some).map_err(|source| ReadError::Decode { seq, source })
    }

    /// The stored bytes of the event under `seq` ([`Envelope::encode`]), undecoded.
    pub fn get_raw(&self, seq: u64) -> Result<Option<Vec<u8>>, ReadError> {
        self.settle();
        let sled_error = |source| ReadError::Sled { dir: self.dir.clone(), source };
        match self.layout {
            Layout::Single => Ok(self.events.get(seq.to_be_bytes()).map_err(sled_error)?.map(|b| b.to_vec())),
            Layout::Batched(codec) => {
                let Some(item) = self.events.range(..=seq.to_be_bytes()).next_back() else {
                    return Ok(None);
                };
                let (key, value) = item.map_err(sled_error)?;
                let first = seq_of_key(&key)
                    .ok_or_else(|| ReadError::CorruptKey { dir: self.dir.clone(), key: key.to_vec() })?;
                let plain = unpack(&value, codec).map_err(|source| ReadError::Decode { seq, source })?;
                let lines = frame(&plain).map_err(|source| ReadError::Decode { seq, source })?;
                let index = usize::try_from(seq - first).unwrap_or(usize::MAX);
                Ok(lines.get(index).map(|line| line.to_vec()))
            }
        }
    }

    /// The events from sequence number `from` on, in order. An unreadable event is an `Err`
    /// item; the iteration goes on after it (a record whose framing is damaged is one `Err`
    /// item, under the sequence number of its first event).
    pub fn iter_from(&self, from: u64) -> impl Iterator<Item = Item> + '_ {
        self.settle();
        // The record holding `from` may start before it.
        let start = match self.layout {
            Layout::Single => from,
            Layout::Batched(_) => match self.events.range(..=from.to_be_bytes()).next_back() {
                Some(Ok((key, _))) => seq_of_key(&key).unwrap_or(from),
                _ => from,
            },
        };
        self.events.range(start.to_be_bytes()..).flat_map(move |item| {
            let read = || -> Result<Vec<Item>, ReadError> {
                let (key, value) = item.map_err(|source| ReadError::Sled { dir: self.dir.clone(), source })?;
                let first = seq_of_key(&key)
                    .ok_or_else(|| ReadError::CorruptKey { dir: self.dir.clone(), key: key.to_vec() })?;
                let decode = |seq: u64, bytes: &[u8]| {
                    Envelope::decode(bytes).map(|e| (seq, e)).map_err(|source| ReadError::Decode { seq, source })
                };
                Ok(match self.layout {
                    Layout::Single => vec![decode(first, &value)],
                    Layout::Batched(codec) => {
                        let damaged = |source| ReadError::Decode { seq: first, source };
                        let plain = unpack(&value, codec).map_err(damaged)?;
                        let lines = frame(&plain).map_err(damaged)?;
                        (first..)
                            .zip(lines)
                            .filter(|(seq, _)| *seq >= from)
                            .map(|(seq, line)| decode(seq, line))
                            .collect()
                    }
                })
            };
            read().unwrap_or_else(|error| vec![Err(error)])
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn append_error(&self, source: sled::Error) -> AppendError {
        match source {
            sled::Error::Io(source) => AppendError::Io { path: self.dir.join(DB_DIR), source },
            source => AppendError::Sled { dir: self.dir.clone(), source },
        }
    }
}

/// What [`Log::append`] was given.
enum Record<'e> {
    Borrowed(&'e [Envelope]),
    Owned(Vec<Event>),
}

impl Record<'_> {
    fn events(&self) -> Events<'_> {
        match self {
            Record::Borrowed(envelopes) => Events::Envelopes(envelopes),
            Record::Owned(events) => Events::Current(events),
        }
    }

    /// What the append thread is sent: events it may keep go as they are, to be encoded there.
    fn into_job(self, codec: Codec) -> Job {
        match self {
            Record::Borrowed(envelopes) => Job::Encoded(encode_batch(Events::Envelopes(envelopes), codec)),
            Record::Owned(events) => Job::Events(events),
        }
    }
}

/// The events of a record, to encode: envelopes, or events of the current schema (stored as
/// their envelopes).
#[derive(Clone, Copy)]
enum Events<'e> {
    Envelopes(&'e [Envelope]),
    Current(&'e [Event]),
}

impl Events<'_> {
    fn len(self) -> usize {
        match self {
            Events::Envelopes(envelopes) => envelopes.len(),
            Events::Current(events) => events.len(),
        }
    }

    fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The stored form of the `at`th event, written at the end of `out`.
    fn encode_into(self, at: usize, out: &mut Vec<u8>) {
        match self {
            Events::Envelopes(envelopes) => envelopes[at].encode_into(out),
            Events::Current(events) => Envelope::encode_event_into(&events[at], out),
        }
    }
}

/// One record for the append thread to insert.
enum Job {
    Encoded(Vec<u8>),
    Events(Vec<Event>),
}

impl Job {
    fn into_bytes(self, codec: Codec) -> Vec<u8> {
        match self {
            Job::Encoded(bytes) => bytes,
            Job::Events(events) => encode_batch(Events::Current(&events), codec),
        }
    }
}

/// The thread that makes the sled inserts of a [`Durability::Deferred`] log, in queue order.
struct Appender {
    /// How the log's records are stored.
    codec: Codec,
    jobs: Option<mpsc::SyncSender<(u64, u64, Job)>>,
    progress: Arc<(Mutex<Progress>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the appender has done.
struct Progress {
    /// Records queued and not yet inserted (or skipped after a failure).
    pending: usize,
    /// One past the last sequence number inserted.
    applied_end: u64,
    /// The first insert that failed; every record after it is skipped.
    failure: Option<String>,
}

/// Records queued at most before `append` waits: bounds the memory the queue holds.
const APPEND_QUEUE_MAX: usize = 64;

impl Appender {
    fn start(events: sled::Tree, next_seq: u64, codec: Codec) -> Appender {
        let (jobs, queue) = mpsc::sync_channel::<(u64, u64, Job)>(APPEND_QUEUE_MAX);
        let progress =
            Arc::new((Mutex::new(Progress { pending: 0, applied_end: next_seq, failure: None }), Condvar::new()));
        let shared = Arc::clone(&progress);
        let thread = std::thread::Builder::new()
            .name("aka-log-append".into())
            .spawn(move || {
                for (first, end, record) in queue {
                    let (lock, idle) = &*shared;
                    let failed = lock_progress(lock).failure.is_some();
                    // A panic in sled is a failure like any other: the queue must still drain,
                    // or every read and flush would wait for ever.
                    let insert = || events.insert(first.to_be_bytes(), record.into_bytes(codec)).map(drop);
                    let result = if failed {
                        Ok(())
                    } else {
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(insert))
                            .unwrap_or_else(|_| Err(sled::Error::ReportableBug("the sled insert panicked".into())))
                    };
                    let mut progress = lock_progress(lock);
                    match result {
                        Ok(()) if !failed => progress.applied_end = end,
                        Ok(()) => {}
                        Err(error) => progress.failure = Some(error.to_string()),
                    }
                    progress.pending -= 1;
                    if progress.pending == 0 {
                        idle.notify_all();
                    }
                }
            })
            .expect("the append thread starts");
        Appender { codec, jobs: Some(jobs), progress, thread: Some(thread) }
    }

    fn queue(&self, first: u64, end: u64, record: Job) {
        lock_progress(&self.progress.0).pending += 1;
        if let Some(jobs) = &self.jobs
            && jobs.send((first, end, record)).is_err()
        {
            // The thread is gone (it panicked): nothing more reaches the log.
            let mut progress = lock_progress(&self.progress.0);
            progress.pending -= 1;
            progress.failure.get_or_insert_with(|| "the append thread stopped".to_string());
        }
    }

    fn settle(&self) -> Option<String> {
        let (lock, idle) = &*self.progress;
        let mut progress = lock_progress(lock);
        while progress.pending > 0 {
            progress = idle.wait(progress).unwrap_or_else(PoisonError::into_inner);
        }
        progress.failure.clone()
    }

    fn failure(&self) -> Option<String> {
        lock_progress(&self.progress.0).failure.clone()
    }

    fn applied_end(&self) -> u64 {
        self.settle();
        lock_progress(&self.progress.0).applied_end
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has inserted what was queued.
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The progress, even if a thread panicked while holding it (its fields are whole).
fn lock_progress(lock: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The sequence number a key stands for: 8 bytes big-endian, neither 0 nor `u64::MAX` (which
/// [`Log::append`] never gives, so that `next_seq` always fits).
fn seq_of_key(key: &[u8]) -> Option<u64> {
    let seq = u64::from_be_bytes(<[u8; 8]>::try_from(key).ok()?);
    (seq != 0 && seq != u64::MAX).then_some(seq)
}

/// Refuses a directory that holds files but no aka store, before anything is written to it.
/// An empty directory, or one holding only the lock file and an empty `log/` (left by a crash
/// during creation), is a new store.
fn check_layout(dir: &Path) -> Result<(), OpenError> {
    let db_dir = dir.join(DB_DIR);
    if db_dir.join("conf").is_file() || db_dir.join("db").is_file() {
        return Ok(());
    }
    let mut strangers = entries(dir)?;
    strangers.retain(|name| name != LOCK_FILE && name != DB_DIR && name != crate::snapshot::SNAPSHOT_DIR);
    if db_dir.is_file() {
        strangers.push(format!("{DB_DIR} (a file)"));
    } else if db_dir.is_dir() {
        strangers.extend(entries(&db_dir)?.into_iter().map(|name| format!("{DB_DIR}/{name}")));
    }
    if strangers.is_empty() {
        return Ok(());
    }
    strangers.sort();
    let shown_max = 5;
    let mut found = strangers.iter().take(shown_max).map(String::as_str).collect::<Vec<_>>().join(", ");
    if strangers.len() > shown_max {
        found.push_str(&format!(" and {} more", strangers.len() - shown_max));
    }
    found.push_str(" but no aka event log");
    Err(OpenError::NotAStore { dir: dir.to_path_buf(), found })
}

/// The names in a directory.
fn entries(dir: &Path) -> Result<Vec<String>, OpenError> {
    let io_error = |source| OpenError::Io { path: dir.to_path_buf(), source };
    fs::read_dir(dir)
        .map_err(io_error)?
        .map(|entry| entry.map(|entry| entry.file_name().to_string_lossy().into_owned()).map_err(io_error))
        .collect()
}

/// Takes the exclusive lock on `DIR/LOCK`, so that two logs never write the same directory.
fn lock_dir(dir: &Path) -> Result<File, OpenError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| OpenError::Io { path: path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(OpenError::Locked { dir: dir.to_path_buf() }),
        Err(TryLockError::Error(source)) => Err(OpenError::Io { path, source }),
    }
}

/// How long opening waits for a log of this process that is closing to let go of sled's files.
const CLOSING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens sled's database. The caller holds `DIR/LOCK`, so no other log has the directory; if
/// sled still reports its own lock taken, a log of this process that was just dropped is
/// closing (sled's flusher thread lets go of the files when it next wakes): wait for it.
fn open_db(dir: &Path) -> Result<sled::Db, OpenError> {
    let config = sled::Config::new().path(dir.join(DB_DIR)).cache_capacity(SLED_CACHE_BYTES);
    open_sled_when_free(&config).map_err(|source| open_sled_error(dir, source))
}

/// Opens the sled database of `config`. While sled reports its lock taken, for up to
/// [`CLOSING_WAIT`], it tries again: a log of this process dropped just before lets go of
/// sled's files only when sled's flusher thread next wakes. For whoever opens a log's database
/// (or one of their own) in a process that may have just dropped a log.
pub fn open_sled_when_free(config: &sled::Config) -> sled::Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        match config.open() {
            Err(error) if is_sled_lock(&error) && started.elapsed() < CLOSING_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result,
        }
    }
}

/// Whether sled failed because another holder has its lock.
fn is_sled_lock(error: &sled::Error) -> bool {
    matches!(error, sled::Error::Io(error) if error.to_string().contains("could not acquire lock"))
}

/// sled's own lock error means another process has the database, as the lock file should have
/// told; anything else is sled's.
fn open_sled_error(dir: &Path, source: sled::Error) -> OpenError {
    if is_sled_lock(&source) {
        return OpenError::Locked { dir: dir.to_path_buf() };
    }
    OpenError::Sled { path: dir.join(DB_DIR), source }
}

/// Checks the format marker, writing it (durably, before any event) into a new store, and
/// returns the layout it stands for.
fn check_format(dir: &Path, db: &sled::Db, events: &sled::Tree) -> Result<Layout, OpenError> {
    let sled_error = |source| open_sled_error(dir, source);
    let meta = db.open_tree(META_TREE).map_err(sled_error)?;
    let found = match meta.get(FORMAT_KEY).map_err(sled_error)? {
        Some(marker) if marker == FORMAT_MARKER => return Ok(Layout::Batched(Codec::Lz4)),
        Some(marker) if marker == FORMAT_PLAIN => return Ok(Layout::Batched(Codec::Plain)),
        Some(marker) if marker == FORMAT_SINGLE => return Ok(Layout::Single),
        Some(marker) => String::from_utf8_lossy(&marker).into_owned(),
        None if events.is_empty() => {
            meta.insert(FORMAT_KEY, FORMAT_MARKER).map_err(sled_error)?;
            db.flush().map_err(sled_error)?;
            return Ok(Layout::Batched(Codec::Lz4));
        }
        None => "events but no format marker".to_owned(),
    };
    Err(OpenError::WrongFormat { dir: dir.to_path_buf(), found })
}

/// The last sequence number, after checking that its event can be read: a torn or foreign last
/// event is reported on open rather than on first use.
fn last_seq_on_open(dir: &Path, events: &sled::Tree, layout: Layout) -> Result<u64, OpenError> {
    let last = events.last().map_err(|source| open_sled_error(dir, source))?;
    let Some((key, value)) = last else {
        return Ok(0);
    };
    let first = seq_of_key(&key).ok_or_else(|| OpenError::CorruptKey { dir: dir.to_path_buf(), key: key.to_vec() })?;
    let corrupt = |seq, source| OpenError::Corrupt { dir: dir.to_path_buf(), seq, source };
    let plain;
    let (seq, last_event) = match layout {
        Layout::Single => (first, &value[..]),
        Layout::Batched(codec) => {
            plain = unpack(&value, codec).map_err(|source| corrupt(first, source))?;
            let lines = frame(&plain).map_err(|source| corrupt(first, source))?;
            let count = u64::try_from(lines.len()).unwrap_or(u64::MAX);
            let seq = first.checked_add(count - 1).filter(|seq| *seq != u64::MAX).ok_or_else(|| {
                corrupt(first, DecodeError::Framing(format!("{count} events from {first} overflow the numbering")))
            })?;
            (seq, lines[lines.len() - 1])
        }
    };
    Envelope::decode(last_event).map_err(|source| corrupt(seq, source))?;
    Ok(seq)
}

/// The stored record of a batch of events. Its plain form: the count, a newline, each event
/// and a newline; compressed as the codec says.
fn encode_batch(events: Events<'_>, codec: Codec) -> Vec<u8> {
    let mut plain = format!("{}\n", events.len()).into_bytes();
    for at in 0..events.len() {
        events.encode_into(at, &mut plain);
        plain.push(b'\n');
    }
    match codec {
        Codec::Plain => plain,
        Codec::Lz4 => lz4_flex::block::compress_prepend_size(&plain),
    }
}

/// LZ4 writes at most this many bytes for each byte of a block (a match's length takes a byte
/// per 255 bytes it repeats), so a block claiming more is damaged, and is refused before the
/// claimed size is allocated.
const LZ4_EXPANSION_MAX: usize = 255;

/// The plain form of a stored record.
fn unpack(value: &[u8], codec: Codec) -> Result<Cow<'_, [u8]>, DecodeError> {
    let Codec::Lz4 = codec else {
        return Ok(Cow::Borrowed(value));
    };
    let damaged = |why: String| DecodeError::Framing(format!("the compressed record {why}"));
    let (size, block) = value.split_first_chunk::<4>().ok_or_else(|| damaged("has no length".to_string()))?;
    let size = usize::try_from(u32::from_le_bytes(*size)).unwrap_or(usize::MAX);
    if size > block.len().saturating_mul(LZ4_EXPANSION_MAX) {
        return Err(damaged(format!("claims {size} bytes from a block of {}", block.len())));
    }
    let plain =
        lz4_flex::block::decompress(block, size).map_err(|error| damaged(format!("does not decompress: {error}")))?;
    if plain.len() != size {
        return Err(damaged(format!("claims {size} bytes but holds {}", plain.len())));
    }
    Ok(Cow::Owned(plain))
}

/// The events of a stored record, undecoded; at least one. A count that does not match the
/// events found is a damaged record.
fn frame(value: &[u8]) -> Result<Vec<&[u8]>, DecodeError> {
    let damaged = |why: &str| DecodeError::Framing(why.to_string());
    let newline = value.iter().position(|&b| b == b'\n').ok_or_else(|| damaged("no event count"))?;
    let count: usize = std::str::from_utf8(&value[..newline])
        .ok()
        .and_then(|count| count.parse().ok())
        .filter(|count| *count > 0)
        .ok_or_else(|| damaged("the event count is not a positive number"))?;
    let body = value[newline + 1..].strip_suffix(b"\n").ok_or_else(|| damaged("the last event is cut short"))?;
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    if lines.len() != count {
        return Err(DecodeError::Framing(format!("{count} events announced, {} found", lines.len())));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_big_endian_sequence_numbers_in_log_order() {
        assert_eq!(seq_of_key(&7u64.to_be_bytes()), Some(7));
        assert!(2u64.to_be_bytes() < 256u64.to_be_bytes());
    }

    #[test]
    fn zero_max_and_short_keys_are_not_sequence_numbers() {
        assert_eq!(seq_of_key(&0u64.to_be_bytes()), None);
        assert_eq!(seq_of_key(&u64::MAX.to_be_bytes()), None);
        assert_eq!(seq_of_key(b"format"), None);
    }
}
