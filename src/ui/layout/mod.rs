//! Turning a workspace layout spec into screen rectangles.

pub(crate) mod solve;
