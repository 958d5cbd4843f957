//! The Projects list (with a preview pane on wide terminals) and the Blog list (with
//! its tag filter line).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{
    fit, hit, light, list_offset, marker, pad, paint_selected, panel, status_style, status_word,
};
use crate::content::PageRef;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::columns::{Col, fit_tags, layout};
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
    // Columns from the content: the longest title, region and status, the vault mark.
    let ps = &app.index.projects;
    let title_want = ps
        .iter()
        .map(|p| str_width(&p.title))
        .max()
        .unwrap_or(0)
        .max(str_width(s::COL_PROJECT));
    let region = Col::of(
        ps.iter()
            .filter_map(|p| p.region.as_deref())
            .chain([s::COL_REGION]),
        1,
    );
    // The status column holds a light, a space and the word.
    let status = Col::of(
        ps.iter()
            .map(|p| status_word(p.rack_status))
            .chain([s::COL_STATUS]),
        2,
    );
    let status = Col {
        width: status.width + 2,
        ..status
    };
    let vault = Col {
        width: if ps.iter().any(|p| p.vault) {
            str_width(s::VAULT_MARK)
        } else {
            0
        },
        keep: 0,
    };
    let cols_all = [region, status, vault];
    let natural = 2 + title_want + cols_all.iter().map(|c| c.width + 1).sum::<usize>() + 1;
    let (list, preview) = if area.width >= PREVIEW_MIN {
        // The list as wide as its content (at most 3/5), the preview the rest.
        let lw = (natural as u16).min(area.width * 3 / 5);
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
    let cols = layout(
        (list.width as usize).saturating_sub(3),
        title_want,
        12,
        &cols_all,
        false,
    );
    let head = header_style(theme);
    let cell =
        |spans: &mut Vec<Span<'static>>, x: &mut usize, at: Option<usize>, text: String, style| {
            if let Some(at) = at {
                spans.push(Span::raw(" ".repeat(at.saturating_sub(*x))));
                *x = at + str_width(&text);
                spans.push(Span::styled(text, style));
            }
        };
    let mut spans = vec![
        Span::raw("  "),
        Span::styled(pad(s::COL_PROJECT, cols.title), head),
    ];
    let mut x = cols.title;
    cell(
        &mut spans,
        &mut x,
        cols.cols[0],
        s::COL_REGION.to_string(),
        head,
    );
    cell(
        &mut spans,
        &mut x,
        cols.cols[1],
        s::COL_STATUS.to_string(),
        head,
    );
    Line::from(spans).render(Rect { height: 1, ..list }, buf);
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
            Span::styled(pad(&fit(&p.title, cols.title), cols.title), theme.base()),
        ];
        let mut x = cols.title;
        let region = p.region.clone().unwrap_or_default();
        cell(&mut spans, &mut x, cols.cols[0], region, theme.dim());
        if let Some(at) = cols.cols[1] {
            spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
            spans.push(light(p.rack_status, theme));
            spans.push(Span::raw(" "));
            x = at + 2;
            let word = status_word(p.rack_status).to_string();
            cell(
                &mut spans,
                &mut x,
                Some(at + 2),
                word,
                status_style(p.rack_status, theme),
            );
        }
        if p.vault {
            cell(
                &mut spans,
                &mut x,
                cols.cols[2],
                s::VAULT_MARK.to_string(),
                theme.base(),
            );
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
    let posts: Vec<&crate::content::Post> = items
        .iter()
        .filter_map(|p| match *p {
            PageRef::Post(i) => app.index.posts.get(i),
            _ => None,
        })
        .collect();
    // Date, then the title as wide as the longest (or what is left), read time, and
    // the tags in the rest of the row (`+N` for those that do not fit).
    let date_w = if w >= 40 { 12 } else { 0 };
    let title_want = posts
        .iter()
        .map(|p| str_width(&p.title))
        .max()
        .unwrap_or(0)
        .max(str_width(s::COL_TITLE));
    let rt = Col::of(
        posts
            .iter()
            .filter_map(|p| p.read_time.as_deref())
            .chain([s::COL_READ]),
        2,
    );
    let has_tags = posts.iter().any(|p| !p.tags.is_empty());
    let tags_min = Col {
        width: if has_tags { 8 } else { 0 },
        keep: 1,
    };
    let room = w.saturating_sub(2 + date_w + 1);
    let cols = layout(room, title_want, 16, &[rt, tags_min], false);
    let head = header_style(theme);
    let mut head_spans = vec![Span::raw("  ")];
    if date_w > 0 {
        head_spans.push(Span::styled(pad(s::COL_DATE, date_w), head));
    }
    head_spans.push(Span::styled(pad(s::COL_TITLE, cols.title), head));
    let mut x = cols.title;
    if let Some(at) = cols.cols[0] {
        head_spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
        head_spans.push(Span::styled(
            format!("{:>w$}", s::COL_READ, w = rt.width),
            head,
        ));
        x = at + rt.width;
    }
    if let Some(at) = cols.cols[1] {
        head_spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
        head_spans.push(Span::styled(s::COL_TAGS, head));
    }
    Line::from(head_spans).render(Rect { height: 1, ..area }, buf);
    let area = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let rows = area.height as usize;
    let off = list_offset(app.blog.list.selected, items.len(), rows);
    for (i, p) in posts.iter().enumerate().skip(off).take(rows) {
        let y = area.y + (i - off) as u16;
        let selected = app.blog.list.selected == i;
        let mut spans = vec![marker(selected, theme)];
        if date_w > 0 {
            spans.push(Span::styled(format!("{}  ", p.date), theme.dim()));
        }
        spans.push(Span::styled(
            pad(&fit(&p.title, cols.title), cols.title),
            theme.base(),
        ));
        let mut x = cols.title;
        if let (Some(at), Some(t)) = (cols.cols[0], p.read_time.as_deref()) {
            spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
            spans.push(Span::styled(format!("{t:>w$}", w = rt.width), theme.dim()));
            x = at + rt.width;
        }
        // Each tag shown is a mouse target of its own (over the row's): it filters by it.
        let mut tag_cells: Vec<(u16, u16, usize)> = Vec::new();
        if let Some(at) = cols.cols[1] {
            spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
            let lead = 2 + date_w;
            let tags_w = room.saturating_sub(at);
            let names: Vec<&str> = p.tags.iter().map(String::as_str).collect();
            let (shown, more) = fit_tags(&names, tags_w);
            let mut col = lead + at;
            for t in &names[..shown] {
                let text = format!("#{t}");
                let tw = str_width(&text);
                if let Some(ti) = app.tag_index(t) {
                    tag_cells.push((col as u16, tw as u16, ti));
                }
                spans.push(Span::styled(
                    format!("{text} "),
                    ratatui::style::Style::default().fg(theme.tag),
                ));
                col += tw + 1;
            }
            if !more.is_empty() {
                spans.push(Span::styled(more, theme.dim()));
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
