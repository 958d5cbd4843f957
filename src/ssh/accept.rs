//! The accept loop (mini-redis style): listeners and the shutdown future are passed in,
//! a connection permit is taken before `accept`, accept errors back off instead of
//! ending the loop, and each socket is handed to `russh::server::run_stream` in a task
//! of its own that enforces the login deadline, the MaxStartups gate and the shutdown
//! grace period, and writes the connection's one log line when it ends.
//! Connections from trusted proxies first give their PROXY header (in their own task,
//! so a slow proxy never holds up `accept`), and the address it names is the peer for
//! the per-IP limits and the logs.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::PrivateKey;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::time::Instant;

use super::algorithms;
use super::handler::{Guest, ServerState, SharedInfo};
use super::meter::{Meter, Metered, StartupGate};
use super::proxy::{self, ProxyPolicy};
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

/// Most source addresses we remember; beyond it, idle entries are forgotten first.
const MAX_TRACKED_IPS: usize = 16 * 1024;

/// Per source address: open connections (a slot is held by an `IpSlot` and freed on
/// drop) and a token bucket of new connections.
struct PerIp {
    max_open: usize,
    rate: f64,
    burst: f64,
    table: Mutex<HashMap<IpAddr, IpEntry>>,
}

#[derive(Debug, Clone, Copy)]
struct IpEntry {
    open: usize,
    tokens: f64,
    last: Instant,
}

impl IpEntry {
    fn refill(&mut self, now: Instant, rate: f64, burst: f64) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * rate).min(burst);
        self.last = now;
    }
}

/// Why a connection was turned away before the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    TooManyOpen,
    TooFast,
}

impl Refused {
    fn rejection(self) -> Rejection {
        match self {
            Refused::TooManyOpen => Rejection::PerIpOpen,
            Refused::TooFast => Rejection::PerIpRate,
        }
    }
}

struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn new(limits: &Limits) -> Self {
        Self {
            max_open: limits.max_per_ip.max(1),
            rate: limits.per_ip_rate.max(0.0),
            burst: f64::from(limits.per_ip_burst.max(1)),
            table: Mutex::new(HashMap::new()),
        }
    }

    fn take(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Result<IpSlot, Refused> {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if table.len() >= MAX_TRACKED_IPS && !table.contains_key(&ip) {
            self.prune(&mut table, now);
        }
        let entry = table.entry(ip).or_insert(IpEntry {
            open: 0,
            tokens: self.burst,
            last: now,
        });
        entry.refill(now, self.rate, self.burst);
        if entry.open >= self.max_open {
            return Err(Refused::TooManyOpen);
        }
        if entry.tokens < 1.0 {
            return Err(Refused::TooFast);
        }
        entry.tokens -= 1.0;
        entry.open += 1;
        Ok(IpSlot {
            table: self.clone(),
            ip,
        })
    }

    /// Forget addresses with nothing open, fully refilled ones first; if the table is
    /// still full, every address with nothing open (bounded memory beats memory).
    fn prune(&self, table: &mut HashMap<IpAddr, IpEntry>, now: Instant) {
        let (rate, burst) = (self.rate, self.burst);
        table.retain(|_, e| {
            let mut e2 = *e;
            e2.refill(now, rate, burst);
            e.open > 0 || e2.tokens < burst
        });
        if table.len() >= MAX_TRACKED_IPS {
            table.retain(|_, e| e.open > 0);
        }
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut table = self.table.table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = table.get_mut(&self.ip) {
            e.open = e.open.saturating_sub(1);
        }
    }
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
        shutdown: shutdown_rx.clone(),
        limits: limits.clone(),
        test_hooks: server.test_hooks,
        owner: server.owner,
    });
    // Every connection task holds a clone of `done_tx`; when all are dropped, `recv`
    // returns `None`: every connection has finished.
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = Arc::new(PerIp::new(&limits));
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
    per_ip: Arc<PerIp>,
    proxy: Arc<ProxyPolicy>,
    startups: Arc<StartupGate>,
    shutdown: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
}

impl Acceptor {
    async fn run(mut self) {
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
            tcp::tune(&socket);
            let kill = Arc::new(KillSwitch::default());
            let meter = Meter::new(self.startups.clone());
            let mut stream = Killable::new(Metered::new(socket, meter.clone()), kill.clone());
            if !self.proxy.trusts(peer.ip()) {
                if let Some(conn) = self.connection(peer, permit, meter) {
                    tokio::spawn(conn.run(stream, kill, peer));
                }
                continue;
            }
            // A trusted proxy: its header names the peer. Read it in the connection's
            // task, bounded by the header timeout; `acceptor` holds a `done` sender, so
            // shutdown waits for it too.
            let acceptor = self.clone_parts();
            let timeout = self.proxy.header_timeout;
            tokio::spawn(async move {
                let real = match proxy::read_header(&mut stream, timeout).await {
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
                if let Some(conn) = acceptor.connection(real, permit, meter) {
                    conn.run(stream, kill, real).await;
                }
            });
        }
    }

    /// What a connection task needs from the acceptor.
    fn clone_parts(&self) -> Parts {
        Parts {
            config: self.config.clone(),
            state: self.state.clone(),
            per_ip: self.per_ip.clone(),
            shutdown: self.shutdown.clone(),
            done: self.done.clone(),
        }
    }

    fn connection(
        &self,
        peer: SocketAddr,
        permit: OwnedSemaphorePermit,
        meter: Arc<Meter>,
    ) -> Option<Connection> {
        self.clone_parts().connection(peer, permit, meter)
    }
}

/// The acceptor's shared parts, moved into a task that reads a PROXY header first.
struct Parts {
    config: Arc<russh::server::Config>,
    state: Arc<ServerState>,
    per_ip: Arc<PerIp>,
    shutdown: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
}

impl Parts {
    /// A connection from `peer` (the client, after any PROXY header), or `None` when the
    /// per-IP limits turn it away (the socket is dropped, closing it).
    fn connection(
        &self,
        peer: SocketAddr,
        permit: OwnedSemaphorePermit,
        meter: Arc<Meter>,
    ) -> Option<Connection> {
        match self.per_ip.take(peer.ip(), Instant::now()) {
            Ok(slot) => Some(Connection {
                config: self.config.clone(),
                state: self.state.clone(),
                shutdown: self.shutdown.clone(),
                meter,
                _permit: permit,
                _slot: slot,
                _done: self.done.clone(),
            }),
            Err(why) => {
                metrics::rejected(why.rejection());
                // Debug: a flood of refusals must not become a flood of log lines.
                tracing::debug!(%peer, ?why, "refused before the handshake");
                None
            }
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
/// the connection ends: they free its global permit, its per-IP slot, and tell `serve`
/// that one more connection has finished.
struct Connection {
    config: Arc<russh::server::Config>,
    state: Arc<ServerState>,
    shutdown: watch::Receiver<bool>,
    meter: Arc<Meter>,
    _permit: OwnedSemaphorePermit,
    _slot: IpSlot,
    _done: mpsc::Sender<()>,
}

impl Connection {
    async fn run(self, stream: Stream, kill: Arc<KillSwitch>, peer: SocketAddr) {
        let began = Instant::now();
        let info: SharedInfo = Arc::default();
        let meter = self.meter.clone();
        let why = self.serve(stream, kill, peer, info.clone()).await;
        let info = info.lock().map(|i| i.clone()).unwrap_or_default();
        // The one line per connection. Never guest input: no commands, no keys.
        tracing::info!(
            %peer,
            auth = info.auth,
            kind = info.kind,
            term = info.term.as_deref().unwrap_or(""),
            cols = info.size.map_or(0, |s| s.0),
            rows = info.size.map_or(0, |s| s.1),
            secs = began.elapsed().as_secs_f32(),
            bytes_in = meter.bytes_in(),
            bytes_out = meter.bytes_out(),
            throttled_ms = info.throttled.as_millis() as u64,
            dropped_input = info.dropped_input,
            end = info.end.as_deref().unwrap_or(""),
            why,
            "connection"
        );
    }

    /// Serve the connection; returns why it ended.
    async fn serve(
        mut self,
        stream: Stream,
        kill: Arc<KillSwitch>,
        peer: SocketAddr,
        info: SharedInfo,
    ) -> String {
        let began = Instant::now();
        metrics::CONNECTIONS_TOTAL.inc();
        let limits = self.state.limits.clone();
        let deadline = began + limits.login_deadline;
        let (opened_tx, mut opened_rx) = oneshot::channel();
        let finished = Arc::new(Notify::new());
        let guest = Guest::new(
            self.state.clone(),
            peer,
            opened_tx,
            finished.clone(),
            kill.clone(),
            info,
        );

        let running = tokio::time::timeout_at(
            deadline,
            russh::server::run_stream(self.config.clone(), stream, guest),
        )
        .await;
        let mut running = match running {
            Ok(Ok(r)) => r,
            Ok(Err(_)) if self.meter.refused() => return "too many logins in progress".into(),
            Ok(Err(e)) => {
                metrics::HANDSHAKE_FAILURES.inc();
                return format!("handshake failed: {e}");
            }
            Err(_) => {
                metrics::HANDSHAKE_FAILURES.inc();
                kill.kill();
                return "login deadline".into();
            }
        };
        let handle = running.handle();
        let mut opened = false;
        // Counts this connection as an active session from its opening to its end.
        let mut _session: Option<SessionGauge> = None;
        loop {
            tokio::select! {
                r = &mut running => return match r {
                    _ if self.meter.refused() => "too many logins in progress".into(),
                    Ok(()) => "closed".into(),
                    Err(e) => format!("error: {e}"),
                },
                r = &mut opened_rx, if !opened => {
                    // `Err`: the handler is gone, so the connection is ending anyway.
                    opened = true;
                    self.meter.logged_in();
                    if r.is_ok() {
                        _session = Some(SessionGauge::new());
                    }
                }
                _ = tokio::time::sleep_until(deadline), if !opened => {
                    metrics::HANDSHAKE_FAILURES.inc();
                    kill.kill();
                    return "login deadline".into();
                }
                _ = self.shutdown.changed() => {
                    // The session task saw the same signal and is restoring the guest's
                    // terminal; wait for it (bounded), then say goodbye and cut. Without
                    // an open session there is nothing to restore.
                    let grace = tokio::time::sleep(if opened {
                        limits.shutdown_grace
                    } else {
                        Duration::ZERO
                    });
                    tokio::select! {
                        biased;
                        _ = &mut running => {}
                        _ = finished.notified() => {
                            let _ = tokio::time::timeout(
                                Duration::from_millis(500),
                                handle.disconnect(
                                    russh::Disconnect::ByApplication,
                                    "server restarting".into(),
                                    "en".into(),
                                ),
                            )
                            .await;
                        }
                        _ = grace => {
                            let _ = tokio::time::timeout(
                                Duration::from_millis(500),
                                handle.disconnect(
                                    russh::Disconnect::ByApplication,
                                    "server restarting".into(),
                                    "en".into(),
                                ),
                            )
                            .await;
                        }
                    }
                    kill.kill();
                    return "shutdown".into();
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_bucket_refills_over_time() {
        let limits = Limits {
            max_per_ip: 100,
            per_ip_rate: 1.0,
            per_ip_burst: 2,
            ..Limits::default()
        };
        let table = Arc::new(PerIp::new(&limits));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t = Instant::now();
        let a = table.take(ip, t).unwrap();
        let b = table.take(ip, t).unwrap();
        drop((a, b));
        // Closing connections gives no new tokens: only time does.
        assert_eq!(table.take(ip, t).err(), Some(Refused::TooFast));
        assert!(table.take(ip, t + Duration::from_millis(1100)).is_ok());
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(table.take(other, t).is_ok());
    }

    #[test]
    fn tracked_ips_are_bounded() {
        let table = Arc::new(PerIp::new(&Limits::default()));
        let t = Instant::now();
        for i in 0..(MAX_TRACKED_IPS as u32 + 100) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            drop(table.take(ip, t));
        }
        assert!(table.table.lock().unwrap().len() <= MAX_TRACKED_IPS);
    }
}
