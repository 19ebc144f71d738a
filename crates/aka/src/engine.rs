//! The engine: the sled log, the state replayed from it, the extractor and the resolver, behind
//! one `&mut self` writer. Every write appends all events of one document atomically; the state
//! is only ever changed by applying the events that were (or are being) appended.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use aka_core::event::content_hash;
use aka_core::judge::Judge;
use aka_core::{CharOffsets, DocRecord, EntityId, Event, Mention, Prepared, Rules, State, Verdict};

use aka_extract::ExtractConfig;
/// A snapshot file: where, which event it covers, its size.
pub use aka_store::snapshot::SnapshotFile as SnapshotInfo;
use aka_store::snapshot::{self, Checked, Expect, Newest};
use aka_store::{Durability, Log, LogConfig};
use tracing::{info, warn};

use crate::error::{IngestError, JudgeError, OpenError, SnapshotError};
use crate::input::{BareMention, DocumentInput, MentionInput, Place};

/// How an engine is set up.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The resolver's rules.
    pub rules: Arc<Rules>,
    /// When appended events reach the disk: after every write, or on [`Engine::flush`].
    pub durability: Durability,
    /// Extractor limits.
    pub extract: ExtractConfig,
    /// Largest document text accepted, in bytes.
    pub document_len_max: usize,
    /// Longest document id accepted, in characters.
    pub doc_id_len_max: usize,
    /// Most mentions accepted in one document or batch.
    pub mentions_per_doc_max: usize,
    /// When snapshots are taken, kept and used.
    pub snapshots: SnapshotPolicy,
}

/// When snapshots of the state are taken, how many are kept, and whether opening uses them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// Take a snapshot once this many events were appended since the last one (0: never on
    /// its own).
    pub every: u64,
    /// Snapshots kept; older ones are deleted after a new one is written (at least 1).
    pub keep: usize,
    /// Take a snapshot on [`Engine::close`] when events were appended since the last one.
    pub on_close: bool,
    /// On close, only when at least this many events came since the last snapshot: a short
    /// tail replays in a moment, while a snapshot of a large state takes seconds to write.
    pub on_close_min: u64,
    /// Open from the newest usable snapshot and replay only the events after it; `false`
    /// replays the whole log.
    pub load: bool,
}

impl Default for SnapshotPolicy {
    fn default() -> SnapshotPolicy {
        SnapshotPolicy { every: 100_000, keep: 2, on_close: true, on_close_min: 0, load: true }
    }
}

/// A snapshot begun by [`Engine::begin_snapshot`]: a copy of the state at a sequence number,
/// to be archived and written by [`PendingSnapshot::write`] on any thread.
#[derive(Debug)]
pub struct PendingSnapshot {
    state: State,
    seq: u64,
    tip: Vec<u8>,
    dir: std::path::PathBuf,
    rules_hash: String,
}

impl PendingSnapshot {
    /// The sequence number it covers.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Archives the state, writes the file (temporary, fsync, rename) and checks it as opening
    /// would, all without the engine.
    pub fn write(self) -> Result<WrittenSnapshot, SnapshotError> {
        let archive = self.state.image().encode();
        drop(self.state);
        let file = snapshot::write(&self.dir, &archive, self.seq, &self.rules_hash, &self.tip)?;
        drop(archive);
        Ok(WrittenSnapshot { checked: snapshot::check(&file.path, &self.rules_hash)? })
    }
}

/// A snapshot written and checked, for [`Engine::adopt_snapshot`].
#[derive(Debug)]
pub struct WrittenSnapshot {
    checked: Checked,
}

/// The state rebuilt on a new snapshot, ready for [`Engine::install`].
#[derive(Debug)]
pub struct Rebased {
    state: State,
    file: SnapshotInfo,
}

/// A snapshot file and whether opening could use it.
#[derive(Debug)]
pub struct SnapshotStatus {
    /// The file.
    pub file: SnapshotInfo,
    /// Why it cannot be used; `None` when it can.
    pub unusable: Option<String>,
}

/// How the engine's state was rebuilt when it opened.
#[derive(Debug, Default)]
pub struct OpenReport {
    /// The snapshot it started from, if any.
    pub snapshot: Option<SnapshotInfo>,
    /// Events replayed from the log after it (all of them without a snapshot).
    pub replayed: u64,
    /// Snapshots found unusable and skipped, each with why.
    pub skipped: Vec<String>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            rules: Arc::new(Rules::default_rules()),
            durability: Durability::Flush,
            extract: ExtractConfig::default(),
            document_len_max: 16 * 1024 * 1024,
            doc_id_len_max: 512,
            mentions_per_doc_max: 100_000,
            snapshots: SnapshotPolicy::default(),
        }
    }
}

/// The mentions extracted from a document's text ahead of its ingest: extraction needs no
/// state, so a server can run it on any thread and leave the single writer only resolution
/// and the append.
#[derive(Clone, Debug)]
pub struct Extracted {
    doc_id: String,
    hash: String,
    rules_hash: String,
    mentions: Vec<Mention>,
}

impl Extracted {
    /// How many mentions were extracted.
    pub fn len(&self) -> usize {
        self.mentions.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.mentions.is_empty()
    }

    /// Extracts the mentions of `input` as an engine with `config` would; `None` when the
    /// document brings its own mentions, or has no text, or text over the limit.
    pub fn new(config: &EngineConfig, input: &DocumentInput) -> Option<Extracted> {
        if input.mentions.is_some() || input.text.trim().is_empty() || input.text.len() > config.document_len_max {
            return None;
        }
        let mentions = aka_extract::extract(&input.doc_id, &input.text, &config.rules, &config.extract);
        if mentions.len() >= config.extract.mentions_per_doc_max {
            warn!(doc_id = %input.doc_id, kept = mentions.len(), "extraction stopped at mentions_per_doc_max");
        }
        Some(Extracted {
            doc_id: input.doc_id.clone(),
            hash: content_hash(input.text.as_bytes()),
            rules_hash: config.rules.hash.clone(),
            mentions,
        })
    }
}

/// What an ingest did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Events were appended.
    Appended {
        /// Their sequence numbers.
        seqs: Range<u64>,
        /// Mentions observed.
        mentions: usize,
        /// Entities the decisions created, linked to or merged, in id order.
        entities: Vec<EntityId>,
    },
    /// The same document (same id, same content) was already there: nothing appended.
    Unchanged,
}

/// The embeddable engine.
pub struct Engine {
    log: Log,
    state: State,
    config: EngineConfig,
    opened: OpenReport,
    /// The sequence number the newest snapshot covers (0: none).
    snapshot_seq: u64,
}

/// What resolving `batch` computes of each of its mentions alone (normalised attributes,
/// blocking keys, name tokens), made under `rules` on the caller's thread, for
/// [`Engine::ingest_prepared_mentions`]: a reader of records makes it for one batch while the
/// engine resolves the one before. Each bare mention is turned into its mention here, and the
/// engine takes that mention rather than making it again. Mentions without an id of their own
/// (theirs depends on the log) are left out.
pub fn prepare_mentions<'a>(rules: &Arc<Rules>, batch: impl IntoIterator<Item = &'a BareMention>) -> Vec<Prepared> {
    let scratch = State::new(Arc::clone(rules));
    batch
        .into_iter()
        .filter(|bare| bare.mention_id.is_some())
        .filter_map(|bare| bare.to_mention(String::new, rules).ok())
        .map(|mention| scratch.prepare_owned(mention))
        .collect()
}

impl Engine {
    /// Opens (creating if needed) the store in `dir` and rebuilds the state: from the newest
    /// usable snapshot and the events after it, or by replaying the whole log.
    pub fn open(dir: &Path, config: EngineConfig) -> Result<Engine, OpenError> {
        // The newest snapshot is mapped and validated while sled opens the log (each takes a
        // similar time on a large store); it is checked against the log once that is open.
        let prefetch = config.snapshots.load.then(|| {
            let (dir, rules_hash) = (dir.to_path_buf(), config.rules.hash.clone());
            std::thread::spawn(move || snapshot::check_newest(&dir, &rules_hash))
        });
        let log = Log::open(dir, LogConfig { durability: config.durability });
        let prefetched = prefetch.map(|thread| thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        let log = log?;
        let (state, opened) = rebuild_from(&log, &config, u64::MAX, prefetched)?;
        let snapshot_seq = opened.snapshot.as_ref().map_or(0, |s| s.seq);
        info!(
            dir = %dir.display(),
            events = state.last_seq(),
            entities = state.entity_count(),
            snapshot = snapshot_seq,
            replayed = opened.replayed,
            "engine open"
        );
        Ok(Engine { log, state, config, opened, snapshot_seq })
    }

    /// How the state was rebuilt when the engine opened.
    pub fn opened(&self) -> &OpenReport {
        &self.opened
    }

    /// Writes a snapshot of the state now (after making the log durable), prunes old ones as the
    /// policy says, and from then on reads the state from the new snapshot's archive, so that
    /// memory holds only what changes after it.
    pub fn snapshot(&mut self) -> Result<SnapshotInfo, SnapshotError> {
        let pending = self.begin_snapshot()?;
        let written = pending.write()?;
        self.adopt_snapshot(written)
    }

    /// The first step of a snapshot taken beside the writer: makes the log durable and copies
    /// the state as it is now. [`PendingSnapshot::write`] then does the long part on any thread
    /// while the engine goes on, and [`Engine::adopt_snapshot`] takes the result in.
    pub fn begin_snapshot(&mut self) -> Result<PendingSnapshot, SnapshotError> {
        let seq = self.log.last_seq();
        if seq == 0 {
            return Err(SnapshotError::EmptyLog);
        }
        self.log.flush()?;
        let tip = self.log.get_raw(seq)?.ok_or(SnapshotError::EmptyLog)?;
        Ok(PendingSnapshot {
            state: self.state.clone(),
            seq,
            tip,
            dir: self.log.dir().to_path_buf(),
            rules_hash: self.config.rules.hash.clone(),
        })
    }

    /// Takes in a snapshot written beside the engine: from now on the state is read from its
    /// archive, plus the events appended since it was begun (replayed from the log), so memory
    /// holds only those; old snapshots are pruned. The same as [`Engine::rebase`] then
    /// [`Engine::install`].
    pub fn adopt_snapshot(&mut self, written: WrittenSnapshot) -> Result<SnapshotInfo, SnapshotError> {
        let rebased = self.rebase(written)?;
        self.install(rebased)
    }

    /// Builds the state that reads from a written snapshot's archive plus the log after it,
    /// without changing the engine (`&self`: a server does it under its read lock, so readers
    /// go on meanwhile).
    pub fn rebase(&self, written: WrittenSnapshot) -> Result<Rebased, SnapshotError> {
        let (base, file) = written.checked.against(&self.log)?;
        let mut state = State::on_base(Arc::clone(&self.config.rules), Arc::new(base));
        for item in self.log.iter_from(file.seq + 1) {
            let (seq, envelope) = item?;
            state.apply(seq, &envelope.event);
        }
        Ok(Rebased { state, file })
    }

    /// Swaps in the state [`Engine::rebase`] built, if no event came since (else it is
    /// caught up from the log first), and prunes old snapshots.
    pub fn install(&mut self, rebased: Rebased) -> Result<SnapshotInfo, SnapshotError> {
        let Rebased { mut state, file } = rebased;
        for item in self.log.iter_from(state.last_seq() + 1) {
            let (seq, envelope) = item?;
            state.apply(seq, &envelope.event);
        }
        self.state = state;
        self.snapshot_seq = file.seq;
        for path in snapshot::prune(self.log.dir(), self.config.snapshots.keep)? {
            info!(path = %path.display(), "old snapshot deleted");
        }
        Ok(file)
    }

    /// The snapshot files, newest first, each checked as opening would check it.
    pub fn snapshots(&self) -> Result<Vec<SnapshotStatus>, SnapshotError> {
        let expect = Expect { rules_hash: &self.config.rules.hash, log: &self.log };
        let files = snapshot::list(self.log.dir())?;
        Ok(files
            .into_iter()
            .map(|file| {
                let unusable = snapshot::load(&file.path, &expect).err().map(|e| e.to_string());
                SnapshotStatus { file, unusable }
            })
            .collect())
    }

    /// Closes the engine cleanly: takes a snapshot if the policy asks for one on close and
    /// events were appended since the last, and makes the log durable.
    pub fn close(mut self) -> Result<(), SnapshotError> {
        self.finish()
    }

    /// [`Engine::close`] for a process that exits right after: the snapshot and the durable
    /// log are those of `close`, and the log is closed (its threads joined, the directory let
    /// go), but the state's memory is left for the operating system to take back with the
    /// process, at once, where freeing a large state piece by piece takes a while (about 5%
    /// of the samples of a Febrl ingest in perf, docs/BENCHMARKS.md). A process that goes on must use
    /// `close`: the state's memory would stay taken.
    pub fn close_at_exit(mut self) -> Result<(), SnapshotError> {
        self.finish()?;
        self.leave_at_exit();
        Ok(())
    }

    /// Ends an engine that wrote nothing, in a process about to exit: the log is closed (the
    /// data directory free again) and the state is not freed piece by piece (the process's
    /// end frees it at once). No snapshot is taken: a command that only read leaves the store
    /// as it found it.
    pub fn leave_at_exit(self) {
        let Engine { log, state, .. } = self;
        drop(log);
        std::mem::forget(state);
    }

    /// What [`Engine::close`] does, for an engine shared behind a lock: a snapshot if the policy
    /// asks for one on close and enough events came since the last, and a durable log. The engine
    /// stays usable.
    pub fn finish(&mut self) -> Result<(), SnapshotError> {
        let tail = self.log.last_seq().saturating_sub(self.snapshot_seq);
        if self.config.snapshots.on_close && tail > 0 && tail >= self.config.snapshots.on_close_min {
            self.snapshot()?;
        }
        self.log.flush()?;
        Ok(())
    }

    /// Takes a snapshot when `every` events were appended since the last. A failure is logged
    /// and left: the events are in the log, and the next attempt comes with the next append.
    fn snapshot_if_due(&mut self) {
        let every = self.config.snapshots.every;
        if every > 0
            && self.log.last_seq().saturating_sub(self.snapshot_seq) >= every
            && let Err(error) = self.snapshot()
        {
            warn!(%error, "periodic snapshot failed");
        }
    }

    /// The derived state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The rules in force.
    pub fn rules(&self) -> &Rules {
        &self.config.rules
    }

    /// Makes every appended event durable.
    pub fn flush(&self) -> Result<(), IngestError> {
        self.log.flush().map_err(IngestError::Append)
    }

    /// Checks a document as [`Engine::ingest_document`] would, without appending anything:
    /// id, text, size, a conflict with a stored document of the same id, and the spans of
    /// mentions given upstream. Lets a caller refuse a whole batch before any of it is appended.
    pub fn check_document(&self, input: &DocumentInput) -> Result<(), IngestError> {
        if self.new_text(input)?.is_none() {
            return Ok(());
        }
        if let Some(given) = &input.mentions {
            self.check_mention_count(&input.doc_id, given.len())?;
            self.given_mentions(&input.doc_id, &input.text, given)?;
        }
        Ok(())
    }

    /// Checks a document's id, text and size, and whether the store holds it already: the hash
    /// of a text to ingest, `None` when the same id and text are stored, a conflict when the
    /// same id is stored with other text.
    fn new_text(&self, input: &DocumentInput) -> Result<Option<String>, IngestError> {
        self.check_doc_id(&input.doc_id)?;
        let doc_id = || input.doc_id.clone();
        if input.text.trim().is_empty() {
            return Err(IngestError::EmptyText { doc_id: doc_id() });
        }
        if input.text.len() > self.config.document_len_max {
            let (len, max) = (input.text.len(), self.config.document_len_max);
            return Err(IngestError::DocumentTooLarge { doc_id: doc_id(), len, max });
        }
        let hash = content_hash(input.text.as_bytes());
        match self.state.doc(&input.doc_id) {
            None => Ok(Some(hash)),
            Some(existing) if existing.content_hash == hash => Ok(None),
            Some(existing) => {
                let existing = existing.content_hash.clone();
                Err(IngestError::ContentConflict { doc_id: doc_id(), existing, new: hash })
            }
        }
    }

    /// The engine's configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The sequence number the newest snapshot covers (0: none yet).
    pub fn snapshot_seq(&self) -> u64 {
        self.snapshot_seq
    }

    /// Ingests a document: extracts its mentions (or takes the given ones), resolves them and
    /// appends every event atomically. The same id with the same text appends nothing; the same
    /// id with other text is refused.
    pub fn ingest_document(&mut self, input: DocumentInput) -> Result<IngestOutcome, IngestError> {
        self.ingest_extracted(input, None)
    }

    /// [`Engine::ingest_document`] with the mentions extracted beforehand (on another thread,
    /// by [`Extracted::new`]): they are used when they were extracted from this very text under
    /// this engine's rules, else the text is extracted again here.
    pub fn ingest_extracted(
        &mut self,
        input: DocumentInput,
        extracted: Option<Extracted>,
    ) -> Result<IngestOutcome, IngestError> {
        let Some(hash) = self.new_text(&input)? else { return Ok(IngestOutcome::Unchanged) };
        let fits = |e: &Extracted| e.hash == hash && e.doc_id == input.doc_id && e.rules_hash == self.config.rules.hash;
        let mentions = match (&input.mentions, extracted) {
            (Some(given), _) => self.given_mentions(&input.doc_id, &input.text, given)?,
            (None, Some(extracted)) if fits(&extracted) => extracted.mentions,
            (None, _) => Extracted::new(&self.config, &input).map(|e| e.mentions).unwrap_or_default(),
        };
        self.check_mention_count(&input.doc_id, mentions.len())?;
        let document = Event::DocumentIngested {
            doc_id: input.doc_id,
            content_hash: hash,
            source: input.source,
            text: input.text,
        };
        self.commit(Some(document), mentions)
    }

    /// Ingests mentions that come without document text, as one atomic batch.
    pub fn ingest_mentions(&mut self, batch: Vec<BareMention>) -> Result<IngestOutcome, IngestError> {
        self.ingest_prepared_mentions(batch, Vec::new())
    }

    /// [`Engine::ingest_mentions`], given what [`prepare_mentions`] made of them where they were
    /// read (on another thread): the engine's thread does not make it again. The outcome, the
    /// events and the state are those of `ingest_mentions`. `prepared` is made of this very
    /// batch: a prepared mention is taken in place of its bare one when it comes in the batch's
    /// order under the engine's rules with the same id, document and text, and is made again
    /// from the bare one otherwise.
    pub fn ingest_prepared_mentions(
        &mut self,
        batch: Vec<BareMention>,
        mut prepared: Vec<Prepared>,
    ) -> Result<IngestOutcome, IngestError> {
        let first = self.log.next_seq();
        let mut mentions = Vec::with_capacity(batch.len());
        // A mention prepared of its input is taken as it is, not made again here (they come in
        // the batch's order, without those that could not be prepared).
        let mut ready = prepared.iter_mut().peekable();
        for (index, bare) in batch.into_iter().enumerate() {
            self.check_doc_id(&bare.doc_id)?;
            let invalid = |detail: String| IngestError::InvalidMention { at: index, detail };
            let text = bare.text.trim();
            // A record may lack a name when its attributes can identify it.
            let identified = bare.attrs.iter().any(|(column, value)| {
                self.config.rules.attribute(column).is_some() && value.as_str().is_none_or(|v| !v.trim().is_empty())
            });
            if text.is_empty() && !identified {
                return Err(invalid("field \"text\" is empty and no attribute the rules know is given".into()));
            }
            let offset = u64::try_from(index).unwrap_or(u64::MAX);
            let rules = &self.config.rules;
            let taken = ready
                .next_if(|p| bare.mention_id.as_deref() == Some(p.mention_id()))
                .and_then(|p| p.take_mention(rules))
                .filter(|m| m.doc_id == bare.doc_id && m.text == text);
            match taken {
                Some(mention) => mentions.push(mention),
                None => {
                    let default_id = || format!("{}:m{}", bare.doc_id, first + offset);
                    mentions.push(bare.to_mention(default_id, rules).map_err(invalid)?);
                }
            }
        }
        self.check_mention_count("(batch)", mentions.len())?;
        let mut fresh = Vec::with_capacity(mentions.len());
        let mut ids: BTreeSet<&str> = BTreeSet::new();
        for (index, mention) in mentions.iter().enumerate() {
            if !ids.insert(&mention.mention_id) {
                return Err(IngestError::InvalidMention {
                    at: index,
                    detail: format!("field \"mention_id\": {:?} is given twice in the batch", mention.mention_id),
                });
            }
        }
        for mention in mentions {
            match self.state.mention(&mention.mention_id) {
                Some(existing) if existing.text == mention.text && existing.doc_id == mention.doc_id => {}
                Some(_) => return Err(IngestError::MentionConflict { mention_id: mention.mention_id }),
                None => fresh.push(mention),
            }
        }
        if fresh.is_empty() {
            return Ok(IngestOutcome::Unchanged);
        }
        if !prepared.is_empty() {
            // Only what is resolved now: the keys remembered are taken when a mention is linked.
            let fresh_ids: BTreeSet<&str> = fresh.iter().map(|m| m.mention_id.as_str()).collect();
            for made in prepared {
                if fresh_ids.contains(made.mention_id()) {
                    self.state.remember(made);
                }
            }
        }
        self.commit(None, fresh)
    }

    fn given_mentions(&self, doc_id: &str, text: &str, given: &[MentionInput]) -> Result<Vec<Mention>, IngestError> {
        let offsets = CharOffsets::new(text);
        let mut ids: BTreeSet<String> = BTreeSet::new();
        let mut mentions = Vec::with_capacity(given.len());
        for (index, input) in given.iter().enumerate() {
            let invalid = |detail: String| IngestError::InvalidMention { at: index, detail };
            let Some(span) = offsets.byte_range(input.start, input.end) else {
                return Err(invalid(format!(
                    "fields \"start\"/\"end\" = {}/{} are not a span of the text ({} characters)",
                    input.start,
                    input.end,
                    offsets.chars()
                )));
            };
            let mention_id =
                input.mention_id.clone().unwrap_or_else(|| Mention::default_id(doc_id, input.start, input.end));
            if self.state.mention(&mention_id).is_some() || !ids.insert(mention_id.clone()) {
                return Err(invalid(format!("field \"mention_id\": {mention_id:?} is already used")));
            }
            let place = Place {
                mention_id,
                doc_id: doc_id.to_string(),
                start: input.start,
                end: input.end,
                text: text[span].to_string(),
            };
            mentions.push(input.upstream().mention(place, &self.config.rules).map_err(invalid)?);
        }
        aka_extract::annotate(text, &mut mentions, &self.config.rules);
        Ok(mentions)
    }

    fn check_doc_id(&self, doc_id: &str) -> Result<(), IngestError> {
        let problem = if doc_id.trim().is_empty() {
            Some("is empty".to_string())
        } else if doc_id.chars().count() > self.config.doc_id_len_max {
            Some(format!("is longer than {} characters", self.config.doc_id_len_max))
        } else if doc_id.chars().any(char::is_control) {
            Some("contains control characters".to_string())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(IngestError::InvalidDocId { doc_id: doc_id.chars().take(80).collect(), problem }),
            None => Ok(()),
        }
    }

    fn check_mention_count(&self, doc_id: &str, count: usize) -> Result<(), IngestError> {
        let max = self.config.mentions_per_doc_max;
        if count > max {
            return Err(IngestError::TooManyMentions { doc_id: doc_id.to_string(), count, max });
        }
        Ok(())
    }

    /// Resolves and appends one atomic batch. The state is updated as the batch is planned; if
    /// the append fails, the state is rebuilt from the log so that it never holds an event the
    /// log does not.
    fn commit(&mut self, document: Option<Event>, mentions: Vec<Mention>) -> Result<IngestOutcome, IngestError> {
        let first = self.log.next_seq();
        let count = mentions.len();
        let events = aka_core::resolver::ingest(&mut self.state, first, document, mentions);
        // Before the append, which may take the events as they are to encode on the log's own
        // thread (no envelope is made for each: that copied them all into new memory).
        let entities = touched(&self.state, &events);
        match self.log.append_owned(events) {
            Ok(seqs) => {
                self.snapshot_if_due();
                Ok(IngestOutcome::Appended { seqs, mentions: count, entities })
            }
            Err(err) => {
                warn!(error = %err, "append failed; rebuilding state from the log");
                self.state =
                    rebuild(&self.log, &self.config, u64::MAX).map_err(|e| IngestError::Rebuild(Box::new(e)))?.0;
                Err(IngestError::Append(err))
            }
        }
    }

    /// Records a judgement on two entities ("same" merges them and keeps them merged;
    /// "different" splits them if merged and keeps them apart) with the events it causes, in one
    /// atomic append. Returns the judgement's id and the sequence numbers.
    pub fn judge(
        &mut self,
        verdict: Verdict,
        a: EntityId,
        b: EntityId,
        who: &Judge,
    ) -> Result<(String, Range<u64>), JudgeError> {
        let events = aka_core::judge::judge(&self.state, verdict, a, b, who)?;
        let id = self.state.next_judgement_id();
        Ok((id, self.append_decided(events)?))
    }

    /// Withdraws a judgement, with the split or merge that undoes what it did.
    pub fn retract(&mut self, judgement: &str, who: &Judge) -> Result<Range<u64>, JudgeError> {
        let events = aka_core::judge::retract(&self.state, judgement, who)?;
        self.append_decided(events)
    }

    /// Applies decided events to the state and appends them atomically; rebuilds the state from
    /// the log if the append fails.
    fn append_decided(&mut self, events: Vec<Event>) -> Result<Range<u64>, JudgeError> {
        let first = self.log.next_seq();
        for (seq, event) in (first..).zip(&events) {
            self.state.apply(seq, event);
        }
        match self.log.append_owned(events) {
            Ok(seqs) => {
                self.snapshot_if_due();
                Ok(seqs)
            }
            Err(err) => {
                warn!(error = %err, "append failed; rebuilding state from the log");
                self.state =
                    rebuild(&self.log, &self.config, u64::MAX).map_err(|e| JudgeError::Rebuild(Box::new(e)))?.0;
                Err(JudgeError::Append(err))
            }
        }
    }

    /// The state as it was after event `seq`: from the newest usable snapshot at or before it
    /// (when the policy uses snapshots) and the events after that, else replayed from the start.
    pub fn state_as_of(&self, seq: u64) -> Result<State, OpenError> {
        Ok(rebuild(&self.log, &self.config, seq)?.0)
    }

    /// A document's text, read from its `DocumentIngested` event in the log (the state keeps
    /// only where that event is).
    pub fn doc_text(&self, doc: &DocRecord) -> Result<Option<String>, aka_store::ReadError> {
        Ok(self.log.get(doc.seq)?.and_then(|envelope| match envelope.event {
            Event::DocumentIngested { text, .. } => Some(text),
            _ => None,
        }))
    }

    /// Finds entities by id (`E12`), by exact name or alias, or by a name they contain; in id order.
    pub fn find(&self, query: &str) -> Vec<EntityId> {
        crate::query::find(&self.state, query)
    }

    /// The events that built an entity, in log order, with their sequence numbers.
    pub fn explain(&self, id: EntityId) -> Result<Vec<(u64, Event)>, aka_store::ReadError> {
        let Some(entity) = self.state.entity(id) else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity(entity.history.len());
        for &seq in &entity.history {
            if let Some(envelope) = self.log.get(seq)? {
                out.push((seq, envelope.event));
            }
        }
        Ok(out)
    }
}

/// The state after event `until`: the newest usable snapshot at or before it (if the policy
/// loads snapshots) plus the events after it, else the whole log replayed. Unusable snapshots
/// are skipped with a warning each; an unreadable snapshot folder means a full replay.
fn rebuild(log: &Log, config: &EngineConfig, until: u64) -> Result<(State, OpenReport), OpenError> {
    rebuild_from(log, config, until, None)
}

/// [`rebuild`], given what a check of the snapshots made before the log opened found, if one
/// was made.
fn rebuild_from(
    log: &Log,
    config: &EngineConfig,
    until: u64,
    prefetched: Option<Result<Newest<Checked>, aka_store::SnapshotError>>,
) -> Result<(State, OpenReport), OpenError> {
    let rules = &config.rules;
    let mut report = OpenReport::default();
    let mut state = State::new(Arc::clone(rules));
    if config.snapshots.load
        && let Some((base, file)) = newest_snapshot(log, &rules.hash, until, prefetched, &mut report.skipped)
    {
        state = State::on_base(Arc::clone(rules), Arc::new(base));
        report.snapshot = Some(file);
    }
    for item in log.iter_from(state.last_seq() + 1) {
        let (seq, envelope) = item?;
        if seq > until {
            break;
        }
        state.apply(seq, &envelope.event);
        report.replayed += 1;
    }
    Ok((state, report))
}

/// The newest usable snapshot at or before `until`. What an early check found (before the log
/// was open) is used if it fits the log; else the older snapshots are loaded and checked with the
/// log at hand. Every snapshot found unusable is added to `skipped`, and warned about.
fn newest_snapshot(
    log: &Log,
    rules_hash: &str,
    until: u64,
    prefetched: Option<Result<Newest<Checked>, aka_store::SnapshotError>>,
    skipped: &mut Vec<String>,
) -> Option<(aka_core::Base, SnapshotInfo)> {
    let mut search_until = until;
    match prefetched {
        Some(Ok(newest)) => {
            skipped.extend(newest.skipped.iter().map(|s| s.error.to_string()));
            // None passed the check: an older one would not either.
            let checked = newest.found?;
            let seq = checked.file().seq;
            if seq <= until {
                match checked.against(log) {
                    Ok(found) => return Some(found),
                    Err(error) => {
                        warn!(%error, "snapshot skipped");
                        skipped.push(error.to_string());
                    }
                }
            }
            search_until = until.min(seq.saturating_sub(1));
        }
        Some(Err(error)) => {
            warn!(%error, "snapshots unreadable before the log opened; looking again");
        }
        None => {}
    }
    let expect = Expect { rules_hash, log };
    match snapshot::load_newest(log.dir(), search_until, &expect) {
        Ok(newest) => {
            skipped.extend(newest.skipped.iter().map(|s| s.error.to_string()));
            newest.found
        }
        Err(error) => {
            warn!(%error, "snapshots unreadable; replaying the whole log");
            skipped.push(error.to_string());
            None
        }
    }
}

fn touched(state: &State, events: &[Event]) -> Vec<EntityId> {
    let mut ids: Vec<EntityId> = events
        .iter()
        .filter_map(|event| match event {
            Event::EntityCreated { entity, .. } | Event::MentionLinked { entity, .. } => Some(*entity),
            Event::EntitiesMerged { survivor, .. } => Some(*survivor),
            _ => None,
        })
        .map(|id| state.resolve(id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
