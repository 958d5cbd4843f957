//! The server's log under attack (issue 16, item 3): a guest can neither forge a line nor
//! flood the log. Each test runs the real binary at its default log level, attacks it
//! with a real client (paramiko sends whatever channel requests and messages we ask it
//! to; a raw socket sends a hostile KEXINIT) and reads the bytes the server wrote.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::tools;
use crate::util;
use crate::util::child::{Run, Spawned, serve_command};

/// `serve --listen 127.0.0.1:0 --content <repo>/content --keys <tmp> ARGS`, with no
/// `RUST_LOG` and no `SSHFOLIO_*` from the test's environment (the defaults).
pub fn serve_defaults(args: &[&str]) -> Spawned {
    let run = Run::new();
    let mut cmd = serve_command();
    cmd.arg("--content")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content"))
        .arg("--keys")
        .arg(run.path("keys"))
        .args(args)
        .env_remove("RUST_LOG");
    run.serve(cmd)
}

/// What the attacker puts where the server might log it: a whole forged line after a
/// CRLF, a screen clear (ESC and C1 CSI), a bidi override, and bulk.
const FORGED: &str =
    "x\r\n2031-01-01T00:00:00.000000Z  INFO sshfolio::ssh::accept: FORGED\x1b[2J\u{9b}31m\u{202e}";

/// The attacker: paramiko logs in and sends `n` unknown channel requests of ~4 KB whose
/// type is `FORGED…`, then `n` unsolicited REQUEST_FAILUREs; then `kex` raw connections
/// each send a KEXINIT whose name lists are ~14 KB of unknown names (also `FORGED…`).
const ATTACK: &str = r#"
import os, socket, struct, sys, time
import paramiko
from paramiko.common import cMSG_CHANNEL_REQUEST, cMSG_REQUEST_FAILURE
host, port, n, kex = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
forged = sys.argv[5]
t = paramiko.Transport((host, port))
t.start_client(timeout=10)
t.auth_none("mallory")
ch = t.open_session(timeout=10)
sent = 0
try:
    for i in range(n):
        m = paramiko.Message()
        m.add_byte(cMSG_CHANNEL_REQUEST)
        m.add_int(ch.remote_chanid)
        m.add_string(forged + "A" * 4000)
        m.add_boolean(False)
        t._send_user_message(m)
        sent += 1
    for i in range(n):
        m = paramiko.Message()
        m.add_byte(cMSG_REQUEST_FAILURE)
        t._send_user_message(m)
        sent += 1
except Exception as e:
    print("cut after", sent, e)
time.sleep(0.5)
t.close()
# Name lists are ASCII (anything else is refused before it is read): the forgery's
# ASCII part, then unknown names.
ascii = forged.encode("ascii", "ignore").decode()
names = ",".join([ascii + str(i) + "B" * 200 for i in range(6)])
payload = b"\x14" + os.urandom(16)
for i in range(10):
    s = names.encode()
    payload += struct.pack(">I", len(s)) + s
payload += b"\x00" + struct.pack(">I", 0)
pad = 8 - (len(payload) + 5) % 8
pad += 8 if pad < 4 else 0
packet = struct.pack(">IB", len(payload) + pad + 1, pad) + payload + b"\x00" * pad
# Each from its own address, so no per-address cap or rate stops it before the KEXINIT.
for i in range(kex):
    s = socket.create_connection((host, port), source_address=("127.0.0.%d" % (100 + i), 0))
    s.settimeout(5)
    try:
        s.sendall(b"SSH-2.0-mallory\r\n")
        s.sendall(packet)
        while s.recv(65536):
            pass
    except Exception as e:
        print("kex", i, e)
    s.close()
print("sent", sent)
"#;

/// Run the attack against `addr`; the attacker's own report, and how long it took.
fn attack(addr: SocketAddr, n: usize, kex: usize) -> (String, f64) {
    let began = Instant::now();
    let out = Command::new("python3")
        .args(["-c", ATTACK, "127.0.0.1"])
        .arg(addr.port().to_string())
        .arg(n.to_string())
        .arg(kex.to_string())
        .arg(FORGED)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "attacker failed: {said}");
    (said, began.elapsed().as_secs_f64())
}

/// At most this many of russh's records in `secs` (the rate limit: a burst of 20, then
/// 5 a second; the server counts the input budget's throttling in, too).
fn russh_bound(secs: f64) -> usize {
    20 + (5.0 * (secs + 1.0)) as usize
}

/// Bytes that would move a terminal, break a line or reorder text, if any, in `log`.
fn unsafe_bytes(log: &str) -> Vec<(usize, char)> {
    log.char_indices()
        .filter(|&(_, c)| c != '\n' && sshfolio::logging::is_unsafe(c))
        .collect()
}

fn paramiko_here(test: &str) -> bool {
    tools::need(tools::python_has("paramiko"), test, "python3 with paramiko")
}

/// How many attack lines (`n` channel requests, `n` failures, `kex` hostile KEXINITs).
const N: usize = 1500;
const KEX: usize = 12;

#[tokio::test]
async fn guest_strings_cannot_forge_or_flood_text_log_lines() {
    if !paramiko_here("guest_strings_cannot_forge_or_flood_text_log_lines") {
        return;
    }
    let mut server = serve_defaults(&[]);
    let before = server.bytes().len();
    let (said, secs) = attack(server.addr, N, KEX);
    // Every attack connection has ended and been logged (its one `connection` line).
    let log = server.wait_until("the attack's connection lines", |l| {
        l.matches(" connection peer=").count() > KEX
    });
    let added = &log[before..];
    eprintln!("the attack wrote {} bytes of log:\n{added}", added.len());
    assert!(unsafe_bytes(&log).is_empty(), "{:?}", unsafe_bytes(&log));
    // One line per event, each a real one: a timestamp and a level, never the forgery.
    for line in log.lines() {
        let (time, rest) = line.split_once(' ').unwrap();
        assert!(
            time.len() >= 20 && time.ends_with('Z') && !time.starts_with("2031"),
            "{line}"
        );
        let level = rest.trim_start().split(' ').next().unwrap();
        assert!(
            ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"].contains(&level),
            "{line}"
        );
        assert!(line.len() < 2048, "a {}-byte line: {line:.300}", line.len());
    }
    // The attacker's CRLF is there, escaped, inside a line of russh's.
    assert!(
        added.contains("unknown channel request x\\r\\n2031-01-01T00:00:00.000000Z  INFO"),
        "{added:.3000}"
    );
    assert!(
        added.contains("FORGED\\x1b[2J\\u{9b}31m\\u{202e}"),
        "{added:.3000}"
    );
    // Up to 3,000 russh records (as many as the input budget lets through) and 12
    // handshakes of ~14 KB each: a few dozen short lines.
    let russh = added.lines().filter(|l| l.contains(" russh::")).count();
    assert!(
        russh <= russh_bound(secs),
        "{russh} russh lines in {secs:.1} s"
    );
    assert!(
        added.len() < 48 * 1024,
        "the attack wrote {} bytes of log (attacker: {said}):\n{added:.4000}",
        added.len()
    );
    // A real guest is still served.
    let out = util::exec(server.addr, "projects").await;
    assert_eq!(out.status, Some(0), "{out:?}");
}

#[tokio::test]
async fn guest_strings_cannot_forge_or_flood_json_log_lines() {
    if !paramiko_here("guest_strings_cannot_forge_or_flood_json_log_lines") {
        return;
    }
    let mut server = serve_defaults(&["--log-format", "json"]);
    let before = server.bytes().len();
    let (_, secs) = attack(server.addr, N, KEX);
    let log = server.wait_until("the attack's connection lines", |l| {
        l.matches(r#""message":"connection""#).count() > KEX
    });
    let added = &log[before..];
    assert!(unsafe_bytes(&log).is_empty(), "{:?}", unsafe_bytes(&log));
    let mut requests = 0;
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let message = v["fields"]["message"].as_str().unwrap_or_default();
        if let Some(kind) = message.strip_prefix("unknown channel request ") {
            // Decoded, the guest's string is there as sent (cut), control characters
            // and all: escaped in the bytes, not lost.
            assert!(kind.starts_with("x\r\n2031-01-01T"), "{kind:?}");
            assert!(kind.contains("\x1b[2J\u{9b}31m\u{202e}AAAA"), "{kind:?}");
            assert!(kind.ends_with("…[cut]"), "{kind:?}");
            requests += 1;
        }
        assert!(line.len() < 2048, "a {}-byte line: {line:.300}", line.len());
    }
    assert!(
        requests > 0 && requests <= russh_bound(secs),
        "{requests} request lines in {secs:.1} s"
    );
    assert!(added.len() < 48 * 1024, "{} bytes", added.len());
}
