//! The reader: a page's title and meta line, its rendered body scrolled to the guest's
//! place, a scroll position, and a table of contents on wide terminals. One
//! `ReaderScreen` is one open page; the router's stack holds them.

use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Widget};
use unicode_segmentation::UnicodeSegmentation;

mod browse;

pub(crate) use browse::Labels;

use super::{Ctx, Origin, Step};
use crate::content::PageRef;
use crate::render::Rendered;
use crate::render::width::{grapheme_width, str_width};
use crate::theme::Theme;
use crate::tui::highlight;
use crate::tui::keymap::Action;
use crate::tui::state::Hit;
use crate::tui::strings as s;
use crate::tui::views::{
    fast, fit, light, list_offset, mark, match_style, panel, status_style, status_word,
};

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
        geometry(cx.body())
    }

    /// The page's layout and the text height it is shown in.
    fn rendered(&self, cx: &Ctx) -> Option<(Arc<Rendered>, u16)> {
        let g = self.geometry(cx);
        Some((cx.rendered(self.page, g.text.width), g.text.height))
    }

    fn scroll_by(&mut self, d: isize, cx: &Ctx) {
        self.scroll = (self.scroll as isize).saturating_add(d).max(0) as usize;
        self.clamp(cx);
    }

    /// Keep the place within the page (after a scroll, a resize or a reload).
    pub fn clamp(&mut self, cx: &Ctx) {
        let Some((rendered, height)) = self.rendered(cx) else {
            return;
        };
        let max = rendered.lines.len().saturating_sub(height as usize);
        self.scroll = self.scroll.min(max);
    }

    fn jump_heading(&mut self, forward: bool, cx: &Ctx) {
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
        let text_w = self.geometry(cx).text.width;
        let widest = rendered
            .wide
            .iter()
            .map(|w| w.full.width())
            .max()
            .unwrap_or(0);
        (widest.saturating_sub(text_w as usize)).min(u16::MAX as usize) as u16
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
        let text_w = self.geometry(cx).text.width as usize;
        let found = rendered.lines.iter().enumerate().find_map(|(i, l)| {
            if highlight::contains(l, &q) {
                return Some((i, 0));
            }
            let wide = rendered.wide.iter().find(|w| w.line == i)?;
            let (start, end) = highlight::columns(&wide.full, &q).first().copied()?;
            // Show the hit with a little of what comes before it.
            Some((i, end.saturating_sub(text_w).max(start.saturating_sub(8))))
        });
        let max_h = self.hscroll_max(cx) as usize;
        if let Some((line, h)) = found {
            self.scroll = line.saturating_sub(2);
            self.hscroll = h.min(max_h) as u16;
        }
        self.clamp(cx);
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw(self, cx, area, buf, theme);
    }
}

/// A table of contents from this width up.
const TOC_MIN: u16 = 110;
const TOC_WIDTH: u16 = 30;
/// Body text never gets wider than this (long lines are hard to read).
const MAX_TEXT: u16 = 100;

/// Where the reader's parts go inside the body area; `update` uses the same numbers
/// for paging and clamping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    pub title: Rect,
    pub meta: Rect,
    pub text: Rect,
    pub scrollbar: Rect,
    pub toc: Option<Rect>,
}

pub(crate) fn geometry(body: Rect) -> Geometry {
    let toc_w = if body.width >= TOC_MIN { TOC_WIDTH } else { 0 };
    // Two columns of margin on the left, the scrollbar and a gap on the right.
    let main_w = body
        .width
        .saturating_sub(toc_w + if toc_w > 0 { 7 } else { 5 });
    let text_w = main_w.clamp(1, MAX_TEXT);
    let x = body.x + 2;
    let text_y = body.y + 4;
    let text_h = body.bottom().saturating_sub(text_y);
    Geometry {
        title: Rect::new(x, body.y + 1, main_w, 1),
        meta: Rect::new(x, body.y + 2, main_w, 1),
        text: Rect::new(x, text_y, text_w, text_h),
        scrollbar: Rect::new(
            (x + text_w + 1).min(body.right().saturating_sub(1)),
            text_y,
            1,
            text_h,
        ),
        toc: (toc_w > 0).then(|| {
            Rect::new(
                body.right() - toc_w - 1,
                body.y + 1,
                toc_w,
                body.height.saturating_sub(1),
            )
        }),
    }
}

fn draw(r: &ReaderScreen, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let g = geometry(area);
    let rendered = cx.rendered(r.page, g.text.width);
    let title = cx.index.title(r.page).unwrap_or("");
    fast::set_stringn(
        buf,
        g.title.x,
        g.title.y,
        title,
        g.title.width as usize,
        theme.title(),
    );
    // The search this page was opened from: its hits are overlaid on the shared
    // rendering as it is drawn (the cached lines stay the same for every guest).
    let query = r.highlight.as_deref().filter(|q| !q.is_empty());
    let match_style = match_style(cx.depth, theme);
    if let Some(q) = query {
        mark(buf, g.title, &Line::raw(title), q, 0, match_style);
    }

    // Meta line, with the scroll position at its right.
    let total = rendered.lines.len();
    let visible = g.text.height as usize;
    // After a resize the stored place may lie past the new end: show the last page.
    let scroll = r.scroll.min(total.saturating_sub(visible));
    let pos = if total <= visible {
        s::READER_ALL.to_string()
    } else if scroll == 0 {
        s::READER_TOP.to_string()
    } else {
        let max = total - visible;
        s::percent(scroll.min(max) * 100 / max)
    };
    let pos_w = pos.chars().count() as u16;
    let meta_w = g.meta.width.saturating_sub(pos_w + 2);
    let meta_rect = Rect::new(g.meta.x, g.meta.y, meta_w, 1);
    let (meta, tags) = meta_line(cx, r.page, theme);
    fast::render_line(&meta, meta_rect, buf);
    // Each #tag is a link to the blog list filtered by it.
    for (col, w, tag) in tags {
        let w = w.min(meta_w.saturating_sub(col));
        if w > 0 {
            cx.hit(Rect::new(g.meta.x + col, g.meta.y, w, 1), Hit::PostTag(tag));
        }
    }
    if let Some(q) = query {
        mark(buf, meta_rect, &meta, q, 0, match_style);
    }
    let pos_x = (g.text.right()).max(g.meta.x + pos_w).saturating_sub(pos_w);
    fast::set_string(buf, pos_x, g.meta.y, &pos, theme.dim());
    let rule = "─".repeat(g.text.width as usize);
    fast::set_string(
        buf,
        g.text.x,
        g.meta.y + 1,
        rule,
        Style::default().fg(theme.border),
    );

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
    for (row, i) in (scroll..total).take(visible).enumerate() {
        let y = g.text.y + row as u16;
        let rect = Rect::new(g.text.x, y, g.text.width, 1);
        let wide = (r.hscroll > 0)
            .then(|| rendered.wide.iter().find(|w| w.line == i))
            .flatten();
        match wide {
            Some(w) => shifted(&w.full, r.hscroll as usize).render(rect, buf),
            None => fast::render_line(&rendered.lines[i], rect, buf),
        }
        if let Some(q) = query {
            match wide {
                Some(w) => mark(buf, rect, &w.full, q, r.hscroll as usize, match_style),
                None => mark(buf, rect, &rendered.lines[i], q, 0, match_style),
            }
        }
    }
    for (k, l) in rendered.links.iter().enumerate() {
        let shifted_away = r.hscroll > 0 && rendered.wide.iter().any(|w| w.line == l.line);
        if l.line < scroll || l.line >= scroll + visible || shifted_away || l.start >= g.text.width
        {
            continue;
        }
        let w = l.end.min(g.text.width).saturating_sub(l.start);
        let y = g.text.y + (l.line - scroll) as u16;
        browse::record_link(r, cx, Rect::new(g.text.x + l.start, y, w, 1), k, &l.url);
    }
    r.draw_labels(cx, buf, theme);
    if total > visible && g.scrollbar.height > 0 {
        let mut state = ScrollbarState::new(total.saturating_sub(visible))
            .position(scroll)
            .viewport_content_length(visible);
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some("│"))
            .track_style(Style::default().fg(theme.border))
            .thumb_symbol("┃")
            .thumb_style(Style::default().fg(theme.accent))
            .render(g.scrollbar, buf, &mut state);
    }
    if let Some(toc) = g.toc
        && !rendered.anchors.is_empty()
    {
        // At the very end the last sections can't reach the top: mark the last
        // heading on screen instead of the one above the fold.
        let at_end = total > visible && scroll >= total - visible;
        let current = if at_end {
            rendered
                .anchors
                .iter()
                .rposition(|a| a.line < scroll + visible)
        } else {
            rendered.anchors.iter().rposition(|a| a.line <= scroll)
        };
        toc_panel(cx, &rendered.anchors, current, toc, buf, theme);
    }
}

/// Where a post's `#tag` sits in its meta line: (column, width, index in `Index::tags`).
type TagCell = (u16, u16, usize);

/// The line under the title: date, read time and tags of a post, or a project's
/// region, status and link; with the columns of the post's tags (mouse targets).
fn meta_line(cx: &Ctx, page: PageRef, theme: &Theme) -> (Line<'static>, Vec<TagCell>) {
    let dot = || Span::styled("  ·  ", theme.dim());
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut tags = Vec::new();
    match page {
        PageRef::Post(i) => {
            let Some(p) = cx.index.posts.get(i) else {
                return (Line::default(), tags);
            };
            spans.push(Span::styled(p.date.to_string(), theme.dim()));
            if let Some(rt) = &p.read_time {
                spans.push(dot());
                spans.push(Span::styled(rt.clone(), theme.dim()));
            }
            if !p.tags.is_empty() {
                spans.push(dot());
                let mut col: usize = spans.iter().map(|s| str_width(&s.content)).sum();
                for (k, t) in p.tags.iter().enumerate() {
                    if k > 0 {
                        spans.push(Span::raw(" "));
                        col += 1;
                    }
                    let text = format!("#{t}");
                    let w = str_width(&text);
                    if let Some(ti) = cx.tag_index(t) {
                        let clamp = |v: usize| v.min(u16::MAX as usize) as u16;
                        tags.push((clamp(col), clamp(w), ti));
                    }
                    col += w;
                    spans.push(Span::styled(text, Style::default().fg(theme.tag)));
                }
            }
        }
        PageRef::Project(i) => {
            let Some(p) = cx.index.projects.get(i) else {
                return (Line::default(), tags);
            };
            if let Some(r) = &p.region {
                spans.push(Span::styled(r.clone(), theme.dim()));
                spans.push(dot());
            }
            spans.push(light(p.rack_status, theme));
            spans.push(Span::styled(
                format!(" {}", status_word(p.rack_status)),
                status_style(p.rack_status, theme),
            ));
            if p.vault {
                spans.push(dot());
                spans.push(Span::styled(
                    format!("{} {}", s::VAULT_MARK, s::VAULT_LABEL),
                    theme.dim(),
                ));
            }
            if let Some(u) = &p.live_url {
                spans.push(dot());
                spans.push(Span::styled(u.clone(), theme.link()));
            }
        }
    }
    (Line::from(spans), tags)
}

/// `line` with its first `cols` columns cut off (a wide code line scrolled sideways).
fn shifted(line: &Line<'static>, cols: usize) -> Line<'static> {
    let mut skip = cols;
    let mut spans = Vec::new();
    for span in &line.spans {
        if skip == 0 {
            spans.push(span.clone());
            continue;
        }
        let mut kept = String::new();
        for g in span.content.graphemes(true) {
            let w = grapheme_width(g);
            if skip == 0 {
                kept.push_str(g);
            } else if w > skip {
                // A wide grapheme cut in half: a space keeps the columns aligned.
                kept.push(' ');
                skip = 0;
            } else {
                skip -= w;
            }
        }
        if !kept.is_empty() {
            spans.push(Span::styled(kept, span.style));
        }
    }
    Line::from(spans).style(line.style)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_a_line_drops_columns_not_bytes() {
        let l = Line::from(vec![Span::raw("ab"), Span::raw("日本cd")]);
        let s: String = shifted(&l, 3)
            .spans
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(s, " 本cd");
    }
}
