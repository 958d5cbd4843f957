//! The Projects list (with a preview pane on wide terminals) and the Blog list (with
//! its tag filter line).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{
    hit, light, list_offset, marker, pad, paint_selected, panel, status_style, status_word,
};
use crate::content::PageRef;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::state::Hit;
use crate::tui::strings as s;

/// Projects get a preview pane from this width up.
const PREVIEW_MIN: u16 = 100;

pub(crate) fn projects(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let area = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(1),
    );
    let n = app.index.projects.len();
    if n == 0 {
        buf.set_string(area.x + 2, area.y, s::PROJECTS_EMPTY, theme.dim());
        return;
    }
    let (list, preview) = if area.width >= PREVIEW_MIN {
        let lw = area.width * 11 / 20;
        (
            Rect::new(area.x, area.y, lw, area.height),
            Some(Rect::new(
                area.x + lw + 1,
                area.y,
                area.width - lw - 1,
                area.height,
            )),
        )
    } else {
        (area, None)
    };
    let w = list.width as usize;
    let region_w = if w >= 50 { 12 } else { 0 };
    let status_w = 10;
    let vault_w = 3;
    let title_w = w.saturating_sub(2 + region_w + status_w + vault_w);
    let head = header_style(theme);
    let mut cols = vec![
        Span::raw("  "),
        Span::styled(pad(s::COL_PROJECT, title_w), head),
    ];
    if region_w > 0 {
        cols.push(Span::styled(pad(s::COL_REGION, region_w), head));
    }
    cols.push(Span::styled(s::COL_STATUS, head));
    Line::from(cols).render(Rect { height: 1, ..list }, buf);
    let list = Rect::new(
        list.x,
        list.y + 1,
        list.width,
        list.height.saturating_sub(1),
    );
    let rows = list.height as usize;
    let off = list_offset(app.projects.selected, n, rows);
    for (i, p) in app.index.projects.iter().enumerate().skip(off).take(rows) {
        let y = list.y + (i - off) as u16;
        let selected = app.projects.selected == i;
        let mut spans = vec![
            marker(selected, theme),
            Span::styled(pad(&p.title, title_w), theme.base()),
        ];
        if region_w > 0 {
            spans.push(Span::styled(
                pad(p.region.as_deref().unwrap_or(""), region_w),
                theme.dim(),
            ));
        }
        spans.push(light(p.rack_status, theme));
        spans.push(Span::styled(
            pad(&format!(" {}", status_word(p.rack_status)), status_w - 1),
            status_style(p.rack_status, theme),
        ));
        if p.vault {
            spans.push(Span::raw(s::VAULT_MARK));
        }
        let r = Rect::new(list.x, y, list.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        hit(app, r, Hit::Item(i));
    }
    if let Some(pr) = preview {
        project_preview(app, pr, buf, theme);
    }
}

fn project_preview(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let Some(p) = app.index.projects.get(app.projects.selected) else {
        return;
    };
    let block = panel(&p.title, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    );
    let mut lines: Vec<Line> = Vec::new();
    if !p.description.trim().is_empty() {
        for l in crate::tui::text::wrap(p.description.trim(), inner.width as usize) {
            lines.push(Line::styled(l, theme.base()));
        }
        lines.push(Line::default());
    }
    let field = |k: &str| Span::styled(pad(k, 8), theme.dim());
    if let Some(r) = &p.region {
        lines.push(Line::from(vec![
            field(s::PREVIEW_REGION),
            Span::styled(r.clone(), theme.base()),
        ]));
    }
    lines.push(Line::from(vec![
        field(s::PREVIEW_STATUS),
        light(p.rack_status, theme),
        Span::styled(
            format!(" {}", status_word(p.rack_status)),
            status_style(p.rack_status, theme),
        ),
        Span::styled(
            if p.vault {
                format!("   {} {}", s::VAULT_MARK, s::VAULT_LABEL)
            } else {
                String::new()
            },
            theme.dim(),
        ),
    ]));
    if let Some(u) = &p.live_url {
        lines.push(Line::from(vec![
            field(s::PREVIEW_URL),
            Span::styled(u.clone(), theme.link()),
        ]));
    }
    lines.push(Line::default());
    // The header is pre-wrapped, so the body excerpt fills exactly what is left.
    let used = (lines.len() as u16).min(inner.height);
    Paragraph::new(lines).render(Rect::new(inner.x, inner.y, inner.width, used), buf);
    let body = Rect::new(inner.x, inner.y + used, inner.width, inner.height - used);
    if body.height > 0 {
        let rendered = app.rendered(PageRef::Project(app.projects.selected), body.width);
        for (i, l) in rendered.lines.iter().take(body.height as usize).enumerate() {
            l.clone()
                .patch_style(ratatui::style::Style::default().add_modifier(Modifier::DIM))
                .render(Rect::new(body.x, body.y + i as u16, body.width, 1), buf);
        }
    }
}

pub(crate) fn blog(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let mut area = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(1),
    );
    let items = app.blog_items();
    if let Some(tag) = &app.blog.filter {
        let line = Line::from(vec![
            Span::styled(format!("  {} ", s::FILTER_LABEL), theme.dim()),
            Span::styled(
                s::filter_active(tag),
                theme.accent().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!("  · {}", s::count_of(items.len(), app.index.posts.len())),
                theme.dim(),
            ),
            Span::styled(format!("  · {}", s::FILTER_CLEAR_HINT), theme.dim()),
        ]);
        line.render(Rect::new(area.x, area.y, area.width, 1), buf);
        area = Rect::new(
            area.x,
            area.y + 2,
            area.width,
            area.height.saturating_sub(2),
        );
    }
    if items.is_empty() {
        let msg = if app.blog.filter.is_some() {
            s::BLOG_FILTER_EMPTY
        } else {
            s::BLOG_EMPTY
        };
        buf.set_string(area.x + 2, area.y, msg, theme.dim());
        return;
    }
    let w = area.width as usize;
    let rt_w = 8;
    let tags_w = if w >= 70 { (w * 3 / 10).min(36) } else { 0 };
    let title_w = w.saturating_sub(2 + 12 + rt_w + tags_w + 1);
    let head = header_style(theme);
    let mut cols = vec![
        Span::raw("  "),
        Span::styled(pad(s::COL_DATE, 12), head),
        Span::styled(pad(s::COL_TITLE, title_w), head),
        Span::styled(format!("{:>w$} ", s::COL_READ, w = rt_w), head),
    ];
    if tags_w > 0 {
        cols.push(Span::styled(format!(" {}", s::COL_TAGS), head));
    }
    Line::from(cols).render(Rect { height: 1, ..area }, buf);
    let area = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let rows = area.height as usize;
    let off = list_offset(app.blog.list.selected, items.len(), rows);
    for (i, page) in items.iter().enumerate().skip(off).take(rows) {
        let PageRef::Post(pi) = *page else { continue };
        let p = &app.index.posts[pi];
        let y = area.y + (i - off) as u16;
        let selected = app.blog.list.selected == i;
        let rt = p.read_time.as_deref().unwrap_or("");
        let mut spans = vec![
            marker(selected, theme),
            Span::styled(format!("{}  ", p.date), theme.dim()),
            Span::styled(pad(&p.title, title_w), theme.base()),
            Span::styled(format!("{:>w$} ", rt, w = rt_w), theme.dim()),
        ];
        // Each tag shown is a mouse target of its own (over the row's): it filters by it.
        let mut tag_cells: Vec<(u16, u16, usize)> = Vec::new();
        if tags_w > 0 {
            let mut used = 1;
            spans.push(Span::raw(" "));
            let mut col: usize = spans.iter().map(|s| str_width(&s.content)).sum();
            for t in &p.tags {
                let text = format!("#{t}");
                let tw = str_width(&text) + 1;
                if used + tw > tags_w {
                    break;
                }
                if let Some(ti) = app.tag_index(t)
                    && col + tw - 1 <= area.width as usize
                {
                    tag_cells.push((col as u16, (tw - 1) as u16, ti));
                }
                spans.push(Span::styled(
                    format!("{text} "),
                    ratatui::style::Style::default().fg(theme.tag),
                ));
                used += tw;
                col += tw;
            }
        }
        let r = Rect::new(area.x, y, area.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        hit(app, r, Hit::Item(i));
        for (col, w, ti) in tag_cells {
            hit(app, Rect::new(area.x + col, y, w, 1), Hit::PostTag(ti));
        }
    }
}

/// Column headings: small, dim, bold.
fn header_style(theme: &Theme) -> ratatui::style::Style {
    theme.dim().add_modifier(Modifier::BOLD)
}
