//! The PROXY protocol (v1 text and v2 binary, parsed by `ppp`): which sources may send
//! a header, and reading one header off a fresh connection.
//!
//! A connection from a trusted proxy must start with a complete header within the
//! timeout; nothing is guessed, and russh's banner is sent only after it. The header is
//! read with exact-length reads (fixed prefix, then byte by byte up to `\r\n` for v1,
//! or the declared length for v2), so no byte past it is consumed and the SSH stream
//! that follows is untouched. Untrusted sources are plain SSH: a PROXY line from them
//! fails russh's version exchange, which accepts no line before `SSH-2.0-`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

pub use crate::config::proxy::{ProxyPolicy, parse_cidr};

#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("no complete PROXY header within {0:?}")]
    Timeout(Duration),
    #[error("invalid PROXY header: {0}")]
    Invalid(String),
    #[error("reading the PROXY header: {0}")]
    Io(#[from] std::io::Error),
}

/// The v2 signature; a v1 header starts with `PROXY `.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The longest v1 header, `\r\n` included (spec §2.1).
const V1_MAX: usize = 107;

/// Read one PROXY header from `stream` within `timeout`. `Ok(Some(addr))`: the client's
/// address; `Ok(None)`: a header without one (v2 `LOCAL`, such as a load balancer's
/// health check, or v1 `UNKNOWN`), so the socket's own peer stands.
pub async fn read_header<S: AsyncRead + Unpin>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Option<SocketAddr>, HeaderError> {
    match tokio::time::timeout(timeout, read_header_bytes(stream)).await {
        Ok(bytes) => parse(&bytes?),
        Err(_) => Err(HeaderError::Timeout(timeout)),
    }
}

/// Exactly the header's bytes, nothing after them.
async fn read_header_bytes<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Vec<u8>, HeaderError> {
    let mut buf = vec![0u8; V2_SIGNATURE.len()];
    stream.read_exact(&mut buf).await?;
    if buf.starts_with(b"PROXY ") {
        // Byte by byte: the header's end is only known when `\r\n` arrives.
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n") {
            if buf.len() >= V1_MAX {
                return Err(HeaderError::Invalid(
                    "v1 header longer than 107 bytes".into(),
                ));
            }
            stream.read_exact(&mut byte).await?;
            buf.push(byte[0]);
        }
        Ok(buf)
    } else if buf == V2_SIGNATURE {
        let mut fixed = [0u8; 4];
        stream.read_exact(&mut fixed).await?;
        buf.extend_from_slice(&fixed);
        let len = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
        let start = buf.len();
        buf.resize(start + len, 0);
        stream.read_exact(&mut buf[start..]).await?;
        Ok(buf)
    } else {
        Err(HeaderError::Invalid(
            "the connection does not start with a PROXY header".into(),
        ))
    }
}

fn parse(bytes: &[u8]) -> Result<Option<SocketAddr>, HeaderError> {
    use ppp::{HeaderResult, v1, v2};
    match HeaderResult::parse(bytes) {
        HeaderResult::V1(Ok(h)) => Ok(match h.addresses {
            v1::Addresses::Tcp4(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
            v1::Addresses::Tcp6(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
            v1::Addresses::Unknown => None,
        }),
        HeaderResult::V2(Ok(h)) => Ok(match (h.command, h.addresses) {
            (v2::Command::Local, _) => None,
            (v2::Command::Proxy, v2::Addresses::IPv4(a)) => {
                Some(SocketAddr::from((a.source_address, a.source_port)))
            }
            (v2::Command::Proxy, v2::Addresses::IPv6(a)) => {
                Some(SocketAddr::from((a.source_address, a.source_port)))
            }
            (v2::Command::Proxy, _) => None,
        }),
        HeaderResult::V1(Err(e)) => Err(HeaderError::Invalid(format!("{e}"))),
        HeaderResult::V2(Err(e)) => Err(HeaderError::Invalid(format!("{e}"))),
    }
}

/// A v2 header (`PROXY` command, TCP) announcing `source` → `destination`: what a load
/// balancer sends; used by tests and `sshfolio health --proxy`.
pub fn v2_header(source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    use ppp::v2;
    v2::Builder::with_addresses(
        v2::Version::Two | v2::Command::Proxy,
        v2::Protocol::Stream,
        (source, destination),
    )
    .build()
    .unwrap_or_default()
}

/// A v2 `LOCAL` header: "this connection is the proxy's own" (a health check).
pub fn v2_local_header() -> Vec<u8> {
    use ppp::v2;
    v2::Builder::new(
        v2::Version::Two | v2::Command::Local,
        v2::AddressFamily::Unspecified | v2::Protocol::Unspecified,
    )
    .build()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn v1_gives_the_client_address_and_leaves_the_ssh_stream() {
        let input = b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 22\r\nSSH-2.0-x\r\n";
        let mut s: &[u8] = input;
        let addr = read_header(&mut s, T).await.unwrap();
        assert_eq!(addr, Some("203.0.113.7:51000".parse().unwrap()));
        assert_eq!(s, b"SSH-2.0-x\r\n");

        let mut s: &[u8] = b"PROXY TCP6 2001:db8::1 2001:db8::2 4000 22\r\n";
        let addr = read_header(&mut s, T).await.unwrap();
        assert_eq!(addr, Some("[2001:db8::1]:4000".parse().unwrap()));

        let mut s: &[u8] = b"PROXY UNKNOWN\r\n";
        assert_eq!(read_header(&mut s, T).await.unwrap(), None);
    }

    #[tokio::test]
    async fn v2_gives_the_client_address_and_leaves_the_ssh_stream() {
        let mut input = v2_header(
            "198.51.100.9:40000".parse().unwrap(),
            "10.0.0.1:2222".parse().unwrap(),
        );
        input.extend_from_slice(b"SSH-2.0-x\r\n");
        let mut s: &[u8] = &input;
        let addr = read_header(&mut s, T).await.unwrap();
        assert_eq!(addr, Some("198.51.100.9:40000".parse().unwrap()));
        assert_eq!(s, b"SSH-2.0-x\r\n");

        let local = v2_local_header();
        let mut s: &[u8] = &local;
        assert_eq!(read_header(&mut s, T).await.unwrap(), None);
    }

    #[tokio::test]
    async fn no_header_is_never_guessed() {
        let mut s: &[u8] = b"SSH-2.0-OpenSSH_9.6\r\n";
        assert!(matches!(
            read_header(&mut s, T).await,
            Err(HeaderError::Invalid(_))
        ));
        let mut s: &[u8] = b"PROXY TCP4 not-an-ip 10.0.0.1 1 2\r\n";
        assert!(matches!(
            read_header(&mut s, T).await,
            Err(HeaderError::Invalid(_))
        ));
        let long = format!("PROXY {}", "1".repeat(200));
        let mut s: &[u8] = long.as_bytes();
        assert!(matches!(
            read_header(&mut s, T).await,
            Err(HeaderError::Invalid(_))
        ));
        // A stream that closes mid-header.
        let mut s: &[u8] = b"PROXY TCP4 1.2";
        assert!(matches!(
            read_header(&mut s, T).await,
            Err(HeaderError::Io(_))
        ));
    }

    #[tokio::test]
    async fn a_slow_header_times_out() {
        let (mut client, mut server) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut client, b"PROXY TCP4 ")
            .await
            .unwrap();
        let r = read_header(&mut server, Duration::from_millis(100)).await;
        assert!(matches!(r, Err(HeaderError::Timeout(_))));
    }

    #[test]
    fn trust_is_by_cidr_and_ipv4_mapped_addresses_count() {
        let policy = ProxyPolicy {
            trusted: vec![
                parse_cidr("10.0.0.0/8").unwrap(),
                parse_cidr("127.0.0.1").unwrap(),
            ],
            ..ProxyPolicy::default()
        };
        assert!(policy.trusts("10.1.2.3".parse().unwrap()));
        assert!(policy.trusts("127.0.0.1".parse().unwrap()));
        assert!(policy.trusts("::ffff:10.0.0.5".parse().unwrap()));
        assert!(!policy.trusts("127.0.0.2".parse().unwrap()));
        assert!(!policy.trusts("192.0.2.1".parse().unwrap()));
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("nope").is_err());
        assert_eq!(parse_cidr("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
    }
}
