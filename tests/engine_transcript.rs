//! `EngineCommand::LoadTranscript` against the real engine and the fake agent over real pipes:
//! an agent streams 5 000 messages; the reply holds its whole transcript (beyond any UI cap), by
//! id or name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Options, spawn_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::engine::EngineError;
use serde_json::json;

#[tokio::test]
async fn load_transcript_returns_a_childs_full_transcript() {
    let blocks: Vec<serde_json::Value> = (0..5000)
        .map(|i| json!({"text": format!("block {i}")}))
        .chain([json!({"tool": "Bash", "input": {"command": "ls"}, "result": "a\nb"})])
        .collect();
    let mut h = Harness::start(
        json!({"version": 1, "model": "claude-fake-1",
               "scripts": [{"match": "*", "turns": [blocks]}]}),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("loader".into(), spawn_opts("go"))
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let streamed = h.transcript(&id);
    assert!(streamed.len() > 5000, "{}", streamed.len());

    let by_id = h.handle.load_transcript(id.as_str()).await.unwrap();
    let items: Vec<_> = by_id.iter().map(|e| e.item.clone()).collect();
    assert_eq!(items, streamed, "every entry, in order, in full");
    let by_name = h.handle.load_transcript("loader").await.unwrap();
    assert_eq!(by_name, by_id);

    match h.handle.load_transcript("nobody").await {
        Err(EngineError::UnknownAgent { known, .. }) => assert!(known.contains("loader")),
        other => panic!("expected UnknownAgent, got {other:?}"),
    }
    h.shutdown().await;
}
