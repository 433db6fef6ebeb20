//! The finish keys through `App::handle`: `M` and `D` on worktree agents in the table and
//! History, their dialogs (snapshots at 160x45 and 80x24), the refusals, and the engine round
//! trip against a fake engine (a command channel the test answers).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{FinishEvent, FinishIntent};
use crate::core::agent::{AgentRecord, AgentState, SpawnOptions};
use crate::core::ids::AgentId;
use crate::core::worktree::{WorktreeInfo, WorktreeStatus};
use crate::engine::worktree::MergeStrategy;
use crate::engine::{EngineCommand, EngineHandle};
use crate::ui::app::{App, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use tokio::sync::mpsc::unbounded_channel;

/// 2024-05-01 14:05:12 UTC
const NOW: f64 = 1_714_572_312.0;
const ALPHA: &str = "0a1b2c3d4e5f";
const CONFLICT: &str = "merge of patchfeld/alpha-0a1b2c3d4e5f into main stopped: conflicts in same.txt. \
    The merge was aborted: main, the branch and the worktree /home/dev/src/demo/.patchfeld/worktrees/alpha-0a1b2c3d4e5f \
    are unchanged. Have the agent merge main into its branch and resolve the conflicts, then merge again.";

fn rec(id: &str, name: &str, state: AgentState, i: u8) -> AgentRecord {
    let mut r = AgentRecord::new(
        AgentId(id.to_owned()),
        name,
        "/home/dev/src/demo",
        state,
        NOW - 600.0 + f64::from(i) * 30.0,
    );
    r.spawn_options = Some(SpawnOptions {
        prompt: format!("fix the flaky {name} test"),
        ..SpawnOptions::default()
    });
    r.model = Some("claude-sonnet-4-5-20250929".into());
    r
}

fn worktree(name: &str, id: &str, status: WorktreeStatus) -> Option<Box<WorktreeInfo>> {
    Some(Box::new(WorktreeInfo {
        path: format!("/home/dev/src/demo/.patchfeld/worktrees/{name}-{id}").into(),
        repo: "/home/dev/src/demo".into(),
        branch: format!("patchfeld/{name}-{id}"),
        base_branch: Some("main".into()),
        base_commit: "c0ffee1234567890".into(),
        status,
        ..WorktreeInfo::default()
    }))
}

/// alpha (worktree, done, overlapping beta), beta (worktree, running), plain (no worktree),
/// old (worktree already merged).
fn fixture() -> Vec<AgentRecord> {
    let mut alpha = rec(ALPHA, "alpha", AgentState::Done, 1);
    alpha.worktree = worktree("alpha", ALPHA, WorktreeStatus::Active);
    if let Some(w) = alpha.worktree.as_mut() {
        w.added = 12;
        w.removed = 3;
        w.files = vec!["same.txt".into(), "notes.md".into()];
        w.overlaps = vec!["beta: same.txt (same hunk, line 1)".into()];
    }
    let mut beta = rec("0b0b0b0b0b0b", "beta", AgentState::Running, 2);
    beta.worktree = worktree("beta", "0b0b0b0b0b0b", WorktreeStatus::Active);
    if let Some(w) = beta.worktree.as_mut() {
        w.added = 2;
        w.files = vec!["same.txt".into()];
        w.overlaps = vec!["alpha: same.txt (same hunk, line 1)".into()];
    }
    let plain = rec("0c0c0c0c0c0c", "plain", AgentState::Done, 3);
    let mut old = rec("0d0d0d0d0d0d", "old", AgentState::Done, 4);
    old.worktree = worktree("old", "0d0d0d0d0d0d", WorktreeStatus::Merged);
    let orch = rec("orchestrator", "orchestrator", AgentState::Idle, 0);
    vec![orch, alpha, beta, plain, old]
}

fn app() -> App {
    crate::ui::tests::app_with(fixture(), false)
}

fn key(code: KeyCode) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(c: char) -> AppEvent {
    key(KeyCode::Char(c))
}

fn screen(app: &mut App, w: u16, h: u16) -> (Terminal<TestBackend>, String) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    let s = t.backend().to_string();
    (t, s)
}

/// The table focused with `name` selected (rows: beta running first, then alpha, plain, old).
fn select(a: &mut App, name: &str) {
    if a.focus() != &Focus::Panel("agents".into()) {
        a.handle(key(KeyCode::Tab));
    }
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));
    a.handle(ch('g'));
    let steps = ["beta", "alpha", "plain", "old"]
        .iter()
        .position(|n| *n == name)
        .unwrap();
    for _ in 0..steps {
        a.handle(ch('j'));
    }
}

/// The test's fake engine answers one command.
#[tokio::test]
async fn merge_dialog_prefills_toggles_and_a_conflict_is_explained() {
    let mut a = app();
    select(&mut a, "alpha");
    assert!(a.handle(ch('M')).is_empty());
    assert!(a.finish_open());
    let (t, s) = screen(&mut a, 160, 45);
    assert!(s.contains("Merge alpha into main"), "{s}");
    assert!(s.contains("› alpha: fix the flaky alpha test"), "{s}");
    assert!(s.contains("● merge commit"), "the engine's default:\n{s}");
    assert!(
        s.contains("⎇ patchfeld/alpha-0a1b2c3d4e5f · +12/-3 in 2 file(s)"),
        "{s}"
    );
    assert!(
        s.contains("⚠ beta also changes same.txt (same hunk, line 1) — merging it next may"),
        "{s}"
    );
    insta::assert_snapshot!("merge_dialog_160x45", t.backend().to_string());
    let (t, _) = screen(&mut a, 80, 24);
    insta::assert_snapshot!("merge_dialog_80x24", t.backend().to_string());
    // Tab toggles the strategy; typing edits the message; the table does not see the keys.
    a.handle(key(KeyCode::Tab));
    assert!(screen(&mut a, 160, 45).1.contains("● fast-forward only"));
    a.handle(key(KeyCode::Tab));
    a.handle(key(KeyCode::Tab));
    for c in " now".chars() {
        assert!(a.handle(ch(c)).is_empty());
    }
    let out = a.handle(key(KeyCode::Enter));
    let intent = FinishIntent::Merge {
        agent: AgentId(ALPHA.into()),
        name: "alpha".into(),
        message: "alpha: fix the flaky alpha test now".into(),
        strategy: MergeStrategy::FastForward,
    };
    assert_eq!(out, vec![Intent::Finish(intent.clone())]);
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("merging into main (fast-forward only)…")
    );
    // The engine round trip: the command carries message and strategy; a conflict comes back.
    let (cmd_tx, mut cmd_rx) = unbounded_channel();
    let (post_tx, mut post_rx) = unbounded_channel();
    super::execute(EngineHandle::new(cmd_tx), post_tx, intent);
    match crate::ui::tests::next_within(&mut cmd_rx).await {
        EngineCommand::MergeAgent {
            agent,
            message,
            strategy,
            reply,
        } => {
            assert_eq!(agent, ALPHA);
            assert_eq!(
                message.as_deref(),
                Some("alpha: fix the flaky alpha test now")
            );
            assert_eq!(strategy, MergeStrategy::FastForward);
            reply
                .send(Err(crate::engine::EngineError::Invalid(CONFLICT.into())))
                .unwrap();
        }
        other => panic!("{other:?}"),
    }
    a.handle(crate::ui::tests::next_within(&mut post_rx).await);
    let (t, s) = screen(&mut a, 80, 24);
    assert!(
        s.contains("stopped: conflicts in") && s.contains("same.txt. The merge was aborted"),
        "{s}"
    );
    assert!(s.contains("Enter / Esc close"), "{s}");
    insta::assert_snapshot!("merge_conflict_80x24", t.backend().to_string());
    let s = screen(&mut a, 160, 45).1;
    assert!(
        s.contains("merge alpha failed: merge of patchfeld/alpha"),
        "toast:\n{s}"
    );
    a.handle(key(KeyCode::Enter));
    assert!(!a.finish_open());
}

#[tokio::test]
async fn discard_says_what_is_lost_and_only_y_confirms() {
    let mut a = app();
    select(&mut a, "alpha");
    let out = a.handle(ch('D'));
    let [Intent::Finish(FinishIntent::CheckUnmerged { agent, info })] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(agent.as_str(), ALPHA);
    assert_eq!(info.branch, "patchfeld/alpha-0a1b2c3d4e5f");
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("checking what would be lost…")
    );
    // Not before we know what is lost.
    assert!(a.handle(ch('y')).is_empty());
    let lost = "2 uncommitted file(s) and 1 commit(s) on patchfeld/alpha-0a1b2c3d4e5f not in main";
    a.handle(AppEvent::Finish(FinishEvent::Unmerged {
        agent: AgentId(ALPHA.into()),
        result: Ok(Some(lost.into())),
    }));
    let (t, s) = screen(&mut a, 160, 45);
    assert!(s.contains("Discard alpha's work"), "{s}");
    assert!(
        s.contains("This deletes unmerged work: 2 uncommitted file(s)"),
        "{s}"
    );
    assert!(s.contains("y discard · n / Esc keep"), "{s}");
    insta::assert_snapshot!("discard_dialog_160x45", t.backend().to_string());
    let (t, _) = screen(&mut a, 80, 24);
    insta::assert_snapshot!("discard_dialog_80x24", t.backend().to_string());
    // Anything but y keeps the work; n closes.
    assert!(a.handle(ch('x')).is_empty());
    assert!(a.handle(key(KeyCode::Enter)).is_empty());
    assert!(a.finish_open());
    assert!(a.handle(ch('n')).is_empty());
    assert!(!a.finish_open());
    // D again, y: the engine gets confirm=true.
    a.handle(ch('D'));
    a.handle(AppEvent::Finish(FinishEvent::Unmerged {
        agent: AgentId(ALPHA.into()),
        result: Ok(Some(lost.into())),
    }));
    let out = a.handle(ch('y'));
    let intent = FinishIntent::Discard {
        agent: AgentId(ALPHA.into()),
        name: "alpha".into(),
    };
    assert_eq!(out, vec![Intent::Finish(intent.clone())]);
    let (cmd_tx, mut cmd_rx) = unbounded_channel();
    let (post_tx, mut post_rx) = unbounded_channel();
    super::execute(EngineHandle::new(cmd_tx), post_tx, intent);
    let done = "discarded alpha's work: worktree /home/dev/src/demo/.patchfeld/worktrees/alpha-0a1b2c3d4e5f and branch patchfeld/alpha-0a1b2c3d4e5f removed";
    match crate::ui::tests::next_within(&mut cmd_rx).await {
        EngineCommand::DiscardAgent {
            agent,
            confirm,
            reply,
        } => {
            assert_eq!(agent, ALPHA);
            assert!(confirm, "only after y");
            reply.send(Ok(done.into())).unwrap();
        }
        other => panic!("{other:?}"),
    }
    a.handle(crate::ui::tests::next_within(&mut post_rx).await);
    let s = screen(&mut a, 160, 45).1;
    assert!(s.contains("discarded alpha's work"), "{s}");
    assert!(s.contains("alpha: discarded alpha's work"), "toast:\n{s}");
    a.handle(key(KeyCode::Esc));
    assert!(!a.finish_open());
}

#[test]
fn nothing_to_lose_still_asks_and_a_failed_check_says_so() {
    let mut a = app();
    select(&mut a, "alpha");
    a.handle(ch('D'));
    a.handle(AppEvent::Finish(FinishEvent::Unmerged {
        agent: AgentId(ALPHA.into()),
        result: Ok(None),
    }));
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("Nothing unmerged would be lost")
    );
    a.handle(key(KeyCode::Esc));
    a.handle(ch('D'));
    a.handle(AppEvent::Finish(FinishEvent::Unmerged {
        agent: AgentId(ALPHA.into()),
        result: Err("git rev-list: bad revision".into()),
    }));
    let s = screen(&mut a, 160, 45).1;
    assert!(
        s.contains("Could not check what would be lost (git rev-list: bad revision)"),
        "{s}"
    );
    assert_eq!(a.handle(ch('y')).len(), 1, "an explicit y still discards");
}

#[test]
fn keys_are_refused_for_busy_plain_and_finished_agents() {
    let mut a = app();
    select(&mut a, "beta");
    assert!(a.handle(ch('M')).is_empty());
    assert!(!a.finish_open());
    let s = screen(&mut a, 160, 45).1;
    assert!(s.contains("beta is working; interrupt it (i)"), "{s}");
    select(&mut a, "plain");
    assert!(a.handle(ch('D')).is_empty());
    assert!(!a.finish_open());
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("plain does not run in a worktree")
    );
    select(&mut a, "old");
    assert!(a.handle(ch('M')).is_empty());
    assert!(!a.finish_open());
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("old's worktree was already merged")
    );
}

#[test]
fn rows_show_overlaps_and_hints_name_the_keys_for_worktree_rows() {
    let mut a = app();
    select(&mut a, "alpha");
    let s = screen(&mut a, 160, 45).1;
    assert!(s.contains("⚠ overlaps beta ⎇ alpha-"), "{s}");
    assert!(s.contains("⚠ overlaps alpha ⎇ beta-"), "{s}");
    assert!(s.contains("M merge · D discard"), "{s}");
    select(&mut a, "plain");
    assert!(!screen(&mut a, 160, 45).1.contains("M merge"));
}

#[test]
fn history_has_the_same_keys_and_shows_the_badge() {
    let mut a = app();
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('h'),
        KeyModifiers::CONTROL,
    ))));
    assert!(a.history_open());
    for c in "/alpha".chars() {
        a.handle(ch(c));
    }
    a.handle(key(KeyCode::Enter));
    assert_eq!(a.history_selected(), Some(&AgentId(ALPHA.into())));
    let s = screen(&mut a, 160, 45).1;
    assert!(s.contains("⚠ overlaps beta ⎇ alpha-"), "{s}");
    assert!(s.contains("M merge · D discard"), "{s}");
    assert!(a.handle(ch('M')).is_empty());
    assert!(a.finish_open());
    assert!(screen(&mut a, 160, 45).1.contains("Merge alpha into main"));
    // The dialog takes the keys before History does; Esc closes only the dialog.
    a.handle(key(KeyCode::Esc));
    assert!(!a.finish_open());
    assert!(a.history_open());
    let out = a.handle(ch('D'));
    assert!(
        matches!(
            out.as_slice(),
            [Intent::Finish(FinishIntent::CheckUnmerged { .. })]
        ),
        "{out:?}"
    );
}
