//! What a guest's terminal shows, kept compactly between frames: four bytes a cell
//! instead of ratatui's ~48 (and instead of two cell buffers), and the worker thread's
//! scratch buffers that frames are drawn and diffed on, shared by every session it runs.
//!
//! A *plain* cell (one character one column wide, no diff option: nearly every cell,
//! the scroll planner's definition) is stored as its character and the index of its
//! style in a small per-screen table; any other cell (wide, several code points,
//! skipped) is kept whole in a side list. So `load` gives back exactly the cells
//! `store` was given: the diff against them is the diff against the frame on screen.
//!
//! The scratch remembers whose frame it holds (`Stamp`): while one session draws frame
//! after frame on the same worker (a guest scrolling), nothing is rebuilt; another
//! session's frame in between costs one `load` and the planner's keys.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use super::scroll;

/// Bits of a code that hold the character (or, for a complex cell, its place in the
/// side list); the rest is the style index.
const CHAR_BITS: u32 = 21;
const CHAR_MASK: u32 = (1 << CHAR_BITS) - 1;
/// The style index that marks a complex cell.
const COMPLEX: u32 = (1 << (32 - CHAR_BITS)) - 1;
/// Most styles in the table (more on one screen: the rest are kept as complex cells).
const MAX_STYLES: usize = COMPLEX as usize;

type Style = (Color, Color, Color, Modifier);

fn style_of(c: &Cell) -> Style {
    (c.fg, c.bg, c.underline_color, c.modifier)
}

/// The cells of one frame, four bytes each (see the module doc).
#[derive(Debug, Default)]
pub struct Compact {
    area: Rect,
    codes: Vec<u32>,
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
        self.codes.clear();
        self.codes.resize(area.area() as usize, u32::from(' '));
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
        self.area = buf.area;
        self.codes.clear();
        self.styles.clear();
        self.complex.clear();
        self.codes.reserve_exact(buf.content.len());
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
            self.codes.push(code);
        }
        self.shrink();
    }

    /// Write the stored cells into `buf` (made the stored size first).
    pub fn load(&self, buf: &mut Buffer) {
        if buf.area != self.area {
            *buf = Buffer::empty(self.area);
        }
        for (cell, code) in buf.content.iter_mut().zip(&self.codes) {
            *cell = self.cell(*code);
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
        if self.codes.capacity() > self.codes.len() + self.codes.len() / 4 {
            self.codes.shrink_to_fit();
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
        self.codes.capacity() * 4
            + self.styles.capacity() * std::mem::size_of::<Style>()
            + self.complex.capacity() * std::mem::size_of::<Cell>()
    }
}

/// Which screen's frame, and which of its frames, the scratch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    screen: u64,
    frame: u64,
}

impl Stamp {
    /// A stamp for a new screen (unique in this process).
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Stamp {
            screen: NEXT.fetch_add(1, Ordering::Relaxed),
            frame: 0,
        }
    }

    /// The screen's frame changed (drawn, cleared, invalidated).
    pub fn bump(&mut self) {
        self.frame += 1;
    }
}

/// A worker thread's buffers: the frame on a guest's screen (`shown`, loaded from its
/// `Compact`), the frame being drawn (`next`), and the scroll planner's keys.
#[derive(Default)]
pub struct Scratch {
    pub shown: Buffer,
    pub next: Buffer,
    pub planner: scroll::Planner,
    /// Whose frame `shown` (and the planner's keys) hold, if anyone's.
    holds: Option<Stamp>,
}

impl Scratch {
    /// Make `shown` the frame of the screen stamped `stamp` (from `compact` unless it
    /// already is), and `next` a blank buffer of the same size.
    pub fn take_up(&mut self, stamp: Stamp, compact: &Compact) {
        if self.holds != Some(stamp) || self.shown.area != compact.area() {
            compact.load(&mut self.shown);
            self.planner.forget();
        }
        self.holds = None;
        if self.next.area == compact.area() {
            self.next.reset();
        } else {
            self.next = Buffer::empty(compact.area());
        }
    }

    /// `shown` is now the frame of the screen stamped `stamp`.
    pub fn held_by(&mut self, stamp: Stamp) {
        self.holds = Some(stamp);
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Run `f` on this thread's scratch buffers (a fresh set if they are in use: `f`
/// never draws another screen, but a fallback keeps this total).
pub fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
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
    }

    #[test]
    fn storing_by_the_planners_keys_is_storing_the_cells() {
        let area = Rect::new(0, 0, 30, 5);
        let mut many = Buffer::empty(Rect::new(0, 0, 100, 30));
        for (i, cell) in many.content.iter_mut().enumerate() {
            cell.set_char(if i % 7 == 0 { 'é' } else { 'x' });
            cell.fg = Color::Rgb((i % 256) as u8, (i / 256) as u8, 7);
        }
        for buf in [sample(area), many, Buffer::empty(area)] {
            let mut planner = scroll::Planner::default();
            planner.remember(&buf);
            let (mut by_cells, mut by_keys) = (Compact::default(), Compact::default());
            by_cells.store(&buf);
            by_keys.store_keyed(&buf, planner.shown_keys());
            assert_eq!(by_keys.codes, by_cells.codes);
            assert_eq!(by_keys.styles, by_cells.styles);
            let mut back = Buffer::default();
            by_keys.load(&mut back);
            assert_eq!(back, buf);
        }
    }

    #[test]
    fn a_frame_is_four_bytes_a_cell() {
        let area = Rect::new(0, 0, 120, 40);
        let mut c = Compact::blank(area);
        assert!(c.heap_bytes() < 120 * 40 * 4 + 1024, "{}", c.heap_bytes());
        c.store(&sample(area));
        assert!(c.heap_bytes() < 120 * 40 * 4 + 4096, "{}", c.heap_bytes());
        let mut back = Buffer::default();
        Compact::blank(area).load(&mut back);
        assert_eq!(back, Buffer::empty(area));
    }
}
