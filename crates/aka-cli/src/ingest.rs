//! `aka ingest`: files and directories in, one atomic append per document, a summary out.
//! Documents are read, parsed and their mentions extracted on `--threads` worker threads; the
//! main thread resolves and appends them strictly in input order (a bounded reordering
//! pipeline), so the log is the same whatever the number of threads.
//! The first bad input (missing file, invalid UTF-8, malformed JSON line, refused document)
//! stops the run with an error naming the file and line; what came before it stays ingested.

use std::collections::{BTreeMap, VecDeque};
use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, mpsc};
use std::time::Instant;

use aka::{BareMention, DocumentInput, Engine, Extracted, IngestOutcome};
use anyhow::{Context, Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `aka ingest`.
#[derive(clap::Args)]
pub struct IngestArgs {
    /// Files or directories: .txt (one document, id = file stem) and .jsonl (one document per line).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Read .jsonl files as bare mentions {"doc_id","text"[,"kind","roles","attrs","mention_id"]}.
    #[arg(long, conflicts_with = "records")]
    mentions: bool,
    /// Read the paths as CSV files of records (a header row, then one record per row): each
    /// row becomes one mention, its name from --name, its id from --id-column, every other
    /// non-empty column an attribute.
    #[arg(long, requires = "name")]
    records: bool,
    #[command(flatten)]
    columns: crate::records::Columns,
    /// Threads that read documents and extract their mentions (default: the number of CPUs).
    /// Resolution and appends stay on one thread, in input order, so the store's content does
    /// not depend on it. (--records: one thread reads each file, a few batches ahead.)
    #[arg(long, env = "AKA_THREADS", value_name = "N")]
    threads: Option<NonZeroUsize>,
}

#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) documents: usize,
    pub(crate) unchanged: usize,
    pub(crate) mentions: usize,
    pub(crate) events: u64,
    /// Records left out (no name).
    pub(crate) skipped: usize,
}

/// Runs `aka ingest`.
pub fn run(engine: &mut Engine, args: &IngestArgs) -> Result<()> {
    let started = Instant::now();
    let files = collect(&args.paths, args.records)?;
    // File sizes are read once, for the progress bar's total and its steps.
    let sizes: Vec<u64> = files.iter().map(|f| f.metadata().map(|m| m.len()).unwrap_or(0)).collect();
    let progress = progress_bar(sizes.iter().sum());
    let mut tally = Tally::default();
    let threads = args
        .threads
        .map_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get), NonZeroUsize::get);
    let result = if args.records {
        files.iter().zip(&sizes).try_for_each(|(file, size)| {
            let outcome = crate::records::ingest(engine, file, &args.columns, &mut tally);
            progress.inc(*size);
            outcome
        })
    } else {
        let jobs = Jobs::new(&files, &sizes);
        if threads == 1 {
            in_turn(engine, jobs, args.mentions, &progress, &mut tally)
        } else {
            pipeline(engine, jobs, threads, args.mentions, &progress, &mut tally)
        }
    };
    progress.finish_and_clear();
    // Whatever was appended before an error is made durable and reported, then the error.
    engine.flush().context("flushing the log")?;
    let state = engine.state();
    eprintln!(
        "ingested {} document{} ({} already present), {} mention{}, {} event{} appended; {} entities in {}; {:.2}s",
        tally.documents,
        if tally.documents == 1 { "" } else { "s" },
        tally.unchanged,
        tally.mentions,
        if tally.mentions == 1 { "" } else { "s" },
        tally.events,
        if tally.events == 1 { "" } else { "s" },
        state.entity_count(),
        engine.log().dir().display(),
        started.elapsed().as_secs_f64()
    );
    if tally.skipped > 0 {
        eprintln!(
            "{} record{} left out for want of a name (warnings above)",
            tally.skipped,
            if tally.skipped == 1 { "" } else { "s" }
        );
    }
    result
}

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() || total < 1_000_000 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} eta {eta}") {
        bar.set_style(style);
    }
    bar
}

/// Expands directories (recursively, sorted) into their .txt and .jsonl files; a named file
/// that does not exist is an error, as is a named file of another type.
fn collect(paths: &[PathBuf], records: bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files, records)?;
        } else if is_input(path, records) {
            files.push(path.clone());
        } else if records {
            bail!("{}: not a .csv file (--records reads CSV files)", path.display());
        } else {
            bail!("{}: not a .txt or .jsonl file", path.display());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, records: bool) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list directory", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}: cannot list directory", dir.display()))?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, files, records)?;
        } else if is_input(&entry, records) {
            files.push(entry);
        }
    }
    Ok(())
}

fn is_input(path: &Path, records: bool) -> bool {
    let extension = path.extension().and_then(|e| e.to_str());
    if records { extension == Some("csv") } else { matches!(extension, Some("txt" | "jsonl")) }
}

/// One unit of work, in input order: a .txt file, one line of a .jsonl file (the file read
/// whole by the main thread when it gets there, as before), or a .jsonl file that could not be
/// read.
enum Job<'a> {
    Text(&'a Path),
    Line { file: &'a Path, number: usize, bytes: Arc<Vec<u8>>, span: Range<usize> },
    Unreadable(anyhow::Error),
}

/// The jobs of a run in input order, each with its step of the progress bar (a .txt file's
/// size; a line's bytes and its newline, so that a .jsonl file's steps add up to its size).
struct Jobs<'a> {
    files: std::iter::Zip<std::slice::Iter<'a, PathBuf>, std::slice::Iter<'a, u64>>,
    /// The .jsonl file being split into lines: it, its bytes, the next line's number and where
    /// that line starts (`None` once its last line was handed out).
    lines: Option<(&'a Path, Arc<Vec<u8>>, usize, usize)>,
}

impl<'a> Jobs<'a> {
    fn new(files: &'a [PathBuf], sizes: &'a [u64]) -> Jobs<'a> {
        Jobs { files: files.iter().zip(sizes), lines: None }
    }
}

impl<'a> Iterator for Jobs<'a> {
    type Item = (Job<'a>, u64);

    fn next(&mut self) -> Option<(Job<'a>, u64)> {
        if let Some((file, bytes, number, start)) = self.lines.take() {
            // The lines of `bytes.split(|b| *b == b'\n')`: always one more than the newlines.
            let (end, after) = match bytes[start..].iter().position(|b| *b == b'\n') {
                Some(at) => (start + at, Some(start + at + 1)),
                None => (bytes.len(), None),
            };
            let step = u64::try_from(after.unwrap_or(end) - start).unwrap_or(u64::MAX);
            let job = Job::Line { file, number, bytes: Arc::clone(&bytes), span: start..end };
            self.lines = after.map(|after| (file, bytes, number + 1, after));
            return Some((job, step));
        }
        let (file, size) = self.files.next()?;
        if file.extension().is_some_and(|e| e == "jsonl") {
            match std::fs::read(file) {
                Ok(bytes) => {
                    self.lines = Some((file, Arc::new(bytes), 1, 0));
                    self.next()
                }
                Err(err) => {
                    let err = anyhow::Error::new(err).context(format!("{}: cannot read", file.display()));
                    Some((Job::Unreadable(err), *size))
                }
            }
        } else {
            Some((Job::Text(file), *size))
        }
    }
}

/// A job made ready for resolution: read, parsed, its mentions extracted (when a worker
/// thread did that), with where it came from for an error message.
enum Prepared {
    /// A blank line.
    Blank,
    Document {
        input: DocumentInput,
        extracted: Option<Extracted>,
        at: String,
    },
    Mention {
        mention: BareMention,
        at: String,
    },
}

/// Reads and parses a job; `extract` gives a document's mentions ahead of its resolution, or
/// `None` to leave the extraction to the engine. Needs no engine: it runs on any thread.
fn prepare(job: Job<'_>, bare: bool, extract: &dyn Fn(&DocumentInput) -> Option<Extracted>) -> Result<Prepared> {
    match job {
        Job::Unreadable(err) => Err(err),
        Job::Text(file) => {
            let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
            let text = String::from_utf8(bytes)
                .map_err(|e| anyhow!("{}: invalid UTF-8 at byte {}", file.display(), e.utf8_error().valid_up_to()))?;
            let doc_id = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            let input = DocumentInput { doc_id, text, source: file.display().to_string(), mentions: None };
            let extracted = extract(&input);
            Ok(Prepared::Document { input, extracted, at: file.display().to_string() })
        }
        Job::Line { file, number, bytes, span } => {
            let at = format!("{}:{number}", file.display());
            let line = std::str::from_utf8(&bytes[span])
                .map_err(|e| anyhow!("{at}: invalid UTF-8 at byte {} of the line", e.valid_up_to()))?;
            if line.trim().is_empty() {
                return Ok(Prepared::Blank);
            }
            if bare {
                let mention: BareMention =
                    serde_json::from_str(line).with_context(|| format!("{at}: not a mention"))?;
                return Ok(Prepared::Mention { mention, at });
            }
            let mut input: DocumentInput =
                serde_json::from_str(line).with_context(|| format!("{at}: not a document"))?;
            if input.source.is_empty() {
                input.source.clone_from(&at);
            }
            let extracted = extract(&input);
            Ok(Prepared::Document { input, extracted, at })
        }
    }
}

/// Resolves and appends one prepared job (all checks on the store's content happen here, in
/// input order: the same id and text again is unchanged, other text is refused).
fn apply(engine: &mut Engine, prepared: Prepared, tally: &mut Tally) -> Result<()> {
    let outcome = match prepared {
        Prepared::Blank => return Ok(()),
        Prepared::Document { input, extracted, at } => engine.ingest_extracted(input, extracted).with_context(|| at)?,
        Prepared::Mention { mention, at } => engine.ingest_mentions(vec![mention]).with_context(|| at)?,
    };
    count(tally, &outcome);
    Ok(())
}

/// `--threads 1`: each job read, extracted, resolved and appended before the next.
fn in_turn(engine: &mut Engine, jobs: Jobs<'_>, bare: bool, progress: &ProgressBar, tally: &mut Tally) -> Result<()> {
    for (job, step) in jobs {
        let outcome = prepare(job, bare, &|_| None).and_then(|prepared| apply(engine, prepared, tally));
        progress.inc(step);
        outcome?;
    }
    Ok(())
}

/// What a worker sends back: the job's index and its result (or the panic it caused, to be
/// resumed when its turn comes).
type Done = (usize, std::thread::Result<Result<Prepared>>);

/// Jobs in flight (sent to the workers, not yet applied) per worker: how far reading and
/// extraction may run ahead of resolution.
const AHEAD_PER_THREAD: usize = 4;

/// More than one thread: `threads` workers read, parse and extract jobs in any order; this
/// thread resolves and appends them strictly in input order, holding results that come early
/// until their turn. At most `threads * AHEAD_PER_THREAD` jobs are in flight. The first job
/// that fails stops the run there: nothing after it is applied, and the workers stop.
fn pipeline(
    engine: &mut Engine,
    jobs: Jobs<'_>,
    threads: usize,
    bare: bool,
    progress: &ProgressBar,
    tally: &mut Tally,
) -> Result<()> {
    let config = engine.config().clone();
    let engine = RwLock::new(engine);
    let stop = AtomicBool::new(false);
    // A document whose id the store holds already needs no extraction: it is either unchanged
    // or refused, whatever comes before it (documents are never removed). The engine is only
    // looked at when this thread is not resolving; else the worker extracts anyway.
    let extract = |input: &DocumentInput| {
        let known = engine.try_read().is_ok_and(|engine| engine.state().doc(&input.doc_id).is_some());
        if known { None } else { Extracted::new(&config, input) }
    };
    let (job_sender, job_receiver) = mpsc::channel::<(usize, Job<'_>)>();
    let (done_sender, done) = mpsc::channel::<Done>();
    let job_receiver = Mutex::new(job_receiver);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (done_sender, job_receiver, stop, extract) = (done_sender.clone(), &job_receiver, &stop, &extract);
            scope.spawn(move || {
                loop {
                    let next = job_receiver.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((index, job)) = next else { return };
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let prepared = std::panic::catch_unwind(AssertUnwindSafe(|| prepare(job, bare, extract)));
                    if done_sender.send((index, prepared)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_sender);
        let outcome = in_order(&engine, jobs, threads * AHEAD_PER_THREAD, &job_sender, &done, progress, tally);
        // The workers finish the job at hand, take no other, and are joined by the scope.
        stop.store(true, Ordering::Relaxed);
        drop(job_sender);
        outcome
    })
}

/// The main thread's side of [`pipeline`]: keeps up to `ahead` jobs in flight and applies
/// their results in input order.
fn in_order<'a>(
    engine: &RwLock<&mut Engine>,
    jobs: Jobs<'a>,
    ahead: usize,
    sender: &mpsc::Sender<(usize, Job<'a>)>,
    done: &mpsc::Receiver<Done>,
    progress: &ProgressBar,
    tally: &mut Tally,
) -> Result<()> {
    let stopped = || anyhow!("the ingest worker threads stopped");
    let mut jobs = jobs.enumerate();
    // The progress steps of the jobs in flight, in input order; the first is the next to apply.
    let mut steps: VecDeque<u64> = VecDeque::with_capacity(ahead);
    let mut early: BTreeMap<usize, std::thread::Result<Result<Prepared>>> = BTreeMap::new();
    let mut next = 0;
    loop {
        while steps.len() < ahead
            && let Some((index, (job, step))) = jobs.next()
        {
            sender.send((index, job)).map_err(|_| stopped())?;
            steps.push_back(step);
        }
        let Some(step) = steps.pop_front() else { return Ok(()) };
        let result = match early.remove(&next) {
            Some(result) => result,
            None => loop {
                let (index, result) = done.recv().map_err(|_| stopped())?;
                if index == next {
                    break result;
                }
                early.insert(index, result);
            },
        };
        let prepared = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let outcome = prepared.and_then(|prepared| {
            let mut engine = engine.write().unwrap_or_else(PoisonError::into_inner);
            apply(&mut engine, prepared, tally)
        });
        progress.inc(step);
        outcome?;
        next += 1;
    }
}

pub(crate) fn count(tally: &mut Tally, outcome: &IngestOutcome) {
    match outcome {
        IngestOutcome::Appended { seqs, mentions, .. } => {
            tally.documents += 1;
            tally.mentions += mentions;
            tally.events += seqs.end - seqs.start;
        }
        IngestOutcome::Unchanged => tally.unchanged += 1,
    }
}
