//! Snapshots through the engine: opening reads the newest usable one and replays only the tail;
//! unusable ones are skipped with a warning naming them; none at all loses nothing; they are
//! taken every K events and on close, old ones pruned; `state_as_of` uses them.

use std::path::Path;
use std::sync::Arc;

use aka::{DocumentInput, Engine, EngineConfig, Image, Rules, SnapshotPolicy};

const SENTENCES: &[&str] = &[
    "Prime Minister Jane Roe met Senator John Doe in Paris.",
    "Roe said the talks went well.",
    "The Green Alliance Party (GAP) chairman Omar Hale spoke in Berlin.",
    "The GAP chairman later left for Madrid.",
    "Former foreign ministers Ada Finch and Ines Ward visited the United States.",
    "Finch told reporters in the US that Ward would stay.",
];

fn config(policy: SnapshotPolicy) -> EngineConfig {
    EngineConfig { snapshots: policy, ..EngineConfig::default() }
}

/// No snapshot unless asked for.
fn manual() -> SnapshotPolicy {
    SnapshotPolicy { every: 0, keep: 2, on_close: false, on_close_min: 0, load: true }
}

fn replay_only() -> SnapshotPolicy {
    SnapshotPolicy { every: 0, keep: 2, on_close: false, on_close_min: 0, load: false }
}

fn ingest(engine: &mut Engine, n: usize) {
    let text = format!("{} {}", SENTENCES[n % SENTENCES.len()], SENTENCES[(n * 7 + 3) % SENTENCES.len()]);
    let input = DocumentInput { doc_id: format!("d{n}"), text, source: String::new(), mentions: None };
    engine.ingest_document(input).expect("ingest");
}

/// The state a full replay of the log in `dir` gives.
fn replayed(dir: &Path) -> Image {
    Engine::open(dir, config(replay_only())).expect("open").state().image()
}

fn snapshot_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("snapshots"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "snap"));
    files.sort();
    files
}

#[test]
fn opening_reads_the_newest_snapshot_and_replays_only_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (taken, live) = {
        let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
        (0..3).for_each(|n| ingest(&mut engine, n));
        let taken = engine.snapshot().expect("snapshot");
        assert_eq!(taken.seq, engine.log().last_seq());
        assert_eq!(engine.state().base_seq(), Some(taken.seq), "the engine now reads the new archive");
        (3..5).for_each(|n| ingest(&mut engine, n));
        (taken, engine.state().image())
    };
    let engine = Engine::open(dir.path(), config(manual())).unwrap();
    let opened = engine.opened();
    assert_eq!(opened.snapshot.as_ref().map(|s| s.seq), Some(taken.seq));
    assert_eq!(opened.replayed, engine.log().last_seq() - taken.seq);
    assert!(opened.replayed > 0 && opened.skipped.is_empty());
    assert_eq!(engine.state().image(), live);
    drop(engine);
    assert_eq!(replayed(dir.path()), live, "a full replay gives the same state");
}

#[test]
fn an_unusable_snapshot_is_skipped_with_a_warning_naming_it_and_the_state_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (live, newest) = {
        let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
        ingest(&mut engine, 0);
        engine.snapshot().unwrap();
        ingest(&mut engine, 1);
        let newest = engine.snapshot().unwrap();
        ingest(&mut engine, 2);
        (engine.state().image(), newest)
    };
    // Damaged once the engine that maps it is gone: a mapped file changed underneath a running
    // engine changes what it reads (see ARCHITECTURE.md, snapshots).
    let mut bytes = std::fs::read(&newest.path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&newest.path, bytes).unwrap();
    let engine = Engine::open(dir.path(), config(manual())).unwrap();
    let opened = engine.opened();
    assert_eq!(opened.skipped.len(), 1);
    let newest = snapshot_files(dir.path()).pop().unwrap();
    assert!(opened.skipped[0].contains(&newest.display().to_string()), "{:?}", opened.skipped);
    assert!(opened.snapshot.as_ref().is_some_and(|s| s.path != newest), "the older snapshot is used");
    assert_eq!(engine.state().image(), live);
}

#[test]
fn a_snapshot_made_under_other_rules_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
        (0..2).for_each(|n| ingest(&mut engine, n));
        engine.snapshot().unwrap();
    }
    let other = Rules::from_toml(&format!("{}\n# the same rules, another file\n", aka::DEFAULT_RULES_TOML)).unwrap();
    let engine = Engine::open(dir.path(), EngineConfig { rules: Arc::new(other), ..config(manual()) }).unwrap();
    assert!(engine.opened().snapshot.is_none());
    assert!(engine.opened().skipped[0].contains("other rules"), "{:?}", engine.opened().skipped);
    assert_eq!(engine.opened().replayed, engine.log().last_seq());
}

#[test]
fn deleting_every_snapshot_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let live = {
        let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
        (0..4).for_each(|n| ingest(&mut engine, n));
        engine.snapshot().unwrap();
        engine.state().image()
    };
    std::fs::remove_dir_all(dir.path().join("snapshots")).unwrap();
    let engine = Engine::open(dir.path(), config(manual())).unwrap();
    assert!(engine.opened().snapshot.is_none());
    assert_eq!(engine.state().image(), live);
}

#[test]
fn snapshots_are_taken_every_k_events_and_on_close_and_old_ones_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let policy = SnapshotPolicy { every: 20, keep: 2, on_close: true, on_close_min: 0, load: true };
    let mut engine = Engine::open(dir.path(), config(policy.clone())).unwrap();
    ingest(&mut engine, 0);
    let after_one = engine.log().last_seq();
    assert!(after_one < 20, "one document makes fewer than 20 events ({after_one})");
    assert!(snapshot_files(dir.path()).is_empty(), "no snapshot before 20 events");
    (1..6).for_each(|n| ingest(&mut engine, n));
    let files = snapshot_files(dir.path());
    assert!(!files.is_empty() && files.len() <= 2, "periodic snapshots, at most 2 kept: {files:?}");
    let last = engine.log().last_seq();
    engine.close().unwrap();
    let files = snapshot_files(dir.path());
    assert!(files.last().unwrap().display().to_string().contains(&format!("{last:020}")), "close took one at {last}");
    assert_eq!(files.len(), 2);
    let reopened = Engine::open(dir.path(), config(policy)).unwrap();
    assert_eq!(reopened.opened().replayed, 0);
}

#[test]
fn close_takes_a_snapshot_only_for_a_tail_of_at_least_on_close_min_events() {
    let dir = tempfile::tempdir().unwrap();
    let policy = SnapshotPolicy { every: 0, keep: 2, on_close: true, on_close_min: 1_000, load: true };
    let mut engine = Engine::open(dir.path(), config(policy.clone())).unwrap();
    ingest(&mut engine, 0);
    let short = engine.log().last_seq();
    assert!(short < 1_000, "one document makes fewer than 1,000 events ({short})");
    engine.close().unwrap();
    assert!(snapshot_files(dir.path()).is_empty(), "no snapshot for a tail of {short} events");
    let engine = Engine::open(dir.path(), config(SnapshotPolicy { on_close_min: short, ..policy })).unwrap();
    assert_eq!(engine.opened().replayed, short, "the short tail replays");
    engine.close().unwrap();
    assert_eq!(snapshot_files(dir.path()).len(), 1, "a tail of on_close_min events gets its snapshot");
}

#[test]
fn a_snapshot_of_an_empty_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
    let error = engine.snapshot().unwrap_err();
    assert_eq!(error.to_string(), "nothing to snapshot: the log is empty");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10))]

        /// The state as of any event, rebuilt from a snapshot at or before it plus the events
        /// after, equals the live state at that point; as of a snapshot's own position too.
        #[test]
        fn as_of_any_point_equals_the_live_state_then(
            docs in 1..7usize,
            snapshot_after in prop::collection::vec(any::<bool>(), 7),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
            let mut live_at: Vec<(u64, Image)> = Vec::new();
            for (n, snapshot) in snapshot_after.iter().take(docs).enumerate() {
                ingest(&mut engine, n);
                if *snapshot {
                    engine.snapshot().unwrap();
                }
                live_at.push((engine.log().last_seq(), engine.state().image()));
            }
            for (seq, live) in &live_at {
                prop_assert_eq!(&engine.state_as_of(*seq).unwrap().image(), live, "as of {}", seq);
            }
            let last = engine.log().last_seq();
            let points: Vec<u64> = (1..=last).step_by(7).collect();
            let with_snapshots: Vec<Image> = points.iter().map(|&seq| engine.state_as_of(seq).unwrap().image()).collect();
            drop(engine);
            let full = Engine::open(dir.path(), config(replay_only())).unwrap();
            for (seq, image) in points.iter().zip(&with_snapshots) {
                prop_assert_eq!(&full.state_as_of(*seq).unwrap().image(), image, "as of {}", seq);
            }
        }
    }
}

#[test]
fn a_snapshot_copied_from_another_store_is_skipped_and_an_older_own_one_used() {
    let (mine, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let live = {
        let mut engine = Engine::open(mine.path(), config(manual())).unwrap();
        (0..2).for_each(|n| ingest(&mut engine, n));
        engine.snapshot().unwrap();
        ingest(&mut engine, 2);
        engine.state().image()
    };
    let foreign = {
        let mut engine = Engine::open(other.path(), config(manual())).unwrap();
        (3..9).for_each(|n| ingest(&mut engine, n));
        engine.snapshot().unwrap()
    };
    let copied = mine.path().join("snapshots").join(foreign.path.file_name().unwrap());
    std::fs::copy(&foreign.path, &copied).unwrap();

    let engine = Engine::open(mine.path(), config(manual())).unwrap();
    let opened = engine.opened();
    assert!(opened.skipped.iter().any(|s| s.contains(&copied.display().to_string())), "{:?}", opened.skipped);
    assert!(opened.snapshot.as_ref().is_some_and(|s| s.path != copied), "its own older snapshot is used");
    assert_eq!(engine.state().image(), live);
}

#[test]
fn a_snapshot_written_beside_the_engine_takes_in_the_events_that_came_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
    (0..2).for_each(|n| ingest(&mut engine, n));
    let pending = engine.begin_snapshot().unwrap();
    let begun_at = pending.seq();
    let writing = std::thread::spawn(move || pending.write());
    (2..5).for_each(|n| ingest(&mut engine, n));
    let live = engine.state().image();
    let file = engine.adopt_snapshot(writing.join().unwrap().unwrap()).unwrap();
    assert_eq!(file.seq, begun_at);
    assert!(engine.log().last_seq() > begun_at, "events came while it was written");
    assert_eq!(engine.state().base_seq(), Some(begun_at));
    assert_eq!(engine.state().image(), live, "archive plus the events since equals the live state");
    ingest(&mut engine, 5);
    let after = engine.state().image();
    drop(engine);
    assert_eq!(replayed(dir.path()), after);
}

#[test]
fn closing_at_exit_leaves_the_log_durable_the_directory_free_and_the_snapshot_taken() {
    let dir = tempfile::tempdir().unwrap();
    let on_close = SnapshotPolicy { every: 0, keep: 2, on_close: true, on_close_min: 0, load: true };
    let mut engine = Engine::open(dir.path(), config(on_close)).unwrap();
    (0..4).for_each(|n| ingest(&mut engine, n));
    let (live, last) = (engine.state().image(), engine.log().last_seq());
    engine.close_at_exit().expect("close at exit");
    assert_eq!(snapshot_files(dir.path()).len(), 1, "the snapshot close takes");
    // Opened again in the same process: the log's lock was let go, and every event is there.
    let engine = Engine::open(dir.path(), config(manual())).expect("the directory is free again");
    assert_eq!(engine.log().last_seq(), last);
    assert_eq!(engine.state().image(), live);
    drop(engine);
    assert_eq!(replayed(dir.path()), live, "a full replay gives the same state");
}

#[test]
fn leaving_at_exit_lets_the_directory_go_and_writes_no_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(manual())).unwrap();
    (0..3).for_each(|n| ingest(&mut engine, n));
    let (live, last) = (engine.state().image(), engine.log().last_seq());
    engine.close().expect("close");
    // A reader whose policy would snapshot on close: leaving is not closing, it writes nothing.
    let on_close = SnapshotPolicy { every: 0, keep: 2, on_close: true, on_close_min: 0, load: true };
    let reader = Engine::open(dir.path(), config(on_close)).unwrap();
    assert_eq!(reader.state().image(), live);
    reader.leave_at_exit();
    assert!(snapshot_files(dir.path()).is_empty(), "a reader leaves no snapshot");
    let engine = Engine::open(dir.path(), config(manual())).expect("the directory is free again");
    assert_eq!(engine.log().last_seq(), last);
    assert_eq!(engine.state().image(), live);
}
