//! The built binary in a pseudo-terminal through a resize storm (200 resizes in a burst, then
//! ~200 resizes/s for 5 s) while demo agents stream: it must not panic, must redraw at the final
//! size, and must still quit cleanly on ctrl-q.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn size(rows: u16, cols: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// A failed assertion must not leave the app (and its demo agents) running.
struct KillOnDrop(Box<dyn portable_pty::Child + Send + Sync>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn resize_storm_in_a_pty() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let pty = native_pty_system().openpty(size(45, 160)).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_patchfeld"));
    cmd.arg(project.path());
    cmd.arg("--demo");
    cmd.env("PATCHFELD_CONFIG_DIR", config.path());
    cmd.env("HOME", config.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("PATCHFELD_LOG", "debug");
    cmd.env_remove("PATCHFELD_CLAUDE");
    cmd.cwd(project.path());
    let mut child = KillOnDrop(pty.slave.spawn_command(cmd).unwrap());
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut parser = vt100::Parser::new(45, 160, 0);
    let pump = |parser: &mut vt100::Parser,
                writer: &mut Box<dyn Write + Send>,
                limit: Duration,
                want: &str| {
        let deadline = Instant::now() + limit;
        loop {
            if !want.is_empty() && parser.screen().contents().contains(want) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(bytes) => {
                    if bytes.windows(4).any(|w| w == b"\x1b[6n") {
                        let _ = writer.write_all(b"\x1b[1;1R");
                        let _ = writer.flush();
                    }
                    parser.process(&bytes);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return want.is_empty(),
                Err(mpsc::RecvTimeoutError::Disconnected) => return false,
            }
        }
    };
    assert!(
        pump(
            &mut parser,
            &mut writer,
            Duration::from_secs(30),
            "Orchestrator"
        ),
        "no first frame:\n{}",
        parser.screen().contents()
    );
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // 1..=220 x 1..=70, with the tiny sizes over-represented.
        match seed % 5 {
            0 => size(5, 20),
            1 => size(1, 1),
            _ => size(
                1 + ((seed >> 8) % 70) as u16,
                1 + ((seed >> 24) % 220) as u16,
            ),
        }
    };
    for _ in 0..200 {
        pty.master.resize(next()).unwrap();
    }
    let until = Instant::now() + Duration::from_secs(5);
    let mut resizes = 200u32;
    while Instant::now() < until {
        pty.master.resize(next()).unwrap();
        resizes += 1;
        // Keep draining so the app never blocks on a full pty; this also paces the storm.
        pump(&mut parser, &mut writer, Duration::from_millis(5), "");
    }
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "the app died in the storm"
    );
    // The pacing keeps it near 200/s; a storm far below that would not test much.
    assert!(resizes >= 600, "only {resizes} resizes in the storm");
    pty.master.resize(size(40, 120)).unwrap();
    parser.screen_mut().set_size(40, 120);
    // After the storm it redraws at the final size.
    parser.process(b"\x1b[2J");
    assert!(
        pump(
            &mut parser,
            &mut writer,
            Duration::from_secs(20),
            "Orchestrator"
        ),
        "no redraw after the storm:\n{}",
        parser.screen().contents()
    );
    writer.write_all(&[0x11]).unwrap();
    writer.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        pump(&mut parser, &mut writer, Duration::from_millis(50), "");
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "app did not quit after the storm:\n{}\nlog:\n{}",
            parser.screen().contents(),
            std::fs::read_to_string(config.path().join("state/patchfeld.log")).unwrap_or_default()
        );
    };
    assert!(status.success(), "exit status {status:?}");
}
