//! The home screen: a control plane — site header, the stories strip, the rack of
//! projects with their status lights, every other project, the posts (as many as
//! fit), the regions and the about panel; panels as wide as their content, stacked on
//! narrow screens, on a canvas that scrolls to keep the selection in view. Its list
//! is the rack's projects, the other projects, then the posts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{Ctx, Step, keep, move_list, open_item};
use crate::content::model::RackStatus;
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::columns::{Col, layout};
use crate::tui::keymap::Action;
use crate::tui::state::{Hit, ListState, Screen};
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{
    fit, light, list_offset, marker, pad, paint_selected, panel, site_name, status_style,
    status_word, story_color,
};

/// Rack and other projects side by side when the second panel gets this many columns.
const BESIDE_MIN: u16 = 22;
/// A title never gets fewer columns than this while a column can be dropped instead.
const TITLE_MIN: usize = 12;

/// The home screen's state: the selection in its list.
#[derive(Debug, Clone, Default)]
pub(crate) struct HomeScreen {
    pub list: ListState,
}

impl HomeScreen {
    /// Home's selectable items: the racked projects, the other projects, the posts.
    pub fn items(&self, cx: &Ctx) -> Vec<PageRef> {
        items_of(cx.index)
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        match action {
            Action::Open => open_item(Screen::Home, self.items(cx), self.list.selected),
            _ => {
                let len = self.items(cx).len();
                move_list(&mut self.list, action, len, cx)
            }
        }
    }

    /// A click on the n-th item or on a story chip.
    pub fn click(&mut self, hit: Hit, cx: &Ctx) -> Step {
        match hit {
            Hit::Item(i) => {
                self.list.selected = i;
                self.act(Action::Open, cx)
            }
            Hit::Story(i) => Step::Story(i),
            _ => Step::Idle,
        }
    }

    /// Keep the selected item selected across a reload from `old`.
    pub fn reload(&mut self, old: &Index, cx: &Ctx) {
        let sel = self.list.selected;
        self.list.selected = keep(old, cx.index, &items_of(old), sel, &self.items(cx));
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw(self, cx, area, buf, theme);
    }
}

fn draw(screen: &HomeScreen, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let inner = Rect::new(
        area.x + 2,
        area.y,
        area.width.saturating_sub(4),
        area.height,
    );
    if inner.height < 4 {
        return;
    }
    // Short screens lose the blank rows around the header.
    let roomy = inner.height >= 16;
    let y = inner.y + u16::from(roomy);
    let name = site_name(cx.index);
    buf.set_stringn(
        inner.x,
        y,
        name,
        inner.width as usize,
        theme.title().add_modifier(Modifier::BOLD),
    );
    let tag = cx.index.site.tagline.trim();
    let nx = inner.x + str_width(name).min(inner.width as usize) as u16 + 3;
    if !tag.is_empty() && nx < inner.right() {
        let w = (inner.right() - nx) as usize;
        buf.set_string(nx, y, fit(tag, w), theme.dim());
    }
    let sy = y + 1 + u16::from(roomy);
    stories_strip(cx, Rect::new(inner.x, sy, inner.width, 1), buf, theme);
    let rest_y = sy + 1 + u16::from(roomy);
    let rest = Rect::new(
        inner.x,
        rest_y,
        inner.width,
        inner.bottom().saturating_sub(rest_y),
    );
    if rest.height < 3 {
        return;
    }
    let rack = rack_of(cx.index);
    let others = others_of(cx.index);
    let first_post = rack.len() + others.len();
    let gap = u16::from(rest.height >= 20);
    // Every panel at its natural height (a long list at most a screenful, scrolling
    // inside), drawn on a canvas that scrolls to keep the selection on screen.
    let cap = rest.height.max(3);
    let rack_w = rack_width(cx, &rack).min(rest.width);
    let beside = !others.is_empty() && rest.width >= rack_w + 1 + BESIDE_MIN;
    let rack_h = (rack.len().max(1) as u16 + 2).min(cap);
    let others_h = if others.is_empty() {
        0
    } else {
        (others.len() as u16 + 2).min(cap)
    };
    let posts_h = (cx.index.posts.len().max(1) as u16 + 2).min(cap);
    let canvas_area = Rect::new(rest.x, rest.y, rest.width, cap.saturating_mul(5));
    let mut canvas = Buffer::empty(canvas_area);
    canvas.set_style(canvas_area, Style::default().fg(theme.fg).bg(theme.bg));
    let c = &mut canvas;
    let marks = cx.hit_marks();
    let mut y = rest.y;
    let rack_y = y;
    let rack_area = Rect::new(rest.x, y, if beside { rack_w } else { rest.width }, rack_h);
    rack_panel(screen, cx, &rack, rack_area, c, theme);
    let mut others_y = y;
    if beside {
        let x = rest.x + rack_w + 1;
        others_panel(
            screen,
            cx,
            &others,
            rack.len(),
            Rect::new(x, y, rest.right() - x, others_h),
            c,
            theme,
        );
        y += rack_h.max(others_h) + gap;
    } else {
        y += rack_h + gap;
    }
    let posts_y = y;
    posts_panel(
        screen,
        cx,
        first_post,
        Rect::new(rest.x, y, rest.width, posts_h),
        c,
        theme,
    );
    y += posts_h + gap;
    if !beside && others_h > 0 {
        others_y = y;
        others_panel(
            screen,
            cx,
            &others,
            rack.len(),
            Rect::new(rest.x, y, rest.width, others_h),
            c,
            theme,
        );
        y += others_h + gap;
    }
    // Regions and about, side by side when there is room.
    let below = Rect::new(rest.x, y, rest.width, cap);
    let regions_w = rack_w.min(below.width);
    if below.width >= regions_w + 1 + BESIDE_MIN {
        let used = regions_panel(
            cx,
            &rack,
            Rect {
                width: regions_w,
                ..below
            },
            c,
            theme,
        );
        let x = below.x + regions_w + 1;
        let about = about_panel(cx, Rect::new(x, below.y, below.right() - x, cap), c, theme);
        y += used.max(about);
    } else {
        let used = regions_panel(cx, &rack, below, c, theme);
        y += used + u16::from(used > 0) * gap;
        y += about_panel(cx, Rect::new(below.x, y, below.width, cap), c, theme);
    }
    // The selection's row on the canvas, with the row under it (a panel's border).
    let sel = screen.list.selected;
    let sel_y = if sel < rack.len() {
        rack_y + 1 + sel as u16
    } else if sel < first_post {
        others_y + 1 + (sel - rack.len()) as u16
    } else {
        posts_y + 1 + (sel - first_post).min(usize::from(posts_h.saturating_sub(3))) as u16
    };
    let total = y.saturating_sub(rest.y);
    let off = (sel_y + 2)
        .saturating_sub(rest.bottom())
        .min(total.saturating_sub(rest.height));
    for row in 0..rest.height {
        let from = rest.y + off + row;
        if from >= canvas_area.bottom() {
            break;
        }
        for x in rest.x..rest.right() {
            buf[(x, rest.y + row)] = canvas[(x, from)].clone();
        }
    }
    cx.shift_hits(marks, off, rest);
}

/// The rack's natural width: marker, bay, light, the longest title, region, status.
fn rack_width(cx: &Ctx, rack: &[usize]) -> u16 {
    let (bay, title, region, status) = rack_cols(cx, rack);
    // Borders, the lead (as in `rack_panel`), the title, each column after a gap, and
    // the column kept free at the right.
    let w = 2 + rack_lead(bay) + title + region.width + 1 + status.width + 1 + 1;
    w.min(u16::MAX as usize) as u16
}

/// Marker, bay, a space, the bay's edge and light, a space: then the title.
fn rack_lead(bay_w: usize) -> usize {
    2 + bay_w + 1 + 2 + 1
}

/// The rack's columns from its content: bay, title, region, status widths.
fn rack_cols(cx: &Ctx, rack: &[usize]) -> (usize, usize, Col, Col) {
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
fn regions_panel(cx: &Ctx, rack: &[usize], area: Rect, buf: &mut Buffer, theme: &Theme) -> u16 {
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
fn about_panel(cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) -> u16 {
    let site = &cx.index.site;
    if area.height < 3 || (site.about.blocks.is_empty() && site.links.is_empty()) {
        return 0;
    }
    let width = area.width.saturating_sub(4) as usize;
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

fn stories_strip(cx: &Ctx, row: Rect, buf: &mut Buffer, theme: &Theme) {
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

fn rack_panel(
    screen: &HomeScreen,
    cx: &Ctx,
    rack: &[usize],
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
    let rows = inner.height as usize;
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
        let y = inner.y + (row - off) as u16;
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
        cx.hit(r, Hit::Item(row));
    }
}

/// Projects without a rack bay: title and region, selectable like the rack's.
fn others_panel(
    screen: &HomeScreen,
    cx: &Ctx,
    others: &[usize],
    first_item: usize,
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
    let rows = inner.height as usize;
    let off = list_offset(sel.unwrap_or(0).min(others.len()), others.len(), rows);
    for (i, p) in ps().enumerate().skip(off).take(rows) {
        let y = inner.y + (i - off) as u16;
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
        cx.hit(r, Hit::Item(first_item + i));
    }
}

fn posts_panel(
    screen: &HomeScreen,
    cx: &Ctx,
    first_item: usize,
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
    let off = list_offset(
        sel.unwrap_or(0).min(posts.len()),
        posts.len(),
        inner.height as usize,
    );
    for (i, p) in posts
        .iter()
        .enumerate()
        .skip(off)
        .take(inner.height as usize)
    {
        let y = inner.y + (i - off) as u16;
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
        cx.hit(r, Hit::Item(first_item + i));
    }
}

/// Home's items in `index`: the racked projects, the other projects, then the posts.
fn items_of(index: &Index) -> Vec<PageRef> {
    let rack = rack_of(index).into_iter().map(PageRef::Project);
    let others = others_of(index).into_iter().map(PageRef::Project);
    let posts = (0..index.posts.len()).map(PageRef::Post);
    rack.chain(others).chain(posts).collect()
}

/// The projects without a rack bay, in project order.
fn others_of(index: &Index) -> Vec<usize> {
    (index.projects.iter().enumerate())
        .filter(|(_, p)| p.rack_bay.is_none())
        .map(|(i, _)| i)
        .collect()
}
/// The projects that sit in a rack bay, ordered as a rack is: by bay label with its
/// number compared as a number ("BAY 2" before "BAY 10"), then by project order.
pub(crate) fn rack_of(index: &Index) -> Vec<usize> {
    let mut rack: Vec<(usize, &str)> = (index.projects.iter().enumerate())
        .filter_map(|(i, p)| p.rack_bay.as_deref().map(|bay| (i, bay)))
        .collect();
    let key = |bay: &str| {
        let digits: String = bay.chars().filter(|c| c.is_ascii_digit()).collect();
        let number = digits.parse::<u64>().unwrap_or(u64::MAX);
        let prefix: String = bay.chars().filter(|c| !c.is_ascii_digit()).collect();
        (prefix.trim().to_lowercase(), number)
    };
    rack.sort_by(|a, b| key(a.1).cmp(&key(b.1)).then(a.0.cmp(&b.0)));
    rack.into_iter().map(|(i, _)| i).collect()
}
