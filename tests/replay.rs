//! Replay tests: real CLI sessions recorded under tests/fixtures/*.jsonl, parsed into domain
//! events; plus the recorder that produced them (`cargo test --test replay -- --ignored`,
//! needs the real CLI, see tests/support/fake_api.rs) and a self-test of the fake API.
//!
//! `total_cost_usd` is NOT per turn: it is the session's running total (verified with CLI
//! 2.1.330). `plain_text.jsonl` holds two turns of one process with identical fake usage and
//! reports 0.000594 then 0.001188; `resume_known.jsonl` (same session, new process) reports
//! 0.001782, so the total survives `--resume`; `cost_across_error.jsonl` shows an API-error turn
//! repeating the previous total. `usage` is per turn. `to_domain::LineParser` derives per-turn
//! costs; the recorder asserts the running-total behaviour each time it records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod support;

use patchfeld::claude::{control, sdk_mcp, to_domain, wire};
use patchfeld::core::agent::PermissionMode;
use patchfeld::core::event::{AgentEvent, SessionActivity, TurnOutcome};
use patchfeld::core::permission::{Decision, PermissionRequest};
use patchfeld::core::transcript::{NoticeLevel, TranscriptItem};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::fake_api::{self, FakeApi, Matcher, Reply, ReplyBlock, Rule};

const CHILD_SERVER: &str = "patchfeld_child";
const NOTIFY: &str = "notify_orchestrator";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.jsonl"))
}

fn fixture_lines(name: &str) -> Vec<String> {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (record with --ignored)", path.display()));
    text.lines().map(str::to_owned).collect()
}

/// Events of a fixture as the engine sees them (per-turn costs, fresh session).
fn events(name: &str) -> Vec<AgentEvent> {
    events_with_prior_cost(name, 0.0)
}

fn events_with_prior_cost(name: &str, prior: f64) -> Vec<AgentEvent> {
    let mut parser = to_domain::LineParser::new(prior);
    fixture_lines(name)
        .iter()
        .flat_map(|l| parser.parse_line(l))
        .collect()
}

fn transcript(ev: &[AgentEvent]) -> Vec<&TranscriptItem> {
    ev.iter()
        .filter_map(|e| match e {
            AgentEvent::Transcript(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn outcomes(ev: &[AgentEvent]) -> Vec<&TurnOutcome> {
    ev.iter()
        .filter_map(|e| match e {
            AgentEvent::TurnEnded(o) => Some(o),
            _ => None,
        })
        .collect()
}

fn session_ids(ev: &[AgentEvent]) -> Vec<&str> {
    ev.iter()
        .filter_map(|e| match e {
            AgentEvent::SessionInit { session_id, .. } => Some(session_id.as_str()),
            _ => None,
        })
        .collect()
}

fn permission_requests(ev: &[AgentEvent]) -> Vec<&PermissionRequest> {
    ev.iter()
        .filter_map(|e| match e {
            AgentEvent::PermissionRequested(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn no_unknowns(ev: &[AgentEvent]) {
    for t in transcript(ev) {
        assert!(
            !matches!(t, TranscriptItem::Unknown { .. }),
            "unexpected unknown item: {t:?}"
        );
    }
}

/// Input tokens one fake API call reports (uncached + cache read + cache creation).
const CALL_INPUT: u64 =
    fake_api::USAGE_INPUT + fake_api::USAGE_CACHE_READ + fake_api::USAGE_CACHE_CREATION;

// ---------------------------------------------------------------------------------------------
// Replay

#[test]
fn plain_text_two_turns() {
    let ev = events("plain_text");
    no_unknowns(&ev);
    let ids = session_ids(&ev);
    assert_eq!(ids.len(), 2, "system/init comes once per turn");
    assert!(!ids[0].is_empty());
    assert_eq!(ids[0], ids[1]);
    let items = transcript(&ev);
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|t| match t {
            TranscriptItem::Assistant { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["Hello there.", "Second answer."]);
    assert!(items.contains(&&TranscriptItem::Thinking {
        text: "pondering the greeting".into()
    }));
    let out = outcomes(&ev);
    assert_eq!(out.len(), 2);
    for o in &out {
        assert!(!o.is_error);
        assert_eq!(o.session_id.as_deref(), Some(ids[0]));
        assert_eq!(o.tokens_in, CALL_INPUT);
        assert_eq!(o.tokens_out, fake_api::USAGE_OUTPUT);
        assert!(o.cost_usd > 0.0);
    }
    assert_eq!(out[0].text, "Hello there.");
    assert_eq!(out[1].text, "Second answer.");
    // Same usage per turn → the same per-turn cost, although the raw totals differ.
    assert!((out[0].cost_usd - out[1].cost_usd).abs() < 1e-12, "{out:?}");
    let raw = raw_costs(&fixture_lines("plain_text"));
    assert!((raw[1] - 2.0 * raw[0]).abs() < 1e-12, "{raw:?}");
    // The stateless parser reports the running total.
    let stateless: Vec<f64> = fixture_lines("plain_text")
        .iter()
        .flat_map(|l| to_domain::parse_line(l))
        .filter_map(|e| match e {
            AgentEvent::TurnEnded(o) => Some(o.cost_usd),
            _ => None,
        })
        .collect();
    assert_eq!(stateless, raw);
    let idles = ev
        .iter()
        .filter(|e| **e == AgentEvent::Activity(SessionActivity::Idle))
        .count();
    assert_eq!(idles, 2);
}

#[test]
fn bash_allowed() {
    let ev = events("bash_allowed");
    no_unknowns(&ev);
    let perms = permission_requests(&ev);
    assert_eq!(perms.len(), 1);
    let p = perms[0];
    assert_eq!(p.tool_name, "Bash");
    assert_eq!(p.input["command"], "echo hi > out.txt");
    assert_eq!(p.input["description"], "write out.txt");
    assert!(!p.request_id.as_str().is_empty());
    assert!(p.request_id.as_str() != "req_1");
    assert!(p.suggestions.as_array().is_some_and(|s| !s.is_empty()));
    let items = transcript(&ev);
    let uses: Vec<_> = items
        .iter()
        .filter_map(|t| match t {
            TranscriptItem::ToolUse { id, name, input } => Some((id, name, input)),
            _ => None,
        })
        .collect();
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].1, "Bash");
    assert_eq!(
        uses[0].2,
        &json!({"command": "echo hi > out.txt", "description": "write out.txt"})
    );
    assert_eq!(p.tool_use_id.as_deref(), Some(uses[0].0.as_str()));
    let result = items
        .iter()
        .find_map(|t| match t {
            TranscriptItem::ToolResult {
                tool_use_id,
                is_error,
                ..
            } => Some((tool_use_id, *is_error)),
            _ => None,
        })
        .unwrap();
    assert_eq!(result, (uses[0].0, false));
    let out = outcomes(&ev);
    assert_eq!(out.len(), 1);
    assert!(!out[0].is_error);
    assert_eq!(out[0].text, "Done.");
    assert_eq!(
        out[0].tokens_in,
        2 * CALL_INPUT,
        "two API calls in the turn"
    );
    assert!(ev.contains(&AgentEvent::Activity(SessionActivity::RequiresAction)));
}

#[test]
fn bash_denied() {
    let ev = events("bash_denied");
    assert_eq!(permission_requests(&ev).len(), 1);
    let items = transcript(&ev);
    let (content, is_error) = items
        .iter()
        .find_map(|t| match t {
            TranscriptItem::ToolResult {
                content, is_error, ..
            } => Some((content, *is_error)),
            _ => None,
        })
        .unwrap();
    assert!(is_error);
    assert!(
        TranscriptItem::content_text(content).contains("User said no"),
        "{content}"
    );
    let out = outcomes(&ev);
    assert_eq!(out.len(), 1);
    assert!(!out[0].is_error, "a denial does not fail the turn");
}

#[test]
fn mcp_notify() {
    let ev = events("mcp_notify");
    no_unknowns(&ev);
    let mcp: Vec<(&String, &Value)> = ev
        .iter()
        .filter_map(|e| match e {
            AgentEvent::McpMessage {
                server, message, ..
            } => Some((server, message)),
            _ => None,
        })
        .collect();
    assert!(mcp.iter().all(|(s, _)| *s == CHILD_SERVER));
    let methods: Vec<&str> = mcp
        .iter()
        .filter_map(|(_, m)| m.get("method").and_then(Value::as_str))
        .collect();
    for m in [
        "initialize",
        "notifications/initialized",
        "tools/list",
        "tools/call",
    ] {
        assert!(methods.contains(&m), "{m} missing from {methods:?}");
    }
    let call = mcp
        .iter()
        .find(|(_, m)| m["method"] == "tools/call")
        .unwrap()
        .1;
    assert_eq!(call["params"]["name"], NOTIFY);
    assert_eq!(
        call["params"]["arguments"],
        json!({"message": "hello from child"})
    );
    // Pre-allowed through --allowedTools: no permission prompt.
    assert!(permission_requests(&ev).is_empty());
    let items = transcript(&ev);
    assert!(items.iter().any(|t| matches!(t,
        TranscriptItem::ToolUse { name, input, .. }
            if name == "mcp__patchfeld_child__notify_orchestrator"
            && input == &json!({"message": "hello from child"}))));
    assert!(items.iter().any(|t| matches!(t,
        TranscriptItem::ToolResult { content, is_error: false, .. }
            if TranscriptItem::content_text(content) == "delivered")));
    assert_eq!(outcomes(&ev)[0].text, "Notified.");
}

#[test]
fn api_error_500() {
    let ev = events("api_error_500");
    no_unknowns(&ev);
    let items = transcript(&ev);
    assert!(
        items.iter().any(|t| matches!(t,
            TranscriptItem::Assistant { text } if text.contains("API Error: 500") && text.contains("boom"))),
        "{items:?}"
    );
    let out = outcomes(&ev);
    assert_eq!(out.len(), 1);
    assert!(out[0].is_error);
    assert!(out[0].text.contains("500"), "{}", out[0].text);
}

#[test]
fn resume_unknown_session() {
    let ev = events("resume_unknown");
    let out = outcomes(&ev);
    assert_eq!(out.len(), 1, "{ev:?}");
    assert!(out[0].is_error);
    assert!(
        out[0]
            .text
            .contains("No conversation found with session ID"),
        "{}",
        out[0].text
    );
    assert_eq!(out[0].cost_usd, 0.0);
}

#[test]
fn resume_known_session_restores_the_running_cost() {
    let first = outcomes(&events("plain_text"))
        .iter()
        .map(|o| o.cost_usd)
        .sum::<f64>();
    let first_ids = session_ids(&events("plain_text"))[0].to_owned();
    let ev = events_with_prior_cost("resume_known", first);
    no_unknowns(&ev);
    assert_eq!(session_ids(&ev), [first_ids.as_str()]);
    let out = outcomes(&ev);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].text, "Resumed answer.");
    // One more identical API call: the same per-turn cost as each earlier turn.
    assert!((out[0].cost_usd - first / 2.0).abs() < 1e-12, "{out:?}");
}

#[test]
fn cost_across_an_api_error_turn() {
    let ev = events("cost_across_error");
    no_unknowns(&ev);
    let out = outcomes(&ev);
    assert_eq!(out.len(), 3);
    assert_eq!(
        out.iter().map(|o| o.is_error).collect::<Vec<_>>(),
        [false, true, false]
    );
    assert!(out[0].cost_usd > 0.0);
    assert_eq!(out[1].cost_usd, 0.0, "the failed turn cost nothing");
    assert_eq!(out[1].tokens_in, 0);
    assert!((out[2].cost_usd - out[0].cost_usd).abs() < 1e-12, "{out:?}");
    assert!(
        out[1].text.starts_with("API Error: 500 boom"),
        "{}",
        out[1].text
    );
}

#[test]
fn interrupt_while_streaming() {
    let ev = events("interrupt_streaming");
    no_unknowns(&ev);
    // Our interrupt was answered at once with an empty queue.
    let resp = ev
        .iter()
        .find_map(|e| match e {
            AgentEvent::ControlResponse { request_id, result } => Some((request_id, result)),
            _ => None,
        })
        .unwrap();
    assert!(resp.0.starts_with("req_"), "{}", resp.0);
    assert_eq!(resp.1, &Ok(json!({"still_queued": []})));
    let items = transcript(&ev);
    assert!(items.contains(&&TranscriptItem::Notice {
        level: NoticeLevel::Warning,
        text: "[Request interrupted by user]".into()
    }));
    assert!(!items.iter().any(|t| matches!(t,
        TranscriptItem::Assistant { text } if text.contains("too late"))));
    let out = outcomes(&ev);
    assert_eq!(out.len(), 2);
    assert!(out[0].is_error, "an interrupted turn is an error result");
    assert!(!out[1].is_error);
    assert_eq!(out[1].text, "After the interrupt.");
}

#[test]
fn every_fixture_line_parses_without_notices_of_malformed_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            n += 1;
            assert!(wire::parse(line).is_ok(), "{}: {line}", path.display());
            for e in to_domain::parse_line(line) {
                if let AgentEvent::Transcript(TranscriptItem::Notice { text, .. }) = &e {
                    assert!(!text.starts_with("malformed"), "{text}");
                }
            }
        }
    }
    assert!(n > 20, "fixtures missing? only {n} lines");
}

// ---------------------------------------------------------------------------------------------
// Fake API self-test (plain TCP client, no CLI needed)

fn http_post(addr: std::net::SocketAddr, path: &str, body: &Value) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.to_string();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Concatenate `delta.<field>` over the SSE `data:` lines of a response.
fn sse_join(response: &str, field: &str) -> String {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| v["delta"][field].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn fake_api_scripts_sse_replies_and_records_requests() {
    let api = FakeApi::start(vec![
        Rule::new(Matcher::LastHasToolResult, Reply::text("after tool")),
        Rule::new(
            Matcher::LastTextContains("make file".into()),
            Reply::tool_use("Bash", json!({"command": "echo hi > out.txt"})),
        ),
        Rule::any(Reply::error(500, "boom")).times(1),
        Rule::any(Reply::Blocks(vec![ReplyBlock::Text("fallback é".into())])),
    ])
    .unwrap();
    let addr = api.addr();
    let req = |content: Value| json!({"model":"m","stream":true,"messages":[{"role":"user","content":content}]});
    let bodies = [
        req(json!("please make file out.txt")),
        req(json!([{"type":"tool_result","tool_use_id":"t","content":"ok"}])),
        req(json!("hello")),
        req(json!("hello again")),
    ];
    let mut replies = Vec::new();
    for b in &bodies {
        let b = b.clone();
        replies.push(
            tokio::task::spawn_blocking(move || http_post(addr, "/v1/messages?beta=true", &b))
                .await
                .unwrap(),
        );
    }
    assert!(api.wait_for_messages(4, Duration::from_secs(5)).await);
    assert!(replies[0].starts_with("HTTP/1.1 200"));
    assert!(replies[0].contains("event: message_start"));
    assert!(replies[0].contains(r#""type":"input_json_delta""#));
    assert!(replies[0].contains(r#""stop_reason":"tool_use""#));
    // The tool input arrives split across deltas; join them back.
    let joined = sse_join(&replies[0], "partial_json");
    assert_eq!(
        serde_json::from_str::<Value>(&joined).unwrap(),
        json!({"command": "echo hi > out.txt"})
    );
    assert_eq!(sse_join(&replies[1], "text"), "after tool");
    assert!(replies[1].contains(r#""stop_reason":"end_turn""#));
    assert!(replies[2].starts_with("HTTP/1.1 500"));
    assert!(replies[2].contains("boom"));
    assert_eq!(sse_join(&replies[3], "text"), "fallback é");
    assert!(replies[3].contains("message_stop"));
    assert_eq!(api.message_bodies().len(), 4);
    assert_eq!(api.message_bodies()[2], bodies[2]);

    let tokens = tokio::task::spawn_blocking(move || {
        http_post(
            addr,
            "/v1/messages/count_tokens?beta=true",
            &json!({"messages":[]}),
        )
    })
    .await
    .unwrap();
    assert!(tokens.contains(r#"{"input_tokens":10}"#));
    assert_eq!(api.message_count(), 4, "count_tokens is not a model turn");
    assert!(!api.wait_for_messages(5, Duration::from_millis(50)).await);
}

#[tokio::test]
async fn fake_api_hold_streams_start_then_waits_for_release() {
    use std::io::{Read, Write};
    let gate = fake_api::Gate::new();
    let api = FakeApi::start(vec![Rule::any(Reply::hold(&gate, "released text"))]).unwrap();
    let mut s = std::net::TcpStream::connect(api.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = json!({"model":"m","stream":true,"messages":[]}).to_string();
    write!(
        s,
        "POST /v1/messages HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    assert!(api.wait_for_messages(1, Duration::from_secs(5)).await);
    // Read up to the ping that follows message_start; nothing more may come while held.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("event: ping") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(!String::from_utf8_lossy(&got).contains("released text"));
    gate.release();
    let mut rest = String::new();
    s.read_to_string(&mut rest).unwrap();
    assert_eq!(sse_join(&rest, "text"), "released text");
    assert!(rest.contains("message_stop"));
}

// ---------------------------------------------------------------------------------------------
// Recorder: drives the real CLI over pipes against the fake API and writes the fixtures.

#[derive(Clone, Copy)]
enum Permission {
    Allow,
    Deny,
}

struct Scenario {
    name: &'static str,
    rules: Vec<Rule>,
    prompts: Vec<&'static str>,
    permission: Permission,
    resume: Option<String>,
    /// Reuse these (HOME, cwd) dirs, e.g. to resume a session recorded before.
    dirs: Option<(tempfile::TempDir, tempfile::TempDir)>,
    /// Send an `interrupt` once the fake API has received this many model requests.
    interrupt_at_request: Option<usize>,
    /// `--permission-mode`.
    mode: Option<PermissionMode>,
}

struct Recording {
    lines: Vec<String>,
    api: FakeApi,
    cwd: tempfile::TempDir,
    home: tempfile::TempDir,
    exit_code: Option<i32>,
}

fn child_tools() -> Vec<sdk_mcp::ToolDef> {
    vec![sdk_mcp::ToolDef {
        name: NOTIFY.into(),
        description: "Send a short status message to the orchestrator.".into(),
        input_schema: json!({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}),
    }]
}

async fn record(claude: &Path, sc: Scenario) -> Recording {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let api = FakeApi::start(sc.rules).unwrap();
    let (home, cwd) = sc
        .dirs
        .unwrap_or_else(|| (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()));
    let pre_allowed = vec![control::mcp_tool_name(CHILD_SERVER, NOTIFY)];
    let opts = patchfeld::core::agent::SpawnOptions {
        permission_mode: sc.mode,
        ..Default::default()
    };
    let args = control::cli_args(&control::CliArgsInput {
        mcp_server: CHILD_SERVER,
        pre_allowed_tools: &pre_allowed,
        options: &opts,
        resume: sc.resume.as_deref(),
        session_id: None,
    });
    let mut cmd = tokio::process::Command::new(claude);
    fake_api::apply_env(&mut cmd, &api.cli_env(home.path()));
    cmd.envs(control::child_env())
        .args(&args)
        .current_dir(cwd.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = child.stderr.take().unwrap();
    let tools = child_tools();
    let mut lines = Vec::new();
    let mut eof = false;
    let mut interrupt_at = sc.interrupt_at_request;

    async fn send(stdin: &mut tokio::process::ChildStdin, line: String) {
        // The CLI may already have exited (resume of an unknown id): ignore broken pipes.
        let _ = stdin.write_all(format!("{line}\n").as_bytes()).await;
        let _ = stdin.flush().await;
    }

    for prompt in &sc.prompts {
        send(&mut stdin, wire::user_message(prompt)).await;
        let mut saw_result = false;
        loop {
            let line_or_interrupt = async {
                match interrupt_at {
                    Some(n) => tokio::select! {
                        l = out.next_line() => Some(l),
                        _ = api.wait_for_messages(n, Duration::from_secs(60)) => None,
                    },
                    None => Some(out.next_line().await),
                }
            };
            let next = tokio::time::timeout(Duration::from_secs(60), line_or_interrupt)
                .await
                .unwrap_or_else(|_| panic!("{}: CLI silent for 60 s; got {lines:#?}", sc.name));
            let Some(next) = next else {
                interrupt_at = None;
                let id = control::next_request_id();
                send(&mut stdin, wire::control_request(&id, control::interrupt())).await;
                continue;
            };
            let Some(line) = next.unwrap() else {
                eof = true;
                break;
            };
            lines.push(line.clone());
            match wire::parse(&line) {
                Ok(wire::Incoming::Result(_)) => saw_result = true,
                Ok(wire::Incoming::System(wire::SystemMessage::SessionStateChanged { state }))
                    if state == "idle" && saw_result =>
                {
                    break;
                }
                Ok(wire::Incoming::ControlRequest {
                    request_id,
                    request,
                }) => {
                    let answer = match request {
                        wire::ControlRequestBody::CanUseTool(c) => {
                            let d = match sc.permission {
                                Permission::Allow => Decision::Allow {
                                    updated_input: c.input,
                                },
                                Permission::Deny => Decision::Deny {
                                    message: "User said no".into(),
                                    interrupt: false,
                                },
                            };
                            wire::control_success(&request_id, wire::permission_response(&d))
                        }
                        wire::ControlRequestBody::McpMessage {
                            server_name,
                            message,
                        } => {
                            let reply = match sdk_mcp::handle(&server_name, &tools, &message) {
                                sdk_mcp::McpAction::Reply(r) => r,
                                sdk_mcp::McpAction::Call { id, .. } => {
                                    sdk_mcp::call_result(&id, "delivered", false)
                                }
                                sdk_mcp::McpAction::NoReply => sdk_mcp::ack(),
                            };
                            wire::control_success(&request_id, sdk_mcp::mcp_response(reply))
                        }
                        wire::ControlRequestBody::Other { subtype, .. } => wire::control_error(
                            &request_id,
                            &format!("Unsupported control request subtype: {subtype}"),
                        ),
                    };
                    send(&mut stdin, answer).await;
                }
                _ => {}
            }
        }
        if eof {
            break;
        }
    }
    drop(stdin);
    // Keep whatever the CLI prints after stdin closes.
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(20), out.next_line()).await
    {
        lines.push(line);
    }
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut err = String::new();
    let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut err).await;
    if !err.trim().is_empty() {
        eprintln!("{} stderr: {err}", sc.name);
    }
    let text = lines.join("\n") + "\n";
    std::fs::write(fixture_path(sc.name), text).unwrap();
    eprintln!(
        "recorded {} ({} lines, exit {:?})",
        sc.name,
        lines.len(),
        status.code()
    );
    Recording {
        lines,
        api,
        cwd,
        home,
        exit_code: status.code(),
    }
}

fn outcomes_of(lines: &[String]) -> Vec<TurnOutcome> {
    lines
        .iter()
        .flat_map(|l| to_domain::parse_line(l))
        .filter_map(|e| match e {
            AgentEvent::TurnEnded(o) => Some(o),
            _ => None,
        })
        .collect()
}

fn raw_costs(lines: &[String]) -> Vec<f64> {
    lines
        .iter()
        .filter_map(|l| match wire::parse(l) {
            Ok(wire::Incoming::Result(r)) => Some(r.total_cost_usd),
            _ => None,
        })
        .collect()
}

fn session_ids_of(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|l| match wire::parse(l) {
            Ok(wire::Incoming::System(wire::SystemMessage::Init(i))) => Some(i.session_id),
            _ => None,
        })
        .unwrap_or_default()
}

fn make_file_rules() -> Vec<Rule> {
    vec![
        Rule::new(Matcher::LastHasToolResult, Reply::text("Done.")),
        Rule::new(
            Matcher::LastTextContains("make file".into()),
            Reply::tool_use(
                "Bash",
                json!({"command": "echo hi > out.txt", "description": "write out.txt"}),
            ),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "records fixtures with the real CLI; run with --ignored"]
async fn record_fixtures() {
    let Some(claude) = fake_api::real_claude_or_skip("record_fixtures") else {
        return;
    };

    // (a) plain text, two turns in one process (per-turn cost check).
    let rec = record(
        &claude,
        Scenario {
            name: "plain_text",
            rules: vec![
                Rule::new(
                    Matcher::LastTextContains("second".into()),
                    Reply::text("Second answer."),
                ),
                Rule::any(Reply::Blocks(vec![
                    ReplyBlock::Thinking("pondering the greeting".into()),
                    ReplyBlock::Text("Hello there.".into()),
                ])),
            ],
            prompts: vec!["hi", "a second question"],
            permission: Permission::Allow,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    let raw = raw_costs(&rec.lines);
    assert_eq!(raw.len(), 2);
    assert!(
        (raw[1] - 2.0 * raw[0]).abs() < 1e-12,
        "expected a cumulative total_cost_usd, got {raw:?}"
    );
    assert_eq!(rec.exit_code, Some(0));
    let session = session_ids_of(&rec.lines);

    // (a2) resume that session in a new process (same HOME and cwd).
    let rec = record(
        &claude,
        Scenario {
            name: "resume_known",
            rules: vec![Rule::any(Reply::text("Resumed answer."))],
            prompts: vec!["third question"],
            permission: Permission::Allow,
            resume: Some(session.clone()),
            dirs: Some((rec.home, rec.cwd)),
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    let resumed = raw_costs(&rec.lines);
    assert!(
        (resumed[0] - 3.0 * raw[0]).abs() < 1e-12,
        "{resumed:?} after {raw:?}"
    );
    assert_eq!(session_ids_of(&rec.lines), session);
    let bodies = rec.api.message_bodies();
    let all = bodies[0]["messages"].to_string();
    assert!(
        all.contains("Hello there.") && all.contains("Second answer."),
        "{all}"
    );

    // (b) Bash allowed → the file exists.
    let rec = record(
        &claude,
        Scenario {
            name: "bash_allowed",
            rules: make_file_rules(),
            prompts: vec!["please make file out.txt"],
            permission: Permission::Allow,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(rec.cwd.path().join("out.txt")).unwrap(),
        "hi\n"
    );
    let bodies = rec.api.message_bodies();
    assert_eq!(bodies.len(), 2);
    assert!(!fake_api::last_tool_results(&bodies[1])[0].starts_with("[error]"));

    // (c) Bash denied → no file, the API gets an error tool_result.
    let rec = record(
        &claude,
        Scenario {
            name: "bash_denied",
            rules: make_file_rules(),
            prompts: vec!["please make file out.txt"],
            permission: Permission::Deny,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    assert!(!rec.cwd.path().join("out.txt").exists());
    let bodies = rec.api.message_bodies();
    assert_eq!(
        fake_api::last_tool_results(&bodies[1]),
        ["[error] User said no"]
    );

    // (d) the child MCP tool, called by the model.
    let rec = record(
        &claude,
        Scenario {
            name: "mcp_notify",
            rules: vec![
                Rule::new(Matcher::LastHasToolResult, Reply::text("Notified.")),
                Rule::any(Reply::tool_use(
                    &control::mcp_tool_name(CHILD_SERVER, NOTIFY),
                    json!({"message": "hello from child"}),
                )),
            ],
            prompts: vec!["tell the orchestrator hello"],
            permission: Permission::Allow,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    let bodies = rec.api.message_bodies();
    let tool_names: Vec<&str> = bodies[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(tool_names.contains(&"mcp__patchfeld_child__notify_orchestrator"));
    assert_eq!(fake_api::last_tool_results(&bodies[1]), ["delivered"]);

    // (e2) an API error between two good turns: is the running cost total kept?
    let rec = record(
        &claude,
        Scenario {
            name: "cost_across_error",
            rules: vec![
                // Once only: the failed prompt stays in the history of the next request.
                Rule::new(
                    Matcher::LastTextContains("fail now".into()),
                    Reply::error(500, "boom"),
                )
                .times(1),
                Rule::any(Reply::text("Fine.")),
            ],
            prompts: vec!["hi", "fail now", "hi again"],
            permission: Permission::Allow,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    let raw = raw_costs(&rec.lines);
    assert_eq!(raw.len(), 3);
    assert!(raw[0] > 0.0 && (raw[1] - raw[0]).abs() < 1e-12, "{raw:?}");
    assert!((raw[2] - 2.0 * raw[0]).abs() < 1e-12, "{raw:?}");

    // (g) interrupt while the API response is held open.
    let gate = fake_api::Gate::new();
    let rec = record(
        &claude,
        Scenario {
            name: "interrupt_streaming",
            rules: vec![
                Rule::any(Reply::hold(&gate, "too late")).times(1),
                Rule::any(Reply::text("After the interrupt.")),
            ],
            prompts: vec!["write a long essay", "never mind, say hi"],
            permission: Permission::Allow,
            resume: None,
            dirs: None,
            interrupt_at_request: Some(1),
            mode: None,
        },
    )
    .await;
    gate.release();
    let out = outcomes_of(&rec.lines);
    assert_eq!(out.len(), 2);
    assert!(out[0].is_error && !out[1].is_error, "{out:?}");

    // (h) bypass mode: no permission request, the command runs (as root this needs
    // IS_SANDBOX=1, which the test env sets).
    let rec = record(
        &claude,
        Scenario {
            name: "bash_bypass",
            rules: make_file_rules(),
            prompts: vec!["please make file out.txt"],
            permission: Permission::Deny,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: Some(PermissionMode::BypassPermissions),
        },
    )
    .await;
    assert!(rec.cwd.path().join("out.txt").exists());
    assert!(
        !rec.lines.iter().any(|l| l.contains("\"can_use_tool\"")),
        "bypass must not ask"
    );

    // (e) API 500.
    let rec = record(
        &claude,
        Scenario {
            name: "api_error_500",
            rules: vec![Rule::any(Reply::error(500, "boom"))],
            prompts: vec!["hi"],
            permission: Permission::Allow,
            resume: None,
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    assert_eq!(rec.api.message_count(), 1, "no retries with MAX_RETRIES=0");
    assert_eq!(rec.exit_code, Some(1));

    // (f) resume of an unknown session id.
    let rec = record(
        &claude,
        Scenario {
            name: "resume_unknown",
            rules: vec![Rule::any(Reply::text("should not be asked"))],
            prompts: vec!["hi"],
            permission: Permission::Allow,
            resume: Some("6a1f3c52-0d7e-4b8a-9c21-3e5f7a9b0c4d".into()),
            dirs: None,
            interrupt_at_request: None,
            mode: None,
        },
    )
    .await;
    assert_eq!(rec.api.message_count(), 0);
    assert_eq!(rec.exit_code, Some(1));
    let out = outcomes_of(&rec.lines);
    assert!(out.iter().any(|o| o.is_error));
}
