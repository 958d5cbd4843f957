//! Word wrapping for the UI's own short texts (descriptions, story cards, the about
//! panel), measured with the renderer's one width function. Page bodies are laid out by
//! `render`, never here.

use unicode_segmentation::UnicodeSegmentation;

use crate::render::width::{grapheme_width, str_width};

/// Greedy word wrap by display width; words wider than the line are split by grapheme.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for word in text.split_whitespace() {
        let w = str_width(word);
        if cur_w > 0 && cur_w + 1 + w > width {
            lines.push(std::mem::take(&mut cur));
            cur_w = 0;
        }
        if w > width {
            for g in word.graphemes(true) {
                let gw = grapheme_width(g);
                if cur_w + gw > width && cur_w > 0 {
                    lines.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                cur.push_str(g);
                cur_w += gw;
            }
            continue;
        }
        if cur_w > 0 {
            cur.push(' ');
            cur_w += 1;
        }
        cur.push_str(word);
        cur_w += w;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width_and_splits_long_words() {
        let l = wrap("aaaa bbbb cccccccccc", 6);
        assert!(l.iter().all(|l| str_width(l) <= 6), "{l:?}");
        assert_eq!(l[0], "aaaa");
    }
}
