//! Time travel and audit trails: `aka entities --as-of`, `aka show --as-of`, `aka history`, `aka diff`.

use std::io::{BufWriter, Write};

use aka::history::{Change, Diff, History, HistoryEntry, MentionRef};
use aka::{Engine, EntityId, State};
use anyhow::{Result, bail};

use crate::output::{self, plural};

/// `aka entities [--as-of SEQ]`.
pub fn entities(engine: &Engine, json: bool, as_of: Option<u64>) -> Result<()> {
    match as_of {
        None => output::entities(engine.state(), json),
        Some(seq) => output::entities(&aka::history::state_as_of(engine, seq)?, json),
    }
}

/// `aka show X [--as-of SEQ]`: X is resolved against the state shown.
pub fn show(engine: &Engine, entity: &str, as_of: Option<u64>) -> Result<()> {
    match as_of {
        None => output::show(engine, engine.state(), pick_in(engine.state(), entity)?),
        Some(seq) => {
            let state = aka::history::state_as_of(engine, seq)?;
            output::show(engine, &state, pick_in(&state, entity)?)
        }
    }
}

/// The one entity a name or id designates in `state`. Unlike `crate::pick`, an id merged away is
/// kept as given (it still designates its survivor), so that the output can say it was merged.
pub(crate) fn pick_in(state: &State, query: &str) -> Result<EntityId> {
    if let Ok(id) = query.trim().parse::<EntityId>()
        && state.entity(id).is_some()
    {
        return Ok(id);
    }
    let found = aka::query::find(state, query);
    match found.as_slice() {
        [] => bail!("no entity matches {query:?} (try `aka entities`)"),
        [one] => Ok(*one),
        many => {
            let list: Vec<String> = many
                .iter()
                .filter_map(|id| state.entity(*id))
                .map(|e| format!("  {} {} {}", e.id, e.kind, e.name()))
                .collect();
            bail!("{query:?} matches {} entities; name one by id:\n{}", many.len(), list.join("\n"))
        }
    }
}

/// `aka history X`.
pub fn history(engine: &Engine, entity: &str, json: bool) -> Result<()> {
    let history = aka::history::history(engine, pick_in(engine.state(), entity)?)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let merged = merged_note(&history);
    if json {
        // Stdout stays one kind of line; the merge path is also in the `merged` entries.
        if let Some(note) = merged {
            eprintln!("{note}");
        }
        for entry in &history.entries {
            serde_json::to_writer(&mut out, entry)?;
            writeln!(out)?;
        }
    } else {
        if let Some(note) = merged {
            writeln!(out, "{note}")?;
        }
        if let Some(e) = engine.state().entity(history.entity) {
            writeln!(
                out,
                "{} {} {} ({} mention{})",
                e.id,
                e.kind,
                e.name(),
                e.mentions.len(),
                plural(e.mentions.len())
            )?;
        }
        for entry in &history.entries {
            write_entry(&mut out, entry)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// "E4 was merged into E3 at #15 (unique_role)", one clause per merge; none for a live id.
fn merged_note(history: &History) -> Option<String> {
    let steps: Vec<String> = history
        .merged_into
        .iter()
        .map(|s| format!("{} was merged into {} at #{} ({})", s.absorbed, s.survivor, s.seq, s.rule))
        .collect();
    (!steps.is_empty()).then(|| steps.join(", then "))
}

fn write_entry(out: &mut impl Write, entry: &HistoryEntry) -> Result<()> {
    let what = match &entry.change {
        Change::Created { entity, kind, mention } => format!("created {entity} {kind} for {}", mention_label(mention)),
        Change::Linked { entity, mention } => format!("linked {} to {entity}", mention_label(mention)),
        Change::Merged { survivor, absorbed } => format!("merged {absorbed} into {survivor}"),
        Change::Split { parent, child, mentions } => format!("split {child} off {parent} ({mentions} mention(s))"),
    };
    writeln!(out, "#{:<6} {:<16} {:.3}  {what}", entry.seq, entry.rule.as_str(), entry.score)?;
    for evidence in &entry.evidence {
        writeln!(out, "         evidence: {evidence}")?;
    }
    Ok(())
}

fn mention_label(m: &MentionRef) -> String {
    format!("{:?} ({} in {})", m.text, m.mention_id, m.doc_id)
}

/// `aka diff --from SEQ [--to SEQ]`.
pub fn diff(engine: &Engine, from: u64, to: Option<u64>, json: bool) -> Result<()> {
    let diff = aka::history::diff(engine, from, to)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer(&mut out, &diff)?;
        writeln!(out)?;
    } else {
        write_diff(&mut out, &diff)?;
    }
    out.flush()?;
    Ok(())
}

fn write_diff(out: &mut impl Write, d: &Diff) -> Result<()> {
    writeln!(
        out,
        "from #{} to #{}: {} created, {} merged, {} split, {} grew",
        d.from,
        d.to,
        d.created.len(),
        d.merged.len(),
        d.split.len(),
        d.grew.len()
    )?;
    if !d.created.is_empty() {
        writeln!(out, "created:")?;
    }
    for e in &d.created {
        writeln!(
            out,
            "  {:<6} {:<6} {} ({} mention{})",
            e.id.to_string(),
            e.kind.as_str(),
            e.name,
            e.mentions,
            plural(e.mentions)
        )?;
    }
    if !d.merged.is_empty() {
        writeln!(out, "merged:")?;
    }
    for m in &d.merged {
        let was = if m.absorbed_name.is_empty() { String::new() } else { format!(" ({})", m.absorbed_name) };
        writeln!(out, "  {}{was} into {} {}", m.absorbed, m.survivor.id, m.survivor.name)?;
    }
    if !d.split.is_empty() {
        writeln!(out, "split:")?;
    }
    for x in &d.split {
        let e = &x.entity;
        writeln!(out, "  {} {} off {} ({} mention{})", e.id, e.name, x.from_entity, e.mentions, plural(e.mentions))?;
    }
    if !d.grew.is_empty() {
        writeln!(out, "grew:")?;
    }
    for g in &d.grew {
        let e = &g.entity;
        writeln!(
            out,
            "  {:<6} {:<6} {}: {} -> {} mentions",
            e.id.to_string(),
            e.kind.as_str(),
            e.name,
            g.mentions_before,
            e.mentions
        )?;
    }
    if !d.moved.is_empty() {
        writeln!(out, "mentions under another id:")?;
    }
    for m in &d.moved {
        writeln!(out, "  {} mention{} of {} now in {}", m.mentions, plural(m.mentions), m.from, m.to)?;
    }
    Ok(())
}
