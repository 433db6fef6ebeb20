//! App state, `handle(AppEvent)` (the only place UI state changes) and the frame renderer.

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::{AgentId, RequestId};
use crate::core::layout::Workspace;
use crate::core::permission::Decision;
use crate::core::time::Epoch;
use crate::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem, one_line};
use crate::engine::EngineEvent;
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::{solve, visible_panels};
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::widgets::activity_feed::{ActivityFeedView, ActivityKind, ActivityState};
use crate::ui::widgets::command_bar::CommandBarView;
use crate::ui::widgets::input::{InputOutcome, InputState};
use crate::ui::widgets::orchestrator_chat::{ChatState, OrchestratorChatView};
use crate::ui::widgets::permission_prompt::PendingPermission;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use std::collections::{HashMap, VecDeque};

mod activity_glue;
pub(crate) mod config_glue;
pub(crate) mod cwd_glue;
pub(crate) mod files_glue;
pub(crate) mod finish_glue;
mod history_glue;
pub(crate) mod keymap_glue;
mod layout_glue;
pub(crate) mod permissions_glue;
pub(crate) mod slash_glue;
pub(crate) mod spawn_glue;
pub(crate) mod table_glue;
pub(crate) mod theme_glue;
pub(crate) mod transcript_glue;
pub(crate) mod workspace_widgets_glue;

/// Transcript entries kept per child agent (the full transcript lives on disk).
const CHILD_TRANSCRIPT_CAP: usize = 200;
/// How long a toast stays up, in seconds.
const TOAST_SECS: f64 = 6.0;
/// What the user is told when they deny once.
pub(crate) const DENY_MESSAGE: &str = "The user denied this tool use.";
/// Name shown for app-level activity.
const APP_NAME: &str = "patchfeld";

/// What the loop must do after an event: engine commands to post, or leave.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Intent {
    /// Send a message to an agent (id or name).
    Send { agent: String, text: String },
    /// Answer a permission request.
    Decide {
        agent_id: AgentId,
        request_id: RequestId,
        decision: Decision,
        /// For the failure notice (`allow Bash`).
        label: String,
    },
    /// Answer a tool call the orchestrator made to the UI.
    UiReply {
        /// The call.
        call_id: u64,
        /// Result text or error.
        result: Result<String, String>,
    },
    /// Permission rules: answer-and-save, delete, dry run.
    Permissions(permissions_glue::PermIntent),
    /// Transcript side effects: load from disk, clipboard.
    Transcript(transcript_glue::TranscriptIntent),
    /// Slash commands, interrupt, history: the chat side's engine commands.
    Slash(slash_glue::SlashIntent),
    /// Agent table / activity feed / History: engine commands and their IO.
    Panels(table_glue::PanelIntent),
    /// Project switch and config changes for the engine; directory listings.
    Cwd(cwd_glue::CwdIntent),
    /// Open a file in `$VISUAL` / `$EDITOR` (the loop suspends the TUI around it).
    ExternalEdit(workspace_widgets_glue::external_edit::ExternalEdit),
    /// Spawn an agent from the "New agent" dialog (the answer comes back to the dialog).
    Spawn(spawn_glue::SpawnIntent),
    /// Merge or discard a worktree agent; ask git what a discard would lose.
    Finish(finish_glue::FinishIntent),
    /// Leave the loop (the caller shuts the engine down).
    Quit,
}

/// The widgets a panel can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WidgetKind {
    OrchestratorChat,
    AgentTable,
    ActivityFeed,
    AgentTranscript,
    /// FileTree, FileViewer, Markdown, Notebook, LogTail (`files_glue`).
    Files,
    /// Terminal, SystemUsage, DiffViewer, FileEditor (`workspace_widgets_glue`).
    Workspace,
    Other,
}

impl WidgetKind {
    fn of(name: &str) -> Self {
        match name {
            "OrchestratorChat" => Self::OrchestratorChat,
            "AgentTable" => Self::AgentTable,
            "ActivityFeed" => Self::ActivityFeed,
            "AgentTranscript" => Self::AgentTranscript,
            "FileTree" | "FileViewer" | "Markdown" | "Notebook" | "LogTail" => Self::Files,
            "Terminal" | "SystemUsage" | "DiffViewer" | "FileEditor" => Self::Workspace,
            _ => Self::Other,
        }
    }
}

/// Where keys go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Focus {
    /// A panel, by id.
    Panel(String),
    /// The command bar; `back` is the panel to return to on Esc.
    CommandBar { back: String },
}

/// A transient message in the top-right corner.
#[derive(Debug, Clone)]
struct Toast {
    text: String,
    level: NoticeLevel,
    until: Epoch,
}

/// Everything the UI shows. Mutated only by `handle`.
pub(crate) struct App {
    theme: Theme,
    /// Active theme name/scope, the switcher overlay, colour depth.
    themes: theme_glue::ThemeUi,
    /// App tabs, their layouts and per-panel state.
    ws: crate::ui::layout::workspace_state::WorkspaceState,
    /// Layout overlays, splitter drag, zoom.
    lay: layout_glue::LayoutUi,
    agents: HashMap<AgentId, AgentRecord>,
    chat: ChatState,
    transcripts: HashMap<AgentId, VecDeque<TranscriptEntry>>,
    last_activity: HashMap<AgentId, String>,
    activity: ActivityState,
    permissions: VecDeque<PendingPermission>,
    permission_hidden: bool,
    /// Permission modal selection and edits, the rules, the Permissions screen.
    perm: permissions_glue::PermUi,
    /// Slash commands, the session picker, chat history, status bar numbers.
    slash: slash_glue::SlashUi,
    /// Transcript overlay and turn timing.
    tr: transcript_glue::TranscriptUi,
    /// Agent table modes, History screen, activity persistence, notifications.
    panels: table_glue::PanelsUi,
    /// File panels' workers and the selected file.
    files: files_glue::FilesUi,
    /// Terminal, SystemUsage, DiffViewer, FileEditor sources.
    wsw: workspace_widgets_glue::WsUi,
    /// The project directory switch (`/cd`, ctrl-shift-d, `change_cwd`).
    cwd: cwd_glue::CwdUi,
    /// The "New agent" dialog and its draft.
    spawn: spawn_glue::SpawnUi,
    /// The merge / discard dialog of a worktree agent.
    finish: finish_glue::FinishUi,
    help: bool,
    /// The live keymap, the help overlay's filter and scroll.
    keys: keymap_glue::KeysUi,
    command: InputState,
    focus: Focus,
    toasts: VecDeque<Toast>,
    cwd_display: String,
    bypass: bool,
    now: Epoch,
    tz: jiff::tz::TimeZone,
    /// Panel rectangles of the last frame (for mouse hit-testing).
    panel_rects: Vec<(String, Rect)>,
    dirty: bool,
    quit: bool,
}

/// What `App::new` needs.
pub(crate) struct AppInit {
    pub agents: Vec<AgentRecord>,
    pub workspace: Workspace,
    pub notices: Vec<String>,
    /// The project dir for the status bar, already shortened.
    pub cwd_display: String,
    pub bypass: bool,
    pub now: Epoch,
    pub tz: jiff::tz::TimeZone,
}

impl App {
    /// Build the state shown at the first frame.
    pub(crate) fn new(init: AppInit) -> Self {
        let ws = crate::ui::layout::workspace_state::WorkspaceState::new(init.workspace);
        let focus_id = ws.focus_for(ws.active_id());
        let mut app = Self {
            theme: Theme::dark(),
            themes: theme_glue::ThemeUi::default(),
            ws,
            lay: layout_glue::LayoutUi::default(),
            agents: init.agents.into_iter().map(|a| (a.id.clone(), a)).collect(),
            chat: ChatState::default(),
            transcripts: HashMap::new(),
            last_activity: HashMap::new(),
            activity: ActivityState::default(),
            permissions: VecDeque::new(),
            permission_hidden: false,
            perm: permissions_glue::PermUi::default(),
            slash: slash_glue::SlashUi::default(),
            tr: transcript_glue::TranscriptUi::default(),
            panels: table_glue::PanelsUi::default(),
            files: files_glue::FilesUi::default(),
            wsw: workspace_widgets_glue::WsUi::default(),
            cwd: cwd_glue::CwdUi::default(),
            spawn: spawn_glue::SpawnUi::default(),
            finish: finish_glue::FinishUi::default(),
            help: false,
            keys: keymap_glue::KeysUi::default(),
            command: InputState::default(),
            focus: Focus::Panel(focus_id),
            toasts: VecDeque::new(),
            cwd_display: init.cwd_display,
            bypass: init.bypass,
            now: init.now,
            tz: init.tz,
            panel_rects: Vec::new(),
            dirty: true,
            quit: false,
        };
        app.slash_init();
        for notice in init.notices {
            app.app_notice(NoticeLevel::Warning, notice);
        }
        app
    }

    /// Set the wall clock used for elapsed times, activity stamps and toast expiry.
    pub(crate) fn set_now(&mut self, now: Epoch) {
        self.now = now;
    }

    /// True (once) when something changed since the last call.
    pub(crate) fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// True after quit was requested.
    pub(crate) fn should_quit(&self) -> bool {
        self.quit
    }

    /// Whether a 1 Hz tick is needed: something on screen shows a running time, or a toast
    /// must expire. False when idle, so the loop sleeps without timers.
    pub(crate) fn needs_tick(&self) -> bool {
        !self.toasts.is_empty()
            || self.transcript_needs_tick()
            || self.agents.values().any(|a| {
                !a.id.is_orchestrator()
                    && !a.archived
                    && matches!(
                        a.state,
                        AgentState::Running | AgentState::Waiting | AgentState::AwaitingPermission
                    )
            })
    }

    /// The focus (for tests).
    #[cfg(test)]
    pub(crate) fn focus(&self) -> &Focus {
        &self.focus
    }

    /// Pending permission requests (for tests).
    #[cfg(test)]
    pub(crate) fn pending_permissions(&self) -> usize {
        self.permissions.len()
    }

    /// Fold one event into the state; returns what the loop must do.
    pub(crate) fn handle(&mut self, event: AppEvent) -> Vec<Intent> {
        let mut out = self.handle_event(event);
        out.extend(self.transcript_sync());
        self.panels_after(&mut out);
        out
    }

    fn handle_event(&mut self, event: AppEvent) -> Vec<Intent> {
        match event {
            AppEvent::Input(ev) => self.on_input(ev),
            AppEvent::Engine(ev) => {
                self.dirty = true;
                self.on_engine(*ev)
            }
            AppEvent::Quit => {
                self.quit = true;
                vec![Intent::Quit]
            }
            AppEvent::Tick => {
                let now = self.now;
                self.toasts.retain(|t| t.until > now);
                self.dirty = true;
                Vec::new()
            }
            AppEvent::DryRunResult { call, result } => {
                self.dirty = true;
                self.perm_dry_result(call, result);
                Vec::new()
            }
            AppEvent::CommandFailed { what, error } => {
                self.dirty = true;
                self.app_notice(NoticeLevel::Error, format!("{what} failed: {error}"));
                Vec::new()
            }
            AppEvent::Slash(ev) => {
                self.slash_event(ev);
                Vec::new()
            }
            AppEvent::Command(ev) => {
                self.on_command_event(*ev);
                Vec::new()
            }
            AppEvent::Files(ev) => {
                self.on_files_event(*ev);
                Vec::new()
            }
            AppEvent::Panels(ev) => {
                self.panel_event(ev);
                Vec::new()
            }
            AppEvent::Workspace(ev) => {
                self.on_workspace_event(*ev);
                Vec::new()
            }
            AppEvent::Cwd(ev) => {
                self.on_cwd_event(ev);
                Vec::new()
            }
            AppEvent::Spawn(ev) => {
                self.spawn_event(ev);
                Vec::new()
            }
            AppEvent::Finish(ev) => {
                self.finish_event(ev);
                Vec::new()
            }
            AppEvent::TranscriptIndexed { request, loaded } => {
                self.transcript_indexed(request, loaded.map(|l| *l));
                Vec::new()
            }
        }
    }

    fn agent_name(&self, id: &AgentId) -> String {
        self.agents
            .get(id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    }

    fn log(&mut self, who: String, what: String, kind: ActivityKind) {
        self.record_activity(who, what, kind);
    }

    fn app_notice(&mut self, level: NoticeLevel, text: String) {
        self.log(
            APP_NAME.to_owned(),
            text.clone(),
            ActivityKind::Notice(level),
        );
        self.toasts.push_back(Toast {
            text,
            level,
            until: self.now + TOAST_SECS,
        });
        while self.toasts.len() > 3 {
            self.toasts.pop_front();
        }
        self.dirty = true;
    }

    fn on_engine(&mut self, ev: EngineEvent) -> Vec<Intent> {
        if let EngineEvent::UiCall {
            call_id,
            tool,
            args,
        } = ev
        {
            return self.ui_call(call_id, &tool, &args);
        }
        if let Some(intents) = self.cwd_engine(&ev) {
            return intents;
        }
        self.slash_engine(&ev);
        self.perm_event(&ev);
        self.transcript_event(&ev);
        self.panels_engine(&ev);
        let records = matches!(ev, EngineEvent::AgentUpdated(_));
        self.fold_engine(ev);
        self.panels_engine_after(records);
        self.slash_after_engine();
        Vec::new()
    }

    /// A tool the orchestrator called that the UI implements (none yet: layouts, themes and
    /// config register theirs here).
    fn ui_call(&mut self, call_id: u64, tool: &str, args: &serde_json::Value) -> Vec<Intent> {
        if let Some(intents) = self.theme_ui_call(call_id, tool, args) {
            return intents;
        }
        if let Some(intents) = self.config_ui_call(call_id, tool, args) {
            return intents;
        }
        if let Some(intents) = self.keys_ui_call(call_id, tool, args) {
            return intents;
        }
        if let Some(intents) = self.layout_ui_call(call_id, tool, args) {
            return intents;
        }
        vec![Intent::UiReply {
            call_id,
            result: Err(format!("the UI has no tool named {tool}")),
        }]
    }

    fn fold_engine(&mut self, ev: EngineEvent) {
        match ev {
            EngineEvent::AgentUpdated(rec) => {
                let prev_state = self.agents.get(&rec.id).map(|a| a.state);
                let prev_worktree = self.agents.get(&rec.id).and_then(|a| a.worktree.clone());
                let name = rec.name.clone();
                let orchestrator = rec.id.is_orchestrator();
                let (state, id, prompt) = (
                    rec.state,
                    rec.id.clone(),
                    rec.prompt().map(|p| one_line(p, 80)),
                );
                self.agents.insert(rec.id.clone(), rec);
                self.worktree_updated(&id, prev_worktree.as_deref());
                match prev_state {
                    None if !orchestrator => {
                        let what = match prompt {
                            Some(p) if !p.is_empty() => format!("spawned: {p}"),
                            _ => "spawned".to_owned(),
                        };
                        self.log(name, what, ActivityKind::Normal);
                    }
                    Some(prev)
                        if prev != state && (!orchestrator || state == AgentState::Error) =>
                    {
                        let (what, kind) = self.state_line(&id, prev, state);
                        self.log(name, what, kind);
                    }
                    _ => {}
                }
            }
            EngineEvent::Transcript {
                agent_id, entry, ..
            } => {
                let name = self.agent_name(&agent_id);
                match &entry.item {
                    TranscriptItem::ToolUse { .. } => {
                        self.log(
                            name,
                            format!("⏺ {}", entry.item.summary(120)),
                            ActivityKind::Normal,
                        );
                    }
                    TranscriptItem::Notice { level, text } => {
                        self.log(name, one_line(text, 200), ActivityKind::Notice(*level));
                    }
                    TranscriptItem::TurnEnd { is_error: true, .. } => {
                        self.log(
                            name,
                            entry.item.summary(120),
                            ActivityKind::Notice(NoticeLevel::Error),
                        );
                    }
                    TranscriptItem::User { .. }
                    | TranscriptItem::Assistant { .. }
                    | TranscriptItem::Thinking { .. }
                    | TranscriptItem::ToolResult { .. }
                    | TranscriptItem::TurnEnd { .. }
                    | TranscriptItem::Unknown { .. } => {}
                }
                if agent_id.is_orchestrator() {
                    self.chat.push(entry);
                } else {
                    match &entry.item {
                        TranscriptItem::TurnEnd {
                            is_error: false, ..
                        } => {}
                        item => {
                            self.last_activity
                                .insert(agent_id.clone(), item.summary(80));
                        }
                    }
                    self.diff_follow_transcript(&agent_id, &entry);
                    let t = self.transcripts.entry(agent_id).or_default();
                    if t.len() == CHILD_TRANSCRIPT_CAP {
                        t.pop_front();
                    }
                    t.push_back(entry);
                }
            }
            EngineEvent::TranscriptLoaded { agent_id, entries } => {
                if agent_id.is_orchestrator() {
                    self.chat.replace(entries);
                }
            }
            // Answered in `on_engine`.
            EngineEvent::UiCall { .. } => {}
            EngineEvent::PermissionRequested {
                agent_id,
                agent_name,
                request,
            } => {
                let what = format!(
                    "wants {}: {}",
                    request.tool_name,
                    one_line(
                        &crate::core::transcript::tool_input_brief(
                            &request.tool_name,
                            &request.input
                        ),
                        100
                    )
                );
                self.log(agent_name.clone(), what, ActivityKind::Attention);
                let dup = self
                    .permissions
                    .iter()
                    .any(|p| p.agent_id == agent_id && p.request.request_id == request.request_id);
                if !dup {
                    self.permissions.push_back(PendingPermission {
                        agent_id,
                        agent_name,
                        request,
                        context: None,
                    });
                }
            }
            EngineEvent::PermissionResolved {
                agent_id,
                request_id,
                outcome,
            } => {
                let tool = self
                    .permissions
                    .iter()
                    .find(|p| p.agent_id == agent_id && p.request.request_id == request_id)
                    .map(|p| p.request.tool_name.clone());
                self.permissions
                    .retain(|p| !(p.agent_id == agent_id && p.request.request_id == request_id));
                let name = self.agent_name(&agent_id);
                if let Some(what) = self.resolved_line(&agent_id, &request_id, tool, &outcome) {
                    self.log(name, what, ActivityKind::Normal);
                }
            }
            EngineEvent::AskRequested {
                agent_name,
                question,
                ..
            } => {
                self.log(
                    agent_name,
                    format!("asks: {}", one_line(&question, 160)),
                    ActivityKind::Attention,
                );
            }
            EngineEvent::AskResolved {
                agent_id, answer, ..
            } => {
                let name = self.agent_name(&agent_id);
                let what = match answer {
                    Some(a) => format!("answered: {}", one_line(&a, 120)),
                    None => "ask timed out or was cancelled".to_owned(),
                };
                self.log(name, what, ActivityKind::Normal);
            }
            EngineEvent::Notified {
                agent_name,
                message,
                ..
            } => {
                self.log(
                    agent_name,
                    format!("notifies: {}", one_line(&message, 160)),
                    ActivityKind::Normal,
                );
            }
            EngineEvent::Notice { level, text } => self.app_notice(level, text),
            EngineEvent::AgentDeleted { agent_id } => self.agent_deleted(&agent_id),
            // Handled by `cwd_glue` before folding.
            EngineEvent::Rerooted { .. } => {}
            EngineEvent::PermissionContext { .. }
            | EngineEvent::RulesChanged(_)
            | EngineEvent::PermissionModeChanged { .. } => {}
        }
    }

    fn on_input(&mut self, ev: Event) -> Vec<Intent> {
        match ev {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                self.dirty = true;
                self.on_key(key)
            }
            Event::Paste(text) => {
                self.dirty = true;
                if self.finish_paste(&text)
                    || self.spawn_paste(&text)
                    || self.history_paste(&text)
                    || self.files_paste(&text)
                    || self.workspace_paste(&text)
                {
                } else if let Some(input) = self.focused_input() {
                    input.insert_str(&text);
                }
                Vec::new()
            }
            Event::Mouse(m) => {
                if let Some(intents) = self.permission_mouse(m) {
                    return intents;
                }
                if self.spawn_mouse(m)
                    || self.slash_mouse(m)
                    || self.transcript_overlay_mouse(m)
                    || self.layout_mouse(m)
                {
                    return Vec::new();
                }
                let pos = Position::new(m.column, m.row);
                let hit = self
                    .panel_rects
                    .iter()
                    .find(|(_, r)| r.contains(pos))
                    .map(|(id, _)| id.clone());
                let Some(id) = hit else {
                    return Vec::new();
                };
                let kind = self.widget_of(&id);
                if self.transcript_mouse(&id, m)
                    || kind == WidgetKind::AgentTable && self.table_mouse(&id, m)
                    || kind == WidgetKind::Files && self.files_mouse(&id, m)
                    || kind == WidgetKind::Workspace && self.workspace_mouse(&id, m)
                {
                    return Vec::new();
                }
                match m.kind {
                    MouseEventKind::Down(MouseButton::Left)
                        if self.focus != Focus::Panel(id.clone()) =>
                    {
                        self.focus = Focus::Panel(id);
                        self.dirty = true;
                    }
                    MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                        let up = m.kind == MouseEventKind::ScrollUp;
                        match kind {
                            WidgetKind::OrchestratorChat => self.chat.scroll_lines(up, 3),
                            WidgetKind::ActivityFeed => self.activity.page(up),
                            WidgetKind::AgentTable
                            | WidgetKind::AgentTranscript
                            | WidgetKind::Files
                            | WidgetKind::Workspace
                            | WidgetKind::Other => return Vec::new(),
                        }
                        self.dirty = true;
                    }
                    _ => {}
                }
                Vec::new()
            }
            Event::Resize(..) => {
                self.dirty = true;
                Vec::new()
            }
            Event::FocusGained | Event::FocusLost => {
                self.set_terminal_focus(matches!(ev, Event::FocusGained));
                Vec::new()
            }
            Event::Key(_) => Vec::new(),
        }
    }

    fn widget_of(&self, panel_id: &str) -> WidgetKind {
        self.ws
            .active_spec()
            .panels()
            .iter()
            .find(|p| p.id == panel_id)
            .map_or(WidgetKind::Other, |p| WidgetKind::of(&p.widget))
    }

    fn focused_input(&mut self) -> Option<&mut InputState> {
        if self.transcript_overlay_open() {
            return self.transcript_input(None);
        }
        match &self.focus {
            Focus::CommandBar { .. } => Some(&mut self.command),
            Focus::Panel(id) => match self.widget_of(id) {
                WidgetKind::OrchestratorChat => Some(&mut self.chat.input),
                WidgetKind::AgentTranscript => {
                    let id = id.clone();
                    self.transcript_input(Some(&id))
                }
                WidgetKind::AgentTable => {
                    let id = id.clone();
                    self.table_input(&id)
                }
                WidgetKind::ActivityFeed => self
                    .activity
                    .agent_editing
                    .then_some(&mut self.activity.agent_filter),
                WidgetKind::Files | WidgetKind::Workspace | WidgetKind::Other => None,
            },
        }
    }

    fn send(text: String) -> Vec<Intent> {
        vec![Intent::Send {
            agent: AgentId::ORCHESTRATOR.to_owned(),
            text,
        }]
    }

    fn cycle_focus(&mut self, forward: bool) {
        let ids: Vec<String> = visible_panels(self.ws.active_spec())
            .iter()
            .map(|p| p.id.clone())
            .collect();
        if ids.is_empty() {
            return;
        }
        let cur = match &self.focus {
            Focus::Panel(id) | Focus::CommandBar { back: id } => ids.iter().position(|i| i == id),
        };
        let next = match (cur, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % ids.len(),
            (Some(i), false) => (i + ids.len() - 1) % ids.len(),
        };
        self.focus = Focus::Panel(ids[next].clone());
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Intent> {
        if let Some(intents) = self.keys_first(key) {
            return intents;
        }
        if let Some(intents) = self.permission_key(key) {
            return intents;
        }
        if let Some(intents) = self.spawn_key(key) {
            return intents;
        }
        if let Some(intents) = self.finish_key(key) {
            return intents;
        }
        if let Some(intents) = self.terminal_key(key) {
            return intents;
        }
        if let Some(intents) = self.theme_key(key) {
            return intents;
        }
        if let Some(intents) = self.cwd_key(key) {
            return intents;
        }
        if let Some(intents) = self.history_key(key) {
            return intents;
        }
        if let Some(intents) = self.transcript_overlay_key(key) {
            return intents;
        }
        if let Some(intents) = self.slash_key(key) {
            return intents;
        }
        if let Some(intents) = self.layout_key(key) {
            return intents;
        }
        if let Some(intents) = self.keys_command(key) {
            return intents;
        }
        // The focused widget first.
        match self.focus.clone() {
            Focus::CommandBar { back } => match key.code {
                KeyCode::Esc => {
                    self.focus = Focus::Panel(back);
                    return Vec::new();
                }
                _ => match self.command.handle_key(key) {
                    InputOutcome::Submit(text) => {
                        self.focus = Focus::Panel(back);
                        return self.submit_command(text);
                    }
                    InputOutcome::Edited => return Vec::new(),
                    InputOutcome::Ignored => {}
                },
            },
            Focus::Panel(id) => match self.widget_of(&id) {
                WidgetKind::OrchestratorChat => match key.code {
                    _ if self.chat.view_key(key) => return Vec::new(),
                    _ => match self.chat.input.handle_key(key) {
                        InputOutcome::Submit(text) => return self.submit_chat(text),
                        InputOutcome::Edited => return Vec::new(),
                        InputOutcome::Ignored => {}
                    },
                },
                WidgetKind::AgentTranscript => {
                    if let Some(intents) = self.transcript_panel_key(&id, key) {
                        return intents;
                    }
                }
                WidgetKind::AgentTable => {
                    if let Some(intents) = self.table_key(&id, key) {
                        return intents;
                    }
                }
                WidgetKind::ActivityFeed => {
                    if let Some(intents) = self.feed_key(key) {
                        return intents;
                    }
                }
                WidgetKind::Files => {
                    if let Some(intents) = self.files_key(&id, key) {
                        return intents;
                    }
                }
                WidgetKind::Workspace => {
                    if let Some(intents) = self.workspace_key(key) {
                        return intents;
                    }
                }
                WidgetKind::Other => {}
            },
        }
        // Plain global keys, once the widget ignored them.
        self.keys_plain(key)
    }

    fn orchestrator_busy(&self) -> bool {
        self.agents.get(&AgentId::orchestrator()).is_some_and(|a| {
            matches!(
                a.state,
                AgentState::Running | AgentState::Waiting | AgentState::AwaitingPermission
            )
        })
    }

    /// Draw the whole screen. Only caches (wrapped lines, hit-test rects) are updated here.
    pub(crate) fn render(&mut self, frame: &mut Frame<'_>) {
        let area = frame.area();
        let [body, command_row, status_row] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let body = self.render_tab_strip(body, frame.buffer_mut());
        let overlay = self.help || self.permission_overlay();
        let theme = &self.theme.clone();
        let busy = self.orchestrator_busy();
        self.lay.body = body;
        let mut solved = solve(self.ws.active_spec(), body);
        self.lay.splits = std::mem::take(&mut solved.splits);
        if self.lay.zoom {
            let focused = match &self.focus {
                Focus::Panel(id) | Focus::CommandBar { back: id } => id.clone(),
            };
            solved.strips.clear();
            solved.panels.retain(|p| p.panel.id == focused);
            solved.panels.iter_mut().for_each(|p| p.rect = body);
            self.lay.splits.clear();
        }
        let buf = frame.buffer_mut();
        let mut cursor: Option<Position> = None;
        let mut transcript_panels = Vec::new();
        let mut ws_panels = Vec::new();
        self.panel_rects.clear();
        for strip in &solved.strips {
            let mut spans = Vec::with_capacity(strip.labels.len() * 2);
            for (i, label) in strip.labels.iter().enumerate() {
                let style = if i == strip.active {
                    theme.title_focused
                } else {
                    theme.dim
                };
                spans.push(Span::styled(format!(" {label} "), style));
                spans.push(Span::styled("│", theme.border));
            }
            buf.set_line(
                strip.rect.x,
                strip.rect.y,
                &Line::from(spans),
                strip.rect.width,
            );
        }
        for placed in &solved.panels {
            let panel = placed.panel;
            let focused = matches!(&self.focus, Focus::Panel(id) if *id == panel.id);
            let title = crate::ui::layout::tools::effective_title(panel);
            let block = Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(if focused {
                    theme.border_focused
                } else {
                    theme.border
                })
                .title(Span::styled(
                    format!(" {title} "),
                    if focused {
                        theme.title_focused
                    } else {
                        theme.title
                    },
                ));
            let inner = block.inner(placed.rect);
            block.render(placed.rect, buf);
            self.panel_rects.push((panel.id.clone(), placed.rect));
            match WidgetKind::of(&panel.widget) {
                WidgetKind::OrchestratorChat => {
                    let working = self.working_for(&AgentId::orchestrator(), &self.chat.view);
                    self.chat.prepare(inner, working.is_some(), theme);
                    let pos = OrchestratorChatView {
                        state: &self.chat,
                        theme,
                        focused,
                        busy,
                        working,
                    }
                    .render(inner, buf);
                    if focused {
                        cursor = pos;
                    }
                }
                WidgetKind::AgentTable => {
                    let pos = table_glue::render_table(
                        self.ws.table(&panel.id),
                        &self.agents,
                        &self.last_activity,
                        self.now,
                        theme,
                        focused,
                        inner,
                        buf,
                    );
                    if focused && pos.is_some() {
                        cursor = pos;
                    }
                }
                WidgetKind::ActivityFeed => {
                    let area = inner.inner(ratatui::layout::Margin::new(1, 0));
                    self.activity
                        .set_page(ActivityFeedView::lines_height(&self.activity, area));
                    let pos = ActivityFeedView {
                        state: &self.activity,
                        theme,
                        focused,
                    }
                    .render(area, buf);
                    if focused && pos.is_some() {
                        cursor = pos;
                    }
                }
                WidgetKind::Files => {
                    let pos = self.render_files_panel(panel, inner, focused, buf);
                    if focused && pos.is_some() {
                        cursor = pos;
                    }
                }
                WidgetKind::Workspace => ws_panels.push((panel.clone(), inner, focused)),
                WidgetKind::Other => self.render_other_panel(panel, inner, focused, buf),
                WidgetKind::AgentTranscript => {
                    transcript_panels.push((panel.id.clone(), inner, focused));
                }
            }
        }
        if let Some(pos) = self.render_transcript_panels(&transcript_panels, buf) {
            cursor = Some(pos);
        }
        if let Some(pos) = self.render_workspace_panels(&ws_panels, buf) {
            cursor = Some(pos);
        }
        let command_focused = matches!(self.focus, Focus::CommandBar { .. });
        let pos = CommandBarView {
            input: &self.command,
            theme,
            focused: command_focused,
        }
        .render(command_row, buf);
        if command_focused {
            cursor = pos;
        }
        self.render_status(status_row, buf);
        if let Some(pos) = self.render_slash(area, command_row, buf) {
            cursor = Some(pos);
        }
        if self.transcript_overlay_open() {
            cursor = self.render_transcript_overlay(body, buf);
        }
        if self.history_open() {
            let screen = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
            cursor = self.render_history(screen, buf);
        }
        self.render_toasts(body, buf);
        if let Some(pos) = self.render_spawn_dialog(area, buf) {
            cursor = Some(pos);
        }
        if let Some(pos) = self.render_finish(area, buf) {
            cursor = Some(pos);
        }
        let perm_cursor = self.render_permissions(area, buf);
        let overlay_cursor = self.render_layout_overlay(area, buf);
        if self.lay.overlay.is_some() {
            cursor = overlay_cursor;
        }
        self.render_help(area, buf);
        if let Some(pos) = self.render_cwd_prompt(area, buf) {
            cursor = Some(pos);
        }
        if let Some(pos) = self.render_theme_overlay(area, buf) {
            cursor = Some(pos);
        }
        if let Some(pos) = cursor
            .filter(|_| !overlay)
            .or(perm_cursor.filter(|_| !self.help))
        {
            frame.set_cursor_position(pos);
        }
    }

    fn render_toasts(&self, body: Rect, buf: &mut ratatui::buffer::Buffer) {
        let mut y = body.y + 1;
        for toast in self.toasts.iter().rev() {
            let max_w = body.width.saturating_sub(4).min(60);
            if max_w < 12 || y + 3 > body.bottom() {
                break;
            }
            let text = truncate(&toast.text, usize::from(max_w - 4));
            let w = unicode_width::UnicodeWidthStr::width(text.as_str()) as u16 + 4;
            let area = Rect::new(body.right().saturating_sub(w + 2), y, w, 3);
            Clear.render(area, buf);
            let style = self.theme.notice(toast.level);
            let block = Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(style);
            let inner = block.inner(area);
            block.render(area, buf);
            buf.set_stringn(inner.x + 1, inner.y, &text, usize::from(inner.width), style);
            y += 3;
        }
    }
}
