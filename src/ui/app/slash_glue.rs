//! The App's chat side: slash commands (completion popup, parsing, running them through
//! engine intents), the `/resume` session picker, ctrl-c interrupt, message history (loaded
//! at boot, appended off the UI task), and the status bar's numbers.

use super::{App, Focus, Intent, WidgetKind};
use crate::core::agent::PermissionMode;
use crate::core::ids::AgentId;
use crate::core::time::Epoch;
use crate::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem};
use crate::engine::{EngineEvent, EngineHandle};
use crate::store::input_history::{HISTORY_KEEP, append_history, history_path, load_history};
use crate::store::sessions::SessionEntry;
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::visible_panels;
use crate::ui::slash::{self, Completion, Parsed, Slash};
use crate::ui::widgets::completion_popup::CompletionPopupView;
use crate::ui::widgets::input::InputState;
use crate::ui::widgets::session_picker::{PickerOutcome, SessionPickerState, SessionPickerView};
use crate::ui::widgets::status_bar::{AgentCounts, StatusBarView, StatusInfo, Usage};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

/// Chat/slash UI state kept by the App.
#[derive(Debug, Default)]
pub(crate) struct SlashUi {
    /// Completion selection, valid while the input still holds `selected_for`.
    selected: usize,
    selected_for: String,
    /// Esc closed the popup for exactly this text.
    dismissed: Option<String>,
    /// The `/resume` picker, when open.
    picker: Option<SessionPickerState>,
    /// Where the chat history is appended (None: not persisted, as in tests).
    history_path: Option<PathBuf>,
    /// A chat divider to show once the orchestrator's transcript is replaced.
    divider: Option<String>,
    /// The orchestrator transcript was just replaced (set before folding the event).
    loaded_now: bool,
    /// A `/bypass-permissions` or `/require-permissions` is in flight.
    mode_pending: Option<PermissionMode>,
    /// Usage of every orchestrator session, by session id (all-time totals).
    sessions: HashMap<String, Usage>,
    /// When this run started (agents started since count to the session).
    boot: Epoch,
    /// The pending-permissions badge in the last frame (mouse hits).
    badge: Cell<Option<Rect>>,
}

/// Engine commands of the chat side (executed off the UI task).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SlashIntent {
    /// Fresh orchestrator session.
    Reset,
    /// Switch to a past session.
    Resume { session_id: String },
    /// Fetch the sessions index (picker, totals).
    ListSessions,
    /// Title the current session.
    Rename { title: String },
    /// Switch every running session's permission mode.
    SetMode { mode: PermissionMode },
    /// Switch the orchestrator's model.
    SetModel { model: String },
    /// Interrupt the orchestrator's turn.
    Interrupt,
    /// Append a chat submission to the history file.
    SaveHistory {
        path: PathBuf,
        text: String,
        ts: Epoch,
    },
}

/// Results of chat-side engine commands, posted back by the tasks that ran them.
#[derive(Debug, Clone)]
pub(crate) enum SlashEvent {
    /// The orchestrator sessions index, most recent first.
    Sessions(Vec<SessionEntry>),
    /// A command went through; tell the user this.
    Done(String),
    /// A permission-mode switch was requested; the engine's answer text.
    ModeRequested {
        mode: PermissionMode,
        message: String,
    },
    /// The orchestrator was interrupted; queued messages dropped.
    Interrupted { dropped: usize },
    /// A command failed.
    Failed { what: String, error: String },
}

/// Run one chat-side intent; results come back as `AppEvent::Slash`.
pub(crate) fn execute(engine: EngineHandle, posts: UnboundedSender<AppEvent>, intent: SlashIntent) {
    let post = move |ev: SlashEvent| {
        let _ = posts.send(AppEvent::Slash(ev));
    };
    let failed = |what: &str, e: String| SlashEvent::Failed {
        what: what.to_owned(),
        error: e,
    };
    match intent {
        SlashIntent::SaveHistory { path, text, ts } => {
            tokio::task::spawn_blocking(move || {
                if let Err(e) = append_history(&path, &text, ts, HISTORY_KEEP) {
                    tracing::warn!("saving input history failed: {e}");
                    post(failed("saving the input history", e.to_string()));
                }
            });
        }
        intent => {
            tokio::spawn(async move {
                let ev = match intent {
                    SlashIntent::Reset => match engine.reset_orchestrator().await {
                        Ok(()) => SlashEvent::Done("started a fresh orchestrator session".into()),
                        Err(e) => failed("/reset", e.to_string()),
                    },
                    SlashIntent::Resume { session_id } => {
                        match engine.resume_orchestrator(session_id).await {
                            Ok(()) => SlashEvent::Done("resumed the session".into()),
                            Err(e) => failed("/resume", e.to_string()),
                        }
                    }
                    SlashIntent::ListSessions => match engine.sessions().await {
                        Ok(list) => SlashEvent::Sessions(list),
                        Err(e) => failed("listing sessions", e.to_string()),
                    },
                    SlashIntent::Rename { title } => {
                        match engine.rename_session(None, title.clone()).await {
                            Ok(()) => SlashEvent::Done(format!("session renamed to “{title}”")),
                            Err(e) => failed("/rename", e.to_string()),
                        }
                    }
                    SlashIntent::SetMode { mode } => {
                        match engine.set_permission_mode(None, mode).await {
                            Ok(message) => SlashEvent::ModeRequested { mode, message },
                            Err(e) => failed("switching the permission mode", e.to_string()),
                        }
                    }
                    SlashIntent::SetModel { model } => {
                        match engine.set_model(AgentId::ORCHESTRATOR, model.clone()).await {
                            Ok(()) => SlashEvent::Done(format!(
                                "asked the orchestrator to switch to {model}"
                            )),
                            Err(e) => failed("/model", e.to_string()),
                        }
                    }
                    SlashIntent::Interrupt => match engine.interrupt(AgentId::ORCHESTRATOR).await {
                        Ok(dropped) => SlashEvent::Interrupted { dropped },
                        Err(e) => failed("interrupting the orchestrator", e.to_string()),
                    },
                    SlashIntent::SaveHistory { .. } => return,
                };
                post(ev);
            });
        }
    }
}

/// Boot: ask the engine for the sessions index (all-time totals include past sessions).
pub(crate) fn boot(engine: &EngineHandle, posts: &UnboundedSender<AppEvent>) {
    execute(engine.clone(), posts.clone(), SlashIntent::ListSessions);
}

/// The chat history of the project at `cwd` (read once at boot), its file, and a notice
/// when lines were unreadable.
pub(crate) fn load_chat_history(cwd: &Path) -> (Vec<String>, PathBuf, Option<String>) {
    let path = history_path(&crate::store::ProjectPaths::new(cwd));
    let (entries, notice) = load_history(&path, HISTORY_KEEP);
    (entries, path, notice)
}

/// Which input a key goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Chat,
    Bar,
}

/// Key hints per focus: the panel's own keys (full, short) before the global ones, which come
/// from the live keymap (a rebound quit shows its new key).
const HINTS_CHAT: (&str, &str) = ("Enter send · ⇧Enter newline · ^C interrupt", "");
const HINTS_BAR: (&str, &str) = ("Enter send or run · Tab complete · Esc back", "Esc back");
const HINTS_TABLE: (&str, &str) = ("j/k select · Enter open · v review", "");
/// The table when the selected row is an unfinished worktree agent (`finish_glue`).
const HINTS_TABLE_WORKTREE: (&str, &str) = (
    "j/k select · Enter open · v review · M merge · D discard",
    "M merge · D discard",
);
const HINTS_FEED: (&str, &str) = ("PgUp/PgDn scroll · Enter open", "");
const HINTS_OTHER: (&str, &str) = ("", "");

/// `ctrl-q` → `^Q`, `alt-p` → `M-p`: short enough for a status line.
fn short_chord(chord: &str) -> String {
    if let Some(rest) = chord.strip_prefix("ctrl-")
        && rest.chars().count() == 1
    {
        return format!("^{}", rest.to_uppercase());
    }
    match chord.strip_prefix("alt-") {
        Some(rest) => format!("M-{rest}"),
        None => chord.to_owned(),
    }
}

impl App {
    /// Make the chat input multi-line and give the command bar history (called by `new`).
    pub(super) fn slash_init(&mut self) {
        self.chat.input = InputState::multiline();
        self.command = InputState::single_line_with_history();
        self.slash.boot = self.now;
    }

    /// The persisted chat history and where new submissions are appended.
    pub(crate) fn set_chat_history(
        &mut self,
        (entries, path, notice): (Vec<String>, PathBuf, Option<String>),
    ) {
        self.chat.input.set_history(entries);
        self.slash.history_path = Some(path);
        if let Some(n) = notice {
            self.app_notice(NoticeLevel::Warning, n);
        }
    }

    fn target(&self) -> Option<Target> {
        match &self.focus {
            Focus::CommandBar { .. } => Some(Target::Bar),
            Focus::Panel(id) => match self.widget_of(id) {
                WidgetKind::OrchestratorChat => Some(Target::Chat),
                WidgetKind::AgentTable
                | WidgetKind::ActivityFeed
                | WidgetKind::AgentTranscript
                | WidgetKind::Files
                | WidgetKind::Workspace
                | WidgetKind::Other => None,
            },
        }
    }

    fn target_input(&mut self, t: Target) -> &mut InputState {
        match t {
            Target::Chat => &mut self.chat.input,
            Target::Bar => &mut self.command,
        }
    }

    /// The popup's items for the focused input (empty when closed).
    fn completions(&self) -> Vec<Completion> {
        let (text, bare) = match self.target() {
            Some(Target::Chat) => (self.chat.input.text(), false),
            Some(Target::Bar) => (self.command.text(), true),
            None => return Vec::new(),
        };
        if self.slash.dismissed.as_deref() == Some(text) {
            return Vec::new();
        }
        let mut items = slash::complete(text, bare);
        if bare {
            items.extend(crate::ui::action::complete(text));
        }
        items
    }

    fn selected_completion(&self, n: usize, text: &str) -> usize {
        if self.slash.selected_for == text {
            self.slash.selected.min(n.saturating_sub(1))
        } else {
            0
        }
    }

    /// Keys of the session picker, the completion popup and ctrl-c; None when they do not
    /// apply (the focused input gets the key).
    pub(super) fn slash_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if self.slash.picker.is_some() {
            return Some(self.picker_key(key));
        }
        let target = self.target()?;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return Some(self.ctrl_c(target));
        }
        let items = self.completions();
        if items.is_empty() {
            return None;
        }
        let text = self.target_input(target).text().to_owned();
        let n = items.len();
        let sel = self.selected_completion(n, &text);
        match key.code {
            KeyCode::Up | KeyCode::Char('p') if key.code == KeyCode::Up || ctrl => {
                self.slash.selected = (sel + n - 1) % n;
                self.slash.selected_for = text;
            }
            KeyCode::Down | KeyCode::Char('n') if key.code == KeyCode::Down || ctrl => {
                self.slash.selected = (sel + 1) % n;
                self.slash.selected_for = text;
            }
            KeyCode::Tab => self.target_input(target).set_text(&items[sel].fill),
            KeyCode::Enter if key.modifiers.is_empty() => {
                let item = &items[sel];
                let input = self.target_input(target);
                input.set_text(&item.fill);
                if item.runs {
                    let line = input.text().trim().to_owned();
                    input.clear();
                    return Some(match target {
                        Target::Chat => self.submit_chat(line),
                        Target::Bar => {
                            if let Focus::CommandBar { back } = self.focus.clone() {
                                self.focus = Focus::Panel(back);
                            }
                            self.submit_command(line)
                        }
                    });
                }
            }
            KeyCode::Esc => self.slash.dismissed = Some(text),
            _ => return None,
        }
        Some(Vec::new())
    }

    fn ctrl_c(&mut self, target: Target) -> Vec<Intent> {
        let input = self.target_input(target);
        if !input.is_empty() {
            input.clear();
            return Vec::new();
        }
        if !self.orchestrator_busy() {
            self.app_notice(
                NoticeLevel::Info,
                "the orchestrator is idle — nothing to interrupt (^Q quits)".into(),
            );
            return Vec::new();
        }
        vec![Intent::Slash(SlashIntent::Interrupt)]
    }

    /// A line submitted from the chat input: remembered (and persisted), then sent or run.
    pub(super) fn submit_chat(&mut self, text: String) -> Vec<Intent> {
        let mut out = Vec::new();
        if self.chat.input.push_history(&text)
            && let Some(path) = &self.slash.history_path
        {
            out.push(Intent::Slash(SlashIntent::SaveHistory {
                path: path.clone(),
                text: text.clone(),
                ts: self.now,
            }));
        }
        out.extend(self.run_line(&text, Target::Chat));
        out
    }

    /// A line submitted from the command bar (focus is already back on its panel).
    pub(super) fn submit_command(&mut self, text: String) -> Vec<Intent> {
        self.command.push_history(&text);
        if let Some(out) = self.run_action_line(&text) {
            return out;
        }
        self.run_line(&text, Target::Bar)
    }

    fn run_line(&mut self, text: &str, target: Target) -> Vec<Intent> {
        self.slash.dismissed = None;
        match slash::parse(text, target == Target::Bar) {
            Parsed::Message(m) => Self::send(m),
            Parsed::Command(c) => self.run_slash(c),
            Parsed::Unknown(name) => {
                // Keep what was typed so it can be fixed; it never reaches the model.
                self.restore_line(text, target);
                self.app_notice(
                    NoticeLevel::Warning,
                    format!("unknown command {name} — /help lists them (//text sends /text)"),
                );
                Vec::new()
            }
            Parsed::Usage(usage) => {
                self.restore_line(text, target);
                self.app_notice(NoticeLevel::Warning, usage);
                Vec::new()
            }
        }
    }

    fn restore_line(&mut self, text: &str, target: Target) {
        match target {
            Target::Chat => self.chat.input.set_text(text),
            Target::Bar => {
                self.command.set_text(text);
                if let Focus::Panel(back) = self.focus.clone() {
                    self.focus = Focus::CommandBar { back };
                }
            }
        }
        self.slash.dismissed = Some(text.to_owned());
    }

    fn run_slash(&mut self, c: Slash) -> Vec<Intent> {
        let intent = match c {
            Slash::Reset => {
                self.slash.divider = Some("─── new orchestrator session ───".into());
                SlashIntent::Reset
            }
            Slash::Resume { filter } => {
                let current = self
                    .agents
                    .get(&AgentId::orchestrator())
                    .and_then(|r| r.session_id.clone());
                self.slash.picker = Some(SessionPickerState::loading(&filter, current));
                SlashIntent::ListSessions
            }
            Slash::Rename { title } => SlashIntent::Rename { title },
            Slash::Model { name } => SlashIntent::SetModel { model: name },
            Slash::BypassPermissions | Slash::RequirePermissions => {
                let mode = if c == Slash::BypassPermissions {
                    PermissionMode::BypassPermissions
                } else {
                    PermissionMode::Default
                };
                self.slash.mode_pending = Some(mode);
                SlashIntent::SetMode { mode }
            }
            Slash::Clear => {
                self.chat.replace(Vec::new());
                self.app_notice(
                    NoticeLevel::Info,
                    "chat view cleared — the session and its journal are unchanged".into(),
                );
                return Vec::new();
            }
            Slash::Agents => {
                let table = visible_panels(self.ws.active_spec())
                    .iter()
                    .find(|p| p.widget == "AgentTable")
                    .map(|p| p.id.clone());
                match table {
                    Some(id) => self.focus = Focus::Panel(id),
                    None => self.app_notice(
                        NoticeLevel::Info,
                        "no agent table in this tab (^L switches layouts)".into(),
                    ),
                }
                return Vec::new();
            }
            Slash::Permissions => {
                self.open_permissions_screen();
                return Vec::new();
            }
            Slash::New { name } => {
                self.open_spawn_dialog(Some(name));
                return Vec::new();
            }
            Slash::Help => {
                self.help = true;
                return Vec::new();
            }
            Slash::Cd { path } => return self.request_cwd(&path),
        };
        vec![Intent::Slash(intent)]
    }

    fn picker_key(&mut self, key: KeyEvent) -> Vec<Intent> {
        let Some(p) = self.slash.picker.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let outcome = if ctrl && key.code == KeyCode::Char('c') {
            PickerOutcome::Close
        } else {
            p.handle_key(key)
        };
        match outcome {
            PickerOutcome::Stay => Vec::new(),
            PickerOutcome::Close => {
                self.slash.picker = None;
                Vec::new()
            }
            PickerOutcome::Resume(session_id) => {
                let picker = self.slash.picker.take();
                if picker.as_ref().and_then(|p| p.current.as_deref()) == Some(session_id.as_str()) {
                    self.app_notice(NoticeLevel::Info, "that is the current session".into());
                    return Vec::new();
                }
                let title = picker
                    .and_then(|p| p.sessions)
                    .and_then(|s| s.into_iter().find(|e| e.session_id == session_id))
                    .map_or_else(|| session_id.clone(), |e| e.display_title());
                self.slash.divider = Some(format!(
                    "─── resumed: {} ───",
                    crate::core::transcript::one_line(&title, 60)
                ));
                vec![Intent::Slash(SlashIntent::Resume { session_id })]
            }
        }
    }

    /// A result of a chat-side command.
    pub(super) fn slash_event(&mut self, ev: SlashEvent) {
        self.dirty = true;
        match ev {
            SlashEvent::Sessions(list) => {
                for e in &list {
                    self.slash.sessions.insert(
                        e.session_id.clone(),
                        Usage {
                            tokens_in: e.tokens_in,
                            tokens_out: e.tokens_out,
                            cost_usd: e.cost_usd,
                        },
                    );
                }
                if let Some(p) = self.slash.picker.as_mut()
                    && p.sessions.is_none()
                {
                    p.sessions = Some(list);
                }
            }
            SlashEvent::Done(text) => self.app_notice(NoticeLevel::Info, text),
            SlashEvent::ModeRequested { mode, message } => {
                // With nothing live the engine only changed what future agents start with.
                if message.contains("no live agent") {
                    self.bypass = mode == PermissionMode::BypassPermissions;
                    self.slash.mode_pending = None;
                }
                self.app_notice(NoticeLevel::Info, message);
            }
            SlashEvent::Interrupted { dropped } => {
                let text = match dropped {
                    0 => "interrupted the orchestrator".to_owned(),
                    n => format!(
                        "interrupted the orchestrator; dropped {n} queued message{}",
                        if n == 1 { "" } else { "s" }
                    ),
                };
                self.app_notice(NoticeLevel::Warning, text);
            }
            SlashEvent::Failed { what, error } => {
                self.slash.divider = None;
                if let Some(p) = self.slash.picker.as_mut()
                    && p.sessions.is_none()
                {
                    p.sessions = Some(Vec::new());
                }
                self.app_notice(NoticeLevel::Error, format!("{what} failed: {error}"));
            }
        }
    }

    /// Engine facts the chat side cares about (called before the event is folded).
    pub(super) fn slash_engine(&mut self, ev: &EngineEvent) {
        match ev {
            EngineEvent::TranscriptLoaded { agent_id, .. } if agent_id.is_orchestrator() => {
                self.slash.loaded_now = self.slash.divider.is_some();
            }
            EngineEvent::AgentUpdated(rec) if rec.id.is_orchestrator() => {
                if let Some(sid) = &rec.session_id {
                    self.slash.sessions.insert(
                        sid.clone(),
                        Usage {
                            tokens_in: rec.tokens_in,
                            tokens_out: rec.tokens_out,
                            cost_usd: rec.cost_usd,
                        },
                    );
                }
            }
            EngineEvent::PermissionModeChanged {
                agent_id,
                mode,
                result,
            } => {
                if self.slash.mode_pending != Some(*mode) {
                    return;
                }
                match result {
                    Ok(()) => self.bypass = *mode == PermissionMode::BypassPermissions,
                    Err(e) => {
                        let who = self.agent_name(agent_id);
                        let hint = if *mode == PermissionMode::BypassPermissions {
                            " (the CLI allows bypass only when launched with \
                             --allow-dangerously-skip-permissions)"
                        } else {
                            ""
                        };
                        self.app_notice(
                            NoticeLevel::Error,
                            format!(
                                "{who}: the CLI refused permission mode {}: {e}{hint}",
                                mode.as_cli()
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// After an engine event was folded: the divider of a session switch.
    pub(super) fn slash_after_engine(&mut self) {
        if std::mem::take(&mut self.slash.loaded_now)
            && let Some(text) = self.slash.divider.take()
        {
            self.chat.push(TranscriptEntry {
                ts: self.now,
                item: TranscriptItem::Notice {
                    level: NoticeLevel::Info,
                    text,
                },
            });
        }
    }

    /// Mouse on the status bar's permission badge (opens the modal, like ctrl-p), or while
    /// the picker covers the screen. True when used.
    pub(super) fn slash_mouse(&mut self, m: MouseEvent) -> bool {
        if self.slash.picker.is_some() {
            return true;
        }
        if m.kind == MouseEventKind::Down(MouseButton::Left)
            && let Some(r) = self.slash.badge.get()
            && r.contains(Position::new(m.column, m.row))
        {
            self.permission_hidden = false;
            self.dirty = true;
            return true;
        }
        false
    }

    /// The numbers and labels of the status bar.
    pub(super) fn status_info(&self) -> StatusInfo {
        let orch = self.agents.get(&AgentId::orchestrator());
        let mut agents = AgentCounts::default();
        let mut session = Usage::default();
        let mut total = Usage::default();
        for a in self.agents.values() {
            if a.id.is_orchestrator() {
                continue;
            }
            total.add(a.tokens_in, a.tokens_out, a.cost_usd);
            if a.started_at >= self.slash.boot {
                session.add(a.tokens_in, a.tokens_out, a.cost_usd);
            }
            if !a.archived {
                agents.add(a.state);
            }
        }
        let current = orch.and_then(|o| o.session_id.as_deref());
        for (sid, u) in &self.slash.sessions {
            if Some(sid.as_str()) != current {
                total.add(u.tokens_in, u.tokens_out, u.cost_usd);
            }
        }
        if let Some(o) = orch {
            session.add(o.tokens_in, o.tokens_out, o.cost_usd);
            total.add(o.tokens_in, o.tokens_out, o.cost_usd);
        }
        let own = match &self.focus {
            Focus::CommandBar { .. } => HINTS_BAR,
            Focus::Panel(id) => match self.widget_of(id) {
                WidgetKind::OrchestratorChat => HINTS_CHAT,
                WidgetKind::AgentTable if self.finish_keys_apply(id) => HINTS_TABLE_WORKTREE,
                WidgetKind::AgentTable => HINTS_TABLE,
                WidgetKind::ActivityFeed => HINTS_FEED,
                WidgetKind::AgentTranscript
                | WidgetKind::Files
                | WidgetKind::Workspace
                | WidgetKind::Other => HINTS_OTHER,
            },
        };
        let hints = self.hints_with_keymap(own);
        let tab = self.ws.active_tab();
        StatusInfo {
            orchestrator: orch.map(|o| o.state),
            model: orch.and_then(|o| o.model.clone()),
            agents,
            pending_permissions: self.permissions.len(),
            session,
            total,
            bypass: self.bypass,
            tab: tab.title.clone(),
            layout: self.ws.layout_name(&tab.id).map(str::to_owned),
            cwd: self.cwd_display.clone(),
            hints,
        }
    }

    /// The panel's hints followed by the global keys as the keymap binds them now.
    fn hints_with_keymap(&self, (full, short): (&str, &str)) -> (String, String) {
        use crate::ui::keymap::Context;
        // In an input, plain keys type: only chords reach the keymap there.
        let typing = matches!(self.target(), Some(Target::Chat) | Some(Target::Bar));
        let key_of = |action: &str| {
            self.keys
                .map
                .in_context(Context::Global)
                .find(|b| b.action.name() == action && (!typing || b.chord.is_command()))
                .map(|b| short_chord(&b.chord.to_string()))
        };
        let global: Vec<String> = [
            ("focus_command_bar", "command"),
            ("show_help", "help"),
            ("quit", "quit"),
        ]
        .iter()
        .filter_map(|(action, label)| key_of(action).map(|k| format!("{k} {label}")))
        .collect();
        let join = |own: &str, global: &[String]| {
            own.split(" · ")
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .chain(global.iter().cloned())
                .collect::<Vec<_>>()
                .join(" · ")
        };
        (
            join(full, &global),
            join(short, &global[global.len().saturating_sub(2)..]),
        )
    }

    /// Draw the status bar (remembering the badge for mouse hits).
    pub(super) fn render_status(&self, area: Rect, buf: &mut Buffer) {
        let info = self.status_info();
        let badge = StatusBarView {
            info: &info,
            theme: &self.theme,
        }
        .render(area, buf);
        self.slash.badge.set(badge);
    }

    /// Draw the completion popup above the focused input, or the session picker; returns
    /// the picker's cursor.
    pub(super) fn render_slash(
        &self,
        screen: Rect,
        command_row: Rect,
        buf: &mut Buffer,
    ) -> Option<Position> {
        if let Some(p) = &self.slash.picker {
            return SessionPickerView {
                state: p,
                theme: &self.theme,
                now: self.now,
                tz: &self.tz,
            }
            .render(screen, buf);
        }
        let items = self.completions();
        let target = self.target()?;
        if items.is_empty() {
            return None;
        }
        let (anchor, text) = match target {
            Target::Bar => (
                Rect {
                    x: command_row.x + 3,
                    width: command_row.width.saturating_sub(3),
                    ..command_row
                },
                self.command.text(),
            ),
            Target::Chat => {
                let Focus::Panel(id) = &self.focus else {
                    return None;
                };
                let rect = self.panel_rects.iter().find(|(p, _)| p == id)?.1;
                let inner = rect.inner(ratatui::layout::Margin::new(1, 1));
                let rows =
                    crate::ui::widgets::orchestrator_chat::input_rows(&self.chat.input, inner);
                let y = inner.bottom().saturating_sub(rows.saturating_sub(1));
                (
                    Rect::new(inner.x + 1, y, inner.width.saturating_sub(2), 1),
                    self.chat.input.text(),
                )
            }
        };
        CompletionPopupView {
            items: &items,
            selected: self.selected_completion(items.len(), text),
            theme: &self.theme,
        }
        .render(anchor, screen, buf);
        None
    }

    /// Whether the session picker is open (for tests).
    #[cfg(test)]
    pub(crate) fn picker_open(&self) -> bool {
        self.slash.picker.is_some()
    }

    /// Whether bypass is shown (for tests).
    #[cfg(test)]
    pub(crate) fn bypass_shown(&self) -> bool {
        self.bypass
    }
}

#[cfg(test)]
mod tests;
