//! The pure core of aka: mentions, entities, events, normalisation, similarity, role rules and
//! the resolver. No IO, no clock, no randomness: the same events give the same state.

pub mod attrs;
pub mod estimate;
pub mod event;
pub mod mention;
pub mod normalize;
pub mod rules;

pub use event::{Decision, EntityId, Envelope, Event, RuleName, SCHEMA_VERSION, Verdict};
pub use mention::{CharOffsets, Form, Kind, Mention, Role, Tense};
pub use rules::Rules;
pub mod entity;
mod hash;
mod idbits;
pub mod image;
pub mod judge;
mod listing;
mod memo;
mod overlay;
pub mod resolver;
pub mod state;
pub mod surface;
#[cfg(test)]
mod testing;
mod tokens;

pub use entity::Entity;
pub use image::{Base, Image};
pub use resolver::{decide, resolution_order};
pub use state::{DocRecord, EntityNames, Judgement, Prepared, State};
pub use surface::Surface;
pub use tokens::{EntityTokens, NameTokens};
