//! What sharing a first frame needs from the app: every new guest of the same size,
//! colour depth, theme, picture protocol and content sees the same first frame but for
//! the guests-online label, so the session draws it once and hands it to the next ones
//! (`session/first.rs`). The app says what its first frame depends on, gives the
//! clickable regions it drew, and takes another app's regions instead of drawing.

use std::sync::Arc;

use super::App;
use crate::content::Index;
use crate::graphics::Protocol;
use crate::theme::{ColorDepth, ThemeKind};
use crate::tui::state::{CellRun, HitMap, Section};

/// What an untouched app's frame depends on, besides the size of the screen.
#[derive(Debug, Clone)]
pub struct FirstKind {
    pub index: Arc<Index>,
    pub theme: ThemeKind,
    pub depth: ColorDepth,
    pub images: Protocol,
}

impl App {
    /// What this app's frame depends on, while it is exactly as `App::new` left it on
    /// Home (no deep link, no key, no notice, no offer): `None` otherwise.
    pub fn first_kind(&self) -> Option<FirstKind> {
        let untouched = self.stack.is_empty()
            && self.base == Section::Home
            && self.overlay.is_none()
            && self.notice.is_none()
            && self.resume.is_none()
            && self.forward.is_empty()
            && self.mouse
            && !self.images_off
            && self.terminal == self.opts.theme
            && self
                .opts
                .start
                .as_deref()
                .is_none_or(|s| s.trim().is_empty());
        untouched.then(|| FirstKind {
            index: self.index.clone(),
            theme: self.opts.theme,
            depth: self.opts.depth,
            images: self.images(),
        })
    }

    /// The clickable regions of the last frame drawn, and the guest count it showed.
    pub fn drawn(&self) -> (HitMap, usize) {
        (self.hits.borrow().clone(), self.guests)
    }

    /// Take a frame another untouched app of the same kind drew (its regions, showing
    /// `guests`) as this app's last frame: the cells that turn its label into this
    /// app's count are returned (empty when the count is the same).
    pub fn adopt(&mut self, hits: HitMap, guests: usize) -> Vec<CellRun> {
        let own = self.guests;
        *self.hits.get_mut() = hits;
        self.guests = guests;
        self.online_patch(own)
    }
}
