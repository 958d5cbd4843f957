//! The stories player: progress segments across the top, one full card per story in
//! its own colour, and the link.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::{centered, fit, story_color};
use crate::theme::Theme;
use crate::tui::app::App;
use crate::tui::strings as s;
use crate::tui::text::wrap;

/// Widest a card gets.
const CARD_MAX: u16 = 72;

pub(crate) fn draw(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let stories = &app.index.stories;
    let inner = Rect::new(
        area.x + 2,
        area.y + 1,
        area.width.saturating_sub(4),
        area.height.saturating_sub(1),
    );
    if stories.is_empty() {
        buf.set_string(inner.x, inner.y, s::STORIES_EMPTY, theme.dim());
        return;
    }
    let cur = app.stories.current.min(stories.len() - 1);
    let story = &stories[cur];
    let color = story_color(story.color, theme);

    // Progress: one segment per story, filled up to the current one.
    let n = stories.len().min(u16::MAX as usize) as u16;
    let gap = 1;
    let seg_w = (inner.width.saturating_sub(gap * (n - 1)) / n).max(1);
    let mut x = inner.x;
    for (i, st) in stories.iter().enumerate() {
        if x >= inner.right() {
            break;
        }
        let w = seg_w.min(inner.right() - x);
        let style = if i <= cur {
            Style::default().fg(story_color(st.color, theme))
        } else {
            Style::default().fg(theme.border)
        };
        let glyph = if i <= cur { "━" } else { "─" };
        buf.set_string(x, inner.y, glyph.repeat(w as usize), style);
        x += w + gap;
    }
    let counter = s::story_counter(cur, stories.len());
    let cw = counter.chars().count() as u16;
    buf.set_string(
        inner.right().saturating_sub(cw),
        inner.y + 1,
        &counter,
        theme.dim(),
    );

    // The card.
    let card_w = inner.width.min(CARD_MAX);
    let text_w = card_w.saturating_sub(6) as usize;
    let mut lines: Vec<Line> = vec![Line::default()];
    for l in wrap(story.text.trim(), text_w) {
        lines.push(Line::styled(l, theme.base()));
    }
    if let Some(link) = &story.link {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("↗ ", Style::default().fg(color)),
            Span::styled(fit(link, text_w.saturating_sub(2)), theme.link()),
        ]));
    }
    if let Some(img) = &story.image {
        lines.push(Line::from(vec![
            Span::styled(format!("{}  ", s::STORY_IMAGE), theme.dim()),
            Span::styled(fit(img, text_w.saturating_sub(7)), theme.dim()),
        ]));
    }
    // A local story image: a half-block preview under its caption, a third of the
    // screen at most.
    if let Some(p) = story.image.as_deref().and_then(|i| app.index.images.get(i)) {
        let rows = usize::from(inner.height / 3);
        lines.extend(crate::render::preview_lines(p, text_w, rows.min(8)));
    }
    lines.push(Line::default());
    // A card fills most of the screen, as a story should; its text sits in the middle.
    let room = inner.height.saturating_sub(3);
    let card_h = (lines.len() as u16 + 2).max(room * 3 / 5).min(room);
    let body = Rect::new(
        inner.x,
        inner.y + 2,
        inner.width,
        inner.height.saturating_sub(2),
    );
    let card = centered(body, card_w, card_h);
    let label = fit(story.label.trim(), (card_w as usize).saturating_sub(6));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(color))
        .title(Span::styled(
            format!(" ● {label} "),
            Style::default().fg(color).add_modifier(Modifier::BOLD),
        ));
    let text_area = block.inner(card);
    block.render(card, buf);
    let top = text_area.height.saturating_sub(lines.len() as u16) / 2;
    let text_area = Rect::new(
        text_area.x + 2,
        text_area.y + top,
        text_area.width.saturating_sub(4),
        text_area.height - top,
    );
    if let Some(link) = &story.link {
        // The link line sits after the blank line, the text and another blank line.
        let row = 1 + wrap(story.text.trim(), text_w).len() as u16 + 1;
        if row < text_area.height {
            let w = (crate::render::width::str_width(&fit(link, text_w.saturating_sub(2))) as u16)
                .min(text_area.width.saturating_sub(2));
            let r = Rect::new(text_area.x + 2, text_area.y + row, w, 1);
            super::link(app, r, link);
        }
    }
    Paragraph::new(lines).render(text_area, buf);
}
