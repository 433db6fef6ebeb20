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
use std::sync::atomic::{AtomicBool, Ordering};
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
            setup_modes()?;
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

/// Everything `enter` turns on after raw mode.
fn setup_modes() -> std::io::Result<()> {
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
    Ok(())
}

/// Whether the TUI handed the terminal to a child (`suspend`) and has not taken it back.
static SUSPENDED: AtomicBool = AtomicBool::new(false);

/// A suspend/resume switch: `leave` and `enter` run only on a real change, so repeated or
/// mismatched calls (an error path resuming twice) never stack terminal modes.
pub(crate) struct Suspension<'a> {
    flag: &'a AtomicBool,
}

impl Suspension<'_> {
    /// Leave the TUI's modes if they are on; true when this call left them.
    pub(crate) fn suspend(&self, leave: impl FnOnce()) -> bool {
        let changed = !self.flag.swap(true, Ordering::SeqCst);
        if changed {
            leave();
        }
        changed
    }

    /// Take the terminal back if it was handed over; true when this call did.
    pub(crate) fn resume(
        &self,
        enter: impl FnOnce() -> std::io::Result<()>,
    ) -> std::io::Result<bool> {
        if !self.flag.swap(false, Ordering::SeqCst) {
            return Ok(false);
        }
        enter()?;
        Ok(true)
    }
}

/// Hand the terminal to a child process (`$EDITOR`): leave raw mode, the alternate screen
/// and every mode `enter` set, so the child sees a normal terminal. Idempotent. The caller
/// must stop reading input first (drop crossterm's `EventStream`), or its reader thread
/// would steal the child's keys.
pub(crate) fn suspend() -> bool {
    Suspension { flag: &SUSPENDED }.suspend(restore)
}

/// Take the terminal back after `suspend`: raw mode and the TUI's modes again. Idempotent.
/// The caller repaints everything afterwards (`Terminal::clear`): the child drew over it.
pub(crate) fn resume() -> std::io::Result<bool> {
    Suspension { flag: &SUSPENDED }.resume(|| {
        terminal::enable_raw_mode()?;
        setup_modes()
    })
}

/// What the live [`TtyInput`] shares with `pause_input` / `resume_input`.
#[derive(Default)]
struct InputSlot {
    stream: Option<crossterm::event::EventStream>,
    /// The loop's waker while paused, woken on resume.
    waker: Option<std::task::Waker>,
}

/// The input of the running UI (there is one terminal, so one slot).
static INPUT: Mutex<Option<std::sync::Arc<Mutex<InputSlot>>>> = Mutex::new(None);

/// Terminal input for the event loop: crossterm's `EventStream`, which can be dropped while
/// a child owns the terminal (its reader thread would otherwise take the child's keys) and
/// made again afterwards.
pub(crate) struct TtyInput {
    slot: std::sync::Arc<Mutex<InputSlot>>,
}

impl TtyInput {
    /// Start reading terminal input (and become what `pause_input` pauses).
    pub(crate) fn new() -> Self {
        let slot = std::sync::Arc::new(Mutex::new(InputSlot {
            stream: Some(crossterm::event::EventStream::new()),
            waker: None,
        }));
        if let Ok(mut g) = INPUT.lock() {
            *g = Some(slot.clone());
        }
        Self { slot }
    }
}

impl futures_util::Stream for TtyInput {
    type Item = std::io::Result<crossterm::event::Event>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let Ok(mut slot) = self.slot.lock() else {
            return std::task::Poll::Ready(None);
        };
        match slot.stream.as_mut() {
            Some(s) => futures_util::StreamExt::poll_next_unpin(s, cx),
            None => {
                slot.waker = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}

fn with_input(f: impl FnOnce(&mut InputSlot)) {
    let slot = INPUT.lock().ok().and_then(|g| g.clone());
    if let Some(slot) = slot
        && let Ok(mut s) = slot.lock()
    {
        f(&mut s);
    }
}

/// Stop reading terminal input: the `EventStream` (and its reader thread) goes away.
pub(crate) fn pause_input() {
    with_input(|s| s.stream = None);
}

/// Read terminal input again after `pause_input` (no-op when reading).
pub(crate) fn resume_input() {
    with_input(|s| {
        if s.stream.is_none() {
            s.stream = Some(crossterm::event::EventStream::new());
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspend_and_resume_run_once_each_whatever_the_calls() {
        let flag = AtomicBool::new(false);
        let s = Suspension { flag: &flag };
        let entered = std::cell::Cell::new(0);
        let enter = || {
            entered.set(entered.get() + 1);
            Ok(())
        };
        let mut left = 0;
        assert_eq!(s.resume(enter).ok(), Some(false), "not suspended");
        assert!(s.suspend(|| left += 1));
        assert!(!s.suspend(|| left += 1), "already suspended");
        assert_eq!(s.resume(enter).ok(), Some(true));
        assert_eq!(s.resume(enter).ok(), Some(false));
        assert_eq!((left, entered.get()), (1, 1));
        assert!(s.suspend(|| left += 1), "a second round works");
        assert_eq!(left, 2);
    }
}
