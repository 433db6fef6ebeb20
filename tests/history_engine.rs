//! History actions at the engine level: `DeleteAgent` (fake agent over real pipes), and the
//! History `r` key's command (`EngineHandle::resume` of a past child) after a restart, on the
//! REAL Claude Code CLI against the fake Messages API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use common::{Harness, Options, spawn_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::{ClaudeCommand, EngineError, EngineEvent};
use patchfeld::store::paths::ProjectPaths;
use serde_json::json;
use support::fake_api::{FakeApi, Matcher, Reply, Rule, real_claude_or_skip};

#[tokio::test]
async fn delete_is_refused_while_live_and_removes_record_and_transcript_after() {
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [{"match": "*", "turns": [[{"text": "done here"}]]}]}),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("doomed".into(), spawn_opts("do something"))
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let paths = ProjectPaths::new(h.dir.path());
    let transcript = paths.transcript(&id);
    assert!(transcript.is_file(), "the turn was journaled");
    // Done, but its process is still up: refused, nothing removed.
    let err = h.handle.delete_agent("doomed").await.unwrap_err();
    assert!(
        matches!(&err, EngineError::Invalid(m) if m.contains("still running")),
        "{err:?}"
    );
    assert!(transcript.is_file());
    h.handle.kill("doomed").await.unwrap();
    h.wait_state(&id, AgentState::Killed).await;
    h.handle.delete_agent(id.as_str()).await.unwrap();
    h.wait_for(
        "deleted",
        |e| matches!(e, EngineEvent::AgentDeleted { agent_id } if *agent_id == id),
    )
    .await;
    assert!(!transcript.exists(), "transcript removed");
    // The name is unknown now.
    assert!(matches!(
        h.handle.delete_agent("doomed").await,
        Err(EngineError::UnknownAgent { .. })
    ));
    // (No orchestrator runs in this harness; either way it is never deleted.)
    assert!(h.handle.delete_agent("orchestrator").await.is_err());
    let dir = h.shutdown().await;
    let (records, _) = patchfeld::store::agents::load_agents(&ProjectPaths::new(dir.path()));
    assert!(
        records.iter().all(|r| r.id != id),
        "agents.json no longer lists it: {records:?}"
    );
}

fn real_harness_in(
    claude: std::path::PathBuf,
    api: &FakeApi,
    dir: tempfile::TempDir,
    records: Vec<patchfeld::core::agent::AgentRecord>,
) -> Harness {
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    Harness::start(
        json!({}),
        Options {
            dir: Some(dir),
            records,
            claude: Some(ClaudeCommand {
                program: claude,
                prefix_args: vec![],
                env: api.cli_env(&home),
            }),
            ..Default::default()
        },
    )
}

/// Quit, relaunch (records loaded and reconciled from agents.json as at boot), then what
/// History's `r` sends (`resume` of the past child by id) and a message: the API receives the
/// earlier conversation.
#[tokio::test]
async fn history_resume_after_restart_carries_the_conversation_on_the_real_cli() {
    let Some(claude) = real_claude_or_skip(
        "history_resume_after_restart_carries_the_conversation_on_the_real_cli",
    ) else {
        return;
    };
    let api = FakeApi::start(vec![
        Rule::new(
            Matcher::LastTextContains("remember the word kumquat".into()),
            Reply::text("Noted: kumquat."),
        ),
        Rule::new(
            Matcher::LastTextContains("which word".into()),
            Reply::text("It was kumquat."),
        ),
    ])
    .unwrap();
    // First life.
    let mut h = real_harness_in(
        claude.clone(),
        &api,
        tempfile::tempdir().unwrap(),
        Vec::new(),
    );
    let id = h
        .handle
        .spawn(
            "fruit".into(),
            spawn_opts("please remember the word kumquat"),
        )
        .await
        .unwrap();
    let first = h.wait_state(&id, AgentState::Done).await;
    let sid = first.session_id.clone().unwrap();
    let dir = h.shutdown().await;

    // Second life: boot as the app does.
    let paths = ProjectPaths::new(dir.path());
    let (mut records, notices) = patchfeld::store::agents::load_agents(&paths);
    assert!(notices.is_empty(), "{notices:?}");
    patchfeld::store::agents::reconcile_on_boot(&mut records, patchfeld::core::time::now());
    let past = records.iter().find(|r| r.id == id).unwrap().clone();
    assert!(past.state.is_settled(), "{past:?}");
    let mut h = real_harness_in(claude, &api, dir, records);
    let before = api.message_count();
    h.handle.resume(id.as_str()).await.unwrap();
    h.handle
        .send(id.as_str(), "which word was it?".into())
        .await
        .unwrap();
    h.wait_for("answer", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::Assistant { text } if text == "It was kumquat."))
    })
    .await;
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_eq!(
        rec.session_id.as_deref(),
        Some(sid.as_str()),
        "same session"
    );
    assert!(api.message_count() > before);
    let last = serde_json::to_string(api.message_bodies().last().unwrap()).unwrap();
    assert!(
        last.contains("remember the word kumquat") && last.contains("Noted: kumquat."),
        "the earlier conversation was sent again: {last}"
    );
    h.shutdown().await;
}
