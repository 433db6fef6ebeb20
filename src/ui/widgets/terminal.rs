//! The Terminal widget: its state (the pty session handle, exit status, the `ctrl-\` chord,
//! scrollback position), key → byte encoding for the child, and the view (vt100 screen drawn
//! by tui-term). The session's threads live in `ui::sources::pty`; nothing here does IO.

use crate::ui::render::theme::Theme;
use crate::ui::sources::pty::{PtySession, PtySpec};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use tui_term::vt100::{MouseProtocolEncoding, MouseProtocolMode};
use tui_term::widget::{Cursor, PseudoTerminal};

/// A Terminal panel's live state.
#[derive(Debug, Default)]
pub(crate) struct TerminalState {
    /// What runs (from props), set when first shown.
    pub spec: Option<PtySpec>,
    /// The running child (dropped = hung up).
    pub session: Option<PtySession>,
    /// Set when the child exited: its code (`None`: a signal).
    pub exited: Option<Option<u32>>,
    /// Why it could not start.
    pub error: Option<String>,
    /// `ctrl-\` was pressed: the next key is the chord's.
    pub chord: bool,
    /// Start a (new) session at the next sync.
    pub want_start: bool,
}

/// What a key in a focused terminal does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TerminalKey {
    /// Bytes for the child.
    Send(Vec<u8>),
    /// Handled here (chord armed, scrolled, restart asked).
    Done,
    /// Leave focus to the next (`true`) or previous panel.
    Leave(bool),
}

impl TerminalState {
    /// The title: the running command and its state.
    pub(crate) fn title(&self) -> Option<String> {
        let cmd = self.spec.as_ref()?.display();
        Some(match self.exited {
            Some(Some(c)) => format!("$ {cmd} [exited {c}]"),
            Some(None) => format!("$ {cmd} [killed]"),
            None if self.chord => format!("$ {cmd} — ^\\ then: ^\\ sends it, any key leaves"),
            None => format!("$ {cmd}"),
        })
    }

    /// Handle a key while focused (every key comes here first).
    pub(crate) fn key(&mut self, key: KeyEvent) -> TerminalKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.chord {
            self.chord = false;
            return match key.code {
                KeyCode::Char('\\') | KeyCode::Char('4') if ctrl => TerminalKey::Send(vec![0x1c]),
                KeyCode::BackTab => TerminalKey::Leave(false),
                _ => TerminalKey::Leave(true),
            };
        }
        if ctrl && matches!(key.code, KeyCode::Char('\\') | KeyCode::Char('4')) {
            self.chord = true;
            return TerminalKey::Done;
        }
        if self.session.is_none() || self.exited.is_some() {
            return match key.code {
                KeyCode::Char('r') if !ctrl => {
                    self.want_start = true;
                    TerminalKey::Done
                }
                KeyCode::Tab => TerminalKey::Leave(true),
                KeyCode::BackTab => TerminalKey::Leave(false),
                _ => TerminalKey::Done,
            };
        }
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        if shift && matches!(key.code, KeyCode::PageUp | KeyCode::PageDown) {
            let page = self
                .session
                .as_ref()
                .map_or(10, |s| s.size().0 as isize - 1);
            self.scroll(if key.code == KeyCode::PageUp {
                page
            } else {
                -page
            });
            return TerminalKey::Done;
        }
        let app_cursor = self
            .session
            .as_ref()
            .is_some_and(|s| s.screen().screen().application_cursor());
        match encode_key(key, app_cursor) {
            Some(b) => {
                self.scroll_to_bottom();
                TerminalKey::Send(b)
            }
            None => TerminalKey::Done,
        }
    }

    /// Move the view `lines` into the scrollback (negative: towards the live screen).
    pub(crate) fn scroll(&mut self, lines: isize) {
        if let Some(s) = &self.session {
            let mut p = s.screen();
            let cur = p.screen().scrollback() as isize;
            let next = (cur + lines).max(0) as usize;
            p.screen_mut().set_scrollback(next);
        }
    }

    fn scroll_to_bottom(&mut self) {
        if let Some(s) = &self.session {
            let mut p = s.screen();
            if p.screen().scrollback() != 0 {
                p.screen_mut().set_scrollback(0);
            }
        }
    }

    /// The child's wheel encoding when it asked for mouse reports (vim, htop), else `None`
    /// (the wheel scrolls our scrollback).
    pub(crate) fn wheel_bytes(&self, up: bool, col: u16, row: u16) -> Option<Vec<u8>> {
        let kind = if up {
            MouseEventKind::ScrollUp
        } else {
            MouseEventKind::ScrollDown
        };
        self.mouse_bytes(kind, KeyModifiers::NONE, col, row)
    }

    /// A click, release or drag at (`col`, `row`) inside the panel, encoded for the child
    /// when its mouse mode reports that kind of event; `None`: it did not ask (the click
    /// is then ours: focus).
    pub(crate) fn mouse_bytes(
        &self,
        kind: MouseEventKind,
        modifiers: KeyModifiers,
        col: u16,
        row: u16,
    ) -> Option<Vec<u8>> {
        let s = self.session.as_ref()?;
        let p = s.screen();
        let screen = p.screen();
        encode_mouse(
            screen.mouse_protocol_mode(),
            screen.mouse_protocol_encoding(),
            kind,
            modifiers,
            col,
            row,
        )
    }

    /// A paste, framed when the child enabled bracketed paste.
    pub(crate) fn paste_bytes(&self, text: &str) -> Option<Vec<u8>> {
        let s = self.session.as_ref()?;
        let bracketed = s.screen().screen().bracketed_paste();
        let body = text.replace("\r\n", "\r").replace('\n', "\r");
        Some(if bracketed {
            format!("\x1b[200~{body}\x1b[201~").into_bytes()
        } else {
            body.into_bytes()
        })
    }
}

/// Encode a mouse event the way xterm does for the child's mouse mode (`?9`, `?1000`,
/// `?1002`, `?1003`) and encoding (SGR `?1006`, else the legacy byte form, which cannot
/// express positions past 223 and so sends nothing there). `col`/`row` are 0-based cells
/// inside the terminal. `None`: the mode does not report this event.
pub(crate) fn encode_mouse(
    mode: MouseProtocolMode,
    encoding: MouseProtocolEncoding,
    kind: MouseEventKind,
    modifiers: KeyModifiers,
    col: u16,
    row: u16,
) -> Option<Vec<u8>> {
    let button = |b: MouseButton| match b {
        MouseButton::Left => 0u16,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    };
    // (button code, is a release)
    let (mut code, release) = match (mode, kind) {
        (MouseProtocolMode::None, _) => return None,
        (_, MouseEventKind::ScrollUp) => (64, false),
        (_, MouseEventKind::ScrollDown) => (65, false),
        (_, MouseEventKind::ScrollLeft) => (66, false),
        (_, MouseEventKind::ScrollRight) => (67, false),
        (_, MouseEventKind::Down(b)) => (button(b), false),
        (MouseProtocolMode::Press, _) => return None,
        (_, MouseEventKind::Up(b)) => (button(b), true),
        (
            MouseProtocolMode::ButtonMotion | MouseProtocolMode::AnyMotion,
            MouseEventKind::Drag(b),
        ) => (button(b) + 32, false),
        (MouseProtocolMode::AnyMotion, MouseEventKind::Moved) => (3 + 32, false),
        _ => return None,
    };
    // X10 mode reports no modifiers.
    if mode != MouseProtocolMode::Press {
        if modifiers.contains(KeyModifiers::SHIFT) {
            code += 4;
        }
        if modifiers.contains(KeyModifiers::ALT) {
            code += 8;
        }
        if modifiers.contains(KeyModifiers::CONTROL) {
            code += 16;
        }
    }
    let (x, y) = (u32::from(col) + 1, u32::from(row) + 1);
    match encoding {
        MouseProtocolEncoding::Sgr => {
            let fin = if release { 'm' } else { 'M' };
            Some(format!("\x1b[<{code};{x};{y}{fin}").into_bytes())
        }
        MouseProtocolEncoding::Default | MouseProtocolEncoding::Utf8 => {
            // The legacy form has no button for a release: 3, keeping the modifiers.
            let code = if release { (code & !3) | 3 } else { code };
            let byte = |v: u32| u8::try_from(v + 32).ok();
            let mut out = b"\x1b[M".to_vec();
            out.push(byte(u32::from(code))?);
            if encoding == MouseProtocolEncoding::Utf8 {
                for v in [x, y] {
                    let c = char::from_u32(v + 32)?;
                    let mut b = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            } else {
                out.push(byte(x)?);
                out.push(byte(y)?);
            }
            Some(out)
        }
    }
}

/// Encode a key the way xterm does. `None`: nothing to send.
pub(crate) fn encode_key(key: KeyEvent, app_cursor: bool) -> Option<Vec<u8>> {
    let m = key.modifiers;
    let ctrl = m.contains(KeyModifiers::CONTROL);
    let alt = m.contains(KeyModifiers::ALT);
    let shift = m.contains(KeyModifiers::SHIFT);
    let modnum = 1 + u8::from(shift) + 2 * u8::from(alt) + 4 * u8::from(ctrl);
    let csi = |code: &str, fin: char| -> Vec<u8> {
        if modnum > 1 {
            format!("\x1b[{code};{modnum}{fin}").into_bytes()
        } else {
            format!("\x1b[{code}{fin}").into_bytes()
        }
    };
    let cursor = |fin: char| -> Vec<u8> {
        if modnum > 1 {
            format!("\x1b[1;{modnum}{fin}").into_bytes()
        } else if app_cursor {
            format!("\x1bO{fin}").into_bytes()
        } else {
            format!("\x1b[{fin}").into_bytes()
        }
    };
    let mut out = match key.code {
        KeyCode::Char(c) if ctrl => {
            let b = match c.to_ascii_lowercase() {
                c @ 'a'..='z' => c as u8 & 0x1f,
                '@' | ' ' | '2' => 0,
                '[' | '3' => 0x1b,
                '\\' | '4' => 0x1c,
                ']' | '5' => 0x1d,
                '^' | '6' => 0x1e,
                '_' | '7' | '/' => 0x1f,
                '?' | '8' => 0x7f,
                _ => return None,
            };
            vec![b]
        }
        KeyCode::Char(c) => c.to_string().into_bytes(),
        KeyCode::Enter => vec![b'\r'],
        KeyCode::Backspace => vec![if ctrl { 0x08 } else { 0x7f }],
        KeyCode::Tab => vec![b'\t'],
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Esc => vec![0x1b],
        KeyCode::Up => cursor('A'),
        KeyCode::Down => cursor('B'),
        KeyCode::Right => cursor('C'),
        KeyCode::Left => cursor('D'),
        KeyCode::Home => cursor('H'),
        KeyCode::End => cursor('F'),
        KeyCode::Insert => csi("2", '~'),
        KeyCode::Delete => csi("3", '~'),
        KeyCode::PageUp => csi("5", '~'),
        KeyCode::PageDown => csi("6", '~'),
        KeyCode::F(n @ 1..=4) => {
            let fin = (b'P' + n - 1) as char;
            if modnum > 1 {
                format!("\x1b[1;{modnum}{fin}").into_bytes()
            } else {
                format!("\x1bO{fin}").into_bytes()
            }
        }
        KeyCode::F(n @ 5..=12) => {
            let code = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)];
            csi(&code.to_string(), '~')
        }
        _ => return None,
    };
    // Alt is an ESC prefix for plain characters and control bytes (CSI keys carry it in
    // their modifier number instead).
    let single = matches!(
        key.code,
        KeyCode::Char(_) | KeyCode::Enter | KeyCode::Backspace | KeyCode::Esc
    );
    if alt && single {
        out.insert(0, 0x1b);
    }
    Some(out)
}

/// Borrowed view of a Terminal panel.
pub(crate) struct TerminalView<'a> {
    pub state: &'a TerminalState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl TerminalView<'_> {
    /// Draw into `area`; returns where the terminal cursor is.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let mut pos = None;
        if let Some(s) = &self.state.session {
            let p = s.screen();
            let screen = p.screen();
            let mut cursor = Cursor::default();
            // The real terminal cursor is placed instead (it blinks, it has the user's shape).
            cursor.hide();
            PseudoTerminal::new(screen)
                .cursor(cursor)
                .render_into(area, buf);
            let (row, col) = screen.cursor_position();
            if self.focused
                && !screen.hide_cursor()
                && screen.scrollback() == 0
                && self.state.exited.is_none()
                && row < area.height
                && col < area.width
            {
                pos = Some(Position::new(area.x + col, area.y + row));
            }
            if screen.scrollback() > 0 {
                let tag = format!(" ↑{} ", screen.scrollback());
                let w = tag.chars().count() as u16;
                buf.set_string(
                    area.right().saturating_sub(w),
                    area.y,
                    tag,
                    self.theme.accent.add_modifier(Modifier::REVERSED),
                );
            }
        }
        let note = if let Some(e) = &self.state.error {
            Some((format!("{e} — r retries"), self.theme.error))
        } else {
            match self.state.exited {
                Some(Some(c)) => Some((format!("[exited {c}] — r restarts"), self.theme.warning)),
                Some(None) => Some(("[killed] — r restarts".to_owned(), self.theme.warning)),
                None if self.state.chord => Some((
                    "^\\ then: ^\\ sends ^\\ · any other key leaves the terminal".to_owned(),
                    self.theme.accent,
                )),
                None => None,
            }
        };
        if let Some((text, style)) = note {
            let y = area.bottom() - 1;
            let blank = " ".repeat(usize::from(area.width));
            buf.set_stringn(area.x, y, blank, usize::from(area.width), Style::default());
            buf.set_stringn(area.x, y, text, usize::from(area.width), style);
        }
        pos
    }
}

/// tui-term draws through ratatui's `Widget`; keep the call in one place.
trait RenderInto {
    fn render_into(self, area: Rect, buf: &mut Buffer);
}

impl<S: tui_term::widget::Screen> RenderInto for PseudoTerminal<'_, S> {
    fn render_into(self, area: Rect, buf: &mut Buffer) {
        ratatui::widgets::Widget::render(self, area, buf);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn k(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn encodes_mouse_reports_for_the_childs_mode() {
        use MouseProtocolEncoding as E;
        use MouseProtocolMode as M;
        let n = KeyModifiers::NONE;
        let down = MouseEventKind::Down(MouseButton::Left);
        let up = MouseEventKind::Up(MouseButton::Left);
        let enc = |m, e, k, mods, c, r| encode_mouse(m, e, k, mods, c, r);
        // Nothing when the child did not ask.
        assert_eq!(enc(M::None, E::Sgr, down, n, 0, 0), None);
        // SGR: 1-based, `M` press, `m` release with the button kept.
        assert_eq!(
            enc(M::PressRelease, E::Sgr, down, n, 4, 9).unwrap(),
            b"\x1b[<0;5;10M"
        );
        assert_eq!(
            enc(M::PressRelease, E::Sgr, up, n, 4, 9).unwrap(),
            b"\x1b[<0;5;10m"
        );
        assert_eq!(
            enc(
                M::PressRelease,
                E::Sgr,
                MouseEventKind::Down(MouseButton::Right),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT,
                0,
                0
            )
            .unwrap(),
            b"\x1b[<22;1;1M"
        );
        assert_eq!(
            enc(M::PressRelease, E::Sgr, MouseEventKind::ScrollDown, n, 1, 1).unwrap(),
            b"\x1b[<65;2;2M"
        );
        // X10 mode: presses only, no modifiers.
        assert_eq!(enc(M::Press, E::Sgr, up, n, 0, 0), None);
        assert_eq!(
            enc(M::Press, E::Sgr, down, KeyModifiers::CONTROL, 0, 0).unwrap(),
            b"\x1b[<0;1;1M"
        );
        // Drags need ?1002, plain motion ?1003.
        let drag = MouseEventKind::Drag(MouseButton::Left);
        assert_eq!(enc(M::PressRelease, E::Sgr, drag, n, 2, 2), None);
        assert_eq!(
            enc(M::ButtonMotion, E::Sgr, drag, n, 2, 2).unwrap(),
            b"\x1b[<32;3;3M"
        );
        assert_eq!(
            enc(M::ButtonMotion, E::Sgr, MouseEventKind::Moved, n, 2, 2),
            None
        );
        assert_eq!(
            enc(M::AnyMotion, E::Sgr, MouseEventKind::Moved, n, 2, 2).unwrap(),
            b"\x1b[<35;3;3M"
        );
        // Legacy bytes: 32 + value, release is button 3; positions past 223 cannot be sent.
        assert_eq!(
            enc(M::PressRelease, E::Default, down, n, 0, 1).unwrap(),
            vec![0x1b, b'[', b'M', 32, 33, 34]
        );
        assert_eq!(
            enc(M::PressRelease, E::Default, up, n, 0, 1).unwrap(),
            vec![0x1b, b'[', b'M', 35, 33, 34]
        );
        assert_eq!(enc(M::PressRelease, E::Default, down, n, 300, 0), None);
        assert_eq!(
            enc(M::PressRelease, E::Utf8, down, n, 300, 0).unwrap(),
            [b"\x1b[M ".as_slice(), "\u{14d}".as_bytes(), b"!"].concat()
        );
    }

    #[test]
    fn encodes_keys_like_xterm() {
        let n = KeyModifiers::NONE;
        assert_eq!(encode_key(k(KeyCode::Char('a'), n), false).unwrap(), b"a");
        assert_eq!(
            encode_key(k(KeyCode::Char('c'), KeyModifiers::CONTROL), false).unwrap(),
            [3]
        );
        assert_eq!(
            encode_key(k(KeyCode::Char('x'), KeyModifiers::ALT), false).unwrap(),
            b"\x1bx"
        );
        assert_eq!(encode_key(k(KeyCode::Up, n), false).unwrap(), b"\x1b[A");
        assert_eq!(encode_key(k(KeyCode::Up, n), true).unwrap(), b"\x1bOA");
        assert_eq!(
            encode_key(k(KeyCode::Right, KeyModifiers::CONTROL), true).unwrap(),
            b"\x1b[1;5C"
        );
        assert_eq!(encode_key(k(KeyCode::F(1), n), false).unwrap(), b"\x1bOP");
        assert_eq!(encode_key(k(KeyCode::F(5), n), false).unwrap(), b"\x1b[15~");
        assert_eq!(
            encode_key(k(KeyCode::F(12), n), false).unwrap(),
            b"\x1b[24~"
        );
        assert_eq!(
            encode_key(k(KeyCode::PageUp, n), false).unwrap(),
            b"\x1b[5~"
        );
        assert_eq!(encode_key(k(KeyCode::Enter, n), false).unwrap(), b"\r");
        assert_eq!(encode_key(k(KeyCode::Backspace, n), false).unwrap(), [0x7f]);
        assert_eq!(
            encode_key(k(KeyCode::BackTab, KeyModifiers::SHIFT), false).unwrap(),
            b"\x1b[Z"
        );
    }

    #[test]
    fn chord_leaves_or_sends_a_literal() {
        let mut s = TerminalState::default();
        let c = KeyModifiers::CONTROL;
        assert_eq!(s.key(k(KeyCode::Char('\\'), c)), TerminalKey::Done);
        assert!(s.chord);
        assert_eq!(
            s.key(k(KeyCode::Char('\\'), c)),
            TerminalKey::Send(vec![0x1c])
        );
        assert_eq!(s.key(k(KeyCode::Char('\\'), c)), TerminalKey::Done);
        assert_eq!(
            s.key(k(KeyCode::Char('x'), KeyModifiers::NONE)),
            TerminalKey::Leave(true)
        );
        assert!(!s.chord);
    }
}
