//! `aka snapshot` through the real binary: commands that write leave a snapshot, later commands
//! open from it and give what a full replay gives; a damaged one is skipped with a warning that
//! names it; `--list` says which are usable.

mod common;

use std::path::{Path, PathBuf};

use common::{aka, ok, repo};

fn seeded(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(aka(&data, &["ingest", repo().join("seeds").to_str().unwrap()]));
    data
}

fn snapshots(data: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(data.join("snapshots")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn ingest_leaves_a_snapshot_and_reads_from_it_equal_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    assert_eq!(snapshots(&data).len(), 1, "ingest took a snapshot on exit");
    let listed = ok(aka(&data, &["snapshot", "--list"]));
    assert!(listed.contains("usable") && !listed.contains("not usable"), "{listed}");
    let from_snapshot = ok(aka(&data, &["entities", "--json"]));
    let replayed = ok(aka(&data, &["--replay", "entities", "--json"]));
    assert_eq!(from_snapshot, replayed);
    assert!(from_snapshot.lines().count() > 10);
}

#[test]
fn aka_snapshot_writes_one_and_keep_prunes_the_older() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    let said = ok(aka(&data, &["--snapshot-keep", "1", "snapshot"]));
    assert!(said.starts_with("snapshot of events 1..="), "{said}");
    let files = snapshots(&data);
    assert_eq!(files.len(), 1, "--snapshot-keep 1 leaves one: {files:?}");
    assert!(said.contains(&files[0].display().to_string()), "it names the file: {said}");
}

#[test]
fn a_damaged_snapshot_is_skipped_with_a_warning_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    let before = ok(aka(&data, &["entities", "--json"]));
    let file = snapshots(&data).pop().unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.truncate(bytes.len() - 100);
    std::fs::write(&file, bytes).unwrap();

    let output = aka(&data, &["entities", "--json"]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("snapshot skipped") && stderr.contains(&file.display().to_string()), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), before, "the log alone gives the same entities");
    let listed = ok(aka(&data, &["snapshot", "--list"]));
    assert!(listed.contains("not usable") && listed.contains("cut short"), "{listed}");
}

#[test]
fn a_snapshot_of_an_empty_store_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let output = aka(&data, &["snapshot"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to snapshot: the log is empty"));
}
