//! The search screen: the query line and the results, title matches first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{fit, hit, list_offset, mark, marker, match_style, pad, paint_selected, panel};
use crate::content::PageRef;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::state::{Hit, Target};
use crate::tui::strings as s;
use crate::tui::{highlight, search};

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
    // The query's hits in each title and snippet are highlighted as in the reader.
    let query = highlight::fold(&search::normalize(&q.query));
    let match_style = match_style(app, theme);
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
        let title = fit(title.unwrap_or(""), w);
        Line::from(vec![
            marker(selected, theme),
            Span::styled(pad(kind, kind_w), Style::default().fg(theme.tag)),
            Span::styled(title.clone(), theme.base().add_modifier(Modifier::BOLD)),
        ])
        .render(r, buf);
        if selected {
            paint_selected(r, buf, theme);
        }
        let text_x = list.x + 2 + kind_w as u16;
        let snippet = fit(h.snippet.trim(), w);
        buf.set_string(text_x, y + 1, &snippet, theme.dim());
        let text_w = list.right().saturating_sub(text_x);
        for (row, text) in [(y, title), (y + 1, snippet)] {
            let line = Line::raw(text);
            mark(
                buf,
                Rect::new(text_x, row, text_w, 1),
                &line,
                &query,
                0,
                match_style,
            );
        }
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
