//! Identifier newtypes: agents, control requests, panels.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An agent's id: 12 lowercase hex chars for children, the literal `orchestrator` for the orchestrator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgentId(pub String);

impl AgentId {
    /// The orchestrator's fixed id.
    pub const ORCHESTRATOR: &'static str = "orchestrator";

    /// A fresh random child id (12 lowercase hex chars).
    pub fn new_random() -> Self {
        Self(random_hex(12))
    }

    /// The orchestrator's id.
    pub fn orchestrator() -> Self {
        Self(Self::ORCHESTRATOR.to_owned())
    }

    /// True for the orchestrator's id.
    pub fn is_orchestrator(&self) -> bool {
        self.0 == Self::ORCHESTRATOR
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `s` is a well-formed child id (12 lowercase hex chars) or the orchestrator id.
    pub fn is_valid(s: &str) -> bool {
        s == Self::ORCHESTRATOR
            || (s.len() == 12
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a request an agent is blocked on (permission or ask): 12 lowercase hex chars
/// for ours; the CLI's own control request ids are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh random request id (12 lowercase hex chars).
    pub fn new_random() -> Self {
        Self(random_hex(12))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `n` lowercase hex chars from a random v4 UUID (n <= 32).
pub fn random_hex(n: usize) -> String {
    let mut s = uuid::Uuid::new_v4().simple().to_string();
    s.truncate(n.min(32));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_twelve_lower_hex_and_distinct() {
        let a = AgentId::new_random();
        let b = AgentId::new_random();
        assert!(AgentId::is_valid(a.as_str()), "{a}");
        assert_ne!(a, b);
        assert!(!AgentId::is_valid("ABCDEF123456"));
        assert!(!AgentId::is_valid("abc"));
        assert!(AgentId::is_valid("orchestrator"));
    }
}
