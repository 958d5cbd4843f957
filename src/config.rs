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
    /// Connections still logging in (MaxStartups-style): see `Startups`.
    pub startups: Startups,
    /// From accept until a session channel is open; the connection is closed after.
    pub login_deadline: Duration,
    /// No input from the guest for this long ends the session (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// The last stretch of `idle_timeout` (and of `max_session`) shows a countdown.
    pub idle_warning: Duration,
    /// A session ends after this long whatever the guest does (`None`: never).
    pub max_session: Option<Duration>,
    /// Guest input, bytes per second per session, sustained (a token bucket)…
    pub input_rate: u32,
    /// …and in a burst. Beyond it, the connection stops being read until tokens
    /// refill, so a flood slows only the flooder (TCP backpressure), never others.
    pub input_burst: u32,
    /// A guest whose terminal does not take a frame for this long is dropped.
    pub stall_timeout: Duration,
    /// SSH keepalive interval; `keepalive_max` unanswered ones close the connection.
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    /// How long shutdown waits for sessions to restore terminals before closing.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_per_ip: 8,
            per_ip_rate: 2.0,
            per_ip_burst: 10,
            startups: Startups::default(),
            login_deadline: Duration::from_secs(20),
            idle_timeout: Some(Duration::from_secs(600)),
            idle_warning: Duration::from_secs(60),
            max_session: Some(Duration::from_secs(3600)),
            input_rate: 16 * 1024,
            input_burst: 64 * 1024,
            stall_timeout: Duration::from_secs(30),
            keepalive_interval: Duration::from_secs(15),
            keepalive_max: 3,
            shutdown_grace: Duration::from_secs(3),
        }
    }
}

/// OpenSSH's `MaxStartups start:rate:full` for connections that have begun the SSH
/// handshake (sent a byte) but not yet opened a session: below `start` all are served;
/// from `start` on, a new one is dropped with probability `rate`% rising linearly to
/// 100% at `full`. Connections that never send a byte cost no CPU and are left to the
/// global and per-IP caps and the login deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Startups {
    pub start: usize,
    pub rate: u8,
    pub full: usize,
}

impl Default for Startups {
    /// A curve25519 handshake costs ~0.2 ms of CPU, so a 1-core VPS can afford more
    /// concurrent logins than OpenSSH's 10:30:100 (sized for password checks).
    fn default() -> Self {
        Self {
            start: 32,
            rate: 30,
            full: 128,
        }
    }
}

impl std::str::FromStr for Startups {
    type Err = String;

    /// `start:rate:full` (as in sshd_config) or a single number (start = full).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected start:rate:full (like 10:30:100), got {s:?}");
        let nums: Vec<&str> = s.split(':').collect();
        let num = |t: &str| t.trim().parse::<usize>().map_err(|_| bad());
        let out = match nums.as_slice() {
            [n] => {
                let n = num(n)?;
                Self {
                    start: n,
                    rate: 100,
                    full: n,
                }
            }
            [a, r, f] => Self {
                start: num(a)?,
                rate: u8::try_from(num(r)?).map_err(|_| bad())?,
                full: num(f)?,
            },
            _ => return Err(bad()),
        };
        if out.start == 0 || out.full < out.start || out.rate > 100 {
            return Err(bad());
        }
        Ok(out)
    }
}

impl std::fmt::Display for Startups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.start, self.rate, self.full)
    }
}

impl Startups {
    /// Probability (0..=1) that a new connection is dropped when `n` are starting up.
    pub fn drop_probability(&self, n: usize) -> f64 {
        if n < self.start {
            0.0
        } else if n >= self.full {
            1.0
        } else {
            let rate = f64::from(self.rate) / 100.0;
            let span = (self.full - self.start) as f64;
            rate + (1.0 - rate) * (n - self.start) as f64 / span
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startups_parse_and_drop_linearly() {
        let s: Startups = "10:30:100".parse().unwrap();
        assert_eq!(
            s,
            Startups {
                start: 10,
                rate: 30,
                full: 100
            }
        );
        assert_eq!(s.drop_probability(9), 0.0);
        assert!((s.drop_probability(10) - 0.3).abs() < 1e-9);
        assert!((s.drop_probability(55) - 0.65).abs() < 1e-9);
        assert_eq!(s.drop_probability(100), 1.0);
        assert_eq!("5".parse::<Startups>().unwrap().drop_probability(5), 1.0);
        assert!("0:30:100".parse::<Startups>().is_err());
        assert!("10:300:100".parse::<Startups>().is_err());
        assert!("20:30:10".parse::<Startups>().is_err());
        assert!("a:b".parse::<Startups>().is_err());
    }
}
