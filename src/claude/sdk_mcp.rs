//! A minimal MCP server (JSON-RPC 2.0) answering the CLI's `mcp_message` control requests.
//!
//! Pure: it decides the reply; running a tool is the caller's business ([`McpAction::Call`]),
//! because tools like `ask_orchestrator` block on the host for minutes.

use serde_json::{Value, json};

/// Protocol version answered when the client does not state one.
pub const DEFAULT_PROTOCOL_VERSION: &str = "2025-06-18";

/// JSON-RPC "method not found".
pub const METHOD_NOT_FOUND: i64 = -32601;

pub use crate::core::tool::ToolDef;

/// What to do with one JSON-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum McpAction {
    /// Answer now with this JSON-RPC reply (wrap it with [`mcp_response`]).
    Reply(Value),
    /// Run `tool`, then answer with [`call_result`] for `id`.
    Call {
        /// JSON-RPC id to answer.
        id: Value,
        /// Tool name (unprefixed, known to exist).
        tool: String,
        /// Arguments (`{}` when absent).
        arguments: Value,
    },
    /// The message was not a request (a JSON-RPC response or garbage): there is nothing to
    /// answer at the JSON-RPC level. The control request itself must still be answered (the
    /// CLI waits for every one): use `mcp_response(ack())`.
    NoReply,
}

/// The empty JSON-RPC result the CLI accepts for notifications.
pub fn ack() -> Value {
    json!({"jsonrpc": "2.0", "result": {}})
}

fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Decide how to answer `message`, a JSON-RPC message sent to server `server_name`.
pub fn handle(server_name: &str, tools: &[ToolDef], message: &Value) -> McpAction {
    let Some(method) = message.get("method").and_then(Value::as_str) else {
        return McpAction::NoReply;
    };
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    let params = message.get("params");
    if method.starts_with("notifications/") {
        // The CLI's transport still expects an answer for notifications (claude-protocol.md §6.4).
        return McpAction::Reply(ack());
    }
    match method {
        "initialize" => {
            let version = params
                .and_then(|p| p.get("protocolVersion"))
                .and_then(Value::as_str)
                .unwrap_or(DEFAULT_PROTOCOL_VERSION);
            McpAction::Reply(result(
                &id,
                json!({
                    "protocolVersion": version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": server_name, "version": env!("CARGO_PKG_VERSION")},
                }),
            ))
        }
        "ping" => McpAction::Reply(result(&id, json!({}))),
        "tools/list" => {
            let list: Vec<Value> = tools
                .iter()
                .map(|t| {
                    json!({"name": t.name, "description": t.description, "inputSchema": t.input_schema})
                })
                .collect();
            McpAction::Reply(result(&id, json!({"tools": list})))
        }
        "tools/call" => {
            let name = params
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if tools.iter().any(|t| t.name == name) {
                let arguments = params
                    .and_then(|p| p.get("arguments"))
                    .filter(|a| !a.is_null())
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                McpAction::Call {
                    id,
                    tool: name.to_owned(),
                    arguments,
                }
            } else {
                let known: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                // A tool-level error (not a protocol error) so the model reads it and recovers.
                McpAction::Reply(call_result(
                    &id,
                    &format!(
                        "Unknown tool '{name}' on server '{server_name}'. Known tools: {}",
                        known.join(", ")
                    ),
                    true,
                ))
            }
        }
        other => McpAction::Reply(error(
            &id,
            METHOD_NOT_FOUND,
            &format!("Method not found: {other}"),
        )),
    }
}

/// The JSON-RPC reply to a `tools/call`: one text block, `isError` when the tool failed.
pub fn call_result(id: &Value, text: &str, is_error: bool) -> Value {
    let mut body = json!({"content": [{"type": "text", "text": text}]});
    if is_error {
        body["isError"] = Value::Bool(true);
    }
    result(id, body)
}

/// The control-response body carrying a JSON-RPC reply.
pub fn mcp_response(reply: Value) -> Value {
    json!({"mcp_response": reply})
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn tools() -> Vec<ToolDef> {
        vec![ToolDef {
            name: "notify_orchestrator".into(),
            description: "tell the orchestrator".into(),
            input_schema: json!({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}),
        }]
    }

    #[test]
    fn initialize_echoes_the_protocol_version() {
        let msg = json!({"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}},"jsonrpc":"2.0","id":0});
        let McpAction::Reply(r) = handle("patchfeld_child", &tools(), &msg) else {
            panic!()
        };
        assert_eq!(r["id"], 0);
        assert_eq!(r["result"]["protocolVersion"], "2025-11-25");
        assert_eq!(r["result"]["capabilities"], json!({"tools":{}}));
        assert_eq!(r["result"]["serverInfo"]["name"], "patchfeld_child");
        let msg = json!({"method":"initialize","jsonrpc":"2.0","id":"x"});
        let McpAction::Reply(r) = handle("s", &[], &msg) else {
            panic!()
        };
        assert_eq!(r["result"]["protocolVersion"], DEFAULT_PROTOCOL_VERSION);
        assert_eq!(r["id"], "x");
    }

    #[test]
    fn notifications_are_acked_and_responses_need_nothing() {
        let msg = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert_eq!(handle("s", &[], &msg), McpAction::Reply(ack()));
        let msg = json!({"jsonrpc":"2.0","id":3,"result":{}});
        assert_eq!(handle("s", &[], &msg), McpAction::NoReply);
        assert_eq!(handle("s", &[], &json!("garbage")), McpAction::NoReply);
    }

    #[test]
    fn tools_list_uses_mcp_field_names() {
        let msg = json!({"method":"tools/list","jsonrpc":"2.0","id":1});
        let McpAction::Reply(r) = handle("s", &tools(), &msg) else {
            panic!()
        };
        assert_eq!(r["id"], 1);
        let list = r["result"]["tools"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["name"], "notify_orchestrator");
        assert_eq!(list[0]["inputSchema"]["required"], json!(["message"]));
    }

    #[test]
    fn tools_call_known_unknown_and_bad_method() {
        let msg = json!({"method":"tools/call","params":{"name":"notify_orchestrator","arguments":{"message":"hi"},"_meta":{}},"jsonrpc":"2.0","id":2});
        assert_eq!(
            handle("s", &tools(), &msg),
            McpAction::Call {
                id: json!(2),
                tool: "notify_orchestrator".into(),
                arguments: json!({"message":"hi"})
            }
        );
        let msg = json!({"method":"tools/call","params":{"name":"nope"},"jsonrpc":"2.0","id":5});
        let McpAction::Reply(r) = handle("s", &tools(), &msg) else {
            panic!()
        };
        assert_eq!(r["id"], 5);
        assert_eq!(r["result"]["isError"], true);
        let text = r["result"]["content"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("nope") && text.contains("notify_orchestrator"),
            "{text}"
        );
        let msg = json!({"method":"resources/list","jsonrpc":"2.0","id":6});
        let McpAction::Reply(r) = handle("s", &tools(), &msg) else {
            panic!()
        };
        assert_eq!(r["error"]["code"], METHOD_NOT_FOUND);
        assert_eq!(r["id"], 6);
    }

    #[test]
    fn call_results_and_wrapping() {
        assert_eq!(
            call_result(&json!(2), "sum=5", false),
            json!({"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"sum=5"}]}})
        );
        assert_eq!(
            call_result(&json!(2), "bad", true)["result"]["isError"],
            true
        );
        assert_eq!(
            mcp_response(ack()),
            json!({"mcp_response":{"jsonrpc":"2.0","result":{}}})
        );
    }
}
