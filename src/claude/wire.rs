//! The CLI's stream-json wire format: tolerant types for stdout lines, builders for stdin lines.
//!
//! Parsing dispatches on `type`, then `subtype` (key order is arbitrary, claude-protocol.md §2).
//! Every struct defaults missing fields and treats `null` as the default, so a line only
//! degrades to [`Incoming::Unknown`] when a field has a genuinely different type; no line
//! ever makes parsing fail except text that is not a JSON object.

use crate::core::permission::Decision;
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `null` → `T::default()`; the CLI writes `null` for many absent values (`result`, `errors`…).
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// One line the CLI wrote to stdout.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `type: system`.
    System(SystemMessage),
    /// `type: assistant` (one line per content block).
    Assistant(AssistantLine),
    /// `type: user` (tool results, interrupt markers, subagent prompts).
    User(UserLine),
    /// `type: result`: the end of a turn.
    Result(ResultLine),
    /// `type: control_request`: the CLI asks the host something.
    ControlRequest {
        /// The CLI's id (a UUID); answers must echo it.
        request_id: String,
        /// What it asks.
        request: ControlRequestBody,
    },
    /// `type: control_cancel_request`: the CLI withdrew one of its requests.
    ControlCancel {
        /// The withdrawn request's id.
        request_id: String,
    },
    /// `type: control_response`: the answer to one of our requests.
    ControlResponse(ControlResponseLine),
    /// `type: stream_event` (only with `--include-partial-messages`); the raw SSE event.
    StreamEvent(Value),
    /// `type: keep_alive` ([sdk]): nothing to do.
    KeepAlive,
    /// A JSON object of a type we do not know, or a known type whose fields did not fit.
    Unknown(Value),
}

/// Why a line could not be parsed at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// Not JSON, or JSON that is not an object.
    #[error("not a JSON object: {0}")]
    NotJsonObject(String),
}

/// `type: system` lines.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemMessage {
    /// `subtype: init`, sent once per turn.
    Init(SystemInit),
    /// `subtype: session_state_changed` (needs `CLAUDE_CODE_SDK_READS_SESSION_STATE=1`).
    SessionStateChanged {
        /// `running`, `requires_action` or `idle` (kept as text: new states must not fail).
        state: String,
    },
    /// `subtype: permission_denied`: the CLI refused a tool on its own (no host involved).
    PermissionDenied(PermissionDenied),
    /// `subtype: task_started`: a (sub)agent task began.
    TaskStarted(TaskStarted),
    /// `subtype: task_notification`: a task finished or reported.
    TaskNotification(TaskNotification),
    /// Any other subtype (`status`, `task_updated`, `background_tasks_changed`, …), raw.
    Other {
        /// The subtype, empty when absent.
        subtype: String,
        /// The whole line.
        raw: Value,
    },
}

/// `system/init` fields we use (the rest is ignored).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct SystemInit {
    /// The session id (also the transcript file name under the CLI's config dir).
    #[serde(deserialize_with = "nullable")]
    pub session_id: String,
    /// Model the turn runs with.
    pub model: Option<String>,
    /// Working directory of the CLI.
    pub cwd: Option<String>,
    /// Tool names available to the model.
    #[serde(deserialize_with = "nullable")]
    pub tools: Vec<String>,
    /// MCP servers and their status (raw objects).
    #[serde(deserialize_with = "nullable")]
    pub mcp_servers: Vec<Value>,
    /// Permission mode in effect.
    #[serde(rename = "permissionMode")]
    pub permission_mode: Option<String>,
    /// CLI version.
    pub claude_code_version: Option<String>,
}

/// `system/permission_denied`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct PermissionDenied {
    /// Tool that was refused.
    #[serde(deserialize_with = "nullable")]
    pub tool_name: String,
    /// Its tool_use id.
    pub tool_use_id: Option<String>,
    /// The CLI's explanation.
    #[serde(deserialize_with = "nullable")]
    pub message: String,
}

/// `system/task_started`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct TaskStarted {
    /// Task id.
    #[serde(deserialize_with = "nullable")]
    pub task_id: String,
    /// The Agent/Task tool_use that started it.
    pub tool_use_id: Option<String>,
    /// Short description.
    #[serde(deserialize_with = "nullable")]
    pub description: String,
    /// Subagent type, when it is one.
    pub subagent_type: Option<String>,
}

/// `system/task_notification`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct TaskNotification {
    /// Task id.
    #[serde(deserialize_with = "nullable")]
    pub task_id: String,
    /// e.g. `completed`.
    #[serde(deserialize_with = "nullable")]
    pub status: String,
    /// What the task reports.
    #[serde(deserialize_with = "nullable")]
    pub summary: String,
}

/// A content block of an assistant or user message.
#[derive(Debug, Clone, PartialEq)]
pub enum ContentBlock {
    /// `text`.
    Text(String),
    /// `thinking` (the signature is dropped).
    Thinking(String),
    /// `tool_use` with the full input.
    ToolUse {
        /// tool_use id.
        id: String,
        /// Tool name.
        name: String,
        /// Full input.
        input: Value,
    },
    /// `tool_result` with the full content.
    ToolResult {
        /// The tool_use it answers.
        tool_use_id: String,
        /// A string or a list of content blocks, verbatim.
        content: Value,
        /// Whether the tool failed.
        is_error: bool,
    },
    /// Any other block (`image`, `redacted_thinking`, …), raw.
    Other(Value),
}

impl ContentBlock {
    /// Read one block; never fails (odd blocks become [`ContentBlock::Other`]).
    pub fn from_value(v: Value) -> Self {
        let str_of = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        match v.get("type").and_then(Value::as_str) {
            Some("text") => match str_of("text") {
                Some(t) => Self::Text(t),
                None => Self::Other(v),
            },
            Some("thinking") => match str_of("thinking") {
                Some(t) => Self::Thinking(t),
                None => Self::Other(v),
            },
            Some("tool_use") => Self::ToolUse {
                id: str_of("id").unwrap_or_default(),
                name: str_of("name").unwrap_or_default(),
                input: v.get("input").cloned().unwrap_or(Value::Null),
            },
            Some("tool_result") => Self::ToolResult {
                tool_use_id: str_of("tool_use_id").unwrap_or_default(),
                content: v.get("content").cloned().unwrap_or(Value::Null),
                is_error: v.get("is_error").and_then(Value::as_bool).unwrap_or(false),
            },
            _ => Self::Other(v),
        }
    }
}

/// Message content: a plain string or a list of blocks.
fn content_blocks(v: Value) -> Vec<ContentBlock> {
    match v {
        Value::String(s) => vec![ContentBlock::Text(s)],
        Value::Array(items) => items.into_iter().map(ContentBlock::from_value).collect(),
        Value::Null => Vec::new(),
        other => vec![ContentBlock::Other(other)],
    }
}

fn de_content<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ContentBlock>, D::Error> {
    Value::deserialize(d).map(content_blocks)
}

/// The `message` object of an assistant or user line.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct MessageBody {
    /// API message id (shared by all block lines of one API message).
    pub id: Option<String>,
    /// Model (`<synthetic>` for API-error lines).
    pub model: Option<String>,
    /// Content blocks (a string content becomes one text block).
    #[serde(deserialize_with = "de_content")]
    pub content: Vec<ContentBlock>,
    /// API usage as of `message_start` (not final).
    #[serde(deserialize_with = "nullable")]
    pub usage: Usage,
}

/// An `assistant` line.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct AssistantLine {
    /// The API message (usually one block per line).
    pub message: MessageBody,
    /// Set on subagent lines: the Agent tool_use that owns them.
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Synthetic line standing for a failed API call.
    #[serde(deserialize_with = "nullable")]
    pub is_api_error_message: bool,
    /// HTTP status of the failed API call.
    pub api_error_status: Option<u16>,
}

/// A `user` line.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct UserLine {
    /// The message (tool_result blocks, or text such as interrupt markers).
    pub message: MessageBody,
    /// Set on subagent lines.
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    pub session_id: Option<String>,
    /// Tool-specific structured result (raw).
    pub tool_use_result: Option<Value>,
}

/// Token usage as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// Uncached input tokens.
    #[serde(deserialize_with = "nullable")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(deserialize_with = "nullable")]
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache.
    #[serde(deserialize_with = "nullable")]
    pub cache_read_input_tokens: u64,
    /// Input tokens written to the prompt cache.
    #[serde(deserialize_with = "nullable")]
    pub cache_creation_input_tokens: u64,
}

impl Usage {
    /// All input tokens: uncached + cache reads + cache writes.
    pub fn total_input(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.cache_read_input_tokens)
            .saturating_add(self.cache_creation_input_tokens)
    }
}

/// A `result` line: the end of a turn.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct ResultLine {
    /// `success`, `error_during_execution`, `error_max_turns`, … (API errors are `success`!).
    #[serde(deserialize_with = "nullable")]
    pub subtype: String,
    /// Whether the turn failed.
    #[serde(deserialize_with = "nullable")]
    pub is_error: bool,
    /// Final text (null on some errors).
    pub result: Option<String>,
    /// Error texts (`error_during_execution`, `error_max_turns`).
    #[serde(deserialize_with = "nullable")]
    pub errors: Vec<Value>,
    /// Cost of this turn in USD (per turn, not cumulative: see tests/replay.rs).
    #[serde(deserialize_with = "nullable")]
    pub total_cost_usd: f64,
    /// Usage summed over the turn's API calls.
    #[serde(deserialize_with = "nullable")]
    pub usage: Usage,
    /// Session id.
    pub session_id: Option<String>,
    /// API round-trips in the turn.
    #[serde(deserialize_with = "nullable")]
    pub num_turns: u64,
    /// `completed`, `api_error`, `aborted_tools`, `aborted_streaming`, …
    pub terminal_reason: Option<String>,
    /// HTTP status of a failed API call.
    pub api_error_status: Option<u16>,
    /// Tools refused during the turn (raw `{tool_name, tool_use_id, tool_input}`).
    #[serde(deserialize_with = "nullable")]
    pub permission_denials: Vec<Value>,
}

impl ResultLine {
    /// `result` when non-empty, else the `errors` joined by newlines.
    pub fn text(&self) -> String {
        match self.result.as_deref() {
            Some(r) if !r.is_empty() => r.to_owned(),
            _ => self
                .errors
                .iter()
                .map(|e| match e {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// The `request` of a CLI-initiated `control_request`.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlRequestBody {
    /// `can_use_tool` (needs `--permission-prompt-tool stdio`).
    CanUseTool(CanUseTool),
    /// `mcp_message`: JSON-RPC for one of our in-process MCP servers.
    McpMessage {
        /// Server name as given in `--mcp-config`.
        server_name: String,
        /// The JSON-RPC message.
        message: Value,
    },
    /// Anything else (`hook_callback`, …): answer with an error.
    Other {
        /// The subtype, empty when absent.
        subtype: String,
        /// The whole `request` object.
        raw: Value,
    },
}

/// A `can_use_tool` request.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct CanUseTool {
    /// Tool name (`Bash`, `mcp__server__tool`, …).
    #[serde(deserialize_with = "nullable")]
    pub tool_name: String,
    /// Input as the model wrote it (`{}` for ExitPlanMode).
    pub input: Value,
    /// Human description.
    pub description: Option<String>,
    /// Suggested permission rules (raw).
    pub permission_suggestions: Value,
    /// Path the CLI considers outside the allowed area.
    pub blocked_path: Option<String>,
    /// The tool_use this is about.
    pub tool_use_id: Option<String>,
    /// Why the CLI asks (`mode`, `subcommandResults`, …).
    pub decision_reason_type: Option<String>,
}

/// A `control_response` to one of our requests.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlResponseLine {
    /// Our request id.
    pub request_id: String,
    /// The `response` body on success, the `error` text otherwise.
    pub result: Result<Value, String>,
}

/// Parse one stdout line. Blank lines and lines that are not JSON objects are errors; every
/// JSON object parses (unknown or ill-typed ones as [`Incoming::Unknown`]).
pub fn parse(line: &str) -> Result<Incoming, WireError> {
    let value: Value =
        serde_json::from_str(line.trim()).map_err(|_| WireError::NotJsonObject(line.to_owned()))?;
    if !value.is_object() {
        return Err(WireError::NotJsonObject(line.to_owned()));
    }
    Ok(classify(value))
}

/// Dispatch an already-parsed JSON object on `type`, then `subtype`.
pub fn classify(value: Value) -> Incoming {
    let ty = value.get("type").and_then(Value::as_str).unwrap_or("");
    match ty {
        "system" => classify_system(value),
        "assistant" => typed(value, Incoming::Assistant),
        "user" => typed(value, Incoming::User),
        "result" => typed(value, Incoming::Result),
        "control_request" => classify_control_request(value),
        "control_cancel_request" => match request_id_of(&value) {
            Some(request_id) => Incoming::ControlCancel { request_id },
            None => Incoming::Unknown(value),
        },
        "control_response" => classify_control_response(value),
        "stream_event" => Incoming::StreamEvent(value.get("event").cloned().unwrap_or(Value::Null)),
        "keep_alive" => Incoming::KeepAlive,
        _ => Incoming::Unknown(value),
    }
}

/// Deserialize into `T` or keep the raw value.
fn typed<T: DeserializeOwned>(value: Value, wrap: impl FnOnce(T) -> Incoming) -> Incoming {
    // Deserializing from a borrowed Value keeps the raw line for the fallback without a
    // clone on the (common) success path.
    match T::deserialize(&value) {
        Ok(t) => wrap(t),
        Err(_) => Incoming::Unknown(value),
    }
}

fn request_id_of(value: &Value) -> Option<String> {
    value
        .get("request_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn classify_system(value: Value) -> Incoming {
    let subtype = value
        .get("subtype")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let sys = |m: SystemMessage| Incoming::System(m);
    match subtype.as_str() {
        "init" => typed(value, |i| sys(SystemMessage::Init(i))),
        "session_state_changed" => match value.get("state").and_then(Value::as_str) {
            Some(state) => sys(SystemMessage::SessionStateChanged {
                state: state.to_owned(),
            }),
            None => Incoming::Unknown(value),
        },
        "permission_denied" => typed(value, |p| sys(SystemMessage::PermissionDenied(p))),
        "task_started" => typed(value, |t| sys(SystemMessage::TaskStarted(t))),
        "task_notification" => typed(value, |t| sys(SystemMessage::TaskNotification(t))),
        _ => sys(SystemMessage::Other {
            subtype,
            raw: value,
        }),
    }
}

fn classify_control_request(value: Value) -> Incoming {
    let Some(request_id) = request_id_of(&value) else {
        return Incoming::Unknown(value);
    };
    let Some(request) = value.get("request").filter(|r| r.is_object()) else {
        return Incoming::Unknown(value);
    };
    let subtype = request
        .get("subtype")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let body = match subtype.as_str() {
        "can_use_tool" => match CanUseTool::deserialize(request) {
            Ok(c) => ControlRequestBody::CanUseTool(c),
            Err(_) => return Incoming::Unknown(value),
        },
        "mcp_message" => ControlRequestBody::McpMessage {
            server_name: request
                .get("server_name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            message: request.get("message").cloned().unwrap_or(Value::Null),
        },
        _ => ControlRequestBody::Other {
            subtype,
            raw: request.clone(),
        },
    };
    Incoming::ControlRequest {
        request_id,
        request: body,
    }
}

fn classify_control_response(value: Value) -> Incoming {
    let Some(resp) = value.get("response").filter(|r| r.is_object()) else {
        return Incoming::Unknown(value);
    };
    let Some(request_id) = request_id_of(resp) else {
        return Incoming::Unknown(value);
    };
    let result = match resp.get("subtype").and_then(Value::as_str) {
        Some("error") => Err(resp
            .get("error")
            .map(|e| match e {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "unknown error".to_owned())),
        _ => Ok(resp.get("response").cloned().unwrap_or(Value::Null)),
    };
    Incoming::ControlResponse(ControlResponseLine { request_id, result })
}

// ---- host → CLI (stdin) ----

/// Serialize an object to one line. `Value`'s serializer cannot fail (string keys only), so the
/// fallback is unreachable in practice; it still yields valid JSON.
fn line(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".to_owned())
}

#[derive(Serialize)]
struct UserEnvelope<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    session_id: &'static str,
    parent_tool_use_id: Option<()>,
    message: UserPayload<'a>,
}

#[derive(Serialize)]
struct UserPayload<'a> {
    role: &'static str,
    content: &'a str,
}

/// A user message line (no trailing newline).
pub fn user_message(text: &str) -> String {
    let env = UserEnvelope {
        ty: "user",
        session_id: "",
        parent_tool_use_id: None,
        message: UserPayload {
            role: "user",
            content: text,
        },
    };
    serde_json::to_string(&env).unwrap_or_else(|_| "{}".to_owned())
}

/// A host-initiated control request line; `request` must carry its `subtype`.
pub fn control_request(request_id: &str, request: Value) -> String {
    line(&json!({"type": "control_request", "request_id": request_id, "request": request}))
}

/// A success answer to the CLI's control request `request_id`.
pub fn control_success(request_id: &str, response: Value) -> String {
    line(&json!({
        "type": "control_response",
        "response": {"subtype": "success", "request_id": request_id, "response": response},
    }))
}

/// An error answer to the CLI's control request `request_id`.
pub fn control_error(request_id: &str, error: &str) -> String {
    line(&json!({
        "type": "control_response",
        "response": {"subtype": "error", "request_id": request_id, "error": error},
    }))
}

/// The `response` body answering a `can_use_tool` request.
pub fn permission_response(decision: &Decision) -> Value {
    match decision {
        Decision::Allow { updated_input } => {
            // The CLI requires an object here; a model-written non-object input is wrapped
            // as-is anyway so the CLI reports the problem instead of us guessing.
            json!({"behavior": "allow", "updatedInput": updated_input})
        }
        Decision::Deny { message, interrupt } => {
            let mut m = Map::new();
            m.insert("behavior".into(), "deny".into());
            m.insert("message".into(), message.clone().into());
            if *interrupt {
                m.insert("interrupt".into(), true.into());
            }
            Value::Object(m)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn result_with_type_not_first_and_nulls_parses() {
        let l = r#"{"duration_api_ms":76,"result":null,"errors":null,"type":"result","subtype":"error_max_turns","is_error":true,"total_cost_usd":0.5,"usage":{"input_tokens":10,"output_tokens":2,"cache_read_input_tokens":null,"cache_creation_input_tokens":5,"server_tool_use":{}},"new_field":[1,2]}"#;
        let Ok(Incoming::Result(r)) = parse(l) else {
            panic!("{:?}", parse(l))
        };
        assert!(r.is_error);
        assert_eq!(r.subtype, "error_max_turns");
        assert_eq!(r.usage.total_input(), 15);
        assert_eq!(r.usage.output_tokens, 2);
        assert_eq!(r.text(), "");
    }

    #[test]
    fn result_text_prefers_result_then_errors() {
        let r: ResultLine =
            serde_json::from_value(json!({"result": "", "errors": ["a", "b"]})).unwrap();
        assert_eq!(r.text(), "a\nb");
        let r: ResultLine =
            serde_json::from_value(json!({"result": "Done.", "errors": ["a"]})).unwrap();
        assert_eq!(r.text(), "Done.");
    }

    #[test]
    fn ill_typed_known_line_is_unknown_not_error() {
        let l = r#"{"type":"result","is_error":"yes"}"#;
        assert!(matches!(parse(l), Ok(Incoming::Unknown(_))));
        let l = r#"{"type":"brand_new","x":1}"#;
        assert!(matches!(parse(l), Ok(Incoming::Unknown(_))));
        assert!(parse("[1,2]").is_err());
        assert!(parse("hello").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn assistant_blocks_keep_full_input_and_string_content() {
        let l = json!({"type":"assistant","message":{"content":[
            {"type":"thinking","thinking":"hmm","signature":"x"},
            {"type":"tool_use","id":"t1","name":"Bash","input":{"command":"echo hi","nested":{"a":[1]}}},
            {"type":"image","source":{}}]}})
        .to_string();
        let Ok(Incoming::Assistant(a)) = parse(&l) else {
            panic!()
        };
        assert_eq!(a.message.content.len(), 3);
        assert_eq!(a.message.content[0], ContentBlock::Thinking("hmm".into()));
        assert_eq!(
            a.message.content[1],
            ContentBlock::ToolUse {
                id: "t1".into(),
                name: "Bash".into(),
                input: json!({"command":"echo hi","nested":{"a":[1]}})
            }
        );
        assert!(matches!(a.message.content[2], ContentBlock::Other(_)));
        let u = r#"{"type":"user","message":{"role":"user","content":"plain"}}"#;
        let Ok(Incoming::User(u)) = parse(u) else {
            panic!()
        };
        assert_eq!(u.message.content, vec![ContentBlock::Text("plain".into())]);
    }

    #[test]
    fn control_lines_dispatch_on_subtype() {
        let l = r#"{"request":{"subtype":"mcp_message","server_name":"s","message":{"id":1}},"type":"control_request","request_id":"u1"}"#;
        assert_eq!(
            parse(l).unwrap(),
            Incoming::ControlRequest {
                request_id: "u1".into(),
                request: ControlRequestBody::McpMessage {
                    server_name: "s".into(),
                    message: json!({"id":1})
                }
            }
        );
        let l = r#"{"type":"control_response","response":{"subtype":"error","request_id":"req_1","error":"nope"}}"#;
        assert_eq!(
            parse(l).unwrap(),
            Incoming::ControlResponse(ControlResponseLine {
                request_id: "req_1".into(),
                result: Err("nope".into())
            })
        );
        let l = r#"{"type":"control_response","response":{"subtype":"success","request_id":"req_2","response":{"still_queued":[]}}}"#;
        assert_eq!(
            parse(l).unwrap(),
            Incoming::ControlResponse(ControlResponseLine {
                request_id: "req_2".into(),
                result: Ok(json!({"still_queued": []}))
            })
        );
        let l = r#"{"type":"control_request","request_id":"h","request":{"subtype":"hook_callback","callback_id":"x"}}"#;
        assert!(matches!(
            parse(l).unwrap(),
            Incoming::ControlRequest { request: ControlRequestBody::Other { ref subtype, .. }, .. } if subtype == "hook_callback"
        ));
    }

    #[test]
    fn stdin_builders_are_single_line_json() {
        let u = user_message("line1\nline2 \"q\"");
        assert!(!u.contains('\n'));
        let v: Value = serde_json::from_str(&u).unwrap();
        assert_eq!(
            v,
            json!({"type":"user","session_id":"","parent_tool_use_id":null,
                   "message":{"role":"user","content":"line1\nline2 \"q\""}})
        );
        let v: Value =
            serde_json::from_str(&control_request("req_1_ab", json!({"subtype":"interrupt"})))
                .unwrap();
        assert_eq!(
            v,
            json!({"type":"control_request","request_id":"req_1_ab","request":{"subtype":"interrupt"}})
        );
        let v: Value = serde_json::from_str(&control_error("u", "bad")).unwrap();
        assert_eq!(v["response"]["subtype"], "error");
        assert_eq!(v["response"]["request_id"], "u");
        assert_eq!(v["response"]["error"], "bad");
        let v: Value = serde_json::from_str(&control_success("u", json!({"a":1}))).unwrap();
        assert_eq!(v["response"]["response"], json!({"a":1}));
    }

    #[test]
    fn permission_responses_match_the_protocol() {
        let allow = Decision::Allow {
            updated_input: json!({"command":"ls"}),
        };
        assert_eq!(
            permission_response(&allow),
            json!({"behavior":"allow","updatedInput":{"command":"ls"}})
        );
        let deny = Decision::Deny {
            message: "no".into(),
            interrupt: false,
        };
        assert_eq!(
            permission_response(&deny),
            json!({"behavior":"deny","message":"no"})
        );
        let deny = Decision::Deny {
            message: "stop".into(),
            interrupt: true,
        };
        assert_eq!(
            permission_response(&deny),
            json!({"behavior":"deny","message":"stop","interrupt":true})
        );
    }
}
