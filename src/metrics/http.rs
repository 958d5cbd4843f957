//! A minimal HTTP/1.1 responder for `GET /metrics`: one request per connection, then
//! close. Enough for Prometheus and `curl`; everything else gets 404 or 405.
//!
//! Slow clients cannot hold it up: the whole request must arrive within
//! `REQUEST_DEADLINE` (a scrape sends it at once), the answer gets `WRITE_DEADLINE`,
//! and when `MAX_CONCURRENT` connections are open a new one closes the oldest.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// Largest request head we read; a scrape request is a few hundred bytes.
const MAX_HEAD: usize = 8 * 1024;
/// A client gets this long to send its whole request…
const REQUEST_DEADLINE: Duration = Duration::from_secs(1);
/// …and this long to read the answer.
const WRITE_DEADLINE: Duration = Duration::from_secs(3);
/// Connections served at once; a new one beyond closes the oldest.
const MAX_CONCURRENT: usize = 16;

/// Open connections, oldest first.
#[derive(Default)]
struct Open {
    next: u64,
    tasks: VecDeque<(u64, AbortHandle)>,
}

/// Serve `/metrics` on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, shutdown: impl std::future::Future<Output = ()>) {
    let open = Arc::new(Mutex::new(Open::default()));
    tokio::pin!(shutdown);
    loop {
        let socket = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return,
        };
        let mut g = open.lock().unwrap_or_else(|p| p.into_inner());
        while g.tasks.len() >= MAX_CONCURRENT {
            if let Some((_, oldest)) = g.tasks.pop_front() {
                oldest.abort();
            }
        }
        let id = g.next;
        g.next += 1;
        let mine = open.clone();
        let task = tokio::spawn(async move {
            let _ = answer(socket).await;
            let mut g = mine.lock().unwrap_or_else(|p| p.into_inner());
            g.tasks.retain(|(i, _)| *i != id);
        });
        g.tasks.push_back((id, task.abort_handle()));
    }
}

async fn answer(mut socket: TcpStream) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let read = tokio::time::timeout(REQUEST_DEADLINE, read_head(&mut socket, &mut head)).await;
    match read {
        Err(_) => {
            return tokio::time::timeout(
                WRITE_DEADLINE,
                respond(&mut socket, "408 Request Timeout", ""),
            )
            .await
            .unwrap_or(Ok(()));
        }
        Ok(r) => r?,
    }
    tokio::time::timeout(WRITE_DEADLINE, route(&mut socket, &head))
        .await
        .unwrap_or(Ok(()))
}

/// Read until the end of the request head (or EOF, or `MAX_HEAD`).
async fn read_head(socket: &mut TcpStream, head: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() <= MAX_HEAD {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

async fn route(socket: &mut TcpStream, head: &[u8]) -> std::io::Result<()> {
    if head.len() > MAX_HEAD {
        return respond(socket, "431 Request Header Fields Too Large", "").await;
    }
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let body = super::render();
            let body = if method == "HEAD" {
                String::new()
            } else {
                body
            };
            respond(socket, "200 OK", &body).await
        }
        ("GET" | "HEAD", _) => respond(socket, "404 Not Found", "not found\n").await,
        _ => respond(socket, "405 Method Not Allowed", "").await,
    }
}

async fn respond(socket: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn metrics_are_served_and_other_paths_are_not() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, async move {
            let _ = rx.await;
        }));
        let ok = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("sshfolio_sessions_active "));
        let missing = get(addr, "GET / HTTP/1.1\r\n\r\n").await;
        assert!(missing.starts_with("HTTP/1.1 404 "), "{missing}");
        let post = get(addr, "POST /metrics HTTP/1.1\r\n\r\n").await;
        assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
        let _ = tx.send(());
        task.await.unwrap();
    }

    /// Issue 16, scenario 9: 40 connections dribbling a byte a second cannot hold up a
    /// scrape: the oldest are closed to make room, and each gets a second in all.
    #[tokio::test]
    async fn a_slowloris_does_not_delay_a_scrape() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, async move {
            let _ = rx.await;
        }));
        let mut slow = Vec::new();
        for _ in 0..40 {
            let s = TcpStream::connect(addr).await.unwrap();
            slow.push(tokio::spawn(async move {
                let mut s = s;
                for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" {
                    if s.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        for _ in 0..3 {
            let began = std::time::Instant::now();
            let ok = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let took = began.elapsed();
            assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
            // An idle server answers in milliseconds; the bound is generous for a busy box.
            assert!(took < Duration::from_secs(3), "a scrape took {took:?}");
        }
        // A dribbler is cut at the request deadline with a 408.
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /met").await.unwrap();
        let mut out = String::new();
        let began = std::time::Instant::now();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 408 "), "{out}");
        assert!(began.elapsed() < Duration::from_secs(3));
        for t in slow {
            t.abort();
        }
        let _ = tx.send(());
        task.await.unwrap();
    }
}
