//! `sshfolio bench`: a load generator on russh's client. It opens interactive sessions
//! against any SSH server (ours, or OpenSSH with `ForceCommand sshfolio local`), times
//! the first frame and keystrokes, and reads the server's memory and CPU from /proc.
//!
//! Phases, each bounded in time:
//! 1. ramp: open `sessions` sessions at `rate` per second; each times TCP connect →
//!    first settled frame ("settled" = output, then `quiet` without any);
//! 2. keys: on up to `key_sessions` sessions, one after another, send the key script and
//!    time each key to its first byte and to its settled frame, counting bytes;
//! 3. hold: every session stays open and idle for `duration` (server CPU while idle,
//!    read over its second half, or its last 60 s when longer);
//! 4. probe (optional): every session that did not run the key script gets one key, at
//!    once or spread at `--probe-rate`; time to its first byte. Sessions that ran the
//!    script are left out: their screen is wherever the script left it, where the probe
//!    key may change nothing and so rightly draws nothing (e.g. `j` on a one-item list).
//!
//! Server figures (given its pid) are /proc deltas over the listener and all of its
//! descendants: PSS (smaps_rollup) and RSS, user+system CPU including reaped children.
//! The machine's receive-queue drops over the run are reported too (`bench/procfs.rs`):
//! on loopback a dropped keepalive probe is what makes a server's kernel end a live guest.
//!
//! Over 600 lines: one load generator, its phases and report kept together; the rest its tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
use russh::{ChannelMsg, Disconnect};
use serde::Serialize;
use tokio::sync::{Mutex, watch};
use tokio::time::Instant;

mod procfs;
pub use procfs::proc_sample;
use procfs::{proc_cpu, self_rss_kib, softnet_drops};

/// Bounds on every wait: a misbehaving server costs at most this per step.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);
const KEY_TIMEOUT: Duration = Duration::from_secs(5);
/// A key with no output at all this long changed nothing on screen.
const KEY_SILENT: Duration = Duration::from_secs(1);
/// Most keys in a script, and most sessions.
const MAX_KEYS: usize = 1000;
pub const MAX_SESSIONS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(
        "bad key script token {0:?} (try: a character, enter, esc, tab, space, up, down, left, right, pgup, pgdn, home, end, bs, ctrl-X)"
    )]
    BadKey(String),
    #[error("key script too long (at most {MAX_KEYS} keys)")]
    TooManyKeys,
    #[error("bad size {0:?} (want COLSxROWS, e.g. 80x24)")]
    BadSize(String),
    #[error("cannot load identity {path}: {msg}")]
    Identity { path: PathBuf, msg: String },
    #[error("sessions must be between 1 and {MAX_SESSIONS}")]
    Sessions,
    #[error("bad target {0:?} (want HOST:PORT)")]
    Target(String),
}

/// One keystroke of a script: its name (for the report) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Parse `3,enter,pgdn,j,q`: comma-separated tokens, each a single character or a key
/// name (`enter esc tab space bs up down left right pgup pgdn home end ctrl-X comma`).
pub fn parse_keys(script: &str) -> Result<Vec<Key>, BenchError> {
    let mut keys = Vec::new();
    for tok in script.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if keys.len() >= MAX_KEYS {
            return Err(BenchError::TooManyKeys);
        }
        let bytes: Vec<u8> = match tok.to_ascii_lowercase().as_str() {
            "enter" | "ret" => b"\r".to_vec(),
            "esc" => b"\x1b".to_vec(),
            "tab" => b"\t".to_vec(),
            "space" => b" ".to_vec(),
            "comma" => b",".to_vec(),
            "bs" | "backspace" => b"\x7f".to_vec(),
            "up" => b"\x1b[A".to_vec(),
            "down" => b"\x1b[B".to_vec(),
            "right" => b"\x1b[C".to_vec(),
            "left" => b"\x1b[D".to_vec(),
            "home" => b"\x1b[H".to_vec(),
            "end" => b"\x1b[F".to_vec(),
            "pgup" => b"\x1b[5~".to_vec(),
            "pgdn" => b"\x1b[6~".to_vec(),
            t if t.starts_with("ctrl-") && t.len() == 6 => {
                let c = t.as_bytes()[5];
                if !c.is_ascii_lowercase() {
                    return Err(BenchError::BadKey(tok.into()));
                }
                vec![c - b'a' + 1]
            }
            _ if tok.chars().count() == 1 => tok.as_bytes().to_vec(),
            _ => return Err(BenchError::BadKey(tok.into())),
        };
        keys.push(Key {
            name: tok.to_string(),
            bytes,
        });
    }
    Ok(keys)
}

/// Parse `80x24`.
pub fn parse_size(s: &str) -> Result<(u32, u32), BenchError> {
    let bad = || BenchError::BadSize(s.into());
    let (c, r) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let c: u32 = c.trim().parse().map_err(|_| bad())?;
    let r: u32 = r.trim().parse().map_err(|_| bad())?;
    if c == 0 || r == 0 || c > 1000 || r > 1000 {
        return Err(bad());
    }
    Ok((c, r))
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub target: SocketAddr,
    pub sessions: usize,
    /// New sessions per second.
    pub rate: f64,
    /// How long all sessions are held idle after the key phase.
    pub duration: Duration,
    pub keys: Vec<Key>,
    /// How many sessions run the key script (one after another).
    pub key_sessions: usize,
    /// Sent at the end, if set, to every session that did not run the key script (still
    /// on its first screen): all at once, or spread at `probe_rate` keys per second.
    pub probe: Option<Key>,
    pub probe_rate: Option<f64>,
    pub size: (u32, u32),
    pub user: String,
    pub identity: Option<PathBuf>,
    /// Log in as OpenSSH's client does: `none` first, then the key (or, without one,
    /// keyboard-interactive) if `none` is refused (`--identify-guests` servers).
    pub none_first: bool,
    pub server_pid: Option<u32>,
    /// Output followed by this much silence is a settled frame.
    pub quiet: Duration,
    /// Print a progress line on stderr.
    pub progress: bool,
    /// Spread the connections over the addresses of this network as their source
    /// (loopback: 127.x.y.z), round robin: one source address has ~28,000 ephemeral
    /// ports, so 100,000 connections to one port need several.
    pub sources: Option<ipnet::IpNet>,
}

impl BenchConfig {
    pub fn new(target: SocketAddr) -> Self {
        Self {
            target,
            sessions: 10,
            rate: 50.0,
            duration: Duration::from_secs(5),
            keys: Vec::new(),
            key_sessions: 10,
            probe: None,
            probe_rate: None,
            size: (80, 24),
            user: "guest".into(),
            identity: None,
            none_first: false,
            server_pid: None,
            quiet: Duration::from_millis(30),
            progress: false,
            sources: None,
        }
    }
}

/// `sshfolio bench` flags.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Server to load, HOST:PORT.
    #[arg(long)]
    pub target: String,
    /// Sessions opened and held at once.
    #[arg(long, default_value_t = 10)]
    pub sessions: usize,
    /// New sessions per second.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// Seconds every session is held idle after the key phase.
    #[arg(long, default_value_t = 5.0)]
    pub duration: f64,
    /// Keystroke script, e.g. `3,enter,pgdn,pgdn,j,j,q` (names: enter esc tab space bs
    /// up down left right pgup pgdn home end comma ctrl-X).
    #[arg(long, default_value = "")]
    pub keys: String,
    /// How many sessions run the key script, one after another.
    #[arg(long, default_value_t = 10)]
    pub key_sessions: usize,
    /// One key sent at the end to every held session that did not run --keys (all at
    /// once unless --probe-rate).
    #[arg(long)]
    pub probe: Option<String>,
    /// Spread the probe: this many sessions get their key per second (guests pressing
    /// keys at a realistic rate, not all in the same millisecond).
    #[arg(long)]
    pub probe_rate: Option<f64>,
    /// Terminal size.
    #[arg(long, default_value = "80x24")]
    pub size: String,
    #[arg(long, default_value = "guest")]
    pub user: String,
    /// OpenSSH private key for public-key login (otherwise `none` auth).
    #[arg(long)]
    pub identity: Option<PathBuf>,
    /// Try `none` first, as OpenSSH's client does; if refused, the key or (without
    /// one) keyboard-interactive. Measures what `--identify-guests` costs a login.
    #[arg(long)]
    pub none_first: bool,
    /// The server's (or OpenSSH listener's) pid: report its memory and CPU per session.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Milliseconds of silence after output that make a frame "settled".
    #[arg(long, default_value_t = 30)]
    pub quiet_ms: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Source addresses to connect from, round robin over this network (e.g.
    /// 127.16.0.0/16 on loopback): past one address's ~28,000 ephemeral ports.
    #[arg(long)]
    pub sources: Option<ipnet::IpNet>,
}

impl BenchArgs {
    /// The run these flags describe.
    pub fn config(&self) -> Result<BenchConfig, BenchError> {
        let target = std::net::ToSocketAddrs::to_socket_addrs(&self.target)
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| BenchError::Target(self.target.clone()))?;
        let mut cfg = BenchConfig::new(target);
        cfg.sessions = self.sessions;
        cfg.rate = self.rate;
        cfg.duration = Duration::from_secs_f64(self.duration.clamp(0.0, 86_400.0));
        cfg.keys = parse_keys(&self.keys)?;
        cfg.key_sessions = self.key_sessions;
        cfg.probe = match &self.probe {
            Some(p) => parse_keys(p)?.into_iter().next(),
            None => None,
        };
        cfg.probe_rate = self.probe_rate.filter(|r| r.is_finite() && *r > 0.0);
        cfg.size = parse_size(&self.size)?;
        cfg.user = self.user.clone();
        cfg.identity = self.identity.clone();
        cfg.none_first = self.none_first;
        cfg.server_pid = self.server_pid;
        cfg.quiet = Duration::from_millis(self.quiet_ms.clamp(1, 10_000));
        cfg.progress = true;
        cfg.sources = self.sources;
        Ok(cfg)
    }
}

/// Percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dist {
    pub n: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Dist {
    pub fn of(mut v: Vec<Duration>) -> Dist {
        if v.is_empty() {
            return Dist::default();
        }
        v.sort();
        let at = |q: f64| {
            let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
            v[i].as_secs_f64() * 1e3
        };
        Dist {
            n: v.len(),
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }
}

/// Memory and CPU of the server process tree at one moment.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ProcSample {
    pub processes: usize,
    pub pss_kib: u64,
    pub rss_kib: u64,
    /// CPU time of every live thread (schedstat) plus reaped children (stat), seconds.
    pub cpu_s: f64,
}

/// Server cost, from /proc deltas.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerCost {
    pub before: ProcSample,
    /// After the ramp (all sessions at their first frame).
    pub after_ramp: ProcSample,
    /// At the end of the idle hold.
    pub after_hold: ProcSample,
    /// (after_ramp.pss − before.pss) / established, KiB.
    pub pss_per_session_kib: f64,
    /// The same at the end of the hold (after any hibernation).
    pub pss_per_idle_session_kib: f64,
    /// The same right after a probe sent to every guest at once (no `--probe-rate`):
    /// every guest has just drawn a frame of its own (awake, before hibernating).
    pub pss_per_awake_session_kib: Option<f64>,
    /// CPU of the ramp per established session (handshake, auth, first frame), µs.
    pub cpu_per_session_us: f64,
    /// CPU of the key phase per keystroke, µs.
    pub cpu_per_key_us: f64,
    /// CPU while every session sat idle (the second half of the hold, at most its
    /// last 60 s), percent of one core.
    pub idle_cpu_pct: f64,
}

/// Per key of the script.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KeyStat {
    pub key: String,
    pub first_byte: Dist,
    pub frame: Dist,
    pub bytes_mean: f64,
    /// Server CPU for this key (all of it: SSH decrypt, session, frame, encrypt, send), µs.
    pub cpu_us_mean: Option<f64>,
    pub cpu_us_max: Option<f64>,
}

/// What a run measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub target: String,
    pub sessions: usize,
    pub established: usize,
    pub failed: usize,
    /// First failure messages (at most 5, deduplicated).
    pub errors: Vec<String>,
    /// Sessions the server closed before the end.
    pub closed_early: usize,
    pub first_frame: Dist,
    pub first_frame_bytes_mean: f64,
    pub key_first_byte: Dist,
    pub key_frame: Dist,
    pub bytes_per_key_mean: f64,
    pub per_key: Vec<KeyStat>,
    pub probe_first_byte: Dist,
    /// Sessions the probe key was sent to (those that did not run the key script).
    pub probe_sent: usize,
    pub probe_answered: usize,
    pub server: Option<ServerCost>,
    pub ramp_s: f64,
    /// This load generator's own RSS growth over the ramp, per established session
    /// (KiB): what holding one more guest costs the client side.
    pub client_rss_per_session_kib: f64,
    /// Packets this machine's kernel dropped from full receive queues over the run
    /// (/proc/net/softnet_stat). On loopback a lost keepalive probe looks like a dead
    /// guest to the server's kernel: the usual cause of sessions closed early.
    pub softnet_drops: Option<u64>,
}

/// Trusts any host key: the bench measures, it does not authenticate servers.
struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Ramp,
    Keys,
    Hold,
    Probe,
    Done,
}

/// One open session.
struct Sess {
    conn: client::Handle<Trusting>,
    channel: russh::Channel<client::Msg>,
    closed: bool,
}

/// What reading until a frame settled saw.
struct Settled {
    first: Option<Instant>,
    last: Option<Instant>,
    bytes: usize,
}

impl Sess {
    /// Read until output was followed by `quiet` of silence, or `limit` passed, or
    /// nothing at all came for `silent`.
    async fn settle(&mut self, quiet: Duration, silent: Duration, limit: Duration) -> Settled {
        let start = Instant::now();
        let deadline = start + limit;
        let mut s = Settled {
            first: None,
            last: None,
            bytes: 0,
        };
        while !self.closed {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let wait = match s.last {
                Some(last) => (last + quiet).min(deadline),
                None => (start + silent).min(deadline),
            };
            match tokio::time::timeout_at(wait, self.channel.wait()).await {
                Err(_) => break,
                Ok(None) | Ok(Some(ChannelMsg::Close)) | Ok(Some(ChannelMsg::Eof)) => {
                    self.closed = true
                }
                Ok(Some(ChannelMsg::Data { data })) => {
                    let t = Instant::now();
                    s.first.get_or_insert(t);
                    s.last = Some(t);
                    s.bytes += data.len();
                }
                Ok(Some(_)) => {}
            }
        }
        s
    }

    /// Read and discard until `phase` reaches `want` (or the session closes).
    async fn drain_until(&mut self, phase: &mut watch::Receiver<Phase>, want: Phase) {
        loop {
            if *phase.borrow_and_update() >= want {
                return;
            }
            if self.closed {
                let _ = phase.wait_for(|p| *p >= want).await;
                return;
            }
            tokio::select! {
                changed = phase.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                msg = self.channel.wait() => {
                    if matches!(msg, None | Some(ChannelMsg::Close) | Some(ChannelMsg::Eof)) {
                        self.closed = true;
                    }
                }
            }
        }
    }
}

/// Shared between session tasks and the coordinator.
#[derive(Default)]
struct Counters {
    started: AtomicUsize,
    established: AtomicUsize,
    failed: AtomicUsize,
    keys_done: AtomicUsize,
    probed: AtomicUsize,
    /// Probe keys sent.
    probe_sent: AtomicUsize,
    /// Established sessions past the probe, answered or not.
    probe_tried: AtomicUsize,
}

/// Time to the first byte, to the settled frame, and the bytes of one key.
/// First byte, settled frame, bytes, and the server's CPU for this key (µs; given
/// `--server-pid`, read from /proc around the key: the other sessions are idle).
type KeySample = (Option<Duration>, Option<Duration>, usize, Option<f64>);

#[derive(Default)]
struct Results {
    first_frames: Vec<Duration>,
    first_frame_bytes: Vec<usize>,
    /// Per key index, one sample per session that ran the script.
    keys: Vec<Vec<KeySample>>,
    probes: Vec<Duration>,
    errors: Vec<String>,
    closed_early: usize,
}

struct Ctx {
    cfg: BenchConfig,
    client: Arc<client::Config>,
    key: Option<Arc<PrivateKey>>,
    counters: Counters,
    results: std::sync::Mutex<Results>,
    /// The key phase runs one session at a time.
    key_turn: Mutex<()>,
}

impl Ctx {
    fn results(&self) -> std::sync::MutexGuard<'_, Results> {
        self.results.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, msg: String) {
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
        let mut r = self.results();
        if r.errors.len() < 5 && !r.errors.contains(&msg) {
            r.errors.push(msg);
        }
    }
}

/// The `n`th source address of `net` (round robin over its host addresses).
fn source(net: ipnet::IpNet, n: usize) -> std::net::IpAddr {
    use std::net::IpAddr;
    match net {
        ipnet::IpNet::V4(v4) => {
            let base = u32::from(v4.network());
            // Host addresses only (not the network or broadcast address of a /0–/30).
            let (first, count) = match v4.prefix_len() {
                31 | 32 => (0, 1u64 << (32 - v4.prefix_len())),
                p => (1, (1u64 << (32 - p)) - 2),
            };
            let off = first + (n as u64 % count) as u32;
            IpAddr::V4(base.wrapping_add(off).into())
        }
        ipnet::IpNet::V6(v6) => {
            let base = u128::from(v6.network());
            let span = 1u128 << (128 - u32::from(v6.prefix_len())).min(64);
            let off = 1 + (n as u128 % (span - 1).max(1));
            IpAddr::V6(base.wrapping_add(off).into())
        }
    }
}

/// A TCP connection to the target, from the `n`th source address when spreading.
async fn connect(ctx: &Ctx, n: usize) -> std::io::Result<tokio::net::TcpStream> {
    let Some(net) = ctx.cfg.sources else {
        return tokio::net::TcpStream::connect(ctx.cfg.target).await;
    };
    let src = source(net, n);
    let socket = match src {
        std::net::IpAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        std::net::IpAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(src, 0))?;
    socket.connect(ctx.cfg.target).await
}

async fn open(ctx: &Ctx, n: usize) -> Result<(Sess, Instant), String> {
    let t0 = Instant::now();
    let fut = async {
        let tcp = connect(ctx, n).await.map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let mut conn = client::connect_stream(ctx.client.clone(), tcp, Trusting)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let first = if ctx.cfg.none_first || ctx.key.is_none() {
            Some(conn.authenticate_none(ctx.cfg.user.clone()).await)
        } else {
            None
        };
        let ok = match (first, &ctx.key) {
            (Some(Ok(r)), _) if r.success() => Ok(r),
            (Some(Err(e)), _) => Err(e),
            (_, Some(key)) => {
                let hash = conn
                    .best_supported_rsa_hash()
                    .await
                    .ok()
                    .flatten()
                    .flatten();
                conn.authenticate_publickey(
                    ctx.cfg.user.clone(),
                    PrivateKeyWithHashAlg::new(key.clone(), hash),
                )
                .await
            }
            // `none` refused and no key: keyboard-interactive, as a keyless client.
            (_, None) => conn
                .authenticate_keyboard_interactive_start(ctx.cfg.user.clone(), None)
                .await
                .map(|r| match r {
                    client::KeyboardInteractiveAuthResponse::Success => client::AuthResult::Success,
                    _ => client::AuthResult::Failure {
                        remaining_methods: russh::MethodSet::empty(),
                        partial_success: false,
                    },
                }),
        };
        match ok {
            Ok(r) if r.success() => {}
            Ok(_) => return Err("authentication refused".to_string()),
            Err(e) => return Err(format!("auth: {e}")),
        }
        let channel = conn
            .channel_open_session()
            .await
            .map_err(|e| format!("channel: {e}"))?;
        let (c, r) = ctx.cfg.size;
        channel
            .request_pty(false, "xterm-256color", c, r, 0, 0, &[])
            .await
            .map_err(|e| format!("pty: {e}"))?;
        channel
            .request_shell(false)
            .await
            .map_err(|e| format!("shell: {e}"))?;
        Ok(Sess {
            conn,
            channel,
            closed: false,
        })
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, fut).await {
        Ok(Ok(s)) => Ok((s, t0)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("timed out logging in".into()),
    }
}

async fn session(ctx: Arc<Ctx>, mut phase: watch::Receiver<Phase>) {
    let n = ctx.counters.started.fetch_add(1, Ordering::Relaxed);
    let (mut s, t0) = match open(&ctx, n).await {
        Ok(v) => v,
        Err(e) => return ctx.fail(e),
    };
    let frame = s.settle(ctx.cfg.quiet, FRAME_TIMEOUT, FRAME_TIMEOUT).await;
    let Some(last) = frame.last else {
        ctx.fail(if s.closed {
            "closed before a frame".into()
        } else {
            "no frame".into()
        });
        return;
    };
    {
        let mut r = ctx.results();
        r.first_frames.push(last - t0);
        r.first_frame_bytes.push(frame.bytes);
    }
    // The first `key_sessions` to be established run the key script.
    let idx = ctx.counters.established.fetch_add(1, Ordering::Relaxed);

    s.drain_until(&mut phase, Phase::Keys).await;
    let scripted = idx < ctx.cfg.key_sessions && !ctx.cfg.keys.is_empty();
    if scripted && !s.closed {
        let _turn = ctx.key_turn.lock().await;
        for (k, key) in ctx.cfg.keys.iter().enumerate() {
            if s.closed {
                break;
            }
            let cpu_before = ctx.cfg.server_pid.and_then(proc_cpu);
            let sent = Instant::now();
            if s.channel.data(&key.bytes[..]).await.is_err() {
                s.closed = true;
                break;
            }
            let got = s.settle(ctx.cfg.quiet, KEY_SILENT, KEY_TIMEOUT).await;
            let cpu = cpu_before
                .zip(ctx.cfg.server_pid.and_then(proc_cpu))
                .map(|(a, b)| (b - a) * 1e6);
            let mut r = ctx.results();
            if let Some(slot) = r.keys.get_mut(k) {
                slot.push((
                    got.first.map(|t| t - sent),
                    got.last.map(|t| t - sent),
                    got.bytes,
                    cpu,
                ));
            }
        }
        ctx.counters.keys_done.fetch_add(1, Ordering::Relaxed);
    }

    s.drain_until(&mut phase, Phase::Probe).await;
    // Only sessions still on their first screen: after a script, the probe key may
    // rightly change nothing (and draw nothing), which would read as a lost key.
    if let Some(probe) = ctx.cfg.probe.as_ref().filter(|_| !s.closed && !scripted) {
        if let Some(rate) = ctx.cfg.probe_rate {
            // This session's turn in the spread; keep reading meanwhile.
            let turn = Duration::from_secs_f64(idx as f64 / rate);
            let _ = tokio::time::timeout(turn, s.drain_until(&mut phase, Phase::Done)).await;
        }
        let sent = Instant::now();
        ctx.counters.probe_sent.fetch_add(1, Ordering::Relaxed);
        if s.channel.data(&probe.bytes[..]).await.is_ok() {
            let got = s.settle(ctx.cfg.quiet, KEY_TIMEOUT, KEY_TIMEOUT).await;
            if let Some(first) = got.first {
                ctx.results().probes.push(first - sent);
                ctx.counters.probed.fetch_add(1, Ordering::Relaxed);
            }
        } else {
            s.closed = true;
        }
    }
    ctx.counters.probe_tried.fetch_add(1, Ordering::Relaxed);
    s.drain_until(&mut phase, Phase::Done).await;
    if s.closed {
        ctx.results().closed_early += 1;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = s.channel.eof().await;
        let _ = s
            .conn
            .disconnect(Disconnect::ByApplication, "bench done", "")
            .await;
    })
    .await;
}

/// Run a benchmark. Never panics on what the server does; every phase is bounded.
pub async fn run(cfg: BenchConfig) -> Result<Report, BenchError> {
    if cfg.sessions == 0 || cfg.sessions > MAX_SESSIONS {
        return Err(BenchError::Sessions);
    }
    let key = match &cfg.identity {
        Some(path) => Some(Arc::new(russh::keys::load_secret_key(path, None).map_err(
            |e| BenchError::Identity {
                path: path.clone(),
                msg: e.to_string(),
            },
        )?)),
        None => None,
    };
    let client = Arc::new(client::Config {
        inactivity_timeout: None,
        nodelay: true,
        window_size: 256 * 1024,
        channel_buffer_size: 64,
        ..Default::default()
    });
    let sample = |pid: Option<u32>| pid.and_then(proc_sample);
    let drops_before = softnet_drops();
    let before = sample(cfg.server_pid);
    let client_before = self_rss_kib();
    let ctx = Arc::new(Ctx {
        client,
        key,
        counters: Counters::default(),
        results: std::sync::Mutex::new(Results {
            keys: vec![Vec::new(); cfg.keys.len()],
            ..Default::default()
        }),
        key_turn: Mutex::new(()),
        cfg,
    });
    let cfg = &ctx.cfg;
    let (phase_tx, phase_rx) = watch::channel(Phase::Ramp);
    let progress = cfg.progress.then(|| {
        let ctx = ctx.clone();
        let phase = phase_rx.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let c = &ctx.counters;
                eprint!(
                    "\r{:>6.1}s {:?}: started {} established {} failed {} keyed {} probed {}   ",
                    t0.elapsed().as_secs_f64(),
                    *phase.borrow(),
                    c.started.load(Ordering::Relaxed),
                    c.established.load(Ordering::Relaxed),
                    c.failed.load(Ordering::Relaxed),
                    c.keys_done.load(Ordering::Relaxed),
                    c.probed.load(Ordering::Relaxed),
                );
            }
        })
    });

    // 1. Ramp.
    let ramp_start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / cfg.rate.clamp(0.01, 100_000.0));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..cfg.sessions {
        tokio::time::sleep_until(ramp_start + interval * i as u32).await;
        tasks.spawn(session(ctx.clone(), phase_rx.clone()));
    }
    let settled = |ctx: &Ctx| {
        let c = &ctx.counters;
        c.established.load(Ordering::Relaxed) + c.failed.load(Ordering::Relaxed)
    };
    let ramp_limit = Instant::now() + CONNECT_TIMEOUT + FRAME_TIMEOUT;
    while settled(&ctx) < cfg.sessions && Instant::now() < ramp_limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ramp_s = ramp_start.elapsed().as_secs_f64();
    // Let the server finish what it sends after the frames (and hibernate, if it does).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_ramp = sample(cfg.server_pid);
    let client_after = self_rss_kib();

    // 2. Keys.
    let established = ctx.counters.established.load(Ordering::Relaxed);
    let keyed = established.min(cfg.key_sessions);
    let _ = phase_tx.send(Phase::Keys);
    // Every key may take its full time, plus the wait for the turn lock.
    let key_limit = Instant::now()
        + (KEY_TIMEOUT + cfg.quiet) * (cfg.keys.len() * keyed.max(1)) as u32
        + Duration::from_secs(2);
    if !cfg.keys.is_empty() {
        while ctx.counters.keys_done.load(Ordering::Relaxed) < keyed && Instant::now() < key_limit {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let after_keys = sample(cfg.server_pid);

    // 3. Hold. Idle CPU is read over the second half only (at most the last 60 s): the
    // first seconds still hold the ramp's tail (sessions falling asleep, the last count
    // updates), which is not what an idle guest costs.
    let _ = phase_tx.send(Phase::Hold);
    let settle = (cfg.duration / 2).max(cfg.duration.saturating_sub(Duration::from_secs(60)));
    tokio::time::sleep(settle).await;
    let idle_from = sample(cfg.server_pid);
    let idle_since = Instant::now();
    tokio::time::sleep(cfg.duration - settle).await;
    let after_hold = sample(cfg.server_pid);
    let idle_secs = idle_since.elapsed().as_secs_f64();

    // 4. Probe.
    let _ = phase_tx.send(Phase::Probe);
    if cfg.probe.is_some() {
        let spread = cfg
            .probe_rate
            .map(|r| Duration::from_secs_f64(established as f64 / r))
            .unwrap_or_default();
        let limit = Instant::now() + spread + KEY_TIMEOUT + Duration::from_secs(1);
        while Instant::now() < limit {
            if ctx.counters.probe_tried.load(Ordering::Relaxed) >= established {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Those still reading wait out their quiet gap.
        tokio::time::sleep(cfg.quiet * 2).await;
    }
    // Every guest just drew (a probe to all at once): what awake guests cost.
    let after_probe = cfg
        .probe
        .as_ref()
        .filter(|_| cfg.probe_rate.is_none())
        .and_then(|_| sample(cfg.server_pid));
    let _ = phase_tx.send(Phase::Done);
    let wind_down = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if wind_down.is_err() {
        tasks.abort_all();
    }
    if let Some(p) = progress {
        p.abort();
        eprintln!();
    }

    let r = ctx.results();
    let established = ctx.counters.established.load(Ordering::Relaxed);
    let mut report = Report {
        target: cfg.target.to_string(),
        sessions: cfg.sessions,
        established,
        failed: cfg.sessions - established.min(cfg.sessions),
        errors: r.errors.clone(),
        closed_early: r.closed_early,
        first_frame: Dist::of(r.first_frames.clone()),
        first_frame_bytes_mean: mean(r.first_frame_bytes.iter().map(|b| *b as f64)),
        probe_first_byte: Dist::of(r.probes.clone()),
        probe_sent: ctx.counters.probe_sent.load(Ordering::Relaxed),
        probe_answered: r.probes.len(),
        ramp_s,
        client_rss_per_session_kib: (client_after as f64 - client_before as f64)
            / established.max(1) as f64,
        softnet_drops: drops_before
            .zip(softnet_drops())
            .map(|(a, b)| b.saturating_sub(a)),
        ..Default::default()
    };
    let mut all_first = Vec::new();
    let mut all_frame = Vec::new();
    let mut all_bytes = Vec::new();
    for (key, samples) in cfg.keys.iter().zip(&r.keys) {
        let first: Vec<Duration> = samples.iter().filter_map(|s| s.0).collect();
        let frame: Vec<Duration> = samples.iter().filter_map(|s| s.1).collect();
        let bytes: Vec<f64> = samples.iter().map(|s| s.2 as f64).collect();
        let cpu: Vec<f64> = samples.iter().filter_map(|s| s.3).collect();
        all_first.extend(&first);
        all_frame.extend(&frame);
        all_bytes.extend(&bytes);
        report.per_key.push(KeyStat {
            key: key.name.clone(),
            first_byte: Dist::of(first),
            frame: Dist::of(frame),
            bytes_mean: mean(bytes.into_iter()),
            cpu_us_mean: (!cpu.is_empty()).then(|| mean(cpu.iter().copied())),
            cpu_us_max: cpu.iter().copied().reduce(f64::max),
        });
    }
    report.key_first_byte = Dist::of(all_first);
    report.key_frame = Dist::of(all_frame);
    report.bytes_per_key_mean = mean(all_bytes.iter().copied());
    let keystrokes: usize = r.keys.iter().map(Vec::len).sum();
    if let (Some(b), Some(ar), Some(ak), Some(ah)) = (before, after_ramp, after_keys, after_hold) {
        let idle_from = idle_from.unwrap_or(ak);
        let n = established.max(1) as f64;
        report.server = Some(ServerCost {
            before: b,
            after_ramp: ar,
            after_hold: ah,
            pss_per_session_kib: (ar.pss_kib as f64 - b.pss_kib as f64) / n,
            pss_per_idle_session_kib: (ah.pss_kib as f64 - b.pss_kib as f64) / n,
            pss_per_awake_session_kib: after_probe
                .map(|p| (p.pss_kib as f64 - b.pss_kib as f64) / n),
            cpu_per_session_us: (ar.cpu_s - b.cpu_s) * 1e6 / n,
            cpu_per_key_us: if keystrokes > 0 {
                (ak.cpu_s - ar.cpu_s) * 1e6 / keystrokes as f64
            } else {
                0.0
            },
            idle_cpu_pct: (ah.cpu_s - idle_from.cpu_s) * 100.0 / idle_secs.max(0.001),
        });
    }
    Ok(report)
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The report as a plain table.
pub fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let d = |d: &Dist| {
        format!(
            "p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2} ms (n={})",
            d.p50_ms, d.p90_ms, d.p99_ms, d.max_ms, d.n
        )
    };
    let _ = writeln!(s, "target              {}", r.target);
    let _ = writeln!(
        s,
        "sessions            {} established, {} failed, {} closed early (ramp {:.1} s)",
        r.established, r.failed, r.closed_early, r.ramp_s
    );
    for e in &r.errors {
        let _ = writeln!(s, "  error             {e}");
    }
    let _ = writeln!(s, "first frame         {}", d(&r.first_frame));
    let _ = writeln!(
        s,
        "first frame bytes   {:.0} mean",
        r.first_frame_bytes_mean
    );
    if r.key_frame.n > 0 {
        let _ = writeln!(s, "key → first byte    {}", d(&r.key_first_byte));
        let _ = writeln!(s, "key → frame         {}", d(&r.key_frame));
        let _ = writeln!(s, "bytes per key       {:.0} mean", r.bytes_per_key_mean);
        for k in &r.per_key {
            let _ = write!(
                s,
                "  {:<8} bytes {:>7.0}  frame p50 {:.2} ms  p99 {:.2} ms",
                k.key, k.bytes_mean, k.frame.p50_ms, k.frame.p99_ms
            );
            if let Some(cpu) = k.cpu_us_mean {
                let _ = write!(s, "  server CPU {cpu:.0} µs");
            }
            let _ = writeln!(s);
        }
    }
    if r.probe_sent > 0 {
        let _ = writeln!(
            s,
            "probe → first byte  {} ({} of {} answered)",
            d(&r.probe_first_byte),
            r.probe_answered,
            r.probe_sent
        );
    }
    if let Some(drops) = r.softnet_drops {
        let _ = writeln!(
            s,
            "kernel queue drops  {drops} packets (full receive queues, net.core.netdev_max_backlog)"
        );
    }
    let _ = writeln!(
        s,
        "bench RSS           {:.1} KiB per session (this load generator)",
        r.client_rss_per_session_kib
    );
    if let Some(c) = &r.server {
        let _ = writeln!(
            s,
            "server processes    {} → {} → {}",
            c.before.processes, c.after_ramp.processes, c.after_hold.processes
        );
        let _ = writeln!(
            s,
            "server PSS          {} → {} → {} KiB",
            c.before.pss_kib, c.after_ramp.pss_kib, c.after_hold.pss_kib
        );
        let _ = writeln!(
            s,
            "PSS per session     {:.1} KiB after first frame, {:.1} KiB after idle hold",
            c.pss_per_session_kib, c.pss_per_idle_session_kib
        );
        if let Some(awake) = c.pss_per_awake_session_kib {
            let _ = writeln!(
                s,
                "PSS per session     {awake:.1} KiB awake (right after the probe, sent to all at once)"
            );
        }
        let _ = writeln!(s, "CPU per session     {:.0} µs", c.cpu_per_session_us);
        let _ = writeln!(s, "CPU per keystroke   {:.0} µs", c.cpu_per_key_us);
        let _ = writeln!(s, "CPU while idle      {:.2} % of one core", c.idle_cpu_pct);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_scripts_parse() {
        let k = parse_keys("3, enter,pgdn,j,ctrl-c,q").unwrap();
        let bytes: Vec<&[u8]> = k.iter().map(|k| &k.bytes[..]).collect();
        assert_eq!(
            bytes,
            vec![&b"3"[..], b"\r", b"\x1b[6~", b"j", b"\x03", b"q"]
        );
        assert!(parse_keys("enterr").is_err());
        assert!(parse_keys("ctrl-1").is_err());
        assert_eq!(parse_keys("").unwrap(), vec![]);
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("80x24").unwrap(), (80, 24));
        assert!(parse_size("80").is_err());
        assert!(parse_size("0x24").is_err());
    }

    #[test]
    fn percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let d = Dist::of(v);
        assert_eq!(d.p50_ms.round(), 50.0);
        assert_eq!(d.p99_ms.round(), 99.0);
        assert_eq!(d.max_ms.round(), 100.0);
        assert_eq!(Dist::of(vec![]).n, 0);
    }

    #[test]
    fn sources_go_round_robin_over_host_addresses() {
        let net: ipnet::IpNet = "127.16.0.0/16".parse().unwrap();
        assert_eq!(source(net, 0).to_string(), "127.16.0.1");
        assert_eq!(source(net, 65533).to_string(), "127.16.255.254");
        assert_eq!(source(net, 65534).to_string(), "127.16.0.1");
        let one: ipnet::IpNet = "127.0.0.7/32".parse().unwrap();
        assert_eq!(source(one, 5).to_string(), "127.0.0.7");
        let v6: ipnet::IpNet = "fd00::/120".parse().unwrap();
        assert_eq!(source(v6, 0).to_string(), "fd00::1");
    }
}
