//! `aka ingest`: files and directories in, one atomic append per document, a summary out.
//! The first bad input (missing file, invalid UTF-8, malformed JSON line, refused document)
//! stops the run with an error naming the file and line; what came before it stays ingested.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use aka::{BareMention, DocumentInput, Engine, IngestOutcome};
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
    let result = files.iter().zip(&sizes).try_for_each(|(file, size)| {
        let outcome = if args.records {
            crate::records::ingest(engine, file, &args.columns, &mut tally)
        } else {
            ingest_file(engine, file, args.mentions, &mut tally)
        };
        progress.inc(*size);
        outcome
    });
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

fn ingest_file(engine: &mut Engine, file: &Path, bare: bool, tally: &mut Tally) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let is_jsonl = file.extension().is_some_and(|e| e == "jsonl");
    if !is_jsonl {
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow!("{}: invalid UTF-8 at byte {}", file.display(), e.utf8_error().valid_up_to()))?;
        let doc_id = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let input = DocumentInput { doc_id, text, source: file.display().to_string(), mentions: None };
        let outcome = engine.ingest_document(input).with_context(|| format!("{}", file.display()))?;
        count(tally, &outcome);
        return Ok(());
    }
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let at = format!("{}:{}", file.display(), index + 1);
        let line = std::str::from_utf8(line)
            .map_err(|e| anyhow!("{at}: invalid UTF-8 at byte {} of the line", e.valid_up_to()))?;
        if line.trim().is_empty() {
            continue;
        }
        let outcome = if bare {
            let mention: BareMention = serde_json::from_str(line).with_context(|| format!("{at}: not a mention"))?;
            engine.ingest_mentions(vec![mention]).with_context(|| at.clone())?
        } else {
            let mut input: DocumentInput =
                serde_json::from_str(line).with_context(|| format!("{at}: not a document"))?;
            if input.source.is_empty() {
                input.source = at.clone();
            }
            engine.ingest_document(input).with_context(|| at.clone())?
        };
        count(tally, &outcome);
    }
    Ok(())
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
