//! The status bar: totals, agent counts, pending permissions, cwd, bypass badge, key hints.

use crate::ui::render::format;
use crate::ui::render::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Numbers the status bar shows, computed by the app per frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StatusTotals {
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    /// Child agents (not archived).
    pub agents: usize,
    /// Of which have a turn in progress.
    pub running: usize,
    /// Permission requests waiting for the user.
    pub pending_permissions: usize,
}

/// Borrowed view of the status bar.
pub(crate) struct StatusBarView<'a> {
    pub totals: &'a StatusTotals,
    /// The project dir, already shortened with `~`.
    pub cwd: &'a str,
    pub bypass: bool,
    pub theme: &'a Theme,
}

const HINTS: &str = "? help · ^Q quit ";

impl StatusBarView<'_> {
    /// Draw one row.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let t = self.theme;
        let bar = t.status_bar;
        buf.set_style(area, bar);
        let n = self.totals;
        let mut spans = Vec::with_capacity(12);
        if self.bypass {
            spans.push(Span::styled(" BYPASS ", t.badge_bypass));
        }
        if n.pending_permissions > 0 {
            spans.push(Span::styled(
                format!(
                    " ⚠ {} permission{} pending (p) ",
                    n.pending_permissions,
                    plural(n.pending_permissions)
                ),
                t.badge_alert,
            ));
        }
        spans.push(Span::styled(
            format!(
                " tokens {}/{} · {} · {} agent{} ({} running) · {}",
                format::tokens(n.tokens_in),
                format::tokens(n.tokens_out),
                format::cost(n.cost_usd),
                n.agents,
                plural(n.agents),
                n.running,
                self.cwd,
            ),
            bar,
        ));
        let line = Line::from(spans);
        let hints_w = HINTS.width() as u16;
        let left_w = area.width.saturating_sub(hints_w + 1);
        buf.set_line(area.x, area.y, &line, left_w);
        if line.width() as u16 > left_w && left_w > 0 {
            buf.set_string(area.x + left_w - 1, area.y, "…", bar);
        }
        if area.width > hints_w {
            buf.set_string(area.right() - hints_w, area.y, HINTS, bar.patch(t.dim));
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
