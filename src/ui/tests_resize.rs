//! Terminal robustness: every built-in layout with every overlay renders at tiny sizes (down
//! to 0x0) and through a resize storm without panicking.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::action::Action;
use super::app::{App, AppInit};
use super::app_event::AppEvent;
use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::{AgentId, RequestId};
use crate::core::layout::{Workspace, WorkspaceTab};
use crate::core::permission::PermissionRequest;
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::engine::EngineEvent;
use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NOW: f64 = 1_714_572_312.0;

fn record(id: &str, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord {
        id: AgentId(id.to_owned()),
        name: name.to_owned(),
        cwd: "/home/dev/src/demo".into(),
        state,
        error: None,
        session_id: None,
        spawn_options: None,
        model: None,
        cost_usd: 0.25,
        tokens_in: 1000,
        tokens_out: 200,
        started_at: NOW - 100.0,
        ended_at: None,
        last_activity: None,
        archived: false,
        current_tool: None,
        worktree: None,
    }
}

/// An app on `layout` with agents, transcript lines, and the given overlay open.
fn app(layout: &str, overlay: &str) -> App {
    let spec = crate::store::layouts::load_builtin(layout).unwrap();
    let mut ws = Workspace::seed();
    ws.tabs = vec![WorkspaceTab {
        id: "t".into(),
        title: layout.into(),
        layout: spec,
    }];
    ws.active = "t".into();
    let worker = AgentId("0123456789ab".into());
    let mut app = App::new(AppInit {
        agents: vec![
            record("orchestrator", "orchestrator", AgentState::Running),
            record(
                worker.as_str(),
                "worker-with-a-long-name",
                AgentState::Running,
            ),
            record("ba9876543210", "done", AgentState::Done),
        ],
        workspace: ws,
        notices: vec!["a start-up notice".into()],
        cwd_display: "~/src/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    });
    for (i, item) in [
        TranscriptItem::User {
            text: "please do the thing".into(),
        },
        TranscriptItem::Assistant {
            text: "# Heading\nsome **markdown** and a long line ".repeat(8),
        },
        TranscriptItem::ToolUse {
            id: "t1".into(),
            name: "Bash".into(),
            input: json!({"command": "cargo test"}),
        },
    ]
    .into_iter()
    .enumerate()
    {
        for agent in [AgentId::orchestrator(), worker.clone()] {
            app.handle(AppEvent::Engine(Box::new(EngineEvent::Transcript {
                agent_id: agent,
                entry: TranscriptEntry {
                    ts: NOW + i as f64,
                    item: item.clone(),
                },
                at: None,
            })));
        }
    }
    match overlay {
        "none" => {}
        "help" => {
            app.run_action(Action::ShowHelp);
        }
        "history" => {
            app.run_action(Action::OpenHistory);
        }
        "layouts" => {
            app.run_action(Action::OpenLayoutSwitcher);
        }
        "themes" => {
            app.run_action(Action::OpenThemeSwitcher);
        }
        "spawn" => {
            app.run_action(Action::NewAgent(Some("a-rather-long-agent-name".into())));
            app.handle(AppEvent::Input(Event::Paste(
                "a prompt long enough to wrap over several rows ".repeat(6),
            )));
        }
        "permission" => {
            app.handle(AppEvent::Engine(Box::new(
                EngineEvent::PermissionRequested {
                    agent_id: worker,
                    agent_name: "worker-with-a-long-name".into(),
                    request: PermissionRequest {
                        request_id: RequestId("r1".into()),
                        tool_name: "Bash".into(),
                        input: json!({"command": "rm -rf target && cargo build --release"}),
                        description: Some("Rebuild".into()),
                        blocked_path: None,
                        suggestions: json!([]),
                        tool_use_id: Some("t1".into()),
                    },
                },
            )));
        }
        other => panic!("unknown overlay {other}"),
    }
    app
}

const LAYOUTS: &[&str] = &["agents", "dashboard", "grid", "review"];
const OVERLAYS: &[&str] = &[
    "none",
    "help",
    "history",
    "layouts",
    "themes",
    "permission",
    "spawn",
];

fn draw(app: &mut App, term: &mut Terminal<TestBackend>, w: u16, h: u16) {
    term.backend_mut().resize(w, h);
    app.handle(AppEvent::Input(Event::Resize(w, h)));
    term.draw(|f| app.render(f)).unwrap();
}

#[test]
fn tiny_sizes_never_panic() {
    assert_eq!(LAYOUTS.len(), crate::store::layouts::BUILTIN_LAYOUTS.len());
    for layout in LAYOUTS {
        for overlay in OVERLAYS {
            let mut app = app(layout, overlay);
            let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
            for (w, h) in [
                (20, 5),
                (1, 1),
                (0, 0),
                (0, 10),
                (10, 0),
                (2, 2),
                (20, 5),
                (160, 45),
            ] {
                draw(&mut app, &mut term, w, h);
            }
            // Back at a normal size it still draws something sensible.
            let s = term.backend().to_string();
            assert!(
                !s.trim().is_empty(),
                "{layout}/{overlay} blank after tiny sizes"
            );
        }
    }
}

/// Bursts of random sizes (0..220 x 0..70): `bursts` per layout with no overlay, a quarter of
/// that for every overlay on the dashboard. `PATCHFELD_SOAK_SECS` set: five times as many.
#[test]
fn resize_storm_never_panics() {
    let burst: u64 = if std::env::var_os("PATCHFELD_SOAK_SECS").is_some() {
        1000
    } else {
        200
    };
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut storm = |app: &mut App, n: u64| {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let w = (seed % 220) as u16;
            let h = ((seed >> 16) % 70) as u16;
            draw(app, &mut term, w, h);
        }
    };
    for layout in LAYOUTS {
        storm(&mut app(layout, "none"), burst);
    }
    for overlay in OVERLAYS {
        storm(&mut app("dashboard", overlay), burst / 4);
    }
}
