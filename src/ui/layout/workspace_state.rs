//! The live workspace: app tabs and their specs, per-panel live state keyed by panel id,
//! remembered focus per tab, and atomic apply (validate the whole candidate, then commit and
//! save) so a rejected change leaves everything as it was.

use crate::core::layout::validate::validate_workspace;
use crate::core::layout::{LayoutErrors, LayoutSpec, Workspace, WorkspaceTab};
use crate::store::paths::{GlobalPaths, ProjectPaths};
use crate::ui::layout::solve::visible_panels;
use crate::ui::widgets::agent_table::AgentTableState;
use std::collections::HashMap;

/// Where the workspace and named layouts are persisted (absent in most tests).
#[derive(Debug, Clone)]
pub(crate) struct LayoutStore {
    /// `.patchfeld/` of the project.
    pub project: ProjectPaths,
    /// The config dir (named layouts).
    pub global: GlobalPaths,
}

/// A panel's live state; it survives applies that keep the panel's id and widget.
#[derive(Debug)]
pub(crate) enum PanelState {
    /// The orchestrator chat (its transcript and input belong to the orchestrator, app-wide).
    Chat,
    /// The agent table's selection.
    Table(AgentTableState),
    /// The activity feed (one app-wide log).
    Feed,
    /// An agent's transcript (its own view, input and binding).
    Transcript(Box<crate::ui::widgets::agent_transcript::AgentTranscriptState>),
    /// A Command panel's last output, status and scroll.
    Command(Box<crate::ui::widgets::command::CommandPanelState>),
    /// A file panel (FileTree, FileViewer, Markdown, Notebook, LogTail).
    Files(Box<crate::ui::app::files_glue::FilesPanelState>),
    /// A Terminal, SystemUsage, DiffViewer or FileEditor panel.
    Workspace(Box<crate::ui::app::workspace_widgets_glue::WsPanelState>),
    /// A widget this build shows as a placeholder.
    Placeholder,
}

impl PanelState {
    fn for_widget(widget: &str) -> Self {
        match widget {
            "OrchestratorChat" => Self::Chat,
            "AgentTable" => Self::Table(AgentTableState::default()),
            "ActivityFeed" => Self::Feed,
            "AgentTranscript" => Self::Transcript(Box::default()),
            "Command" => Self::Command(Box::default()),
            "FileTree" | "FileViewer" | "Markdown" | "Notebook" | "LogTail" => {
                Self::Files(Box::default())
            }
            "Terminal" | "SystemUsage" | "DiffViewer" | "FileEditor" => {
                Self::Workspace(Box::default())
            }
            _ => Self::Placeholder,
        }
    }
}

#[derive(Debug)]
struct PanelSlot {
    widget: String,
    state: PanelState,
}

/// The workspace plus everything live about it.
pub(crate) struct WorkspaceState {
    ws: Workspace,
    /// (tab id, panel id) → live state.
    panels: HashMap<(String, String), PanelSlot>,
    /// Tab id → the panel focused when the tab was last left.
    focus: HashMap<String, String>,
    /// Tab id → the named layout last loaded into it (for reset).
    layout_names: HashMap<String, String>,
    store: Option<LayoutStore>,
    /// Bumped by every committed change (tests and the renderer can tell).
    generation: u64,
}

/// What a change did besides succeeding: a save failure to show.
pub(crate) type SaveWarning = Option<String>;

impl WorkspaceState {
    /// Wrap a loaded workspace (already validated by the store, or the seed).
    pub(crate) fn new(ws: Workspace) -> Self {
        let mut s = Self {
            ws,
            panels: HashMap::new(),
            focus: HashMap::new(),
            layout_names: HashMap::new(),
            store: None,
            generation: 0,
        };
        s.reconcile_all();
        s
    }

    /// Persist from now on.
    pub(crate) fn set_store(&mut self, store: LayoutStore) {
        self.store = Some(store);
    }

    /// The store, if persisting.
    pub(crate) fn store(&self) -> Option<&LayoutStore> {
        self.store.as_ref()
    }

    /// The workspace data.
    #[cfg(test)]
    pub(crate) fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Counter of committed changes.
    #[cfg(test)]
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The active tab (the workspace always has one).
    pub(crate) fn active_tab(&self) -> &WorkspaceTab {
        self.ws
            .tabs
            .iter()
            .find(|t| t.id == self.ws.active)
            .unwrap_or(&self.ws.tabs[0])
    }

    /// The active tab's id.
    pub(crate) fn active_id(&self) -> &str {
        &self.active_tab().id
    }

    /// The active tab's spec.
    pub(crate) fn active_spec(&self) -> &LayoutSpec {
        &self.active_tab().layout
    }

    /// A tab by id.
    pub(crate) fn tab(&self, id: &str) -> Option<&WorkspaceTab> {
        self.ws.tabs.iter().find(|t| t.id == id)
    }

    /// Tabs in strip order.
    pub(crate) fn tabs(&self) -> &[WorkspaceTab] {
        &self.ws.tabs
    }

    /// The live state of a panel of the active tab.
    pub(crate) fn panel_state(&self, panel_id: &str) -> Option<&PanelState> {
        self.panels
            .get(&(self.ws.active.clone(), panel_id.to_owned()))
            .map(|s| &s.state)
    }

    /// The agent table state of a panel of the active tab.
    pub(crate) fn table_mut(&mut self, panel_id: &str) -> Option<&mut AgentTableState> {
        match self
            .panels
            .get_mut(&(self.ws.active.clone(), panel_id.to_owned()))
            .map(|s| &mut s.state)
        {
            Some(PanelState::Table(t)) => Some(t),
            _ => None,
        }
    }

    /// The agent table state of a panel of the active tab (read).
    pub(crate) fn table(&self, panel_id: &str) -> Option<&AgentTableState> {
        match self.panel_state(panel_id) {
            Some(PanelState::Table(t)) => Some(t),
            _ => None,
        }
    }

    /// The AgentTranscript state of a panel of the active tab.
    pub(crate) fn transcript_mut(
        &mut self,
        panel_id: &str,
    ) -> Option<&mut crate::ui::widgets::agent_transcript::AgentTranscriptState> {
        match self
            .panels
            .get_mut(&(self.ws.active.clone(), panel_id.to_owned()))
            .map(|s| &mut s.state)
        {
            Some(PanelState::Transcript(t)) => Some(t),
            _ => None,
        }
    }

    /// The AgentTranscript state of a panel of the active tab (read).
    pub(crate) fn transcript(
        &self,
        panel_id: &str,
    ) -> Option<&crate::ui::widgets::agent_transcript::AgentTranscriptState> {
        match self.panel_state(panel_id) {
            Some(PanelState::Transcript(t)) => Some(t),
            _ => None,
        }
    }

    /// Every AgentTranscript state in every tab (streamed entries reach hidden tabs too).
    pub(crate) fn transcripts_mut(
        &mut self,
    ) -> impl Iterator<Item = &mut crate::ui::widgets::agent_transcript::AgentTranscriptState> {
        self.panels.values_mut().filter_map(|s| match &mut s.state {
            PanelState::Transcript(t) => Some(&mut **t),
            _ => None,
        })
    }

    /// Any panel's live state, in any tab.
    pub(crate) fn panel_state_mut(&mut self, tab: &str, panel_id: &str) -> Option<&mut PanelState> {
        self.panels
            .get_mut(&(tab.to_owned(), panel_id.to_owned()))
            .map(|s| &mut s.state)
    }

    /// Remember which panel of the active tab has focus (kept when the tab is left).
    pub(crate) fn remember_focus(&mut self, panel_id: &str) {
        self.focus
            .insert(self.ws.active.clone(), panel_id.to_owned());
    }

    /// The panel to focus in `tab`: the remembered one if still visible, else the spec's
    /// `focus`, else its chat, else its first visible panel.
    pub(crate) fn focus_for(&self, tab: &str) -> String {
        let Some(t) = self.tab(tab) else {
            return String::new();
        };
        let visible = visible_panels(&t.layout);
        let shown = |id: &str| visible.iter().any(|p| p.id == id);
        self.focus
            .get(tab)
            .filter(|f| shown(f))
            .cloned()
            .or_else(|| t.layout.focus.clone().filter(|f| shown(f)))
            .or_else(|| {
                visible
                    .iter()
                    .find(|p| p.widget == "OrchestratorChat")
                    .or(visible.first())
                    .map(|p| p.id.clone())
            })
            .unwrap_or_default()
    }

    /// Validate `candidate` as a whole and, only if it passes, make it the workspace: panels
    /// whose id and widget are unchanged keep their state, changed widgets start fresh,
    /// vanished panels are dropped. Then save.
    pub(crate) fn commit(&mut self, candidate: Workspace) -> Result<SaveWarning, LayoutErrors> {
        validate_workspace(&candidate)?;
        self.ws = candidate;
        self.reconcile_all();
        self.generation += 1;
        Ok(self.save())
    }

    /// Replace the layout of `tab` (the active one when `None`).
    pub(crate) fn set_layout(
        &mut self,
        tab: Option<&str>,
        spec: LayoutSpec,
    ) -> Result<SaveWarning, String> {
        let tab = tab.unwrap_or(&self.ws.active).to_owned();
        let mut cand = self.ws.clone();
        let t = cand
            .tabs
            .iter_mut()
            .find(|t| t.id == tab)
            .ok_or_else(|| format!("Unknown tab_id: {tab}"))?;
        t.layout = spec;
        self.commit(cand).map_err(|e| e.to_string())
    }

    /// Replace a tab's layout in memory only (while a splitter is dragged); `persist` saves.
    pub(crate) fn set_layout_unsaved(&mut self, tab: &str, spec: LayoutSpec) {
        if let Some(t) = self.ws.tabs.iter_mut().find(|t| t.id == tab) {
            t.layout = spec;
            self.generation += 1;
        }
    }

    /// Save now (after an unsaved drag).
    pub(crate) fn persist(&mut self) -> SaveWarning {
        self.save()
    }

    /// Record the named layout a tab was loaded from.
    pub(crate) fn set_layout_name(&mut self, tab: &str, name: &str) {
        self.layout_names.insert(tab.to_owned(), name.to_owned());
    }

    /// The named layout a tab was last loaded from.
    pub(crate) fn layout_name(&self, tab: &str) -> Option<&str> {
        self.layout_names.get(tab).map(String::as_str)
    }

    /// Add a tab (after the others); returns its id.
    pub(crate) fn add_tab(
        &mut self,
        title: &str,
        spec: Option<LayoutSpec>,
        activate: bool,
    ) -> Result<(String, SaveWarning), String> {
        let title = title.trim();
        if title.is_empty() {
            return Err("title must not be empty".to_owned());
        }
        let has_chat = self.ws.tabs.iter().any(|t| t.layout.has_chat());
        let spec = spec.unwrap_or_else(|| LayoutSpec::seed(has_chat));
        let id = self.new_tab_id();
        let mut cand = self.ws.clone();
        cand.tabs.push(WorkspaceTab {
            id: id.clone(),
            title: title.to_owned(),
            layout: spec,
        });
        if activate {
            cand.active = id.clone();
        }
        let warn = self.commit(cand).map_err(|e| e.to_string())?;
        Ok((id, warn))
    }

    fn new_tab_id(&self) -> String {
        loop {
            let id: String = uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();
            if self.tab(&id).is_none() {
                return id;
            }
        }
    }

    /// Close a tab; returns the new active tab. Refused for an unknown id, the last tab, or
    /// when no orchestrator chat would remain.
    pub(crate) fn close_tab(&mut self, id: &str) -> Result<(String, SaveWarning), CloseError> {
        let Some(idx) = self.ws.tabs.iter().position(|t| t.id == id) else {
            return Err(CloseError::UnknownTab);
        };
        if self.ws.tabs.len() == 1 {
            return Err(CloseError::LastTab);
        }
        let mut cand = self.ws.clone();
        cand.tabs.remove(idx);
        if !cand.tabs.iter().any(|t| t.layout.has_chat()) {
            return Err(CloseError::NoChat);
        }
        if cand.active == id {
            cand.active = cand.tabs[idx.saturating_sub(1).min(cand.tabs.len() - 1)]
                .id
                .clone();
        }
        let warn = self
            .commit(cand)
            .map_err(|e| CloseError::Invalid(e.to_string()))?;
        self.focus.remove(id);
        self.layout_names.remove(id);
        Ok((self.ws.active.clone(), warn))
    }

    /// The project's own theme (`active_theme`), if any.
    pub(crate) fn project_theme(&self) -> Option<&str> {
        self.ws.active_theme.as_deref()
    }

    /// Set or clear the project's theme and save (layout changes keep it: they clone `ws`).
    pub(crate) fn set_project_theme(&mut self, name: Option<String>) -> SaveWarning {
        self.ws.active_theme = name;
        self.generation += 1;
        self.save()
    }

    /// Make `id` the active tab.
    pub(crate) fn switch(&mut self, id: &str) -> Result<SaveWarning, String> {
        if self.tab(id).is_none() {
            return Err(format!("unknown tab id {id:?}"));
        }
        if self.ws.active == id {
            return Ok(None);
        }
        self.ws.active = id.to_owned();
        self.generation += 1;
        Ok(self.save())
    }

    /// Rename a tab.
    pub(crate) fn rename(&mut self, id: &str, title: &str) -> Result<SaveWarning, String> {
        let mut cand = self.ws.clone();
        let t = cand
            .tabs
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| format!("unknown tab id {id:?}"))?;
        t.title = title.trim().to_owned();
        self.commit(cand).map_err(|e| e.to_string())
    }

    /// Put the tabs in the order of `ids` (a permutation of the current ids).
    pub(crate) fn reorder(&mut self, ids: &[String]) -> Result<SaveWarning, String> {
        let mut cur: Vec<&str> = self.ws.tabs.iter().map(|t| t.id.as_str()).collect();
        let mut given: Vec<&str> = ids.iter().map(String::as_str).collect();
        cur.sort_unstable();
        given.sort_unstable();
        if cur != given {
            return Err("tab_ids_not_a_permutation".to_owned());
        }
        let mut cand = self.ws.clone();
        cand.tabs = ids.iter().filter_map(|id| self.tab(id).cloned()).collect();
        self.commit(cand).map_err(|e| e.to_string())
    }

    fn reconcile_all(&mut self) {
        let mut keep: HashMap<(String, String), PanelSlot> = HashMap::new();
        for t in &self.ws.tabs {
            for p in t.layout.panels() {
                let key = (t.id.clone(), p.id.clone());
                let slot = match self.panels.remove(&key) {
                    Some(s) if s.widget == p.widget => s,
                    _ => PanelSlot {
                        widget: p.widget.clone(),
                        state: PanelState::for_widget(&p.widget),
                    },
                };
                keep.insert(key, slot);
            }
        }
        self.panels = keep;
    }

    fn save(&self) -> SaveWarning {
        let store = self.store.as_ref()?;
        crate::store::workspace::save_workspace(&store.project, &self.ws)
            .err()
            .map(|e| format!("workspace not saved: {e}"))
    }
}

/// Why a tab could not be closed (codes are the tool's error names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CloseError {
    /// No such tab.
    UnknownTab,
    /// It is the only tab.
    LastTab,
    /// No orchestrator chat would remain.
    NoChat,
    /// The candidate failed validation.
    Invalid(String),
}

impl CloseError {
    /// The tool's error code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::UnknownTab => "unknown_tab_id",
            Self::LastTab => "would_leave_zero_tabs",
            Self::NoChat => "would_leave_no_chat",
            Self::Invalid(_) => "invalid_workspace",
        }
    }

    /// What the user is told.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::UnknownTab => "no such tab".to_owned(),
            Self::LastTab => "it is the only tab".to_owned(),
            Self::NoChat => {
                "no orchestrator chat would remain (add an OrchestratorChat to another tab first)"
                    .to_owned()
            }
            Self::Invalid(e) => e.clone(),
        }
    }
}
