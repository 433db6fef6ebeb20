//! Reviewing a worktree agent with real `git` and the fake agent: the branch's commits since
//! the merge base, the whole / one-commit / uncommitted views after the base moved, and review
//! comments built as the DiffViewer builds them, delivered to the agent as one message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Options, git, git_repo, spawn_opts, wait_measured, wt_info, wt_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::core::ids::AgentId;
use patchfeld::core::review::{CommentScope, ReviewComment, ReviewView, review_message};
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::EngineEvent;
use serde_json::{Value, json};

/// `write A` writes same.txt, then echoes whatever it is told next (proof it got the text).
fn scenario() -> Value {
    json!({"version": 1, "scripts": [
        {"match": "write A", "turns": [
            [{"tool": "Write", "input": {"file_path": "same.txt", "content": "from A\n"}, "apply": true, "result": "ok"},
             {"text": "written"}],
            [{"echo": true}]
        ]},
        {"match": "*", "turns": [[{"text": "ok"}]]}
    ]})
}

/// A fresh repo and agent `a` spawned in its worktree with the scenario's first script.
async fn start_agent_a() -> (Harness, AgentId) {
    let h = Harness::start(
        scenario(),
        Options {
            dir: Some(git_repo()),
            ..Default::default()
        },
    );
    let id = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap();
    (h, id)
}

#[tokio::test]
async fn commits_and_the_three_views_after_the_base_moved() {
    let (mut h, id) = start_agent_a().await;
    let root = h.dir.path().to_path_buf();
    h.wait_state(&id, AgentState::Done).await;
    let w = wt_info(&wait_measured(&mut h, &id).await);
    // The base branch moves on after the agent started.
    std::fs::write(root.join("main-only.txt"), "main\n").unwrap();
    git(&root, &["add", "main-only.txt"]);
    git(&root, &["commit", "-q", "-m", "main moves"]);
    // Two commits on the branch, then an uncommitted change and an untracked file.
    git(&w.path, &["add", "same.txt"]);
    git(&w.path, &["commit", "-q", "-m", "add same"]);
    std::fs::write(w.path.join("two.txt"), "two\n2\n").unwrap();
    git(&w.path, &["add", "two.txt"]);
    git(&w.path, &["commit", "-q", "-m", "add two"]);
    std::fs::write(w.path.join("same.txt"), "from A\nuncommitted\n").unwrap();
    std::fs::write(w.path.join("new.txt"), "untracked\n").unwrap();
    let shas: Vec<String> = git(&w.path, &["rev-list", "--reverse", "HEAD~2..HEAD"])
        .lines()
        .map(str::to_owned)
        .collect();

    let whole = h
        .handle
        .worktree_review("a", ReviewView::Whole)
        .await
        .unwrap()
        .expect("a worktree agent");
    assert_eq!(whole.view, ReviewView::Whole);
    assert_eq!(whole.merge_base, w.base_commit);
    let listed: Vec<(&str, &str, u64, u64)> = whole
        .commits
        .iter()
        .map(|c| (c.sha.as_str(), c.subject.as_str(), c.added, c.removed))
        .collect();
    assert_eq!(
        listed,
        [
            (shas[0].as_str(), "add same", 1, 0),
            (shas[1].as_str(), "add two", 2, 0)
        ]
    );
    let d = &whole.diff;
    for want in [
        "+++ b/same.txt",
        "+from A",
        "+uncommitted",
        "+++ b/two.txt",
        "+++ b/new.txt",
    ] {
        assert!(d.contains(want), "whole lacks {want}:\n{d}");
    }
    assert!(!d.contains("main-only"), "{d}");

    let first = h
        .handle
        .worktree_review("a", ReviewView::Commit(shas[0].clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.view, ReviewView::Commit(shas[0].clone()));
    let d = &first.diff;
    assert!(d.contains("+++ b/same.txt") && d.contains("+from A"), "{d}");
    assert!(
        !d.contains("two.txt") && !d.contains("uncommitted") && !d.contains("new.txt"),
        "{d}"
    );

    // A short sha is enough; the view names the full one.
    let second = h
        .handle
        .worktree_review("a", ReviewView::Commit(shas[1][..7].to_owned()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.view, ReviewView::Commit(shas[1].clone()));
    let d = &second.diff;
    assert!(d.contains("+++ b/two.txt") && d.contains("+2"), "{d}");
    assert!(!d.contains("same.txt") && !d.contains("new.txt"), "{d}");

    let loose = h
        .handle
        .worktree_review("a", ReviewView::Uncommitted)
        .await
        .unwrap()
        .unwrap();
    let d = &loose.diff;
    assert!(
        d.contains("+uncommitted") && d.contains("+untracked"),
        "{d}"
    );
    // from A is committed: context now, not an addition.
    assert!(d.contains(" from A") && !d.contains("+from A"), "{d}");
    assert!(!d.contains("two.txt"), "{d}");
    assert_eq!(loose.commits.len(), 2);

    // A commit that is not on the branch falls back to the whole branch.
    let gone = h
        .handle
        .worktree_review("a", ReviewView::Commit(w.base_commit.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone.view, ReviewView::Whole);
    assert_eq!(gone.diff, whole.diff);
    // The agent's own index is untouched by all of this.
    assert_eq!(git(&w.path, &["diff", "--cached", "--name-only"]), "");

    // Not a worktree agent: no review diff (the UI shows its transcript's edits).
    let plain = h.handle.spawn("p".into(), spawn_opts("hi")).await.unwrap();
    h.wait_state(&plain, AgentState::Done).await;
    assert_eq!(
        h.handle
            .worktree_review("p", ReviewView::Whole)
            .await
            .unwrap(),
        None
    );
    h.shutdown().await;
}

/// Comments written on lines of the whole view and of one commit, built into the one message
/// the DiffViewer sends (`review_message`), reach the agent over its pipe: the fake agent
/// echoes what it received.
#[tokio::test]
async fn review_comments_reach_the_agent_as_one_message() {
    let (mut h, id) = start_agent_a().await;
    h.wait_state(&id, AgentState::Done).await;
    let w = wt_info(&wait_measured(&mut h, &id).await);
    git(&w.path, &["add", "same.txt"]);
    git(&w.path, &["commit", "-q", "-m", "add same"]);
    let review = h
        .handle
        .worktree_review("a", ReviewView::Whole)
        .await
        .unwrap()
        .unwrap();
    let commit = review.commits[0].clone();
    // The line the reviewer points at, as the diff shows it.
    assert!(
        review.diff.contains("@@ -0,0 +1 @@\n+from A"),
        "{}",
        review.diff
    );
    let comments = [
        ReviewComment {
            file: "same.txt".into(),
            new: Some(1),
            old: None,
            code: "from A".into(),
            scope: CommentScope::WorkingTree,
            text: "say where it is from".into(),
        },
        ReviewComment {
            file: "same.txt".into(),
            new: Some(1),
            old: None,
            code: "from A".into(),
            scope: CommentScope::Commit {
                sha: commit.sha.clone(),
                subject: commit.subject.clone(),
            },
            text: "split this commit".into(),
        },
    ];
    let message = review_message(&comments);
    h.handle.send("a", message.clone()).await.unwrap();
    let echoed = h
        .wait_for("the echo of the review", |e| {
            matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &id
                && matches!(&entry.item, TranscriptItem::Assistant { text } if text.contains("Review comments")))
        })
        .await;
    let EngineEvent::Transcript { entry, .. } = echoed else {
        unreachable!()
    };
    let TranscriptItem::Assistant { text } = entry.item else {
        unreachable!()
    };
    assert_eq!(
        text.trim(),
        message.trim(),
        "the agent got the message as sent"
    );
    assert!(
        text.contains("1. same.txt:1\n   > from A\n   say where it is from"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "2. same.txt:1 in commit {} \"add same\"",
            &commit.sha[..7]
        )),
        "{text}"
    );
    // The transcript records it as the user's message too.
    assert!(
        h.transcript(&id)
            .iter()
            .any(|i| matches!(i, TranscriptItem::User { text } if text == &message)),
        "{:?}",
        h.transcript(&id)
    );
    h.wait_state(&id, AgentState::Done).await;
    h.shutdown().await;
}
