//! The search screen: the query line and the results, title matches first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{fit, hit, list_offset, marker, pad, paint_selected, panel};
use crate::content::PageRef;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::state::{Hit, Target};
use crate::tui::strings as s;

/// Rows per result: the title line and a snippet line.
const ROWS: u16 = 2;

pub(crate) fn draw(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let area = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(1),
    );
    if area.height < 4 {
        return;
    }
    let q = &app.search;
    let block = panel(s::SEARCH_TITLE, theme);
    let input = Rect::new(area.x, area.y, area.width, 3);
    let inner = block.inner(input);
    block.render(input, buf);
    let count = if q.query.trim().is_empty() {
        String::new()
    } else {
        s::search_count(q.hits.len())
    };
    let count_w = str_width(&count) as u16;
    let qw = (inner.width as usize).saturating_sub(count_w as usize + 6);
    // Show the end of a long query: that is where the guest is typing.
    let shown = tail(&q.query, qw);
    let mut spans = vec![Span::styled(
        " / ",
        theme.accent().add_modifier(Modifier::BOLD),
    )];
    if q.query.is_empty() {
        spans.push(Span::styled("▏", theme.accent()));
        spans.push(Span::styled(s::SEARCH_PROMPT, theme.dim()));
    } else {
        spans.push(Span::styled(shown, theme.base()));
        spans.push(Span::styled("▏", theme.accent()));
    }
    Line::from(spans).render(inner, buf);
    if count_w > 0 && inner.width > count_w + 1 {
        buf.set_string(inner.right() - count_w - 1, inner.y, &count, theme.dim());
    }

    let list = Rect::new(
        area.x,
        area.y + 4,
        area.width,
        area.height.saturating_sub(4),
    );
    if q.hits.is_empty() {
        if !q.query.trim().is_empty() {
            buf.set_string(list.x + 2, list.y, s::SEARCH_NONE, theme.dim());
        }
        return;
    }
    let per_page = (list.height / ROWS) as usize;
    let off = list_offset(q.list.selected, q.hits.len(), per_page);
    let kind_w = 9;
    for (i, h) in q.hits.iter().enumerate().skip(off).take(per_page) {
        let y = list.y + (i - off) as u16 * ROWS;
        let selected = q.list.selected == i;
        let (kind, title) = match h.target {
            Target::Page(PageRef::Project(p)) => (
                s::KIND_PROJECT,
                app.index.projects.get(p).map(|p| p.title.as_str()),
            ),
            Target::Page(PageRef::Post(p)) => (
                s::KIND_POST,
                app.index.posts.get(p).map(|p| p.title.as_str()),
            ),
            Target::Story(st) => (
                s::KIND_STORY,
                app.index.stories.get(st).map(|s| s.label.as_str()),
            ),
        };
        let w = (list.width as usize).saturating_sub(2 + kind_w);
        let r = Rect::new(list.x, y, list.width, 1);
        Line::from(vec![
            marker(selected, theme),
            Span::styled(pad(kind, kind_w), Style::default().fg(theme.tag)),
            Span::styled(
                fit(title.unwrap_or(""), w),
                theme.base().add_modifier(Modifier::BOLD),
            ),
        ])
        .render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        let snippet = fit(h.snippet.trim(), w);
        buf.set_string(list.x + 2 + kind_w as u16, y + 1, snippet, theme.dim());
        hit(app, Rect::new(list.x, y, list.width, ROWS), Hit::Item(i));
    }
}

/// The last `w` columns of `text`, with `…` in front when cut.
fn tail(text: &str, w: usize) -> String {
    if str_width(text) <= w {
        return text.to_string();
    }
    let rev: String = text.chars().rev().collect();
    let cut = fit(&rev, w);
    let mut out: String = cut.trim_end_matches('…').chars().rev().collect();
    out.insert(0, '…');
    out
}
