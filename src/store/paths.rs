//! Every path the app reads or writes, in one place: the project dir and the global dirs.

use crate::core::ids::AgentId;
use crate::store::StoreError;
use std::path::{Path, PathBuf};

/// Name of the per-project directory inside the app cwd.
pub const PROJECT_DIR_NAME: &str = ".patchfeld";

/// Check a name that becomes a file name (layouts, themes, session ids, agent ids):
/// 1 to 64 characters from `[A-Za-z0-9_-]`. `kind` names what it is in the error.
pub fn validate_name(kind: &str, name: &str) -> Result<(), StoreError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidName {
            kind: kind.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// Paths inside `<app cwd>/.patchfeld/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPaths {
    dir: PathBuf,
}

impl ProjectPaths {
    /// The project paths for an app rooted at `app_cwd`.
    pub fn new(app_cwd: impl AsRef<Path>) -> Self {
        Self {
            dir: app_cwd.as_ref().join(PROJECT_DIR_NAME),
        }
    }

    /// `<cwd>/.patchfeld/`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `workspace.json`: tabs and layouts of this project.
    pub fn workspace(&self) -> PathBuf {
        self.dir.join("workspace.json")
    }

    /// `agents.json`: every agent ever run here.
    pub fn agents(&self) -> PathBuf {
        self.dir.join("agents.json")
    }

    /// `transcripts/`.
    pub fn transcripts_dir(&self) -> PathBuf {
        self.dir.join("transcripts")
    }

    /// `transcripts/<id>.jsonl`. The id is not checked here; the transcript functions check it
    /// with [`check_agent_id`] before touching the file.
    pub fn transcript(&self, id: &AgentId) -> PathBuf {
        self.transcripts_dir()
            .join(format!("{}.jsonl", id.as_str()))
    }

    /// `transcripts/orchestrator.<session_id>.jsonl`: one orchestrator session's journal.
    pub fn orchestrator_transcript(&self, session_id: &str) -> Result<PathBuf, StoreError> {
        validate_name("session id", session_id)?;
        Ok(self
            .transcripts_dir()
            .join(format!("orchestrator.{session_id}.jsonl")))
    }

    /// `activity.jsonl`: the activity feed, capped.
    pub fn activity(&self) -> PathBuf {
        self.dir.join("activity.jsonl")
    }

    /// `permission_grants.json`: persistent permission grants.
    pub fn permission_grants(&self) -> PathBuf {
        self.dir.join("permission_grants.json")
    }

    /// `orchestrator_sessions.json`: the orchestrator sessions index.
    pub fn orchestrator_sessions(&self) -> PathBuf {
        self.dir.join("orchestrator_sessions.json")
    }
}

/// Reject agent ids that would escape the transcripts dir (ids come from files users can edit).
pub fn check_agent_id(id: &AgentId) -> Result<(), StoreError> {
    validate_name("agent id", id.as_str())
}

/// The global (per-user) directories: config, layouts, themes, logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalPaths {
    config: PathBuf,
    state: PathBuf,
}

impl GlobalPaths {
    /// Resolve the global dirs. With an override (`--config-dir` / `PATCHFELD_CONFIG_DIR`)
    /// everything lives under it (logs in `<dir>/state/`), so tests and portable setups touch
    /// nothing else. Otherwise the platform dirs: `$XDG_CONFIG_HOME/patchfeld` and
    /// `$XDG_STATE_HOME/patchfeld` (the local data dir where the platform has no state dir).
    pub fn resolve(override_dir: Option<&Path>) -> Result<Self, StoreError> {
        if let Some(dir) = override_dir {
            return Ok(Self::from_dirs(dir, dir.join("state")));
        }
        let pd =
            directories::ProjectDirs::from("", "", "patchfeld").ok_or(StoreError::NoConfigDir)?;
        let state = pd
            .state_dir()
            .unwrap_or_else(|| pd.data_local_dir())
            .to_path_buf();
        Ok(Self::from_dirs(pd.config_dir(), state))
    }

    /// Explicit dirs.
    pub fn from_dirs(config: impl Into<PathBuf>, state: impl Into<PathBuf>) -> Self {
        Self {
            config: config.into(),
            state: state.into(),
        }
    }

    /// The config dir.
    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// `config.toml`.
    pub fn config_toml(&self) -> PathBuf {
        self.config.join("config.toml")
    }

    /// `layouts/` (named layouts, `<name>.json`).
    pub fn layouts_dir(&self) -> PathBuf {
        self.config.join("layouts")
    }

    /// `layouts/<name>.json`, after validating the name.
    pub fn layout(&self, name: &str) -> Result<PathBuf, StoreError> {
        validate_name("layout", name)?;
        Ok(self.layouts_dir().join(format!("{name}.json")))
    }

    /// `themes/` (named themes, `<name>.json`).
    pub fn themes_dir(&self) -> PathBuf {
        self.config.join("themes")
    }

    /// `themes/<name>.json`, after validating the name.
    pub fn theme(&self, name: &str) -> Result<PathBuf, StoreError> {
        validate_name("theme", name)?;
        Ok(self.themes_dir().join(format!("{name}.json")))
    }

    /// The state dir (logs).
    pub fn state_dir(&self) -> &Path {
        &self.state
    }

    /// `patchfeld.log` in the state dir.
    pub fn log_file(&self) -> PathBuf {
        self.state.join("patchfeld.log")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_live_under_dot_patchfeld() {
        let p = ProjectPaths::new("/w/proj");
        assert_eq!(p.dir(), Path::new("/w/proj/.patchfeld"));
        assert_eq!(
            p.workspace(),
            Path::new("/w/proj/.patchfeld/workspace.json")
        );
        assert_eq!(p.agents(), Path::new("/w/proj/.patchfeld/agents.json"));
        assert_eq!(
            p.transcript(&AgentId("0123456789ab".into())),
            Path::new("/w/proj/.patchfeld/transcripts/0123456789ab.jsonl")
        );
        assert_eq!(
            p.permission_grants(),
            Path::new("/w/proj/.patchfeld/permission_grants.json")
        );
        assert_eq!(
            p.orchestrator_sessions(),
            Path::new("/w/proj/.patchfeld/orchestrator_sessions.json")
        );
        assert_eq!(
            p.orchestrator_transcript("0b6e-11").unwrap(),
            Path::new("/w/proj/.patchfeld/transcripts/orchestrator.0b6e-11.jsonl")
        );
        assert!(p.orchestrator_transcript("../x").is_err());
    }

    #[test]
    fn override_dir_holds_everything() {
        let g = GlobalPaths::resolve(Some(Path::new("/cfg"))).unwrap();
        assert_eq!(g.config_dir(), Path::new("/cfg"));
        assert_eq!(g.config_toml(), Path::new("/cfg/config.toml"));
        assert_eq!(g.layouts_dir(), Path::new("/cfg/layouts"));
        assert_eq!(g.themes_dir(), Path::new("/cfg/themes"));
        assert_eq!(g.log_file(), Path::new("/cfg/state/patchfeld.log"));
        assert_eq!(
            g.layout("main").unwrap(),
            Path::new("/cfg/layouts/main.json")
        );
        assert_eq!(
            g.theme("dark-2").unwrap(),
            Path::new("/cfg/themes/dark-2.json")
        );
        assert!(g.theme("../../etc/passwd").is_err());
    }

    #[test]
    fn default_dirs_are_named_patchfeld() {
        // HOME is set in every environment the tests run in; the platform dirs end in `patchfeld`.
        let g = GlobalPaths::resolve(None).unwrap();
        assert!(
            g.config_dir().ends_with("patchfeld"),
            "{:?}",
            g.config_dir()
        );
        assert!(g.state_dir().ends_with("patchfeld"), "{:?}", g.state_dir());
        assert_ne!(g.config_dir(), g.state_dir());
    }

    #[test]
    fn names_are_validated() {
        for ok in ["a", "my_layout-2", &"x".repeat(64)] {
            assert!(validate_name("layout", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "../x", "x/y", "é", ".hidden", &"x".repeat(65)] {
            let e = validate_name("layout", bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid layout name"), "{e}");
        }
        assert!(check_agent_id(&AgentId("../../x".into())).is_err());
        assert!(check_agent_id(&AgentId::orchestrator()).is_ok());
    }
}
