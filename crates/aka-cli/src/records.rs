//! `aka ingest --records`: CSV files of records (a header row, one record per row) in, one
//! mention per row. The name is the --name columns joined; the id column gives the mention's
//! id and its document (each record is its own document, so no record's name is read as a
//! short form of another's); every non-empty column but the id, the name columns included, is an
//! attribute, so that the resolver's attribute rules can compare given name and surname apart.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use aka::{BareMention, Engine, IngestError, IngestOutcome, Prepared, Rules, prepare_mentions};
use anyhow::{Context, Result, anyhow, bail};
use tracing::warn;

use crate::ingest::Tally;

/// Which columns of a records file mean what.
#[derive(clap::Args, Clone, Debug)]
pub struct Columns {
    /// With --records: the column that identifies a record (its mention id).
    #[arg(long, value_name = "COLUMN", default_value = "rec_id")]
    pub id_column: String,
    /// With --records: the columns that make up the name, in order, comma-separated
    /// (`given_name,surname`).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub name: Vec<String>,
    /// With --records: the kind of every record's mention.
    #[arg(long, value_name = "KIND", default_value = "PERSON")]
    pub kind: String,
}

/// Records resolved and appended together, in one atomic append: each is still resolved on its
/// own (its own document), in file order.
const RECORDS_PER_APPEND: usize = 256;

/// The records of one CSV file, row by row: [`RecordReader::next_record`].
pub struct RecordReader<'a> {
    file: &'a Path,
    columns: &'a Columns,
    rows: csv::StringRecordsIntoIter<std::fs::File>,
    header: Vec<String>,
    id: usize,
    names: Vec<usize>,
    /// Rows read, the header aside.
    read: usize,
}

/// One row of a records file.
pub enum Row {
    /// A record, with its line.
    Record(usize, BareMention),
    /// A record left out (with a warning naming its line): neither a name nor an attribute the
    /// rules know.
    Skipped,
}

impl<'a> RecordReader<'a> {
    /// Opens `file` and finds the id and name columns in its header.
    pub fn open(file: &'a Path, columns: &'a Columns) -> Result<RecordReader<'a>> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(file)
            .with_context(|| format!("{}: cannot read", file.display()))?;
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("{}: no header row", file.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        let position = |column: &str| -> Result<usize> {
            match header.iter().position(|h| h == column) {
                Some(i) => Ok(i),
                None => bail!("{}: no column {column:?} (the header has: {})", file.display(), header.join(", ")),
            }
        };
        let id = position(&columns.id_column)?;
        let names: Vec<usize> = columns.name.iter().map(|c| position(c)).collect::<Result<_>>()?;
        Ok(RecordReader { file, columns, rows: reader.into_records(), header, id, names, read: 0 })
    }

    /// The next row as a mention, `None` at the end of the file; an error (naming the file and
    /// line) for a malformed row or one without an id. `rules` tell which columns are attributes.
    pub fn next_record(&mut self, rules: &Rules) -> Option<Result<Row>> {
        let row = self.rows.next()?;
        // The header is line 1.
        let line = self.read + 2;
        self.read += 1;
        // Where the row is, for a message: written only when there is one to write.
        let file = self.file;
        let at = || format!("{}:{line}", file.display());
        let row = match row {
            Ok(row) => row,
            Err(error) => return Some(Err(anyhow::Error::new(error).context(format!("{}: not a CSV row", at())))),
        };
        let rec_id = row.get(self.id).unwrap_or_default();
        if rec_id.is_empty() {
            return Some(Err(anyhow!("{}: column {:?} is empty", at(), self.columns.id_column)));
        }
        let name: Vec<&str> = self.names.iter().filter_map(|&i| row.get(i)).filter(|v| !v.is_empty()).collect();
        let attrs: BTreeMap<String, serde_json::Value> = self
            .header
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.id)
            .filter_map(|(i, column)| {
                let value = row.get(i).filter(|v| !v.is_empty())?;
                Some((column.clone(), serde_json::Value::String(value.to_string())))
            })
            .collect();
        // A record without a name is kept when an attribute the rules know can identify it.
        if name.is_empty() && !attrs.keys().any(|column| rules.attribute(column).is_some()) {
            warn!(
                "{}: record {rec_id:?} left out: the name columns ({}) are empty and no other column is an \
                 attribute the rules know",
                at(),
                self.columns.name.join(", ")
            );
            return Some(Ok(Row::Skipped));
        }
        let mention = BareMention {
            doc_id: rec_id.to_string(),
            text: name.join(" "),
            kind: Some(self.columns.kind.clone()),
            roles: Vec::new(),
            attrs,
            mention_id: Some(rec_id.to_string()),
        };
        Some(Ok(Row::Record(line, mention)))
    }
}

/// Ingests one CSV file of records, in atomic appends of [`RECORDS_PER_APPEND`] records,
/// counting into `tally`. A record with neither a name nor an attribute the rules know is left
/// out with a warning naming its line; a malformed row, or one without an id, stops the run
/// after the records before it are ingested.
pub fn ingest(engine: &mut Engine, file: &Path, columns: &Columns, tally: &mut Tally) -> Result<()> {
    // The file is read and parsed on a thread of its own, a few batches ahead of the one that
    // resolves and appends them in file order.
    let rules = Arc::clone(&engine.config().rules);
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<Read>(BATCHES_AHEAD);
        let reader = scope.spawn(move || read(file, columns, &rules, &batches));
        for mut batch in received {
            tally.skipped += batch.skipped;
            append(engine, file, &mut batch.records, std::mem::take(&mut batch.prepared), tally)?;
            if let Some(error) = batch.error {
                return Err(error);
            }
        }
        reader.join().map_err(|_| anyhow!("{}: the thread reading it panicked", file.display()))?
    })
}

/// Batches read ahead of resolution at most.
const BATCHES_AHEAD: usize = 4;

/// A batch of records read: up to [`RECORDS_PER_APPEND`], the rows left out before them, and
/// the error that stopped the reading after them.
struct Read {
    records: Vec<(usize, BareMention)>,
    /// What resolving the records computes of each alone, made here rather than on the
    /// resolving thread.
    prepared: Vec<Prepared>,
    skipped: usize,
    error: Option<anyhow::Error>,
}

impl Read {
    /// No records yet, with room for a batch.
    fn empty() -> Read {
        Read { records: Vec::with_capacity(RECORDS_PER_APPEND), prepared: Vec::new(), skipped: 0, error: None }
    }

    /// The batch with its records prepared, ready to send.
    fn prepared(mut self, rules: &Arc<Rules>) -> Read {
        self.prepared = prepare_mentions(rules, self.records.iter().map(|(_, mention)| mention));
        self
    }
}

/// Reads `file` into batches sent to `batches`, until the end, an error (sent after the
/// records before it), or the receiver hanging up. An error opening the file is returned.
fn read(file: &Path, columns: &Columns, rules: &Arc<Rules>, batches: &std::sync::mpsc::SyncSender<Read>) -> Result<()> {
    let mut reader = RecordReader::open(file, columns)?;
    let mut batch = Read::empty();
    while let Some(row) = reader.next_record(rules) {
        match row {
            Err(error) => {
                batch.error = Some(error);
                break;
            }
            Ok(Row::Skipped) => batch.skipped += 1,
            Ok(Row::Record(line, mention)) => {
                batch.records.push((line, mention));
                // A full batch goes; the appending side hung up if it stopped on an error of its own.
                if batch.records.len() == RECORDS_PER_APPEND
                    && batches.send(std::mem::replace(&mut batch, Read::empty()).prepared(rules)).is_err()
                {
                    return Ok(());
                }
            }
        }
    }
    // The receiver may have hung up: it has its own error to report then.
    let _ = batches.send(batch.prepared(rules));
    Ok(())
}

/// Resolves and appends the pending records in one atomic append. An error names the record's
/// line where the engine names the record.
fn append(
    engine: &mut Engine,
    file: &Path,
    pending: &mut Vec<(usize, BareMention)>,
    prepared: Vec<Prepared>,
    tally: &mut Tally,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let lines: Vec<usize> = pending.iter().map(|(line, _)| *line).collect();
    let batch: Vec<BareMention> = pending.drain(..).map(|(_, mention)| mention).collect();
    let count = batch.len();
    match engine.ingest_prepared_mentions(batch, prepared) {
        Ok(IngestOutcome::Appended { seqs, mentions, .. }) => {
            tally.documents += mentions;
            tally.mentions += mentions;
            tally.unchanged += count - mentions;
            tally.events += seqs.end - seqs.start;
            Ok(())
        }
        Ok(IngestOutcome::Unchanged) => {
            tally.unchanged += count;
            Ok(())
        }
        Err(IngestError::InvalidMention { at, detail }) => {
            let line = lines.get(at).copied().unwrap_or_default();
            bail!(
                "{}:{line}: {detail} (no record of lines {}-{} was ingested)",
                file.display(),
                lines[0],
                lines[count - 1]
            )
        }
        Err(error) => Err(anyhow::Error::new(error).context(format!(
            "{}: records of lines {}-{} (none of them ingested)",
            file.display(),
            lines[0],
            lines[count - 1]
        ))),
    }
}
