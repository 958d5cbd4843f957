//! A socket we can cut from outside. russh's session task owns the stream and offers no
//! way to abort it; wrapping the socket lets the connection task enforce the login
//! deadline and the shutdown grace period: once killed, every read and write fails, so
//! russh's loop ends and the socket is dropped, whatever state the handshake is in.
//! It also counts the bytes in and out for the metrics.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Shared between the connection task (which kills) and the stream (which obeys).
#[derive(Debug, Default)]
pub struct KillSwitch {
    killed: AtomicBool,
    // One waker per direction: russh polls reads and writes from one task, but keeping
    // them apart costs nothing and never loses a wake-up.
    read: AtomicWaker,
    write: AtomicWaker,
}

impl KillSwitch {
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.read.wake();
        self.write.wake();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }
}

pub struct Killable<S> {
    inner: S,
    switch: Arc<KillSwitch>,
}

impl<S> Killable<S> {
    pub fn new(inner: S, switch: Arc<KillSwitch>) -> Self {
        Self { inner, switch }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

fn killed() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection closed by server")
}

impl<S: AsyncRead + Unpin> AsyncRead for Killable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.switch.read.register(cx.waker());
        if self.switch.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        crate::metrics::BYTES_IN.add((buf.filled().len() - before) as u64);
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Killable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.switch.write.register(cx.waker());
        if self.switch.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            crate::metrics::BYTES_OUT.add(n as u64);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.switch.write.register(cx.waker());
        if self.switch.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.switch.is_killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
