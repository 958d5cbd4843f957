//! What sessions tell the analytics writer (`Event`), and the handle they tell it
//! through (`Recorder`): a bounded queue that never waits — when it is full, or the
//! writer is gone, the event is dropped and counted (`sshfolio_stats_dropped_total`).
//! Also the visitor id: a keyed hash, never the key or the address itself.

use std::net::IpAddr;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use ring::hmac;
use tokio::sync::oneshot;

use crate::metrics;

/// Longest search query kept, in characters.
pub const QUERY_MAX: usize = 64;
/// Longest client version string, TERM, exec command or URL kept, in characters.
pub const TEXT_MAX: usize = 200;

/// A visitor: 16 bytes of HMAC-SHA256, hex. `keyed` when it came from a public key
/// (the same across visits), otherwise from the address with a daily salt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorId {
    pub id: String,
    pub keyed: bool,
}

/// One visit (one session channel: the TUI or an exec command).
#[derive(Debug, Clone)]
pub struct Visit {
    /// Random; page views and searches name their visit by it.
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub visitor: VisitorId,
    /// `tui` or `exec`.
    pub kind: &'static str,
    /// The client's SSH version string (`SSH-2.0-OpenSSH_9.6`).
    pub client: String,
    pub term: String,
    pub cols: u16,
    pub rows: u16,
    /// Colour depth (`truecolor`, `256`, `16`, `none`).
    pub depth: String,
    /// `dark` or `light`.
    pub theme: String,
    /// The image protocol in use (`halfblock`, `kitty`, … or empty).
    pub images: String,
    /// The exec command, if any.
    pub exec: Option<String>,
}

/// Where a returning guest left an unfinished post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub slug: String,
    /// Furthest line read, as a percentage of the post.
    pub read_pct: u8,
}

/// Everything the writer is told.
#[derive(Debug)]
pub enum Event {
    Visit(Box<Visit>),
    /// The visit ended: its length, why, and the theme it ended with.
    VisitEnd {
        visit: i64,
        secs: f64,
        end: String,
        theme: Option<String>,
    },
    /// The theme a TUI visit ended with (after OSC 11 and `t`).
    Theme {
        visit: i64,
        theme: String,
    },
    /// A page was left (or the visit ended on it).
    PageView {
        visit: i64,
        at: i64,
        /// `post` or `project`.
        kind: &'static str,
        slug: String,
        secs: f64,
        read_pct: u8,
    },
    Search {
        visit: i64,
        at: i64,
        query: String,
        results: u32,
    },
    /// A link followed (OSC 8 click or open) or copied (OSC 52).
    Link {
        visit: i64,
        at: i64,
        url: String,
        copied: bool,
    },
    /// Where did this visitor stop reading? Answered from the writer's own connection,
    /// so it sees events not yet committed.
    Resume {
        visitor: String,
        reply: oneshot::Sender<Option<Resume>>,
    },
    /// Commit what is pending now and reply (tests, shutdown).
    Flush(oneshot::Sender<()>),
}

/// The sending side, cloned into every session. `Recorder::off()` records nothing.
#[derive(Clone, Default)]
pub struct Recorder {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    /// `None`: the store could not be opened; every event is counted as dropped.
    tx: Option<SyncSender<Event>>,
    key: hmac::Key,
    /// (day number, salt) for keyless visitors; the salt lives only in memory.
    salt: Mutex<(i64, [u8; 32])>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.inner.is_some() {
            "Recorder(on)"
        } else {
            "Recorder(off)"
        })
    }
}

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `s` cut to `max` characters, control characters dropped (client strings, TERM).
pub fn clip(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// A search query as typed, cut to `QUERY_MAX` characters. Kept verbatim (quotes, NUL,
/// SQL): it only ever reaches SQLite as a bound parameter, and `stats` escapes control
/// characters when it prints one.
pub fn cut_query(q: &str) -> String {
    q.chars().take(QUERY_MAX).collect()
}

impl Recorder {
    /// Records nothing and counts nothing (`--no-stats`).
    pub fn off() -> Self {
        Self::default()
    }

    /// Sends to `tx` (or, with `None`, counts every event as lost); `secret` keys
    /// visitor ids.
    pub fn new(tx: Option<SyncSender<Event>>, secret: &[u8]) -> Self {
        Self {
            inner: Some(Arc::new(Inner {
                tx,
                key: hmac::Key::new(hmac::HMAC_SHA256, secret),
                salt: Mutex::new((i64::MIN, [0; 32])),
            })),
        }
    }

    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// Hand `event` to the writer without waiting; dropped and counted when the queue
    /// is full or the writer is gone.
    pub fn send(&self, event: Event) {
        let Some(inner) = &self.inner else { return };
        let Some(tx) = &inner.tx else {
            metrics::STATS_DROPPED.inc();
            return;
        };
        match tx.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                metrics::STATS_DROPPED.inc();
            }
        }
    }

    /// The visitor id of a guest who proved a public key (its wire encoding).
    pub fn visitor_for_key(&self, key: &[u8]) -> Option<VisitorId> {
        let inner = self.inner.as_ref()?;
        let mut ctx = hmac::Context::with_key(&inner.key);
        ctx.update(b"key\0");
        ctx.update(key);
        Some(VisitorId {
            id: hex16(ctx.sign().as_ref()),
            keyed: true,
        })
    }

    /// The visitor id of a keyless guest: the address with today's salt, so the same
    /// address is one visitor for a day and cannot be recovered from the id.
    pub fn visitor_for_addr(&self, ip: IpAddr) -> Option<VisitorId> {
        let inner = self.inner.as_ref()?;
        let day = now_secs().div_euclid(86_400);
        let salt = {
            let mut g = inner.salt.lock().unwrap_or_else(|p| p.into_inner());
            if g.0 != day {
                let mut fresh = [0u8; 32];
                rand::Rng::fill(&mut rand::rng(), &mut fresh[..]);
                *g = (day, fresh);
            }
            g.1
        };
        let mut ctx = hmac::Context::with_key(&inner.key);
        ctx.update(b"addr\0");
        ctx.update(&salt);
        match ip {
            IpAddr::V4(v4) => ctx.update(&v4.octets()),
            IpAddr::V6(v6) => ctx.update(&v6.octets()),
        }
        Some(VisitorId {
            id: hex16(ctx.sign().as_ref()),
            keyed: false,
        })
    }

    /// Where `visitor` stopped reading, if anywhere; `None` at once when stats are off.
    pub fn resume(&self, visitor: &VisitorId) -> Option<oneshot::Receiver<Option<Resume>>> {
        if !visitor.keyed || !self.is_on() {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.send(Event::Resume {
            visitor: visitor.id.clone(),
            reply: tx,
        });
        Some(rx)
    }

    /// Commit everything sent so far; returns when it is on disk (or dropped).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        self.send(Event::Flush(tx));
        let _ = rx.await;
    }
}

fn hex16(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(32);
    for b in bytes.iter().take(16) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A new random visit id (positive, so it reads well in SQL).
pub fn new_visit_id() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_ids_are_keyed_and_hide_their_input() {
        let a = Recorder::new(None, b"secret-a");
        let b = Recorder::new(None, b"secret-b");
        let ka = a.visitor_for_key(b"key bytes").unwrap();
        assert_eq!(ka, a.visitor_for_key(b"key bytes").unwrap());
        assert_ne!(ka, b.visitor_for_key(b"key bytes").unwrap());
        assert!(ka.keyed);
        assert_eq!(ka.id.len(), 32);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let va = a.visitor_for_addr(ip).unwrap();
        assert!(!va.keyed);
        assert_eq!(va, a.visitor_for_addr(ip).unwrap(), "same day, same id");
        assert!(!va.id.contains("192"));
        assert!(Recorder::off().visitor_for_addr(ip).is_none());
    }

    #[test]
    fn a_full_queue_drops_and_counts() {
        let (tx, _rx) = std::sync::mpsc::sync_channel(1);
        let r = Recorder::new(Some(tx), b"s");
        let before = metrics::STATS_DROPPED.get();
        for _ in 0..3 {
            r.send(Event::Flush(oneshot::channel().0));
        }
        assert!(metrics::STATS_DROPPED.get() >= before + 2);
    }

    #[test]
    fn clip_cuts_characters_and_drops_controls() {
        assert_eq!(clip("a\u{0}b\x1b[31mc", 64), "ab[31mc");
        assert_eq!(clip(&"é".repeat(100), QUERY_MAX).chars().count(), 64);
        assert_eq!(cut_query("a'\0\"b"), "a'\0\"b");
        assert_eq!(cut_query(&"x".repeat(99)).len(), QUERY_MAX);
    }
}
