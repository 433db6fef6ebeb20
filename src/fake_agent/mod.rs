//! A scripted stand-in for the Claude Code CLI speaking its stream-json + control protocol (tests, --demo).
