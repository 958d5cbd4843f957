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

/// Draw the help; returns the popup's rectangle.
pub(crate) fn help(_app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) -> Rect {
    let rows = keymap::help_rows();
    let keys_w = rows.iter().map(|(k, _)| str_width(k)).max().unwrap_or(0);
    let text_w = rows.iter().map(|(_, h)| str_width(h)).max().unwrap_or(0);
    let w = (keys_w + text_w + 8) as u16;
    let h = rows.len() as u16 + 4;
    let popup = centered(area, w, h);
    Clear.render(popup, buf);
    buf.set_style(popup, Style::default().fg(theme.fg).bg(theme.bg));
    let block = panel(s::HELP_TITLE, theme).border_style(Style::default().fg(theme.accent));
    let inner = block.inner(popup);
    block.render(popup, buf);
    let inner = Rect::new(
        inner.x + 2,
        inner.y + 1,
        inner.width.saturating_sub(3),
        inner.height.saturating_sub(1),
    );
    for (i, (k, h)) in rows.iter().enumerate() {
        if i as u16 >= inner.height.saturating_sub(1) {
            break;
        }
        let line = Line::from(vec![
            Span::styled(
                pad(k, keys_w + 2),
                theme.accent().add_modifier(Modifier::BOLD),
            ),
            Span::styled(*h, theme.base()),
        ]);
        line.render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
    }
    if inner.height > 0 {
        let y = inner.bottom() - 1;
        buf.set_stringn(inner.x, y, s::HELP_CLOSE, inner.width as usize, theme.dim());
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
