//! Scroll regions: when a band of rows of the new frame is the last frame's band moved
//! up or down by a few lines, the terminal moves it (`DECSTBM` + line feeds or reverse
//! indexes) and the diff paints only the rows that came into view and whatever else
//! changed.
//!
//! Generic, not reader-specific: `plan` compares rows of the previous buffer with rows
//! of the new one and picks the band and the distance that save the most cells. A
//! terminal scroll moves whole lines, so the cost of the columns that did *not* move
//! with the band (a table of contents beside scrolled text) counts against it: those
//! cells are simply repainted by the diff that follows. `apply` moves the previous
//! buffer's rows exactly as the terminal moves its lines (the lines scrolled in are
//! blank, default colours), so the diff against it stays exact whatever `plan` chose.

use std::io::{self, Write};

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::Color;

/// A band of rows `top..bottom` (0-based, bottom exclusive) whose content moves `by`
/// lines: up when positive (row `y` now shows what row `y + by` showed), down when
/// negative. The rows uncovered at the band's other edge are blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub top: u16,
    pub bottom: u16,
    pub by: i16,
}

/// Columns compared as one piece when looking for the distance rows moved.
const SEGMENT: usize = 16;
/// What the scroll sequences cost, in cells (about one byte each): `ESC[t;br`,
/// a cursor move, the line feeds, `ESC[r`.
const OVERHEAD: i64 = 16;

/// Scratch space kept between frames (no allocation per frame once warm), and the
/// fingerprints of the frame on screen.
#[derive(Debug, Default)]
pub struct Planner {
    /// One fingerprint per cell of the frame on screen (empty: not known), and of the
    /// frame being planned. All comparisons below are of these, not of cells.
    shown: Vec<u64>,
    next: Vec<u64>,
    /// The same per row segment (`SEGMENT` cells), for finding the distance.
    shown_seg: Vec<u64>,
    next_seg: Vec<u64>,
    /// Per row and segment: unchanged from the previous frame.
    same: Vec<bool>,
    /// Per row: cells that differ without a shift, with the shift, from a blank row.
    plain: Vec<i64>,
    shifted: Vec<i64>,
    blank: Vec<i64>,
    /// Prefix sums of what rows save shifted, and blank.
    gain_shift: Vec<i64>,
    gain_blank: Vec<i64>,
}

/// A colour as 25 bits: a tag and its value.
fn color_bits(c: Color) -> u64 {
    match c {
        Color::Reset => 0,
        Color::Black => 1,
        Color::Red => 2,
        Color::Green => 3,
        Color::Yellow => 4,
        Color::Blue => 5,
        Color::Magenta => 6,
        Color::Cyan => 7,
        Color::Gray => 8,
        Color::DarkGray => 9,
        Color::LightRed => 10,
        Color::LightGreen => 11,
        Color::LightYellow => 12,
        Color::LightBlue => 13,
        Color::LightMagenta => 14,
        Color::LightCyan => 15,
        Color::White => 16,
        Color::Indexed(i) => 0x100 | u64::from(i),
        Color::Rgb(r, g, b) => 0x100_0000 | u64::from(r) << 16 | u64::from(g) << 8 | u64::from(b),
    }
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// A 64-bit fingerprint of a cell: equal cells have equal fingerprints; different
/// cells almost never do (and if they did, a plan would only be a little worse: the
/// diff after it compares the cells themselves).
fn fingerprint(c: &Cell) -> u64 {
    let s = c.symbol().as_bytes();
    let sym = if s.len() <= 8 {
        // Nearly every symbol: its bytes as they are.
        let mut v = s.len() as u64;
        for (i, b) in s.iter().enumerate() {
            v ^= u64::from(*b) << (8 * i + 3);
        }
        v
    } else {
        let mut v = s.len() as u64;
        for b in s {
            v = (v.rotate_left(8) ^ u64::from(*b)).wrapping_mul(MIX);
        }
        v
    };
    let style = color_bits(c.fg)
        ^ color_bits(c.bg).rotate_left(25)
        ^ color_bits(c.underline_color).rotate_left(50)
        ^ u64::from(c.modifier.bits()).rotate_left(40);
    let option = match c.diff_option {
        ratatui::buffer::CellDiffOption::None => 0,
        ratatui::buffer::CellDiffOption::Skip => 1,
        ratatui::buffer::CellDiffOption::AlwaysUpdate => 2,
        ratatui::buffer::CellDiffOption::ForcedWidth(w) => 3 + u64::from(w.get()),
    };
    (sym ^ style.wrapping_mul(MIX).rotate_left(17) ^ option.rotate_left(7)).wrapping_mul(MIX)
}

fn fingerprints(buf: &Buffer, out: &mut Vec<u64>, seg: &mut Vec<u64>) {
    out.clear();
    out.extend(buf.content.iter().map(fingerprint));
    seg.clear();
    let w = buf.area.width as usize;
    if w == 0 {
        return;
    }
    for row in out.chunks(w) {
        for s in row.chunks(SEGMENT) {
            seg.push(
                s.iter()
                    .fold(0u64, |h, f| (h.rotate_left(11) ^ f).wrapping_mul(MIX)),
            );
        }
    }
}

/// Cells of `a` and `b` (equal length) that differ.
fn differing(a: &[u64], b: &[u64]) -> i64 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as i64
}

impl Planner {
    /// The frame on screen is not the last one planned (cleared, resized).
    pub fn forget(&mut self) {
        self.shown.clear();
        self.shown_seg.clear();
    }

    /// `next` is sent without a plan (in full, on a cleared screen).
    pub fn remember(&mut self, next: &Buffer) {
        fingerprints(next, &mut self.shown, &mut self.shown_seg);
    }

    /// The shift that makes the frame `next` cheapest to send over a terminal showing
    /// `prev`, if any saves more than it costs. Buffers of different sizes: `None`.
    ///
    /// The caller then sends the diff, so `next` becomes the frame on screen.
    pub fn plan(&mut self, prev: &Buffer, next: &Buffer) -> Option<Shift> {
        fingerprints(next, &mut self.next, &mut self.next_seg);
        if self.shown.len() != prev.content.len() {
            fingerprints(prev, &mut self.shown, &mut self.shown_seg);
        }
        let shift = self.choose(prev, next);
        std::mem::swap(&mut self.shown, &mut self.next);
        std::mem::swap(&mut self.shown_seg, &mut self.next_seg);
        shift
    }

    fn choose(&mut self, prev: &Buffer, next: &Buffer) -> Option<Shift> {
        if prev.area != next.area {
            return None;
        }
        let w = prev.area.width as usize;
        let h = prev.area.height as usize;
        if w == 0 || h < 3 || self.shown.len() != w * h || self.next.len() != w * h {
            return None;
        }
        let segs = w.div_ceil(SEGMENT);
        if self.shown_seg.len() != segs * h || self.next_seg.len() != segs * h {
            return None;
        }
        let (p, n) = (&self.shown, &self.next);
        let (ps, ns) = (&self.shown_seg, &self.next_seg);

        // Which segments changed at all.
        self.same.clear();
        self.same.extend(ps.iter().zip(ns).map(|(a, b)| a == b));
        let changed = self.same.iter().filter(|s| !**s).count();
        if changed < 2 {
            return None;
        }

        // The distance that explains the most changed segments (the nearest on a tie;
        // a near one that explains more than half of them is taken without looking
        // farther).
        let max = (h / 2).max(1);
        let mut best: Option<(i16, usize)> = None;
        for k in 1..max {
            for by in [k as isize, -(k as isize)] {
                let mut score = 0;
                for y in 0..h {
                    let src = y as isize + by;
                    if src < 0 || src >= h as isize {
                        continue;
                    }
                    let src = src as usize;
                    for s in 0..segs {
                        if !self.same[y * segs + s] && ns[y * segs + s] == ps[src * segs + s] {
                            score += 1;
                        }
                    }
                }
                if score > best.map_or(1, |b| b.1) {
                    best = Some((by as i16, score));
                }
            }
            if best.is_some_and(|b| b.1 * 2 > changed) {
                break;
            }
        }
        let (by, _) = best?;

        // Exact costs per row for that distance.
        let blank_fp = fingerprint(&Cell::EMPTY);
        self.plain.clear();
        self.shifted.clear();
        self.blank.clear();
        for y in 0..h {
            let row = &n[y * w..(y + 1) * w];
            let unchanged = self.same[y * segs..(y + 1) * segs].iter().all(|s| *s);
            self.plain.push(if unchanged {
                0
            } else {
                differing(row, &p[y * w..(y + 1) * w])
            });
            let src = y as isize + by as isize;
            self.shifted.push(if (0..h as isize).contains(&src) {
                let src = src as usize;
                differing(row, &p[src * w..(src + 1) * w])
            } else {
                // Never part of a band's shifted rows (its source is off screen).
                0
            });
            self.blank
                .push(row.iter().filter(|c| **c != blank_fp).count() as i64);
        }

        // The band with the largest saving, from prefix sums of what each row saves
        // when it is shifted, and when it is one of the blank rows scrolled in.
        let k = by.unsigned_abs() as usize;
        self.gain_shift.clear();
        self.gain_blank.clear();
        self.gain_shift.push(0);
        self.gain_blank.push(0);
        for y in 0..h {
            let (s, b) = (self.gain_shift[y], self.gain_blank[y]);
            self.gain_shift.push(s + self.plain[y] - self.shifted[y]);
            self.gain_blank.push(b + self.plain[y] - self.blank[y]);
        }
        let (ps, pb) = (&self.gain_shift, &self.gain_blank);
        let mut choice: Option<(i64, usize, usize)> = None;
        for top in 0..h {
            for bottom in (top + k + 1).max(top + 2)..=h {
                let saving = if by > 0 {
                    // top..bottom-k shifted, bottom-k..bottom blank.
                    (ps[bottom - k] - ps[top]) + (pb[bottom] - pb[bottom - k])
                } else {
                    // top..top+k blank, top+k..bottom shifted.
                    (pb[top + k] - pb[top]) + (ps[bottom] - ps[top + k])
                };
                if saving > OVERHEAD && choice.is_none_or(|c| saving > c.0) {
                    choice = Some((saving, top, bottom));
                }
            }
        }
        let (_, top, bottom) = choice?;
        Some(Shift {
            top: top as u16,
            bottom: bottom as u16,
            by,
        })
    }
}

/// Move `buf`'s rows as the terminal moves its lines for `shift`.
pub fn apply(buf: &mut Buffer, shift: Shift) {
    let w = buf.area.width as usize;
    let (top, bottom) = (shift.top as usize, shift.bottom as usize);
    let k = shift.by.unsigned_abs() as usize;
    if k == 0 || bottom > buf.area.height as usize || top + k >= bottom {
        return;
    }
    let Some(band) = buf.content.get_mut(top * w..bottom * w) else {
        return;
    };
    if shift.by > 0 {
        band.rotate_left(k * w);
        let len = band.len();
        band[len - k * w..].iter_mut().for_each(Cell::reset);
    } else {
        band.rotate_right(k * w);
        band[..k * w].iter_mut().for_each(Cell::reset);
    }
}

/// The escape sequences that make the terminal do `shift`: set the scroll region, line
/// feeds at its bottom (or reverse indexes at its top), then reset the region. Both
/// `DECSTBM`s send the cursor home; the diff written next starts with a cursor move.
pub fn write(out: &mut impl Write, shift: Shift) -> io::Result<()> {
    let (top, bottom) = (shift.top + 1, shift.bottom);
    write!(out, "\x1b[{top};{bottom}r")?;
    let k = shift.by.unsigned_abs() as usize;
    if shift.by > 0 {
        write!(out, "\x1b[{bottom}H")?;
        out.write_all(&b"\n".repeat(k))?;
    } else {
        write!(out, "\x1b[{top}H")?;
        out.write_all(&b"\x1bM".repeat(k))?;
    }
    out.write_all(b"\x1b[r")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn lines(rows: &[&str], width: u16) -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, width, rows.len() as u16));
        for (y, r) in rows.iter().enumerate() {
            b.set_string(0, y as u16, r, Style::default().fg(Color::Indexed(7)));
        }
        b
    }

    #[test]
    fn a_band_scrolled_by_one_line_is_found_and_applied() {
        // Lines that differ in every cell (a one-digit change is cheaper to repaint).
        let text: Vec<String> = (0..30u8)
            .map(|i| {
                char::from(b'A' + i)
                    .to_string()
                    .repeat(20 + usize::from(i % 7))
            })
            .collect();
        let frame = |from: usize| {
            let mut rows = vec!["header".to_string()];
            rows.extend(text[from..from + 8].iter().cloned());
            rows.push(format!("footer {from}"));
            rows
        };
        let a = frame(3);
        let b = frame(4);
        let prev = lines(&a.iter().map(String::as_str).collect::<Vec<_>>(), 40);
        let next = lines(&b.iter().map(String::as_str).collect::<Vec<_>>(), 40);
        let shift = Planner::default().plan(&prev, &next).unwrap();
        assert_eq!(shift.by, 1);
        assert_eq!((shift.top, shift.bottom), (1, 9));
        let mut moved = prev.clone();
        apply(&mut moved, shift);
        // Only the new last line and the footer differ now.
        let rows: std::collections::BTreeSet<u16> =
            moved.diff(&next).iter().map(|(_, y, _)| *y).collect();
        assert_eq!(rows.into_iter().collect::<Vec<_>>(), vec![8, 9]);

        let back = Planner::default().plan(&next, &prev).unwrap();
        assert_eq!(back.by, -1);
        assert_eq!((back.top, back.bottom), (1, 9));
    }

    #[test]
    fn nothing_moved_means_no_shift() {
        let a = lines(&["one", "two", "three", "four"], 10);
        assert_eq!(Planner::default().plan(&a, &a), None);
        let b = lines(&["one", "two", "thre3", "four"], 10);
        assert_eq!(Planner::default().plan(&a, &b), None);
    }

    #[test]
    fn sequences_for_both_directions() {
        let mut out = Vec::new();
        write(
            &mut out,
            Shift {
                top: 4,
                bottom: 39,
                by: 2,
            },
        )
        .unwrap();
        assert_eq!(out, b"\x1b[5;39r\x1b[39H\n\n\x1b[r");
        out.clear();
        write(
            &mut out,
            Shift {
                top: 4,
                bottom: 39,
                by: -1,
            },
        )
        .unwrap();
        assert_eq!(out, b"\x1b[5;39r\x1b[5H\x1bM\x1b[r");
    }
}
