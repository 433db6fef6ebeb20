//! The App side of the keymap: the one dispatch for global chords, running actions, the help
//! overlay, action lines in the command bar, and the bind_key / unbind_key / list_bindings /
//! list_actions tools (bind/unbind persist to config.toml with a small synchronous atomic write).

use super::{App, Focus, Intent, WidgetKind};
use crate::core::ids::AgentId;
use crate::core::tool::ToolDef;
use crate::core::transcript::NoticeLevel;
use crate::store::GlobalPaths;
use crate::store::config::{load_config, save_config};
use crate::ui::action::{ACTIONS, Action, Dir};
use crate::ui::app::table_glue::PanelIntent;
use crate::ui::keymap::{self, BUILTIN, Chord, Context, Keymap, Source};
use crate::ui::layout::focus::Dir as LayoutDir;
use crate::ui::layout::solve::visible_panels;
use crate::ui::widgets::help::{HelpRow, HelpView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::{Value, json};

/// The live keymap and the help overlay's filter/scroll.
#[derive(Debug)]
pub(crate) struct KeysUi {
    pub map: Keymap,
    /// config.toml lives here; None in most tests (bindings then stay in memory).
    global: Option<GlobalPaths>,
    help_filter: String,
    help_scroll: usize,
}

impl Default for KeysUi {
    fn default() -> Self {
        Self {
            map: Keymap::defaults(),
            global: None,
            help_filter: String::new(),
            help_scroll: 0,
        }
    }
}

/// Load `[keys]` from config.toml; problems become startup warnings naming the line.
pub(crate) fn boot(app: &mut App, global: &GlobalPaths) {
    let (cfg, _) = load_config(global);
    let (map, warnings) = Keymap::with_overrides(&cfg.bindings);
    app.keys.map = map;
    app.keys.global = Some(global.clone());
    for w in warnings {
        app.app_notice(NoticeLevel::Warning, w);
    }
}

fn to_layout_dir(d: Dir) -> LayoutDir {
    match d {
        Dir::Left => LayoutDir::Left,
        Dir::Right => LayoutDir::Right,
        Dir::Up => LayoutDir::Up,
        Dir::Down => LayoutDir::Down,
    }
}

impl App {
    /// Keys before anything else: the help overlay takes all keys while open, and `quit`
    /// works everywhere (even in a terminal panel or an overlay).
    pub(super) fn keys_first(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if self.help {
            self.help_key(key);
            return Some(Vec::new());
        }
        let chord = Chord::of(&key);
        if chord.is_command() && self.keys.map.lookup(Context::Global, chord) == Some(&Action::Quit)
        {
            return Some(self.run_action(Action::Quit));
        }
        None
    }

    /// After the overlays had their turn: bindings of the focused context (they win over the
    /// widget's own keys, but plain keys never steal typing from an input), then global
    /// ctrl/alt/F-key chords, which fire even while an input has focus.
    pub(super) fn keys_command(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        let chord = Chord::of(&key);
        let ctx = self.focus_context();
        if ctx != Context::Global && (chord.is_command() || self.focused_input_idle()) {
            if let Some(action) = self.keys.map.lookup(ctx, chord).cloned() {
                return Some(self.run_action(action));
            }
            // A widget key the user unbound in this context never reaches the widget.
            if self.keys.map.unbound().contains(&(ctx, chord)) {
                return Some(Vec::new());
            }
        }
        if chord.is_command() && ctx != Context::Terminal {
            let action = self.keys.map.lookup(Context::Global, chord).cloned()?;
            return Some(self.run_action(action));
        }
        None
    }

    /// Plain global keys (`?`, `/`, Tab…) once the focused widget has ignored them.
    pub(super) fn keys_plain(&mut self, key: KeyEvent) -> Vec<Intent> {
        let chord = Chord::of(&key);
        match self.keys.map.lookup(Context::Global, chord).cloned() {
            Some(action) => self.run_action(action),
            None => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// True unless the focus is in a text input with text in it (plain keys then type).
    fn focused_input_idle(&mut self) -> bool {
        !matches!(self.focus, Focus::CommandBar { .. })
            && self.focused_input().is_none_or(|i| i.text().is_empty())
    }

    /// The context whose bindings apply now.
    pub(crate) fn focus_context(&self) -> Context {
        if self.help {
            return Context::Help;
        }
        self.context_under_help()
    }

    /// The context ignoring the help overlay (whose keys help lists first).
    fn context_under_help(&self) -> Context {
        if !self.permissions.is_empty() && !self.permission_hidden {
            return Context::Modal;
        }
        if self.permission_overlay() {
            return Context::Permissions;
        }
        if self.history_open() {
            return Context::History;
        }
        if self.spawn_dialog_open() {
            return Context::SpawnDialog;
        }
        match &self.focus {
            Focus::CommandBar { .. } => Context::CommandBar,
            Focus::Panel(id) => match self.widget_of(id) {
                WidgetKind::OrchestratorChat => Context::Chat,
                WidgetKind::AgentTable => Context::Table,
                WidgetKind::ActivityFeed => Context::Feed,
                WidgetKind::AgentTranscript => Context::Transcript,
                WidgetKind::Files => Context::Files,
                WidgetKind::Workspace => {
                    let terminal = self
                        .ws
                        .active_spec()
                        .panels()
                        .iter()
                        .any(|p| p.id == *id && p.widget == "Terminal");
                    if terminal {
                        Context::Terminal
                    } else {
                        Context::Workspace
                    }
                }
                WidgetKind::Other => Context::Global,
            },
        }
    }

    /// Run one action (from a key, the command bar or a test).
    pub(crate) fn run_action(&mut self, action: Action) -> Vec<Intent> {
        self.dirty = true;
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Intent::Quit];
            }
            Action::ShowHelp => {
                self.help = true;
                self.keys.help_filter.clear();
                self.keys.help_scroll = 0;
            }
            Action::FocusCommandBar(prefill) => {
                let back = self.focused_panel();
                self.focus = Focus::CommandBar { back };
                if let Some(p) = prefill
                    && self.command.text().is_empty()
                {
                    self.command.set_text(&p);
                }
            }
            Action::FocusOrchestrator => {
                let chat = visible_panels(self.ws.active_spec())
                    .iter()
                    .find(|p| p.widget == "OrchestratorChat")
                    .map(|p| p.id.clone());
                match chat {
                    Some(id) => self.focus = Focus::Panel(id),
                    None => self.app_notice(
                        NoticeLevel::Info,
                        "no orchestrator chat in this tab".to_owned(),
                    ),
                }
            }
            Action::FocusPanel(id) => {
                let ids: Vec<String> = visible_panels(self.ws.active_spec())
                    .iter()
                    .map(|p| p.id.clone())
                    .collect();
                if ids.contains(&id) {
                    self.focus = Focus::Panel(id);
                } else {
                    self.app_notice(
                        NoticeLevel::Warning,
                        format!("no panel {id:?} in this tab (panels: {})", ids.join(", ")),
                    );
                }
            }
            Action::CycleFocus { forward } => self.cycle_focus(forward),
            Action::Focus(d) => self.move_focus(to_layout_dir(d)),
            Action::Resize(d) => self.resize_focused(to_layout_dir(d)),
            Action::Zoom => self.lay.zoom = !self.lay.zoom,
            Action::ResetLayout => self.reset_tab(),
            Action::NewTab => self.open_new_tab_dialog(),
            Action::CloseTab => self.close_active_tab(),
            Action::SwitchTab(n) => {
                let i = n.saturating_sub(1) as usize;
                if let Some(id) = self.ws.tabs().get(i).map(|t| t.id.clone()) {
                    self.switch_to(&id);
                }
            }
            Action::NextTab => self.cycle_tab(true),
            Action::PrevTab => self.cycle_tab(false),
            Action::OpenLayoutSwitcher => self.open_layout_switcher(),
            Action::OpenThemeSwitcher => self.open_theme_switcher(),
            Action::OpenHistory => self.open_history(),
            Action::OpenPermissions => self.open_permissions_screen(),
            Action::ShowPermissionPrompt => self.permission_hidden = false,
            Action::InterruptAgent(name) => return self.interrupt_action(name.as_deref()),
            Action::ChangeCwd { path } => return self.change_cwd_action(path.as_deref()),
            Action::OpenInEditor => return self.open_in_editor_action(),
            Action::NewAgent(name) => self.open_spawn_dialog(name),
        }
        Vec::new()
    }

    fn interrupt_action(&mut self, name: Option<&str>) -> Vec<Intent> {
        let found = match name {
            None => self
                .agents
                .get(&AgentId::orchestrator())
                .map(|a| (a.id.clone(), a.name.clone())),
            Some(n) => self
                .agents
                .values()
                .find(|a| !a.archived && (a.name == n || a.id.as_str() == n))
                .map(|a| (a.id.clone(), a.name.clone())),
        };
        match found {
            Some((agent, name)) => vec![Intent::Panels(PanelIntent::Interrupt { agent, name })],
            None => {
                self.app_notice(
                    NoticeLevel::Warning,
                    format!("no agent named {:?}", name.unwrap_or("orchestrator")),
                );
                Vec::new()
            }
        }
    }

    /// A command bar line that names an action: `:name args` always (errors are shown and
    /// the line is kept), or a bare `name args` that parses completely (anything else is a
    /// message or slash command). None: not an action line.
    pub(super) fn run_action_line(&mut self, text: &str) -> Option<Vec<Intent>> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix(':') {
            return Some(match Action::parse(rest) {
                Ok(a) => self.run_action(a),
                Err(e) => {
                    self.command.set_text(text);
                    let back = self.focused_panel();
                    self.focus = Focus::CommandBar { back };
                    self.app_notice(NoticeLevel::Warning, e);
                    Vec::new()
                }
            });
        }
        let first = text.split_whitespace().next()?;
        crate::ui::action::spec(first)?;
        Action::parse(text).ok().map(|a| self.run_action(a))
    }

    fn help_key(&mut self, key: KeyEvent) {
        let k = &mut self.keys;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.help = false;
                k.help_filter.clear();
            }
            KeyCode::Char('?') if k.help_filter.is_empty() => self.help = false,
            KeyCode::Char('q') if k.help_filter.is_empty() => self.help = false,
            KeyCode::Up => k.help_scroll = k.help_scroll.saturating_sub(1),
            KeyCode::Down => k.help_scroll += 1,
            KeyCode::PageUp => k.help_scroll = k.help_scroll.saturating_sub(10),
            KeyCode::PageDown => k.help_scroll += 10,
            KeyCode::Home => k.help_scroll = 0,
            KeyCode::Backspace => {
                k.help_filter.pop();
                k.help_scroll = 0;
            }
            KeyCode::Char('u') if ctrl => k.help_filter.clear(),
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                k.help_filter.push(c);
                k.help_scroll = 0;
            }
            _ => {}
        }
    }

    /// The help rows: the focused context's own bindings and widget keys first, then global.
    pub(crate) fn help_rows(&self) -> Vec<HelpRow> {
        let ctx = self.context_under_help();
        let mut rows = Vec::new();
        let section = |c: Context, rows: &mut Vec<HelpRow>| {
            let mut body = group_bindings(&self.keys.map, c);
            body.extend(
                BUILTIN
                    .iter()
                    .filter(|(bc, _, _)| *bc == c)
                    .map(|(_, k, about)| HelpRow::key(k, about, "")),
            );
            if !body.is_empty() {
                rows.push(HelpRow::header(c.name()));
                rows.extend(body);
            }
        };
        if ctx != Context::Global {
            section(ctx, &mut rows);
        }
        section(Context::Global, &mut rows);
        rows
    }

    /// Draw the help overlay (when open).
    pub(super) fn render_help(&mut self, area: Rect, buf: &mut Buffer) {
        if !self.help {
            return;
        }
        let rows = self.help_rows();
        let theme = self.theme.clone();
        let view = HelpView {
            theme: &theme,
            rows: &rows,
            filter: &self.keys.help_filter,
            scroll: self.keys.help_scroll,
        };
        self.keys.help_scroll = view.render(area, buf);
    }

    /// An orchestrator tool call, if it is a key tool.
    pub(super) fn keys_ui_call(
        &mut self,
        call_id: u64,
        tool: &str,
        args: &Value,
    ) -> Option<Vec<Intent>> {
        let result = match tool {
            "bind_key" => self.tool_bind(args),
            "unbind_key" => self.tool_unbind(args),
            "list_bindings" => self.tool_list_bindings(args),
            "list_actions" => Ok(list_actions().to_string()),
            _ => return None,
        };
        self.dirty = true;
        Some(vec![Intent::UiReply { call_id, result }])
    }

    fn tool_context(args: &Value) -> Result<Context, String> {
        let ctx = Context::parse(
            args.get("context")
                .and_then(Value::as_str)
                .unwrap_or("global"),
        )?;
        if !ctx.bindable() {
            return Err(format!("the {} context takes no bindings", ctx.name()));
        }
        Ok(ctx)
    }

    fn tool_bind(&mut self, args: &Value) -> Result<String, String> {
        let key = str_arg(args, "key")?;
        let chord = Chord::parse(key)?;
        let context = Self::tool_context(args)?;
        let mut line = str_arg(args, "action")?.trim().to_owned();
        match args.get("args") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for v in items {
                    line.push(' ');
                    match v {
                        Value::String(s) => line.push_str(s),
                        Value::Number(n) => line.push_str(&n.to_string()),
                        other => return Err(format!("args: {other} is not a string or number")),
                    }
                }
            }
            Some(other) => return Err(format!("args must be an array, not {other}")),
        }
        let action = Action::parse(&line)?;
        let saved = self.edit_config(|entries, _| {
            keymap::edit_bind(entries, context, chord, &action);
            Ok(())
        })?;
        Ok(json!({
            "bound": chord.to_string(),
            "context": context.name(),
            "action": action.to_string(),
            "saved": saved,
        })
        .to_string())
    }

    fn tool_unbind(&mut self, args: &Value) -> Result<String, String> {
        let chord = Chord::parse(str_arg(args, "key")?)?;
        let context = Self::tool_context(args)?;
        let saved =
            self.edit_config(|entries, live| keymap::edit_unbind(entries, live, context, chord))?;
        Ok(
            json!({"unbound": chord.to_string(), "context": context.name(), "saved": saved})
                .to_string(),
        )
    }

    /// Apply an edit to the `[keys]` entries, rebuild the keymap and save config.toml.
    /// Returns whether it was saved (false without a config dir).
    fn edit_config(
        &mut self,
        edit: impl FnOnce(&mut Vec<crate::store::config::KeyBinding>, &Keymap) -> Result<(), String>,
    ) -> Result<bool, String> {
        let Some(global) = self.keys.global.clone() else {
            // No config dir (tests): keep the overrides in memory only.
            let mut entries = self.session_entries();
            edit(&mut entries, &self.keys.map)?;
            self.keys.map = Keymap::with_overrides(&entries).0;
            return Ok(false);
        };
        let (mut cfg, warnings) = load_config(&global);
        if !warnings.is_empty() {
            return Err(format!(
                "config.toml has problems ({}); fix them first (saving would drop what could not be read)",
                warnings.join("; ")
            ));
        }
        edit(&mut cfg.bindings, &self.keys.map)?;
        save_config(&global, &cfg).map_err(|e| format!("config.toml not saved: {e}"))?;
        self.keys.map = Keymap::with_overrides(&cfg.bindings).0;
        Ok(true)
    }

    /// The user overrides of the live map as config entries (for the in-memory path).
    fn session_entries(&self) -> Vec<crate::store::config::KeyBinding> {
        let mut out: Vec<_> = self
            .keys
            .map
            .unbound()
            .iter()
            .map(|(c, k)| crate::store::config::KeyBinding {
                context: c.name().to_owned(),
                key: k.to_string(),
                action: "unbind".to_owned(),
                line: 0,
            })
            .collect();
        out.extend(
            self.keys
                .map
                .all()
                .iter()
                .filter(|b| b.source == Source::User)
                .map(|b| crate::store::config::KeyBinding {
                    context: b.context.name().to_owned(),
                    key: b.chord.to_string(),
                    action: b.action.to_string(),
                    line: 0,
                }),
        );
        out
    }

    fn tool_list_bindings(&self, args: &Value) -> Result<String, String> {
        let only = match args.get("context").and_then(Value::as_str) {
            Some(c) => Some(Context::parse(c)?),
            None => None,
        };
        let mut out = Vec::new();
        for &c in Context::ALL {
            if only.is_some_and(|o| o != c) {
                continue;
            }
            for b in self.keys.map.in_context(c) {
                out.push(json!({
                    "context": c.name(),
                    "key": b.chord.to_string(),
                    "action": b.action.to_string(),
                    "source": if b.source == Source::User { "user" } else { "default" },
                }));
            }
            for (bc, k, about) in BUILTIN {
                if *bc == c {
                    out.push(
                        json!({"context": c.name(), "key": k, "widget": about, "source": "widget"}),
                    );
                }
            }
        }
        let unbound: Vec<Value> = self
            .keys
            .map
            .unbound()
            .iter()
            .filter(|(c, _)| only.is_none_or(|o| o == *c))
            .map(|(c, k)| json!({"context": c.name(), "key": k.to_string()}))
            .collect();
        Ok(json!({"bindings": out, "unbound": unbound}).to_string())
    }
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, String> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string argument {key:?}"))
}

/// `list_actions` as JSON: name, about, args with their types.
pub(crate) fn list_actions() -> Value {
    Value::Array(
        ACTIONS
            .iter()
            .map(|a| {
                json!({
                    "name": a.name,
                    "about": a.about,
                    "usage": a.usage(),
                    "args": a.args.iter().map(|x| json!({
                        "name": x.name,
                        "type": x.kind.describe(),
                        "required": x.required,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Help rows for one context's action bindings, chords of one action grouped on one row
/// (`ctrl-alt-arrows`, `alt-1..9`).
fn group_bindings(map: &Keymap, ctx: Context) -> Vec<HelpRow> {
    let mut groups: Vec<(String, &'static str, Vec<Chord>)> = Vec::new();
    for b in map.in_context(ctx) {
        let key = match &b.action {
            Action::Focus(_) | Action::Resize(_) | Action::SwitchTab(_) => {
                b.action.name().to_owned()
            }
            other => other.to_string(),
        };
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2.push(b.chord),
            None => groups.push((key, b.action.about(), vec![b.chord])),
        }
    }
    groups
        .into_iter()
        .map(|(action, about, chords)| HelpRow::key(&chord_list(&chords), about, &action))
        .collect()
}

fn chord_list(chords: &[Chord]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut done = vec![false; chords.len()];
    for (i, c) in chords.iter().enumerate() {
        if done[i] {
            continue;
        }
        let same: Vec<usize> = (0..chords.len())
            .filter(|&j| !done[j] && chords[j].mods == c.mods)
            .collect();
        let codes: Vec<KeyCode> = same.iter().map(|&j| chords[j].code).collect();
        let arrows = [KeyCode::Left, KeyCode::Right, KeyCode::Up, KeyCode::Down];
        let digits: Vec<KeyCode> = ('1'..='9').map(KeyCode::Char).collect();
        let prefix = Chord::new(KeyCode::Char('x'), c.mods).to_string();
        let prefix = prefix.trim_end_matches('x');
        if arrows.iter().all(|a| codes.contains(a)) {
            parts.push(format!("{prefix}arrows"));
        } else if digits.iter().all(|d| codes.contains(d)) {
            parts.push(format!("{prefix}1..9"));
        } else {
            parts.push(c.to_string());
            done[i] = true;
            continue;
        }
        for j in same {
            done[j] = true;
        }
    }
    parts.join(" / ")
}

/// The key tools' definitions (registered in `ui::tools`).
pub(crate) fn tool_defs() -> Vec<ToolDef> {
    let contexts: Vec<&str> = Context::ALL
        .iter()
        .filter(|c| c.bindable())
        .map(|c| c.name())
        .collect();
    let key = json!({"type": "string", "description": "Key chord: ctrl-h, alt-shift-left, ctrl-\\, f5, ?, G (shift-g), shift-tab, pageup…"});
    let context = json!({"type": "string", "enum": contexts, "description": "Where the binding applies (default global). A context binding wins over that panel's own keys while it has focus."});
    let def = |n: &str, d: &str, props: Value, required: &[&str]| ToolDef {
        name: n.to_owned(),
        description: d.to_owned(),
        input_schema: json!({
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": false,
        }),
    };
    vec![
        def(
            "bind_key",
            "Bind a key to an action (see list_actions), saved in config.toml [keys] so it survives restarts. Replaces what the key did in that context.",
            json!({
                "key": key,
                "action": {"type": "string", "description": "Action name, optionally with its args (\"focus_panel agents\")."},
                "args": {"type": "array", "items": {"type": ["string", "integer"]}, "description": "Args appended to the action (alternative to writing them in action)."},
                "context": context,
            }),
            &["key", "action"],
        ),
        def(
            "unbind_key",
            "Remove a binding; removing a built-in default is saved as an explicit unbind, so it stays removed after a restart.",
            json!({"key": key, "context": context}),
            &["key"],
        ),
        def(
            "list_bindings",
            "The live key bindings (defaults and user), widget keys per context, and removed defaults.",
            json!({"context": {"type": "string", "enum": Context::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(), "description": "Only this context."}}),
            &[],
        ),
        def(
            "list_actions",
            "Every action a key or the command bar can run, with its args and their types.",
            json!({}),
            &[],
        ),
    ]
}

#[cfg(test)]
mod tests;
