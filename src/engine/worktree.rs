//! Git worktrees for child agents: create (with `.worktreeinclude` copies and the setup command),
//! diff against the merge base, merge into the base branch, discard. Every function here blocks
//! on `git`; the engine calls them off its actor task.

use crate::core::worktree::{WorktreeInfo, WorktreeRequest, WorktreeStatus};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

pub mod hunks;
pub mod review;

/// Where worktrees live, relative to the repository's top level.
pub const WORKTREES_DIR: &str = ".patchfeld/worktrees";
/// The file listing untracked files to copy into new worktrees (gitignore syntax).
pub const INCLUDE_FILE: &str = ".worktreeinclude";

/// How `merge_agent` joins the branch into its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergeStrategy {
    /// Fast-forward only; refused when the base moved.
    FastForward,
    /// Always a merge commit.
    #[default]
    Merge,
}

impl MergeStrategy {
    /// `ff` or `merge`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ff" | "fast-forward" => Some(Self::FastForward),
            "merge" => Some(Self::Merge),
            _ => None,
        }
    }
}

/// `spawn_agent`'s `worktree` argument: `true`, `false`, or `{branch?, base?}`.
pub fn parse_request(v: Option<&Value>) -> Result<Option<Box<WorktreeRequest>>, String> {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
        Some(Value::Bool(true)) => Ok(Some(Box::default())),
        Some(Value::Object(o)) => {
            let field = |k: &str| -> Result<Option<String>, String> {
                match o.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
                    Some(_) => Err(format!("worktree.{k} must be a non-empty string")),
                }
            };
            if let Some(k) = o.keys().find(|k| *k != "branch" && *k != "base") {
                return Err(format!(
                    "worktree: unknown key '{k}' (allowed: branch, base)"
                ));
            }
            Ok(Some(Box::new(WorktreeRequest {
                branch: field("branch")?,
                base: field("base")?,
            })))
        }
        Some(_) => Err("worktree must be true, false or {branch?, base?}".into()),
    }
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::io::Result<Output> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    cmd.env("GIT_TERMINAL_PROMPT", "0").env("LC_ALL", "C");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::null()).output()
}

/// Run git in `dir`; stdout (trimmed of the final newline) or `git <args>: <stderr>`.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    git_env(dir, args, &[])
}

fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let out = run(dir, args, env).map_err(|e| format!("could not run git: {e}"))?;
    if out.status.success() {
        let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
        while s.ends_with('\n') {
            s.pop();
        }
        Ok(s)
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let err = if err.is_empty() {
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        } else {
            err
        };
        Err(format!("git {}: {err}", args.join(" ")))
    }
}

/// `-c user.name=… -c user.email=…` when git has no identity configured (commits would fail).
fn identity_args(dir: &Path) -> Vec<&'static str> {
    if git(dir, &["var", "GIT_COMMITTER_IDENT"]).is_ok()
        && git(dir, &["var", "GIT_AUTHOR_IDENT"]).is_ok()
    {
        Vec::new()
    } else {
        vec![
            "-c",
            "user.name=patchfeld",
            "-c",
            "user.email=patchfeld@localhost",
        ]
    }
}

fn git_commit_like(dir: &Path, args: &[&str]) -> Result<String, String> {
    let mut all = identity_args(dir);
    all.extend_from_slice(args);
    git(dir, &all)
}

/// The top level of the repository containing `cwd`, or a clear error.
pub fn toplevel(cwd: &Path) -> Result<PathBuf, String> {
    if !cwd.is_dir() {
        return Err(format!("{} is not a directory", cwd.display()));
    }
    match git(cwd, &["rev-parse", "--show-toplevel"]) {
        Ok(t) => Ok(PathBuf::from(t)),
        Err(e) if e.contains("not a git repository") => Err(format!(
            "worktree: {} is not inside a git repository (run `git init` and commit, or spawn without worktree)",
            cwd.display()
        )),
        Err(e) => Err(format!("worktree: {e}")),
    }
}

/// A branch/path-safe form of an agent name.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "agent".to_owned() } else { s }
}

/// A new worktree: its record and the directory the agent should run in.
#[derive(Debug, Clone)]
pub struct Created {
    /// What to store in the agent record.
    pub info: WorktreeInfo,
    /// The agent's cwd: the worktree, or the same subdirectory of it the spawn asked for.
    pub cwd: PathBuf,
    /// Files copied because of `.worktreeinclude` (repo-relative).
    pub copied: Vec<String>,
}

/// Create the worktree for agent `name`/`id` spawned in `cwd`; copy `.worktreeinclude` files and
/// run `setup` (a shell command; empty = none). On failure nothing is left behind.
pub fn create(
    cwd: &Path,
    name: &str,
    id: &str,
    req: &WorktreeRequest,
    setup: &str,
) -> Result<Created, String> {
    let top = toplevel(cwd)?;
    let base_spec = req.base.clone().unwrap_or_else(|| "HEAD".to_owned());
    let base_commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{base_spec}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        if req.base.is_none() {
            format!(
                "worktree: the repository at {} has no commits yet; commit something first",
                top.display()
            )
        } else {
            format!(
                "worktree: base '{base_spec}' is not a commit, branch or tag of {}",
                top.display()
            )
        }
    })?;
    let base_branch = match &req.base {
        None => git(&top, &["symbolic-ref", "--short", "-q", "HEAD"]).ok(),
        Some(b) => git(
            &top,
            &[
                "show-ref",
                "--verify",
                "--quiet",
                &format!("refs/heads/{b}"),
            ],
        )
        .ok()
        .map(|_| b.clone()),
    };
    let dir_name = format!("{}-{id}", slug(name));
    let branch = req
        .branch
        .clone()
        .unwrap_or_else(|| format!("patchfeld/{dir_name}"));
    git(&top, &["check-ref-format", "--branch", &branch])
        .map_err(|_| format!("worktree: '{branch}' is not a valid branch name"))?;
    if git(
        &top,
        &[
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )
    .is_ok()
    {
        return Err(format!(
            "worktree: branch '{branch}' already exists; choose another"
        ));
    }
    let path = top.join(WORKTREES_DIR).join(&dir_name);
    exclude_worktrees_dir(&top);
    let path_s = path.display().to_string();
    git(
        &top,
        &["worktree", "add", "-b", &branch, &path_s, &base_commit],
    )
    .map_err(|e| format!("worktree: {e}"))?;
    let info = WorktreeInfo {
        path: path.clone(),
        repo: top.clone(),
        branch: branch.clone(),
        base_branch,
        base_commit,
        status: WorktreeStatus::Active,
        ..WorktreeInfo::default()
    };
    let undo = |why: String| -> String {
        let _ = remove(&info, true);
        why
    };
    let copied = copy_included(&top, &path).map_err(|e| undo(format!("worktree: {e}")))?;
    run_setup(&path, setup, name, id).map_err(undo)?;
    let rel = std::fs::canonicalize(cwd)
        .ok()
        .and_then(|c| c.strip_prefix(&top).ok().map(Path::to_path_buf))
        .unwrap_or_default();
    let agent_cwd = if path.join(&rel).is_dir() {
        path.join(rel)
    } else {
        path.clone()
    };
    Ok(Created {
        info,
        cwd: agent_cwd,
        copied,
    })
}

/// Keep the main checkout's `git status` clean of our worktrees (local exclude, never committed).
fn exclude_worktrees_dir(top: &Path) {
    let Ok(common) = git(top, &["rev-parse", "--git-common-dir"]) else {
        return;
    };
    let common = top.join(common);
    let file = common.join("info").join("exclude");
    let line = format!("/{WORKTREES_DIR}/");
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    if text.lines().any(|l| l.trim() == line) {
        return;
    }
    let _ = std::fs::create_dir_all(common.join("info"));
    let mut text = text;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    let _ = std::fs::write(&file, text);
}

/// Copy every file of `top` matched by `.worktreeinclude` that the worktree lacks.
fn copy_included(top: &Path, dest: &Path) -> Result<Vec<String>, String> {
    let include = top.join(INCLUDE_FILE);
    if !include.is_file() {
        return Ok(Vec::new());
    }
    let mut b = ignore::gitignore::GitignoreBuilder::new(top);
    if let Some(e) = b.add(&include) {
        return Err(format!("{INCLUDE_FILE}: {e}"));
    }
    let matcher = b.build().map_err(|e| format!("{INCLUDE_FILE}: {e}"))?;
    let mut copied = Vec::new();
    let walker = ignore::WalkBuilder::new(top)
        .standard_filters(false)
        .hidden(false)
        .filter_entry(|e| {
            let n = e.file_name();
            !(e.depth() == 1 && (n == ".git" || n == ".patchfeld"))
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(top) else {
            continue;
        };
        if !matcher.matched_path_or_any_parents(rel, false).is_ignore() {
            continue;
        }
        let target = dest.join(rel);
        if target.exists() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(entry.path(), &target)
            .map_err(|e| format!("copying {}: {e}", rel.display()))?;
        copied.push(rel.display().to_string());
    }
    copied.sort();
    Ok(copied)
}

fn run_setup(path: &Path, setup: &str, name: &str, id: &str) -> Result<(), String> {
    if setup.trim().is_empty() {
        return Ok(());
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(setup)
        .current_dir(path)
        .env("PATCHFELD_WORKTREE", path)
        .env("PATCHFELD_AGENT", name)
        .env("PATCHFELD_AGENT_ID", id)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("worktree.setup could not run: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    let tail: Vec<&str> = text.lines().rev().take(8).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "worktree.setup `{setup}` failed ({}): {}",
        out.status,
        tail.join("\n")
    ))
}

/// The commit the agent's work is measured from: merge base of its HEAD and the base branch
/// (so a moved base branch does not show up as the agent's change).
pub fn merge_base(info: &WorktreeInfo) -> String {
    let base = info.base_branch.as_deref().unwrap_or(&info.base_commit);
    git(&info.path, &["merge-base", base, "HEAD"]).unwrap_or_else(|_| info.base_commit.clone())
}

static TMP_INDEX: AtomicU64 = AtomicU64::new(0);

/// Run a `git diff --cached <merge-base> …` against a throw-away index holding the whole working
/// tree (untracked files included), so the agent's own index is never touched.
fn diff_with_worktree(info: &WorktreeInfo, extra: &[&str]) -> Result<String, String> {
    diff_worktree_against(info, &merge_base(info), extra)
}

/// `diff_with_worktree` against any commit `mb` (the review's uncommitted view uses HEAD).
fn diff_worktree_against(info: &WorktreeInfo, mb: &str, extra: &[&str]) -> Result<String, String> {
    let dir = &info.path;
    if !dir.is_dir() {
        return Err(format!("worktree {} is gone", dir.display()));
    }
    let index = git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-path", "index"],
    )?;
    let tmp = format!(
        "{index}.patchfeld-{}-{}",
        std::process::id(),
        TMP_INDEX.fetch_add(1, Ordering::Relaxed)
    );
    // A copy keeps the stat cache, so `add -A` only hashes what changed.
    if std::fs::copy(&index, &tmp).is_err() {
        let _ = git_env(dir, &["read-tree", "HEAD"], &[("GIT_INDEX_FILE", &tmp)]);
    }
    let env = [("GIT_INDEX_FILE", tmp.as_str())];
    let result = git_env(dir, &["add", "-A"], &env).and_then(|_| {
        let mut args = vec!["diff", "--cached", "--no-color", "--no-ext-diff"];
        args.extend_from_slice(extra);
        args.push(mb);
        git_env(dir, &args, &env)
    });
    let _ = std::fs::remove_file(&tmp);
    result
}

/// The unified diff of the agent's work vs. the merge base, uncommitted changes included.
pub fn diff(info: &WorktreeInfo) -> Result<String, String> {
    diff_with_worktree(info, &[])
}

/// Lines added, removed and the files changed vs. the merge base.
pub fn numstat(info: &WorktreeInfo) -> Result<(u64, u64, Vec<String>), String> {
    let text = diff_with_worktree(info, &["--numstat"])?;
    let (mut added, mut removed, mut files) = (0, 0, Vec::new());
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(a), Some(r), Some(f)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        added += a.parse::<u64>().unwrap_or(0);
        removed += r.parse::<u64>().unwrap_or(0);
        files.push(f.to_owned());
    }
    Ok((added, removed, files))
}

/// Commit everything in the worktree (untracked files included). `Ok(false)`: nothing to commit.
pub fn commit_all(info: &WorktreeInfo, message: &str) -> Result<bool, String> {
    let dir = &info.path;
    git(dir, &["add", "-A"])?;
    if git(dir, &["diff", "--cached", "--quiet"]).is_ok() {
        return Ok(false);
    }
    git_commit_like(dir, &["commit", "--no-verify", "-q", "-m", message])?;
    Ok(true)
}

/// What discarding would lose: uncommitted files and commits not in the base branch.
pub fn unmerged_work(info: &WorktreeInfo) -> Result<Option<String>, String> {
    let mut lost = Vec::new();
    if info.path.is_dir() {
        let status = git(&info.path, &["status", "--porcelain"])?;
        let n = status.lines().filter(|l| !l.trim().is_empty()).count();
        if n > 0 {
            lost.push(format!("{n} uncommitted file(s)"));
        }
    }
    let base = info.base_branch.as_deref().unwrap_or(&info.base_commit);
    if let Ok(count) = git(
        &info.repo,
        &["rev-list", "--count", &format!("{base}..{}", info.branch)],
    ) {
        let count: u64 = count.trim().parse().unwrap_or(0);
        if count > 0 {
            lost.push(format!(
                "{count} commit(s) on {} not in {base}",
                info.branch
            ));
        }
    }
    Ok((!lost.is_empty()).then(|| lost.join(" and ")))
}

/// Remove the worktree directory and (when `delete_branch`) its branch.
pub fn remove(info: &WorktreeInfo, delete_branch: bool) -> Result<(), String> {
    let repo = &info.repo;
    if info.path.exists() {
        git(
            repo,
            &[
                "worktree",
                "remove",
                "--force",
                &info.path.display().to_string(),
            ],
        )?;
    }
    let _ = git(repo, &["worktree", "prune"]);
    if delete_branch
        && git(
            repo,
            &[
                "show-ref",
                "--verify",
                "--quiet",
                &format!("refs/heads/{}", info.branch),
            ],
        )
        .is_ok()
    {
        git(repo, &["branch", "-D", &info.branch])?;
    }
    Ok(())
}

/// Why a merge did not happen.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeError {
    /// Conflicts: the merge was aborted; both sides are as they were.
    Conflict {
        /// Conflicting files.
        files: Vec<String>,
        /// The explanation.
        message: String,
    },
    /// Anything else (explained).
    Other(String),
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conflict { message, .. } | Self::Other(message) => f.write_str(message),
        }
    }
}

/// Commit what is left, merge the branch into its base branch in the main checkout, then remove
/// the worktree and the branch. On any failure nothing is removed.
pub fn merge(
    info: &WorktreeInfo,
    message: &str,
    strategy: MergeStrategy,
) -> Result<String, MergeError> {
    use MergeError::Other;
    if !info.path.is_dir() {
        return Err(Other(format!(
            "worktree {} is gone; nothing to merge from",
            info.path.display()
        )));
    }
    let Some(base) = info.base_branch.clone() else {
        return Err(Other(format!(
            "{} was started from a detached commit ({}); there is no base branch to merge into. \
             Merge {} by hand.",
            info.branch, info.base_commit, info.branch
        )));
    };
    let committed = commit_all(info, message).map_err(Other)?;
    let repo = &info.repo;
    let current = git(repo, &["symbolic-ref", "--short", "-q", "HEAD"]).unwrap_or_default();
    if current != base {
        return Err(Other(format!(
            "the main checkout {} is on '{}', not on the base branch '{base}'; switch it to '{base}' \
             first (patchfeld never switches your branch). The work is {} on {}.",
            repo.display(),
            if current.is_empty() {
                "a detached HEAD"
            } else {
                &current
            },
            if committed { "committed" } else { "kept" },
            info.branch
        )));
    }
    let ahead: u64 = git(
        repo,
        &["rev-list", "--count", &format!("{base}..{}", info.branch)],
    )
    .map_err(Other)?
    .trim()
    .parse()
    .unwrap_or(0);
    let how = if ahead == 0 {
        "nothing to merge".to_owned()
    } else {
        match strategy {
            MergeStrategy::FastForward => {
                git(repo, &["merge", "--ff-only", "-q", &info.branch]).map_err(|e| {
                    Other(format!(
                        "cannot fast-forward {base} to {} ({base} has moved on); use strategy \"merge\". \
                         Nothing was changed. ({e})",
                        info.branch
                    ))
                })?;
                format!("fast-forwarded {base} by {ahead} commit(s)")
            }
            MergeStrategy::Merge => {
                let msg = format!("Merge {} ({message})", info.branch);
                if let Err(e) =
                    git_commit_like(repo, &["merge", "--no-ff", "-q", "-m", &msg, &info.branch])
                {
                    let files: Vec<String> = git(repo, &["diff", "--name-only", "--diff-filter=U"])
                        .unwrap_or_default()
                        .lines()
                        .map(str::to_owned)
                        .collect();
                    if files.is_empty() {
                        return Err(Other(format!(
                            "merging {} into {base} failed; nothing was changed: {e}",
                            info.branch
                        )));
                    }
                    let _ = git(repo, &["merge", "--abort"]);
                    let message = format!(
                        "merge of {} into {base} stopped: conflicts in {}. The merge was aborted: {base}, \
                         the branch and the worktree {} are unchanged. Have the agent merge {base} into \
                         its branch and resolve the conflicts, then merge again.",
                        info.branch,
                        files.join(", "),
                        info.path.display()
                    );
                    return Err(MergeError::Conflict { files, message });
                }
                format!(
                    "merged {} into {base} ({ahead} commit(s), merge commit)",
                    info.branch
                )
            }
        }
    };
    remove(info, true)
        .map_err(|e| Other(format!("{how}, but removing the worktree failed: {e}")))?;
    Ok(format!(
        "{how}; worktree {} and branch {} removed",
        info.path.display(),
        info.branch
    ))
}

/// Files both change lists touch.
pub fn shared_files<'a>(a: &'a [String], b: &[String]) -> Vec<&'a str> {
    a.iter()
        .filter(|f| b.contains(f))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_request_accepts_true_or_an_object() {
        assert_eq!(parse_request(None), Ok(None));
        assert_eq!(parse_request(Some(&json!(false))), Ok(None));
        assert_eq!(parse_request(Some(&json!(true))), Ok(Some(Box::default())));
        assert_eq!(
            parse_request(Some(&json!({"branch": "feat/x", "base": "main"}))),
            Ok(Some(Box::new(WorktreeRequest {
                branch: Some("feat/x".into()),
                base: Some("main".into())
            })))
        );
        assert!(
            parse_request(Some(&json!({"bogus": 1})))
                .unwrap_err()
                .contains("bogus")
        );
        assert!(parse_request(Some(&json!("yes"))).is_err());
    }

    #[test]
    fn names_become_branch_safe() {
        assert_eq!(slug("Fix tests!"), "fix-tests");
        assert_eq!(slug("***"), "agent");
    }

    #[test]
    fn not_a_repo_says_so() {
        let d = tempfile::tempdir().unwrap();
        let e = toplevel(d.path()).unwrap_err();
        assert!(e.contains("not inside a git repository"), "{e}");
    }
}
