//! The SystemUsage widget: machine CPU and memory gauges and one row per live agent (CPU and
//! RSS of its `claude` process tree), coloured at ≥ 70 % (warning) and ≥ 90 % (error). The
//! samples come from `ui::sources::sysinfo`.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::sources::sysinfo::UsageSample;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Warning threshold, percent.
pub(crate) const WARN_PCT: f32 = 70.0;
/// Error threshold, percent.
pub(crate) const ERROR_PCT: f32 = 90.0;

/// A SystemUsage panel's state: the latest sample (shared by every such panel).
#[derive(Debug, Default)]
pub(crate) struct SystemUsageState {
    /// Rows scrolled off the agent list.
    pub scroll: usize,
}

/// Human bytes (`1.2 GiB`).
pub(crate) fn bytes(n: u64) -> String {
    const U: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < U.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

fn level(theme: &Theme, pct: f32) -> Style {
    if pct >= ERROR_PCT {
        theme.error
    } else if pct >= WARN_PCT {
        theme.warning
    } else {
        theme.ok
    }
}

/// Borrowed view.
pub(crate) struct SystemUsageView<'a> {
    pub state: &'a SystemUsageState,
    pub sample: Option<&'a UsageSample>,
    pub theme: &'a Theme,
}

impl SystemUsageView<'_> {
    fn gauge(&self, label: &str, pct: f32, text: &str, area: Rect, y: u16, buf: &mut Buffer) {
        let w = usize::from(area.width);
        let head = format!("{label:<4}");
        let tail = format!(" {text}");
        let bar_w = w.saturating_sub(head.len() + tail.chars().count() + 2);
        let filled = ((pct.clamp(0.0, 100.0) / 100.0) * bar_w as f32).round() as usize;
        let style = level(self.theme, pct);
        let line = Line::from(vec![
            Span::styled(head, self.theme.header),
            Span::styled("[", self.theme.dim),
            Span::styled("█".repeat(filled), style),
            Span::styled("·".repeat(bar_w - filled.min(bar_w)), self.theme.dim),
            Span::styled("]", self.theme.dim),
            Span::styled(tail, style),
        ]);
        buf.set_line(area.x, y, &line, area.width);
    }

    /// Draw into `area`.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width < 8 {
            return;
        }
        let Some(s) = self.sample else {
            buf.set_stringn(
                area.x,
                area.y,
                "sampling…",
                usize::from(area.width),
                self.theme.dim,
            );
            return;
        };
        let mut y = area.y;
        self.gauge(
            "CPU",
            s.cpu,
            &format!("{:>3.0}% of {} cores", s.cpu, s.cores),
            area,
            y,
            buf,
        );
        y += 1;
        if y >= area.bottom() {
            return;
        }
        let mem_pct = if s.mem_total == 0 {
            0.0
        } else {
            s.mem_used as f32 * 100.0 / s.mem_total as f32
        };
        let mem = format!("{} / {}", bytes(s.mem_used), bytes(s.mem_total));
        self.gauge("Mem", mem_pct, &mem, area, y, buf);
        y += 1;
        if y + 1 >= area.bottom() {
            return;
        }
        y += 1;
        let w = usize::from(area.width);
        let name_w = w.saturating_sub(28).clamp(4, 24);
        let header = format!(
            "{:<name_w$} {:>7} {:>10} {:>5}",
            "agent", "CPU", "RSS", "procs"
        );
        buf.set_stringn(area.x, y, truncate(&header, w), w, self.theme.header);
        y += 1;
        if s.agents.is_empty() {
            if y < area.bottom() {
                buf.set_stringn(area.x, y, "no live agents", w, self.theme.dim);
            }
            return;
        }
        let cores = s.cores.max(1) as f32;
        for a in s.agents.iter().skip(self.state.scroll) {
            if y >= area.bottom() {
                break;
            }
            let name = truncate(&a.name, name_w);
            let line = if a.pid.is_none() {
                Line::from(vec![
                    Span::styled(format!("{name:<name_w$} "), self.theme.text),
                    Span::styled("no process", self.theme.dim),
                ])
            } else {
                // Per-agent CPU is of one core; colour by its share of the machine.
                let share = a.cpu / cores;
                let mem_share = if s.mem_total == 0 {
                    0.0
                } else {
                    a.rss as f32 * 100.0 / s.mem_total as f32
                };
                Line::from(vec![
                    Span::styled(format!("{name:<name_w$} "), self.theme.text),
                    Span::styled(format!("{:>6.1}%", a.cpu), level(self.theme, share)),
                    Span::styled(
                        format!(" {:>10}", bytes(a.rss)),
                        level(self.theme, mem_share),
                    ),
                    Span::styled(format!(" {:>5}", a.procs), self.theme.dim),
                ])
            };
            buf.set_line(area.x, y, &line, area.width);
            y += 1;
        }
    }
}
