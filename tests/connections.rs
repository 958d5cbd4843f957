//! Connections and channels against the real binary over loopback (issue 16 items 1
//! and 2, issue 12 items 2 and 3): connections end with their last channel, one-byte
//! and banner floods cannot fill MaxStartups, many channels per connection with real
//! clients (OpenSSH ControlMaster, paramiko, asyncssh), refusals that explain
//! themselves, and a script that fetches the whole site with the default limits.
//!
//! Attacks are scaled down by small caps given as flags, so each test takes seconds.
//! Sources are many addresses in 127.0.0.0/8; the "real guest" comes from its own.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::hardening::{Served, first_frame, key_to_frame, login, source, tcp_from};
use crate::util::WAIT;

/// OpenSSH's client, quiet and trusting, against `addr`.
fn ssh(addr: SocketAddr) -> Command {
    let mut c = Command::new("ssh");
    c.args(["-p", &addr.port().to_string()])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
        ])
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            "-F",
            "/dev/null",
        ])
        .stdin(Stdio::null());
    c
}

/// Is an outside tool here? Without it the test is skipped, except under CI (where
/// `.ci/run` installs it), where its absence is a failure.
fn have(what: &str, probe: &mut Command) -> bool {
    let ok = probe
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is missing under CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED: {what} is not installed");
    }
    ok
}

fn python_has(module: &str) -> bool {
    have(
        &format!("python3 module {module}"),
        Command::new("python3").args(["-c", &format!("import {module}")]),
    )
}

/// Run `code` with python3 (blocking, in a thread) and return its stdout.
async fn python(code: String, addr: SocketAddr) -> String {
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", &code, "127.0.0.1", &addr.port().to_string()])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The server's `connection` log lines.
fn connection_lines(log: &[String]) -> Vec<String> {
    log.iter()
        .filter(|l| l.contains(" connection "))
        .cloned()
        .collect()
}

/// Wait until the server closes `stream` (EOF or error); how long that took.
async fn closed_within(mut stream: tokio::net::TcpStream, within: Duration) -> Option<Duration> {
    let began = Instant::now();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return began.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// Issue 16 item 1: connections that exec'd, opened a channel with no request, or
/// opened none, and keep answering keepalives, are closed a grace after their last
/// channel; with every global slot held by them, a real guest still gets in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_end_with_their_last_channel() {
    let server = Served::start(
        &[
            "--max-connections",
            "12",
            "--channel-grace",
            "2",
            "--keepalive-interval",
            "1",
        ],
        &[],
    );
    // Twelve hostile clients from three addresses (four each): russh clients, which
    // answer keepalives, holding their connections open after doing little or nothing.
    let mut held = Vec::new();
    for i in 0..12 {
        let conn = login(tcp_from(source(5, i, 4), server.addr).await).await;
        match i % 3 {
            0 => {
                let mut ch = conn.channel_open_session().await.unwrap();
                ch.exec(true, "projects").await.unwrap();
                while let Some(msg) = tokio::time::timeout(WAIT, ch.wait()).await.unwrap() {
                    if matches!(msg, russh::ChannelMsg::Close) {
                        break;
                    }
                }
                held.push((conn, Some(ch)));
            }
            1 => {
                let ch = conn.channel_open_session().await.unwrap();
                held.push((conn, Some(ch)));
            }
            _ => held.push((conn, None)),
        }
    }
    let began = Instant::now();
    // A real guest waits (in the kernel backlog) at most about the grace.
    let (took, mut term) = first_frame(Ipv4Addr::new(127, 0, 0, 9), server.addr).await;
    eprintln!("first frame with 12 held connections: {took:?}");
    assert!(
        took < Duration::from_secs(6),
        "a real guest waited {took:?}"
    );
    key_to_frame(&mut term, b"t").await;
    // Every held connection was closed by the server.
    for (conn, _) in &held {
        let deadline = Instant::now() + WAIT;
        while !conn.is_closed() {
            assert!(
                Instant::now() < deadline,
                "a held connection outlived its grace"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert!(began.elapsed() < Duration::from_secs(8));
    drop(held);
    drop(term);
    let log = server.stop().await;
    let lines = connection_lines(&log);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("why=\"no session\""))
            .count(),
        12,
        "{lines:#?}"
    );
}

/// Issue 16 item 2: 6 addresses × 4 connections that each send one byte (and come
/// back a second after being cut), plus a banner slowloris from 40 more addresses,
/// against MaxStartups 8: a real guest with a banner still gets in every time, the
/// floods are cut at the handshake deadline and their sources penalised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_and_banner_floods_do_not_fill_max_startups() {
    let server = Served::start(
        &[
            "--max-startups",
            "8",
            "--handshake-deadline",
            "2",
            "--source-penalty",
            "2",
        ],
        &[],
    );
    let addr = server.addr;
    let before = server.rss_kib();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for i in 0..24 {
        let stop = stop.clone();
        let ip = source(6, i, 4);
        flood.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let sock = tokio::net::TcpSocket::new_v4().unwrap();
                sock.bind(SocketAddr::from((ip, 0))).unwrap();
                if let Ok(mut s) = sock.connect(addr).await {
                    let _ = s.write_all(b"S").await;
                    let _ = closed_within(s, Duration::from_secs(10)).await;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    for i in 0..40 {
        let stop = stop.clone();
        let ip = source(7, i, 1);
        flood.push(tokio::spawn(async move {
            let Ok(mut s) = tokio::time::timeout(WAIT, tcp_from(ip, addr)).await else {
                return;
            };
            for b in b"SSH-2.0-slowloris" {
                if stop.load(std::sync::atomic::Ordering::SeqCst)
                    || s.write_all(&[*b]).await.is_err()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut worst = Duration::ZERO;
    for i in 0..6 {
        let (took, mut term) = first_frame(Ipv4Addr::new(127, 0, 1, 10 + i), addr).await;
        worst = worst.max(took);
        key_to_frame(&mut term, b"t").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("slowest first frame under the floods: {worst:?}");
    assert!(
        worst < Duration::from_secs(3),
        "a real guest waited {worst:?}"
    );
    let grown = server.rss_kib().saturating_sub(before);
    eprintln!("server RSS grew {grown} KiB under the floods");
    assert!(
        grown < 32 * 1024,
        "the floods grew the server by {grown} KiB"
    );
    // On a loaded machine the floods take longer to run into deadlines and penalties:
    // they keep going until the log shows both (bounded), then stop.
    let cut = |l: &String| l.contains("why=\"handshake deadline\"") || l.contains("why=\"cut for");
    let penalised =
        |l: &String| l.contains("refused connections") && l.contains("reason=\"penalised\"");
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::time::Instant::now() < until {
        let log = server.log();
        if log.iter().any(cut) && log.iter().any(penalised) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for f in flood {
        f.abort();
    }
    let log = server.stop().await;
    let deadlines = log
        .iter()
        .filter(|l| l.contains("why=\"handshake deadline\"") || l.contains("why=\"cut for"))
        .count();
    assert!(
        deadlines > 0,
        "no flood connection was cut:\n{}",
        log.join("\n")
    );
    assert!(
        log.iter()
            .any(|l| l.contains("refused connections") && l.contains("reason=\"penalised\"")),
        "no source was penalised:\n{}",
        log.join("\n")
    );
}

/// Issue 12 item 2: OpenSSH's ControlMaster runs three commands through one master
/// connection, which ends a grace after the last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controlmaster_runs_three_commands_through_one_connection() {
    if !have("OpenSSH client", Command::new("ssh").arg("-V")) {
        return;
    }
    // A grace long enough that a loaded machine starting the next `ssh` does not see
    // the idle master closed between two commands (that made a second connection).
    let server = Served::start(&["--channel-grace", "5"], &[]);
    let tmp = tempfile::tempdir().unwrap();
    let control = tmp.path().join("cm");
    let control = control.to_str().unwrap();
    for (cmd, want) in [
        ("projects", "Production Engine"),
        ("blog", "Welcome to My Digital Sandbox"),
        ("show production-engine", "Production Engine"),
    ] {
        let out = ssh(server.addr)
            .args(["-o", "ControlMaster=auto", "-o"])
            .arg(format!("ControlPath={control}"))
            .args(["-o", "ControlPersist=30", "127.0.0.1", cmd])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains(want),
            "{cmd}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The master goes when the server closes the idle connection.
    let deadline = Instant::now() + WAIT;
    loop {
        let check = ssh(server.addr)
            .args(["-o"])
            .arg(format!("ControlPath={control}"))
            .args(["-O", "check", "127.0.0.1"])
            .output()
            .unwrap();
        if !check.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the master connection was never closed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = server.stop().await;
    let lines = connection_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("channels=3"), "{}", lines[0]);
    assert!(lines[0].contains("why=\"no session\""), "{}", lines[0]);
}

/// Issue 12 item 2: paramiko runs two `exec_command`s on one transport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_runs_two_commands_on_one_transport() {
    if !python_has("paramiko") {
        return;
    }
    let server = Served::start(&[], &[]);
    let code = r#"
import sys, paramiko
t = paramiko.Transport((sys.argv[1], int(sys.argv[2])))
t.start_client(timeout=10)
t.auth_none("guest")
for cmd in ("projects", "blog"):
    ch = t.open_session(timeout=10)
    ch.exec_command(cmd)
    out = b""
    while True:
        b = ch.recv(65536)
        if not b:
            break
        out += b
    print(cmd, ch.recv_exit_status(), len(out), out.decode().splitlines()[0])
t.close()
"#;
    let out = python(code.into(), server.addr).await;
    assert!(out.contains("projects 0 "), "{out}");
    assert!(out.contains("Production Engine"), "{out}");
    assert!(out.contains("blog 0 "), "{out}");
    let log = server.stop().await;
    let lines = connection_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("channels=2"), "{}", lines[0]);
}

/// Issue 12 item 2: asyncssh runs two `run()`s on one connection (and two at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asyncssh_runs_two_commands_on_one_connection() {
    if !python_has("asyncssh") {
        return;
    }
    let server = Served::start(&[], &[]);
    let code = r#"
import asyncio, sys, asyncssh
async def main():
    async with asyncssh.connect(sys.argv[1], int(sys.argv[2]), username="guest",
            known_hosts=None, password=None, client_keys=None, agent_path=None) as c:
        for cmd in ("projects", "blog"):
            r = await c.run(cmd, check=True)
            print(cmd, r.exit_status, r.stdout.splitlines()[0])
        both = await asyncio.gather(c.run("projects"), c.run("blog"))
        print("together", [r.exit_status for r in both])
asyncio.run(main())
"#;
    let out = python(code.into(), server.addr).await;
    assert!(out.contains("projects 0 Production Engine"), "{out}");
    assert!(out.contains("blog 0 "), "{out}");
    assert!(out.contains("together [0, 0]"), "{out}");
    let log = server.stop().await;
    let lines = connection_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("channels=4"), "{}", lines[0]);
}

/// Issue 12 item 3: over the per-IP cap, OpenSSH's client prints why and what to do,
/// and the server logs it once at info; a client that sends nothing is dropped
/// silently (no banner).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_per_ip_cap_the_refusal_explains_itself() {
    if !have("OpenSSH client", Command::new("ssh").arg("-V")) {
        return;
    }
    let server = Served::start(&["--max-per-ip", "2"], &[]);
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(login(tcp_from(Ipv4Addr::LOCALHOST, server.addr).await).await);
    }
    for _ in 0..2 {
        let out = ssh(server.addr)
            .args(["127.0.0.1", "projects"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(255), "{stderr}");
        assert!(
            stderr.contains(
                "too many connections from 127.0.0.1 (2 open); close one or try again in 5 s"
            ),
            "{stderr}"
        );
    }
    // A flood that never sends a byte gets nothing, not even our banner.
    let mut silent = tcp_from(Ipv4Addr::LOCALHOST, server.addr).await;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(WAIT, silent.read(&mut buf))
        .await
        .unwrap();
    assert!(
        matches!(n, Ok(0) | Err(_)),
        "a silent refused client got bytes"
    );
    // Another address is unaffected.
    let out = ssh(server.addr)
        .args(["-b", "127.0.0.2", "127.0.0.1", "projects"])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    drop(held);
    let log = server.stop().await;
    let refusals: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("refused connections"))
        .collect();
    assert_eq!(
        refusals.len(),
        1,
        "one line per address and reason: {refusals:#?}"
    );
    for field in [
        " INFO ",
        "source=\"127.0.0.1\"",
        "reason=\"too many open\"",
        "count=1",
    ] {
        assert!(
            refusals[0].contains(field),
            "{field} missing: {}",
            refusals[0]
        );
    }
}

/// Issue 12 item 3: with the default limits, a script fetches the whole site
/// sequentially — both listings, then `show` for each of the 15 pages — and gets
/// every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_fetches_every_page_back_to_back() {
    if !have("OpenSSH client", Command::new("ssh").arg("-V")) {
        return;
    }
    let server = Served::start(&[], &[]);
    let addr = server.addr;
    let pages = tokio::task::spawn_blocking(move || {
        let mut slugs = Vec::new();
        for list in ["projects", "blog"] {
            let out = ssh(addr)
                .args(["127.0.0.1", list, "--json"])
                .output()
                .unwrap();
            crate::util::assert_ok(&out);
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let items = json
                .as_array()
                .or_else(|| {
                    json.as_object()
                        .and_then(|o| o.values().find_map(|v| v.as_array()))
                })
                .cloned()
                .unwrap_or_default();
            for item in items {
                slugs.push(item["slug"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(slugs.len(), 15, "{slugs:?}");
        let mut pages = 0;
        for slug in &slugs {
            let out = ssh(addr)
                .args(["127.0.0.1", "show", slug])
                .output()
                .unwrap();
            assert!(
                out.status.success() && !out.stdout.is_empty(),
                "show {slug}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            pages += 1;
        }
        pages
    })
    .await
    .unwrap();
    assert_eq!(pages, 15);
    let log = server.stop().await;
    assert!(
        !log.iter().any(|l| l.contains("refused")),
        "{}",
        log.join("\n")
    );
}

/// Window-changes and channel requests are charged to the guest's input budget: a
/// flood of them from one connection is slowed (its reads pause), and another guest's
/// keys are still answered promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_change_and_request_flood_is_throttled() {
    let server = Served::start(&["--input-rate", "4096", "--input-burst", "8192"], &[]);
    let mut other = crate::hardening::guest_from(Ipv4Addr::LOCALHOST, server.addr).await;
    key_to_frame(&mut other, b"t").await;
    let flooder = crate::hardening::guest_from(Ipv4Addr::new(127, 0, 0, 2), server.addr).await;
    let channel = flooder.channel;
    let flood = tokio::spawn(async move {
        for i in 0..5000u32 {
            let cols = 80 + i % 40;
            if channel.window_change(cols, 24, 0, 0).await.is_err() {
                break;
            }
            if i % 4 == 0 && channel.signal(russh::Sig::INT).await.is_err() {
                break;
            }
        }
    });
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        worst = worst.max(key_to_frame(&mut other, b"t").await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    eprintln!("slowest keystroke during the flood: {worst:?}");
    assert!(worst < Duration::from_secs(2), "a keystroke took {worst:?}");
    flood.abort();
    drop(flooder.conn);
    drop(other);
    let log = server.stop().await;
    let line = connection_lines(&log)
        .into_iter()
        .find(|l| l.contains("peer=127.0.0.2:"))
        .unwrap();
    assert!(
        !line.contains("throttled_ms=0 "),
        "the flood was not slowed: {line}"
    );
}

/// Key re-exchange mid-session (our russh patch empties the exchange's copies after
/// each key exchange, vendor/russh/PATCHES.md): OpenSSH with `RekeyLimit=4K` renews
/// its keys while the longest post (~24 KB) comes down, and every byte still arrives,
/// ending with the post's last sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_rekeys_every_4_kb_gets_the_whole_post() {
    if !have("OpenSSH client", Command::new("ssh").arg("-V")) {
        return;
    }
    let server = Served::start(&[], &[]);
    let out = ssh(server.addr)
        .args(["-o", "RekeyLimit=4K", "-v", "127.0.0.1"])
        .arg("show mtu-troubleshooting-blog")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The first key exchange, then at least one more.
    let kexinits = stderr.matches("SSH2_MSG_KEXINIT sent").count();
    assert!(kexinits >= 2, "no key re-exchange:\n{stderr}");
    assert!(
        stdout.contains("what keeps things running."),
        "the post's end is missing ({} bytes):\n{stdout}",
        stdout.len()
    );
}
