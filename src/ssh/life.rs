//! A connection's lifetime, shared by its handler (which reports channels opening,
//! starting, finishing and guest input) and its connection task (which ends the
//! connection). A connection lives while it has work running on a session channel;
//! with none — before a first request, between ControlMaster commands, after the last
//! one — it gets `channel_grace`, then it is closed. Idle time is guest input only
//! (packets the handler sees: data, channel opens and requests), never keepalive replies
//! or our own writes; the session cap counts from accept for the whole connection.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// What a connection is doing, and since when.
#[derive(Debug)]
struct State {
    /// Authenticated (the login deadline no longer applies; the channel grace does).
    logged_in: bool,
    /// Open session channels (by number): `true` once their work (TUI or command) has started.
    channels: HashMap<u32, bool>,
    /// When the connection last had nothing running (or logged in).
    quiet_since: Instant,
    last_input: Instant,
}

impl State {
    fn running(&self) -> usize {
        self.channels.values().filter(|r| **r).count()
    }
}

/// Why the connection task should end the connection now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Logged in, nothing running for `channel_grace`.
    NoSession,
    /// No guest input for the idle timeout (plus the grace the session's own
    /// countdown and farewell need).
    Idle,
    /// The session cap, counted from accept.
    SessionCap,
}

impl Due {
    pub fn label(self) -> &'static str {
        match self {
            Due::NoSession => "no session",
            Due::Idle => "idle",
            Due::SessionCap => "session cap",
        }
    }
}

/// The timers a connection lives by (from `config::Limits`).
#[derive(Debug, Clone, Copy)]
pub struct Timers {
    pub channel_grace: Duration,
    pub idle_timeout: Option<Duration>,
    pub max_session: Option<Duration>,
    pub max_channels: usize,
}

#[derive(Debug)]
pub struct Life {
    began: Instant,
    timers: Timers,
    state: Mutex<State>,
    changed: Notify,
}

impl Life {
    pub fn new(timers: Timers, now: Instant) -> Self {
        Self {
            began: now,
            timers,
            state: Mutex::new(State {
                logged_in: false,
                channels: HashMap::new(),
                quiet_since: now,
                last_input: now,
            }),
            changed: Notify::new(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let out = f(&mut g);
        drop(g);
        self.changed.notify_one();
        out
    }

    /// Wait until something changed (one waiter: the connection task).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    pub fn logged_in(&self) {
        let now = Instant::now();
        self.with(|s| {
            if !s.logged_in {
                s.logged_in = true;
                s.quiet_since = now;
            }
        });
    }

    /// The guest sent something (data, a request, a channel open).
    pub fn input(&self) {
        let now = Instant::now();
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        g.last_input = now;
    }

    /// A session channel asks to open: `false` when the connection has its fill.
    pub fn open(&self, channel: u32) -> bool {
        let max = self.timers.max_channels.max(1);
        self.with(|s| {
            if s.channels.len() >= max {
                return false;
            }
            s.channels.insert(channel, false);
            true
        })
    }

    /// Work (the TUI or a command) started on `channel`.
    pub fn started(&self, channel: u32) {
        self.with(|s| {
            if let Some(r) = s.channels.get_mut(&channel) {
                *r = true;
            }
        });
    }

    /// `channel`'s work is over, or the guest closed it: its place is free.
    pub fn ended(&self, channel: u32) {
        let now = Instant::now();
        self.with(|s| {
            if s.channels.remove(&channel).is_some() && s.running() == 0 {
                s.quiet_since = now;
            }
        });
    }

    /// Channels with work running.
    pub fn running(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running()
    }

    /// How long a session starting now may last (the cap counts from accept).
    pub fn session_left(&self, now: Instant) -> Option<Duration> {
        self.timers
            .max_session
            .map(|cap| (self.began + cap).saturating_duration_since(now))
    }

    /// The next moment the connection may be due to end, and why; `None`: never (not
    /// logged in yet, no idle timeout, no cap).
    pub fn next(&self) -> Option<(Instant, Due)> {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let grace = self.timers.channel_grace;
        let mut out: Option<(Instant, Due)> = None;
        let mut consider = |at: Instant, why: Due| {
            if out.is_none_or(|(t, _)| at < t) {
                out = Some((at, why));
            }
        };
        if s.logged_in && s.running() == 0 {
            consider(s.quiet_since + grace, Due::NoSession);
        }
        if let Some(idle) = self.timers.idle_timeout {
            consider(s.last_input + idle + grace, Due::Idle);
        }
        if let Some(cap) = self.timers.max_session {
            consider(self.began + cap + grace, Due::SessionCap);
        }
        out
    }

    /// Why the connection should end at `now`, if it should.
    pub fn due(&self, now: Instant) -> Option<Due> {
        self.next().and_then(|(at, why)| (at <= now).then_some(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers() -> Timers {
        Timers {
            channel_grace: Duration::from_secs(5),
            idle_timeout: Some(Duration::from_secs(600)),
            max_session: Some(Duration::from_secs(3600)),
            max_channels: 2,
        }
    }

    #[test]
    fn a_connection_lives_while_a_channel_runs_then_gets_a_grace() {
        let t = Instant::now();
        let life = Life::new(timers(), t);
        assert_eq!(life.next().map(|n| n.1), Some(Due::Idle));
        life.logged_in();
        let (at, why) = life.next().unwrap();
        assert_eq!(why, Due::NoSession);
        assert!(at >= t + Duration::from_secs(5));
        let (a, b, c) = (0, 1, 2);
        assert!(life.open(a) && life.open(b));
        assert!(!life.open(c), "a third channel past the cap");
        // A channel with no request is no reason to stay.
        assert_eq!(life.next().unwrap().1, Due::NoSession);
        life.started(a);
        assert_eq!(life.next().unwrap().1, Due::Idle);
        life.ended(b);
        assert!(life.open(c));
        life.ended(a);
        assert_eq!(life.running(), 0);
        assert_eq!(life.next().unwrap().1, Due::NoSession);
    }

    #[test]
    fn the_session_cap_counts_from_accept() {
        let t = Instant::now();
        let life = Life::new(
            Timers {
                max_session: Some(Duration::from_secs(10)),
                idle_timeout: None,
                ..timers()
            },
            t,
        );
        life.logged_in();
        life.open(7);
        life.started(7);
        assert_eq!(life.next().unwrap().1, Due::SessionCap);
        assert_eq!(life.due(t + Duration::from_secs(16)), Some(Due::SessionCap));
        assert!(life.session_left(t + Duration::from_secs(4)).unwrap() <= Duration::from_secs(6));
    }
}
