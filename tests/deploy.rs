//! Deploying and operating: the config file and its precedence, PROXY headers from
//! trusted load balancers, the metrics endpoint, and a real HAProxy in front of two
//! instances. Every test runs the real binary and reads its log.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::tools;
use crate::util::child::{Run, Spawned, after, serve_command};
use crate::util::{self, Client, Conn, WAIT, exec_on, http_get, metric};

/// The repository's own content (the seed import).
fn content_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// `sshfolio` with no `SSHFOLIO_*` variable from the environment of the test run.
fn bin() -> Command {
    let mut c = util::bin();
    for (k, _) in std::env::vars() {
        if k.starts_with("SSHFOLIO_") {
            c.env_remove(k);
        }
    }
    c
}

/// `serve --listen 127.0.0.1:0 --content <repo content> --keys <keys> --data <tmp> ARGS`.
fn start(keys: &Path, args: &[&str]) -> Spawned {
    let run = Run::new();
    let mut cmd = serve_command();
    cmd.arg("--content")
        .arg(content_dir())
        .arg("--keys")
        .arg(keys)
        .arg("--data")
        .arg(run.path("data"))
        .args(args)
        .env("RUST_LOG", "info,russh=warn");
    run.serve(cmd)
}

/// The address of `--metrics 127.0.0.1:0`, from the log.
fn metrics_addr(server: &mut Spawned) -> SocketAddr {
    let line = server.wait_log("metrics on http://");
    after(&line, "metrics on http://")
        .trim_end_matches("/metrics")
        .parse()
        .unwrap()
}

/// Connect from `src` (an address on loopback) to `addr`, send `prefix` (a PROXY
/// header, or nothing), then run SSH over the socket and log in.
async fn connect_from(
    src: IpAddr,
    addr: SocketAddr,
    prefix: &[u8],
    client: Client,
) -> Result<Conn, russh::Error> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(src, 0)).unwrap();
    let mut stream = socket.connect(addr).await?;
    stream.write_all(prefix).await?;
    let config = Arc::new(client::Config {
        inactivity_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    });
    let mut h = tokio::time::timeout(WAIT, client::connect_stream(config, stream, client))
        .await
        .map_err(|_| russh::Error::ConnectionTimeout)??;
    let ok = h.authenticate_none("guest").await?.success();
    assert!(ok, "login refused");
    Ok(h)
}

/// Was this connection refused? Silently (no handshake) or with a message (the key
/// exchange and login complete, then the server disconnects: nothing can be opened).
async fn refused(conn: Result<Conn, russh::Error>) -> bool {
    match conn {
        Err(_) => true,
        Ok(h) => tokio::time::timeout(WAIT, h.channel_open_session())
            .await
            .map_or(true, |r| r.is_err()),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn v1_header(src: &str) -> Vec<u8> {
    format!("PROXY TCP4 {src} 127.0.0.1 40000 2222\r\n").into_bytes()
}

fn v2_header(src: &str) -> Vec<u8> {
    sshfolio::ssh::proxy::v2_header(
        format!("{src}:40000").parse().unwrap(),
        "127.0.0.1:2222".parse().unwrap(),
    )
}

/// A project title from the bundled content, as `projects` prints it.
const A_PROJECT: &str = "Cloudform UI";

// --- configuration -------------------------------------------------------------------

#[test]
fn config_precedence_is_flag_then_env_then_file_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sshfolio.yml");
    std::fs::write(
        &file,
        "max_per_ip: 3\nmax_connections: 50\nidle_timeout: 30\nkeys: /from/file\n",
    )
    .unwrap();
    let out = bin()
        .args(["serve", "--print-config", "--config"])
        .arg(&file)
        .args(["--max-per-ip", "5"])
        .env("SSHFOLIO_MAX_PER_IP", "4")
        .env("SSHFOLIO_MAX_CONNECTIONS", "40")
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let printed: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    // Flag beats env and file; env beats file; file beats default; default remains.
    assert_eq!(printed["max_per_ip"], 5);
    assert_eq!(printed["max_connections"], 40);
    assert_eq!(printed["idle_timeout"], 30);
    assert_eq!(printed["keys"], "/from/file");
    assert_eq!(printed["content"], "content");
    assert_eq!(printed["proxy_header_timeout"], 3.0);
    // Every key is shown, even one that is off.
    assert_eq!(printed.get("metrics"), Some(&serde_yaml::Value::Null));

    // The config file itself can come from the environment.
    let out = bin()
        .args(["serve", "--print-config"])
        .env("SSHFOLIO_CONFIG", &file)
        .output()
        .unwrap();
    let printed: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["max_per_ip"], 3);

    // What is printed is a valid config file giving the same settings.
    let again = dir.path().join("again.yml");
    std::fs::write(&again, &out.stdout).unwrap();
    let out2 = bin()
        .args(["serve", "--print-config", "--config"])
        .arg(&again)
        .output()
        .unwrap();
    crate::util::assert_ok(&out2);
    assert_eq!(out2.stdout, out.stdout);
}

#[test]
fn an_unknown_config_key_is_an_error_naming_it_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sshfolio.yml");
    std::fs::write(&file, "max_per_ip: 3\ntrusted_proxies: [10.0.0.0/8]\n").unwrap();
    let out = bin()
        .args(["serve", "--print-config", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:2:", file.display())),
        "no file:line in {err}"
    );
    assert!(err.contains("unknown field `trusted_proxies`"), "{err}");
    assert!(
        err.contains("`trusted_proxy`"),
        "the valid keys are listed: {err}"
    );
}

// --- PROXY protocol ------------------------------------------------------------------

#[tokio::test]
async fn v1_and_v2_headers_from_a_trusted_proxy_name_the_peer() {
    let keys = tempfile::tempdir().unwrap();
    let mut server = start(keys.path(), &["--trusted-proxy", "127.0.0.1/32"]);
    let loopback = ip("127.0.0.1");

    let conn = connect_from(
        loopback,
        server.addr,
        &v1_header("203.0.113.7"),
        Client::default(),
    )
    .await
    .unwrap();
    let out = exec_on(&conn, "projects").await;
    assert_eq!(out.status, Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(A_PROJECT));
    server.wait_log("peer=203.0.113.7:40000");

    let conn2 = connect_from(
        loopback,
        server.addr,
        &v2_header("198.51.100.9"),
        Client::default(),
    )
    .await
    .unwrap();
    let out = exec_on(&conn2, "projects").await;
    assert_eq!(out.status, Some(0));
    server.wait_log("peer=198.51.100.9:40000");
    // The connection's one log line (written when it ends, kind exec) carries the
    // header's address, not the proxy's.
    let _ = conn2
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    let deadline = Instant::now() + WAIT;
    let log = loop {
        let log = server.log();
        if log
            .lines()
            .any(|l| l.contains("exec") && l.contains("peer=198.51.100.9:40000"))
        {
            break log;
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        !log.lines()
            .any(|l| l.contains("exec") && l.contains("peer=127.0.0.1")),
        "{log}"
    );
}

#[tokio::test]
async fn the_per_ip_limit_applies_to_the_address_in_the_header() {
    let keys = tempfile::tempdir().unwrap();
    let mut server = start(
        keys.path(),
        &[
            "--trusted-proxy",
            "127.0.0.1",
            "--max-per-ip",
            "1",
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    let metrics = metrics_addr(&mut server);
    let loopback = ip("127.0.0.1");
    let held = connect_from(
        loopback,
        server.addr,
        &v2_header("203.0.113.7"),
        Client::default(),
    )
    .await
    .unwrap();
    // The same client again through the same proxy: over its limit, closed before SSH.
    let again = connect_from(
        loopback,
        server.addr,
        &v1_header("203.0.113.7"),
        Client::default(),
    )
    .await;
    assert!(
        refused(again).await,
        "a second connection from 203.0.113.7 got in"
    );
    // Another client through the same proxy is not affected by the first one's slot.
    let other = connect_from(
        loopback,
        server.addr,
        &v2_header("203.0.113.8"),
        Client::default(),
    )
    .await
    .unwrap();
    assert_eq!(exec_on(&other, "projects").await.status, Some(0));
    let text = http_get(metrics, "/metrics").await;
    assert_eq!(
        metric(&text, "sshfolio_rejections_total{reason=\"per_ip_open\"}"),
        1,
        "{text}"
    );
    drop(held);
}

#[tokio::test]
async fn a_proxy_header_from_an_untrusted_source_is_refused() {
    let keys = tempfile::tempdir().unwrap();
    // 127.0.0.1 is not in the trusted range.
    let server = start(keys.path(), &["--trusted-proxy", "10.0.0.0/8"]);
    let loopback = ip("127.0.0.1");
    for header in [v1_header("203.0.113.7"), v2_header("203.0.113.7")] {
        let r = connect_from(loopback, server.addr, &header, Client::default()).await;
        assert!(r.is_err(), "a spoofed PROXY header was accepted");
    }
    assert!(!server.log().contains("203.0.113.7"));
    // Plain SSH from the same source works.
    let conn = connect_from(loopback, server.addr, b"", Client::default())
        .await
        .unwrap();
    assert_eq!(exec_on(&conn, "projects").await.status, Some(0));
}

/// Read whatever the server sends until it closes; `None` if it is still open after `d`.
async fn read_until_closed(stream: &mut TcpStream, d: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    tokio::time::timeout(d, async {
        let mut buf = [0u8; 512];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()?;
    Some(got)
}

#[tokio::test]
async fn a_missing_or_slow_header_from_a_trusted_proxy_times_out() {
    let keys = tempfile::tempdir().unwrap();
    let server = start(
        keys.path(),
        &[
            "--trusted-proxy",
            "127.0.0.0/8",
            "--proxy-header-timeout",
            "0.5",
        ],
    );
    for sent in [
        &b""[..],
        &b"PROXY TCP4 203.0."[..],
        &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
    ] {
        let began = Instant::now();
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(sent).await.unwrap();
        let got = read_until_closed(&mut s, Duration::from_secs(5))
            .await
            .expect("the connection stayed open past the header timeout");
        // Never guessed: no SSH banner is sent to a proxy that gave no header.
        assert!(
            got.is_empty(),
            "server sent {:?}",
            String::from_utf8_lossy(&got)
        );
        if sent.is_empty() || sent.starts_with(b"PROXY") {
            assert!(began.elapsed() >= Duration::from_millis(400));
        }
    }
    let log = server.log();
    assert!(log.contains("no complete PROXY header within"), "{log}");
    assert!(log.contains("does not start with a PROXY header"), "{log}");
}

// --- metrics and logs ----------------------------------------------------------------

#[tokio::test]
async fn metrics_show_the_session_an_end_to_end_test_created() {
    let keys = tempfile::tempdir().unwrap();
    let mut server = start(
        keys.path(),
        &["--metrics", "127.0.0.1:0", "--log-format", "json"],
    );
    let metrics = metrics_addr(&mut server);
    // JSON logs: every line is one JSON object.
    for l in server.log().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["fields"]["message"].is_string(), "{l}");
    }

    let before = http_get(metrics, "/metrics").await;
    assert!(before.starts_with("HTTP/1.1 200 OK"), "{before}");
    assert_eq!(metric(&before, "sshfolio_sessions_active"), 0);

    let mut term = util::Term::open(server.addr, 80, 24, None).await;
    term.wait_until("a first frame", |s| !s.contents().trim().is_empty())
        .await;
    let during = http_get(metrics, "/metrics").await;
    assert_eq!(metric(&during, "sshfolio_sessions_active"), 1, "{during}");
    assert!(metric(&during, "sshfolio_sessions_total") >= 1);
    assert!(metric(&during, "sshfolio_bytes_out_total") > 1000);
    assert!(metric(&during, "sshfolio_bytes_in_total") > 0);
    assert!(metric(&during, "sshfolio_frames_total") >= 1, "{during}");
    assert!(
        metric(&during, "sshfolio_frames_full_total") >= 1,
        "{during}"
    );
    assert!(during.contains("sshfolio_build_info{version=\""));
    // With curl, if this machine has it: what an operator would type.
    if let Ok(out) = Command::new("curl")
        .args(["-sf", &format!("http://{metrics}/metrics")])
        .output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(metric(&text, "sshfolio_sessions_active"), 1);
    }

    // A session counts until its connection closes.
    term.send(b"q").await;
    term.wait_closed().await;
    drop(term);
    let deadline = Instant::now() + WAIT;
    loop {
        let after = http_get(metrics, "/metrics").await;
        if metric(&after, "sshfolio_sessions_active") == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the session never left:\n{after}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn health_answers_only_when_a_server_does() {
    let keys = tempfile::tempdir().unwrap();
    let server = start(keys.path(), &[]);
    let out = bin()
        .args(["health", "--target", &server.addr.to_string()])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SSH-2.0-"));
    let addr = server.addr;
    drop(server);
    let out = bin()
        .args(["health", "--target", &addr.to_string(), "--timeout", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

// --- HAProxy in front of two instances -------------------------------------------------

/// HAProxy from the Debian package, if installed.
fn haproxy() -> Option<PathBuf> {
    [
        "/usr/sbin/haproxy",
        "/usr/bin/haproxy",
        "/usr/local/sbin/haproxy",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What `deploy/haproxy.cfg` does, on loopback ports.
fn haproxy_config(front: u16, backends: &[SocketAddr]) -> String {
    let mut cfg = format!(
        "global
    maxconn 256

defaults
    mode tcp
    timeout connect 2s
    timeout client 1m
    timeout server 1m
    retries 2
    option redispatch

frontend ssh
    bind 127.0.0.1:{front}
    stick-table type ip size 100k expire 1m store conn_cur,conn_rate(10s)
    tcp-request connection track-sc0 src
    tcp-request connection reject if {{ sc_conn_cur(0) gt 20 }}
    default_backend sshfolio

backend sshfolio
    balance roundrobin
"
    );
    for (i, b) in backends.iter().enumerate() {
        cfg.push_str(&format!(
            "    server s{i} {b} send-proxy-v2 check inter 500ms fall 1 rise 1\n"
        ));
    }
    cfg
}

struct Haproxy(Child);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn haproxy_with_send_proxy_v2_in_front_of_two_instances() {
    let Some(haproxy_bin) = haproxy() else {
        let test = "haproxy_with_send_proxy_v2_in_front_of_two_instances";
        tools::need(false, test, "haproxy (apt-get install haproxy)");
        return;
    };
    let keys = tempfile::tempdir().unwrap();
    let args = ["--trusted-proxy", "127.0.0.1/32", "--max-per-ip", "1"];
    // One after the other: the first generates the host key, the second reuses it.
    let mut a = start(keys.path(), &args);
    let mut b = start(keys.path(), &args);

    let dir = tempfile::tempdir().unwrap();
    let front = free_port();
    let cfg_path = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg_path, haproxy_config(front, &[a.addr, b.addr])).unwrap();
    let check = Command::new(&haproxy_bin)
        .args(["-c", "-f"])
        .arg(&cfg_path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "haproxy -c: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _proxy = Haproxy(
        Command::new(&haproxy_bin)
            .args(["-db", "-f"])
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let front: SocketAddr = format!("127.0.0.1:{front}").parse().unwrap();
    let guest = ip("127.0.0.2");

    // HAProxy is up once it accepts and a guest gets through.
    let deadline = Instant::now() + WAIT;
    let client = Client::default();
    let first = loop {
        match connect_from(guest, front, b"", client.clone()).await {
            Ok(c) => break c,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "no guest got through haproxy: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let out = exec_on(&first, "projects").await;
    assert_eq!(out.status, Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(A_PROJECT));

    // A second guest from the same address lands on the other instance (roundrobin;
    // its per-IP limit of 1 would refuse it on the same one); both present one host key.
    let client2 = Client::default();
    let second = connect_from(guest, front, b"", client2.clone())
        .await
        .unwrap();
    assert_eq!(exec_on(&second, "projects").await.status, Some(0));
    let fp1 = client.host_key.lock().unwrap().clone().unwrap();
    let fp2 = client2.host_key.lock().unwrap().clone().unwrap();
    assert_eq!(fp1, fp2, "the instances present different host keys");

    // Both instances log the guest's real address, not HAProxy's.
    a.wait_log("peer=127.0.0.2:");
    b.wait_log("peer=127.0.0.2:");

    // The per-IP limit applies to the guest's address: with one connection open on
    // each instance, a third from 127.0.0.2 is refused, one from 127.0.0.3 is not.
    let third = connect_from(guest, front, b"", Client::default()).await;
    assert!(
        refused(third).await,
        "per-IP limit not applied to the real client address"
    );
    let other = connect_from(ip("127.0.0.3"), front, b"", Client::default())
        .await
        .unwrap();
    assert_eq!(exec_on(&other, "projects").await.status, Some(0));
    drop((first, second, other));

    // One instance dies: new guests still get in.
    a.kill();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for n in 0..4 {
        let src = ip(&format!("127.0.1.{}", n + 1));
        let conn = connect_from(src, front, b"", Client::default())
            .await
            .unwrap_or_else(|e| panic!("guest {n} refused after one instance died: {e}"));
        let out = exec_on(&conn, "projects").await;
        assert_eq!(out.status, Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains(A_PROJECT));
    }
}

// --- the files in deploy/ ---------------------------------------------------------------

fn deploy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

#[test]
fn deploy_yaml_files_parse_and_the_example_config_loads() {
    let mut seen = 0;
    for entry in std::fs::read_dir(deploy_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            serde_yaml::from_str::<serde_yaml::Value>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(seen >= 4, "expected compose, two stacks and sshfolio.yml");
    let out = bin()
        .args(["serve", "--print-config", "--config"])
        .arg(deploy_dir().join("sshfolio.yml"))
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let printed: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["metrics"], "127.0.0.1:9222");
}

#[test]
fn the_example_haproxy_cfg_is_valid() {
    let Some(haproxy_bin) = haproxy() else {
        tools::need(false, "the_example_haproxy_cfg_is_valid", "haproxy");
        return;
    };
    let out = Command::new(haproxy_bin)
        .args(["-c", "-f"])
        .arg(deploy_dir().join("haproxy.cfg"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_systemd_unit_verifies() {
    let present = tools::runs("systemd-analyze", &["--version"]);
    if !tools::need(present, "the_systemd_unit_verifies", "systemd-analyze") {
        return;
    }
    // `verify` wants ExecStart's binary to exist: point it at the one just built.
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(deploy_dir().join("sshfolio.service"))
        .unwrap()
        .replace("/usr/local/bin/sshfolio", env!("CARGO_BIN_EXE_sshfolio"));
    let path = dir.path().join("sshfolio.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}
