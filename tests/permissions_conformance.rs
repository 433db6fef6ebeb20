//! Permission rules against the REAL Claude Code CLI (2.1.330) and a fake Messages API on
//! 127.0.0.1: the rule proposed from the CLI's own `permission_suggestions`, saved with
//! "always", answers the next identical request without prompting, also after a restart.
//! Skips loudly without the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use common::{Harness, Options, spawn_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::core::permission::{
    Behavior, Decision, PermissionContext, RuleDraft, RuleSource, parse_rule_list,
};
use patchfeld::engine::{ClaudeCommand, EngineEvent};
use serde_json::json;
use support::fake_api::{FakeApi, Matcher, Reply, Rule as ApiRule, real_claude_or_skip};

/// An engine on `dir` whose agents run the real CLI against `api` (HOME inside `dir`).
fn real_harness(claude: &std::path::Path, api: &FakeApi, dir: tempfile::TempDir) -> Harness {
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let claude = ClaudeCommand {
        program: claude.to_path_buf(),
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

fn asked(h: &Harness) -> usize {
    h.seen
        .iter()
        .filter(|e| matches!(e, EngineEvent::PermissionRequested { .. }))
        .count()
}

#[tokio::test]
async fn always_allow_answers_the_next_identical_request_also_after_a_restart() {
    let Some(claude) =
        real_claude_or_skip("always_allow_answers_the_next_identical_request_also_after_a_restart")
    else {
        return;
    };
    let api = FakeApi::start(vec![
        ApiRule::new(
            Matcher::LastTextContains("make the file".into()),
            Reply::tool_use(
                "Bash",
                json!({"command": "echo hi > out.txt", "description": "write out.txt"}),
            ),
        ),
        ApiRule::new(Matcher::LastHasToolResult, Reply::text("All done.")),
    ])
    .unwrap();
    let mut h = real_harness(&claude, &api, tempfile::tempdir().unwrap());
    let out = h.dir.path().join("out.txt");
    let id = h
        .handle
        .spawn("writer".into(), spawn_opts("please make the file"))
        .await
        .unwrap();
    let req = match h
        .wait_for("can_use_tool", |e| {
            matches!(e, EngineEvent::PermissionRequested { .. })
        })
        .await
    {
        EngineEvent::PermissionRequested { request, .. } => request,
        _ => unreachable!(),
    };
    let ctx: PermissionContext = match h
        .wait_for("context", |e| {
            matches!(e, EngineEvent::PermissionContext { .. })
        })
        .await
    {
        EngineEvent::PermissionContext { context, .. } => context,
        _ => unreachable!(),
    };
    // The CLI suggested a Bash rule; the redirect target needs its own Edit rule.
    assert_eq!(ctx.part.as_deref(), Some("echo hi"), "{ctx:?}");
    assert!(ctx.proposal.starts_with("Bash(echo hi"), "{}", ctx.proposal);
    assert!(ctx.proposal.ends_with("Edit(/out.txt)"), "{}", ctx.proposal);
    h.handle
        .decide_with_rule(
            id.clone(),
            req.request_id,
            Decision::Allow {
                updated_input: req.input,
            },
            RuleDraft {
                patterns: parse_rule_list(&ctx.proposal).unwrap(),
                behavior: Behavior::Allow,
                scope: "*".into(),
                source: RuleSource::Project,
                expires_at: None,
                created_by: "user".into(),
            },
        )
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "hi");
    std::fs::remove_file(&out).unwrap();

    // The same request again: answered by the rule.
    h.handle
        .send(id.as_str(), "please make the file again".into())
        .await
        .unwrap();
    h.wait_for("second turn", |e| {
        matches!(e, EngineEvent::AgentUpdated(r) if r.id == id && r.state == AgentState::Running)
    })
    .await;
    h.wait_state(&id, AgentState::Done).await;
    assert_eq!(asked(&h), 1, "no second prompt");
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "hi");
    std::fs::remove_file(&out).unwrap();

    // A fresh engine on the same project: the saved rule still answers.
    let dir = h.shutdown().await;
    let mut h = real_harness(&claude, &api, dir);
    let id = h
        .handle
        .spawn("writer2".into(), spawn_opts("please make the file"))
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    assert_eq!(asked(&h), 0, "no prompt after the restart");
    assert_eq!(std::fs::read_to_string(&out).unwrap().trim(), "hi");
    let rules = h.handle.rules().await.unwrap();
    assert!(rules.iter().any(|r| r.hits >= 1), "{rules:#?}");
    h.shutdown().await;
}
