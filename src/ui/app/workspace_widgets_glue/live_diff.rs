//! DiffViewers with an `agent:<id or name>` source follow the agent live: when one of its
//! Edit / Write / MultiEdit calls gets a successful result (seen as it streams through
//! `App::fold_engine`), every such panel rebuilds its diff from the transcript. Panels that
//! are not shown rebuild once they are shown again (the sync only loads visible panels).

use super::{DiffSource, WsPanel};
use crate::core::ids::AgentId;
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::ui::app::App;

/// The tools whose results change files (what `agent_diff` renders).
const EDIT_TOOLS: &[&str] = &["Edit", "Write", "MultiEdit", "NotebookEdit"];

impl App {
    /// Call with each child transcript entry before it is stored: a successful result of an
    /// edit tool marks that agent's DiffViewers stale. Returns how many were marked.
    pub(crate) fn diff_follow_transcript(
        &mut self,
        agent_id: &AgentId,
        entry: &TranscriptEntry,
    ) -> usize {
        let TranscriptItem::ToolResult {
            tool_use_id,
            is_error: false,
            ..
        } = &entry.item
        else {
            return 0;
        };
        let edited = self.transcripts.get(agent_id).is_some_and(|t| {
            t.iter().rev().any(|e| {
                matches!(&e.item, TranscriptItem::ToolUse { id, name, .. }
                    if id == tool_use_id && EDIT_TOOLS.contains(&name.as_str()))
            })
        });
        if !edited {
            return 0;
        }
        let name = self
            .agents
            .get(agent_id)
            .map_or_else(|| agent_id.to_string(), |a| a.name.clone());
        self.mark_agent_diffs_stale(agent_id, &name)
    }

    /// Mark every DiffViewer (any tab) whose source is `agent:<id or name>` for a reload;
    /// returns how many.
    pub(super) fn mark_agent_diffs_stale(&mut self, agent_id: &AgentId, name: &str) -> usize {
        let panels: Vec<(String, String)> = self
            .ws
            .tabs()
            .iter()
            .flat_map(|t| {
                t.layout
                    .panels()
                    .into_iter()
                    .filter(|p| p.widget == "DiffViewer")
                    .map(|p| (t.id.clone(), p.id.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut marked = 0;
        for (tab, id) in panels {
            if let Some(WsPanel::Diff(d)) = self.ws_panel_mut(&tab, &id)
                && let DiffSource::Agent(a) = &d.source
                && (a == agent_id.as_str() || a == name)
            {
                d.stale = true;
                marked += 1;
            }
        }
        if marked > 0 {
            self.dirty = true;
        }
        marked
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::WsPanel;
    use crate::core::ids::AgentId;
    use crate::core::layout::Workspace;
    use crate::core::transcript::{TranscriptEntry, TranscriptItem};
    use crate::engine::{EngineCommand, EngineEvent, EngineHandle};
    use crate::ui::app::{App, AppInit};
    use crate::ui::app_event::AppEvent;
    use crate::ui::layout::workspace_state::PanelState;
    use serde_json::json;
    use std::time::Duration;

    fn entry(item: TranscriptItem) -> AppEvent {
        AppEvent::Engine(Box::new(EngineEvent::Transcript {
            agent_id: AgentId("w1".into()),
            entry: TranscriptEntry { ts: 1.0, item },
            at: None,
        }))
    }

    fn use_(id: &str, name: &str) -> AppEvent {
        entry(TranscriptItem::ToolUse {
            id: id.into(),
            name: name.into(),
            input: json!({"file_path": "/p/a.rs", "old_string": "a", "new_string": "b"}),
        })
    }

    fn result(id: &str, is_error: bool) -> AppEvent {
        entry(TranscriptItem::ToolResult {
            tool_use_id: id.into(),
            content: json!("ok"),
            is_error,
        })
    }

    fn stale(a: &mut App) -> bool {
        let tab = a.ws.active_id().to_owned();
        match a.ws.panel_state_mut(&tab, "diff") {
            Some(PanelState::Workspace(s)) => match s.panel.as_ref() {
                Some(WsPanel::Diff(d)) => d.stale,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn an_agents_edit_results_reload_its_diff_panels() {
        let (cmd_tx, mut cmd_rx) = tokio::sync::mpsc::unbounded_channel();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut a = App::new(AppInit {
            agents: Vec::new(),
            workspace: Workspace::seed(),
            notices: Vec::new(),
            cwd_display: "~/demo".into(),
            bypass: false,
            now: 1.0,
            tz: jiff::tz::TimeZone::UTC,
        });
        let dir = tempfile::tempdir().unwrap();
        a.set_workspace_runner(
            tx,
            dir.path().to_path_buf(),
            Some(EngineHandle::new(cmd_tx)),
        );
        a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
            call_id: 1,
            tool: "add_tab".into(),
            args: json!({"title": "D", "layout": {"layout":
                {"id": "diff", "widget": "DiffViewer", "props": {"source": "agent:w1"}}}}),
        })));
        a.sync_workspace_widgets();
        let mut loads = 0;
        let mut next_load = async || {
            let cmd = tokio::time::timeout(Duration::from_secs(5), cmd_rx.recv())
                .await
                .expect("a transcript load")
                .unwrap();
            match cmd {
                EngineCommand::LoadTranscript { agent, .. } => assert_eq!(agent, "w1"),
                other => panic!("{other:?}"),
            }
        };
        next_load().await;
        loads += 1;
        // A read, a failed edit, a result nobody asked about: nothing to reload.
        for ev in [
            use_("r1", "Read"),
            result("r1", false),
            use_("e1", "Edit"),
            result("e1", true),
            result("zz", false),
        ] {
            a.handle(ev);
        }
        assert!(!stale(&mut a));
        // A successful Write, then MultiEdit: each one reloads.
        for (id, tool) in [("w2", "Write"), ("m3", "MultiEdit")] {
            a.handle(use_(id, tool));
            a.handle(result(id, false));
            assert!(stale(&mut a), "{tool}");
            a.sync_workspace_widgets();
            assert!(!stale(&mut a));
            next_load().await;
            loads += 1;
        }
        assert_eq!(loads, 3);
        assert!(cmd_rx.try_recv().is_err(), "no extra loads");
    }
}
