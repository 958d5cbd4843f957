//! Fast paths for the buffer writes every frame makes: styling an area, writing a
//! string, rendering a left-aligned line. Each leaves the buffer exactly as ratatui's
//! own call would, and takes the fast path only for text made of `one_column`
//! characters (one character, one grapheme, one column: no grapheme segmentation or
//! width lookups); anything else goes through ratatui.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::render::width::{is_printable_ascii, one_column};

/// Text whose every character is `one_column`.
fn simple(text: &str) -> bool {
    is_printable_ascii(text) || text.chars().all(one_column)
}

/// `Buffer::set_style`, a row slice at a time instead of an index per cell.
pub(crate) fn set_style(buf: &mut Buffer, area: Rect, style: impl Into<Style>) {
    let style = style.into();
    let area = buf.area.intersection(area);
    if area.is_empty() {
        return;
    }
    let w = buf.area.width as usize;
    let left = (area.x - buf.area.x) as usize;
    for y in area.top()..area.bottom() {
        let start = (y - buf.area.y) as usize * w + left;
        if let Some(row) = buf.content.get_mut(start..start + area.width as usize) {
            row.iter_mut().for_each(|c| {
                c.set_style(style);
            });
        }
    }
}

/// `Buffer::set_stringn`.
pub(crate) fn set_stringn(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    text: impl AsRef<str>,
    max_width: usize,
    style: impl Into<Style>,
) -> (u16, u16) {
    let (text, style) = (text.as_ref(), style.into());
    let area = buf.area;
    // Outside the buffer ratatui panics (or writes nothing): let it decide.
    if !(area.left()..area.right()).contains(&x)
        || !(area.top()..area.bottom()).contains(&y)
        || !simple(text)
    {
        return buf.set_stringn(x, y, text, max_width, style);
    }
    let max = u16::try_from(max_width).unwrap_or(u16::MAX);
    let room = area.right().saturating_sub(x).min(max) as usize;
    let start = buf.index_of(x, y);
    let Some(cells) = buf.content.get_mut(start..start + room) else {
        return buf.set_stringn(x, y, text, max_width, style);
    };
    let mut n = 0;
    for (cell, c) in cells.iter_mut().zip(text.chars()) {
        cell.set_char(c).set_style(style);
        n += 1;
    }
    (x + n, y)
}

/// `Buffer::set_string`.
pub(crate) fn set_string(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    text: impl AsRef<str>,
    style: impl Into<Style>,
) {
    set_stringn(buf, x, y, text, usize::MAX, style);
}

/// `Line::render` (`(&line).render(area, buf)`).
pub(crate) fn render_line(line: &Line<'_>, area: Rect, buf: &mut Buffer) {
    if matches!(line.alignment, Some(a) if a != Alignment::Left)
        || !line.spans.iter().all(|s| simple(&s.content))
    {
        return line.render(area, buf);
    }
    let area = area.intersection(buf.area);
    if area.is_empty() || line.spans.iter().all(|s| s.content.is_empty()) {
        return;
    }
    let area = Rect { height: 1, ..area };
    set_style(buf, area, line.style);
    let start = buf.index_of(area.x, area.y);
    let Some(row) = buf.content.get_mut(start..start + area.width as usize) else {
        return;
    };
    let mut cells = row.iter_mut();
    for span in &line.spans {
        let style = Style::default().patch(span.style);
        for c in span.content.chars() {
            let Some(cell) = cells.next() else { return };
            cell.set_char(c).set_style(style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    #[test]
    fn the_fast_line_renders_like_ratatui() {
        use ratatui::style::Color;
        let lines = [
            Line::from(vec![
                Span::styled("plain ", Style::default().fg(Color::Red)),
                Span::styled("bold", Style::default().add_modifier(Modifier::BOLD)),
                Span::raw(" and the rest of a line that is far too long for its area"),
            ])
            .style(Style::default().bg(Color::Blue)),
            Line::from("short"),
            Line::from(vec![Span::raw("wide 日本 and é"), Span::raw(" tail")]),
            Line::from(vec![Span::raw(""), Span::raw("")]),
            Line::from("centred").alignment(ratatui::layout::Alignment::Center),
            Line::from(vec![
                Span::raw("│ "),
                Span::raw("a → b — “c” ─╮"),
                Span::raw("é "),
            ]),
        ];
        // Every `one_column` character renders as one cell, like ratatui renders it.
        let all: Vec<char> = (0..0x2600u32)
            .filter_map(char::from_u32)
            .filter(|c| one_column(*c))
            .collect();
        for chunk in all.chunks(37) {
            let text: String = chunk.iter().collect();
            let line = Line::from(text);
            let mut want = Buffer::empty(Rect::new(0, 0, 40, 1));
            (&line).render(want.area, &mut want);
            let mut got = Buffer::empty(Rect::new(0, 0, 40, 1));
            render_line(&line, got.area, &mut got);
            assert_eq!(got, want, "{line:?}");
        }
        for line in &lines {
            for area in [Rect::new(2, 1, 20, 1), Rect::new(30, 2, 20, 3)] {
                let mut base = Buffer::empty(Rect::new(0, 0, 40, 4));
                base.set_string(0, 1, "x".repeat(40), Style::default().fg(Color::Green));
                let mut want = base.clone();
                line.render(area, &mut want);
                let mut got = base.clone();
                render_line(line, area, &mut got);
                assert_eq!(got, want, "{line:?} in {area:?}");
            }
        }
    }

    #[test]
    fn strings_and_styles_are_written_like_ratatui() {
        let texts = [
            "plain",
            "",
            "a → b — “c” ─╮ é",
            "wide 日本 and 🗺\u{FE0F}",
            "tab\there",
            "e\u{301}",
            &"─".repeat(50),
        ];
        let styles = [
            Style::default(),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::default()
                .bg(Color::Rgb(1, 2, 3))
                .remove_modifier(Modifier::BOLD),
        ];
        let area = Rect::new(3, 2, 30, 4);
        let mut base = Buffer::empty(area);
        base.set_string(3, 3, "x".repeat(30), Style::default().fg(Color::Green));
        for text in texts {
            for style in styles {
                for (x, y, n) in [
                    (3, 2, usize::MAX),
                    (5, 3, 7),
                    (20, 3, usize::MAX),
                    (32, 5, 4),
                    (33, 4, 2),
                    (10, 4, 0),
                ] {
                    let mut want = base.clone();
                    let w = want.set_stringn(x, y, text, n, style);
                    let mut got = base.clone();
                    let g = set_stringn(&mut got, x, y, text, n, style);
                    assert_eq!((g, &got), (w, &want), "{text:?} at {x},{y} max {n}");
                }
            }
        }
        for style in styles {
            for r in [
                area,
                Rect::new(0, 0, 5, 4),
                Rect::new(10, 3, 40, 1),
                Rect::new(4, 6, 3, 3),
            ] {
                let mut want = base.clone();
                want.set_style(r, style);
                let mut got = base.clone();
                set_style(&mut got, r, style);
                assert_eq!(got, want, "{r:?}");
            }
        }
    }
}
