//! The New agent dialog through `App::handle` (keys, pastes, clicks, the engine's answer),
//! through the event loop against an engine handle whose commands the test answers, and
//! TestBackend snapshots at 160x45 and 80x24.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{SpawnEvent, SpawnIntent};
use crate::core::agent::{AgentRecord, AgentState, PermissionMode};
use crate::core::ids::AgentId;
use crate::core::worktree::WorktreeRequest;
use crate::engine::{EngineCommand, EngineError, EngineHandle};
use crate::ui::app::{App, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::event_loop::{LoopIo, run_loop};
use crate::ui::widgets::spawn_dialog::Field;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;
use tokio::sync::mpsc;

/// 2024-05-01 14:05:12 UTC
const NOW: f64 = 1_714_572_312.0;

fn rec(id: &str, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord::new(
        AgentId(id.to_owned()),
        name,
        "/home/dev/src/demo",
        state,
        NOW - 60.0,
    )
}

fn app() -> App {
    crate::ui::tests::app_with(
        vec![
            rec("orchestrator", "orchestrator", AgentState::Idle),
            rec("a00000000001", "tests", AgentState::Running),
            rec("a00000000002", "docs", AgentState::Done),
        ],
        false,
    )
}

fn key_with(code: KeyCode, mods: KeyModifiers) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, mods)))
}

fn key(code: KeyCode) -> AppEvent {
    key_with(code, KeyModifiers::NONE)
}

fn typed(a: &mut App, text: &str) {
    for c in text.chars() {
        a.handle(key(KeyCode::Char(c)));
    }
}

fn screen(a: &mut App, w: u16, h: u16) -> (Terminal<TestBackend>, String) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    let s = t.backend().to_string();
    (t, s)
}

fn focus_table(a: &mut App) {
    a.handle(key(KeyCode::Tab));
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));
}

/// `n` in the table, then: name, prompt (two lines), model via space, mode, worktree with
/// a branch.
fn filled() -> App {
    let mut a = app();
    focus_table(&mut a);
    a.handle(key(KeyCode::Char('n')));
    assert!(a.spawn_dialog_open(), "n opens the dialog");
    typed(&mut a, "reviewer");
    a.handle(key(KeyCode::Tab));
    typed(&mut a, "Review the open diff");
    a.handle(key(KeyCode::Enter));
    typed(&mut a, "and list the risky hunks.");
    a.handle(key(KeyCode::Tab));
    a.handle(key(KeyCode::Char(' ')));
    a.handle(key(KeyCode::Char(' ')));
    a.handle(key(KeyCode::Tab));
    a.handle(key(KeyCode::Right));
    a.handle(key(KeyCode::Right));
    a.handle(key(KeyCode::Tab));
    a.handle(key(KeyCode::Char(' ')));
    a.handle(key(KeyCode::Tab));
    typed(&mut a, "review/diff");
    a
}

fn ctrl_s(a: &mut App) -> Vec<Intent> {
    a.handle(key_with(KeyCode::Char('s'), KeyModifiers::CONTROL))
}

fn spawn_of(out: Vec<Intent>) -> SpawnIntent {
    match out.as_slice() {
        [Intent::Spawn(s)] => s.clone(),
        other => panic!("expected one spawn, got {other:?}"),
    }
}

#[test]
fn n_then_submit_asks_the_engine_for_a_worktree_spawn() {
    let mut a = filled();
    let s = spawn_of(ctrl_s(&mut a));
    assert_eq!(s.name, "reviewer");
    assert_eq!(
        s.options.prompt,
        "Review the open diff\nand list the risky hunks."
    );
    assert_eq!(s.options.model.as_deref(), Some("opus"));
    assert_eq!(s.options.permission_mode, Some(PermissionMode::AcceptEdits));
    assert_eq!(
        s.options.worktree.as_deref(),
        Some(&WorktreeRequest {
            branch: Some("review/diff".into()),
            base: None,
        })
    );
    // While the engine works the dialog says so and takes no edits.
    let (_, text) = screen(&mut a, 160, 45);
    assert!(text.contains("spawning (creating the worktree)…"), "{text}");
    typed(&mut a, "zzz");
    assert_eq!(a.spawn_draft().unwrap().prompt().matches("zzz").count(), 0);

    let id = AgentId("b00000000009".into());
    a.handle(AppEvent::Spawn(SpawnEvent {
        serial: s.serial,
        name: "reviewer".into(),
        worktree: true,
        result: Ok(id.clone()),
    }));
    assert!(!a.spawn_dialog_open(), "success closes the dialog");
    assert!(a.spawn_draft().is_none(), "and drops the draft");
    assert_eq!(a.ws.table("agents").unwrap().selected, Some(id));
    assert!(
        a.toasts
            .iter()
            .any(|t| t.text == "spawned reviewer in its own git worktree"),
        "a notice says so"
    );
    // The next `n` starts from an empty form.
    a.handle(key(KeyCode::Char('n')));
    assert_eq!(a.spawn_draft().unwrap().name(), "");
}

#[test]
fn an_engine_refusal_stays_in_the_dialog_with_the_draft() {
    let mut a = filled();
    let s = spawn_of(ctrl_s(&mut a));
    a.handle(AppEvent::Spawn(SpawnEvent {
        serial: s.serial,
        name: s.name.clone(),
        worktree: true,
        result: Err("/home/dev/src/demo is not a git repository".into()),
    }));
    assert!(a.spawn_dialog_open());
    let d = a.spawn_draft().unwrap();
    assert_eq!(d.name(), "reviewer");
    assert!(d.prompt().starts_with("Review the open diff"));
    assert!(!d.pending());
    assert_eq!(d.focus(), Field::Worktree, "the worktree is what failed");
    let (_, text) = screen(&mut a, 160, 45);
    assert!(
        text.contains("✗ /home/dev/src/demo is not a git repository"),
        "{text}"
    );
    // Unchecking the box and submitting again works from the same draft; the old error goes.
    a.handle(key(KeyCode::Char(' ')));
    let again = spawn_of(ctrl_s(&mut a));
    assert_eq!(again.options.worktree, None);
    assert_ne!(again.serial, s.serial);
    assert!(a.spawn_draft().unwrap().error().is_none());
    // A duplicate name sends the focus back to the name.
    a.handle(AppEvent::Spawn(SpawnEvent {
        serial: again.serial,
        name: again.name,
        worktree: false,
        result: Err(EngineError::NameTaken("reviewer".into()).to_string()),
    }));
    assert_eq!(a.spawn_draft().unwrap().focus(), Field::Name);
}

#[test]
fn esc_closes_keeping_the_draft_and_the_action_reopens_it() {
    let mut a = app();
    // From the chat (focused at start): the global `alt-n`.
    a.handle(key_with(KeyCode::Char('n'), KeyModifiers::ALT));
    assert!(a.spawn_dialog_open());
    typed(&mut a, "scout");
    a.handle(key(KeyCode::Tab));
    typed(&mut a, "map the crate");
    assert!(a.chat.input.text().is_empty(), "the chat got no keys");
    a.handle(key(KeyCode::Esc));
    assert!(!a.spawn_dialog_open());
    let (_, text) = screen(&mut a, 160, 45);
    assert!(!text.contains("New agent"), "{text}");
    // `:new_agent` from the command bar brings the same draft back.
    focus_table(&mut a);
    a.handle(key(KeyCode::Char(':')));
    typed(&mut a, "new_agent");
    a.handle(key(KeyCode::Enter));
    assert!(a.spawn_dialog_open());
    let d = a.spawn_draft().unwrap();
    assert_eq!((d.name(), d.prompt()), ("scout", "map the crate"));
    assert_eq!(d.focus(), Field::Prompt, "where the user left it");
    // ctrl-r clears the form.
    a.handle(key_with(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_eq!(a.spawn_draft().unwrap().prompt(), "");
}

#[test]
fn slash_new_prefills_the_name_and_names_are_checked_inline() {
    let mut a = app();
    typed(&mut a, "/new tests");
    a.handle(key(KeyCode::Enter));
    assert!(a.spawn_dialog_open(), "/new opens the dialog");
    assert_eq!(a.spawn_draft().unwrap().name(), "tests");
    assert_eq!(a.spawn_draft().unwrap().focus(), Field::Prompt);
    let (_, text) = screen(&mut a, 160, 45);
    assert!(
        text.contains("✗ an agent named 'tests' is already live; choose another name"),
        "a running agent's name is taken:\n{text}"
    );
    typed(&mut a, "do it");
    assert!(ctrl_s(&mut a).is_empty(), "no spawn with a taken name");
    assert_eq!(a.spawn_draft().unwrap().focus(), Field::Name);
    // A finished agent's name is for the engine to judge (its process may be gone).
    a.handle(key_with(KeyCode::Char('u'), KeyModifiers::CONTROL));
    typed(&mut a, "docs");
    assert_eq!(spawn_of(ctrl_s(&mut a)).name, "docs");
}

#[test]
fn pastes_go_to_the_focused_field_and_clicks_toggle_the_box() {
    let mut a = app();
    a.handle(key_with(KeyCode::Char('n'), KeyModifiers::ALT));
    a.handle(key(KeyCode::Tab));
    a.handle(AppEvent::Input(Event::Paste("first\nsecond".into())));
    assert_eq!(a.spawn_draft().unwrap().prompt(), "first\nsecond");
    let (_, text) = screen(&mut a, 160, 45);
    let row = text
        .lines()
        .position(|l| l.contains("[ ] worktree"))
        .expect("checkbox drawn");
    let col = text.lines().nth(row).unwrap().find("[ ]").unwrap();
    let col = text.lines().nth(row).unwrap()[..col].chars().count();
    a.handle(AppEvent::Input(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: col as u16 + 1,
        row: row as u16,
        modifiers: KeyModifiers::NONE,
    })));
    assert!(a.spawn_draft().unwrap().worktree(), "the click toggled it");
    let (_, text) = screen(&mut a, 160, 45);
    assert!(
        text.contains("[x] worktree") && text.contains("branch"),
        "{text}"
    );
}

#[test]
fn dialog_snapshot_160x45() {
    let mut a = filled();
    let (t, text) = screen(&mut a, 160, 45);
    for want in [
        "New agent",
        "reviewer",
        "and list the risky hunks.",
        "opus",
        "acceptEdits",
        "[x] worktree",
        "review/diff",
        "HEAD of the current branch",
        "ctrl-s",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    insta::assert_snapshot!(t.backend());
}

#[test]
fn dialog_snapshot_80x24() {
    let mut a = filled();
    let s = spawn_of(ctrl_s(&mut a));
    a.handle(AppEvent::Spawn(SpawnEvent {
        serial: s.serial,
        name: s.name,
        worktree: true,
        result: Err("fatal: not a git repository (or any of the parent directories): .git".into()),
    }));
    let (t, text) = screen(&mut a, 80, 24);
    for want in [
        "New agent",
        "reviewer",
        "[x] worktree",
        "not a git repository",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    insta::assert_snapshot!(t.backend());
}

/// The event loop runs the spawn against the engine handle and brings its answers back:
/// a refusal keeps the dialog, the retry's success closes it and selects the agent.
#[tokio::test]
async fn the_loop_sends_the_spawn_and_brings_the_answer_back() {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let handle = EngineHandle::new(cmd_tx);
    let (_ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (key_tx, mut key_rx) = mpsc::unbounded_channel::<std::io::Result<Event>>();
    let (post_tx, posts) = mpsc::unbounded_channel();
    let input = futures_util::stream::poll_fn(move |cx| key_rx.poll_recv(cx));
    let mut app = app();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let task_handle = handle.clone();
    let task = tokio::spawn(async move {
        let io = LoopIo {
            input,
            engine_events: ev_rx,
            posts,
            post_tx,
        };
        let r = run_loop(&mut terminal, &mut app, &task_handle, io).await;
        (r, app)
    });
    let send = |code: KeyCode, mods: KeyModifiers| {
        key_tx
            .send(Ok(Event::Key(KeyEvent::new(code, mods))))
            .unwrap();
    };
    send(KeyCode::Tab, KeyModifiers::NONE);
    send(KeyCode::Char('n'), KeyModifiers::NONE);
    for c in "wt".chars() {
        send(KeyCode::Char(c), KeyModifiers::NONE);
    }
    send(KeyCode::Tab, KeyModifiers::NONE);
    for c in "touch same.txt".chars() {
        send(KeyCode::Char(c), KeyModifiers::NONE);
    }
    for _ in 0..3 {
        send(KeyCode::Tab, KeyModifiers::NONE);
    }
    send(KeyCode::Char(' '), KeyModifiers::NONE);
    send(KeyCode::Char('s'), KeyModifiers::CONTROL);
    match crate::ui::tests::next_within(&mut cmd_rx).await {
        EngineCommand::Spawn {
            name,
            options,
            reply,
        } => {
            assert_eq!(name, "wt");
            assert_eq!(options.prompt, "touch same.txt");
            assert_eq!(
                options.worktree.as_deref(),
                Some(&WorktreeRequest::default())
            );
            let _ = reply.send(Err(EngineError::Invalid(
                "/tmp/x is not a git repository".into(),
            )));
        }
        other => panic!("expected Spawn, got {other:?}"),
    }
    // The refusal came back to the dialog (the draft is intact): submit again once the
    // reply task has posted it.
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    send(KeyCode::Char('s'), KeyModifiers::CONTROL);
    let id = AgentId("c00000000001".into());
    match crate::ui::tests::next_within(&mut cmd_rx).await {
        EngineCommand::Spawn { name, reply, .. } => {
            assert_eq!(name, "wt", "the retry carries the kept draft");
            let _ = reply.send(Ok(id.clone()));
        }
        other => panic!("expected Spawn, got {other:?}"),
    }
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    drop(key_tx);
    let (result, app) = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("loop did not end when input closed")
        .unwrap();
    result.unwrap();
    assert!(!app.spawn_dialog_open(), "success closed the dialog");
    assert_eq!(app.ws.table("agents").unwrap().selected, Some(id));
}
