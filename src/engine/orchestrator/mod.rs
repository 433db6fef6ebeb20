//! The orchestrator's in-process MCP server `patchfeld`: tool schemas and handlers that run
//! inside the engine actor. (The orchestrator issue grows this registry.)

mod tools;

pub(crate) use tools::call;
pub use tools::tools;

/// MCP server name of the orchestrator's tools.
pub const SERVER: &str = "patchfeld";

/// Appended to the orchestrator's system prompt.
pub const SYSTEM_PROMPT: &str = include_str!("../../../assets/orchestrator-prompt.md");

/// Full tool names (`mcp__patchfeld__…`) to pre-allow: the orchestrator's own tools (and the
/// UI's, registered through the same server) never ask.
pub fn pre_allowed(ui_tools: &[crate::core::tool::ToolDef]) -> Vec<String> {
    tools()
        .iter()
        .chain(ui_tools)
        .map(|t| crate::claude::control::mcp_tool_name(SERVER, &t.name))
        .collect()
}
