//! The handshake as a client sees it on the wire: what the server sends before the
//! client says anything, and how few writes a whole login takes (the server's replies
//! to packets that arrive together leave together).

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::util::{Term, TestServer, WAIT};

/// Read until `buf` holds the identification line and one whole binary packet after
/// it; `None` if the connection ends or `WAIT` passes first.
async fn banner_and_first_packet(tcp: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let read = async {
        loop {
            if let Some(end) = buf.iter().position(|&b| b == b'\n') {
                let rest = &buf[end + 1..];
                if rest.len() >= 4 {
                    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                    if rest.len() >= 4 + len {
                        let padding = *rest.get(4)? as usize;
                        let payload = rest.get(5..4 + len - padding)?.to_vec();
                        return Some((buf[..=end].to_vec(), payload));
                    }
                }
            }
            let mut chunk = [0u8; 4096];
            let n = tcp.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(WAIT, read).await.ok().flatten()
}

/// The first name-list of a KEXINIT payload (after its type byte and cookie): the key
/// exchange methods, in the server's order.
fn kex_methods(payload: &[u8]) -> Vec<String> {
    let at = 1 + 16;
    let len = u32::from_be_bytes(payload[at..at + 4].try_into().unwrap()) as usize;
    String::from_utf8_lossy(&payload[at + 4..at + 4 + len])
        .split(',')
        .map(str::to_string)
        .collect()
}

/// The server's KEXINIT leaves with its identification, before the client has sent a
/// byte (RFC 4253 §7.1 lets it): one segment and one round trip fewer per login. It
/// still offers the hybrid post-quantum exchange first.
#[tokio::test]
async fn the_server_kexinit_arrives_with_its_banner_before_the_client_speaks() {
    let server = TestServer::start().await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let (banner, payload) = banner_and_first_packet(&mut tcp)
        .await
        .expect("no KEXINIT before the client's identification");
    assert_eq!(banner, b"SSH-2.0-sshfolio\r\n");
    assert_eq!(payload[0], 20, "the first packet is not a KEXINIT");
    let kex = kex_methods(&payload);
    assert_eq!(kex[0], "mlkem768x25519-sha256", "{kex:?}");
    assert!(
        kex.iter().any(|k| k == "kex-strict-s-v00@openssh.com"),
        "{kex:?}"
    );
    drop(tcp);
    // A real client still logs in and gets its first frame.
    let mut term = Term::open(server.addr, 80, 24, None).await;
    term.wait_for("Test Folio").await;
    server.stop().await;
}
