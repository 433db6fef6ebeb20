//! Engine integration tests: the real engine driving the fake agent process over real pipes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Options, group_alive, spawn_opts, texts};
use patchfeld::core::agent::{AgentRecord, AgentState, PermissionMode, SpawnOptions};
use patchfeld::core::ids::AgentId;
use patchfeld::core::permission::Decision;
use patchfeld::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem};
use patchfeld::engine::{EngineError, EngineEvent};
use serde_json::json;

fn one_script(turns: serde_json::Value) -> serde_json::Value {
    json!({"version": 1, "model": "claude-fake-1", "scripts": [{"match": "*", "turns": turns}]})
}

#[tokio::test]
async fn spawn_runs_a_multi_block_turn_and_persists_it() {
    let mut h = Harness::start(
        one_script(json!([[
            {"text": "hello"},
            {"thinking": "hmm"},
            {"tool": "Read", "input": {"file_path": "a.txt"}, "result": "contents of a"},
            {"text": "bye"},
            {"usage": {"input_tokens": 100, "output_tokens": 20, "cost_usd": 0.5}}
        ]])),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("worker".into(), spawn_opts("do it"))
        .await
        .unwrap();
    assert!(AgentId::is_valid(id.as_str()) && id.as_str().len() == 12);
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_eq!(rec.cost_usd, 0.5);
    assert_eq!((rec.tokens_in, rec.tokens_out), (100, 20));
    assert!(rec.session_id.is_some(), "session id captured");
    assert_eq!(rec.model.as_deref(), Some("claude-fake-1"));

    let items = h.transcript(&id);
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| match i {
            TranscriptItem::User { .. } => "user",
            TranscriptItem::Assistant { .. } => "assistant",
            TranscriptItem::Thinking { .. } => "thinking",
            TranscriptItem::ToolUse { .. } => "tool_use",
            TranscriptItem::ToolResult { .. } => "tool_result",
            TranscriptItem::TurnEnd { .. } => "turn_end",
            TranscriptItem::Unknown { .. } => "unknown",
            TranscriptItem::Notice { .. } => "notice",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "user",
            "assistant",
            "thinking",
            "tool_use",
            "tool_result",
            "assistant",
            "turn_end"
        ]
    );
    assert!(items.contains(&TranscriptItem::ToolUse {
        id: match &items[3] {
            TranscriptItem::ToolUse { id, .. } => id.clone(),
            _ => unreachable!(),
        },
        name: "Read".into(),
        input: json!({"file_path": "a.txt"}),
    }));

    let dir = h.shutdown().await;
    // The transcript file holds the same entries, in full.
    let file = dir
        .path()
        .join(".patchfeld/transcripts")
        .join(format!("{id}.jsonl"));
    let lines: Vec<TranscriptEntry> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.iter().map(|e| e.item.clone()).collect::<Vec<_>>(),
        items
    );
    // agents.json has the final state.
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(".patchfeld/agents.json")).unwrap())
            .unwrap();
    assert_eq!(saved["version"], 1);
    let agent = saved["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap();
    assert_eq!(agent["state"], "done");
    assert_eq!(agent["spawn_options"]["prompt"], "do it");
}

#[tokio::test]
async fn messages_sent_during_a_turn_arrive_in_order_exactly_once() {
    // The first turn blocks on a permission, so the three sends surely queue behind it.
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [{"match": "*", "turns": [
            [{"tool": "Bash", "input": {"command": "make > log"}, "ask": true, "result": "ok"}],
            [{"echo": true}]
        ]}]}),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("q".into(), spawn_opts("start"))
        .await
        .unwrap();
    let req = match h
        .wait_for("permission", |e| {
            matches!(e, EngineEvent::PermissionRequested { .. })
        })
        .await
    {
        EngineEvent::PermissionRequested { request, .. } => request,
        _ => unreachable!(),
    };
    for m in ["one", "two", "three"] {
        h.handle.send(id.as_str(), m.into()).await.unwrap();
    }
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
    // Done only after all three queued turns ran.
    loop {
        h.wait_state(&id, AgentState::Done).await;
        let t = texts(&h.transcript(&id));
        if t.iter().filter(|x| x.starts_with("a:")).count() >= 3 {
            break;
        }
        h.wait_for("another update", |e| {
            matches!(e, EngineEvent::AgentUpdated(_))
        })
        .await;
    }
    let t = texts(&h.transcript(&id));
    let users: Vec<_> = t.iter().filter(|x| x.starts_with("u:")).collect();
    assert_eq!(users, ["u:start", "u:one", "u:two", "u:three"]);
    let echoes: Vec<_> = t.iter().filter(|x| x.starts_with("a:")).collect();
    assert_eq!(echoes.len(), 3, "{t:?}");
    for (e, m) in echoes.iter().zip(["one", "two", "three"]) {
        assert!(e.contains(m), "{e} should echo {m}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn interrupt_drops_queued_messages_and_ends_the_turn_cleanly() {
    let mut h = Harness::start(
        one_script(json!([[{"text": "working"}, {"wait_for_interrupt": true}], [{"echo": true}]])),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("long".into(), spawn_opts("go"))
        .await
        .unwrap();
    h.wait_for("first text", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::Assistant { text } if text == "working"))
    })
    .await;
    h.handle.send(id.as_str(), "later 1".into()).await.unwrap();
    h.handle.send(id.as_str(), "later 2".into()).await.unwrap();
    let dropped = h.handle.interrupt(id.as_str()).await.unwrap();
    assert_eq!(dropped, 2);
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_eq!(rec.error, None, "an interrupt is not a failure");
    let t = texts(&h.transcript(&id));
    assert!(
        !t.iter().any(|x| x.contains("later")),
        "dropped messages were never sent: {t:?}"
    );
    // The process lives on: the next message starts a new turn.
    h.handle.send(id.as_str(), "again".into()).await.unwrap();
    h.wait_for("echo of again", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::Assistant { text } if text.contains("again")))
    })
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn kill_stops_the_whole_process_group_and_marks_killed() {
    let mut h = Harness::start(
        one_script(json!([[{"text": "ready"}, {"wait_for_interrupt": true}]])),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("victim".into(), spawn_opts("go"))
        .await
        .unwrap();
    // Once it speaks, it has logged its argv.
    h.wait_for("ready", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::Assistant { .. }))
    })
    .await;
    let argv = h.argv();
    let pgid = argv[0]["pgid"].as_i64().unwrap() as i32;
    assert_eq!(
        argv[0]["pid"], argv[0]["pgid"],
        "child leads its own process group"
    );
    assert!(group_alive(pgid));
    h.handle.kill(id.as_str()).await.unwrap();
    assert!(!group_alive(pgid), "process group gone after kill returns");
    let rec = h.wait_state(&id, AgentState::Killed).await;
    assert_eq!(rec.error.as_deref(), Some("killed"));
    // Killing it again is a clear error.
    assert!(matches!(
        h.handle.kill(id.as_str()).await,
        Err(EngineError::NotLive(_))
    ));
    h.shutdown().await;
}

#[tokio::test]
async fn permission_pending_shows_awaiting_permission_and_restores_running() {
    let mut h = Harness::start(
        one_script(json!([[
            {"tool": "Bash", "input": {"command": "echo hi > out.txt"}, "ask": true, "result": "done"},
            {"wait_for_interrupt": true}
        ]])),
        Options::default(),
    );
    let id = h.handle.spawn("p".into(), spawn_opts("go")).await.unwrap();
    let (agent_name, req) = match h
        .wait_for("permission", |e| {
            matches!(e, EngineEvent::PermissionRequested { .. })
        })
        .await
    {
        EngineEvent::PermissionRequested {
            agent_name,
            request,
            ..
        } => (agent_name, request),
        _ => unreachable!(),
    };
    assert_eq!(agent_name, "p");
    assert_eq!(req.tool_name, "Bash");
    assert_eq!(req.input["command"], "echo hi > out.txt");
    h.wait_state(&id, AgentState::AwaitingPermission).await;
    h.handle
        .decide(
            id.clone(),
            req.request_id.clone(),
            Decision::Allow {
                updated_input: req.input.clone(),
            },
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Running).await;
    h.wait_for("tool result", |e| {
        matches!(e, EngineEvent::Transcript { entry, .. } if matches!(&entry.item, TranscriptItem::ToolResult { is_error: false, .. }))
    })
    .await;
    // Answering twice is refused precisely.
    let again = h
        .handle
        .decide(
            id.clone(),
            req.request_id,
            Decision::Allow {
                updated_input: json!({}),
            },
        )
        .await;
    assert!(
        matches!(again, Err(EngineError::UnknownRequest { .. })),
        "{again:?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn deny_gives_the_agent_an_error_result_and_the_turn_goes_on() {
    let mut h = Harness::start(
        one_script(json!([[
            {"tool": "Bash", "input": {"command": "rm -rf build > x"}, "ask": true, "result": "ran"},
            {"text": "ok, not doing that"}
        ]])),
        Options::default(),
    );
    let id = h.handle.spawn("d".into(), spawn_opts("go")).await.unwrap();
    let req = match h
        .wait_for("permission", |e| {
            matches!(e, EngineEvent::PermissionRequested { .. })
        })
        .await
    {
        EngineEvent::PermissionRequested { request, .. } => request,
        _ => unreachable!(),
    };
    h.handle
        .decide(
            id.clone(),
            req.request_id,
            Decision::Deny {
                message: "no thanks".into(),
                interrupt: false,
            },
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let items = h.transcript(&id);
    assert!(items.iter().any(|i| matches!(i,
        TranscriptItem::ToolResult { is_error: true, content, .. } if TranscriptItem::content_text(content).contains("no thanks"))));
    assert!(texts(&items).contains(&"a:ok, not doing that".to_owned()));
    h.shutdown().await;
}

#[tokio::test]
async fn ask_orchestrator_waits_and_gets_the_answer() {
    let mut h = Harness::start(
        one_script(json!([[
            {"mcp": {"server": "patchfeld_child", "tool": "ask_orchestrator", "arguments": {"question": "tabs or spaces?"}}},
            {"text": "thanks"}
        ]])),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("asker".into(), spawn_opts("go"))
        .await
        .unwrap();
    let (rid, question) = match h
        .wait_for("ask", |e| matches!(e, EngineEvent::AskRequested { .. }))
        .await
    {
        EngineEvent::AskRequested {
            request_id,
            question,
            ..
        } => (request_id, question),
        _ => unreachable!(),
    };
    assert_eq!(question, "tabs or spaces?");
    h.wait_state(&id, AgentState::Waiting).await;
    // An unknown request id is an error, not a silent success.
    let bad = h
        .handle
        .answer(
            "asker",
            patchfeld::core::ids::RequestId("nope".into()),
            "x".into(),
        )
        .await;
    assert!(matches!(bad, Err(EngineError::UnknownRequest { .. })));
    h.handle
        .answer("asker", rid, "spaces".into())
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let items = h.transcript(&id);
    assert!(items.iter().any(|i| matches!(i,
        TranscriptItem::ToolResult { is_error: false, content, .. } if TranscriptItem::content_text(content).contains("spaces"))));
    h.shutdown().await;
}

#[tokio::test]
async fn ask_orchestrator_times_out_with_an_explanation() {
    let mut h = Harness::start(
        one_script(json!([[
            {"mcp": {"server": "patchfeld_child", "tool": "ask_orchestrator", "arguments": {"question": "anyone?", "timeout_s": 1}}}
        ]])),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("lonely".into(), spawn_opts("go"))
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Waiting).await;
    let ev = h
        .wait_for("ask resolved", |e| {
            matches!(e, EngineEvent::AskResolved { .. })
        })
        .await;
    assert!(matches!(ev, EngineEvent::AskResolved { answer: None, .. }));
    h.wait_state(&id, AgentState::Done).await;
    assert!(h.transcript(&id).iter().any(|i| matches!(i,
        TranscriptItem::ToolResult { content, .. } if TranscriptItem::content_text(content).contains("No answer from the orchestrator within 1s"))));
    h.shutdown().await;
}

#[tokio::test]
async fn garbage_lines_are_shown_and_parsing_goes_on() {
    let mut h = Harness::start(
        one_script(json!([[{"garbage": "%%% not json"}, {"text": "still fine"}]])),
        Options::default(),
    );
    let id = h.handle.spawn("g".into(), spawn_opts("go")).await.unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let items = h.transcript(&id);
    assert!(items.iter().any(|i| matches!(i,
        TranscriptItem::Notice { level: NoticeLevel::Warning, text } if text.contains("%%% not json"))), "{items:?}");
    assert!(texts(&items).contains(&"a:still fine".to_owned()));
    h.shutdown().await;
}

#[tokio::test]
async fn a_crash_mid_turn_turns_the_agent_to_error_with_the_reason() {
    let mut h = Harness::start(
        one_script(
            json!([[{"text": "starting"}, {"stderr": "fatal: out of cheese"}, {"exit": 3}]]),
        ),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("crashy".into(), spawn_opts("go"))
        .await
        .unwrap();
    let rec = h.wait_state(&id, AgentState::Error).await;
    let err = rec.error.unwrap();
    assert!(
        err.contains("exited with code 3") && err.contains("out of cheese"),
        "{err}"
    );
    assert!(h.transcript(&id).iter().any(|i| matches!(i,
        TranscriptItem::Notice { level: NoticeLevel::Error, text } if text.contains("out of cheese"))));
    h.shutdown().await;
}

#[tokio::test]
async fn api_error_results_mark_the_agent_error_until_the_next_good_turn() {
    let mut h = Harness::start(
        one_script(json!([[{"error_result": "API Error: 500 boom"}], [{"text": "recovered"}]])),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("flaky".into(), spawn_opts("go"))
        .await
        .unwrap();
    let rec = h.wait_state(&id, AgentState::Error).await;
    assert!(rec.error.unwrap().contains("500 boom"));
    h.handle.send("flaky", "try again".into()).await.unwrap();
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_eq!(rec.error, None);
    h.shutdown().await;
}

#[tokio::test]
async fn a_missing_executable_is_a_clear_spawn_error() {
    let mut h = Harness::start(
        one_script(json!([[{"text": "x"}]])),
        Options {
            claude: Some(patchfeld::engine::ClaudeCommand::plain(
                "/nonexistent/claude",
            )),
            ..Default::default()
        },
    );
    let err = h
        .handle
        .spawn("nope".into(), spawn_opts("go"))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::SpawnFailed { .. }), "{err:?}");
    let ev = h
        .wait_for(
            "error record",
            |e| matches!(e, EngineEvent::AgentUpdated(r) if r.state == AgentState::Error),
        )
        .await;
    if let EngineEvent::AgentUpdated(r) = ev {
        assert!(r.error.unwrap().contains("/nonexistent/claude"));
    }
    h.shutdown().await;
}

fn past_record(
    id: &str,
    name: &str,
    session: &str,
    state: AgentState,
    cwd: &std::path::Path,
) -> AgentRecord {
    AgentRecord {
        id: AgentId(id.into()),
        name: name.into(),
        cwd: cwd.to_path_buf(),
        state,
        error: None,
        session_id: Some(session.into()),
        spawn_options: Some(SpawnOptions {
            prompt: "earlier".into(),
            cwd: Some(cwd.to_path_buf()),
            ..Default::default()
        }),
        model: None,
        cost_usd: 0.25,
        tokens_in: 10,
        tokens_out: 5,
        started_at: 1_700_000_000.0,
        ended_at: None,
        last_activity: None,
        archived: false,
        current_tool: None,
        worktree: None,
    }
}

#[tokio::test]
async fn resume_passes_the_session_and_continues_the_conversation() {
    // First life: a normal run that the fake agent remembers in its sessions dir.
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [
            {"match": "remember", "turns": [[{"text": "noted"}], [{"say_history": true}]]}
        ]}),
        Options::default(),
    );
    let id = h
        .handle
        .spawn("mem".into(), spawn_opts("remember 42"))
        .await
        .unwrap();
    let first = h.wait_state(&id, AgentState::Done).await;
    let sid = first.session_id.clone().unwrap();
    let dir = h.shutdown().await;

    // Second life: boot reconciliation marks the running record as error, then a message resumes it.
    let mut rec = first.clone();
    rec.state = AgentState::Running;
    let mut records = vec![rec];
    assert!(patchfeld::store::agents::reconcile_on_boot(
        &mut records,
        1.0
    ));
    assert_eq!(records[0].state, AgentState::Error);
    assert_eq!(
        records[0].error.as_deref(),
        Some("app exited while running")
    );
    let scenario: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("scenario.json")).unwrap()).unwrap();
    let mut h = Harness::start(
        scenario,
        Options {
            records,
            dir: Some(dir),
            ..Default::default()
        },
    );
    h.handle
        .send("mem", "what did I say?".into())
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let argv = h.argv();
    let last = argv.last().unwrap()["args"].as_array().unwrap().clone();
    assert!(
        last.iter().any(|a| a == &json!(format!("--resume={sid}"))),
        "{last:?}"
    );
    let t = texts(&h.transcript(&id));
    let history = t
        .iter()
        .find(|x| x.starts_with("a:history"))
        .unwrap_or_else(|| panic!("{t:?}"));
    assert!(history.contains("remember 42"), "{history}");
    // Cost keeps accumulating across lives.
    assert!(h.last_record(&id).unwrap().cost_usd > first.cost_usd);
    h.shutdown().await;
}

#[tokio::test]
async fn resuming_an_unknown_session_reports_the_cli_error() {
    let dir = tempfile::tempdir().unwrap();
    let records = vec![past_record(
        "0123456789ab",
        "ghost",
        "no-such-session",
        AgentState::Done,
        dir.path(),
    )];
    let mut h = Harness::start(
        one_script(json!([[{"text": "x"}]])),
        Options {
            records,
            dir: Some(dir),
            ..Default::default()
        },
    );
    let id = AgentId("0123456789ab".into());
    h.handle.send("ghost", "hello?".into()).await.unwrap();
    let rec = h.wait_state(&id, AgentState::Error).await;
    assert!(rec.error.unwrap().contains("No conversation found"));
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_agents_get_an_error_listing_known_names() {
    let dir = tempfile::tempdir().unwrap();
    let records = vec![past_record(
        "0123456789ab",
        "builder",
        "s1",
        AgentState::Done,
        dir.path(),
    )];
    let h = Harness::start(
        one_script(json!([[{"text": "x"}]])),
        Options {
            records,
            dir: Some(dir),
            ..Default::default()
        },
    );
    let err = h.handle.send("nobody", "hi".into()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("nobody") && text.contains("builder"),
        "{text}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn orchestrator_spawns_children_and_hears_their_notifications() {
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [
            {"match": "spawn a helper", "turns": [
                [{"mcp": {"server": "patchfeld", "tool": "spawn_agent", "arguments": {"name": "helper", "prompt": "child task"}}},
                 {"text": "spawned"}],
                [{"echo": true}]
            ]},
            {"match": "child task", "turns": [[
                {"mcp": {"server": "patchfeld_child", "tool": "notify_orchestrator", "arguments": {"message": "all done"}}}
            ]]}
        ]}),
        Options {
            orchestrator: true,
            ..Default::default()
        },
    );
    let orch = AgentId::orchestrator();
    h.handle
        .send("orchestrator", "please spawn a helper".into())
        .await
        .unwrap();
    let child = match h
        .wait_for(
            "child spawned",
            |e| matches!(e, EngineEvent::AgentUpdated(r) if r.name == "helper"),
        )
        .await
    {
        EngineEvent::AgentUpdated(r) => r.id,
        _ => unreachable!(),
    };
    h.wait_for(
        "notification",
        |e| matches!(e, EngineEvent::Notified { message, .. } if message == "all done"),
    )
    .await;
    // The orchestrator got it as a message and answered.
    h.wait_for("orchestrator echo", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &orch
            && matches!(&entry.item, TranscriptItem::Assistant { text } if text.contains("[helper → orchestrator] all done")))
    })
    .await;
    let orch_items = h.transcript(&orch);
    assert!(orch_items.iter().any(|i| matches!(i,
        TranscriptItem::ToolResult { content, .. } if TranscriptItem::content_text(content).contains(&format!("id {child}")))));
    h.shutdown().await;
}

#[tokio::test]
async fn orchestrator_falls_back_to_a_fresh_session_when_resume_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut orch = past_record(
        "orchestrator",
        "orchestrator",
        "vanished-session",
        AgentState::Done,
        dir.path(),
    );
    orch.spawn_options = Some(SpawnOptions::default());
    let mut h = Harness::start(
        one_script(json!([[{"echo": true}]])),
        Options {
            orchestrator: true,
            records: vec![orch],
            dir: Some(dir),
            ..Default::default()
        },
    );
    let id = AgentId::orchestrator();
    h.handle
        .send("orchestrator", "hello there".into())
        .await
        .unwrap();
    h.wait_for("answer in a fresh session", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &id
            && matches!(&entry.item, TranscriptItem::Assistant { text } if text.contains("hello there")))
    })
    .await;
    let rec = h.wait_state(&id, AgentState::Done).await;
    assert_ne!(rec.session_id.as_deref(), Some("vanished-session"));
    assert!(h.transcript(&id).iter().any(|i| matches!(i,
        TranscriptItem::Notice { level: NoticeLevel::Warning, text } if text.contains("could not resume"))));
    let argv = h.argv();
    assert!(
        argv[0]["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--resume=vanished-session")
    );
    assert!(
        argv[1]["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().is_some_and(|s| s.starts_with("--session-id=")))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn permission_mode_switch_reports_the_clis_answer_as_a_typed_event() {
    let mut h = Harness::start(
        one_script(json!([[{"echo": true}]])),
        Options {
            orchestrator: true,
            ..Default::default()
        },
    );
    let orch = AgentId::orchestrator();
    h.handle.send("orchestrator", "hello".into()).await.unwrap();
    h.wait_state(&orch, AgentState::Idle).await;
    // Like the real CLI, the fake refuses bypass unless launched with the dangerous flag.
    h.handle
        .set_permission_mode(None, PermissionMode::BypassPermissions)
        .await
        .unwrap();
    match h
        .wait_for("bypass answer", |e| {
            matches!(e, EngineEvent::PermissionModeChanged { .. })
        })
        .await
    {
        EngineEvent::PermissionModeChanged {
            agent_id,
            mode,
            result,
        } => {
            assert_eq!(agent_id, orch);
            assert_eq!(mode, PermissionMode::BypassPermissions);
            let err = result.unwrap_err();
            assert!(err.contains("dangerously-skip-permissions"), "{err}");
        }
        _ => unreachable!(),
    }
    h.handle
        .set_permission_mode(None, PermissionMode::AcceptEdits)
        .await
        .unwrap();
    match h
        .wait_for("acceptEdits answer", |e| {
            matches!(e, EngineEvent::PermissionModeChanged { .. })
        })
        .await
    {
        EngineEvent::PermissionModeChanged { mode, result, .. } => {
            assert_eq!(mode, PermissionMode::AcceptEdits);
            assert_eq!(result, Ok(()));
        }
        _ => unreachable!(),
    }
    h.shutdown().await;
}

/// Quitting with an idle orchestrator, a finished child and a child hung mid-turn that
/// ignores SIGTERM (agents.json is now written while they are being stopped): when `shutdown`
/// returns, no process group is left and agents.json holds every final state.
#[tokio::test]
async fn quitting_returns_with_every_child_gone_and_the_final_states_saved() {
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [
            {"match": "HANG", "turns": [[{"text": "before"}, {"hang_control": true}]]},
            {"match": "*", "turns": [[{"text": "finished"}]]}
        ]}),
        Options {
            orchestrator: true,
            ..Options::default()
        },
    );
    let orch = AgentId::orchestrator();
    let done = h
        .handle
        .spawn("done".into(), spawn_opts("finish"))
        .await
        .unwrap();
    let hung = h
        .handle
        .spawn("hung".into(), spawn_opts("HANG now"))
        .await
        .unwrap();
    // First: the waits for states look back at what was seen, this one does not.
    h.wait_for("the hung turn to be under way", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. }
            if agent_id == &hung && entry.item == TranscriptItem::Assistant { text: "before".into() })
    })
    .await;
    h.wait_state(&done, AgentState::Done).await;
    h.wait_state(&orch, AgentState::Idle).await;
    let pgids = h.child_groups();
    assert_eq!(pgids.len(), 3, "{:?}", h.argv());
    tokio::time::timeout(common::WAIT, h.handle.shutdown())
        .await
        .expect("shutdown timed out");
    for g in &pgids {
        assert!(!group_alive(*g), "process group {g} outlived the shutdown");
    }
    let (saved, _) = patchfeld::store::agents::load_agents(
        &patchfeld::store::paths::ProjectPaths::new(h.dir.path()),
    );
    let state = |id: &AgentId| saved.iter().find(|r| &r.id == id).map(|r| r.state);
    assert_eq!(state(&orch), Some(AgentState::Done));
    assert_eq!(state(&done), Some(AgentState::Done));
    assert_eq!(state(&hung), Some(AgentState::Error));
    let hung_rec = saved.iter().find(|r| r.id == hung).unwrap();
    assert_eq!(hung_rec.error.as_deref(), Some("app exited while running"));
}
