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
//!
//! It also writes the diff itself (`Planner::diff`, ratatui's `Buffer::diff` to the
//! cell): every cell gets a 128-bit key that *is* the cell for the common kind (one
//! character one column wide, no diff option), so rows whose keys match are skipped
//! without comparing a cell, and the previous frame is read through the shift instead
//! of being moved.
//!
//! Over 600 lines: ~640 lines of code (plan, diff and write are one algorithm), the rest its tests.

use std::io::{self, Write};

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::style::{Color, Modifier};

use crate::render::width::one_column;

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
/// keys of the frame on screen.
#[derive(Debug, Default)]
pub struct Planner {
    /// One key per cell of the frame on screen (empty: not known), and of the frame
    /// being planned. All comparisons below are of these, not of cells.
    shown: Vec<Key>,
    next: Vec<Key>,
    /// Per row of the frame being planned: every cell's key is the cell (`plain`).
    next_plain: Vec<bool>,
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
/// diff compares such cells themselves).
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
        CellDiffOption::None => 0,
        CellDiffOption::Skip => 1,
        CellDiffOption::AlwaysUpdate => 2,
        CellDiffOption::ForcedWidth(w) => 3 + u64::from(w.get()),
    };
    #[allow(deprecated)]
    let skip = u64::from(c.skip) << 5;
    (sym ^ style.wrapping_mul(MIX).rotate_left(17) ^ (option | skip).rotate_left(7))
        .wrapping_mul(MIX)
}

/// A cell's key. A *plain* cell (its symbol one character that is one column wide, no
/// diff option, not skipped: nearly every cell) has the cell itself as its key, packed:
/// character, three colours and the modifier; two plain cells are equal exactly when
/// their keys are. Any other cell's key is `COMPLEX` plus its fingerprint: equal cells
/// have equal keys, but equal keys don't prove equal cells.
type Key = u128;
const COMPLEX: Key = 1 << 127;

pub(super) fn key(c: &Cell) -> Key {
    match plain_char(c) {
        Some(ch) => Key::from(ch) | style_bits(c),
        None => COMPLEX | Key::from(fingerprint(c)),
    }
}

/// A plain cell's character (`None`: the cell is not plain).
#[inline]
pub(super) fn plain_char(c: &Cell) -> Option<u32> {
    #[allow(deprecated)]
    if !matches!(c.diff_option, CellDiffOption::None) || c.skip {
        return None;
    }
    let s = c.symbol();
    match s.as_bytes() {
        // One byte is one column (ratatui counts any one-byte symbol so).
        [b] => Some(u32::from(*b)),
        _ => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(ch), None) if one_column(ch) || s.cell_width() == 1 => Some(ch as u32),
                _ => None,
            }
        }
    }
}

/// A plain cell's character and style from its key (`None`: not plain); equal styles
/// have equal style parts.
#[inline]
pub(super) fn plain_parts(k: Key) -> Option<(u32, Key)> {
    (k & COMPLEX == 0).then_some(((k & 0x1F_FFFF) as u32, k >> 21))
}

/// The style part of a plain cell's key.
#[inline]
fn style_bits(c: &Cell) -> Key {
    Key::from(color_bits(c.fg)) << 21
        | Key::from(color_bits(c.bg)) << 46
        | Key::from(color_bits(c.underline_color)) << 71
        | Key::from(c.modifier.bits()) << 96
}

/// Keys of `buf`'s cells, a hash per row segment, and whether each row is all plain.
fn keys(buf: &Buffer, out: &mut Vec<Key>, seg: &mut Vec<u64>, plain: &mut Vec<bool>) {
    out.clear();
    if buf.area.width == 0 {
        seg.clear();
        plain.clear();
        return;
    }
    out.reserve(buf.content.len());
    push_keys(&buf.content, out);
    summarize(buf.area.width as usize, out, seg, plain);
}

/// Append the keys of `cells` to `out` (an exact-size `extend`, no per-cell capacity
/// check).
fn push_keys(cells: &[Cell], out: &mut Vec<Key>) {
    let mut style = (Color::Reset, Color::Reset, Color::Reset, Modifier::empty());
    let mut bits = style_bits(&Cell::EMPTY);
    out.extend(cells.iter().map(|c| match plain_char(c) {
        Some(ch) => {
            // Runs of cells share a style: its bits are worked out once.
            let cell_style = (c.fg, c.bg, c.underline_color, c.modifier);
            if cell_style != style {
                style = cell_style;
                bits = style_bits(c);
            }
            Key::from(ch) | bits
        }
        None => key(c),
    }));
}

/// Cells of a frame that are cells of the frame before it, moved: rows `rows` of
/// columns `cols` show what rows `rows` moved by `by` showed (`by` > 0: what was
/// below). The caller vouches that those cells are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub rows: std::ops::Range<u16>,
    pub cols: std::ops::Range<u16>,
    pub by: i32,
}

/// `keys`, with the keys of the cells `moved` says are the previous frame's (`prev`,
/// its keys) copied from there instead of worked out again. `false` (nothing done) when
/// `moved` does not fit the frame.
fn moved_keys(
    buf: &Buffer,
    prev: &[Key],
    moved: &Moved,
    out: &mut Vec<Key>,
    seg: &mut Vec<u64>,
    plain: &mut Vec<bool>,
) -> bool {
    let (w, h) = (buf.area.width as usize, buf.area.height as usize);
    let (x0, x1) = (usize::from(moved.cols.start), usize::from(moved.cols.end));
    let fits = |y: usize| y < h;
    let rows = usize::from(moved.rows.start)..usize::from(moved.rows.end);
    if w == 0
        || buf.area.x != 0
        || buf.area.y != 0
        || prev.len() != w * h
        || buf.content.len() != w * h
        || x0 > x1
        || x1 > w
        || rows
            .clone()
            .any(|y| !fits(y) || !(0..h as i64).contains(&(y as i64 + i64::from(moved.by))))
    {
        return false;
    }
    out.clear();
    out.reserve(w * h);
    for (y, row) in buf.content.chunks(w).enumerate() {
        if rows.contains(&y) {
            let src = (y as i64 + i64::from(moved.by)) as usize * w;
            push_keys(&row[..x0], out);
            out.extend_from_slice(&prev[src + x0..src + x1]);
            push_keys(&row[x1..], out);
        } else {
            push_keys(row, out);
        }
    }
    summarize(w, out, seg, plain);
    true
}

/// A hash per row segment of `keys` (rows `w` wide), and whether each row is all plain.
fn summarize(w: usize, keys: &[Key], seg: &mut Vec<u64>, plain: &mut Vec<bool>) {
    seg.clear();
    plain.clear();
    for row in keys.chunks(w) {
        plain.push(row.iter().fold(0, |any, k| any | k) & COMPLEX == 0);
        seg.extend(row.chunks(SEGMENT).map(|s| {
            s.iter().fold(0u64, |h, k| {
                let folded = (*k as u64) ^ ((*k >> 64) as u64).rotate_left(32);
                (h.rotate_left(11) ^ folded).wrapping_mul(MIX)
            })
        }));
    }
}

/// Cells of `a` and `b` (equal length) that differ.
fn differing(a: &[Key], b: &[Key]) -> i64 {
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
        keys(
            next,
            &mut self.shown,
            &mut self.shown_seg,
            &mut self.next_plain,
        );
    }

    /// The shift that makes the frame `next` cheapest to send over a terminal showing
    /// `prev`, if any saves more than it costs. Buffers of different sizes: `None`.
    ///
    /// The caller then sends the diff (`diff`) and calls `sent`.
    #[cfg(test)]
    pub fn plan(&mut self, prev: &Buffer, next: &Buffer) -> Option<Shift> {
        self.plan_moved(prev, next, None)
    }

    /// `plan`, knowing which cells of `next` are cells of `prev` moved (`Moved`): their
    /// keys are moved too rather than worked out again.
    pub fn plan_moved(
        &mut self,
        prev: &Buffer,
        next: &Buffer,
        moved: Option<&Moved>,
    ) -> Option<Shift> {
        let known = self.shown.len() == prev.content.len() && prev.area == next.area;
        let done = known
            && moved.is_some_and(|m| {
                moved_keys(
                    next,
                    &self.shown,
                    m,
                    &mut self.next,
                    &mut self.next_seg,
                    &mut self.next_plain,
                )
            });
        if !done {
            keys(
                next,
                &mut self.next,
                &mut self.next_seg,
                &mut self.next_plain,
            );
        }
        if self.shown.len() != prev.content.len() {
            let mut plain = Vec::new();
            keys(prev, &mut self.shown, &mut self.shown_seg, &mut plain);
        }
        self.choose(prev, next)
    }

    /// The keys of the frame on screen, one per cell (empty: not known).
    pub fn shown_keys(&self) -> &[Key] {
        &self.shown
    }

    /// The frame last planned is now the one on screen.
    pub fn sent(&mut self) {
        std::mem::swap(&mut self.shown, &mut self.next);
        std::mem::swap(&mut self.shown_seg, &mut self.next_seg);
    }

    /// The cells of `next` that differ from what the terminal shows once `shift` (the
    /// plan for `next`, or none) is done to `prev`: exactly what
    /// `apply(prev, shift); prev.diff_iter(next)` yields, without moving `prev`.
    /// `None` unless `next` was just planned over `prev` (same size).
    ///
    /// `lent`: the cells `Scratch::lend` moved from `prev` into `next`; `prev`'s cells
    /// there are read from `next`.
    pub fn diff<'a>(
        &'a self,
        prev: &'a Buffer,
        next: &'a Buffer,
        shift: Option<Shift>,
        lent: Option<&Moved>,
    ) -> Option<Diff<'a>> {
        let (w, h) = (next.area.width as usize, next.area.height as usize);
        let len = next.content.len();
        if prev.area != next.area
            || w == 0
            || prev.content.len() != len
            || self.shown.len() != len
            || self.next.len() != len
            || self.next_plain.len() != h
        {
            return None;
        }
        // Exactly the shifts `apply` carries out.
        let shift = shift.filter(|s| {
            let k = s.by.unsigned_abs() as usize;
            k != 0 && (s.bottom as usize) <= h && (s.top as usize) + k < s.bottom as usize
        });
        Some(Diff {
            prev: &prev.content,
            next: &next.content,
            prev_keys: &self.shown,
            next_keys: &self.next,
            plain: &self.next_plain,
            area: next.area,
            w,
            len,
            shift,
            lent: lent.cloned(),
            blank: key(&Cell::EMPTY),
            pos: 0,
            row_start: 0,
            row_end: 0,
            source: None,
            trailing: None,
        })
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
        let blank_fp = key(&Cell::EMPTY);
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

/// What the terminal shows where the previous frame had no row: a line scrolled in.
static BLANK: Cell = Cell::EMPTY;

/// Modifiers that show on a blank cell (ratatui's diff refreshes the columns a wide
/// character in such a style covered).
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

#[allow(deprecated)]
fn is_skip(cell: &Cell) -> bool {
    matches!(cell.diff_option, CellDiffOption::Skip)
        || (cell.skip && matches!(cell.diff_option, CellDiffOption::None))
}

/// Columns after a wide character still to be written (see ratatui's `BufferDiff`).
#[derive(Debug)]
struct Trailing {
    next_index: usize,
    end: usize,
    /// Every cell (the old wide character's style showed on blanks), or only those
    /// whose symbol changed (after a U+FE0F emoji).
    force: bool,
}

/// The diff of `Planner::diff`: ratatui's `BufferDiff` (ratatui-core 0.1.2), step for
/// step, over the previous frame as the shift left it, with plain cells compared by key
/// and plain rows whose keys all match skipped whole.
#[derive(Debug)]
pub struct Diff<'a> {
    prev: &'a [Cell],
    next: &'a [Cell],
    prev_keys: &'a [Key],
    next_keys: &'a [Key],
    plain: &'a [bool],
    area: ratatui::layout::Rect,
    w: usize,
    len: usize,
    shift: Option<Shift>,
    /// Cells of `prev` read from `next` (`Planner::diff`).
    lent: Option<Moved>,
    blank: Key,
    pos: usize,
    /// The row `pos` is in (`row_end` 0: none yet), and where its cells were in the
    /// previous frame (`None`: a blank line scrolled in).
    row_start: usize,
    row_end: usize,
    source: Option<usize>,
    trailing: Option<Trailing>,
}

impl<'a> Diff<'a> {
    /// The index in the previous frame of the first cell of what row `y` shows after
    /// the shift, or `None` for a blank line scrolled in.
    fn source(&self, y: usize) -> Option<usize> {
        match self.shift {
            Some(s) if (usize::from(s.top)..usize::from(s.bottom)).contains(&y) => {
                let src = y as isize + s.by as isize;
                (s.top as isize..s.bottom as isize)
                    .contains(&src)
                    .then(|| src as usize * self.w)
            }
            _ => Some(y * self.w),
        }
    }

    fn prev_cell(&self, i: usize) -> &'a Cell {
        let (y, x) = (i / self.w, i % self.w);
        match self.source(y) {
            Some(o) => self.prev_at(o + x),
            None => &BLANK,
        }
    }

    /// Cell `i` of the previous frame (wherever `lent` put it).
    fn prev_at(&self, i: usize) -> &'a Cell {
        if let Some(m) = &self.lent {
            let (y, x) = ((i / self.w) as i64, (i % self.w) as u16);
            let dst = y - i64::from(m.by);
            if m.cols.contains(&x)
                && (i64::from(m.rows.start)..i64::from(m.rows.end)).contains(&dst)
            {
                return self
                    .next
                    .get(dst as usize * self.w + usize::from(x))
                    .unwrap_or(&BLANK);
            }
        }
        self.prev.get(i).unwrap_or(&BLANK)
    }

    fn at(&self, i: usize) -> (u16, u16, &'a Cell) {
        let x = i % self.w + self.area.x as usize;
        let y = i / self.w + self.area.y as usize;
        (x as u16, y as u16, &self.next[i])
    }

    /// Row `y` (starting at `row_start`, shown from `source`) has the same keys as
    /// what the terminal shows there.
    fn row_unchanged(&self) -> bool {
        let row = &self.next_keys[self.row_start..self.row_end];
        match self.source {
            Some(o) => row == &self.prev_keys[o..o + self.w],
            None => row.iter().all(|k| *k == self.blank),
        }
    }
}

impl<'a> Iterator for Diff<'a> {
    type Item = (u16, u16, &'a Cell);

    fn next(&mut self) -> Option<Self::Item> {
        let len = self.len;
        if let Some(mut t) = self.trailing.take() {
            while t.next_index < t.end {
                let j = t.next_index;
                // (ratatui would index past the end here; there is nothing to write.)
                let Some(cell) = self.next.get(j) else { break };
                // Past this cell, and past its own trailing column when it is wide.
                t.next_index += cell.cell_width().max(1) as usize;
                t.end = t.end.max(t.next_index).min(len);
                if !is_skip(cell) && (t.force || self.prev_cell(j).symbol() != cell.symbol()) {
                    self.trailing = Some(t);
                    return Some(self.at(j));
                }
            }
            self.pos = t.end;
        }
        while self.pos < len {
            if self.pos >= self.row_end {
                let y = self.pos / self.w;
                self.row_start = y * self.w;
                self.row_end = self.row_start + self.w;
                self.source = self.source(y);
                if self.pos == self.row_start && self.plain[y] && self.row_unchanged() {
                    self.pos = self.row_end;
                    continue;
                }
            }
            let i = self.pos;
            self.pos += 1;
            let x = i - self.row_start;
            let (pk, previous) = match self.source {
                Some(o) => (self.prev_keys[o + x], self.prev_at(o + x)),
                None => (self.blank, &BLANK),
            };
            let nk = self.next_keys[i];
            if (nk | pk) & COMPLEX == 0 {
                // Both plain: one column each, no option; the keys are the cells.
                if nk == pk {
                    continue;
                }
                return Some(self.at(i));
            }
            let current = &self.next[i];
            match current.diff_option {
                CellDiffOption::Skip => {}
                _ if is_skip(current) => {}
                CellDiffOption::ForcedWidth(width) => {
                    self.pos = self
                        .pos
                        .saturating_add(width.get().saturating_sub(1) as usize);
                    if current != previous {
                        return Some(self.at(i));
                    }
                }
                CellDiffOption::None | CellDiffOption::AlwaysUpdate => {
                    let cell_width = current.cell_width() as usize;
                    if matches!(current.diff_option, CellDiffOption::None) && current == previous {
                        self.pos += cell_width.saturating_sub(1);
                        continue;
                    }
                    let previous_width = previous.cell_width() as usize;
                    let vs16 = cell_width > 1 && current.symbol().contains('\u{FE0F}');
                    if vs16 {
                        self.trailing = Some(Trailing {
                            next_index: i + 1,
                            end: (i + cell_width).min(len),
                            force: false,
                        });
                    } else if cell_width > 1 {
                        self.pos += cell_width - 1;
                    } else if previous_width > cell_width
                        && (previous.bg != Color::Reset
                            || previous.modifier.intersects(VISIBLE_ON_BLANK))
                    {
                        self.trailing = Some(Trailing {
                            next_index: i + 1,
                            end: i + previous_width,
                            force: true,
                        });
                    }
                    return Some(self.at(i));
                }
            }
        }
        None
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

    /// A tiny deterministic generator (no `rand` in the tree).
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// A cell of any kind the diff treats differently: plain ASCII and non-ASCII, wide,
    /// U+FE0F emoji, empty and multi-character symbols, styles visible on blanks, and
    /// every diff option.
    fn any_cell(rng: &mut Rng) -> Cell {
        use ratatui::buffer::CellDiffOption as O;
        let mut c = Cell::EMPTY;
        let symbols = [
            " ",
            " ",
            "a",
            "a",
            "b",
            "─",
            "é",
            "→",
            "日",
            "\u{1F5FA}\u{FE0F}",
            "",
            "ab",
            "e\u{301}",
            "\u{FF9E}",
        ];
        c.set_symbol(symbols[rng.below(symbols.len())]);
        if rng.below(4) == 0 {
            c.reset();
        }
        let colours = [
            Color::Reset,
            Color::Red,
            Color::Indexed(7),
            Color::Rgb(1, 2, 3),
        ];
        c.fg = colours[rng.below(4)];
        c.bg = colours[rng.below(4)];
        if rng.below(8) == 0 {
            c.underline_color = colours[rng.below(4)];
        }
        let mods = [
            Modifier::empty(),
            Modifier::empty(),
            Modifier::BOLD,
            Modifier::REVERSED,
            Modifier::UNDERLINED,
        ];
        c.modifier = mods[rng.below(mods.len())];
        c.diff_option = match rng.below(24) {
            0 => O::Skip,
            1 => O::AlwaysUpdate,
            2 => O::ForcedWidth(std::num::NonZeroU16::MIN.saturating_add(1)),
            _ => O::None,
        };
        #[allow(deprecated)]
        if rng.below(40) == 0 {
            c.skip = true;
        }
        c
    }

    #[test]
    fn the_planned_diff_is_ratatuis_diff_after_the_shift() {
        let mut rng = Rng(0x5eed_cafe);
        for round in 0..4000 {
            let (w, h) = (1 + rng.below(9) as u16, 1 + rng.below(7) as u16);
            let area = Rect::new(rng.below(3) as u16, rng.below(3) as u16, w, h);
            let mut prev = Buffer::empty(area);
            // Mostly plain cells, some of any kind.
            let plain = rng.below(3) == 0;
            for c in prev.content.iter_mut() {
                *c = if plain && rng.below(6) != 0 {
                    let mut p = Cell::EMPTY;
                    p.set_symbol(["x", "y", " ", "─"][rng.below(4)]);
                    p
                } else {
                    any_cell(&mut rng)
                };
            }
            // The next frame: the previous one moved, then a few cells changed.
            let by = rng.below(5) as i16 - 2;
            let (top, bottom) = (rng.below(h as usize + 1), rng.below(h as usize + 1));
            let shift = Shift {
                top: top.min(bottom) as u16,
                bottom: top.max(bottom) as u16,
                by,
            };
            let mut next = prev.clone();
            if rng.below(2) == 0 {
                apply(&mut next, shift);
            }
            for _ in 0..rng.below(6) {
                let i = rng.below(next.content.len());
                next.content[i] = any_cell(&mut rng);
            }
            if rng.below(4) == 0 {
                next.content
                    .iter_mut()
                    .for_each(|c| c.set_symbol("z").reset());
            }
            let mut planner = Planner::default();
            planner.remember(&prev);
            let planned = planner.plan(&prev, &next);
            for shift in [Some(shift), planned, None] {
                let mut moved = prev.clone();
                if let Some(s) = shift {
                    apply(&mut moved, s);
                }
                let got: Vec<_> = planner.diff(&prev, &next, shift, None).unwrap().collect();
                // ratatui's diff indexes past the end when a wide cell in the last column
                // is replaced by a narrow one (ours stops at the end): compare with its
                // diff of both frames over one more row, the same in both.
                let pad = |b: &Buffer| {
                    let mut p = Buffer::empty(Rect {
                        height: b.area.height + 1,
                        ..b.area
                    });
                    p.content[..b.content.len()].clone_from_slice(&b.content);
                    p.content[b.content.len()..].iter_mut().for_each(|c| {
                        c.set_symbol("q");
                    });
                    p
                };
                let (moved, padded) = (pad(&moved), pad(&next));
                let want: Vec<_> = moved
                    .diff_iter(&padded)
                    .filter(|(_, y, _)| *y < area.bottom())
                    .collect();
                assert_eq!(got, want, "round {round}: {shift:?}\n{prev:?}\n{next:?}");
            }
            planner.sent();
        }
    }

    #[test]
    fn one_column_characters_have_plain_keys() {
        for c in (0..0x2600u32).filter_map(char::from_u32) {
            if crate::render::width::one_column(c) {
                let cell = Cell::from(c);
                assert_eq!(cell.symbol().cell_width(), 1, "{c:?}");
                assert_eq!(key(&cell) & COMPLEX, 0, "{c:?}");
            }
        }
        // Cells equal by ratatui's rule have equal keys; a space is a blank.
        let mut a = Cell::new(" ");
        a.fg = Color::Rgb(9, 9, 9);
        let mut b = Cell::EMPTY;
        b.fg = Color::Rgb(9, 9, 9);
        assert_eq!(a, b);
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&Cell::new("日")) & COMPLEX, 0);
        assert_ne!(key(&Cell::new("")) & COMPLEX, 0);
    }

    #[test]
    fn moved_keys_are_the_keys_of_the_cells() {
        let mut rng = Rng(0x0dd_ba11);
        for _ in 0..500 {
            let (w, h) = (2 + rng.below(12) as u16, 3 + rng.below(8) as u16);
            let area = Rect::new(rng.below(3) as u16, rng.below(3) as u16, w, h);
            let mut prev = Buffer::empty(area);
            prev.content
                .iter_mut()
                .for_each(|c| *c = any_cell(&mut rng));
            // Columns x0..x1 of rows y0..y1 of `next` show rows y + by of `prev`.
            let by = rng.below(5) as i32 - 2;
            let (x0, x1) = {
                let (a, b) = (rng.below(w as usize + 1), rng.below(w as usize + 1));
                (a.min(b) as u16, a.max(b) as u16)
            };
            let lo = 0.max(-by) as u16;
            let hi = (h as i32).min(h as i32 - by) as u16;
            let y0 = lo + rng.below(usize::from(hi.saturating_sub(lo)) + 1) as u16;
            let y1 = y0 + rng.below(usize::from(hi.saturating_sub(y0)) + 1) as u16;
            let mut next = Buffer::empty(area);
            next.content
                .iter_mut()
                .for_each(|c| *c = any_cell(&mut rng));
            let at = |x: u16, y: u16| y as usize * w as usize + x as usize;
            for y in y0..y1 {
                for x in x0..x1 {
                    let src = (y as i32 + by) as u16;
                    next.content[at(x, y)] = prev.content[at(x, src)].clone();
                }
            }
            let moved = Moved {
                rows: y0..y1,
                cols: x0..x1,
                by,
            };
            let mut planner = Planner::default();
            planner.remember(&prev);
            let shift = planner.plan_moved(&prev, &next, Some(&moved));
            let mut whole = Planner::default();
            whole.remember(&prev);
            assert_eq!(shift, whole.plan(&prev, &next), "{moved:?}");
            assert_eq!(planner.next, whole.next, "{moved:?}");
            assert_eq!(planner.next_seg, whole.next_seg);
            assert_eq!(planner.next_plain, whole.next_plain);
            // A `moved` that does not fit is ignored.
            let wrong = Moved {
                rows: 0..h + 1,
                cols: 0..w,
                by: 1,
            };
            let mut p = Planner::default();
            p.remember(&prev);
            p.plan_moved(&prev, &next, Some(&wrong));
            assert_eq!(p.next, whole.next);
        }
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
