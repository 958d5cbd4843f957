//! A frame that differs from the last only by where the reader is scrolled: the parts
//! of the reader that depend on the place (the rows that came into view, the position
//! on the rule, the scrollbar, the table of contents' highlight, the links in view)
//! drawn alone, each exactly as the full `draw` draws it. Pure: reads the state, writes
//! the cells it is asked for and the clickable regions.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget};

use super::{Ctx, ReaderScreen, browse, head, scroll_at, toc_panel};
use crate::render::Rendered;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::state::Hit;
use crate::tui::strings as s;
use crate::tui::views::fast;

/// Where a frame drawn now shows the reader's text: its rows, the first line on them,
/// and the scrollbar's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub text: Rect,
    pub scrollbar: Rect,
    pub first: usize,
}

/// `Place` of `r` in `body`.
pub(crate) fn place(r: &ReaderScreen, cx: &Ctx, body: Rect) -> Place {
    let g = head::geometry(cx, r.page, body);
    let rendered = cx.rendered(r.page, g.text.width);
    let visible = usize::from(g.text.height);
    Place {
        text: g.text,
        scrollbar: g.scrollbar,
        first: scroll_at(r, cx, g.text.width).min(rendered.max_scroll(visible)),
    }
}

/// The scroll position at the rule's right end.
pub(super) fn position(total: usize, visible: usize, scroll: usize) -> String {
    if total <= visible {
        s::READER_ALL.to_string()
    } else if scroll == 0 {
        s::READER_TOP.to_string()
    } else {
        let max = total - visible;
        s::percent(scroll.min(max) * 100 / max)
    }
}

/// The rule under the meta lines, with the scroll position at its right.
pub(super) fn rule(text: Rect, y: u16, pos: &str, buf: &mut Buffer, theme: &Theme) {
    let pos_w = str_width(pos) as u16;
    let rule_w = text.width.saturating_sub(pos_w + 1);
    let rule = "─".repeat(rule_w as usize);
    fast::set_string(buf, text.x, y, rule, Style::default().fg(theme.border));
    if pos_w < text.width {
        fast::set_string(buf, text.x + rule_w + 1, y, pos, theme.dim());
    }
}

/// The scrollbar beside the text.
pub(super) fn scrollbar(
    area: Rect,
    total: usize,
    visible: usize,
    scroll: usize,
    buf: &mut Buffer,
    theme: &Theme,
) {
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
        .render(area, buf, &mut state);
}

/// The heading the table of contents marks for a frame showing `scroll`: at the very
/// end the last sections can't reach the top, so the last heading on screen instead of
/// the one above the fold.
pub(super) fn toc_current(rendered: &Rendered, scroll: usize, visible: usize) -> Option<usize> {
    let total = rendered.len();
    let at_end = total > visible && scroll >= total - visible;
    if at_end {
        rendered
            .anchors
            .iter()
            .rposition(|a| a.line < scroll + visible)
    } else {
        rendered.anchors.iter().rposition(|a| a.line <= scroll)
    }
}

/// Record the links on the lines a frame showing `scroll` shows (the full `draw`'s
/// loop).
pub(super) fn record_links(
    r: &ReaderScreen,
    cx: &Ctx,
    rendered: &Rendered,
    text: Rect,
    scroll: usize,
) {
    let visible = usize::from(text.height);
    for (k, l) in rendered.links.iter().enumerate() {
        let shifted_away = r.hscroll > 0 && rendered.wide.iter().any(|w| w.line == l.line);
        if l.line < scroll || l.line >= scroll + visible || shifted_away || l.start >= text.width {
            continue;
        }
        let w = l.end.min(text.width).saturating_sub(l.start);
        let y = text.y + (l.line - scroll) as u16;
        browse::record_link(r, cx, Rect::new(text.x + l.start, y, w, 1), k, &l.url);
    }
}

/// Draw, over a buffer holding the frame of `r` scrolled to `from` (as far as `buf`
/// matters: the caller keeps the text rows `kept`, already moved where this frame
/// shows their lines), everything a frame of `r` now shows differently: each part
/// blanked in the base style and drawn as `draw` draws it. The clickable regions are
/// those of the full `draw`, in its order. Returns the rectangles drawn.
pub(crate) fn draw_moved(
    r: &ReaderScreen,
    cx: &Ctx,
    body: Rect,
    from: usize,
    kept: Range<u16>,
    buf: &mut Buffer,
    theme: &Theme,
) -> Vec<Rect> {
    let g = head::geometry(cx, r.page, body);
    let rendered = cx.rendered(r.page, g.text.width);
    let total = rendered.len();
    let visible = usize::from(g.text.height);
    let scroll = scroll_at(r, cx, g.text.width).min(rendered.max_scroll(visible));
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let mut drawn = Vec::new();
    let blank = |rect: Rect, buf: &mut Buffer, drawn: &mut Vec<Rect>| {
        let rect = rect.intersection(buf.area);
        for y in rect.top()..rect.bottom() {
            for x in rect.left()..rect.right() {
                if let Some(c) = buf.cell_mut((x, y)) {
                    c.reset();
                }
            }
        }
        fast::set_style(buf, rect, base);
        drawn.push(rect);
    };
    let pos = position(total, visible, scroll);
    let rule_y = g.meta.bottom();
    if pos != position(total, visible, from) {
        blank(
            Rect::new(g.text.x, rule_y, g.text.width, 1),
            buf,
            &mut drawn,
        );
        rule(g.text, rule_y, &pos, buf, theme);
    }
    for row in 0..g.text.height {
        let y = g.text.y + row;
        if kept.contains(&y) {
            continue;
        }
        blank(Rect::new(g.text.x, y, g.text.width, 1), buf, &mut drawn);
        let i = scroll + usize::from(row);
        if i >= total {
            continue;
        }
        if let Some(line) = rendered.line_at(i, r.hscroll).or_else(|| rendered.line(i)) {
            fast::render_line(&line, Rect::new(g.text.x, y, g.text.width, 1), buf);
        }
    }
    // The clickable regions: the links on the text rows (and the contents' entries,
    // recorded after them) go; the others stay as they were, in their order.
    let toc = g.toc.filter(|_| !rendered.anchors.is_empty());
    let (current, was) = (
        toc_current(&rendered, scroll, visible),
        toc_current(&rendered, from, visible),
    );
    let redraw_toc = toc.is_some() && current != was;
    let old_toc = {
        let mut hits = cx.hits.borrow_mut();
        let on_text = |rect: &Rect| g.text.intersects(*rect);
        hits.links.retain(|(rect, _)| !on_text(rect));
        let mut toc_hits = Vec::new();
        hits.regions.retain(|(rect, hit)| match hit {
            Hit::Link(_) => !on_text(rect),
            Hit::Toc(_) => {
                toc_hits.push((*rect, *hit));
                false
            }
            _ => true,
        });
        toc_hits
    };
    record_links(r, cx, &rendered, g.text, scroll);
    if total > visible && g.scrollbar.height > 0 {
        blank(g.scrollbar, buf, &mut drawn);
        scrollbar(g.scrollbar, total, visible, scroll, buf, theme);
    }
    match toc {
        Some(area) if redraw_toc => {
            blank(area, buf, &mut drawn);
            toc_panel(cx, &rendered.anchors, current, area, buf, theme);
        }
        _ => cx.hits.borrow_mut().regions.extend(old_toc),
    }
    cx.hits.borrow_mut().text = super::text_rows(r, &g, &rendered, scroll);
    drawn
}
