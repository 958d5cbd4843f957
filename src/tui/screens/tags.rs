//! The tag picker overlay: every tag of the index with its number of posts (over a post
//! in the reader, the post's own tags first, then a rule); Enter or a click filters the
//! blog list by the chosen one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};
use terminput::KeyCode;

use super::{Ctx, tag_index};
use crate::content::{Index, PageRef};
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::keymap::Key;
use crate::tui::state::Hit;
use crate::tui::strings as s;
use crate::tui::views::{centered, fit, list_offset, marker, paint_selected, panel};

/// The tag picker's state: `selected` indexes the choices (`choices`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TagPicker {
    pub selected: usize,
}

/// What a key does to the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagStep {
    /// Not the picker's key: nothing changes.
    Idle,
    /// Still open (perhaps on another row).
    Stay,
    /// Closed without choosing.
    Close,
    /// Closed on choice row `n`.
    Pick(usize),
}

impl TagPicker {
    /// Open on the row of `active` (the blog's filter) if any, else the first row.
    pub fn open(choices: &[usize], active: Option<&str>, index: &Index) -> Self {
        let selected = active
            .and_then(|f| tag_index(index, f))
            .and_then(|t| choices.iter().position(|c| *c == t))
            .unwrap_or(0);
        TagPicker { selected }
    }

    pub fn key(&mut self, key: Key, cx: &Ctx) -> TagStep {
        let n = cx.index.tags.len();
        let selected = self.selected;
        let step =
            |d: isize| ((selected as isize + d).clamp(0, n.saturating_sub(1) as isize)) as usize;
        self.selected = match key {
            Key::Code(KeyCode::Up) | Key::Char('k') => step(-1),
            Key::Code(KeyCode::Down) | Key::Char('j') => step(1),
            Key::Code(KeyCode::Home) | Key::Char('g') => 0,
            Key::Code(KeyCode::End) | Key::Char('G') => step(n as isize),
            Key::Code(KeyCode::Enter) => return TagStep::Pick(selected),
            Key::Code(KeyCode::Esc | KeyCode::Backspace) | Key::Char('#' | 'q') => {
                return TagStep::Close;
            }
            _ => return TagStep::Idle,
        };
        TagStep::Stay
    }

    /// A click on row `i` of the picker.
    pub fn click(hit: Option<Hit>) -> TagStep {
        match hit {
            Some(Hit::Tag(i)) => TagStep::Pick(i),
            _ => TagStep::Close,
        }
    }

    /// After a reload: the same row, or the last one when fewer are left.
    pub fn reload(&mut self, choices: &[usize]) {
        self.selected = self.selected.min(choices.len().saturating_sub(1));
    }

    /// Draw the tag picker; returns the popup's rectangle.
    pub(crate) fn view(
        &self,
        cx: &Ctx,
        choices: &[usize],
        over: Option<PageRef>,
        active: Option<&str>,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
    ) -> Rect {
        let selected = self.selected;
        let tags = &cx.index.tags;
        let widest = tags
            .iter()
            .map(|t| str_width(t))
            .max()
            .unwrap_or(0)
            .max(str_width(s::TAG_PICKER_TITLE));
        let w = (widest + 14) as u16;
        let h = (tags.len().max(1) as u16 + 3)
            .min(area.height.saturating_sub(4))
            .max(3);
        let popup = centered(area, w, h);
        Clear.render(popup, buf);
        buf.set_style(popup, Style::default().fg(theme.fg).bg(theme.bg));
        let block =
            panel(s::TAG_PICKER_TITLE, theme).border_style(Style::default().fg(theme.accent));
        let inner = block.inner(popup);
        block.render(popup, buf);
        if tags.is_empty() {
            buf.set_stringn(
                inner.x + 2,
                inner.y,
                s::TAG_PICKER_EMPTY,
                inner.width as usize,
                theme.dim(),
            );
            return popup;
        }
        let rows = inner.height as usize;
        // Over a post its own tags come first, then a rule, then the rest.
        let own = own_count(cx.index, choices, over);
        let sep = (own > 0 && own < choices.len()).then_some(own);
        let display = |i: usize| i + usize::from(sep.is_some_and(|k| i >= k));
        let total = choices.len() + usize::from(sep.is_some());
        let off = list_offset(display(selected), total, rows);
        let counts = counts(cx.index);
        let number_w = counts.iter().max().map_or(1, |n| n.to_string().len());
        if let Some(k) = sep
            && k >= off
            && k - off < rows
        {
            let y = inner.y + (k - off) as u16;
            let rule = "─".repeat((inner.width as usize).saturating_sub(2));
            buf.set_string(inner.x + 1, y, rule, Style::default().fg(theme.border));
        }
        for (i, &t) in choices.iter().enumerate() {
            let d = display(i);
            if d < off || d - off >= rows {
                continue;
            }
            let Some(tag) = tags.get(t) else { continue };
            let r = Rect::new(inner.x, inner.y + (d - off) as u16, inner.width, 1);
            let sel = i == selected;
            let active = active == Some(tag.as_str());
            let count = format!("{:>number_w$}", counts.get(t).copied().unwrap_or(0));
            let room = (inner.width as usize).saturating_sub(5 + count.len());
            let text = fit(&format!("#{tag}"), room);
            let pad = room.saturating_sub(str_width(&text));
            Line::from(vec![
                Span::raw(" "),
                marker(sel, theme),
                Span::styled(
                    text,
                    Style::default().fg(theme.tag).add_modifier(if active {
                        Modifier::BOLD
                    } else {
                        Modifier::empty()
                    }),
                ),
                Span::raw(" ".repeat(pad + 1)),
                Span::styled(count, theme.dim()),
            ])
            .render(r, buf);
            if sel {
                paint_selected(r, buf, theme);
            }
            cx.hit(r, Hit::Tag(i));
        }
        popup
    }
}

/// The picker's rows, as indexes into `Index::tags`: every tag in index order, except
/// that over a post (`over`) the post's own tags come first (in the post's order), so
/// `#` then Enter filters by the post's first tag.
pub(crate) fn choices(index: &Index, over: Option<PageRef>) -> Vec<usize> {
    let all = 0..index.tags.len();
    let Some(PageRef::Post(i)) = over else {
        return all.collect();
    };
    let mut choices: Vec<usize> = Vec::with_capacity(index.tags.len());
    for t in index.posts.get(i).map_or(&[][..], |p| &p.tags[..]) {
        if let Some(ti) = tag_index(index, t)
            && !choices.contains(&ti)
        {
            choices.push(ti);
        }
    }
    let rest: Vec<usize> = all.filter(|t| !choices.contains(t)).collect();
    choices.extend(rest);
    choices
}

/// How many posts carry each tag of `Index::tags` (tags compare as the filter does).
pub(crate) fn counts(index: &Index) -> Vec<usize> {
    let mut counts = vec![0; index.tags.len()];
    for p in &index.posts {
        let mut seen: Vec<usize> = Vec::with_capacity(p.tags.len());
        for t in &p.tags {
            if let Some(i) = tag_index(index, t)
                && !seen.contains(&i)
            {
                seen.push(i);
                if let Some(c) = counts.get_mut(i) {
                    *c += 1;
                }
            }
        }
    }
    counts
}

/// How many of `choices` are the post's own tags (they come first), over a post.
fn own_count(index: &Index, choices: &[usize], over: Option<PageRef>) -> usize {
    let Some(PageRef::Post(i)) = over else {
        return 0;
    };
    let own = index.posts.get(i).map_or(0, |p| {
        let mut seen: Vec<usize> = p.tags.iter().filter_map(|t| tag_index(index, t)).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    });
    own.min(choices.len())
}
