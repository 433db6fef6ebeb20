//! The review layout against a fake engine: `v` on a worktree agent opens the table + diff +
//! transcript tab, the diff steps through whole / each commit / uncommitted with `>` `<` `w`
//! `u`, a comment in a commit view names the commit, and the diff follows the table's
//! selection (a plain agent shows its transcript's edits; unsent comments wait for the agent).

use super::WsPanel;
use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::layout::Workspace;
use crate::core::review::{BranchCommit, ReviewDiff, ReviewView};
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::core::worktree::WorktreeInfo;
use crate::engine::{EngineCommand, EngineEvent, EngineHandle};
use crate::ui::app::{App, AppInit, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::PanelState;
use crate::ui::widgets::agent_table::table_rows;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const NOW: f64 = 1_714_572_312.0;
const C1: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const C2: &str = "b2c3d4e5f60718293a4b5c6d7e8f901234567890";
const MB: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

const WHOLE: &str = "diff --git a/src/parser.rs b/src/parser.rs\n--- a/src/parser.rs\n+++ b/src/parser.rs\n@@ -10,4 +10,5 @@ fn parse(input: &str) -> Ast {\n     let tokens = lex(input);\n-    let ast = build(tokens);\n+    let ast = build(tokens)?;\n+    check(&ast)?;\n     ast\n }\ndiff --git a/tests/parse.rs b/tests/parse.rs\nnew file mode 100644\n--- /dev/null\n+++ b/tests/parse.rs\n@@ -0,0 +1,2 @@\n+#[test]\n+fn parses() {}\n";
const FIRST: &str = "diff --git a/src/parser.rs b/src/parser.rs\n--- a/src/parser.rs\n+++ b/src/parser.rs\n@@ -10,4 +10,5 @@ fn parse(input: &str) -> Ast {\n     let tokens = lex(input);\n-    let ast = build(tokens);\n+    let ast = build(tokens)?;\n+    check(&ast)?;\n     ast\n }\n";
const SECOND: &str = "diff --git a/tests/parse.rs b/tests/parse.rs\nnew file mode 100644\n--- /dev/null\n+++ b/tests/parse.rs\n@@ -0,0 +1,2 @@\n+#[test]\n+fn parses() {}\n";
const LOOSE: &str = "diff --git a/NOTES.md b/NOTES.md\nnew file mode 100644\n--- /dev/null\n+++ b/NOTES.md\n@@ -0,0 +1 @@\n+todo: errors\n";

fn agents() -> (AgentRecord, AgentRecord) {
    let mut alpha = AgentRecord::new(
        AgentId("0a1b2c3d4e5f".into()),
        "alpha",
        "/r/.patchfeld/worktrees/alpha-0a1b2c3d4e5f",
        AgentState::Done,
        NOW - 300.0,
    );
    alpha.worktree = Some(Box::new(WorktreeInfo {
        branch: "patchfeld/alpha-0a1b2c3d4e5f".into(),
        base_branch: Some("main".into()),
        base_commit: MB.into(),
        added: 18,
        removed: 1,
        files: vec!["src/parser.rs".into(), "tests/parse.rs".into()],
        ..WorktreeInfo::default()
    }));
    let beta = AgentRecord::new(
        AgentId("beta00000001".into()),
        "beta",
        "/r",
        AgentState::Done,
        NOW - 200.0,
    );
    (alpha, beta)
}

fn commits() -> Vec<BranchCommit> {
    vec![
        BranchCommit {
            sha: C1.into(),
            subject: "fix parser".into(),
            added: 2,
            removed: 1,
        },
        BranchCommit {
            sha: C2.into(),
            subject: "add tests".into(),
            added: 2,
            removed: 0,
        },
    ]
}

/// The dashboard with `agents`, its workspace sources wired to a fake engine: the App, the
/// engine commands it sends, what its sources post, and the project dir (kept alive).
fn review_app(
    agents: Vec<AgentRecord>,
) -> (
    App,
    UnboundedReceiver<EngineCommand>,
    UnboundedReceiver<AppEvent>,
    tempfile::TempDir,
) {
    let (cmd_tx, cmds) = unbounded_channel();
    let (tx, posts) = unbounded_channel();
    let mut a = App::new(AppInit {
        agents,
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    });
    let dir = tempfile::tempdir().unwrap();
    a.set_workspace_runner(
        tx,
        dir.path().to_path_buf(),
        Some(EngineHandle::new(cmd_tx)),
    );
    (a, cmds, posts, dir)
}

fn key(a: &mut App, code: KeyCode) -> Vec<Intent> {
    let i = a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    ))));
    a.sync_workspace_widgets();
    i
}

fn draw(a: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    t.backend().to_string()
}

/// Answer the next review request (for `agent`, `view`) with `diff`, and fold what the
/// loader posts back.
async fn answer(
    a: &mut App,
    cmds: &mut UnboundedReceiver<EngineCommand>,
    posts: &mut UnboundedReceiver<AppEvent>,
    view: ReviewView,
    diff: &str,
) {
    match crate::ui::tests::next_within(cmds).await {
        EngineCommand::WorktreeReview {
            agent,
            view: asked,
            reply,
        } => {
            assert_eq!(agent, "0a1b2c3d4e5f");
            assert_eq!(asked, view);
            reply
                .send(Ok(Some(ReviewDiff {
                    view,
                    merge_base: MB.into(),
                    commits: commits(),
                    diff: diff.into(),
                })))
                .unwrap();
        }
        other => panic!("{other:?}"),
    }
    let ev = crate::ui::tests::next_within(posts).await;
    a.handle(ev);
    a.sync_workspace_widgets();
}

fn table_selected(a: &App) -> Option<AgentId> {
    a.ws.table("agents").and_then(|t| t.selected.clone())
}

fn pending_text(a: &mut App) -> Option<String> {
    let tab = a.ws.active_id().to_owned();
    match a.ws.panel_state_mut(&tab, "diff") {
        Some(PanelState::Workspace(s)) => match s.panel.as_ref() {
            Some(WsPanel::Diff(d)) => Some(format!("{:?}", d.review)),
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test]
async fn v_opens_the_review_of_an_agent_that_steps_through_commits_and_follows_the_table() {
    let (alpha, beta) = agents();
    let (mut a, mut cmds, mut posts, _dir) = review_app(vec![alpha.clone(), beta.clone()]);
    // The dashboard's table: select alpha, `v`.
    a.focus = Focus::Panel("agents".into());
    a.select_in_tables(&alpha.id);
    draw(&mut a, 160, 45);
    // The transcript beside the diff asks for alpha's transcript.
    let intents = key(&mut a, KeyCode::Char('v'));
    assert!(
        intents.iter().any(|i| matches!(i, Intent::Transcript(
            crate::ui::app::transcript_glue::TranscriptIntent::Load { agent, .. }) if *agent == alpha.id)),
        "{intents:?}"
    );
    assert_eq!(a.ws.tabs().len(), 2, "the review opens as a tab");
    assert_eq!(a.ws.layout_name(a.ws.active_id()), Some("review"));
    assert_eq!(a.focus, Focus::Panel("diff".into()));
    assert_eq!(table_selected(&a), Some(alpha.id.clone()));
    answer(&mut a, &mut cmds, &mut posts, ReviewView::Whole, WHOLE).await;
    let file = crate::store::transcript_index::TestTranscript::with(&[
        TranscriptEntry {
            ts: NOW - 290.0,
            item: TranscriptItem::User {
                text: "make the parser report errors".into(),
            },
        },
        TranscriptEntry {
            ts: NOW - 100.0,
            item: TranscriptItem::Assistant {
                text: "Done: `build` errors propagate, `check` runs after.".into(),
            },
        },
    ]);
    a.handle(crate::ui::app::transcript_glue::answer_load(
        &file, &intents,
    ));
    let s = draw(&mut a, 160, 45);
    assert!(
        s.contains("alpha · whole branch vs merge base 9f8e7d6 + uncommitted · 2 commit(s)"),
        "{s}"
    );
    assert!(
        s.contains("tests/parse.rs") && s.contains("make the parser"),
        "{s}"
    );

    // `>`: the first commit, told in the header at once, loaded on the next sync.
    key(&mut a, KeyCode::Char('>'));
    let s = draw(&mut a, 160, 45);
    assert!(
        s.contains("commit 1/2 a1b2c3d fix parser  +2/-1") && s.contains("loading…"),
        "{s}"
    );
    answer(
        &mut a,
        &mut cmds,
        &mut posts,
        ReviewView::Commit(C1.into()),
        FIRST,
    )
    .await;
    let s = draw(&mut a, 160, 45);
    assert!(
        s.contains("check(&ast)?;") && !s.contains("tests/parse.rs"),
        "{s}"
    );
    insta::assert_snapshot!("review_commit_160x45", s);
    insta::assert_snapshot!("review_commit_80x24", draw(&mut a, 80, 24));

    // The agent's change grows: the commit view reloads as it is (not back to the whole).
    let mut grown = alpha.clone();
    if let Some(w) = grown.worktree.as_mut() {
        w.added += 1;
    }
    a.handle(AppEvent::Engine(Box::new(EngineEvent::AgentUpdated(grown))));
    a.sync_workspace_widgets();
    answer(
        &mut a,
        &mut cmds,
        &mut posts,
        ReviewView::Commit(C1.into()),
        FIRST,
    )
    .await;

    // A comment on an added line of this commit names the commit.
    for _ in 0..4 {
        key(&mut a, KeyCode::Char('j'));
    }
    key(&mut a, KeyCode::Char('c'));
    for ch in "why check here?".chars() {
        key(&mut a, KeyCode::Char(ch));
    }
    key(&mut a, KeyCode::Enter);
    match key(&mut a, KeyCode::Char('S')).as_slice() {
        [Intent::Send { agent, text }] => {
            assert_eq!(agent, "0a1b2c3d4e5f");
            assert!(
                text.contains(
                    "1. src/parser.rs:11 in commit a1b2c3d \"fix parser\" (line as of that commit)\n   >     let ast = build(tokens)?;\n   why check here?"
                ),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(draw(&mut a, 160, 45).contains("1 comment(s) sent to alpha"));

    // `>` the second commit, `>` the uncommitted changes, `>` wraps to the whole branch,
    // `<` back, `w` whole, `u` uncommitted.
    key(&mut a, KeyCode::Char('>'));
    answer(
        &mut a,
        &mut cmds,
        &mut posts,
        ReviewView::Commit(C2.into()),
        SECOND,
    )
    .await;
    assert!(draw(&mut a, 160, 45).contains("commit 2/2 b2c3d4e add tests  +2/-0"));
    key(&mut a, KeyCode::Char('>'));
    answer(
        &mut a,
        &mut cmds,
        &mut posts,
        ReviewView::Uncommitted,
        LOOSE,
    )
    .await;
    let s = draw(&mut a, 160, 45);
    assert!(
        s.contains("uncommitted changes only (vs HEAD b2c3d4e)") && s.contains("+todo: errors"),
        "{s}"
    );
    key(&mut a, KeyCode::Char('>'));
    answer(&mut a, &mut cmds, &mut posts, ReviewView::Whole, WHOLE).await;
    key(&mut a, KeyCode::Char('<'));
    answer(
        &mut a,
        &mut cmds,
        &mut posts,
        ReviewView::Uncommitted,
        LOOSE,
    )
    .await;
    key(&mut a, KeyCode::Char('w'));
    answer(&mut a, &mut cmds, &mut posts, ReviewView::Whole, WHOLE).await;
    // `w` on the whole branch: nothing to load.
    key(&mut a, KeyCode::Char('w'));
    assert!(cmds.try_recv().is_err());

    // An unsent comment, then the table selects beta (a plain agent).
    for _ in 0..4 {
        key(&mut a, KeyCode::Char('j'));
    }
    key(&mut a, KeyCode::Char('c'));
    key(&mut a, KeyCode::Char('?'));
    key(&mut a, KeyCode::Enter);
    assert!(draw(&mut a, 160, 45).contains("1 comment(s) pending"));
    a.focus = Focus::Panel("agents".into());
    let first = {
        let t = a.ws.table("agents").unwrap();
        table_rows(&a.agents, t)[0].id.clone()
    };
    key(
        &mut a,
        if first == alpha.id {
            KeyCode::Char('j')
        } else {
            KeyCode::Char('k')
        },
    );
    assert_eq!(table_selected(&a), Some(beta.id.clone()));
    match crate::ui::tests::next_within(&mut cmds).await {
        EngineCommand::LoadTranscript { agent, reply } => {
            assert_eq!(agent, "beta00000001");
            reply
                .send(Ok(vec![TranscriptEntry {
                    ts: NOW,
                    item: TranscriptItem::ToolUse {
                        id: "t1".into(),
                        name: "Edit".into(),
                        input: json!({"file_path": "/r/beta.rs", "old_string": "old", "new_string": "new"}),
                    },
                }]))
                .unwrap();
        }
        other => panic!("{other:?}"),
    }
    let ev = crate::ui::tests::next_within(&mut posts).await;
    a.handle(ev);
    a.sync_workspace_widgets();
    let s = draw(&mut a, 160, 45);
    assert!(
        s.contains("beta · edits from its transcript") && s.contains("+new"),
        "{s}"
    );
    assert!(!s.contains("pending"), "alpha's comment is not beta's: {s}");
    assert!(
        !s.contains("commit(s)"),
        "no commit views for a plain agent: {s}"
    );
    let transcript = a.ws.transcript_mut("transcript").unwrap().agent().cloned();
    assert_eq!(
        transcript,
        Some(beta.id.clone()),
        "the transcript follows too"
    );
    // Cheap: nothing loads again while the selection stays.
    for _ in 0..3 {
        a.sync_workspace_widgets();
        draw(&mut a, 160, 45);
    }
    assert!(cmds.try_recv().is_err(), "one load per selection change");
    // beta edits again: its transcript diff reloads.
    for item in [
        TranscriptItem::ToolUse {
            id: "t2".into(),
            name: "Write".into(),
            input: json!({"file_path": "/r/more.rs", "content": "more\n"}),
        },
        TranscriptItem::ToolResult {
            tool_use_id: "t2".into(),
            content: json!("ok"),
            is_error: false,
        },
    ] {
        a.handle(AppEvent::Engine(Box::new(EngineEvent::Transcript {
            agent_id: beta.id.clone(),
            entry: TranscriptEntry { ts: NOW, item },
            at: None,
        })));
    }
    a.sync_workspace_widgets();
    match crate::ui::tests::next_within(&mut cmds).await {
        EngineCommand::LoadTranscript { agent, .. } => assert_eq!(agent, "beta00000001"),
        other => panic!("{other:?}"),
    }
    // The dropped reply makes the loader fall back to an error for that generation.
    let ev = crate::ui::tests::next_within(&mut posts).await;
    a.handle(ev);

    // Back to alpha: its unsent comment is still there.
    key(
        &mut a,
        if first == alpha.id {
            KeyCode::Char('k')
        } else {
            KeyCode::Char('j')
        },
    );
    answer(&mut a, &mut cmds, &mut posts, ReviewView::Whole, WHOLE).await;
    let s = draw(&mut a, 160, 45);
    assert!(s.contains("1 comment(s) pending"), "{s}");
    assert!(pending_text(&mut a).unwrap().contains("\"?\""));

    // `v` again (from the review tab's own table) stays in this tab.
    key(&mut a, KeyCode::Char('v'));
    assert_eq!(a.ws.tabs().len(), 2);
    assert_eq!(a.focus, Focus::Panel("diff".into()));
}

/// The commit asked for left the branch (amended): the panel shows the whole branch and says
/// why.
#[tokio::test]
async fn a_commit_gone_from_the_branch_falls_back_to_the_whole_branch() {
    let (alpha, _) = agents();
    let (mut a, mut cmds, mut posts, _dir) = review_app(vec![alpha.clone()]);
    a.focus = Focus::Panel("agents".into());
    key(&mut a, KeyCode::Char('v'));
    answer(&mut a, &mut cmds, &mut posts, ReviewView::Whole, WHOLE).await;
    key(&mut a, KeyCode::Char('>'));
    match crate::ui::tests::next_within(&mut cmds).await {
        EngineCommand::WorktreeReview { view, reply, .. } => {
            assert_eq!(view, ReviewView::Commit(C1.into()));
            reply
                .send(Ok(Some(ReviewDiff {
                    view: ReviewView::Whole,
                    merge_base: MB.into(),
                    commits: Vec::new(),
                    diff: WHOLE.into(),
                })))
                .unwrap();
        }
        other => panic!("{other:?}"),
    }
    let ev = posts.recv().await.unwrap();
    a.handle(ev);
    let s = draw(&mut a, 120, 30);
    assert!(
        s.contains("whole branch vs merge base 9f8e7d6")
            && s.contains("commit a1b2c3d is no longer on the branch"),
        "{s}"
    );
}
