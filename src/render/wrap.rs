//! Greedy word wrapping of styled pieces by display width (`width::grapheme_width`).
//!
//! Whitespace runs collapse to one space and never start a line; a word longer than
//! the width is broken between graphemes (`wrap_marked` says which rows end inside
//! such a word, so a search hit across the break is still one hit); a single grapheme
//! wider than the width is replaced by `…` so no row is ever wider than asked.

use ratatui::style::Style;
use unicode_segmentation::UnicodeSegmentation;

use super::inline::Piece;
use super::width::{for_each_grapheme, grapheme_width};

/// One wrapped row: pieces whose total width is at most the wrap width.
pub(crate) type Row = Vec<Piece>;

/// A grapheme of the input: which piece it came from, and where.
#[derive(Clone, Copy)]
struct G {
    piece: usize,
    start: usize,
    end: usize,
    width: usize,
}

enum Token {
    Word(Vec<G>),
    Space(usize),
    Break,
}

fn tokens(pieces: &[Piece]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word: Vec<G> = Vec::new();
    for (pi, p) in pieces.iter().enumerate() {
        if p.is_break() {
            if !word.is_empty() {
                out.push(Token::Word(std::mem::take(&mut word)));
            }
            out.push(Token::Break);
            continue;
        }
        for_each_grapheme(&p.text, |i, g, width| {
            if g.chars().all(char::is_whitespace) {
                if !word.is_empty() {
                    out.push(Token::Word(std::mem::take(&mut word)));
                }
                if !matches!(out.last(), Some(Token::Space(_))) {
                    out.push(Token::Space(pi));
                }
            } else {
                word.push(G {
                    piece: pi,
                    start: i,
                    end: i + g.len(),
                    width,
                });
            }
        });
    }
    if !word.is_empty() {
        out.push(Token::Word(word));
    }
    out
}

struct Rows<'a> {
    pieces: &'a [Piece],
    width: usize,
    /// Width of every row after the first (a hanging indent makes it narrower).
    rest_width: usize,
    rows: Vec<Row>,
    /// Indices of rows that end inside a word broken across rows.
    broken: Vec<usize>,
    cur: Row,
    cur_w: usize,
}

impl<'a> Rows<'a> {
    fn push_str(&mut self, text: &str, style: Style, link: Option<usize>, w: usize) {
        match self.cur.last_mut() {
            Some(last) if last.style == style && last.link == link && !last.is_break() => {
                last.text.push_str(text)
            }
            _ => self.cur.push(Piece {
                text: text.to_string(),
                style,
                link,
            }),
        }
        self.cur_w += w;
    }

    fn push_g(&mut self, g: G) {
        let p = &self.pieces[g.piece];
        if g.width > self.width {
            // Wider than the whole row (an emoji at width 1): a stand-in that fits.
            self.push_str("…", p.style, p.link, 1);
        } else {
            let text = &p.text[g.start..g.end];
            self.push_str(text, p.style, p.link, g.width);
        }
    }

    fn newline(&mut self) {
        self.rows.push(std::mem::take(&mut self.cur));
        self.cur_w = 0;
        self.width = self.rest_width;
    }

    fn push_broken(&mut self, word: &[G]) {
        for (i, &g) in word.iter().enumerate() {
            let w = g.width.min(self.width);
            if self.cur_w + w > self.width && self.cur_w > 0 {
                if i > 0 {
                    self.broken.push(self.rows.len());
                }
                self.newline();
            }
            self.push_g(g);
        }
    }
}

/// Wrap `pieces` to rows of at most `width` columns (`width` ≥ 1).
pub(crate) fn wrap(pieces: &[Piece], width: usize) -> Vec<Row> {
    wrap_hanging(pieces, width, 0)
}

/// Wrap with rows after the first indented by `indent` spaces (when the width allows).
pub(crate) fn wrap_hanging(pieces: &[Piece], width: usize, indent: usize) -> Vec<Row> {
    wrap_marked(pieces, width, indent)
        .into_iter()
        .map(|(row, _)| row)
        .collect()
}

/// `wrap_hanging`, each row with whether it ends inside a word that goes on at the
/// start of the next row (a word longer than the width, broken between graphemes).
pub(crate) fn wrap_marked(pieces: &[Piece], width: usize, indent: usize) -> Vec<(Row, bool)> {
    let width = width.max(1);
    let indent = if width >= indent + 10 { indent } else { 0 };
    let mut r = Rows {
        pieces,
        width,
        rest_width: width - indent,
        rows: Vec::new(),
        broken: Vec::new(),
        cur: Vec::new(),
        cur_w: 0,
    };
    let mut space: Option<usize> = None;
    for tok in tokens(pieces) {
        match tok {
            Token::Break => {
                r.newline();
                space = None;
            }
            Token::Space(pi) => space = Some(pi),
            Token::Word(word) => {
                let ww: usize = word.iter().map(|g| g.width).sum();
                let sp = usize::from(space.is_some() && r.cur_w > 0);
                let width = r.width;
                if r.cur_w + sp + ww <= width {
                    if sp == 1
                        && let Some(pi) = space
                    {
                        let p = &pieces[pi];
                        r.push_str(" ", p.style, p.link, 1);
                    }
                    for &g in &word {
                        r.push_g(g);
                    }
                } else if ww <= r.rest_width {
                    r.newline();
                    for &g in &word {
                        r.push_g(g);
                    }
                } else {
                    // Longer than a whole row: start it here if a useful part fits.
                    if r.cur_w > 0 && r.cur_w + sp + 6 <= width {
                        if let Some(pi) = space {
                            let p = &pieces[pi];
                            r.push_str(" ", p.style, p.link, 1);
                        }
                    } else if r.cur_w > 0 {
                        r.newline();
                    }
                    r.push_broken(&word);
                }
                space = None;
            }
        }
    }
    if !r.cur.is_empty() || r.rows.is_empty() {
        r.newline();
    }
    if indent > 0 {
        for row in r.rows.iter_mut().skip(1) {
            row.insert(0, Piece::new(" ".repeat(indent), Style::default()));
        }
    }
    let broken = r.broken;
    r.rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| (row, broken.binary_search(&i).is_ok()))
        .collect()
}

/// Total display width of a row.
pub(crate) fn row_width(row: &[Piece]) -> usize {
    row.iter().map(|p| super::width::str_width(&p.text)).sum()
}

/// The first `width` columns of a row. When the row is wider, its last kept column is
/// replaced by `marker` (drawn in `marker_style`), so a cut is visible.
pub(crate) fn clip(row: &[Piece], width: usize, marker: &str, marker_style: Style) -> Row {
    if row_width(row) <= width {
        return row.to_vec();
    }
    let mut out: Row = Vec::new();
    if width == 0 {
        return out;
    }
    let keep = width - 1;
    let mut used = 0;
    'outer: for p in row {
        let mut text = String::new();
        for g in p.text.graphemes(true) {
            let w = grapheme_width(g);
            if used + w > keep {
                if !text.is_empty() {
                    out.push(Piece {
                        text,
                        style: p.style,
                        link: p.link,
                    });
                }
                break 'outer;
            }
            used += w;
            text.push_str(g);
        }
        if !text.is_empty() {
            out.push(Piece {
                text,
                style: p.style,
                link: p.link,
            });
        }
    }
    if used < keep {
        out.push(Piece::new(" ".repeat(keep - used), marker_style));
    }
    out.push(Piece::new(marker, marker_style));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn wraps_at_word_boundaries_and_collapses_spaces() {
        let rows = wrap(&[Piece::new("the  quick brown fox", Style::default())], 10);
        assert_eq!(plain(&rows), ["the quick", "brown fox"]);
    }

    #[test]
    fn breaks_words_longer_than_the_width() {
        let rows = wrap(&[Piece::new("abcdefghij", Style::default())], 4);
        assert_eq!(plain(&rows), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn rows_ending_inside_a_broken_word_are_marked() {
        let rows = wrap_marked(
            &[Piece::new("ab cdefghijklmnopqrs tu", Style::default())],
            9,
            0,
        );
        let got: Vec<(String, bool)> = rows
            .iter()
            .map(|(r, b)| (plain(std::slice::from_ref(r))[0].clone(), *b))
            .collect();
        // The long word starts beside "ab" and goes on twice.
        let want = [("ab cdefgh", true), ("ijklmnopq", true), ("rs tu", false)];
        let want: Vec<(String, bool)> = want.iter().map(|(s, b)| (s.to_string(), *b)).collect();
        assert_eq!(got, want);
        // A word that fits is never marked, even when it fills the row.
        let rows = wrap_marked(&[Piece::new("abcde fgh", Style::default())], 5, 0);
        assert!(rows.iter().all(|(_, b)| !b));
    }

    #[test]
    fn wide_graphemes_never_overflow() {
        let rows = wrap(&[Piece::new("🗺️🗺️🗺️ 日本語", Style::default())], 3);
        for r in &rows {
            assert!(row_width(r) <= 3, "{:?}", plain(&rows));
        }
        let rows = wrap(&[Piece::new("🗺️", Style::default())], 1);
        assert_eq!(plain(&rows), ["…"]);
    }

    #[test]
    fn hard_breaks_start_new_rows() {
        let rows = wrap(
            &[
                Piece::new("a", Style::default()),
                Piece::hard_break(),
                Piece::new("b", Style::default()),
            ],
            10,
        );
        assert_eq!(plain(&rows), ["a", "b"]);
    }

    #[test]
    fn hanging_rows_are_indented_and_still_fit() {
        let rows = wrap_hanging(
            &[Piece::new("aaaa bbbb cccc dddd eeee", Style::default())],
            12,
            2,
        );
        assert_eq!(plain(&rows), ["aaaa bbbb", "  cccc dddd", "  eeee"]);
        for r in &rows {
            assert!(row_width(r) <= 12);
        }
    }

    #[test]
    fn clip_marks_the_cut() {
        let row = vec![Piece::new("hello world", Style::default())];
        assert_eq!(plain(&[clip(&row, 6, "→", Style::default())]), ["hello→"]);
        let row = vec![Piece::new("日本語", Style::default())];
        assert_eq!(plain(&[clip(&row, 4, "→", Style::default())]), ["日 →"]);
    }
}
