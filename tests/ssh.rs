//! The SSH layer end to end: logins, the terminal bridge, exec commands, refusals,
//! limits and failure isolation.

use std::time::Duration;

use russh::ChannelMsg;
use tokio::io::AsyncReadExt;

use crate::util::{self, Login, Term, TestServer, WAIT};

/// Leaving the alternate screen and showing the cursor, as the guest's terminal needs.
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[tokio::test]
async fn every_login_method_reaches_the_site() {
    let server = TestServer::start().await;
    for how in [
        Login::None,
        Login::Password,
        Login::KeyboardInteractive,
        Login::PublicKey,
    ] {
        let conn = util::connect(server.addr, how).await;
        let mut term = Term::open_on(conn, 80, 24, None).await;
        term.wait_for("Test Folio").await;
        assert!(term.parser.screen().alternate_screen(), "{how:?}");
        assert!(term.parser.screen().hide_cursor(), "{how:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn q_closes_the_channel_and_restores_the_terminal() {
    let server = TestServer::start().await;
    let mut term = Term::open(server.addr, 80, 24, None).await;
    term.wait_for("Test Folio").await;
    term.send(b"q").await;
    term.wait_closed().await;
    assert_eq!(term.exit_status, Some(0));
    // The restore comes after the last frame: alt screen left, cursor shown, mouse off.
    let leave = rfind(&term.raw, LEAVE_ALT).expect("never left the alternate screen");
    let show = rfind(&term.raw, SHOW_CURSOR).expect("cursor never shown");
    let folio = rfind(&term.raw, b"Folio").unwrap();
    assert!(leave > folio && show > folio);
    assert!(contains(&term.raw, b"\x1b[?1000l"));
    assert!(!term.parser.screen().alternate_screen());
    assert!(!term.parser.screen().hide_cursor());
    server.stop().await;
}

#[tokio::test]
async fn window_change_relays_out_the_screen() {
    let server = TestServer::start().await;
    let mut term = Term::open(server.addr, 80, 24, None).await;
    term.wait_for("Test Folio").await;
    // Below 40×12 the server draws the too-small notice with the new size.
    term.resize(30, 10).await;
    term.wait_until("the too-small notice at 30×10", |s| {
        s.size() == (10, 30)
            && s.contents().contains("Terminal too small")
            && s.contents().contains("30×10")
            && !s.contents().contains("Folio")
    })
    .await;
    term.resize(100, 30).await;
    term.wait_for("Test Folio").await;
    assert_eq!(term.parser.screen().size(), (30, 100));
    server.stop().await;
}

#[tokio::test]
async fn giant_pty_is_clamped_and_server_stays_responsive() {
    let server = TestServer::start().await;
    let mut term = Term::open(server.addr, 65535, 65535, None).await;
    assert_eq!(term.parser.screen().size(), (100, 300));
    term.wait_for("Test Folio").await;
    term.resize(65535, 65535).await;
    term.send(b"x").await;
    // Another guest still gets in promptly.
    let mut other = Term::open(server.addr, 0, 0, None).await;
    assert_eq!(other.parser.screen().size(), (24, 80));
    other.wait_for("Test Folio").await;
    term.send(b"q").await;
    term.wait_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn exec_commands_print_and_exit_with_status() {
    let server = TestServer::start().await;

    let out = util::exec(server.addr, "").await;
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status, Some(0));
    assert!(text.starts_with("Test Folio\n"), "{text}");
    assert!(text.contains("Hello World") && text.contains("The Rack"));
    assert!(text.contains("show <slug>"));

    let out = util::exec(server.addr, "help").await;
    assert_eq!(out.status, Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("blog [--json]"));

    let out = util::exec(server.addr, "blog --json").await;
    assert_eq!(out.status, Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["slug"], "hello");

    let out = util::exec(server.addr, "show hello").await;
    assert_eq!(out.status, Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Hello World\n"));

    let out = util::exec(server.addr, "cat /etc/passwd").await;
    assert_eq!(out.status, Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "sshfolio: unknown command 'cat'; try 'help'\n"
    );
    server.stop().await;
}

#[tokio::test]
async fn bare_ssh_without_pty_prints_the_index() {
    let server = TestServer::start().await;
    let conn = util::connect(server.addr, Login::None).await;
    let mut ch = conn.channel_open_session().await.unwrap();
    ch.request_shell(true).await.unwrap();
    let mut stdout = Vec::new();
    let mut status = None;
    tokio::time::timeout(WAIT, async {
        while let Some(msg) = ch.wait().await {
            match msg {
                ChannelMsg::Data { data } => stdout.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::Close => break,
                _ => {}
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(status, Some(0));
    assert!(String::from_utf8_lossy(&stdout).starts_with("Test Folio\n"));
    server.stop().await;
}

#[tokio::test]
async fn deep_link_with_pty_opens_the_tui() {
    let server = TestServer::start().await;
    let mut term = Term::open(server.addr, 80, 24, Some("blog/hello")).await;
    // The TUI (not the plain command output) answers: alternate screen, site drawn.
    // Until the real screens land, App receives `start` and draws its home.
    term.wait_for("Test Folio").await;
    assert!(term.parser.screen().alternate_screen());
    term.send(b"q").await;
    term.wait_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn host_key_is_reused_across_restarts_and_private() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    let mut fingerprints = Vec::new();
    for _ in 0..2 {
        let server = TestServer::start_with(&keys, util::test_limits()).await;
        let client = util::Client::default();
        let _conn = util::connect_raw(server.addr, client.clone()).await;
        fingerprints.push(client.host_key.lock().unwrap().clone().unwrap());
        server.stop().await;
    }
    assert_eq!(fingerprints[0], fingerprints[1]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(keys.join("ssh_host_ed25519_key")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test]
async fn forwarding_subsystems_and_extra_channels_are_refused() {
    let server = TestServer::start().await;
    let conn = util::connect(server.addr, Login::None).await;
    assert!(
        conn.channel_open_direct_tcpip("127.0.0.1", 22, "127.0.0.1", 5555)
            .await
            .is_err(),
        "direct-tcpip was accepted"
    );
    assert!(
        !conn
            .tcpip_forward("127.0.0.1", 0)
            .await
            .is_ok_and(|p| p > 0),
        "tcpip-forward was accepted"
    );
    let mut ch = conn.channel_open_session().await.unwrap();
    ch.request_subsystem(true, "sftp").await.unwrap();
    let reply = tokio::time::timeout(WAIT, ch.wait()).await.unwrap();
    assert!(matches!(reply, Some(ChannelMsg::Failure)), "{reply:?}");
    ch.agent_forward(true).await.unwrap();
    let reply = tokio::time::timeout(WAIT, ch.wait()).await.unwrap();
    assert!(matches!(reply, Some(ChannelMsg::Failure)), "{reply:?}");
    // A few harmless variables are taken; anything else is refused.
    ch.set_env(true, "LANG", "C.UTF-8").await.unwrap();
    let reply = tokio::time::timeout(WAIT, ch.wait()).await.unwrap();
    assert!(matches!(reply, Some(ChannelMsg::Success)), "{reply:?}");
    ch.set_env(true, "LD_PRELOAD", "/tmp/x.so").await.unwrap();
    let reply = tokio::time::timeout(WAIT, ch.wait()).await.unwrap();
    assert!(matches!(reply, Some(ChannelMsg::Failure)), "{reply:?}");
    ch.set_env(true, "LANG", "x".repeat(10_000)).await.unwrap();
    let reply = tokio::time::timeout(WAIT, ch.wait()).await.unwrap();
    assert!(matches!(reply, Some(ChannelMsg::Failure)), "{reply:?}");
    // A few session channels per connection (4 by default), not more.
    let mut more = Vec::new();
    for _ in 0..3 {
        more.push(conn.channel_open_session().await.unwrap());
    }
    assert!(
        conn.channel_open_session().await.is_err(),
        "a fifth channel"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_panicking_session_leaves_others_working() {
    let server = TestServer::start().await;
    let mut good = Term::open(server.addr, 80, 24, None).await;
    good.wait_for("Test Folio").await;
    let mut bad = Term::open(server.addr, 80, 24, Some("__panic")).await;
    bad.wait_for("Test Folio").await;
    bad.send(b"x").await;
    bad.wait_closed().await;
    // The panicking guest still got its terminal back.
    assert!(!bad.parser.screen().alternate_screen());
    assert!(rfind(&bad.raw, SHOW_CURSOR).is_some());
    // The other guest is unaffected: it re-lays out on resize and quits normally.
    good.resize(6, 24).await;
    good.wait_until("6 columns", |s| !s.contents().contains("Folio"))
        .await;
    good.send(b"q").await;
    good.wait_closed().await;
    assert_eq!(good.exit_status, Some(0));
    server.stop().await;
}

#[tokio::test]
async fn silent_connection_is_closed_at_the_login_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = sshfolio::config::Limits {
        login_deadline: Duration::from_millis(500),
        ..util::test_limits()
    };
    let server = TestServer::start_with(&tmp.path().join("keys"), limits).await;
    let mut sock = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let began = std::time::Instant::now();
    let mut buf = [0u8; 256];
    // The banner arrives, then nothing until the server closes the socket.
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "silent connection was never closed");
    assert!(began.elapsed() >= Duration::from_millis(400));
    // A logged-in guest with an open session is not cut at the deadline.
    let mut term = Term::open(server.addr, 80, 24, None).await;
    term.wait_for("Test Folio").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    term.send(b"q").await;
    term.wait_closed().await;
    assert_eq!(term.exit_status, Some(0));
    server.stop().await;
}

#[tokio::test]
async fn shutdown_tells_guests_and_restores_terminals() {
    let server = TestServer::start().await;
    let mut term = Term::open(server.addr, 80, 24, None).await;
    term.wait_for("Test Folio").await;
    let began = std::time::Instant::now();
    let stop = tokio::spawn(server.stop());
    term.wait_closed().await;
    assert!(!term.parser.screen().alternate_screen());
    assert!(term.screen().contains("restarting"), "{}", term.screen());
    stop.await.unwrap();
    assert!(began.elapsed() < Duration::from_secs(5));
}

/// Read the server's first line (its SSH banner), or `None` if it closed first.
async fn banner(sock: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tokio::time::timeout(WAIT, sock.read(&mut byte)).await {
            Ok(Ok(1)) => {
                buf.push(byte[0]);
                if byte[0] == b'\n' {
                    return Some(String::from_utf8_lossy(&buf).into_owned());
                }
            }
            Ok(_) => return None,
            Err(_) => panic!("no banner and no close"),
        }
    }
}

#[tokio::test]
async fn one_ip_is_capped_and_another_ip_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = sshfolio::config::Limits {
        max_per_ip: 2,
        ..util::test_limits()
    };
    let server = TestServer::start_with(&tmp.path().join("keys"), limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        assert!(
            banner(&mut s)
                .await
                .unwrap()
                .starts_with("SSH-2.0-sshfolio")
        );
        held.push(s);
    }
    let mut third = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(
        banner(&mut third).await,
        None,
        "third connection from one IP served"
    );
    // 127.0.0.2 is another source address on the loopback: unaffected.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut other = sock.connect(server.addr).await.unwrap();
    assert!(
        banner(&mut other)
            .await
            .unwrap()
            .starts_with("SSH-2.0-sshfolio")
    );
    // Freeing a slot lets the first IP in again.
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        if banner(&mut s).await.is_some() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(held);
    server.stop().await;
}

#[tokio::test]
async fn handshake_then_idle_before_auth_is_closed_at_the_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = sshfolio::config::Limits {
        login_deadline: Duration::from_millis(500),
        ..util::test_limits()
    };
    let server = TestServer::start_with(&tmp.path().join("keys"), limits).await;
    let conn = util::connect_raw(server.addr, util::Client::default()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !conn.is_closed() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "idle pre-auth connection kept open"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn global_cap_holds_new_connections_until_a_slot_frees() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = sshfolio::config::Limits {
        max_connections: 2,
        ..util::test_limits()
    };
    let server = TestServer::start_with(&tmp.path().join("keys"), limits).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        assert!(banner(&mut s).await.is_some());
        held.push(s);
    }
    // The third waits in the kernel backlog: no banner while the server is full…
    let mut third = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), third.read(&mut byte))
            .await
            .is_err(),
        "a connection beyond the cap was served"
    );
    // …and is served as soon as one closes.
    drop(held.pop());
    assert!(
        banner(&mut third)
            .await
            .unwrap()
            .starts_with("SSH-2.0-sshfolio")
    );
    drop(held);
    server.stop().await;
}

#[tokio::test]
async fn one_ip_connecting_in_a_loop_is_throttled() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = sshfolio::config::Limits {
        per_ip_burst: 3,
        per_ip_rate: 0.01,
        ..util::test_limits()
    };
    let server = TestServer::start_with(&tmp.path().join("keys"), limits).await;
    let mut served = 0;
    for _ in 0..10 {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        if banner(&mut s).await.is_some() {
            served += 1;
        }
    }
    assert_eq!(served, 3, "a burst of 3, then throttled");
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut other = sock.connect(server.addr).await.unwrap();
    assert!(
        banner(&mut other).await.is_some(),
        "another IP was throttled too"
    );
    server.stop().await;
}

#[tokio::test]
async fn reloaded_content_reaches_open_sessions() {
    let server = TestServer::start().await;
    let mut term = Term::open(server.addr, 80, 24, None).await;
    term.wait_for("Test Folio").await;
    let mut index = util::test_index();
    index.site.name = "Fresh Folio".into();
    index.generation = 2;
    server.index.send_replace(std::sync::Arc::new(index));
    term.wait_for("Fresh Folio").await;
    server.stop().await;
}

/// Open the newest post in the reader (the real content) at `cols`×`rows`.
async fn newest_post(addr: std::net::SocketAddr, cols: u32, rows: u32) -> Term {
    let mut term = Term::open(addr, cols, rows, None).await;
    term.wait_for("online").await;
    term.send(b"3").await;
    term.settle(Duration::from_millis(300)).await;
    term.send(b"\r").await;
    term.settle(Duration::from_millis(500)).await;
    term
}

/// A frame is handed to russh at once when its queue has room (no second turn of the
/// session loop): keys that arrive in one packet are still all answered, in order —
/// `k` at the top does nothing, so "kkk" then twelve `j`s is twelve lines down, and
/// any other order would show fewer.
#[tokio::test]
async fn keys_typed_in_one_packet_are_all_answered_in_order() {
    let live = util::LiveServer::start().await;
    let keys = b"kkkjjjjjjjjjjjj";
    let mut one = newest_post(live.server.addr, 120, 40).await;
    let top = one.screen();
    one.send(keys).await;
    let mut each = newest_post(live.server.addr, 120, 40).await;
    for k in keys {
        each.send(&[*k]).await;
        each.settle(Duration::from_millis(60)).await;
    }
    // Both show the same count once it has settled.
    one.settle(Duration::from_millis(1500)).await;
    each.settle(Duration::from_millis(1500)).await;
    assert_ne!(one.screen(), top, "the keys moved nothing");
    assert_eq!(one.screen(), each.screen());
}

/// A full repaint larger than one SSH packet (32 KiB for russh's client) arrives whole
/// after keys too: the guest's screen is the one a fresh guest at that place sees.
#[tokio::test]
async fn a_frame_larger_than_an_ssh_packet_arrives_whole() {
    let live = util::LiveServer::start().await;
    let mut term = newest_post(live.server.addr, 300, 100).await;
    // Theme toggles repaint every cell in other colours.
    let before = term.raw.len();
    term.send(b"t").await;
    term.settle(Duration::from_millis(500)).await;
    let repaint = term.raw.len() - before;
    assert!(repaint > 32 * 1024, "a repaint of only {repaint} bytes");
    term.send(b"t").await;
    term.settle(Duration::from_millis(500)).await;
    let mut fresh = newest_post(live.server.addr, 300, 100).await;
    term.settle(Duration::from_millis(1500)).await;
    fresh.settle(Duration::from_millis(1500)).await;
    assert_eq!(term.screen(), fresh.screen());
}
