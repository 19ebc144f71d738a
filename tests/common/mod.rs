//! Shared by the integration tests: running the real binary, the seed expectations in
//! fixtures/seeds_expected.toml and the check that a resolved store meets them.

#![allow(dead_code)]

pub mod rng;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;
use serde_json::Value;

/// Runs the real `aka` binary on the data directory `data`.
pub fn aka(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aka")).arg("--data").arg(data).args(args).output().expect("the aka binary runs")
}

/// The standard output of a run that must succeed.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "aka failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The standard error of a run that must fail.
pub fn failed(output: &Output) -> String {
    assert!(!output.status.success(), "aka should have failed: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Each line parsed as JSON.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The one merge in the log of `data`: its sequence number, survivor and absorbed ids.
pub fn the_merge(data: &Path) -> (u64, String, String) {
    let log = json_lines(&ok(aka(data, &["log", "--json"])));
    let merges: Vec<&Value> = log.iter().filter(|l| l["event"]["type"] == "EntitiesMerged").collect();
    assert_eq!(merges.len(), 1, "the role-then-name documents should merge once: {merges:?}");
    let id = |v: &Value| format!("E{}", v.as_u64().unwrap());
    let event = &merges[0]["event"];
    (merges[0]["seq"].as_u64().unwrap(), id(&event["survivor"]), id(&event["absorbed"]))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Deserialize)]
pub struct Expected {
    pub entity: Vec<ExpectedEntity>,
    pub apart: Vec<Apart>,
}

#[derive(Deserialize)]
pub struct ExpectedEntity {
    pub forms: Vec<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub roles: Vec<ExpectedRole>,
}

#[derive(Deserialize)]
pub struct ExpectedRole {
    pub title: String,
    pub of: Option<String>,
    pub tense: String,
}

#[derive(Deserialize)]
pub struct Apart {
    pub forms: Vec<String>,
}

pub fn expected() -> Expected {
    let text = std::fs::read_to_string(repo().join("fixtures/seeds_expected.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// One exported mention: its text, kind and entity id.
pub struct Row {
    pub text: String,
    pub kind: String,
    pub entity: String,
}

/// Mention text as the fixture writes forms: possessive removed, curly apostrophes straight.
pub fn form_of(text: &str) -> String {
    let straight = text.trim().replace('\u{2019}', "'");
    let stem = straight.strip_suffix("'s").unwrap_or(&straight);
    stem.to_string()
}

/// Checks rows (and each entity's roles, as `Role`'s display strings) against the seed
/// expectations; returns every failure, so one run shows them all.
pub fn check(rows: &[Row], kinds: &BTreeMap<String, String>, roles: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let expected = expected();
    let mut by_form: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        by_form.entry(form_of(&row.text)).or_default().insert(row.entity.clone());
    }
    let mut failures = Vec::new();
    let entity_of = |form: &str, failures: &mut Vec<String>| -> Option<String> {
        match by_form.get(form) {
            None => {
                failures.push(format!("no mention of {form:?}"));
                None
            }
            Some(ids) if ids.len() > 1 => {
                failures.push(format!("{form:?} is split over entities {ids:?}"));
                None
            }
            Some(ids) => ids.iter().next().cloned(),
        }
    };
    for e in &expected.entity {
        let ids: BTreeSet<String> = e.forms.iter().filter_map(|f| entity_of(f, &mut failures)).collect();
        if ids.len() > 1 {
            failures.push(format!("{:?} should be one entity, are {ids:?}", e.forms));
        }
        let Some(id) = ids.iter().next() else { continue };
        if let Some(kind) = &e.kind
            && kinds.get(id) != Some(kind)
        {
            failures.push(format!("{:?} ({id}) should be {kind}, is {:?}", e.forms[0], kinds.get(id)));
        }
        let have = roles.get(id).cloned().unwrap_or_default();
        for role in &e.roles {
            let prefix = if role.tense == "former" { format!("former {}", role.title) } else { role.title.clone() };
            let fits = have.iter().any(|r| {
                r.starts_with(&prefix)
                    && (role.tense == "former" || !r.starts_with("former "))
                    && role.of.as_ref().is_none_or(|of| r.replace('\u{2019}', "'").contains(&format!(" of {of}")))
            });
            if !fits {
                failures.push(format!("{:?} ({id}) lacks role {prefix} of {:?}; has {have:?}", e.forms[0], role.of));
            }
        }
    }
    for apart in &expected.apart {
        let ids: Vec<Option<String>> = apart.forms.iter().map(|f| entity_of(f, &mut failures)).collect();
        for i in 0..ids.len() {
            for j in i + 1..ids.len() {
                if ids[i].is_some() && ids[i] == ids[j] {
                    failures.push(format!("{:?} and {:?} are one entity {:?}", apart.forms[i], apart.forms[j], ids[i]));
                }
            }
        }
    }
    failures
}
