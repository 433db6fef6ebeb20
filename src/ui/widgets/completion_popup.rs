//! The slash-command completion popup: a bordered list drawn just above an input.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::slash::Completion;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use unicode_width::UnicodeWidthStr;

/// Rows of items shown at most (the list scrolls to keep the selection visible).
pub(crate) const MAX_ITEMS: usize = 8;

/// Borrowed view of the popup.
pub(crate) struct CompletionPopupView<'a> {
    pub items: &'a [Completion],
    pub selected: usize,
    pub theme: &'a Theme,
}

impl CompletionPopupView<'_> {
    /// Draw above `anchor` (the input's first row), inside `screen`; below when there is no
    /// room above. Returns the popup's rect (empty when nothing was drawn).
    pub(crate) fn render(&self, anchor: Rect, screen: Rect, buf: &mut Buffer) -> Rect {
        if self.items.is_empty() {
            return Rect::default();
        }
        let t = self.theme;
        let shown = self.items.len().min(MAX_ITEMS);
        let label_w = self
            .items
            .iter()
            .map(|c| {
                c.label.width()
                    + if c.hint.is_empty() {
                        0
                    } else {
                        c.hint.width() + 1
                    }
            })
            .max()
            .unwrap_or(0);
        let about_w = self
            .items
            .iter()
            .map(|c| c.about.width())
            .max()
            .unwrap_or(0);
        let want = (label_w + about_w + 7) as u16;
        let width = want.min(screen.width).min(anchor.width.max(30));
        let height = shown as u16 + 2;
        if width < 12 {
            return Rect::default();
        }
        let x = anchor.x.min(screen.right().saturating_sub(width));
        let y = if anchor.y >= screen.y + height {
            anchor.y - height
        } else if anchor.bottom() + height <= screen.bottom() {
            anchor.bottom()
        } else {
            return Rect::default();
        };
        let area = Rect::new(x, y, width, height);
        Clear.render(area, buf);
        let hint = if self.items.len() > shown {
            format!(
                " {}/{} · Tab complete · Esc ",
                self.selected + 1,
                self.items.len()
            )
        } else {
            " Tab complete · Enter run · Esc ".to_owned()
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border_focused)
            .title_bottom(Span::styled(hint, t.dim));
        let inner = block.inner(area);
        block.render(area, buf);
        let first = (self.selected + 1).saturating_sub(shown);
        let col_w = label_w.min(usize::from(inner.width) / 2);
        for (row, (i, c)) in self
            .items
            .iter()
            .enumerate()
            .skip(first)
            .take(shown)
            .enumerate()
        {
            let selected = i == self.selected;
            let base = if selected { t.selection } else { t.text };
            let mut spans = vec![Span::styled(
                if selected { "▸ " } else { "  " },
                base.patch(t.accent),
            )];
            for (ci, ch) in c.label.chars().enumerate() {
                let style = if c.positions.contains(&(ci as u32)) {
                    base.patch(t.accent).add_modifier(Modifier::BOLD)
                } else {
                    base
                };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let mut used = c.label.width();
            if !c.hint.is_empty() {
                spans.push(Span::styled(format!(" {}", c.hint), base.patch(t.dim)));
                used += c.hint.width() + 1;
            }
            let pad = col_w.saturating_sub(used) + 2;
            spans.push(Span::styled(" ".repeat(pad), base));
            let left = 2 + used.max(col_w) + 2;
            let about = truncate(c.about, usize::from(inner.width).saturating_sub(left));
            spans.push(Span::styled(about, base.patch(t.dim)));
            let y = inner.y + row as u16;
            if selected {
                buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selection);
            }
            buf.set_line(inner.x, y, &Line::from(spans), inner.width);
        }
        area
    }
}
