//! Configuration for `serve`: flags, `SSHFOLIO_*` environment, defaults.
//!
//! Defaults are sized for a 1-core VPS; every limit is a plain field so tests can shrink
//! them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Settings of a running server. Built by `main.rs` from flags and environment.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Addresses to listen on; port 0 binds a free port.
    pub listen: Vec<SocketAddr>,
    pub content: PathBuf,
    pub keys: PathBuf,
    pub limits: Limits,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 2222))],
            content: PathBuf::from("content"),
            keys: PathBuf::from("keys"),
            limits: Limits::default(),
        }
    }
}

/// What one server and one guest may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open TCP connections at once (a permit is taken before `accept`).
    pub max_connections: usize,
    /// Open connections from one IP address at once.
    pub max_per_ip: usize,
    /// New connections per second from one IP address, sustained (a token bucket)…
    pub per_ip_rate: f64,
    /// …and in a burst. Keeps one source from making us do key exchanges in a loop.
    pub per_ip_burst: u32,
    /// From accept until a session channel is open; the connection is closed after.
    pub login_deadline: Duration,
    /// No input from the guest for this long ends the session (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// A guest whose terminal does not take a frame for this long is dropped.
    pub stall_timeout: Duration,
    /// SSH keepalive interval; `keepalive_max` unanswered ones close the connection.
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    /// How long shutdown waits for sessions to restore terminals before closing.
    pub shutdown_grace: Duration,
    /// Server-wide `NO_COLOR` (`--no-color`): every guest gets no colour.
    pub no_color: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_per_ip: 8,
            per_ip_rate: 2.0,
            per_ip_burst: 10,
            login_deadline: Duration::from_secs(20),
            idle_timeout: Some(Duration::from_secs(600)),
            stall_timeout: Duration::from_secs(30),
            keepalive_interval: Duration::from_secs(15),
            keepalive_max: 3,
            shutdown_grace: Duration::from_secs(3),
            no_color: false,
        }
    }
}
