//! Git for reviewing a worktree agent's branch: its commits since the merge base (with their
//! size), one commit's diff, the uncommitted changes alone, and the whole branch. Blocking, like
//! the rest of `worktree`; the engine runs it off its actor.

use super::{diff_worktree_against, git, merge_base};
use crate::core::review::{BranchCommit, ReviewDiff, ReviewView};
use crate::core::worktree::WorktreeInfo;

/// The branch's commits after `mb` up to HEAD, oldest first, on the first-parent line (a merge
/// of the base into the branch counts as one commit, measured against its first parent).
pub fn commits(info: &WorktreeInfo, mb: &str) -> Result<Vec<BranchCommit>, String> {
    let range = format!("{mb}..HEAD");
    let text = git(
        &info.path,
        &[
            "log",
            "--reverse",
            "--first-parent",
            "-m",
            "--no-color",
            "--format=%x1e%H%x1f%s",
            "--numstat",
            &range,
        ],
    )?;
    let mut out = Vec::new();
    for chunk in text.split('\u{1e}').filter(|c| !c.trim().is_empty()) {
        let mut lines = chunk.lines();
        let Some((sha, subject)) = lines.next().and_then(|l| l.split_once('\u{1f}')) else {
            continue;
        };
        let mut c = BranchCommit {
            sha: sha.trim().to_owned(),
            subject: subject.to_owned(),
            ..BranchCommit::default()
        };
        for l in lines {
            let mut parts = l.splitn(3, '\t');
            if let (Some(a), Some(r), Some(_)) = (parts.next(), parts.next(), parts.next()) {
                // Binary files report `-`: no lines.
                c.added += a.parse::<u64>().unwrap_or(0);
                c.removed += r.parse::<u64>().unwrap_or(0);
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// The unified diff of one commit against its first parent.
pub fn commit_diff(info: &WorktreeInfo, sha: &str) -> Result<String, String> {
    let parent = format!("{sha}^1");
    git(
        &info.path,
        &["diff", "--no-color", "--no-ext-diff", &parent, sha],
    )
}

/// What is not committed yet: the working tree (untracked files included) against HEAD.
pub fn uncommitted_diff(info: &WorktreeInfo) -> Result<String, String> {
    diff_worktree_against(info, "HEAD", &[])
}

/// The diff for `view` with the branch's commits and merge base. A commit that is no longer on
/// the branch (amended, rebased away) falls back to the whole branch, and says so in `view`.
pub fn review(info: &WorktreeInfo, view: &ReviewView) -> Result<ReviewDiff, String> {
    if !info.path.is_dir() {
        return Err(format!("worktree {} is gone", info.path.display()));
    }
    let mb = merge_base(info);
    let commits = commits(info, &mb)?;
    let view = match view {
        ReviewView::Commit(sha) => commits
            .iter()
            .find(|c| !sha.is_empty() && c.sha.starts_with(sha.as_str()))
            .map_or(ReviewView::Whole, |c| ReviewView::Commit(c.sha.clone())),
        v => v.clone(),
    };
    let diff = match &view {
        ReviewView::Whole => diff_worktree_against(info, &mb, &[])?,
        ReviewView::Commit(sha) => commit_diff(info, sha)?,
        ReviewView::Uncommitted => uncommitted_diff(info)?,
    };
    Ok(ReviewDiff {
        view,
        merge_base: mb,
        commits,
        diff,
    })
}
