//! The Blog list, newest first, with its tag filter line; each tag shown on a row is a
//! mouse target of its own (it filters by that tag).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{Ctx, Step, keep, move_list, open_item};
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::columns::{Col, fit_tags, layout};
use crate::tui::keymap::Action;
use crate::tui::state::{Hit, ListState, Screen};
use crate::tui::strings as s;
use crate::tui::views::{fit, header_style, list_offset, marker, pad, paint_selected};

/// The blog list: selection plus an optional tag filter (a tag from `Index::tags`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BlogScreen {
    pub list: ListState,
    pub filter: Option<String>,
}

impl BlogScreen {
    /// The blog list under the current tag filter (newest first, as the index keeps it).
    pub fn items(&self, cx: &Ctx) -> Vec<PageRef> {
        items_of(cx.index, self.filter.as_deref())
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        match action {
            Action::Open => open_item(Screen::Blog, self.items(cx), self.list.selected),
            // Esc clears the filter first.
            Action::Back if self.filter.is_some() => {
                self.filter = None;
                self.list = ListState::default();
                Step::Redraw
            }
            Action::Back => Step::Idle,
            _ => {
                let len = self.items(cx).len();
                move_list(&mut self.list, action, len, cx)
            }
        }
    }

    /// A click on the n-th row, or on one of its tags.
    pub fn click(&mut self, hit: Hit, cx: &Ctx) -> Step {
        match hit {
            Hit::Item(i) => {
                self.list.selected = i;
                self.act(Action::Open, cx)
            }
            Hit::PostTag(i) => Step::FilterBlog(i),
            _ => Step::Idle,
        }
    }

    /// Filter by `Index::tags[i]`, from the top of the list.
    pub fn apply_tag(&mut self, i: usize, cx: &Ctx) {
        if let Some(tag) = cx.index.tags.get(i) {
            self.filter = Some(tag.clone());
            self.list = ListState::default();
        }
    }

    /// After a reload from `old`: a filter by a tag that is gone is dropped, and the
    /// selected post stays selected.
    pub fn reload(&mut self, old: &Index, cx: &Ctx) {
        let old_items = items_of(old, self.filter.as_deref());
        if let Some(f) = &self.filter
            && !cx.index.tags.iter().any(|t| t.eq_ignore_ascii_case(f))
        {
            self.filter = None;
        }
        let sel = self.list.selected;
        self.list.selected = keep(old, cx.index, &old_items, sel, &self.items(cx));
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let mut area = Rect::new(
            area.x + 1,
            area.y + 1,
            area.width.saturating_sub(2),
            area.height.saturating_sub(1),
        );
        let items = self.items(cx);
        if let Some(tag) = &self.filter {
            let line = Line::from(vec![
                Span::styled(format!("  {} ", s::FILTER_LABEL), theme.dim()),
                Span::styled(
                    s::filter_active(tag),
                    theme.accent().add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!("  · {}", s::count_of(items.len(), cx.index.posts.len())),
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
            let msg = if self.filter.is_some() {
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
                PageRef::Post(i) => cx.index.posts.get(i),
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
        let off = list_offset(self.list.selected, items.len(), rows);
        for (i, p) in posts.iter().enumerate().skip(off).take(rows) {
            let y = area.y + (i - off) as u16;
            let selected = self.list.selected == i;
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
                    if let Some(ti) = cx.tag_index(t) {
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
            cx.hit(r, Hit::Item(i));
            for (col, w, ti) in tag_cells {
                cx.hit(Rect::new(area.x + col, y, w, 1), Hit::PostTag(ti));
            }
        }
    }
}

fn items_of(index: &Index, filter: Option<&str>) -> Vec<PageRef> {
    (index.posts.iter().enumerate())
        .filter(|(_, p)| filter.is_none_or(|f| p.tags.iter().any(|t| t.eq_ignore_ascii_case(f))))
        .map(|(i, _)| PageRef::Post(i))
        .collect()
}
