//! The widget registry as data: every widget name a layout may use, its props schema, its
//! minimum size and whether this build can show it yet (others render as a placeholder).

use serde_json::{Map, Value, json};

/// JSON type of a prop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    /// A string.
    String,
    /// true / false.
    Bool,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// An array of strings.
    StringArray,
    /// An object of string values.
    StringMap,
}

impl PropType {
    /// The name used in schemas and error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Bool => "boolean",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::StringArray => "array of strings",
            Self::StringMap => "object of strings",
        }
    }

    /// Whether `v` has this type.
    pub fn accepts(self, v: &Value) -> bool {
        match self {
            Self::String => v.is_string(),
            Self::Bool => v.is_boolean(),
            Self::Integer => v.is_i64() || v.is_u64(),
            Self::Number => v.is_number(),
            Self::StringArray => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Self::StringMap => v
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string)),
        }
    }

    fn json_schema(self) -> Value {
        match self {
            Self::String => json!({"type": "string"}),
            Self::Bool => json!({"type": "boolean"}),
            Self::Integer => json!({"type": "integer"}),
            Self::Number => json!({"type": "number"}),
            Self::StringArray => json!({"type": "array", "items": {"type": "string"}}),
            Self::StringMap => {
                json!({"type": "object", "additionalProperties": {"type": "string"}})
            }
        }
    }
}

/// One prop of a widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropInfo {
    /// Prop name.
    pub name: &'static str,
    /// Its type.
    pub ty: PropType,
    /// Whether a panel must set it.
    pub required: bool,
    /// What it does.
    pub description: &'static str,
}

/// A widget the layout can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidgetInfo {
    /// Registry name (`AgentTable`).
    pub name: &'static str,
    /// What it shows.
    pub description: &'static str,
    /// Accepted props (anything else is rejected).
    pub props: &'static [PropInfo],
    /// Default border title.
    pub default_title: &'static str,
    /// Smallest useful size, borders included: (width, height).
    pub min: (u16, u16),
    /// False for widgets a later release adds: they validate and render as a placeholder.
    pub available: bool,
}

const fn prop(
    name: &'static str,
    ty: PropType,
    required: bool,
    description: &'static str,
) -> PropInfo {
    PropInfo {
        name,
        ty,
        required,
        description,
    }
}

/// Every widget, in the order `list_widgets` shows them.
pub const WIDGETS: &[WidgetInfo] = &[
    WidgetInfo {
        name: "OrchestratorChat",
        description: "Chat with the orchestrator: its transcript and the message input. At most one per tab layout; the workspace needs at least one.",
        props: &[],
        default_title: "Orchestrator",
        min: (24, 6),
        available: true,
    },
    WidgetInfo {
        name: "AgentTable",
        description: "One row per child agent with state, elapsed time, tokens and cost.",
        props: &[],
        default_title: "Agents",
        min: (24, 4),
        available: true,
    },
    WidgetInfo {
        name: "ActivityFeed",
        description: "One line per event across all agents, newest at the bottom.",
        props: &[],
        default_title: "Activity",
        min: (20, 3),
        available: true,
    },
    WidgetInfo {
        name: "AgentTranscript",
        description: "The transcript of one child agent (not available yet: shown as a placeholder).",
        props: &[prop(
            "agent_id",
            PropType::String,
            true,
            "Id of the agent to show.",
        )],
        default_title: "Agent",
        min: (20, 4),
        available: false,
    },
    WidgetInfo {
        name: "FileTree",
        description: "A directory tree (not available yet: shown as a placeholder).",
        props: &[prop(
            "path",
            PropType::String,
            true,
            "Directory, relative to the project.",
        )],
        default_title: "Files",
        min: (16, 4),
        available: false,
    },
    WidgetInfo {
        name: "FileViewer",
        description: "A read-only file view with syntax highlighting (not available yet: shown as a placeholder).",
        props: &[
            prop("file_path", PropType::String, false, "File to show."),
            prop(
                "follow_selection",
                PropType::Bool,
                false,
                "Show the file selected in a FileTree.",
            ),
        ],
        default_title: "File",
        min: (20, 4),
        available: false,
    },
    WidgetInfo {
        name: "DiffViewer",
        description: "A unified diff (not available yet: shown as a placeholder).",
        props: &[
            prop("diff", PropType::String, false, "Unified diff text."),
            prop("before", PropType::String, false, "Old text (with after)."),
            prop("after", PropType::String, false, "New text (with before)."),
        ],
        default_title: "Diff",
        min: (20, 4),
        available: false,
    },
    WidgetInfo {
        name: "LogTail",
        description: "The end of a log file, following appends (not available yet: shown as a placeholder).",
        props: &[
            prop("file_path", PropType::String, true, "Log file."),
            prop(
                "tail_lines",
                PropType::Integer,
                false,
                "Lines kept (default 200).",
            ),
        ],
        default_title: "Log",
        min: (20, 3),
        available: false,
    },
    WidgetInfo {
        name: "Markdown",
        description: "Rendered Markdown from a file or inline source (not available yet: shown as a placeholder).",
        props: &[
            prop("source", PropType::String, false, "Markdown text."),
            prop("file_path", PropType::String, false, "Markdown file."),
        ],
        default_title: "Markdown",
        min: (20, 3),
        available: false,
    },
    WidgetInfo {
        name: "Terminal",
        description: "A shell or command in a pseudo-terminal (not available yet: shown as a placeholder).",
        props: &[
            prop(
                "command",
                PropType::StringArray,
                false,
                "argv (default: $SHELL).",
            ),
            prop("cwd", PropType::String, false, "Working directory."),
            prop("env", PropType::StringMap, false, "Extra environment."),
        ],
        default_title: "Terminal",
        min: (20, 4),
        available: false,
    },
    WidgetInfo {
        name: "Command",
        description: "Output of a shell command, re-run on an interval or on file change (not available yet: shown as a placeholder).",
        props: &[
            prop("cmd", PropType::String, true, "Shell command."),
            prop(
                "interval_s",
                PropType::Number,
                false,
                "Re-run every N seconds.",
            ),
            prop(
                "watch",
                PropType::StringArray,
                false,
                "Re-run when these paths change.",
            ),
        ],
        default_title: "Command",
        min: (20, 3),
        available: false,
    },
];

/// Look a widget up by name.
pub fn widget(name: &str) -> Option<&'static WidgetInfo> {
    WIDGETS.iter().find(|w| w.name == name)
}

/// Names of every widget, for error messages.
pub fn widget_names() -> String {
    WIDGETS
        .iter()
        .map(|w| w.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl WidgetInfo {
    /// The props as a JSON Schema object (with a correct `required` list).
    pub fn props_schema(&self) -> Value {
        let mut properties = Map::new();
        for p in self.props {
            let mut s = p.ty.json_schema();
            if let Some(o) = s.as_object_mut() {
                o.insert("description".into(), p.description.into());
            }
            properties.insert(p.name.into(), s);
        }
        let required: Vec<&str> = self
            .props
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect();
        json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }

    /// The title shown when a panel sets none: derived from props where the widget has a
    /// rule (`Files: src`), else the default.
    pub fn effective_title(&self, props: &Map<String, Value>) -> String {
        let s = |k: &str| props.get(k).and_then(Value::as_str);
        let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_owned();
        let derived = match self.name {
            "AgentTranscript" => s("agent_id").map(|v| format!("Agent: {v}")),
            "FileTree" => s("path").map(|v| format!("Files: {v}")),
            "FileViewer" => s("file_path").map(|v| format!("File: {}", base(v))),
            "LogTail" => s("file_path").map(|v| format!("Log: {}", base(v))),
            "Markdown" => s("file_path").map(|v| format!("Markdown: {}", base(v))),
            "Command" => s("cmd").map(|v| format!("$ {v}")),
            _ => None,
        };
        derived.unwrap_or_else(|| self.default_title.to_owned())
    }
}
