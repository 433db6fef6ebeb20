//! The "New agent" dialog: its fields (name, multi-line prompt, model with completion,
//! permission mode, a worktree checkbox with optional branch and base), their keys and mouse
//! clicks, the engine's name rules checked inline, and drawing. No IO: a submit hands the
//! name and `SpawnOptions` back to the App, which sends them to the engine.

use crate::core::agent::{PermissionMode, SpawnOptions};
use crate::core::ids::AgentId;
use crate::core::worktree::WorktreeRequest;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::{truncate, wrap};
use crate::ui::widgets::input::{InputState, InputView, MAX_ROWS};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use std::cell::Cell;
use unicode_width::UnicodeWidthStr;

/// Models the model field completes to (the same as `/model`).
pub(crate) const MODEL_CHOICES: &[&str] = &["sonnet", "opus", "haiku"];

/// The permission modes the mode field cycles through; `None` leaves it to config.toml.
const MODES: [Option<PermissionMode>; 5] = [
    None,
    Some(PermissionMode::Default),
    Some(PermissionMode::AcceptEdits),
    Some(PermissionMode::Plan),
    Some(PermissionMode::BypassPermissions),
];

/// Width of the label column (`prompt  `).
const LABEL_W: u16 = 9;
/// Rows the prompt gets even when empty (it is the field that matters).
const PROMPT_MIN_ROWS: u16 = 3;
/// Rows an engine error may take.
const MESSAGE_ROWS: usize = 3;

/// One field of the dialog, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Prompt,
    Model,
    Mode,
    Worktree,
    Branch,
    Base,
}

impl Field {
    const ALL: [Field; 7] = [
        Self::Name,
        Self::Prompt,
        Self::Model,
        Self::Mode,
        Self::Worktree,
        Self::Branch,
        Self::Base,
    ];

    fn index(self) -> usize {
        match self {
            Self::Name => 0,
            Self::Prompt => 1,
            Self::Model => 2,
            Self::Mode => 3,
            Self::Worktree => 4,
            Self::Branch => 5,
            Self::Base => 6,
        }
    }
}

/// What a key or click did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DialogOutcome {
    /// Something changed (or nothing did): draw again.
    Redraw,
    /// Spawn this agent (the dialog now waits for the engine's answer).
    Submit { name: String, options: SpawnOptions },
    /// Close the dialog; the draft stays for the next time it opens.
    Close,
}

/// The engine's rules for a new agent's name (`Manager::spawn`): trimmed, not empty, not
/// `orchestrator`, not the name of a live agent. `taken`: names of the live agents.
pub(crate) fn name_problem(name: &str, taken: &[String]) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return Some("name must not be empty".to_owned());
    }
    if name == AgentId::ORCHESTRATOR {
        return Some("the name 'orchestrator' is reserved".to_owned());
    }
    taken
        .iter()
        .any(|t| t == name)
        .then(|| format!("an agent named '{name}' is already live; choose another name"))
}

/// The dialog's draft and focus. Kept by the App while closed, so Esc loses nothing.
#[derive(Debug, Clone)]
pub(crate) struct SpawnDialogState {
    name: InputState,
    prompt: InputState,
    model: InputState,
    mode: usize,
    worktree: bool,
    branch: InputState,
    base: InputState,
    focus: Field,
    /// Names of live agents (the App refreshes them when it opens the dialog).
    pub(crate) taken: Vec<String>,
    /// A submit was tried: empty required fields now show their error.
    tried: bool,
    /// The engine refused the last submit.
    error: Option<String>,
    /// Submitted; waiting for the engine's answer.
    pending: bool,
    /// Where each field was drawn in the last frame (mouse hit-testing).
    rects: Cell<[Rect; 7]>,
}

impl Default for SpawnDialogState {
    fn default() -> Self {
        Self {
            name: InputState::default(),
            prompt: InputState::multiline(),
            model: InputState::default(),
            mode: 0,
            worktree: false,
            branch: InputState::default(),
            base: InputState::default(),
            focus: Field::Name,
            taken: Vec::new(),
            tried: false,
            error: None,
            pending: false,
            rects: Cell::new([Rect::default(); 7]),
        }
    }
}

impl SpawnDialogState {
    /// The focused field.
    #[cfg(test)]
    pub(crate) fn focus(&self) -> Field {
        self.focus
    }

    /// Move the focus (the App puts it on the name when it prefills one).
    pub(crate) fn set_focus(&mut self, field: Field) {
        if self.visible(field) {
            self.focus = field;
        }
    }

    /// Replace the name.
    pub(crate) fn set_name(&mut self, name: &str) {
        self.name.set_text(name);
    }

    /// The typed name (trimmed).
    pub(crate) fn name(&self) -> &str {
        self.name.text().trim()
    }

    /// The typed prompt.
    #[cfg(test)]
    pub(crate) fn prompt(&self) -> &str {
        self.prompt.text()
    }

    /// Whether the worktree box is checked.
    #[cfg(test)]
    pub(crate) fn worktree(&self) -> bool {
        self.worktree
    }

    /// The engine's last refusal, if it is still shown.
    #[cfg(test)]
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Whether a submit is waiting for the engine.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> bool {
        self.pending
    }

    /// The engine refused the submit: show why, keep everything, let the user fix it. The
    /// focus goes to the field the message is about, when that is clear.
    pub(crate) fn refused(&mut self, error: String) {
        self.pending = false;
        let lower = error.to_ascii_lowercase();
        if lower.contains("name") && !lower.contains("branch") {
            self.focus = Field::Name;
        } else if lower.contains("prompt") {
            self.focus = Field::Prompt;
        } else if self.worktree && (lower.contains("git") || lower.contains("worktree")) {
            self.focus = Field::Worktree;
        }
        self.error = Some(error);
    }

    /// The input under the focus, if the focused field is a text field (for pastes).
    pub(crate) fn focused_input(&mut self) -> Option<&mut InputState> {
        match self.focus {
            Field::Name => Some(&mut self.name),
            Field::Prompt => Some(&mut self.prompt),
            Field::Model => Some(&mut self.model),
            Field::Branch => Some(&mut self.branch),
            Field::Base => Some(&mut self.base),
            Field::Mode | Field::Worktree => None,
        }
    }

    fn visible(&self, field: Field) -> bool {
        self.worktree || !matches!(field, Field::Branch | Field::Base)
    }

    fn visible_fields(&self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| self.visible(*f))
            .collect()
    }

    fn step_focus(&mut self, forward: bool) {
        let fields = self.visible_fields();
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        self.focus = fields[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    fn is_last(&self) -> bool {
        self.visible_fields().last() == Some(&self.focus)
    }

    /// The permission mode chosen (`None`: config.toml decides).
    pub(crate) fn mode(&self) -> Option<PermissionMode> {
        MODES[self.mode % MODES.len()]
    }

    fn cycle_mode(&mut self, forward: bool) {
        let n = MODES.len();
        self.mode = if forward {
            (self.mode + 1) % n
        } else {
            (self.mode + n - 1) % n
        };
    }

    fn cycle_model(&mut self) {
        let cur = self.model.text().trim();
        let next = match MODEL_CHOICES.iter().position(|c| *c == cur) {
            Some(i) if i + 1 < MODEL_CHOICES.len() => MODEL_CHOICES[i + 1],
            Some(_) => "",
            None => MODEL_CHOICES[0],
        };
        self.model.set_text(next);
    }

    /// The rest of the model choice the typed text starts (`so` → `nnet`).
    fn model_ghost(&self) -> Option<&'static str> {
        let typed = self.model.text();
        if typed.is_empty() {
            return None;
        }
        MODEL_CHOICES
            .iter()
            .find(|c| c.starts_with(typed) && **c != typed)
            .map(|c| &c[typed.len()..])
    }

    fn toggle_worktree(&mut self) {
        self.worktree = !self.worktree;
    }

    fn name_error(&self) -> Option<String> {
        let typed = self.name.text().trim();
        if typed.is_empty() && !self.tried {
            return None;
        }
        name_problem(typed, &self.taken)
    }

    fn prompt_error(&self) -> Option<&'static str> {
        (self.tried && self.prompt.text().trim().is_empty()).then_some("prompt must not be empty")
    }

    /// Check the fields; on success the dialog waits for the engine.
    fn submit(&mut self) -> DialogOutcome {
        self.tried = true;
        self.error = None;
        if name_problem(self.name.text(), &self.taken).is_some() {
            self.focus = Field::Name;
            return DialogOutcome::Redraw;
        }
        if self.prompt.text().trim().is_empty() {
            self.focus = Field::Prompt;
            return DialogOutcome::Redraw;
        }
        let opt = |i: &InputState| {
            let t = i.text().trim();
            (!t.is_empty()).then(|| t.to_owned())
        };
        let worktree = self.worktree.then(|| {
            Box::new(WorktreeRequest {
                branch: opt(&self.branch),
                base: opt(&self.base),
            })
        });
        let options = SpawnOptions {
            prompt: self.prompt.text().trim().to_owned(),
            model: opt(&self.model),
            permission_mode: self.mode(),
            worktree,
            ..SpawnOptions::default()
        };
        self.pending = true;
        DialogOutcome::Submit {
            name: self.name().to_owned(),
            options,
        }
    }

    /// Apply a key. While a submit is pending only Esc (close, the answer still arrives)
    /// does anything.
    pub(crate) fn key(&mut self, key: KeyEvent) -> DialogOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if key.code == KeyCode::Esc {
            return DialogOutcome::Close;
        }
        if self.pending {
            return DialogOutcome::Redraw;
        }
        match key.code {
            KeyCode::Char('s') if ctrl => return self.submit(),
            KeyCode::Char('r') if ctrl => {
                let taken = std::mem::take(&mut self.taken);
                *self = Self {
                    taken,
                    ..Self::default()
                };
                return DialogOutcome::Redraw;
            }
            KeyCode::Tab => {
                self.step_focus(true);
                return DialogOutcome::Redraw;
            }
            KeyCode::BackTab => {
                self.step_focus(false);
                return DialogOutcome::Redraw;
            }
            KeyCode::Up | KeyCode::Down if self.focus != Field::Prompt && !ctrl && !alt => {
                self.step_focus(key.code == KeyCode::Down);
                return DialogOutcome::Redraw;
            }
            _ => {}
        }
        // Anything else edits the draft: an old refusal no longer describes it.
        self.error = None;
        match (self.focus, key.code) {
            (Field::Prompt, KeyCode::Enter) => {
                self.prompt.insert_str("\n");
                DialogOutcome::Redraw
            }
            (Field::Worktree, KeyCode::Enter) if !self.worktree => self.submit(),
            (_, KeyCode::Enter) if self.is_last() => self.submit(),
            (_, KeyCode::Enter) => {
                self.step_focus(true);
                DialogOutcome::Redraw
            }
            (Field::Mode, KeyCode::Char(' ') | KeyCode::Right) => {
                self.cycle_mode(true);
                DialogOutcome::Redraw
            }
            (Field::Mode, KeyCode::Left) => {
                self.cycle_mode(false);
                DialogOutcome::Redraw
            }
            (Field::Worktree, KeyCode::Char(' ')) => {
                self.toggle_worktree();
                DialogOutcome::Redraw
            }
            (Field::Model, KeyCode::Char(' ')) => {
                self.cycle_model();
                DialogOutcome::Redraw
            }
            (Field::Model, KeyCode::Right) if self.model_ghost().is_some() => {
                if let Some(rest) = self.model_ghost() {
                    self.model.insert_str(rest);
                }
                DialogOutcome::Redraw
            }
            (Field::Mode | Field::Worktree, _) => DialogOutcome::Redraw,
            _ => {
                if let Some(input) = self.focused_input() {
                    input.handle_key(key);
                }
                DialogOutcome::Redraw
            }
        }
    }

    /// A paste goes into the focused text field.
    pub(crate) fn paste(&mut self, text: &str) {
        if self.pending {
            return;
        }
        if let Some(input) = self.focused_input() {
            input.insert_str(text);
            self.error = None;
        }
    }

    /// A left click: focus the field under it; on the checkbox, toggle it; on the mode,
    /// cycle it. Returns whether the click hit a field.
    pub(crate) fn click(&mut self, pos: Position) -> bool {
        if self.pending {
            return false;
        }
        let rects = self.rects.get();
        let Some(field) = Field::ALL
            .into_iter()
            .find(|f| self.visible(*f) && rects[f.index()].contains(pos))
        else {
            return false;
        };
        match field {
            Field::Worktree => self.toggle_worktree(),
            Field::Mode if self.focus == Field::Mode => self.cycle_mode(true),
            _ => {}
        }
        self.focus = field;
        true
    }
}

/// Borrowed view of the dialog for one frame.
pub(crate) struct SpawnDialogView<'a> {
    pub state: &'a SpawnDialogState,
    pub theme: &'a Theme,
}

impl SpawnDialogView<'_> {
    /// Rows the dialog wants at `inner_w` columns (borders included).
    fn wanted_height(&self, inner_w: u16) -> u16 {
        let s = self.state;
        let field_w = inner_w.saturating_sub(LABEL_W + 2).max(1);
        let mut h = 2 + 1 + s.prompt.desired_rows(field_w).max(PROMPT_MIN_ROWS) + 3;
        if s.name_error().is_some() || s.prompt_error().is_some() {
            h += 1;
        }
        if s.worktree {
            h += 2;
        }
        let msg = self.message_lines(inner_w).len() as u16;
        if msg > 0 {
            h += 1 + msg;
        }
        h
    }

    fn message_lines(&self, inner_w: u16) -> Vec<(String, Style)> {
        let s = self.state;
        let w = usize::from(inner_w.saturating_sub(2).max(1));
        if s.pending {
            let what = if s.worktree {
                "spawning (creating the worktree)…"
            } else {
                "spawning…"
            };
            return vec![(what.to_owned(), self.theme.dim)];
        }
        let Some(e) = &s.error else {
            return Vec::new();
        };
        let mut lines = wrap(&format!("✗ {e}"), w);
        lines.truncate(MESSAGE_ROWS);
        lines
            .into_iter()
            .map(|l| (l.to_string(), self.theme.error))
            .collect()
    }

    /// Draw centred in `area`; returns the cursor of the focused text field.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let theme = self.theme;
        let s = self.state;
        s.rects.set([Rect::default(); 7]);
        let w = area.width.saturating_sub(4).min(84);
        if w < 30 || area.height < 8 {
            // Too small for the form: say so where there is room, keep the draft.
            if !area.is_empty() {
                let row = Rect { height: 1, ..area };
                Clear.render(row, buf);
                buf.set_stringn(
                    area.x,
                    area.y,
                    "New agent: enlarge the terminal (Esc closes)",
                    usize::from(area.width),
                    theme.warning,
                );
            }
            return None;
        }
        let h = self.wanted_height(w - 2).min(area.height);
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 3,
            w,
            h,
        );
        Clear.render(rect, buf);
        buf.set_style(rect, theme.base);
        let key = |k: &'static str| Span::styled(k, theme.accent);
        let dim = |t: &'static str| Span::styled(t, theme.dim);
        let enter = match s.focus {
            Field::Prompt => " newline · ",
            _ if s.is_last() || (s.focus == Field::Worktree && !s.worktree) => " spawn · ",
            _ => " next · ",
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.modal_border)
            .title(Span::styled(" New agent ", theme.title_focused))
            .title_bottom(Line::from(vec![
                key(" Tab"),
                dim(" next field · "),
                key("Enter"),
                dim(enter),
                key("ctrl-s"),
                dim(" spawn · "),
                key("Esc"),
                dim(" close (draft kept) "),
            ]));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let body = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        let mut rects = [Rect::default(); 7];
        let mut cursor = None;
        let mut y = body.y;
        let bottom = body.bottom();
        let field_x = body.x + LABEL_W;
        let field_w = body.width.saturating_sub(LABEL_W);
        let row = |y: u16| Rect::new(body.x, y, body.width, 1);

        // Name.
        if y < bottom {
            self.label(buf, body.x, y, "name", Field::Name);
            let c = self.input(
                &s.name,
                Field::Name,
                Rect::new(field_x, y, field_w, 1),
                "a short unique name, e.g. reviewer",
                buf,
            );
            cursor = cursor.or(c);
            rects[Field::Name.index()] = row(y);
            y += 1;
        }
        let field_error = s
            .name_error()
            .or_else(|| s.prompt_error().map(str::to_owned));
        if let Some(e) = field_error
            && y < bottom
        {
            buf.set_stringn(
                field_x,
                y,
                truncate(&format!("✗ {e}"), usize::from(field_w)),
                usize::from(field_w),
                theme.error,
            );
            y += 1;
        }

        // Prompt: what is left after the fixed rows, at least one.
        let fixed = 3 + if s.worktree { 2 } else { 0 };
        let msg = self.message_lines(inner.width);
        let spare = bottom.saturating_sub(y);
        let want = s.prompt.desired_rows(field_w.max(1)).max(PROMPT_MIN_ROWS);
        let reserve = fixed
            + if msg.is_empty() {
                0
            } else {
                1 + msg.len() as u16
            };
        let prompt_rows = want.min(spare.saturating_sub(reserve)).clamp(1, MAX_ROWS);
        if y < bottom {
            let rows = prompt_rows.min(bottom - y);
            self.label(buf, body.x, y, "prompt", Field::Prompt);
            let c = self.input(
                &s.prompt,
                Field::Prompt,
                Rect::new(field_x, y, field_w, rows),
                "what the agent should do (Enter: newline)",
                buf,
            );
            cursor = cursor.or(c);
            rects[Field::Prompt.index()] = Rect::new(body.x, y, body.width, rows);
            y += rows;
        }

        // Model, with completion.
        if y < bottom {
            self.label(buf, body.x, y, "model", Field::Model);
            let c = self.input(
                &s.model,
                Field::Model,
                Rect::new(field_x, y, field_w, 1),
                "default",
                buf,
            );
            cursor = cursor.or(c);
            let typed_w = s.model.text().width() as u16;
            let mut x = field_x + typed_w.max(if s.model.is_empty() { 7 } else { 0 });
            if let Some(ghost) = s.model_ghost().filter(|_| s.focus == Field::Model) {
                let end = field_x + field_w;
                if x + ghost.width() as u16 <= end {
                    buf.set_string(x, y, ghost, theme.dim);
                    x += ghost.width() as u16;
                }
            }
            let mut spans = vec![Span::styled("   ", theme.dim)];
            for (i, c) in MODEL_CHOICES.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::styled(" · ", theme.dim));
                }
                let style = if s.model.text().trim() == *c {
                    theme.accent
                } else {
                    theme.dim
                };
                spans.push(Span::styled(*c, style));
            }
            if s.focus == Field::Model {
                spans.push(Span::styled("  (space cycles, → completes)", theme.dim));
            }
            let end = field_x + field_w;
            if x < end {
                buf.set_line(x, y, &Line::from(spans), end - x);
            }
            rects[Field::Model.index()] = row(y);
            y += 1;
        }

        // Permission mode.
        if y < bottom {
            self.label(buf, body.x, y, "mode", Field::Mode);
            let focused = s.focus == Field::Mode;
            let (name, about) = mode_text(s.mode());
            let value_style = if s.mode() == Some(PermissionMode::BypassPermissions) {
                theme.warning
            } else if focused {
                theme.accent.add_modifier(Modifier::BOLD)
            } else {
                theme.text
            };
            let mut spans = vec![
                Span::styled(name, value_style),
                Span::styled(format!("  {about}"), theme.dim),
            ];
            if focused {
                spans.push(Span::styled("  (space / ← → cycle)", theme.dim));
            }
            let line = Line::from(spans);
            buf.set_line(field_x, y, &line, field_w);
            rects[Field::Mode.index()] = row(y);
            y += 1;
        }

        // Worktree checkbox and its fields.
        if y < bottom {
            let focused = s.focus == Field::Worktree;
            let boxed = if s.worktree { "[x]" } else { "[ ]" };
            let style = if focused {
                theme.accent.add_modifier(Modifier::BOLD)
            } else {
                theme.text
            };
            let line = Line::from(vec![
                Span::styled(format!("{boxed} worktree"), style),
                Span::styled(
                    "  its own git worktree on a new branch (space toggles)",
                    theme.dim,
                ),
            ]);
            buf.set_line(body.x, y, &line, body.width);
            rects[Field::Worktree.index()] = row(y);
            y += 1;
        }
        if s.worktree {
            for (field, label, placeholder) in [
                (Field::Branch, "branch", "patchfeld/<name>-<id>"),
                (Field::Base, "base", "HEAD of the current branch"),
            ] {
                if y >= bottom {
                    break;
                }
                self.label(buf, body.x + 2, y, label, field);
                let input = if field == Field::Branch {
                    &s.branch
                } else {
                    &s.base
                };
                let c = self.input(
                    input,
                    field,
                    Rect::new(field_x, y, field_w, 1),
                    placeholder,
                    buf,
                );
                cursor = cursor.or(c);
                rects[field.index()] = row(y);
                y += 1;
            }
        }

        // The engine's answer (or that we wait for it).
        if !msg.is_empty() {
            y += 1;
            for (text, style) in msg {
                if y >= bottom {
                    break;
                }
                buf.set_stringn(body.x, y, &text, usize::from(body.width), style);
                y += 1;
            }
        }
        s.rects.set(rects);
        cursor.filter(|_| !s.pending)
    }

    fn label(&self, buf: &mut Buffer, x: u16, y: u16, text: &str, field: Field) {
        let style = if self.state.focus == field {
            self.theme.accent.add_modifier(Modifier::BOLD)
        } else {
            self.theme.dim
        };
        buf.set_stringn(x, y, text, usize::from(LABEL_W - 1), style);
    }

    fn input(
        &self,
        state: &InputState,
        field: Field,
        area: Rect,
        placeholder: &str,
        buf: &mut Buffer,
    ) -> Option<Position> {
        InputView {
            state,
            theme: self.theme,
            placeholder,
            prompt: "",
            focused: self.state.focus == field,
        }
        .render(area, buf)
    }
}

/// The mode's name and what it means.
fn mode_text(mode: Option<PermissionMode>) -> (&'static str, &'static str) {
    match mode {
        None => ("config default", "agent.permission_mode from config.toml"),
        Some(PermissionMode::Default) => ("default", "asks before edits and commands"),
        Some(PermissionMode::AcceptEdits) => ("acceptEdits", "file edits in its cwd run unasked"),
        Some(PermissionMode::Plan) => ("plan", "plans first; asks about everything"),
        Some(PermissionMode::BypassPermissions) => ("bypassPermissions", "nothing asks"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn press(s: &mut SpawnDialogState, code: KeyCode) -> DialogOutcome {
        s.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn typed(s: &mut SpawnDialogState, text: &str) {
        for c in text.chars() {
            press(s, KeyCode::Char(c));
        }
    }

    #[test]
    fn names_follow_the_engine_rules() {
        let taken = vec!["alpha".to_owned()];
        assert_eq!(
            name_problem("  ", &taken).as_deref(),
            Some("name must not be empty")
        );
        assert_eq!(
            name_problem("orchestrator", &taken).as_deref(),
            Some("the name 'orchestrator' is reserved")
        );
        assert!(
            name_problem(" alpha ", &taken)
                .unwrap()
                .contains("already live")
        );
        assert_eq!(name_problem("beta", &taken), None);
    }

    #[test]
    fn tab_order_skips_branch_and_base_until_the_box_is_checked() {
        let mut s = SpawnDialogState::default();
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(s.focus());
            press(&mut s, KeyCode::Tab);
        }
        assert_eq!(
            seen,
            [
                Field::Name,
                Field::Prompt,
                Field::Model,
                Field::Mode,
                Field::Worktree
            ]
        );
        assert_eq!(s.focus(), Field::Name, "Tab wraps");
        press(&mut s, KeyCode::BackTab);
        assert_eq!(s.focus(), Field::Worktree);
        press(&mut s, KeyCode::Char(' '));
        assert!(s.worktree());
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.focus(), Field::Branch);
        press(&mut s, KeyCode::Down);
        assert_eq!(s.focus(), Field::Base);
    }

    #[test]
    fn model_space_cycles_and_right_completes() {
        let mut s = SpawnDialogState::default();
        s.set_focus(Field::Model);
        press(&mut s, KeyCode::Char(' '));
        assert_eq!(s.model.text(), "sonnet");
        press(&mut s, KeyCode::Char(' '));
        assert_eq!(s.model.text(), "opus");
        s.model.set_text("ha");
        assert_eq!(s.model_ghost(), Some("iku"));
        press(&mut s, KeyCode::Right);
        assert_eq!(s.model.text(), "haiku");
        assert_eq!(s.model_ghost(), None);
    }

    #[test]
    fn mode_cycles_both_ways_through_what_spawn_options_take() {
        let mut s = SpawnDialogState::default();
        s.set_focus(Field::Mode);
        assert_eq!(s.mode(), None);
        press(&mut s, KeyCode::Char(' '));
        assert_eq!(s.mode(), Some(PermissionMode::Default));
        press(&mut s, KeyCode::Left);
        press(&mut s, KeyCode::Left);
        assert_eq!(s.mode(), Some(PermissionMode::BypassPermissions));
    }

    #[test]
    fn submit_checks_fields_then_builds_options() {
        let mut s = SpawnDialogState {
            taken: vec!["busy".into()],
            ..SpawnDialogState::default()
        };
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(s.key(ctrl_s), DialogOutcome::Redraw);
        assert_eq!(s.name_error().as_deref(), Some("name must not be empty"));
        typed(&mut s, "busy");
        assert!(s.name_error().unwrap().contains("already live"));
        s.set_name("fresh");
        assert_eq!(s.key(ctrl_s), DialogOutcome::Redraw);
        assert_eq!(s.focus(), Field::Prompt, "the empty prompt is next");
        typed(&mut s, "line one");
        press(&mut s, KeyCode::Enter);
        typed(&mut s, "line two");
        assert_eq!(s.prompt(), "line one\nline two", "Enter is a newline here");
        s.set_focus(Field::Worktree);
        press(&mut s, KeyCode::Char(' '));
        press(&mut s, KeyCode::Tab);
        press(&mut s, KeyCode::Tab);
        typed(&mut s, "main");
        match press(&mut s, KeyCode::Enter) {
            DialogOutcome::Submit { name, options } => {
                assert_eq!(name, "fresh");
                assert_eq!(options.prompt, "line one\nline two");
                assert_eq!(
                    options.worktree.as_deref(),
                    Some(&WorktreeRequest {
                        branch: None,
                        base: Some("main".into())
                    })
                );
                assert_eq!(options.model, None);
                assert_eq!(options.permission_mode, None);
            }
            other => panic!("expected a submit, got {other:?}"),
        }
        assert!(s.pending());
        assert_eq!(press(&mut s, KeyCode::Char('x')), DialogOutcome::Redraw);
        assert_eq!(s.prompt(), "line one\nline two", "no edits while pending");
        s.refused("not a git repository".into());
        assert!(!s.pending());
        assert_eq!(s.focus(), Field::Worktree);
        assert_eq!(s.error(), Some("not a git repository"));
    }

    #[test]
    fn clicks_focus_fields_and_toggle_the_box() {
        let mut s = SpawnDialogState::default();
        let theme = Theme::dark();
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        SpawnDialogView {
            state: &s,
            theme: &theme,
        }
        .render(area, &mut buf);
        let boxed = s.rects.get()[Field::Worktree.index()];
        assert!(!boxed.is_empty());
        assert!(s.click(Position::new(boxed.x + 1, boxed.y)));
        assert!(s.worktree());
        assert_eq!(s.focus(), Field::Worktree);
        assert!(!s.click(Position::new(0, 0)), "outside every field");
    }
}
