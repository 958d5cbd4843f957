//! The home screen: a control plane — site header, the stories strip, the rack of
//! projects with their status lights, and the latest posts. Its list is the rack's
//! projects, then the latest posts.

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
use crate::tui::keymap::Action;
use crate::tui::state::{Hit, ListState, Screen};
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{
    fit, light, list_offset, marker, pad, paint_selected, panel, site_name, status_style,
    status_word, story_color,
};

/// How many latest posts the home screen lists.
pub(crate) const HOME_POSTS: usize = 5;
/// Side-by-side rack and posts from this width up.
const WIDE: u16 = 100;

/// The home screen's state: the selection in its list.
#[derive(Debug, Clone, Default)]
pub(crate) struct HomeScreen {
    pub list: ListState,
}

impl HomeScreen {
    /// Home's selectable items: the racked projects, then the latest posts.
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
        let inner = Rect::new(
            area.x + 2,
            area.y,
            area.width.saturating_sub(4),
            area.height,
        );
        if inner.height < 4 {
            return;
        }
        // Header: site name and tagline.
        let y = inner.y + 1;
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
        // Stories strip.
        let sy = y + 2;
        stories_strip(cx, Rect::new(inner.x, sy, inner.width, 1), buf, theme);

        let rest_y = sy + 2;
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
        let posts = cx.index.posts.len().min(HOME_POSTS);
        let rack_h = (rack.len().max(1) as u16 + 2).min(rest.height);
        let posts_h = (posts.max(1) as u16 + 2).min(rest.height);
        if area.width >= WIDE {
            let left_w = rest.width * 11 / 20;
            let left = Rect::new(rest.x, rest.y, left_w, rest.height);
            let right = Rect::new(
                rest.x + left_w + 2,
                rest.y,
                rest.width.saturating_sub(left_w + 2),
                rest.height,
            );
            rack_panel(
                self,
                cx,
                &rack,
                Rect {
                    height: rack_h,
                    ..left
                },
                buf,
                theme,
            );
            posts_panel(
                self,
                cx,
                rack.len(),
                Rect {
                    height: posts_h,
                    ..right
                },
                buf,
                theme,
            );
            let below = |r: Rect, used: u16| {
                Rect::new(
                    r.x,
                    r.y + used + 1,
                    r.width,
                    r.height.saturating_sub(used + 1),
                )
            };
            regions_panel(cx, &rack, below(left, rack_h), buf, theme);
            about_panel(cx, below(right, posts_h), buf, theme);
        } else {
            let rack_h = rack_h.min(rest.height.saturating_sub(3).max(3));
            rack_panel(
                self,
                cx,
                &rack,
                Rect {
                    height: rack_h,
                    ..rest
                },
                buf,
                theme,
            );
            let by = rest.y + rack_h;
            let bottom = Rect::new(
                rest.x,
                by,
                rest.width,
                rest.bottom().saturating_sub(by).min(posts_h),
            );
            if bottom.height >= 3 {
                posts_panel(self, cx, rack.len(), bottom, buf, theme);
            }
        }
    }
}

/// Per region: a light per bay and how many are live — the control plane's summary.
fn regions_panel(cx: &Ctx, rack: &[usize], area: Rect, buf: &mut Buffer, theme: &Theme) {
    let mut regions: Vec<(&str, Vec<RackStatus>)> = Vec::new();
    for &i in rack {
        let p = &cx.index.projects[i];
        let name = p.region.as_deref().unwrap_or("—");
        match regions.iter_mut().find(|(r, _)| *r == name) {
            Some((_, v)) => v.push(p.rack_status),
            None => regions.push((name, vec![p.rack_status])),
        }
    }
    if regions.is_empty() || area.height < 3 {
        return;
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
    let name_w = regions
        .iter()
        .map(|(r, _)| str_width(r))
        .max()
        .unwrap_or(0)
        .min(16)
        + 3;
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
            format!("   {}", s::rack_summary(live, lights.len())),
            theme.dim(),
        ));
        Line::from(spans).render(
            Rect::new(inner.x, inner.y + row as u16, inner.width, 1),
            buf,
        );
    }
}

/// The site's `about` text and links, when it has them.
fn about_panel(cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let site = &cx.index.site;
    if area.height < 4 || (site.about.blocks.is_empty() && site.links.is_empty()) {
        return;
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
    for (i, story) in cx.index.stories.iter().enumerate() {
        let color = story_color(story.color, theme);
        let text = format!("● {}", story.label.trim());
        let w = str_width(&text) as u16;
        if x + w > row.right() {
            if x + 1 < row.right() {
                buf.set_string(x, row.y, "…", theme.dim());
            }
            break;
        }
        buf.set_string(x, row.y, &text, Style::default().fg(color));
        cx.hit(Rect::new(x, row.y, w, 1), Hit::Story(i));
        x += w + 3;
    }
}

fn rack_panel(
    me: &HomeScreen,
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
    let off = list_offset(me.list.selected.min(rack.len()), rack.len(), rows);
    let w = inner.width as usize;
    // Columns: marker 2, bay 7, gap, light 2, title, region 11, status 8.
    let region_w = if w >= 56 { 11 } else { 0 };
    let status_w = if w >= 44 { 8 } else { 0 };
    let title_w = w.saturating_sub(2 + 8 + 2 + region_w + status_w + 1);
    for (row, &pi) in rack.iter().enumerate().skip(off).take(rows) {
        let p = &cx.index.projects[pi];
        let y = inner.y + (row - off) as u16;
        let selected = me.list.selected == row;
        let bay = p.rack_bay.as_deref().unwrap_or("");
        let mut spans = vec![
            marker(selected, theme),
            Span::styled(pad(bay, 7), theme.dim()),
            Span::styled("▕", Style::default().fg(theme.border)),
            light(p.rack_status, theme),
            Span::raw(" "),
            Span::styled(pad(&p.title, title_w), theme.base()),
        ];
        if region_w > 0 {
            spans.push(Span::styled(
                pad(p.region.as_deref().unwrap_or(""), region_w),
                theme.dim(),
            ));
        }
        if status_w > 0 {
            spans.push(Span::styled(
                pad(status_word(p.rack_status), status_w),
                status_style(p.rack_status, theme),
            ));
        }
        let r = Rect::new(inner.x, y, inner.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        cx.hit(r, Hit::Item(row));
    }
}

fn posts_panel(
    me: &HomeScreen,
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
    let items: Vec<PageRef> = me.items(cx).into_iter().skip(first_item).collect();
    let w = inner.width as usize;
    let rt_w = if w >= 40 { 8 } else { 0 };
    let title_w = w.saturating_sub(2 + 12 + rt_w);
    let sel = me.list.selected.checked_sub(first_item);
    let off = list_offset(sel.unwrap_or(0), items.len(), inner.height as usize);
    for (i, page) in items
        .iter()
        .enumerate()
        .skip(off)
        .take(inner.height as usize)
    {
        let PageRef::Post(pi) = *page else { continue };
        let p = &cx.index.posts[pi];
        let y = inner.y + (i - off) as u16;
        let selected = sel == Some(i);
        let mut spans = vec![
            marker(selected, theme),
            Span::styled(format!("{}  ", p.date), theme.dim()),
            Span::styled(pad(&p.title, title_w), theme.base()),
        ];
        if rt_w > 0 {
            let rt = p.read_time.as_deref().unwrap_or("");
            spans.push(Span::styled(format!("{rt:>w$}", w = rt_w), theme.dim()));
        }
        let r = Rect::new(inner.x, y, inner.width, 1);
        Line::from(spans).render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        cx.hit(r, Hit::Item(first_item + i));
    }
}

/// Home's items in `index`: the racked projects, then the latest posts.
fn items_of(index: &Index) -> Vec<PageRef> {
    let rack = rack_of(index).into_iter().map(PageRef::Project);
    let posts = (0..index.posts.len().min(HOME_POSTS)).map(PageRef::Post);
    rack.chain(posts).collect()
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
