//! The countdown banner shown over the bottom row in the last stretch before the idle
//! timeout or the session cap.

use std::time::Duration;

use tokio::time::Instant;

/// Which deadline a countdown banner is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Countdown {
    Idle(u64),
    TimeLimit(u64),
}

impl Countdown {
    pub(super) fn text(self) -> String {
        match self {
            Countdown::Idle(s) => format!("idle — disconnecting in {s}s, press any key"),
            Countdown::TimeLimit(s) => {
                format!("time limit — this session closes in {s}s; reconnect any time")
            }
        }
    }
}

/// The banner due at `now` (within `warn` of the nearer deadline), and when it next
/// changes (each whole second of the countdown, or when the warning starts).
pub(super) fn countdown(
    now: Instant,
    idle: Option<Instant>,
    cap: Option<Instant>,
    warn: Duration,
) -> (Option<Countdown>, Option<Instant>) {
    let (deadline, is_idle) = match (idle, cap) {
        (Some(i), Some(c)) if c < i => (c, false),
        (Some(i), _) => (i, true),
        (None, Some(c)) => (c, false),
        (None, None) => return (None, None),
    };
    if warn.is_zero() {
        return (None, None);
    }
    if let Some(start) = deadline.checked_sub(warn)
        && now < start
    {
        return (None, Some(start));
    }
    let left = deadline.saturating_duration_since(now);
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    let secs = secs.max(1);
    let next = deadline.checked_sub(Duration::from_secs(secs - 1));
    let c = if is_idle {
        Countdown::Idle(secs)
    } else {
        Countdown::TimeLimit(secs)
    };
    (Some(c), next.filter(|n| *n > now))
}
