//! One guest's session loop: everything that can wake a session is one `Wake`, built by
//! the one `select!` in `Session::wait`, and each has its own small handler. Between
//! wakes, `Session::flush` draws a frame when the state changed and starts sending it
//! (at most one frame in flight).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures::future::OptionFuture;
use tokio::time::Instant;

use super::countdown::{Countdown, countdown};
use super::first::First;
use super::seen::Seen;
use super::{
    BACKGROUND_TIMEOUT, Closed, ENTER, End, GUESTS_EVERY, HIBERNATE_AFTER, Io, Output,
    RESIZE_EVERY, Screen, SessionConfig, Shared, guests_every, online, trim,
};
use crate::content::Index;
use crate::stats::recorder::Resume;
use crate::tui::input::{InputParser, Parsed, Reply};
use crate::tui::{App, AppEvent, AppOptions, Control};

pub(super) type SendFuture =
    Pin<Box<dyn Future<Output = Result<Result<(), Closed>, tokio::time::error::Elapsed>> + Send>>;

/// Everything that can wake a session.
pub(super) enum Wake {
    /// The server is shutting down.
    Shutdown,
    /// The frame in flight was written (or the guest is gone, or it stalled).
    Sent(Result<Result<(), Closed>, tokio::time::error::Elapsed>),
    /// Bytes from the guest; `None` when the channel closed.
    Input(Option<Vec<u8>>),
    /// The terminal size changed; `false` when its sender is gone.
    Resize(bool),
    /// A size held back by `RESIZE_EVERY` is due.
    ResizeDue,
    /// The content was reloaded; `None` when the watcher is gone.
    Reload(Option<Arc<Index>>),
    /// The guest count changed; `false` when its sender is gone.
    Guests(bool),
    /// A guest count held back by `guests_every` is due.
    GuestsDue,
    /// A lone Esc waited long enough to be a key.
    EscTimeout,
    /// The app's timer (the story auto-advance).
    Tick,
    /// The returning guest's unfinished post was looked up (`None`: there is none).
    Resume(Option<Resume>),
    /// No input for the idle timeout.
    Idle,
    /// The session cap.
    TimeLimit,
    /// The countdown banner changes (it starts, or another second passed).
    Countdown,
    /// Quiet for `HIBERNATE_AFTER`: drop the cell buffers.
    Hibernate,
}

/// The state of one guest's session loop.
pub(super) struct Session<S, O: Output> {
    screen: S,
    app: App,
    io: Io<O>,
    shared: Shared,
    cfg: SessionConfig,
    size: (u16, u16),
    parser: InputParser,
    /// Bytes waiting to go out (the next frame, a label patch…).
    pending: Vec<u8>,
    in_flight: Option<SendFuture>,
    /// The state changed since the last frame drawn.
    dirty: bool,
    last_input: Instant,
    cap_deadline: Option<Instant>,
    /// The countdown banner on screen.
    shown: Option<Countdown>,
    /// When the banner next changes.
    notice_change: Option<Instant>,
    index_open: bool,
    guests_open: bool,
    size_open: bool,
    /// When the size was last applied (a re-layout and a full repaint).
    laid_out: Instant,
    /// A size change arrived within `RESIZE_EVERY` of the last one applied: it is
    /// applied then (the latest size wins), and the size isn't polled meanwhile.
    resize_due: Option<Instant>,
    background: Background,
    /// The guest's last input, resize or story tick; `HIBERNATE_AFTER` later, once its
    /// frames are sent, the screen hibernates (once). Frames for a new guest count or a
    /// content reload are not activity: while guests arrive every second, idle sessions
    /// must still fall asleep (otherwise every arrival keeps every guest's buffers alive
    /// and repainting).
    last_activity: Instant,
    hibernated: bool,
    /// The guest count is applied at most every `guests_every(n)`; a change before then
    /// waits for `guests_next` (and the channel isn't polled meanwhile).
    guests_next: Instant,
    guests_wait: bool,
    /// What the guest reads and searches (the owner's analytics).
    seen: Seen,
    /// The image probe: its answers pick how pictures are shown (`None`: not probed).
    probe: Option<super::pictures::Probe>,
    /// A frame was drawn (or a shared first frame sent).
    drawn: bool,
    /// The one sleep `wait` waits on for every timer, and the deadline it is set to
    /// (`None`: not set, or fired). Set again only when the earliest timer is now
    /// sooner: a key moves the idle and hibernate deadlines later, and rather than
    /// resetting (or, as before, making and dropping a sleep each turn) the sleep
    /// fires at the old time, finds nothing due and is set to the new earliest.
    timer: Pin<Box<tokio::time::Sleep>>,
    timer_at: Option<Instant>,
}

impl<S: Screen, O: Output> Session<S, O> {
    /// A session for `io`, its app on the current index and guest count.
    pub fn new(
        mut screen: S,
        app_opts: AppOptions,
        mut io: Io<O>,
        mut shared: Shared,
        cfg: SessionConfig,
    ) -> Result<Self, (O, End)> {
        let index = shared.index.borrow_and_update().clone();
        let mut app = App::new(index, shared.cache.clone(), app_opts);
        let guests = *shared.guests.borrow_and_update();
        app.update(AppEvent::Guests(guests));
        let size = *io.size.borrow_and_update();
        app.set_size(size.0, size.1);
        let now = Instant::now();
        let background = Background {
            until: Some(now + BACKGROUND_TIMEOUT),
            initial: app.theme_kind(),
        };
        if let Err(e) = screen.resize(size.0, size.1) {
            return Err((io.output, End::Error(e)));
        }
        let seen = Seen::new(cfg.stats.clone());
        let mut pending = ENTER.to_vec();
        let probe = cfg.images.clone().map(|env| {
            let (probe, queries) = super::pictures::Probe::start(env);
            pending.extend_from_slice(queries);
            app.update(AppEvent::Images(probe.protocol()));
            screen.set_images(probe.protocol(), probe.cell());
            probe
        });
        Ok(Session {
            screen,
            app,
            io,
            shared,
            size,
            parser: InputParser::new(),
            pending,
            in_flight: None,
            dirty: true,
            last_input: now,
            cap_deadline: cfg.max_session.map(|d| now + d),
            cfg,
            shown: None,
            notice_change: None,
            index_open: true,
            guests_open: true,
            size_open: true,
            laid_out: now,
            resize_due: None,
            background,
            last_activity: now,
            hibernated: false,
            guests_next: on_the_beat(now + GUESTS_EVERY),
            guests_wait: false,
            seen,
            probe,
            drawn: false,
            timer: Box::pin(tokio::time::sleep_until(now)),
            timer_at: None,
        })
    }

    /// The session is over: the analytics get what was open; the frame still in flight
    /// is handed back (to finish before the terminal is restored).
    pub fn end(&mut self) -> Option<SendFuture> {
        for (about, copied) in self.app.take_outbound() {
            self.seen.link(&about, copied);
        }
        self.seen.finish(&self.app);
        self.in_flight.take()
    }

    pub fn output(&self) -> &O {
        &self.io.output
    }

    fn idle_deadline(&self) -> Option<Instant> {
        self.cfg.idle_timeout.map(|d| self.last_input + d)
    }

    /// Bring the screen up to date: the countdown banner, a frame if anything changed,
    /// and the send of what is pending when nothing is in flight.
    pub fn flush(&mut self) -> Result<(), End> {
        self.seen.observe(&self.app);
        for (about, copied) in self.app.take_outbound() {
            self.seen.link(&about, copied);
        }
        let (due, change) = countdown(
            Instant::now(),
            self.idle_deadline(),
            self.cap_deadline,
            self.cfg.idle_warning,
        );
        self.notice_change = change;
        if due != self.shown {
            self.shown = due;
            self.dirty = true;
        }
        if self.in_flight.is_none() {
            // A mouse mode change or an OSC 52 copy: the app keeps only the latest copy
            // until it can go, so a stalled guest's copies don't pile up here.
            self.pending.extend(self.app.take_escapes());
        }
        if self.dirty && self.in_flight.is_none() {
            self.dirty = false;
            let text = self.shown.map(Countdown::text);
            self.draw(text.as_deref())?;
            self.hibernated = false;
        }
        if !self.pending.is_empty() && self.in_flight.is_none() {
            // Queued at once when there is room (a key's frame, usually); otherwise in
            // flight, and the next frame waits for it.
            match self.io.output.try_send(std::mem::take(&mut self.pending)) {
                Ok(Ok(())) => {}
                Ok(Err(Closed)) => return Err(End::Disconnected),
                Err(bytes) => {
                    let fut = self.io.output.send(bytes);
                    let timed = tokio::time::timeout(self.cfg.stall_timeout, fut);
                    self.in_flight = Some(Box::pin(timed));
                }
            }
        }
        Ok(())
    }

    /// Draw a frame into `pending`. The first frame of an untouched app is shared by
    /// every session of its kind (`first`): drawn by the first, then only sent, with
    /// this guest's count patched into the label.
    fn draw(&mut self, notice: Option<&str>) -> Result<(), End> {
        let kind = if self.drawn || notice.is_some() {
            None
        } else {
            self.app.first_kind()
        };
        self.drawn = true;
        if let Some(kind) = &kind
            && let Some(first) = self.shared.first.get(kind, self.size)
        {
            let row = first.hits.online.map(|slot| slot.y);
            if self.screen.adopt(first.clone(), row) {
                let runs = self.app.adopt(first.hits.clone(), first.guests);
                self.pending.extend_from_slice(&first.bytes);
                if !runs.is_empty() {
                    self.pending.extend(online::encode(&runs, self.app.depth()));
                }
                return Ok(());
            }
        }
        self.screen
            .draw_notice(&self.app, notice)
            .map_err(End::Error)?;
        let bytes = self.screen.take_output();
        if let Some(kind) = &kind
            && let Some(cells) = self.screen.drawn_cells()
        {
            let (hits, guests) = self.app.drawn();
            let first = First {
                bytes: bytes.clone(),
                cells,
                hits,
                guests,
            };
            self.shared.first.put(kind, self.size, first);
        }
        self.pending.extend(bytes);
        Ok(())
    }

    /// Wait for the next thing that wakes this session.
    pub async fn wait(&mut self) -> Wake {
        let quiet =
            !self.dirty && !self.hibernated && self.in_flight.is_none() && self.pending.is_empty();
        // Every timer, in the order they win when several are due at once. One sleep
        // for the earliest: a sleep per timer made this future (which lives as long as
        // the session) ~1 KB larger.
        let timers = [
            (self.resize_due, Timer::ResizeDue),
            (
                self.guests_wait.then_some(self.guests_next),
                Timer::GuestsDue,
            ),
            (
                self.parser.pending_deadline().map(Instant::from_std),
                Timer::EscTimeout,
            ),
            (self.app.next_deadline().map(Instant::from_std), Timer::Tick),
            (self.idle_deadline(), Timer::Idle),
            (self.cap_deadline, Timer::TimeLimit),
            (self.notice_change, Timer::Countdown),
            (
                quiet.then(|| self.last_activity + HIBERNATE_AFTER),
                Timer::Hibernate,
            ),
        ];
        let next = timers.iter().filter_map(|(at, _)| *at).min();
        if let Some(at) = next
            && self.timer_at.is_none_or(|set| at < set)
        {
            self.timer.as_mut().reset(at);
            self.timer_at = Some(at);
        }
        // A hibernated session follows the count only while its frame shows it, and
        // then writes just the label (`online`), never a repaint.
        let follow_guests =
            self.guests_open && !self.guests_wait && (!self.hibernated || self.app.shows_online());
        tokio::select! {
            biased;
            _ = self.shared.shutdown.changed() => Wake::Shutdown,
            Some(sent) = OptionFuture::from(self.in_flight.as_mut()) => Wake::Sent(sent),
            bytes = self.io.input.recv() => Wake::Input(bytes),
            changed = self.io.size.changed(), if self.size_open && self.resize_due.is_none() => {
                Wake::Resize(changed.is_ok())
            }
            changed = self.shared.index.changed(), if self.index_open => {
                Wake::Reload(changed.ok().map(|_| self.shared.index.borrow_and_update().clone()))
            }
            changed = self.shared.guests.changed(), if follow_guests => {
                Wake::Guests(changed.is_ok())
            }
            found = self.seen.resume(), if self.seen.waiting() => Wake::Resume(found),
            _ = self.timer.as_mut(), if self.timer_at.is_some() => {
                self.timer_at = None;
                let now = Instant::now();
                let due = timers.iter().find(|(at, _)| at.is_some_and(|at| at <= now));
                due.map_or(Wake::Countdown, |(_, timer)| timer.wake())
            }
        }
    }

    /// Handle one wake; `Err(end)` ends the session.
    pub fn handle(&mut self, wake: Wake) -> Result<(), End> {
        match wake {
            Wake::Shutdown => Err(End::Shutdown),
            Wake::Sent(sent) => self.on_sent(sent),
            Wake::Input(bytes) => self.on_input(bytes),
            Wake::Resize(open) => self.on_resize(open),
            Wake::ResizeDue => {
                self.resize_due = None;
                self.apply_size()
            }
            Wake::Reload(index) => {
                self.on_reload(index);
                Ok(())
            }
            Wake::Guests(open) => {
                self.on_guests(open);
                Ok(())
            }
            Wake::GuestsDue => {
                self.guests_wait = false;
                self.follow_guests();
                Ok(())
            }
            Wake::EscTimeout => {
                let items = self.parser.timeout(std::time::Instant::now());
                self.feed(items)
            }
            Wake::Tick => self.on_tick(),
            Wake::Resume(found) => {
                if let Some(r) = found
                    && self.app.offer_resume(&r.slug, r.read_pct) == Control::Redraw
                {
                    self.dirty = true;
                }
                Ok(())
            }
            Wake::Idle => Err(End::Idle),
            Wake::TimeLimit => Err(End::TimeLimit),
            Wake::Countdown => Ok(()),
            Wake::Hibernate => {
                self.on_hibernate();
                Ok(())
            }
        }
    }

    fn on_sent(
        &mut self,
        sent: Result<Result<(), Closed>, tokio::time::error::Elapsed>,
    ) -> Result<(), End> {
        self.in_flight = None;
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(Closed)) => Err(End::Disconnected),
            Err(_) => Err(End::Stalled),
        }
    }

    fn on_input(&mut self, bytes: Option<Vec<u8>>) -> Result<(), End> {
        let Some(bytes) = bytes else {
            return Err(End::Disconnected);
        };
        if self.cfg.panic_on_input {
            panic!("test hook: session panicked on input");
        }
        let now = Instant::now();
        self.last_input = now;
        self.last_activity = now;
        if self.hibernated {
            // Asleep, the guest count was not followed; catch up before drawing.
            let n = *self.shared.guests.borrow_and_update();
            self.update(AppEvent::Guests(n))?;
        }
        let mut items = self.parser.feed(&bytes, now.into_std());
        if matches!(self.shown, Some(Countdown::Idle(_))) {
            // "Press any key": the key only dismisses the idle warning.
            items.retain(|i| matches!(i, Parsed::Reply(_)));
        }
        self.feed(items)
    }

    /// A window change: applied now, or — within `RESIZE_EVERY` of the last one
    /// applied — when that time is up, so a flood of them costs at most ten re-layouts
    /// a second, and the last size still lands within `RESIZE_EVERY`.
    fn on_resize(&mut self, open: bool) -> Result<(), End> {
        if !open {
            self.size_open = false;
            return Ok(());
        }
        let next = self.laid_out + RESIZE_EVERY;
        if Instant::now() < next {
            self.resize_due = Some(next);
            return Ok(());
        }
        self.apply_size()
    }

    /// Lay the screen out at the latest size, if it changed.
    fn apply_size(&mut self) -> Result<(), End> {
        let new = *self.io.size.borrow_and_update();
        if new != self.size {
            self.size = new;
            self.last_activity = Instant::now();
            self.laid_out = self.last_activity;
            self.screen.resize(new.0, new.1).map_err(End::Error)?;
            self.dirty = true;
        }
        Ok(())
    }

    fn on_reload(&mut self, index: Option<Arc<Index>>) {
        match index {
            Some(index) => {
                let _ = self.update(AppEvent::Reloaded(index));
            }
            None => self.index_open = false,
        }
    }

    fn on_guests(&mut self, open: bool) {
        if !open {
            self.guests_open = false;
        } else if Instant::now() < self.guests_next {
            self.guests_wait = true;
        } else {
            self.follow_guests();
        }
    }

    /// Apply the guest count now (a frame, or just the label when hibernated) and hold
    /// the next change back for `guests_every(n)`.
    fn follow_guests(&mut self) {
        let n = *self.shared.guests.borrow_and_update();
        self.guests_next = on_the_beat(Instant::now() + guests_every(n));
        // Without cell buffers (asleep, or showing a shared first frame), just the
        // label's cells are written.
        let asleep = self.hibernated || self.screen.asleep();
        online::follow(&mut self.app, n, asleep, &mut self.dirty, &mut self.pending);
    }

    fn on_tick(&mut self) -> Result<(), End> {
        self.last_activity = Instant::now();
        self.update(AppEvent::Tick(std::time::Instant::now()))
    }

    fn on_hibernate(&mut self) {
        // A guest that never drew a frame of its own (its first was shared) frees
        // nothing worth handing back to the OS.
        let had_buffers = !self.screen.asleep();
        self.screen.hibernate();
        self.hibernated = true;
        // A count waiting for `guests_next` (already marked seen) is still applied when
        // it is due: as a patch, now that the screen sleeps. What the parser and the
        // frame queue grew to, too.
        self.pending = Vec::new();
        if had_buffers {
            trim::request();
        }
    }

    /// Feed parsed input to the app.
    fn feed(&mut self, items: Vec<Parsed>) -> Result<(), End> {
        for item in items {
            let ev = match item {
                Parsed::Event(ev) => AppEvent::Input(ev),
                Parsed::Reply(Reply::Background(kind)) if self.background.take(&self.app) => {
                    AppEvent::Background(kind)
                }
                Parsed::Reply(r) => {
                    let Some(probe) = self.probe.as_mut() else {
                        continue;
                    };
                    probe.reply(&r);
                    let Some((protocol, cell)) = probe.take_change() else {
                        continue;
                    };
                    self.screen.set_images(protocol, cell);
                    AppEvent::Images(protocol)
                }
            };
            self.update(ev)?;
        }
        Ok(())
    }

    fn update(&mut self, ev: AppEvent) -> Result<(), End> {
        match self.app.update(ev) {
            Control::Redraw => self.dirty = true,
            Control::Quit => return Err(End::Quit),
            Control::Idle => {}
        }
        Ok(())
    }
}

/// The timers `wait` sleeps on (one sleep, for the earliest).
#[derive(Clone, Copy)]
enum Timer {
    ResizeDue,
    GuestsDue,
    EscTimeout,
    Tick,
    Idle,
    TimeLimit,
    Countdown,
    Hibernate,
}

impl Timer {
    fn wake(self) -> Wake {
        match self {
            Timer::ResizeDue => Wake::ResizeDue,
            Timer::GuestsDue => Wake::GuestsDue,
            Timer::EscTimeout => Wake::EscTimeout,
            Timer::Tick => Wake::Tick,
            Timer::Idle => Wake::Idle,
            Timer::TimeLimit => Wake::TimeLimit,
            Timer::Countdown => Wake::Countdown,
            Timer::Hibernate => Wake::Hibernate,
        }
    }
}

/// Guest counts held back are applied on a shared beat (every `BEAT` from a process-wide
/// start), so every session's count falls due at the same few instants a second: one
/// wake-up of the worker applies them all, where each session's own moment cost a
/// wake-up per guest per second while guests arrive (about a tenth of a new session's
/// CPU at 20 arrivals a second). A count waits at most `BEAT` longer.
const BEAT: std::time::Duration = std::time::Duration::from_millis(250);

fn on_the_beat(at: Instant) -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    if at <= start {
        // Another clock (a test's paused one) began later: no beat to keep.
        return at;
    }
    let since = at.saturating_duration_since(start).as_nanos();
    let beat = BEAT.as_nanos();
    let beats = since.div_ceil(beat);
    start + std::time::Duration::from_nanos(u64::try_from(beats * beat).unwrap_or(u64::MAX))
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
