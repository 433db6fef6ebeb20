//! Misbehaving children and a failing disk: protocol faults end the agent in `error` with the
//! reason, an interrupt the CLI ignores escalates to a kill, and failed writes of agents.json or
//! a transcript become one visible notice instead of a log line nobody reads.

use super::{Input, Manager};
use crate::claude::process::ToChild;
use crate::core::ids::AgentId;
use crate::core::transcript::{NoticeLevel, TranscriptItem};
use std::time::Duration;

/// How long a busy agent gets to end its turn after an interrupt before it is killed. The real
/// CLI answers at once and ends the turn within a second; a child silent this long is hung.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(5);

/// Per-process fault bookkeeping (one field of `Live`).
#[derive(Debug, Default)]
pub(crate) struct LiveFaults {
    /// Why the process is being killed; becomes the agent's error when it exits.
    pub fault: Option<String>,
    /// Counts interrupts, so a timer from an older interrupt does not kill a later turn.
    pub interrupt_serial: u64,
    /// A transcript write failure was already reported for this process.
    pub write_error_shown: bool,
}

/// Engine-wide disk-error bookkeeping (one field of `Manager`).
#[derive(Debug, Default)]
pub(crate) struct SaveErrors {
    /// The current agents.json failure was shown (reset by the next successful save).
    shown: bool,
    /// A [`Input::SaveCheck`] timer is running.
    check_pending: bool,
}

impl Manager {
    /// stdout broke the protocol: remember why and kill the process; its exit ends the agent
    /// in `error` with this reason.
    pub(super) fn child_fault(&mut self, id: &AgentId, reason: String) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        tracing::warn!(agent = %id, "protocol fault: {reason}");
        if live.faults.fault.is_some() || live.killing {
            return;
        }
        live.faults.fault = Some(format!("protocol fault: {reason}"));
        live.queue.clear();
        let _ = live.child.tx.send(ToChild::Kill);
    }

    /// Output after a fault is not trusted (it may be the tail of a broken line).
    pub(super) fn faulted(&self, id: &AgentId) -> bool {
        self.live.get(id).is_some_and(|l| l.faults.fault.is_some())
    }

    /// The error to record when a process exits, if a fault killed it.
    pub(super) fn take_fault(live: &mut super::Live) -> Option<String> {
        live.faults.fault.take()
    }

    /// After an interrupt of a busy agent: if the turn has not ended within
    /// [`INTERRUPT_GRACE`], kill the process.
    pub(super) fn arm_interrupt_escalation(&mut self, id: &AgentId) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        if !live.busy {
            return;
        }
        live.faults.interrupt_serial += 1;
        let (agent, generation, serial) =
            (id.clone(), live.generation, live.faults.interrupt_serial);
        let tx = self.in_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(INTERRUPT_GRACE).await;
            let _ = tx.send(Input::InterruptDue {
                agent,
                generation,
                serial,
            });
        });
    }

    pub(super) fn interrupt_due(&mut self, id: &AgentId, generation: u64, serial: u64) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        if live.generation != generation
            || live.faults.interrupt_serial != serial
            || !live.interrupting
            || live.killing
            || live.faults.fault.is_some()
        {
            return;
        }
        let reason = format!(
            "did not stop within {} s of an interrupt; killed",
            INTERRUPT_GRACE.as_secs()
        );
        tracing::warn!(agent = %id, "{reason}");
        live.faults.fault = Some(reason.clone());
        let _ = live.child.tx.send(ToChild::Kill);
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Warning,
                text: reason,
            },
        );
    }

    /// After handing the saver a snapshot: look at its outcome once it has had time to write,
    /// so a failure shows even when nothing else happens afterwards.
    pub(super) fn schedule_save_check(&mut self) {
        if std::mem::replace(&mut self.save_errors.check_pending, true) {
            return;
        }
        let tx = self.in_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(crate::store::agents::SAVE_INTERVAL * 3).await;
            let _ = tx.send(Input::SaveCheck);
        });
    }

    pub(super) fn save_check_due(&mut self) {
        self.save_errors.check_pending = false;
        self.report_save_error();
    }

    /// Called once per batch: show a failing agents.json save (read-only dir, disk full) once.
    pub(super) fn report_save_error(&mut self) {
        // Once per failure streak: the message may differ between attempts (temp file names).
        match self.saver.last_error() {
            None => self.save_errors.shown = false,
            Some(_) if self.save_errors.shown => {}
            Some(e) => {
                self.save_errors.shown = true;
                self.notice(
                    NoticeLevel::Error,
                    format!("could not save the agents list (changes are kept in memory): {e}"),
                );
            }
        }
    }

    /// Flush every live transcript buffer; the first failure per process becomes a notice.
    pub(super) fn flush_transcripts(&mut self) {
        let mut failed = Vec::new();
        for (id, live) in &mut self.live {
            if let Some(w) = live.writer.as_mut()
                && let Err(e) = w.flush()
                && !live.faults.write_error_shown
            {
                live.faults.write_error_shown = true;
                failed.push(format!("transcript of {id} could not be written: {e}"));
            }
        }
        for text in failed {
            self.notice(NoticeLevel::Error, text);
        }
    }
}
