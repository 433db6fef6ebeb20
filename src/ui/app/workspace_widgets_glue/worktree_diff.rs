//! DiffViewers of agents: a worktree agent's `agent:<id or name>` shows the branch's diff
//! against its merge base (loaded by the engine) and reloads whenever the agent's measured
//! change (`+added/-removed`, files) moves, which covers edits made through Bash too.
//! Per-commit review: `>` / `<` step through the views (whole branch, each commit since the
//! merge base, the uncommitted changes alone), `w` whole, `u` uncommitted; a header row says
//! which view is shown. `agent:selected` follows the AgentTable's selection. Review comments:
//! `c` on a diff line writes one, `S` sends the pending ones to the agent as one message with
//! file:line context (and the commit, for a comment made in a commit view).

use super::{DiffPanel, DiffSource};
use crate::core::ids::AgentId;
use crate::core::review::{
    BranchCommit, CommentScope, ReviewComment, ReviewDiff, ReviewView, review_message, short_sha,
};
use crate::core::worktree::{WorktreeInfo, WorktreeStatus};
use crate::engine::{EngineError, EngineHandle};
use crate::ui::app::{App, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::sources::git::{agent_diff, load_agent_diff};
use crate::ui::sources::workspace_io::{PanelKey, WorkspaceEvent};
use crate::ui::widgets::diff_viewer::DiffViewerState;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// Review comments of one DiffViewer (`agent:` sources): `c` on a line writes one, `S` sends
/// every pending comment to the agent as one message with file:line context.
#[derive(Debug, Default)]
pub(crate) struct Review {
    /// The comment being written (its `text` is what is typed so far).
    editing: Option<Box<ReviewComment>>,
    pending: Vec<ReviewComment>,
    status: Option<String>,
}

impl Review {
    /// Something would be lost if this review were dropped.
    fn has_work(&self) -> bool {
        self.editing.is_some() || !self.pending.is_empty()
    }
}

/// Which part of a worktree agent's branch the panel shows, and the branch's commits.
#[derive(Debug, Default)]
pub(crate) struct Nav {
    /// The agent runs in an active worktree: the views apply.
    worktree: bool,
    /// The view asked for (shown once its diff arrives).
    view: ReviewView,
    /// The view of the diff on screen.
    shown: Option<ReviewView>,
    /// The branch's commits since the merge base, oldest first.
    commits: Vec<BranchCommit>,
    merge_base: String,
}

impl Nav {
    /// Whole branch, each commit, the uncommitted changes: the order `>` walks.
    fn ring(&self) -> Vec<ReviewView> {
        std::iter::once(ReviewView::Whole)
            .chain(
                self.commits
                    .iter()
                    .map(|c| ReviewView::Commit(c.sha.clone())),
            )
            .chain(std::iter::once(ReviewView::Uncommitted))
            .collect()
    }

    /// The view `d` steps from the current one (wrapping).
    fn step(&self, d: isize) -> ReviewView {
        let ring = self.ring();
        let n = ring.len() as isize;
        let i = ring.iter().position(|v| *v == self.view).unwrap_or(0) as isize;
        ring[(i + d).rem_euclid(n) as usize].clone()
    }

    fn commit(&self, sha: &str) -> Option<(usize, &BranchCommit)> {
        self.commits.iter().enumerate().find(|(_, c)| c.sha == sha)
    }

    /// Where a comment on the diff on screen points.
    fn scope(&self) -> CommentScope {
        match &self.shown {
            Some(ReviewView::Commit(sha)) => CommentScope::Commit {
                sha: sha.clone(),
                subject: self
                    .commit(sha)
                    .map(|(_, c)| c.subject.clone())
                    .unwrap_or_default(),
            },
            _ => CommentScope::WorkingTree,
        }
    }

    /// The header: which view, with the commit's place and size.
    fn describe(&self) -> String {
        match &self.view {
            ReviewView::Whole => {
                let mut s = format!(
                    "whole branch vs merge base {} + uncommitted",
                    short_sha(&self.merge_base)
                );
                if !self.commits.is_empty() {
                    s.push_str(&format!(" · {} commit(s)", self.commits.len()));
                }
                s
            }
            ReviewView::Commit(sha) => match self.commit(sha) {
                Some((i, c)) => format!(
                    "commit {}/{} {} {}  +{}/-{}",
                    i + 1,
                    self.commits.len(),
                    c.short(),
                    c.subject,
                    c.added,
                    c.removed
                ),
                None => format!("commit {}", short_sha(sha)),
            },
            ReviewView::Uncommitted => {
                let head = self
                    .commits
                    .last()
                    .map_or(self.merge_base.as_str(), |c| c.sha.as_str());
                format!("uncommitted changes only (vs HEAD {})", short_sha(head))
            }
        }
    }
}

/// A DiffViewer bound to the AgentTable's selection (`agent:selected`).
#[derive(Debug, Default)]
pub(crate) struct Follow {
    /// The panel follows the selection.
    on: bool,
    /// The bound agent's name (for the header).
    name: String,
    /// Unsent comments of agents the selection moved away from, by agent id.
    parked: HashMap<String, Review>,
}

impl Follow {
    /// Follow the selection from now on.
    pub(super) fn selection() -> Box<Self> {
        Box::new(Self {
            on: true,
            ..Self::default()
        })
    }
}

/// `source: "agent:selected"` (or `"agent"`), or `follow_selection: true` on an agent source.
pub(super) fn follows_selection(props: &serde_json::Map<String, serde_json::Value>) -> bool {
    let source = props.get("source").and_then(serde_json::Value::as_str);
    matches!(source, Some("agent:selected") | Some("agent"))
        || props
            .get("follow_selection")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
}

/// The nav keys: `>` / `<` next / previous view, `w` whole branch, `u` uncommitted only.
fn nav_key(key: &KeyEvent) -> bool {
    !key.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && matches!(
            key.code,
            KeyCode::Char('>') | KeyCode::Char('<') | KeyCode::Char('w') | KeyCode::Char('u')
        )
}

impl DiffPanel {
    /// Is this key for the review (an open comment input, `c`, `S` with comments pending, or
    /// a view key of a worktree agent)?
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
            _ => self.nav.worktree && nav_key(key),
        }
    }

    /// Show `view` (loaded on the next sync; an answer for the old view is dropped).
    fn switch_view(&mut self, view: ReviewView) {
        if view == self.nav.view {
            return;
        }
        self.nav.view = view;
        self.generation = 0;
        self.view.loading = true;
        self.review.status = None;
    }

    /// Handle a review key (see `review_wants`).
    pub(super) fn review_key(&mut self, key: KeyEvent) -> Vec<Intent> {
        let DiffSource::Agent(agent) = &self.source else {
            return Vec::new();
        };
        let agent = agent.clone();
        let r = &mut self.review;
        if let Some(c) = r.editing.as_mut() {
            match key.code {
                KeyCode::Esc => r.editing = None,
                KeyCode::Enter if c.text.trim().is_empty() => r.editing = None,
                KeyCode::Enter => {
                    if let Some(done) = r.editing.take() {
                        r.pending.push(*done);
                    }
                }
                KeyCode::Backspace => {
                    c.text.pop();
                }
                KeyCode::Char(ch)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    c.text.push(ch);
                }
                _ => {}
            }
            return Vec::new();
        }
        match key.code {
            KeyCode::Char('c') => match self.view.cursor_line() {
                Some((file, line)) => {
                    let comment = ReviewComment {
                        file: file.path.clone(),
                        new: line.new,
                        old: line.old,
                        code: line.text.clone(),
                        scope: self.nav.scope(),
                        text: String::new(),
                    };
                    self.review.editing = Some(Box::new(comment));
                    self.review.status = None;
                }
                None => self.review.status = Some("move to a diff line to comment on it".into()),
            },
            KeyCode::Char('S') if !self.review.pending.is_empty() => {
                let text = review_message(&self.review.pending);
                let n = self.review.pending.len();
                self.review.pending.clear();
                let to = if self.follow.name.is_empty() {
                    agent.clone()
                } else {
                    self.follow.name.clone()
                };
                self.review.status = Some(format!("{n} comment(s) sent to {to}"));
                return vec![Intent::Send { agent, text }];
            }
            KeyCode::Char('>') => self.switch_view(self.nav.step(1)),
            KeyCode::Char('<') => self.switch_view(self.nav.step(-1)),
            KeyCode::Char('w') => self.switch_view(ReviewView::Whole),
            KeyCode::Char('u') => self.switch_view(ReviewView::Uncommitted),
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
        let (text, style) = if let Some(c) = &r.editing {
            (
                format!(
                    "comment on {} › {}█  (Enter saves, Esc cancels)",
                    c.place(),
                    c.text
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

    /// Rows above the diff: the view header of a worktree agent or a selection-bound panel.
    fn header_rows(&self) -> u16 {
        u16::from(self.nav.worktree || self.follow.on)
    }

    /// The diff row under panel row `row` (None: the header).
    pub(super) fn body_row(&self, row: u16) -> Option<usize> {
        row.checked_sub(self.header_rows()).map(usize::from)
    }

    /// Draw the header row (if any); returns the area left for the diff.
    pub(super) fn render_header(&self, area: Rect, buf: &mut Buffer, theme: &Theme) -> Rect {
        let rows = self.header_rows().min(area.height);
        if rows == 0 {
            return area;
        }
        let w = usize::from(area.width);
        let mut text = String::new();
        // Narrow: the view matters more than the name (the table and transcript show it).
        if self.follow.on && !(self.nav.worktree && w < 60) {
            text = if self.follow.name.is_empty() {
                "no agent selected".to_owned()
            } else {
                self.follow.name.clone()
            };
            if !self.nav.worktree && !self.follow.name.is_empty() {
                text.push_str(" · edits from its transcript");
            }
        }
        if self.nav.worktree {
            if !text.is_empty() {
                text.push_str(" · ");
            }
            text.push_str(&self.nav.describe());
        }
        let head = truncate(&text, w);
        let used = unicode_width::UnicodeWidthStr::width(head.as_str());
        buf.set_stringn(area.x, area.y, &head, w, theme.header);
        let hint = "  (< > w u)";
        if self.nav.worktree && used + hint.len() <= w {
            buf.set_stringn(area.x + used as u16, area.y, hint, w - used, theme.dim);
        }
        Rect {
            y: area.y + rows,
            height: area.height - rows,
            ..area
        }
    }

    /// Bind a selection-following panel to `pick` (id, name); a different agent starts over,
    /// keeping the unsent comments of the one left for when it is selected again.
    pub(super) fn follow_agent(&mut self, pick: Option<&(AgentId, String)>) {
        let DiffSource::Agent(current) = &self.source else {
            return;
        };
        let want = pick.map(|(id, _)| id.0.clone()).unwrap_or_default();
        if !self.follow.on || *current == want {
            return;
        }
        let old = std::mem::take(&mut self.review);
        if old.has_work() {
            self.follow.parked.insert(current.clone(), old);
        }
        self.review = self.follow.parked.remove(&want).unwrap_or_default();
        self.follow.name = pick.map(|(_, n)| n.clone()).unwrap_or_default();
        let side_by_side = self.view.side_by_side;
        self.view = DiffViewerState::default();
        self.view.side_by_side = side_by_side;
        self.view.label = format!("agent:{}", self.follow.name);
        self.view.loading = true;
        *self.nav = Nav::default();
        self.source = DiffSource::Agent(want);
        self.generation = 0;
        self.stale = false;
    }

    /// Load the agent's diff: a worktree agent's current view from git (through the engine),
    /// else what its transcript's edit calls changed.
    pub(super) fn load_agent(
        &mut self,
        engine: Option<EngineHandle>,
        worktree: bool,
        key: PanelKey,
        generation: u64,
        post: UnboundedSender<AppEvent>,
    ) {
        let DiffSource::Agent(agent) = &self.source else {
            return;
        };
        self.stale = false;
        self.generation = generation;
        if agent.is_empty() {
            self.view.set_text("");
            self.view.label = "pick one in the agent table".into();
            return;
        }
        let Some(engine) = engine else {
            self.view.loading = false;
            self.view.error = Some("no engine to load the transcript".into());
            return;
        };
        self.nav.worktree = worktree;
        if !worktree {
            load_agent_diff(engine, agent.clone(), false, key, generation, post);
            return;
        }
        let (agent, view) = (agent.clone(), self.nav.view.clone());
        tokio::spawn(async move {
            let ev = match engine.worktree_review(&agent, view).await {
                Ok(Some(r)) => WorkspaceEvent::Review {
                    key,
                    generation,
                    result: Ok(Box::new(r)),
                },
                Err(e @ EngineError::Invalid(_)) => WorkspaceEvent::Review {
                    key,
                    generation,
                    result: Err(e.to_string()),
                },
                // No longer a worktree agent (merged, discarded): its transcript's edits.
                _ => WorkspaceEvent::Diff {
                    key,
                    generation,
                    result: match engine.load_transcript(&agent).await {
                        Ok(entries) => Ok(agent_diff(&entries)),
                        Err(e) => Err(format!("cannot load {agent}'s transcript: {e}")),
                    },
                },
            };
            let _ = post.send(AppEvent::Workspace(Box::new(ev)));
        });
    }

    /// A plain diff arrived (a transcript's edits): the worktree views do not apply.
    pub(super) fn plain_diff_loaded(&mut self) {
        self.nav.worktree = false;
    }

    /// A review diff arrived for this panel's current generation.
    fn on_review(&mut self, result: Result<Box<ReviewDiff>, String>) {
        let r = match result {
            Ok(r) => r,
            Err(e) => {
                self.view.loading = false;
                self.view.error = Some(e);
                return;
            }
        };
        let ReviewDiff {
            view,
            merge_base,
            commits,
            diff,
        } = *r;
        self.nav.worktree = true;
        self.nav.commits = commits;
        self.nav.merge_base = merge_base;
        if view != self.nav.view {
            if let ReviewView::Commit(sha) = &self.nav.view {
                self.review.status = Some(format!(
                    "commit {} is no longer on the branch; showing the whole branch",
                    short_sha(sha)
                ));
            }
            self.nav.view = view.clone();
        }
        if self.nav.shown.as_ref() != Some(&view) {
            self.view.cursor = 0;
            self.view.scroll = 0;
        }
        self.view.label = match &view {
            ReviewView::Whole => "nothing changed since the merge base".into(),
            ReviewView::Commit(_) => "the commit changes no lines".into(),
            ReviewView::Uncommitted => "nothing uncommitted".into(),
        };
        self.nav.shown = Some(view);
        self.view.set_text(&diff);
    }
}

impl App {
    /// `WorkspaceEvent::Review`: a worktree agent's diff for one view.
    pub(super) fn on_review_loaded(
        &mut self,
        key: PanelKey,
        generation: u64,
        result: Result<Box<ReviewDiff>, String>,
    ) {
        if let Some(super::WsPanel::Diff(d)) = self.ws_panel_mut(&key.0, &key.1)
            && d.generation == generation
        {
            d.on_review(result);
            self.dirty = true;
        }
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
    use crate::core::review::{ReviewDiff, ReviewView};
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
                EngineCommand::WorktreeReview { agent, view, reply } => {
                    assert_eq!(agent, "alpha");
                    assert_eq!(view, ReviewView::Whole);
                    reply
                        .send(Ok(Some(ReviewDiff {
                            view,
                            merge_base: "9f8e7d6c5b4a".into(),
                            commits: Vec::new(),
                            diff: DIFF.to_owned(),
                        })))
                        .unwrap();
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
        let screen = draw(&mut a);
        assert!(
            screen.contains("whole branch vs merge base 9f8e7d6 + uncommitted"),
            "{screen}"
        );
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
