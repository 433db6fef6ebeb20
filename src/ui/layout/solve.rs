//! The layout solver: a `LayoutSpec` and a screen area in, one rectangle per visible panel out.
//! Pure: no state, no IO; sizes are `"60%"`, `"20"` (fixed cells) or absent (share the rest).

use crate::core::layout::{Direction, LayoutSpec, Node, Panel, Tabs};
use crate::core::widget;
use ratatui::layout::{Position, Rect};

/// Smallest useful panel (borders included); nothing collapses below this when space allows.
pub(crate) const MIN_PANEL_WIDTH: u16 = 12;
/// Smallest useful panel height (borders plus one line).
pub(crate) const MIN_PANEL_HEIGHT: u16 = 3;

/// A visible panel and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlacedPanel<'a> {
    /// The panel from the spec.
    pub panel: &'a Panel,
    /// Its area (border included).
    pub rect: Rect,
}

/// A tab container's strip: one row above the active panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TabStrip<'a> {
    /// The row.
    pub rect: Rect,
    /// Labels (title or id) of every child.
    pub labels: Vec<&'a str>,
    /// Index of the shown child.
    pub active: usize,
}

/// A split container as solved: where its children went (for splitter drags and resizing).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SplitInfo {
    /// Child indices from the root.
    pub path: Vec<usize>,
    /// Children side by side (else stacked).
    pub horizontal: bool,
    /// Each child's area.
    pub children: Vec<Rect>,
    /// Each child's minimum along the main axis.
    pub mins: Vec<u16>,
}

impl SplitInfo {
    /// Children lengths along the main axis.
    pub(crate) fn lengths(&self) -> Vec<u32> {
        self.children
            .iter()
            .map(|r| u32::from(if self.horizontal { r.width } else { r.height }))
            .collect()
    }

    /// The splitter under `pos`, if any: boundary `i` lies between children `i` and `i + 1`
    /// (the touching border cells of both).
    pub(crate) fn splitter_at(&self, pos: Position) -> Option<usize> {
        self.children.windows(2).position(|w| {
            let (a, b) = (w[0], w[1]);
            if self.horizontal {
                (pos.x + 1 == a.right() || pos.x == b.x)
                    && pos.y >= a.y.min(b.y)
                    && pos.y < a.bottom().max(b.bottom())
            } else {
                (pos.y + 1 == a.bottom() || pos.y == b.y)
                    && pos.x >= a.x.min(b.x)
                    && pos.x < a.right().max(b.right())
            }
        })
    }
}

/// The solved layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Solved<'a> {
    /// Visible panels in spec order.
    pub panels: Vec<PlacedPanel<'a>>,
    /// Tab strips.
    pub strips: Vec<TabStrip<'a>>,
    /// Split containers with more than one child, outermost first.
    pub splits: Vec<SplitInfo>,
}

/// A child's requested share of its parent's main axis.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    Percent(u16),
    Cells(u16),
    Rest,
}

fn parse_size(s: Option<&str>) -> Size {
    let Some(s) = s.map(str::trim) else {
        return Size::Rest;
    };
    if let Some(p) = s.strip_suffix('%') {
        return p
            .trim()
            .parse::<u16>()
            .map_or(Size::Rest, |p| Size::Percent(p.min(100)));
    }
    s.parse::<u16>().map_or(Size::Rest, Size::Cells)
}

fn node_size(n: &Node) -> Option<&str> {
    match n {
        Node::Split(s) => s.size.as_deref(),
        Node::Tabs(t) => t.size.as_deref(),
        Node::Panel(p) => p.size.as_deref(),
    }
}

/// Minimum (width, height) of a node.
fn min_size(n: &Node) -> (u16, u16) {
    match n {
        Node::Panel(p) => panel_min(p),
        Node::Tabs(t) => {
            let (w, h) = t
                .children
                .iter()
                .map(panel_min)
                .fold((MIN_PANEL_WIDTH, MIN_PANEL_HEIGHT), |(w, h), (cw, ch)| {
                    (w.max(cw), h.max(ch))
                });
            // One more row for the strip.
            (w, h.saturating_add(1))
        }
        Node::Split(s) => {
            let mins = s.children.iter().map(min_size);
            match s.direction {
                Direction::Horizontal => {
                    mins.fold((0, 0), |(w, h), (cw, ch)| (w.saturating_add(cw), h.max(ch)))
                }
                Direction::Vertical => {
                    mins.fold((0, 0), |(w, h), (cw, ch)| (w.max(cw), h.saturating_add(ch)))
                }
            }
        }
    }
}

/// A widget's minimum (width, height), borders included.
fn panel_min(p: &Panel) -> (u16, u16) {
    widget::widget(&p.widget).map_or((MIN_PANEL_WIDTH, MIN_PANEL_HEIGHT), |w| w.min)
}

/// Which panels the spec shows (hidden tab children excluded), in order.
pub(crate) fn visible_panels(spec: &LayoutSpec) -> Vec<&Panel> {
    fn walk<'a>(n: &'a Node, out: &mut Vec<&'a Panel>) {
        match n {
            Node::Split(s) => s.children.iter().for_each(|c| walk(c, out)),
            Node::Tabs(t) => out.extend(active_child(t).map(|(_, p)| p)),
            Node::Panel(p) => out.push(p),
        }
    }
    let mut out = Vec::new();
    walk(&spec.layout, &mut out);
    out
}

fn active_child(t: &Tabs) -> Option<(usize, &Panel)> {
    t.active
        .as_deref()
        .and_then(|a| t.children.iter().enumerate().find(|(_, p)| p.id == a))
        .or_else(|| t.children.first().map(|p| (0, p)))
}

/// Solve `spec` into `area`.
pub(crate) fn solve(spec: &LayoutSpec, area: Rect) -> Solved<'_> {
    let mut out = Solved::default();
    place(&spec.layout, area, &mut Vec::new(), &mut out);
    out
}

fn place<'a>(n: &'a Node, area: Rect, path: &mut Vec<usize>, out: &mut Solved<'a>) {
    if area.is_empty() {
        return;
    }
    match n {
        Node::Panel(p) => out.panels.push(PlacedPanel {
            panel: p,
            rect: area,
        }),
        Node::Tabs(t) => {
            let Some((active, panel)) = active_child(t) else {
                return;
            };
            let strip = Rect { height: 1, ..area };
            out.strips.push(TabStrip {
                rect: strip,
                labels: t
                    .children
                    .iter()
                    .map(|p| p.title.as_deref().unwrap_or(&p.id))
                    .collect(),
                active,
            });
            let body = Rect {
                y: area.y.saturating_add(1),
                height: area.height.saturating_sub(1),
                ..area
            };
            if !body.is_empty() {
                out.panels.push(PlacedPanel { panel, rect: body });
            }
        }
        Node::Split(s) => {
            let horizontal = s.direction == Direction::Horizontal;
            let total = if horizontal { area.width } else { area.height };
            let sizes: Vec<Size> = s
                .children
                .iter()
                .map(|c| parse_size(node_size(c)))
                .collect();
            let mins: Vec<u16> = s
                .children
                .iter()
                .map(|c| {
                    let (w, h) = min_size(c);
                    if horizontal { w } else { h }
                })
                .collect();
            let lens = distribute(total, &sizes, &mins);
            let mut offset = 0u16;
            let rects: Vec<Rect> = lens
                .iter()
                .map(|&len| {
                    let rect = if horizontal {
                        Rect::new(area.x + offset, area.y, len, area.height)
                    } else {
                        Rect::new(area.x, area.y + offset, area.width, len)
                    };
                    offset += len;
                    rect
                })
                .collect();
            if s.children.len() > 1 {
                out.splits.push(SplitInfo {
                    path: path.clone(),
                    horizontal,
                    children: rects.clone(),
                    mins,
                });
            }
            for (i, (child, rect)) in s.children.iter().zip(rects).enumerate() {
                path.push(i);
                place(child, rect, path, out);
                path.pop();
            }
        }
    }
}

/// Split `total` cells among children: requested sizes first, the rest shared equally by
/// children without a size, then minimums enforced by taking from the largest siblings.
/// The result always sums to `total` (when there is at least one child).
fn distribute(total: u16, sizes: &[Size], mins: &[u16]) -> Vec<u16> {
    let n = sizes.len();
    if n == 0 {
        return Vec::new();
    }
    let total_u = u32::from(total);
    let mut lens: Vec<u32> = sizes
        .iter()
        .map(|s| match *s {
            Size::Percent(p) => total_u * u32::from(p) / 100,
            Size::Cells(c) => u32::from(c),
            Size::Rest => 0,
        })
        .collect();
    let requested: u32 = lens.iter().sum();
    let rest_idx: Vec<usize> = (0..n).filter(|&i| sizes[i] == Size::Rest).collect();
    if requested > total_u {
        // Over-asked: scale every requested size down proportionally.
        for l in &mut lens {
            *l = *l * total_u / requested.max(1);
        }
    } else if !rest_idx.is_empty() {
        let free = total_u - requested;
        let share = free / rest_idx.len() as u32;
        let extra = free % rest_idx.len() as u32;
        for (k, &i) in rest_idx.iter().enumerate() {
            // Remainders go to the last children so the first ones stay stable.
            lens[i] = share + u32::from((k as u32) >= rest_idx.len() as u32 - extra);
        }
    }
    // Rounding leftovers (or nothing sized "rest") go to the last child.
    let sum: u32 = lens.iter().sum();
    if sum < total_u
        && let Some(last) = lens.last_mut()
    {
        *last += total_u - sum;
    }
    // Enforce minimums when the whole fits them.
    let min_sum: u32 = mins.iter().map(|&m| u32::from(m)).sum();
    if min_sum <= total_u {
        for i in 0..n {
            let min = u32::from(mins[i]);
            while lens[i] < min {
                let donor = (0..n)
                    .filter(|&j| j != i && lens[j] > u32::from(mins[j]))
                    .max_by_key(|&j| lens[j] - u32::from(mins[j]));
                let Some(j) = donor else { break };
                let give = (min - lens[i]).min(lens[j] - u32::from(mins[j]));
                lens[j] -= give;
                lens[i] += give;
            }
        }
    }
    lens.into_iter()
        .map(|l| u16::try_from(l).unwrap_or(u16::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::layout::{Split, TabsTag};
    use serde_json::Map;

    fn panel(id: &str, size: Option<&str>) -> Panel {
        Panel {
            id: id.to_owned(),
            widget: "AgentTable".to_owned(),
            props: Map::new(),
            size: size.map(str::to_owned),
            title: None,
        }
    }

    fn rects(spec: &LayoutSpec, area: Rect) -> Vec<(String, Rect)> {
        solve(spec, area)
            .panels
            .iter()
            .map(|p| (p.panel.id.clone(), p.rect))
            .collect()
    }

    #[test]
    fn dashboard_splits_sixty_forty_and_stacks_right() {
        let spec = LayoutSpec::dashboard();
        let got = rects(&spec, Rect::new(0, 0, 160, 43));
        assert_eq!(
            got,
            vec![
                ("orch".to_owned(), Rect::new(0, 0, 96, 43)),
                ("agents".to_owned(), Rect::new(96, 0, 64, 21)),
                ("feed".to_owned(), Rect::new(96, 21, 64, 22)),
            ]
        );
    }

    #[test]
    fn fixed_cells_and_rest_share() {
        let spec = LayoutSpec {
            version: 1,
            layout: Node::Split(Split {
                direction: Direction::Vertical,
                size: None,
                children: vec![
                    Node::Panel(panel("a", Some("5"))),
                    Node::Panel(panel("b", None)),
                    Node::Panel(panel("c", None)),
                ],
            }),
            focus: None,
        };
        let got = rects(&spec, Rect::new(0, 0, 40, 20));
        assert_eq!(got[0].1, Rect::new(0, 0, 40, 5));
        assert_eq!(got[1].1, Rect::new(0, 5, 40, 7));
        assert_eq!(got[2].1, Rect::new(0, 12, 40, 8));
    }

    #[test]
    fn minimums_keep_panels_from_collapsing() {
        let spec = LayoutSpec {
            version: 1,
            layout: Node::Split(Split {
                direction: Direction::Horizontal,
                size: None,
                children: vec![
                    Node::Panel(panel("big", Some("98%"))),
                    Node::Panel(panel("small", None)),
                ],
            }),
            focus: None,
        };
        let got = rects(&spec, Rect::new(0, 0, 80, 10));
        // AgentTable's own minimum, from the widget registry.
        assert_eq!(got[1].1.width, 24);
        assert_eq!(got[0].1.width + got[1].1.width, 80);
    }

    #[test]
    fn vertical_splits_size_heights() {
        let spec = LayoutSpec {
            version: 1,
            layout: Node::Split(Split {
                direction: Direction::Vertical,
                size: None,
                children: vec![
                    Node::Panel(panel("top", Some("25%"))),
                    Node::Panel(panel("bottom", Some("75%"))),
                ],
            }),
            focus: None,
        };
        let got = rects(&spec, Rect::new(0, 0, 50, 40));
        assert_eq!(got[0].1, Rect::new(0, 0, 50, 10));
        assert_eq!(got[1].1, Rect::new(0, 10, 50, 30));
        let solved = solve(&spec, Rect::new(0, 0, 50, 40));
        assert_eq!(solved.splits.len(), 1);
        assert!(!solved.splits[0].horizontal);
        assert_eq!(solved.splits[0].lengths(), [10, 30]);
        // The splitter is the touching border rows 9 and 10, across the full width.
        assert_eq!(solved.splits[0].splitter_at(Position::new(5, 9)), Some(0));
        assert_eq!(solved.splits[0].splitter_at(Position::new(49, 10)), Some(0));
        assert_eq!(solved.splits[0].splitter_at(Position::new(5, 11)), None);
    }

    #[test]
    fn rounding_always_fills_the_area() {
        for total in [7u16, 33, 80, 161, 239] {
            for sizes in [
                vec![Size::Percent(33), Size::Percent(33), Size::Percent(33)],
                vec![Size::Percent(10), Size::Rest, Size::Cells(5), Size::Rest],
                vec![Size::Rest; 7],
            ] {
                let mins = vec![1; sizes.len()];
                let lens = distribute(total, &sizes, &mins);
                assert_eq!(lens.iter().sum::<u16>(), total, "{total} {sizes:?}");
            }
        }
    }

    #[test]
    fn over_asked_sizes_scale_down_and_fill_exactly() {
        let lens = distribute(
            100,
            &[Size::Percent(80), Size::Cells(50)],
            &[MIN_PANEL_WIDTH, MIN_PANEL_WIDTH],
        );
        assert_eq!(lens.iter().sum::<u16>(), 100);
        assert!(lens[0] > lens[1]);
    }

    #[test]
    fn tabs_show_strip_and_only_the_active_panel() {
        let spec = LayoutSpec {
            version: 1,
            layout: Node::Tabs(Tabs {
                tag: TabsTag::Tabs,
                size: None,
                children: vec![panel("one", None), panel("two", None)],
                active: Some("two".to_owned()),
            }),
            focus: None,
        };
        let solved = solve(&spec, Rect::new(0, 0, 30, 10));
        assert_eq!(solved.strips.len(), 1);
        assert_eq!(solved.strips[0].active, 1);
        assert_eq!(solved.strips[0].labels, ["one", "two"]);
        assert_eq!(solved.panels.len(), 1);
        assert_eq!(solved.panels[0].panel.id, "two");
        assert_eq!(solved.panels[0].rect, Rect::new(0, 1, 30, 9));
        let ids: Vec<_> = visible_panels(&spec).iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids, ["two"]);
    }

    #[test]
    fn bad_sizes_count_as_rest() {
        assert_eq!(parse_size(Some("abc")), Size::Rest);
        assert_eq!(parse_size(Some("40%")), Size::Percent(40));
        assert_eq!(parse_size(Some("20")), Size::Cells(20));
        assert_eq!(parse_size(None), Size::Rest);
    }
}
