//! The agent engine: an actor that owns every agent session (the orchestrator included),
//! takes `EngineCommand`s and reports `EngineEvent`s. The UI only talks to it through
//! `EngineHandle` and the event channel.

pub mod agent_defaults;
pub mod api;
pub mod backlog;
pub mod child_tools;
pub mod inbox;
pub mod manager;
pub mod orchestrator;
pub mod permissions;
pub mod worktree;

pub use agent_defaults::{AgentDefaults, LiveSettings};
pub use api::*;
pub use manager::{EngineConfig, PERMISSION_TIMEOUT, start};
