//! The FileTree worker: lists one directory at a time on request (`.gitignore`, `.ignore` and
//! `.git/info/exclude` respected through the `ignore` crate; ignored entries are still
//! reported, flagged, so the tree can show them on demand), watches every listed directory
//! with one watcher, re-lists what changed after a quiet moment, and runs
//! `git status --porcelain=v1 -z` for the markers.

use crate::ui::sources::files::{FilesEventKind, Poster, Request};
use crate::ui::sources::fs_watch::{self, Msg};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// File events closer together than this cause one re-list.
const DEBOUNCE: Duration = Duration::from_millis(150);
/// A directory written to continuously is still re-listed this often.
const MAX_SETTLE: Duration = Duration::from_secs(1);

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeEntry {
    /// Absolute path.
    pub path: PathBuf,
    /// File name (lossy).
    pub name: String,
    /// A directory (or a link to one).
    pub is_dir: bool,
    /// Excluded by an ignore file (or `.git` itself).
    pub ignored: bool,
}

/// A path's git status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GitMark {
    /// A directory containing changes.
    Dirty,
    /// Modified (staged or not), renamed, type-changed.
    Modified,
    /// Untracked or newly added.
    New,
    /// Unmerged.
    Conflict,
}

/// Absolute path → mark (directories holding changes are `Dirty`).
pub(crate) type GitMarks = HashMap<PathBuf, GitMark>;

/// List `dir`'s direct entries: directories first, then by name (case-insensitive).
pub(crate) fn list_dir(dir: &Path) -> std::io::Result<Vec<TreeEntry>> {
    let mut kept: HashSet<OsString> = HashSet::new();
    let walk = ignore::WalkBuilder::new(dir)
        .max_depth(Some(1))
        .hidden(false)
        .parents(true)
        .git_global(false)
        .require_git(false)
        .build();
    for e in walk.flatten() {
        if e.depth() == 1 {
            kept.insert(e.file_name().to_owned());
        }
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let Ok(e) = e else { continue };
        let name = e.file_name();
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir()) || path.is_dir();
        out.push(TreeEntry {
            ignored: name == ".git" || !kept.contains(&name),
            name: name.to_string_lossy().into_owned(),
            path,
            is_dir,
        });
    }
    out.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}

/// `git status` of the repository holding `root`, as marks on absolute paths (rolled up to
/// the directories between each changed file and `root`). Empty when `root` is not in a
/// repository or git is missing.
pub(crate) fn git_status(root: &Path) -> GitMarks {
    let mut marks = GitMarks::new();
    let Some(top) = git_output(root, &["rev-parse", "--show-toplevel"]) else {
        return marks;
    };
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let Some(out) = git_output(
        root,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored=no",
        ],
    ) else {
        return marks;
    };
    // Canonical forms, so a symlinked temp dir still matches the tree's paths.
    let top_c = top.canonicalize().unwrap_or(top.clone());
    let root_c = root.canonicalize().unwrap_or(root.to_path_buf());
    let mut fields = out.split(|b| *b == 0);
    while let Some(f) = fields.next() {
        if f.len() < 4 {
            continue;
        }
        let (x, y) = (f[0], f[1]);
        let rel = String::from_utf8_lossy(&f[3..]).into_owned();
        if x == b'R' || x == b'C' {
            fields.next(); // the original path
        }
        let mark = match (x, y) {
            (b'?', b'?') | (b'A', _) => GitMark::New,
            (b'U', _) | (_, b'U') | (b'D', b'D') => GitMark::Conflict,
            (b'D', _) | (_, b'D') => continue,
            _ => GitMark::Modified,
        };
        let abs = top_c.join(rel.trim_end_matches('/'));
        let Ok(under) = abs.strip_prefix(&root_c) else {
            continue;
        };
        let path = root.join(under);
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !d.starts_with(root) {
                break;
            }
            marks.entry(d.to_path_buf()).or_insert(GitMark::Dirty);
            if d == root {
                break;
            }
            dir = d.parent();
        }
        marks.insert(path, mark);
    }
    marks
}

fn git_output(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// The worker: serves `List`/`Refresh`, watches what it listed, ends on `Stop`.
pub(crate) fn run(
    root: PathBuf,
    post: Poster,
    rx: Receiver<Msg<Request>>,
    tx: Sender<Msg<Request>>,
) {
    let mut watcher = match fs_watch::watcher(tx) {
        Ok(w) => Some(w),
        Err(e) => {
            post.send(FilesEventKind::WatchFailed(e));
            None
        }
    };
    let mut listed: BTreeSet<PathBuf> = BTreeSet::new();
    let mut list = |dir: &Path, listed: &mut BTreeSet<PathBuf>| -> bool {
        let kind = match list_dir(dir) {
            Ok(entries) => {
                if listed.insert(dir.to_path_buf())
                    && let Some(w) = watcher.as_mut()
                    && let Err(e) = fs_watch::watch_dir(w, dir)
                {
                    tracing::debug!("{e}");
                }
                FilesEventKind::TreeListed {
                    dir: dir.to_path_buf(),
                    entries,
                }
            }
            Err(e) => {
                if listed.remove(dir)
                    && let Some(w) = watcher.as_mut()
                {
                    fs_watch::unwatch_dir(w, dir);
                }
                FilesEventKind::TreeListFailed {
                    dir: dir.to_path_buf(),
                    error: e.to_string(),
                }
            }
        };
        post.send(kind)
    };
    if !list(&root, &mut listed) || !post.send(FilesEventKind::GitStatus(git_status(&root))) {
        return;
    }
    while let Ok(msg) = rx.recv() {
        let (paths, requests) = match msg {
            Msg::Stop => return,
            Msg::Req(r) => (Vec::new(), vec![r]),
            Msg::Fs(first) => {
                let s = fs_watch::settle(&rx, first, DEBOUNCE, MAX_SETTLE);
                if s.stop {
                    return;
                }
                (s.paths, s.requests)
            }
        };
        let mut relist: BTreeSet<PathBuf> = BTreeSet::new();
        for p in &paths {
            if listed.contains(p) {
                relist.insert(p.clone());
            }
            if let Some(parent) = p.parent()
                && listed.contains(parent)
            {
                relist.insert(parent.to_path_buf());
            }
        }
        let mut git = !paths.is_empty();
        for r in requests {
            match r {
                Request::List(dir) => {
                    relist.insert(dir);
                }
                Request::Refresh => {
                    relist.extend(listed.iter().cloned());
                    git = true;
                }
                Request::Window { .. } | Request::Search(_) | Request::Save { .. } => {}
            }
        }
        for dir in relist {
            if !list(&dir, &mut listed) {
                return;
            }
        }
        if git && !post.send(FilesEventKind::GitStatus(git_status(&root))) {
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]
mod tests {
    use super::*;

    #[test]
    fn listing_flags_gitignored_entries_and_sorts_dirs_first() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(".gitignore"), "target/\n*.log\n").unwrap();
        std::fs::create_dir_all(d.join("target/debug")).unwrap();
        std::fs::create_dir_all(d.join("src")).unwrap();
        std::fs::write(d.join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(d.join("src/trace.log"), "x").unwrap();
        std::fs::write(d.join("b.txt"), "b").unwrap();
        std::fs::write(d.join("A.md"), "a").unwrap();
        let top = list_dir(d).unwrap();
        let names: Vec<(&str, bool, bool)> = top
            .iter()
            .map(|e| (e.name.as_str(), e.is_dir, e.ignored))
            .collect();
        assert_eq!(
            names,
            [
                ("src", true, false),
                ("target", true, true),
                (".gitignore", false, false),
                ("A.md", false, false),
                ("b.txt", false, false),
            ]
        );
        // The root's .gitignore applies inside a subdirectory listed on its own.
        let sub = list_dir(&d.join("src")).unwrap();
        let sub: Vec<(&str, bool)> = sub.iter().map(|e| (e.name.as_str(), e.ignored)).collect();
        assert_eq!(sub, [("main.rs", false), ("trace.log", true)]);
    }

    #[test]
    fn git_status_marks_files_and_rolls_up_to_directories() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(d)
                .args(args)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@t")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@t")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        };
        if !git(&["init", "-q"]) {
            eprintln!("SKIP: git is not available");
            return;
        }
        std::fs::create_dir_all(d.join("src")).unwrap();
        std::fs::write(d.join("src/lib.rs"), "a\n").unwrap();
        std::fs::write(d.join("keep.txt"), "k\n").unwrap();
        assert!(git(&["add", "."]));
        assert!(git(&["commit", "-qm", "init"]));
        std::fs::write(d.join("src/lib.rs"), "b\n").unwrap();
        std::fs::write(d.join("new.txt"), "n\n").unwrap();
        let marks = git_status(d);
        assert_eq!(marks.get(&d.join("src/lib.rs")), Some(&GitMark::Modified));
        assert_eq!(marks.get(&d.join("src")), Some(&GitMark::Dirty));
        assert_eq!(marks.get(&d.join("new.txt")), Some(&GitMark::New));
        assert_eq!(marks.get(&d.join("keep.txt")), None);
        assert!(git_status(&std::env::temp_dir().join("no-such-dir-x")).is_empty());
    }
}
