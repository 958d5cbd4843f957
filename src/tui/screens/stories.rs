//! The stories player: progress segments across the top, one full card per story in
//! its own colour, and the link. It advances on its own every `STORY_DURATION` while it
//! is shown (the app's only timer), and stops on the last story.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::{Ctx, Step};
use crate::theme::Theme;
use crate::tui::keymap::Action;
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{centered, fit, story_color};

/// How long a story stays up before the next one.
pub const STORY_DURATION: Duration = Duration::from_secs(6);
/// Widest a card gets.
const CARD_MAX: u16 = 72;

/// The stories player's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct StoriesScreen {
    pub current: usize,
    /// When to advance to the next story; `Some` only while the Stories screen is shown.
    pub deadline: Option<Instant>,
}

impl StoriesScreen {
    /// Show story `i` (clamped), the timer not touched.
    pub fn select(&mut self, i: usize, cx: &Ctx) {
        self.current = i.min(cx.index.stories.len().saturating_sub(1));
    }

    /// The screen is shown (`true`) or left: start or stop the timer.
    pub fn shown(&mut self, shown: bool, cx: &Ctx) {
        self.deadline = if shown {
            self.next_deadline(Instant::now(), cx)
        } else {
            None
        };
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        let d: isize = match action {
            Action::NextItem => 1,
            Action::PrevItem => -1,
            Action::Back => return Step::Home,
            _ => return Step::Idle,
        };
        let n = cx.index.stories.len();
        if n > 0 {
            let cur = (self.current as isize + d).clamp(0, n as isize - 1);
            self.current = cur as usize;
            self.deadline = self.next_deadline(Instant::now(), cx);
        }
        Step::Redraw
    }

    /// The timer fired (or may have): the next story, when its time has come.
    pub fn tick(&mut self, now: Instant, cx: &Ctx) -> Step {
        match self.deadline {
            Some(d) if now >= d => {
                if self.current + 1 < cx.index.stories.len() {
                    self.current += 1;
                }
                self.deadline = self.next_deadline(now, cx);
                Step::Redraw
            }
            _ => Step::Idle,
        }
    }

    /// The next auto-advance time, or `None` on the last story (the player stops there).
    fn next_deadline(&self, now: Instant, cx: &Ctx) -> Option<Instant> {
        (self.current + 1 < cx.index.stories.len()).then(|| now + STORY_DURATION)
    }

    /// After a reload: the same story, or the last one when fewer are left.
    pub fn reload(&mut self, cx: &Ctx) {
        self.current = self.current.min(cx.index.stories.len().saturating_sub(1));
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let stories = &cx.index.stories;
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
        let cur = self.current.min(stories.len() - 1);
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
        if let Some(p) = story.image.as_deref().and_then(|i| cx.index.images.get(i)) {
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
                let w = (crate::render::width::str_width(&fit(link, text_w.saturating_sub(2)))
                    as u16)
                    .min(text_area.width.saturating_sub(2));
                let r = Rect::new(text_area.x + 2, text_area.y + row, w, 1);
                cx.link(r, link);
            }
        }
        Paragraph::new(lines).render(text_area, buf);
    }
}
