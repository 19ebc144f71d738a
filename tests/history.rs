//! `aka entities --as-of`, `aka show --as-of`, `aka history` and `aka diff` through the real binary.
//!
//! Three small documents are ingested one run at a time, so the log's sequence number after each
//! is known: the GAP chairman known only by his role, then named (his two entities merge), then
//! named again beside a new person.

mod common;

use std::path::{Path, PathBuf};

use common::{aka, failed, json_lines, ok, the_merge};
use serde_json::Value;

const DOCS: [(&str, &str); 3] = [
    ("d1", "The GAP chairman spoke in Berlin."),
    ("d2", "Green Alliance Party (GAP) chairman Omar Hale spoke."),
    ("d3", "Omar Hale met Mayor Lena Brandt in Berlin."),
];

/// A store in `dir/name` holding the first `count` documents, ingested one run each; returns
/// the data directory and the log's last sequence number after each document.
fn store(dir: &Path, name: &str, count: usize) -> (PathBuf, Vec<u64>) {
    let data = dir.join(name);
    let mut ends = Vec::new();
    for (doc_id, text) in &DOCS[..count] {
        let file = dir.join(format!("{doc_id}.txt"));
        std::fs::write(&file, text).unwrap();
        ok(aka(&data, &["ingest", file.to_str().unwrap()]));
        ends.push(last_seq(&data));
    }
    (data, ends)
}

fn last_seq(data: &Path) -> u64 {
    let log = json_lines(&ok(aka(data, &["log", "--json"])));
    log.last().unwrap()["seq"].as_u64().unwrap()
}

fn mention_total(entities: &[Value]) -> u64 {
    entities.iter().map(|e| e["mentions"].as_u64().unwrap()).sum()
}

#[test]
fn entities_as_of_an_earlier_seq_equal_a_store_holding_only_the_earlier_documents() {
    let dir = tempfile::tempdir().unwrap();
    let (data, ends) = store(dir.path(), "all", 3);
    let (earlier, _) = store(dir.path(), "first", 1);
    let seq = ends[0].to_string();
    for format in [&[][..], &["--json"][..]] {
        let as_of = ok(aka(&data, &[&["entities", "--as-of", &seq][..], format].concat()));
        let only_first = ok(aka(&earlier, &[&["entities"][..], format].concat()));
        assert_eq!(as_of, only_first, "entities --as-of {seq} {format:?}");
    }
    let then = json_lines(&ok(aka(&data, &["entities", "--json", "--as-of", &seq])));
    let now = json_lines(&ok(aka(&data, &["entities", "--json"])));
    assert!(then.len() < now.len(), "{then:?} vs {now:?}");
    assert!(mention_total(&then) < mention_total(&now), "{then:?} vs {now:?}");
    let at_end = ok(aka(&data, &["entities", "--as-of", &ends[2].to_string()]));
    assert_eq!(at_end, ok(aka(&data, &["entities"])), "--as-of the last seq is now");
    assert_eq!(ok(aka(&data, &["entities", "--as-of", "0"])), "", "--as-of 0 is the empty store");
}

#[test]
fn show_as_of_resolves_the_name_against_the_earlier_state() {
    let dir = tempfile::tempdir().unwrap();
    let (data, ends) = store(dir.path(), "all", 3);
    let (earlier, _) = store(dir.path(), "first", 1);
    let seq = ends[0].to_string();
    let then = ok(aka(&data, &["show", "GAP chairman", "--as-of", &seq]));
    assert_eq!(then, ok(aka(&earlier, &["show", "GAP chairman"])));
    assert!(!then.contains("Omar Hale"), "{then}");
    assert!(ok(aka(&data, &["show", "GAP chairman"])).contains("Omar Hale"));
    let unnamed_yet = aka(&data, &["show", "Omar Hale", "--as-of", &seq]);
    assert!(failed(&unnamed_yet).contains("no entity matches"));
}

#[test]
fn as_of_past_the_end_of_the_log_is_an_error_naming_the_last_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (data, ends) = store(dir.path(), "all", 2);
    let past = (ends[1] + 1).to_string();
    let last = format!("#{}", ends[1]);
    let entities = failed(&aka(&data, &["entities", "--as-of", &past]));
    assert!(entities.contains(&past) && entities.contains(&last), "{entities}");
    let show = failed(&aka(&data, &["show", "Berlin", "--as-of", &past]));
    assert!(show.contains(&last), "{show}");
}

#[test]
fn history_lists_the_creation_then_the_links_with_their_rules_and_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let (data, ends) = store(dir.path(), "all", 3);
    let entries = json_lines(&ok(aka(&data, &["history", "Green Alliance Party", "--json"])));
    let changes: Vec<&str> = entries.iter().map(|e| e["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["created", "linked", "linked"], "{entries:?}");
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "log order: {seqs:?}");
    assert!(seqs[0] <= ends[0] && seqs[1] > ends[0], "created by d1, linked by d2: {seqs:?}");
    assert_eq!(entries[0]["rule"], "new_entity");
    assert_eq!(entries[0]["mention"]["doc_id"], "d1");
    assert_eq!(entries[0]["mention"]["text"], "GAP");
    let linked: Vec<(&str, &str)> =
        entries[1..].iter().map(|e| (e["mention"]["text"].as_str().unwrap(), e["rule"].as_str().unwrap())).collect();
    assert_eq!(linked, [("Green Alliance Party", "acronym_alias"), ("GAP", "exact_name")]);
    for entry in &entries {
        assert!(entry["score"].is_f64() && !entry["evidence"].as_array().unwrap().is_empty(), "{entry}");
    }
    let text = ok(aka(&data, &["history", "Green Alliance Party"]));
    assert!(text.starts_with("E1 ORG Green Alliance Party (3 mentions)\n"), "{text}");
    assert!(text.contains("acronym_alias") && text.contains("evidence:"), "{text}");
    assert!(text.contains("linked \"GAP\" (d2:22-25 in d2) to E1"), "{text}");
}

#[test]
fn an_id_merged_away_resolves_to_its_survivor_and_says_when_and_by_which_rule() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = store(dir.path(), "all", 3);
    let (seq, survivor, absorbed) = the_merge(&data);
    let text = ok(aka(&data, &["history", &absorbed]));
    let first = text.lines().next().unwrap();
    assert_eq!(first, format!("{absorbed} was merged into {survivor} at #{seq} (unique_role)"));
    assert!(text.lines().nth(1).unwrap().starts_with(&format!("{survivor} PERSON Omar Hale")), "{text}");
    let of_absorbed = json_lines(&ok(aka(&data, &["history", &absorbed, "--json"])));
    let of_survivor = json_lines(&ok(aka(&data, &["history", &survivor, "--json"])));
    assert_eq!(of_absorbed, of_survivor, "the survivor's history");
    let merge = of_survivor.iter().find(|e| e["change"] == "merged").expect("the merge is in the history");
    assert_eq!(
        (merge["seq"].as_u64(), merge["survivor"].as_str(), merge["absorbed"].as_str()),
        (Some(seq), Some(survivor.as_str()), Some(absorbed.as_str()))
    );
    let created: Vec<&Value> = of_survivor.iter().filter(|e| e["change"] == "created").collect();
    assert_eq!(created.len(), 2, "both entities' creations: {of_survivor:?}");
    let by_name = ok(aka(&data, &["history", "Omar Hale"]));
    assert!(!by_name.contains("was merged into"), "a name designates the live entity: {by_name}");
    let explained = ok(aka(&data, &["explain", &absorbed]));
    assert!(
        explained.starts_with(&format!("{absorbed} was merged into {survivor}\n")),
        "explain says so too: {explained}"
    );
}

#[test]
fn diff_reports_the_entities_created_merged_and_grown_between_two_points() {
    let dir = tempfile::tempdir().unwrap();
    let (data, ends) = store(dir.path(), "all", 3);
    let (_, survivor, absorbed) = the_merge(&data);
    let diff = |from: u64, to: u64| -> Value {
        serde_json::from_str(&ok(aka(&data, &["diff", "--from", &from.to_string(), "--to", &to.to_string(), "--json"])))
            .unwrap()
    };
    let first = diff(0, ends[0]);
    let names: Vec<&str> = first["created"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["GAP", "Berlin", "GAP chairman"], "{first}");
    assert_eq!(first["merged"], Value::Array(vec![]), "{first}");

    let second = diff(ends[0], ends[1]);
    assert_eq!(second["created"], Value::Array(vec![]), "the new entity was merged away: {second}");
    let merged = second["merged"].as_array().unwrap();
    assert_eq!(merged.len(), 1, "{second}");
    let pair = (merged[0]["absorbed"].as_str(), merged[0]["survivor"]["id"].as_str());
    assert_eq!(pair, (Some(absorbed.as_str()), Some(survivor.as_str())), "{second}");
    let grew: Vec<(&str, u64)> = second["grew"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["entity"]["name"].as_str().unwrap(), g["mentions_added"].as_u64().unwrap()))
        .collect();
    assert_eq!(grew, [("Green Alliance Party", 2), ("Omar Hale", 1)], "{second}");

    let third = diff(ends[1], ends[2]);
    let created = third["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "{third}");
    assert_eq!(
        (created[0]["name"].as_str(), created[0]["kind"].as_str(), created[0]["mentions"].as_u64()),
        (Some("Lena Brandt"), Some("PERSON"), Some(1))
    );
    assert_eq!(third["merged"], Value::Array(vec![]), "{third}");

    let text = ok(aka(&data, &["diff", "--from", &ends[0].to_string()]));
    assert!(
        text.starts_with(&format!("from #{} to #{}: 1 created, 1 merged, 0 split, 3 grew\n", ends[0], ends[2])),
        "{text}"
    );
    assert!(text.contains(&format!("{absorbed} into {survivor} Omar Hale")), "{text}");
}

#[test]
fn diff_of_mentions_that_changed_id_names_both_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = store(dir.path(), "all", 2);
    let (seq, survivor, absorbed) = the_merge(&data);
    let before_merge = (seq - 1).to_string();
    let diff: Value = serde_json::from_str(&ok(aka(&data, &["diff", "--from", &before_merge, "--json"]))).unwrap();
    let moved = diff["moved"].as_array().unwrap();
    assert_eq!(moved.len(), 1, "{diff}");
    assert_eq!(
        (moved[0]["from"].as_str(), moved[0]["to"].as_str(), moved[0]["mentions"].as_u64()),
        (Some(absorbed.as_str()), Some(survivor.as_str()), Some(1))
    );
}

#[test]
fn diff_from_after_to_and_past_the_end_are_errors_that_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let (data, ends) = store(dir.path(), "all", 2);
    let backwards = failed(&aka(&data, &["diff", "--from", &ends[1].to_string(), "--to", &ends[0].to_string()]));
    assert!(backwards.contains(&format!("--from {} is after --to {}", ends[1], ends[0])), "{backwards}");
    let past = (ends[1] + 1).to_string();
    let too_far = failed(&aka(&data, &["diff", "--from", "0", "--to", &past]));
    assert!(too_far.contains(&format!("#{}", ends[1])), "{too_far}");
    let from_past = failed(&aka(&data, &["diff", "--from", &past]));
    assert!(from_past.contains(&format!("{past} is past the end of the log")), "{from_past}");
}
