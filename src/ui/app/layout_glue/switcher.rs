//! The ctrl-l layout switcher: built-in and user layouts, fuzzy filter, a live preview of the
//! highlighted layout (its spec solved into the preview box, one outline per panel with the
//! widget's name), apply to the current tab or open as a new tab, save, delete.

use super::super::App;
use crate::core::layout::LayoutSpec;
use crate::core::transcript::NoticeLevel;
use crate::store::GlobalPaths;
use crate::store::layouts::{Deleted, LayoutSource, delete_layout, list_layout_entries, load_any};
use crate::ui::fuzzy::{Hit, rank};
use crate::ui::layout::solve::solve;
use crate::ui::render::theme::Theme;
use crate::ui::widgets::input::{InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

/// One named layout, loaded when the switcher opens (no IO while drawing).
#[derive(Debug)]
struct Entry {
    name: String,
    source: LayoutSource,
    spec: Result<LayoutSpec, String>,
}

/// The switcher's state.
#[derive(Debug)]
pub(crate) struct SwitcherState {
    filter: InputState,
    /// Index into the ranked hits.
    selected: usize,
    entries: Vec<Entry>,
}

impl SwitcherState {
    /// Load every named layout; highlight `current` (the tab's layout name) if listed.
    pub(crate) fn open(global: Option<&GlobalPaths>, current: Option<&str>) -> Self {
        let entries: Vec<Entry> = list_layout_entries(global)
            .into_iter()
            .map(|e| Entry {
                spec: load_any(global, &e.name).map_err(|err| err.to_string()),
                name: e.name,
                source: e.source,
            })
            .collect();
        let selected = current
            .and_then(|c| entries.iter().position(|e| e.name == c))
            .unwrap_or(0);
        Self {
            filter: InputState::default(),
            selected,
            entries,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        rank(
            self.filter.text(),
            self.entries.iter().map(|e| e.name.as_str()),
        )
    }

    fn highlighted(&self) -> Option<&Entry> {
        self.hits()
            .get(self.selected)
            .and_then(|h| self.entries.get(h.index))
    }

    /// The highlighted layout's name (tests).
    #[cfg(test)]
    pub(crate) fn highlighted_name(&self) -> Option<&str> {
        self.highlighted().map(|e| e.name.as_str())
    }

    /// Draw the filter, the list and the preview into `inner`; returns the cursor.
    pub(crate) fn render(&self, inner: Rect, theme: &Theme, buf: &mut Buffer) -> Option<Position> {
        let input_row = Rect { height: 1, ..inner };
        let cursor = InputView {
            state: &self.filter,
            theme,
            placeholder: "filter, or a name to save the current tab as",
            prompt: "layout › ",
            focused: true,
        }
        .render(input_row, buf);
        let body = Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(2),
            ..inner
        };
        let hits = self.hits();
        let name_w = self
            .entries
            .iter()
            .map(|e| e.name.chars().count())
            .max()
            .unwrap_or(8) as u16;
        let label_w = self
            .entries
            .iter()
            .map(|e| e.source.label().chars().count())
            .max()
            .unwrap_or(8) as u16;
        // max then min, not clamp: clamp panics when the body is narrower than 32 columns.
        let left_w = (name_w + 4 + label_w).max(16).min(body.width / 2);
        if hits.is_empty() {
            buf.set_stringn(
                body.x,
                body.y,
                "no layout matches (^S saves the current tab under this name)",
                usize::from(body.width),
                theme.dim,
            );
            return cursor;
        }
        let rows = usize::from(body.height);
        let first = (self.selected + 1).saturating_sub(rows);
        for (i, hit) in hits.iter().enumerate().skip(first).take(rows) {
            let e = &self.entries[hit.index];
            let chosen = i == self.selected;
            let base = if chosen { theme.selection } else { theme.text };
            let mut spans = vec![Span::styled(if chosen { "▸ " } else { "  " }, base)];
            for (ci, ch) in e.name.chars().enumerate() {
                let matched = hit.positions.binary_search(&(ci as u32)).is_ok();
                let style = if matched {
                    base.patch(theme.accent)
                } else {
                    base
                };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let pad = usize::from(name_w).saturating_sub(e.name.chars().count()) + 2;
            spans.push(Span::styled(" ".repeat(pad), base));
            let tag = match (&e.spec, e.source) {
                (Err(_), _) => Span::styled("invalid", theme.error),
                (Ok(_), s) => Span::styled(s.label(), theme.dim),
            };
            spans.push(tag);
            let y = body.y + (i - first) as u16;
            buf.set_line(body.x, y, &Line::from(spans), left_w);
        }
        // The preview of the highlighted layout.
        let px = body.x + left_w + 1;
        let preview = Rect::new(px, body.y, body.right().saturating_sub(px), body.height);
        if let Some(e) = self.highlighted()
            && !preview.is_empty()
        {
            render_preview(e, preview, theme, buf);
        }
        cursor
    }
}

/// Solve the spec into `area` and outline each visible panel with its widget's name.
fn render_preview(e: &Entry, area: Rect, theme: &Theme, buf: &mut Buffer) {
    let spec = match &e.spec {
        Ok(s) => s,
        Err(err) => {
            for (i, chunk) in err
                .as_bytes()
                .chunks(usize::from(area.width.max(1)))
                .take(usize::from(area.height))
                .enumerate()
            {
                buf.set_stringn(
                    area.x,
                    area.y + i as u16,
                    String::from_utf8_lossy(chunk),
                    usize::from(area.width),
                    theme.error,
                );
            }
            return;
        }
    };
    let solved = solve(spec, area);
    for strip in &solved.strips {
        buf.set_stringn(
            strip.rect.x,
            strip.rect.y,
            strip.labels.join(" │ "),
            usize::from(strip.rect.width),
            theme.dim,
        );
    }
    for placed in &solved.panels {
        let p = placed.panel;
        let focused = spec.focus.as_deref() == Some(p.id.as_str());
        let block = Block::bordered()
            .border_type(BorderType::Plain)
            .border_style(if focused {
                theme.border_focused
            } else {
                theme.border
            })
            .title(Span::styled(p.widget.as_str(), theme.title));
        let inner = block.inner(placed.rect);
        block.render(placed.rect, buf);
        if inner.height > 0 {
            let title = crate::ui::layout::tools::effective_title(p);
            let what = if title == p.widget {
                p.id.clone()
            } else {
                format!("{} · {title}", p.id)
            };
            buf.set_stringn(inner.x, inner.y, what, usize::from(inner.width), theme.dim);
        }
    }
}

impl App {
    /// A key in the open switcher; false closes it.
    pub(super) fn switcher_key(&mut self, sw: &mut SwitcherState, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let picked = sw.highlighted().map(|e| (e.name.clone(), e.spec.clone()));
        match key.code {
            KeyCode::Up => {
                sw.selected = sw.selected.saturating_sub(1);
                true
            }
            KeyCode::Char('p') if ctrl => {
                sw.selected = sw.selected.saturating_sub(1);
                true
            }
            KeyCode::Down | KeyCode::Tab => {
                sw.selected = (sw.selected + 1).min(sw.hits().len().saturating_sub(1));
                true
            }
            KeyCode::Char('n') if ctrl => {
                sw.selected = (sw.selected + 1).min(sw.hits().len().saturating_sub(1));
                true
            }
            KeyCode::Enter => {
                match picked {
                    // Unsaved editors: warned once, the switcher stays for a second Enter.
                    Some((_, Ok(spec))) if !self.confirm_layout_change(&spec) => return true,
                    Some((name, Ok(spec))) => self.apply_switched(&name, spec),
                    Some((_, Err(e))) => self.app_notice(NoticeLevel::Error, e),
                    None => {}
                }
                false
            }
            KeyCode::Char('t') if ctrl => {
                match picked {
                    Some((name, Ok(spec))) => self.new_tab(&name, Some((name.clone(), spec))),
                    Some((_, Err(e))) => self.app_notice(NoticeLevel::Error, e),
                    None => {}
                }
                false
            }
            KeyCode::Char('s') if ctrl => {
                let name = sw.filter.text().trim().to_owned();
                self.save_current_as(&name);
                false
            }
            KeyCode::Char('d') if ctrl => {
                let Some((name, _)) = picked else {
                    return true;
                };
                let Some(store) = self.ws.store() else {
                    return true;
                };
                let global = store.global.clone();
                match delete_layout(&global, &name) {
                    Ok(Deleted::Removed) => {
                        self.app_notice(NoticeLevel::Info, format!("Deleted layout '{name}'."));
                    }
                    Ok(Deleted::BuiltinRestored) => self.app_notice(
                        NoticeLevel::Info,
                        format!("Deleted your '{name}'; the built-in '{name}' is back."),
                    ),
                    Err(e) => self.app_notice(NoticeLevel::Warning, e),
                }
                // Reload so the list shows what is on disk now.
                let filter = sw.filter.text().to_owned();
                *sw = SwitcherState::open(Some(&global), Some(&name));
                sw.filter.set_text(&filter);
                sw.selected = sw.selected.min(sw.hits().len().saturating_sub(1));
                true
            }
            _ => {
                let before = sw.filter.text().to_owned();
                sw.filter.handle_key(key);
                if sw.filter.text() != before {
                    sw.selected = 0;
                }
                true
            }
        }
    }

    /// Apply a picked layout to the current tab; a layout without a chat that would leave the
    /// workspace without one gets a hint to open it as a new tab instead.
    fn apply_switched(&mut self, name: &str, spec: LayoutSpec) {
        let id = self.ws.active_id().to_owned();
        let has_chat = spec.has_chat();
        let r = self.ws.set_layout(None, spec);
        match &r {
            Ok(_) => self.ws.set_layout_name(&id, name),
            Err(_) if !has_chat => {
                self.app_notice(
                    NoticeLevel::Warning,
                    format!("no chat in '{name}': use ^T to open it as a new tab"),
                );
                self.refocus();
                return;
            }
            Err(_) => {}
        }
        self.after_apply(r);
    }
}
