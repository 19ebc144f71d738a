//! `aka judge`: a person's verdict on two entities, or its withdrawal, recorded in the log.

use std::time::{SystemTime, UNIX_EPOCH};

use aka::{Engine, Judge, Verdict};
use anyhow::{Result, bail};
use clap::Subcommand;

use crate::history::pick_in;

/// What `aka judge` records.
#[derive(Subcommand)]
pub enum JudgeWhat {
    /// A and B are one entity: merge them, and keep them merged.
    Same(Pair),
    /// A and B are two entities: split them if merged, and never merge them again.
    Different(Pair),
    /// Withdraw a judgement (J1, J2 ... as `aka log` shows them); the split or merge it caused
    /// is undone.
    Retract {
        /// The judgement's id.
        judgement: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
        /// Who (default: $USER).
        #[arg(long)]
        by: Option<String>,
    },
}

/// Two entities and why.
#[derive(clap::Args)]
pub struct Pair {
    /// An entity: a name, alias or id such as E12.
    a: String,
    /// The other entity.
    b: String,
    /// Why: recorded with the judgement.
    #[arg(long)]
    reason: String,
    /// Who (default: $USER).
    #[arg(long)]
    by: Option<String>,
}

/// `aka judge ...`.
pub fn run(engine: &mut Engine, what: JudgeWhat) -> Result<()> {
    let (seqs, said) = match what {
        JudgeWhat::Same(pair) => judge(engine, Verdict::Same, &pair)?,
        JudgeWhat::Different(pair) => judge(engine, Verdict::Different, &pair)?,
        JudgeWhat::Retract { judgement, reason, by } => {
            let who = Judge { by: who(by), at: now(), reason };
            let seqs = engine.retract(&judgement, &who)?;
            (seqs, format!("{judgement} withdrawn"))
        }
    };
    engine.flush()?;
    println!("{said} (#{}..#{})", seqs.start, seqs.end.saturating_sub(1));
    for seq in seqs {
        if let Some(envelope) = engine.log().get(seq)? {
            println!("  #{seq:<6} {}", crate::output::summary(&envelope.event));
        }
    }
    Ok(())
}

fn judge(engine: &mut Engine, verdict: Verdict, pair: &Pair) -> Result<(std::ops::Range<u64>, String)> {
    if pair.reason.trim().is_empty() {
        bail!("--reason is empty: say why, it is recorded with the judgement");
    }
    let a = pick_in(engine.state(), &pair.a)?;
    let b = pick_in(engine.state(), &pair.b)?;
    let who = Judge { by: who(pair.by.clone()), at: now(), reason: pair.reason.clone() };
    let (id, seqs) = engine.judge(verdict, a, b, &who)?;
    Ok((seqs, format!("{id}: {a} {verdict} {b}")))
}

fn who(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok()).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "unknown".into())
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
