//! `App` is one guest's UI: a router over the screens in `screens/`. It keeps the stack
//! of open screens, the overlay, the notice line and the global keys; everything else is
//! the screen on top's business.
//!
//! Every event (key, mouse, paste, tick, reload, guest count, background colour) comes
//! in through `update` as one `AppEvent`; keys become `Action`s through the one key
//! table in `keymap`. Global actions (quit, help, theme, sections, search, tags) are
//! handled here; the rest go to the screen on top, which answers with a `Step` (redraw,
//! open a page, go back…) that the router applies. Views draw from this state and never
//! change it, except for recording the clickable regions they drew into `hits`.
//!
//! The stack: a section screen (Home, Projects, Blog, Stories) at the bottom, then the
//! screens opened over it, each a `Layer` (the search screen, a reader). Esc pops.
//!
//! Beside this file: `app/stack.rs` (show a section, open, back, deep links, reload),
//! `app/frame.rs` (drawing a frame and what the session reads back from it),
//! `app/pointer.rs` (mouse and paste), `app/browse.rs` (history, copies, mouse and
//! picture toggles), `app/seen.rs` (reading place, the resume offer), `app/first.rs`
//! (what sharing a first frame asks of the app).

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use terminput::{Event, KeyCode};

use super::keymap::{self, Action, Key};
use super::screens::blog::BlogScreen;
use super::screens::home::HomeScreen;
use super::screens::projects::ProjectsScreen;
use super::screens::reader::ReaderScreen;
use super::screens::search::SearchScreen;
use super::screens::stories::StoriesScreen;
use super::screens::tags::{TagPicker, TagStep};
use super::screens::{Ctx, Step, help};
use super::state::{HitMap, Notice, NoticeKind, Screen, Section};
use crate::content::{Index, PageRef};
use crate::graphics::Protocol;
use crate::render::cache::RenderCache;
use crate::theme::{ColorDepth, ThemeKind};

pub use super::screens::stories::STORY_DURATION;

/// How a session starts.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    pub theme: ThemeKind,
    pub depth: ColorDepth,
    /// A deep link such as `blog/<slug>` or `projects/<slug>` to open first.
    pub start: Option<String>,
    /// How pictures are shown (the session changes it once the terminal answers).
    pub images: Protocol,
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
    /// The terminal's answers decided how pictures are shown.
    Images(Protocol),
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

/// A screen opened over the section screen.
pub(crate) enum Layer {
    Reader(ReaderScreen),
    /// The search screen (its state is kept in `App::search` between visits).
    Search,
}

/// Something drawn over the screen that takes the keys until it closes.
pub(crate) enum Overlay {
    /// The key list, scrolled down this many rows (small screens).
    Help(usize),
    Tags(TagPicker),
}

/// The context for the screens, from the app's fields (so a screen field can be
/// borrowed mutably beside it).
macro_rules! cx {
    ($app:ident) => {
        Ctx {
            index: &$app.index,
            cache: &$app.cache,
            theme: $app.opts.theme,
            depth: $app.opts.depth,
            guests: $app.guests,
            notice: $app.notice.is_some(),
            hits: &$app.hits,
            images: if $app.images_off {
                crate::graphics::Protocol::None
            } else {
                $app.opts.images
            },
            kept: None,
        }
    };
}

// After `cx!`, which they use.
mod browse;
mod first;
mod frame;
mod glide;
mod pointer;
mod seen;
mod stack;

pub use first::FirstKind;
pub use glide::{ReaderMove, ViewMemo};

pub struct App {
    index: Arc<Index>,
    cache: RenderCache,
    opts: AppOptions,
    guests: usize,
    home: HomeScreen,
    projects: ProjectsScreen,
    blog: BlogScreen,
    stories: StoriesScreen,
    search: SearchScreen,
    /// The section screen at the bottom of the stack.
    base: Section,
    /// The screens open over `base`, the last on top.
    stack: Vec<Layer>,
    overlay: Option<Overlay>,
    notice: Option<Notice>,
    /// Readers left by `H` or going back over a followed link, for `L`.
    forward: Vec<ReaderScreen>,
    /// Mouse reporting is on (the default); `m` toggles it.
    mouse: bool,
    /// Escapes for the guest's terminal besides the frame: a mouse mode change, the
    /// latest copy (OSC 52). Taken by the session; a newer copy replaces an unsent one.
    mouse_escape: Option<&'static [u8]>,
    clipboard: Option<Vec<u8>>,
    /// Links followed and copies (`true`) for the owner's analytics (`seen.rs`).
    outbound: Vec<(String, bool)>,
    /// Clickable regions of the last frame, written by `view` (which takes `&self`,
    /// hence the `RefCell`) and read by mouse handling in `update`.
    hits: RefCell<HitMap>,
    /// The guest turned pictures off with `i`.
    images_off: bool,
    /// The terminal's own background (its OSC 11 answer, else the first theme): a
    /// theme of another kind paints its own background.
    terminal: ThemeKind,
    /// An unfinished post offered on Home to a returning guest (`seen.rs`).
    resume: Option<seen::ResumeOffer>,
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
            home: HomeScreen::default(),
            projects: ProjectsScreen::default(),
            blog: BlogScreen::default(),
            stories: StoriesScreen::default(),
            search: SearchScreen::default(),
            base: Section::Home,
            stack: Vec::new(),
            overlay: None,
            notice: None,
            forward: Vec::new(),
            mouse: true,
            mouse_escape: None,
            clipboard: None,
            outbound: Vec::new(),
            hits: RefCell::new(HitMap::default()),
            images_off: false,
            terminal,
            resume: None,
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
            AppEvent::Images(p) => {
                if p == self.opts.images {
                    return Control::Idle;
                }
                self.opts.images = p;
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
        match self.screen() {
            Screen::Stories => self.stories.deadline,
            _ => None,
        }
    }

    pub fn depth(&self) -> ColorDepth {
        self.opts.depth
    }

    /// The screen shown now: the top of the stack.
    pub fn screen(&self) -> Screen {
        match self.stack.last() {
            Some(Layer::Reader(_)) => Screen::Reader,
            Some(Layer::Search) => Screen::Search,
            None => self.base.screen(),
        }
    }

    pub fn theme_kind(&self) -> ThemeKind {
        self.opts.theme
    }

    /// The theme as this guest sees it (painted or not, selection style for the depth).
    fn theme(&self) -> &'static crate::theme::Theme {
        self.opts.theme.look(self.terminal, self.opts.depth)
    }

    /// The tab the current screen belongs to: a reader's is its list's (a search's
    /// results count as Home), the search screen's is what it was opened over.
    pub(crate) fn section(&self) -> Section {
        let of = |s: Screen| match s {
            Screen::Projects => Section::Projects,
            Screen::Blog => Section::Blog,
            Screen::Stories => Section::Stories,
            _ => Section::Home,
        };
        let n = self.stack.len();
        match self.stack.last() {
            Some(Layer::Reader(r)) => of(r.origin.screen),
            Some(Layer::Search) => match n.checked_sub(2).map(|i| &self.stack[i]) {
                Some(Layer::Reader(_)) => Section::Home,
                Some(Layer::Search) => Section::Home,
                None => self.base,
            },
            None => self.base,
        }
    }

    /// The page shown in the reader, when the reader is the screen.
    fn reader_page(&self) -> Option<PageRef> {
        match self.stack.last() {
            Some(Layer::Reader(r)) => Some(r.page),
            _ => None,
        }
    }

    // ----- routing -------------------------------------------------------------------

    fn on_key(&mut self, key: Key) -> Control {
        if let Some(c) = self.take_resume(key) {
            return c;
        }
        let had_notice = self.notice.take().is_some();
        let quit_key = matches!(key, Key::Ctrl('c') | Key::Ctrl('d'));
        let cx = cx!(self);
        match &mut self.overlay {
            Some(_) if quit_key => return Control::Quit,
            Some(Overlay::Help(scroll)) => {
                self.overlay = help::key(*scroll, key, &cx).map(Overlay::Help);
                return Control::Redraw;
            }
            Some(Overlay::Tags(p)) => {
                let step = p.key(key, &cx);
                return self.tag_step(step);
            }
            None => {}
        }
        let step = match self.stack.last_mut() {
            // The query line takes its keys before the key table sees them.
            Some(Layer::Search) => self.search.key(key, &cx),
            // Link labels take every key until one is chosen or they are dismissed.
            Some(Layer::Reader(r)) if r.labels.is_some() => r.label_key(key, &cx),
            // Esc over a search highlight clears it first; the next Esc goes back.
            Some(Layer::Reader(r)) if key == Key::Code(KeyCode::Esc) => {
                r.clear_highlight().then_some(Step::Redraw)
            }
            _ => None,
        };
        if let Some(step) = step {
            return self.apply(step);
        }
        match keymap::lookup(key, self.screen()) {
            Some(action) => self.act(action),
            None if had_notice => Control::Redraw,
            None => Control::Idle,
        }
    }

    fn on_tick(&mut self, now: Instant) -> Control {
        if self.screen() != Screen::Stories {
            self.stories.deadline = None;
            return Control::Idle;
        }
        let cx = cx!(self);
        let step = self.stories.tick(now, &cx);
        self.apply(step)
    }

    /// A global action, or the screen on top's.
    fn act(&mut self, action: Action) -> Control {
        match action {
            Action::Quit => return Control::Quit,
            Action::Help => self.overlay = Some(Overlay::Help(0)),
            Action::ToggleTheme => self.opts.theme = self.opts.theme.next(),
            Action::ToggleImages => self.toggle_images(),
            Action::ToggleMouse => self.toggle_mouse(),
            Action::HistoryBack | Action::HistoryForward => {
                return self.history(action == Action::HistoryForward);
            }
            Action::Section(s) => self.go(s),
            Action::NextSection | Action::PrevSection => {
                let cur = self.section().index();
                let next = if action == Action::NextSection {
                    cur + 1
                } else {
                    cur + 3
                };
                self.go(Section::ALL[next % 4]);
            }
            Action::Search => {
                // Searching again ends the highlight of the last search.
                for layer in &mut self.stack {
                    if let Layer::Reader(r) = layer {
                        r.highlight = None;
                    }
                }
                if self.screen() != Screen::Search {
                    self.stack.push(Layer::Search);
                }
                self.stories.deadline = None;
                let cx = cx!(self);
                self.search.run(&cx);
            }
            Action::TagFilter => self.open_tags(),
            _ => {
                let cx = cx!(self);
                let step = match self.stack.last_mut() {
                    Some(Layer::Reader(r)) => r.act(action, &cx),
                    Some(Layer::Search) => self.search.act(action, &cx),
                    None => match self.base {
                        Section::Home => self.home.act(action, &cx),
                        Section::Projects => self.projects.act(action, &cx),
                        Section::Blog => self.blog.act(action, &cx),
                        Section::Stories => self.stories.act(action, &cx),
                    },
                };
                return self.apply(step);
            }
        }
        Control::Redraw
    }

    /// Do what a screen asked for.
    fn apply(&mut self, step: Step) -> Control {
        match step {
            Step::Idle => return Control::Idle,
            Step::Redraw => {}
            Step::Open {
                page,
                origin,
                highlight,
            } => {
                self.open(page, origin);
                let cx = cx!(self);
                if let Some(Layer::Reader(r)) = self.stack.last_mut() {
                    r.highlight = highlight;
                    r.scroll_to_query(&cx);
                }
            }
            Step::Replace { page, origin } => {
                self.stack.pop();
                self.open(page, origin);
            }
            Step::Back => self.back(),
            Step::Home => self.go(Section::Home),
            Step::Story(i) => {
                let cx = cx!(self);
                self.stories.select(i, &cx);
                self.go(Section::Stories);
            }
            Step::FilterBlog(i) => self.filter_blog_by(i),
            Step::Follow(url) => self.follow(&url),
            Step::Copy { text, what, about } => self.copy(&text, &what, about),
            Step::Notice(text) => self.say(NoticeKind::Info, text),
        }
        Control::Redraw
    }

    fn tag_step(&mut self, step: TagStep) -> Control {
        match step {
            TagStep::Idle => return Control::Idle,
            TagStep::Stay => {}
            TagStep::Close => self.overlay = None,
            TagStep::Pick(i) => {
                self.pick_tag(i);
                self.overlay = None;
            }
        }
        Control::Redraw
    }
}
