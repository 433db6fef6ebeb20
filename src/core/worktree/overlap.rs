//! Whether two worktree agents' changes to the same file collide: the line ranges each changed
//! in its base version of the file (from `git diff -U0` hunk headers), and the overlap wording
//! the rows, the activity feed and the merge result use ("same hunk, lines 3-4" / "same file").

use super::WorktreeInfo;
use serde::{Deserialize, Serialize};

/// Lines `start..end` (1-based, half-open) of a file's base version that a change replaced or
/// removed; empty (`start == end`) when lines were only inserted before line `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRange {
    /// First base line touched (or the line the insertion goes before).
    pub start: u64,
    /// One past the last base line touched.
    pub end: u64,
}

impl LineRange {
    /// From the old side `-a,b` of a `git diff -U0` hunk header (`b == 0`: insertion after
    /// line `a`).
    pub fn from_old_side(a: u64, b: u64) -> Self {
        if b == 0 {
            Self {
                start: a + 1,
                end: a + 1,
            }
        } else {
            Self {
                start: a,
                end: a + b,
            }
        }
    }

    /// Whether two changes of the same base touch the same or adjacent lines: git's merge
    /// makes one conflict of those (changes with an untouched line between them merge).
    pub fn meets(self, other: Self) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

/// The lines one agent changed in one file, relative to its merge base.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FileChange {
    /// Repo-relative path (as `files` lists it).
    pub path: String,
    /// The blob of the file in the merge base (all zeros: the file is new). Two agents' line
    /// numbers only compare when this is the same.
    pub base_blob: String,
    /// The changed base lines, in order.
    pub ranges: Vec<LineRange>,
}

/// How two agents' changes to one file relate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOverlap {
    /// Their changes touch the same (or adjacent) lines: base lines `first..=last` of the
    /// spans where they meet.
    SameHunk(Vec<(u64, u64)>),
    /// Different regions, or not comparable (different base versions, binary, renamed).
    SameFile,
}

/// How `a` and `b` (one file, two agents) relate.
pub fn file_overlap(a: Option<&FileChange>, b: Option<&FileChange>) -> FileOverlap {
    let (Some(a), Some(b)) = (a, b) else {
        return FileOverlap::SameFile;
    };
    if a.base_blob != b.base_blob || a.base_blob.is_empty() {
        return FileOverlap::SameFile;
    }
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for ra in &a.ranges {
        for rb in b.ranges.iter().filter(|rb| ra.meets(**rb)) {
            let first = ra.start.min(rb.start);
            let last = (ra.end.max(rb.end).saturating_sub(1)).max(first);
            match spans.last_mut() {
                Some(l) if first <= l.1 + 1 && last >= l.0 => {
                    l.0 = l.0.min(first);
                    l.1 = l.1.max(last);
                }
                _ => spans.push((first, last)),
            }
        }
    }
    if spans.is_empty() {
        FileOverlap::SameFile
    } else {
        spans.sort_unstable();
        FileOverlap::SameHunk(spans)
    }
}

/// `x.rs (same hunk, lines 3-4)` / `x.rs (same file)`.
pub fn describe(path: &str, overlap: &FileOverlap) -> String {
    match overlap {
        FileOverlap::SameFile => format!("{path} (same file)"),
        FileOverlap::SameHunk(spans) => {
            let shown: Vec<String> = spans
                .iter()
                .take(3)
                .map(|&(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}-{b}")
                    }
                })
                .collect();
            let more = if spans.len() > 3 { ", …" } else { "" };
            let single = spans.len() == 1 && spans[0].0 == spans[0].1;
            format!(
                "{path} (same hunk, {} {}{more})",
                if single { "line" } else { "lines" },
                shown.join(", ")
            )
        }
    }
}

/// One entry per file both change: `x.rs (same hunk, lines 3-4)` or `y.rs (same file)`.
pub fn overlap_items(mine: &WorktreeInfo, theirs: &WorktreeInfo) -> Vec<String> {
    let change = |w: &WorktreeInfo, f: &str| -> Option<FileChange> {
        w.changes.iter().find(|c| c.path == f).cloned()
    };
    mine.files
        .iter()
        .filter(|f| theirs.files.contains(f))
        .map(|f| {
            describe(
                f,
                &file_overlap(change(mine, f).as_ref(), change(theirs, f).as_ref()),
            )
        })
        .collect()
}

/// An overlap entry without its line numbers, so moving lines are not news but a file that
/// went from "same file" to "same hunk" is.
pub fn overlap_key(entry: &str) -> String {
    let mut out = String::with_capacity(entry.len());
    let mut rest = entry;
    while let Some(i) = rest.find("(same hunk, ") {
        out.push_str(&rest[..i]);
        out.push_str("(same hunk)");
        rest = &rest[i..];
        match rest.find(')') {
            Some(j) => rest = &rest[j + 1..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn r(a: u64, b: u64) -> LineRange {
        LineRange::from_old_side(a, b)
    }

    fn change(path: &str, blob: &str, ranges: &[LineRange]) -> FileChange {
        FileChange {
            path: path.into(),
            base_blob: blob.into(),
            ranges: ranges.to_vec(),
        }
    }

    /// The cases `git merge-file` was checked against: adjacent changes and an insertion next
    /// to a change conflict; one untouched line between them merges.
    #[test]
    fn ranges_meet_like_git_merges_conflict() {
        let five = r(5, 1);
        assert_eq!(five, LineRange { start: 5, end: 6 });
        assert!(five.meets(r(5, 1)), "same line");
        assert!(five.meets(r(6, 1)), "adjacent lines conflict in git");
        assert!(!five.meets(r(7, 1)), "one line apart merges cleanly");
        assert!(!r(7, 2).meets(five));
        assert!(five.meets(r(5, 0)), "insertion after line 5");
        assert!(five.meets(r(4, 0)), "insertion before line 5");
        assert!(!five.meets(r(2, 0)));
        assert!(r(3, 4).meets(r(5, 1)), "containment");
        assert!(r(0, 0).meets(r(0, 0)), "both add to an empty/new file");
    }

    #[test]
    fn overlap_needs_the_same_base_version() {
        let a = change("x.rs", "b1", &[r(2, 1), r(40, 3)]);
        let b = change("x.rs", "b1", &[r(3, 1)]);
        assert_eq!(
            file_overlap(Some(&a), Some(&b)),
            FileOverlap::SameHunk(vec![(2, 3)])
        );
        let far = change("x.rs", "b1", &[r(9, 1)]);
        assert_eq!(file_overlap(Some(&a), Some(&far)), FileOverlap::SameFile);
        let other_base = change("x.rs", "b2", &[r(2, 1)]);
        assert_eq!(
            file_overlap(Some(&a), Some(&other_base)),
            FileOverlap::SameFile,
            "line numbers of different base versions do not compare"
        );
        assert_eq!(file_overlap(Some(&a), None), FileOverlap::SameFile);
    }

    #[test]
    fn wording_names_the_lines() {
        assert_eq!(
            describe("x.rs", &FileOverlap::SameHunk(vec![(2, 2)])),
            "x.rs (same hunk, line 2)"
        );
        assert_eq!(
            describe("x.rs", &FileOverlap::SameHunk(vec![(2, 3), (9, 9)])),
            "x.rs (same hunk, lines 2-3, 9)"
        );
        assert_eq!(describe("y.rs", &FileOverlap::SameFile), "y.rs (same file)");
        let mine = WorktreeInfo {
            files: vec!["x.rs".into(), "y.rs".into(), "z.rs".into()],
            changes: vec![
                change("x.rs", "b1", &[r(2, 1)]),
                change("y.rs", "b2", &[r(1, 1)]),
            ],
            ..WorktreeInfo::default()
        };
        let theirs = WorktreeInfo {
            files: vec!["y.rs".into(), "x.rs".into()],
            changes: vec![
                change("x.rs", "b1", &[r(2, 0)]),
                change("y.rs", "b2", &[r(30, 1)]),
            ],
            ..WorktreeInfo::default()
        };
        assert_eq!(
            overlap_items(&mine, &theirs),
            ["x.rs (same hunk, line 2)", "y.rs (same file)"]
        );
    }

    #[test]
    fn keys_drop_line_numbers_only() {
        assert_eq!(
            overlap_key("b: x.rs (same hunk, lines 2-3, 9), y.rs (same file)"),
            "b: x.rs (same hunk), y.rs (same file)"
        );
        assert_eq!(
            overlap_key("b: x.rs (same hunk, line 7)"),
            overlap_key("b: x.rs (same hunk, lines 1-2)")
        );
        assert_ne!(
            overlap_key("b: x.rs (same hunk, line 7)"),
            overlap_key("b: x.rs (same file)")
        );
    }
}
