//! The russh handler: one per connection. Every guest is welcome (any user, `none`,
//! password, keyboard-interactive or public key); only one `session` channel; no
//! forwarding, agent, X11 or subsystems. A PTY shell (or a deep link) starts the TUI
//! session task; without a PTY, commands run and print plain text.
//!
//! Callbacks run inside russh's session loop, so they never await anything that needs
//! that loop (such as `Handle::data`): output is sent from spawned tasks, and input is
//! handed to the session task with `try_send` (a full queue drops input, bounded).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, Session};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::meter::InputBucket;
use super::owner::{self, OwnerSide, VisitLog, VisitStart};
use super::stream::KillSwitch;
use crate::commands;
use crate::config::Limits;
use crate::content::Index;
use crate::render::cache::RenderCache;
use crate::session::AppOptions;
use crate::session::guests::Guests;
use crate::session::{self, ByteScreen, Closed, End, Io, Output, SessionConfig, Shared};
use crate::theme::ColorDepth;

/// How many input packets may wait for the session task (each ≤ 32 KiB).
const INPUT_QUEUE: usize = 16;
/// Environment variables we accept (and how many / how long).
const ENV_ALLOWED: &[&str] = &[
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
];
const ENV_MAX: usize = 8;
const ENV_VALUE_MAX: usize = 128;
/// Longest TERM we keep.
const TERM_MAX: usize = 64;

/// Everything connections share: built once by `serve`.
pub struct ServerState {
    pub index: watch::Receiver<Arc<Index>>,
    pub guests: Guests,
    pub cache: RenderCache,
    /// `true` (or dropped) when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    pub limits: Limits,
    /// Test hook: the PTY command `__panic` starts a session that panics on input.
    pub test_hooks: bool,
    /// Analytics, guest identification, owner commands.
    pub owner: OwnerSide,
}

/// What the connection's one log line says about its session (never guest input).
#[derive(Debug, Clone, Default)]
pub struct ConnInfo {
    /// The accepted auth method, empty before login.
    pub auth: &'static str,
    /// `tui` or `exec`, once started.
    pub kind: &'static str,
    pub term: Option<String>,
    pub size: Option<(u16, u16)>,
    /// Why the session ended (`quit`, `idle`, `exit 0`…), once it has.
    pub end: Option<String>,
    /// Input bytes dropped because the session's queue was full.
    pub dropped_input: u64,
    /// Time the connection was not read because of the input rate limit.
    pub throttled: Duration,
}

/// Shared between the handler, its session task and the connection task.
pub type SharedInfo = Arc<Mutex<ConnInfo>>;

fn with_info(info: &SharedInfo, f: impl FnOnce(&mut ConnInfo)) {
    let mut g = info.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut g);
}

#[derive(Debug, Clone)]
struct PtyInfo {
    term: String,
    size: (u16, u16),
}

/// The handler of one connection.
pub struct Guest {
    state: Arc<ServerState>,
    peer: SocketAddr,
    /// Fired when the session channel opens: the login deadline is met.
    opened: Option<oneshot::Sender<()>>,
    /// Notified when the channel's work (TUI session or command) is over and the guest's
    /// terminal is restored: shutdown need not wait any longer for this connection.
    finished: Arc<Notify>,
    /// Cuts the whole connection (a guest that stopped reading blocks russh's writer).
    kill: Arc<KillSwitch>,
    /// The one session channel, once opened.
    channel: Option<ChannelId>,
    pty: Option<PtyInfo>,
    env: Vec<(String, String)>,
    /// Input for the running TUI session; dropped when the guest closes the channel.
    input: Option<mpsc::Sender<Vec<u8>>>,
    /// The terminal size for the running TUI session (latest wins, never blocks).
    size: Option<watch::Sender<(u16, u16)>>,
    started: bool,
    /// For the connection's log line.
    info: SharedInfo,
    /// Guest input rate limit.
    bucket: InputBucket,
    /// The public key the guest proved, if any (`publickey` auth).
    key: Option<russh::keys::PublicKey>,
}

impl Guest {
    pub fn new(
        state: Arc<ServerState>,
        peer: SocketAddr,
        opened: oneshot::Sender<()>,
        finished: Arc<Notify>,
        kill: Arc<KillSwitch>,
        info: SharedInfo,
    ) -> Self {
        let bucket = InputBucket::new(
            state.limits.input_rate,
            state.limits.input_burst,
            Instant::now(),
        );
        Self {
            state,
            peer,
            opened: Some(opened),
            finished,
            kill,
            channel: None,
            pty: None,
            env: Vec::new(),
            input: None,
            size: None,
            started: false,
            info,
            bucket,
            key: None,
        }
    }

    fn ours(&self, channel: ChannelId) -> bool {
        self.channel == Some(channel)
    }

    fn env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn accept(&mut self, method: &'static str) -> Result<Auth, russh::Error> {
        with_info(&self.info, |i| i.auth = method);
        Ok(Auth::Accept)
    }

    /// Start whatever the guest asked for on the channel: the TUI (with a PTY) or a command.
    fn start(&mut self, channel: ChannelId, command: &str, session: &mut Session) {
        self.started = true;
        let handle = session.handle();
        let command = command.trim();
        if let Some(pty) = &self.pty {
            let (term, size) = (pty.term.clone(), pty.size);
            with_info(&self.info, |i| {
                i.term = Some(term);
                i.size = Some(size);
            });
        }
        match self.pty.clone() {
            Some(pty) if command.is_empty() => {
                let visit = self.visit_tui(&pty, None, session);
                self.start_tui(channel, handle, pty, None, false, visit)
            }
            Some(pty) if commands::deep_link(command).is_some() => {
                let visit = self.visit_tui(&pty, Some(command), session);
                self.start_tui(
                    channel,
                    handle,
                    pty,
                    Some(command.to_string()),
                    false,
                    visit,
                )
            }
            Some(pty) if self.state.test_hooks && command == "__panic" => {
                let visit = self.visit_tui(&pty, Some(command), session);
                self.start_tui(channel, handle, pty, None, true, visit)
            }
            pty => {
                let visit = VisitLog::start(
                    &self.state.owner.recorder,
                    VisitStart {
                        visitor: self.state.owner.visitor(self.key.as_ref(), self.peer.ip()),
                        kind: "exec",
                        client: session.remote_sshid(),
                        term: pty.as_ref().map_or("", |p| p.term.as_str()),
                        size: pty.as_ref().map_or((0, 0), |p| p.size),
                        depth: "",
                        exec: Some(command),
                    },
                );
                let owner = self.state.owner.clone();
                let key = self.key.clone();
                let index = self.state.index.borrow().clone();
                let stall = self.state.limits.stall_timeout;
                let crlf = pty.is_some();
                let command = command.to_string();
                let finished = self.finished.clone();
                let info = self.info.clone();
                with_info(&info, |i| i.kind = "exec");
                tokio::spawn(async move {
                    let out = owner::exec(&owner, key.as_ref(), &index, &command).await;
                    let end = format!("exit {}", out.status);
                    visit.end(&end, None);
                    with_info(&info, |i| i.end = Some(end));
                    let fix = |s: String| if crlf { s.replace('\n', "\r\n") } else { s };
                    let send = async {
                        if !out.stdout.is_empty() {
                            let _ = handle.data(channel, fix(out.stdout).into_bytes()).await;
                        }
                        if !out.stderr.is_empty() {
                            let _ = handle
                                .extended_data(channel, 1, fix(out.stderr).into_bytes())
                                .await;
                        }
                    };
                    let _ = tokio::time::timeout(stall, send).await;
                    close(&handle, channel, out.status).await;
                    finished.notify_one();
                });
            }
        }
    }

    /// Start recording a TUI visit.
    fn visit_tui(&self, pty: &PtyInfo, exec: Option<&str>, session: &Session) -> VisitLog {
        let depth = ColorDepth::detect(Some(&pty.term), self.env("COLORTERM"), self.no_color());
        VisitLog::start(
            &self.state.owner.recorder,
            VisitStart {
                visitor: self.state.owner.visitor(self.key.as_ref(), self.peer.ip()),
                kind: "tui",
                client: session.remote_sshid(),
                term: &pty.term,
                size: pty.size,
                depth: owner::depth_label(depth),
                exec,
            },
        )
    }

    /// NO_COLOR counts when set and not empty (no-color.org), or server-wide.
    fn no_color(&self) -> bool {
        self.state.limits.no_color || self.env("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    fn start_tui(
        &mut self,
        channel: ChannelId,
        handle: Handle,
        pty: PtyInfo,
        start: Option<String>,
        panic_on_input: bool,
        visit: VisitLog,
    ) {
        let (input_tx, input_rx) = mpsc::channel(INPUT_QUEUE);
        let (size_tx, size_rx) = watch::channel(pty.size);
        self.input = Some(input_tx);
        self.size = Some(size_tx);
        let depth = ColorDepth::detect(Some(&pty.term), self.env("COLORTERM"), self.no_color());
        let opts = AppOptions {
            depth,
            start,
            ..Default::default()
        };
        let state = &self.state;
        let guard = state.guests.join();
        let shared = Shared {
            index: state.index.clone(),
            guests: state.guests.subscribe(),
            shutdown: state.shutdown.clone(),
            cache: state.cache.clone(),
        };
        let cfg = SessionConfig {
            idle_timeout: state.limits.idle_timeout,
            idle_warning: state.limits.idle_warning,
            max_session: state.limits.max_session,
            stall_timeout: state.limits.stall_timeout,
            panic_on_input,
            stats: visit.link(),
        };
        let output = ChannelOutput {
            handle: handle.clone(),
            channel,
        };
        let finished = self.finished.clone();
        let kill = self.kill.clone();
        let info = self.info.clone();
        with_info(&info, |i| i.kind = "tui");
        tokio::spawn(async move {
            let _guard = guard;
            let io = Io {
                input: input_rx,
                size: size_rx,
                output: output.clone(),
            };
            let end = match ByteScreen::new(pty.size.0, pty.size.1) {
                Ok(screen) => {
                    // A task of its own: a panic in the app ends this session only, and
                    // we still restore the guest's terminal below.
                    match tokio::spawn(session::run(screen, opts, io, shared, cfg)).await {
                        Ok(end) => end,
                        Err(e) => {
                            let mut bytes = session::RESTORE.to_vec();
                            bytes.extend_from_slice(b"sshfolio: something went wrong; sorry.\r\n");
                            let _ =
                                tokio::time::timeout(Duration::from_secs(2), output.send(bytes))
                                    .await;
                            End::Error(if e.is_panic() {
                                "panic".into()
                            } else {
                                e.to_string()
                            })
                        }
                    }
                }
                Err(e) => End::Error(e),
            };
            visit.end(&end.label(), None);
            with_info(&info, |i| i.end = Some(end.label()));
            if end == End::Stalled {
                // Nothing more can reach this guest; free everything now.
                kill.kill();
            }
            close(&handle, channel, 0).await;
            finished.notify_one();
        });
    }
}

/// Exit status, EOF and close, each bounded in time (the guest may be gone).
async fn close(handle: &Handle, channel: ChannelId, status: u32) {
    let t = Duration::from_secs(2);
    let _ = tokio::time::timeout(t, handle.exit_status_request(channel, status)).await;
    let _ = tokio::time::timeout(t, handle.eof(channel)).await;
    let _ = tokio::time::timeout(t, handle.close(channel)).await;
}

/// Frames to the guest's channel. `Handle::data` waits while russh's queue is full,
/// which is our backpressure.
#[derive(Clone)]
pub struct ChannelOutput {
    handle: Handle,
    channel: ChannelId,
}

impl Output for ChannelOutput {
    fn send(
        &self,
        bytes: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), Closed>> + Send + 'static {
        let handle = self.handle.clone();
        let channel = self.channel;
        async move { handle.data(channel, bytes).await.map_err(|_| Closed) }
    }
}

fn clean_term(term: &str) -> String {
    let t: String = term
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(TERM_MAX)
        .collect();
    if t.is_empty() { "xterm".into() } else { t }
}

impl russh::server::Handler for Guest {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        match self.state.owner.none_reply(user) {
            Some(reply) => Ok(reply),
            None => self.accept("none"),
        }
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.accept("password")
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        self.key = Some(key.public_key.clone());
        self.accept("publickey")
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        self.accept("keyboard-interactive")
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel.is_some() {
            tracing::debug!(peer = %self.peer, "refused a second session channel");
            reply
                .reject(ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        self.channel = Some(channel.id());
        // We use the handler callbacks, not the channel object: dropping it means russh
        // never blocks its loop on a queue nobody reads.
        drop(channel);
        reply.accept().await;
        if let Some(opened) = self.opened.take() {
            let _ = opened.send(());
        }
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host: &str,
        _port: u32,
        _orig: &str,
        _orig_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::debug!(peer = %self.peer, "refused direct-tcpip");
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_x11(
        &mut self,
        _channel: Channel<Msg>,
        _orig: &str,
        _orig_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_direct_streamlocal(
        &mut self,
        _channel: Channel<Msg>,
        _path: &str,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_w: u32,
        _pix_h: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel) || self.started {
            return session.channel_failure(channel);
        }
        self.pty = Some(PtyInfo {
            term: clean_term(term),
            size: session::clamp_size(cols, rows),
        });
        session.channel_success(channel)
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_w: u32,
        _pix_h: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel) {
            return Ok(());
        }
        let size = session::clamp_size(cols, rows);
        if let Some(pty) = self.pty.as_mut() {
            pty.size = size;
        }
        if let Some(tx) = &self.size {
            tx.send_replace(size);
        }
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let allowed = ENV_ALLOWED.contains(&name)
            && value.len() <= ENV_VALUE_MAX
            && self.env.len() < ENV_MAX
            && self.ours(channel);
        if !allowed {
            return session.channel_failure(channel);
        }
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value.to_string()));
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel) || self.started {
            return session.channel_failure(channel);
        }
        session.channel_success(channel)?;
        self.start(channel, "", session);
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel) || self.started {
            return session.channel_failure(channel);
        }
        let data = data.get(..commands::MAX_COMMAND).unwrap_or(data);
        let command = String::from_utf8_lossy(data).into_owned();
        session.channel_success(channel)?;
        self.start(channel, &command, session);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::debug!(peer = %self.peer, subsystem = %name.chars().take(32).collect::<String>(), "refused subsystem");
        session.channel_failure(channel)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single: bool,
        _proto: &str,
        _cookie: &str,
        _screen: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel) {
            return Ok(());
        }
        if self.input.is_none() {
            return Ok(());
        }
        // Over the input rate, stop reading this connection for a while: the guest's
        // TCP window fills and its client slows down. Others are never affected.
        let wait = self.bucket.take(data.len(), Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
            with_info(&self.info, |i| i.throttled += wait);
        }
        if let Some(tx) = &self.input {
            match tx.try_send(data.to_vec()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    with_info(&self.info, |i| i.dropped_input += data.len() as u64);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => self.input = None,
            }
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.ours(channel) {
            // No more input will come: the TUI session ends (its input queue closes).
            self.input = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.ours(channel) {
            self.input = None;
            self.size = None;
        }
        Ok(())
    }
}
