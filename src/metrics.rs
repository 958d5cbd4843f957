//! Process-wide counters for Prometheus (`--metrics ADDR`): plain atomics that any
//! module may bump, rendered as Prometheus text by `render` and served by `http`.
//!
//! Globals, not a struct passed around: the render cache, the content watcher and the
//! accept loop live far apart, and a counter must cost one relaxed atomic add.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod http;

/// One monotonically increasing counter (or, for gauges, a value that goes both ways).
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// For gauges; never goes below zero.
    pub fn dec(&self) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(1))
            });
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Guest sessions now open, and since start: connections that opened their session
/// channel, counted until the connection closes.
pub static SESSIONS_ACTIVE: Counter = Counter::new();
pub static SESSIONS_TOTAL: Counter = Counter::new();
/// Connections accepted (after limits and the PROXY header).
pub static CONNECTIONS_TOTAL: Counter = Counter::new();
/// Connections whose SSH handshake failed or did not finish before the login deadline.
pub static HANDSHAKE_FAILURES: Counter = Counter::new();
/// Bytes read from and written to guest sockets (PROXY headers included).
pub static BYTES_IN: Counter = Counter::new();
pub static BYTES_OUT: Counter = Counter::new();
/// Frames drawn for guests, and how many new cell buffers were made (each is painted in
/// full: a first frame, or the first after hibernation).
pub static FRAMES: Counter = Counter::new();
pub static FRAMES_FULL: Counter = Counter::new();
/// Frames that moved rows with a terminal scroll region instead of repainting them.
pub static FRAMES_SCROLLED: Counter = Counter::new();
/// Render cache lookups that found a layout, and ones that had to render.
pub static RENDER_CACHE_HITS: Counter = Counter::new();
pub static RENDER_CACHE_MISSES: Counter = Counter::new();
/// Content reloads that were published, and ones that failed (old content kept).
pub static CONTENT_RELOADS: Counter = Counter::new();
pub static CONTENT_RELOAD_ERRORS: Counter = Counter::new();

/// Analytics events dropped (queue full, data directory unusable, failed writes) and
/// written.
pub static STATS_DROPPED: Counter = Counter::new();
pub static STATS_WRITTEN: Counter = Counter::new();

/// Most distinct pages counted in `sshfolio_page_views_total` (slugs come from the
/// content, but deleted pages stay counted; beyond this, new ones are not).
const MAX_PAGE_SERIES: usize = 4096;

/// Page views by kind (`post`, `project`) and slug.
static PAGE_VIEWS: std::sync::Mutex<Vec<(&'static str, String, u64)>> =
    std::sync::Mutex::new(Vec::new());

/// Count one view of a page.
pub fn page_viewed(kind: &'static str, slug: &str) {
    let mut views = PAGE_VIEWS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = views.iter_mut().find(|e| e.0 == kind && e.1 == slug) {
        e.2 += 1;
    } else if views.len() < MAX_PAGE_SERIES {
        views.push((kind, slug.to_string(), 1));
    }
}

/// Prometheus label value escaping (backslash, quote, newline).
fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Why a connection was turned away before (or instead of) the SSH handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Too many open connections from one address.
    PerIpOpen,
    /// New connections from one address too fast (token bucket empty).
    PerIpRate,
    /// A trusted proxy sent no complete PROXY header in time.
    ProxyTimeout,
    /// A trusted proxy sent something that is not a valid PROXY header.
    ProxyInvalid,
    /// Too many connections from one source still logging in.
    PerSourceStartups,
    /// A source whose connections kept hitting deadlines, while its penalty lasts.
    Penalised,
    /// Dropped by the MaxStartups gate (or evicted from it while silent).
    Startups,
}

impl Rejection {
    const ALL: [Rejection; 7] = [
        Rejection::PerIpOpen,
        Rejection::PerIpRate,
        Rejection::ProxyTimeout,
        Rejection::ProxyInvalid,
        Rejection::PerSourceStartups,
        Rejection::Penalised,
        Rejection::Startups,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Rejection::PerIpOpen => "per_ip_open",
            Rejection::PerIpRate => "per_ip_rate",
            Rejection::ProxyTimeout => "proxy_timeout",
            Rejection::ProxyInvalid => "proxy_invalid",
            Rejection::PerSourceStartups => "per_source_startups",
            Rejection::Penalised => "penalised",
            Rejection::Startups => "max_startups",
        }
    }

    fn counter(self) -> &'static Counter {
        static COUNTERS: [Counter; 7] = [const { Counter::new() }; 7];
        &COUNTERS[self as usize]
    }
}

/// Count one connection turned away for `why`.
pub fn rejected(why: Rejection) {
    why.counter().inc();
}

pub fn rejections(why: Rejection) -> u64 {
    why.counter().get()
}

/// The content watcher calls this after publishing a new index…
pub fn content_reloaded() {
    CONTENT_RELOADS.inc();
}

/// …and this when a reload failed and the old content stays.
pub fn content_reload_failed() {
    CONTENT_RELOAD_ERRORS.inc();
}

/// Every metric in the Prometheus text exposition format (version 0.0.4).
pub fn render() -> String {
    let mut out = String::with_capacity(2048);
    let mut one = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name} {value}");
    };
    one(
        "sshfolio_sessions_active",
        "gauge",
        "Connections with an open guest session.",
        SESSIONS_ACTIVE.get(),
    );
    one(
        "sshfolio_sessions_total",
        "counter",
        "Guest sessions opened since start.",
        SESSIONS_TOTAL.get(),
    );
    one(
        "sshfolio_connections_total",
        "counter",
        "TCP connections handed to the SSH layer since start.",
        CONNECTIONS_TOTAL.get(),
    );
    one(
        "sshfolio_handshake_failures_total",
        "counter",
        "Connections whose SSH handshake failed or timed out.",
        HANDSHAKE_FAILURES.get(),
    );
    one(
        "sshfolio_bytes_in_total",
        "counter",
        "Bytes read from guest sockets.",
        BYTES_IN.get(),
    );
    one(
        "sshfolio_bytes_out_total",
        "counter",
        "Bytes written to guest sockets.",
        BYTES_OUT.get(),
    );
    one(
        "sshfolio_frames_total",
        "counter",
        "Frames drawn for guests (full repaints and diffs).",
        FRAMES.get(),
    );
    one(
        "sshfolio_frames_full_total",
        "counter",
        "Full repaints on new cell buffers (first frames, and the first after hibernation).",
        FRAMES_FULL.get(),
    );
    one(
        "sshfolio_frames_scrolled_total",
        "counter",
        "Frames that moved rows with a terminal scroll region instead of repainting them.",
        FRAMES_SCROLLED.get(),
    );
    one(
        "sshfolio_render_cache_hits_total",
        "counter",
        "Render cache lookups served from the cache.",
        RENDER_CACHE_HITS.get(),
    );
    one(
        "sshfolio_render_cache_misses_total",
        "counter",
        "Render cache lookups that rendered a layout.",
        RENDER_CACHE_MISSES.get(),
    );
    one(
        "sshfolio_content_reloads_total",
        "counter",
        "Content reloads published.",
        CONTENT_RELOADS.get(),
    );
    one(
        "sshfolio_content_reload_errors_total",
        "counter",
        "Content reloads that failed (the old content stays).",
        CONTENT_RELOAD_ERRORS.get(),
    );
    one(
        "sshfolio_stats_dropped_total",
        "counter",
        "Analytics events lost: queue full, data directory unusable or a failed write.",
        STATS_DROPPED.get(),
    );
    one(
        "sshfolio_stats_written_total",
        "counter",
        "Analytics events committed to the database.",
        STATS_WRITTEN.get(),
    );
    let _ = writeln!(
        out,
        "# HELP sshfolio_rejections_total Connections turned away before the SSH handshake, by reason."
    );
    let _ = writeln!(out, "# TYPE sshfolio_rejections_total counter");
    for why in Rejection::ALL {
        let _ = writeln!(
            out,
            "sshfolio_rejections_total{{reason=\"{}\"}} {}",
            why.label(),
            rejections(why)
        );
    }
    let _ = writeln!(
        out,
        "# HELP sshfolio_page_views_total Pages viewed by guests, by kind and slug."
    );
    let _ = writeln!(out, "# TYPE sshfolio_page_views_total counter");
    {
        let views = PAGE_VIEWS.lock().unwrap_or_else(|p| p.into_inner());
        for (kind, slug, n) in views.iter() {
            let _ = writeln!(
                out,
                "sshfolio_page_views_total{{kind=\"{kind}\",slug=\"{}\"}} {n}",
                escape_label(slug)
            );
        }
    }
    let _ = writeln!(out, "# HELP sshfolio_build_info The running build.");
    let _ = writeln!(out, "# TYPE sshfolio_build_info gauge");
    let _ = writeln!(
        out,
        "sshfolio_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_rendered_with_help_and_type() {
        rejected(Rejection::ProxyTimeout);
        content_reloaded();
        let text = render();
        for name in [
            "sshfolio_sessions_active",
            "sshfolio_sessions_total",
            "sshfolio_handshake_failures_total",
            "sshfolio_bytes_in_total",
            "sshfolio_bytes_out_total",
            "sshfolio_frames_total",
            "sshfolio_frames_full_total",
            "sshfolio_render_cache_hits_total",
            "sshfolio_content_reloads_total",
            "sshfolio_content_reload_errors_total",
        ] {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
            assert!(text.lines().any(|l| l.starts_with(&format!("{name} "))));
        }
        assert!(text.contains("sshfolio_rejections_total{reason=\"proxy_timeout\"} "));
        assert!(!text.contains("sshfolio_content_reloads_total 0\n"));
        assert!(text.contains("sshfolio_build_info{version=\""));
        page_viewed("post", "a\"b");
        let text = render();
        assert!(text.contains("sshfolio_page_views_total{kind=\"post\",slug=\"a\\\"b\"} 1"));
        assert!(text.contains("# TYPE sshfolio_stats_dropped_total counter"));
    }

    #[test]
    fn a_gauge_never_goes_below_zero() {
        let g = Counter::new();
        g.dec();
        assert_eq!(g.get(), 0);
        g.inc();
        g.inc();
        g.dec();
        assert_eq!(g.get(), 1);
    }
}
