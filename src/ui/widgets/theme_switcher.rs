//! The theme switcher overlay (ctrl-shift-l / alt-t): fuzzy-filtered theme list with the
//! active one marked, the scope the choice is saved to, and a swatch row of the highlighted
//! palette. Keys move the highlight; the glue previews it live.

use crate::core::theme::{ThemeScope, ThemeSpec};
use crate::store::themes::ThemeSource;
use crate::ui::fuzzy::{Hit, rank};
use crate::ui::render::theme::Theme;
use crate::ui::widgets::input::{InputOutcome, InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

/// One theme, loaded when the switcher opens (no IO while drawing or previewing).
#[derive(Debug, Clone)]
pub(crate) struct SwitcherEntry {
    /// Theme name.
    pub name: String,
    /// Built-in or user file.
    pub source: ThemeSource,
    /// The spec, or why it cannot be used.
    pub spec: Result<ThemeSpec, String>,
}

/// Where Enter saves the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaveScope {
    /// `ui.theme` in config.toml (every project without its own theme).
    Global,
    /// This project's workspace.
    Project,
}

impl SaveScope {
    /// `global` / `project`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Project => "project",
        }
    }
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SwitcherOutcome {
    /// The highlight or filter changed: preview the highlighted theme.
    Moved,
    /// Nothing visible changed besides the overlay itself (scope toggle, no-op).
    Redraw,
    /// Apply the highlighted theme at the chosen scope.
    Apply,
    /// Close and restore the theme that was active when the switcher opened.
    Cancel,
}

/// The switcher's state.
#[derive(Debug)]
pub(crate) struct ThemeSwitcher {
    filter: InputState,
    selected: usize,
    entries: Vec<SwitcherEntry>,
    /// The theme active when opened (marked `*`).
    pub active: String,
    /// Where Enter saves.
    pub scope: SaveScope,
}

impl ThemeSwitcher {
    /// Open on `entries`, highlighting `active`; Enter saves to `scope` unless toggled.
    pub(crate) fn new(entries: Vec<SwitcherEntry>, active: &str, scope: ThemeScope) -> Self {
        let selected = entries.iter().position(|e| e.name == active).unwrap_or(0);
        Self {
            filter: InputState::default(),
            selected,
            entries,
            active: active.to_owned(),
            scope: if scope == ThemeScope::Project {
                SaveScope::Project
            } else {
                SaveScope::Global
            },
        }
    }

    fn hits(&self) -> Vec<Hit> {
        rank(
            self.filter.text(),
            self.entries.iter().map(|e| e.name.as_str()),
        )
    }

    /// The highlighted theme.
    pub(crate) fn highlighted(&self) -> Option<&SwitcherEntry> {
        self.hits()
            .get(self.selected)
            .and_then(|h| self.entries.get(h.index))
    }

    /// Handle a key.
    pub(crate) fn key(&mut self, key: KeyEvent) -> SwitcherOutcome {
        let n = self.hits().len();
        match key.code {
            KeyCode::Esc => return SwitcherOutcome::Cancel,
            KeyCode::Enter => return SwitcherOutcome::Apply,
            KeyCode::Tab | KeyCode::BackTab => {
                self.scope = match self.scope {
                    SaveScope::Global => SaveScope::Project,
                    SaveScope::Project => SaveScope::Global,
                };
                return SwitcherOutcome::Redraw;
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            KeyCode::PageUp | KeyCode::Home => self.selected = 0,
            KeyCode::PageDown | KeyCode::End => self.selected = n.saturating_sub(1),
            _ => match self.filter.handle_key(key) {
                InputOutcome::Edited => self.selected = 0,
                InputOutcome::Submit(_) => return SwitcherOutcome::Apply,
                InputOutcome::Ignored => return SwitcherOutcome::Redraw,
            },
        }
        SwitcherOutcome::Moved
    }

    /// Draw centred in `area`; returns the filter's cursor.
    pub(crate) fn render(&self, area: Rect, theme: &Theme, buf: &mut Buffer) -> Option<Position> {
        let w = area.width.saturating_sub(4).min(64);
        let rows = self.entries.len() as u16 + 7;
        let h = rows.min(area.height.saturating_sub(2));
        if w < 24 || h < 7 {
            return None;
        }
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        );
        Clear.render(rect, buf);
        buf.set_style(rect, theme.base);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border_focused)
            .title(Span::styled(" Theme ", theme.title_focused))
            .title_bottom(Line::from(vec![
                Span::styled(" Enter", theme.accent),
                Span::styled(" apply · ", theme.dim),
                Span::styled("Tab", theme.accent),
                Span::styled(" scope · ", theme.dim),
                Span::styled("Esc", theme.accent),
                Span::styled(" cancel ", theme.dim),
            ]));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let cursor = InputView {
            state: &self.filter,
            theme,
            placeholder: "filter themes",
            prompt: "theme › ",
            focused: true,
        }
        .render(Rect { height: 1, ..inner }, buf);
        let scope_line = Line::from(vec![
            Span::styled("save to: ", theme.dim),
            Span::styled(
                format!("[{}]", self.scope.label()),
                theme.accent.add_modifier(ratatui::style::Modifier::BOLD),
            ),
            Span::styled(
                match self.scope {
                    SaveScope::Global => "  every project without its own theme",
                    SaveScope::Project => "  this project only",
                },
                theme.dim,
            ),
        ]);
        buf.set_line(inner.x, inner.y + 1, &scope_line, inner.width);
        let list = Rect {
            y: inner.y + 3,
            height: inner.height.saturating_sub(4),
            ..inner
        };
        let hits = self.hits();
        if hits.is_empty() {
            buf.set_stringn(
                list.x,
                list.y,
                "no theme matches",
                usize::from(list.width),
                theme.dim,
            );
        }
        let name_w = self
            .entries
            .iter()
            .map(|e| e.name.chars().count())
            .max()
            .unwrap_or(8);
        let shown = usize::from(list.height);
        let first = (self.selected + 1).saturating_sub(shown);
        for (i, hit) in hits.iter().enumerate().skip(first).take(shown) {
            let e = &self.entries[hit.index];
            let chosen = i == self.selected;
            let base = if chosen { theme.selection } else { theme.text };
            let mark = match (e.name == self.active, chosen) {
                (true, _) => "* ",
                (false, true) => "▸ ",
                _ => "  ",
            };
            let mut spans = vec![Span::styled(mark, base.patch(theme.accent))];
            for (ci, ch) in e.name.chars().enumerate() {
                let matched = hit.positions.binary_search(&(ci as u32)).is_ok();
                let style = if matched {
                    base.patch(theme.accent)
                } else {
                    base
                };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let pad = name_w.saturating_sub(e.name.chars().count()) + 2;
            spans.push(Span::styled(" ".repeat(pad), base));
            spans.push(match &e.spec {
                Ok(_) => Span::styled(e.source.label(), theme.dim),
                Err(err) => Span::styled(format!("invalid: {err}"), theme.error),
            });
            let y = list.y + (i - first) as u16;
            buf.set_style(Rect::new(list.x, y, list.width, 1), base);
            buf.set_line(list.x, y, &Line::from(spans), list.width);
        }
        // Swatches of the theme being previewed (the whole app is drawn with it, too).
        let sw_y = inner.bottom().saturating_sub(1);
        let swatches = [
            ("text", theme.text),
            ("accent", theme.accent),
            ("ok", theme.ok),
            ("warn", theme.warning),
            ("error", theme.error),
            ("dim", theme.dim),
            ("+", theme.diff_add),
            ("-", theme.diff_remove),
        ];
        let mut spans = Vec::new();
        for (label, style) in swatches {
            spans.push(Span::styled("■ ", style));
            spans.push(Span::styled(format!("{label} "), theme.dim));
        }
        let sw_row = Rect::new(inner.x, sw_y, inner.width, 1);
        buf.set_style(sw_row, theme.surface);
        buf.set_line(inner.x, sw_y, &Line::from(spans), inner.width);
        cursor
    }
}
