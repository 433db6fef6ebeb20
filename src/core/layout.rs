//! LayoutSpec: the JSON tree of splits, tabs and panels that a workspace tab shows, the
//! workspace of app tabs, their validation (errors with JSON paths) and pure edit operations.

pub mod ops;
pub mod validate;

pub use validate::{LayoutError, LayoutErrors, SizeSpec, parse_size, parse_spec, validate_spec};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A tab's layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutSpec {
    /// Format version (1).
    #[serde(default = "one")]
    pub version: u32,
    /// The root node.
    pub layout: Node,
    /// Panel id focused when the layout is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
}

fn one() -> u32 {
    1
}

/// Split direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Children side by side.
    Horizontal,
    /// Children stacked.
    Vertical,
}

/// A node: a split container, a tab container, or a panel (leaf, no `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// `{type: horizontal|vertical, size?, children}`
    Split(Split),
    /// `{type: tabs, size?, children: [panel…], active?}`
    Tabs(Tabs),
    /// `{id, widget, props?, size?, title?}`
    Panel(Panel),
}

impl Node {
    /// The node's `size`.
    pub fn size(&self) -> Option<&str> {
        match self {
            Self::Split(s) => s.size.as_deref(),
            Self::Tabs(t) => t.size.as_deref(),
            Self::Panel(p) => p.size.as_deref(),
        }
    }

    /// Replace the node's `size`.
    pub fn set_size(&mut self, size: Option<String>) {
        match self {
            Self::Split(s) => s.size = size,
            Self::Tabs(t) => t.size = size,
            Self::Panel(p) => p.size = size,
        }
    }
}

/// A split container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    /// Direction.
    #[serde(rename = "type")]
    pub direction: Direction,
    /// Share of the parent's main axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Children (at least one).
    pub children: Vec<Node>,
}

/// Marker for `type: "tabs"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TabsTag {
    /// The only value.
    Tabs,
}

/// A tab container of panels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tabs {
    /// Always `tabs`.
    #[serde(rename = "type")]
    pub tag: TabsTag,
    /// Share of the parent's main axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Panels.
    pub children: Vec<Panel>,
    /// Active panel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
}

/// A leaf panel showing one widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    /// Unique id within the workspace tab.
    pub id: String,
    /// Widget name (`OrchestratorChat`, `AgentTable`, …).
    pub widget: String,
    /// Widget props.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub props: Map<String, Value>,
    /// Share of the parent's main axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Border title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Panel {
    /// A panel without props.
    pub fn new(id: &str, widget: &str, title: &str, size: Option<&str>) -> Self {
        Self {
            id: id.to_owned(),
            widget: widget.to_owned(),
            props: Map::new(),
            size: size.map(str::to_owned),
            title: Some(title.to_owned()),
        }
    }
}

impl LayoutSpec {
    /// The default dashboard: chat (60%) left; agents over activity on the right.
    pub fn dashboard() -> Self {
        Self {
            version: 1,
            layout: Node::Split(Split {
                direction: Direction::Horizontal,
                size: None,
                children: vec![
                    Node::Panel(Panel::new(
                        "orch",
                        "OrchestratorChat",
                        "Orchestrator",
                        Some("60%"),
                    )),
                    Node::Split(Split {
                        direction: Direction::Vertical,
                        size: Some("40%".to_owned()),
                        children: vec![
                            Node::Panel(Panel::new("agents", "AgentTable", "Agents", Some("50%"))),
                            Node::Panel(Panel::new("feed", "ActivityFeed", "Activity", None)),
                        ],
                    }),
                ],
            }),
            focus: Some("orch".to_owned()),
        }
    }

    /// A tab's starting layout when none is given: an activity feed if the workspace already
    /// has a chat elsewhere, else the orchestrator chat.
    pub fn seed(workspace_has_chat: bool) -> Self {
        let panel = if workspace_has_chat {
            Panel::new("feed", "ActivityFeed", "Activity", None)
        } else {
            Panel::new("orch", "OrchestratorChat", "Orchestrator", None)
        };
        Self {
            version: 1,
            focus: Some(panel.id.clone()),
            layout: Node::Panel(panel),
        }
    }

    /// Whether an OrchestratorChat panel is in the spec (hidden tab children included).
    pub fn has_chat(&self) -> bool {
        self.panels().iter().any(|p| p.widget == "OrchestratorChat")
    }

    /// Visit every panel mutably, depth first.
    pub fn for_each_panel_mut(&mut self, mut f: impl FnMut(&mut Panel)) {
        fn walk(n: &mut Node, f: &mut impl FnMut(&mut Panel)) {
            match n {
                Node::Split(s) => s.children.iter_mut().for_each(|c| walk(c, f)),
                Node::Tabs(t) => t.children.iter_mut().for_each(&mut *f),
                Node::Panel(p) => f(p),
            }
        }
        walk(&mut self.layout, &mut f);
    }

    /// Every panel, depth first.
    pub fn panels(&self) -> Vec<&Panel> {
        fn walk<'a>(n: &'a Node, out: &mut Vec<&'a Panel>) {
            match n {
                Node::Split(s) => s.children.iter().for_each(|c| walk(c, out)),
                Node::Tabs(t) => out.extend(t.children.iter()),
                Node::Panel(p) => out.push(p),
            }
        }
        let mut out = Vec::new();
        walk(&self.layout, &mut out);
        out
    }
}

/// The per-project workspace: app tabs, each with a layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// Format version (1).
    pub version: u32,
    /// App tabs (at least one).
    pub tabs: Vec<WorkspaceTab>,
    /// Id of the active tab.
    pub active: String,
    /// Project theme, if set.
    #[serde(default)]
    pub active_theme: Option<String>,
}

/// One app tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceTab {
    /// Tab id.
    pub id: String,
    /// Strip label.
    pub title: String,
    /// Its layout.
    pub layout: LayoutSpec,
}

impl Workspace {
    /// First-launch workspace: one tab `default` with the dashboard.
    pub fn seed() -> Self {
        Self {
            version: 1,
            tabs: vec![WorkspaceTab {
                id: "default".to_owned(),
                title: "default".to_owned(),
                layout: LayoutSpec::dashboard(),
            }],
            active: "default".to_owned(),
            active_theme: None,
        }
    }

    /// The active tab (the first if `active` names none).
    pub fn active_tab(&self) -> Option<&WorkspaceTab> {
        self.tabs
            .iter()
            .find(|t| t.id == self.active)
            .or_else(|| self.tabs.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_round_trips_through_json() {
        let ws = Workspace::seed();
        let json = serde_json::to_string_pretty(&ws).unwrap_or_default();
        let back: Workspace = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
        assert_eq!(back, ws);
        let ids: Vec<_> = ws.tabs[0]
            .layout
            .panels()
            .iter()
            .map(|p| p.id.clone())
            .collect();
        assert_eq!(ids, ["orch", "agents", "feed"]);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let bad = r#"{"version":1,"layout":{"id":"a","widget":"AgentTable","colour":"red"}}"#;
        assert!(serde_json::from_str::<LayoutSpec>(bad).is_err());
    }
}
