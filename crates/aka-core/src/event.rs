//! The events of the log: what was observed and what the resolver decided.
//!
//! Every event is stored inside an [`Envelope`] that carries the schema version, so a reader can
//! refuse (rather than misread) an event written by a newer `aka`.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::mention::{Kind, Mention};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u16 = 1;

/// An entity's id. Ids are handed out in log order and never reused; a merge keeps the older
/// (smaller) id.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(transparent)]
pub struct EntityId(pub u64);

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E{}", self.0)
    }
}

impl std::str::FromStr for EntityId {
    type Err = std::num::ParseIntError;

    /// Parses `E42` (or `e42`): the letter, then digits only (no sign, no space).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix(['E', 'e']).filter(|d| d.bytes().all(|b| b.is_ascii_digit())).unwrap_or("x");
        digits.parse().map(EntityId)
    }
}

/// The rule of the resolver's cascade that made a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleName {
    /// No candidate fitted: the mention starts a new entity.
    NewEntity,
    /// The normalised name equals a name of the entity.
    ExactName,
    /// An acronym or alias defined in the text, or an initialism of the entity's name.
    AcronymAlias,
    /// A role held by one person at a time identifies its holder.
    UniqueRole,
    /// The mention's name tokens are contained in the entity's (a surname, a shorter form).
    NameContainment,
    /// The names are close by string similarity.
    FuzzyName,
    /// A mention earlier in the same document gives the name in full or in short.
    SameDocument,
    /// A person's judgement.
    Judgement,
    /// A record's attributes, weighed one by one, add up to a match.
    RecordMatch,
}

impl RuleName {
    /// The snake_case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleName::NewEntity => "new_entity",
            RuleName::ExactName => "exact_name",
            RuleName::AcronymAlias => "acronym_alias",
            RuleName::UniqueRole => "unique_role",
            RuleName::NameContainment => "name_containment",
            RuleName::FuzzyName => "fuzzy_name",
            RuleName::SameDocument => "same_document",
            RuleName::Judgement => "judgement",
            RuleName::RecordMatch => "record_match",
        }
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a decision was made: the rule, its score and what was compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The rule that fired.
    pub rule: RuleName,
    /// The rule's score in [0, 1]; 1 for rules that match or do not.
    pub score: f64,
    /// What was compared, in words: the strings, keys or roles.
    pub evidence: Vec<String>,
    /// The content hash of the rules in force.
    pub rules: String,
}

/// One event of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// A document was ingested. Its mentions follow it in the log.
    DocumentIngested {
        /// The document's id, unique in the store.
        doc_id: String,
        /// `sha256:` and the hex SHA-256 of the text's UTF-8 bytes.
        content_hash: String,
        /// Where it came from: a file path and line, or "api".
        source: String,
        /// The full text.
        text: String,
    },
    /// A mention was observed in a document.
    MentionObserved {
        /// The mention, with its roles and aliases (shared with the state's row of it).
        mention: Arc<Mention>,
    },
    /// The resolver started a new entity for a mention.
    EntityCreated {
        /// The new entity.
        entity: EntityId,
        /// The mention it was created for.
        mention_id: String,
        /// Its kind, from the mention.
        kind: Kind,
        /// Why.
        decision: Decision,
    },
    /// The resolver linked a mention to an existing entity.
    MentionLinked {
        /// The mention.
        mention_id: String,
        /// The entity it now belongs to.
        entity: EntityId,
        /// Why.
        decision: Decision,
    },
    /// The resolver merged two entities; the survivor is the older one.
    EntitiesMerged {
        /// The entity that remains.
        survivor: EntityId,
        /// The entity folded into it; its id resolves to the survivor from now on.
        absorbed: EntityId,
        /// Why.
        decision: Decision,
    },
    /// A person judged two entities the same or different.
    Judged {
        /// The judgement's id, `J1`, `J2` ... in log order.
        judgement: String,
        /// Same or different.
        verdict: Verdict,
        /// One entity, by the id the person gave.
        a: EntityId,
        /// The other.
        b: EntityId,
        /// Who judged.
        by: String,
        /// When, in seconds since the Unix epoch (given by the caller: the core reads no clock).
        at: u64,
        /// Why.
        reason: String,
    },
    /// A person withdrew a judgement.
    JudgementRetracted {
        /// The judgement withdrawn.
        judgement: String,
        /// Who withdrew it.
        by: String,
        /// When, in seconds since the Unix epoch.
        at: u64,
        /// Why.
        reason: String,
    },
    /// An entity gave back the mentions of an entity merged into it, which lives again.
    EntitySplit {
        /// The entity that keeps the rest.
        parent: EntityId,
        /// The entity that lives again with the mentions below (and the ids merged into it).
        child: EntityId,
        /// The mentions that move to the child.
        mentions: Vec<String>,
        /// The judgement that caused the split, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        judgement: Option<String>,
        /// Why.
        decision: Decision,
    },
}

/// A person's verdict on two entities.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// They are one: merge them, and keep them merged.
    Same,
    /// They are two: split them if merged, and never merge them.
    Different,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Same => "same",
            Verdict::Different => "different",
        })
    }
}

impl Event {
    /// A short name of the event's type for listings.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::DocumentIngested { .. } => "DocumentIngested",
            Event::MentionObserved { .. } => "MentionObserved",
            Event::EntityCreated { .. } => "EntityCreated",
            Event::MentionLinked { .. } => "MentionLinked",
            Event::EntitiesMerged { .. } => "EntitiesMerged",
            Event::Judged { .. } => "Judged",
            Event::JudgementRetracted { .. } => "JudgementRetracted",
            Event::EntitySplit { .. } => "EntitySplit",
        }
    }
}

/// An event as stored: the schema version beside the event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The schema version the event was written with.
    pub schema: u16,
    /// The event.
    pub event: Event,
}

/// Why stored bytes could not be read as an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not a valid envelope.
    #[error("malformed event: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A record of several events whose framing is damaged: none of its events can be told apart.
    #[error("malformed record of events: {0}")]
    Framing(String),
    /// Written by another schema version.
    #[error("event has schema version {found}, this build reads version {SCHEMA_VERSION}")]
    Schema {
        /// The version found.
        found: u16,
    },
}

impl Envelope {
    /// Wraps an event with the current schema version.
    pub fn new(event: Event) -> Envelope {
        Envelope { schema: SCHEMA_VERSION, event }
    }

    /// The stored form: JSON, so that the log stays readable with ordinary tools.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// [`Envelope::encode`], written at the end of `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_writer(out, self).expect("an envelope always serialises");
    }

    /// The stored form of `event` under the current schema version, written at the end of
    /// `out`: the bytes of `Envelope::new(event).encode()`, without moving the event into an
    /// envelope.
    pub fn encode_event_into(event: &Event, out: &mut Vec<u8>) {
        serde_json::to_writer(out, &Current { schema: SCHEMA_VERSION, event }).expect("an envelope always serialises");
    }

    /// Reads the stored form back, refusing other schema versions.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, DecodeError> {
        let envelope: Envelope = serde_json::from_slice(bytes)?;
        if envelope.schema != SCHEMA_VERSION {
            return Err(DecodeError::Schema { found: envelope.schema });
        }
        Ok(envelope)
    }
}

/// An [`Envelope`] of the current schema around a borrowed event: serialised as the envelope is
/// (the same fields in the same order).
#[derive(Serialize)]
struct Current<'e> {
    schema: u16,
    event: &'e Event,
}

/// `sha256:` and the hex digest of `bytes`: how documents and rules are identified.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_through_its_stored_form() {
        let event = Event::MentionLinked {
            mention_id: "d:0-5".into(),
            entity: EntityId(7),
            decision: Decision {
                rule: RuleName::ExactName,
                score: 1.0,
                evidence: vec!["a = a".into()],
                rules: "sha256:00".into(),
            },
        };
        let envelope = Envelope::new(event);
        assert_eq!(Envelope::decode(&envelope.encode()).unwrap(), envelope);
    }

    /// An event written without its envelope is written as its envelope is, whatever its kind.
    #[test]
    fn an_event_is_stored_as_its_envelope_of_the_current_schema() {
        let decision = Decision {
            rule: RuleName::ExactName,
            score: 0.5,
            evidence: vec!["\"a\" = a".into()],
            rules: "sha256:00".into(),
        };
        let events = [
            Event::DocumentIngested {
                doc_id: "d".into(),
                content_hash: "sha256:01".into(),
                source: "s".into(),
                text: "Tëxt\n".into(),
            },
            Event::MentionLinked { mention_id: "d:0-5".into(), entity: EntityId(7), decision: decision.clone() },
            Event::EntitiesMerged { survivor: EntityId(1), absorbed: EntityId(2), decision },
        ];
        for event in events {
            let mut out = b"before ".to_vec();
            Envelope::encode_event_into(&event, &mut out);
            let envelope = Envelope::new(event);
            assert_eq!(out, [b"before ".as_slice(), &envelope.encode()].concat(), "{envelope:?}");
            assert_eq!(Envelope::decode(&out[7..]).unwrap(), envelope);
        }
    }

    #[test]
    fn decode_refuses_another_schema_version() {
        let mut envelope = Envelope::new(Event::EntitiesMerged {
            survivor: EntityId(1),
            absorbed: EntityId(2),
            decision: Decision { rule: RuleName::UniqueRole, score: 1.0, evidence: vec![], rules: String::new() },
        });
        envelope.schema = SCHEMA_VERSION + 1;
        let err = Envelope::decode(&envelope.encode()).unwrap_err();
        assert!(matches!(err, DecodeError::Schema { found } if found == SCHEMA_VERSION + 1));
    }

    #[test]
    fn entity_ids_print_and_parse_as_e_numbers() {
        assert_eq!(EntityId(42).to_string(), "E42");
        assert_eq!("E42".parse::<EntityId>().unwrap(), EntityId(42));
        assert!("42".parse::<EntityId>().is_err());
        for malformed in ["E+5", "E 5", "E-5", "E", "E5x"] {
            assert!(malformed.parse::<EntityId>().is_err(), "{malformed} is no entity id");
        }
    }

    #[test]
    fn content_hash_is_sha256_hex() {
        assert_eq!(content_hash(b"abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
