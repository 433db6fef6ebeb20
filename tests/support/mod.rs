//! Shared helpers for integration tests (each test crate uses a subset).
#![allow(dead_code)]

pub mod fake_api;
pub mod pty;
