//! Fuzzy filtering for every picker (slash commands, sessions, history, layouts, themes).
//!
//! One matcher for the whole UI so every list ranks the same way (nucleo, as in helix).

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// One item that matched, with its score and the char indices that matched (for highlighting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Index of the item in the input order.
    pub index: usize,
    /// Higher is better.
    pub score: u32,
    /// Char positions in the haystack that matched, ascending.
    pub positions: Vec<u32>,
}

/// Rank `haystacks` against `query`: best first, ties keep input order. An empty or
/// blank query keeps every item in input order (score 0).
pub(crate) fn rank<'a>(query: &str, haystacks: impl IntoIterator<Item = &'a str>) -> Vec<Hit> {
    let query = query.trim();
    if query.is_empty() {
        return haystacks
            .into_iter()
            .enumerate()
            .map(|(index, _)| Hit {
                index,
                score: 0,
                positions: Vec::new(),
            })
            .collect();
    }
    let pattern = Pattern::new(
        query,
        CaseMatching::Smart,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut hits: Vec<Hit> = haystacks
        .into_iter()
        .enumerate()
        .filter_map(|(index, hay)| {
            let mut positions = Vec::new();
            let score =
                pattern.indices(Utf32Str::new(hay, &mut buf), &mut matcher, &mut positions)?;
            positions.sort_unstable();
            positions.dedup();
            Some(Hit {
                index,
                score,
                positions,
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.index.cmp(&b.index)));
    hits
}

/// Just the indices of the matching items, best first.
pub(crate) fn filter<'a>(query: &str, haystacks: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    rank(query, haystacks)
        .into_iter()
        .map(|h| h.index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_keeps_everything_in_order() {
        assert_eq!(filter("  ", ["b", "a", "c"]), vec![0, 1, 2]);
    }

    #[test]
    fn subsequence_matches_and_ranks_tighter_first() {
        let items = ["review-layout", "resume", "rename", "reset"];
        let got = filter("res", items);
        // Both prefix matches outrank the scattered one; equal scores keep input order.
        assert_eq!(got[..2], [1, 3], "{got:?}");
        assert!(!got.contains(&2), "{got:?}"); // "rename" has no 's'
    }

    #[test]
    fn non_matching_items_are_dropped_and_positions_reported() {
        let hits = rank("gd", ["grid", "agents", "dashboard"]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].index, 0);
        assert_eq!(hits[0].positions, vec![0, 3]);
    }

    #[test]
    fn smart_case() {
        assert_eq!(filter("Res", ["reset", "Resume"]), vec![1]);
    }
}
