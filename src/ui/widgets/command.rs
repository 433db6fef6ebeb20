//! The `Command` widget: the last output of a shell command (ANSI colours kept), scrollable,
//! with its exit status and last run time in the top border. The runs themselves happen in
//! `ui::sources::command`; this file only keeps and draws what they reported.

use crate::core::time::Epoch;
use crate::ui::render::theme::Theme;
use crate::ui::sources::command::{RunResult, RunStatus};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use std::cell::Cell;
use std::time::Duration;

/// A Command panel's live state (kept while the panel keeps its id and widget).
#[derive(Debug, Default)]
pub(crate) struct CommandPanelState {
    /// The last finished run's output, parsed.
    lines: Vec<Line<'static>>,
    /// How the last run ended, when it started, how long it took.
    last: Option<(RunStatus, Epoch, Duration)>,
    /// A run is in flight.
    pub running: bool,
    /// Why file watching does not work, if it does not.
    pub watch_error: Option<String>,
    /// First line shown.
    scroll: usize,
    /// Stick to the end (after `G`/End, or scrolling to the bottom).
    follow: bool,
    /// Rows shown in the last frame (paging and clamping).
    height: Cell<u16>,
}

impl CommandPanelState {
    /// A run started.
    pub(crate) fn started(&mut self) {
        self.running = true;
    }

    /// A run finished: show its output (scroll position kept where it still fits).
    pub(crate) fn finished(&mut self, run: RunResult) {
        self.running = false;
        self.lines = crate::ui::render::ansi::parse(&run.output);
        if matches!(run.status, RunStatus::OutputCapped) {
            self.lines.push(Line::from(format!(
                "[output cut at {} KiB]",
                crate::ui::sources::command::OUTPUT_CAP / 1024
            )));
        }
        self.last = Some((run.status, run.started_at, run.duration));
        self.clamp();
    }

    fn max_scroll(&self) -> usize {
        self.lines
            .len()
            .saturating_sub(usize::from(self.height.get().max(1)))
    }

    fn clamp(&mut self) {
        if self.follow {
            self.scroll = self.max_scroll();
        }
        self.scroll = self.scroll.min(self.max_scroll());
    }

    /// Scroll by `delta` lines (negative: up).
    pub(crate) fn scroll_by(&mut self, delta: isize) {
        let max = self.max_scroll();
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
        self.follow = self.scroll == max && delta > 0;
    }

    /// Scroll a page.
    pub(crate) fn page(&mut self, up: bool) {
        let h = self.height.get().saturating_sub(1).max(1) as isize;
        self.scroll_by(if up { -h } else { h });
    }

    /// Jump to the start.
    pub(crate) fn top(&mut self) {
        self.scroll = 0;
        self.follow = false;
    }

    /// Jump to the end and follow it across runs.
    pub(crate) fn bottom(&mut self) {
        self.follow = true;
        self.scroll = self.max_scroll();
    }
}

/// Draws a Command panel's inside (and its status into the top border row above `area`).
pub(crate) struct CommandView<'a> {
    /// The panel's state.
    pub state: &'a CommandPanelState,
    /// Colours.
    pub theme: &'a Theme,
    /// Shows the key hint.
    pub focused: bool,
    /// Whether commands run in this session (not in most tests).
    pub live: bool,
    /// For the last-run clock.
    pub tz: &'a jiff::tz::TimeZone,
}

impl CommandView<'_> {
    /// The status shown in the border: `✓ 0 · 14:02:11 · 1.2s`, `✗ exit 2 · …`, `⟳ running`.
    pub(crate) fn status(&self) -> Option<Span<'static>> {
        let s = self.state;
        let theme = self.theme;
        if s.running {
            return Some(Span::styled(" ⟳ running ", theme.info));
        }
        let (status, at, took) = s.last.as_ref()?;
        let when = crate::ui::render::format::clock(*at, self.tz);
        let took = if took.as_secs_f64() < 10.0 {
            format!("{:.1}s", took.as_secs_f64())
        } else {
            format!("{}s", took.as_secs())
        };
        let (text, style) = match status {
            RunStatus::Exited(0) => ("✓ 0".to_owned(), theme.ok),
            RunStatus::Exited(c) => (format!("✗ exit {c}"), theme.error),
            RunStatus::Signalled(sig) => (format!("✗ signal {sig}"), theme.error),
            RunStatus::TimedOut => ("✗ timed out".to_owned(), theme.error),
            RunStatus::OutputCapped => ("✗ output cap".to_owned(), theme.warning),
            RunStatus::SpawnFailed(_) => ("✗ failed to start".to_owned(), theme.error),
        };
        Some(Span::styled(format!(" {text} · {when} · {took} "), style))
    }

    /// Render into `area` (the panel's inside).
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        let s = self.state;
        let theme = self.theme;
        s.height.set(area.height);
        // Status on the right of the top border, the key hint on the bottom border.
        if area.y > 0 {
            let mut right = area.right();
            if self.focused {
                let hint = " r re-run ";
                let w = hint.chars().count() as u16;
                if area.width > w + 12 {
                    buf.set_stringn(right - w, area.bottom(), hint, usize::from(w), theme.dim);
                }
            }
            if let Some(span) = self.status() {
                let w = unicode_width::UnicodeWidthStr::width(span.content.as_ref()) as u16;
                if area.width > w + 10 {
                    right -= w;
                    buf.set_span(right, area.y - 1, &span, w);
                }
            }
        }
        let text_area = Rect {
            x: area.x + 1,
            width: area.width.saturating_sub(1),
            ..area
        };
        if s.lines.is_empty() {
            let msg = match (&s.last, self.live) {
                (Some((RunStatus::SpawnFailed(e), ..)), _) => format!("could not start sh: {e}"),
                (Some(_), _) => "(no output)".to_owned(),
                (None, true) => "running…".to_owned(),
                (None, false) => "commands do not run in this session".to_owned(),
            };
            buf.set_stringn(
                text_area.x,
                text_area.y,
                msg,
                usize::from(text_area.width),
                theme.dim,
            );
        }
        let start = s.scroll.min(s.lines.len());
        for (i, line) in s.lines[start..]
            .iter()
            .take(usize::from(text_area.height))
            .enumerate()
        {
            let y = text_area.y + i as u16;
            buf.set_style(Rect::new(text_area.x, y, text_area.width, 1), theme.text);
            buf.set_line(text_area.x, y, line, text_area.width);
        }
        if let Some(e) = &s.watch_error
            && text_area.height > 1
        {
            buf.set_stringn(
                text_area.x,
                text_area.bottom() - 1,
                format!("watch: {e}"),
                usize::from(text_area.width),
                theme.warning,
            );
        }
    }
}
