//! Worktree agents end to end with real `git` in temp repos and the fake agent: create (with
//! `.worktreeinclude` copies and `worktree.setup`), diff vs. the merge base, overlap warning,
//! merge (ff, merge commit, conflict), discard with confirmation, resume in the worktree, a
//! worktree deleted by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, Options, git, git_repo, wait_measured, wait_overlap, wt_info, wt_opts};
use patchfeld::core::agent::{AgentRecord, AgentState};
use patchfeld::core::ids::AgentId;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::core::worktree::WorktreeStatus;
use patchfeld::engine::worktree::{self, MergeStrategy};
use patchfeld::engine::{AgentDefaults, EngineEvent};
use serde_json::{Value, json};

/// `lines.txt` as committed (`1`…`10`, one per line), with some lines replaced.
fn numbered(replace: &[(usize, &str)]) -> String {
    (1..=10)
        .map(|i| {
            let line = replace
                .iter()
                .find(|(n, _)| *n == i)
                .map_or_else(|| i.to_string(), |(_, t)| (*t).to_owned());
            format!("{line}\n")
        })
        .collect()
}

/// Each agent writes `file` with `content` in its first turn (the prompt picks the script).
fn scenario() -> Value {
    let write = |file: &str, content: &str| {
        json!([{"tool": "Write", "input": {"file_path": file, "content": content}, "apply": true, "result": "ok"},
               {"text": "written"}])
    };
    json!({"version": 1, "scripts": [
        {"match": "write A", "turns": [write("same.txt", "from A\n"), [{"text": "again"}]]},
        {"match": "write B", "turns": [write("same.txt", "from B\nsecond line\n"), [{"text": "again"}]]},
        {"match": "write C", "turns": [write("c.txt", "c\n"), [{"text": "again"}]]},
        {"match": "edit line 2", "turns": [write("lines.txt", &numbered(&[(2, "two by d")])), [{"text": "again"}]]},
        {"match": "rewrite line 2", "turns": [write("lines.txt", &numbered(&[(2, "two by e")])), [{"text": "again"}]]},
        {"match": "edit line 9", "turns": [write("lines.txt", &numbered(&[(9, "nine by f")])), [{"text": "again"}]]},
        {"match": "*", "turns": [[{"text": "ok"}]]}
    ]})
}

fn start(dir: tempfile::TempDir, setup: &str) -> Harness {
    Harness::start(
        scenario(),
        Options {
            dir: Some(dir),
            agent_defaults: AgentDefaults {
                worktree_setup: setup.to_owned(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn spawn_creates_the_worktree_copies_includes_and_runs_setup() {
    let mut h = start(
        git_repo(),
        "echo \"$PATCHFELD_AGENT $PATCHFELD_WORKTREE\" > setup.out",
    );
    let root = std::fs::canonicalize(h.dir.path()).unwrap();
    let id = h
        .handle
        .spawn("Alpha".into(), wt_opts("write A"))
        .await
        .unwrap();
    let rec = h.wait_state(&id, AgentState::Done).await;
    let w = wt_info(&rec);
    let expected = root.join(format!(".patchfeld/worktrees/alpha-{id}"));
    assert_eq!(w.path, expected);
    assert_eq!(w.branch, format!("patchfeld/alpha-{id}"));
    assert_eq!(w.base_branch.as_deref(), Some("main"));
    assert_eq!(w.base_commit, git(&root, &["rev-parse", "HEAD"]));
    assert_eq!(rec.cwd, expected);
    // The child really ran there and wrote there; the main checkout is untouched.
    let argv = h.argv();
    assert_eq!(
        argv.last().unwrap()["cwd"],
        json!(expected.display().to_string())
    );
    assert_eq!(
        std::fs::read_to_string(expected.join("same.txt")).unwrap(),
        "from A\n"
    );
    assert!(!root.join("same.txt").exists());
    // `.worktreeinclude` copied the ignored .env; setup ran with the variables set.
    assert_eq!(
        std::fs::read_to_string(expected.join(".env")).unwrap(),
        "SECRET=1\n"
    );
    assert_eq!(
        std::fs::read_to_string(expected.join("setup.out"))
            .unwrap()
            .trim(),
        format!("Alpha {}", expected.display())
    );
    assert_eq!(
        git(&root, &["status", "--porcelain"]),
        "",
        "main checkout stays clean"
    );
    // The numbers arrive after the turn: same.txt (+1) and setup.out (+1), untracked included.
    let rec = wait_measured(&mut h, &id).await;
    let w = wt_info(&rec);
    assert_eq!((w.added, w.removed), (2, 0), "{w:?}");
    assert_eq!(w.files, vec!["same.txt".to_owned(), "setup.out".to_owned()]);
    // The record on disk keeps it (resume needs it).
    let dir = h.shutdown().await;
    let (records, _) = patchfeld::store::agents::load_agents(
        &patchfeld::store::paths::ProjectPaths::new(dir.path()),
    );
    let saved = records.iter().find(|r| r.id == id).unwrap();
    assert_eq!(saved.worktree.as_ref().unwrap().branch, w.branch);
}

#[tokio::test]
async fn not_a_git_repo_and_a_failing_setup_are_clear_errors() {
    let h = start(tempfile::tempdir().unwrap(), "");
    let e = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("is not inside a git repository"),
        "{e}"
    );
    h.shutdown().await;

    let h = start(git_repo(), "echo nope >&2; exit 3");
    let root = h.dir.path().to_path_buf();
    let e = h
        .handle
        .spawn("b".into(), wt_opts("write A"))
        .await
        .unwrap_err();
    let e = e.to_string();
    assert!(e.contains("worktree.setup") && e.contains("nope"), "{e}");
    // Nothing is left behind: no worktree, no branch.
    assert_eq!(git(&root, &["branch", "--list", "patchfeld/*"]), "");
    assert_eq!(git(&root, &["worktree", "list"]).lines().count(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn the_diff_is_against_the_merge_base_after_the_base_moved() {
    let mut h = start(git_repo(), "");
    let root = h.dir.path().to_path_buf();
    let id = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    // The base branch moves on: another file on main.
    std::fs::write(root.join("main-only.txt"), "main\n").unwrap();
    git(&root, &["add", "main-only.txt"]);
    git(&root, &["commit", "-q", "-m", "main moves"]);
    let rec = wait_measured(&mut h, &id).await;
    let w = wt_info(&rec);
    // One committed change in the worktree too: it counts, main's commit does not.
    git(&w.path, &["add", "same.txt"]);
    git(&w.path, &["commit", "-q", "-m", "agent commit"]);
    std::fs::write(w.path.join("same.txt"), "from A\nuncommitted\n").unwrap();
    let diff = worktree::diff(&w).unwrap();
    assert!(diff.contains("+++ b/same.txt"), "{diff}");
    assert!(diff.contains("+uncommitted"), "{diff}");
    assert!(!diff.contains("main-only.txt"), "{diff}");
    assert_eq!(worktree::merge_base(&w), w.base_commit);
    let (added, removed, files) = worktree::numstat(&w).unwrap();
    assert_eq!((added, removed, files), (2, 0, vec!["same.txt".to_owned()]));
    // The agent's own index was not touched by measuring.
    assert_eq!(git(&w.path, &["diff", "--cached", "--name-only"]), "");
    h.shutdown().await;
}

#[tokio::test]
async fn merge_fast_forward_then_merge_commit() {
    let mut h = start(git_repo(), "");
    let root = h.dir.path().to_path_buf();
    let a = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap();
    let c = h
        .handle
        .spawn("c".into(), wt_opts("write C"))
        .await
        .unwrap();
    h.wait_state(&a, AgentState::Done).await;
    h.wait_state(&c, AgentState::Done).await;
    let wa = wt_info(&h.last_record(&a).unwrap());
    let wc = wt_info(&h.last_record(&c).unwrap());

    // a: its uncommitted file is committed with the message and fast-forwarded into main.
    let text = h
        .handle
        .merge_agent("a", Some("add same.txt".into()), MergeStrategy::FastForward)
        .await
        .unwrap();
    assert!(text.contains("fast-forwarded main by 1 commit"), "{text}");
    assert_eq!(
        std::fs::read_to_string(root.join("same.txt")).unwrap(),
        "from A\n"
    );
    assert_eq!(git(&root, &["log", "-1", "--format=%s"]), "add same.txt");
    assert!(!wa.path.exists());
    assert_eq!(git(&root, &["branch", "--list", &wa.branch]), "");
    let rec = h
        .wait_for("a merged", |e| {
            matches!(e, EngineEvent::AgentUpdated(r) if r.id == a
                && r.worktree.as_ref().is_some_and(|w| w.status == WorktreeStatus::Merged))
        })
        .await;
    drop(rec);

    // c: main moved, so ff is refused with an explanation and nothing changes…
    let e = h
        .handle
        .merge_agent("c", None, MergeStrategy::FastForward)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot fast-forward") && e.contains("strategy \"merge\""),
        "{e}"
    );
    assert!(wc.path.is_dir());
    // …and a merge commit works.
    let text = h
        .handle
        .merge_agent("c", None, MergeStrategy::Merge)
        .await
        .unwrap();
    assert!(text.contains("merge commit"), "{text}");
    let parents = git(&root, &["log", "-1", "--format=%P"]);
    assert_eq!(parents.split_whitespace().count(), 2, "{parents}");
    assert_eq!(std::fs::read_to_string(root.join("c.txt")).unwrap(), "c\n");
    assert!(!wc.path.exists());
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    // A finished worktree agent cannot be resumed elsewhere.
    let e = h
        .handle
        .send("c", "more".into())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("merged"), "{e}");
    h.shutdown().await;
}

#[tokio::test]
async fn overlap_is_flagged_and_a_conflict_leaves_both_sides_intact() {
    let mut h = start(git_repo(), "");
    let root = h.dir.path().to_path_buf();
    let a = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap();
    wait_measured(&mut h, &a).await;
    let b = h
        .handle
        .spawn("b".into(), wt_opts("write B"))
        .await
        .unwrap();
    wait_measured(&mut h, &b).await;
    // Both rows say so, and b's transcript (→ the activity feed) warns.
    let ra = wait_overlap(&mut h, &a).await;
    let rb = wait_overlap(&mut h, &b).await;
    // Both created the file: their first lines collide.
    assert_eq!(
        wt_info(&ra).overlaps,
        vec!["b: same.txt (same hunk, line 1)".to_owned()]
    );
    assert_eq!(
        wt_info(&rb).overlaps,
        vec!["a: same.txt (same hunk, line 1)".to_owned()]
    );
    let warned = |h: &Harness, who: &AgentId| {
        h.transcript(who)
            .iter()
            .filter(|i| matches!(i,
                TranscriptItem::Notice { text, .. } if text.starts_with("overlap:") && text.contains("same.txt (same hunk")))
            .count()
    };
    // One feed line: only the agent whose turn made the overlap appear tells it.
    assert_eq!(warned(&h, &b), 1, "{:?}", h.transcript(&b));
    assert_eq!(warned(&h, &a), 0, "{:?}", h.transcript(&a));

    // Merging a says that b's work is in its way next.
    let text = h
        .handle
        .merge_agent("a", None, MergeStrategy::Merge)
        .await
        .unwrap();
    assert!(
        text.contains("b also changes same.txt (same hunk, line 1) — merging it next may conflict"),
        "{text}"
    );
    let main_before = git(&root, &["rev-parse", "HEAD"]);
    let wb = wt_info(&rb);
    let e = h
        .handle
        .merge_agent("b", Some("b's work".into()), MergeStrategy::Merge)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("conflicts in same.txt"), "{e}");
    // Main is where it was, clean, with a's content; b's branch and worktree keep b's content.
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), main_before);
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    assert!(!root.join(".git/MERGE_HEAD").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("same.txt")).unwrap(),
        "from A\n"
    );
    assert_eq!(
        std::fs::read_to_string(wb.path.join("same.txt")).unwrap(),
        "from B\nsecond line\n"
    );
    assert_eq!(
        git(&root, &["show", &format!("{}:same.txt", wb.branch)]),
        "from B\nsecond line"
    );
    let rb = h.last_record(&b).unwrap();
    assert_eq!(wt_info(&rb).status, WorktreeStatus::Active);
    // The merged agent no longer overlaps anybody.
    let ra = h
        .wait_for("a's overlap cleared", |e| {
            matches!(e, EngineEvent::AgentUpdated(r) if r.id == a
                && r.worktree.as_ref().is_some_and(|w| w.overlaps.is_empty()))
        })
        .await;
    drop(ra);
    h.shutdown().await;
}

/// Three agents edit one tracked file: d and e the same line (same hunk), f a line far away
/// (same file). The merge of d names both; f then merges cleanly, e conflicts.
#[tokio::test]
async fn overlap_tells_same_hunk_from_same_file_and_merge_warns() {
    let dir = git_repo();
    std::fs::write(dir.path().join("lines.txt"), numbered(&[])).unwrap();
    git(dir.path(), &["add", "lines.txt"]);
    git(dir.path(), &["commit", "-q", "-m", "lines"]);
    let mut h = start(dir, "");
    let d = h
        .handle
        .spawn("d".into(), wt_opts("edit line 2"))
        .await
        .unwrap();
    let e = h
        .handle
        .spawn("e".into(), wt_opts("rewrite line 2"))
        .await
        .unwrap();
    let f = h
        .handle
        .spawn("f".into(), wt_opts("edit line 9"))
        .await
        .unwrap();
    for id in [&d, &e, &f] {
        wait_measured(&mut h, id).await;
    }
    let both = |r: &AgentRecord| r.worktree.as_ref().is_some_and(|w| w.overlaps.len() == 2);
    let rd = match h.last_record(&d).filter(both) {
        Some(r) => r,
        None => match h
            .wait_for(
                "d overlaps e and f",
                |ev| matches!(ev, EngineEvent::AgentUpdated(r) if r.id == d && both(r)),
            )
            .await
        {
            EngineEvent::AgentUpdated(r) => r,
            _ => unreachable!(),
        },
    };
    assert_eq!(
        wt_info(&rd).overlaps,
        vec![
            "e: lines.txt (same hunk, line 2)".to_owned(),
            "f: lines.txt (same file)".to_owned()
        ]
    );
    let text = h
        .handle
        .merge_agent("d", None, MergeStrategy::Merge)
        .await
        .unwrap();
    assert!(
        text.contains(
            "e also changes lines.txt (same hunk, line 2) — merging it next may conflict; \
             f also changes lines.txt (same file) — merging it next may conflict"
        ),
        "{text}"
    );
    // The warning is its own line in d's transcript (→ the activity feed).
    h.wait_for("d's merge warning", |ev| {
        matches!(ev, EngineEvent::Transcript { agent_id, entry, .. } if *agent_id == d
            && matches!(&entry.item, TranscriptItem::Notice { text, .. }
                if text.starts_with("e also changes lines.txt")))
    })
    .await;
    // "Same file" was honest: f merges; "same hunk" too: e conflicts.
    h.handle
        .merge_agent("f", None, MergeStrategy::Merge)
        .await
        .unwrap();
    let err = h
        .handle
        .merge_agent("e", None, MergeStrategy::Merge)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("conflicts in lines.txt"), "{err}");
    h.shutdown().await;
}

#[tokio::test]
async fn discard_needs_confirmation_for_unmerged_work() {
    let mut h = start(git_repo(), "");
    let root = h.dir.path().to_path_buf();
    let a = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap();
    h.wait_state(&a, AgentState::Done).await;
    let w = wt_info(&h.last_record(&a).unwrap());
    let e = h
        .handle
        .discard_agent("a", false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unmerged work") && e.contains("confirm: true"),
        "{e}"
    );
    // The refusal is in a's transcript too (→ the activity feed), whoever asked.
    h.wait_for("the refusal as a notice", |ev| {
        matches!(ev, EngineEvent::Transcript { agent_id, entry, .. } if *agent_id == a
            && matches!(&entry.item, TranscriptItem::Notice { text, .. } if text.contains("unmerged work")))
    })
    .await;
    assert!(
        w.path.join("same.txt").is_file(),
        "nothing deleted without confirmation"
    );
    let text = h.handle.discard_agent("a", true).await.unwrap();
    assert!(text.contains("discarded"), "{text}");
    assert!(!w.path.exists());
    assert_eq!(git(&root, &["branch", "--list", &w.branch]), "");
    assert!(!root.join("same.txt").exists());

    // Without work there is nothing to confirm.
    let b = h
        .handle
        .spawn("b".into(), wt_opts("nothing"))
        .await
        .unwrap();
    h.wait_state(&b, AgentState::Done).await;
    h.handle.discard_agent("b", false).await.unwrap();
    h.shutdown().await;
}

#[tokio::test]
async fn resume_reopens_in_the_worktree_and_a_deleted_one_is_an_error() {
    let mut h = start(git_repo(), "");
    let a = h
        .handle
        .spawn("a".into(), wt_opts("write A"))
        .await
        .unwrap();
    let b = h
        .handle
        .spawn("b".into(), wt_opts("write C"))
        .await
        .unwrap();
    h.wait_state(&a, AgentState::Done).await;
    h.wait_state(&b, AgentState::Done).await;
    let dir = h.shutdown().await;
    let paths = patchfeld::store::paths::ProjectPaths::new(dir.path());
    let (mut records, _) = patchfeld::store::agents::load_agents(&paths);
    patchfeld::store::agents::reconcile_on_boot(&mut records, 1.0);
    let wa = wt_info(records.iter().find(|r| r.id == a).unwrap());
    let wb = wt_info(records.iter().find(|r| r.id == b).unwrap());
    // b's worktree is deleted by hand while patchfeld is not running.
    std::fs::remove_dir_all(&wb.path).unwrap();

    let mut h = Harness::start(
        scenario(),
        Options {
            records,
            dir: Some(dir),
            ..Default::default()
        },
    );
    h.handle.send("a", "continue".into()).await.unwrap();
    h.wait_state(&a, AgentState::Done).await;
    let argv = h.argv();
    let last = argv.last().unwrap();
    assert_eq!(last["cwd"], json!(wa.path.display().to_string()));
    assert!(
        last["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.as_str().is_some_and(|s| s.starts_with("--resume="))),
        "{last}"
    );

    let runs = h.argv().len();
    let e = h
        .handle
        .send("b", "continue".into())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("is gone"), "{e}");
    let rb = h.wait_state(&b, AgentState::Error).await;
    assert!(
        rb.error
            .unwrap_or_default()
            .contains(&format!("worktree {} is gone", wb.path.display()))
    );
    assert_eq!(h.argv().len(), runs, "b did not run anywhere");
    h.shutdown().await;
}

/// The orchestrator's tools: `spawn_agent` with `worktree: true`, `discard_agent` refusing
/// unmerged work without `confirm`, `merge_agent` with `strategy: "ff"`.
#[tokio::test]
async fn orchestrator_tools_spawn_discard_and_merge() {
    let tool = |name: &str, args: Value| json!({"mcp": {"server": "patchfeld", "tool": name, "arguments": args}});
    let mut s = scenario();
    s["scripts"].as_array_mut().unwrap().insert(
        0,
        json!({"match": "orchestrate", "turns": [
            [tool("spawn_agent", json!({"name": "a", "prompt": "write A", "worktree": {"branch": "feature/a"}})), {"text": "spawned"}],
            [tool("discard_agent", json!({"agent": "a"})),
             tool("merge_agent", json!({"agent": "a", "strategy": "ff", "message": "from the tools"})),
             tool("list_agents", json!({"include_history": true})),
             {"text": "finished"}]
        ]}),
    );
    let dir = git_repo();
    let mut h = Harness::start(
        s,
        Options {
            orchestrator: true,
            dir: Some(dir),
            ..Default::default()
        },
    );
    let root = h.dir.path().to_path_buf();
    let orch = AgentId::orchestrator();
    h.handle
        .send("orchestrator", "orchestrate".into())
        .await
        .unwrap();
    let child = match h
        .wait_for(
            "child spawned",
            |e| matches!(e, EngineEvent::AgentUpdated(r) if r.name == "a"),
        )
        .await
    {
        EngineEvent::AgentUpdated(r) => r.id,
        _ => unreachable!(),
    };
    let rec = wait_measured(&mut h, &child).await;
    assert_eq!(wt_info(&rec).branch, "feature/a");
    h.wait_state(&orch, AgentState::Done).await;
    h.handle
        .send("orchestrator", "now finish".into())
        .await
        .unwrap();
    h.wait_for("the orchestrator's second turn", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. } if agent_id == &orch
            && matches!(&entry.item, TranscriptItem::Assistant { text } if text == "finished"))
    })
    .await;
    let results: Vec<(bool, String)> = h
        .transcript(&orch)
        .iter()
        .filter_map(|i| match i {
            TranscriptItem::ToolResult {
                content, is_error, ..
            } => Some((*is_error, TranscriptItem::content_text(content))),
            _ => None,
        })
        .collect();
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(
        !results[0].0 && results[0].1.contains("on branch feature/a"),
        "{results:?}"
    );
    assert!(
        results[1].0 && results[1].1.contains("confirm: true"),
        "{results:?}"
    );
    assert!(
        !results[2].0 && results[2].1.contains("fast-forwarded main"),
        "{results:?}"
    );
    let listed = &results[3].1;
    assert!(
        listed.contains(r#""branch": "feature/a""#) && listed.contains(r#""status": "merged""#),
        "{listed}"
    );
    assert_eq!(git(&root, &["log", "-1", "--format=%s"]), "from the tools");
    assert_eq!(
        std::fs::read_to_string(root.join("same.txt")).unwrap(),
        "from A\n"
    );
    h.shutdown().await;
}
