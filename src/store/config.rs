//! `<config>/config.toml`: the user's settings, read tolerantly.
//!
//! Every key is declared once in [`KEYS`] (name, type, default, doc), so parsing, the typed
//! get/set used by the orchestrator's config tools and the README table agree. A wrong type or
//! an unknown key is a warning naming the key and its line; that key keeps its default and the
//! rest of the file still loads. A file that is not TOML at all loads nothing but defaults, with
//! the parser's message and line.

use crate::store::StoreError;
use crate::store::paths::GlobalPaths;
use std::collections::BTreeMap;
use std::fmt;
use toml::de::{DeTable, DeValue};

/// A typed config value (a boolean stays a boolean).
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A string.
    Str(String),
    /// A list of strings.
    List(Vec<String>),
}

impl ConfigValue {
    fn type_name(&self) -> &'static str {
        match self {
            Self::Bool(_) => "a boolean",
            Self::Int(_) => "an integer",
            Self::Str(_) => "a string",
            Self::List(_) => "a list of strings",
        }
    }

    /// As JSON (for the config tools).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Bool(b) => serde_json::Value::Bool(*b),
            Self::Int(i) => serde_json::Value::from(*i),
            Self::Str(s) => serde_json::Value::String(s.clone()),
            Self::List(l) => serde_json::Value::from(l.clone()),
        }
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::List(l) => write!(f, "{l:?}"),
        }
    }
}

/// One declared setting.
#[derive(Debug)]
pub struct KeySpec {
    /// Dotted name: `ui.theme`.
    pub name: &'static str,
    /// Its default.
    pub default: fn() -> ConfigValue,
    /// Allowed string values, if it is an enumeration.
    pub choices: &'static [&'static str],
    /// One line for the README and `get_config`.
    pub doc: &'static str,
}

fn s(v: &str) -> ConfigValue {
    ConfigValue::Str(v.to_owned())
}

/// Notification channels for `ui.notifications`.
pub const NOTIFY_CHOICES: &[&str] = &["off", "bell", "osc9", "osc777"];
/// Permission modes for `agent.permission_mode` (Claude Code's names).
pub const MODE_CHOICES: &[&str] = &["default", "acceptEdits", "plan", "bypassPermissions"];

/// Every setting, in README order.
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "ui.theme",
        default: || s("dark"),
        choices: &[],
        doc: "theme name: a built-in or <config>/themes/<name>.json",
    },
    KeySpec {
        name: "ui.default_model",
        default: || s(""),
        choices: &[],
        doc: "model for new agents when the orchestrator names none (empty: the CLI's default)",
    },
    KeySpec {
        name: "ui.notifications",
        default: || s("bell"),
        choices: NOTIFY_CHOICES,
        doc: "how to get your attention: off, bell, osc9 or osc777 (bell + desktop notification)",
    },
    KeySpec {
        name: "ui.notify_on",
        default: || {
            ConfigValue::List(
                ["permission", "ask", "finished", "error"]
                    .map(str::to_owned)
                    .to_vec(),
            )
        },
        choices: &["permission", "ask", "finished", "error"],
        doc: "which events notify (a subset of permission, ask, finished, error)",
    },
    KeySpec {
        name: "agent.claude_path",
        default: || s("claude"),
        choices: &[],
        doc: "the Claude Code executable (--claude and PATCHFELD_CLAUDE win over this)",
    },
    KeySpec {
        name: "agent.permission_mode",
        default: || s("default"),
        choices: MODE_CHOICES,
        doc: "permission mode for new agents",
    },
    KeySpec {
        name: "agent.permission_timeout_s",
        default: || ConfigValue::Int(1800),
        choices: &[],
        doc: "seconds an unanswered permission request waits before it is denied",
    },
    KeySpec {
        name: "agent.allowed_tools",
        default: || ConfigValue::List(Vec::new()),
        choices: &[],
        doc: "tools every new agent may use without asking (Claude Code rule syntax)",
    },
    KeySpec {
        name: "agent.disallowed_tools",
        default: || ConfigValue::List(Vec::new()),
        choices: &[],
        doc: "tools no new agent may use",
    },
    KeySpec {
        name: "worktree.setup",
        default: || s(""),
        choices: &[],
        doc: "shell command run in each new agent worktree (PATCHFELD_WORKTREE, PATCHFELD_AGENT set)",
    },
];

/// Look a key up by its dotted name.
pub fn key_spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

/// A `[keys]` entry: `"ctrl-h" = "open_history"` in `[keys]` (global) or `[keys.<context>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    /// `global`, `chat`, `table`, `transcript`, `modal`…
    pub context: String,
    /// The key chord as written (`ctrl-h`).
    pub key: String,
    /// The action with its args as written (`focus_panel agents`), or `unbind`.
    pub action: String,
    /// 1-based line in config.toml (for the keymap's own warnings).
    pub line: usize,
}

/// The loaded settings: every declared key has a value; warnings say what was ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    values: BTreeMap<&'static str, ConfigValue>,
    /// `[keys]` bindings in file order.
    pub bindings: Vec<KeyBinding>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            values: KEYS.iter().map(|k| (k.name, (k.default)())).collect(),
            bindings: Vec::new(),
        }
    }
}

impl Config {
    /// A setting's current value (`None` for an undeclared key).
    pub fn get(&self, name: &str) -> Option<&ConfigValue> {
        self.values.get(name)
    }

    /// Set a setting after checking its type and choices.
    pub fn set(&mut self, name: &str, value: ConfigValue) -> Result<(), String> {
        let spec = key_spec(name).ok_or_else(|| unknown_key_message(name))?;
        check(spec, &value)?;
        if let Some(slot) = self.values.get_mut(spec.name) {
            *slot = value;
        }
        Ok(())
    }

    fn str(&self, name: &str) -> &str {
        match self.values.get(name) {
            Some(ConfigValue::Str(v)) => v,
            _ => "",
        }
    }

    fn list(&self, name: &str) -> &[String] {
        match self.values.get(name) {
            Some(ConfigValue::List(v)) => v,
            _ => &[],
        }
    }

    /// `ui.theme`.
    pub fn theme(&self) -> &str {
        self.str("ui.theme")
    }

    /// `ui.default_model`, `None` when empty.
    pub fn default_model(&self) -> Option<&str> {
        Some(self.str("ui.default_model")).filter(|m| !m.is_empty())
    }

    /// `ui.notifications`.
    pub fn notifications(&self) -> &str {
        self.str("ui.notifications")
    }

    /// Whether events of `kind` (permission, ask, finished, error) notify.
    pub fn notifies_on(&self, kind: &str) -> bool {
        self.notifications() != "off" && self.list("ui.notify_on").iter().any(|k| k == kind)
    }

    /// `agent.claude_path`.
    pub fn claude_path(&self) -> &str {
        self.str("agent.claude_path")
    }

    /// `agent.permission_mode`.
    pub fn permission_mode(&self) -> &str {
        self.str("agent.permission_mode")
    }

    /// `agent.permission_timeout_s` as a duration.
    pub fn permission_timeout(&self) -> std::time::Duration {
        match self.values.get("agent.permission_timeout_s") {
            Some(ConfigValue::Int(n)) => {
                std::time::Duration::from_secs(u64::try_from(*n).unwrap_or(0))
            }
            _ => std::time::Duration::from_secs(1800),
        }
    }

    /// `agent.allowed_tools`.
    pub fn allowed_tools(&self) -> &[String] {
        self.list("agent.allowed_tools")
    }

    /// `agent.disallowed_tools`.
    pub fn disallowed_tools(&self) -> &[String] {
        self.list("agent.disallowed_tools")
    }

    /// `worktree.setup`.
    pub fn worktree_setup(&self) -> &str {
        self.str("worktree.setup")
    }

    /// The file's text: every non-default setting plus the bindings (what `set_config` saves).
    pub fn to_toml(&self) -> String {
        let mut sections: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for spec in KEYS {
            let Some(value) = self.values.get(spec.name) else {
                continue;
            };
            if *value == (spec.default)() {
                continue;
            }
            let (section, key) = spec.name.split_once('.').unwrap_or(("", spec.name));
            sections
                .entry(section)
                .or_default()
                .push(format!("{key} = {}", toml_value(value)));
        }
        let mut out = String::new();
        for (section, lines) in sections {
            out.push_str(&format!("[{section}]\n"));
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
            out.push('\n');
        }
        let mut contexts: BTreeMap<&str, Vec<&KeyBinding>> = BTreeMap::new();
        for b in &self.bindings {
            let list = contexts.entry(b.context.as_str()).or_default();
            // TOML forbids a key twice in one table (`[keys] x` and `[keys.global] x` both
            // load as global); the later binding wins when applied, so only it is kept.
            list.retain(|old| old.key != b.key);
            list.push(b);
        }
        // A global key named like a context (`table`) would clash with `[keys.table]`.
        let global_clash = contexts
            .get("global")
            .is_some_and(|g| g.iter().any(|b| contexts.contains_key(b.key.as_str())));
        for (context, bindings) in contexts {
            if context == "global" && !global_clash {
                out.push_str("[keys]\n");
            } else {
                out.push_str(&format!("[keys.{}]\n", toml_key(context)));
            }
            for b in bindings {
                out.push_str(&format!(
                    "{} = {}\n",
                    toml_string(&b.key),
                    toml_string(&b.action)
                ));
            }
            out.push('\n');
        }
        out
    }
}

fn toml_string(s: &str) -> String {
    // JSON string escaping is valid TOML basic-string escaping, except that TOML also
    // forbids a raw DEL, which JSON leaves as is.
    serde_json::Value::String(s.to_owned())
        .to_string()
        .replace('\u{7f}', "\\u007F")
}

/// A table or key name: bare when TOML allows it, else quoted.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_owned()
    } else {
        toml_string(s)
    }
}

fn toml_value(v: &ConfigValue) -> String {
    match v {
        ConfigValue::Bool(b) => b.to_string(),
        ConfigValue::Int(i) => i.to_string(),
        ConfigValue::Str(s) => toml_string(s),
        ConfigValue::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|s| toml_string(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn unknown_key_message(name: &str) -> String {
    let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    format!("unknown setting {name} (known: {})", known.join(", "))
}

fn check(spec: &KeySpec, value: &ConfigValue) -> Result<(), String> {
    let default = (spec.default)();
    if std::mem::discriminant(&default) != std::mem::discriminant(value) {
        return Err(format!(
            "{} must be {}, not {}",
            spec.name,
            default.type_name(),
            value.type_name()
        ));
    }
    if spec.choices.is_empty() {
        return Ok(());
    }
    let bad = match value {
        ConfigValue::Str(v) => (!spec.choices.contains(&v.as_str())).then(|| v.clone()),
        ConfigValue::List(l) => l
            .iter()
            .find(|v| !spec.choices.contains(&v.as_str()))
            .cloned(),
        ConfigValue::Bool(_) | ConfigValue::Int(_) => None,
    };
    match bad {
        Some(v) => Err(format!(
            "{} cannot be {v:?} (one of: {})",
            spec.name,
            spec.choices.join(", ")
        )),
        None => Ok(()),
    }
}

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map_or(1, |t| t.matches('\n').count() + 1)
}

fn from_de(v: &DeValue<'_>) -> Option<ConfigValue> {
    match v {
        DeValue::Boolean(b) => Some(ConfigValue::Bool(*b)),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(ConfigValue::Int),
        DeValue::String(s) => Some(ConfigValue::Str(s.to_string())),
        DeValue::Array(a) => a
            .iter()
            .map(|item| item.get_ref().as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(ConfigValue::List),
        DeValue::Float(_) | DeValue::Datetime(_) | DeValue::Table(_) => None,
    }
}

fn de_type(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::Array(_) => "a list with non-string items",
        other => other.type_str(),
    }
}

/// Parse config text. Never fails: problems become warnings (`config.toml line 3: …`).
pub fn parse_config(text: &str) -> (Config, Vec<String>) {
    let mut config = Config::default();
    let mut warnings = Vec::new();
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let msg = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_owned();
            warnings.push(format!(
                "config.toml line {line}: {msg} — using the default settings"
            ));
            return (config, warnings);
        }
    };
    for (section, body) in doc.get_ref() {
        let section_name = section.get_ref().as_ref();
        let line = line_of(text, section.span().start);
        if section_name == "keys" {
            parse_keys(text, body.get_ref(), &mut config, &mut warnings);
            continue;
        }
        let Some(table) = body.get_ref().as_table() else {
            warnings.push(format!(
                "config.toml line {line}: {section_name} must be a [section], e.g. [ui]"
            ));
            continue;
        };
        for (key, value) in table {
            let name = format!("{section_name}.{}", key.get_ref());
            let line = line_of(text, key.span().start);
            let Some(spec) = key_spec(&name) else {
                warnings.push(format!(
                    "config.toml line {line}: {} — ignored",
                    unknown_key_message(&name)
                ));
                continue;
            };
            let parsed = from_de(value.get_ref()).ok_or_else(|| {
                format!(
                    "{name} must be {}, not {}",
                    (spec.default)().type_name(),
                    de_type(value.get_ref())
                )
            });
            match parsed.and_then(|v| config.set(&name, v)) {
                Ok(()) => {}
                Err(e) => warnings.push(format!(
                    "config.toml line {line}: {e} — using the default {}",
                    (spec.default)()
                )),
            }
        }
    }
    // Report in file order.
    warnings.sort_by_key(|w| {
        w.strip_prefix("config.toml line ")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    (config, warnings)
}

fn parse_keys(text: &str, body: &DeValue<'_>, config: &mut Config, warnings: &mut Vec<String>) {
    let Some(table) = body.as_table() else {
        warnings.push("config.toml: keys must be a [keys] section".to_owned());
        return;
    };
    let mut push = |context: &str, key: &str, value: &DeValue<'_>, at: usize| {
        let line = line_of(text, at);
        match value.as_str() {
            Some(action) => config.bindings.push(KeyBinding {
                context: context.to_owned(),
                key: key.to_owned(),
                action: action.to_owned(),
                line,
            }),
            None => warnings.push(format!(
                "config.toml line {line}: keys: {key:?} must name an action as a string (or \"unbind\"), not {}",
                value.type_str()
            )),
        }
    };
    for (key, value) in table {
        match value.get_ref().as_table() {
            Some(inner) => {
                for (k, v) in inner {
                    push(key.get_ref(), k.get_ref(), v.get_ref(), k.span().start);
                }
            }
            None => push("global", key.get_ref(), value.get_ref(), key.span().start),
        }
    }
    config.bindings.sort_by_key(|b| b.line);
}

/// Load `<config>/config.toml`: a missing file is the defaults, silently; an unreadable one
/// is the defaults with a warning.
pub fn load_config(global: &GlobalPaths) -> (Config, Vec<String>) {
    let path = global.config_toml();
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_config(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), Vec::new()),
        Err(e) => (
            Config::default(),
            vec![format!(
                "cannot read {}: {e} — using the default settings",
                path.display()
            )],
        ),
    }
}

/// Write the config atomically (comments in a hand-written file are not kept).
pub fn save_config(global: &GlobalPaths, config: &Config) -> Result<(), StoreError> {
    crate::store::atomic::write_atomic(&global.config_toml(), config.to_toml().as_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        let (c, w) = parse_config("");
        assert!(w.is_empty());
        assert_eq!(c, Config::default());
        assert_eq!(c.theme(), "dark");
        assert_eq!(c.permission_timeout().as_secs(), 1800);
        assert!(c.notifies_on("permission"));
    }

    #[test]
    fn good_values_load_with_their_types() {
        let (c, w) = parse_config(
            "[ui]\ntheme = \"light\"\nnotifications = \"osc9\"\nnotify_on = [\"error\"]\n\n[agent]\npermission_timeout_s = 60\nallowed_tools = [\"Bash(git status)\"]\n",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(c.theme(), "light");
        assert_eq!(c.notifications(), "osc9");
        assert!(c.notifies_on("error"));
        assert!(!c.notifies_on("permission"));
        assert_eq!(c.permission_timeout().as_secs(), 60);
        assert_eq!(c.allowed_tools(), ["Bash(git status)".to_owned()]);
        assert_eq!(
            c.get("agent.permission_timeout_s"),
            Some(&ConfigValue::Int(60))
        );
    }

    #[test]
    fn bad_keys_and_types_warn_with_line_and_keep_the_rest() {
        let text = "[ui]\ntheme = 3\ncolour = \"red\"\nnotifications = \"loud\"\ndefault_model = \"opus\"\n[agent]\npermission_timeout_s = \"soon\"\n[nonsense]\nx = 1\n";
        let (c, w) = parse_config(text);
        assert_eq!(c.default_model(), Some("opus"), "the good key still loads");
        assert_eq!(c.theme(), "dark");
        assert_eq!(c.notifications(), "bell");
        assert_eq!(c.permission_timeout().as_secs(), 1800);
        let all = w.join("\n");
        assert!(
            all.contains("line 2: ui.theme must be a string, not an integer"),
            "{all}"
        );
        assert!(all.contains("line 3: unknown setting ui.colour"), "{all}");
        assert!(
            all.contains("line 4: ui.notifications cannot be \"loud\""),
            "{all}"
        );
        assert!(
            all.contains("line 7: agent.permission_timeout_s must be an integer, not a string"),
            "{all}"
        );
        assert!(all.contains("line 9: unknown setting nonsense.x"), "{all}");
        assert_eq!(w.len(), 5, "{all}");
        assert!(
            w[0].contains("line 2") && w[4].contains("line 9"),
            "file order: {all}"
        );
    }

    #[test]
    fn broken_toml_names_the_line_and_falls_back() {
        let (c, w) = parse_config("[ui]\ntheme = \"light\"\nnotifications = \n");
        assert_eq!(c, Config::default());
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("config.toml line 3:"), "{w:?}");
    }

    #[test]
    fn key_bindings_per_context_with_lines() {
        let (c, w) = parse_config(
            "[keys]\n\"ctrl-h\" = \"open_history\"\n\"ctrl-t\" = \"unbind\"\n[keys.chat]\n\"alt-e\" = \"toggle_all\"\n\"x\" = 3\n",
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("line 6"), "{w:?}");
        let got: Vec<(&str, &str, &str, usize)> = c
            .bindings
            .iter()
            .map(|b| {
                (
                    b.context.as_str(),
                    b.key.as_str(),
                    b.action.as_str(),
                    b.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("global", "ctrl-h", "open_history", 2),
                ("global", "ctrl-t", "unbind", 3),
                ("chat", "alt-e", "toggle_all", 5),
            ]
        );
    }

    #[test]
    fn set_checks_type_and_choices_and_round_trips() {
        let mut c = Config::default();
        assert!(
            c.set("ui.theme", ConfigValue::Bool(true))
                .unwrap_err()
                .contains("must be a string")
        );
        assert!(
            c.set("ui.nope", ConfigValue::Bool(true))
                .unwrap_err()
                .contains("unknown setting ui.nope")
        );
        assert!(
            c.set("agent.permission_mode", s("yolo"))
                .unwrap_err()
                .contains("one of: default")
        );
        c.set("agent.permission_mode", s("plan")).unwrap();
        c.set("ui.notify_on", ConfigValue::List(vec!["ask".into()]))
            .unwrap();
        c.bindings.push(KeyBinding {
            context: "chat".into(),
            key: "alt-e".into(),
            action: "toggle_all".into(),
            line: 0,
        });
        let (back, w) = parse_config(&c.to_toml());
        assert!(w.is_empty(), "{w:?}\n{}", c.to_toml());
        assert_eq!(back.permission_mode(), "plan");
        assert!(back.notifies_on("ask") && !back.notifies_on("error"));
        assert_eq!(back.bindings[0].action, "toggle_all");
    }

    #[test]
    fn readme_documents_every_key_with_its_default() {
        let readme = include_str!("../../README.md");
        for spec in KEYS {
            let row = format!("| `{}` | `{}` |", spec.name, (spec.default)());
            assert!(
                readme.contains(&row),
                "README lacks the row for {}: {row}",
                spec.name
            );
        }
    }

    #[test]
    fn load_and_save_through_the_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        let global = GlobalPaths::from_dirs(dir.path().join("c"), dir.path().join("s"));
        let (c, w) = load_config(&global);
        assert!(w.is_empty());
        let mut c = c;
        c.set("ui.theme", s("light")).unwrap();
        save_config(&global, &c).unwrap();
        assert_eq!(load_config(&global).0.theme(), "light");
    }
}
