//! `App` is one guest's whole UI state; `update` is the only place it changes.
//!
//! Every event (key, mouse, paste, tick, reload, guest count, background colour) comes
//! in through `update` as one `AppEvent`; keys become `Action`s through the one key
//! table in `keymap`. Views (`views`) draw from this state and never change it, except
//! for recording the clickable regions they drew into `hits` (see `HitMap`).

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use terminput::{Event, KeyCode, MouseButton, MouseEvent, MouseEventKind, ScrollDirection};

use super::highlight;
use super::keymap::{self, Action, Key};
use super::search::{self, Corpus};
use super::state::{
    BlogState, CellRun, Hit, HitMap, ListState, Notice, NoticeKind, Origin, Overlay, ReaderState,
    Screen, SearchState, Section, StoriesState, Target,
};
use super::{strings, views};
use crate::content::{Index, PageRef};
use crate::render::cache::RenderCache;
use crate::render::{RenderOptions, Rendered};
use crate::theme::{ColorDepth, ThemeKind};

/// How long a story stays up before the next one.
pub const STORY_DURATION: Duration = Duration::from_secs(6);
/// Columns one ←/→ press shifts wide code lines by.
const HSCROLL_STEP: u16 = 8;
/// Lines one wheel notch scrolls the reader by.
const WHEEL_LINES: usize = 3;

/// How a session starts.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    pub theme: ThemeKind,
    pub depth: ColorDepth,
    /// A deep link such as `blog/<slug>` or `projects/<slug>` to open first.
    pub start: Option<String>,
}

/// Everything that can happen to an `App`.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// A key, mouse or paste event from the guest (already parsed).
    Input(terminput::Event),
    /// The deadline returned by `App::next_deadline` has passed.
    Tick(Instant),
    /// The content was reloaded.
    Reloaded(Arc<Index>),
    /// The number of guests online changed.
    Guests(usize),
    /// The terminal told us its background (OSC 11 reply).
    Background(ThemeKind),
}

/// What the session should do after an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Nothing visible changed.
    Idle,
    /// Draw a new frame.
    Redraw,
    /// The guest asked to leave.
    Quit,
}

pub struct App {
    pub(crate) index: Arc<Index>,
    pub(crate) cache: RenderCache,
    pub(crate) opts: AppOptions,
    pub(crate) guests: usize,
    pub(crate) screen: Screen,
    pub(crate) overlay: Overlay,
    pub(crate) home: ListState,
    pub(crate) projects: ListState,
    pub(crate) blog: BlogState,
    pub(crate) reader: Option<ReaderState>,
    pub(crate) stories: StoriesState,
    pub(crate) search: SearchState,
    /// Lowercased text of the index for search: shared by the sessions on this index,
    /// built on first search, dropped on reload.
    corpus: Option<Arc<Corpus>>,
    pub(crate) notice: Option<Notice>,
    /// Clickable regions of the last frame, written by `view` (which takes `&self`,
    /// hence the `RefCell`) and read by mouse handling in `update`.
    pub(crate) hits: RefCell<HitMap>,
    /// The terminal's own background (its OSC 11 answer, else the first theme): a
    /// theme of another kind paints its own background.
    terminal: ThemeKind,
}

impl App {
    pub fn new(index: Arc<Index>, cache: RenderCache, opts: AppOptions) -> Self {
        let start = opts.start.clone();
        let terminal = opts.theme;
        let mut app = Self {
            index,
            cache,
            opts,
            guests: 1,
            screen: Screen::Home,
            overlay: Overlay::None,
            home: ListState::default(),
            projects: ListState::default(),
            blog: BlogState::default(),
            reader: None,
            stories: StoriesState::default(),
            search: SearchState::default(),
            corpus: None,
            notice: None,
            hits: RefCell::new(HitMap::default()),
            terminal,
        };
        if let Some(link) = start.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            app.open_link(link);
        }
        app
    }

    pub fn update(&mut self, ev: AppEvent) -> Control {
        match ev {
            AppEvent::Input(Event::Key(k)) => match Key::from_event(&k) {
                Some(key) => self.on_key(key),
                None => Control::Idle,
            },
            AppEvent::Input(Event::Mouse(m)) => self.on_mouse(m),
            AppEvent::Input(Event::Paste(text)) => self.on_paste(&text),
            AppEvent::Input(Event::Resize { .. }) => Control::Redraw,
            AppEvent::Input(_) => Control::Idle,
            AppEvent::Tick(now) => self.on_tick(now),
            AppEvent::Reloaded(index) => self.on_reload(index),
            AppEvent::Guests(n) => {
                if n == self.guests {
                    return Control::Idle;
                }
                self.guests = n;
                Control::Redraw
            }
            AppEvent::Background(kind) => {
                if (kind, kind) == (self.opts.theme, self.terminal) {
                    return Control::Idle;
                }
                (self.opts.theme, self.terminal) = (kind, kind);
                Control::Redraw
            }
        }
    }

    /// When the app next wants a `Tick`: only the story auto-advance, only while the
    /// Stories screen is up. `None` means no timer: an idle guest costs no wake-ups.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.screen {
            Screen::Stories => self.stories.deadline,
            _ => None,
        }
    }

    /// Draw the current screen. Pure: reads state, writes the frame (and records the
    /// clickable regions it drew, for the mouse).
    pub fn view(&self, frame: &mut Frame) {
        let area = frame.area();
        views::draw(self, area, frame.buffer_mut());
    }

    /// `view` into a buffer the caller owns (the session keeps its own frames).
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        views::draw(self, area, buf);
    }

    pub fn depth(&self) -> ColorDepth {
        self.opts.depth
    }

    /// The hyperlinks in the last frame, each with the cells its text covers, so the
    /// session can wrap those cells in OSC 8 (ratatui can't); the URL is on screen too.
    pub fn links(&self) -> Vec<(Rect, String)> {
        self.hits.borrow().links.clone()
    }

    /// Whether the last frame showed the guests-online label (or had room for it).
    pub fn shows_online(&self) -> bool {
        self.hits.borrow().online.is_some()
    }

    /// Take a new guest count without drawing a frame: the cells that change the label
    /// in the last frame into the new one (empty when the count is the same or the
    /// frame has no label). For a session whose cell buffers are dropped (hibernated):
    /// the next full repaint draws the same count.
    pub fn online_patch(&mut self, n: usize) -> Vec<CellRun> {
        if n == self.guests {
            return Vec::new();
        }
        self.guests = n;
        let theme = self.theme();
        let depth = self.opts.depth;
        match self.hits.get_mut().online.as_mut() {
            Some(slot) => views::online_patch(slot, n, theme, depth),
            None => Vec::new(),
        }
    }

    /// The screen shown now.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    pub fn theme_kind(&self) -> ThemeKind {
        self.opts.theme
    }

    /// Whether the page in the reader has code wider than its frame (`h`/`l` scroll it).
    pub(crate) fn page_has_wide_code(&self) -> bool {
        self.current_rendered()
            .is_some_and(|(r, _)| !r.wide_blocks.is_empty())
    }

    /// The theme as this guest sees it (painted or not, selection style for the depth).
    pub(crate) fn theme(&self) -> &'static crate::theme::Theme {
        self.opts.theme.look(self.terminal, self.opts.depth)
    }

    // ----- lists --------------------------------------------------------------------

    /// Home's selectable items: the racked projects, then the latest posts.
    pub(crate) fn home_items(&self) -> Vec<PageRef> {
        home_of(&self.index)
    }

    /// Indexes of the projects without a rack bay, in project order.
    pub(crate) fn other_projects(&self) -> Vec<usize> {
        others_of(&self.index)
    }

    /// Indexes of the projects that sit in a rack bay, in bay order.
    pub(crate) fn rack(&self) -> Vec<usize> {
        rack_of(&self.index)
    }

    pub(crate) fn project_items(&self) -> Vec<PageRef> {
        (0..self.index.projects.len())
            .map(PageRef::Project)
            .collect()
    }

    /// The blog list under the current tag filter (newest first, as the index keeps it).
    pub(crate) fn blog_items(&self) -> Vec<PageRef> {
        let filter = self.blog.filter.as_deref();
        (self.index.posts.iter().enumerate())
            .filter(|(_, p)| {
                filter.is_none_or(|f| p.tags.iter().any(|t| t.eq_ignore_ascii_case(f)))
            })
            .map(|(i, _)| PageRef::Post(i))
            .collect()
    }

    /// The tag picker's rows, as indexes into `Index::tags`: every tag in index order,
    /// except that over a post in the reader the post's own tags come first (in the
    /// post's order), so `#` then Enter filters by the post's first tag.
    pub(crate) fn tag_choices(&self) -> Vec<usize> {
        let all = 0..self.index.tags.len();
        let Some(PageRef::Post(i)) = self.reader_page() else {
            return all.collect();
        };
        let mut choices: Vec<usize> = Vec::with_capacity(self.index.tags.len());
        for t in self.index.posts.get(i).map_or(&[][..], |p| &p.tags[..]) {
            if let Some(ti) = self.tag_index(t)
                && !choices.contains(&ti)
            {
                choices.push(ti);
            }
        }
        let rest: Vec<usize> = all.filter(|t| !choices.contains(t)).collect();
        choices.extend(rest);
        choices
    }

    /// The post shown in the reader, when the reader is the screen.
    fn reader_page(&self) -> Option<PageRef> {
        (self.screen == Screen::Reader)
            .then(|| self.reader.as_ref().map(|r| r.page))
            .flatten()
    }

    /// Where `tag` is in `Index::tags` (tags compare as the blog filter does).
    pub(crate) fn tag_index(&self, tag: &str) -> Option<usize> {
        self.index
            .tags
            .iter()
            .position(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Search results that are pages (what `n`/`p` walk after opening one).
    fn search_pages(&self) -> Vec<PageRef> {
        (self.search.hits.iter())
            .filter_map(|h| match h.target {
                Target::Page(p) => Some(p),
                Target::Story(_) => None,
            })
            .collect()
    }

    fn list_len(&self, screen: Screen) -> usize {
        match screen {
            Screen::Home => self.home_items().len(),
            Screen::Projects => self.index.projects.len(),
            Screen::Blog => self.blog_items().len(),
            Screen::Search => self.search.hits.len(),
            Screen::Stories | Screen::Reader => 0,
        }
    }

    fn list_mut(&mut self, screen: Screen) -> Option<&mut ListState> {
        match screen {
            Screen::Home => Some(&mut self.home),
            Screen::Projects => Some(&mut self.projects),
            Screen::Blog => Some(&mut self.blog.list),
            Screen::Search => Some(&mut self.search.list),
            Screen::Stories | Screen::Reader => None,
        }
    }

    fn items_of(&self, screen: Screen) -> Vec<PageRef> {
        match screen {
            Screen::Home => self.home_items(),
            Screen::Projects => self.project_items(),
            Screen::Blog => self.blog_items(),
            Screen::Search => self.search_pages(),
            Screen::Stories | Screen::Reader => Vec::new(),
        }
    }

    // ----- rendering helpers shared by update and view ------------------------------

    /// The last frame's size (80×24 before the first draw).
    pub(crate) fn area(&self) -> Rect {
        let a = self.hits.borrow().area;
        if a.width == 0 || a.height == 0 {
            Rect::new(0, 0, 80, 24)
        } else {
            a
        }
    }

    /// The layout of `page` at `width`, from the cache shared by all sessions.
    pub(crate) fn rendered(&self, page: PageRef, width: u16) -> Arc<Rendered> {
        let opts = RenderOptions {
            width: width.clamp(crate::render::MIN_WIDTH, crate::render::MAX_WIDTH),
            theme: self.opts.theme,
            // Without colour, the plain layout: no highlighting or image previews, and
            // inline code keeps its backticks.
            plain: self.opts.depth == ColorDepth::None,
        };
        self.cache.get(&self.index, page, opts)
    }

    /// The reader's geometry in the last frame's area.
    pub(crate) fn reader_geometry(&self) -> views::reader::Geometry {
        let chrome = views::chrome(self.area(), self.notice.is_some());
        views::reader::geometry(self, chrome.body)
    }

    // ----- input ---------------------------------------------------------------------

    fn on_key(&mut self, key: Key) -> Control {
        let had_notice = self.notice.take().is_some();
        let quit_key = matches!(key, Key::Ctrl('c') | Key::Ctrl('d'));
        match self.overlay {
            Overlay::Help { scroll } => {
                if quit_key {
                    return Control::Quit;
                }
                // Small screens scroll the key list; any other key closes it.
                let max = views::overlay::help_max_scroll(self.area());
                let scroll = match key {
                    Key::Code(KeyCode::Down) | Key::Char('j') => scroll + 1,
                    Key::Code(KeyCode::Up) | Key::Char('k') => scroll.saturating_sub(1),
                    Key::Code(KeyCode::PageDown) | Key::Char(' ') => scroll + 5,
                    Key::Code(KeyCode::PageUp) | Key::Char('b') => scroll.saturating_sub(5),
                    _ => {
                        self.overlay = Overlay::None;
                        return Control::Redraw;
                    }
                };
                self.overlay = Overlay::Help {
                    scroll: scroll.min(max),
                };
                return Control::Redraw;
            }
            Overlay::TagPicker { selected } => {
                if quit_key {
                    return Control::Quit;
                }
                return self.on_tag_key(key, selected);
            }
            Overlay::None => {}
        }
        if self.screen == Screen::Search
            && let Some(c) = self.on_search_key(key)
        {
            return c;
        }
        // Esc over a search highlight clears it first; the next Esc goes back.
        if self.screen == Screen::Reader
            && key == Key::Code(KeyCode::Esc)
            && let Some(r) = self.reader.as_mut()
            && r.highlight.take().is_some()
        {
            return Control::Redraw;
        }
        match keymap::lookup(key, self.screen) {
            Some(action) => self.act(action),
            None if had_notice => Control::Redraw,
            None => Control::Idle,
        }
    }

    fn on_tag_key(&mut self, key: Key, selected: usize) -> Control {
        let n = self.index.tags.len();
        let step =
            |d: isize| ((selected as isize + d).clamp(0, n.saturating_sub(1) as isize)) as usize;
        self.overlay = match key {
            Key::Code(KeyCode::Up) | Key::Char('k') => Overlay::TagPicker { selected: step(-1) },
            Key::Code(KeyCode::Down) | Key::Char('j') => Overlay::TagPicker { selected: step(1) },
            Key::Code(KeyCode::Home) | Key::Char('g') => Overlay::TagPicker { selected: 0 },
            Key::Code(KeyCode::End) | Key::Char('G') => Overlay::TagPicker {
                selected: step(n as isize),
            },
            Key::Code(KeyCode::Enter) => {
                self.pick_tag(selected);
                Overlay::None
            }
            Key::Code(KeyCode::Esc | KeyCode::Backspace) | Key::Char('#' | 'q') => Overlay::None,
            _ => return Control::Idle,
        };
        Control::Redraw
    }

    /// The tag picker's row `choice` was chosen.
    fn pick_tag(&mut self, choice: usize) {
        if let Some(&tag) = self.tag_choices().get(choice) {
            self.filter_blog_by(tag);
        }
    }

    /// Show the blog list filtered by `Index::tags[i]`, from wherever the guest is; from
    /// the reader, the post that was open stays selected in the list.
    fn filter_blog_by(&mut self, i: usize) {
        let from = self.reader_page();
        self.apply_tag(i);
        if self.screen != Screen::Blog {
            self.go(Screen::Blog);
        }
        if let Some(page) = from
            && let Some(pos) = self.blog_items().iter().position(|p| *p == page)
        {
            self.blog.list.selected = pos;
        }
    }

    fn apply_tag(&mut self, i: usize) {
        if let Some(tag) = self.index.tags.get(i) {
            self.blog.filter = Some(tag.clone());
            self.blog.list = ListState::default();
        }
    }

    /// Keys the search screen's query line takes before the key table sees them.
    fn on_search_key(&mut self, key: Key) -> Option<Control> {
        match key {
            Key::Char(c) if !c.is_control() => {
                if self.search.query.chars().count() < search::MAX_QUERY {
                    self.search.query.push(c);
                    self.run_search();
                }
                Some(Control::Redraw)
            }
            Key::Code(KeyCode::Backspace) => {
                if self.search.query.pop().is_none() {
                    return Some(self.act(Action::Back));
                }
                self.run_search();
                Some(Control::Redraw)
            }
            Key::Ctrl('u') => {
                self.search.query.clear();
                self.run_search();
                Some(Control::Redraw)
            }
            _ => None,
        }
    }

    fn on_paste(&mut self, text: &str) -> Control {
        if self.screen != Screen::Search || self.overlay != Overlay::None {
            return Control::Idle;
        }
        let room = search::MAX_QUERY.saturating_sub(self.search.query.chars().count());
        let clean = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(room);
        self.search.query.extend(clean);
        self.run_search();
        Control::Redraw
    }

    fn run_search(&mut self) {
        let corpus = self
            .corpus
            .get_or_insert_with(|| search::shared(&self.index));
        self.search.hits = corpus.search(&self.search.query);
        self.search.list = ListState::default();
    }

    fn on_mouse(&mut self, m: MouseEvent) -> Control {
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let hit = self.hits.borrow().at(m.column, m.row);
                self.notice = None;
                match (self.overlay, hit) {
                    (Overlay::TagPicker { .. }, Some(Hit::Tag(i))) => {
                        self.overlay = Overlay::None;
                        self.pick_tag(i);
                        Control::Redraw
                    }
                    (Overlay::None, Some(hit)) => self.click(hit),
                    (Overlay::None, None) => Control::Idle,
                    (_, _) => {
                        self.overlay = Overlay::None;
                        Control::Redraw
                    }
                }
            }
            MouseEventKind::Scroll(dir) => {
                let down = match dir {
                    ScrollDirection::Down => true,
                    ScrollDirection::Up => false,
                    ScrollDirection::Left | ScrollDirection::Right => return Control::Idle,
                };
                if let Overlay::TagPicker { selected } = self.overlay {
                    let key = if down { KeyCode::Down } else { KeyCode::Up };
                    return self.on_tag_key(Key::Code(key), selected);
                }
                if self.overlay != Overlay::None {
                    return Control::Idle;
                }
                if self.screen == Screen::Reader {
                    let d = if down {
                        WHEEL_LINES as isize
                    } else {
                        -(WHEEL_LINES as isize)
                    };
                    self.scroll_reader_by(d);
                    Control::Redraw
                } else if self.screen == Screen::Stories {
                    Control::Idle
                } else {
                    self.act(if down { Action::Down } else { Action::Up })
                }
            }
            _ => Control::Idle,
        }
    }

    fn click(&mut self, hit: Hit) -> Control {
        match hit {
            Hit::Tab(s) => self.go(s.screen()),
            Hit::Item(i) => {
                let screen = self.screen;
                if let Some(list) = self.list_mut(screen) {
                    list.selected = i;
                }
                return self.act(Action::Open);
            }
            Hit::Story(i) => {
                self.stories.current = i.min(self.index.stories.len().saturating_sub(1));
                self.go(Screen::Stories);
            }
            Hit::Tag(i) => self.pick_tag(i),
            Hit::PostTag(i) => self.filter_blog_by(i),
            Hit::Toc(i) => {
                let line = self
                    .current_rendered()
                    .and_then(|(r, _)| r.anchors.get(i).map(|a| a.line));
                if let (Some(line), Some(reader)) = (line, self.reader.as_mut()) {
                    reader.scroll = line;
                    self.clamp_reader();
                }
            }
        }
        Control::Redraw
    }

    fn on_tick(&mut self, now: Instant) -> Control {
        if self.screen != Screen::Stories {
            self.stories.deadline = None;
            return Control::Idle;
        }
        match self.stories.deadline {
            Some(d) if now >= d => {
                let n = self.index.stories.len();
                if self.stories.current + 1 < n {
                    self.stories.current += 1;
                }
                self.stories.deadline = self.story_deadline(now);
                Control::Redraw
            }
            _ => Control::Idle,
        }
    }

    /// The next auto-advance time, or `None` on the last story (the player stops there).
    fn story_deadline(&self, now: Instant) -> Option<Instant> {
        (self.stories.current + 1 < self.index.stories.len()).then(|| now + STORY_DURATION)
    }

    // ----- actions -------------------------------------------------------------------

    fn act(&mut self, action: Action) -> Control {
        let screen = self.screen;
        match action {
            Action::Quit => return Control::Quit,
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::ToggleTheme => self.opts.theme = self.opts.theme.next(),
            Action::Section(s) => self.go(s.screen()),
            Action::NextSection | Action::PrevSection => {
                let cur = self.section().index();
                let next = if action == Action::NextSection {
                    cur + 1
                } else {
                    cur + 3
                };
                self.go(Section::ALL[next % 4].screen());
            }
            Action::Search => {
                // Searching again ends the highlight of the last search.
                if let Some(r) = self.reader.as_mut() {
                    r.highlight = None;
                }
                self.search.back = Some(screen);
                self.screen = Screen::Search;
                self.stories.deadline = None;
                self.run_search();
            }
            Action::TagFilter => {
                // Outside the blog and a post, `#` is the blog's tag picker.
                if screen != Screen::Blog && self.reader_page().is_none() {
                    self.go(Screen::Blog);
                }
                // Over a post its own tags come first: start on its first. On the blog
                // list, start on the active filter.
                let selected = match self.reader_page() {
                    Some(_) => 0,
                    None => (self.blog.filter.as_deref())
                        .and_then(|f| self.tag_index(f))
                        .and_then(|t| self.tag_choices().iter().position(|c| *c == t))
                        .unwrap_or(0),
                };
                self.overlay = Overlay::TagPicker { selected };
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                return self.move_by(action);
            }
            Action::Open => return self.open_selected(),
            Action::Back => return self.back(),
            Action::NextHeading | Action::PrevHeading => {
                self.jump_heading(action == Action::NextHeading)
            }
            Action::NextItem | Action::PrevItem => {
                let d: isize = if action == Action::NextItem { 1 } else { -1 };
                match screen {
                    Screen::Reader => self.reader_step(d),
                    Screen::Stories => self.story_step(d),
                    _ => return Control::Idle,
                }
            }
            Action::Left | Action::Right => {
                let max = self.reader_hscroll_max();
                if let Some(r) = self.reader.as_mut() {
                    r.hscroll = if action == Action::Right {
                        r.hscroll.saturating_add(HSCROLL_STEP).min(max)
                    } else {
                        r.hscroll.saturating_sub(HSCROLL_STEP)
                    };
                }
            }
        }
        Control::Redraw
    }

    /// The tab the current screen belongs to.
    pub(crate) fn section(&self) -> Section {
        let of = |s: Screen| match s {
            Screen::Projects => Section::Projects,
            Screen::Blog => Section::Blog,
            Screen::Stories => Section::Stories,
            _ => Section::Home,
        };
        match self.screen {
            Screen::Reader => self
                .reader
                .as_ref()
                .map_or(Section::Home, |r| of(r.origin.screen)),
            Screen::Search => of(self.search.back.unwrap_or(Screen::Home)),
            s => of(s),
        }
    }

    /// Show `screen` (a section screen), starting or stopping the story timer.
    fn go(&mut self, screen: Screen) {
        self.overlay = Overlay::None;
        self.screen = screen;
        self.stories.deadline = match screen {
            Screen::Stories => self.story_deadline(Instant::now()),
            _ => None,
        };
    }

    fn move_by(&mut self, action: Action) -> Control {
        let screen = self.screen;
        if screen == Screen::Reader {
            let page = self.reader_geometry().text.height.saturating_sub(2).max(1) as isize;
            match action {
                Action::Up => self.scroll_reader_by(-1),
                Action::Down => self.scroll_reader_by(1),
                Action::PageUp => self.scroll_reader_by(-page),
                Action::PageDown => self.scroll_reader_by(page),
                Action::Top => self.scroll_reader_by(isize::MIN / 2),
                _ => self.scroll_reader_by(isize::MAX / 2),
            }
            return Control::Redraw;
        }
        let len = self.list_len(screen);
        let page = (self.area().height.saturating_sub(8).max(1)) as isize;
        let Some(list) = self.list_mut(screen) else {
            return Control::Idle;
        };
        let before = list.selected;
        match action {
            Action::Up => list.step(-1, len),
            Action::Down => list.step(1, len),
            Action::PageUp => list.step(-page, len),
            Action::PageDown => list.step(page, len),
            Action::Top => list.selected = 0,
            _ => list.selected = len.saturating_sub(1),
        }
        if list.selected == before {
            Control::Idle
        } else {
            Control::Redraw
        }
    }

    fn open_selected(&mut self) -> Control {
        let screen = self.screen;
        if screen == Screen::Search {
            let Some(hit) = self.search.hits.get(self.search.list.selected).cloned() else {
                return Control::Idle;
            };
            match hit.target {
                Target::Page(page) => {
                    let items = self.search_pages();
                    let pos = items.iter().position(|p| *p == page).unwrap_or(0);
                    self.open(page, Origin { screen, items, pos });
                    let q = highlight::fold(&search::normalize(&self.search.query));
                    if let Some(r) = self.reader.as_mut() {
                        r.highlight = (!q.is_empty()).then_some(q);
                    }
                    self.scroll_to_query();
                }
                Target::Story(i) => {
                    self.stories.current = i;
                    self.go(Screen::Stories);
                }
            }
            return Control::Redraw;
        }
        let items = self.items_of(screen);
        let pos = match self.list_mut(screen) {
            Some(l) => l.selected,
            None => return Control::Idle,
        };
        match items.get(pos).copied() {
            Some(page) => {
                self.open(page, Origin { screen, items, pos });
                Control::Redraw
            }
            None => Control::Idle,
        }
    }

    fn open(&mut self, page: PageRef, origin: Origin) {
        let key = self.index.key(page).unwrap_or_default();
        self.reader = Some(ReaderState {
            page,
            key,
            scroll: 0,
            width: 0,
            hscroll: 0,
            origin,
            highlight: None,
        });
        self.overlay = Overlay::None;
        self.screen = Screen::Reader;
        self.stories.deadline = None;
    }

    /// Open a deep link (`blog/<slug>`, `projects/<slug>`), or say it doesn't exist.
    fn open_link(&mut self, link: &str) {
        let Some(page) = self.index.find(link) else {
            let shown: String = link.chars().take(60).collect();
            self.notice = Some(Notice {
                kind: NoticeKind::Warn,
                text: strings::unknown_page(&shown),
            });
            return;
        };
        let screen = match page {
            PageRef::Project(_) => Screen::Projects,
            PageRef::Post(_) => Screen::Blog,
        };
        let items = self.items_of(screen);
        let pos = items.iter().position(|p| *p == page).unwrap_or(0);
        if let Some(l) = self.list_mut(screen) {
            l.selected = pos;
        }
        self.open(page, Origin { screen, items, pos });
    }

    fn back(&mut self) -> Control {
        match self.screen {
            Screen::Reader => {
                if let Some(r) = self.reader.take() {
                    let screen = r.origin.screen;
                    if let Some(l) = self.list_mut(screen) {
                        l.selected = r.origin.pos;
                    }
                    self.screen = screen;
                }
            }
            Screen::Search => {
                let back = self.search.back.unwrap_or(Screen::Home);
                if back == Screen::Reader && self.reader.is_some() {
                    self.screen = Screen::Reader;
                } else if back == Screen::Reader {
                    self.go(Screen::Home);
                } else {
                    self.go(back);
                }
            }
            Screen::Stories => self.go(Screen::Home),
            Screen::Blog if self.blog.filter.is_some() => {
                self.blog.filter = None;
                self.blog.list = ListState::default();
            }
            _ => return Control::Idle,
        }
        Control::Redraw
    }

    fn reader_step(&mut self, d: isize) {
        let Some(r) = self.reader.as_ref() else {
            return;
        };
        let pos = r.origin.pos as isize + d;
        if pos < 0 || pos as usize >= r.origin.items.len() {
            // Say so, rather than do nothing.
            self.notice = Some(Notice {
                kind: NoticeKind::Info,
                text: if d < 0 {
                    strings::FIRST_ITEM
                } else {
                    strings::LAST_ITEM
                }
                .to_string(),
            });
            return;
        }
        let mut origin = r.origin.clone();
        origin.pos = pos as usize;
        let page = origin.items[origin.pos];
        self.open(page, origin);
    }

    fn story_step(&mut self, d: isize) {
        let n = self.index.stories.len();
        if n == 0 {
            return;
        }
        let want = self.stories.current as isize + d;
        if want < 0 || want >= n as isize {
            self.notice = Some(Notice {
                kind: NoticeKind::Info,
                text: if d < 0 {
                    strings::FIRST_ITEM
                } else {
                    strings::LAST_ITEM
                }
                .to_string(),
            });
        }
        let cur = want.clamp(0, n as isize - 1);
        self.stories.current = cur as usize;
        self.stories.deadline = self.story_deadline(Instant::now());
    }

    // ----- reader --------------------------------------------------------------------

    /// The current page's layout and the text height it is shown in.
    fn current_rendered(&self) -> Option<(Arc<Rendered>, u16)> {
        let r = self.reader.as_ref()?;
        let g = self.reader_geometry();
        Some((self.rendered(r.page, g.text.width), g.text.height))
    }

    /// Move the reader's scroll, counted at another width (before a resize), to the
    /// same place at the current width: the block that was on the top row stays there.
    fn sync_reader_width(&mut self) {
        let Some(r) = self.reader.as_ref() else {
            return;
        };
        let width = self.reader_geometry().text.width;
        let line = views::reader::scroll_at(self, r, width);
        if let Some(r) = self.reader.as_mut() {
            (r.scroll, r.width) = (line, width);
        }
    }

    fn scroll_reader_by(&mut self, d: isize) {
        self.sync_reader_width();
        if let Some(r) = self.reader.as_mut() {
            r.scroll = (r.scroll as isize).saturating_add(d).max(0) as usize;
        }
        self.clamp_reader();
    }

    fn clamp_reader(&mut self) {
        let Some((rendered, height)) = self.current_rendered() else {
            return;
        };
        // Past the last page, until the last heading can reach the top row.
        let max = rendered.max_scroll(height as usize);
        let width = self.reader_geometry().text.width;
        if let Some(r) = self.reader.as_mut() {
            r.scroll = r.scroll.min(max);
            r.width = width;
        }
    }

    fn jump_heading(&mut self, forward: bool) {
        self.sync_reader_width();
        let Some((rendered, _)) = self.current_rendered() else {
            return;
        };
        let Some(r) = self.reader.as_mut() else {
            return;
        };
        let target = if forward {
            rendered.anchors.iter().find(|a| a.line > r.scroll)
        } else {
            rendered.anchors.iter().rev().find(|a| a.line < r.scroll)
        };
        match target {
            Some(a) => r.scroll = a.line,
            None if !forward => r.scroll = 0,
            None => {}
        }
        self.clamp_reader();
    }

    fn reader_hscroll_max(&self) -> u16 {
        let Some((rendered, _)) = self.current_rendered() else {
            return 0;
        };
        rendered.hscroll_max()
    }

    /// After opening a search hit, scroll to the first body line showing the query (a
    /// hit past the edge of a wide code line also scrolls sideways to it).
    fn scroll_to_query(&mut self) {
        let Some(q) = self.reader.as_ref().and_then(|r| r.highlight.clone()) else {
            return;
        };
        let Some((rendered, _)) = self.current_rendered() else {
            return;
        };
        let found = rendered.lines.iter().enumerate().find_map(|(i, l)| {
            if highlight::contains(l, &q) {
                return Some((i, 0));
            }
            let wide = rendered.wide.iter().find(|w| w.line == i)?;
            let inner = rendered.wide_blocks.get(wide.block)?.inner as usize;
            let (start, end) = highlight::columns(&wide.code, &q).first().copied()?;
            // Show the hit with a little of what comes before it.
            Some((i, end.saturating_sub(inner).max(start.saturating_sub(8))))
        });
        let max_h = self.reader_hscroll_max() as usize;
        if let (Some((line, h)), Some(r)) = (found, self.reader.as_mut()) {
            r.scroll = line.saturating_sub(2);
            r.hscroll = h.min(max_h) as u16;
        }
        self.clamp_reader();
    }

    // ----- reload --------------------------------------------------------------------

    fn on_reload(&mut self, index: Arc<Index>) -> Control {
        let old = std::mem::replace(&mut self.index, index);
        let keep = |app: &App, items_old: Vec<PageRef>, sel: usize, items_new: Vec<PageRef>| {
            let key = items_old.get(sel).and_then(|p| old.key(*p));
            key.and_then(|k| app.index.find(&k))
                .and_then(|p| items_new.iter().position(|q| *q == p))
                .unwrap_or(sel.min(items_new.len().saturating_sub(1)))
        };
        // Items of the old index, computed before state refers to the new one.
        let old_home = home_of(&old);
        let old_projects: Vec<PageRef> = (0..old.projects.len()).map(PageRef::Project).collect();
        let old_blog: Vec<PageRef> = {
            let f = self.blog.filter.as_deref();
            (old.posts.iter().enumerate())
                .filter(|(_, p)| f.is_none_or(|f| p.tags.iter().any(|t| t.eq_ignore_ascii_case(f))))
                .map(|(i, _)| PageRef::Post(i))
                .collect()
        };
        if let Some(f) = &self.blog.filter
            && !self.index.tags.iter().any(|t| t.eq_ignore_ascii_case(f))
        {
            self.blog.filter = None;
        }
        self.home.selected = keep(self, old_home, self.home.selected, self.home_items());
        self.projects.selected = keep(
            self,
            old_projects,
            self.projects.selected,
            self.project_items(),
        );
        self.blog.list.selected = keep(self, old_blog, self.blog.list.selected, self.blog_items());
        self.stories.current = self
            .stories
            .current
            .min(self.index.stories.len().saturating_sub(1));
        if let Overlay::TagPicker { selected } = self.overlay {
            let selected = selected.min(self.tag_choices().len().saturating_sub(1));
            self.overlay = Overlay::TagPicker { selected };
        }
        self.corpus = None;
        if !self.search.query.is_empty() {
            let sel = self.search.list.selected;
            self.run_search();
            self.search.list.clamp(self.search.hits.len());
            self.search.list.selected = sel.min(self.search.hits.len().saturating_sub(1));
        }
        if let Some(r) = self.reader.take() {
            match self.index.find(&r.key) {
                Some(page) => {
                    let items = self.items_of(r.origin.screen);
                    let pos = items.iter().position(|p| *p == page).unwrap_or(0);
                    let origin = Origin {
                        screen: r.origin.screen,
                        items,
                        pos,
                    };
                    self.reader = Some(ReaderState { page, origin, ..r });
                    self.clamp_reader();
                }
                None => {
                    self.notice = Some(Notice {
                        kind: NoticeKind::Info,
                        text: strings::PAGE_REMOVED.to_string(),
                    });
                    if self.screen == Screen::Reader {
                        self.screen = r.origin.screen;
                    }
                }
            }
        }
        if self.screen == Screen::Search
            && self.search.back == Some(Screen::Reader)
            && self.reader.is_none()
        {
            self.search.back = Some(Screen::Home);
        }
        Control::Redraw
    }
}

/// The projects that sit in a rack bay, ordered as a rack is: by bay label with its
/// number compared as a number ("BAY 2" before "BAY 10"), then by project order.
/// Home's items: the rack in bay order, the other projects, then every post.
fn home_of(index: &Index) -> Vec<PageRef> {
    let rack = rack_of(index).into_iter().map(PageRef::Project);
    let others = others_of(index).into_iter().map(PageRef::Project);
    let posts = (0..index.posts.len()).map(PageRef::Post);
    rack.chain(others).chain(posts).collect()
}

fn others_of(index: &Index) -> Vec<usize> {
    (index.projects.iter().enumerate())
        .filter(|(_, p)| p.rack_bay.is_none())
        .map(|(i, _)| i)
        .collect()
}

fn rack_of(index: &Index) -> Vec<usize> {
    let mut rack: Vec<(usize, &str)> = (index.projects.iter().enumerate())
        .filter_map(|(i, p)| p.rack_bay.as_deref().map(|bay| (i, bay)))
        .collect();
    let key = |bay: &str| {
        let digits: String = bay.chars().filter(|c| c.is_ascii_digit()).collect();
        let number = digits.parse::<u64>().unwrap_or(u64::MAX);
        let prefix: String = bay.chars().filter(|c| !c.is_ascii_digit()).collect();
        (prefix.trim().to_lowercase(), number)
    };
    rack.sort_by(|a, b| key(a.1).cmp(&key(b.1)).then(a.0.cmp(&b.0)));
    rack.into_iter().map(|(i, _)| i).collect()
}
