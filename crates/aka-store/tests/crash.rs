//! Crash test on a real process: a writer appending batches is killed with SIGKILL, the log is
//! reopened, and every batch in it must be whole, with contiguous sequence numbers.
//!
//! The writer is this same test binary, run again with an environment variable that turns
//! `crash_writer_appends_batches_until_killed` from a no-op into the writer.

use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use aka_core::{Envelope, Event};
use aka_store::{Durability, Log, LogConfig};

/// Set to a data directory, it makes `crash_writer_appends_batches_until_killed` the writer.
const WRITER_DIR_VAR: &str = "AKA_STORE_CRASH_WRITER_DIR";
/// `flush` or `deferred`: the writer's durability.
const WRITER_DURABILITY_VAR: &str = "AKA_STORE_CRASH_WRITER_DURABILITY";
const WRITER_TEST: &str = "crash_writer_appends_batches_until_killed";
/// What the writer prints once its log is open.
const READY: &str = "crash-writer-ready";
const BATCH_LEN_MAX: u64 = 40;
/// The longest the writer runs before it is killed.
const KILL_DELAY_MS_MAX: u64 = 700;

/// Event `i` (from 1) of the `n` events of batch `k`.
fn batch_event(k: u64, i: u64, n: u64) -> Envelope {
    Envelope::new(Event::DocumentIngested {
        doc_id: format!("{k}/{i}/{n}"),
        content_hash: String::new(),
        source: "crash-test".to_owned(),
        // Some bulk, so that a batch spans more of sled's write buffers.
        text: format!("batch {k}, {i} of {n}; {}", "x".repeat(200)),
    })
}

/// The (k, i, n) an event of [`batch_event`] carries.
fn batch_position(envelope: &Envelope) -> (u64, u64, u64) {
    let Event::DocumentIngested { doc_id, .. } = &envelope.event else {
        panic!("unexpected event {envelope:?}");
    };
    let parts: Vec<u64> = doc_id.split('/').map(|part| part.parse().unwrap()).collect();
    let [k, i, n] = parts[..] else {
        panic!("unexpected doc_id {doc_id}");
    };
    (k, i, n)
}

#[test]
fn crash_writer_appends_batches_until_killed() {
    let Some(dir) = std::env::var_os(WRITER_DIR_VAR) else {
        return;
    };
    let durability = match std::env::var(WRITER_DURABILITY_VAR).as_deref() {
        Ok("deferred") => Durability::Deferred,
        _ => Durability::Flush,
    };
    let mut log = Log::open(Path::new(&dir), LogConfig { durability }).expect("writer opens");
    // Batch numbers start at the log's next sequence number, so every batch of every round has
    // its own number.
    let mut k = log.next_seq();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{READY}").unwrap();
    stdout.flush().unwrap();
    loop {
        let n = 1 + k % BATCH_LEN_MAX;
        let batch: Vec<Envelope> = (1..=n).map(|i| batch_event(k, i, n)).collect();
        log.append(&batch).expect("writer appends");
        k += 1;
    }
}

/// Checks that seqs run 1, 2, 3... and that the events form whole batches in order.
fn assert_whole_batches(stored: &[(u64, Envelope)]) {
    let mut previous_k = 0;
    let mut expected_next: Option<(u64, u64, u64)> = None;
    for ((seq, envelope), expected_seq) in stored.iter().zip(1..) {
        assert_eq!(*seq, expected_seq, "sequence numbers have a gap");
        let (k, i, n) = batch_position(envelope);
        match expected_next {
            Some(expected) => assert_eq!((k, i, n), expected, "batch torn at seq {seq}"),
            None => {
                assert_eq!(i, 1, "seq {seq} starts batch {k} at event {i} of {n}");
                assert!(k > previous_k, "batch {k} after batch {previous_k}");
            }
        }
        previous_k = k;
        expected_next = (i < n).then_some((k, i + 1, n));
    }
    assert_eq!(expected_next, None, "the last batch is partial");
}

fn slow_tests() -> bool {
    std::env::var_os("AKA_SLOW_TESTS").is_some_and(|value| value == "1")
}

/// Runs the writer on `dir` until a random moment, then kills it with SIGKILL.
fn run_and_kill_writer(dir: &Path, durability: &str, round: u64) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([WRITER_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(WRITER_DIR_VAR, dir)
        .env(WRITER_DURABILITY_VAR, durability)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the writer starts");
    // Wait for the writer's log to be open, so that the delay measures writing, not start-up.
    // The test harness prints "test NAME ... " on the same line, hence `ends_with`.
    let stdout = child.stdout.take().unwrap();
    let ready = BufReader::new(stdout).lines().any(|line| line.is_ok_and(|line| line.trim_end().ends_with(READY)));
    assert!(ready, "the writer exited before opening its log");
    let delay_ms = RandomState::new().hash_one(round) % KILL_DELAY_MS_MAX;
    eprintln!("round {round}: {durability} writer killed after {delay_ms} ms");
    std::thread::sleep(Duration::from_millis(delay_ms));
    child.kill().expect("the writer is killed");
    child.wait().expect("the killed writer is reaped");
}

#[test]
fn killed_writer_leaves_only_whole_batches_with_contiguous_seqs() {
    if std::env::var_os(WRITER_DIR_VAR).is_some() {
        return;
    }
    let rounds = if slow_tests() { 30 } else { 5 };
    let dir = tempfile::tempdir().unwrap();
    let mut previous: Vec<(u64, Envelope)> = Vec::new();
    for round in 0..rounds {
        let durability = if round % 2 == 0 { "flush" } else { "deferred" };
        run_and_kill_writer(dir.path(), durability, round);

        let log = Log::open(dir.path(), LogConfig::default()).expect("the log reopens");
        let stored: Vec<(u64, Envelope)> = log.iter_from(0).collect::<Result<_, _>>().expect("every event reads");
        assert_whole_batches(&stored);
        // What the last reopen saw was flushed when that Log was dropped: it must all still be
        // there, unchanged.
        assert!(stored.starts_with(&previous), "round {round} lost events");
        assert_eq!(log.last_seq(), u64::try_from(stored.len()).unwrap());
        previous = stored;
    }
    eprintln!("{} events in whole batches after {rounds} kills", previous.len());
}
