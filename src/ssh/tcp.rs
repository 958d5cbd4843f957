//! TCP options of an accepted socket: no Nagle delay, a fixed send buffer, and kernel
//! keepalives that find dead peers without ever waking the server.
//!
//! An idle guest must cost nothing. SSH-level keepalives cost a wake-up, an encryption and a
//! send per connection per interval (66–130 µs each on a small VM: 4.5 % of a core for
//! 10,000 idle guests at 15 s). TCP keepalive probes are sent and answered by the two
//! kernels alone; the process hears of it only when the peer is gone and the socket
//! errors. So the kernel finds dead peers, and SSH keepalives are kept rare (minutes),
//! only for NATs that track SSH traffic alone.

use std::time::Duration;

use std::os::fd::AsFd;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::{TcpListener, TcpStream};

/// A fixed send buffer (no autotuning to megabytes): a guest that stops reading holds
/// at most this much kernel memory, and its stall is noticed sooner. Several full
/// 300×100 repaints, and ~1 MB/s at 100 ms RTT, far more than a TUI needs.
pub const SEND_BUFFER: usize = 128 * 1024;
/// Silence on a connection before the kernel's first keepalive probe.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
/// Between unanswered probes.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// Unanswered probes that end the connection where `TCP_USER_TIMEOUT` is not set. On
/// Linux, where it is, the kernel ignores this count and gives its verdict at
/// `USER_TIMEOUT` instead (below).
pub const KEEPALIVE_COUNT: u32 = 4;
/// Data sent but not acknowledged for this long ends the connection too (a peer that
/// vanished while we were writing to it; keepalive probes only start on a quiet line).
/// On Linux it is also the keepalive verdict: a connection ends once nothing was heard
/// from the peer for this long with a probe unanswered — probes at 30, 35 and 40 s of
/// quiet, the end at 45 s. So a peer that vanished (power cut, cable, NAT dropped the
/// flow) is found within 45 s, and a live one is dropped only if three probes in a row
/// (or their answers) are lost. Also a peer that is alive but advertises a zero window
/// (reads nothing) for this long while we have data for it is dropped (Linux ≥ 5.11;
/// measured here: 3.4 s with a 3 s timeout): a stalled guest, which the design drops
/// (the session's own `stall_timeout`, 30 s, acts when a frame cannot even be written).
/// An idle guest that just doesn't read fills its receive window only after ~64 KB of
/// updates, minutes of them, so it is not dropped for that.
pub const USER_TIMEOUT: Duration = Duration::from_secs(45);

/// Sets every option on an accepted socket; a failure leaves that option at the system
/// default (it only changes how soon a dead peer is noticed, never whether a guest is
/// served). On Linux the listener's options are inherited instead (`tune_listener`).
pub fn tune(socket: &TcpStream) {
    tune_fd(socket);
}

/// Sets every option on a listening socket. Linux copies them to each socket it
/// accepts (the whole `tcp_sock` is cloned from the listener), which saves seven
/// `setsockopt` calls per connection; `inherits` says whether this kernel did.
pub fn tune_listener(listener: &TcpListener) {
    tune_fd(listener);
}

fn tune_fd<S: AsFd>(socket: &S) {
    let sock = SockRef::from(socket);
    let _ = sock.set_tcp_nodelay(true);
    let _ = sock.set_send_buffer_size(SEND_BUFFER);
    let ka = TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL);
    let _ = sock.set_tcp_keepalive(&ka);
    set_linux_only(socket);
}

/// Did `socket` (accepted from a listener given `tune_listener`) get every option from
/// it? Asked once, of the first connection; if not, each socket is tuned on its own.
pub fn inherits(socket: &TcpStream) -> bool {
    let sock = SockRef::from(socket);
    sock.tcp_nodelay().unwrap_or(false)
        && sock.keepalive().unwrap_or(false)
        && linux_only_inherited(socket)
}

#[cfg(target_os = "linux")]
fn linux_only_inherited(socket: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: a live socket, an int-sized buffer and its length.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_USER_TIMEOUT,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    rc == 0 && value == USER_TIMEOUT.as_millis() as libc::c_int
}

#[cfg(not(target_os = "linux"))]
fn linux_only_inherited(_socket: &TcpStream) -> bool {
    true
}

/// `TCP_KEEPCNT` and `TCP_USER_TIMEOUT`: socket2 has them only behind its `all`
/// feature, which would rebuild tokio and everything on it; two setsockopt calls do.
#[cfg(target_os = "linux")]
fn set_linux_only<S: AsFd>(socket: &S) {
    use std::os::fd::AsRawFd;
    let fd = socket.as_fd().as_raw_fd();
    let set = |opt: libc::c_int, value: libc::c_int| {
        // SAFETY: `fd` is a live TCP socket owned by `socket` for this call; the option
        // value is a plain c_int whose size we pass.
        unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                opt,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        }
    };
    let _ = set(libc::TCP_KEEPCNT, KEEPALIVE_COUNT as libc::c_int);
    let _ = set(
        libc::TCP_USER_TIMEOUT,
        USER_TIMEOUT.as_millis() as libc::c_int,
    );
}

#[cfg(not(target_os = "linux"))]
fn set_linux_only<S: AsFd>(_socket: &S) {}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    fn get(socket: &TcpStream, level: libc::c_int, opt: libc::c_int) -> libc::c_int {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: a live socket, an int-sized buffer and its length.
        let rc = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                level,
                opt,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        value
    }

    #[tokio::test]
    async fn an_accepted_socket_gets_kernel_keepalives_that_end_it_within_a_minute() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).await.unwrap();
        let (socket, _) = listener.accept().await.unwrap();
        tune(&socket);
        assert_eq!(get(&socket, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        let idle = get(&socket, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE);
        let interval = get(&socket, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL);
        let count = get(&socket, libc::IPPROTO_TCP, libc::TCP_KEEPCNT);
        assert_eq!((idle, interval, count), (30, 5, 4));
        // A vanished peer is noticed by the kernel within about a minute.
        assert!(idle + interval * count <= 60);
        assert_eq!(
            get(&socket, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
            45_000
        );
        assert_eq!(get(&socket, libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
    }

    #[tokio::test]
    async fn a_socket_accepted_from_a_tuned_listener_inherits_every_option() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tune_listener(&listener);
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).await.unwrap();
        let (socket, _) = listener.accept().await.unwrap();
        assert!(inherits(&socket));
        assert_eq!(get(&socket, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        let idle = get(&socket, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE);
        let interval = get(&socket, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL);
        let count = get(&socket, libc::IPPROTO_TCP, libc::TCP_KEEPCNT);
        assert_eq!((idle, interval, count), (30, 5, 4));
        assert_eq!(
            get(&socket, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
            45_000
        );
        assert_eq!(get(&socket, libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
        // The kernel reports twice what was asked (its bookkeeping overhead), as for
        // a socket tuned on its own.
        let direct = {
            let _c = TcpStream::connect(addr).await.unwrap();
            let (s, _) = listener.accept().await.unwrap();
            tune(&s);
            get(&s, libc::SOL_SOCKET, libc::SO_SNDBUF)
        };
        assert_eq!(get(&socket, libc::SOL_SOCKET, libc::SO_SNDBUF), direct);
        // A socket from an untuned listener does not pass for tuned.
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _c = TcpStream::connect(plain.local_addr().unwrap())
            .await
            .unwrap();
        let (s, _) = plain.accept().await.unwrap();
        assert!(!inherits(&s));
    }
}
