//! The orchestrator on the REAL Claude Code CLI against a fake Messages API: it spawns a
//! child through `mcp__patchfeld__spawn_agent`, lists it, reads its transcript, answers its
//! `ask_orchestrator`; and a relaunch resumes the orchestrator's session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use common::{Harness, Options};
use patchfeld::core::agent::AgentState;
use patchfeld::core::ids::AgentId;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::{ClaudeCommand, EngineEvent};
use serde_json::json;
use support::fake_api::{FakeApi, Matcher, Reply, Rule, last_user_text, real_claude_or_skip};

fn orchestrator_harness(
    claude: std::path::PathBuf,
    api: &FakeApi,
    dir: tempfile::TempDir,
) -> Harness {
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
            orchestrator: true,
            ..Default::default()
        },
    )
}

fn tool(name: &str, input: serde_json::Value) -> Reply {
    Reply::tool_use(name, input)
}

#[tokio::test]
async fn orchestrator_spawns_lists_reads_and_answers_a_child() {
    let Some(claude) = real_claude_or_skip("orchestrator_spawns_lists_reads_and_answers_a_child")
    else {
        return;
    };
    let api = FakeApi::start(vec![
        // Child: asks, then thanks once the answer arrives.
        Rule::new(
            Matcher::LastToolResultContains("blue".into()),
            Reply::text("thanks, blue it is"),
        ),
        Rule::new(
            Matcher::LastTextContains("child task".into()),
            tool(
                "mcp__patchfeld_child__ask_orchestrator",
                json!({"question": "which colour?"}),
            ),
        ),
        // Orchestrator.
        Rule::new(
            Matcher::LastTextContains("please spawn a researcher".into()),
            tool(
                "mcp__patchfeld__spawn_agent",
                json!({"name": "researcher", "prompt": "child task: pick a colour"}),
            ),
        ),
        Rule::new(
            Matcher::LastToolResultContains("spawned researcher".into()),
            tool("mcp__patchfeld__list_agents", json!({})),
        ),
        Rule::new(
            Matcher::LastToolResultContains("\"name\": \"researcher\"".into()),
            tool(
                "mcp__patchfeld__read_agent_transcript",
                json!({"agent": "researcher", "tail": 5}),
            ),
        ),
        Rule::new(
            Matcher::LastToolResultContains("last ".into()),
            Reply::text("listed and read"),
        ),
        Rule::dynamic(Matcher::LastTextContains("asks, request".into()), |body| {
            let text = last_user_text(body);
            let rid: String = text
                .split("request ")
                .nth(1)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            tool(
                "mcp__patchfeld__respond_to_agent_request",
                json!({"agent": "researcher", "request_id": rid, "response": "blue"}),
            )
        }),
        Rule::new(
            Matcher::LastToolResultContains("answer delivered".into()),
            Reply::text("answered"),
        ),
    ])
    .unwrap();
    let mut h = orchestrator_harness(claude, &api, tempfile::tempdir().unwrap());
    h.handle
        .send("orchestrator", "please spawn a researcher".into())
        .await
        .unwrap();
    let child = match h
        .wait_for(
            "child",
            |e| matches!(e, EngineEvent::AgentUpdated(r) if r.name == "researcher"),
        )
        .await
    {
        EngineEvent::AgentUpdated(r) => r,
        _ => unreachable!(),
    };
    assert_eq!(child.prompt(), Some("child task: pick a colour"));
    h.wait_for(
        "ask",
        |e| matches!(e, EngineEvent::AskRequested { question, .. } if question == "which colour?"),
    )
    .await;
    h.wait_for(
        "answer",
        |e| matches!(e, EngineEvent::AskResolved { answer: Some(a), .. } if a == "blue"),
    )
    .await;
    h.wait_for("child thanks", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &child.id
            && matches!(&entry.item, TranscriptItem::Assistant { text } if text == "thanks, blue it is"))
    })
    .await;
    // The orchestrator's reply to the tool result "answer delivered": the fake API has the
    // request carrying it once this is seen (the child's thanks can come first or later).
    let answered = |e: &EngineEvent| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id.is_orchestrator()
            && matches!(&entry.item, TranscriptItem::Assistant { text } if text == "answered"))
    };
    if !h.seen.iter().any(answered) {
        h.wait_for("orchestrator answered", answered).await;
    }
    // What the tools returned, as the model saw it.
    let all = serde_json::to_string(&api.message_bodies()).unwrap();
    assert!(
        all.contains(&format!("spawned researcher with id {}", child.id)),
        "spawn result"
    );
    assert!(
        all.contains("\\\"name\\\": \\\"researcher\\\""),
        "list_agents JSON lists the child"
    );
    assert!(
        all.contains("child task: pick a colour"),
        "read_agent_transcript returns the child's prompt"
    );
    assert!(all.contains("answer delivered"));
    // The orchestrator's own tools never prompted.
    assert!(
        !h.seen
            .iter()
            .any(|e| matches!(e, EngineEvent::PermissionRequested { .. }))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn relaunch_resumes_the_last_orchestrator_session() {
    let Some(claude) = real_claude_or_skip("relaunch_resumes_the_last_orchestrator_session") else {
        return;
    };
    let api = FakeApi::start(vec![
        Rule::new(
            Matcher::LastTextContains("my name is Ada".into()),
            Reply::text("Hello Ada."),
        ),
        Rule::new(
            Matcher::LastTextContains("what is my name".into()),
            Reply::text("You are Ada."),
        ),
    ])
    .unwrap();
    let orch = AgentId::orchestrator();
    let mut h = orchestrator_harness(claude.clone(), &api, tempfile::tempdir().unwrap());
    h.handle
        .send("orchestrator", "my name is Ada".into())
        .await
        .unwrap();
    let first = h.wait_state(&orch, AgentState::Done).await;
    let dir = h.shutdown().await;

    let mut h = orchestrator_harness(claude, &api, dir);
    // The chat is re-rendered from the session journal.
    let replay = h
        .wait_for("journal replay", |e| {
            matches!(e, EngineEvent::TranscriptLoaded { .. })
        })
        .await;
    if let EngineEvent::TranscriptLoaded { entries, .. } = replay {
        assert!(entries.iter().any(
            |e| matches!(&e.item, TranscriptItem::Assistant { text } if text == "Hello Ada.")
        ));
    }
    h.handle
        .send("orchestrator", "what is my name?".into())
        .await
        .unwrap();
    let rec = h.wait_state(&orch, AgentState::Done).await;
    assert_eq!(rec.session_id, first.session_id, "same session resumed");
    let last = serde_json::to_string(api.message_bodies().last().unwrap()).unwrap();
    assert!(
        last.contains("my name is Ada") && last.contains("Hello Ada."),
        "earlier messages sent again"
    );
    h.shutdown().await;
}
