//! The seed articles through the library: both ingested, in either order, give the entities
//! of fixtures/seeds_expected.toml; replaying the log gives the same state as the live one.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use aka::query::export_rows;
use aka::{DocumentInput, Engine, EngineConfig, State};
use common::{Row, check, repo};

fn seed_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo().join("seeds")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 2, "seeds/ holds the two seed articles");
    files
}

fn ingest(engine: &mut Engine, file: &Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let doc_id = file.file_stem().unwrap().to_str().unwrap().to_string();
    engine.ingest_document(DocumentInput { doc_id, text, source: file.display().to_string(), mentions: None }).unwrap();
}

fn failures(state: &State) -> Vec<String> {
    let rows: Vec<Row> =
        export_rows(state).into_iter().map(|r| Row { text: r.text, kind: r.kind, entity: r.entity }).collect();
    let kinds: BTreeMap<String, String> = state.entities().map(|e| (e.id.to_string(), e.kind.to_string())).collect();
    let roles: BTreeMap<String, Vec<String>> =
        state.entities().map(|e| (e.id.to_string(), e.roles.iter().map(ToString::to_string).collect())).collect();
    check(&rows, &kinds, &roles)
}

/// The partition of mentions into entities, independent of entity ids.
fn partition(state: &State) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = state
        .entities()
        .map(|e| {
            let mut m = e.mentions.clone();
            m.sort();
            m
        })
        .collect();
    groups.sort();
    groups
}

#[test]
fn seed_articles_give_the_expected_entities_in_either_order() {
    let files = seed_files();
    let mut partitions = Vec::new();
    for order in [[0, 1], [1, 0]] {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
        for i in order {
            ingest(&mut engine, &files[i]);
        }
        let failed = failures(engine.state());
        assert!(failed.is_empty(), "order {order:?}:\n{}", failed.join("\n"));
        partitions.push(partition(engine.state()));
    }
    assert_eq!(partitions[0], partitions[1], "the two orders give the same entities");
}

#[test]
fn reopening_replays_the_log_into_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let live = {
        let mut engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
        for file in seed_files() {
            ingest(&mut engine, &file);
        }
        (export_rows(engine.state()), format!("{:?}", engine.state().entities().collect::<Vec<_>>()))
    };
    let engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
    let replayed = (export_rows(engine.state()), format!("{:?}", engine.state().entities().collect::<Vec<_>>()));
    assert_eq!(live, replayed);
}
