//! A pure scroll, as the session sees it: what the last frame's view was drawn from
//! (`ViewMemo`, everything but the reader's place), whether a frame drawn now differs
//! from it only by the reader's place (`App::reader_moved`), and drawing just what that
//! changes (`App::render_moved`), so the session need not draw, key, diff or store the
//! rest of the frame again.

use std::ops::Range;
use std::sync::{Arc, Weak};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{App, Layer};
use crate::graphics::Protocol;
use crate::theme::{ColorDepth, Theme, ThemeKind};
use crate::tui::screens::Ctx;
use crate::tui::screens::reader::ReaderScreen;
use crate::tui::state::{Screen, Section};
use crate::tui::views;

/// What a frame of the reader was drawn from, in `area`: equal memos but for the
/// place (`first`) mean the frames differ only where the place shows.
#[derive(Clone)]
pub struct ViewMemo {
    area: Rect,
    /// The content drawn (the `Weak` keeps its address from being reused).
    index: Weak<crate::content::Index>,
    theme: &'static Theme,
    kind: ThemeKind,
    depth: ColorDepth,
    guests: usize,
    images: Protocol,
    section: Section,
    screen: Screen,
    depth_of_stack: usize,
    mouse: bool,
    reader: ReaderScreen,
    /// The text's rows, the first line shown on them, the scrollbar.
    text: Rect,
    first: usize,
    scrollbar: Rect,
}

/// How the reader's text moved since a memo's frame: row `y` of `text` now shows what
/// row `y + by` showed (`by` > 0: scrolled down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderMove {
    pub text: Rect,
    pub scrollbar: Rect,
    pub by: i32,
}

impl App {
    /// The memo of a frame drawn now in `area`, when the next could be a pure scroll of
    /// it: the reader on top showing only its page's lines, no overlay, no notice.
    pub fn view_memo(&self, area: Rect) -> Option<ViewMemo> {
        if self.notice.is_some() || self.overlay.is_some() {
            return None;
        }
        let Some(Layer::Reader(r)) = self.stack.last() else {
            return None;
        };
        let rows = self.text_rows_ahead(area)?;
        let cx = cx!(self);
        let place = r.place(&cx, views::chrome(area, false).body);
        (place.first == rows.first && place.text == rows.rect).then(|| ViewMemo {
            area,
            index: Arc::downgrade(&self.index),
            theme: self.theme(),
            kind: self.terminal,
            depth: self.opts.depth,
            guests: self.guests,
            images: cx.images,
            section: self.section(),
            screen: self.screen(),
            depth_of_stack: self.stack.len(),
            mouse: self.mouse,
            reader: r.clone(),
            text: place.text,
            first: place.first,
            scrollbar: place.scrollbar,
        })
    }

    /// How far the reader's text moved since `memo`'s frame, when a frame drawn now in
    /// `area` differs from it only by the reader's place (and shows only the page's
    /// lines), and the memo of that frame: `None` otherwise.
    pub fn reader_moved(&self, memo: &ViewMemo, area: Rect) -> Option<(ReaderMove, ViewMemo)> {
        let now = self.view_memo(area)?;
        let same = std::ptr::eq(now.index.as_ptr(), memo.index.as_ptr())
            && std::ptr::eq(now.theme, memo.theme)
            && (now.area, now.kind, now.depth, now.guests, now.images)
                == (memo.area, memo.kind, memo.depth, memo.guests, memo.images)
            && (now.section, now.screen, now.depth_of_stack, now.mouse)
                == (memo.section, memo.screen, memo.depth_of_stack, memo.mouse)
            && (now.text, now.scrollbar) == (memo.text, memo.scrollbar)
            && now.reader.same_but_scroll(&memo.reader);
        let by = i64::try_from(now.first).ok()? - i64::try_from(memo.first).ok()?;
        let by = i32::try_from(by).ok()?;
        let mv = ReaderMove {
            text: now.text,
            scrollbar: now.scrollbar,
            by,
        };
        same.then_some((mv, now))
    }

    /// Over the frame `memo` was taken of (as far as the caller keeps it: the text rows
    /// `kept`, moved by `reader_moved`'s distance; every other cell as it was), draw
    /// what a frame drawn now shows differently, exactly as `render` draws it, and
    /// make the clickable regions `render`'s. Returns the rectangles drawn (each
    /// blanked first). Only after `reader_moved` said the frame is a pure scroll.
    pub fn render_moved(
        &self,
        memo: &ViewMemo,
        area: Rect,
        kept: Range<u16>,
        buf: &mut Buffer,
    ) -> Option<Vec<Rect>> {
        let Some(Layer::Reader(r)) = self.stack.last() else {
            return None;
        };
        let cx = cx!(self);
        let body = views::chrome(area, false).body;
        Some(r.view_moved(&cx, body, memo.first, kept, buf, self.theme()))
    }
}
