//! The orchestrator sessions index (`orchestrator_sessions.json`): one entry per orchestrator
//! session with its title and times, so `/resume` can list them and launch resumes the latest.

use crate::core::time::Epoch;
use crate::store::atomic::write_json_atomic;
use crate::store::paths::ProjectPaths;
use crate::store::{LoadOutcome, StoreError, check_version, corrupt_notice, load_with};
use serde::{Deserialize, Serialize};

/// One orchestrator session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// The CLI session id (a UUID).
    pub session_id: String,
    /// User-given or derived title.
    #[serde(default)]
    pub title: Option<String>,
    /// The first prompt the user typed in it.
    #[serde(default)]
    pub first_prompt: Option<String>,
    /// When it was started.
    pub created_at: Epoch,
    /// Last activity.
    pub updated_at: Epoch,
    /// Turns completed.
    #[serde(default)]
    pub turns: u64,
    /// Cost of this session in USD.
    #[serde(default)]
    pub cost_usd: f64,
    /// Input tokens of this session.
    #[serde(default)]
    pub tokens_in: u64,
    /// Output tokens of this session.
    #[serde(default)]
    pub tokens_out: u64,
}

impl SessionEntry {
    /// A fresh entry.
    pub fn new(session_id: &str, now: Epoch) -> Self {
        Self {
            session_id: session_id.to_owned(),
            title: None,
            first_prompt: None,
            created_at: now,
            updated_at: now,
            turns: 0,
            cost_usd: 0.0,
            tokens_in: 0,
            tokens_out: 0,
        }
    }

    /// The title to show: the given one, else the first prompt, else the id.
    pub fn display_title(&self) -> String {
        self.title
            .clone()
            .or_else(|| self.first_prompt.clone())
            .unwrap_or_else(|| self.session_id.clone())
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct SessionsFile {
    version: u32,
    sessions: Vec<SessionEntry>,
}

/// Load the index (most recent last). A corrupt file is moved aside with a notice.
pub fn load_sessions(paths: &ProjectPaths) -> (Vec<SessionEntry>, Vec<String>) {
    let path = paths.orchestrator_sessions();
    let parsed = load_with(&path, |bytes| {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        check_version(&value, 1)?;
        serde_json::from_value::<SessionsFile>(value).map_err(|e| e.to_string())
    });
    match parsed {
        LoadOutcome::Missing => (Vec::new(), Vec::new()),
        LoadOutcome::Loaded(mut f) => {
            f.sessions
                .sort_by(|a, b| a.updated_at.total_cmp(&b.updated_at));
            (f.sessions, Vec::new())
        }
        LoadOutcome::MovedAside { backup, error } => {
            (Vec::new(), vec![corrupt_notice(&path, &backup, &error)])
        }
        LoadOutcome::Stuck { error } => (
            Vec::new(),
            vec![format!("{} is unusable: {error}", path.display())],
        ),
    }
}

/// Write the index atomically.
pub fn save_sessions(paths: &ProjectPaths, sessions: &[SessionEntry]) -> Result<(), StoreError> {
    write_json_atomic(
        &paths.orchestrator_sessions(),
        &SessionsFile {
            version: 1,
            sessions: sessions.to_vec(),
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sorted_by_activity_and_moves_corrupt_files_aside() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let mut a = SessionEntry::new("aaaa", 10.0);
        a.updated_at = 50.0;
        let b = SessionEntry::new("bbbb", 20.0);
        save_sessions(&paths, &[a.clone(), b.clone()]).unwrap();
        let (loaded, notices) = load_sessions(&paths);
        assert!(notices.is_empty());
        assert_eq!(loaded, vec![b, a]);

        std::fs::write(paths.orchestrator_sessions(), b"{not json").unwrap();
        let (loaded, notices) = load_sessions(&paths);
        assert!(loaded.is_empty());
        assert!(
            notices[0].contains("orchestrator_sessions.json"),
            "{notices:?}"
        );
        assert!(
            !paths.orchestrator_sessions().exists(),
            "moved aside, not left to be overwritten"
        );
    }
}
