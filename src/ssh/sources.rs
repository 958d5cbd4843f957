//! Per-source limits, keyed on a source block (`config::NetBlock`: one IPv4 address or
//! one IPv6 /64 by default): open connections, new connections per second (a token
//! bucket), connections still logging in, penalties for sources whose connections keep
//! hitting deadlines (like OpenSSH's PerSourcePenalties), and how many refusals may be
//! explained (each one costs a key exchange). Also the refusal log: one info line per
//! source and reason per minute, with a count.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::config::{Limits, NetBlock};
use crate::metrics::Rejection;

/// Most sources we remember; beyond it, idle entries are forgotten first.
pub(crate) const MAX_TRACKED: usize = 16 * 1024;
/// Explained refusals per source: a burst, then one a second (the rest are silent).
const EXPLAIN_BURST: f64 = 3.0;
const EXPLAIN_RATE: f64 = 1.0;
/// Longest penalty a source can owe.
const MAX_PENALTY: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy)]
struct Entry {
    open: usize,
    starting: usize,
    tokens: f64,
    explain: f64,
    last: Instant,
    /// The source is owed penalty until this instant (past: none).
    penalty_end: Instant,
}

impl Entry {
    fn refill(&mut self, now: Instant, rate: f64, burst: f64) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * rate).min(burst);
        self.explain = (self.explain + dt * EXPLAIN_RATE).min(EXPLAIN_BURST);
        self.last = now;
    }

    fn idle(&self, now: Instant, burst: f64) -> bool {
        self.open == 0 && self.tokens >= burst && self.penalty_end <= now
    }
}

/// Why a connection was turned away before its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `open` connections already open from this source.
    TooManyOpen { open: usize },
    /// New connections too fast; a token comes back in `retry`.
    TooFast { retry: Duration },
    /// Too many connections from this source are still logging in.
    TooManyStarting,
    /// The source's connections kept hitting deadlines.
    Penalised,
}

impl Refused {
    pub(crate) fn rejection(&self) -> Rejection {
        match self {
            Refused::TooManyOpen { .. } => Rejection::PerIpOpen,
            Refused::TooFast { .. } => Rejection::PerIpRate,
            Refused::TooManyStarting => Rejection::PerSourceStartups,
            Refused::Penalised => Rejection::Penalised,
        }
    }

    /// What the guest reads (OpenSSH prints it): what happened and what to do.
    pub(crate) fn message(&self, source: &str) -> String {
        match self {
            Refused::TooManyOpen { open } => format!(
                "too many connections from {source} ({open} open); close one or try again in 5 s"
            ),
            Refused::TooFast { retry } => format!(
                "too many new connections from {source}; try again in {} s",
                retry.as_secs_f64().ceil().max(1.0)
            ),
            Refused::TooManyStarting => {
                format!("too many logins in progress from {source}; try again in a few seconds")
            }
            Refused::Penalised => {
                format!("connections from {source} keep timing out; try again in a minute")
            }
        }
    }
}

/// The per-source table, shared by every accept loop.
pub(crate) struct Sources {
    block: NetBlock,
    max_open: usize,
    max_starting: usize,
    rate: f64,
    burst: f64,
    penalty: Duration,
    table: Mutex<HashMap<IpAddr, Entry>>,
}

/// One open connection's place in its source's count (freed on drop), and its place
/// among the source's logins in progress until `logged_in`.
pub(crate) struct Slot {
    sources: Arc<Sources>,
    key: IpAddr,
    starting: bool,
}

impl Sources {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            block: limits.net_block,
            max_open: limits.max_per_ip.max(1),
            max_starting: limits.max_startups_per_source.max(1),
            rate: limits.per_ip_rate.max(0.0),
            burst: f64::from(limits.per_ip_burst.max(1)),
            penalty: limits.source_penalty,
            table: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn describe(&self, ip: IpAddr) -> String {
        self.block.describe(ip)
    }

    /// The source block `ip` counts in.
    pub(crate) fn key(&self, ip: IpAddr) -> IpAddr {
        self.block.key(ip)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Entry>> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn entry<'a>(
        &self,
        table: &'a mut HashMap<IpAddr, Entry>,
        key: IpAddr,
        now: Instant,
    ) -> &'a mut Entry {
        if table.len() >= MAX_TRACKED && !table.contains_key(&key) {
            self.prune(table, now);
        }
        let e = table.entry(key).or_insert(Entry {
            open: 0,
            starting: 0,
            tokens: self.burst,
            explain: EXPLAIN_BURST,
            last: now,
            penalty_end: now,
        });
        e.refill(now, self.rate, self.burst);
        e
    }

    /// A new connection from `ip`: its slot, or why it is refused.
    pub(crate) fn take(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Result<Slot, Refused> {
        let key = self.block.key(ip);
        let mut table = self.lock();
        let penalty = self.penalty;
        let (rate, max_open, max_starting) = (self.rate, self.max_open, self.max_starting);
        let e = self.entry(&mut table, key, now);
        if !penalty.is_zero() && e.penalty_end.saturating_duration_since(now) > penalty {
            return Err(Refused::Penalised);
        }
        if e.open >= max_open {
            return Err(Refused::TooManyOpen { open: e.open });
        }
        if e.starting >= max_starting {
            return Err(Refused::TooManyStarting);
        }
        if e.tokens < 1.0 {
            let retry = if rate > 0.0 {
                Duration::from_secs_f64((1.0 - e.tokens) / rate)
            } else {
                Duration::from_secs(60)
            };
            return Err(Refused::TooFast { retry });
        }
        e.tokens -= 1.0;
        e.open += 1;
        e.starting += 1;
        Ok(Slot {
            sources: self.clone(),
            key,
            starting: true,
        })
    }

    /// May a refusal of `ip` be explained (a key exchange spent on it)? Penalised
    /// sources never are; others a few at a time.
    pub(crate) fn may_explain(&self, ip: IpAddr, why: &Refused, now: Instant) -> bool {
        if *why == Refused::Penalised {
            return false;
        }
        let key = self.block.key(ip);
        let mut table = self.lock();
        let e = self.entry(&mut table, key, now);
        if e.explain >= 1.0 {
            e.explain -= 1.0;
            true
        } else {
            false
        }
    }

    /// One of `ip`'s connections hit a deadline (or was evicted while silent).
    pub(crate) fn penalise(&self, ip: IpAddr, now: Instant) {
        if self.penalty.is_zero() {
            return;
        }
        let key = self.block.key(ip);
        let mut table = self.lock();
        let penalty = self.penalty;
        let e = self.entry(&mut table, key, now);
        let end = e.penalty_end.max(now) + penalty;
        e.penalty_end = end.min(now + MAX_PENALTY);
    }

    /// Forget sources with nothing open and nothing owed, fully refilled ones first; if
    /// the table is still full, every source with nothing open.
    fn prune(&self, table: &mut HashMap<IpAddr, Entry>, now: Instant) {
        let (rate, burst) = (self.rate, self.burst);
        table.retain(|_, e| {
            let mut e2 = *e;
            e2.refill(now, rate, burst);
            !e2.idle(now, burst)
        });
        if table.len() >= MAX_TRACKED {
            table.retain(|_, e| e.open > 0);
        }
    }

    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        self.lock().len()
    }
}

impl Slot {
    /// The connection's session opened (or it gave up): no longer logging in.
    pub(crate) fn logged_in(&mut self) {
        if std::mem::take(&mut self.starting) {
            let mut table = self.sources.lock();
            if let Some(e) = table.get_mut(&self.key) {
                e.starting = e.starting.saturating_sub(1);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut table = self.sources.lock();
        if let Some(e) = table.get_mut(&self.key) {
            e.open = e.open.saturating_sub(1);
            if self.starting {
                e.starting = e.starting.saturating_sub(1);
            }
        }
    }
}

/// Refusals, logged at info at most once per source and reason per minute, each line
/// with how many there were since the last one.
pub(crate) struct RefusalLog {
    every: Duration,
    seen: Mutex<HashMap<(IpAddr, &'static str), (u64, Instant)>>,
}

impl RefusalLog {
    pub(crate) fn new(every: Duration) -> Self {
        Self {
            every,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Count one refusal of `source` for `reason`; `Some(count)` when a line is due.
    pub(crate) fn note(&self, source: IpAddr, reason: &'static str, now: Instant) -> Option<u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= MAX_TRACKED && !seen.contains_key(&(source, reason)) {
            let every = self.every;
            seen.retain(|_, (_, at)| now.saturating_duration_since(*at) < every);
            if seen.len() >= MAX_TRACKED {
                // Still full (a flood from everywhere): count it, log nothing new.
                return None;
            }
        }
        match seen.get_mut(&(source, reason)) {
            Some((count, at)) if now.saturating_duration_since(*at) < self.every => {
                *count += 1;
                None
            }
            Some((count, at)) => {
                let n = *count + 1;
                *count = 0;
                *at = now;
                Some(n)
            }
            None => {
                seen.insert((source, reason), (0, now));
                Some(1)
            }
        }
    }

    /// Log a refusal of `source` (a block key) if a line is due.
    pub(crate) fn refused(&self, source: &str, key: IpAddr, why: &Refused, explained: bool) {
        let reason = match why {
            Refused::TooManyOpen { .. } => "too many open",
            Refused::TooFast { .. } => "too many new connections",
            Refused::TooManyStarting => "too many logging in",
            Refused::Penalised => "penalised",
        };
        if let Some(count) = self.note(key, reason, Instant::now()) {
            tracing::info!(source, reason, count, explained, "refused connections");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_per_ip: 100,
            per_ip_rate: 1.0,
            per_ip_burst: 2,
            ..Limits::default()
        }
    }

    #[test]
    fn bucket_refills_over_time() {
        let table = Arc::new(Sources::new(&limits()));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t = Instant::now();
        let a = table.take(ip, t).unwrap();
        let b = table.take(ip, t).unwrap();
        drop((a, b));
        // Closing connections gives no new tokens: only time does.
        assert!(matches!(table.take(ip, t), Err(Refused::TooFast { .. })));
        assert!(table.take(ip, t + Duration::from_millis(1100)).is_ok());
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(table.take(other, t).is_ok());
    }

    #[test]
    fn an_ipv6_slash_64_is_one_source_and_logins_in_progress_are_capped() {
        let table = Arc::new(Sources::new(&Limits {
            max_startups_per_source: 2,
            ..limits()
        }));
        let t = Instant::now();
        let a = "2001:db8::1".parse().unwrap();
        let b = "2001:db8::2:3".parse().unwrap();
        let mut s1 = table.take(a, t).unwrap();
        let _s2 = table.take(b, t).unwrap();
        let later = t + Duration::from_secs(5);
        assert_eq!(table.take(a, later).err(), Some(Refused::TooManyStarting));
        s1.logged_in();
        assert!(table.take(b, later).is_ok());
    }

    #[test]
    fn repeated_deadlines_penalise_a_source_for_a_while() {
        let table = Arc::new(Sources::new(&Limits {
            source_penalty: Duration::from_secs(10),
            per_ip_burst: 100,
            ..limits()
        }));
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let t = Instant::now();
        table.penalise(ip, t);
        assert!(table.take(ip, t).is_ok(), "one deadline is not a pattern");
        table.penalise(ip, t);
        table.penalise(ip, t);
        assert_eq!(table.take(ip, t).err(), Some(Refused::Penalised));
        assert!(!table.may_explain(ip, &Refused::Penalised, t));
        assert!(table.take(ip, t + Duration::from_secs(21)).is_ok());
    }

    #[test]
    fn tracked_sources_are_bounded() {
        let table = Arc::new(Sources::new(&Limits::default()));
        let t = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 100) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            drop(table.take(ip, t));
        }
        assert!(table.tracked() <= MAX_TRACKED);
    }

    #[test]
    fn refusal_log_is_one_line_per_source_and_reason_per_minute() {
        let log = RefusalLog::new(Duration::from_secs(60));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t = Instant::now();
        assert_eq!(log.note(ip, "open", t), Some(1));
        assert_eq!(log.note(ip, "open", t + Duration::from_secs(1)), None);
        assert_eq!(log.note(ip, "rate", t + Duration::from_secs(1)), Some(1));
        assert_eq!(log.note(ip, "open", t + Duration::from_secs(2)), None);
        assert_eq!(log.note(ip, "open", t + Duration::from_secs(61)), Some(3));
    }
}
