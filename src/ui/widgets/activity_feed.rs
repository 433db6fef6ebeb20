//! The activity feed: one line per event across all agents, newest at the bottom, filtered by
//! kind (all / attention / errors) and by agent name, with a line cursor for `Enter`.

use crate::core::ids::AgentId;
use crate::core::time::Epoch;
use crate::core::transcript::NoticeLevel;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use std::collections::VecDeque;
use unicode_width::UnicodeWidthStr;

/// How many entries the feed keeps in memory (the file keeps more; see store::activity).
pub(crate) const ACTIVITY_CAP: usize = 1000;

/// The kind of an entry, for its colour and the kind filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActivityKind {
    /// Ordinary progress (spawned, tool call, state change).
    Normal,
    /// Needs the user's attention (permission asked, ask).
    Attention,
    /// An app notice or an agent's notice / error.
    Notice(NoticeLevel),
}

/// Which kinds the feed shows (a key cycles them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum KindFilter {
    #[default]
    All,
    /// Permission requests, asks, warnings and errors.
    Attention,
    /// Errors only.
    Errors,
}

impl KindFilter {
    /// The next filter in the cycle.
    pub(crate) fn next(self) -> Self {
        match self {
            Self::All => Self::Attention,
            Self::Attention => Self::Errors,
            Self::Errors => Self::All,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Attention => "attention",
            Self::Errors => "errors",
        }
    }

    fn admits(self, kind: ActivityKind) -> bool {
        match self {
            Self::All => true,
            Self::Attention => matches!(
                kind,
                ActivityKind::Attention
                    | ActivityKind::Notice(NoticeLevel::Warning | NoticeLevel::Error)
            ),
            Self::Errors => kind == ActivityKind::Notice(NoticeLevel::Error),
        }
    }
}

/// One feed line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActivityEntry {
    pub ts: Epoch,
    /// `14:05:12`, formatted once when recorded (not every frame).
    pub time: String,
    /// Agent name (or `patchfeld` for app-level entries).
    pub who: String,
    /// The agent the line is about, when it is about one.
    pub agent: Option<AgentId>,
    pub what: String,
    pub kind: ActivityKind,
}

/// The ring of recent entries, the filters, the cursor and the scroll position.
#[derive(Debug, Default)]
pub(crate) struct ActivityState {
    entries: VecDeque<ActivityEntry>,
    /// Sequence number of `entries[0]` (entries are numbered as they arrive).
    first_seq: u64,
    /// Shown lines scrolled up from the newest (0 = follow).
    scroll: usize,
    page: u16,
    pub kind: KindFilter,
    /// Agent name filter (fuzzy), typed after `f`.
    pub agent_filter: InputState,
    pub agent_editing: bool,
    /// The line under the cursor, by sequence number (None = no cursor, follow).
    selected: Option<u64>,
}

impl ActivityState {
    /// Append, dropping the oldest beyond the cap.
    pub(crate) fn push(&mut self, entry: ActivityEntry) {
        if self.entries.len() == ACTIVITY_CAP {
            self.entries.pop_front();
            self.first_seq += 1;
        }
        let shown = self.admits(&entry);
        self.entries.push_back(entry);
        if shown && self.scroll > 0 {
            self.scroll += 1;
        }
    }

    /// Take every entry out (oldest first), leaving the feed empty.
    pub(crate) fn drain_all(&mut self) -> Vec<ActivityEntry> {
        self.first_seq += self.entries.len() as u64;
        self.reset_view();
        self.entries.drain(..).collect()
    }

    /// Entries, oldest first.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &VecDeque<ActivityEntry> {
        &self.entries
    }

    fn admits(&self, e: &ActivityEntry) -> bool {
        self.kind.admits(e.kind)
    }

    /// Indices of the shown entries, oldest first.
    pub(crate) fn shown(&self) -> Vec<usize> {
        let by_kind: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.admits(&self.entries[i]))
            .collect();
        let q = self.agent_filter.text().trim();
        if q.is_empty() {
            return by_kind;
        }
        let mut keep =
            crate::ui::fuzzy::filter(q, by_kind.iter().map(|&i| self.entries[i].who.as_str()));
        keep.sort_unstable();
        keep.into_iter().map(|k| by_kind[k]).collect()
    }

    /// The entry under the cursor.
    pub(crate) fn selected_entry(&self) -> Option<&ActivityEntry> {
        let seq = self.selected?;
        let i = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.entries.get(i)
    }

    /// Forget the cursor and scroll (filters changed).
    pub(crate) fn reset_view(&mut self) {
        self.selected = None;
        self.scroll = 0;
    }

    /// Move the cursor by `delta` shown lines (first move starts at the newest line), keeping
    /// it on screen.
    pub(crate) fn step(&mut self, delta: isize) {
        let shown = self.shown();
        if shown.is_empty() {
            self.selected = None;
            return;
        }
        let cur = self
            .selected
            .and_then(|seq| shown.iter().position(|&i| self.first_seq + i as u64 == seq));
        let pos = match cur {
            None => shown.len() - 1,
            Some(p) => (p as isize + delta).clamp(0, shown.len() as isize - 1) as usize,
        };
        self.selected = Some(self.first_seq + shown[pos] as u64);
        // Keep the cursor inside the window [end - page, end).
        let page = usize::from(self.page.max(1));
        let end = shown.len() - self.scroll.min(shown.len());
        if pos >= end {
            self.scroll = shown.len() - pos - 1;
        } else if pos + page < end {
            self.scroll = shown.len() - (pos + page);
        }
    }

    /// Scroll a page up or down.
    pub(crate) fn page(&mut self, up: bool) {
        let step = usize::from(self.page.max(2) - 1);
        let max = self.shown().len().saturating_sub(usize::from(self.page));
        self.scroll = if up {
            (self.scroll + step).min(max)
        } else {
            self.scroll.saturating_sub(step)
        };
    }

    /// Record the viewport height (for paging).
    pub(crate) fn set_page(&mut self, h: u16) {
        self.page = h;
        let max = self.shown().len().saturating_sub(usize::from(h));
        self.scroll = self.scroll.min(max);
    }

    /// Whether a header line (filters) is drawn above the lines.
    pub(crate) fn has_header(&self) -> bool {
        self.kind != KindFilter::All || self.agent_editing || !self.agent_filter.is_empty()
    }
}

/// Borrowed view of the feed for one frame.
pub(crate) struct ActivityFeedView<'a> {
    pub state: &'a ActivityState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl ActivityFeedView<'_> {
    /// The rows left for lines in `area` (the header takes one when filters are on).
    pub(crate) fn lines_height(state: &ActivityState, area: Rect) -> u16 {
        area.height
            .saturating_sub(u16::from(state.has_header() && area.height > 1))
    }

    /// Draw the newest shown entries that fit into `area`; returns the filter input's cursor.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let s = self.state;
        let t = self.theme;
        let mut area = area;
        let mut cursor = None;
        if s.has_header() && area.height > 1 {
            let mut spans = Vec::new();
            for k in [KindFilter::All, KindFilter::Attention, KindFilter::Errors] {
                let style = if k == s.kind { t.title_focused } else { t.dim };
                spans.push(Span::styled(k.label(), style));
                spans.push(Span::styled(" │ ", t.border));
            }
            let used: usize = spans.iter().map(|sp| sp.content.width()).sum();
            buf.set_line(area.x, area.y, &Line::from(spans), area.width);
            if s.agent_editing || !s.agent_filter.is_empty() {
                let x = area.x + (used as u16).min(area.width);
                let rest = Rect::new(x, area.y, area.right() - x, 1);
                let pos = InputView {
                    state: &s.agent_filter,
                    theme: t,
                    placeholder: "agent name",
                    prompt: "agent › ",
                    focused: s.agent_editing && self.focused,
                }
                .render(rest, buf);
                if s.agent_editing && self.focused {
                    cursor = pos;
                }
            }
            area.y += 1;
            area.height -= 1;
        }
        let shown = s.shown();
        if shown.is_empty() {
            let text = if s.entries.is_empty() {
                "Nothing has happened yet"
            } else {
                "Nothing matches the filter"
            };
            buf.set_stringn(
                area.x,
                area.y,
                truncate(text, usize::from(area.width)),
                usize::from(area.width),
                t.dim,
            );
            return cursor;
        }
        let h = usize::from(area.height);
        let end = shown.len().saturating_sub(s.scroll);
        let start = end.saturating_sub(h);
        let width = usize::from(area.width);
        for (row, &i) in shown[start..end].iter().enumerate() {
            let e = &s.entries[i];
            let time = e.time.as_str();
            let who = truncate(&e.who, 14);
            let used = time.width() + 1 + who.width() + 1;
            let what_style = match e.kind {
                ActivityKind::Normal => t.text,
                ActivityKind::Attention => t.warning,
                ActivityKind::Notice(level) => t.notice(level),
            };
            let line = Line::from(vec![
                Span::styled(time, t.dim),
                Span::raw(" "),
                Span::styled(who, t.accent),
                Span::raw(" "),
                Span::styled(truncate(&e.what, width.saturating_sub(used)), what_style),
            ]);
            let y = area.y + row as u16;
            buf.set_line(area.x, y, &line, area.width);
            if self.focused && s.selected == Some(s.first_seq + i as u64) {
                buf.set_style(Rect::new(area.x, y, area.width, 1), t.selection);
            }
        }
        cursor
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ui::render::format;

    fn e(i: usize) -> ActivityEntry {
        ActivityEntry {
            ts: 0.0,
            time: format::clock(0.0, &jiff::tz::TimeZone::UTC),
            who: if i % 2 == 0 { "alpha" } else { "beta" }.into(),
            agent: None,
            what: i.to_string(),
            kind: match i % 3 {
                0 => ActivityKind::Normal,
                1 => ActivityKind::Attention,
                _ => ActivityKind::Notice(NoticeLevel::Error),
            },
        }
    }

    fn shown_whats(s: &ActivityState) -> Vec<String> {
        s.shown()
            .into_iter()
            .map(|i| s.entries[i].what.clone())
            .collect()
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
            focused: false,
        }
        .render(area, &mut buf);
        let row = |y| -> String { (0..20).map(|x| buf[(x, y)].symbol().to_owned()).collect() };
        assert_eq!(row(0).trim_end(), "00:00:00 beta 7");
        assert_eq!(row(2).trim_end(), "00:00:00 beta 9");
    }

    #[test]
    fn kind_filter_cycles_and_selects() {
        let mut s = ActivityState::default();
        for i in 0..7 {
            s.push(e(i));
        }
        assert_eq!(shown_whats(&s).len(), 7);
        s.kind = s.kind.next();
        assert_eq!(
            shown_whats(&s),
            ["1", "2", "4", "5"],
            "attention includes errors"
        );
        s.kind = s.kind.next();
        assert_eq!(shown_whats(&s), ["2", "5"]);
        s.kind = s.kind.next();
        assert_eq!(s.kind, KindFilter::All);
    }

    #[test]
    fn agent_filter_is_fuzzy_on_names_and_keeps_time_order() {
        let mut s = ActivityState::default();
        for i in 0..6 {
            s.push(e(i));
        }
        s.agent_filter.insert_str("bta");
        assert_eq!(shown_whats(&s), ["1", "3", "5"]);
        s.kind = KindFilter::Errors;
        assert_eq!(shown_whats(&s), ["5"]);
    }

    #[test]
    fn cursor_starts_at_the_newest_and_scrolls_into_view() {
        let mut s = ActivityState::default();
        for i in 0..20 {
            s.push(e(i));
        }
        s.set_page(5);
        s.step(-1);
        assert_eq!(s.selected_entry().unwrap().what, "19");
        for _ in 0..7 {
            s.step(-1);
        }
        assert_eq!(s.selected_entry().unwrap().what, "12");
        // Window of 5 lines ending at the cursor or later: 12 is visible.
        let end = 20 - s.scroll;
        assert!(end - 5 <= 12 && 12 < end, "scroll {}", s.scroll);
        // The cursor stays on its entry when new lines arrive.
        s.push(e(20));
        assert_eq!(s.selected_entry().unwrap().what, "12");
    }
}
