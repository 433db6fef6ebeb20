//! Measuring a worktree agent's change in one `git diff`: lines added and removed, the files,
//! and per file the base lines it changed (`-U0` hunk headers), which tell a same-hunk overlap
//! with another agent from a same-file one. Blocks on git; the engine runs it off its actor.

use crate::core::worktree::WorktreeInfo;
use crate::core::worktree::overlap::{FileChange, LineRange};

/// What one measurement found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Measured {
    /// Lines added vs. the merge base.
    pub added: u64,
    /// Lines removed vs. the merge base.
    pub removed: u64,
    /// Files changed (repo-relative, as `--numstat` names them).
    pub files: Vec<String>,
    /// Changed base lines per text file.
    pub changes: Vec<FileChange>,
}

/// Measure the agent's work vs. its merge base, uncommitted and untracked files included.
pub fn measure(info: &WorktreeInfo) -> Result<Measured, String> {
    let text = super::diff_with_worktree(
        info,
        &[
            "--numstat",
            "--patch",
            "-U0",
            "--full-index",
            "--no-textconv",
        ],
    )?;
    Ok(parse(&text))
}

/// Parse `git diff --numstat --patch -U0 --full-index`: numstat lines, a blank line, the patch.
pub fn parse(text: &str) -> Measured {
    let mut m = Measured::default();
    let mut lines = text.lines();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(a), Some(r), Some(f)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        m.added += a.parse::<u64>().unwrap_or(0);
        m.removed += r.parse::<u64>().unwrap_or(0);
        m.files.push(f.to_owned());
    }
    let mut cur: Option<FileChange> = None;
    let mut old_path: Option<String> = None;
    // Content lines still to skip in the current hunk (they may look like headers).
    let (mut old_left, mut new_left) = (0u64, 0u64);
    let mut flush = |cur: &mut Option<FileChange>| {
        if let Some(c) = cur.take()
            && !c.path.is_empty()
            && !c.ranges.is_empty()
        {
            m.changes.push(c);
        }
    };
    for line in lines {
        if old_left > 0 || new_left > 0 {
            match line.as_bytes().first() {
                Some(b'-') => old_left = old_left.saturating_sub(1),
                Some(b'+') => new_left = new_left.saturating_sub(1),
                Some(b'\\') => {}
                // Not what the header promised: resynchronise on headers.
                _ => (old_left, new_left) = (0, 0),
            }
            if old_left > 0 || new_left > 0 || matches!(line.as_bytes().first(), Some(b'-' | b'+'))
            {
                continue;
            }
        }
        if line.starts_with("diff --git ") {
            flush(&mut cur);
            cur = Some(FileChange::default());
            old_path = None;
        } else if let Some(rest) = line.strip_prefix("index ") {
            if let Some(c) = cur.as_mut() {
                c.base_blob = rest.split("..").next().unwrap_or("").to_owned();
            }
        } else if let Some(p) = line.strip_prefix("--- ") {
            old_path = p.strip_prefix("a/").map(str::to_owned);
        } else if let Some(p) = line.strip_prefix("+++ ") {
            if let Some(c) = cur.as_mut() {
                c.path = match p.strip_prefix("b/") {
                    Some(p) => p.to_owned(),
                    None => old_path.clone().unwrap_or_default(),
                };
            }
        } else if let Some(h) = line.strip_prefix("@@ ")
            && let Some((old, new)) = hunk_sides(h)
        {
            if let Some(c) = cur.as_mut() {
                c.ranges.push(LineRange::from_old_side(old.0, old.1));
            }
            (old_left, new_left) = (old.1, new.1);
        }
    }
    flush(&mut cur);
    m
}

/// `-a,b +c,d @@ …` → ((a, b), (c, d)); a missing count is 1.
fn hunk_sides(h: &str) -> Option<((u64, u64), (u64, u64))> {
    let mut parts = h.split(' ');
    let side = |s: Option<&str>, sign: char| -> Option<(u64, u64)> {
        let s = s?.strip_prefix(sign)?;
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let old = side(parts.next(), '-')?;
    let new = side(parts.next(), '+')?;
    Some((old, new))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// What git 2.47 printed for: a binary change, a new file, a changed line plus an
    /// appended one, and a removed line whose content looks like a header.
    const OUT: &str = "-\t-\tb.bin
1\t0\tn.txt
2\t1\tx.txt
0\t1\ty.txt

diff --git a/b.bin b/b.bin
index 87ae6b695deceaf160611414f7dcd5c7366b2e79..22f6b3b038c9c8f81e86f801c481bbf851e477fe 100644
Binary files a/b.bin and b/b.bin differ
diff --git a/n.txt b/n.txt
new file mode 100644
index 0000000000000000000000000000000000000000..3e757656cf36eca53338e520d134963a44f793f8
--- /dev/null
+++ b/n.txt
@@ -0,0 +1 @@
+new
diff --git a/x.txt b/x.txt
index 940532533944dd159bfd11136fac2ee35872de38..91ac79b071ce3fb54356b268bef565ad6c7e63f5 100644
--- a/x.txt
+++ b/x.txt
@@ -2 +2 @@ a
-b
+B
@@ -5,0 +6 @@ e
+f
diff --git a/y.txt b/y.txt
index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644
--- a/y.txt
+++ b/y.txt
@@ -3 +2,0 @@ x
--- a/not-a-header
";

    #[test]
    fn numbers_files_and_base_line_ranges() {
        let m = parse(OUT);
        assert_eq!((m.added, m.removed), (3, 2));
        assert_eq!(m.files, ["b.bin", "n.txt", "x.txt", "y.txt"]);
        let paths: Vec<&str> = m.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["n.txt", "x.txt", "y.txt"], "binary has no lines");
        assert_eq!(m.changes[0].base_blob, "0".repeat(40));
        assert_eq!(
            m.changes[0].ranges,
            [LineRange { start: 1, end: 1 }],
            "new file"
        );
        assert_eq!(
            m.changes[1].ranges,
            [
                LineRange { start: 2, end: 3 },
                LineRange { start: 6, end: 6 }
            ]
        );
        assert_eq!(
            m.changes[1].base_blob,
            "940532533944dd159bfd11136fac2ee35872de38"
        );
        assert_eq!(m.changes[2].ranges, [LineRange { start: 3, end: 4 }]);
    }

    #[test]
    fn nothing_changed_is_empty() {
        assert_eq!(parse(""), Measured::default());
    }
}
