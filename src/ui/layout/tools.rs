//! The orchestrator's layout and tab tools (get/set/load/save/list layouts, list widgets,
//! add/close/switch/rename/reorder/list tabs): schemas and handlers over the live workspace.

use crate::core::layout::{LayoutSpec, parse_spec};
use crate::core::tool::ToolDef;
use crate::core::widget::{WIDGETS, widget};
use crate::store::layouts::{list_layout_entries, load_any, save_layout};
use crate::ui::layout::workspace_state::WorkspaceState;
use serde_json::{Value, json};

/// What a handled call produced.
#[derive(Debug)]
pub(crate) struct ToolOutcome {
    /// The tool result (text) or error (text).
    pub result: Result<String, String>,
    /// A persistence problem to show the user (the change itself succeeded).
    pub warning: Option<String>,
}

fn ok(text: impl Into<String>) -> ToolOutcome {
    ToolOutcome {
        result: Ok(text.into()),
        warning: None,
    }
}

fn err(text: impl Into<String>) -> ToolOutcome {
    ToolOutcome {
        result: Err(text.into()),
        warning: None,
    }
}

fn with_warning(mut o: ToolOutcome, w: Option<String>) -> ToolOutcome {
    o.warning = w;
    o
}

fn json_err(code: &str, extra: Value) -> ToolOutcome {
    let mut v = json!({"error": code});
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    err(v.to_string())
}

const SPEC_DOC: &str = "A LayoutSpec: {\"version\": 1, \"layout\": <node>, \"focus\"?: <panel id>}. \
A node is a split {\"type\": \"horizontal\"|\"vertical\", \"size\"?, \"children\": [node…]}, \
tabs {\"type\": \"tabs\", \"size\"?, \"children\": [panel…], \"active\"?: <panel id>}, or a panel \
{\"id\", \"widget\", \"props\"?, \"size\"?, \"title\"?}. Sizes: \"30%\", \"20\" (fixed cells) or \
omitted (share the rest). Panel ids are unique; at most one OrchestratorChat per layout and at \
least one in the workspace. Call list_widgets for widget names and props.";

fn def(name: &str, description: &str, properties: Value, required: &[&str]) -> ToolDef {
    ToolDef {
        name: name.to_owned(),
        description: description.to_owned(),
        input_schema: json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        }),
    }
}

/// Tool definitions, with real JSON Schemas.
pub(crate) fn defs() -> Vec<ToolDef> {
    let spec = json!({"type": "object", "description": SPEC_DOC});
    let tab_id = json!({"type": "string", "description": "App tab id (default: the active tab); see list_tabs."});
    let name = json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "Layout name."});
    vec![
        def(
            "get_layout",
            "The layout of an app tab as JSON {tab_id, tab_title, spec}; panels without a title get their effective title.",
            json!({"tab_id": tab_id}),
            &[],
        ),
        def(
            "set_layout",
            "Validate and apply a LayoutSpec to an app tab. Panels whose id and widget are unchanged keep their state. Errors name the JSON path.",
            json!({"spec": spec, "tab_id": tab_id}),
            &["spec"],
        ),
        def(
            "save_layout",
            "Save a named layout (the given spec, else the tab's current layout) to the config dir.",
            json!({"name": name, "spec": spec, "tab_id": tab_id}),
            &["name"],
        ),
        def(
            "load_layout",
            "Apply a saved layout to an app tab, or open it as a new tab.",
            json!({
                "name": name,
                "tab_id": tab_id,
                "as_new_tab": {"type": "boolean", "description": "Open in a new tab (default false)."},
                "title": {"type": "string", "description": "Title of the new tab (default: the layout name)."},
            }),
            &["name"],
        ),
        def(
            "list_layouts",
            "Named layout names, sorted (JSON array): the built-ins (dashboard, review, agents, grid) and the user's saved layouts (a saved layout overrides a built-in of the same name).",
            json!({}),
            &[],
        ),
        def(
            "list_widgets",
            "Every widget a layout can use, with its props JSON Schema and whether this build can show it (others render as a placeholder).",
            json!({}),
            &[],
        ),
        def(
            "add_tab",
            "Add an app tab. Result {tab_id, title, active}.",
            json!({
                "title": {"type": "string"},
                "layout": {"description": "A LayoutSpec object, or the name of a saved layout; omitted: a chat if the workspace has none, else an activity feed.", "type": ["object", "string"]},
                "activate": {"type": "boolean", "description": "Switch to it (default true)."},
            }),
            &["title"],
        ),
        def(
            "close_tab",
            "Close an app tab. Refused for the last tab or if no OrchestratorChat would remain.",
            json!({"tab_id": {"type": "string"}}),
            &["tab_id"],
        ),
        def(
            "switch_tab",
            "Make an app tab active.",
            json!({"tab_id": {"type": "string"}}),
            &["tab_id"],
        ),
        def(
            "rename_tab",
            "Rename an app tab.",
            json!({"tab_id": {"type": "string"}, "title": {"type": "string", "minLength": 1}}),
            &["tab_id", "title"],
        ),
        def(
            "reorder_tabs",
            "Put the app tabs in this order (a permutation of the current ids).",
            json!({"tab_ids": {"type": "array", "items": {"type": "string"}}}),
            &["tab_ids"],
        ),
        def(
            "list_tabs",
            "App tabs in strip order: [{id, title, active, has_chat, panel_ids}].",
            json!({}),
            &[],
        ),
    ]
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Result<Option<&'a str>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{key}: must be a string")),
    }
}

fn bool_arg(args: &Value, key: &str, default: bool) -> Result<bool, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{key}: must be a boolean")),
    }
}

/// Answer `tool` if it is a layout/tab tool; `None` otherwise.
pub(crate) fn call(ws: &mut WorkspaceState, tool: &str, args: &Value) -> Option<ToolOutcome> {
    let out = match tool {
        "get_layout" => get_layout(ws, args),
        "set_layout" => set_layout(ws, args),
        "save_layout" => save_named(ws, args),
        "load_layout" => load_named(ws, args),
        "list_layouts" => {
            let names: Vec<String> = list_layout_entries(ws.store().map(|s| &s.global))
                .into_iter()
                .map(|e| e.name)
                .collect();
            ok(json!(names).to_string())
        }
        "list_widgets" => ok(list_widgets().to_string()),
        "add_tab" => add_tab(ws, args),
        "close_tab" => close_tab(ws, args),
        "switch_tab" => switch_tab(ws, args),
        "rename_tab" => rename_tab(ws, args),
        "reorder_tabs" => reorder_tabs(ws, args),
        "list_tabs" => ok(list_tabs(ws).to_string()),
        _ => return None,
    };
    Some(out)
}

fn list_widgets() -> Value {
    let widgets: Vec<Value> = WIDGETS
        .iter()
        .map(|w| {
            json!({
                "name": w.name,
                "description": w.description,
                "props_schema": w.props_schema(),
                "source": "builtin",
                "available": w.available,
            })
        })
        .collect();
    json!({"widgets": widgets, "errors": []})
}

/// A panel's title: its own, else the widget's rule from props, else the widget's default.
pub(crate) fn effective_title(p: &crate::core::layout::Panel) -> String {
    match &p.title {
        Some(t) => t.clone(),
        None => widget(&p.widget).map_or_else(|| p.widget.clone(), |w| w.effective_title(&p.props)),
    }
}

/// The spec with every untitled panel given its effective title.
pub(crate) fn with_effective_titles(spec: &LayoutSpec) -> LayoutSpec {
    let mut out = spec.clone();
    out.for_each_panel_mut(|p| p.title = Some(effective_title(p)));
    out
}

fn get_layout(ws: &WorkspaceState, args: &Value) -> ToolOutcome {
    let tab = match str_arg(args, "tab_id") {
        Ok(t) => t.unwrap_or(ws.active_id()).to_owned(),
        Err(e) => return err(e),
    };
    let Some(t) = ws.tab(&tab) else {
        return err(format!("Unknown tab_id: {tab}"));
    };
    ok(json!({
        "tab_id": t.id,
        "tab_title": t.title,
        "spec": with_effective_titles(&t.layout),
    })
    .to_string())
}

fn set_layout(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let Some(spec) = args.get("spec") else {
        return err("Invalid LayoutSpec: spec: missing (required)");
    };
    let spec = match parse_spec(spec) {
        Ok(s) => s,
        Err(e) => return err(format!("Invalid LayoutSpec: {e}")),
    };
    let tab = match str_arg(args, "tab_id") {
        Ok(t) => t.map(str::to_owned),
        Err(e) => return err(e),
    };
    match ws.set_layout(tab.as_deref(), spec) {
        Ok(w) => with_warning(ok("Layout applied."), w),
        Err(e) => err(format!("Apply error: {e}")),
    }
}

fn save_named(ws: &WorkspaceState, args: &Value) -> ToolOutcome {
    let name = match str_arg(args, "name") {
        Ok(Some(n)) => n.to_owned(),
        Ok(None) => return err("name: missing (required)"),
        Err(e) => return err(e),
    };
    let spec = match args.get("spec") {
        Some(v) if !v.is_null() => match parse_spec(v) {
            Ok(s) => s,
            Err(e) => return err(format!("Invalid LayoutSpec: {e}")),
        },
        _ => {
            let tab = match str_arg(args, "tab_id") {
                Ok(t) => t.unwrap_or(ws.active_id()).to_owned(),
                Err(e) => return err(e),
            };
            match ws.tab(&tab) {
                Some(t) => t.layout.clone(),
                None => return err(format!("Unknown tab_id: {tab}")),
            }
        }
    };
    let Some(store) = ws.store() else {
        return err("No config dir: layouts cannot be saved in this session.");
    };
    match save_layout(&store.global, &name, &spec) {
        Ok(()) => ok(format!("Saved layout '{name}'.")),
        Err(e @ crate::store::StoreError::InvalidName { .. }) => {
            err(format!("Invalid layout name: {e}"))
        }
        Err(e) => err(format!("Could not save layout '{name}': {e}")),
    }
}

fn load_named(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let name = match str_arg(args, "name") {
        Ok(Some(n)) => n.to_owned(),
        Ok(None) => return err("name: missing (required)"),
        Err(e) => return err(e),
    };
    let (as_new, title, tab) = match (
        bool_arg(args, "as_new_tab", false),
        str_arg(args, "title"),
        str_arg(args, "tab_id"),
    ) {
        (Ok(a), Ok(t), Ok(tab)) => (a, t.map(str::to_owned), tab.map(str::to_owned)),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return err(e),
    };
    let spec = match load_any(ws.store().map(|s| &s.global), &name) {
        Ok(s) => s,
        Err(e) => return err(e.to_string()),
    };
    if as_new {
        let title = title.unwrap_or_else(|| name.clone());
        return match ws.add_tab(&title, Some(spec), true) {
            Ok((id, w)) => {
                ws.set_layout_name(&id, &name);
                with_warning(ok(format!("Loaded '{name}' into new tab {id}.")), w)
            }
            Err(e) => err(format!("add_tab failed: {e}")),
        };
    }
    let target = tab.unwrap_or_else(|| ws.active_id().to_owned());
    match ws.set_layout(Some(&target), spec) {
        Ok(w) => {
            ws.set_layout_name(&target, &name);
            with_warning(ok(format!("Loaded layout '{name}'.")), w)
        }
        Err(e) => err(format!("Apply error: {e}")),
    }
}

fn add_tab(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let title = match str_arg(args, "title") {
        Ok(Some(t)) if !t.trim().is_empty() => t.to_owned(),
        Ok(_) => {
            return json_err(
                "title_required",
                json!({"message": "title: a non-empty string is required"}),
            );
        }
        Err(e) => return json_err("title_required", json!({"message": e})),
    };
    let activate = match bool_arg(args, "activate", true) {
        Ok(a) => a,
        Err(e) => return json_err("invalid_argument", json!({"message": e})),
    };
    let mut loaded_name = None;
    let spec = match args.get("layout") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => match load_any(ws.store().map(|s| &s.global), name) {
            Ok(s) => {
                loaded_name = Some(name.clone());
                Some(s)
            }
            Err(e) => {
                return json_err(
                    "named_layout_not_found",
                    json!({"message": e.to_string(), "suggestion": "call list_layouts for the saved names"}),
                );
            }
        },
        Some(v @ Value::Object(_)) => match parse_spec(v) {
            Ok(s) => Some(s),
            Err(e) => {
                return json_err(
                    "invalid_layout",
                    json!({"message": format!("invalid layout: {}", prefixed(&e.to_string(), "layout"))}),
                );
            }
        },
        Some(_) => {
            return json_err(
                "invalid_layout",
                json!({"message": "layout: must be a LayoutSpec object or a saved layout name"}),
            );
        }
    };
    match ws.add_tab(&title, spec, activate) {
        Ok((id, w)) => {
            if let Some(n) = loaded_name {
                ws.set_layout_name(&id, &n);
            }
            with_warning(
                ok(json!({"tab_id": id, "title": title, "active": activate}).to_string()),
                w,
            )
        }
        Err(e) => json_err(
            "add_tab_failed",
            json!({"message": format!("add_tab failed: {e}")}),
        ),
    }
}

/// Errors inside an argument are reported with the argument as the path root.
fn prefixed(errors: &str, arg: &str) -> String {
    errors
        .split("; ")
        .map(|e| format!("{arg}.{e}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn tab_arg(args: &Value) -> Result<String, ToolOutcome> {
    match str_arg(args, "tab_id") {
        Ok(Some(t)) => Ok(t.to_owned()),
        Ok(None) | Err(_) => Err(json_err(
            "tab_id_required",
            json!({"message": "tab_id: a string is required"}),
        )),
    }
}

fn close_tab(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let id = match tab_arg(args) {
        Ok(i) => i,
        Err(o) => return o,
    };
    match ws.close_tab(&id) {
        Ok((new_active, w)) => with_warning(
            ok(json!({"closed": id, "new_active": new_active}).to_string()),
            w,
        ),
        Err(e) => {
            let mut extra = json!({"message": e.message(), "tab_id": id});
            if e.code() == "would_leave_no_chat" {
                extra["suggestion"] =
                    json!("add an OrchestratorChat panel to another tab first (set_layout)");
            }
            json_err(e.code(), extra)
        }
    }
}

fn switch_tab(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let id = match tab_arg(args) {
        Ok(i) => i,
        Err(o) => return o,
    };
    match ws.switch(&id) {
        Ok(w) => with_warning(ok(json!({"active": id}).to_string()), w),
        Err(_) => json_err("unknown_tab_id", json!({"tab_id": id})),
    }
}

fn rename_tab(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let id = match tab_arg(args) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let title = match str_arg(args, "title") {
        Ok(Some(t)) if !t.trim().is_empty() => t.trim().to_owned(),
        _ => {
            return json_err(
                "title_required",
                json!({"message": "title: a non-empty string is required"}),
            );
        }
    };
    if ws.tab(&id).is_none() {
        return json_err("unknown_tab_id", json!({"tab_id": id}));
    }
    match ws.rename(&id, &title) {
        Ok(w) => with_warning(ok(json!({"renamed": id, "title": title}).to_string()), w),
        Err(e) => json_err("rename_failed", json!({"message": e})),
    }
}

fn reorder_tabs(ws: &mut WorkspaceState, args: &Value) -> ToolOutcome {
    let given: Option<Vec<String>> = args
        .get("tab_ids")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect());
    let current: Vec<String> = ws.tabs().iter().map(|t| t.id.clone()).collect();
    let Some(given) = given else {
        return json_err(
            "tab_ids_required",
            json!({"message": "tab_ids: an array of strings is required", "current_ids": current}),
        );
    };
    if given == current {
        return ok(json!({"reordered": given, "noop": true}).to_string());
    }
    match ws.reorder(&given) {
        Ok(w) => with_warning(ok(json!({"reordered": given}).to_string()), w),
        Err(_) => json_err(
            "tab_ids_not_a_permutation",
            json!({"current_ids": current, "given_ids": given}),
        ),
    }
}

fn list_tabs(ws: &WorkspaceState) -> Value {
    let active = ws.active_id();
    Value::Array(
        ws.tabs()
            .iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "title": t.title,
                    "active": t.id == active,
                    "has_chat": t.layout.has_chat(),
                    "panel_ids": t.layout.panels().iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
