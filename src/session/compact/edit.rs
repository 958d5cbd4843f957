//! Editing a compact screen in place, for a pure scroll (`frames::glide`): moving the
//! codes of the rows the terminal moves, storing the few cells drawn, reading cells
//! back. Narrow codes only (nearly every screen); a wide screen is never edited.

use std::ops::Range;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;

use super::{CHAR_BITS, COMPLEX, Codes, Compact, NARROW_COMPLEX};
use crate::session::scroll;

impl Compact {
    /// The codes, when they are narrow (two bytes a cell): equal plain codes are equal
    /// cells; a code with `NARROW_COMPLEX` set is a side cell.
    pub fn narrow_codes(&self) -> Option<&[u16]> {
        match &self.codes {
            Codes::Narrow { codes, .. } => Some(codes),
            Codes::Wide(_) => None,
        }
    }

    /// Whether a narrow code is a side cell (wide, several code points, skipped).
    pub fn is_side(code: u16) -> bool {
        code & NARROW_COMPLEX != 0
    }

    /// The cell of a narrow code.
    pub fn narrow_cell(&self, code: u16) -> Cell {
        let Codes::Narrow { chars, .. } = &self.codes else {
            return Cell::EMPTY;
        };
        let wide = if code & NARROW_COMPLEX != 0 {
            u32::from(code & !NARROW_COMPLEX) | COMPLEX << CHAR_BITS
        } else {
            let ch = chars.get(usize::from(code >> 7)).copied().unwrap_or(32);
            ch | u32::from(code & 0x7f) << CHAR_BITS
        };
        self.cell(wide)
    }

    /// Row `y` of `rows` takes the codes row `y + by` had in columns `cols` (each source
    /// read before it is written over). `false`, nothing moved, when they don't fit.
    pub fn move_codes(&mut self, rows: Range<u16>, cols: Range<u16>, by: i32) -> bool {
        let a = self.area;
        let Codes::Narrow { codes, .. } = &mut self.codes else {
            return false;
        };
        move_rows(codes, a.width, a.height, rows, cols, by)
    }

    /// Store the cells of `rect` from `buf` (of this screen's area). `false` when a
    /// table is full or the codes are not narrow: then the cells are not all stored,
    /// and the screen must be stored whole (or cleared) before it is read.
    pub fn store_rect(&mut self, buf: &Buffer, rect: Rect) -> bool {
        if buf.area != self.area || rect.intersection(self.area) != rect {
            return false;
        }
        let mut codes = std::mem::take(&mut self.codes);
        let done = match &mut codes {
            Codes::Narrow { codes, chars } => {
                let w = usize::from(self.area.width);
                let mut ascii = [0u16; 128];
                for (i, c) in chars.iter().enumerate().rev() {
                    if let Some(slot) = ascii.get_mut(*c as usize) {
                        *slot = i as u16 + 1;
                    }
                }
                let mut last = None;
                let mut recent = (0, 0);
                let mut ok = codes.len() == buf.content.len();
                'rows: for y in rect.top()..rect.bottom() {
                    if !ok {
                        break;
                    }
                    for x in rect.left()..rect.right() {
                        let i = usize::from(y) * w + usize::from(x);
                        let Some(c) = buf.content.get(i) else {
                            ok = false;
                            break 'rows;
                        };
                        match self.encode(
                            c,
                            scroll::key(c),
                            &mut last,
                            &mut ascii,
                            chars,
                            &mut recent,
                        ) {
                            Some(code) => codes[i] = code,
                            None => {
                                ok = false;
                                break 'rows;
                            }
                        }
                    }
                }
                ok
            }
            Codes::Wide(_) => false,
        };
        self.codes = codes;
        done
    }

    /// Whether the side list holds many cells no longer on screen (edits only add to
    /// it; a whole store starts it afresh).
    pub fn stale_sides(&self) -> bool {
        if self.complex.len() <= 64 {
            return false;
        }
        let live = self
            .narrow_codes()
            .map_or(0, |c| c.iter().filter(|c| Self::is_side(**c)).count());
        self.complex.len() > 2 * live + 64
    }

    /// Drop the side cells no longer on screen, renumbering the codes of the others.
    pub fn compact_sides(&mut self) {
        let Codes::Narrow { codes, .. } = &mut self.codes else {
            return;
        };
        let mut place = vec![u16::MAX; self.complex.len()];
        let mut live: Vec<Cell> = Vec::new();
        for code in codes.iter_mut().filter(|c| **c & NARROW_COMPLEX != 0) {
            let i = usize::from(*code & !NARROW_COMPLEX);
            let (Some(p), Some(cell)) = (place.get_mut(i), self.complex.get_mut(i)) else {
                continue;
            };
            if *p == u16::MAX {
                *p = live.len() as u16;
                live.push(std::mem::take(cell));
            }
            *code = NARROW_COMPLEX | *p;
        }
        self.complex = live;
    }

    /// The narrow code of a blank cell (what a terminal shows on a line scrolled in),
    /// if the tables have its character and style.
    pub fn blank_code(&self) -> Option<u16> {
        let Codes::Narrow { chars, .. } = &self.codes else {
            return None;
        };
        let ci = chars.iter().position(|c| *c == u32::from(' '))?;
        let si = self
            .styles
            .iter()
            .position(|s| *s == super::style_of(&Cell::EMPTY))?;
        (ci < 256 && si < 128).then(|| (ci as u16) << 7 | si as u16)
    }
}

/// Row `y` of `rows` takes the codes row `y + by` had in columns `cols` of a
/// `width` × `height` screen of codes (each source read before it is written over).
/// `false`, nothing moved, when they don't fit.
pub(super) fn move_rows(
    codes: &mut [u16],
    width: u16,
    height: u16,
    rows: Range<u16>,
    cols: Range<u16>,
    by: i32,
) -> bool {
    let (w, h) = (usize::from(width), i64::from(height));
    let (x0, x1) = (usize::from(cols.start), usize::from(cols.end));
    let (y0, y1, by) = (i64::from(rows.start), i64::from(rows.end), i64::from(by));
    if codes.len() != w * h as usize
        || x0 > x1
        || x1 > w
        || y0 > y1
        || y1 > h
        || y0 + by < 0
        || y1 + by > h
    {
        return false;
    }
    let mut move_row = |y: i64| {
        let (src, dst) = (((y + by) as usize) * w + x0, y as usize * w + x0);
        codes.copy_within(src..src + (x1 - x0), dst);
    };
    if by > 0 {
        (y0..y1).for_each(&mut move_row);
    } else if by < 0 {
        (y0..y1).rev().for_each(&mut move_row);
    }
    true
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Style};

    use super::*;

    /// A screen with wide and composed characters (side cells) on every row.
    fn frame(area: Rect, first: usize) -> Buffer {
        let mut buf = Buffer::empty(area);
        for y in 0..area.height {
            let n = first + usize::from(y);
            let line = format!("{n} 日本 e\u{301} ─ {}", "x".repeat(n % 5));
            buf.set_string(1, y, line, Style::new().fg(Color::Rgb(9, 9, (n % 7) as u8)));
        }
        buf
    }

    /// Moving codes and storing a few rows over and over, then dropping the side cells
    /// no longer shown, is storing each frame whole.
    #[test]
    fn edits_in_place_are_stores_of_the_whole_frame() {
        let area = Rect::new(0, 0, 30, 8);
        let mut shown = Compact::default();
        shown.store(&frame(area, 0));
        for first in 1..40 {
            let next = frame(area, first);
            // Rows 0..7 show what rows 1..8 showed; the last row is drawn.
            assert!(shown.move_codes(0..7, 0..30, 1));
            assert!(shown.store_rect(&next, Rect::new(0, 7, 30, 1)));
            if shown.stale_sides() {
                shown.compact_sides();
            }
            let mut back = Buffer::default();
            shown.load(&mut back);
            assert!(back == next, "frame {first}");
        }
        // The side list was compacted along the way (each new row adds side cells).
        assert!(shown.complex.len() <= 2 * 8 * 3 + 64);
    }
}
