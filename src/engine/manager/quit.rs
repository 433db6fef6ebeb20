//! Quitting: every live agent gets the record its exit will give it, and agents.json is
//! written while the children are still being stopped, so the save adds nothing to the quit
//! time (issue 11: quit < 100 ms with agents running).

use super::Manager;
use crate::core::agent::{AgentRecord, AgentState, StateInput};
use crate::core::ids::AgentId;
use crate::core::time::now;

impl Manager {
    /// Called once every child was told to stop. A child whose exit then tells something new
    /// (a fault while stopping) changes its record again, and the final flush writes that.
    pub(super) fn settle_for_quit(&mut self) {
        let ids: Vec<AgentId> = self.live.keys().cloned().collect();
        for id in ids {
            let Some(live) = self.live.get(&id) else {
                continue;
            };
            // What `child_exited` will compute for a process we killed (`killing` is set).
            let mut machine = live.machine;
            machine.apply(&StateInput::ProcessExited { error: None });
            let state = machine.state();
            if let Some(r) = self.records.get_mut(&id) {
                record_exit(r, state, None);
                self.dirty.insert(id);
            }
        }
        self.saver.update(self.records.values().cloned().collect());
        self.saver.write_soon();
    }
}

/// What an agent's record says once its process ended (`child_exited`, and ahead of time at
/// quit): its state, no tool in flight, the error if any, and when it ended (kept when the
/// state did not change).
pub(super) fn record_exit(r: &mut AgentRecord, state: AgentState, error: Option<&str>) {
    let before = r.state;
    r.state = state;
    r.current_tool = None;
    if let Some(e) = error {
        r.error = Some(e.to_owned());
    }
    if r.ended_at.is_none() || before != state {
        r.ended_at = Some(now());
    }
}
