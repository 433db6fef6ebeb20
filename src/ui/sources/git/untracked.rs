//! Untracked files for the `working` diff: `git diff HEAD` leaves out files git does not
//! track yet, which are often exactly what an agent just created. Each one listed by
//! `git ls-files --others --exclude-standard` (so .gitignore holds) becomes a new-file diff;
//! binary and non-UTF-8 files are skipped, large ones are listed without their text, and
//! the number of files read is capped so a forgotten build directory cannot stall a refresh.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// Larger untracked files are listed without content.
pub(crate) const MAX_UNTRACKED_BYTES: u64 = 256 << 10;
/// At most this many untracked files are shown.
pub(crate) const MAX_UNTRACKED_FILES: usize = 200;

/// New-file diffs of the untracked files under `project` (blocking: runs git, reads files).
pub(crate) fn untracked_diff(project: &Path) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(project)
        .args(["ls-files", "--others", "--exclude-standard", "-z"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err
            .lines()
            .next()
            .unwrap_or("git ls-files failed")
            .to_owned());
    }
    let mut text = String::new();
    let names = out
        .stdout
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8_lossy(n).into_owned());
    for (i, name) in names.enumerate() {
        if i == MAX_UNTRACKED_FILES {
            break;
        }
        let path = project.join(&name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue; // gone since git listed it
        };
        if !meta.is_file() {
            continue;
        }
        let header = format!("diff --git a/{name} b/{name}\nnew file mode 100644\n");
        if meta.len() > MAX_UNTRACKED_BYTES {
            let _ = write!(
                text,
                "{header}--- /dev/null\n+++ b/{name}\n@@ -0,0 +1,1 @@\n+(untracked, {} KiB: too large to show)\n",
                meta.len() >> 10
            );
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if bytes.iter().take(8192).any(|b| *b == 0) {
            continue;
        }
        let Ok(body) = String::from_utf8(bytes) else {
            continue;
        };
        text.push_str(&header);
        let lines: Vec<&str> = body.lines().collect();
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(
            text,
            "--- /dev/null\n+++ b/{name}\n@@ -0,0 +1,{} @@",
            lines.len()
        );
        for l in lines {
            text.push('+');
            text.push_str(l);
            text.push('\n');
        }
    }
    Ok(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ui::widgets::diff_viewer::parse;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn untracked_files_become_new_file_diffs() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q"]);
        std::fs::write(d.join(".gitignore"), "ignored.txt\n").unwrap();
        std::fs::write(d.join("new file.rs"), "fn a() {}\nfn b() {}\n").unwrap();
        std::fs::write(d.join("ignored.txt"), "secret\n").unwrap();
        std::fs::write(d.join("blob.bin"), [1u8, 0, 2, 3]).unwrap();
        std::fs::write(
            d.join("big.log"),
            "x".repeat(MAX_UNTRACKED_BYTES as usize + 1),
        )
        .unwrap();
        let text = untracked_diff(d).unwrap();
        let files = parse(&text);
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(names.contains(&"new file.rs"), "{names:?}\n{text}");
        assert!(names.contains(&".gitignore"), "{names:?}");
        assert!(names.contains(&"big.log"), "{names:?}");
        assert!(!names.contains(&"ignored.txt"), "gitignored: {names:?}");
        assert!(!names.contains(&"blob.bin"), "binary: {names:?}");
        let f = files.iter().find(|f| f.path == "new file.rs").unwrap();
        assert_eq!((f.added, f.removed), (2, 0));
        let big = files.iter().find(|f| f.path == "big.log").unwrap();
        assert_eq!(big.added, 1, "a note, not 256 KiB of x");
        assert!(text.contains("too large to show"));
    }
}
