//! The semantic styles every widget draws with, derived from a theme spec
//! (`crate::core::theme`) at the terminal's colour depth; plus the final buffer pass that
//! paints the theme background and reduces colours the terminal cannot show.

use crate::core::agent::AgentState;
use crate::core::theme::{Colour, ColourDepth, ThemeSpec, default_spec};
use crate::core::transcript::NoticeLevel;
use ratatui::buffer::Buffer;
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
    /// Text on the theme background (what empty cells are painted with).
    pub base: Style,
    /// Raised areas (status bar, popups): background only.
    pub surface: Style,
    /// Added lines of a diff.
    pub diff_add: Style,
    /// Removed lines of a diff.
    pub diff_remove: Style,
    /// Agent state colours, by state.
    pub state_running: Style,
    pub state_waiting: Style,
    pub state_awaiting_permission: Style,
    pub state_error: Style,
    pub state_idle: Style,
    pub state_done: Style,
    pub state_killed: Style,
    /// The terminal's colour depth (colours above it are reduced in `finish`).
    pub depth: ColourDepth,
    /// Painted into cells left at the terminal default (`Reset` = leave them).
    background: Color,
    foreground: Color,
}

/// A spec colour as ratatui shows it at `depth`.
pub(crate) fn to_color(c: Colour, depth: ColourDepth) -> Color {
    match c.reduce(depth) {
        Colour::Default => Color::Reset,
        Colour::Ansi(i) => match i {
            0 => Color::Black,
            1 => Color::Red,
            2 => Color::Green,
            3 => Color::Yellow,
            4 => Color::Blue,
            5 => Color::Magenta,
            6 => Color::Cyan,
            7 => Color::Gray,
            8 => Color::DarkGray,
            9 => Color::LightRed,
            10 => Color::LightGreen,
            11 => Color::LightYellow,
            12 => Color::LightBlue,
            13 => Color::LightMagenta,
            14 => Color::LightCyan,
            _ => Color::White,
        },
        Colour::Indexed(i) => Color::Indexed(i),
        Colour::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

impl Theme {
    /// The built-in dark palette at truecolor (tests and benches; the app resolves its own).
    pub(crate) fn dark() -> Self {
        Self::from_spec(&default_spec(), ColourDepth::TrueColor)
    }

    /// Derive every style from `spec`, reducing colours to `depth`.
    pub(crate) fn from_spec(spec: &ThemeSpec, depth: ColourDepth) -> Self {
        let c = |key: &str| to_color(spec.colour(key), depth);
        let st = |key: &str| Style::new().fg(to_color(spec.state_colour(key), depth));
        let fg = |key: &str| Style::new().fg(c(key));
        let background = c("background");
        let badge_text = match c("badge_text") {
            Color::Reset => Color::Black,
            other => other,
        };
        // Without a selection colour, reverse video still shows the cursor row.
        let selection = match c("selection") {
            Color::Reset => Style::new().add_modifier(Modifier::REVERSED),
            bg => Style::new().bg(bg),
        };
        let bold = Modifier::BOLD;
        Self {
            text: fg("text"),
            dim: fg("dim"),
            accent: fg("accent"),
            border: fg("border"),
            border_focused: fg("border_focused"),
            title: fg("title"),
            title_focused: fg("border_focused").add_modifier(bold),
            user: fg("user").add_modifier(bold),
            tool: fg("dim"),
            thinking: fg("dim").add_modifier(Modifier::ITALIC),
            info: fg("info"),
            warning: fg("warning"),
            error: fg("error"),
            ok: fg("success"),
            selection,
            status_bar: fg("text").bg(c("surface")),
            badge_alert: Style::new()
                .fg(badge_text)
                .bg(c("warning"))
                .add_modifier(bold),
            badge_bypass: Style::new()
                .fg(badge_text)
                .bg(c("error"))
                .add_modifier(bold),
            modal_border: fg("warning"),
            header: fg("dim").add_modifier(bold),
            base: fg("text").bg(background),
            surface: Style::new().bg(c("surface")),
            diff_add: fg("diff_add"),
            diff_remove: fg("diff_remove"),
            state_running: st("running"),
            state_waiting: st("waiting"),
            state_awaiting_permission: st("awaiting_permission").add_modifier(bold),
            state_error: st("error"),
            state_idle: st("idle"),
            state_done: st("done"),
            state_killed: st("killed"),
            depth,
            background,
            foreground: c("text"),
        }
    }

    /// Last step of a frame: cells still at the terminal default get the theme background and
    /// text colour (so `Clear`ed popups do not punch holes in a light theme), and colours the
    /// terminal cannot show (syntax highlighting, ANSI output) are reduced to its depth.
    pub(crate) fn finish(&self, buf: &mut Buffer) {
        let paint = self.background != Color::Reset;
        if !paint && self.depth == ColourDepth::TrueColor {
            return;
        }
        for cell in &mut buf.content {
            if paint {
                if cell.bg == Color::Reset {
                    cell.bg = self.background;
                }
                if cell.fg == Color::Reset {
                    cell.fg = self.foreground;
                }
            }
            cell.fg = self.reduce(cell.fg);
            cell.bg = self.reduce(cell.bg);
        }
    }

    fn reduce(&self, c: Color) -> Color {
        match (c, self.depth) {
            (_, ColourDepth::TrueColor) => c,
            (Color::Rgb(r, g, b), d) => to_color(Colour::Rgb(r, g, b), d),
            (Color::Indexed(i), ColourDepth::Ansi16) => {
                to_color(Colour::Indexed(i), ColourDepth::Ansi16)
            }
            _ => c,
        }
    }

    /// Colour of an agent state's glyph and label.
    pub(crate) fn state(&self, state: AgentState) -> Style {
        match state {
            AgentState::Idle => self.state_idle,
            AgentState::Running => self.state_running,
            AgentState::Waiting => self.state_waiting,
            AgentState::AwaitingPermission => self.state_awaiting_permission,
            AgentState::Done => self.state_done,
            AgentState::Error => self.state_error,
            AgentState::Killed => self.state_killed,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::theme::builtin;

    #[test]
    fn dark_keeps_the_original_colours() {
        let t = Theme::dark();
        assert_eq!(t.text.fg, Some(Color::Rgb(220, 220, 220)));
        assert_eq!(t.accent.fg, Some(Color::Rgb(97, 175, 239)));
        assert_eq!(t.border.fg, Some(Color::Rgb(88, 88, 88)));
        assert_eq!(t.title.fg, Some(Color::Rgb(180, 180, 180)));
        assert_eq!(t.selection.bg, Some(Color::Rgb(50, 56, 66)));
        assert_eq!(t.status_bar.bg, Some(Color::Rgb(36, 36, 40)));
        assert_eq!(t.badge_alert.fg, Some(Color::Black));
        assert_eq!(t.state(AgentState::Running), t.ok);
        assert_eq!(t.state(AgentState::Done), t.info);
        assert_eq!(t.base.bg, Some(Color::Reset));
    }

    #[test]
    fn styles_follow_the_depth() {
        let spec = builtin("dark").unwrap().unwrap();
        let t = Theme::from_spec(&spec, ColourDepth::Ansi256);
        assert_eq!(t.accent.fg, Some(Color::Indexed(75)));
        assert_eq!(t.dim.fg, Some(Color::Indexed(244)));
        let t = Theme::from_spec(&spec, ColourDepth::Ansi16);
        assert_eq!(t.error.fg, Some(Color::LightRed));
        assert_eq!(t.warning.fg, Some(Color::LightYellow));
        assert_eq!(t.text.fg, Some(Color::Gray));
    }

    #[test]
    fn finish_paints_defaults_and_reduces_colours() {
        let light = Theme::from_spec(&builtin("light").unwrap().unwrap(), ColourDepth::TrueColor);
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 3, 1));
        buf[(1, 0)]
            .set_fg(Color::Rgb(1, 2, 3))
            .set_bg(Color::Rgb(4, 5, 6));
        light.finish(&mut buf);
        assert_eq!(buf[(0, 0)].bg, Color::Rgb(0xfa, 0xfa, 0xfa));
        assert_eq!(buf[(0, 0)].fg, Color::Rgb(0x1f, 0x23, 0x28));
        assert_eq!(buf[(1, 0)].fg, Color::Rgb(1, 2, 3));

        let dark16 = Theme::from_spec(&default_spec(), ColourDepth::Ansi16);
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 2, 1));
        buf[(0, 0)]
            .set_fg(Color::Rgb(240, 98, 98))
            .set_bg(Color::Indexed(75));
        dark16.finish(&mut buf);
        assert_eq!(buf[(0, 0)].fg, Color::LightRed);
        assert_eq!(buf[(0, 0)].bg, Color::LightBlue);
        assert_eq!(
            buf[(1, 0)].bg,
            Color::Reset,
            "dark leaves the terminal background"
        );
    }
}
