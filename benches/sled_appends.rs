//! sled alone, appending records shaped like the log's, as history grows: does the cost of an
//! append grow with the size of the database? (issue 6: the scale bench's log appends took about
//! three times as long from 100k mentions on as at 10k.)
//!
//! `cargo bench -p aka --bench sled_appends -- [--runs=N] [--segment-size=BYTES]`
//!
//! One record per document, as the log wrote them in format `aka-log-2` (plain records; the
//! log's records are compressed since `aka-log-3`, to about a ninth): the key the document's
//! first sequence number (8 bytes, big-endian), the value about 440 bytes per event and two
//! events per mention, documents of 5-50 mentions (seeded, so every run writes the same bytes). sled's
//! cache is the log's (`aka_store::SLED_CACHE_BYTES`); the database is flushed after every group
//! of about 1,000 mentions, as the scale bench flushes. Up to 1,010,000 mentions; the cost of the
//! 10,000 mentions after 0, 10k, 100k and 1M of history is printed: the inserts alone, and the
//! inserts with the flushes, each in µs per mention, for each run.

#[path = "../tests/common/rng.rs"]
mod rng;

use std::time::{Duration, Instant};

use rng::Rng;

/// Bytes of the log per event at a million mentions in format `aka-log-2` (the scale bench's log
/// MiB over its events).
const EVENT_BYTES: u64 = 440;
const FLUSH_EVERY: u64 = 1_000;
const WINDOW: u64 = 10_000;
const POINTS: [u64; 4] = [0, 10_000, 100_000, 1_000_000];

fn main() {
    let mut runs = 3;
    let mut segment_size: Option<usize> = None;
    for arg in std::env::args().skip(1).filter(|a| a != "--bench") {
        if let Some(n) = arg.strip_prefix("--runs=") {
            runs = n.parse().unwrap_or_else(|_| panic!("--runs= takes a number, not {n:?}"));
        } else if let Some(n) = arg.strip_prefix("--segment-size=") {
            segment_size = Some(n.parse().unwrap_or_else(|_| panic!("--segment-size= takes bytes, not {n:?}")));
        } else {
            panic!("unknown argument {arg:?}: the arguments are --runs=N and --segment-size=BYTES");
        }
    }
    println!(
        "| run | {} |",
        POINTS
            .iter()
            .map(|p| format!("after {p}: insert / with flushes, µs a mention"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|".repeat(POINTS.len()));
    for run in 1..=runs {
        let windows = appends(segment_size);
        let cells: Vec<String> = windows.iter().map(|(insert, all)| format!("{insert:.2} / {all:.2}")).collect();
        println!("| {run} | {} |", cells.join(" | "));
    }
}

/// Per point, the window's inserts and inserts with flushes, in µs per mention.
fn appends(segment_size: Option<usize>) -> Vec<(f64, f64)> {
    let dir = tempfile::Builder::new()
        .prefix("aka-sled-appends-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a scratch directory");
    let mut config = sled::Config::new().path(dir.path()).cache_capacity(aka_store::SLED_CACHE_BYTES);
    if let Some(bytes) = segment_size {
        config = config.segment_size(bytes);
    }
    let db = config.open().expect("a fresh sled database");
    let tree = db.open_tree("events").expect("a tree");
    let mut rng = Rng(0x736c_6564);
    // Values are slices of one buffer of letters (sled compresses nothing): made once, untimed.
    let letters: Vec<u8> = (0..1 << 20).map(|_| b'a' + u8::try_from(rng.below_u64(26)).expect("a letter")).collect();
    let (mut seq, mut mentions, mut group) = (1_u64, 0_u64, 0_u64);
    let mut windows: Vec<(Duration, Duration, u64)> = vec![(Duration::ZERO, Duration::ZERO, 0); POINTS.len()];
    let last = POINTS[POINTS.len() - 1] + WINDOW;
    while mentions < last {
        let window = POINTS.iter().position(|p| (*p..p + WINDOW).contains(&mentions));
        let doc_mentions = 5 + rng.below_u64(46);
        let events = 2 * doc_mentions;
        let len = usize::try_from(events * EVENT_BYTES).expect("a value's length");
        let at = rng.below(letters.len() - len);
        let value = letters[at..at + len].to_vec();
        let timer = Instant::now();
        tree.insert(seq.to_be_bytes(), value).expect("insert");
        let inserted = timer.elapsed();
        seq += events;
        mentions += doc_mentions;
        group += doc_mentions;
        if group >= FLUSH_EVERY {
            db.flush().expect("flush");
            group = 0;
        }
        if let Some(w) = window {
            windows[w].0 += inserted;
            windows[w].1 += timer.elapsed();
            windows[w].2 += doc_mentions;
        }
    }
    drop(tree);
    drop(db);
    windows
        .into_iter()
        .map(|(insert, all, n)| {
            let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(u32::try_from(n).expect("a window's mentions"));
            (per(insert), per(all))
        })
        .collect()
}
