//! Transcript items: what an agent said and did, harness-neutral, stored in full.

use crate::core::time::Epoch;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One transcript entry. Persisted one per line in `transcripts/<id>.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// When it was recorded.
    pub ts: Epoch,
    /// What it is.
    #[serde(flatten)]
    pub item: TranscriptItem,
}

#[cfg(test)]
impl TranscriptEntry {
    /// An assistant text entry (tests).
    pub(crate) fn assistant(ts: Epoch, text: &str) -> Self {
        Self {
            ts,
            item: TranscriptItem::Assistant { text: text.into() },
        }
    }
}

/// Severity of an app notice shown inside a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    /// Informational.
    Info,
    /// Something went wrong but work goes on.
    Warning,
    /// The agent failed.
    Error,
}

/// The content of a transcript entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TranscriptItem {
    /// A message sent to the agent (by the user, the orchestrator or the app).
    User {
        /// The full text.
        text: String,
    },
    /// Assistant text.
    Assistant {
        /// The full text (markdown).
        text: String,
    },
    /// Extended thinking.
    Thinking {
        /// The full text.
        text: String,
    },
    /// A tool call, with its full input.
    ToolUse {
        /// The tool_use id.
        id: String,
        /// Tool name (`Bash`, `mcp__server__tool`, …).
        name: String,
        /// Full input.
        input: Value,
    },
    /// A tool's result, in full.
    ToolResult {
        /// The tool_use id it answers.
        tool_use_id: String,
        /// Full content: a string or a list of content blocks.
        content: Value,
        /// Whether the tool failed.
        is_error: bool,
    },
    /// A turn's result: cost and usage for that turn.
    TurnEnd {
        /// Whether the turn ended in error.
        is_error: bool,
        /// The CLI's result text or error summary.
        text: String,
        /// Cost of this turn in USD.
        cost_usd: f64,
        /// Input tokens of this turn.
        tokens_in: u64,
        /// Output tokens of this turn.
        tokens_out: u64,
    },
    /// A protocol line we did not understand (kept verbatim, shown dimmed).
    Unknown {
        /// The raw line.
        raw: String,
    },
    /// Something the app says about this agent (errors, stderr tail, resumes…).
    Notice {
        /// Severity.
        level: NoticeLevel,
        /// Text.
        text: String,
    },
}

impl TranscriptItem {
    /// Plain text of a tool result's content (string, or the text blocks joined).
    pub fn content_text(content: &Value) -> String {
        match content {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// A one-line summary for tables and activity lines (at most `max` chars).
    pub fn summary(&self, max: usize) -> String {
        let s = match self {
            Self::User { text } => format!("user: {text}"),
            Self::Assistant { text } => text.clone(),
            Self::Thinking { text } => format!("thinking: {text}"),
            Self::ToolUse { name, input, .. } => {
                format!(
                    "{} {}",
                    tool_display_name(name).1,
                    tool_input_brief(name, input)
                )
            }
            Self::ToolResult {
                content, is_error, ..
            } => {
                let t = Self::content_text(content);
                if *is_error { format!("error: {t}") } else { t }
            }
            Self::TurnEnd { is_error, text, .. } => {
                if *is_error {
                    format!("turn failed: {text}")
                } else {
                    "turn done".to_owned()
                }
            }
            Self::Unknown { raw } => raw.clone(),
            Self::Notice { text, .. } => text.clone(),
        };
        one_line(&s, max)
    }
}

/// The most telling field of a tool input (Bash command, file path, …), one line.
pub fn tool_input_brief(name: &str, input: &Value) -> String {
    let key = match name {
        "Bash" => "command",
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => "file_path",
        "Glob" | "Grep" => "pattern",
        "WebFetch" => "url",
        "WebSearch" => "query",
        "Task" | "Agent" => "description",
        _ => "",
    };
    if let Some(v) = input.get(key).and_then(Value::as_str) {
        return v.to_owned();
    }
    // MCP and unknown tools: the argument that names what the call is about, if any.
    const LIKELY: [&str; 9] = [
        "name",
        "agent",
        "agent_id",
        "path",
        "file_path",
        "query",
        "message",
        "prompt",
        "title",
    ];
    match LIKELY
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
    {
        Some(v) => v.to_owned(),
        None if input.as_object().is_some_and(|o| o.is_empty()) => String::new(),
        None => input.to_string(),
    }
}

/// How a tool is named on screen: `mcp__patchfeld__spawn_agent` → (`Some("patchfeld")`,
/// `spawn_agent`); built-in tools have no server.
pub fn tool_display_name(name: &str) -> (Option<&str>, &str) {
    match name
        .strip_prefix("mcp__")
        .and_then(|rest| rest.split_once("__"))
    {
        Some((server, tool)) if !server.is_empty() && !tool.is_empty() => (Some(server), tool),
        _ => (None, name),
    }
}

/// Collapse whitespace runs to single spaces and cut to `max` chars with an ellipsis.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 3));
    let mut count = 0;
    let mut last_space = false;
    for ch in s.chars() {
        let ch = if ch.is_whitespace() { ' ' } else { ch };
        if ch == ' ' && last_space {
            continue;
        }
        last_space = ch == ' ';
        if count == max {
            out.pop();
            out.push('…');
            return out;
        }
        out.push(ch);
        count += 1;
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcp_tools_show_their_server_and_key_argument() {
        assert_eq!(
            tool_display_name("mcp__patchfeld__spawn_agent"),
            (Some("patchfeld"), "spawn_agent")
        );
        assert_eq!(tool_display_name("Bash"), (None, "Bash"));
        assert_eq!(tool_display_name("mcp__broken"), (None, "mcp__broken"));
        assert_eq!(
            tool_input_brief(
                "mcp__patchfeld__spawn_agent",
                &serde_json::json!({"prompt": "long task", "name": "researcher"})
            ),
            "researcher"
        );
        assert_eq!(
            tool_input_brief("mcp__patchfeld__list_agents", &serde_json::json!({})),
            ""
        );
        assert_eq!(
            tool_input_brief("mcp__x__y", &serde_json::json!({"n": 3})),
            "{\"n\":3}"
        );
    }
    use serde_json::json;

    #[test]
    fn entries_round_trip_with_full_inputs() {
        let long = "x".repeat(10_000);
        let e = TranscriptEntry {
            ts: 1.5,
            item: TranscriptItem::ToolUse {
                id: "toolu_1".into(),
                name: "Bash".into(),
                input: json!({"command": long}),
            },
        };
        let line = serde_json::to_string(&e).unwrap_or_default();
        assert!(line.contains("\"kind\":\"tool_use\""));
        let back: TranscriptEntry =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("{line}"));
        assert_eq!(back, e);
    }

    #[test]
    fn summaries_are_one_line_and_bounded() {
        let item = TranscriptItem::Assistant {
            text: "hello\n\n  world and more".into(),
        };
        assert_eq!(item.summary(100), "hello world and more");
        assert_eq!(item.summary(5), "hell…");
        let tool = TranscriptItem::ToolUse {
            id: "t".into(),
            name: "Bash".into(),
            input: json!({"command": "cargo test"}),
        };
        assert_eq!(tool.summary(40), "Bash cargo test");
    }

    #[test]
    fn content_text_joins_blocks() {
        let v = json!([{"type":"text","text":"a"},{"type":"text","text":"b"}]);
        assert_eq!(TranscriptItem::content_text(&v), "a\nb");
    }
}
