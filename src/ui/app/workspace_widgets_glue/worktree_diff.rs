//! DiffViewers of agents: a worktree agent's `agent:<id or name>` shows the branch's diff
//! against its merge base (loaded by the engine) and reloads whenever the agent's measured
//! change (`+added/-removed`, files) moves, which covers edits made through Bash too. Review
//! comments: `c` on a diff line writes one, `S` sends the pending ones to the agent as one
//! message with file:line context.

use super::{DiffPanel, DiffSource};
use crate::core::ids::AgentId;
use crate::core::worktree::{WorktreeInfo, WorktreeStatus};
use crate::ui::app::{App, Intent};
use crate::ui::render::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Where a review comment points: a line of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Anchor {
    file: String,
    /// Line in the new file (None for a removed line).
    new: Option<u32>,
    /// Line in the old file (for a removed line).
    old: Option<u32>,
    /// The line's text, quoted in the message.
    code: String,
}

impl Anchor {
    fn place(&self) -> String {
        match (self.new, self.old) {
            (Some(n), _) => format!("{}:{n}", self.file),
            (None, Some(o)) => format!("{}:{o} (removed line)", self.file),
            (None, None) => self.file.clone(),
        }
    }
}

/// Review comments of one DiffViewer (`agent:` sources): `c` on a line writes one, `S` sends
/// every pending comment to the agent as one message with file:line context.
#[derive(Debug, Default)]
pub(crate) struct Review {
    editing: Option<(Anchor, String)>,
    pending: Vec<(Anchor, String)>,
    status: Option<String>,
}

impl Review {
    /// The message that carries the comments to the agent.
    fn message(&self) -> String {
        let mut out = String::from(
            "Review comments on your changes (file:line in the new version). Please address each one:\n",
        );
        for (i, (a, text)) in self.pending.iter().enumerate() {
            out.push_str(&format!(
                "\n{}. {}\n   > {}\n   {}\n",
                i + 1,
                a.place(),
                a.code.trim_end(),
                text.trim()
            ));
        }
        out
    }
}

impl DiffPanel {
    /// Is this key for the review (an open comment input, `c`, or `S` with comments pending)?
    pub(super) fn review_wants(&self, key: &KeyEvent) -> bool {
        if !matches!(self.source, DiffSource::Agent(_)) {
            return false;
        }
        if self.review.editing.is_some() {
            return true;
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        match key.code {
            KeyCode::Char('c') => true,
            KeyCode::Char('S') => !self.review.pending.is_empty(),
            _ => false,
        }
    }

    /// Handle a review key (see `review_wants`).
    pub(super) fn review_key(&mut self, key: KeyEvent) -> Vec<Intent> {
        let DiffSource::Agent(agent) = &self.source else {
            return Vec::new();
        };
        let agent = agent.clone();
        let r = &mut self.review;
        if let Some((anchor, text)) = r.editing.as_mut() {
            match key.code {
                KeyCode::Esc => r.editing = None,
                KeyCode::Enter if text.trim().is_empty() => r.editing = None,
                KeyCode::Enter => {
                    let done = (anchor.clone(), text.clone());
                    r.editing = None;
                    r.pending.push(done);
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(ch)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    text.push(ch);
                }
                _ => {}
            }
            return Vec::new();
        }
        match key.code {
            KeyCode::Char('c') => match self.view.cursor_line() {
                Some((file, line)) => {
                    let anchor = Anchor {
                        file: file.path.clone(),
                        new: line.new,
                        old: line.old,
                        code: line.text.clone(),
                    };
                    self.review.editing = Some((anchor, String::new()));
                    self.review.status = None;
                }
                None => self.review.status = Some("move to a diff line to comment on it".into()),
            },
            KeyCode::Char('S') if !self.review.pending.is_empty() => {
                let text = self.review.message();
                let n = self.review.pending.len();
                self.review.pending.clear();
                self.review.status = Some(format!("{n} comment(s) sent to {agent}"));
                return vec![Intent::Send { agent, text }];
            }
            _ => {}
        }
        Vec::new()
    }

    /// The comment input, or the pending count, on the panel's last row.
    pub(super) fn review_render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        if area.height == 0 {
            return;
        }
        let r = &self.review;
        let (text, style) = if let Some((a, t)) = &r.editing {
            (
                format!(
                    "comment on {} › {t}█  (Enter saves, Esc cancels)",
                    a.place()
                ),
                theme.accent,
            )
        } else if !r.pending.is_empty() {
            (
                format!(
                    "{} comment(s) pending · S sends them · c adds one",
                    r.pending.len()
                ),
                theme.warning,
            )
        } else if let Some(st) = &r.status {
            (st.clone(), theme.dim)
        } else {
            return;
        };
        let y = area.y + area.height - 1;
        for x in area.x..area.x + area.width {
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.reset();
            }
        }
        buf.set_stringn(area.x, y, text, usize::from(area.width), style);
    }
}

impl App {
    /// Ids and names of agents working in an active worktree (their diff comes from git).
    pub(crate) fn worktree_agent_keys(&self) -> Vec<String> {
        self.agents
            .values()
            .filter(|r| {
                r.worktree
                    .as_ref()
                    .is_some_and(|w| w.status == WorktreeStatus::Active)
            })
            .flat_map(|r| [r.id.0.clone(), r.name.clone()])
            .collect()
    }

    /// After an `AgentUpdated`: when the worktree's change moved, that agent's DiffViewers
    /// reload. Returns how many were marked.
    pub(crate) fn worktree_updated(
        &mut self,
        id: &AgentId,
        before: Option<&WorktreeInfo>,
    ) -> usize {
        let Some(rec) = self.agents.get(id) else {
            return 0;
        };
        let Some(now) = rec.worktree.as_ref() else {
            return 0;
        };
        let moved = before.is_none_or(|b| {
            (b.added, b.removed, &b.files, b.status)
                != (now.added, now.removed, &now.files, now.status)
        });
        if !moved {
            return 0;
        }
        let name = rec.name.clone();
        self.mark_agent_diffs_stale(id, &name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::WsPanel;
    use crate::core::agent::{AgentRecord, AgentState};
    use crate::core::ids::AgentId;
    use crate::core::layout::Workspace;
    use crate::core::worktree::WorktreeInfo;
    use crate::engine::{EngineCommand, EngineEvent, EngineHandle};
    use crate::ui::app::Intent;
    use crate::ui::app::{App, AppInit};
    use crate::ui::app_event::AppEvent;
    use crate::ui::layout::workspace_state::PanelState;
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use serde_json::json;
    use std::time::Duration;

    const DIFF: &str = "diff --git a/same.txt b/same.txt\nnew file mode 100644\n--- /dev/null\n+++ b/same.txt\n@@ -0,0 +1 @@\n+from A\n";

    fn agent(added: u64) -> AppEvent {
        AppEvent::Engine(Box::new(EngineEvent::AgentUpdated(AgentRecord {
            id: AgentId("0a1b2c3d4e5f".into()),
            name: "alpha".into(),
            cwd: "/r/.patchfeld/worktrees/alpha-0a1b2c3d4e5f".into(),
            state: AgentState::Done,
            error: None,
            session_id: None,
            spawn_options: None,
            model: None,
            cost_usd: 0.0,
            tokens_in: 0,
            tokens_out: 0,
            started_at: 1.0,
            ended_at: None,
            last_activity: None,
            archived: false,
            current_tool: None,
            worktree: Some(Box::new(WorktreeInfo {
                branch: "patchfeld/alpha-0a1b2c3d4e5f".into(),
                added,
                files: vec!["same.txt".into()],
                ..WorktreeInfo::default()
            })),
        })))
    }

    fn draw(a: &mut App) -> String {
        let mut t = Terminal::new(TestBackend::new(100, 16)).unwrap();
        t.draw(|f| a.render(f)).unwrap();
        t.backend().to_string()
    }

    fn files(a: &mut App) -> Vec<String> {
        let tab = a.ws.active_id().to_owned();
        match a.ws.panel_state_mut(&tab, "diff") {
            Some(PanelState::Workspace(s)) => match s.panel.as_ref() {
                Some(WsPanel::Diff(d)) => d.view.files.iter().map(|f| f.path.clone()).collect(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    /// A worktree agent's DiffViewer asks the engine for the git diff (not the transcript),
    /// shows it, and reloads when the measured change moves.
    #[tokio::test]
    async fn a_worktree_agents_diff_comes_from_git_and_follows_its_numbers() {
        let (cmd_tx, mut cmd_rx) = tokio::sync::mpsc::unbounded_channel();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut a = App::new(AppInit {
            agents: Vec::new(),
            workspace: Workspace::seed(),
            notices: Vec::new(),
            cwd_display: "~/demo".into(),
            bypass: false,
            now: 1.0,
            tz: jiff::tz::TimeZone::UTC,
        });
        let dir = tempfile::tempdir().unwrap();
        a.set_workspace_runner(
            tx,
            dir.path().to_path_buf(),
            Some(EngineHandle::new(cmd_tx)),
        );
        a.handle(agent(1));
        a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
            call_id: 1,
            tool: "add_tab".into(),
            args: json!({"title": "D", "layout": {"layout":
                {"id": "diff", "widget": "DiffViewer", "props": {"source": "agent:alpha"}}}}),
        })));
        a.sync_workspace_widgets();
        async fn next(cmd_rx: &mut tokio::sync::mpsc::UnboundedReceiver<EngineCommand>) {
            let cmd = tokio::time::timeout(Duration::from_secs(5), cmd_rx.recv())
                .await
                .expect("a diff request")
                .unwrap();
            match cmd {
                EngineCommand::WorktreeDiff { agent, reply } => {
                    assert_eq!(agent, "alpha");
                    reply.send(Ok(Some(DIFF.to_owned()))).unwrap();
                }
                other => panic!("{other:?}"),
            }
        }
        next(&mut cmd_rx).await;
        let loaded = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        a.handle(loaded);
        assert_eq!(files(&mut a), vec!["same.txt".to_owned()]);
        // Review: `c` on the added line, a comment, Enter; `S` sends all pending as one message.
        let key = |a: &mut App, code: KeyCode| {
            a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
                code,
                KeyModifiers::NONE,
            ))))
        };
        for _ in 0..2 {
            key(&mut a, KeyCode::Char('j'));
        }
        key(&mut a, KeyCode::Char('c'));
        for ch in "say hi".chars() {
            key(&mut a, KeyCode::Char(ch));
        }
        let screen = draw(&mut a);
        assert!(
            screen.contains("comment on same.txt:1 › say hi"),
            "{screen}"
        );
        assert!(key(&mut a, KeyCode::Enter).is_empty());
        let screen = draw(&mut a);
        assert!(screen.contains("1 comment(s) pending"), "{screen}");
        let sent = key(&mut a, KeyCode::Char('S'));
        match sent.as_slice() {
            [Intent::Send { agent, text }] => {
                assert_eq!(agent, "alpha");
                assert!(
                    text.contains("1. same.txt:1\n   > from A\n   say hi"),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            key(&mut a, KeyCode::Char('S')).is_empty(),
            "nothing left to send"
        );
        // Same numbers: nothing to reload. New numbers: reload.
        a.handle(agent(1));
        a.sync_workspace_widgets();
        assert!(cmd_rx.try_recv().is_err(), "no reload without a change");
        a.handle(agent(2));
        a.sync_workspace_widgets();
        next(&mut cmd_rx).await;
    }
}
