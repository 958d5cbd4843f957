//! A session is one guest's task: it owns the `App` and its screen, and turns input,
//! resizes, reloads, ticks and shutdown into `AppEvent`s and frames.
//!
//! It knows nothing about SSH: input bytes arrive on an mpsc, the terminal size on a
//! `watch`, and frames leave through an `Output` (the SSH channel in production, a
//! collector in tests, stdout for `sshfolio local`). Output is bounded: at most one
//! frame is in flight; while it is being sent, new state only marks the screen dirty,
//! and the next frame drawn after the send completes shows the latest state.
//!
//! - `guests`: the guests-online counter (a `watch`, so sessions wake only on change).
//! - `local`: `sshfolio local`, the same session in this process's terminal.
//! - `online`: a hibernated guest's count, written as just the label's cells.
//! - `osc8`: the backend frames are written through (links, wide emoji).
//! - `scroll`: rows that moved are sent as a terminal scroll, not repainted.
//! - `sgr`: 16-colour terminals get classic SGR codes, not crossterm's `38;5;N`.
//! - `trim`: hands memory freed by hibernating sessions back to the OS.

pub mod guests;
pub mod local;
mod online;
pub mod osc8;
#[cfg(test)]
mod screen_tests;
mod scroll;
mod sgr;
mod trim;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::future::OptionFuture;
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::content::Index;
use crate::render::cache::RenderCache;
use crate::tui::input::{InputParser, Parsed, Reply};
use crate::tui::{App, AppEvent, AppOptions, Control};

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
}

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

fn draw_app<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &App,
    notice: Option<&str>,
) -> Result<(), String> {
    terminal
        .draw(|frame| paint(frame, app, notice))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One frame: the app's view, a notice on the bottom row (idle countdown, session cap),
/// then the guest's colour depth applied once, before the diff.
fn paint(frame: &mut ratatui::Frame, app: &App, notice: Option<&str>) {
    let area = frame.area();
    paint_into(area, frame.buffer_mut(), app, notice);
    // Views draw in full RGB; the guest's depth is applied once, before the diff.
    app.depth().convert_buffer(frame.buffer_mut());
}

/// `paint` into a buffer (blank or reset) covering `area`, in full RGB (a `ByteScreen`
/// converts the colours of the cells it writes only).
fn paint_into(area: Rect, buf: &mut Buffer, app: &App, notice: Option<&str>) {
    app.render(area, buf);
    if let Some(text) = notice
        && area.height > 0
    {
        let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let style = ratatui::style::Style::new()
            .add_modifier(ratatui::style::Modifier::REVERSED)
            .add_modifier(ratatui::style::Modifier::BOLD);
        ratatui::widgets::Clear.render(row, buf);
        ratatui::widgets::Paragraph::new(text)
            .style(style)
            .alignment(ratatui::layout::Alignment::Center)
            .render(row, buf);
    }
}

/// What a `ByteScreen` draws through: OSC 8 links around an in-memory writer.
type ScreenBackend = osc8::LinkBackend<Vec<u8>>;

/// Clears the guest's screen before a frame drawn on blank buffers (after hibernation
/// or a resize), so the diff paints every cell that isn't blank.
const CLEAR: &[u8] = b"\x1b[0m\x1b[H\x1b[2J";

/// A screen that writes ANSI into memory, for sending over a channel, with the frame's
/// links wrapped in OSC 8 (`osc8`).
///
/// It keeps its two cell buffers itself (not a ratatui `Terminal`): what the guest's
/// terminal shows, and the frame being drawn. Owning the first lets a frame whose rows
/// moved be sent as a terminal scroll plus the rows that came into view (`scroll`).
/// Hibernating drops both buffers (most of an idle guest's memory); the next draw makes
/// new ones and repaints the whole screen.
pub struct ByteScreen {
    frames: Option<Frames>,
    size: (u16, u16),
    links: osc8::Links,
    /// The depth of the last frame drawn (16 colours need their SGR rewritten).
    depth: crate::theme::ColorDepth,
}

/// The cell buffers and the writer of an awake `ByteScreen`.
struct Frames {
    backend: ScreenBackend,
    /// What the guest's terminal shows.
    shown: Buffer,
    /// The frame being drawn (reset before each draw; swapped with `shown` after).
    next: Buffer,
    planner: scroll::Planner,
    /// `shown` is blank because the screen was just cleared: no scroll can help.
    fresh: bool,
}

impl Frames {
    fn new(links: &osc8::Links, cols: u16, rows: u16) -> Self {
        crate::metrics::FRAMES_FULL.inc();
        let area = Rect::new(0, 0, cols, rows);
        Self {
            backend: osc8::LinkBackend::new(Vec::new(), links.clone()),
            shown: Buffer::empty(area),
            next: Buffer::empty(area),
            planner: scroll::Planner::default(),
            fresh: true,
        }
    }

    /// Clear the guest's screen and forget what it showed: the next frame is painted
    /// in full.
    fn clear(&mut self) {
        self.shown.reset();
        self.fresh = true;
        self.planner.forget();
        self.backend.forget_links();
        self.backend.writer_mut().extend_from_slice(CLEAR);
    }

    /// Diff `next` against what is shown (scrolling first when that is cheaper), write
    /// it, and make it what is shown.
    fn flush(&mut self) -> std::io::Result<()> {
        if self.fresh {
            self.planner.remember(&self.next);
            self.backend.draw(self.shown.diff_iter(&self.next))?;
        } else {
            let shift = self.planner.plan(&self.shown, &self.next);
            if let Some(shift) = shift {
                scroll::write(self.backend.writer_mut(), shift)?;
                self.backend.scrolled(shift);
                crate::metrics::FRAMES_SCROLLED.inc();
            }
            // The planner's diff reads `shown` through the shift; `shown` itself is
            // drawn over next and need not move.
            let drawn = match self.planner.diff(&self.shown, &self.next, shift) {
                Some(diff) => self.backend.draw(diff),
                None => {
                    if let Some(shift) = shift {
                        scroll::apply(&mut self.shown, shift);
                    }
                    self.backend.draw(self.shown.diff_iter(&self.next))
                }
            };
            self.planner.sent();
            drawn?;
        }
        std::mem::swap(&mut self.shown, &mut self.next);
        self.fresh = false;
        Ok(())
    }
}

impl ByteScreen {
    pub fn new(cols: u16, rows: u16) -> Result<Self, String> {
        let links = osc8::Links::default();
        let mut frames = Frames::new(&links, cols, rows);
        // `ENTER` cleared the screen; the cursor stays hidden from here on.
        let _ = frames.backend.hide_cursor();
        Ok(Self {
            frames: Some(frames),
            size: (cols, rows),
            links,
            depth: Default::default(),
        })
    }

    /// Whether the cell buffers are dropped right now.
    pub fn is_hibernating(&self) -> bool {
        self.frames.is_none()
    }
}

impl Screen for ByteScreen {
    fn draw(&mut self, app: &App) -> Result<(), String> {
        self.draw_notice(app, None)
    }
    fn draw_notice(&mut self, app: &App, notice: Option<&str>) -> Result<(), String> {
        self.depth = app.depth();
        crate::metrics::FRAMES.inc();
        let frames = match &mut self.frames {
            Some(f) => f,
            None => {
                let mut f = Frames::new(&self.links, self.size.0, self.size.1);
                // The guest's screen still shows the old frame and the new buffers are
                // blank: clear it, so the diff paints every cell that isn't.
                f.backend.writer_mut().extend_from_slice(CLEAR);
                let _ = f.backend.hide_cursor();
                self.frames.insert(f)
            }
        };
        if frames.backend.depth() != app.depth() && !frames.fresh {
            // What is shown was written in another depth: repaint it all.
            frames.clear();
        }
        frames.backend.set_depth(app.depth());
        let area = frames.next.area;
        frames.next.reset();
        paint_into(area, &mut frames.next, app, notice);
        // The backend wraps these cells in OSC 8 as it writes the diff.
        self.links.set(app.links(), &frames.next);
        frames.flush().map_err(|e| e.to_string())
    }
    fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
        self.size = (cols, rows);
        if let Some(f) = &mut self.frames
            && f.shown.area != Rect::new(0, 0, cols, rows)
        {
            let area = Rect::new(0, 0, cols, rows);
            f.shown = Buffer::empty(area);
            f.next = Buffer::empty(area);
            f.clear();
        }
        Ok(())
    }
    fn take_output(&mut self) -> Vec<u8> {
        let Some(f) = &mut self.frames else {
            return Vec::new();
        };
        let w = f.backend.writer_mut();
        // The next frame is likely about as long as this one.
        let bytes = std::mem::replace(w, Vec::with_capacity(w.len()));
        match self.depth {
            crate::theme::ColorDepth::Ansi16 => sgr::to_ansi16(bytes),
            _ => bytes,
        }
    }
    fn hibernate(&mut self) {
        // Anything not taken yet is for a screen that will be cleared anyway.
        self.frames = None;
    }
}

impl Screen for Terminal<TestBackend> {
    fn draw(&mut self, app: &App) -> Result<(), String> {
        draw_app(self, app, None)
    }
    fn draw_notice(&mut self, app: &App, notice: Option<&str>) -> Result<(), String> {
        draw_app(self, app, notice)
    }
    fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
        self.backend_mut().resize(cols, rows);
        Terminal::resize(self, Rect::new(0, 0, cols, rows)).map_err(|e| e.to_string())
    }
    fn take_output(&mut self) -> Vec<u8> {
        Vec::new()
    }
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
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: None,
            idle_warning: Duration::from_secs(60),
            max_session: None,
            stall_timeout: Duration::from_secs(30),
            panic_on_input: false,
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

/// Which deadline a countdown banner is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Countdown {
    Idle(u64),
    TimeLimit(u64),
}

impl Countdown {
    fn text(self) -> String {
        match self {
            Countdown::Idle(s) => format!("idle — disconnecting in {s}s, press any key"),
            Countdown::TimeLimit(s) => {
                format!("time limit — this session closes in {s}s; reconnect any time")
            }
        }
    }
}

/// The banner due at `now` (within `warn` of the nearer deadline), and when it next
/// changes (each whole second of the countdown, or when the warning starts).
fn countdown(
    now: Instant,
    idle: Option<Instant>,
    cap: Option<Instant>,
    warn: Duration,
) -> (Option<Countdown>, Option<Instant>) {
    let (deadline, is_idle) = match (idle, cap) {
        (Some(i), Some(c)) if c < i => (c, false),
        (Some(i), _) => (i, true),
        (None, Some(c)) => (c, false),
        (None, None) => return (None, None),
    };
    if warn.is_zero() {
        return (None, None);
    }
    if let Some(start) = deadline.checked_sub(warn)
        && now < start
    {
        return (None, Some(start));
    }
    let left = deadline.saturating_duration_since(now);
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    let secs = secs.max(1);
    let next = deadline.checked_sub(Duration::from_secs(secs - 1));
    let c = if is_idle {
        Countdown::Idle(secs)
    } else {
        Countdown::TimeLimit(secs)
    };
    (Some(c), next.filter(|n| *n > now))
}

type SendFuture =
    Pin<Box<dyn Future<Output = Result<Result<(), Closed>, tokio::time::error::Elapsed>> + Send>>;

/// Run one guest's UI until it ends; the terminal is restored on every path that can
/// still reach the guest.
pub async fn run<S: Screen, O: Output>(
    mut screen: S,
    app_opts: AppOptions,
    mut io: Io<O>,
    mut shared: Shared,
    cfg: SessionConfig,
) -> End {
    let index = shared.index.borrow_and_update().clone();
    let mut app = App::new(index, shared.cache.clone(), app_opts);
    let guests = *shared.guests.borrow_and_update();
    app.update(AppEvent::Guests(guests));

    let mut size = *io.size.borrow_and_update();
    let mut parser = InputParser::new();
    let mut pending: Vec<u8> = ENTER.to_vec();
    let mut in_flight: Option<SendFuture> = None;
    let mut dirty = true;
    let mut last_input = Instant::now();
    let cap_deadline = cfg.max_session.map(|d| last_input + d);
    let mut shown: Option<Countdown> = None;
    let mut index_open = true;
    let mut guests_open = true;
    let mut size_open = true;
    let mut background = Background {
        until: Some(Instant::now() + BACKGROUND_TIMEOUT),
        initial: app.theme_kind(),
    };
    // The guest's last input, resize or story tick; `HIBERNATE_AFTER` later, once its
    // frames are sent, the screen hibernates (once). Frames for a new guest count or a
    // content reload are not activity: while guests arrive every second, idle sessions
    // must still fall asleep (otherwise every arrival keeps every guest's buffers alive
    // and repainting).
    let mut last_activity = Instant::now();
    let mut hibernated = false;
    // The guest count is applied at most every `guests_every(n)`; a change before then
    // waits for `guests_next` (and the channel isn't polled meanwhile).
    let mut guests_next = Instant::now() + GUESTS_EVERY;
    let mut guests_wait = false;
    if let Err(e) = screen.resize(size.0, size.1) {
        return finish(&io.output, None, End::Error(e), cfg.stall_timeout).await;
    }

    let end = loop {
        let idle_deadline = cfg.idle_timeout.map(|d| last_input + d);
        let (due, notice_change) = countdown(
            Instant::now(),
            idle_deadline,
            cap_deadline,
            cfg.idle_warning,
        );
        if due != shown {
            shown = due;
            dirty = true;
        }
        if in_flight.is_none() {
            // A mouse mode change or an OSC 52 copy: the app keeps only the latest copy
            // until it can go, so a stalled guest's copies don't pile up here.
            pending.extend(app.take_escapes());
        }
        if dirty && in_flight.is_none() {
            dirty = false;
            let text = shown.map(Countdown::text);
            if let Err(e) = screen.draw_notice(&app, text.as_deref()) {
                break End::Error(e);
            }
            pending.extend(screen.take_output());
            hibernated = false;
        }
        if !pending.is_empty() && in_flight.is_none() {
            let fut = io.output.send(std::mem::take(&mut pending));
            in_flight = Some(Box::pin(tokio::time::timeout(cfg.stall_timeout, fut)));
        }
        let app_deadline = app.next_deadline().map(Instant::from_std);
        let esc_deadline = parser.pending_deadline().map(Instant::from_std);
        let quiet = !dirty && !hibernated && in_flight.is_none() && pending.is_empty();
        let hibernate_deadline = quiet.then(|| last_activity + HIBERNATE_AFTER);
        let guests_deadline = guests_wait.then_some(guests_next);

        tokio::select! {
            biased;
            _ = shared.shutdown.changed() => break End::Shutdown,
            Some(sent) = OptionFuture::from(in_flight.as_mut()) => {
                in_flight = None;
                match sent {
                    Ok(Ok(())) => {}
                    Ok(Err(Closed)) => break End::Disconnected,
                    Err(_) => break End::Stalled,
                }
            }
            bytes = io.input.recv() => {
                let Some(bytes) = bytes else { break End::Disconnected };
                if cfg.panic_on_input {
                    panic!("test hook: session panicked on input");
                }
                last_input = Instant::now();
                last_activity = last_input;
                if hibernated {
                    // Asleep, the guest count was not followed; catch up before drawing.
                    let n = *shared.guests.borrow_and_update();
                    if app.update(AppEvent::Guests(n)) == Control::Redraw {
                        dirty = true;
                    }
                }
                let mut items = parser.feed(&bytes, std::time::Instant::now());
                if matches!(shown, Some(Countdown::Idle(_))) {
                    // "Press any key": the key only dismisses the idle warning.
                    items.retain(|i| matches!(i, Parsed::Reply(_)));
                }
                if let Some(end) = apply(&mut app, items, &mut dirty, &mut background) {
                    break end;
                }
            }
            changed = io.size.changed(), if size_open => {
                if changed.is_err() {
                    size_open = false;
                    continue;
                }
                let new = *io.size.borrow_and_update();
                if new != size {
                    size = new;
                    last_activity = Instant::now();
                    if let Err(e) = screen.resize(size.0, size.1) {
                        break End::Error(e);
                    }
                    dirty = true;
                }
            }
            changed = shared.index.changed(), if index_open => {
                if changed.is_err() {
                    index_open = false;
                    continue;
                }
                let index = shared.index.borrow_and_update().clone();
                if app.update(AppEvent::Reloaded(index)) == Control::Redraw {
                    dirty = true;
                }
            }
            // A hibernated session follows the count only while its frame shows it, and
            // then writes just the label (`online`), never a repaint: at most once per
            // `guests_every(n)`, whatever the churn.
            changed = shared.guests.changed(),
                if guests_open && !guests_wait && (!hibernated || app.shows_online()) => {
                if changed.is_err() {
                    guests_open = false;
                    continue;
                }
                if Instant::now() < guests_next {
                    guests_wait = true;
                    continue;
                }
                let n = *shared.guests.borrow_and_update();
                guests_next = Instant::now() + guests_every(n);
                online::follow(&mut app, n, hibernated, &mut dirty, &mut pending);
            }
            _ = sleep_until(guests_deadline), if guests_deadline.is_some() => {
                guests_wait = false;
                let n = *shared.guests.borrow_and_update();
                guests_next = Instant::now() + guests_every(n);
                online::follow(&mut app, n, hibernated, &mut dirty, &mut pending);
            }
            _ = sleep_until(esc_deadline), if esc_deadline.is_some() => {
                let items = parser.timeout(std::time::Instant::now());
                if let Some(end) = apply(&mut app, items, &mut dirty, &mut background) {
                    break end;
                }
            }
            _ = sleep_until(app_deadline), if app_deadline.is_some() => {
                last_activity = Instant::now();
                match app.update(AppEvent::Tick(std::time::Instant::now())) {
                    Control::Redraw => dirty = true,
                    Control::Quit => break End::Quit,
                    Control::Idle => {}
                }
            }
            _ = sleep_until(idle_deadline), if idle_deadline.is_some() => break End::Idle,
            _ = sleep_until(cap_deadline), if cap_deadline.is_some() => break End::TimeLimit,
            _ = sleep_until(notice_change), if notice_change.is_some() => {}
            _ = sleep_until(hibernate_deadline), if hibernate_deadline.is_some() => {
                screen.hibernate();
                hibernated = true;
                // A count waiting for `guests_next` (already marked seen) is still
                // applied when it is due: as a patch, now that the screen sleeps.
                // What the parser and the frame queue grew to, too.
                pending = Vec::new();
                trim::request();
            }
        }
    };
    finish(&io.output, in_flight, end, cfg.stall_timeout).await
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The window in which the terminal's background answer is taken.
struct Background {
    until: Option<Instant>,
    /// The theme the session started with: if the guest toggled since, they chose.
    initial: crate::theme::ThemeKind,
}

impl Background {
    /// The first answer within the timeout, unless the guest already pressed `t`.
    fn take(&mut self, app: &App) -> bool {
        let in_time = self.until.take().is_some_and(|t| Instant::now() <= t);
        in_time && app.theme_kind() == self.initial
    }
}

/// Feed parsed input to the app; `Some(end)` when the guest quit.
fn apply(
    app: &mut App,
    items: Vec<Parsed>,
    dirty: &mut bool,
    background: &mut Background,
) -> Option<End> {
    for item in items {
        let ev = match item {
            Parsed::Event(ev) => AppEvent::Input(ev),
            Parsed::Reply(Reply::Background(kind)) if background.take(app) => {
                AppEvent::Background(kind)
            }
            Parsed::Reply(_) => continue,
        };
        match app.update(ev) {
            Control::Redraw => *dirty = true,
            Control::Quit => return Some(End::Quit),
            Control::Idle => {}
        }
    }
    None
}

/// Let the frame in flight finish (briefly), then restore the guest's terminal.
async fn finish<O: Output>(
    output: &O,
    in_flight: Option<SendFuture>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::model::Site;
    use ratatui::{TerminalOptions, Viewport};
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Collect(Arc<Mutex<Vec<u8>>>);

    impl Output for Collect {
        fn send(
            &self,
            bytes: Vec<u8>,
        ) -> impl Future<Output = Result<(), Closed>> + Send + 'static {
            let buf = self.0.clone();
            async move {
                buf.lock().unwrap().extend(bytes);
                Ok(())
            }
        }
    }

    struct Harness {
        input: mpsc::Sender<Vec<u8>>,
        size: watch::Sender<(u16, u16)>,
        shutdown: watch::Sender<bool>,
        out: Collect,
    }

    fn start(screen: impl Screen + 'static) -> (Harness, tokio::task::JoinHandle<End>) {
        let out = Collect::default();
        let (mut h, task, _) = start_with(screen, SessionConfig::default(), out.clone());
        h.out = out;
        (h, task)
    }

    fn start_with<O: Output>(
        screen: impl Screen + 'static,
        cfg: SessionConfig,
        output: O,
    ) -> (Harness, tokio::task::JoinHandle<End>, guests::Guests) {
        let index = Index {
            site: Site {
                name: "Test Folio".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let (input_tx, input) = mpsc::channel(8);
        let (size_tx, size) = watch::channel((80, 24));
        let (shutdown_tx, shutdown) = watch::channel(false);
        let (_index_tx, index_rx) = watch::channel(Arc::new(index));
        let guests = guests::Guests::new();
        let out = Collect::default();
        let shared = Shared {
            index: index_rx,
            guests: guests.subscribe(),
            shutdown,
            cache: RenderCache::new(),
        };
        let io = Io {
            input,
            size,
            output,
        };
        let task = tokio::spawn(run(screen, AppOptions::default(), io, shared, cfg));
        (
            Harness {
                input: input_tx,
                size: size_tx,
                shutdown: shutdown_tx,
                out,
            },
            task,
            guests,
        )
    }

    /// An output that records each send and holds it until released.
    #[derive(Clone)]
    struct Gate {
        sends: Arc<Mutex<Vec<Vec<u8>>>>,
        open: Arc<tokio::sync::Semaphore>,
    }

    impl Output for Gate {
        fn send(
            &self,
            bytes: Vec<u8>,
        ) -> impl Future<Output = Result<(), Closed>> + Send + 'static {
            let sends = self.sends.clone();
            let open = self.open.clone();
            async move {
                sends.lock().unwrap().push(bytes);
                match open.acquire().await {
                    Ok(p) => p.forget(),
                    Err(_) => return Err(Closed),
                }
                Ok(())
            }
        }
    }

    #[tokio::test]
    async fn slow_guest_gets_the_latest_frame_not_a_queue() {
        let gate = Gate {
            sends: Default::default(),
            open: Arc::new(tokio::sync::Semaphore::new(0)),
        };
        let (h, task, guests) = start_with(
            ByteScreen::new(80, 24).unwrap(),
            SessionConfig::default(),
            gate.clone(),
        );
        // The first frame is in flight and blocked; 50 changes pile up meanwhile, and
        // input keeps being read (the first background reply asks for a redraw).
        let mut joined = Vec::new();
        for i in 0..50 {
            joined.push(guests.join());
            let reply: &[u8] = if i % 2 == 0 {
                b"\x1b]11;rgb:ffff/ffff/ffff\x07"
            } else {
                b"\x1b]11;rgb:0000/0000/0000\x07"
            };
            tokio::time::timeout(Duration::from_secs(1), h.input.send(reply.to_vec()))
                .await
                .expect("input not read while a frame was in flight")
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            gate.sends.lock().unwrap().len(),
            1,
            "frames queued while blocked"
        );
        gate.open.add_permits(1);
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Exactly one more frame, drawn from the latest state.
        assert_eq!(gate.sends.lock().unwrap().len(), 2);
        gate.open.add_permits(100);
        h.input.send(b"q".to_vec()).await.unwrap();
        assert_eq!(task.await.unwrap(), End::Quit);
    }

    #[tokio::test]
    async fn guest_that_never_reads_is_dropped() {
        let gate = Gate {
            sends: Default::default(),
            open: Arc::new(tokio::sync::Semaphore::new(0)),
        };
        let cfg = SessionConfig {
            stall_timeout: Duration::from_millis(100),
            ..Default::default()
        };
        let (_h, task, _g) = start_with(ByteScreen::new(80, 24).unwrap(), cfg, gate.clone());
        let end = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap();
        assert_eq!(end.unwrap(), End::Stalled);
    }

    #[tokio::test]
    async fn idle_guest_is_told_and_closed() {
        let cfg = SessionConfig {
            idle_timeout: Some(Duration::from_millis(100)),
            ..Default::default()
        };
        let out = Collect::default();
        let (_h, task, _g) = start_with(ByteScreen::new(80, 24).unwrap(), cfg, out.clone());
        let end = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap();
        assert_eq!(end.unwrap(), End::Idle);
        let text = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
        assert!(text.contains("without input"), "{text}");
    }

    #[tokio::test]
    async fn quit_key_restores_the_terminal() {
        let (h, task) = start(ByteScreen::new(80, 24).unwrap());
        h.input.send(b"q".to_vec()).await.unwrap();
        assert_eq!(task.await.unwrap(), End::Quit);
        let out = h.out.0.lock().unwrap().clone();
        assert!(out.starts_with(ENTER));
        assert!(String::from_utf8_lossy(&out).contains("Folio"));
        assert!(out.ends_with(RESTORE));
    }

    #[tokio::test]
    async fn shutdown_restores_and_says_why() {
        let (h, task) = start(ByteScreen::new(80, 24).unwrap());
        h.shutdown.send(true).unwrap();
        assert_eq!(task.await.unwrap(), End::Shutdown);
        let out = String::from_utf8_lossy(&h.out.0.lock().unwrap()).into_owned();
        assert!(out.contains("\x1b[?1049l\x1b") || out.contains("\x1b[?1049lsshfolio"));
        assert!(out.ends_with("reconnect in a moment.\r\n"));
    }

    #[tokio::test]
    async fn closed_input_ends_the_session() {
        let (h, task) = start(ByteScreen::new(80, 24).unwrap());
        drop(h.input);
        assert_eq!(task.await.unwrap(), End::Disconnected);
    }

    /// A TestBackend terminal the test can look at while the session owns a handle.
    struct Shot(Arc<Mutex<Terminal<TestBackend>>>);

    impl Screen for Shot {
        fn draw(&mut self, app: &App) -> Result<(), String> {
            Screen::draw(&mut *self.0.lock().unwrap(), app)
        }
        fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
            Screen::resize(&mut *self.0.lock().unwrap(), cols, rows)
        }
        fn take_output(&mut self) -> Vec<u8> {
            Vec::new()
        }
    }

    fn screen_text(t: &Terminal<TestBackend>) -> String {
        let buf = t.backend().buffer();
        let mut s = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    #[tokio::test]
    async fn test_backend_sees_the_site_name_and_resizes() {
        let term = Terminal::with_options(
            TestBackend::new(80, 24),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
            },
        )
        .unwrap();
        let shared = Arc::new(Mutex::new(term));
        let (h, task) = start(Shot(shared.clone()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while !screen_text(&shared.lock().unwrap()).contains("Test Folio") {
            assert!(Instant::now() < deadline, "site name never drawn");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        h.size.send((40, 12)).unwrap();
        while shared.lock().unwrap().backend().buffer().area.width != 40 {
            assert!(Instant::now() < deadline, "never resized");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(screen_text(&shared.lock().unwrap()).contains("Test Folio"));
        h.input.send(b"q".to_vec()).await.unwrap();
        assert_eq!(task.await.unwrap(), End::Quit);
    }

    #[test]
    fn countdown_starts_within_the_warning_and_ticks_each_second() {
        let t = Instant::now();
        let idle = Some(t + Duration::from_secs(100));
        let warn = Duration::from_secs(60);
        assert_eq!(
            countdown(t, idle, None, warn),
            (None, Some(t + Duration::from_secs(40)))
        );
        let at = t + Duration::from_millis(40_500);
        assert_eq!(
            countdown(at, idle, None, warn),
            (Some(Countdown::Idle(60)), Some(t + Duration::from_secs(41)))
        );
        // The nearer deadline wins: the session cap.
        let cap = Some(t + Duration::from_secs(50));
        assert_eq!(
            countdown(at, idle, cap, warn).0,
            Some(Countdown::TimeLimit(10))
        );
        assert_eq!(countdown(at, idle, None, Duration::ZERO), (None, None));
        assert!(Countdown::Idle(7).text().contains("disconnecting in 7s"));
    }

    #[tokio::test]
    async fn idle_countdown_is_drawn_and_a_key_only_dismisses_it() {
        let cfg = SessionConfig {
            idle_timeout: Some(Duration::from_millis(1500)),
            idle_warning: Duration::from_millis(1400),
            ..Default::default()
        };
        let out = Collect::default();
        let (h, task, _g) = start_with(ByteScreen::new(80, 24).unwrap(), cfg, out.clone());
        let deadline = Instant::now() + Duration::from_secs(5);
        while !String::from_utf8_lossy(&out.0.lock().unwrap()).contains("disconnecting in") {
            assert!(Instant::now() < deadline, "no countdown drawn");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // `q` while warned dismisses the banner instead of quitting.
        h.input.send(b"q".to_vec()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!task.is_finished());
        let end = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap();
        assert_eq!(end.unwrap(), End::Idle);
    }

    #[tokio::test]
    async fn session_cap_ends_even_a_busy_session() {
        let cfg = SessionConfig {
            max_session: Some(Duration::from_millis(300)),
            ..Default::default()
        };
        let out = Collect::default();
        let (h, task, _g) = start_with(ByteScreen::new(80, 24).unwrap(), cfg, out.clone());
        let typing = tokio::spawn(async move {
            while h.input.send(b"j".to_vec()).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        let end = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap();
        assert_eq!(end.unwrap(), End::TimeLimit);
        typing.abort();
        let text = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
        assert!(text.contains("time limit"), "{text}");
    }

    /// A `ByteScreen` whose hibernations the test can count.
    struct Sleepy(ByteScreen, Arc<std::sync::atomic::AtomicUsize>);

    impl Screen for Sleepy {
        fn draw(&mut self, app: &App) -> Result<(), String> {
            self.0.draw(app)
        }
        fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
            self.0.resize(cols, rows)
        }
        fn take_output(&mut self) -> Vec<u8> {
            self.0.take_output()
        }
        fn hibernate(&mut self) {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.0.hibernate()
        }
    }

    #[tokio::test]
    async fn an_idle_guest_falls_asleep_while_other_guests_keep_arriving() {
        let sleeps = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let screen = Sleepy(ByteScreen::new(80, 24).unwrap(), sleeps.clone());
        let out = Collect::default();
        let (h, task, guests) = start_with(screen, SessionConfig::default(), out.clone());
        // A guest joins every 300 ms: each new count is a frame for an awake session,
        // and those frames must not keep it awake.
        let t0 = Instant::now();
        let mut held = Vec::new();
        while sleeps.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            assert!(
                t0.elapsed() < HIBERNATE_AFTER + GUESTS_EVERY * 3,
                "still awake after {:?} of guest-count frames",
                t0.elapsed()
            );
            held.push(guests.join());
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        // And the count was followed while it was awake.
        let text = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
        assert!(text.contains("online"), "{text}");
        h.input.send(b"q".to_vec()).await.unwrap();
        assert_eq!(task.await.unwrap(), End::Quit);
    }

    #[test]
    fn hibernated_screen_repaints_in_full() {
        let index = Index {
            site: Site {
                name: "Test Folio".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let app = App::new(Arc::new(index), RenderCache::new(), AppOptions::default());
        let mut screen = ByteScreen::new(80, 24).unwrap();
        screen.draw(&app).unwrap();
        let first = screen.take_output();
        assert!(String::from_utf8_lossy(&first).contains("Folio"));
        // Nothing changed: the diff is (nearly) empty.
        screen.draw(&app).unwrap();
        assert!(!String::from_utf8_lossy(&screen.take_output()).contains("Folio"));
        screen.hibernate();
        assert!(screen.is_hibernating());
        // A resize while asleep is remembered, not drawn.
        screen.resize(100, 30).unwrap();
        assert!(screen.take_output().is_empty());
        screen.draw(&app).unwrap();
        assert!(!screen.is_hibernating());
        let again = screen.take_output();
        assert!(again.starts_with(b"\x1b[0m\x1b[H\x1b[2J"), "{again:?}");
        assert!(String::from_utf8_lossy(&again).contains("Folio"));
    }

    #[test]
    fn the_count_is_followed_less_often_as_guests_grow() {
        assert_eq!(guests_every(0), GUESTS_EVERY);
        assert_eq!(guests_every(1_000), GUESTS_EVERY);
        assert_eq!(guests_every(10_000), Duration::from_secs(10));
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0, 0), (80, 24));
        assert_eq!(clamp_size(65535, 65535), (MAX_COLS, MAX_ROWS));
        assert_eq!(clamp_size(120, 40), (120, 40));
    }
}
