//! `aka audit`: the recorded observations re-resolved under other rules, compared with the log.

use std::path::Path;
use std::sync::Arc;

use aka::Engine;
use aka::audit::{AuditReport, DecisionAt, DifferingGroup, Gold, GoldScores, MentionAudit, Scores};
use anyhow::{Context, Result};

/// Mentions listed per group in the text output; `--json` lists all.
const MENTIONS_SHOWN_MAX: usize = 12;

/// `aka audit [--rules OTHER.toml] [--gold FILE] [--json]`.
pub fn audit(engine: &Engine, gold: Option<&Path>, json: bool) -> Result<()> {
    // Read the gold first, so a bad file fails before the (longer) re-resolution.
    let gold = gold.map(read_gold).transpose()?;
    let report = aka::audit::audit(engine, Arc::new(engine.rules().clone())).context("auditing the log")?;
    let scores = gold.as_ref().map(|g| report.score(g));
    if json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(scores) = &scores {
            value["gold"] = serde_json::to_value(scores)?;
        }
        println!("{value}");
    } else {
        print!("{}", text(&report, scores.as_ref()));
    }
    Ok(())
}

fn read_gold(path: &Path) -> Result<Gold> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read gold file", path.display()))?;
    Gold::parse(&text).map_err(|e| anyhow::anyhow!("{}:{}: {}", path.display(), e.line, e.detail))
}

fn text(report: &AuditReport, scores: Option<&GoldScores>) -> String {
    let mut out = String::new();
    let recorded = if report.rules_recorded.is_empty() { "-".to_string() } else { report.rules_recorded.join(", ") };
    out.push_str(&format!("rules: recorded {recorded}; audited {}\n", report.rules_audited));
    out.push_str(&format!(
        "{}; entities: {} recorded, {} audited; mentions whose grouping differs: {}\n",
        count(report.mentions, "mention"),
        report.entities_recorded,
        report.entities_audited,
        report.mentions_differing
    ));
    out.push_str(&format!(
        "merges that would not happen: {} split; merges that would happen: {} joining recorded ones\n",
        count(report.merges_not_happening, "recorded entity"),
        count(report.merges_happening, "audited entity")
    ));
    if let Some(scores) = scores {
        out.push_str(&gold_text(scores));
    }
    if report.groups.is_empty() {
        out.push_str("no differences\n");
    }
    for group in &report.groups {
        out.push('\n');
        out.push_str(&group_text(group));
    }
    out
}

/// "1 mention", "2 mentions", "2 recorded entities".
fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}

fn gold_text(scores: &GoldScores) -> String {
    let line = |side: &str, s: &Scores| {
        format!(
            "  {side:<8} pairwise P {:.3} R {:.3} F1 {:.3}   B-cubed P {:.3} R {:.3} F1 {:.3}\n",
            s.pairwise.precision, s.pairwise.recall, s.pairwise.f1, s.bcubed.precision, s.bcubed.recall, s.bcubed.f1
        )
    };
    format!(
        "gold: {} mentions scored, {} without gold left out, {} gold lines name no mention\n{}{}",
        scores.scored,
        scores.without_gold,
        scores.gold_unmatched,
        line("recorded", &scores.recorded),
        line("audited", &scores.audited)
    )
}

fn group_text(group: &DifferingGroup) -> String {
    let mut out = format!(
        "{} {} {:?} ({}): audited as {}",
        group.recorded_entity,
        group.kind,
        group.name,
        count(group.mention_count, "mention"),
        group.audited_entities.join(", ")
    );
    if group.audited_entities.len() > 1 {
        out.push_str(" (split)");
    }
    if !group.joined_with.is_empty() {
        out.push_str(&format!("; joined with recorded {}", group.joined_with.join(", ")));
    }
    out.push('\n');
    for mention in group.mentions.iter().take(MENTIONS_SHOWN_MAX) {
        out.push_str(&mention_text(mention));
    }
    if group.mentions.len() > MENTIONS_SHOWN_MAX {
        out.push_str(&format!("  ... {} more (--json lists all)\n", group.mentions.len() - MENTIONS_SHOWN_MAX));
    }
    out
}

fn mention_text(m: &MentionAudit) -> String {
    let side = |label: &str, entity: &str, decisions: &[DecisionAt]| {
        let steps: Vec<String> = decisions.iter().map(decision_text).collect();
        format!("    {label:<9}{entity:<6} {}\n", steps.join(" then "))
    };
    format!(
        "  {:?} in {} ({})\n{}{}",
        m.text,
        m.doc_id,
        m.mention_id,
        side("recorded", &m.recorded.entity, &m.recorded.decisions),
        side("audited", &m.audited.entity, &m.audited.decisions)
    )
}

fn decision_text(d: &DecisionAt) -> String {
    let seq = d.seq.map(|s| format!("#{s} ")).unwrap_or_default();
    let evidence = if d.evidence.is_empty() { String::new() } else { format!(" [{}]", d.evidence.join("; ")) };
    format!("{seq}{} {:.3} -> {}{evidence}", d.rule, d.score, d.entity)
}
