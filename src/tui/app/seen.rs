//! What the owner's analytics read from the app (the page in the reader and how far
//! down it the guest has seen; the search on screen), and the returning guest's offer:
//! "Continue reading: <title> (72%)" on Home, which Enter takes up at that place.
//! Pure like the rest of the app: the session asks and forwards.

use terminput::KeyCode;

use super::{App, Control, Layer};
use crate::content::PageRef;
use crate::tui::keymap::Key;
use crate::tui::screens::Ctx;
use crate::tui::state::{Notice, NoticeKind, Section};

/// An unfinished post offered on Home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResumeOffer {
    pub page: PageRef,
    pub pct: u8,
}

impl App {
    /// The terminal's size, before the first frame (each frame records its own): what
    /// is measured before then, the reading statistics, is at the real size rather
    /// than laid out once more at the 80×24 default.
    pub fn set_size(&self, cols: u16, rows: u16) {
        let mut hits = self.hits.borrow_mut();
        if hits.area.is_empty() {
            hits.area = ratatui::layout::Rect::new(0, 0, cols, rows);
        }
    }

    /// The page in the reader, and the furthest line shown as a percentage of its
    /// layout (100 when the whole page fits).
    pub fn reading(&self) -> Option<(PageRef, u8)> {
        let Some(Layer::Reader(r)) = self.stack.last() else {
            return None;
        };
        let cx = cx!(self);
        let g = r.geometry(&cx);
        let total = cx.rendered(r.page, g.text.width).len();
        let seen = (r.scroll + g.text.height as usize).min(total);
        let pct = if total == 0 { 100 } else { seen * 100 / total };
        Some((r.page, pct.min(100) as u8))
    }

    /// The query on the search screen and how many results it has, while it is on top.
    pub fn searching(&self) -> Option<(&str, usize)> {
        match self.stack.last() {
            Some(Layer::Search) => Some((self.search.query.as_str(), self.search.hits.len())),
            _ => None,
        }
    }

    /// Offer to take up post `slug` again at `pct`, if Home is on screen with nothing
    /// over it (a guest who already moved on is not interrupted).
    pub fn offer_resume(&mut self, slug: &str, pct: u8) -> Control {
        let Some(page @ PageRef::Post(i)) = self.index.find(&format!("blog/{slug}")) else {
            return Control::Idle;
        };
        let home = self.stack.is_empty() && self.base == Section::Home;
        if !home || self.overlay.is_some() || self.notice.is_some() {
            return Control::Idle;
        }
        let title: String = self
            .index
            .posts
            .get(i)
            .map_or("", |p| p.title.as_str())
            .chars()
            .take(60)
            .collect();
        self.notice = Some(Notice {
            kind: NoticeKind::Info,
            text: format!("Continue reading: {title} ({pct}%) · Enter"),
        });
        self.resume = Some(ResumeOffer { page, pct });
        Control::Redraw
    }

    /// Enter while the offer is shown opens the post where the guest left it; any
    /// other key withdraws the offer (and its notice goes as every notice does).
    pub(super) fn take_resume(&mut self, key: Key) -> Option<Control> {
        let offer = self.resume.take()?;
        let shown = self.notice.is_some()
            && self.overlay.is_none()
            && self.stack.is_empty()
            && self.base == Section::Home;
        if !shown || key != Key::Code(KeyCode::Enter) {
            return None;
        }
        self.notice = None;
        let link = self.index.key(offer.page)?;
        self.open_link(&link);
        let cx = cx!(self);
        if let Some(Layer::Reader(r)) = self.stack.last_mut() {
            let g = r.geometry(&cx);
            let total = cx.rendered(r.page, g.text.width).len();
            let furthest = total * usize::from(offer.pct) / 100;
            // The furthest line seen lands mid-screen: what was read last, then more.
            r.scroll = furthest.saturating_sub(g.text.height as usize / 2);
            r.clamp(&cx);
        }
        Some(Control::Redraw)
    }
}

/// Links followed and copies kept for the session between two frames (a paste of
/// keys can't grow it without bound).
const MAX_OUTBOUND: usize = 64;

impl App {
    /// Count a link followed (`copied` false) or a copy (true) of `about`.
    pub(super) fn outbound(&mut self, about: String, copied: bool) {
        if self.outbound.len() < MAX_OUTBOUND {
            self.outbound.push((about, copied));
        }
    }

    /// The links followed and copies since the last call, oldest first.
    pub fn take_outbound(&mut self) -> Vec<(String, bool)> {
        std::mem::take(&mut self.outbound)
    }

    /// A page's kind (`post`, `project`) and slug, for the analytics.
    pub fn page_id(&self, page: PageRef) -> Option<(&'static str, String)> {
        match page {
            PageRef::Post(i) => self.index.posts.get(i).map(|p| ("post", p.slug.clone())),
            PageRef::Project(i) => self
                .index
                .projects
                .get(i)
                .map(|p| ("project", p.slug.clone())),
        }
    }
}
