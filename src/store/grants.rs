//! Permission grant files: the project's `.patchfeld/permission_grants.json` and the user's
//! `<config dir>/permission_grants.json` (versioned, written atomically, in order, off the
//! engine task). A corrupt file is moved aside and none of its rules apply.

use crate::core::permission::{Rule, RuleSource};
use crate::store::paths::GlobalPaths;
use crate::store::{LoadOutcome, StoreError, atomic, check_version, corrupt_notice, load_with};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, oneshot};

/// The format version this build reads and writes.
pub const GRANTS_VERSION: u64 = 2;

#[derive(Debug, Serialize, Deserialize)]
struct GrantsDoc {
    version: u64,
    rules: Vec<Rule>,
}

/// `<config dir>/permission_grants.json`.
pub fn user_grants_path(global: &GlobalPaths) -> PathBuf {
    global.config_dir().join("permission_grants.json")
}

/// What loading one grants file gave.
#[derive(Debug, Default)]
pub struct LoadedGrants {
    /// Its rules (none when the file was missing or unusable), `source` set.
    pub rules: Vec<Rule>,
    /// A warning for the user (file moved aside, or stuck).
    pub notice: Option<String>,
    /// False when the unusable file could not be moved aside: it must not be overwritten.
    pub writable: bool,
}

/// Load a grants file for `source`. Any invalid rule makes the whole file invalid: a file we
/// only half understand must not half apply.
pub fn load_grants(path: &Path, source: RuleSource) -> LoadedGrants {
    let outcome = load_with(path, |bytes| {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if value.get("version").and_then(serde_json::Value::as_u64) == Some(1) {
            return from_v1(value);
        }
        check_version(&value, GRANTS_VERSION)?;
        let doc: GrantsDoc = serde_json::from_value(value).map_err(|e| e.to_string())?;
        Ok(doc.rules)
    });
    match outcome {
        LoadOutcome::Missing => LoadedGrants {
            writable: true,
            ..LoadedGrants::default()
        },
        LoadOutcome::Loaded(mut rules) => {
            for r in &mut rules {
                r.source = source;
            }
            LoadedGrants {
                rules,
                notice: None,
                writable: true,
            }
        }
        LoadOutcome::MovedAside { backup, error } => LoadedGrants {
            rules: Vec::new(),
            notice: Some(format!(
                "{}; none of its permission rules apply",
                corrupt_notice(path, &backup, &error)
            )),
            writable: true,
        },
        LoadOutcome::Stuck { error } => LoadedGrants {
            rules: Vec::new(),
            notice: Some(format!(
                "{} could not be loaded ({error}); none of its permission rules apply and it will not be overwritten",
                path.display()
            )),
            writable: false,
        },
    }
}

/// The predecessor's format: `{"version":1,"grants":[{agent_name, tool_name, behavior}]}`,
/// one whole-tool rule per agent name.
fn from_v1(value: serde_json::Value) -> Result<Vec<Rule>, String> {
    #[derive(Deserialize)]
    struct V1 {
        grants: Vec<V1Grant>,
    }
    #[derive(Deserialize)]
    struct V1Grant {
        agent_name: String,
        tool_name: String,
        behavior: crate::core::permission::Behavior,
    }
    let doc: V1 = serde_json::from_value(value).map_err(|e| e.to_string())?;
    doc.grants
        .into_iter()
        .map(|g| {
            Ok(Rule {
                id: crate::core::ids::random_hex(8),
                rule: crate::core::permission::RulePattern::parse(&g.tool_name)?,
                behavior: g.behavior,
                scope: g.agent_name,
                source: RuleSource::Session,
                created_at: 0.0,
                created_by: "imported from version 1".to_owned(),
                from_request: None,
                expires_at: None,
                hits: 0,
                last_hit: None,
            })
        })
        .collect()
}

/// Write `rules` to `path` atomically (sorted by creation, so diffs stay readable).
pub fn save_grants(path: &Path, rules: &[Rule]) -> Result<(), StoreError> {
    let mut rules = rules.to_vec();
    rules.sort_by(|a, b| a.created_at.total_cmp(&b.created_at).then(a.id.cmp(&b.id)));
    atomic::write_json_atomic(
        path,
        &GrantsDoc {
            version: GRANTS_VERSION,
            rules,
        },
    )
}

enum SaveMsg {
    Save(PathBuf, Vec<Rule>),
    Flush(oneshot::Sender<()>),
}

/// Writes grant files in the order asked, off the caller's task; the newest snapshot of a file
/// wins when several are queued.
#[derive(Debug, Clone)]
pub struct GrantsSaver {
    tx: mpsc::UnboundedSender<SaveMsg>,
}

impl std::fmt::Debug for SaveMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Save(p, r) => write!(f, "Save({}, {} rules)", p.display(), r.len()),
            Self::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl GrantsSaver {
    /// Start the saver; `on_error` gets a user-facing message when a write fails. Must be
    /// called inside a tokio runtime.
    pub fn spawn(on_error: impl Fn(String) + Send + 'static) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<SaveMsg>();
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                let mut batch = vec![msg];
                while let Ok(m) = rx.try_recv() {
                    batch.push(m);
                }
                let mut writes: Vec<(PathBuf, Vec<Rule>)> = Vec::new();
                let mut flushes = Vec::new();
                for m in batch {
                    match m {
                        SaveMsg::Save(p, r) => {
                            writes.retain(|(q, _)| q != &p);
                            writes.push((p, r));
                        }
                        SaveMsg::Flush(reply) => flushes.push(reply),
                    }
                }
                for (path, rules) in writes {
                    let result =
                        tokio::task::spawn_blocking(move || save_grants(&path, &rules)).await;
                    match result {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => on_error(format!("permission rules not saved: {e}")),
                        Err(e) => on_error(format!("permission rules not saved: {e}")),
                    }
                }
                for f in flushes {
                    let _ = f.send(());
                }
            }
        });
        Self { tx }
    }

    /// Queue a write of the whole rule list of one file.
    pub fn save(&self, path: PathBuf, rules: Vec<Rule>) {
        let _ = self.tx.send(SaveMsg::Save(path, rules));
    }

    /// Resolves when everything queued before has been written.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(SaveMsg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::permission::{Behavior, RulePattern};

    fn rule(id: &str, text: &str) -> Rule {
        Rule {
            id: id.into(),
            rule: RulePattern::parse(text).unwrap(),
            behavior: Behavior::Allow,
            scope: "*".into(),
            source: RuleSource::Session,
            created_at: 5.0,
            created_by: "user".into(),
            from_request: Some("w: Bash ls".into()),
            expires_at: None,
            hits: 3,
            last_hit: Some(9.0),
        }
    }

    #[test]
    fn round_trip_sets_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("permission_grants.json");
        save_grants(
            &p,
            &[rule("a", "Bash(git status)"), rule("b", "Edit(src/**)")],
        )
        .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        assert!(text.contains("\"rule\": \"Bash(git status)\""), "{text}");
        let loaded = load_grants(&p, RuleSource::Project);
        assert!(loaded.notice.is_none() && loaded.writable);
        assert_eq!(loaded.rules.len(), 2);
        assert!(loaded.rules.iter().all(|r| r.source == RuleSource::Project));
        assert_eq!(loaded.rules[0].hits, 3);
        assert!(
            load_grants(&dir.path().join("none.json"), RuleSource::User)
                .rules
                .is_empty()
        );
    }

    #[test]
    fn corrupt_or_half_valid_files_apply_no_rule() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("permission_grants.json");
        for bad in [
            "{not json".to_owned(),
            r#"{"version":3,"rules":[]}"#.to_owned(),
            r#"{"version":1,"grants":[{"agent_name":"a","tool_name":"Ba sh","behavior":"allow"}]}"#
                .to_owned(),
            // One good rule and one broken one: nothing applies.
            r#"{"version":2,"rules":[
                {"id":"a","rule":"Bash","behavior":"allow","scope":"*","created_at":1,"created_by":"u"},
                {"id":"b","rule":"Bash(","behavior":"allow","scope":"*","created_at":1,"created_by":"u"}]}"#
                .to_owned(),
        ] {
            std::fs::write(&p, &bad).unwrap();
            let loaded = load_grants(&p, RuleSource::Project);
            assert!(loaded.rules.is_empty(), "{bad}");
            let notice = loaded.notice.unwrap();
            assert!(notice.contains("none of its permission rules apply"), "{notice}");
            assert!(!p.exists(), "the corrupt file is moved aside");
        }
        let backups = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(backups, 4);
    }

    #[test]
    fn version_1_files_are_imported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("permission_grants.json");
        std::fs::write(
            &p,
            r#"{"version":1,"grants":[{"agent_name":"orchestrator","tool_name":"mcp__patchfeld__spawn_agent","behavior":"allow"},{"agent_name":"w","tool_name":"Bash","behavior":"deny"}]}"#,
        )
        .unwrap();
        let loaded = load_grants(&p, RuleSource::Project);
        assert!(loaded.notice.is_none());
        let got: Vec<String> = loaded.rules.iter().map(Rule::describe).collect();
        assert_eq!(
            got,
            [
                "allow mcp__patchfeld__spawn_agent for orchestrator (project)",
                "deny Bash for w (project)"
            ]
        );
    }

    #[tokio::test]
    async fn saver_writes_the_newest_snapshot_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.json");
        let saver = GrantsSaver::spawn(|e| panic!("{e}"));
        saver.save(p.clone(), vec![rule("a", "Bash")]);
        saver.save(p.clone(), vec![rule("a", "Bash"), rule("b", "Read")]);
        saver.flush().await;
        assert_eq!(load_grants(&p, RuleSource::User).rules.len(), 2);
    }
}
