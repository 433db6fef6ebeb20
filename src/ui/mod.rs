//! The terminal UI: event loop, app state, widgets, rendering.
