//! The Command runner against real processes: output arrives, runs are killed when their
//! panel goes, never overlap, respect the timeout and the output cap, and re-run on interval
//! and on file change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use std::time::Instant;

const WAIT: Duration = Duration::from_secs(10);

fn spec(cmd: &str) -> CommandSpec {
    CommandSpec {
        cmd: cmd.to_owned(),
        interval: None,
        watch: Vec::new(),
    }
}

fn key(p: &str) -> PanelKey {
    ("tab".to_owned(), p.to_owned())
}

struct Rig {
    dir: tempfile::TempDir,
    runner: CommandRunner,
    rx: UnboundedReceiver<AppEvent>,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = unbounded_channel();
    let runner = CommandRunner::new(tx, dir.path().to_path_buf());
    Rig { dir, runner, rx }
}

impl Rig {
    async fn next(&mut self) -> CommandEvent {
        match tokio::time::timeout(WAIT, self.rx.recv()).await {
            Ok(Some(AppEvent::Command(ev))) => *ev,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => panic!("no command event within {WAIT:?}"),
        }
    }

    async fn finished(&mut self) -> RunResult {
        loop {
            if let CommandEventKind::Finished(r) = self.next().await.kind {
                return r;
            }
        }
    }

    /// Wait (bounded) until `file` in the project dir has `lines` lines; returns them.
    async fn lines_of(&self, file: &str, lines: usize) -> Vec<String> {
        let path = self.dir.path().join(file);
        let deadline = Instant::now() + WAIT;
        loop {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let got: Vec<String> = text.lines().map(str::to_owned).collect();
            if got.len() >= lines {
                return got;
            }
            assert!(Instant::now() < deadline, "{file} never got {lines} lines");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Running (not a zombie, not gone).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next())
        })
        .flatten()
        .is_some_and(|state| !matches!(state, 'Z' | 'X'))
}

async fn dies(pid: i32) -> bool {
    let deadline = Instant::now() + WAIT;
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

#[tokio::test]
async fn output_arrives_with_its_escapes_and_status() {
    let mut r = rig();
    r.runner.sync(vec![(
        key("c"),
        spec(r"printf '\033[31mred\033[0m ok\n'; echo err >&2; exit 3"),
    )]);
    let ev = r.next().await;
    assert_eq!(ev.kind, CommandEventKind::Started);
    assert_eq!(Some(ev.generation), r.runner.generation(&key("c")));
    let res = r.finished().await;
    assert_eq!(res.status, RunStatus::Exited(3));
    // stderr is kept, in the order it was written.
    assert_eq!(res.output, "\x1b[31mred\x1b[0m ok\nerr\n");
    let lines = crate::ui::render::ansi::parse(&res.output);
    assert_eq!(lines[0].spans[0].style.fg, Some(ratatui::style::Color::Red));
    // It runs in the project dir.
    r.runner.sync(vec![(key("c"), spec("pwd"))]);
    let res = r.finished().await;
    assert_eq!(
        std::path::Path::new(res.output.trim())
            .canonicalize()
            .unwrap(),
        r.dir.path().canonicalize().unwrap()
    );
}

#[tokio::test]
async fn removing_the_panel_kills_the_whole_process_group() {
    let mut r = rig();
    r.runner.sync(vec![(
        key("c"),
        spec("sleep 60 & echo $$ > pids; echo $! >> pids; wait"),
    )]);
    let pids: Vec<i32> = r
        .lines_of("pids", 2)
        .await
        .iter()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(pids.iter().all(|&p| alive(p)), "{pids:?}");
    assert_eq!(r.runner.running_pgid(&key("c")), Some(pids[0]));
    r.runner.sync(Vec::new());
    assert_eq!(r.runner.generation(&key("c")), None);
    for p in pids {
        assert!(dies(p).await, "pid {p} survived its panel");
    }
}

#[tokio::test]
async fn dropping_the_runner_kills_runs_in_flight() {
    let mut r = rig();
    r.runner
        .sync(vec![(key("c"), spec("sleep 60 & echo $! > pids; wait"))]);
    let pid: i32 = r.lines_of("pids", 1).await[0].parse().unwrap();
    assert!(alive(pid));
    drop(r.runner);
    assert!(dies(pid).await, "the run outlived the app's runner");
}

#[tokio::test]
async fn a_rerun_replaces_the_run_in_flight() {
    let mut r = rig();
    r.runner
        .sync(vec![(key("c"), spec("echo $$ >> runs; sleep 60"))]);
    let first: i32 = r.lines_of("runs", 1).await[0].parse().unwrap();
    assert!(r.runner.rerun(&key("c")));
    let runs = r.lines_of("runs", 2).await;
    let second: i32 = runs[1].parse().unwrap();
    assert_ne!(first, second);
    assert!(
        dies(first).await,
        "the first run kept going (runs overlapped)"
    );
    assert!(alive(second));
    // An unchanged spec keeps the task; a changed one replaces it (new generation).
    let g = r.runner.generation(&key("c")).unwrap();
    r.runner
        .sync(vec![(key("c"), spec("echo $$ >> runs; sleep 60"))]);
    assert_eq!(r.runner.generation(&key("c")), Some(g));
    r.runner.sync(vec![(key("c"), spec("echo changed"))]);
    assert!(r.runner.generation(&key("c")).unwrap() > g);
    assert!(dies(second).await);
}

#[tokio::test]
async fn interval_reruns_and_no_interval_stays_idle() {
    let mut r = rig();
    let mut s = spec("echo tick");
    s.interval = Some(Duration::from_millis(500));
    r.runner.sync(vec![(key("i"), s)]);
    assert_eq!(r.finished().await.output, "tick\n");
    let t0 = Instant::now();
    assert_eq!(r.finished().await.output, "tick\n");
    assert!(
        t0.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );

    r.runner.sync(vec![(key("once"), spec("echo once"))]);
    // The interval panel is gone; the new one runs once and then waits for a trigger.
    loop {
        let ev = r.next().await;
        if ev.key == key("once")
            && let CommandEventKind::Finished(res) = ev.kind
        {
            assert_eq!(res.output, "once\n");
            break;
        }
    }
    let quiet = tokio::time::timeout(Duration::from_millis(1200), r.rx.recv()).await;
    assert!(quiet.is_err(), "idle panel produced {quiet:?}");
    assert!(r.runner.rerun(&key("once")));
    assert_eq!(r.finished().await.output, "once\n");
}

#[tokio::test]
async fn file_changes_matching_the_watch_rerun_it() {
    let mut r = rig();
    std::fs::create_dir_all(r.dir.path().join("src/deep")).unwrap();
    std::fs::create_dir_all(r.dir.path().join("target")).unwrap();
    let mut s = spec("ls src | wc -l");
    s.watch = vec!["src/**/*.rs".to_owned(), "notes.md".to_owned()];
    r.runner.sync(vec![(key("w"), s)]);
    assert_eq!(r.finished().await.output.trim(), "1");
    // Not matching: no run.
    std::fs::write(r.dir.path().join("src/deep/a.txt"), "x").unwrap();
    std::fs::write(r.dir.path().join("target/b.rs"), "x").unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(800), r.rx.recv()).await;
    assert!(quiet.is_err(), "unrelated change re-ran: {quiet:?}");
    // A burst of matching changes: one run.
    for i in 0..5 {
        std::fs::write(r.dir.path().join(format!("src/deep/m{i}.rs")), "x").unwrap();
    }
    let res = r.finished().await;
    assert!(res.status.success());
    let quiet = tokio::time::timeout(Duration::from_millis(800), r.rx.recv()).await;
    assert!(quiet.is_err(), "a burst ran more than once: {quiet:?}");
    // A watched single file, replaced by rename like editors do.
    std::fs::write(r.dir.path().join("notes.tmp"), "x").unwrap();
    std::fs::rename(
        r.dir.path().join("notes.tmp"),
        r.dir.path().join("notes.md"),
    )
    .unwrap();
    assert!(r.finished().await.status.success());
}

#[tokio::test]
async fn timeout_and_output_cap_kill_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = unbounded_channel();
    let mut runner =
        CommandRunner::new(tx, dir.path().to_path_buf()).with_timeout(Duration::from_millis(300));
    runner.sync(vec![(key("slow"), spec("echo before; sleep 30"))]);
    let res = loop {
        match tokio::time::timeout(WAIT, rx.recv()).await.unwrap() {
            Some(AppEvent::Command(ev)) => {
                if let CommandEventKind::Finished(r) = ev.kind {
                    break r;
                }
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(res.status, RunStatus::TimedOut);
    assert_eq!(res.output, "before\n");

    let mut r = rig();
    r.runner.sync(vec![(key("yes"), spec("yes"))]);
    let res = r.finished().await;
    assert_eq!(res.status, RunStatus::OutputCapped);
    assert_eq!(res.output.len(), OUTPUT_CAP);
}

#[test]
fn props_become_a_spec() {
    let props = serde_json::json!({"cmd": "git log", "interval_s": 0.01, "watch": ["src"]});
    let s = CommandSpec::from_props(props.as_object().unwrap()).unwrap();
    assert_eq!(s.cmd, "git log");
    assert_eq!(s.interval, Some(MIN_INTERVAL), "clamped");
    assert_eq!(s.watch, ["src"]);
    let none = serde_json::json!({"interval_s": 3});
    assert!(CommandSpec::from_props(none.as_object().unwrap()).is_none());
    let root = Path::new("/p");
    assert_eq!(literal_base(root, "src/**/*.rs"), Path::new("/p/src"));
    assert_eq!(literal_base(root, "*.rs"), root);
    assert_eq!(
        literal_base(root, "./Cargo.toml"),
        Path::new("/p/Cargo.toml")
    );
    assert!(matches_any(
        &["src".into()],
        Path::new("/p/src/a/b.rs"),
        root
    ));
    assert!(matches_any(&["*.rs".into()], Path::new("/p/x/y.rs"), root));
    assert!(!matches_any(
        &["src/*.rs".into()],
        Path::new("/p/src/a/b.rs"),
        root
    ));
}
