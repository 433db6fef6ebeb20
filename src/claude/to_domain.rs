//! Wire lines → harness-neutral [`AgentEvent`]s.
//!
//! Mapping decisions (the engine relies on them):
//! * `assistant`: one transcript item per content block, tool inputs in full. Synthetic API-error
//!   lines are ordinary assistant text (`API Error: 500 …`); the `result` that follows carries
//!   `is_error`.
//! * `user`: `tool_result` blocks become [`TranscriptItem::ToolResult`] (full content). Text
//!   blocks starting with `[Request interrupted` are CLI markers, not something a person
//!   typed, so they become a warning [`TranscriptItem::Notice`]; other text (subagent prompts)
//!   becomes [`TranscriptItem::User`]. The CLI does not echo our own user lines.
//! * `system`: `init` → [`AgentEvent::SessionInit`]; `session_state_changed` →
//!   [`AgentEvent::Activity`]; `permission_denied` (the CLI refused on its own, the host never
//!   saw it) and `task_started` / `task_notification` (subagents) → info/warning notices.
//!   `status`, `task_updated`, `background_tasks_changed`, `thinking_tokens` are bookkeeping that would flood the
//!   transcript and are dropped. Unknown subtypes are kept as [`TranscriptItem::Unknown`].
//! * `stream_event` and `keep_alive` produce nothing (partial messages are not used).
//! * A line of a known type whose fields do not fit becomes `Unknown`; for `result` a failed
//!   [`AgentEvent::TurnEnded`] is added too, so a turn never stays open because of a bad line.
//!
//! Cost: the CLI's `total_cost_usd` is the SESSION's running total, not the turn's (recorded
//! with the real CLI 2.1.330, tests/fixtures: two turns report 0.000594 then 0.001188; after
//! `--resume` in a new process the first turn reports 0.001782, so the total is restored; an
//! API-error turn repeats the previous total). `usage`, in contrast, is per turn. [`LineParser`]
//! turns the running total into the per-turn cost [`TurnOutcome::cost_usd`] promises; the
//! stateless [`parse_line`] cannot, and reports the running total as is.

use crate::claude::wire::{
    self, ContentBlock, ControlRequestBody, Incoming, ResultLine, SystemMessage,
};
use crate::core::event::{AgentEvent, SessionActivity, TurnOutcome};
use crate::core::ids::RequestId;
use crate::core::permission::PermissionRequest;
use crate::core::transcript::{NoticeLevel, TranscriptItem};
use serde_json::Value;

/// How much of a malformed line a notice quotes.
const MALFORMED_QUOTE_CHARS: usize = 300;

/// Parser state for one CLI process: turns the running cost total into per-turn costs.
#[derive(Debug, Clone, Default)]
pub struct LineParser {
    session_cost_usd: f64,
}

impl LineParser {
    /// A parser for a process whose session already cost `prior_session_cost_usd` (0 for a
    /// new session; the agent's recorded total when resuming, since the CLI restores it).
    pub fn new(prior_session_cost_usd: f64) -> Self {
        Self {
            session_cost_usd: prior_session_cost_usd.max(0.0),
        }
    }

    /// The session's running cost as last reported (or the prior total).
    pub fn session_cost_usd(&self) -> f64 {
        self.session_cost_usd
    }

    /// [`parse_line`], with [`TurnOutcome::cost_usd`] made per turn: the growth of the running
    /// total since the previous result (never negative; a lower total, e.g. a failed resume
    /// that reports 0, only moves the baseline).
    pub fn parse_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let mut events = parse_line(line);
        for e in &mut events {
            if let AgentEvent::TurnEnded(o) = e {
                let total = o.cost_usd;
                o.cost_usd = (total - self.session_cost_usd).max(0.0);
                self.session_cost_usd = total;
            }
        }
        events
    }
}

/// Parse one stdout line into zero or more domain events. Never panics.
/// [`TurnOutcome::cost_usd`] is the session's running total here; see [`LineParser`].
pub fn parse_line(line: &str) -> Vec<AgentEvent> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    match wire::parse(trimmed) {
        Ok(incoming) => to_events(incoming, trimmed),
        Err(_) => vec![notice(
            NoticeLevel::Warning,
            format!(
                "malformed line from agent: {}",
                quote(trimmed, MALFORMED_QUOTE_CHARS)
            ),
        )],
    }
}

/// Map a parsed line; `raw` is the line's text (kept verbatim for unknown lines).
pub fn to_events(incoming: Incoming, raw: &str) -> Vec<AgentEvent> {
    match incoming {
        Incoming::System(sys) => system_events(sys, raw),
        Incoming::Assistant(a) => a
            .message
            .content
            .into_iter()
            .filter_map(block_item)
            .map(AgentEvent::Transcript)
            .collect(),
        Incoming::User(u) => u
            .message
            .content
            .into_iter()
            .filter_map(|b| match b {
                ContentBlock::Text(t) if t.starts_with("[Request interrupted") => {
                    Some(TranscriptItem::Notice {
                        level: NoticeLevel::Warning,
                        text: t,
                    })
                }
                ContentBlock::Text(t) => Some(TranscriptItem::User { text: t }),
                other => block_item(other),
            })
            .map(AgentEvent::Transcript)
            .collect(),
        Incoming::Result(r) => vec![AgentEvent::TurnEnded(outcome(&r))],
        Incoming::ControlRequest {
            request_id,
            request,
        } => vec![control_request_event(request_id, request)],
        Incoming::ControlCancel { request_id } => vec![AgentEvent::RequestCancelled { request_id }],
        Incoming::ControlResponse(r) => vec![AgentEvent::ControlResponse {
            request_id: r.request_id,
            result: r.result,
        }],
        Incoming::StreamEvent(_) | Incoming::KeepAlive => Vec::new(),
        Incoming::Unknown(v) => {
            let mut out = vec![unknown(raw)];
            if v.get("type").and_then(Value::as_str) == Some("result") {
                out.push(AgentEvent::TurnEnded(TurnOutcome {
                    is_error: true,
                    text: "unreadable result line from agent".to_owned(),
                    session_id: v
                        .get("session_id")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    ..TurnOutcome::default()
                }));
            }
            out
        }
    }
}

/// The turn outcome of a `result` line. Tokens in count cache reads and writes too.
pub fn outcome(r: &ResultLine) -> TurnOutcome {
    TurnOutcome {
        is_error: r.is_error,
        text: r.text(),
        cost_usd: r.total_cost_usd,
        tokens_in: r.usage.total_input(),
        tokens_out: r.usage.output_tokens,
        session_id: r.session_id.clone(),
    }
}

fn system_events(sys: SystemMessage, raw: &str) -> Vec<AgentEvent> {
    match sys {
        SystemMessage::Init(init) => vec![AgentEvent::SessionInit {
            session_id: init.session_id,
            model: init.model,
        }],
        SystemMessage::SessionStateChanged { state } => match state.as_str() {
            "running" => vec![AgentEvent::Activity(SessionActivity::Running)],
            "requires_action" => vec![AgentEvent::Activity(SessionActivity::RequiresAction)],
            "idle" => vec![AgentEvent::Activity(SessionActivity::Idle)],
            _ => vec![unknown(raw)],
        },
        SystemMessage::PermissionDenied(p) => vec![notice(
            NoticeLevel::Warning,
            format!("{} denied by the CLI: {}", p.tool_name, p.message),
        )],
        SystemMessage::TaskStarted(t) => {
            let kind = t.subagent_type.as_deref().unwrap_or("task");
            vec![notice(
                NoticeLevel::Info,
                format!("{kind} started: {}", t.description),
            )]
        }
        SystemMessage::TaskNotification(t) => vec![notice(
            NoticeLevel::Info,
            format!("task {}: {}", t.status, t.summary),
        )],
        SystemMessage::Other { subtype, .. } => match subtype.as_str() {
            "status" | "task_updated" | "background_tasks_changed" | "thinking_tokens" => {
                Vec::new()
            }
            _ => vec![unknown(raw)],
        },
    }
}

fn block_item(block: ContentBlock) -> Option<TranscriptItem> {
    Some(match block {
        ContentBlock::Text(text) => TranscriptItem::Assistant { text },
        ContentBlock::Thinking(text) => TranscriptItem::Thinking { text },
        ContentBlock::ToolUse { id, name, input } => TranscriptItem::ToolUse { id, name, input },
        ContentBlock::ToolResult {
            tool_use_id,
            content,
            is_error,
        } => TranscriptItem::ToolResult {
            tool_use_id,
            content,
            is_error,
        },
        ContentBlock::Other(v) => TranscriptItem::Unknown { raw: v.to_string() },
    })
}

fn control_request_event(request_id: String, request: ControlRequestBody) -> AgentEvent {
    match request {
        ControlRequestBody::CanUseTool(c) => AgentEvent::PermissionRequested(PermissionRequest {
            request_id: RequestId(request_id),
            tool_name: c.tool_name,
            input: c.input,
            description: c.description,
            blocked_path: c.blocked_path,
            suggestions: c.permission_suggestions,
            tool_use_id: c.tool_use_id,
        }),
        ControlRequestBody::McpMessage {
            server_name,
            message,
        } => AgentEvent::McpMessage {
            request_id,
            server: server_name,
            message,
        },
        ControlRequestBody::Other { subtype, .. } => AgentEvent::UnsupportedRequest {
            request_id,
            subtype,
        },
    }
}

fn notice(level: NoticeLevel, text: String) -> AgentEvent {
    AgentEvent::Transcript(TranscriptItem::Notice { level, text })
}

fn unknown(raw: &str) -> AgentEvent {
    AgentEvent::Transcript(TranscriptItem::Unknown {
        raw: raw.to_owned(),
    })
}

/// At most `max` chars of `s`, with an ellipsis when cut (char-boundary safe).
fn quote(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    fn one(line: &str) -> AgentEvent {
        let mut ev = parse_line(line);
        assert_eq!(ev.len(), 1, "{line} -> {ev:?}");
        ev.remove(0)
    }

    #[test]
    fn init_and_activity() {
        let ev = one(
            r#"{"type":"system","subtype":"init","cwd":"/x","session_id":"s1","tools":["Bash"],"model":"m","permissionMode":"default"}"#,
        );
        assert_eq!(
            ev,
            AgentEvent::SessionInit {
                session_id: "s1".into(),
                model: Some("m".into())
            }
        );
        let ev = one(
            r#"{"type":"system","subtype":"session_state_changed","state":"requires_action","sdk_host_only":true}"#,
        );
        assert_eq!(ev, AgentEvent::Activity(SessionActivity::RequiresAction));
        assert!(parse_line(r#"{"type":"system","subtype":"status","status":null}"#).is_empty());
        assert!(matches!(
            one(r#"{"type":"system","subtype":"brand_new"}"#),
            AgentEvent::Transcript(TranscriptItem::Unknown { .. })
        ));
    }

    #[test]
    fn result_sums_input_tokens_and_joins_errors() {
        let ev = one(
            r#"{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":0,"session_id":"s","total_cost_usd":0,"usage":{"input_tokens":1,"cache_read_input_tokens":2,"cache_creation_input_tokens":3,"output_tokens":4},"errors":["No conversation found","x"]}"#,
        );
        assert_eq!(
            ev,
            AgentEvent::TurnEnded(TurnOutcome {
                is_error: true,
                text: "No conversation found\nx".into(),
                cost_usd: 0.0,
                tokens_in: 6,
                tokens_out: 4,
                session_id: Some("s".into()),
            })
        );
    }

    #[test]
    fn line_parser_turns_running_totals_into_turn_costs() {
        let result = |total: f64| {
            json!({"type":"result","subtype":"success","is_error":false,"result":"x","total_cost_usd":total})
                .to_string()
        };
        let cost = |ev: Vec<AgentEvent>| match ev.as_slice() {
            [AgentEvent::TurnEnded(o)] => o.cost_usd,
            other => panic!("{other:?}"),
        };
        let mut p = LineParser::new(0.0);
        assert!((cost(p.parse_line(&result(0.25))) - 0.25).abs() < 1e-12);
        assert!((cost(p.parse_line(&result(0.75))) - 0.5).abs() < 1e-12);
        // An API-error turn repeats the total: it cost nothing.
        assert_eq!(cost(p.parse_line(&result(0.75))), 0.0);
        assert!((p.session_cost_usd() - 0.75).abs() < 1e-12);
        // Resumed: the CLI restores the total, only the growth counts.
        let mut p = LineParser::new(0.75);
        assert!((cost(p.parse_line(&result(1.0))) - 0.25).abs() < 1e-12);
        // A lower total never yields a negative cost, and becomes the new baseline.
        assert_eq!(cost(p.parse_line(&result(0.0))), 0.0);
        assert!((cost(p.parse_line(&result(0.1))) - 0.1).abs() < 1e-12);
        // Non-result lines pass through unchanged.
        assert_eq!(
            p.parse_line(r#"{"type":"system","subtype":"session_state_changed","state":"idle"}"#),
            vec![AgentEvent::Activity(SessionActivity::Idle)]
        );
    }

    #[test]
    fn bad_result_still_ends_the_turn() {
        let ev = parse_line(r#"{"type":"result","usage":"weird","session_id":"s"}"#);
        assert_eq!(ev.len(), 2);
        assert!(matches!(
            ev[1],
            AgentEvent::TurnEnded(TurnOutcome { is_error: true, .. })
        ));
    }

    #[test]
    fn user_lines_map_results_markers_and_text() {
        let line = json!({"type":"user","message":{"role":"user","content":[
            {"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"x"}],"is_error":true},
            {"type":"text","text":"[Request interrupted by user for tool use]"},
            {"type":"text","text":"sub prompt"}]}})
        .to_string();
        assert_eq!(
            parse_line(&line),
            vec![
                AgentEvent::Transcript(TranscriptItem::ToolResult {
                    tool_use_id: "t".into(),
                    content: json!([{"type":"text","text":"x"}]),
                    is_error: true
                }),
                AgentEvent::Transcript(TranscriptItem::Notice {
                    level: NoticeLevel::Warning,
                    text: "[Request interrupted by user for tool use]".into()
                }),
                AgentEvent::Transcript(TranscriptItem::User {
                    text: "sub prompt".into()
                }),
            ]
        );
    }

    #[test]
    fn control_lines() {
        let ev = one(
            r#"{"type":"control_request","request_id":"u","request":{"subtype":"can_use_tool","tool_name":"Bash","input":{"command":"ls"},"permission_suggestions":[{"type":"addRules"}],"tool_use_id":"t","blocked_path":"/b","description":"d"}}"#,
        );
        let AgentEvent::PermissionRequested(p) = ev else {
            panic!()
        };
        assert_eq!(p.request_id.as_str(), "u");
        assert_eq!(p.input, json!({"command":"ls"}));
        assert_eq!(p.suggestions, json!([{"type":"addRules"}]));
        assert_eq!(p.blocked_path.as_deref(), Some("/b"));
        assert_eq!(
            one(
                r#"{"type":"control_request","request_id":"h","request":{"subtype":"hook_callback"}}"#
            ),
            AgentEvent::UnsupportedRequest {
                request_id: "h".into(),
                subtype: "hook_callback".into()
            }
        );
        assert_eq!(
            one(r#"{"type":"control_cancel_request","request_id":"u"}"#),
            AgentEvent::RequestCancelled {
                request_id: "u".into()
            }
        );
        assert!(parse_line(r#"{"type":"stream_event","event":{"type":"ping"}}"#).is_empty());
    }

    #[test]
    fn garbage_becomes_a_warning_notice() {
        let long = format!("Traceback {}", "é".repeat(1000));
        let AgentEvent::Transcript(TranscriptItem::Notice { level, text }) = one(&long) else {
            panic!()
        };
        assert_eq!(level, NoticeLevel::Warning);
        assert!(text.starts_with("malformed line from agent: Traceback"));
        assert!(text.chars().count() < 400);
        assert!(parse_line("   ").is_empty());
        assert!(matches!(
            one(r#"{"no_type":1}"#),
            AgentEvent::Transcript(TranscriptItem::Unknown { .. })
        ));
    }

    /// Every prefix of real-looking lines, plus odd values in every field, must not panic.
    #[test]
    fn fuzz_truncations_and_odd_values_never_panic() {
        let samples = [
            r#"{"type":"assistant","message":{"id":"m","content":[{"type":"text","text":"héllo"},{"type":"tool_use","id":"t","name":"Bash","input":{"command":"ls"}}],"usage":{"input_tokens":3}},"session_id":"s"}"#,
            r#"{"type":"result","subtype":"success","is_error":false,"result":"ok","total_cost_usd":0.1,"usage":{"input_tokens":1,"output_tokens":2}}"#,
            r#"{"type":"control_request","request_id":"u","request":{"subtype":"mcp_message","server_name":"s","message":{"jsonrpc":"2.0","id":1,"method":"tools/list"}}}"#,
            r#"{"type":"control_response","response":{"subtype":"success","request_id":"r","response":{}}}"#,
            r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]}}"#,
            r#"{"type":"system","subtype":"init","session_id":"s"}"#,
        ];
        let odd = [
            json!(null),
            json!(1),
            json!(-1.5),
            json!("s"),
            json!([]),
            json!({}),
            json!([null, 1, {}]),
            json!(u64::MAX),
        ];
        for s in samples {
            for i in 0..=s.len() {
                if s.is_char_boundary(i) {
                    let _ = parse_line(&s[..i]);
                }
            }
            let v: Value = serde_json::from_str(s).unwrap();
            let Value::Object(map) = &v else { panic!() };
            for key in map.keys() {
                for o in &odd {
                    let mut w = v.clone();
                    w[key.as_str()] = o.clone();
                    let _ = parse_line(&w.to_string());
                    for inner in ["message", "request", "response", "usage"] {
                        if w.get(key.as_str()).is_some() && v[key.as_str()].is_object() {
                            let mut x = v.clone();
                            x[key.as_str()][inner] = o.clone();
                            x[key.as_str()]["content"] = o.clone();
                            let _ = parse_line(&x.to_string());
                        }
                    }
                }
            }
        }
    }
}
