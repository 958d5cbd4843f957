//! A pure scroll's frame: when a frame differs from the last only by where the reader
//! is scrolled (`App::reader_moved`: same layout, page, width, theme, depth; nothing
//! else changed), it is worked out from what changed, on the compact screen alone. The
//! terminal moves the text's rows (`DECSTBM` + line feeds; the cells beside the text
//! that moved with them are put back by the diff), their codes move in the compact
//! screen the same way, the app draws only the rest
//! (`App::render_moved`: the rows that came into view, the rule's position, the
//! scrollbar, the contents' highlight when it changed) and those cells alone are
//! stored and diffed. Nothing else is redrawn, keyed, diffed or stored, and there is
//! no shift search: the reader says how far it moved.
//!
//! What later frames depend on stays exact: the compact screen is the new frame's
//! (so is the next ordinary frame's diff), the app's clickable regions and links are a
//! full render's, the backend's links moved with the terminal's lines; the worker's
//! scratch no longer holds this screen's frame (its stamp moved on), so the next
//! ordinary frame loads it from the compact screen and keys it afresh.

use std::io;
use std::ops::Range;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;

use super::Frames;
use crate::session::compact::Compact;
use crate::session::osc8;
use crate::session::scratch::Scratch;
use crate::session::scroll::{self, Shift};
use crate::tui::App;

/// A terminal scroll is used when it keeps at least this many rows.
const MIN_KEPT: i64 = 2;

/// Draw `app`'s frame as a pure scroll of the last one. `None` when it is not one (or
/// cannot be done so): nothing was written, the caller draws it the ordinary way.
pub(super) fn draw(
    f: &mut Frames,
    s: &mut Scratch,
    app: &App,
    links: &osc8::Links,
) -> Option<io::Result<()>> {
    let memo = f.memo.take()?;
    let area = f.shown.area();
    let (mv, next_memo) = app.reader_moved(&memo, area)?;
    let text = mv.text;
    // A jump of more than half the text (a page, the top, the end) keeps few rows: the
    // ordinary frame's search finds what it can keep, if anything.
    if i64::from(mv.by).abs() * 2 > i64::from(text.height) {
        return None;
    }
    let (w, h) = (usize::from(area.width), usize::from(area.height));
    let fits = area.x == 0
        && area.y == 0
        && text.right() <= area.right()
        && text.bottom() <= area.bottom()
        && !text.is_empty()
        && f.shown.narrow_codes().is_some_and(|c| c.len() == w * h);
    if !fits {
        return None;
    }
    // What the guest's screen shows now, before any edit.
    s.old_codes.clear();
    s.old_codes.extend_from_slice(f.shown.narrow_codes()?);
    let old = &s.old_codes;
    let (shift, kept) = plan(text, mv.by);
    if s.next.area != area {
        s.next = Buffer::empty(area);
    }
    let drawn = app.render_moved(&memo, area, kept.clone(), &mut s.next)?;
    // The new frame, in the compact screen: the kept rows' text moved, the rest drawn.
    let cols = text.x..text.right();
    let stored = (kept.is_empty() || mv.by == 0 || f.shown.move_codes(kept.clone(), cols, mv.by))
        && drawn.iter().all(|r| f.shown.store_rect(&s.next, *r));
    if !stored {
        // The compact screen is half edited: forget it; the ordinary frame repaints.
        f.clear(area);
        return None;
    }
    let new = f.shown.narrow_codes()?;
    let blank = f.shown.blank_code();
    // Row `y` of what the terminal shows after the scroll (`None`: a blank line), and
    // of the new frame.
    let before = |y: u16| -> Option<&[u16]> {
        let y = match shift {
            Some(sh) if (sh.top..sh.bottom).contains(&y) => {
                let src = i32::from(y) + i32::from(sh.by);
                if !(i32::from(sh.top)..i32::from(sh.bottom)).contains(&src) {
                    return None;
                }
                src as usize
            }
            _ => usize::from(y),
        };
        old.get(y * w..(y + 1) * w)
    };
    let after = |y: u16| {
        new.get(usize::from(y) * w..(usize::from(y) + 1) * w)
            .unwrap_or(&[])
    };
    // The cells that differ from what the terminal shows after the scroll.
    let mut out: Vec<(u16, u16, Cell)> = Vec::new();
    let mut rows = Rows::default();
    for y in 0..area.height {
        let (was, now) = (before(y), after(y));
        if now.len() != w || was.is_some_and(|r| r.len() != w) {
            continue;
        }
        let side = |a: u16, b: u16| {
            let (a, b) = (usize::from(a), usize::from(b).min(w));
            let any = |r: &[u16]| {
                r.get(a..b)
                    .is_some_and(|r| r.iter().any(|c| Compact::is_side(*c)))
            };
            was.is_some_and(any) || any(now)
        };
        spans(
            &mut rows.pieces,
            &mut rows.spans,
            y,
            &drawn,
            text,
            shift,
            &kept,
            area.width,
            side,
        );
        for &(x0, x1) in &rows.spans {
            let (a, b) = (usize::from(x0), usize::from(x1));
            if !side(x0, x1) {
                // Plain cells: equal codes are equal cells, and each is one column.
                for (x, &n) in (x0..x1).zip(&now[a..b]) {
                    match was.map(|r| r[usize::from(x)]) {
                        Some(o) if o == n => {}
                        None if blank == Some(n) => {}
                        Some(_) => out.push((x, y, f.shown.narrow_cell(n))),
                        None => {
                            let cell = f.shown.narrow_cell(n);
                            if cell != Cell::EMPTY {
                                out.push((x, y, cell));
                            }
                        }
                    }
                }
                continue;
            }
            // Wide or composed cells: ratatui's diff of the stretch, as the ordinary
            // frame's.
            let r = Rect::new(x0, y, x1 - x0, 1);
            rows.prev.resize(r);
            rows.next.resize(r);
            for (i, x) in (a..b).enumerate() {
                rows.prev.content[i] = was.map_or(Cell::EMPTY, |r| f.shown.narrow_cell(r[x]));
                rows.next.content[i] = f.shown.narrow_cell(now[x]);
            }
            out.extend(
                rows.prev
                    .diff_iter(&rows.next)
                    .map(|(x, y, c)| (x, y, c.clone())),
            );
        }
    }
    if let Some(sh) = shift {
        // The links written in the band moved with its lines.
        f.backend.scrolled(sh);
    }
    // The frame's links; the cells of those not on the guest's screen yet read from the
    // new frame.
    let backend = &f.backend;
    links.set_by(
        app.links(),
        area,
        |r, u| backend.shows(r, u),
        |x, y| {
            after(y)
                .get(usize::from(x))
                .map(|c| f.shown.narrow_cell(*c))
        },
    );
    let written = (|| {
        if let Some(sh) = shift {
            scroll::write(f.backend.writer_mut(), sh)?;
            crate::metrics::FRAMES_SCROLLED.inc();
        }
        f.backend.draw(out.iter().map(|(x, y, c)| (*x, *y, c)))
    })();
    f.stamp.bump();
    f.text = app.text_rows();
    if f.shown.stale_sides() {
        f.shown.compact_sides();
    }
    f.memo = Some(next_memo);
    #[cfg(test)]
    {
        f.glided += 1;
    }
    Some(written)
}

/// The shift of the text's rows, if the terminal moves them, and the rows of the new
/// frame that show what the old one showed (moved by `by`). The cells beside the
/// text in the band move too; the diff puts back those that should have stayed.
fn plan(text: Rect, by: i32) -> (Option<Shift>, Range<u16>) {
    let band = text.y..text.bottom();
    if by == 0 {
        return (None, band);
    }
    let (len, k) = (i64::from(text.height), i64::from(by).abs());
    match i16::try_from(by) {
        Ok(by16) if len >= k + MIN_KEPT => {
            let kept = if by > 0 {
                band.start..(i64::from(band.end) - k) as u16
            } else {
                (i64::from(band.start) + k) as u16..band.end
            };
            let shift = Shift {
                top: band.start,
                bottom: band.end,
                by: by16,
            };
            (Some(shift), kept)
        }
        _ => (None, text.y..text.y),
    }
}

/// Reused between the rows of a frame.
#[derive(Default)]
struct Rows {
    pieces: Vec<(u16, u16)>,
    spans: Vec<(u16, u16)>,
    prev: Buffer,
    next: Buffer,
}

/// The stretches of row `y` to diff, left to right: the rectangles drawn, a row the
/// scroll brought in (blank on the terminal: all of it), and beside the text on a row
/// it moved (what moved there with the text). A stretch with a wide or composed cell
/// in it or just beside it (`side`) becomes its whole part of the row (left of the
/// text, the text, right of it; the whole row outside the text's rows), so no wide
/// character is ever cut.
#[allow(clippy::too_many_arguments)]
fn spans(
    pieces: &mut Vec<(u16, u16)>,
    out: &mut Vec<(u16, u16)>,
    y: u16,
    drawn: &[Rect],
    text: Rect,
    shift: Option<Shift>,
    kept: &Range<u16>,
    width: u16,
    side: impl Fn(u16, u16) -> bool,
) {
    pieces.clear();
    out.clear();
    pieces.extend(
        drawn
            .iter()
            .filter(|r| (r.top()..r.bottom()).contains(&y))
            .map(|r| (r.left(), r.right())),
    );
    if let Some(sh) = shift
        && (sh.top..sh.bottom).contains(&y)
    {
        if kept.contains(&y) {
            pieces.extend([(0, text.x), (text.right(), width)]);
        } else {
            pieces.push((0, width));
        }
    }
    let in_text = (text.y..text.bottom()).contains(&y);
    pieces.retain(|p| p.0 < p.1);
    for piece in pieces.iter_mut() {
        let (x0, x1) = *piece;
        let (left, right) = (x0.saturating_sub(1), x1.saturating_add(1).min(width));
        if side(left, right) {
            let parts = if in_text {
                [0, text.x, text.right(), width]
            } else {
                [0, 0, 0, width]
            };
            let a = parts.iter().rev().find(|p| **p <= x0).copied().unwrap_or(0);
            let b = parts.iter().find(|p| **p >= x1).copied().unwrap_or(width);
            *piece = (a, b);
        }
    }
    pieces.sort_unstable();
    for &p in pieces.iter() {
        match out.last_mut() {
            Some(m) if p.0 <= m.1 => m.1 = m.1.max(p.1),
            _ => out.push(p),
        }
    }
}
