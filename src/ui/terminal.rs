//! TerminalGuard: raw mode, alternate screen, mouse, bracketed paste, focus reports, kitty key
//! disambiguation — and their undoing on every exit path (drop, error, panic via a hook that
//! restores before the report).

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, KeyboardEnhancementFlags, PopKeyboardEnhancementFlags,
    PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

/// The thread that owns the live terminal, if any. A panic there ends the UI, so the hook
/// restores the terminal first; a panic in some other thread (a tokio worker, whose panic
/// tokio catches) must not pull the terminal out from under a UI that keeps running.
static OWNER: Mutex<Option<ThreadId>> = Mutex::new(None);

fn set_owner(owner: Option<ThreadId>) {
    if let Ok(mut o) = OWNER.lock() {
        *o = owner;
    }
}

fn is_owner() -> bool {
    OWNER
        .lock()
        .map(|o| *o == Some(std::thread::current().id()))
        .unwrap_or(false)
}

/// The real terminal, set up for the TUI; restored when dropped.
pub(crate) struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen; installs the panic hook (once).
    pub(crate) fn enter() -> std::io::Result<Self> {
        install_panic_hook();
        set_owner(Some(std::thread::current().id()));
        terminal::enable_raw_mode()?;
        let setup = (|| {
            execute!(
                stdout(),
                EnterAlternateScreen,
                EnableMouseCapture,
                EnableBracketedPaste,
                // Focus reports let a hidden-terminal bell fire only when useful.
                EnableFocusChange,
                cursor::Hide
            )?;
            // Pushed unconditionally (no support query: it can stall startup for seconds on
            // terminals that never answer); terminals without the kitty protocol ignore it.
            // It is what lets Shift-Enter differ from Enter.
            let _ = execute!(
                stdout(),
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            );
            Terminal::new(CrosstermBackend::new(stdout()))
        })();
        match setup {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                restore();
                set_owner(None);
                Err(e)
            }
        }
    }

    /// The ratatui terminal to draw on.
    pub(crate) fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        set_owner(None);
    }
}

/// Undo everything `enter` did. Idempotent and best effort: each step runs even if an
/// earlier one failed, because a half-restored terminal is the worst outcome.
pub(crate) fn restore() {
    let mut out = stdout();
    let _ = execute!(out, PopKeyboardEnhancementFlags);
    let _ = execute!(out, DisableFocusChange);
    let _ = execute!(out, DisableBracketedPaste);
    let _ = execute!(out, DisableMouseCapture);
    let _ = execute!(out, LeaveAlternateScreen);
    let _ = execute!(out, cursor::Show);
    let _ = terminal::disable_raw_mode();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first so the report lands on a usable screen.
            if is_owner() {
                restore();
            }
            tracing::error!("panic: {info}");
            previous(info);
        }));
    });
}
