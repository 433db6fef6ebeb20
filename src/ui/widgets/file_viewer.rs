//! The FileViewer widget: a read-only, syntax-highlighted view of one file with line numbers,
//! search (`/`, n/N) and horizontal scrolling. It holds only the window of lines the worker
//! (`ui::sources::file_reader`) last read and asks for another window when scrolled past it,
//! so a 50 MB log costs what a screenful costs.

use crate::ui::render::highlight::StyledLine;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::sources::file_reader::{DocEvent, DocInfo, Window};
use crate::ui::widgets::input::{InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::cell::Cell;
use std::path::PathBuf;

/// Lines kept around the visible ones when a window is requested (each side, in screens).
const MARGIN_SCREENS: usize = 2;

#[derive(Debug, Clone, PartialEq, Default)]
enum Status {
    /// No file (follow_selection with nothing selected).
    #[default]
    NoFile,
    Loading,
    Binary(u64),
    Failed(String),
    Open(DocInfo),
}

#[derive(Debug, Default)]
struct Search {
    input: InputState,
    /// The prompt is open (typing).
    editing: bool,
    /// The query last searched.
    query: String,
    matches: Vec<usize>,
    capped: bool,
    /// Results not back yet.
    pending: bool,
}

/// What a key asks the App to do besides redrawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ViewerAction {
    /// Nothing.
    None,
    /// Search the file.
    Search(String),
}

/// A FileViewer panel's live state.
#[derive(Debug, Default)]
pub(crate) struct FileViewerState {
    path: Option<PathBuf>,
    status: Status,
    window: Option<Window>,
    /// First line shown.
    scroll: usize,
    /// Columns skipped on the left.
    hscroll: usize,
    height: Cell<u16>,
    search: Search,
    /// The window asked for and not yet received.
    requested: Option<(u64, usize, usize)>,
    /// Live reload is off (watching failed).
    pub watch_error: Option<String>,
}

impl FileViewerState {
    /// The file shown (`None`: waiting for a selection).
    pub(crate) fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// A viewer of `path` (`None`: waiting for a selection).
    pub(crate) fn new(path: Option<PathBuf>) -> Self {
        Self {
            status: if path.is_some() {
                Status::Loading
            } else {
                Status::NoFile
            },
            path,
            ..Self::default()
        }
    }

    /// Line count of the open document (tests).
    #[cfg(test)]
    pub(crate) fn line_count(&self) -> Option<usize> {
        match &self.status {
            Status::Open(i) => Some(i.lines),
            _ => None,
        }
    }

    /// Whether the file was refused as binary (tests).
    #[cfg(test)]
    pub(crate) fn is_binary(&self) -> bool {
        matches!(self.status, Status::Binary(_))
    }

    /// Lines held in memory (tests: proves laziness).
    #[cfg(test)]
    pub(crate) fn window_len(&self) -> usize {
        self.window.as_ref().map_or(0, |w| w.lines.len())
    }

    /// The first line shown (tests).
    #[cfg(test)]
    pub(crate) fn scroll(&self) -> usize {
        self.scroll
    }

    /// Fold a worker report; returns a search to re-run after a reload.
    pub(crate) fn apply(&mut self, ev: DocEvent) -> ViewerAction {
        match ev {
            DocEvent::Opened { info, window } => {
                let reload = matches!(self.status, Status::Open(_));
                self.scroll = self.scroll.min(info.lines.saturating_sub(1));
                self.status = Status::Open(info);
                self.window = Some(window);
                self.requested = None;
                if reload && !self.search.query.is_empty() {
                    self.search.pending = true;
                    return ViewerAction::Search(self.search.query.clone());
                }
            }
            DocEvent::Binary { size } => {
                self.status = Status::Binary(size);
                self.window = None;
            }
            DocEvent::Failed(e) => {
                self.status = Status::Failed(e);
                self.window = None;
            }
            DocEvent::Window(w) => {
                if self.version() == Some(w.version) {
                    self.requested = None;
                    self.window = Some(w);
                }
            }
            DocEvent::Search {
                query,
                lines,
                capped,
            } => {
                if query == self.search.query {
                    self.search.matches = lines;
                    self.search.capped = capped;
                    self.search.pending = false;
                    self.next_match(true, true);
                }
            }
        }
        ViewerAction::None
    }

    fn version(&self) -> Option<u64> {
        match &self.status {
            Status::Open(i) => Some(i.version),
            _ => None,
        }
    }

    fn lines(&self) -> usize {
        match &self.status {
            Status::Open(i) => i.lines,
            _ => 0,
        }
    }

    /// The window to ask the worker for, when the visible lines are not all held (and not
    /// already asked for).
    pub(crate) fn needed_window(&mut self) -> Option<(usize, usize)> {
        let version = self.version()?;
        let h = usize::from(self.height.get().max(1));
        let total = self.lines();
        let end = (self.scroll + h).min(total);
        let held = self.window.as_ref().is_some_and(|w| {
            w.version == version && w.start <= self.scroll && w.start + w.lines.len() >= end
        });
        if held || self.scroll >= total {
            return None;
        }
        let start = self.scroll.saturating_sub(h * MARGIN_SCREENS);
        let len = h * (2 * MARGIN_SCREENS + 1);
        if let Some((v, s, l)) = self.requested
            && v == version
            && s <= self.scroll
            && s + l >= end
        {
            return None;
        }
        self.requested = Some((version, start, len));
        Some((start, len))
    }

    fn max_scroll(&self) -> usize {
        self.lines()
            .saturating_sub(usize::from(self.height.get().max(1)))
    }

    fn scroll_by(&mut self, delta: isize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll());
    }

    /// Scroll by the mouse wheel.
    pub(crate) fn wheel(&mut self, up: bool) {
        self.scroll_by(if up { -3 } else { 3 });
    }

    /// Jump to the next (or previous) match from the top line (`inclusive`: the top line
    /// itself counts).
    fn next_match(&mut self, forward: bool, inclusive: bool) {
        let m = &self.search.matches;
        if m.is_empty() {
            return;
        }
        let cur = self.scroll;
        let target = if forward {
            m.iter()
                .find(|&&l| if inclusive { l >= cur } else { l > cur })
                .or(m.first())
        } else {
            m.iter().rev().find(|&&l| l < cur).or(m.last())
        };
        if let Some(&t) = target {
            // Keep a little context above the match.
            self.scroll = t.saturating_sub(2).min(self.max_scroll());
        }
    }

    /// Handle a key; `None` when it is not the viewer's.
    pub(crate) fn key(&mut self, key: KeyEvent) -> Option<ViewerAction> {
        if self.search.editing {
            match key.code {
                KeyCode::Esc => self.search.editing = false,
                KeyCode::Enter => {
                    self.search.editing = false;
                    let q = self.search.input.text().trim().to_owned();
                    self.search.query = q.clone();
                    self.search.matches.clear();
                    if q.is_empty() {
                        return Some(ViewerAction::None);
                    }
                    self.search.pending = true;
                    return Some(ViewerAction::Search(q));
                }
                _ => {
                    self.search.input.handle_key(key);
                }
            }
            return Some(ViewerAction::None);
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        let page = self.height.get().saturating_sub(1).max(1) as isize;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.scroll_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll_by(-1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll_by(page),
            KeyCode::PageUp => self.scroll_by(-page),
            KeyCode::Char('d') => self.scroll_by(page / 2),
            KeyCode::Char('u') => self.scroll_by(-page / 2),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll = self.max_scroll(),
            KeyCode::Char('l') | KeyCode::Right => self.hscroll += 8,
            KeyCode::Char('h') | KeyCode::Left => self.hscroll = self.hscroll.saturating_sub(8),
            KeyCode::Char('0') => self.hscroll = 0,
            KeyCode::Char('/') => {
                self.search.editing = true;
                self.search.input.set_text("");
            }
            KeyCode::Char('n') => self.next_match(true, false),
            KeyCode::Char('N') => self.next_match(false, false),
            KeyCode::Esc if !self.search.query.is_empty() => {
                self.search.query.clear();
                self.search.matches.clear();
            }
            _ => return None,
        }
        Some(ViewerAction::None)
    }

    /// Typed text for the search prompt (paste).
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        if !self.search.editing {
            return false;
        }
        self.search.input.insert_str(text);
        true
    }
}

/// Draws a FileViewer panel's inside.
pub(crate) struct FileViewerView<'a> {
    /// The panel's state.
    pub state: &'a FileViewerState,
    /// Colours.
    pub theme: &'a Theme,
    /// Focused (search prompt cursor).
    pub focused: bool,
    /// The project dir (paths are shown relative to it).
    pub project: Option<&'a std::path::Path>,
}

impl FileViewerView<'_> {
    /// Draw; returns the cursor position while the search prompt is open.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let s = self.state;
        if area.is_empty() {
            return None;
        }
        let msg = |text: String, style: Style, buf: &mut Buffer| {
            buf.set_stringn(
                area.x + 1,
                area.y,
                truncate(&text, usize::from(area.width.saturating_sub(1))),
                usize::from(area.width),
                style,
            );
        };
        let info = match &s.status {
            Status::NoFile => {
                msg(
                    "no file selected (choose one in a FileTree)".into(),
                    self.theme.dim,
                    buf,
                );
                return None;
            }
            Status::Loading => {
                msg("opening…".into(), self.theme.dim, buf);
                return None;
            }
            Status::Binary(size) => {
                msg(
                    format!(
                        "binary file ({}), not shown",
                        crate::ui::widgets::file_viewer::human_size(*size)
                    ),
                    self.theme.dim,
                    buf,
                );
                return None;
            }
            Status::Failed(e) => {
                msg(format!("cannot open: {e}"), self.theme.error, buf);
                return None;
            }
            Status::Open(info) => info,
        };
        let body_h = area.height.saturating_sub(1);
        s.height.set(body_h.max(1));
        let digits = info.lines.max(1).to_string().len();
        let gutter = digits as u16 + 1;
        let text_w = usize::from(area.width.saturating_sub(gutter + 1));
        let query = &s.search.query;
        for row in 0..body_h {
            let n = s.scroll + usize::from(row);
            if n >= info.lines {
                break;
            }
            let y = area.y + row;
            let is_match = !query.is_empty() && s.search.matches.binary_search(&n).is_ok();
            let num_style = if is_match {
                self.theme.accent
            } else {
                self.theme.dim
            };
            buf.set_stringn(
                area.x,
                y,
                format!("{:>digits$} ", n + 1),
                usize::from(gutter),
                num_style,
            );
            let line = s.window.as_ref().and_then(|w| {
                n.checked_sub(w.start)
                    .and_then(|i| w.lines.get(i))
                    .filter(|_| Some(w.version) == s.version())
            });
            let x = area.x + gutter + 1;
            match line {
                Some(pieces) => {
                    let spans = styled_spans(pieces, s.hscroll, text_w, query, self);
                    buf.set_line(x, y, &Line::from(spans), text_w as u16);
                }
                None => {
                    buf.set_stringn(x, y, "…", 1, self.theme.dim);
                }
            }
        }
        // Status row: search prompt, or position and size.
        let y = area.bottom() - 1;
        if s.search.editing {
            buf.set_stringn(area.x, y, "/", 1, self.theme.accent);
            return InputView {
                state: &s.search.input,
                theme: self.theme,
                placeholder: "search (smart case), Enter to find",
                prompt: "",
                focused: self.focused,
            }
            .render(
                Rect::new(area.x + 1, y, area.width.saturating_sub(1), 1),
                buf,
            );
        }
        let name = s.path.as_deref().map(|p| {
            self.project
                .and_then(|r| p.strip_prefix(r).ok())
                .unwrap_or(p)
                .display()
                .to_string()
        });
        let mut parts = vec![format!(
            "{}{}/{} · {}",
            name.map(|n| format!("{n} · ")).unwrap_or_default(),
            (s.scroll + 1).min(info.lines),
            info.lines,
            human_size(info.size)
        )];
        if !query.is_empty() {
            parts.push(if s.search.pending {
                format!("/{query} searching…")
            } else {
                let n = s.search.matches.len();
                format!(
                    "/{query} {n}{} {}",
                    if s.search.capped { "+" } else { "" },
                    if n == 1 { "match" } else { "matches" }
                )
            });
        }
        if info.size > crate::ui::sources::file_reader::WHOLE_LIMIT {
            parts.push("large: highlighted per window".into());
        }
        if let Some(e) = &s.watch_error {
            parts.push(format!("no live reload: {e}"));
        }
        msg_at(
            buf,
            area.x,
            y,
            area.width,
            &parts.join(" · "),
            self.theme.dim,
        );
        None
    }
}

fn msg_at(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, style: Style) {
    buf.set_stringn(
        x,
        y,
        truncate(text, usize::from(width)),
        usize::from(width),
        style,
    );
}

/// `12.3 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The visible part of a highlighted line, with occurrences of `query` marked.
fn styled_spans(
    pieces: &StyledLine,
    skip: usize,
    width: usize,
    query: &str,
    view: &FileViewerView<'_>,
) -> Vec<Span<'static>> {
    let mut cells: Vec<(char, Style)> = Vec::new();
    for (style, text) in pieces {
        let style = view.theme.text.patch(*style);
        cells.extend(text.chars().map(|c| (c, style)));
    }
    if !query.is_empty() {
        let fold = !query.chars().any(char::is_uppercase);
        let q: Vec<char> = query
            .chars()
            .map(|c| if fold { c.to_ascii_lowercase() } else { c })
            .collect();
        let hay: Vec<char> = cells
            .iter()
            .map(|(c, _)| if fold { c.to_ascii_lowercase() } else { *c })
            .collect();
        let mut i = 0;
        while !q.is_empty() && i + q.len() <= hay.len() {
            if hay[i..i + q.len()] == q[..] {
                for cell in &mut cells[i..i + q.len()] {
                    cell.1 = view.theme.selection;
                }
                i += q.len();
            } else {
                i += 1;
            }
        }
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut cur = String::new();
    let mut cur_style = Style::default();
    for (c, st) in cells.into_iter().skip(skip).take(width) {
        if st != cur_style && !cur.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut cur), cur_style));
        }
        cur_style = st;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, cur_style));
    }
    spans
}
