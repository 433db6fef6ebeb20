//! The semantic colour palette: every colour the UI uses comes from here (dark default).

use crate::core::agent::AgentState;
use crate::core::transcript::NoticeLevel;
use ratatui::style::{Color, Modifier, Style};

/// Named roles, not colours: widgets ask for `theme.error`, never for `Color::Red`.
#[derive(Debug, Clone)]
pub(crate) struct Theme {
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub title_focused: Style,
    pub user: Style,
    pub tool: Style,
    pub thinking: Style,
    pub info: Style,
    pub warning: Style,
    pub error: Style,
    pub ok: Style,
    pub selection: Style,
    pub status_bar: Style,
    pub badge_alert: Style,
    pub badge_bypass: Style,
    pub modal_border: Style,
    pub header: Style,
}

impl Theme {
    /// The built-in dark palette.
    pub(crate) fn dark() -> Self {
        let gray = Color::Rgb(128, 128, 128);
        Self {
            text: Style::new().fg(Color::Rgb(220, 220, 220)),
            dim: Style::new().fg(gray),
            accent: Style::new().fg(Color::Rgb(97, 175, 239)),
            border: Style::new().fg(Color::Rgb(88, 88, 88)),
            border_focused: Style::new().fg(Color::Rgb(97, 175, 239)),
            title: Style::new().fg(Color::Rgb(180, 180, 180)),
            title_focused: Style::new()
                .fg(Color::Rgb(97, 175, 239))
                .add_modifier(Modifier::BOLD),
            user: Style::new()
                .fg(Color::Rgb(198, 160, 246))
                .add_modifier(Modifier::BOLD),
            tool: Style::new().fg(gray),
            thinking: Style::new().fg(gray).add_modifier(Modifier::ITALIC),
            info: Style::new().fg(Color::Rgb(97, 175, 239)),
            warning: Style::new().fg(Color::Rgb(229, 192, 123)),
            error: Style::new().fg(Color::Rgb(240, 98, 98)),
            ok: Style::new().fg(Color::Rgb(152, 195, 121)),
            selection: Style::new().bg(Color::Rgb(50, 56, 66)),
            status_bar: Style::new()
                .fg(Color::Rgb(200, 200, 200))
                .bg(Color::Rgb(36, 36, 40)),
            badge_alert: Style::new()
                .fg(Color::Black)
                .bg(Color::Rgb(229, 192, 123))
                .add_modifier(Modifier::BOLD),
            badge_bypass: Style::new()
                .fg(Color::White)
                .bg(Color::Rgb(190, 60, 60))
                .add_modifier(Modifier::BOLD),
            modal_border: Style::new().fg(Color::Rgb(229, 192, 123)),
            header: Style::new().fg(gray).add_modifier(Modifier::BOLD),
        }
    }

    /// Colour of an agent state's glyph and label.
    pub(crate) fn state(&self, state: AgentState) -> Style {
        match state {
            AgentState::Idle => self.dim,
            AgentState::Running => self.ok,
            AgentState::Waiting => self.warning,
            AgentState::AwaitingPermission => self.warning.add_modifier(Modifier::BOLD),
            AgentState::Done => self.info,
            AgentState::Error => self.error,
            AgentState::Killed => self.dim,
        }
    }

    /// Colour of a notice.
    pub(crate) fn notice(&self, level: NoticeLevel) -> Style {
        match level {
            NoticeLevel::Info => self.info,
            NoticeLevel::Warning => self.warning,
            NoticeLevel::Error => self.error,
        }
    }
}

/// The glyph that shows an agent state at a glance.
pub(crate) fn state_glyph(state: AgentState) -> &'static str {
    match state {
        AgentState::Idle => "○",
        AgentState::Running => "●",
        AgentState::Waiting => "◆",
        AgentState::AwaitingPermission => "!",
        AgentState::Done => "✓",
        AgentState::Error => "✗",
        AgentState::Killed => "■",
    }
}
