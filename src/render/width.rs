//! The one width function: display columns of text as ratatui and terminals count them.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Display width of `s`, grapheme by grapheme (so `🗺️`, U+1F5FA U+FE0F, is 2).
pub fn str_width(s: &str) -> usize {
    s.graphemes(true).map(grapheme_width).sum()
}

/// Display width of one grapheme cluster, as ratatui's buffer counts it.
pub fn grapheme_width(g: &str) -> usize {
    // ratatui measures each grapheme with unicode-width's str width, which treats an
    // emoji presentation selector (U+FE0F) as making the cluster wide.
    g.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_with_variation_selector_is_two_columns() {
        assert_eq!(str_width("\u{1F5FA}\u{FE0F}"), 2);
        assert_eq!(str_width("a—b"), 3);
        assert_eq!(str_width("日本"), 4);
    }
}
