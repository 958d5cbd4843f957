//! A pure scroll's frame (`frames::glide`): drawn from what changed alone, it must
//! leave everything exactly as a full frame would — the guest's terminal (cells,
//! colours, OSC 8 links), the session's compact screen, the app's clickable regions —
//! through scrolls past headings, to the end and the top, page jumps, and other keys
//! and a resize right after it, at several sizes.
#![cfg(test)]

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::screen_tests::{
    DOWN, Guest, PGDN, PGUP, UP, WHEEL_DOWN, WHEEL_UP, app, assert_same, index, keys,
};
use super::{ByteScreen, Screen};
use crate::render::cache::RenderCache;
use crate::theme::ColorDepth;
use crate::tui::input::{InputParser, Parsed};
use crate::tui::{App, AppEvent};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
enum Step {
    Keys(&'static [u8]),
    /// A lone Esc (reported after the parser's wait).
    Esc,
    Resize(u16, u16),
}

use Step::{Esc, Keys, Resize};

fn esc(app: &mut App) {
    let mut p = InputParser::new();
    let t = Instant::now();
    let mut items = p.feed(b"\x1b", t);
    items.extend(p.timeout(t + Duration::from_secs(1)));
    for item in items {
        if let Parsed::Event(ev) = item {
            app.update(AppEvent::Input(ev));
        }
    }
}

/// Down through every section (the contents' highlight moves), the end and past it,
/// back up to the top and past it, page jumps, the wheel, then other keys right after
/// pure scrolls: the theme, search and back, link labels, a resize and back.
fn steps(cols: u16, rows: u16) -> Vec<Step> {
    let mut s = vec![Keys(DOWN); 40];
    s.extend([Keys(UP); 6]);
    s.extend([Keys(b"G"), Keys(DOWN), Keys(UP), Keys(UP), Keys(DOWN)]);
    s.extend([Keys(b"g"), Keys(UP), Keys(DOWN), Keys(DOWN)]);
    s.extend([Keys(PGDN), Keys(DOWN), Keys(PGDN), Keys(UP), Keys(PGUP)]);
    s.extend([Keys(WHEEL_DOWN), Keys(WHEEL_DOWN), Keys(WHEEL_UP)]);
    s.extend([Keys(DOWN), Keys(b"t"), Keys(DOWN), Keys(DOWN), Keys(UP)]);
    s.extend([Keys(b"/"), Esc, Keys(DOWN), Keys(DOWN)]);
    s.extend([Keys(b"f"), Esc, Keys(DOWN), Keys(DOWN)]);
    s.extend([Resize(cols - 7, rows - 3), Keys(DOWN), Keys(DOWN), Keys(UP)]);
    s.extend([Resize(cols, rows), Keys(DOWN), Keys(DOWN), Keys(UP)]);
    s.extend([Keys(DOWN); 30]);
    s
}

#[test]
fn a_pure_scroll_draws_only_what_moved_and_the_guest_sees_a_full_repaint() {
    for (cols, rows, depth, at_least) in [
        (120, 40, ColorDepth::Ansi256, 90),
        (40, 12, ColorDepth::TrueColor, 85),
        (200, 60, ColorDepth::Ansi16, 90),
    ] {
        let index = index();
        let cache = RenderCache::new();
        let mut app = app(&index, &cache, depth);
        let mut screen = ByteScreen::new(cols, rows).unwrap();
        let mut guest = Guest::new(cols, rows);
        // The same frames drawn the ordinary way, for their size.
        let mut plain = ByteScreen::new(cols, rows).unwrap();
        plain.no_glide = true;
        screen.draw(&app).unwrap();
        guest.feed(&screen.take_output());
        plain.draw(&app).unwrap();
        plain.take_output();
        let (mut size, mut glided_bytes, mut plain_bytes) = ((cols, rows), 0, 0);
        for (i, step) in steps(cols, rows).into_iter().enumerate() {
            match step {
                Keys(k) => keys(&mut app, k),
                Esc => esc(&mut app),
                Resize(c, r) => {
                    size = (c, r);
                    screen.resize(c, r).unwrap();
                    plain.resize(c, r).unwrap();
                    guest = Guest::new(c, r);
                }
            }
            let what = format!("{cols}x{rows} step {i} ({step:?})");
            let glided = screen.glided();
            screen.draw(&app).unwrap();
            let out = screen.take_output();
            guest.feed(&out);
            let hits = app.hits_debug();
            let drawn = screen.drawn_cells();
            plain.draw(&app).unwrap();
            let plain_out = plain.take_output();
            if screen.glided() > glided {
                glided_bytes += out.len();
                plain_bytes += plain_out.len();
            }
            // A full repaint of the same state, on a fresh terminal.
            let mut fresh = ByteScreen::new(size.0, size.1).unwrap();
            fresh.draw(&app).unwrap();
            let mut want = Guest::new(size.0, size.1);
            want.feed(&fresh.take_output());
            assert_same(&guest, &want, &what);
            let mut cells = Buffer::empty(Rect::new(0, 0, size.0, size.1));
            app.render(cells.area, &mut cells);
            assert!(drawn == Some(cells), "{what}: cells differ");
            assert_eq!(hits, app.hits_debug(), "{what}: clickable regions differ");
        }
        // Every frame is checked above; here, that the fast path was taken (one-line
        // scrolls, the wheel; not the first key, page jumps, the other keys).
        let glided = screen.glided();
        assert!(
            glided >= at_least,
            "{cols}x{rows}: only {glided} frames drawn as a pure scroll"
        );
        // And that it sends no more than the ordinary frame would (a little slack for
        // the band it picks without a search).
        assert!(
            glided_bytes <= plain_bytes + plain_bytes / 10,
            "{cols}x{rows}: pure scrolls sent {glided_bytes} bytes, ordinary frames {plain_bytes}"
        );
    }
}
