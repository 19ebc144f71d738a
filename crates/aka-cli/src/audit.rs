//! `aka audit`: the recorded observations re-resolved under other rules, compared with the log.

use std::path::Path;

use aka::Engine;
use anyhow::{Result, bail};

/// `aka audit [--rules OTHER.toml] [--gold FILE] [--json]`.
pub fn audit(_engine: &Engine, _gold: Option<&Path>, _json: bool) -> Result<()> {
    bail!("aka audit is not implemented yet")
}
