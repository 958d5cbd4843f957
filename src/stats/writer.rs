//! The one writer: a thread that owns the database connection, takes events from a
//! bounded queue, and commits them in batches (one transaction about every second).
//! Sessions never wait for it. When the disk fails, the batch is lost, counted, and
//! logged once until writes work again; the daily purge enforces `--stats-retention`.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::recorder::{Event, Recorder};
use super::store;
use crate::metrics;

/// How long events gather before a commit.
pub const BATCH: Duration = Duration::from_secs(1);
/// Most events in one transaction.
const MAX_BATCH: usize = 20_000;
/// Events that may wait for the writer; beyond it they are dropped and counted.
pub const QUEUE: usize = 16 * 1024;
const PURGE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Where and how long to keep analytics.
#[derive(Debug, Clone)]
pub struct StatsOptions {
    /// The data directory (`--data`), created if missing.
    pub dir: PathBuf,
    /// Rows older than this many days are purged daily (0: kept forever).
    pub retention_days: u32,
    pub queue: usize,
}

impl StatsOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            retention_days: 90,
            queue: QUEUE,
        }
    }
}

/// Start the writer and return the recorder sessions send to. Never fails: a data
/// directory that cannot be used is logged in one line, and the recorder then counts
/// every event as lost (`sshfolio_stats_dropped_total`) while guests are served.
pub fn start(opts: StatsOptions) -> Recorder {
    let lost = |what: &str, e: &dyn std::fmt::Display| {
        tracing::warn!(
            "stats: {what} {}: {e}; serving without analytics (lost events are counted in sshfolio_stats_dropped_total)",
            opts.dir.display()
        );
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut secret[..]);
        Recorder::new(None, &secret)
    };
    if let Err(e) = std::fs::create_dir_all(&opts.dir) {
        return lost("cannot create the data directory", &e);
    }
    let secret = match store::load_or_make_secret(&opts.dir) {
        Ok(s) => s,
        Err(e) => return lost("cannot use the data directory", &e),
    };
    let (tx, rx) = sync_channel(opts.queue.max(1));
    let recorder = Recorder::new(Some(tx), &secret);
    let dir = opts.dir.clone();
    let retention = opts.retention_days;
    let spawned = std::thread::Builder::new()
        .name("stats-writer".into())
        .spawn(move || match store::open_for_writing(&dir) {
            Ok(conn) => {
                tracing::info!(
                    "stats: recording to {}",
                    dir.join(store::DB_FILE).display()
                );
                run(conn, rx, retention)
            }
            Err(e) => {
                tracing::warn!(
                    "stats: cannot open {}: {e}; serving without analytics (lost events are counted in sshfolio_stats_dropped_total)",
                    dir.join(store::DB_FILE).display()
                );
                // Dropping `rx` makes every later send count as dropped; count the
                // ones already queued too.
                metrics::STATS_DROPPED.add(rx.try_iter().count() as u64);
            }
        });
    if let Err(e) = spawned {
        return lost("cannot start the writer for", &e);
    }
    recorder
}

/// The writer's loop: until every sender is gone.
fn run(conn: Connection, rx: Receiver<Event>, retention_days: u32) {
    let mut w = Writer {
        conn,
        failing: false,
        last_purge: None,
        retention_days,
    };
    loop {
        w.purge_if_due();
        let first = match rx.recv_timeout(Duration::from_secs(3600)) {
            Ok(e) => e,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let deadline = Instant::now() + BATCH;
        let mut batch = Batch::default();
        let open = w.begin();
        let mut next = Some(first);
        let mut done = false;
        while let Some(event) = next.take() {
            match event {
                Event::Flush(reply) => {
                    batch.replies.push(reply);
                    break;
                }
                Event::Resume { visitor, reply } => {
                    let found = if open {
                        store::resume(&w.conn, &visitor).unwrap_or_else(|e| {
                            tracing::debug!("stats: resume lookup failed: {e}");
                            None
                        })
                    } else {
                        None
                    };
                    let _ = reply.send(found);
                }
                event => {
                    batch.events += 1;
                    if open && store::apply(&w.conn, &event).is_err() {
                        batch.failed += 1;
                    }
                }
            }
            if batch.events >= MAX_BATCH {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(e) => next = Some(e),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    done = true;
                    break;
                }
            }
        }
        w.commit(open, &batch);
        for reply in batch.replies {
            let _ = reply.send(());
        }
        if done {
            return;
        }
    }
}

#[derive(Default)]
struct Batch {
    /// Data events in this transaction, and how many failed to apply.
    events: usize,
    failed: usize,
    replies: Vec<tokio::sync::oneshot::Sender<()>>,
}

struct Writer {
    conn: Connection,
    /// The last write failed: logged once, until one succeeds again.
    failing: bool,
    last_purge: Option<Instant>,
    retention_days: u32,
}

impl Writer {
    fn begin(&mut self) -> bool {
        match self.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => true,
            Err(e) => {
                self.failed(&e);
                false
            }
        }
    }

    fn commit(&mut self, open: bool, batch: &Batch) {
        if !open {
            metrics::STATS_DROPPED.add(batch.events as u64);
            return;
        }
        match self.conn.execute_batch("COMMIT") {
            Ok(()) => {
                metrics::STATS_DROPPED.add(batch.failed as u64);
                metrics::STATS_WRITTEN.add((batch.events - batch.failed) as u64);
                if self.failing && batch.failed == 0 {
                    self.failing = false;
                    tracing::info!("stats: writing again");
                }
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                metrics::STATS_DROPPED.add(batch.events as u64);
                self.failed(&e);
            }
        }
    }

    fn failed(&mut self, e: &rusqlite::Error) {
        if !self.failing {
            self.failing = true;
            tracing::warn!(
                "stats: cannot write the database: {e}; guests are served, events are lost (sshfolio_stats_dropped_total) until writes work again"
            );
        }
    }

    fn purge_if_due(&mut self) {
        if self.retention_days == 0 || self.last_purge.is_some_and(|t| t.elapsed() < PURGE_EVERY) {
            return;
        }
        self.last_purge = Some(Instant::now());
        let cutoff = super::recorder::now_secs() - i64::from(self.retention_days) * 86_400;
        match store::purge(&self.conn, cutoff) {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                rows = n,
                "stats: purged rows older than {} days",
                self.retention_days
            ),
            Err(e) => self.failed(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::recorder::{Visit, VisitorId, new_visit_id, now_secs};
    use super::*;

    fn visit(id: i64) -> Event {
        Event::Visit(Box::new(Visit {
            id,
            at: now_secs(),
            visitor: VisitorId {
                id: "v1".into(),
                keyed: true,
            },
            kind: "tui",
            client: "SSH-2.0-test".into(),
            term: "xterm".into(),
            cols: 80,
            rows: 24,
            depth: "256".into(),
            theme: "dark".into(),
            images: String::new(),
            exec: None,
        }))
    }

    #[tokio::test]
    async fn events_are_committed_and_resume_sees_uncommitted_ones() {
        let dir = tempfile::tempdir().unwrap();
        let rec = start(StatsOptions::new(dir.path()));
        let id = new_visit_id();
        rec.send(visit(id));
        rec.send(Event::PageView {
            visit: id,
            at: now_secs(),
            kind: "post",
            slug: "hello".into(),
            secs: 12.0,
            read_pct: 72,
        });
        let v = VisitorId {
            id: "v1".into(),
            keyed: true,
        };
        let found = rec.resume(&v).unwrap().await.unwrap().unwrap();
        assert_eq!((found.slug.as_str(), found.read_pct), ("hello", 72));
        rec.flush().await;
        let conn = store::open_for_reading(dir.path()).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM page_views", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn a_query_with_quotes_nul_and_sql_is_stored_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let rec = start(StatsOptions::new(dir.path()));
        let nasty = "'); DROP TABLE searches; -- \"x\" \0 end";
        rec.send(Event::Search {
            visit: 1,
            at: now_secs(),
            query: super::super::recorder::cut_query(nasty),
            results: 0,
        });
        rec.flush().await;
        let conn = store::open_for_reading(dir.path()).unwrap();
        let q: String = conn
            .query_row("SELECT query FROM searches", [], |r| r.get(0))
            .unwrap();
        assert_eq!(q, nasty);
    }

    #[test]
    fn a_data_dir_that_cannot_be_made_still_gives_a_recorder_that_counts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let rec = start(StatsOptions::new(file.join("data")));
        assert!(rec.is_on());
        let before = metrics::STATS_DROPPED.get();
        rec.send(visit(1));
        assert!(metrics::STATS_DROPPED.get() > before);
    }
}
