//! Conformance: the engine driving the REAL Claude Code CLI (2.1.330) against a fake
//! Anthropic Messages API served by this test on 127.0.0.1. Skips loudly without the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use common::{Harness, Options, spawn_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::core::permission::Decision;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::{ClaudeCommand, EngineEvent};
use serde_json::json;
use std::time::Duration;
use support::fake_api::{FakeApi, Gate, Matcher, Reply, Rule, real_claude_or_skip};

/// A harness whose agents run the real CLI against `api` (HOME in the test's temp dir).
fn real_harness(claude: std::path::PathBuf, api: &FakeApi) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let claude = ClaudeCommand {
        program: claude,
        prefix_args: vec![],
        env: api.cli_env(&home),
    };
    Harness::start(
        json!({}),
        Options {
            dir: Some(dir),
            claude: Some(claude),
            ..Default::default()
        },
    )
}

fn bash_write_rules() -> Vec<Rule> {
    vec![
        Rule::new(
            Matcher::LastTextContains("make the file".into()),
            Reply::tool_use(
                "Bash",
                json!({"command": "echo hi > out.txt", "description": "write out.txt"}),
            ),
        ),
        Rule::new(Matcher::LastHasToolResult, Reply::text("All done.")),
    ]
}

async fn first_permission(
    h: &mut Harness,
) -> (
    patchfeld::core::ids::AgentId,
    patchfeld::core::permission::PermissionRequest,
) {
    match h
        .wait_for("can_use_tool", |e| {
            matches!(e, EngineEvent::PermissionRequested { .. })
        })
        .await
    {
        EngineEvent::PermissionRequested {
            agent_id, request, ..
        } => (agent_id, request),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn bash_permission_allowed_runs_the_command() {
    let Some(claude) = real_claude_or_skip("bash_permission_allowed_runs_the_command") else {
        return;
    };
    let api = FakeApi::start(bash_write_rules()).unwrap();
    let mut h = real_harness(claude, &api);
    let id = h
        .handle
        .spawn("writer".into(), spawn_opts("please make the file"))
        .await
        .unwrap();
    let (agent, req) = first_permission(&mut h).await;
    assert_eq!(agent, id);
    assert_eq!(req.tool_name, "Bash");
    assert_eq!(req.input["command"], "echo hi > out.txt");
    h.wait_state(&id, AgentState::AwaitingPermission).await;
    h.handle
        .decide(
            id.clone(),
            req.request_id,
            Decision::Allow {
                updated_input: req.input,
            },
        )
        .await
        .unwrap();
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert!(rec.session_id.is_some());
    assert!(rec.cost_usd > 0.0 && rec.tokens_in > 0, "{rec:?}");
    let out = std::fs::read_to_string(h.dir.path().join("out.txt")).unwrap();
    assert_eq!(out.trim(), "hi");
    assert!(
        h.transcript(&id)
            .iter()
            .any(|i| matches!(i, TranscriptItem::Assistant { text } if text == "All done."))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn bash_permission_denied_sends_an_error_tool_result_to_the_api() {
    let Some(claude) =
        real_claude_or_skip("bash_permission_denied_sends_an_error_tool_result_to_the_api")
    else {
        return;
    };
    let api = FakeApi::start(bash_write_rules()).unwrap();
    let mut h = real_harness(claude, &api);
    let id = h
        .handle
        .spawn("writer".into(), spawn_opts("please make the file"))
        .await
        .unwrap();
    let (_, req) = first_permission(&mut h).await;
    h.handle
        .decide(
            id.clone(),
            req.request_id,
            Decision::Deny {
                message: "not in this repo".into(),
                interrupt: false,
            },
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    assert!(!h.dir.path().join("out.txt").exists());
    let bodies = api.message_bodies();
    let last = bodies.last().unwrap();
    let results = support::fake_api::last_tool_results(last);
    assert!(
        results.iter().any(|r| r.contains("not in this repo")),
        "{results:?}"
    );
    let text = serde_json::to_string(last).unwrap();
    assert!(
        text.contains("not in this repo"),
        "deny message reaches the API"
    );
    assert!(
        text.contains("\"is_error\":true"),
        "as an error tool_result"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn child_mcp_tool_call_round_trips() {
    let Some(claude) = real_claude_or_skip("child_mcp_tool_call_round_trips") else {
        return;
    };
    let api = FakeApi::start(vec![
        Rule::new(
            Matcher::LastTextContains("report in".into()),
            Reply::tool_use(
                "mcp__patchfeld_child__notify_orchestrator",
                json!({"message": "halfway there"}),
            ),
        ),
        Rule::new(Matcher::LastHasToolResult, Reply::text("Reported.")),
    ])
    .unwrap();
    let mut h = real_harness(claude, &api);
    let id = h
        .handle
        .spawn("reporter".into(), spawn_opts("please report in"))
        .await
        .unwrap();
    h.wait_for(
        "notification",
        |e| matches!(e, EngineEvent::Notified { message, .. } if message == "halfway there"),
    )
    .await;
    h.wait_state(&id, AgentState::Done).await;
    let text = serde_json::to_string(api.message_bodies().last().unwrap()).unwrap();
    assert!(
        text.contains("Notification delivered."),
        "our tool result reached the API"
    );
    // Pre-allowed: the CLI never asked about our own tool.
    assert!(
        !h.seen
            .iter()
            .any(|e| matches!(e, EngineEvent::PermissionRequested { .. }))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn interrupt_ends_a_slow_turn() {
    let Some(claude) = real_claude_or_skip("interrupt_ends_a_slow_turn") else {
        return;
    };
    let gate = Gate::new();
    let api = FakeApi::start(vec![
        Rule::new(
            Matcher::LastTextContains("take your time".into()),
            Reply::hold(&gate, "late"),
        )
        .times(1),
        Rule::any(Reply::text("fresh reply")),
    ])
    .unwrap();
    let mut h = real_harness(claude, &api);
    let id = h
        .handle
        .spawn("slow".into(), spawn_opts("take your time"))
        .await
        .unwrap();
    assert!(
        api.wait_for_messages(1, Duration::from_secs(30)).await,
        "the CLI called the API"
    );
    h.handle.send("slow", "queued behind".into()).await.unwrap();
    let dropped = h.handle.interrupt("slow").await.unwrap();
    assert_eq!(dropped, 1);
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_eq!(rec.error, None);
    gate.release();
    // The process lives on and answers the next message.
    h.handle
        .send("slow", "are you there?".into())
        .await
        .unwrap();
    h.wait_for("fresh reply", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::Assistant { text } if text == "fresh reply"))
    })
    .await;
    let all = serde_json::to_string(&api.message_bodies()).unwrap();
    assert!(
        !all.contains("queued behind"),
        "the dropped message never reached the API"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn resume_in_a_new_process_carries_the_conversation() {
    let Some(claude) = real_claude_or_skip("resume_in_a_new_process_carries_the_conversation")
    else {
        return;
    };
    let api = FakeApi::start(vec![
        Rule::new(
            Matcher::LastTextContains("remember 4711".into()),
            Reply::text("Noted: 4711."),
        ),
        Rule::new(
            Matcher::LastTextContains("which number".into()),
            Reply::text("It was 4711."),
        ),
    ])
    .unwrap();
    let mut h = real_harness(claude, &api);
    let id = h
        .handle
        .spawn("memo".into(), spawn_opts("please remember 4711"))
        .await
        .unwrap();
    let first = h.wait_state(&id, AgentState::Done).await;
    let sid = first.session_id.clone().unwrap();
    h.handle.kill("memo").await.unwrap();
    h.wait_state(&id, AgentState::Killed).await;
    // A message to a stopped agent resumes it (`--resume=<sid>`) in a new process.
    h.handle
        .send("memo", "which number was it?".into())
        .await
        .unwrap();
    h.wait_for("answer", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::Assistant { text } if text == "It was 4711."))
    })
    .await;
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_eq!(
        rec.session_id.as_deref(),
        Some(sid.as_str()),
        "same session"
    );
    let last = serde_json::to_string(api.message_bodies().last().unwrap()).unwrap();
    assert!(
        last.contains("remember 4711") && last.contains("Noted: 4711."),
        "prior turns were sent again: {last}"
    );
    h.shutdown().await;
}
