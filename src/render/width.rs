//! The one width function: display columns of text as ratatui and terminals count them,
//! plus the text clean-up every renderer input goes through before it is measured.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Display width of `s`, grapheme by grapheme (so `🗺️`, U+1F5FA U+FE0F, is 2).
pub fn str_width(s: &str) -> usize {
    if is_printable_ascii(s) {
        return s.len();
    }
    if s.chars().all(one_column) {
        return s.chars().count();
    }
    s.graphemes(true).map(grapheme_width).sum()
}

/// Printable ASCII only: one byte is one grapheme is one column (the fast path, as
/// grapheme segmentation dominates layout time otherwise).
pub(crate) fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Call `f(byte_offset, grapheme, width)` for each grapheme of `s`.
pub(crate) fn for_each_grapheme<'a>(s: &'a str, mut f: impl FnMut(usize, &'a str, usize)) {
    if is_printable_ascii(s) {
        for i in 0..s.len() {
            f(i, &s[i..i + 1], 1);
        }
    } else {
        for (i, g) in s.grapheme_indices(true) {
            f(i, g, grapheme_width(g));
        }
    }
}

/// A character that is always a grapheme of its own and one column wide: printable
/// ASCII and Latin-1, dashes, quotes and other punctuation, arrows, box drawing, block
/// elements and geometric shapes (what body text, code frames and the chrome are made
/// of). Text made only of these needs no grapheme segmentation or width lookups.
pub fn one_column(c: char) -> bool {
    matches!(
        c as u32,
        0x20..=0x7e
            | 0xa1..=0xac
            | 0xae..=0xff
            | 0x2010..=0x2027
            | 0x2030..=0x205e
            | 0x2190..=0x21ff
            | 0x2500..=0x25fc
    )
}

/// Display width of one grapheme cluster, as ratatui's buffer counts it.
pub fn grapheme_width(g: &str) -> usize {
    // ratatui measures each grapheme with unicode-width's str width, which treats an
    // emoji presentation selector (U+FE0F) as making the cluster wide.
    g.width()
}

/// Prose text made safe to measure and draw: tabs and newlines become spaces, other
/// control characters (which ratatui drops and terminals interpret) are removed.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// One line of code made safe to draw: tabs expand to the next multiple of 4 columns,
/// other control characters are removed.
pub(crate) fn clean_code_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut col = 0usize;
    for g in s.graphemes(true) {
        if g == "\t" {
            let n = 4 - col % 4;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else if g.chars().any(char::is_control) {
            let kept: String = g.chars().filter(|c| !c.is_control()).collect();
            col += str_width(&kept);
            out.push_str(&kept);
        } else {
            col += grapheme_width(g);
            out.push_str(g);
        }
    }
    Cow::Owned(out)
}

/// The longest prefix of `s` that fits in `width` columns, and its width.
pub(crate) fn take_width(s: &str, width: usize) -> (&str, usize) {
    if is_printable_ascii(s) {
        let n = s.len().min(width);
        return (&s[..n], n);
    }
    let mut used = 0;
    let mut end = 0;
    for (i, g) in s.grapheme_indices(true) {
        let w = grapheme_width(g);
        if used + w > width {
            break;
        }
        used += w;
        end = i + g.len();
    }
    (&s[..end], used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_with_variation_selector_is_two_columns() {
        assert_eq!(str_width("\u{1F5FA}\u{FE0F}"), 2);
        assert_eq!(str_width("a—b"), 3);
        assert_eq!(str_width("日本"), 4);
        // One-column text is counted by characters: the same as by graphemes.
        let text: String = (0..0x2600u32)
            .filter_map(char::from_u32)
            .filter(|c| one_column(*c))
            .collect();
        let by_graphemes: usize = text.graphemes(true).map(grapheme_width).sum();
        assert_eq!(str_width(&text), by_graphemes);
    }

    #[test]
    fn control_characters_are_removed_and_tabs_expanded() {
        assert_eq!(clean("a\tb\u{1b}[31mc"), "a b[31mc");
        assert_eq!(clean_code_line("\tx\ty"), "    x   y");
        assert_eq!(clean_code_line("ab\u{7}c"), "abc");
    }

    #[test]
    fn take_width_never_splits_a_wide_grapheme() {
        assert_eq!(take_width("a日本", 2), ("a", 1));
        assert_eq!(take_width("a日本", 3), ("a日", 3));
        assert_eq!(take_width("🗺️x", 1), ("", 0));
    }
}
