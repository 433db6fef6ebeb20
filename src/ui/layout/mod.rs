//! Layouts in the UI: solving a spec into rectangles, spatial focus, the live workspace
//! (tabs, per-panel state, atomic apply) and the orchestrator's layout tools.

pub(crate) mod focus;
pub(crate) mod solve;
pub(crate) mod tools;
pub(crate) mod workspace_state;
