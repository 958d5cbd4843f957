//! The reader: a page's title and meta line, its rendered body scrolled to the guest's
//! place, a scroll position, and a table of contents on wide terminals. One
//! `ReaderScreen` is one open page; the router's stack holds them.

use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

mod head;

pub(crate) use head::Geometry;

mod browse;

mod moved;

pub(crate) use moved::Place;

pub(crate) use browse::Labels;

use super::{Ctx, Origin, Step};
use crate::content::PageRef;
use crate::render::Rendered;
use crate::theme::Theme;
use crate::tui::highlight;
use crate::tui::keymap::Action;
use crate::tui::state::{Hit, TextRows};
use crate::tui::strings as s;
use crate::tui::views::{fast, fit, list_offset, mark, match_style, panel};

/// Columns one ←/→ press shifts wide code lines by.
const HSCROLL_STEP: u16 = 8;
/// Lines one wheel notch scrolls the reader by.
const WHEEL_LINES: isize = 3;

/// The reader's place in one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReaderScreen {
    pub page: PageRef,
    /// `Index::key` of `page`, used to find it again after a reload.
    pub key: String,
    /// First body line shown.
    pub scroll: usize,
    /// The text width `scroll` counts lines at (0: not yet laid out). After a resize
    /// the same place is found at the new width (`render::Place`).
    pub width: u16,
    /// Columns wide code lines are shifted left by.
    pub hscroll: u16,
    pub origin: Origin,
    /// The search query this page was opened from, folded (`highlight::fold`): every
    /// occurrence on screen is drawn highlighted until the guest leaves the page,
    /// presses Esc or searches again.
    pub highlight: Option<String>,
    /// `f` was pressed: the links on screen show labels.
    pub labels: Option<Labels>,
}

impl ReaderScreen {
    /// `page` at its top.
    pub fn new(page: PageRef, origin: Origin, cx: &Ctx) -> Self {
        ReaderScreen {
            page,
            key: cx.index.key(page).unwrap_or_default(),
            scroll: 0,
            width: 0,
            hscroll: 0,
            origin,
            highlight: None,
            labels: None,
        }
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        let page = self.geometry(cx).text.height.saturating_sub(2).max(1) as isize;
        match action {
            Action::Up => self.scroll_by(-1, cx),
            Action::Down => self.scroll_by(1, cx),
            Action::PageUp => self.scroll_by(-page, cx),
            Action::PageDown => self.scroll_by(page, cx),
            Action::Top => self.scroll_by(isize::MIN / 2, cx),
            Action::Bottom => self.scroll_by(isize::MAX / 2, cx),
            Action::Back => return Step::Back,
            Action::Links => return self.start_labels(cx),
            Action::CopyCode => return self.copy_code(cx),
            Action::CopyUrl => return self.copy_url(cx),
            Action::NextHeading | Action::PrevHeading => {
                self.jump_heading(action == Action::NextHeading, cx)
            }
            Action::NextItem | Action::PrevItem => {
                let d: isize = if action == Action::NextItem { 1 } else { -1 };
                let pos = self.origin.pos as isize + d;
                if pos >= 0 && (pos as usize) < self.origin.items.len() {
                    let mut origin = self.origin.clone();
                    origin.pos = pos as usize;
                    let page = origin.items[origin.pos];
                    return Step::Replace { page, origin };
                }
                // Say so, rather than do nothing.
                return Step::Notice(if d < 0 { s::FIRST_ITEM } else { s::LAST_ITEM }.to_string());
            }
            Action::Left | Action::Right => {
                let max = self.hscroll_max(cx);
                self.hscroll = if action == Action::Right {
                    self.hscroll.saturating_add(HSCROLL_STEP).min(max)
                } else {
                    self.hscroll.saturating_sub(HSCROLL_STEP)
                };
            }
            _ => return Step::Idle,
        }
        Step::Redraw
    }

    /// Esc over a search highlight clears it (the next Esc goes back): `true` if it did.
    pub fn clear_highlight(&mut self) -> bool {
        self.highlight.take().is_some()
    }

    /// The mouse wheel scrolls the page.
    pub fn wheel(&mut self, down: bool, cx: &Ctx) -> Step {
        self.scroll_by(if down { WHEEL_LINES } else { -WHEEL_LINES }, cx);
        Step::Redraw
    }

    /// A click on a table of contents entry or on one of the post's tags.
    pub fn click(&mut self, hit: Hit, cx: &Ctx) -> Step {
        match hit {
            Hit::Toc(i) => {
                let line = self
                    .rendered(cx)
                    .and_then(|(r, _)| r.anchors.get(i).map(|a| a.line));
                if let Some(line) = line {
                    self.scroll = line;
                    self.clamp(cx);
                }
                Step::Redraw
            }
            Hit::PostTag(i) => Step::FilterBlog(i),
            Hit::Link(i) => {
                let g = self.geometry(cx);
                let url = cx
                    .rendered(self.page, g.text.width)
                    .links
                    .get(i)
                    .map(|l| l.url.clone());
                url.map_or(Step::Idle, Step::Follow)
            }
            _ => Step::Redraw,
        }
    }

    /// The reader's geometry in the last frame's body.
    pub fn geometry(&self, cx: &Ctx) -> Geometry {
        head::geometry(cx, self.page, cx.body())
    }

    /// Whether the page has code wider than its frame (`h`/`l` move it).
    pub fn has_wide_code(&self, cx: &Ctx) -> bool {
        self.rendered(cx)
            .is_some_and(|(r, _)| !r.wide_blocks.is_empty())
    }

    /// Move `scroll`, counted at another width (before a resize), to the same place at
    /// the current width: the block that was on the top row stays there.
    fn sync_width(&mut self, cx: &Ctx) {
        let width = self.geometry(cx).text.width;
        self.scroll = scroll_at(self, cx, width);
        self.width = width;
    }

    /// The page's layout and the text height it is shown in.
    fn rendered(&self, cx: &Ctx) -> Option<(Arc<Rendered>, u16)> {
        let g = self.geometry(cx);
        Some((cx.rendered(self.page, g.text.width), g.text.height))
    }

    fn scroll_by(&mut self, d: isize, cx: &Ctx) {
        self.sync_width(cx);
        self.scroll = (self.scroll as isize).saturating_add(d).max(0) as usize;
        self.clamp(cx);
    }

    /// Keep the place within the page (after a scroll, a resize or a reload).
    pub fn clamp(&mut self, cx: &Ctx) {
        let Some((rendered, height)) = self.rendered(cx) else {
            return;
        };
        // Past the last page, until the last heading can reach the top row.
        let max = rendered.max_scroll(height as usize);
        self.scroll = self.scroll.min(max);
        self.width = self.geometry(cx).text.width;
    }

    fn jump_heading(&mut self, forward: bool, cx: &Ctx) {
        self.sync_width(cx);
        let Some((rendered, _)) = self.rendered(cx) else {
            return;
        };
        let target = if forward {
            rendered.anchors.iter().find(|a| a.line > self.scroll)
        } else {
            rendered.anchors.iter().rev().find(|a| a.line < self.scroll)
        };
        match target {
            Some(a) => self.scroll = a.line,
            None if !forward => self.scroll = 0,
            None => {}
        }
        self.clamp(cx);
    }

    fn hscroll_max(&self, cx: &Ctx) -> u16 {
        let Some((rendered, _)) = self.rendered(cx) else {
            return 0;
        };
        rendered.hscroll_max()
    }

    /// After opening a search hit, scroll to the first body line showing the query (a
    /// hit past the edge of a wide code line also scrolls sideways to it).
    pub fn scroll_to_query(&mut self, cx: &Ctx) {
        let Some(q) = self.highlight.clone() else {
            return;
        };
        let Some((rendered, _)) = self.rendered(cx) else {
            return;
        };
        let found = rendered.lines().enumerate().find_map(|(i, l)| {
            if highlight::contains(&l, &q) || joined_hit(&rendered, i, &q) {
                return Some((i, 0));
            }
            let wide = rendered.wide.iter().find(|w| w.line == i)?;
            let inner = rendered.wide_blocks.get(wide.block)?.inner as usize;
            let code = rendered.wide_code(wide);
            let (start, end) = highlight::columns(&code, &q).first().copied()?;
            // Show the hit with a little of what comes before it.
            Some((i, end.saturating_sub(inner).max(start.saturating_sub(8))))
        });
        let max_h = self.hscroll_max(cx) as usize;
        if let Some((line, h)) = found {
            self.scroll = line.saturating_sub(2);
            self.hscroll = h.min(max_h) as u16;
        }
        self.clamp(cx);
    }

    /// The text rows a frame drawn now in `body` would show (`TextRows`), if they are
    /// the page's lines alone.
    pub fn rows_ahead(&self, cx: &Ctx, body: Rect) -> Option<TextRows> {
        let g = head::geometry(cx, self.page, body);
        let rendered = cx.rendered(self.page, g.text.width);
        let visible = usize::from(g.text.height);
        let scroll = scroll_at(self, cx, g.text.width).min(rendered.max_scroll(visible));
        text_rows(self, &g, &rendered, scroll)
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw(self, cx, area, buf, theme);
    }

    /// Where a frame drawn now in `body` shows the text (`moved::place`).
    pub fn place(&self, cx: &Ctx, body: Rect) -> Place {
        moved::place(self, cx, body)
    }

    /// Over the frame of this reader scrolled to `from`, draw what a frame now shows
    /// differently, but the text rows `kept` (`moved::draw_moved`).
    pub fn view_moved(
        &self,
        cx: &Ctx,
        body: Rect,
        from: usize,
        kept: std::ops::Range<u16>,
        buf: &mut Buffer,
        theme: &Theme,
    ) -> Vec<Rect> {
        moved::draw_moved(self, cx, body, from, kept, buf, theme)
    }

    /// Whether `other` is this reader but for the line at the top (what a frame shows
    /// of it differs only by the place).
    pub fn same_but_scroll(&self, other: &ReaderScreen) -> bool {
        let ReaderScreen {
            page,
            key,
            scroll: _,
            width,
            hscroll,
            origin,
            highlight,
            labels,
        } = self;
        (page, key, width, hscroll, origin, highlight, labels)
            == (
                &other.page,
                &other.key,
                &other.width,
                &other.hscroll,
                &other.origin,
                &other.highlight,
                &other.labels,
            )
    }
}

/// Whether line `i` ends inside a word broken onto the next line that `q` matches.
fn joined_hit(rendered: &Rendered, i: usize, q: &str) -> bool {
    let at = rendered.joins.partition_point(|j| j.line < i);
    let Some(j) = rendered.joins.get(at).filter(|j| j.line == i) else {
        return false;
    };
    let (Some(line), Some(next)) = (rendered.line(i), rendered.line(i + 1)) else {
        return false;
    };
    !highlight::across(&line, &next, usize::from(j.col), q)
        .0
        .is_empty()
}

/// Paint the hits on words broken across two lines (each part on its row) for the
/// lines `rows` drawn from the top of `text`.
fn mark_joins(
    rendered: &Rendered,
    rows: std::ops::Range<usize>,
    text: Rect,
    q: &str,
    style: Style,
    buf: &mut Buffer,
) {
    let from = rendered.joins.partition_point(|j| j.line + 1 < rows.start);
    for j in rendered.joins[from..]
        .iter()
        .take_while(|j| j.line < rows.end)
    {
        let (Some(first), Some(second)) = (rendered.line(j.line), rendered.line(j.line + 1)) else {
            continue;
        };
        let (a, b) = highlight::across(&first, &second, usize::from(j.col), q);
        for (line, hits) in [(j.line, a), (j.line + 1, b)] {
            if !rows.contains(&line) {
                continue;
            }
            let y = text.y + (line - rows.start) as u16;
            for (x, w) in highlight::visible(&hits, 0, text.width as usize) {
                fast::set_style(buf, Rect::new(text.x + x, y, w, 1), style);
            }
        }
    }
}

/// The first line shown at text width `width`: `r.scroll`, or, when it was counted at
/// another width (the terminal was resized since), the line at the same place.
fn scroll_at(r: &ReaderScreen, cx: &Ctx, width: u16) -> usize {
    if r.width == 0 || r.width == width {
        return r.scroll;
    }
    // The top of the page is the top at any width: no need to lay out the old width
    // (for a big page that is a whole second layout).
    let place = if r.scroll == 0 {
        crate::render::Place::default()
    } else {
        cx.rendered(r.page, r.width).place(r.scroll)
    };
    cx.rendered(r.page, width).line_of(place)
}

fn draw(r: &ReaderScreen, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let g = head::geometry(cx, r.page, area);
    let rendered = cx.rendered(r.page, g.text.width);
    // The search this page was opened from: its hits are overlaid on the shared
    // rendering as it is drawn (the cached lines stay the same for every guest).
    let query = r.highlight.as_deref().filter(|q| !q.is_empty());
    let match_style = match_style(cx.depth, theme);
    head::draw_title(cx, r.page, g.title, query, match_style, buf, theme);
    let total = rendered.len();
    let visible = g.text.height as usize;
    // After a resize the same place at the new width; it may scroll past the last
    // page only as far as the last heading on the top row.
    let scroll = scroll_at(r, cx, g.text.width).min(rendered.max_scroll(visible));
    let pos = moved::position(total, visible, scroll);
    head::draw_meta(cx, r.page, g.meta, query, match_style, buf, theme);
    // The rule under the meta lines, with the scroll position at its right.
    moved::rule(g.text, g.meta.bottom(), &pos, buf, theme);

    if total == 0 {
        fast::set_stringn(
            buf,
            g.text.x,
            g.text.y,
            s::READER_EMPTY,
            g.text.width as usize,
            theme.dim(),
        );
    }
    // Rows the caller says already hold what this frame shows there (`Ctx::kept`: the
    // last frame's rows, moved) are not drawn again; if they are not the rows this
    // frame shows, they are blanked and drawn like the others.
    let rows = text_rows(r, &g, &rendered, scroll);
    let kept = cx.kept.filter(|_| rows.is_some());
    for (row, i) in (scroll..total).take(visible).enumerate() {
        let y = g.text.y + row as u16;
        let rect = Rect::new(g.text.x, y, g.text.width, 1);
        if kept.is_some_and(|k| (k.y..k.bottom()).contains(&y)) {
            continue;
        }
        // Wide code moves inside its frame; its top border says where.
        let Some(line) = rendered.line_at(i, r.hscroll).or_else(|| rendered.line(i)) else {
            continue;
        };
        fast::render_line(&line, rect, buf);
        if let Some(q) = query {
            match rendered.code_window(i, r.hscroll) {
                // Hits in wide code, even those partly scrolled off, inside the frame.
                Some(c) => {
                    let x = rect.x + c.x.min(rect.width);
                    let w = c.width.min(rect.right().saturating_sub(x));
                    let window = Rect::new(x, y, w, 1);
                    mark(buf, window, &c.code, q, c.offset as usize, match_style);
                }
                None => mark(buf, rect, &line, q, 0, match_style),
            }
        }
    }
    cx.hits.borrow_mut().text = rows;
    if let Some(q) = query {
        let rows = scroll..scroll + visible;
        mark_joins(&rendered, rows, g.text, q, match_style, buf);
    }
    // Pictures in view, wholly or partly (its rows in view: the terminal draws that
    // part), are shown as the guest's terminal shows them; with pictures off, their
    // cells are blank.
    for p in &rendered.pictures {
        let rows = usize::from(p.rows);
        let (first, last) = (p.line.max(scroll), (p.line + rows).min(scroll + visible));
        if r.hscroll > 0 || first >= last {
            continue;
        }
        let Some(img) = cx.index.images.get(&p.src) else {
            continue;
        };
        let area = Rect::new(
            g.text.x + p.col,
            g.text.y + (first - scroll) as u16,
            p.cols.min(g.text.width.saturating_sub(p.col)),
            (last - first) as u16,
        );
        let clip = crate::graphics::Clip {
            rows: p.rows,
            above: (first - p.line) as u16,
        };
        match cx.images {
            crate::graphics::Protocol::None => {
                fast::set_style(buf, area, theme.base());
                for y in area.y..area.bottom() {
                    for x in area.x..area.right() {
                        if let Some(c) = buf.cell_mut((x, y)) {
                            c.set_symbol(" ");
                        }
                    }
                }
            }
            p if p.pixels() => {
                cx.picture_clipped(area, clip, img, buf);
            }
            _ => {}
        }
    }
    moved::record_links(r, cx, &rendered, g.text, scroll);
    r.draw_labels(cx, buf, theme);
    if total > visible && g.scrollbar.height > 0 {
        moved::scrollbar(g.scrollbar, total, visible, scroll, buf, theme);
    }
    if let Some(toc) = g.toc
        && !rendered.anchors.is_empty()
    {
        let current = moved::toc_current(&rendered, scroll, visible);
        toc_panel(cx, &rendered.anchors, current, toc, buf, theme);
    }
}

/// The text rows of a frame showing `scroll` (`TextRows`), when they are the page's
/// lines alone: no search marks, link labels or pictures in view.
fn text_rows(
    r: &ReaderScreen,
    g: &Geometry,
    rendered: &Arc<Rendered>,
    scroll: usize,
) -> Option<TextRows> {
    let visible = usize::from(g.text.height);
    let lines_only = r.highlight.as_deref().is_none_or(str::is_empty)
        && r.labels.is_none()
        && !rendered.is_empty()
        && !rendered
            .pictures
            .iter()
            .any(|p| p.line < scroll + visible && p.line + usize::from(p.rows) > scroll);
    lines_only.then(|| TextRows {
        rect: g.text,
        first: scroll,
        layout: Arc::downgrade(rendered),
        hscroll: r.hscroll,
    })
}

fn toc_panel(
    cx: &Ctx,
    anchors: &[crate::render::Anchor],
    current: Option<usize>,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let area = Rect {
        height: (anchors.len() as u16).saturating_add(2).min(area.height),
        ..area
    };
    let block = panel(s::READER_TOC, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let rows = inner.height as usize;
    let off = list_offset(current.unwrap_or(0), anchors.len(), rows);
    let min_level = anchors.iter().map(|a| a.level).min().unwrap_or(2);
    for (i, a) in anchors.iter().enumerate().skip(off).take(rows) {
        let y = inner.y + (i - off) as u16;
        let indent = 2 * a.level.saturating_sub(min_level).min(3) as usize;
        let is_cur = current == Some(i);
        let w = (inner.width as usize).saturating_sub(3 + indent);
        let style = if is_cur {
            theme.title()
        } else if a.level > min_level {
            theme.dim()
        } else {
            theme.base()
        };
        let line = Line::from(vec![
            Span::styled(if is_cur { " › " } else { "   " }, theme.title()),
            Span::raw(" ".repeat(indent)),
            Span::styled(fit(&a.title, w), style),
        ]);
        let r = Rect::new(inner.x, y, inner.width, 1);
        fast::render_line(&line, r, buf);
        if is_cur {
            fast::set_style(buf, r, Style::default().add_modifier(Modifier::BOLD));
        }
        cx.hit(r, Hit::Toc(i));
    }
}
