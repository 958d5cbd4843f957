//! A socket we can cut from outside. russh's session task owns the stream and offers no
//! way to abort it; wrapping the socket lets the connection task enforce the login
//! deadline and the shutdown grace period: once killed, every read and write fails, so
//! russh's loop ends and the socket is dropped, whatever state the handshake is in.
//! It also counts the bytes in and out for the metrics, and reads a small packet (a key)
//! with one `recv`: russh asks for a packet's first bytes and then for the rest, which
//! cost three `recv` calls a key (the third ending in `EAGAIN`).

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

/// Reads asking for fewer bytes than this are made this large (see `poll_read`): a key
/// press, an arrow key or a mouse click is one packet of 36–52 bytes with ChaCha20-Poly1305.
const AHEAD: usize = 64;

pub struct Killable<S> {
    inner: S,
    switch: Arc<KillSwitch>,
    /// Bytes read from the socket ahead of russh's request: `ahead[start..end]`.
    ahead: [u8; AHEAD],
    start: u8,
    end: u8,
}

impl<S> Killable<S> {
    pub fn new(inner: S, switch: Arc<KillSwitch>) -> Self {
        Self {
            inner,
            switch,
            ahead: [0; AHEAD],
            start: 0,
            end: 0,
        }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

fn killed() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection closed by server")
}

impl<S: AsyncRead + Unpin> AsyncRead for Killable<S> {
    /// russh reads a packet as its first block (the length) and then the rest, each
    /// with `read_exact`. A small request is served from, or made into, a read of
    /// `AHEAD` bytes: a small packet arrives with one `recv`, and as that `recv` does
    /// not fill the buffer, tokio knows the socket is drained and the next read waits
    /// for the socket instead of trying (and failing with `EAGAIN`).
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.switch.read.register(cx.waker());
        if this.switch.is_killed() {
            return Poll::Ready(Err(killed()));
        }
        if this.start < this.end {
            let (start, end) = (usize::from(this.start), usize::from(this.end));
            let n = buf.remaining().min(end - start);
            buf.put_slice(&this.ahead[start..start + n]);
            this.start = (start + n) as u8;
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() >= AHEAD {
            let before = buf.filled().len();
            let r = Pin::new(&mut this.inner).poll_read(cx, buf);
            crate::metrics::BYTES_IN.add((buf.filled().len() - before) as u64);
            return r;
        }
        let mut ahead = ReadBuf::new(&mut this.ahead);
        let r = Pin::new(&mut this.inner).poll_read(cx, &mut ahead);
        let got = ahead.filled().len();
        crate::metrics::BYTES_IN.add(got as u64);
        if let Poll::Ready(Ok(())) = r {
            let n = buf.remaining().min(got);
            buf.put_slice(&this.ahead[..n]);
            this.start = n as u8;
            this.end = got as u8;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Whatever sizes the reader asks for and the writer sends, the bytes come out
    /// whole and in order: small requests served from what was read ahead, large ones
    /// straight from the socket, across packet boundaries.
    #[tokio::test]
    async fn reads_small_and_large_come_out_whole_and_in_order() {
        let (mut tx, rx) = tokio::io::duplex(1 << 16);
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            let mut at = 0;
            for (i, size) in [36, 52, 1, 4, 200, 36, 3000, 64, 63, 65]
                .iter()
                .cycle()
                .enumerate()
            {
                if at >= sent.len() {
                    break;
                }
                let end = (at + size).min(sent.len());
                tx.write_all(&sent[at..end]).await.unwrap();
                at = end;
                if i % 3 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        });
        let mut stream = Killable::new(rx, Arc::new(KillSwitch::default()));
        let mut got = Vec::new();
        for size in [4, 32, 4, 48, 1, 100, 4, 2000, 63, 64, 65].iter().cycle() {
            if got.len() >= data.len() {
                break;
            }
            let mut chunk = vec![0; (*size).min(data.len() - got.len())];
            stream.read_exact(&mut chunk).await.unwrap();
            got.extend_from_slice(&chunk);
        }
        writer.await.unwrap();
        assert_eq!(got, data);
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "bytes after the end: {}", rest.len());
    }

    #[tokio::test]
    async fn a_killed_stream_fails_even_with_bytes_read_ahead() {
        let (mut tx, rx) = tokio::io::duplex(1024);
        tx.write_all(&[1; 40]).await.unwrap();
        let switch = Arc::new(KillSwitch::default());
        let mut stream = Killable::new(rx, switch.clone());
        let mut head = [0; 4];
        stream.read_exact(&mut head).await.unwrap();
        switch.kill();
        let mut rest = [0; 4];
        assert!(stream.read_exact(&mut rest).await.is_err());
    }
}
