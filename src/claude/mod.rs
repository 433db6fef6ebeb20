//! The Claude Code CLI: wire format, control protocol, in-process MCP, process.
//! The only module that knows the wire format.

pub mod control;
pub mod line_reader;
pub mod process;
pub mod sdk_mcp;
pub mod to_domain;
pub mod wire;
