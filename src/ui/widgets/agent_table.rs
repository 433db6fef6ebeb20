//! The agent table: one row per child agent, most urgent first then by a chosen column, with a
//! movable selection, a name filter, archived rows on demand, and the row's inline modes
//! (kill confirmation, message line).

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::time::{Epoch, short_span};
use crate::ui::render::format;
use crate::ui::render::theme::{Theme, state_glyph};
use crate::ui::render::wrap::{truncate, wrap};
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState};
use std::cmp::Ordering;
use std::collections::HashMap;
use unicode_width::UnicodeWidthStr;

/// Spinner frames of a running agent (one per second: it advances on the 1 Hz tick).
const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// The column the rows are ordered by after urgency (`o` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SortKey {
    /// Oldest first (the order they were started in).
    #[default]
    Started,
    /// Most recent activity first.
    Recent,
    /// Alphabetical.
    Name,
    /// Most expensive first.
    Cost,
    /// Most tokens first.
    Tokens,
}

impl SortKey {
    /// The next key in the cycle.
    pub(crate) fn next(self) -> Self {
        match self {
            Self::Started => Self::Recent,
            Self::Recent => Self::Name,
            Self::Name => Self::Cost,
            Self::Cost => Self::Tokens,
            Self::Tokens => Self::Started,
        }
    }

    /// Shown in the header.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Recent => "recent",
            Self::Name => "name",
            Self::Cost => "cost",
            Self::Tokens => "tokens",
        }
    }

    fn cmp(self, a: &AgentRecord, b: &AgentRecord) -> Ordering {
        let recent = |r: &AgentRecord| r.last_activity.unwrap_or(r.started_at);
        match self {
            Self::Started => a.started_at.total_cmp(&b.started_at),
            Self::Recent => recent(b).total_cmp(&recent(a)),
            Self::Name => a.name.cmp(&b.name),
            Self::Cost => b.cost_usd.total_cmp(&a.cost_usd),
            Self::Tokens => (b.tokens_in + b.tokens_out).cmp(&(a.tokens_in + a.tokens_out)),
        }
    }
}

/// What the selected row is doing besides being selected.
#[derive(Debug, Default)]
pub(crate) enum RowMode {
    /// Nothing.
    #[default]
    Normal,
    /// `x` pressed: `y` kills, anything else cancels.
    ConfirmKill(AgentId),
    /// `m` pressed: typing a message to the agent.
    Message(AgentId, Box<InputState>),
}

/// Per-panel table state (selection by id, so it survives re-sorting).
#[derive(Debug, Default)]
pub(crate) struct AgentTableState {
    pub selected: Option<AgentId>,
    pub sort: SortKey,
    pub show_archived: bool,
    /// The name filter (`/`); empty = none.
    pub filter: Box<InputState>,
    /// Keys go to the filter line.
    pub filter_editing: bool,
    pub mode: RowMode,
    /// The last left click (agent, time) for double-click detection.
    pub last_click: Option<(AgentId, Epoch)>,
    /// Where the rows were drawn in the last frame and the index of the first one shown
    /// (written while drawing, read by mouse hit-testing).
    pub rows_at: std::cell::Cell<Option<(Rect, usize)>>,
}

/// The rows a table shows: children, archived only when asked, matching the name filter
/// (fuzzy), most urgent first, then by the sort key, then by id (stable).
pub(crate) fn table_rows<'a>(
    agents: &'a HashMap<AgentId, AgentRecord>,
    state: &AgentTableState,
) -> Vec<&'a AgentRecord> {
    let mut rows: Vec<&AgentRecord> = agents
        .values()
        .filter(|a| !a.id.is_orchestrator() && (state.show_archived || !a.archived))
        .collect();
    sort_rows(&mut rows, state.sort);
    let query = state.filter.text().trim();
    if !query.is_empty() {
        let keep = crate::ui::fuzzy::filter(query, rows.iter().map(|a| a.name.as_str()));
        let mut mask = vec![false; rows.len()];
        keep.into_iter().for_each(|i| mask[i] = true);
        let mut i = 0;
        // Keep the urgency order: the filter selects, it does not re-rank.
        rows.retain(|_| {
            i += 1;
            mask[i - 1]
        });
    }
    rows
}

/// Urgency (awaiting permission, waiting, error, running, idle, done, killed), then `key`.
pub(crate) fn sort_rows(rows: &mut [&AgentRecord], key: SortKey) {
    rows.sort_by(|a, b| {
        a.state
            .urgency()
            .cmp(&b.state.urgency())
            .then_with(|| key.cmp(a, b))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// The rows of the default table state (children, not archived, urgency then start).
pub(crate) fn visible_agents(agents: &HashMap<AgentId, AgentRecord>) -> Vec<&AgentRecord> {
    table_rows(agents, &AgentTableState::default())
}

impl AgentTableState {
    /// Move the selection by `delta` rows within `rows`.
    pub(crate) fn step(&mut self, rows: &[&AgentRecord], delta: isize) {
        if rows.is_empty() {
            self.selected = None;
            return;
        }
        let cur = self
            .selected
            .as_ref()
            .and_then(|id| rows.iter().position(|a| &a.id == id));
        let next = match cur {
            None => 0,
            Some(i) => (i as isize + delta).clamp(0, rows.len() as isize - 1) as usize,
        };
        self.selected = Some(rows[next].id.clone());
    }

    /// The selected row's id if it is among `rows`, else the first row's.
    pub(crate) fn current<'a>(&self, rows: &[&'a AgentRecord]) -> Option<&'a AgentRecord> {
        self.selected
            .as_ref()
            .and_then(|id| rows.iter().find(|a| &a.id == id))
            .or(rows.first())
            .copied()
    }

    /// The row index at screen position `pos` (from the last frame).
    pub(crate) fn row_at(&self, pos: Position) -> Option<usize> {
        let (area, first) = self.rows_at.get()?;
        area.contains(pos)
            .then(|| first + usize::from(pos.y - area.y))
    }
}

/// Borrowed view of the table for one frame.
pub(crate) struct AgentTableView<'a> {
    pub rows: &'a [&'a AgentRecord],
    pub state: &'a AgentTableState,
    /// Latest one-line activity per agent (when no tool is running).
    pub last_activity: &'a HashMap<AgentId, String>,
    pub now: Epoch,
    pub theme: &'a Theme,
    pub focused: bool,
}

/// Table columns before the flexible activity column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Glyph,
    Name,
    Model,
    Time,
    Last,
    Tokens,
    Cost,
}

/// What `render` placed: where the rows went (for mouse hits) and the cursor of an input.
#[derive(Debug, Default)]
pub(crate) struct TableDrawn {
    pub rows_at: Option<(Rect, usize)>,
    pub cursor: Option<Position>,
}

impl AgentTableView<'_> {
    /// Draw into the panel's inner area.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> TableDrawn {
        let mut drawn = TableDrawn::default();
        if area.is_empty() {
            return drawn;
        }
        let t = self.theme;
        // A bottom line for the filter or the message input.
        let mut area = area;
        let bottom = match &self.state.mode {
            RowMode::Message(id, input) => Some((
                format!(
                    "message {} › ",
                    self.rows
                        .iter()
                        .find(|a| &a.id == id)
                        .map_or(id.as_str(), |a| a.name.as_str())
                ),
                &**input,
                true,
                "Enter send · Esc cancel",
            )),
            _ if self.state.filter_editing || !self.state.filter.is_empty() => Some((
                "filter › ".to_owned(),
                &*self.state.filter,
                self.state.filter_editing,
                "name",
            )),
            _ => None,
        };
        if let Some((prompt, input, active, placeholder)) = bottom
            && area.height >= 2
        {
            let line = Rect::new(area.x, area.bottom() - 1, area.width, 1);
            area.height -= 1;
            let pos = InputView {
                state: input,
                theme: t,
                placeholder,
                prompt: &prompt,
                focused: active && self.focused,
            }
            .render(line, buf);
            if active && self.focused {
                drawn.cursor = pos;
            }
        }
        if self.rows.is_empty() {
            let hint = if !self.state.filter.is_empty() {
                "No agent matches the filter (Esc clears it)"
            } else {
                "No agents yet — ask the orchestrator, or press n for a new one"
            };
            let text_area = area.inner(ratatui::layout::Margin::new(1, 0));
            for (i, l) in wrap(hint, usize::from(text_area.width)).iter().enumerate() {
                if i >= usize::from(text_area.height) {
                    break;
                }
                buf.set_stringn(
                    text_area.x,
                    text_area.y + i as u16,
                    l,
                    usize::from(text_area.width),
                    t.dim,
                );
            }
            return drawn;
        }
        // Only the rows that fit are built (a table of thousands costs what one screen
        // costs): the window scrolls just enough to show the selection.
        let selected = self
            .state
            .selected
            .as_ref()
            .and_then(|id| self.rows.iter().position(|a| &a.id == id))
            .unwrap_or(0);
        let page = usize::from(area.height.saturating_sub(1)).max(1);
        let offset = (selected + 1).saturating_sub(page);
        let window = &self.rows[offset..(offset + page).min(self.rows.len())];
        let name_w = window
            .iter()
            .map(|a| a.name.width() + if a.archived { 2 } else { 0 })
            .max()
            .unwrap_or(0)
            .clamp(4, 16);
        let model_w = window
            .iter()
            .map(|a| a.model.as_deref().map_or(1, |m| short_model(m).width()))
            .max()
            .unwrap_or(1)
            .clamp(5, 14);
        let tokens_text: Vec<String> = window
            .iter()
            .map(|a| {
                format!(
                    "{}/{}",
                    format::tokens(a.tokens_in),
                    format::tokens(a.tokens_out)
                )
            })
            .collect();
        let tokens_w = tokens_text
            .iter()
            .map(|s| s.width())
            .max()
            .unwrap_or(0)
            .max(6);
        let mut cols = vec![
            Col::Glyph,
            Col::Name,
            Col::Model,
            Col::Time,
            Col::Last,
            Col::Tokens,
            Col::Cost,
        ];
        let width_of = |c: &Col| match c {
            Col::Glyph => 1,
            Col::Name => name_w,
            Col::Model => model_w,
            Col::Time => 6,
            Col::Last => 8,
            Col::Tokens => tokens_w,
            Col::Cost => 6,
        };
        // Drop the least important columns first when the panel is narrow; the activity
        // column keeps at least 26 cells.
        for drop in [Col::Model, Col::Tokens, Col::Last, Col::Cost, Col::Time] {
            let fixed: usize = cols.iter().map(|c| width_of(c) + 1).sum();
            if usize::from(area.width) >= fixed + 26 {
                break;
            }
            cols.retain(|c| *c != drop);
        }
        let mut widths: Vec<Constraint> = cols
            .iter()
            .map(|c| Constraint::Length(width_of(c) as u16))
            .collect();
        widths.push(Constraint::Fill(1));
        let sort = self.state.sort;
        let mut header: Vec<Cell> = cols
            .iter()
            .map(|c| {
                let (label, sorted) = match c {
                    Col::Glyph => ("", false),
                    Col::Name => ("name", sort == SortKey::Name),
                    Col::Model => ("model", false),
                    Col::Time => ("time", sort == SortKey::Started),
                    Col::Last => ("last", sort == SortKey::Recent),
                    Col::Tokens => ("tokens", sort == SortKey::Tokens),
                    Col::Cost => ("cost", sort == SortKey::Cost),
                };
                if sorted {
                    Cell::from(Span::styled(format!("{label}▾"), t.header.fg_of(t.accent)))
                } else {
                    Cell::from(label)
                }
            })
            .collect();
        let sorted_shown = cols.iter().any(|c| {
            matches!(
                (c, sort),
                (Col::Name, SortKey::Name)
                    | (Col::Time, SortKey::Started)
                    | (Col::Last, SortKey::Recent)
                    | (Col::Tokens, SortKey::Tokens)
                    | (Col::Cost, SortKey::Cost)
            )
        });
        let mut tail = "activity".to_owned();
        if !sorted_shown {
            tail.push_str(&format!(" · by {}", sort.label()));
        }
        if self.state.show_archived {
            tail.push_str(" · +archived");
        }
        header.push(Cell::from(tail));
        let header = Row::new(header).style(t.header);
        let spinner = SPINNER[(self.now.max(0.0) as u64 % SPINNER.len() as u64) as usize];
        let rows = window.iter().zip(tokens_text).map(|(a, tokens)| {
            let confirm = matches!(&self.state.mode, RowMode::ConfirmKill(id) if id == &a.id);
            let activity = if confirm {
                Span::styled(
                    format!("kill {}? y/n", a.name),
                    t.error.add_modifier(Modifier::BOLD),
                )
            } else {
                self.activity(a)
            };
            let alert = a.state == AgentState::AwaitingPermission;
            let glyph = match a.state {
                AgentState::Running => spinner,
                s => state_glyph(s),
            };
            let mut cells: Vec<Cell> = cols
                .iter()
                .map(|c| match c {
                    Col::Glyph => Cell::from(Span::styled(
                        glyph,
                        if alert {
                            t.badge_alert
                        } else {
                            t.state(a.state)
                        },
                    )),
                    Col::Name => {
                        let name = if a.archived {
                            format!("{} ⌫", a.name)
                        } else {
                            a.name.clone()
                        };
                        let style = if alert {
                            t.warning.add_modifier(Modifier::BOLD)
                        } else if a.archived {
                            t.dim
                        } else {
                            t.text
                        };
                        Cell::from(Span::styled(truncate(&name, name_w), style))
                    }
                    Col::Model => Cell::from(Span::styled(
                        truncate(a.model.as_deref().map_or("-", short_model), model_w),
                        t.dim,
                    )),
                    Col::Time => Cell::from(short_span(a.elapsed(self.now))),
                    Col::Last => Cell::from(Span::styled(
                        a.last_activity
                            .map_or_else(|| "-".to_owned(), |l| ago(self.now - l)),
                        t.dim,
                    )),
                    Col::Tokens => Cell::from(tokens.clone()),
                    Col::Cost => Cell::from(format::cost(a.cost_usd)),
                })
                .collect();
            let mut last = crate::ui::widgets::worktree_badge::row_spans(a, t);
            last.push(activity);
            cells.push(Cell::from(Line::from(last)));
            Row::new(cells).style(t.text)
        });
        // Keys act on the first row until one is chosen; show that.
        let mut ts = TableState::default().with_selected(Some(selected - offset));
        let row_style = if self.focused {
            t.selection
        } else {
            Style::default()
        };
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .row_highlight_style(row_style)
            .render(area, buf, &mut ts);
        let body = Rect::new(
            area.x,
            area.y + 1,
            area.width,
            area.height.saturating_sub(1),
        );
        drawn.rows_at = Some((body, offset + ts.offset()));
        drawn
    }

    fn activity(&self, a: &AgentRecord) -> Span<'static> {
        let t = self.theme;
        match (a.state, &a.current_tool) {
            (AgentState::AwaitingPermission, tool) => Span::styled(
                match tool {
                    Some(x) => format!("permission? {x}"),
                    None => "awaiting permission (p)".to_owned(),
                },
                t.warning.add_modifier(Modifier::BOLD),
            ),
            (AgentState::Waiting, _) => Span::styled("waiting for an answer", t.warning),
            (_, Some(tool)) => Span::styled(format!("⏺ {tool}"), t.accent),
            (_, None) => match (&a.error, self.last_activity.get(&a.id)) {
                (Some(err), _) if a.state.is_settled() => Span::styled(err.clone(), t.error),
                (_, Some(last)) => Span::styled(last.clone(), t.dim),
                _ => Span::styled(a.state.as_str().replace('_', " "), t.dim),
            },
        }
    }
}

/// Foreground of `other` on top of `self` (header accent for the sorted column).
trait FgOf {
    fn fg_of(self, other: Style) -> Style;
}

impl FgOf for Style {
    fn fg_of(self, other: Style) -> Style {
        match other.fg {
            Some(c) => self.fg(c),
            None => self,
        }
    }
}

/// "12s ago", "3m ago".
pub(crate) fn ago(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// `claude-sonnet-4-5-20250929` → `sonnet-4-5`: enough to tell models apart in a narrow column.
pub(crate) fn short_model(model: &str) -> &str {
    let m = model.strip_prefix("claude-").unwrap_or(model);
    // Drop a trailing date stamp.
    match m.rsplit_once('-') {
        Some((head, tail)) if tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => m,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    pub(crate) fn record(id: &str, name: &str, state: AgentState, started: f64) -> AgentRecord {
        AgentRecord::new(AgentId(id.to_owned()), name, "/tmp", state, started)
    }

    fn names(rows: &[&AgentRecord]) -> Vec<String> {
        rows.iter().map(|a| a.name.clone()).collect()
    }

    fn every_state() -> HashMap<AgentId, AgentRecord> {
        let mut map = HashMap::new();
        for (i, (name, state)) in [
            ("done", AgentState::Done),
            ("killed", AgentState::Killed),
            ("late-run", AgentState::Running),
            ("idle", AgentState::Idle),
            ("early-run", AgentState::Running),
            ("err", AgentState::Error),
            ("wait", AgentState::Waiting),
            ("perm", AgentState::AwaitingPermission),
        ]
        .into_iter()
        .enumerate()
        {
            let started = if name == "early-run" { 0.5 } else { i as f64 };
            let r = record(&format!("aaaaaaaaaaa{i}"), name, state, started);
            map.insert(r.id.clone(), r);
        }
        let orch = record("orchestrator", "orchestrator", AgentState::Running, 0.0);
        map.insert(orch.id.clone(), orch);
        let mut archived = record("bbbbbbbbbbbb", "old", AgentState::Done, 0.0);
        archived.archived = true;
        map.insert(archived.id.clone(), archived);
        map
    }

    #[test]
    fn urgency_first_then_start_and_archived_hidden() {
        let map = every_state();
        assert_eq!(
            names(&visible_agents(&map)),
            [
                "perm",
                "wait",
                "err",
                "early-run",
                "late-run",
                "idle",
                "done",
                "killed"
            ]
        );
        let state = AgentTableState {
            show_archived: true,
            ..AgentTableState::default()
        };
        let rows = table_rows(&map, &state);
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[7].name, "old", "archived done sorts with done");
    }

    #[test]
    fn sort_key_orders_within_an_urgency_bucket_only() {
        let mut map = every_state();
        let id = |n: &str| map.values().find(|a| a.name == n).unwrap().id.clone();
        let (early, late, perm) = (id("early-run"), id("late-run"), id("perm"));
        map.get_mut(&late).unwrap().cost_usd = 2.0;
        map.get_mut(&early).unwrap().cost_usd = 1.0;
        map.get_mut(&perm).unwrap().cost_usd = 0.0;
        let mut state = AgentTableState {
            sort: SortKey::Cost,
            ..AgentTableState::default()
        };
        let rows = names(&table_rows(&map, &state));
        assert_eq!(rows[0], "perm", "urgency beats cost");
        assert_eq!(rows[3..5], ["late-run", "early-run"]);
        state.sort = SortKey::Name;
        let rows = names(&table_rows(&map, &state));
        assert_eq!(rows[3..5], ["early-run", "late-run"]);
        let mut k = SortKey::Started;
        for _ in 0..5 {
            k = k.next();
        }
        assert_eq!(k, SortKey::Started, "o cycles through every key");
    }

    #[test]
    fn filter_is_fuzzy_on_names_and_keeps_urgency_order() {
        let map = every_state();
        let mut state = AgentTableState::default();
        state.filter.insert_str("run");
        assert_eq!(names(&table_rows(&map, &state)), ["early-run", "late-run"]);
        state.filter.set_text("erun");
        assert_eq!(names(&table_rows(&map, &state)), ["early-run", "late-run"]);
        state.filter.set_text("zzz");
        assert!(table_rows(&map, &state).is_empty());
    }

    #[test]
    fn selection_moves_and_clamps() {
        let a = record("aaaaaaaaaaa1", "a", AgentState::Done, 1.0);
        let b = record("aaaaaaaaaaa2", "b", AgentState::Done, 2.0);
        let rows = vec![&a, &b];
        let mut s = AgentTableState::default();
        s.step(&rows, 1);
        assert_eq!(s.selected.as_ref(), Some(&a.id));
        s.step(&rows, 1);
        s.step(&rows, 1);
        assert_eq!(s.selected.as_ref(), Some(&b.id));
        s.step(&rows, -5);
        assert_eq!(s.selected.as_ref(), Some(&a.id));
    }

    #[test]
    fn only_the_window_around_the_selection_is_drawn_and_hit_tested() {
        let recs: Vec<AgentRecord> = (0..500)
            .map(|i| {
                record(
                    &format!("{i:012x}"),
                    &format!("w{i}"),
                    AgentState::Done,
                    i as f64,
                )
            })
            .collect();
        let rows: Vec<&AgentRecord> = recs.iter().collect();
        let state = AgentTableState {
            selected: Some(recs[480].id.clone()),
            ..AgentTableState::default()
        };
        let theme = Theme::dark();
        let area = Rect::new(0, 0, 60, 6);
        let mut buf = Buffer::empty(area);
        let drawn = AgentTableView {
            rows: &rows,
            state: &state,
            last_activity: &HashMap::new(),
            now: 1000.0,
            theme: &theme,
            focused: true,
        }
        .render(area, &mut buf);
        let line = |y| -> String { (0..60).map(|x| buf[(x, y)].symbol().to_owned()).collect() };
        assert!(line(5).contains("w480"), "{}", line(5));
        assert!(line(1).contains("w476"), "{}", line(1));
        state.rows_at.set(drawn.rows_at);
        assert_eq!(state.row_at(Position::new(3, 5)), Some(480));
        assert_eq!(state.row_at(Position::new(3, 0)), None, "header");
    }

    #[test]
    fn model_names_shorten_and_ages_read_naturally() {
        assert_eq!(short_model("claude-sonnet-4-5-20250929"), "sonnet-4-5");
        assert_eq!(short_model("opus"), "opus");
        assert_eq!(ago(12.4), "12s ago");
        assert_eq!(ago(125.0), "2m ago");
        assert_eq!(ago(7300.0), "2h ago");
    }
}
