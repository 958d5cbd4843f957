//! The `?` help overlay: every row of the key table (one per distinct description),
//! then the mouse; on a small screen the descriptions wrap beside their keys and the
//! list scrolls (↑↓ jk). Any other key closes it (Ctrl-C and Ctrl-D still quit).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};
use terminput::KeyCode;

use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::keymap::{self, Key};
use crate::tui::screens::Ctx;
use crate::tui::strings as s;
use crate::tui::views::{centered, pad, panel};

/// The help's rows at `width`: the keys in a column, each description wrapped beside
/// them (on narrow screens keys too wide for the column get a row of their own).
fn lines(width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let rows = keymap::help_rows();
    let keys_w = rows.iter().map(|(k, _)| str_width(k)).max().unwrap_or(0);
    let text_w = rows.iter().map(|(_, h)| str_width(h)).max().unwrap_or(0);
    let col = if keys_w + 2 + text_w <= width {
        keys_w
    } else {
        keys_w.min(width / 3)
    };
    let key_style = theme.accent().add_modifier(Modifier::BOLD);
    let mut out = Vec::new();
    for (k, h) in rows {
        let text = crate::tui::text::wrap(h, width.saturating_sub(col + 2));
        let mut first = true;
        if str_width(k) > col {
            out.push(Line::styled(k, key_style));
            first = false;
        }
        for l in text {
            let lead = if first {
                pad(k, col + 2)
            } else {
                " ".repeat(col + 2)
            };
            out.push(Line::from(vec![
                Span::styled(lead, key_style),
                Span::styled(l, theme.base()),
            ]));
            first = false;
        }
    }
    out
}

/// The popup in `area`: its rectangle, the rectangle of its rows, its rows.
fn layout(area: Rect, theme: &Theme) -> (Rect, Rect, Vec<Line<'static>>) {
    let rows = keymap::help_rows();
    let keys_w = rows.iter().map(|(k, _)| str_width(k)).max().unwrap_or(0);
    let text_w = rows.iter().map(|(_, h)| str_width(h)).max().unwrap_or(0);
    let w = ((keys_w + text_w + 8) as u16).min(area.width);
    // Borders and a column of padding each side.
    let rows = lines(usize::from(w.saturating_sub(5)), theme);
    let h = (rows.len() as u16 + 4).min(area.height);
    let popup = centered(area, w, h);
    let pad_top = u16::from(popup.height > 8);
    let inner = Rect::new(
        popup.x + 3,
        popup.y + 1 + pad_top,
        popup.width.saturating_sub(5),
        popup.height.saturating_sub(3 + pad_top),
    );
    (popup, inner, rows)
}

/// How far the help can scroll in `area`.
fn max_scroll(area: Rect) -> usize {
    let (_, inner, rows) = layout(area, crate::theme::ThemeKind::Dark.theme());
    rows.len().saturating_sub(usize::from(inner.height))
}

/// A key while the help is up (scrolled `scroll` rows): small screens scroll the key
/// list; any other key closes it (`None`).
pub(crate) fn key(scroll: usize, key: Key, cx: &Ctx) -> Option<usize> {
    let scroll = match key {
        Key::Code(KeyCode::Down) | Key::Char('j') => scroll + 1,
        Key::Code(KeyCode::Up) | Key::Char('k') => scroll.saturating_sub(1),
        Key::Code(KeyCode::PageDown) | Key::Char(' ') => scroll + 5,
        Key::Code(KeyCode::PageUp) | Key::Char('b') => scroll.saturating_sub(5),
        _ => return None,
    };
    Some(scroll.min(max_scroll(cx.area())))
}

/// Draw the help scrolled `scroll` rows; returns the popup's rectangle.
pub(crate) fn view(scroll: usize, area: Rect, buf: &mut Buffer, theme: &Theme) -> Rect {
    let (popup, inner, rows) = layout(area, theme);
    Clear.render(popup, buf);
    buf.set_style(popup, Style::default().fg(theme.fg).bg(theme.bg));
    let block = panel(s::HELP_TITLE, theme).border_style(Style::default().fg(theme.accent));
    block.render(popup, buf);
    let scroll = scroll.min(rows.len().saturating_sub(usize::from(inner.height)));
    for (i, line) in rows
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        line.render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
    }
    let more = rows.len() > usize::from(inner.height);
    if popup.height >= 3 {
        let hint = if more { s::HELP_SCROLL } else { s::HELP_CLOSE };
        let y = popup.bottom() - 2;
        buf.set_stringn(inner.x, y, hint, inner.width as usize, theme.dim());
    }
    popup
}
