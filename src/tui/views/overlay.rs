//! Overlays drawn over a screen: the `?` help (generated from the key table) and the
//! tag picker (the blog list's, or a post's in the reader).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::{centered, fit, hit, list_offset, marker, pad, paint_selected, panel};
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::keymap;
use crate::tui::state::Hit;
use crate::tui::strings as s;

/// The help's rows at `width`: the keys in a column, each description wrapped beside
/// them (on narrow screens keys too wide for the column get a row of their own).
fn help_lines(width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let rows = keymap::help_rows();
    let keys_w = rows.iter().map(|(k, _)| str_width(k)).max().unwrap_or(0);
    let text_w = rows.iter().map(|(_, h)| str_width(h)).max().unwrap_or(0);
    let col = if keys_w + 2 + text_w <= width {
        keys_w
    } else {
        keys_w.min(width / 3)
    };
    let key_style = theme.accent().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    for (k, h) in rows {
        let text = crate::tui::text::wrap(h, width.saturating_sub(col + 2));
        let mut first = true;
        if str_width(k) > col {
            lines.push(Line::styled(k, key_style));
            first = false;
        }
        for l in text {
            let lead = if first {
                pad(k, col + 2)
            } else {
                " ".repeat(col + 2)
            };
            lines.push(Line::from(vec![
                Span::styled(lead, key_style),
                Span::styled(l, theme.base()),
            ]));
            first = false;
        }
    }
    lines
}

/// The help popup in `area`: its rectangle, the rectangle of its rows, its rows.
fn help_layout(area: Rect, theme: &Theme) -> (Rect, Rect, Vec<Line<'static>>) {
    let rows = keymap::help_rows();
    let keys_w = rows.iter().map(|(k, _)| str_width(k)).max().unwrap_or(0);
    let text_w = rows.iter().map(|(_, h)| str_width(h)).max().unwrap_or(0);
    let w = ((keys_w + text_w + 8) as u16).min(area.width);
    // Borders and a column of padding each side.
    let lines = help_lines(usize::from(w.saturating_sub(5)), theme);
    let h = (lines.len() as u16 + 4).min(area.height);
    let popup = centered(area, w, h);
    let inner = Rect::new(
        popup.x + 3,
        popup.y + 1 + u16::from(popup.height > 8),
        popup.width.saturating_sub(5),
        popup.height.saturating_sub(3 + u16::from(popup.height > 8)),
    );
    (popup, inner, lines)
}

/// How far the help can scroll in `area`.
pub(crate) fn help_max_scroll(area: Rect) -> usize {
    let (_, inner, lines) = help_layout(area, crate::theme::ThemeKind::Dark.theme());
    lines.len().saturating_sub(usize::from(inner.height))
}

/// Draw the help scrolled `scroll` rows; returns the popup's rectangle.
pub(crate) fn help(scroll: usize, area: Rect, buf: &mut Buffer, theme: &Theme) -> Rect {
    let (popup, inner, lines) = help_layout(area, theme);
    Clear.render(popup, buf);
    buf.set_style(popup, Style::default().fg(theme.fg).bg(theme.bg));
    let block = panel(s::HELP_TITLE, theme).border_style(Style::default().fg(theme.accent));
    block.render(popup, buf);
    let scroll = scroll.min(lines.len().saturating_sub(usize::from(inner.height)));
    for (i, line) in lines
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        line.render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
    }
    let more = lines.len() > usize::from(inner.height);
    if popup.height >= 3 {
        let hint = if more { s::HELP_SCROLL } else { s::HELP_CLOSE };
        let y = popup.bottom() - 2;
        buf.set_stringn(inner.x, y, hint, inner.width as usize, theme.dim());
    }
    popup
}

/// Draw the tag picker; returns the popup's rectangle.
pub(crate) fn tags(
    app: &App,
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) -> Rect {
    let tags = &app.index.tags;
    let widest = tags
        .iter()
        .map(|t| str_width(t))
        .max()
        .unwrap_or(0)
        .max(str_width(s::TAG_PICKER_TITLE));
    let w = (widest + 10) as u16;
    let h = (tags.len().max(1) as u16 + 2)
        .min(area.height.saturating_sub(4))
        .max(3);
    let popup = centered(area, w, h);
    Clear.render(popup, buf);
    buf.set_style(popup, Style::default().fg(theme.fg).bg(theme.bg));
    let block = panel(s::TAG_PICKER_TITLE, theme).border_style(Style::default().fg(theme.accent));
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
    // Over a post its own tags come first (see `App::tag_choices`).
    let choices = app.tag_choices();
    let off = list_offset(selected, choices.len(), rows);
    let rows = choices.iter().enumerate().skip(off).take(rows);
    for (i, t) in rows.filter_map(|(i, &t)| Some((i, tags.get(t)?))) {
        let r = Rect::new(inner.x, inner.y + (i - off) as u16, inner.width, 1);
        let sel = i == selected;
        let active = app.blog.filter.as_deref() == Some(t.as_str());
        let text = fit(&format!("#{t}"), (inner.width as usize).saturating_sub(4));
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
        ])
        .render(r, buf);
        if sel {
            paint_selected(r, buf, theme);
        }
        hit(app, r, Hit::Tag(i));
    }
    popup
}
