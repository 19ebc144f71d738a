//! `aka ingest --threads N` through the real binary: documents are extracted on N threads but
//! resolved and appended in input order, so the log, the entities and the mentions are byte for
//! byte those of `--threads 1`, on a corpus where the order of resolution matters (shared
//! surnames, titles, short forms). A bad input in the middle stops every run at the same point,
//! with the same error and the same store.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{aka, failed, json_lines, ok, repo};

const FIRST: &[&str] = &["Karl", "Peter", "Anna", "Ingrid", "Tomas", "Lena", "Omar", "Mira", "Ravi", "Sofia"];
/// Few surnames, so that a surname alone fits several people.
const LAST: &[&str] = &["Olsen", "Berg", "Hale", "Finch", "Vogt", "Lind"];
const TITLES: &[&str] = &["Prime Minister", "Foreign Minister", "Senator", "Governor", "Dr", "Ms", "Mr"];
const ORGS: &[(&str, &str)] = &[
    ("Norland Workers Party", "NWP"),
    ("Tarsa Shipping Company", "TSC"),
    ("Bank of Norland", "BoN"),
    ("Vale Fisheries Council", "VFC"),
];
const PLACES: &[&str] = &["Tarsa", "Port Tarsa", "Vale", "Norland", "Kessel", "Brimhaven"];
const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

/// A small deterministic generator (an LCG), so that the corpus is the same on every run.
struct Draw(u64);

impl Draw {
    fn new(seed: usize) -> Draw {
        Draw(u64::try_from(seed).unwrap().wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % u64::try_from(n).unwrap()).unwrap()
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Generated article `n`: people named in full, with titles, by surname alone, by initial and
/// surname, by role alone; organisations in full, by acronym and by their last word; a length
/// that varies a lot from one article to the next (so that, on several threads, extraction
/// finishes out of input order).
fn article(n: usize) -> String {
    let mut draw = Draw::new(n);
    let (first, last, title) = (draw.pick(FIRST), draw.pick(LAST), draw.pick(TITLES));
    let (other_first, other_last) = (draw.pick(FIRST), draw.pick(LAST));
    let (org, acronym) = ORGS[draw.below(ORGS.len())];
    let (place, day) = (draw.pick(PLACES), draw.pick(DAYS));
    let mut text = String::new();
    // Some articles name people only by surname or initial: which entity that is depends on
    // who was named in full before.
    match draw.below(4) {
        0 => text.push_str(&format!("{last} met {other_first} {other_last} in {place} on {day}. ")),
        1 => text.push_str(&format!(
            "{title} {first} {last} met {other_first} {other_last}, the foreign minister of Norland, in {place} on {day}. "
        )),
        2 => text.push_str(&format!(
            "{}. {last} of the {org} ({acronym}) spoke to {other_last} in {place} on {day}. ",
            &first[..1]
        )),
        _ => text.push_str(&format!(
            "{first} {last}, a former minister, joined the {org} ({acronym}) in {place} on {day}. "
        )),
    }
    let sentences = 1 + draw.below(16);
    for _ in 0..sentences {
        let sentence = match draw.below(8) {
            0 => format!("{last} said the {acronym} would back the plan. "),
            1 => format!("Mr {other_last} declined to comment. "),
            2 => format!("The prime minister of Norland, {}, visited {}. ", draw.pick(LAST), draw.pick(PLACES)),
            3 => format!("{} {} of the {} told reporters in {}. ", draw.pick(FIRST), last, org, draw.pick(PLACES)),
            4 => format!("Officials in {} said talks on fisheries and energy would go on. ", draw.pick(PLACES)),
            5 => format!("{} {} also attended. ", draw.pick(TITLES), draw.pick(LAST)),
            6 => format!("The {} said it would not change course. ", org.split(' ').next_back().unwrap()),
            _ => format!("{first} {other_last} met {} {} later. ", draw.pick(FIRST), draw.pick(LAST)),
        };
        text.push_str(&sentence);
    }
    text.push('\n');
    text
}

/// A JSON line of a document, `mentions` given upstream for every fourth one (its first
/// sentence's first person, by character offsets).
fn wire_line(n: usize) -> String {
    let text = article(1000 + n);
    let mut doc = serde_json::json!({"doc_id": format!("wire-{n:03}"), "text": text, "topic": "generated"});
    if n.is_multiple_of(4) {
        let words: Vec<&str> = text.split(' ').collect();
        let name = format!("{} {}", words[0], words[1]);
        let end = name.chars().count();
        doc["mentions"] = serde_json::json!([{"start": 0, "end": end, "kind": "PERSON"}]);
    }
    doc.to_string()
}

/// Writes the generated corpus under `dir`: 200 .txt articles (with a seed article appended
/// to every 25th, for a few long ones) in two folders, and a .jsonl file of 60 more, one of them
/// a copy of a .txt article (same id and text: unchanged, whatever the threads).
fn corpus(dir: &Path) -> PathBuf {
    let root = dir.join("corpus");
    let seeds = [
        std::fs::read_to_string(repo().join("seeds/000_bf4631e2ac8ff430.txt")).unwrap(),
        std::fs::read_to_string(repo().join("seeds/001_6da153642baa8a9e.txt")).unwrap(),
    ];
    for n in 0..200 {
        let folder = root.join(if n < 120 { "a" } else { "b" });
        std::fs::create_dir_all(&folder).unwrap();
        let mut text = article(n);
        if n % 25 == 7 {
            text.push_str(&seeds[n % 2]);
        }
        std::fs::write(folder.join(format!("doc-{n:03}.txt")), text).unwrap();
    }
    let mut lines: Vec<String> = (0..60).map(wire_line).collect();
    lines.insert(30, serde_json::json!({"doc_id": "doc-010", "text": article(10)}).to_string());
    lines.insert(45, String::new());
    std::fs::write(root.join("wire.jsonl"), lines.join("\n") + "\n").unwrap();
    root
}

/// Runs `aka` with `--threads` as given (none: from AKA_THREADS, or the default).
fn ingest(data: &Path, threads: Option<&str>, env: Option<&str>, paths: &[&Path]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aka"));
    command.arg("--data").arg(data).arg("ingest").args(paths).env_remove("AKA_THREADS");
    if let Some(threads) = threads {
        command.args(["--threads", threads]);
    }
    if let Some(env) = env {
        command.env("AKA_THREADS", env);
    }
    command.output().expect("the aka binary runs")
}

/// What a store holds, as the commands that read it print it: every event, the entities and
/// the mentions.
fn content(data: &Path) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("log --json", ok(aka(data, &["log", "--json"]))),
        ("entities --json", ok(aka(data, &["entities", "--json"]))),
        ("export mentions", ok(aka(data, &["export", "mentions"]))),
    ])
}

/// The ingest summary without the data directory and the time.
fn summary(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().find(|l| l.starts_with("ingested ")).unwrap_or_else(|| panic!("no summary: {stderr}"));
    line.split(" entities in ").next().unwrap().to_string()
}

/// The error line of a failed run.
fn error_line(output: &Output) -> String {
    let stderr = failed(output);
    stderr.lines().find(|l| l.starts_with("aka: error:")).unwrap_or_else(|| panic!("no error: {stderr}")).to_string()
}

fn assert_same(name: &str, one: &BTreeMap<&str, String>, other: &BTreeMap<&str, String>) {
    for (command, expected) in one {
        let got = &other[command];
        if got != expected {
            let line = expected.lines().zip(got.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{name}: `aka {command}` differs from --threads 1 at line {}:\n  1: {}\n  N: {}",
                line + 1,
                expected.lines().nth(line).unwrap_or("(end)"),
                got.lines().nth(line).unwrap_or("(end)"),
            );
        }
    }
}

#[test]
fn ingest_on_several_threads_gives_the_log_entities_and_mentions_of_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    let seeds = repo().join("seeds");
    let paths = [seeds.as_path(), corpus.as_path()];

    let one = dir.path().join("one");
    let output = ingest(&one, Some("1"), None, &paths);
    ok(output.clone());
    let expected = content(&one);
    let expected_summary = summary(&output);
    assert!(expected_summary.contains("ingested 262 documents (1 already present)"), "{expected_summary}");
    // The corpus is one where the order matters: surnames alone fit several people, and the
    // resolver records each such case rather than guessing.
    let log = json_lines(&expected["log --json"]);
    let rules = |rule: &str| log.iter().filter(|e| e["event"]["decision"]["rule"] == rule).count();
    assert!(json_lines(&expected["entities --json"]).len() > 150, "{}", expected["entities --json"]);
    for rule in ["name_containment", "same_document", "exact_name", "new_entity"] {
        assert!(rules(rule) > 10, "few {rule} decisions: {}", rules(rule));
    }
    assert!(expected["log --json"].contains(r#"\" fits E"#), "no surname fitting several people in the corpus");

    for threads in ["2", "4"] {
        let (name, data) = (format!("--threads {threads}"), dir.path().join(format!("threads{threads}")));
        let output = ingest(&data, Some(threads), None, &paths);
        ok(output.clone());
        assert_same(&name, &expected, &content(&data));
        assert_eq!(summary(&output), expected_summary, "{name}");
    }
}

#[test]
fn ingesting_the_same_corpus_again_appends_nothing_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    let data = dir.path().join("data");
    ok(ingest(&data, Some("4"), None, &[&corpus]));
    let before = ok(aka(&data, &["log", "--json"]));
    for threads in ["4", "1"] {
        let output = ingest(&data, Some(threads), None, &[&corpus]);
        ok(output.clone());
        let summary = summary(&output);
        assert!(summary.starts_with("ingested 0 documents (261 already present), 0 mentions, 0 events"), "{summary}");
    }
    assert_eq!(ok(aka(&data, &["log", "--json"])), before);
}

/// Ingests `paths` into a new store with 1, 2 and 4 threads; every run must fail with the same
/// error and leave the same store. Returns the error and the store's content.
fn fails_alike(dir: &Path, paths: &[&Path]) -> (String, BTreeMap<&'static str, String>) {
    let one = dir.join("one");
    let output = ingest(&one, Some("1"), None, paths);
    let (error, summary_one, expected) = (error_line(&output), summary(&output), content(&one));
    for threads in ["2", "4"] {
        let data = dir.join(format!("threads{threads}"));
        let output = ingest(&data, Some(threads), None, paths);
        assert_eq!(error_line(&output), error, "--threads {threads}");
        assert_same(&format!("--threads {threads}"), &expected, &content(&data));
        assert_eq!(summary(&output), summary_one, "--threads {threads}");
    }
    (error, expected)
}

fn doc_ids(content: &BTreeMap<&str, String>) -> Vec<String> {
    json_lines(&content["log --json"])
        .iter()
        .filter(|e| e["event"]["type"] == "DocumentIngested")
        .map(|e| e["event"]["doc_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_file_of_invalid_utf8_in_the_middle_stops_every_run_at_the_same_point() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("docs");
    std::fs::create_dir(&folder).unwrap();
    for n in 0..40 {
        let mut bytes = article(n).into_bytes();
        if n == 20 {
            bytes.splice(5..5, [0xff, 0xfe]);
        }
        std::fs::write(folder.join(format!("doc-{n:03}.txt")), bytes).unwrap();
    }
    let (error, content) = fails_alike(dir.path(), &[&folder]);
    assert!(error.contains("doc-020.txt: invalid UTF-8 at byte 5"), "{error}");
    let expected: Vec<String> = (0..20).map(|n| format!("doc-{n:03}")).collect();
    assert_eq!(doc_ids(&content), expected, "everything before the bad file, nothing after it");
}

#[test]
fn a_malformed_json_line_in_the_middle_stops_every_run_at_the_same_point() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..40).map(wire_line).collect();
    lines[25] = r#"{"doc_id": "wire-025", "text": "#.to_string();
    let file = dir.path().join("wire.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (error, content) = fails_alike(dir.path(), &[&file]);
    assert!(error.contains("wire.jsonl:26: not a document"), "{error}");
    let expected: Vec<String> = (0..25).map(|n| format!("wire-{n:03}")).collect();
    assert_eq!(doc_ids(&content), expected);
}

#[test]
fn a_refused_document_in_the_middle_stops_every_run_at_the_same_point() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..40).map(wire_line).collect();
    // The same id as an earlier line with other text: refused when its turn comes, although
    // a worker may have read and extracted it before the earlier one was appended.
    lines[30] = serde_json::json!({"doc_id": "wire-010", "text": "Karl Olsen met Anna Berg."}).to_string();
    let file = dir.path().join("wire.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (error, content) = fails_alike(dir.path(), &[&file]);
    assert!(error.contains("wire.jsonl:31") && error.contains("wire-010"), "{error}");
    let expected: Vec<String> = (0..30).map(|n| format!("wire-{n:03}")).collect();
    assert_eq!(doc_ids(&content), expected);
}

#[test]
fn threads_must_be_a_positive_number_from_the_flag_or_aka_threads_and_are_described_in_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let output = ingest(&data, Some("0"), None, &[&repo().join("seeds")]);
    assert!(failed(&output).contains("--threads"));
    let output = ingest(&data, None, Some("0"), &[&repo().join("seeds")]);
    assert!(failed(&output).contains("--threads"), "AKA_THREADS is read");
    assert!(!data.exists(), "refused before the store is opened");
    let help = ok(aka(&data, &["ingest", "--help"]));
    assert!(help.contains("--threads <N>") && help.contains("AKA_THREADS"), "{help}");
}
