//! Reviewing a worktree agent's branch: which slice of it is shown (the whole branch, one
//! commit, or only the uncommitted changes), the branch's commits, and review comments with
//! the one message that carries them back to the agent.

/// Which part of a worktree agent's work a diff shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReviewView {
    /// The branch against its merge base, uncommitted and untracked files included.
    #[default]
    Whole,
    /// One commit of the branch against its first parent (full sha).
    Commit(String),
    /// Only what is not committed yet (the working tree against HEAD, untracked included).
    Uncommitted,
}

/// One commit of an agent's branch since the merge base.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BranchCommit {
    /// Full sha.
    pub sha: String,
    /// First line of the message.
    pub subject: String,
    /// Lines added by this commit.
    pub added: u64,
    /// Lines removed by this commit.
    pub removed: u64,
}

impl BranchCommit {
    /// The abbreviated sha (7 characters, as git prints it).
    pub fn short(&self) -> &str {
        short_sha(&self.sha)
    }
}

/// The first 7 characters of a sha.
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// A worktree agent's diff for one view, with what a reviewer needs to step through the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewDiff {
    /// The view this diff is of (a commit that left the branch falls back to `Whole`).
    pub view: ReviewView,
    /// The merge base of the branch and its base branch (full sha).
    pub merge_base: String,
    /// The branch's commits since the merge base, oldest first (first-parent line).
    pub commits: Vec<BranchCommit>,
    /// The unified diff.
    pub diff: String,
}

/// Where a review comment was made: which diff the line number belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CommentScope {
    /// The whole branch or the uncommitted view: line numbers of the current working tree.
    #[default]
    WorkingTree,
    /// One commit: line numbers of the file as of that commit.
    Commit {
        /// Full sha.
        sha: String,
        /// Its subject.
        subject: String,
    },
}

/// A comment on one line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewComment {
    /// Repo-relative path.
    pub file: String,
    /// Line in the new version (None for a removed line).
    pub new: Option<u32>,
    /// Line in the old version (used for a removed line).
    pub old: Option<u32>,
    /// The commented line's text, quoted in the message.
    pub code: String,
    /// Which diff the line was in.
    pub scope: CommentScope,
    /// What the reviewer wrote.
    pub text: String,
}

impl ReviewComment {
    /// `file:line`, `file:line (removed line)`, with the commit for a commit view.
    pub fn place(&self) -> String {
        let base = match (self.new, self.old) {
            (Some(n), _) => format!("{}:{n}", self.file),
            (None, Some(o)) => format!("{}:{o} (removed line)", self.file),
            (None, None) => self.file.clone(),
        };
        match &self.scope {
            CommentScope::WorkingTree => base,
            CommentScope::Commit { sha, subject } => {
                format!(
                    "{base} in commit {} \"{subject}\" (line as of that commit)",
                    short_sha(sha)
                )
            }
        }
    }
}

/// The one message that sends `comments` to the agent, numbered, each with its file:line,
/// the quoted line and the comment.
pub fn review_message(comments: &[ReviewComment]) -> String {
    let mut out = String::from(
        "Review comments on your changes (file:line in the new version). Please address each one:\n",
    );
    for (i, c) in comments.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {}\n   > {}\n   {}\n",
            i + 1,
            c.place(),
            c.code.trim_end(),
            c.text.trim()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_numbers_comments_with_their_place_and_commit() {
        let c = |file: &str, new, old, scope| ReviewComment {
            file: file.into(),
            new,
            old,
            code: "  let x = 2;  ".into(),
            scope,
            text: " why two? ".into(),
        };
        let m = review_message(&[
            c("src/a.rs", Some(12), Some(11), CommentScope::WorkingTree),
            c("src/b.rs", None, Some(4), CommentScope::WorkingTree),
            c(
                "src/c.rs",
                Some(3),
                None,
                CommentScope::Commit {
                    sha: "a1b2c3d4e5f6".into(),
                    subject: "fix parser".into(),
                },
            ),
        ]);
        assert!(m.starts_with("Review comments on your changes"), "{m}");
        assert!(
            m.contains("\n1. src/a.rs:12\n   >   let x = 2;\n   why two?\n"),
            "{m}"
        );
        assert!(m.contains("\n2. src/b.rs:4 (removed line)\n"), "{m}");
        assert!(
            m.contains(
                "\n3. src/c.rs:3 in commit a1b2c3d \"fix parser\" (line as of that commit)\n"
            ),
            "{m}"
        );
    }
}
