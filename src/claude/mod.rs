//! The Claude Code CLI: wire format, control protocol, in-process MCP, process. The only module that knows the wire.
