//! Permission rules in the engine, against the fake agent over real pipes: rules answer
//! without prompting, answers reach the CLI, timeouts, batch resolution by a new rule, and
//! grant files that persist, reload, and fail safe when corrupt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Options, spawn_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::core::ids::AgentId;
use patchfeld::core::permission::{
    Behavior, Decision, PermissionContext, PermissionRequest, RuleDraft, RuleSource,
    parse_rule_list,
};
use patchfeld::core::transcript::{TranscriptItem, one_line};
use patchfeld::engine::EngineEvent;
use serde_json::{Value, json};
use std::time::Duration;

fn one_script(turns: Value) -> Value {
    json!({"version": 1, "model": "claude-fake-1", "scripts": [{"match": "*", "turns": turns}]})
}

/// One turn: a Bash call that asks, then a closing text.
fn bash_turn(cmd: &str) -> Value {
    one_script(json!([[
        {"tool": "Bash", "input": {"command": cmd}, "ask": true, "result": "ran"},
        {"text": "finished"}
    ]]))
}

fn draft(rules: &str, behavior: Behavior, source: RuleSource) -> RuleDraft {
    RuleDraft {
        patterns: parse_rule_list(rules).unwrap(),
        behavior,
        scope: "*".into(),
        source,
        expires_at: None,
        created_by: "test".into(),
    }
}

async fn next_request(h: &mut Harness) -> (AgentId, PermissionRequest) {
    match h
        .wait_for("permission request", |e| {
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

fn asked(h: &Harness) -> usize {
    h.seen
        .iter()
        .filter(|e| matches!(e, EngineEvent::PermissionRequested { .. }))
        .count()
}

fn tool_results(h: &Harness, id: &AgentId) -> Vec<(bool, String)> {
    h.transcript(id)
        .into_iter()
        .filter_map(|i| match i {
            TranscriptItem::ToolResult {
                is_error, content, ..
            } => Some((is_error, TranscriptItem::content_text(&content))),
            _ => None,
        })
        .collect()
}

fn notices(h: &Harness, id: &AgentId) -> Vec<String> {
    h.transcript(id)
        .into_iter()
        .filter_map(|i| match i {
            TranscriptItem::Notice { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_allow_rule_answers_without_prompting_and_counts_the_hit() {
    let mut h = Harness::start(bash_turn("echo hi > out.txt"), Options::default());
    let saved = h
        .handle
        .add_rules(draft(
            "Bash(echo hi *), Edit(/out.txt)",
            Behavior::Allow,
            RuleSource::Session,
        ))
        .await
        .unwrap();
    assert_eq!(saved.len(), 2);
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    h.wait_state(&id, AgentState::Done).await;
    assert_eq!(asked(&h), 0, "a rule decided it: no prompt");
    assert_eq!(tool_results(&h, &id), [(false, "ran".to_owned())]);
    assert!(
        notices(&h, &id)
            .iter()
            .any(|n| n == "Bash allowed by rule Bash(echo hi *) + Edit(/out.txt)"),
        "{:?}",
        notices(&h, &id)
    );
    let rules = h.handle.rules().await.unwrap();
    assert!(rules.iter().all(|r| r.hits == 1), "{rules:#?}");
    h.shutdown().await;
}

#[tokio::test]
async fn a_partial_allow_still_prompts_and_names_the_part() {
    let mut h = Harness::start(bash_turn("npm test && curl x | sh"), Options::default());
    h.handle
        .add_rules(draft(
            "Bash(npm test)",
            Behavior::Allow,
            RuleSource::Session,
        ))
        .await
        .unwrap();
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    let (_, req) = next_request(&mut h).await;
    let ctx = match h
        .wait_for("context", |e| {
            matches!(e, EngineEvent::PermissionContext { .. })
        })
        .await
    {
        EngineEvent::PermissionContext {
            request_id,
            context,
            ..
        } => {
            assert_eq!(request_id, req.request_id);
            context
        }
        _ => unreachable!(),
    };
    assert_eq!(ctx.part.as_deref(), Some("curl x"));
    assert!(ctx.reason.contains("part 2 of 3"), "{}", ctx.reason);
    assert_eq!(ctx.proposal, "Bash(curl x), Bash(sh)");
    assert_eq!(ctx.cwd, h.dir.path().display().to_string());
    h.handle.kill(id.as_str()).await.unwrap();
    h.shutdown().await;
}

#[tokio::test]
async fn a_deny_rule_denies_with_a_message_naming_the_rule() {
    let mut h = Harness::start(bash_turn("ls && sudo rm -rf build"), Options::default());
    h.handle
        .add_rules(draft("Bash", Behavior::Allow, RuleSource::Session))
        .await
        .unwrap();
    h.handle
        .add_rules(draft("Bash(rm:*)", Behavior::Deny, RuleSource::Session))
        .await
        .unwrap();
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    h.wait_state(&id, AgentState::Done).await;
    assert_eq!(asked(&h), 0);
    let results = tool_results(&h, &id);
    assert_eq!(results.len(), 1);
    assert!(results[0].0, "an error result");
    assert!(
        results[0]
            .1
            .contains("Denied by the permission rule `Bash(rm:*)`")
            && results[0].1.contains("sudo rm -rf build"),
        "{}",
        results[0].1
    );
    // The turn went on (deny, not interrupt).
    assert!(
        h.transcript(&id)
            .iter()
            .any(|i| matches!(i, TranscriptItem::Assistant { text } if text == "finished"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn allow_with_an_edited_input_runs_the_edited_input() {
    let mut h = Harness::start(bash_turn("rm -rf /"), Options::default());
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    let (_, req) = next_request(&mut h).await;
    h.handle
        .decide(
            id.clone(),
            req.request_id,
            Decision::Allow {
                updated_input: json!({"command": "rm -rf ./build"}),
            },
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let results = tool_results(&h, &id);
    assert!(
        results[0].1.contains("rm -rf ./build") && !results[0].0,
        "{results:?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_request_times_out_as_a_deny_with_an_explanation() {
    let mut h = Harness::start(
        bash_turn("make deploy"),
        Options {
            permission_timeout: Some(Duration::from_secs(1)),
            ..Default::default()
        },
    );
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    let (_, req) = next_request(&mut h).await;
    h.wait_state(&id, AgentState::AwaitingPermission).await;
    let ev = h
        .wait_for("timeout", |e| {
            matches!(e, EngineEvent::PermissionResolved { .. })
        })
        .await;
    assert!(
        matches!(&ev, EngineEvent::PermissionResolved { request_id, outcome, .. }
            if *request_id == req.request_id && outcome == "timed out"),
        "{ev:?}"
    );
    h.wait_state(&id, AgentState::Done).await;
    let results = tool_results(&h, &id);
    assert!(
        results[0].0
            && results[0]
                .1
                .contains("timed out: nobody answered within 1 seconds"),
        "{results:?}"
    );
    // Answering after the timeout is refused.
    assert!(
        h.handle
            .decide(
                id.clone(),
                req.request_id,
                Decision::Allow {
                    updated_input: json!({})
                }
            )
            .await
            .is_err()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn interrupt_cancels_a_pending_request() {
    let mut h = Harness::start(bash_turn("make deploy"), Options::default());
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    let (_, req) = next_request(&mut h).await;
    h.handle.interrupt(id.as_str()).await.unwrap();
    let ev = h
        .wait_for("cancel", |e| {
            matches!(e, EngineEvent::PermissionResolved { .. })
        })
        .await;
    assert!(
        matches!(&ev, EngineEvent::PermissionResolved { request_id, outcome, .. }
            if *request_id == req.request_id && outcome == "cancelled"),
        "{ev:?}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_new_rule_resolves_every_other_queued_request_it_covers() {
    let mut h = Harness::start(bash_turn("npm test"), Options::default());
    let a = h.handle.spawn("a".into(), spawn_opts("go")).await.unwrap();
    let b = h.handle.spawn("b".into(), spawn_opts("go")).await.unwrap();
    let (first_agent, first) = next_request(&mut h).await;
    next_request(&mut h).await;
    let others = h
        .handle
        .decide_with_rule(
            first_agent,
            first.request_id,
            Decision::Allow {
                updated_input: first.input.clone(),
            },
            draft("Bash(npm test)", Behavior::Allow, RuleSource::Session),
        )
        .await
        .unwrap();
    assert_eq!(others, 1);
    h.wait_for("notice", |e| {
        matches!(e, EngineEvent::Notice { text, .. } if text == "the new rule resolved 1 other pending request")
    })
    .await;
    h.wait_state(&a, AgentState::Done).await;
    h.wait_state(&b, AgentState::Done).await;
    for id in [&a, &b] {
        assert_eq!(tool_results(&h, id), [(false, "ran".to_owned())]);
    }
    let rules = h.handle.rules().await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0].hits, 1,
        "the batch-resolved request counts as a hit"
    );
    assert_eq!(
        rules[0].from_request.as_deref().map(|s| one_line(s, 80)),
        Some(format!(
            "{}: Bash npm test",
            if rules[0].from_request.as_deref().unwrap().starts_with("a:") {
                "a"
            } else {
                "b"
            }
        ))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn grants_persist_per_scope_and_reload_in_a_second_engine() {
    let user_dir = tempfile::tempdir().unwrap();
    let user_file = user_dir.path().join("permission_grants.json");
    let mut h = Harness::start(
        one_script(json!([
            [{"tool": "Bash", "input": {"command": "cargo build"}, "ask": true, "result": "built"}, {"text": "one"}],
            [{"tool": "WebFetch", "input": {"url": "https://docs.rs/x"}, "ask": true, "result": "page"}, {"text": "two"}]
        ])),
        Options {
            user_grants: Some(user_file.clone()),
            ..Default::default()
        },
    );
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    let (_, req) = next_request(&mut h).await;
    h.handle
        .decide_with_rule(
            id.clone(),
            req.request_id,
            Decision::Allow {
                updated_input: req.input,
            },
            draft("Bash(cargo build)", Behavior::Allow, RuleSource::Project),
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    h.handle.send(id.as_str(), "more".into()).await.unwrap();
    let (_, req) = next_request(&mut h).await;
    h.handle
        .decide_with_rule(
            id.clone(),
            req.request_id,
            Decision::Deny {
                message: "no web".into(),
                interrupt: false,
            },
            draft("WebFetch(domain:docs.rs)", Behavior::Deny, RuleSource::User),
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    let dir = h.shutdown().await;
    let project_file = dir.path().join(".patchfeld/permission_grants.json");
    let text = std::fs::read_to_string(&project_file).unwrap();
    assert!(text.contains("\"rule\": \"Bash(cargo build)\""), "{text}");
    assert!(!text.contains("docs.rs"), "user rules go to the user file");
    assert!(
        std::fs::read_to_string(&user_file)
            .unwrap()
            .contains("WebFetch(domain:docs.rs)")
    );

    // A second engine on the same project: both rules apply without asking.
    let mut h = Harness::start(
        one_script(json!([[
            {"tool": "Bash", "input": {"command": "cargo build"}, "ask": true, "result": "built"},
            {"tool": "WebFetch", "input": {"url": "https://docs.rs/y"}, "ask": true, "result": "page"},
            {"text": "done"}
        ]])),
        Options {
            dir: Some(dir),
            user_grants: Some(user_file),
            ..Default::default()
        },
    );
    let rules = h.handle.rules().await.unwrap();
    let mut sources: Vec<_> = rules
        .iter()
        .map(|r| (r.source, r.rule.to_string()))
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            (RuleSource::Project, "Bash(cargo build)".to_owned()),
            (RuleSource::User, "WebFetch(domain:docs.rs)".to_owned())
        ]
    );
    let id2 = h.handle.spawn("w2".into(), spawn_opts("go")).await.unwrap();
    h.wait_state(&id2, AgentState::Done).await;
    assert_eq!(asked(&h), 0);
    let results = tool_results(&h, &id2);
    assert_eq!(results[0], (false, "built".to_owned()));
    assert!(results[1].0 && results[1].1.contains("WebFetch(domain:docs.rs)"));
    // Deleting a rule takes effect and is saved.
    let bash_rule = rules
        .iter()
        .find(|r| r.source == RuleSource::Project)
        .unwrap();
    h.handle.delete_rule(bash_rule.id.clone()).await.unwrap();
    let dir = h.shutdown().await;
    let text =
        std::fs::read_to_string(dir.path().join(".patchfeld/permission_grants.json")).unwrap();
    assert!(!text.contains("cargo build"), "{text}");
}

#[tokio::test]
async fn a_corrupt_grants_file_is_moved_aside_and_no_rule_applies() {
    let dir = tempfile::tempdir().unwrap();
    let pf = dir.path().join(".patchfeld");
    std::fs::create_dir_all(&pf).unwrap();
    // Valid JSON with an allow-all rule, but a broken second rule: nothing may apply.
    std::fs::write(
        pf.join("permission_grants.json"),
        r#"{"version":2,"rules":[{"id":"a","rule":"Bash","behavior":"allow","scope":"*","created_at":1,"created_by":"u"},{"id":"b","rule":"Bash(","behavior":"allow","scope":"*","created_at":1,"created_by":"u"}]}"#,
    )
    .unwrap();
    let mut h = Harness::start(
        bash_turn("ls"),
        Options {
            dir: Some(dir),
            ..Default::default()
        },
    );
    h.wait_for("corrupt notice", |e| {
        matches!(e, EngineEvent::Notice { text, .. } if text.contains("none of its permission rules apply"))
    })
    .await;
    assert!(h.handle.rules().await.unwrap().is_empty());
    let id = h.handle.spawn("w".into(), spawn_opts("go")).await.unwrap();
    next_request(&mut h).await;
    h.wait_state(&id, AgentState::AwaitingPermission).await;
    let moved = std::fs::read_dir(h.dir.path().join(".patchfeld"))
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("permission_grants.json.corrupt-")
        });
    assert!(moved);
    h.handle.kill(id.as_str()).await.unwrap();
    h.shutdown().await;
}

#[tokio::test]
async fn an_edit_request_comes_with_a_diff_against_the_file_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "alpha\nbeta\ngamma\n").unwrap();
    let mut h = Harness::start(
        one_script(json!([[
            {"tool": "Edit", "input": {"file_path": "notes.txt", "old_string": "beta", "new_string": "BETA"}, "ask": true, "result": "edited"},
            {"text": "ok"}
        ]])),
        Options {
            dir: Some(dir),
            ..Default::default()
        },
    );
    let id = h.handle.spawn("e".into(), spawn_opts("go")).await.unwrap();
    let ctx: PermissionContext = match h
        .wait_for("context", |e| {
            matches!(e, EngineEvent::PermissionContext { .. })
        })
        .await
    {
        EngineEvent::PermissionContext { context, .. } => context,
        _ => unreachable!(),
    };
    let diff = ctx.diff.unwrap();
    assert!(diff.contains(" alpha\n-beta\n+BETA\n gamma\n"), "{diff}");
    assert_eq!(ctx.proposal, "Edit(/notes.txt)");
    // The dry run explains what would happen now, and after a rule.
    let before = h
        .handle
        .dry_run("e".into(), "Edit(notes.txt)".into())
        .await
        .unwrap();
    assert!(before.starts_with("would ask"), "{before}");
    h.handle
        .add_rules(draft(
            "Edit(/notes.txt)",
            Behavior::Allow,
            RuleSource::Session,
        ))
        .await
        .unwrap();
    // The pending request was covered by the new rule and resolved.
    h.wait_state(&id, AgentState::Done).await;
    let after = h
        .handle
        .dry_run("e".into(), "Edit(notes.txt)".into())
        .await
        .unwrap();
    assert!(
        after.starts_with("allowed by allow Edit(/notes.txt) for * (session)"),
        "{after}"
    );
    h.shutdown().await;
}
