//! Spatial focus movement: from a panel's rectangle to the nearest panel in a direction.

use ratatui::layout::Rect;

/// A direction on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    Left,
    Right,
    Up,
    Down,
}

/// The panel to focus when moving from `from` towards `dir`: among panels entirely on that
/// side, the closest along the axis; ties go to the one overlapping most on the cross axis,
/// then to the nearest centre.
pub(crate) fn neighbour(rects: &[(String, Rect)], from: &str, dir: Dir) -> Option<String> {
    let (_, f) = rects.iter().find(|(id, _)| id == from)?;
    let f = *f;
    rects
        .iter()
        .filter(|(id, _)| id != from)
        .filter_map(|(id, r)| {
            let (gap, overlap, centre) = match dir {
                Dir::Right if r.x >= f.right() => (
                    r.x - f.right(),
                    overlap(f.y, f.bottom(), r.y, r.bottom()),
                    centre_gap(f.y, f.height, r.y, r.height),
                ),
                Dir::Left if r.right() <= f.x => (
                    f.x - r.right(),
                    overlap(f.y, f.bottom(), r.y, r.bottom()),
                    centre_gap(f.y, f.height, r.y, r.height),
                ),
                Dir::Down if r.y >= f.bottom() => (
                    r.y - f.bottom(),
                    overlap(f.x, f.right(), r.x, r.right()),
                    centre_gap(f.x, f.width, r.x, r.width),
                ),
                Dir::Up if r.bottom() <= f.y => (
                    f.y - r.bottom(),
                    overlap(f.x, f.right(), r.x, r.right()),
                    centre_gap(f.x, f.width, r.x, r.width),
                ),
                _ => return None,
            };
            Some(((gap, overlap == 0, u16::MAX - overlap, centre), id))
        })
        .min_by_key(|(k, _)| *k)
        .map(|(_, id)| id.clone())
}

fn overlap(a0: u16, a1: u16, b0: u16, b1: u16) -> u16 {
    a1.min(b1).saturating_sub(a0.max(b0))
}

fn centre_gap(a: u16, alen: u16, b: u16, blen: u16) -> u32 {
    let ca = u32::from(a) * 2 + u32::from(alen);
    let cb = u32::from(b) * 2 + u32::from(blen);
    ca.abs_diff(cb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dash() -> Vec<(String, Rect)> {
        vec![
            ("orch".into(), Rect::new(0, 0, 96, 43)),
            ("agents".into(), Rect::new(96, 0, 64, 21)),
            ("feed".into(), Rect::new(96, 21, 64, 22)),
        ]
    }

    #[test]
    fn moves_to_the_nearest_panel_in_each_direction() {
        let r = dash();
        assert_eq!(neighbour(&r, "orch", Dir::Right).as_deref(), Some("feed"));
        assert_eq!(neighbour(&r, "orch", Dir::Left), None);
        assert_eq!(neighbour(&r, "agents", Dir::Down).as_deref(), Some("feed"));
        assert_eq!(neighbour(&r, "feed", Dir::Up).as_deref(), Some("agents"));
        assert_eq!(neighbour(&r, "agents", Dir::Left).as_deref(), Some("orch"));
        assert_eq!(neighbour(&r, "feed", Dir::Down), None);
        assert_eq!(neighbour(&r, "nope", Dir::Down), None);
    }

    #[test]
    fn prefers_overlap_over_distance_on_the_cross_axis() {
        let r = vec![
            ("a".into(), Rect::new(0, 0, 10, 10)),
            ("far_row".into(), Rect::new(10, 20, 10, 10)),
            ("same_row".into(), Rect::new(10, 5, 10, 10)),
        ];
        assert_eq!(neighbour(&r, "a", Dir::Right).as_deref(), Some("same_row"));
    }
}
