//! Ingest at scale (issue 6): durable ingest throughput of pre-extracted mentions, how the cost
//! of a mention changes as the history grows, resident memory per entity and per mention, and
//! the storage limit (sled alone appending the same bytes under the same keys) in the same run.
//!
//! `cargo bench -p aka --bench scale -- [MENTIONS...] [--runs=N] [--keep] [--seed=N]` (default
//! 10000; one run, five from 1M on; the sizes are 10000 100000 1000000, and 10000000
//! if there is time and memory: resident memory grows about linearly, about 1 KB per mention at
//! 1M and 0.75 KB at 10M when this was written). Prints one Markdown table, rows at 0 (the first window), 10k, 100k, 1M, 10M on the
//! way and each size asked for (in bold), then the fingerprints, the populations and the targets.
//!
//! `--runs=N` ingests the same stream N times, each into a new store, and checks that every run
//! gives the same entities at every checkpoint (the resolver is deterministic). A neighbour on a
//! shared machine only ever adds time, and a window of 10,000 mentions lasts about a tenth of a
//! second, so one burst of someone else's work can fill a whole window: the cost of a mention in
//! each window is the least of the runs' (the least of their medians, the least CPU times), the
//! ingest and storage-limit figures are the fastest run's (its ingest beside its own storage
//! limit), memory is the first run's, and each run's own targets line is printed too.
//!
//! `--sample=DOCUMENTS` prints the first documents of the stream instead.
//!
//! `--quality` also scores the entities at each checkpoint against the generator's truth (the
//! generated entity each mention was made from; two people with one name are two): pairwise
//! precision, recall and F1 over the mentions so far, with the entities each side has. The
//! truth is kept for it (4 bytes a mention more in the bench's own memory), and the scoring
//! reads the whole log at each checkpoint (the mentions' ids, in the order generated), just
//! before the next window is timed: a `--quality` run's costs and memory are not the figures
//! to quote.
//!
//! Data: `scale_gen.rs`, a stream of realistic bare mentions made from a seed (people with shared
//! surnames, initials, titles, honorifics, transliteration variants and typos; organisations with
//! acronyms; places; documents of 5-50 mentions), whose world grows with the stream. The stream
//! depends on the seed alone, and a stream of N mentions is a prefix of every longer one.
//!
//! One run, not one store per size: the stream is ingested once into a fresh store up to the
//! largest size plus one window, and every size is a checkpoint of that run. Because the stream is
//! prefix-stable, the first N mentions of the long run are exactly the workload of size N, on
//! the same path from an empty store, so the figures at N are those a run of size N would give,
//! without ingesting the smaller sizes again. At each checkpoint (and at 10k, 100k, 1M, 10M on the
//! way) the bench records documents, events, entities, resident memory (/proc/self/status) and
//! the log's size on disk; the cost of a mention at a history of H mentions is measured over the
//! `WINDOW` mentions right after H (the window at 0 is the first 10k): the median of its groups'
//! wall time per mention, and its CPU time per mention, of every thread (from /proc/self/stat,
//! in 10 ms ticks) and of the ingest thread alone (from /proc/thread-self/schedstat, in
//! nanoseconds).
//!
//! Ingest: one `Engine::ingest_mentions` call per document (snapshots off, durability deferred),
//! and `Engine::flush` (fsync) after every group of documents that reaches `FLUSH_EVERY`
//! mentions, as the server's group commit does; groups also end at every multiple of 10,000
//! mentions, so that checkpoints and windows fall on flushed boundaries. Times are those of the
//! engine calls and flushes only: the generator runs between groups, untimed. Beside the wall
//! time, CPU time over the same calls is recorded: the process's (every thread: the ingest
//! thread, the log's append thread and sled's) and the ingest thread's, where resolution runs.
//! CPU time moves less than wall time on a shared machine.
//!
//! Storage limit: after the engine is dropped, the raw pairs of the log's sled tree `events` are
//! read back and written, same keys, same bytes, into a fresh sled database configured as the
//! log's (its page cache size), one `Batch` per
//! document and one flush per group exactly as the engine did; only the writes and flushes are
//! timed. Which keys belong to which document comes from the sequence numbers the engine gave
//! each document (keys are big-endian sequence numbers in log order); nothing depends on how
//! events are encoded or how many a key holds.

#[path = "../tests/common/rng.rs"]
mod rng;
#[path = "scale_gen.rs"]
mod scale_gen;
#[path = "support.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aka::{Durability, Engine, EngineConfig, IngestOutcome, SnapshotPolicy};
use scale_gen::{BOUNDARY, Generator, Population, Truth};

/// The allocator the `aka` binary uses, so that the figures are those of `aka ingest`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED: u64 = 0x616b_615f_7363_616c;
const SIZES_DEFAULT: &[u64] = &[10_000];
/// History sizes measured on the way whenever the run reaches them.
const STANDARD_POINTS: &[u64] = &[10_000, 100_000, 1_000_000, 10_000_000];
/// Mentions in a cost window; checkpoints fall on multiples of it.
const WINDOW: u64 = BOUNDARY;
/// A group of documents is flushed once it holds this many mentions.
const FLUSH_EVERY: u64 = 1_000;
/// The log's sled tree, as crates/aka-store/src/log.rs names it.
const EVENTS_TREE: &str = "events";
const LOG_DIR: &str = "log";

const TARGET_SIZE: u64 = 1_000_000;
/// Runs when the targets' size is asked for and `--runs` is not given: a run to 1M takes about
/// five seconds, and with five the least of them is more often one no neighbour slowed (the
/// window at 1M, bound by memory, is slowed most by a neighbour's use of the shared cache).
const RUNS_AT_TARGET: usize = 5;
const COST_RATIO_MAX: f64 = 1.5;
const RATE_MIN: f64 = 50_000.0;
const LIMIT_SHARE_MIN: f64 = 1.0 / 3.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; every argument that is not a number is a flag.
    let keep = args.iter().any(|a| a == "--keep");
    let quality = args.iter().any(|a| a == "--quality");
    let runs: Option<usize> = args.iter().find_map(|a| a.strip_prefix("--runs=")).map(|s| s.parse().expect("--runs=N"));
    let seed = args.iter().find_map(|a| a.strip_prefix("--seed=")).map_or(SEED, |s| s.parse().expect("--seed=N"));
    if let Some(n) = args.iter().find_map(|a| a.strip_prefix("--sample=")) {
        sample(seed, n.parse().expect("--sample=DOCUMENTS"));
        return;
    }
    let mut sizes: Vec<u64> = args.iter().filter_map(|a| a.replace('_', "").parse().ok()).collect();
    if sizes.is_empty() {
        sizes = SIZES_DEFAULT.to_vec();
    }
    let sizes: BTreeSet<u64> = sizes
        .into_iter()
        .filter(|&n| n > 0)
        .map(|n| {
            let rounded = n.div_ceil(WINDOW) * WINDOW;
            if rounded != n {
                eprintln!("scale bench: {n} mentions rounded up to {rounded} (a multiple of {WINDOW})");
            }
            rounded
        })
        .collect();
    let largest = *sizes.last().expect("a size");
    let runs = runs.unwrap_or(if largest >= TARGET_SIZE { RUNS_AT_TARGET } else { 1 }).max(1);
    let mut points: BTreeSet<u64> = STANDARD_POINTS.iter().copied().filter(|&p| p <= largest).collect();
    points.extend(&sizes);
    points.insert(0);

    let callgrind = callgrind_hooks();
    let scratch_root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let mut measured: Vec<(Run, Limit)> = Vec::new();
    for r in 1..=runs {
        if runs > 1 {
            eprintln!("scale bench: run {r} of {runs}");
        }
        let scratch = tempfile::Builder::new().prefix("aka-scale-bench-").tempdir_in(&scratch_root).expect("a dir");
        let data = scratch.path().join("data");
        let run = ingest(&data, seed, largest + WINDOW, &points, Hooks { callgrind, quality });
        if callgrind {
            // Under callgrind the storage limit would take many minutes and its figures mean
            // nothing; the scratch directory goes as the run ends.
            eprintln!("scale bench: AKA_SCALE_CALLGRIND is set: the windows are profiled, nothing else is measured");
            return;
        }
        let limit = storage_limit(&data.join(LOG_DIR), &scratch.path().join("limit"), &run);
        if let Some((first, _)) = measured.first() {
            for (h, p) in &run.points {
                let q = &first.points[h];
                assert_eq!(
                    (p.documents, p.events, p.entities, p.fingerprint),
                    (q.documents, q.events, q.entities, q.fingerprint),
                    "run {r} differs from run 1 at {h} mentions: the resolver must be deterministic"
                );
            }
        }
        if keep {
            eprintln!("scale bench: kept {}", scratch.keep().display());
        }
        measured.push((run, limit));
    }
    if runs > 1 {
        for (r, (run, limit)) in measured.iter().enumerate() {
            print!("Run {} of {runs}: ", r + 1);
            print_targets(&sizes, run, limit);
        }
        println!();
    }
    let (run, limit) = least(measured);
    print_report(seed, runs, &sizes, &run, &limit);
}

/// Several runs' figures as one: the cost of a mention in each window is the least of the runs'
/// (the groups of the run whose median is least, and the least CPU times); ingest and
/// storage-limit seconds and their ratio are the fastest run's, each beside the storage limit
/// measured in the same run; the checkpoints (the same in every run) are the first run's, with
/// its memory: a later run starts in a process that held the earlier ones, and its allocator
/// keeps some of what they freed.
fn least(mut measured: Vec<(Run, Limit)>) -> (Run, Limit) {
    let total = |run: &Run| run.window_s.iter().sum::<f64>();
    let fastest = (0..measured.len()).min_by(|&a, &b| total(&measured[a].0).total_cmp(&total(&measured[b].0)));
    let fastest = fastest.expect("one run at least");
    let mut group_us = measured[fastest].0.group_us.clone();
    let (mut cpu_ns, mut thread_ns) =
        (measured[fastest].0.window_cpu_ns.clone(), measured[fastest].0.window_thread_ns.clone());
    for (other, _) in &measured {
        for w in 0..group_us.len() {
            if median(&other.group_us[w]) < median(&group_us[w]) {
                group_us[w].clone_from(&other.group_us[w]);
            }
            cpu_ns[w] = cpu_ns[w].min(other.window_cpu_ns[w]);
            thread_ns[w] = thread_ns[w].min(other.window_thread_ns[w]);
        }
    }
    let points = std::mem::take(&mut measured[0].0.points);
    let (mut run, limit) = measured.into_iter().nth(fastest).expect("the fastest run");
    (run.group_us, run.window_cpu_ns, run.window_thread_ns, run.points) = (group_us, cpu_ns, thread_ns, points);
    (run, limit)
}

/// The median of some figures (NaN for none).
fn median(figures: &[f64]) -> f64 {
    let mut sorted = figures.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

/// `--sample=N`: prints the first N documents of the stream (text, kind, roles) and how many
/// entities the generator made, for a look at the data; ingests nothing.
fn sample(seed: u64, documents: usize) {
    let mut generator = Generator::new(seed);
    for _ in 0..documents {
        for m in generator.document() {
            let roles: Vec<String> = m.roles.iter().map(|r| format!("{r:?}")).collect();
            println!("{}\t{}\t{}\t{}", m.doc_id, m.kind.unwrap_or_default(), m.text, roles.join(" "));
        }
    }
    let p = generator.population();
    println!("{} mentions: {} persons, {} organisations, {} places", generator.mentions(), p.persons, p.orgs, p.places);
}

fn engine_config() -> EngineConfig {
    EngineConfig {
        durability: Durability::Deferred,
        snapshots: SnapshotPolicy { every: 0, on_close: false, load: false, ..SnapshotPolicy::default() },
        ..EngineConfig::default()
    }
}

/// Documents ingested together and then flushed.
struct Group {
    /// Indices into [`Run::doc_ends`].
    docs: Range<usize>,
    /// The window (`WINDOW` mentions) it falls in.
    window: usize,
}

/// What the engine run recorded.
struct Run {
    /// The log's next sequence number after each document: document d holds the sequence numbers
    /// from the end of d - 1 (1 for the first) up to its own end.
    doc_ends: Vec<u64>,
    groups: Vec<Group>,
    /// Seconds of engine calls and flushes per window of mentions.
    window_s: Vec<f64>,
    /// Microseconds per mention of each group (about `FLUSH_EVERY` mentions) in each window.
    group_us: Vec<Vec<f64>>,
    /// CPU time of the whole process (every thread, sled's included) during those calls, in
    /// nanoseconds (counted in 10 ms ticks): steadier than wall time on a shared machine.
    window_cpu_ns: Vec<u64>,
    /// Of it, the ingest thread's (this one, where resolution runs).
    window_thread_ns: Vec<u64>,
    /// What the store was at each checkpoint (a history size in mentions).
    points: BTreeMap<u64, Point>,
    /// Generator and ingest together, wall clock.
    wall_s: f64,
    /// Of the ingest time, the flushes.
    flush_s: f64,
}

/// The store at a checkpoint.
struct Point {
    documents: u64,
    events: u64,
    entities: u64,
    rss: Rss,
    log_bytes: u64,
    population: Population,
    fingerprint: u64,
    /// With `--quality`: the entities scored against the generator's truth.
    quality: Option<Quality>,
}

/// Pairwise scores of the entities against the truth: a pair of mentions is predicted when
/// both are in one entity, true when both were made from one generated entity.
#[derive(Clone, Copy)]
struct Quality {
    precision: f64,
    recall: f64,
    f1: f64,
    /// Entities the mentions so far are in, and generated entities they were made from.
    entities: u64,
    truths: u64,
}

/// What an ingest run does besides ingesting: callgrind's hooks ([`callgrind_hooks`]), scoring
/// against the truth at checkpoints (`--quality`).
#[derive(Clone, Copy)]
struct Hooks {
    callgrind: bool,
    quality: bool,
}

#[derive(Clone, Copy)]
struct Rss {
    vm_kb: u64,
    anon_kb: u64,
    peak_kb: u64,
}

/// Ingests `total` generated mentions into a new store in `dir`, group by group, and records
/// each checkpoint in `points` on the way, with the [`Hooks`] asked for.
fn ingest(dir: &Path, seed: u64, total: u64, points: &BTreeSet<u64>, hooks: Hooks) -> Run {
    let Hooks { callgrind, quality } = hooks;
    // With `--quality`: the truth of every mention generated, in order.
    let mut truths: Option<Vec<Truth>> = quality.then(Vec::new);
    let mut generator = Generator::new(seed);
    let mut engine = Engine::open(dir, engine_config()).expect("open a new store");
    let windows = usize::try_from(total / WINDOW).expect("windows fit in usize");
    let mut run = Run {
        doc_ends: Vec::new(),
        groups: Vec::new(),
        window_s: vec![0.0; windows],
        group_us: vec![Vec::new(); windows],
        window_cpu_ns: vec![0; windows],
        window_thread_ns: vec![0; windows],
        points: BTreeMap::new(),
        wall_s: 0.0,
        flush_s: 0.0,
    };
    run.points.insert(0, point(&engine, dir, &generator, 0, None));
    let started = Instant::now();
    // AKA_SCALE_MARKS=1: print when each group of the measured windows ran, to cut a profile
    // (`perf record -k CLOCK_MONOTONIC`) down to those windows.
    let marks = std::env::var_os("AKA_SCALE_MARKS").is_some();
    let mut next_report = total.div_ceil(10);
    while generator.mentions() < total {
        let group_start = generator.mentions();
        let mut docs = Vec::new();
        loop {
            match truths.as_mut() {
                Some(truths) => {
                    let (doc, truth) = generator.document_with_truth();
                    truths.extend(truth);
                    docs.push(doc);
                }
                None => docs.push(generator.document()),
            }
            let done = generator.mentions();
            if done - group_start >= FLUSH_EVERY || done.is_multiple_of(WINDOW) {
                break;
            }
        }
        let window = usize::try_from(group_start / WINDOW).expect("a window index");
        let first_doc = run.doc_ends.len();
        let (timer, cpu, thread) = (Instant::now(), cpu_ns(), thread_cpu_ns());
        let window_start = group_start / WINDOW * WINDOW;
        // (The first window's start, 0, is among the points.)
        let measured = points.contains(&window_start);
        if callgrind && measured && group_start >= window_start + CALLGRIND_WARM_MENTIONS {
            callgrind_collected(&mut engine, docs, &mut run.doc_ends);
        } else {
            ingest_group(&mut engine, docs, &mut run.doc_ends);
        }
        let flush = Instant::now();
        engine.flush().expect("flush");
        run.flush_s += flush.elapsed().as_secs_f64();
        let elapsed = timer.elapsed().as_secs_f64();
        run.window_s[window] += elapsed;
        run.group_us[window].push(elapsed * 1e6 / as_f64(generator.mentions() - group_start));
        run.window_cpu_ns[window] += cpu_ns().saturating_sub(cpu);
        run.window_thread_ns[window] += thread_cpu_ns().saturating_sub(thread);
        run.groups.push(Group { docs: first_doc..run.doc_ends.len(), window });
        if callgrind && measured && generator.mentions().is_multiple_of(WINDOW) {
            callgrind_window_end(window_start);
        }
        if marks && measured {
            // CLOCK_MONOTONIC, as `perf record -k CLOCK_MONOTONIC` stamps its samples.
            eprintln!("scale bench: mark window {window_start} group {timer:?} .. {:?}", Instant::now());
        }

        let done = generator.mentions();
        if points.contains(&done) {
            let scored = truths.as_ref().map(|truths| score(&engine, truths));
            run.points.insert(done, point(&engine, dir, &generator, run.doc_ends.len(), scored));
        }
        if done >= next_report {
            let ingest_s: f64 = run.window_s.iter().sum();
            eprintln!(
                "scale bench: {done} of {total} mentions ({}%), {:.0} mentions/s so far, {} entities",
                done * 100 / total,
                as_f64(done) / ingest_s,
                engine.state().entity_count()
            );
            next_report += total.div_ceil(10);
        }
    }
    run.wall_s = started.elapsed().as_secs_f64();
    drop(engine);
    run
}

/// Mentions at the start of a measured window ingested before callgrind collects: they warm
/// the simulated caches for the window's history.
const CALLGRIND_WARM_MENTIONS: u64 = 2_000;

/// `AKA_SCALE_CALLGRIND=1`: count the cache misses of each measured window in callgrind's
/// simulated caches. The groups of a measured window, from its [`CALLGRIND_WARM_MENTIONS`]th
/// mention on, go through [`callgrind_collected`], and [`callgrind_window_end`] is called when
/// the window ends, so that
/// `AKA_SCALE_CALLGRIND=1 valgrind --tool=callgrind --collect-atstart=no
/// --toggle-collect=scale::callgrind_collected --dump-after=scale::callgrind_window_end
/// --cache-sim=yes --D1=32768,8,64 --LL=33554432,16,64 BENCH 1000000 --runs=1` writes one
/// profile per window (the first 10k, 10k, 100k, 1M), each of that window's ingest calls alone:
/// `scripts/callgrind_compare.py` sets two of them side by side. The run ends after the ingest
/// (its store removed).
fn callgrind_hooks() -> bool {
    std::env::var_os("AKA_SCALE_CALLGRIND").is_some()
}

/// One group's documents, ingested in order.
fn ingest_group(engine: &mut Engine, docs: Vec<Vec<aka::BareMention>>, doc_ends: &mut Vec<u64>) {
    for doc in docs {
        let outcome = engine.ingest_mentions(doc).expect("ingest a document's mentions");
        assert!(matches!(outcome, IngestOutcome::Appended { .. }), "a generated document appended nothing");
        doc_ends.push(engine.log().next_seq());
    }
}

/// [`ingest_group`] under a name of its own, for callgrind to collect ([`callgrind_hooks`]).
#[inline(never)]
fn callgrind_collected(engine: &mut Engine, docs: Vec<Vec<aka::BareMention>>, doc_ends: &mut Vec<u64>) {
    ingest_group(engine, docs, doc_ends);
}

/// Called when a measured window ends, for callgrind to dump its profile ([`callgrind_hooks`]).
#[inline(never)]
fn callgrind_window_end(window_start: u64) {
    std::hint::black_box(window_start);
}

fn point(engine: &Engine, dir: &Path, generator: &Generator, documents: usize, quality: Option<Quality>) -> Point {
    Point {
        quality,
        documents: u64::try_from(documents).expect("a count"),
        events: engine.log().last_seq(),
        entities: engine.state().entity_count(),
        rss: rss(),
        log_bytes: support::bytes_under(&dir.join(LOG_DIR)),
        population: generator.population(),
        fingerprint: generator.fingerprint(),
    }
}

/// The engine's entities scored against the truth of every mention ingested so far
/// ([`Quality`]), from the counts of mentions in each (entity, generated entity) cell: pairs
/// in one cell are the true positives, pairs in one entity the predicted ones, pairs made from
/// one generated entity the true ones. The mentions are read from the log, where they were
/// observed in the order generated.
fn score(engine: &Engine, truths: &[Truth]) -> Quality {
    let state = engine.state();
    let mut cells: std::collections::HashMap<(aka::EntityId, Truth), u64> = std::collections::HashMap::new();
    let mut truth = truths.iter();
    for item in engine.log().iter_from(1) {
        let (seq, envelope) = item.expect("read the log");
        if let aka::Event::MentionObserved { mention } = &envelope.event {
            let t = *truth.next().unwrap_or_else(|| panic!("the mention of event {seq} was not generated"));
            let entity =
                state.entity_of(&mention.mention_id).unwrap_or_else(|| panic!("{} is linked", mention.mention_id));
            *cells.entry((entity, t)).or_default() += 1;
        }
    }
    assert!(truth.next().is_none(), "as many mentions in the log as generated");
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let (mut by_entity, mut by_truth): (BTreeMap<aka::EntityId, u64>, BTreeMap<Truth, u64>) = Default::default();
    let mut together = 0;
    for (&(entity, t), &n) in &cells {
        together += pairs(n);
        *by_entity.entry(entity).or_default() += n;
        *by_truth.entry(t).or_default() += n;
    }
    let predicted: u64 = by_entity.values().map(|n| pairs(*n)).sum();
    let true_pairs: u64 = by_truth.values().map(|n| pairs(*n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { as_f64(a) / as_f64(b) };
    let (precision, recall) = (ratio(together, predicted), ratio(together, true_pairs));
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    let count = |n: usize| u64::try_from(n).expect("a count");
    Quality { precision, recall, f1, entities: count(by_entity.len()), truths: count(by_truth.len()) }
}

/// What the storage-limit run measured.
struct Limit {
    window_s: Vec<f64>,
    /// Of the write time, the flushes.
    flush_s: f64,
    keys: u64,
    bytes: u64,
}

/// Writes the raw pairs of the log at `log` into a fresh sled database at `out`, with the run's
/// batches (one per document) and flushes (one per group); times only the writes.
fn storage_limit(log: &Path, out: &Path, run: &Run) -> Limit {
    let source = open_sled(log);
    let names = source.tree_names();
    assert!(
        names.iter().any(|n| n == EVENTS_TREE.as_bytes()),
        "the log at {} has no tree {EVENTS_TREE:?}: the scale bench needs updating to the log's layout",
        log.display()
    );
    let events = source.open_tree(EVENTS_TREE).expect("the events tree");
    let target = sled::Config::new()
        .path(out)
        .cache_capacity(aka_store::SLED_CACHE_BYTES)
        .open()
        .expect("a fresh sled database");
    let written = target.open_tree(EVENTS_TREE).expect("a tree");
    let mut limit = Limit { window_s: vec![0.0; run.window_s.len()], flush_s: 0.0, keys: 0, bytes: 0 };
    let mut timed = Duration::ZERO;
    for group in &run.groups {
        let start = group.docs.start.checked_sub(1).map_or(0, |d| run.doc_ends[d]);
        let end = run.doc_ends[group.docs.end - 1];
        let mut per_doc: Vec<Vec<(sled::IVec, sled::IVec)>> = vec![Vec::new(); group.docs.len()];
        let mut doc = group.docs.start;
        for item in events.range(start.to_be_bytes()..end.to_be_bytes()) {
            let (key, value) = item.expect("read the log");
            let seq = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes).unwrap_or_else(|_| {
                panic!("a key of {} bytes in the log: the scale bench expects 8-byte sequence numbers", key.len())
            });
            while seq >= run.doc_ends[doc] {
                doc += 1;
            }
            limit.bytes += u64::try_from(key.len() + value.len()).expect("a size");
            per_doc[doc - group.docs.start].push((key, value));
        }
        let timer = Instant::now();
        for pairs in per_doc {
            let mut batch = sled::Batch::default();
            for (key, value) in pairs {
                batch.insert(key, value);
                limit.keys += 1;
            }
            written.apply_batch(batch).expect("append");
        }
        let flush = Instant::now();
        target.flush().expect("flush");
        limit.flush_s += flush.elapsed().as_secs_f64();
        let elapsed = timer.elapsed();
        timed += elapsed;
        limit.window_s[group.window] += elapsed.as_secs_f64();
    }
    assert_eq!(
        limit.keys,
        u64::try_from(events.len()).expect("a count"),
        "keys of the log fell outside the documents' sequence numbers"
    );
    eprintln!(
        "scale bench: storage limit: {} keys, {:.1} MiB copied in {:.1} s of writes",
        limit.keys,
        mib(limit.bytes),
        timed.as_secs_f64()
    );
    limit
}

/// Opens a sled database that a log of this process may still be letting go of.
fn open_sled(path: &Path) -> sled::Db {
    aka_store::open_sled_when_free(&sled::Config::new().path(path))
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()))
}

/// CPU time of this process so far, every thread's, those that have exited included (sled's
/// pool threads come and go), in nanoseconds but counted in clock ticks of 10 ms (USER_HZ, 100
/// on Linux), from /proc/self/stat (zero where there is none): coarse over one window of
/// mentions, about a tenth of a second, where the ingest thread's own time is exact.
fn cpu_ns() -> u64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (in parentheses, and it may hold spaces): utime and
    // stime are the 12th and 13th of them.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after.split_whitespace().skip(11).take(2).map(|f| f.parse::<u64>().unwrap_or(0)).sum();
    ticks * 10_000_000
}

/// CPU time of the calling thread so far, in nanoseconds (zero where there is no /proc).
fn thread_cpu_ns() -> u64 {
    schedstat_ns(Path::new("/proc/thread-self/schedstat"))
}

/// The first field of a schedstat file: time spent on a CPU, in nanoseconds.
fn schedstat_ns(path: &Path) -> u64 {
    let stat = fs::read_to_string(path).unwrap_or_default();
    stat.split_whitespace().next().and_then(|f| f.parse().ok()).unwrap_or(0)
}

/// VmRSS, RssAnon and VmHWM of this process in kB, from /proc/self/status (zeros elsewhere).
fn rss() -> Rss {
    let [vm_kb, anon_kb, peak_kb] = support::status_kb(["VmRSS:", "RssAnon:", "VmHWM:"]);
    Rss { vm_kb, anon_kb, peak_kb }
}

impl Run {
    fn window(h: u64) -> usize {
        usize::try_from(h / WINDOW).expect("a window index")
    }

    /// Wall, CPU and ingest-thread CPU microseconds per mention in the window that starts at a
    /// history of `h`: the wall time is the median of the window's groups (each about
    /// `FLUSH_EVERY` mentions and one flush), so that a moment when a neighbour takes the shared
    /// cores does not stand for the whole window; the CPU times are the window's.
    fn cost_us(&self, h: u64) -> Cost {
        let w = Run::window(h);
        let per_mention = |ns: u64| as_f64(ns) / 1e3 / as_f64(WINDOW);
        Cost {
            wall: median(&self.group_us[w]),
            cpu: per_mention(self.window_cpu_ns[w]),
            thread: per_mention(self.window_thread_ns[w]),
        }
    }

    /// Seconds of ingest before a history of `h`.
    fn ingest_s(&self, h: u64) -> f64 {
        self.window_s[..Run::window(h)].iter().sum()
    }
}

/// Microseconds per mention in a window.
#[derive(Clone, Copy)]
struct Cost {
    wall: f64,
    /// Every thread's CPU time.
    cpu: f64,
    /// The ingest thread's CPU time.
    thread: f64,
}

impl Limit {
    fn write_s(&self, h: u64) -> f64 {
        self.window_s[..Run::window(h)].iter().sum()
    }
}

fn print_report(seed: u64, runs: usize, sizes: &BTreeSet<u64>, run: &Run, limit: &Limit) {
    let base = run.cost_us(10_000.min(*sizes.last().expect("a size")));
    let k = WINDOW / 1000;
    if runs > 1 {
        println!(
            "Costs per window: the least of {runs} runs; ingest and storage limit: the fastest run; memory: the first run."
        );
        println!();
    }
    println!(
        "| history, mentions | documents | events | entities | ingest s | ingest mentions/s | storage limit s | limit mentions/s | ingest ÷ limit | next {k}k: mentions/s | next {k}k: µs/mention, wall / CPU / ingest thread CPU | ÷ cost at 10k, wall / CPU / ingest thread CPU | RSS MiB (VmRSS / RssAnon) | RSS bytes / entity | RSS bytes / mention | log MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (&h, p) in &run.points {
        let c = run.cost_us(h);
        let window = format!(
            "{} | {:.1} / {:.1} / {:.1} | {:.2} / {:.2} / {:.2}",
            thousands(1e6 / c.wall),
            c.wall,
            c.cpu,
            c.thread,
            c.wall / base.wall,
            c.cpu / base.cpu,
            c.thread / base.thread
        );
        let memory = format!("{:.0} / {:.0}", kib_to_mib(p.rss.vm_kb), kib_to_mib(p.rss.anon_kb));
        if h == 0 {
            println!("| 0 (first {k}k) | | | | | | | | | {window} | {memory} | | | |");
            continue;
        }
        let (ingest_s, limit_s) = (run.ingest_s(h), limit.write_s(h));
        let rss_bytes = as_f64(p.rss.vm_kb) * 1024.0;
        let highlight = if sizes.contains(&h) { "**" } else { "" };
        println!(
            "| {highlight}{}{highlight} | {} | {} | {} | {ingest_s:.1} | {} | {limit_s:.1} | {} | {:.2} | {window} | {memory} | {} | {} | {:.1} |",
            thousands(as_f64(h)),
            thousands(as_f64(p.documents)),
            thousands(as_f64(p.events)),
            thousands(as_f64(p.entities)),
            thousands(as_f64(h) / ingest_s),
            thousands(as_f64(h) / limit_s),
            limit_s / ingest_s,
            thousands(rss_bytes / as_f64(p.entities)),
            thousands(rss_bytes / as_f64(h)),
            mib(p.log_bytes),
        );
    }
    println!();
    print_notes(seed, sizes, run, limit);
}

fn print_notes(seed: u64, sizes: &BTreeSet<u64>, run: &Run, limit: &Limit) {
    let checkpoints = || run.points.iter().filter(|(h, _)| **h > 0);
    let fingerprints: Vec<String> =
        checkpoints().map(|(h, p)| format!("{}: {:016x}", thousands(as_f64(*h)), p.fingerprint)).collect();
    println!("Seed {seed:#x}; fingerprints of the generated mentions: {}.", fingerprints.join(", "));
    let populations: Vec<String> = checkpoints()
        .map(|(h, p)| {
            let q = p.population;
            format!("{}: {} / {} / {}", thousands(as_f64(*h)), q.persons, q.orgs, q.places)
        })
        .collect();
    println!("Generated persons / organisations / places: {}.", populations.join("; "));
    let start = &run.points[&0];
    let end = run.points.last_key_value().map(|(_, p)| p).expect("points");
    let (ingest_all, limit_all) = (run.window_s.iter().sum::<f64>(), limit.window_s.iter().sum::<f64>());
    println!(
        "RSS after opening the empty store {:.0} MiB; peak (VmHWM) {:.0} MiB. Storage limit: {} keys, {:.1} MiB of keys and values. Flushes (one per group of about {FLUSH_EVERY} mentions) took {:.0}% of the ingest time and {:.0}% of the storage limit's. Wall time of the run, generator included: {:.1} s.",
        kib_to_mib(start.rss.vm_kb),
        kib_to_mib(end.rss.peak_kb),
        thousands(as_f64(limit.keys)),
        mib(limit.bytes),
        100.0 * run.flush_s / ingest_all,
        100.0 * limit.flush_s / limit_all,
        run.wall_s
    );
    let scores: Vec<String> = checkpoints()
        .filter_map(|(h, p)| {
            let q = p.quality?;
            Some(format!(
                "{}: {:.2} / {:.2} / {:.2} ({} entities for {} generated)",
                thousands(as_f64(*h)),
                100.0 * q.precision,
                100.0 * q.recall,
                100.0 * q.f1,
                thousands(as_f64(q.entities)),
                thousands(as_f64(q.truths))
            ))
        })
        .collect();
    if !scores.is_empty() {
        println!(
            "Against the generator's truth, pairwise over the mentions so far, precision / recall / F1 %: {} (--quality: the costs and memory of this run are not the figures to quote).",
            scores.join("; ")
        );
    }
    print_targets(sizes, run, limit);
}

/// The targets line: each figure at 1M (or the largest size asked for), met or not.
fn print_targets(sizes: &BTreeSet<u64>, run: &Run, limit: &Limit) {
    let largest = *sizes.last().expect("a size");
    let at = TARGET_SIZE.min(largest);
    let note = if largest < TARGET_SIZE { " (indicative: the targets are for 1M)" } else { "" };
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let (c, base) = (run.cost_us(at), run.cost_us(10_000.min(largest)));
    let ratio = c.wall / base.wall;
    let rate = 1e6 / c.wall;
    let share = limit.write_s(at) / run.ingest_s(at);
    println!(
        "Targets at {} mentions of history{note}: cost of a mention ≤ {COST_RATIO_MAX}× its cost at 10k: {ratio:.2}× ({:.2}× in CPU time, {:.2}× in the ingest thread's), {}; ≥ {} mentions/s: {}, {}; durable ingest ≥ 1/3 of the storage limit: {share:.2}, {}.",
        thousands(as_f64(at)),
        c.cpu / base.cpu,
        c.thread / base.thread,
        met(ratio <= COST_RATIO_MAX),
        thousands(RATE_MIN),
        thousands(rate),
        met(rate >= RATE_MIN),
        met(share >= LIMIT_SHARE_MIN)
    );
}

/// Exact for every count and byte size here (below 2^53), without a cast.
fn as_f64(n: u64) -> f64 {
    let (high, low) = (u32::try_from(n >> 32).unwrap_or(u32::MAX), u32::try_from(n & 0xffff_ffff).expect("32 bits"));
    f64::from(high) * 4_294_967_296.0 + f64::from(low)
}

fn mib(bytes: u64) -> f64 {
    as_f64(bytes) / (1024.0 * 1024.0)
}

fn kib_to_mib(kib: u64) -> f64 {
    as_f64(kib) / 1024.0
}

/// A count rounded to an integer, with thousands separators.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
