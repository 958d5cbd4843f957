//! Configuration for `serve`: flags, `SSHFOLIO_*` environment, an optional
//! `sshfolio.yml`, defaults — in that order of precedence.
//!
//! `main.rs` turns flags and environment (clap reads both, flag first) into a
//! `FileConfig` of the values that were given, lays it over the file's with `over`, and
//! `resolve`s the result over the defaults. Defaults are sized for a 1-core VPS; every
//! limit is a plain field so tests can shrink them.
//!
//! Over 600 lines: ~540 lines of code (every setting, its flag, env twin and file key), the rest its tests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod proxy;

use proxy::ProxyPolicy;

mod startups;
pub use startups::{NetBlock, Startups};

/// Settings of a running server. Built by `main.rs` from flags and environment.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Addresses to listen on; port 0 binds a free port.
    pub listen: Vec<SocketAddr>,
    pub content: PathBuf,
    /// Read content files that symlinks lead to outside `content` (refused otherwise).
    pub follow_symlinks: bool,
    pub keys: PathBuf,
    pub limits: Limits,
    /// Load balancers whose PROXY headers we read.
    pub proxy: ProxyPolicy,
    /// Where to serve Prometheus metrics (`None`: nowhere).
    pub metrics: Option<SocketAddr>,
    pub log_format: LogFormat,
    /// The owner's side (issue 15): analytics and guest identification.
    pub owner: OwnerConfig,
}

/// Analytics and guest identification (`--data`, `--no-stats`, `--stats-retention`,
/// `--identify-guests`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerConfig {
    /// The data directory: `stats.sqlite` and the visitor-id `secret`.
    pub data: PathBuf,
    /// `false` with `--no-stats`: nothing is recorded.
    pub stats: bool,
    /// Days analytics rows are kept (0: forever).
    pub stats_retention: u32,
    /// Offer `publickey` and `keyboard-interactive` instead of accepting `none`.
    pub identify_guests: bool,
}

impl Default for OwnerConfig {
    fn default() -> Self {
        Self {
            data: PathBuf::from("data"),
            stats: true,
            stats_retention: 90,
            identify_guests: false,
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: vec![SocketAddr::from(([0, 0, 0, 0], 2222))],
            content: PathBuf::from("content"),
            follow_symlinks: false,
            keys: PathBuf::from("keys"),
            limits: Limits::default(),
            proxy: ProxyPolicy::default(),
            metrics: None,
            log_format: LogFormat::Text,
            owner: OwnerConfig::default(),
        }
    }
}

/// How log lines look on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("unknown log format {s:?} (text or json)")),
        }
    }
}

/// `sshfolio.yml`: every key optional, each also a flag (`max_per_ip` is
/// `--max-per-ip`) and an environment variable (`SSHFOLIO_MAX_PER_IP`). Unknown keys
/// are errors, so a typo never silently keeps a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<Vec<SocketAddr>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<PathBuf>,
    /// Read content files that symlinks lead to outside the content directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_symlinks: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_ip: Option<usize>,
    /// Seconds; 0 means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<u64>,
    /// CIDR ranges (or single addresses) of load balancers that send PROXY headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_proxy: Option<Vec<String>>,
    /// Seconds a trusted proxy gets to send its header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_header_timeout: Option<f64>,
    /// Address for the Prometheus endpoint (`GET /metrics`). Printed as `null` when off,
    /// so `--print-config` shows every key.
    #[serde(default)]
    pub metrics: Option<SocketAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// No colour for any guest, as if every client sent NO_COLOR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_color: Option<bool>,
    /// `start:rate:full`, as sshd's MaxStartups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_startups: Option<String>,
    /// New connections per second from one IP address, sustained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_ip_rate: Option<f64>,
    /// New connections from one IP address in a burst.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_ip_burst: Option<u32>,
    /// Seconds from connect to an open session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_deadline: Option<u64>,
    /// Seconds of on-screen countdown before the idle kick or the session cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_warning: Option<u64>,
    /// Longest session in seconds; 0 means no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session: Option<u64>,
    /// Seconds a guest may leave a frame unread before it is dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_timeout: Option<u64>,
    /// Guest input per session, bytes per second; 0 means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_rate: Option<u32>,
    /// Guest input per session, bytes in a burst.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_burst: Option<u32>,
    /// Seconds without input from the client before an SSH keepalive is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_interval: Option<u64>,
    /// Unanswered keepalives in a row that close the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_max: Option<usize>,
    /// Per-source limits count one IPv4 /v4 or IPv6 /v6 block as one source: `v4:v6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_source_net_block_size: Option<String>,
    /// Connections from one source still logging in at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_startups_per_source: Option<usize>,
    /// Seconds from connect to the client's banner and KEXINIT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake_deadline: Option<u64>,
    /// Seconds of penalty a source earns each time one of its connections hits a
    /// deadline; 0 turns penalties off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_penalty: Option<u64>,
    /// Session channels open at once on one connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_channels: Option<usize>,
    /// Seconds a logged-in connection may go without a running session channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_grace: Option<u64>,
    /// The data directory (analytics database and visitor-id secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    /// Record no analytics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_stats: Option<bool>,
    /// Days analytics rows are kept; 0 keeps them forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats_retention: Option<u32>,
    /// Ask guests for a public key (falling back to keyboard-interactive, no prompt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identify_guests: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `path:line:col: message`, the way `sshfolio check` reports content problems.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Largest config file we read; a real one is a few hundred bytes.
const MAX_FILE: u64 = 1024 * 1024;

impl FileConfig {
    /// Read and check `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let read = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read)?.len();
        if len > MAX_FILE {
            return Err(ConfigError::Invalid(format!(
                "{}: larger than {MAX_FILE} bytes",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        Self::parse(&text, path)
    }

    /// Parse `text` (named `path` in errors). An empty file is an empty config.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            // serde_yaml appends " at line L column C"; we lead with it instead.
            let message = e.to_string();
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        })
    }

    /// `self` with every value that `over` sets replaced by `over`'s.
    pub fn over(self, over: FileConfig) -> FileConfig {
        FileConfig {
            listen: over.listen.or(self.listen),
            content: over.content.or(self.content),
            follow_symlinks: over.follow_symlinks.or(self.follow_symlinks),
            keys: over.keys.or(self.keys),
            max_connections: over.max_connections.or(self.max_connections),
            max_per_ip: over.max_per_ip.or(self.max_per_ip),
            idle_timeout: over.idle_timeout.or(self.idle_timeout),
            trusted_proxy: over.trusted_proxy.or(self.trusted_proxy),
            proxy_header_timeout: over.proxy_header_timeout.or(self.proxy_header_timeout),
            metrics: over.metrics.or(self.metrics),
            log_format: over.log_format.or(self.log_format),
            no_color: over.no_color.or(self.no_color),
            max_startups: over.max_startups.or(self.max_startups),
            per_ip_rate: over.per_ip_rate.or(self.per_ip_rate),
            per_ip_burst: over.per_ip_burst.or(self.per_ip_burst),
            login_deadline: over.login_deadline.or(self.login_deadline),
            idle_warning: over.idle_warning.or(self.idle_warning),
            max_session: over.max_session.or(self.max_session),
            stall_timeout: over.stall_timeout.or(self.stall_timeout),
            input_rate: over.input_rate.or(self.input_rate),
            input_burst: over.input_burst.or(self.input_burst),
            keepalive_interval: over.keepalive_interval.or(self.keepalive_interval),
            keepalive_max: over.keepalive_max.or(self.keepalive_max),
            per_source_net_block_size: over
                .per_source_net_block_size
                .or(self.per_source_net_block_size),
            max_startups_per_source: over
                .max_startups_per_source
                .or(self.max_startups_per_source),
            handshake_deadline: over.handshake_deadline.or(self.handshake_deadline),
            source_penalty: over.source_penalty.or(self.source_penalty),
            max_channels: over.max_channels.or(self.max_channels),
            channel_grace: over.channel_grace.or(self.channel_grace),
            data: over.data.or(self.data),
            no_stats: over.no_stats.or(self.no_stats),
            stats_retention: over.stats_retention.or(self.stats_retention),
            identify_guests: over.identify_guests.or(self.identify_guests),
        }
    }

    /// The settings: these values over the defaults.
    pub fn resolve(self) -> Result<ServeConfig, ConfigError> {
        let mut cfg = ServeConfig::default();
        if let Some(listen) = self.listen.filter(|l| !l.is_empty()) {
            cfg.listen = listen;
        }
        if let Some(v) = self.content {
            cfg.content = v;
        }
        if let Some(v) = self.follow_symlinks {
            cfg.follow_symlinks = v;
        }
        if let Some(v) = self.keys {
            cfg.keys = v;
        }
        if let Some(v) = self.max_connections {
            cfg.limits.max_connections = v;
        }
        if let Some(v) = self.max_per_ip {
            cfg.limits.max_per_ip = v;
        }
        if let Some(v) = self.no_color {
            cfg.limits.no_color = v;
        }
        let secs = Duration::from_secs;
        if let Some(v) = self.max_startups {
            cfg.limits.startups = v.parse().map_err(ConfigError::Invalid)?;
        }
        if let Some(v) = self.per_ip_rate {
            if !(v > 0.0 && v.is_finite()) {
                return Err(ConfigError::Invalid(format!(
                    "per_ip_rate must be a positive number, not {v}"
                )));
            }
            cfg.limits.per_ip_rate = v;
        }
        if let Some(v) = self.per_ip_burst {
            cfg.limits.per_ip_burst = v.max(1);
        }
        if let Some(v) = self.login_deadline {
            cfg.limits.login_deadline = secs(v.max(1));
        }
        if let Some(v) = self.idle_warning {
            cfg.limits.idle_warning = secs(v);
        }
        if let Some(v) = self.max_session {
            cfg.limits.max_session = (v > 0).then(|| secs(v));
        }
        if let Some(v) = self.stall_timeout {
            cfg.limits.stall_timeout = secs(v.max(1));
        }
        if let Some(v) = self.input_rate {
            cfg.limits.input_rate = v;
        }
        if let Some(v) = self.input_burst {
            cfg.limits.input_burst = v;
        }
        if let Some(v) = self.keepalive_interval {
            cfg.limits.keepalive_interval = secs(v.clamp(1, 3600));
        }
        if let Some(v) = self.keepalive_max {
            cfg.limits.keepalive_max = v.max(1);
        }
        if let Some(v) = self.per_source_net_block_size {
            cfg.limits.net_block = v.parse().map_err(ConfigError::Invalid)?;
        }
        if let Some(v) = self.max_startups_per_source {
            cfg.limits.max_startups_per_source = v.max(1);
        }
        if let Some(v) = self.handshake_deadline {
            cfg.limits.handshake_deadline = secs(v.max(1));
        }
        if let Some(v) = self.source_penalty {
            cfg.limits.source_penalty = secs(v);
        }
        if let Some(v) = self.max_channels {
            cfg.limits.max_channels = v.max(1);
        }
        if let Some(v) = self.channel_grace {
            cfg.limits.channel_grace = secs(v.max(1));
        }
        if let Some(v) = self.idle_timeout {
            cfg.limits.idle_timeout = (v > 0).then(|| Duration::from_secs(v));
        }
        if let Some(list) = self.trusted_proxy {
            cfg.proxy.trusted = list
                .iter()
                .map(|s| proxy::parse_cidr(s).map_err(ConfigError::Invalid))
                .collect::<Result<_, _>>()?;
        }
        if let Some(secs) = self.proxy_header_timeout {
            if !(secs > 0.0 && secs <= 60.0) {
                return Err(ConfigError::Invalid(format!(
                    "proxy_header_timeout must be between 0 and 60 seconds, not {secs}"
                )));
            }
            cfg.proxy.header_timeout = Duration::from_secs_f64(secs);
        }
        if let Some(v) = self.data {
            cfg.owner.data = v;
        }
        if let Some(v) = self.no_stats {
            cfg.owner.stats = !v;
        }
        if let Some(v) = self.stats_retention {
            cfg.owner.stats_retention = v;
        }
        if let Some(v) = self.identify_guests {
            cfg.owner.identify_guests = v;
        }
        cfg.metrics = self.metrics.or(cfg.metrics);
        cfg.log_format = self.log_format.unwrap_or(cfg.log_format);
        Ok(cfg)
    }
}

impl ServeConfig {
    /// Every setting a config file can hold, as `sshfolio.yml` would spell it.
    pub fn to_file(&self) -> FileConfig {
        FileConfig {
            listen: Some(self.listen.clone()),
            content: Some(self.content.clone()),
            follow_symlinks: Some(self.follow_symlinks),
            keys: Some(self.keys.clone()),
            max_connections: Some(self.limits.max_connections),
            max_per_ip: Some(self.limits.max_per_ip),
            idle_timeout: Some(self.limits.idle_timeout.map_or(0, |d| d.as_secs())),
            trusted_proxy: Some(self.proxy.trusted.iter().map(|n| n.to_string()).collect()),
            proxy_header_timeout: Some(self.proxy.header_timeout.as_secs_f64()),
            metrics: self.metrics,
            log_format: Some(self.log_format),
            no_color: Some(self.limits.no_color),
            max_startups: Some(self.limits.startups.to_string()),
            per_ip_rate: Some(self.limits.per_ip_rate),
            per_ip_burst: Some(self.limits.per_ip_burst),
            login_deadline: Some(self.limits.login_deadline.as_secs()),
            idle_warning: Some(self.limits.idle_warning.as_secs()),
            max_session: Some(self.limits.max_session.map_or(0, |d| d.as_secs())),
            stall_timeout: Some(self.limits.stall_timeout.as_secs()),
            input_rate: Some(self.limits.input_rate),
            input_burst: Some(self.limits.input_burst),
            keepalive_interval: Some(self.limits.keepalive_interval.as_secs()),
            keepalive_max: Some(self.limits.keepalive_max),
            per_source_net_block_size: Some(self.limits.net_block.to_string()),
            max_startups_per_source: Some(self.limits.max_startups_per_source),
            handshake_deadline: Some(self.limits.handshake_deadline.as_secs()),
            source_penalty: Some(self.limits.source_penalty.as_secs()),
            max_channels: Some(self.limits.max_channels),
            channel_grace: Some(self.limits.channel_grace.as_secs()),
            data: Some(self.owner.data.clone()),
            no_stats: Some(!self.owner.stats),
            stats_retention: Some(self.owner.stats_retention),
            identify_guests: Some(self.owner.identify_guests),
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
    /// Rare on purpose: each one wakes the server for every idle guest, and dead peers
    /// are found by the kernel's TCP keepalives (`ssh::tcp`) without waking it.
    pub keepalive_interval: Duration,
    pub keepalive_max: usize,
    /// How long shutdown waits for sessions to restore terminals before closing.
    pub shutdown_grace: Duration,
    /// Server-wide `NO_COLOR` (`--no-color`): every guest gets no colour.
    pub no_color: bool,
    /// Which addresses the per-source limits count as one source.
    pub net_block: NetBlock,
    /// Connections from one source between accept and an open session, at once.
    pub max_startups_per_source: usize,
    /// From accept until the client's banner and KEXINIT have arrived.
    pub handshake_deadline: Duration,
    /// Added to a source's penalty each time one of its connections hits a deadline; a
    /// source owing more than this is refused until it drops below (zero: off).
    pub source_penalty: Duration,
    /// Session channels open at once on one connection.
    pub max_channels: usize,
    /// A logged-in connection with no running session channel for this long is closed.
    pub channel_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_per_ip: 8,
            per_ip_rate: 2.0,
            // A script fetching the whole site (`projects --json`, `blog --json`, then
            // `show` for each of 15 pages) makes 17 connections in ~1.3 s: the burst
            // takes it with room to spare (BENCHMARKS.md).
            per_ip_burst: 24,
            startups: Startups::default(),
            login_deadline: Duration::from_secs(20),
            idle_timeout: Some(Duration::from_secs(600)),
            idle_warning: Duration::from_secs(60),
            max_session: Some(Duration::from_secs(3600)),
            input_rate: 16 * 1024,
            input_burst: 64 * 1024,
            stall_timeout: Duration::from_secs(30),
            keepalive_interval: Duration::from_secs(300),
            keepalive_max: 3,
            shutdown_grace: Duration::from_secs(3),
            no_color: false,
            net_block: NetBlock::default(),
            max_startups_per_source: 4,
            handshake_deadline: Duration::from_secs(5),
            source_penalty: Duration::from_secs(10),
            max_channels: 4,
            channel_grace: Duration::from_secs(5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_is_an_error_naming_it_and_its_line() {
        let text = "listen: [\"127.0.0.1:2222\"]\nmax_per_ip: 4\nmax_per_ipp: 5\n";
        let err = FileConfig::parse(text, Path::new("sshfolio.yml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("sshfolio.yml:3:"), "{msg}");
        assert!(msg.contains("unknown field `max_per_ipp`"), "{msg}");
    }

    #[test]
    fn later_layers_win_and_unset_values_fall_through() {
        let file = FileConfig {
            max_per_ip: Some(3),
            keys: Some("/k".into()),
            ..Default::default()
        };
        let cli = FileConfig {
            max_per_ip: Some(5),
            ..Default::default()
        };
        let cfg = file.over(cli).resolve().unwrap();
        assert_eq!(cfg.limits.max_per_ip, 5);
        assert_eq!(cfg.keys, PathBuf::from("/k"));
        assert_eq!(
            cfg.limits.max_connections,
            Limits::default().max_connections
        );
    }

    #[test]
    fn the_printed_config_reads_back_as_the_same_settings() {
        let cfg = FileConfig {
            trusted_proxy: Some(vec!["10.0.0.0/8".into(), "127.0.0.1".into()]),
            idle_timeout: Some(0),
            log_format: Some(LogFormat::Json),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let yaml = serde_yaml::to_string(&cfg.to_file()).unwrap();
        let back = FileConfig::parse(&yaml, Path::new("x")).unwrap();
        assert_eq!(back, cfg.to_file());
        assert!(yaml.contains("127.0.0.1/32"), "{yaml}");
        assert!(yaml.contains("log_format: json"), "{yaml}");
    }

    #[test]
    fn bad_values_are_errors() {
        let bad = FileConfig {
            trusted_proxy: Some(vec!["10.0.0.0/40".into()]),
            ..Default::default()
        };
        assert!(bad.resolve().is_err());
        let bad = FileConfig {
            proxy_header_timeout: Some(-1.0),
            ..Default::default()
        };
        assert!(bad.resolve().is_err());
        let err = FileConfig::parse("max_per_ip: lots\n", Path::new("f.yml")).unwrap_err();
        assert!(err.to_string().starts_with("f.yml:1:"), "{err}");
    }

    #[test]
    fn limits_come_from_the_file_and_flags_win() {
        let file = FileConfig::parse(
            "max_startups: \"10:30:100\"\nlogin_deadline: 5\nmax_session: 0\ninput_rate: 99\nkeepalive_interval: 60\n",
            Path::new("sshfolio.yml"),
        )
        .unwrap();
        let flags = FileConfig {
            input_rate: Some(7),
            ..Default::default()
        };
        let cfg = file.over(flags).resolve().unwrap();
        assert_eq!(cfg.limits.startups.to_string(), "10:30:100");
        assert_eq!(cfg.limits.login_deadline, Duration::from_secs(5));
        assert_eq!(cfg.limits.max_session, None);
        assert_eq!(cfg.limits.input_rate, 7);
        assert_eq!(cfg.limits.keepalive_interval, Duration::from_secs(60));
        assert_eq!(cfg.limits.keepalive_max, 3);
        // Every effective limit is printed, and reads back the same.
        let yaml = serde_yaml::to_string(&cfg.to_file()).unwrap();
        assert!(yaml.contains("max_startups: 10:30:100"), "{yaml}");
        let back = FileConfig::parse(&yaml, Path::new("x")).unwrap();
        assert_eq!(back, cfg.to_file());
        let bad = FileConfig::parse("max_startups: \"9:30:3\"\n", Path::new("f.yml")).unwrap();
        assert!(bad.resolve().is_err());
    }
}
