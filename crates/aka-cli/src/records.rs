//! `aka ingest --records`: CSV files of records (a header row, one record per row) in, one
//! mention per row. The name is the --name columns joined; the id column gives the mention's
//! id and its document (each record is its own document, so no record's name is read as a
//! short form of another's); every other non-empty column is an attribute.

use std::collections::BTreeMap;
use std::path::Path;

use aka::{BareMention, Engine};
use anyhow::{Context, Result, bail};
use tracing::warn;

use crate::ingest::{Tally, count};

/// Which columns of a records file mean what.
#[derive(clap::Args, Clone, Debug)]
pub struct Columns {
    /// With --records: the column that identifies a record (its mention id).
    #[arg(long, value_name = "COLUMN", default_value = "rec_id")]
    id_column: String,
    /// With --records: the columns that make up the name, in order, comma-separated
    /// (`given_name,surname`).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    name: Vec<String>,
    /// With --records: the kind of every record's mention.
    #[arg(long, value_name = "KIND", default_value = "PERSON")]
    kind: String,
}

/// Ingests one CSV file of records, one atomic append per record, counting into `tally`. A
/// record with no name is left out with a warning naming its line (it has nothing to resolve
/// by yet); a malformed row, or one without an id, stops the run.
pub fn ingest(engine: &mut Engine, file: &Path, columns: &Columns, tally: &mut Tally) -> Result<()> {
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
    for (index, row) in reader.records().enumerate() {
        // The header is line 1.
        let at = format!("{}:{}", file.display(), index + 2);
        let row = row.with_context(|| format!("{at}: not a CSV row"))?;
        let rec_id = row.get(id).unwrap_or_default();
        if rec_id.is_empty() {
            bail!("{at}: column {:?} is empty", columns.id_column);
        }
        let name: Vec<&str> = names.iter().filter_map(|&i| row.get(i)).filter(|v| !v.is_empty()).collect();
        let attrs: BTreeMap<String, serde_json::Value> = header
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != id)
            .filter_map(|(i, column)| {
                let value = row.get(i).filter(|v| !v.is_empty())?;
                Some((column.clone(), serde_json::Value::String(value.to_string())))
            })
            .collect();
        // A record without a name is kept when an attribute the rules know can identify it.
        if name.is_empty() && !attrs.keys().any(|column| engine.rules().attribute(column).is_some()) {
            warn!(
                "{at}: record {rec_id:?} left out: the name columns ({}) are empty and no other column is an \
                 attribute the rules know",
                columns.name.join(", ")
            );
            tally.skipped += 1;
            continue;
        }
        let mention = BareMention {
            doc_id: rec_id.to_string(),
            text: name.join(" "),
            kind: Some(columns.kind.clone()),
            roles: Vec::new(),
            attrs,
            mention_id: Some(rec_id.to_string()),
        };
        let outcome = engine.ingest_mentions(vec![mention]).with_context(|| at.clone())?;
        count(tally, &outcome);
    }
    Ok(())
}
