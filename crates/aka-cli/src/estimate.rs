//! `aka estimate`: Fellegi-Sunter weights for records with attributes, estimated from the records
//! themselves (see `aka_core::estimate`), printed as a complete rules file for `aka --rules`.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Instant;

use aka::Rules;
use anyhow::{Context, Result, anyhow, bail};
use tracing::warn;

use crate::records::{Columns, RecordReader, Row};

/// `aka estimate` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Example:\n  aka estimate --records people.csv --name given_name,surname --output rules.toml\n  \
                             aka --rules rules.toml ingest --records people.csv --name given_name,surname"
)]
pub struct EstimateArgs {
    /// CSV files of records (a header row, one record per row), read as `aka ingest --records`
    /// reads them: every non-empty column but the id is an attribute.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    records: Vec<PathBuf>,
    #[command(flatten)]
    columns: Columns,
    /// Write the rules to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Threads that compare record pairs (default: the number of CPUs, at most 8). The rules
    /// written do not depend on it.
    #[arg(long, env = "AKA_THREADS", value_name = "N")]
    threads: Option<NonZeroUsize>,
}

/// Reads the records, estimates the weights and writes `base` (the text of the rules in force)
/// with them; a summary line goes to standard error.
pub fn run(rules: &Rules, base: &str, args: &EstimateArgs) -> Result<()> {
    let started = Instant::now();
    let mut mentions = Vec::new();
    for file in &args.records {
        let mut reader = RecordReader::open(file, &args.columns)?;
        while let Some(row) = reader.next_record(rules) {
            let Row::Record(line, bare) = row? else { continue };
            let mention = bare.into_mention(str::to_string, rules);
            mentions.push(mention.map_err(|e| anyhow!("{}:{line}: {e}", file.display()))?);
        }
    }
    let files = args.records.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    if mentions.len() < 2 {
        bail!("{files}: {} record(s) read; estimating weights needs records to compare", mentions.len());
    }
    let threads = args
        .threads
        .map_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get), NonZeroUsize::get);
    let estimate = aka_core::estimate::estimate(rules, &mentions, threads);
    if estimate.candidate_pairs == 0 {
        bail!(
            "{files}: no two of the {} records share {} blocking keys (the attributes `block = true` in the rules, \
             and the names): there is nothing to train the weights on",
            estimate.records,
            rules.records.shared_keys_min
        );
    }
    if estimate.lambda < 1e-6 {
        warn!(
            "no candidate pair looks like two records of one person (λ = {:.1e}): the estimated link_min {:.2} \
             links almost nothing; check the name columns, or keep the default rules",
            estimate.lambda, estimate.link_min
        );
    }
    let text = estimate.to_toml(base).context("the base rules (--rules)")?;
    match &args.output {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("{}: cannot write", path.display()))?,
        None => print!("{text}"),
    }
    eprintln!(
        "aka estimate: {} records, {} candidate pairs, λ = {:.4} (random pairs: {:.2e}), {} iterations{}, link_min \
         {:.2}, {:.2} s",
        estimate.records,
        estimate.candidate_pairs,
        estimate.lambda,
        estimate.prior,
        estimate.iterations,
        if estimate.converged { "" } else { " (not converged)" },
        estimate.link_min,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
