//! The router's drawing: the chrome (tab bar, rule, notice, footer), the screen on top
//! and the overlay into one frame, and what the session reads back from the last frame
//! (its hyperlinks, pictures, the guests-online label and the cells that change it).

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{App, Layer, Overlay};
use crate::graphics::Protocol;
use crate::tui::screens::{Ctx, help, tags};
use crate::tui::state::{CellRun, HitMap, Screen, Section, TextRows};
use crate::tui::strings;
use crate::tui::views::{self, fast};

impl App {
    /// Draw the current screen. Pure: reads state, writes the frame (and records the
    /// clickable regions it drew, for the mouse).
    pub fn view(&self, frame: &mut Frame) {
        let area = frame.area();
        self.render(area, frame.buffer_mut());
    }

    /// `view` into a buffer the caller owns (the session keeps its own frames): the
    /// chrome, the screen on top, the notice, the footer, the overlay.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        self.render_over(area, buf, None);
    }

    /// `render` into a buffer whose cells in `kept` already hold what this frame shows
    /// there: the reader's rows of the last frame, moved where this frame shows their
    /// lines (`text_rows_ahead`, `TextRows::kept_in`); every other cell is blank. Those
    /// cells are left as they are; the frame is exactly `render`'s. A `kept` that is not
    /// inside this frame's text rows is blanked and drawn over.
    pub fn render_over(&self, area: Rect, buf: &mut Buffer, kept: Option<Rect>) {
        *self.hits.borrow_mut() = HitMap {
            area,
            ..HitMap::default()
        };
        let theme = self.theme();
        let base = Style::default().fg(theme.fg).bg(theme.bg);
        let inside = |k: &Rect| {
            self.text_rows_ahead(area).is_some_and(|t| {
                let r = t.rect;
                k.x == r.x && k.width == r.width && k.y >= r.y && k.bottom() <= r.bottom()
            })
        };
        let kept = match kept {
            Some(k) if !k.is_empty() && inside(&k) => Some(k),
            Some(k) => {
                let k = k.intersection(buf.area);
                for y in k.top()..k.bottom() {
                    for x in k.left()..k.right() {
                        if let Some(c) = buf.cell_mut((x, y)) {
                            c.reset();
                        }
                    }
                }
                None
            }
            None => None,
        };
        match kept {
            Some(k) => {
                // Around the kept cells: above, below, left, right.
                let (top, bottom) = (
                    k.y.saturating_sub(area.y),
                    area.bottom().saturating_sub(k.bottom()),
                );
                let (left, right) = (
                    k.x.saturating_sub(area.x),
                    area.right().saturating_sub(k.right()),
                );
                for r in [
                    Rect::new(area.x, area.y, area.width, top),
                    Rect::new(area.x, k.bottom(), area.width, bottom),
                    Rect::new(area.x, k.y, left, k.height),
                    Rect::new(k.right(), k.y, right, k.height),
                ] {
                    fast::set_style(buf, r, base);
                }
            }
            None => fast::set_style(buf, area, base),
        }
        if area.width < views::MIN_WIDTH || area.height < views::MIN_HEIGHT {
            views::too_small(area, buf, theme);
            return;
        }
        let chrome = views::chrome(area, self.notice.is_some());
        let screen = self.screen();
        let (active, show_active) = (self.section(), screen != Screen::Search);
        views::tabs(
            &mut self.hits.borrow_mut(),
            &self.index,
            self.guests,
            active,
            show_active,
            chrome.tabs,
            buf,
            theme,
        );
        views::rule(chrome.rule, buf, theme);
        let mut cx = cx!(self);
        cx.kept = kept;
        let body = chrome.body;
        match self.stack.last() {
            Some(Layer::Reader(r)) => r.view(&cx, body, buf, theme),
            Some(Layer::Search) => self.search.view(&cx, body, buf, theme),
            None => match self.base {
                Section::Home => self.home.view(&cx, body, buf, theme),
                Section::Projects => self.projects.view(&cx, body, buf, theme),
                Section::Blog => self.blog.view(&cx, body, buf, theme),
                Section::Stories => self.stories.view(&cx, body, buf, theme),
            },
        }
        if let (Some(n), Some(r)) = (&self.notice, chrome.notice) {
            views::notice(n, r, buf, theme);
        }
        let mut footer = chrome.footer;
        if !self.mouse {
            // While the mouse is off the footer says so, at its right end.
            let w = crate::render::width::str_width(strings::MOUSE_OFF) as u16;
            if footer.width > w + 20 {
                footer.width -= w + 2;
                fast::set_string(
                    buf,
                    footer.right(),
                    footer.y,
                    strings::MOUSE_OFF,
                    theme.accent(),
                );
            }
        }
        // Sideways scrolling is offered only where there is wide code.
        let wide = matches!(self.stack.last(), Some(Layer::Reader(r)) if r.has_wide_code(&cx));
        views::footer(screen, wide, footer, buf, theme);
        let popup = match &self.overlay {
            None => None,
            Some(Overlay::Help(scroll)) => Some(help::view(*scroll, area, buf, theme)),
            Some(Overlay::Tags(p)) => {
                let choices = tags::choices(&self.index, self.reader_page());
                let active = self.blog.filter.as_deref();
                Some(p.view(&cx, &choices, self.reader_page(), active, area, buf, theme))
            }
        };
        // A popup over the tab bar's row hides the label: a patch must not draw over it.
        let mut hits = self.hits.borrow_mut();
        if popup.is_some() {
            // Pictures are written over the cells: none while a popup is up; and the
            // text rows are not only the page's lines.
            hits.pictures.clear();
            hits.text = None;
        }
        if let (Some(p), Some(slot)) = (popup, hits.online)
            && p.y <= slot.y
            && slot.y < p.bottom()
        {
            hits.online = None;
        }
    }

    /// The hyperlinks in the last frame, each with the cells its text covers, so the
    /// session can wrap those cells in OSC 8 (ratatui can't); the URL is on screen too.
    pub fn links(&self) -> Vec<(Rect, String)> {
        self.hits.borrow().links.clone()
    }

    /// The reader's text rows a frame drawn now in `area` would show, when they are the
    /// page's lines alone (nothing drawn over them).
    pub fn text_rows_ahead(&self, area: Rect) -> Option<TextRows> {
        if self.overlay.is_some()
            || area.width < views::MIN_WIDTH
            || area.height < views::MIN_HEIGHT
        {
            return None;
        }
        let Some(Layer::Reader(r)) = self.stack.last() else {
            return None;
        };
        let cx = cx!(self);
        r.rows_ahead(&cx, views::chrome(area, self.notice.is_some()).body)
    }

    /// The reader's text rows in the last frame, when they are the page's lines alone
    /// (for `render_over` of the next frame).
    pub fn text_rows(&self) -> Option<TextRows> {
        self.hits.borrow().text.clone()
    }

    /// The clickable regions, links and text rows of the last frame, for tests that
    /// compare two ways of drawing it.
    #[cfg(test)]
    pub fn hits_debug(&self) -> String {
        format!("{:?}", self.hits.borrow())
    }

    /// The pictures of the last frame that the session writes as pixels.
    pub fn pictures(&self) -> Vec<crate::graphics::Placement> {
        self.hits.borrow().pictures.clone()
    }

    /// How pictures are shown now (`None` when off).
    pub fn images(&self) -> Protocol {
        if self.images_off {
            Protocol::None
        } else {
            self.opts.images
        }
    }

    /// Whether the last frame showed the guests-online label (or had room for it).
    pub fn shows_online(&self) -> bool {
        self.hits.borrow().online.is_some()
    }

    /// Take a new guest count without drawing a frame: the cells that change the label
    /// in the last frame into the new one (empty when the count is the same or the
    /// frame has no label). For a session whose cell buffers are dropped (hibernated):
    /// the next full repaint draws the same count.
    pub fn online_patch(&mut self, n: usize) -> Vec<CellRun> {
        if n == self.guests {
            return Vec::new();
        }
        self.guests = n;
        let theme = self.theme();
        let depth = self.opts.depth;
        match self.hits.get_mut().online.as_mut() {
            Some(slot) => views::online_patch(slot, n, theme, depth),
            None => Vec::new(),
        }
    }
}
