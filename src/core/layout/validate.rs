//! LayoutSpec and Workspace validation: every error names the JSON path it is about
//! (`layout.children[1].size: "120%" exceeds 100%`).

use super::{LayoutSpec, Node, Panel, Split, Tabs, Workspace};
use crate::core::widget::{self, PropType};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// One problem in a spec, at a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    /// `layout.children[1].size` (empty for the document itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutErrors(pub Vec<LayoutError>);

impl fmt::Display for LayoutErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LayoutErrors {}

impl LayoutErrors {
    /// A single error.
    pub fn one(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![LayoutError {
            path: path.into(),
            message: message.into(),
        }])
    }
}

/// A parsed `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeSpec {
    /// `"30%"` of the parent's main axis (1..=100).
    Percent(u16),
    /// `"20"`: fixed cells (>= 1).
    Cells(u16),
}

/// Parse a size string; the error says what is wrong (without the path).
pub fn parse_size(s: &str) -> Result<SizeSpec, String> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        let n: u32 = p.trim().parse().map_err(|_| {
            format!("{s:?} is not a size (use \"30%\", \"20\" for fixed cells, or omit it)")
        })?;
        return match n {
            0 => Err(format!("{s:?} must be at least 1%")),
            101.. => Err(format!("{s:?} exceeds 100%")),
            n => Ok(SizeSpec::Percent(n as u16)),
        };
    }
    match t.parse::<u32>() {
        Ok(0) => Err(format!("{s:?} must be at least 1 cell")),
        Ok(n) if n > 1000 => Err(format!("{s:?} is more than 1000 cells")),
        Ok(n) => Ok(SizeSpec::Cells(n as u16)),
        Err(_) => Err(format!(
            "{s:?} is not a size (use \"30%\", \"20\" for fixed cells, or omit it)"
        )),
    }
}

struct Errs(Vec<LayoutError>);

impl Errs {
    fn push(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(LayoutError {
            path: path.to_owned(),
            message: message.into(),
        });
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

// ---------------------------------------------------------------- structural (JSON) walk

fn check_keys(v: &Map<String, Value>, path: &str, allowed: &[&str], what: &str, e: &mut Errs) {
    for k in v.keys() {
        if !allowed.contains(&k.as_str()) {
            e.push(
                &join(path, k),
                format!("unknown key in {what} (allowed: {})", allowed.join(", ")),
            );
        }
    }
}

fn want_string(v: &Map<String, Value>, key: &str, path: &str, required: bool, e: &mut Errs) {
    match v.get(key) {
        None if required => e.push(&join(path, key), "missing (required)"),
        None | Some(Value::String(_)) => {}
        Some(_) => e.push(&join(path, key), "must be a string"),
    }
}

fn walk_node(v: &Value, path: &str, in_tabs: bool, e: &mut Errs) {
    let Some(obj) = v.as_object() else {
        e.push(path, "must be an object (a panel, a split or tabs)");
        return;
    };
    match obj.get("type") {
        None => {
            check_keys(
                obj,
                path,
                &["id", "widget", "props", "size", "title"],
                "a panel",
                e,
            );
            want_string(obj, "id", path, true, e);
            want_string(obj, "widget", path, true, e);
            want_string(obj, "size", path, false, e);
            want_string(obj, "title", path, false, e);
            if obj.get("props").is_some_and(|p| !p.is_object()) {
                e.push(&join(path, "props"), "must be an object");
            }
        }
        Some(_) if in_tabs => e.push(path, "tabs can only hold panels (no nested splits or tabs)"),
        Some(Value::String(t)) if t == "horizontal" || t == "vertical" || t == "tabs" => {
            let tabs = t == "tabs";
            let allowed: &[&str] = if tabs {
                &["type", "size", "children", "active"]
            } else {
                &["type", "size", "children"]
            };
            check_keys(obj, path, allowed, if tabs { "tabs" } else { "a split" }, e);
            want_string(obj, "size", path, false, e);
            if tabs {
                want_string(obj, "active", path, false, e);
            }
            let cpath = join(path, "children");
            match obj.get("children") {
                None => e.push(&cpath, "missing (required)"),
                Some(Value::Array(a)) if a.is_empty() => {
                    e.push(&cpath, "needs at least one child");
                }
                Some(Value::Array(a)) => {
                    for (i, c) in a.iter().enumerate() {
                        walk_node(c, &format!("{cpath}[{i}]"), tabs, e);
                    }
                }
                Some(_) => e.push(&cpath, "must be an array"),
            }
        }
        Some(t) => e.push(
            &join(path, "type"),
            format!("{t} is not a node type (use \"horizontal\", \"vertical\" or \"tabs\"; panels have no type)"),
        ),
    }
}

fn walk_spec(v: &Value, prefix: &str, e: &mut Errs) {
    let Some(obj) = v.as_object() else {
        e.push(prefix, "a layout spec must be an object");
        return;
    };
    check_keys(
        obj,
        prefix,
        &["version", "layout", "focus"],
        "a layout spec",
        e,
    );
    if let Some(ver) = obj.get("version")
        && ver.as_u64() != Some(1)
    {
        e.push(
            &join(prefix, "version"),
            format!("{ver} is not supported (use 1)"),
        );
    }
    match obj.get("focus") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => e.push(&join(prefix, "focus"), "must be a panel id (string)"),
    }
    match obj.get("layout") {
        Some(l) => walk_node(l, &join(prefix, "layout"), false, e),
        None => e.push(&join(prefix, "layout"), "missing (required)"),
    }
}

/// Parse and validate a LayoutSpec from JSON: shape first (unknown keys, types), then meaning.
pub fn parse_spec(v: &Value) -> Result<LayoutSpec, LayoutErrors> {
    parse_spec_at(v, "")
}

fn parse_spec_at(v: &Value, prefix: &str) -> Result<LayoutSpec, LayoutErrors> {
    let mut e = Errs(Vec::new());
    walk_spec(v, prefix, &mut e);
    if !e.0.is_empty() {
        return Err(LayoutErrors(e.0));
    }
    let spec: LayoutSpec = serde_json::from_value(v.clone())
        .map_err(|err| LayoutErrors::one(prefix, err.to_string()))?;
    validate_spec_at(&spec, prefix, &mut e);
    if e.0.is_empty() {
        Ok(spec)
    } else {
        Err(LayoutErrors(e.0))
    }
}

/// Parse and validate `workspace.json` content.
pub fn parse_workspace(v: &Value) -> Result<Workspace, LayoutErrors> {
    parse_workspace_inner(v, false).map(|(ws, _)| ws)
}

/// Parse `workspace.json` content, first repairing sibling percentages that do not add up
/// (`ops::repair_percentages`); returns one line per repair
/// (`tabs[0].layout.layout.children: sizes added up to 120%, scaled to 100%`).
pub fn parse_workspace_repairing(v: &Value) -> Result<(Workspace, Vec<String>), LayoutErrors> {
    parse_workspace_inner(v, true)
}

fn parse_workspace_inner(
    v: &Value,
    repair: bool,
) -> Result<(Workspace, Vec<String>), LayoutErrors> {
    let mut e = Errs(Vec::new());
    let Some(obj) = v.as_object() else {
        return Err(LayoutErrors::one("", "a workspace must be an object"));
    };
    check_keys(
        obj,
        "",
        &["version", "tabs", "active", "active_theme"],
        "the workspace",
        &mut e,
    );
    want_string(obj, "active", "", true, &mut e);
    match obj.get("tabs") {
        Some(Value::Array(tabs)) => {
            for (i, t) in tabs.iter().enumerate() {
                let path = format!("tabs[{i}]");
                let Some(to) = t.as_object() else {
                    e.push(&path, "must be an object");
                    continue;
                };
                check_keys(to, &path, &["id", "title", "layout"], "a tab", &mut e);
                want_string(to, "id", &path, true, &mut e);
                want_string(to, "title", &path, true, &mut e);
                match to.get("layout") {
                    Some(l) => walk_spec(l, &join(&path, "layout"), &mut e),
                    None => e.push(&join(&path, "layout"), "missing (required)"),
                }
            }
        }
        Some(_) => e.push("tabs", "must be an array"),
        None => e.push("tabs", "missing (required)"),
    }
    if !e.0.is_empty() {
        return Err(LayoutErrors(e.0));
    }
    let mut ws: Workspace =
        serde_json::from_value(v.clone()).map_err(|err| LayoutErrors::one("", err.to_string()))?;
    let mut repairs = Vec::new();
    if repair {
        for (i, t) in ws.tabs.iter_mut().enumerate() {
            for r in super::ops::repair_percentages(&mut t.layout) {
                repairs.push(format!(
                    "tabs[{i}].layout.{}: sizes added up to {}%, scaled to {}%",
                    r.path, r.was, r.now
                ));
            }
        }
    }
    validate_workspace(&ws)?;
    Ok((ws, repairs))
}

// ---------------------------------------------------------------- semantic checks

/// Check a spec's meaning: ids, widgets and props, sizes, tabs, the chat limit, focus.
pub fn validate_spec(spec: &LayoutSpec) -> Result<(), LayoutErrors> {
    let mut e = Errs(Vec::new());
    validate_spec_at(spec, "", &mut e);
    if e.0.is_empty() {
        Ok(())
    } else {
        Err(LayoutErrors(e.0))
    }
}

struct SpecCheck<'a> {
    ids: HashMap<&'a str, String>,
    chat: Option<String>,
}

fn validate_spec_at(spec: &LayoutSpec, prefix: &str, e: &mut Errs) {
    let mut c = SpecCheck {
        ids: HashMap::new(),
        chat: None,
    };
    check_node(&spec.layout, &join(prefix, "layout"), &mut c, e);
    if let Some(f) = &spec.focus
        && !c.ids.contains_key(f.as_str())
    {
        e.push(&join(prefix, "focus"), format!("no panel has id {f:?}"));
    }
}

fn check_size(size: Option<&str>, path: &str, e: &mut Errs) -> Option<SizeSpec> {
    let s = size?;
    match parse_size(s) {
        Ok(sz) => Some(sz),
        Err(m) => {
            e.push(&join(path, "size"), m);
            None
        }
    }
}

fn check_node<'a>(n: &'a Node, path: &str, c: &mut SpecCheck<'a>, e: &mut Errs) {
    match n {
        Node::Panel(p) => check_panel(p, path, c, e),
        Node::Split(Split { children, .. }) => {
            let cpath = join(path, "children");
            if children.is_empty() {
                e.push(&cpath, "needs at least one child");
            }
            let mut pct = 0u32;
            for (i, ch) in children.iter().enumerate() {
                let p = format!("{cpath}[{i}]");
                if let Some(SizeSpec::Percent(x)) = check_size(ch.size(), &p, e) {
                    pct += u32::from(x);
                }
                check_node(ch, &p, c, e);
            }
            if pct > 100 {
                e.push(&cpath, format!("sizes add up to {pct}%, more than 100%"));
            }
        }
        Node::Tabs(Tabs {
            children, active, ..
        }) => {
            let cpath = join(path, "children");
            if children.is_empty() {
                e.push(&cpath, "needs at least one child");
            }
            for (i, p) in children.iter().enumerate() {
                let pp = format!("{cpath}[{i}]");
                check_size(p.size.as_deref(), &pp, e);
                check_panel(p, &pp, c, e);
            }
            if let Some(a) = active
                && !children.iter().any(|p| &p.id == a)
            {
                let ids: Vec<&str> = children.iter().map(|p| p.id.as_str()).collect();
                e.push(
                    &join(path, "active"),
                    format!("{a:?} is not one of the tab's panels ({})", ids.join(", ")),
                );
            }
        }
    }
    if let Node::Split(_) | Node::Tabs(_) = n {
        // The node's own size is checked by its parent (or ignored at the root, but its
        // syntax still matters).
        if !path.ends_with(']') {
            check_size(n.size(), path, e);
        }
    }
}

fn check_panel<'a>(p: &'a Panel, path: &str, c: &mut SpecCheck<'a>, e: &mut Errs) {
    let id_path = join(path, "id");
    if p.id.trim().is_empty() {
        e.push(&id_path, "must not be empty");
    } else if let Some(first) = c.ids.get(p.id.as_str()) {
        e.push(
            &id_path,
            format!("duplicate panel id {:?} (also at {first})", p.id),
        );
    } else {
        c.ids.insert(&p.id, id_path);
    }
    if !path.ends_with(']') {
        check_size(p.size.as_deref(), path, e);
    }
    let wpath = join(path, "widget");
    let Some(info) = widget::widget(&p.widget) else {
        e.push(
            &wpath,
            format!(
                "unknown widget {:?} (known: {})",
                p.widget,
                widget::widget_names()
            ),
        );
        return;
    };
    if p.widget == "OrchestratorChat" {
        match &c.chat {
            Some(first) => e.push(
                &wpath,
                format!("a second OrchestratorChat (the first is at {first}); a layout may hold at most one"),
            ),
            None => c.chat = Some(path.to_owned()),
        }
    }
    let ppath = join(path, "props");
    for (k, v) in &p.props {
        match info.props.iter().find(|d| d.name == k.as_str()) {
            None => {
                let known: Vec<&str> = info.props.iter().map(|d| d.name).collect();
                e.push(
                    &join(&ppath, k),
                    if known.is_empty() {
                        format!("{} takes no props", info.name)
                    } else {
                        format!(
                            "{} has no prop {k:?} (props: {})",
                            info.name,
                            known.join(", ")
                        )
                    },
                );
            }
            Some(d) if !d.ty.accepts(v) => {
                e.push(&join(&ppath, k), format!("must be {}", article(d.ty)));
            }
            Some(_) => {}
        }
    }
    for d in info.props.iter().filter(|d| d.required) {
        if !p.props.contains_key(d.name) {
            e.push(
                &ppath,
                format!(
                    "{} needs the prop {:?} ({})",
                    info.name,
                    d.name,
                    d.ty.name()
                ),
            );
        }
    }
}

fn article(t: PropType) -> String {
    match t {
        PropType::Integer => "an integer".to_owned(),
        PropType::Number | PropType::Bool => format!("a {}", t.name()),
        PropType::String => "a string".to_owned(),
        PropType::StringArray => "an array of strings".to_owned(),
        PropType::StringMap => "an object of strings".to_owned(),
    }
}

/// Check the workspace invariants: at least one tab, unique non-empty tab ids, `active`
/// names a tab, every tab's layout valid, and at least one OrchestratorChat overall.
pub fn validate_workspace(ws: &Workspace) -> Result<(), LayoutErrors> {
    let mut e = Errs(Vec::new());
    if ws.tabs.is_empty() {
        e.push("tabs", "a workspace needs at least one tab");
    }
    let mut seen = HashSet::new();
    for (i, t) in ws.tabs.iter().enumerate() {
        let path = format!("tabs[{i}]");
        if t.id.trim().is_empty() {
            e.push(&join(&path, "id"), "must not be empty");
        } else if !seen.insert(t.id.as_str()) {
            e.push(&join(&path, "id"), format!("duplicate tab id {:?}", t.id));
        }
        if t.title.trim().is_empty() {
            e.push(&join(&path, "title"), "must not be empty");
        }
        validate_spec_at(&t.layout, &join(&path, "layout"), &mut e);
    }
    if !ws.tabs.is_empty() && !ws.tabs.iter().any(|t| t.id == ws.active) {
        e.push("active", format!("no tab has id {:?}", ws.active));
    }
    if !ws.tabs.is_empty() && !ws.tabs.iter().any(|t| t.layout.has_chat()) {
        e.push(
            "tabs",
            "no tab has an OrchestratorChat; the workspace needs at least one",
        );
    }
    if e.0.is_empty() {
        Ok(())
    } else {
        Err(LayoutErrors(e.0))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> String {
        parse_spec(&v).map(|_| ()).unwrap_err().to_string()
    }

    fn p(id: &str, widget: &str) -> Value {
        json!({"id": id, "widget": widget})
    }

    #[test]
    fn valid_specs_parse() {
        let dash = serde_json::to_value(LayoutSpec::dashboard()).unwrap();
        assert_eq!(parse_spec(&dash).unwrap(), LayoutSpec::dashboard());
        let v = json!({"layout": {"type": "vertical", "children": [
            {"id": "orch", "widget": "OrchestratorChat", "size": "30%"},
            {"type": "tabs", "size": "10", "active": "b", "children": [
                p("a", "AgentTable"), {"id": "b", "widget": "FileTree", "props": {"path": "src"}}
            ]},
            p("c", "ActivityFeed")
        ]}, "focus": "b"});
        let spec = parse_spec(&v).unwrap();
        assert_eq!(spec.version, 1);
        assert_eq!(spec.panels().len(), 4);
    }

    #[test]
    fn every_error_names_its_path() {
        let chat = p("orch", "OrchestratorChat");
        let cases: Vec<(Value, &str)> = vec![
            (json!([]), "a layout spec must be an object"),
            (
                json!({"layout": chat, "colour": 1}),
                "colour: unknown key in a layout spec",
            ),
            (
                json!({"layout": chat, "version": 2}),
                "version: 2 is not supported",
            ),
            (json!({"version": 1}), "layout: missing (required)"),
            (
                json!({"layout": chat, "focus": 3}),
                "focus: must be a panel id",
            ),
            (
                json!({"layout": {"id": "a", "widget": "AgentTable", "colour": "red"}}),
                "layout.colour: unknown key in a panel (allowed: id, widget, props, size, title)",
            ),
            (
                json!({"layout": {"widget": "AgentTable"}}),
                "layout.id: missing (required)",
            ),
            (
                json!({"layout": {"id": 4, "widget": "AgentTable"}}),
                "layout.id: must be a string",
            ),
            (
                json!({"layout": {"id": "a", "widget": "AgentTable", "props": []}}),
                "layout.props: must be an object",
            ),
            (
                json!({"layout": {"id": "a", "widget": "AgentTable", "size": 30}}),
                "layout.size: must be a string",
            ),
            (
                json!({"layout": {"type": "diagonal", "children": [chat]}}),
                "layout.type: \"diagonal\" is not a node type",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": []}}),
                "layout.children: needs at least one child",
            ),
            (
                json!({"layout": {"type": "horizontal"}}),
                "layout.children: missing (required)",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat], "active": "x"}}),
                "layout.active: unknown key in a split",
            ),
            (
                json!({"layout": {"type": "tabs", "children": [{"type": "vertical", "children": [chat]}]}}),
                "layout.children[0]: tabs can only hold panels",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, {"id": "b", "widget": "AgentTable", "size": "120%"}]}}),
                "layout.children[1].size: \"120%\" exceeds 100%",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, {"id": "b", "widget": "AgentTable", "size": "abc"}]}}),
                "layout.children[1].size: \"abc\" is not a size",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, {"id": "b", "widget": "AgentTable", "size": "0"}]}}),
                "layout.children[1].size: \"0\" must be at least 1 cell",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, {"id": "b", "widget": "AgentTable", "size": "0%"}]}}),
                "must be at least 1%",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [
                    {"id": "orch", "widget": "OrchestratorChat", "size": "70%"},
                    {"type": "vertical", "size": "50%", "children": [p("b", "AgentTable")]}]}}),
                "layout.children: sizes add up to 120%, more than 100%",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, p("orch", "AgentTable")]}}),
                "layout.children[1].id: duplicate panel id \"orch\" (also at layout.children[0].id)",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, p("b", "Clock")]}}),
                "layout.children[1].widget: unknown widget \"Clock\" (known: OrchestratorChat,",
            ),
            (
                json!({"layout": {"type": "horizontal", "children": [chat, p("b", "OrchestratorChat")]}}),
                "layout.children[1].widget: a second OrchestratorChat (the first is at layout.children[0])",
            ),
            (
                json!({"layout": {"type": "tabs", "active": "zz", "children": [chat]}}),
                "layout.active: \"zz\" is not one of the tab's panels (orch)",
            ),
            (
                json!({"layout": chat, "focus": "nope"}),
                "focus: no panel has id \"nope\"",
            ),
            (
                json!({"layout": {"id": "a", "widget": "AgentTable", "props": {"x": 1}}}),
                "layout.props.x: AgentTable takes no props",
            ),
            (
                json!({"layout": {"id": "a", "widget": "LogTail"}}),
                "layout.props: LogTail needs the prop \"path\" (string)",
            ),
            (
                json!({"layout": {"id": "a", "widget": "FileTree", "props": {"path": 3}}}),
                "layout.props.path: must be a string",
            ),
            (
                json!({"layout": {"id": "a", "widget": "LogTail", "props": {"path": "x", "lines": "9"}}}),
                "layout.props.lines: must be an integer",
            ),
            (
                json!({"layout": {"id": "a", "widget": "FileTree", "props": {"path": "s", "depth": 2}}}),
                "layout.props.depth: FileTree has no prop \"depth\" (props: path)",
            ),
            (
                json!({"layout": {"id": " ", "widget": "AgentTable"}}),
                "layout.id: must not be empty",
            ),
        ];
        for (v, want) in cases {
            let got = err(v.clone());
            assert!(got.contains(want), "for {v}\n want: {want}\n  got: {got}");
        }
    }

    #[test]
    fn all_errors_are_reported_together() {
        let v = json!({"layout": {"type": "horizontal", "children": [
            {"id": "a", "widget": "Nope", "size": "200%"},
            {"id": "a", "widget": "AgentTable"}]}});
        let e = parse_spec(&v).unwrap_err();
        assert_eq!(e.0.len(), 3, "{e}");
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("30%"), Ok(SizeSpec::Percent(30)));
        assert_eq!(parse_size(" 100% "), Ok(SizeSpec::Percent(100)));
        assert_eq!(parse_size("20"), Ok(SizeSpec::Cells(20)));
        assert!(parse_size("1fr").is_err());
        assert!(parse_size("-3").is_err());
        assert!(parse_size("5000").is_err());
    }

    #[test]
    fn workspace_invariants() {
        let ok = Workspace::seed();
        validate_workspace(&ok).unwrap();
        let v = serde_json::to_value(&ok).unwrap();
        assert_eq!(parse_workspace(&v).unwrap(), ok);

        let mut no_chat = ok.clone();
        no_chat.tabs[0].layout = LayoutSpec::seed(true);
        let e = validate_workspace(&no_chat).unwrap_err().to_string();
        assert!(e.contains("tabs: no tab has an OrchestratorChat"), "{e}");

        let mut dup = ok.clone();
        dup.tabs.push(dup.tabs[0].clone());
        let e = validate_workspace(&dup).unwrap_err().to_string();
        assert!(
            e.contains("tabs[1].id: duplicate tab id \"default\""),
            "{e}"
        );

        let mut bad_active = ok.clone();
        bad_active.active = "zz".into();
        let e = validate_workspace(&bad_active).unwrap_err().to_string();
        assert!(e.contains("active: no tab has id \"zz\""), "{e}");

        let mut empty = ok.clone();
        empty.tabs.clear();
        let e = validate_workspace(&empty).unwrap_err().to_string();
        assert!(
            e.contains("tabs: a workspace needs at least one tab"),
            "{e}"
        );

        let mut v = serde_json::to_value(&ok).unwrap();
        v["tabs"][0]["layout"]["layout"]["children"][0]["size"] = json!("120%");
        let e = parse_workspace(&v).unwrap_err().to_string();
        assert!(
            e.contains("tabs[0].layout.layout.children[0].size: \"120%\" exceeds 100%"),
            "{e}"
        );
        v["tabs"][0]["extra"] = json!(1);
        let e = parse_workspace(&v).unwrap_err().to_string();
        assert!(e.contains("tabs[0].extra: unknown key in a tab"), "{e}");
    }
}
