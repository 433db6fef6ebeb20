//! What a new child agent gets from config.toml when its spawn names nothing: model,
//! permission mode, allowed and disallowed tools.

use crate::core::agent::{PermissionMode, SpawnOptions};
use crate::store::config::Config;
use std::time::Duration;

/// Defaults for new child agents (`ui.default_model`, `agent.permission_mode`,
/// `agent.allowed_tools`, `agent.disallowed_tools`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentDefaults {
    /// `--model` when the spawn names none.
    pub model: Option<String>,
    /// `--permission-mode` when the spawn names none (`None`: the CLI's default).
    pub permission_mode: Option<PermissionMode>,
    /// `--allowedTools` when the spawn lists none.
    pub allowed_tools: Vec<String>,
    /// `--disallowedTools` when the spawn lists none.
    pub disallowed_tools: Vec<String>,
    /// `worktree.setup`: shell command run in each new worktree (empty: none).
    pub worktree_setup: String,
}

impl AgentDefaults {
    /// The defaults a config asks for.
    pub fn from_config(config: &Config) -> Self {
        Self {
            model: config.default_model().map(str::to_owned),
            // `default` is what the CLI does anyway; passing it would only lengthen argv.
            permission_mode: PermissionMode::parse(config.permission_mode())
                .filter(|m| *m != PermissionMode::Default),
            allowed_tools: config.allowed_tools().to_vec(),
            disallowed_tools: config.disallowed_tools().to_vec(),
            worktree_setup: config.worktree_setup().to_owned(),
        }
    }

    /// Fill what `options` leaves open. An explicit value (even an empty tool list) wins.
    pub fn apply(&self, options: &mut SpawnOptions) {
        if options.model.is_none() {
            options.model.clone_from(&self.model);
        }
        if options.permission_mode.is_none() {
            options.permission_mode = self.permission_mode;
        }
        if options.allowed_tools.is_none() && !self.allowed_tools.is_empty() {
            options.allowed_tools = Some(self.allowed_tools.clone());
        }
        if options.disallowed_tools.is_none() && !self.disallowed_tools.is_empty() {
            options.disallowed_tools = Some(self.disallowed_tools.clone());
        }
    }
}

/// The engine settings `set_config` can change while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSettings {
    /// Defaults for agents spawned from now on.
    pub defaults: AgentDefaults,
    /// How long new permission requests wait for the user.
    pub permission_timeout: Duration,
}

impl LiveSettings {
    /// The live settings a config asks for.
    pub fn from_config(config: &Config) -> Self {
        Self {
            defaults: AgentDefaults::from_config(config),
            permission_timeout: config.permission_timeout(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::store::config::parse_config;

    #[test]
    fn config_fills_only_what_the_spawn_leaves_open() {
        let (cfg, warnings) = parse_config(
            "[ui]\ndefault_model = \"haiku\"\n[agent]\npermission_mode = \"plan\"\n\
             allowed_tools = [\"Read\"]\ndisallowed_tools = [\"WebFetch\"]\n",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let d = AgentDefaults::from_config(&cfg);
        let mut open = SpawnOptions::default();
        d.apply(&mut open);
        assert_eq!(open.model.as_deref(), Some("haiku"));
        assert_eq!(open.permission_mode, Some(PermissionMode::Plan));
        assert_eq!(open.allowed_tools, Some(vec!["Read".to_owned()]));
        assert_eq!(open.disallowed_tools, Some(vec!["WebFetch".to_owned()]));

        let mut named = SpawnOptions {
            model: Some("opus".into()),
            permission_mode: Some(PermissionMode::AcceptEdits),
            allowed_tools: Some(Vec::new()),
            ..SpawnOptions::default()
        };
        d.apply(&mut named);
        assert_eq!(named.model.as_deref(), Some("opus"));
        assert_eq!(named.permission_mode, Some(PermissionMode::AcceptEdits));
        assert_eq!(named.allowed_tools, Some(Vec::new()));
    }

    #[test]
    fn default_config_changes_nothing() {
        let d = AgentDefaults::from_config(&Config::default());
        assert_eq!(d, AgentDefaults::default());
        let mut o = SpawnOptions::default();
        d.apply(&mut o);
        assert_eq!(o, SpawnOptions::default());
    }
}
