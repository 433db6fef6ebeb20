//! The key help overlay: rows generated from the live keymap (see `app::keymap_glue`),
//! filtered as the user types, scrollable.

use crate::ui::render::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

/// One line of the overlay: a context header or a key with what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HelpRow {
    /// Set for a section header (`chat`, `global`).
    pub header: Option<String>,
    pub keys: String,
    pub about: String,
    /// The action line (`open_history`), empty for widget keys.
    pub action: String,
}

impl HelpRow {
    /// A section header.
    pub(crate) fn header(name: &str) -> Self {
        Self {
            header: Some(name.to_owned()),
            keys: String::new(),
            about: String::new(),
            action: String::new(),
        }
    }

    /// A key row.
    pub(crate) fn key(keys: &str, about: &str, action: &str) -> Self {
        Self {
            header: None,
            keys: keys.to_owned(),
            about: about.to_owned(),
            action: action.to_owned(),
        }
    }
}

/// Borrowed view of the help overlay.
pub(crate) struct HelpView<'a> {
    pub theme: &'a Theme,
    pub rows: &'a [HelpRow],
    /// Typed filter (fuzzy over keys, description and action).
    pub filter: &'a str,
    pub scroll: usize,
}

impl HelpView<'_> {
    /// The rows left after filtering: headers only when not filtering.
    fn visible(&self) -> Vec<&HelpRow> {
        if self.filter.trim().is_empty() {
            return self.rows.iter().collect();
        }
        let keyed: Vec<(usize, String)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.header.is_none())
            .map(|(i, r)| (i, format!("{} {} {}", r.keys, r.about, r.action)))
            .collect();
        crate::ui::fuzzy::filter(self.filter, keyed.iter().map(|(_, s)| s.as_str()))
            .into_iter()
            .map(|i| &self.rows[keyed[i].0])
            .collect()
    }

    /// Draw centred over `screen`; returns the scroll clamped to what fits.
    pub(crate) fn render(&self, screen: Rect, buf: &mut Buffer) -> usize {
        let rows = self.visible();
        let width = screen.width.saturating_sub(4).min(100);
        // Sized to the unfiltered list, so typing a filter does not make the box jump.
        let want = u16::try_from(self.rows.len() + 3).unwrap_or(u16::MAX);
        let height = screen.height.saturating_sub(2).min(want.max(8));
        if width < 24 || height < 5 {
            return self.scroll;
        }
        let area = Rect::new(
            screen.x + (screen.width - width) / 2,
            screen.y + (screen.height - height) / 2,
            width,
            height,
        );
        Clear.render(area, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(self.theme.border_focused)
            .title(Span::styled(" Keys ", self.theme.title_focused))
            .title_bottom(Span::styled(
                " type to filter · ↑↓ PgUp PgDn scroll · Esc close ",
                self.theme.dim,
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        let filter_line = if self.filter.is_empty() {
            Line::from(Span::styled(" filter: (type)", self.theme.dim))
        } else {
            Line::from(vec![
                Span::styled(" filter: ", self.theme.dim),
                Span::styled(self.filter, self.theme.accent),
            ])
        };
        buf.set_line(inner.x, inner.y, &filter_line, inner.width);
        let list = Rect::new(
            inner.x,
            inner.y + 1,
            inner.width,
            inner.height.saturating_sub(1),
        );
        let page = usize::from(list.height);
        let scroll = self.scroll.min(rows.len().saturating_sub(page));
        if rows.is_empty() {
            buf.set_stringn(
                list.x + 1,
                list.y,
                "no key matches",
                usize::from(list.width),
                self.theme.dim,
            );
        }
        let key_w = 30usize.min(usize::from(list.width) / 3);
        let action_w = if list.width >= 80 { 22usize } else { 0 };
        for (i, row) in rows.iter().skip(scroll).take(page).enumerate() {
            let y = list.y + i as u16;
            let line = match &row.header {
                Some(h) => Line::from(Span::styled(format!(" {h}"), self.theme.title_focused)),
                None => {
                    let about_w = usize::from(list.width)
                        .saturating_sub(key_w + action_w + 2)
                        .max(1);
                    let mut spans = vec![
                        Span::styled(
                            format!(" {} ", pad(&row.keys, key_w.saturating_sub(1))),
                            self.theme.accent,
                        ),
                        Span::styled(pad(&row.about, about_w), self.theme.text),
                    ];
                    if action_w > 0 {
                        spans.push(Span::styled(
                            format!(" {}", pad(&row.action, action_w - 1)),
                            self.theme.dim,
                        ));
                    }
                    Line::from(spans)
                }
            };
            buf.set_line(list.x, y, &line, list.width);
        }
        if rows.len() > page {
            let more = format!(
                " {}-{}/{} ",
                scroll + 1,
                (scroll + page).min(rows.len()),
                rows.len()
            );
            let x = area.right().saturating_sub(more.len() as u16 + 2);
            buf.set_string(x, area.y, &more, self.theme.dim);
        }
        scroll
    }
}

/// Truncate (with an ellipsis) or pad to exactly `w` columns.
fn pad(s: &str, w: usize) -> String {
    let t = crate::ui::render::wrap::truncate(s, w);
    let used = unicode_width::UnicodeWidthStr::width(t.as_str());
    format!("{t}{}", " ".repeat(w.saturating_sub(used)))
}
