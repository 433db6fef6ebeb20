//! Newline framing of a child's output with a hard cap on line length, so a child that never
//! writes a newline (or writes a 50 MB line) cannot make the app buffer without bound.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Longest stdout line accepted from the CLI. Real lines reach a few MB (a tool result with a
/// large file); anything beyond this is a broken child, not a message.
pub const MAX_STDOUT_LINE: usize = 16 * 1024 * 1024;
/// Longest stderr line kept; stderr is only diagnostics.
pub const MAX_STDERR_LINE: usize = 64 * 1024;

/// One frame read from the child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line without its newline (possibly not UTF-8).
    Line(Vec<u8>),
    /// A line passed the cap; reported once, as soon as it does. The rest of that line up to
    /// the next newline is discarded without being stored.
    TooLong {
        /// Bytes seen when the cap was passed.
        at_least: usize,
    },
}

/// Reads [`Frame`]s. Cancel-safe: all progress lives in `self`, so dropping a pending
/// [`next`](Self::next) inside `select!` loses no bytes.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    buf: Vec<u8>,
    cap: usize,
    /// Inside an over-long line: drop bytes until the next newline.
    discarding: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Frames `reader` with lines of at most `cap` bytes.
    pub fn new(reader: R, cap: usize) -> Self {
        Self {
            inner: BufReader::with_capacity(64 * 1024, reader),
            buf: Vec::new(),
            cap,
            discarding: false,
        }
    }

    /// The next frame; `None` at end of stream. A final line without a newline is returned.
    pub async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            let avail = self.inner.fill_buf().await?;
            if avail.is_empty() {
                self.discarding = false;
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(Frame::Line(std::mem::take(&mut self.buf))));
            }
            let newline = avail.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(avail.len());
            if self.discarding {
                self.inner.consume(take + usize::from(newline.is_some()));
                if newline.is_some() {
                    self.discarding = false;
                }
                continue;
            }
            if self.buf.len() + take > self.cap {
                let at_least = self.buf.len() + take;
                // Free the memory now: the point of the cap is not holding this line.
                self.buf = Vec::new();
                self.inner.consume(take + usize::from(newline.is_some()));
                self.discarding = newline.is_none();
                return Ok(Some(Frame::TooLong { at_least }));
            }
            self.buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                return Ok(Some(Frame::Line(std::mem::take(&mut self.buf))));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    async fn frames(input: &[u8], cap: usize) -> Vec<Frame> {
        let mut r = LineReader::new(input, cap);
        let mut out = Vec::new();
        while let Some(f) = r.next().await.unwrap() {
            out.push(f);
        }
        out
    }

    #[tokio::test]
    async fn splits_lines_and_keeps_an_unterminated_tail() {
        assert_eq!(
            frames(b"a\n\nbc\nd", 10).await,
            vec![
                Frame::Line(b"a".to_vec()),
                Frame::Line(Vec::new()),
                Frame::Line(b"bc".to_vec()),
                Frame::Line(b"d".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn an_over_long_line_is_reported_once_and_skipped() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend_from_slice(b"\nafter\n");
        assert_eq!(
            frames(&input, 10).await,
            vec![
                Frame::Line(b"ok".to_vec()),
                Frame::TooLong { at_least: 100 },
                Frame::Line(b"after".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn cap_is_enforced_across_buffer_refills() {
        // Bytes arrive in small reads: the cap must hold across partial lines.
        let (mut w, r) = tokio::io::duplex(8);
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for _ in 0..50 {
                w.write_all(b"yyyyyyyy").await.unwrap();
            }
            w.write_all(b"\nz\n").await.unwrap();
        });
        let mut r = LineReader::new(r, 64);
        assert!(matches!(
            r.next().await.unwrap(),
            Some(Frame::TooLong { at_least }) if at_least > 64 && at_least <= 72
        ));
        assert_eq!(r.next().await.unwrap(), Some(Frame::Line(b"z".to_vec())));
        assert_eq!(r.next().await.unwrap(), None);
        writer.await.unwrap();
    }
}
