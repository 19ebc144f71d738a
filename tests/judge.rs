//! `aka judge` through the real binary: judgements split and merge entities, hold in every later
//! run (each command opens the store anew, from the snapshot the last write left and the log
//! after it), can be withdrawn, and contradictions are refused.

mod common;

use std::path::Path;

use common::{aka, json_lines, ok, the_merge};

fn ingest(dir: &Path, data: &Path, name: &str, text: &str) {
    let file = dir.join(format!("{name}.txt"));
    std::fs::write(&file, text).unwrap();
    ok(aka(data, &["ingest", file.to_str().unwrap()]));
}

/// The entity id a mention of `doc` with `text` belongs to, from `aka export mentions`.
fn entity_of(data: &Path, doc: &str, text: &str) -> String {
    let rows = ok(aka(data, &["export", "mentions"]));
    let row = json_lines(&rows)
        .into_iter()
        .find(|r| r["doc_id"] == doc && r["text"] == text)
        .unwrap_or_else(|| panic!("no mention {text:?} in {doc}: {rows}"));
    row["entity"].as_str().unwrap().to_string()
}

/// The chairman known only by his role in d1 and named in d2: the resolver merges the two.
fn merged_store(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    ingest(dir, &data, "d1", "The GAP chairman spoke in Berlin.");
    ingest(dir, &data, "d2", "Green Alliance Party (GAP) chairman Omar Hale spoke.");
    assert_eq!(entity_of(&data, "d1", "GAP chairman"), entity_of(&data, "d2", "Omar Hale"), "the resolver merged them");
    data
}

#[test]
fn different_splits_merged_entities_and_they_stay_apart_in_later_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = merged_store(dir.path());
    let chairman = entity_of(&data, "d1", "GAP chairman");
    let (_, _, absorbed) = the_merge(&data);
    let said = ok(aka(&data, &["judge", "different", &chairman, &absorbed, "--reason", "two people", "--by", "ann"]));
    assert!(said.contains("EntitySplit"), "{said}");
    assert_ne!(entity_of(&data, "d1", "GAP chairman"), entity_of(&data, "d2", "Omar Hale"));
    // A later document with the same name and role does not merge them again.
    ingest(dir.path(), &data, "d3", "GAP chairman Omar Hale spoke again.");
    assert_ne!(entity_of(&data, "d1", "GAP chairman"), entity_of(&data, "d2", "Omar Hale"));
    let history = ok(aka(&data, &["history", &absorbed]));
    assert!(history.contains("split") && history.contains("two people"), "{history}");
    let judged_at = json_lines(&ok(aka(&data, &["log", "--json"])))
        .into_iter()
        .find(|e| e["event"]["type"] == "Judged")
        .and_then(|e| e["seq"].as_u64())
        .expect("the judgement is in the log");
    let diff = ok(aka(&data, &["diff", "--from", &(judged_at - 1).to_string(), "--to", &(judged_at + 1).to_string()]));
    assert!(diff.contains("1 split") && diff.contains(&format!("{absorbed} Omar Hale off {chairman}")), "{diff}");
}

#[test]
fn retracting_a_judgement_undoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = merged_store(dir.path());
    let chairman = entity_of(&data, "d1", "GAP chairman");
    let named = ok(aka(&data, &["entities", "--json"]));
    assert!(named.contains("Omar Hale"));
    let (_, _, absorbed) = the_merge(&data);
    ok(aka(&data, &["judge", "different", &chairman, &absorbed, "--reason", "two people"]));
    let said = ok(aka(&data, &["judge", "retract", "J1", "--reason", "one after all"]));
    assert!(said.contains("JudgementRetracted") && said.contains("EntitiesMerged"), "{said}");
    assert_eq!(entity_of(&data, "d1", "GAP chairman"), entity_of(&data, "d2", "Omar Hale"));
    let again = aka(&data, &["judge", "retract", "J1"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("J1 was withdrawn already"));
}

#[test]
fn contradicting_judgements_are_refused_naming_the_chain_and_append_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ingest(dir.path(), &data, "d1", "Ada Finch met Ines Ward and Omar Hale in Berlin.");
    let [x, y, z] = ["Ada Finch", "Ines Ward", "Omar Hale"].map(|n| entity_of(&data, "d1", n));
    ok(aka(&data, &["judge", "same", &x, &y, "--reason", "one person"]));
    ok(aka(&data, &["judge", "same", &y, &z, "--reason", "one person"]));
    let before = ok(aka(&data, &["log", "--json"]));
    let refused = aka(&data, &["judge", "different", &x, &z, "--reason", "two"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains(&format!("J1: {x} same {y}")) && message.contains(&format!("J2: {y} same {z}")),
        "{message}"
    );
    assert_eq!(ok(aka(&data, &["log", "--json"])), before, "nothing appended");
    let empty = aka(&data, &["judge", "same", &x, &z, "--reason", " "]);
    assert!(String::from_utf8_lossy(&empty.stderr).contains("--reason is empty"));
}
