//! The router's pointer plumbing: mouse clicks (through the last frame's hit map to the
//! screen or overlay under them), the wheel, and pasted text (the search line's).

use terminput::{KeyCode, MouseButton, MouseEvent, MouseEventKind, ScrollDirection};

use super::{App, Control, Layer, Overlay};
use crate::tui::keymap::{Action, Key};
use crate::tui::screens::tags::TagPicker;
use crate::tui::screens::{Ctx, Step};
use crate::tui::state::{Hit, Screen, Section};

impl App {
    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Control {
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let hit = self.hits.borrow().at(m.column, m.row);
                self.notice = None;
                match (&self.overlay, hit) {
                    (Some(Overlay::Tags(_)), hit) => self.tag_step(TagPicker::click(hit)),
                    (None, Some(hit)) => self.click(hit),
                    (None, None) => Control::Idle,
                    (Some(Overlay::Help(_)), _) => {
                        self.overlay = None;
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
                let key = Key::Code(if down { KeyCode::Down } else { KeyCode::Up });
                let cx = cx!(self);
                match (&mut self.overlay, self.stack.last_mut()) {
                    (Some(Overlay::Tags(p)), _) => {
                        let step = p.key(key, &cx);
                        self.tag_step(step)
                    }
                    (Some(Overlay::Help(_)), _) => Control::Idle,
                    (None, Some(Layer::Reader(r))) => {
                        let step = r.wheel(down, &cx);
                        self.apply(step)
                    }
                    (None, None) if self.base == Section::Stories => Control::Idle,
                    (None, _) => self.act(if down { Action::Down } else { Action::Up }),
                }
            }
            _ => Control::Idle,
        }
    }

    fn click(&mut self, hit: Hit) -> Control {
        let cx = cx!(self);
        let step = match hit {
            Hit::Tab(s) => {
                self.go(s);
                Step::Redraw
            }
            Hit::Story(i) => Step::Story(i),
            Hit::Tag(i) => {
                self.pick_tag(i);
                Step::Redraw
            }
            Hit::PostTag(i) => Step::FilterBlog(i),
            Hit::Item(_) | Hit::Toc(_) | Hit::Link(_) => match self.stack.last_mut() {
                Some(Layer::Reader(r)) => r.click(hit, &cx),
                Some(Layer::Search) => self.search.click(hit, &cx),
                None => match self.base {
                    Section::Home => self.home.click(hit, &cx),
                    Section::Projects => self.projects.click(hit, &cx),
                    Section::Blog => self.blog.click(hit, &cx),
                    Section::Stories => Step::Idle,
                },
            },
        };
        self.apply(step)
    }

    pub(super) fn on_paste(&mut self, text: &str) -> Control {
        if self.screen() != Screen::Search || self.overlay.is_some() {
            return Control::Idle;
        }
        let cx = cx!(self);
        let step = self.search.paste(text, &cx);
        self.apply(step)
    }
}
