//! What a guest sees: a terminal fed a `ByteScreen`'s frames one after another (diffs,
//! scroll regions) must show exactly what a terminal fed one full repaint of the final
//! state shows, cell by cell: text, colours, attributes, and each cell's OSC 8 link.
#![cfg(test)]

use std::sync::Arc;
use std::time::Instant;

use unicode_width::UnicodeWidthChar;

use super::{ByteScreen, Screen};
use crate::content::model::{Date, Site};
use crate::content::{Index, PageRef, Post};
use crate::render::cache::RenderCache;
use crate::theme::ColorDepth;
use crate::tui::input::{InputParser, Parsed};
use crate::tui::{App, AppEvent, AppOptions};

/// A post with a table of contents, links on many lines, a code line wider than any
/// terminal, wide characters, and a `🗺️` emoji.
pub(super) fn index() -> Arc<Index> {
    let mut md = String::new();
    for s in 0..12 {
        md.push_str(&format!("## Section {s}\n\n"));
        for p in 0..3 {
            md.push_str(&format!(
                "Paragraph {p} of section {s}: see [the docs {s}.{p}](https://example.com/{s}/{p}) \
                 and read on, because this text wraps over a few lines at eighty columns and \
                 needs scrolling. 日本語のテキスト too.\n\n"
            ));
        }
        if s % 4 == 1 {
            md.push_str(&format!(
                "```rust\nlet wide = \"{}\"; // 🗺️ map\n```\n\n",
                "0123456789".repeat(16)
            ));
        }
        if s % 4 == 2 {
            md.push_str("A map 🗺️ on its own line, then [a link](https://example.com/map).\n\n");
        }
    }
    let (body, _) = crate::content::markdown::parse(&md);
    let post = Post {
        slug: "long".into(),
        title: "A long post".into(),
        description: "Scrolls.".into(),
        date: Date {
            year: 2025,
            month: 1,
            day: 2,
        },
        read_time: Some("9 min".into()),
        tags: vec!["rust".into()],
        thumbnail: None,
        body,
        source: "blog/long.md".into(),
    };
    let mut index = Index {
        site: Site {
            name: "Test Folio".into(),
            ..Default::default()
        },
        posts: vec![post],
        ..Default::default()
    };
    index.pages.insert("blog/long".into(), PageRef::Post(0));
    Arc::new(index)
}

pub(super) fn app(index: &Arc<Index>, cache: &RenderCache, depth: ColorDepth) -> App {
    let opts = AppOptions {
        depth,
        start: Some("blog/long".into()),
        ..Default::default()
    };
    App::new(index.clone(), cache.clone(), opts)
}

pub(super) fn keys(app: &mut App, bytes: &[u8]) {
    let mut p = InputParser::new();
    for item in p.feed(bytes, Instant::now()) {
        if let Parsed::Event(ev) = item {
            app.update(AppEvent::Input(ev));
        }
    }
}

/// A minimal terminal that only follows which link each cell was printed inside
/// (vt100 ignores OSC 8): cursor moves, the scroll region, line feeds, reverse index,
/// clearing, and printing.
struct LinkGrid {
    cols: usize,
    rows: usize,
    cells: Vec<Option<String>>,
    cursor: (usize, usize),
    region: (usize, usize),
    link: Option<String>,
}

impl LinkGrid {
    fn new(cols: u16, rows: u16) -> Self {
        let (cols, rows) = (cols as usize, rows as usize);
        Self {
            cols,
            rows,
            cells: vec![None; cols * rows],
            cursor: (0, 0),
            region: (0, rows - 1),
            link: None,
        }
    }

    fn scroll_up(&mut self) {
        let (t, b) = self.region;
        let w = self.cols;
        self.cells[t * w..(b + 1) * w].rotate_left(w);
        self.cells[b * w..(b + 1) * w].fill(None);
    }

    fn scroll_down(&mut self) {
        let (t, b) = self.region;
        let w = self.cols;
        self.cells[t * w..(b + 1) * w].rotate_right(w);
        self.cells[t * w..(t + 1) * w].fill(None);
    }

    fn feed(&mut self, bytes: &[u8]) {
        let text = std::str::from_utf8(bytes).unwrap();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => match chars.next() {
                    Some('[') => {
                        let mut params = String::new();
                        let fin = loop {
                            let c = chars.next().unwrap();
                            if c.is_ascii_alphabetic() || c == '~' {
                                break c;
                            }
                            params.push(c);
                        };
                        let nums: Vec<usize> = params
                            .trim_start_matches('?')
                            .split(';')
                            .map(|n| n.parse().unwrap_or(0))
                            .collect();
                        let at = |i: usize| nums.get(i).copied().filter(|n| *n > 0).unwrap_or(1);
                        match fin {
                            'H' => self.cursor = (at(1) - 1, at(0) - 1),
                            'r' if params.is_empty() => {
                                self.region = (0, self.rows - 1);
                                self.cursor = (0, 0);
                            }
                            'r' => {
                                self.region = (at(0) - 1, at(1) - 1);
                                self.cursor = (0, 0);
                            }
                            'J' if params == "2" => self.cells.fill(None),
                            'm' | 'l' | 'h' => {}
                            other => panic!("unexpected CSI {params}{other}"),
                        }
                    }
                    Some(']') => {
                        let mut osc = String::new();
                        loop {
                            match chars.next().unwrap() {
                                '\x1b' => {
                                    assert_eq!(chars.next(), Some('\\'));
                                    break;
                                }
                                c => osc.push(c),
                            }
                        }
                        let url = osc.strip_prefix("8;;").expect("only OSC 8 in frames");
                        self.link = (!url.is_empty()).then(|| url.to_string());
                    }
                    Some('M') => {
                        if self.cursor.1 == self.region.0 {
                            self.scroll_down();
                        } else {
                            self.cursor.1 = self.cursor.1.saturating_sub(1);
                        }
                    }
                    other => panic!("unexpected ESC {other:?}"),
                },
                '\n' => {
                    if self.cursor.1 == self.region.1 {
                        self.scroll_up();
                    } else {
                        self.cursor.1 = (self.cursor.1 + 1).min(self.rows - 1);
                    }
                }
                c => {
                    let w = c.width().unwrap_or(0);
                    if w == 0 {
                        continue;
                    }
                    let (x, y) = self.cursor;
                    for i in 0..w {
                        if x + i < self.cols {
                            self.cells[y * self.cols + x + i] = self.link.clone();
                        }
                    }
                    self.cursor.0 = (x + w).min(self.cols - 1);
                }
            }
        }
    }
}

/// Both terminals a stream of frames is fed to.
pub(super) struct Guest {
    vt: vt100::Parser,
    links: LinkGrid,
}

impl Guest {
    pub(super) fn new(cols: u16, rows: u16) -> Self {
        Self {
            vt: vt100::Parser::new(rows, cols, 0),
            links: LinkGrid::new(cols, rows),
        }
    }
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        self.vt.process(bytes);
        self.links.feed(bytes);
    }
}

pub(super) fn assert_same(got: &Guest, want: &Guest, what: &str) {
    let (a, b) = (got.vt.screen(), want.vt.screen());
    let (rows, cols) = a.size();
    for y in 0..rows {
        for x in 0..cols {
            let (ca, cb) = (a.cell(y, x).unwrap(), b.cell(y, x).unwrap());
            let look = |c: &vt100::Cell| {
                (
                    c.contents().to_string(),
                    c.fgcolor(),
                    c.bgcolor(),
                    c.bold(),
                    c.dim(),
                    c.italic(),
                    c.underline(),
                    c.inverse(),
                )
            };
            assert_eq!(
                look(ca),
                look(cb),
                "{what}: cell ({x}, {y}) differs\ngot:\n{}\nwant:\n{}",
                a.contents(),
                b.contents()
            );
        }
    }
    let w = got.links.cols;
    for (i, (l, r)) in got.links.cells.iter().zip(&want.links.cells).enumerate() {
        // A cell's link matters only where there is text (terminals don't show it on
        // blanks, and a full repaint doesn't write blank cells).
        let text = b.cell((i / w) as u16, (i % w) as u16).unwrap().contents();
        if !text.trim().is_empty() {
            assert_eq!(l, r, "{what}: link of cell ({}, {})", i % w, i / w);
        }
    }
}

/// Scroll through the post step by step; after each step the incremental screen must
/// equal a full repaint. Returns (steps that used a scroll region, their bytes, the
/// bytes of one full repaint).
fn walk(cols: u16, rows: u16, depth: ColorDepth, steps: &[&[u8]]) -> (usize, usize, usize) {
    let index = index();
    let cache = RenderCache::new();
    let mut app = app(&index, &cache, depth);
    let mut screen = ByteScreen::new(cols, rows).unwrap();
    let mut guest = Guest::new(cols, rows);
    screen.draw(&app).unwrap();
    let full = screen.take_output();
    guest.feed(&full);
    let (mut scrolled, mut scroll_bytes) = (0, 0);
    for (i, step) in steps.iter().enumerate() {
        keys(&mut app, step);
        screen.draw(&app).unwrap();
        let out = screen.take_output();
        guest.feed(&out);
        if out.windows(3).any(|w| w == b"\x1b[r") {
            scrolled += 1;
            scroll_bytes += out.len();
        }
        let mut fresh = ByteScreen::new(cols, rows).unwrap();
        fresh.draw(&app).unwrap();
        let mut want = Guest::new(cols, rows);
        want.feed(&fresh.take_output());
        let what = format!("{cols}x{rows} {depth:?} step {i} ({step:?})");
        assert_same(&guest, &want, &what);
    }
    (scrolled, scroll_bytes, full.len())
}

pub(super) const DOWN: &[u8] = b"j";
pub(super) const UP: &[u8] = b"k";
pub(super) const PGDN: &[u8] = b"\x1b[6~";
pub(super) const PGUP: &[u8] = b"\x1b[5~";
pub(super) const WHEEL_DOWN: &[u8] = b"\x1b[<65;40;20M";
pub(super) const WHEEL_UP: &[u8] = b"\x1b[<64;40;20M";

/// Down line by line through links, wide text and the emoji, then up, a page down and
/// up, and the mouse wheel.
fn steps() -> Vec<&'static [u8]> {
    let mut s = vec![DOWN; 14];
    s.extend([UP; 5]);
    s.extend([PGDN, DOWN, PGDN, UP, PGUP, WHEEL_DOWN, WHEEL_DOWN, WHEEL_UP]);
    s.extend([DOWN; 20]);
    s
}

#[test]
fn scrolling_at_120x40_with_a_toc_matches_a_full_repaint() {
    for depth in [ColorDepth::Ansi256, ColorDepth::Ansi16] {
        let (scrolled, bytes, full) = walk(120, 40, depth, &steps());
        assert!(scrolled >= 30, "{depth:?}: only {scrolled} steps scrolled");
        assert!(
            bytes / scrolled * 4 <= full,
            "{depth:?}: {} bytes a scroll vs {full} a repaint",
            bytes / scrolled
        );
    }
}

#[test]
fn scrolling_at_80x24_matches_a_full_repaint() {
    for depth in [
        ColorDepth::Ansi256,
        ColorDepth::Ansi16,
        ColorDepth::TrueColor,
    ] {
        let (scrolled, _, _) = walk(80, 24, depth, &steps());
        assert!(scrolled >= 30, "{depth:?}: only {scrolled} steps scrolled");
    }
}

#[test]
fn hibernation_and_resize_repaint_in_full_and_scroll_again() {
    let index = index();
    let cache = RenderCache::new();
    let mut app = app(&index, &cache, ColorDepth::Ansi256);
    let mut screen = ByteScreen::new(120, 40).unwrap();
    let mut guest = Guest::new(120, 40);
    screen.draw(&app).unwrap();
    guest.feed(&screen.take_output());
    keys(&mut app, DOWN);
    screen.hibernate();
    screen.draw(&app).unwrap();
    let out = screen.take_output();
    assert!(
        !out.windows(3).any(|w| w == b"\x1b[r"),
        "scrolled a blank screen"
    );
    guest.feed(&out);
    keys(&mut app, DOWN);
    screen.draw(&app).unwrap();
    let out = screen.take_output();
    assert!(out.windows(3).any(|w| w == b"\x1b[r"));
    guest.feed(&out);

    // A resize clears: the guest's terminal is resized too, then the frame is full.
    screen.resize(80, 24).unwrap();
    keys(&mut app, DOWN);
    screen.draw(&app).unwrap();
    let out = screen.take_output();
    assert!(!out.windows(3).any(|w| w == b"\x1b[r"));
    let mut guest = Guest::new(80, 24);
    guest.feed(&out);
    keys(&mut app, DOWN);
    screen.draw(&app).unwrap();
    guest.feed(&screen.take_output());
    let mut fresh = ByteScreen::new(80, 24).unwrap();
    fresh.draw(&app).unwrap();
    let mut want = Guest::new(80, 24);
    want.feed(&fresh.take_output());
    assert_same(&guest, &want, "after resize");
}

/// Several guests drawn one after another on the same worker thread share its scratch
/// buffers: each guest's screen after each step (scrolls, a page down, hibernation and
/// waking up, a resize) must still equal a full repaint of its own state, and the
/// scroll regions must still be used.
#[test]
fn guests_sharing_a_worker_each_see_a_full_repaint() {
    let index = index();
    let cache = RenderCache::new();
    let sizes = [(120, 40), (80, 24), (120, 40)];
    let mut guests: Vec<(App, ByteScreen, Guest)> = sizes
        .iter()
        .map(|&(c, r)| {
            let mut screen = ByteScreen::new(c, r).unwrap();
            let app = app(&index, &cache, ColorDepth::Ansi256);
            let mut guest = Guest::new(c, r);
            screen.draw(&app).unwrap();
            guest.feed(&screen.take_output());
            (app, screen, guest)
        })
        .collect();
    let mut scrolled = 0;
    for (step, bytes) in steps().iter().enumerate() {
        for (g, (app, screen, guest)) in guests.iter_mut().enumerate() {
            // Each guest a little out of step with the others.
            if (step + g) % 3 == 0 {
                keys(app, DOWN);
            }
            keys(app, bytes);
            if step % 11 == 5 + g {
                screen.hibernate();
            }
            screen.draw(app).unwrap();
            let out = screen.take_output();
            scrolled += usize::from(out.windows(3).any(|w| w == b"\x1b[r"));
            guest.feed(&out);
            let (cols, rows) = sizes[g];
            let mut fresh = ByteScreen::new(cols, rows).unwrap();
            fresh.draw(app).unwrap();
            let mut want = Guest::new(cols, rows);
            want.feed(&fresh.take_output());
            assert_same(guest, &want, &format!("guest {g} step {step} ({bytes:?})"));
        }
    }
    assert!(scrolled >= 60, "only {scrolled} frames scrolled");
}

/// After each of `steps`, drawn on another thread by an app fed the same keys (so the
/// screen under test keeps this thread's scratch buffers to itself): a full repaint,
/// and the frame of a screen that never draws over its last frame (another screen
/// takes the scratch buffers between its frames).
fn repaints_elsewhere(
    cols: u16,
    rows: u16,
    depth: ColorDepth,
    steps: Vec<&'static [u8]>,
) -> std::sync::mpsc::Receiver<(Vec<u8>, Vec<u8>)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let index = index();
        let cache = RenderCache::new();
        let mut app = app(&index, &cache, depth);
        let mut screen = ByteScreen::new(cols, rows).unwrap();
        screen.no_glide = true;
        screen.draw(&app).unwrap();
        screen.take_output();
        for step in steps {
            keys(&mut app, step);
            let mut fresh = ByteScreen::new(cols, rows).unwrap();
            fresh.draw(&app).unwrap();
            screen.draw(&app).unwrap();
            assert_eq!(screen.kept(), 0);
            if tx
                .send((fresh.take_output(), screen.take_output()))
                .is_err()
            {
                return;
            }
        }
    });
    rx
}

/// While a guest scrolls and nothing else draws on its worker, each frame is drawn over
/// the last one (the reader's rows both show are moved, not drawn): its cells are
/// exactly a full render's, its bytes exactly those of a frame drawn in full, and the
/// guest's terminal shows exactly a full repaint.
#[test]
fn a_scroll_keeps_the_rows_it_can_and_the_guest_sees_a_full_repaint() {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    for (cols, rows, depth) in [(120, 40, ColorDepth::Ansi256), (80, 24, ColorDepth::Ansi16)] {
        let steps = steps();
        let want = repaints_elsewhere(cols, rows, depth, steps.clone());
        let index = index();
        let cache = RenderCache::new();
        let mut app = app(&index, &cache, depth);
        let mut screen = ByteScreen::new(cols, rows).unwrap();
        // The rows kept by lending, not a pure scroll's frame (`glide_tests`).
        screen.no_glide = true;
        let mut guest = Guest::new(cols, rows);
        screen.draw(&app).unwrap();
        guest.feed(&screen.take_output());
        for (i, step) in steps.iter().enumerate() {
            keys(&mut app, step);
            screen.draw(&app).unwrap();
            let out = screen.take_output();
            guest.feed(&out);
            let (repaint, drawn_in_full) = want.recv().unwrap();
            let what = format!("{cols}x{rows} step {i} ({step:?})");
            assert!(out == drawn_in_full, "{what}: bytes differ");
            let mut full = Guest::new(cols, rows);
            full.feed(&repaint);
            assert_same(&guest, &full, &what);
            let mut cells = Buffer::empty(Rect::new(0, 0, cols, rows));
            app.render(cells.area, &mut cells);
            assert!(screen.drawn_cells() == Some(cells), "{what}: cells differ");
        }
        assert!(
            screen.kept() >= 30,
            "{cols}x{rows}: {} frames drawn over the last",
            screen.kept()
        );
    }
}

/// Given the terminal's size first (as the session does), the app measures the reading
/// statistics before the first frame at the size that frame is drawn at: one layout of
/// the page, not one more at the 80×24 default.
#[test]
fn reading_statistics_before_the_first_frame_are_at_the_terminal_size() {
    let index = index();
    let cache = RenderCache::new();
    let app = app(&index, &cache, ColorDepth::Ansi256);
    app.set_size(120, 40);
    let before = app.reading();
    let bytes = cache.bytes();
    assert!(bytes > 0 && before.is_some_and(|(_, pct)| pct < 100));
    let mut screen = ByteScreen::new(120, 40).unwrap();
    screen.draw(&app).unwrap();
    assert_eq!(app.reading(), before);
    assert_eq!(
        cache.bytes(),
        bytes,
        "the first frame needed another layout"
    );
}
