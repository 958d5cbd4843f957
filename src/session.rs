//! A session is one guest's task: it owns the `App` and its screen, and turns input,
//! resizes, reloads, ticks and shutdown into `AppEvent`s and frames.
//!
//! It knows nothing about SSH: input bytes arrive on an mpsc, the terminal size on a
//! `watch`, and frames leave through an `Output` (the SSH channel in production, a
//! collector in tests, stdout for `sshfolio local`). Output is bounded: at most one
//! frame is in flight; while it is being sent, new state only marks the screen dirty,
//! and the next frame drawn after the send completes shows the latest state.
//!
//! - `task`: the session loop: one `Wake` per thing that can wake a session (input,
//!   resize, reload, guests, timers, shutdown, a write finished), one `select!`, one
//!   small handler each.
//! - `frames`: `ByteScreen`, the in-memory terminal frames are drawn on and diffed.
//! - `compact`: what a guest's screen shows, two or four bytes a cell.
//! - `scratch`: the worker thread's scratch buffers frames are drawn on, and the rows
//!   a scroll keeps lent from the frame shown to the next.
//! - `countdown`: the idle / time-limit banner.
//! - `first`: first frames drawn once and shared by every new guest of their kind.
//! - `guests`: the guests-online counter (a `watch`, so sessions wake only on change).
//! - `local`: `sshfolio local`, the same session in this process's terminal.
//! - `online`: a hibernated guest's count, written as just the label's cells.
//! - `osc8`: the backend frames are written through (links, wide emoji).
//! - `pictures`: the image probe's answers, and repainting what pictures leave.
//! - `scroll`: rows that moved are sent as a terminal scroll, not repainted.
//! - `sgr`: 16-colour terminals get classic SGR codes, not crossterm's `38;5;N`.
//! - `seen`: what the guest reads and searches, for the owner's analytics.
//! - `trim`: hands memory freed by hibernating sessions back to the OS.

mod compact;
mod countdown;
mod first;
#[cfg(test)]
mod first_tests;
mod frames;
#[cfg(test)]
mod glide_tests;
pub mod guests;
pub mod local;
mod online;
pub mod osc8;
mod pictures;
mod scratch;
#[cfg(test)]
mod screen_tests;
mod scroll;
pub mod seen;
mod sgr;
mod task;
#[cfg(test)]
mod tests;
mod trim;

pub use crate::tui::AppOptions;
pub use first::FirstFrames;
pub use frames::ByteScreen;
use task::Session;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::content::Index;
use crate::render::cache::RenderCache;
use crate::tui::App;

/// Sent once at the start: alternate screen, hidden cursor, SGR mouse, bracketed paste,
/// a clear screen, and an OSC 11 query for the background colour (ST-terminated).
pub const ENTER: &[u8] =
    b"\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[H\x1b[2J\x1b]11;?\x1b\\";
/// How long after the start the terminal's OSC 11 answer may pick the theme. The first
/// frame does not wait for it (a terminal that never answers costs nothing); a late or
/// repeated answer is still consumed by the input parser, but changes nothing.
pub const BACKGROUND_TIMEOUT: Duration = Duration::from_millis(300);
/// Sent on every exit path: paste and mouse off, attributes reset, cursor shown, main screen.
pub const RESTORE: &[u8] = b"\x1b[?2004l\x1b[?1006l\x1b[?1000l\x1b[0m\x1b[?25h\x1b[?1049l";

/// Largest terminal we draw: a 65535×65535 request would allocate ~170 GB of cells.
pub const MAX_COLS: u16 = 300;
pub const MAX_ROWS: u16 = 100;

/// Clamp a client's requested size: 0 means the classic 80×24, and at most 300×100.
pub fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let cols = if cols == 0 {
        80
    } else {
        cols.min(MAX_COLS as u32)
    };
    let rows = if rows == 0 {
        24
    } else {
        rows.min(MAX_ROWS as u32)
    };
    (cols as u16, rows as u16)
}

/// The guest went away (the channel or connection is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// Where frames go. `send` resolves once the bytes are accepted (backpressure).
pub trait Output: Clone + Send + Sync + 'static {
    fn send(&self, bytes: Vec<u8>) -> impl Future<Output = Result<(), Closed>> + Send + 'static;

    /// Hand `bytes` on at once if that needs no waiting (what `send` would resolve to),
    /// or give them back to go through `send` (the default). A frame handed on here is
    /// not in flight: the session needs no second turn of its loop to see it sent.
    fn try_send(&self, bytes: Vec<u8>) -> Result<Result<(), Closed>, Vec<u8>> {
        Err(bytes)
    }
}

/// A terminal the session draws on, and the bytes that drawing produced.
pub trait Screen: Send {
    fn draw(&mut self, app: &App) -> Result<(), String>;
    fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String>;
    /// The escape sequences written since the last call.
    fn take_output(&mut self) -> Vec<u8>;

    /// Draw with a one-line banner over the bottom row (the idle or time-limit
    /// countdown). Screens that cannot show it just draw.
    fn draw_notice(&mut self, app: &App, notice: Option<&str>) -> Result<(), String> {
        let _ = notice;
        self.draw(app)
    }

    /// Drop what can be rebuilt (cell buffers); the next `draw` repaints in full.
    fn hibernate(&mut self) {}

    /// Show a first frame another session drew (its bytes are sent by the session)
    /// instead of drawing one; `row` is where this guest's screen differs from its
    /// cells. `false`: this screen can't (it drew already, another size, no support).
    fn adopt(&mut self, first: std::sync::Arc<first::First>, row: Option<u16>) -> bool {
        let _ = (first, row);
        false
    }

    /// The cells the last draw left on screen, to share as a first frame.
    fn drawn_cells(&self) -> Option<ratatui::buffer::Buffer> {
        None
    }

    /// Whether the screen has no cell buffers now (hibernated, or showing a shared
    /// first frame): a new guest count is then written as a patch of the label.
    fn asleep(&self) -> bool {
        false
    }

    /// How this guest's terminal shows pictures, and its cell size in pixels.
    fn set_images(&mut self, protocol: crate::graphics::Protocol, cell: (u16, u16)) {
        let _ = (protocol, cell);
    }
}

/// A session re-lays out its screen for a new window size at most this often: a flood
/// of window changes (one connection sent 20,000 a second) costs at most ten re-layouts
/// and repaints a second; the last size wins, applied at most this much later.
pub const RESIZE_EVERY: Duration = Duration::from_millis(100);

/// A session without input or output for this long hibernates its screen: an idle
/// guest then costs its task, its channel and its `App`, not two cell buffers.
pub const HIBERNATE_AFTER: Duration = Duration::from_secs(2);

/// A session redraws for a changed guest count at most this often: while thousands
/// connect, the count changes hundreds of times a second for every awake guest.
pub const GUESTS_EVERY: Duration = Duration::from_secs(1);

/// How often a session follows the count when `guests` are connected: every
/// `GUESTS_EVERY` up to 1,000 guests, then a millisecond per guest, so all sessions
/// together draw at most ~1,000 count updates a second (10,000 guests: each sees the
/// count within 10 s) instead of one per guest per second.
pub fn guests_every(guests: usize) -> Duration {
    GUESTS_EVERY.max(Duration::from_millis(guests as u64))
}

/// Per-session limits and switches.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// No guest input for this long ends the session.
    pub idle_timeout: Option<Duration>,
    /// The last stretch before the idle timeout or the session cap shows a countdown.
    pub idle_warning: Duration,
    /// The session ends this long after it started, whatever the guest does.
    pub max_session: Option<Duration>,
    /// A frame not accepted within this long drops the guest.
    pub stall_timeout: Duration,
    /// Test hook: panic on the first input byte (proves a panic ends one session only).
    pub panic_on_input: bool,
    /// Where the owner's analytics go (`None`: stats off; pages still count in metrics).
    pub stats: Option<seen::StatsLink>,
    /// The guest's environment for pictures: `Some` probes the terminal at the start
    /// and picks the protocol from its answers; `None` keeps the app's (tests).
    pub images: Option<crate::graphics::detect::Env>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: None,
            idle_warning: Duration::from_secs(60),
            max_session: None,
            stall_timeout: Duration::from_secs(30),
            panic_on_input: false,
            stats: None,
            images: None,
        }
    }
}

/// What every session shares with the server.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The content; the watcher publishes a new `Arc<Index>` on reload.
    pub index: watch::Receiver<Arc<Index>>,
    /// Guests online now.
    pub guests: watch::Receiver<usize>,
    /// Becomes `true` (or its sender is dropped) when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    pub cache: RenderCache,
    /// First frames shared by new guests of the same kind (`first`).
    pub first: FirstFrames,
}

/// The guest's side of a session.
pub struct Io<O> {
    /// Bytes typed by the guest. Closed when the guest closes the channel.
    pub input: mpsc::Receiver<Vec<u8>>,
    /// The terminal size (already clamped).
    pub size: watch::Receiver<(u16, u16)>,
    pub output: O,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Quit,
    Disconnected,
    Shutdown,
    Idle,
    /// The absolute session cap was reached.
    TimeLimit,
    Stalled,
    Error(String),
}

impl End {
    /// A short word for logs.
    pub fn label(&self) -> String {
        match self {
            End::Quit => "quit".into(),
            End::Disconnected => "disconnected".into(),
            End::Shutdown => "shutdown".into(),
            End::Idle => "idle".into(),
            End::TimeLimit => "time limit".into(),
            End::Stalled => "stalled".into(),
            End::Error(e) => format!("error: {e}"),
        }
    }

    /// A line shown on the main screen after the terminal is restored.
    fn farewell(&self) -> &'static [u8] {
        match self {
            End::Shutdown => b"sshfolio: the server is restarting; reconnect in a moment.\r\n",
            End::Idle => b"sshfolio: closed after a while without input. Come back soon!\r\n",
            End::TimeLimit => {
                b"sshfolio: this session reached its time limit; reconnect any time.\r\n"
            }
            End::Error(_) => b"sshfolio: something went wrong; sorry.\r\n",
            _ => b"",
        }
    }
}

/// Run one guest's UI until it ends; the terminal is restored on every path that can
/// still reach the guest. Each turn: bring the screen up to date, wait for one `Wake`,
/// handle it (`task`).
///
/// The arguments wait in one box until the first poll: an `async fn` keeps its
/// arguments in its future for the whole session, beside the `Session` they were
/// moved into (hundreds of bytes a guest for nothing).
pub fn run<S: Screen, O: Output>(
    screen: S,
    app_opts: AppOptions,
    io: Io<O>,
    shared: Shared,
    cfg: SessionConfig,
) -> impl Future<Output = End> {
    run_boxed(Box::new((screen, app_opts, io, shared, cfg)))
}

/// `run`, with its arguments in one box.
async fn run_boxed<S: Screen, O: Output>(
    args: Box<(S, AppOptions, Io<O>, Shared, SessionConfig)>,
) -> End {
    // Moved out in a block of its own, so the box is freed now, not when the session
    // ends (a destructured box's allocation lives until the end of its scope).
    let (screen, app_opts, io, shared, cfg) = {
        let args = args;
        *args
    };
    let stall = cfg.stall_timeout;
    let mut session = match Session::new(screen, app_opts, io, shared, cfg) {
        Ok(session) => session,
        Err((output, end)) => return finish(&output, None, end, stall).await,
    };
    let end = loop {
        if let Err(end) = session.flush() {
            break end;
        }
        let wake = session.wait().await;
        if let Err(end) = session.handle(wake) {
            break end;
        }
    };
    let in_flight = session.end();
    finish(session.output(), in_flight, end, stall).await
}

/// Let the frame in flight finish (briefly), then restore the guest's terminal.
async fn finish<O: Output>(
    output: &O,
    in_flight: Option<task::SendFuture>,
    end: End,
    stall: Duration,
) -> End {
    if matches!(end, End::Stalled) {
        return end;
    }
    let grace = stall.min(Duration::from_secs(2));
    if let Some(fut) = in_flight {
        let _ = tokio::time::timeout(grace, fut).await;
    }
    let mut bytes = RESTORE.to_vec();
    bytes.extend_from_slice(end.farewell());
    let _ = tokio::time::timeout(grace, output.send(bytes)).await;
    end
}
