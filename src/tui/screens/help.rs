//! The `?` help overlay: every row of the key table (one per distinct description),
//! then the mouse. Any key closes it (Ctrl-C and Ctrl-D still quit).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::keymap;
use crate::tui::strings as s;
use crate::tui::views::{centered, pad, panel};

/// Draw the help; returns the popup's rectangle.
pub(crate) fn view(area: Rect, buf: &mut Buffer, theme: &Theme) -> Rect {
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
