//! The search screen: the query line and the results, title matches first, each title
//! whole (wrapped under itself) over its snippet. The query line takes printable keys
//! before the key table sees them.

use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use terminput::KeyCode;

use super::{Ctx, Origin, Step, move_list};
use crate::content::PageRef;
use crate::render::width::str_width;
use crate::theme::Theme;
use crate::tui::highlight;
use crate::tui::keymap::{Action, Key};
use crate::tui::search::{self, Corpus, SearchHit, Target};
use crate::tui::state::{Hit, ListState, Screen};
use crate::tui::strings as s;
use crate::tui::text::wrap;
use crate::tui::views::{fit, mark, marker, match_style, pad, paint_selected, panel};

/// The search screen: the query typed so far and its results (kept while the guest
/// is elsewhere: `/` again shows the same query).
#[derive(Default)]
pub(crate) struct SearchScreen {
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub list: ListState,
    /// Lowercased text of the index for search: shared by the sessions on this index,
    /// built on first search, dropped on reload.
    corpus: Option<Arc<Corpus>>,
}

impl SearchScreen {
    /// Keys the query line takes before the key table sees them.
    pub fn key(&mut self, key: Key, cx: &Ctx) -> Option<Step> {
        match key {
            Key::Char(c) if !c.is_control() => {
                if self.query.chars().count() < search::MAX_QUERY {
                    self.query.push(c);
                    self.run(cx);
                }
                Some(Step::Redraw)
            }
            Key::Code(KeyCode::Backspace) => {
                if self.query.pop().is_none() {
                    return Some(Step::Back);
                }
                self.run(cx);
                Some(Step::Redraw)
            }
            Key::Ctrl('u') => {
                self.query.clear();
                self.run(cx);
                Some(Step::Redraw)
            }
            _ => None,
        }
    }

    /// Pasted text joins the query (control characters as spaces, up to the limit).
    pub fn paste(&mut self, text: &str, cx: &Ctx) -> Step {
        let room = search::MAX_QUERY.saturating_sub(self.query.chars().count());
        let clean = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(room);
        self.query.extend(clean);
        self.run(cx);
        Step::Redraw
    }

    pub fn act(&mut self, action: Action, cx: &Ctx) -> Step {
        match action {
            Action::Open => self.open_selected(),
            Action::Back => Step::Back,
            _ => move_list(&mut self.list, action, self.hits.len(), cx),
        }
    }

    /// A click on the n-th result.
    pub fn click(&mut self, hit: Hit, cx: &Ctx) -> Step {
        match hit {
            Hit::Item(i) => {
                self.list.selected = i;
                self.act(Action::Open, cx)
            }
            _ => Step::Idle,
        }
    }

    fn open_selected(&self) -> Step {
        let Some(hit) = self.hits.get(self.list.selected) else {
            return Step::Idle;
        };
        match hit.target {
            Target::Page(page) => {
                let items = self.pages();
                let pos = items.iter().position(|p| *p == page).unwrap_or(0);
                let q = highlight::fold(&search::normalize(&self.query));
                Step::Open {
                    page,
                    origin: Origin {
                        screen: Screen::Search,
                        items,
                        pos,
                    },
                    highlight: (!q.is_empty()).then_some(q),
                }
            }
            Target::Story(i) => Step::Story(i),
        }
    }

    /// Search results that are pages (what `n`/`p` walk after opening one).
    pub fn pages(&self) -> Vec<PageRef> {
        (self.hits.iter())
            .filter_map(|h| match h.target {
                Target::Page(p) => Some(p),
                Target::Story(_) => None,
            })
            .collect()
    }

    /// Search again for the query (the results start at the top).
    pub fn run(&mut self, cx: &Ctx) {
        let corpus = self.corpus.get_or_insert_with(|| search::shared(cx.index));
        self.hits = corpus.search(&self.query);
        self.list = ListState::default();
    }

    /// After a reload: the query runs again over the new index, the selection kept.
    pub fn reload(&mut self, cx: &Ctx) {
        self.corpus = None;
        if !self.query.is_empty() {
            let sel = self.list.selected;
            self.run(cx);
            self.list.clamp(self.hits.len());
            self.list.selected = sel.min(self.hits.len().saturating_sub(1));
        }
    }

    pub fn view(&self, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw(self, cx, area, buf, theme);
    }

    /// The snippet of the `i`-th result: made when it is first drawn, so a query with
    /// many hits reads the bodies of the few on screen only.
    fn snippet(&self, i: usize) -> &str {
        match (&self.corpus, self.hits.get(i)) {
            (Some(corpus), Some(hit)) => corpus.snippet(hit, &self.query),
            _ => "",
        }
    }
}

fn draw(q: &SearchScreen, cx: &Ctx, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let area = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(1),
    );
    if area.height < 4 {
        return;
    }
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
    let match_style = match_style(cx.depth, theme);
    let kind_w = 9;
    let w = (list.width as usize).saturating_sub(2 + kind_w);
    let titles: Vec<Vec<String>> = (q.hits.iter())
        .map(|h| title_lines(title_of(cx, h.target), w, list.height))
        .collect();
    // A snippet row under the title when the list has room for both.
    let snippet_of = |i: usize| titles[i].len() < usize::from(list.height);
    let rows = |i: usize| titles[i].len() as u16 + u16::from(snippet_of(i));
    let off = offset(q.list.selected, list.height, rows);
    let mut y = list.y;
    for (i, h) in q.hits.iter().enumerate().skip(off) {
        let n = rows(i);
        if y + n > list.bottom() {
            break;
        }
        let selected = q.list.selected == i;
        let kind = match h.target {
            Target::Page(PageRef::Project(_)) => s::KIND_PROJECT,
            Target::Page(PageRef::Post(_)) => s::KIND_POST,
            Target::Story(_) => s::KIND_STORY,
        };
        let text_x = list.x + 2 + kind_w as u16;
        let text_w = list.right().saturating_sub(text_x);
        // The title whole, wrapped under itself; the kind beside its first row.
        for (k, line) in titles[i].iter().enumerate() {
            let r = Rect::new(list.x, y + k as u16, list.width, 1);
            let lead = if k == 0 {
                vec![
                    marker(selected, theme),
                    Span::styled(pad(kind, kind_w), Style::default().fg(theme.tag)),
                ]
            } else {
                vec![Span::raw(" ".repeat(2 + kind_w))]
            };
            let mut spans = lead;
            spans.push(Span::styled(
                line.clone(),
                theme.base().add_modifier(Modifier::BOLD),
            ));
            Line::from(spans).render(r, buf);
            if selected {
                paint_selected(r, buf, theme);
            }
        }
        let snippet_y = y + titles[i].len() as u16;
        let snippet = if snippet_of(i) {
            fit(q.snippet(i).trim(), w)
        } else {
            String::new()
        };
        buf.set_string(text_x, snippet_y.min(y + n - 1), &snippet, theme.dim());
        let marked = (titles[i].iter().enumerate())
            .map(|(k, t)| (y + k as u16, t.as_str()))
            .chain(snippet_of(i).then_some((snippet_y, snippet.as_str())));
        for (row, text) in marked {
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
        cx.hit(Rect::new(list.x, y, list.width, n), Hit::Item(i));
        y += n;
    }
}

/// What a result is called: a page's title, a story's label.
fn title_of<'a>(cx: &'a Ctx, target: Target) -> &'a str {
    let title = match target {
        Target::Page(PageRef::Project(p)) => cx.index.projects.get(p).map(|p| p.title.as_str()),
        Target::Page(PageRef::Post(p)) => cx.index.posts.get(p).map(|p| p.title.as_str()),
        Target::Story(st) => cx.index.stories.get(st).map(|s| s.label.as_str()),
    };
    title.unwrap_or("")
}

/// A result's title in rows of `w` columns: whole, wrapped. Only a title taller than the
/// list itself is cut, with `…`.
fn title_lines(title: &str, w: usize, height: u16) -> Vec<String> {
    let mut lines = wrap(title.trim(), w);
    if lines.is_empty() {
        lines.push(String::new());
    }
    let most = usize::from(height).max(1);
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            *last = format!("{}…", fit(last, w.saturating_sub(1)).trim_end_matches('…'));
        }
    }
    lines
}

/// The first result shown so that the selected one is on screen: from the top while it
/// fits, else with the selected result on the last rows.
fn offset(selected: usize, height: u16, rows: impl Fn(usize) -> u16) -> usize {
    let mut used: u16 = 0;
    let mut first = selected + 1;
    while first > 0 {
        let n = rows(first - 1);
        if used + n > height {
            break;
        }
        used += n;
        first -= 1;
    }
    // Everything down to the top fits: start at the top.
    if first == 0 {
        return 0;
    }
    first.min(selected)
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
