//! UI tests without a terminal: TestBackend snapshots of whole screens, and the event loop
//! driven by scripted keys against an engine whose command receiver the test owns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::app::{App, AppInit, DENY_MESSAGE, Focus};
use super::app_event::AppEvent;
use super::event_loop::{LoopIo, run_loop};
use crate::core::agent::{AgentRecord, AgentState, SpawnOptions};
use crate::core::ids::{AgentId, RequestId};
use crate::core::layout::Workspace;
use crate::core::permission::{Decision, PermissionRequest};
use crate::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem};
use crate::engine::{EngineCommand, EngineEvent, EngineHandle};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;

/// 2024-05-01 14:05:12 UTC
const NOW: f64 = 1_714_572_312.0;

fn record(id: &str, name: &str, state: AgentState, started: f64) -> AgentRecord {
    AgentRecord::new(
        AgentId(id.to_owned()),
        name,
        "/home/dev/src/demo",
        state,
        started,
    )
}

fn orchestrator(state: AgentState) -> AgentRecord {
    record("orchestrator", "orchestrator", state, NOW - 5.0)
}

/// The App on the seeded workspace with `agents`, at `NOW` in UTC (UI tests).
pub(crate) fn app_with(agents: Vec<AgentRecord>, bypass: bool) -> App {
    App::new(AppInit {
        agents,
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/src/demo".to_owned(),
        bypass,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn engine(app: &mut App, ev: EngineEvent) {
    app.handle(AppEvent::Engine(Box::new(ev)));
}

fn entry(item: TranscriptItem) -> EngineEvent {
    EngineEvent::Transcript {
        agent_id: AgentId::orchestrator(),
        entry: TranscriptEntry { ts: NOW, item },
        at: None,
    }
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    t
}

fn screen(t: &Terminal<TestBackend>) -> String {
    t.backend().to_string()
}

#[test]
fn first_launch_dashboard_160x45() {
    let mut app = app_with(vec![orchestrator(AgentState::Idle)], false);
    let t = draw(&mut app, 160, 45);
    let s = screen(&t);
    for title in ["Orchestrator", "Agents", "Activity"] {
        assert!(s.contains(title), "{title} missing:\n{s}");
    }
    assert!(s.contains("No agents yet — ask the orchestrator, or press n"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn first_launch_dashboard_80x24() {
    let mut app = app_with(vec![orchestrator(AgentState::Idle)], false);
    let t = draw(&mut app, 80, 24);
    let s = screen(&t);
    for title in ["Orchestrator", "Agents", "Activity", "^Q quit"] {
        assert!(s.contains(title), "{title} missing:\n{s}");
    }
    insta::assert_snapshot!(t.backend());
}

#[test]
fn claude_not_found_notice_in_orchestrator_panel() {
    let mut app = app_with(vec![orchestrator(AgentState::Error)], false);
    engine(
        &mut app,
        entry(TranscriptItem::Notice {
            level: NoticeLevel::Error,
            text: crate::engine::manager::not_found_message("/nonexistent/claude"),
        }),
    );
    let t = draw(&mut app, 100, 30);
    let s = screen(&t);
    assert!(s.contains("Claude Code was not found"), "{s}");
    assert!(
        s.contains("npm install -g"),
        "notice is wrapped, not cut:\n{s}"
    );
    insta::assert_snapshot!(t.backend());
}

fn busy_dashboard() -> App {
    let mut orch = orchestrator(AgentState::Running);
    orch.tokens_in = 12_400;
    orch.tokens_out = 2_100;
    orch.cost_usd = 0.12;
    let mut app = app_with(vec![orch], true);
    let mut tests = record("a1b2c3d4e5f6", "tests", AgentState::Running, NOW - 95.0);
    tests.model = Some("claude-sonnet-4-5-20250929".into());
    tests.tokens_in = 5_300;
    tests.tokens_out = 800;
    tests.cost_usd = 0.04;
    tests.spawn_options = Some(SpawnOptions {
        prompt: "run the test suite and fix failures".into(),
        ..SpawnOptions::default()
    });
    let mut docs = record("0a1b2c3d4e5f", "docs", AgentState::Done, NOW - 300.0);
    docs.ended_at = Some(NOW - 120.0);
    docs.cost_usd = 0.02;
    engine(&mut app, EngineEvent::AgentUpdated(docs));
    engine(&mut app, EngineEvent::AgentUpdated(tests.clone()));
    engine(
        &mut app,
        entry(TranscriptItem::User {
            text: "Run the tests and update the docs".into(),
        }),
    );
    engine(
        &mut app,
        entry(TranscriptItem::Thinking {
            text: "Two independent jobs; spawn two agents.".into(),
        }),
    );
    engine(
        &mut app,
        entry(TranscriptItem::ToolUse {
            id: "t1".into(),
            name: "mcp__patchfeld__spawn_agent".into(),
            input: json!({"name": "tests"}),
        }),
    );
    engine(
        &mut app,
        entry(TranscriptItem::ToolResult {
            tool_use_id: "t1".into(),
            content: json!("spawned tests (a1b2c3d4e5f6)"),
            is_error: false,
        }),
    );
    engine(
        &mut app,
        entry(TranscriptItem::Assistant {
            text: "I started **tests** to run the suite and **docs** to refresh the README. \
                   I will report back when both are done."
                .into(),
        }),
    );
    engine(
        &mut app,
        EngineEvent::Transcript {
            agent_id: tests.id.clone(),
            entry: TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::ToolUse {
                    id: "t2".into(),
                    name: "Bash".into(),
                    input: json!({"command": "cargo test --all"}),
                },
            },
            at: None,
        },
    );
    engine(&mut app, permission_event(&tests.id, "req1"));
    app
}

fn permission_event(agent: &AgentId, req: &str) -> EngineEvent {
    EngineEvent::PermissionRequested {
        agent_id: agent.clone(),
        agent_name: "tests".into(),
        request: PermissionRequest {
            request_id: RequestId(req.to_owned()),
            tool_name: "Bash".into(),
            input: json!({"command": "cargo test --all", "description": "Run all tests"}),
            description: Some("Run all tests".into()),
            blocked_path: None,
            suggestions: json!([]),
            tool_use_id: Some("t2".into()),
        },
    }
}

#[test]
fn agents_transcript_and_permission_modal() {
    let mut app = busy_dashboard();
    let t = draw(&mut app, 160, 45);
    let s = screen(&t);
    assert!(s.contains("tests wants to use Bash"), "{s}");
    assert!(s.contains("1 of 1 pending"), "{s}");
    assert!(s.contains("BYPASS"), "{s}");
    assert!(s.contains("… working"), "busy marker:\n{s}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn esc_hides_the_modal_and_p_brings_it_back() {
    let mut app = busy_dashboard();
    app.handle(key(KeyCode::Esc));
    let s = screen(&draw(&mut app, 160, 45));
    assert!(!s.contains("wants to use"), "{s}");
    assert!(s.contains("1 permission pending"), "{s}");
    // Typing in the chat: `p` is text there, so the modal stays hidden.
    app.handle(key(KeyCode::Char('p')));
    assert!(!screen(&draw(&mut app, 160, 45)).contains("wants to use"));
    app.handle(ctrl('p'));
    assert!(screen(&draw(&mut app, 160, 45)).contains("wants to use"));
    app.handle(key(KeyCode::Char('n')));
    assert_eq!(app.pending_permissions(), 0);
}

#[test]
fn deny_once_sends_the_standard_message() {
    let mut app = busy_dashboard();
    let intents = app.handle(key(KeyCode::Char('n')));
    assert!(
        matches!(
            intents.as_slice(),
            [super::app::Intent::Decide { decision: Decision::Deny { message, interrupt: false }, .. }]
                if message == DENY_MESSAGE
        ),
        "{intents:?}"
    );
}

#[test]
fn resolved_requests_leave_the_queue() {
    let mut app = busy_dashboard();
    let id = AgentId("a1b2c3d4e5f6".into());
    engine(&mut app, permission_event(&id, "req2"));
    assert_eq!(app.pending_permissions(), 2);
    engine(
        &mut app,
        EngineEvent::PermissionResolved {
            agent_id: id,
            request_id: RequestId("req1".into()),
            outcome: "cancelled".into(),
        },
    );
    assert_eq!(app.pending_permissions(), 1);
}

#[test]
fn tab_cycles_panels_and_slash_opens_the_command_bar() {
    let mut app = app_with(vec![orchestrator(AgentState::Idle)], false);
    assert_eq!(app.focus(), &Focus::Panel("orch".into()));
    app.handle(key(KeyCode::Tab));
    assert_eq!(app.focus(), &Focus::Panel("agents".into()));
    // `/` filters the agent table; on the feed it opens the command bar.
    app.handle(key(KeyCode::Tab));
    app.handle(key(KeyCode::Char('/')));
    assert_eq!(
        app.focus(),
        &Focus::CommandBar {
            back: "feed".into()
        }
    );
    for c in "hello".chars() {
        app.handle(key(KeyCode::Char(c)));
    }
    let intents = app.handle(key(KeyCode::Enter));
    assert_eq!(
        intents,
        vec![super::app::Intent::Send {
            agent: "orchestrator".into(),
            text: "hello".into()
        }]
    );
    assert_eq!(app.focus(), &Focus::Panel("feed".into()));
    app.handle(key(KeyCode::BackTab));
    app.handle(key(KeyCode::BackTab));
    assert_eq!(app.focus(), &Focus::Panel("orch".into()));
}

#[test]
fn startup_notices_show_in_feed_and_as_toast() {
    let mut app = App::new(AppInit {
        agents: vec![],
        workspace: Workspace::seed(),
        notices: vec!["agents.json was corrupt; moved aside".into()],
        cwd_display: "~".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    });
    assert!(app.needs_tick(), "a toast must expire");
    let s = screen(&draw(&mut app, 160, 45));
    assert_eq!(s.matches("agents.json was corrupt").count(), 2, "{s}");
    app.set_now(NOW + 10.0);
    app.handle(AppEvent::Tick);
    assert!(!app.needs_tick(), "idle app needs no timer");
    let s = screen(&draw(&mut app, 160, 45));
    assert_eq!(s.matches("agents.json was corrupt").count(), 1, "{s}");
}

fn key(code: KeyCode) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(c: char) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn raw_key(code: KeyCode, modifiers: KeyModifiers) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, modifiers)))
}

/// Scripted terminal input that behaves like crossterm's `EventStream`: while it waits, it
/// keeps the *first* waker it was polled with and ignores later ones. A loop that ever polls
/// it with a no-op waker (e.g. `now_or_never`) never wakes again.
#[derive(Clone, Default)]
struct FirstWakerInput {
    inner: std::sync::Arc<std::sync::Mutex<FirstWakerState>>,
}

#[derive(Default)]
struct FirstWakerState {
    queue: std::collections::VecDeque<Event>,
    waker: Option<std::task::Waker>,
    closed: bool,
}

impl FirstWakerInput {
    fn send(&self, code: KeyCode, modifiers: KeyModifiers) {
        let mut s = self.inner.lock().unwrap();
        s.queue
            .push_back(Event::Key(KeyEvent::new(code, modifiers)));
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }

    fn close(&self) {
        let mut s = self.inner.lock().unwrap();
        s.closed = true;
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }
}

impl futures_util::Stream for FirstWakerInput {
    type Item = std::io::Result<Event>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let mut s = self.inner.lock().unwrap();
        if let Some(ev) = s.queue.pop_front() {
            return std::task::Poll::Ready(Some(Ok(ev)));
        }
        if s.closed {
            return std::task::Poll::Ready(None);
        }
        if s.waker.is_none() {
            s.waker = Some(cx.waker().clone());
        }
        std::task::Poll::Pending
    }
}

/// The next message on `rx` (an engine command, a posted event), within 5 s (UI tests).
pub(crate) async fn next_within<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("nothing arrived within 5s")
        .expect("channel closed")
}

#[tokio::test]
async fn event_loop_sends_messages_decides_permissions_and_quits() {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let handle = EngineHandle::new(cmd_tx);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (post_tx, posts) = mpsc::unbounded_channel();
    let keys = FirstWakerInput::default();
    let input = keys.clone();
    let mut app = app_with(vec![orchestrator(AgentState::Idle)], false);
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

    for c in "run the tests".chars() {
        keys.send(KeyCode::Char(c), KeyModifiers::NONE);
    }
    keys.send(KeyCode::Enter, KeyModifiers::NONE);
    match next_within(&mut cmd_rx).await {
        EngineCommand::Send { agent, text, reply } => {
            assert_eq!(agent, "orchestrator");
            assert_eq!(text, "run the tests");
            let _ = reply.send(Ok(()));
        }
        other => panic!("expected Send, got {other:?}"),
    }

    let agent = AgentId("a1b2c3d4e5f6".into());
    ev_tx
        .send(EngineEvent::AgentUpdated(record(
            agent.as_str(),
            "tests",
            AgentState::AwaitingPermission,
            NOW,
        )))
        .unwrap();
    ev_tx.send(permission_event(&agent, "req1")).unwrap();
    keys.send(KeyCode::Char('y'), KeyModifiers::NONE);
    match next_within(&mut cmd_rx).await {
        EngineCommand::DecidePermission {
            agent_id,
            request_id,
            decision,
            reply,
        } => {
            assert_eq!(agent_id, agent);
            assert_eq!(request_id, RequestId("req1".into()));
            assert_eq!(
                decision,
                Decision::Allow {
                    updated_input: json!({"command": "cargo test --all", "description": "Run all tests"})
                }
            );
            let _ = reply.send(Ok(()));
        }
        other => panic!("expected DecidePermission, got {other:?}"),
    }

    keys.send(KeyCode::Char('q'), KeyModifiers::CONTROL);
    // The input stays open: the loop must end because of ctrl-q, not because input ended.
    let (result, mut app) = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("loop did not end after ctrl-q")
        .unwrap();
    result.unwrap();
    keys.close();
    assert!(app.should_quit());
    assert_eq!(
        app.pending_permissions(),
        0,
        "the decided request left the queue"
    );
    let s = screen(&draw(&mut app, 120, 40));
    assert!(
        !s.contains("wants to use"),
        "modal gone after deciding:\n{s}"
    );
    assert!(
        s.contains("wants Bash: cargo test --all"),
        "activity shows the request:\n{s}"
    );
}

#[tokio::test]
async fn failed_commands_become_visible_notices() {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let handle = EngineHandle::new(cmd_tx);
    let (_ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (key_tx, mut key_rx) = mpsc::unbounded_channel::<std::io::Result<Event>>();
    let (post_tx, posts) = mpsc::unbounded_channel();
    let input = futures_util::stream::poll_fn(move |cx| key_rx.poll_recv(cx));
    let mut app = app_with(vec![orchestrator(AgentState::Idle)], false);
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
    key_tx
        .send(raw_key(KeyCode::Char('x'), KeyModifiers::NONE))
        .unwrap();
    key_tx
        .send(raw_key(KeyCode::Enter, KeyModifiers::NONE))
        .unwrap();
    match next_within(&mut cmd_rx).await {
        EngineCommand::Send { reply, .. } => {
            let _ = reply.send(Err(crate::engine::EngineError::NotLive(
                "orchestrator".into(),
            )));
        }
        other => panic!("expected Send, got {other:?}"),
    }
    // Let the reply travel back (the reply task posts, the loop takes posts first), then
    // end the input.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    drop(key_tx);
    let (result, mut app) = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("loop did not end when input closed")
        .unwrap();
    result.unwrap();
    let s = screen(&draw(&mut app, 120, 40));
    assert!(s.contains("message to orchestrator failed"), "{s}");
}

#[tokio::test]
async fn input_wakes_the_loop_after_it_went_idle() {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let handle = EngineHandle::new(cmd_tx);
    let (_ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (post_tx, posts) = mpsc::unbounded_channel();
    let keys = FirstWakerInput::default();
    let input = keys.clone();
    let mut app = app_with(vec![orchestrator(AgentState::Idle)], false);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let task = tokio::spawn(async move {
        let io = LoopIo {
            input,
            engine_events: ev_rx,
            posts,
            post_tx,
        };
        run_loop(&mut terminal, &mut app, &handle, io).await
    });
    for round in ["first", "second"] {
        for c in round.chars() {
            keys.send(KeyCode::Char(c), KeyModifiers::NONE);
        }
        keys.send(KeyCode::Enter, KeyModifiers::NONE);
        match next_within(&mut cmd_rx).await {
            EngineCommand::Send { text, reply, .. } => {
                assert_eq!(text, round);
                let _ = reply.send(Ok(()));
            }
            other => panic!("expected Send, got {other:?}"),
        }
        // Not synchronisation: this only gives the loop time to draw and fall idle with
        // no timer left, so the next keys must wake it through the input stream alone.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    keys.send(KeyCode::Char('q'), KeyModifiers::CONTROL);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("loop did not wake for ctrl-q")
        .unwrap()
        .unwrap();
}
