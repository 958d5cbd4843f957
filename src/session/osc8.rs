//! OSC 8 hyperlinks: a ratatui backend that wraps the cells a link covers in
//! `ESC ] 8 ; ; URL ESC \` … `ESC ] 8 ; ; ESC \` as it writes them.
//!
//! The links are not put into the cells' symbols: the buffer (and so ratatui's diff and
//! its width counting) never sees an escape byte. Instead the backend receives the
//! frame's links (`Links::set`, from the draw closure) and, while writing the diff,
//! opens a link before each run of cells inside one and closes it after. A link that
//! is new (or moved) since the last frame is written whole, even the cells the diff
//! skipped as unchanged, so a link never has holes. The link text stays on screen, so
//! terminals without OSC 8 show the same thing.
//!
//! It also keeps rows with `🗺️`-style emoji aligned whether the terminal draws them
//! one or two columns wide (see `LinkBackend::draw`), and encodes the cells itself
//! (`Encoder`: the sequences ratatui's crossterm backend writes, minus its per-sequence
//! `fmt` cost and its attribute reset after every run).
//!
//! Over 600 lines: the encoder is ~500 lines, the rest its tests.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier};

use crate::theme::ColorDepth;

/// Longest URL we put in an OSC 8 sequence (longer ones are shown but not linked).
pub const MAX_URL: usize = 2048;
/// Most links written per frame (a screen has far fewer).
const MAX_LINKS: usize = 256;

/// `url` made safe to put in an escape sequence: control characters (C0, DEL, C1,
/// so no ESC or BEL can end the sequence early) and spaces are dropped, other
/// non-ASCII characters percent-encoded. `None` when nothing is left or it is too long.
pub fn sanitize_url(url: &str) -> Option<String> {
    let mut out = String::with_capacity(url.len().min(MAX_URL));
    for c in url.trim().chars() {
        if c.is_control() || c.is_whitespace() {
            continue;
        }
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut bytes = [0u8; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        if out.len() > MAX_URL {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A cell and where it goes.
type Placed = (u16, u16, Cell);

/// One link of a frame: where it is, where it goes, and its cells (to write it whole).
#[derive(Debug, Clone)]
struct FrameLink {
    rect: Rect,
    url: String,
    cells: Vec<Placed>,
}

/// The handle the draw closure uses to hand the frame's links to the backend.
#[derive(Debug, Clone, Default)]
pub struct Links(Arc<Mutex<Vec<FrameLink>>>);

impl Links {
    /// Record this frame's links (`App::links()`), reading their cells from `buf`.
    pub fn set(&self, links: Vec<(Rect, String)>, buf: &Buffer) {
        self.set_by(
            links,
            buf.area,
            |_, _| false,
            |x, y| buf.cell((x, y)).cloned(),
        );
    }

    /// `set`, with the cells of the frame (of `area`) read through `cell`, except for
    /// the links `shown` says the guest's screen already shows where they are (their
    /// cells are never written whole: `LinkBackend::shows`).
    pub fn set_by(
        &self,
        links: Vec<(Rect, String)>,
        area: Rect,
        shown: impl Fn(&Rect, &str) -> bool,
        cell: impl Fn(u16, u16) -> Option<Cell>,
    ) {
        let mut list = Vec::new();
        for (rect, url) in links.into_iter().take(MAX_LINKS) {
            let rect = rect.intersection(area);
            let Some(url) = sanitize_url(&url) else {
                continue;
            };
            if rect.is_empty() {
                continue;
            }
            let mut cells = Vec::new();
            let rows = if shown(&rect, &url) {
                0..0
            } else {
                rect.top()..rect.bottom()
            };
            for y in rows {
                let mut x = rect.left();
                while x < rect.right() {
                    let Some(cell) = cell(x, y) else { break };
                    // A wide character's trailing column is not written separately.
                    let next = x.saturating_add(cell_width(&cell).max(1));
                    if cell.diff_option != CellDiffOption::Skip {
                        cells.push((x, y, cell));
                    }
                    x = next;
                }
            }
            list.push(FrameLink { rect, url, cells });
        }
        match self.0.lock() {
            Ok(mut l) => *l = list,
            Err(p) => *p.into_inner() = list,
        }
    }

    fn take(&self) -> Vec<FrameLink> {
        match self.0.lock() {
            Ok(mut l) => std::mem::take(&mut *l),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        }
    }
}

/// A cell's width exactly as ratatui's diff counts it.
fn cell_width(cell: &Cell) -> u16 {
    match cell.diff_option {
        CellDiffOption::ForcedWidth(w) => w.get(),
        _ => cell.symbol().cell_width(),
    }
}

/// A wide emoji made with U+FE0F (`🗺️`), which terminals disagree on (1 or 2 wide).
fn is_emoji_wide(cell: &Cell) -> bool {
    cell_width(cell) > 1 && cell.symbol().contains('\u{FE0F}')
}

/// What the terminal's SGR state is (the "pen" cells are printed with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    /// After `ESC[0m`, and at the start of every frame (each ends with one).
    const RESET: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };
}

/// Writes cells as ANSI: cursor moves, SGR changes from the last cell, the symbol.
///
/// The same sequences crossterm writes (so `sgr::to_ansi16` reads them), without its
/// `fmt` machinery per sequence, and with the colours and attributes carried from run
/// to run instead of reset after each.
struct Encoder<'w, W: Write> {
    out: &'w mut W,
    /// Frames are drawn in full RGB; colours are converted to the guest's depth here,
    /// for the cells written only (`last` remembers the last cell's conversion).
    depth: ColorDepth,
    last: [Color; 6],
    pen: Pen,
    /// Where the terminal's cursor is known to be (crossterm's rule: right after the
    /// last cell written, counting it one column wide).
    cursor: Option<(u16, u16)>,
    /// The link open now (an index into the frame's links).
    open: Option<usize>,
}

/// `n` in decimal.
fn push_num(out: &mut impl Write, n: u16) -> io::Result<()> {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write_all(&digits[i..])
}

/// `38;…`, `48;…` or `58;…` for a colour (`base` 38, 48 or 58), as crossterm spells it.
pub(super) fn push_color(out: &mut impl Write, base: u16, c: Color) -> io::Result<()> {
    let indexed = match c {
        Color::Reset => return push_num(out, base + 1),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => i,
        Color::Rgb(r, g, b) => {
            push_num(out, base)?;
            out.write_all(b";2;")?;
            push_num(out, r.into())?;
            out.write_all(b";")?;
            push_num(out, g.into())?;
            out.write_all(b";")?;
            return push_num(out, b.into());
        }
    };
    push_num(out, base)?;
    out.write_all(b";5;")?;
    push_num(out, indexed.into())
}

impl<W: Write> Encoder<'_, W> {
    fn sgr(&mut self, code: u16) -> io::Result<()> {
        self.out.write_all(b"\x1b[")?;
        push_num(self.out, code)?;
        self.out.write_all(b"m")
    }

    /// Attribute changes, in the order ratatui's crossterm backend writes them.
    fn modifier(&mut self, to: Modifier) -> io::Result<()> {
        let from = self.pen.modifier;
        let removed = from - to;
        let added = to - from;
        if removed.contains(Modifier::REVERSED) {
            self.sgr(27)?;
        }
        let reset_intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
        if reset_intensity {
            self.sgr(22)?;
            if to.contains(Modifier::DIM) {
                self.sgr(2)?;
            }
            if to.contains(Modifier::BOLD) {
                self.sgr(1)?;
            }
        }
        for (m, code) in [
            (Modifier::ITALIC, 23),
            (Modifier::UNDERLINED, 24),
            (Modifier::CROSSED_OUT, 29),
            (Modifier::HIDDEN, 28),
        ] {
            if removed.contains(m) {
                self.sgr(code)?;
            }
        }
        if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
            self.sgr(25)?;
        }
        for (m, code, skip) in [
            (Modifier::REVERSED, 7, false),
            (Modifier::BOLD, 1, reset_intensity),
            (Modifier::ITALIC, 3, false),
            (Modifier::UNDERLINED, 4, false),
            (Modifier::DIM, 2, reset_intensity),
            (Modifier::CROSSED_OUT, 9, false),
            (Modifier::HIDDEN, 8, false),
            (Modifier::SLOW_BLINK, 5, false),
            (Modifier::RAPID_BLINK, 6, false),
        ] {
            if added.contains(m) && !skip {
                self.sgr(code)?;
            }
        }
        self.pen.modifier = to;
        Ok(())
    }

    /// Write `cell` at (x, y), inside link `link` (or none).
    fn cell(
        &mut self,
        x: u16,
        y: u16,
        cell: &Cell,
        link: Option<&FrameLink>,
        id: Option<usize>,
    ) -> io::Result<()> {
        if id != self.open {
            if self.open.is_some() {
                self.out.write_all(b"\x1b]8;;\x1b\\")?;
            }
            if let Some(l) = link {
                self.out.write_all(b"\x1b]8;;")?;
                self.out.write_all(l.url.as_bytes())?;
                self.out.write_all(b"\x1b\\")?;
            }
            self.open = id;
        }
        if self.cursor != Some((x, y)) {
            self.out.write_all(b"\x1b[")?;
            push_num(self.out, y.saturating_add(1))?;
            self.out.write_all(b";")?;
            push_num(self.out, x.saturating_add(1))?;
            self.out.write_all(b"H")?;
        }
        if cell.modifier != self.pen.modifier {
            self.modifier(cell.modifier)?;
        }
        let colours = [cell.fg, cell.bg, cell.underline_color];
        if colours != self.last[..3] {
            self.last = [
                colours[0],
                colours[1],
                colours[2],
                self.depth.convert(colours[0]),
                self.depth.convert(colours[1]),
                self.depth.convert(colours[2]),
            ];
        }
        let [_, _, _, cfg, cbg, cul] = self.last;
        let (fg, bg) = (cfg != self.pen.fg, cbg != self.pen.bg);
        if fg || bg {
            self.out.write_all(b"\x1b[")?;
            if fg {
                push_color(self.out, 38, cfg)?;
            }
            if fg && bg {
                self.out.write_all(b";")?;
            }
            if bg {
                push_color(self.out, 48, cbg)?;
            }
            self.out.write_all(b"m")?;
            self.pen.fg = cfg;
            self.pen.bg = cbg;
        }
        if cul != self.pen.underline {
            self.out.write_all(b"\x1b[")?;
            push_color(self.out, 58, cul)?;
            self.out.write_all(b"m")?;
            self.pen.underline = cul;
        }
        self.out.write_all(cell.symbol().as_bytes())?;
        self.cursor = Some((x.saturating_add(1), y));
        Ok(())
    }

    /// Close the open link and reset the attributes: every frame starts from a clean
    /// state (a scroll region's new lines are erased with the current background).
    fn finish(&mut self) -> io::Result<()> {
        if self.open.take().is_some() {
            self.out.write_all(b"\x1b]8;;\x1b\\")?;
        }
        if self.pen != Pen::RESET {
            self.out.write_all(b"\x1b[0m")?;
            self.pen = Pen::RESET;
        }
        Ok(())
    }
}

/// Writes frames as ANSI, with OSC 8 around the links of each frame.
pub struct LinkBackend<W: Write> {
    out: W,
    links: Links,
    /// The guest's colour depth (cells arrive in full RGB).
    depth: ColorDepth,
    /// The links written in the last frame (a link still there need not be rewritten).
    prev: Vec<(Rect, String)>,
}

impl<W: Write> LinkBackend<W> {
    pub fn new(writer: W, links: Links) -> Self {
        Self {
            out: writer,
            links,
            depth: ColorDepth::TrueColor,
            prev: Vec::new(),
        }
    }

    /// The depth colours are written in from now on.
    pub fn set_depth(&mut self, depth: ColorDepth) {
        self.depth = depth;
    }

    pub fn depth(&self) -> ColorDepth {
        self.depth
    }

    /// Where the escape sequences go.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// The terminal moved the lines of `shift`'s band: links written in it moved with
    /// their cells (terminals keep a link per cell), and those scrolled out are gone.
    pub fn scrolled(&mut self, shift: super::scroll::Shift) {
        let (top, bottom) = (shift.top, shift.bottom);
        self.prev.retain_mut(|(rect, _)| {
            if rect.bottom() <= top || rect.top() >= bottom {
                return true;
            }
            if rect.top() < top || rect.bottom() > bottom {
                return false;
            }
            let y = i32::from(rect.y) - i32::from(shift.by);
            if y < i32::from(top) || y + i32::from(rect.height) > i32::from(bottom) {
                return false;
            }
            rect.y = y as u16;
            true
        });
    }

    /// Whether the guest's screen shows link `url` at `rect` (written by an earlier
    /// frame and, after a terminal scroll, `scrolled`).
    pub fn shows(&self, rect: &Rect, url: &str) -> bool {
        self.prev.iter().any(|(r, u)| r == rect && u == url)
    }

    /// Forget the links written: the screen was cleared.
    pub fn forget_links(&mut self) {
        self.prev.clear();
    }

    pub fn hide_cursor(&mut self) -> io::Result<()> {
        self.out.write_all(b"\x1b[?25l")
    }

    /// Write a diff (cells in row order, as `Buffer::diff_iter` yields them), the cells
    /// of links that are new since the last frame, and OSC 8 around link cells.
    pub fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let links = self.links.take();
        // Links new (or moved) since the last frame are written whole, even the cells
        // the diff skipped as unchanged, so a link never has holes.
        let mut extra: Vec<(u16, u16, &Cell)> = Vec::new();
        for l in &links {
            if !self.prev.iter().any(|(r, u)| *r == l.rect && *u == l.url) {
                extra.extend(l.cells.iter().map(|(x, y, c)| (*x, *y, c)));
            }
        }
        if links.len() > 1 {
            extra.sort_by_key(|(x, y, _)| (*y, *x));
            extra.dedup_by_key(|(x, y, _)| (*y, *x));
        }
        let mut extra = extra.into_iter().peekable();
        let mut content = content.peekable();
        let link_at = |x: u16, y: u16| {
            links
                .iter()
                .position(|l| l.rect.contains(Position { x, y }))
        };
        let mut enc = Encoder {
            out: &mut self.out,
            depth: self.depth,
            last: [Color::Reset; 6],
            pen: Pen::RESET,
            cursor: None,
            open: None,
        };
        // (row, first free column) after a wide character: see `draw`'s loop.
        let mut covered: Option<(u16, u16)> = None;
        loop {
            // The next cell in row order; where the diff and a link both write one, the
            // diff's.
            let key = |i: &(u16, u16, &Cell)| (i.1, i.0);
            let item = match (content.peek(), extra.peek()) {
                (Some(a), Some(b)) if key(a) > key(b) => extra.next(),
                (Some(a), Some(b)) => {
                    if key(a) == key(b) {
                        extra.next();
                    }
                    content.next()
                }
                (Some(_), None) => content.next(),
                (None, Some(_)) => extra.next(),
                (None, None) => break,
            };
            let Some((x, y, c)) = item else { break };
            // ratatui's diff writes the column after a U+FE0F emoji when it changed, and
            // printed without a cursor move it lands one column late on a terminal that
            // drew the emoji two wide, shifting the rest of the row. The emoji's own
            // handling below blanks that column instead.
            if let Some((cy, free)) = covered
                && cy == y
                && x < free
            {
                continue;
            }
            let w = cell_width(c);
            covered = (w > 1).then(|| (y, x.saturating_add(w)));
            let id = link_at(x, y);
            let link = id.and_then(|i| links.get(i));
            if is_emoji_wide(c) {
                // Terminals draw `🗺️` one or two columns wide. Blank the second column
                // first, then draw the emoji, then move the cursor explicitly: right in
                // both cases (a two-wide emoji covers the blank; a one-wide one leaves
                // it, instead of a stale character).
                let mut blank = c.clone();
                blank.set_symbol(" ");
                enc.cell(x.saturating_add(1), y, &blank, link, id)?;
                enc.cell(x, y, c, link, id)?;
                enc.cursor = None;
                continue;
            }
            enc.cell(x, y, c, link, id)?;
        }
        enc.finish()?;
        self.prev = links.into_iter().map(|l| (l.rect, l.url)).collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    #[test]
    fn urls_cannot_inject_escape_sequences() {
        let evil = "https://x.test/\u{1b}]8;;https://evil\u{7}a\u{1b}\\b\u{9b}31m c\nd";
        let clean = sanitize_url(evil).unwrap();
        assert_eq!(clean, "https://x.test/]8;;https://evila\\b31mcd");
        assert!(!clean.bytes().any(|b| b < 0x20 || b == 0x7f));
        assert_eq!(
            sanitize_url("https://é.test").unwrap(),
            "https://%C3%A9.test"
        );
        assert_eq!(sanitize_url(" \u{1b}\u{7} "), None);
        assert_eq!(sanitize_url(&"a".repeat(MAX_URL + 1)), None);
        assert!(sanitize_url(&"a".repeat(MAX_URL)).is_some());
    }

    fn draw(b: &mut LinkBackend<Vec<u8>>, prev: &Buffer, next: &Buffer) -> String {
        b.draw(prev.diff(next).into_iter()).unwrap();
        String::from_utf8(std::mem::take(b.writer_mut())).unwrap()
    }

    fn backend(links: Links) -> LinkBackend<Vec<u8>> {
        LinkBackend::new(Vec::new(), links)
    }

    #[test]
    fn link_cells_are_wrapped_and_rewritten_whole_when_they_move() {
        let links = Links::default();
        let mut b = backend(links.clone());
        let empty = Buffer::empty(Rect::new(0, 0, 20, 2));
        let mut one = empty.clone();
        one.set_string(0, 0, "see https://a.b/", Style::default());
        let rect = Rect::new(4, 0, 12, 1);
        links.set(vec![(rect, "https://a.b/\u{1b}x".into())], &one);
        let out = draw(&mut b, &empty, &one);
        assert!(out.contains("\x1b]8;;https://a.b/x\x1b\\"), "{out:?}");
        let open = out.find("\x1b]8;;https").unwrap();
        let close = out.rfind("\x1b]8;;\x1b\\").unwrap();
        assert!(out[..open].contains("see"));
        assert!(out[open..close].contains("https://a.b/"));

        // The same frame again: nothing changed, nothing written.
        links.set(vec![(rect, "https://a.b/x".into())], &one);
        assert_eq!(draw(&mut b, &one, &one), "");

        // The link moves one row down over identical text ("h" at column 4 of row 1 was
        // already there): every cell of it is written inside the link.
        let mut two = empty.clone();
        two.set_string(0, 0, "see https://a.b/", Style::default());
        two.set_string(0, 1, "xxx https://a.b/", Style::default());
        let mut prev = two.clone();
        prev.set_string(4, 1, "h", Style::default());
        prev.set_string(5, 1, "zzzzzzzzzzz", Style::default());
        let rect2 = Rect::new(4, 1, 12, 1);
        links.set(vec![(rect2, "https://a.b/x".into())], &two);
        let out = draw(&mut b, &prev, &two);
        let open = out.find("\x1b]8;;https").unwrap();
        let close = out.rfind("\x1b]8;;\x1b\\").unwrap();
        assert!(out[open..close].contains("https://a.b/"), "{out:?}");
    }

    #[test]
    fn a_row_after_a_vs16_emoji_stays_aligned() {
        let mut b = backend(Links::default());
        let mut prev = Buffer::empty(Rect::new(0, 0, 10, 1));
        prev.set_string(0, 0, "abcdefgh", Style::default());
        let mut next = Buffer::empty(Rect::new(0, 0, 10, 1));
        next.set_string(0, 0, "\u{1F5FA}\u{FE0F} xyz", Style::default());
        let written = draw(&mut b, &prev, &next);
        // Without colours: blank column 2, emoji at column 1, then a move to column 3.
        let mut bare = String::new();
        let mut rest = written.as_str();
        while let Some(i) = rest.find("\x1b[") {
            bare.push_str(&rest[..i]);
            let j = rest[i..].find(|c: char| c.is_ascii_alphabetic()).unwrap() + i;
            if &rest[j..=j] == "H" {
                bare.push_str(&rest[i..=j]);
            }
            rest = &rest[j + 1..];
        }
        bare.push_str(rest);
        assert!(
            bare.starts_with("\x1b[1;2H \x1b[1;1H\u{1F5FA}\u{FE0F}\x1b[1;3H xyz"),
            "{bare:?}"
        );
        // A terminal drawing it one column wide (vt100 does) keeps no stale `b`.
        let mut vt = vt100::Parser::new(1, 10, 0);
        vt.process(prev_bytes(&prev).as_bytes());
        vt.process(written.as_bytes());
        let shown = vt.screen().contents();
        assert!(!shown.contains('b') && shown.contains(" xyz"), "{shown:?}");
    }

    /// What a terminal showing `buf` was sent (a full draw).
    fn prev_bytes(buf: &Buffer) -> String {
        let mut b = backend(Links::default());
        draw(&mut b, &Buffer::empty(buf.area), buf)
    }
}
