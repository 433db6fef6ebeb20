//! The Permissions screen (`alt-p`): every rule by where it is saved, with its audit trail and
//! hit count, delete, and a dry-run box that asks the engine which rule would decide a call.

use crate::core::permission::{Behavior, Rule, RuleSource};
use crate::core::time::Epoch;
use crate::ui::render::format::clock;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

/// Selection and the dry-run box.
#[derive(Debug, Default)]
pub(crate) struct PermissionsScreenState {
    /// Index into [`ordered`].
    pub selected: usize,
    /// The dry-run call being typed (`Bash(ls > x)`).
    pub dry_run: InputState,
    /// Keys go to the dry-run box.
    pub dry_focused: bool,
    /// The engine's explanation of the last dry run: (call, result).
    pub dry_result: Option<(String, String)>,
    /// A rule being typed (`a`), or an existing one being edited (`e`, with its id).
    pub adding: Option<(InputState, Option<String>)>,
}

/// A rule as `parse_rule_command` reads it (for editing).
pub(crate) fn rule_command(r: &Rule) -> String {
    format!(
        "{} {} for {} in {}",
        r.behavior.as_str(),
        r.rule,
        r.scope,
        r.source.as_str()
    )
}

/// Rules in display order: session, project, user; oldest first within each.
pub(crate) fn ordered(rules: &[Rule]) -> Vec<&Rule> {
    let mut v: Vec<&Rule> = rules.iter().collect();
    v.sort_by(|a, b| {
        a.source
            .cmp(&b.source)
            .then(a.created_at.total_cmp(&b.created_at))
            .then(a.id.cmp(&b.id))
    });
    v
}

/// Borrowed view of the screen.
pub(crate) struct PermissionsScreenView<'a> {
    pub state: &'a PermissionsScreenState,
    pub rules: &'a [Rule],
    pub now: Epoch,
    pub tz: &'a jiff::tz::TimeZone,
    pub bypass: bool,
    pub theme: &'a Theme,
}

impl PermissionsScreenView<'_> {
    fn audit(&self, r: &Rule) -> String {
        let mut parts = vec![format!(
            "{} hit{}",
            r.hits,
            if r.hits == 1 { "" } else { "s" }
        )];
        if let Some(h) = r.last_hit {
            parts.push(format!("last {}", clock(h, self.tz)));
        }
        parts.push(format!(
            "by {} {}",
            r.created_by,
            clock(r.created_at, self.tz)
        ));
        if let Some(e) = r.expires_at {
            parts.push(if e > self.now {
                format!("expires {}", clock(e, self.tz))
            } else {
                "expired".to_owned()
            });
        }
        if let Some(f) = &r.from_request {
            parts.push(format!("from {f}"));
        }
        parts.join(" · ")
    }

    /// Draw over `screen`; returns the cursor when the dry-run box has focus.
    pub(crate) fn render(&self, screen: Rect, buf: &mut Buffer) -> Option<Position> {
        let t = self.theme;
        let area = screen.inner(ratatui::layout::Margin::new(2, 1));
        if area.width < 30 || area.height < 8 {
            return None;
        }
        Clear.render(area, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.modal_border)
            .title(Span::styled(" Permissions ", t.title_focused))
            .title_bottom(
                Line::from(Span::styled(
                    " j/k select · a add · e edit · x delete · / dry run · Esc close ",
                    t.dim,
                ))
                .right_aligned(),
            );
        let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 0));
        block.render(area, buf);
        let w = usize::from(inner.width);
        let mut lines: Vec<Line<'static>> = Vec::new();
        if self.bypass {
            lines.push(Line::from(Span::styled(
                " BYPASS: nothing is asked and no rule is consulted ",
                t.badge_bypass,
            )));
        }
        let rules = ordered(self.rules);
        let mut selected_line = 0;
        for source in [RuleSource::Session, RuleSource::Project, RuleSource::User] {
            let here: Vec<(usize, &Rule)> = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.source == source)
                .map(|(i, r)| (i, *r))
                .collect();
            let label = match source {
                RuleSource::Session => "session (until the app exits)",
                RuleSource::Project => "project (.patchfeld/permission_grants.json)",
                RuleSource::User => "user (config dir permission_grants.json)",
            };
            lines.push(Line::from(Span::styled(
                format!("{label} — {}", here.len()),
                t.header,
            )));
            for (i, r) in here {
                let sel = i == self.state.selected && !self.state.dry_focused;
                if sel {
                    selected_line = lines.len();
                }
                let (b, bstyle) = match r.behavior {
                    Behavior::Allow => ("allow", t.ok),
                    Behavior::Deny => ("deny ", t.error),
                };
                let mut l = Line::from(vec![
                    Span::styled(if sel { "› " } else { "  " }, t.accent),
                    Span::styled(b, bstyle),
                    Span::raw(" "),
                    Span::styled(r.rule.to_string(), t.text),
                    Span::styled(format!("  for {}", r.scope), t.dim),
                ]);
                if sel {
                    l = l.patch_style(t.selection);
                }
                lines.push(l);
                lines.push(Line::from(Span::styled(
                    truncate(&format!("      {}", self.audit(r)), w),
                    t.dim,
                )));
            }
        }
        if rules.is_empty() {
            lines.push(Line::from(Span::styled(
                "no rules yet: answer a prompt with s, a or d to make one",
                t.dim,
            )));
        }
        // The dry-run box takes the last three rows.
        let list_h = usize::from(inner.height.saturating_sub(3));
        let skip = (selected_line + 2).saturating_sub(list_h);
        for (row, line) in lines.iter().skip(skip).take(list_h).enumerate() {
            buf.set_line(inner.x, inner.y + row as u16, line, inner.width);
        }
        let y = inner.bottom().saturating_sub(3);
        buf.set_string(inner.x, y, "─".repeat(w), t.border);
        if let Some((input, editing)) = &self.state.adding {
            let prompt = if editing.is_some() {
                "edit rule › "
            } else {
                "add rule › "
            };
            let cursor = InputView {
                state: input,
                theme: t,
                placeholder: "allow Bash(npm test) for * in project expires 2h",
                prompt,
                focused: true,
            }
            .render(Rect::new(inner.x, y + 1, inner.width, 1), buf);
            buf.set_string(
                inner.x,
                y + 2,
                truncate(
                    "allow|deny RULE[, RULE] [for AGENT|*] [in session|project|user] [expires 30m|2h|7d] · Enter saves · Esc cancels",
                    w,
                ),
                t.dim,
            );
            return cursor;
        }
        let cursor = InputView {
            state: &self.state.dry_run,
            theme: t,
            placeholder: "press / and type a call: Bash(git push), Edit(src/a.rs), mcp__s__t",
            prompt: "dry run › ",
            focused: self.state.dry_focused,
        }
        .render(Rect::new(inner.x, y + 1, inner.width, 1), buf);
        if let Some((call, result)) = &self.state.dry_result {
            let style = if result.starts_with("allowed") {
                t.ok
            } else if result.starts_with("denied") {
                t.error
            } else {
                t.warning
            };
            buf.set_line(
                inner.x,
                y + 2,
                &Line::from(Span::styled(
                    truncate(&format!("{call}: {result}"), w),
                    style,
                )),
                inner.width,
            );
        }
        cursor.filter(|_| self.state.dry_focused)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::permission::RulePattern;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// 2024-05-01 14:05:12 UTC
    const NOW: f64 = 1_714_572_312.0;

    fn rule(id: &str, text: &str, b: Behavior, source: RuleSource, hits: u64) -> Rule {
        Rule {
            id: id.into(),
            rule: RulePattern::parse(text).unwrap(),
            behavior: b,
            scope: if source == RuleSource::Session {
                "tests".into()
            } else {
                "*".into()
            },
            source,
            created_at: NOW - 3600.0,
            created_by: "user".into(),
            from_request: Some("tests: Bash npm test".into()),
            expires_at: None,
            hits,
            last_hit: (hits > 0).then_some(NOW - 60.0),
        }
    }

    #[test]
    fn lists_rules_by_scope_with_audit_and_dry_run() {
        let rules = vec![
            rule(
                "u1",
                "WebFetch(domain:docs.rs)",
                Behavior::Allow,
                RuleSource::User,
                0,
            ),
            rule(
                "p1",
                "Bash(npm run test:*)",
                Behavior::Allow,
                RuleSource::Project,
                7,
            ),
            rule("p2", "Bash(rm:*)", Behavior::Deny, RuleSource::Project, 1),
            rule(
                "s1",
                "Edit(src/**)",
                Behavior::Allow,
                RuleSource::Session,
                2,
            ),
        ];
        let mut state = PermissionsScreenState {
            selected: 1,
            ..Default::default()
        };
        state.dry_run.insert_str("Bash(npm run test && rm -rf /)");
        state.dry_result = Some((
            "Bash(npm run test && rm -rf /)".into(),
            "denied: `rm -rf /` matches deny Bash(rm:*) for * (project)".into(),
        ));
        let theme = Theme::dark();
        let tz = jiff::tz::TimeZone::UTC;
        let mut t = Terminal::new(TestBackend::new(100, 22)).unwrap();
        t.draw(|f| {
            PermissionsScreenView {
                state: &state,
                rules: &rules,
                now: NOW,
                tz: &tz,
                bypass: false,
                theme: &theme,
            }
            .render(f.area(), f.buffer_mut());
        })
        .unwrap();
        let s = t.backend().to_string();
        assert!(s.contains("› allow Bash(npm run test:*)"), "{s}");
        assert!(s.contains("7 hits"), "{s}");
        assert_eq!(ordered(&rules)[1].id, "p1");
        insta::assert_snapshot!(s);
    }
}
