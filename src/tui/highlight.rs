//! Search highlights: where a query's words occur in a drawn line, in display columns.
//!
//! Matching is what search does (`content::search::Terms`: whole words, stemmed and
//! case-folded), done on the text of all the line's spans together, so a word that
//! crosses a span boundary (`**MT**U`, a syntax-highlighted token) is still one hit. Columns come from
//! the renderer's one width function, grapheme by grapheme, so wide (CJK, emoji)
//! characters line up with the cells ratatui draws.

use ratatui::text::Line;
use unicode_segmentation::UnicodeSegmentation;

use crate::content::search::Terms;
use crate::render::width::{grapheme_width, is_printable_ascii};

/// Case-fold `s` for matching: lowercase char by char (so the folded text maps back to
/// graphemes one to one), with the final sigma folded into sigma.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_folded(&mut out, s);
    out
}

fn push_folded(out: &mut String, s: &str) {
    if is_printable_ascii(s) {
        out.extend(s.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    for c in s.chars() {
        for l in c.to_lowercase() {
            out.push(if l == 'ς' { 'σ' } else { l });
        }
    }
}

/// The query's analyzed words, kept for the last query asked about: a frame asks for
/// every line with the same query.
fn terms(query: &str) -> Terms {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, Terms)>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((q, t)) if q == query => t.clone(),
        _ => {
            let t = Terms::parse(query);
            *last = Some((query.to_string(), t.clone()));
            t
        }
    })
}

/// A line's text (its spans together) and, per grapheme, where it starts in that
/// text, its display column and its width.
#[derive(Default)]
struct Graphemes {
    text: String,
    marks: Vec<(usize, usize, usize)>,
}

impl Graphemes {
    /// Add `line`'s graphemes from display column `from` on (leading whitespace there
    /// skipped when `trim`).
    fn push_line(&mut self, line: &Line<'_>, from: usize, mut trim: bool) {
        let mut col = 0;
        for span in &line.spans {
            let t = span.content.as_ref();
            if is_printable_ascii(t) && col >= from && !trim {
                for i in 0..t.len() {
                    self.marks.push((self.text.len() + i, col, 1));
                    col += 1;
                }
                self.text.push_str(t);
                continue;
            }
            for g in t.graphemes(true) {
                let w = grapheme_width(g);
                if col >= from && !(trim && g.chars().all(char::is_whitespace)) {
                    trim = false;
                    self.marks.push((self.text.len(), col, w));
                    self.text.push_str(g);
                }
                col += w;
            }
        }
    }

    /// The index of the grapheme holding byte `at`.
    fn at(&self, at: usize) -> usize {
        self.marks.partition_point(|m| m.0 <= at).saturating_sub(1)
    }

    /// The columns `[start, end)` of graphemes `first..=last`.
    fn span(&self, first: usize, last: usize) -> Option<(usize, usize)> {
        let (a, b) = (self.marks.get(first)?, self.marks.get(last)?);
        let end = b.1 + b.2;
        (end > a.1).then_some((a.1, end))
    }
}

/// The display columns `[start, end)` of every word of `query` in `line`, as search
/// matches words (stemmed, case-folded, the last word also as a prefix), left to right.
/// An empty query matches nothing.
pub(crate) fn columns(line: &Line<'_>, query: &str) -> Vec<(usize, usize)> {
    let terms = terms(query);
    if terms.is_empty() {
        return Vec::new();
    }
    let mut g = Graphemes::default();
    g.push_line(line, 0, false);
    terms
        .find(&g.text)
        .into_iter()
        .filter_map(|r| g.span(g.at(r.start), g.at(r.end.saturating_sub(1))))
        .collect()
}

/// Columns of hits in two lines: in the first, in the second.
pub(crate) type Across = (Vec<(usize, usize)>, Vec<(usize, usize)>);

/// Hits of `query` on a word broken across two lines (`render::Join`): `first` ends
/// inside it and `second` goes on with it from display column `col`. The columns of
/// each such hit in `first` and in `second`; hits wholly in one line are `columns`'.
pub(crate) fn across(first: &Line<'_>, second: &Line<'_>, col: usize, query: &str) -> Across {
    let terms = terms(query);
    let mut out = (Vec::new(), Vec::new());
    if terms.is_empty() {
        return out;
    }
    let mut g = Graphemes::default();
    g.push_line(first, 0, false);
    let (boundary, split) = (g.text.len(), g.marks.len());
    g.push_line(second, col, true);
    for r in terms.find(&g.text) {
        if r.start >= boundary || r.end <= boundary {
            continue;
        }
        let (a, b) = (g.at(r.start), g.at(r.end.saturating_sub(1)));
        if let Some(c) = g.span(a, split.saturating_sub(1)) {
            out.0.push(c);
        }
        if let Some(c) = g.span(split, b) {
            out.1.push(c);
        }
    }
    out
}

/// Whether `query` (folded) occurs in `line`.
pub(crate) fn contains(line: &Line<'_>, query: &str) -> bool {
    !columns(line, query).is_empty()
}

/// The hits of `columns` as seen through a window: the line shifted left by `shift`
/// columns and cut at `width`; each range clipped to what shows, in window columns.
pub(crate) fn visible(hits: &[(usize, usize)], shift: usize, width: usize) -> Vec<(u16, u16)> {
    hits.iter()
        .filter_map(|&(s, e)| {
            let s = s.saturating_sub(shift).min(width);
            let e = e.saturating_sub(shift).min(width);
            (e > s).then_some((s as u16, (e - s) as u16))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Span;

    fn line(parts: &[&str]) -> Line<'static> {
        Line::from(
            parts
                .iter()
                .map(|p| Span::raw(p.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn matching_ignores_case_stems_and_finds_every_word() {
        let l = line(&["MTU and mtu, Mtu; packets of a packet"]);
        assert_eq!(columns(&l, &fold("mTu ")), vec![(0, 3), (8, 11), (13, 16)]);
        assert_eq!(columns(&l, "packet "), vec![(18, 25), (31, 37)]);
        assert_eq!(columns(&l, "mtu packet ").len(), 5);
        assert!(columns(&l, "").is_empty());
        assert!(!contains(&l, "mtv"));
    }

    #[test]
    fn the_last_word_is_a_prefix_while_typed() {
        let l = line(&["iptables -t mangle"]);
        assert_eq!(columns(&l, "iptables man"), vec![(0, 8), (12, 18)]);
    }

    #[test]
    fn a_hit_across_span_boundaries_is_one_hit() {
        let l = line(&["the M", "T", "U value"]);
        assert_eq!(columns(&l, "mtu"), vec![(4, 7)]);
    }

    #[test]
    fn a_word_broken_across_two_lines_is_one_hit_in_both() {
        // "iptables" broken after "ipta"; the next line is quoted ("│ ") from column 2.
        let first = line(&["see the ipta"]);
        let second = line(&["│ ", "bles rules, iptables"]);
        let (a, b) = across(&first, &second, 2, "iptables");
        assert_eq!(a, vec![(8, 12)]);
        assert_eq!(b, vec![(2, 6)]);
        // The whole word on the second line is `columns`' (not counted twice).
        assert_eq!(columns(&second, "iptables"), vec![(14, 22)]);
        // Stemmed and the last word as a prefix, as search matches.
        assert_eq!(
            across(&line(&["pack"]), &line(&["ets"]), 0, "packet").1,
            vec![(0, 3)]
        );
        assert_eq!(
            across(&line(&["a ipt"]), &line(&["ables"]), 0, "iptab").0,
            vec![(2, 5)]
        );
        // Words that only touch the break, or a query not there, are no hit.
        assert_eq!(across(&first, &second, 2, "rules"), (vec![], vec![]));
        assert_eq!(across(&first, &second, 2, "ipta "), (vec![], vec![]));
        assert_eq!(across(&first, &second, 2, ""), (vec![], vec![]));
        // A hanging indent after the column is skipped.
        let (_, b) = across(&line(&["ipta"]), &line(&["    bles"]), 0, "iptables");
        assert_eq!(b, vec![(4, 8)]);
    }

    #[test]
    fn wide_characters_take_two_columns() {
        // 日本語 is six columns, one word; the emoji with VS16 is two.
        let l = line(&["日本", "語 🗺️ map"]);
        assert_eq!(columns(&l, &fold("日本語")), vec![(0, 6)]);
        assert_eq!(columns(&l, "map"), vec![(10, 13)]);
    }

    #[test]
    fn non_ascii_case_folds_and_maps_back_to_graphemes() {
        let l = line(&["ÜBER straße ΟΔΟΣ"]);
        assert_eq!(columns(&l, &fold("über")), vec![(0, 4)]);
        assert_eq!(columns(&l, "strasse"), vec![(5, 11)]);
        // A query typed with a final sigma still finds the capital sigma.
        assert_eq!(columns(&l, &fold("οδος")), vec![(12, 16)]);
        let l = line(&["İx MTU"]);
        assert_eq!(columns(&l, "mtu"), vec![(3, 6)]);
    }

    #[test]
    fn hostile_queries_never_panic() {
        let l = line(&["a.*b (x|y) [z] \\d+ $^ 日本"]);
        for q in [".*", "(x|y)", "[z]", "\\d+", "$^", "\u{301}", "\0"] {
            let _ = columns(&l, &fold(q));
        }
        assert_eq!(columns(&l, &fold("(x|y)")), vec![(6, 7), (8, 9)]);
        let long = "x".repeat(10_000);
        assert!(columns(&l, &fold(&long)).is_empty());
        let long_line = line(&[&"日 ".repeat(10_000)]);
        assert_eq!(columns(&long_line, "日").len(), 10_000);
        assert!(columns(&Line::default(), "a").is_empty());
    }

    #[test]
    fn visible_ranges_follow_sideways_scrolling() {
        let hits = [(2, 6), (10, 14), (30, 34)];
        // Shifted by 4: the first is half gone, the last is past the width.
        assert_eq!(visible(&hits, 4, 20), vec![(0, 2), (6, 4)]);
        assert_eq!(visible(&hits, 0, 12), vec![(2, 4), (10, 2)]);
        assert!(visible(&hits, 40, 20).is_empty());
    }
}
