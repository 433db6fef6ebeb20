//! The agent table: one row per child agent, most urgent first, with a movable selection.

use crate::core::agent::AgentRecord;
use crate::core::ids::AgentId;
use crate::core::time::{Epoch, short_span};
use crate::ui::render::format;
use crate::ui::render::theme::{Theme, state_glyph};
use crate::ui::render::wrap::truncate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState};
use std::collections::HashMap;

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
            let text = truncate(
                "No agents yet — ask the orchestrator to spawn one",
                usize::from(area.width.saturating_sub(1)),
            );
            buf.set_stringn(area.x + 1, area.y, text, usize::from(area.width), self.theme.dim);
            return;
        }
        let t = self.theme;
        let header = Row::new(["", "name", "model", "time", "tokens", "cost", "activity"])
            .style(t.header);
        let rows = self.rows.iter().map(|a| {
            let activity = match &a.current_tool {
                Some(tool) => Span::styled(format!("⏺ {tool}"), t.accent),
                None => match (&a.error, self.last_activity.get(&a.id)) {
                    (Some(err), _) if a.state.is_settled() => Span::styled(err.clone(), t.error),
                    (_, Some(last)) => Span::styled(last.clone(), t.dim),
                    _ => Span::styled(a.state.as_str().replace('_', " "), t.dim),
                },
            };
            Row::new(vec![
                Cell::from(Span::styled(state_glyph(a.state), t.state(a.state))),
                Cell::from(Span::styled(a.name.clone(), t.text)),
                Cell::from(Span::styled(
                    a.model.as_deref().map(short_model).unwrap_or("-").to_owned(),
                    t.dim,
                )),
                Cell::from(short_span(a.elapsed(self.now))),
                Cell::from(format!(
                    "{}/{}",
                    format::tokens(a.tokens_in),
                    format::tokens(a.tokens_out)
                )),
                Cell::from(format::cost(a.cost_usd)),
                Cell::from(Line::from(activity)),
            ])
            .style(t.text)
        });
        let widths = [
            Constraint::Length(1),
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(11),
            Constraint::Length(6),
            Constraint::Fill(1),
        ];
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
        let names: Vec<_> = visible_agents(&map).iter().map(|a| a.name.clone()).collect();
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
