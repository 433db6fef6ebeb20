//! The AgentTranscript panel: one child agent's transcript (the shared `TranscriptView`),
//! its header, the inline permission bar, and a footer that is either the key hints, the
//! search line or the direct-message input. Its keys are handled here; the App binds it to an
//! agent and feeds it entries (loaded from disk, then streamed).

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::transcript::TranscriptEntry;
use crate::store::transcript_index::TranscriptIndex;
use crate::ui::render::format;
use crate::ui::render::theme::{Theme, state_glyph};
use crate::ui::render::wrap::truncate;
use crate::ui::widgets::input::{InputOutcome, InputState, InputView};
use crate::ui::widgets::permission_prompt::{PendingPermission, PermissionBarView};
use crate::ui::widgets::transcript_view::{TranscriptView, TranscriptViewState, Working};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::text::{Line, Span};

/// Where the panel's keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Mode {
    /// Keys move the selection, toggle blocks, search, copy.
    #[default]
    Browse,
    /// Keys type a message to the agent.
    Input,
    /// Keys type the search query.
    Search,
}

/// Where the transcript comes from.
#[derive(Debug, Default)]
enum Load {
    /// Nothing bound, or not asked yet.
    #[default]
    Idle,
    /// The App must ask the engine for it (it sets `Loading` when it does).
    Wanted,
    /// Asked (request `request`); entries streamed meanwhile (with their file offsets) wait
    /// here to be merged with the index that answers it — not with an older one, which would
    /// miss what streamed in between.
    Loading {
        request: u64,
        buf: Vec<(TranscriptEntry, Option<u64>)>,
    },
    /// Shown, streaming.
    Loaded,
}

/// One AgentTranscript panel (or the full-screen overlay).
#[derive(Debug, Default)]
pub(crate) struct AgentTranscriptState {
    agent: Option<AgentId>,
    /// The transcript as displayed.
    pub view: TranscriptViewState,
    /// The direct message being typed.
    pub input: InputState,
    /// The search query being typed.
    search: InputState,
    /// Where keys go.
    pub mode: Mode,
    load: Load,
}

/// What a key did that the App must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyOutcome {
    /// Not a key of this panel.
    Ignored,
    /// Handled in place.
    Handled,
    /// Send this message to the agent.
    Send(String),
    /// Put this text on the clipboard.
    Copy(String),
}

/// Rows of the footer (a rule and one line).
const FOOTER_ROWS: u16 = 2;
/// Horizontal padding inside the border.
const PAD: Margin = Margin::new(1, 0);

impl AgentTranscriptState {
    /// A state bound to `agent` (its transcript is wanted).
    pub(crate) fn for_agent(agent: AgentId) -> Self {
        let mut s = Self::default();
        s.bind(Some(agent));
        s
    }

    /// The agent shown.
    pub(crate) fn agent(&self) -> Option<&AgentId> {
        self.agent.as_ref()
    }

    /// Show `agent` (a different one: the view starts over and its transcript is wanted).
    /// Returns true when the binding changed.
    pub(crate) fn bind(&mut self, agent: Option<AgentId>) -> bool {
        if self.agent == agent {
            return false;
        }
        self.view.replace(Vec::new());
        self.view.clear_search();
        self.view.clear_selection();
        self.load = if agent.is_some() {
            Load::Wanted
        } else {
            Load::Idle
        };
        self.agent = agent;
        true
    }

    /// The agent whose transcript must be requested now (marks it as being loaded).
    pub(crate) fn take_wanted(&mut self, request: u64) -> Option<AgentId> {
        if !matches!(self.load, Load::Wanted) {
            return None;
        }
        self.load = Load::Loading {
            request,
            buf: Vec::new(),
        };
        self.agent.clone()
    }

    /// Whether this panel waits for the answer to `request`.
    pub(crate) fn awaits(&self, request: u64) -> bool {
        matches!(self.load, Load::Loading { request: r, .. } if r == request)
    }

    /// Whether the transcript is still being read.
    pub(crate) fn loading(&self) -> bool {
        matches!(self.load, Load::Wanted | Load::Loading { .. })
    }

    /// A streamed entry of the bound agent; `at` is where its line starts in the agent's
    /// transcript file.
    pub(crate) fn on_entry(&mut self, entry: &TranscriptEntry, at: Option<u64>) {
        match &mut self.load {
            Load::Loading { buf, .. } => buf.push((entry.clone(), at)),
            Load::Loaded => self.view.push_at(entry.clone(), at),
            // Wanted: the index built next will cover it.
            Load::Idle | Load::Wanted => {}
        }
    }

    /// The transcript file's index (and the view built from it off the UI thread, if this
    /// panel is the first to take it): shown, with the entries streamed since the request
    /// that it does not cover (those whose line starts at or after its end, or that were
    /// never written).
    pub(crate) fn on_loaded(
        &mut self,
        index: &TranscriptIndex,
        built: Option<TranscriptViewState>,
    ) {
        let buffered = self.settle_load();
        match built {
            Some(view) => self.view.adopt(view),
            None => self.view.load_file(index),
        }
        for (entry, at) in buffered {
            if at.is_none_or(|at| at >= index.end) {
                self.view.push_at(entry, at);
            }
        }
    }

    /// The load is over: streaming goes to the view from now on; what was buffered meanwhile.
    fn settle_load(&mut self) -> Vec<(TranscriptEntry, Option<u64>)> {
        match std::mem::replace(&mut self.load, Load::Loaded) {
            Load::Loading { buf, .. } => buf,
            _ => Vec::new(),
        }
    }

    /// The transcript could not be indexed: show what streams from now on.
    pub(crate) fn on_load_failed(&mut self) {
        let buffered = self.settle_load();
        self.view.replace(Vec::new());
        for (entry, _) in buffered {
            self.view.push(entry);
        }
    }

    /// Keys while the panel is focused (the App handles the permission bar first).
    pub(crate) fn key(&mut self, key: KeyEvent) -> KeyOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::PageUp => {
                self.view.page(true);
                return KeyOutcome::Handled;
            }
            KeyCode::PageDown => {
                self.view.page(false);
                return KeyOutcome::Handled;
            }
            _ => {}
        }
        match self.mode {
            Mode::Input => {
                if key.code == KeyCode::Esc {
                    self.mode = Mode::Browse;
                    return KeyOutcome::Handled;
                }
                match self.input.handle_key(key) {
                    InputOutcome::Submit(text) => KeyOutcome::Send(text),
                    InputOutcome::Edited => KeyOutcome::Handled,
                    InputOutcome::Ignored => KeyOutcome::Ignored,
                }
            }
            Mode::Search => match key.code {
                KeyCode::Esc => {
                    self.mode = Mode::Browse;
                    self.search.clear();
                    KeyOutcome::Handled
                }
                _ => match self.search.handle_key(key) {
                    InputOutcome::Submit(q) => {
                        self.mode = Mode::Browse;
                        self.view.search(&q);
                        KeyOutcome::Handled
                    }
                    InputOutcome::Edited => KeyOutcome::Handled,
                    // Enter on an empty query: stop searching.
                    InputOutcome::Ignored if key.code == KeyCode::Enter => {
                        self.mode = Mode::Browse;
                        self.view.clear_search();
                        KeyOutcome::Handled
                    }
                    InputOutcome::Ignored => KeyOutcome::Ignored,
                },
            },
            Mode::Browse if ctrl => KeyOutcome::Ignored,
            Mode::Browse => {
                match key.code {
                    KeyCode::Char('j') | KeyCode::Down => self.view.select_next(),
                    KeyCode::Char('k') | KeyCode::Up => self.view.select_prev(),
                    KeyCode::Enter | KeyCode::Char(' ') => {
                        if self.view.selected().is_none() {
                            self.view.select_prev();
                        }
                        self.view.toggle_selected();
                    }
                    KeyCode::Char('e') => self.view.toggle_all(),
                    KeyCode::Char('g') => self.view.select_edge(false),
                    KeyCode::Home => self.view.goto_top(),
                    KeyCode::Char('G') => self.view.select_edge(true),
                    KeyCode::End => {
                        self.view.clear_selection();
                        self.view.follow_end();
                    }
                    KeyCode::Char('/') => {
                        self.mode = Mode::Search;
                        self.search.clear();
                    }
                    KeyCode::Char('n') => {
                        self.view.search_next(true);
                    }
                    KeyCode::Char('N') => {
                        self.view.search_next(false);
                    }
                    KeyCode::Char('y') => {
                        return match self.view.selected_text() {
                            Some(t) => KeyOutcome::Copy(t),
                            None => KeyOutcome::Handled,
                        };
                    }
                    KeyCode::Char('i') => self.mode = Mode::Input,
                    KeyCode::Esc if self.view.search_status().is_some() => {
                        self.view.clear_search();
                    }
                    KeyCode::Esc if self.view.selected().is_some() => {
                        self.view.clear_selection();
                    }
                    _ => return KeyOutcome::Ignored,
                }
                KeyOutcome::Handled
            }
        }
    }

    /// Whether keys are typing (message or search) rather than browsing.
    pub(crate) fn typing(&self) -> bool {
        self.mode != Mode::Browse
    }

    /// The input keys go to while typing (for pastes).
    pub(crate) fn typing_input(&mut self) -> Option<&mut InputState> {
        match self.mode {
            Mode::Input => Some(&mut self.input),
            Mode::Search => Some(&mut self.search),
            Mode::Browse => None,
        }
    }

    /// Lay out the panel's inner `area` and bring the line cache up to date.
    pub(crate) fn prepare(&mut self, area: Rect, bar_rows: u16, working: bool, theme: &Theme) {
        let parts = Parts::of(area, bar_rows);
        self.view
            .prepare(TranscriptView::lines_area(parts.body, working), theme);
    }

    /// Mouse click at `pos` inside the panel: toggles a block header.
    pub(crate) fn click(&mut self, pos: Position) -> bool {
        self.view.click(pos)
    }
}

/// The panel's rows: header, transcript body, permission bar, footer.
struct Parts {
    header: Rect,
    body: Rect,
    bar: Rect,
    rule: Rect,
    line: Rect,
}

impl Parts {
    fn of(area: Rect, bar_rows: u16) -> Self {
        let area = area.inner(PAD);
        let mut h = area.height;
        let header_rows = u16::from(h >= 8);
        h -= header_rows;
        let footer = FOOTER_ROWS.min(h);
        h -= footer;
        let bar_rows = bar_rows.min(h.saturating_sub(1));
        h -= bar_rows;
        let row = |y: u16, height: u16| Rect::new(area.x, y, area.width, height);
        let y0 = area.y;
        let body_y = y0 + header_rows;
        let bar_y = body_y + h;
        let foot_y = bar_y + bar_rows;
        Self {
            header: row(y0, header_rows),
            body: row(body_y, h),
            bar: row(bar_y, bar_rows),
            rule: row(foot_y, footer.min(1)),
            line: row(foot_y + footer.min(1), footer.saturating_sub(1)),
        }
    }
}

/// Borrowed view of an AgentTranscript for one frame.
pub(crate) struct AgentTranscriptView<'a> {
    pub state: &'a AgentTranscriptState,
    /// The bound agent's record (None: unknown or unbound).
    pub record: Option<&'a AgentRecord>,
    /// This agent's pending permission requests, oldest first.
    pub pending: &'a [&'a PendingPermission],
    pub theme: &'a Theme,
    pub focused: bool,
    pub working: Option<Working>,
}

impl AgentTranscriptView<'_> {
    /// Rows the permission bar takes (pass to `prepare`).
    pub(crate) fn bar_rows(pending: &[&PendingPermission], theme: &Theme) -> u16 {
        PermissionBarView { pending, theme }.height()
    }

    /// Draw into the panel's inner area; returns the cursor position while typing.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let t = self.theme;
        let s = self.state;
        let bar = PermissionBarView {
            pending: self.pending,
            theme: t,
        };
        let parts = Parts::of(area, bar.height());
        if parts.header.height > 0 {
            self.render_header(parts.header, buf);
        }
        let hint = match (s.agent.as_ref(), s.loading()) {
            (None, _) => {
                "No agent selected. Select one in the agent table, or bind this panel with agent_id / agent_name / follow_selection."
            }
            (Some(_), true) => "Loading the transcript…",
            (Some(_), false) => "No messages yet.",
        };
        TranscriptView {
            state: &s.view,
            theme: t,
            focused: self.focused,
            working: self.working.clone(),
            empty_hint: hint,
        }
        .render(parts.body, buf);
        if parts.bar.height > 0 {
            bar.render(parts.bar, buf);
        }
        if parts.rule.height == 0 {
            return None;
        }
        let rule_style = if self.focused {
            t.border_focused
        } else {
            t.border
        };
        let w = usize::from(parts.rule.width);
        buf.set_stringn(parts.rule.x, parts.rule.y, "─".repeat(w), w, rule_style);
        let label = match s.view.search_status() {
            Some((cur, n, q)) => format!(" /{q}  {cur}/{n} · n/N next/prev · Esc clears "),
            None if self.focused && s.mode == Mode::Browse => {
                " j/k select · ⏎ toggle · e expand all · / search · y copy · i message ".to_owned()
            }
            None => String::new(),
        };
        if !label.is_empty() {
            buf.set_stringn(
                parts.rule.x + 1,
                parts.rule.y,
                truncate(&label, w.saturating_sub(2)),
                w.saturating_sub(1),
                t.dim,
            );
        }
        if parts.line.height == 0 {
            return None;
        }
        let name = self.record.map_or("the agent", |r| r.name.as_str());
        let placeholder = format!("Message {name}… (i to type, Enter sends)");
        let (state, prompt, placeholder) = match s.mode {
            Mode::Search => (&s.search, "/ ", "search the transcript (Enter)"),
            Mode::Input | Mode::Browse => (&s.input, "› ", placeholder.as_str()),
        };
        let typing = self.focused && s.mode != Mode::Browse;
        let line = Rect {
            height: 1,
            ..parts.line
        };
        InputView {
            state,
            theme: t,
            placeholder,
            prompt,
            focused: typing,
        }
        .render(line, buf)
        .filter(|_| typing)
    }

    fn render_header(&self, row: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let Some(r) = self.record else {
            let text = match &self.state.agent {
                Some(id) => format!("agent {id} (unknown)"),
                None => "no agent".to_owned(),
            };
            buf.set_stringn(row.x, row.y, text, usize::from(row.width), t.dim);
            return;
        };
        let style = t.state(r.state);
        let mut spans = vec![
            Span::styled(format!("{} ", state_glyph(r.state)), style),
            Span::styled(
                r.name.clone(),
                t.text.add_modifier(ratatui::style::Modifier::BOLD),
            ),
            Span::styled(format!("  {}", r.state.as_str()), style),
        ];
        if let Some(m) = &r.model {
            spans.push(Span::styled(format!(" · {m}"), t.dim));
        }
        spans.push(Span::styled(
            format!(
                " · {} tok · {}",
                format::tokens(r.tokens_in + r.tokens_out),
                format::cost(r.cost_usd)
            ),
            t.dim,
        ));
        if r.state == AgentState::Error
            && let Some(e) = &r.error
        {
            spans.push(Span::styled(format!(" · {e}"), t.error));
        }
        if !self.state.view.following() {
            spans.push(Span::styled(" · scrolled back", t.warning));
        }
        buf.set_line(row.x, row.y, &Line::from(spans), row.width);
    }
}

#[cfg(test)]
mod tests;
