//! The engine's permission rules: session rules in memory plus the project and user grant
//! files, audit and hit counts, and the edit previews (diffs against the file on disk) shown
//! with a pending request.

use crate::core::ids::{AgentId, RequestId, random_hex};
use crate::core::permission::{
    CallContext, Decision, Grants, PermissionRequest, Rule, RuleDraft, RuleSource, Verdict,
};
use crate::core::time::Epoch;
use crate::engine::api::{EngineCommand, EngineError, EngineHandle, Reply};
use crate::store::grants::{GrantsSaver, load_grants};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

/// Files larger than this are not diffed (the preview says so).
const DIFF_MAX_BYTES: u64 = 512 * 1024;
/// Lines of context around each change.
const DIFF_CONTEXT: usize = 3;
/// Above this many lines on either side a full line diff is too costly; show a summary.
const DIFF_MAX_LINES: usize = 4000;

/// One grants file and what we know about it.
#[derive(Debug)]
struct FileRules {
    path: PathBuf,
    rules: Vec<Rule>,
    /// False when an unusable file could not be moved aside.
    writable: bool,
}

/// Every rule in force, and where each is saved.
#[derive(Debug)]
pub(crate) struct Permissions {
    session: Vec<Rule>,
    project: FileRules,
    user: Option<FileRules>,
    saver: GrantsSaver,
}

impl Permissions {
    /// Load the project file and, when given, the user file. Returns warnings to show.
    pub(crate) fn load(
        project: PathBuf,
        user: Option<PathBuf>,
        saver: GrantsSaver,
    ) -> (Self, Vec<String>) {
        let mut notices = Vec::new();
        let mut load = |path: PathBuf, source| {
            let loaded = load_grants(&path, source);
            notices.extend(loaded.notice);
            FileRules {
                path,
                rules: loaded.rules,
                writable: loaded.writable,
            }
        };
        let project = load(project, RuleSource::Project);
        let user = user.map(|p| load(p, RuleSource::User));
        (
            Self {
                session: Vec::new(),
                project,
                user,
                saver,
            },
            notices,
        )
    }

    /// All rules: session, project, user.
    pub(crate) fn all(&self) -> Vec<Rule> {
        let mut out = self.session.clone();
        out.extend(self.project.rules.iter().cloned());
        if let Some(u) = &self.user {
            out.extend(u.rules.iter().cloned());
        }
        out
    }

    /// The matcher over every rule.
    pub(crate) fn grants(&self) -> Grants {
        Grants { rules: self.all() }
    }

    /// Decide a request.
    pub(crate) fn decide(&self, req: &PermissionRequest, ctx: &CallContext<'_>) -> Verdict {
        self.grants().decide(req, ctx)
    }

    fn file_mut(&mut self, source: RuleSource) -> Result<Option<&mut FileRules>, String> {
        match source {
            RuleSource::Session => Ok(None),
            RuleSource::Project => Ok(Some(&mut self.project)),
            RuleSource::User => {
                self.user.as_mut().map(Some).ok_or_else(|| {
                    "no user config directory: user rules are unavailable".to_owned()
                })
            }
        }
    }

    fn save(&self, source: RuleSource) {
        let file = match source {
            RuleSource::Session => return,
            RuleSource::Project => Some(&self.project),
            RuleSource::User => self.user.as_ref(),
        };
        if let Some(f) = file.filter(|f| f.writable) {
            self.saver.save(f.path.clone(), f.rules.clone());
        }
    }

    /// Add one rule per pattern of `draft`; returns the new rules.
    pub(crate) fn add(
        &mut self,
        draft: &RuleDraft,
        from_request: Option<String>,
        now: Epoch,
    ) -> Result<Vec<Rule>, String> {
        if draft.patterns.is_empty() {
            return Err("no rule given".to_owned());
        }
        let scope = draft.scope.trim();
        if scope.is_empty() {
            return Err("a rule needs a scope: an agent name or *".to_owned());
        }
        let new: Vec<Rule> = draft
            .patterns
            .iter()
            .map(|p| Rule {
                id: random_hex(8),
                rule: p.clone(),
                behavior: draft.behavior,
                scope: scope.to_owned(),
                source: draft.source,
                created_at: now,
                created_by: draft.created_by.clone(),
                from_request: from_request.clone(),
                expires_at: draft.expires_at,
                hits: 0,
                last_hit: None,
            })
            .collect();
        match self.file_mut(draft.source)? {
            None => self.session.extend(new.iter().cloned()),
            Some(f) => {
                if !f.writable {
                    return Err(format!(
                        "{} is unusable and was not moved aside; fix or remove it first",
                        f.path.display()
                    ));
                }
                f.rules.extend(new.iter().cloned());
            }
        }
        self.save(draft.source);
        Ok(new)
    }

    /// Delete a rule by id (any source).
    pub(crate) fn delete(&mut self, id: &str) -> Result<Rule, String> {
        if let Some(pos) = self.session.iter().position(|r| r.id == id) {
            return Ok(self.session.remove(pos));
        }
        for source in [RuleSource::Project, RuleSource::User] {
            let Ok(Some(f)) = self.file_mut(source) else {
                continue;
            };
            if let Some(pos) = f.rules.iter().position(|r| r.id == id) {
                if !f.writable {
                    return Err(format!("{} cannot be written", f.path.display()));
                }
                let r = f.rules.remove(pos);
                self.save(source);
                return Ok(r);
            }
        }
        Err(format!("no rule with id '{id}'"))
    }

    /// Count a decision by these rules.
    pub(crate) fn record_hits(&mut self, ids: &[String], now: Epoch) {
        let mut touched = Vec::new();
        let mut bump = |rules: &mut Vec<Rule>, source| {
            for r in rules.iter_mut().filter(|r| ids.contains(&r.id)) {
                r.hits += 1;
                r.last_hit = Some(now);
                touched.push(source);
            }
        };
        bump(&mut self.session, RuleSource::Session);
        bump(&mut self.project.rules, RuleSource::Project);
        if let Some(u) = self.user.as_mut() {
            bump(&mut u.rules, RuleSource::User);
        }
        touched.dedup();
        for s in touched {
            self.save(s);
        }
    }

    /// Wait until every queued file write is done.
    pub(crate) async fn flush(&self) {
        self.saver.flush().await;
    }
}

/// What an allow or deny by rule tells the agent and the transcript.
pub(crate) fn rule_deny_message(rule: &Rule, part: Option<&str>) -> String {
    match part {
        Some(p) => format!(
            "Denied by the permission rule `{}` ({} rule for {}), which matches `{p}`. Do not retry this; find another way or ask the user.",
            rule.rule,
            rule.source.as_str(),
            rule.scope
        ),
        None => format!(
            "Denied by the permission rule `{}` ({} rule for {}). Do not retry this; find another way or ask the user.",
            rule.rule,
            rule.source.as_str(),
            rule.scope
        ),
    }
}

/// `Bash: echo hi > out.txt` for audit trails.
pub(crate) fn request_brief(agent: &str, req: &PermissionRequest) -> String {
    let brief = crate::core::transcript::one_line(
        &crate::core::transcript::tool_input_brief(&req.tool_name, &req.input),
        120,
    );
    format!("{agent}: {} {brief}", req.tool_name)
}

/// For Edit / Write / MultiEdit: a unified diff of the change against the file on disk.
/// Reads the file (the engine may; widgets may not).
pub(crate) fn edit_preview(tool: &str, input: &Value, cwd: &Path) -> Option<String> {
    let path = input.get("file_path").and_then(Value::as_str)?;
    let full = cwd.join(path);
    let old = match std::fs::metadata(&full) {
        Ok(m) if m.len() > DIFF_MAX_BYTES => {
            return Some(format!(
                "({} is {} bytes; too large to preview)",
                full.display(),
                m.len()
            ));
        }
        Ok(_) => match std::fs::read(&full) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => return Some(format!("(cannot read {}: {e})", full.display())),
        },
        Err(_) => None,
    };
    let new = proposed_content(tool, input, old.as_deref())?;
    let old_text = old.as_deref().unwrap_or("");
    let header = match &old {
        Some(_) => format!("--- {path}\n+++ {path}\n"),
        None => format!("--- /dev/null (new file)\n+++ {path}\n"),
    };
    Some(match new {
        Ok(new) => format!("{header}{}", unified_diff(old_text, &new, DIFF_CONTEXT)),
        Err(why) => format!("{header}({why})"),
    })
}

/// The file content after the tool runs, or why it cannot be computed.
fn proposed_content(
    tool: &str,
    input: &Value,
    old: Option<&str>,
) -> Option<Result<String, String>> {
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    match tool {
        "Write" => Some(Ok(str_of(input, "content").unwrap_or_default())),
        "Edit" => {
            let edit = (
                str_of(input, "old_string")?,
                str_of(input, "new_string")?,
                input.get("replace_all").and_then(Value::as_bool) == Some(true),
            );
            Some(apply_edits(old.unwrap_or(""), &[edit]))
        }
        "MultiEdit" => {
            let edits: Vec<(String, String, bool)> = input
                .get("edits")?
                .as_array()?
                .iter()
                .filter_map(|e| {
                    Some((
                        str_of(e, "old_string")?,
                        str_of(e, "new_string")?,
                        e.get("replace_all").and_then(Value::as_bool) == Some(true),
                    ))
                })
                .collect();
            Some(apply_edits(old.unwrap_or(""), &edits))
        }
        _ => None,
    }
}

fn apply_edits(text: &str, edits: &[(String, String, bool)]) -> Result<String, String> {
    let mut out = text.to_owned();
    for (old, new, all) in edits {
        if old.is_empty() {
            // Creating a file with Edit: old_string "" and the whole content new.
            if out.is_empty() {
                out = new.clone();
                continue;
            }
            return Err("empty old_string on an existing file".to_owned());
        }
        if !out.contains(old.as_str()) {
            return Err("old_string is not in the file; the edit would fail".to_owned());
        }
        out = if *all {
            out.replace(old.as_str(), new)
        } else {
            out.replacen(old.as_str(), new, 1)
        };
    }
    Ok(out)
}

/// A unified diff (`@@`, `-`, `+`, ` ` lines) of two texts, by longest common subsequence.
pub(crate) fn unified_diff(old: &str, new: &str, context: usize) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len() > DIFF_MAX_LINES || b.len() > DIFF_MAX_LINES {
        return format!(
            "({} lines → {} lines; too large to diff)\n",
            a.len(),
            b.len()
        );
    }
    // Trim the common head and tail so the table stays small.
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let (n, m) = (am.len(), bm.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                lcs[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
            };
        }
    }
    // (tag, old line no, new line no, text); tag ' ', '-', '+'.
    let mut ops: Vec<(char, usize, usize, &str)> = Vec::new();
    for (k, line) in a[..head].iter().enumerate() {
        ops.push((' ', k, k, line));
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && am[i] == bm[j] {
            ops.push((' ', head + i, head + j, am[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
            ops.push(('-', head + i, head + j, am[i]));
            i += 1;
        } else {
            ops.push(('+', head + i, head + j, bm[j]));
            j += 1;
        }
    }
    for k in 0..tail {
        ops.push((
            ' ',
            a.len() - tail + k,
            b.len() - tail + k,
            a[a.len() - tail + k],
        ));
    }
    // Group changes with their context into hunks.
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    if changed.is_empty() {
        return "(no change)\n".to_owned();
    }
    let mut out = String::new();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(context);
        let mut end = (changed[k] + context + 1).min(ops.len());
        while k + 1 < changed.len() && changed[k + 1] <= end + context {
            k += 1;
            end = (changed[k] + context + 1).min(ops.len());
        }
        let hunk = &ops[start..end];
        let old_len = hunk.iter().filter(|o| o.0 != '+').count();
        let new_len = hunk.iter().filter(|o| o.0 != '-').count();
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            hunk[0].1 + 1,
            hunk[0].2 + 1
        ));
        for (tag, _, _, text) in hunk {
            out.push(*tag);
            out.push_str(text);
            out.push('\n');
        }
        k += 1;
    }
    out
}

async fn ask_engine<T>(
    handle: &EngineHandle,
    make: impl FnOnce(Reply<T>) -> EngineCommand,
) -> Result<T, EngineError> {
    let (reply, rx) = oneshot::channel();
    handle.post(make(reply))?;
    rx.await.map_err(|_| EngineError::Stopped)?
}

impl EngineHandle {
    /// Answer a request and save rules; returns how many other pending requests they resolved.
    pub async fn decide_with_rule(
        &self,
        agent_id: AgentId,
        request_id: RequestId,
        decision: Decision,
        rules: RuleDraft,
    ) -> Result<usize, EngineError> {
        ask_engine(self, |reply| EngineCommand::DecideWithRule {
            agent_id,
            request_id,
            decision,
            rules,
            reply,
        })
        .await
    }

    /// Every rule in force.
    pub async fn rules(&self) -> Result<Vec<Rule>, EngineError> {
        ask_engine(self, |reply| EngineCommand::ListRules { reply }).await
    }

    /// Save rules.
    pub async fn add_rules(&self, rules: RuleDraft) -> Result<Vec<Rule>, EngineError> {
        ask_engine(self, |reply| EngineCommand::AddRules { rules, reply }).await
    }

    /// Delete a rule.
    pub async fn delete_rule(&self, id: String) -> Result<Rule, EngineError> {
        ask_engine(self, |reply| EngineCommand::DeleteRule { id, reply }).await
    }

    /// Explain which rule would decide `call` for `agent`.
    pub async fn dry_run(&self, agent: String, call: String) -> Result<String, EngineError> {
        ask_engine(self, |reply| EngineCommand::DryRun { agent, call, reply }).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_shows_changed_lines_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\n";
        let d = unified_diff(old, new, 1);
        assert_eq!(
            d,
            "@@ -4,3 +4,3 @@\n d\n-e\n+E\n f\n@@ -10,1 +10,2 @@\n j\n+k\n"
        );
        assert_eq!(unified_diff("x\n", "x\n", 3), "(no change)\n");
        assert_eq!(unified_diff("", "new\n", 3), "@@ -1,0 +1,1 @@\n+new\n");
    }

    #[test]
    fn previews_read_the_file_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), "one\ntwo\nthree\n").unwrap();
        let d = edit_preview(
            "Edit",
            &json!({"file_path": "f.txt", "old_string": "two", "new_string": "2"}),
            dir.path(),
        )
        .unwrap();
        assert!(d.contains("-two\n+2\n"), "{d}");
        let d = edit_preview(
            "Write",
            &json!({"file_path": "new.txt", "content": "hi\n"}),
            dir.path(),
        )
        .unwrap();
        assert!(d.contains("new file") && d.contains("+hi"), "{d}");
        let d = edit_preview(
            "Edit",
            &json!({"file_path": "f.txt", "old_string": "zzz", "new_string": "2"}),
            dir.path(),
        )
        .unwrap();
        assert!(d.contains("not in the file"), "{d}");
        assert!(edit_preview("Bash", &json!({"command": "ls"}), dir.path()).is_none());
    }
}
