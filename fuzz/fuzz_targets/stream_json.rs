//! Fuzz target `stream_json`: the body is `patchfeld::fuzzing::stream_json`, shared with tests/fuzz_regressions.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patchfeld::fuzzing::stream_json(data));
