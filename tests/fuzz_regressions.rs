//! Replays the fuzz corpora on stable: every file in `fuzz/corpus/<target>/` (seeds) and
//! `fuzz/regressions/<target>/` (inputs that once crashed) goes through the same checking
//! function the `cargo fuzz` target runs (`patchfeld::fuzzing`).

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Run `target` on every input of its seed corpus and regression folder; report all failures.
fn replay(name: &str) {
    let Some(&(_, target)) = patchfeld::fuzzing::TARGETS.iter().find(|(n, _)| *n == name) else {
        panic!("no fuzz target {name}");
    };
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = inputs(&fuzz.join("corpus").join(name));
    assert!(!seeds.is_empty(), "fuzz/corpus/{name} has no seeds");
    let regressions = inputs(&fuzz.join("regressions").join(name));
    let mut failed = Vec::new();
    for file in seeds.iter().chain(&regressions) {
        let Ok(data) = std::fs::read(file) else {
            failed.push(format!("{}: unreadable", file.display()));
            continue;
        };
        if std::panic::catch_unwind(|| target(&data)).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz inputs failing:\n{}",
        failed.join("\n")
    );
}

#[test]
fn stream_json_corpus() {
    replay("stream_json");
}

#[test]
fn layout_spec_corpus() {
    replay("layout_spec");
}

#[test]
fn permission_rules_corpus() {
    replay("permission_rules");
}

#[test]
fn config_toml_corpus() {
    replay("config_toml");
}

#[test]
fn theme_json_corpus() {
    replay("theme_json");
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for (name, _) in patchfeld::fuzzing::TARGETS {
        assert!(
            dir.join(format!("{name}.rs")).is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
    }
}
