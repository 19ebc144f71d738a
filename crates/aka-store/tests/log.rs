//! The log's behaviour on real directories: numbering, reopening, locking and refusals.

use std::fs;
use std::path::Path;

use aka_core::{Envelope, Event};
use aka_store::{Durability, Log, LogConfig, OpenError, ReadError};

fn event(n: u64) -> Envelope {
    Envelope::new(Event::DocumentIngested {
        doc_id: format!("doc-{n}"),
        content_hash: format!("sha256:{n:064x}"),
        source: "test".to_owned(),
        text: format!("text of document {n}"),
    })
}

fn events(range: std::ops::Range<u64>) -> Vec<Envelope> {
    range.map(event).collect()
}

fn open(dir: &Path) -> Log {
    Log::open(dir, LogConfig::default()).expect("the log opens")
}

fn contents(log: &Log) -> Vec<(u64, Envelope)> {
    log.iter_from(0).collect::<Result<_, _>>().expect("every event reads")
}

/// sled's database of a store, opened directly, once a log dropped just before lets go of it.
fn open_raw(dir: &Path) -> sled::Db {
    aka_store::open_sled_when_free(&sled::Config::new().path(dir.join("log"))).expect("sled opens the store's database")
}

/// Writes raw bytes under `key` in the events tree, as a damaged or foreign store would hold.
fn write_raw(dir: &Path, key: u64, value: &[u8]) {
    let db = open_raw(dir);
    db.open_tree("events").unwrap().insert(key.to_be_bytes(), value).unwrap();
    db.flush().unwrap();
}

/// The stored records of the events tree, as (key, value).
fn records(dir: &Path) -> Vec<(u64, Vec<u8>)> {
    let db = open_raw(dir);
    let tree = db.open_tree("events").unwrap();
    tree.iter()
        .map(|item| {
            let (k, v) = item.unwrap();
            (u64::from_be_bytes(k.as_ref().try_into().unwrap()), v.to_vec())
        })
        .collect()
}

/// The plain form of a record of a new store (`aka-log-3`): its LZ4 block decompressed.
fn plain(value: &[u8]) -> Vec<u8> {
    lz4_flex::block::decompress_size_prepended(value).expect("a record of a new store decompresses")
}

/// A plain record as a new store holds it.
fn packed(plain: &[u8]) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size(plain)
}

/// The plain record (`aka-log-2`) of the events `range` makes: the count, a newline, each
/// encoded event and a newline.
fn plain_record(range: std::ops::Range<u64>) -> Vec<u8> {
    let lines: String =
        events(range.clone()).iter().map(|e| format!("{}\n", String::from_utf8(e.encode()).unwrap())).collect();
    format!("{}\n{lines}", range.count()).into_bytes()
}

/// Replaces event `seq` inside the record that holds it with `bytes`, keeping the framing.
fn damage_event(dir: &Path, seq: u64, bytes: &[u8]) {
    let (first, value) = records(dir).into_iter().rfind(|(key, _)| *key <= seq).unwrap();
    let text = String::from_utf8(plain(&value)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[usize::try_from(seq - first).unwrap() + 1] = String::from_utf8(bytes.to_vec()).unwrap();
    write_raw(dir, first, &packed(format!("{}\n", lines.join("\n")).as_bytes()));
}

#[test]
fn empty_log_numbers_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    assert_eq!(log.next_seq(), 1);
    assert_eq!(log.last_seq(), 0);
    assert_eq!(log.iter_from(0).count(), 0);
    assert_eq!(log.dir(), dir.path());
}

#[test]
fn append_then_iterate_returns_events_in_order_with_seqs_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    assert_eq!(log.append(&events(0..3)).unwrap(), 1..4);
    assert_eq!(log.append(&events(3..5)).unwrap(), 4..6);
    let expected: Vec<_> = (1..6).zip(events(0..5)).collect();
    assert_eq!(contents(&log), expected);
    assert_eq!(log.next_seq(), 6);
    assert_eq!(log.last_seq(), 5);
}

#[test]
fn iter_from_starts_at_the_given_seq() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..5)).unwrap();
    let seqs: Vec<u64> = log.iter_from(3).map(|item| item.unwrap().0).collect();
    assert_eq!(seqs, vec![3, 4, 5]);
    assert_eq!(log.iter_from(6).count(), 0);
}

#[test]
fn get_returns_the_event_under_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..3)).unwrap();
    assert_eq!(log.get(2).unwrap(), Some(event(1)));
}

#[test]
fn get_of_a_missing_seq_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    assert_eq!(log.get(1).unwrap(), None);
    log.append(&events(0..2)).unwrap();
    assert_eq!(log.get(0).unwrap(), None);
    assert_eq!(log.get(3).unwrap(), None);
    assert_eq!(log.get(u64::MAX).unwrap(), None);
}

#[test]
fn empty_append_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    assert_eq!(log.append(&[]).unwrap(), 1..1);
    log.append(&events(0..2)).unwrap();
    assert_eq!(log.append(&[]).unwrap(), 3..3);
    assert_eq!(log.next_seq(), 3);
    assert_eq!(contents(&log).len(), 2);
}

#[test]
fn reopen_keeps_events_and_continues_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..3)).unwrap();
    drop(log);

    let mut log = open(dir.path());
    assert_eq!(log.last_seq(), 3);
    assert_eq!(log.append(&events(3..4)).unwrap(), 4..5);
    let expected: Vec<_> = (1..5).zip(events(0..4)).collect();
    assert_eq!(contents(&log), expected);
}

#[test]
fn deferred_appends_survive_reopen_after_flush() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { durability: Durability::Deferred };
    let mut log = Log::open(dir.path(), config.clone()).unwrap();
    log.append(&events(0..4)).unwrap();
    log.flush().unwrap();
    drop(log);
    let log = Log::open(dir.path(), config).unwrap();
    assert_eq!(contents(&log).len(), 4);
}

#[test]
fn deferred_appends_queued_on_the_append_thread_read_back_at_once_in_order_and_survive_a_drop() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { durability: Durability::Deferred };
    let mut log = Log::open(dir.path(), config.clone()).unwrap();
    // More batches than the queue holds, so that appends also wait for it.
    let mut expected = Vec::new();
    for batch in 0..300u64 {
        let range = log.append(&events(batch * 3..batch * 3 + 3)).unwrap();
        assert_eq!(range, batch * 3 + 1..batch * 3 + 4);
        expected.extend((batch * 3..batch * 3 + 3).map(|n| (n + 1, event(n))));
        if batch % 50 == 0 {
            // A read right after an append sees it.
            assert_eq!(log.get(batch * 3 + 3).unwrap(), Some(event(batch * 3 + 2)));
        }
    }
    assert_eq!(contents(&log), expected);
    // Dropped without a flush: the queue is drained and sled flushes on close.
    drop(log);
    let log = Log::open(dir.path(), config).unwrap();
    assert_eq!(contents(&log), expected);
    assert_eq!(log.last_seq(), 900);
}

#[test]
fn events_handed_over_to_the_append_thread_are_stored_as_borrowed_ones_are() {
    // Owned events are encoded on the append thread; the stored records must be byte for byte
    // those of `append`, in both durabilities.
    for durability in [Durability::Deferred, Durability::Flush] {
        let (owned, borrowed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let config = LogConfig { durability };
        let mut a = Log::open(owned.path(), config.clone()).unwrap();
        let mut b = Log::open(borrowed.path(), config).unwrap();
        for batch in 0..100u64 {
            let range = batch * 2..batch * 2 + 1 + batch % 3;
            let owned = events(range.clone()).into_iter().map(|envelope| envelope.event).collect();
            assert_eq!(a.append_owned(owned).unwrap(), b.append(&events(range)).unwrap());
        }
        a.flush().unwrap();
        b.flush().unwrap();
        assert_eq!(contents(&a), contents(&b));
        drop((a, b));
        assert_eq!(records(owned.path()), records(borrowed.path()), "{durability:?}");
    }
}

#[test]
fn open_creates_a_missing_dir() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    let log = open(&nested);
    assert_eq!(log.dir(), nested);
    assert!(nested.join("LOCK").is_file());
    assert!(nested.join("log").is_dir());
}

/// sled's flusher thread lets go of its files a little after a `Log` is dropped; reopening at
/// once in the same process must wait for it, not report the directory as locked. Several
/// threads at once, as a busy process (or a parallel test run) makes the flusher late.
#[test]
fn a_dropped_log_reopens_at_once_in_the_same_process() {
    let config = LogConfig { durability: Durability::Deferred };
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let config = config.clone();
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                for round in 0..40u64 {
                    let mut log =
                        Log::open(dir.path(), config.clone()).unwrap_or_else(|e| panic!("round {round}: {e}"));
                    assert_eq!(log.last_seq(), round);
                    log.append(&events(round..round + 1)).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn second_open_of_an_open_dir_is_locked_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = open(dir.path());
    first.append(&events(0..1)).unwrap();

    let err = Log::open(dir.path(), LogConfig::default()).unwrap_err();
    assert!(matches!(&err, OpenError::Locked { dir: locked } if locked == dir.path()), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("in use by another aka process"), "{message}");
    assert!(message.contains(&dir.path().join("LOCK").display().to_string()), "{message}");

    drop(first);
    let second = open(dir.path());
    assert_eq!(second.last_seq(), 1);
}

#[test]
fn opening_a_dir_of_unrelated_files_is_refused_and_leaves_them_untouched() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
    fs::create_dir(dir.path().join("photos")).unwrap();

    let err = Log::open(dir.path(), LogConfig::default()).unwrap_err();
    let OpenError::NotAStore { dir: refused, found } = &err else {
        panic!("expected NotAStore, got {err:?}");
    };
    assert_eq!(refused, dir.path());
    assert!(found.contains("notes.txt") && found.contains("photos"), "{found}");
    assert!(err.to_string().contains(&dir.path().display().to_string()));

    let mut names: Vec<_> =
        fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["notes.txt", "photos"]);
    assert_eq!(fs::read(dir.path().join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn a_log_dir_that_is_not_a_sled_db_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("log")).unwrap();
    fs::write(dir.path().join("log").join("app.log"), b"line").unwrap();
    let err = Log::open(dir.path(), LogConfig::default()).unwrap_err();
    assert!(matches!(&err, OpenError::NotAStore { found, .. } if found.contains("log/app.log")), "{err:?}");
}

#[test]
fn a_store_of_another_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    {
        let db = open_raw(dir.path());
        let meta = db.open_tree("meta").unwrap();
        meta.insert("format", &b"aka-log-99"[..]).unwrap();
        db.flush().unwrap();
    }
    let err = Log::open(dir.path(), LogConfig::default()).unwrap_err();
    assert!(matches!(&err, OpenError::WrongFormat { found, .. } if found == "aka-log-99"), "{err:?}");
    assert!(err.to_string().contains("aka-log-99"), "{err}");
    assert!(err.to_string().contains("reads aka-log-3, aka-log-2 and aka-log-1"), "{err}");
}

#[test]
fn an_undecodable_event_is_an_err_item_and_iteration_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..3)).unwrap();
    drop(log);
    damage_event(dir.path(), 2, b"not json");

    let log = open(dir.path());
    let items: Vec<_> = log.iter_from(1).collect();
    assert_eq!(items.len(), 3);
    assert!(matches!(&items[0], Ok((1, _))));
    assert!(matches!(&items[1], Err(ReadError::Decode { seq: 2, .. })), "{:?}", items[1]);
    assert!(matches!(&items[2], Ok((3, _))));
    assert!(matches!(log.get(2), Err(ReadError::Decode { seq: 2, .. })));
    let message = log.get(2).unwrap_err().to_string();
    assert!(message.contains("event 2"), "{message}");
}

#[test]
fn an_undecodable_last_event_is_refused_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..2)).unwrap();
    drop(log);
    damage_event(dir.path(), 2, b"{\"schema\":");

    let err = Log::open(dir.path(), LogConfig::default()).unwrap_err();
    assert!(matches!(&err, OpenError::Corrupt { seq: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("event 2"), "{err}");
}

#[test]
fn each_append_is_one_record_under_the_seq_of_its_first_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..3)).unwrap();
    log.append(&events(3..4)).unwrap();
    log.append(&events(4..9)).unwrap();
    drop(log);
    let keys: Vec<u64> = records(dir.path()).into_iter().map(|(key, _)| key).collect();
    assert_eq!(keys, vec![1, 4, 5]);
    let log = open(dir.path());
    assert_eq!(log.last_seq(), 9);
    for seq in 1..=9 {
        assert_eq!(log.get(seq).unwrap(), Some(event(seq - 1)), "event {seq}");
    }
    assert_eq!(log.get(10).unwrap(), None);
    let from_6: Vec<u64> = log.iter_from(6).map(|item| item.unwrap().0).collect();
    assert_eq!(from_6, vec![6, 7, 8, 9], "iteration from inside a record starts at the asked seq");
}

#[test]
fn a_record_whose_framing_is_damaged_is_one_err_item_and_the_next_records_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..3)).unwrap();
    log.append(&events(3..5)).unwrap();
    drop(log);
    let value = plain(&records(dir.path()).remove(0).1);
    // The count says 3; drop the last event.
    let cut: Vec<u8> =
        value[..value.len() - 1].iter().rposition(|&b| b == b'\n').map(|i| value[..=i].to_vec()).unwrap();
    write_raw(dir.path(), 1, &packed(&cut));

    let log = open(dir.path());
    let items: Vec<_> = log.iter_from(1).collect();
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(matches!(&items[0], Err(ReadError::Decode { seq: 1, .. })), "{:?}", items[0]);
    assert!(items[0].as_ref().unwrap_err().to_string().contains("3 events announced, 2 found"), "{:?}", items[0]);
    assert!(matches!(&items[1], Ok((4, _))));
    assert!(matches!(&items[2], Ok((5, _))));
}

#[test]
fn a_store_of_one_event_per_key_is_still_read_and_appended_to_in_its_layout() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = open_raw(dir.path());
        db.open_tree("meta").unwrap().insert("format", &b"aka-log-1"[..]).unwrap();
        let tree = db.open_tree("events").unwrap();
        for seq in 1..=3u64 {
            tree.insert(seq.to_be_bytes(), event(seq).encode()).unwrap();
        }
        db.flush().unwrap();
    }
    fs::write(dir.path().join("LOCK"), b"").unwrap();
    let mut log = open(dir.path());
    assert_eq!(log.last_seq(), 3);
    assert_eq!(log.append(&events(10..12)).unwrap(), 4..6);
    drop(log);
    let keys: Vec<u64> = records(dir.path()).into_iter().map(|(key, _)| key).collect();
    assert_eq!(keys, vec![1, 2, 3, 4, 5], "one key per event, as the store was written");
    let log = open(dir.path());
    let seqs: Vec<u64> = contents(&log).into_iter().map(|(seq, _)| seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    assert_eq!(log.get(2).unwrap(), Some(event(2)));
    assert_eq!(log.get(5).unwrap(), Some(event(11)));
}

#[test]
fn a_new_store_keeps_each_batch_as_its_plain_record_compressed_in_a_fraction_of_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..40)).unwrap();
    log.append(&events(40..41)).unwrap();
    drop(log);
    let db = open_raw(dir.path());
    assert_eq!(db.open_tree("meta").unwrap().get("format").unwrap().unwrap(), b"aka-log-3");
    drop(db);
    let stored = records(dir.path());
    assert_eq!(stored.iter().map(|(key, _)| *key).collect::<Vec<_>>(), vec![1, 41]);
    for ((_, value), range) in stored.iter().zip([0..40, 40..41]) {
        assert_eq!(plain(value), plain_record(range));
    }
    // Forty events that repeat their field names: the record is a small part of its plain form.
    let (plain_len, stored_len) = (plain(&stored[0].1).len(), stored[0].1.len());
    assert!(stored_len * 3 < plain_len, "{stored_len} bytes stored for {plain_len} plain");
}

#[test]
fn a_compressed_record_that_is_damaged_is_one_err_item_saying_why_and_the_next_records_still_read() {
    /// What a damage says is wrong, and how it damages a record.
    type Damage = (&'static str, fn(&[u8]) -> Vec<u8>);
    let damages: [Damage; 4] = [
        ("has no length", |_: &[u8]| vec![7, 0]),
        // A length no block of this size can hold: refused before it is allocated.
        ("claims 4294967295 bytes from a block of", |v: &[u8]| [&u32::MAX.to_le_bytes()[..], &v[4..]].concat()),
        ("does not decompress", |v: &[u8]| v[..v.len() / 2].to_vec()),
        // The block is whole but shorter than the length says.
        ("claims", |v: &[u8]| {
            let size = u32::from_le_bytes(v[..4].try_into().unwrap()) + 1;
            [&size.to_le_bytes()[..], &v[4..]].concat()
        }),
    ];
    for (why, damage) in damages {
        let dir = tempfile::tempdir().unwrap();
        let mut log = open(dir.path());
        log.append(&events(0..3)).unwrap();
        log.append(&events(3..5)).unwrap();
        drop(log);
        let value = records(dir.path()).remove(0).1;
        write_raw(dir.path(), 1, &damage(&value));

        let log = open(dir.path());
        let items: Vec<_> = log.iter_from(1).collect();
        assert_eq!(items.len(), 3, "{why}: {items:?}");
        let message = items[0].as_ref().unwrap_err().to_string();
        assert!(message.contains("compressed record") && message.contains(why), "{why}: {message}");
        assert!(matches!(&items[1], Ok((4, _))));
        assert!(matches!(&items[2], Ok((5, _))));
        assert!(matches!(log.get(2), Err(ReadError::Decode { seq: 2, .. })), "{why}");
    }
}

#[test]
fn a_damaged_compressed_last_record_is_refused_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path());
    log.append(&events(0..2)).unwrap();
    log.append(&events(2..4)).unwrap();
    drop(log);
    let value = records(dir.path()).remove(1).1;
    write_raw(dir.path(), 3, &value[..value.len() - 3]);
    let err = Log::open(dir.path(), LogConfig::default()).unwrap_err();
    assert!(matches!(&err, OpenError::Corrupt { seq: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("compressed record"), "{err}");
}

#[test]
fn a_store_of_plain_records_is_still_read_and_appended_to_in_its_layout() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = open_raw(dir.path());
        db.open_tree("meta").unwrap().insert("format", &b"aka-log-2"[..]).unwrap();
        db.open_tree("events").unwrap().insert(1u64.to_be_bytes(), plain_record(0..3)).unwrap();
        db.flush().unwrap();
    }
    fs::write(dir.path().join("LOCK"), b"").unwrap();
    for durability in [Durability::Flush, Durability::Deferred] {
        let mut log = Log::open(dir.path(), LogConfig { durability }).unwrap();
        let first = log.next_seq();
        let range = log.append(&events(10..12)).unwrap();
        assert_eq!(range, first..first + 2);
    }
    assert_eq!(
        records(dir.path()),
        vec![(1, plain_record(0..3)), (4, plain_record(10..12)), (6, plain_record(10..12))]
    );
    let log = open(dir.path());
    assert_eq!(log.get(2).unwrap(), Some(event(1)));
    assert_eq!(log.get(7).unwrap(), Some(event(11)));
    assert_eq!(contents(&log).len(), 7);
}
