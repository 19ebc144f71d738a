//! The `aka` binary, run as a user runs it: on the seed articles, on bad input, on a data
//! directory another process holds.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{Row, aka, check, failed, json_lines, ok, repo};
use serde_json::Value;

fn log_len(data: &Path) -> usize {
    ok(aka(data, &["log", "--json"])).lines().count()
}

#[test]
fn ingest_seeds_then_export_mentions_meets_the_seed_expectations() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(aka(&data, &["ingest", repo().join("seeds").to_str().unwrap()]));
    let mentions = json_lines(&ok(aka(&data, &["export", "mentions"])));
    let rows: Vec<Row> = mentions
        .iter()
        .map(|m| {
            for field in ["mention_id", "doc_id", "start", "end", "text", "kind", "entity"] {
                assert!(m.get(field).is_some(), "export line lacks {field}: {m}");
            }
            Row {
                text: m["text"].as_str().unwrap().into(),
                kind: m["kind"].as_str().unwrap().into(),
                entity: m["entity"].as_str().unwrap().into(),
            }
        })
        .collect();
    let entities = json_lines(&ok(aka(&data, &["entities", "--json"])));
    let kinds: BTreeMap<String, String> =
        entities.iter().map(|e| (e["id"].as_str().unwrap().into(), e["kind"].as_str().unwrap().into())).collect();
    let roles: BTreeMap<String, Vec<String>> = entities
        .iter()
        .map(|e| {
            let roles = e["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
            (e["id"].as_str().unwrap().to_string(), roles)
        })
        .collect();
    let failures = check(&rows, &kinds, &roles);
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Spans are character offsets into the document text.
    let text = std::fs::read_to_string(repo().join("seeds/000_bf4631e2ac8ff430.txt")).unwrap();
    let chars: Vec<char> = text.chars().collect();
    for m in mentions.iter().filter(|m| m["doc_id"] == "000_bf4631e2ac8ff430") {
        let index = |field: &str| usize::try_from(m[field].as_u64().unwrap()).unwrap();
        let (start, end) = (index("start"), index("end"));
        assert_eq!(chars[start..end].iter().collect::<String>(), m["text"].as_str().unwrap());
    }
}

#[test]
fn show_and_explain_name_the_rules_and_the_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(aka(&data, &["ingest", repo().join("seeds").to_str().unwrap()]));
    let show = ok(aka(&data, &["show", "Faisal Subzwari"]));
    assert!(show.contains("Syed Faisal Ali Subzwari"), "{show}");
    assert!(show.contains("Sherry Rehman and Faisal Subzwari, former ministers"), "{show}");
    let explain = ok(aka(&data, &["explain", "Faisal Subzwari"]));
    assert!(explain.contains("new_entity"), "{explain}");
    assert!(explain.contains("name_containment") || explain.contains("exact_name"), "{explain}");
    assert!(explain.contains("evidence:"), "{explain}");
    let missing = aka(&data, &["show", "Nobody Atall"]);
    assert!(failed(&missing).contains("no entity matches"));
}

#[test]
fn ingesting_the_same_documents_again_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seeds = repo().join("seeds");
    ok(aka(&data, &["ingest", seeds.to_str().unwrap()]));
    let before = log_len(&data);
    let again = aka(&data, &["ingest", seeds.to_str().unwrap()]);
    let summary = String::from_utf8_lossy(&again.stderr).into_owned();
    ok(again);
    assert!(summary.contains("0 documents (2 already present)"), "{summary}");
    assert_eq!(log_len(&data), before);
}

#[test]
fn the_same_id_with_other_content_is_refused_and_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let doc = dir.path().join("report.txt");
    std::fs::write(&doc, "Senator Jane Roe visited Paris.").unwrap();
    ok(aka(&data, &["ingest", doc.to_str().unwrap()]));
    let before = log_len(&data);
    std::fs::write(&doc, "Senator Jane Roe visited Rome.").unwrap();
    let err = failed(&aka(&data, &["ingest", doc.to_str().unwrap()]));
    assert!(err.contains("\"report\" was already ingested with other content"), "{err}");
    assert_eq!(log_len(&data), before);
}

#[test]
fn a_malformed_json_line_is_named_and_what_came_before_it_stays() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("docs.jsonl");
    std::fs::write(
        &file,
        "{\"doc_id\": \"a\", \"text\": \"Jane Roe met John Doe in Paris.\"}\n{\"doc_id\": \"b\", \"text\": \n",
    )
    .unwrap();
    let err = failed(&aka(&data, &["ingest", file.to_str().unwrap()]));
    assert!(err.contains("docs.jsonl:2"), "{err}");
    let log = ok(aka(&data, &["log", "--json"]));
    let docs: Vec<Value> = json_lines(&log).into_iter().filter(|e| e["event"]["type"] == "DocumentIngested").collect();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["event"]["doc_id"], "a");
}

#[test]
fn invalid_utf8_empty_documents_and_missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bad = dir.path().join("latin1.txt");
    std::fs::write(&bad, b"Caf\xe9 owner Jane Roe").unwrap();
    let err = failed(&aka(&data, &["ingest", bad.to_str().unwrap()]));
    assert!(err.contains("latin1.txt") && err.contains("invalid UTF-8"), "{err}");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "  \n").unwrap();
    let err = failed(&aka(&data, &["ingest", empty.to_str().unwrap()]));
    assert!(err.contains("empty.txt") && err.contains("\"text\" is empty"), "{err}");
    let err = failed(&aka(&data, &["ingest", dir.path().join("nope.txt").to_str().unwrap()]));
    assert!(err.contains("nope.txt"), "{err}");
    assert_eq!(log_len(&data), 0);
}

#[test]
fn documents_with_upstream_mentions_keep_their_spans() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("pre.jsonl");
    let line = r#"{"doc_id": "p1", "text": "Ms Jane Roe met Roe’s lawyer in Paris.", "mentions": [{"start": 3, "end": 11, "kind": "PERSON"}, {"start": 16, "end": 19, "kind": "PER"}, {"start": 32, "end": 37, "kind": "GPE"}]}"#;
    std::fs::write(&file, format!("{line}\n")).unwrap();
    ok(aka(&data, &["ingest", file.to_str().unwrap()]));
    let rows = json_lines(&ok(aka(&data, &["export", "mentions"])));
    let spans: Vec<(u64, u64, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["start"].as_u64().unwrap(),
                r["end"].as_u64().unwrap(),
                r["text"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(spans, [(3, 11, "Jane Roe", "PERSON"), (16, 19, "Roe", "PERSON"), (32, 37, "Paris", "PLACE")]);
    assert_eq!(rows[0]["entity"], rows[1]["entity"]);
    let bad = dir.path().join("badspan.jsonl");
    std::fs::write(
        &bad,
        r#"{"doc_id": "p2", "text": "Short.", "mentions": [{"start": 2, "end": 40, "kind": "PERSON"}]}"#,
    )
    .unwrap();
    let err = failed(&aka(&data, &["ingest", bad.to_str().unwrap()]));
    assert!(err.contains("badspan.jsonl:1") && err.contains("\"start\"/\"end\""), "{err}");
}

#[test]
fn bare_mentions_resolve_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("m.jsonl");
    std::fs::write(
        &file,
        "{\"doc_id\": \"r1\", \"text\": \"Jane Roe\", \"kind\": \"PERSON\", \"roles\": [\"former FM\"]}\n{\"doc_id\": \"r2\", \"text\": \"Roe\", \"kind\": \"PERSON\"}\n",
    )
    .unwrap();
    ok(aka(&data, &["ingest", "--mentions", file.to_str().unwrap()]));
    let rows = json_lines(&ok(aka(&data, &["export", "mentions"])));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["entity"], rows[1]["entity"]);
    let entities = json_lines(&ok(aka(&data, &["entities", "--json"])));
    assert_eq!(entities[0]["roles"][0], "former foreign minister");
}

#[test]
fn a_missing_store_is_not_created_by_reads_and_a_held_one_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let err = failed(&aka(&data, &["entities"]));
    assert!(err.contains("no aka store at"), "a read command does not create a store: {err}");
    assert!(!data.exists());
    let doc = dir.path().join("a.txt");
    std::fs::write(&doc, "Senator Jane Roe visited Paris.").unwrap();
    ok(aka(&data, &["ingest", doc.to_str().unwrap()]));
    let holder = aka::Engine::open(&data, aka::EngineConfig::default()).unwrap();
    let err = failed(&aka(&data, &["entities"]));
    assert!(err.contains("in use"), "{err}");
    drop(holder);
    ok(aka(&data, &["entities"]));
}

#[test]
fn help_describes_every_command() {
    let help = ok(Command::new(env!("CARGO_BIN_EXE_aka")).arg("--help").output().unwrap());
    // Each command has its own line under "Commands:", with a description after its name.
    for command in ["ingest", "entities", "show", "explain", "log", "export", "rules"] {
        let line = help.lines().find(|l| l.trim_start().starts_with(&format!("{command} ")));
        assert!(line.is_some_and(|l| l.split_whitespace().count() > 2), "no described `{command}` in:\n{help}");
    }
}

/// Every document in the log is whole: its mentions were all observed and each was decided.
fn assert_documents_whole(data: &Path) -> usize {
    let events = json_lines(&ok(aka(data, &["log", "--json"])));
    let mut observed: BTreeMap<String, String> = BTreeMap::new();
    let mut decided: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut docs = 0;
    for e in &events {
        let event = &e["event"];
        match event["type"].as_str().unwrap() {
            "DocumentIngested" => docs += 1,
            "MentionObserved" => {
                let m = &event["mention"];
                observed.insert(m["mention_id"].as_str().unwrap().into(), m["doc_id"].as_str().unwrap().into());
            }
            "EntityCreated" | "MentionLinked" => {
                decided.insert(event["mention_id"].as_str().unwrap().into());
            }
            _ => {}
        }
    }
    for (mention, doc) in &observed {
        assert!(decided.contains(mention), "mention {mention} of {doc} was observed but never decided");
    }
    docs
}

#[test]
fn killing_ingest_midway_leaves_whole_documents_and_a_rerun_completes_it() {
    let rounds = if std::env::var_os("AKA_SLOW_TESTS").is_some() { 12 } else { 3 };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.jsonl");
    let seed = std::fs::read_to_string(repo().join("seeds/000_bf4631e2ac8ff430.txt")).unwrap();
    let lines: Vec<String> = (0..100)
        .map(|n| serde_json::json!({ "doc_id": format!("doc-{n}"), "text": format!("{seed}\nReporter Ada Finch{n} wrote this.") }).to_string())
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let clean = dir.path().join("clean");
    ok(aka(&clean, &["ingest", file.to_str().unwrap()]));
    let expected = ok(aka(&clean, &["export", "mentions"]));
    for round in 0..rounds {
        let data = dir.path().join(format!("killed-{round}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_aka"))
            .arg("--data")
            .arg(&data)
            .arg("ingest")
            .arg(&file)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150 + 120 * round));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let docs = assert_documents_whole(&data);
        assert!(docs <= 100);
        eprintln!("round {round}: killed after {docs} whole documents");
        ok(aka(&data, &["ingest", file.to_str().unwrap()]));
        assert_eq!(assert_documents_whole(&data), 100);
        assert_eq!(
            ok(aka(&data, &["export", "mentions"])),
            expected,
            "round {round}: a resumed ingest gives the clean result"
        );
    }
}

#[test]
fn other_rules_are_used_and_recorded_and_a_bad_rules_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = ok(Command::new(env!("CARGO_BIN_EXE_aka")).arg("rules").output().unwrap());
    // Without the fuzzy rule's reach, a misspelt name stays apart.
    let strict = dir.path().join("strict.toml");
    std::fs::write(&strict, defaults.replace("fuzzy_name_min = 0.94", "fuzzy_name_min = 1.0")).unwrap();
    let doc = dir.path().join("a.txt");
    std::fs::write(&doc, "Senator Mira Sultani Khar spoke. Later, Senator Mira Sultany Khar left.").unwrap();
    let entities_with = |rules: Option<&Path>, name: &str| {
        let data = dir.path().join(name);
        let mut args = vec!["ingest", doc.to_str().unwrap()];
        if let Some(rules) = rules {
            args.extend(["--rules", rules.to_str().unwrap()]);
        }
        ok(aka(&data, &args));
        let log = json_lines(&ok(aka(&data, &["log", "--json"])));
        let hashes: std::collections::BTreeSet<String> =
            log.iter().filter_map(|e| e["event"]["decision"]["rules"].as_str().map(str::to_string)).collect();
        (ok(aka(&data, &["entities", "--json"])).lines().count(), hashes)
    };
    let (default_count, default_hashes) = entities_with(None, "default");
    let (strict_count, strict_hashes) = entities_with(Some(&strict), "strict");
    assert_eq!((default_count, strict_count), (1, 2));
    assert_eq!(default_hashes.len(), 1);
    assert_eq!(strict_hashes.len(), 1);
    assert_ne!(default_hashes, strict_hashes, "each decision records the hash of the rules in force");

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[thresholds]\nfuzzy_name_min = 2.0\n").unwrap();
    let err =
        failed(&aka(&dir.path().join("x"), &["ingest", "--rules", broken.to_str().unwrap(), doc.to_str().unwrap()]));
    assert!(err.contains("broken.toml"), "{err}");
}
