//! Embedding aka in a pipeline: open a store, ingest a document and upstream mentions, read the
//! entities and explain one. Run with `cargo run -p aka --example embed -- [DATA_DIR]`; without
//! a directory it uses a fresh temporary one.

use aka::{BareMention, DocumentInput, Engine, EngineConfig, Event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = match std::env::args().nth(1) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("aka-embed-{}", std::process::id())),
    };
    let mut engine = Engine::open(&dir, EngineConfig::default())?;

    // A document: the extractor finds its mentions and the roles the text gives them.
    engine.ingest_document(DocumentInput {
        doc_id: "wire-1".into(),
        text: "Senator Maria Lopez, chair of the Budget Committee, met Mayor Tom Reyes in Denver.".into(),
        source: "example".into(),
        mentions: None,
    })?;
    // A mention found upstream, with no document text: it resolves against what is known.
    engine.ingest_mentions(vec![BareMention {
        doc_id: "crm-7".into(),
        text: "Lopez".into(),
        kind: Some("PERSON".into()),
        roles: vec![],
        attrs: Default::default(),
        mention_id: None,
    }])?;

    for entity in engine.state().entities() {
        println!("{} {} {} ({} mentions)", entity.id, entity.kind, entity.name(), entity.mentions.len());
    }
    let lopez = engine.find("Maria Lopez");
    let id = *lopez.first().ok_or("Maria Lopez was not found")?;
    for (seq, event) in engine.explain(id)? {
        if let Event::EntityCreated { decision, .. } | Event::MentionLinked { decision, .. } = &event {
            println!("#{seq} {} {:.2} {}", decision.rule, decision.score, decision.evidence.join("; "));
        }
    }
    if std::env::args().nth(1).is_none() {
        drop(engine);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
