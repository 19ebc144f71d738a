//! Mentions extracted ahead of the ingest (on another thread, as `aka serve` does) give the
//! same events as extraction inside the engine; ones extracted from another text are not used.

use aka::{DocumentInput, Engine, EngineConfig, Extracted};

fn doc(id: &str, text: &str) -> DocumentInput {
    DocumentInput { doc_id: id.into(), text: text.into(), source: String::new(), mentions: None }
}

fn events(engine: &Engine) -> Vec<String> {
    engine.log().iter_from(1).map(|e| format!("{:?}", e.unwrap().1.event)).collect()
}

#[test]
fn mentions_extracted_ahead_give_the_events_the_engine_would_give() {
    let text = "Prime Minister Jane Roe met Senator John Doe in Paris. Roe said the talks went well.";
    let (inside, ahead) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Engine::open(inside.path(), EngineConfig::default()).unwrap();
    a.ingest_document(doc("d1", text)).unwrap();
    let mut b = Engine::open(ahead.path(), EngineConfig::default()).unwrap();
    let extracted = Extracted::new(&EngineConfig::default(), &doc("d1", text));
    assert!(extracted.is_some());
    b.ingest_extracted(doc("d1", text), extracted).unwrap();
    assert_eq!(events(&b), events(&a));
}

#[test]
fn mentions_extracted_from_another_text_are_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
    let stale = Extracted::new(&EngineConfig::default(), &doc("d1", "Senator Ada Finch spoke in Berlin."));
    engine.ingest_extracted(doc("d1", "Omar Hale arrived in Madrid."), stale).unwrap();
    let names: Vec<String> = engine.state().entities().map(|e| e.name().to_string()).collect();
    assert!(names.contains(&"Omar Hale".to_string()) && !names.contains(&"Ada Finch".to_string()), "{names:?}");
}
