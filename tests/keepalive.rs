//! Dead peers are found by the kernel's TCP keepalives, not by waking the server: a guest
//! whose network vanishes (its packets dropped, not its connection closed) is gone from
//! the server within about a minute, while SSH keepalives stay at their rare default.
//!
//! Needs root and `ip netns` (iproute2) plus OpenSSH's client: the guest runs in a
//! network namespace of its own, joined to ours by a veth pair, and "vanishes" when its
//! end of the pair goes down. Under CI a missing tool fails the test.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util;
use crate::util::child::{Run, after};

/// A namespace and veth pair of this test run's own, removed on drop.
struct Netns {
    name: String,
    guest_if: String,
    host_ip: String,
}

impl Netns {
    fn create() -> Result<Netns, String> {
        let n = std::process::id() % 16_000;
        let name = format!("sfka{n}");
        let (host_if, guest_if) = (format!("sfka{n}h"), format!("sfka{n}g"));
        // Link-local /30s, one per test run, so parallel runs never share a subnet.
        let base = format!("169.254.{}.{}", n / 64, (n % 64) * 4);
        let ip = |last: u32| {
            let (head, tail) = base.rsplit_once('.').unwrap_or(("169.254.0", "0"));
            format!("{head}.{}", tail.parse::<u32>().unwrap_or(0) + last)
        };
        let (host_ip, guest_ip) = (ip(1), ip(2));
        let me = Netns {
            name: name.clone(),
            guest_if: guest_if.clone(),
            host_ip: host_ip.clone(),
        };
        let steps: Vec<Vec<String>> = vec![
            vec!["netns", "add", &name],
            vec![
                "link", "add", &host_if, "type", "veth", "peer", "name", &guest_if,
            ],
            vec!["link", "set", &guest_if, "netns", &name],
            vec!["addr", "add", &format!("{host_ip}/30"), "dev", &host_if],
            vec!["link", "set", &host_if, "up"],
            vec![
                "-n",
                &name,
                "addr",
                "add",
                &format!("{guest_ip}/30"),
                "dev",
                &guest_if,
            ],
            vec!["-n", &name, "link", "set", &guest_if, "up"],
        ]
        .into_iter()
        .map(|v| v.into_iter().map(String::from).collect())
        .collect();
        for step in steps {
            let out = Command::new("ip")
                .args(&step)
                .output()
                .map_err(|e| format!("ip: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "ip {}: {}",
                    step.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        Ok(me)
    }

    /// The guest's network goes dark: its end of the pair is down, every packet to it
    /// is lost, and no FIN or RST ever reaches the server.
    fn cut(&self) {
        let ok = Command::new("ip")
            .args(["-n", &self.name, "link", "set", &self.guest_if, "down"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not take the guest's link down");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace deletes the veth pair with it.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sessions_active(metrics: SocketAddr) -> Option<u64> {
    let mut s = TcpStream::connect_timeout(&metrics, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
        .ok()?;
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines()
        .find_map(|l| l.strip_prefix("sshfolio_sessions_active "))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn a_guest_whose_network_vanishes_is_dropped_within_about_a_minute() {
    let ci = std::env::var_os("CI").is_some();
    let netns = match Netns::create() {
        Ok(n) => n,
        Err(e) if !ci => {
            eprintln!("SKIPPED (needs root and iproute2; CI fails here): {e}");
            return;
        }
        Err(e) => panic!("cannot make the guest's network namespace: {e}"),
    };
    let run = Run::new();
    let mut cmd = util::bin();
    cmd.args(["serve", "--listen", &format!("{}:0", netns.host_ip)])
        .args(["--metrics", "127.0.0.1:0", "--content"])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content"))
        .arg("--keys")
        .arg(run.path("keys"))
        .env("RUST_LOG", "info,russh=warn");
    let mut server = run.serve(cmd);
    let addr = server.addr;
    let line = server.wait_log("metrics on http://");
    let metrics: SocketAddr = after(&line, "metrics on http://")
        .trim_end_matches("/metrics")
        .parse()
        .unwrap();

    // A real guest with a terminal, from inside the namespace, sitting idle.
    let guest = Command::new("ip")
        .args([
            "netns",
            "exec",
            &netns.name,
            "ssh",
            "-tt",
            "-o",
            "BatchMode=yes",
        ])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
        ])
        .args([
            "-o",
            "ServerAliveInterval=0",
            "-p",
            &addr.port().to_string(),
        ])
        .arg(format!("guest@{}", addr.ip()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let guest = match guest {
        Ok(g) => Killed(g),
        Err(e) if !ci => {
            eprintln!("SKIPPED (needs OpenSSH's client; CI fails here): {e}");
            return;
        }
        Err(e) => panic!("cannot start ssh: {e}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while sessions_active(metrics) != Some(1) {
        assert!(Instant::now() < deadline, "the guest never got a session");
        std::thread::sleep(Duration::from_millis(100));
    }

    netns.cut();
    let cut = Instant::now();
    // Probes at 30, 35 and 40 s of quiet, the verdict at 45 s (TCP_USER_TIMEOUT); a
    // little slack for the wake-up.
    while sessions_active(metrics) != Some(0) {
        assert!(
            cut.elapsed() < Duration::from_secs(75),
            "a vanished guest was still a session after {:?}",
            cut.elapsed()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!("the vanished guest was dropped after {:?}", cut.elapsed());
    drop(guest);
}
