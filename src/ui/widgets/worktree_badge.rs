//! How a worktree agent's branch, change size and overlaps read in the AgentTable row and the
//! History details.

use crate::core::agent::AgentRecord;
use crate::core::worktree::{WorktreeInfo, WorktreeStatus};
use crate::ui::render::theme::Theme;
use ratatui::style::Modifier;
use ratatui::text::Span;

/// Spans put before a table row's activity: `⚠ overlaps b ⎇ alpha-1a2b +12/-3 ·`; nothing
/// for an agent without a worktree.
pub(crate) fn row_spans(a: &AgentRecord, t: &Theme) -> Vec<Span<'static>> {
    let Some(w) = &a.worktree else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    // The warning leads: in a narrow activity column it is what must not be cut off.
    if !w.overlaps.is_empty() {
        let who: Vec<&str> = w
            .overlaps
            .iter()
            .map(|o| o.split(':').next().unwrap_or(o))
            .collect();
        spans.push(Span::styled(
            format!("⚠ overlaps {} ", who.join(", ")),
            t.warning.add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(Span::styled(format!("⎇ {} ", w.short_branch()), t.accent));
    match w.status {
        WorktreeStatus::Active => {
            spans.push(Span::styled(format!("+{}", w.added), t.ok));
            spans.push(Span::styled(format!("/-{} ", w.removed), t.error));
        }
        s => spans.push(Span::styled(format!("{} ", s.as_str()), t.dim)),
    }
    spans.push(Span::styled("· ", t.dim));
    spans
}

/// `(label, value)` lines for the History details.
pub(crate) fn detail_fields(w: &WorktreeInfo) -> Vec<(&'static str, String)> {
    let mut out = vec![
        (
            "branch",
            format!(
                "{} ({}) from {} {}",
                w.branch,
                w.status.as_str(),
                w.base_branch.as_deref().unwrap_or("commit"),
                w.base_commit.get(..10).unwrap_or(&w.base_commit)
            ),
        ),
        (
            "changes",
            format!("{} in {} file(s)", w.stat(), w.files.len()),
        ),
        ("worktree", w.path.display().to_string()),
    ];
    if !w.overlaps.is_empty() {
        out.push(("overlaps", w.overlaps.join("; ")));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::agent::AgentState;
    use crate::core::ids::AgentId;

    fn record(name: &str) -> AgentRecord {
        AgentRecord::new(
            AgentId("0a1b2c3d4e5f".into()),
            name,
            "/tmp",
            AgentState::Done,
            0.0,
        )
    }

    fn text(spans: &[Span<'_>]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn rows_show_branch_size_and_overlaps() {
        let theme = Theme::dark();
        let mut a = record("alpha");
        assert!(row_spans(&a, &theme).is_empty());
        a.worktree = Some(Box::new(WorktreeInfo {
            branch: "patchfeld/alpha-0a1b2c3d4e5f".into(),
            added: 12,
            removed: 3,
            overlaps: vec!["beta: same.txt".into()],
            ..WorktreeInfo::default()
        }));
        assert_eq!(
            text(&row_spans(&a, &theme)),
            "⚠ overlaps beta ⎇ alpha-0a1b2c3d4e5f +12/-3 · "
        );
        let w = a.worktree.as_mut().unwrap();
        w.status = WorktreeStatus::Merged;
        w.overlaps.clear();
        assert_eq!(
            text(&row_spans(&a, &theme)),
            "⎇ alpha-0a1b2c3d4e5f merged · "
        );
        let fields = detail_fields(a.worktree.as_ref().unwrap());
        assert_eq!(fields[1], ("changes", "+12/-3 in 0 file(s)".to_owned()));
    }
}
