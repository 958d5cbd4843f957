//! The router's stack operations: show a section, open a page, go back, follow a deep
//! link, filter the blog by a tag, and keep every screen's place across a reload.

use std::sync::Arc;

use super::{App, Control, Layer, Overlay};
use crate::content::links::{LinkTarget, resolve};
use crate::content::{Index, PageRef};
use crate::tui::screens::reader::ReaderScreen;
use crate::tui::screens::tags;
use crate::tui::screens::{Ctx, Origin};
use crate::tui::state::{ListState, Notice, NoticeKind, Screen, Section};
use crate::tui::strings;

/// Pages kept in the reader's history (back and forward, each).
const MAX_HISTORY: usize = 50;

/// A URL as a notice shows it: at most 60 characters.
fn clip(url: &str) -> String {
    url.chars().take(60).collect()
}

impl App {
    /// Show section `s` alone (closing what was open over it), starting or stopping the
    /// story timer.
    pub(super) fn go(&mut self, s: Section) {
        self.overlay = None;
        self.base = s;
        self.stack.clear();
        let cx = cx!(self);
        self.stories.shown(s == Section::Stories, &cx);
    }

    /// Open `page` in a reader on top. One page is open at a time: a reader further
    /// down (under the search screen) closes, and that search then goes back to Home.
    pub(super) fn open(&mut self, page: PageRef, origin: Origin) {
        let before = self.stack.len();
        self.stack.retain(|l| !matches!(l, Layer::Reader(_)));
        if self.stack.len() != before {
            self.base = Section::Home;
        }
        let cx = cx!(self);
        let reader = ReaderScreen::new(page, origin, &cx);
        self.stack.push(Layer::Reader(reader));
        self.overlay = None;
        self.stories.deadline = None;
        self.forward.clear();
    }

    /// Follow a link written on the page in the reader: another page (at a heading) or
    /// a heading of this one opens as a new reader over it, so Esc comes back to the
    /// same place; an outside link or a missing page is said on the notice line.
    pub(super) fn follow(&mut self, url: &str) {
        let Some(Layer::Reader(from)) = self.stack.last() else {
            return;
        };
        let (page, anchor) = match resolve(&self.index, Some(from.page), url) {
            LinkTarget::Page { page, anchor } => (page, anchor),
            LinkTarget::Anchor(a) => (from.page, Some(a)),
            LinkTarget::External(u) => {
                // Chosen by its `f` label: its URL is shown to open (counted as followed).
                self.say(NoticeKind::Info, strings::external(&clip(&u)));
                self.outbound(u, false);
                return;
            }
            LinkTarget::Missing(u) => {
                self.say(NoticeKind::Warn, strings::broken_link(&clip(&u)));
                return;
            }
        };
        let mut origin = from.origin.clone();
        if let Some(pos) = origin.items.iter().position(|p| *p == page) {
            origin.pos = pos;
        }
        // Counted as the page it leads to (`/blog/x#heading`), however it was written.
        let key = self.index.key(page).unwrap_or_default();
        let to = match &anchor {
            Some(a) => format!("/{key}#{a}"),
            None => format!("/{key}"),
        };
        self.outbound(to, false);
        let cx = cx!(self);
        let mut reader = ReaderScreen::new(page, origin, &cx);
        if let Some(a) = anchor {
            reader.scroll_to_anchor(&a, &cx);
        }
        // A bounded history: the oldest followed page is forgotten first.
        let readers = self
            .stack
            .iter()
            .filter(|l| matches!(l, Layer::Reader(_)))
            .count();
        if readers >= MAX_HISTORY
            && let Some(i) = self
                .stack
                .iter()
                .position(|l| matches!(l, Layer::Reader(_)))
        {
            self.stack.remove(i);
        }
        self.stack.push(Layer::Reader(reader));
        self.forward.clear();
    }

    /// Close the screen on top: a reader returns to its list with its page selected.
    pub(super) fn back(&mut self) {
        match self.stack.pop() {
            Some(Layer::Reader(mut r)) => {
                if let Some(Layer::Reader(_)) = self.stack.last() {
                    // Back over a followed link: the page left is forward (`L`).
                    r.labels = None;
                    self.forward.push(r);
                    if self.forward.len() > MAX_HISTORY {
                        self.forward.remove(0);
                    }
                } else if let Some(l) = self.list_mut(r.origin.screen) {
                    l.selected = r.origin.pos;
                }
            }
            Some(Layer::Search) if self.stack.is_empty() => self.go(self.base),
            Some(Layer::Search) | None => {}
        }
    }

    /// Open a deep link (`blog/<slug>`, `projects/<slug>`), or say it doesn't exist.
    pub(super) fn open_link(&mut self, link: &str) {
        let Some(page) = self.index.find(link) else {
            let shown: String = link.chars().take(60).collect();
            self.notice = Some(Notice {
                kind: NoticeKind::Warn,
                text: strings::unknown_page(&shown),
            });
            return;
        };
        let (section, screen) = match page {
            PageRef::Project(_) => (Section::Projects, Screen::Projects),
            PageRef::Post(_) => (Section::Blog, Screen::Blog),
        };
        let items = self.items_of(screen);
        let pos = items.iter().position(|p| *p == page).unwrap_or(0);
        if let Some(l) = self.list_mut(screen) {
            l.selected = pos;
        }
        self.base = section;
        self.open(page, Origin { screen, items, pos });
    }

    /// `#`: the tag picker. Outside the blog and a post it is the blog's: the blog is
    /// shown under it. Over a post its own tags come first (it starts on its first); on
    /// the blog list it starts on the active filter.
    pub(super) fn open_tags(&mut self) {
        if self.screen() != Screen::Blog && self.reader_page().is_none() {
            self.go(Section::Blog);
        }
        let over = self.reader_page();
        let choices = tags::choices(&self.index, over);
        let active = over.is_none().then_some(self.blog.filter.as_deref());
        let picker = tags::TagPicker::open(&choices, active.flatten(), &self.index);
        self.overlay = Some(Overlay::Tags(picker));
    }

    /// The tag picker's row `choice` was chosen.
    pub(super) fn pick_tag(&mut self, choice: usize) {
        if let Some(&tag) = tags::choices(&self.index, self.reader_page()).get(choice) {
            self.filter_blog_by(tag);
        }
    }

    /// Show the blog list filtered by `Index::tags[i]`, from wherever the guest is; from
    /// the reader, the post that was open stays selected in the list.
    pub(super) fn filter_blog_by(&mut self, i: usize) {
        let from = self.reader_page();
        let cx = cx!(self);
        self.blog.apply_tag(i, &cx);
        if self.screen() != Screen::Blog {
            self.go(Section::Blog);
        }
        let cx = cx!(self);
        if let Some(page) = from
            && let Some(pos) = self.blog.items(&cx).iter().position(|p| *p == page)
        {
            self.blog.list.selected = pos;
        }
    }

    fn list_mut(&mut self, screen: Screen) -> Option<&mut ListState> {
        match screen {
            Screen::Home => Some(&mut self.home.list),
            Screen::Projects => Some(&mut self.projects.list),
            Screen::Blog => Some(&mut self.blog.list),
            Screen::Search => Some(&mut self.search.list),
            Screen::Stories | Screen::Reader => None,
        }
    }

    fn items_of(&self, screen: Screen) -> Vec<PageRef> {
        let cx = cx!(self);
        match screen {
            Screen::Home => self.home.items(&cx),
            Screen::Projects => self.projects.items(&cx),
            Screen::Blog => self.blog.items(&cx),
            Screen::Search => self.search.pages(),
            Screen::Stories | Screen::Reader => Vec::new(),
        }
    }

    /// Every screen keeps its place in the new index; an open page that is gone closes
    /// with a notice.
    pub(super) fn on_reload(&mut self, index: Arc<Index>) -> Control {
        let old = std::mem::replace(&mut self.index, index);
        self.forward.clear();
        let cx = cx!(self);
        self.home.reload(&old, &cx);
        self.projects.reload(&old, &cx);
        self.blog.reload(&old, &cx);
        self.stories.reload(&cx);
        let choices = tags::choices(&self.index, self.reader_page());
        if let Some(Overlay::Tags(p)) = &mut self.overlay {
            p.reload(&choices);
        }
        self.search.reload(&cx);
        let mut i = 0;
        while i < self.stack.len() {
            let Layer::Reader(r) = &self.stack[i] else {
                i += 1;
                continue;
            };
            let Some(page) = self.index.find(&r.key) else {
                self.notice = Some(Notice {
                    kind: NoticeKind::Info,
                    text: strings::PAGE_REMOVED.to_string(),
                });
                self.stack.remove(i);
                if i < self.stack.len() {
                    // The search it was under goes back to Home now.
                    self.base = Section::Home;
                }
                continue;
            };
            let screen = r.origin.screen;
            let items = self.items_of(screen);
            let pos = items.iter().position(|p| *p == page).unwrap_or(0);
            let cx = cx!(self);
            if let Layer::Reader(r) = &mut self.stack[i] {
                r.page = page;
                r.origin = Origin { screen, items, pos };
                r.clamp(&cx);
            }
            i += 1;
        }
        Control::Redraw
    }
}
