//! The App's History screen (`ctrl-h`): opening it from the in-memory records, its keys
//! (search, Enter, r, R with the prompt editor, a, Del with confirmation), the lazy preview
//! of the selected row's transcript tail, and drawing it.

use super::table_glue::{PanelEvent, PanelIntent};
use super::{App, Intent};
use crate::core::transcript::NoticeLevel;
use crate::ui::widgets::history_screen::{HistoryMode, HistoryState, HistoryView, Preview};
use crate::ui::widgets::input::{InputOutcome, InputState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

impl App {
    /// Open the History screen.
    pub(crate) fn open_history(&mut self) {
        let mut h = HistoryState::default();
        h.rebuild(&self.agents);
        self.panels.history = Some(h);
        self.request_preview();
    }

    /// Ask for the selected row's preview unless it is loaded or on its way.
    pub(super) fn request_preview(&mut self) {
        let Some(h) = self.panels.history.as_mut() else {
            return;
        };
        let Some(id) = h.selected_id().cloned() else {
            return;
        };
        if h.preview.as_ref().is_some_and(|(p, _)| *p == id) {
            return;
        }
        match self.ws.store().map(|s| s.project.clone()) {
            Some(paths) => {
                h.preview = Some((id.clone(), Preview::Loading));
                self.panels
                    .outbox
                    .push(PanelIntent::Preview { paths, agent: id });
            }
            None => {
                h.preview = Some((id, Preview::Failed("no project store".into())));
            }
        }
    }

    /// Something the panels' tasks posted.
    pub(super) fn panel_event(&mut self, ev: PanelEvent) {
        self.dirty = true;
        match ev {
            PanelEvent::Preview { agent, result } => {
                if let Some(h) = self.panels.history.as_mut()
                    && h.preview.as_ref().is_some_and(|(p, _)| *p == agent)
                {
                    let keep = 200;
                    let preview = match result {
                        Ok(mut entries) => {
                            let skip = entries.len().saturating_sub(keep);
                            entries.drain(..skip);
                            Preview::Loaded(entries)
                        }
                        Err(e) => Preview::Failed(e),
                    };
                    h.preview = Some((agent, preview));
                }
            }
        }
    }

    /// Keys while the History screen is open (it takes them all). Opening it is the
    /// `open_history` action (keymap: ctrl-h, alt-h).
    pub(super) fn history_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        self.panels.history.as_ref()?;
        let out = self.history_key_open(key);
        self.request_preview();
        Some(out)
    }

    fn history_key_open(&mut self, key: KeyEvent) -> Vec<Intent> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(h) = self.panels.history.as_mut() else {
            return Vec::new();
        };
        match &mut h.mode {
            HistoryMode::ConfirmDelete(id) => {
                let id = id.clone();
                h.mode = HistoryMode::List;
                if key.code == KeyCode::Char('y') && !ctrl {
                    let name = self.agent_name(&id);
                    return vec![Intent::Panels(PanelIntent::Delete { agent: id, name })];
                }
                return Vec::new();
            }
            HistoryMode::EditPrompt(id, input) => {
                let id = id.clone();
                match key.code {
                    KeyCode::Esc => h.mode = HistoryMode::List,
                    _ => {
                        if let InputOutcome::Submit(text) = input.handle_key(key) {
                            h.mode = HistoryMode::List;
                            if let Some(a) = self.agents.get(&id).cloned() {
                                return self.resume_or_rerun(&a, Some(text));
                            }
                        }
                    }
                }
                return Vec::new();
            }
            HistoryMode::Search => {
                match key.code {
                    KeyCode::Esc | KeyCode::Enter => h.mode = HistoryMode::List,
                    KeyCode::Down => h.step(1),
                    KeyCode::Up => h.step(-1),
                    _ => {
                        if h.query.handle_key(key) == InputOutcome::Edited {
                            h.rebuild(&self.agents);
                        }
                    }
                }
                return Vec::new();
            }
            HistoryMode::List => {}
        }
        match key.code {
            KeyCode::Esc if !h.query.is_empty() => {
                h.query.clear();
                h.rebuild(&self.agents);
            }
            KeyCode::Esc | KeyCode::Char('q') => self.panels.history = None,
            // The keys that open it close it too.
            KeyCode::Char('h') if ctrl || key.modifiers.contains(KeyModifiers::ALT) => {
                self.panels.history = None
            }
            KeyCode::Char('j') | KeyCode::Down => h.step(1),
            KeyCode::Char('k') | KeyCode::Up => h.step(-1),
            KeyCode::PageDown => h.step(20),
            KeyCode::PageUp => h.step(-20),
            KeyCode::Home | KeyCode::Char('g') => h.step(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => h.step(isize::MAX / 2),
            KeyCode::Char('/') => h.mode = HistoryMode::Search,
            KeyCode::Enter | KeyCode::Char('r' | 'R' | 'a') | KeyCode::Delete if !ctrl => {
                let Some(a) = h.selected_id().and_then(|id| self.agents.get(id)).cloned() else {
                    return Vec::new();
                };
                return match key.code {
                    KeyCode::Enter => {
                        self.panels.history = None;
                        self.select_in_tables(&a.id);
                        self.open_agent(&a.id);
                        Vec::new()
                    }
                    KeyCode::Char('r') => {
                        let out = self.resume_or_rerun(&a, None);
                        if !out.is_empty() {
                            self.app_notice(NoticeLevel::Info, format!("resuming {}", a.name));
                        }
                        out
                    }
                    KeyCode::Char('R') => {
                        let mut input = InputState::default();
                        input.insert_str(a.prompt().unwrap_or(""));
                        h.mode = HistoryMode::EditPrompt(a.id.clone(), Box::new(input));
                        Vec::new()
                    }
                    KeyCode::Char('a') => vec![Intent::Panels(PanelIntent::Archive {
                        agent: a.id.clone(),
                        name: a.name.clone(),
                        archived: !a.archived,
                    })],
                    _ => {
                        if a.state.is_settled() {
                            h.mode = HistoryMode::ConfirmDelete(a.id.clone());
                        } else {
                            self.app_notice(
                                NoticeLevel::Warning,
                                format!("{} is running; kill it before deleting it", a.name),
                            );
                        }
                        Vec::new()
                    }
                };
            }
            KeyCode::Char(c @ ('M' | 'D')) if !ctrl => {
                if let Some(a) = h.selected_id().and_then(|id| self.agents.get(id)).cloned() {
                    return self.finish_start(&a, c == 'M');
                }
            }
            // Any other printable character starts a search with it.
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                h.mode = HistoryMode::Search;
                h.query.insert_str(&c.to_string());
                h.rebuild(&self.agents);
            }
            _ => {}
        }
        Vec::new()
    }

    /// Whether the History screen is open.
    pub(crate) fn history_open(&self) -> bool {
        self.panels.history.is_some()
    }

    /// A paste while the History screen is open goes to the prompt editor or the search.
    pub(super) fn history_paste(&mut self, text: &str) -> bool {
        let Some(h) = self.panels.history.as_mut() else {
            return false;
        };
        match &mut h.mode {
            HistoryMode::EditPrompt(_, input) => input.insert_str(text),
            _ => {
                h.mode = HistoryMode::Search;
                h.query.insert_str(text);
                h.rebuild(&self.agents);
            }
        }
        self.request_preview();
        true
    }

    /// Draw the History screen over `area` when open.
    pub(super) fn render_history(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let h = self.panels.history.as_ref()?;
        HistoryView {
            state: h,
            agents: &self.agents,
            now: self.now,
            tz: &self.tz,
            theme: &self.theme,
        }
        .render(area, buf)
    }

    /// The selected History row (tests).
    #[cfg(test)]
    pub(crate) fn history_selected(&self) -> Option<&crate::core::ids::AgentId> {
        self.panels.history.as_ref()?.selected_id()
    }
}
