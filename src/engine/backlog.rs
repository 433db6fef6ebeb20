//! Backpressure from the UI to the children. Each child may have `STDOUT_BACKLOG` lines in
//! flight to the engine (src/claude/process.rs); this extends the bound to the UI: once the UI
//! has more than `HIGH` streamed transcript events queued, the engine keeps the credits of the
//! lines it takes, so the children block on write instead of the UI's queue growing without
//! bound. When the UI is down to `LOW` the credits go back. Only a consumer that acknowledges
//! (`EngineHandle::transcript_taken`, the UI loop) engages it; a consumer that never does (the
//! engine tests) sees the engine as before.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// Streamed transcript events the UI may have queued before the children are held back.
pub const HIGH: usize = 4096;
/// The UI's queue length at which the children may write again.
pub const LOW: usize = 1024;

/// The engine → UI transcript queue length, shared by the engine and its handles.
#[derive(Debug, Default)]
pub struct UiBacklog {
    queued: AtomicUsize,
    engaged: AtomicBool,
    stalled: AtomicBool,
}

impl UiBacklog {
    /// Engine: one transcript event sent.
    pub(crate) fn sent(&self) {
        self.queued.fetch_add(1, SeqCst);
    }

    /// Engine: is the UI too far behind for a line's credit to go back to its child now?
    /// `true` marks the backlog stalled; the caller then owes the credit until `release`.
    pub(crate) fn hold(&self) -> bool {
        if !self.engaged.load(SeqCst) || self.queued.load(SeqCst) <= HIGH {
            return false;
        }
        self.stalled.store(true, SeqCst);
        true
    }

    /// Engine, right after `hold`: the UI may have caught up before it saw the stall; then
    /// whoever swaps the flag back releases (exactly one of the engine and the UI does).
    pub(crate) fn caught_up_meanwhile(&self) -> bool {
        self.queued.load(SeqCst) <= LOW && self.stalled.swap(false, SeqCst)
    }

    /// UI: one transcript event handled. `true`: the engine must be told to release the
    /// credits it holds (`EngineCommand::UiCaughtUp`).
    pub(crate) fn taken(&self) -> bool {
        self.engaged.store(true, SeqCst);
        let left = self
            .queued
            .fetch_update(SeqCst, SeqCst, |q| Some(q.saturating_sub(1)))
            .unwrap_or(0)
            .saturating_sub(1);
        left <= LOW && self.stalled.swap(false, SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_only_when_engaged_and_over_high_and_releases_once_at_low() {
        let b = UiBacklog::default();
        for _ in 0..=HIGH {
            b.sent();
        }
        assert!(!b.hold(), "no consumer has acknowledged yet");
        assert!(!b.taken(), "nothing stalled");
        b.sent();
        b.sent();
        assert!(b.hold(), "engaged and over HIGH");
        assert!(!b.caught_up_meanwhile());
        let mut releases = 0;
        while b.queued.load(SeqCst) > 0 {
            releases += usize::from(b.taken());
        }
        assert_eq!(releases, 1, "exactly one release when the UI reaches LOW");
        assert!(!b.hold());
    }

    #[test]
    fn a_ui_that_caught_up_before_the_stall_was_seen_leaves_the_release_to_the_engine() {
        let b = UiBacklog::default();
        b.engaged.store(true, SeqCst);
        for _ in 0..=HIGH {
            b.sent();
        }
        assert!(b.hold());
        // The UI drains to LOW but had already passed its check before the flag was set…
        b.queued.store(LOW, SeqCst);
        // …so the engine's re-check releases, and the UI's next ack does not again.
        assert!(b.caught_up_meanwhile());
        assert!(!b.taken());
    }
}
