//! The orchestrator's tools: JSON Schemas (with correct `required` lists) and handlers.

use crate::claude::sdk_mcp::ToolDef;
use crate::core::agent::{AgentRecord, PermissionMode, SpawnOptions};
use crate::core::ids::{AgentId, RequestId};
use crate::core::time::{now, short_span};
use crate::core::transcript::TranscriptEntry;
use crate::engine::manager::{Manager, ToolCall};
use crate::store::transcripts::read_transcript_tail;
use serde_json::{Value, json};
use std::time::Duration;

fn def(name: &str, description: &str, schema: Value) -> ToolDef {
    ToolDef {
        name: name.to_owned(),
        description: description.to_owned(),
        input_schema: schema,
    }
}

fn agent_only(extra_desc: &str) -> Value {
    json!({
        "type": "object",
        "properties": {"agent": {"type": "string", "description": extra_desc}},
        "required": ["agent"],
        "additionalProperties": false
    })
}

/// Every orchestrator tool with its schema.
pub fn tools() -> Vec<ToolDef> {
    let agent_desc = "Agent id or unique name.";
    let strings = json!({"type": "array", "items": {"type": "string"}});
    vec![
        def(
            "spawn_agent",
            "Start a child Claude Code agent with its own prompt. Returns its id at once.",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "Short unique name, e.g. 'tests'."},
                    "prompt": {"type": "string", "description": "Self-contained task description."},
                    "cwd": {"type": "string", "description": "Working directory (default: the project)."},
                    "model": {"type": "string"},
                    "allowed_tools": strings,
                    "disallowed_tools": strings,
                    "system_prompt": {"type": "string", "description": "Appended to the child's system prompt."},
                    "permission_mode": {"type": "string", "enum": ["default", "acceptEdits", "plan", "bypassPermissions"]},
                    "worktree": {
                        "description": "Run the agent in its own git worktree (.patchfeld/worktrees/<name>-<id>) on a new branch, so parallel agents never collide. true, or {branch, base}. Finish with merge_agent or discard_agent.",
                        "oneOf": [
                            {"type": "boolean"},
                            {
                                "type": "object",
                                "properties": {
                                    "branch": {"type": "string", "description": "Branch to create (default patchfeld/<name>-<id>)."},
                                    "base": {"type": "string", "description": "Branch or commit to start from (default: the current HEAD)."}
                                },
                                "additionalProperties": false
                            }
                        ]
                    }
                },
                "required": ["name", "prompt"],
                "additionalProperties": false
            }),
        ),
        def(
            "list_agents",
            "List agents with state, cost and current activity.",
            json!({
                "type": "object",
                "properties": {"include_history": {"type": "boolean", "description": "Also list agents that are no longer running."}},
                "additionalProperties": false
            }),
        ),
        def(
            "read_agent_transcript",
            "Read an agent's transcript (full tool inputs and results). Use tail to see the latest entries.",
            json!({
                "type": "object",
                "properties": {
                    "agent": {"type": "string", "description": agent_desc},
                    "tail": {"type": "integer", "minimum": 1, "description": "Only the last N entries (default 50)."}
                },
                "required": ["agent"],
                "additionalProperties": false
            }),
        ),
        def(
            "send_to_agent",
            "Send a message to an agent. Returns at once; queued behind a running turn; a stopped agent is resumed.",
            json!({
                "type": "object",
                "properties": {
                    "agent": {"type": "string", "description": agent_desc},
                    "message": {"type": "string"}
                },
                "required": ["agent", "message"],
                "additionalProperties": false
            }),
        ),
        def(
            "interrupt_agent",
            "Interrupt an agent's current turn; drops its queued messages.",
            agent_only(agent_desc),
        ),
        def(
            "kill_agent",
            "Stop an agent's process. It can be resumed later.",
            agent_only(agent_desc),
        ),
        def(
            "resume_agent",
            "Bring a stopped agent back with its conversation.",
            agent_only(agent_desc),
        ),
        def(
            "archive_agent",
            "Hide (or unhide) an agent from the table.",
            json!({
                "type": "object",
                "properties": {
                    "agent": {"type": "string", "description": agent_desc},
                    "archived": {"type": "boolean", "default": true}
                },
                "required": ["agent"],
                "additionalProperties": false
            }),
        ),
        def(
            "respond_to_agent_request",
            "Answer a child blocked in ask_orchestrator.",
            json!({
                "type": "object",
                "properties": {
                    "agent": {"type": "string", "description": agent_desc},
                    "request_id": {"type": "string"},
                    "response": {"type": "string"}
                },
                "required": ["agent", "request_id", "response"],
                "additionalProperties": false
            }),
        ),
        def(
            "wait_for_agents",
            "Block until every named agent is idle, done or failed, or until the timeout.",
            json!({
                "type": "object",
                "properties": {
                    "agents": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "timeout_s": {"type": "number", "minimum": 1, "default": 600}
                },
                "required": ["agents"],
                "additionalProperties": false
            }),
        ),
        def(
            "merge_agent",
            "Finish a worktree agent: commit its remaining changes, merge its branch into the base branch in the main checkout, then remove its worktree and branch. On conflict nothing is changed and the conflicting files are named. Refused while the agent works.",
            json!({
                "type": "object",
                "properties": {
                    "agent": {"type": "string", "description": agent_desc},
                    "message": {"type": "string", "description": "Commit message for the remaining changes."},
                    "strategy": {"type": "string", "enum": ["ff", "merge"], "default": "merge", "description": "ff: fast-forward only (fails if the base moved); merge: a merge commit."}
                },
                "required": ["agent"],
                "additionalProperties": false
            }),
        ),
        def(
            "discard_agent",
            "Throw away a worktree agent's work: remove its worktree and branch. Unmerged work (uncommitted changes or commits not in the base) is only deleted with confirm: true.",
            json!({
                "type": "object",
                "properties": {
                    "agent": {"type": "string", "description": agent_desc},
                    "confirm": {"type": "boolean", "default": false, "description": "Required to delete unmerged work."}
                },
                "required": ["agent"],
                "additionalProperties": false
            }),
        ),
        def(
            "change_cwd",
            "Switch patchfeld to another project directory. Refused while any child agent is live (the error names them). On success you get the reply, then this orchestrator session stops and the new project's own orchestrator session starts there (its most recent one is resumed); the UI loads that project's workspace, agents and theme.",
            json!({
                "type": "object",
                "properties": {"path": {"type": "string", "description": "Directory: absolute, ~/…, or relative to the current project."}},
                "required": ["path"],
                "additionalProperties": false
            }),
        ),
    ]
}

fn s<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

fn strings(args: &Value, key: &str) -> Option<Vec<String>> {
    args.get(key)?.as_array().map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

/// A one-line JSON summary of an agent for tool results.
fn summary(m: &Manager, r: &AgentRecord) -> Value {
    json!({
        "id": r.id, "name": r.name, "state": r.state, "live": m.is_live(&r.id),
        "model": r.model, "cost_usd": r.cost_usd, "tokens_in": r.tokens_in, "tokens_out": r.tokens_out,
        "elapsed": short_span(r.elapsed(now())), "current_tool": r.current_tool, "error": r.error,
        "archived": r.archived,
        "worktree": r.worktree.as_ref().map(|w| json!({
            "branch": w.branch, "base": w.base_branch.as_deref().unwrap_or(&w.base_commit),
            "path": w.path, "status": w.status.as_str(), "diff": w.stat(), "files": w.files,
            "overlaps": w.overlaps,
        })),
        "pending_requests": m.pending_asks_of(&r.id).into_iter()
            .map(|(id, q)| json!({"request_id": id, "question": q})).collect::<Vec<_>>(),
    })
}

/// Handle one tools/call from the orchestrator.
pub(crate) fn call(m: &mut Manager, call: ToolCall, tool: &str, args: Value) {
    let result: Result<String, String> = match tool {
        "spawn_agent"
            if args
                .get("worktree")
                .is_some_and(|w| w != &Value::Bool(false)) =>
        {
            return spawn_worktree(m, call, &args);
        }
        "spawn_agent" => spawn(m, &args),
        "merge_agent" | "discard_agent" => return finish(m, call, tool, &args),
        "list_agents" => {
            let history = args
                .get("include_history")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let list: Vec<Value> = m
                .children()
                .filter(|r| history || m.is_live(&r.id))
                .map(|r| summary(m, r))
                .collect();
            Ok(serde_json::to_string_pretty(&list).unwrap_or_default())
        }
        "read_agent_transcript" => read_transcript(m, &args),
        "send_to_agent" => match (s(&args, "agent"), s(&args, "message")) {
            (Some(a), Some(msg)) => m
                .resolve(a)
                .and_then(|id| m.send(&id, msg.to_owned()).map(|()| id))
                .map(|id| format!("queued for {} ({id})", m.name_of(&id)))
                .map_err(|e| e.to_string()),
            _ => Err("agent and message are required".into()),
        },
        "interrupt_agent" => with_agent(m, &args, |m, id| {
            m.interrupt(id)
                .map(|n| format!("interrupted; {n} queued message(s) dropped"))
        }),
        "kill_agent" => with_agent(m, &args, |m, id| {
            if m.is_live(id) {
                m.kill(id, None);
                Ok("killed".to_owned())
            } else {
                Err(crate::engine::EngineError::NotLive(m.name_of(id)))
            }
        }),
        "resume_agent" => with_agent(m, &args, |m, id| {
            m.resume(id).map(|()| "resumed".to_owned())
        }),
        "archive_agent" => {
            let archived = args
                .get("archived")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            with_agent(m, &args, |m, id| {
                m.archive(id, archived);
                Ok(if archived { "archived" } else { "unarchived" }.to_owned())
            })
        }
        "respond_to_agent_request" => match (
            s(&args, "agent"),
            s(&args, "request_id"),
            s(&args, "response"),
        ) {
            (Some(a), Some(rid), Some(text)) => m
                .resolve(a)
                .and_then(|id| m.answer_ask(&id, &RequestId(rid.to_owned()), text))
                .map(|()| "answer delivered".to_owned())
                .map_err(|e| e.to_string()),
            _ => Err("agent, request_id and response are required".into()),
        },
        "wait_for_agents" => return wait(m, call, &args),
        "change_cwd" => return m.change_cwd_tool(&call, s(&args, "path")),
        other => {
            let names: Vec<String> = tools().into_iter().map(|t| t.name).collect();
            if m.ui_call(call.clone(), other, args) {
                return;
            }
            Err(format!("unknown tool {other}; known: {}", names.join(", ")))
        }
    };
    match result {
        Ok(text) => m.tool_reply(&call, &text, false),
        Err(text) => m.tool_reply(&call, &text, true),
    }
}

fn with_agent(
    m: &mut Manager,
    args: &Value,
    f: impl FnOnce(&mut Manager, &AgentId) -> Result<String, crate::engine::EngineError>,
) -> Result<String, String> {
    let Some(a) = s(args, "agent") else {
        return Err("agent is required".into());
    };
    m.resolve(a)
        .and_then(|id| f(m, &id))
        .map_err(|e| e.to_string())
}

/// `merge_agent` / `discard_agent`: git runs off the actor; the reply comes when it is done.
fn finish(m: &mut Manager, call: ToolCall, tool: &str, args: &Value) {
    let Some(agent) = s(args, "agent") else {
        return m.tool_reply(&call, "agent is required", true);
    };
    let id = match m.resolve(agent) {
        Ok(id) => id,
        Err(e) => return m.tool_reply(&call, &e.to_string(), true),
    };
    let done: crate::engine::manager::Done<String> = Box::new(move |m, r| match r {
        Ok(text) => m.tool_reply(&call, &text, false),
        Err(e) => m.tool_reply(&call, &e.to_string(), true),
    });
    if tool == "merge_agent" {
        let strategy = match s(args, "strategy") {
            None => crate::engine::worktree::MergeStrategy::default(),
            Some(x) => match crate::engine::worktree::MergeStrategy::parse(x) {
                Some(st) => st,
                None => {
                    return done(
                        m,
                        Err(crate::engine::EngineError::Invalid(format!(
                            "strategy '{x}' is not one of ff, merge"
                        ))),
                    );
                }
            },
        };
        m.merge_agent(&id, s(args, "message").map(str::to_owned), strategy, done);
    } else {
        let confirm = args
            .get("confirm")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        m.discard_agent(&id, confirm, done);
    }
}

/// `spawn_agent` with `worktree`: replies once the worktree exists and the child started.
fn spawn_worktree(m: &mut Manager, call: ToolCall, args: &Value) {
    let options = match spawn_options(args) {
        Ok(o) => o,
        Err(e) => return m.tool_reply(&call, &e, true),
    };
    let name = s(args, "name").unwrap_or_default().to_owned();
    m.spawn_in_worktree(
        name.clone(),
        options,
        Box::new(move |m: &mut Manager, r| {
            let text = r.map(|id| {
                let wt = m
                    .record_of(&id)
                    .and_then(|r| r.worktree.as_ref())
                    .map(|w| format!(" in worktree {} on branch {}", w.path.display(), w.branch))
                    .unwrap_or_default();
                format!("spawned {name} with id {id}{wt}")
            });
            match text {
                Ok(t) => m.tool_reply(&call, &t, false),
                Err(e) => m.tool_reply(&call, &e.to_string(), true),
            }
        }),
    );
}

fn spawn(m: &mut Manager, args: &Value) -> Result<String, String> {
    let options = spawn_options(args)?;
    let name = s(args, "name").unwrap_or_default();
    m.spawn(name.to_owned(), options)
        .map(|id| format!("spawned {name} with id {id}"))
        .map_err(|e| e.to_string())
}

fn spawn_options(args: &Value) -> Result<SpawnOptions, String> {
    let (Some(_), Some(prompt)) = (s(args, "name"), s(args, "prompt")) else {
        return Err("name and prompt are required".into());
    };
    let permission_mode = match s(args, "permission_mode") {
        Some(p) => Some(PermissionMode::parse(p).ok_or_else(|| {
            format!(
                "permission_mode '{p}' is not one of default, acceptEdits, plan, bypassPermissions"
            )
        })?),
        None => None,
    };
    let options = SpawnOptions {
        prompt: prompt.to_owned(),
        cwd: s(args, "cwd").map(Into::into),
        model: s(args, "model").map(str::to_owned),
        allowed_tools: strings(args, "allowed_tools"),
        disallowed_tools: strings(args, "disallowed_tools"),
        system_prompt: s(args, "system_prompt").map(str::to_owned),
        permission_mode,
        worktree: crate::engine::worktree::parse_request(args.get("worktree"))?,
    };
    Ok(options)
}

fn read_transcript(m: &Manager, args: &Value) -> Result<String, String> {
    let Some(a) = s(args, "agent") else {
        return Err("agent is required".into());
    };
    let id = m.resolve(a).map_err(|e| e.to_string())?;
    let tail = args
        .get("tail")
        .and_then(Value::as_u64)
        .unwrap_or(50)
        .clamp(1, 10_000) as usize;
    let entries: Vec<TranscriptEntry> = read_transcript_tail(m.paths(), &id, tail)
        .map_err(|e| e.to_string())?
        .items;
    let lines: Vec<String> = entries
        .iter()
        .map(|e| serde_json::to_string(&e.item).unwrap_or_default())
        .collect();
    let state = m
        .record_of(&id)
        .map(|r| r.state.as_str())
        .unwrap_or("unknown");
    Ok(format!(
        "{} ({id}) is {state}; last {} entries:\n{}",
        m.name_of(&id),
        lines.len(),
        lines.join("\n")
    ))
}

fn wait(m: &mut Manager, call: ToolCall, args: &Value) {
    let names: Vec<String> = strings(args, "agents").unwrap_or_default();
    if names.is_empty() {
        return m.tool_reply(&call, "agents must list at least one agent", true);
    }
    let mut ids = Vec::new();
    for n in &names {
        match m.resolve(n) {
            Ok(id) => ids.push(id),
            Err(e) => return m.tool_reply(&call, &e.to_string(), true),
        }
    }
    let timeout = args
        .get("timeout_s")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite() && *t > 0.0)
        .unwrap_or(600.0)
        .min(24.0 * 3600.0);
    let watched = ids.clone();
    m.add_waiter(
        ids,
        Duration::from_secs_f64(timeout),
        Box::new(move |m: &mut Manager, settled: bool| {
            let list: Vec<Value> = watched
                .iter()
                .filter_map(|id| m.record_of(id).map(|r| summary(m, r)))
                .collect();
            let head = if settled {
                "all agents settled"
            } else {
                "timed out; still busy"
            };
            let text = format!(
                "{head}:\n{}",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            );
            m.tool_reply(&call, &text, false);
        }),
    );
}
