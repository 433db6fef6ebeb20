//! The `patchfeld history` subcommand: every agent ever run in a directory, as a table or JSON.
//!
//! Strictly read-only: it may run while the app is writing `agents.json` (atomic renames make
//! that safe) and never moves or rewrites anything, even a corrupt file — that is reported.
//!
//! JSON output: an array of `{id, name, state, session_id, prompt, model, cwd, cost_usd,
//! tokens_in, tokens_out, started_at, ended_at, archived}` sorted by `started_at`. Timestamps are
//! RFC 3339 strings in UTC with millisecond precision at most (`"2026-11-23T14:05:01.5Z"`);
//! `ended_at`, `session_id`, `prompt` and `model` are `null` when unknown.

use crate::core::agent::AgentRecord;
use crate::core::time::{Epoch, now, short_span};
use crate::core::transcript::one_line;
use crate::store::ProjectPaths;
use crate::store::agents::parse_agents;
use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// Print the agents recorded in `<dir>/.patchfeld/agents.json` to `out`: a table, or with
/// `json` a JSON array (see the module docs). A missing file prints an empty result; a corrupt
/// one is an error naming the file.
pub fn run(dir: &Path, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let (records, notices) = read_records(dir)?;
    if json {
        write_json(&records, out)
    } else {
        write_table(dir, &records, &notices, &TimeZone::system(), now(), out)
    }
}

fn read_records(dir: &Path) -> anyhow::Result<(Vec<AgentRecord>, Vec<String>)> {
    let path = ProjectPaths::new(dir).agents();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let parsed =
        parse_agents(&bytes).map_err(|e| anyhow::anyhow!("{} is invalid: {e}", path.display()))?;
    if let Some(first) = parsed.bad_records.first() {
        bail!(
            "{} is invalid: {} unreadable record(s), first: {first}",
            path.display(),
            parsed.bad_records.len()
        );
    }
    // The orchestrator's record only carries its session for resume; it is not an agent run.
    let mut records: Vec<AgentRecord> = parsed
        .records
        .into_iter()
        .filter(|r| !r.id.is_orchestrator())
        .collect();
    records.sort_by(|a, b| a.started_at.total_cmp(&b.started_at));
    Ok((records, parsed.notices))
}

/// One agent in `history --json`.
#[derive(Debug, Serialize)]
struct HistoryRow<'a> {
    id: &'a str,
    name: &'a str,
    state: &'a str,
    session_id: Option<&'a str>,
    prompt: Option<&'a str>,
    model: Option<&'a str>,
    cwd: String,
    cost_usd: f64,
    tokens_in: u64,
    tokens_out: u64,
    started_at: String,
    ended_at: Option<String>,
    archived: bool,
}

fn timestamp(secs: Epoch) -> Timestamp {
    // Records hold float seconds; millisecond precision is all anyone needs here.
    Timestamp::from_millisecond((secs * 1000.0).round() as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn rfc3339(secs: Epoch) -> String {
    timestamp(secs).to_string()
}

fn model_of(r: &AgentRecord) -> Option<&str> {
    r.model
        .as_deref()
        .or_else(|| r.spawn_options.as_ref().and_then(|o| o.model.as_deref()))
}

fn write_json(records: &[AgentRecord], out: &mut impl Write) -> anyhow::Result<()> {
    let rows: Vec<HistoryRow<'_>> = records
        .iter()
        .map(|r| HistoryRow {
            id: r.id.as_str(),
            name: &r.name,
            state: r.state.as_str(),
            session_id: r.session_id.as_deref(),
            prompt: r.prompt().filter(|p| !p.is_empty()),
            model: model_of(r),
            cwd: r.cwd.display().to_string(),
            cost_usd: r.cost_usd,
            tokens_in: r.tokens_in,
            tokens_out: r.tokens_out,
            started_at: rfc3339(r.started_at),
            ended_at: r.ended_at.map(rfc3339),
            archived: r.archived,
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows).context("could not write output")?;
    writeln!(out).context("could not write output")?;
    Ok(())
}

const PROMPT_WIDTH: usize = 40;

fn write_table(
    dir: &Path,
    records: &[AgentRecord],
    notices: &[String],
    tz: &TimeZone,
    now: Epoch,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if records.is_empty() {
        writeln!(out, "No agents have run in {} yet.", dir.display())?;
        return Ok(());
    }
    let header = [
        "ID", "NAME", "STATE", "MODEL", "COST", "IN", "OUT", "STARTED", "ELAPSED", "PROMPT",
    ];
    // Numbers are right-aligned so magnitudes line up.
    let right = [
        false, false, false, false, true, true, true, false, true, false,
    ];
    let rows: Vec<[String; 10]> = records
        .iter()
        .map(|r| {
            let state = if r.archived {
                format!("{} (archived)", r.state.as_str())
            } else {
                r.state.as_str().to_owned()
            };
            // Settled records without ended_at (older files) stop at their last activity.
            let end = r
                .ended_at
                .or(if r.state.is_settled() {
                    r.last_activity
                } else {
                    None
                })
                .unwrap_or(now);
            let prompt = r
                .prompt()
                .map(|p| one_line(p, PROMPT_WIDTH))
                .unwrap_or_default();
            [
                r.id.as_str().to_owned(),
                r.name.clone(),
                state,
                model_of(r).unwrap_or("-").to_owned(),
                format!("${:.4}", r.cost_usd),
                r.tokens_in.to_string(),
                r.tokens_out.to_string(),
                timestamp(r.started_at)
                    .to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string(),
                short_span(end - r.started_at),
                if prompt.is_empty() {
                    "-".to_owned()
                } else {
                    prompt
                },
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let header_row = header.map(str::to_owned);
    for row in std::iter::once(&header_row).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.width());
            if i > 0 {
                line.push_str("  ");
            }
            if right[i] {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    for n in notices {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::agent::{AgentState, SpawnOptions};
    use crate::core::ids::AgentId;
    use crate::store::agents::save_agents;
    use pretty_assertions::assert_eq;
    use std::path::PathBuf;

    // 2026-11-23T14:05:00Z
    const T0: f64 = 1_795_442_700.0;

    fn rec(id: &str, name: &str, state: AgentState, started: f64) -> AgentRecord {
        AgentRecord {
            id: AgentId(id.into()),
            name: name.into(),
            cwd: PathBuf::from("/proj"),
            state,
            error: None,
            session_id: Some(format!("s-{id}")),
            spawn_options: Some(SpawnOptions {
                prompt:
                    "Run the whole test suite and\nfix every failure you find, then report back"
                        .into(),
                ..SpawnOptions::default()
            }),
            model: Some("claude-sonnet-4-5".into()),
            cost_usd: 0.0421,
            tokens_in: 1200,
            tokens_out: 800,
            started_at: started,
            ended_at: None,
            last_activity: None,
            archived: false,
            current_tool: None,
            worktree: None,
        }
    }

    fn fixture() -> (tempfile::TempDir, Vec<AgentRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let mut late = rec("bbbbbbbbbbbb", "docs", AgentState::Running, T0 + 600.0);
        late.model = None;
        late.session_id = None;
        late.spawn_options = None;
        late.archived = true;
        late.cost_usd = 1.5;
        let mut early = rec("aaaaaaaaaaaa", "tests", AgentState::Done, T0 + 1.5);
        early.ended_at = Some(T0 + 91.5);
        // Saved out of order: output is sorted by started_at.
        let recs = vec![late, early];
        save_agents(&ProjectPaths::new(dir.path()), &recs).unwrap();
        (dir, recs)
    }

    fn table(dir: &Path, now: Epoch) -> String {
        let (records, notices) = read_records(dir).unwrap();
        let mut out = Vec::new();
        write_table(dir, &records, &notices, &TimeZone::UTC, now, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_is_sorted_aligned_and_readable() {
        let (dir, _) = fixture();
        let got = table(dir.path(), T0 + 700.0);
        let want = "\
ID            NAME   STATE               MODEL                 COST    IN  OUT  STARTED           ELAPSED  PROMPT
aaaaaaaaaaaa  tests  done                claude-sonnet-4-5  $0.0421  1200  800  2026-11-23 14:05    1m30s  Run the whole test suite and fix every …
bbbbbbbbbbbb  docs   running (archived)  -                  $1.5000  1200  800  2026-11-23 14:15    1m40s  -
";
        assert_eq!(got, want);
    }

    #[test]
    fn json_is_an_array_of_records_with_rfc3339_times() {
        let (dir, _) = fixture();
        let mut out = Vec::new();
        run(dir.path(), true, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let want = serde_json::json!([
            {
                "id": "aaaaaaaaaaaa", "name": "tests", "state": "done", "session_id": "s-aaaaaaaaaaaa",
                "prompt": "Run the whole test suite and\nfix every failure you find, then report back",
                "model": "claude-sonnet-4-5", "cwd": "/proj", "cost_usd": 0.0421,
                "tokens_in": 1200, "tokens_out": 800,
                "started_at": "2026-11-23T14:05:01.5Z", "ended_at": "2026-11-23T14:06:31.5Z",
                "archived": false
            },
            {
                "id": "bbbbbbbbbbbb", "name": "docs", "state": "running", "session_id": null,
                "prompt": null, "model": null, "cwd": "/proj", "cost_usd": 1.5,
                "tokens_in": 1200, "tokens_out": 800,
                "started_at": "2026-11-23T14:15:00Z", "ended_at": null, "archived": true
            }
        ]);
        assert_eq!(v, want);
        assert!(out.ends_with(b"]\n"));
    }

    #[test]
    fn missing_file_gives_friendly_line_and_empty_array() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        run(dir.path(), true, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[]\n");
        let mut out = Vec::new();
        run(dir.path(), false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("No agents have run in "), "{text}");
        assert!(
            !dir.path().join(".patchfeld").exists(),
            "history creates nothing"
        );
    }

    #[test]
    fn corrupt_file_is_an_error_and_left_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::write(paths.agents(), b"{\"version\":1,\"agents\":[{").unwrap();
        let mut out = Vec::new();
        let e = run(dir.path(), true, &mut out).unwrap_err().to_string();
        assert!(e.contains("agents.json is invalid"), "{e}");
        assert!(e.contains("line 1"), "{e}");
        assert!(out.is_empty());
        assert_eq!(
            std::fs::read(paths.agents()).unwrap(),
            b"{\"version\":1,\"agents\":[{"
        );
        let entries = std::fs::read_dir(paths.dir()).unwrap().count();
        assert_eq!(entries, 1, "nothing moved aside");
    }

    #[test]
    fn predecessor_file_is_listed_with_notes_for_odd_states() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::write(
            paths.agents(),
            format!(
                r#"[{{"id":"3f9c0a1b2c4d","name":"old","cwd":"/p","started_at":{T0},"state":"stuck",
                "ended_at":null,"last_activity":{},"cost":0.25,"tokens_in":1,"tokens_out":2,
                "archived":false,"session_id":null,"spawn_options":null}}]"#,
                T0 + 5.0
            ),
        )
        .unwrap();
        let got = table(dir.path(), T0 + 1000.0);
        assert!(got.contains("3f9c0a1b2c4d  old   error"), "{got}");
        assert!(got.contains("$0.2500"), "{got}");
        assert!(got.contains("5s"), "elapsed ends at last activity: {got}");
        assert!(
            got.contains("note: agent 3f9c0a1b2c4d had an unknown state 'stuck'"),
            "{got}"
        );
    }
}
