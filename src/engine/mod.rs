//! The agent engine: an actor that owns every agent session (the orchestrator included),
//! takes `EngineCommand`s and reports `EngineEvent`s. The UI only talks to it through
//! `EngineHandle` and the event channel.

pub mod api;

pub use api::*;
