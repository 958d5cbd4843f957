//! The reader: a page's title and meta line, its rendered body scrolled to the guest's
//! place, a scroll position, and a table of contents on wide terminals.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Widget};

use super::{fast, fit, hit, light, mark, match_style, panel, status_style, status_word};
use crate::content::PageRef;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::state::Hit;
use crate::tui::strings as s;

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

/// The first line shown at text width `width`: `r.scroll`, or, when it was counted at
/// another width (the terminal was resized since), the line at the same place.
pub(crate) fn scroll_at(app: &App, r: &crate::tui::state::ReaderState, width: u16) -> usize {
    if r.width == 0 || r.width == width {
        return r.scroll;
    }
    let before = app.rendered(r.page, r.width);
    app.rendered(r.page, width).line_of(before.place(r.scroll))
}

pub(crate) fn draw(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let Some(r) = app.reader.as_ref() else { return };
    let g = geometry(area);
    let rendered = app.rendered(r.page, g.text.width);
    let title = app.index.title(r.page).unwrap_or("");
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
    let match_style = match_style(app, theme);
    if let Some(q) = query {
        mark(buf, g.title, &Line::raw(title), q, 0, match_style);
    }

    // Meta line, with the scroll position at its right.
    let total = rendered.lines.len();
    let visible = g.text.height as usize;
    // After a resize the same place at the new width; it may scroll past the last
    // page only as far as the last heading on the top row.
    let scroll = scroll_at(app, r, g.text.width).min(rendered.max_scroll(visible));
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
    let (meta, tags) = meta_line(app, r.page, theme);
    fast::render_line(&meta, meta_rect, buf);
    // Each #tag is a link to the blog list filtered by it.
    for (col, w, tag) in tags {
        let w = w.min(meta_w.saturating_sub(col));
        if w > 0 {
            hit(
                app,
                Rect::new(g.meta.x + col, g.meta.y, w, 1),
                Hit::PostTag(tag),
            );
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
        // Wide code moves inside its frame; its top border says where.
        let moved = rendered.line_at(i, r.hscroll);
        let line = moved.as_ref().unwrap_or(&rendered.lines[i]);
        fast::render_line(line, rect, buf);
        if let Some(q) = query {
            match rendered.code_window(i, r.hscroll) {
                // Hits in wide code, even those partly scrolled off, inside the frame.
                Some(c) => {
                    let x = rect.x + c.x.min(rect.width);
                    let w = c.width.min(rect.right().saturating_sub(x));
                    let window = Rect::new(x, y, w, 1);
                    mark(buf, window, c.code, q, c.offset as usize, match_style);
                }
                None => mark(buf, rect, line, q, 0, match_style),
            }
        }
    }
    for l in &rendered.links {
        let shifted_away = r.hscroll > 0 && rendered.wide.iter().any(|w| w.line == l.line);
        if l.line < scroll || l.line >= scroll + visible || shifted_away || l.start >= g.text.width
        {
            continue;
        }
        let w = l.end.min(g.text.width).saturating_sub(l.start);
        let y = g.text.y + (l.line - scroll) as u16;
        super::link(app, Rect::new(g.text.x + l.start, y, w, 1), &l.url);
    }
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
        toc_panel(app, &rendered.anchors, current, toc, buf, theme);
    }
}

/// Where a post's `#tag` sits in its meta line: (column, width, index in `Index::tags`).
type TagCell = (u16, u16, usize);

/// The line under the title: date, read time and tags of a post, or a project's
/// region, status and link; with the columns of the post's tags (mouse targets).
fn meta_line(app: &App, page: PageRef, theme: &Theme) -> (Line<'static>, Vec<TagCell>) {
    let dot = || Span::styled("  ·  ", theme.dim());
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut tags = Vec::new();
    match page {
        PageRef::Post(i) => {
            let Some(p) = app.index.posts.get(i) else {
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
                    if let Some(ti) = app.tag_index(t) {
                        let clamp = |v: usize| v.min(u16::MAX as usize) as u16;
                        tags.push((clamp(col), clamp(w), ti));
                    }
                    col += w;
                    spans.push(Span::styled(text, Style::default().fg(theme.tag)));
                }
            }
        }
        PageRef::Project(i) => {
            let Some(p) = app.index.projects.get(i) else {
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

fn toc_panel(
    app: &App,
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
    let off = super::list_offset(current.unwrap_or(0), anchors.len(), rows);
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
        hit(app, r, Hit::Toc(i));
    }
}
