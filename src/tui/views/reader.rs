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

/// A table of contents beside the text from this body width up.
const TOC_MIN: u16 = 110;
/// Body text never gets wider than this (long lines are hard to read).
const MAX_TEXT: u16 = 100;
/// Below this body height the title and meta take at most two rows and one.
const SHORT: u16 = 16;

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

/// The table of contents' width for `page`: its longest entry (marker, indent, title)
/// and its borders; 0 without headings.
fn toc_want(app: &App, page: PageRef) -> u16 {
    let rendered = app.rendered(page, 80);
    let min_level = rendered.anchors.iter().map(|a| a.level).min().unwrap_or(2);
    let widest = rendered
        .anchors
        .iter()
        .map(|a| {
            3 + 2 * usize::from(a.level.saturating_sub(min_level).min(3)) + str_width(&a.title)
        })
        .max();
    widest.map_or(0, |w| (w + 3).min(u16::MAX as usize) as u16)
}

pub(crate) fn geometry(app: &App, body: Rect) -> Geometry {
    let page = app.reader.as_ref().map(|r| r.page);
    let want = page.map_or(0, |p| toc_want(app, p));
    // Beside the text on wide screens, as wide as its entries (a third at most).
    let toc_w = if body.width >= TOC_MIN && want > 0 {
        want.clamp(16, body.width / 3)
    } else {
        0
    };
    // Two columns of margin on the left; the scrollbar and a gap on the right.
    let room = body
        .width
        .saturating_sub(5 + if toc_w > 0 { toc_w + 1 } else { 0 });
    let text_w = room.clamp(1, MAX_TEXT);
    let x = body.x + 2;
    let short = body.height < SHORT;
    let title = page.and_then(|p| app.index.title(p)).unwrap_or("");
    let title_rows = crate::tui::text::wrap(title, usize::from(text_w))
        .len()
        .clamp(1, if short { 2 } else { 4 }) as u16;
    let meta_rows = page
        .map_or(1, |p| meta_lines(app, p, text_w, app.theme()).0.len())
        .clamp(1, if short { 1 } else { 3 }) as u16;
    let top = body.y + u16::from(!short);
    let meta_y = top + title_rows;
    let text_y = meta_y + meta_rows + 1;
    let text_h = body.bottom().saturating_sub(text_y);
    let scroll_x = (x + text_w + 1).min(body.right().saturating_sub(1));
    Geometry {
        title: Rect::new(x, top, text_w, title_rows),
        meta: Rect::new(x, meta_y, text_w, meta_rows),
        text: Rect::new(x, text_y, text_w, text_h),
        scrollbar: Rect::new(scroll_x, text_y, 1, text_h),
        toc: (toc_w > 0).then(|| {
            let tx = (scroll_x + 3).min(body.right().saturating_sub(toc_w));
            Rect::new(tx, top, toc_w, body.bottom().saturating_sub(top))
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
    let g = geometry(app, area);
    let rendered = app.rendered(r.page, g.text.width);
    let title = app.index.title(r.page).unwrap_or("");
    // The search this page was opened from: its hits are overlaid on the shared
    // rendering as it is drawn (the cached lines stay the same for every guest).
    let query = r.highlight.as_deref().filter(|q| !q.is_empty());
    let match_style = match_style(app, theme);
    // The title, wrapped (shortened with `…` only past its rows).
    let rows = crate::tui::text::wrap(title, g.title.width as usize);
    let n = rows.len();
    for (i, row) in rows.iter().take(g.title.height as usize).enumerate() {
        let last = i + 1 == g.title.height as usize && n > i + 1;
        let text = if last {
            fit(&format!("{row} …"), g.title.width as usize)
        } else {
            row.clone()
        };
        let rect = Rect::new(g.title.x, g.title.y + i as u16, g.title.width, 1);
        fast::set_stringn(
            buf,
            rect.x,
            rect.y,
            &text,
            rect.width as usize,
            theme.title(),
        );
        if let Some(q) = query {
            mark(buf, rect, &Line::raw(text), q, 0, match_style);
        }
    }

    // Meta lines; the scroll position goes at the right of the rule under them.
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
    let (meta, tags) = meta_lines(app, r.page, g.meta.width, theme);
    for (i, line) in meta.iter().take(g.meta.height as usize).enumerate() {
        let rect = Rect::new(g.meta.x, g.meta.y + i as u16, g.meta.width, 1);
        fast::render_line(line, rect, buf);
        if let Some(q) = query {
            mark(buf, rect, line, q, 0, match_style);
        }
    }
    // Each #tag is a link to the blog list filtered by it.
    for (row, col, w, tag) in tags {
        if row >= g.meta.height || col >= g.meta.width {
            continue;
        }
        let w = w.min(g.meta.width - col);
        hit(
            app,
            Rect::new(g.meta.x + col, g.meta.y + row, w, 1),
            Hit::PostTag(tag),
        );
    }
    let rule_y = g.meta.bottom();
    let pos_w = str_width(&pos) as u16;
    let rule_w = g.text.width.saturating_sub(pos_w + 1);
    let rule = "─".repeat(rule_w as usize);
    fast::set_string(
        buf,
        g.text.x,
        rule_y,
        rule,
        Style::default().fg(theme.border),
    );
    if pos_w < g.text.width {
        fast::set_string(buf, g.text.x + rule_w + 1, rule_y, &pos, theme.dim());
    }

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

/// Where a post's `#tag` sits in its meta lines: (row, column, width, index in
/// `Index::tags`).
type TagCell = (u16, u16, u16, usize);

/// One unit of the meta line, never split: what separates it from the unit before
/// (`  ·  ` between groups, a space between tags), its spans, the tag it is.
struct Unit {
    sep: &'static str,
    spans: Vec<Span<'static>>,
    tag: Option<usize>,
}

/// The lines under the title, wrapped at `width` between units (never mid-tag): date,
/// read time and tags of a post, or a project's region, status, vault and link; with
/// where the post's tags are (mouse targets).
pub(crate) fn meta_lines(
    app: &App,
    page: PageRef,
    width: u16,
    theme: &Theme,
) -> (Vec<Line<'static>>, Vec<TagCell>) {
    const DOT: &str = "  ·  ";
    let mut units: Vec<Unit> = Vec::new();
    let mut unit = |sep, spans, tag| units.push(Unit { sep, spans, tag });
    match page {
        PageRef::Post(i) => {
            if let Some(p) = app.index.posts.get(i) {
                unit(
                    DOT,
                    vec![Span::styled(p.date.to_string(), theme.dim())],
                    None,
                );
                if let Some(rt) = &p.read_time {
                    unit(DOT, vec![Span::styled(rt.clone(), theme.dim())], None);
                }
                for (k, t) in p.tags.iter().enumerate() {
                    let style = Style::default().fg(theme.tag);
                    let text = Span::styled(format!("#{t}"), style);
                    unit(if k == 0 { DOT } else { " " }, vec![text], app.tag_index(t));
                }
            }
        }
        PageRef::Project(i) => {
            if let Some(p) = app.index.projects.get(i) {
                if let Some(r) = &p.region {
                    unit(DOT, vec![Span::styled(r.clone(), theme.dim())], None);
                }
                let word = status_word(p.rack_status);
                if !word.is_empty() {
                    let status = vec![
                        light(p.rack_status, theme),
                        Span::styled(format!(" {word}"), status_style(p.rack_status, theme)),
                    ];
                    unit(DOT, status, None);
                }
                if p.vault {
                    let text = format!("{} {}", s::VAULT_MARK, s::VAULT_LABEL);
                    unit(DOT, vec![Span::styled(text, theme.dim())], None);
                }
                if let Some(u) = &p.live_url {
                    unit(DOT, vec![Span::styled(u.clone(), theme.link())], None);
                }
            }
        }
    }
    let width = usize::from(width.max(1));
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut tags = Vec::new();
    let mut col = 0usize;
    for u in units {
        let w: usize = u.spans.iter().map(|s| str_width(&s.content)).sum();
        let sep_w = str_width(u.sep);
        let row_empty = col == 0;
        if !row_empty && col + sep_w + w > width {
            lines.push(Vec::new());
            col = 0;
        }
        let Some(row) = lines.last_mut() else { break };
        if col > 0 {
            row.push(Span::styled(u.sep, theme.dim()));
            col += sep_w;
        }
        if let Some(ti) = u.tag {
            let clamp = |v: usize| v.min(u16::MAX as usize) as u16;
            let n = clamp(lines.len() - 1);
            tags.push((n, clamp(col), clamp(w), ti));
        }
        let Some(row) = lines.last_mut() else { break };
        row.extend(u.spans);
        col += w;
    }
    (lines.into_iter().map(Line::from).collect(), tags)
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
