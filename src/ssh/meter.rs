//! Per-connection accounting: bytes in and out below russh (for the connection's log
//! line), the MaxStartups gate, which counts a connection as "starting up" from its
//! first byte until its session channel opens and drops new ones at random once too
//! many are starting up (see `config::Startups`), and the guest's input token bucket.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::config::Startups;

/// How many connections are starting up, server-wide.
#[derive(Debug)]
pub(crate) struct StartupGate {
    policy: Startups,
    now: AtomicUsize,
}

impl StartupGate {
    pub(crate) fn new(policy: Startups) -> Self {
        Self {
            policy,
            now: AtomicUsize::new(0),
        }
    }

    /// A connection begins its handshake: `false` if it is dropped.
    fn enter(&self) -> bool {
        let before = self.now.fetch_add(1, Ordering::SeqCst);
        let p = self.policy.drop_probability(before);
        if p > 0.0 && rand::random::<f64>() < p {
            self.now.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        true
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    /// Connections starting up now.
    #[cfg(test)]
    pub(crate) fn current(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }
}

const SILENT: u8 = 0;
const STARTING: u8 = 1;
const DONE: u8 = 2;
const REFUSED: u8 = 3;

/// One connection's counters, shared by its stream and its connection task.
#[derive(Debug)]
pub(crate) struct Meter {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    state: AtomicU8,
    gate: Arc<StartupGate>,
}

impl Meter {
    pub(crate) fn new(gate: Arc<StartupGate>) -> Arc<Self> {
        Arc::new(Self {
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            state: AtomicU8::new(SILENT),
            gate,
        })
    }

    /// `n` bytes arrived; `false` if this connection must be dropped now.
    fn read(&self, n: usize) -> bool {
        self.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
        if n > 0
            && self
                .state
                .compare_exchange(SILENT, STARTING, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            && !self.gate.enter()
        {
            self.state.store(REFUSED, Ordering::SeqCst);
        }
        self.state.load(Ordering::SeqCst) != REFUSED
    }

    /// The session channel is open (or the connection is over): no longer starting up.
    pub(crate) fn logged_in(&self) {
        match self
            .state
            .compare_exchange(STARTING, DONE, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => self.gate.leave(),
            Err(_) => {
                let _ =
                    self.state
                        .compare_exchange(SILENT, DONE, Ordering::SeqCst, Ordering::SeqCst);
            }
        }
    }

    /// Dropped by the MaxStartups gate.
    pub(crate) fn refused(&self) -> bool {
        self.state.load(Ordering::SeqCst) == REFUSED
    }

    pub(crate) fn bytes_in(&self) -> u64 {
        self.bytes_in.load(Ordering::Relaxed)
    }

    pub(crate) fn bytes_out(&self) -> u64 {
        self.bytes_out.load(Ordering::Relaxed)
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.logged_in();
    }
}

/// A socket that counts its bytes and obeys the startup gate.
pub(crate) struct Metered<S> {
    inner: S,
    meter: Arc<Meter>,
}

impl<S> Metered<S> {
    pub(crate) fn new(inner: S, meter: Arc<Meter>) -> Self {
        Self { inner, meter }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let n = buf.filled().len() - before;
            if !self.meter.read(n) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    "too many connections logging in",
                )));
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

    #[test]
    fn gate_counts_from_first_byte_to_login_and_drops_when_full() {
        let gate = Arc::new(StartupGate::new(Startups {
            start: 2,
            rate: 100,
            full: 2,
        }));
        let a = Meter::new(gate.clone());
        let b = Meter::new(gate.clone());
        let c = Meter::new(gate.clone());
        // Silent connections are not counted.
        assert!(a.read(0) && gate.current() == 0);
        assert!(a.read(10) && b.read(3));
        assert_eq!(gate.current(), 2);
        assert!(!c.read(1), "third handshake admitted past full");
        assert!(c.refused() && !c.read(1));
        a.logged_in();
        assert_eq!(gate.current(), 1);
        let d = Meter::new(gate.clone());
        assert!(d.read(1));
        drop((b, d, c));
        assert_eq!(gate.current(), 0);
        assert_eq!(a.bytes_in(), 10);
    }
}
