//! The App's permission side: the approval queue's modal keys (y s a n N d e, Tab, Esc,
//! editing the rule, message or input), the Permissions screen (`alt-p`), the bell when a
//! request arrives unseen, and the engine commands these send.

use super::{App, DENY_MESSAGE, Intent};
use crate::core::ids::{AgentId, RequestId};
use crate::core::permission::{
    Behavior, Decision, Rule, RuleDraft, RuleSource, parse_rule_command, parse_rule_list,
};
use crate::core::transcript::NoticeLevel;
use crate::engine::{EngineEvent, EngineHandle};
use crate::ui::app_event::AppEvent;
use crate::ui::widgets::input::{InputOutcome, InputState};
use crate::ui::widgets::permission_prompt::{
    PendingPermission, PermissionPromptView, PromptEditKind, input_text,
};
use crate::ui::widgets::permissions_screen::{
    PermissionsScreenState, PermissionsScreenView, ordered, rule_command,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

/// An edit in the modal's bottom line.
#[derive(Debug)]
pub(crate) struct PromptEdit {
    kind: PromptEditKind,
    input: InputState,
    /// Rule scope: the agent's name, or every agent.
    all_agents: bool,
    /// Where a rule is saved (`s` starts at session, `a`/`d` at project).
    source: RuleSource,
}

/// Permission UI state that is not the queue itself.
#[derive(Debug, Default)]
pub(crate) struct PermUi {
    /// Index of the request shown in the modal.
    selected: usize,
    edit: Option<PromptEdit>,
    /// The rules as the engine last reported them.
    rules: Vec<Rule>,
    /// The Permissions screen, when open.
    screen: Option<PermissionsScreenState>,
    /// Ring the bell at the next chance.
    bell: bool,
    /// The terminal reported losing focus (needs focus reporting enabled).
    unfocused: bool,
    /// The modal's buttons as last drawn (mouse clicks press their key).
    buttons: std::cell::RefCell<Vec<(Rect, &'static str)>>,
}

/// Engine commands of the permission UI (executed off the UI task).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PermIntent {
    /// Answer and save rules.
    DecideWithRule {
        agent_id: AgentId,
        request_id: RequestId,
        decision: Decision,
        rules: RuleDraft,
        label: String,
    },
    /// Delete a rule.
    DeleteRule { id: String, label: String },
    /// Explain a call.
    DryRun { call: String },
    /// Save rules typed on the Permissions screen.
    AddRules { rules: RuleDraft, label: String },
}

/// Run one permission intent; failures and results come back as app events.
pub(crate) fn execute(engine: EngineHandle, posts: UnboundedSender<AppEvent>, intent: PermIntent) {
    tokio::spawn(async move {
        let (what, result) = match intent {
            PermIntent::DecideWithRule {
                agent_id,
                request_id,
                decision,
                rules,
                label,
            } => (
                label,
                engine
                    .decide_with_rule(agent_id, request_id, decision, rules)
                    .await
                    .map(|_| ()),
            ),
            PermIntent::AddRules { rules, label } => {
                (label, engine.add_rules(rules).await.map(|_| ()))
            }
            PermIntent::DeleteRule { id, label } => {
                (label, engine.delete_rule(id).await.map(|_| ()))
            }
            PermIntent::DryRun { call } => {
                let result = match engine.dry_run("*".to_owned(), call.clone()).await {
                    Ok(text) => text,
                    Err(e) => format!("error: {e}"),
                };
                let _ = posts.send(AppEvent::DryRunResult { call, result });
                return;
            }
        };
        if let Err(e) = result {
            let _ = posts.send(AppEvent::CommandFailed {
                what,
                error: e.to_string(),
            });
        }
    });
}

fn modal_visible(app: &App) -> bool {
    !app.permissions.is_empty() && !app.permission_hidden
}

impl App {
    /// Engine facts the permission UI cares about (called for every engine event).
    pub(super) fn perm_event(&mut self, ev: &EngineEvent) {
        match ev {
            // Nobody sees a hidden modal, or the terminal is in the background: ring.
            EngineEvent::PermissionRequested { .. }
                if self.permission_hidden || self.perm.screen.is_some() || self.perm.unfocused =>
            {
                self.perm.bell = true;
            }
            EngineEvent::PermissionContext {
                agent_id,
                request_id,
                context,
            } => {
                if let Some(p) = self
                    .permissions
                    .iter_mut()
                    .find(|p| &p.agent_id == agent_id && &p.request.request_id == request_id)
                {
                    p.context = Some(context.clone());
                }
            }
            EngineEvent::RulesChanged(rules) => {
                self.perm.rules = rules.clone();
                if let Some(s) = self.perm.screen.as_mut() {
                    s.selected = s.selected.min(rules.len().saturating_sub(1));
                }
            }
            EngineEvent::PermissionResolved {
                agent_id,
                request_id,
                ..
            } => {
                // Called before the queue drops it: keep the selection on the same request,
                // and never let an edit move on to another one.
                let pos = self
                    .permissions
                    .iter()
                    .position(|p| &p.agent_id == agent_id && &p.request.request_id == request_id);
                match pos {
                    Some(i) if i < self.perm.selected => self.perm.selected -= 1,
                    Some(i) if i == self.perm.selected => {
                        self.perm.edit = None;
                        if i + 1 >= self.permissions.len() {
                            self.perm.selected = 0;
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// A dry-run answer from the engine.
    pub(super) fn perm_dry_result(&mut self, call: String, result: String) {
        if let Some(s) = self.perm.screen.as_mut() {
            s.dry_result = Some((call, result));
        }
    }

    /// The terminal gained or lost focus.
    pub(super) fn set_terminal_focus(&mut self, focused: bool) {
        self.perm.unfocused = !focused;
    }

    /// True once after a request arrived that nobody could see.
    pub(crate) fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.perm.bell)
    }

    /// The rules the UI knows (for tests).
    #[cfg(test)]
    pub(crate) fn known_rules(&self) -> &[Rule] {
        &self.perm.rules
    }

    fn selected_pending(&self) -> Option<&PendingPermission> {
        let i = self
            .perm
            .selected
            .min(self.permissions.len().saturating_sub(1));
        self.permissions.get(i)
    }

    /// Keys for the Permissions screen and the modal; None when they do not apply.
    pub(super) fn permission_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if self.perm.screen.is_some() {
            return Some(self.screen_key(key));
        }
        if !modal_visible(self) {
            return None;
        }
        self.modal_key(key)
    }

    /// Open the Permissions screen (action `open_permissions`, `/permissions`).
    pub(crate) fn open_permissions_screen(&mut self) {
        self.perm.screen = Some(PermissionsScreenState::default());
    }

    /// Keys of an AgentTranscript's inline permission bar for `agent`: its oldest pending
    /// request gets the modal's keys; `y`/`n` answer in place, the keys that need a line to
    /// type in (s a d N e) open the modal on that request. None when it has none pending.
    // Dead until the AgentTranscript panel (layout work) uses it.
    #[allow(dead_code)]
    pub(crate) fn agent_permission_key(
        &mut self,
        agent: &AgentId,
        key: KeyEvent,
    ) -> Option<Vec<Intent>> {
        let idx = self.permissions.iter().position(|p| &p.agent_id == agent)?;
        let KeyCode::Char(c @ ('y' | 'n' | 's' | 'a' | 'd' | 'N' | 'e')) = key.code else {
            return None;
        };
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return None;
        }
        self.perm.selected = idx;
        self.perm.edit = None;
        if !matches!(c, 'y' | 'n') {
            self.permission_hidden = false;
        }
        self.modal_key(key)
    }

    fn modal_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.perm.edit.is_some() {
            return Some(self.edit_key(key));
        }
        let selected = self.selected_pending()?.clone();
        let n = self.permissions.len();
        let out = match key.code {
            KeyCode::Char('y') if !ctrl => self.answer(&selected, allow_as_is(&selected), "allow"),
            KeyCode::Char('n') if !ctrl => self.answer(
                &selected,
                Decision::Deny {
                    message: DENY_MESSAGE.to_owned(),
                    interrupt: false,
                },
                "deny",
            ),
            KeyCode::Char(c @ ('s' | 'a' | 'd')) if !ctrl => {
                let proposal = selected
                    .context
                    .as_ref()
                    .map(|c| c.proposal.clone())
                    .unwrap_or_else(|| selected.request.tool_name.clone());
                let mut input = InputState::default();
                input.insert_str(&proposal);
                self.perm.edit = Some(PromptEdit {
                    kind: if c == 'd' {
                        PromptEditKind::DenyRule
                    } else {
                        PromptEditKind::AllowRule
                    },
                    input,
                    all_agents: false,
                    source: if c == 's' {
                        RuleSource::Session
                    } else {
                        RuleSource::Project
                    },
                });
                Vec::new()
            }
            KeyCode::Char('N') => {
                self.perm.edit = Some(PromptEdit {
                    kind: PromptEditKind::DenyMessage,
                    input: InputState::default(),
                    all_agents: false,
                    source: RuleSource::Session,
                });
                Vec::new()
            }
            KeyCode::Char('e') if !ctrl => {
                let mut input = InputState::default();
                let text = match selected.request.tool_name.as_str() {
                    "Bash" => input_text("Bash", &selected.request.input),
                    _ => selected.request.input.to_string(),
                };
                input.insert_str(&text);
                self.perm.edit = Some(PromptEdit {
                    kind: PromptEditKind::Input,
                    input,
                    all_agents: false,
                    source: RuleSource::Session,
                });
                Vec::new()
            }
            KeyCode::Tab => {
                self.perm.selected = (self.perm.selected + 1) % n;
                Vec::new()
            }
            KeyCode::BackTab => {
                self.perm.selected = (self.perm.selected + n - 1) % n;
                Vec::new()
            }
            KeyCode::Enter => {
                // The transcript (with its inline bar for this request) replaces the modal.
                self.permission_hidden = true;
                self.open_transcript(&selected.agent_id);
                Vec::new()
            }
            KeyCode::Esc => {
                self.permission_hidden = true;
                Vec::new()
            }
            _ => Vec::new(),
        };
        Some(out)
    }

    /// Remove the request from the queue and answer it once.
    fn answer(&mut self, p: &PendingPermission, decision: Decision, verb: &str) -> Vec<Intent> {
        self.drop_pending(p);
        vec![Intent::Decide {
            agent_id: p.agent_id.clone(),
            request_id: p.request.request_id.clone(),
            decision,
            label: format!("{verb} {} for {}", p.request.tool_name, p.agent_name),
        }]
    }

    fn drop_pending(&mut self, p: &PendingPermission) {
        self.permissions.retain(|q| {
            !(q.agent_id == p.agent_id && q.request.request_id == p.request.request_id)
        });
        self.perm.edit = None;
        if self.perm.selected >= self.permissions.len() {
            self.perm.selected = 0;
        }
    }

    fn edit_key(&mut self, key: KeyEvent) -> Vec<Intent> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(selected) = self.selected_pending().cloned() else {
            self.perm.edit = None;
            return Vec::new();
        };
        let Some(edit) = self.perm.edit.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.perm.edit = None;
                return Vec::new();
            }
            KeyCode::Tab | KeyCode::BackTab => {
                edit.all_agents = !edit.all_agents;
                return Vec::new();
            }
            KeyCode::Char('w') if ctrl => {
                edit.source = match edit.source {
                    RuleSource::Session => RuleSource::Project,
                    RuleSource::Project => RuleSource::User,
                    RuleSource::User => RuleSource::Session,
                };
                return Vec::new();
            }
            _ => {}
        }
        let InputOutcome::Submit(text) = edit.input.handle_key(key) else {
            return Vec::new();
        };
        let (kind, all_agents, source) = (edit.kind, edit.all_agents, edit.source);
        match kind {
            PromptEditKind::DenyMessage => self.answer(
                &selected,
                Decision::Deny {
                    message: text,
                    interrupt: false,
                },
                "deny",
            ),
            PromptEditKind::Input => {
                let updated = match selected.request.tool_name.as_str() {
                    "Bash" => {
                        let mut input = selected.request.input.clone();
                        if let Some(o) = input.as_object_mut() {
                            o.insert("command".into(), Value::String(text));
                        }
                        Ok(input)
                    }
                    _ => serde_json::from_str::<Value>(&text)
                        .map_err(|e| format!("the edited input is not JSON: {e}")),
                };
                match updated {
                    Ok(updated_input) => {
                        self.answer(&selected, Decision::Allow { updated_input }, "allow edited")
                    }
                    Err(e) => {
                        self.app_notice(NoticeLevel::Error, e);
                        Vec::new()
                    }
                }
            }
            PromptEditKind::AllowRule | PromptEditKind::DenyRule => {
                let patterns = match parse_rule_list(&text) {
                    Ok(p) => p,
                    Err(e) => {
                        self.app_notice(NoticeLevel::Error, format!("not a rule: {e}"));
                        return Vec::new();
                    }
                };
                let (behavior, decision) = if kind == PromptEditKind::AllowRule {
                    (Behavior::Allow, allow_as_is(&selected))
                } else {
                    (
                        Behavior::Deny,
                        Decision::Deny {
                            message: format!("The user denied this and saved a rule: deny {text}."),
                            interrupt: false,
                        },
                    )
                };
                self.drop_pending(&selected);
                vec![Intent::Permissions(PermIntent::DecideWithRule {
                    agent_id: selected.agent_id.clone(),
                    request_id: selected.request.request_id.clone(),
                    decision,
                    rules: RuleDraft {
                        patterns,
                        behavior,
                        scope: if all_agents {
                            "*".to_owned()
                        } else {
                            selected.agent_name.clone()
                        },
                        source,
                        expires_at: None,
                        created_by: "user".to_owned(),
                    },
                    label: format!(
                        "{} {} for {}",
                        behavior.as_str(),
                        selected.request.tool_name,
                        selected.agent_name
                    ),
                })]
            }
        }
    }

    fn screen_key(&mut self, key: KeyEvent) -> Vec<Intent> {
        let count = self.perm.rules.len();
        let Some(screen) = self.perm.screen.as_mut() else {
            return Vec::new();
        };
        if let Some((input, editing)) = screen.adding.as_mut() {
            if key.code == KeyCode::Esc {
                screen.adding = None;
                return Vec::new();
            }
            let InputOutcome::Submit(text) = input.handle_key(key) else {
                return Vec::new();
            };
            match parse_rule_command(&text, self.now) {
                Ok(rules) => {
                    let mut out = vec![Intent::Permissions(PermIntent::AddRules {
                        label: format!("save rule {text}"),
                        rules,
                    })];
                    if let Some(id) = editing.take() {
                        out.push(Intent::Permissions(PermIntent::DeleteRule {
                            label: format!("replace rule {id}"),
                            id,
                        }));
                    }
                    screen.adding = None;
                    return out;
                }
                Err(e) => {
                    input.insert_str(&text);
                    self.app_notice(NoticeLevel::Error, format!("not a rule: {e}"));
                    return Vec::new();
                }
            }
        }
        if screen.dry_focused {
            match key.code {
                KeyCode::Esc => screen.dry_focused = false,
                _ => {
                    if let InputOutcome::Submit(call) = screen.dry_run.handle_key(key) {
                        screen.dry_run.insert_str(&call);
                        return vec![Intent::Permissions(PermIntent::DryRun { call })];
                    }
                }
            }
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.perm.screen = None,
            // alt-p opens it, so it closes it too.
            KeyCode::Char('p') if key.modifiers.contains(KeyModifiers::ALT) => {
                self.perm.screen = None
            }
            KeyCode::Char('/') | KeyCode::Char('i') => screen.dry_focused = true,
            KeyCode::Char('a') => screen.adding = Some((InputState::default(), None)),
            KeyCode::Char('e') => {
                if let Some(rule) = ordered(&self.perm.rules).get(screen.selected).copied() {
                    let mut input = InputState::default();
                    input.insert_str(&rule_command(rule));
                    screen.adding = Some((input, Some(rule.id.clone())));
                }
            }
            KeyCode::Char('j') | KeyCode::Down => {
                screen.selected = (screen.selected + 1).min(count.saturating_sub(1));
            }
            KeyCode::Char('k') | KeyCode::Up => screen.selected = screen.selected.saturating_sub(1),
            KeyCode::Char('x') | KeyCode::Delete => {
                let Some(rule) = ordered(&self.perm.rules).get(screen.selected).copied() else {
                    return Vec::new();
                };
                return vec![Intent::Permissions(PermIntent::DeleteRule {
                    id: rule.id.clone(),
                    label: format!("delete rule {}", rule.rule),
                })];
            }
            _ => {}
        }
        Vec::new()
    }

    /// Draw the modal (when visible) and the Permissions screen (when open).
    pub(super) fn render_permissions(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let mut cursor = None;
        if modal_visible(self)
            && let Some(p) = self.selected_pending()
        {
            let state = self
                .agents
                .get(&p.agent_id)
                .map_or("gone", |a| a.state.as_str());
            let scope_label = self.perm.edit.as_ref().map(|e| {
                format!(
                    "{}, {}",
                    if e.all_agents {
                        "every agent"
                    } else {
                        p.agent_name.as_str()
                    },
                    e.source.as_str()
                )
            });
            let edit = self
                .perm
                .edit
                .as_ref()
                .zip(scope_label.as_deref())
                .map(|(e, s)| (e.kind, &e.input, s));
            cursor = PermissionPromptView {
                pending: p,
                agent_state: state,
                index: self.perm.selected.min(self.permissions.len() - 1) + 1,
                total: self.permissions.len(),
                edit,
                theme: &self.theme,
                buttons: Some(&self.perm.buttons),
            }
            .render(area, buf);
        }
        if let Some(screen) = &self.perm.screen {
            cursor = PermissionsScreenView {
                state: screen,
                rules: &self.perm.rules,
                now: self.now,
                tz: &self.tz,
                bypass: self.bypass,
                theme: &self.theme,
            }
            .render(area, buf);
        }
        cursor
    }

    /// A left click on one of the modal's buttons presses its key. `None` when the click is
    /// not on a button (or the modal is hidden).
    pub(super) fn permission_mouse(
        &mut self,
        m: crossterm::event::MouseEvent,
    ) -> Option<Vec<Intent>> {
        use crossterm::event::{MouseButton, MouseEventKind};
        if m.kind != MouseEventKind::Down(MouseButton::Left) || !modal_visible(self) {
            return None;
        }
        let pos = Position::new(m.column, m.row);
        let key = self
            .perm
            .buttons
            .borrow()
            .iter()
            .find(|(r, _)| r.contains(pos))
            .map(|(_, k)| *k)?;
        let code = match key {
            "Tab" => KeyCode::Tab,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            k => KeyCode::Char(k.chars().next()?),
        };
        self.dirty = true;
        self.permission_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// Open the modal on `agent`'s oldest pending request (AgentTable `p`); false when it has
    /// none.
    pub(crate) fn show_permission_of(&mut self, agent: &AgentId) -> bool {
        let Some(idx) = self.permissions.iter().position(|p| &p.agent_id == agent) else {
            return false;
        };
        self.perm.selected = idx;
        self.perm.edit = None;
        self.permission_hidden = false;
        true
    }

    /// Whether the permission UI covers the screen (cursor and other overlays yield to it).
    pub(super) fn permission_overlay(&self) -> bool {
        modal_visible(self) || self.perm.screen.is_some()
    }
}

fn allow_as_is(p: &PendingPermission) -> Decision {
    Decision::Allow {
        updated_input: p.request.input.clone(),
    }
}

/// Tell the user a request is waiting (bell / desktop notification, as configured).
pub(crate) fn ring_bell() {
    crate::ui::notify::notify(
        crate::ui::notify::NotifyKind::Permission,
        "a permission request is waiting",
    );
}

#[cfg(test)]
mod tests;
