//! The accept loop (mini-redis style): listeners and the shutdown future are passed in,
//! a connection permit is taken before `accept`, accept errors back off instead of
//! ending the loop, and each socket is handed to `russh::server::run_stream` in a task
//! of its own that enforces the handshake and login deadlines, the MaxStartups gate,
//! the connection's lifetime (`life`) and the shutdown grace period, and writes the
//! connection's one log line when it ends.
//!
//! A connection over a per-source cap or rate whose client starts the SSH handshake is
//! refused with a message (key exchange, then a disconnect saying what happened and
//! what to do; a few per source, see `sources`); one that sends nothing, a penalised
//! source's and the rest are closed silently before our banner, which costs nothing.
//! Connections from trusted proxies first give their PROXY header (in their own task,
//! so a slow proxy never holds up `accept`), and the address it names is the peer for
//! the per-IP limits and the logs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::PrivateKey;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::time::Instant;

use super::algorithms;
use super::handler::{Guest, GuestParts, ServerState, SharedInfo};
use super::life::{Life, Timers};
use super::meter::{InputBucket, Meter, Metered, StartupGate};
use super::proxy::{self, ProxyPolicy};
use super::sources::{RefusalLog, Refused, Slot, Sources};
use super::stream::{KillSwitch, Killable};
use super::tcp;
use crate::config::Limits;
use crate::content::Index;
use crate::metrics::{self, Rejection};
use crate::render::cache::RenderCache;
use crate::session::guests::Guests;

/// What `serve` needs besides its listeners and shutdown signal.
pub struct Server {
    pub host_key: PrivateKey,
    /// The content; whoever holds the sender can publish a reloaded index.
    pub index: watch::Receiver<Arc<Index>>,
    pub limits: Limits,
    /// Test hook (see `ServerState::test_hooks`). Never set by the CLI.
    pub test_hooks: bool,
    /// Which sources send PROXY headers (none by default).
    pub proxy: ProxyPolicy,
    /// Analytics, guest identification and owner commands (off by default).
    pub owner: super::owner::OwnerSide,
}

/// Bind every address; port 0 picks a free port (read it back with `local_addr`).
pub async fn bind(addrs: &[SocketAddr]) -> std::io::Result<Vec<TcpListener>> {
    let mut out = Vec::new();
    for a in addrs {
        out.push(TcpListener::bind(a).await?);
    }
    Ok(out)
}

/// Serve guests on `listeners` until `shutdown` completes; then tell every session,
/// give them `limits.shutdown_grace` to restore terminals, and return.
pub async fn serve(
    server: Server,
    listeners: Vec<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = server.limits.clone();
    let config = algorithms::server_config(server.host_key, &limits);
    // Dropping or setting the sender tells every accept loop, connection and session to stop.
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let state = Arc::new(ServerState {
        index: server.index,
        guests: Guests::new(),
        cache: RenderCache::new(),
        first: Default::default(),
        shutdown: shutdown_rx.clone(),
        limits: limits.clone(),
        test_hooks: server.test_hooks,
        owner: server.owner,
    });
    // Every connection task holds a clone of `done_tx`; when all are dropped, `recv`
    // returns `None`: every connection has finished.
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = Arc::new(Sources::new(&limits));
    let refusals = Arc::new(RefusalLog::new(Duration::from_secs(60)));
    let proxy = Arc::new(server.proxy);
    let startups = Arc::new(StartupGate::new(limits.startups));

    let mut loops = Vec::new();
    for listener in listeners {
        let addr = listener.local_addr()?;
        tracing::info!("listening on {addr}");
        let acceptor = Acceptor {
            listener,
            config: config.clone(),
            state: state.clone(),
            permits: permits.clone(),
            per_ip: per_ip.clone(),
            refusals: refusals.clone(),
            proxy: proxy.clone(),
            startups: startups.clone(),
            shutdown: shutdown_rx.clone(),
            done: done_tx.clone(),
        };
        loops.push(tokio::spawn(acceptor.run()));
    }
    drop(done_tx);

    shutdown.await;
    tracing::info!(guests = state.guests.now(), "shutting down");
    let _ = shutdown_tx.send(true);
    for l in loops {
        let _ = l.await;
    }
    drop(state);
    // Sessions restore terminals within the grace period; connections are cut after it.
    let wait = limits.shutdown_grace + Duration::from_secs(1);
    let _ = tokio::time::timeout(wait, done_rx.recv()).await;
    tracing::info!("stopped");
    Ok(())
}

struct Acceptor {
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    state: Arc<ServerState>,
    /// Global cap: one permit per open connection, taken before `accept` so a full
    /// server leaves new connections in the kernel backlog instead of spawning tasks.
    permits: Arc<Semaphore>,
    per_ip: Arc<Sources>,
    refusals: Arc<RefusalLog>,
    proxy: Arc<ProxyPolicy>,
    startups: Arc<StartupGate>,
    shutdown: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
}

impl Acceptor {
    async fn run(mut self) {
        // Accepted sockets inherit the listener's options (on Linux): checked once, on
        // the first connection; where they don't, each socket is tuned.
        tcp::tune_listener(&self.listener);
        let mut inherited = None;
        loop {
            let permit = tokio::select! {
                p = self.permits.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => return,
                },
                _ = self.shutdown.changed() => return,
            };
            let (socket, peer) = tokio::select! {
                r = accept(&self.listener) => r,
                _ = self.shutdown.changed() => return,
            };
            if !*inherited.get_or_insert_with(|| tcp::inherits(&socket)) {
                tcp::tune(&socket);
            }
            let kill = Arc::new(KillSwitch::default());
            let limits = &self.state.limits;
            let budget = InputBucket::new(
                limits.input_rate,
                limits.input_burst,
                std::time::Instant::now(),
            );
            let meter = Meter::new(self.startups.clone(), kill.clone(), budget);
            let mut stream = Killable::new(Metered::new(socket, meter.clone()), kill.clone());
            if !self.proxy.trusts(peer.ip()) {
                let conn = self.clone_parts().connection(peer, permit, meter);
                tokio::spawn(conn.run(stream, kill, peer));
                continue;
            }
            // A trusted proxy: its header names the peer. Read it in the connection's
            // task, bounded by the header timeout; `acceptor` holds a `done` sender, so
            // shutdown waits for it too.
            let acceptor = self.clone_parts();
            let timeout = self.proxy.header_timeout;
            tokio::spawn(async move {
                let header = proxy::read_header(&mut stream, timeout).await;
                meter.proxy_header_read();
                let real = match header {
                    Ok(Some(addr)) => {
                        tracing::info!(peer = %addr, proxy = %peer, "proxied connection");
                        addr
                    }
                    // The proxy's own connection (a health check): its address stands.
                    Ok(None) => peer,
                    Err(e) => {
                        let why = match e {
                            proxy::HeaderError::Timeout(_) => Rejection::ProxyTimeout,
                            _ => Rejection::ProxyInvalid,
                        };
                        metrics::rejected(why);
                        tracing::info!(proxy = %peer, error = %e, "refused a proxied connection");
                        return;
                    }
                };
                let conn = acceptor.connection(real, permit, meter);
                conn.run(stream, kill, real).await;
            });
        }
    }

    /// What a connection task needs from the acceptor.
    fn clone_parts(&self) -> Parts {
        Parts {
            config: self.config.clone(),
            state: self.state.clone(),
            per_ip: self.per_ip.clone(),
            refusals: self.refusals.clone(),
            shutdown: self.shutdown.clone(),
            done: self.done.clone(),
        }
    }
}

/// The acceptor's shared parts, moved into a task that reads a PROXY header first.
struct Parts {
    config: Arc<russh::server::Config>,
    state: Arc<ServerState>,
    per_ip: Arc<Sources>,
    refusals: Arc<RefusalLog>,
    shutdown: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
}

impl Parts {
    /// A connection from `peer` (the client, after any PROXY header): to be served,
    /// or refused when the per-source limits say so.
    fn connection(
        &self,
        peer: SocketAddr,
        permit: OwnedSemaphorePermit,
        meter: Arc<Meter>,
    ) -> Connection {
        let taken = self.per_ip.take(peer.ip(), Instant::now());
        Connection {
            config: self.config.clone(),
            state: self.state.clone(),
            shutdown: self.shutdown.clone(),
            meter,
            per_ip: self.per_ip.clone(),
            refusals: self.refusals.clone(),
            slot: taken,
            _permit: permit,
            _done: self.done.clone(),
        }
    }
}

/// Accept, retrying errors (EMFILE, ECONNABORTED…) with backoff up to 1 s: a busy or
/// starved server must never stop listening.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    let mut backoff = Duration::from_millis(10);
    loop {
        match listener.accept().await {
            Ok(pair) => return pair,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// The socket as russh sees it: counted (bytes, MaxStartups) and cuttable.
type Stream = Killable<Metered<TcpStream>>;

/// One TCP connection. The fields starting with `_` are held only to be dropped when
/// the connection ends: they free its global permit and tell `serve` that one more
/// connection has finished; `slot` (its per-source place) is freed the same way.
struct Connection {
    config: Arc<russh::server::Config>,
    state: Arc<ServerState>,
    shutdown: watch::Receiver<bool>,
    meter: Arc<Meter>,
    per_ip: Arc<Sources>,
    refusals: Arc<RefusalLog>,
    /// Its per-source slot, or why the source is refused.
    slot: Result<Slot, Refused>,
    _permit: OwnedSemaphorePermit,
    _done: mpsc::Sender<()>,
}

impl Connection {
    async fn run(self, stream: Stream, kill: Arc<KillSwitch>, peer: SocketAddr) {
        if let Err(why) = &self.slot {
            let why = why.clone();
            // Boxed: its state would otherwise sit in every served connection's task.
            return Box::pin(self.refuse(stream, kill, peer, why)).await;
        }
        let began = Instant::now();
        let info: SharedInfo = Arc::default();
        let meter = self.meter.clone();
        let per_ip = self.per_ip.clone();
        let why = self.serve(stream, kill, peer, info.clone()).await;
        if why.penalised {
            per_ip.penalise(peer.ip(), Instant::now());
        }
        let info = info.lock().map(|i| i.clone()).unwrap_or_default();
        // The one line per connection. Never guest input: no commands, no keys.
        tracing::info!(
            %peer,
            auth = info.auth,
            kind = info.kind,
            channels = info.channels,
            term = info.term.as_deref().unwrap_or(""),
            cols = info.size.map_or(0, |s| s.0),
            rows = info.size.map_or(0, |s| s.1),
            secs = began.elapsed().as_secs_f32(),
            bytes_in = meter.bytes_in(),
            bytes_out = meter.bytes_out(),
            writes = meter.writes(),
            throttled_ms = meter.throttled().as_millis() as u64,
            dropped_input = info.dropped_input,
            end = info.end.as_deref().unwrap_or(""),
            why = why.text,
            "connection"
        );
    }

    /// Turn the connection away: with a message after the key exchange when the client
    /// starts one (and the source has explanations left), else silently, now.
    async fn refuse(self, stream: Stream, kill: Arc<KillSwitch>, peer: SocketAddr, why: Refused) {
        metrics::rejected(why.rejection());
        let now = Instant::now();
        let source = self.per_ip.describe(peer.ip());
        let explain = self.per_ip.may_explain(peer.ip(), &why, now) && starts_ssh(&stream).await;
        self.refusals
            .refused(&source, self.per_ip.key(peer.ip()), &why, explain);
        if !explain {
            return;
        }
        let limits = &self.state.limits;
        let (opened, _) = oneshot::channel();
        let guest = Guest::new(GuestParts {
            state: self.state.clone(),
            peer,
            opened,
            life: Arc::new(Life::new(timers(limits), now)),
            meter: self.meter.clone(),
            kill: kill.clone(),
            info: Arc::default(),
            refusal: Some(why.message(&source)),
        });
        // The handler sends the message once the guest has logged in; russh then ends
        // the session. Bounded like a login: a client that stalls is cut.
        let deadline = now + limits.handshake_deadline + Duration::from_secs(5);
        let _ = tokio::time::timeout_at(deadline, async {
            if let Ok(running) = russh::server::run_stream(self.config.clone(), stream, guest).await
            {
                let _ = running.await;
            }
        })
        .await;
        kill.kill();
    }

    /// Serve the connection; returns why it ended.
    async fn serve(
        mut self,
        stream: Stream,
        kill: Arc<KillSwitch>,
        peer: SocketAddr,
        info: SharedInfo,
    ) -> Ended {
        let began = Instant::now();
        metrics::CONNECTIONS_TOTAL.inc();
        let limits = self.state.limits.clone();
        let deadline = began + limits.login_deadline;
        let handshake = (began + limits.handshake_deadline).min(deadline);
        let (opened_tx, mut opened_rx) = oneshot::channel();
        let life = Arc::new(Life::new(timers(&limits), began));
        let guest = Guest::new(GuestParts {
            state: self.state.clone(),
            peer,
            opened: opened_tx,
            life: life.clone(),
            meter: self.meter.clone(),
            kill: kill.clone(),
            info,
            refusal: None,
        });

        // Boxed, so the handshake's state is freed when it ends instead of being part of
        // the connection's task for its whole life.
        let running = tokio::time::timeout_at(
            handshake,
            Box::pin(russh::server::run_stream(
                self.config.clone(),
                stream,
                guest,
            )),
        )
        .await;
        let mut running = match running {
            Ok(Ok(r)) => r,
            Ok(Err(_)) if self.meter.refused() => return self.gate_refused(),
            Ok(Err(_)) if self.meter.evicted() => return self.gate_evicted(),
            Ok(Err(e)) => {
                metrics::HANDSHAKE_FAILURES.inc();
                return Ended::now(format!("handshake failed: {e}"));
            }
            Err(_) => {
                metrics::HANDSHAKE_FAILURES.inc();
                kill.kill();
                return Ended::penalised("handshake deadline");
            }
        };
        let handle = running.handle();
        let mut opened = false;
        let mut handshake_checked = false;
        // Counts this connection as an active session from its opening to its end.
        let mut _session: Option<SessionGauge> = None;
        // One timer for whichever deadline comes first, moved only when that changes
        // (a sleep per deadline per turn of the loop was three timer registrations each
        // time the connection task woke).
        let alarm = tokio::time::sleep_until(handshake);
        tokio::pin!(alarm);
        loop {
            let never = (
                began + Duration::from_secs(86_400 * 365),
                Alarm::Life(super::life::Due::Idle),
            );
            let mut next = life
                .next()
                .map_or(never, |(at, due)| (at, Alarm::Life(due)));
            if !opened && deadline <= next.0 {
                next = (deadline, Alarm::Login);
            }
            if !opened && !handshake_checked && handshake <= next.0 {
                next = (handshake, Alarm::Handshake);
            }
            let (at, what) = next;
            if alarm.deadline() != at {
                alarm.as_mut().reset(at);
            }
            tokio::select! {
                r = &mut running => return match r {
                    _ if self.meter.refused() => self.gate_refused(),
                    _ if self.meter.evicted() => self.gate_evicted(),
                    Ok(()) => Ended::now("closed"),
                    Err(e) => Ended::now(format!("error: {e}")),
                },
                r = &mut opened_rx, if !opened => {
                    // `Err`: the handler is gone, so the connection is ending anyway.
                    opened = true;
                    self.meter.logged_in();
                    if let Ok(slot) = &mut self.slot {
                        slot.logged_in();
                    }
                    if r.is_ok() {
                        _session = Some(SessionGauge::new());
                    }
                }
                _ = life.changed() => {}
                () = &mut alarm => match what {
                    Alarm::Handshake => {
                        handshake_checked = true;
                        if !self.meter.kexinit_received() {
                            metrics::HANDSHAKE_FAILURES.inc();
                            kill.kill();
                            return Ended::penalised("handshake deadline");
                        }
                    }
                    Alarm::Login => {
                        metrics::HANDSHAKE_FAILURES.inc();
                        kill.kill();
                        return Ended::penalised("login deadline");
                    }
                    Alarm::Life(due) => if life.due(Instant::now()) == Some(due) {
                        let text = match due {
                            super::life::Due::NoSession => "no session running; goodbye",
                            super::life::Due::Idle => "no input for too long; reconnect any time",
                            super::life::Due::SessionCap => "time limit reached; reconnect any time",
                        };
                        goodbye(&handle, text).await;
                        kill.kill();
                        return Ended::now(due.label());
                    }
                },
                _ = self.shutdown.changed() => {
                    // Boxed: rare, and its state would otherwise sit in every task.
                    Box::pin(shut_down(&mut running, &handle, &life, opened, limits.shutdown_grace))
                        .await;
                    kill.kill();
                    return Ended::now("shutdown");
                }
            }
        }
    }

    fn gate_refused(&self) -> Ended {
        metrics::rejected(Rejection::Startups);
        Ended::now("too many logins in progress")
    }

    fn gate_evicted(&self) -> Ended {
        metrics::rejected(Rejection::Startups);
        Ended::penalised("cut for a login with a banner")
    }
}

/// Which deadline the connection task's one timer is set for.
#[derive(Clone, Copy)]
enum Alarm {
    /// The handshake deadline: the client's banner and KEXINIT must be in.
    Handshake,
    /// The login deadline: a session channel must be open.
    Login,
    /// The connection's lifetime (`life`): no session, idle, the cap.
    Life(super::life::Due),
}

/// Why a connection ended, and whether that counts against its source.
struct Ended {
    text: String,
    penalised: bool,
}

impl Ended {
    fn now(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            penalised: false,
        }
    }

    fn penalised(text: &str) -> Self {
        Self {
            text: text.into(),
            penalised: true,
        }
    }
}

fn timers(limits: &crate::config::Limits) -> Timers {
    Timers {
        channel_grace: limits.channel_grace,
        idle_timeout: limits.idle_timeout,
        max_session: limits.max_session,
        max_channels: limits.max_channels,
    }
}

/// The server is shutting down: sessions saw the same signal and are restoring their
/// guests' terminals; wait for them (bounded by `grace`), then say goodbye. Without an
/// open session there is nothing to restore.
async fn shut_down<F: Future + Unpin>(
    running: &mut F,
    handle: &russh::server::Handle,
    life: &Life,
    opened: bool,
    grace: Duration,
) {
    let grace = tokio::time::sleep(if opened { grace } else { Duration::ZERO });
    tokio::pin!(grace);
    loop {
        if life.running() == 0 {
            goodbye(handle, "server restarting").await;
            return;
        }
        tokio::select! {
            biased;
            _ = &mut *running => return,
            _ = life.changed() => {}
            _ = &mut grace => {
                goodbye(handle, "server restarting").await;
                return;
            }
        }
    }
}

/// Send a disconnect with `text` (bounded: the guest may not be reading). Boxed: its
/// state (a queued message and a timer) would otherwise sit in every connection's task.
fn goodbye<'a>(
    handle: &'a russh::server::Handle,
    text: &'a str,
) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        let _ = tokio::time::timeout(
            Duration::from_millis(500),
            handle.disconnect(russh::Disconnect::ByApplication, text.into(), "en".into()),
        )
        .await;
    })
}

/// Does the client start the SSH handshake (its banner's first bytes) within a
/// moment? Read without consuming: russh reads the banner after.
async fn starts_ssh(stream: &Stream) -> bool {
    let mut buf = [0u8; 4];
    let tcp = stream.get_ref().get_ref();
    match tokio::time::timeout(Duration::from_secs(2), tcp.peek(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => buf[..n] == b"SSH-"[..n],
        _ => false,
    }
}

/// Counts one open session in the metrics while it lives.
struct SessionGauge;

impl SessionGauge {
    fn new() -> Self {
        metrics::SESSIONS_TOTAL.inc();
        metrics::SESSIONS_ACTIVE.inc();
        Self
    }
}

impl Drop for SessionGauge {
    fn drop(&mut self) {
        metrics::SESSIONS_ACTIVE.dec();
    }
}
