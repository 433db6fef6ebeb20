//! The tools every child agent gets through the in-process MCP server `patchfeld_child`.

use crate::claude::sdk_mcp::ToolDef;
use serde_json::json;

/// MCP server name of the child tools.
pub const SERVER: &str = "patchfeld_child";

/// Default seconds an `ask_orchestrator` waits for an answer.
pub const ASK_TIMEOUT_S: f64 = 300.0;

/// Guidance appended to every child's system prompt.
pub const GUIDANCE: &str = "You are a child agent supervised by an orchestrator in patchfeld. \
The tools mcp__patchfeld_child__notify_orchestrator and mcp__patchfeld_child__ask_orchestrator are \
the only way the orchestrator learns what you are doing. Use notify_orchestrator for real milestones \
(no spam, no restating your transcript). Use ask_orchestrator only when you are genuinely blocked on \
a decision: it blocks your turn until answered and times out (300 s by default), after which you \
must decide yourself rather than ask again. By default, do the task and notify once at the end.";

/// The tool definitions with their JSON Schemas.
pub fn tools() -> Vec<ToolDef> {
    vec![
        ToolDef {
            name: "notify_orchestrator".into(),
            description: "Tell the orchestrator about a milestone or result. Returns at once."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {"message": {"type": "string", "description": "What to tell the orchestrator."}},
                "required": ["message"],
                "additionalProperties": false
            }),
        },
        ToolDef {
            name: "ask_orchestrator".into(),
            description: "Ask the orchestrator a question and wait for the answer. Blocks until \
answered or until timeout_s passes (then returns a timeout message)."
                .into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "question": {"type": "string", "description": "The question."},
                    "timeout_s": {"type": "number", "minimum": 1, "default": ASK_TIMEOUT_S,
                                   "description": "Seconds to wait for an answer (default 300)."}
                },
                "required": ["question"],
                "additionalProperties": false
            }),
        },
    ]
}

/// Full tool names (`mcp__patchfeld_child__…`) to pre-allow on the command line.
pub fn pre_allowed() -> Vec<String> {
    tools()
        .iter()
        .map(|t| crate::claude::control::mcp_tool_name(SERVER, &t.name))
        .collect()
}
