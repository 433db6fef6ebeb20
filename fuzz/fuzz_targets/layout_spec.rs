//! Fuzz target `layout_spec`: the body is `patchfeld::fuzzing::layout_spec`, shared with tests/fuzz_regressions.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patchfeld::fuzzing::layout_spec(data));
