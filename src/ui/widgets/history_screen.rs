//! The History screen (`ctrl-h`): every agent ever run in this project, newest first, fuzzy
//! search over names and first prompts, details and a lazily loaded transcript tail of the
//! selected row. Built from the in-memory records only (never transcripts), so it opens fast
//! with thousands of agents.

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::time::Epoch;
use crate::core::transcript::{TranscriptEntry, one_line};
use crate::ui::render::format;
use crate::ui::render::theme::{Theme, state_glyph};
use crate::ui::render::wrap::{truncate, wrap};
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use std::collections::HashMap;

/// The transcript tail of one agent, as far as it is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Preview {
    /// Asked for, not here yet.
    Loading,
    /// The last entries.
    Loaded(Vec<TranscriptEntry>),
    /// Could not be read.
    Failed(String),
}

/// What the keys do right now.
#[derive(Debug, Default)]
pub(crate) enum HistoryMode {
    /// Moving and acting on the selected row.
    #[default]
    List,
    /// Typing the search.
    Search,
    /// `Del` pressed: `y` deletes.
    ConfirmDelete(AgentId),
    /// `R` pressed: edit the prompt, Enter re-runs.
    EditPrompt(AgentId, Box<InputState>),
}

/// The screen's state while open.
#[derive(Debug, Default)]
pub(crate) struct HistoryState {
    pub query: InputState,
    pub mode: HistoryMode,
    /// Matching agents, newest first (or best match first while searching).
    pub rows: Vec<AgentId>,
    pub selected: usize,
    /// Total number of records (for the title).
    pub total: usize,
    /// The query `rows` were built for.
    built_for: String,
    /// The loaded preview and whose it is.
    pub preview: Option<(AgentId, Preview)>,
}

impl HistoryState {
    /// Rebuild `rows` from the records and the query, keeping the selected agent if it is
    /// still listed (a changed query selects the best match instead).
    pub(crate) fn rebuild(&mut self, agents: &HashMap<AgentId, AgentRecord>) {
        let query_changed = self.built_for != self.query.text();
        self.built_for = self.query.text().to_owned();
        let keep = self.selected_id().cloned().filter(|_| !query_changed);
        let mut all: Vec<&AgentRecord> = agents
            .values()
            .filter(|a| !a.id.is_orchestrator())
            .collect();
        self.total = all.len();
        all.sort_by(|a, b| {
            b.started_at
                .total_cmp(&a.started_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        let query = self.query.text().trim();
        self.rows = if query.is_empty() {
            all.iter().map(|a| a.id.clone()).collect()
        } else {
            let hay: Vec<String> = all
                .iter()
                .map(|a| format!("{} {}", a.name, one_line(a.prompt().unwrap_or(""), 200)))
                .collect();
            crate::ui::fuzzy::filter(query, hay.iter().map(String::as_str))
                .into_iter()
                .map(|i| all[i].id.clone())
                .collect()
        };
        self.selected = keep
            .and_then(|id| self.rows.iter().position(|r| *r == id))
            .unwrap_or(0)
            .min(self.rows.len().saturating_sub(1));
    }

    /// The selected agent.
    pub(crate) fn selected_id(&self) -> Option<&AgentId> {
        self.rows.get(self.selected)
    }

    /// Move the selection.
    pub(crate) fn step(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        self.selected =
            (self.selected as isize + delta).clamp(0, self.rows.len() as isize - 1) as usize;
    }
}

/// Borrowed view of the screen for one frame.
pub(crate) struct HistoryView<'a> {
    pub state: &'a HistoryState,
    pub agents: &'a HashMap<AgentId, AgentRecord>,
    pub now: Epoch,
    pub tz: &'a jiff::tz::TimeZone,
    pub theme: &'a Theme,
}

impl HistoryView<'_> {
    /// Draw over `area` (the whole screen); returns the cursor of an input being typed in.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let t = self.theme;
        let s = self.state;
        Clear.render(area, buf);
        let title = if s.rows.len() == s.total {
            format!(" History · {} agents ", s.total)
        } else {
            format!(" History · {} of {} ", s.rows.len(), s.total)
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border_focused)
            .title(Span::styled(title, t.title_focused));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 4 || inner.width < 20 {
            return None;
        }
        let [search_row, body, hint_row] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let mut cursor = None;
        let searching = matches!(s.mode, HistoryMode::Search);
        let pos = InputView {
            state: &s.query,
            theme: t,
            placeholder: "type / to search names and prompts",
            prompt: "search › ",
            focused: searching,
        }
        .render(search_row, buf);
        if searching {
            cursor = pos;
        }
        let (list, side) = if body.width >= 110 {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(body);
            (l, r)
        } else {
            let [l, r] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(body);
            (l, r)
        };
        self.render_list(list, buf);
        let side_block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border);
        let side_inner = side_block.inner(side);
        side_block.render(side, buf);
        self.render_details(side_inner, buf);
        let hint = match &s.mode {
            HistoryMode::ConfirmDelete(id) => Line::from(Span::styled(
                format!(
                    "Delete {} and its transcript for good? y/n",
                    self.agents.get(id).map_or(id.as_str(), |a| a.name.as_str())
                ),
                t.error.add_modifier(Modifier::BOLD),
            )),
            HistoryMode::EditPrompt(..) => Line::default(),
            HistoryMode::Search => Line::from(Span::styled(
                "typing filters · ↑↓ move · Enter/Esc done",
                t.dim,
            )),
            HistoryMode::List => {
                let worktree = s
                    .selected_id()
                    .and_then(|id| self.agents.get(id))
                    .and_then(|a| a.worktree.as_ref())
                    .is_some_and(|w| w.status == crate::core::worktree::WorktreeStatus::Active);
                Line::from(Span::styled(
                    if worktree {
                        "Enter transcript · M merge · D discard · r resume · R re-run · a archive · Del delete · / search · Esc close"
                    } else {
                        "Enter transcript · r resume · R re-run · a archive · Del delete · / search · Esc close"
                    },
                    t.dim,
                ))
            }
        };
        if let HistoryMode::EditPrompt(_, input) = &s.mode {
            cursor = InputView {
                state: input,
                theme: t,
                placeholder: "prompt",
                prompt: "re-run with › ",
                focused: true,
            }
            .render(hint_row, buf);
        } else {
            buf.set_line(hint_row.x, hint_row.y, &hint, hint_row.width);
        }
        cursor
    }

    fn render_list(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        if area.height < 2 {
            return;
        }
        if s.rows.is_empty() {
            let text = if s.total == 0 {
                "No agents have run in this project yet"
            } else {
                "Nothing matches the search"
            };
            buf.set_stringn(area.x + 1, area.y, text, usize::from(area.width), t.dim);
            return;
        }
        let w = usize::from(area.width);
        let name_w = 14;
        let when_w = 11;
        let cost_w = 7;
        let fixed = 2 + name_w + 1 + when_w + 1 + cost_w + 1;
        let prompt_w = w.saturating_sub(fixed);
        let header = format!(
            "  {:name_w$} {:when_w$} {:>cost_w$} {}",
            "name", "started", "cost", "first prompt"
        );
        buf.set_stringn(area.x, area.y, truncate(&header, w), w, t.header);
        let h = usize::from(area.height - 1);
        // The selection stays on screen; the window moves only when it has to.
        let offset = (s.selected + 1).saturating_sub(h);
        for (row, id) in s.rows.iter().enumerate().skip(offset).take(h) {
            let Some(a) = self.agents.get(id) else {
                continue;
            };
            let y = area.y + 1 + (row - offset) as u16;
            let name = if a.archived {
                format!("{} ⌫", a.name)
            } else {
                a.name.clone()
            };
            let prompt = one_line(a.prompt().unwrap_or("-"), 200);
            // A worktree agent's branch, size and overlaps lead its prompt column.
            let badge = crate::ui::widgets::worktree_badge::row_spans(a, t);
            let badge_w: usize = badge.iter().map(|s| s.width()).sum();
            let mut spans = vec![
                Span::styled(state_glyph(a.state), t.state(a.state)),
                Span::raw(" "),
                Span::styled(
                    format!("{:name_w$}", truncate(&name, name_w)),
                    if a.archived { t.dim } else { t.text },
                ),
                Span::raw(" "),
                Span::styled(
                    format!(
                        "{:when_w$}",
                        truncate(&when(a.started_at, self.now, self.tz), when_w)
                    ),
                    t.dim,
                ),
                Span::raw(" "),
                Span::raw(format!("{:>cost_w$}", format::cost(a.cost_usd))),
                Span::raw(" "),
            ];
            spans.extend(badge);
            spans.push(Span::styled(
                truncate(&prompt, prompt_w.saturating_sub(badge_w)),
                t.dim,
            ));
            let line = Line::from(spans);
            buf.set_line(area.x, y, &line, area.width);
            if row == s.selected {
                buf.set_style(Rect::new(area.x, y, area.width, 1), t.selection);
            }
        }
    }

    fn render_details(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        let Some(a) = s.selected_id().and_then(|id| self.agents.get(id)) else {
            return;
        };
        let w = usize::from(area.width);
        let mut lines: Vec<Line> = Vec::new();
        let field = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!("{k:>8} "), t.dim),
                Span::styled(v, t.text),
            ])
        };
        let mut state = a.state.as_str().replace('_', " ");
        if a.archived {
            state.push_str(" · archived");
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", state_glyph(a.state)), t.state(a.state)),
            Span::styled(a.name.clone(), t.title_focused),
            Span::styled(format!("  {state}"), t.state(a.state)),
        ]));
        lines.push(field("started", stamp(a.started_at, self.tz)));
        lines.push(field(
            "ended",
            a.ended_at
                .map_or_else(|| "-".to_owned(), |e| stamp(e, self.tz)),
        ));
        lines.push(field(
            "cost",
            format!(
                "{} · {}/{} tokens",
                format::cost(a.cost_usd),
                format::tokens(a.tokens_in),
                format::tokens(a.tokens_out)
            ),
        ));
        lines.push(field(
            "session",
            a.session_id.clone().unwrap_or_else(|| "-".to_owned()),
        ));
        lines.push(field("cwd", a.cwd.display().to_string()));
        if let Some(w) = &a.worktree {
            for (k, v) in crate::ui::widgets::worktree_badge::detail_fields(w) {
                lines.push(field(k, v));
            }
        }
        if let Some(m) = &a.model {
            lines.push(field("model", m.clone()));
        }
        if let (Some(e), AgentState::Error) = (&a.error, a.state) {
            lines.push(Line::from(Span::styled(
                truncate(&format!("error: {}", one_line(e, 300)), w),
                t.error,
            )));
        }
        if let Some(p) = a.prompt() {
            for (i, l) in wrap(&one_line(p, 400), w.saturating_sub(9))
                .into_iter()
                .take(3)
                .enumerate()
            {
                let k = if i == 0 { "prompt" } else { "" };
                lines.push(field(k, l));
            }
        }
        lines.push(Line::from(Span::styled("─".repeat(w), t.border)));
        let tail: Vec<Line> = match s.preview.as_ref().filter(|(id, _)| *id == a.id) {
            None | Some((_, Preview::Loading)) => {
                vec![Line::from(Span::styled("loading transcript…", t.dim))]
            }
            Some((_, Preview::Failed(e))) => vec![Line::from(Span::styled(e.clone(), t.error))],
            Some((_, Preview::Loaded(entries))) if entries.is_empty() => {
                vec![Line::from(Span::styled("(empty transcript)", t.dim))]
            }
            Some((_, Preview::Loaded(entries))) => entries
                .iter()
                .map(|e| Line::from(Span::styled(e.item.summary(w.max(8)), t.text)))
                .collect(),
        };
        let room = usize::from(area.height).saturating_sub(lines.len());
        let skip = tail.len().saturating_sub(room);
        lines.extend(tail.into_iter().skip(skip));
        for (i, l) in lines.iter().take(usize::from(area.height)).enumerate() {
            buf.set_line(area.x, area.y + i as u16, l, area.width);
        }
    }
}

/// `14:05` today, `Apr 30 09:12` before.
fn when(ts: Epoch, now: Epoch, tz: &jiff::tz::TimeZone) -> String {
    let (Ok(t), Ok(n)) = (
        jiff::Timestamp::from_second(ts.floor() as i64),
        jiff::Timestamp::from_second(now.floor() as i64),
    ) else {
        return "-".to_owned();
    };
    let (t, n) = (t.to_zoned(tz.clone()), n.to_zoned(tz.clone()));
    if t.date() == n.date() {
        t.strftime("%H:%M").to_string()
    } else {
        t.strftime("%b %d %H:%M").to_string()
    }
}

/// `2024-05-01 14:05:12`.
fn stamp(ts: Epoch, tz: &jiff::tz::TimeZone) -> String {
    match jiff::Timestamp::from_second(ts.floor() as i64) {
        Ok(t) => t
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => "-".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::agent::SpawnOptions;

    fn rec(i: usize, name: &str, prompt: &str) -> AgentRecord {
        AgentRecord {
            id: AgentId(format!("{i:012x}")),
            name: name.into(),
            cwd: "/tmp".into(),
            state: AgentState::Done,
            error: None,
            session_id: None,
            spawn_options: Some(SpawnOptions {
                prompt: prompt.into(),
                ..SpawnOptions::default()
            }),
            model: None,
            cost_usd: 0.0,
            tokens_in: 0,
            tokens_out: 0,
            started_at: i as f64,
            ended_at: None,
            last_activity: None,
            archived: i == 2,
            current_tool: None,
            worktree: None,
        }
    }

    #[test]
    fn newest_first_with_archived_and_search_over_names_and_prompts() {
        let mut map = HashMap::new();
        for r in [
            rec(1, "alpha", "write the parser"),
            rec(2, "beta", "fix flaky tests"),
            rec(3, "gamma", "document the parser"),
        ] {
            map.insert(r.id.clone(), r);
        }
        let mut s = HistoryState::default();
        s.rebuild(&map);
        let names = |s: &HistoryState| -> Vec<String> {
            s.rows.iter().map(|id| map[id].name.clone()).collect()
        };
        assert_eq!(
            names(&s),
            ["gamma", "beta", "alpha"],
            "archived beta included"
        );
        s.step(1);
        assert_eq!(s.selected_id(), Some(&AgentId(format!("{:012x}", 2))));
        s.query.insert_str("parser");
        s.rebuild(&map);
        assert_eq!(names(&s).len(), 2);
        assert!(names(&s).contains(&"alpha".to_owned()));
        assert_eq!(
            s.selected, 0,
            "beta is gone: selection falls back to the top"
        );
        s.query.set_text("beta");
        s.rebuild(&map);
        assert_eq!(names(&s), ["beta"]);
    }
}
