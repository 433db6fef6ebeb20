//! Conformance for worktree agents on the REAL Claude Code CLI (2.1.330) against the fake
//! Messages API: two agents with `worktree: true` each write `same.txt` differently; the base
//! checkout is untouched; both diffs show their own content; merging the first succeeds and the
//! second reports the conflict. Skips loudly without the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use common::{Harness, Options, git, spawn_opts};
use patchfeld::core::agent::{AgentState, PermissionMode, SpawnOptions};
use patchfeld::core::worktree::WorktreeRequest;
use patchfeld::engine::worktree::MergeStrategy;
use patchfeld::engine::{ClaudeCommand, EngineEvent};
use serde_json::json;
use support::fake_api::{FakeApi, Matcher, Reply, Rule, real_claude_or_skip};

fn write_rule(marker: &str, content: &str) -> Rule {
    Rule::new(
        Matcher::LastTextContains(marker.into()),
        Reply::tool_use(
            "Bash",
            json!({"command": format!("printf '{content}\\n' > same.txt"), "description": "write same.txt"}),
        ),
    )
}

#[tokio::test]
async fn two_worktree_agents_write_the_same_file_then_merge_and_conflict() {
    let Some(claude) = real_claude_or_skip("two_worktree_agents_write_the_same_file") else {
        return;
    };
    let api = FakeApi::start(vec![
        Rule::new(Matcher::LastHasToolResult, Reply::text("Written.")),
        write_rule("task alpha", "from alpha"),
        write_rule("task beta", "from beta"),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    git(&root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("README"), "hello\n").unwrap();
    std::fs::write(
        root.join(".gitignore"),
        "home/\nargv.jsonl\nscenario.json\nsessions/\n.patchfeld/\n",
    )
    .unwrap();
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "init"]);
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut h = Harness::start(
        json!({}),
        Options {
            dir: Some(dir),
            claude: Some(ClaudeCommand {
                program: claude,
                prefix_args: vec![],
                env: api.cli_env(&home),
            }),
            ..Default::default()
        },
    );
    let opts = |prompt: &str| SpawnOptions {
        worktree: Some(Box::new(WorktreeRequest::default())),
        permission_mode: Some(PermissionMode::BypassPermissions),
        ..spawn_opts(prompt)
    };
    let a = h
        .handle
        .spawn("alpha".into(), opts("task alpha: write same.txt"))
        .await
        .unwrap();
    let b = h
        .handle
        .spawn("beta".into(), opts("task beta: write same.txt"))
        .await
        .unwrap();
    for id in [&a, &b] {
        h.wait_state(id, AgentState::Done).await;
        // The numbers come after the turn; they may be among the events seen already.
        let measured = |r: &patchfeld::core::agent::AgentRecord| {
            r.worktree.as_ref().is_some_and(|w| w.added > 0)
        };
        if !h.last_record(id).is_some_and(|r| measured(&r)) {
            h.wait_for(
                "the change measured",
                |e| matches!(e, EngineEvent::AgentUpdated(r) if &r.id == id && measured(r)),
            )
            .await;
        }
    }
    // The base checkout is untouched.
    assert!(!root.join("same.txt").exists());
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    // Both diffs show their own content.
    let da = h.handle.worktree_diff("alpha").await.unwrap().unwrap();
    let db = h.handle.worktree_diff("beta").await.unwrap().unwrap();
    assert!(
        da.contains("+++ b/same.txt") && da.contains("+from alpha"),
        "{da}"
    );
    assert!(
        db.contains("+++ b/same.txt") && db.contains("+from beta"),
        "{db}"
    );
    // Both rows flag the overlap (b's row may be updated when a's numbers arrive).
    let overlaps = |r: &patchfeld::core::agent::AgentRecord| {
        r.worktree.as_ref().is_some_and(|w| !w.overlaps.is_empty())
    };
    if !h.last_record(&b).is_some_and(|r| overlaps(&r)) {
        h.wait_for(
            "b's overlap",
            |e| matches!(e, EngineEvent::AgentUpdated(r) if r.id == b && overlaps(r)),
        )
        .await;
    }
    let rb = h.last_record(&b).unwrap();
    assert!(
        rb.worktree
            .as_ref()
            .unwrap()
            .overlaps
            .iter()
            .any(|o| o.starts_with("alpha")),
        "{rb:?}"
    );
    // Merging the first succeeds; the second reports the conflict and changes nothing.
    let text = h
        .handle
        .merge_agent("alpha", None, MergeStrategy::Merge)
        .await
        .unwrap();
    assert!(text.contains("merged"), "{text}");
    assert_eq!(
        std::fs::read_to_string(root.join("same.txt")).unwrap(),
        "from alpha\n"
    );
    let head = git(&root, &["rev-parse", "HEAD"]);
    let e = h
        .handle
        .merge_agent("beta", None, MergeStrategy::Merge)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("conflicts in same.txt"), "{e}");
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    let wb = rb.worktree.unwrap();
    assert_eq!(
        std::fs::read_to_string(wb.path.join("same.txt")).unwrap(),
        "from beta\n"
    );
    h.shutdown().await;
}
