//! `sshfolio bench` against the in-process server: a smoke run, no timing assertions.

use std::time::Duration;

use sshfolio::bench::{BenchConfig, parse_keys, run};

use crate::util::{TestServer, test_limits};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_holds_twenty_sessions_and_counts_bytes() {
    let keys = tempfile::tempdir().unwrap();
    let limits = sshfolio::config::Limits {
        max_per_ip: 100,
        ..test_limits()
    };
    let server = TestServer::start_with(&keys.path().join("keys"), limits).await;
    let mut cfg = BenchConfig::new(server.addr);
    cfg.sessions = 20;
    cfg.rate = 200.0;
    cfg.duration = Duration::from_millis(100);
    cfg.keys = parse_keys("2,1,2").unwrap();
    cfg.key_sessions = 2;
    // `t` always repaints (j may not: on a one-project list it changes nothing).
    cfg.probe = parse_keys("t").unwrap().into_iter().next();
    cfg.server_pid = Some(std::process::id());
    let report = run(cfg).await.unwrap();
    assert_eq!(report.established, 20, "{report:?}");
    assert_eq!(report.failed, 0, "{report:?}");
    assert_eq!(report.first_frame.n, 20);
    assert!(report.first_frame_bytes_mean > 100.0, "{report:?}");
    // Two sessions ran three keys each; every section switch repaints something.
    assert_eq!(report.per_key.len(), 3);
    assert_eq!(report.key_frame.n, 6, "{report:?}");
    assert!(
        report.per_key.iter().all(|k| k.bytes_mean > 0.0),
        "{report:?}"
    );
    // The probe goes to the 18 sessions still on their first screen, where `j` moves the
    // selection: every one must answer. The two that ran the script are on Projects,
    // whose one project makes `j` a no-op that rightly draws nothing; they used to be
    // probed and "answered" only when a late guest-count label happened to follow.
    assert_eq!(report.probe_sent, 18, "{report:?}");
    assert_eq!(report.probe_answered, 18, "{report:?}");
    assert!(report.server.is_some());
    let table = sshfolio::bench::table(&report);
    assert!(table.contains("20 established"), "{table}");
    assert!(table.contains("18 of 18 answered"), "{table}");
    // The kernel's receive-queue drops over the run (what closes guests early on a
    // loaded loopback) are reported wherever /proc/net/softnet_stat exists.
    if cfg!(target_os = "linux") {
        assert!(report.softnet_drops.is_some(), "{report:?}");
        assert!(table.contains("kernel queue drops"), "{table}");
    }
    server.stop().await;
}

#[tokio::test]
async fn bench_against_nothing_fails_cleanly() {
    // A port with no server: every session fails, the run still returns a report.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut cfg = BenchConfig::new(addr);
    cfg.sessions = 3;
    cfg.rate = 100.0;
    cfg.duration = Duration::ZERO;
    let report = run(cfg).await.unwrap();
    assert_eq!(report.established, 0);
    assert_eq!(report.failed, 3);
    assert!(!report.errors.is_empty());
}
