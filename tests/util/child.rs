//! The server binary as a child process: its stderr written to a file and read back,
//! its start waited for on the real readiness signal (the `listening on` line), killed
//! on drop; its metrics read over HTTP; a finished command's success checked.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::WAIT;

/// How long a server may take to log `listening on`. Generous: with the machine loaded
/// (load 40-80) ten seconds were not always enough. A bound on a hang, not a timing
/// assertion: a healthy start takes well under a second.
pub const START_WAIT: Duration = Duration::from_secs(60);

/// A running `sshfolio serve` (or a command like it); killed (SIGKILL) on drop.
pub struct Spawned {
    pub child: Child,
    /// Where the server listens, from its `listening on` line.
    pub addr: SocketAddr,
    log: PathBuf,
    dir: tempfile::TempDir,
}

/// A temporary directory for one server: its log, and its keys and data if asked.
pub struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Run {
        Run {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `name` inside the directory (e.g. `keys`), for the command's arguments.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Spawn `cmd` (stdin and stdout empty, stderr to the log) and wait up to
    /// `START_WAIT` for its `listening on ADDR` line. Panics with the log if the child
    /// exits first or never says it.
    pub fn serve(self, mut cmd: Command) -> Spawned {
        let log = self.path("stderr.log");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut me = Spawned {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            log,
            dir: self.dir,
        };
        let line = me.wait_line_within("listening on ", START_WAIT);
        me.addr = after(&line, "listening on ").parse().unwrap();
        me
    }
}

impl Spawned {
    /// The server's own directory (the log, and keys or data if the command put them there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Every byte the server has logged so far.
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.log).unwrap_or_default()
    }

    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Wait (up to `WAIT`) until `pred` holds for the log; return the log.
    pub fn wait_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, WAIT, pred)
    }

    /// Wait (up to `WAIT`) for a line containing `needle`; return it.
    pub fn wait_log(&mut self, needle: &str) -> String {
        self.wait_line_within(needle, WAIT)
    }

    fn wait_line_within(&mut self, needle: &str, within: Duration) -> String {
        let log = self.wait_within(needle, within, |l| l.contains(needle));
        log.lines()
            .find(|l| l.contains(needle))
            .unwrap()
            .to_string()
    }

    fn wait_within(&mut self, what: &str, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let log = self.log();
            if pred(&log) {
                return log;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // The last lines may have been written just before the exit.
                let log = self.log();
                if pred(&log) {
                    return log;
                }
                panic!("sshfolio exited ({status}) waiting for {what:?}:\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "no {what:?} in the log within {within:?}:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, if it is still running, and reap it.
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Send SIGTERM.
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Wait (polling, up to `within`) for the child to exit.
    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server still running after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The word after `marker` in `line` (up to whitespace or a quote).
pub fn after(line: &str, marker: &str) -> String {
    let rest = &line[line.find(marker).unwrap() + marker.len()..];
    rest.chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect()
}

/// `sshfolio serve --listen 127.0.0.1:0`, without the `SSHFOLIO_*` settings of the
/// test's own environment.
pub fn serve_command() -> Command {
    let mut cmd = super::bin();
    for (k, _) in std::env::vars() {
        if k.starts_with("SSHFOLIO_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    cmd
}

/// Fail, showing its stderr, unless the finished command `out` succeeded.
#[track_caller]
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// GET `path` from the HTTP server at `addr`; the whole response.
pub async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(WAIT, s.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    out
}

/// The value of the Prometheus series `name` (with its labels, as printed) in `text`.
pub fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}
