//! Tool definitions the app offers to agents (name, description, JSON Schema), independent of
//! how a harness transports them.

use serde_json::Value;

/// A tool an in-process server offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    /// Tool name without any server prefix.
    pub name: String,
    /// What the model reads about it.
    pub description: String,
    /// JSON Schema of its arguments.
    pub input_schema: Value,
}
