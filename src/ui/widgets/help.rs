//! The key help overlay, generated from the same table that documents the keys.

use crate::ui::render::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

/// Every key the UI understands, with what it does.
pub(crate) const KEYS: &[(&str, &str)] = &[
    ("^Q", "quit"),
    ("Tab / ⇧Tab", "next / previous panel"),
    ("/", "message the orchestrator from the command bar"),
    ("Enter", "send the message"),
    ("Esc", "leave the command bar, hide a prompt, close help"),
    ("PgUp / PgDn", "scroll the transcript or feed"),
    (
        "End / M-e",
        "chat: follow the end (input empty) / expand all",
    ),
    ("click ⏺ ✻", "expand or collapse a tool call or thinking"),
    (
        "j k ⏎ e g G",
        "transcript panel: select, toggle, expand all, ends",
    ),
    (
        "/ n N y i",
        "transcript panel: search, next/prev, copy, message",
    ),
    ("j k / ↑ ↓", "move the selection in the agent table"),
    ("p / ^P", "show the pending permission prompt"),
    ("y / n", "allow once / deny (in the permission prompt)"),
    ("^T / ^W", "new app tab (name, layout) / close the tab"),
    (
        "^1-9 / M-1-9",
        "go to tab N (alt works where ctrl-digits don't)",
    ),
    ("^PgUp / ^PgDn", "previous / next tab (or click the strip)"),
    ("M-arrows", "focus the panel in that direction"),
    (
        "^M-arrows",
        "resize the panel (or M-⇧-arrows, drag a border)",
    ),
    ("M-z / ^⇧R", "zoom the panel / reset the tab's layout"),
    ("^L", "layouts: apply, ^T as new tab, ^S save current"),
    (
        "⏎ ␣ → ← / i r",
        "file tree: open/choose, expand, collapse, find, ignored, reload",
    ),
    (
        "/ n N h l g G",
        "file viewer: search, next/prev, scroll sideways, ends",
    ),
    ("/ p G", "log tail: filter, pause/resume, follow the end"),
    (
        "^S (notebook)",
        "save now (it also saves itself as you type)",
    ),
    (
        "^\\ then a key",
        "terminal: leave it (^\\ twice sends ^\\); ⇧PgUp/wheel scroll",
    ),
    (
        "v ] [ ⏎ z r",
        "diff: side by side, next/prev file, fold hunk/all, reload",
    ),
    (
        "^S ^Z ^Y ^F F3",
        "editor: save, undo, redo, find, next; r/k/d on a disk change",
    ),
    ("?", "this help"),
];

/// Borrowed view of the help overlay.
pub(crate) struct HelpView<'a> {
    pub theme: &'a Theme,
}

impl HelpView<'_> {
    /// Draw centred over `screen`.
    pub(crate) fn render(&self, screen: Rect, buf: &mut Buffer) {
        let width = screen.width.saturating_sub(4).min(64);
        let height = (KEYS.len() as u16 + 2).min(screen.height);
        if width < 20 || height < 3 {
            return;
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
            .title(Span::styled(" Keys ", self.theme.title_focused));
        let inner = block.inner(area);
        block.render(area, buf);
        for (i, (key, what)) in KEYS.iter().take(usize::from(inner.height)).enumerate() {
            let line = Line::from(vec![
                Span::styled(format!(" {key:<13}"), self.theme.accent),
                Span::styled(*what, self.theme.text),
            ]);
            buf.set_line(inner.x, inner.y + i as u16, &line, inner.width);
        }
    }
}
