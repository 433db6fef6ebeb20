//! Reviewing an agent in one step: `v` in the AgentTable switches to a tab whose DiffViewer
//! follows the table's selection (or opens the "review" layout as a new tab), selects the
//! agent there and focuses its diff. Also which agent such a DiffViewer shows: the row the
//! active tab's AgentTable highlights.

use super::worktree_diff::follows_selection;
use crate::core::ids::AgentId;
use crate::core::transcript::NoticeLevel;
use crate::ui::app::{App, Focus};
use crate::ui::layout::solve::visible_panels;
use crate::ui::widgets::agent_table::{table_rows, visible_agents};

/// The named layout `v` opens.
pub(crate) const REVIEW_LAYOUT: &str = "review";

impl App {
    /// The agent the active tab's selection-bound DiffViewers show, as (id, name); `None`
    /// when there is no agent or no such panel (then nothing is computed).
    pub(super) fn review_pick(&self) -> Option<(AgentId, String)> {
        let panels = visible_panels(self.ws.active_spec());
        if !panels
            .iter()
            .any(|p| p.widget == "DiffViewer" && follows_selection(&p.props))
        {
            return None;
        }
        let highlighted = panels
            .iter()
            .filter(|p| p.widget == "AgentTable")
            .find_map(|p| {
                let t = self.ws.table(&p.id)?;
                t.current(&table_rows(&self.agents, t))
                    .map(|a| a.id.clone())
            });
        let id =
            highlighted.or_else(|| visible_agents(&self.agents).first().map(|a| a.id.clone()))?;
        let name = self.agents.get(&id)?.name.clone();
        Some((id, name))
    }

    /// `v` on an agent: its diff with its transcript beside it.
    pub(in crate::ui::app) fn review_agent(&mut self, id: &AgentId) {
        // A tab loaded from the review layout counts even when the user's version of it has
        // no following diff (else every `v` would open another one).
        let has_review = |t: &crate::core::layout::WorkspaceTab| {
            self.ws.layout_name(&t.id) == Some(REVIEW_LAYOUT)
                || t.layout
                    .panels()
                    .iter()
                    .any(|p| p.widget == "DiffViewer" && follows_selection(&p.props))
        };
        let active = self.ws.active_id().to_owned();
        let tab = self
            .ws
            .tabs()
            .iter()
            .find(|t| t.id == active && has_review(t))
            .or_else(|| self.ws.tabs().iter().find(|t| has_review(t)))
            .map(|t| t.id.clone());
        match tab {
            Some(tab) if tab == active => {}
            Some(tab) => self.switch_to(&tab),
            None => {
                let store = self.ws.store().map(|s| s.global.clone());
                let spec = match crate::store::layouts::load_any(store.as_ref(), REVIEW_LAYOUT) {
                    Ok(spec) => spec,
                    Err(e) => {
                        self.app_notice(NoticeLevel::Error, e.to_string());
                        return;
                    }
                };
                let cur = self.focused_panel();
                self.ws.remember_focus(&cur);
                match self.ws.add_tab(REVIEW_LAYOUT, Some(spec), true) {
                    Ok((tab, warning)) => {
                        if let Some(w) = warning {
                            self.app_notice(NoticeLevel::Warning, w);
                        }
                        self.ws.set_layout_name(&tab, REVIEW_LAYOUT);
                        self.lay.zoom = false;
                    }
                    Err(e) => {
                        self.app_notice(NoticeLevel::Error, format!("can't open the review: {e}"));
                        return;
                    }
                }
            }
        }
        self.select_in_tables(id);
        let diff = visible_panels(self.ws.active_spec())
            .into_iter()
            .find(|p| p.widget == "DiffViewer" && follows_selection(&p.props))
            .map(|p| p.id.clone());
        let active = self.ws.active_id().to_owned();
        self.focus = Focus::Panel(diff.unwrap_or_else(|| self.ws.focus_for(&active)));
        self.dirty = true;
    }
}
