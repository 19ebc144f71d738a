//! Shared by the integration tests: the seed expectations in fixtures/seeds_expected.toml and
//! the check that a resolved store meets them.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Deserialize;

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
