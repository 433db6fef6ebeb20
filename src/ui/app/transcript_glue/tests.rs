//! Tests of the transcript glue: binding panels to agents, loading on demand, streaming,
//! `open_transcript`, the overlay, the inline permission bar keys and direct messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::core::agent::AgentRecord;
use crate::core::ids::RequestId;
use crate::core::layout::{Workspace, WorkspaceTab, parse_spec};
use crate::core::permission::{Decision, PermissionRequest};
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::store::transcript_index::TestTranscript;
use crate::ui::app::AppInit;
use crossterm::event::{Event, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NOW: f64 = 1_714_572_312.0;

fn record(id: &str, name: &str, state: AgentState, started: f64) -> AgentRecord {
    AgentRecord::new(AgentId(id.to_owned()), name, "/tmp", state, started)
}

fn app(layout: serde_json::Value) -> App {
    let spec = parse_spec(&layout).unwrap();
    App::new(AppInit {
        agents: vec![
            record("orchestrator", "orchestrator", AgentState::Idle, NOW - 50.0),
            record("a1a1a1a1a1a1", "alpha", AgentState::Running, NOW - 30.0),
            record("b2b2b2b2b2b2", "beta", AgentState::Running, NOW - 20.0),
        ],
        workspace: Workspace {
            version: 1,
            tabs: vec![WorkspaceTab {
                id: "main".into(),
                title: "main".into(),
                layout: spec,
            }],
            active: "main".into(),
            active_theme: None,
        },
        notices: Vec::new(),
        cwd_display: "~".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn follow_layout() -> serde_json::Value {
    json!({"version": 1, "focus": "chat", "layout": {"type": "horizontal", "children": [
        {"id": "chat", "widget": "OrchestratorChat"},
        {"id": "table", "widget": "AgentTable"},
        {"id": "tr", "widget": "AgentTranscript", "props": {"follow_selection": true}}
    ]}})
}

fn chat_only() -> serde_json::Value {
    json!({"version": 1, "layout": {"type": "horizontal", "children": [
        {"id": "chat", "widget": "OrchestratorChat"}
    ]}})
}

fn engine(app: &mut App, ev: EngineEvent) -> Vec<Intent> {
    app.handle(AppEvent::Engine(Box::new(ev)))
}

fn key(app: &mut App, code: KeyCode) -> Vec<Intent> {
    app.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    ))))
}

fn text(agent: &str, t: &str) -> EngineEvent {
    EngineEvent::Transcript {
        agent_id: AgentId(agent.into()),
        entry: TranscriptEntry {
            ts: NOW,
            item: TranscriptItem::Assistant { text: t.into() },
        },
        at: None,
    }
}

fn loads(intents: &[Intent]) -> Vec<String> {
    intents
        .iter()
        .filter_map(|i| match i {
            Intent::Transcript(TranscriptIntent::Load { agent, .. }) => Some(agent.to_string()),
            _ => None,
        })
        .collect()
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    format!("{:?}", t.backend())
}

#[test]
fn a_follow_selection_panel_loads_the_selected_agent_and_streams_it() {
    let mut app = app(follow_layout());
    // The first event binds the panel to the table's first row and asks for its transcript.
    let asked = engine(&mut app, text("b2b2b2b2b2b2", "beta output"));
    assert_eq!(loads(&asked), ["a1a1a1a1a1a1"]);
    engine(&mut app, text("a1a1a1a1a1a1", "streamed while loading"));
    let file = TestTranscript::with(&[TranscriptEntry {
        ts: NOW - 5.0,
        item: TranscriptItem::Assistant {
            text: "from the file".into(),
        },
    }]);
    let intents = app.handle(crate::ui::app::transcript_glue::answer_load(&file, &asked));
    assert!(loads(&intents).is_empty(), "loaded once");
    engine(&mut app, text("a1a1a1a1a1a1", "live output"));
    let s = screen(&mut app, 160, 30);
    assert!(s.contains("from the file"), "{s}");
    assert!(s.contains("streamed while loading"), "{s}");
    assert!(s.contains("live output"), "{s}");
    assert_eq!(
        s.matches("beta output").count(),
        1,
        "only the table's activity: {s}"
    );
    // Selecting beta in the table rebinds the panel.
    app.ws.table_mut("table").unwrap().selected = Some(AgentId("b2b2b2b2b2b2".into()));
    let intents = app.handle(AppEvent::Tick);
    assert_eq!(loads(&intents), ["b2b2b2b2b2b2"]);
}

#[test]
fn open_transcript_focuses_the_follower_or_opens_an_overlay() {
    let mut app = app(follow_layout());
    app.handle(AppEvent::Tick);
    app.open_transcript(&AgentId("b2b2b2b2b2b2".into()));
    assert_eq!(app.focus, Focus::Panel("tr".into()));
    assert_eq!(
        app.ws.table("table").unwrap().selected,
        Some(AgentId("b2b2b2b2b2b2".into()))
    );
    assert!(!app.transcript_overlay_open());

    let mut app = self::app(chat_only());
    app.open_transcript(&AgentId("a1a1a1a1a1a1".into()));
    assert!(app.transcript_overlay_open());
    let intents = app.handle(AppEvent::Tick);
    assert_eq!(loads(&intents), ["a1a1a1a1a1a1"]);
    let file = TestTranscript::new();
    app.handle(crate::ui::app::transcript_glue::answer_load(
        &file, &intents,
    ));
    engine(&mut app, text("a1a1a1a1a1a1", "hello from alpha"));
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("Transcript: alpha · Esc closes"), "{s}");
    assert!(s.contains("hello from alpha"), "{s}");
    // Typing a direct message.
    key(&mut app, KeyCode::Char('i'));
    for c in "go on".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let intents = key(&mut app, KeyCode::Enter);
    assert_eq!(
        intents,
        [Intent::Send {
            agent: "a1a1a1a1a1a1".into(),
            text: "go on".into()
        }]
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.transcript_overlay_open(), "Esc leaves typing first");
    key(&mut app, KeyCode::Esc);
    assert!(!app.transcript_overlay_open());
}

#[test]
fn enter_in_the_permission_modal_opens_the_transcript_with_its_inline_bar() {
    let mut app = app(chat_only());
    engine(
        &mut app,
        EngineEvent::PermissionRequested {
            agent_id: AgentId("a1a1a1a1a1a1".into()),
            agent_name: "alpha".into(),
            request: PermissionRequest {
                request_id: RequestId("r1".into()),
                tool_name: "Bash".into(),
                input: json!({"command": "rm -rf build"}),
                description: None,
                blocked_path: None,
                suggestions: json!([]),
                tool_use_id: None,
            },
        },
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.transcript_overlay_open());
    assert!(
        app.permission_hidden,
        "the modal gives way to the transcript"
    );
    let s = screen(&mut app, 120, 30);
    assert!(s.contains("⚠ Bash: rm -rf build"), "{s}");
    let intents = key(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(
            intents.as_slice(),
            [Intent::Decide {
                decision: Decision::Allow { .. },
                ..
            }]
        ),
        "{intents:?}"
    );
    assert_eq!(app.pending_permissions(), 0);
}

#[test]
fn the_working_row_shows_elapsed_time_and_the_tool_in_flight() {
    let mut app = app(chat_only());
    let mut orch = record(
        "orchestrator",
        "orchestrator",
        AgentState::Running,
        NOW - 50.0,
    );
    engine(&mut app, EngineEvent::AgentUpdated(orch.clone()));
    engine(
        &mut app,
        EngineEvent::Transcript {
            agent_id: AgentId::orchestrator(),
            entry: TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::ToolUse {
                    id: "t1".into(),
                    name: "Bash".into(),
                    input: json!({"command": "cargo build"}),
                },
            },
            at: None,
        },
    );
    assert!(app.needs_tick());
    app.set_now(NOW + 75.0);
    let s = screen(&mut app, 100, 20);
    assert!(s.contains("working… 1m 15s · ⏺ Bash cargo build"), "{s}");
    orch.state = AgentState::Idle;
    engine(&mut app, EngineEvent::AgentUpdated(orch));
    let s = screen(&mut app, 100, 20);
    assert!(!s.contains("working…"), "{s}");
}

#[test]
fn a_panel_follows_an_agent_streaming_five_thousand_messages() {
    let mut app = app(follow_layout());
    let intents = engine(&mut app, text("a1a1a1a1a1a1", "message 0"));
    assert_eq!(loads(&intents), ["a1a1a1a1a1a1"]);
    let file = TestTranscript::new();
    app.handle(crate::ui::app::transcript_glue::answer_load(
        &file, &intents,
    ));
    // Frames drawn while the stream runs, as the loop would (every 500 messages here).
    for i in 1..5000 {
        engine(&mut app, text("a1a1a1a1a1a1", &format!("message {i}")));
        if i % 500 == 0 {
            let s = screen(&mut app, 160, 30);
            assert!(s.contains(&format!("message {i}")), "follows the end: {s}");
        }
    }
    let s = screen(&mut app, 160, 30);
    assert!(s.contains("message 4999"), "{s}");
    assert!(
        !s.contains("message 10 "),
        "only the tail is on screen: {s}"
    );
}

#[test]
fn two_panels_on_one_agent_each_merge_the_answer_to_their_own_request() {
    let mut app = app(
        json!({"version": 1, "focus": "chat", "layout": {"type": "horizontal",
        "children": [
            {"id": "chat", "widget": "OrchestratorChat"},
            {"id": "t1", "widget": "AgentTranscript", "props": {"agent_id": "a1a1a1a1a1a1"}},
            {"id": "t2", "widget": "AgentTranscript", "props": {"agent_id": "a1a1a1a1a1a1"}}
        ]}}),
    );
    let mut file = TestTranscript::new();
    let entry = |t: &str| TranscriptEntry {
        ts: NOW,
        item: TranscriptItem::Assistant { text: t.into() },
    };
    let stream = |app: &mut App, file: &mut TestTranscript, t: &str| {
        let at = file.append(&entry(t));
        engine(
            app,
            EngineEvent::Transcript {
                agent_id: AgentId("a1a1a1a1a1a1".into()),
                entry: entry(t),
                at: Some(at),
            },
        )
    };
    file.append(&entry("on disk before"));
    let asked = app.handle(AppEvent::Tick);
    let requests: Vec<&Intent> = asked
        .iter()
        .filter(|i| matches!(i, Intent::Transcript(TranscriptIntent::Load { .. })))
        .collect();
    assert_eq!(requests.len(), 2, "{asked:?}");
    stream(&mut app, &mut file, "while both load");
    // The second panel's answer comes first; more streams; then the first panel's (newer
    // index: it covers what the first panel buffered).
    app.handle(answer_load(&file, &[requests[1].clone()]));
    stream(&mut app, &mut file, "after one answer");
    app.handle(answer_load(&file, &[requests[0].clone()]));
    stream(&mut app, &mut file, "after both");
    for id in ["t1", "t2"] {
        let view = &app.ws.transcript_mut(id).unwrap().view;
        let texts: Vec<String> = (0..view.len())
            .map(|i| match view.entry(i).item {
                TranscriptItem::Assistant { text } => text,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "on disk before",
                "while both load",
                "after one answer",
                "after both"
            ],
            "panel {id}"
        );
    }
}
