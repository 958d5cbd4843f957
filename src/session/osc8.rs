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
//! one or two columns wide (see `drop_covered` and `draw`).

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::layout::{Position, Rect, Size};

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
        let mut list = Vec::new();
        for (rect, url) in links.into_iter().take(MAX_LINKS) {
            let rect = rect.intersection(buf.area);
            let Some(url) = sanitize_url(&url) else {
                continue;
            };
            if rect.is_empty() {
                continue;
            }
            let mut cells = Vec::new();
            for y in rect.top()..rect.bottom() {
                let mut x = rect.left();
                while x < rect.right() {
                    let Some(cell) = buf.cell((x, y)) else { break };
                    if cell.diff_option != CellDiffOption::Skip {
                        cells.push((x, y, cell.clone()));
                    }
                    // A wide character's trailing column is not written separately.
                    x = x.saturating_add(cell_width(cell).max(1));
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

/// The cells to write without those a wide character just written already covers.
///
/// ratatui's diff writes the column after a U+FE0F emoji when it changed, and the
/// crossterm backend prints it without a cursor move (it follows the last column
/// written), so a terminal that drew the emoji two wide prints it one column late and
/// shifts the rest of the row. `draw` blanks that column itself, in an order that is
/// right for both widths.
fn drop_covered(items: Vec<(u16, u16, &Cell)>) -> Vec<(u16, u16, &Cell)> {
    let mut out = Vec::with_capacity(items.len());
    let mut covered: Option<(u16, u16)> = None; // (row, first free column)
    for (x, y, c) in items {
        if let Some((cy, free)) = covered
            && cy == y
            && x < free
        {
            continue;
        }
        let w = cell_width(c);
        covered = (w > 1).then(|| (y, x.saturating_add(w)));
        out.push((x, y, c));
    }
    out
}

/// A crossterm backend that writes OSC 8 around the links of each frame.
pub struct LinkBackend<W: Write> {
    inner: CrosstermBackend<W>,
    links: Links,
    /// The links written in the last frame (a link still there need not be rewritten).
    prev: Vec<(Rect, String)>,
    /// The guest's terminal size. Never asked of crossterm: its `size()` reads the
    /// *server's* stdout and, when that is not a terminal, spawns `tput` twice — a
    /// fork+exec per call, which was most of a new session's CPU.
    size: Size,
}

impl<W: Write> LinkBackend<W> {
    pub fn new(writer: W, links: Links, size: Size) -> Self {
        Self {
            inner: CrosstermBackend::new(writer),
            links,
            prev: Vec::new(),
            size,
        }
    }

    /// The guest resized its terminal.
    pub fn set_size(&mut self, size: Size) {
        self.size = size;
    }
}

impl<W: Write> Backend for LinkBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let links = self.links.take();
        let mut items: Vec<(u16, u16, &Cell)> = content.collect();
        let diff_len = items.len();
        for l in &links {
            if !self.prev.iter().any(|(r, u)| *r == l.rect && *u == l.url) {
                items.extend(l.cells.iter().map(|(x, y, c)| (*x, *y, c)));
            }
        }
        if items.len() > diff_len {
            // Stable: where the diff and a link both write a cell, the diff's comes first.
            items.sort_by_key(|(x, y, _)| (*y, *x));
            items.dedup_by_key(|(x, y, _)| (*y, *x));
        }
        self.prev = links.iter().map(|l| (l.rect, l.url.clone())).collect();
        let items = drop_covered(items);

        let link_at = |x: u16, y: u16| {
            links
                .iter()
                .position(|l| l.rect.contains(Position { x, y }))
        };
        // Runs of cells written together (the backend moves the cursor before each).
        let mut runs: Vec<(Option<usize>, Vec<Placed>)> = Vec::new();
        let mut sealed = true;
        for (x, y, c) in items {
            let link = link_at(x, y);
            if is_emoji_wide(c) {
                // Terminals draw `🗺️` one or two columns wide. Blank the second column
                // first, then draw the emoji, then move the cursor explicitly: right in
                // both cases (a two-wide emoji covers the blank; a one-wide one leaves
                // it, instead of a stale character).
                let mut blank = c.clone();
                blank.set_symbol(" ");
                runs.push((link, vec![(x.saturating_add(1), y, blank)]));
                runs.push((link, vec![(x, y, c.clone())]));
                sealed = true;
                continue;
            }
            match runs.last_mut() {
                Some((l, cells)) if !sealed && *l == link => cells.push((x, y, c.clone())),
                _ => runs.push((link, vec![(x, y, c.clone())])),
            }
            sealed = false;
        }
        for (link, cells) in &runs {
            let run = cells.iter().map(|(x, y, c)| (*x, *y, c));
            match link.and_then(|i| links.get(i)) {
                Some(l) => {
                    write!(self.inner, "\x1b]8;;{}\x1b\\", l.url)?;
                    self.inner.draw(run)?;
                    self.inner.write_all(b"\x1b]8;;\x1b\\")?;
                }
                None => self.inner.draw(run)?,
            }
        }
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }
    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.prev.clear();
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.prev.clear();
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.size,
            pixels: Size::default(),
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::FrameBuf;
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

    fn draw(b: &mut (LinkBackend<FrameBuf>, FrameBuf), prev: &Buffer, next: &Buffer) -> String {
        b.0.draw(prev.diff(next).into_iter()).unwrap();
        String::from_utf8(b.1.take()).unwrap()
    }

    #[test]
    fn link_cells_are_wrapped_and_rewritten_whole_when_they_move() {
        let links = Links::default();
        let out = FrameBuf::default();
        let mut b = (
            LinkBackend::new(out.clone(), links.clone(), Size::new(80, 24)),
            out,
        );
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
        let out = FrameBuf::default();
        let mut b = (
            LinkBackend::new(out.clone(), Links::default(), Size::new(80, 24)),
            out,
        );
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
        let out = FrameBuf::default();
        let mut b = (
            LinkBackend::new(out.clone(), Links::default(), Size::new(80, 24)),
            out,
        );
        draw(&mut b, &Buffer::empty(buf.area), buf)
    }
}
