//! Tables: box-drawn grids with a bold header row and balanced column widths, or a
//! stacked `Header: value` layout when even the narrowest grid cannot fit.

use ratatui::style::Style;

use super::inline::{Piece, flatten};
use super::width::str_width;
use super::wrap::{Row, row_width, wrap, wrap_hanging};
use super::writer::Writer;
use crate::content::doc::{Align, Inline};

/// A column never gets narrower than its longest word (or its natural width, if
/// smaller), counted as at least `MIN_COL` and at most `MAX_MIN_COL` columns: narrower
/// grids break words mid-way and read worse than the stacked layout.
const MIN_COL: usize = 6;
const MAX_MIN_COL: usize = 14;

fn longest_word(pieces: &[Piece]) -> usize {
    super::inline::text_of(pieces)
        .split_whitespace()
        .map(str_width)
        .max()
        .unwrap_or(0)
}

/// Natural width of a cell: its text on one line, spaces collapsed.
fn natural(pieces: &[Piece]) -> usize {
    wrap(pieces, usize::MAX / 4)
        .iter()
        .map(|r| row_width(r))
        .max()
        .unwrap_or(0)
}

/// Column widths for `natural`/`min` within `avail` columns of cell text, or `None`
/// when the minimums do not fit.
pub(crate) fn balance(natural: &[usize], min: &[usize], avail: usize) -> Option<Vec<usize>> {
    if min.iter().sum::<usize>() > avail {
        return None;
    }
    if natural.iter().sum::<usize>() <= avail {
        return Some(natural.to_vec());
    }
    // Shrink the widest columns first: find the largest cap C with
    // Σ max(min, min(natural, C)) ≤ avail, then hand out what is left one by one.
    let at = |c: usize| -> Vec<usize> {
        natural
            .iter()
            .zip(min)
            .map(|(&n, &m)| n.min(c).max(m))
            .collect()
    };
    let (mut lo, mut hi) = (0usize, natural.iter().copied().max().unwrap_or(0));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if at(mid).iter().sum::<usize>() <= avail {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut widths = at(lo);
    let mut left = avail - widths.iter().sum::<usize>();
    for (i, w) in widths.iter_mut().enumerate() {
        if left == 0 {
            break;
        }
        if *w < natural[i] && *w == lo.max(min[i]) {
            *w += 1;
            left -= 1;
        }
    }
    Some(widths)
}

pub(crate) fn table(
    w: &mut Writer<'_>,
    align: &[Align],
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
) {
    let pal = w.pal;
    let ncols = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if ncols == 0 {
        return;
    }
    let base = w.base();
    fn cell(r: &[Vec<Inline>], c: usize) -> &[Inline] {
        r.get(c).map(Vec::as_slice).unwrap_or(&[])
    }
    let head_style = base.patch(pal.table_header);
    let head: Vec<Vec<Piece>> = (0..ncols)
        .map(|c| flatten(cell(header, c), head_style, pal, &mut w.links))
        .collect();
    let body: Vec<Vec<Vec<Piece>>> = rows
        .iter()
        .map(|r| {
            (0..ncols)
                .map(|c| flatten(cell(r, c), base, pal, &mut w.links))
                .collect()
        })
        .collect();
    let mut nat = vec![0usize; ncols];
    let mut word = vec![0usize; ncols];
    for r in std::iter::once(&head).chain(body.iter()) {
        for (c, p) in r.iter().enumerate() {
            nat[c] = nat[c].max(natural(p));
            word[c] = word[c].max(longest_word(p));
        }
    }
    let nat: Vec<usize> = nat.into_iter().map(|n| n.max(1)).collect();
    let min: Vec<usize> = nat
        .iter()
        .zip(&word)
        .map(|(&n, &w)| n.min(w.clamp(MIN_COL, MAX_MIN_COL)))
        .collect();
    let avail = w.avail();
    let overhead = 3 * ncols + 1;
    let widths = avail
        .checked_sub(overhead)
        .and_then(|a| balance(&nat, &min, a));
    match widths {
        Some(widths) => grid(w, align, &head, &body, &widths),
        None => stacked(w, &head, &body),
    }
}

fn border_line(w: &Writer<'_>, widths: &[usize], l: &str, m: &str, r: &str) -> Row {
    let mut s = String::from(l);
    for (i, cw) in widths.iter().enumerate() {
        s.push_str(&"─".repeat(cw + 2));
        s.push_str(if i + 1 == widths.len() { r } else { m });
    }
    vec![Piece::new(s, w.pal.border)]
}

fn grid(
    w: &mut Writer<'_>,
    align: &[Align],
    head: &[Vec<Piece>],
    body: &[Vec<Vec<Piece>>],
    widths: &[usize],
) {
    let wrapped = |r: &[Vec<Piece>]| -> Vec<Vec<Row>> {
        r.iter().zip(widths).map(|(p, &cw)| wrap(p, cw)).collect()
    };
    let head_rows = wrapped(head);
    let body_rows: Vec<Vec<Vec<Row>>> = body.iter().map(|r| wrapped(r)).collect();
    // Wrapping may leave a column's right edge unused: take it back.
    let widths: Vec<usize> = widths
        .iter()
        .enumerate()
        .map(|(c, &cw)| {
            std::iter::once(&head_rows)
                .chain(body_rows.iter())
                .filter_map(|r| r.get(c))
                .flatten()
                .map(|row| row_width(row))
                .max()
                .unwrap_or(cw)
                .clamp(1, cw)
        })
        .collect();
    let widths = widths.as_slice();
    let multi_line = body_rows
        .iter()
        .any(|r| r.iter().any(|cell| cell.len() > 1));
    let top = border_line(w, widths, "┌", "┬", "┐");
    w.emit(top);
    emit_row(w, align, &head_rows, widths);
    let sep = border_line(w, widths, "├", "┼", "┤");
    w.emit(sep.clone());
    for (i, r) in body_rows.iter().enumerate() {
        if i > 0 && multi_line {
            w.emit(border_line(w, widths, "├", "┼", "┤"));
        }
        emit_row(w, align, r, widths);
    }
    let bottom = border_line(w, widths, "└", "┴", "┘");
    w.emit(bottom);
}

fn emit_row(w: &mut Writer<'_>, align: &[Align], cells: &[Vec<Row>], widths: &[usize]) {
    let border = w.pal.border;
    let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for line in 0..height {
        let mut out: Row = vec![Piece::new("│", border)];
        for (c, cw) in widths.iter().enumerate() {
            let content = cells.get(c).and_then(|cell| cell.get(line));
            let used = content.map(|r| row_width(r)).unwrap_or(0);
            let room = cw.saturating_sub(used);
            let (left, right) = match align.get(c).copied().unwrap_or_default() {
                Align::Right => (room, 0),
                Align::Center => (room / 2, room - room / 2),
                Align::Left | Align::None => (0, room),
            };
            out.push(Piece::new(" ".repeat(left + 1), Style::default()));
            if let Some(r) = content {
                out.extend(r.iter().cloned());
            }
            out.push(Piece::new(" ".repeat(right + 1), Style::default()));
            out.push(Piece::new("│", border));
        }
        w.emit(out);
    }
}

/// Each row as a block of `Header: value` lines, rows separated by a rule.
fn stacked(w: &mut Writer<'_>, head: &[Vec<Piece>], body: &[Vec<Vec<Piece>>]) {
    let avail = w.avail();
    let rule = || vec![Piece::new("─".repeat(avail.min(40)), w.pal.border)];
    for (i, r) in body.iter().enumerate() {
        if i > 0 {
            w.emit(rule());
        }
        for (h, v) in head.iter().zip(r) {
            let mut pieces = h.clone();
            if str_width(super::inline::text_of(h).trim()) > 0 {
                pieces.push(Piece::new(": ", w.pal.dim));
            }
            pieces.extend(v.iter().cloned());
            for row in wrap_hanging(&pieces, avail, 2) {
                w.emit(row);
            }
        }
    }
    if body.is_empty() {
        let pieces: Vec<Piece> = head
            .iter()
            .flat_map(|h| {
                let mut v = h.clone();
                v.push(Piece::new(" ", Style::default()));
                v
            })
            .collect();
        for row in wrap(&pieces, avail) {
            w.emit(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_widths_are_kept_when_they_fit() {
        assert_eq!(balance(&[5, 10], &[5, 6], 20), Some(vec![5, 10]));
    }

    #[test]
    fn the_widest_column_shrinks_first() {
        let w = balance(&[10, 80, 20], &[6, 6, 6], 60).unwrap();
        assert_eq!(w.iter().sum::<usize>(), 60);
        assert_eq!(w[0], 10);
        assert!(w[1] >= w[2]);
    }

    #[test]
    fn minimums_that_do_not_fit_give_none() {
        assert_eq!(balance(&[30, 30, 30], &[6, 6, 6], 17), None);
    }
}
