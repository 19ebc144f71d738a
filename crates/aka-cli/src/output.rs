//! What the read commands print: tables for people, JSON lines for programs.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use aka::query::{export_rows, sentence_of};
use aka::{Engine, Entity, EntityId, Event, State};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct EntityLine<'a> {
    id: String,
    name: &'a str,
    kind: String,
    aliases: Vec<&'a str>,
    roles: Vec<String>,
    mentions: usize,
}

fn entity_line(e: &Entity) -> EntityLine<'_> {
    EntityLine {
        id: e.id.to_string(),
        name: e.name(),
        kind: e.kind.to_string(),
        aliases: e.aliases(),
        roles: e.roles.iter().map(ToString::to_string).collect(),
        mentions: e.mentions.len(),
    }
}

/// `aka entities`: the entities of `state` (the engine's, or one replayed to an earlier point).
pub fn entities(state: &State, json: bool) -> Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for e in state.entities() {
        let line = entity_line(&e);
        if json {
            serde_json::to_writer(&mut out, &line)?;
            writeln!(out)?;
        } else {
            write!(
                out,
                "{:<6} {:<6} {} ({} mention{})",
                line.id,
                line.kind,
                line.name,
                line.mentions,
                plural(line.mentions)
            )?;
            if !line.aliases.is_empty() {
                write!(out, "  aka: {}", line.aliases.join("; "))?;
            }
            if !line.roles.is_empty() {
                write!(out, "  roles: {}", line.roles.join("; "))?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `aka show`: one entity of `state` (the engine's, or one replayed to an earlier point); the
/// documents' texts come from the engine's log.
pub fn show(engine: &Engine, state: &State, id: EntityId) -> Result<()> {
    let Some(e) = state.entity(id) else { anyhow::bail!("no entity {id}") };
    let mut out = BufWriter::new(std::io::stdout().lock());
    if e.id != id {
        writeln!(out, "{id} was merged into {}", e.id)?;
    }
    writeln!(out, "{} {} {}", e.id, e.kind, e.name())?;
    if !e.aliases().is_empty() {
        writeln!(out, "aliases: {}", e.aliases().join("; "))?;
    }
    for role in &e.roles {
        writeln!(out, "role: {role}")?;
    }
    if !e.absorbed.is_empty() {
        let ids: Vec<String> = e.absorbed.iter().map(ToString::to_string).collect();
        writeln!(out, "absorbed: {}", ids.join(", "))?;
    }
    writeln!(out, "mentions ({}):", e.mentions.len())?;
    let mut texts: BTreeMap<String, Option<String>> = BTreeMap::new();
    for mention_id in &e.mentions {
        let Some(m) = state.mention(mention_id) else { continue };
        if !texts.contains_key(&m.doc_id) {
            let text = match state.doc(&m.doc_id) {
                Some(doc) => engine.doc_text(&doc)?,
                None => None,
            };
            texts.insert(m.doc_id.clone(), text);
        }
        let text = texts.get(&m.doc_id).and_then(Option::as_deref);
        let context = text.and_then(|t| sentence_of(t, &m)).unwrap_or("");
        writeln!(out, "  {} [{}..{}] {:?}: {}", m.doc_id, m.start, m.end, m.text, context)?;
    }
    out.flush()?;
    Ok(())
}

/// `aka explain`.
pub fn explain(engine: &Engine, id: EntityId) -> Result<()> {
    let state = engine.state();
    let mut out = BufWriter::new(std::io::stdout().lock());
    if let Some(e) = state.entity(id) {
        if e.id != id {
            writeln!(out, "{id} was merged into {}", e.id)?;
        }
        writeln!(out, "{} {} {}", e.id, e.kind, e.name())?;
    }
    for (seq, event) in engine.explain(id)? {
        let (what, decision) = match &event {
            Event::EntityCreated { entity, mention_id, decision, .. } => {
                (format!("created {entity} for {}", mention_text(engine, mention_id)), decision)
            }
            Event::MentionLinked { mention_id, entity, decision } => {
                (format!("linked {} to {entity}", mention_text(engine, mention_id)), decision)
            }
            Event::EntitiesMerged { survivor, absorbed, decision } => {
                (format!("merged {absorbed} into {survivor}"), decision)
            }
            _ => continue,
        };
        writeln!(out, "#{seq:<6} {:<16} {:.3}  {what}", decision.rule.as_str(), decision.score)?;
        for evidence in &decision.evidence {
            writeln!(out, "         evidence: {evidence}")?;
        }
    }
    out.flush()?;
    Ok(())
}

fn mention_text(engine: &Engine, mention_id: &str) -> String {
    match engine.state().mention(mention_id) {
        Some(m) => format!("{:?} ({mention_id})", m.text),
        None => mention_id.to_string(),
    }
}

/// `aka log`.
pub fn log(engine: &Engine, from: u64, limit: Option<usize>, json: bool) -> Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for item in engine.log().iter_from(from.max(1)).take(limit.unwrap_or(usize::MAX)) {
        let (seq, envelope) = item?;
        if json {
            let line = serde_json::json!({ "seq": seq, "schema": envelope.schema, "event": envelope.event });
            serde_json::to_writer(&mut out, &line)?;
            writeln!(out)?;
        } else {
            writeln!(out, "#{seq:<6} {}", summary(&envelope.event))?;
        }
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn summary(event: &Event) -> String {
    match event {
        Event::DocumentIngested { doc_id, content_hash, source, text } => {
            format!("DocumentIngested {doc_id} {} chars {content_hash} from {source}", text.chars().count())
        }
        Event::MentionObserved { mention: m } => {
            format!("MentionObserved {} {} {:?} [{}..{}]", m.mention_id, m.kind, m.text, m.start, m.end)
        }
        Event::EntityCreated { entity, mention_id, kind, decision } => {
            format!("EntityCreated {entity} {kind} for {mention_id} ({})", decision.rule)
        }
        Event::MentionLinked { mention_id, entity, decision } => {
            format!("MentionLinked {mention_id} -> {entity} ({} {:.3})", decision.rule, decision.score)
        }
        Event::EntitiesMerged { survivor, absorbed, decision } => {
            format!("EntitiesMerged {absorbed} into {survivor} ({})", decision.rule)
        }
        Event::Judged { judgement, verdict, a, b, by, reason, .. } => {
            format!("Judged {judgement}: {a} {verdict} {b} by {by}: {reason}")
        }
        Event::JudgementRetracted { judgement, by, reason, .. } => {
            format!("JudgementRetracted {judgement} by {by}: {reason}")
        }
        Event::EntitySplit { parent, child, mentions, decision, .. } => {
            format!("EntitySplit {child} off {parent} with {} mention(s) ({})", mentions.len(), decision.rule)
        }
    }
}

/// `aka export mentions`.
pub fn export_mentions(engine: &Engine) -> Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for row in export_rows(engine.state()) {
        serde_json::to_writer(&mut out, &row)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}
