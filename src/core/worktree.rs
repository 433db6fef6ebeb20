//! Git worktree isolation of a child agent: what a spawn asks for, and what the agent record keeps
//! about the worktree it runs in (branch, base, path, diff size, overlaps with other agents).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub mod overlap;

/// `spawn_agent`'s `worktree` argument: `true` or `{branch?, base?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorktreeRequest {
    /// Branch to create (default `patchfeld/<name>-<id>`).
    pub branch: Option<String>,
    /// Commit-ish to start from (default: the main checkout's HEAD).
    pub base: Option<String>,
}

/// Where an agent's worktree is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorktreeStatus {
    /// The worktree exists and the agent works in it.
    #[default]
    Active,
    /// Merged into the base branch; worktree and branch removed.
    Merged,
    /// Thrown away; worktree and branch removed.
    Discarded,
}

impl WorktreeStatus {
    /// Display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Merged => "merged",
            Self::Discarded => "discarded",
        }
    }
}

/// The worktree an agent runs in, as recorded in `agents.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorktreeInfo {
    /// The worktree directory (`<repo>/.patchfeld/worktrees/<name>-<id>`).
    pub path: PathBuf,
    /// The main checkout's top level (where merges happen).
    pub repo: PathBuf,
    /// The agent's branch.
    pub branch: String,
    /// The branch the work merges into (None when the base was a detached commit).
    pub base_branch: Option<String>,
    /// The commit the branch started from.
    pub base_commit: String,
    /// Active, merged or discarded.
    pub status: WorktreeStatus,
    /// Lines added vs. the merge base (uncommitted changes included).
    pub added: u64,
    /// Lines removed vs. the merge base.
    pub removed: u64,
    /// Files changed vs. the merge base (repo-relative).
    pub files: Vec<String>,
    /// Other live worktree agents changing some of the same files:
    /// `name: file (same hunk, lines 3-4), other (same file)`.
    pub overlaps: Vec<String>,
    /// The changed line ranges per file (text files), for telling same-hunk overlaps apart.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<overlap::FileChange>,
}

impl WorktreeInfo {
    /// `+12/-3`, the size of the change.
    pub fn stat(&self) -> String {
        format!("+{}/-{}", self.added, self.removed)
    }

    /// The branch name without the `patchfeld/` prefix, for narrow columns.
    pub fn short_branch(&self) -> &str {
        self.branch
            .strip_prefix("patchfeld/")
            .unwrap_or(&self.branch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_record_without_fields_loads_with_defaults() {
        let info: WorktreeInfo = serde_json::from_str(
            r#"{"path":"/r/.patchfeld/worktrees/a-1","branch":"patchfeld/a-1"}"#,
        )
        .unwrap_or_default();
        assert_eq!(info.branch, "patchfeld/a-1");
        assert_eq!(info.status, WorktreeStatus::Active);
        assert_eq!(info.stat(), "+0/-0");
        assert_eq!(info.short_branch(), "a-1");
    }
}
