//! The plain data the router and every screen share: the sections and screen ids, a
//! list selection, the notice, and the hit map of clickable regions a frame drew. Each
//! screen's own state lives in its file under `screens/`.

use ratatui::layout::Rect;

/// The four sections of the tab bar, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Home,
    Projects,
    Blog,
    Stories,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Home,
        Section::Projects,
        Section::Blog,
        Section::Stories,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            Section::Home => 0,
            Section::Projects => 1,
            Section::Blog => 2,
            Section::Stories => 3,
        }
    }

    pub(crate) fn screen(self) -> Screen {
        match self {
            Section::Home => Screen::Home,
            Section::Projects => Screen::Projects,
            Section::Blog => Screen::Blog,
            Section::Stories => Screen::Stories,
        }
    }
}

/// The screen that fills the body of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    Home,
    Projects,
    Blog,
    Stories,
    Reader,
    Search,
}

impl Screen {
    /// The bit of this screen in a keymap `Scope`.
    pub(crate) const fn bit(self) -> u8 {
        match self {
            Screen::Home => 1,
            Screen::Projects => 2,
            Screen::Blog => 4,
            Screen::Stories => 8,
            Screen::Reader => 16,
            Screen::Search => 32,
        }
    }
}

/// A selection in a list (the view derives the scroll offset from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListState {
    pub selected: usize,
}

impl ListState {
    pub(crate) fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }
    pub(crate) fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }
}

/// A one-line message shown above the footer until the next key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Warn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

/// What a mouse click at a cell means, recorded by the views as they draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Tab(Section),
    /// The n-th item of the current screen's list.
    Item(usize),
    /// A story chip on the home screen.
    Story(usize),
    /// A row of the tag picker (indexes the picker's choices, `screens::tags::choices`).
    Tag(usize),
    /// A tag shown on a post (indexes `Index::tags`): opens the blog filtered by it.
    PostTag(usize),
    /// A table of contents entry (index into the anchors).
    Toc(usize),
    /// A link to a page of the site in the reader (index into `Rendered::links`).
    Link(usize),
}

/// The clickable regions of the last frame. The views fill it while drawing (the
/// only state they touch, through a `RefCell` in `App`), and `update` reads it to
/// turn a click into an action: the rectangles are exactly the ones drawn, with no
/// second layout pass to keep in sync.
#[derive(Debug, Clone, Default)]
pub struct HitMap {
    pub regions: Vec<(Rect, Hit)>,
    /// The whole frame area of the last draw.
    pub area: Rect,
    /// Hyperlinks drawn, with the cells their text covers (for OSC 8 wrapping).
    pub links: Vec<(Rect, String)>,
    /// Where the tab bar has room for the guests-online label, when nothing covers it.
    pub online: Option<OnlineSlot>,
    /// Pictures drawn as pixels (the cells under them left blank), for the session to
    /// write after the frame's cells.
    pub pictures: Vec<crate::graphics::Placement>,
    /// The reader's text rows, when they are its layout's lines and nothing else.
    pub text: Option<TextRows>,
}

/// The reader's text rows in a frame when they show the page's lines and nothing else
/// (no search marks, link labels or pictures in view): the next frame of the same
/// layout need not draw again the rows both show
/// (the session moves them, `App::render_over`), and their keys with them.
#[derive(Debug, Clone)]
pub struct TextRows {
    pub rect: Rect,
    /// The line on the rect's top row.
    pub first: usize,
    /// The layout drawn (compared by address; the `Weak` keeps the address from being
    /// reused while this is kept) and how far wide code was shifted sideways.
    pub layout: std::sync::Weak<crate::render::Rendered>,
    pub hscroll: u16,
}

impl TextRows {
    /// Where the next frame's rows (`next`) show what this frame's rows showed: the
    /// rows of `next.rect` whose lines both frames show, and how far they moved (row
    /// `y` shows what row `y + by` showed). `None` unless the same layout is drawn in
    /// the same place.
    pub fn kept_in(&self, next: &TextRows) -> Option<(Rect, i32)> {
        let same = self.rect == next.rect
            && self.hscroll == next.hscroll
            && std::ptr::eq(self.layout.as_ptr(), next.layout.as_ptr());
        let by = i32::try_from(next.first as i64 - self.first as i64).ok()?;
        let (r, h) = (next.rect, i32::from(next.rect.height));
        let (top, bottom) = (0.max(-by), h.min(h - by));
        (same && top < bottom).then(|| {
            let rows = Rect::new(r.x, r.y + top as u16, r.width, (bottom - top) as u16);
            (rows, by)
        })
    }
}

/// The place of the guests-online label in the last frame, so that a hibernated session
/// (no cell buffers) can rewrite just those cells when the count changes: see
/// `App::online_patch`. The label is right-aligned on row `y`, ending at `right`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnlineSlot {
    pub y: u16,
    /// The first column the label drew (its `●`); `right` when it did not fit.
    pub x: u16,
    /// One past the label's last column (the tab bar's right edge).
    pub right: u16,
    /// Columns a label (with its margin) may take beside the tabs: a wider one is left
    /// out, as the tab bar leaves it out.
    pub room: u16,
}

/// Cells to write over the last frame: `text` at (`x`, `y`) in `style`, colours already
/// in the guest's depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRun {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub style: ratatui::style::Style,
}

impl HitMap {
    pub(crate) fn at(&self, x: u16, y: u16) -> Option<Hit> {
        self.regions
            .iter()
            .rev()
            .find(|(r, _)| x >= r.x && x < r.right() && y >= r.y && y < r.bottom())
            .map(|(_, h)| *h)
    }
}
