//! The finish dialog of a worktree agent: merge (commit message for leftover changes and the
//! strategy) or discard (what would be lost; only `y` confirms), then the engine's answer in
//! the same box.

use crate::core::ids::AgentId;
use crate::engine::worktree::MergeStrategy;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::wrap;
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

/// What discarding would lose, as far as is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lost {
    /// Git is being asked.
    Checking,
    /// No commits outside the base, no uncommitted files.
    Nothing,
    /// The engine's `unmerged_work` text (`2 uncommitted file(s) and 1 commit(s) on … not in main`).
    Work(String),
    /// The check failed (why).
    Unknown(String),
}

/// Merge or discard, with what each needs.
#[derive(Debug)]
pub(crate) enum FinishKind {
    /// `M`: the commit message (prefilled) and fast-forward vs merge commit.
    Merge {
        message: Box<InputState>,
        strategy: MergeStrategy,
    },
    /// `D`: the confirmation.
    Discard { lost: Lost },
}

/// Where the dialog is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    /// Waiting for the user.
    Edit,
    /// The engine is at it.
    Running,
    /// The engine's answer (success text, or why nothing happened).
    Done(Result<String, String>),
}

/// The open dialog.
#[derive(Debug)]
pub(crate) struct FinishDialogState {
    pub agent: AgentId,
    pub name: String,
    pub branch: String,
    /// The base branch (or `commit 1a2b3c…` for a detached base).
    pub base: String,
    /// The worktree directory, for the discard text.
    pub path: String,
    /// `+12/-3 in 2 file(s)`.
    pub stat: String,
    /// The agent's current overlaps with other worktree agents.
    pub overlaps: Vec<String>,
    pub kind: FinishKind,
    pub phase: Phase,
}

/// `merge commit` / `fast-forward only`.
pub(crate) fn strategy_label(s: MergeStrategy) -> &'static str {
    match s {
        MergeStrategy::Merge => "merge commit",
        MergeStrategy::FastForward => "fast-forward only",
    }
}

/// The other strategy (Tab).
pub(crate) fn toggled(s: MergeStrategy) -> MergeStrategy {
    match s {
        MergeStrategy::Merge => MergeStrategy::FastForward,
        MergeStrategy::FastForward => MergeStrategy::Merge,
    }
}

/// Borrowed view for one frame.
pub(crate) struct FinishDialogView<'a> {
    pub state: &'a FinishDialogState,
    pub theme: &'a Theme,
}

/// One body row: styled text, or the message input.
enum Row {
    Text(Line<'static>),
    Input,
}

impl FinishDialogView<'_> {
    /// Draw centred over `area`; the cursor when the message input shows.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let s = self.state;
        let t = self.theme;
        let w = area.width.saturating_sub(4).min(78);
        if w < 24 || area.height < 5 {
            return None;
        }
        let text_w = usize::from(w.saturating_sub(4));
        let rows = self.rows(text_w);
        let h = (rows.len() as u16 + 2).min(area.height);
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + area.height.saturating_sub(h) / 3,
            w,
            h,
        );
        Clear.render(rect, buf);
        let (title, hints) = self.titles();
        let border = match (&s.kind, &s.phase) {
            (_, Phase::Done(Ok(_))) => t.ok,
            (FinishKind::Discard { .. }, _) | (_, Phase::Done(Err(_))) => t.error,
            _ => t.modal_border,
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(border)
            .title(Span::styled(title, t.title_focused))
            .title_bottom(Span::styled(hints, t.dim));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let mut cursor = None;
        for (i, row) in rows.iter().enumerate().take(usize::from(inner.height)) {
            let y = inner.y + i as u16;
            let line_area = Rect::new(inner.x + 1, y, inner.width.saturating_sub(2), 1);
            match row {
                Row::Text(line) => {
                    buf.set_line(line_area.x, y, line, line_area.width);
                }
                Row::Input => {
                    if let FinishKind::Merge { message, .. } = &s.kind {
                        cursor = InputView {
                            state: message,
                            theme: t,
                            placeholder: "patchfeld: work of agent …",
                            prompt: "› ",
                            focused: true,
                        }
                        .render(line_area, buf);
                    }
                }
            }
        }
        cursor
    }

    fn titles(&self) -> (String, &'static str) {
        let s = self.state;
        let title = match &s.kind {
            FinishKind::Merge { .. } => format!(" Merge {} into {} ", s.name, s.base),
            FinishKind::Discard { .. } => format!(" Discard {}'s work ", s.name),
        };
        let hints = match (&s.kind, &s.phase) {
            (_, Phase::Done(_)) => " Enter / Esc close ",
            (_, Phase::Running) => " working… · Esc hide ",
            (FinishKind::Merge { .. }, Phase::Edit) => {
                " Enter merge · Tab fast-forward / merge commit · Esc cancel "
            }
            (
                FinishKind::Discard {
                    lost: Lost::Checking,
                },
                Phase::Edit,
            ) => " checking… · Esc cancel ",
            (FinishKind::Discard { .. }, Phase::Edit) => " y discard · n / Esc keep ",
        };
        (title, hints)
    }

    fn rows(&self, width: usize) -> Vec<Row> {
        let s = self.state;
        let t = self.theme;
        let mut rows = Vec::new();
        let wrapped = |rows: &mut Vec<Row>, text: &str, style: Style| {
            for l in wrap(text, width) {
                rows.push(Row::Text(Line::from(Span::styled(l, style))));
            }
        };
        rows.push(Row::Text(Line::from(vec![
            Span::styled(format!("⎇ {} ", s.branch), t.accent),
            Span::styled(format!("· {}", s.stat), t.dim),
        ])));
        match (&s.kind, &s.phase) {
            (_, Phase::Done(result)) => {
                rows.push(Row::Text(Line::default()));
                match result {
                    Ok(text) => wrapped(&mut rows, text, t.text),
                    Err(text) => wrapped(&mut rows, text, t.warning),
                }
            }
            (FinishKind::Merge { strategy, .. }, Phase::Running) => {
                rows.push(Row::Text(Line::default()));
                wrapped(
                    &mut rows,
                    &format!("merging into {} ({})…", s.base, strategy_label(*strategy)),
                    t.dim,
                );
            }
            (FinishKind::Discard { .. }, Phase::Running) => {
                rows.push(Row::Text(Line::default()));
                wrapped(&mut rows, "discarding…", t.dim);
            }
            (FinishKind::Merge { strategy, .. }, Phase::Edit) => {
                rows.push(Row::Text(Line::default()));
                rows.push(Row::Text(Line::from(Span::styled(
                    "Commit message for the uncommitted changes (and the merge commit):",
                    t.dim,
                ))));
                rows.push(Row::Input);
                rows.push(Row::Text(Line::default()));
                let choice = |this: MergeStrategy| {
                    let on = this == *strategy;
                    Span::styled(
                        format!("{} {}   ", if on { "●" } else { "○" }, strategy_label(this)),
                        if on {
                            t.text.add_modifier(Modifier::BOLD)
                        } else {
                            t.dim
                        },
                    )
                };
                rows.push(Row::Text(Line::from(vec![
                    Span::styled("strategy  ", t.dim),
                    choice(MergeStrategy::Merge),
                    choice(MergeStrategy::FastForward),
                ])));
                if !s.overlaps.is_empty() {
                    rows.push(Row::Text(Line::default()));
                    for o in &s.overlaps {
                        let (who, what) = o.split_once(": ").unwrap_or(("another agent", o));
                        wrapped(
                            &mut rows,
                            &format!("⚠ {who} also changes {what} — merging it next may conflict"),
                            t.warning,
                        );
                    }
                }
            }
            (FinishKind::Discard { lost }, Phase::Edit) => {
                rows.push(Row::Text(Line::default()));
                match lost {
                    Lost::Checking => wrapped(&mut rows, "checking what would be lost…", t.dim),
                    Lost::Nothing => wrapped(
                        &mut rows,
                        "Nothing unmerged would be lost (no uncommitted files, no commits outside the base).",
                        t.text,
                    ),
                    Lost::Work(text) => wrapped(
                        &mut rows,
                        &format!("This deletes unmerged work: {text}."),
                        t.error.add_modifier(Modifier::BOLD),
                    ),
                    Lost::Unknown(e) => wrapped(
                        &mut rows,
                        &format!("Could not check what would be lost ({e}); y deletes it anyway."),
                        t.warning,
                    ),
                }
                wrapped(
                    &mut rows,
                    &format!(
                        "The worktree {} and the branch {} are removed.",
                        s.path, s.branch
                    ),
                    t.dim,
                );
            }
        }
        rows
    }
}
