//! The reader as a browser: the links on screen (clicked, or labelled by `f` and chosen
//! by typing a label), jumps to a heading, and what `y`/`Y` copy (the first code block
//! on screen, the page's web address).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::ReaderScreen;
use crate::content::links::{LinkTarget, resolve};
use crate::theme::Theme;
use crate::tui::keymap::Key;
use crate::tui::screens::{Ctx, Step};
use crate::tui::strings as s;
use crate::tui::views::fast;

/// Label letters, home row first; no `y` (it starts a copy).
const ALPHABET: &[u8] = b"asdfghjklqwertuiopzxcvbnm";

/// `f` was pressed: the links on screen carry labels until one is typed or Esc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Labels {
    /// The label letters typed so far.
    pub typed: String,
    /// `y` came first: copy the chosen link's URL instead of following it.
    pub copy: bool,
}

/// A link shown on screen: where its text starts and its URL as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShownLink {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
    /// Index into `Rendered::links` (its first piece on screen).
    pub index: usize,
}

/// The label of the `i`-th of `n` links: one letter while they suffice, else two.
pub(crate) fn label(i: usize, n: usize) -> String {
    let k = ALPHABET.len();
    if n <= k {
        return char::from(ALPHABET[i % k]).to_string();
    }
    let (a, b) = ((i / k) % k, i % k);
    [ALPHABET[a], ALPHABET[b]]
        .iter()
        .map(|&c| char::from(c))
        .collect()
}

impl ReaderScreen {
    /// Whether `url` opens inside the app (a page, a heading, or a page that is missing
    /// — which says so rather than handing the terminal a path).
    pub(crate) fn is_internal(&self, url: &str, cx: &Ctx) -> bool {
        !matches!(
            resolve(cx.index, Some(self.page), url),
            LinkTarget::External(_)
        )
    }

    /// The links on screen now, one per link (a link wrapped over two lines is labelled
    /// where it starts), top to bottom.
    pub(crate) fn shown_links(&self, cx: &Ctx) -> Vec<ShownLink> {
        let g = self.geometry(cx);
        let rendered = cx.rendered(self.page, g.text.width);
        let visible = g.text.height as usize;
        let scroll = self.scroll.min(rendered.len().saturating_sub(visible));
        let mut out: Vec<ShownLink> = Vec::new();
        for (i, l) in rendered.links.iter().enumerate() {
            if l.line < scroll || l.line >= scroll + visible || l.start >= g.text.width {
                continue;
            }
            let continues = i > 0
                && rendered.links.get(i - 1).is_some_and(|p| {
                    p.url == l.url && p.line + 1 == l.line && l.start == 0 && p.line >= scroll
                });
            if continues {
                continue;
            }
            out.push(ShownLink {
                x: g.text.x + l.start,
                y: g.text.y + (l.line - scroll) as u16,
                width: l.end.min(g.text.width).saturating_sub(l.start),
                url: l.url.clone(),
                index: i,
            });
        }
        out
    }

    /// `f`: label the links on screen (or say there are none).
    pub(crate) fn start_labels(&mut self, cx: &Ctx) -> Step {
        if self.shown_links(cx).is_empty() {
            return Step::Notice(s::NO_LINKS.to_string());
        }
        self.labels = Some(Labels::default());
        Step::Notice(s::LINKS_PROMPT.to_string())
    }

    /// A key while the labels show: `Some` when it was theirs (all keys are, but the
    /// quit keys).
    pub(crate) fn label_key(&mut self, key: Key, cx: &Ctx) -> Option<Step> {
        let labels = self.labels.as_mut()?;
        let c = match key {
            Key::Ctrl('c') | Key::Ctrl('d') => return None,
            Key::Char('y') if labels.typed.is_empty() && !labels.copy => {
                labels.copy = true;
                return Some(Step::Redraw);
            }
            Key::Char(c) if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            Key::Code(terminput::KeyCode::Backspace) if !labels.typed.is_empty() => {
                labels.typed.pop();
                return Some(Step::Redraw);
            }
            _ => {
                // Esc, or any other key: the labels go.
                self.labels = None;
                return Some(Step::Redraw);
            }
        };
        labels.typed.push(c);
        let (typed, copy) = (labels.typed.clone(), labels.copy);
        let links = self.shown_links(cx);
        let n = links.len();
        let chosen = links
            .iter()
            .enumerate()
            .find(|(i, _)| label(*i, n) == typed);
        let partial = (0..n).any(|i| label(i, n).starts_with(&typed));
        if chosen.is_none() && partial {
            return Some(Step::Redraw);
        }
        self.labels = None;
        Some(match chosen {
            Some((_, link)) if copy => Step::Copy {
                text: link.url.clone(),
                what: link.url.chars().take(60).collect(),
                about: link.url.clone(),
            },
            Some((_, link)) => Step::Follow(link.url.clone()),
            None => Step::Redraw,
        })
    }

    /// Draw each link's label over the start of its text.
    pub(crate) fn draw_labels(&self, cx: &Ctx, buf: &mut Buffer, theme: &Theme) {
        let Some(labels) = &self.labels else {
            return;
        };
        let links = self.shown_links(cx);
        let n = links.len();
        // Black or white on the accent, not the theme's background colour, which is
        // often the terminal's own (unknown, and dark text on a dark accent in xterm).
        let style = Style::default()
            .fg(crate::theme::ink_on(theme.accent))
            .bg(theme.accent)
            .add_modifier(Modifier::BOLD);
        for (i, l) in links.iter().enumerate() {
            let text = label(i, n);
            if !text.starts_with(&labels.typed) {
                continue;
            }
            fast::set_string(buf, l.x, l.y, &text, style);
        }
    }

    /// Scroll so the heading `id` is on the top row (as far as the page's end allows);
    /// `false` if the page has no such heading.
    pub(crate) fn scroll_to_anchor(&mut self, id: &str, cx: &Ctx) -> bool {
        let g = self.geometry(cx);
        let rendered = cx.rendered(self.page, g.text.width);
        let Some(a) = rendered.anchors.iter().find(|a| a.id == id) else {
            return false;
        };
        self.scroll = a.line;
        self.clamp(cx);
        true
    }

    /// `y`: the first code block whose first line is on screen, as its source text.
    pub(crate) fn copy_code(&self, cx: &Ctx) -> Step {
        let g = self.geometry(cx);
        let rendered = cx.rendered(self.page, g.text.width);
        let visible = g.text.height as usize;
        let scroll = self.scroll.min(rendered.len().saturating_sub(visible));
        let on_screen = |line: usize| line >= scroll && line < scroll + visible;
        match rendered
            .code
            .iter()
            .enumerate()
            .find(|(_, c)| on_screen(c.line))
        {
            Some((n, c)) => Step::Copy {
                text: c.text().to_string(),
                what: s::code_what(c.lang.as_deref(), c.text().lines().count().max(1)),
                about: format!(
                    "/{}#code-{}",
                    cx.index.key(self.page).unwrap_or_default(),
                    n + 1
                ),
            },
            None => Step::Notice(s::NO_CODE.to_string()),
        }
    }

    /// `Y`: the page's address on the web.
    pub(crate) fn copy_url(&self, cx: &Ctx) -> Step {
        match cx.index.web_url(self.page) {
            Some(url) => Step::Copy {
                what: url.chars().take(60).collect(),
                about: url.clone(),
                text: url,
            },
            None => Step::Notice(s::NO_URL.to_string()),
        }
    }
}

/// The click regions of a link: internal ones are the app's (`Hit::Link`), external
/// ones the terminal's (OSC 8).
pub(crate) fn record_link(r: &ReaderScreen, cx: &Ctx, rect: Rect, index: usize, url: &str) {
    if r.is_internal(url, cx) {
        cx.hit(rect, crate::tui::state::Hit::Link(index));
    } else {
        cx.link(rect, url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_one_letter_then_two_and_never_y() {
        assert_eq!(label(0, 3), "a");
        assert_eq!(label(2, 3), "d");
        let many: Vec<String> = (0..100).map(|i| label(i, 100)).collect();
        assert!(many.iter().all(|l| l.len() == 2 && !l.contains('y')));
        let mut unique = many.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 100);
    }
}
