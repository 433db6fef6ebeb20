//! Frame and ingest statistics for `scripts/bench`: with `PATCHFELD_BENCH_STATS=<file>` set,
//! every drawn frame is recorded (start time, duration), transcript entries reaching the UI are
//! counted (with the times of the first and the last), and one JSON object is appended to
//! `<file>` when the UI loop ends. Without the variable nothing is recorded (one `Option` check
//! per frame and per engine event).

use crate::engine::EngineEvent;
use crate::ui::app_event::AppEvent;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// At most this many frames are kept (≈ 5 h at 60 fps); later frames are only counted.
const MAX_SAMPLES: usize = 1 << 20;

/// Per-frame timings collected while `PATCHFELD_BENCH_STATS` is set.
pub(crate) struct BenchStats {
    path: PathBuf,
    frames: u64,
    /// (frame start in µs since the Unix epoch, draw duration in µs)
    samples: Vec<(u64, u32)>,
    /// Transcript entries that reached the UI, any agent.
    entries: u64,
    /// When the first and the latest of them arrived (µs since the Unix epoch).
    first_entry_us: u64,
    last_entry_us: u64,
}

impl BenchStats {
    /// `Some` when the env var names a file.
    pub(crate) fn from_env() -> Option<Self> {
        let path = std::env::var_os("PATCHFELD_BENCH_STATS").filter(|p| !p.is_empty())?;
        Some(Self {
            path: path.into(),
            frames: 0,
            samples: Vec::new(),
            entries: 0,
            first_entry_us: 0,
            last_entry_us: 0,
        })
    }

    /// Count `ev` if it is a streamed transcript entry (the end of the ingest pipeline: child
    /// stdout → engine → UI), so the bench can time ingest to the last entry.
    pub(crate) fn event(&mut self, ev: &AppEvent) {
        if let AppEvent::Engine(e) = ev
            && let EngineEvent::Transcript { .. } = e.as_ref()
        {
            let now = epoch_us(SystemTime::now());
            if self.entries == 0 {
                self.first_entry_us = now;
            }
            self.entries += 1;
            self.last_entry_us = now;
        }
    }

    /// Record one frame that started at `start` (wall clock, so the bench can match it to its
    /// own phases) and took `took` (monotonic).
    pub(crate) fn frame(&mut self, start: SystemTime, took: Duration) {
        self.frames += 1;
        if self.samples.len() < MAX_SAMPLES {
            let at = epoch_us(start);
            let us = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
            self.samples.push((at, us));
        }
    }

    /// Append `{"frames": n, "samples": [[start_us, draw_us], …], "entries": n,
    /// "first_entry_us": t, "last_entry_us": t}` to the file.
    pub(crate) fn write(&self) {
        let line = serde_json::json!({
            "frames": self.frames,
            "samples": self.samples,
            "entries": self.entries,
            "first_entry_us": self.first_entry_us,
            "last_entry_us": self.last_entry_us,
        });
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(e) = written {
            tracing::warn!("cannot write {}: {e}", self.path.display());
        }
    }
}

fn epoch_us(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn writes_frame_count_and_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.jsonl");
        let mut s = BenchStats {
            path: path.clone(),
            frames: 0,
            samples: Vec::new(),
            entries: 0,
            first_entry_us: 0,
            last_entry_us: 0,
        };
        let t = UNIX_EPOCH + Duration::from_secs(10);
        s.frame(t, Duration::from_micros(1500));
        s.frame(t + Duration::from_millis(16), Duration::from_micros(700));
        let before = epoch_us(SystemTime::now());
        let entry = crate::core::transcript::TranscriptEntry {
            ts: 0.0,
            item: crate::core::transcript::TranscriptItem::Assistant { text: "hi".into() },
        };
        for _ in 0..3 {
            s.event(&AppEvent::Engine(Box::new(EngineEvent::Transcript {
                agent_id: crate::core::ids::AgentId("w1".into()),
                entry: entry.clone(),
                at: None,
            })));
        }
        // Not a transcript entry: not counted.
        s.event(&AppEvent::Tick);
        s.write();
        let v: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        assert_eq!(v["frames"], 2);
        assert_eq!(v["samples"][0], serde_json::json!([10_000_000, 1500]));
        assert_eq!(v["samples"][1], serde_json::json!([10_016_000, 700]));
        assert_eq!(v["entries"], 3);
        let first = v["first_entry_us"].as_u64().unwrap();
        let last = v["last_entry_us"].as_u64().unwrap();
        assert!(before <= first && first <= last, "{first} {last}");
    }
}
