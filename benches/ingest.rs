//! Ingest throughput on seed-sized news documents, beside the storage limit measured in the
//! same run (the same events appended to a fresh log with no extraction or resolution), and
//! the time to reopen (replay) the store.
//!
//! `cargo bench -p aka --bench ingest -- [DOCUMENTS]` (default 2,000). Prints one table.

#[path = "support.rs"]
mod support;

use std::time::Instant;

use aka::{DocumentInput, Durability, Engine, EngineConfig};
use aka_store::{Log, LogConfig};

fn main() {
    let documents: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2_000);
    let seeds = support::seed_articles();
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let docs: Vec<DocumentInput> = (0..documents)
        .map(|n| DocumentInput {
            doc_id: format!("bench-{n}"),
            text: support::seed_sized_text(&seeds, n),
            source: "bench".into(),
            mentions: None,
        })
        .collect();

    let dir = scratch.path().join("engine");
    let config = EngineConfig { durability: Durability::Deferred, ..EngineConfig::default() };
    let mut engine = Engine::open(&dir, config.clone()).expect("open");
    let started = Instant::now();
    let mut mentions = 0;
    for doc in docs {
        if let aka::IngestOutcome::Appended { mentions: m, .. } = engine.ingest_document(doc).expect("ingest") {
            mentions += m;
        }
    }
    engine.flush().expect("flush");
    let ingest = started.elapsed().as_secs_f64();
    let events = engine.log().last_seq();
    let entities = engine.state().entities().count();

    // The storage limit: the same envelopes, the same batches (one per document), a fresh log.
    let mut batches: Vec<Vec<aka_core::Envelope>> = Vec::new();
    for item in engine.log().iter_from(1) {
        let (_, envelope) = item.expect("read");
        if matches!(envelope.event, aka::Event::DocumentIngested { .. }) || batches.is_empty() {
            batches.push(Vec::new());
        }
        batches.last_mut().expect("a batch").push(envelope);
    }
    drop(engine);
    let mut raw =
        Log::open(&scratch.path().join("raw"), LogConfig { durability: Durability::Deferred }).expect("open raw");
    let started = Instant::now();
    for batch in &batches {
        raw.append(batch).expect("append");
    }
    raw.flush().expect("flush");
    let storage = started.elapsed().as_secs_f64();
    drop(raw);

    let started = Instant::now();
    let reopened = Engine::open(&dir, config).expect("reopen");
    let replay = started.elapsed().as_secs_f64();
    assert_eq!(reopened.state().entities().count(), entities);

    let per_s = |n: f64, s: f64| n / s;
    let (docs_f, mentions_f, events_f) = (as_f64(documents), as_f64(mentions), as_f64(events));
    println!("documents {documents}, mentions {mentions}, events {events}, entities {entities}");
    println!("| what | seconds | documents/s | mentions/s | events/s |");
    println!("|---|---|---|---|---|");
    println!(
        "| ingest: extract + resolve + append, one batch per document, one flush at the end | {ingest:.2} | {:.0} | {:.0} | {:.0} |",
        per_s(docs_f, ingest),
        per_s(mentions_f, ingest),
        per_s(events_f, ingest)
    );
    println!(
        "| storage limit: the same batches appended to a fresh log | {storage:.2} | {:.0} | {:.0} | {:.0} |",
        per_s(docs_f, storage),
        per_s(mentions_f, storage),
        per_s(events_f, storage)
    );
    println!("| reopen: replay the whole log | {replay:.2} | | | {:.0} |", per_s(events_f, replay));
}

fn as_f64(n: impl TryInto<u32>) -> f64 {
    f64::from(n.try_into().unwrap_or(u32::MAX))
}
