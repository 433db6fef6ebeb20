//! Rendering helpers shared by widgets: the semantic theme, text wrapping, number formats.

pub(crate) mod ansi;
pub(crate) mod format;
pub(crate) mod highlight;
pub(crate) mod markdown;
pub(crate) mod theme;
pub(crate) mod wrap;
