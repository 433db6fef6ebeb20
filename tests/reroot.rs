//! Config agent defaults reaching the CLI, and re-rooting the engine at another project
//! (`EngineCommand::Reroot`, the orchestrator's `change_cwd`), with the fake agent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Options, spawn_opts};
use patchfeld::core::agent::{AgentRecord, AgentState, PermissionMode, SpawnOptions};
use patchfeld::core::ids::AgentId;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::{AgentDefaults, EngineEvent, LiveSettings, RerootOutcome};
use patchfeld::store::paths::ProjectPaths;
use serde_json::{Value, json};
use std::time::Duration;

fn arg_after<'a>(argv: &'a Value, flag: &str) -> Option<&'a str> {
    let args = argv["args"].as_array()?;
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1)?.as_str()
}

fn argv_of_prompt(h: &[Value], n: usize) -> &Value {
    &h[n]
}

#[tokio::test]
async fn config_defaults_reach_the_cli_unless_the_spawn_names_its_own() {
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [{"match": "*", "turns": [[{"text": "ok"}]]}]}),
        Options {
            agent_defaults: AgentDefaults {
                model: Some("claude-haiku-9".into()),
                permission_mode: Some(PermissionMode::Plan),
                allowed_tools: vec!["Read".into(), "Bash(ls:*)".into()],
                disallowed_tools: vec!["WebFetch".into()],
                worktree_setup: String::new(),
            },
            ..Default::default()
        },
    );
    let a = h
        .handle
        .spawn("plain".into(), spawn_opts("task a"))
        .await
        .unwrap();
    h.wait_state(&a, AgentState::Done).await;
    let b = h
        .handle
        .spawn(
            "explicit".into(),
            SpawnOptions {
                prompt: "task b".into(),
                model: Some("opus".into()),
                permission_mode: Some(PermissionMode::AcceptEdits),
                disallowed_tools: Some(Vec::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.wait_state(&b, AgentState::Done).await;
    let argv = h.argv();
    assert_eq!(argv.len(), 2, "{argv:#?}");
    let plain = argv_of_prompt(&argv, 0);
    assert_eq!(arg_after(plain, "--model"), Some("claude-haiku-9"));
    assert_eq!(arg_after(plain, "--permission-mode"), Some("plan"));
    let allowed = arg_after(plain, "--allowedTools").unwrap();
    assert!(
        allowed.contains("Read") && allowed.contains("Bash(ls:*)"),
        "{allowed}"
    );
    assert_eq!(arg_after(plain, "--disallowedTools"), Some("WebFetch"));
    let explicit = argv_of_prompt(&argv, 1);
    assert_eq!(arg_after(explicit, "--model"), Some("opus"));
    assert_eq!(
        arg_after(explicit, "--permission-mode"),
        Some("acceptEdits")
    );
    // An explicit empty list wins over the default.
    assert_eq!(arg_after(explicit, "--disallowedTools"), None);
    // The record keeps them, so a resume passes the same flags.
    let rec = h.last_record(&a).unwrap();
    assert_eq!(
        rec.spawn_options.unwrap().model.as_deref(),
        Some("claude-haiku-9")
    );

    // set_config's path: new defaults apply to the next spawn.
    h.handle.configure(LiveSettings {
        defaults: AgentDefaults {
            model: Some("claude-sonnet-7".into()),
            ..Default::default()
        },
        permission_timeout: Duration::from_secs(60),
    });
    let c = h
        .handle
        .spawn("later".into(), spawn_opts("task c"))
        .await
        .unwrap();
    h.wait_state(&c, AgentState::Done).await;
    let argv = h.argv();
    assert_eq!(arg_after(&argv[2], "--model"), Some("claude-sonnet-7"));
    assert_eq!(arg_after(&argv[2], "--permission-mode"), None);
    h.shutdown().await;
}

fn record_in(dir: &std::path::Path, id: &str, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord {
        id: AgentId(id.into()),
        name: name.into(),
        cwd: dir.to_path_buf(),
        state,
        error: None,
        session_id: Some(format!("{id}-session")),
        spawn_options: Some(SpawnOptions {
            prompt: "earlier".into(),
            ..Default::default()
        }),
        model: None,
        cost_usd: 0.0,
        tokens_in: 0,
        tokens_out: 0,
        started_at: 1_700_000_000.0,
        ended_at: None,
        last_activity: None,
        archived: false,
        current_tool: None,
        worktree: None,
    }
}

#[tokio::test]
async fn reroot_refuses_with_live_children_then_switches_after_the_tool_reply() {
    let other = tempfile::tempdir().unwrap();
    let other_dir = std::fs::canonicalize(other.path()).unwrap();
    let other_paths = ProjectPaths::new(&other_dir);
    // The other project: one agent that was running when its app died, one orchestrator session.
    patchfeld::store::agents::save_agents(
        &other_paths,
        &[record_in(
            &other_dir,
            "0123456789ab",
            "old-builder",
            AgentState::Running,
        )],
    )
    .unwrap();
    patchfeld::store::sessions::save_sessions(
        &other_paths,
        &[patchfeld::store::sessions::SessionEntry::new(
            "other-project-session",
            1_700_000_100.0,
        )],
    )
    .unwrap();
    let target = other_dir.display().to_string();
    let change = json!({"mcp": {"server": "patchfeld", "tool": "change_cwd", "arguments": {"path": target}}});
    let mut h = Harness::start(
        json!({"version": 1, "scripts": [
            {"match": "switch", "turns": [[change.clone(), {"text": "refused"}], [change, {"text": "switched"}]]},
            {"match": "child work", "turns": [[{"text": "working"}, {"wait_for_interrupt": true}]]}
        ]}),
        Options {
            orchestrator: true,
            ..Default::default()
        },
    );
    let orch = AgentId::orchestrator();
    let worker = h
        .handle
        .spawn("worker".into(), spawn_opts("child work"))
        .await
        .unwrap();
    h.wait_state(&worker, AgentState::Running).await;

    // Refused from the UI path while `worker` is live, naming it.
    let err = h
        .handle
        .reroot(target.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("worker") && err.contains("running"), "{err}");
    // A bad path is refused precisely; the current one is "unchanged".
    let err = h
        .handle
        .reroot("/no/such/dir".into())
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(err, "no such directory: /no/such/dir");
    assert_eq!(
        h.handle.reroot(".".into()).await.unwrap(),
        RerootOutcome::Unchanged(h.dir.path().to_path_buf())
    );

    // Refused from the tool too: the orchestrator gets an error naming the child.
    h.handle
        .send("orchestrator", "switch please".into())
        .await
        .unwrap();
    h.wait_for("refusal", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &orch
            && matches!(&entry.item, TranscriptItem::ToolResult { content, is_error: true, .. }
                if content.to_string().contains("worker")))
    })
    .await;
    h.wait_for("the refused turn to end", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &orch
            && matches!(&entry.item, TranscriptItem::TurnEnd { .. }))
    })
    .await;

    h.handle.kill("worker").await.unwrap();
    h.wait_state(&worker, AgentState::Killed).await;
    let processes_before = h.argv().len();
    h.handle
        .send("orchestrator", "switch now".into())
        .await
        .unwrap();
    let rerooted = h
        .wait_for("rerooted", |e| matches!(e, EngineEvent::Rerooted { .. }))
        .await;
    // The reply reached the old orchestrator before the switch.
    let reply_pos = h.seen.iter().position(|e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &orch
            && matches!(&entry.item, TranscriptItem::ToolResult { content, is_error: false, .. }
                if content.to_string().contains("Switching the project directory to")))
    });
    let rerooted_pos = h.seen.len() - 1;
    assert!(
        reply_pos.is_some_and(|p| p < rerooted_pos),
        "tool reply not before the switch: {:#?}",
        h.seen
    );
    let EngineEvent::Rerooted { cwd, agents } = rerooted else {
        unreachable!()
    };
    assert_eq!(cwd, other_dir);
    // The new project's agents, reconciled: the dead "running" one is an error now.
    let old = agents.iter().find(|r| r.name == "old-builder").unwrap();
    assert_eq!(old.state, AgentState::Error);
    assert!(!agents.iter().any(|r| r.name == "worker"));

    // The orchestrator restarts in the new dir, resuming that project's latest session.
    h.wait_for("new orchestrator record", |e| {
        matches!(e, EngineEvent::AgentUpdated(r) if r.id.is_orchestrator() && r.cwd == other_dir)
    })
    .await;
    let deadline = tokio::time::Instant::now() + common::WAIT;
    let argv = loop {
        let argv = h.argv();
        if argv.len() > processes_before || tokio::time::Instant::now() > deadline {
            break argv;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let last = argv.last().unwrap();
    assert_eq!(
        last["cwd"].as_str(),
        Some(other_dir.to_str().unwrap()),
        "{last}"
    );
    let args: Vec<&str> = last["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(args.contains(&"--resume=other-project-session"), "{args:?}");

    // Spawns now default to the new project dir; the old agents.json kept `worker`.
    let (old_agents, _) = patchfeld::store::agents::load_agents(&ProjectPaths::new(h.dir.path()));
    assert!(old_agents.iter().any(|r| r.name == "worker"));
    h.shutdown().await;
}
