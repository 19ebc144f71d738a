//! The test helper shared by the test files: mentions as a compact listing.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use aka_core::{Form, Mention, Rules};
use aka_extract::{ExtractConfig, extract};

/// One line per mention: `KIND text`, then ` (role-only)`, ` [role; role]` and
/// ` aka alias, alias` when present.
pub fn listing(mentions: &[Mention]) -> String {
    let mut out = String::new();
    for m in mentions {
        out.push_str(m.kind.as_str());
        out.push(' ');
        out.push_str(&m.text);
        if m.form == Form::RoleOnly {
            out.push_str(" (role-only)");
        }
        if m.form == Form::Description {
            out.push_str(" (description)");
        }
        if let Some(name) = &m.name {
            out.push_str(&format!(" (name {name})"));
        }
        if !m.roles.is_empty() {
            let roles: Vec<String> = m.roles.iter().map(ToString::to_string).collect();
            out.push_str(&format!(" [{}]", roles.join("; ")));
        }
        if !m.aliases.is_empty() {
            out.push_str(&format!(" aka {}", m.aliases.join(", ")));
        }
        out.push('\n');
    }
    out
}

/// Extracts with the default rules and limits.
pub fn run(text: &str) -> Vec<Mention> {
    extract("doc", text, &Rules::default_rules(), &ExtractConfig::default())
}

/// Compares the listing of `text` with `expected` (lines trimmed, blank lines ignored).
#[track_caller]
pub fn check(text: &str, expected: &str) {
    let actual = listing(&run(text));
    let expected: String =
        expected.lines().map(str::trim).filter(|line| !line.is_empty()).map(|line| format!("{line}\n")).collect();
    assert_eq!(actual, expected, "\ntext: {text}\nactual:\n{actual}");
}
