//! Benchmark access to the History screen (divan benches see only `pub` items): an App with
//! many past agents, opened with `ctrl-h` and drawn into an in-memory terminal. Not an API.

use crate::core::agent::{AgentRecord, AgentState, SpawnOptions};
use crate::core::ids::AgentId;
use crate::core::layout::Workspace;
use crate::ui::app::{App, AppInit};
use crate::ui::app_event::AppEvent;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: f64 = 1_714_572_312.0;

/// `n` past agents in every settled state, with prompts and sessions.
pub fn past_agents(n: usize) -> Vec<AgentRecord> {
    let states = [AgentState::Done, AgentState::Error, AgentState::Killed];
    (0..n)
        .map(|i| AgentRecord {
            id: AgentId(format!("{i:012x}")),
            name: format!("worker-{i}"),
            cwd: "/home/dev/src/demo".into(),
            state: states[i % states.len()],
            error: None,
            session_id: Some(format!("00000000-0000-4000-8000-{i:012x}")),
            spawn_options: Some(SpawnOptions {
                prompt: format!("task {i}: refactor module {} and run the tests", i % 97),
                ..SpawnOptions::default()
            }),
            model: Some("claude-sonnet-4-5".into()),
            cost_usd: (i % 100) as f64 / 100.0,
            tokens_in: 1000 + i as u64,
            tokens_out: 100,
            started_at: NOW - 60.0 * (n - i) as f64,
            ended_at: Some(NOW - 60.0 * (n - i) as f64 + 30.0),
            last_activity: None,
            archived: i % 10 == 0,
            current_tool: None,
            worktree: None,
        })
        .collect()
}

/// An App holding past agents, ready to open History.
#[doc(hidden)]
pub struct HistoryBench {
    app: App,
    terminal: Terminal<TestBackend>,
}

impl HistoryBench {
    /// Build the App with `records` at `width`×`height`.
    pub fn new(records: Vec<AgentRecord>, width: u16, height: u16) -> Result<Self, String> {
        let app = App::new(AppInit {
            agents: records,
            workspace: Workspace::seed(),
            notices: Vec::new(),
            cwd_display: "~/src/demo".into(),
            bypass: false,
            now: NOW,
            tz: jiff::tz::TimeZone::UTC,
        });
        let terminal = Terminal::new(TestBackend::new(width, height)).map_err(|e| e.to_string())?;
        Ok(Self { app, terminal })
    }

    /// `ctrl-h`, then one frame; Esc closes it again so the next call opens it afresh.
    /// Returns the number of cells in the frame (keeps the work observable).
    pub fn open_and_draw(&mut self) -> Result<usize, String> {
        let key = |code, m| AppEvent::Input(Event::Key(KeyEvent::new(code, m)));
        self.app
            .handle(key(KeyCode::Char('h'), KeyModifiers::CONTROL));
        let frame = self
            .terminal
            .draw(|f| self.app.render(f))
            .map_err(|e| e.to_string())?;
        let cells = frame.buffer.content.len();
        self.app.handle(key(KeyCode::Esc, KeyModifiers::NONE));
        Ok(cells)
    }
}
