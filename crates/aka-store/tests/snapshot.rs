//! Snapshot files on real directories: written and read back in place; refused when cut short,
//! flipped, from other rules, another log or beyond the log; listed and pruned.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use aka_core::{Envelope, Event, Rules, State};
use aka_store::snapshot::{self, Expect, SnapshotFile};
use aka_store::{Log, LogConfig, SnapshotError};

fn document(n: u64) -> Event {
    Event::DocumentIngested {
        doc_id: format!("doc-{n}"),
        content_hash: format!("sha256:{n:064x}"),
        source: "test".to_owned(),
        text: format!("text of document {n}"),
    }
}

/// A log of `count` documents in `dir` and the state they give.
fn log_and_state(dir: &Path, count: u64) -> (Log, State) {
    let mut log = Log::open(dir, LogConfig::default()).expect("the log opens");
    let events: Vec<Envelope> = (0..count).map(|n| Envelope::new(document(n))).collect();
    log.append(&events).expect("append");
    let mut state = State::new(Arc::new(Rules::default_rules()));
    for (seq, envelope) in (1..).zip(&events) {
        state.apply(seq, &envelope.event);
    }
    (log, state)
}

fn rules_hash() -> String {
    Rules::default_rules().hash
}

fn write(log: &Log, state: &State) -> SnapshotFile {
    let seq = state.last_seq();
    let tip = log.get_raw(seq).unwrap().expect("the event the snapshot covers");
    snapshot::write(log.dir(), &state.image().encode(), seq, &rules_hash(), &tip).expect("the snapshot is written")
}

fn load(log: &Log, path: &Path) -> Result<State, SnapshotError> {
    let hash = rules_hash();
    let expect = Expect { rules_hash: &hash, log };
    let (base, _) = snapshot::load(path, &expect)?;
    Ok(State::on_base(Arc::new(Rules::default_rules()), Arc::new(base)))
}

fn reason(result: Result<State, SnapshotError>) -> String {
    match result {
        Ok(_) => panic!("a damaged snapshot was accepted"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_written_snapshot_reads_back_in_place_as_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let (log, state) = log_and_state(dir.path(), 5);
    let file = write(&log, &state);
    assert_eq!(file.seq, 5);
    assert_eq!(file.path.parent(), Some(dir.path().join("snapshots").as_path()));
    assert_eq!(fs::metadata(&file.path).unwrap().len(), file.bytes);
    let read = load(&log, &file.path).expect("a fresh snapshot is usable");
    assert_eq!(read.base_seq(), Some(5));
    assert_eq!(read.image(), state.image());
    assert_eq!(snapshot::list(dir.path()).unwrap(), vec![file]);
}

#[test]
fn a_snapshot_from_other_rules_another_log_or_beyond_the_log_is_refused_naming_why() {
    let dir = tempfile::tempdir().unwrap();
    let (log, state) = log_and_state(dir.path(), 3);
    let seq = state.last_seq();
    let tip = log.get_raw(seq).unwrap().unwrap();
    let archive = state.image().encode();

    let other_rules = snapshot::write(log.dir(), &archive, seq, "sha256:other", &tip).unwrap();
    assert!(reason(load(&log, &other_rules.path)).contains("other rules"), "{}", reason(load(&log, &other_rules.path)));
    fs::remove_file(&other_rules.path).unwrap();

    let foreign = snapshot::write(log.dir(), &archive, seq, &rules_hash(), b"another log's event").unwrap();
    assert!(reason(load(&log, &foreign.path)).contains("not made from this log"));
    fs::remove_file(&foreign.path).unwrap();

    // A state one event ahead of the log, as a snapshot of events a crash lost would be.
    let mut ahead_state = state.clone();
    ahead_state.apply(seq + 1, &document(99));
    let ahead = snapshot::write(log.dir(), &ahead_state.image().encode(), seq + 1, &rules_hash(), &tip).unwrap();
    assert!(reason(load(&log, &ahead.path)).contains("beyond the log's last event 3"));
}

#[test]
fn load_newest_skips_unusable_snapshots_and_takes_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, state) = log_and_state(dir.path(), 2);
    let older = write(&log, &state);
    log.append(&[Envelope::new(document(9))]).unwrap();
    let mut newer_state = state.clone();
    newer_state.apply(3, &document(9));
    let newer = write(&log, &newer_state);
    fs::write(&newer.path, b"AKASNAP\0 and then nothing useful").unwrap();

    let hash = rules_hash();
    let expect = Expect { rules_hash: &hash, log: &log };
    let newest = snapshot::load_newest(dir.path(), u64::MAX, &expect).unwrap();
    let skipped = newest.skipped;
    assert_eq!(newest.found.map(|(_, file)| file.seq), Some(older.seq));
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].path, newer.path);
    assert!(skipped[0].error.to_string().contains(&newer.path.display().to_string()), "the warning names the file");

    let until_older = snapshot::load_newest(dir.path(), 2, &expect).unwrap().found;
    assert_eq!(until_older.map(|(_, file)| file.seq), Some(2), "no snapshot beyond `until` is used");
    assert!(snapshot::load_newest(dir.path(), 1, &expect).unwrap().found.is_none());
}

#[test]
fn prune_keeps_the_newest_and_removes_leftover_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, mut state) = log_and_state(dir.path(), 1);
    let mut written = vec![write(&log, &state)];
    for n in 2..=4 {
        log.append(&[Envelope::new(document(n))]).unwrap();
        state.apply(n, &document(n));
        written.push(write(&log, &state));
    }
    let leftover = dir.path().join("snapshots").join(".00000000000000000009-0000000000000000.snap.tmp77");
    fs::write(&leftover, b"half a snapshot").unwrap();
    fs::write(dir.path().join("snapshots").join("notes.txt"), b"not a snapshot").unwrap();

    let deleted = snapshot::prune(dir.path(), 2).unwrap();
    assert!(deleted.contains(&written[0].path) && deleted.contains(&written[1].path) && deleted.contains(&leftover));
    let kept: Vec<u64> = snapshot::list(dir.path()).unwrap().iter().map(|f| f.seq).collect();
    assert_eq!(kept, vec![4, 3]);
    assert!(dir.path().join("snapshots/notes.txt").exists(), "files that are not snapshots are left alone");
    assert_eq!(snapshot::prune(dir.path(), 0).unwrap().len(), 1, "keep 0 still keeps the newest");
}

mod damage {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any byte of the file flipped (header or archive), or the file cut short anywhere:
        /// the snapshot is refused with an error, never read as valid, never a panic.
        #[test]
        fn a_flipped_or_cut_snapshot_is_refused(
            flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255u8), 1..4),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let (log, state) = log_and_state(dir.path(), 4);
            let file = write(&log, &state);
            let original = fs::read(&file.path).unwrap();
            let mut bytes = original.clone();
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            } else {
                for (at, mask) in &flips {
                    let at = at.index(bytes.len());
                    bytes[at] ^= mask;
                }
            }
            prop_assume!(bytes != original, "flips that cancel out leave the file intact");
            fs::write(&file.path, &bytes).unwrap();
            let result = load(&log, &file.path);
            prop_assert!(result.is_err(), "a damaged snapshot was accepted");
        }
    }
}
