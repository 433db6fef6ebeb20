//! Asking before a FileEditor with unsaved changes is dropped, on every path that removes
//! one: closing a tab, replacing a tab's layout (switcher, reset, the orchestrator's
//! `set_layout` / `load_layout`) and switching the project. A panel survives a new layout
//! only when the new spec keeps it as it is (same id, widget and props: anything else starts
//! the panel afresh). The keyboard paths warn once and go ahead when asked again; the
//! orchestrator's tools cannot ask, so they are refused with an error naming the panel.

use super::WsPanel;
use crate::core::layout::{LayoutSpec, Panel, parse_spec};
use crate::core::transcript::NoticeLevel;
use crate::store::layouts::load_any;
use crate::ui::app::App;
use serde_json::Value;

/// A FileEditor panel with unsaved changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsavedEditor {
    /// The panel id.
    pub panel: String,
    /// Its file, relative to the project when inside it.
    pub path: String,
}

/// Whether `new` keeps `old`'s state (the sync starts a panel afresh on any other change).
fn keeps(new: Option<&LayoutSpec>, old: &Panel) -> bool {
    new.is_some_and(|s| {
        s.panels()
            .iter()
            .any(|p| p.id == old.id && p.widget == old.widget && p.props == old.props)
    })
}

impl App {
    /// The FileEditors of `tab` (any tab) with unsaved changes that a new layout `new` would
    /// drop (`None`: the tab goes away).
    pub(crate) fn unsaved_dropped(
        &mut self,
        tab: &str,
        new: Option<&LayoutSpec>,
    ) -> Vec<UnsavedEditor> {
        let Some(t) = self.ws.tab(tab) else {
            return Vec::new();
        };
        let editors: Vec<Panel> = t
            .layout
            .panels()
            .into_iter()
            .filter(|p| p.widget == "FileEditor" && !keeps(new, p))
            .cloned()
            .collect();
        let project = self.wsw.project.clone();
        let mut out = Vec::new();
        for p in editors {
            if let Some(WsPanel::Editor(e)) = self.ws_panel_mut(tab, &p.id)
                && e.view.dirty()
            {
                let path = e.path.as_deref().map_or_else(String::new, |f| {
                    f.strip_prefix(&project).unwrap_or(f).display().to_string()
                });
                out.push(UnsavedEditor {
                    panel: p.id.clone(),
                    path,
                });
            }
        }
        out
    }

    /// Every unsaved FileEditor in every tab (a project switch drops them all).
    fn unsaved_everywhere(&mut self) -> Vec<UnsavedEditor> {
        let tabs: Vec<String> = self.ws.tabs().iter().map(|t| t.id.clone()).collect();
        tabs.iter()
            .flat_map(|t| self.unsaved_dropped(t, None))
            .collect()
    }

    /// An orchestrator layout tool that would drop an unsaved editor: the error to answer
    /// with instead of running it. `None`: let the tool run (it reports its own errors).
    pub(crate) fn unsaved_tool_guard(&mut self, tool: &str, args: &Value) -> Option<String> {
        let arg = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_owned);
        let active = self.ws.active_id().to_owned();
        let (tab, new) = match tool {
            "set_layout" => (
                arg("tab_id").unwrap_or(active),
                Some(parse_spec(args.get("spec")?).ok()?),
            ),
            "load_layout" => {
                if args.get("as_new_tab").and_then(Value::as_bool) == Some(true) {
                    return None;
                }
                let name = arg("name")?;
                let spec = load_any(self.ws.store().map(|s| &s.global), &name).ok()?;
                (arg("tab_id").unwrap_or(active), Some(spec))
            }
            "close_tab" => (arg("tab_id")?, None),
            _ => return None,
        };
        let dropped = self.unsaved_dropped(&tab, new.as_ref());
        if dropped.is_empty() {
            return None;
        }
        let what: Vec<String> = dropped
            .iter()
            .map(|u| format!("panel {:?} has unsaved changes in {}", u.panel, u.path))
            .collect();
        Some(format!(
            "{}; save it or ask the user (a layout that keeps the panel with the same id, widget and props is accepted)",
            what.join("; ")
        ))
    }

    /// The keyboard's confirm-once: true when nothing unsaved is dropped or this same
    /// operation (`op`) was already warned about; else warn (saying how to go ahead: `again`)
    /// and refuse this time.
    pub(crate) fn confirm_unsaved(
        &mut self,
        op: &str,
        dropped: &[UnsavedEditor],
        again: &str,
    ) -> bool {
        if dropped.is_empty() || self.wsw.close_armed.as_deref() == Some(op) {
            self.wsw.close_armed = None;
            return true;
        }
        self.wsw.close_armed = Some(op.to_owned());
        let names: Vec<String> = dropped
            .iter()
            .map(|u| format!("{} ({})", u.panel, u.path))
            .collect();
        self.app_notice(
            NoticeLevel::Warning,
            format!(
                "unsaved changes in {} — save with ^S, or {again} to discard them",
                names.join(", ")
            ),
        );
        false
    }

    /// Before the active tab's layout becomes `spec` (switcher, reset).
    pub(crate) fn confirm_layout_change(&mut self, spec: &LayoutSpec) -> bool {
        let tab = self.ws.active_id().to_owned();
        let dropped = self.unsaved_dropped(&tab, Some(spec));
        let op = format!(
            "layout:{tab}:{}",
            serde_json::to_string(spec).unwrap_or_default()
        );
        self.confirm_unsaved(&op, &dropped, "apply it again")
    }

    /// Before switching the project to `target` (every tab goes).
    pub(crate) fn confirm_cwd_change(&mut self, target: &str) -> bool {
        let dropped = self.unsaved_everywhere();
        self.confirm_unsaved(&format!("cwd:{target}"), &dropped, "switch again")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
