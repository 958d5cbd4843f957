//! The reader's head and geometry: the title and meta lines, wrapped at the text's
//! width (never cut mid-word, a tag never split), and where the text, its scrollbar
//! and the table of contents go: the text at a readable measure, the contents beside
//! it on wide screens, as wide as its entries (a third of the screen at most).

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::super::Ctx;
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::theme::{ColorDepth, Theme, ThemeKind};
use crate::tui::state::Hit;
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{fast, fit, light, mark, status_style, status_word};

/// A table of contents beside the text from this body width up.
const TOC_MIN: u16 = 110;
/// Body text never gets wider than this (long lines are hard to read).
const MAX_TEXT: u16 = 100;
/// Below this body height the title and meta take at most two rows and one.
const SHORT: u16 = 16;

/// Where the reader's parts go inside the body area; `act` uses the same numbers for
/// paging and clamping.
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
fn toc_want(cx: &Ctx, page: PageRef) -> u16 {
    let rendered = cx.rendered(page, 80);
    let min_level = rendered.anchors.iter().map(|a| a.level).min().unwrap_or(2);
    let widest = rendered
        .anchors
        .iter()
        .map(|a| {
            let indent = 2 * usize::from(a.level.saturating_sub(min_level).min(3));
            3 + indent + str_width(&a.title)
        })
        .max();
    widest.map_or(0, |w| (w + 3).min(u16::MAX as usize) as u16)
}

/// What a geometry is worked out from: the content (the `Weak` keeps its address from
/// being reused), the page, the body, and the theme and depth its layouts are for.
type Key = (Weak<Index>, PageRef, Rect, ThemeKind, ColorDepth);

thread_local! {
    /// The geometry last worked out on this thread, and what for. A key asks for the
    /// same geometry several times (`act`, clamping, the view), and working it out
    /// measures every heading and the meta lines.
    static LAST: RefCell<Option<(Key, Geometry)>> = const { RefCell::new(None) };
}

pub(crate) fn geometry(cx: &Ctx, page: PageRef, body: Rect) -> Geometry {
    let same = |k: &Key| {
        std::ptr::eq(k.0.as_ptr(), Arc::as_ptr(cx.index))
            && (k.1, k.2, k.3, k.4) == (page, body, cx.theme, cx.depth)
    };
    let last = |l: &Option<(Key, Geometry)>| l.as_ref().filter(|(k, _)| same(k)).map(|l| l.1);
    if let Some(g) = LAST.with(|l| l.try_borrow().ok().and_then(|l| last(&l))) {
        return g;
    }
    let g = work_out(cx, page, body);
    LAST.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            *l = Some((
                (Arc::downgrade(cx.index), page, body, cx.theme, cx.depth),
                g,
            ));
        }
    });
    g
}

fn work_out(cx: &Ctx, page: PageRef, body: Rect) -> Geometry {
    // Beside the text on wide screens, as wide as its entries (a third at most). Only
    // asked for there: it lays the page out at 80 columns to find its headings.
    let want = if body.width >= TOC_MIN {
        toc_want(cx, page)
    } else {
        0
    };
    let toc_w = if want > 0 {
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
    let title = cx.index.title(page).unwrap_or("");
    let title_rows = wrap(title, usize::from(text_w))
        .len()
        .clamp(1, if short { 2 } else { 4 }) as u16;
    let meta_rows = meta_lines(cx, page, text_w, cx.theme.theme())
        .0
        .len()
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

/// The title, wrapped over its rows (shortened with `…` only past the last).
pub(crate) fn draw_title(
    cx: &Ctx,
    page: PageRef,
    area: Rect,
    query: Option<&str>,
    match_style: Style,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let title = cx.index.title(page).unwrap_or("");
    let rows = wrap(title, area.width as usize);
    let n = rows.len();
    for (i, row) in rows.iter().take(area.height as usize).enumerate() {
        let cut = i + 1 == area.height as usize && n > i + 1;
        let text = if cut {
            fit(&format!("{row} …"), area.width as usize)
        } else {
            row.clone()
        };
        let rect = Rect::new(area.x, area.y + i as u16, area.width, 1);
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
}

/// The meta lines, each `#tag` a link to the blog filtered by it.
pub(crate) fn draw_meta(
    cx: &Ctx,
    page: PageRef,
    area: Rect,
    query: Option<&str>,
    match_style: Style,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let (lines, tags) = meta_lines(cx, page, area.width, theme);
    for (i, line) in lines.iter().take(area.height as usize).enumerate() {
        let rect = Rect::new(area.x, area.y + i as u16, area.width, 1);
        fast::render_line(line, rect, buf);
        if let Some(q) = query {
            mark(buf, rect, line, q, 0, match_style);
        }
    }
    for (row, col, w, tag) in tags {
        if row >= area.height || col >= area.width {
            continue;
        }
        let w = w.min(area.width - col);
        cx.hit(
            Rect::new(area.x + col, area.y + row, w, 1),
            Hit::PostTag(tag),
        );
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

/// The lines under the title, wrapped at `width` between units: date, read time and
/// tags of a post, or a project's region, status, vault and link.
fn meta_lines(
    cx: &Ctx,
    page: PageRef,
    width: u16,
    theme: &Theme,
) -> (Vec<Line<'static>>, Vec<TagCell>) {
    const DOT: &str = "  ·  ";
    let mut units: Vec<Unit> = Vec::new();
    let mut unit = |sep, spans, tag| units.push(Unit { sep, spans, tag });
    match page {
        PageRef::Post(i) => {
            if let Some(p) = cx.index.posts.get(i) {
                unit(
                    DOT,
                    vec![Span::styled(p.date.to_string(), theme.dim())],
                    None,
                );
                if let Some(rt) = &p.read_time {
                    unit(DOT, vec![Span::styled(rt.clone(), theme.dim())], None);
                }
                for (k, t) in p.tags.iter().enumerate() {
                    let text = Span::styled(format!("#{t}"), Style::default().fg(theme.tag));
                    unit(if k == 0 { DOT } else { " " }, vec![text], cx.tag_index(t));
                }
            }
        }
        PageRef::Project(i) => {
            if let Some(p) = cx.index.projects.get(i) {
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
                    let text = s::VAULT_LABEL.to_string();
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
    let clamp = |v: usize| v.min(u16::MAX as usize) as u16;
    for u in units {
        let w: usize = u.spans.iter().map(|s| str_width(&s.content)).sum();
        let sep_w = str_width(u.sep);
        if col > 0 && col + sep_w + w > width {
            lines.push(Vec::new());
            col = 0;
        }
        let row = lines.len() - 1;
        if col > 0 {
            lines[row].push(Span::styled(u.sep, theme.dim()));
            col += sep_w;
        }
        if let Some(ti) = u.tag {
            tags.push((clamp(row), clamp(col), clamp(w), ti));
        }
        lines[row].extend(u.spans);
        col += w;
    }
    (lines.into_iter().map(Line::from).collect(), tags)
}
