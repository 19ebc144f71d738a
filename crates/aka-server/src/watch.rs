//! `aka serve --watch DIR`: .txt and .jsonl files that appear in DIR are ingested through the
//! writer like any request, each file once: a file is taken when its size held still for one
//! look, and recorded in `DATA/watched.jsonl` (name, size, modification time) once its documents
//! are durable, so a restart does not take it again. Documents are idempotent anyway: the same
//! id and text appends nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aka::DocumentInput;
use tracing::{error, info, warn};

use crate::writer::Work;
use crate::{Shared, Unqueued};

const LEDGER: &str = "watched.jsonl";

/// A file as the watcher identifies it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    name: String,
    len: u64,
    modified: u64,
}

/// Watches `folder` every `every` until the server stops.
pub async fn run(shared: Arc<Shared>, folder: PathBuf, every: Duration) {
    let mut stopping = shared.stopping.clone();
    while shared.engine.get().is_none() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let Some(data) = shared
        .engine()
        .ok()
        .map(|e| e.read().unwrap_or_else(std::sync::PoisonError::into_inner).log().dir().to_path_buf())
    else {
        return;
    };
    let ledger_path = data.join(LEDGER);
    let mut done = read_ledger(&ledger_path);
    let mut last_sizes: BTreeMap<String, u64> = BTreeMap::new();
    info!(folder = %folder.display(), "watching for .txt and .jsonl files");
    loop {
        for seen in look(&folder) {
            let stable = last_sizes.insert(seen.name.clone(), seen.len) == Some(seen.len);
            if !stable || done.contains(&seen) {
                continue;
            }
            match ingest(&shared, &folder.join(&seen.name)).await {
                Ok(count) => {
                    info!(file = %seen.name, documents = count, "ingested a watched file");
                }
                // Not recorded: the next start takes it.
                Err(Failure::Stopping) => return,
                Err(Failure::Refused(detail)) => {
                    error!(file = %seen.name, %detail, "a watched file was not (wholly) ingested; it is not retried");
                }
            }
            if let Err(err) = record(&ledger_path, &seen) {
                error!(error = %err, ledger = %ledger_path.display(), "cannot record a watched file");
            }
            done.insert(seen);
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

fn look(folder: &Path) -> Vec<Seen> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        warn!(folder = %folder.display(), "cannot read the watched folder");
        return Vec::new();
    };
    let mut files: Vec<Seen> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let wanted = name.ends_with(".txt") || name.ends_with(".jsonl");
            let meta = entry.metadata().ok().filter(|m| m.is_file() && wanted)?;
            let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            Some(Seen { name, len: meta.len(), modified })
        })
        .collect();
    files.sort();
    files
}

/// Why a watched file was not ingested.
enum Failure {
    /// The server is stopping: the file is left for the next start.
    Stopping,
    /// The file or a document in it was refused: it is recorded, not retried.
    Refused(String),
}

/// Sends the file's documents to the writer, in batches, and waits until they are durable. A
/// `.jsonl` file with a malformed line is refused whole, as a batch through the API would be.
async fn ingest(shared: &Arc<Shared>, path: &Path) -> Result<usize, Failure> {
    let refused = Failure::Refused;
    let text = std::fs::read(path).map_err(|e| refused(format!("cannot read: {e}")))?;
    let text = String::from_utf8(text).map_err(|e| refused(format!("not UTF-8: {e}")))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let documents: Vec<DocumentInput> = if let Some(stem) = name.strip_suffix(".txt") {
        vec![DocumentInput { doc_id: stem.to_string(), text, source: path.display().to_string(), mentions: None }]
    } else {
        let mut documents = Vec::new();
        for (number, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let mut document: DocumentInput =
                serde_json::from_str(line).map_err(|e| refused(format!("line {}: {e}", number + 1)))?;
            if document.source.is_empty() {
                document.source = format!("{}:{}", path.display(), number + 1);
            }
            documents.push(document);
        }
        documents
    };
    let count = documents.len();
    for batch in documents.chunks(shared.limits.batch_documents_max.max(1)) {
        loop {
            let work = Work::Documents(batch.iter().map(|d| (d.clone(), None)).collect());
            match shared.submit(work) {
                Ok(answer) => {
                    answer.await.map_err(|_| Failure::Stopping)?.map_err(|e| refused(e.detail))?;
                    break;
                }
                Err(Unqueued::Full) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(Unqueued::Stopping) => return Err(Failure::Stopping),
            }
        }
    }
    Ok(count)
}

fn read_ledger(path: &Path) -> BTreeSet<Seen> {
    let Ok(text) = std::fs::read_to_string(path) else { return BTreeSet::new() };
    text.lines()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(Seen {
                name: value["name"].as_str()?.to_string(),
                len: value["len"].as_u64()?,
                modified: value["modified"].as_u64()?,
            })
        })
        .collect()
}

fn record(path: &Path, seen: &Seen) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    let line = serde_json::json!({ "name": seen.name, "len": seen.len, "modified": seen.modified });
    writeln!(file, "{line}")?;
    file.sync_all()
}
