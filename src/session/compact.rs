//! What a guest's terminal shows, kept compactly between frames: two bytes a cell
//! (four on a screen of unusually many characters or styles) instead of ratatui's ~48
//! (and instead of two cell buffers), and the worker thread's scratch buffers that
//! frames are drawn and diffed on, shared by every session it runs.
//!
//! A *plain* cell (one character one column wide, no diff option: nearly every cell,
//! the scroll planner's definition) is stored as its character and the index of its
//! style in a small per-screen table — or, when the screen has at most 256 distinct
//! characters and 128 styles (nearly always), as the indexes of both in per-screen
//! tables; any other cell (wide, several code points, skipped) is kept whole in a side
//! list. So `load` gives back exactly the cells `store` was given: the diff against
//! them is the diff against the frame on screen.
//!
//! The worker's scratch (`scratch`) remembers whose frame it holds: while one session
//! draws frame after frame on the same worker (a guest scrolling), nothing is rebuilt,
//! and a scroll's frame stores only the cells that did not just move (`store_moved`);
//! another session's frame in between costs one `load` and the planner's keys.

use std::cell::RefCell;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use super::scroll;

mod edit;

/// Bits of a code that hold the character (or, for a complex cell, its place in the
/// side list); the rest is the style index.
const CHAR_BITS: u32 = 21;
const CHAR_MASK: u32 = (1 << CHAR_BITS) - 1;
/// The style index that marks a complex cell.
const COMPLEX: u32 = (1 << (32 - CHAR_BITS)) - 1;
/// Most styles in the table (more on one screen: the rest are kept as complex cells).
const MAX_STYLES: usize = COMPLEX as usize;

type Style = (Color, Color, Color, Modifier);

/// Narrow codes: the top bit marks a complex cell (the rest its place in the side
/// list); else the character's index (8 bits) and the style's (7 bits).
const NARROW_COMPLEX: u16 = 0x8000;
const NARROW_STYLES: usize = 128;
const NARROW_CHARS: usize = 256;

/// A frame's codes: two bytes a cell when its tables are small, else four.
#[derive(Debug)]
enum Codes {
    Wide(Vec<u32>),
    Narrow { codes: Vec<u16>, chars: Vec<u32> },
}

impl Default for Codes {
    fn default() -> Self {
        Codes::Wide(Vec::new())
    }
}

/// `wide` as narrow codes, if its characters and styles fit the narrow tables.
fn narrow(wide: &[u32], styles: usize, complex: usize) -> Option<Codes> {
    if styles > NARROW_STYLES || complex > usize::from(NARROW_COMPLEX) {
        return None;
    }
    let mut chars: Vec<u32> = Vec::new();
    // ASCII characters' indexes + 1 (0: not seen yet).
    let mut ascii = [0u16; 128];
    let mut last: Option<(u32, u16)> = None;
    let mut codes = Vec::with_capacity(wide.len());
    for &code in wide {
        let index = code >> CHAR_BITS;
        let low = code & CHAR_MASK;
        if index == COMPLEX {
            codes.push(NARROW_COMPLEX | low as u16);
            continue;
        }
        let ch = match last {
            Some((c, i)) if c == low => i,
            _ => {
                let i = match ascii.get_mut(low as usize) {
                    Some(slot) if *slot > 0 => *slot - 1,
                    slot => {
                        let i = match chars.iter().position(|c| *c == low) {
                            Some(i) => i,
                            None => {
                                if chars.len() >= NARROW_CHARS {
                                    return None;
                                }
                                chars.push(low);
                                chars.len() - 1
                            }
                        };
                        if let Some(slot) = slot {
                            *slot = i as u16 + 1;
                        }
                        i as u16
                    }
                };
                last = Some((low, i));
                i
            }
        };
        codes.push(ch << 7 | index as u16);
    }
    chars.shrink_to_fit();
    Some(Codes::Narrow { codes, chars })
}

thread_local! {
    /// Where `store` builds a frame's four-byte codes before narrowing them.
    static WIDE: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

fn style_of(c: &Cell) -> Style {
    (c.fg, c.bg, c.underline_color, c.modifier)
}

/// The cells of one frame, four bytes each (see the module doc).
#[derive(Debug, Default)]
pub struct Compact {
    area: Rect,
    codes: Codes,
    styles: Vec<Style>,
    complex: Vec<Cell>,
}

impl Compact {
    /// A blank frame of `area` (what a cleared terminal shows).
    pub fn blank(area: Rect) -> Self {
        let mut c = Compact::default();
        c.clear(area);
        c
    }

    /// Make this a blank frame of `area`.
    pub fn clear(&mut self, area: Rect) {
        self.area = area;
        self.styles.clear();
        self.complex.clear();
        self.styles.push(style_of(&Cell::EMPTY));
        self.codes = Codes::Narrow {
            codes: vec![0; area.area() as usize],
            chars: vec![u32::from(' ')],
        };
        self.shrink();
    }

    pub fn area(&self) -> Rect {
        self.area
    }

    /// Remember `buf`'s cells.
    pub fn store(&mut self, buf: &Buffer) {
        self.fill(
            buf,
            buf.content
                .iter()
                .map(|c| scroll::plain_char(c).map(|ch| (ch, style_of(c)))),
        );
    }

    /// `store`, with which cells are plain (and their characters and styles) read from
    /// the scroll planner's keys of `buf` (`Planner::shown_keys`) instead of decoding
    /// every cell again.
    pub fn store_keyed(&mut self, buf: &Buffer, keys: &[u128]) {
        if keys.len() != buf.content.len() {
            return self.store(buf);
        }
        self.fill(buf, keys.iter().map(|k| scroll::plain_parts(*k)));
    }

    /// Remember `buf`'s cells, `plain` saying per cell whether it is plain, with its
    /// character and something equal exactly when the styles are.
    fn fill<T: PartialEq>(&mut self, buf: &Buffer, plain: impl Iterator<Item = Option<(u32, T)>>) {
        WIDE.with(|wide| match wide.try_borrow_mut() {
            Ok(mut wide) => self.store_with(buf, plain, &mut wide),
            Err(_) => self.store_with(buf, plain, &mut Vec::new()),
        });
    }

    fn store_with<T: PartialEq>(
        &mut self,
        buf: &Buffer,
        plain: impl Iterator<Item = Option<(u32, T)>>,
        wide: &mut Vec<u32>,
    ) {
        self.area = buf.area;
        self.styles.clear();
        self.complex.clear();
        wide.clear();
        wide.reserve(buf.content.len());
        // Runs of cells share a style: look it up once per run.
        let mut last: Option<(T, u32)> = None;
        for (c, p) in buf.content.iter().zip(plain) {
            let code = match p {
                Some((ch, style)) => {
                    let index = match &last {
                        Some((s, i)) if *s == style => Some(*i),
                        _ => self.intern(style_of(c)),
                    };
                    match index {
                        Some(i) => {
                            last = Some((style, i));
                            ch | i << CHAR_BITS
                        }
                        None => self.push_complex(c),
                    }
                }
                None => self.push_complex(c),
            };
            wide.push(code);
        }
        self.codes = match narrow(wide, self.styles.len(), self.complex.len()) {
            Some(codes) => codes,
            None => Codes::Wide(wide.clone()),
        };
        self.shrink();
    }

    /// `store_keyed` of a frame that is the stored one with the cells `moved` says
    /// moved (`Scratch::lend`): their codes are moved, the other cells stored from their
    /// keys. `false` when it cannot (not narrow codes, tables full, too many stale side
    /// cells): then nothing usable is stored, and the caller stores the frame whole.
    pub fn store_moved(&mut self, buf: &Buffer, keys: &[u128], moved: &scroll::Moved) -> bool {
        let mut codes = std::mem::take(&mut self.codes);
        let done = match &mut codes {
            Codes::Narrow { codes, chars } => self.moved_into(buf, keys, moved, codes, chars),
            Codes::Wide(_) => false,
        };
        self.codes = codes;
        done
    }

    fn moved_into(
        &mut self,
        buf: &Buffer,
        keys: &[u128],
        moved: &scroll::Moved,
        codes: &mut [u16],
        chars: &mut Vec<u32>,
    ) -> bool {
        let a = buf.area;
        let w = usize::from(a.width);
        let (x0, x1) = (usize::from(moved.cols.start), usize::from(moved.cols.end));
        if self.area != a
            || a.x != 0
            || a.y != 0
            || keys.len() != buf.content.len()
            || codes.len() != keys.len()
            || !edit::move_rows(
                codes,
                a.width,
                a.height,
                moved.rows.clone(),
                moved.cols.clone(),
                moved.by,
            )
        {
            return false;
        }
        // ASCII characters' indexes + 1 (0: not in the table).
        let mut ascii = [0u16; 128];
        for (i, c) in chars.iter().enumerate().rev() {
            if let Some(slot) = ascii.get_mut(*c as usize) {
                *slot = i as u16 + 1;
            }
        }
        let mut last: Option<(u128, u16)> = None;
        let mut recent = (0, 0);
        let rows = usize::from(moved.rows.start)..usize::from(moved.rows.end);
        let cells = buf.content.chunks(w.max(1)).zip(keys.chunks(w.max(1)));
        for (y, ((cells, keys), codes)) in cells.zip(codes.chunks_mut(w.max(1))).enumerate() {
            // The moved columns of a moved row are done.
            let (k0, k1) = if rows.contains(&y) { (x0, x1) } else { (w, w) };
            for x in (0..k0).chain(k1..w) {
                let (Some(c), Some(k), Some(slot)) = (cells.get(x), keys.get(x), codes.get_mut(x))
                else {
                    return false;
                };
                match self.encode(c, *k, &mut last, &mut ascii, chars, &mut recent) {
                    Some(code) => *slot = code,
                    None => return false,
                }
            }
        }
        // Side cells no longer on screen stay in the list until the next whole store.
        let live = codes.iter().filter(|c| **c & NARROW_COMPLEX != 0).count();
        self.complex.len() <= 2 * live + 64
    }

    /// The narrow code of cell `c` (its key `k`), adding its character, style or the
    /// cell itself to the tables; `last` is the style of the cell before, `ascii` the
    /// ASCII characters' indexes + 1. `None` when a table is full.
    fn encode(
        &mut self,
        c: &Cell,
        k: u128,
        last: &mut Option<(u128, u16)>,
        ascii: &mut [u16; 128],
        chars: &mut Vec<u32>,
        recent: &mut (u32, u16),
    ) -> Option<u16> {
        let Some((ch, style)) = scroll::plain_parts(k) else {
            if self.complex.len() >= usize::from(NARROW_COMPLEX) {
                return None;
            }
            self.complex.push(c.clone());
            return Some(NARROW_COMPLEX | (self.complex.len() - 1) as u16);
        };
        let si = match *last {
            Some((s, si)) if s == style => si,
            _ => match self.intern(style_of(c)) {
                Some(si) if (si as usize) < NARROW_STYLES => si as u16,
                _ => return None,
            },
        };
        *last = Some((style, si));
        let ci = match ascii.get(ch as usize) {
            Some(&slot) if slot > 0 => slot - 1,
            _ if recent.0 == ch && recent.1 > 0 => recent.1 - 1,
            _ => match chars.iter().position(|x| *x == ch) {
                Some(ci) => ci as u16,
                None if chars.len() < NARROW_CHARS => {
                    chars.push(ch);
                    if let Some(slot) = ascii.get_mut(ch as usize) {
                        *slot = chars.len() as u16;
                    }
                    chars.len() as u16 - 1
                }
                None => return None,
            },
        };
        *recent = (ch, ci + 1);
        Some(ci << 7 | si)
    }

    /// Write the stored cells into `buf` (made the stored size first).
    pub fn load(&self, buf: &mut Buffer) {
        if buf.area != self.area {
            *buf = Buffer::empty(self.area);
        }
        match &self.codes {
            Codes::Wide(codes) => {
                for (cell, code) in buf.content.iter_mut().zip(codes) {
                    *cell = self.cell(*code);
                }
            }
            Codes::Narrow { codes, chars } => {
                for (cell, &code) in buf.content.iter_mut().zip(codes) {
                    let wide = if code & NARROW_COMPLEX != 0 {
                        u32::from(code & !NARROW_COMPLEX) | COMPLEX << CHAR_BITS
                    } else {
                        let ch = chars.get(usize::from(code >> 7)).copied().unwrap_or(32);
                        ch | u32::from(code & 0x7f) << CHAR_BITS
                    };
                    *cell = self.cell(wide);
                }
            }
        }
    }

    fn cell(&self, code: u32) -> Cell {
        let index = code >> CHAR_BITS;
        let low = code & CHAR_MASK;
        if index == COMPLEX {
            return self.complex.get(low as usize).cloned().unwrap_or_default();
        }
        let mut cell = Cell::EMPTY;
        if low != u32::from(' ') {
            cell.set_char(char::from_u32(low).unwrap_or(' '));
        }
        if let Some(&(fg, bg, underline, modifier)) = self.styles.get(index as usize) {
            cell.fg = fg;
            cell.bg = bg;
            cell.underline_color = underline;
            cell.modifier = modifier;
        }
        cell
    }

    /// The index of `style` in the table, added if new (`None`: the table is full).
    fn intern(&mut self, style: Style) -> Option<u32> {
        if let Some(i) = self.styles.iter().position(|s| *s == style) {
            return Some(i as u32);
        }
        if self.styles.len() >= MAX_STYLES {
            return None;
        }
        self.styles.push(style);
        Some(self.styles.len() as u32 - 1)
    }

    fn push_complex(&mut self, c: &Cell) -> u32 {
        self.complex.push(c.clone());
        (self.complex.len() as u32 - 1) | COMPLEX << CHAR_BITS
    }

    /// Hand back what a bigger frame left (a resize, a screen of many styles).
    fn shrink(&mut self) {
        if let Codes::Wide(codes) = &mut self.codes {
            codes.shrink_to_fit();
        }
        if self.styles.capacity() > 2 * self.styles.len() + 16 {
            self.styles.shrink_to_fit();
        }
        if self.complex.capacity() > 2 * self.complex.len() + 16 {
            self.complex.shrink_to_fit();
        }
    }

    /// Heap bytes held.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        let codes = match &self.codes {
            Codes::Wide(c) => c.capacity() * 4,
            Codes::Narrow { codes, chars } => codes.capacity() * 2 + chars.capacity() * 4,
        };
        codes
            + self.styles.capacity() * std::mem::size_of::<Style>()
            + self.complex.capacity() * std::mem::size_of::<Cell>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style as RStyle;

    fn sample(area: Rect) -> Buffer {
        let mut buf = Buffer::empty(area);
        buf.set_string(0, 0, "plain text", RStyle::new().fg(Color::Rgb(1, 2, 3)));
        buf.set_string(0, 1, "日本語 🗺️ wide", RStyle::new().bg(Color::Blue));
        buf.set_string(
            2,
            2,
            "é and e\u{301}",
            RStyle::new().add_modifier(Modifier::BOLD),
        );
        buf[(5, 3)].set_diff_option(ratatui::buffer::CellDiffOption::Skip);
        buf
    }

    #[test]
    fn load_gives_back_exactly_what_was_stored() {
        let area = Rect::new(0, 0, 30, 5);
        let buf = sample(area);
        let mut c = Compact::default();
        c.store(&buf);
        let mut back = Buffer::empty(Rect::new(0, 0, 3, 3));
        c.load(&mut back);
        assert_eq!(back, buf);
        // Every cell compared, including the symbol of blanks.
        for (a, b) in back.content.iter().zip(&buf.content) {
            assert_eq!(a.symbol(), b.symbol());
        }
    }

    #[test]
    fn many_styles_overflow_into_whole_cells_and_stay_exact() {
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        for (i, cell) in buf.content.iter_mut().enumerate() {
            cell.set_char('x');
            cell.fg = Color::Rgb((i % 256) as u8, (i / 256) as u8, 7);
        }
        let mut c = Compact::default();
        c.store(&buf);
        let mut back = Buffer::default();
        c.load(&mut back);
        assert_eq!(back, buf);
        assert_eq!(c.styles.len(), MAX_STYLES);
        assert!(matches!(c.codes, Codes::Wide(_)));
    }

    #[test]
    fn many_characters_keep_four_byte_codes_and_stay_exact() {
        let area = Rect::new(0, 0, 40, 10);
        let mut buf = Buffer::empty(area);
        for (i, cell) in buf.content.iter_mut().enumerate() {
            // 400 distinct one-column characters (Latin Extended and beyond).
            cell.set_char(char::from_u32(0x100 + i as u32).unwrap());
        }
        let mut c = Compact::default();
        c.store(&buf);
        assert!(matches!(c.codes, Codes::Wide(_)));
        let mut back = Buffer::default();
        c.load(&mut back);
        assert_eq!(back, buf);
        // And back to narrow codes for an ordinary frame.
        let ordinary = sample(area);
        c.store(&ordinary);
        assert!(matches!(c.codes, Codes::Narrow { .. }));
        c.load(&mut back);
        assert_eq!(back, ordinary);
    }

    #[test]
    fn storing_by_the_planners_keys_is_storing_the_cells() {
        let area = Rect::new(0, 0, 30, 5);
        let mut many = Buffer::empty(Rect::new(0, 0, 100, 30));
        for (i, cell) in many.content.iter_mut().enumerate() {
            cell.set_char(if i % 7 == 0 { 'é' } else { 'x' });
            cell.fg = Color::Rgb((i % 256) as u8, (i / 256) as u8, 7);
        }
        let mut chars = Buffer::empty(Rect::new(0, 0, 40, 10));
        for (i, cell) in chars.content.iter_mut().enumerate() {
            cell.set_char(char::from_u32(0x100 + i as u32).unwrap());
        }
        for buf in [sample(area), many, chars, Buffer::empty(area)] {
            let mut planner = scroll::Planner::default();
            planner.remember(&buf);
            let (mut by_cells, mut by_keys) = (Compact::default(), Compact::default());
            by_cells.store(&buf);
            by_keys.store_keyed(&buf, planner.shown_keys());
            assert_eq!(by_keys.styles, by_cells.styles);
            assert_eq!(by_keys.complex, by_cells.complex);
            let (mut a, mut b) = (Buffer::default(), Buffer::default());
            by_keys.load(&mut a);
            by_cells.load(&mut b);
            assert_eq!(a, buf);
            assert_eq!(b, buf);
        }
    }

    #[test]
    fn storing_moved_codes_is_storing_the_cells() {
        let area = Rect::new(0, 0, 30, 12);
        let symbols = ["a", "b", " ", "─", "é", "日", "🗺\u{FE0F}", "x"];
        let colours = [Color::Reset, Color::Red, Color::Rgb(1, 2, 3)];
        let mut seed = 7u64;
        let mut next_rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut prev = Buffer::empty(area);
        for c in prev.content.iter_mut() {
            c.set_symbol(symbols[next_rand(symbols.len())]);
            c.fg = colours[next_rand(3)];
        }
        let mut stored = Compact::default();
        stored.store(&prev);
        let mut moved_some = 0;
        for round in 0..200 {
            let by = next_rand(7) as i32 - 3;
            let (lo, hi) = (0.max(-by) as u16, (12i32).min(12 - by) as u16);
            let moved = scroll::Moved {
                rows: lo..hi,
                cols: 2..22,
                by,
            };
            let mut next = Buffer::empty(area);
            for (i, c) in next.content.iter_mut().enumerate() {
                let (x, y) = ((i % 30) as u16, (i / 30) as u16);
                if moved.rows.contains(&y) && moved.cols.contains(&x) {
                    *c = prev[(x, (y as i32 + by) as u16)].clone();
                } else {
                    c.set_symbol(symbols[next_rand(symbols.len())]);
                    c.fg = colours[next_rand(3)];
                    if round % 50 == 49 {
                        // Many styles: the narrow table overflows.
                        c.bg = Color::Rgb(next_rand(200) as u8, 0, 0);
                    }
                }
            }
            let mut planner = scroll::Planner::default();
            planner.remember(&next);
            if stored.store_moved(&next, planner.shown_keys(), &moved) {
                moved_some += 1;
            } else {
                stored.store_keyed(&next, planner.shown_keys());
            }
            let mut back = Buffer::default();
            stored.load(&mut back);
            assert_eq!(back, next, "round {round}");
            prev = next;
        }
        assert!(moved_some > 150, "{moved_some}");
    }

    #[test]
    fn a_frame_is_two_bytes_a_cell() {
        let area = Rect::new(0, 0, 120, 40);
        let mut c = Compact::blank(area);
        assert!(c.heap_bytes() < 120 * 40 * 2 + 1024, "{}", c.heap_bytes());
        c.store(&sample(area));
        assert!(matches!(c.codes, Codes::Narrow { .. }));
        assert!(c.heap_bytes() < 120 * 40 * 2 + 4096, "{}", c.heap_bytes());
        let mut back = Buffer::default();
        Compact::blank(area).load(&mut back);
        assert_eq!(back, Buffer::empty(area));
    }
}
