//! The activity feed: one line per event across all agents, newest at the bottom.

use crate::core::time::Epoch;
use crate::core::transcript::NoticeLevel;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use std::collections::VecDeque;
use unicode_width::UnicodeWidthStr;

/// How many entries the feed keeps.
pub(crate) const ACTIVITY_CAP: usize = 1000;

/// The kind of an entry, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActivityKind {
    /// Ordinary progress (spawned, tool call, state change).
    Normal,
    /// Needs the user's attention (permission asked, ask).
    Attention,
    /// An app notice.
    Notice(NoticeLevel),
}

/// One feed line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActivityEntry {
    pub ts: Epoch,
    /// `14:05:12`, formatted once when recorded (not every frame).
    pub time: String,
    /// Agent name (or `patchfeld` for app-level entries).
    pub who: String,
    pub what: String,
    pub kind: ActivityKind,
}

/// The ring of recent entries and the scroll position.
#[derive(Debug, Default)]
pub(crate) struct ActivityState {
    entries: VecDeque<ActivityEntry>,
    /// Entries scrolled up from the newest (0 = follow).
    scroll: usize,
    page: u16,
}

impl ActivityState {
    /// Append, dropping the oldest beyond the cap.
    pub(crate) fn push(&mut self, entry: ActivityEntry) {
        if self.entries.len() == ACTIVITY_CAP {
            self.entries.pop_front();
        } else if self.scroll > 0 {
            self.scroll += 1;
        }
        self.entries.push_back(entry);
    }

    /// Entries, oldest first.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &VecDeque<ActivityEntry> {
        &self.entries
    }

    /// Scroll a page up or down.
    pub(crate) fn page(&mut self, up: bool) {
        let step = usize::from(self.page.max(2) - 1);
        let max = self.entries.len().saturating_sub(usize::from(self.page));
        self.scroll = if up {
            (self.scroll + step).min(max)
        } else {
            self.scroll.saturating_sub(step)
        };
    }

    /// Record the viewport height (for paging).
    pub(crate) fn set_page(&mut self, h: u16) {
        self.page = h;
        let max = self.entries.len().saturating_sub(usize::from(h));
        self.scroll = self.scroll.min(max);
    }
}

/// Borrowed view of the feed for one frame.
pub(crate) struct ActivityFeedView<'a> {
    pub state: &'a ActivityState,
    pub theme: &'a Theme,
}

impl ActivityFeedView<'_> {
    /// Draw the newest entries that fit into `area`.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let s = self.state;
        if s.entries.is_empty() {
            buf.set_stringn(
                area.x,
                area.y,
                truncate("Nothing has happened yet", usize::from(area.width)),
                usize::from(area.width),
                self.theme.dim,
            );
            return;
        }
        let h = usize::from(area.height);
        let end = s.entries.len().saturating_sub(s.scroll);
        let start = end.saturating_sub(h);
        let width = usize::from(area.width);
        for (row, e) in s.entries.range(start..end).enumerate() {
            let time = e.time.as_str();
            let who = truncate(&e.who, 14);
            let used = time.width() + 1 + who.width() + 1;
            let what_style = match e.kind {
                ActivityKind::Normal => self.theme.text,
                ActivityKind::Attention => self.theme.warning,
                ActivityKind::Notice(level) => self.theme.notice(level),
            };
            let line = Line::from(vec![
                Span::styled(time, self.theme.dim),
                Span::raw(" "),
                Span::styled(who, self.theme.accent),
                Span::raw(" "),
                Span::styled(truncate(&e.what, width.saturating_sub(used)), what_style),
            ]);
            buf.set_line(area.x, area.y + row as u16, &line, area.width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::render::format;

    fn e(i: usize) -> ActivityEntry {
        ActivityEntry {
            ts: 0.0,
            time: format::clock(0.0, &jiff::tz::TimeZone::UTC),
            who: "a".into(),
            what: i.to_string(),
            kind: ActivityKind::Normal,
        }
    }

    #[test]
    fn ring_keeps_the_newest_thousand() {
        let mut s = ActivityState::default();
        for i in 0..ACTIVITY_CAP + 5 {
            s.push(e(i));
        }
        assert_eq!(s.entries().len(), ACTIVITY_CAP);
        assert_eq!(s.entries().front().map(|e| e.what.as_str()), Some("5"));
    }

    #[test]
    fn renders_only_the_newest_that_fit() {
        let mut s = ActivityState::default();
        for i in 0..10 {
            s.push(e(i));
        }
        let theme = Theme::dark();
        let area = Rect::new(0, 0, 20, 3);
        let mut buf = Buffer::empty(area);
        ActivityFeedView {
            state: &s,
            theme: &theme,
        }
        .render(area, &mut buf);
        let row = |y| -> String { (0..20).map(|x| buf[(x, y)].symbol().to_owned()).collect() };
        assert_eq!(row(0).trim_end(), "00:00:00 a 7");
        assert_eq!(row(2).trim_end(), "00:00:00 a 9");
    }
}
