//! The DiffViewer's IO: `git diff` (working tree vs HEAD, or staged) on a worker thread that
//! re-runs it when files change (a raw `notify` watcher, debounced here), and an agent's edits
//! rebuilt from its transcript (loaded through the engine on a task). Everything ends up as
//! unified diff text posted as `WorkspaceEvent::Diff`.

use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::engine::EngineHandle;
use crate::ui::app_event::AppEvent;
use crate::ui::sources::fs_watch::{Msg, settle, watcher};
use crate::ui::sources::workspace_io::{PanelKey, WorkspaceEvent};
use notify::{RecursiveMode, Watcher as _};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{Sender, channel};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// The diff text, or why there is none.
pub(crate) type DiffLoaded = Result<String, String>;

/// Changes closer together than this cause one `git diff`.
const QUIET: Duration = Duration::from_millis(250);
/// A tree written continuously still refreshes this often.
const MAX_SETTLE: Duration = Duration::from_secs(2);
/// Changes under these never re-run git (build output, git's object store).
const NOISE: &[&str] = &[
    "target",
    "node_modules",
    ".patchfeld",
    ".git/objects",
    ".git/logs",
];

/// Which git diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GitDiffKind {
    /// Working tree vs HEAD.
    Working,
    /// Index vs HEAD.
    Staged,
}

/// Run `git diff` once (blocking); the working tree's diff includes untracked files.
pub(crate) fn git_diff(project: &Path, kind: GitDiffKind) -> DiffLoaded {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(project).args([
        "-c",
        "core.quotepath=off",
        "diff",
        "--no-color",
        "--no-ext-diff",
    ]);
    match kind {
        GitDiffKind::Working => cmd.arg("HEAD"),
        GitDiffKind::Staged => cmd.arg("--cached"),
    };
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().next().unwrap_or("git diff failed").to_owned());
    }
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if kind == GitDiffKind::Working {
        text.push_str(&untracked::untracked_diff(project)?);
    }
    Ok(text)
}

mod untracked;

/// A running git diff worker; dropping it stops the thread.
#[derive(Debug)]
pub(crate) struct GitDiffWorker {
    tx: Sender<Msg<()>>,
}

impl GitDiffWorker {
    /// Diff now, then again whenever files under `project` change.
    pub(crate) fn start(
        project: PathBuf,
        kind: GitDiffKind,
        key: PanelKey,
        generation: u64,
        post: UnboundedSender<AppEvent>,
    ) -> Self {
        let (tx, rx) = channel::<Msg<()>>();
        let wtx = tx.clone();
        let _ = std::thread::Builder::new()
            .name("git-diff".into())
            .spawn(move || {
                let send = |result: DiffLoaded| {
                    post.send(AppEvent::Workspace(Box::new(WorkspaceEvent::Diff {
                        key: key.clone(),
                        generation,
                        result,
                    })))
                    .is_ok()
                };
                let mut w = watcher::<()>(wtx).ok();
                if let Some(w) = w.as_mut() {
                    let _ = w.watch(&project, RecursiveMode::Recursive);
                }
                if !send(git_diff(&project, kind)) {
                    return;
                }
                loop {
                    let first = match rx.recv() {
                        Ok(Msg::Fs(p)) => p,
                        Ok(Msg::Req(())) => Vec::new(),
                        Ok(Msg::Stop) | Err(_) => return,
                    };
                    let s = settle(&rx, first, QUIET, MAX_SETTLE);
                    if s.stop {
                        return;
                    }
                    let relevant =
                        !s.requests.is_empty() || s.paths.iter().any(|p| !is_noise(&project, p));
                    if relevant && !send(git_diff(&project, kind)) {
                        return;
                    }
                }
            });
        Self { tx }
    }

    /// Diff again now.
    pub(crate) fn refresh(&self) {
        let _ = self.tx.send(Msg::Req(()));
    }
}

impl Drop for GitDiffWorker {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
    }
}

fn is_noise(project: &Path, p: &Path) -> bool {
    let Ok(rel) = p.strip_prefix(project) else {
        return false;
    };
    NOISE.iter().any(|n| rel.starts_with(n))
}

/// Post `agent`'s diff: a worktree agent's (`worktree`) from git vs. its merge base, else the
/// diff of the edits in its transcript (loaded through the engine).
pub(crate) fn load_agent_diff(
    engine: EngineHandle,
    agent: String,
    worktree: bool,
    key: PanelKey,
    generation: u64,
    post: UnboundedSender<AppEvent>,
) {
    tokio::spawn(async move {
        // A worktree agent's real diff vs. its merge base; else what its edit calls changed.
        let from_git = if worktree {
            engine.worktree_diff(&agent).await
        } else {
            Ok(None)
        };
        let result = match from_git {
            Ok(Some(diff)) => Ok(diff),
            Err(e @ crate::engine::EngineError::Invalid(_)) => Err(e.to_string()),
            _ => match engine.load_transcript(&agent).await {
                Ok(entries) => Ok(agent_diff(&entries)),
                Err(e) => Err(format!("cannot load {agent}'s transcript: {e}")),
            },
        };
        let _ = post.send(AppEvent::Workspace(Box::new(WorkspaceEvent::Diff {
            key,
            generation,
            result,
        })));
    });
}

/// The unified diff of every Edit / Write / MultiEdit call in `entries` whose result was not
/// an error, grouped by file in first-touched order (edits of one file in call order).
pub(crate) fn agent_diff(entries: &[TranscriptEntry]) -> String {
    let failed: HashSet<&str> = entries
        .iter()
        .filter_map(|e| match &e.item {
            TranscriptItem::ToolResult {
                tool_use_id,
                is_error: true,
                ..
            } => Some(tool_use_id.as_str()),
            _ => None,
        })
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut per_file: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for e in entries {
        let TranscriptItem::ToolUse { id, name, input } = &e.item else {
            continue;
        };
        if failed.contains(id.as_str()) {
            continue;
        }
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let Some(path) = s(input, "file_path").or_else(|| s(input, "notebook_path")) else {
            continue;
        };
        let pairs: Vec<(String, String)> = match name.as_str() {
            "Edit" => vec![(
                s(input, "old_string").unwrap_or_default(),
                s(input, "new_string").unwrap_or_default(),
            )],
            "MultiEdit" => input
                .get("edits")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|e| {
                            (
                                s(e, "old_string").unwrap_or_default(),
                                s(e, "new_string").unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            "Write" => vec![(String::new(), s(input, "content").unwrap_or_default())],
            _ => continue,
        };
        if !per_file.contains_key(&path) {
            order.push(path.clone());
        }
        per_file.entry(path).or_default().extend(pairs);
    }
    let mut out = String::new();
    for path in order {
        let Some(pairs) = per_file.get(&path) else {
            continue;
        };
        let shown = path.trim_start_matches('/');
        out.push_str(&format!(
            "diff --agent a/{shown} b/{shown}\n--- a/{shown}\n+++ b/{shown}\n"
        ));
        for (old, new) in pairs {
            let (old, new) = (with_newline(old), with_newline(new));
            let d = similar::TextDiff::from_lines(&old, &new);
            let u = d.unified_diff().context_radius(3).to_string();
            out.push_str(&u);
        }
    }
    out
}

fn with_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_owned()
    } else {
        format!("{s}\n")
    }
}
