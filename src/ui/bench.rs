//! Benchmark access to the UI (divan benches are an outside crate and see only `pub` items):
//! a full App with a given layout, drawn into an in-memory terminal. Not an API.

use crate::core::agent::AgentRecord;
use crate::core::layout::{LayoutSpec, Workspace, WorkspaceTab, parse_spec};
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::engine::EngineEvent;
use crate::ui::app::{App, AppInit};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::solve;
use crate::ui::sources::command::{CommandEvent, CommandEventKind, RunResult, RunStatus};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::time::Duration;

const NOW: f64 = 1_714_572_312.0;

/// An App showing one layout, with agents, chat, activity and Command output to draw.
#[doc(hidden)]
pub struct LayoutFrameBench {
    app: App,
    spec: LayoutSpec,
    terminal: Terminal<TestBackend>,
}

impl LayoutFrameBench {
    /// Build the App with `spec` (LayoutSpec JSON) as its only tab, at `width`×`height`.
    pub fn new(spec: &serde_json::Value, width: u16, height: u16) -> Result<Self, String> {
        let spec = parse_spec(spec).map_err(|e| e.to_string())?;
        let mut agents = vec![agent("orchestrator", "orchestrator", "running")?];
        let states = [
            "running",
            "waiting",
            "awaiting_permission",
            "idle",
            "done",
            "error",
        ];
        for i in 0..8 {
            agents.push(agent(
                &format!("{i:012x}"),
                &format!("worker-{i}"),
                states[i % states.len()],
            )?);
        }
        let ids: Vec<_> = agents.iter().map(|a| a.id.clone()).collect();
        let mut app = App::new(AppInit {
            agents,
            workspace: Workspace {
                version: 1,
                tabs: vec![WorkspaceTab {
                    id: "bench".to_owned(),
                    title: "bench".to_owned(),
                    layout: spec.clone(),
                }],
                active: "bench".to_owned(),
                active_theme: None,
            },
            notices: Vec::new(),
            cwd_display: "~/bench".to_owned(),
            bypass: false,
            now: NOW,
            tz: jiff::tz::TimeZone::UTC,
        });
        for (n, id) in ids.iter().enumerate() {
            for k in 0..40 {
                let item = if k % 3 == 0 {
                    TranscriptItem::User {
                        text: format!("step {k}: look at module {n}"),
                    }
                } else {
                    TranscriptItem::Assistant {
                        text: format!(
                            "Step {k}. I read `src/mod{n}.rs` and found **{k} places** to change; \
                             the tests in `tests/it{k}.rs` cover the rest of the behaviour."
                        ),
                    }
                };
                app.handle(AppEvent::Engine(Box::new(EngineEvent::Transcript {
                    agent_id: id.clone(),
                    entry: TranscriptEntry {
                        ts: NOW - 100.0 + f64::from(k),
                        item,
                    },
                    at: None,
                })));
            }
        }
        let output: String = (0..300)
            .map(|i| {
                format!(
                    "\x1b[3{}m{i:>4}\x1b[0m test module::case_{i} ... \x1b[1;32mok\x1b[0m\n",
                    i % 8
                )
            })
            .collect();
        for p in spec.panels().iter().filter(|p| p.widget == "Command") {
            app.handle(AppEvent::Command(Box::new(CommandEvent {
                key: ("bench".to_owned(), p.id.clone()),
                generation: 1,
                kind: CommandEventKind::Finished(RunResult {
                    output: output.clone(),
                    status: RunStatus::Exited(0),
                    started_at: NOW,
                    duration: Duration::from_millis(1200),
                }),
            })));
        }
        let terminal = Terminal::new(TestBackend::new(width, height)).map_err(|e| e.to_string())?;
        Ok(Self {
            app,
            spec,
            terminal,
        })
    }

    /// Solve the layout into the screen area; returns the number of visible panels.
    pub fn solve(&self) -> usize {
        let size = self.terminal.backend().buffer().area;
        solve(&self.spec, Rect::new(0, 0, size.width, size.height))
            .panels
            .len()
    }

    /// Draw one full frame (solve, every panel, status rows, diff against the last frame).
    pub fn frame(&mut self) -> Result<(), String> {
        // A fresh buffer each time so every frame pays for a full draw, not just a diff.
        self.terminal.clear().map_err(|e| e.to_string())?;
        let app = &mut self.app;
        self.terminal
            .draw(|f| app.render(f))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The screen as text (to check the bench draws what it claims).
    pub fn screen(&self) -> String {
        self.terminal.backend().to_string()
    }
}

fn agent(id: &str, name: &str, state: &str) -> Result<AgentRecord, String> {
    let v = serde_json::json!({
        "id": id, "name": name, "cwd": "/p", "state": state, "started_at": NOW - 300.0,
        "model": "claude-opus", "cost_usd": 0.42, "tokens_in": 12000, "tokens_out": 3400,
        "current_tool": "Bash",
    });
    serde_json::from_value(v).map_err(|e| e.to_string())
}
