//! The router's part in reading like a browser: history back/forward over followed
//! links, copies to the guest's clipboard (OSC 52), mouse reporting off and on, and the
//! escapes those send besides the frame.

use super::{App, Control, Layer};
use crate::graphics::Protocol;
use crate::tui::state::{Notice, NoticeKind};
use crate::tui::strings;

/// Mouse reporting on (press/release, SGR coordinates) and off, as `ENTER` sets it.
const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1000l";

impl App {
    /// Bytes for the guest's terminal besides the frame (mouse mode, OSC 52), once.
    pub fn take_escapes(&mut self) -> Vec<u8> {
        let mut out = self.mouse_escape.take().unwrap_or_default().to_vec();
        out.extend(self.clipboard.take().unwrap_or_default());
        out
    }

    /// Whether mouse reporting is on.
    pub fn mouse_on(&self) -> bool {
        self.mouse
    }

    pub(super) fn say(&mut self, kind: NoticeKind, text: String) {
        self.notice = Some(Notice { kind, text });
    }

    /// `m`: mouse reporting off (the terminal's own selection works) or on again.
    pub(super) fn toggle_mouse(&mut self) {
        self.mouse = !self.mouse;
        let (escape, text) = if self.mouse {
            (MOUSE_ON, strings::MOUSE_ON_NOTICE)
        } else {
            (MOUSE_OFF, strings::MOUSE_OFF_NOTICE)
        };
        self.mouse_escape = Some(escape);
        self.say(NoticeKind::Info, text.to_string());
    }

    /// `H`/`L`: the page followed from, or the one gone back from, without leaving
    /// the reader (nothing when there is none).
    pub(super) fn history(&mut self, forward: bool) -> Control {
        if forward {
            match self.forward.pop() {
                Some(r) => self.stack.push(Layer::Reader(r)),
                None => return Control::Idle,
            }
        } else {
            let under = self.stack.len().checked_sub(2).map(|i| &self.stack[i]);
            if !matches!(under, Some(Layer::Reader(_))) {
                return Control::Idle;
            }
            self.back();
        }
        Control::Redraw
    }

    /// Put `text` on the guest's clipboard; the notice says what it was; the owner's
    /// analytics count a copy of `about`.
    pub(super) fn copy(&mut self, text: &str, what: &str, about: String) {
        let copy = crate::clipboard::osc52(text);
        self.clipboard = Some(copy.sequence);
        self.say(NoticeKind::Info, strings::copied(what, copy.truncated));
        self.outbound(about, true);
    }
}

impl App {
    /// `i`: pictures off (their text stays) or on again, said in the notice line.
    pub(super) fn toggle_images(&mut self) {
        self.images_off = !self.images_off;
        let text = match self.images() {
            Protocol::None => "pictures off (i: on)".to_string(),
            p => format!("pictures on ({})", p.label()),
        };
        self.say(NoticeKind::Info, text);
    }
}
