//! Time travel and audit trails: `aka entities --as-of`, `aka show --as-of`, `aka history`, `aka diff`.

use aka::Engine;
use anyhow::{Result, bail};

use crate::{output, pick};

/// `aka entities [--as-of SEQ]`.
pub fn entities(engine: &Engine, json: bool, as_of: Option<u64>) -> Result<()> {
    if as_of.is_some() {
        bail!("--as-of is not implemented yet");
    }
    output::entities(engine, json)
}

/// `aka show X [--as-of SEQ]`.
pub fn show(engine: &Engine, entity: &str, as_of: Option<u64>) -> Result<()> {
    if as_of.is_some() {
        bail!("--as-of is not implemented yet");
    }
    output::show(engine, pick(engine, entity)?)
}

/// `aka history X`.
pub fn history(_engine: &Engine, _entity: &str, _json: bool) -> Result<()> {
    bail!("aka history is not implemented yet")
}

/// `aka diff --from SEQ [--to SEQ]`.
pub fn diff(_engine: &Engine, _from: u64, _to: Option<u64>, _json: bool) -> Result<()> {
    bail!("aka diff is not implemented yet")
}
