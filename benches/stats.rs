//! The analytics writer's throughput: how many events per second one writer thread
//! commits to `stats.sqlite` (WAL, 1 s batches), with a queue large enough that none
//! is dropped. Plain timing, not criterion: one run is a few seconds of real disk I/O.
//!
//! `cargo bench --bench stats`

use std::time::Instant;

use sshfolio::stats::recorder::{Event, Visit, VisitorId, new_visit_id, now_secs};
use sshfolio::stats::{self, StatsOptions};

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for (label, n) in [("page views", 200_000usize), ("page views", 1_000_000)] {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = StatsOptions::new(dir.path().join("data"));
        opts.queue = n + 10;
        let rec = stats::start(opts);
        let visitor = VisitorId {
            id: "0123456789abcdef0123456789abcdef".into(),
            keyed: false,
        };
        let visits: Vec<i64> = (0..1000).map(|_| new_visit_id()).collect();
        for &id in &visits {
            rec.send(Event::Visit(Box::new(Visit {
                id,
                at: now_secs(),
                visitor: visitor.clone(),
                kind: "tui",
                client: "SSH-2.0-OpenSSH_9.6".into(),
                term: "xterm-256color".into(),
                cols: 120,
                rows: 40,
                depth: "truecolor".into(),
                theme: "dark".into(),
                images: String::new(),
                exec: None,
            })));
        }
        rt.block_on(rec.flush());
        let dropped = sshfolio::metrics::STATS_DROPPED.get();
        let t = Instant::now();
        for i in 0..n {
            rec.send(Event::PageView {
                visit: visits[i % visits.len()],
                at: now_secs(),
                kind: "post",
                slug: format!("post-{}", i % 50),
                secs: (i % 300) as f64,
                read_pct: (i % 101) as u8,
            });
        }
        let queued = t.elapsed();
        rt.block_on(rec.flush());
        let all = t.elapsed();
        assert_eq!(
            sshfolio::metrics::STATS_DROPPED.get(),
            dropped,
            "events were dropped"
        );
        let size = std::fs::metadata(dir.path().join("data/stats.sqlite")).map_or(0, |m| m.len())
            + std::fs::metadata(dir.path().join("data/stats.sqlite-wal")).map_or(0, |m| m.len());
        println!(
            "{n} {label}: queued in {:.0} ms ({:.2} µs each on the session side), committed in {:.2} s: {:.0} events/s; database + WAL {:.1} MiB",
            queued.as_secs_f64() * 1e3,
            queued.as_secs_f64() * 1e6 / n as f64,
            all.as_secs_f64(),
            n as f64 / all.as_secs_f64(),
            size as f64 / (1024.0 * 1024.0)
        );
    }
}
