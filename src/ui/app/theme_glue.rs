//! The App's theme side: boot resolution (project → global → dark), the switcher overlay with
//! live preview, persisting the choice (config `ui.theme` or the workspace), the final paint
//! pass, and the orchestrator's theme tools (set/save/load/list/get_theme).

use super::{App, Intent};
use crate::core::theme::{ColourDepth, ThemeScope, ThemeSpec, default_spec, detect_depth, resolve};
use crate::core::tool::ToolDef;
use crate::core::transcript::NoticeLevel;
use crate::store::GlobalPaths;
use crate::store::config::{ConfigValue, load_config, save_config};
use crate::store::themes::{list_themes, load_theme, save_theme};
use crate::ui::render::theme::Theme;
use crate::ui::widgets::theme_switcher::{
    SaveScope, SwitcherEntry, SwitcherOutcome, ThemeSwitcher,
};
use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Value, json};

/// Theme state kept by the App.
#[derive(Debug)]
pub(crate) struct ThemeUi {
    /// Name of the active theme.
    pub name: String,
    /// Where it was chosen.
    pub scope: ThemeScope,
    /// Its spec (for `get_theme`).
    pub spec: ThemeSpec,
    /// The terminal's colour depth.
    pub depth: ColourDepth,
    /// The config dir (user themes, config.toml); none in most tests.
    pub global: Option<GlobalPaths>,
    /// The open switcher and the theme to restore on Esc.
    switcher: Option<(ThemeSwitcher, Theme)>,
}

impl Default for ThemeUi {
    fn default() -> Self {
        Self {
            name: crate::core::theme::DEFAULT_THEME.to_owned(),
            scope: ThemeScope::Default,
            spec: default_spec(),
            depth: ColourDepth::TrueColor,
            global: None,
            switcher: None,
        }
    }
}

/// Boot: detect the colour depth, read `ui.theme` and resolve the theme for `app`'s workspace.
pub(crate) fn boot(app: &mut App, global: &GlobalPaths) {
    let env = |k: &str| std::env::var(k).ok();
    let depth = detect_depth(
        env("PATCHFELD_COLORS").as_deref(),
        env("COLORTERM").as_deref(),
        env("TERM").as_deref(),
    );
    let configured = load_config(global).0.theme().to_owned();
    app.theme_boot(Some(global.clone()), Some(configured), depth);
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

impl App {
    /// Resolve and apply the theme (project → `global_theme` → dark); failures become warnings.
    /// Call again after the workspace is re-rooted.
    pub(crate) fn theme_boot(
        &mut self,
        global: Option<GlobalPaths>,
        global_theme: Option<String>,
        depth: ColourDepth,
    ) {
        self.themes.global = global;
        self.themes.depth = depth;
        let project = self.ws.project_theme().map(str::to_owned);
        let store = self.themes.global.clone();
        let r = resolve(project.as_deref(), global_theme.as_deref(), |n| {
            load_theme(store.as_ref(), n).map_err(|e| e.to_string())
        });
        for w in r.warnings {
            self.app_notice(NoticeLevel::Warning, format!("{w}; falling back"));
        }
        self.set_active_theme(r.name, r.spec, r.scope);
    }

    fn set_active_theme(&mut self, name: String, spec: ThemeSpec, scope: ThemeScope) {
        self.theme = Theme::from_spec(&spec, self.themes.depth);
        self.themes.name = name;
        self.themes.spec = spec;
        self.themes.scope = scope;
        self.dirty = true;
    }

    /// The active theme's name and scope (tests, status).
    #[cfg(test)]
    pub(crate) fn active_theme(&self) -> (&str, ThemeScope) {
        (&self.themes.name, self.themes.scope)
    }

    fn load_named_theme(&self, name: &str) -> Result<ThemeSpec, String> {
        load_theme(self.themes.global.as_ref(), name).map_err(|e| e.to_string())
    }

    /// Make `name` active and save the choice at `scope`; returns what was done (for the toast
    /// or tool reply) or why it failed (then nothing changed).
    fn choose_theme(&mut self, name: &str, scope: ThemeScope) -> Result<String, String> {
        let spec = self.load_named_theme(name)?;
        let mut notes = Vec::new();
        match scope {
            ThemeScope::Project => {
                if let Some(w) = self.ws.set_project_theme(Some(name.to_owned())) {
                    notes.push(w);
                }
            }
            ThemeScope::Global | ThemeScope::Default => {
                notes.extend(self.save_global_theme(name));
                // A surviving project theme would hide this choice at the next start.
                if let Some(old) = self.ws.project_theme().map(str::to_owned) {
                    notes.push(format!("project theme '{old}' cleared"));
                    if let Some(w) = self.ws.set_project_theme(None) {
                        notes.push(w);
                    }
                }
            }
            ThemeScope::Session => {}
        }
        let scope = if scope == ThemeScope::Default {
            ThemeScope::Global
        } else {
            scope
        };
        self.set_active_theme(name.to_owned(), spec, scope);
        let mut text = format!("Theme '{name}' applied ({}).", scope.label());
        if !notes.is_empty() {
            text.push(' ');
            text.push_str(&notes.join("; "));
        }
        Ok(text)
    }

    /// Write `ui.theme`; a config file with problems is left alone (rewriting it would drop
    /// the user's broken keys).
    fn save_global_theme(&self, name: &str) -> Option<String> {
        let Some(g) = &self.themes.global else {
            return Some("no config dir: not saved".to_owned());
        };
        let (mut cfg, warnings) = load_config(g);
        if !warnings.is_empty() {
            return Some(format!(
                "config.toml has problems ({}); set ui.theme = \"{name}\" by hand",
                warnings.join("; ")
            ));
        }
        if let Err(e) = cfg.set("ui.theme", ConfigValue::Str(name.to_owned())) {
            return Some(e);
        }
        save_config(g, &cfg)
            .err()
            .map(|e| format!("config not saved: {e}"))
    }

    pub(super) fn open_theme_switcher(&mut self) {
        let global = self.themes.global.clone();
        let entries = list_themes(global.as_ref())
            .into_iter()
            .map(|e| SwitcherEntry {
                spec: load_theme(global.as_ref(), &e.name).map_err(|err| err.to_string()),
                name: e.name,
                source: e.source,
            })
            .collect();
        let sw = ThemeSwitcher::new(entries, &self.themes.name, self.themes.scope);
        self.themes.switcher = Some((sw, self.theme.clone()));
    }

    /// While the switcher is open it takes every key. Opening it is the `open_theme_switcher`
    /// action (keymap: ctrl-shift-l, alt-t).
    pub(super) fn theme_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        let (sw, previous) = self.themes.switcher.as_mut()?;
        self.dirty = true;
        match sw.key(key) {
            SwitcherOutcome::Moved => {
                let preview = sw.highlighted().and_then(|e| e.spec.as_ref().ok());
                self.theme = match preview {
                    Some(spec) => Theme::from_spec(spec, self.themes.depth),
                    None => previous.clone(),
                };
            }
            SwitcherOutcome::Redraw => {}
            SwitcherOutcome::Cancel => {
                self.theme = previous.clone();
                self.themes.switcher = None;
            }
            SwitcherOutcome::Apply => {
                let pick = sw.highlighted().map(|e| (e.name.clone(), e.spec.clone()));
                let scope = match sw.scope {
                    SaveScope::Global => ThemeScope::Global,
                    SaveScope::Project => ThemeScope::Project,
                };
                let previous = previous.clone();
                self.themes.switcher = None;
                match pick {
                    Some((name, Ok(_))) => match self.choose_theme(&name, scope) {
                        Ok(text) => self.app_notice(NoticeLevel::Info, text),
                        Err(e) => {
                            self.theme = previous;
                            self.app_notice(NoticeLevel::Error, e);
                        }
                    },
                    Some((name, Err(e))) => {
                        self.theme = previous;
                        self.app_notice(
                            NoticeLevel::Error,
                            format!("theme '{name}' not applied: {e}"),
                        );
                    }
                    None => self.theme = previous,
                }
            }
        }
        Some(Vec::new())
    }

    /// Draw the switcher (if open) and then the theme's final pass over the whole frame.
    pub(super) fn render_theme_overlay(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let cursor = self
            .themes
            .switcher
            .as_ref()
            .and_then(|(sw, _)| sw.render(area, &self.theme, buf));
        self.theme.finish(buf);
        cursor
    }

    /// Answer `tool` if it is a theme tool; `None` otherwise.
    pub(super) fn theme_ui_call(
        &mut self,
        call_id: u64,
        tool: &str,
        args: &Value,
    ) -> Option<Vec<Intent>> {
        let result = match tool {
            "set_theme" => self.tool_set_theme(args),
            "save_theme" => self.tool_save_theme(args),
            "load_theme" => match str_arg(args, "name") {
                Some(name) => self
                    .load_named_theme(name)
                    .map(|spec| spec.to_json().to_string()),
                None => Err("missing required argument: name".to_owned()),
            },
            "list_themes" => Ok(self.tool_list_themes().to_string()),
            "get_theme" => Ok(json!({
                "name": self.themes.name,
                "scope": self.themes.scope.label(),
                "color_depth": self.themes.depth.label(),
                "spec": self.themes.spec.to_json(),
            })
            .to_string()),
            _ => return None,
        };
        Some(vec![Intent::UiReply { call_id, result }])
    }

    fn tool_set_theme(&mut self, args: &Value) -> Result<String, String> {
        let name = str_arg(args, "name").ok_or("missing required argument: name")?;
        let scope = match str_arg(args, "scope").unwrap_or("global") {
            "global" => ThemeScope::Global,
            "project" => ThemeScope::Project,
            "session" => ThemeScope::Session,
            other => {
                return Err(format!(
                    "invalid scope {other:?}: use global, project or session"
                ));
            }
        };
        if self.themes.switcher.is_some() {
            // The user is previewing: their Esc must not undo the orchestrator's choice.
            self.themes.switcher = None;
        }
        self.choose_theme(name, scope)
    }

    fn tool_save_theme(&mut self, args: &Value) -> Result<String, String> {
        let name = str_arg(args, "name").ok_or("missing required argument: name")?;
        let spec = args.get("spec").ok_or("missing required argument: spec")?;
        let spec = ThemeSpec::parse(spec).map_err(|e| format!("Invalid theme spec: {e}"))?;
        let g = self
            .themes
            .global
            .clone()
            .ok_or("no config directory: themes cannot be saved")?;
        let path = save_theme(&g, name, &spec).map_err(|e| e.to_string())?;
        let mut text = format!("Saved theme '{name}' to {}.", path.display());
        if self.themes.name == name {
            let scope = self.themes.scope;
            self.set_active_theme(name.to_owned(), spec, scope);
            text.push_str(" It is the active theme and was re-applied.");
        }
        Ok(text)
    }

    fn tool_list_themes(&self) -> Value {
        let themes: Vec<Value> = list_themes(self.themes.global.as_ref())
            .into_iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "source": e.source.code(),
                    "active": e.name == self.themes.name,
                })
            })
            .collect();
        let global_theme = self
            .themes
            .global
            .as_ref()
            .map(|g| load_config(g).0.theme().to_owned());
        json!({
            "themes": themes,
            "active": self.themes.name,
            "scope": self.themes.scope.label(),
            "project_theme": self.ws.project_theme(),
            "global_theme": global_theme,
        })
    }
}

/// Theme tool definitions, with real JSON Schemas.
pub(crate) fn tool_defs() -> Vec<ToolDef> {
    let name = json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "Theme name (built-in: dark, light, high-contrast, dark-256; or a saved one)."});
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
            "set_theme",
            "Apply a theme by name and remember it: scope global (config ui.theme, the default; clears this project's own theme), project (this project's workspace) or session (this run only).",
            json!({
                "name": name,
                "scope": {"type": "string", "enum": ["global", "project", "session"], "description": "Where the choice is saved (default global)."},
            }),
            &["name"],
        ),
        def(
            "save_theme",
            "Validate a theme spec and save it as <config>/themes/<name>.json (a built-in's name overrides it). Errors name the JSON path. Spec: {\"version\": 1, \"name\"?, \"description\"?, \"palette\": {text, dim, border, accent, success, warning, error (required); background, surface, border_focused, title, info, user, selection, diff_add, diff_remove, badge_text, states: {running, waiting, awaiting_permission, error, idle, done, killed} (optional)}}. Colours: \"#rrggbb\", 0-255, an ANSI name (red, bright_blue, …) or \"default\".",
            json!({"name": name, "spec": {"type": "object", "description": "The theme spec (see the tool description)."}}),
            &["name", "spec"],
        ),
        def(
            "load_theme",
            "The spec of a theme (the user's file first, then the built-in) as JSON, without applying it.",
            json!({"name": name}),
            &["name"],
        ),
        def(
            "list_themes",
            "Every theme: JSON {themes: [{name, source: builtin|user|user_override, active}], active, scope, project_theme, global_theme}.",
            json!({}),
            &[],
        ),
        def(
            "get_theme",
            "The active theme as JSON {name, scope, color_depth, spec}.",
            json!({}),
            &[],
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
