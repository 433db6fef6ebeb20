//! The fake agent's memory of sessions (`PATCHFELD_FAKE_SESSIONS_DIR`): one JSON file of user messages per session id.

use serde_json::{Value, json};
use std::io;
use std::path::{Path, PathBuf};

/// Where one session's user messages are kept.
#[derive(Debug, Clone)]
pub struct SessionFile {
    path: PathBuf,
    session_id: String,
}

impl SessionFile {
    /// The file for `session_id` under `dir` (the id is sanitised into a file name).
    pub fn new(dir: &Path, session_id: &str) -> Self {
        let safe: String = session_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        SessionFile {
            path: dir.join(format!("{safe}.json")),
            session_id: session_id.to_owned(),
        }
    }

    /// The stored user messages and the session's running cost, or `None` when the session
    /// is unknown (or unreadable).
    pub fn load(&self) -> Option<(Vec<String>, f64)> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let messages = v
            .get("messages")?
            .as_array()?
            .iter()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect();
        let cost = v.get("cost_usd").and_then(Value::as_f64).unwrap_or(0.0);
        Some((messages, cost))
    }

    /// Replaces the stored messages (temp file + rename, so a killed agent never leaves half a file).
    pub fn save(&self, messages: &[String], cost_usd: f64) -> io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let body = json!({"version":1,"session_id":self.session_id,"messages":messages,"cost_usd":cost_usd});
        let tmp = self
            .path
            .with_extension(format!("json.tmp{}", std::process::id()));
        std::fs::write(&tmp, body.to_string())?;
        std::fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_unknown_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let f = SessionFile::new(dir.path(), "../evil id");
        assert_eq!(f.load(), None);
        f.save(&["one".into(), "two".into()], 0.5).unwrap();
        assert_eq!(
            f.load(),
            Some((vec!["one".to_owned(), "two".to_owned()], 0.5))
        );
        assert!(dir.path().join("___evil_id.json").exists());
    }
}
