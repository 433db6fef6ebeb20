//! The orchestrator's config tools: `get_config` (one setting or all, typed, with docs) and
//! `set_config` (typed: a boolean stays a boolean; saved atomically to config.toml; applied
//! live where possible — theme, notifications, the engine's agent defaults and permission
//! timeout).

use super::{App, Intent};
use crate::core::tool::ToolDef;
use crate::store::config::{
    Config, ConfigValue, KEYS, KeySpec, key_spec, load_config, save_config,
};
use serde_json::{Value, json};

fn type_label(v: &ConfigValue) -> &'static str {
    match v {
        ConfigValue::Bool(_) => "boolean",
        ConfigValue::Int(_) => "integer",
        ConfigValue::Str(_) => "string",
        ConfigValue::List(_) => "list of strings",
    }
}

fn json_type(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({s:?})"),
        Value::Array(_) => "a list with non-string items".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn describe(spec: &KeySpec, value: Option<&ConfigValue>) -> Value {
    let default = (spec.default)();
    json!({
        "key": spec.name,
        "value": value.map_or(Value::Null, ConfigValue::to_json),
        "default": default.to_json(),
        "type": type_label(&default),
        "choices": spec.choices,
        "doc": spec.doc,
    })
}

/// Read a JSON value as the setting's type, without coercion.
fn typed(spec: &KeySpec, v: &Value) -> Result<ConfigValue, String> {
    let want = (spec.default)();
    let got = match (&want, v) {
        (ConfigValue::Bool(_), Value::Bool(b)) => Some(ConfigValue::Bool(*b)),
        (ConfigValue::Int(_), Value::Number(n)) => n.as_i64().map(ConfigValue::Int),
        (ConfigValue::Str(_), Value::String(s)) => Some(ConfigValue::Str(s.clone())),
        (ConfigValue::List(_), Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(ConfigValue::List),
        _ => None,
    };
    let value = got.ok_or_else(|| {
        format!(
            "{} must be {} {}, not {}",
            spec.name,
            if type_label(&want).starts_with('i') {
                "an"
            } else {
                "a"
            },
            type_label(&want),
            json_type(v)
        )
    })?;
    if spec.name == "agent.permission_timeout_s"
        && let ConfigValue::Int(n) = value
        && n < 1
    {
        return Err(format!(
            "{} must be at least 1 (seconds), not {n}",
            spec.name
        ));
    }
    Ok(value)
}

impl App {
    /// Answer `tool` if it is a config tool; `None` otherwise.
    pub(super) fn config_ui_call(
        &mut self,
        call_id: u64,
        tool: &str,
        args: &Value,
    ) -> Option<Vec<Intent>> {
        let (result, mut intents) = match tool {
            "get_config" => (self.tool_get_config(args), Vec::new()),
            "set_config" => match self.tool_set_config(args) {
                Ok((text, intents)) => (Ok(text), intents),
                Err(e) => (Err(e), Vec::new()),
            },
            _ => return None,
        };
        intents.insert(0, Intent::UiReply { call_id, result });
        Some(intents)
    }

    fn loaded_config(&self) -> (Config, Vec<String>) {
        match self.config_dir() {
            Some(g) => load_config(g),
            None => (Config::default(), Vec::new()),
        }
    }

    fn tool_get_config(&self, args: &Value) -> Result<String, String> {
        let (cfg, warnings) = self.loaded_config();
        match args.get("key") {
            None | Some(Value::Null) => Ok(json!({
                "file": self.config_dir().map(|g| g.config_toml().display().to_string()),
                "settings": KEYS.iter().map(|k| describe(k, cfg.get(k.name))).collect::<Vec<_>>(),
                "warnings": warnings,
            })
            .to_string()),
            Some(Value::String(key)) => {
                let spec = key_spec(key).ok_or_else(|| unknown(key))?;
                Ok(describe(spec, cfg.get(spec.name)).to_string())
            }
            Some(other) => Err(format!("key must be a string, not {}", json_type(other))),
        }
    }

    fn tool_set_config(&mut self, args: &Value) -> Result<(String, Vec<Intent>), String> {
        let key = match args.get("key") {
            Some(Value::String(k)) => k.as_str(),
            Some(other) => return Err(format!("key must be a string, not {}", json_type(other))),
            None => return Err("missing required argument: key".to_owned()),
        };
        let spec = key_spec(key).ok_or_else(|| unknown(key))?;
        let raw = args
            .get("value")
            .ok_or("missing required argument: value")?;
        let value = typed(spec, raw)?;
        let global = self
            .config_dir()
            .cloned()
            .ok_or("no config directory: settings cannot be saved")?;
        let (mut cfg, warnings) = load_config(&global);
        if !warnings.is_empty() {
            // Rewriting would drop whatever the user wrote that we could not read.
            return Err(format!(
                "config.toml has problems, fix them first (nothing was changed): {}",
                warnings.join("; ")
            ));
        }
        if spec.name == "ui.theme"
            && let ConfigValue::Str(name) = &value
        {
            crate::store::themes::load_theme(Some(&global), name).map_err(|e| e.to_string())?;
        }
        cfg.set(spec.name, value.clone())?;
        save_config(&global, &cfg).map_err(|e| format!("config not saved: {e}"))?;
        let mut intents = Vec::new();
        let applied = match spec.name {
            "ui.theme" => {
                let depth = self.themes.depth;
                self.theme_boot(Some(global.clone()), Some(cfg.theme().to_owned()), depth);
                match self.ws.project_theme() {
                    Some(p) => format!(
                        "saved; this project's own theme '{p}' still applies here (set_theme scope project to change it)"
                    ),
                    None => "applied now".to_owned(),
                }
            }
            "ui.notifications" | "ui.notify_on" => {
                crate::ui::notify::configure(&cfg);
                "applied now".to_owned()
            }
            "agent.claude_path" => "takes effect at the next start".to_owned(),
            _ => {
                intents.push(self.configure_engine(crate::engine::LiveSettings::from_config(&cfg)));
                "applies to agents spawned from now on".to_owned()
            }
        };
        Ok((
            format!(
                "Set {} = {} (saved to {}); {applied}.",
                spec.name,
                value.to_json(),
                global.config_toml().display()
            ),
            intents,
        ))
    }
}

fn unknown(key: &str) -> String {
    let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    format!("unknown setting {key} (known: {})", known.join(", "))
}

/// Config tool definitions.
pub(crate) fn tool_defs() -> Vec<ToolDef> {
    let keys: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    vec![
        ToolDef {
            name: "get_config".to_owned(),
            description: "Read config.toml settings, typed. With key: {key, value, default, type, choices, doc}; without: {file, settings: [...], warnings}.".to_owned(),
            input_schema: json!({
                "type": "object",
                "properties": {"key": {"type": "string", "enum": keys, "description": "Dotted setting name; omit for all."}},
                "additionalProperties": false,
            }),
        },
        ToolDef {
            name: "set_config".to_owned(),
            description: "Change one config.toml setting and save it. The value must have the setting's type (booleans as true/false, integers as numbers, lists as arrays of strings; see get_config). Theme and notifications apply at once; agent defaults and the permission timeout apply to what starts from now on; agent.claude_path at the next start.".to_owned(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "key": {"type": "string", "enum": keys},
                    "value": {"description": "The new value, typed as the setting is."},
                },
                "required": ["key", "value"],
                "additionalProperties": false,
            }),
        },
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
