//! Fuzz target `config_toml`: the body is `patchfeld::fuzzing::config_toml`, shared with tests/fuzz_regressions.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patchfeld::fuzzing::config_toml(data));
