//! The russh handler: one per connection. Every guest is welcome (any user, `none`,
//! password, keyboard-interactive or public key); a few `session` channels at once, one
//! after another or side by side (OpenSSH ControlMaster, asyncssh, paramiko), each with
//! its own PTY, environment and work; no forwarding, agent, X11 or subsystems. A PTY
//! shell (or a deep link) starts a TUI session task; without a PTY, commands run and
//! print plain text. Channels opening, starting and ending are reported to the
//! connection's `Life`, which ends the connection when nothing runs any more.
//!
//! Callbacks run inside russh's session loop, so they never await anything that needs
//! that loop (such as `Handle::data`): output is sent from spawned tasks, and input is
//! handed to the session task with `try_send` (a full queue drops input, bounded).
//!
//! Over 600 lines: russh's `Handler` callbacks (~280 lines) and the per-channel start of
//! a TUI or a command they lead to (~250), one connection's state machine kept together.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, Session};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};
use tokio::sync::{mpsc, oneshot, watch};

use super::channel::{Chan, ChannelOutput, PtyInfo, clean_term, close};
use super::life::Life;
use super::meter::Meter;
use super::owner::{self, OwnerSide, VisitLog, VisitStart};
use super::stream::KillSwitch;
use crate::commands;
use crate::config::Limits;
use crate::content::Index;
use crate::render::cache::RenderCache;
use crate::session::AppOptions;
use crate::session::guests::Guests;
use crate::session::{self, ByteScreen, End, Io, Output, SessionConfig, Shared};
use crate::theme::ColorDepth;

/// How many input packets may wait for the session task (each ≤ 32 KiB).
const INPUT_QUEUE: usize = 16;
/// Environment variables we accept (and how many / how long).
const ENV_ALLOWED: &[&str] = &[
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "TERM_PROGRAM",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
];
const ENV_MAX: usize = 8;
const ENV_VALUE_MAX: usize = 128;
/// What a window-change costs from the guest's input budget, in bytes, on top of its
/// packet: each one is a re-layout (16 a second at the default 16 KiB/s).
const WINDOW_CHANGE_COST: usize = 1024;

/// Everything connections share: built once by `serve`.
pub struct ServerState {
    pub index: watch::Receiver<Arc<Index>>,
    pub guests: Guests,
    pub cache: RenderCache,
    /// First frames drawn once and sent to every new guest of their kind.
    pub first: session::FirstFrames,
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
    /// Session channels opened.
    pub channels: u32,
}

/// Shared between the handler, its session task and the connection task.
pub type SharedInfo = Arc<Mutex<ConnInfo>>;

fn with_info(info: &SharedInfo, f: impl FnOnce(&mut ConnInfo)) {
    let mut g = info.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut g);
}

/// The handler of one connection.
pub struct Guest {
    state: Arc<ServerState>,
    peer: SocketAddr,
    /// Fired when the first session channel opens: the login deadline is met.
    opened: Option<oneshot::Sender<()>>,
    /// What runs on this connection (the connection task ends it when nothing does).
    life: Arc<Life>,
    /// The guest's input budget (window-changes are charged here).
    meter: Arc<Meter>,
    /// Cuts the whole connection (a guest that stopped reading blocks russh's writer).
    kill: Arc<KillSwitch>,
    channels: HashMap<ChannelId, Chan>,
    /// For the connection's log line.
    info: SharedInfo,
    /// Set when this connection is only here to be refused with this message: the key
    /// exchange and login run, then the message is sent as a disconnect (OpenSSH prints
    /// it) and nothing is served.
    refusal: Option<String>,
    /// The public key the guest proved, if any (`publickey` auth).
    key: Option<russh::keys::PublicKey>,
}

/// What a `Guest` is made of (built by the connection task).
pub(crate) struct GuestParts {
    pub(crate) state: Arc<ServerState>,
    pub(crate) peer: SocketAddr,
    pub(crate) opened: oneshot::Sender<()>,
    pub(crate) life: Arc<Life>,
    pub(crate) meter: Arc<Meter>,
    pub(crate) kill: Arc<KillSwitch>,
    pub(crate) info: SharedInfo,
    pub(crate) refusal: Option<String>,
}

impl Guest {
    pub(crate) fn new(p: GuestParts) -> Self {
        Self {
            state: p.state,
            peer: p.peer,
            opened: Some(p.opened),
            life: p.life,
            meter: p.meter,
            kill: p.kill,
            channels: HashMap::new(),
            info: p.info,
            refusal: p.refusal,
            key: None,
        }
    }

    fn accept(&mut self, method: &'static str) -> Result<Auth, russh::Error> {
        if self.refusal.is_some() {
            // Accepted only to reach `auth_succeeded`, where the message is sent: a
            // rejection would make the client give up before it reads the message.
            return Ok(Auth::Accept);
        }
        with_info(&self.info, |i| i.auth = method);
        self.life.logged_in();
        Ok(Auth::Accept)
    }

    /// The channel's state if it is one of ours that has not started its work yet.
    fn fresh(&mut self, channel: ChannelId) -> Option<&mut Chan> {
        self.channels.get_mut(&channel).filter(|c| !c.started)
    }

    /// Start whatever the guest asked for on the channel: the TUI (with a PTY) or a command.
    fn start(&mut self, channel: ChannelId, command: &str, session: &mut Session) {
        let Some(chan) = self.channels.get_mut(&channel) else {
            return;
        };
        chan.started = true;
        self.life.started(channel.number());
        let handle = session.handle();
        let command = command.trim();
        if let Some(pty) = &chan.pty {
            let (term, size) = (pty.term.clone(), pty.size);
            with_info(&self.info, |i| {
                i.term = Some(term);
                i.size = Some(size);
            });
        }
        match chan.pty.clone() {
            Some(pty) if command.is_empty() => {
                let visit = self.visit_tui(channel, &pty, None, session);
                self.start_tui(channel, handle, pty, None, false, visit)
            }
            Some(pty) if commands::opens_page(&self.state.index.borrow(), command) => {
                let visit = self.visit_tui(channel, &pty, Some(command), session);
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
                let visit = self.visit_tui(channel, &pty, Some(command), session);
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
                let life = self.life.clone();
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
                    life.ended(channel.number());
                });
            }
        }
    }

    /// Start recording a TUI visit.
    fn visit_tui(
        &self,
        channel: ChannelId,
        pty: &PtyInfo,
        exec: Option<&str>,
        session: &Session,
    ) -> VisitLog {
        let colorterm = self.channels.get(&channel).and_then(|c| c.env("COLORTERM"));
        let depth = ColorDepth::detect(Some(&pty.term), colorterm, self.no_color(channel));
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
    fn no_color(&self, channel: ChannelId) -> bool {
        self.state.limits.no_color
            || self
                .channels
                .get(&channel)
                .and_then(|c| c.env("NO_COLOR"))
                .is_some_and(|v| !v.is_empty())
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
        let no_color = self.no_color(channel);
        let Some(chan) = self.channels.get_mut(&channel) else {
            return;
        };
        let (input_tx, input_rx) = mpsc::channel(INPUT_QUEUE);
        let (size_tx, size_rx) = watch::channel(pty.size);
        chan.input = Some(input_tx);
        chan.size = Some(size_tx);
        let depth = ColorDepth::detect(Some(&pty.term), chan.env("COLORTERM"), no_color);
        let opts = AppOptions {
            depth,
            start,
            ..Default::default()
        };
        let images = crate::graphics::detect::Env {
            term: pty.term.clone(),
            term_program: chan.env("TERM_PROGRAM").map(str::to_string),
            no_images: no_color || self.state.limits.no_images,
            pty_pixels: Some(pty.pixels),
            pty_cells: pty.cells,
        };
        let state = &self.state;
        let guard = state.guests.join();
        let shared = Shared {
            index: state.index.clone(),
            guests: state.guests.subscribe(),
            shutdown: state.shutdown.clone(),
            cache: state.cache.clone(),
            first: state.first.clone(),
        };
        // The session cap is the connection's: a session started late gets what is left.
        let left = self.life.session_left(tokio::time::Instant::now());
        let max_session = match (state.limits.max_session, left) {
            (Some(cap), Some(left)) => Some(cap.min(left)),
            (cap, left) => cap.or(left),
        };
        let cfg = SessionConfig {
            idle_timeout: state.limits.idle_timeout,
            idle_warning: state.limits.idle_warning,
            max_session,
            stall_timeout: state.limits.stall_timeout,
            panic_on_input,
            images: Some(images),
            stats: visit.link(),
        };
        let output = ChannelOutput {
            handle: handle.clone(),
            channel,
        };
        let life = self.life.clone();
        let kill = self.kill.clone();
        let info = self.info.clone();
        with_info(&info, |i| i.kind = "tui");
        // One task per session, and the session's future in one box of its own size: a
        // panic in the app is caught here (it ends this session only, and the guest's
        // terminal is still restored). A second task for the session, awaited from this
        // one, cost its task cell and this wrapper's copies of its arguments (~5 KB a
        // guest); an unboxed future captured here would be stored twice (the captured
        // value and the one being awaited).
        let session = ByteScreen::new(pty.size.0, pty.size.1).map(|screen| {
            let io = Io {
                input: input_rx,
                size: size_rx,
                output: output.clone(),
            };
            Box::pin(AssertUnwindSafe(session::run(screen, opts, io, shared, cfg)).catch_unwind())
        });
        tokio::spawn(async move {
            let _guard = guard;
            let end = match session {
                Ok(session) => match session.await {
                    Ok(end) => end,
                    Err(_) => {
                        let mut bytes = session::RESTORE.to_vec();
                        bytes.extend_from_slice(b"sshfolio: something went wrong; sorry.\r\n");
                        let _ =
                            tokio::time::timeout(Duration::from_secs(2), output.send(bytes)).await;
                        End::Error("panic".into())
                    }
                },
                Err(e) => End::Error(e),
            };
            visit.end(&end.label(), None);
            with_info(&info, |i| i.end = Some(end.label()));
            if end == End::Stalled {
                // Nothing more can reach this guest; free everything now.
                kill.kill();
            }
            close(&handle, channel, 0).await;
            life.ended(channel.number());
        });
    }
}

impl russh::server::Handler for Guest {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        if self.refusal.is_some() {
            return self.accept("none");
        }
        match self.state.owner.none_reply(user) {
            // A client that could not go on after a refusal (`asks_service_again`:
            // paramiko, which only tries `none` when its script has no key) gets in as
            // a keyless guest would without `--identify-guests`.
            Some(_) if user != super::owner::OWNER_USER && self.meter.asks_service_again() => {
                self.accept("none")
            }
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

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        if let Some(message) = &self.refusal {
            session.disconnect(russh::Disconnect::TooManyConnections, message, "en")?;
        }
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.life.input();
        if self.refusal.is_some() || !self.life.open(channel.id().number()) {
            tracing::debug!(peer = %self.peer, "refused a session channel past the cap");
            reply.reject(ChannelOpenFailure::ResourceShortage).await;
            return Ok(());
        }
        self.channels.insert(channel.id(), Chan::default());
        with_info(&self.info, |i| i.channels += 1);
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
        pix_w: u32,
        pix_h: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.life.input();
        let Some(chan) = self.fresh(channel) else {
            return session.channel_failure(channel);
        };
        chan.pty = Some(PtyInfo {
            term: clean_term(term),
            size: session::clamp_size(cols, rows),
            pixels: (pix_w, pix_h),
            cells: (cols, rows),
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
        self.life.input();
        // A re-layout each: charged to the input budget (reading pauses when it runs
        // out), so a window-change flood slows only its sender.
        let _ = self.meter.charge(WINDOW_CHANGE_COST);
        let Some(chan) = self.channels.get_mut(&channel) else {
            return Ok(());
        };
        let size = session::clamp_size(cols, rows);
        if let Some(pty) = chan.pty.as_mut() {
            pty.size = size;
        }
        if let Some(tx) = &chan.size {
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
        self.life.input();
        let Some(chan) = self.fresh(channel) else {
            return session.channel_failure(channel);
        };
        let allowed =
            ENV_ALLOWED.contains(&name) && value.len() <= ENV_VALUE_MAX && chan.env.len() < ENV_MAX;
        if !allowed {
            return session.channel_failure(channel);
        }
        chan.env.retain(|(k, _)| k != name);
        chan.env.push((name.to_string(), value.to_string()));
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.life.input();
        if self.fresh(channel).is_none() {
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
        self.life.input();
        if self.fresh(channel).is_none() {
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
        self.life.input();
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
        self.life.input();
        // The bytes were charged to the input budget as they were read (see `meter`).
        let Some(chan) = self.channels.get_mut(&channel) else {
            return Ok(());
        };
        if let Some(tx) = &chan.input {
            match tx.try_send(data.to_vec()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    with_info(&self.info, |i| i.dropped_input += data.len() as u64);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => chan.input = None,
            }
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(chan) = self.channels.get_mut(&channel) {
            // No more input will come: the TUI session ends (its input queue closes).
            chan.input = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the channel's input and size ends its TUI session, if any.
        if self.channels.remove(&channel).is_some() {
            self.life.ended(channel.number());
        }
        Ok(())
    }
}
