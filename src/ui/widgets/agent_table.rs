//! The agent table: one row per child agent, most urgent first, with a movable selection.

use crate::core::agent::AgentRecord;
use crate::core::ids::AgentId;
use crate::core::time::{Epoch, short_span};
use crate::ui::render::format;
use crate::ui::render::theme::{Theme, state_glyph};
use crate::ui::render::wrap::{truncate, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState};
use std::collections::HashMap;
use unicode_width::UnicodeWidthStr;

/// Selection (by id, so it survives re-sorting).
#[derive(Debug, Default)]
pub(crate) struct AgentTableState {
    pub selected: Option<AgentId>,
}

/// The rows the table shows: children only, archived hidden, by urgency then start time.
pub(crate) fn visible_agents(agents: &HashMap<AgentId, AgentRecord>) -> Vec<&AgentRecord> {
    let mut rows: Vec<&AgentRecord> = agents
        .values()
        .filter(|a| !a.id.is_orchestrator() && !a.archived)
        .collect();
    rows.sort_by(|a, b| {
        a.state
            .urgency()
            .cmp(&b.state.urgency())
            .then(a.started_at.total_cmp(&b.started_at))
            .then(a.id.cmp(&b.id))
    });
    rows
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

impl AgentTableView<'_> {
    /// Draw into the panel's inner area.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        if self.rows.is_empty() {
            let hint = "No agents yet — ask the orchestrator to spawn one";
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
                    self.theme.dim,
                );
            }
            return;
        }
        let t = self.theme;
        let name_w = self
            .rows
            .iter()
            .map(|a| a.name.width())
            .max()
            .unwrap_or(0)
            .clamp(4, 16);
        let model_w = self
            .rows
            .iter()
            .map(|a| a.model.as_deref().map_or(1, |m| short_model(m).width()))
            .max()
            .unwrap_or(1)
            .clamp(5, 14);
        let tokens_text: Vec<String> = self
            .rows
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
        // Drop the least important columns first when the panel is narrow.
        let mut cols = vec![
            Col::Glyph,
            Col::Name,
            Col::Model,
            Col::Time,
            Col::Tokens,
            Col::Cost,
        ];
        let width_of = |c: &Col| match c {
            Col::Glyph => 1,
            Col::Name => name_w,
            Col::Model => model_w,
            Col::Time => 6,
            Col::Tokens => tokens_w,
            Col::Cost => 6,
        };
        for drop in [Col::Model, Col::Tokens, Col::Cost, Col::Time] {
            let fixed: usize = cols.iter().map(|c| width_of(c) + 1).sum();
            if usize::from(area.width) >= fixed + 12 {
                break;
            }
            cols.retain(|c| *c != drop);
        }
        let mut widths: Vec<Constraint> = cols
            .iter()
            .map(|c| Constraint::Length(width_of(c) as u16))
            .collect();
        widths.push(Constraint::Fill(1));
        let mut header: Vec<&str> = cols
            .iter()
            .map(|c| match c {
                Col::Glyph => "",
                Col::Name => "name",
                Col::Model => "model",
                Col::Time => "time",
                Col::Tokens => "tokens",
                Col::Cost => "cost",
            })
            .collect();
        header.push("activity");
        let header = Row::new(header).style(t.header);
        let rows = self.rows.iter().zip(tokens_text).map(|(a, tokens)| {
            let activity = match &a.current_tool {
                Some(tool) => Span::styled(format!("⏺ {tool}"), t.accent),
                None => match (&a.error, self.last_activity.get(&a.id)) {
                    (Some(err), _) if a.state.is_settled() => Span::styled(err.clone(), t.error),
                    (_, Some(last)) => Span::styled(last.clone(), t.dim),
                    _ => Span::styled(a.state.as_str().replace('_', " "), t.dim),
                },
            };
            let mut cells: Vec<Cell> = cols
                .iter()
                .map(|c| match c {
                    Col::Glyph => Cell::from(Span::styled(state_glyph(a.state), t.state(a.state))),
                    Col::Name => Cell::from(Span::styled(truncate(&a.name, name_w), t.text)),
                    Col::Model => Cell::from(Span::styled(
                        truncate(a.model.as_deref().map_or("-", short_model), model_w),
                        t.dim,
                    )),
                    Col::Time => Cell::from(short_span(a.elapsed(self.now))),
                    Col::Tokens => Cell::from(tokens.clone()),
                    Col::Cost => Cell::from(format::cost(a.cost_usd)),
                })
                .collect();
            cells.push(Cell::from(Line::from(activity)));
            Row::new(cells).style(t.text)
        });
        let selected = self
            .state
            .selected
            .as_ref()
            .and_then(|id| self.rows.iter().position(|a| &a.id == id));
        let mut ts = TableState::default().with_selected(selected);
        let row_style = if self.focused {
            t.selection
        } else {
            ratatui::style::Style::default()
        };
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .row_highlight_style(row_style)
            .render(area, buf, &mut ts);
    }
}

/// Table columns before the flexible activity column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Glyph,
    Name,
    Model,
    Time,
    Tokens,
    Cost,
}

/// `claude-sonnet-4-5-20250929` → `sonnet-4-5`: enough to tell models apart in a narrow column.
fn short_model(model: &str) -> &str {
    let m = model.strip_prefix("claude-").unwrap_or(model);
    // Drop a trailing date stamp.
    match m.rsplit_once('-') {
        Some((head, tail)) if tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::agent::AgentState;

    pub(crate) fn record(id: &str, name: &str, state: AgentState, started: f64) -> AgentRecord {
        AgentRecord {
            id: AgentId(id.to_owned()),
            name: name.to_owned(),
            cwd: "/tmp".into(),
            state,
            error: None,
            session_id: None,
            spawn_options: None,
            model: None,
            cost_usd: 0.0,
            tokens_in: 0,
            tokens_out: 0,
            started_at: started,
            ended_at: None,
            last_activity: None,
            archived: false,
            current_tool: None,
        }
    }

    #[test]
    fn sorted_by_urgency_then_start_and_filtered() {
        let mut map = HashMap::new();
        for r in [
            record("aaaaaaaaaaa1", "done", AgentState::Done, 1.0),
            record("aaaaaaaaaaa2", "late-run", AgentState::Running, 5.0),
            record("aaaaaaaaaaa3", "early-run", AgentState::Running, 2.0),
            record("aaaaaaaaaaa4", "perm", AgentState::AwaitingPermission, 9.0),
            record("orchestrator", "orchestrator", AgentState::Running, 0.0),
        ] {
            map.insert(r.id.clone(), r);
        }
        let mut archived = record("aaaaaaaaaaa5", "old", AgentState::Done, 0.0);
        archived.archived = true;
        map.insert(archived.id.clone(), archived);
        let names: Vec<_> = visible_agents(&map)
            .iter()
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(names, ["perm", "early-run", "late-run", "done"]);
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
    fn model_names_shorten() {
        assert_eq!(short_model("claude-sonnet-4-5-20250929"), "sonnet-4-5");
        assert_eq!(short_model("opus"), "opus");
    }
}
