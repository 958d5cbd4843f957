//! The session's tests: a real session task over channels, its output read back.

#![cfg(test)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::countdown::{Countdown, countdown};
use super::*;
use crate::content::model::Site;
use crate::tui::AppOptions;
use ratatui::{TerminalOptions, Viewport};
use std::sync::Mutex;

/// An `Output` that keeps every byte sent (the guest's terminal, read back by tests).
#[derive(Clone, Default)]
pub(super) struct Collect(pub(super) Arc<Mutex<Vec<u8>>>);

impl Output for Collect {
    fn send(&self, bytes: Vec<u8>) -> impl Future<Output = Result<(), Closed>> + Send + 'static {
        let buf = self.0.clone();
        async move {
            buf.lock().unwrap().extend(bytes);
            Ok(())
        }
    }

    fn try_send(&self, bytes: Vec<u8>) -> Result<Result<(), Closed>, Vec<u8>> {
        self.0.lock().unwrap().extend(bytes);
        Ok(Ok(()))
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
        first: Default::default(),
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
    fn send(&self, bytes: Vec<u8>) -> impl Future<Output = Result<(), Closed>> + Send + 'static {
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

/// Keys postpone the idle timeout, which still fires after the last one: the session's
/// one timer is set for the earliest deadline and, when a key moved that later, fires
/// early, finds nothing due and is set again.
#[tokio::test]
async fn idle_timeout_still_fires_after_keys() {
    let cfg = SessionConfig {
        idle_timeout: Some(Duration::from_millis(1000)),
        idle_warning: Duration::ZERO,
        ..Default::default()
    };
    let out = Collect::default();
    let (h, task, _g) = start_with(ByteScreen::new(80, 24).unwrap(), cfg, out.clone());
    // Two idle timeouts' worth of keys, one every 100 ms.
    for _ in 0..20 {
        h.input.send(b"j".to_vec()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!task.is_finished(), "closed as idle while keys kept coming");
    let end = tokio::time::timeout(Duration::from_secs(10), task)
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

/// A `ByteScreen` that records every re-layout (each `resize`).
struct Layouts {
    inner: ByteScreen,
    sizes: Arc<Mutex<Vec<(u16, u16)>>>,
}

impl Screen for Layouts {
    fn draw(&mut self, app: &App) -> Result<(), String> {
        self.inner.draw(app)
    }
    fn resize(&mut self, cols: u16, rows: u16) -> Result<(), String> {
        self.sizes.lock().unwrap().push((cols, rows));
        self.inner.resize(cols, rows)
    }
    fn take_output(&mut self) -> Vec<u8> {
        self.inner.take_output()
    }
    fn draw_notice(&mut self, app: &App, notice: Option<&str>) -> Result<(), String> {
        self.inner.draw_notice(app, notice)
    }
    fn hibernate(&mut self) {
        self.inner.hibernate()
    }
}

#[tokio::test]
async fn a_flood_of_window_changes_is_laid_out_at_most_ten_times_a_second_at_the_last_size() {
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let screen = Layouts {
        inner: ByteScreen::new(80, 24).unwrap(),
        sizes: sizes.clone(),
    };
    let (h, task, _guests) = start_with(screen, SessionConfig::default(), Collect::default());
    // 600 window changes, each a millisecond or so after the last (a window corner
    // dragged for a while, or a guest flooding them).
    let size_of = |i: u16| (60 + i % 120, 20 + i % 60);
    let start = Instant::now();
    for i in 0..600 {
        h.size.send(size_of(i)).unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let flood = start.elapsed();
    let last = size_of(599);
    // The last size is laid out (at most `RESIZE_EVERY` later; the loop bounds a hang).
    for _ in 0..500 {
        if sizes.lock().unwrap().last() == Some(&last) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let layouts = sizes.lock().unwrap().clone();
    eprintln!(
        "{} layouts for 600 window changes in {flood:?}",
        layouts.len()
    );
    assert_eq!(
        layouts.last(),
        Some(&last),
        "never laid out at the last size"
    );
    // The first layout at the start, one a `RESIZE_EVERY` during the flood, the last.
    let bound = 2 + (flood.as_millis() / RESIZE_EVERY.as_millis()) as usize + 1;
    assert!(
        layouts.len() <= bound,
        "{} layouts for 600 changes in {flood:?} (at most {bound})",
        layouts.len()
    );
    assert!(layouts.len() >= 3, "{layouts:?}");
    h.input.send(b"q".to_vec()).await.unwrap();
    assert_eq!(task.await.unwrap(), End::Quit);
}
