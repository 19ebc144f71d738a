//! Mentions written compactly for the unit tests of the core.

use std::collections::BTreeMap;

use crate::mention::{Form, Mention, Role, Tense};

/// A named mention `"{doc}:{n}"` written as `"KIND text"`: `m("a", 0, "PERSON Jane Roe")`.
pub(crate) fn m(doc: &str, n: u32, spec: &str) -> Mention {
    let (kind, text) = spec.split_once(' ').unwrap();
    Mention {
        mention_id: format!("{doc}:{n}"),
        doc_id: doc.into(),
        start: n,
        end: n + 1,
        text: text.into(),
        kind: kind.parse().unwrap(),
        form: Form::Name,
        roles: vec![],
        aliases: vec![],
        name: None,
        attrs: BTreeMap::new(),
    }
}

/// The mention with one more role.
pub(crate) fn role(mut mention: Mention, title: &str, of: Option<&str>, tense: Tense) -> Mention {
    mention.roles.push(Role { title: title.into(), of: of.map(str::to_string), tense });
    mention
}
