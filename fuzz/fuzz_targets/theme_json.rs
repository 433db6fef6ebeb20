//! Fuzz target `theme_json`: the body is `patchfeld::fuzzing::theme_json`, shared with tests/fuzz_regressions.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patchfeld::fuzzing::theme_json(data));
