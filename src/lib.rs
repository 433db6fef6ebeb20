//! patchfeld: a terminal workspace for running several Claude Code agents at once.
//!
//! Layers (one-way): `core` (pure domain) ← `claude` (wire format + process) ← `engine`
//! (agent actor) ← `ui` (terminal). `store` is persistence; `fake_agent` is the scripted
//! stand-in for the CLI used by tests and `--demo`.

pub mod app;
pub mod claude;
pub mod cli;
pub mod core;
pub mod engine;
pub mod fake_agent;
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
pub mod memory;
pub mod store;
pub mod ui;
