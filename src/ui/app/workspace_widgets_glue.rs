//! The App's side of the workspace widgets (Terminal, SystemUsage, DiffViewer, FileEditor):
//! giving panels their state and sources as the layout changes, folding `WorkspaceEvent`s,
//! keys, paste and mouse, and drawing. Terminals keep running while their tab is hidden and
//! are hung up when their panel goes away (dropping the state drops the session).

use super::{App, Focus, Intent};
use crate::core::agent::AgentState;
use crate::core::layout::Panel;
use crate::engine::EngineHandle;
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::visible_panels;
use crate::ui::layout::workspace_state::PanelState;
use crate::ui::sources::editor_io::{EditorEventKind, EditorRequest, EditorWorker};
use crate::ui::sources::git::{GitDiffKind, GitDiffWorker};
use crate::ui::sources::pty::{PtySession, PtySpec};
use crate::ui::sources::sysinfo::{AgentProbe, UsageMonitor, UsageSample};
use crate::ui::sources::workspace_io::{PanelKey, WorkspaceEvent};
use crate::ui::widgets::diff_viewer::{DiffKey, DiffViewerState, DiffViewerView};
use crate::ui::widgets::file_editor::{EditorAction, FileEditorState, FileEditorView};
use crate::ui::widgets::system_usage::{SystemUsageState, SystemUsageView};
use crate::ui::widgets::terminal::{TerminalKey, TerminalState, TerminalView};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

/// Widgets served here.
pub(crate) const WS_WIDGETS: &[&str] = &["Terminal", "SystemUsage", "DiffViewer", "FileEditor"];

/// App-wide state of the workspace widgets.
#[derive(Default)]
pub(crate) struct WsUi {
    post: Option<UnboundedSender<AppEvent>>,
    project: PathBuf,
    engine: Option<EngineHandle>,
    usage: Option<UsageMonitor>,
    /// The latest usage sample (shared by every SystemUsage panel).
    pub sample: Option<UsageSample>,
    next_gen: u64,
    /// The tab whose closing was asked about once (unsaved editors): the next ask closes.
    close_armed: Option<String>,
}

impl std::fmt::Debug for WsUi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsUi")
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

/// A DiffViewer panel: the view and its source.
#[derive(Debug, Default)]
pub(crate) struct DiffPanel {
    /// The view.
    pub view: DiffViewerState,
    worker: Option<GitDiffWorker>,
    generation: u64,
    source: DiffSource,
    /// The agent edited files since the last load: load again when shown.
    stale: bool,
    /// Review comments being written / waiting to be sent (`agent:` sources).
    review: worktree_diff::Review,
    /// A worktree agent's views: whole branch, one commit, uncommitted.
    nav: Box<worktree_diff::Nav>,
    /// Bound to the AgentTable's selection (`agent:selected`).
    follow: Box<worktree_diff::Follow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum DiffSource {
    Git(GitDiffKind),
    Agent(String),
    #[default]
    Fixed,
}

/// A FileEditor panel: the buffer and its worker.
#[derive(Debug, Default)]
pub(crate) struct EditorPanel {
    /// The buffer.
    pub view: FileEditorState,
    worker: Option<EditorWorker>,
    generation: u64,
    /// The file.
    pub path: Option<PathBuf>,
    saving: Option<String>,
}

/// One of the workspace widgets' states.
#[derive(Debug)]
pub(crate) enum WsPanel {
    /// Terminal.
    Terminal(TerminalState),
    /// SystemUsage.
    Usage(SystemUsageState),
    /// DiffViewer.
    Diff(DiffPanel),
    /// FileEditor (boxed: the text area is large).
    Editor(Box<EditorPanel>),
}

/// A workspace panel's live state (in `PanelState::Workspace`).
#[derive(Debug, Default)]
pub(crate) struct WsPanelState {
    ident: Option<String>,
    /// The widget's state, once first shown.
    pub panel: Option<WsPanel>,
}

fn resolve(project: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        project.join(p)
    }
}

impl App {
    /// Serve workspace widgets from now on: sources post on `post`; paths resolve against
    /// `project`; agent diffs load transcripts through `engine`.
    pub(crate) fn set_workspace_runner(
        &mut self,
        post: UnboundedSender<AppEvent>,
        project: PathBuf,
        engine: Option<EngineHandle>,
    ) {
        self.wsw.post = Some(post);
        self.wsw.project = project;
        self.wsw.engine = engine;
        self.sync_workspace_widgets();
    }

    fn ws_ident(&self, widget: &str, props: &Map<String, Value>) -> String {
        let mut id = format!("{widget}:{}", Value::Object(props.clone()));
        if widget == "FileEditor"
            && props.get("follow_selection").and_then(Value::as_bool) == Some(true)
            && let Some(sel) = &self.files.selected_file
        {
            id.push_str(&format!("|{}", sel.display()));
        }
        id
    }

    /// Give workspace panels their state and sources; cheap when nothing changed. The loop
    /// calls it after each event.
    pub(crate) fn sync_workspace_widgets(&mut self) {
        let active = self.ws.active_id().to_owned();
        let visible: Vec<String> = visible_panels(self.ws.active_spec())
            .into_iter()
            .map(|p| p.id.clone())
            .collect();
        let all: Vec<(String, String, String, Map<String, Value>)> = self
            .ws
            .tabs()
            .iter()
            .flat_map(|t| {
                t.layout
                    .panels()
                    .into_iter()
                    .filter(|p| WS_WIDGETS.contains(&p.widget.as_str()))
                    .map(|p| {
                        (
                            t.id.clone(),
                            p.id.clone(),
                            p.widget.clone(),
                            p.props.clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut usage_visible = false;
        let worktree_agents = self.worktree_agent_keys();
        let pick = self.review_pick();
        for (tab, id, widget, props) in all {
            let shown = tab == active && visible.contains(&id);
            let ident = self.ws_ident(&widget, &props);
            let rect = self
                .panel_rects
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(_, r)| *r);
            let project = self.wsw.project.clone();
            let post = self.wsw.post.clone();
            let engine = self.wsw.engine.clone();
            let selected = self.files.selected_file.clone();
            self.wsw.next_gen += 1;
            let generation = self.wsw.next_gen;
            let Some(PanelState::Workspace(st)) = self.ws.panel_state_mut(&tab, &id) else {
                continue;
            };
            if st.ident.as_deref() != Some(&ident) {
                st.ident = Some(ident);
                st.panel = Some(fresh(&widget, &props, &project, selected.as_deref()));
                self.dirty = true;
            }
            let key: PanelKey = (tab.clone(), id.clone());
            match st.panel.as_mut() {
                Some(WsPanel::Usage(_)) => usage_visible |= shown,
                Some(WsPanel::Terminal(t)) => {
                    let start = t.want_start
                        || (shown
                            && t.session.is_none()
                            && t.exited.is_none()
                            && t.error.is_none());
                    if let (true, Some(post), Some(spec)) = (start && shown, post, t.spec.clone()) {
                        t.want_start = false;
                        t.exited = None;
                        t.error = None;
                        t.session = None;
                        let (rows, cols) = rect.map_or((24, 80), |r| {
                            (r.height.saturating_sub(2), r.width.saturating_sub(2))
                        });
                        match PtySession::spawn(&spec, rows, cols, key, post) {
                            Ok(s) => t.session = Some(s),
                            Err(e) => t.error = Some(e),
                        }
                        self.dirty = true;
                    }
                }
                Some(WsPanel::Diff(d)) => {
                    if shown {
                        d.follow_agent(pick.as_ref());
                    }
                    match (&d.source, shown, post) {
                        (DiffSource::Git(kind), true, Some(post)) if d.worker.is_none() => {
                            d.generation = generation;
                            d.view.loading = d.view.files.is_empty();
                            d.worker = Some(GitDiffWorker::start(
                                project.clone(),
                                *kind,
                                key,
                                generation,
                                post,
                            ));
                        }
                        (DiffSource::Git(_), false, _) => d.worker = None,
                        (DiffSource::Agent(a), true, Some(post))
                            if (d.view.loading && d.generation == 0) || d.stale =>
                        {
                            let wt = worktree_agents.contains(a);
                            d.load_agent(engine, wt, key, generation, post);
                        }
                        _ => {}
                    }
                }
                Some(WsPanel::Editor(e)) => {
                    if let (None, Some(path), Some(post)) = (&e.worker, e.path.clone(), post) {
                        e.generation = generation;
                        e.worker = Some(EditorWorker::start(path, key, generation, post));
                    }
                }
                None => {}
            }
        }
        if usage_visible {
            let probes: Vec<AgentProbe> = {
                let mut v: Vec<_> = self
                    .agents
                    .values()
                    .filter(|a| {
                        !a.archived && !matches!(a.state, AgentState::Done | AgentState::Killed)
                    })
                    .map(|a| AgentProbe {
                        name: a.name.clone(),
                        session_id: a.session_id.clone(),
                    })
                    .collect();
                v.sort_by(|a, b| a.name.cmp(&b.name));
                v
            };
            match (&mut self.wsw.usage, &self.wsw.post) {
                (Some(m), _) => m.set_agents(probes),
                (None, Some(post)) => {
                    self.wsw.usage = Some(UsageMonitor::start(post.clone(), probes));
                }
                (None, None) => {}
            }
        } else {
            self.wsw.usage = None;
        }
    }

    fn ws_panel_mut(&mut self, tab: &str, id: &str) -> Option<&mut WsPanel> {
        match self.ws.panel_state_mut(tab, id) {
            Some(PanelState::Workspace(st)) => st.panel.as_mut(),
            _ => None,
        }
    }

    /// A source reported.
    pub(in crate::ui::app) fn on_workspace_event(&mut self, ev: WorkspaceEvent) {
        match ev {
            WorkspaceEvent::Usage(s) => {
                self.wsw.sample = Some(*s);
                self.dirty = true;
            }
            WorkspaceEvent::PtyOutput { key, session } => {
                if let Some(WsPanel::Terminal(t)) = self.ws_panel_mut(&key.0, &key.1)
                    && t.session.as_ref().is_some_and(|s| s.id == session)
                {
                    self.dirty = true;
                }
            }
            WorkspaceEvent::PtyExited { key, session, code } => {
                if let Some(WsPanel::Terminal(t)) = self.ws_panel_mut(&key.0, &key.1)
                    && t.session.as_ref().is_some_and(|s| s.id == session)
                {
                    t.exited = Some(code);
                    self.dirty = true;
                }
            }
            WorkspaceEvent::Diff {
                key,
                generation,
                result,
            } => {
                if let Some(WsPanel::Diff(d)) = self.ws_panel_mut(&key.0, &key.1)
                    && d.generation == generation
                {
                    d.plain_diff_loaded();
                    match result {
                        Ok(t) => d.view.set_text(&t),
                        Err(e) => {
                            d.view.loading = false;
                            d.view.error = Some(e);
                        }
                    }
                    self.dirty = true;
                }
            }
            WorkspaceEvent::Review {
                key,
                generation,
                result,
            } => self.on_review_loaded(key, generation, result),
            WorkspaceEvent::Editor {
                key,
                generation,
                kind,
            } => {
                if let Some(WsPanel::Editor(e)) = self.ws_panel_mut(&key.0, &key.1)
                    && e.generation == generation
                {
                    match kind {
                        EditorEventKind::Loaded(r) => e.view.loaded(r),
                        EditorEventKind::External(t) => e.view.external_change(t),
                        EditorEventKind::Saved(r) => {
                            let text = e.saving.take();
                            e.view.saved(r, text);
                        }
                    }
                    self.dirty = true;
                }
            }
        }
    }

    fn focused_ws(&mut self) -> Option<(String, &mut WsPanel)> {
        let Focus::Panel(id) = &self.focus else {
            return None;
        };
        let id = id.clone();
        let tab = self.ws.active_id().to_owned();
        self.ws_panel_mut(&tab, &id).map(|p| (id, p))
    }

    /// Every key goes to a focused Terminal first (before the app's own keys), except while
    /// an overlay is open. `None`: not a terminal.
    pub(super) fn terminal_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if self.lay.overlay.is_some() || self.transcript_overlay_open() || self.history_open() {
            return None;
        }
        let Some((_, WsPanel::Terminal(t))) = self.focused_ws() else {
            return None;
        };
        match t.key(key) {
            TerminalKey::Send(bytes) => {
                if let Some(s) = &t.session {
                    s.write(bytes);
                }
            }
            TerminalKey::Done => {}
            TerminalKey::Leave(fwd) => self.cycle_focus(fwd),
        }
        self.dirty = true;
        Some(Vec::new())
    }

    /// Keys of a focused SystemUsage, DiffViewer or FileEditor. `None`: not ours.
    pub(super) fn workspace_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        let (_, panel) = self.focused_ws()?;
        match panel {
            WsPanel::Terminal(_) => None,
            WsPanel::Usage(u) => match key.code {
                crossterm::event::KeyCode::Char('j') | crossterm::event::KeyCode::Down => {
                    u.scroll += 1;
                    Some(Vec::new())
                }
                crossterm::event::KeyCode::Char('k') | crossterm::event::KeyCode::Up => {
                    u.scroll = u.scroll.saturating_sub(1);
                    Some(Vec::new())
                }
                _ => None,
            },
            WsPanel::Diff(d) if d.review_wants(&key) => Some(d.review_key(key)),
            WsPanel::Diff(d) => match d.view.key(key) {
                DiffKey::Done => Some(Vec::new()),
                DiffKey::Reload => {
                    if let Some(w) = &d.worker {
                        w.refresh();
                    } else if matches!(d.source, DiffSource::Agent(_)) {
                        d.generation = 0;
                        d.view.loading = true;
                    }
                    Some(Vec::new())
                }
                DiffKey::Ignored => None,
            },
            WsPanel::Editor(e) => match e.view.key(key) {
                EditorAction::None => Some(Vec::new()),
                EditorAction::Ignored => None,
                EditorAction::Save(text) => {
                    match &e.worker {
                        Some(w) => {
                            e.saving = Some(text.clone());
                            w.request(EditorRequest::Save(text));
                        }
                        None => e.view.saved(Err("no file to save to".into()), None),
                    }
                    Some(Vec::new())
                }
                // Reached when `alt-o` is not bound to `open_in_editor` (keymap first).
                EditorAction::External => Some(self.open_in_editor_action()),
            },
        }
    }

    /// A paste into a focused workspace panel. False: not ours.
    pub(super) fn workspace_paste(&mut self, text: &str) -> bool {
        match self.focused_ws() {
            Some((_, WsPanel::Terminal(t))) => {
                if let (Some(b), Some(s)) = (t.paste_bytes(text), &t.session) {
                    s.write(b);
                }
                true
            }
            Some((_, WsPanel::Editor(e))) => {
                e.view.paste(text);
                true
            }
            _ => false,
        }
    }

    /// Mouse over a workspace panel: the wheel scrolls (or goes to a terminal child that
    /// asked for mouse reports); a click on a hunk header folds it. False: not ours.
    pub(super) fn workspace_mouse(&mut self, id: &str, m: MouseEvent) -> bool {
        let Some(rect) = self
            .panel_rects
            .iter()
            .find(|(p, _)| p == id)
            .map(|(_, r)| *r)
        else {
            return false;
        };
        let inner = Rect::new(
            rect.x + 1,
            rect.y + 1,
            rect.width.saturating_sub(2),
            rect.height.saturating_sub(2),
        );
        let tab = self.ws.active_id().to_owned();
        if let Some(used) = self.terminal_mouse(&tab, id, m, inner) {
            return used;
        }
        let up = match m.kind {
            MouseEventKind::ScrollUp => Some(true),
            MouseEventKind::ScrollDown => Some(false),
            MouseEventKind::Down(MouseButton::Left) => None,
            _ => return false,
        };
        let focus_it = up.is_none();
        let (col, row) = (
            m.column.saturating_sub(inner.x),
            m.row.saturating_sub(inner.y),
        );
        let used = match self.ws_panel_mut(&tab, id) {
            Some(WsPanel::Terminal(t)) => match up {
                Some(up) => {
                    match t.wheel_bytes(up, col, row) {
                        Some(b) => {
                            if let Some(s) = &t.session {
                                s.write(b);
                            }
                        }
                        None => t.scroll(if up { 3 } else { -3 }),
                    }
                    true
                }
                None => false,
            },
            Some(WsPanel::Diff(d)) => match up {
                Some(up) => {
                    d.view.scroll_by(if up { -3 } else { 3 });
                    true
                }
                None => {
                    if inner.contains(Position::new(m.column, m.row))
                        && let Some(row) = d.body_row(row)
                    {
                        d.view.click(row);
                    }
                    false
                }
            },
            Some(WsPanel::Usage(u)) => match up {
                Some(true) => {
                    u.scroll = u.scroll.saturating_sub(1);
                    true
                }
                Some(false) => {
                    u.scroll += 1;
                    true
                }
                None => false,
            },
            Some(WsPanel::Editor(_)) | None => false,
        };
        if focus_it {
            self.focus = Focus::Panel(id.to_owned());
        }
        self.dirty = true;
        used || focus_it
    }

    /// The panel's title when it has a live one (running command, dirty marker, totals).
    fn ws_title(&self, panel: &Panel) -> Option<String> {
        let Some(PanelState::Workspace(st)) = self.ws.panel_state(&panel.id) else {
            return None;
        };
        let base = crate::ui::layout::tools::effective_title(panel);
        match st.panel.as_ref()? {
            WsPanel::Terminal(t) if panel.title.is_none() => t.title(),
            WsPanel::Editor(e) => Some(format!("{base}{}", e.view.marker())),
            WsPanel::Diff(d) if !d.view.files.is_empty() => {
                let (n, a, r) = d.view.totals();
                Some(format!("{base} · {n} files +{a} -{r}"))
            }
            _ => None,
        }
    }

    /// Draw the workspace panels collected during a frame; returns the focused one's cursor.
    pub(in crate::ui::app) fn render_workspace_panels(
        &mut self,
        panels: &[(Panel, Rect, bool)],
        buf: &mut Buffer,
    ) -> Option<Position> {
        let mut cursor = None;
        for (p, inner, focused) in panels {
            if let Some(pos) = self.render_workspace_panel(p, *inner, *focused, buf)
                && *focused
            {
                cursor = Some(pos);
            }
        }
        cursor
    }

    /// Draw a workspace panel; returns where the cursor belongs.
    fn render_workspace_panel(
        &mut self,
        panel: &Panel,
        inner: Rect,
        focused: bool,
        buf: &mut Buffer,
    ) -> Option<Position> {
        if let Some(title) = self.ws_title(panel)
            && inner.y > 0
        {
            let old = crate::ui::layout::tools::effective_title(panel);
            let old_w = unicode_width::UnicodeWidthStr::width(old.as_str()) + 2;
            let style = if focused {
                self.theme.border_focused
            } else {
                self.theme.border
            };
            let y = inner.y - 1;
            let max = usize::from(inner.width.saturating_sub(1));
            buf.set_stringn(inner.x, y, "─".repeat(old_w), max, style);
            let ts = if focused {
                self.theme.title_focused
            } else {
                self.theme.title
            };
            buf.set_stringn(inner.x, y, format!(" {title} "), max, ts);
        }
        let theme = self.theme.clone();
        let sample = self.wsw.sample.clone();
        let tab = self.ws.active_id().to_owned();
        let Some(panel_state) = self.ws_panel_mut(&tab, &panel.id) else {
            // Not synced yet (the first frame): its sources start after this event.
            buf.set_stringn(
                inner.x,
                inner.y,
                "loading…",
                usize::from(inner.width),
                theme.dim,
            );
            return None;
        };
        match panel_state {
            WsPanel::Terminal(t) => {
                if let Some(s) = t.session.as_mut() {
                    s.resize(inner.height, inner.width);
                    // Re-arm before reading the screen: output parsed after this point posts
                    // a fresh event, so nothing waits unseen for the next burst.
                    s.drawn();
                }
                let pos = TerminalView {
                    state: t,
                    theme: &theme,
                    focused,
                }
                .render(inner, buf);
                if t.session.is_none() && t.error.is_none() && t.exited.is_none() {
                    buf.set_stringn(
                        inner.x,
                        inner.y,
                        "starting…",
                        usize::from(inner.width),
                        theme.dim,
                    );
                }
                pos
            }
            WsPanel::Usage(u) => {
                SystemUsageView {
                    state: u,
                    sample: sample.as_ref(),
                    theme: &theme,
                }
                .render(inner, buf);
                None
            }
            WsPanel::Diff(d) => {
                let body = d.render_header(inner, buf, &theme);
                d.view.prepare(usize::from(body.height));
                DiffViewerView {
                    state: &d.view,
                    theme: &theme,
                    focused,
                }
                .render(body, buf);
                d.review_render(inner, buf, &theme);
                None
            }
            WsPanel::Editor(e) => {
                if e.path.is_none() {
                    buf.set_stringn(
                        inner.x,
                        inner.y,
                        "no file: set `path`, or `follow_selection` and choose one in a FileTree",
                        usize::from(inner.width),
                        theme.dim,
                    );
                    return None;
                }
                FileEditorView {
                    state: &mut e.view,
                    theme: &theme,
                    focused,
                }
                .render(inner, buf);
                None
            }
        }
    }

    /// Before closing `tab`: true when it has no unsaved editor, or the user was already
    /// warned (this is the second ask); else warn and refuse once.
    pub(crate) fn confirm_drop_unsaved(&mut self, tab: &str) -> bool {
        let dropped = self.unsaved_dropped(tab, None);
        self.confirm_unsaved(&format!("close:{tab}"), &dropped, "close it again")
    }
}

fn fresh(
    widget: &str,
    props: &Map<String, Value>,
    project: &Path,
    selected: Option<&Path>,
) -> WsPanel {
    let s = |k: &str| {
        props
            .get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
    };
    match widget {
        "Terminal" => WsPanel::Terminal(TerminalState {
            spec: Some(PtySpec {
                cmd: s("cmd").map(str::to_owned),
                cwd: s("cwd").map_or_else(|| project.to_path_buf(), |c| resolve(project, c)),
            }),
            ..TerminalState::default()
        }),
        "SystemUsage" => WsPanel::Usage(SystemUsageState::default()),
        "DiffViewer" => {
            let mut d = DiffPanel::default();
            let source = s("source").unwrap_or("");
            d.view.label = source.to_owned();
            if let Some(text) = s("diff") {
                d.view.set_text(text);
            } else if let (Some(before), Some(after)) = (
                props.get("before").and_then(Value::as_str),
                props.get("after").and_then(Value::as_str),
            ) {
                let name = source.strip_prefix("file:").unwrap_or("text");
                let t = similar::TextDiff::from_lines(before, after)
                    .unified_diff()
                    .header(name, name)
                    .to_string();
                d.view.set_text(&t);
            } else if source == "working" || source.is_empty() {
                d.source = DiffSource::Git(GitDiffKind::Working);
                d.view.loading = true;
            } else if source == "staged" {
                d.source = DiffSource::Git(GitDiffKind::Staged);
                d.view.loading = true;
            } else if let Some(a) = source
                .strip_prefix("agent:")
                .or((source == "agent").then_some("selected"))
            {
                d.source = DiffSource::Agent(a.to_owned());
                d.view.loading = true;
                if worktree_diff::follows_selection(props) {
                    d.follow = worktree_diff::Follow::selection();
                    d.source = DiffSource::Agent(String::new());
                }
            } else if source.starts_with("file:") {
                d.view.error = Some("a file: source needs `before` and `after`".into());
            } else {
                d.view.error = Some(format!(
                    "unknown source {source:?}: working, staged, agent:<id or name>, agent:selected, file:<path>"
                ));
            }
            WsPanel::Diff(d)
        }
        _ => {
            let follow = props.get("follow_selection").and_then(Value::as_bool) == Some(true);
            let path = if follow {
                selected
                    .map(Path::to_path_buf)
                    .or_else(|| s("path").map(|p| resolve(project, p)))
            } else {
                s("path").map(|p| resolve(project, p))
            };
            WsPanel::Editor(Box::new(EditorPanel {
                view: FileEditorState::for_path(path.as_deref()),
                path,
                ..EditorPanel::default()
            }))
        }
    }
}

pub(crate) mod external_edit;
mod live_diff;
mod review_layout;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod review_tests;
mod terminal_mouse;
mod unsaved;
mod worktree_diff;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
