//! `aka audit` through the real binary: other rules, without touching the log.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{aka, failed, ok, repo};
use serde_json::Value;

/// A store in a temporary directory, with documents written as .txt files and ingested.
struct Store {
    dir: tempfile::TempDir,
    data: PathBuf,
}

impl Store {
    fn with_docs(docs: &[(&str, &str)]) -> Store {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir(&input).unwrap();
        for (id, text) in docs {
            std::fs::write(input.join(format!("{id}.txt")), text).unwrap();
        }
        let data = dir.path().join("data");
        ok(aka(&data, &["ingest", input.to_str().unwrap()]));
        Store { dir, data }
    }

    fn run(&self, args: &[&str]) -> Output {
        aka(&self.data, args)
    }

    /// The default rules with some `key = value` lines of the TOML replaced, written to a file.
    fn rules_with(&self, name: &str, changes: &[(&str, &str)]) -> String {
        let mut text = ok(self.run(&["rules"]));
        for (key, value) in changes {
            let line = text.lines().find(|l| l.starts_with(&format!("{key} ="))).expect("the rule is in the defaults");
            text = text.replace(line, &format!("{key} = {value}"));
        }
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// Everything a reader can see of the store: the whole log and the entities.
    fn visible(&self) -> (String, String) {
        (ok(self.run(&["log", "--json"])), ok(self.run(&["entities", "--json"])))
    }

    /// `aka GLOBAL... audit --json AUDIT_ARGS...`, checking that the store is left as it was.
    fn audit_json(&self, global: &[&str], audit_args: &[&str]) -> Value {
        let before = self.visible();
        let out = ok(self.run(&[global, &["audit", "--json"], audit_args].concat()));
        assert_eq!(self.visible(), before, "aka audit changed the store");
        assert_eq!(out.lines().count(), 1, "--json prints one object: {out}");
        serde_json::from_str(&out).unwrap()
    }

    fn entities(&self) -> Vec<Value> {
        ok(self.run(&["entities", "--json"])).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

/// Three documents; the second misspells the name, which the default rules link by fuzzy_name.
fn misspelt() -> Store {
    Store::with_docs(&[
        ("a", "Maria Kowalczyk said the plan would work."),
        ("b", "Maria Kowalczik said the plan would fail."),
        ("c", "Senator Maria Kowalczyk spoke on Tuesday."),
    ])
}

/// The differing mention of the report with this id.
fn mention<'a>(report: &'a Value, mention_id: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["mentions"].as_array().unwrap())
        .find(|m| m["mention_id"] == mention_id)
        .unwrap_or_else(|| panic!("no differing mention {mention_id} in {report}"))
}

fn rule(side: &Value) -> &str {
    side["decisions"][0]["rule"].as_str().unwrap()
}

#[test]
fn audit_under_the_rules_the_log_was_written_with_reports_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(aka(&data, &["ingest", repo().join("seeds").to_str().unwrap()]));
    let store = Store { dir, data };
    let report = store.audit_json(&[], &[]);
    assert!(report["mentions"].as_u64().unwrap() > 20, "the seeds have mentions: {report}");
    assert_eq!(report["mentions_differing"], 0, "{report}");
    assert_eq!(report["entities_recorded"], report["entities_audited"], "{report}");
    assert_eq!(report["merges_not_happening"], 0);
    assert_eq!(report["merges_happening"], 0);
    assert_eq!(report["groups"].as_array().unwrap().len(), 0);
    assert_eq!(report["rules_recorded"], serde_json::json!([report["rules_audited"]]));
    let text = ok(store.run(&["audit"]));
    assert!(text.contains("no differences"), "{text}");
}

#[test]
fn a_stricter_fuzzy_threshold_splits_off_the_misspelt_mention_naming_the_rule_of_each_side() {
    let store = misspelt();
    // With the default rules the misspelling joins the name, by fuzzy_name.
    assert_eq!(store.entities().len(), 1, "the default rules merge the misspelling");
    let strict = store.rules_with("strict.toml", &[("fuzzy_name_min", "0.99")]);
    let report = store.audit_json(&["--rules", &strict], &[]);
    assert_eq!(report["entities_recorded"], 1, "{report}");
    assert_eq!(report["entities_audited"], 2, "{report}");
    assert_eq!(report["merges_not_happening"], 1, "{report}");
    assert_eq!(report["merges_happening"], 0, "{report}");
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{report}");
    assert_eq!(groups[0]["audited_entities"].as_array().unwrap().len(), 2, "{report}");
    let misspelt = mention(&report, "b:0-15");
    assert_eq!(misspelt["text"], "Maria Kowalczik");
    assert_eq!(misspelt["doc_id"], "b");
    assert_eq!(rule(&misspelt["recorded"]), "fuzzy_name");
    assert!(misspelt["recorded"]["decisions"][0]["seq"].as_u64().is_some(), "a recorded decision has its seq");
    assert_eq!(rule(&misspelt["audited"]), "new_entity");
    assert_ne!(misspelt["recorded"]["entity"], misspelt["audited"]["entity"]);
    // The other two stay together on both sides: their entity is the same one.
    let exact = mention(&report, "c:8-23");
    assert_eq!(rule(&exact["audited"]), "exact_name");
    assert_eq!(exact["audited"]["entity"], mention(&report, "a:0-15")["audited"]["entity"]);

    let before = store.visible();
    let text = ok(store.run(&["--rules", &strict, "audit"]));
    assert_eq!(store.visible(), before, "aka audit changed the store");
    assert!(text.contains("\"Maria Kowalczik\" in b"), "{text}");
    assert!(text.contains("fuzzy_name 0.973") && text.contains("new_entity"), "{text}");
    assert!(text.contains("(split)"), "{text}");
}

#[test]
fn lenient_fuzzy_thresholds_merge_names_the_log_keeps_apart() {
    let store = Store::with_docs(&[
        ("a", "Daniel Okonkwo said the plan would work."),
        ("b", "Daniel Okonjo said the plan would fail."),
    ]);
    assert_eq!(store.entities().len(), 2, "the default rules keep the two names apart");
    let lenient = store.rules_with("lenient.toml", &[("fuzzy_surname_min", "0.8")]);
    let report = store.audit_json(&["--rules", &lenient], &[]);
    assert_eq!(report["entities_recorded"], 2, "{report}");
    assert_eq!(report["entities_audited"], 1, "{report}");
    assert_eq!(report["merges_happening"], 1, "{report}");
    assert_eq!(report["merges_not_happening"], 0, "{report}");
    assert_eq!(report["mentions_differing"], 2, "{report}");
    let second = mention(&report, "b:0-13");
    assert_eq!(rule(&second["recorded"]), "new_entity");
    assert_eq!(rule(&second["audited"]), "fuzzy_name");
    let first = mention(&report, "a:0-14");
    assert_eq!(first["audited"]["entity"], second["audited"]["entity"]);
    assert_ne!(first["recorded"]["entity"], second["recorded"]["entity"]);
    let groups = report["groups"].as_array().unwrap();
    assert!(groups.iter().all(|g| g["joined_with"].as_array().unwrap().len() == 1), "{report}");
}

#[test]
fn gold_scores_both_partitions_and_the_split_loses_recall() {
    let store = misspelt();
    let dir = store.dir.path();
    let gold = dir.join("gold.jsonl");
    // All three mentions are one person; one line names a mention by span; one names no mention.
    std::fs::write(
        &gold,
        "{\"mention_id\":\"a:0-15\",\"entity\":\"maria\"}\n\
         {\"doc_id\":\"b\",\"start\":0,\"end\":15,\"entity\":\"maria\"}\n\
         {\"mention_id\":\"c:8-23\",\"entity\":\"maria\"}\n\
         {\"mention_id\":\"zz:0-1\",\"entity\":\"other\"}\n",
    )
    .unwrap();
    let strict = store.rules_with("strict.toml", &[("fuzzy_name_min", "0.99")]);
    let report = store.audit_json(&["--rules", &strict], &["--gold", gold.to_str().unwrap()]);
    let scores = &report["gold"];
    assert_eq!(scores["scored"], 3, "{report}");
    assert_eq!(scores["without_gold"], 0);
    assert_eq!(scores["gold_unmatched"], 1);
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-9;
    let recorded = &scores["recorded"];
    assert!(close(&recorded["pairwise"]["precision"], 1.0) && close(&recorded["pairwise"]["recall"], 1.0), "{scores}");
    assert!(close(&recorded["bcubed"]["f1"], 1.0), "{scores}");
    // Audited {a, c} {b}: one pair of three found; B-cubed recall (2/3 + 2/3 + 1/3) / 3.
    let audited = &scores["audited"];
    assert!(close(&audited["pairwise"]["precision"], 1.0), "{scores}");
    assert!(close(&audited["pairwise"]["recall"], 1.0 / 3.0), "{scores}");
    assert!(close(&audited["bcubed"]["recall"], 5.0 / 9.0), "{scores}");

    let text = ok(store.run(&["--rules", &strict, "audit", "--gold", gold.to_str().unwrap()]));
    assert!(text.contains("gold: 3 mentions scored, 0 without gold left out, 1 gold lines name no mention"), "{text}");
    assert!(text.contains("recorded pairwise P 1.000 R 1.000 F1 1.000"), "{text}");
    assert!(text.contains("audited  pairwise P 1.000 R 0.333 F1 0.500"), "{text}");
}

#[test]
fn mentions_without_gold_are_left_out_of_the_scores_and_counted() {
    let store = misspelt();
    let gold = store.dir.path().join("gold.jsonl");
    std::fs::write(&gold, "{\"mention_id\":\"a:0-15\",\"entity\":1}\n{\"mention_id\":\"c:8-23\",\"entity\":2}\n")
        .unwrap();
    let report = store.audit_json(&[], &["--gold", gold.to_str().unwrap()]);
    let scores = &report["gold"];
    assert_eq!(scores["scored"], 2, "{report}");
    assert_eq!(scores["without_gold"], 1, "{report}");
    // The gold keeps a and c apart; the log joins them: the one predicted pair is wrong.
    assert_eq!(scores["recorded"]["pairwise"]["precision"].as_f64(), Some(0.0), "{scores}");
}

#[test]
fn a_malformed_gold_line_is_an_error_naming_the_file_and_the_line() {
    let store = misspelt();
    let gold = store.dir.path().join("gold.jsonl");
    std::fs::write(&gold, "{\"mention_id\":\"a:0-15\",\"entity\":\"maria\"}\n{\"mention_id\": \"b:0-15\", \n").unwrap();
    let before = store.visible();
    let err = failed(&store.run(&["audit", "--gold", gold.to_str().unwrap()]));
    assert!(err.contains(&format!("{}:2:", gold.display())), "{err}");
    std::fs::write(&gold, "{\"doc_id\":\"b\",\"entity\":\"maria\"}\n").unwrap();
    let err = failed(&store.run(&["audit", "--gold", gold.to_str().unwrap()]));
    assert!(err.contains(&format!("{}:1:", gold.display())) && err.contains("\"start\""), "{err}");
    assert_eq!(store.visible(), before);
}

#[test]
fn an_unreadable_gold_file_is_an_error_naming_it() {
    let store = misspelt();
    let missing = store.dir.path().join("no-such-gold.jsonl");
    let err = failed(&store.run(&["audit", "--gold", missing.to_str().unwrap()]));
    assert!(err.contains("no-such-gold.jsonl") && err.contains("cannot read gold file"), "{err}");
}
