//! Pure operations on a LayoutSpec: split, close, swap, move a splitter, size normalisation.
//! Each returns a new, validated spec (the input is never half-changed).

use super::validate::{LayoutErrors, validate_spec};
use super::{Direction, LayoutSpec, Node, Panel, Split};

/// Child indices from the root to a node (a panel inside tabs includes its tab index).
pub type NodePath = Vec<usize>;

/// Where a panel is: its path, and whether it sits inside a tabs node.
pub fn find_panel(spec: &LayoutSpec, id: &str) -> Option<NodePath> {
    fn walk(n: &Node, id: &str, path: &mut NodePath) -> bool {
        match n {
            Node::Panel(p) => p.id == id,
            Node::Tabs(t) => {
                if let Some(i) = t.children.iter().position(|p| p.id == id) {
                    path.push(i);
                    return true;
                }
                false
            }
            Node::Split(s) => {
                for (i, c) in s.children.iter().enumerate() {
                    path.push(i);
                    if walk(c, id, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
        }
    }
    let mut path = Vec::new();
    walk(&spec.layout, id, &mut path).then_some(path)
}

/// The node at `path` (a tabs child is not a `Node`, so paths into tabs stop at the tabs).
pub fn node_at<'a>(spec: &'a LayoutSpec, path: &[usize]) -> Option<&'a Node> {
    let mut n = &spec.layout;
    for &i in path {
        match n {
            Node::Split(s) => n = s.children.get(i)?,
            Node::Tabs(_) | Node::Panel(_) => return None,
        }
    }
    Some(n)
}

fn node_at_mut<'a>(root: &'a mut Node, path: &[usize]) -> Option<&'a mut Node> {
    let mut n = root;
    for &i in path {
        match n {
            Node::Split(s) => n = s.children.get_mut(i)?,
            Node::Tabs(_) | Node::Panel(_) => return None,
        }
    }
    Some(n)
}

fn checked(spec: LayoutSpec) -> Result<LayoutSpec, LayoutErrors> {
    validate_spec(&spec)?;
    Ok(spec)
}

fn not_found(id: &str) -> LayoutErrors {
    LayoutErrors::one("", format!("no panel has id {id:?}"))
}

/// Split panel `target`: `new` goes beside it (`after`: right of / below it) along `dir`.
/// Inside a split of the same direction the new panel becomes a sibling sharing the target's
/// size; otherwise the target is replaced by a new split holding both (the split takes the
/// target's size). A panel inside tabs splits the whole tabs node.
pub fn split_panel(
    spec: &LayoutSpec,
    target: &str,
    dir: Direction,
    mut new: Panel,
    after: bool,
) -> Result<LayoutSpec, LayoutErrors> {
    let mut path = find_panel(spec, target).ok_or_else(|| not_found(target))?;
    if node_at(spec, &path).is_none() {
        // Inside tabs: split the tabs node.
        path.pop();
    }
    let mut out = spec.clone();
    let parent_same_dir = path
        .split_last()
        .and_then(|(_, parent)| match node_at(spec, parent) {
            Some(Node::Split(s)) if s.direction == dir => Some(parent.to_vec()),
            _ => None,
        });
    if let (Some(parent), Some(&idx)) = (parent_same_dir, path.last()) {
        let Some(Node::Split(s)) = node_at_mut(&mut out.layout, &parent) else {
            return Err(not_found(target));
        };
        let halves = s.children[idx].size().and_then(halve);
        if let Some((a, b)) = halves {
            s.children[idx].set_size(Some(a));
            new.size = Some(b);
        } else {
            new.size = None;
        }
        s.children
            .insert(if after { idx + 1 } else { idx }, Node::Panel(new));
    } else {
        let Some(slot) = node_at_mut(&mut out.layout, &path) else {
            return Err(not_found(target));
        };
        let mut old = std::mem::replace(
            slot,
            Node::Panel(Panel {
                id: String::new(),
                widget: String::new(),
                props: Default::default(),
                size: None,
                title: None,
            }),
        );
        let size = old.size().map(str::to_owned);
        old.set_size(Some("50%".to_owned()));
        new.size = None;
        let children = if after {
            vec![old, Node::Panel(new)]
        } else {
            vec![Node::Panel(new), old]
        };
        *slot = Node::Split(Split {
            direction: dir,
            size,
            children,
        });
    }
    checked(out)
}

fn halve(size: &str) -> Option<(String, String)> {
    let p: u16 = size.trim().strip_suffix('%')?.trim().parse().ok()?;
    let a = p.div_ceil(2).max(1);
    let b = (p - a.min(p)).max(1);
    Some((format!("{a}%"), format!("{b}%")))
}

/// Remove panel `id`. A split left with one child is replaced by that child (which takes the
/// split's size); an emptied tabs node disappears. The last panel cannot be closed.
pub fn close_panel(spec: &LayoutSpec, id: &str) -> Result<LayoutSpec, LayoutErrors> {
    let path = find_panel(spec, id).ok_or_else(|| not_found(id))?;
    if spec.panels().len() == 1 {
        return Err(LayoutErrors::one(
            "layout",
            format!("{id:?} is the only panel; a layout needs at least one"),
        ));
    }
    let mut out = spec.clone();
    let (&last, parent) = path
        .split_last()
        .ok_or_else(|| LayoutErrors::one("layout", "the root panel cannot be closed"))?;
    let Some(pnode) = node_at_mut(&mut out.layout, parent) else {
        return Err(not_found(id));
    };
    let mut remove_parent = false;
    match pnode {
        Node::Tabs(t) => {
            t.children.remove(last);
            if t.active.as_deref() == Some(id) {
                t.active = t.children.first().map(|p| p.id.clone());
            }
            remove_parent = t.children.is_empty();
        }
        Node::Split(s) => {
            s.children.remove(last);
        }
        Node::Panel(_) => return Err(not_found(id)),
    }
    if remove_parent && let Some((&pi, grand)) = parent.split_last() {
        if let Some(Node::Split(s)) = node_at_mut(&mut out.layout, grand) {
            s.children.remove(pi);
        }
        collapse(&mut out.layout, grand);
    } else {
        collapse(&mut out.layout, parent);
    }
    if out.focus.as_deref() == Some(id) {
        out.focus = None;
    }
    checked(out)
}

/// Replace a one-child split at `path` by its child (keeping the split's size).
fn collapse(root: &mut Node, path: &[usize]) {
    let Some(n) = node_at_mut(root, path) else {
        return;
    };
    if let Node::Split(s) = n
        && s.children.len() == 1
    {
        let size = s.size.clone();
        let mut child = s.children.remove(0);
        child.set_size(size);
        *n = child;
    }
}

/// Swap the panels `a` and `b` (contents move; each position keeps its size).
pub fn swap_panels(spec: &LayoutSpec, a: &str, b: &str) -> Result<LayoutSpec, LayoutErrors> {
    let mut out = spec.clone();
    let pa = spec
        .panels()
        .into_iter()
        .find(|p| p.id == a)
        .cloned()
        .ok_or_else(|| not_found(a))?;
    let pb = spec
        .panels()
        .into_iter()
        .find(|p| p.id == b)
        .cloned()
        .ok_or_else(|| not_found(b))?;
    out.for_each_panel_mut(|p| {
        let src = if p.id == a {
            &pb
        } else if p.id == b {
            &pa
        } else {
            return;
        };
        let size = p.size.take();
        *p = Panel {
            size,
            ..src.clone()
        };
    });
    checked(out)
}

/// Integer percentages for children of `cells` lengths that sum to exactly 100: each is
/// max(1, round(cells/total*100)), the last absorbs the remainder (and stays >= 1).
pub fn normalise_percent(cells: &[u32]) -> Vec<u16> {
    let n = cells.len();
    if n == 0 {
        return Vec::new();
    }
    // u64: hand-edited sizes (`"50000000%"`) reach here, and `c * 100` must not overflow.
    let total: u64 = cells.iter().map(|&c| u64::from(c)).sum();
    let mut out: Vec<u16> = if total == 0 {
        vec![(100 / n as u32) as u16; n]
    } else {
        cells
            .iter()
            .map(|&c| ((u64::from(c) * 100 + total / 2) / total).max(1) as u16)
            .collect()
    };
    let head: i32 = out[..n - 1].iter().map(|&p| i32::from(p)).sum();
    let last = (100 - head).max(1);
    out[n - 1] = last as u16;
    // If the head over-shot (many tiny children), take the excess from the largest.
    while out.iter().map(|&p| u32::from(p)).sum::<u32>() > 100 {
        let Some(i) = (0..n).filter(|&i| out[i] > 1).max_by_key(|&i| out[i]) else {
            break;
        };
        out[i] -= 1;
    }
    out
}

/// Move the splitter between children `boundary` and `boundary + 1` of the split at
/// `container` by `delta` cells (positive: towards the end), given the children's current
/// lengths in cells and their minimums. Every child of that split gets a percentage size,
/// normalised so they sum to 100. Errors when the path is not a split or the boundary is out
/// of range; a move blocked by minimums leaves sizes as they are.
pub fn move_splitter(
    spec: &LayoutSpec,
    container: &[usize],
    boundary: usize,
    delta: i32,
    cells: &[u32],
    mins: &[u32],
) -> Result<LayoutSpec, LayoutErrors> {
    let path = path_text(container);
    let Some(Node::Split(s)) = node_at(spec, container) else {
        return Err(LayoutErrors::one(path, "is not a split"));
    };
    if boundary + 1 >= s.children.len() || cells.len() != s.children.len() {
        return Err(LayoutErrors::one(
            path,
            format!("has no splitter {boundary} ({} children)", s.children.len()),
        ));
    }
    let mut cells = cells.to_vec();
    let min = |i: usize| mins.get(i).copied().unwrap_or(1).max(1);
    let (a, b) = (boundary, boundary + 1);
    let d = if delta >= 0 {
        (delta as u32).min(cells[b].saturating_sub(min(b))) as i64
    } else {
        -i64::from(delta.unsigned_abs().min(cells[a].saturating_sub(min(a))))
    };
    cells[a] = (i64::from(cells[a]) + d) as u32;
    cells[b] = (i64::from(cells[b]) - d) as u32;
    let pct = normalise_percent(&cells);
    let mut out = spec.clone();
    if let Some(Node::Split(s)) = node_at_mut(&mut out.layout, container) {
        for (c, p) in s.children.iter_mut().zip(pct) {
            c.set_size(Some(format!("{p}%")));
        }
    }
    checked(out)
}

/// The split and child index to resize when panel `id` grows or shrinks along `dir`: the
/// nearest enclosing split of that direction with more than one child.
pub fn resize_target(spec: &LayoutSpec, id: &str, dir: Direction) -> Option<(NodePath, usize)> {
    let mut path = find_panel(spec, id)?;
    if node_at(spec, &path).is_none() {
        path.pop();
    }
    while let Some(idx) = path.pop() {
        if let Some(Node::Split(s)) = node_at(spec, &path)
            && s.direction == dir
            && s.children.len() > 1
        {
            return Some((path, idx));
        }
    }
    None
}

/// A split whose percentage sizes `repair_percentages` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeRepair {
    /// `layout.children[1].children` (the sibling list).
    pub path: String,
    /// What the percentages added up to.
    pub was: u32,
    /// What they add up to now.
    pub now: u32,
}

fn loose_percent(size: Option<&str>) -> Option<u32> {
    size?
        .trim()
        .strip_suffix('%')?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p > 0)
}

/// Repair sibling percentages that cannot be meant as written (a hand-edited or older
/// workspace): siblings that are all percentages but do not add up to 100 are scaled to 100;
/// percentages over 100 next to unsized or fixed siblings are scaled down so those keep an
/// equal share. Anything else (unparsable sizes, tabs) is left for validation to report.
pub fn repair_percentages(spec: &mut LayoutSpec) -> Vec<SizeRepair> {
    fn walk(n: &mut Node, path: &mut NodePath, out: &mut Vec<SizeRepair>) {
        let Node::Split(s) = n else {
            return;
        };
        let pct: Vec<Option<u32>> = s.children.iter().map(|c| loose_percent(c.size())).collect();
        let given: Vec<u32> = pct.iter().flatten().copied().collect();
        let sum: u32 = given.iter().fold(0, |a, &p| a.saturating_add(p));
        let all = given.len() == s.children.len();
        let target = if all {
            100
        } else {
            (100 * given.len() / s.children.len()).max(given.len()) as u32
        };
        if !given.is_empty() && ((all && sum != 100) || (!all && sum > 100)) {
            let shares = normalise_percent(&given);
            let mut scaled = shares
                .iter()
                .map(|&p| (u32::from(p) * target / 100).max(1))
                .collect::<Vec<u32>>()
                .into_iter();
            let mut now = 0;
            for (c, p) in s.children.iter_mut().zip(&pct) {
                if p.is_some()
                    && let Some(v) = scaled.next()
                {
                    now += v;
                    c.set_size(Some(format!("{v}%")));
                }
            }
            out.push(SizeRepair {
                path: format!("{}.children", path_text(path)),
                was: sum,
                now,
            });
        }
        for (i, c) in s.children.iter_mut().enumerate() {
            path.push(i);
            walk(c, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&mut spec.layout, &mut Vec::new(), &mut out);
    out
}

/// `layout.children[1].children[0]` for a node path.
pub fn path_text(path: &[usize]) -> String {
    let mut s = "layout".to_owned();
    for i in path {
        s.push_str(&format!(".children[{i}]"));
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::layout::parse_spec;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> LayoutSpec {
        parse_spec(&v).unwrap()
    }

    fn sizes(spec: &LayoutSpec, path: &[usize]) -> Vec<Option<String>> {
        match node_at(spec, path) {
            Some(Node::Split(s)) => s
                .children
                .iter()
                .map(|c| c.size().map(str::to_owned))
                .collect(),
            other => panic!("not a split: {other:?}"),
        }
    }

    #[test]
    fn split_beside_in_same_direction_shares_the_size() {
        let d = LayoutSpec::dashboard();
        let out = split_panel(
            &d,
            "orch",
            Direction::Horizontal,
            Panel::new("x", "AgentTable", "X", None),
            true,
        )
        .unwrap();
        let ids: Vec<_> = out.panels().iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids, ["orch", "x", "agents", "feed"]);
        assert_eq!(
            sizes(&out, &[]),
            [Some("30%".into()), Some("30%".into()), Some("40%".into())]
        );
    }

    #[test]
    fn split_across_wraps_the_panel_in_a_new_split() {
        let d = LayoutSpec::dashboard();
        let out = split_panel(
            &d,
            "orch",
            Direction::Vertical,
            Panel::new("x", "AgentTable", "X", None),
            false,
        )
        .unwrap();
        let Some(Node::Split(s)) = node_at(&out, &[0]) else {
            panic!("{out:?}")
        };
        assert_eq!(s.direction, Direction::Vertical);
        assert_eq!(s.size.as_deref(), Some("60%"));
        assert_eq!(find_panel(&out, "x"), Some(vec![0, 0]));
        assert_eq!(find_panel(&out, "orch"), Some(vec![0, 1]));
    }

    #[test]
    fn split_rejects_a_duplicate_id_and_unknown_target() {
        let d = LayoutSpec::dashboard();
        let e = split_panel(
            &d,
            "orch",
            Direction::Vertical,
            Panel::new("feed", "AgentTable", "", None),
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("duplicate panel id \"feed\""), "{e}");
        let e = split_panel(
            &d,
            "zz",
            Direction::Vertical,
            Panel::new("n", "AgentTable", "", None),
            true,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no panel has id \"zz\""), "{e}");
    }

    #[test]
    fn close_collapses_single_child_splits() {
        let d = LayoutSpec::dashboard();
        let out = close_panel(&d, "agents").unwrap();
        // The right column had two panels; now `feed` stands alone with the column's size.
        let Node::Split(s) = &out.layout else {
            panic!()
        };
        assert_eq!(s.children.len(), 2);
        let Node::Panel(p) = &s.children[1] else {
            panic!("{out:?}")
        };
        assert_eq!(p.id, "feed");
        assert_eq!(p.size.as_deref(), Some("40%"));
        let out = close_panel(&out, "feed").unwrap();
        assert!(matches!(out.layout, Node::Panel(ref p) if p.id == "orch"));
        assert!(
            close_panel(&out, "orch")
                .unwrap_err()
                .to_string()
                .contains("only panel")
        );
    }

    #[test]
    fn close_inside_tabs_fixes_active_and_drops_empty_tabs() {
        let s = spec(json!({"layout": {"type": "horizontal", "children": [
            {"id": "orch", "widget": "OrchestratorChat"},
            {"type": "tabs", "active": "b", "children": [
                {"id": "a", "widget": "AgentTable"}, {"id": "b", "widget": "ActivityFeed"}]}]}}));
        let out = close_panel(&s, "b").unwrap();
        let Some(Node::Tabs(t)) = node_at(&out, &[1]) else {
            panic!("{out:?}")
        };
        assert_eq!(t.active.as_deref(), Some("a"));
        let out = close_panel(&out, "a").unwrap();
        assert!(
            matches!(out.layout, Node::Panel(ref p) if p.id == "orch"),
            "{out:?}"
        );
    }

    #[test]
    fn swap_moves_contents_and_keeps_sizes() {
        let d = LayoutSpec::dashboard();
        let out = swap_panels(&d, "orch", "feed").unwrap();
        let ps = out.panels();
        assert_eq!(ps[0].id, "feed");
        assert_eq!(ps[0].size.as_deref(), Some("60%"));
        assert_eq!(ps[2].id, "orch");
        assert_eq!(ps[2].size, None);
        assert!(swap_panels(&d, "orch", "nope").is_err());
    }

    #[test]
    fn normalisation_sums_to_exactly_100() {
        assert_eq!(normalise_percent(&[96, 64]), [60, 40]);
        assert_eq!(normalise_percent(&[1, 1, 1]), [33, 33, 34]);
        assert_eq!(normalise_percent(&[0, 0]), [50, 50]);
        assert_eq!(normalise_percent(&[1, 1000]), [1, 99]);
        for cells in [vec![3, 7, 11, 13], vec![1; 7], vec![500, 1, 1, 1]] {
            let p = normalise_percent(&cells);
            assert_eq!(
                p.iter().map(|&x| u32::from(x)).sum::<u32>(),
                100,
                "{cells:?} -> {p:?}"
            );
            assert!(p.iter().all(|&x| x >= 1));
        }
    }

    #[test]
    fn moving_a_splitter_respects_minimums_and_normalises() {
        let d = LayoutSpec::dashboard();
        let out = move_splitter(&d, &[], 0, 16, &[96, 64], &[24, 24]).unwrap();
        assert_eq!(sizes(&out, &[]), [Some("70%".into()), Some("30%".into())]);
        // Blocked by the right side's minimum (64 - 24 = 40 cells at most).
        let out = move_splitter(&d, &[], 0, 100, &[96, 64], &[24, 24]).unwrap();
        assert_eq!(sizes(&out, &[]), [Some("85%".into()), Some("15%".into())]);
        let out = move_splitter(&d, &[1], 0, -5, &[21, 22], &[4, 3]).unwrap();
        assert_eq!(sizes(&out, &[1]), [Some("37%".into()), Some("63%".into())]);
        let e = move_splitter(&d, &[], 1, 1, &[96, 64], &[1, 1])
            .unwrap_err()
            .to_string();
        assert!(e.contains("layout: has no splitter 1"), "{e}");
        let e = move_splitter(&d, &[0], 0, 1, &[1], &[1])
            .unwrap_err()
            .to_string();
        assert!(e.contains("layout.children[0]: is not a split"), "{e}");
    }

    #[test]
    fn resize_target_finds_the_enclosing_split_of_that_direction() {
        let d = LayoutSpec::dashboard();
        assert_eq!(
            resize_target(&d, "agents", Direction::Vertical),
            Some((vec![1], 0))
        );
        assert_eq!(
            resize_target(&d, "agents", Direction::Horizontal),
            Some((vec![], 1))
        );
        assert_eq!(resize_target(&d, "orch", Direction::Vertical), None);
    }

    #[test]
    fn percentages_that_do_not_add_up_are_repaired() {
        let mut spec = parse_spec(&json!({"layout": {"type": "horizontal", "children": [
            {"id": "a", "widget": "AgentTable", "size": "30%"},
            {"type": "vertical", "size": "30%", "children": [
                {"id": "b", "widget": "AgentTable", "size": "80%"},
                {"id": "c", "widget": "AgentTable", "size": "10"},
                {"id": "d", "widget": "AgentTable"}]}]}}))
        .unwrap();
        // The inner 80% next to a fixed and an unsized sibling means what it says: untouched.
        let r = repair_percentages(&mut spec);
        assert_eq!(
            r,
            vec![SizeRepair {
                path: "layout.children".into(),
                was: 60,
                now: 100
            }]
        );
        let Node::Split(s) = &spec.layout else {
            panic!()
        };
        assert_eq!(s.children[0].size(), Some("50%"));
        assert_eq!(s.children[1].size(), Some("50%"));

        // Over 100% with an unsized sibling: the percentages shrink to leave it a share.
        let mut spec = LayoutSpec {
            version: 1,
            layout: Node::Split(Split {
                direction: Direction::Vertical,
                size: None,
                children: vec![
                    Node::Panel(Panel::new("a", "AgentTable", "A", Some("90%"))),
                    Node::Panel(Panel::new("b", "AgentTable", "B", Some("150%"))),
                    Node::Panel(Panel::new("c", "AgentTable", "C", None)),
                ],
            }),
            focus: None,
        };
        let r = repair_percentages(&mut spec);
        assert_eq!(r[0].was, 240);
        assert!(r[0].now <= 66, "{r:?}");
        validate_spec(&spec).unwrap();
        // Already consistent: nothing to do.
        let mut dash = LayoutSpec::dashboard();
        assert!(repair_percentages(&mut dash).is_empty());
        assert_eq!(dash, LayoutSpec::dashboard());
    }
}
