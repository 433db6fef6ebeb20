//! The stream-json fuzz target: raw child stdout bytes → line framing → UTF-8 → wire decode →
//! domain events, the way `claude::process` and the engine's `child_line` do it.

use crate::claude::line_reader::{Frame, LineReader, MAX_STDOUT_LINE};
use crate::claude::to_domain::LineParser;
use crate::core::event::AgentEvent;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, ReadBuf};

/// A reader that hands out its bytes in small reads of varying size, so lines arrive split
/// across reads like they do from a pipe.
struct Chunked<'a> {
    data: &'a [u8],
    seed: u32,
}

impl AsyncRead for Chunked<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // A small LCG picks each read's size: 1..=64 bytes, or everything left.
        self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let want = match (self.seed >> 16) % 8 {
            0 => usize::MAX,
            r => 1 + ((self.seed >> 8) as usize % (8 << r)),
        };
        let n = want.min(self.data.len()).min(buf.remaining());
        let (head, tail) = self.data.split_at(n);
        buf.put_slice(head);
        self.data = tail;
        Poll::Ready(Ok(()))
    }
}

/// Run a future whose IO is always ready (an in-memory reader) to completion in one poll.
fn now<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the line reader waited on a reader that is always ready"),
    }
}

/// What the framing must produce for `data` with lines capped at `cap`: one frame per
/// newline-terminated line plus an unterminated tail; over-long lines as `TooLong`.
fn expected_frames(data: &[u8], cap: usize) -> Vec<Result<&[u8], usize>> {
    let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    // `a\n` splits into `a` and an empty tail that is not a line.
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
        .into_iter()
        .map(|p| if p.len() > cap { Err(p.len()) } else { Ok(p) })
        .collect()
}

/// Input: byte 0 picks the line cap (≥ 0x80: the real 16 MiB cap; else 1..=128 bytes, to
/// reach the over-long path), byte 1 seeds the read sizes, the rest is the child's stdout.
/// Checks the framing against a model, then decodes every line like the engine does.
pub fn stream_json(data: &[u8]) {
    let [cap_sel, seed, stdout @ ..] = data else {
        return;
    };
    let cap = if *cap_sel >= 0x80 {
        MAX_STDOUT_LINE
    } else {
        usize::from(*cap_sel) + 1
    };
    let mut reader = LineReader::new(
        Chunked {
            data: stdout,
            seed: u32::from(*seed),
        },
        cap,
    );
    let mut frames = Vec::new();
    while let Some(frame) = now(reader.next()).unwrap_or(None) {
        frames.push(frame);
    }
    let want = expected_frames(stdout, cap);
    assert_eq!(
        frames.len(),
        want.len(),
        "frame count: {frames:?} vs {want:?}"
    );
    for (got, want) in frames.iter().zip(&want) {
        match (got, want) {
            (Frame::Line(l), Ok(w)) => assert_eq!(l.as_slice(), *w),
            (Frame::TooLong { at_least }, Err(len)) => {
                assert!(
                    *at_least > cap && at_least <= len,
                    "TooLong {at_least} of {len}"
                );
            }
            (got, want) => panic!("frame {got:?}, expected {want:?}"),
        }
    }
    let mut parser = LineParser::new(0.0);
    for frame in frames {
        // process.rs: stdout is strict UTF-8; a bad line is a fault, not a message.
        let Frame::Line(bytes) = frame else { continue };
        let Ok(line) = String::from_utf8(bytes) else {
            continue;
        };
        // manager.rs `child_line`.
        if line.trim().is_empty() {
            continue;
        }
        let events = parser.parse_line(&line);
        if serde_json::from_str::<serde_json::Value>(line.trim()).is_err() {
            assert!(!events.is_empty(), "a malformed line vanished: {line:?}");
        }
        for e in &events {
            if let AgentEvent::TurnEnded(o) = e {
                assert!(
                    o.cost_usd >= 0.0 && !o.cost_usd.is_nan(),
                    "turn cost {}",
                    o.cost_usd
                );
            }
        }
        assert!(!parser.session_cost_usd().is_nan());
    }
}
