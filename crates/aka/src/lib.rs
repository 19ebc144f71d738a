//! `aka`: an event-sourced entity resolution engine to embed in a pipeline.
//!
//! Documents and mentions go in as events appended to a sled log; a deterministic resolver links
//! mentions into entities and records every decision (rule, score, evidence) as an event too.
//! The state is whatever replaying the log gives.
//!
//! ```no_run
//! use aka::{DocumentInput, Engine, EngineConfig};
//!
//! let mut engine = Engine::open("aka-data".as_ref(), EngineConfig::default())?;
//! engine.ingest_document(DocumentInput {
//!     doc_id: "d1".into(),
//!     text: "Prime Minister Jane Roe met Senator John Doe in Paris.".into(),
//!     source: "example".into(),
//!     mentions: None,
//! })?;
//! for entity in engine.state().entities() {
//!     println!("{} {} {}", entity.id, entity.kind, entity.name());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod audit;
mod engine;
mod error;
pub mod history;
mod input;
pub mod query;

pub use aka_core::judge::{Judge, JudgeError as Refusal};
pub use aka_core::rules::DEFAULT_RULES_TOML;
pub use aka_core::{
    Decision, DocRecord, Entity, EntityId, Event, Form, Image, Kind, Mention, Prepared, Role, RuleName, Rules, State,
    Tense, Verdict,
};
pub use aka_extract::ExtractConfig;
pub use aka_store::Durability;
pub use engine::{
    Engine, EngineConfig, Extracted, IngestOutcome, OpenReport, PendingSnapshot, Rebased, SnapshotInfo, SnapshotPolicy,
    SnapshotStatus, WrittenSnapshot, prepare_mentions,
};
pub use error::{IngestError, JudgeError, OpenError, SnapshotError};
pub use input::{BareMention, DocumentInput, MentionInput, RoleInput};
