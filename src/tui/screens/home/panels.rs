//! Home's panels, each drawn into the rectangle `home.rs` laid out for it: the rack of
//! projects with their status lights, every other project, the posts, the regions'
//! summary, the about panel and the stories strip; and the rack's column widths.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::Ctx;
use super::{HomeScreen, TITLE_MIN};
use crate::content::model::RackStatus;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::columns::{Col, layout};
use crate::tui::state::Hit;
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{
    fit, light, list_offset, marker, pad, paint_selected, panel, status_style, status_word,
    story_color,
};

/// How much of each list item a panel shows: its one-line description on a second,
/// dim row, and a blank row between items — used when the screen has the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Rows {
    pub desc: bool,
    pub space: bool,
}

impl Rows {
    /// Rows from one item's first row to the next item's.
    pub fn stride(self) -> u16 {
        1 + u16::from(self.desc) + u16::from(self.space)
    }

    /// Rows `n` items take inside a panel's borders (one for an empty list's note).
    pub fn height(self, n: usize) -> u16 {
        let n = n.clamp(1, usize::from(u16::MAX / 3)) as u16;
        n * self.stride() - u16::from(self.space)
    }

    /// How many items fit in `rows`.
    pub fn fit(self, rows: u16) -> usize {
        usize::from((rows + u16::from(self.space)) / self.stride())
    }
}

/// An item's description as its dim second row, from column `indent` of `row`.
fn desc_row(text: &str, indent: u16, row: Rect, buf: &mut Buffer, theme: &Theme) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() || indent >= row.width {
        return;
    }
    let w = (row.width - indent).saturating_sub(1) as usize;
    buf.set_string(row.x + indent, row.y, fit(&text, w), theme.dim());
}

/// Rows the regions panel takes at most (0 without regions).
pub(super) fn regions_height(cx: &Ctx, rack: &[usize]) -> u16 {
    let mut names: Vec<&str> = Vec::new();
    for &i in rack {
        if let Some(r) = cx.index.projects[i].region.as_deref() {
            if !names.contains(&r) {
                names.push(r);
            }
        }
    }
    if names.is_empty() {
        0
    } else {
        (names.len() as u16).saturating_add(2)
    }
}

/// Rows the about panel takes at most when `width` wide (0 when it has nothing).
pub(super) fn about_height(cx: &Ctx, width: u16, theme: &Theme) -> u16 {
    let (lines, _, _) = about_lines(cx, width.saturating_sub(4) as usize, theme);
    if lines.is_empty() {
        0
    } else {
        (lines.len() as u16).saturating_add(2)
    }
}

/// The rack's natural width: marker, bay, light, the longest title, region, status.
pub(super) fn rack_width(cx: &Ctx, rack: &[usize]) -> u16 {
    let (bay, title, region, status) = rack_cols(cx, rack);
    // Borders, the lead (as in `rack_panel`), the title, each column after a gap, and
    // the column kept free at the right.
    let w = 2 + rack_lead(bay) + title + region.width + 1 + status.width + 1 + 1;
    w.min(u16::MAX as usize) as u16
}

/// Marker, bay, a space, the bay's edge and light, a space: then the title.
pub(super) fn rack_lead(bay_w: usize) -> usize {
    2 + bay_w + 1 + 2 + 1
}

/// The rack's columns from its content: bay, title, region, status widths.
pub(super) fn rack_cols(cx: &Ctx, rack: &[usize]) -> (usize, usize, Col, Col) {
    let ps = || rack.iter().map(|&i| &cx.index.projects[i]);
    let bay = ps()
        .map(|p| str_width(p.rack_bay.as_deref().unwrap_or("")))
        .max()
        .unwrap_or(0);
    let title = ps().map(|p| str_width(&p.title)).max().unwrap_or(0);
    let region = Col::of(ps().filter_map(|p| p.region.as_deref()), 1);
    let status = Col::of(ps().map(|p| status_word(p.rack_status)), 2);
    (bay, title, region, status)
}

/// Per region: a light per bay and how many are live — the control plane's summary.
/// Returns the rows it took.
pub(super) fn regions_panel(
    cx: &Ctx,
    rack: &[usize],
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) -> u16 {
    let mut regions: Vec<(&str, Vec<RackStatus>)> = Vec::new();
    for &i in rack {
        let p = &cx.index.projects[i];
        let Some(name) = p.region.as_deref() else {
            continue;
        };
        match regions.iter_mut().find(|(r, _)| *r == name) {
            Some((_, v)) => v.push(p.rack_status),
            None => regions.push((name, vec![p.rack_status])),
        }
    }
    if regions.is_empty() || area.height < 3 {
        return 0;
    }
    let h = (regions.len() as u16 + 2).min(area.height);
    let area = Rect { height: h, ..area };
    let block = panel(s::HOME_REGIONS, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let most = regions
        .iter()
        .map(|(_, l)| l.len())
        .max()
        .unwrap_or(0)
        .min(12);
    let name_w = regions.iter().map(|(r, _)| str_width(r)).max().unwrap_or(0) + 2;
    for (row, (name, lights)) in regions.iter().enumerate().take(inner.height as usize) {
        let live = lights.iter().filter(|s| **s == RackStatus::Live).count();
        let mut spans = vec![
            Span::raw("  "),
            Span::styled(pad(name, name_w), theme.dim()),
        ];
        for st in lights.iter().take(most) {
            spans.push(light(*st, theme));
        }
        spans.push(Span::raw(" ".repeat(most - lights.len().min(most))));
        spans.push(Span::styled(
            format!("  {}", s::rack_summary(live, lights.len())),
            theme.dim(),
        ));
        Line::from(spans).render(
            Rect::new(inner.x, inner.y + row as u16, inner.width, 1),
            buf,
        );
    }
    h
}

/// The site's `about` text and links, when it has them; returns the rows it took.
pub(super) fn about_panel(cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) -> u16 {
    let site = &cx.index.site;
    if area.height < 3 || (site.about.blocks.is_empty() && site.links.is_empty()) {
        return 0;
    }
    let width = area.width.saturating_sub(4) as usize;
    let (lines, link_rows, label_w) = about_lines(cx, width, theme);
    let h = (lines.len() as u16 + 2).min(area.height);
    let area = Rect { height: h, ..area };
    let block = panel(s::HOME_ABOUT, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let inner = Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    );
    Paragraph::new(lines).render(inner, buf);
    for (row, w, url) in link_rows {
        let x = inner.x + label_w as u16;
        if row < usize::from(inner.height) && x < inner.right() {
            let w = (w as u16).min(inner.right() - x);
            cx.link(Rect::new(x, inner.y + row as u16, w, 1), url);
        }
    }
    h
}

/// What the about panel's inner `width` columns hold: the lines (the whole about text,
/// then the links), each link's (line, shown width, url), and the links' label width.
type AboutLines<'a> = (Vec<Line<'a>>, Vec<(usize, usize, &'a str)>, usize);

fn about_lines<'a>(cx: &'a Ctx, width: usize, theme: &Theme) -> AboutLines<'a> {
    let site = &cx.index.site;
    let mut lines: Vec<Line> = Vec::new();
    // (line, shown width, url) of each link, for OSC 8.
    let mut link_rows: Vec<(usize, usize, &str)> = Vec::new();
    let mut label_w = 0;
    for b in &site.about.blocks {
        if let crate::content::Block::Paragraph(c) = b {
            if !lines.is_empty() {
                lines.push(Line::default());
            }
            for l in wrap(&crate::content::Inline::plain_text(c), width) {
                lines.push(Line::styled(l, theme.base()));
            }
        }
    }
    if !site.links.is_empty() {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        label_w = site
            .links
            .iter()
            .map(|l| str_width(&l.label))
            .max()
            .unwrap_or(0)
            .min(14)
            + 2;
        for l in &site.links {
            let shown = fit(&l.url, width.saturating_sub(label_w));
            link_rows.push((lines.len(), str_width(&shown), l.url.as_str()));
            lines.push(Line::from(vec![
                Span::styled(pad(&l.label, label_w), theme.dim()),
                Span::styled(shown, theme.link()),
            ]));
        }
    }
    (lines, link_rows, label_w)
}

pub(super) fn stories_strip(cx: &Ctx, row: Rect, buf: &mut Buffer, theme: &Theme) {
    let label = s::HOME_STORIES;
    buf.set_string(
        row.x,
        row.y,
        label,
        theme.dim().add_modifier(Modifier::BOLD),
    );
    let mut x = row.x + str_width(label) as u16 + 2;
    if cx.index.stories.is_empty() {
        buf.set_stringn(
            x,
            row.y,
            s::HOME_NO_STORIES,
            row.right().saturating_sub(x) as usize,
            theme.dim(),
        );
        return;
    }
    let n = cx.index.stories.len();
    for (i, story) in cx.index.stories.iter().enumerate() {
        let color = story_color(story.color, theme);
        let text = format!("● {}", story.label.trim());
        let w = str_width(&text) as u16;
        // Room for this one, and for the `+N` of the rest when there are more.
        let rest = if i + 1 < n {
            format!("+{}", n - i - 1).len() as u16 + 1
        } else {
            0
        };
        if x + w + rest > row.right() {
            if x + 3 <= row.right() {
                buf.set_string(x, row.y, format!("+{}", n - i), theme.dim());
            }
            break;
        }
        buf.set_string(x, row.y, &text, Style::default().fg(color));
        cx.hit(Rect::new(x, row.y, w, 1), Hit::Story(i));
        x += w + 3;
    }
}

pub(super) fn rack_panel(
    screen: &HomeScreen,
    cx: &Ctx,
    rack: &[usize],
    each: Rows,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let live = rack
        .iter()
        .filter(|&&i| cx.index.projects[i].rack_status == RackStatus::Live)
        .count();
    let block = panel(s::HOME_RACK, theme).title_top(
        Line::from(Span::styled(
            format!(" {} ", s::rack_summary(live, rack.len())),
            theme.dim(),
        ))
        .right_aligned(),
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    if rack.is_empty() {
        buf.set_stringn(
            inner.x + 1,
            inner.y,
            s::HOME_EMPTY_RACK,
            inner.width as usize - 1,
            theme.dim(),
        );
        return;
    }
    let rows = each.fit(inner.height);
    let off = list_offset(screen.list.selected.min(rack.len()), rack.len(), rows);
    let (bay_w, title_want, region, status) = rack_cols(cx, rack);
    let lead = rack_lead(bay_w);
    let cols = layout(
        (inner.width as usize).saturating_sub(lead + 1),
        title_want,
        TITLE_MIN,
        &[region, status],
        false,
    );
    for (row, &pi) in rack.iter().enumerate().skip(off).take(rows) {
        let p = &cx.index.projects[pi];
        let y = inner.y + (row - off) as u16 * each.stride();
        let selected = screen.list.selected == row;
        let bay = p.rack_bay.as_deref().unwrap_or("");
        let mut spans = vec![
            marker(selected, theme),
            Span::styled(pad(bay, bay_w + 1), theme.dim()),
            Span::styled("▕", Style::default().fg(theme.border)),
            light(p.rack_status, theme),
            Span::raw(" "),
            Span::styled(pad(&fit(&p.title, cols.title), cols.title), theme.base()),
        ];
        let mut x = cols.title;
        let cells = [
            (cols.cols[0], p.region.as_deref().unwrap_or(""), theme.dim()),
            (
                cols.cols[1],
                status_word(p.rack_status),
                status_style(p.rack_status, theme),
            ),
        ];
        for (at, text, style) in cells {
            if let Some(at) = at {
                spans.push(Span::raw(" ".repeat(at.saturating_sub(x))));
                spans.push(Span::styled(text.to_string(), style));
                x = at + str_width(text);
            }
        }
        let r = Rect::new(inner.x, y, inner.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        if each.desc {
            let below = Rect { y: y + 1, ..r };
            desc_row(&p.description, lead as u16, below, buf, theme);
        }
        cx.hit(
            Rect {
                height: 1 + u16::from(each.desc),
                ..r
            },
            Hit::Item(row),
        );
    }
}

/// Projects without a rack bay: title and region, selectable like the rack's.
pub(super) fn others_panel(
    screen: &HomeScreen,
    cx: &Ctx,
    others: &[usize],
    first_item: usize,
    each: Rows,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let block = panel(s::HOME_PROJECTS, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 6 {
        return;
    }
    let ps = || others.iter().map(|&i| &cx.index.projects[i]);
    let title_want = ps().map(|p| str_width(&p.title)).max().unwrap_or(0);
    let region = Col::of(ps().filter_map(|p| p.region.as_deref()), 1);
    let cols = layout(
        (inner.width as usize).saturating_sub(3),
        title_want,
        TITLE_MIN,
        &[region],
        false,
    );
    let sel = screen.list.selected.checked_sub(first_item);
    let rows = each.fit(inner.height);
    let off = list_offset(sel.unwrap_or(0).min(others.len()), others.len(), rows);
    for (i, p) in ps().enumerate().skip(off).take(rows) {
        let y = inner.y + (i - off) as u16 * each.stride();
        let selected = sel == Some(i);
        let mut spans = vec![
            marker(selected, theme),
            Span::styled(pad(&fit(&p.title, cols.title), cols.title), theme.base()),
        ];
        if let (Some(at), Some(r)) = (cols.cols[0], p.region.as_deref()) {
            spans.push(Span::raw(" ".repeat(at.saturating_sub(cols.title))));
            spans.push(Span::styled(r.to_string(), theme.dim()));
        }
        let r = Rect::new(inner.x, y, inner.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        if each.desc {
            desc_row(&p.description, 2, Rect { y: y + 1, ..r }, buf, theme);
        }
        let hit = Rect {
            height: 1 + u16::from(each.desc),
            ..r
        };
        cx.hit(hit, Hit::Item(first_item + i));
    }
}

pub(super) fn posts_panel(
    screen: &HomeScreen,
    cx: &Ctx,
    first_item: usize,
    each: Rows,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let block = panel(s::HOME_LATEST, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    if cx.index.posts.is_empty() {
        buf.set_stringn(
            inner.x + 1,
            inner.y,
            s::HOME_NO_POSTS,
            inner.width as usize - 1,
            theme.dim(),
        );
        return;
    }
    let posts = &cx.index.posts;
    let w = inner.width as usize;
    // The date goes first on rows wide enough for a title beside it.
    let date_w = if w >= 2 + 10 + 2 + TITLE_MIN { 12 } else { 0 };
    let title_want = posts.iter().map(|p| str_width(&p.title)).max().unwrap_or(0);
    let rt = Col::of(posts.iter().filter_map(|p| p.read_time.as_deref()), 1);
    let cols = layout(
        w.saturating_sub(2 + date_w + 1),
        title_want,
        TITLE_MIN,
        &[rt],
        true,
    );
    let sel = screen.list.selected.checked_sub(first_item);
    let rows = each.fit(inner.height);
    let off = list_offset(sel.unwrap_or(0).min(posts.len()), posts.len(), rows);
    for (i, p) in posts.iter().enumerate().skip(off).take(rows) {
        let y = inner.y + (i - off) as u16 * each.stride();
        let selected = sel == Some(i);
        let mut spans = vec![marker(selected, theme)];
        if date_w > 0 {
            spans.push(Span::styled(format!("{}  ", p.date), theme.dim()));
        }
        spans.push(Span::styled(
            pad(&fit(&p.title, cols.title), cols.title),
            theme.base(),
        ));
        if let (Some(at), Some(rt_text)) = (cols.cols[0], p.read_time.as_deref()) {
            let rt_w = cols.cols[0].map(|_| rt.width).unwrap_or(0);
            spans.push(Span::raw(" ".repeat(at.saturating_sub(cols.title))));
            spans.push(Span::styled(format!("{rt_text:>rt_w$}"), theme.dim()));
        }
        let r = Rect::new(inner.x, y, inner.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        if each.desc {
            let indent = 2 + date_w as u16;
            desc_row(&p.description, indent, Rect { y: y + 1, ..r }, buf, theme);
        }
        let hit = Rect {
            height: 1 + u16::from(each.desc),
            ..r
        };
        cx.hit(hit, Hit::Item(first_item + i));
    }
}
