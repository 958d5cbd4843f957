//! The screens: one file per screen, each owning its state, its `act` for the actions
//! it handles (keys come in as `keymap::Action`s), its pure `view`, and the clickable
//! regions it draws. `App` (the router) keeps them and routes events to the one on top.
//!
//! What every screen needs comes in a `Ctx` (index, render cache, theme, colour depth,
//! guests online, the last frame's size, and the hit map a view records its regions in).
//! What a screen cannot do alone (open a page, go back, show another section) it asks the
//! router for with a `Step`.
//!
//! - `home`, `projects`, `blog`: the section lists.
//! - `stories`: the stories player (the only screen with a timer).
//! - `reader`: one page, scrolled; the router's stack holds the open readers.
//! - `search`: the query line and its results.
//! - `help`, `tags`: the overlays (the `?` help and the tag picker).

pub(crate) mod blog;
pub(crate) mod help;
pub(crate) mod home;
pub(crate) mod projects;
pub(crate) mod reader;
pub(crate) mod search;
pub(crate) mod stories;
pub(crate) mod tags;

use std::cell::RefCell;
use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::keymap::Action;
use super::state::{Hit, HitMap, ListState, Screen};
use crate::content::images::Preview;
use crate::content::{Index, PageRef};
use crate::graphics::Protocol;
use crate::render::cache::RenderCache;
use crate::render::{RenderOptions, Rendered};
use crate::theme::{ColorDepth, ThemeKind};

/// What every screen may read: shared, read-only, built by the router for each call.
pub(crate) struct Ctx<'a> {
    pub index: &'a Arc<Index>,
    pub cache: &'a RenderCache,
    pub theme: ThemeKind,
    pub depth: ColorDepth,
    /// Guests online now (the tab bar shows it; a screen may too).
    #[allow(dead_code)]
    pub guests: usize,
    /// Whether the notice line takes a row above the footer (the body is a row shorter).
    pub notice: bool,
    /// The last frame's clickable regions and size; a view records what it draws here.
    pub hits: &'a RefCell<HitMap>,
    /// How pictures are shown to this guest now (`None` when off).
    pub images: Protocol,
    /// Cells of the buffer being drawn that already hold what this frame shows there
    /// (the reader's rows kept from the last frame, `App::render_over`): not drawn.
    pub kept: Option<Rect>,
}

impl Ctx<'_> {
    /// The last frame's size (80×24 before the first draw).
    pub fn area(&self) -> Rect {
        let a = self.hits.borrow().area;
        if a.width == 0 || a.height == 0 {
            Rect::new(0, 0, 80, 24)
        } else {
            a
        }
    }

    /// The body of the last frame (between the tab bar's rule and the notice/footer).
    pub fn body(&self) -> Rect {
        super::views::chrome(self.area(), self.notice).body
    }

    /// The layout of `page` at `width`, from the cache shared by all sessions.
    pub fn rendered(&self, page: PageRef, width: u16) -> Arc<Rendered> {
        let opts = RenderOptions {
            width: width.clamp(crate::render::MIN_WIDTH, crate::render::MAX_WIDTH),
            theme: self.theme,
            // Without colour, the plain layout: no highlighting or image previews, and
            // inline code keeps its backticks.
            plain: self.depth == ColorDepth::None,
        };
        self.cache.get(self.index, page, opts)
    }

    /// Where `tag` is in `Index::tags` (tags compare as the blog filter does).
    pub fn tag_index(&self, tag: &str) -> Option<usize> {
        tag_index(self.index, tag)
    }

    /// Record a clickable region of the frame being drawn.
    pub fn hit(&self, r: Rect, h: Hit) {
        self.hits.borrow_mut().regions.push((r, h));
    }

    /// Draw `image` in `area`: as pixels (the cells cleared, the placement recorded for
    /// the session), as half-blocks, or not at all (`false`: pictures are off).
    pub fn picture(&self, area: Rect, image: &Arc<Preview>, buf: &mut Buffer) -> bool {
        self.picture_clipped(area, crate::graphics::Clip::default(), image, buf)
    }

    /// `picture` for a box partly scrolled out of view: `area` is the part on screen,
    /// `clip` says where it is in the whole box (pixel protocols draw those rows of the
    /// picture; half-blocks are the caller's).
    pub fn picture_clipped(
        &self,
        area: Rect,
        clip: crate::graphics::Clip,
        image: &Arc<Preview>,
        buf: &mut Buffer,
    ) -> bool {
        if area.width == 0 || area.height == 0 {
            return false;
        }
        match self.images {
            Protocol::None => false,
            p if p.pixels() && image.picture.is_some() => {
                // Blank cells in the page's colours: what a picture does not cover (the
                // rest of its last row) shows the page, not what was drawn there.
                let t = self.theme.theme();
                let blank = ratatui::style::Style::default().fg(t.fg).bg(t.bg);
                for y in area.y..area.bottom() {
                    for x in area.x..area.right() {
                        if let Some(c) = buf.cell_mut((x, y)) {
                            c.reset();
                            c.set_symbol(" ").set_style(blank);
                        }
                    }
                }
                self.hits
                    .borrow_mut()
                    .pictures
                    .push(crate::graphics::Placement {
                        area,
                        image: image.clone(),
                        clip,
                    });
                true
            }
            _ => {
                let rows = crate::render::preview_lines(
                    image,
                    usize::from(area.width),
                    usize::from(area.height),
                );
                let h = rows.len() as u16;
                let w = rows.first().map_or(0, |l| l.width() as u16);
                let x = area.x + area.width.saturating_sub(w) / 2;
                let y = area.y + area.height.saturating_sub(h) / 2;
                for (i, line) in rows.iter().enumerate() {
                    buf.set_line(x, y + i as u16, line, w);
                }
                true
            }
        }
    }

    /// Record a hyperlink drawn over `r`.
    pub fn link(&self, r: Rect, url: &str) {
        if r.width > 0 && !url.is_empty() {
            self.hits.borrow_mut().links.push((r, url.to_string()));
        }
    }

    /// How many clickable regions and links are recorded so far (see `shift_hits`).
    pub fn hit_marks(&self) -> (usize, usize) {
        let h = self.hits.borrow();
        (h.regions.len(), h.links.len())
    }

    /// Move the regions and links recorded since `marks` up by `off` rows (they were
    /// drawn on a canvas scrolled by that much) and drop those outside `view`.
    pub fn shift_hits(&self, marks: (usize, usize), off: u16, view: Rect) {
        let mut guard = self.hits.borrow_mut();
        let h = &mut *guard;
        let shift = |r: Rect| -> Option<Rect> {
            let y = r.y.checked_sub(off)?;
            (y >= view.y && y < view.bottom()).then_some(Rect { y, ..r })
        };
        let at = marks.0.min(h.regions.len());
        let regions = h.regions.split_off(at);
        h.regions.extend(
            regions
                .into_iter()
                .filter_map(|(r, x)| Some((shift(r)?, x))),
        );
        let at = marks.1.min(h.links.len());
        let links = h.links.split_off(at);
        h.links
            .extend(links.into_iter().filter_map(|(r, u)| Some((shift(r)?, u))));
    }
}

/// Where `tag` is in `Index::tags` (tags compare as the blog filter does).
pub(crate) fn tag_index(index: &Index, tag: &str) -> Option<usize> {
    index.tags.iter().position(|t| t.eq_ignore_ascii_case(tag))
}

/// What a screen asks of the router after handling an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing visible changed.
    Idle,
    /// Draw a new frame.
    Redraw,
    /// Open `page` in the reader, over this screen (`origin` says which list `n`/`p`
    /// walk); `highlight` is a folded search query to mark on the page.
    Open {
        page: PageRef,
        origin: Origin,
        highlight: Option<String>,
    },
    /// Show the next/previous page of the reader's list in place of this one.
    Replace { page: PageRef, origin: Origin },
    /// Close this screen: show what is under it.
    Back,
    /// Show the Home section (leaving the stories player).
    Home,
    /// Show the stories player at story `i`.
    Story(usize),
    /// Show the blog list filtered by `Index::tags[i]`.
    FilterBlog(usize),
    /// Follow a link as written on the reader's page (`/blog/x#y`, `#y`, a URL).
    Follow(String),
    /// Put `text` on the guest's clipboard (OSC 52); `what` says what it was, `about`
    /// names it in the owner's analytics (a URL, or `/blog/x#code-2`).
    Copy {
        text: String,
        what: String,
        about: String,
    },
    /// Say something on the notice line (`n` at the last item: "this is the last one").
    Notice(String),
}

impl Step {
    /// `Redraw` when `changed`, else `Idle`.
    pub fn redraw_if(changed: bool) -> Step {
        if changed { Step::Redraw } else { Step::Idle }
    }
}

/// Where the reader was opened from: its list, so `n`/`p` walk it and Esc returns to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub screen: Screen,
    pub items: Vec<PageRef>,
    pub pos: usize,
}

/// Up/Down/Page/Top/Bottom over a list of `len` items, a page being the body's height
/// less the chrome a list screen draws around its rows.
pub(crate) fn move_list(list: &mut ListState, action: Action, len: usize, cx: &Ctx) -> Step {
    let page = (cx.area().height.saturating_sub(8).max(1)) as isize;
    let before = list.selected;
    match action {
        Action::Up => list.step(-1, len),
        Action::Down => list.step(1, len),
        Action::PageUp => list.step(-page, len),
        Action::PageDown => list.step(page, len),
        Action::Top => list.selected = 0,
        Action::Bottom => list.selected = len.saturating_sub(1),
        _ => return Step::Idle,
    }
    Step::redraw_if(list.selected != before)
}

/// Open the selected item of a list screen's `items`.
pub(crate) fn open_item(screen: Screen, items: Vec<PageRef>, pos: usize) -> Step {
    match items.get(pos).copied() {
        Some(page) => Step::Open {
            page,
            origin: Origin { screen, items, pos },
            highlight: None,
        },
        None => Step::Idle,
    }
}

/// After a reload: the new position of the item that was selected (found by its key),
/// or the old position clamped to the new list.
pub(crate) fn keep(
    old: &Index,
    new: &Index,
    items_old: &[PageRef],
    sel: usize,
    items_new: &[PageRef],
) -> usize {
    let key = items_old.get(sel).and_then(|p| old.key(*p));
    key.and_then(|k| new.find(&k))
        .and_then(|p| items_new.iter().position(|q| *q == p))
        .unwrap_or(sel.min(items_new.len().saturating_sub(1)))
}
