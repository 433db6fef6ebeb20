//! Line builders for the fake agent: the JSON shapes the real CLI 2.1.330 prints (claude-protocol.md).

use serde_json::{Value, json};

/// Version string the fake reports; the real CLI this imitates.
pub const CLI_VERSION: &str = "2.1.330";

/// Tool names the fake lists in `system/init` (the real default set, trimmed).
pub const DEFAULT_TOOLS: &[&str] = &[
    "Task",
    "AskUserQuestion",
    "Bash",
    "Edit",
    "EnterPlanMode",
    "ExitPlanMode",
    "Glob",
    "Grep",
    "NotebookEdit",
    "Read",
    "Skill",
    "TodoWrite",
    "ToolSearch",
    "WebFetch",
    "WebSearch",
    "Write",
];

/// Canned tool result the CLI gives a tool the user rejected with interrupt.
pub const REJECTED_TOOL_TEXT: &str = "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.";

/// A fresh UUID string.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An id in the style of the API's ids (`msg_…`, `toolu_…`).
pub fn api_id(prefix: &str) -> String {
    format!("{prefix}_fake_{}", uuid::Uuid::new_v4().simple())
}

/// ISO-8601 UTC with milliseconds, as in the CLI's `timestamp` fields.
pub fn timestamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// `system/session_state_changed`.
pub fn state_changed(session_id: &str, state: &str) -> Value {
    json!({"type":"system","subtype":"session_state_changed","state":state,"sdk_host_only":true,
           "uuid":uuid(),"session_id":session_id})
}

/// Everything `system/init` reports.
pub struct InitInfo<'a> {
    /// Session id.
    pub session_id: &'a str,
    /// Working directory.
    pub cwd: &'a str,
    /// Tool names.
    pub tools: Vec<String>,
    /// `(name, status)` per MCP server.
    pub mcp_servers: Vec<(String, &'static str)>,
    /// Current model.
    pub model: &'a str,
    /// Current permission mode.
    pub permission_mode: &'a str,
}

/// `system/init`, once per turn.
pub fn init(i: &InitInfo<'_>) -> Value {
    let servers: Vec<Value> = i
        .mcp_servers
        .iter()
        .map(|(n, s)| json!({"name":n,"status":s,"source":"sdk"}))
        .collect();
    json!({"type":"system","subtype":"init","cwd":i.cwd,"session_id":i.session_id,"tools":i.tools,
           "mcp_servers":servers,"model":i.model,"permissionMode":i.permission_mode,
           "slash_commands":["compact","context","cost","init","review"],"apiKeySource":"none",
           "claude_code_version":CLI_VERSION,"output_style":"default",
           "agents":["general-purpose","Explore","Plan"],"skills":[],"plugins":[],
           "uuid":uuid(),"original_cwd":i.cwd,"additional_directories":[],"fake":true})
}

/// One assistant line carrying a single content block.
pub fn assistant(session_id: &str, msg_id: &str, model: &str, block: Value) -> Value {
    json!({"type":"assistant","message":{"id":msg_id,"type":"message","role":"assistant","model":model,
           "content":[block],"stop_reason":null,"stop_sequence":null,
           "usage":{"input_tokens":1000,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},
           "parent_tool_use_id":null,"session_id":session_id,"uuid":uuid(),"timestamp":timestamp(),
           "request_id":api_id("req")})
}

/// The synthetic assistant line the CLI prints for an API failure.
pub fn api_error_assistant(session_id: &str, text: &str) -> Value {
    let status = text
        .strip_prefix("API Error: ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|c| c.trim_end_matches(['.', ':']).parse::<u16>().ok());
    json!({"type":"assistant","message":{"id":uuid(),"type":"message","role":"assistant","model":"<synthetic>",
           "content":[{"type":"text","text":text}],"stop_reason":"stop_sequence","stop_sequence":"",
           "usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},
           "parent_tool_use_id":null,"session_id":session_id,"uuid":uuid(),"timestamp":timestamp(),
           "error":"server_error","is_api_error_message":true,"api_error_status":status})
}

/// A user line with one tool_result block.
pub fn tool_result(
    session_id: &str,
    tool_use_id: &str,
    content: Value,
    is_error: bool,
    tool_use_result: Value,
    decision: Option<&str>,
) -> Value {
    let mut v = json!({"type":"user","message":{"role":"user","content":[
            {"tool_use_id":tool_use_id,"type":"tool_result","content":content,"is_error":is_error}]},
           "parent_tool_use_id":null,"session_id":session_id,"uuid":uuid(),"timestamp":timestamp(),
           "tool_use_result":tool_use_result});
    if let Some(d) = decision {
        v["tool_result_meta"] = json!([{"id":tool_use_id,"permission_decision":{"decision":d,"source":"user_temporary"}}]);
    }
    v
}

/// The user line the CLI adds when a turn is interrupted.
pub fn interrupted_marker(session_id: &str, for_tool_use: bool) -> Value {
    let text = if for_tool_use {
        "[Request interrupted by user for tool use]"
    } else {
        "[Request interrupted by user]"
    };
    json!({"type":"user","message":{"role":"user","content":[{"type":"text","text":text}]},
           "parent_tool_use_id":null,"session_id":session_id,"uuid":uuid(),"timestamp":timestamp()})
}

/// Everything a `result` line reports.
pub struct ResultInfo<'a> {
    /// `subtype`: `success` or `error_during_execution`.
    pub subtype: &'a str,
    /// `is_error`.
    pub is_error: bool,
    /// `result` text (omitted for `error_during_execution`, as the CLI does).
    pub text: Option<&'a str>,
    /// `terminal_reason`.
    pub terminal_reason: &'a str,
    /// `errors` (only for error subtypes).
    pub errors: Vec<String>,
    /// API round trips.
    pub num_turns: u64,
    /// Session id.
    pub session_id: &'a str,
    /// Model for `modelUsage`.
    pub model: &'a str,
    /// Turn's input tokens.
    pub input_tokens: u64,
    /// Turn's output tokens.
    pub output_tokens: u64,
    /// Turn's cost.
    pub cost_usd: f64,
    /// Wall time of the turn.
    pub duration_ms: u64,
    /// `permission_denials` entries.
    pub denials: Vec<Value>,
    /// `api_error_status` when the turn ended on an API error.
    pub api_error_status: Option<u16>,
}

/// A `result` line.
pub fn result(r: &ResultInfo<'_>) -> Value {
    let mut model_usage = serde_json::Map::new();
    if r.num_turns > 0 {
        model_usage.insert(
            r.model.to_owned(),
            json!({"inputTokens":r.input_tokens,"outputTokens":r.output_tokens,"cacheReadInputTokens":0,
                   "cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":r.cost_usd,
                   "contextWindow":200_000,"maxOutputTokens":32_000}),
        );
    }
    let mut v = json!({"type":"result","subtype":r.subtype,"is_error":r.is_error,
        "duration_ms":r.duration_ms,"duration_api_ms":r.duration_ms / 2,"num_turns":r.num_turns,
        "session_id":r.session_id,"total_cost_usd":r.cost_usd,
        "stop_reason": if r.subtype == "success" && !r.is_error { json!("end_turn") } else { Value::Null },
        "terminal_reason":r.terminal_reason,"api_error_status":r.api_error_status,
        "usage":{"input_tokens":r.input_tokens,"output_tokens":r.output_tokens,
                 "cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                 "server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard"},
        "modelUsage":model_usage,"permission_denials":r.denials,"uuid":uuid(),
        "queued_turn_count":0,"result_index":0});
    if let Some(t) = r.text {
        v["result"] = json!(t);
    }
    if !r.errors.is_empty() {
        v["errors"] = json!(r.errors);
    }
    v
}

/// A CLI-initiated control request.
pub fn control_request(request_id: &str, request: Value) -> Value {
    json!({"type":"control_request","request_id":request_id,"request":request})
}

/// Success answer to a host control request.
pub fn control_success(request_id: &str, response: Value) -> Value {
    json!({"type":"control_response","response":{"subtype":"success","request_id":request_id,"response":response}})
}

/// Error answer to a host control request.
pub fn control_error(request_id: &str, error: &str, code: &str) -> Value {
    json!({"type":"control_response","response":{"subtype":"error","request_id":request_id,"error":error,"error_code":code}})
}

/// `control_cancel_request` for a request the CLI no longer needs answered.
pub fn control_cancel(request_id: &str) -> Value {
    json!({"type":"control_cancel_request","request_id":request_id})
}

/// The body of the success answer to `initialize`.
pub fn initialize_response(model: &str, permission_mode: &str) -> Value {
    json!({"commands":[{"name":"compact","description":"Clear conversation history but keep a summary in context","argumentHint":""}],
           "agents":[{"name":"general-purpose","description":"General-purpose agent"}],
           "output_style":"default","available_output_styles":["default"],
           "models":[{"value":"default","resolvedModel":model,"displayName":"Default (recommended)",
                      "description":"The fake agent's scripted model"}],
           "account":{"tokenSource":"none","apiKeySource":"none","apiProvider":"firstParty"},
           "pid":std::process::id(),"claude_code_version":CLI_VERSION,
           "current_permission_mode":permission_mode,"hook_on_failure_supported":true,
           "session_state":"idle","capabilities":[]})
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_millisecond_precision() {
        let t = timestamp();
        assert_eq!(t.len(), "2026-11-23T14:06:25.137Z".len(), "{t}");
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn api_error_line_carries_the_status() {
        let v = api_error_assistant("s", "API Error: 500 boom");
        assert_eq!(v["api_error_status"], 500);
        assert_eq!(v["is_api_error_message"], true);
        assert_eq!(v["message"]["model"], "<synthetic>");
    }

    #[test]
    fn error_results_have_no_result_text() {
        let v = result(&ResultInfo {
            subtype: "error_during_execution",
            is_error: true,
            text: None,
            terminal_reason: "aborted_streaming",
            errors: vec!["x".into()],
            num_turns: 1,
            session_id: "s",
            model: "m",
            input_tokens: 1,
            output_tokens: 2,
            cost_usd: 0.5,
            duration_ms: 3,
            denials: vec![],
            api_error_status: None,
        });
        assert!(v.get("result").is_none());
        assert_eq!(v["errors"][0], "x");
        assert_eq!(v["usage"]["output_tokens"], 2);
        assert_eq!(v["modelUsage"]["m"]["costUSD"], 0.5);
    }
}
