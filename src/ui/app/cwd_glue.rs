//! The App's side of switching the project directory: `/cd <path>`, the `change_cwd` action,
//! the ctrl-shift-d path prompt (with directory completion read off the UI task), and folding
//! `EngineEvent::Rerooted` into UI state — the old workspace saved, the new project's workspace,
//! agents, activity, chat history and theme loaded, every file/command/workspace widget
//! re-pointed at the new root, the status bar showing it. The process cwd never changes.
//!
//! The engine decides (it knows which children are live); the UI checks the same things first
//! so a mistake is answered at once, without a round trip.

use super::{App, Focus, Intent};
use crate::core::agent::AgentState;
use crate::core::transcript::NoticeLevel;
use crate::engine::{EngineEvent, EngineHandle, LiveSettings, RerootOutcome};
use crate::store::paths::{GlobalPaths, ProjectPaths};
use crate::ui::app_event::AppEvent;
use crate::ui::widgets::input::{InputOutcome, InputState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

/// Most directory names the prompt lists.
const MAX_LISTED: usize = 200;
/// Rows of completions shown under the prompt.
const SHOWN: usize = 8;

/// State of the cwd switch kept by the App.
#[derive(Debug, Default)]
pub(crate) struct CwdUi {
    /// The project directory (absolute); `None` until `set_cwd_runner` (most tests).
    pub project: Option<PathBuf>,
    post: Option<UnboundedSender<AppEvent>>,
    engine: Option<EngineHandle>,
    /// The activity log of a project switched to (the boot one is owned by `ui::run`).
    activity_log: Option<crate::store::activity::ActivityLog>,
    /// The ctrl-shift-d prompt, when open.
    prompt: Option<CwdPrompt>,
    /// Serial of the newest directory listing asked for (older answers are dropped).
    serial: u64,
}

/// The path prompt.
#[derive(Debug, Default)]
struct CwdPrompt {
    input: InputState,
    /// Directory names under the typed parent (as listed), and which are shown.
    listing: Vec<String>,
    listed_for: Option<PathBuf>,
    selected: usize,
}

/// Engine commands and IO of the cwd switch (executed off the UI task).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CwdIntent {
    /// Ask the engine to re-root at this (already resolved) directory.
    Reroot { path: String },
    /// Changed config settings for the engine.
    Configure(LiveSettings),
    /// List the subdirectories of `dir` for completion.
    ListDir { serial: u64, dir: PathBuf },
}

/// Results posted back by [`execute`].
#[derive(Debug, Clone)]
pub(crate) enum CwdEvent {
    /// The engine's answer to a `Reroot`.
    Rerooted(Result<RerootOutcome, String>),
    /// Subdirectory names of `dir`, sorted.
    Listing {
        serial: u64,
        dir: PathBuf,
        names: Vec<String>,
    },
}

/// Run one intent; results come back as `AppEvent::Cwd`.
pub(crate) fn execute(engine: EngineHandle, posts: UnboundedSender<AppEvent>, intent: CwdIntent) {
    match intent {
        CwdIntent::Configure(settings) => engine.configure(settings),
        CwdIntent::Reroot { path } => {
            tokio::spawn(async move {
                let r = engine.reroot(path).await.map_err(|e| e.to_string());
                let _ = posts.send(AppEvent::Cwd(CwdEvent::Rerooted(r)));
            });
        }
        CwdIntent::ListDir { serial, dir } => {
            tokio::task::spawn_blocking(move || {
                let names = list_dirs(&dir);
                let _ = posts.send(AppEvent::Cwd(CwdEvent::Listing { serial, dir, names }));
            });
        }
    }
}

fn list_dirs(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .take(10 * MAX_LISTED)
        .collect();
    names.sort();
    names.truncate(MAX_LISTED);
    names
}

/// Split typed text into the directory part (as typed, with its slash) and the name prefix.
fn split_typed(text: &str) -> (&str, &str) {
    match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None if text == "~" => ("~", ""),
        None => ("", text),
    }
}

/// `~` expanded and joined to `base` — no IO.
fn expand(typed_dir: &str, base: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let p = match (typed_dir.strip_prefix('~'), home) {
        (Some(rest), Some(h)) => h.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(typed_dir),
    };
    if p.is_absolute() { p } else { base.join(p) }
}

fn is_live(state: AgentState) -> bool {
    matches!(
        state,
        AgentState::Idle
            | AgentState::Running
            | AgentState::Waiting
            | AgentState::AwaitingPermission
    )
}

impl App {
    /// Switch projects from now on: results post on `post`, the engine re-roots, `project` is
    /// the current root.
    pub(crate) fn set_cwd_runner(
        &mut self,
        post: UnboundedSender<AppEvent>,
        engine: EngineHandle,
        project: PathBuf,
    ) {
        self.cwd.post = Some(post);
        self.cwd.engine = Some(engine);
        self.cwd.project = Some(project);
    }

    fn project_root(&self) -> PathBuf {
        self.cwd.project.clone().unwrap_or_default()
    }

    /// The `change_cwd` action: no path opens the prompt.
    pub(crate) fn change_cwd_action(&mut self, path: Option<&str>) -> Vec<Intent> {
        match path.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => self.request_cwd(p),
            None => self.open_cwd_prompt(),
        }
    }

    /// `/cd <path>` and the prompt's Enter: check, then ask the engine.
    pub(crate) fn request_cwd(&mut self, raw: &str) -> Vec<Intent> {
        let base = self.project_root();
        let target = match crate::engine::manager::resolve_dir(raw, &base) {
            Ok(t) => t,
            Err(e) => {
                self.app_notice(NoticeLevel::Error, format!("Invalid path: {e}"));
                return Vec::new();
            }
        };
        let current = std::fs::canonicalize(&base).unwrap_or(base);
        if target == current {
            self.app_notice(
                NoticeLevel::Info,
                format!("cwd unchanged: {} is the project already", target.display()),
            );
            return Vec::new();
        }
        let mut live: Vec<String> = self
            .agents
            .values()
            .filter(|a| !a.id.is_orchestrator() && is_live(a.state))
            .map(|a| format!("{} ({})", a.name, a.state.as_str()))
            .collect();
        if !live.is_empty() {
            live.sort();
            self.app_notice(
                NoticeLevel::Warning,
                format!(
                    "cannot change the project directory while agents are live: {} — kill them or wait until they finish",
                    live.join(", ")
                ),
            );
            return Vec::new();
        }
        if !self.confirm_cwd_change(&target.display().to_string()) {
            return Vec::new();
        }
        self.app_notice(
            NoticeLevel::Info,
            format!("switching the project to {}…", target.display()),
        );
        vec![Intent::Cwd(CwdIntent::Reroot {
            path: target.display().to_string(),
        })]
    }

    fn open_cwd_prompt(&mut self) -> Vec<Intent> {
        let mut prompt = CwdPrompt::default();
        let shown = crate::ui::render::format::tilde(
            &self.project_root(),
            std::env::var_os("HOME").map(PathBuf::from).as_deref(),
        );
        prompt
            .input
            .set_text(&format!("{}/", shown.trim_end_matches('/')));
        self.cwd.prompt = Some(prompt);
        self.dirty = true;
        self.cwd_relist()
    }

    /// Ask for the listing of the typed directory when it changed.
    fn cwd_relist(&mut self) -> Vec<Intent> {
        let base = self.project_root();
        let Some(p) = self.cwd.prompt.as_mut() else {
            return Vec::new();
        };
        let (dir, _) = split_typed(p.input.text());
        let dir = expand(dir, &base);
        if p.listed_for.as_ref() == Some(&dir) {
            return Vec::new();
        }
        p.listed_for = Some(dir.clone());
        p.listing.clear();
        p.selected = 0;
        self.cwd.serial += 1;
        vec![Intent::Cwd(CwdIntent::ListDir {
            serial: self.cwd.serial,
            dir,
        })]
    }

    fn cwd_matches(&self) -> Vec<String> {
        let Some(p) = &self.cwd.prompt else {
            return Vec::new();
        };
        let (_, prefix) = split_typed(p.input.text());
        p.listing
            .iter()
            .filter(|n| n.starts_with(prefix) && (prefix.starts_with('.') || !n.starts_with('.')))
            .cloned()
            .collect()
    }

    /// ctrl-shift-d opens the prompt (until the keymap dispatches `open_change_cwd`); while
    /// open it takes every key.
    pub(super) fn cwd_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if self.cwd.prompt.is_none() {
            let open = key
                .modifiers
                .contains(KeyModifiers::CONTROL | KeyModifiers::SHIFT)
                && matches!(key.code, KeyCode::Char('d' | 'D'));
            if !open {
                return None;
            }
            return Some(self.open_cwd_prompt());
        }
        self.dirty = true;
        let matches = self.cwd_matches();
        let p = self.cwd.prompt.as_mut()?;
        match key.code {
            KeyCode::Esc => {
                self.cwd.prompt = None;
                return Some(Vec::new());
            }
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => {
                p.selected = (p.selected + 1).min(matches.len().saturating_sub(1));
            }
            KeyCode::Tab => {
                if let Some(name) = matches.get(p.selected.min(matches.len().saturating_sub(1))) {
                    let (dir, _) = split_typed(p.input.text());
                    let text = format!("{dir}{name}/");
                    p.input.set_text(&text);
                }
                return Some(self.cwd_relist());
            }
            _ => match p.input.handle_key(key) {
                InputOutcome::Submit(text) => {
                    self.cwd.prompt = None;
                    return Some(self.request_cwd(&text));
                }
                InputOutcome::Edited => {
                    p.selected = 0;
                    return Some(self.cwd_relist());
                }
                InputOutcome::Ignored => {}
            },
        }
        Some(Vec::new())
    }

    /// Results of cwd intents.
    pub(super) fn on_cwd_event(&mut self, ev: CwdEvent) {
        self.dirty = true;
        match ev {
            CwdEvent::Rerooted(Ok(RerootOutcome::Unchanged(p))) => self.app_notice(
                NoticeLevel::Info,
                format!("cwd unchanged: {} is the project already", p.display()),
            ),
            CwdEvent::Rerooted(Ok(RerootOutcome::Switched(p))) => {
                self.app_notice(NoticeLevel::Info, format!("cwd → {}", p.display()));
            }
            CwdEvent::Rerooted(Err(e)) => {
                self.app_notice(NoticeLevel::Error, format!("cwd not changed: {e}"));
            }
            CwdEvent::Listing { serial, dir, names } => {
                if serial != self.cwd.serial {
                    return;
                }
                if let Some(p) = self.cwd.prompt.as_mut()
                    && p.listed_for.as_ref() == Some(&dir)
                {
                    p.listing = names;
                }
            }
        }
    }

    /// `EngineEvent::Rerooted`: the UI follows the engine into the new project.
    pub(super) fn cwd_engine(&mut self, ev: &EngineEvent) -> Option<Vec<Intent>> {
        let EngineEvent::Rerooted { cwd, agents } = ev else {
            return None;
        };
        Some(self.reroot_ui(cwd, agents.clone()))
    }

    fn reroot_ui(
        &mut self,
        cwd: &Path,
        agents: Vec<crate::core::agent::AgentRecord>,
    ) -> Vec<Intent> {
        // The old project's workspace, one last time.
        let w = self.ws.persist();
        self.warn_save(w);
        let paths = ProjectPaths::new(cwd);
        let (workspace, mut notices) = crate::store::workspace::load_or_seed_workspace(&paths);
        let store = self.ws.store().map(|s| s.global.clone());
        self.ws = crate::ui::layout::workspace_state::WorkspaceState::new(workspace);
        if let Some(global) = store.clone() {
            self.set_layout_store(crate::ui::layout::workspace_state::LayoutStore {
                project: paths.clone(),
                global,
            });
        }
        self.focus = Focus::Panel(self.ws.focus_for(self.ws.active_id()));
        self.lay.zoom = false;
        // Agents and what was shown of them belong to the old project.
        self.agents = agents.into_iter().map(|a| (a.id.clone(), a)).collect();
        self.transcripts.clear();
        self.last_activity.clear();
        self.permissions.clear();
        self.files.selected_file = None;
        self.cwd.project = Some(cwd.to_path_buf());
        self.cwd_display = crate::ui::render::format::tilde(
            cwd,
            std::env::var_os("HOME").map(PathBuf::from).as_deref(),
        );
        if let Some(post) = self.cwd.post.clone() {
            self.set_command_runner(post.clone(), cwd.to_path_buf());
            self.set_files_runner(post.clone(), cwd.to_path_buf());
            let engine = self.cwd.engine.clone();
            self.set_workspace_runner(post, cwd.to_path_buf(), engine);
            self.set_chat_history(super::slash_glue::load_chat_history(cwd));
            // The new project's activity feed, persisted in its own file.
            let (records, activity_notices) = crate::store::activity::load_activity(&paths);
            notices.extend(activity_notices);
            self.activity = Default::default();
            if let Some(old) = self.cwd.activity_log.take() {
                old.close();
            }
            match crate::store::activity::ActivityLog::start(
                paths.activity(),
                crate::store::activity::ACTIVITY_KEEP,
            ) {
                Ok(log) => {
                    self.restore_activity(records, Some(log.appender()));
                    self.cwd.activity_log = Some(log);
                }
                Err(e) => {
                    self.restore_activity(records, None);
                    notices.push(format!("activity feed not saved: {e}"));
                }
            }
        }
        for n in notices {
            self.app_notice(NoticeLevel::Warning, n);
        }
        // The new project's theme (project → global → default), as at boot.
        let global = self.themes.global.clone();
        let configured = global
            .as_ref()
            .map(|g| crate::store::config::load_config(g).0.theme().to_owned());
        let depth = self.themes.depth;
        self.theme_boot(global, configured, depth);
        self.app_notice(
            NoticeLevel::Info,
            format!("project directory is now {}", cwd.display()),
        );
        self.dirty = true;
        // Session totals for the status bar come from the new project's index.
        vec![Intent::Slash(super::slash_glue::SlashIntent::ListSessions)]
    }

    fn warn_save(&mut self, w: Option<String>) {
        if let Some(w) = w {
            self.app_notice(NoticeLevel::Warning, w);
        }
    }

    /// Draw the prompt (if open); returns the cursor.
    pub(super) fn render_cwd_prompt(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let p = self.cwd.prompt.as_ref()?;
        let theme = &self.theme;
        let matches = self.cwd_matches();
        let shown = matches.len().min(SHOWN);
        let w = area.width.saturating_sub(4).min(72);
        let h = (4 + shown as u16 + u16::from(shown == 0)).min(area.height);
        if w < 20 || h < 4 {
            return None;
        }
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + area.height.saturating_sub(h) / 3,
            w,
            h,
        );
        Clear.render(rect, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.modal_border)
            .title(Span::styled(
                " Change project directory ",
                theme.title_focused,
            ))
            .title_bottom(Span::styled(
                " Enter switch · Tab complete · ↑↓ pick · Esc cancel ",
                theme.dim,
            ));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let input_area = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 1);
        let cursor = crate::ui::widgets::input::InputView {
            state: &p.input,
            theme,
            placeholder: "~/src/project",
            prompt: "› ",
            focused: true,
        }
        .render(input_area, buf);
        let sel = p.selected.min(matches.len().saturating_sub(1));
        let first = sel.saturating_sub(SHOWN - 1);
        if matches.is_empty() {
            buf.set_line(
                inner.x + 1,
                inner.y + 1,
                &Line::from(Span::styled("no matching directory", theme.dim)),
                inner.width.saturating_sub(2),
            );
        }
        for (row, name) in matches.iter().skip(first).take(SHOWN).enumerate() {
            let style = if first + row == sel {
                theme.selection
            } else {
                theme.text
            };
            buf.set_line(
                inner.x + 1,
                inner.y + 1 + row as u16,
                &Line::from(Span::styled(format!("{name}/"), style)),
                inner.width.saturating_sub(2),
            );
        }
        cursor
    }

    /// Whether the prompt is open (tests).
    #[cfg(test)]
    pub(crate) fn cwd_prompt_open(&self) -> bool {
        self.cwd.prompt.is_some()
    }

    /// The status bar's cwd (tests).
    #[cfg(test)]
    pub(crate) fn cwd_shown(&self) -> &str {
        &self.cwd_display
    }

    /// Tell the engine about changed config settings.
    pub(super) fn configure_engine(&self, settings: LiveSettings) -> Intent {
        Intent::Cwd(CwdIntent::Configure(settings))
    }

    /// The config dir, when known.
    pub(super) fn config_dir(&self) -> Option<&GlobalPaths> {
        self.themes.global.as_ref()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
