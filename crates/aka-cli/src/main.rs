//! The `aka` binary: a thin clap shell over the `aka` engine.

mod audit;
mod estimate;
mod history;
mod ingest;
mod judge;
mod output;
mod records;
mod serve;
mod snapshot;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use aka::{Engine, EngineConfig, Rules};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

/// The allocator of the `aka` binary (ARCHITECTURE.md says why, under `aka-cli`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// aka: event-sourced entity resolution for news text and records.
///
/// Every document and mention is an event in an append-only log under --data; a resolver merges
/// mentions into entities and records each decision (rule, score, evidence) as an event too.
#[derive(Parser)]
#[command(name = "aka", version, about, long_about)]
struct Cli {
    /// The data directory holding the log.
    #[arg(long, global = true, env = "AKA_DATA", default_value = "aka-data")]
    data: PathBuf,
    /// Resolver rules (TOML) to use instead of the compiled-in defaults; every decision records
    /// the file's SHA-256. `aka rules` prints the defaults to start from.
    #[arg(long, global = true, env = "AKA_RULES")]
    rules: Option<PathBuf>,
    /// Take a snapshot of the state after this many new events, and at the end of a command
    /// that wrote at least half as many since the last snapshot (0: only by `aka snapshot` and
    /// at the end of every command that writes; `aka serve` always leaves one when it stops).
    #[arg(long, global = true, env = "AKA_SNAPSHOT_EVERY", value_name = "EVENTS", default_value_t = 100_000)]
    snapshot_every: u64,
    /// Snapshots to keep; older ones are deleted when a new one is written.
    #[arg(long, global = true, env = "AKA_SNAPSHOT_KEEP", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..))]
    snapshot_keep: u64,
    /// Ignore snapshots: rebuild the state by replaying the whole log, and write none.
    #[arg(long, global = true)]
    replay: bool,
    /// Log lines (standard error) as text or as JSON objects.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the engine as a long-running HTTP/JSON service (see /v1/openapi.json): writes are
    /// durable when answered, reads go on while it ingests; SIGTERM or SIGINT stops it cleanly.
    Serve(serve::ServeArgs),
    /// Ingest .txt files (one document each, id = file stem), .jsonl files of documents
    /// {"doc_id","text"[,"mentions"]}, or directories of both.
    Ingest(ingest::IngestArgs),
    /// List the entities: id, kind, name, mention count, aliases and roles.
    Entities {
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        /// The entities as they were after event SEQ (see `aka log`).
        #[arg(long, value_name = "SEQ")]
        as_of: Option<u64>,
    },
    /// Show one entity (by name or id such as E12): aliases, roles, and each mention in its sentence.
    Show {
        /// A name, alias or entity id.
        entity: String,
        /// The entity as it was after event SEQ (see `aka log`).
        #[arg(long, value_name = "SEQ")]
        as_of: Option<u64>,
    },
    /// Every event that changed an entity (created, mention linked, merged), with rule, score and
    /// evidence; an id merged away resolves to its survivor, and says so.
    History {
        /// A name, alias or entity id.
        entity: String,
        /// JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Which entities were created, merged or grew between two points of the log.
    Diff {
        /// The earlier point: the state after event SEQ (0 for the empty store).
        #[arg(long, value_name = "SEQ")]
        from: u64,
        /// The later point: the state after event SEQ (default: the end of the log).
        #[arg(long, value_name = "SEQ")]
        to: Option<u64>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Re-resolve the recorded observations under the rules given with --rules (default: the
    /// compiled-in ones), without touching the log, and report the entities that would differ.
    Audit {
        /// Gold entities (JSON lines {"mention_id", "entity"} or {"doc_id","start","end","entity"})
        /// to score both partitions against.
        #[arg(long, value_name = "FILE")]
        gold: Option<PathBuf>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The decisions that built an entity, in log order: sequence number, rule, score, evidence.
    Explain {
        /// A name, alias or entity id.
        entity: String,
    },
    /// Print the raw events of the log.
    Log {
        /// First sequence number.
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Most events to print.
        #[arg(long)]
        limit: Option<usize>,
        /// JSON lines of {"seq", "schema", "event"}.
        #[arg(long)]
        json: bool,
    },
    /// Record a person's judgement: two entities are the same (merge them and keep them merged) or
    /// different (split them if merged, and never merge them); or withdraw one.
    Judge {
        #[command(subcommand)]
        what: judge::JudgeWhat,
    },
    /// Print the compiled-in default rules (TOML), to copy and edit for --rules.
    Rules,
    /// Estimate the weights of record attributes from CSV records (Fellegi-Sunter m and u
    /// probabilities by expectation-maximisation, as Splink does) and print the rules in force
    /// (--rules, or the defaults) with them: a rules file for `aka --rules FILE ingest --records`.
    /// Reads no data directory.
    Estimate(estimate::EstimateArgs),
    /// Write a snapshot of the state now (the rkyv archive that later opens read instead of
    /// replaying the log), or list the snapshots and whether each is usable.
    Snapshot {
        /// List the snapshots instead: event covered, size, and usable or why not.
        #[arg(long)]
        list: bool,
    },
    /// Export data as JSON lines.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// One line per mention: {"mention_id","doc_id","start","end","text","kind","entity"}.
    Mentions,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings (a snapshot skipped, say) show by default; AKA_LOG=info shows more.
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::WARN.into())
        .with_env_var("AKA_LOG")
        .from_env_lossy();
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("aka: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    if matches!(cli.command, Command::Rules) {
        print!("{}", aka::DEFAULT_RULES_TOML);
        return Ok(());
    }
    let (rules, text) = match &cli.rules {
        None => (Rules::default_rules(), None),
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{}: cannot read rules", path.display()))?;
            (Rules::from_toml(&text).with_context(|| format!("{}", path.display()))?, Some(text))
        }
    };
    if let Command::Estimate(args) = &cli.command {
        return estimate::run(&rules, text.as_deref().unwrap_or(aka::DEFAULT_RULES_TOML), args);
    }
    if let Command::Serve(args) = &cli.command {
        return serve::run(&cli.data, rules, snapshot_policy(&cli), args);
    }
    let reads_only = !matches!(cli.command, Command::Ingest(_));
    if reads_only && !cli.data.exists() {
        bail!("no aka store at {} (ingest something first, or pass --data / set AKA_DATA)", cli.data.display());
    }
    let config = EngineConfig {
        durability: aka::Durability::Deferred,
        rules: Arc::new(rules),
        snapshots: snapshot_policy(&cli),
        ..EngineConfig::default()
    };
    let mut engine =
        Engine::open(&cli.data, config).with_context(|| format!("opening data directory {}", cli.data.display()))?;
    let read = match cli.command {
        Command::Ingest(args) => {
            ingest::run(&mut engine, &args)?;
            return close(engine);
        }
        Command::Judge { what } => {
            judge::run(&mut engine, what)?;
            return close(engine);
        }
        Command::Entities { json, as_of } => history::entities(&engine, json, as_of),
        Command::Show { entity, as_of } => history::show(&engine, &entity, as_of),
        Command::History { entity, json } => history::history(&engine, &entity, json),
        Command::Diff { from, to, json } => history::diff(&engine, from, to, json),
        Command::Audit { gold, json } => audit::audit(&engine, gold.as_deref(), json),
        Command::Explain { entity } => output::explain(&engine, history::pick_in(engine.state(), &entity)?),
        Command::Log { from, limit, json } => output::log(&engine, from, limit, json),
        Command::Export { what: ExportWhat::Mentions } => output::export_mentions(&engine),
        Command::Snapshot { list: false } => snapshot::take(&mut engine),
        Command::Snapshot { list: true } => snapshot::list(&engine),
        Command::Rules | Command::Serve(_) | Command::Estimate(_) => Ok(()),
    };
    // Nothing was appended to the log: it closes, and the state goes with the process.
    engine.leave_at_exit();
    read
}

fn snapshot_policy(cli: &Cli) -> aka::SnapshotPolicy {
    aka::SnapshotPolicy {
        every: if cli.replay { 0 } else { cli.snapshot_every },
        keep: usize::try_from(cli.snapshot_keep).unwrap_or(usize::MAX),
        on_close: !cli.replay,
        // A command that wrote a short tail leaves no snapshot: reopening replays it in a
        // moment, and rewriting the snapshot of a large store would cost seconds.
        on_close_min: cli.snapshot_every / 2,
        load: !cli.replay,
    }
}

/// Ends a command that wrote: a snapshot if events came since the last, and a durable log. The
/// process exits after it, so the state is not freed piece by piece.
fn close(engine: Engine) -> Result<()> {
    engine.close_at_exit().context("closing the store (the events are in the log; only the snapshot failed)")
}
