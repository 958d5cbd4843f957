//! `App` is one guest's whole UI state; `update` is the only place it changes.

use std::sync::Arc;
use std::time::Instant;

use ratatui::Frame;

use crate::content::Index;
use crate::render::cache::RenderCache;
use crate::theme::{ColorDepth, ThemeKind};

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
}

impl App {
    pub fn new(index: Arc<Index>, cache: RenderCache, opts: AppOptions) -> Self {
        Self {
            index,
            cache,
            opts,
            guests: 1,
        }
    }

    pub fn update(&mut self, ev: AppEvent) -> Control {
        use terminput::{Event, KeyCode, KeyModifiers};
        match ev {
            AppEvent::Input(Event::Key(k)) => match k.code {
                KeyCode::Char('q') => Control::Quit,
                KeyCode::Char('c') | KeyCode::Char('d')
                    if k.modifiers.contains(KeyModifiers::CTRL) =>
                {
                    Control::Quit
                }
                _ => Control::Idle,
            },
            AppEvent::Input(_) | AppEvent::Tick(_) => Control::Idle,
            AppEvent::Reloaded(index) => {
                self.index = index;
                Control::Redraw
            }
            AppEvent::Guests(n) => {
                self.guests = n;
                Control::Redraw
            }
            AppEvent::Background(kind) => {
                self.opts.theme = kind;
                Control::Redraw
            }
        }
    }

    /// When the app next wants a `Tick` (story auto-advance, idle warning), if ever.
    /// `None` means no timer: an idle guest costs no wake-ups.
    pub fn next_deadline(&self) -> Option<Instant> {
        None
    }

    /// Draw the current screen. Pure: reads state, writes the frame.
    pub fn view(&self, frame: &mut Frame) {
        super::views::draw(self, frame);
    }

    pub fn depth(&self) -> ColorDepth {
        self.opts.depth
    }
}
