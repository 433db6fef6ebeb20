//! Word wrapping and width-aware truncation of plain text (display columns, not bytes).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wrap `text` into lines of at most `width` columns. Hard newlines are kept; words longer
/// than a line are broken; trailing spaces at a break are dropped. Always returns at least
/// one line (possibly empty).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let para = para.trim_end_matches('\r');
        wrap_paragraph(&para.replace('\t', "    "), width, &mut out);
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

fn wrap_paragraph(para: &str, width: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    let mut line_w = 0usize;
    // Split keeping whitespace runs attached to the word before them.
    for word in split_words(para) {
        let trimmed = word.trim_end();
        let word_w = word.width();
        let trimmed_w = trimmed.width();
        if line_w + trimmed_w <= width {
            line.push_str(word);
            line_w += word_w;
            continue;
        }
        if line_w > 0 {
            out.push(line.trim_end().to_owned());
            line.clear();
            line_w = 0;
        }
        if trimmed_w <= width {
            line.push_str(word);
            line_w = word_w;
            continue;
        }
        // A word longer than a line: break it by characters.
        for ch in word.chars() {
            let cw = ch.width().unwrap_or(0);
            if line_w + cw > width && line_w > 0 {
                out.push(line.trim_end().to_owned());
                line.clear();
                line_w = 0;
            }
            line.push(ch);
            line_w += cw;
        }
    }
    out.push(line.trim_end().to_owned());
}

/// Words with their trailing whitespace.
fn split_words(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut seen_space = false;
        let mut end = rest.len();
        for (i, ch) in rest.char_indices() {
            if ch == ' ' {
                seen_space = true;
            } else if seen_space {
                end = i;
                break;
            }
        }
        let (word, tail) = rest.split_at(end);
        rest = tail;
        Some(word)
    })
}

/// Cut `s` to at most `width` columns, ending with `…` when cut.
pub(crate) fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if w + cw > width - 1 {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries() {
        assert_eq!(
            wrap("the quick brown fox jumps", 10),
            ["the quick", "brown fox", "jumps"]
        );
    }

    #[test]
    fn keeps_newlines_and_breaks_long_words() {
        assert_eq!(wrap("ab\n\ncdefghij", 4), ["ab", "", "cdef", "ghij"]);
        assert_eq!(wrap("", 4), [""]);
    }

    #[test]
    fn wide_chars_count_two_columns() {
        assert_eq!(wrap("日本語です", 4), ["日本", "語で", "す"]);
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("hello world", 5), "hell…");
        assert_eq!(truncate("hi", 5), "hi");
    }
}
