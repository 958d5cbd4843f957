//! `sshfolio health`: is a server up? Connect, optionally send a PROXY v2 `LOCAL`
//! header (for a server that trusts this address as a proxy), and wait for the SSH
//! banner. For container health checks; no login, no key exchange.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest banner line we read (RFC 4253 allows 255 bytes).
const MAX_LINE: usize = 255;

/// The server's SSH banner (`SSH-2.0-…`), or why there is none within `timeout`.
pub async fn probe(target: SocketAddr, proxy: bool, timeout: Duration) -> std::io::Result<String> {
    let work = async {
        let mut s = TcpStream::connect(target).await?;
        if proxy {
            s.write_all(&super::proxy::v2_local_header()).await?;
        }
        let mut line = Vec::new();
        let mut buf = [0u8; 256];
        loop {
            let n = s.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            line.extend_from_slice(&buf[..n]);
            if line.contains(&b'\n') || line.len() > MAX_LINE {
                break;
            }
        }
        let first = line.split(|&b| b == b'\n').next().unwrap_or_default();
        let text = String::from_utf8_lossy(first).trim_end().to_string();
        // Say goodbye in SSH terms so the server logs a closed client, not garbage.
        let _ = s.write_all(b"SSH-2.0-sshfolio-health\r\n").await;
        if text.starts_with("SSH-2.0-") {
            Ok(text)
        } else {
            Err(std::io::Error::other(format!(
                "no SSH banner (got {text:?})"
            )))
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no SSH banner within {timeout:?}"),
        )),
    }
}
