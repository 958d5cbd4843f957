//! Per-connection accounting below russh: bytes in and out (for the connection's log
//! line), the guest's input budget (every byte the client sends, whatever the message:
//! data, channel requests, global requests), the client's banner and KEXINIT as they
//! arrive (for the handshake deadline), and the MaxStartups gate.
//!
//! The gate counts a connection as "starting up" from its first byte until its session
//! opens and drops new ones at random once too many are starting up (see
//! `config::Startups`) — except that a newcomer whose first bytes are a whole valid SSH
//! banner takes the place of the oldest starter that has not sent one yet (a
//! one-byte-per-connection flood), which is cut instead.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::stream::KillSwitch;
use crate::config::Startups;

/// How many connections are starting up, server-wide, and which of them have not yet
/// sent a valid banner (oldest first; entries of connections gone are skipped).
#[derive(Debug)]
pub(crate) struct StartupGate {
    policy: Startups,
    inner: Mutex<GateInner>,
}

#[derive(Debug, Default)]
struct GateInner {
    now: usize,
    silent: VecDeque<Weak<Meter>>,
}

impl StartupGate {
    pub(crate) fn new(policy: Startups) -> Self {
        Self {
            policy,
            inner: Mutex::new(GateInner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `meter` begins its handshake (`banner`: with a whole valid banner): `false` if
    /// it is dropped.
    fn enter(&self, meter: &Arc<Meter>, banner: bool) -> bool {
        let mut g = self.lock();
        let p = self.policy.drop_probability(g.now);
        if p > 0.0 && rand::random::<f64>() < p {
            // A real client's first packet is its banner: it goes ahead of a starter
            // that has been dribbling bytes, which is cut (and leaves the count).
            let mut evicted = false;
            if banner {
                while let Some(w) = g.silent.pop_front() {
                    if w.upgrade().is_some_and(|m| m.evict()) {
                        g.now = g.now.saturating_sub(1);
                        evicted = true;
                        break;
                    }
                }
            }
            if !evicted {
                return false;
            }
        }
        g.now += 1;
        if !banner {
            g.silent.push_back(Arc::downgrade(meter));
            if g.silent.len() > 2 * g.now + 64 {
                g.silent.retain(|w| {
                    w.upgrade()
                        .is_some_and(|m| m.state.load(Ordering::SeqCst) == PARTIAL)
                });
            }
        }
        true
    }

    fn leave(&self) {
        let mut g = self.lock();
        g.now = g.now.saturating_sub(1);
    }

    /// Connections starting up now.
    #[cfg(test)]
    pub(crate) fn current(&self) -> usize {
        self.lock().now
    }
}

/// No byte yet (not counted by the gate).
const SILENT: u8 = 0;
/// Counted; no whole valid banner yet (may be evicted).
const PARTIAL: u8 = 1;
/// Counted; sent a valid banner.
const BANNER: u8 = 2;
/// Logged in or gone: no longer counted.
const DONE: u8 = 3;
/// Dropped by the gate at its first byte.
const REFUSED: u8 = 4;
/// Cut to make room for a newcomer with a valid banner.
const EVICTED: u8 = 5;

/// The longest banner line we look for (RFC 4253: 255 bytes with CR LF).
const MAX_BANNER: usize = 255;

/// What the client's first bytes say: its banner line and its first packet's header.
#[derive(Debug, Default)]
struct Head {
    /// Bytes read before the head began (a PROXY header).
    base: u64,
    /// The first bytes, kept until the first packet's header is read.
    seen: Vec<u8>,
    /// Offset just past the banner line, once it is whole and valid.
    banner_end: Option<usize>,
    /// Offset just past the first packet, when that packet is a KEXINIT.
    kex_end: Option<u64>,
    /// Not an SSH client (or a broken one): the head is never valid.
    bad: bool,
    done: bool,
    /// The banner names paramiko, which asks for the userauth service again before
    /// every method (see `Meter::asks_service_again`).
    paramiko: bool,
}

impl Head {
    fn feed(&mut self, bytes: &[u8]) {
        if self.done || bytes.is_empty() {
            return;
        }
        let room = (MAX_BANNER + 16).saturating_sub(self.seen.len());
        self.seen.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if self.banner_end.is_none() {
            let n = self.seen.len().min(4);
            if self.seen[..n] != b"SSH-"[..n] {
                return self.give_up();
            }
            match self.seen.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let line = &self.seen[..i];
                    if line.starts_with(b"SSH-2.0-") || line.starts_with(b"SSH-1.99-") {
                        self.banner_end = Some(i + 1);
                        self.paramiko = line.starts_with(b"SSH-2.0-paramiko");
                    } else {
                        return self.give_up();
                    }
                }
                None if self.seen.len() > MAX_BANNER => return self.give_up(),
                None => return,
            }
        }
        if let Some(b) = self.banner_end
            && let Some(h) = self.seen.get(b..b + 6)
        {
            let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
            if h[5] == 20 {
                self.kex_end = Some(self.base + b as u64 + 4 + u64::from(len));
            } else {
                self.bad = true;
            }
            self.done = true;
            self.seen = Vec::new();
        }
    }

    fn give_up(&mut self) {
        self.bad = true;
        self.done = true;
        self.seen = Vec::new();
    }
}

/// One connection's counters, shared by its stream, its handler and its task.
#[derive(Debug)]
pub(crate) struct Meter {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    /// Writes to the socket (each a TCP segment or more: the handshake's cost in packets).
    writes: AtomicU64,
    state: AtomicU8,
    gate: Arc<StartupGate>,
    kill: Arc<KillSwitch>,
    head: Mutex<Head>,
    /// The guest's input budget (every byte read, plus what the handler charges).
    budget: Mutex<InputBucket>,
    throttled_ms: AtomicU64,
}

impl Meter {
    pub(crate) fn new(
        gate: Arc<StartupGate>,
        kill: Arc<KillSwitch>,
        budget: InputBucket,
    ) -> Arc<Self> {
        Arc::new(Self {
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            state: AtomicU8::new(SILENT),
            gate,
            kill,
            head: Mutex::new(Head::default()),
            budget: Mutex::new(budget),
            throttled_ms: AtomicU64::new(0),
        })
    }

    /// `bytes` arrived; `false` if this connection must be dropped now.
    fn read(self: &Arc<Self>, bytes: &[u8]) -> bool {
        self.bytes_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let banner = {
            let mut h = self.head.lock().unwrap_or_else(|p| p.into_inner());
            h.feed(bytes);
            h.banner_end.is_some() && !h.bad
        };
        if !bytes.is_empty()
            && self
                .state
                .compare_exchange(SILENT, PARTIAL, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            if banner {
                self.state.store(BANNER, Ordering::SeqCst);
            }
            if !self.gate.enter(self, banner) {
                self.state.store(REFUSED, Ordering::SeqCst);
            }
        } else if banner {
            let _ =
                self.state
                    .compare_exchange(PARTIAL, BANNER, Ordering::SeqCst, Ordering::SeqCst);
        }
        !matches!(self.state.load(Ordering::SeqCst), REFUSED | EVICTED)
    }

    /// A PROXY header was read: the client's own bytes start now.
    pub(crate) fn proxy_header_read(&self) {
        let mut h = self.head.lock().unwrap_or_else(|p| p.into_inner());
        *h = Head {
            base: self.bytes_in(),
            ..Head::default()
        };
    }

    /// Cut this connection if it is still a starter without a banner.
    fn evict(&self) -> bool {
        let ok = self
            .state
            .compare_exchange(PARTIAL, EVICTED, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if ok {
            self.kill.kill();
        }
        ok
    }

    /// The session channel is open (or the connection is over): no longer starting up.
    pub(crate) fn logged_in(&self) {
        for from in [PARTIAL, BANNER] {
            if self
                .state
                .compare_exchange(from, DONE, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                self.gate.leave();
                return;
            }
        }
        let _ = self
            .state
            .compare_exchange(SILENT, DONE, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Dropped by the MaxStartups gate.
    pub(crate) fn refused(&self) -> bool {
        self.state.load(Ordering::SeqCst) == REFUSED
    }

    /// Cut from the MaxStartups gate for a newcomer with a banner.
    pub(crate) fn evicted(&self) -> bool {
        self.state.load(Ordering::SeqCst) == EVICTED
    }

    /// The client is paramiko: it sends a new SERVICE_REQUEST before each method it
    /// tries, and russh (0.65) leaves a second one unanswered, so after a refused
    /// method such a client waits until the login deadline.
    pub(crate) fn asks_service_again(&self) -> bool {
        self.head.lock().map(|h| h.paramiko).unwrap_or(false)
    }

    /// The client's banner and whole KEXINIT have arrived.
    pub(crate) fn kexinit_received(&self) -> bool {
        let end = self.head.lock().map(|h| h.kex_end).unwrap_or(None);
        end.is_some_and(|end| self.bytes_in() >= end)
    }

    /// Charge `n` bytes to the guest's input budget; how long reading must pause.
    pub(crate) fn charge(&self, n: usize) -> Duration {
        let mut b = self.budget.lock().unwrap_or_else(|p| p.into_inner());
        b.take(n, Instant::now())
    }

    /// Time the connection was not read because of the input budget.
    pub(crate) fn throttled(&self) -> Duration {
        Duration::from_millis(self.throttled_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn bytes_in(&self) -> u64 {
        self.bytes_in.load(Ordering::Relaxed)
    }

    pub(crate) fn bytes_out(&self) -> u64 {
        self.bytes_out.load(Ordering::Relaxed)
    }

    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.logged_in();
    }
}

/// A socket that counts its bytes, obeys the startup gate and the input budget.
pub(crate) struct Metered<S> {
    inner: S,
    meter: Arc<Meter>,
    /// Set while the guest is over its input budget: no reads until it fires.
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Metered<S> {
    pub(crate) fn new(inner: S, meter: Arc<Meter>) -> Self {
        Self {
            inner,
            meter,
            pause: None,
        }
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(pause) = self.pause.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let bytes = &buf.filled()[before..];
            if !self.meter.read(bytes) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    "too many connections logging in",
                )));
            }
            let wait = self.meter.charge(bytes.len());
            if !wait.is_zero() {
                // Stop reading for a while: the client's TCP window fills and it slows
                // down; nothing queues up here.
                self.meter
                    .throttled_ms
                    .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                self.pause = Some(Box::pin(tokio::time::sleep(wait)));
            }
        }
        r
    }
}
impl<S: AsyncWrite + Unpin> AsyncWrite for Metered<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.meter.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
            self.meter.writes.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Guest input, bytes per second with a burst. `take` says how long to wait before the
/// bytes may be handed on; the caller waits without reading more from the connection,
/// so a flooding guest is slowed by TCP backpressure and costs bounded CPU and memory.
#[derive(Debug, Clone)]
pub(crate) struct InputBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl InputBucket {
    /// `rate` 0 means unlimited.
    pub(crate) fn new(rate: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate: f64::from(rate),
            burst,
            tokens: burst,
            last: now,
        }
    }

    pub(crate) fn take(&mut self, n: usize, now: Instant) -> Duration {
        if self.rate <= 0.0 {
            return Duration::ZERO;
        }
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        self.tokens -= n as f64;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_bucket_allows_a_burst_then_the_rate() {
        let t = Instant::now();
        let mut b = InputBucket::new(1000, 4000, t);
        assert_eq!(b.take(4000, t), Duration::ZERO);
        // 500 bytes over budget at 1000 B/s: wait half a second.
        let w = b.take(500, t);
        assert!((w.as_secs_f64() - 0.5).abs() < 1e-6, "{w:?}");
        // After waiting, the debt is paid; a second later 1000 more are free.
        assert_eq!(b.take(0, t + w), Duration::ZERO);
        assert_eq!(b.take(1000, t + w + Duration::from_secs(1)), Duration::ZERO);
        let mut unlimited = InputBucket::new(0, 1, t);
        assert_eq!(unlimited.take(10_000_000, t), Duration::ZERO);
    }

    fn meter(gate: &Arc<StartupGate>) -> Arc<Meter> {
        Meter::new(
            gate.clone(),
            Arc::default(),
            InputBucket::new(0, 1, Instant::now()),
        )
    }

    const BANNER_AND_KEX: &[u8] = b"SSH-2.0-OpenSSH_9.2\r\n\0\0\0\x0c\x0a\x14rest";

    #[test]
    fn gate_counts_from_first_byte_to_login_and_drops_when_full() {
        let gate = Arc::new(StartupGate::new(Startups {
            start: 2,
            rate: 100,
            full: 2,
        }));
        let (a, b, c) = (meter(&gate), meter(&gate), meter(&gate));
        // Silent connections are not counted.
        assert!(a.read(b"") && gate.current() == 0);
        assert!(a.read(b"SSH-2.0-a\r\n") && b.read(b"SSH-2.0-b\r\n"));
        assert_eq!(gate.current(), 2);
        assert!(
            !c.read(b"SSH-2.0-c\r\n"),
            "third handshake admitted past full"
        );
        assert!(c.refused() && !c.read(b"x"));
        a.logged_in();
        assert_eq!(gate.current(), 1);
        let d = meter(&gate);
        assert!(d.read(b"S"));
        drop((b, d, c));
        assert_eq!(gate.current(), 0);
        assert_eq!(a.bytes_in(), 11);
    }

    #[test]
    fn a_newcomer_with_a_banner_evicts_the_oldest_starter_without_one() {
        let gate = Arc::new(StartupGate::new("2".parse().unwrap()));
        let (old, young, real) = (meter(&gate), meter(&gate), meter(&gate));
        assert!(old.read(b"S") && young.read(b"SS"));
        assert!(real.read(BANNER_AND_KEX), "a real client was dropped");
        assert!(old.evicted() && old.kill.is_killed() && !old.read(b"H"));
        assert!(!young.evicted());
        assert_eq!(gate.current(), 2);
        // Without a banner, a newcomer is simply dropped.
        let junk = meter(&gate);
        assert!(!junk.read(b"S") && junk.refused() && !young.evicted());
        // The real client's KEXINIT is whole once 4 + 12 bytes after its banner arrived.
        assert!(!real.kexinit_received());
        assert!(real.read(b"0123456789"));
        assert!(real.kexinit_received());
    }

    #[test]
    fn a_banner_dribbled_a_byte_at_a_time_still_counts() {
        let gate = Arc::new(StartupGate::new("5".parse().unwrap()));
        let m = meter(&gate);
        for b in BANNER_AND_KEX.iter().take(BANNER_AND_KEX.len() - 4) {
            assert!(m.read(std::slice::from_ref(b)));
        }
        assert_eq!(m.state.load(Ordering::SeqCst), BANNER);
        assert!(!m.kexinit_received());
        let bad = meter(&gate);
        assert!(bad.read(b"GET / HTTP/1.1\r\n"));
        assert_eq!(bad.state.load(Ordering::SeqCst), PARTIAL);
    }
}
