//! The stories player: progress segments across the top (the current one filling as it
//! runs), one full card per story in its own colour (label, image area, text, link). It
//! advances on its own every `STORY_DURATION` while it is shown (the app's only timer),
//! and stops on the last story; `n`/`p` at either end say so.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget};

use super::{Ctx, Step};
use crate::content::Story;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::keymap::Action;
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{centered, fit, story_color};

/// How long a story stays up before the next one.
pub const STORY_DURATION: Duration = Duration::from_secs(6);
/// Widest a card gets, and on wide screens (at least `WIDE` columns).
const CARD_MAX: u16 = 72;
const CARD_WIDE: u16 = 96;
const WIDE: u16 = 140;

/// Steps of the current story's progress fill: a tick (and a frame) every
/// `STORY_DURATION / STEPS` while the Stories screen is shown, none elsewhere.
const STEPS: u32 = 24;

/// The stories player's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct StoriesScreen {
    pub current: usize,
    /// The next tick (progress step or advance); `Some` only while the Stories screen is
    /// shown and the current story is still running.
    pub deadline: Option<Instant>,
    /// When the current story came up: its progress counts from here.
    since: Option<Instant>,
    /// How much of the current story has run, in `STEPS`ths (its segment's fill).
    fill: u32,
}

impl StoriesScreen {
    /// Show story `i` (clamped), the timer not touched.
    pub fn select(&mut self, i: usize, cx: &Ctx) {
        self.current = i.min(cx.index.stories.len().saturating_sub(1));
        self.fill = 0;
    }

    /// The screen is shown (`true`) or left: start or stop the timer.
    pub fn shown(&mut self, shown: bool, cx: &Ctx) {
        if shown {
            self.restart(Instant::now(), cx);
        } else {
            (self.deadline, self.since) = (None, None);
        }
    }

    /// The current story starts running from `now`.
    fn restart(&mut self, now: Instant, cx: &Ctx) {
        self.fill = 0;
        self.since = Some(now);
        self.deadline = (!cx.index.stories.is_empty()).then(|| now + STORY_DURATION / STEPS);
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        let d: isize = match action {
            Action::NextItem => 1,
            Action::PrevItem => -1,
            Action::Back => return Step::Home,
            _ => return Step::Idle,
        };
        let n = cx.index.stories.len();
        if n == 0 {
            return Step::Idle;
        }
        let cur = self.current as isize + d;
        // At either end the story stays (and keeps running); the notice says why.
        if cur < 0 {
            return Step::Notice(s::FIRST_STORY.to_string());
        }
        if cur >= n as isize {
            return Step::Notice(s::LAST_STORY.to_string());
        }
        self.current = cur as usize;
        self.restart(Instant::now(), cx);
        Step::Redraw
    }

    /// The timer fired (or may have): the current story's fill grows a step, or the
    /// next story comes up when its time has come; the last one stays, full.
    pub fn tick(&mut self, now: Instant, cx: &Ctx) -> Step {
        let (Some(due), Some(since)) = (self.deadline, self.since) else {
            return Step::Idle;
        };
        if now < due {
            return Step::Idle;
        }
        let run = now.saturating_duration_since(since);
        if run >= STORY_DURATION {
            if self.current + 1 < cx.index.stories.len() {
                self.current += 1;
                self.restart(now, cx);
            } else {
                self.fill = STEPS;
                self.deadline = None;
            }
            return Step::Redraw;
        }
        let fill = (run.as_millis() * u128::from(STEPS) / STORY_DURATION.as_millis()) as u32;
        self.fill = fill.min(STEPS - 1);
        self.deadline = Some(since + STORY_DURATION * (self.fill + 1) / STEPS);
        Step::Redraw
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
        self.progress(cx, inner, buf, theme);

        // A story with a decoded image is a full-screen picture with its caption under it.
        if cx.images != crate::graphics::Protocol::None
            && let Some(img) = story.image.as_deref().and_then(|i| cx.index.images.get(i))
            && inner.height >= 10
        {
            self.picture_view(cx, story, img, inner, buf, theme);
            return;
        }
        card(cx, story, inner, buf, theme);
    }

    /// One segment per story across the top: the stories before this one full, this one
    /// filled as far as it has run, the rest empty; the counter under its right end.
    fn progress(&self, cx: &Ctx, inner: Rect, buf: &mut Buffer, theme: &Theme) {
        let stories = &cx.index.stories;
        let cur = self.current.min(stories.len().saturating_sub(1));
        let n = stories.len().min(u16::MAX as usize) as u16;
        let gap = 1;
        let seg_w = (inner.width.saturating_sub(gap * n.saturating_sub(1)) / n.max(1)).max(1);
        let mut x = inner.x;
        for (i, st) in stories.iter().enumerate() {
            if x >= inner.right() {
                break;
            }
            let w = seg_w.min(inner.right() - x);
            let full = match i.cmp(&cur) {
                std::cmp::Ordering::Less => w,
                // At least a cell, so the running story shows from its first moment.
                std::cmp::Ordering::Equal => ((u32::from(w) * self.fill / STEPS) as u16).max(1),
                std::cmp::Ordering::Greater => 0,
            };
            let color = Style::default().fg(story_color(st.color, theme));
            buf.set_string(x, inner.y, "━".repeat(usize::from(full)), color);
            let rest = "─".repeat(usize::from(w - full));
            buf.set_string(x + full, inner.y, rest, Style::default().fg(theme.border));
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
    }

    /// The picture over the body (under the progress line), the label, text and link
    /// under it, in the story's colour.
    fn picture_view(
        &self,
        cx: &Ctx,
        story: &crate::content::Story,
        img: &std::sync::Arc<crate::content::images::Preview>,
        inner: Rect,
        buf: &mut Buffer,
        theme: &Theme,
    ) {
        let color = story_color(story.color, theme);
        let text_w = usize::from(inner.width.saturating_sub(2));
        let mut caption: Vec<Line> = Vec::new();
        let label = fit(story.label.trim(), text_w.saturating_sub(2));
        caption.push(Line::from(Span::styled(
            format!("● {label}"),
            Style::default().fg(color).add_modifier(Modifier::BOLD),
        )));
        let text = wrap(story.text.trim(), text_w);
        let more = text.len() > 3;
        for (i, l) in text.into_iter().take(3).enumerate() {
            let l = if more && i == 2 {
                format!("{}…", fit(&l, text_w.saturating_sub(1)))
            } else {
                l
            };
            caption.push(Line::styled(l, theme.base()));
        }
        let link_row = story.link.as_ref().map(|link| {
            caption.push(Line::from(vec![
                Span::styled("↗ ", Style::default().fg(color)),
                Span::styled(fit(link, text_w.saturating_sub(2)), theme.link()),
            ]));
            (caption.len() - 1) as u16
        });
        let cap_h = caption.len() as u16;
        let top = inner.y + 2;
        let pic_h = inner.bottom().saturating_sub(top + cap_h + 1);
        let pic = Rect::new(inner.x, top, inner.width, pic_h);
        cx.picture(pic, img, buf);
        let cap = Rect::new(
            inner.x + 1,
            pic.bottom() + 1,
            inner.width.saturating_sub(2),
            cap_h,
        );
        if let (Some(link), Some(row)) = (&story.link, link_row) {
            let w = (crate::render::width::str_width(&fit(link, text_w.saturating_sub(2))) as u16)
                .min(cap.width.saturating_sub(2));
            cx.link(Rect::new(cap.x + 2, cap.y + row, w, 1), link);
        }
        Paragraph::new(caption).render(cap, buf);
    }
}

/// The story as a card in its colour, most of the screen: the label on its border, the
/// image area (the picture when it can be drawn here, else a frame saying what it is),
/// the text, and the link.
fn card(cx: &Ctx, story: &Story, inner: Rect, buf: &mut Buffer, theme: &Theme) {
    let color = story_color(story.color, theme);
    let card_max = if inner.width >= WIDE {
        CARD_WIDE
    } else {
        CARD_MAX
    };
    let card_w = inner.width.min(card_max);
    let text_w = card_w.saturating_sub(6) as usize;
    let text = wrap(story.text.trim(), text_w);
    let link = story
        .link
        .as_deref()
        .map(|l| fit(l, text_w.saturating_sub(2)));
    // Rows inside the borders: the text and the link, with blank rows around them (above,
    // before the link, below) when the screen has room for those; then the image area
    // above them (and a blank row after it) when it can take at least three rows.
    let room = inner.height.saturating_sub(3);
    let bare = text.len() as u16 + u16::from(link.is_some());
    let pad = bare + 3 + u16::from(link.is_some()) + 2 <= room;
    let words = if pad {
        bare + 2 + u16::from(link.is_some())
    } else {
        bare
    };
    // A story with a picture gets a taller card: the picture is most of it.
    let target = if story.image.is_some() {
        room * 4 / 5
    } else {
        room * 3 / 5
    };
    let target = target.max(words + 2).min(room);
    let image_h = match &story.image {
        Some(_) if target >= words + 2 + 1 + 3 => target - (words + 2 + 1),
        _ => 0,
    };
    // The image named in one line when its area does not fit.
    let image_line = story.image.is_some() && image_h == 0 && words + 3 <= room;
    let content_h = words + if image_h > 0 { image_h + 1 } else { 0 } + u16::from(image_line);
    let card_h = (content_h + 2).max(target).min(room);
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
    let area = block.inner(card);
    block.render(card, buf);
    let area = Rect::new(
        area.x + 2,
        area.y,
        area.width.saturating_sub(4),
        area.height,
    );
    let top = area.height.saturating_sub(content_h) / 2;
    let mut y = area.y + top + u16::from(pad);
    if let (Some(src), true) = (&story.image, image_h > 0) {
        let r = Rect::new(
            area.x,
            y,
            area.width,
            image_h.min(area.bottom().saturating_sub(y)),
        );
        image_area(cx, src, r, buf, theme);
        y += image_h + 1;
    }
    let mut lines: Vec<Line> = text
        .into_iter()
        .map(|l| Line::styled(l, theme.base()))
        .collect();
    let link_row = link.map(|l| {
        if pad {
            lines.push(Line::default());
        }
        lines.push(Line::from(vec![
            Span::styled("↗ ", Style::default().fg(color)),
            Span::styled(l.clone(), theme.link()),
        ]));
        (lines.len() - 1, l)
    });
    if image_line && let Some(img) = &story.image {
        lines.push(Line::from(vec![
            Span::styled(format!("{}  ", s::STORY_IMAGE), theme.dim()),
            Span::styled(fit(img, text_w.saturating_sub(7)), theme.dim()),
        ]));
    }
    let text_area = Rect::new(area.x, y, area.width, area.bottom().saturating_sub(y));
    if let (Some((row, shown)), Some(url)) = (link_row, &story.link) {
        let row = row as u16;
        if row < text_area.height {
            let w = (str_width(&shown) as u16).min(text_area.width.saturating_sub(2));
            cx.link(Rect::new(text_area.x + 2, text_area.y + row, w, 1), url);
        }
    }
    Paragraph::new(lines).render(text_area, buf);
}

/// The card's image area: the picture when this guest's terminal can show it and the
/// image is decoded; otherwise a dim frame saying why not, with where the image is.
fn image_area(cx: &Ctx, src: &str, r: Rect, buf: &mut Buffer, theme: &Theme) {
    if r.height < 3 || r.width < 8 {
        return;
    }
    let decoded = cx.index.images.get(src);
    if let Some(img) = decoded
        && cx.picture(r, img, buf)
    {
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Plain)
        .border_style(theme.dim());
    let inside = block.inner(r);
    block.render(r, buf);
    let why = if decoded.is_some() {
        s::STORY_PICTURES_OFF
    } else {
        s::STORY_NOT_DOWNLOADED
    };
    let w = usize::from(inside.width.saturating_sub(2));
    let rows = [
        (format!("▨ {} · {why}", s::STORY_IMAGE), theme.dim()),
        (fit(src.trim(), w), theme.link()),
    ];
    let top = inside.y + inside.height.saturating_sub(2) / 2;
    for (i, (text, style)) in rows.iter().enumerate() {
        let y = top + i as u16;
        if y >= inside.bottom() {
            break;
        }
        let text = fit(text, w);
        let tw = str_width(&text) as u16;
        let x = inside.x + inside.width.saturating_sub(tw) / 2;
        buf.set_string(x, y, &text, *style);
        if i == 1 {
            cx.link(Rect::new(x, y, tw, 1), src.trim());
        }
    }
}
