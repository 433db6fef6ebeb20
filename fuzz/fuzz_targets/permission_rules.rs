//! Fuzz target `permission_rules`: the body is `patchfeld::fuzzing::permission_rules`, shared with tests/fuzz_regressions.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patchfeld::fuzzing::permission_rules(data));
