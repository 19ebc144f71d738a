//! The one writer: a thread that takes write jobs from a bounded queue, applies them to the
//! engine in arrival order, and makes each group of jobs durable with one flush before it
//! answers any of them (group commit). A 2xx therefore always means "flushed to disk".

use std::sync::{Arc, RwLock};
use std::time::Instant;

use aka::{BareMention, DocumentInput, Engine, EntityId, Extracted, IngestOutcome, Judge, Verdict};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{error, warn};

use crate::error::{ApiError, ingest_error, judge_error};
use crate::metrics::Metrics;

/// What a write asks for.
#[derive(Debug)]
pub enum Work {
    /// Documents, each appended atomically, with their mentions if extracted already; the
    /// batch is checked whole first.
    Documents(Vec<(DocumentInput, Option<Extracted>)>),
    /// Bare mentions, one atomic batch.
    Mentions(Vec<BareMention>),
    /// A judgement on two entities.
    Judge {
        /// Same or different.
        verdict: Verdict,
        /// One entity.
        a: EntityId,
        /// The other.
        b: EntityId,
        /// Who, when, why.
        who: Judge,
    },
    /// The withdrawal of a judgement.
    Retract {
        /// The judgement's id.
        judgement: String,
        /// Who, when, why.
        who: Judge,
    },
}

/// What a document's ingest did, as the API reports it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DocumentResult {
    /// The document (or `null` for a batch of bare mentions).
    pub doc_id: Option<String>,
    /// `appended`, or `unchanged` when the same id and text were there already.
    pub status: &'static str,
    /// First and one-past-last sequence number of its events (empty when unchanged).
    pub seqs: [u64; 2],
    /// Mentions observed.
    pub mentions: usize,
    /// Entities created, linked to or merged, by id.
    pub entities: Vec<String>,
}

/// What a write did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Done {
    /// Per document (or one entry for a mention batch).
    Ingested {
        /// One entry per document, in request order.
        results: Vec<DocumentResult>,
    },
    /// A judgement recorded or withdrawn.
    Judged {
        /// The judgement's id.
        judgement: String,
        /// First and one-past-last sequence number of its events.
        seqs: [u64; 2],
    },
}

/// A job in the queue: the work, where to answer, and when it arrived.
#[derive(Debug)]
pub struct Job {
    /// What to do.
    pub work: Work,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Result<Done, ApiError>>,
    /// When the request was queued, for the latency metric.
    pub queued: Instant,
}

/// Runs the writer until the queue is closed and drained: the last group is flushed and
/// answered before it returns.
pub fn run(
    engine: &Arc<RwLock<Engine>>,
    mut queue: mpsc::Receiver<Job>,
    durable: &watch::Sender<u64>,
    metrics: &Metrics,
    group_max: usize,
    snapshot_every: u64,
) {
    let mut snapshots = Snapshots { every: snapshot_every, pending: None };
    while let Some(first) = queue.blocking_recv() {
        snapshots.adopt_if_written(engine);
        let mut group = vec![first];
        while group.len() < group_max.max(1) {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        metrics.queue_depth.store(queue.len(), std::sync::atomic::Ordering::Relaxed);
        let mut answers = Vec::with_capacity(group.len());
        for job in group {
            // One job at a time under the lock, so readers get in between.
            let result = {
                let mut engine = engine.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                apply(&mut engine, job.work, metrics)
            };
            answers.push((job.reply, job.queued, result));
        }
        let flushed = {
            let engine = engine.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            engine.flush().map(|()| engine.log().last_seq())
        };
        match flushed {
            Ok(last) => {
                durable.send_replace(last);
            }
            Err(ref err) => error!(error = %err, "flush failed; the group's writes are answered with 500"),
        }
        metrics.flushes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for (reply, queued, result) in answers {
            let result = match (&flushed, result) {
                (Err(err), Ok(_)) => Err(ApiError::internal(format!("appended but not flushed to disk: {err}"))),
                (_, result) => result,
            };
            metrics.observe_write(queued.elapsed(), result.is_ok());
            if reply.send(result).is_err() {
                warn!("a client left before its write was answered (the write stands)");
            }
        }
        snapshots.begin_if_due(engine);
    }
    snapshots.adopt(engine);
}

/// Periodic snapshots, taken beside the writer: the state is copied under the write lock (the
/// only moment writes wait), archived and written on a thread of its own, then rebuilt on the
/// new archive under the read lock and swapped in. Taking them inside the writer stalled every
/// write for the whole snapshot (most of a second on a store of a few hundred thousand events).
struct Snapshots {
    every: u64,
    pending: Option<std::thread::JoinHandle<Result<aka::WrittenSnapshot, aka::SnapshotError>>>,
}

impl Snapshots {
    fn begin_if_due(&mut self, engine: &Arc<RwLock<Engine>>) {
        if self.every == 0 || self.pending.is_some() {
            return;
        }
        let due = {
            let engine = engine.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            engine.log().last_seq().saturating_sub(engine.snapshot_seq()) >= self.every
        };
        if !due {
            return;
        }
        let begun = engine.write().unwrap_or_else(std::sync::PoisonError::into_inner).begin_snapshot();
        match begun {
            Ok(pending) => self.pending = Some(std::thread::spawn(move || pending.write())),
            Err(err) => warn!(error = %err, "periodic snapshot not begun"),
        }
    }

    fn adopt_if_written(&mut self, engine: &Arc<RwLock<Engine>>) {
        if self.pending.as_ref().is_some_and(std::thread::JoinHandle::is_finished) {
            self.adopt(engine);
        }
    }

    /// Waits for a snapshot being written (if any), and takes it in.
    fn adopt(&mut self, engine: &Arc<RwLock<Engine>>) {
        let Some(thread) = self.pending.take() else { return };
        let written = match thread.join() {
            Ok(Ok(written)) => written,
            Ok(Err(err)) => return warn!(error = %err, "periodic snapshot failed; the log holds everything"),
            Err(_) => return error!("the snapshot thread panicked; the log holds everything"),
        };
        let rebased = engine.read().unwrap_or_else(std::sync::PoisonError::into_inner).rebase(written);
        let installed =
            rebased.and_then(|r| engine.write().unwrap_or_else(std::sync::PoisonError::into_inner).install(r));
        match installed {
            Ok(file) => tracing::info!(seq = file.seq, path = %file.path.display(), "periodic snapshot taken"),
            Err(err) => warn!(error = %err, "periodic snapshot not taken in; the log holds everything"),
        }
    }
}

fn apply(engine: &mut Engine, work: Work, metrics: &Metrics) -> Result<Done, ApiError> {
    match work {
        Work::Documents(documents) => {
            let count = documents.len();
            // Every text is extracted before anything is appended, so that a document with too
            // many mentions refuses the whole batch, not only itself.
            let config = engine.config().clone();
            let documents: Vec<(DocumentInput, Option<Extracted>)> = documents
                .into_iter()
                .map(|(document, extracted)| {
                    let extracted = extracted.or_else(|| Extracted::new(&config, &document));
                    (document, extracted)
                })
                .collect();
            let mut seen: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
            for (index, (document, extracted)) in documents.iter().enumerate() {
                engine.check_document(document).map_err(|e| before(index, count, ingest_error(&e)))?;
                if let Some(extracted) = extracted.as_ref().filter(|e| e.len() > config.mentions_per_doc_max) {
                    let error = aka::IngestError::TooManyMentions {
                        doc_id: document.doc_id.clone(),
                        count: extracted.len(),
                        max: config.mentions_per_doc_max,
                    };
                    return Err(before(index, count, ingest_error(&error)));
                }
                if seen.insert(&document.doc_id, &document.text).is_some_and(|text| text != document.text) {
                    let detail = format!("doc_id {:?} comes twice with different text", document.doc_id);
                    return Err(before(
                        index,
                        count,
                        ApiError::new(axum::http::StatusCode::CONFLICT, "conflict", detail),
                    ));
                }
            }
            let mut results = Vec::with_capacity(count);
            for (index, (document, extracted)) in documents.into_iter().enumerate() {
                let doc_id = document.doc_id.clone();
                let outcome = engine.ingest_extracted(document, extracted).map_err(|e| {
                    let mut error = ingest_error(&e);
                    if count > 1 {
                        let detail = &error.detail;
                        error.detail =
                            format!("document {index} of the batch: {detail}; the {index} before it were appended");
                    }
                    error
                })?;
                results.push(result(Some(doc_id), outcome, metrics));
            }
            Ok(Done::Ingested { results })
        }
        Work::Mentions(mentions) => {
            let outcome = engine.ingest_mentions(mentions).map_err(|e| ingest_error(&e))?;
            Ok(Done::Ingested { results: vec![result(None, outcome, metrics)] })
        }
        Work::Judge { verdict, a, b, who } => {
            let (judgement, seqs) = engine.judge(verdict, a, b, &who).map_err(|e| judge_error(&e))?;
            Ok(Done::Judged { judgement, seqs: [seqs.start, seqs.end] })
        }
        Work::Retract { judgement, who } => {
            let seqs = engine.retract(&judgement, &who).map_err(|e| judge_error(&e))?;
            Ok(Done::Judged { judgement, seqs: [seqs.start, seqs.end] })
        }
    }
}

/// Names the document of a batch a refusal is about, found before anything was appended.
fn before(index: usize, count: usize, mut error: ApiError) -> ApiError {
    if count > 1 {
        error.detail = format!("document {index} of the batch: {}; nothing of the batch was appended", error.detail);
    }
    error
}

fn result(doc_id: Option<String>, outcome: IngestOutcome, metrics: &Metrics) -> DocumentResult {
    match outcome {
        IngestOutcome::Appended { seqs, mentions, entities } => {
            metrics.count_ingest(doc_id.is_some(), mentions);
            DocumentResult {
                doc_id,
                status: "appended",
                seqs: [seqs.start, seqs.end],
                mentions,
                entities: entities.iter().map(ToString::to_string).collect(),
            }
        }
        IngestOutcome::Unchanged => {
            DocumentResult { doc_id, status: "unchanged", seqs: [0, 0], mentions: 0, entities: Vec::new() }
        }
    }
}
