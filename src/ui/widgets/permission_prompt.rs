//! The permission prompt: a centred modal for the oldest pending tool permission.

use crate::core::ids::AgentId;
use crate::core::permission::PermissionRequest;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::{truncate, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use serde_json::Value;

/// A permission request waiting for the user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingPermission {
    pub agent_id: AgentId,
    pub agent_name: String,
    pub request: PermissionRequest,
}

/// Borrowed view of the modal.
pub(crate) struct PermissionPromptView<'a> {
    pub pending: &'a PendingPermission,
    /// 1-based position and queue length.
    pub index: usize,
    pub total: usize,
    pub theme: &'a Theme,
}

/// The text the user must judge: the command for Bash, pretty JSON otherwise.
fn input_text(tool: &str, input: &Value) -> String {
    if tool == "Bash"
        && let Some(cmd) = input.get("command").and_then(Value::as_str)
    {
        return cmd.to_owned();
    }
    serde_json::to_string_pretty(input).unwrap_or_else(|_| input.to_string())
}

impl PermissionPromptView<'_> {
    /// Draw centred over `screen`.
    pub(crate) fn render(&self, screen: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let width = screen.width.saturating_sub(4).min(90);
        if width < 20 || screen.height < 8 {
            return;
        }
        let inner_w = usize::from(width - 4);
        let req = &self.pending.request;
        let mut lines: Vec<Line<'_>> = Vec::new();
        lines.push(Line::from(vec![
            Span::styled(self.pending.agent_name.as_str(), t.accent),
            Span::styled(" wants to use ", t.text),
            Span::styled(req.tool_name.as_str(), t.warning),
        ]));
        if let Some(desc) = req.description.as_deref().filter(|d| !d.trim().is_empty()) {
            for l in wrap(desc, inner_w).into_iter().take(3) {
                lines.push(Line::from(Span::styled(l, t.dim)));
            }
        }
        lines.push(Line::default());
        // Leave room for borders, header, footer: the input gets what is left.
        let max_input = usize::from(screen.height.saturating_sub(4 + 2 + 2))
            .saturating_sub(lines.len())
            .clamp(1, 16);
        let mut body: Vec<String> = Vec::new();
        for l in input_text(&req.tool_name, &req.input).lines() {
            body.extend(wrap(l, inner_w.saturating_sub(2)));
        }
        let cut = body.len() > max_input;
        for l in body
            .iter()
            .take(if cut { max_input - 1 } else { max_input })
        {
            lines.push(Line::from(vec![
                Span::styled("  ", t.text),
                Span::styled(l.clone(), t.text),
            ]));
        }
        if cut {
            lines.push(Line::from(Span::styled(
                format!("  … {} more lines", body.len() - (max_input - 1)),
                t.dim,
            )));
        }
        if let Some(path) = req.blocked_path.as_deref() {
            lines.push(Line::from(Span::styled(
                truncate(&format!("blocked path: {path}"), inner_w),
                t.dim,
            )));
        }
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("y", t.ok),
            Span::styled(" allow once   ", t.text),
            Span::styled("n", t.error),
            Span::styled(" deny   ", t.text),
            Span::styled("Esc", t.dim),
            Span::styled(" later", t.text),
        ]));
        let height = (lines.len() as u16 + 2).min(screen.height);
        let area = Rect::new(
            screen.x + (screen.width - width) / 2,
            screen.y + (screen.height - height) / 2,
            width,
            height,
        );
        Clear.render(area, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.modal_border)
            .title(Span::styled(" Permission ", t.warning))
            .title_bottom(
                Line::from(Span::styled(
                    format!(" {} of {} pending ", self.index, self.total),
                    t.dim,
                ))
                .right_aligned(),
            );
        let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 0));
        block.render(area, buf);
        for (i, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bash_shows_the_command_others_pretty_json() {
        assert_eq!(input_text("Bash", &json!({"command": "ls -la"})), "ls -la");
        assert_eq!(
            input_text("Write", &json!({"file_path": "a"})),
            "{\n  \"file_path\": \"a\"\n}"
        );
    }
}
