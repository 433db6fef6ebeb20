//! Slash commands, the session picker, ctrl-c and history through `App::handle` (no
//! terminal), plus snapshots of the popup, the picker and the status bar, and one run of the
//! event loop that turns `/reset` into the engine command.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{SlashEvent, SlashIntent};
use crate::core::agent::{AgentRecord, AgentState, PermissionMode};
use crate::core::ids::{AgentId, RequestId};
use crate::core::layout::Workspace;
use crate::core::permission::PermissionRequest;
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::engine::{EngineCommand, EngineEvent, EngineHandle};
use crate::store::sessions::SessionEntry;
use crate::ui::app::{App, AppInit, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::event_loop::{LoopIo, run_loop};
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc;

/// 2024-05-01 14:05:12 UTC
const NOW: f64 = 1_714_572_312.0;

fn rec(id: &str, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord::new(AgentId(id.to_owned()), name, "/p", state, NOW - 20.0)
}

fn orch(state: AgentState) -> AgentRecord {
    let mut o = rec("orchestrator", "orchestrator", state);
    o.session_id = Some("sess-now".into());
    o.model = Some("claude-sonnet-4-5-20250929".into());
    o
}

fn app_with(agents: Vec<AgentRecord>, bypass: bool) -> App {
    App::new(AppInit {
        agents,
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/src/demo".into(),
        bypass,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn app() -> App {
    app_with(vec![orch(AgentState::Idle)], false)
}

fn ev(code: KeyCode, m: KeyModifiers) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, m)))
}

fn key(code: KeyCode) -> AppEvent {
    ev(code, KeyModifiers::NONE)
}

fn type_str(app: &mut App, s: &str) -> Vec<Intent> {
    let mut out = Vec::new();
    for c in s.chars() {
        out.extend(app.handle(key(KeyCode::Char(c))));
    }
    out
}

/// Type a line and press Enter; an open popup is closed with Esc first so Enter submits the
/// line as typed.
fn submit(app: &mut App, s: &str) -> Vec<Intent> {
    let mut out = type_str(app, s);
    if !app.completions().is_empty() {
        out.extend(app.handle(key(KeyCode::Esc)));
    }
    out.extend(app.handle(key(KeyCode::Enter)));
    out
}

fn engine(app: &mut App, e: EngineEvent) {
    app.handle(AppEvent::Engine(Box::new(e)));
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    t
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    draw(app, w, h).backend().to_string()
}

fn slash(i: SlashIntent) -> Vec<Intent> {
    vec![Intent::Slash(i)]
}

#[test]
fn commands_become_intents_not_messages() {
    let mut a = app();
    assert_eq!(submit(&mut a, "/reset"), slash(SlashIntent::Reset));
    assert_eq!(
        submit(&mut a, "/rename x"),
        slash(SlashIntent::Rename { title: "x".into() })
    );
    assert_eq!(
        submit(&mut a, "/model opus"),
        slash(SlashIntent::SetModel {
            model: "opus".into()
        })
    );
    assert_eq!(
        submit(&mut a, "/bypass-permissions"),
        slash(SlashIntent::SetMode {
            mode: PermissionMode::BypassPermissions
        })
    );
    assert_eq!(
        submit(&mut a, "/require-permissions"),
        slash(SlashIntent::SetMode {
            mode: PermissionMode::Default
        })
    );
    assert_eq!(
        submit(&mut a, "//etc/hosts"),
        vec![Intent::Send {
            agent: "orchestrator".into(),
            text: "/etc/hosts".into()
        }]
    );
}

#[test]
fn unknown_command_is_not_sent_and_stays_editable() {
    let mut a = app();
    assert_eq!(submit(&mut a, "/frobnicate now"), vec![]);
    assert_eq!(a.chat.input.text(), "/frobnicate now");
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("unknown command /frobnicate"), "{s}");
    // A usage mistake is explained, not sent either.
    a.chat.input.clear();
    assert_eq!(submit(&mut a, "/rename"), vec![]);
    assert!(screen(&mut a, 160, 45).contains("usage: /rename <title>"));
}

#[test]
fn popup_completes_and_enter_runs() {
    let mut a = app();
    type_str(&mut a, "/mo");
    assert_eq!(a.handle(key(KeyCode::Tab)), vec![]);
    assert_eq!(a.chat.input.text(), "/model ");
    // Choices: sonnet, opus, haiku; Down selects opus, Enter completes and runs.
    a.handle(key(KeyCode::Down));
    assert_eq!(
        a.handle(key(KeyCode::Enter)),
        slash(SlashIntent::SetModel {
            model: "opus".into()
        })
    );
    assert!(a.chat.input.is_empty());
    // Enter on an argument-less command runs it at once.
    type_str(&mut a, "/res");
    assert_eq!(a.handle(key(KeyCode::Enter)), slash(SlashIntent::Reset));
    // Up wraps to the last item; Esc closes without touching the text.
    type_str(&mut a, "/");
    a.handle(key(KeyCode::Up));
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("▸ /help"), "{s}");
    a.handle(key(KeyCode::Esc));
    assert_eq!(a.chat.input.text(), "/");
    assert!(!screen(&mut a, 160, 45).contains("▸ /help"));
}

#[test]
fn command_bar_runs_commands_with_or_without_slash() {
    let mut a = app();
    // The feed leaves `/` to the command bar (the table filters with it).
    a.handle(key(KeyCode::BackTab));
    assert_eq!(a.focus(), &Focus::Panel("feed".into()));
    a.handle(key(KeyCode::Char('/')));
    assert!(matches!(a.focus(), Focus::CommandBar { .. }));
    assert_eq!(submit(&mut a, "reset"), slash(SlashIntent::Reset));
    assert_eq!(a.focus(), &Focus::Panel("feed".into()));
    a.handle(key(KeyCode::Char('/')));
    assert_eq!(
        submit(&mut a, "model haiku"),
        slash(SlashIntent::SetModel {
            model: "haiku".into()
        })
    );
    a.handle(key(KeyCode::Char('/')));
    assert_eq!(
        submit(&mut a, "help me plan"),
        vec![Intent::Send {
            agent: "orchestrator".into(),
            text: "help me plan".into()
        }]
    );
    // The popup works there too (bare prefix).
    a.handle(key(KeyCode::Char('/')));
    type_str(&mut a, "bypass");
    assert_eq!(
        a.handle(key(KeyCode::Enter)),
        slash(SlashIntent::SetMode {
            mode: PermissionMode::BypassPermissions
        })
    );
}

fn mode_changed(mode: PermissionMode, result: Result<(), &str>) -> EngineEvent {
    EngineEvent::PermissionModeChanged {
        agent_id: AgentId::orchestrator(),
        mode,
        result: result.map_err(str::to_owned),
    }
}

#[test]
fn bypass_indicator_follows_the_cli_answer() {
    let mut a = app();
    submit(&mut a, "/bypass-permissions");
    a.handle(AppEvent::Slash(SlashEvent::ModeRequested {
        mode: PermissionMode::BypassPermissions,
        message: "asked orchestrator to switch to bypassPermissions".into(),
    }));
    assert!(!a.bypass_shown(), "not before the CLI agreed");
    engine(
        &mut a,
        mode_changed(PermissionMode::BypassPermissions, Err("not allowed")),
    );
    assert!(!a.bypass_shown());
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("refused permission mode"), "{s}");
    engine(
        &mut a,
        mode_changed(PermissionMode::BypassPermissions, Ok(())),
    );
    assert!(a.bypass_shown());
    assert!(screen(&mut a, 160, 45).contains("BYPASS"));
    submit(&mut a, "/require-permissions");
    engine(&mut a, mode_changed(PermissionMode::Default, Ok(())));
    assert!(!a.bypass_shown());
}

#[test]
fn ctrl_c_clears_then_interrupts_and_never_quits() {
    let mut a = app_with(vec![orch(AgentState::Running)], false);
    type_str(&mut a, "draft");
    assert_eq!(
        a.handle(ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        vec![]
    );
    assert!(a.chat.input.is_empty());
    assert_eq!(
        a.handle(ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        slash(SlashIntent::Interrupt)
    );
    assert!(!a.should_quit());
    a.handle(AppEvent::Slash(SlashEvent::Interrupted { dropped: 2 }));
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("interrupted the orchestrator"), "{s}");
    // Idle: nothing to interrupt, said so, nothing sent.
    let mut idle = app();
    assert_eq!(
        idle.handle(ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        vec![]
    );
    assert!(screen(&mut idle, 160, 45).contains("nothing to interrupt"));
}

#[test]
fn newline_keys_and_history_in_the_chat() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input_history.jsonl");
    let mut a = app();
    a.set_chat_history((vec!["earlier".into()], path.clone(), None));
    type_str(&mut a, "one");
    assert_eq!(a.handle(ev(KeyCode::Enter, KeyModifiers::SHIFT)), vec![]);
    type_str(&mut a, "two");
    let out = a.handle(key(KeyCode::Enter));
    assert_eq!(
        out,
        vec![
            Intent::Slash(SlashIntent::SaveHistory {
                path,
                text: "one\ntwo".into(),
                ts: NOW
            }),
            Intent::Send {
                agent: "orchestrator".into(),
                text: "one\ntwo".into()
            }
        ]
    );
    a.handle(key(KeyCode::Up));
    assert_eq!(a.chat.input.text(), "one\ntwo");
    a.handle(key(KeyCode::Up)); // cursor to the first line
    a.handle(key(KeyCode::Up));
    assert_eq!(a.chat.input.text(), "earlier");
    // A multi-line paste stays in the input.
    a.chat.input.clear();
    assert_eq!(
        a.handle(AppEvent::Input(Event::Paste("a\nb".into()))),
        vec![]
    );
    assert_eq!(a.chat.input.text(), "a\nb");
}

#[test]
fn the_input_grows_with_its_lines_then_scrolls() {
    let mut a = app();
    let rows_with = |a: &mut App, needle: &str| {
        screen(a, 80, 24)
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    };
    for i in 0..3 {
        type_str(&mut a, &format!("line{i}"));
        a.handle(ev(KeyCode::Enter, KeyModifiers::ALT));
    }
    type_str(&mut a, "last");
    assert_eq!(rows_with(&mut a, "line"), 3);
    assert!(
        screen(&mut a, 80, 24).contains("│   last"),
        "continuation rows are indented"
    );
    for i in 3..12 {
        a.handle(ev(KeyCode::Char('j'), KeyModifiers::CONTROL));
        type_str(&mut a, &format!("line{i}"));
    }
    // Capped at 8 rows: the first lines scrolled out, the cursor line is visible.
    let s = screen(&mut a, 80, 24);
    assert!(s.contains("line11") && !s.contains("line0"), "{s}");
    // A tiny terminal still draws.
    let _ = screen(&mut a, 30, 6);
}

#[test]
fn view_commands_clear_agents_help_permissions() {
    let mut a = app();
    engine(
        &mut a,
        EngineEvent::Transcript {
            agent_id: AgentId::orchestrator(),
            entry: TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::Assistant {
                    text: "old words here".into(),
                },
            },
            at: None,
        },
    );
    assert!(screen(&mut a, 160, 45).contains("old words here"));
    assert_eq!(submit(&mut a, "/clear"), vec![]);
    assert!(!screen(&mut a, 160, 45).contains("old words here"));
    submit(&mut a, "/agents");
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));
    a.handle(key(KeyCode::Tab)); // feed
    a.handle(key(KeyCode::Tab)); // chat again
    submit(&mut a, "/help");
    assert!(a.help);
    a.handle(key(KeyCode::Esc));
    assert!(!screen(&mut a, 160, 45).contains(" Permissions "));
    submit(&mut a, "/permissions");
    assert!(screen(&mut a, 160, 45).contains(" Permissions "));
}

fn sessions() -> Vec<SessionEntry> {
    let mut out = Vec::new();
    for (i, (id, title, prompt)) in [
        ("sess-now", None, "Set up CI for the repo"),
        (
            "sess-b",
            Some("Auth refactor"),
            "Refactor the auth module into a service",
        ),
        (
            "sess-c",
            None,
            "Why is the build slow? Profile cargo build and report",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = SessionEntry::new(id, NOW - 86_400.0 * (i as f64 + 1.0));
        e.updated_at = NOW - 3_600.0 * (i as f64 * 5.0 + 1.0);
        e.title = title.map(str::to_owned);
        e.first_prompt = Some(prompt.to_owned());
        e.turns = 3 + i as u64;
        e.cost_usd = 0.25 * (i as f64 + 1.0);
        out.push(e);
    }
    out
}

#[test]
fn resume_picker_lists_filters_and_resumes() {
    let mut a = app();
    assert_eq!(submit(&mut a, "/resume"), slash(SlashIntent::ListSessions));
    assert!(a.picker_open());
    assert!(screen(&mut a, 160, 45).contains("loading sessions"));
    a.handle(AppEvent::Slash(SlashEvent::Sessions(sessions())));
    let t = draw(&mut a, 160, 45);
    let s = t.backend().to_string();
    assert!(s.contains("Auth refactor") && s.contains("current"), "{s}");
    insta::assert_snapshot!("resume_picker_160x45", t.backend());
    insta::assert_snapshot!("resume_picker_80x24", draw(&mut a, 80, 24).backend());
    type_str(&mut a, "profile");
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains("Why is the build slow") && !s.contains("Auth refactor"),
        "{s}"
    );
    assert_eq!(
        a.handle(key(KeyCode::Enter)),
        slash(SlashIntent::Resume {
            session_id: "sess-c".into()
        })
    );
    assert!(!a.picker_open());
    // The engine re-renders the old session; the chat ends with a divider naming it.
    engine(
        &mut a,
        EngineEvent::TranscriptLoaded {
            agent_id: AgentId::orchestrator(),
            entries: vec![TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::User {
                    text: "Why is the build slow?".into(),
                },
            }],
        },
    );
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("resumed: Why is the build slow?"), "{s}");
}

#[test]
fn resume_of_the_current_session_does_nothing() {
    let mut a = app();
    submit(&mut a, "/resume");
    a.handle(AppEvent::Slash(SlashEvent::Sessions(sessions())));
    assert_eq!(a.handle(key(KeyCode::Enter)), vec![]);
    assert!(!a.picker_open());
}

#[test]
fn reset_divider_after_the_fresh_transcript() {
    let mut a = app();
    submit(&mut a, "/reset");
    engine(
        &mut a,
        EngineEvent::TranscriptLoaded {
            agent_id: AgentId::orchestrator(),
            entries: vec![],
        },
    );
    assert!(screen(&mut a, 160, 45).contains("new orchestrator session"));
}

#[test]
fn completion_popup_snapshots() {
    let mut a = app();
    type_str(&mut a, "/");
    let t = draw(&mut a, 160, 45);
    let s = t.backend().to_string();
    assert!(
        s.contains("/rename <title>") && s.contains("title the current session"),
        "{s}"
    );
    insta::assert_snapshot!("completion_popup_160x45", t.backend());
    type_str(&mut a, "re");
    insta::assert_snapshot!("completion_popup_80x24", draw(&mut a, 80, 24).backend());
}

fn busy_app() -> App {
    let mut o = orch(AgentState::Running);
    o.cost_usd = 0.5;
    o.tokens_in = 10_000;
    o.tokens_out = 2_000;
    let mut agents = vec![o];
    let states = [
        AgentState::Running,
        AgentState::Running,
        AgentState::AwaitingPermission,
        AgentState::Waiting,
        AgentState::Idle,
        AgentState::Done,
        AgentState::Error,
        AgentState::Killed,
    ];
    for (i, s) in states.into_iter().enumerate() {
        let mut r = rec(&format!("{i:012}"), &format!("agent{i}"), s);
        // Spawned in this run.
        r.started_at = NOW + 1.0;
        r.cost_usd = 0.1;
        r.tokens_in = 1_000;
        agents.push(r);
    }
    // An agent from an earlier run: counts to the total only.
    let mut old = rec("999999999999", "old", AgentState::Done);
    old.started_at = NOW - 86_400.0;
    old.cost_usd = 2.0;
    old.archived = true;
    agents.push(old);
    let mut a = app_with(agents, true);
    a.handle(AppEvent::Slash(SlashEvent::Sessions(sessions())));
    engine(
        &mut a,
        EngineEvent::PermissionRequested {
            agent_id: AgentId("000000000002".into()),
            agent_name: "agent2".into(),
            request: PermissionRequest {
                request_id: RequestId("r1".into()),
                tool_name: "Bash".into(),
                input: json!({"command": "ls"}),
                description: None,
                blocked_path: None,
                suggestions: json!([]),
                tool_use_id: None,
            },
        },
    );
    a.handle(key(KeyCode::Esc)); // hide the modal
    a
}

#[test]
fn status_bar_totals_and_badge_click() {
    let mut a = busy_app();
    let info = a.status_info();
    assert_eq!(info.agents.running, 2);
    assert_eq!(info.agents.live(), 4);
    // Session: the orchestrator's session plus the eight agents of this run.
    assert!((info.session.cost_usd - 1.3).abs() < 1e-9, "{info:?}");
    // Total: plus the old agent and the two past sessions (0.50 + 0.75).
    assert!((info.total.cost_usd - 4.55).abs() < 1e-9, "{info:?}");
    let s = screen(&mut a, 160, 45);
    assert!(!s.contains("wants to use"), "modal hidden:\n{s}");
    let row = s.lines().nth(44).unwrap().to_owned();
    let col = row
        .find("⚠ 1 permission")
        .map(|b| row[..b].chars().count())
        .unwrap();
    a.handle(AppEvent::Input(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: col as u16 + 1,
        row: 44,
        modifiers: KeyModifiers::NONE,
    })));
    assert!(
        screen(&mut a, 160, 45).contains("wants to use"),
        "badge click opens the modal"
    );
}

#[test]
fn status_bar_snapshots() {
    let mut a = busy_app();
    let wide = screen(&mut a, 160, 45);
    let narrow = screen(&mut a, 80, 24);
    let last = |s: &str| s.lines().last().unwrap().to_owned();
    insta::assert_snapshot!("status_bar_160", last(&wide));
    insta::assert_snapshot!("status_bar_80", last(&narrow));
    let n = last(&narrow);
    assert!(n.contains("BYPASS") && n.contains("⚠ 1"), "{n}");
}

#[tokio::test]
async fn event_loop_runs_reset_and_model_on_the_engine() {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let handle = EngineHandle::new(cmd_tx);
    let (_ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (key_tx, mut key_rx) = mpsc::unbounded_channel::<std::io::Result<Event>>();
    let (post_tx, posts) = mpsc::unbounded_channel();
    let input = futures_util::stream::poll_fn(move |cx| key_rx.poll_recv(cx));
    let mut app = app();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let task = tokio::spawn(async move {
        let io = LoopIo {
            input,
            engine_events: ev_rx,
            posts,
            post_tx,
        };
        let r = run_loop(&mut terminal, &mut app, &handle, io).await;
        (r, app)
    });
    let send = |s: &str| {
        for c in s.chars() {
            key_tx
                .send(Ok(Event::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                ))))
                .unwrap();
        }
        key_tx
            .send(Ok(Event::Key(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            ))))
            .unwrap();
    };
    let next = async |rx: &mut mpsc::UnboundedReceiver<EngineCommand>| {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("no engine command within 5s")
            .expect("engine channel closed")
    };
    send("/reset");
    match next(&mut cmd_rx).await {
        EngineCommand::ResetOrchestrator { reply } => {
            let _ = reply.send(Ok(()));
        }
        other => panic!("expected ResetOrchestrator, got {other:?}"),
    }
    send("/model opus");
    match next(&mut cmd_rx).await {
        EngineCommand::SetModel {
            agent,
            model,
            reply,
        } => {
            assert_eq!((agent.as_str(), model.as_str()), ("orchestrator", "opus"));
            let _ = reply.send(Ok(()));
        }
        other => panic!("expected SetModel, got {other:?}"),
    }
    key_tx
        .send(Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::CONTROL,
        ))))
        .unwrap();
    let (result, app) = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("loop did not end")
        .unwrap();
    result.unwrap();
    assert!(app.should_quit());
}
