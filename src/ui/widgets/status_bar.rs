//! The status bar: bypass and pending-permission badges, orchestrator state and model, agents
//! by state, tokens and cost (session and all time), tab/layout, cwd, and key hints for the
//! focused panel — dropping the least important segments first when the row is narrow.

use crate::core::agent::AgentState;
use crate::ui::render::format;
use crate::ui::render::theme::{Theme, state_glyph};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Child agents (not archived) by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AgentCounts {
    pub running: usize,
    pub waiting: usize,
    pub permission: usize,
    pub idle: usize,
    pub done: usize,
    pub error: usize,
    pub killed: usize,
}

impl AgentCounts {
    /// Count one agent.
    pub(crate) fn add(&mut self, state: AgentState) {
        match state {
            AgentState::Running => self.running += 1,
            AgentState::Waiting => self.waiting += 1,
            AgentState::AwaitingPermission => self.permission += 1,
            AgentState::Idle => self.idle += 1,
            AgentState::Done => self.done += 1,
            AgentState::Error => self.error += 1,
            AgentState::Killed => self.killed += 1,
        }
    }

    /// Agents with a live process that is doing something.
    pub(crate) fn live(&self) -> usize {
        self.running + self.waiting + self.permission
    }

    fn total(&self) -> usize {
        self.live() + self.idle + self.done + self.error + self.killed
    }
}

/// Tokens and cost of some set of agents.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Usage {
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
}

impl Usage {
    /// Add a record's numbers.
    pub(crate) fn add(&mut self, tokens_in: u64, tokens_out: u64, cost_usd: f64) {
        self.tokens_in += tokens_in;
        self.tokens_out += tokens_out;
        self.cost_usd += cost_usd;
    }

    fn tokens(&self) -> String {
        format::tokens(self.tokens_in + self.tokens_out)
    }
}

/// Everything the status bar shows, computed by the app per frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StatusInfo {
    /// The orchestrator's state (None before it has a record).
    pub orchestrator: Option<AgentState>,
    /// Its model as reported or requested.
    pub model: Option<String>,
    pub agents: AgentCounts,
    /// Permission requests waiting for the user.
    pub pending_permissions: usize,
    /// This orchestrator session plus the agents started in this run.
    pub session: Usage,
    /// Every agent record and orchestrator session of the project.
    pub total: Usage,
    pub bypass: bool,
    /// Active tab title and its named layout.
    pub tab: String,
    pub layout: Option<String>,
    /// The project dir, shortened with `~`.
    pub cwd: String,
    /// Key hints for the focused panel (full, short).
    pub hints: (String, String),
}

/// Borrowed view of the status bar.
pub(crate) struct StatusBarView<'a> {
    pub info: &'a StatusInfo,
    pub theme: &'a Theme,
}

/// One piece of the bar; `priority` names it in [`LADDER`] (higher matters more).
struct Segment {
    priority: u8,
    full: Vec<Span<'static>>,
    short: Option<Vec<Span<'static>>>,
    /// Drawn as a badge (no separator around it).
    badge: bool,
    /// The pending-permissions badge (its rect is returned for mouse hits).
    clickable: bool,
}

fn width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| s.content.width()).sum()
}

const SEP: &str = " · ";

/// The hints' place in [`LADDER`].
const HINTS: u8 = 45;

/// How the bar degrades on a narrow row: (segment priority, level: 1 short, 2 dropped), in
/// order. cwd and tab go first, then short forms, and the badges stay to the end.
const LADDER: &[(u8, u8)] = &[
    (20, 2),
    (40, 2),
    (HINTS, 1),
    (50, 1),
    (70, 1),
    (50, 2),
    (80, 1),
    (90, 1),
    (70, 2),
    (100, 1),
    (95, 1),
    (80, 2),
    (90, 2),
    (HINTS, 2),
];

/// `claude-sonnet-4-5-20250929` → `sonnet-4-5`.
pub(crate) fn short_model(model: &str) -> String {
    let m = model.strip_prefix("claude-").unwrap_or(model);
    match m.rsplit_once('-') {
        Some((head, date)) if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) => {
            head.to_owned()
        }
        _ => m.to_owned(),
    }
}

fn orchestrator_label(state: AgentState) -> &'static str {
    match state {
        AgentState::Idle | AgentState::Done => "idle",
        AgentState::Running => "working",
        AgentState::Waiting => "waiting",
        AgentState::AwaitingPermission => "awaiting permission",
        AgentState::Error => "error",
        AgentState::Killed => "stopped",
    }
}

impl StatusBarView<'_> {
    fn segments(&self) -> Vec<Segment> {
        let t = self.theme;
        let bar = t.status_bar;
        let n = self.info;
        let mut out = Vec::new();
        if n.bypass {
            out.push(Segment {
                priority: 100,
                full: vec![Span::styled(" BYPASS PERMISSIONS ", t.badge_bypass)],
                short: Some(vec![Span::styled(" BYPASS ", t.badge_bypass)]),
                badge: true,
                clickable: false,
            });
        }
        if n.pending_permissions > 0 {
            let p = n.pending_permissions;
            out.push(Segment {
                priority: 95,
                full: vec![Span::styled(
                    format!(" ⚠ {p} permission{} pending (^P) ", plural(p)),
                    t.badge_alert,
                )],
                short: Some(vec![Span::styled(format!(" ⚠ {p} ^P "), t.badge_alert)]),
                badge: true,
                clickable: true,
            });
        }
        if let Some(state) = n.orchestrator {
            let style = bar.patch(t.state(state));
            let mut full = vec![
                Span::styled(state_glyph(state), style),
                Span::styled(" orchestrator ", bar),
                Span::styled(orchestrator_label(state), style),
            ];
            let mut short = vec![
                Span::styled(state_glyph(state), style),
                Span::styled(format!(" {}", orchestrator_label(state)), style),
            ];
            if let Some(m) = &n.model {
                let m = short_model(m);
                full.push(Span::styled(format!(" ({m})"), bar.patch(t.dim)));
                short.push(Span::styled(format!(" {m}"), bar.patch(t.dim)));
            }
            out.push(Segment {
                priority: 90,
                full,
                short: Some(short),
                badge: false,
                clickable: false,
            });
        }
        out.push(self.agents_segment());
        out.push(Segment {
            priority: 70,
            full: vec![Span::styled(
                format!(
                    "session {} {} tok",
                    format::cost(n.session.cost_usd),
                    n.session.tokens()
                ),
                bar,
            )],
            short: Some(vec![Span::styled(format::cost(n.session.cost_usd), bar)]),
            badge: false,
            clickable: false,
        });
        out.push(Segment {
            priority: 50,
            full: vec![Span::styled(
                format!(
                    "total {} {} tok",
                    format::cost(n.total.cost_usd),
                    n.total.tokens()
                ),
                bar.patch(t.dim),
            )],
            short: Some(vec![Span::styled(
                format!("total {}", format::cost(n.total.cost_usd)),
                bar.patch(t.dim),
            )]),
            badge: false,
            clickable: false,
        });
        let tab = match &n.layout {
            Some(l) if *l != n.tab => format!("{} [{l}]", n.tab),
            _ => n.tab.clone(),
        };
        if !tab.is_empty() {
            out.push(Segment {
                priority: 40,
                full: vec![Span::styled(format!("tab {tab}"), bar.patch(t.dim))],
                short: None,
                badge: false,
                clickable: false,
            });
        }
        if !n.cwd.is_empty() {
            out.push(Segment {
                priority: 20,
                full: vec![Span::styled(n.cwd.clone(), bar.patch(t.dim))],
                short: None,
                badge: false,
                clickable: false,
            });
        }
        out
    }

    fn agents_segment(&self) -> Segment {
        let t = self.theme;
        let bar = t.status_bar;
        let c = self.info.agents;
        let parts: [(usize, &str, &str, AgentState); 7] = [
            (c.running, "running", "●", AgentState::Running),
            (c.permission, "⚠", "⚠", AgentState::AwaitingPermission),
            (c.waiting, "waiting", "◆", AgentState::Waiting),
            (c.error, "✗", "✗", AgentState::Error),
            (c.idle, "idle", "○", AgentState::Idle),
            (c.done, "done", "✓", AgentState::Done),
            (c.killed, "killed", "■", AgentState::Killed),
        ];
        let mut full = Vec::new();
        let mut short = Vec::new();
        for (count, word, glyph, state) in parts {
            if count == 0 {
                continue;
            }
            let style = bar.patch(t.state(state));
            if !full.is_empty() {
                full.push(Span::styled(SEP, bar.patch(t.dim)));
                short.push(Span::styled(" ", bar));
            }
            full.push(Span::styled(format!("{count} {word}"), style));
            short.push(Span::styled(format!("{count}{glyph}"), style));
        }
        if full.is_empty() {
            full.push(Span::styled("no agents", bar.patch(t.dim)));
            short.push(Span::styled("no agents", bar.patch(t.dim)));
        } else {
            let total = c.total();
            full.insert(
                0,
                Span::styled(format!("agents {}/{total}: ", c.live()), bar),
            );
        }
        Segment {
            priority: 80,
            full,
            short: Some(short),
            badge: false,
            clickable: false,
        }
    }

    /// Draw one row; returns the rect of the pending-permissions badge, when drawn.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Rect> {
        if area.is_empty() {
            return None;
        }
        let t = self.theme;
        let bar = t.status_bar;
        buf.set_style(area, bar);
        let segs = self.segments();
        let (hints_full, hints_short) = (self.info.hints.0.as_str(), self.info.hints.1.as_str());
        let avail = usize::from(area.width);
        // One level per segment, the hints last: 0 full, 1 short, 2 dropped.
        let mut level = vec![0u8; segs.len() + 1];
        let hints_at = segs.len();
        let form = |i: usize, l: u8| -> Option<&[Span<'static>]> {
            match l {
                0 => Some(&segs[i].full),
                1 => segs[i].short.as_deref(),
                _ => None,
            }
        };
        let used = |level: &[u8]| -> usize {
            let mut w = 1;
            let mut prev_badge = true;
            for (i, s) in segs.iter().enumerate() {
                let Some(spans) = form(i, level[i]) else {
                    continue;
                };
                if !s.badge {
                    w += if prev_badge { 1 } else { SEP.width() };
                }
                w += width(spans);
                prev_badge = s.badge;
            }
            let h = if level[hints_at] == 0 {
                hints_full
            } else {
                hints_short
            };
            w + h.width() + 2
        };
        // Degrade step by step, least important first, until the row fits.
        for &(p, l) in LADDER {
            if used(&level) <= avail {
                break;
            }
            let i = if p == HINTS {
                Some(hints_at)
            } else {
                segs.iter().position(|s| s.priority == p)
            };
            if let Some(i) = i
                && (l != 1 || i == hints_at || segs[i].short.is_some())
            {
                level[i] = l;
            }
        }
        let hints = if used(&level) > avail {
            ""
        } else if level[hints_at] == 0 {
            hints_full
        } else {
            hints_short
        };
        let mut x = area.x;
        let right = area.right();
        let mut badge_rect = None;
        let mut prev_badge = true;
        for (i, s) in segs.iter().enumerate() {
            let Some(spans) = form(i, level[i]) else {
                continue;
            };
            if !s.badge {
                let sep = if prev_badge { " " } else { SEP };
                let sep_style = if prev_badge { bar } else { bar.patch(t.dim) };
                x = put(buf, x, area.y, right, sep, sep_style);
            }
            let start = x;
            for sp in spans {
                x = put(buf, x, area.y, right, &sp.content, sp.style);
            }
            if s.clickable {
                badge_rect = Some(Rect::new(start, area.y, x - start, 1));
            }
            prev_badge = s.badge;
        }
        let hw = hints.width() as u16;
        if hw > 0 && right > hw && right - hw > x {
            buf.set_line(
                right - hw - 1,
                area.y,
                &Line::from(Span::styled(hints, bar.patch(t.dim))),
                hw,
            );
        }
        badge_rect
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, right: u16, text: &str, style: Style) -> u16 {
    if x >= right {
        return x;
    }
    let (nx, _) = buf.set_stringn(x, y, text, usize::from(right - x), style);
    nx
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
