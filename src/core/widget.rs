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
        description: "One child agent's live transcript (markdown, collapsible tool calls with full inputs and results, diffs, thinking), search, copy, a direct-message input and its inline permission bar.",
        props: &[
            prop(
                "agent_id",
                PropType::String,
                false,
                "Id of the agent to show.",
            ),
            prop(
                "agent_name",
                PropType::String,
                false,
                "Name of the agent to show.",
            ),
            prop(
                "follow_selection",
                PropType::Bool,
                false,
                "Show the agent selected in the AgentTable.",
            ),
            prop(
                "slot",
                PropType::Integer,
                false,
                "Show the n-th agent (1-based) in the AgentTable's order (grids of transcripts).",
            ),
        ],
        default_title: "Agent",
        min: (20, 4),
        available: true,
    },
    WidgetInfo {
        name: "FileTree",
        description: "A lazy directory tree that respects .gitignore, with git status markers (M modified, + new, • changes inside, ! ignored when shown), fuzzy find and live updates; choosing a file selects it for FileViewers that follow the selection.",
        props: &[prop(
            "path",
            PropType::String,
            false,
            "Root directory, relative to the project (default: the project).",
        )],
        default_title: "Files",
        min: (16, 4),
        available: true,
    },
    WidgetInfo {
        name: "FileViewer",
        description: "A read-only, syntax-highlighted file view with line numbers and search; huge files open instantly (only visible lines are read), binary files are refused, reloads when the file changes.",
        props: &[
            prop(
                "path",
                PropType::String,
                false,
                "File to show, relative to the project.",
            ),
            prop(
                "follow_selection",
                PropType::Bool,
                false,
                "Show the file selected in a FileTree (path is the fallback).",
            ),
        ],
        default_title: "File",
        min: (20, 4),
        available: true,
    },
    WidgetInfo {
        name: "DiffViewer",
        description: "A diff, unified or side by side (v), with per-file navigation (] [ or n N), intra-line highlights and hunk folding (Enter/Space, z all); git sources refresh when files change, r reloads. For a worktree agent: its branch vs the merge base, > < step through its commits, w whole branch, u uncommitted only; c comments a line, S sends the comments to the agent.",
        props: &[
            prop(
                "source",
                PropType::String,
                false,
                "working (git diff vs HEAD, the default), staged, agent:<id or name> (a worktree agent's branch vs its merge base, else its Edit/Write/MultiEdit calls), agent:selected (the agent selected in the tab's AgentTable), or file:<path> (with before/after).",
            ),
            prop(
                "follow_selection",
                PropType::Bool,
                false,
                "With an agent source: show the agent selected in the tab's AgentTable.",
            ),
            prop(
                "diff",
                PropType::String,
                false,
                "Unified diff text to show.",
            ),
            prop("before", PropType::String, false, "Old text (with after)."),
            prop("after", PropType::String, false, "New text (with before)."),
        ],
        default_title: "Diff",
        min: (20, 4),
        available: true,
    },
    WidgetInfo {
        name: "LogTail",
        description: "The end of a file, following appends (and truncation or rotation) with ANSI colours; filter with /, pause with p.",
        props: &[
            prop(
                "path",
                PropType::String,
                true,
                "File to follow, relative to the project.",
            ),
            prop(
                "lines",
                PropType::Integer,
                false,
                "Lines kept (default 1000).",
            ),
        ],
        default_title: "Log",
        min: (20, 3),
        available: true,
    },
    WidgetInfo {
        name: "Markdown",
        description: "Rendered Markdown (the transcripts' renderer) from a file, reloaded when it changes, or from inline text.",
        props: &[
            prop(
                "path",
                PropType::String,
                false,
                "Markdown file, relative to the project.",
            ),
            prop(
                "text",
                PropType::String,
                false,
                "Markdown source (when there is no path).",
            ),
        ],
        default_title: "Markdown",
        min: (20, 3),
        available: true,
    },
    WidgetInfo {
        name: "Notebook",
        description: "An editable scratch buffer saved automatically to .patchfeld/scratch/<name>.md.",
        props: &[prop(
            "name",
            PropType::String,
            true,
            "Buffer name: 1-64 of A-Z a-z 0-9 _ - (no path separators).",
        )],
        default_title: "Notes",
        min: (20, 4),
        available: true,
    },
    WidgetInfo {
        name: "Terminal",
        description: "A shell or command in a real pseudo-terminal (colours, cursor, full-screen programs like vim and htop, scrollback with the wheel or Shift-PgUp). While focused every key goes to it; ctrl-\\ then any key moves focus to the next panel (ctrl-\\ twice sends ctrl-\\). Stopped when the panel goes away; r restarts an exited one.",
        props: &[
            prop(
                "cmd",
                PropType::String,
                false,
                "Command line run with $SHELL -c (default: an interactive $SHELL).",
            ),
            prop(
                "cwd",
                PropType::String,
                false,
                "Working directory, relative to the project (default: the project).",
            ),
        ],
        default_title: "Terminal",
        min: (20, 4),
        available: true,
    },
    WidgetInfo {
        name: "SystemUsage",
        description: "CPU and memory gauges for the machine and one row per live agent (CPU and resident memory of its claude process tree), refreshed every second while shown; yellow from 70 %, red from 90 %.",
        props: &[],
        default_title: "System",
        min: (24, 4),
        available: true,
    },
    WidgetInfo {
        name: "FileEditor",
        description: "Edit a text file: undo (^Z) / redo (^Y), find (^F, F3), ^S saves atomically, a dot in the title while unsaved; a change made on disk meanwhile (an agent's edit) is offered as reload / keep mine / show diff.",
        props: &[
            prop(
                "path",
                PropType::String,
                false,
                "File to edit, relative to the project.",
            ),
            prop(
                "follow_selection",
                PropType::Bool,
                false,
                "Edit the file selected in a FileTree (path is the fallback).",
            ),
        ],
        default_title: "Editor",
        min: (20, 4),
        available: true,
    },
    WidgetInfo {
        name: "Command",
        description: "Output of a shell command (`sh -c` in the project dir, stdout and stderr, ANSI colours kept), scrollable, with exit status and last run time in the title; re-run on an interval, on file change, or with `r`. Runs are killed after 5 minutes or 1 MiB of output, and when the panel goes away. Many tools need --color=always to keep colours in a pipe.",
        props: &[
            prop("cmd", PropType::String, true, "Shell command."),
            prop(
                "interval_s",
                PropType::Number,
                false,
                "Re-run this many seconds after the previous run ended (at least 0.5).",
            ),
            prop(
                "watch",
                PropType::StringArray,
                false,
                "Re-run when these paths change: files, directories or globs relative to the project (`src/**/*.rs`, `*.md`).",
            ),
        ],
        default_title: "Command",
        min: (20, 3),
        available: true,
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
            "AgentTranscript" => s("agent_name")
                .or(s("agent_id"))
                .map(|v| format!("Agent: {v}"))
                .or_else(|| {
                    props
                        .get("slot")
                        .and_then(Value::as_u64)
                        .map(|n| format!("Agent #{n}"))
                }),
            "FileTree" => s("path").map(|v| format!("Files: {v}")),
            "FileViewer" => s("path").map(|v| format!("File: {}", base(v))),
            "LogTail" => s("path").map(|v| format!("Log: {}", base(v))),
            "Markdown" => s("path").map(|v| format!("Markdown: {}", base(v))),
            "Notebook" => s("name").map(|v| format!("Notes: {v}")),
            "Command" => s("cmd").map(|v| format!("$ {v}")),
            "Terminal" => s("cmd").map(|v| format!("$ {v}")),
            "DiffViewer" => s("source").map(|v| format!("Diff: {v}")),
            "FileEditor" => s("path").map(|v| format!("Edit: {}", base(v))),
            _ => None,
        };
        derived.unwrap_or_else(|| self.default_title.to_owned())
    }
}
