//! `ByteScreen`: the terminal a session draws on, in memory. It keeps what the guest
//! sees (compactly, `compact`), draws each frame on its worker thread's scratch
//! buffers, diffs it into escape sequences (scrolling rows that moved, `scroll`), wraps
//! links in OSC 8 (`osc8`), and can hibernate (forget what is shown; the next frame is
//! a full repaint).

use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use std::sync::Arc;

use super::compact::Compact;
use super::first::First;
use super::scratch::{Scratch, Stamp, with_scratch};
use super::{Screen, osc8, pictures, scroll, sgr};
use crate::tui::state::TextRows;
use crate::tui::{App, ViewMemo};

mod glide;

fn draw_app<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &App,
    notice: Option<&str>,
) -> Result<(), String> {
    terminal
        .draw(|frame| paint(frame, app, notice))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One frame: the app's view, a notice on the bottom row (idle countdown, session cap),
/// then the guest's colour depth applied once, before the diff.
fn paint(frame: &mut ratatui::Frame, app: &App, notice: Option<&str>) {
    let area = frame.area();
    paint_into(area, frame.buffer_mut(), app, notice);
    // Views draw in full RGB; the guest's depth is applied once, before the diff.
    app.depth().convert_buffer(frame.buffer_mut());
}

/// `paint` into a buffer (blank or reset) covering `area`, in full RGB (a `ByteScreen`
/// converts the colours of the cells it writes only).
fn paint_into(area: Rect, buf: &mut Buffer, app: &App, notice: Option<&str>) {
    paint_over(area, buf, app, notice, None);
}

/// `paint_into` over cells in `kept` that already hold the frame's (`App::render_over`).
fn paint_over(area: Rect, buf: &mut Buffer, app: &App, notice: Option<&str>, kept: Option<Rect>) {
    app.render_over(area, buf, kept);
    if let Some(text) = notice
        && area.height > 0
    {
        let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let style = ratatui::style::Style::new()
            .add_modifier(ratatui::style::Modifier::REVERSED)
            .add_modifier(ratatui::style::Modifier::BOLD);
        ratatui::widgets::Clear.render(row, buf);
        ratatui::widgets::Paragraph::new(text)
            .style(style)
            .alignment(ratatui::layout::Alignment::Center)
            .render(row, buf);
    }
}

/// What a `ByteScreen` draws through: OSC 8 links around an in-memory writer.
type ScreenBackend = osc8::LinkBackend<Vec<u8>>;

/// Clears the guest's screen before a frame drawn on blank buffers (after hibernation
/// or a resize), so the diff paints every cell that isn't blank.
const CLEAR: &[u8] = b"\x1b[0m\x1b[H\x1b[2J";

/// A screen that writes ANSI into memory, for sending over a channel, with the frame's
/// links wrapped in OSC 8 (`osc8`).
///
/// It keeps what the guest's terminal shows (not a ratatui `Terminal`), four bytes a
/// cell (`Compact`); frames are drawn and diffed on the worker thread's two cell
/// buffers, shared by every session the thread runs. Knowing what is shown lets a
/// frame whose rows moved be sent as a terminal scroll plus the rows that came into
/// view (`scroll`). Hibernating forgets it; the next draw repaints the whole screen.
pub struct ByteScreen {
    frames: Option<Frames>,
    /// Nothing was drawn since `ENTER` cleared the guest's screen: the first frame
    /// needs no clear of its own.
    blank: bool,
    /// The guest's screen shows a shared first frame (`adopt`) and this screen has no
    /// buffers yet: those cells, and the row where this guest's differ (its own count
    /// in the guests-online label).
    shared: Option<(Arc<First>, Option<u16>)>,
    size: (u16, u16),
    links: osc8::Links,
    /// The depth of the last frame drawn (16 colours need their SGR rewritten).
    depth: crate::theme::ColorDepth,
    /// The pictures written as pixels after the cells (kitty, sixel, iTerm2).
    painter: crate::graphics::Painter,
    /// Never draw a frame as a pure scroll (to test the other paths).
    #[cfg(test)]
    pub no_glide: bool,
}

/// What an awake `ByteScreen` keeps: what the guest's terminal shows, and the writer.
struct Frames {
    backend: ScreenBackend,
    /// What the guest's terminal shows.
    shown: Compact,
    /// Whose frame a worker's scratch holds (`compact`).
    stamp: Stamp,
    /// `shown` is blank because the screen was just cleared: no scroll can help.
    fresh: bool,
    /// The reader rows of the frame shown (`App::text_rows`), for drawing the next one
    /// over it while a worker's scratch still holds it.
    text: Option<TextRows>,
    /// What the view of the frame shown was drawn from, when the next frame may be a
    /// pure scroll of it (`glide`).
    memo: Option<ViewMemo>,
    /// Frames drawn over the one before (some rows copied, not drawn).
    #[cfg(test)]
    kept: usize,
    /// Frames drawn as a pure scroll (`glide`).
    #[cfg(test)]
    glided: usize,
}

impl Frames {
    fn new(links: &osc8::Links, cols: u16, rows: u16) -> Self {
        crate::metrics::FRAMES_FULL.inc();
        Self::with(links, Compact::blank(Rect::new(0, 0, cols, rows)), true)
    }

    /// A screen showing `shown` (a shared first frame's cells).
    fn showing(links: &osc8::Links, shown: &Buffer) -> Self {
        let mut compact = Compact::default();
        compact.store(shown);
        Self::with(links, compact, false)
    }

    fn with(links: &osc8::Links, shown: Compact, fresh: bool) -> Self {
        Self {
            backend: osc8::LinkBackend::new(Vec::new(), links.clone()),
            shown,
            stamp: Stamp::new(),
            fresh,
            text: None,
            memo: None,
            #[cfg(test)]
            kept: 0,
            #[cfg(test)]
            glided: 0,
        }
    }

    /// Clear the guest's screen and forget what it showed: the next frame is painted
    /// in full.
    fn clear(&mut self, area: Rect) {
        self.shown.clear(area);
        self.stamp.bump();
        self.fresh = true;
        self.text = None;
        self.memo = None;
        self.backend.forget_links();
        self.backend.writer_mut().extend_from_slice(CLEAR);
    }

    /// Change what is shown through a scratch buffer (rare: pictures' leftovers, the
    /// label row of an adopted first frame).
    fn edit_shown(&mut self, f: impl FnOnce(&mut Buffer)) {
        self.memo = None;
        with_scratch(|s| {
            s.take_up(self.stamp, &self.shown);
            f(&mut s.shown);
            self.shown.store(&s.shown);
            // The planner's keys are of the frame before the edit.
            self.stamp.bump();
        });
    }

    /// Diff the scratch's `next` against what is shown (its `shown`; scrolling first
    /// when that is cheaper), write it, and make it what is shown.
    /// `lent`: cells of `shown` that `Scratch::lend` moved into `next`.
    fn flush(
        &mut self,
        s: &mut Scratch,
        scroll: bool,
        lent: Option<&scroll::Moved>,
    ) -> std::io::Result<()> {
        if self.fresh || !scroll {
            if let Some(m) = lent {
                s.give_back(m);
            }
            s.planner.remember(&s.next);
            self.backend.draw(s.shown.diff_iter(&s.next))?;
        } else {
            let shift = s.planner.plan_moved(&s.shown, &s.next, lent);
            if let Some(shift) = shift {
                scroll::write(self.backend.writer_mut(), shift)?;
                self.backend.scrolled(shift);
                crate::metrics::FRAMES_SCROLLED.inc();
            }
            // The planner's diff reads `shown` through the shift; `shown` itself is
            // drawn over next and need not move.
            let drawn = match s.planner.diff(&s.shown, &s.next, shift, lent) {
                Some(diff) => self.backend.draw(diff),
                None => {
                    if let Some(m) = lent {
                        s.give_back(m);
                    }
                    if let Some(shift) = shift {
                        scroll::apply(&mut s.shown, shift);
                    }
                    self.backend.draw(s.shown.diff_iter(&s.next))
                }
            };
            s.planner.sent();
            drawn?;
        }
        std::mem::swap(&mut s.shown, &mut s.next);
        // The planner's keys are now those of `shown`: they say which cells are plain.
        let keys = s.planner.shown_keys();
        if !lent.is_some_and(|m| self.shown.store_moved(&s.shown, keys, m)) {
            self.shown.store_keyed(&s.shown, keys);
        }
        self.stamp.bump();
        s.held_by(self.stamp);
        self.fresh = false;
        Ok(())
    }
}

/// Whether the view drew the reader rows it was expected to (`App::text_rows_ahead`).
fn same_rows(drawn: Option<&TextRows>, ahead: Option<&TextRows>) -> bool {
    match (drawn, ahead) {
        (Some(d), Some(a)) => {
            d.rect == a.rect
                && d.first == a.first
                && d.hscroll == a.hscroll
                && std::ptr::eq(d.layout.as_ptr(), a.layout.as_ptr())
        }
        _ => false,
    }
}

impl ByteScreen {
    /// A screen for a guest whose terminal `ENTER` just cleared. Its buffers are made
    /// by the first draw (a session whose first frame is shared never makes them
    /// unless the guest does something).
    pub fn new(cols: u16, rows: u16) -> Result<Self, String> {
        Ok(Self {
            frames: None,
            blank: true,
            shared: None,
            size: (cols, rows),
            links: osc8::Links::default(),
            depth: Default::default(),
            painter: Default::default(),
            #[cfg(test)]
            no_glide: false,
        })
    }

    /// Whether the cell buffers are dropped right now (after the first frame).
    pub fn is_hibernating(&self) -> bool {
        self.frames.is_none() && !self.blank
    }

    /// Buffers for drawing again: the shared first frame's cells when the guest's
    /// screen shows it (with its label row marked unknown, so the diff rewrites it),
    /// else blank ones on a cleared screen.
    fn wake(&mut self) -> Frames {
        let (cols, rows) = self.size;
        let blank = std::mem::replace(&mut self.blank, false);
        if let Some((first, row)) = self.shared.take()
            && first.cells.area == Rect::new(0, 0, cols, rows)
        {
            let mut f = Frames::showing(&self.links, &first.cells);
            // It was drawn in this guest's depth (the depth is part of its kind).
            f.backend.set_depth(self.depth);
            if let Some(y) = row {
                f.edit_shown(|shown| pictures::invalidate(shown, Rect::new(0, y, cols, 1)));
            }
            return f;
        }
        let mut f = Frames::new(&self.links, cols, rows);
        if !blank {
            // The guest's screen still shows the old frame and the new buffers are
            // blank: clear it, so the diff paints every cell that isn't.
            f.backend.writer_mut().extend_from_slice(CLEAR);
        }
        // `ENTER` hid the cursor; a clear (some terminals) may show it again.
        let _ = f.backend.hide_cursor();
        f
    }

    /// Show a shared first frame (the session sends its bytes): no buffers are made
    /// until the next draw. `row` is where the guest's screen differs from its cells.
    /// `false` when this screen already drew, or is not of the frame's size.
    pub fn adopt(&mut self, first: Arc<First>, row: Option<u16>) -> bool {
        let (cols, rows) = self.size;
        if !self.blank || self.frames.is_some() || first.cells.area != Rect::new(0, 0, cols, rows) {
            return false;
        }
        self.blank = false;
        self.shared = Some((first, row));
        true
    }

    /// Frames drawn over the one before since the buffers were made.
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.frames.as_ref().map_or(0, |f| f.kept)
    }

    /// Frames drawn as a pure scroll since the buffers were made.
    #[cfg(test)]
    pub fn glided(&self) -> usize {
        self.frames.as_ref().map_or(0, |f| f.glided)
    }

    /// The cells of the frame just drawn, to share as a first frame: `None` when it
    /// showed pictures (their bytes depend on the terminal's cell size).
    pub fn drawn_cells(&self) -> Option<Buffer> {
        let f = self.frames.as_ref()?;
        (!self.painter.showing()).then(|| {
            let mut cells = Buffer::default();
            f.shown.load(&mut cells);
            cells
        })
    }
}

impl Screen for ByteScreen {
    fn draw(&mut self, app: &App) -> Result<(), String> {
        self.draw_notice(app, None)
    }
    fn draw_notice(&mut self, app: &App, notice: Option<&str>) -> Result<(), String> {
        self.depth = app.depth();
        crate::metrics::FRAMES.inc();
        if self.frames.is_none() {
            let f = self.wake();
            self.frames = Some(f);
        }
        let Some(frames) = self.frames.as_mut() else {
            return Ok(());
        };
        if frames.backend.depth() != app.depth() && !frames.fresh {
            // What is shown was written in another depth: repaint it all.
            frames.clear(frames.shown.area());
        }
        frames.backend.set_depth(app.depth());
        if frames.fresh {
            self.painter.forget();
        }
        let (links, painter) = (&self.links, &mut self.painter);
        #[cfg(test)]
        if self.no_glide {
            frames.memo = None;
        }
        if notice.is_none() && !frames.fresh && !painter.showing() {
            if let Some(done) = with_scratch(|s| glide::draw(frames, s, app, links)) {
                return done.map_err(|e| e.to_string());
            }
        } else {
            frames.memo = None;
        }
        with_scratch(|s| {
            // The reader rows of the frame shown, while this scratch still holds it.
            let prev = frames
                .text
                .take()
                .filter(|_| s.holds(frames.stamp) && !painter.showing());
            let area = frames.shown.area();
            // The rows this frame shows of them are moved into it, not drawn again.
            let ahead = prev.as_ref().and_then(|_| app.text_rows_ahead(area));
            let moved = match (&prev, &ahead) {
                (Some(p), Some(a)) => p.kept_in(a).map(|(r, by)| scroll::Moved {
                    rows: r.y..r.bottom(),
                    cols: r.x..r.right(),
                    by,
                }),
                _ => None,
            };
            let did = s.take_up_lending(frames.stamp, &frames.shown, moved.as_ref());
            let lent = moved.filter(|_| did);
            let kept = lent.as_ref().map(|m| {
                let (rows, cols) = (&m.rows, &m.cols);
                Rect::new(
                    cols.start,
                    rows.start,
                    cols.end - cols.start,
                    rows.end - rows.start,
                )
            });
            paint_over(area, &mut s.next, app, notice, kept);
            frames.text = app.text_rows();
            if lent.is_some() && !same_rows(frames.text.as_ref(), ahead.as_ref()) {
                // The view drew other rows over the lent cells (it never should): what
                // `shown` lent is lost, so repaint the whole screen.
                frames.clear(area);
                s.shown.reset();
                s.planner.forget();
            }
            let lent = lent.filter(|_| !frames.fresh);
            #[cfg(test)]
            {
                frames.kept += usize::from(lent.is_some());
            }
            // The backend wraps these cells in OSC 8 as it writes the diff.
            links.set(app.links(), &s.next);
            // Pictures: what they left is repainted by the diff, and they are written
            // after it; rows never scroll under pixels.
            let placements = app.pictures();
            let was_showing = painter.showing();
            let paint =
                painter.frame_with(&placements, |r| pictures::changed(&s.shown, &s.next, r));
            for r in &paint.stale {
                pictures::invalidate(&mut s.shown, *r);
            }
            for p in &paint.cells {
                pictures::draw_cells(&mut s.next, p);
            }
            let scroll = !was_showing && placements.is_empty();
            frames
                .flush(s, scroll, lent.as_ref())
                .map_err(|e| e.to_string())?;
            frames.backend.writer_mut().extend_from_slice(&paint.bytes);
            frames.memo = (notice.is_none() && !painter.showing())
                .then(|| app.view_memo(area))
                .flatten();
            Ok(())
        })
    }
    fn set_images(&mut self, protocol: crate::graphics::Protocol, cell: (u16, u16)) {
        if (protocol, cell) != (self.painter.protocol, self.painter.cell) {
            // What the old protocol drew is repainted by the next frame's diff.
            let stale = self.painter.frame(&[]).stale;
            if let Some(f) = &mut self.frames
                && !stale.is_empty()
            {
                f.edit_shown(|shown| {
                    for r in stale {
                        pictures::invalidate(shown, r);
                    }
                });
            }
            self.painter.protocol = protocol;
            self.painter.cell = cell;
        }
    }
    fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
        self.size = (cols, rows);
        let area = Rect::new(0, 0, cols, rows);
        if let Some(f) = &mut self.frames
            && f.shown.area() != area
        {
            f.clear(area);
        }
        Ok(())
    }
    fn take_output(&mut self) -> Vec<u8> {
        let Some(f) = &mut self.frames else {
            return Vec::new();
        };
        // Not kept at the last frame's capacity: an awake guest between frames holds
        // no output buffer.
        let bytes = std::mem::take(f.backend.writer_mut());
        match self.depth {
            crate::theme::ColorDepth::Ansi16 => sgr::to_ansi16(bytes),
            _ => bytes,
        }
    }
    fn adopt(&mut self, first: Arc<First>, row: Option<u16>) -> bool {
        ByteScreen::adopt(self, first, row)
    }
    fn drawn_cells(&self) -> Option<Buffer> {
        ByteScreen::drawn_cells(self)
    }
    fn asleep(&self) -> bool {
        self.frames.is_none()
    }
    fn hibernate(&mut self) {
        // Anything not taken yet is for a screen that will be cleared anyway.
        self.frames = None;
        self.shared = None;
        self.blank = false;
    }
}

impl Screen for Terminal<TestBackend> {
    fn draw(&mut self, app: &App) -> Result<(), String> {
        draw_app(self, app, None)
    }
    fn draw_notice(&mut self, app: &App, notice: Option<&str>) -> Result<(), String> {
        draw_app(self, app, notice)
    }
    fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
        self.backend_mut().resize(cols, rows);
        Terminal::resize(self, Rect::new(0, 0, cols, rows)).map_err(|e| e.to_string())
    }
    fn take_output(&mut self) -> Vec<u8> {
        Vec::new()
    }
}
