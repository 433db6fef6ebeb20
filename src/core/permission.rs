//! Permission requests and decisions (rules come with the permissions issue).

use crate::core::ids::RequestId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tool call an agent wants to make and the CLI asked the host about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionRequest {
    /// The CLI's control request id (answers must echo it).
    pub request_id: RequestId,
    /// Tool name (`Bash`, `Write`, `mcp__server__tool`, …).
    pub tool_name: String,
    /// The tool input as the model wrote it.
    pub input: Value,
    /// The CLI's human description, if any.
    pub description: Option<String>,
    /// The path the CLI considers blocked, if any.
    pub blocked_path: Option<String>,
    /// The CLI's suggested rules (raw `permission_suggestions`).
    pub suggestions: Value,
    /// The tool_use id this request is for.
    pub tool_use_id: Option<String>,
}

/// The host's answer to a permission request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "behavior", rename_all = "snake_case")]
pub enum Decision {
    /// Run the tool with this input (the original one to allow unchanged).
    Allow {
        /// Input to run.
        updated_input: Value,
    },
    /// Do not run it; the agent gets `message` as an error tool result.
    Deny {
        /// What the agent is told.
        message: String,
        /// Also stop the agent's turn.
        interrupt: bool,
    },
}

impl Decision {
    /// Short label for activity lines.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Allow { .. } => "allowed",
            Self::Deny {
                interrupt: false, ..
            } => "denied",
            Self::Deny {
                interrupt: true, ..
            } => "denied (interrupt)",
        }
    }
}
