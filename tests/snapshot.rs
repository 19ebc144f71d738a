//! `aka snapshot` through the real binary: commands that write a tail of at least half of
//! `--snapshot-every` events leave a snapshot, later commands open from it and give what a full
//! replay gives; a short tail leaves none; a damaged one is skipped with a warning that names it;
//! `--list` says which are usable.

mod common;

use std::path::{Path, PathBuf};

use common::{aka, ok, repo};

/// The seed articles ingested (about 240 events) with a snapshot period that makes them worth
/// a snapshot on exit.
fn seeded(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(aka(&data, &["--snapshot-every", "200", "ingest", repo().join("seeds").to_str().unwrap()]));
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
fn a_command_that_writes_a_short_tail_leaves_no_snapshot_and_reads_what_a_replay_gives() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    let before = snapshots(&data);
    // The default period is 100,000 events: a one-mention ingest is far under half of it.
    let file = dir.path().join("one.jsonl");
    std::fs::write(&file, "{\"doc_id\":\"late\",\"text\":\"Halvard Quist\",\"kind\":\"PERSON\"}\n").unwrap();
    ok(aka(&data, &["ingest", "--mentions", file.to_str().unwrap()]));
    assert_eq!(snapshots(&data), before, "no snapshot rewritten for a short tail");
    let from_snapshot_and_tail = ok(aka(&data, &["entities", "--json"]));
    assert!(from_snapshot_and_tail.contains("Halvard Quist"), "{from_snapshot_and_tail}");
    assert_eq!(from_snapshot_and_tail, ok(aka(&data, &["--replay", "entities", "--json"])));
    // With --snapshot-every 0, every command that writes leaves one.
    let file = dir.path().join("two.jsonl");
    std::fs::write(&file, "{\"doc_id\":\"later\",\"text\":\"Ilse Brandvik\",\"kind\":\"PERSON\"}\n").unwrap();
    ok(aka(&data, &["--snapshot-every", "0", "ingest", "--mentions", file.to_str().unwrap()]));
    assert_ne!(snapshots(&data), before, "a snapshot at the end with --snapshot-every 0");
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

/// A store of a few thousand bare mentions, big enough that writing its snapshot takes a while.
fn sizeable(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let given = ["Amara", "Tomas", "Ines", "Omar", "Lena", "Kofi", "Mira", "Ravi"];
    let family = ["Mensah", "Berg", "Ward", "Hale", "Vogt", "Finch", "Okafor", "Lind", "Reyes", "Sato", "Brandt"];
    let mut lines = String::new();
    for n in 0..3000 {
        let name = format!("{} {}", given[n % given.len()], family[(n / given.len()) % family.len()]);
        lines.push_str(&format!("{{\"doc_id\":\"r{}\",\"text\":\"{name}\",\"kind\":\"PERSON\"}}\n", n / 5));
    }
    let file = dir.join("mentions.jsonl");
    std::fs::write(&file, lines).unwrap();
    ok(aka(&data, &["--snapshot-every", "0", "ingest", "--mentions", file.to_str().unwrap()]));
    data
}

/// `aka snapshot` killed with SIGKILL at several moments (before, during or after its write):
/// every later command opens the store to the entities the log alone gives, and a temporary
/// file the kill left is neither used nor kept by the next snapshot.
#[test]
fn killing_aka_snapshot_at_any_moment_leaves_a_store_that_opens_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = sizeable(dir.path());
    let truth = ok(aka(&data, &["--replay", "entities", "--json"]));
    for delay_ms in [0, 5, 20, 60, 150] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aka"))
            .arg("--data")
            .arg(&data)
            .arg("snapshot")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let output = aka(&data, &["entities", "--json"]);
        assert_eq!(ok(output), truth, "after a kill {delay_ms} ms in");
    }
    ok(aka(&data, &["snapshot"]));
    let left: Vec<PathBuf> =
        snapshots(&data).into_iter().filter(|p| p.extension().is_none_or(|e| e != "snap")).collect();
    assert!(left.is_empty(), "the next snapshot removed what the kills left: {left:?}");
}
